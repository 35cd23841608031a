//! The figures' benchmark: loads N issues with their events into a database, then times
//! every stats endpoint and the issue list through the real application, interleaved with
//! bare `SELECT count(*) FROM issues` scans run in the same process (the floor: no
//! dashboard can read every issue faster), and prints median, p95 and the ratio to the floor.
//!
//! cargo run --release --example bench -- --database-url postgres://postgres@127.0.0.1/qinqing_bench --issues 1000000
//! cargo run --release --example bench -- --database-url /tmp/qinqing-bench.db --issues 200000

use std::time::{Duration, Instant};

use actix_web::dev::Service;
use actix_web::test;
use clap::Parser;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use qinqing::config::AuthConfig;
use qinqing::db::{self, Backend, DbConn, PoolOptions};

#[derive(Parser)]
struct Args {
    /// `postgres://…` or a SQLite file path; the database must be empty (or already loaded
    /// with exactly --issues issues by an earlier run, which is then reused)
    #[arg(long, env = "DATABASE_URL")]
    database_url: String,
    /// How many issues to load
    #[arg(long, default_value_t = 200_000)]
    issues: i64,
    /// Calls per endpoint (and as many floor scans)
    #[arg(long, default_value_t = 20)]
    calls: usize,
}

const PASSWORD: &str = "bench password";

fn exec(conn: &mut DbConn, sql: &str) {
    if let Err(e) = conn.batch_execute(sql) {
        eprintln!("bench: {e}\n{sql}");
        std::process::exit(1);
    }
}

fn count(conn: &mut DbConn) -> i64 {
    use qinqing::store::schema::issues;
    issues::table.count().get_result(conn).unwrap_or(-1)
}

