//! Search that reads Chinese as words: `q` over title, description, answer and enterprise
//! name, ranked, in scope.

use crate::common::*;
use actix_web::http::Method;
use serde_json::{json, Value};

fn ids(r: &Reply) -> Vec<i64> {
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["items"]
        .as_array()
        .map(|a| a.iter().filter_map(|i| i["id"].as_i64()).collect())
        .unwrap_or_default()
}

fn query(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

#[actix_rt::test]
async fn a_search_finds_words_not_characters_and_ranks_titles_first() {
    let db = TestDb::new();
    let app = app(&db).await;
    let w = world(&app, &db).await;
    let (coord, ent, other) = (w.token("coord_a"), w.token("ent_a"), w.token("ent_b"));
    let mut filed = Vec::new();
    for (title, description, category) in [
        ("贷款审批慢，融资成本高", "流动资金紧张。", "financing"),
        (
            "厂房扩建进度受阻",
            "扩建需要一笔贷款，银行迟迟未放。",
            "financing",
        ),
        ("银行不肯放贷", "款项拖欠半年，资金周转困难。", "financing"),
        ("用地指标迟迟未落实", "年产能扩大需新增用地30亩。", "land"),
    ] {
        let body = json!({"title": title, "description": description, "category": category, "channel": "online"});
        let r = send(&app, Method::POST, "/api/v1/issues", ent, Some(&body)).await;
        assert_eq!(r.status, 201, "{}", r.text);
        filed.push(r.body["id"].as_i64().unwrap_or_default());
    }
    let search = |who: Option<&str>, q: &str, extra: &str| {
        let path = format!("/api/v1/issues?q={}{extra}", query(q));
        let who = who.map(str::to_owned);
        let app = &app;
        async move { send(app, Method::GET, &path, who.as_deref(), None).await }
    };
    // 贷款 as a word: the title that says it first, then the description; never 贷 or 款.
    let r = search(coord, "贷款", "").await;
    assert_eq!(ids(&r), vec![filed[0], filed[1]], "{}", r.text);
    // The same order found every way: by the administrator from the whole index, by a
    // district's coordinator from its place words, by the enterprise from its own issues.
    for who in [w.token("admin"), ent, w.token("coord_city")] {
        let r = search(who, "贷款", "").await;
        assert_eq!(ids(&r), vec![filed[0], filed[1]], "{}", r.text);
    }
    // Every word must be there.
    assert_eq!(ids(&search(coord, "贷款 融资", "").await), vec![filed[0]]);
    assert_eq!(ids(&search(coord, "融资贷款", "").await), vec![filed[0]]);
    // A sort given is kept: newest first.
    assert_eq!(
        ids(&search(coord, "贷款", "&sort=-created_at").await),
        vec![filed[1], filed[0]]
    );
    // Scope applies: another enterprise finds none of these.
    assert_eq!(ids(&search(other, "贷款", "").await), Vec::<i64>::new());
    // Text with no word to search for is a clear 422 naming q.
    for q in ["的", "，。", "问题"] {
        let r = search(coord, q, "").await;
        r.problem(422);
        assert_eq!(r.error_fields(), vec!["q"], "{q}: {}", r.text);
    }
    // The enterprise's name is searched, and follows a rename in the same transaction.
    let ent_id = w.id("ent_a_enterprise");
    let r = send(
        &app,
        Method::PATCH,
        &format!("/api/v1/enterprises/{ent_id}"),
        w.token("admin"),
        Some(&json!({"name": "湖州甬江精工机械有限公司"})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let mut all = ids(&search(coord, "精工机械", "").await);
    all.sort();
    assert_eq!(all, filed);
    let _: Value = r.body;
}

/// A district's search is answered from the index's place words: only the district's
/// issues, and when a town moves to another district its issues are found there.
#[actix_rt::test]
async fn a_district_searches_its_own_issues_and_a_moved_town_takes_its_issues_along() {
    let db = TestDb::new();
    let app = app(&db).await;
    let w = world(&app, &db).await;
    let admin = w.token("admin").unwrap_or_default().to_owned();
    let town = create(
        &app,
        &admin,
        "/api/v1/regions",
        json!({"code": "330521009", "name": "新市镇", "parent_id": DEQING}),
    )
    .await;
    let in_town = create(
        &app,
        &admin,
        "/api/v1/enterprises",
        json!({"name": "新市丝绸有限公司", "credit_code": credit_code(71), "region_id": town,
               "industry": "纺织业", "size": "small"}),
    )
    .await;
    let mut filed = Vec::new();
    for (who, enterprise) in [
        ("coord_a", None),
        ("coord_b", None),
        ("coord_city", Some(in_town)),
    ] {
        let enterprise = enterprise.unwrap_or_else(|| {
            w.id(if who == "coord_a" {
                "ent_a_enterprise"
            } else {
                "ent_b_enterprise"
            })
        });
        let body = json!({"title": "蚕桑用地指标不足", "description": "丝绸厂扩建缺用地。",
                          "category": "land", "channel": "visit", "enterprise_id": enterprise});
        let r = send(
            &app,
            Method::POST,
            "/api/v1/issues",
            w.token(who),
            Some(&body),
        )
        .await;
        assert_eq!(r.status, 201, "{who}: {}", r.text);
        filed.push(r.body["id"].as_i64().unwrap_or_default());
    }
    let found = |who: &'static str, region: Option<i64>| {
        let extra = region
            .map(|r| format!("&region_id={r}"))
            .unwrap_or_default();
        let path = format!("/api/v1/issues?q={}{extra}", query("蚕桑 用地"));
        let app = &app;
        let token = w.token(who).map(str::to_owned);
        async move {
            let mut got = ids(&send(app, Method::GET, &path, token.as_deref(), None).await);
            got.sort();
            got
        }
    };
    let (dq, cx, tn) = (filed[0], filed[1], filed[2]);
    assert_eq!(found("coord_a", None).await, vec![dq, tn]);
    assert_eq!(found("coord_b", None).await, vec![cx]);
    assert_eq!(found("coord_city", None).await, vec![dq, cx, tn]);
    assert_eq!(found("admin", None).await, vec![dq, cx, tn]);
    let in_changxing = Some(CHANGXING);
    assert_eq!(found("coord_city", in_changxing).await, vec![cx]);
    // The town moves from 德清县 to 长兴县: its issue is searched there, no longer here.
    let r = send(
        &app,
        Method::PATCH,
        &format!("/api/v1/regions/{town}"),
        Some(&admin),
        Some(&json!({"parent_id": CHANGXING})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(found("coord_a", None).await, vec![dq]);
    assert_eq!(found("coord_b", None).await, vec![cx, tn]);
    assert_eq!(found("coord_city", in_changxing).await, vec![cx, tn]);
    assert_eq!(found("coord_city", None).await, vec![dq, cx, tn]);
}

/// Which words are common is read from the database's own statistics on both backends:
/// a word every issue says is, one issue's word is not, and below the size given none is.
#[actix_rt::test]
async fn the_database_knows_which_words_are_common() {
    let db = TestDb::new();
    let app = app(&db).await;
    let w = world(&app, &db).await;
    for i in 0..30 {
        let description = if i == 0 {
            "首台套产品认定材料已交。"
        } else {
            "流动资金紧张。"
        };
        file(
            &app,
            w.token("ent_a"),
            &format!("贷款第{i}次被拒"),
            description,
        )
        .await;
    }
    let mut conn = db.connect();
    if db.is_postgres() {
        use diesel::connection::SimpleConnection;
        conn.batch_execute("ANALYZE issue_search_terms")
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let words: Vec<String> = ["贷款", "首台套", "无此词"].map(str::to_owned).to_vec();
    let common = qinqing::store::search::common_words(&mut conn, &words, 0.5, 0)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        common.into_iter().collect::<Vec<_>>(),
        vec!["贷款".to_owned()]
    );
    let common = qinqing::store::search::common_words(&mut conn, &words, 0.5, 1_000)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(common.is_empty(), "{common:?}");
}

/// 建议主办部门 measured on the demo's history: each issue of the last 12 weeks suggested
/// from the issues filed before them only; the first suggestion is the department assigned
/// for at least four in five.
#[actix_rt::test]
async fn the_first_suggested_department_is_the_one_assigned_for_four_in_five() {
    let db = demo_db();
    let mut conn = db.connect();
    let last = if db.is_postgres() {
        "SELECT CAST(MAX(filed_on) - DATE '2000-01-01' AS BIGINT) AS n FROM issues"
    } else {
        "SELECT CAST(julianday(MAX(filed_on)) - julianday('2000-01-01') AS INTEGER) AS n FROM issues"
    };
    let since = chrono::NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or_default()
        + chrono::Duration::days(count(&mut conn, last) - 83);
    let started = std::time::Instant::now();
    let (right, tried) = qinqing::service::issues::similar::accuracy(&mut conn, since)
        .unwrap_or_else(|e| panic!("{e}"));
    eprintln!(
        "suggested departments since {since}: {right} of {tried} right ({:.1}%) in {:.1} s",
        right as f64 * 100.0 / tried.max(1) as f64,
        started.elapsed().as_secs_f64()
    );
    assert!(tried >= 200, "only {tried} issues in the last 12 weeks");
    assert!(right * 5 >= tried * 4, "{right} of {tried}");
}

async fn file<S, B>(app: &S, who: Option<&str>, title: &str, description: &str) -> i64
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody,
{
    let body = json!({"title": title, "description": description, "category": "land", "channel": "online"});
    let r = send(app, Method::POST, "/api/v1/issues", who, Some(&body)).await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.body["id"].as_i64().unwrap_or_default()
}

/// 相似问题 in scope with scores, 建议主办部门 from the earlier answered ones, and 合并:
/// the duplicate closes pointing at the original, leaves every figure but 收集问题, and its
/// enterprise is told of the merge and of the original's answer.
#[actix_rt::test]
async fn the_same_problem_raised_twice_is_seen_merged_and_followed() {
    let db = TestDb::new();
    let app = app(&db).await;
    let w = world(&app, &db).await;
    let (coord, city, dept) = (w.token("coord_a"), w.token("coord_city"), w.token("dept_a"));
    let (ent_a, ent_b) = (w.token("ent_a"), w.token("ent_b"));
    let da = w.id("dept_a_department");
    let a = file(
        &app,
        ent_a,
        "厂房扩建用地指标迟迟未落实",
        "年产能扩大需新增用地30亩，用地指标一直没有落实，影响项目开工。",
    )
    .await;
    let b = file(
        &app,
        ent_b,
        "新厂房用地指标未落实",
        "扩建项目需要新增用地指标，申请半年仍未落实。",
    )
    .await;
    let c = file(
        &app,
        ent_a,
        "出口退税到账慢",
        "出口退税审核时间长，资金周转困难。",
    )
    .await;
    let d = file(
        &app,
        ent_a,
        "扩建用地指标何时落实",
        "我们的扩建项目新增用地指标至今没有落实，项目无法开工。",
    )
    .await;
    let similar = |who: Option<&str>, id: i64| {
        let who = who.map(str::to_owned);
        let app = &app;
        async move {
            send(
                app,
                Method::GET,
                &format!("/api/v1/issues/{id}/similar"),
                who.as_deref(),
                None,
            )
            .await
        }
    };
    // The city sees both repeats, best first, scored against the issue's own words.
    let r = similar(city, a).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let items = r.body["items"].as_array().cloned().unwrap_or_default();
    let found: Vec<i64> = items
        .iter()
        .filter_map(|i| i["issue"]["id"].as_i64())
        .collect();
    assert!(found.contains(&b) && found.contains(&d), "{}", r.text);
    assert!(!found.contains(&a) && !found.contains(&c), "{}", r.text);
    let scores: Vec<f64> = items.iter().filter_map(|i| i["score"].as_f64()).collect();
    assert!(
        scores.iter().all(|s| *s > 0.0 && *s <= 1.0),
        "{scores:?} {}",
        r.text
    );
    assert!(scores.windows(2).all(|p| p[0] >= p[1]), "{scores:?}");
    // 德清's coordinator does not see 长兴's; another enterprise cannot ask about A.
    let r = similar(coord, a).await;
    let found: Vec<i64> = r.body["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|i| i["issue"]["id"].as_i64())
        .collect();
    assert_eq!(found, vec![d], "{}", r.text);
    similar(ent_b, a).await.problem(404);

    // A is assigned to dept_a and answered: dept_a is then suggested for D, to coordinators.
    let r = send(
        &app,
        Method::POST,
        &format!("/api/v1/issues/{a}/assign"),
        coord,
        Some(&json!({"lead_department_id": da})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = send(
        &app,
        Method::POST,
        &format!("/api/v1/issues/{a}/sign"),
        dept,
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = send(&app, Method::POST, &format!("/api/v1/issues/{a}/answer"), dept,
        Some(&json!({"outcome": "planned", "text": "已列入下批次用地计划，三季度供地。", "planned_on": "2099-09-30"}))).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let path = format!("/api/v1/issues/{d}/suggested-departments");
    let r = send(&app, Method::GET, &path, coord, None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["items"][0]["department_id"], da, "{}", r.text);
    assert_eq!(r.body["items"][0]["score"], 1.0, "{}", r.text);
    assert_eq!(r.body["items"][0]["name"], "德清县经信局", "{}", r.text);
    send(&app, Method::GET, &path, ent_a, None)
        .await
        .problem(403);
    send(&app, Method::GET, &path, dept, None)
        .await
        .problem(403);
    // The answer is searched too.
    assert_eq!(
        ids(&send(
            &app,
            Method::GET,
            &format!("/api/v1/issues?q={}", query("供地")),
            coord,
            None
        )
        .await),
        vec![a]
    );

    // D is assigned, then merged into A: every wrong target is refused, naming `into`.
    let r = send(
        &app,
        Method::POST,
        &format!("/api/v1/issues/{d}/assign"),
        coord,
        Some(&json!({"lead_department_id": da})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let summary = |who| {
        let app = &app;
        async move {
            send(app, Method::GET, "/api/v1/stats/summary", who, None)
                .await
                .body
        }
    };
    let before = summary(coord).await;
    let merge = |id: i64, body: Value| {
        let app = &app;
        async move {
            send(
                app,
                Method::POST,
                &format!("/api/v1/issues/{id}/merge"),
                coord,
                Some(&body),
            )
            .await
        }
    };
    for (id, into) in [(d, d), (c, d), (d, b), (d, 999_999)] {
        let r = merge(id, json!({"into": into})).await;
        r.problem(422);
        assert_eq!(
            r.error_fields(),
            vec!["into"],
            "{id} into {into}: {}",
            r.text
        );
    }
    send(
        &app,
        Method::POST,
        &format!("/api/v1/issues/{d}/merge"),
        ent_a,
        Some(&json!({"into": a})),
    )
    .await
    .problem(403);
    // Two coordinators merging at once: one wins, the other is told of the conflict.
    let (r1, r2) = futures_util::future::join(
        merge(d, json!({"into": a, "note": "同一地块"})),
        merge(d, json!({"into": a})),
    )
    .await;
    let mut statuses = [r1.status, r2.status];
    statuses.sort();
    assert_eq!(statuses, [200, 409], "{} / {}", r1.text, r2.text);
    let done = if r1.status == 200 { &r1 } else { &r2 };
    assert_eq!(done.body["status"], "closed");
    assert_eq!(done.body["merged_into"], a);
    assert_eq!(done.body["lead_department_id"], Value::Null);
    // An answered issue is not merged.
    merge(a, json!({"into": c})).await.problem(409);
    // The ledger says how it closed.
    let r = send(
        &app,
        Method::GET,
        "/api/v1/issues/export?format=csv",
        coord,
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(
        r.text
            .contains(&format!("重复反映，合并至编号 {a} 的问题办理")),
        "{}",
        r.text
    );
    // It stays collected and leaves the assigned issues.
    let after = summary(coord).await;
    assert_eq!(
        after["issues_collected"], before["issues_collected"],
        "{after}"
    );
    assert_eq!(
        after["assigned"].as_i64().unwrap_or_default(),
        before["assigned"].as_i64().unwrap_or_default() - 1,
        "{before} / {after}"
    );
    // dept_a no longer holds it; the similar issues of A leave it out.
    send(
        &app,
        Method::GET,
        &format!("/api/v1/issues/{d}"),
        dept,
        None,
    )
    .await
    .problem(404);
    let r = similar(coord, a).await;
    assert_eq!(
        r.body["items"].as_array().map(Vec::len),
        Some(0),
        "{}",
        r.text
    );
    // Its enterprise was told, and reads it as merged.
    let r = send(&app, Method::GET, "/api/v1/notifications", ent_a, None).await;
    let merged: Vec<&Value> = r.body["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|n| n["kind"] == "merged")
        .collect();
    assert_eq!(merged.len(), 1, "{}", r.text);
    assert_eq!(merged[0]["issue_id"], d);
    let r = send(
        &app,
        Method::GET,
        &format!("/api/v1/issues/{d}"),
        ent_a,
        None,
    )
    .await;
    assert_eq!(r.body["merged_into"], a, "{}", r.text);
}

/// 政策问答: a coordinator publishes an answered issue without the enterprise's name, once;
/// everyone searches them; an entrepreneur typing a new issue is shown the closest.
#[actix_rt::test]
async fn an_answer_published_as_policy_is_found_by_everyone_without_the_enterprise() {
    let db = TestDb::new();
    let app = app(&db).await;
    let w = world(&app, &db).await;
    let (coord, dept, ent_a, ent_b) = (
        w.token("coord_a"),
        w.token("dept_a"),
        w.token("ent_a"),
        w.token("ent_b"),
    );
    let da = w.id("dept_a_department");
    let a = file(
        &app,
        ent_a,
        "德清甲公司厂房用地指标迟迟未落实",
        "德清甲年产能扩大需新增用地30亩，用地指标一直没有落实。",
    )
    .await;
    let publish = |body: Value| {
        let app = &app;
        async move { send(app, Method::POST, "/api/v1/knowledge", coord, Some(&body)).await }
    };
    // Not answered yet: refused as a conflict.
    publish(json!({"issue_id": a})).await.problem(409);
    for (path, body) in [
        ("assign", json!({"lead_department_id": da})),
        ("sign", Value::Null),
        (
            "answer",
            json!({"outcome": "planned", "text": "已将德清甲公司的用地需求列入下批次用地计划，三季度供地。", "planned_on": "2099-09-30"}),
        ),
    ] {
        let who = if path == "assign" { coord } else { dept };
        let body = (!body.is_null()).then_some(body);
        let r = send(
            &app,
            Method::POST,
            &format!("/api/v1/issues/{a}/{path}"),
            who,
            body.as_ref(),
        )
        .await;
        assert_eq!(r.status, 200, "{path}: {}", r.text);
    }
    // Only a coordinator publishes; a text naming the enterprise is refused, naming the field.
    let r = send(
        &app,
        Method::POST,
        "/api/v1/knowledge",
        ent_a,
        Some(&json!({"issue_id": a})),
    )
    .await;
    r.problem(403);
    let r = publish(json!({"issue_id": a, "question": "德清甲公司用地指标怎么办？"})).await;
    r.problem(422);
    assert_eq!(r.error_fields(), vec!["question"], "{}", r.text);
    let r = publish(json!({"issue_id": 999_999})).await;
    r.problem(422);
    assert_eq!(r.error_fields(), vec!["issue_id"], "{}", r.text);
    // Without texts: the issue's own, the enterprise's name (and short name) replaced.
    let r = publish(json!({"issue_id": a})).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let k = r.body["id"].as_i64().unwrap_or_default();
    assert_eq!(r.header("location"), Some(format!("/api/v1/knowledge/{k}")));
    assert!(!r.text.contains("德清甲"), "{}", r.text);
    assert!(
        r.body["question"]
            .as_str()
            .unwrap_or_default()
            .contains("企业厂房用地指标"),
        "{}",
        r.text
    );
    assert_eq!(r.body["category"], "land");
    // Once per issue.
    let r = publish(json!({"issue_id": a})).await;
    assert_eq!(r.status, 409, "{}", r.text);
    // Everyone finds it: another district's enterprise too; words, not characters.
    for who in [ent_b, dept, coord] {
        let r = send(
            &app,
            Method::GET,
            &format!("/api/v1/knowledge?q={}", query("用地指标")),
            who,
            None,
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["total"], 1, "{}", r.text);
        assert_eq!(r.body["items"][0]["id"], k);
    }
    let r = send(
        &app,
        Method::GET,
        &format!("/api/v1/knowledge?q={}", query("用")),
        ent_b,
        None,
    )
    .await;
    assert_eq!(r.body["total"], 0, "{}", r.text);
    let r = send(
        &app,
        Method::GET,
        &format!("/api/v1/knowledge?q={}", query("的")),
        ent_b,
        None,
    )
    .await;
    r.problem(422);
    let r = send(
        &app,
        Method::GET,
        &format!("/api/v1/knowledge/{k}"),
        ent_b,
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    send(&app, Method::GET, "/api/v1/knowledge/999999", ent_b, None)
        .await
        .problem(404);
    send(&app, Method::GET, "/api/v1/knowledge", None, None)
        .await
        .problem(401);
    // While another enterprise types the same problem, the answer is shown (a piece of page).
    let mut conn = db.connect();
    let closest = qinqing::service::knowledge::closest(&mut conn, "新增用地指标未落实", 3)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(closest.iter().map(|e| e.id).collect::<Vec<_>>(), vec![k]);
}

/// Text a search cannot read as words, or too much of it, is answered clearly, never a 500.
#[actix_rt::test]
async fn odd_searches_get_a_clear_answer() {
    let db = TestDb::new();
    let app = app(&db).await;
    let w = world(&app, &db).await;
    let coord = w.token("coord_a");
    let many: String = (0..600).map(|i| format!("词{i} ")).collect();
    for (q, want) in [
        (many.as_str(), 200),
        ("\"贷款\" OR title:x NEAR(a b) -c *", 200),
        ("'; DROP TABLE issues; --", 200),
        ("🙂🙂", 422),
        ("   ", 200),
    ] {
        for path in ["/api/v1/issues", "/api/v1/knowledge"] {
            let r = send(
                &app,
                Method::GET,
                &format!("{path}?q={}", query(q)),
                coord,
                None,
            )
            .await;
            assert_eq!(r.status, want, "{path} {q}: {}", r.text);
        }
    }
}

/// 共性问题: a city coordinator groups one problem raised in two districts under a lead
/// department, which answers it once as policy; each grouped issue shows the answer, each
/// reader sees the group's issues in their own scope, and the groups with the most issues
/// come first.
#[actix_rt::test]
async fn the_same_problem_in_many_places_is_grouped_and_answered_once_as_policy() {
    let db = TestDb::new();
    let app = app(&db).await;
    let w = world(&app, &db).await;
    let (city, coord_a, leader_b) = (
        w.token("coord_city"),
        w.token("coord_a"),
        w.token("leader_b"),
    );
    let (dept_a, dept_b, ent_a, ent_b) = (
        w.token("dept_a"),
        w.token("dept_b"),
        w.token("ent_a"),
        w.token("ent_b"),
    );
    let da = w.id("dept_a_department");
    let a = file(
        &app,
        ent_a,
        "厂房用地指标迟迟未落实",
        "新增用地30亩，用地指标没有落实。",
    )
    .await;
    let b = file(
        &app,
        ent_b,
        "扩建项目用地指标紧张",
        "二期扩建需要用地指标，迟迟批不下来。",
    )
    .await;
    let c = file(
        &app,
        ent_a,
        "仓库用地指标不足",
        "物流仓库扩建，用地指标不够。",
    )
    .await;
    let d = file(
        &app,
        ent_a,
        "研发楼用地指标",
        "研发楼选址已定，缺少用地指标。",
    )
    .await;
    let post = |path: String, who, body: Value| {
        let app = &app;
        async move { send(app, Method::POST, &path, who, Some(&body)).await }
    };
    let group = |title: &str, ids: &[i64]| {
        json!({"title": title, "description": "多地企业反映新增用地指标落实难。",
               "lead_department_id": da, "issue_ids": ids})
    };
    // A district coordinator cannot group another district's issue; every bad field at once.
    let r = post(
        "/api/v1/common-issues".into(),
        coord_a,
        group("用地指标落实难", &[a, b]),
    )
    .await;
    r.problem(422);
    assert_eq!(r.error_fields(), ["issue_ids[1]"], "{}", r.text);
    let r = post(
        "/api/v1/common-issues".into(),
        city,
        json!({"title": " ", "description": "", "lead_department_id": da, "issue_ids": [a]}),
    )
    .await;
    r.problem(422);
    assert_eq!(
        r.error_fields(),
        ["title", "description", "issue_ids"],
        "{}",
        r.text
    );
    let r = post(
        "/api/v1/common-issues".into(),
        city,
        group("x", &[a, a, 999_999]),
    )
    .await;
    r.problem(422);
    assert_eq!(
        r.error_fields(),
        ["issue_ids[1]", "issue_ids[2]"],
        "{}",
        r.text
    );
    let mut bad = group("x", &[a, b]);
    bad["lead_department_id"] = json!(999_999);
    post("/api/v1/common-issues".into(), city, bad)
        .await
        .problem(422);
    post("/api/v1/common-issues".into(), ent_a, group("x", &[a, b]))
        .await
        .problem(403);

    // Two coordinators grouping the same issue at once: one group, one 409.
    let (r1, r2) = futures_util::future::join(
        post(
            "/api/v1/common-issues".into(),
            city,
            group("用地指标落实难", &[a, b]),
        ),
        post(
            "/api/v1/common-issues".into(),
            coord_a,
            group("德清用地指标", &[a, d]),
        ),
    )
    .await;
    let mut statuses = [r1.status.as_u16(), r2.status.as_u16()];
    statuses.sort();
    assert_eq!(statuses, [201, 409], "{}\n{}", r1.text, r2.text);
    let won = if r1.status == 201 { &r1 } else { &r2 };
    let g = won.body["id"].as_i64().unwrap_or_default();
    assert_eq!(
        won.header("location"),
        Some(format!("/api/v1/common-issues/{g}"))
    );
    if won.body["title"] == "德清用地指标" {
        // The district coordinator won: the city one groups its own pair now.
        assert_eq!(won.body["issue_ids"], json!([a, d]));
    }
    let (g, first) = if won.body["title"] == "用地指标落实难" {
        (g, vec![a, b])
    } else {
        let r = post(
            "/api/v1/common-issues".into(),
            city,
            group("长兴用地指标", &[b, c]),
        )
        .await;
        assert_eq!(r.status, 201, "{}", r.text);
        (r.body["id"].as_i64().unwrap_or_default(), vec![b, c])
    };
    let r = send(
        &app,
        Method::GET,
        &format!("/api/v1/common-issues/{g}"),
        city,
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["issue_ids"], json!(first), "{}", r.text);
    assert_eq!(r.body["issue_count"], 2);
    assert!(r.body["answer"].is_null());

    // Each grouped issue is marked common, names its group and has it on its timeline.
    let one = first[0];
    let owner = if one == b { ent_b } else { ent_a };
    let r = send(
        &app,
        Method::GET,
        &format!("/api/v1/issues/{one}"),
        owner,
        None,
    )
    .await;
    assert_eq!(r.body["common_issue_id"], g, "{}", r.text);
    assert_eq!(r.body["common"], true);
    let r = send(
        &app,
        Method::GET,
        &format!("/api/v1/issues/{one}/events"),
        owner,
        None,
    )
    .await;
    assert!(
        r.body.as_array().is_some_and(|e| e
            .iter()
            .any(|e| e["action"] == "marked" && e["details"]["common_issue_id"] == g)),
        "{}",
        r.text
    );
    // Adding the remaining issues: the group grows; one already grouped is a 409.
    let rest: Vec<i64> = [a, b, c, d]
        .into_iter()
        .filter(|i| !first.contains(i))
        .filter(|i| {
            // The issue the district coordinator grouped, if it won, stays in its group.
            won.body["title"] != "德清用地指标" || ![a, d].contains(i)
        })
        .collect();
    if !rest.is_empty() {
        let r = post(
            format!("/api/v1/common-issues/{g}/issues"),
            city,
            json!({"issue_ids": rest}),
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.text);
    }
    post(
        format!("/api/v1/common-issues/{g}/issues"),
        city,
        json!({"issue_ids": [first[0]]}),
    )
    .await
    .problem(409);
    post(
        format!("/api/v1/common-issues/{g}/issues"),
        city,
        json!({"issue_ids": []}),
    )
    .await
    .problem(422);

    // Readers see the group's issues in their own scope, the whole group's counts.
    let r = send(
        &app,
        Method::GET,
        &format!("/api/v1/common-issues/{g}"),
        leader_b,
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["issue_ids"], json!([b]), "{}", r.text);
    assert_eq!(r.body["region_count"], 2, "{}", r.text);
    let total = r.body["issue_count"].as_i64().unwrap_or_default();
    assert!(total >= 3, "{}", r.text);
    let r = send(&app, Method::GET, "/api/v1/common-issues", leader_b, None).await;
    assert_eq!(ids(&r)[0], g, "{}", r.text);
    send(&app, Method::GET, "/api/v1/common-issues", ent_b, None)
        .await
        .problem(403);
    let r = send(
        &app,
        Method::GET,
        &format!("/api/v1/common-issues/{g}"),
        ent_b,
        None,
    )
    .await;
    assert_eq!(r.body["issue_ids"], json!([b]), "{}", r.text);

    // Only the lead department answers, once: two answers at once, one 200 and one 409.
    let answer = |who, text: &'static str| {
        post(
            format!("/api/v1/common-issues/{g}/answer"),
            who,
            json!({"text": text}),
        )
    };
    answer(city, "x").await.problem(403);
    // dept_b handles none of the group's issues and does not lead it: not found.
    answer(dept_b, "x").await.problem(404);
    answer(dept_a, "  ").await.problem(422);
    let policy = "市自然资源和规划局统筹新增建设用地指标，重点项目优先保障，按季度下达。";
    let (r1, r2) =
        futures_util::future::join(answer(dept_a, policy), answer(dept_a, "第二次答复")).await;
    let mut statuses = [r1.status.as_u16(), r2.status.as_u16()];
    statuses.sort();
    assert_eq!(statuses, [200, 409], "{}\n{}", r1.text, r2.text);
    let r = send(
        &app,
        Method::GET,
        &format!("/api/v1/common-issues/{g}"),
        ent_b,
        None,
    )
    .await;
    let text = r.body["answer"]["text"].as_str().unwrap_or_default();
    assert!(text == policy || text == "第二次答复", "{}", r.text);

    // The group with the most issues comes first for the city.
    let r = send(&app, Method::GET, "/api/v1/common-issues", city, None).await;
    let listed = ids(&r);
    assert_eq!(listed.first(), Some(&g), "{}", r.text);
    let counts: Vec<i64> = r.body["items"]
        .as_array()
        .map(|a| a.iter().filter_map(|i| i["issue_count"].as_i64()).collect())
        .unwrap_or_default();
    assert!(counts.windows(2).all(|p| p[0] >= p[1]), "{counts:?}");
}
