//! The demo data set reproduces the programme's published 2022 figures from its own rows,
//! and its ledger agrees with the summary.

use crate::common::*;
use actix_web::http::Method;
use actix_web::test::TestRequest;
use qinqing::demo::{self, Y2022};
use serde_json::json;

#[actix_rt::test]
async fn the_demo_reproduces_the_2022_report() {
    // The shared demo (played back once per run by `demo::load`), copied for this test.
    let db = demo_db();
    let mut conn = db.connect();
    let options = demo::Options {
        password: "another password 1".into(),
        force: false,
    };
    // A second load is refused: the database has issues.
    assert!(demo::load(&mut conn, &options, &mut |_| {}).is_err());
    // So is a second copy.
    assert!(demo::copy_from(&mut conn, demo_fixture(), false, &mut |_| {}).is_err());

    let app = app(&db).await;
    let admin = login(&app, "demo.admin", DEMO_PASSWORD).await;
    let r = send(
        &app,
        Method::GET,
        "/api/v1/stats/report?year=2022",
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    // The 2022 sentence, written out as published, and as the targets make it.
    assert_eq!(
        r.body["text"],
        "2022年，联动召开恳谈会201场，参会企业家1576位，收集交办问题2229个，满意率98.75%。"
    );
    let want = format!(
        "2022年，联动召开恳谈会{}场，参会企业家{}位，收集交办问题{}个，满意率{:.2}%。",
        Y2022.forums_held,
        Y2022.attendances,
        Y2022.issues,
        Y2022.satisfied as f64 * 100.0 / Y2022.rated as f64
    );
    assert_eq!(r.body["text"], want);
    let f = &r.body["figures"];
    assert_eq!(
        f["rates"]["satisfaction"],
        json!({"numerator": Y2022.satisfied, "denominator": Y2022.rated,
        "percent": (Y2022.satisfied as f64 * 10_000.0 / Y2022.rated as f64).round() / 100.0})
    );
    // The programme's published total to 2023-05-31, cumulative from its first edition:
    // 42期, 330场, 2617位, 3489个, 99.13%.
    let r = send(
        &app,
        Method::GET,
        "/api/v1/stats/summary?from=2022-06-08&to=2023-05-31",
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let f = &r.body;
    assert_eq!(
        (
            &f["editions"],
            &f["forums_held"],
            &f["attendances"],
            &f["issues_collected"],
            &f["rates"]["satisfaction"]["percent"]
        ),
        (
            &json!(42),
            &json!(330),
            &json!(2617),
            &json!(3489),
            &json!(99.13)
        ),
        "{}",
        r.text
    );
    // No edition meets in a statutory holiday week (National Day 2026, for one).
    let r = send(
        &app,
        Method::GET,
        "/api/v1/editions?per_page=100&from=2026-10-01&to=2026-10-09",
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(r.body["total"], 0, "{}", r.text);

    // The kept all-time figures agree with a count over the issues themselves.
    let kept = send(
        &app,
        Method::GET,
        "/api/v1/stats/departments",
        Some(&admin),
        None,
    )
    .await;
    let counted = send(
        &app,
        Method::GET,
        "/api/v1/stats/departments?from=2000-01-01&to=2099-12-31",
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(kept.body, counted.body);
    let kept = send(
        &app,
        Method::GET,
        "/api/v1/stats/summary",
        Some(&admin),
        None,
    )
    .await;
    let counted = send(
        &app,
        Method::GET,
        "/api/v1/stats/summary?from=2000-01-01&to=2099-12-31",
        Some(&admin),
        None,
    )
    .await;
    for key in [
        "issues_collected",
        "assigned",
        "answered",
        "rated",
        "satisfied",
        "dissatisfied",
        "rates",
        "urges",
        "supervisions",
        "under_supervision",
        "mean_working_days_to_answer",
        "overdue",
    ] {
        assert_eq!(kept.body[key], counted.body[key], "{key}");
    }

    // The live stretch up to today has open and overdue work, whatever day it is.
    let from = demo::current_stretch_start(qinqing::domain::time::today());
    let r = send(
        &app,
        Method::GET,
        &format!("/api/v1/stats/summary?from={from}"),
        Some(&admin),
        None,
    )
    .await;
    assert!(r.body["overdue"].as_i64().unwrap_or(0) > 0, "{}", r.text);
    let r = send(
        &app,
        Method::GET,
        "/api/v1/issues?status=submitted",
        Some(&admin),
        None,
    )
    .await;
    assert!(r.body["total"].as_i64().unwrap_or(0) > 0);

    // The 2022 ledger: one row per issue collected, and the same ratings as the summary.
    let req = TestRequest::get()
        .uri("/api/v1/issues/export?format=csv&from=2022-01-01&to=2022-12-31")
        .insert_header(("authorization", format!("Bearer {admin}")));
    let r = send_request(&app, req).await;
    let rows: Vec<&str> = r
        .text
        .trim_start_matches('\u{feff}')
        .split("\r\n")
        .filter(|l| !l.is_empty())
        .collect();
    assert_eq!(rows.len(), Y2022.issues + 1);
    let satisfied = rows
        .iter()
        .filter(|l| l.contains(",满意,") || l.contains(",基本满意,"))
        .count();
    assert_eq!(satisfied, Y2022.satisfied);

    // Every demo role can sign in and sees its share.
    for (user, path) in [
        ("demo.coord.dq", "/api/v1/issues"),
        ("demo.leader.cx", "/api/v1/stats/summary"),
        ("demo.dept", "/api/v1/issues"),
        ("demo.ent", "/api/v1/issues"),
    ] {
        let token = login(&app, user, DEMO_PASSWORD).await;
        let r = send(&app, Method::GET, path, Some(&token), None).await;
        assert_eq!(r.status, 200, "{user}: {}", r.text);
    }
}
