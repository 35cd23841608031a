//! `qinqing backup` and `qinqing restore`. SQLite: a transactionally consistent copy made
//! while the service keeps serving (`VACUUM INTO`, in one read transaction, which in WAL
//! mode never blocks a writer), and its return in place of the database once checked.
//! PostgreSQL has its own tools for both; the commands say which, with the arguments.

use std::path::Path;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::Text;

use super::{Backend, DbConn};

#[derive(QueryableByName)]
struct Line {
    #[diesel(sql_type = Text)]
    line: String,
}

fn open(path: &str) -> Result<DbConn, String> {
    Backend::Sqlite(path.to_owned())
        .connect()
        .map_err(|e| format!("cannot open {path}: {e}"))
}

/// Copies the database to `to`, which must not exist.
pub fn backup(backend: &Backend, to: &Path) -> Result<(), String> {
    let path = match backend {
        Backend::Postgres(_) => {
            return Err(format!(
                "a PostgreSQL database is backed up with its own tool, e.g.\n  pg_dump --format=custom --file {} \"$DATABASE_URL\"",
                to.display()
            ))
        }
        Backend::Sqlite(path) => path,
    };
    if to.exists() {
        return Err(format!("{} exists already; name a new file", to.display()));
    }
    if !Path::new(path).exists() {
        return Err(format!("there is no database at {path}"));
    }
    let target = to
        .to_str()
        .ok_or_else(|| format!("{} is not a UTF-8 path", to.display()))?;
    let started = std::time::Instant::now();
    // The copy holds password hashes and every enterprise's contacts: it is made readable
    // by its owner alone from the start (`VACUUM INTO` fills an empty file as it finds it).
    private_file(to).map_err(|e| format!("creating {target}: {e}"))?;
    let mut conn = open(path)?;
    let copied = diesel::sql_query("VACUUM INTO ?")
        .bind::<Text, _>(target)
        .execute(&mut conn)
        .map_err(|e| format!("backing up {path} to {target}: {e}"));
    if let Err(e) = copied {
        let _ = std::fs::remove_file(to);
        return Err(e);
    }
    check(target)?;
    let size = std::fs::metadata(to).map(|m| m.len()).unwrap_or(0);
    println!(
        "backed up {path} to {target} ({:.1} MB) in {:.1} s",
        size as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Creates `to` empty, readable and writable by its owner only (0600 on Unix).
fn private_file(to: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(to).map(|_| ())
}

/// Checks that `path` is a whole SQLite database of this service: its integrity, and the
/// migrations table.
fn check(path: &str) -> Result<(), String> {
    let mut conn = open(path)?;
    let lines: Vec<Line> =
        diesel::sql_query("SELECT integrity_check AS line FROM pragma_integrity_check")
            .load(&mut conn)
            .map_err(|e| format!("{path} is not a readable SQLite database: {e}"))?;
    if lines.iter().any(|l| l.line != "ok") {
        return Err(format!(
            "{path} is damaged: {}",
            lines
                .iter()
                .map(|l| l.line.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        ));
    }
    let migrated: i64 = diesel::sql_query(
        "SELECT count(*) AS line FROM sqlite_master WHERE name = '__diesel_schema_migrations'",
    )
    .load::<Count>(&mut conn)
    .map_err(|e| format!("{path}: {e}"))?
    .first()
    .map_or(0, |c| c.line);
    if migrated == 0 {
        return Err(format!(
            "{path} is not a qinqing database (it has no migrations table)"
        ));
    }
    Ok(())
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    line: i64,
}

/// Puts the backup `from` in place of the database. The database must not be in use: the
/// command takes it exclusively first and refuses when it cannot.
pub fn restore(backend: &Backend, from: &Path) -> Result<(), String> {
    let path = match backend {
        Backend::Postgres(_) => {
            return Err(format!(
                "a PostgreSQL database is restored with its own tool, e.g.\n  pg_restore --clean --if-exists --dbname \"$DATABASE_URL\" {}",
                from.display()
            ))
        }
        Backend::Sqlite(path) => path.clone(),
    };
    let source = from
        .to_str()
        .ok_or_else(|| format!("{} is not a UTF-8 path", from.display()))?;
    check(source)?;
    if Path::new(&path).exists() {
        // Nobody else may have it open. Leaving WAL mode needs the only connection to the
        // file, so it fails (or leaves the mode as it was) while a service has it open.
        let in_use = || format!("{path} is in use; stop the service before restoring into it");
        let mut conn = open(&path)?;
        conn.batch_execute(
            "PRAGMA busy_timeout = 0; PRAGMA journal_mode = DELETE; BEGIN EXCLUSIVE; ROLLBACK;",
        )
        .map_err(|_| in_use())?;
        let mode: Vec<Line> =
            diesel::sql_query("SELECT journal_mode AS line FROM pragma_journal_mode")
                .load(&mut conn)
                .map_err(|e| format!("{path}: {e}"))?;
        if mode
            .first()
            .is_some_and(|m| m.line.eq_ignore_ascii_case("wal"))
        {
            return Err(in_use());
        }
        drop(conn);
    }
    let staged = format!("{path}.restoring");
    std::fs::copy(from, &staged).map_err(|e| format!("copying {source} to {staged}: {e}"))?;
    for stale in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{path}{stale}"));
    }
    std::fs::rename(&staged, &path).map_err(|e| format!("putting {staged} in place: {e}"))?;
    println!("restored {path} from {source}; start the service to apply any newer migrations");
    Ok(())
}
