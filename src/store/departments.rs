//! Departments (部门), each in a region, at most one catch-all office (兜底) per region.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{department_names, departments};
use super::{contains_pattern, now, Page};
use crate::db::DbConn;

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
        .load(conn)
        .map(super::one_of)
}

/// Whether another department (not `id`) of the region has this name.
pub fn name_taken(conn: &mut DbConn, id: i64, name: &str, region_id: i64) -> QueryResult<bool> {
    let n: i64 = departments::table
        .filter(departments::region_id.eq(region_id))
        .filter(departments::name.eq(name))
        .filter(departments::id.ne(id))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Whether another department (not `id`) is the region's catch-all office.
pub fn catch_all_taken(conn: &mut DbConn, id: i64, region_id: i64) -> QueryResult<bool> {
    let n: i64 = departments::table
        .filter(departments::region_id.eq(region_id))
        .filter(departments::catch_all.eq(true))
        .filter(departments::id.ne(id))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// The departments among `ids` that exist (and are active, when `active_only`).
pub fn existing(conn: &mut DbConn, ids: &[i64], active_only: bool) -> QueryResult<Vec<i64>> {
    let mut q = departments::table
        .filter(departments::id.eq_any(ids))
        .select(departments::id)
        .into_boxed();
    if active_only {
        q = q.filter(departments::active.eq(true));
    }
    q.load(conn)
}

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

pub fn insert(
    conn: &mut DbConn,
    name: &str,
    region_id: i64,
    catch_all: bool,
) -> QueryResult<DepartmentRow> {
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
        .get_result(conn)?;
    departments::table
        .find(id)
        .select(DepartmentRow::as_select())
        .first(conn)
}

/// Writes the whole new state of a department.
pub fn update(conn: &mut DbConn, d: &DepartmentRow) -> QueryResult<DepartmentRow> {
    diesel::update(departments::table.find(d.id))
        .set((
            departments::name.eq(&d.name),
            departments::region_id.eq(d.region_id),
            departments::catch_all.eq(d.catch_all),
            departments::active.eq(d.active),
            departments::updated_at.eq(now()),
        ))
        .execute(conn)?;
    departments::table
        .find(d.id)
        .select(DepartmentRow::as_select())
        .first(conn)
}

/// The names and regions of the departments given, by id.
pub fn names(conn: &mut DbConn, ids: &[i64]) -> QueryResult<HashMap<i64, (String, i64)>> {
    Ok(departments::table
        .filter(departments::id.eq_any(ids))
        .select((departments::id, departments::name, departments::region_id))
        .load::<(i64, String, i64)>(conn)?
        .into_iter()
        .map(|(id, n, r)| (id, (n, r)))
        .collect())
}

/// Records that the department bore `name` on the days before `until`: a rename taking
/// effect that day. A second rename on the same day keeps the name the day began with.
/// Run in the renaming transaction, after the department's row is updated (which holds
/// that row, so a concurrent rename waits and then finds this one).
pub fn record_former_name(
    conn: &mut DbConn,
    id: i64,
    name: &str,
    until: NaiveDate,
) -> QueryResult<()> {
    let n: i64 = department_names::table
        .filter(department_names::department_id.eq(id))
        .filter(department_names::until.eq(until))
        .count()
        .get_result(conn)?;
    if n == 0 {
        diesel::insert_into(department_names::table)
            .values((
                department_names::department_id.eq(id),
                department_names::until.eq(until),
                department_names::name.eq(name),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The former names of the departments given, each department's oldest first, as
/// `(until, name)`: the name was borne on the days before `until`.
pub fn former_names(
    conn: &mut DbConn,
    ids: &[i64],
) -> QueryResult<HashMap<i64, Vec<(NaiveDate, String)>>> {
    let rows = department_names::table
        .filter(department_names::department_id.eq_any(ids))
        .order((department_names::department_id, department_names::until))
        .select((
            department_names::department_id,
            department_names::until,
            department_names::name,
        ))
        .load::<(i64, NaiveDate, String)>(conn)?;
    let mut out: HashMap<i64, Vec<(NaiveDate, String)>> = HashMap::new();
    for (id, until, name) in rows {
        out.entry(id).or_default().push((until, name));
    }
    Ok(out)
}

/// The names and regions of the departments given, by id, each name as it was on `day`
/// (today's names when `day` is `None`).
pub fn names_on(
    conn: &mut DbConn,
    ids: &[i64],
    day: Option<NaiveDate>,
) -> QueryResult<HashMap<i64, (String, i64)>> {
    let mut out = names(conn, ids)?;
    if let Some(day) = day {
        // Latest `until` first, so that the earliest one after the day is written last.
        let former = department_names::table
            .filter(department_names::department_id.eq_any(ids))
            .filter(department_names::until.gt(day))
            .order((
                department_names::department_id,
                department_names::until.desc(),
            ))
            .select((department_names::department_id, department_names::name))
            .load::<(i64, String)>(conn)?;
        for (id, name) in former {
            if let Some(entry) = out.get_mut(&id) {
                entry.0 = name;
            }
        }
    }
    Ok(out)
}

/// The categories each of the departments given leads (负责类别), as stored codes.
pub fn categories(conn: &mut DbConn, ids: &[i64]) -> QueryResult<HashMap<i64, Vec<String>>> {
    use super::schema::department_categories as dc;
    let rows = dc::table
        .filter(dc::department_id.eq_any(ids))
        .order((dc::department_id, dc::category))
        .select((dc::department_id, dc::category))
        .load::<(i64, String)>(conn)?;
    let mut out: HashMap<i64, Vec<String>> = HashMap::new();
    for (id, c) in rows {
        out.entry(id).or_default().push(c);
    }
    Ok(out)
}

/// Sets the categories a department leads (the caller's transaction).
pub fn set_categories(conn: &mut DbConn, id: i64, codes: &[&str]) -> QueryResult<()> {
    use super::schema::department_categories as dc;
    diesel::delete(dc::table.filter(dc::department_id.eq(id))).execute(conn)?;
    for c in codes {
        diesel::insert_into(dc::table)
            .values((dc::department_id.eq(id), dc::category.eq(*c)))
            .execute(conn)?;
    }
    Ok(())
}

/// The active departments that lead a category, by id.
pub fn leading(conn: &mut DbConn, category: &str) -> QueryResult<Vec<i64>> {
    use super::schema::department_categories as dc;
    dc::table
        .inner_join(departments::table.on(departments::id.eq(dc::department_id)))
        .filter(dc::category.eq(category))
        .filter(departments::active.eq(true))
        .order(dc::department_id)
        .select(dc::department_id)
        .load(conn)
}

/// Every department (a city has dozens; an import matches its rows against them).
pub fn all(conn: &mut DbConn) -> QueryResult<Vec<DepartmentRow>> {
    departments::table
        .order(departments::id)
        .select(DepartmentRow::as_select())
        .load(conn)
}
