//! Starting the service: open the database, migrate it, make sure someone can sign in,
//! and serve until SIGINT/SIGTERM, letting requests in flight finish.

use std::sync::Arc;

use actix_web::HttpServer;

use crate::app::app;
use crate::auth::token::Tokens;
use crate::config::{AuthConfig, Config, NotifyConfig};
use crate::db::{self, Backend, DbConn, Pool};
use crate::domain::role::Role;
use crate::http::AppState;
use crate::service::users::{insert, prepare_new_user, NewUserIn};
use crate::store;

/// Applies pending migrations to the configured database, and refills the kept figures if
/// they do not match the issues; returns what was applied.
pub fn migrate(config: &Config) -> Result<Vec<String>, String> {
    let mut conn = connect(&config.backend())?;
    let applied = db::migrate(&mut conn)?;
    let put = crate::service::calendar::install_shipped(&mut conn)
        .map_err(|e| format!("installing the shipped calendars: {}", e.one_line()))?;
    if !put.is_empty() {
        log::info!("installed the State Council holiday calendars of {put:?}");
    }
    let filled = crate::service::issues::actions::fill_assignments(&mut conn)
        .map_err(|e| format!("filling the assignment rows: {}", e.one_line()))?;
    if filled > 0 {
        log::info!("filled the assignment rows from {filled} timeline events");
    }
    if store::kept::ensure_rollup(&mut conn)
        .map_err(|e| format!("checking the kept figures: {e}"))?
    {
        log::info!("refilled the kept figures from the issues");
    }
    index_for_search(&mut conn)?;
    warn_missing_calendars(&mut conn);
    Ok(applied)
}

/// Indexes for search the issues that have no entry yet (those filed before the index
/// existed, or loaded in bulk), saying how far it has got.
pub fn index_for_search(conn: &mut DbConn) -> Result<usize, String> {
    crate::domain::words::warm();
    let mut said = std::time::Instant::now();
    let done = store::search::catch_up(conn, &mut |n| {
        if said.elapsed().as_secs() >= 5 {
            log::info!("indexing issues for search: {n} so far");
            said = std::time::Instant::now();
        }
    })
    .map_err(|e| format!("indexing issues for search: {e}"))?;
    if done > 0 {
        log::info!("indexed {done} issues and 政策问答 for search");
    }
    Ok(done)
}

/// Says in the log which years up to this one have no holiday calendar.
pub fn warn_missing_calendars(conn: &mut DbConn) {
    match crate::service::calendar::missing_years(conn, crate::domain::time::today()) {
        Ok(years) if !years.is_empty() => log::warn!(
            "no holiday calendar for {years:?}: due dates there count only weekends as days \
             off; an administrator sets one with PUT /api/v1/calendar/{{year}}"
        ),
        Ok(_) => {}
        Err(e) => log::warn!("reading the calendars: {}", e.one_line()),
    }
}

/// One connection to the configured database, outside any pool.
pub fn connect(backend: &Backend) -> Result<DbConn, String> {
    backend
        .connect()
        .map_err(|e| format!("cannot connect to the {} database: {e}", backend.name()))
}

