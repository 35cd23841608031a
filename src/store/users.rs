//! Users and the token version that ends their earlier sessions.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{departments, enterprises, regions, users};
use super::{contains_pattern, now, Page};
use crate::db::DbConn;

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub password_hash: String,
    pub display_name: String,
    pub role: String,
    pub region_id: Option<i64>,
    pub department_id: Option<i64>,
    pub enterprise_id: Option<i64>,
    pub active: bool,
    pub token_version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// Signed in with a one-time password: nothing but choosing a new one until then.
    pub must_change_password: bool,
}

#[derive(Clone, Debug, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser {
    pub username: String,
    pub password_hash: String,
    pub display_name: String,
    pub role: String,
    pub region_id: Option<i64>,
    pub department_id: Option<i64>,
    pub enterprise_id: Option<i64>,
}

pub fn get(conn: &mut DbConn, id: i64) -> QueryResult<Option<UserRow>> {
    users::table
        .find(id)
        .select(UserRow::as_select())
        .load(conn)
        .map(super::one_of)
}

pub fn find_by_username(conn: &mut DbConn, username: &str) -> QueryResult<Option<UserRow>> {
    users::table
        .filter(users::username.eq(username))
        .select(UserRow::as_select())
        .load(conn)
        .map(super::one_of)
}

/// A user with the path of their region and their enterprise's region.
pub type Signed = (UserRow, Option<String>, Option<i64>);

/// The user behind a token, with the path of their region (for region scope) and, for an
/// enterprise's user, the enterprise's region (where its online filings belong).
pub fn with_region_path(conn: &mut DbConn, id: i64) -> QueryResult<Option<Signed>> {
    use diesel::sql_types::{BigInt, Nullable};
    users::table
        .left_join(regions::table)
        .filter(users::id.eq(id))
        .select((
            UserRow::as_select(),
            regions::path.nullable(),
            super::fixed::fixed::<Nullable<BigInt>>(
                "(SELECT e.region_id FROM enterprises e WHERE e.id = users.enterprise_id)",
            ),
        ))
        .load(conn)
        .map(super::one_of)
}

pub fn count(conn: &mut DbConn) -> QueryResult<i64> {
    users::table.count().get_result(conn)
}

