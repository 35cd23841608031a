//! Accounts: `/api/v1/users`.

use crate::api::extract::Query;
use actix_web::{web, HttpResponse};

use super::common::created;
use super::extract::{Json, OptionalJson};
use super::AppState;
use crate::auth::Caller;
use crate::db;
use crate::error::Error;
use crate::service::users::{self, NewUserIn, PasswordReset, UserPatch, UserQuery};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/api/v1/users").get(list).post(create))
        .service(web::resource("/api/v1/users/{id}").get(get).patch(update))
        .service(web::resource("/api/v1/users/{id}/password").post(reset_password))
        .service(web::resource("/api/v1/users/{id}/unlock").post(unlock));
}

async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    Json(body): Json<NewUserIn>,
) -> Result<HttpResponse, Error> {
    let user = db::run(&state.pool, move |conn| users::create(conn, &caller, body)).await?;
    Ok(created(format!("/api/v1/users/{}", user.id), &user))
}

async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    query: Query<UserQuery>,
) -> Result<HttpResponse, Error> {
    let q = query.into_inner();
    let page = db::run(&state.pool, move |conn| users::list(conn, &caller, q)).await?;
    Ok(HttpResponse::Ok().json(page))
}

async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> Result<HttpResponse, Error> {
    let id = id.into_inner();
    let user = db::run(&state.pool, move |conn| users::get(conn, &caller, id)).await?;
    Ok(HttpResponse::Ok().json(user))
}

async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
    Json(body): Json<UserPatch>,
) -> Result<HttpResponse, Error> {
    let id = id.into_inner();
    let user = db::run(&state.pool, move |conn| {
        users::update(conn, &caller, id, body)
    })
    .await?;
    state.callers.forget(id);
    Ok(HttpResponse::Ok().json(user))
}

async fn reset_password(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
    OptionalJson(body): OptionalJson<PasswordReset>,
) -> Result<HttpResponse, Error> {
    let id = id.into_inner();
    let once = db::run(&state.pool, move |conn| {
        users::reset_password(conn, &caller, id, body)
    })
    .await?;
    state.callers.forget(id);
    Ok(HttpResponse::Ok().json(once))
}

/// 解除锁定: the user may try to sign in again at once.
async fn unlock(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> Result<HttpResponse, Error> {
    let id = id.into_inner();
    db::run(&state.pool, move |conn| users::unlock(conn, &caller, id)).await?;
    Ok(HttpResponse::NoContent().finish())
}