/// Loads the data with set-based SQL: a series of N rows turned into issues whose
/// statuses, dates, departments, answers and ratings vary with the row number.
fn load(conn: &mut DbConn, n: i64) {
    let pg = matches!(conn, DbConn::Pg(_));
    let started = Instant::now();
    eprintln!(
        "bench: loading {n} issues into {}",
        if pg { "PostgreSQL" } else { "SQLite" }
    );
    let hash = qinqing::auth::password::hash(PASSWORD).unwrap_or_default();
    exec(
        conn,
        &format!(
            "INSERT INTO users (username, password_hash, display_name, role, active, token_version, created_at, updated_at) \
             VALUES ('bench.admin', '{hash}', 'bench', 'admin', {t}, 0, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP);",
            t = if pg { "TRUE" } else { "1" }
        ),
    );
    let series = |limit: i64| {
        if pg {
            format!("FROM generate_series(1, {limit}) AS s(g)")
        } else {
            format!("FROM (WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < {limit}) SELECT g FROM s) AS s")
        }
    };
    let day = |expr: &str| {
        if pg {
            format!("(DATE '2022-01-01' + ({expr})::int)")
        } else {
            format!("date('2022-01-01', '+' || ({expr}) || ' days')")
        }
    };
    let ts = |days: &str, hours: i64| {
        if pg {
            format!("(TIMESTAMP '2022-01-01 02:00:00' + (({days}) * INTERVAL '1 day') + INTERVAL '{hours} hours')")
        } else {
            format!("datetime('2022-01-01 02:00:00', '+' || ({days}) || ' days', '+{hours} hours')")
        }
    };
    let pad = if pg {
        "lpad(g::text, 9, '0')"
    } else {
        "printf('%09d', g)"
    };
    exec(
        conn,
        &format!(
            "INSERT INTO departments (name, region_id, catch_all, active, created_at, updated_at) \
             SELECT '部门' || g, 1 + g % 7, {f}, {t}, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP {s};",
            f = if pg { "FALSE" } else { "0" },
            t = if pg { "TRUE" } else { "1" },
            s = series(24)
        ),
    );
    exec(
        conn,
        &format!(
            "INSERT INTO enterprises (name, credit_code, region_id, industry, size, created_at, updated_at) \
             SELECT '企业' || g, 'BENCH' || {pad}, 1 + g % 7, '制造业', 'small', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP {s};",
            s = series(500)
        ),
    );
    let filed = "(g % 1460)";
    let answered = "(g % 20 >= 4 AND g % 20 <> 19)";
    let assigned = "(g % 20 NOT IN (0, 19))";
    let sql = format!(
        "INSERT INTO issues (title, description, category, channel, status, enterprise_id, region_id, \
           lead_department_id, due_on, resolved_on_site, supervision, reopen_count, return_count, \
           dissatisfied_count, urge_count, supervise_count, answer_outcome, answer_text, answered_at, \
           answer_count, first_answered_at, answered_on_time, working_days_to_answer, rating, assigned_at, \
           filed_on, created_by, created_at, updated_at, version) \
         SELECT '问题' || g, '企业反映的问题，编号' || g, \
           CASE g % 10 WHEN 0 THEN 'financing' WHEN 1 THEN 'land' WHEN 2 THEN 'approval' WHEN 3 THEN 'talent' \
             WHEN 4 THEN 'policy' WHEN 5 THEN 'legal' WHEN 6 THEN 'tax' WHEN 7 THEN 'infrastructure' \
             WHEN 8 THEN 'market_access' ELSE 'other' END, \
           CASE g % 5 WHEN 0 THEN 'forum' WHEN 1 THEN 'online' WHEN 2 THEN 'visit' WHEN 3 THEN 'health_check' ELSE 'hotline' END, \
           CASE WHEN g % 20 = 0 THEN 'submitted' WHEN g % 20 = 1 THEN 'assigned' WHEN g % 20 = 2 THEN 'in_progress' \
             WHEN g % 20 = 3 THEN 'returned' WHEN g % 20 IN (16, 17) THEN 'answered' WHEN g % 20 = 19 THEN 'withdrawn' \
             ELSE 'closed' END, \
           1 + g % 500, 1 + g % 7, \
           CASE WHEN {assigned} THEN 1 + g % 24 END, \
           CASE WHEN {assigned} THEN {due} END, \
           g % 30 = 7, g % 211 = 0, CASE WHEN g % 50 = 0 THEN 1 ELSE 0 END, CASE WHEN g % 20 = 3 OR g % 40 = 5 THEN 1 ELSE 0 END, \
           CASE WHEN g % 50 = 0 THEN 1 ELSE 0 END, g % 3, CASE WHEN g % 211 = 0 THEN 1 ELSE 0 END, \
           CASE WHEN {answered} THEN 'resolved' END, CASE WHEN {answered} THEN '已办理' END, \
           CASE WHEN {answered} THEN {answered_at} END, CASE WHEN {answered} THEN 1 ELSE 0 END, \
           CASE WHEN {answered} THEN {answered_at} END, CASE WHEN {answered} THEN g % 13 <> 0 END, \
           CASE WHEN {answered} THEN 2 + g % 9 END, \
           CASE WHEN g % 20 BETWEEN 4 AND 15 OR g % 20 = 18 THEN \
             CASE WHEN g % 97 = 0 THEN 'dissatisfied' WHEN g % 7 = 0 THEN 'basically_satisfied' ELSE 'satisfied' END END, \
           CASE WHEN {assigned} THEN {assigned_at} END, \
           {filed_on}, 1, {created}, {created}, 1 {s};",
        due = day(&format!("{filed} + 15")),
        answered_at = ts(&format!("{filed} + 3 + g % 10"), 6),
        assigned_at = ts(&format!("{filed} + 1"), 1),
        filed_on = day(filed),
        created = ts(filed, 0),
        s = series(n),
    );
    exec(conn, &sql);
    eprintln!(
        "bench: issues loaded in {:.1} s; adding their events",
        started.elapsed().as_secs_f64()
    );
    for (action, role, when, cond) in [
        ("filed", "coordinator", "created_at", "1 = 1"),
        (
            "assigned",
            "coordinator",
            "assigned_at",
            "assigned_at IS NOT NULL",
        ),
        (
            "answered",
            "department",
            "first_answered_at",
            "first_answered_at IS NOT NULL",
        ),
        (
            "rated",
            "enterprise",
            "first_answered_at",
            "rating IS NOT NULL",
        ),
    ] {
        exec(
            conn,
            &format!(
                "INSERT INTO issue_events (issue_id, action, actor_id, actor_role, at, details) \
                 SELECT id, '{action}', 1, '{role}', {when}, '{{}}' FROM issues WHERE {cond};"
            ),
        );
    }
    exec(conn, if pg { "VACUUM ANALYZE;" } else { "ANALYZE;" });
    eprintln!("bench: loaded in {:.1} s", started.elapsed().as_secs_f64());
}

fn stats(mut samples: Vec<Duration>) -> (f64, f64) {
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let median = ms(samples[samples.len() / 2]);
    let p95 = ms(samples[((samples.len() as f64 * 0.95).ceil() as usize).min(samples.len()) - 1]);
    (median, p95)
}

