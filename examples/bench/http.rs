//! The request paths over a real socket, each beside its floor: the thinnest actix-web
//! handler doing the same database work through a pool of the same size, served the same
//! way and driven by the same client (keep-alive HTTP/1.1 connections, one thread each,
//! for a fixed time). Runs alternate (path, floor, path, floor, …) so both see the same
//! machine; every line prints throughput, p50 and p99.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use actix_web::{web, HttpResponse};
use chrono::Utc;
use diesel::prelude::*;
use qinqing::db::{self, Pool};
use qinqing::domain::issue::{Category, Channel, EventKind};
use qinqing::domain::lifecycle::State;
use qinqing::store::issues::{IssueRow, NewIssue};
use qinqing::store::schema::{issue_events, issues};

/// Serves an app factory on a free loopback port with the given number of workers, in its
/// own thread and actix system, for the rest of the run; evaluates to the address.
#[macro_export]
macro_rules! serve {
    ($workers:expr, $factory:expr) => {{
        let (tx, rx) = std::sync::mpsc::channel();
        let factory = $factory;
        let workers = $workers;
        std::thread::spawn(move || {
            let system = actix_rt::System::new();
            let run = system.block_on(async move {
                let server = actix_web::HttpServer::new(factory)
                    .workers(workers)
                    .bind("127.0.0.1:0")?;
                let _ = tx.send(server.addrs()[0]);
                server.run().await
            });
            if let Err(e) = run {
                eprintln!("bench: a server stopped: {e}");
            }
        });
        match rx.recv() {
            Ok(addr) => addr,
            Err(_) => {
                eprintln!("bench: a server could not start");
                std::process::exit(1);
            }
        }
    }};
}

/// One keep-alive connection speaking just enough HTTP/1.1 for the benchmark.
struct Client {
    reader: BufReader<TcpStream>,
}

impl Client {
    fn connect(addr: SocketAddr) -> std::io::Result<Client> {
        let stream = TcpStream::connect(addr)?;
        stream.set_nodelay(true)?;
        Ok(Client {
            reader: BufReader::new(stream),
        })
    }

    /// Sends a request and reads the whole answer; its status.
    fn call(&mut self, request: &[u8]) -> std::io::Result<u16> {
        self.exchange(request).map(|(status, _)| status)
    }

    /// Sends a request and reads the whole answer; its status and body.
    fn exchange(&mut self, request: &[u8]) -> std::io::Result<(u16, Vec<u8>)> {
        self.reader.get_mut().write_all(request)?;
        let mut line = String::new();
        self.reader.read_line(&mut line)?;
        let status: u16 = line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let mut length = 0usize;
        let mut chunked = false;
        loop {
            line.clear();
            self.reader.read_line(&mut line)?;
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            let lower = header.to_ascii_lowercase();
            if let Some(v) = lower.strip_prefix("content-length:") {
                length = v.trim().parse().unwrap_or(0);
            } else if lower.starts_with("transfer-encoding:") && lower.contains("chunked") {
                chunked = true;
            }
        }
        let mut body = Vec::new();
        if chunked {
            loop {
                line.clear();
                self.reader.read_line(&mut line)?;
                let size = usize::from_str_radix(line.trim(), 16).unwrap_or(0);
                let mut chunk = vec![0; size + 2];
                self.reader.read_exact(&mut chunk)?;
                if size == 0 {
                    break;
                }
                body.extend_from_slice(&chunk[..size]);
            }
        } else {
            body = vec![0; length];
            self.reader.read_exact(&mut body)?;
        }
        Ok((status, body))
    }
}

/// What one run measured.
pub struct Run {
    pub per_second: f64,
    pub latencies: Vec<Duration>,
}

