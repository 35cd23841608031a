//! The authorization matrix: every route × every role, plus a second user of each scoped
//! role outside the first one's scope, with the exact status each must get.

use crate::common::*;
use actix_web::http::Method;
use serde_json::{json, Value};

type BodyFn = Box<dyn Fn(usize) -> Option<Value>>;

struct Row {
    method: Method,
    path: String,
    body: BodyFn,
    /// One status per entry of `CALLERS`.
    want: [u16; 11],
}

fn row(method: Method, path: String, body: BodyFn, want: [u16; 11]) -> Row {
    Row {
        method,
        path,
        body,
        want,
    }
}

fn none() -> BodyFn {
    Box::new(|_| None)
}

fn fixed(v: Value) -> BodyFn {
    Box::new(move |_| Some(v.clone()))
}

/// Coordinators may; `other` is what the coordinator outside 德清 gets.
const COORDINATORS: fn(u16, u16) -> [u16; 11] =
    |ok, other| [401, 403, ok, ok, other, 403, 403, 403, 403, 403, 403];
/// Forum A is hosted in 德清, attended by dept_a and by a person of ent_a.
const SEES_FORUM_A: [u16; 11] = [401, 200, 200, 200, 404, 200, 404, 200, 404, 200, 404];
const ALL_200: [u16; 11] = [401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200];
/// Editions hold every district's forums: the city's coordinator only.
const CITY_COORDINATOR: fn(u16) -> [u16; 11] =
    |ok| [401, 403, ok, 403, 403, 403, 403, 403, 403, 403, 403];
const ADMIN_ONLY: fn(u16) -> [u16; 11] =
    |ok| [401, ok, 403, 403, 403, 403, 403, 403, 403, 403, 403];

