//! Accounts (账号), managed by administrators.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::audit::{self, Object};
use super::common::{nullable, page, present, utc, Check, Paged};
use super::regions::path_for_field;
use crate::auth::{password, Caller};
use crate::db::{self, DbConn};
use crate::domain::role::{Link, Role};
use crate::error::{unique_as, Error};
use crate::store::users::{self, ListFilter, NewUser, Update, UserRow};

/// A user as clients see it: never the password hash or token version.
#[derive(Serialize)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub region_id: Option<i64>,
    pub department_id: Option<i64>,
    pub enterprise_id: Option<i64>,
    pub active: bool,
    /// Signed in with a one-time password: must choose a new one first.
    pub must_change_password: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<UserRow> for User {
    fn from(u: UserRow) -> Self {
        User {
            id: u.id,
            username: u.username,
            display_name: u.display_name,
            role: u.role,
            region_id: u.region_id,
            department_id: u.department_id,
            enterprise_id: u.enterprise_id,
            active: u.active,
            must_change_password: u.must_change_password,
            created_at: utc(u.created_at),
            updated_at: utc(u.updated_at),
        }
    }
}

const MANAGE: &str = "manage users";
const DUPLICATE_USERNAME: &str = "is already taken";

/// Each link named must exist; invalid naming the field of one that does not.
fn check_links(conn: &mut DbConn, links: &Links) -> Result<(), Error> {
    if let Some(r) = links.region_id {
        path_for_field(conn, r, "region_id")?;
    }
    if let Some(d) = links.department_id {
        if !users::department_exists(conn, d)? {
            return Err(Error::invalid("department_id", "no such department"));
        }
    }
    if let Some(e) = links.enterprise_id {
        if !users::enterprise_exists(conn, e)? {
            return Err(Error::invalid("enterprise_id", "no such enterprise"));
        }
    }
    Ok(())
}

/// Usernames: 3–64 of a–z, 0–9, `.`, `_`, `-` (stored in lower case).
pub fn username_error(name: &str) -> Option<&'static str> {
    let n = name.chars().count();
    if !(3..=64).contains(&n) {
        return Some("must be 3 to 64 characters");
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'))
    {
        return Some("may hold only a–z, 0–9, '.', '_' and '-'");
    }
    None
}

/// The links a role keeps: the one it needs (required), the others cleared. A link given
/// explicitly to a role that does not use it is refused rather than silently dropped.
pub struct Links {
    pub region_id: Option<i64>,
    pub department_id: Option<i64>,
    pub enterprise_id: Option<i64>,
}

