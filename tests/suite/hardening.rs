//! What an attacker or a bad day tries: text holding a NUL character, a district
//! coordinator reaching for the city's editions, a body of a hundred thousand repeated ids,
//! probes that ask with HEAD, and first sign-in failures racing each other.

use crate::common::*;
use actix_web::http::Method;
use actix_web::test::TestRequest;
use serde_json::json;

#[actix_rt::test]
async fn text_with_a_nul_character_gets_a_clear_answer() {
    let db = TestDb::new();
    let app = app(&db).await;
    let w = world(&app, &db).await;
    let ent = w.token("ent_a").unwrap_or_default();
    // A body: 422 naming the field, wherever it is.
    let r = send(&app, Method::POST, "/api/v1/issues", Some(ent),
        Some(&json!({"title": "融资\u{0}难", "description": "x", "category": "financing", "channel": "online"}))).await;
    r.problem(422);
    assert_eq!(r.error_fields(), vec!["title"], "{}", r.text);
    let coord = w.token("coord_city").unwrap_or_default();
    let r = send(
        &app,
        Method::POST,
        "/api/v1/editions/plan",
        Some(coord),
        Some(&json!({"theme": "ok", "region_ids": [DEQING], "reschedule_reason": "台风\u{0}"})),
    )
    .await;
    assert_eq!(r.error_fields(), vec!["reschedule_reason"], "{}", r.text);
    let r = send(
        &app,
        Method::POST,
        "/api/v1/auth/login",
        None,
        Some(&json!({"username": "admin\u{0}", "password": "x"})),
    )
    .await;
    r.problem(422);
    assert_eq!(r.error_fields(), vec!["username"], "{}", r.text);
    // A query: 400 naming the parameter, the export included (never a cut-off file).
    for path in [
        "/api/v1/issues?q=%00",
        "/api/v1/issues?q=a%00b&status=submitted",
        "/api/v1/issues/export?format=csv&q=%00",
        "/api/v1/enterprises?q=%00",
    ] {
        let r = send(&app, Method::GET, path, Some(coord), None).await;
        r.problem(400);
        assert_eq!(r.error_fields(), vec!["q"], "{path}: {}", r.text);
    }
    // A page's form: refused, nothing stored; the list still reads.
    let r = send_request(
        &app,
        TestRequest::post()
            .uri("/login")
            .insert_header(("content-type", "application/x-www-form-urlencoded"))
            .set_payload("username=a%00&password=x&csrf=x"),
    )
    .await;
    assert_eq!(r.status, 400, "{}", r.text);
    let r = send(&app, Method::GET, "/api/v1/issues", Some(coord), None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["total"], 0);
}

