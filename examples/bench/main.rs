//! The figures' benchmark: loads N issues with their events into a database, then times
//! every stats endpoint and the issue list through the real application, interleaved with
//! bare `SELECT count(*) FROM issues` scans run in the same process (the floor: no
//! dashboard can read every issue faster), and prints median, p95 and the ratio to the floor.
//!
//! Then the request paths over a real socket beside their floors (see `http`): reading an
//! issue by id, filing, and on PostgreSQL `pgbench -N` (8 clients) against the same server.
//!
//! cargo run --release --example bench -- --database-url postgres://postgres@127.0.0.1/qinqing_bench --issues 1000000
//! cargo run --release --example bench -- --database-url /tmp/qinqing-bench.db --issues 200000

mod http;

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
    /// with --issues issues by an earlier run, which is then reused)
    #[arg(long, env = "DATABASE_URL")]
    database_url: String,
    /// How many issues to load
    #[arg(long, default_value_t = 200_000)]
    issues: i64,
    /// Calls per endpoint (and as many floor scans)
    #[arg(long, default_value_t = 20)]
    calls: usize,
    /// Seconds of each run of a request path (and of its floor)
    #[arg(long, default_value_t = 3.0)]
    seconds: f64,
    /// Runs of each request path, alternating with its floor
    #[arg(long, default_value_t = 3)]
    rounds: usize,
    /// Connections reading issues (as wrk would hold them)
    #[arg(long, default_value_t = 32)]
    readers: usize,
    /// Connections filing issues
    #[arg(long, default_value_t = 8)]
    writers: usize,
    /// Database connections of the service's pool and of the floor's
    #[arg(long, default_value_t = 16)]
    pool: u32,
    /// Skip the figures; only the request paths
    #[arg(long)]
    paths_only: bool,
    /// Skip the figures and the request paths; only search, similar issues and suggestions
    #[arg(long)]
    search_only: bool,
    /// A database holding the demo (`qinqing demo`): prints how often the first suggested
    /// department (建议主办部门) of each issue of its last 12 weeks, learnt only from the
    /// issues filed before them, is the department assigned; then stops
    #[arg(long)]
    suggestions_on: Option<String>,
}

/// Distinct texts the loaded issues say (issue g says text g % TEXTS): the demo's problems
/// of the issue's category, each in twenty wordings (places, products, amounts).
const TEXTS: i64 = 3_000;

/// The categories in the order the loaded issues take them (`g % 10`).
const CATEGORIES: [qinqing::domain::issue::Category; 10] = {
    use qinqing::domain::issue::Category::*;
    [
        Financing,
        Land,
        Approval,
        Talent,
        Policy,
        Legal,
        Tax,
        Infrastructure,
        MarketAccess,
        Other,
    ]
};

/// Text `k`: (title, description).
fn text(k: i64) -> (String, String) {
    const PLACES: [&str; 20] = [
        "",
        "织里镇",
        "南浔区",
        "德清县",
        "长兴县",
        "安吉县",
        "吴兴区",
        "高新区",
        "太湖街道",
        "练市镇",
        "新市镇",
        "洪桥镇",
        "孝丰镇",
        "埭溪镇",
        "八里店镇",
        "双林镇",
        "武康街道",
        "和平镇",
        "天子湖镇",
        "东林镇",
    ];
    const PRODUCTS: [&str; 10] = [
        "童装",
        "木地板",
        "蓄电池",
        "竹制品",
        "白茶",
        "电梯部件",
        "丝绸",
        "新材料",
        "生物医药",
        "轴承",
    ];
    let c = CATEGORIES[(k % 10) as usize];
    let problems = qinqing::demo::problems::problems(c);
    let (title, description, _) = problems[((k / 10) as usize) % problems.len()];
    let v = k / 150;
    let fill = |s: &str| {
        s.replace("{a}", &(40 + v * 37).to_string())
            .replace("{m}", &(5 + v * 3).to_string())
            .replace("{k}", &(3 + v).to_string())
            .replace("{d}", &(30 + v * 15).to_string())
            .replace("{p}", PRODUCTS[(v % 10) as usize])
    };
    (
        format!("{}{}", PLACES[(v % 20) as usize], fill(title)),
        fill(description),
    )
}

