//! The ledger export (台账) in CSV and XLSX.

mod common;

use actix_web::http::Method;
use actix_web::test::TestRequest;
use common::*;
use serde_json::json;

async fn get_raw<S, B>(app: &S, token: Option<&str>, path: &str) -> (u16, String, Vec<u8>)
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
        lines[0].starts_with("编号,提交日期,标题,企业"),
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
    .problem(422);
    send(&app, Method::GET, "/api/v1/issues/export", None, None)
        .await
        .problem(401);
}
