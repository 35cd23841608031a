//! Failed-login counters, shared by every instance through the database.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::login_throttle;
use crate::db::DbConn;
use crate::domain::throttle::{after_failure, Counter, Policy};

pub fn get(conn: &mut DbConn, key: &str) -> QueryResult<Option<Counter>> {
    login_throttle::table
        .find(key)
        .select((
            login_throttle::failures,
            login_throttle::window_start,
            login_throttle::blocked_until,
        ))
        .first::<(i32, NaiveDateTime, Option<NaiveDateTime>)>(conn)
        .optional()
        .map(|r| {
            r.map(|(failures, window_start, blocked_until)| Counter {
                failures,
                window_start,
                blocked_until,
            })
        })
}

/// Counts one more failure under `key`; answers the failures counted in its window.
pub fn record_failure(
    conn: &mut DbConn,
    key: &str,
    policy: &Policy,
    now: NaiveDateTime,
) -> QueryResult<i32> {
    crate::db::write_tx(conn, |conn| {
        // Take the row's lock before reading it (a no-op update; on SQLite the write
        // transaction already holds the database's), so failures at once on PostgreSQL
        // queue on the row and each counts on the one before.
        let lock = |conn: &mut DbConn| {
            diesel::update(login_throttle::table.find(key))
                .set(login_throttle::failures.eq(login_throttle::failures))
                .execute(conn)
        };
        if lock(conn)? == 0 {
            // The first failure under a key: two at once both find no row and both insert.
            // The insert is in a savepoint, so the loser's unique violation leaves its
            // transaction alive; it then locks and counts on the winner's row below.
            let first = after_failure(policy, None, now);
            let inserted = conn.transaction(|c| {
                diesel::insert_into(login_throttle::table)
                    .values((
                        login_throttle::key.eq(key),
                        login_throttle::failures.eq(first.failures),
                        login_throttle::window_start.eq(first.window_start),
                        login_throttle::blocked_until.eq(first.blocked_until),
                    ))
                    .execute(c)
            });
            match inserted {
                Ok(_) => return Ok(first.failures),
                Err(e) if crate::error::is_unique_violation(&e) => {
                    lock(conn)?;
                }
                Err(e) => return Err(e),
            }
        }
        let current = get(conn, key)?;
        let next = after_failure(policy, current.as_ref(), now);
        diesel::update(login_throttle::table.find(key))
            .set((
                login_throttle::failures.eq(next.failures),
                login_throttle::window_start.eq(next.window_start),
                login_throttle::blocked_until.eq(next.blocked_until),
            ))
            .execute(conn)?;
        Ok(next.failures)
    })
}

pub fn clear(conn: &mut DbConn, key: &str) -> QueryResult<usize> {
    diesel::delete(login_throttle::table.find(key)).execute(conn)
}

/// Accounts whose sign-in is blocked now (everywhere, or from some address).
pub fn locked_accounts(conn: &mut DbConn, now: chrono::NaiveDateTime) -> QueryResult<i64> {
    Ok(locked_usernames(conn, now)?.len() as i64)
}

/// The usernames whose sign-in is blocked now, everywhere (`user:NAME`) or from an address
/// (`user:NAME@ADDRESS`; a username holds no `@`), each once, in order.
pub fn locked_usernames(conn: &mut DbConn, now: chrono::NaiveDateTime) -> QueryResult<Vec<String>> {
    let keys: Vec<String> = login_throttle::table
        .filter(login_throttle::key.like("user:%"))
        .filter(login_throttle::blocked_until.gt(now))
        .select(login_throttle::key)
        .load(conn)?;
    let names: std::collections::BTreeSet<String> = keys
        .iter()
        .filter_map(|k| k.strip_prefix("user:"))
        .filter_map(|k| k.split('@').next())
        .map(str::to_owned)
        .collect();
    Ok(names.into_iter().collect())
}

/// Forgets a username's failures, everywhere and at every address: its sign-in is open
/// again (an address's own count is left: it is not the account's).
pub fn clear_username(conn: &mut DbConn, username: &str) -> QueryResult<usize> {
    let mut at_addresses = String::from("user:");
    for c in username.chars() {
        if matches!(c, '%' | '_' | '\\') {
            at_addresses.push('\\');
        }
        at_addresses.push(c);
    }
    at_addresses.push_str("@%");
    diesel::delete(
        login_throttle::table.filter(
            login_throttle::key
                .eq(format!("user:{username}"))
                .or(login_throttle::key.like(at_addresses).escape('\\')),
        ),
    )
    .execute(conn)
}