/// A random 256-bit secret, hex-encoded.
fn random_secret() -> String {
    use argon2::password_hash::rand_core::{OsRng, RngCore};
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The token signing secret. It is never kept in the database, so that a copy of the
/// database (a backup, a dump handed to someone) is not enough to sign in as anyone:
/// `QINQING_JWT_SECRET` when set; otherwise, on SQLite, a file beside the database
/// (`<database>.secret`, readable by its owner only) made at the first start; PostgreSQL,
/// where several instances must agree, needs the setting.
pub fn token_secret(backend: &Backend, configured: Option<&str>) -> Result<String, String> {
    if let Some(s) = configured {
        return Ok(s.to_owned());
    }
    match backend {
        Backend::Postgres(_) => Err(
            "QINQING_JWT_SECRET is not set: on PostgreSQL every instance \
             must sign tokens with the same secret, and it is not kept in the database. Set it \
             to at least 32 random bytes, the same on every instance (`openssl rand -hex 32` \
             makes one)"
                .into(),
        ),
        Backend::Sqlite(path) if path.is_empty() || path.starts_with(":memory:") => {
            Ok(random_secret())
        }
        Backend::Sqlite(path) => secret_file(&format!("{path}.secret")),
    }
}

/// Reads the secret in `path`, creating it first when there is none. Two processes
/// starting at once agree: only one creates the file, the other reads it.
fn secret_file(path: &str) -> Result<String, String> {
    use std::io::Write;
    let read = |path: &str| -> Result<String, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("reading the token secret in {path}: {e}"))?;
        Ok(text.trim().to_owned())
    };
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(mut file) => {
            let secret = random_secret();
            file.write_all(secret.as_bytes())
                .and_then(|()| file.sync_all())
                .map_err(|e| format!("writing the token secret to {path}: {e}"))?;
            log::info!("made a token signing secret in {path}");
            Ok(secret)
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let mut secret = read(path)?;
            for _ in 0..50 {
                // The other process may not have written it yet.
                if !secret.is_empty() {
                    break;
                }
                std::thread::sleep(std::time::Duration::from_millis(20));
                secret = read(path)?;
            }
            Ok(secret)
        }
        Err(e) => Err(format!("creating the token secret file {path}: {e}")),
    }
}

/// Everything the handlers share, built the same way by the server and by the tests.
pub fn build_state(
    pool: Pool,
    backend: &Backend,
    auth: &AuthConfig,
    notify: &NotifyConfig,
) -> Result<AppState, String> {
    let secret = token_secret(backend, auth.jwt_secret.as_deref())?;
    let tokens = Tokens::new(secret.as_bytes(), auth.token_ttl_seconds)
        .map_err(|e| format!("QINQING_JWT_SECRET: {e}"))?;
    Ok(AppState {
        pool,
        backend: backend.name(),
        tokens: Arc::new(tokens),
        callers: Arc::default(),
        cookie_secure: auth.cookie_secure,
        notify: Arc::new(notify.clone()),
        trusted_proxies: Arc::new(auth.trusted_proxies.clone()),
        metrics: Arc::new(crate::metrics::Metrics::new()),
        metrics_public: false,
        body_timeout: crate::app::BODY_TIMEOUT,
        files: Default::default(),
        objects: None,
    })
}

/// On a database with no user: creates `admin` when a password is configured, else says how.
fn bootstrap_admin(conn: &mut DbConn, auth: &AuthConfig) -> Result<(), String> {
    if store::users::count(conn).map_err(|e| e.to_string())? > 0 {
        return Ok(());
    }
    match &auth.admin_password {
        Some(password) => {
            let new = prepare_new_user(NewUserIn {
                username: "admin".into(),
                password: password.clone(),
                display_name: "系统管理员".into(),
                role: Role::Admin,
                region_id: None,
                department_id: None,
                enterprise_id: None,
            })
            .map_err(|e| format!("QINQING_ADMIN_PASSWORD: {e}"))?;
            insert(conn, &new).map_err(|e| e.one_line())?;
            log::info!("created the first administrator, user `admin`");
        }
        None => log::warn!(
            "no user exists yet: set QINQING_ADMIN_PASSWORD and restart to create user `admin`, \
             or run `echo PASSWORD | qinqing create-user --username admin --role admin`"
        ),
    }
    Ok(())
}

/// Loads the demo data set, with progress on the terminal, and prints the demo users.
pub fn load_demo(conn: &mut DbConn, password: &str, force: bool) -> Result<(), String> {
    let started = std::time::Instant::now();
    let options = crate::demo::Options {
        password: password.to_owned(),
        force,
    };
    let users = crate::demo::load(conn, &options, &mut |line| eprintln!("demo: {line}"))?;
    eprintln!("demo: loaded in {:.1} s", started.elapsed().as_secs_f64());
    println!("Demo users (password: the one given):");
    for u in users {
        println!("  {:<16} {:<12} {}", u.username, u.role, u.sees);
    }
    Ok(())
}

