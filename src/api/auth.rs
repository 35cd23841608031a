//! Signing in and out, and the caller's own account.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use super::extract::Json;
use super::users::UserOut;
use super::AppState;
use crate::auth::{password, throttle, Caller};
use crate::db;
use crate::error::ApiError;
use crate::store::{self, users};

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

const BAD_CREDENTIALS: &str = "the username or password is wrong";

/// Checks the password (in the blocking pool: argon2 is deliberately slow) and issues a
/// token. Unknown users, wrong passwords and inactive accounts get the same answer after
/// the same work; repeated failures per username and per address are throttled.
async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    Json(body): Json<Login>,
) -> Result<HttpResponse, ApiError> {
    let username = body.username.trim().to_lowercase();
    let address = req
        .peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_else(|| "unknown".into());
    let keys = [
        (format!("user:{username}"), throttle::per_username()),
        (format!("addr:{address}"), throttle::per_address()),
    ];
    let pw = body.password;
    let user = db::run(&state.pool, move |conn| {
        let now = store::now();
        let mut wait = None;
        for (key, _) in &keys {
            if let Some(counter) = store::throttle::get(conn, key)? {
                wait = wait.max(throttle::retry_after(&counter, now));
            }
        }
        if let Some(retry_after) = wait {
            return Err(ApiError::TooManyRequests {
                detail: "too many failed sign-in attempts; try again later".into(),
                retry_after,
            });
        }
        let found = users::find_by_username(conn, &username)?;
        let ok = match &found {
            Some(u) => password::verify(&pw, &u.password_hash) && u.active,
            None => {
                password::verify_nobody(&pw);
                false
            }
        };
        match found {
            Some(user) if ok => {
                store::throttle::clear(conn, &keys[0].0)?;
                Ok(user)
            }
            _ => {
                for (key, policy) in &keys {
                    store::throttle::record_failure(conn, key, policy, now)?;
                }
                Err(ApiError::Unauthorized(BAD_CREDENTIALS.into()))
            }
        }
    })
    .await?;
    let token = state
        .tokens
        .issue(
            user.id,
            &user.role,
            user.token_version,
            chrono::Utc::now().timestamp(),
        )
        .map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok().json(json!({
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": state.tokens.ttl_seconds,
        "user": UserOut::from(user),
    })))
}

/// Ends every token of the caller, on every device.
async fn logout(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    let id = caller.id();
    db::run(&state.pool, move |conn| Ok(users::end_sessions(conn, id)?)).await?;
    Ok(HttpResponse::NoContent().finish())
}

async fn me(caller: Caller) -> HttpResponse {
    HttpResponse::Ok().json(UserOut::from(caller.user))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PasswordChange {
    current_password: String,
    new_password: String,
}

/// Changes the caller's own password; every earlier token ends, so the caller signs in again.
async fn change_password(
    state: web::Data<AppState>,
    caller: Caller,
    Json(body): Json<PasswordChange>,
) -> Result<HttpResponse, ApiError> {
    if let Some(msg) = password::policy_error(&body.new_password) {
        return Err(ApiError::invalid("new_password", msg));
    }
    let id = caller.id();
    let stored = caller.user.password_hash.clone();
    db::run(&state.pool, move |conn| {
        if !password::verify(&body.current_password, &stored) {
            return Err(ApiError::invalid("current_password", "is wrong"));
        }
        let hash = password::hash(&body.new_password).map_err(ApiError::internal)?;
        users::set_password(conn, id, &hash)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
