//! 政策问答: `/api/v1/knowledge` (everyone reads and searches, coordinators publish).

use crate::api::extract::Query;
use actix_web::{web, HttpResponse};

use super::common::created;
use super::extract::Json;
use super::AppState;
use crate::auth::Caller;
use crate::db;
use crate::error::Error;
use crate::service::knowledge::{self, KnowledgeQuery, PublishIn};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/api/v1/knowledge").get(list).post(publish))
        .service(web::resource("/api/v1/knowledge/{id}").get(get));
}

async fn publish(
    state: web::Data<AppState>,
    caller: Caller,
    Json(body): Json<PublishIn>,
) -> Result<HttpResponse, Error> {
    let entry = db::run(&state.pool, move |conn| {
        knowledge::publish(conn, &caller, body)
    })
    .await?;
    Ok(created(format!("/api/v1/knowledge/{}", entry.id), &entry))
}

async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    query: Query<KnowledgeQuery>,
) -> Result<HttpResponse, Error> {
    let q = query.into_inner();
    let page = db::run(&state.pool, move |conn| knowledge::list(conn, &caller, q)).await?;
    Ok(HttpResponse::Ok().json(page))
}

async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> Result<HttpResponse, Error> {
    let id = id.into_inner();
    let entry = db::run(&state.pool, move |conn| knowledge::get(conn, &caller, id)).await?;
    Ok(HttpResponse::Ok().json(entry))
}
