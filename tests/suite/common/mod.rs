//! The test harness: every test gets its own fresh, migrated database (SQLite by default,
//! PostgreSQL when `TEST_DATABASE_URL` names a server) and drives the real application
//! over HTTP.
#![allow(dead_code)]

pub mod receiver;
pub mod spec;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::Duration;

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::{header, Method, StatusCode};
use actix_web::test;
use diesel::connection::SimpleConnection;
use qinqing::db::{self, Backend, DbConn, Pool, PoolOptions};
use serde_json::Value;

/// The PostgreSQL server URL for tests, or None for SQLite.
pub fn pg_url() -> Option<String> {
    std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|u| u.starts_with("postgres://") || u.starts_with("postgresql://"))
}

/// `url` with its database name replaced by `name`.
pub fn with_db_name(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let root = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    format!("{root}/{name}{query}")
}

pub fn unique_suffix() -> String {
    static N: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "{}_{}_{nanos:x}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

fn admin_conn(server: &str) -> DbConn {
    match Backend::from_url(server).connect() {
        Ok(c) => c,
        Err(e) => panic!("cannot connect to TEST_DATABASE_URL: {e}"),
    }
}

/// Name of a migrated template database for the current migrations, created once (under an
/// advisory lock, so parallel test processes agree) and cloned for every test.
fn pg_template(server: &str) -> &'static str {
    static TEMPLATE: OnceLock<String> = OnceLock::new();
    TEMPLATE.get_or_init(|| {
        use std::hash::{Hash, Hasher};
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/postgres");
        let mut entries: Vec<_> = walk(std::path::Path::new(dir));
        entries.sort();
        let mut h = std::collections::hash_map::DefaultHasher::new();
        for path in &entries {
            path.hash(&mut h);
            std::fs::read(path).unwrap_or_default().hash(&mut h);
        }
        let name = format!("qinqing_template_{:016x}", h.finish());
        let mut admin = admin_conn(server);
        exec(&mut admin, "SELECT pg_advisory_lock(7031)");
        let exists = count(
            &mut admin,
            &format!("SELECT count(*) AS n FROM pg_database WHERE datname = '{name}'"),
        ) > 0;
        if !exists {
            exec(&mut admin, &format!("CREATE DATABASE {name}_build"));
            {
                let mut conn = admin_conn(&with_db_name(server, &format!("{name}_build")));
                if let Err(e) = db::migrate(&mut conn) {
                    panic!("migrating the template: {e}");
                }
            }
            exec(
                &mut admin,
                &format!("ALTER DATABASE {name}_build RENAME TO {name}"),
            );
        }
        exec(&mut admin, "SELECT pg_advisory_unlock(7031)");
        name
    })
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

pub fn exec(conn: &mut DbConn, sql: &str) {
    if let Err(e) = conn.batch_execute(sql) {
        panic!("{sql}: {e}");
    }
}

pub fn count(conn: &mut DbConn, sql: &str) -> i64 {
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    match diesel::sql_query(sql).load::<N>(conn) {
        Ok(rows) => rows.first().map(|r| r.n).unwrap_or(0),
        Err(e) => panic!("{sql}: {e}"),
    }
}

/// One test's own database, removed when the test ends.
/// A token signing secret of 32 random bytes, hex-encoded.
pub fn test_secret() -> String {
    use argon2::password_hash::rand_core::{OsRng, RngCore};
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub struct TestDb {
    pub url: String,
    /// The token signing secret every app and server of this test uses (as
    /// `QINQING_JWT_SECRET`).
    pub secret: String,
    server: Option<String>,
    name: String,
}

impl TestDb {
    /// A fresh migrated database.
    pub fn new() -> TestDb {
        let db = TestDb::empty();
        if db.server.is_none() {
            let mut conn = db.connect();
            if let Err(e) = db::migrate(&mut conn) {
                panic!("{e}");
            }
        }
        db
    }

    /// A fresh database: on PostgreSQL cloned from the migrated template; on SQLite a new
    /// file with nothing in it (`new` migrates it).
    pub fn empty() -> TestDb {
        match pg_url() {
            Some(server) => {
                let name = format!("qinqing_test_{}", unique_suffix());
                let template = pg_template(&server);
                let mut admin = admin_conn(&server);
                exec(
                    &mut admin,
                    &format!("CREATE DATABASE {name} TEMPLATE {template}"),
                );
                TestDb {
                    url: with_db_name(&server, &name),
                    secret: test_secret(),
                    server: Some(server),
                    name,
                }
            }
            None => {
                let path =
                    std::env::temp_dir().join(format!("qinqing_test_{}.db", unique_suffix()));
                let url = path.to_string_lossy().into_owned();
                TestDb {
                    url: url.clone(),
                    secret: test_secret(),
                    server: None,
                    name: url,
                }
            }
        }
    }

    /// The SQLite database file at `path`, as it is (removed when the test ends).
    pub fn at(path: &str) -> TestDb {
        TestDb {
            url: path.to_owned(),
            secret: test_secret(),
            server: None,
            name: path.to_owned(),
        }
    }

    /// A database with no migrations applied at all.
    pub fn blank() -> TestDb {
        match pg_url() {
            Some(server) => {
                let name = format!("qinqing_test_{}", unique_suffix());
                let mut admin = admin_conn(&server);
                exec(&mut admin, &format!("CREATE DATABASE {name}"));
                TestDb {
                    url: with_db_name(&server, &name),
                    secret: test_secret(),
                    server: Some(server),
                    name,
                }
            }
            None => TestDb::empty(),
        }
    }

    pub fn is_postgres(&self) -> bool {
        self.server.is_some()
    }

    pub fn backend(&self) -> Backend {
        Backend::from_url(&self.url)
    }

    pub fn connect(&self) -> DbConn {
        match self.backend().connect() {
            Ok(c) => c,
            Err(e) => panic!("connect {}: {e}", self.url),
        }
    }

    pub fn pool(&self) -> Pool {
        let opts = PoolOptions {
            max_size: 4,
            timeout: Duration::from_secs(2),
        };
        match db::build_pool(&self.backend(), &opts) {
            Ok(p) => p,
            Err(e) => panic!("{e}"),
        }
    }

    /// PostgreSQL only: drops the database under the running service (as an outage would).
    pub fn drop_database(&self) {
        if let Some(server) = &self.server {
            let mut admin = admin_conn(server);
            exec(
                &mut admin,
                &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
            );
        }
    }

    /// PostgreSQL only: brings a dropped database back, migrated.
    pub fn recreate_database(&self) {
        if let Some(server) = &self.server {
            let template = pg_template(server);
            let mut admin = admin_conn(server);
            exec(
                &mut admin,
                &format!("CREATE DATABASE {} TEMPLATE {template}", self.name),
            );
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match &self.server {
            Some(server) => {
                if let Ok(mut admin) = Backend::from_url(server).connect() {
                    let _ = admin.batch_execute(&format!(
                        "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                        self.name
                    ));
                }
            }
            None => {
                for suffix in ["", "-wal", "-shm", ".secret"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", self.url));
                }
            }
        }
    }
}

/// The password of every user of the shared demo database.
pub const DEMO_PASSWORD: &str = "qinqing demo 1";

/// A SQLite file holding the demo data set, played back once and shared: by every test of
/// this process, by the next run of the same test binary (the PostgreSQL run after the
/// SQLite one), and, when `QINQING_DEMO_FIXTURE` names a file, by anything else given that
/// file (`.ci/run` hands it to schemathesis). Tests copy it and never write to it. It is
/// made under a file lock (parallel processes wait for one playback), written beside its
/// place and renamed into it, so a file at the path is always a whole demo.
pub fn demo_fixture() -> &'static std::path::Path {
    static FIXTURE: OnceLock<std::path::PathBuf> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let path = match std::env::var_os("QINQING_DEMO_FIXTURE") {
            Some(p) => std::path::PathBuf::from(p),
            None => {
                // Keyed by this test binary: a rebuilt binary (changed code) plays it again.
                use std::hash::{Hash, Hasher};
                let mut h = std::collections::hash_map::DefaultHasher::new();
                if let Ok(meta) = std::env::current_exe().and_then(std::fs::metadata) {
                    meta.len().hash(&mut h);
                    meta.modified().ok().hash(&mut h);
                }
                std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/target/test-demo"))
                    .join(format!("demo-{:016x}.db", h.finish()))
            }
        };
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let lock = std::fs::File::create(path.with_extension("lock"))
            .unwrap_or_else(|e| panic!("the demo fixture's lock: {e}"));
        lock.lock()
            .unwrap_or_else(|e| panic!("locking the demo fixture: {e}"));
        if !path.exists() {
            let part = path.with_extension(format!("part-{}", std::process::id()));
            let _ = std::fs::remove_file(&part);
            let started = std::time::Instant::now();
            {
                let mut conn = match Backend::Sqlite(part.to_string_lossy().into_owned()).connect()
                {
                    Ok(c) => c,
                    Err(e) => panic!("{e}"),
                };
                if let Err(e) = db::migrate(&mut conn) {
                    panic!("{e}");
                }
                let opts = qinqing::demo::Options {
                    password: DEMO_PASSWORD.into(),
                    force: false,
                };
                if let Err(e) = qinqing::demo::load(&mut conn, &opts, &mut |_| {}) {
                    panic!("loading the demo: {e}");
                }
                // One file, nothing left in a write-ahead log beside it.
                exec(&mut conn, "PRAGMA wal_checkpoint(TRUNCATE)");
            }
            for suffix in ["-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", part.display()));
            }
            if let Err(e) = std::fs::rename(&part, &path) {
                panic!("placing the demo fixture: {e}");
            }
            eprintln!(
                "demo fixture played back in {:.1} s: {}",
                started.elapsed().as_secs_f64(),
                path.display()
            );
        }
        let _ = lock.unlock();
        path
    })
}

