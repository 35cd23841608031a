//! 批量导入's benchmark: a city's member list of `--rows` enterprises (10,000), as XLSX and
//! as CSV, through `POST /api/v1/imports/enterprises` of the real application on an empty
//! database: the dry run, the import, and the same file again (every row unchanged). Prints
//! the seconds of each and the rows per second.
//!
//! cargo run --release --example import_bench -- --database-url /tmp/qinqing-import.db
//! cargo run --release --example import_bench -- --database-url postgres://postgres@127.0.0.1/qinqing_import

use std::time::{Duration, Instant};

use actix_web::test;
use clap::Parser;
use qinqing::config::AuthConfig;
use qinqing::db::{self, Backend, PoolOptions};

#[derive(Parser)]
struct Args {
    /// `postgres://…` or a SQLite file path; an empty database (its enterprises are created)
    #[arg(long, env = "DATABASE_URL")]
    database_url: String,
    /// Enterprises in the file
    #[arg(long, default_value_t = 10_000)]
    rows: u32,
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

fn credit_code(n: u32) -> String {
    let body = format!("91330500MA{n:07}");
    let check = qinqing::domain::credit_code::check_character(&body).unwrap_or('0');
    format!("{body}{check}")
}

fn rows(n: u32) -> Vec<[String; 7]> {
    let mut out = vec![[
        "企业名称",
        "统一社会信用代码",
        "所属区县",
        "行业",
        "规模",
        "联系人",
        "联系电话",
    ]
    .map(str::to_owned)];
    for i in 1..=n {
        out.push([
            format!("湖州会员企业{i}有限公司"),
            credit_code(i),
            ["湖州市", "德清县", "长兴县"][i as usize % 3].to_owned(),
            "制造业".to_owned(),
            ["大型", "中型", "小型", "微型"][i as usize % 4].to_owned(),
            format!("联系人{i}"),
            format!("0572-{:07}", 2_000_000 + i),
        ]);
    }
    out
}

fn xlsx(rows: &[[String; 7]]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            if let Err(e) = sheet.write_string(r as u32, c as u16, cell) {
                eprintln!("import_bench: {e}");
                std::process::exit(1);
            }
        }
    }
    book.save_to_buffer().unwrap_or_else(|e| {
        eprintln!("import_bench: {e}");
        std::process::exit(1)
    })
}

fn csv(rows: &[[String; 7]]) -> Vec<u8> {
    rows.iter()
        .map(|r| r.join(","))
        .collect::<Vec<_>>()
        .join("\n")
        .into_bytes()
}

#[actix_web::main]
async fn main() {
    let args = Args::parse();
    let backend = Backend::from_url(&args.database_url);
    let fail = |e: &dyn std::fmt::Display| -> ! {
        eprintln!("import_bench: {e}");
        std::process::exit(1)
    };
    let mut conn = backend.connect().unwrap_or_else(|e| fail(&e));
    db::migrate(&mut conn).unwrap_or_else(|e| fail(&e));
    let password = "import bench password";
    let hash = qinqing::auth::password::hash(password).unwrap_or_else(|e| fail(&e));
    let admin = qinqing::service::users::insert(
        &mut conn,
        &qinqing::store::users::NewUser {
            username: format!("bench.import.{}", std::process::id()),
            password_hash: hash,
            display_name: "bench".into(),
            role: "admin".into(),
            region_id: None,
            department_id: None,
            enterprise_id: None,
        },
    )
    .unwrap_or_else(|e| fail(&e));
    let pool = db::build_pool(
        &backend,
        &PoolOptions {
            max_size: 4,
            timeout: Duration::from_secs(30),
        },
    )
    .unwrap_or_else(|e| fail(&e));
    let auth = AuthConfig {
        jwt_secret: Some("an import benchmark's secret of this run only".into()),
        token_ttl_seconds: 3600,
        admin_password: None,
        cookie_secure: false,
        trusted_proxies: Vec::new(),
    };
    let state = qinqing::server::build_state(pool, &backend, &auth, &Default::default())
        .unwrap_or_else(|e| fail(&e));
    let app = test::init_service(qinqing::app::app(state)).await;
    let login = test::TestRequest::post()
        .uri("/api/v1/auth/login")
        .set_json(serde_json::json!({"username": admin.username, "password": password}))
        .to_request();
    let body: serde_json::Value = test::call_and_read_body_json(&app, login).await;
    let token = body["access_token"].as_str().unwrap_or_default().to_owned();
    let table = rows(args.rows);
    println!("| file | step | seconds | rows/s | created | updated | unchanged | refused |");
    println!("|---|---|---|---|---|---|---|---|");
    // The XLSX first creates the enterprises; the CSV of the same rows then finds them all.
    for (name, mime, bytes) in [
        ("XLSX", XLSX, xlsx(&table)),
        ("CSV", "text/csv", csv(&table)),
    ] {
        for (step, dry) in [("dry run", true), ("import", false), ("again", false)] {
            let req = test::TestRequest::post()
                .uri(&format!("/api/v1/imports/enterprises?dry_run={dry}"))
                .insert_header(("authorization", format!("Bearer {token}")))
                .insert_header(("content-type", mime))
                .set_payload(bytes.clone())
                .to_request();
            let started = Instant::now();
            let resp = test::call_service(&app, req).await;
            let status = resp.status();
            let body: serde_json::Value =
                serde_json::from_slice(&test::read_body(resp).await).unwrap_or_default();
            let s = started.elapsed().as_secs_f64();
            if !status.is_success() {
                fail(&format!("{name} {step}: {status} {body}"));
            }
            println!(
                "| {name} ({} KB) | {step} | {s:.2} | {:.0} | {} | {} | {} | {} |",
                bytes.len() / 1024,
                f64::from(args.rows) / s,
                body["created"],
                body["updated"],
                body["unchanged"],
                body["errors"].as_array().map_or(0, Vec::len),
            );
        }
    }
}
