//! The ledger export (台账) in CSV and XLSX.

use crate::common::*;
use actix_web::http::Method;
use actix_web::test::TestRequest;
use serde_json::json;

pub(crate) async fn get_raw<S, B>(
    app: &S,
    token: Option<&str>,
    path: &str,
) -> (u16, String, Vec<u8>)
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody,
{
    let mut req = TestRequest::get().uri(path);
    if let Some(t) = token {
        req = req.insert_header(("authorization", format!("Bearer {t}")));
    }
    let resp = match app.call(req.to_request()).await {
        Ok(r) => r,
        Err(e) => panic!("{e}"),
    };
    let status = resp.status().as_u16();
    let ct = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = actix_web::body::to_bytes(resp.into_body())
        .await
        .map(|b| b.to_vec())
        .unwrap_or_default();
    (status, ct, body)
}

#[actix_rt::test]
async fn csv_and_xlsx_ledgers() {
    let db = TestDb::new();
    let app = app(&db).await;
    let w = world(&app, &db).await;
    let (coord, ent_a, ent_b) = (w.token("coord_city"), w.token("ent_a"), w.token("ent_b"));
    let da = w.id("dept_a_department");
    for (token, title) in [
        (ent_a, "用地指标, 紧急"),
        (ent_a, "融资\"难\""),
        (ent_b, "人才引进"),
    ] {
        let r = send(&app, Method::POST, "/api/v1/issues", token,
            Some(&json!({"title": title, "description": "x", "category": "land", "channel": "online"}))).await;
        assert_eq!(r.status, 201, "{}", r.text);
    }
    let first = send(
        &app,
        Method::GET,
        "/api/v1/issues?sort=created_at",
        coord,
        None,
    )
    .await;
    let id = first.body["items"][0]["id"].as_i64().unwrap_or_default();
    let r = send(
        &app,
        Method::POST,
        &format!("/api/v1/issues/{id}/assign"),
        coord,
        Some(&json!({"lead_department_id": da, "co_department_ids": [w.id("dept_b_department")]})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);

    let (status, ct, body) = get_raw(&app, coord, "/api/v1/issues/export?format=csv").await;
    assert_eq!(status, 200);
    assert!(ct.starts_with("text/csv"), "{ct}");
    let text = String::from_utf8(body).unwrap_or_default();
    assert!(text.starts_with('\u{feff}'), "no BOM");
    let lines: Vec<&str> = text
        .trim_start_matches('\u{feff}')
        .split("\r\n")
        .filter(|l| !l.is_empty())
        .collect();
    assert_eq!(lines.len(), 4, "{text}");
    assert!(
        lines[0].starts_with("编号,提交日期,区县,标题,问题描述,企业"),
        "{}",
        lines[0]
    );
    assert!(lines[1].contains("\"用地指标, 紧急\""), "{}", lines[1]);
    assert!(
        lines[1].contains("德清县经信局,长兴县经信局"),
        "{}",
        lines[1]
    );
    assert!(lines[1].contains("已交办"), "{}", lines[1]);
    assert!(lines[2].contains("\"融资\"\"难\"\"\""), "{}", lines[2]);
    assert!(lines[1].contains("用地"));

    // Scope and filters apply: the enterprise exports its own issues only.
    let (_, _, body) = get_raw(&app, ent_a, "/api/v1/issues/export").await;
    let own = String::from_utf8(body).unwrap_or_default();
    assert_eq!(own.split("\r\n").filter(|l| !l.is_empty()).count(), 3);
    let (_, _, body) = get_raw(
        &app,
        coord,
        "/api/v1/issues/export?format=csv&status=assigned",
    )
    .await;
    assert_eq!(
        String::from_utf8(body)
            .unwrap_or_default()
            .split("\r\n")
            .filter(|l| !l.is_empty())
            .count(),
        2
    );

    let (status, ct, body) = get_raw(&app, coord, "/api/v1/issues/export?format=xlsx").await;
    assert_eq!(status, 200);
    assert!(ct.contains("spreadsheetml"), "{ct}");
    assert!(body.starts_with(b"PK"), "not a zip file");
    assert!(body.len() > 1_000);

    let r = send(
        &app,
        Method::GET,
        "/api/v1/issues/export?format=pdf",
        coord,
        None,
    )
    .await;
    r.problem(422);
    assert_eq!(r.error_fields(), vec!["format"]);
    send(
        &app,
        Method::GET,
        "/api/v1/issues/export?region_id=999",
        coord,
        None,
    )
    .await
    .problem(404);
    send(&app, Method::GET, "/api/v1/issues/export", None, None)
        .await
        .problem(401);
}

/// The text of one part of an XLSX file.
pub(crate) fn xlsx_part(body: &[u8], name: &str) -> String {
    use std::io::Read;
    let mut zip =
        zip::ZipArchive::new(std::io::Cursor::new(body)).unwrap_or_else(|e| panic!("{e}"));
    let mut part = zip.by_name(name).unwrap_or_else(|e| panic!("{name}: {e}"));
    let mut text = String::new();
    part.read_to_string(&mut text)
        .unwrap_or_else(|e| panic!("{e}"));
    text
}

#[actix_rt::test]
async fn what_a_spreadsheet_would_run_stays_text() {
    let db = TestDb::new();
    let app = app(&db).await;
    let w = world(&app, &db).await;
    let (coord, ent) = (w.token("coord_city"), w.token("ent_a"));
    let written = [
        "=HYPERLINK(\"http://evil.example/\",\"点击查看\")",
        "+1+cmd|' /C calc'!A0",
        "-2+3",
        "@SUM(1,2)",
        "\t=1+1",
        "\r=1+1",
    ];
    for text in written {
        let r = send(&app, Method::POST, "/api/v1/issues", ent,
            Some(&json!({"title": text, "description": text, "category": "land", "channel": "online"}))).await;
        assert_eq!(r.status, 201, "{text}: {}", r.text);
    }
    let (status, _, body) = get_raw(&app, coord, "/api/v1/issues/export?format=csv").await;
    assert_eq!(status, 200);
    let text = String::from_utf8(body).unwrap_or_default();
    // Every cell is read the way a spreadsheet reads CSV: none may begin with what starts
    // a formula.
    let mut cells = Vec::new();
    let mut reader = text.trim_start_matches('\u{feff}').chars().peekable();
    let (mut cell, mut quoted) = (String::new(), false);
    while let Some(c) = reader.next() {
        match (c, quoted) {
            ('"', false) if cell.is_empty() => quoted = true,
            ('"', true) if reader.peek() == Some(&'"') => {
                reader.next();
                cell.push('"');
            }
            ('"', true) => quoted = false,
            (',' | '\n', false) => cells.push(std::mem::take(&mut cell)),
            ('\r', false) if reader.peek() == Some(&'\n') => {}
            (c, _) => cell.push(c),
        }
    }
    for text in written {
        // Texts are stored trimmed (a leading tab or carriage return is the ledger's unit
        // test's to check).
        let trimmed = format!("'{}", text.trim());
        assert!(cells.contains(&trimmed), "{text:?} not made inert");
    }
    for c in &cells {
        assert!(!c.starts_with(['=', '+', '-', '@', '\t', '\r']), "{c:?}");
    }

    let (status, _, body) = get_raw(
        &app,
        coord,
        "/api/v1/issues/export?format=xlsx&from=2020-01-01&to=2099-12-31",
    )
    .await;
    assert_eq!(status, 200);
    let sheet = xlsx_part(&body, "xl/worksheets/sheet1.xml");
    assert!(!sheet.contains("<f>"), "a formula in the sheet");
    assert!(
        sheet.contains("<t>=HYPERLINK(\"http://evil.example/\""),
        "{sheet}"
    );
    // Those cells carry the quote prefix (a style with quotePrefix="1").
    let d2 = sheet.split("<c r=\"D2\"").nth(1).unwrap_or_default();
    assert!(d2.starts_with(" s=\""), "D2 without its style: {d2}");
    assert!(xlsx_part(&body, "xl/styles.xml").contains("quotePrefix=\"1\""));
    // The basis, stated in a sheet of its own.
    assert!(xlsx_part(&body, "xl/workbook.xml").contains("name=\"说明\""));
    assert!(xlsx_part(&body, "xl/sharedStrings.xml").contains("按提交时间统计"));
    assert!(
        sheet.contains("ySplit=\"1\""),
        "the heading row is not frozen"
    );
    assert!(
        sheet.contains("<autoFilter ref=\"A1:AE"),
        "no filter on the headings"
    );
    assert!(sheet.contains("<cols>"), "no column widths");
    // The filing date (column B) is a number with a date format, not text.
    let b2 = sheet.split("<c r=\"B2\"").nth(1).unwrap_or_default();
    let b2 = &b2[..b2.find("</c>").unwrap_or(0)];
    assert!(b2.contains(" s=\"") && !b2.contains("t=\""), "B2: {b2}");
    let styles = xlsx_part(&body, "xl/styles.xml");
    assert!(styles.contains("yyyy-mm-dd"), "{styles}");
}

#[actix_rt::test]
async fn the_file_name_carries_the_period() {
    let db = TestDb::new();
    let app = app(&db).await;
    let w = world(&app, &db).await;
    let coord = w.token("coord_city").unwrap_or_default();
    let req = TestRequest::get()
        .uri("/api/v1/issues/export?format=xlsx&from=2022-01-01&to=2022-12-31")
        .insert_header(("authorization", format!("Bearer {coord}")));
    let r = send_request(&app, req).await;
    assert_eq!(r.status, 200);
    let disposition = r.header("content-disposition").unwrap_or_default();
    assert!(
        disposition.contains("filename=\"issues_2022-01-01_2022-12-31_by-filing-date.xlsx\""),
        "{disposition}"
    );
    let encoded: String =
        form_urlencoded::byte_serialize("问题台账_2022-01-01_2022-12-31_按提交时间统计".as_bytes())
            .collect();
    assert!(
        disposition.contains(&format!("filename*=UTF-8''{encoded}.xlsx")),
        "{disposition}"
    );
}
