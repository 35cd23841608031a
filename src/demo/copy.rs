//! Loading the demo into PostgreSQL by way of an in-memory SQLite database: the playback
//! runs there, through the same service code and rules, and its rows are then copied into
//! PostgreSQL in one transaction, a few thousand rows per statement. Played back directly,
//! each of the ~60,000 actions is a dozen round trips to the server, which made the load
//! take minutes; the copy takes seconds. PostgreSQL still checks every row on the way in
//! (types, keys, uniqueness, foreign keys).

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use crate::db::DbConn;

/// The tables the demo fills, parents before children. The kept sums are not copied: they
/// are summed afresh from the copied rows, in the same transaction.
const TABLES: [&str; 23] = [
    "calendar_years",
    "calendar_days",
    "departments",
    "department_names",
    "enterprises",
    "users",
    "editions",
    "forums",
    "forum_departments",
    "attendances",
    "common_issues",
    "issues",
    "issue_history",
    "issue_co_departments",
    "issue_events",
    "issue_extensions",
    "issue_ratings",
    "issue_assignments",
    "notices",
    "notifications",
    "reply_templates",
    "audit_log",
    "knowledge",
];

/// Tables whose rows PostgreSQL may already hold before a load (the shipped calendars):
/// replaced by the copy. (The kept sums, which may hold rows of zeros, are refilled.)
const REPLACED: [&str; 2] = ["calendar_days", "calendar_years"];

/// Rows per statement of the copy.
const CHUNK: i64 = 5_000;

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

#[derive(QueryableByName)]
struct Number {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct Chunk {
    #[diesel(sql_type = Text)]
    rows: String,
}

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// True when the PostgreSQL database holds nothing the demo would write but the rows it
/// replaces: the copy, which keeps the staged ids, needs that.
pub fn target_is_empty(pg: &mut DbConn) -> Result<bool, String> {
    for table in TABLES.iter().filter(|t| !REPLACED.contains(t)) {
        let n: Number = diesel::sql_query(format!(
            "SELECT COUNT(*) AS n FROM (SELECT 1 FROM {table} LIMIT 1) x"
        ))
        .get_result(pg)
        .map_err(err)?;
        if n.n > 0 {
            return Ok(false);
        }
    }
    Ok(true)
}

/// An in-memory SQLite database with the schema, for the playback.
pub fn stage() -> Result<DbConn, String> {
    let mut conn = SqliteConnection::establish(":memory:").map_err(err)?;
    conn.batch_execute("PRAGMA foreign_keys = ON;")
        .map_err(err)?;
    let mut conn = DbConn::Sqlite(conn);
    crate::db::migrate(&mut conn)?;
    Ok(conn)
}

fn columns(pg: &mut DbConn, table: &str) -> Result<Vec<String>, String> {
    let names: Vec<Name> = diesel::sql_query(
        "SELECT column_name::text AS name FROM information_schema.columns \
         WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
    )
    .bind::<Text, _>(table)
    .load(pg)
    .map_err(err)?;
    Ok(names.into_iter().map(|n| n.name).collect())
}

fn staged_columns(stage: &mut DbConn, table: &str) -> Result<Vec<String>, String> {
    let names: Vec<Name> = diesel::sql_query("SELECT name FROM pragma_table_info(?) ORDER BY cid")
        .bind::<Text, _>(table)
        .load(stage)
        .map_err(err)?;
    Ok(names.into_iter().map(|n| n.name).collect())
}

/// The regions come with the migrations on both sides; the copy keeps region ids, so they
/// must be the same rows.
fn same_regions(stage: &mut DbConn, pg: &mut DbConn) -> Result<(), String> {
    let sql = "SELECT COALESCE(group_concat(x, ';'), '') AS rows FROM \
               (SELECT id || ':' || code || ':' || path AS x FROM regions ORDER BY id) r";
    let pg_sql = "SELECT COALESCE(string_agg(x, ';'), '') AS rows FROM \
                  (SELECT id || ':' || code || ':' || path AS x FROM regions ORDER BY id) r";
    let staged: Chunk = diesel::sql_query(sql).get_result(stage).map_err(err)?;
    let target: Chunk = diesel::sql_query(pg_sql).get_result(pg).map_err(err)?;
    if staged.rows != target.rows {
        return Err(
            "the PostgreSQL database's regions differ from those the migrations create; \
             the demo loads only into a database whose regions are the migrations' own"
                .into(),
        );
    }
    Ok(())
}

/// Copies every demo table from the staged SQLite database into PostgreSQL, in one
/// transaction, and moves each id sequence past the copied ids.
pub fn copy_all(
    stage: &mut DbConn,
    pg: &mut DbConn,
    progress: &mut dyn FnMut(String),
) -> Result<(), String> {
    same_regions(stage, pg)?;
    super::at_once(pg, |pg| {
        for table in REPLACED {
            pg.batch_execute(&format!("DELETE FROM {table}"))
                .map_err(err)?;
        }
        for table in TABLES {
            let cols = columns(pg, table)?;
            let mut staged = staged_columns(stage, table)?;
            let mut want = cols.clone();
            staged.sort();
            want.sort();
            if staged != want {
                return Err(format!(
                    "{table}: the SQLite and PostgreSQL schemas differ ({staged:?} / {want:?})"
                ));
            }
            let object: Vec<String> = cols.iter().map(|c| format!("'{c}', \"{c}\"")).collect();
            let list: Vec<String> = cols.iter().map(|c| format!("\"{c}\"")).collect();
            let list = list.join(", ");
            let read = format!(
                "SELECT COALESCE(json_group_array(json_object({})), '[]') AS rows FROM \
                 (SELECT * FROM {table} ORDER BY rowid LIMIT {CHUNK} OFFSET ?)",
                object.join(", ")
            );
            let write = format!(
                "INSERT INTO {table} ({list}) SELECT {list} FROM \
                 json_populate_recordset(NULL::{table}, CAST($1 AS json))"
            );
            let mut copied = 0i64;
            loop {
                let chunk: Chunk = diesel::sql_query(&read)
                    .bind::<BigInt, _>(copied)
                    .get_result(stage)
                    .map_err(err)?;
                let n = diesel::sql_query(&write)
                    .bind::<Text, _>(&chunk.rows)
                    .execute(pg)
                    .map_err(|e| format!("copying {table}: {e}"))?;
                copied += n as i64;
                if (n as i64) < CHUNK {
                    break;
                }
            }
            if cols.iter().any(|c| c == "id") {
                pg.batch_execute(&format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', 'id'), m) \
                     FROM (SELECT MAX(id) AS m FROM {table}) x WHERE m IS NOT NULL"
                ))
                .map_err(err)?;
            }
            progress(format!("copied {table}: {copied} rows"));
        }
        crate::store::kept::refill_rollup(pg).map_err(err)?;
        progress("summed the kept figures".into());
        Ok(())
    })
}
