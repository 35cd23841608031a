//! Reference data: regions, departments, enterprises and the working-day calendar.

use crate::common::*;
use actix_web::http::Method;
use chrono::{Datelike, NaiveDate};
use serde_json::{json, Value};

#[actix_rt::test]
async fn huzhou_is_seeded_and_regions_form_a_tree() {
    let db = TestDb::new();
    let app = app(&db).await;
    let admin = admin_token(&app, &db).await;
    let r = send(
        &app,
        Method::GET,
        "/api/v1/regions?per_page=100",
        Some(&admin),
        None,
    )
    .await;
    let names: Vec<&str> = r.body["items"]
        .as_array()
        .map(|a| a.iter().filter_map(|x| x["name"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        names,
        [
            "湖州市",
            "吴兴区",
            "南浔区",
            "德清县",
            "长兴县",
            "安吉县",
            "南太湖新区"
        ]
    );
    let r = send(
        &app,
        Method::GET,
        "/api/v1/regions?parent_id=1",
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(r.body["total"], 6);
    let r = send(
        &app,
        Method::GET,
        &format!("/api/v1/regions?q={}", enc("德清")),
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(r.body["total"], 1);

    // A town under 德清县, then a village under the town.
    let town = create(
        &app,
        &admin,
        "/api/v1/regions",
        json!({"code": "330521001", "name": "武康街道", "parent_id": DEQING}),
    )
    .await;
    let village = create(
        &app,
        &admin,
        "/api/v1/regions",
        json!({"code": "330521001001", "name": "某社区", "parent_id": town}),
    )
    .await;
    let r = send(
        &app,
        Method::POST,
        "/api/v1/regions",
        Some(&admin),
        Some(&json!({"code": "330521001", "name": "重复", "parent_id": DEQING})),
    )
    .await;
    r.problem(409);
    assert_eq!(r.error_fields(), vec!["code"]);
    let r = send(
        &app,
        Method::POST,
        "/api/v1/regions",
        Some(&admin),
        Some(&json!({"code": "x", "name": "", "parent_id": 999})),
    )
    .await;
    r.problem(422);
    assert_eq!(r.error_fields(), vec!["name"]);
    let r = send(
        &app,
        Method::POST,
        "/api/v1/regions",
        Some(&admin),
        Some(&json!({"code": "x", "name": "无", "parent_id": 999})),
    )
    .await;
    r.problem(422);
    assert_eq!(r.error_fields(), vec!["parent_id"]);
    // A region cannot move under its own descendant.
    let r = send(
        &app,
        Method::PATCH,
        &format!("/api/v1/regions/{town}"),
        Some(&admin),
        Some(&json!({"parent_id": village})),
    )
    .await;
    r.problem(422);
    assert_eq!(r.error_fields(), vec!["parent_id"]);

    // Moving the town to 长兴县 moves the village with it: a 长兴 coordinator's scope now
    // covers an enterprise registered in the village, a 德清 coordinator's no longer does.
    let ent = create(
        &app,
        &admin,
        "/api/v1/enterprises",
        json!({"name": "村里企业", "credit_code": credit_code(7),
        "region_id": village, "industry": "农业", "size": "micro"}),
    )
    .await;
    for (name, region) in [("coord.dq", DEQING), ("coord.cx", CHANGXING)] {
        create(
            &app,
            &admin,
            "/api/v1/users",
            json!({"username": name, "password": PASSWORD, "display_name": name,
            "role": "coordinator", "region_id": region}),
        )
        .await;
    }
    let dq = login(&app, "coord.dq", PASSWORD).await;
    let cx = login(&app, "coord.cx", PASSWORD).await;
    let path = format!("/api/v1/enterprises/{ent}");
    assert_eq!(
        send(&app, Method::GET, &path, Some(&dq), None).await.status,
        200
    );
    send(&app, Method::GET, &path, Some(&cx), None)
        .await
        .problem(404);
    let r = send(
        &app,
        Method::PATCH,
        &format!("/api/v1/regions/{town}"),
        Some(&admin),
        Some(&json!({"parent_id": CHANGXING})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["parent_id"], CHANGXING);
    send(&app, Method::GET, &path, Some(&dq), None)
        .await
        .problem(404);
    assert_eq!(
        send(&app, Method::GET, &path, Some(&cx), None).await.status,
        200
    );
}

#[actix_rt::test]
async fn departments_have_unique_names_and_one_catch_all_per_region() {
    let db = TestDb::new();
    let app = app(&db).await;
    let admin = admin_token(&app, &db).await;
    let path = "/api/v1/departments";
    create(
        &app,
        &admin,
        path,
        json!({"name": "市发改委", "region_id": CITY}),
    )
    .await;
    let office = create(
        &app,
        &admin,
        path,
        json!({"name": "市营商环境办", "region_id": CITY, "catch_all": true}),
    )
    .await;
    let cases: Vec<(Value, u16, Vec<&str>)> = vec![
        (
            json!({"name": "市发改委", "region_id": CITY}),
            409,
            vec!["name"],
        ),
        (
            json!({"name": "市兜底办", "region_id": CITY, "catch_all": true}),
            409,
            vec!["catch_all"],
        ),
        (
            json!({"name": "德清县兜底办", "region_id": DEQING, "catch_all": true}),
            201,
            vec![],
        ),
        (
            json!({"name": "市发改委", "region_id": DEQING}),
            201,
            vec![],
        ),
        (
            json!({"name": "无处", "region_id": 999}),
            422,
            vec!["region_id"],
        ),
        (json!({"name": "  ", "region_id": CITY}), 422, vec!["name"]),
        (
            json!({"name": "x", "region_id": CITY, "boss": "y"}),
            400,
            vec!["boss"],
        ),
    ];
    for (body, status, fields) in cases {
        let r = send(&app, Method::POST, path, Some(&admin), Some(&body)).await;
        assert_eq!(r.status.as_u16(), status, "{body}: {}", r.text);
        if status != 201 {
            r.problem(status);
            assert_eq!(r.error_fields(), fields, "{body}");
        }
    }
    let r = send(
        &app,
        Method::PATCH,
        &format!("{path}/{office}"),
        Some(&admin),
        Some(&json!({"active": false})),
    )
    .await;
    assert_eq!(r.body["active"], false);
    let r = send(
        &app,
        Method::GET,
        &format!("{path}?region_id={CITY}&active=true"),
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(r.body["total"], 1);
    let r = send(
        &app,
        Method::GET,
        &format!("{path}?q={}", enc("发改")),
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(r.body["total"], 2);
}

#[actix_rt::test]
async fn enterprises_are_checked() {
    let db = TestDb::new();
    let app = app(&db).await;
    let admin = admin_token(&app, &db).await;
    let path = "/api/v1/enterprises";
    let good = credit_code(42);
    let mut wrong_check = good.clone();
    let last = wrong_check.pop().unwrap_or('0');
    wrong_check.push(if last == '1' { '2' } else { '1' });
    let base = |code: &str| {
        json!({"name": "湖州某科技有限公司", "credit_code": code, "region_id": CITY,
        "industry": "软件和信息技术服务业", "size": "small", "contact_name": "王五", "contact_phone": "13800000000"})
    };
    let r = send(
        &app,
        Method::POST,
        path,
        Some(&admin),
        Some(&base(&good.to_lowercase())),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["credit_code"], good.as_str());
    assert_eq!(r.body["name"], "湖州某科技有限公司");
    let id = r.body["id"].as_i64().unwrap_or_default();
    let cases: Vec<(Value, u16, Vec<&str>)> = vec![
        (base(&good), 409, vec!["credit_code"]),
        (base(&wrong_check), 422, vec!["credit_code"]),
        (base("91330500MA2B0000"), 422, vec!["credit_code"]),
        (
            {
                let mut b = base(&credit_code(43));
                b["size"] = json!("huge");
                b
            },
            422,
            vec!["size"],
        ),
        (
            {
                let mut b = base(&credit_code(43));
                b["contact_phone"] = json!("call me");
                b
            },
            422,
            vec!["contact_phone"],
        ),
        (
            {
                let mut b = base(&credit_code(43));
                b["region_id"] = json!(999);
                b
            },
            422,
            vec!["region_id"],
        ),
        (
            {
                let mut b = base(&credit_code(43));
                b["name"] = json!("");
                b["industry"] = json!("");
                b
            },
            422,
            vec!["name", "industry"],
        ),
    ];
    for (body, status, fields) in cases {
        let r = send(&app, Method::POST, path, Some(&admin), Some(&body)).await;
        r.problem(status);
        assert_eq!(r.error_fields(), fields, "{body}");
    }
    let other = create(&app, &admin, path, base(&credit_code(44))).await;
    let r = send(
        &app,
        Method::PATCH,
        &format!("{path}/{other}"),
        Some(&admin),
        Some(&json!({"credit_code": good})),
    )
    .await;
    r.problem(409);
    let r = send(
        &app,
        Method::PATCH,
        &format!("{path}/{id}"),
        Some(&admin),
        Some(&json!({"contact_phone": null, "size": "medium"})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["contact_phone"], Value::Null);
    assert_eq!(r.body["size"], "medium");
    let r = send(
        &app,
        Method::GET,
        &format!("{path}?q={good}"),
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(r.body["total"], 1);
    let r = send(
        &app,
        Method::GET,
        &format!("{path}?size=medium"),
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(r.body["total"], 1);
    send(
        &app,
        Method::GET,
        &format!("{path}?size=huge"),
        Some(&admin),
        None,
    )
    .await
    .problem(400);
}

#[actix_rt::test]
async fn calendar_of_2022_and_2023_counts_due_dates() {
    let db = TestDb::new();
    let app = app(&db).await;
    let admin = admin_token(&app, &db).await;
    // 国办发明电〔2021〕11号 and 〔2022〕16号, as the service ships them.
    let as_json = |(h, w): (Vec<NaiveDate>, Vec<NaiveDate>)| json!({"holidays": h, "workdays": w});
    let y2022 = as_json(qinqing::domain::calendar::official::year_2022());
    let y2023 = as_json(qinqing::domain::calendar::official::year_2023());
    for (year, body) in [(2022, &y2022), (2023, &y2023)] {
        let r = send(
            &app,
            Method::PUT,
            &format!("/api/v1/calendar/{year}"),
            Some(&admin),
            Some(body),
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.text);
        let r = send(
            &app,
            Method::GET,
            &format!("/api/v1/calendar/{year}"),
            Some(&admin),
            None,
        )
        .await;
        assert_eq!(r.body["configured"], true);
        assert_eq!(r.body["holidays"], body["holidays"]);
        assert_eq!(r.body["workdays"], body["workdays"]);
    }
    let r = send(
        &app,
        Method::GET,
        "/api/v1/calendar/2030",
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(r.body["configured"], false);

    // Due dates counted from the stored calendar.
    let mut conn = db.connect();
    let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default();
    let cal = qinqing::store::calendar::load(&mut conn, d("2022-01-01"), d("2023-12-31"))
        .unwrap_or_default();
    let cases = [
        ("2022-06-08", 10, "2022-06-22"),
        ("2022-09-30", 10, "2022-10-19"),
        ("2022-01-26", 10, "2022-02-14"),
        ("2022-12-30", 10, "2023-01-16"),
        ("2023-01-18", 5, "2023-01-30"),
        ("2023-09-27", 5, "2023-10-10"),
    ];
    for (from, n, want) in cases {
        assert_eq!(cal.add_working_days(d(from), n), d(want), "{from} + {n}");
    }

    // Refusals name the offending entry.
    let r = send(&app, Method::PUT, "/api/v1/calendar/2022", Some(&admin),
        Some(&json!({"holidays": ["2023-01-01", "2022-05-01", "2022-05-01"], "workdays": ["2022-06-08"]}))).await;
    r.problem(422);
    assert_eq!(
        r.error_fields(),
        vec!["holidays[0]", "holidays[2]", "workdays[0]"]
    );
    let r = send(
        &app,
        Method::PUT,
        "/api/v1/calendar/2022",
        Some(&admin),
        Some(&json!({"holidays": ["June 8"], "workdays": []})),
    )
    .await;
    r.problem(422);
    assert_eq!(r.error_fields(), vec!["holidays[0]"]);
    send(
        &app,
        Method::GET,
        "/api/v1/calendar/1800",
        Some(&admin),
        None,
    )
    .await
    .problem(404);
    // The failed PUTs left 2022 as it was.
    let r = send(
        &app,
        Method::GET,
        "/api/v1/calendar/2022",
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(r.body["workdays"], y2022["workdays"]);
}

#[actix_rt::test]
async fn the_shipped_calendars_are_installed_and_a_missing_year_is_said() {
    let db = TestDb::new();
    let app = app(&db).await;
    let admin = admin_token(&app, &db).await;
    let this_year = qinqing::domain::time::today().year();
    let all: Vec<i32> = (2022..=this_year).collect();

    // Before: every year is missing, and each place that counts due dates says so.
    let r = send(&app, Method::GET, "/readyz", None, None).await;
    assert_eq!(r.body["calendar_missing"], json!(all), "{}", r.text);
    let r = send(
        &app,
        Method::GET,
        "/api/v1/stats/summary",
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(r.body["calendar_missing"], json!(all), "{}", r.text);
    for path in ["departments", "regions", "categories", "trend"] {
        let r = send(
            &app,
            Method::GET,
            &format!("/api/v1/stats/{path}"),
            Some(&admin),
            None,
        )
        .await;
        assert_eq!(r.body["calendar_missing"], json!(all), "{path}: {}", r.text);
    }

    // An administrator's own 2024 (a holiday the notice does not have) is kept.
    let r = send(
        &app,
        Method::PUT,
        "/api/v1/calendar/2024",
        Some(&admin),
        Some(&json!({"holidays": ["2024-03-08"], "workdays": []})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);

    // What `qinqing migrate` and every start do.
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_qinqing"))
        .args(["migrate", "--log-level", "warn"])
        .env("DATABASE_URL", &db.url)
        .status()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(status.success());

    let r = send(
        &app,
        Method::GET,
        "/api/v1/calendar/2026",
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(r.body["configured"], true, "{}", r.text);
    let holidays = r.body["holidays"].as_array().cloned().unwrap_or_default();
    assert!(holidays.contains(&json!("2026-10-01")), "{}", r.text);
    assert!(r.body["workdays"]
        .as_array()
        .is_some_and(|w| w.contains(&json!("2026-10-10"))));
    let r = send(
        &app,
        Method::GET,
        "/api/v1/calendar/2024",
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(r.body["holidays"], json!(["2024-03-08"]), "{}", r.text);

    // Only years past the shipped ones can be missing now.
    let after: Vec<i32> = (2027..=this_year).collect();
    let r = send(&app, Method::GET, "/readyz", None, None).await;
    assert_eq!(r.body["calendar_missing"], json!(after), "{}", r.text);
    let r = send(
        &app,
        Method::GET,
        "/api/v1/stats/report?year=2026",
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(
        r.body["figures"]["calendar_missing"],
        json!(after),
        "{}",
        r.text
    );

    // A due date across the 2026 National Day: assigned 2026-09-30, one working day later
    // is 2026-10-08.
    let mut conn = db.connect();
    let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default();
    let cal = qinqing::store::calendar::load(&mut conn, d("2026-01-01"), d("2026-12-31"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(cal.add_working_days(d("2026-09-30"), 1), d("2026-10-08"));
    assert!(!cal.is_working_day(d("2026-10-01")));
}