#[actix_rt::test]
async fn editions_are_the_citys() {
    let db = TestDb::new();
    let app = app(&db).await;
    let w = world(&app, &db).await;
    let district = w.token("coord_a").unwrap_or_default();
    let edition = w.id("edition");
    let r = send(
        &app,
        Method::PATCH,
        &format!("/api/v1/editions/{edition}"),
        Some(district),
        Some(&json!({"held_on": "2022-06-15"})),
    )
    .await;
    r.problem(403);
    let r = send(
        &app,
        Method::POST,
        "/api/v1/editions",
        Some(district),
        Some(&json!({"number": 9, "held_on": "2022-07-06", "record": true, "theme": "x"})),
    )
    .await;
    r.problem(403);
    let r = send(
        &app,
        Method::POST,
        "/api/v1/editions/plan",
        Some(district),
        Some(&json!({"theme": "x", "region_ids": [DEQING]})),
    )
    .await;
    r.problem(403);
    let r = send(
        &app,
        Method::GET,
        &format!("/api/v1/editions/{edition}"),
        Some(district),
        None,
    )
    .await;
    assert_eq!(r.body["held_on"], "2022-06-08", "unchanged: {}", r.text);
    // The city's coordinator may.
    let city = w.token("coord_city").unwrap_or_default();
    let r = send(
        &app,
        Method::PATCH,
        &format!("/api/v1/editions/{edition}"),
        Some(city),
        Some(&json!({"theme": "助企纾困 稳进提质"})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
}

#[actix_rt::test]
async fn a_body_of_many_bad_items_gets_a_short_answer() {
    let db = TestDb::new();
    let app = app(&db).await;
    let w = world(&app, &db).await;
    let r = send(
        &app,
        Method::POST,
        "/api/v1/issues",
        w.token("ent_a"),
        Some(&json!({"title": "x", "description": "x", "category": "tax", "channel": "online"})),
    )
    .await;
    let id = r.body["id"].as_i64().unwrap_or_default();
    let ids: Vec<i64> = std::iter::repeat_n(w.id("dept_b_department"), 40_000).collect();
    let body = json!({"lead_department_id": w.id("dept_a_department"), "co_department_ids": ids});
    let r = send(
        &app,
        Method::POST,
        &format!("/api/v1/issues/{id}/assign"),
        w.token("coord_city"),
        Some(&body),
    )
    .await;
    r.problem(422);
    assert_eq!(r.error_fields(), vec!["co_department_ids"], "{}", r.text);
    assert!(r.text.len() < 2_000, "{} bytes", r.text.len());
    // Many distinct bad fields: the first twenty are named, and the answer says so.
    let many: Vec<i64> = (1_000..1_020).collect();
    let body = json!({"lead_department_id": 999_999, "co_department_ids": many});
    let r = send(
        &app,
        Method::POST,
        &format!("/api/v1/issues/{id}/assign"),
        w.token("coord_city"),
        Some(&body),
    )
    .await;
    r.problem(422);
    assert_eq!(r.error_fields().len(), 20, "{}", r.text);
    assert!(
        r.body["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("1 more"),
        "{}",
        r.text
    );
}

#[actix_rt::test]
async fn probes_may_ask_with_head() {
    let db = TestDb::new();
    let app = app(&db).await;
    for path in ["/healthz", "/readyz"] {
        let r = send(&app, Method::HEAD, path, None, None).await;
        assert_eq!(r.status, 200, "{path}");
    }
}

#[actix_rt::test]
async fn a_request_head_too_long_is_answered_with_a_problem() {
    let db = TestDb::new();
    let app = app(&db).await;
    let long = format!("/api/v1/issues?q={}", "x".repeat(20_000));
    let r = send(&app, Method::GET, &long, None, None).await;
    r.problem(414);
    assert!(r.text.contains("8192"), "{}", r.text);

    let req = TestRequest::get()
        .uri("/healthz")
        .insert_header(("x-padding", "y".repeat(20_000)));
    let r = send_request(&app, req).await;
    r.problem(431);
    assert!(r.text.contains("x-padding"), "{}", r.text);

    let mut req = TestRequest::get().uri("/healthz");
    for i in 0..4 {
        req = req.insert_header((format!("x-part-{i}"), "z".repeat(10_000)));
    }
    send_request(&app, req).await.problem(431);

    // Heads under the limits are served as before.
    let req = TestRequest::get()
        .uri("/healthz")
        .insert_header(("x-padding", "y".repeat(8_000)));
    assert_eq!(send_request(&app, req).await.status, 200);
}

#[actix_rt::test]
async fn first_sign_in_failures_at_once_are_all_counted() {
    let db = TestDb::new();
    let app = app(&db).await;
    admin_token(&app, &db).await;
    let wrong = json!({"username": "nobody.here", "password": "wrong password"});
    let tries: Vec<_> = (0..4)
        .map(|_| send(&app, Method::POST, "/api/v1/auth/login", None, Some(&wrong)))
        .collect();
    for r in futures_util::future::join_all(tries).await {
        r.problem(401);
    }
    let mut conn = db.connect();
    assert!(
        count(
            &mut conn,
            "SELECT CAST(max(failures) AS BIGINT) AS n FROM login_throttle WHERE key LIKE 'user:%'"
        ) >= 1
    );
}

#[actix_rt::test]
async fn the_timeline_is_append_only_in_the_database() {
    let db = TestDb::new();
    let app = app(&db).await;
    let w = world(&app, &db).await;
    let r = send(
        &app,
        Method::POST,
        "/api/v1/issues",
        w.token("ent_a"),
        Some(&json!({"title": "x", "description": "x", "category": "tax", "channel": "online"})),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let mut conn = db.connect();
    for sql in [
        "UPDATE issue_events SET details = '{}'",
        "DELETE FROM issue_events",
    ] {
        use diesel::connection::SimpleConnection;
        let e = conn
            .batch_execute(sql)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("append-only"), "{sql}: {e}");
    }
    assert_eq!(
        count(&mut conn, "SELECT count(*) AS n FROM issue_events"),
        1
    );
}

/// A sign-in from `client`, arriving through the proxy at 127.0.0.1.
fn through_proxy(client: &str, password: &str) -> TestRequest {
    TestRequest::post()
        .uri("/api/v1/auth/login")
        .peer_addr("127.0.0.1:40000".parse().unwrap_or_else(|e| panic!("{e}")))
        .insert_header(("x-forwarded-for", format!("{client}, 127.0.0.1")))
        .set_json(json!({"username": "admin", "password": password}))
}

#[actix_rt::test]
async fn a_guesser_behind_the_proxy_does_not_lock_the_owner_out() {
    let db = TestDb::new();
    let proxies = qinqing::domain::notice::Allow::parse_list("127.0.0.1").unwrap_or_default();
    let app = app_configured(&db, &notify_config(), proxies, false).await;
    let admin = admin_token(&app, &db).await;
    // Someone at 203.0.113.5 guesses, through the office's proxy.
    for _ in 0..6 {
        send_request(&app, through_proxy("203.0.113.5", "wrong guess"))
            .await
            .problem(401);
    }
    send_request(&app, through_proxy("203.0.113.5", PASSWORD))
        .await
        .problem(429);
    // The owner at 198.51.100.7, through the same proxy, signs in.
    let r = send_request(&app, through_proxy("198.51.100.7", PASSWORD)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    // A forged X-Forwarded-For from a peer that is not a trusted proxy is not believed:
    // the peer's own address is throttled.
    for _ in 0..6 {
        let forged = TestRequest::post()
            .uri("/api/v1/auth/login")
            .peer_addr("192.0.2.9:5000".parse().unwrap_or_else(|e| panic!("{e}")))
            .insert_header(("x-forwarded-for", "198.51.100.7"))
            .set_json(json!({"username": "admin", "password": "wrong again"}));
        send_request(&app, forged).await.problem(401);
    }
    let r = send_request(&app, through_proxy("198.51.100.7", PASSWORD)).await;
    assert_eq!(r.status, 200, "the owner is still let in: {}", r.text);
    let mut conn = db.connect();
    assert_eq!(
        count(
            &mut conn,
            "SELECT count(*) AS n FROM login_throttle WHERE key = 'addr:192.0.2.9'"
        ),
        1
    );

    // Guessing from many places slows every try down for a moment, never for long, and
    // the owner is told.
    for i in 0..20 {
        send_request(
            &app,
            through_proxy(&format!("203.0.113.{}", 20 + i), "spread guess"),
        )
        .await;
    }
    let r = send_request(&app, through_proxy("198.51.100.7", PASSWORD)).await;
    r.problem(429);
    let wait: u64 = r
        .header("retry-after")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    assert!((1..=30).contains(&wait), "Retry-After {wait}");
    let notices = send(
        &app,
        Method::GET,
        "/api/v1/notifications",
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(
        notices.body["items"][0]["kind"], "sign_in_failures",
        "{}",
        notices.text
    );
    assert_eq!(notices.body["total"], 1, "told once: {}", notices.text);
}

#[actix_rt::test]
async fn a_query_that_does_not_read_names_its_parameter() {
    let db = TestDb::new();
    let app = app(&db).await;
    let w = world(&app, &db).await;
    let coord = w.token("coord_city");
    // (A date in the wrong shape is a 422: `queries_are_read_strictly`.)
    for (path, field) in [
        ("/api/v1/issues?page=x", "page"),
        ("/api/v1/notifications?unread=maybe", "unread"),
        ("/api/v1/notifications?colour=red", "colour"),
    ] {
        let r = send(&app, Method::GET, path, coord, None).await;
        r.problem(400);
        assert_eq!(r.error_fields(), vec![field], "{path}: {}", r.text);
        assert!(!r.text.contains("Query deserialize error"), "{}", r.text);
    }
}

#[actix_rt::test]
async fn metrics_are_served_only_when_asked_for() {
    let db = TestDb::new();
    let app = app(&db).await;
    send(&app, Method::GET, "/metrics", None, None)
        .await
        .problem(404);
    let app = app_configured(&db, &notify_config(), Vec::new(), true).await;
    let w = world(&app, &db).await;
    let r = send(
        &app,
        Method::POST,
        "/api/v1/issues",
        w.token("ent_a"),
        Some(&json!({"title": "x", "description": "x", "category": "tax", "channel": "online"})),
    )
    .await;
    let id = r.body["id"].as_i64().unwrap_or_default();
    send(
        &app,
        Method::GET,
        &format!("/api/v1/issues/{id}"),
        w.token("ent_a"),
        None,
    )
    .await;
    let r = send_request(&app, TestRequest::get().uri("/metrics")).await;
    assert_eq!(r.status, 200);
    assert!(r
        .header("content-type")
        .unwrap_or_default()
        .starts_with("text/plain"));
    for line in [
        r#"qinqing_http_requests_total{route="/api/v1/issues/{id}",method="GET",status="200"} 1"#,
        r#"qinqing_http_requests_total{route="/api/v1/issues",method="POST",status="201"} 1"#,
        r#"qinqing_issues{state="submitted"} 1"#,
        r#"qinqing_issues{state="closed"} 0"#,
        "qinqing_issues_overdue 0",
        "qinqing_notices_waiting 0",
        r#"qinqing_http_request_duration_seconds_count{route="/api/v1/issues/{id}",method="GET"} 1"#,
    ] {
        assert!(r.text.contains(line), "{line} missing from\n{}", r.text);
    }
    assert!(
        r.text
            .contains("qinqing_db_pool_connections{state=\"in_use\"}"),
        "{}",
        r.text
    );
}

#[actix_rt::test]
async fn the_signing_secret_is_not_in_the_database() {
    let db = TestDb::new();
    // An older version kept it in `settings`; the migration removes it.
    let app = app(&db).await;
    let _ = admin_token(&app, &db).await;
    let mut conn = db.connect();
    match qinqing::store::settings::get(&mut conn, "jwt_secret") {
        Ok(None) => {}
        other => panic!("a secret is kept in the database: {other:?}"),
    }

    // PostgreSQL: the setting is required, and the refusal says so.
    let pg = qinqing::db::Backend::Postgres("postgres://nowhere/none".into());
    match qinqing::server::token_secret(&pg, None) {
        Err(e) => assert!(e.contains("QINQING_JWT_SECRET"), "{e}"),
        Ok(_) => panic!("PostgreSQL started without a configured secret"),
    }
    let given = "a configured secret of at least thirty-two bytes";
    assert_eq!(
        qinqing::server::token_secret(&pg, Some(given)).as_deref(),
        Ok(given)
    );

    // SQLite: a file beside the database, owner-only, the same at every start.
    let path = std::env::temp_dir().join(format!("qinqing_secret_{}.db", unique_suffix()));
    let path = path.to_string_lossy().into_owned();
    let sqlite = qinqing::db::Backend::Sqlite(path.clone());
    let first = qinqing::server::token_secret(&sqlite, None).unwrap_or_else(|e| panic!("{e}"));
    let again = qinqing::server::token_secret(&sqlite, None).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(first, again);
    assert_eq!(first.len(), 64);
    let file = format!("{path}.secret");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file)
            .map(|m| m.permissions().mode() & 0o777)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(mode, 0o600, "{file}");
    }
    let _ = std::fs::remove_file(&file);
}

/// The columns of `issues` but its id, to copy rows in bulk.
const ISSUE_COLUMNS: &str = "title, description, category, channel, status, enterprise_id, \
    region_id, forum_id, lead_department_id, due_on, resolved_on_site, common, supervision, \
    reopen_count, return_count, dissatisfied_count, urge_count, supervise_count, answer_outcome, \
    answer_text, answer_planned_on, answered_at, answer_count, first_answered_at, \
    answered_on_time, working_days_to_answer, rating, assigned_at, filed_on, created_by, \
    created_at, updated_at, version, handler_id";

#[actix_rt::test]
async fn clients_reading_exports_slowly_do_not_drain_the_pool() {
    use diesel::connection::SimpleConnection;
    use std::io::{Read, Write};
    let db = TestDb::new();
    let app = app(&db).await;
    let w = world(&app, &db).await;
    let ent = w.token("ent_a").unwrap_or_default();
    let long = "厂房租金与用地指标问题，".repeat(150);
    let r = send(
        &app,
        Method::POST,
        "/api/v1/issues",
        Some(ent),
        Some(
            &json!({"title": "用地", "description": long, "category": "land", "channel": "online"}),
        ),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    // 65,536 issues: a ledger of some 10 MB, far beyond what the sockets and the stream's
    // buffer hold, in many pages.
    let mut conn = db.connect();
    for _ in 0..16 {
        let sql =
            format!("INSERT INTO issues ({ISSUE_COLUMNS}) SELECT {ISSUE_COLUMNS} FROM issues");
        conn.batch_execute(&sql).unwrap_or_else(|e| panic!("{e}"));
    }
    drop(conn);

    // A real server whose pool holds two connections, waiting at most two seconds for one.
    let pool = qinqing::db::build_pool(
        &db.backend(),
        &qinqing::db::PoolOptions {
            max_size: 2,
            timeout: std::time::Duration::from_secs(2),
        },
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let auth = auth_config(&db);
    let state = qinqing::server::build_state(pool, &db.backend(), &auth, &notify_config())
        .unwrap_or_else(|e| panic!("{e}"));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("{e}"));
    let addr = listener.local_addr().unwrap_or_else(|e| panic!("{e}"));
    let server = actix_web::HttpServer::new(move || qinqing::app::app(state.clone()))
        .workers(2)
        .disable_signals()
        .listen(listener)
        .unwrap_or_else(|e| panic!("{e}"))
        .run();
    let handle = server.handle();
    actix_web::rt::spawn(server);

    let coord = w.token("coord_city").unwrap_or_default().to_owned();
    let get = move |path: &str, token: &str| -> std::net::TcpStream {
        let mut s = std::net::TcpStream::connect(addr).unwrap_or_else(|e| panic!("{e}"));
        let req =
            format!("GET {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\r\n");
        s.write_all(req.as_bytes())
            .unwrap_or_else(|e| panic!("{e}"));
        s
    };
    let readers = {
        let coord = coord.clone();
        actix_web::web::block(move || {
            // Four downloads, each read for its first bytes and then left waiting.
            let mut open = Vec::new();
            for format in ["csv", "csv", "csv", "csv"] {
                let mut s = get(&format!("/api/v1/issues/export?format={format}"), &coord);
                let mut first = [0u8; 64];
                let n = s.read(&mut first).unwrap_or_default();
                assert!(
                    String::from_utf8_lossy(&first[..n]).starts_with("HTTP/1.1 200"),
                    "{}",
                    String::from_utf8_lossy(&first[..n])
                );
                open.push(s);
            }
            std::thread::sleep(std::time::Duration::from_secs(2));
            // Meanwhile the service still answers what needs the database.
            let mut answers = Vec::new();
            for path in ["/readyz", "/api/v1/me", "/api/v1/issues?per_page=1"] {
                let mut s = get(path, &coord);
                s.set_read_timeout(Some(std::time::Duration::from_secs(10)))
                    .unwrap_or_else(|e| panic!("{e}"));
                let mut head = [0u8; 16];
                let n = s.read(&mut head).unwrap_or_default();
                answers.push((path, String::from_utf8_lossy(&head[..n]).into_owned()));
            }
            drop(open);
            answers
        })
        .await
        .unwrap_or_else(|e| panic!("{e}"))
    };
    for (path, head) in readers {
        assert!(head.starts_with("HTTP/1.1 200"), "{path}: {head}");
    }
    handle.stop(false).await;
}

#[test]
fn sign_in_failures_at_once_are_each_counted() {
    // Sixteen failures under one key at once, each on its own connection: the counter ends
    // at sixteen (a read-then-write counter loses some on PostgreSQL).
    let db = TestDb::new();
    let policy = qinqing::domain::throttle::per_address();
    let now = qinqing::store::now();
    let start = std::sync::Arc::new(std::sync::Barrier::new(16));
    let runs: Vec<_> = (0..16)
        .map(|_| {
            let (mut conn, start) = (db.connect(), start.clone());
            let policy = policy.clone();
            std::thread::spawn(move || {
                start.wait();
                qinqing::store::throttle::record_failure(&mut conn, "addr:192.0.2.9", &policy, now)
            })
        })
        .collect();
    for run in runs {
        match run.join() {
            Ok(Ok(_)) => {}
            other => panic!("{other:?}"),
        }
    }
    let mut conn = db.connect();
    let counter = qinqing::store::throttle::get(&mut conn, "addr:192.0.2.9");
    assert_eq!(counter.map(|c| c.map(|c| c.failures)), Ok(Some(16)));
}

#[actix_rt::test]
async fn queries_are_read_strictly() {
    let db = TestDb::new();
    let app = app(&db).await;
    let w = world(&app, &db).await;
    let coord = w.token("coord_city");
    // An unknown parameter on a list, a figure or the export: 400 naming it.
    for path in [
        "/api/v1/issues?statuss=closed",
        "/api/v1/issues/export?format=csv&statuss=closed",
        "/api/v1/stats/summary?statuss=closed",
        "/api/v1/forums?statuss=held",
        "/api/v1/editions?froms=2022-01-01",
        "/api/v1/enterprises?nam=x",
    ] {
        let r = send(&app, Method::GET, path, coord, None).await;
        r.problem(400);
        assert!(
            r.error_fields()
                .iter()
                .any(|f| f.starts_with("statuss") || f == "froms" || f == "nam"),
            "{path}: {}",
            r.text
        );
    }
    // A date in the wrong shape: 422 naming the parameter.
    for (path, field) in [
        ("/api/v1/stats/summary?from=2022-2-3", "from"),
        ("/api/v1/stats/summary?to=0000-01-01", "to"),
        ("/api/v1/stats/trend?from=10000-01-01", "from"),
        ("/api/v1/issues?from=2022-02-30", "from"),
        ("/api/v1/issues/export?to=2022-2-3", "to"),
        ("/api/v1/forums?from=2022-6-8", "from"),
    ] {
        let r = send(&app, Method::GET, path, coord, None).await;
        r.problem(422);
        assert_eq!(r.error_fields(), vec![field], "{path}: {}", r.text);
    }
    assert_eq!(
        send(
            &app,
            Method::GET,
            "/api/v1/stats/summary?from=2022-02-03",
            coord,
            None
        )
        .await
        .status,
        200
    );
    // `basis`: filed or activity; anything else names the parameter.
    let r = send(
        &app,
        Method::GET,
        "/api/v1/stats/summary?basis=filed",
        coord,
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = send(
        &app,
        Method::GET,
        "/api/v1/stats/departments?basis=activity",
        coord,
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = send(
        &app,
        Method::GET,
        "/api/v1/stats/departments?basis=events",
        coord,
        None,
    )
    .await;
    r.problem(422);
    assert_eq!(r.error_fields(), vec!["basis"], "{}", r.text);
    // A filter naming what the caller cannot see: 404, as for the object itself.
    let (leader_b, coord_b) = (w.token("leader_b"), w.token("coord_b"));
    let ent_a = w.id("ent_a_enterprise");
    for (token, path) in [
        (
            leader_b,
            format!("/api/v1/stats/summary?region_id={DEQING}"),
        ),
        (
            leader_b,
            format!("/api/v1/stats/departments?region_id={CITY}"),
        ),
        (coord_b, format!("/api/v1/issues?region_id={DEQING}")),
        (coord_b, format!("/api/v1/issues?enterprise_id={ent_a}")),
        (coord_b, format!("/api/v1/issues/export?region_id={DEQING}")),
        (
            coord,
            "/api/v1/stats/summary?department_id=999999".to_owned(),
        ),
        (coord, "/api/v1/stats/summary?forum_id=999999".to_owned()),
        (coord, "/api/v1/stats/summary?edition_id=999999".to_owned()),
        (coord, "/api/v1/issues?region_id=999999".to_owned()),
    ] {
        send(&app, Method::GET, &path, token, None)
            .await
            .problem(404);
    }
    let r = send(
        &app,
        Method::GET,
        &format!("/api/v1/stats/summary?region_id={CHANGXING}"),
        leader_b,
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
}

/// Served over HTTPS (`--cookie-secure`), every answer tells the browser to come back only
/// over HTTPS (HSTS); served over plain HTTP (the default), none does, since a browser
/// reached over HTTP ignores it and an intranet test server must stay reachable.
#[actix_rt::test]
async fn hsts_is_sent_exactly_when_the_service_is_served_over_https() {
    let db = TestDb::new();
    for secure in [false, true] {
        let auth = qinqing::config::AuthConfig {
            cookie_secure: secure,
            ..auth_config(&db)
        };
        let state = qinqing::server::build_state(db.pool(), &db.backend(), &auth, &notify_config())
            .unwrap_or_else(|e| panic!("{e}"));
        let app = actix_web::test::init_service(qinqing::app::app(state)).await;
        for path in ["/healthz", "/login", "/api/v1/me", "/no/such/page"] {
            let r = send(&app, Method::GET, path, None, None).await;
            let hsts = r.header("strict-transport-security");
            if secure {
                assert_eq!(hsts.as_deref(), Some("max-age=31536000"), "{path}");
            } else {
                assert_eq!(hsts, None, "{path}");
            }
        }
    }
}

/// Every date anyone enters lies between 2000-01-01 and 2099-12-31: a due date, an
/// extension's, a planned date, an edition's day, a calendar's year, and every period of a
/// list or a figure (422 naming the field); a day far outside (`+10000-01-01`, year 0001)
/// is refused the same way, never stored and never a 500.
#[actix_rt::test]
async fn dates_outside_this_century_are_refused_naming_the_field() {
    let db = TestDb::new();
    let app = app(&db).await;
    let w = world(&app, &db).await;
    let (coord, dept, admin) = (w.token("coord_city"), w.token("dept_a"), w.token("admin"));
    let file = || async {
        let r = send(
            &app,
            Method::POST,
            "/api/v1/issues",
            w.token("ent_a"),
            Some(&json!({"title": "用地", "description": "用地指标", "category": "land", "channel": "online"})),
        )
        .await;
        r.body["id"].as_i64().unwrap_or_default()
    };
    let id = file().await;
    let lead = w.id("dept_a_department");
    for due in ["2100-01-01", "+10000-01-01", "9999-12-31"] {
        let r = send(
            &app,
            Method::POST,
            &format!("/api/v1/issues/{id}/assign"),
            coord,
            Some(&json!({"lead_department_id": lead, "due_on": due})),
        )
        .await;
        r.problem(422);
        assert_eq!(r.error_fields(), vec!["due_on"], "{due}: {}", r.text);
    }
    let r = send(
        &app,
        Method::POST,
        &format!("/api/v1/issues/{id}/assign"),
        coord,
        Some(&json!({"lead_department_id": lead, "due_on": "2099-12-31"})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = send(
        &app,
        Method::POST,
        &format!("/api/v1/issues/{id}/sign"),
        dept,
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    // The due date is the last day allowed: no later one can be asked for.
    let r = send(
        &app,
        Method::POST,
        &format!("/api/v1/issues/{id}/extensions"),
        dept,
        Some(&json!({"new_due_on": "+10000-01-01", "reason": "需要更多时间"})),
    )
    .await;
    r.problem(422);
    assert_eq!(r.error_fields(), vec!["new_due_on"], "{}", r.text);
    for planned in ["2100-01-01", "+10000-01-01"] {
        let r = send(
            &app,
            Method::POST,
            &format!("/api/v1/issues/{id}/answer"),
            dept,
            Some(&json!({"outcome": "planned", "text": "列入计划", "planned_on": planned})),
        )
        .await;
        r.problem(422);
        assert_eq!(
            r.error_fields(),
            vec!["planned_on"],
            "{planned}: {}",
            r.text
        );
    }
    let r = send(
        &app,
        Method::POST,
        "/api/v1/editions",
        coord,
        Some(&json!({"number": 900, "held_on": "2100-01-06", "theme": "远期"})),
    )
    .await;
    r.problem(422);
    assert_eq!(r.error_fields(), vec!["held_on"], "{}", r.text);
    let r = send(
        &app,
        Method::PUT,
        "/api/v1/calendar/2100",
        admin,
        Some(&json!({"holidays": ["2100-01-01"], "workdays": []})),
    )
    .await;
    r.problem(422);
    assert_eq!(r.error_fields(), vec!["year"], "{}", r.text);
    for path in [
        "/api/v1/stats/summary?from=0001-01-01&to=9999-12-31",
        "/api/v1/stats/departments?from=1999-12-31",
        "/api/v1/stats/trend?granularity=month&to=2100-01-01",
        "/api/v1/issues?from=0001-01-01",
        "/api/v1/issues/export?format=csv&to=9999-12-31",
        "/api/v1/editions?from=0001-01-01",
        "/api/v1/forums?to=9999-12-31",
    ] {
        let r = send(&app, Method::GET, path, admin, None).await;
        r.problem(422);
        let want: Vec<&str> = ["from", "to"]
            .into_iter()
            .filter(|f| path.contains(&format!("{f}=")))
            .collect();
        assert_eq!(r.error_fields(), want, "{path}: {}", r.text);
    }
}

/// A day stored before dates were bounded never breaks the ledger: Excel cannot hold
/// year 10000 as a date, so the cell says it in text and the file is whole.
#[actix_rt::test]
async fn the_ledger_is_whole_whatever_day_is_stored() {
    let db = TestDb::new();
    let app = app(&db).await;
    let w = world(&app, &db).await;
    let r = send(
        &app,
        Method::POST,
        "/api/v1/issues",
        w.token("ent_a"),
        Some(&json!({"title": "远期", "description": "远期", "category": "tax", "channel": "online"})),
    )
    .await;
    let id = r.body["id"].as_i64().unwrap_or_default();
    let r = send(
        &app,
        Method::POST,
        &format!("/api/v1/issues/{id}/assign"),
        w.token("coord_city"),
        Some(&json!({"lead_department_id": w.id("dept_a_department")})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let mut conn = db.connect();
    let far = if db.is_postgres() {
        "DATE '9999-12-31'"
    } else {
        "'+10000-01-01'"
    };
    exec(
        &mut conn,
        &format!("UPDATE issues SET due_on = {far} WHERE id = {id}"),
    );
    for format in ["xlsx", "csv"] {
        let (status, _, body) = crate::export::get_raw(
            &app,
            w.token("admin"),
            &format!("/api/v1/issues/export?format={format}"),
        )
        .await;
        assert_eq!(status, 200, "{format}");
        if format == "xlsx" {
            // The whole file: a zip whose sheet and shared strings read to the end.
            let sheet = crate::export::xlsx_part(&body, "xl/worksheets/sheet1.xml");
            assert!(sheet.ends_with("</worksheet>"), "the sheet is cut short");
            if !db.is_postgres() {
                let inline = sheet.contains("+10000-01-01");
                assert!(
                    inline
                        || crate::export::xlsx_part(&body, "xl/sharedStrings.xml")
                            .contains("+10000-01-01"),
                    "the day is in the sheet as text"
                );
            }
        } else {
            let text = String::from_utf8_lossy(&body);
            assert!(text.lines().count() >= 2, "{text}");
        }
    }
}

/// A query that does not decode to UTF-8 is refused naming its parameter, before any
/// handler reads it as something else.
#[actix_rt::test]
async fn a_query_that_is_not_utf8_is_refused() {
    let db = TestDb::new();
    let app = app(&db).await;
    let admin = admin_token(&app, &db).await;
    for (path, field) in [
        ("/api/v1/issues?q=%FF%FE", "q"),
        ("/api/v1/issues?status=answered&q=%C3", "q"),
        ("/api/v1/enterprises?q=%C0%AF", "q"),
        ("/api/v1/issues/export?format=csv&q=%ED%A0%80", "q"),
    ] {
        let r = send(&app, Method::GET, path, Some(&admin), None).await;
        r.problem(400);
        assert_eq!(r.error_fields(), vec![field], "{path}: {}", r.text);
    }
    let r = send(
        &app,
        Method::GET,
        "/api/v1/issues?q=%E8%B4%B7%E6%AC%BE",
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
}

/// A sign-in as `username` from the client address `ip` (no proxy).
fn sign_in_from(ip: &str, username: &str, password: &str) -> TestRequest {
    TestRequest::post()
        .uri("/api/v1/auth/login")
        .peer_addr(
            format!("{ip}:40000")
                .parse()
                .unwrap_or_else(|e| panic!("{e}")),
        )
        .set_json(json!({"username": username, "password": password}))
}

/// An office behind one address is not locked out by one guesser among them: once the
/// address is throttled, a wrong password from it is answered 429 (as is anything for an
/// account that has failed lately), but a right password of an account that has not
/// failed still gets in. The per-account throttle is as before.
#[actix_rt::test]
async fn a_guesser_does_not_lock_out_the_office_behind_one_address() {
    let db = TestDb::new();
    let app = app(&db).await;
    let admin = admin_token(&app, &db).await;
    for name in ["clerk.one", "clerk.two"] {
        create(
            &app,
            &admin,
            "/api/v1/users",
            json!({"username": name, "password": PASSWORD, "display_name": name, "role": "admin"}),
        )
        .await;
    }
    let office = "198.51.100.20";
    // Thirty-two failures under random names from the office's address: past the thirtieth
    // the address is throttled.
    let mut throttled = false;
    for i in 0..32 {
        let r = send_request(&app, sign_in_from(office, &format!("nobody{i}"), "guess")).await;
        if r.status == 429 {
            throttled = true;
        } else {
            r.problem(401);
        }
    }
    assert!(throttled, "the address was never throttled");
    // Wrong passwords from it: throttled, for a real account too.
    let r = send_request(&app, sign_in_from(office, "clerk.two", "wrong password")).await;
    r.problem(429);
    assert!(r.header("retry-after").is_some());
    // A colleague's right password: in.
    let r = send_request(&app, sign_in_from(office, "clerk.one", PASSWORD)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    // clerk.two failed just now: its right password waits while the address is throttled,
    // and gets in from elsewhere.
    let r = send_request(&app, sign_in_from(office, "clerk.two", PASSWORD)).await;
    r.problem(429);
    let r = send_request(&app, sign_in_from("203.0.113.77", "clerk.two", PASSWORD)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    // The per-account throttle holds from a clean address as before.
    for _ in 0..6 {
        send_request(&app, sign_in_from("203.0.113.88", "clerk.one", "nope"))
            .await
            .problem(401);
    }
    send_request(&app, sign_in_from("203.0.113.88", "clerk.one", PASSWORD))
        .await
        .problem(429);
}

/// A body sent slowly (or never) cannot hold a connection for good: past the body timeout
/// the request is answered 408 with a problem body and the connection is closed, while a
/// body that arrives in time is read as ever.
#[actix_rt::test]
async fn a_body_must_arrive_within_the_body_timeout() {
    use std::io::{Read, Write};
    let db = TestDb::new();
    let auth = auth_config(&db);
    let mut state = qinqing::server::build_state(db.pool(), &db.backend(), &auth, &notify_config())
        .unwrap_or_else(|e| panic!("{e}"));
    state.body_timeout = std::time::Duration::from_secs(1);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("{e}"));
    let addr = listener.local_addr().unwrap_or_else(|e| panic!("{e}"));
    let server = actix_web::HttpServer::new(move || qinqing::app::app(state.clone()))
        .workers(1)
        .disable_signals()
        .listen(listener)
        .unwrap_or_else(|e| panic!("{e}"))
        .run();
    let handle = server.handle();
    actix_web::rt::spawn(server);
    let outcome = actix_web::web::block(move || {
        let mut answers = Vec::new();
        // Half a sign-in body, then nothing: the JSON API and a page's form alike.
        for (path, kind) in [
            ("/api/v1/auth/login", "application/json"),
            ("/login", "application/x-www-form-urlencoded"),
        ] {
            let mut s = std::net::TcpStream::connect(addr).unwrap_or_else(|e| panic!("{e}"));
            s.set_read_timeout(Some(std::time::Duration::from_secs(10)))
                .unwrap_or_else(|e| panic!("{e}"));
            let head = format!(
                "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: {kind}\r\nContent-Length: 100\r\n\r\n{{\"usern"
            );
            s.write_all(head.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
            let started = std::time::Instant::now();
            let mut answer = Vec::new();
            let _ = s.read_to_end(&mut answer);
            answers.push((
                String::from_utf8_lossy(&answer).into_owned(),
                started.elapsed(),
            ));
        }
        // A body that arrives in pieces within the time is read.
        let mut s = std::net::TcpStream::connect(addr).unwrap_or_else(|e| panic!("{e}"));
        s.set_read_timeout(Some(std::time::Duration::from_secs(10)))
            .unwrap_or_else(|e| panic!("{e}"));
        let body = r#"{"username": "nobody", "password": "wrong password"}"#;
        let head = format!(
            "POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        s.write_all(head.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
        let (a, b) = body.split_at(10);
        s.write_all(a.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
        std::thread::sleep(std::time::Duration::from_millis(300));
        s.write_all(b.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
        let mut answer = Vec::new();
        let _ = s.read_to_end(&mut answer);
        answers.push((
            String::from_utf8_lossy(&answer).into_owned(),
            std::time::Duration::ZERO,
        ));
        answers
    })
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    handle.stop(false).await;
    for (answer, took) in &outcome[..2] {
        assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
        assert!(answer.contains("application/problem+json"), "{answer}");
        assert!(answer.contains("\"status\":408"), "{answer}");
        assert!(
            *took < std::time::Duration::from_secs(5),
            "the connection stayed open {took:?}"
        );
    }
    assert!(outcome[2].0.starts_with("HTTP/1.1 401"), "{}", outcome[2].0);
}
