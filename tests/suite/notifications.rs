//! Notices and reminders, end to end: who is told what (and nobody outside scope), each
//! person's list, the outside channels in their own formats against real local receivers,
//! retries and failures, reminders at an injected time produced once (also by two
//! instances at once), and a delivery that survives the service being killed with -9.

use std::process::{Command, Stdio};
use std::time::Duration;

use crate::common::receiver::{Answer, Receiver, SmtpSink};
use crate::common::*;
use actix_web::http::Method;
use base64::Engine;
use chrono::{NaiveDate, NaiveDateTime};
use hmac::{Hmac, Mac};
use qinqing::config::NotifyConfig;
use serde_json::{json, Value};
use sha2::Sha256;

const SECRET: &str = "a-webhook-secret-of-some-length";

async fn post<S, B>(app: &S, token: &str, path: &str, body: Value) -> Reply
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody,
{
    send(app, Method::POST, path, Some(token), Some(&body)).await
}

async fn get<S, B>(app: &S, token: &str, path: &str) -> Reply
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody,
{
    send(app, Method::GET, path, Some(token), None).await
}

/// Files an issue as ent_a (德清) and assigns it to dept_a with dept_b co-handling.
async fn filed_and_assigned<S, B>(app: &S, w: &World, co: bool) -> i64
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody,
{
    let r = post(
        app,
        w.token("ent_a").unwrap_or_default(),
        "/api/v1/issues",
        json!({"title": "厂房扩建用地指标迟迟未落实", "description": "去年申请的20亩用地指标至今没有下文。",
               "category": "land", "channel": "online"}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let id = r.body["id"].as_i64().unwrap_or_default();
    let co_ids: Vec<i64> = if co {
        vec![w.id("dept_b_department")]
    } else {
        vec![]
    };
    let r = post(
        app,
        w.token("coord_city").unwrap_or_default(),
        &format!("/api/v1/issues/{id}/assign"),
        json!({"lead_department_id": w.id("dept_a_department"), "co_department_ids": co_ids}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    id
}

fn kinds(r: &Reply) -> Vec<String> {
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["items"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|n| n["kind"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    mac.update(body);
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("sha256={hex}")
}

fn later(hours: i64) -> NaiveDateTime {
    qinqing::store::now() + chrono::Duration::hours(hours)
}

fn deliver(db: &TestDb, cfg: &NotifyConfig, now: NaiveDateTime) -> qinqing::notify::Sent {
    qinqing::notify::deliver_due(&mut db.connect(), cfg, now).unwrap_or_else(|e| panic!("{e:?}"))
}

fn remind(db: &TestDb, now: NaiveDateTime) -> qinqing::service::notices::Reminded {
    qinqing::service::notices::remind(&mut db.connect(), now, &Default::default())
        .unwrap_or_else(|e| panic!("{e:?}"))
}

/// 09:30 in Shanghai on a date, as the UTC time the service keeps.
fn shanghai(d: NaiveDate, hour: u32) -> NaiveDateTime {
    d.and_hms_opt(hour, 30, 0).unwrap_or_default() - chrono::Duration::hours(8)
}

#[actix_rt::test]
async fn assignment_tells_the_handlers_and_a_signed_webhook() {
    let db = TestDb::new();
    let app = app(&db).await;
    let w = world(&app, &db).await;
    let admin = w.token("admin").unwrap_or_default();
    let hook = Receiver::start();
    let r = post(
        &app,
        admin,
        "/api/v1/channels",
        json!({"kind": "webhook", "target": hook.url("/hook"), "secret": SECRET,
               "department_id": w.id("dept_a_department")}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["has_secret"], true);
    assert!(r.body.get("secret").is_none(), "{}", r.text);
    assert!(!r.text.contains(SECRET));

    let id = filed_and_assigned(&app, &w, true).await;
    // The lead and the co-handling department are told; nobody else.
    let dept_a = get(
        &app,
        w.token("dept_a").unwrap_or_default(),
        "/api/v1/notifications",
    )
    .await;
    assert_eq!(kinds(&dept_a), vec!["assigned"]);
    let item = &dept_a.body["items"][0];
    assert_eq!(item["issue_id"], id);
    assert_eq!(item["link"], format!("/issues/{id}"));
    assert_eq!(item["read_at"], Value::Null);
    let text = item["text"].as_str().unwrap_or_default();
    assert!(
        text.contains("「厂房扩建用地指标迟迟未落实」") && text.contains("主办"),
        "{text}"
    );
    let dept_b = get(
        &app,
        w.token("dept_b").unwrap_or_default(),
        "/api/v1/notifications",
    )
    .await;
    assert_eq!(kinds(&dept_b), vec!["assigned"]);
    assert!(dept_b.body["items"][0]["text"]
        .as_str()
        .unwrap_or_default()
        .contains("协办"));
    for other in [
        "coord_city",
        "coord_b",
        "leader_city",
        "ent_a",
        "ent_b",
        "admin",
    ] {
        let r = get(
            &app,
            w.token(other).unwrap_or_default(),
            "/api/v1/notifications",
        )
        .await;
        assert_eq!(kinds(&r), Vec::<String>::new(), "{other}");
    }

    // The webhook receives one signed POST; a second pass sends nothing more.
    let cfg = notify_config();
    let sent = deliver(&db, &cfg, qinqing::store::now());
    assert_eq!(sent.delivered, 1, "{sent:?}");
    assert_eq!(
        deliver(&db, &cfg, later(48)),
        qinqing::notify::Sent::default()
    );
    let hits = hook.hits();
    assert_eq!(hits.len(), 1, "{hits:?}");
    let hit = &hits[0];
    assert_eq!(
        (hit.method.as_str(), hit.target.as_str()),
        ("POST", "/hook")
    );
    assert_eq!(hit.header("x-qinqing-signature"), sign(SECRET, &hit.body));
    let body = hit.json();
    assert_eq!(hit.header("x-qinqing-notice-id"), body["id"].to_string());
    assert_eq!(body["kind"], "assigned");
    assert_eq!(body["issue_id"], id);
    assert_eq!(
        body["link"],
        format!("https://qinqing.example.gov.cn/issues/{id}")
    );
    assert!(body["text"].as_str().unwrap_or_default().contains("主办"));
    assert!(body["created_at"]
        .as_str()
        .unwrap_or_default()
        .ends_with('Z'));
    let ch = get(&app, admin, "/api/v1/channels").await;
    assert_eq!(
        ch.body["items"][0]["deliveries"],
        json!({"pending": 0, "delivered": 1, "failed": 0})
    );
}

#[actix_rt::test]
async fn each_person_is_told_only_of_what_they_can_read() {
    let db = TestDb::new();
    let app = app(&db).await;
    let w = world(&app, &db).await;
    // The region channels of 德清 and 长兴 (the Federation's groups there).
    let groups = Receiver::start();
    for (region, path) in [(DEQING, "/deqing"), (CHANGXING, "/changxing")] {
        let r = post(
            &app,
            w.token("admin").unwrap_or_default(),
            "/api/v1/channels",
            json!({"kind": "wecom", "target": groups.url(path), "region_id": region}),
        )
        .await;
        assert_eq!(r.status, 201, "{}", r.text);
    }
    let id = filed_and_assigned(&app, &w, false).await;
    let dept_a = w.token("dept_a").unwrap_or_default();
    let coord = w.token("coord_city").unwrap_or_default();
    // Urged, then returned by the department: the region's coordinators (德清 and the
    // city) are told of the return; 长兴's coordinator is not.
    let r = post(
        &app,
        coord,
        &format!("/api/v1/issues/{id}/urge"),
        json!({"note": "请本周内办理"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = post(
        &app,
        dept_a,
        &format!("/api/v1/issues/{id}/return"),
        json!({"reason": "不属于本单位职责"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        kinds(&get(&app, dept_a, "/api/v1/notifications").await),
        vec!["urged", "assigned"]
    );
    let urged = get(&app, dept_a, "/api/v1/notifications").await;
    assert!(urged.body["items"][0]["text"]
        .as_str()
        .unwrap_or_default()
        .ends_with("：请本周内办理"));
    assert_eq!(
        kinds(
            &get(
                &app,
                w.token("coord_a").unwrap_or_default(),
                "/api/v1/notifications"
            )
            .await
        ),
        vec!["returned"]
    );
    assert_eq!(
        kinds(&get(&app, coord, "/api/v1/notifications").await),
        vec!["returned"]
    );
    assert!(kinds(
        &get(
            &app,
            w.token("coord_b").unwrap_or_default(),
            "/api/v1/notifications"
        )
        .await
    )
    .is_empty());

    // Reassigned, signed, answered: the enterprise is asked to rate; the other is not told.
    let r = post(
        &app,
        coord,
        &format!("/api/v1/issues/{id}/assign"),
        json!({"lead_department_id": w.id("dept_a_department")}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = post(
        &app,
        dept_a,
        &format!("/api/v1/issues/{id}/sign"),
        json!({}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = post(
        &app,
        dept_a,
        &format!("/api/v1/issues/{id}/answer"),
        json!({"outcome": "resolved", "text": "已协调落实用地指标。"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let ent = w.token("ent_a").unwrap_or_default();
    assert_eq!(
        kinds(&get(&app, ent, "/api/v1/notifications").await),
        vec!["answered"]
    );
    assert!(kinds(
        &get(
            &app,
            w.token("ent_b").unwrap_or_default(),
            "/api/v1/notifications"
        )
        .await
    )
    .is_empty());
    // A dissatisfied rating: the coordinators, and the handler who signed, are told.
    let r = post(
        &app,
        ent,
        &format!("/api/v1/issues/{id}/rating"),
        json!({"solved": false, "rating": "dissatisfied", "comment": "指标仍未到位"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        kinds(&get(&app, coord, "/api/v1/notifications").await),
        vec!["dissatisfied", "returned"]
    );
    assert_eq!(
        kinds(&get(&app, dept_a, "/api/v1/notifications").await)[0],
        "dissatisfied"
    );
    assert!(kinds(
        &get(
            &app,
            w.token("coord_b").unwrap_or_default(),
            "/api/v1/notifications"
        )
        .await
    )
    .is_empty());
    assert!(kinds(
        &get(
            &app,
            w.token("dept_b").unwrap_or_default(),
            "/api/v1/notifications"
        )
        .await
    )
    .is_empty());
    // 德清's group heard what its coordinators did (the return, the dissatisfied rating),
    // nothing meant for the department or the enterprise; 长兴's group heard nothing.
    assert_eq!(
        deliver(&db, &notify_config(), qinqing::store::now()).delivered,
        2
    );
    let heard: Vec<(String, String)> = groups
        .hits()
        .iter()
        .map(|h| {
            (
                h.target.clone(),
                h.json()["markdown"]["content"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            )
        })
        .collect();
    assert_eq!(heard.len(), 2, "{heard:?}");
    assert!(heard.iter().all(|(path, _)| path == "/deqing"), "{heard:?}");
    assert!(
        heard.iter().any(|(_, text)| text.contains("退回"))
            && heard.iter().any(|(_, text)| text.contains("不满意")),
        "{heard:?}"
    );
}

#[actix_rt::test]
async fn notices_are_read_one_by_one_or_all_at_once() {
    let db = TestDb::new();
    let app = app(&db).await;
    let w = world(&app, &db).await;
    filed_and_assigned(&app, &w, false).await;
    filed_and_assigned(&app, &w, false).await;
    let dept_a = w.token("dept_a").unwrap_or_default();
    let list = get(&app, dept_a, "/api/v1/notifications").await;
    assert_eq!(list.body["total"], 2);
    let first = list.body["items"][0]["id"].as_i64().unwrap_or_default();
    // Not one's own: 404, as if it did not exist.
    let r = post(
        &app,
        w.token("dept_b").unwrap_or_default(),
        &format!("/api/v1/notifications/{first}/read"),
        json!({}),
    )
    .await;
    r.problem(404);
    let r = post(
        &app,
        dept_a,
        &format!("/api/v1/notifications/{first}/read"),
        json!({}),
    )
    .await;
    assert_eq!(r.status, 204, "{}", r.text);
    let unread = get(&app, dept_a, "/api/v1/notifications?unread=true").await;
    assert_eq!(unread.body["total"], 1);
    assert_ne!(unread.body["items"][0]["id"], first);
    let r = post(&app, dept_a, "/api/v1/notifications/read-all", json!({})).await;
    assert_eq!(r.body["marked"], 1, "{}", r.text);
    assert_eq!(
        get(&app, dept_a, "/api/v1/notifications?unread=true")
            .await
            .body["total"],
        0
    );
    let all = get(&app, dept_a, "/api/v1/notifications").await;
    assert!(all.body["items"][0]["read_at"].is_string());
    get(&app, dept_a, "/api/v1/notifications?unread=maybe")
        .await
        .problem(400);
    get(&app, dept_a, "/api/v1/notifications?per_page=0")
        .await
        .problem(422);
    send(&app, Method::GET, "/api/v1/notifications", None, None)
        .await
        .problem(401);
}

#[actix_rt::test]
async fn failed_deliveries_are_retried_with_back_off_then_shown_to_the_administrator() {
    let db = TestDb::new();
    let app = app(&db).await;
    let w = world(&app, &db).await;
    let admin = w.token("admin").unwrap_or_default();
    let flaky = Receiver::start();
    let down = Receiver::start();
    // Two 500s, then a call that outlasts the timeout, then success.
    flaky.script(&[
        Answer::Status(500, "{}"),
        Answer::Status(503, "{}"),
        Answer::Hang(Duration::from_secs(4)),
    ]);
    down.script(&[Answer::Status(500, "{}"); 4]);
    for target in [flaky.url("/a"), down.url("/b")] {
        let r = post(
            &app,
            admin,
            "/api/v1/channels",
            json!({"kind": "webhook", "target": target,
            "secret": SECRET, "department_id": w.id("dept_a_department"), "kinds": ["assigned"]}),
        )
        .await;
        assert_eq!(r.status, 201, "{}", r.text);
    }
    filed_and_assigned(&app, &w, false).await;
    let mut cfg = notify_config();
    cfg.max_attempts = 4;
    cfg.timeout = Duration::from_secs(1);
    // Attempt 1 fails at both; nothing is due again right away (back-off).
    assert_eq!(deliver(&db, &cfg, qinqing::store::now()).retry, 2);
    assert_eq!(
        deliver(&db, &cfg, qinqing::store::now()),
        qinqing::notify::Sent::default()
    );
    // Attempts 2 and 3 (the timeout) fail; attempt 4 succeeds at one and fails for good
    // at the other.
    assert_eq!(deliver(&db, &cfg, later(1)).retry, 2);
    assert_eq!(deliver(&db, &cfg, later(2)).retry, 2);
    let last = deliver(&db, &cfg, later(3));
    assert_eq!((last.delivered, last.failed), (1, 1), "{last:?}");
    assert_eq!(
        deliver(&db, &cfg, later(24)),
        qinqing::notify::Sent::default()
    );
    let flaky_hits = flaky.hits();
    assert_eq!(flaky_hits.len(), 4);
    let ids: Vec<&str> = flaky_hits
        .iter()
        .map(|h| h.header("x-qinqing-notice-id"))
        .collect();
    assert!(
        ids.windows(2).all(|p| p[0] == p[1]),
        "the same notice id on every retry: {ids:?}"
    );
    assert_eq!(down.hits().len(), 4);
    let list = get(&app, admin, "/api/v1/channels").await;
    let failed = list.body["items"][1]["id"].as_i64().unwrap_or_default();
    assert_eq!(
        list.body["items"][1]["deliveries"],
        json!({"pending": 0, "delivered": 0, "failed": 1})
    );
    let one = get(&app, admin, &format!("/api/v1/channels/{failed}")).await;
    assert_eq!(one.body["failures"][0]["attempts"], 4, "{}", one.text);
    assert!(one.body["failures"][0]["error"]
        .as_str()
        .unwrap_or_default()
        .contains("500"));
}

#[actix_rt::test]
async fn robots_and_email_receive_their_own_formats() {
    let db = TestDb::new();
    let sink = SmtpSink::start();
    let mut cfg = notify_config();
    cfg.smtp_url = Some(format!("smtp://{}?tls=none", sink.addr));
    cfg.smtp_from = "qinqing@huzhou.example.gov.cn".into();
    let app = app_with(&db, &cfg).await;
    let w = world(&app, &db).await;
    let admin = w.token("admin").unwrap_or_default();
    let robots = Receiver::start();
    let dept = w.id("dept_a_department");
    for body in [
        json!({"kind": "dingtalk", "target": robots.url("/robot/send?access_token=tok123"), "secret": "SECabc", "department_id": dept}),
        json!({"kind": "wecom", "target": robots.url("/cgi-bin/webhook/send?key=k-456"), "department_id": dept}),
        json!({"kind": "email", "target": "jxj@deqing.example.gov.cn", "department_id": dept}),
    ] {
        let r = post(&app, admin, "/api/v1/channels", body).await;
        assert_eq!(r.status, 201, "{}", r.text);
        assert!(
            !r.text.contains("tok123") && !r.text.contains("k-456"),
            "{}",
            r.text
        );
    }
    let id = filed_and_assigned(&app, &w, false).await;
    let sent = deliver(&db, &cfg, qinqing::store::now());
    assert_eq!(sent.delivered, 3, "{sent:?}");

    let hits = robots.hits();
    let ding = hits
        .iter()
        .find(|h| h.target.starts_with("/robot/"))
        .unwrap_or_else(|| panic!("{hits:?}"));
    let query: Vec<(String, String)> =
        serde_urlencoded::from_str(ding.target.split_once('?').map(|p| p.1).unwrap_or_default())
            .unwrap_or_default();
    let q = |k: &str| {
        query
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    assert_eq!(q("access_token"), "tok123");
    let ts: i64 = q("timestamp").parse().unwrap_or_default();
    assert!(
        (chrono::Utc::now().timestamp_millis() - ts).abs() < 60_000,
        "{ts}"
    );
    let mut mac = Hmac::<Sha256>::new_from_slice(b"SECabc").unwrap_or_else(|e| panic!("{e}"));
    mac.update(format!("{ts}\nSECabc").as_bytes());
    assert_eq!(
        q("sign"),
        base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
    );
    let body = ding.json();
    assert_eq!(body["msgtype"], "markdown");
    assert!(body["markdown"]["title"]
        .as_str()
        .unwrap_or_default()
        .contains("新交办"));
    let text = body["markdown"]["text"].as_str().unwrap_or_default();
    assert!(
        text.contains("厂房扩建用地指标")
            && text.contains(&format!("https://qinqing.example.gov.cn/issues/{id}")),
        "{text}"
    );

    let wecom = hits
        .iter()
        .find(|h| h.target.starts_with("/cgi-bin/"))
        .unwrap_or_else(|| panic!("{hits:?}"));
    assert_eq!(wecom.target, "/cgi-bin/webhook/send?key=k-456");
    let body = wecom.json();
    assert_eq!(body["msgtype"], "markdown");
    assert!(body["markdown"]["content"]
        .as_str()
        .unwrap_or_default()
        .contains("厂房扩建用地指标"));

    let mails = sink.mails();
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert!(
        mails[0].from.starts_with("<qinqing@huzhou.example.gov.cn>"),
        "{mails:?}"
    );
    assert!(
        mails[0]
            .to
            .iter()
            .any(|t| t.starts_with("<jxj@deqing.example.gov.cn>")),
        "{mails:?}"
    );
    let data = &mails[0].data;
    assert!(data.contains("Subject: "), "{data}");
    let decoded = match data.split_once("\r\n\r\n") {
        Some((head, body)) if head.contains("base64") => String::from_utf8(
            base64::engine::general_purpose::STANDARD
                .decode(body.replace("\r\n", ""))
                .unwrap_or_default(),
        )
        .unwrap_or_default(),
        Some((_, body)) => body.replace("=\r\n", ""),
        None => String::new(),
    };
    assert!(
        decoded.contains(&format!("https://qinqing.example.gov.cn/issues/{id}")),
        "{data}"
    );
}

#[actix_rt::test]
async fn channels_are_the_administrators_and_never_reach_inside() {
    let db = TestDb::new();
    let strict = NotifyConfig {
        channel_allow: Vec::new(),
        ..notify_config()
    };
    let app = app_with(&db, &strict).await;
    let w = world(&app, &db).await;
    let admin = w.token("admin").unwrap_or_default();
    let dept = w.id("dept_a_department");
    let base = json!({"kind": "webhook", "target": "http://127.0.0.1:9/x", "secret": SECRET, "department_id": dept});
    for who in ["coord_city", "dept_a", "leader_city", "ent_a"] {
        post(
            &app,
            w.token(who).unwrap_or_default(),
            "/api/v1/channels",
            base.clone(),
        )
        .await
        .problem(403);
    }
    let refused = [
        ("http://127.0.0.1:9/x", "target"),
        ("http://localhost:9/x", "target"),
        ("http://169.254.169.254/latest/meta-data", "target"),
        ("http://10.1.2.3/x", "target"),
        ("http://[::1]/x", "target"),
        ("ftp://example.com/x", "target"),
        ("no url at all", "target"),
        // Loopback and private IPv4 carried in IPv6 forms, and the special-purpose blocks
        // the registries do not mark globally reachable.
        ("http://[::7f00:1]/x", "target"),
        ("http://[::ffff:0:7f00:1]/x", "target"),
        ("http://[::ffff:7f00:1]/x", "target"),
        ("http://[64:ff9b::7f00:1]/x", "target"),
        ("http://[64:ff9b::a9fe:a9fe]/x", "target"),
        ("http://[2002:7f00:1::1]/x", "target"),
        ("http://[2002:a01:203::1]/x", "target"),
        ("http://[fec0::1]/x", "target"),
        ("http://[fd12:3456::1]/x", "target"),
        ("http://[ff02::1]/x", "target"),
        ("http://192.0.0.1/x", "target"),
        ("http://198.18.0.1/x", "target"),
        ("http://240.0.0.1/x", "target"),
        ("http://255.255.255.255/x", "target"),
        ("http://0.0.0.0/x", "target"),
        ("http://100.100.100.100/x", "target"),
        ("http://192.0.2.10/x", "target"),
        ("http://224.0.0.1/x", "target"),
        ("http://2130706433/x", "target"),
        ("http://0x7f000001/x", "target"),
    ];
    // The service's own host under the address its outward interface has, when it has one.
    let own = std::net::UdpSocket::bind("0.0.0.0:0")
        .and_then(|s| s.connect("192.0.2.1:9").and_then(|()| s.local_addr()))
        .ok()
        .map(|a| format!("http://{}/x", a.ip()));
    let refused: Vec<(String, &str)> = refused
        .iter()
        .map(|(t, f)| (t.to_string(), *f))
        .chain(own.map(|t| (t, "target")))
        .collect();
    for (target, field) in refused {
        let mut body = base.clone();
        body["target"] = json!(target);
        let r = post(&app, admin, "/api/v1/channels", body).await;
        r.problem(422);
        assert_eq!(r.error_fields(), vec![field], "{target}: {}", r.text);
    }
    let cases = [
        (
            json!({"kind": "webhook", "target": "http://127.0.0.1:9/x", "department_id": dept}),
            vec!["secret", "target"],
        ),
        (
            json!({"kind": "email", "target": "a@example.gov.cn", "department_id": dept}),
            vec!["target"],
        ),
        (
            json!({"kind": "wecom", "target": "http://127.0.0.1:9/x", "secret": "x", "region_id": DEQING, "department_id": dept}),
            vec!["region_id", "secret", "target"],
        ),
        (
            json!({"kind": "dingtalk", "target": "http://127.0.0.1:9/x", "kinds": []}),
            vec!["department_id", "kinds", "target"],
        ),
    ];
    for (body, mut want) in cases {
        let r = post(&app, admin, "/api/v1/channels", body.clone()).await;
        r.problem(422);
        let mut got = r.error_fields();
        got.sort();
        want.sort();
        assert_eq!(got, want, "{body}: {}", r.text);
    }
    let mut unknown_kind = base.clone();
    unknown_kind["kinds"] = json!(["assigned", "gossip"]);
    let r = post(&app, admin, "/api/v1/channels", unknown_kind).await;
    assert!(r.status == 400 || r.status == 422, "{}", r.text);

    // Allowed by the allow-list: created, read, changed, removed.
    let app = app_with(&db, &notify_config()).await;
    let hook = Receiver::start();
    let mut ok = base.clone();
    ok["target"] = json!(hook.url("/x?token=abc"));
    ok["kinds"] = json!(["urged", "assigned", "urged"]);
    let r = post(&app, admin, "/api/v1/channels", ok).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let id = r.body["id"].as_i64().unwrap_or_default();
    assert_eq!(r.body["kinds"], json!(["assigned", "urged"]));
    assert!(
        r.body["target"]
            .as_str()
            .unwrap_or_default()
            .ends_with("/x?token=***"),
        "{}",
        r.text
    );
    let r = send(
        &app,
        Method::PATCH,
        &format!("/api/v1/channels/{id}"),
        Some(admin),
        Some(&json!({"kinds": null, "region_id": DEQING, "department_id": null})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        (
            r.body["kinds"].clone(),
            r.body["region_id"].clone(),
            r.body["has_secret"].clone()
        ),
        (Value::Null, json!(DEQING), json!(true))
    );
    let r = send(
        &app,
        Method::PATCH,
        &format!("/api/v1/channels/{id}"),
        Some(admin),
        Some(&json!({"secret": null})),
    )
    .await;
    assert_eq!(r.error_fields(), vec!["secret"], "{}", r.text);
    let r = send(
        &app,
        Method::DELETE,
        &format!("/api/v1/channels/{id}"),
        Some(admin),
        None,
    )
    .await;
    assert_eq!(r.status, 204, "{}", r.text);
    get(&app, admin, &format!("/api/v1/channels/{id}"))
        .await
        .problem(404);
    get(&app, admin, "/api/v1/channels/999999")
        .await
        .problem(404);
}

#[actix_rt::test]
async fn reminders_at_an_injected_time_come_once() {
    let db = TestDb::new();
    let app = app(&db).await;
    let w = world(&app, &db).await;
    let id = filed_and_assigned(&app, &w, false).await;
    let dept_a = w.token("dept_a").unwrap_or_default();
    let issue = get(&app, dept_a, &format!("/api/v1/issues/{id}")).await;
    let due: NaiveDate = issue.body["due_on"]
        .as_str()
        .unwrap_or_default()
        .parse()
        .unwrap_or_default();
    let today = qinqing::domain::time::today();
    let cal = qinqing::domain::calendar::WorkCalendar::default();

    // Two working days after assignment: not signed for within the limit (1 working day).
    let made = remind(&db, shanghai(cal.add_working_days(today, 2), 10));
    assert_eq!(made.sign_overdue, 1, "{made:?}");
    assert_eq!(
        kinds(
            &get(
                &app,
                w.token("coord_a").unwrap_or_default(),
                "/api/v1/notifications"
            )
            .await
        ),
        vec!["sign_overdue"]
    );
    let r = post(
        &app,
        dept_a,
        &format!("/api/v1/issues/{id}/sign"),
        json!({}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);

    // The working day before the due date: due soon, once however often the pass runs.
    let eve = (1..10)
        .map(|n| due - chrono::Duration::days(n))
        .find(|d| cal.is_working_day(*d))
        .unwrap_or(due);
    assert_eq!(remind(&db, shanghai(eve, 9)).due_soon, 1);
    assert_eq!(remind(&db, shanghai(eve, 15)).due_soon, 0);

    // Past the due date: the overdue notice and one automatic 催办 on the timeline.
    let after = cal.add_working_days(due, 1);
    let made = remind(&db, shanghai(after, 9));
    assert_eq!(made.overdue, 1, "{made:?}");
    assert_eq!(remind(&db, shanghai(after, 11)).overdue, 0);
    let events = get(&app, dept_a, &format!("/api/v1/issues/{id}/events")).await;
    let urges: Vec<&Value> = events
        .body
        .as_array()
        .map(|a| a.iter().filter(|e| e["action"] == "urged").collect())
        .unwrap_or_default();
    assert_eq!(urges.len(), 1, "{}", events.text);
    assert_eq!(urges[0]["details"]["automatic"], true);
    assert_eq!(urges[0]["details"]["note"], "超期");
    assert_eq!(urges[0]["actor_role"], "system");
    // It counts as a 催办: in the figures (filed and activity bases alike: the issue's urge
    // count and its event), and in the kept sums, which still equal a recount.
    let coord = w.token("coord_city").unwrap_or_default();
    for path in [
        "/api/v1/stats/summary".to_owned(),
        format!("/api/v1/stats/summary?basis=activity&from={after}&to={after}"),
    ] {
        let r = get(&app, coord, &path).await;
        assert_eq!(r.body["urges"], 1, "{path}: {}", r.text);
    }
    crate::stats::assert_kept_equal_recount(&mut db.connect(), &[w.id("dept_a_department")]);
    // The next day: a daily reminder, and no second automatic 催办.
    let next = cal.add_working_days(after, 1);
    assert_eq!(remind(&db, shanghai(next, 9)).overdue, 1);
    let events = get(&app, dept_a, &format!("/api/v1/issues/{id}/events")).await;
    assert_eq!(
        events.text.matches("\"urged\"").count(),
        1,
        "{}",
        events.text
    );
    let mine = kinds(&get(&app, dept_a, "/api/v1/notifications").await);
    assert_eq!(
        mine,
        vec!["overdue", "overdue", "due_soon", "sign_overdue", "assigned"]
    );

    // The weekly digest: Monday from 08:00 in Shanghai, once per leader and week.
    // (A Monday after every date above, so that no earlier pass fell on it.)
    // An earlier pass that fell on a Monday from 08:00 made that week's digest already.
    let monday = (100..107)
        .map(|n| today + chrono::Duration::days(n))
        .find(|d| chrono::Datelike::weekday(d) == chrono::Weekday::Mon)
        .unwrap_or(today);
    let leader = w.token("leader_city").unwrap_or_default();
    let earlier = kinds(&get(&app, leader, "/api/v1/notifications").await).len();
    assert_eq!(remind(&db, shanghai(monday, 7)).digest, 0);
    assert_eq!(
        remind(&db, shanghai(monday, 8)).digest,
        3,
        "leader_city, leader_b and spare"
    );
    assert_eq!(remind(&db, shanghai(monday, 9)).digest, 0);
    let digest = get(&app, leader, "/api/v1/notifications").await;
    assert_eq!(kinds(&digest), vec!["digest"; earlier + 1]);
    let weeks: std::collections::BTreeSet<&str> = digest.body["items"]
        .as_array()
        .map(|a| a.iter().filter_map(|n| n["text"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        weeks.len(),
        earlier + 1,
        "one digest a week: {}",
        digest.text
    );
    assert!(
        digest.body["items"][0]["text"]
            .as_str()
            .unwrap_or_default()
            .contains("新收集问题0个"),
        "{}",
        digest.text
    );

    // An answer waiting for its rating past five working days: the coordinators call.
    let second = filed_and_assigned(&app, &w, false).await;
    let r = post(
        &app,
        dept_a,
        &format!("/api/v1/issues/{second}/sign"),
        json!({}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = post(
        &app,
        dept_a,
        &format!("/api/v1/issues/{second}/answer"),
        json!({"outcome": "explained", "text": "已作政策解释。"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        remind(&db, shanghai(cal.add_working_days(today, 4), 9)).follow_up_due,
        0
    );
    assert_eq!(
        remind(&db, shanghai(cal.add_working_days(today, 5), 9)).follow_up_due,
        1
    );
    assert_eq!(
        remind(&db, shanghai(cal.add_working_days(today, 6), 9)).follow_up_due,
        0
    );
    let coord_a = get(
        &app,
        w.token("coord_a").unwrap_or_default(),
        "/api/v1/notifications",
    )
    .await;
    assert_eq!(kinds(&coord_a)[0], "follow_up_due");
    assert_eq!(coord_a.body["items"][0]["issue_id"], second);

    // A forum planned in 德清 within a week: 德清's enterprises are told, 长兴's are not.
    let held_on = qinqing::domain::forum::next_wednesday_after(today + chrono::Duration::days(20));
    let r = post(
        &app,
        w.token("coord_city").unwrap_or_default(),
        "/api/v1/editions/plan",
        json!({"held_on": held_on, "theme": "专精特新企业发展", "region_ids": [DEQING]}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(
        remind(&db, shanghai(held_on - chrono::Duration::days(8), 9)).forum_upcoming,
        0
    );
    assert_eq!(
        remind(&db, shanghai(held_on - chrono::Duration::days(6), 9)).forum_upcoming,
        1
    );
    assert_eq!(
        remind(&db, shanghai(held_on - chrono::Duration::days(5), 9)).forum_upcoming,
        0
    );
    let ent = get(
        &app,
        w.token("ent_a").unwrap_or_default(),
        "/api/v1/notifications",
    )
    .await;
    assert_eq!(kinds(&ent)[0], "forum_upcoming");
    assert!(
        ent.body["items"][0]["text"]
            .as_str()
            .unwrap_or_default()
            .contains("专精特新企业发展"),
        "{}",
        ent.text
    );
    assert!(!kinds(
        &get(
            &app,
            w.token("ent_b").unwrap_or_default(),
            "/api/v1/notifications"
        )
        .await
    )
    .contains(&"forum_upcoming".to_owned()));
}

fn binary() -> Command {
    Command::new(env!("CARGO_BIN_EXE_qinqing"))
}

#[actix_rt::test]
async fn two_instances_produce_each_reminder_once() {
    let db = TestDb::new();
    let app = app(&db).await;
    let w = world(&app, &db).await;
    let mut ids = Vec::new();
    for _ in 0..5 {
        ids.push(filed_and_assigned(&app, &w, false).await);
    }
    let at = qinqing::domain::time::today() + chrono::Duration::days(40);
    let at = format!("{at}T09:30:00+08:00");
    let runs: Vec<_> = (0..2)
        .map(|_| {
            binary()
                .args(["remind", "--at", &at, "--log-level", "warn"])
                .env("DATABASE_URL", &db.url)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap_or_else(|e| panic!("{e}"))
        })
        .collect();
    let mut overdue = 0;
    for run in runs {
        let out = run.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "{text}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        overdue += text
            .split(", ")
            .find_map(|p| {
                p.strip_suffix(" overdue")
                    .and_then(|n| n.parse::<usize>().ok())
            })
            .unwrap_or_else(|| panic!("{text}"));
    }
    assert_eq!(
        overdue, 5,
        "five issues, one overdue notice each, between the two"
    );
    let mut conn = db.connect();
    assert_eq!(
        count(
            &mut conn,
            "SELECT count(*) AS n FROM notices WHERE kind = 'overdue'"
        ),
        5
    );
    assert_eq!(
        count(
            &mut conn,
            "SELECT count(*) AS n FROM issue_events WHERE action = 'urged'"
        ),
        5
    );
}

#[actix_rt::test]
async fn a_delivery_survives_kill_9() {
    let db = TestDb::new();
    let app = app(&db).await;
    let w = world(&app, &db).await;
    let hook = Receiver::start();
    // The first call is held long enough for the service to be killed in the middle of it.
    // The service waits 5 s for an answer: with 1 s, a test thread slowed by a loaded
    // machine could see the first call only after it had timed out and a retry had been
    // answered, and find the delivery done before the kill.
    hook.script(&[Answer::Hang(Duration::from_secs(30))]);
    let r = post(
        &app,
        w.token("admin").unwrap_or_default(),
        "/api/v1/channels",
        json!({"kind": "webhook",
        "target": hook.url("/hook"), "secret": SECRET, "department_id": w.id("dept_a_department")}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    filed_and_assigned(&app, &w, false).await;
    let serve = || {
        binary()
            .args([
                "serve",
                "--bind",
                "127.0.0.1:0",
                "--deliver-every",
                "1",
                "--delivery-timeout",
                "5",
                "--channel-allow",
                "127.0.0.1",
                "--log-level",
                "warn",
            ])
            .env("DATABASE_URL", &db.url)
            .env("QINQING_JWT_SECRET", &db.secret)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{e}"))
    };
    let mut first = serve();
    let hits = hook.wait_for(1, Duration::from_secs(30));
    assert_eq!(hits.len(), 1, "the service never called the webhook");
    first.kill().unwrap_or_else(|e| panic!("{e}")); // SIGKILL
    let _ = first.wait();
    let mut conn = db.connect();
    assert_eq!(
        count(
            &mut conn,
            "SELECT count(*) AS n FROM deliveries WHERE status = 'pending'"
        ),
        1
    );
    // Restarted: once the dead worker's claim has run out, the notice is delivered.
    let mut second = serve();
    let hits = hook.wait_for(2, Duration::from_secs(40));
    // The receiver has answered; the worker records the delivery just after: wait for it
    // before stopping the service (killed at once, it may not have written it yet).
    let recorded = "SELECT count(*) AS n FROM deliveries WHERE status = 'delivered'";
    for _ in 0..150 {
        if count(&mut conn, recorded) == 1 {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = second.kill();
    let _ = second.wait();
    assert!(hits.len() >= 2, "not delivered after the restart: {hits:?}");
    assert_eq!(
        hits[0].header("x-qinqing-notice-id"),
        hits[1].header("x-qinqing-notice-id")
    );
    assert_eq!(
        count(
            &mut conn,
            "SELECT count(*) AS n FROM deliveries WHERE status = 'delivered'"
        ),
        1
    );
}

#[actix_rt::test]
async fn two_workers_deliver_each_notice_once() {
    let db = TestDb::new();
    let app = app(&db).await;
    let w = world(&app, &db).await;
    let hook = Receiver::start();
    let r = post(
        &app,
        w.token("admin").unwrap_or_default(),
        "/api/v1/channels",
        json!({"kind": "webhook", "target": hook.url("/hook"), "secret": SECRET,
               "department_id": w.id("dept_a_department")}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    for _ in 0..12 {
        filed_and_assigned(&app, &w, false).await;
    }
    let cfg = notify_config();
    let workers: Vec<_> = (0..2)
        .map(|_| {
            let (url, cfg) = (db.url.clone(), cfg.clone());
            std::thread::spawn(move || {
                let mut conn = qinqing::db::Backend::from_url(&url)
                    .connect()
                    .unwrap_or_else(|e| panic!("{e}"));
                qinqing::notify::deliver_due(&mut conn, &cfg, qinqing::store::now())
                    .unwrap_or_else(|e| panic!("{e:?}"))
            })
        })
        .collect();
    let delivered: usize = workers
        .into_iter()
        .map(|h| {
            h.join()
                .unwrap_or_else(|_| panic!("a worker panicked"))
                .delivered
        })
        .sum();
    assert_eq!(delivered, 12);
    let mut ids: Vec<String> = hook
        .hits()
        .iter()
        .map(|h| h.header("x-qinqing-notice-id").to_owned())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!((hook.hits().len(), ids.len()), (12, 12));
}

/// A title written to phish (a Markdown link, an image, a heading, a mention, a bare
/// address) reaches a DingTalk and a WeCom group robot, a webhook and an e-mail as inert
/// text: the one link any of them carries is the service's own.
#[actix_rt::test]
async fn what_people_write_reaches_robots_as_plain_text_with_only_the_services_link() {
    let db = TestDb::new();
    let sink = SmtpSink::start();
    let mut cfg = notify_config();
    cfg.smtp_url = Some(format!("smtp://{}?tls=none", sink.addr));
    cfg.smtp_from = "qinqing@huzhou.example.gov.cn".into();
    let app = app_with(&db, &cfg).await;
    let w = world(&app, &db).await;
    let admin = w.token("admin").unwrap_or_default();
    let robots = Receiver::start();
    let dept = w.id("dept_a_department");
    for body in [
        json!({"kind": "dingtalk", "target": robots.url("/robot/send?access_token=t"), "department_id": dept}),
        json!({"kind": "wecom", "target": robots.url("/cgi-bin/webhook/send?key=k"), "department_id": dept}),
        json!({"kind": "webhook", "target": robots.url("/hook"), "secret": "a webhook secret 16+", "department_id": dept}),
        json!({"kind": "email", "target": "jxj@deqing.example.gov.cn", "department_id": dept}),
    ] {
        let r = post(&app, admin, "/api/v1/channels", body).await;
        assert_eq!(r.status, 201, "{}", r.text);
    }
    let title = "标题[紧急：点此处理](http://evil.example/t)![img](https://evil.example/i.png) #### 通知 @all <a href=\"http://evil.example\">x</a> www.evil.example";
    let r = post(
        &app,
        w.token("ent_a").unwrap_or_default(),
        "/api/v1/issues",
        json!({"title": title, "description": "见标题", "category": "land", "channel": "online"}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let id = r.body["id"].as_i64().unwrap_or_default();
    let r = post(
        &app,
        w.token("coord_city").unwrap_or_default(),
        &format!("/api/v1/issues/{id}/assign"),
        json!({"lead_department_id": dept}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let sent = deliver(&db, &cfg, qinqing::store::now());
    assert_eq!(sent.delivered, 4, "{sent:?}");

    let own = format!("https://qinqing.example.gov.cn/issues/{id}");
    let inert = |what: &str, text: &str| {
        // The service's own heading and link are all the Markdown a notice has.
        let rest = text
            .replace(&format!("[查看详情]({own})"), "")
            .replace(&own, "")
            .replace("#### 亲清直通车·", "");
        for bad in ["://", "www.", "](", "![", "<a", "@all", "####"] {
            assert!(!rest.contains(bad), "{what} carries {bad:?}: {text}");
        }
        assert!(
            text.contains(&own),
            "{what} lacks the service's link: {text}"
        );
        assert!(text.contains("紧急"), "{what} lost the words: {text}");
    };
    let hits = robots.hits();
    let find = |prefix: &str| {
        hits.iter()
            .find(|h| h.target.starts_with(prefix))
            .unwrap_or_else(|| panic!("{prefix}: {hits:?}"))
            .json()
    };
    let ding = find("/robot/");
    inert(
        "DingTalk",
        ding["markdown"]["text"].as_str().unwrap_or_default(),
    );
    let wecom = find("/cgi-bin/");
    inert(
        "WeCom",
        wecom["markdown"]["content"].as_str().unwrap_or_default(),
    );
    let hook = find("/hook");
    let text = format!(
        "{} {}",
        hook["text"].as_str().unwrap_or_default(),
        hook["link"].as_str().unwrap_or_default()
    );
    inert("the webhook", &text);
    let mails = sink.mails();
    assert_eq!(mails.len(), 1, "{mails:?}");
    let data = &mails[0].data;
    let decoded = match data.split_once("\r\n\r\n") {
        Some((head, body)) if head.contains("base64") => String::from_utf8(
            base64::engine::general_purpose::STANDARD
                .decode(body.replace("\r\n", ""))
                .unwrap_or_default(),
        )
        .unwrap_or_default(),
        Some((_, body)) => body.replace("=\r\n", ""),
        None => String::new(),
    };
    let rest = decoded.replace(&own, "");
    assert!(!rest.contains("://") && !rest.contains("www."), "{decoded}");
}
