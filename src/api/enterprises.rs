//! Enterprises (企业): `/api/v1/enterprises`.

use crate::api::extract::Query;
use actix_web::{web, HttpResponse};

use super::common::created;
use super::extract::Json;
use super::AppState;
use crate::auth::Caller;
use crate::db;
use crate::error::Error;
use crate::service::enterprises::{
    self, EnterprisePatch, EnterpriseQuery, MergeIn, NewEnterpriseIn,
};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/api/v1/enterprises").get(list).post(create))
        .service(
            web::resource("/api/v1/enterprises/{id}")
                .get(get)
                .patch(update),
        )
        .service(web::resource("/api/v1/enterprises/{id}/merge").post(merge));
}

/// 合并: `{id}` folds into `into`; its accounts now belong to the kept record.
async fn merge(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
    Json(body): Json<MergeIn>,
) -> Result<HttpResponse, Error> {
    let id = id.into_inner();
    let merged = db::run(&state.pool, move |conn| {
        enterprises::merge(conn, &caller, id, body)
    })
    .await?;
    state.callers.forget_all();
    Ok(HttpResponse::Ok().json(merged))
}

async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    Json(body): Json<NewEnterpriseIn>,
) -> Result<HttpResponse, Error> {
    let e = db::run(&state.pool, move |conn| {
        enterprises::create(conn, &caller, body)
    })
    .await?;
    Ok(created(format!("/api/v1/enterprises/{}", e.id), &e))
}

async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    query: Query<EnterpriseQuery>,
) -> Result<HttpResponse, Error> {
    let q = query.into_inner();
    let page = db::run(&state.pool, move |conn| enterprises::list(conn, &caller, q)).await?;
    Ok(HttpResponse::Ok().json(page))
}

async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> Result<HttpResponse, Error> {
    let id = id.into_inner();
    let e = db::run(&state.pool, move |conn| enterprises::get(conn, &caller, id)).await?;
    Ok(HttpResponse::Ok().json(e))
}

async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
    Json(body): Json<EnterprisePatch>,
) -> Result<HttpResponse, Error> {
    let id = id.into_inner();
    let e = db::run(&state.pool, move |conn| {
        enterprises::update(conn, &caller, id, body)
    })
    .await?;
    // Its users' callers hold its region (where their filings go).
    state.callers.forget_all();
    Ok(HttpResponse::Ok().json(e))
}