/// Drives `connections` connections for `seconds`; on each, `each` (connection index,
/// request number) does one timed piece of work. A connection stops at its first failure,
/// which is printed; the benchmark stops when any failed.
fn run_connections(
    addr: SocketAddr,
    connections: usize,
    seconds: f64,
    each: &(dyn Fn(&mut Client, usize, u64) -> Result<(), String> + Sync),
) -> Run {
    let failures = AtomicU64::new(0);
    let started = Instant::now();
    let until = started + Duration::from_secs_f64(seconds);
    let latencies: Vec<Duration> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..connections)
            .map(|c| {
                let failures = &failures;
                s.spawn(move || {
                    let mut seen = Vec::new();
                    let mut client = match Client::connect(addr) {
                        Ok(client) => client,
                        Err(e) => {
                            failures.fetch_add(1, Ordering::Relaxed);
                            eprintln!("bench: cannot connect: {e}");
                            return seen;
                        }
                    };
                    let mut k = 0u64;
                    while Instant::now() < until {
                        k += 1;
                        let t = Instant::now();
                        match each(&mut client, c, k) {
                            Ok(()) => seen.push(t.elapsed()),
                            Err(e) => {
                                if failures.fetch_add(1, Ordering::Relaxed) == 0 {
                                    eprintln!("bench: {e} (after {:?}, try {k})", t.elapsed());
                                }
                                break;
                            }
                        }
                    }
                    seen
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    });
    let elapsed = started.elapsed().as_secs_f64();
    let failed = failures.load(Ordering::Relaxed);
    if failed > 0 {
        eprintln!("bench: {failed} connections failed");
        std::process::exit(1);
    }
    Run {
        per_second: latencies.len() as f64 / elapsed,
        latencies,
    }
}

/// Drives `connections` connections for `seconds`, each sending the requests `make` gives
/// (connection index, request number) and expecting `want`.
pub fn drive(
    addr: SocketAddr,
    connections: usize,
    seconds: f64,
    want: u16,
    make: &(dyn Fn(usize, u64) -> Vec<u8> + Sync),
) -> Run {
    run_connections(
        addr,
        connections,
        seconds,
        &|client, c, k| match client.call(&make(c, k)) {
            Ok(status) if status == want => Ok(()),
            Ok(status) => Err(format!("answered {status}, not {want}")),
            Err(e) => Err(e.to_string()),
        },
    )
}

/// The tokens of the cast of an issue's life.
pub struct Cast<'a> {
    pub coordinator: &'a str,
    pub department: &'a str,
    pub department_id: i64,
    pub enterprise: &'a str,
    pub enterprise_id: i64,
}

/// Drives `connections` connections for `seconds`, each taking issues through their whole
/// life, one request after another: filed by the coordinator, assigned, signed for and
/// answered by the department, rated by the enterprise. A latency is one whole life.
pub fn drive_lives(addr: SocketAddr, connections: usize, seconds: f64, cast: &Cast) -> Run {
    run_connections(addr, connections, seconds, &|client, c, k| {
        live(client, cast, c, k).map_err(|e| format!("an issue's life failed: {e}"))
    })
}

fn live(client: &mut Client, cast: &Cast, c: usize, k: u64) -> Result<(), String> {
    let filing = format!(
        r#"{{"title":"厂房扩建用地指标{c}-{k}","description":"企业计划扩建厂房，需新增用地指标。","category":"land","channel":"visit","enterprise_id":{}}}"#,
        cast.enterprise_id
    );
    let (status, body) = client
        .exchange(&post("/api/v1/issues", Some(cast.coordinator), &filing))
        .map_err(|e| e.to_string())?;
    if status != 201 {
        return Err(format!("filing answered {status}"));
    }
    let id = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v["id"].as_i64())
        .ok_or("filing answered no id")?;
    let assign = format!(r#"{{"lead_department_id":{}}}"#, cast.department_id);
    let steps = [
        (cast.coordinator, "assign", assign.as_str()),
        // Signing takes no body: a body the handler leaves unread makes the server close
        // the connection after answering (a client must then reconnect).
        (cast.department, "sign", ""),
        (
            cast.department,
            "answer",
            r#"{"outcome":"resolved","text":"已协调落实用地指标"}"#,
        ),
        (
            cast.enterprise,
            "rating",
            r#"{"solved":true,"rating":"satisfied"}"#,
        ),
    ];
    for (token, action, body) in steps {
        let path = format!("/api/v1/issues/{id}/{action}");
        let status = client
            .call(&post(&path, Some(token), body))
            .map_err(|e| e.to_string())?;
        if status != 200 {
            return Err(format!("{action} answered {status}"));
        }
    }
    Ok(())
}

/// Prints one line for a path measured alone.
pub fn report(name: &str, rounds: usize, path: &dyn Fn() -> Run) {
    let mut all = Vec::new();
    let mut n = 0.0;
    for _ in 0..rounds {
        let r = path();
        n += r.per_second;
        all.extend(r.latencies);
    }
    all.sort();
    println!(
        "{name:<44} {:>9.0}/s p50 {:>6.1} ms p99 {:>6.1} ms",
        n / rounds as f64,
        percentile(&all, 0.5),
        percentile(&all, 0.99)
    );
}

pub fn get(path: &str, token: Option<&str>) -> Vec<u8> {
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    format!("GET {path} HTTP/1.1\r\nHost: bench\r\n{auth}\r\n").into_bytes()
}

