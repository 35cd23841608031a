//! Failed-login counters, shared by every instance through the database.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::login_throttle;
use crate::auth::throttle::{after_failure, Counter, Policy};
use crate::db::DbConn;

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

/// Counts one more failure under `key`.
pub fn record_failure(
    conn: &mut DbConn,
    key: &str,
    policy: &Policy,
    now: NaiveDateTime,
) -> QueryResult<()> {
    crate::db::write_tx(conn, |conn| {
        let current = get(conn, key)?;
        let next = after_failure(policy, current.as_ref(), now);
        let values = (
            login_throttle::failures.eq(next.failures),
            login_throttle::window_start.eq(next.window_start),
            login_throttle::blocked_until.eq(next.blocked_until),
        );
        if current.is_some() {
            diesel::update(login_throttle::table.find(key))
                .set(values)
                .execute(conn)?;
        } else {
            diesel::insert_into(login_throttle::table)
                .values((login_throttle::key.eq(key), values))
                .execute(conn)?;
        }
        Ok(())
    })
}

pub fn clear(conn: &mut DbConn, key: &str) -> QueryResult<usize> {
    diesel::delete(login_throttle::table.find(key)).execute(conn)
}
