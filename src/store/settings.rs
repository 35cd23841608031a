//! Service-wide settings kept in the database.

use diesel::prelude::*;

use super::schema::settings;
use crate::db::DbConn;

pub fn get(conn: &mut DbConn, key: &str) -> QueryResult<Option<String>> {
    settings::table
        .find(key)
        .select(settings::value)
        .first(conn)
        .optional()
}

/// Returns the value under `key`, storing `make()` first when there is none. Several
/// instances starting at once agree on one value: the first insert wins, the rest read it.
pub fn get_or_insert(
    conn: &mut DbConn,
    key: &str,
    make: impl FnOnce() -> String,
) -> QueryResult<String> {
    if let Some(v) = get(conn, key)? {
        return Ok(v);
    }
    let inserted = diesel::insert_into(settings::table)
        .values((
            settings::key.eq(key),
            settings::value.eq(make()),
            settings::updated_at.eq(super::now()),
        ))
        .execute(conn);
    match inserted {
        Ok(_) => {}
        Err(e) if crate::error::is_unique_violation(&e) => {}
        Err(e) => return Err(e),
    }
    get(conn, key)?.ok_or(diesel::result::Error::NotFound)
}
