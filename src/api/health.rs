//! Liveness and readiness, for load balancers and orchestrators (no token needed).

use actix_web::{web, HttpResponse};
use diesel::connection::SimpleConnection;
use serde_json::json;

use super::AppState;
use crate::db;
use crate::error::Error;

pub fn routes(cfg: &mut web::ServiceConfig) {
    // HEAD as well: load balancers and uptime probes often ask with it.
    cfg.service(web::resource("/healthz").get(healthz).head(healthz))
        .service(web::resource("/readyz").get(readyz).head(readyz));
}

/// 200 while the process runs.
async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// 200 when the database answers; 503 with `Retry-After` when it does not.
/// The body names the years up to this one that have no holiday calendar.
async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, Error> {
    let missing = db::run(&state.pool, |conn| {
        conn.batch_execute("SELECT 1").map_err(|e| {
            log::warn!("readiness check: {e}");
            Error::Unavailable("the database is not available".into())
        })?;
        crate::service::calendar::missing_years(conn, crate::domain::time::today())
    })
    .await?;
    Ok(HttpResponse::Ok()
        .json(json!({"status": "ready", "database": state.backend, "calendar_missing": missing})))
}
