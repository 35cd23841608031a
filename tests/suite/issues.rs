//! The life of an issue, end to end over HTTP: filing, assignment, handling, answers,
//! ratings, reopening, the timeline, concurrency, idempotency and scope.

use crate::common::*;
use actix_web::http::Method;
use actix_web::test::TestRequest;
use chrono::NaiveDate;
use serde_json::{json, Value};

fn today() -> NaiveDate {
    qinqing::domain::time::today()
}

/// The due date N working days from today (no calendar is set for the current year in
/// these tests, so only weekends rest).
fn working_days_from_today(n: u32) -> String {
    qinqing::domain::calendar::WorkCalendar::default()
        .add_working_days(today(), n)
        .to_string()
}

async fn act<S, B>(app: &S, token: Option<&str>, id: i64, action: &str, body: Value) -> Reply
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody,
{
    send(
        app,
        Method::POST,
        &format!("/api/v1/issues/{id}/{action}"),
        token,
        Some(&body),
    )
    .await
}

async fn timeline<S, B>(app: &S, token: Option<&str>, id: i64) -> Vec<String>
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody,
{
    let r = send(
        app,
        Method::GET,
        &format!("/api/v1/issues/{id}/events"),
        token,
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|e| e["action"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn ok(r: &Reply) -> &Value {
    assert_eq!(r.status, 200, "{}", r.text);
    &r.body
}

#[actix_rt::test]
async fn the_full_life_of_an_issue() {
    let db = TestDb::new();
    let app = app(&db).await;
    let w = world(&app, &db).await;
    let coord = w.token("coord_a");
    let ent = w.token("ent_a");
    let dept_a = w.token("dept_a");
    let dept_b = w.token("dept_b");
    let (da, db_) = (w.id("dept_a_department"), w.id("dept_b_department"));

    // Filed at the 德清 forum by its coordinator, on the enterprise's behalf.
    let body = json!({"title": "厂房扩建用地指标", "description": "年产能扩大需新增用地30亩，用地指标迟迟未落实。",
        "category": "land", "channel": "forum", "enterprise_id": w.id("ent_a_enterprise"), "forum_id": w.id("forum_a")});
    let r = send(&app, Method::POST, "/api/v1/issues", coord, Some(&body)).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let id = r.body["id"].as_i64().unwrap_or_default();
    assert_eq!(r.header("location"), Some(format!("/api/v1/issues/{id}")));
    assert_eq!(r.body["status"], "submitted");
    assert_eq!(r.body["region_id"], DEQING);
    assert_eq!(r.body["title"], "厂房扩建用地指标");
    // The enterprise sees its own issue; another enterprise and the departments do not yet.
    assert_eq!(
        send(
            &app,
            Method::GET,
            &format!("/api/v1/issues/{id}"),
            ent,
            None
        )
        .await
        .status,
        200
    );
    for who in ["ent_b", "dept_a", "leader_b", "coord_b"] {
        send(
            &app,
            Method::GET,
            &format!("/api/v1/issues/{id}"),
            w.token(who),
            None,
        )
        .await
        .problem(404);
    }

    // Assigned to 长兴 (wrongly), default due date.
    let r = act(
        &app,
        coord,
        id,
        "assign",
        json!({"lead_department_id": db_, "note": "请尽快办理"}),
    )
    .await;
    let b = ok(&r);
    assert_eq!(b["status"], "assigned");
    assert_eq!(b["lead_department_id"], db_);
    assert_eq!(b["due_on"], working_days_from_today(10));
    assert_eq!(b["overdue"], false);
    // 长兴 returns it: not its remit.
    let r = act(
        &app,
        dept_b,
        id,
        "return",
        json!({"reason": "不属于本县职责范围"}),
    )
    .await;
    assert_eq!(ok(&r)["status"], "returned");
    assert_eq!(r.body["return_count"], 1);
    assert_eq!(r.body["supervision"], false);
    send(
        &app,
        Method::GET,
        &format!("/api/v1/issues/{id}"),
        dept_a,
        None,
    )
    .await
    .problem(404);

    // Reassigned to 德清 with 长兴 co-handling and a given due date.
    let due = (today() + chrono::Duration::days(20)).to_string();
    let r = act(
        &app,
        coord,
        id,
        "assign",
        json!({"lead_department_id": da, "co_department_ids": [db_], "due_on": due}),
    )
    .await;
    let b = ok(&r);
    assert_eq!(b["status"], "assigned");
    assert_eq!(b["lead_department_id"], da);
    assert_eq!(b["co_department_ids"], json!([db_]));
    assert_eq!(b["due_on"], due.as_str());
    // The co-handler reads it, seeing itself named as such, and the issue's rating empty.
    let r = send(
        &app,
        Method::GET,
        &format!("/api/v1/issues/{id}"),
        dept_b,
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["co_department_ids"], json!([db_]));
    assert_eq!(r.body["lead_department_id"], da);
    assert!(r.body["rating"].is_null(), "{}", r.text);
    // The co-handler comments, but does not sign.
    act(&app, dept_b, id, "sign", json!({})).await.problem(409);
    assert_eq!(
        act(
            &app,
            dept_b,
            id,
            "comments",
            json!({"text": "长兴县可提供用地置换经验"})
        )
        .await
        .status,
        200
    );
    // The handling department now sees the enterprise, contact phone included.
    let r = send(
        &app,
        Method::GET,
        &format!("/api/v1/enterprises/{}", w.id("ent_a_enterprise")),
        dept_a,
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["contact_phone"], "0572-8000001");

    // Signed; an extension asked and granted.
    assert_eq!(
        ok(&act(&app, dept_a, id, "sign", json!({})).await)["status"],
        "in_progress"
    );
    let later = (today() + chrono::Duration::days(40)).to_string();
    let r = act(
        &app,
        dept_a,
        id,
        "extensions",
        json!({"new_due_on": later, "reason": "需报省厅审批"}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let ext = r.body["id"].as_i64().unwrap_or_default();
    assert_eq!(r.body["status"], "pending");
    act(
        &app,
        dept_a,
        id,
        "extensions",
        json!({"new_due_on": later, "reason": "再次"}),
    )
    .await
    .problem(409);
    let r = act(
        &app,
        coord,
        id,
        &format!("extensions/{ext}/decision"),
        json!({"granted": true, "note": "同意"}),
    )
    .await;
    assert_eq!(ok(&r)["due_on"], later.as_str());
    act(
        &app,
        coord,
        id,
        &format!("extensions/{ext}/decision"),
        json!({"granted": false}),
    )
    .await
    .problem(409);

    // Answered; rated dissatisfied: reopened for the same department with a new due date.
    let r = act(
        &app,
        dept_a,
        id,
        "answer",
        json!({"outcome": "planned", "text": "已列入下批次用地计划", "planned_on": later}),
    )
    .await;
    let b = ok(&r);
    assert_eq!(b["status"], "answered");
    assert_eq!(b["answer"]["outcome"], "planned");
    assert_eq!(b["answer"]["planned_on"], later.as_str());
    let r = act(
        &app,
        ent,
        id,
        "rating",
        json!({"solved": false, "rating": "dissatisfied", "comment": "时间太长"}),
    )
    .await;
    let b = ok(&r);
    assert_eq!(b["status"], "in_progress");
    assert_eq!(b["reopen_count"], 1);
    assert_eq!(b["lead_department_id"], da);
    assert_eq!(b["due_on"], working_days_from_today(10));
    assert_eq!(b["rating"]["rating"], "dissatisfied");
    assert_eq!(b["rating"]["source"], "enterprise");
    // Answered again; rated satisfied by a follow-up call: closed.
    let r = act(
        &app,
        dept_a,
        id,
        "answer",
        json!({"outcome": "resolved", "text": "用地指标已落实"}),
    )
    .await;
    assert_eq!(ok(&r)["answer"]["outcome"], "resolved");
    let r = act(
        &app,
        coord,
        id,
        "rating",
        json!({"solved": true, "rating": "basically_satisfied"}),
    )
    .await;
    let b = ok(&r);
    assert_eq!(b["status"], "closed");
    assert_eq!(b["rating"]["source"], "follow_up");
    assert_eq!(b["rating"]["rating"], "basically_satisfied");
    // Read back: the latest of its two ratings, and the co-handler still named.
    let r = send(
        &app,
        Method::GET,
        &format!("/api/v1/issues/{id}"),
        coord,
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.body["rating"]["rating"], "basically_satisfied",
        "{}",
        r.text
    );
    assert_eq!(r.body["rating"]["solved"], true);
    assert_eq!(r.body["co_department_ids"], b["co_department_ids"]);

    let actions = timeline(&app, coord, id).await;
    assert_eq!(
        actions,
        [
            "filed",
            "assigned",
            "returned",
            "reassigned",
            "commented",
            "signed",
            "extension_requested",
            "extension_granted",
            "answered",
            "rated",
            "answered",
            "rated"
        ]
    );
    let r = send(
        &app,
        Method::GET,
        &format!("/api/v1/issues/{id}/events"),
        ent,
        None,
    )
    .await;
    let events = r.body.as_array().cloned().unwrap_or_default();
    assert_eq!(events[3]["details"]["from_department_id"], db_);
    assert_eq!(events[3]["details"]["lead_department_id"], da);
    assert_eq!(events[2]["details"]["reason"], "不属于本县职责范围");
    assert_eq!(events[2]["actor_role"], "department");
    assert_eq!(events[9]["details"]["reopened"], true);
    for e in &events {
        assert!(e["at"].as_str().is_some_and(|t| t.ends_with('Z')), "{e}");
        assert!(e["actor_id"].as_i64().is_some());
    }

    // Closed: every move is refused with the state named.
    for (who, action, body) in [
        (
            "dept_a",
            "answer",
            json!({"outcome": "resolved", "text": "x"}),
        ),
        (
            "ent_a",
            "rating",
            json!({"solved": true, "rating": "satisfied"}),
        ),
        ("coord_a", "assign", json!({"lead_department_id": da})),
        ("ent_a", "withdraw", json!({})),
    ] {
        let r = act(&app, w.token(who), id, action, body).await;
        r.problem(409);
        assert!(
            r.body["detail"]
                .as_str()
                .unwrap_or_default()
                .contains("closed"),
            "{}",
            r.text
        );
    }
}

#[actix_rt::test]
async fn refused_moves_in_each_state() {
    let db = TestDb::new();
    let app = app(&db).await;
    let w = world(&app, &db).await;
    let (coord, ent, dept) = (w.token("coord_a"), w.token("ent_a"), w.token("dept_a"));
    let da = w.id("dept_a_department");
    let r = send(&app, Method::POST, "/api/v1/issues", ent,
        Some(&json!({"title": "融资难", "description": "贷款审批慢", "category": "financing", "channel": "online"}))).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let id = r.body["id"].as_i64().unwrap_or_default();
    // submitted: no signing, answering or rating.
    for (who, action, body) in [
        (
            ent,
            "rating",
            json!({"solved": true, "rating": "satisfied"}),
        ),
        (coord, "close", json!({"note": "x"})),
    ] {
        let r = act(&app, who, id, action, body).await;
        r.problem(409);
        assert!(
            r.body["detail"]
                .as_str()
                .unwrap_or_default()
                .contains("submitted"),
            "{}",
            r.text
        );
    }
    // Roles that never do a thing get 403.
    act(
        &app,
        w.token("leader_city"),
        id,
        "assign",
        json!({"lead_department_id": da}),
    )
    .await
    .problem(403);
    act(&app, coord, id, "withdraw", json!({}))
        .await
        .problem(403);
    act(&app, w.token("admin"), id, "comments", json!({"text": "x"}))
        .await
        .problem(403);
    // assigned: answering before signing names the way.
    ok(&act(&app, coord, id, "assign", json!({"lead_department_id": da})).await);
    let r = act(
        &app,
        dept,
        id,
        "answer",
        json!({"outcome": "resolved", "text": "x"}),
    )
    .await;
    r.problem(409);
    assert!(
        r.body["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("sign for it first"),
        "{}",
        r.text
    );
    act(&app, ent, id, "withdraw", json!({})).await.problem(409);
    // in_progress: no rating yet, no second signing.
    ok(&act(&app, dept, id, "sign", json!({})).await);
    act(&app, dept, id, "sign", json!({})).await.problem(409);
    act(
        &app,
        ent,
        id,
        "rating",
        json!({"solved": true, "rating": "satisfied"}),
    )
    .await
    .problem(409);
    // answered: no second answer; a rating only once per answer.
    ok(&act(
        &app,
        dept,
        id,
        "answer",
        json!({"outcome": "explained", "text": "政策说明"}),
    )
    .await);
    act(
        &app,
        dept,
        id,
        "answer",
        json!({"outcome": "resolved", "text": "x"}),
    )
    .await
    .problem(409);
    ok(&act(
        &app,
        ent,
        id,
        "rating",
        json!({"solved": true, "rating": "satisfied"}),
    )
    .await);
    let r = act(
        &app,
        ent,
        id,
        "rating",
        json!({"solved": true, "rating": "satisfied"}),
    )
    .await;
    r.problem(409);
    // Validation after the state allows the move: 422 naming the field.
    let r = send(
        &app,
        Method::POST,
        "/api/v1/issues",
        ent,
        Some(&json!({"title": "", "description": "x", "category": "weather", "channel": "online"})),
    )
    .await;
    r.problem(422);
    assert_eq!(r.error_fields(), vec!["category"]);
    let r = send(
        &app,
        Method::POST,
        "/api/v1/issues",
        ent,
        Some(&json!({"title": "", "description": "x", "category": "tax", "channel": "hotline"})),
    )
    .await;
    r.problem(422);
    assert_eq!(r.error_fields(), vec!["title", "channel"]);
    let r = send(&app, Method::POST, "/api/v1/issues", ent,
        Some(&json!({"title": "x", "description": "x", "category": "tax", "channel": "online", "enterprise_id": w.id("ent_b_enterprise")}))).await;
    r.problem(403);
}

#[actix_rt::test]
async fn returns_and_reopens_flag_supervision_and_allow_closing() {
    let db = TestDb::new();
    let app = app(&db).await;
    let w = world(&app, &db).await;
    let (coord, ent, dept) = (w.token("coord_a"), w.token("ent_a"), w.token("dept_a"));
    let da = w.id("dept_a_department");
    let r = send(&app, Method::POST, "/api/v1/issues", ent,
        Some(&json!({"title": "招工难", "description": "技工缺口大", "category": "talent", "channel": "online"}))).await;
    let id = r.body["id"].as_i64().unwrap_or_default();
    for n in 1..=2 {
        ok(&act(&app, coord, id, "assign", json!({"lead_department_id": da})).await);
        let r = act(&app, dept, id, "return", json!({"reason": "非本部门职责"})).await;
        assert_eq!(ok(&r)["return_count"], n);
        assert_eq!(r.body["supervision"], n == 2, "after return {n}");
    }
    // A returned issue that nobody owns may be closed as not actionable… but not without a note.
    act(&app, coord, id, "close", json!({"note": ""}))
        .await
        .problem(422);
    ok(&act(&app, coord, id, "assign", json!({"lead_department_id": da})).await);
    ok(&act(&app, dept, id, "sign", json!({})).await);
    for n in 1..=2 {
        ok(&act(
            &app,
            dept,
            id,
            "answer",
            json!({"outcome": "explained", "text": "已说明"}),
        )
        .await);
        let r = act(
            &app,
            ent,
            id,
            "rating",
            json!({"solved": false, "rating": "dissatisfied"}),
        )
        .await;
        assert_eq!(ok(&r)["reopen_count"], n);
    }
    // After the second reopening a coordinator may close it with a note.
    let r = act(
        &app,
        coord,
        id,
        "close",
        json!({"note": "经协调，企业诉求超出政策范围"}),
    )
    .await;
    assert_eq!(ok(&r)["status"], "closed");
    let actions = timeline(&app, coord, id).await;
    assert_eq!(actions.last().map(String::as_str), Some("closed"));

    // Supervision and urging by their roles; marking common.
    let r = send(&app, Method::POST, "/api/v1/issues", ent,
        Some(&json!({"title": "电力增容", "description": "需要增容", "category": "infrastructure", "channel": "online"}))).await;
    let id = r.body["id"].as_i64().unwrap_or_default();
    ok(&act(&app, coord, id, "assign", json!({"lead_department_id": da})).await);
    let r = send(
        &app,
        Method::POST,
        &format!("/api/v1/issues/{id}/urge"),
        coord,
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = act(
        &app,
        w.token("leader_city"),
        id,
        "supervise",
        json!({"note": "请县里加快"}),
    )
    .await;
    assert_eq!(ok(&r)["supervision"], true);
    act(&app, w.token("leader_b"), id, "supervise", json!({}))
        .await
        .problem(404);
    let r = act(&app, coord, id, "mark", json!({"common": true})).await;
    assert_eq!(ok(&r)["common"], true);
    assert_eq!(
        timeline(&app, coord, id).await,
        ["filed", "assigned", "urged", "supervised", "marked"]
    );
}

#[actix_rt::test]
async fn on_site_resolution_and_withdrawal() {
    let db = TestDb::new();
    let app = app(&db).await;
    let w = world(&app, &db).await;
    let coord = w.token("coord_a");
    let da = w.id("dept_a_department");
    let forum = w.id("forum_a");
    let body = json!({"title": "办税流程咨询", "description": "出口退税办理流程不清楚", "category": "tax", "channel": "forum",
        "enterprise_id": w.id("ent_a_enterprise"), "forum_id": forum, "resolved_on_site": true,
        "on_site_answer": "现场由税务部门讲解了退税流程", "department_id": da});
    let r = send(&app, Method::POST, "/api/v1/issues", coord, Some(&body)).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["status"], "answered");
    assert_eq!(r.body["resolved_on_site"], true);
    assert_eq!(r.body["lead_department_id"], da);
    assert_eq!(r.body["answer"]["outcome"], "resolved");
    let id = r.body["id"].as_i64().unwrap_or_default();
    ok(&act(
        &app,
        w.token("ent_a"),
        id,
        "rating",
        json!({"solved": true, "rating": "satisfied"}),
    )
    .await);
    // An on-site issue needs its answer and department.
    let mut bad = body.clone();
    if let Some(o) = bad.as_object_mut() {
        o.remove("on_site_answer");
        o.remove("department_id");
    }
    let r = send(&app, Method::POST, "/api/v1/issues", coord, Some(&bad)).await;
    r.problem(422);
    assert_eq!(r.error_fields(), vec!["department_id", "on_site_answer"]);
    // The forum counts them.
    let r = send(
        &app,
        Method::GET,
        &format!("/api/v1/forums/{forum}"),
        coord,
        None,
    )
    .await;
    assert_eq!(r.body["issue_count"], 1);
    assert_eq!(r.body["resolved_on_site_count"], 1);

    // Withdrawal before assignment, by the enterprise.
    let r = send(&app, Method::POST, "/api/v1/issues", w.token("ent_a"),
        Some(&json!({"title": "已自行解决", "description": "x", "category": "other", "channel": "online"}))).await;
    let id = r.body["id"].as_i64().unwrap_or_default();
    let r = act(&app, w.token("ent_a"), id, "withdraw", json!({})).await;
    assert_eq!(ok(&r)["status"], "withdrawn");
    act(&app, coord, id, "assign", json!({"lead_department_id": da}))
        .await
        .problem(409);
}

#[actix_rt::test]
async fn conflicting_requests_have_one_winner_and_one_event() {
    let db = TestDb::new();
    let app = app(&db).await;
    let w = world(&app, &db).await;
    let (coord, ent, dept) = (w.token("coord_a"), w.token("ent_a"), w.token("dept_a"));
    let da = w.id("dept_a_department");
    let r = send(&app, Method::POST, "/api/v1/issues", ent,
        Some(&json!({"title": "并发", "description": "x", "category": "approval", "channel": "online"}))).await;
    let id = r.body["id"].as_i64().unwrap_or_default();
    ok(&act(&app, coord, id, "assign", json!({"lead_department_id": da})).await);
    ok(&act(&app, dept, id, "sign", json!({})).await);

    const N: usize = 6;
    let count_ok = |replies: &[Reply]| replies.iter().filter(|r| r.status == 200).count();
    // N answers at once by the lead department.
    let answers: Vec<_> = (0..N)
        .map(|i| {
            act(
                &app,
                dept,
                id,
                "answer",
                json!({"outcome": "resolved", "text": format!("答复{i}")}),
            )
        })
        .collect();
    let replies = futures_util::future::join_all(answers).await;
    assert_eq!(count_ok(&replies), 1, "{replies:?}");
    for r in replies.iter().filter(|r| r.status != 200) {
        r.problem(409);
    }
    // N ratings at once, racing a reassignment.
    let mut racing: Vec<std::pin::Pin<Box<dyn std::future::Future<Output = Reply>>>> = (0..N)
        .map(|_| {
            Box::pin(act(
                &app,
                ent,
                id,
                "rating",
                json!({"solved": true, "rating": "satisfied"}),
            )) as _
        })
        .collect();
    racing.push(Box::pin(act(
        &app,
        coord,
        id,
        "assign",
        json!({"lead_department_id": da}),
    )));
    let replies = futures_util::future::join_all(racing).await;
    assert_eq!(count_ok(&replies), 1, "{replies:?}");
    for r in replies.iter().filter(|r| r.status != 200) {
        r.problem(409);
    }
    let actions = timeline(&app, coord, id).await;
    assert_eq!(
        actions,
        ["filed", "assigned", "signed", "answered", "rated"]
    );
    // N assignments of a new issue at once, each acting on the version it read and naming
    // a co-handling department: one wins; the others are told of the conflict (409) or that
    // their version is stale (412), never a duplicate co-department (a 500).
    let r = send(&app, Method::POST, "/api/v1/issues", ent,
        Some(&json!({"title": "并发交办", "description": "x", "category": "approval", "channel": "online"}))).await;
    let fresh = r.body["id"].as_i64().unwrap_or_default();
    let token = coord.unwrap_or_default().to_owned();
    let assigns: Vec<_> = (0..N)
        .map(|_| {
            let req = TestRequest::post()
                .uri(&format!("/api/v1/issues/{fresh}/assign"))
                .insert_header(("authorization", format!("Bearer {token}")))
                .insert_header(("if-match", format!("\"{fresh}.1\"")))
                .set_json(json!({"lead_department_id": da, "co_department_ids": [w.id("dept_b_department")]}));
            send_request(&app, req)
        })
        .collect();
    let replies = futures_util::future::join_all(assigns).await;
    assert_eq!(count_ok(&replies), 1, "{replies:?}");
    for r in replies.iter().filter(|r| r.status != 200) {
        assert!(r.status == 409 || r.status == 412, "{}", r.text);
    }
    assert_eq!(timeline(&app, coord, fresh).await, ["filed", "assigned"]);
}

#[actix_rt::test]
async fn idempotent_filing_and_if_match() {
    let db = TestDb::new();
    let app = app(&db).await;
    let w = world(&app, &db).await;
    let ent = w.token("ent_a").unwrap_or_default().to_owned();
    let body = json!({"title": "重复提交", "description": "网络重试", "category": "policy", "channel": "online"});
    let post = |key: &str, body: &Value| {
        TestRequest::post()
            .uri("/api/v1/issues")
            .insert_header(("authorization", format!("Bearer {ent}")))
            .insert_header(("idempotency-key", key.to_owned()))
            .set_json(body)
    };
    let first = send_request(&app, post("k-1", &body)).await;
    assert_eq!(first.status, 201, "{}", first.text);
    let again = send_request(&app, post("k-1", &body)).await;
    assert_eq!(again.status, 201, "{}", again.text);
    assert_eq!(again.body["id"], first.body["id"]);
    assert_eq!(again.header("location"), first.header("location"));
    let mut other = body.clone();
    other["title"] = json!("另一个");
    let r = send_request(&app, post("k-1", &other)).await;
    r.problem(422);
    assert_eq!(r.error_fields(), vec!["Idempotency-Key"]);
    let r = send(&app, Method::GET, "/api/v1/issues", Some(&ent), None).await;
    assert_eq!(r.body["total"], 1);

    // If-Match: the current ETag passes, a stale one is 412.
    let id = first.body["id"].as_i64().unwrap_or_default();
    let r = send(
        &app,
        Method::GET,
        &format!("/api/v1/issues/{id}"),
        Some(&ent),
        None,
    )
    .await;
    let tag = r.header("etag").unwrap_or_default();
    assert_eq!(tag, format!("\"{id}.1\""));
    let coord = w.token("coord_a").unwrap_or_default().to_owned();
    let assign = |tag: &str| {
        TestRequest::post()
            .uri(&format!("/api/v1/issues/{id}/assign"))
            .insert_header(("authorization", format!("Bearer {coord}")))
            .insert_header(("if-match", tag.to_owned()))
            .set_json(json!({"lead_department_id": w.id("dept_a_department")}))
    };
    let r = send_request(&app, assign(&tag)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.header("etag"), Some(format!("\"{id}.2\"")));
    send_request(&app, assign(&tag)).await.problem(412);
}

#[actix_rt::test]
async fn lists_filter_sort_and_search() {
    let db = TestDb::new();
    let app = app(&db).await;
    let w = world(&app, &db).await;
    let (coord, ent) = (w.token("coord_city"), w.token("ent_a"));
    let da = w.id("dept_a_department");
    let titles = [
        ("融资担保难", "financing"),
        ("用地审批慢", "land"),
        ("人才公寓申请", "talent"),
    ];
    let mut ids = Vec::new();
    for (t, c) in titles {
        let r = send(&app, Method::POST, "/api/v1/issues", ent,
            Some(&json!({"title": t, "description": format!("{t}的详细情况：50%_说明"), "category": c, "channel": "online"}))).await;
        ids.push(r.body["id"].as_i64().unwrap_or_default());
    }
    ok(&act(
        &app,
        coord,
        ids[0],
        "assign",
        json!({"lead_department_id": da, "due_on": today().to_string()}),
    )
    .await);
    ok(&act(
        &app,
        coord,
        ids[1],
        "assign",
        json!({"lead_department_id": da}),
    )
    .await);
    // Overdue is derived: make the first one's due date pass.
    let mut conn = db.connect();
    exec(
        &mut conn,
        &format!(
            "UPDATE issues SET due_on = '{}' WHERE id = {}",
            today() - chrono::Duration::days(1),
            ids[0]
        ),
    );
    let list = |q: String| {
        let coord = coord.map(str::to_owned);
        let app = &app;
        async move {
            let r = send(
                app,
                Method::GET,
                &format!("/api/v1/issues?{q}"),
                coord.as_deref(),
                None,
            )
            .await;
            assert_eq!(r.status, 200, "{q}: {}", r.text);
            r.body["items"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|i| i["id"].as_i64())
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        }
    };
    assert_eq!(list(String::new()).await, vec![ids[2], ids[1], ids[0]]);
    assert_eq!(list("sort=created_at".into()).await, ids);
    assert_eq!(
        list("sort=due_on".into()).await,
        vec![ids[0], ids[1], ids[2]]
    );
    assert_eq!(
        list("sort=-due_on".into()).await,
        vec![ids[1], ids[0], ids[2]]
    );
    assert_eq!(list("overdue=true".into()).await, vec![ids[0]]);
    assert_eq!(
        list("status=assigned&category=land".into()).await,
        vec![ids[1]]
    );
    assert_eq!(
        list(format!("department_id={da}&sort=created_at")).await,
        vec![ids[0], ids[1]]
    );
    assert_eq!(list(format!("q={}", enc("人才"))).await, vec![ids[2]]);
    // Words, not patterns: 50 is a word there, % and _ are none (a clear 422, naming q).
    assert_eq!(list(format!("q={}", enc("50%_"))).await.len(), 3);
    let r = send(
        &app,
        Method::GET,
        &format!("/api/v1/issues?q={}", enc("%_")),
        coord,
        None,
    )
    .await;
    r.problem(422);
    assert_eq!(r.error_fields(), vec!["q"]);
    assert_eq!(
        list(format!("region_id={CHANGXING}")).await,
        Vec::<i64>::new()
    );
    assert_eq!(list(format!("region_id={CITY}")).await.len(), 3);
    assert_eq!(
        list(format!("from={}&to={}", today(), today())).await.len(),
        3
    );
    assert_eq!(
        list(format!("to={}", today() - chrono::Duration::days(1)))
            .await
            .len(),
        0
    );
    let r = send(&app, Method::GET, "/api/v1/issues/ids", coord, None).await;
    r.problem(404);
    let r = send(&app, Method::GET, "/api/v1/issues?sort=title", coord, None).await;
    r.problem(422);
    assert_eq!(r.error_fields(), vec!["sort"]);
    let r = send(&app, Method::GET, "/api/v1/issues?status=lost", coord, None).await;
    assert_eq!(r.error_fields(), vec!["status"]);
    let r = send(
        &app,
        Method::GET,
        &format!("/api/v1/issues/{}", ids[0]),
        coord,
        None,
    )
    .await;
    assert_eq!(r.body["overdue"], true);
}

#[actix_rt::test]
async fn another_handler_of_the_department_takes_over() {
    let db = TestDb::new();
    let app = app(&db).await;
    let world = world(&app, &db).await;
    let admin = login(&app, "admin", PASSWORD).await;
    let dept = world.id("dept_a_department");
    create(
        &app,
        &admin,
        "/api/v1/users",
        json!({"username": "dept.a2", "password": PASSWORD, "display_name": "第二经办人",
               "role": "department", "department_id": dept}),
    )
    .await;
    let second = login(&app, "dept.a2", PASSWORD).await;
    let ent = world.token("ent_a").unwrap_or_default().to_owned();
    let body = json!({"title": "用工", "description": "招工难", "category": "talent", "channel": "online"});
    let id = create(&app, &ent, "/api/v1/issues", body).await;
    let post = |token: String, action: &'static str| {
        let app = &app;
        async move {
            send(
                app,
                Method::POST,
                &format!("/api/v1/issues/{id}/{action}"),
                Some(&token),
                Some(&json!({})),
            )
            .await
        }
    };
    let assign = json!({"lead_department_id": dept});
    let r = send(
        &app,
        Method::POST,
        &format!("/api/v1/issues/{id}/assign"),
        world.token("coord_city"),
        Some(&assign),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["handler_id"], serde_json::Value::Null);
    // Nobody takes over what nobody has signed for.
    post(second.clone(), "take-over").await.problem(409);
    let first = world.token("dept_a").unwrap_or_default().to_owned();
    let r = post(first.clone(), "sign").await;
    assert_eq!(r.body["handler_id"], world.id("dept_a"));
    // The signer cannot take over from itself; a colleague can; others never.
    post(first.clone(), "take-over").await.problem(409);
    let r = post(second.clone(), "take-over").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_ne!(r.body["handler_id"], world.id("dept_a"));
    post(
        world.token("dept_b").unwrap_or_default().to_owned(),
        "take-over",
    )
    .await
    .problem(404);
    post(
        world.token("coord_city").unwrap_or_default().to_owned(),
        "take-over",
    )
    .await
    .problem(403);
    let events = send(
        &app,
        Method::GET,
        &format!("/api/v1/issues/{id}/events"),
        Some(&first),
        None,
    )
    .await;
    let kinds: Vec<&str> = events
        .body
        .as_array()
        .map(|a| a.iter().filter_map(|e| e["action"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(kinds, ["filed", "assigned", "signed", "taken_over"]);
}

/// A notice that asked for something done stops waiting once it is done: 新交办 when signed,
/// 待评价 when rated.
#[actix_rt::test]
async fn notices_that_ask_nothing_more_are_marked_read() {
    let db = TestDb::new();
    let app = app(&db).await;
    let w = world(&app, &db).await;
    let (coord, dept, ent) = (w.token("coord_city"), w.token("dept_a"), w.token("ent_a"));
    let id = create(
        &app,
        coord.unwrap_or_default(),
        "/api/v1/issues",
        json!({"title": "用电增容", "description": "说明", "category": "infrastructure",
               "channel": "visit", "enterprise_id": w.id("ent_a_enterprise")}),
    )
    .await;
    let unread = |token: Option<&str>| {
        let app = &app;
        let token = token.map(str::to_owned);
        async move {
            let path = "/api/v1/notifications?unread=true&per_page=100";
            let r = send(app, Method::GET, path, token.as_deref(), None).await;
            r.body["items"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter(|n| n["issue_id"] == id)
                        .map(|n| n["kind"].as_str().unwrap_or_default().to_owned())
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        }
    };
    let body = json!({"lead_department_id": w.id("dept_a_department")});
    ok(&act(&app, coord, id, "assign", body).await);
    assert_eq!(unread(dept).await, ["assigned"]);
    ok(&act(&app, dept, id, "sign", json!({})).await);
    assert!(unread(dept).await.is_empty());
    let body = json!({"outcome": "resolved", "text": "已完成增容"});
    ok(&act(&app, dept, id, "answer", body).await);
    assert_eq!(unread(ent).await, ["answered"]);
    let body = json!({"solved": true, "rating": "satisfied"});
    ok(&act(&app, ent, id, "rating", body).await);
    assert!(unread(ent).await.is_empty());
}

/// More time is asked before the due date passes; an extension asked in time but decided
/// after it may only be refused, so that approving it never takes back days the issue was
/// overdue (超期).
#[actix_rt::test]
async fn an_extension_cannot_erase_an_overdue_issue() {
    let db = TestDb::new();
    let app = app(&db).await;
    let w = world(&app, &db).await;
    let (coord, dept) = (w.token("coord_city"), w.token("dept_a"));
    let r = send(
        &app,
        Method::POST,
        "/api/v1/issues",
        w.token("ent_a"),
        Some(
            &json!({"title": "厂房消防验收排不上", "description": "预约一直排不上。",
                     "category": "approval", "channel": "online"}),
        ),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let id = r.body["id"].as_i64().unwrap_or_default();
    ok(&act(
        &app,
        coord,
        id,
        "assign",
        json!({"lead_department_id": w.id("dept_a_department")}),
    )
    .await);
    ok(&act(&app, dept, id, "sign", json!({})).await);
    let later = (today() + chrono::Duration::days(40)).to_string();
    let r = act(
        &app,
        dept,
        id,
        "extensions",
        json!({"new_due_on": later, "reason": "需报省厅审批"}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let ext = r.body["id"].as_i64().unwrap_or_default();
    // The due date passes while the request waits.
    let past = today() - chrono::Duration::days(2);
    let mut conn = db.connect();
    exec(
        &mut conn,
        &format!("UPDATE issues SET due_on = '{past}' WHERE id = {id}"),
    );
    let r = act(
        &app,
        coord,
        id,
        &format!("extensions/{ext}/decision"),
        json!({"granted": true}),
    )
    .await;
    r.problem(409);
    assert!(r.text.contains("can no longer be granted"), "{}", r.text);
    let r = send(
        &app,
        Method::GET,
        &format!("/api/v1/issues/{id}"),
        coord,
        None,
    )
    .await;
    assert_eq!(
        r.body["due_on"],
        past.to_string().as_str(),
        "the due date moved"
    );
    // Refusing it is still possible; asking again after the due date is not.
    let r = act(
        &app,
        coord,
        id,
        &format!("extensions/{ext}/decision"),
        json!({"granted": false, "note": "已超期，请尽快办理"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = act(
        &app,
        dept,
        id,
        "extensions",
        json!({"new_due_on": later, "reason": "再申请"}),
    )
    .await;
    r.problem(409);
    assert!(r.text.contains("has passed"), "{}", r.text);
    // Still overdue, as the list of overdue issues says.
    let r = send(
        &app,
        Method::GET,
        "/api/v1/issues?overdue=true",
        coord,
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(
        r.body["items"]
            .as_array()
            .is_some_and(|a| a.iter().any(|i| i["id"] == id)),
        "{}",
        r.text
    );
}
