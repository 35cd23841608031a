//! The database: one connection type over PostgreSQL and SQLite, the pool, the migrations,
//! and the one helper through which every request reaches the database off the async workers.

pub mod backup;

use std::time::Duration;

use actix_web::web;
use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::r2d2::{self, ManageConnection, R2D2Connection};
use diesel::{Connection, PgConnection, SqliteConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::error::Error;

pub const PG_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");
pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");

/// A connection to either backend. Queries written once against `DbConn` run on both.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Pg(PgConnection),
    Sqlite(SqliteConnection),
}

pub type Pool = r2d2::Pool<Manager>;
pub type PooledConn = r2d2::PooledConnection<Manager>;

/// A pooled connection with the time it was last seen working. It derefs to [`DbConn`], so
/// `&mut pooled` is taken wherever a connection is.
pub struct Pooled {
    conn: DbConn,
    /// When a ping last succeeded on it (or it was opened); `None` when its last use
    /// found the database gone, so that the next checkout pings it.
    checked: Option<std::time::Instant>,
}

impl Pooled {
    /// Marks the connection as to be pinged before it is handed out again.
    pub fn distrust(&mut self) {
        self.checked = None;
    }
}

impl std::ops::Deref for Pooled {
    type Target = DbConn;
    fn deref(&self) -> &DbConn {
        &self.conn
    }
}

impl std::ops::DerefMut for Pooled {
    fn deref_mut(&mut self) -> &mut DbConn {
        &mut self.conn
    }
}

/// How long a connection that answered a ping is handed out again without another. A ping
/// is a round trip to PostgreSQL; one per checkout was one of the six or seven a filing
/// makes. A database that went away within this window shows as one 503 for a request on
/// that connection (which is then discarded), as it would for a request already running.
const TRUSTED_FOR: Duration = Duration::from_secs(1);

/// Which backend a `DATABASE_URL` names: `postgres://` or `postgresql://` is PostgreSQL,
/// anything else a SQLite file path (an optional `sqlite://` prefix is dropped).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Backend {
    Postgres(String),
    Sqlite(String),
}

impl Backend {
    pub fn from_url(url: &str) -> Backend {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres(url.to_owned())
        } else {
            let path = url
                .strip_prefix("sqlite://")
                .or_else(|| url.strip_prefix("sqlite:"))
                .unwrap_or(url);
            Backend::Sqlite(path.to_owned())
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Backend::Postgres(_) => "postgres",
            Backend::Sqlite(_) => "sqlite",
        }
    }

    /// Opens one connection of the named backend, never trying the other: a PostgreSQL URL
    /// that fails must not fall through to SQLite and create a file named like a URL.
    pub fn connect(&self) -> Result<DbConn, diesel::ConnectionError> {
        match self {
            Backend::Postgres(url) => PgConnection::establish(url).map(DbConn::Pg),
            Backend::Sqlite(path) => {
                let mut conn = SqliteConnection::establish(path)?;
                // Per connection: these settings are not stored in the database file.
                conn.batch_execute(
                    "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 10000;",
                )
                .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
                Ok(DbConn::Sqlite(conn))
            }
        }
    }
}

/// The r2d2 manager: connects to the configured backend and pings before handing out.
#[derive(Clone, Debug)]
pub struct Manager {
    backend: Backend,
}

impl ManageConnection for Manager {
    type Connection = Pooled;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<Pooled, r2d2::Error> {
        let conn = self
            .backend
            .connect()
            .map_err(r2d2::Error::ConnectionError)?;
        Ok(Pooled {
            conn,
            checked: Some(std::time::Instant::now()),
        })
    }

    /// Pings a connection before handing it out, unless one answered within `TRUSTED_FOR`.
    fn is_valid(&self, pooled: &mut Pooled) -> Result<(), r2d2::Error> {
        if pooled.checked.is_some_and(|at| at.elapsed() < TRUSTED_FOR) {
            return Ok(());
        }
        pooled.conn.ping().map_err(r2d2::Error::QueryError)?;
        pooled.checked = Some(std::time::Instant::now());
        Ok(())
    }

    /// A connection whose last use failed for want of the database is not put back.
    fn has_broken(&self, pooled: &mut Pooled) -> bool {
        pooled.conn.is_broken()
    }
}

/// Pool settings. `timeout` bounds how long a request waits for a connection before the
/// service answers 503, so an unreachable database is reported within seconds.
#[derive(Clone, Debug)]
pub struct PoolOptions {
    pub max_size: u32,
    pub timeout: Duration,
}

/// Builds the pool. For SQLite the journal mode is switched to WAL here, once, when the
/// database is opened: it is stored in the file, so pooled connections need not repeat it.
pub fn build_pool(backend: &Backend, opts: &PoolOptions) -> Result<Pool, String> {
    if let Backend::Sqlite(_) = backend {
        let mut conn = backend
            .connect()
            .map_err(|e| format!("cannot open the SQLite database: {e}"))?;
        conn.batch_execute("PRAGMA journal_mode = WAL;")
            .map_err(|e| format!("cannot switch the SQLite database to WAL: {e}"))?;
    }
    // Unchecked: the service starts (and answers /readyz with 503) while the database is
    // still coming up; connections are made on demand.
    Ok(r2d2::Pool::builder()
        .max_size(opts.max_size)
        .min_idle(Some(0))
        .connection_timeout(opts.timeout)
        .test_on_check_out(true)
        .build_unchecked(Manager {
            backend: backend.clone(),
        }))
}