/// How often an instance on PostgreSQL folds the rows its writes appended to the kept sums.
const FOLD_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

/// Folds the kept sums' appended rows now and then (`store::kept::fold_kept`), on a
/// thread of its own with its own connection; every instance runs it, one at a time folds.
pub fn spawn_folding(backend: db::Backend) -> std::io::Result<std::thread::JoinHandle<()>> {
    std::thread::Builder::new()
        .name("qinqing-folding".into())
        .spawn(move || {
            let mut conn: Option<db::DbConn> = None;
            loop {
                std::thread::sleep(FOLD_EVERY);
                let c = match conn.as_mut() {
                    Some(c) => c,
                    None => match backend.connect() {
                        Ok(c) => conn.insert(c),
                        Err(e) => {
                            log::warn!("folding the kept sums: cannot reach the database: {e}");
                            continue;
                        }
                    },
                };
                if let Err(e) = crate::store::kept::fold_kept(c) {
                    log::warn!("folding the kept sums: {e}");
                    conn = None;
                }
            }
        })
}

pub fn serve(config: Config, demo: Option<String>) -> Result<(), String> {
    let backend = config.backend();
    for name in migrate(&config)? {
        log::info!("applied migration {name}");
    }
    if let Some(password) = demo {
        let mut conn = connect(&backend)?;
        if crate::demo::issue_count(&mut conn)? == 0 {
            load_demo(&mut conn, &password, false)?;
        } else {
            log::info!("the database already has issues; the demo is not loaded");
        }
    }
    bootstrap_admin(&mut connect(&backend)?, &config.auth)?;
    let pool = db::build_pool(&backend, &config.pool_options())?;
    let mut state = build_state(pool, &backend, &config.auth, &config.notify)?;
    state.metrics_public = config.metrics;
    state.body_timeout = config.body_timeout;
    state.files = config.files;
    if let Some(url) = &config.file_store {
        let objects = crate::objects::Objects::open(url)?;
        log::info!("files are kept in {}", objects.url);
        state.objects = Some(Arc::new(objects));
    }
    if config.notify.scheduler {
        crate::notify::spawn(backend.clone(), config.notify.clone())
            .map_err(|e| format!("cannot start the notifier: {e}"))?;
    } else {
        log::info!("reminders and deliveries are left to another instance (--no-scheduler)");
    }
    if let db::Backend::Postgres(_) = backend {
        spawn_folding(backend.clone())
            .map_err(|e| format!("cannot start the folding of the kept sums: {e}"))?;
    }
    log::info!(
        "serving on http://{} with the {} database",
        config.bind,
        backend.name()
    );
    actix_web::rt::System::new().block_on(async move {
        let metrics_server = match &config.metrics_bind {
            Some(addr) => {
                let mut only = state.clone();
                only.metrics_public = true;
                log::info!("serving /metrics on http://{addr}");
                Some(
                    HttpServer::new(move || crate::app::metrics_app(only.clone()))
                        .workers(1)
                        .shutdown_timeout(5)
                        .bind(addr)
                        .map_err(|e| format!("cannot listen on {addr} (--metrics-bind): {e}"))?
                        .run(),
                )
            }
            None => None,
        };
        let mut server = HttpServer::new(move || app(state.clone()))
            .shutdown_timeout(20)
            .bind(&config.bind)
            .map_err(|e| format!("cannot listen on {}: {e}", config.bind))?;
        if let Some(workers) = config.workers {
            server = server.workers(workers.max(1));
        }
        let main = server.run();
        let stopped = match metrics_server {
            Some(m) => futures_util::future::try_join(main, m).await.map(|_| ()),
            None => main.await,
        };
        stopped.map_err(|e| format!("server stopped: {e}"))
    })
}
