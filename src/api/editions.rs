//! Editions (期): `/api/v1/editions`, and planning the next one with its forums.

use crate::api::extract::Query;
use actix_web::{web, HttpResponse};

use super::common::created;
use super::extract::Json;
use super::AppState;
use crate::auth::Caller;
use crate::db;
use crate::error::Error;
use crate::service::editions::{self, CancelIn, EditionPatch, EditionQuery, NewEditionIn, PlanIn};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/api/v1/editions").get(list).post(create))
        .service(web::resource("/api/v1/editions/plan").post(plan))
        .service(web::resource("/api/v1/editions/next").get(next))
        .service(web::resource("/api/v1/editions/{id}/cancel").post(cancel))
        .service(
            web::resource("/api/v1/editions/{id}")
                .get(get)
                .patch(update),
        );
}

async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    Json(body): Json<NewEditionIn>,
) -> Result<HttpResponse, Error> {
    let e = db::run(&state.pool, move |conn| {
        editions::create(conn, &caller, body)
    })
    .await?;
    Ok(created(format!("/api/v1/editions/{}", e.id), &e))
}

async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    query: Query<EditionQuery>,
) -> Result<HttpResponse, Error> {
    let q = query.into_inner();
    let page = db::run(&state.pool, move |conn| editions::list(conn, &caller, q)).await?;
    Ok(HttpResponse::Ok().json(page))
}

async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> Result<HttpResponse, Error> {
    let id = id.into_inner();
    let e = db::run(&state.pool, move |conn| editions::get(conn, &caller, id)).await?;
    Ok(HttpResponse::Ok().json(e))
}

async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
    Json(body): Json<EditionPatch>,
) -> Result<HttpResponse, Error> {
    let id = id.into_inner();
    let e = db::run(&state.pool, move |conn| {
        editions::update(conn, &caller, id, body)
    })
    .await?;
    Ok(HttpResponse::Ok().json(e))
}

/// 计划下一期: the next edition number, its date, and a scheduled forum per chosen region.
async fn plan(
    state: web::Data<AppState>,
    caller: Caller,
    Json(body): Json<PlanIn>,
) -> Result<HttpResponse, Error> {
    let plan = db::run(&state.pool, move |conn| editions::plan(conn, &caller, body)).await?;
    Ok(created(
        format!("/api/v1/editions/{}", plan.edition.id),
        &plan,
    ))
}

/// The date 计划下一期 would propose now.
async fn next(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, Error> {
    let n = db::run(&state.pool, move |conn| editions::next(conn, &caller)).await?;
    Ok(HttpResponse::Ok().json(n))
}

/// 取消本期, with the reason.
async fn cancel(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
    Json(body): Json<CancelIn>,
) -> Result<HttpResponse, Error> {
    let id = id.into_inner();
    let e = db::run(&state.pool, move |conn| {
        editions::cancel(conn, &caller, id, body)
    })
    .await?;
    Ok(HttpResponse::Ok().json(e))
}
