//! Administration over the API: one-time passwords, 取消本期 and the edition dates, 合并,
//! 负责类别, channel tests and 重新投递, and 批量导入 from CSV and XLSX — each leaving its line
//! in 操作日志.

use actix_web::http::{header, Method};
use actix_web::test::TestRequest;
use serde_json::{json, Value};

use crate::common::receiver::{Answer, Receiver};
use crate::common::*;

/// The audit lines of one kind of object and action.
fn audit_lines(conn: &mut qinqing::db::DbConn, object: &str, action: &str) -> i64 {
    count(
        conn,
        &format!(
            "SELECT COUNT(*) AS n FROM audit_log WHERE object = '{object}' AND action = '{action}'"
        ),
    )
}

#[actix_rt::test]
async fn a_reset_password_is_one_time_and_must_be_changed_before_anything_else() {
    let db = TestDb::new();
    let app = app(&db).await;
    let w = world(&app, &db).await;
    let admin = w.token("admin").unwrap_or_default().to_owned();
    let old = w.token("ent_a").unwrap_or_default().to_owned();
    let id = w.id("ent_a");
    let path = format!("/api/v1/users/{id}/password");
    // No body: the service makes one up.
    let r = send(&app, Method::POST, &path, Some(&admin), None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let once = r.body["one_time_password"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(once.len() >= 12, "{once}");
    // The earlier token and password stop working.
    send(&app, Method::GET, "/api/v1/me", Some(&old), None)
        .await
        .problem(401);
    let r = send(
        &app,
        Method::POST,
        "/api/v1/auth/login",
        None,
        Some(&json!({"username": "ent.a", "password": PASSWORD})),
    )
    .await;
    r.problem(401);
    let r = send(
        &app,
        Method::POST,
        "/api/v1/auth/login",
        None,
        Some(&json!({"username": "ent.a", "password": once})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["must_change_password"], true);
    assert_eq!(r.body["user"]["must_change_password"], true);
    let t = r.body["access_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    // Everything but reading oneself and choosing a password is refused until then.
    for (m, p) in [
        (Method::GET, "/api/v1/issues"),
        (Method::GET, "/api/v1/notifications"),
        (Method::GET, "/api/v1/stats/summary"),
    ] {
        send(&app, m, p, Some(&t), None).await.problem(403);
    }
    let r = send(&app, Method::GET, "/api/v1/me", Some(&t), None).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["must_change_password"], true);
    let body = json!({"current_password": once, "new_password": "my own long password"});
    let r = send(
        &app,
        Method::POST,
        "/api/v1/me/password",
        Some(&t),
        Some(&body),
    )
    .await;
    assert_eq!(r.status, 204, "{}", r.text);
    let t = login(&app, "ent.a", "my own long password").await;
    let r = send(&app, Method::GET, "/api/v1/issues", Some(&t), None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = send(&app, Method::GET, "/api/v1/me", Some(&t), None).await;
    assert_eq!(r.body["must_change_password"], false);
    // A password the administrator reads out is taken too, within the policy.
    let r = send(
        &app,
        Method::POST,
        &path,
        Some(&admin),
        Some(&json!({"password": "short"})),
    )
    .await;
    r.problem(422);
    assert_eq!(r.error_fields(), ["password"]);
    // Only an administrator; an unknown user is a 404.
    send(&app, Method::POST, &path, Some(&t), None)
        .await
        .problem(403);
    send(
        &app,
        Method::POST,
        "/api/v1/users/999999/password",
        Some(&admin),
        None,
    )
    .await
    .problem(404);
    let mut conn = db.connect();
    assert_eq!(audit_lines(&mut conn, "user", "reset_password"), 1);
    // The password itself is never in the log.
    assert_eq!(
        count(
            &mut conn,
            &format!("SELECT COUNT(*) AS n FROM audit_log WHERE after LIKE '%{once}%'")
        ),
        0
    );
}

#[actix_rt::test]
async fn editions_are_proposed_after_the_latest_refused_in_the_past_and_cancelled_whole() {
    let db = TestDb::new();
    let app = app(&db).await;
    let w = world(&app, &db).await;
    let coord = w.token("coord_city").unwrap_or_default().to_owned();
    let c = Some(coord.as_str());
    let today = qinqing::domain::time::today();
    let next = send(&app, Method::GET, "/api/v1/editions/next", c, None).await;
    assert_eq!(next.status, 200, "{}", next.text);
    let day = next.body["held_on"].as_str().unwrap_or_default().to_owned();
    let d = chrono::NaiveDate::parse_from_str(&day, "%Y-%m-%d").unwrap_or(today);
    assert_eq!(chrono::Datelike::weekday(&d), chrono::Weekday::Wed);
    assert!(d > today, "{d} after {today}");
    // A day in the past is refused unless it is the record of an edition already held.
    let past = today - chrono::Duration::days(7);
    let r = send(
        &app,
        Method::POST,
        "/api/v1/editions/plan",
        c,
        Some(&json!({"held_on": past, "theme": "补录", "region_ids": [DEQING], "reschedule_reason": "专场"})),
    )
    .await;
    r.problem(422);
    assert_eq!(r.error_fields(), ["held_on"]);
    // A day other than Wednesday needs a reason, named as such.
    let thursday = d + chrono::Duration::days(1);
    let r = send(
        &app,
        Method::POST,
        "/api/v1/editions/plan",
        c,
        Some(&json!({"held_on": thursday, "theme": "周四", "region_ids": [DEQING]})),
    )
    .await;
    r.problem(422);
    assert_eq!(r.error_fields(), ["reschedule_reason"]);
    // Planned on the proposed day; then that day is taken and the next is proposed.
    let r = send(
        &app,
        Method::POST,
        "/api/v1/editions/plan",
        c,
        Some(&json!({"theme": "下一期", "region_ids": [DEQING, CHANGXING]})),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["edition"]["held_on"], day.as_str());
    let edition = r.body["edition"]["id"].as_i64().unwrap_or_default();
    let forum = r.body["forums"][0]["id"].as_i64().unwrap_or_default();
    let r = send(
        &app,
        Method::POST,
        "/api/v1/editions/plan",
        c,
        Some(&json!({"held_on": day, "theme": "重复", "region_ids": [DEQING]})),
    )
    .await;
    r.problem(409);
    assert_eq!(r.error_fields(), ["held_on"]);
    let later = send(&app, Method::GET, "/api/v1/editions/next", c, None).await;
    assert_eq!(
        later.body["held_on"],
        (d + chrono::Duration::days(7)).to_string()
    );
    // The enterprises of 德清 were told of it (恳谈会预告, as the reminders make it).
    let mut conn = db.connect();
    exec(
        &mut conn,
        &format!(
            "INSERT INTO notices (kind, text, link, region_id, dedupe_key, created_at) \
             VALUES ('forum_upcoming', '预告', '/forums', {DEQING}, 'forum:{forum}:{day}', CURRENT_TIMESTAMP)"
        ),
    );
    // 取消本期: only the city's coordinator, with a reason.
    let cancel = format!("/api/v1/editions/{edition}/cancel");
    let district = w.token("coord_a").unwrap_or_default();
    send(
        &app,
        Method::POST,
        &cancel,
        Some(district),
        Some(&json!({"reason": "台风"})),
    )
    .await
    .problem(403);
    let r = send(
        &app,
        Method::POST,
        &cancel,
        c,
        Some(&json!({"reason": "  "})),
    )
    .await;
    r.problem(422);
    assert_eq!(r.error_fields(), ["reason"]);
    let r = send(
        &app,
        Method::POST,
        &cancel,
        c,
        Some(&json!({"reason": "台风预警，本周暂停"})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["cancelled"], true);
    assert_eq!(r.body["forums"]["cancelled"], 2);
    assert_eq!(r.body["forums"]["scheduled"], 0);
    send(
        &app,
        Method::POST,
        &cancel,
        c,
        Some(&json!({"reason": "再取消"})),
    )
    .await
    .problem(409);
    // The forum told is told again; the one never announced is cancelled quietly.
    assert_eq!(
        count(
            &mut conn,
            "SELECT COUNT(*) AS n FROM notices WHERE dedupe_key LIKE 'forum\\_off:%' ESCAPE '\\'"
        ),
        1
    );
    let ent = w.token("ent_a").unwrap_or_default();
    let r = send(&app, Method::GET, "/api/v1/notifications", Some(ent), None).await;
    let told = r.body["items"]
        .as_array()
        .map(|a| {
            a.iter().any(|n| {
                n["text"]
                    .as_str()
                    .unwrap_or("")
                    .contains("取消，原因：台风预警")
            })
        })
        .unwrap_or(false);
    assert!(told, "{}", r.text);
    // Its day is free again, and proposed again.
    let again = send(&app, Method::GET, "/api/v1/editions/next", c, None).await;
    assert_eq!(again.body["held_on"], day.as_str());
    // A held forum cannot be cancelled with its edition.
    let r = send(
        &app,
        Method::POST,
        &format!("/api/v1/editions/{}/cancel", w.id("edition")),
        c,
        Some(&json!({"reason": "x"})),
    )
    .await;
    r.problem(409);
    assert_eq!(audit_lines(&mut conn, "edition", "cancel"), 1);
}

#[actix_rt::test]
async fn merging_two_records_of_one_company_keeps_every_issue_attendance_and_account() {
    let db = TestDb::new();
    let app = app(&db).await;
    let w = world(&app, &db).await;
    let admin = w.token("admin").unwrap_or_default().to_owned();
    let coord = w.token("coord_city").unwrap_or_default().to_owned();
    let kept = w.id("ent_a_enterprise");
    // The same company registered again, in error, with an issue and an attendance of its own.
    let dup = create(
        &app,
        &admin,
        "/api/v1/enterprises",
        json!({"name": "德清甲公司（重复）", "credit_code": credit_code(77), "region_id": DEQING,
               "industry": "制造业", "size": "small"}),
    )
    .await;
    let r = send(
        &app,
        Method::POST,
        "/api/v1/issues",
        Some(&coord),
        Some(
            &json!({"title": "重复登记的企业反映的问题", "description": "说明", "category": "other",
                     "channel": "visit", "enterprise_id": dup}),
        ),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let issue = r.body["id"].as_i64().unwrap_or_default();
    let forum = w.id("forum_a");
    for (ent, person) in [(dup, "李四"), (dup, "张三")] {
        let r = send(
            &app,
            Method::POST,
            &format!("/api/v1/forums/{forum}/attendees"),
            Some(&coord),
            Some(&json!({"person_name": person, "title": "经理", "enterprise_id": ent})),
        )
        .await;
        assert_eq!(r.status, 201, "{}", r.text);
    }
    let path = format!("/api/v1/enterprises/{dup}/merge");
    // Only an administrator; not into itself; not into nothing.
    send(
        &app,
        Method::POST,
        &path,
        Some(&coord),
        Some(&json!({"into": kept})),
    )
    .await
    .problem(403);
    let r = send(
        &app,
        Method::POST,
        &path,
        Some(&admin),
        Some(&json!({"into": dup})),
    )
    .await;
    r.problem(422);
    assert_eq!(r.error_fields(), ["into"]);
    let r = send(
        &app,
        Method::POST,
        &path,
        Some(&admin),
        Some(&json!({"into": 999999})),
    )
    .await;
    r.problem(422);
    assert_eq!(r.error_fields(), ["into"]);
    let r = send(
        &app,
        Method::POST,
        &path,
        Some(&admin),
        Some(&json!({"into": kept})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["enterprise"]["id"], kept);
    assert_eq!(r.body["moved"]["issues"], 1);
    // 张三 attended for both records: kept once.
    assert_eq!(r.body["moved"]["attendances"], 1);
    assert_eq!(r.body["moved"]["attendances_folded"], 1);
    send(
        &app,
        Method::GET,
        &format!("/api/v1/enterprises/{dup}"),
        Some(&admin),
        None,
    )
    .await
    .problem(404);
    let r = send(
        &app,
        Method::GET,
        &format!("/api/v1/issues/{issue}"),
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(r.body["enterprise_id"], kept, "{}", r.text);
    // The kept company's own user now sees the issue.
    let ent = w.token("ent_a").unwrap_or_default();
    let r = send(
        &app,
        Method::GET,
        &format!("/api/v1/issues/{issue}"),
        Some(ent),
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let mut conn = db.connect();
    assert_eq!(
        count(
            &mut conn,
            &format!("SELECT COUNT(*) AS n FROM issue_history WHERE enterprise_id = {dup}")
        ),
        0
    );
    assert_eq!(audit_lines(&mut conn, "enterprise", "merge"), 1);
}

#[actix_rt::test]
async fn a_departments_categories_are_offered_first() {
    let db = TestDb::new();
    let app = app(&db).await;
    let w = world(&app, &db).await;
    let admin = w.token("admin").unwrap_or_default().to_owned();
    let dept = w.id("dept_b_department");
    let path = format!("/api/v1/departments/{dept}");
    let r = send(
        &app,
        Method::PATCH,
        &path,
        Some(&admin),
        Some(&json!({"categories": ["financing", "financing"]})),
    )
    .await;
    r.problem(422);
    let r = send(
        &app,
        Method::PATCH,
        &path,
        Some(&admin),
        Some(&json!({"categories": ["financing", "land"]})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["categories"], json!(["financing", "land"]));
    let mut conn = db.connect();
    let leads = qinqing::service::departments::usual_leads(
        &mut conn,
        qinqing::domain::issue::Category::Financing,
    )
    .unwrap_or_default();
    assert_eq!(leads.first(), Some(&dept), "{leads:?}");
    let r = send(
        &app,
        Method::PATCH,
        &path,
        Some(&admin),
        Some(&json!({"categories": []})),
    )
    .await;
    assert_eq!(r.body["categories"], json!([]));
}

#[actix_rt::test]
async fn a_channel_is_tested_and_a_failed_delivery_sent_again() {
    let db = TestDb::new();
    let app = app(&db).await;
    let w = world(&app, &db).await;
    let admin = w.token("admin").unwrap_or_default().to_owned();
    let hook = Receiver::start();
    hook.script(&[Answer::Status(200, "ok"), Answer::Status(500, "down")]);
    let channel = create(
        &app,
        &admin,
        "/api/v1/channels",
        json!({"kind": "webhook", "target": hook.url("/hook"), "secret": "a secret of sixteen+", "department_id": w.id("dept_a_department")}),
    )
    .await;
    let test = format!("/api/v1/channels/{channel}/test");
    let r = send(&app, Method::POST, &test, Some(&admin), None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body, json!({"delivered": true}));
    let hits = hook.wait_for(1, std::time::Duration::from_secs(5));
    assert!(hits[0].json()["text"]
        .as_str()
        .unwrap_or("")
        .contains("测试消息"));
    let r = send(&app, Method::POST, &test, Some(&admin), None).await;
    assert_eq!(r.body["delivered"], false);
    assert!(
        r.body["error"].as_str().unwrap_or("").contains("500"),
        "{}",
        r.text
    );
    let coord = w.token("coord_city").unwrap_or_default();
    send(&app, Method::POST, &test, Some(coord), None)
        .await
        .problem(403);
    // A delivery that failed for good, listed with its error and queued again.
    let mut conn = db.connect();
    exec(
        &mut conn,
        "INSERT INTO notices (kind, text, link, created_at) VALUES ('assigned', '新交办：测试', '/issues', CURRENT_TIMESTAMP)",
    );
    exec(
        &mut conn,
        &format!(
            "INSERT INTO deliveries (notice_id, channel_id, status, attempts, next_attempt_at, last_error, created_at) \
             SELECT MAX(id), {channel}, 'failed', 8, CURRENT_TIMESTAMP, 'HTTP 500 from the receiver', CURRENT_TIMESTAMP FROM notices"
        ),
    );
    let r = send(
        &app,
        Method::GET,
        "/api/v1/deliveries?status=failed",
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["total"], 1);
    assert_eq!(
        r.body["items"][0]["last_error"],
        "HTTP 500 from the receiver"
    );
    let id = r.body["items"][0]["id"].as_i64().unwrap_or_default();
    let retry = format!("/api/v1/deliveries/{id}/retry");
    let r = send(&app, Method::POST, &retry, Some(&admin), None).await;
    assert_eq!(r.status, 204, "{}", r.text);
    let r = send(
        &app,
        Method::GET,
        "/api/v1/deliveries?status=pending",
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(r.body["items"][0]["attempts"], 0);
    send(&app, Method::POST, &retry, Some(&admin), None)
        .await
        .problem(409);
    send(
        &app,
        Method::POST,
        "/api/v1/deliveries/999999/retry",
        Some(&admin),
        None,
    )
    .await
    .problem(404);
    let r = send(
        &app,
        Method::GET,
        "/api/v1/deliveries?status=lost",
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(r.status, 400, "{}", r.text);
    assert_eq!(audit_lines(&mut conn, "channel", "test"), 2);
    assert_eq!(audit_lines(&mut conn, "channel", "retry"), 1);
}

/// Sends a file to the import endpoint.
async fn import<S, B>(
    app: &S,
    token: &str,
    kind: &str,
    dry: bool,
    mime: &str,
    body: Vec<u8>,
) -> Reply
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody,
{
    let req = TestRequest::post()
        .uri(&format!("/api/v1/imports/{kind}?dry_run={dry}"))
        .insert_header((header::AUTHORIZATION, format!("Bearer {token}")))
        .insert_header((header::CONTENT_TYPE, mime))
        .set_payload(body);
    send_request(app, req).await
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// A workbook of rows (the first the headings), as a Federation's clerk saves it.
fn workbook(rows: &[Vec<String>]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            let (r, c) = (r as u32, c as u16);
            // A telephone typed as a number, as spreadsheets do.
            let written = match cell.parse::<f64>() {
                Ok(n) if cell.len() < 15 && !cell.starts_with('0') => sheet.write_number(r, c, n),
                _ => sheet.write_string(r, c, cell),
            };
            written.unwrap_or_else(|e| panic!("{e}"));
        }
    }
    book.save_to_buffer().unwrap_or_else(|e| panic!("{e}"))
}

fn errors_of(r: &Reply) -> Vec<(i64, String)> {
    r.body["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| {
                    (
                        e["row"].as_i64().unwrap_or_default(),
                        e["column"].as_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[actix_rt::test]
async fn two_thousand_enterprises_import_from_a_workbook_once() {
    let db = TestDb::new();
    let app = app(&db).await;
    let admin = admin_token(&app, &db).await;
    let heading: Vec<String> = [
        "联系电话",
        "企业名称",
        "统一社会信用代码",
        "所属区县",
        "行业",
        "规模",
        "联系人",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let row = |n: u32| -> Vec<String> {
        vec![
            format!("1380000{n:04}"),
            format!("湖州测试企业{n}有限公司"),
            credit_code(100_000 + n),
            ["德清县", "长兴县", "湖州市"][n as usize % 3].to_owned(),
            "制造业".to_owned(),
            ["大型", "中型", "小型", "微型"][n as usize % 4].to_owned(),
            format!("联系人{n}"),
        ]
    };
    let mut rows = vec![heading];
    rows.extend((1..=2000).map(row));
    let good = rows.clone();
    // Three bad rows: a wrong check character (row 11), an unknown district (row 501), a
    // size nobody uses (row 1501).
    let mut bad_code = rows[10][2].clone();
    let last = bad_code.pop().unwrap_or('0');
    bad_code.push(if last == '1' { '2' } else { '1' });
    rows[10][2] = bad_code;
    rows[500][3] = "火星区".into();
    rows[1500][5] = "巨型".into();
    let r = import(&app, &admin, "enterprises", true, XLSX, workbook(&rows)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        errors_of(&r),
        vec![
            (11, "统一社会信用代码".to_owned()),
            (501, "所属区县".to_owned()),
            (1501, "规模".to_owned())
        ],
        "{}",
        r.body["errors"]
    );
    let first = r.body["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(
        first.starts_with("第11行 统一社会信用代码（C列）"),
        "{first}"
    );
    assert_eq!(r.body["created"], 1997);
    // A real run with the bad rows writes nothing.
    let r = import(&app, &admin, "enterprises", false, XLSX, workbook(&rows)).await;
    assert_eq!(r.status, 422, "{}", r.text);
    let mut conn = db.connect();
    assert_eq!(count(&mut conn, "SELECT COUNT(*) AS n FROM enterprises"), 0);
    // Fixed, it creates 2,000; again, 2,000 unchanged.
    let r = import(&app, &admin, "enterprises", false, XLSX, workbook(&good)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["created"], 2000, "{}", r.body["errors"]);
    assert_eq!(
        count(&mut conn, "SELECT COUNT(*) AS n FROM enterprises"),
        2000
    );
    assert_eq!(
        count(
            &mut conn,
            "SELECT COUNT(*) AS n FROM enterprises WHERE contact_phone = '13800000007' AND size = 'large'"
        ),
        0
    );
    assert_eq!(
        count(
            &mut conn,
            "SELECT COUNT(*) AS n FROM enterprises WHERE contact_phone = '13800000008' AND size = 'large'"
        ),
        1
    );
    let r = import(&app, &admin, "enterprises", false, XLSX, workbook(&good)).await;
    assert_eq!(r.body["unchanged"], 2000, "{}", r.text);
    assert_eq!(r.body["created"], 0);
    // One row changed: one update.
    let mut changed = good.clone();
    changed[7][4] = "纺织业".into();
    let r = import(&app, &admin, "enterprises", true, XLSX, workbook(&changed)).await;
    assert_eq!(
        (r.body["updated"].clone(), r.body["unchanged"].clone()),
        (json!(1), json!(1999))
    );
    assert_eq!(audit_lines(&mut conn, "import", "import"), 2);
}

#[actix_rt::test]
async fn departments_and_accounts_import_from_csv_with_one_time_passwords() {
    let db = TestDb::new();
    let app = app(&db).await;
    let admin = admin_token(&app, &db).await;
    // GB18030, as Excel on a Chinese Windows saves CSV; a second catch-all in one district
    // is refused, naming the row that took the place first.
    let csv = "部门名称,所属区县,兜底部门\n德清县经信局,德清县,否\n德清县政务服务中心,德清县,是\n德清县发改局,德清县,是\n长兴县经信局,330522,\n";
    let (gb, _, _) = encoding_rs::GB18030.encode(csv);
    let r = import(&app, &admin, "departments", true, "text/csv", gb.to_vec()).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(errors_of(&r), vec![(4, "兜底部门".to_owned())]);
    let message = r.body["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("第3行"), "{message}");
    let fixed = csv.replace("德清县发改局,德清县,是", "德清县发改局,德清县,否");
    let r = import(
        &app,
        &admin,
        "departments",
        false,
        "text/csv; charset=utf-8",
        fixed.clone().into_bytes(),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["created"], 4);
    let r = import(
        &app,
        &admin,
        "departments",
        false,
        "text/csv",
        fixed.into_bytes(),
    )
    .await;
    assert_eq!(r.body["unchanged"], 4);
    // An enterprise for the enterprise account.
    let ent = create(
        &app,
        &admin,
        "/api/v1/enterprises",
        json!({"name": "德清甲公司", "credit_code": credit_code(1), "region_id": DEQING,
               "industry": "制造业", "size": "small"}),
    )
    .await;
    let users = format!(
        "\u{feff}用户名,姓名,角色,所属区县,部门,企业统一社会信用代码\n\
         wang.fang,王芳,协调员,德清县,,\n\
         li.jing,李静,部门,德清县,德清县经信局,\n\
         zhao.lei,赵磊,企业,,,{}\n\
         Bad Name,某人,领导,,,\n\
         qian.wu,钱武,老板,,,\n",
        credit_code(1)
    );
    let r = import(
        &app,
        &admin,
        "users",
        false,
        "text/csv",
        users.clone().into_bytes(),
    )
    .await;
    r.problem(422);
    assert_eq!(
        errors_of(&r),
        vec![
            (5, "用户名".to_owned()),
            (5, "所属区县".to_owned()),
            (6, "角色".to_owned())
        ]
    );
    let mut conn = db.connect();
    assert_eq!(
        count(
            &mut conn,
            "SELECT COUNT(*) AS n FROM users WHERE username = 'wang.fang'"
        ),
        0
    );
    let good: String = users.lines().take(4).map(|l| format!("{l}\n")).collect();
    let r = import(
        &app,
        &admin,
        "users",
        false,
        "text/csv",
        good.clone().into_bytes(),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["created"], 3);
    let passwords = r.body["one_time_passwords"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(passwords.len(), 3);
    let pw = passwords
        .iter()
        .find(|p| p["username"] == "zhao.lei")
        .map(|p| p["password"].as_str().unwrap_or_default().to_owned())
        .unwrap_or_default();
    let r = send(
        &app,
        Method::POST,
        "/api/v1/auth/login",
        None,
        Some(&json!({"username": "zhao.lei", "password": pw})),
    )
    .await;
    assert_eq!(r.body["must_change_password"], true, "{}", r.text);
    assert_eq!(r.body["user"]["enterprise_id"], ent);
    // Again: unchanged, and no new passwords.
    let r = import(&app, &admin, "users", false, "text/csv", good.into_bytes()).await;
    assert_eq!(r.body["unchanged"], 3, "{}", r.text);
    assert!(r.body.get("one_time_passwords").is_none());
    // What is not a spreadsheet is refused clearly.
    let r = import(
        &app,
        &admin,
        "users",
        false,
        XLSX,
        b"not a workbook".to_vec(),
    )
    .await;
    r.problem(422);
    assert_eq!(r.error_fields(), ["file"]);
    let r = import(
        &app,
        &admin,
        "users",
        false,
        "application/json",
        b"{}".to_vec(),
    )
    .await;
    r.problem(415);
    let r = import(&app, &admin, "people", false, "text/csv", b"a".to_vec()).await;
    r.problem(404);
    let r = import(
        &app,
        &admin,
        "users",
        true,
        "text/csv",
        "姓名\n张三\n".into(),
    )
    .await;
    assert_eq!(r.status, 200);
    let missing: Vec<Value> = r.body["errors"].as_array().cloned().unwrap_or_default();
    assert_eq!(missing.len(), 2, "{}", r.text);
    // A cell holding NUL is refused by row and column, never stored.
    let r = import(
        &app,
        &admin,
        "departments",
        true,
        "text/csv",
        "部门名称,所属区县\n坏\u{0}部门,德清县\n".into(),
    )
    .await;
    assert_eq!(
        errors_of(&r),
        vec![(2, "部门名称".to_owned())],
        "{}",
        r.text
    );
    // Only an administrator.
    let coord_token = {
        create(
            &app,
            &admin,
            "/api/v1/users",
            json!({"username": "coord.x", "password": PASSWORD, "display_name": "协调", "role": "coordinator", "region_id": CITY}),
        )
        .await;
        login(&app, "coord.x", PASSWORD).await
    };
    import(
        &app,
        &coord_token,
        "users",
        true,
        "text/csv",
        "用户名\n".into(),
    )
    .await
    .problem(403);
}
