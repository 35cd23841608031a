//! Enterprises (企业), read and written within the caller's scope.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::enterprises;
use super::scope::{self, Scope};
use super::{contains_pattern, now, Page};
use crate::db::DbConn;

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = enterprises)]
pub struct EnterpriseRow {
    pub id: i64,
    pub name: String,
    pub credit_code: String,
    pub region_id: i64,
    pub industry: String,
    pub size: String,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Clone, Debug, Insertable)]
#[diesel(table_name = enterprises)]
pub struct NewEnterprise {
    pub name: String,
    pub credit_code: String,
    pub region_id: i64,
    pub industry: String,
    pub size: String,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
}

pub fn get(conn: &mut DbConn, scope: &Scope, id: i64) -> QueryResult<Option<EnterpriseRow>> {
    enterprises::table
        .filter(enterprises::id.eq(id))
        .filter(scope::enterprises(scope))
        .select(EnterpriseRow::as_select())
        .load(conn)
        .map(super::one_of)
}

pub struct ListFilter {
    pub q: Option<String>,
    pub region_id: Option<i64>,
    pub size: Option<String>,
}

pub fn list(
    conn: &mut DbConn,
    scope: &Scope,
    filter: &ListFilter,
    page: Page,
) -> QueryResult<(Vec<EnterpriseRow>, i64)> {
    let query = || {
        let mut q = enterprises::table
            .filter(scope::enterprises(scope))
            .into_boxed();
        if let Some(text) = &filter.q {
            let p = contains_pattern(text);
            q = q.filter(
                enterprises::name
                    .like(p.clone())
                    .escape('\\')
                    .or(enterprises::credit_code.like(p).escape('\\')),
            );
        }
        if let Some(r) = filter.region_id {
            q = q.filter(enterprises::region_id.eq(r));
        }
        if let Some(s) = &filter.size {
            q = q.filter(enterprises::size.eq(s.clone()));
        }
        q
    };
    let total = query().count().get_result(conn)?;
    let rows = query()
        .select(EnterpriseRow::as_select())
        .order(enterprises::id)
        .limit(page.per_page)
        .offset(page.offset())
        .load(conn)?;
    Ok((rows, total))
}

pub fn insert(conn: &mut DbConn, new: &NewEnterprise) -> QueryResult<EnterpriseRow> {
    let t = now();
    let id: i64 = diesel::insert_into(enterprises::table)
        .values((
            new,
            enterprises::created_at.eq(t),
            enterprises::updated_at.eq(t),
        ))
        .returning(enterprises::id)
        .get_result(conn)?;
    enterprises::table
        .find(id)
        .select(EnterpriseRow::as_select())
        .first(conn)
}

#[derive(Default, AsChangeset)]
#[diesel(table_name = enterprises)]
pub struct Changes {
    pub name: Option<String>,
    pub credit_code: Option<String>,
    pub region_id: Option<i64>,
    pub industry: Option<String>,
    pub size: Option<String>,
    pub contact_name: Option<Option<String>>,
    pub contact_phone: Option<Option<String>>,
}

/// Updates an enterprise the caller can see; None for one it cannot.
pub fn update(
    conn: &mut DbConn,
    scope: &Scope,
    id: i64,
    changes: &Changes,
) -> QueryResult<Option<EnterpriseRow>> {
    let target = enterprises::table
        .filter(enterprises::id.eq(id))
        .filter(scope::enterprises(scope));
    let n = diesel::update(target)
        .set((changes, enterprises::updated_at.eq(now())))
        .execute(conn)?;
    if n == 0 {
        return Ok(None);
    }
    get(conn, scope, id)
}

/// The names of the enterprises given, by id.
pub fn names(conn: &mut DbConn, ids: &[i64]) -> QueryResult<HashMap<i64, String>> {
    Ok(enterprises::table
        .filter(enterprises::id.eq_any(ids))
        .select((enterprises::id, enterprises::name))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect())
}
