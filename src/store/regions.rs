//! Regions (行政区划) and their materialized paths.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::regions;
use super::{contains_pattern, now, Page};
use crate::db::DbConn;
use crate::error::{unique_as, ApiError};

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

const DUPLICATE_CODE: &str = "is already used by another region";

pub fn get(conn: &mut DbConn, id: i64) -> QueryResult<Option<RegionRow>> {
    regions::table
        .find(id)
        .select(RegionRow::as_select())
        .first(conn)
        .optional()
}

/// The path of a region named in a request body, or a 422 naming `field`.
pub fn path_for_field(conn: &mut DbConn, id: i64, field: &str) -> Result<String, ApiError> {
    regions::table
        .find(id)
        .select(regions::path)
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::invalid(field, "no such region"))
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

pub fn create(
    conn: &mut DbConn,
    code: &str,
    name: &str,
    parent_id: Option<i64>,
) -> Result<RegionRow, ApiError> {
    crate::db::write_tx(conn, |conn| {
        let parent_path = match parent_id {
            Some(p) => path_for_field(conn, p, "parent_id")?,
            None => "/".to_owned(),
        };
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
            .get_result(conn)
            .map_err(unique_as("code", DUPLICATE_CODE))?;
        diesel::update(regions::table.find(id))
            .set(regions::path.eq(format!("{parent_path}{id}/")))
            .execute(conn)?;
        get(conn, id)?.ok_or_else(|| ApiError::internal("region vanished after insert"))
    })
}

#[derive(Default)]
pub struct Changes {
    pub code: Option<String>,
    pub name: Option<String>,
    /// `Some(None)` makes the region a root.
    pub parent_id: Option<Option<i64>>,
}

/// Applies changes; moving a region rewrites the paths of its whole subtree.
pub fn update(conn: &mut DbConn, id: i64, changes: Changes) -> Result<RegionRow, ApiError> {
    crate::db::write_tx(conn, |conn| {
        let current = get(conn, id)?.ok_or_else(|| ApiError::not_found("region"))?;
        let t = now();
        if let Some(code) = &changes.code {
            diesel::update(regions::table.find(id))
                .set((regions::code.eq(code), regions::updated_at.eq(t)))
                .execute(conn)
                .map_err(unique_as("code", DUPLICATE_CODE))?;
        }
        if let Some(name) = &changes.name {
            diesel::update(regions::table.find(id))
                .set((regions::name.eq(name), regions::updated_at.eq(t)))
                .execute(conn)?;
        }
        if let Some(parent_id) = changes.parent_id {
            let parent_path = match parent_id {
                Some(p) => path_for_field(conn, p, "parent_id")?,
                None => "/".to_owned(),
            };
            if parent_path.starts_with(&current.path) {
                return Err(ApiError::invalid(
                    "parent_id",
                    "a region cannot be placed under itself or its descendants",
                ));
            }
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
        }
        get(conn, id)?.ok_or_else(|| ApiError::not_found("region"))
    })
}

pub fn find_by_code(conn: &mut DbConn, code: &str) -> QueryResult<Option<i64>> {
    regions::table
        .filter(regions::code.eq(code))
        .select(regions::id)
        .first(conn)
        .optional()
}

/// A region named in a body (as `field`) must exist and lie within the caller's scope.
pub fn check_in_scope(
    conn: &mut DbConn,
    scope: &super::scope::Scope,
    id: i64,
    field: &str,
) -> Result<(), ApiError> {
    let path = path_for_field(conn, id, field)?;
    if !super::scope::covers_region(scope, &path) {
        return Err(ApiError::invalid(field, "is outside your region"));
    }
    Ok(())
}
