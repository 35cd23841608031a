//! Regions (行政区划): read by everyone signed in, managed by administrators.

use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::common::{created, nullable, page, utc, Check, Paged};
use super::extract::Json;
use super::AppState;
use crate::auth::Caller;
use crate::db;
use crate::domain::role::Role;
use crate::error::ApiError;
use crate::store::regions::{self, Changes, ListFilter, RegionRow};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/api/v1/regions").get(list).post(create))
        .service(web::resource("/api/v1/regions/{id}").get(get).patch(update));
}

#[derive(Serialize)]
pub struct RegionOut {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub parent_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<RegionRow> for RegionOut {
    fn from(r: RegionRow) -> Self {
        RegionOut {
            id: r.id,
            code: r.code,
            name: r.name,
            parent_id: r.parent_id,
            created_at: utc(r.created_at),
            updated_at: utc(r.updated_at),
        }
    }
}

const MANAGE: &str = "manage regions";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewRegion {
    code: String,
    name: String,
    parent_id: Option<i64>,
}

async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    Json(body): Json<NewRegion>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Admin], MANAGE)?;
    let mut check = Check::default();
    let code = check.text("code", &body.code, 1, 32);
    let name = check.text("name", &body.name, 1, 100);
    check.finish()?;
    let row = db::run(&state.pool, move |conn| {
        regions::create(conn, &code, &name, body.parent_id)
    })
    .await?;
    Ok(created(
        format!("/api/v1/regions/{}", row.id),
        &RegionOut::from(row),
    ))
}

#[derive(Deserialize)]
struct ListQuery {
    q: Option<String>,
    #[serde(default, deserialize_with = "crate::api::common::opt_id")]
    parent_id: Option<i64>,
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
        parent_id: q.parent_id,
    };
    let (rows, total) = db::run(&state.pool, move |conn| {
        Ok(regions::list(conn, &filter, page)?)
    })
    .await?;
    let items = rows.into_iter().map(RegionOut::from).collect();
    Ok(HttpResponse::Ok().json(Paged::new(items, total, page)))
}

async fn get(
    state: web::Data<AppState>,
    _caller: Caller,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let row = db::run(&state.pool, move |conn| Ok(regions::get(conn, id)?))
        .await?
        .ok_or_else(|| ApiError::not_found("region"))?;
    Ok(HttpResponse::Ok().json(RegionOut::from(row)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RegionPatch {
    #[serde(default, deserialize_with = "crate::api::common::present")]
    code: Option<String>,
    #[serde(default, deserialize_with = "crate::api::common::present")]
    name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    parent_id: Option<Option<i64>>,
}

async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
    Json(body): Json<RegionPatch>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Admin], MANAGE)?;
    let mut check = Check::default();
    let changes = Changes {
        code: body.code.map(|c| check.text("code", &c, 1, 32)),
        name: body.name.map(|n| check.text("name", &n, 1, 100)),
        parent_id: body.parent_id,
    };
    check.finish()?;
    let id = id.into_inner();
    let row = db::run(&state.pool, move |conn| regions::update(conn, id, changes)).await?;
    Ok(HttpResponse::Ok().json(RegionOut::from(row)))
}
