//! The working-day calendar (节假日与调休) per year: read by everyone signed in, set by
//! administrators from the State Council's yearly notice.

use std::collections::HashSet;

use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

use super::audit::{self, Object};
use crate::auth::Caller;
use crate::db::{self, DbConn};
use crate::domain::calendar::official;
use crate::domain::role::Role;
use crate::error::{Error, FieldError};
use crate::store::calendar;

/// A year's calendar as configured (`configured` false: weekends only).
#[derive(Serialize)]
pub struct Year {
    pub year: i32,
    pub configured: bool,
    pub holidays: Vec<NaiveDate>,
    pub workdays: Vec<NaiveDate>,
}

fn year_in_range(year: i32) -> Result<i32, Error> {
    if (2000..=2100).contains(&year) {
        Ok(year)
    } else {
        Err(Error::not_found("calendar year"))
    }
}

fn read(conn: &mut DbConn, year: i32) -> Result<Year, Error> {
    let y = calendar::get_year(conn, year)?;
    Ok(Year {
        year,
        configured: y.configured,
        holidays: y.holidays,
        workdays: y.workdays,
    })
}

pub fn get(conn: &mut DbConn, _caller: &Caller, year: i32) -> Result<Year, Error> {
    read(conn, year_in_range(year)?)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct YearIn {
    pub holidays: Vec<NaiveDate>,
    pub workdays: Vec<NaiveDate>,
}

/// Every date must fall in the year, appear once, and not be both; an adjusted working
/// day is by nature a Saturday or Sunday.
fn check_year(year: i32, body: &YearIn) -> Result<(), Error> {
    let mut errors = Vec::new();
    let (first, last) = (
        crate::domain::time::FIRST_DAY.year(),
        crate::domain::time::LAST_DAY.year(),
    );
    if !(first..=last).contains(&year) {
        return Err(Error::invalid(
            "year",
            format!("{year} lies outside {first} to {last}"),
        ));
    }
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
        Err(Error::Invalid(errors))
    }
}

pub fn put(conn: &mut DbConn, caller: &Caller, year: i32, input: YearIn) -> Result<Year, Error> {
    caller.require(&[Role::Admin], "set the calendar")?;
    let year = year_in_range(year)?;
    check_year(year, &input)?;
    db::write_tx(conn, |conn| {
        let before = read(conn, year)?;
        calendar::put_year(conn, year, &input.holidays, &input.workdays)?;
        let after = read(conn, year)?;
        audit::record(
            conn,
            Some(caller),
            "put",
            Object::Calendar,
            Some(i64::from(year)),
            Some(&before),
            Some(&after),
        )?;
        Ok(after)
    })
}

/// The first year of the programme: every year from it to the current one needs a calendar.
pub const FIRST_YEAR: i32 = 2022;

/// Puts each year whose State Council schedule ships with the service and that the
/// database has no calendar for (a year an administrator set is kept as set); returns the
/// years put. Instances starting at once agree: a year another one put meanwhile is left.
pub fn install_shipped(conn: &mut DbConn) -> Result<Vec<i32>, Error> {
    let have = calendar::configured_years(conn)?;
    let mut put = Vec::new();
    for year in official::years().filter(|y| !have.contains(y)) {
        let Some((holidays, workdays)) = official::year(year) else {
            continue;
        };
        match calendar::put_year(conn, year, &holidays, &workdays) {
            Ok(()) => put.push(year),
            Err(e) if crate::error::is_unique_violation(&e) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(put)
}

/// The years from the programme's first to `today`'s with no calendar: their due dates
/// count only weekends as days off.
pub fn missing_years(conn: &mut DbConn, today: NaiveDate) -> Result<Vec<i32>, Error> {
    let have = calendar::configured_years(conn)?;
    Ok((FIRST_YEAR..=today.year())
        .filter(|y| !have.contains(y))
        .collect())
}