/// A fresh database of this test's backend holding a copy of the demo: a copy of the file
/// on SQLite, the same rows copied into a fresh database on PostgreSQL.
pub fn demo_db() -> TestDb {
    match pg_url() {
        Some(_) => {
            let db = TestDb::new();
            let mut conn = db.connect();
            if let Err(e) = qinqing::demo::copy_from(&mut conn, demo_fixture(), false, &mut |_| {})
            {
                panic!("copying the demo into PostgreSQL: {e}");
            }
            db
        }
        None => {
            let path = std::env::temp_dir().join(format!("qinqing_demo_{}.db", unique_suffix()));
            if let Err(e) = std::fs::copy(demo_fixture(), &path) {
                panic!("copying the demo: {e}");
            }
            TestDb::at(&path.to_string_lossy())
        }
    }
}

/// The notifier's settings in tests: channels may reach the loopback (where the tests'
/// receivers listen), short timeouts.
pub fn notify_config() -> qinqing::config::NotifyConfig {
    qinqing::config::NotifyConfig {
        channel_allow: qinqing::domain::notice::Allow::parse_list("127.0.0.1")
            .unwrap_or_else(|e| panic!("{e}")),
        public_url: Some("https://qinqing.example.gov.cn".into()),
        timeout: Duration::from_secs(2),
        max_attempts: 3,
        ..Default::default()
    }
}

