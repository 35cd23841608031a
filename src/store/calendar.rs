//! The working-day calendar per year.

use chrono::NaiveDate;
use diesel::prelude::*;

use super::now;
use super::schema::{calendar_days, calendar_years};
use crate::db::DbConn;
use crate::domain::calendar::WorkCalendar;

pub const HOLIDAY: &str = "holiday";
pub const WORKDAY: &str = "workday";

pub struct Year {
    pub configured: bool,
    pub holidays: Vec<NaiveDate>,
    pub workdays: Vec<NaiveDate>,
}

fn year_bounds(year: i32) -> Option<(NaiveDate, NaiveDate)> {
    Some((
        NaiveDate::from_ymd_opt(year, 1, 1)?,
        NaiveDate::from_ymd_opt(year, 12, 31)?,
    ))
}

/// The years that have a calendar, in order.
pub fn configured_years(conn: &mut DbConn) -> QueryResult<Vec<i32>> {
    calendar_years::table
        .select(calendar_years::year)
        .order(calendar_years::year)
        .load(conn)
}

pub fn get_year(conn: &mut DbConn, year: i32) -> QueryResult<Year> {
    let configured = calendar_years::table
        .find(year)
        .count()
        .get_result::<i64>(conn)?
        > 0;
    let Some((first, last)) = year_bounds(year) else {
        return Ok(Year {
            configured,
            holidays: Vec::new(),
            workdays: Vec::new(),
        });
    };
    let days: Vec<(NaiveDate, String)> = calendar_days::table
        .filter(calendar_days::day.between(first, last))
        .select((calendar_days::day, calendar_days::kind))
        .order(calendar_days::day)
        .load(conn)?;
    let (mut holidays, mut workdays) = (Vec::new(), Vec::new());
    for (day, kind) in days {
        if kind == HOLIDAY {
            holidays.push(day);
        } else {
            workdays.push(day);
        }
    }
    Ok(Year {
        configured,
        holidays,
        workdays,
    })
}

/// Replaces a year's holidays and adjusted working days, in one transaction.
pub fn put_year(
    conn: &mut DbConn,
    year: i32,
    holidays: &[NaiveDate],
    workdays: &[NaiveDate],
) -> QueryResult<()> {
    let Some((first, last)) = year_bounds(year) else {
        return Ok(());
    };
    crate::db::write_tx(conn, |conn| {
        diesel::delete(calendar_days::table.filter(calendar_days::day.between(first, last)))
            .execute(conn)?;
        let rows: Vec<_> = holidays
            .iter()
            .map(|d| (calendar_days::day.eq(*d), calendar_days::kind.eq(HOLIDAY)))
            .chain(
                workdays
                    .iter()
                    .map(|d| (calendar_days::day.eq(*d), calendar_days::kind.eq(WORKDAY))),
            )
            .collect();
        for row in rows {
            diesel::insert_into(calendar_days::table)
                .values(row)
                .execute(conn)?;
        }
        diesel::delete(calendar_years::table.find(year)).execute(conn)?;
        diesel::insert_into(calendar_years::table)
            .values((
                calendar_years::year.eq(year),
                calendar_years::updated_at.eq(now()),
            ))
            .execute(conn)?;
        Ok(())
    })
}

/// The calendar covering `from` to `to` (inclusive), for counting working days.
pub fn load(conn: &mut DbConn, from: NaiveDate, to: NaiveDate) -> QueryResult<WorkCalendar> {
    let days: Vec<(NaiveDate, String)> = calendar_days::table
        .filter(calendar_days::day.between(from, to))
        .select((calendar_days::day, calendar_days::kind))
        .load(conn)?;
    let holidays = days.iter().filter(|(_, k)| k == HOLIDAY).map(|(d, _)| *d);
    let workdays = days.iter().filter(|(_, k)| k == WORKDAY).map(|(d, _)| *d);
    Ok(WorkCalendar::new(holidays, workdays))
}
