//! The working-day calendar (节假日与调休) per year: read by everyone signed in, set by
//! administrators from the State Council's yearly notice.

use std::collections::HashSet;

use actix_web::{web, HttpResponse};
use chrono::{Datelike, NaiveDate, Weekday};
use serde::Deserialize;
use serde_json::json;

use super::extract::Json;
use super::AppState;
use crate::auth::Caller;
use crate::db;
use crate::domain::role::Role;
use crate::error::{ApiError, FieldError};
use crate::store::calendar;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/api/v1/calendar/{year}").get(get).put(put));
}

fn year_in_range(year: i32) -> Result<i32, ApiError> {
    if (2000..=2100).contains(&year) {
        Ok(year)
    } else {
        Err(ApiError::not_found("calendar year"))
    }
}

async fn get(
    state: web::Data<AppState>,
    _caller: Caller,
    year: web::Path<i32>,
) -> Result<HttpResponse, ApiError> {
    let year = year_in_range(year.into_inner())?;
    let y = db::run(&state.pool, move |conn| Ok(calendar::get_year(conn, year)?)).await?;
    Ok(HttpResponse::Ok().json(json!({
        "year": year,
        "configured": y.configured,
        "holidays": y.holidays,
        "workdays": y.workdays,
    })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct YearIn {
    holidays: Vec<NaiveDate>,
    workdays: Vec<NaiveDate>,
}

/// Every date must fall in the year, appear once, and not be both; an adjusted working
/// day is by nature a Saturday or Sunday.
fn check_year(year: i32, body: &YearIn) -> Result<(), ApiError> {
    let mut errors = Vec::new();
    let mut seen = HashSet::new();
    for (list, days) in [("holidays", &body.holidays), ("workdays", &body.workdays)] {
        for (i, d) in days.iter().enumerate() {
            let field = format!("{list}[{i}]");
            if d.year() != year {
                errors.push(FieldError::new(field, format!("{d} is not in {year}")));
            } else if !seen.insert(*d) {
                errors.push(FieldError::new(field, format!("{d} is listed twice")));
            } else if list == "workdays" && !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
                errors.push(FieldError::new(
                    field,
                    format!("{d} is a weekday, already a working day"),
                ));
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Unprocessable(errors))
    }
}

async fn put(
    state: web::Data<AppState>,
    caller: Caller,
    year: web::Path<i32>,
    Json(body): Json<YearIn>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Admin], "set the calendar")?;
    let year = year_in_range(year.into_inner())?;
    check_year(year, &body)?;
    let y = db::run(&state.pool, move |conn| {
        calendar::put_year(conn, year, &body.holidays, &body.workdays)?;
        Ok(calendar::get_year(conn, year)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(json!({
        "year": year,
        "configured": y.configured,
        "holidays": y.holidays,
        "workdays": y.workdays,
    })))
}