/// The application as the server builds it, over this test's database.
pub async fn app(
    db: &TestDb,
) -> impl Service<
    actix_http::Request,
    Response = ServiceResponse<impl MessageBody>,
    Error = actix_web::Error,
> {
    app_with(db, &notify_config()).await
}

/// The application with these notifier settings.
pub async fn app_with(
    db: &TestDb,
    notify: &qinqing::config::NotifyConfig,
) -> impl Service<
    actix_http::Request,
    Response = ServiceResponse<impl MessageBody>,
    Error = actix_web::Error,
> {
    app_configured(db, notify, Vec::new(), false).await
}

/// The application with these notifier settings, behind these trusted proxies, serving
/// `/metrics` or not.
pub async fn app_configured(
    db: &TestDb,
    notify: &qinqing::config::NotifyConfig,
    trusted_proxies: Vec<qinqing::domain::notice::Allow>,
    metrics: bool,
) -> impl Service<
    actix_http::Request,
    Response = ServiceResponse<impl MessageBody>,
    Error = actix_web::Error,
> {
    let auth = qinqing::config::AuthConfig {
        trusted_proxies,
        ..auth_config(db)
    };
    app_tuned(db, notify, &auth, move |state| {
        state.metrics_public = metrics
    })
    .await
}

/// The application with its shared state set as a test needs (file limits, a file store).
pub async fn app_tuned(
    db: &TestDb,
    notify: &qinqing::config::NotifyConfig,
    auth: &qinqing::config::AuthConfig,
    tune: impl FnOnce(&mut qinqing::http::AppState),
) -> impl Service<
    actix_http::Request,
    Response = ServiceResponse<impl MessageBody>,
    Error = actix_web::Error,
