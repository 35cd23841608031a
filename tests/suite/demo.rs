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

/// Read as an official would read it, the demo does not give itself away: acts at the
/// hours people work (no hour holding more than a quarter of any kind done 50 times or
/// more, none on a day off),
/// titles that rarely repeat, answers in many words, "solved" following the answer,
/// districts' own departments leading their issues, and a first start that finds its
/// follow-up calls (回访) already made.
#[actix_rt::test]
async fn the_demo_reads_like_a_programme_run_by_people() {
    let db = demo_db();
    let mut conn = db.connect();
    let (hour, weekday) = if db.is_postgres() {
        (
            "CAST(EXTRACT(HOUR FROM at + INTERVAL '8 hours') AS BIGINT)",
            "CAST(EXTRACT(DOW FROM at + INTERVAL '8 hours') AS BIGINT)",
        )
    } else {
        (
            "CAST(strftime('%H', at, '+8 hours') AS INTEGER)",
            "CAST(strftime('%w', at, '+8 hours') AS INTEGER)",
        )
    };
    let busiest_hour = count(
        &mut conn,
        &format!(
            "WITH c AS (SELECT action, {hour} AS hr, COUNT(*) AS k FROM issue_events GROUP BY action, {hour}), \
             t AS (SELECT action, SUM(k) AS total, MAX(k) AS top FROM c GROUP BY action) \
             SELECT CAST(MAX(1000 * top / total) AS BIGINT) AS n FROM t WHERE total >= 50"
        ),
    );
    assert!(
        busiest_hour <= 250,
        "an hour holds {busiest_hour}‰ of a kind of act"
    );
    let local_day = if db.is_postgres() {
        "CAST(at + INTERVAL '8 hours' AS DATE)"
    } else {
        "date(at, '+8 hours')"
    };
    let day_off = count(
        &mut conn,
        &format!(
            "SELECT COUNT(*) AS n FROM issue_events e WHERE \
             {local_day} IN (SELECT day FROM calendar_days WHERE kind = 'holiday') \
             OR ({weekday} IN (0, 6) AND {local_day} NOT IN (SELECT day FROM calendar_days WHERE kind = 'workday'))"
        ),
    );
    assert_eq!(day_off, 0, "acts on a day off");
    let titles = count(&mut conn, "SELECT COUNT(DISTINCT title) AS n FROM issues");
    let most = count(
        &mut conn,
        "SELECT MAX(k) AS n FROM (SELECT COUNT(*) AS k FROM issues GROUP BY title) t",
    );
    assert!(
        titles >= 2000 && most <= 5,
        "{titles} titles, one {most} times"
    );
    // The answers' own words, the title they quote taken out.
    let answers = count(
        &mut conn,
        "SELECT COUNT(DISTINCT REPLACE(answer_text, title, '')) AS n FROM issues WHERE answer_text IS NOT NULL",
    );
    assert!(answers >= 300, "{answers} distinct answers");
    let solved = count(
        &mut conn,
        "SELECT CAST(1000 * SUM(CASE WHEN solved THEN 1 ELSE 0 END) / COUNT(*) AS BIGINT) AS n \
         FROM issues WHERE answer_outcome IN ('explained', 'planned') AND solved IS NOT NULL",
    );
    assert!(
        solved < 400,
        "{solved}‰ of explained or planned answers solved"
    );
    let local = count(
        &mut conn,
        "SELECT MIN(share) AS n FROM (SELECT CAST(1000 * SUM(CASE WHEN d.region_id = i.region_id \
         THEN 1 ELSE 0 END) / COUNT(*) AS BIGINT) AS share FROM issues i \
         JOIN regions r ON r.id = i.region_id JOIN departments d ON d.id = i.lead_department_id \
         WHERE r.parent_id IS NOT NULL GROUP BY i.region_id) t",
    );
    assert!(
        local > 500,
        "a district's own departments lead {local}‰ of its issues"
    );
    // Each district has its own catch-all office.
    let districts_without = count(
        &mut conn,
        "SELECT COUNT(*) AS n FROM regions r WHERE r.parent_id IS NOT NULL AND NOT EXISTS \
         (SELECT 1 FROM departments d WHERE d.region_id = r.id AND d.catch_all)",
    );
    assert_eq!(districts_without, 0);
    let reminded =
        qinqing::service::notices::remind(&mut conn, qinqing::store::now(), &Default::default())
            .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        reminded.follow_up_due < 50,
        "the first start asks for {} follow-up calls",
        reminded.follow_up_due
    );
}