pub fn post(path: &str, token: Option<&str>, body: &str) -> Vec<u8> {
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    format!(
        "POST {path} HTTP/1.1\r\nHost: bench\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// The floor's read: one issue row by id, as JSON, no auth. Read without `LIMIT ?` (as the
/// service reads by key), which SQLite would prepare again on every run.
async fn floor_read(pool: web::Data<Pool>, id: web::Path<i64>) -> HttpResponse {
    let id = id.into_inner();
    let row = web::block(move || -> Result<Option<IssueRow>, String> {
        let mut conn = pool.get().map_err(|e| e.to_string())?;
        issues::table
            .find(id)
            .select(IssueRow::as_select())
            .load(&mut **conn)
            .map(qinqing::store::one_of)
            .map_err(|e| e.to_string())
    })
    .await;
    match row {
        Ok(Ok(Some(row))) => HttpResponse::Ok().json(row),
        Ok(Ok(None)) => HttpResponse::NotFound().finish(),
        _ => HttpResponse::InternalServerError().finish(),
    }
}

/// The floor's filing: the issue row and its timeline event in one transaction.
async fn floor_file(pool: web::Data<Pool>, body: web::Json<serde_json::Value>) -> HttpResponse {
    let title = body["title"].as_str().unwrap_or("问题").to_owned();
    let description = body["description"].as_str().unwrap_or("").to_owned();
    let enterprise = body["enterprise_id"].as_i64().unwrap_or(1);
    let done = web::block(move || -> Result<i64, String> {
        let mut conn = pool.get().map_err(|e| e.to_string())?;
        db::write_tx(&mut conn, |conn| {
            let now = Utc::now().naive_utc();
            let id: i64 = diesel::insert_into(issues::table)
                .values(&NewIssue {
                    title,
                    description,
                    category: Category::Land,
                    channel: Channel::Visit,
                    status: State::Submitted,
                    enterprise_id: enterprise,
                    region_id: 1,
                    forum_id: None,
                    lead_department_id: None,
                    resolved_on_site: false,
                    answer_outcome: None,
                    answer_text: None,
                    answered_at: None,
                    answer_count: 0,
                    first_answered_at: None,
                    answered_on_time: None,
                    filed_on: now.date(),
                    created_by: 1,
                    created_at: now,
                    updated_at: now,
                })
                .returning(issues::id)
                .get_result(conn)?;
            diesel::insert_into(issue_events::table)
                .values((
                    issue_events::issue_id.eq(id),
                    issue_events::action.eq(EventKind::Filed),
                    issue_events::actor_id.eq(1),
                    issue_events::actor_role.eq("coordinator"),
                    issue_events::at.eq(now),
                    issue_events::details.eq("{}"),
                ))
                .execute(conn)?;
            Ok::<_, diesel::result::Error>(id)
        })
        .map_err(|e| e.to_string())
    })
    .await;
    match done {
        Ok(Ok(id)) => HttpResponse::Created().json(serde_json::json!({ "id": id })),
        _ => HttpResponse::InternalServerError().finish(),
    }
}

/// The floor server's routes.
pub fn floor_app(
    pool: Pool,
) -> actix_web::App<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    actix_web::App::new()
        .app_data(web::Data::new(pool))
        .route("/issue/{id}", web::get().to(floor_read))
        .route("/issue", web::post().to(floor_file))
}

pub fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i].as_secs_f64() * 1000.0
}

/// Runs a path and its floor alternately `rounds` times; prints one line each and the
/// ratio of throughputs. Answers the ratio and the path's p99 (ms).
pub fn compare(
    name: &str,
    rounds: usize,
    path: &dyn Fn() -> Run,
    floor: &dyn Fn() -> Run,
) -> (f64, f64) {
    let mut ours = Vec::new();
    let mut theirs = Vec::new();
    let (mut ours_n, mut theirs_n) = (0.0, 0.0);
    for _ in 0..rounds {
        let r = path();
        ours_n += r.per_second;
        ours.extend(r.latencies);
        let f = floor();
        theirs_n += f.per_second;
        theirs.extend(f.latencies);
    }
    ours.sort();
    theirs.sort();
    let (ours_n, theirs_n) = (ours_n / rounds as f64, theirs_n / rounds as f64);
    let ratio = ours_n / theirs_n;
    println!(
        "{name:<44} {ours_n:>9.0}/s p50 {:>6.1} ms p99 {:>6.1} ms | floor {theirs_n:>9.0}/s p50 {:>6.1} ms p99 {:>6.1} ms | {ratio:>5.2}x",
        percentile(&ours, 0.5),
        percentile(&ours, 0.99),
        percentile(&theirs, 0.5),
        percentile(&theirs, 0.99),
    );
    (ratio, percentile(&ours, 0.99))
}
