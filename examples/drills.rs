//! Drills: what the service does on a bad day, measured against the built program over real
//! sockets, and printed.
//!
//! 1. kill -9 during writes: eight clients live issues through (file → assign → sign →
//!    answer → rate) while the server is killed with SIGKILL and started again, several
//!    times; then every acknowledged write is looked for in the database, and repeats of
//!    one filing are counted.
//! 2. PostgreSQL restart (with `--restart-postgres`): readers and writers run while the
//!    cluster restarts; every answer is counted by status, a 503 must carry `Retry-After`,
//!    and the time until the first success after the restart is printed.
//! 3. Sign-in burst: 400 valid sign-ins, 64 at a time, while one client reads the issue
//!    list; prints the server's peak memory (VmHWM) and the reads' p50/p99.
//!
//! The drills exit non-zero when a write is lost or repeated, an answer other than 2xx or
//! 503-with-Retry-After comes during the restart, or the burst's peak memory reaches 300 MB.
//!
//! cargo build --release && cargo run --release --example drills
//! cargo run --release --example drills -- --pg postgres://postgres@127.0.0.1:5432/postgres --restart-postgres

use std::collections::{BTreeMap, HashMap, HashSet};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::Parser;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use serde_json::{json, Value};

#[derive(Parser)]
struct Args {
    /// A PostgreSQL server URL: the drills run there too, in a database of their own
    #[arg(long)]
    pg: Option<String>,
    /// Restart the local PostgreSQL cluster under load (drill 2; needs --pg)
    #[arg(long)]
    restart_postgres: bool,
    /// How many times drill 1 kills the server
    #[arg(long, default_value_t = 3)]
    kills: usize,
    /// Sign-ins in drill 3, and how many at a time
    #[arg(long, default_value_t = 400)]
    sign_ins: usize,
    #[arg(long, default_value_t = 64)]
    concurrent: usize,
}

const PASSWORD: &str = "drill password 2026";
const MEMORY_LIMIT_MB: f64 = 300.0;
const WRITERS: usize = 8;

fn fail(message: impl std::fmt::Display) -> ! {
    eprintln!("drills: {message}");
    std::process::exit(1);
}

/// The built `qinqing` beside this example's own directory (`target/release/`).
fn program() -> std::path::PathBuf {
    let exe = std::env::current_exe().unwrap_or_else(|e| fail(e));
    let dir = exe
        .parent()
        .and_then(|d| d.parent())
        .unwrap_or_else(|| fail("no target directory"));
    let bin = dir.join("qinqing");
    if !bin.exists() {
        fail(format!(
            "{} is not built: run `cargo build --release` first",
            bin.display()
        ));
    }
    bin
}

struct Server {
    bin: std::path::PathBuf,
    database: String,
    secret: String,
    port: u16,
    /// Where the server's own log goes (its errors during the drills are expected).
    log: std::path::PathBuf,
    child: Option<Child>,
}

impl Server {
    fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Starts the server and waits until it is ready; returns how long that took.
    fn start(&mut self) -> Duration {
        let started = Instant::now();
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .unwrap_or_else(|e| fail(format!("{}: {e}", self.log.display())));
        let child = Command::new(&self.bin)
            .args(["--bind", &format!("127.0.0.1:{}", self.port)])
            .args(["--log-level", "error", "--no-scheduler"])
            .env("DATABASE_URL", &self.database)
            .env("QINQING_JWT_SECRET", &self.secret)
            .env("QINQING_ADMIN_PASSWORD", PASSWORD)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| fail(format!("starting {}: {e}", self.bin.display())));
        self.child = Some(child);
        let agent = agent();
        while started.elapsed() < Duration::from_secs(60) {
            if let Ok(r) = agent.get(format!("{}/readyz", self.base())).call() {
                if r.status() == 200 {
                    return started.elapsed();
                }
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        fail(format!(
            "the server did not become ready within 60 s; its log: {}",
            self.log.display()
        ))
    }

    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill(); // SIGKILL
            let _ = child.wait();
        }
    }

    fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(15)))
        .build()
        .into()
}

