//! 操作日志: `GET /api/v1/audit` (administrators), by `service::audit`.

use actix_web::{web, HttpResponse};

use super::extract::Query;
use super::AppState;
use crate::auth::Caller;
use crate::db;
use crate::error::Error;
use crate::service::audit::{self, AuditQuery};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/api/v1/audit").get(list));
}

async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    query: Query<AuditQuery>,
) -> Result<HttpResponse, Error> {
    let q = query.into_inner();
    let page = db::run(&state.pool, move |conn| audit::list(conn, &caller, q)).await?;
    Ok(HttpResponse::Ok().json(page))
}
