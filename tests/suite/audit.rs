//! 操作日志: each administrative change leaves one line with who, when, what, before and
//! after, in its own transaction; administrators read it, filtered; nobody rewrites it.

use crate::common::*;
use actix_web::http::Method;
use serde_json::{json, Value};

#[actix_rt::test]
async fn every_administrative_change_leaves_its_line() {
    let db = TestDb::new();
    let app = app(&db).await;
    let w = world(&app, &db).await;
    let admin = w.token("admin");
    let coord = w.token("coord_city");
    let admin_id = count(
        &mut db.connect(),
        "SELECT id AS n FROM users WHERE role = 'admin' ORDER BY id LIMIT 1",
    );
    let ok = |r: &Reply| assert!(r.status.is_success(), "{}", r.text);
    let mark = count(&mut db.connect(), "SELECT COUNT(*) AS n FROM audit_log");

    // A user: created, changed, its password reset.
    let r = send(
        &app,
        Method::POST,
        "/api/v1/users",
        admin,
        Some(&json!({
        "username": "clerk.one", "password": PASSWORD, "display_name": "办事员", "role": "leader",
        "region_id": CITY})),
    )
    .await;
    ok(&r);
    let user = r.body["id"].as_i64().unwrap_or_default();
    ok(&send(
        &app,
        Method::PATCH,
        &format!("/api/v1/users/{user}"),
        admin,
        Some(&json!({"display_name": "办事员甲"})),
    )
    .await);
    ok(&send(
        &app,
        Method::POST,
        &format!("/api/v1/users/{user}/password"),
        admin,
        Some(&json!({"password": "a new secret phrase"})),
    )
    .await);
    // A department renamed; a region; a year's calendar; a channel made, changed, removed.
    let dept = w.id("dept_a_department");
    let old_name = send(
        &app,
        Method::GET,
        &format!("/api/v1/departments/{dept}"),
        admin,
        None,
    )
    .await
    .body["name"]
        .clone();
    ok(&send(
        &app,
        Method::PATCH,
        &format!("/api/v1/departments/{dept}"),
        admin,
        Some(&json!({"name": "市自然资源局"})),
    )
    .await);
    ok(&send(
        &app,
        Method::POST,
        "/api/v1/regions",
        admin,
        Some(&json!({"code": "330599", "name": "示范区", "parent_id": CITY})),
    )
    .await);
    ok(&send(
        &app,
        Method::PUT,
        "/api/v1/calendar/2031",
        admin,
        Some(&json!({"holidays": ["2031-01-01"], "workdays": []})),
    )
    .await);
    let hook = crate::common::receiver::Receiver::start();
    let r = send(&app, Method::POST, "/api/v1/channels", admin,
        Some(&json!({"kind": "webhook", "target": hook.url("/h"), "secret": "s3cret-value-for-signing", "region_id": CITY}))).await;
    ok(&r);
    let channel = r.body["id"].as_i64().unwrap_or_default();
    ok(&send(
        &app,
        Method::PATCH,
        &format!("/api/v1/channels/{channel}"),
        admin,
        Some(&json!({"target": hook.url("/h2")})),
    )
    .await);
    ok(&send(
        &app,
        Method::DELETE,
        &format!("/api/v1/channels/{channel}"),
        admin,
        None,
    )
    .await);
    // A coordinator's: an enterprise corrected, an edition planned.
    let ent = w.id("ent_a_enterprise");
    ok(&send(
        &app,
        Method::PATCH,
        &format!("/api/v1/enterprises/{ent}"),
        coord,
        Some(&json!({"industry": "纺织"})),
    )
    .await);
    ok(&send(
        &app,
        Method::POST,
        "/api/v1/editions/plan",
        coord,
        Some(&json!({"held_on": "2031-06-11", "theme": "纺织业专场", "region_ids": [CITY]})),
    )
    .await);

    let lines = |query: &str| {
        let (path, app) = (format!("/api/v1/audit?per_page=100&{query}"), &app);
        async move {
            let r = send(app, Method::GET, &path, admin, None).await;
            assert_eq!(r.status, 200, "{path}: {}", r.text);
            r.body["items"].as_array().cloned().unwrap_or_default()
        }
    };
    let all = lines("").await;
    let total = count(&mut db.connect(), "SELECT COUNT(*) AS n FROM audit_log");
    assert_eq!(total - mark, 11, "{all:#?}");
    let said: Vec<(String, String)> = all
        .iter()
        .take(11)
        .rev()
        .map(|l| {
            (
                l["object"].as_str().unwrap_or("").to_owned(),
                l["action"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    let want: Vec<(String, String)> = [
        ("user", "create"),
        ("user", "update"),
        ("user", "reset_password"),
        ("department", "update"),
        ("region", "create"),
        ("calendar", "put"),
        ("channel", "create"),
        ("channel", "update"),
        ("channel", "delete"),
        ("enterprise", "update"),
        ("edition", "plan"),
    ]
    .iter()
    .map(|(o, a)| (o.to_string(), a.to_string()))
    .collect();
    assert_eq!(said, want);
    // Before and after, by whom.
    let rename = lines(&format!("object=department&object_id={dept}")).await;
    // Its creation (by the test's world), then the rename, newest first.
    assert_eq!(rename.len(), 2);
    assert_eq!(
        (rename[0]["action"].as_str(), rename[1]["action"].as_str()),
        (Some("update"), Some("create"))
    );
    assert_eq!(rename[0]["before"]["name"], old_name);
    assert_eq!(rename[0]["after"]["name"], "市自然资源局");
    assert_eq!(rename[0]["actor_id"], admin_id);
    let made = lines(&format!("object=user&object_id={user}")).await;
    assert_eq!(made.len(), 3);
    assert_eq!(made[2]["before"], Value::Null);
    assert_eq!(made[2]["after"]["username"], "clerk.one");
    assert_eq!(made[1]["before"]["display_name"], "办事员");
    assert_eq!(made[1]["after"]["display_name"], "办事员甲");
    // Neither a password nor a channel's secret is ever written.
    let text = serde_json::to_string(&all).unwrap_or_default();
    for secret in [PASSWORD, "a new secret phrase", "s3cret-value-for-signing"] {
        assert!(!text.contains(secret), "{secret} in the log");
    }
    assert!(lines(&format!("actor_id={admin_id}&object=edition"))
        .await
        .is_empty());
    let today = qinqing::domain::time::today();
    assert!(lines(&format!("from={today}&to={today}")).await.len() >= 11);
    assert!(lines("from=2000-01-01&to=2000-01-02").await.is_empty());

    // Administrators only; filters checked; the log refuses to be rewritten.
    send(&app, Method::GET, "/api/v1/audit", coord, None)
        .await
        .problem(403);
    send(
        &app,
        Method::GET,
        "/api/v1/audit?object=planet",
        admin,
        None,
    )
    .await
    .problem(400);
    send(
        &app,
        Method::GET,
        "/api/v1/audit?from=2024-02-01&to=2024-01-01",
        admin,
        None,
    )
    .await
    .problem(422);
    let mut conn = db.connect();
    use diesel::connection::SimpleConnection;
    assert!(conn
        .batch_execute("UPDATE audit_log SET action = 'x'")
        .is_err());
    assert!(conn.batch_execute("DELETE FROM audit_log").is_err());
    // A refused change leaves no line.
    let before = count(&mut conn, "SELECT COUNT(*) AS n FROM audit_log");
    send(
        &app,
        Method::PATCH,
        &format!("/api/v1/departments/{dept}"),
        admin,
        Some(&json!({"region_id": 999999})),
    )
    .await;
    assert_eq!(
        count(&mut conn, "SELECT COUNT(*) AS n FROM audit_log"),
        before
    );
}
