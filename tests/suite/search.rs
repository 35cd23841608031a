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
