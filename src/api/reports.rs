//! Published documents (已发布文件): `/api/v1/reports`, by `service::reports`.

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use super::common::created;
use super::extract::{Json, Query};
use super::AppState;
use crate::auth::Caller;
use crate::db;
use crate::error::Error;
use crate::service::reports::{self, PublishIn};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/api/v1/reports").get(list).post(publish))
        .service(web::resource("/api/v1/reports/{id}").get(get));
}

/// The list takes no parameters: any is refused by name.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NoParameters {}

async fn publish(
    state: web::Data<AppState>,
    caller: Caller,
    Json(body): Json<PublishIn>,
) -> Result<HttpResponse, Error> {
    let r = db::run(&state.pool, move |conn| {
        reports::publish(conn, &caller, body, crate::store::now())
    })
    .await?;
    Ok(created(format!("/api/v1/reports/{}", r.id), &r))
}

async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    _query: Query<NoParameters>,
) -> Result<HttpResponse, Error> {
    let items = db::run(&state.pool, move |conn| reports::list(conn, &caller)).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}

async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> Result<HttpResponse, Error> {
    let id = id.into_inner();
    let r = db::run(&state.pool, move |conn| reports::get(conn, &caller, id)).await?;
    Ok(HttpResponse::Ok().json(r))
}
