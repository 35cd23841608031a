//! Signing in and out, tokens, and user management.

use crate::common::*;
use actix_web::http::Method;
use actix_web::test::TestRequest;
use base64::Engine;
use serde_json::{json, Value};

fn b64(v: &Value) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
}

fn secret(db: &TestDb) -> String {
    db.secret.clone()
}

fn sign(secret: &[u8], claims: &Value, alg: jsonwebtoken::Algorithm) -> String {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(alg),
        claims,
        &jsonwebtoken::EncodingKey::from_secret(secret),
    )
    .unwrap_or_default()
}

#[actix_rt::test]
async fn login_me_logout() {
    let db = TestDb::new();
    let app = app(&db).await;
    let admin = admin_token(&app, &db).await;
    let body = json!({"username": "admin", "password": PASSWORD});
    let r = send(&app, Method::POST, "/api/v1/auth/login", None, Some(&body)).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["token_type"], "Bearer");
    assert_eq!(r.body["expires_in"], 3600);
    assert_eq!(r.body["user"]["role"], "admin");
    assert!(r.body["user"].get("password_hash").is_none());
    assert!(!r.text.contains("argon2"));

    let me = send(&app, Method::GET, "/api/v1/me", Some(&admin), None).await;
    assert_eq!(me.status, 200);
    let keys: Vec<&str> = me
        .body
        .as_object()
        .map(|o| o.keys().map(String::as_str).collect())
        .unwrap_or_default();
    for k in [
        "id",
        "username",
        "display_name",
        "role",
        "region_id",
        "department_id",
        "enterprise_id",
        "active",
    ] {
        assert!(keys.contains(&k), "{k} missing from {}", me.text);
    }

    let r = send(
        &app,
        Method::POST,
        "/api/v1/auth/logout",
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(r.status, 204);
    let r = send(&app, Method::GET, "/api/v1/me", Some(&admin), None).await;
    r.problem(401);
    assert_eq!(r.header("www-authenticate").as_deref(), Some("Bearer"));
}

#[actix_rt::test]
async fn bad_credentials_answer_alike() {
    let db = TestDb::new();
    let app = app(&db).await;
    admin_token(&app, &db).await;
    let unknown = send(
        &app,
        Method::POST,
        "/api/v1/auth/login",
        None,
        Some(&json!({"username": "nobody", "password": PASSWORD})),
    )
    .await;
    let wrong = send(
        &app,
        Method::POST,
        "/api/v1/auth/login",
        None,
        Some(&json!({"username": "admin", "password": "wrong password"})),
    )
    .await;
    unknown.problem(401);
    wrong.problem(401);
    assert_eq!(unknown.body, wrong.body);
}

#[actix_rt::test]
async fn login_body_errors_are_problems() {
    let db = TestDb::new();
    let app = app(&db).await;
    let req = TestRequest::post()
        .uri("/api/v1/auth/login")
        .insert_header(("content-type", "application/json"))
        .set_payload("{\"username\": ");
    let r = send_request(&app, req).await;
    r.problem(400);
    assert!(!r.text.contains("line"), "{}", r.text);
    let req = TestRequest::post()
        .uri("/api/v1/auth/login")
        .insert_header(("content-type", "text/plain"))
        .set_payload("hello");
    send_request(&app, req).await.problem(415);
    let big = format!(
        "{{\"username\": \"{}\", \"password\": \"x\"}}",
        "a".repeat(300 * 1024)
    );
    let req = TestRequest::post()
        .uri("/api/v1/auth/login")
        .insert_header(("content-type", "application/json"))
        .set_payload(big);
    send_request(&app, req).await.problem(413);
    let r = send(
        &app,
        Method::POST,
        "/api/v1/auth/login",
        None,
        Some(&json!({"username": "a", "password": "b", "remember": true})),
    )
    .await;
    r.problem(400);
    assert_eq!(r.error_fields(), vec!["remember"]);
    let r = send(
        &app,
        Method::POST,
        "/api/v1/auth/login",
        None,
        Some(&json!({"username": "a"})),
    )
    .await;
    r.problem(422);
    assert_eq!(r.error_fields(), vec!["password"]);
}