/// One request; a network failure (the server gone) is `Err`.
fn call(
    agent: &ureq::Agent,
    method: &str,
    url: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> Result<(u16, Value, bool), String> {
    let auth = token.map(|t| format!("Bearer {t}"));
    let result = match (method, body) {
        ("GET", _) => {
            let mut req = agent.get(url);
            if let Some(a) = &auth {
                req = req.header("Authorization", a);
            }
            req.call()
        }
        (_, b) => {
            let mut req = agent.post(url).header("Content-Type", "application/json");
            if let Some(a) = &auth {
                req = req.header("Authorization", a);
            }
            req.send(b.map(Value::to_string).unwrap_or_default())
        }
    };
    let mut response = result.map_err(|e| e.to_string())?;
    let status = response.status().as_u16();
    let retry_after = response.headers().contains_key("retry-after");
    let text = response
        .body_mut()
        .read_to_string()
        .map_err(|e| e.to_string())?;
    Ok((
        status,
        serde_json::from_str(&text).unwrap_or(Value::Null),
        retry_after,
    ))
}

fn sign_in(agent: &ureq::Agent, base: &str, username: &str) -> Result<String, String> {
    let body = json!({"username": username, "password": PASSWORD});
    match call(
        agent,
        "POST",
        &format!("{base}/api/v1/auth/login"),
        None,
        Some(&body),
    )? {
        (200, v, _) => Ok(v["access_token"].as_str().unwrap_or_default().to_owned()),
        (s, v, _) => Err(format!("sign-in of {username}: {s} {v}")),
    }
}

fn credit_code(n: u32) -> String {
    let body = format!("91330500MD{n:07}");
    let check = qinqing::domain::credit_code::check_character(&body).unwrap_or('0');
    format!("{body}{check}")
}

struct Cast {
    coordinator: String,
    department: String,
    department_id: i64,
    enterprise: String,
}

/// A department, an enterprise, and a coordinator, handler and entrepreneur of 德清 (region 4).
fn cast(server: &Server) -> Cast {
    let (agent, base) = (agent(), server.base());
    let admin = sign_in(&agent, &base, "admin").unwrap_or_else(|e| fail(e));
    let create = |path: &str, body: Value| -> i64 {
        match call(
            &agent,
            "POST",
            &format!("{base}{path}"),
            Some(&admin),
            Some(&body),
        ) {
            Ok((201, v, _)) => v["id"].as_i64().unwrap_or_default(),
            other => fail(format!("POST {path}: {other:?}")),
        }
    };
    let department_id = create(
        "/api/v1/departments",
        json!({"name": "德清县经信局", "region_id": 4}),
    );
    let enterprise_id = create(
        "/api/v1/enterprises",
        json!({"name": "德清演练公司", "credit_code": credit_code(1), "region_id": 4,
               "industry": "制造业", "size": "small", "contact_name": "张三",
               "contact_phone": "0572-8000001"}),
    );
    for (username, body) in [
        (
            "drill.coord",
            json!({"role": "coordinator", "region_id": 4}),
        ),
        (
            "drill.dept",
            json!({"role": "department", "department_id": department_id}),
        ),
        (
            "drill.ent",
            json!({"role": "enterprise", "enterprise_id": enterprise_id}),
        ),
    ] {
        let mut body = body;
        body["username"] = json!(username);
        body["password"] = json!(PASSWORD);
        body["display_name"] = json!(username);
        create("/api/v1/users", body);
    }
    let token = |u: &str| sign_in(&agent, &base, u).unwrap_or_else(|e| fail(e));
    Cast {
        coordinator: token("drill.coord"),
        department: token("drill.dept"),
        department_id,
        enterprise: token("drill.ent"),
    }
}

/// One acknowledged write: the issue's title (for filings) or id, and the event it made.
#[derive(Clone)]
struct Ack {
    title: String,
    id: i64,
    action: &'static str,
}

/// Lives issues through until `stop`; returns the writes the server acknowledged.
fn writer(n: usize, base: String, cast: Arc<Cast>, stop: Arc<AtomicBool>) -> Vec<Ack> {
    let agent = agent();
    let mut acks = Vec::new();
    let mut k = 0;
    while !stop.load(Ordering::Relaxed) {
        k += 1;
        let title = format!("演练 {n}-{k} 厂房用地指标");
        let filing = json!({"title": title, "description": "演练中提交的问题", "category": "land",
                            "channel": "online"});
        let id = match call(
            &agent,
            "POST",
            &format!("{base}/api/v1/issues"),
            Some(&cast.enterprise),
            Some(&filing),
        ) {
            Ok((201, v, _)) => v["id"].as_i64().unwrap_or_default(),
            Ok(_) | Err(_) => {
                // Refused or the server is gone: wait for it, and start a new issue.
                std::thread::sleep(Duration::from_millis(20));
                continue;
            }
        };
        acks.push(Ack {
            title: title.clone(),
            id,
            action: "filed",
        });
        let steps: [(&str, &str, Value, &'static str); 4] = [
            (
                &cast.coordinator,
                "assign",
                json!({"lead_department_id": cast.department_id}),
                "assigned",
            ),
            (&cast.department, "sign", json!({}), "signed"),
            (
                &cast.department,
                "answer",
                json!({"outcome": "resolved", "text": "已协调落实用地指标"}),
                "answered",
            ),
            (
                &cast.enterprise,
                "rating",
                json!({"solved": true, "rating": "satisfied"}),
                "rated",
            ),
        ];
        for (token, action, body, event) in steps {
            let url = format!("{base}/api/v1/issues/{id}/{action}");
            match call(&agent, "POST", &url, Some(token), Some(&body)) {
                Ok((200, _, _)) => acks.push(Ack {
                    title: title.clone(),
                    id,
                    action: event,
                }),
                _ => break,
            }
        }
    }
    acks
}

#[derive(QueryableByName)]
struct TitleCount {
    #[diesel(sql_type = Text)]
    title: String,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct Event {
    #[diesel(sql_type = BigInt)]
    issue_id: i64,
    #[diesel(sql_type = Text)]
    action: String,
}

/// Drill 1. Returns false when a write was lost or repeated.
fn kill_drill(server: &mut Server, cast: Arc<Cast>, kills: usize) -> bool {
    let stop = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = (0..WRITERS)
        .map(|n| {
            let (base, cast, stop) = (server.base(), cast.clone(), stop.clone());
            std::thread::spawn(move || writer(n, base, cast, stop))
        })
        .collect();
    let mut restarts = Vec::new();
    for _ in 0..kills {
        std::thread::sleep(Duration::from_millis(2500));
        server.kill();
        restarts.push(server.start());
    }
    std::thread::sleep(Duration::from_millis(1500));
    stop.store(true, Ordering::Relaxed);
    let acks: Vec<Ack> = writers
        .into_iter()
        .flat_map(|w| w.join().unwrap_or_default())
        .collect();

    let mut conn = qinqing::db::Backend::from_url(&server.database)
        .connect()
        .unwrap_or_else(|e| fail(e));
    let titles: Vec<TitleCount> = diesel::sql_query(
        "SELECT title, count(*) AS n FROM issues WHERE title LIKE '演练 %' GROUP BY title",
    )
    .load(&mut conn)
    .unwrap_or_else(|e| fail(e));
    let stored: HashMap<String, i64> = titles.into_iter().map(|t| (t.title, t.n)).collect();
    let events: Vec<Event> = diesel::sql_query("SELECT issue_id, action FROM issue_events")
        .load(&mut conn)
        .unwrap_or_else(|e| fail(e));
    let events: HashSet<(i64, String)> =
        events.into_iter().map(|e| (e.issue_id, e.action)).collect();
    let lost = acks
        .iter()
        .filter(|a| {
            if a.action == "filed" {
                !stored.contains_key(&a.title)
            } else {
                !events.contains(&(a.id, a.action.to_owned()))
            }
        })
        .count();
    let repeated = stored.values().filter(|n| **n > 1).count();
    let filings = acks.iter().filter(|a| a.action == "filed").count();
    let restart_ms: Vec<u128> = restarts.iter().map(Duration::as_millis).collect();
    println!(
        "  kill -9 ×{kills} during writes: {} acknowledged writes ({filings} filings, {} later steps); lost {lost}; filings stored twice {repeated}; restart to ready {restart_ms:?} ms",
        acks.len(),
        acks.len() - filings,
    );
    lost == 0 && repeated == 0
}

/// Drill 2 (PostgreSQL): answers by status while the cluster restarts.
fn restart_drill(server: &Server, cast: Arc<Cast>) -> bool {
    let stop = Arc::new(AtomicBool::new(false));
    let tally: Arc<Mutex<BTreeMap<String, usize>>> = Arc::default();
    let first_ok_after: Arc<Mutex<Option<Instant>>> = Arc::default();
    let restarted_at: Arc<Mutex<Option<Instant>>> = Arc::default();
    let clients: Vec<_> = (0..6)
        .map(|n| {
            let (base, cast, stop) = (server.base(), cast.clone(), stop.clone());
            let (tally, first, restarted) =
                (tally.clone(), first_ok_after.clone(), restarted_at.clone());
            std::thread::spawn(move || {
                let agent = agent();
                let mut k = 0;
                while !stop.load(Ordering::Relaxed) {
                    k += 1;
                    let answer = if n % 2 == 0 {
                        let body = json!({"title": format!("重启演练 {n}-{k}"), "description": "x",
                                          "category": "tax", "channel": "online"});
                        call(
                            &agent,
                            "POST",
                            &format!("{base}/api/v1/issues"),
                            Some(&cast.enterprise),
                            Some(&body),
                        )
                    } else {
                        call(
                            &agent,
                            "GET",
                            &format!("{base}/api/v1/issues?per_page=20"),
                            Some(&cast.coordinator),
                            None,
                        )
                    };
                    let key = match &answer {
                        Ok((s, _, retry)) if *s == 503 && !*retry => {
                            "503 without Retry-After".into()
                        }
                        Ok((s, _, _)) => s.to_string(),
                        Err(e) => format!("no answer: {e}"),
                    };
                    if matches!(answer, Ok((200 | 201, _, _))) {
                        if let (Ok(r), Ok(mut f)) = (restarted.lock(), first.lock()) {
                            if r.is_some() && f.is_none() {
                                *f = Some(Instant::now());
                            }
                        }
                    }
                    if let Ok(mut t) = tally.lock() {
                        *t.entry(key).or_default() += 1;
                    }
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_secs(3));
    let version = std::fs::read_dir("/etc/postgresql")
        .ok()
        .and_then(|mut d| d.next())
        .and_then(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .unwrap_or_else(|| fail("no cluster under /etc/postgresql"));
    let began = Instant::now();
    let status = Command::new("pg_ctlcluster")
        .args(["--skip-systemctl-redirect", &version, "main", "restart"])
        .status()
        .unwrap_or_else(|e| fail(format!("pg_ctlcluster: {e}")));
    if !status.success() {
        fail("pg_ctlcluster restart failed");
    }
    if let Ok(mut r) = restarted_at.lock() {
        *r = Some(Instant::now());
    }
    let restart_took = began.elapsed();
    std::thread::sleep(Duration::from_secs(5));
    stop.store(true, Ordering::Relaxed);
    for c in clients {
        let _ = c.join();
    }
    let tally = tally.lock().map(|t| t.clone()).unwrap_or_default();
    let recovered = match (restarted_at.lock(), first_ok_after.lock()) {
        (Ok(r), Ok(f)) => match (*r, *f) {
            (Some(r), Some(f)) => format!("{} ms", f.saturating_duration_since(r).as_millis()),
            _ => "never".into(),
        },
        _ => "unknown".into(),
    };
    println!(
        "  PostgreSQL restart ({} ms) under 6 clients: answers {tally:?}; first success {recovered} after the cluster was back",
        restart_took.as_millis()
    );
    tally
        .keys()
        .all(|k| matches!(k.as_str(), "200" | "201" | "503"))
        && recovered != "never"
}

/// The process's peak and current resident memory, in MB (Linux).
fn memory_mb(pid: u32) -> (f64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| -> f64 {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    };
    (field("VmHWM:"), field("VmRSS:"))
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

/// Drill 3. Returns false when the peak memory reaches the limit.
fn sign_in_burst(server: &Server, cast: Arc<Cast>, total: usize, concurrent: usize) -> bool {
    let (before_peak, before) = memory_mb(server.pid());
    let stop = Arc::new(AtomicBool::new(false));
    let reader = {
        let (base, cast, stop) = (server.base(), cast.clone(), stop.clone());
        std::thread::spawn(move || {
            let agent = agent();
            let mut times = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                let t = Instant::now();
                let url = format!("{base}/api/v1/issues?per_page=20");
                if let Ok((200, _, _)) = call(&agent, "GET", &url, Some(&cast.coordinator), None) {
                    times.push(t.elapsed());
                }
                std::thread::sleep(Duration::from_millis(5));
            }
            times
        })
    };
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let tally: Arc<Mutex<BTreeMap<u16, usize>>> = Arc::default();
    let started = Instant::now();
    let workers: Vec<_> = (0..concurrent)
        .map(|_| {
            let (base, next, tally) = (server.base(), next.clone(), tally.clone());
            std::thread::spawn(move || {
                let agent = agent();
                while next.fetch_add(1, Ordering::Relaxed) < total {
                    let body = json!({"username": "drill.dept", "password": PASSWORD});
                    let url = format!("{base}/api/v1/auth/login");
                    let status = call(&agent, "POST", &url, None, Some(&body)).map_or(0, |r| r.0);
                    if let Ok(mut t) = tally.lock() {
                        *t.entry(status).or_default() += 1;
                    }
                }
            })
        })
        .collect();
    for w in workers {
        let _ = w.join();
    }
    let took = started.elapsed();
    stop.store(true, Ordering::Relaxed);
    let mut reads = reader.join().unwrap_or_default();
    reads.sort();
    let (peak, now) = memory_mb(server.pid());
    let tally = tally.lock().map(|t| t.clone()).unwrap_or_default();
    println!(
        "  {total} sign-ins, {concurrent} at a time: answers {tally:?} in {:.1} s; server memory {before:.0} MB before (peak {before_peak:.0}), peak {peak:.0} MB, {now:.0} MB after; {} reads meanwhile p50 {:.1} ms p99 {:.1} ms",
        took.as_secs_f64(),
        reads.len(),
        percentile(&reads, 0.5),
        percentile(&reads, 0.99),
    );
    peak < MEMORY_LIMIT_MB
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| fail(e))
}

fn random_hex() -> String {
    use argon2::password_hash::rand_core::{OsRng, RngCore};
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Runs the drills against one fresh database; returns whether all held.
fn drill(
    bin: &std::path::Path,
    database: &str,
    log: std::path::PathBuf,
    postgres: bool,
    args: &Args,
) -> bool {
    println!("  (the server's log: {})", log.display());
    let mut server = Server {
        bin: bin.to_owned(),
        database: database.to_owned(),
        secret: random_hex(),
        port: free_port(),
        log,
        child: None,
    };
    server.start();
    let cast = Arc::new(cast(&server));
    let mut held = kill_drill(&mut server, cast.clone(), args.kills);
    if postgres && args.restart_postgres {
        held &= restart_drill(&server, cast.clone());
    }
    // The burst on a freshly started process, so its peak is the burst's own.
    server.kill();
    server.start();
    held &= sign_in_burst(&server, cast, args.sign_ins, args.concurrent);
    held
}

fn main() {
    let args = Args::parse();
    let bin = program();
    let mut held = true;

    let dir = std::env::temp_dir().join(format!("qinqing-drills-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| fail(e));
    let file = dir.join("drills.db").to_string_lossy().into_owned();
    println!("SQLite ({file}):");
    held &= drill(&bin, &file, dir.join("sqlite-server.log"), false, &args);

    if let Some(server) = &args.pg {
        let name = format!("qinqing_drills_{}", std::process::id());
        let admin = || {
            qinqing::db::Backend::from_url(server)
                .connect()
                .unwrap_or_else(|e| fail(e))
        };
        use diesel::connection::SimpleConnection;
        admin()
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap_or_else(|e| fail(e));
        let url = match server.rsplit_once('/') {
            Some((head, _)) => format!("{head}/{name}"),
            None => fail("--pg: expected postgres://…/database"),
        };
        println!("PostgreSQL ({url}):");
        held &= drill(&bin, &url, dir.join("postgres-server.log"), true, &args);
        let _ = admin().batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
    }
    if held {
        let _ = std::fs::remove_dir_all(&dir);
    }
    if held {
        println!("drills: every write acknowledged was found once; the limits held");
    } else {
        println!("drills: FAILED (see above)");
        std::process::exit(1);
    }
}
