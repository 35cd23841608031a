//! Published documents (通报, 年度报告): stored whole with a 文号 and a version, read the
//! same whenever opened, in scope; and printed, as the Federation's own, on A4 pages.

use crate::browser::{browser, pdf_pages, site, skip};
use crate::common::*;
use actix_web::http::Method;
use serde_json::{json, Value};

fn publish_body(kind: &str, year: i32, month: Option<u32>) -> Value {
    let mut body = json!({"kind": kind, "year": year, "next_steps": "一是加快超期问题办理。\n二是做好满意度回访。"});
    if let Some(m) = month {
        body["month"] = json!(m);
    }
    body
}

#[actix_rt::test]
async fn a_published_document_keeps_its_number_version_and_words() {
    let db = demo_db();
    let app = app(&db).await;
    let coord = login(&app, "demo.coord", DEMO_PASSWORD).await;
    let c = Some(coord.as_str());
    let today = qinqing::domain::time::today();
    let year = chrono::Datelike::year(&today);

    // The 2022 report says the programme's sentence, from the data.
    let r = send(
        &app,
        Method::POST,
        "/api/v1/reports",
        c,
        Some(&publish_body("yearly", 2022, None)),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(
        r.body["text"]["overview"][0],
        "2022年，联动召开恳谈会201场，参会企业家1576位，收集交办问题2229个，满意率98.75%。"
    );
    assert_eq!(r.body["basis"], "filed");
    assert_eq!(r.body["version"], 1);
    assert_eq!(r.body["number"], format!("湖工商联〔{year}〕1号"));
    assert_eq!(
        r.header("location").as_deref(),
        Some(format!("/api/v1/reports/{}", r.body["id"]).as_str())
    );
    assert_eq!(
        r.body["text"]["next_steps"],
        json!(["一是加快超期问题办理。", "二是做好满意度回访。"])
    );

    // A month: counted by activity; published twice, two versions beside each other.
    let month = publish_body("monthly", 2023, Some(5));
    let first = send(&app, Method::POST, "/api/v1/reports", c, Some(&month)).await;
    assert_eq!(first.status, 201, "{}", first.text);
    assert_eq!(
        (first.body["basis"].as_str(), first.body["version"].as_i64()),
        (Some("activity"), Some(1))
    );
    assert_eq!(first.body["number"], format!("湖工商联〔{year}〕2号"));
    let id = first.body["id"].as_i64().unwrap_or_default();
    let stored = send(&app, Method::GET, &format!("/api/v1/reports/{id}"), c, None).await;
    assert_eq!(stored.status, 200);
    assert_eq!(stored.body, first.body);

    // New actions on the month's issues change nothing published.
    let leader = login(&app, "demo.leader", DEMO_PASSWORD).await;
    let mut conn = db.connect();
    let open = count(
        &mut conn,
        "SELECT COALESCE(MIN(id), 0) AS n FROM issues WHERE status = 'in_progress' AND filed_on <= '2023-05-31'",
    );
    if open > 0 {
        let r = send(
            &app,
            Method::POST,
            &format!("/api/v1/issues/{open}/supervise"),
            Some(&leader),
            Some(&json!({})),
        )
        .await;
        assert!(r.status.is_success(), "{}", r.text);
    }
    let answered = count(
        &mut conn,
        "SELECT COALESCE(MIN(id), 0) AS n FROM issues WHERE status = 'answered' AND filed_on <= '2023-05-31'",
    );
    if answered > 0 {
        let r = send(
            &app,
            Method::POST,
            &format!("/api/v1/issues/{answered}/rating"),
            c,
            Some(&json!({"solved": false, "rating": "dissatisfied", "comment": "回访不满意"})),
        )
        .await;
        assert!(r.status.is_success(), "{}", r.text);
    }
    let again = send(&app, Method::GET, &format!("/api/v1/reports/{id}"), c, None).await;
    assert_eq!(again.body, first.body, "a published document never changes");
    let second = send(&app, Method::POST, "/api/v1/reports", c, Some(&month)).await;
    assert_eq!(second.status, 201, "{}", second.text);
    assert_eq!(second.body["version"], 2);
    assert_eq!(second.body["number"], format!("湖工商联〔{year}〕3号"));
    // The month judged as at its end: the second version reads the same figures.
    assert_eq!(second.body["figures"], first.body["figures"]);
    let list = send(&app, Method::GET, "/api/v1/reports", c, None).await;
    assert_eq!(list.status, 200, "{}", list.text);
    let numbers: Vec<&str> = list.body["items"]
        .as_array()
        .map(|a| a.iter().filter_map(|i| i["number"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(numbers.len(), 3, "{}", list.text);
    assert_eq!(numbers[0], format!("湖工商联〔{year}〕3号"), "newest first");

    // Scope: a district's coordinator publishes for its district and reads none of the
    // city's; a department reads none; an unknown parameter is named.
    let dq = login(&app, "demo.coord.dq", DEMO_PASSWORD).await;
    let r = send(
        &app,
        Method::GET,
        &format!("/api/v1/reports/{id}"),
        Some(&dq),
        None,
    )
    .await;
    r.problem(404);
    let r = send(
        &app,
        Method::POST,
        "/api/v1/reports",
        Some(&dq),
        Some(&publish_body("monthly", 2023, Some(5))),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["number"], format!("德工商联〔{year}〕1号"));
    assert!(
        r.body["text"]["title"]
            .as_str()
            .unwrap_or("")
            .contains("德清县"),
        "{}",
        r.text
    );
    let dept = login(&app, "demo.dept", DEMO_PASSWORD).await;
    send(&app, Method::GET, "/api/v1/reports", Some(&dept), None)
        .await
        .problem(403);
    send(
        &app,
        Method::POST,
        "/api/v1/reports",
        Some(&leader),
        Some(&month),
    )
    .await
    .problem(403);
    send(&app, Method::GET, "/api/v1/reports?kind=monthly", c, None)
        .await
        .problem(400);

    // Bad requests, each named.
    let this_month = chrono::Datelike::month(&today);
    for (body, field) in [
        (publish_body("monthly", year, Some(this_month)), "month"),
        (publish_body("monthly", 2023, None), "month"),
        (publish_body("yearly", 2023, Some(1)), "month"),
        (publish_body("monthly", 2023, Some(13)), "month"),
        (publish_body("yearly", 1999, None), "year"),
        (
            json!({"kind": "monthly", "year": 2023, "month": 5, "next_steps": "下步\u{0}工作"}),
            "next_steps",
        ),
    ] {
        let r = send(&app, Method::POST, "/api/v1/reports", c, Some(&body)).await;
        assert!(r.status == 422 || r.status == 400, "{body}: {}", r.text);
        assert!(
            r.error_fields().iter().any(|f| f == field),
            "{body}: {}",
            r.text
        );
    }
    let r = send(
        &app,
        Method::POST,
        "/api/v1/reports",
        c,
        Some(&json!({"kind": "weekly", "year": 2023})),
    )
    .await;
    assert!(r.status == 422 || r.status == 400, "{}", r.text);
    let r = send(
        &app,
        Method::POST,
        "/api/v1/reports",
        c,
        Some(&json!({"kind": "monthly", "year": 2023, "month": 5, "region_id": 999999})),
    )
    .await;
    r.problem(404);

    // Two publishing at once: each a document of its own or a 409, never a 500.
    let body = publish_body("monthly", 2023, Some(6));
    let (a, b) = futures_util::future::join(
        send(&app, Method::POST, "/api/v1/reports", c, Some(&body)),
        send(&app, Method::POST, "/api/v1/reports", c, Some(&body)),
    )
    .await;
    for r in [&a, &b] {
        assert!(r.status == 201 || r.status == 409, "{}", r.text);
    }
    assert!(a.status == 201 || b.status == 201);
    if a.status == b.status {
        assert_ne!(a.body["version"], b.body["version"]);
        assert_ne!(a.body["number"], b.body["number"]);
    }
}

/// A printed document's pages: the 红头, 文号 and title on the first, 落款 and date on the
/// last, a page number on each, no heading or table caption left at the foot of a page
/// (a figure's caption stands below it, and may), and no page but the last under a fifth
/// full.
fn check_pages(name: &str, pages: &[crate::browser::PdfPage], number: &str, title_words: &str) {
    assert!(pages.len() >= 2, "{name}: {} pages", pages.len());
    let first = pages[0].lines.join("\n");
    assert!(
        first.contains("湖州市工商业联合会"),
        "{name}: 红头\n{first}"
    );
    assert!(first.contains(number), "{name}: 文号 {number}\n{first}");
    assert!(
        first.replace('\n', "").contains(title_words),
        "{name}: title\n{first}"
    );
    assert!(first.contains("一、总体情况"), "{name}\n{first}");
    let last = pages[pages.len() - 1].lines.join("\n");
    assert!(last.contains("湖州市工商业联合会"), "{name}: 落款\n{last}");
    assert!(
        last.contains("年") && last.contains("月") && last.contains("日"),
        "{name}: date\n{last}"
    );
    let heading = |l: &str| {
        ["一、", "二、", "三、", "四、", "五、", "表"]
            .iter()
            .any(|h| l.starts_with(h))
            && l.chars().count() < 30
    };
    for (i, p) in pages.iter().enumerate() {
        let n = i + 1;
        let footer = |l: &String| l.replace(' ', "") == format!("—{n}—");
        assert!(
            p.lines.iter().any(footer),
            "{name}: page {n} has no number\n{}",
            p.lines.join("\n")
        );
        let body: Vec<&String> = p.lines.iter().filter(|l| !footer(l)).collect();
        if let Some(l) = body.last() {
            assert!(!heading(l), "{name}: page {n} ends with the heading {l:?}");
        }
        if n < pages.len() {
            assert!(
                p.fullness >= 0.2,
                "{name}: page {n} is {:.0}% full",
                p.fullness * 100.0
            );
        }
    }
}

#[actix_rt::test]
async fn a_coordinator_publishes_and_prints_the_documents() {
    if skip() {
        return;
    }
    let site = site().await;
    let b = browser(1366, 900).await;
    b.sign_in(&site, "demo.coord").await;
    let year = chrono::Datelike::year(&qinqing::domain::time::today());

    // The draft says what it is and what it counts.
    b.goto(&site.url("/reports/2023/5")).await;
    let text = b.text().await;
    assert!(text.contains("草稿"), "{text}");
    assert!(text.contains("按办理时间统计"), "{text}");
    b.screenshot("report-draft").await;
    b.field("下步工作")
        .await
        .send_keys("一是对超期问题逐件督办，限期办结。\n二是对不满意问题开展回访，推动重办。\n三是总结推广现场解决的经验做法。")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    b.follow(b.control("发布").await).await;
    assert!(
        b.path().await.starts_with("/reports/published/"),
        "{}",
        b.path().await
    );
    let number = format!("湖工商联〔{year}〕1号");
    let text = b.text().await;
    assert!(text.contains(&number), "{text}");
    assert!(
        text.contains("三、下步工作") && !text.contains("草稿"),
        "{text}"
    );
    b.screenshot("report-published").await;
    let pdf = b.pdf("monthly").await;
    check_pages("月度通报", &pdf_pages(&pdf), &number, "问题办理情况的通报");

    // The year's report, published from its page, in the list of published documents.
    b.goto(&site.url("/reports/2022")).await;
    b.follow(b.control("发布").await).await;
    let number = format!("湖工商联〔{year}〕2号");
    assert!(b.text().await.contains(&number));
    let pdf = b.pdf("yearly").await;
    check_pages("年度报告", &pdf_pages(&pdf), &number, "工作情况的报告");
    b.goto(&site.url("/reports/published")).await;
    let text = b.text().await;
    assert!(
        text.contains(&number) && text.contains(&format!("湖工商联〔{year}〕1号")),
        "{text}"
    );
    assert!(b.unlabelled().await.is_empty());
    b.screenshot("reports-published").await;

    // On a phone the document reads without going wider than the screen.
    let phone = browser(390, 844).await;
    phone.sign_in(&site, "demo.coord").await;
    phone.goto(&site.url("/reports/2023/5")).await;
    let (wide, window) = (
        phone
            .js("return document.documentElement.scrollWidth")
            .await
            .as_i64()
            .unwrap_or(0),
        phone
            .js("return window.innerWidth")
            .await
            .as_i64()
            .unwrap_or(0),
    );
    let wider = phone
        .js("return Array.from(document.querySelectorAll('body *')).filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 && !Array.from(e.children).some(c => c.getBoundingClientRect().right > window.innerWidth + 1)).slice(0, 8).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))")
        .await;
    assert!(
        wide <= window,
        "{wide}px wide in a window of {window}: {wider}"
    );
    phone.screenshot("report-draft").await;
    phone.close().await;
    b.close().await;
    site.stop().await;
}
