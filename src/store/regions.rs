//! Regions (行政区划) and their materialized paths.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::regions;
use super::{contains_pattern, now, Page};
use crate::db::DbConn;

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = regions)]
pub struct RegionRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub parent_id: Option<i64>,
    pub path: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn get(conn: &mut DbConn, id: i64) -> QueryResult<Option<RegionRow>> {
    regions::table
        .find(id)
        .select(RegionRow::as_select())
        .load(conn)
        .map(super::one_of)
}

/// The materialized path of a region (`/1/4/`).
pub fn path_of(conn: &mut DbConn, id: i64) -> QueryResult<Option<String>> {
    regions::table
        .find(id)
        .select(regions::path)
        .load(conn)
        .map(super::one_of)
}

pub struct ListFilter {
    pub q: Option<String>,
    pub parent_id: Option<i64>,
}

pub fn list(
    conn: &mut DbConn,
    filter: &ListFilter,
    page: Page,
) -> QueryResult<(Vec<RegionRow>, i64)> {
    let query = || {
        let mut q = regions::table.into_boxed();
        if let Some(text) = &filter.q {
            let p = contains_pattern(text);
            q = q.filter(
                regions::name
                    .like(p.clone())
                    .escape('\\')
                    .or(regions::code.like(p).escape('\\')),
            );
        }
        if let Some(parent) = filter.parent_id {
            q = q.filter(regions::parent_id.eq(parent));
        }
        q
    };
    let total = query().count().get_result(conn)?;
    let rows = query()
        .select(RegionRow::as_select())
        .order(regions::id)
        .limit(page.per_page)
        .offset(page.offset())
        .load(conn)?;
    Ok((rows, total))
}

/// Inserts a region under the parent whose path is given, and sets its own path.
pub fn insert(
    conn: &mut DbConn,
    code: &str,
    name: &str,
    parent_id: Option<i64>,
    parent_path: &str,
) -> QueryResult<RegionRow> {
    let t = now();
    let id: i64 = diesel::insert_into(regions::table)
        .values((
            regions::code.eq(code),
            regions::name.eq(name),
            regions::parent_id.eq(parent_id),
            regions::path.eq(""),
            regions::created_at.eq(t),
            regions::updated_at.eq(t),
        ))
        .returning(regions::id)
        .get_result(conn)?;
    diesel::update(regions::table.find(id))
        .set(regions::path.eq(format!("{parent_path}{id}/")))
        .execute(conn)?;
    regions::table
        .find(id)
        .select(RegionRow::as_select())
        .first(conn)
}

#[derive(Default)]
pub struct Changes {
    pub code: Option<String>,
    pub name: Option<String>,
    /// `Some(None)` makes the region a root.
    pub parent_id: Option<Option<i64>>,
}

/// Applies changes to one region: code and name as given; a new parent (with its path,
/// `/` for a root) rewrites the paths of the region's whole subtree.
pub fn update(
    conn: &mut DbConn,
    current: &RegionRow,
    changes: &Changes,
    parent_path: Option<&str>,
) -> QueryResult<RegionRow> {
    let id = current.id;
    let t = now();
    if let Some(code) = &changes.code {
        diesel::update(regions::table.find(id))
            .set((regions::code.eq(code), regions::updated_at.eq(t)))
            .execute(conn)?;
    }
    if let Some(name) = &changes.name {
        diesel::update(regions::table.find(id))
            .set((regions::name.eq(name), regions::updated_at.eq(t)))
            .execute(conn)?;
    }
    if let (Some(parent_id), Some(parent_path)) = (changes.parent_id, parent_path) {
        let new_path = format!("{parent_path}{id}/");
        let subtree: Vec<(i64, String)> = regions::table
            .filter(regions::path.like(format!("{}%", current.path)))
            .select((regions::id, regions::path))
            .load(conn)?;
        for (rid, path) in subtree {
            let moved = format!("{new_path}{}", &path[current.path.len()..]);
            diesel::update(regions::table.find(rid))
                .set(regions::path.eq(moved))
                .execute(conn)?;
        }
        diesel::update(regions::table.find(id))
            .set((regions::parent_id.eq(parent_id), regions::updated_at.eq(t)))
            .execute(conn)?;
        super::search::replace_places(conn, &new_path)?;
    }
    regions::table
        .find(id)
        .select(RegionRow::as_select())
        .first(conn)
}

pub fn find_by_code(conn: &mut DbConn, code: &str) -> QueryResult<Option<i64>> {
    regions::table
        .filter(regions::code.eq(code))
        .select(regions::id)
        .first(conn)
        .optional()
}

/// The names of the regions given, by id.
pub fn names(conn: &mut DbConn, ids: &[i64]) -> QueryResult<HashMap<i64, String>> {
    Ok(regions::table
        .filter(regions::id.eq_any(ids))
        .select((regions::id, regions::name))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect())
}

/// The topmost regions (the cities): their departments are city departments.
pub fn top_level(conn: &mut DbConn) -> QueryResult<Vec<i64>> {
    regions::table
        .filter(regions::parent_id.is_null())
        .select(regions::id)
        .load(conn)
}

/// The regions under a path (the region itself included), or every region, by path.
pub fn under(conn: &mut DbConn, path: Option<&str>) -> QueryResult<Vec<RegionRow>> {
    let mut q = regions::table.select(RegionRow::as_select()).into_boxed();
    if let Some(p) = path {
        q = q.filter(regions::path.like(format!("{p}%")));
    }
    q.order(regions::path).load(conn)
}

/// Every region (a province has about a hundred), by path.
pub fn all(conn: &mut DbConn) -> QueryResult<Vec<RegionRow>> {
    regions::table
        .order(regions::path)
        .select(RegionRow::as_select())
        .load(conn)
}
