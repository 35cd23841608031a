//! Reading issues in scope: one, a filtered list, the timeline, extension requests.

use crate::api::extract::Query;
use actix_web::{web, HttpResponse};

use super::issue_response;
use crate::auth::Caller;
use crate::db;
use crate::error::Error;
use crate::http::AppState;
use crate::service::issues::{self, IssueQuery};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/api/v1/issues/{id}").get(get))
        .service(web::resource("/api/v1/issues/{id}/events").get(events))
        .service(web::resource("/api/v1/issues/{id}/similar").get(similar))
        .service(web::resource("/api/v1/issues/{id}/suggested-departments").get(suggested));
}

/// 相似问题: the issues in the caller's scope most like this one, with their scores.
async fn similar(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> Result<HttpResponse, Error> {
    let id = id.into_inner();
    let items = db::run(&state.pool, move |conn| {
        issues::similar::similar(conn, &caller, id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}

/// 建议主办部门 (coordinators): the departments that answered the most similar earlier issues.
async fn suggested(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> Result<HttpResponse, Error> {
    let id = id.into_inner();
    let items = db::run(&state.pool, move |conn| {
        issues::similar::suggested_departments(conn, &caller, id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}

async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> Result<HttpResponse, Error> {
    let id = id.into_inner();
    let issue = db::run(&state.pool, move |conn| issues::get(conn, &caller, id)).await?;
    Ok(issue_response(&issue))
}

pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    query: Query<IssueQuery>,
) -> Result<HttpResponse, Error> {
    let q = query.into_inner();
    let page = db::run(&state.pool, move |conn| issues::list(conn, &caller, q)).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// The timeline, oldest first.
async fn events(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> Result<HttpResponse, Error> {
    let id = id.into_inner();
    let events = db::run(&state.pool, move |conn| issues::events(conn, &caller, id)).await?;
    Ok(HttpResponse::Ok().json(events))
}

pub async fn extensions(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> Result<HttpResponse, Error> {
    let id = id.into_inner();
    let exts = db::run(&state.pool, move |conn| {
        issues::extensions(conn, &caller, id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(exts))
}