> {
    let mut state = match qinqing::server::build_state(db.pool(), &db.backend(), auth, notify) {
        Ok(s) => s,
        Err(e) => panic!("{e}"),
    };
    tune(&mut state);
    test::init_service(qinqing::app::app(state)).await
}

pub const PASSWORD: &str = "correct horse battery";

/// The sign-in settings of a test's application: its database's token secret, tokens for
/// an hour, plain HTTP, no proxy.
pub fn auth_config(db: &TestDb) -> qinqing::config::AuthConfig {
    qinqing::config::AuthConfig {
        jwt_secret: Some(db.secret.clone()),
        token_ttl_seconds: 3600,
        admin_password: None,
        cookie_secure: false,
        trusted_proxies: Vec::new(),
    }
}

/// Creates an administrator directly in the database (the way bootstrap does) and signs
/// in over HTTP; returns the token.
pub async fn admin_token<S, B>(app: &S, db: &TestDb) -> String
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let new = qinqing::store::users::NewUser {
        username: "admin".into(),
        password_hash: qinqing::auth::password::hash(PASSWORD).unwrap_or_default(),
        display_name: "管理员".into(),
        role: "admin".into(),
        region_id: None,
        department_id: None,
        enterprise_id: None,
    };
    let mut conn = db.connect();
    if let Err(e) = qinqing::service::users::insert(&mut conn, &new) {
        panic!("{e}");
    }
    login(app, "admin", PASSWORD).await
}

/// Signs in; panics unless it succeeds.
pub async fn login<S, B>(app: &S, username: &str, password: &str) -> String
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let body = serde_json::json!({"username": username, "password": password});
    let r = send(app, Method::POST, "/api/v1/auth/login", None, Some(&body)).await;
    assert_eq!(r.status, 200, "login {username}: {}", r.text);
    r.body["access_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// POSTs as `token` and returns the new object's id; panics unless 201.
pub async fn create<S, B>(app: &S, token: &str, path: &str, body: Value) -> i64
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let r = send(app, Method::POST, path, Some(token), Some(&body)).await;
    assert_eq!(r.status, 201, "POST {path}: {}", r.text);
    r.body["id"].as_i64().unwrap_or_default()
}