/// Applies every pending migration of the connection's backend; returns their names.
pub fn migrate(conn: &mut DbConn) -> Result<Vec<String>, String> {
    let applied = match conn {
        DbConn::Pg(c) => c.run_pending_migrations(PG_MIGRATIONS),
        DbConn::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS),
    }
    .map_err(|e| format!("migration failed: {e}"))?;
    Ok(applied.iter().map(|v| v.to_string()).collect())
}

/// Reverts every applied migration, newest first (used by the migration round-trip test).
pub fn revert_all(conn: &mut DbConn) -> Result<(), String> {
    match conn {
        DbConn::Pg(c) => c.revert_all_migrations(PG_MIGRATIONS).map(|_| ()),
        DbConn::Sqlite(c) => c.revert_all_migrations(SQLITE_MIGRATIONS).map(|_| ()),
    }
    .map_err(|e| format!("revert failed: {e}"))
}

/// Runs `f` with a pooled connection on the blocking thread pool. Every database call made
/// for a request goes through here, `pool.get()` included, so no async worker ever waits on it.
pub async fn run<T, F>(pool: &Pool, f: F) -> Result<T, Error>
where
    F: FnOnce(&mut DbConn) -> Result<T, Error> + Send + 'static,
    T: Send + 'static,
{
    let pool = pool.clone();
    web::block(move || {
        let mut conn = pool.get().map_err(Error::from_pool)?;
        let out = f(&mut conn);
        if let Err(Error::Unavailable(_)) = out {
            conn.distrust();
        }
        out
    })
    .await
    .map_err(|e| Error::internal(format!("blocking task failed: {e}")))?
}

/// A hand-written statement's parameters in the connection's notation: PostgreSQL's `$1`,
/// SQLite's `?1` (for the few statements the query builder cannot write for both).
pub fn numbered(conn: &DbConn, sql: &str) -> String {
    match conn {
        DbConn::Pg(_) => sql.to_owned(),
        DbConn::Sqlite(_) => sql.replace('$', "?"),
    }
}

/// The queue of this process's writers to one SQLite database file. SQLite lets one writer
/// in at a time; the others, left to its busy handler, sleep in growing steps (up to 100 ms)
/// and retry, so with eight writers some waited ten times longer than the work takes. Queued
/// on a mutex instead, each goes in as soon as the one before commits. (Writers of other
/// processes on the same file still meet the busy timeout.)
fn writer_gate(conn: &mut SqliteConnection) -> std::sync::Arc<std::sync::Mutex<()>> {
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex, OnceLock};
    #[derive(diesel::QueryableByName)]
    struct File {
        #[diesel(sql_type = diesel::sql_types::Text)]
        file: String,
    }
    static GATES: OnceLock<Mutex<HashMap<String, Arc<Mutex<()>>>>> = OnceLock::new();
    // An in-memory database has no file (""): its gate is shared, which only orders them.
    let file = diesel::RunQueryDsl::get_result::<File>(
        diesel::sql_query("SELECT file FROM pragma_database_list WHERE name = 'main'"),
        conn,
    )
    .map(|f| f.file)
    .unwrap_or_default();
    let mut gates = GATES
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    gates.entry(file).or_default().clone()
}

/// Runs `f` in a write transaction: committed when `f` returns Ok, rolled back otherwise.
/// On SQLite the transaction begins IMMEDIATE, taking the write lock up front so that
/// concurrent writers wait on the busy timeout instead of failing with SQLITE_BUSY on upgrade.
/// Called inside another `write_tx`, `f` simply joins the outer transaction.
pub fn write_tx<T, E, F>(conn: &mut DbConn, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    let depth = match conn {
        DbConn::Pg(c) => {
            AnsiTransactionManager::transaction_manager_status_mut(c).transaction_depth()
        }
        DbConn::Sqlite(c) => {
            AnsiTransactionManager::transaction_manager_status_mut(c).transaction_depth()
        }
    }?;
    if depth.is_some() {
        return f(conn);
    }
    // Held until the transaction ends: SQLite's writers of this process queue here.
    let gate = match conn {
        DbConn::Sqlite(c) => Some(writer_gate(c)),
        DbConn::Pg(_) => None,
    };
    let _turn = gate
        .as_ref()
        .map(|g| g.lock().unwrap_or_else(std::sync::PoisonError::into_inner));
    match conn {
        DbConn::Pg(c) => AnsiTransactionManager::begin_transaction(c)?,
        DbConn::Sqlite(c) => AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?,
    }
    match f(conn) {
        Ok(value) => {
            <DbConn as Connection>::TransactionManager::commit_transaction(conn)?;
            Ok(value)
        }
        Err(e) => {
            if let Err(rollback) =
                <DbConn as Connection>::TransactionManager::rollback_transaction(conn)
            {
                log::error!("rollback failed: {rollback}");
            }
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Backend;

    #[test]
    fn backend_from_url() {
        let cases = [
            (
                "postgres://u@h/db",
                Backend::Postgres("postgres://u@h/db".into()),
            ),
            (
                "postgresql://h/db",
                Backend::Postgres("postgresql://h/db".into()),
            ),
            ("qinqing.db", Backend::Sqlite("qinqing.db".into())),
            ("sqlite:///tmp/x.db", Backend::Sqlite("/tmp/x.db".into())),
            ("sqlite:x.db", Backend::Sqlite("x.db".into())),
            (":memory:", Backend::Sqlite(":memory:".into())),
        ];
        for (url, want) in cases {
            assert_eq!(Backend::from_url(url), want, "{url}");
        }
    }
}