/// The loaded issues' texts, cut into words as the service indexes them, in a table of
/// their own; the issues and the search index then take them by `g % TEXTS`.
fn load_texts(conn: &mut DbConn, pg: bool) {
    use diesel::sql_types::{BigInt, Text};
    exec(
        conn,
        "CREATE TABLE bench_texts (k BIGINT PRIMARY KEY, title TEXT NOT NULL, description TEXT NOT NULL, \
         title_words TEXT NOT NULL, description_words TEXT NOT NULL, terms TEXT NOT NULL);",
    );
    let insert = qinqing::db::numbered(
        conn,
        "INSERT INTO bench_texts (k, title, description, title_words, description_words, terms) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    );
    let done = conn.transaction::<_, diesel::result::Error, _>(|conn| {
        for k in 0..TEXTS {
            let (title, description) = text(k);
            let terms = if pg {
                qinqing::domain::words::tsvector(&[
                    (&title, qinqing::domain::words::Weight::A),
                    (&description, qinqing::domain::words::Weight::B),
                ])
            } else {
                String::new()
            };
            diesel::sql_query(&insert)
                .bind::<BigInt, _>(k)
                .bind::<Text, _>(&title)
                .bind::<Text, _>(&description)
                .bind::<Text, _>(qinqing::domain::words::column(&title))
                .bind::<Text, _>(qinqing::domain::words::column(&description))
                .bind::<Text, _>(terms)
                .execute(conn)?;
        }
        Ok(())
    });
    if let Err(e) = done {
        eprintln!("bench: the texts: {e}");
        std::process::exit(1);
    }
}

/// The search index of the loaded issues, from their texts' words and their regions'
/// place words (as `store::search` and migration 000029 write them).
fn load_index(conn: &mut DbConn, pg: bool) {
    exec(
        conn,
        &if pg {
            format!(
                "INSERT INTO issue_search_terms (issue_id, terms) \
                 SELECT i.id, CAST(t.terms AS tsvector) || array_to_tsvector(ARRAY( \
                   SELECT chr(57344) || p FROM unnest(string_to_array(trim(BOTH '/' FROM r.path), '/')) p)) \
                 FROM issues i JOIN bench_texts t ON t.k = i.id % {TEXTS} JOIN regions r ON r.id = i.region_id;"
            )
        } else {
            format!(
                "INSERT INTO issue_search (rowid, title, description, answer, enterprise, place) \
                 SELECT i.id, t.title_words, t.description_words, '', '', \
                   char(57344) || replace(substr(r.path, 2, length(r.path) - 2), '/', ' ' || char(57344)) \
                 FROM issues i JOIN bench_texts t ON t.k = i.id % {TEXTS} JOIN regions r ON r.id = i.region_id;"
            )
        },
    );
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
    load_texts(conn, pg);
    let filed = "(g % 1460)";
    let answered = "(g % 20 >= 4 AND g % 20 <> 19)";
    let assigned = "(g % 20 NOT IN (0, 19))";
    let sql = format!(
        "INSERT INTO issues (title, description, category, channel, status, enterprise_id, region_id, \
           lead_department_id, due_on, resolved_on_site, supervision, reopen_count, return_count, \
           dissatisfied_count, urge_count, supervise_count, answer_outcome, answer_text, answered_at, \
           answer_count, first_answered_at, answered_on_time, working_days_to_answer, rating, assigned_at, \
           filed_on, created_by, created_at, updated_at, version) \
         SELECT (SELECT title FROM bench_texts WHERE k = g % {TEXTS}), \
           (SELECT description FROM bench_texts WHERE k = g % {TEXTS}), \
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
    load_index(conn, pg);
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
    // What the activity basis (a 月度通报) reads: each issue's version as filed, its
    // assignment (signed for the next day unless still waiting) and its rating.
    let day_after = |t: &str| {
        if pg {
            format!("{t} + INTERVAL '1 day'")
        } else {
            format!("datetime({t}, '+1 day')")
        }
    };
    exec(
        conn,
        &format!(
            "INSERT INTO issue_assignments (issue_id, department_id, assigned_at, sign_deadline, signed_at, returned_at) \
             SELECT id, lead_department_id, assigned_at, {deadline}, \
               CASE WHEN status <> 'assigned' THEN assigned_at END, NULL \
             FROM issues WHERE assigned_at IS NOT NULL AND lead_department_id IS NOT NULL;",
            deadline = day_after("assigned_at"),
        ),
    );
    exec(
        conn,
        &format!(
            "INSERT INTO issue_ratings (issue_id, answer_number, rating, source, comment, rated_by, rated_at, solved) \
             SELECT id, 1, rating, 'enterprise', NULL, 1, {rated}, rating <> 'dissatisfied' \
             FROM issues WHERE rating IS NOT NULL AND first_answered_at IS NOT NULL;",
            rated = day_after("first_answered_at"),
        ),
    );
    if let Err(e) = qinqing::store::history::restart(conn, None) {
        eprintln!("bench: the issues' history: {e}");
        std::process::exit(1);
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
    if let Some(url) = &args.suggestions_on {
        suggestions(url);
        return;
    }
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
        // An earlier run's filings come on top of the loaded issues.
        n if n >= args.issues => eprintln!(
            "bench: reusing the {} issues already loaded (and {} filed by earlier runs)",
            args.issues,
            n - args.issues
        ),
        n => {
            eprintln!(
                "bench: the database holds {n} issues, fewer than {}; give an empty one",
                args.issues
            );
            std::process::exit(1);
        }
    }
    // As the service does at start: the kept all-time figures are filled from the issues.
    let started = Instant::now();
    match qinqing::store::kept::ensure_rollup(&mut conn) {
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
            max_size: args.pool,
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
    let state_for_http = state.clone();
    let app = test::init_service(qinqing::app::app(state)).await;
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
        // A 月度通报's readings: what happened in a month, as it stood at the month's end.
        "/api/v1/stats/summary?from=2024-03-01&to=2024-03-31&basis=activity",
        "/api/v1/stats/departments?from=2024-03-01&to=2024-03-31&basis=activity",
        "/api/v1/stats/categories?from=2024-03-01&to=2024-03-31&basis=activity",
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
    for path in endpoints
        .iter()
        .filter(|_| !args.paths_only && !args.search_only)
    {
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
    // Search (q ranked by relevance), similar issues and suggested departments: as the
    // whole city (the administrator) and as a coordinator of one district.
    let create = test::TestRequest::post()
        .uri("/api/v1/users")
        .insert_header(("authorization", format!("Bearer {token}")))
        .set_json(
            serde_json::json!({"username": "bench.coord", "password": PASSWORD,
            "display_name": "bench coordinator", "role": "coordinator", "region_id": 2}),
        )
        .to_request();
    let _ = app.call(create).await;
    let login = test::TestRequest::post()
        .uri("/api/v1/auth/login")
        .set_json(serde_json::json!({"username": "bench.coord", "password": PASSWORD}))
        .to_request();
    let body: serde_json::Value = test::call_and_read_body_json(&app, login).await;
    let coord = body["access_token"].as_str().unwrap_or_default().to_owned();
    let q = |s: &str| -> String { form_urlencoded::byte_serialize(s.as_bytes()).collect() };
    // Issues of the district (region 2: g % 7 = 1) spread over the loaded range.
    let some = [
        n / 3 - (n / 3) % 7 + 1,
        n / 2 - (n / 2) % 7 + 1,
        n - n % 7 - 6,
    ];
    let mut searches: Vec<(String, String, &str)> = Vec::new();
    for word in ["贷款", "用地指标", "出口退税", "排污许可证 办理"] {
        searches.push((format!("/api/v1/issues?q={}", q(word)), token.clone(), word));
        searches.push((format!("/api/v1/issues?q={}", q(word)), coord.clone(), word));
    }
    for id in some {
        searches.push((
            format!("/api/v1/issues/{id}/similar"),
            token.clone(),
            "similar",
        ));
        searches.push((
            format!("/api/v1/issues/{id}/similar"),
            coord.clone(),
            "similar",
        ));
        searches.push((
            format!("/api/v1/issues/{id}/suggested-departments"),
            coord.clone(),
            "suggested",
        ));
    }
    println!();
    println!(
        "{:<58} {:>10} {:>10} {:>8}",
        "search (admin: all; coordinator: one district)", "median ms", "p95 ms", "found"
    );
    for (path, who, label) in searches.iter().filter(|_| !args.paths_only) {
        let mut calls = Vec::with_capacity(args.calls);
        let mut found = 0;
        for _ in 0..args.calls {
            let req = test::TestRequest::get()
                .uri(path)
                .insert_header(("authorization", format!("Bearer {who}")))
                .to_request();
            let t = Instant::now();
            let resp = app.call(req).await;
            let ok = matches!(&resp, Ok(r) if r.status().is_success());
            let mut body = serde_json::Value::Null;
            if let Ok(r) = resp {
                if let Ok(bytes) = actix_web::body::to_bytes(r.into_body()).await {
                    body = serde_json::from_slice(&bytes).unwrap_or_default();
                }
            }
            calls.push(t.elapsed());
            if !ok {
                eprintln!("bench: {path} failed: {body}");
                std::process::exit(1);
            }
            found = body["total"]
                .as_i64()
                .or_else(|| body["items"].as_array().map(|a| a.len() as i64))
                .unwrap_or(0);
        }
        let (median, p95) = stats(calls);
        let whom = if *who == token {
            "admin"
        } else {
            "coordinator"
        };
        println!(
            "{:<58} {median:>10.1} {p95:>10.1} {found:>8}",
            format!(
                "{label} ({whom}) {}",
                path.split('?').next().unwrap_or(path)
            )
        );
    }
    if !args.search_only {
        paths(&args, &backend, &pool, state_for_http, &token, n);
    }
}

/// 建议主办部门 measured on a demo database: each issue of its last 12 weeks suggested
/// from the issues filed before them only.
fn suggestions(url: &str) {
    let backend = Backend::from_url(url);
    let mut conn = match backend.connect() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("bench: cannot connect: {e}");
            std::process::exit(1);
        }
    };
    if let Err(e) =
        db::migrate(&mut conn).and_then(|_| qinqing::server::index_for_search(&mut conn))
    {
        eprintln!("bench: {e}");
        std::process::exit(1);
    }
    use qinqing::store::schema::issues;
    let last: Option<chrono::NaiveDate> = issues::table
        .select(diesel::dsl::max(issues::filed_on))
        .first(&mut conn)
        .unwrap_or(None);
    let Some(last) = last else {
        eprintln!("bench: the demo database has no issues");
        std::process::exit(1);
    };
    let since = last - chrono::Duration::days(83);
    let started = Instant::now();
    match qinqing::service::issues::similar::accuracy(&mut conn, since) {
        Ok((right, tried)) => {
            let secs = started.elapsed().as_secs_f64();
            println!(
                "建议主办部门 on {}: issues filed {since} to {last} (the last 12 weeks), each learnt \
                 only from those filed before {since}: the first suggestion is the department \
                 assigned for {right} of {tried} ({:.1}%); {:.1} ms a suggestion",
                backend.name(),
                right as f64 * 100.0 / tried.max(1) as f64,
                secs * 1000.0 / tried.max(1) as f64
            );
        }
        Err(e) => {
            eprintln!("bench: {e}");
            std::process::exit(1);
        }
    }
}

/// The request paths over a socket, each beside its floor.
fn paths(
    args: &Args,
    backend: &Backend,
    pool: &qinqing::db::Pool,
    state: qinqing::api::AppState,
    token: &str,
    issues: i64,
) {
    let workers = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2);
    let app = serve!(workers, move || qinqing::app::app(state.clone()));
    // As served, the appended rows of the kept sums are folded every few seconds meanwhile.
    if let Backend::Postgres(_) = backend {
        if let Err(e) = qinqing::server::spawn_folding(backend.clone()) {
            eprintln!("bench: {e}");
            std::process::exit(1);
        }
    }
    let floor_pool = pool.clone();
    let floor = serve!(workers, move || http::floor_app(floor_pool.clone()));
    // A coordinator files; the administrator reads.
    let mut conn = match backend.connect() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("bench: {e}");
            std::process::exit(1);
        }
    };
    let pg = matches!(conn, DbConn::Pg(_));
    let hash = qinqing::auth::password::hash(PASSWORD).unwrap_or_default();
    exec(
        &mut conn,
        &format!(
            "INSERT INTO users (username, password_hash, display_name, role, region_id, active, token_version, created_at, updated_at) \
             SELECT 'bench.coord', '{hash}', 'bench', 'coordinator', 1, {t}, 0, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP \
             WHERE NOT EXISTS (SELECT 1 FROM users WHERE username = 'bench.coord');",
            t = if pg { "TRUE" } else { "1" }
        ),
    );
    // The cast of a whole issue life: a department's handler and an enterprise's person.
    exec(
        &mut conn,
        &format!(
            "INSERT INTO users (username, password_hash, display_name, role, department_id, active, token_version, created_at, updated_at) \
             SELECT 'bench.dept', '{hash}', 'bench', 'department', 1, {t}, 0, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP \
             WHERE NOT EXISTS (SELECT 1 FROM users WHERE username = 'bench.dept'); \
             INSERT INTO users (username, password_hash, display_name, role, enterprise_id, active, token_version, created_at, updated_at) \
             SELECT 'bench.ent', '{hash}', 'bench', 'enterprise', 1, {t}, 0, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP \
             WHERE NOT EXISTS (SELECT 1 FROM users WHERE username = 'bench.ent');",
            t = if pg { "TRUE" } else { "1" }
        ),
    );
    // A district leader: region 2, one of the city's districts.
    exec(
        &mut conn,
        &format!(
            "INSERT INTO users (username, password_hash, display_name, role, region_id, active, token_version, created_at, updated_at) \
             SELECT 'bench.leader', '{hash}', 'bench', 'leader', 2, {t}, 0, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP \
             WHERE NOT EXISTS (SELECT 1 FROM users WHERE username = 'bench.leader');",
            t = if pg { "TRUE" } else { "1" }
        ),
    );
    let coord = login(app, "bench.coord");
    let leader = login(app, "bench.leader");
    let department = login(app, "bench.dept");
    let enterprise = login(app, "bench.ent");
    println!(
        "\n{} issues on {}; {} s runs × {}, alternating with the floor; {} readers, {} writers, pools of {}",
        issues,
        backend.name(),
        args.seconds,
        args.rounds,
        args.readers,
        args.writers,
        args.pool
    );
    // Each role reads issues of its own scope (5,000 of them, spread over the table), and
    // the floor reads the same ids with no token and no scope.
    let readers: [(&str, &str, String); 5] = [
        ("administrator", token, "1 = 1".into()),
        (
            "city coordinator",
            &coord,
            "region_id IN (SELECT id FROM regions WHERE path LIKE '/1/%')".into(),
        ),
        (
            "district leader",
            &leader,
            "region_id IN (SELECT id FROM regions WHERE path LIKE (SELECT path FROM regions WHERE id = 2) || '%')".into(),
        ),
        (
            "department",
            &department,
            "lead_department_id = 1 OR id IN (SELECT issue_id FROM issue_co_departments WHERE department_id = 1)".into(),
        ),
        ("enterprise", &enterprise, "enterprise_id = 1".into()),
    ];
    let mut read = f64::INFINITY;
    for (role, role_token, scope) in &readers {
        let ids = sample_ids(&mut conn, scope);
        if ids.is_empty() {
            eprintln!("bench: no issue in the scope of the {role}");
            std::process::exit(1);
        }
        let id =
            |c: usize, k: u64| ids[((c as u64 * 7919 + k * 104_729) % ids.len() as u64) as usize];
        let (ratio, _) = http::compare(
            &format!("GET /api/v1/issues/{{id}} as {role} vs bare read"),
            args.rounds,
            &|| {
                http::drive(app, args.readers, args.seconds, 200, &|c, k| {
                    http::get(&format!("/api/v1/issues/{}", id(c, k)), Some(role_token))
                })
            },
            &|| {
                http::drive(floor, args.readers, args.seconds, 200, &|c, k| {
                    http::get(&format!("/issue/{}", id(c, k)), None)
                })
            },
        );
        read = read.min(ratio);
    }
    let body = |c: usize, k: u64| {
        format!(
            r#"{{"title":"设备进口关税咨询{c}-{k}","description":"企业拟进口一台设备，询问关税减免政策。","category":"land","channel":"visit","enterprise_id":{}}}"#,
            1 + (c as u64 * 31 + k) % 500
        )
    };
    let filing = || {
        http::drive(app, args.writers, args.seconds, 201, &|c, k| {
            http::post("/api/v1/issues", Some(&coord), &body(c, k))
        })
    };
    let (file, file_p99) = http::compare(
        "POST /api/v1/issues vs bare insert (issue + event)",
        args.rounds,
        &filing,
        &|| {
            http::drive(floor, args.writers, args.seconds, 201, &|c, k| {
                http::post("/issue", None, &body(c, k))
            })
        },
    );
    http::report(
        "issue life: file, assign, sign, answer, rate",
        args.rounds,
        &|| {
            http::drive_lives(
                app,
                args.writers,
                args.seconds,
                &http::Cast {
                    coordinator: &coord,
                    department: &department,
                    department_id: 1,
                    enterprise: &enterprise,
                    enterprise_id: 1,
                },
            )
        },
    );
    let mut targets = vec![
        ("read ≥ 0.6× floor, as every role", read >= 0.6),
        ("filing p99 < 50 ms at 8 writers", file_p99 < 50.0),
    ];
    if let Backend::Postgres(url) = backend {
        let (versus_pgbench, _) = http::compare(
            "POST /api/v1/issues vs pgbench -N (8 clients)",
            args.rounds,
            &filing,
            &|| pgbench(&mut conn_for(backend), url, args.seconds),
        );
        targets.push(("filing ≥ 0.4× pgbench -N", versus_pgbench >= 0.4));
    } else {
        targets.push(("filing ≥ 0.4× bare insert", file >= 0.4));
    }
    let peak = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(|l| l.trim_start_matches("VmHWM:").trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".into());
    println!("peak RSS of the process (service, floor and client together): {peak}");
    for (target, met) in targets {
        println!("{target}: {}", if met { "met" } else { "NOT met" });
    }
    // The floor filed issues without the kept sums: refill them, so that the database left
    // behind passes `qinqing check-figures` as the service keeps it.
    match qinqing::store::kept::ensure_rollup(&mut conn) {
        Ok(refilled) => eprintln!(
            "bench: kept figures {} after the floor's filings",
            if refilled {
                "refilled"
            } else {
                "already equal"
            }
        ),
        Err(e) => {
            eprintln!("bench: {e}");
            std::process::exit(1);
        }
    }
}

