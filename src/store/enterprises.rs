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
    if changes.name.is_some() {
        super::search::index_enterprise(conn, id)?;
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

/// What a merge moved.
#[derive(Debug, Default, serde::Serialize)]
pub struct Moved {
    pub issues: usize,
    pub attendances: usize,
    /// Attendances of the same person at the same forum under both records: kept once.
    pub attendances_folded: usize,
    pub users: usize,
}

/// 合并: every issue (with its recorded versions), attendance and account of `from` moves to
/// `into`, and `from` is deleted. The caller's transaction.
pub fn merge(conn: &mut DbConn, from: i64, into: i64) -> QueryResult<Moved> {
    use super::schema::{attendances, issues, users};
    let kept: std::collections::HashSet<(i64, String)> = attendances::table
        .filter(attendances::enterprise_id.eq(into))
        .select((attendances::forum_id, attendances::person_name))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect();
    let twice: Vec<i64> = attendances::table
        .filter(attendances::enterprise_id.eq(from))
        .select((
            attendances::id,
            attendances::forum_id,
            attendances::person_name,
        ))
        .load::<(i64, i64, String)>(conn)?
        .into_iter()
        .filter(|(_, f, p)| kept.contains(&(*f, p.clone())))
        .map(|(id, _, _)| id)
        .collect();
    let attendances_folded =
        diesel::delete(attendances::table.filter(attendances::id.eq_any(&twice))).execute(conn)?;
    let attendances =
        diesel::update(attendances::table.filter(attendances::enterprise_id.eq(from)))
            .set(attendances::enterprise_id.eq(into))
            .execute(conn)?;
    let issues = diesel::update(issues::table.filter(issues::enterprise_id.eq(from)))
        .set(issues::enterprise_id.eq(into))
        .execute(conn)?;
    let sql = crate::db::numbered(
        conn,
        "UPDATE issue_history SET enterprise_id = $1 WHERE enterprise_id = $2",
    );
    diesel::sql_query(sql)
        .bind::<diesel::sql_types::BigInt, _>(into)
        .bind::<diesel::sql_types::BigInt, _>(from)
        .execute(conn)?;
    let users = diesel::update(users::table.filter(users::enterprise_id.eq(Some(from))))
        .set(users::enterprise_id.eq(Some(into)))
        .execute(conn)?;
    diesel::delete(enterprises::table.find(from)).execute(conn)?;
    super::search::index_enterprise(conn, into)?;
    Ok(Moved {
        issues,
        attendances,
        attendances_folded,
        users,
    })
}

/// The enterprises of the credit codes given, by code.
pub fn by_codes(
    conn: &mut DbConn,
    codes: &[String],
) -> QueryResult<HashMap<String, EnterpriseRow>> {
    let mut out = HashMap::new();
    for chunk in codes.chunks(500) {
        for e in enterprises::table
            .filter(enterprises::credit_code.eq_any(chunk))
            .select(EnterpriseRow::as_select())
            .load(conn)?
        {
            out.insert(e.credit_code.clone(), e);
        }
    }
    Ok(out)
}

/// Updates an enterprise by id (an administrator's import: every enterprise is in scope).
pub fn update_any(conn: &mut DbConn, id: i64, changes: &Changes) -> QueryResult<usize> {
    let n = diesel::update(enterprises::table.find(id))
        .set((changes, enterprises::updated_at.eq(now())))
        .execute(conn)?;
    if n > 0 && changes.name.is_some() {
        super::search::index_enterprise(conn, id)?;
    }
    Ok(n)
}
