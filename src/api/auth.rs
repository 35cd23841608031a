//! Signing in and out, and the caller's own account: `/api/v1/auth/*`, `/api/v1/me`.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use super::extract::Json;
use super::AppState;
use crate::auth::Caller;
use crate::db;
use crate::error::Error;
use crate::service::accounts;
use crate::service::users::User;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/api/v1/auth/login").post(login))
        .service(web::resource("/api/v1/auth/logout").post(logout))
        .service(web::resource("/api/v1/me").get(me))
        .service(web::resource("/api/v1/me/password").post(change_password));
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Login {
    username: String,
    password: String,
}

/// Checks the password and issues a bearer token.
async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    Json(body): Json<Login>,
) -> Result<HttpResponse, Error> {
    let address = crate::http::client_address(&req, &state.trusted_proxies);
    let user = crate::http::sign_in(&state, body.username, body.password, address).await?;
    let token = state.tokens.issue_for(&user).map_err(Error::internal)?;
    Ok(HttpResponse::Ok().json(json!({
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": state.tokens.ttl_seconds,
        "must_change_password": user.must_change_password,
        "user": User::from(user),
    })))
}

/// Ends every token of the caller, on every device.
async fn logout(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, Error> {
    let id = caller.id();
    db::run(&state.pool, move |conn| accounts::sign_out(conn, &caller)).await?;
    state.callers.forget(id);
    Ok(HttpResponse::NoContent().finish())
}

async fn me(caller: Caller) -> HttpResponse {
    HttpResponse::Ok().json(User::from(crate::store::users::UserRow::clone(
        &caller.user,
    )))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PasswordChange {
    current_password: String,
    new_password: String,
}

async fn change_password(
    state: web::Data<AppState>,
    caller: Caller,
    Json(body): Json<PasswordChange>,
) -> Result<HttpResponse, Error> {
    let id = caller.id();
    db::run(&state.pool, move |conn| {
        accounts::change_password(conn, &caller, &body.current_password, &body.new_password)
    })
    .await?;
    state.callers.forget(id);
    Ok(HttpResponse::NoContent().finish())
}