/// Up to 5,000 ids of the issues matching `condition` (SQL over `issues`), spread over the
/// table rather than the first ones.
fn sample_ids(conn: &mut DbConn, condition: &str) -> Vec<i64> {
    #[derive(QueryableByName)]
    struct Id {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        id: i64,
    }
    let sql = format!(
        "SELECT id FROM issues WHERE {condition} ORDER BY (id * 7919) % 1000003 LIMIT 5000"
    );
    match diesel::sql_query(&sql).load::<Id>(conn) {
        Ok(rows) => rows.into_iter().map(|r| r.id).collect(),
        Err(e) => {
            eprintln!("bench: {sql}: {e}");
            std::process::exit(1);
        }
    }
}

fn conn_for(backend: &Backend) -> DbConn {
    match backend.connect() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("bench: {e}");
            std::process::exit(1);
        }
    }
}

/// Signs in over the socket; the access token.
fn login(addr: std::net::SocketAddr, username: &str) -> String {
    let body = format!(r#"{{"username":"{username}","password":"{PASSWORD}"}}"#);
    let Ok(mut stream) = std::net::TcpStream::connect(addr) else {
        eprintln!("bench: cannot reach the service");
        std::process::exit(1);
    };
    let mut request = http::post("/api/v1/auth/login", None, &body);
    request.splice(
        request.len() - body.len() - 2..request.len() - body.len() - 2,
        b"Connection: close\r\n".iter().copied(),
    );
    let mut answer = String::new();
    use std::io::{Read, Write};
    if stream.write_all(&request).is_err() || stream.read_to_string(&mut answer).is_err() {
        eprintln!("bench: signing in failed");
        std::process::exit(1);
    }
    let token = answer
        .split("\"access_token\":\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_default()
        .to_owned();
    if token.is_empty() {
        eprintln!("bench: signing in as {username} failed: {answer}");
        std::process::exit(1);
    }
    token
}

/// `pgbench -N` with 8 clients against the same server, in a database of its own (made
/// and initialised once); its transactions per second as a run.
fn pgbench(conn: &mut DbConn, url: &str, seconds: f64) -> http::Run {
    let Some(bin) = std::fs::read_dir("/usr/lib/postgresql")
        .ok()
        .and_then(|dirs| {
            dirs.flatten()
                .map(|d| d.path().join("bin/pgbench"))
                .find(|p| p.exists())
        })
        .or_else(|| Some(std::path::PathBuf::from("pgbench")))
    else {
        eprintln!("bench: pgbench not found");
        std::process::exit(1);
    };
    let (base, _) = url.rsplit_once('/').unwrap_or((url, ""));
    let target = format!("{base}/qinqing_pgbench");
    let exists = conn
        .batch_execute("CREATE DATABASE qinqing_pgbench")
        .is_err();
    if !exists {
        let init = std::process::Command::new(&bin)
            .args(["-i", "-s", "10", "-q", &target])
            .output();
        if !matches!(&init, Ok(o) if o.status.success()) {
            eprintln!("bench: pgbench -i failed: {init:?}");
            std::process::exit(1);
        }
    }
    let secs = (seconds.round() as u64).max(1).to_string();
    let out = std::process::Command::new(&bin)
        .args(["-N", "-c", "8", "-j", "2", "-T", &secs, "-r", &target])
        .output();
    let text = match out {
        Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout).into_owned(),
        other => {
            eprintln!("bench: pgbench failed: {other:?}");
            std::process::exit(1);
        }
    };
    let grab = |key: &str| -> f64 {
        text.lines()
            .find(|l| l.trim_start().starts_with(key))
            .and_then(|l| l.split('=').nth(1))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(f64::NAN)
    };
    let tps = grab("tps");
    let latency = grab("latency average");
    // pgbench reports the mean latency, not its percentiles: it stands for both here.
    http::Run {
        per_second: tps,
        latencies: vec![Duration::from_secs_f64(latency / 1000.0)],
    }
}
