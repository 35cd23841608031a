//! The figures a 通报 publishes: the definitions of `domain.md` (not-actionable closes, the
//! issues resolved on the spot, the overdue counted once, sign-for by a timely return, a
//! department charged only with its own setbacks), and an activity period judged as at its
//! last day, so that it reads the same whenever it is asked.

use crate::common::*;
use crate::stats::assert_kept_equal_recount;
use actix_web::http::Method;
use serde_json::{json, Value};

fn rate(body: &Value, name: &str) -> (i64, i64) {
    let r = &body["rates"][name];
    (
        r["numerator"].as_i64().unwrap_or(-1),
        r["denominator"].as_i64().unwrap_or(-1),
    )
}

#[actix_rt::test]
async fn the_rates_follow_the_definitions() {
    let db = TestDb::new();
    let app = app(&db).await;
    let w = world(&app, &db).await;
    let (coord, ent, da_t, db_t, admin) = (
        w.token("coord_city"),
        w.token("ent_a"),
        w.token("dept_a"),
        w.token("dept_b"),
        w.token("admin"),
    );
    let (da, dbb) = (w.id("dept_a_department"), w.id("dept_b_department"));
    let mut conn = db.connect();
    let act = |token: Option<&str>, id: i64, action: &str, body: Value| {
        let (token, path, app) = (
            token.map(str::to_owned),
            format!("/api/v1/issues/{id}/{action}"),
            &app,
        );
        async move {
            let r = send(app, Method::POST, &path, token.as_deref(), Some(&body)).await;
            assert!(r.status.is_success(), "{path}: {}", r.text);
        }
    };
    let file = |category: &'static str| {
        let app = &app;
        async move {
            let r = send(app, Method::POST, "/api/v1/issues", ent,
                Some(&json!({"title": "问题", "description": "说明", "category": category, "channel": "online"}))).await;
            assert_eq!(r.status, 201, "{}", r.text);
            r.body["id"].as_i64().unwrap_or_default()
        }
    };
    let answer = json!({"outcome": "resolved", "text": "已解决"});
    // NA: returned by dept_a at once, then closed as not actionable.
    let na = file("other").await;
    act(coord, na, "assign", json!({"lead_department_id": da})).await;
    act(da_t, na, "return", json!({"reason": "不属于受理范围"})).await;
    act(
        coord,
        na,
        "close",
        json!({"note": "不属受理范围，已向企业说明"}),
    )
    .await;
    // SITE: resolved on the spot by dept_a at a forum, then rated.
    let r = send(&app, Method::POST, "/api/v1/issues", coord, Some(&json!({
        "title": "现场答复", "description": "说明", "category": "policy", "channel": "forum",
        "enterprise_id": w.id("ent_a_enterprise"), "forum_id": w.id("forum_a"), "resolved_on_site": true,
        "on_site_answer": "当场答复", "department_id": da}))).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let site = r.body["id"].as_i64().unwrap_or_default();
    act(
        ent,
        site,
        "rating",
        json!({"solved": true, "rating": "satisfied"}),
    )
    .await;
    // REO: answered on time, rated dissatisfied (reopened), now overdue again.
    let reo = file("land").await;
    act(coord, reo, "assign", json!({"lead_department_id": da})).await;
    act(da_t, reo, "sign", json!({})).await;
    act(da_t, reo, "answer", answer.clone()).await;
    act(
        ent,
        reo,
        "rating",
        json!({"solved": false, "rating": "dissatisfied"}),
    )
    .await;
    exec(
        &mut conn,
        &format!("UPDATE issues SET due_on = '2000-01-03' WHERE id = {reo}"),
    );
    // RET: returned by dept_a within the limit, reassigned to dept_b, which answers.
    let ret = file("land").await;
    act(coord, ret, "assign", json!({"lead_department_id": da})).await;
    act(da_t, ret, "return", json!({"reason": "非本部门职责"})).await;
    act(coord, ret, "assign", json!({"lead_department_id": dbb})).await;
    act(db_t, ret, "sign", json!({})).await;
    act(db_t, ret, "answer", answer).await;

    let r = send(&app, Method::GET, "/api/v1/stats/summary", admin, None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    // 办结率: the not-actionable close is in neither term.
    assert_eq!(rate(&r.body, "answered"), (1, 2), "{}", r.text);
    // 按期办结率: the on-the-spot answer is on time; the reopened overdue issue once.
    assert_eq!(r.body["overdue"], 1);
    assert_eq!(rate(&r.body, "on_time"), (3, 3), "{}", r.text);
    // 参评率: the rated on-the-spot answer counts; rated never exceeds answered.
    assert_eq!(rate(&r.body, "rated"), (2, 3), "{}", r.text);
    // 一次办结率 over the whole: only the on-the-spot answer had no setback.
    assert_eq!(rate(&r.body, "first_time"), (1, 3), "{}", r.text);
    // 及时签收率: the two timely returns count as handled in time.
    assert_eq!(rate(&r.body, "sign_for"), (4, 4), "{}", r.text);

    let r = send(
        &app,
        Method::GET,
        "/api/v1/stats/departments?min_rated=0",
        admin,
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let row = |d: i64| {
        r.body["items"]
            .as_array()
            .and_then(|a| a.iter().find(|i| i["department_id"] == d).cloned())
            .unwrap_or_default()
    };
    // dept_b is not charged with dept_a's return; dept_a with its own reopening.
    assert_eq!(rate(&row(dbb), "first_time"), (1, 1), "{}", r.text);
    assert_eq!(rate(&row(da), "first_time"), (1, 2), "{}", r.text);
    assert_eq!(rate(&row(da), "sign_for"), (3, 3), "{}", r.text);
    assert_eq!(rate(&row(da), "answered"), (0, 1), "{}", r.text);
    assert_kept_equal_recount(&mut conn, &[da, dbb]);
}

#[actix_rt::test]
async fn a_departments_categories_add_up_to_its_summary_on_both_bases() {
    let db = TestDb::new();
    let app = app(&db).await;
    let w = world(&app, &db).await;
    let (coord, ent, admin) = (w.token("coord_city"), w.token("ent_a"), w.token("admin"));
    let (da, dbb) = (w.id("dept_a_department"), w.id("dept_b_department"));
    for (category, dept) in [("land", da), ("tax", da), ("tax", da), ("talent", dbb)] {
        let r = send(&app, Method::POST, "/api/v1/issues", ent,
            Some(&json!({"title": "问题", "description": "说明", "category": category, "channel": "online"}))).await;
        assert_eq!(r.status, 201, "{}", r.text);
        let id = r.body["id"].as_i64().unwrap_or_default();
        let path = format!("/api/v1/issues/{id}/assign");
        let r = send(
            &app,
            Method::POST,
            &path,
            coord,
            Some(&json!({"lead_department_id": dept})),
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.text);
    }
    let today = qinqing::domain::time::today();
    for basis in ["filed", "activity"] {
        let q = format!("department_id={da}&basis={basis}&from={today}&to={today}");
        let s = send(
            &app,
            Method::GET,
            &format!("/api/v1/stats/summary?{q}"),
            admin,
            None,
        )
        .await;
        let c = send(
            &app,
            Method::GET,
            &format!("/api/v1/stats/categories?{q}"),
            admin,
            None,
        )
        .await;
        assert_eq!(
            (s.status.as_u16(), c.status.as_u16()),
            (200, 200),
            "{} {}",
            s.text,
            c.text
        );
        let rows: Vec<(String, i64)> = c.body["items"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .filter(|i| i["issues_collected"].as_i64().unwrap_or(0) > 0)
            .map(|i| {
                (
                    i["category"].as_str().unwrap_or("").to_owned(),
                    i["issues_collected"].as_i64().unwrap_or(0),
                )
            })
            .collect();
        assert_eq!(
            rows,
            [("land".to_owned(), 1), ("tax".to_owned(), 2)],
            "{basis}: {}",
            c.text
        );
        for k in ["issues_collected", "assigned", "assignments"] {
            let sum: i64 = c.body["items"]
                .as_array()
                .map(|a| a.iter().map(|i| i[k].as_i64().unwrap_or(0)).sum())
                .unwrap_or(-1);
            assert_eq!(sum, s.body[k].as_i64().unwrap_or(-2), "{basis} {k}");
        }
    }
}

/// The months of the demo, from its first to the last one over: (first day, last day).
fn past_months() -> Vec<(chrono::NaiveDate, chrono::NaiveDate)> {
    use chrono::{Datelike, NaiveDate};
    let today = qinqing::domain::time::today();
    let mut out = Vec::new();
    let mut first = NaiveDate::from_ymd_opt(2022, 6, 1).unwrap_or_default();
    loop {
        let next = if first.month() == 12 {
            NaiveDate::from_ymd_opt(first.year() + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(first.year(), first.month() + 1, 1)
        }
        .unwrap_or_default();
        if next > today {
            return out;
        }
        out.push((first, next.pred_opt().unwrap_or(next)));
        first = next;
    }
}

/// A period's activity figures: the summary and the ranking, as served.
async fn month_figures<S, B>(
    app: &S,
    token: Option<&str>,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
) -> (Value, Value)
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody,
{
    let q = format!("basis=activity&from={from}&to={to}");
    let s = send(
        app,
        Method::GET,
        &format!("/api/v1/stats/summary?{q}"),
        token,
        None,
    )
    .await;
    let d = send(
        app,
        Method::GET,
        &format!("/api/v1/stats/departments?{q}"),
        token,
        None,
    )
    .await;
    assert_eq!(
        (s.status.as_u16(), d.status.as_u16()),
        (200, 200),
        "{} {}",
        s.text,
        d.text
    );
    let mut summary = s.body.clone();
    summary["calendar_missing"] = Value::Null;
    (summary, d.body["items"].clone())
}

/// Every month since the first edition, read on the activity basis, equals a recount from
/// the timeline as at the month's last day (参评率, 一次办结率, 满意率), and reads the same
/// after new actions today on its issues: rated, reopened, reassigned, closed, urged,
/// supervised.
#[actix_rt::test]
async fn a_month_over_reads_the_same_whenever_it_is_asked() {
    let db = demo_db();
    let app = app(&db).await;
    let coord = login(&app, "demo.coord", DEMO_PASSWORD).await;
    let token = Some(coord.as_str());
    let mut conn = db.connect();
    let months = past_months();
    assert!(months.len() >= 50, "{}", months.len());
    let mut before = Vec::new();
    for (from, to) in &months {
        let (summary, ranking) = month_figures(&app, token, *from, *to).await;
        // The recount, from the timeline's own rows, as at the month's end.
        let start = qinqing::domain::time::start_of(*from).format("%Y-%m-%d %H:%M:%S");
        let end = qinqing::domain::time::start_of(to.succ_opt().unwrap_or(*to))
            .format("%Y-%m-%d %H:%M:%S");
        let answered = format!(
            "FROM issues i WHERE (i.assigned_at IS NOT NULL OR i.resolved_on_site) \
             AND i.first_answered_at >= '{start}' AND i.first_answered_at < '{end}' \
             AND NOT EXISTS (SELECT 1 FROM issue_events e WHERE e.issue_id = i.id \
               AND e.action = 'withdrawn' AND e.at < '{end}')"
        );
        let n = |conn: &mut qinqing::db::DbConn, what: &str| {
            count(conn, &format!("SELECT COUNT(*) AS n {answered} {what}"))
        };
        let all = n(&mut conn, "");
        let rated = n(
            &mut conn,
            &format!("AND EXISTS (SELECT 1 FROM issue_ratings r WHERE r.issue_id = i.id AND r.rated_at < '{end}')"),
        );
        let first_time = n(
            &mut conn,
            &format!(
                "AND NOT EXISTS (SELECT 1 FROM issue_ratings r WHERE r.issue_id = i.id \
                   AND r.rating = 'dissatisfied' AND r.rated_at < '{end}') \
                 AND NOT EXISTS (SELECT 1 FROM issue_assignments a WHERE a.issue_id = i.id \
                   AND a.returned_at < '{end}')"
            ),
        );
        assert_eq!(rate(&summary, "rated"), (rated, all), "参评率 of {from}");
        assert_eq!(
            rate(&summary, "first_time"),
            (first_time, all),
            "一次办结率 of {from}"
        );
        let satisfied = count(
            &mut conn,
            &format!(
                "SELECT COUNT(*) AS n FROM issues i WHERE (SELECT r.rating FROM issue_ratings r \
                   WHERE r.issue_id = i.id AND r.rated_at >= '{start}' AND r.rated_at < '{end}' \
                   ORDER BY r.answer_number DESC LIMIT 1) IN ('satisfied', 'basically_satisfied') \
                 AND NOT EXISTS (SELECT 1 FROM issue_events e WHERE e.issue_id = i.id \
                   AND e.action = 'withdrawn' AND e.at < '{end}')"
            ),
        );
        assert_eq!(
            rate(&summary, "satisfaction").0,
            satisfied,
            "满意率 of {from}"
        );
        before.push((summary, ranking));
    }

    // Today, the Federation acts on issues of those months.
    let pick = |conn: &mut qinqing::db::DbConn, status: &str, n: usize| -> Vec<i64> {
        #[derive(diesel::QueryableByName)]
        struct Id {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            id: i64,
        }
        use diesel::RunQueryDsl;
        let rows: Vec<Id> = diesel::sql_query(format!(
            "SELECT id FROM issues WHERE status = '{status}' AND filed_on < '{}' ORDER BY id LIMIT {n}",
            months.last().map(|m| m.1).unwrap_or_default()
        ))
        .load(conn)
        .unwrap_or_default();
        rows.into_iter().map(|r| r.id).collect()
    };
    let leader = login(&app, "demo.leader", DEMO_PASSWORD).await;
    let act = |id: i64, action: &str, body: Value| {
        let token = if action == "supervise" {
            Some(leader.as_str())
        } else {
            token
        };
        let (path, app) = (format!("/api/v1/issues/{id}/{action}"), &app);
        async move {
            let r = send(app, Method::POST, &path, token, Some(&body)).await;
            assert!(r.status.is_success(), "{path}: {}", r.text);
        }
    };
    let answered = pick(&mut conn, "answered", 40);
    let in_progress = pick(&mut conn, "in_progress", 10);
    let returned = pick(&mut conn, "returned", 5);
    assert!(
        answered.len() >= 20 && !in_progress.is_empty(),
        "{answered:?} {in_progress:?}"
    );
    let other_department = count(
        &mut conn,
        "SELECT MIN(id) AS n FROM departments WHERE active",
    );
    for (i, id) in answered.iter().enumerate() {
        let rating = if i % 2 == 0 {
            "dissatisfied"
        } else {
            "satisfied"
        };
        act(
            *id,
            "rating",
            json!({"solved": i % 2 == 1, "rating": rating, "comment": "回访"}),
        )
        .await;
    }
    for id in &in_progress {
        act(*id, "urge", json!({})).await;
        act(*id, "supervise", json!({})).await;
        act(
            *id,
            "assign",
            json!({"lead_department_id": other_department}),
        )
        .await;
    }
    for id in &returned {
        act(*id, "close", json!({"note": "不属受理范围"})).await;
    }
    // The reopened ones go to another department.
    for id in answered.iter().step_by(2).take(5) {
        act(
            *id,
            "assign",
            json!({"lead_department_id": other_department}),
        )
        .await;
    }
    for (i, ((from, to), was)) in months.iter().zip(&before).enumerate() {
        let now = month_figures(&app, token, *from, *to).await;
        assert_eq!(now.0, was.0, "the summary of {from} (month {i}) moved");
        assert_eq!(now.1, was.1, "the ranking of {from} (month {i}) moved");
    }
}