#[actix_rt::test]
async fn every_route_every_role() {
    let db = TestDb::new();
    let app = app(&db).await;
    let w = world(&app, &db).await;
    let spare = w.id("spare");
    let dept_a = w.id("dept_a_department");
    let ent_a = w.id("ent_a_enterprise");
    let edition = w.id("edition");
    let forum_a = w.id("forum_a");

    let rows = vec![
        row(Method::GET, "/healthz".into(), none(), [200; 11]),
        row(Method::GET, "/readyz".into(), none(), [200; 11]),
        row(
            Method::POST,
            "/api/v1/auth/login".into(),
            Box::new(|i| {
                Some(json!({"username": format!("nobody.{i}"), "password": "not a password"}))
            }),
            [401; 11],
        ),
        row(Method::GET, "/api/v1/me".into(), none(), ALL_200),
        row(
            Method::POST,
            "/api/v1/me/password".into(),
            fixed(
                json!({"current_password": "not the password", "new_password": "whatever it is"}),
            ),
            [401, 422, 422, 422, 422, 422, 422, 422, 422, 422, 422],
        ),
        row(Method::GET, "/api/v1/users".into(), none(), ADMIN_ONLY(200)),
        row(
            Method::POST,
            "/api/v1/users".into(),
            Box::new(|i| {
                Some(json!({"username": format!("new.{i}"), "password": PASSWORD,
                "display_name": "新用户", "role": "leader", "region_id": CITY}))
            }),
            ADMIN_ONLY(201),
        ),
        row(
            Method::GET,
            format!("/api/v1/users/{spare}"),
            none(),
            ADMIN_ONLY(200),
        ),
        row(
            Method::PATCH,
            format!("/api/v1/users/{spare}"),
            fixed(json!({"display_name": "备用"})),
            ADMIN_ONLY(200),
        ),
        row(
            Method::POST,
            format!("/api/v1/users/{spare}/password"),
            fixed(json!({"password": PASSWORD})),
            ADMIN_ONLY(200),
        ),
        row(Method::GET, "/api/v1/regions".into(), none(), ALL_200),
        row(
            Method::GET,
            format!("/api/v1/regions/{DEQING}"),
            none(),
            ALL_200,
        ),
        row(
            Method::POST,
            "/api/v1/regions".into(),
            Box::new(|i| {
                Some(
                    json!({"code": format!("T{i}"), "name": format!("测试镇{i}"), "parent_id": DEQING}),
                )
            }),
            ADMIN_ONLY(201),
        ),
        row(
            Method::PATCH,
            "/api/v1/regions/7".into(),
            fixed(json!({"name": "南太湖新区"})),
            ADMIN_ONLY(200),
        ),
        row(Method::GET, "/api/v1/departments".into(), none(), ALL_200),
        row(
            Method::GET,
            format!("/api/v1/departments/{dept_a}"),
            none(),
            ALL_200,
        ),
        row(
            Method::POST,
            "/api/v1/departments".into(),
            Box::new(|i| Some(json!({"name": format!("测试局{i}"), "region_id": DEQING}))),
            ADMIN_ONLY(201),
        ),
        row(
            Method::PATCH,
            format!("/api/v1/departments/{dept_a}"),
            fixed(json!({"active": true})),
            ADMIN_ONLY(200),
        ),
        row(Method::GET, "/api/v1/enterprises".into(), none(), ALL_200),
        row(
            Method::GET,
            format!("/api/v1/enterprises/{ent_a}"),
            none(),
            [401, 200, 200, 200, 404, 200, 404, 404, 404, 200, 404],
        ),
        row(
            Method::POST,
            "/api/v1/enterprises".into(),
            Box::new(|i| {
                Some(
                    json!({"name": format!("新企业{i}"), "credit_code": credit_code(100 + i as u32),
                "region_id": DEQING, "industry": "制造业", "size": "micro"}),
                )
            }),
            [401, 201, 201, 201, 422, 403, 403, 403, 403, 403, 403],
        ),
        row(
            Method::PATCH,
            format!("/api/v1/enterprises/{ent_a}"),
            fixed(json!({"industry": "高端装备制造"})),
            [401, 200, 200, 200, 404, 403, 403, 403, 403, 403, 403],
        ),
        row(Method::GET, "/api/v1/calendar/2022".into(), none(), ALL_200),
        row(
            Method::PUT,
            "/api/v1/calendar/2022".into(),
            fixed(json!({"holidays": ["2022-10-03"], "workdays": []})),
            ADMIN_ONLY(200),
        ),
        row(Method::GET, "/api/v1/editions".into(), none(), ALL_200),
        row(
            Method::POST,
            "/api/v1/editions".into(),
            Box::new(|i| {
                Some(
                    json!({"number": 100 + i, "held_on": "2022-06-22", "record": true, "theme": "专题"}),
                )
            }),
            CITY_COORDINATOR(201),
        ),
        row(
            Method::GET,
            format!("/api/v1/editions/{edition}"),
            none(),
            ALL_200,
        ),
        row(
            Method::PATCH,
            format!("/api/v1/editions/{edition}"),
            fixed(json!({"theme": "助企纾困 稳进提质"})),
            CITY_COORDINATOR(200),
        ),
        row(
            Method::POST,
            "/api/v1/editions/plan".into(),
            fixed(
                json!({"held_on": "2022-07-06", "record": true, "theme": "人才", "region_ids": [DEQING]}),
            ),
            CITY_COORDINATOR(201),
        ),
        row(Method::GET, "/api/v1/forums".into(), none(), ALL_200),
        row(
            Method::GET,
            format!("/api/v1/forums/{forum_a}"),
            none(),
            SEES_FORUM_A,
        ),
        row(
            Method::POST,
            "/api/v1/forums".into(),
            fixed(json!({"edition_id": edition, "region_id": DEQING})),
            COORDINATORS(201, 422),
        ),
        row(
            Method::PATCH,
            format!("/api/v1/forums/{forum_a}"),
            fixed(json!({"minutes": "纪要"})),
            COORDINATORS(200, 404),
        ),
        row(
            Method::GET,
            format!("/api/v1/forums/{forum_a}/attendees"),
            none(),
            SEES_FORUM_A,
        ),
        row(
            Method::POST,
            format!("/api/v1/forums/{forum_a}/attendees"),
            Box::new(move |i| {
                Some(
                    json!({"person_name": format!("参会人{i}"), "title": "董事长", "enterprise_id": ent_a}),
                )
            }),
            COORDINATORS(201, 404),
        ),
        row(Method::GET, "/api/v1/editions/next".into(), none(), ALL_200),
        row(
            Method::POST,
            format!("/api/v1/editions/{edition}/cancel"),
            fixed(json!({"reason": "台风"})),
            // An edition that is over is not cancelled.
            CITY_COORDINATOR(409),
        ),
        row(
            Method::GET,
            "/api/v1/deliveries".into(),
            none(),
            ADMIN_ONLY(200),
        ),
        row(
            Method::POST,
            "/api/v1/deliveries/999999/retry".into(),
            none(),
            ADMIN_ONLY(404),
        ),
        row(
            Method::POST,
            "/api/v1/channels/999999/test".into(),
            none(),
            ADMIN_ONLY(404),
        ),
        row(
            Method::POST,
            "/api/v1/imports/enterprises?dry_run=true".into(),
            // Not a spreadsheet: the administrator is told so; nobody else gets that far.
            fixed(json!({"rows": []})),
            ADMIN_ONLY(415),
        ),
        row(
            Method::POST,
            format!("/api/v1/enterprises/{}/merge", w.id("ent_b_enterprise")),
            fixed(json!({"into": ent_a})),
            ADMIN_ONLY(200),
        ),
        // Last: it ends the caller's tokens.
        row(
            Method::POST,
            "/api/v1/auth/logout".into(),
            none(),
            [401, 204, 204, 204, 204, 204, 204, 204, 204, 204, 204],
        ),
    ];

    let mut failures = Vec::new();
    for r in &rows {
        for (i, caller) in CALLERS.iter().enumerate() {
            let body = (r.body)(i);
            let token = w.token(caller);
            let reply = send(&app, r.method.clone(), &r.path, token, body.as_ref()).await;
            if reply.status.as_u16() != r.want[i] {
                failures.push(format!(
                    "{} {} as {caller}: got {}, want {} ({})",
                    r.method,
                    r.path,
                    reply.status.as_u16(),
                    r.want[i],
                    reply.text
                ));
            } else if reply.status.as_u16() >= 400 {
                reply.problem(r.want[i]);
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// An issue of ent_a (filed online, 德清) brought to `state`; returns its id and, for
/// "pending_extension", the extension's id.
async fn issue_in<S, B>(app: &S, w: &World, state: &str) -> (i64, i64)
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody,
{
    let body =
        json!({"title": "矩阵", "description": "x", "category": "other", "channel": "online"});
    let r = send(
        app,
        Method::POST,
        "/api/v1/issues",
        w.token("ent_a"),
        Some(&body),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let id = r.body["id"].as_i64().unwrap_or_default();
    let steps: &[(&str, &str, Value)] = match state {
        "submitted" => &[],
        "assigned" => &[(
            "coord_a",
            "assign",
            json!({"lead_department_id": w.id("dept_a_department")}),
        )],
        "returned" => &[
            (
                "coord_a",
                "assign",
                json!({"lead_department_id": w.id("dept_a_department")}),
            ),
            ("dept_a", "return", json!({"reason": "x"})),
        ],
        "pending_extension" => &[
            (
                "coord_a",
                "assign",
                json!({"lead_department_id": w.id("dept_a_department")}),
            ),
            (
                "dept_a",
                "extensions",
                json!({"new_due_on": "2099-01-01", "reason": "x"}),
            ),
        ],
        "in_progress" => &[
            (
                "coord_a",
                "assign",
                json!({"lead_department_id": w.id("dept_a_department")}),
            ),
            ("dept_a", "sign", json!({})),
        ],
        "answered" => &[
            (
                "coord_a",
                "assign",
                json!({"lead_department_id": w.id("dept_a_department")}),
            ),
            ("dept_a", "sign", json!({})),
            (
                "dept_a",
                "answer",
                json!({"outcome": "resolved", "text": "x"}),
            ),
        ],
        other => panic!("no state {other}"),
    };
    let mut ext = 0;
    for (who, action, body) in steps {
        let r = send(
            app,
            Method::POST,
            &format!("/api/v1/issues/{id}/{action}"),
            w.token(who),
            Some(body),
        )
        .await;
        assert!(r.status.is_success(), "{action}: {}", r.text);
        if *action == "extensions" {
            ext = r.body["id"].as_i64().unwrap_or_default();
        }
    }
    (id, ext)
}

#[actix_rt::test]
async fn every_issue_route_every_role() {
    let db = TestDb::new();
    let app = app(&db).await;
    let w = world(&app, &db).await;
    let ent_a = w.id("ent_a_enterprise");
    let da = w.id("dept_a_department");
    // Issue of ent_a in 德清: visible to admin, the city and 德清 coordinators and the city
    // leader, to its enterprise, and to dept_a once assigned to it.
    const SEES: [u16; 11] = [401, 200, 200, 200, 404, 200, 404, 200, 404, 200, 404];
    const COORD: [u16; 11] = [401, 403, 200, 200, 404, 403, 404, 403, 404, 403, 404];
    const LEAD: [u16; 11] = [401, 403, 403, 403, 404, 403, 404, 200, 404, 403, 404];
    let rows: Vec<(Method, &str, &str, Value, [u16; 11])> = vec![
        (Method::GET, "{id}", "assigned", Value::Null, SEES),
        (Method::GET, "{id}/events", "assigned", Value::Null, SEES),
        (
            Method::GET,
            "{id}/extensions",
            "assigned",
            Value::Null,
            SEES,
        ),
        (
            Method::POST,
            "{id}/assign",
            "submitted",
            json!({"lead_department_id": da}),
            [401, 403, 200, 200, 404, 403, 404, 404, 404, 403, 404],
        ),
        (Method::POST, "{id}/sign", "assigned", json!({}), LEAD),
        (
            Method::POST,
            "{id}/return",
            "assigned",
            json!({"reason": "不属于本部门"}),
            LEAD,
        ),
        (
            Method::POST,
            "{id}/extensions",
            "assigned",
            json!({"new_due_on": "2099-01-01", "reason": "x"}),
            [401, 403, 403, 403, 404, 403, 404, 201, 404, 403, 404],
        ),
        (
            Method::POST,
            "{id}/extensions/{ext}/decision",
            "pending_extension",
            json!({"granted": true}),
            COORD,
        ),
        (
            Method::POST,
            "{id}/answer",
            "in_progress",
            json!({"outcome": "resolved", "text": "已解决"}),
            LEAD,
        ),
        (
            Method::POST,
            "{id}/rating",
            "answered",
            json!({"solved": true, "rating": "satisfied"}),
            [401, 403, 200, 200, 404, 403, 404, 403, 404, 200, 404],
        ),
        (
            Method::POST,
            "{id}/close",
            "returned",
            json!({"note": "无法办理"}),
            COORD,
        ),
        (
            Method::POST,
            "{id}/withdraw",
            "submitted",
            json!({}),
            [401, 403, 403, 403, 404, 403, 404, 404, 404, 200, 404],
        ),
        (Method::POST, "{id}/urge", "assigned", json!({}), COORD),
        (
            Method::POST,
            "{id}/supervise",
            "assigned",
            json!({}),
            [401, 403, 403, 403, 404, 200, 404, 403, 404, 403, 404],
        ),
        (
            Method::POST,
            "{id}/comments",
            "assigned",
            json!({"text": "留言"}),
            [401, 403, 200, 200, 404, 403, 404, 200, 404, 200, 404],
        ),
        (
            Method::POST,
            "{id}/mark",
            "assigned",
            json!({"common": false}),
            COORD,
        ),
    ];
    let mut failures = Vec::new();
    for (method, template, state, body, want) in &rows {
        for (i, caller) in CALLERS.iter().enumerate() {
            let (id, ext) = issue_in(&app, &w, state).await;
            let path = format!(
                "/api/v1/issues/{}",
                template
                    .replace("{id}", &id.to_string())
                    .replace("{ext}", &ext.to_string())
            );
            let body = (!body.is_null()).then_some(body);
            let r = send(&app, method.clone(), &path, w.token(caller), body).await;
            if r.status.as_u16() != want[i] {
                failures.push(format!(
                    "{method} {template} ({state}) as {caller}: got {}, want {} ({})",
                    r.status.as_u16(),
                    want[i],
                    r.text
                ));
            }
        }
    }
    // Listing and filing.
    for (i, caller) in CALLERS.iter().enumerate() {
        let r = send(&app, Method::GET, "/api/v1/issues", w.token(caller), None).await;
        let want = if i == 0 { 401 } else { 200 };
        if r.status.as_u16() != want {
            failures.push(format!(
                "GET /api/v1/issues as {caller}: got {}",
                r.status.as_u16()
            ));
        }
        let body = json!({"title": "代为提交", "description": "x", "category": "other", "channel": "online", "enterprise_id": ent_a});
        let r = send(
            &app,
            Method::POST,
            "/api/v1/issues",
            w.token(caller),
            Some(&body),
        )
        .await;
        let want = [401, 403, 201, 201, 422, 403, 403, 403, 403, 201, 403][i];
        if r.status.as_u16() != want {
            failures.push(format!(
                "POST /api/v1/issues as {caller}: got {}, want {want} ({})",
                r.status.as_u16(),
                r.text
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[actix_rt::test]
async fn lists_show_only_what_is_in_scope() {
    let db = TestDb::new();
    let app = app(&db).await;
    let w = world(&app, &db).await;
    // (caller, enterprises listed, sees phones)
    let cases = [
        ("admin", vec!["德清甲公司", "长兴乙公司"], true),
        ("coord_city", vec!["德清甲公司", "长兴乙公司"], true),
        ("coord_a", vec!["德清甲公司"], true),
        ("coord_b", vec!["长兴乙公司"], true),
        ("leader_city", vec!["德清甲公司", "长兴乙公司"], false),
        ("leader_b", vec!["长兴乙公司"], false),
        ("dept_a", vec![], true),
        ("ent_a", vec!["德清甲公司"], false),
        ("ent_b", vec!["长兴乙公司"], false),
    ];
    for (caller, names, phones) in cases {
        let r = send(
            &app,
            Method::GET,
            "/api/v1/enterprises",
            w.token(caller),
            None,
        )
        .await;
        assert_eq!(r.status, 200, "{caller}");
        let items = r.body["items"].as_array().cloned().unwrap_or_default();
        let got: Vec<&str> = items.iter().filter_map(|e| e["name"].as_str()).collect();
        assert_eq!(got, names, "{caller}");
        assert_eq!(r.body["total"], names.len(), "{caller}");
        for e in &items {
            assert_eq!(e.get("contact_phone").is_some(), phones, "{caller}: {e}");
            assert!(e.get("contact_name").is_some());
        }
    }
    // A city coordinator may create an enterprise in any district; a district coordinator
    // only in its own, and may not move one out of it.
    let ent_a = w.id("ent_a_enterprise");
    let r = send(
        &app,
        Method::PATCH,
        &format!("/api/v1/enterprises/{ent_a}"),
        w.token("coord_a"),
        Some(&json!({"region_id": CHANGXING})),
    )
    .await;
    r.problem(422);
    assert_eq!(r.error_fields(), vec!["region_id"]);
}
