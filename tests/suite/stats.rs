//! The figures, checked numerator by numerator on small hand-built data.

use crate::common::*;
use actix_web::http::Method;
use serde_json::{json, Value};

fn rate(body: &Value, name: &str) -> (i64, i64, Option<f64>) {
    let r = &body["rates"][name];
    (
        r["numerator"].as_i64().unwrap_or(-1),
        r["denominator"].as_i64().unwrap_or(-1),
        r["percent"].as_f64(),
    )
}

#[actix_rt::test]
async fn every_figure_from_hand_built_data() {
    let db = TestDb::new();
    let app = app(&db).await;
    let w = world(&app, &db).await;
    let (coord, ent_a, ent_b, da_t) = (
        w.token("coord_city"),
        w.token("ent_a"),
        w.token("ent_b"),
        w.token("dept_a"),
    );
    let db_t = w.token("dept_b");
    let (da, dbb) = (w.id("dept_a_department"), w.id("dept_b_department"));
    let mut conn = db.connect();
    let yesterday = (qinqing::domain::time::today() - chrono::Duration::days(1)).to_string();
    let soon = (qinqing::domain::time::today() + chrono::Duration::days(5)).to_string();

    let file = |token: Option<&str>, category: &str| {
        let body = json!({"title": "问题", "description": "说明", "category": category, "channel": "online"});
        let token = token.map(str::to_owned);
        let app = &app;
        async move {
            let r = send(
                app,
                Method::POST,
                "/api/v1/issues",
                token.as_deref(),
                Some(&body),
            )
            .await;
            assert_eq!(r.status, 201, "{}", r.text);
            r.body["id"].as_i64().unwrap_or_default()
        }
    };
    let step = |token: Option<&str>, id: i64, action: &str, body: Value| {
        let token = token.map(str::to_owned);
        let action = action.to_owned();
        let app = &app;
        async move {
            let r = send(
                app,
                Method::POST,
                &format!("/api/v1/issues/{id}/{action}"),
                token.as_deref(),
                Some(&body),
            )
            .await;
            assert!(r.status.is_success(), "{action}: {}", r.text);
            r.body
        }
    };
    let assign = |d: i64| json!({"lead_department_id": d});
    let answer = json!({"outcome": "resolved", "text": "已办理"});
    let rated = |r: &str| json!({"solved": r != "dissatisfied", "rating": r});

    // I1: answered on time, satisfied.
    let i1 = file(ent_a, "land").await;
    step(coord, i1, "assign", assign(da)).await;
    step(da_t, i1, "sign", json!({})).await;
    step(da_t, i1, "answer", answer.clone()).await;
    step(ent_a, i1, "rating", rated("satisfied")).await;
    // I2: dissatisfied, reopened, answered again, satisfied.
    let i2 = file(ent_a, "land").await;
    step(coord, i2, "assign", assign(da)).await;
    step(da_t, i2, "sign", json!({})).await;
    step(da_t, i2, "answer", answer.clone()).await;
    step(ent_a, i2, "rating", rated("dissatisfied")).await;
    step(da_t, i2, "answer", answer.clone()).await;
    step(ent_a, i2, "rating", rated("satisfied")).await;
    // I3: answered after its due date, basically satisfied.
    let i3 = file(ent_a, "tax").await;
    step(coord, i3, "assign", assign(da)).await;
    step(da_t, i3, "sign", json!({})).await;
    exec(
        &mut conn,
        &format!("UPDATE issues SET due_on = '{yesterday}' WHERE id = {i3}"),
    );
    step(da_t, i3, "answer", answer.clone()).await;
    step(ent_a, i3, "rating", rated("basically_satisfied")).await;
    // I4: an extension granted (asked and granted before the due date passed; after it,
    // it could only be refused): the answer by the new date counts as on time. Not rated.
    let i4 = file(ent_a, "tax").await;
    step(coord, i4, "assign", assign(da)).await;
    step(da_t, i4, "sign", json!({})).await;
    exec(
        &mut conn,
        &format!(
            "UPDATE issues SET due_on = '{}' WHERE id = {i4}",
            qinqing::domain::time::today()
        ),
    );
    let ext = step(
        da_t,
        i4,
        "extensions",
        json!({"new_due_on": soon, "reason": "需协调"}),
    )
    .await;
    step(
        coord,
        i4,
        &format!("extensions/{}/decision", ext["id"]),
        json!({"granted": true}),
    )
    .await;
    step(da_t, i4, "answer", answer.clone()).await;
    // I5: returned. I6: only submitted. I7: withdrawn.
    let i5 = file(ent_a, "other").await;
    step(coord, i5, "assign", assign(da)).await;
    step(da_t, i5, "return", json!({"reason": "非本部门"})).await;
    file(ent_a, "other").await;
    let i7 = file(ent_a, "other").await;
    step(ent_a, i7, "withdraw", json!({})).await;
    // I8: 长兴, answered on time, dissatisfied (reopened, latest dissatisfied).
    let i8 = file(ent_b, "financing").await;
    step(coord, i8, "assign", assign(dbb)).await;
    step(db_t, i8, "sign", json!({})).await;
    step(db_t, i8, "answer", answer.clone()).await;
    step(ent_b, i8, "rating", rated("dissatisfied")).await;
    // I9: solved on the spot at the 德清 forum, satisfied.
    let r = send(&app, Method::POST, "/api/v1/issues", coord, Some(&json!({"title": "现场", "description": "x",
        "category": "approval", "channel": "forum", "enterprise_id": w.id("ent_a_enterprise"), "forum_id": w.id("forum_a"),
        "resolved_on_site": true, "on_site_answer": "现场答复", "department_id": da}))).await;
    let i9 = r.body["id"].as_i64().unwrap_or_default();
    step(ent_a, i9, "rating", rated("satisfied")).await;
    // I10: assigned, past its due date: overdue now; urged twice, supervised once.
    let i10 = file(ent_a, "other").await;
    step(coord, i10, "assign", assign(da)).await;
    exec(
        &mut conn,
        &format!("UPDATE issues SET due_on = '{yesterday}' WHERE id = {i10}"),
    );
    step(coord, i10, "urge", json!({})).await;
    step(coord, i10, "urge", json!({"note": "再催"})).await;
    step(w.token("leader_city"), i10, "supervise", json!({})).await;
    // The 德清 forum is held.
    let r = send(
        &app,
        Method::PATCH,
        &format!("/api/v1/forums/{}", w.id("forum_a")),
        w.token("coord_a"),
        Some(&json!({"status": "held"})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);

    let r = send(
        &app,
        Method::GET,
        "/api/v1/stats/summary",
        w.token("admin"),
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let s = &r.body;
    let counts = [
        ("issues_collected", 9),
        ("resolved_on_site", 1),
        ("assigned", 7),
        ("answered", 6),
        ("rated", 5),
        ("satisfied", 4),
        ("dissatisfied", 2),
        ("overdue", 1),
        ("urges", 2),
        ("supervisions", 1),
        ("editions", 1),
        ("forums_held", 1),
        ("attendances", 1),
        ("distinct_enterprises", 1),
    ];
    for (name, want) in counts {
        assert_eq!(s[name], want, "{name} in {s}");
    }
    assert_eq!(rate(s, "answered"), (4, 7, Some(57.14)));
    // On time: 4 of the 5 answered assigned issues, and I9 answered on the spot; I10,
    // overdue and still open, counts against the rate: 5 of 7.
    assert_eq!(rate(s, "on_time"), (5, 7, Some(71.43)));
    assert_eq!(rate(s, "satisfaction"), (4, 5, Some(80.0)));
    assert_eq!(rate(s, "reopen"), (2, 6, Some(33.33)));
    // 退回率: one of the seven assignments (I5) returned; 及时签收率: I1–I4 and I8 signed
    // within the limit, and I5 returned within it, of the seven.
    assert_eq!(rate(s, "return"), (1, 7, Some(14.29)));
    assert_eq!(rate(s, "sign_for"), (6, 7, Some(85.71)));
    assert_eq!(s["assignments"], 7);
    // 参评率: I1, I2, I3, I8 and I9 (on the spot, answered) of the six answered; 解决率:
    // I1, I2, I3 and I9 of the five rated say solved, I8's latest does not; 一次办结率: I1,
    // I3, I4 and I9 (I2 and I8 were reopened).
    assert_eq!(rate(s, "rated"), (5, 6, Some(83.33)));
    assert_eq!(rate(s, "solved"), (4, 5, Some(80.0)));
    assert_eq!(rate(s, "first_time"), (4, 6, Some(66.67)));
    assert_eq!(s["mean_working_days_to_answer"], 0.0);

    // Scope: the 长兴 leader sees only I8; 德清's coordinator the rest; dept_a what it leads.
    let r = send(
        &app,
        Method::GET,
        "/api/v1/stats/summary",
        w.token("leader_b"),
        None,
    )
    .await;
    assert_eq!(r.body["issues_collected"], 1);
    assert_eq!(rate(&r.body, "satisfaction"), (0, 1, Some(0.0)));
    assert_eq!(r.body["forums_held"], 0);
    let r = send(
        &app,
        Method::GET,
        "/api/v1/stats/summary",
        w.token("coord_a"),
        None,
    )
    .await;
    assert_eq!(r.body["issues_collected"], 8);
    let r = send(&app, Method::GET, "/api/v1/stats/summary", da_t, None).await;
    assert_eq!(r.body["issues_collected"], 7);
    assert_eq!(rate(&r.body, "satisfaction"), (4, 4, Some(100.0)));
    send(&app, Method::GET, "/api/v1/stats/summary", ent_a, None)
        .await
        .problem(403);
    // Filters: a region, a category, a period with nothing rated.
    let r = send(
        &app,
        Method::GET,
        &format!("/api/v1/stats/summary?region_id={CHANGXING}"),
        w.token("admin"),
        None,
    )
    .await;
    assert_eq!(r.body["issues_collected"], 1);
    let r = send(
        &app,
        Method::GET,
        "/api/v1/stats/summary?category=land",
        w.token("admin"),
        None,
    )
    .await;
    assert_eq!(r.body["issues_collected"], 2);
    assert_eq!(rate(&r.body, "reopen"), (1, 2, Some(50.0)));
    let r = send(
        &app,
        Method::GET,
        "/api/v1/stats/summary?category=other",
        w.token("admin"),
        None,
    )
    .await;
    assert_eq!(rate(&r.body, "satisfaction"), (0, 0, None));
    // Of the "other" issues none is answered, and I10 is overdue.
    assert_eq!(rate(&r.body, "on_time"), (0, 1, Some(0.0)));
    // Forums have no category: their figures are left out, not counted regardless.
    for key in [
        "editions",
        "forums_held",
        "attendances",
        "distinct_enterprises",
    ] {
        assert!(r.body[key].is_null(), "{key}: {}", r.text);
    }
    let r = send(
        &app,
        Method::GET,
        &format!("/api/v1/stats/summary?forum_id={}", w.id("forum_a")),
        w.token("admin"),
        None,
    )
    .await;
    assert_eq!(r.body["issues_collected"], 1);
    assert_eq!(r.body["resolved_on_site"], 1);
    let r = send(
        &app,
        Method::GET,
        "/api/v1/stats/summary?from=2022-01-01&to=2022-12-31",
        w.token("admin"),
        None,
    )
    .await;
    assert_eq!(r.body["issues_collected"], 0);
    assert_eq!(r.body["forums_held"], 1);
    assert_eq!(rate(&r.body, "satisfaction"), (0, 0, None));
    let r = send(
        &app,
        Method::GET,
        "/api/v1/stats/summary?from=2022-12-31&to=2022-01-01",
        w.token("admin"),
        None,
    )
    .await;
    r.problem(422);
    send(
        &app,
        Method::GET,
        "/api/v1/stats/summary?regionid=4",
        w.token("admin"),
        None,
    )
    .await
    .problem(400);

    // 红黑榜: dept_a (4 of 4 satisfied) above dept_b (0 of 1).
    let r = send(
        &app,
        Method::GET,
        "/api/v1/stats/departments?min_rated=1",
        w.token("admin"),
        None,
    )
    .await;
    let items = r.body["items"].as_array().cloned().unwrap_or_default();
    assert_eq!(items.len(), 2, "{}", r.text);
    let place = |i: &Value| {
        (
            i["department_id"].as_i64(),
            i["rank"].as_i64(),
            i["level"].as_str().map(str::to_owned),
            i["sample_short"].as_bool(),
        )
    };
    let district = Some("district".to_owned());
    assert_eq!(
        place(&items[0]),
        (Some(da), Some(1), district.clone(), Some(false))
    );
    assert_eq!(rate(&items[0], "satisfaction"), (4, 4, Some(100.0)));
    assert_eq!(items[0]["name"], "德清县经信局");
    assert_eq!(items[0]["overdue"], 1, "{}", items[0]);
    assert_eq!(items[0]["under_supervision"], 1, "{}", items[0]);
    assert_eq!(
        place(&items[1]),
        (Some(dbb), Some(2), district, Some(false))
    );
    assert_eq!(items[1]["overdue"], 0);
    // With the default minimum of 5 rated issues neither is ranked (样本不足); the rows and
    // the unassigned line add up to the summary.
    let r = send(
        &app,
        Method::GET,
        "/api/v1/stats/departments",
        w.token("admin"),
        None,
    )
    .await;
    assert_eq!(r.body["min_rated"], 5);
    let items = r.body["items"].as_array().cloned().unwrap_or_default();
    assert!(
        items
            .iter()
            .all(|i| i["rank"].is_null() && i["sample_short"] == true),
        "{}",
        r.text
    );
    for key in [
        "issues_collected",
        "resolved_on_site",
        "assigned",
        "answered",
        "rated",
        "satisfied",
        "dissatisfied",
        "urges",
        "supervisions",
        "under_supervision",
    ] {
        let rows: i64 = items.iter().filter_map(|i| i[key].as_i64()).sum();
        let unassigned = r.body["unassigned"][key].as_i64().unwrap_or(-1);
        assert_eq!(
            rows + unassigned,
            s[key].as_i64().unwrap_or(-2),
            "{key}: {}",
            r.text
        );
    }
    let overdue: i64 = items.iter().filter_map(|i| i["overdue"].as_i64()).sum();
    assert_eq!(overdue, s["overdue"].as_i64().unwrap_or(-1));
    for name in ["return", "sign_for"] {
        let sum = |part: &str| -> i64 {
            items
                .iter()
                .filter_map(|i| i["rates"][name][part].as_i64())
                .sum()
        };
        assert_eq!(
            (sum("numerator"), sum("denominator")),
            (rate(s, name).0, rate(s, name).1),
            "{name}: {}",
            r.text
        );
    }
    // Its own parameter is the ranking's alone.
    send(
        &app,
        Method::GET,
        "/api/v1/stats/summary?min_rated=1",
        w.token("admin"),
        None,
    )
    .await
    .problem(400);
    send(
        &app,
        Method::GET,
        "/api/v1/stats/departments?min_rated=-1",
        w.token("admin"),
        None,
    )
    .await
    .problem(422);
    let r = send(&app, Method::GET, "/api/v1/stats/departments", db_t, None).await;
    assert_eq!(r.body["items"].as_array().map(Vec::len), Some(1));

    // Regions, categories and the trend add up to the summary.
    for path in [
        "/api/v1/stats/regions",
        "/api/v1/stats/categories",
        "/api/v1/stats/trend?granularity=week",
        "/api/v1/stats/trend?granularity=month",
    ] {
        let r = send(&app, Method::GET, path, w.token("admin"), None).await;
        assert_eq!(r.status, 200, "{path}: {}", r.text);
        let items = r.body["items"].as_array().cloned().unwrap_or_default();
        let total: i64 = items
            .iter()
            .filter_map(|i| i["issues_collected"].as_i64())
            .sum();
        assert_eq!(total, 9, "{path}");
        let rated: i64 = items
            .iter()
            .filter_map(|i| i["rates"]["satisfaction"]["denominator"].as_i64())
            .sum();
        assert_eq!(rated, 5, "{path}");
        let on_time: i64 = items
            .iter()
            .filter_map(|i| i["rates"]["on_time"]["denominator"].as_i64())
            .sum();
        assert_eq!(on_time, 7, "{path}: the overdue issue counts in its row");
    }
    let r = send(
        &app,
        Method::GET,
        "/api/v1/stats/categories",
        w.token("admin"),
        None,
    )
    .await;
    let land = r.body["items"]
        .as_array()
        .and_then(|a| a.iter().find(|i| i["category"] == "land").cloned())
        .unwrap_or_default();
    assert_eq!(land["name"], "用地");
    send(
        &app,
        Method::GET,
        "/api/v1/stats/trend?granularity=day",
        w.token("admin"),
        None,
    )
    .await
    .problem(422);

    // The yearly report reads like the programme's own sentence.
    let year = qinqing::domain::time::today().format("%Y").to_string();
    let r = send(
        &app,
        Method::GET,
        &format!("/api/v1/stats/report?year={year}"),
        w.token("admin"),
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.body["text"],
        format!("{year}年，联动召开恳谈会0场，参会企业家0位，收集交办问题9个，满意率80.00%。")
    );
    let r = send(
        &app,
        Method::GET,
        "/api/v1/stats/report?year=2022",
        w.token("admin"),
        None,
    )
    .await;
    assert_eq!(
        r.body["text"],
        "2022年，联动召开恳谈会1场，参会企业家1位，收集交办问题0个，尚无评价。"
    );
}

/// The figures the kept sums answer (any scope, filter and period on the filed basis) are
/// those a recount of the issues and their assignment rows gives, and every kept group is
/// equal to its recount.
/// Every kept group equals a recount of its issues and assignment rows.
pub fn assert_kept_groups_equal(conn: &mut qinqing::db::DbConn) {
    use qinqing::store::kept as kept_sums;
    for (key, kept, counted) in kept_sums::compare_rollup(conn).unwrap_or_else(|e| panic!("{e}")) {
        assert_eq!(kept, counted, "issue sums of {key:?}");
    }
    for (key, kept, counted) in kept_sums::compare_totals(conn).unwrap_or_else(|e| panic!("{e}")) {
        assert_eq!(kept, counted, "all-time issue sums of {key:?}");
    }
    for (key, kept, counted) in
        kept_sums::compare_assignment_rollup(conn).unwrap_or_else(|e| panic!("{e}"))
    {
        assert_eq!(kept, counted, "assignment counts of {key:?}");
    }
}

pub fn assert_kept_equal_recount(conn: &mut qinqing::db::DbConn, departments: &[i64]) {
    use qinqing::store::filter::IssueFilter;
    use qinqing::store::scope::Scope;
    use qinqing::store::stats::{self, AssignmentGroup};
    assert_kept_groups_equal(conn);
    let path = |conn: &mut qinqing::db::DbConn, id: i64| {
        let n = count(
            conn,
            &format!("SELECT COUNT(*) AS n FROM regions WHERE id = {id}"),
        );
        assert_eq!(n, 1);
        format!("/{CITY}/{id}/")
    };
    let mut scopes = vec![
        Scope::All,
        Scope::Region(format!("/{CITY}/")),
        Scope::Region(path(conn, DEQING)),
        Scope::Region(path(conn, CHANGXING)),
    ];
    scopes.extend(departments.iter().map(|d| Scope::Department(*d)));
    let date = |s: &str| s.parse::<chrono::NaiveDate>().ok();
    let today = chrono::Utc::now().date_naive();
    let periods = [
        (None, None),
        (date("2024-01-01"), date("2024-01-31")),
        (date("2024-02-01"), None),
        (None, date("2024-01-31")),
        (
            Some(today - chrono::Duration::days(2)),
            Some(today + chrono::Duration::days(2)),
        ),
    ];
    let mut filters = Vec::new();
    for (from, to) in periods {
        let base = IssueFilter {
            from,
            to,
            ..Default::default()
        };
        filters.push(base.clone());
        filters.push(IssueFilter {
            category: Some(qinqing::domain::issue::Category::Land),
            ..base.clone()
        });
        for d in departments {
            filters.push(IssueFilter {
                department_id: Some(*d),
                ..base.clone()
            });
        }
    }
    let groups = [
        None,
        Some(AssignmentGroup::Department),
        Some(AssignmentGroup::Region),
        Some(AssignmentGroup::Category),
        Some(AssignmentGroup::Bucket(stats::trend_bucket(
            matches!(conn, qinqing::db::DbConn::Pg(_)),
            stats::Granularity::Month,
        ))),
    ];
    for scope in &scopes {
        for f in &filters {
            let kept = stats::counts(conn, scope, f).unwrap_or_else(|e| panic!("{e}"));
            let counted =
                stats::counts_from_issues(conn, scope, f).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(kept, counted, "{scope:?} {f:?}");
            for g in groups {
                let sorted = |mut v: Vec<(Option<String>, stats::AssignmentCounts)>| {
                    v.retain(|(_, a)| *a != stats::AssignmentCounts::default());
                    v.sort_by(|a, b| a.0.cmp(&b.0));
                    v
                };
                let kept = sorted(
                    stats::assignment_counts(conn, scope, f, g).unwrap_or_else(|e| panic!("{e}")),
                );
                let counted = sorted(
                    stats::assignment_counts_from_rows(conn, scope, f, g)
                        .unwrap_or_else(|e| panic!("{e}")),
                );
                assert_eq!(kept, counted, "{scope:?} {f:?} {g:?}");
            }
        }
    }
}

/// Files one "land" issue per token, all at once; their ids.
async fn file_at_once<S, B>(app: &S, tokens: &[Option<&str>], tag: &str) -> Vec<i64>
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody,
{
    let filings: Vec<_> = tokens
        .iter()
        .enumerate()
        .map(|(k, token)| async move {
            let body = json!({"title": format!("问题{tag}-{k}"), "description": "说明", "category": "land", "channel": "online"});
            send(app, Method::POST, "/api/v1/issues", *token, Some(&body)).await
        })
        .collect();
    let mut ids = Vec::new();
    for r in futures_util::future::join_all(filings).await {
        assert_eq!(r.status, 201, "{}", r.text);
        ids.push(r.body["id"].as_i64().unwrap_or_default());
    }
    ids
}

/// Assigns the issues to one department, all at once.
async fn assign_at_once<S, B>(app: &S, token: Option<&str>, ids: &[i64], department: i64)
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody,
{
    let assigns: Vec<_> = ids
        .iter()
        .map(|id| async move {
            let body = json!({"lead_department_id": department});
            let path = format!("/api/v1/issues/{id}/assign");
            send(app, Method::POST, &path, token, Some(&body)).await
        })
        .collect();
    for r in futures_util::future::join_all(assigns).await {
        assert_eq!(r.status, 200, "{}", r.text);
    }
}

/// Writers at once add to the same kept groups without waiting on each other: on
/// PostgreSQL each write appends its own row, and the fold puts each group back into one
/// row, every figure the same before and after; SQLite keeps one row per group throughout.
#[actix_rt::test]
async fn writers_at_once_keep_every_group_and_the_fold_keeps_the_figures() {
    let db = TestDb::new();
    let app = app(&db).await;
    let w = world(&app, &db).await;
    let ids = file_at_once(&app, &[w.token("ent_a"); 8], "").await;
    let department = w.id("dept_a_department");
    assign_at_once(&app, w.token("coord_city"), &ids[..4], department).await;
    let mut conn = db.connect();
    let rows = |conn: &mut qinqing::db::DbConn, table: &str, key: &str| {
        (
            count(conn, &format!("SELECT COUNT(*) AS n FROM {table}")),
            count(
                conn,
                &format!("SELECT COUNT(*) AS n FROM (SELECT DISTINCT {key} FROM {table}) g"),
            ),
        )
    };
    const DAY: &str = "region_id, lead_department_id, category, channel, filed_on";
    const ALL_TIME: &str = "region_id, lead_department_id, category, channel";
    const ASSIGNED: &str = "department_id, region_id, category, channel, filed_on";
    let pg = matches!(conn, qinqing::db::DbConn::Pg(_));
    let (day_rows, day_groups) = rows(&mut conn, "issue_rollup", DAY);
    // Two groups by day: the issues still waiting, and those the department leads.
    assert_eq!(day_groups, 2);
    if pg {
        // 8 filings, then 4 assignments each taking the issue out and putting it back.
        assert!(day_rows >= 8 + 4 * 2, "{day_rows} rows");
    } else {
        assert_eq!(day_rows, day_groups);
    }
    assert_kept_equal_recount(&mut conn, &[department]);
    let summary_now = || {
        send(
            &app,
            Method::GET,
            "/api/v1/stats/summary?from=2000-01-01",
            w.token("coord_city"),
            None,
        )
    };
    let summary = summary_now().await;
    let folded = qinqing::store::kept::fold_kept(&mut conn).unwrap_or_else(|e| panic!("{e}"));
    if pg {
        // Each group by day and all-time, and the department's assignment counts.
        assert_eq!(folded, 2 + 2 + 1);
        assert_eq!(
            count(
                &mut conn,
                "SELECT COUNT(*) AS n FROM issue_rollup WHERE fresh"
            ),
            0
        );
    } else {
        assert_eq!(folded, 0);
    }
    for (table, key) in [
        ("issue_rollup", DAY),
        ("issue_totals", ALL_TIME),
        ("assignment_rollup", ASSIGNED),
    ] {
        let (n, groups) = rows(&mut conn, table, key);
        assert_eq!(n, groups, "{table}: one row per group after the fold");
    }
    assert_kept_equal_recount(&mut conn, &[department]);
    let again = summary_now().await;
    assert_eq!(summary.status, 200, "{}", summary.text);
    assert_eq!(summary.body, again.body);
    assert_eq!(summary.body["issues_collected"], 8, "{}", summary.text);
    // A fold with nothing fresh writes nothing.
    assert_eq!(
        qinqing::store::kept::fold_kept(&mut conn).unwrap_or_else(|e| panic!("{e}")),
        0
    );
}

/// A refill (as at start-up) and the fold, run over and over on their own connection while
/// issues are filed and assigned at once: afterwards every kept group equals a recount
/// (on PostgreSQL the refill locks the kept tables; a fold or a write between its delete
/// and its insert would count a group twice).
#[actix_rt::test]
async fn refills_and_folds_while_writing_keep_every_figure() {
    use std::sync::atomic::{AtomicBool, Ordering};
    let db = TestDb::new();
    let app = app(&db).await;
    let w = world(&app, &db).await;
    let stop = std::sync::Arc::new(AtomicBool::new(false));
    let mut side = db.connect();
    let running = stop.clone();
    let churn = std::thread::spawn(move || {
        let mut rounds = 0;
        while !running.load(Ordering::Relaxed) {
            qinqing::store::kept::refill_rollup(&mut side).unwrap_or_else(|e| panic!("{e}"));
            qinqing::store::kept::fold_kept(&mut side).unwrap_or_else(|e| panic!("{e}"));
            rounds += 1;
        }
        rounds
    });
    let department = w.id("dept_a_department");
    let tokens: Vec<Option<&str>> = (0..8)
        .map(|k| w.token(if k % 2 == 0 { "ent_a" } else { "ent_b" }))
        .collect();
    for batch in 0..4 {
        let ids = file_at_once(&app, &tokens, &batch.to_string()).await;
        assign_at_once(&app, w.token("coord_city"), &ids, department).await;
    }
    stop.store(true, Ordering::Relaxed);
    let rounds = churn
        .join()
        .unwrap_or_else(|_| panic!("the refills panicked"));
    assert!(rounds > 0);
    let mut conn = db.connect();
    qinqing::store::kept::fold_kept(&mut conn).unwrap_or_else(|e| panic!("{e}"));
    assert_kept_equal_recount(&mut conn, &[department]);
}

/// On PostgreSQL a refill waits for a fold in progress (else the fold's row would stand
/// beside the refilled one), and does not wait for a writer in progress, whose rows and
/// issue it neither sees nor loses. (SQLite has one writer at a time: nothing to wait for.)
#[actix_rt::test]
async fn a_refill_waits_for_a_fold_and_not_for_a_writer() {
    use diesel::connection::SimpleConnection;
    use std::sync::mpsc;
    use std::time::Duration;
    let db = TestDb::new();
    let app = app(&db).await;
    let w = world(&app, &db).await;
    let r = send(&app, Method::POST, "/api/v1/issues", w.token("ent_a"),
        Some(&json!({"title": "问题", "description": "说明", "category": "land", "channel": "online"}))).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let id = r.body["id"].as_i64().unwrap_or_default();
    let mut other = db.connect();
    if !matches!(other, qinqing::db::DbConn::Pg(_)) {
        return;
    }
    let refill_on_its_own = |db: &TestDb| {
        let mut conn = db.connect();
        let (done, finished) = mpsc::channel();
        std::thread::spawn(move || {
            let _ = done
                .send(qinqing::store::kept::refill_rollup(&mut conn).map_err(|e| e.to_string()));
        });
        finished
    };
    // A fold in progress: the refill waits for it.
    other
        .batch_execute(&format!(
            "BEGIN; SELECT pg_advisory_xact_lock({})",
            qinqing::store::kept::KEPT_SUMS_LOCK
        ))
        .unwrap_or_else(|e| panic!("{e}"));
    let finished = refill_on_its_own(&db);
    assert!(
        finished.recv_timeout(Duration::from_millis(300)).is_err(),
        "the refill went on during a fold"
    );
    other
        .batch_execute("COMMIT")
        .unwrap_or_else(|e| panic!("{e}"));
    let done = finished.recv_timeout(Duration::from_secs(30));
    assert!(matches!(done, Ok(Ok(()))), "{done:?}");
    // A writer in progress (its issue urged, its kept rows appended, not committed): the
    // refill finishes without it, and once it commits every group equals a recount.
    other
        .batch_execute("BEGIN")
        .unwrap_or_else(|e| panic!("{e}"));
    qinqing::store::kept::add_to_rollup(&mut other, id, -1).unwrap_or_else(|e| panic!("{e}"));
    other
        .batch_execute(&format!(
            "UPDATE issues SET urge_count = urge_count + 1 WHERE id = {id}"
        ))
        .unwrap_or_else(|e| panic!("{e}"));
    qinqing::store::kept::add_to_rollup(&mut other, id, 1).unwrap_or_else(|e| panic!("{e}"));
    let done = refill_on_its_own(&db).recv_timeout(Duration::from_secs(30));
    assert!(matches!(done, Ok(Ok(()))), "{done:?}");
    other
        .batch_execute("COMMIT")
        .unwrap_or_else(|e| panic!("{e}"));
    assert_kept_equal_recount(&mut other, &[]);
    let urges = count(
        &mut other,
        "SELECT CAST(SUM(urges) AS BIGINT) AS n FROM issue_totals",
    );
    assert_eq!(urges, 1);
}

#[actix_rt::test]
async fn supervision_ends_when_the_issue_is_closed() {
    let db = TestDb::new();
    let app = app(&db).await;
    let w = world(&app, &db).await;
    let (coord, ent, dept, leader) = (
        w.token("coord_city"),
        w.token("ent_a"),
        w.token("dept_a"),
        w.token("leader_city"),
    );
    let r = send(&app, Method::POST, "/api/v1/issues", ent,
        Some(&json!({"title": "问题", "description": "说明", "category": "land", "channel": "online"}))).await;
    let id = r.body["id"].as_i64().unwrap_or_default();
    let act = |token: Option<&str>, action: &str, body: Value| {
        let (token, path, app) = (
            token.map(str::to_owned),
            format!("/api/v1/issues/{id}/{action}"),
            &app,
        );
        async move {
            let r = send(app, Method::POST, &path, token.as_deref(), Some(&body)).await;
            assert_eq!(r.status, 200, "{path}: {}", r.text);
        }
    };
    let under = |app_token: Option<&str>| {
        let (token, app) = (app_token.map(str::to_owned), &app);
        async move {
            let s = send(
                app,
                Method::GET,
                "/api/v1/stats/summary",
                token.as_deref(),
                None,
            )
            .await;
            let listed = send(
                app,
                Method::GET,
                "/api/v1/issues?measure=under_supervision",
                token.as_deref(),
                None,
            )
            .await;
            (
                s.body["under_supervision"].as_i64(),
                listed.body["total"].as_i64(),
            )
        }
    };
    act(
        coord,
        "assign",
        json!({"lead_department_id": w.id("dept_a_department")}),
    )
    .await;
    act(leader, "supervise", json!({})).await;
    assert_eq!(under(coord).await, (Some(1), Some(1)));
    act(dept, "sign", json!({})).await;
    act(
        dept,
        "answer",
        json!({"outcome": "resolved", "text": "已解决"}),
    )
    .await;
    assert_eq!(
        under(coord).await,
        (Some(1), Some(1)),
        "answered, not yet closed"
    );
    act(
        ent,
        "rating",
        json!({"solved": true, "rating": "satisfied"}),
    )
    .await;
    assert_eq!(
        under(coord).await,
        (Some(0), Some(0)),
        "closed: no longer under supervision"
    );
    // The count kept per group agrees with a recount.
    let mut conn = db.connect();
    assert_eq!(qinqing::store::kept::ensure_rollup(&mut conn), Ok(false));
}

#[actix_rt::test]
async fn check_figures_compares_every_group() {
    let db = TestDb::new();
    let app = app(&db).await;
    let w = world(&app, &db).await;
    for (token, category) in [(w.token("ent_a"), "land"), (w.token("ent_b"), "tax")] {
        let r = send(&app, Method::POST, "/api/v1/issues", token,
            Some(&json!({"title": "问题", "description": "说明", "category": category, "channel": "online"}))).await;
        assert_eq!(r.status, 201, "{}", r.text);
    }
    let check = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_qinqing"))
            .args(["check-figures", "--log-level", "warn"])
            .env("DATABASE_URL", &db.url)
            .output()
            .unwrap_or_else(|e| panic!("{e}"))
    };
    let out = check();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{text}");
    assert!(text.contains("2 groups"), "{text}");
    // One group's kept sum made wrong while the totals still agree elsewhere: found.
    let mut conn = db.connect();
    use diesel::connection::SimpleConnection;
    conn.batch_execute(&format!(
        "UPDATE issue_rollup SET collected = collected + 1 WHERE category = 'land'; \
         UPDATE issue_rollup SET collected = collected - 1 WHERE category = 'tax' AND region_id = {CHANGXING}; \
         UPDATE issue_totals SET urges = urges + 1 WHERE category = 'land'; \
         UPDATE issue_totals SET urges = urges - 1 WHERE category = 'tax' AND region_id = {CHANGXING}"
    ))
    .unwrap_or_else(|e| panic!("{e}"));
    let out = check();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(!out.status.success(), "{text}");
    assert!(text.contains("land") && text.contains("tax"), "{text}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(
            "2 of 2 groups of issue sums (region × lead department × category × channel × day of filing), \
             2 of 2 groups of all-time issue sums"
        ),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The assignment counts are compared group by group too.
    qinqing::store::kept::refill_rollup(&mut conn).unwrap_or_else(|e| panic!("{e}"));
    let r = send(
        &app,
        Method::GET,
        "/api/v1/issues?category=land",
        w.token("coord_city"),
        None,
    )
    .await;
    let land = r.body["items"][0]["id"].as_i64().unwrap_or_default();
    let r = send(
        &app,
        Method::POST,
        &format!("/api/v1/issues/{land}/assign"),
        w.token("coord_city"),
        Some(&json!({"lead_department_id": w.id("dept_a_department")})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    // (The issue's group before assignment stays, as a row of zeros.)
    let out = check();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("3 groups of issue sums, 3 groups of all-time issue sums and 1 groups of assignment counts"),
        "{text}"
    );
    conn.batch_execute("UPDATE assignment_rollup SET returns = returns + 1")
        .unwrap_or_else(|e| panic!("{e}"));
    let out = check();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("1 of 1 groups of assignment counts"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// 退回率 and 及时签收率 are charged to the department assigned; the activity basis counts
/// each event in the period (Shanghai dates) it happened in.
#[actix_rt::test]
async fn returns_and_sign_for_are_charged_to_the_department_assigned_and_activity_reads_events() {
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
    let file = || async {
        let r = send(&app, Method::POST, "/api/v1/issues", ent,
            Some(&json!({"title": "问题", "description": "说明", "category": "land", "channel": "online"}))).await;
        assert_eq!(r.status, 201, "{}", r.text);
        r.body["id"].as_i64().unwrap_or_default()
    };
    let answer = json!({"outcome": "resolved", "text": "已解决"});
    // X: dept_a returns it; reassigned to dept_b, which signs and answers. dept_a holds
    // nothing now, yet the return is its own.
    let x = file().await;
    act(coord, x, "assign", json!({"lead_department_id": da})).await;
    act(da_t, x, "return", json!({"reason": "不属于本部门职责"})).await;
    act(coord, x, "assign", json!({"lead_department_id": dbb})).await;
    act(db_t, x, "sign", json!({})).await;
    act(db_t, x, "answer", answer.clone()).await;
    // Y: assigned to dept_b, signed after its sign-for deadline.
    let y = file().await;
    act(coord, y, "assign", json!({"lead_department_id": dbb})).await;
    exec(
        &mut conn,
        &format!("UPDATE issue_assignments SET sign_deadline = '2000-01-01 00:00:00' WHERE issue_id = {y}"),
    );
    act(db_t, y, "sign", json!({})).await;
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
    assert_eq!(rate(&row(da), "return"), (1, 1, Some(100.0)), "{}", r.text);
    assert_eq!(row(da)["issues_collected"], 0, "dept_a leads nothing now");
    assert_eq!(rate(&row(dbb), "return"), (0, 2, Some(0.0)));
    // dept_a returned within the sign-for limit: handled in time.
    assert_eq!(rate(&row(da), "sign_for"), (1, 1, Some(100.0)));
    assert_eq!(rate(&row(dbb), "sign_for"), (1, 2, Some(50.0)));
    // The department reads its own return in its own figures.
    let r = send(&app, Method::GET, "/api/v1/stats/summary", da_t, None).await;
    assert_eq!(rate(&r.body, "return"), (1, 1, Some(100.0)), "{}", r.text);
    let r = send(
        &app,
        Method::GET,
        &format!("/api/v1/stats/summary?department_id={dbb}"),
        admin,
        None,
    )
    .await;
    assert_eq!(rate(&r.body, "return"), (0, 2, Some(0.0)), "{}", r.text);
    // Kept with every action (assignments, returns, signing late): equal to a recount.
    assert_kept_equal_recount(&mut conn, &[da, dbb]);

    // Z: filed on 2024-01-31 (Shanghai), assigned that day, first answered at 00:30 on
    // 2024-02-01 Shanghai (16:30 UTC the day before), rated on 2024-02-02.
    let z = file().await;
    act(coord, z, "assign", json!({"lead_department_id": da})).await;
    act(da_t, z, "sign", json!({})).await;
    act(da_t, z, "answer", answer).await;
    act(
        ent,
        z,
        "rating",
        json!({"solved": true, "rating": "satisfied"}),
    )
    .await;
    exec(
        &mut conn,
        &format!(
            "UPDATE issues SET filed_on = '2024-01-31', created_at = '2024-01-31 01:00:00', \
             assigned_at = '2024-01-31 02:00:00', first_answered_at = '2024-01-31 16:30:00', \
             answered_at = '2024-01-31 16:30:00' WHERE id = {z}; \
             UPDATE issue_assignments SET assigned_at = '2024-01-31 02:00:00', \
             signed_at = '2024-01-31 03:00:00', sign_deadline = '2024-01-31 16:00:00' WHERE issue_id = {z}; \
             UPDATE issue_ratings SET rated_at = '2024-02-02 02:00:00' WHERE issue_id = {z}"
        ),
    );
    // Rows changed behind the service's back: the kept sums are filled afresh, as after a
    // load, and then agree with a recount for any scope, filter and period.
    qinqing::store::kept::refill_rollup(&mut conn).unwrap_or_else(|e| panic!("{e}"));
    qinqing::store::history::restart(&mut conn, Some(z)).unwrap_or_else(|e| panic!("{e}"));
    assert_kept_equal_recount(&mut conn, &[da, dbb]);
    let read = |query: &str| {
        let (path, app) = (format!("/api/v1/stats/summary?{query}"), &app);
        async move {
            let r = send(app, Method::GET, &path, admin, None).await;
            assert_eq!(r.status, 200, "{path}: {}", r.text);
            let n = |k: &str| r.body[k].as_i64().unwrap_or(-1);
            (
                n("issues_collected"),
                n("assigned"),
                n("answered"),
                n("rated"),
                rate(&r.body, "sign_for").1,
                rate(&r.body, "answered").1,
            )
        }
    };
    // Filed: January holds Z with its outcome today; February nothing.
    assert_eq!(
        read("from=2024-01-01&to=2024-01-31").await,
        (1, 1, 1, 1, 1, 1)
    );
    assert_eq!(
        read("from=2024-02-01&to=2024-02-29").await,
        (0, 0, 0, 0, 0, 0)
    );
    // Activity: filed and assigned in January; answered and rated in February.
    assert_eq!(
        read("from=2024-01-01&to=2024-01-31&basis=activity").await,
        (1, 1, 0, 0, 1, 0)
    );
    assert_eq!(
        read("from=2024-02-01&to=2024-02-29&basis=activity").await,
        (0, 0, 1, 1, 0, 1)
    );
    // The monthly trend on the activity basis says the same, month by month.
    let r = send(
        &app,
        Method::GET,
        "/api/v1/stats/trend?from=2024-01-01&to=2024-03-31&basis=activity",
        admin,
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let months: Vec<(String, i64, i64)> = r.body["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|i| {
            (
                i["period"].as_str().unwrap_or_default().to_owned(),
                i["issues_collected"].as_i64().unwrap_or(-1),
                i["answered"].as_i64().unwrap_or(-1),
            )
        })
        .collect();
    assert_eq!(
        months,
        [("2024-01".to_owned(), 1, 0), ("2024-02".to_owned(), 0, 1)]
    );
    // Over all time both bases agree on the counts (办结率 is over other work: the
    // assigned issues, or the answered and the overdue).
    let all = "from=2000-01-01&to=2099-12-31";
    let (filed, activity) = (
        read(all).await,
        read(&format!("{all}&basis=activity")).await,
    );
    assert_eq!(
        (filed.0, filed.1, filed.2, filed.3, filed.4),
        (activity.0, activity.1, activity.2, activity.3, activity.4)
    );
    assert_eq!((filed.5, activity.5), (3, 2));
}

/// A rename keeps the old name for the days before it: a period ending before the rename
/// names the department as it was then (红黑榜 and the ledger), a later one by its new name;
/// a second rename on the same day keeps the name the day began with; two renames at once
/// both answer cleanly.
#[actix_rt::test]
async fn a_renamed_department_keeps_its_old_name_in_earlier_periods() {
    let db = TestDb::new();
    let app = app(&db).await;
    let w = world(&app, &db).await;
    let (coord, ent, da_t, admin) = (
        w.token("coord_city"),
        w.token("ent_a"),
        w.token("dept_a"),
        w.token("admin"),
    );
    let da = w.id("dept_a_department");
    let r = send(&app, Method::POST, "/api/v1/issues", ent,
        Some(&json!({"title": "用地指标", "description": "说明", "category": "land", "channel": "online"}))).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let x = r.body["id"].as_i64().unwrap_or_default();
    for (token, action, body) in [
        (coord, "assign", json!({"lead_department_id": da})),
        (da_t, "sign", json!({})),
        (
            da_t,
            "answer",
            json!({"outcome": "resolved", "text": "已解决"}),
        ),
    ] {
        let path = format!("/api/v1/issues/{x}/{action}");
        let r = send(&app, Method::POST, &path, token, Some(&body)).await;
        assert!(r.status.is_success(), "{path}: {}", r.text);
    }
    let mut conn = db.connect();
    exec(
        &mut conn,
        &format!("UPDATE issues SET filed_on = '2024-01-10', created_at = '2024-01-10 02:00:00' WHERE id = {x}"),
    );
    qinqing::store::kept::refill_rollup(&mut conn).unwrap_or_else(|e| panic!("{e}"));
    let path = format!("/api/v1/departments/{da}");
    let rename = |name: &str| {
        let (body, app, path) = (json!({ "name": name }), &app, path.clone());
        async move { send(app, Method::PATCH, &path, admin, Some(&body)).await }
    };
    let r = rename("德清县经济和信息化局").await;
    assert_eq!(r.status, 200, "{}", r.text);
    let today = chrono::Utc::now()
        .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("offset"))
        .date_naive()
        .to_string();
    assert_eq!(
        r.body["former_names"],
        json!([{"name": "德清县经信局", "until": today}]),
        "{}",
        r.text
    );
    // Unchanged name: nothing recorded.
    let r = rename("德清县经济和信息化局").await;
    assert_eq!(r.body["former_names"].as_array().map(Vec::len), Some(1));
    // The rename took effect on 2025-01-01.
    exec(
        &mut conn,
        &format!("UPDATE department_names SET until = '2025-01-01' WHERE department_id = {da}"),
    );
    let name_in = |query: &str| {
        let (path, app) = (
            format!("/api/v1/stats/departments?min_rated=0&{query}"),
            &app,
        );
        async move {
            let r = send(app, Method::GET, &path, admin, None).await;
            assert_eq!(r.status, 200, "{path}: {}", r.text);
            r.body["items"]
                .as_array()
                .and_then(|a| a.iter().find(|i| i["department_id"] == da).cloned())
                .map(|row| row["name"].clone())
                .unwrap_or_default()
        }
    };
    assert_eq!(
        name_in("from=2024-01-01&to=2024-12-31").await,
        "德清县经信局"
    );
    assert_eq!(
        name_in("from=2024-01-01&to=2025-01-01").await,
        "德清县经济和信息化局"
    );
    assert_eq!(name_in("").await, "德清县经济和信息化局");
    let ledger = |to: &str| {
        let (path, app) = (
            format!("/api/v1/issues/export?format=csv&from=2024-01-01&to={to}"),
            &app,
        );
        async move {
            let r = send(app, Method::GET, &path, coord, None).await;
            assert_eq!(r.status, 200, "{path}: {}", r.text);
            r.text
        }
    };
    let old = ledger("2024-12-31").await;
    assert!(
        old.contains("德清县经信局") && !old.contains("德清县经济和信息化局"),
        "{old}"
    );
    assert!(ledger("2025-06-30").await.contains("德清县经济和信息化局"));

    // Renamed twice today: the day began with 德清县经济和信息化局, which stays its name
    // before today.
    assert_eq!(rename("德清县经信局（临时）").await.status, 200);
    let r = rename("德清县经济信息化局").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.body["former_names"],
        json!([
            {"name": "德清县经信局", "until": "2025-01-01"},
            {"name": "德清县经济和信息化局", "until": today},
        ]),
        "{}",
        r.text
    );
    assert_eq!(
        name_in("from=2024-01-01&to=2025-06-30").await,
        "德清县经济和信息化局"
    );
    assert_eq!(name_in("").await, "德清县经济信息化局");

    // Two renames at once: each answers 200 (the last one wins), none fails, and the
    // day's former name is still the one it began with.
    let (a, b) =
        futures_util::future::join(rename("德清县经信局甲"), rename("德清县经信局乙")).await;
    assert_eq!(
        (a.status.as_u16(), b.status.as_u16()),
        (200, 200),
        "{} / {}",
        a.text,
        b.text
    );
    let r = send(&app, Method::GET, &path, admin, None).await;
    assert_eq!(
        r.body["former_names"].as_array().map(Vec::len),
        Some(2),
        "{}",
        r.text
    );
    assert!(["德清县经信局甲", "德清县经信局乙"].contains(&r.body["name"].as_str().unwrap_or("")));
}