#[actix_rt::test]
async fn repeated_failures_are_throttled_then_forgiven() {
    let db = TestDb::new();
    let app = app(&db).await;
    admin_token(&app, &db).await;
    let wrong = json!({"username": "admin", "password": "wrong password"});
    for _ in 0..5 {
        let r = send(&app, Method::POST, "/api/v1/auth/login", None, Some(&wrong)).await;
        r.problem(401);
    }
    // The sixth failure starts a block; then even the right password waits.
    send(&app, Method::POST, "/api/v1/auth/login", None, Some(&wrong))
        .await
        .problem(401);
    let right = json!({"username": "admin", "password": PASSWORD});
    let r = send(&app, Method::POST, "/api/v1/auth/login", None, Some(&right)).await;
    r.problem(429);
    let retry: u64 = r
        .header("retry-after")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    assert!((1..=30).contains(&retry), "Retry-After {retry}");
    // The block ends by itself: move it into the past as time would.
    let mut conn = db.connect();
    exec(
        &mut conn,
        "UPDATE login_throttle SET blocked_until = window_start",
    );
    let r = send(&app, Method::POST, "/api/v1/auth/login", None, Some(&right)).await;
    assert_eq!(r.status, 200, "{}", r.text);
}

#[actix_rt::test]
async fn tokens_that_must_be_refused() {
    let db = TestDb::new();
    let app = app(&db).await;
    let admin = admin_token(&app, &db).await;
    let key = secret(&db);
    let now = chrono::Utc::now().timestamp();
    let me = send(&app, Method::GET, "/api/v1/me", Some(&admin), None).await;
    let id = me.body["id"].as_i64().unwrap_or_default();
    let claims = |f: &dyn Fn(&mut Value)| {
        let mut c = json!({"sub": id.to_string(), "role": "admin", "iss": "qinqing",
            "aud": "qinqing-api", "iat": now, "exp": now + 600, "ver": 0});
        f(&mut c);
        c
    };
    let good = sign(
        key.as_bytes(),
        &claims(&|_| {}),
        jsonwebtoken::Algorithm::HS256,
    );
    assert_eq!(
        send(&app, Method::GET, "/api/v1/me", Some(&good), None)
            .await
            .status,
        200
    );

    let none_token = format!(
        "{}.{}.",
        b64(&json!({"alg": "none", "typ": "JWT"})),
        b64(&claims(&|_| {}))
    );
    let cases: Vec<(&str, String)> = vec![
        (
            "other key",
            sign(
                b"another secret that is long enough!!",
                &claims(&|_| {}),
                jsonwebtoken::Algorithm::HS256,
            ),
        ),
        (
            "expired",
            sign(
                key.as_bytes(),
                &claims(&|c| {
                    c["iat"] = json!(now - 7200);
                    c["exp"] = json!(now - 3600);
                }),
                jsonwebtoken::Algorithm::HS256,
            ),
        ),
        (
            "wrong audience",
            sign(
                key.as_bytes(),
                &claims(&|c| c["aud"] = json!("someone-else")),
                jsonwebtoken::Algorithm::HS256,
            ),
        ),
        (
            "wrong issuer",
            sign(
                key.as_bytes(),
                &claims(&|c| c["iss"] = json!("evil")),
                jsonwebtoken::Algorithm::HS256,
            ),
        ),
        (
            "HS512",
            sign(
                key.as_bytes(),
                &claims(&|_| {}),
                jsonwebtoken::Algorithm::HS512,
            ),
        ),
        ("alg none", none_token),
        (
            "old version",
            sign(
                key.as_bytes(),
                &claims(&|c| c["ver"] = json!(-1)),
                jsonwebtoken::Algorithm::HS256,
            ),
        ),
        (
            "other role",
            sign(
                key.as_bytes(),
                &claims(&|c| c["role"] = json!("leader")),
                jsonwebtoken::Algorithm::HS256,
            ),
        ),
        (
            "no such user",
            sign(
                key.as_bytes(),
                &claims(&|c| c["sub"] = json!("999999")),
                jsonwebtoken::Algorithm::HS256,
            ),
        ),
        (
            "no exp",
            sign(
                key.as_bytes(),
                &claims(&|c| {
                    c.as_object_mut().map(|o| o.remove("exp"));
                }),
                jsonwebtoken::Algorithm::HS256,
            ),
        ),
        ("garbage", "abc.def.ghi".into()),
    ];
    for (name, token) in cases {
        let r = send(&app, Method::GET, "/api/v1/me", Some(&token), None).await;
        assert_eq!(r.status, 401, "{name}: {}", r.text);
        r.problem(401);
    }
    let req = TestRequest::get()
        .uri("/api/v1/me")
        .insert_header(("authorization", format!("Basic {admin}")));
    send_request(&app, req).await.problem(401);
    send(&app, Method::GET, "/api/v1/me", None, None)
        .await
        .problem(401);
}

