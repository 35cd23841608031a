//! Departments (部门): read by everyone signed in, managed by administrators.

use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::common::{created, page, utc, Check, Paged};
use super::extract::Json;
use super::AppState;
use crate::auth::Caller;
use crate::db;
use crate::domain::role::Role;
use crate::error::ApiError;
use crate::store::departments::{self, Changes, DepartmentRow, ListFilter};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/api/v1/departments").get(list).post(create))
        .service(
            web::resource("/api/v1/departments/{id}")
                .get(get)
                .patch(update),
        );
}

#[derive(Serialize)]
pub struct DepartmentOut {
    pub id: i64,
    pub name: String,
    pub region_id: i64,
    pub catch_all: bool,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<DepartmentRow> for DepartmentOut {
    fn from(d: DepartmentRow) -> Self {
        DepartmentOut {
            id: d.id,
            name: d.name,
            region_id: d.region_id,
            catch_all: d.catch_all,
            active: d.active,
            created_at: utc(d.created_at),
            updated_at: utc(d.updated_at),
        }
    }
}

const MANAGE: &str = "manage departments";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewDepartment {
    name: String,
    region_id: i64,
    #[serde(default)]
    catch_all: bool,
}

async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    Json(body): Json<NewDepartment>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Admin], MANAGE)?;
    let mut check = Check::default();
    let name = check.text("name", &body.name, 1, 100);
    check.finish()?;
    let row = db::run(&state.pool, move |conn| {
        departments::create(conn, &name, body.region_id, body.catch_all)
    })
    .await?;
    Ok(created(
        format!("/api/v1/departments/{}", row.id),
        &DepartmentOut::from(row),
    ))
}

#[derive(Deserialize)]
struct ListQuery {
    q: Option<String>,
    #[serde(default, deserialize_with = "crate::api::common::opt_id")]
    region_id: Option<i64>,
    active: Option<bool>,
    page: Option<i64>,
    per_page: Option<i64>,
}

async fn list(
    state: web::Data<AppState>,
    _caller: Caller,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let page = page(q.page, q.per_page)?;
    let filter = ListFilter {
        q: q.q.filter(|s| !s.trim().is_empty()),
        region_id: q.region_id,
        active: q.active,
    };
    let (rows, total) = db::run(&state.pool, move |conn| {
        Ok(departments::list(conn, &filter, page)?)
    })
    .await?;
    let items = rows.into_iter().map(DepartmentOut::from).collect();
    Ok(HttpResponse::Ok().json(Paged::new(items, total, page)))
}

async fn get(
    state: web::Data<AppState>,
    _caller: Caller,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let row = db::run(&state.pool, move |conn| Ok(departments::get(conn, id)?))
        .await?
        .ok_or_else(|| ApiError::not_found("department"))?;
    Ok(HttpResponse::Ok().json(DepartmentOut::from(row)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DepartmentPatch {
    #[serde(default, deserialize_with = "crate::api::common::present")]
    name: Option<String>,
    #[serde(default, deserialize_with = "crate::api::common::present")]
    region_id: Option<i64>,
    #[serde(default, deserialize_with = "crate::api::common::present")]
    catch_all: Option<bool>,
    #[serde(default, deserialize_with = "crate::api::common::present")]
    active: Option<bool>,
}

async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
    Json(body): Json<DepartmentPatch>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Admin], MANAGE)?;
    let mut check = Check::default();
    let changes = Changes {
        name: body.name.map(|n| check.text("name", &n, 1, 100)),
        region_id: body.region_id,
        catch_all: body.catch_all,
        active: body.active,
    };
    check.finish()?;
    let id = id.into_inner();
    let row = db::run(&state.pool, move |conn| {
        departments::update(conn, id, changes)
    })
    .await?;
    Ok(HttpResponse::Ok().json(DepartmentOut::from(row)))
}