pub fn links_for(role: Role, given: [(Option<i64>, bool); 3], check: &mut Check) -> Links {
    let names = ["region_id", "department_id", "enterprise_id"];
    let needed = match role.link() {
        Link::None => None,
        Link::Region => Some(0),
        Link::Department => Some(1),
        Link::Enterprise => Some(2),
    };
    let mut out = [None; 3];
    for (i, (value, explicit)) in given.into_iter().enumerate() {
        if Some(i) == needed {
            if value.is_none() {
                check.add(
                    names[i],
                    format!("is required for the {} role", role.as_str()),
                );
            }
            out[i] = value;
        } else if explicit && value.is_some() {
            check.add(
                names[i],
                format!("is not used by the {} role", role.as_str()),
            );
        }
    }
    Links {
        region_id: out[0],
        department_id: out[1],
        enterprise_id: out[2],
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewUserIn {
    pub username: String,
    pub password: String,
    pub display_name: String,
    pub role: Role,
    pub region_id: Option<i64>,
    pub department_id: Option<i64>,
    pub enterprise_id: Option<i64>,
}

/// Validates a new user and hashes the password (slow: call from the blocking pool).
pub fn prepare_new_user(body: NewUserIn) -> Result<NewUser, Error> {
    let mut check = Check::default();
    let username = body.username.trim().to_lowercase();
    if let Some(msg) = username_error(&username) {
        check.add("username", msg);
    }
    if let Some(msg) = password::policy_error(&body.password) {
        check.add("password", msg);
    }
    let display_name = check.text("display_name", &body.display_name, 1, 100);
    let links = links_for(
        body.role,
        [
            (body.region_id, true),
            (body.department_id, true),
            (body.enterprise_id, true),
        ],
        &mut check,
    );
    check.finish()?;
    Ok(NewUser {
        username,
        password_hash: password::hash(&body.password).map_err(Error::internal)?,
        display_name,
        role: body.role.as_str().to_owned(),
        region_id: links.region_id,
        department_id: links.department_id,
        enterprise_id: links.enterprise_id,
    })
}

/// Creates a user from a validated, hashed record (the command line's way in as well).
pub fn insert(conn: &mut DbConn, new: &NewUser) -> Result<User, Error> {
    db::write_tx(conn, |conn| {
        check_links(
            conn,
            &Links {
                region_id: new.region_id,
                department_id: new.department_id,
                enterprise_id: new.enterprise_id,
            },
        )?;
        let row = users::insert(conn, new).map_err(unique_as("username", DUPLICATE_USERNAME))?;
        Ok(row.into())
    })
}

pub fn create(conn: &mut DbConn, caller: &Caller, input: NewUserIn) -> Result<User, Error> {
    create_as(conn, caller, input, false)
}

/// 新建用户 on the pages: the account gets a one-time password, answered once, which it
/// must change at its first sign-in (`input.password` is ignored).
pub fn create_one_time(
    conn: &mut DbConn,
    caller: &Caller,
    mut input: NewUserIn,
) -> Result<(User, OneTime), Error> {
    let password = one_time_password();
    input.password = password.clone();
    let user = create_as(conn, caller, input, true)?;
    Ok((
        user,
        OneTime {
            one_time_password: password,
        },
    ))
}

fn create_as(
    conn: &mut DbConn,
    caller: &Caller,
    input: NewUserIn,
    one_time: bool,
) -> Result<User, Error> {
    caller.require(&[Role::Admin], MANAGE)?;
    let new = prepare_new_user(input)?;
    db::write_tx(conn, |conn| {
        let mut user = insert(conn, &new)?;
        if one_time {
            users::set_password(conn, user.id, &new.password_hash, true)?;
            user.must_change_password = true;
        }
        audit::record(
            conn,
            Some(caller),
            "create",
            Object::User,
            Some(user.id),
            None::<&()>,
            Some(&user),
        )?;
        Ok(user)
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserQuery {
    pub q: Option<String>,
    pub role: Option<Role>,
    #[serde(default, deserialize_with = "super::common::opt_id")]
    pub region_id: Option<i64>,
    #[serde(default, deserialize_with = "super::common::opt_id")]
    pub department_id: Option<i64>,
    #[serde(default, deserialize_with = "super::common::opt_id")]
    pub enterprise_id: Option<i64>,
    pub active: Option<bool>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

pub fn list(conn: &mut DbConn, caller: &Caller, q: UserQuery) -> Result<Paged<User>, Error> {
    caller.require(&[Role::Admin], MANAGE)?;
    let page = page(q.page, q.per_page)?;
    let filter = ListFilter {
        q: q.q.filter(|s| !s.trim().is_empty()),
        role: q.role.map(|r| r.as_str().to_owned()),
        region_id: q.region_id,
        department_id: q.department_id,
        enterprise_id: q.enterprise_id,
        active: q.active,
    };
    let (rows, total) = users::list(conn, &filter, page)?;
    Ok(Paged::new(
        rows.into_iter().map(User::from).collect(),
        total,
        page,
    ))
}

pub fn get(conn: &mut DbConn, caller: &Caller, id: i64) -> Result<User, Error> {
    caller.require(&[Role::Admin], MANAGE)?;
    users::get(conn, id)?
        .map(User::from)
        .ok_or_else(|| Error::not_found("user"))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    #[serde(default, deserialize_with = "present")]
    pub display_name: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub role: Option<Role>,
    #[serde(default, deserialize_with = "nullable")]
    pub region_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "nullable")]
    pub department_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "nullable")]
    pub enterprise_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "present")]
    pub active: Option<bool>,
}