/// Whether a department with this id exists.
pub fn department_exists(conn: &mut DbConn, id: i64) -> QueryResult<bool> {
    let n: i64 = departments::table
        .filter(departments::id.eq(id))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Whether an enterprise with this id exists.
pub fn enterprise_exists(conn: &mut DbConn, id: i64) -> QueryResult<bool> {
    let n: i64 = enterprises::table
        .filter(enterprises::id.eq(id))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

pub fn insert(conn: &mut DbConn, new: &NewUser) -> QueryResult<UserRow> {
    let t = now();
    let id: i64 = diesel::insert_into(users::table)
        .values((new, users::created_at.eq(t), users::updated_at.eq(t)))
        .returning(users::id)
        .get_result(conn)?;
    users::table
        .find(id)
        .select(UserRow::as_select())
        .first(conn)
}

pub struct ListFilter {
    pub q: Option<String>,
    pub role: Option<String>,
    pub region_id: Option<i64>,
    pub department_id: Option<i64>,
    pub enterprise_id: Option<i64>,
    pub active: Option<bool>,
}

pub fn list(
    conn: &mut DbConn,
    filter: &ListFilter,
    page: Page,
) -> QueryResult<(Vec<UserRow>, i64)> {
    let query = || {
        let mut q = users::table.into_boxed();
        if let Some(text) = &filter.q {
            let p = contains_pattern(text);
            q = q.filter(
                users::username
                    .like(p.clone())
                    .escape('\\')
                    .or(users::display_name.like(p).escape('\\')),
            );
        }
        if let Some(r) = &filter.role {
            q = q.filter(users::role.eq(r.clone()));
        }
        if let Some(r) = filter.region_id {
            q = q.filter(users::region_id.eq(r));
        }
        if let Some(d) = filter.department_id {
            q = q.filter(users::department_id.eq(d));
        }
        if let Some(e) = filter.enterprise_id {
            q = q.filter(users::enterprise_id.eq(e));
        }
        if let Some(a) = filter.active {
            q = q.filter(users::active.eq(a));
        }
        q
    };
    let total = query().count().get_result(conn)?;
    let rows = query()
        .select(UserRow::as_select())
        .order(users::id)
        .limit(page.per_page)
        .offset(page.offset())
        .load(conn)?;
    Ok((rows, total))
}

/// The whole new state of a user after an update.
pub struct Update {
    pub display_name: String,
    pub role: String,
    pub region_id: Option<i64>,
    pub department_id: Option<i64>,
    pub enterprise_id: Option<i64>,
    pub active: bool,
    /// Ends every token issued before (role change, deactivation).
    pub end_sessions: bool,
}

pub fn update(conn: &mut DbConn, id: i64, u: &Update) -> QueryResult<UserRow> {
    let bump = i64::from(u.end_sessions);
    diesel::update(users::table.find(id))
        .set((
            users::display_name.eq(&u.display_name),
            users::role.eq(&u.role),
            users::region_id.eq(u.region_id),
            users::department_id.eq(u.department_id),
            users::enterprise_id.eq(u.enterprise_id),
            users::active.eq(u.active),
            users::token_version.eq(users::token_version + bump),
            users::updated_at.eq(now()),
        ))
        .execute(conn)?;
    users::table
        .find(id)
        .select(UserRow::as_select())
        .first(conn)
}

/// Sets a new password hash and ends every earlier session (false when there is no such
/// user); `one_time`: the user must choose their own at the next sign-in.
pub fn set_password(conn: &mut DbConn, id: i64, hash: &str, one_time: bool) -> QueryResult<bool> {
    let n = diesel::update(users::table.find(id))
        .set((
            users::password_hash.eq(hash),
            users::must_change_password.eq(one_time),
            users::token_version.eq(users::token_version + 1),
            users::updated_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(n > 0)
}

/// Ends every session of a user (logout).
pub fn end_sessions(conn: &mut DbConn, id: i64) -> QueryResult<usize> {
    diesel::update(users::table.find(id))
        .set(users::token_version.eq(users::token_version + 1))
        .execute(conn)
}

/// How many active administrators there are.
pub fn active_admins(conn: &mut DbConn) -> QueryResult<i64> {
    users::table
        .filter(users::role.eq("admin"))
        .filter(users::active.eq(true))
        .count()
        .get_result(conn)
}

/// The display names of the users given, by id.
pub fn names(conn: &mut DbConn, ids: &[i64]) -> QueryResult<HashMap<i64, String>> {
    Ok(users::table
        .filter(users::id.eq_any(ids))
        .select((users::id, users::display_name))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect())
}

/// The account automatic actions are recorded under (the scheduler's 超期 催办): inactive,
/// with a name no one can choose or sign in with. Made the first time it is needed; several
/// instances doing so at once agree on one.
pub fn system_user(conn: &mut DbConn, at: NaiveDateTime) -> QueryResult<i64> {
    const NAME: &str = "~system";
    let found = users::table
        .filter(users::username.eq(NAME))
        .select(users::id)
        .first::<i64>(conn)
        .optional()?;
    if let Some(id) = found {
        return Ok(id);
    }
    // In a savepoint: a concurrent insert by another instance makes this one fail
    // without ending the caller's transaction.
    let inserted = conn.transaction(|c| {
        diesel::insert_into(users::table)
            .values((
                users::username.eq(NAME),
                users::password_hash.eq("!"),
                users::display_name.eq("系统"),
                users::role.eq("admin"),
                users::active.eq(false),
                users::created_at.eq(at),
                users::updated_at.eq(at),
            ))
            .execute(c)
    });
    match inserted {
        Ok(_) => {}
        Err(e) if crate::error::is_unique_violation(&e) => {}
        Err(e) => return Err(e),
    }
    users::table
        .filter(users::username.eq(NAME))
        .select(users::id)
        .first(conn)
}

/// The users of the usernames given, by username.
pub fn by_usernames(conn: &mut DbConn, names: &[String]) -> QueryResult<HashMap<String, UserRow>> {
    let mut out = HashMap::new();
    for chunk in names.chunks(500) {
        for u in users::table
            .filter(users::username.eq_any(chunk))
            .select(UserRow::as_select())
            .load(conn)?
        {
            out.insert(u.username.clone(), u);
        }
    }
    Ok(out)
}
