//! The service's frame: health, readiness, request ids, and problem+json for every error
//! the framework itself produces.

use crate::common::{app, send, send_request, TestDb};
use actix_web::http::Method;
use actix_web::test::TestRequest;

#[actix_rt::test]
async fn healthz_and_readyz_answer() {
    let db = TestDb::new();
    let app = app(&db).await;
    let r = send(&app, Method::GET, "/healthz", None, None).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["status"], "ok");
    let r = send(&app, Method::GET, "/readyz", None, None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let want = if db.is_postgres() {
        "postgres"
    } else {
        "sqlite"
    };
    assert_eq!(r.body["database"], want);
}

#[actix_rt::test]
async fn unknown_path_is_problem_404() {
    let db = TestDb::new();
    let app = app(&db).await;
    let r = send(&app, Method::GET, "/nope", None, None).await;
    r.problem(404);
    let r = send(&app, Method::GET, "/api/v1/nothing/here", None, None).await;
    r.problem(404);
}

#[actix_rt::test]
async fn wrong_method_is_problem_405_with_allow() {
    let db = TestDb::new();
    let app = app(&db).await;
    let r = send(&app, Method::DELETE, "/healthz", None, None).await;
    r.problem(405);
    let allow = r.header("allow").unwrap_or_default();
    assert!(allow.contains("GET"), "Allow: {allow}");
}

#[actix_rt::test]
async fn request_id_is_kept_or_made() {
    let db = TestDb::new();
    let app = app(&db).await;
    let r = send(&app, Method::GET, "/healthz", None, None).await;
    let made = r.header("x-request-id").unwrap_or_default();
    assert!(!made.is_empty());
    let r2 = send(&app, Method::GET, "/healthz", None, None).await;
    assert_ne!(r2.header("x-request-id").unwrap_or_default(), made);
    let req = TestRequest::get()
        .uri("/healthz")
        .insert_header(("x-request-id", "abc-123"));
    let r = send_request(&app, req).await;
    assert_eq!(r.header("x-request-id").as_deref(), Some("abc-123"));
    // A header that could forge log lines is replaced.
    let req = TestRequest::get()
        .uri("/healthz")
        .insert_header(("x-request-id", "a b=c"));
    let r = send_request(&app, req).await;
    assert_ne!(r.header("x-request-id").as_deref(), Some("a b=c"));
}

/// An unreachable database answers 503 with Retry-After (not a hang, not a 500), and the
/// service recovers by itself once the database is back.
#[actix_rt::test]
async fn readyz_reports_an_unreachable_database_and_recovers() {
    let db = TestDb::new();
    if db.is_postgres() {
        let app = app(&db).await;
        assert_eq!(
            send(&app, Method::GET, "/readyz", None, None).await.status,
            200
        );
        db.drop_database();
        let r = send(&app, Method::GET, "/readyz", None, None).await;
        r.problem(503);
        assert!(r.header("retry-after").is_some());
        assert!(!r.text.contains("does not exist"), "{}", r.text);
        db.recreate_database();
        let r = send(&app, Method::GET, "/readyz", None, None).await;
        assert_eq!(r.status, 200, "{}", r.text);
    } else {
        // An embedded database has no outage to survive; what can fail is opening the
        // file, and that is refused at start with a message naming the cause.
        let opts = qinqing::db::PoolOptions {
            max_size: 2,
            timeout: std::time::Duration::from_secs(1),
        };
        let backend = qinqing::db::Backend::Sqlite("/nonexistent-dir/q.db".into());
        match qinqing::db::build_pool(&backend, &opts) {
            Ok(_) => panic!("opening a SQLite file in a missing folder must fail"),
            Err(e) => assert!(e.contains("cannot open the SQLite database"), "{e}"),
        }
    }
}
