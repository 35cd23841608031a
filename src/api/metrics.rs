//! `GET /metrics`: Prometheus' text format, off unless `--metrics` (it takes no token) or
//! served on its own address with `--metrics-bind`.

use actix_web::{web, HttpResponse};

use super::AppState;
use crate::db;
use crate::error::Error;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/metrics").get(metrics));
}

async fn metrics(state: web::Data<AppState>) -> Result<HttpResponse, Error> {
    if !state.metrics_public {
        return Err(Error::NotFound("no such path".into()));
    }
    let (m, pool) = (state.metrics.clone(), state.pool.clone());
    let text = db::run(&state.pool, move |conn| m.render(&pool, conn)).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(text))
}
