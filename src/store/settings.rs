//! Service-wide settings kept in the database.

use diesel::prelude::*;

use super::schema::settings;
use crate::db::DbConn;

pub fn get(conn: &mut DbConn, key: &str) -> QueryResult<Option<String>> {
    settings::table
        .find(key)
        .select(settings::value)
        .load(conn)
        .map(super::one_of)
}