#[actix_rt::test]
async fn deactivation_role_change_and_password_change_end_tokens() {
    let db = TestDb::new();
    let app = app(&db).await;
    let w = world(&app, &db).await;
    let admin = w.token("admin").unwrap_or_default().to_owned();

    // Deactivation, of a user whose token was just honoured (and so is remembered).
    let coord = w.token("coord_a").unwrap_or_default().to_owned();
    let path = format!("/api/v1/users/{}", w.id("coord_a"));
    let r = send(&app, Method::GET, "/api/v1/me", Some(&coord), None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = send(
        &app,
        Method::PATCH,
        &path,
        Some(&admin),
        Some(&json!({"active": false})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["active"], false);
    send(&app, Method::GET, "/api/v1/me", Some(&coord), None)
        .await
        .problem(401);
    let body = json!({"username": "coord.a", "password": PASSWORD});
    send(&app, Method::POST, "/api/v1/auth/login", None, Some(&body))
        .await
        .problem(401);
    send(
        &app,
        Method::PATCH,
        &path,
        Some(&admin),
        Some(&json!({"active": true})),
    )
    .await;
    login(&app, "coord.a", PASSWORD).await;

    // Role change: leader → coordinator keeps the region, ends the token.
    let leader = w.token("leader_b").unwrap_or_default().to_owned();
    let path = format!("/api/v1/users/{}", w.id("leader_b"));
    let r = send(
        &app,
        Method::PATCH,
        &path,
        Some(&admin),
        Some(&json!({"role": "coordinator"})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["region_id"], CHANGXING);
    send(&app, Method::GET, "/api/v1/me", Some(&leader), None)
        .await
        .problem(401);
    // Role change to department without a department: 422 naming it.
    let r = send(
        &app,
        Method::PATCH,
        &path,
        Some(&admin),
        Some(&json!({"role": "department"})),
    )
    .await;
    r.problem(422);
    assert_eq!(r.error_fields(), vec!["department_id"]);

    // A display-name change does not end anything.
    let ent = w.token("ent_a").unwrap_or_default().to_owned();
    let path = format!("/api/v1/users/{}", w.id("ent_a"));
    send(
        &app,
        Method::PATCH,
        &path,
        Some(&admin),
        Some(&json!({"display_name": "德清甲 经办"})),
    )
    .await;
    assert_eq!(
        send(&app, Method::GET, "/api/v1/me", Some(&ent), None)
            .await
            .status,
        200
    );

    // Own password change ends own tokens; the new password works.
    let body = json!({"current_password": PASSWORD, "new_password": "a new long password"});
    let r = send(
        &app,
        Method::POST,
        "/api/v1/me/password",
        Some(&ent),
        Some(&body),
    )
    .await;
    assert_eq!(r.status, 204, "{}", r.text);
    send(&app, Method::GET, "/api/v1/me", Some(&ent), None)
        .await
        .problem(401);
    let ent = login(&app, "ent.a", "a new long password").await;
    let body = json!({"current_password": "not it at all", "new_password": "another password"});
    let r = send(
        &app,
        Method::POST,
        "/api/v1/me/password",
        Some(&ent),
        Some(&body),
    )
    .await;
    r.problem(422);
    assert_eq!(r.error_fields(), vec!["current_password"]);

    // Admin reset.
    let path = format!("/api/v1/users/{}/password", w.id("ent_a"));
    let r = send(
        &app,
        Method::POST,
        &path,
        Some(&admin),
        Some(&json!({"password": "reset by admin"})),
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["one_time_password"], "reset by admin");
    send(&app, Method::GET, "/api/v1/me", Some(&ent), None)
        .await
        .problem(401);
    login(&app, "ent.a", "reset by admin").await;
    let r = send(
        &app,
        Method::POST,
        &path,
        Some(&admin),
        Some(&json!({"password": "short"})),
    )
    .await;
    r.problem(422);
    assert_eq!(r.error_fields(), vec!["password"]);
}

#[actix_rt::test]
async fn user_creation_rules() {
    let db = TestDb::new();
    let app = app(&db).await;
    let admin = admin_token(&app, &db).await;
    let cases: Vec<(Value, u16, Vec<&str>)> = vec![
        (
            json!({"username": "Lead.One", "password": PASSWORD, "display_name": "甲", "role": "leader", "region_id": CITY}),
            201,
            vec![],
        ),
        (
            json!({"username": "lead.one", "password": PASSWORD, "display_name": "乙", "role": "leader", "region_id": CITY}),
            409,
            vec!["username"],
        ),
        (
            json!({"username": "x", "password": "short", "display_name": " ", "role": "leader"}),
            422,
            vec!["username", "password", "display_name", "region_id"],
        ),
        (
            json!({"username": "dept.x", "password": PASSWORD, "display_name": "丙", "role": "department", "department_id": 999}),
            422,
            vec!["department_id"],
        ),
        (
            json!({"username": "ent.x", "password": PASSWORD, "display_name": "丁", "role": "enterprise", "enterprise_id": 5, "region_id": 1}),
            422,
            vec!["region_id"],
        ),
        (
            json!({"username": "root.x", "password": PASSWORD, "display_name": "戊", "role": "root"}),
            422,
            vec!["role"],
        ),
        (
            json!({"username": "coord.x", "password": PASSWORD, "display_name": "己", "role": "coordinator", "region_id": 999}),
            422,
            vec!["region_id"],
        ),
    ];
    for (body, status, fields) in cases {
        let r = send(
            &app,
            Method::POST,
            "/api/v1/users",
            Some(&admin),
            Some(&body),
        )
        .await;
        assert_eq!(r.status.as_u16(), status, "{body}: {}", r.text);
        if status == 201 {
            assert_eq!(r.body["username"], "lead.one");
            assert!(r
                .header("location")
                .is_some_and(|l| l.starts_with("/api/v1/users/")));
        } else {
            r.problem(status);
            assert_eq!(r.error_fields(), fields, "{body}");
        }
    }
    let r = send(
        &app,
        Method::GET,
        "/api/v1/users?role=leader",
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(r.body["total"], 1);
    let r = send(
        &app,
        Method::GET,
        "/api/v1/users?per_page=500",
        Some(&admin),
        None,
    )
    .await;
    r.problem(422);
    assert_eq!(r.error_fields(), vec!["per_page"]);
    // The last administrator stays an administrator.
    let me = send(&app, Method::GET, "/api/v1/me", Some(&admin), None).await;
    let path = format!("/api/v1/users/{}", me.body["id"]);
    let r = send(
        &app,
        Method::PATCH,
        &path,
        Some(&admin),
        Some(&json!({"active": false})),
    )
    .await;
    r.problem(409);
    send(
        &app,
        Method::GET,
        "/api/v1/users/999999",
        Some(&admin),
        None,
    )
    .await
    .problem(404);
    send(&app, Method::GET, "/api/v1/users/abc", Some(&admin), None)
        .await
        .problem(404);
}
