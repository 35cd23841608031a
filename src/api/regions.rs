//! Regions (行政区划): `/api/v1/regions`.

use crate::api::extract::Query;
use actix_web::{web, HttpResponse};

use super::common::created;
use super::extract::Json;
use super::AppState;
use crate::auth::Caller;
use crate::db;
use crate::error::Error;
use crate::service::regions::{self, NewRegion, RegionPatch, RegionQuery};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/api/v1/regions").get(list).post(create))
        .service(web::resource("/api/v1/regions/{id}").get(get).patch(update));
}

async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    Json(body): Json<NewRegion>,
) -> Result<HttpResponse, Error> {
    let region = db::run(&state.pool, move |conn| {
        regions::create(conn, &caller, body)
    })
    .await?;
    Ok(created(format!("/api/v1/regions/{}", region.id), &region))
}

async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    query: Query<RegionQuery>,
) -> Result<HttpResponse, Error> {
    let q = query.into_inner();
    let page = db::run(&state.pool, move |conn| regions::list(conn, &caller, q)).await?;
    Ok(HttpResponse::Ok().json(page))
}

async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> Result<HttpResponse, Error> {
    let id = id.into_inner();
    let region = db::run(&state.pool, move |conn| regions::get(conn, &caller, id)).await?;
    Ok(HttpResponse::Ok().json(region))
}

async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
    Json(body): Json<RegionPatch>,
) -> Result<HttpResponse, Error> {
    let id = id.into_inner();
    let region = db::run(&state.pool, move |conn| {
        regions::update(conn, &caller, id, body)
    })
    .await?;
    Ok(HttpResponse::Ok().json(region))
}
