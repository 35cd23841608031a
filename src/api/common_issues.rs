//! 共性问题: `/api/v1/common-issues` (coordinators group, the lead department answers,
//! leaders and everyone in scope read).

use crate::api::extract::Query;
use actix_web::{web, HttpResponse};

use super::common::created;
use super::extract::Json;
use super::AppState;
use crate::auth::Caller;
use crate::db;
use crate::error::Error;
use crate::service::common_issues::{self as common, AddIn, AnswerIn, CommonIn, CommonQuery};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/api/v1/common-issues")
            .get(list)
            .post(create),
    )
    .service(web::resource("/api/v1/common-issues/{id}").get(get))
    .service(web::resource("/api/v1/common-issues/{id}/issues").post(add))
    .service(web::resource("/api/v1/common-issues/{id}/answer").post(answer));
}

async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    Json(body): Json<CommonIn>,
) -> Result<HttpResponse, Error> {
    let group = db::run(&state.pool, move |conn| common::create(conn, &caller, body)).await?;
    Ok(created(
        format!("/api/v1/common-issues/{}", group.id),
        &group,
    ))
}

async fn add(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
    Json(body): Json<AddIn>,
) -> Result<HttpResponse, Error> {
    let id = id.into_inner();
    let group = db::run(&state.pool, move |conn| {
        common::add(conn, &caller, id, body)
    })
    .await?;
    Ok(HttpResponse::Ok().json(group))
}

async fn answer(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
    Json(body): Json<AnswerIn>,
) -> Result<HttpResponse, Error> {
    let id = id.into_inner();
    let group = db::run(&state.pool, move |conn| {
        common::answer(conn, &caller, id, body)
    })
    .await?;
    Ok(HttpResponse::Ok().json(group))
}

async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    query: Query<CommonQuery>,
) -> Result<HttpResponse, Error> {
    let q = query.into_inner();
    let page = db::run(&state.pool, move |conn| common::list(conn, &caller, q)).await?;
    Ok(HttpResponse::Ok().json(page))
}

async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> Result<HttpResponse, Error> {
    let id = id.into_inner();
    let group = db::run(&state.pool, move |conn| common::get(conn, &caller, id)).await?;
    Ok(HttpResponse::Ok().json(group))
}
