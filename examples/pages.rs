//! The pages' benchmark: every kind of page each demo user can reach from their home (the
//! tour of `qinqing::web::tour`), served by the real application over the demo, each timed
//! `--calls` times; prints the pages slowest first (median and worst, in milliseconds) and
//! whether the slowest stays within the 100 ms a page may take.
//!
//! cargo run --release --example pages -- --database-url /tmp/qinqing-pages.db
//! cargo run --release --example pages -- --database-url postgres://postgres@127.0.0.1/qinqing_pages
//!
//! An empty database is given the demo first (a minute or two); a database that already
//! holds it is reused.

use std::collections::{BTreeMap, VecDeque};
use std::time::{Duration, Instant};

use actix_web::dev::Service;
use actix_web::test;
use clap::Parser;
use qinqing::config::AuthConfig;
use qinqing::db::{self, Backend, PoolOptions};

#[derive(Parser)]
struct Args {
    /// `postgres://…` or a SQLite file path: empty, or holding the demo
    #[arg(long, env = "DATABASE_URL")]
    database_url: String,
    /// The demo users' password (given to the demo when it is loaded here)
    #[arg(long, default_value = "qinqing demo pages")]
    password: String,
    /// Timed calls per page
    #[arg(long, default_value_t = 5)]
    calls: usize,
    /// Kinds of page visited per user at most
    #[arg(long, default_value_t = 60)]
    pages: usize,
    /// Pages printed (slowest first); 0 prints every one
    #[arg(long, default_value_t = 25)]
    top: usize,
}

/// The demo's users, one of each kind of reader.
const USERS: [&str; 7] = [
    "demo.leader",
    "demo.leader.cx",
    "demo.coord",
    "demo.coord.dq",
    "demo.dept",
    "demo.ent",
    "demo.admin",
];

/// A page's target, as the pilot asked it of every page.
const TARGET_MS: f64 = 100.0;

fn fail(msg: impl std::fmt::Display) -> ! {
    eprintln!("pages: {msg}");
    std::process::exit(1);
}

/// Every `href="…"` of a page, unescaped as a browser reads it.
fn links(html: &str) -> Vec<String> {
    html.split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(|h| h.replace("&amp;", "&").replace("&#38;", "&"))
        .collect()
}

struct Timed {
    user: &'static str,
    kind: String,
    path: String,
    median: f64,
    worst: f64,
}

