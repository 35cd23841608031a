//! Figures: `/api/v1/stats/*`, computed by `service::figures`.

use crate::api::extract::Query;
use actix_web::{web, HttpResponse};

use super::AppState;
use crate::auth::Caller;
use crate::db;
use crate::error::Error;
use crate::service::figures::{self, ReportQuery, StatsQuery};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/api/v1/stats/summary").get(summary))
        .service(web::resource("/api/v1/stats/departments").get(ranking))
        .service(web::resource("/api/v1/stats/regions").get(by_region))
        .service(web::resource("/api/v1/stats/categories").get(by_category))
        .service(web::resource("/api/v1/stats/trend").get(trend))
        .service(web::resource("/api/v1/stats/report").get(report));
}

async fn summary(
    state: web::Data<AppState>,
    caller: Caller,
    query: Query<StatsQuery>,
) -> Result<HttpResponse, Error> {
    let q = query.into_inner();
    let out = db::run(&state.pool, move |conn| figures::summary(conn, &caller, q)).await?;
    Ok(HttpResponse::Ok().json(out))
}

/// 红黑榜
async fn ranking(
    state: web::Data<AppState>,
    caller: Caller,
    query: Query<StatsQuery>,
) -> Result<HttpResponse, Error> {
    let q = query.into_inner();
    let out = db::run(&state.pool, move |conn| figures::ranking(conn, &caller, q)).await?;
    Ok(HttpResponse::Ok().json(out))
}

async fn by_region(
    state: web::Data<AppState>,
    caller: Caller,
    query: Query<StatsQuery>,
) -> Result<HttpResponse, Error> {
    let q = query.into_inner();
    let out = db::run(&state.pool, move |conn| {
        figures::by_region(conn, &caller, q)
    })
    .await?;
    Ok(HttpResponse::Ok().json(out))
}

async fn by_category(
    state: web::Data<AppState>,
    caller: Caller,
    query: Query<StatsQuery>,
) -> Result<HttpResponse, Error> {
    let q = query.into_inner();
    let out = db::run(&state.pool, move |conn| {
        figures::by_category(conn, &caller, q)
    })
    .await?;
    Ok(HttpResponse::Ok().json(out))
}

async fn trend(
    state: web::Data<AppState>,
    caller: Caller,
    query: Query<StatsQuery>,
) -> Result<HttpResponse, Error> {
    let q = query.into_inner();
    let out = db::run(&state.pool, move |conn| figures::trend(conn, &caller, q)).await?;
    Ok(HttpResponse::Ok().json(out))
}

async fn report(
    state: web::Data<AppState>,
    caller: Caller,
    query: Query<ReportQuery>,
) -> Result<HttpResponse, Error> {
    let q = query.into_inner();
    let out = db::run(&state.pool, move |conn| figures::report(conn, &caller, q)).await?;
    Ok(HttpResponse::Ok().json(out))
}
