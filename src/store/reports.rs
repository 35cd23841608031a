//! 已发布文件: the published 通报 and 年度报告, each stored whole.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::reports;
use super::scope::{regions_under, Filter, Scope};
use crate::db::DbConn;

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = reports)]
pub struct ReportRow {
    pub id: i64,
    pub kind: String,
    pub year: i32,
    pub month: i32,
    pub region_id: i64,
    pub version: i32,
    pub number: String,
    pub basis: String,
    pub document: String,
    pub published_by: i64,
    pub published_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = reports)]
pub struct NewReport<'a> {
    pub kind: &'a str,
    pub year: i32,
    pub month: i32,
    pub region_id: i64,
    pub version: i32,
    pub number_year: i32,
    pub number_seq: i32,
    pub number: &'a str,
    pub basis: &'a str,
    pub document: &'a str,
    pub published_by: i64,
    pub published_at: NaiveDateTime,
}

/// The documents a caller may read: those of regions in its scope.
fn in_scope(scope: &Scope) -> Filter<reports::table> {
    match scope {
        Scope::All => Box::new(reports::id.eq(reports::id)),
        Scope::Region(path) => Box::new(reports::region_id.eq_any(regions_under(path))),
        // Departments and enterprises read no published documents.
        Scope::Department(_) | Scope::Enterprise(_) => Box::new(reports::id.ne(reports::id)),
    }
}

/// The next version of a kind, period and region (1 for the first).
pub fn next_version(
    conn: &mut DbConn,
    kind: &str,
    year: i32,
    month: i32,
    region_id: i64,
) -> QueryResult<i32> {
    let last: Option<i32> = reports::table
        .filter(reports::kind.eq(kind))
        .filter(reports::year.eq(year))
        .filter(reports::month.eq(month))
        .filter(reports::region_id.eq(region_id))
        .select(diesel::dsl::max(reports::version))
        .first(conn)?;
    Ok(last.unwrap_or(0) + 1)
}

/// The next number of the region's documents in a year (1 for the first).
pub fn next_number(conn: &mut DbConn, region_id: i64, year: i32) -> QueryResult<i32> {
    let last: Option<i32> = reports::table
        .filter(reports::region_id.eq(region_id))
        .filter(reports::number_year.eq(year))
        .select(diesel::dsl::max(reports::number_seq))
        .first(conn)?;
    Ok(last.unwrap_or(0) + 1)
}

pub fn insert(conn: &mut DbConn, new: &NewReport) -> QueryResult<ReportRow> {
    diesel::insert_into(reports::table)
        .values(new)
        .returning(<ReportRow as Selectable<crate::db::MultiBackend>>::construct_selection())
        .get_result(conn)
}

/// The documents in scope, newest first.
pub fn list(conn: &mut DbConn, scope: &Scope, limit: i64) -> QueryResult<Vec<ReportRow>> {
    reports::table
        .filter(in_scope(scope))
        .order((reports::published_at.desc(), reports::id.desc()))
        .limit(limit)
        .select(ReportRow::as_select())
        .load(conn)
}

/// One document, when in scope.
pub fn get(conn: &mut DbConn, scope: &Scope, id: i64) -> QueryResult<Option<ReportRow>> {
    reports::table
        .filter(reports::id.eq(id))
        .filter(in_scope(scope))
        .select(ReportRow::as_select())
        .first(conn)
        .optional()
}