#[actix_web::main]
async fn main() {
    let args = Args::parse();
    let backend = Backend::from_url(&args.database_url);
    let mut conn = backend.connect().unwrap_or_else(|e| fail(e));
    db::migrate(&mut conn).unwrap_or_else(|e| fail(e));
    let issues = qinqing::demo::issue_count(&mut conn).unwrap_or_else(|e| fail(e));
    if issues == 0 {
        eprintln!(
            "pages: loading the demo (its password: {:?})",
            args.password
        );
        let started = Instant::now();
        qinqing::demo::load(
            &mut conn,
            &qinqing::demo::Options {
                password: args.password.clone(),
                force: false,
            },
            &mut |line| eprintln!("pages: {line}"),
        )
        .unwrap_or_else(|e| fail(e));
        eprintln!(
            "pages: demo loaded in {:.0} s",
            started.elapsed().as_secs_f64()
        );
    } else {
        eprintln!("pages: reusing the database's {issues} issues");
    }
    qinqing::store::kept::ensure_rollup(&mut conn).unwrap_or_else(|e| fail(e));
    drop(conn);
    let pool = db::build_pool(
        &backend,
        &PoolOptions {
            max_size: 4,
            timeout: Duration::from_secs(30),
        },
    )
    .unwrap_or_else(|e| fail(e));
    let auth = AuthConfig {
        jwt_secret: Some("a secret of this benchmark run only, long enough".into()),
        token_ttl_seconds: 3600,
        admin_password: None,
        cookie_secure: false,
        trusted_proxies: Vec::new(),
    };
    let state = qinqing::server::build_state(pool, &backend, &auth, &Default::default())
        .unwrap_or_else(|e| fail(e));
    let app = test::init_service(qinqing::app::app(state)).await;

    let mut timed = Vec::new();
    for user in USERS {
        let login = test::TestRequest::post()
            .uri("/api/v1/auth/login")
            .set_json(serde_json::json!({"username": user, "password": args.password}))
            .to_request();
        let body: serde_json::Value = test::call_and_read_body_json(&app, login).await;
        let Some(token) = body["access_token"].as_str() else {
            fail(format!(
                "{user} cannot sign in with --password {:?}: {body}",
                args.password
            ))
        };
        let cookie = format!("qq_session={token}");
        // The tour: breadth first from the user's starts, one page of each kind.
        let mut seen = BTreeMap::new();
        let mut queue: VecDeque<(String, String)> = qinqing::web::tour::starts()
            .into_iter()
            .map(|p| (p.clone(), p))
            .collect();
        while let Some((kind, path)) = queue.pop_front() {
            if seen.len() >= args.pages || seen.contains_key(&kind) {
                continue;
            }
            let get = |path: String| {
                test::TestRequest::get()
                    .uri(&path)
                    .insert_header(("cookie", cookie.as_str()))
                    .to_request()
            };
            // Redirects (the home) are followed to the page they name.
            let mut path = path;
            let mut res = app
                .call(get(path.clone()))
                .await
                .unwrap_or_else(|e| fail(e));
            while res.status().is_redirection() {
                let Some(to) = res
                    .headers()
                    .get("location")
                    .and_then(|l| l.to_str().ok())
                    .map(str::to_owned)
                else {
                    break;
                };
                path = to;
                res = app
                    .call(get(path.clone()))
                    .await
                    .unwrap_or_else(|e| fail(e));
            }
            let status = res.status();
            let html = String::from_utf8_lossy(&test::read_body(res).await).into_owned();
            if !status.is_success() {
                eprintln!("pages: {user} {path}: {status}");
                continue;
            }
            let mut times = Vec::with_capacity(args.calls);
            for _ in 0..args.calls {
                let started = Instant::now();
                let res = app
                    .call(get(path.clone()))
                    .await
                    .unwrap_or_else(|e| fail(e));
                let _ = test::read_body(res).await;
                times.push(started.elapsed().as_secs_f64() * 1000.0);
            }
            times.sort_by(f64::total_cmp);
            let here = qinqing::web::tour::page_kind(&path, "").unwrap_or_else(|| path.clone());
            for link in links(&html) {
                if let Some(k) = qinqing::web::tour::page_kind(&link, &here) {
                    queue.push_back((k, link));
                }
            }
            seen.insert(kind.clone(), ());
            timed.push(Timed {
                user,
                kind,
                path,
                median: times[times.len() / 2],
                worst: times[times.len() - 1],
            });
        }
        eprintln!("pages: {user}: {} kinds of page", seen.len());
    }
    timed.sort_by(|a, b| b.median.total_cmp(&a.median));
    let backend_name = match backend {
        Backend::Sqlite(_) => "SQLite",
        Backend::Postgres(_) => "PostgreSQL",
    };
    println!(
        "{} pages on {backend_name}, {} calls each; slowest first (ms):",
        timed.len(),
        args.calls
    );
    println!(
        "{:>8} {:>8}  {:<15} {:<40} path",
        "median", "worst", "user", "page"
    );
    let shown = if args.top == 0 { timed.len() } else { args.top };
    for t in timed.iter().take(shown) {
        println!(
            "{:>8.1} {:>8.1}  {:<15} {:<40} {}",
            t.median, t.worst, t.user, t.kind, t.path
        );
    }
    if let Some(slowest) = timed.first() {
        println!(
            "slowest page: {:.1} ms ({} {}); target {TARGET_MS:.0} ms: {}",
            slowest.median,
            slowest.user,
            slowest.kind,
            if slowest.median <= TARGET_MS {
                "met"
            } else {
                "NOT met"
            }
        );
    }
}