/// Changes a user. A role change or deactivation ends the user's tokens. The last active
/// administrator cannot be demoted or deactivated (nobody could manage users after).
pub fn update(
    conn: &mut DbConn,
    caller: &Caller,
    id: i64,
    patch: UserPatch,
) -> Result<User, Error> {
    caller.require(&[Role::Admin], MANAGE)?;
    db::write_tx(conn, |conn| {
        let current = users::get(conn, id)?.ok_or_else(|| Error::not_found("user"))?;
        let old_role =
            Role::parse(&current.role).ok_or_else(|| Error::internal("stored role unknown"))?;
        let role = patch.role.unwrap_or(old_role);
        let mut check = Check::default();
        let display_name = match &patch.display_name {
            Some(d) => check.text("display_name", d, 1, 100),
            None => current.display_name.clone(),
        };
        let pick = |given: Option<Option<i64>>, current: Option<i64>| match given {
            Some(v) => (v, true),
            None => (current, false),
        };
        let links = links_for(
            role,
            [
                pick(patch.region_id, current.region_id),
                pick(patch.department_id, current.department_id),
                pick(patch.enterprise_id, current.enterprise_id),
            ],
            &mut check,
        );
        check.finish()?;
        let active = patch.active.unwrap_or(current.active);
        let was_admin = old_role == Role::Admin && current.active;
        if was_admin && !(role == Role::Admin && active) && users::active_admins(conn)? <= 1 {
            return Err(Error::Conflict(
                "this is the last active administrator; it cannot be demoted or deactivated".into(),
            ));
        }
        check_links(conn, &links)?;
        let row = users::update(
            conn,
            id,
            &Update {
                display_name,
                role: role.as_str().to_owned(),
                region_id: links.region_id,
                department_id: links.department_id,
                enterprise_id: links.enterprise_id,
                active,
                end_sessions: role != old_role || (current.active && !active),
            },
        )?;
        let (before, after) = (User::from(current), User::from(row));
        audit::record(
            conn,
            Some(caller),
            "update",
            Object::User,
            Some(id),
            Some(&before),
            Some(&after),
        )?;
        Ok(after)
    })
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordReset {
    /// The one-time password to set (one the administrator reads out over the telephone);
    /// made up by the service when absent.
    pub password: Option<String>,
}

/// What a reset answers, once: the one-time password.
#[derive(Serialize)]
pub struct OneTime {
    pub one_time_password: String,
}

/// A one-time password: 12 characters a person reads out and types without confusion
/// (no 0/O, 1/l/I), from the operating system's random source.
pub fn one_time_password() -> String {
    use argon2::password_hash::rand_core::{OsRng, RngCore};
    const LETTERS: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut out = String::with_capacity(14);
    for i in 0..12 {
        if i > 0 && i % 4 == 0 {
            out.push('-');
        }
        let n = OsRng.next_u32() as usize % LETTERS.len();
        out.push(char::from(LETTERS[n]));
    }
    out
}

/// 重置密码 (for one who forgot theirs): the account gets a one-time password, its earlier
/// tokens end, and at the next sign-in it must choose its own before anything else.
pub fn reset_password(
    conn: &mut DbConn,
    caller: &Caller,
    id: i64,
    input: PasswordReset,
) -> Result<OneTime, Error> {
    caller.require(&[Role::Admin], MANAGE)?;
    let password = input.password.unwrap_or_else(one_time_password);
    if let Some(msg) = password::policy_error(&password) {
        return Err(Error::invalid("password", msg));
    }
    let hash = password::hash(&password).map_err(Error::internal)?;
    db::write_tx(conn, |conn| {
        if !users::set_password(conn, id, &hash, true)? {
            return Err(Error::not_found("user"));
        }
        // The password itself is never logged.
        let what = serde_json::json!({"password": "one-time password set"});
        audit::record(
            conn,
            Some(caller),
            "reset_password",
            Object::User,
            Some(id),
            None::<&()>,
            Some(&what),
        )
    })?;
    Ok(OneTime {
        one_time_password: password,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        let cases = [
            ("admin", true),
            ("wu.xing_01-a", true),
            ("ab", false),
            ("Admin", false),
            ("张三", false),
            ("a b c", false),
        ];
        for (name, ok) in cases {
            assert_eq!(username_error(name).is_none(), ok, "{name}");
        }
    }

    #[test]
    fn links_follow_the_role() {
        // (role, given links, expected kept links, fields refused)
        type Case = (
            Role,
            [(Option<i64>, bool); 3],
            [Option<i64>; 3],
            Vec<&'static str>,
        );
        let cases: Vec<Case> = vec![
            (
                Role::Admin,
                [(None, true), (None, true), (None, true)],
                [None, None, None],
                vec![],
            ),
            (
                Role::Coordinator,
                [(Some(1), true), (None, true), (None, true)],
                [Some(1), None, None],
                vec![],
            ),
            (
                Role::Leader,
                [(None, true), (None, true), (None, true)],
                [None, None, None],
                vec!["region_id"],
            ),
            (
                Role::Department,
                [(Some(1), true), (Some(2), true), (None, true)],
                [None, Some(2), None],
                vec!["region_id"],
            ),
            // A link left over from the old role (not given now) is cleared quietly.
            (
                Role::Enterprise,
                [(Some(1), false), (None, false), (Some(3), true)],
                [None, None, Some(3)],
                vec![],
            ),
        ];
        for (role, given, want, refused) in cases {
            let mut check = Check::default();
            let links = links_for(role, given, &mut check);
            assert_eq!(
                [links.region_id, links.department_id, links.enterprise_id],
                want,
                "{role:?}"
            );
            let fields: Vec<String> = match check.finish() {
                Ok(()) => vec![],
                Err(Error::Invalid(errors)) => errors.into_iter().map(|e| e.field).collect(),
                Err(e) => panic!("{e}"),
            };
            assert_eq!(fields, refused, "{role:?}");
        }
    }
}

/// 解除锁定: opens a user's sign-in again after repeated failures blocked it.
pub fn unlock(conn: &mut DbConn, caller: &Caller, id: i64) -> Result<(), Error> {
    caller.require(&[Role::Admin], MANAGE)?;
    db::write_tx(conn, |conn| {
        let user = users::get(conn, id)?.ok_or_else(|| Error::not_found("user"))?;
        let cleared = crate::store::throttle::clear_username(conn, &user.username)?;
        let what = serde_json::json!({"username": user.username, "throttle_rows_cleared": cleared});
        audit::record(
            conn,
            Some(caller),
            "unlock",
            Object::User,
            Some(id),
            None::<&()>,
            Some(&what),
        )
    })
}

/// A locked account, for 系统管理.
#[derive(Serialize)]
pub struct Locked {
    pub id: i64,
    pub username: String,
    pub display_name: String,
}

/// The accounts whose sign-in is blocked now.
pub fn locked(conn: &mut DbConn, caller: &Caller) -> Result<Vec<Locked>, Error> {
    caller.require(&[Role::Admin], MANAGE)?;
    let mut out = Vec::new();
    for name in crate::store::throttle::locked_usernames(conn, crate::store::now())? {
        if let Some(u) = users::find_by_username(conn, &name)? {
            out.push(Locked {
                id: u.id,
                username: u.username,
                display_name: u.display_name,
            });
        }
    }
    Ok(out)
}
