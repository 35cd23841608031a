//! Departments (部门): `/api/v1/departments`.

use crate::api::extract::Query;
use actix_web::{web, HttpResponse};

use super::common::created;
use super::extract::Json;
use super::AppState;
use crate::auth::Caller;
use crate::db;
use crate::error::Error;
use crate::service::departments::{self, DepartmentPatch, DepartmentQuery, NewDepartment};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/api/v1/departments").get(list).post(create))
        .service(
            web::resource("/api/v1/departments/{id}")
                .get(get)
                .patch(update),
        );
}

async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    Json(body): Json<NewDepartment>,
) -> Result<HttpResponse, Error> {
    let d = db::run(&state.pool, move |conn| {
        departments::create(conn, &caller, body)
    })
    .await?;
    Ok(created(format!("/api/v1/departments/{}", d.id), &d))
}

async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    query: Query<DepartmentQuery>,
) -> Result<HttpResponse, Error> {
    let q = query.into_inner();
    let page = db::run(&state.pool, move |conn| departments::list(conn, &caller, q)).await?;
    Ok(HttpResponse::Ok().json(page))
}

async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> Result<HttpResponse, Error> {
    let id = id.into_inner();
    let d = db::run(&state.pool, move |conn| departments::get(conn, &caller, id)).await?;
    Ok(HttpResponse::Ok().json(d))
}

async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
    Json(body): Json<DepartmentPatch>,
) -> Result<HttpResponse, Error> {
    let id = id.into_inner();
    let d = db::run(&state.pool, move |conn| {
        departments::update(conn, &caller, id, body)
    })
    .await?;
    Ok(HttpResponse::Ok().json(d))
}
