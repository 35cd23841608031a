//! Departments (部门), each in a region, at most one catch-all office (兜底) per region.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::departments;
use super::{contains_pattern, now, Page};
use crate::db::DbConn;
use crate::error::{unique_as, ApiError, FieldError};

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = departments)]
pub struct DepartmentRow {
    pub id: i64,
    pub name: String,
    pub region_id: i64,
    pub catch_all: bool,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn get(conn: &mut DbConn, id: i64) -> QueryResult<Option<DepartmentRow>> {
    departments::table
        .find(id)
        .select(DepartmentRow::as_select())
        .first(conn)
        .optional()
}

/// Two unique rules hold here: the name within the region, and one catch-all office per
/// region. They are checked first so that the answer names the rule; a concurrent insert
/// that slips past the check still meets the constraint and is reported as a duplicate.
fn check_unique(
    conn: &mut DbConn,
    id: i64,
    name: &str,
    region_id: i64,
    catch_all: bool,
) -> Result<(), ApiError> {
    let same_name: i64 = departments::table
        .filter(departments::region_id.eq(region_id))
        .filter(departments::name.eq(name))
        .filter(departments::id.ne(id))
        .count()
        .get_result(conn)?;
    if same_name > 0 {
        return Err(ApiError::Duplicate(FieldError::new(
            "name",
            "is already used by another department of this region",
        )));
    }
    if catch_all {
        let other: i64 = departments::table
            .filter(departments::region_id.eq(region_id))
            .filter(departments::catch_all.eq(true))
            .filter(departments::id.ne(id))
            .count()
            .get_result(conn)?;
        if other > 0 {
            return Err(ApiError::Duplicate(FieldError::new(
                "catch_all",
                "this region already has a catch-all office",
            )));
        }
    }
    Ok(())
}

const RACE: &str = "conflicts with a department created at the same moment";

pub struct ListFilter {
    pub q: Option<String>,
    pub region_id: Option<i64>,
    pub active: Option<bool>,
}

pub fn list(
    conn: &mut DbConn,
    filter: &ListFilter,
    page: Page,
) -> QueryResult<(Vec<DepartmentRow>, i64)> {
    let query = || {
        let mut q = departments::table.into_boxed();
        if let Some(text) = &filter.q {
            q = q.filter(departments::name.like(contains_pattern(text)).escape('\\'));
        }
        if let Some(r) = filter.region_id {
            q = q.filter(departments::region_id.eq(r));
        }
        if let Some(a) = filter.active {
            q = q.filter(departments::active.eq(a));
        }
        q
    };
    let total = query().count().get_result(conn)?;
    let rows = query()
        .select(DepartmentRow::as_select())
        .order(departments::id)
        .limit(page.per_page)
        .offset(page.offset())
        .load(conn)?;
    Ok((rows, total))
}

pub fn create(
    conn: &mut DbConn,
    name: &str,
    region_id: i64,
    catch_all: bool,
) -> Result<DepartmentRow, ApiError> {
    crate::db::write_tx(conn, |conn| {
        super::regions::path_for_field(conn, region_id, "region_id")?;
        check_unique(conn, 0, name, region_id, catch_all)?;
        let t = now();
        let id: i64 = diesel::insert_into(departments::table)
            .values((
                departments::name.eq(name),
                departments::region_id.eq(region_id),
                departments::catch_all.eq(catch_all),
                departments::active.eq(true),
                departments::created_at.eq(t),
                departments::updated_at.eq(t),
            ))
            .returning(departments::id)
            .get_result(conn)
            .map_err(unique_as("name", RACE))?;
        get(conn, id)?.ok_or_else(|| ApiError::not_found("department"))
    })
}

#[derive(Default)]
pub struct Changes {
    pub name: Option<String>,
    pub region_id: Option<i64>,
    pub catch_all: Option<bool>,
    pub active: Option<bool>,
}

pub fn update(conn: &mut DbConn, id: i64, c: Changes) -> Result<DepartmentRow, ApiError> {
    crate::db::write_tx(conn, |conn| {
        let current = get(conn, id)?.ok_or_else(|| ApiError::not_found("department"))?;
        if let Some(r) = c.region_id {
            super::regions::path_for_field(conn, r, "region_id")?;
        }
        let name = c.name.unwrap_or(current.name);
        let region_id = c.region_id.unwrap_or(current.region_id);
        let catch_all = c.catch_all.unwrap_or(current.catch_all);
        check_unique(conn, id, &name, region_id, catch_all)?;
        diesel::update(departments::table.find(id))
            .set((
                departments::name.eq(&name),
                departments::region_id.eq(region_id),
                departments::catch_all.eq(catch_all),
                departments::active.eq(c.active.unwrap_or(current.active)),
                departments::updated_at.eq(now()),
            ))
            .execute(conn)
            .map_err(unique_as("name", RACE))?;
        get(conn, id)?.ok_or_else(|| ApiError::not_found("department"))
    })
}