/// What a test reads back from one request.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: header::HeaderMap,
    pub body: Value,
    pub text: String,
    /// The body as sent (a download's bytes).
    pub bytes: Vec<u8>,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }

    /// Asserts a problem+json answer with this status; returns it for further checks.
    pub fn problem(&self, status: u16) -> &Self {
        assert_eq!(self.status.as_u16(), status, "{}", self.text);
        assert_eq!(
            self.header("content-type").as_deref(),
            Some("application/problem+json"),
            "{}",
            self.text
        );
        assert_eq!(self.body["status"], status, "{}", self.text);
        for key in ["type", "title", "detail"] {
            assert!(self.body[key].is_string(), "{key} in {}", self.text);
        }
        assert!(self.body["errors"].is_array(), "{}", self.text);
        self
    }

    /// The fields named in `errors[]`.
    pub fn error_fields(&self) -> Vec<String> {
        self.body["errors"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|e| e["field"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Sends one request to the app.
pub async fn send<S, B>(
    app: &S,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> Reply
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let mut req = test::TestRequest::default().method(method).uri(path);
    if let Some(t) = token {
        req = req.insert_header((header::AUTHORIZATION, format!("Bearer {t}")));
    }
    if let Some(b) = body {
        req = req.set_json(b);
    }
    send_request(app, req).await
}

/// Sends a prepared request (for raw bodies and custom headers).
pub async fn send_request<S, B>(app: &S, req: test::TestRequest) -> Reply
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let request = req.to_request();
    let (method, path) = (request.method().to_string(), request.path().to_owned());
    let (status, headers, bytes) = match app.call(request).await {
        Ok(resp) => {
            let (status, headers) = (resp.status(), resp.headers().clone());
            match actix_web::body::to_bytes(resp.into_body()).await {
                Ok(b) => (status, headers, b),
                Err(_) => panic!("could not read the body"),
            }
        }
        Err(e) => {
            let resp = e.error_response();
            let (status, headers) = (resp.status(), resp.headers().clone());
            match actix_web::body::to_bytes(resp.into_body()).await {
                Ok(b) => (status, headers, b),
                Err(_) => panic!("could not read the body"),
            }
        }
    };
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    spec::check(&method, &path, status.as_u16(), content_type, &body);
    Reply {
        status,
        headers,
        body,
        text,
        bytes: bytes.to_vec(),
    }
}

/// A valid credit code whose body ends with `n` (for test enterprises).
pub fn credit_code(n: u32) -> String {
    let body = format!("91330500MA{n:07}");
    let check = qinqing::domain::credit_code::check_character(&body).unwrap_or('0');
    format!("{body}{check}")
}

/// Region ids of the seeded Huzhou tree, by code.
pub const CITY: i64 = 1; // 湖州市 330500
pub const DEQING: i64 = 4; // 德清县 330521
pub const CHANGXING: i64 = 5; // 长兴县 330522

/// A small world with a user of every role, and a second user of each scoped role outside
/// the first one's scope: `tokens` and `ids` by name.
pub struct World {
    pub tokens: std::collections::HashMap<&'static str, String>,
    pub ids: std::collections::HashMap<&'static str, i64>,
}

impl World {
    pub fn token(&self, name: &str) -> Option<&str> {
        self.tokens.get(name).map(String::as_str)
    }
    pub fn id(&self, name: &str) -> i64 {
        self.ids
            .get(name)
            .copied()
            .unwrap_or_else(|| panic!("no id {name}"))
    }
}

/// Every caller of the authorization matrix, in order; "anon" has no token.
pub const CALLERS: [&str; 11] = [
    "anon",
    "admin",
    "coord_city",
    "coord_a",
    "coord_b",
    "leader_city",
    "leader_b",
    "dept_a",
    "dept_b",
    "ent_a",
    "ent_b",
];

pub async fn world<S, B>(app: &S, db: &TestDb) -> World
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    use serde_json::json;
    let admin = admin_token(app, db).await;
    let mut ids = std::collections::HashMap::new();
    let dept_a = create(
        app,
        &admin,
        "/api/v1/departments",
        json!({"name": "德清县经信局", "region_id": DEQING}),
    )
    .await;
    let dept_b = create(
        app,
        &admin,
        "/api/v1/departments",
        json!({"name": "长兴县经信局", "region_id": CHANGXING}),
    )
    .await;
    let ent_a = create(
        app,
        &admin,
        "/api/v1/enterprises",
        json!({"name": "德清甲公司", "credit_code": credit_code(1), "region_id": DEQING,
               "industry": "制造业", "size": "small", "contact_name": "张三", "contact_phone": "0572-8000001"}),
    )
    .await;
    let ent_b = create(
        app,
        &admin,
        "/api/v1/enterprises",
        json!({"name": "长兴乙公司", "credit_code": credit_code(2), "region_id": CHANGXING,
               "industry": "新能源", "size": "medium", "contact_name": "李四", "contact_phone": "0572-6000002"}),
    )
    .await;
    ids.insert("dept_a_department", dept_a);
    ids.insert("dept_b_department", dept_b);
    ids.insert("ent_a_enterprise", ent_a);
    ids.insert("ent_b_enterprise", ent_b);
    let users: [(&'static str, Value); 10] = [
        (
            "coord_city",
            json!({"role": "coordinator", "region_id": CITY}),
        ),
        (
            "coord_a",
            json!({"role": "coordinator", "region_id": DEQING}),
        ),
        (
            "coord_b",
            json!({"role": "coordinator", "region_id": CHANGXING}),
        ),
        ("leader_city", json!({"role": "leader", "region_id": CITY})),
        (
            "leader_b",
            json!({"role": "leader", "region_id": CHANGXING}),
        ),
        (
            "dept_a",
            json!({"role": "department", "department_id": dept_a}),
        ),
        (
            "dept_b",
            json!({"role": "department", "department_id": dept_b}),
        ),
        (
            "ent_a",
            json!({"role": "enterprise", "enterprise_id": ent_a}),
        ),
        (
            "ent_b",
            json!({"role": "enterprise", "enterprise_id": ent_b}),
        ),
        ("spare", json!({"role": "leader", "region_id": DEQING})),
    ];
    let mut tokens = std::collections::HashMap::new();
    tokens.insert("admin", admin.clone());
    for (name, mut body) in users {
        let username = name.replace('_', ".");
        body["username"] = json!(username);
        body["password"] = json!(PASSWORD);
        body["display_name"] = json!(name);
        let id = create(app, &admin, "/api/v1/users", body).await;
        ids.insert(name, id);
        if name != "spare" {
            tokens.insert(name, login(app, &username, PASSWORD).await);
        }
    }
    // Edition 1 on 2022-06-08 with a forum in 德清 (attended by dept_a and by a person of
    // ent_a) and one in 长兴.
    let coord = tokens.get("coord_city").cloned().unwrap_or_default();
    let body = json!({"held_on": "2022-06-08", "record": true, "theme": "助企纾困", "region_ids": [DEQING, CHANGXING]});
    let r = send(
        app,
        Method::POST,
        "/api/v1/editions/plan",
        Some(&coord),
        Some(&body),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    ids.insert(
        "edition",
        r.body["edition"]["id"].as_i64().unwrap_or_default(),
    );
    let forum_a = r.body["forums"][0]["id"].as_i64().unwrap_or_default();
    ids.insert("forum_a", forum_a);
    ids.insert(
        "forum_b",
        r.body["forums"][1]["id"].as_i64().unwrap_or_default(),
    );
    let body = json!({"department_ids": [dept_a], "venue": "德清县行政中心", "chair_name": "王副县长", "chair_title": "副县长"});
    let r = send(
        app,
        Method::PATCH,
        &format!("/api/v1/forums/{forum_a}"),
        Some(&coord),
        Some(&body),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let body = json!({"person_name": "张三", "title": "总经理", "enterprise_id": ent_a});
    let r = send(
        app,
        Method::POST,
        &format!("/api/v1/forums/{forum_a}/attendees"),
        Some(&coord),
        Some(&body),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    World { tokens, ids }
}

/// Percent-encodes a query value (Chinese search text).
pub fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