#[actix_rt::main]
async fn main() {
    let args = Args::parse();
    let backend = Backend::from_url(&args.database_url);
    let mut conn = match backend.connect() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("bench: cannot connect: {e}");
            std::process::exit(1);
        }
    };
    if let Err(e) = db::migrate(&mut conn) {
        eprintln!("bench: {e}");
        std::process::exit(1);
    }
    match count(&mut conn) {
        0 => load(&mut conn, args.issues),
        n if n == args.issues => eprintln!("bench: reusing the {n} issues already loaded"),
        n => {
            eprintln!(
                "bench: the database holds {n} issues, not {}; give an empty one",
                args.issues
            );
            std::process::exit(1);
        }
    }
    // As the service does at start: the kept all-time figures are filled from the issues.
    let started = Instant::now();
    match qinqing::store::stats::ensure_rollup(&mut conn) {
        Ok(true) => eprintln!(
            "bench: kept figures filled in {:.1} s",
            started.elapsed().as_secs_f64()
        ),
        Ok(false) => {}
        Err(e) => {
            eprintln!("bench: {e}");
            std::process::exit(1);
        }
    }
    let pool = match db::build_pool(
        &backend,
        &PoolOptions {
            max_size: 4,
            timeout: Duration::from_secs(30),
        },
    ) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("bench: {e}");
            std::process::exit(1);
        }
    };
    let auth = AuthConfig {
        // A secret of this run only: the benchmark's tokens live as long as it does.
        jwt_secret: Some({
            use argon2::password_hash::rand_core::{OsRng, RngCore};
            let mut bytes = [0u8; 32];
            OsRng.fill_bytes(&mut bytes);
            bytes.iter().map(|b| format!("{b:02x}")).collect()
        }),
        token_ttl_seconds: 3600,
        admin_password: None,
        cookie_secure: false,
        trusted_proxies: Vec::new(),
    };
    let state =
        match qinqing::server::build_state(pool.clone(), &backend, &auth, &Default::default()) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("bench: {e}");
                std::process::exit(1);
            }
        };
    let app = test::init_service(qinqing::api::app(state)).await;
    let login = test::TestRequest::post()
        .uri("/api/v1/auth/login")
        .set_json(serde_json::json!({"username": "bench.admin", "password": PASSWORD}))
        .to_request();
    let body: serde_json::Value = test::call_and_read_body_json(&app, login).await;
    let token = body["access_token"].as_str().unwrap_or_default().to_owned();

    let endpoints = [
        "/api/v1/stats/summary",
        "/api/v1/stats/summary?from=2024-01-01&to=2024-12-31",
        "/api/v1/stats/departments",
        "/api/v1/stats/regions",
        "/api/v1/stats/categories",
        "/api/v1/stats/trend?granularity=month",
        "/api/v1/stats/trend?granularity=week",
        "/api/v1/stats/report?year=2023",
        "/api/v1/issues",
        "/api/v1/issues?status=in_progress&category=land&sort=due_on",
    ];
    let mut floor_conn = match backend.connect() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("bench: {e}");
            std::process::exit(1);
        }
    };
    let n = count(&mut floor_conn);
    println!(
        "{} issues on {}; {} calls each, interleaved with as many SELECT count(*) scans",
        n,
        backend.name(),
        args.calls
    );
    println!(
        "{:<58} {:>10} {:>10} {:>12} {:>8}",
        "endpoint", "median ms", "p95 ms", "floor med ms", "ratio"
    );
    for path in endpoints {
        let mut calls = Vec::with_capacity(args.calls);
        let mut floor = Vec::with_capacity(args.calls);
        for _ in 0..args.calls {
            let req = test::TestRequest::get()
                .uri(path)
                .insert_header(("authorization", format!("Bearer {token}")))
                .to_request();
            let t = Instant::now();
            let resp = app.call(req).await;
            let ok = matches!(&resp, Ok(r) if r.status().is_success());
            if let Ok(r) = resp {
                let _ = actix_web::body::to_bytes(r.into_body()).await;
            }
            calls.push(t.elapsed());
            if !ok {
                eprintln!("bench: {path} failed");
                std::process::exit(1);
            }
            let t = Instant::now();
            count(&mut floor_conn);
            floor.push(t.elapsed());
        }
        let (median, p95) = stats(calls);
        let (floor_median, _) = stats(floor);
        println!(
            "{path:<58} {median:>10.1} {p95:>10.1} {floor_median:>12.1} {:>7.2}x",
            median / floor_median
        );
    }
}
