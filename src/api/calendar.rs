//! The working-day calendar (节假日与调休): `/api/v1/calendar/{year}`.

use actix_web::{web, HttpResponse};

use super::extract::Json;
use super::AppState;
use crate::auth::Caller;
use crate::db;
use crate::error::Error;
use crate::service::calendar::{self, YearIn};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/api/v1/calendar/{year}").get(get).put(put));
}

async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    year: web::Path<i32>,
) -> Result<HttpResponse, Error> {
    let year = year.into_inner();
    let y = db::run(&state.pool, move |conn| calendar::get(conn, &caller, year)).await?;
    Ok(HttpResponse::Ok().json(y))
}

async fn put(
    state: web::Data<AppState>,
    caller: Caller,
    year: web::Path<i32>,
    Json(body): Json<YearIn>,
) -> Result<HttpResponse, Error> {
    let year = year.into_inner();
    let y = db::run(&state.pool, move |conn| {
        calendar::put(conn, &caller, year, body)
    })
    .await?;
    Ok(HttpResponse::Ok().json(y))
}
