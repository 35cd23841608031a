//! 附件: files on issues — their type read from the content, their size and number
//! bounded, seen only by whoever may see the issue, each recorded on the timeline.

use crate::common::*;
use actix_web::http::{header, Method};
use actix_web::test::TestRequest;
use serde_json::{json, Value};

/// The start of a PNG, all the service reads to know one.
const PNG: &[u8] =
    b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";
const PDF: &[u8] =
    b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n";
/// A Windows program, sent as a PDF.
const EXE: &[u8] =
    b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff\0\0This program cannot be run in DOS mode.";

const BOUNDARY: &str = "qinqing-test-boundary";

/// Where a file goes: an issue (by its id alone) or a forum.
enum Place {
    Issue(i64),
    Forum(i64),
}

impl From<i64> for Place {
    fn from(id: i64) -> Place {
        Place::Issue(id)
    }
}

impl Place {
    fn path(&self) -> String {
        match self {
            Place::Issue(id) => format!("/api/v1/issues/{id}/attachments"),
            Place::Forum(id) => format!("/api/v1/forums/{id}/attachments"),
        }
    }
}

fn ids_of(items: &Value) -> Vec<i64> {
    items
        .as_array()
        .map(|a| a.iter().filter_map(|f| f["id"].as_i64()).collect())
        .unwrap_or_default()
}

/// A `multipart/form-data` body with one part (`field`), as a browser sends it.
fn multipart(field: &str, name: &str, bytes: &[u8], declared: &str) -> Vec<u8> {
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{name}\"\r\n\
         Content-Type: {declared}\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    body
}

async fn upload_body<S, B>(
    app: &S,
    token: Option<&str>,
    place: impl Into<Place>,
    content_type: &str,
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
    let mut req = TestRequest::post()
        .uri(&place.into().path())
        .insert_header((header::CONTENT_TYPE, content_type.to_owned()))
        .set_payload(body);
    if let Some(t) = token {
        req = req.insert_header((header::AUTHORIZATION, format!("Bearer {t}")));
    }
    send_request(app, req).await
}

async fn upload<S, B>(
    app: &S,
    token: Option<&str>,
    place: impl Into<Place>,
    name: &str,
    bytes: &[u8],
    declared: &str,
) -> Reply
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody,
{
    let ct = format!("multipart/form-data; boundary={BOUNDARY}");
    upload_body(
        app,
        token,
        place,
        &ct,
        multipart("file", name, bytes, declared),
    )
    .await
}

/// Files an issue as `token` (an enterprise, online); answers its id.
async fn an_issue<S, B>(app: &S, token: Option<&str>, title: &str) -> i64
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody,
{
    let body = json!({"title": title, "description": "施工围挡占用道路，货车无法进出。",
                      "category": "infrastructure", "channel": "online"});
    let r = send(app, Method::POST, "/api/v1/issues", token, Some(&body)).await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.body["id"].as_i64().unwrap_or_default()
}

#[actix_rt::test]
async fn files_on_an_issue_are_read_by_content_bounded_and_seen_only_in_scope() {
    let db = TestDb::new();
    let app = app(&db).await;
    let w = world(&app, &db).await;
    let (ent, other, coord) = (w.token("ent_a"), w.token("ent_b"), w.token("coord_a"));
    let body = json!({"title": "厂区门口道路被堵", "description": "施工围挡占用道路，货车无法进出。",
                      "category": "infrastructure", "channel": "online"});
    let r = send(&app, Method::POST, "/api/v1/issues", ent, Some(&body)).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let issue = r.body["id"].as_i64().unwrap_or_default();

    // The enterprise's photo, then the coordinator's 答复函, names kept in Chinese.
    let r = upload(&app, ent, issue, "堵路照片.png", PNG, "image/png").await;
    assert_eq!(r.status, 201, "{}", r.text);
    let photo = r.body["id"].as_i64().unwrap_or_default();
    assert_eq!(r.body["name"], "堵路照片.png");
    assert_eq!(r.body["content_type"], "image/png");
    assert_eq!(r.body["size"], PNG.len());
    assert_eq!(r.body["sha256"].as_str().map(str::len), Some(64));
    assert_eq!(
        r.header("location").as_deref(),
        Some(format!("/api/v1/attachments/{photo}").as_str())
    );
    // The type declared is not believed: a PDF sent as a picture is kept as a PDF.
    let r = upload(&app, coord, issue, "答复函.pdf", PDF, "image/jpeg").await;
    assert_eq!(r.status, 201, "{}", r.text);
    let letter = r.body["id"].as_i64().unwrap_or_default();
    assert_eq!(r.body["content_type"], "application/pdf");

    let r = send(
        &app,
        Method::GET,
        &format!("/api/v1/issues/{issue}/attachments"),
        ent,
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let listed: Vec<i64> = r.body["items"]
        .as_array()
        .map(|a| a.iter().filter_map(|f| f["id"].as_i64()).collect())
        .unwrap_or_default();
    assert_eq!(listed, vec![photo, letter]);

    // The enterprise downloads the letter: the bytes sent, as a download, in UTF-8.
    let path = format!("/api/v1/attachments/{letter}");
    let r = send(&app, Method::GET, &path, ent, None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.bytes, PDF);
    assert_eq!(r.header("content-type").as_deref(), Some("application/pdf"));
    assert_eq!(
        r.header("x-content-type-options").as_deref(),
        Some("nosniff")
    );
    let disposition = r.header("content-disposition").unwrap_or_default();
    assert!(disposition.starts_with("attachment;"), "{disposition}");
    assert!(
        disposition.contains("filename*=UTF-8''%E7%AD%94%E5%A4%8D%E5%87%BD.pdf"),
        "{disposition}"
    );

    // Another enterprise: 404 for the file, the list and an upload, as for the issue.
    send(&app, Method::GET, &path, other, None)
        .await
        .problem(404);
    let list = format!("/api/v1/issues/{issue}/attachments");
    send(&app, Method::GET, &list, other, None)
        .await
        .problem(404);
    upload(&app, other, issue, "x.png", PNG, "image/png")
        .await
        .problem(404);
    send(&app, Method::GET, &path, None, None)
        .await
        .problem(401);
    // A leader reads but adds nothing.
    upload(
        &app,
        w.token("leader_city"),
        issue,
        "x.png",
        PNG,
        "image/png",
    )
    .await
    .problem(403);

    // A program renamed .pdf: 415, with a body saying what is kept.
    let r = upload(&app, ent, issue, "答复函.pdf", EXE, "application/pdf").await;
    r.problem(415);
    assert!(
        r.body["detail"].as_str().unwrap_or("").contains("PDF"),
        "{}",
        r.text
    );
    // 11 MB: 413, with a body.
    let big = [PDF, &vec![b' '; 11 * 1024 * 1024]].concat();
    let r = upload(&app, ent, issue, "大文件.pdf", &big, "application/pdf").await;
    r.problem(413);
    assert!(
        r.body["detail"].as_str().unwrap_or("").contains("10 MB"),
        "{}",
        r.text
    );
    // Not a form: 415; a form without a file: 422 naming it; another part: 400.
    let r = send(&app, Method::POST, &list, ent, Some(&json!({"file": "x"}))).await;
    r.problem(415);
    let ct = format!("multipart/form-data; boundary={BOUNDARY}");
    let empty = format!("--{BOUNDARY}--\r\n").into_bytes();
    let r = upload_body(&app, ent, issue, &ct, empty).await;
    r.problem(422);
    assert_eq!(r.error_fields(), vec!["file"]);
    // Any other part is refused, as an unknown field of a JSON body is.
    let other_part = multipart("note", "a.png", PNG, "image/png");
    upload_body(&app, ent, issue, &ct, other_part)
        .await
        .problem(400);
    // A control character in a part's header is no header at all: a 400 that says so.
    upload(&app, ent, issue, "a\u{1}b.png", PNG, "image/png")
        .await
        .problem(400);

    // The timeline records each file added: name, size, who.
    let r = send(
        &app,
        Method::GET,
        &format!("/api/v1/issues/{issue}/events"),
        ent,
        None,
    )
    .await;
    let added: Vec<(String, i64)> = r
        .body
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|e| e["action"] == "attached")
                .map(|e| {
                    let d: &Value = &e["details"];
                    (
                        d["name"].as_str().unwrap_or("").to_owned(),
                        d["size"].as_i64().unwrap_or(0),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        added,
        vec![
            ("堵路照片.png".to_owned(), PNG.len() as i64),
            ("答复函.pdf".to_owned(), PDF.len() as i64)
        ],
        "{}",
        r.text
    );

    // Ten files an issue: with eight more it is full; of two sent at once for the last
    // place, one is kept and the other refused.
    for i in 0..7 {
        let r = upload(&app, ent, issue, &format!("照片{i}.png"), PNG, "image/png").await;
        assert_eq!(r.status, 201, "{}", r.text);
    }
    let (a, b) = tokio::join!(
        upload(&app, ent, issue, "甲.png", PNG, "image/png"),
        upload(&app, coord, issue, "乙.pdf", PDF, "application/pdf"),
    );
    let mut statuses = vec![a.status.as_u16(), b.status.as_u16()];
    statuses.sort();
    assert_eq!(statuses, vec![201, 413], "{} {}", a.text, b.text);
    let r = upload(&app, ent, issue, "再来.png", PNG, "image/png").await;
    r.problem(413);

    // A withdrawn issue takes no more files.
    let second = an_issue(&app, ent, "另一个问题").await;
    let r = send(
        &app,
        Method::POST,
        &format!("/api/v1/issues/{second}/withdraw"),
        ent,
        Some(&json!({})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    upload(&app, ent, second, "a.png", PNG, "image/png")
        .await
        .problem(409);
}

/// Files live in the database: `qinqing backup` and `restore` keep them, byte for byte, on
/// SQLite; on PostgreSQL, `pg_dump` and `pg_restore` (what the README tells an operator to
/// run) do.
#[actix_rt::test]
async fn a_file_survives_a_backup_and_restore() {
    let db = TestDb::new();
    let app = app(&db).await;
    let w = world(&app, &db).await;
    let ent = w.token("ent_a");
    let issue = an_issue(&app, ent, "道路被堵").await;
    let r = upload(&app, ent, issue, "答复函.pdf", PDF, "application/pdf").await;
    assert_eq!(r.status, 201, "{}", r.text);
    let file = r.body["id"].as_i64().unwrap_or_default();

    let dir = std::env::temp_dir().join(format!("qinqing-files-{}", unique_suffix()));
    let _ = std::fs::create_dir_all(&dir);
    let copy = dir.join("backup").to_string_lossy().into_owned();
    let run = |program: &str, url: &str, args: &[&str]| {
        let out = std::process::Command::new(program)
            .args(args)
            .env("DATABASE_URL", url)
            .env("QINQING_LOG", "warn")
            .output()
            .unwrap_or_else(|e| panic!("{program}: {e}"));
        assert!(
            out.status.success(),
            "{program} {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let again = if db.is_postgres() {
        run(
            "pg_dump",
            &db.url,
            &["--format=custom", "--file", &copy, &db.url],
        );
        // The database is lost and made again, empty of data, then restored from the dump.
        db.drop_database();
        db.recreate_database();
        run(
            "pg_restore",
            &db.url,
            &[
                "--clean",
                "--if-exists",
                "--no-owner",
                "--dbname",
                &db.url,
                &copy,
            ],
        );
        None
    } else {
        let restored = dir.join("restored.db").to_string_lossy().into_owned();
        run(
            env!("CARGO_BIN_EXE_qinqing"),
            &db.url,
            &["backup", "--to", &copy],
        );
        run(
            env!("CARGO_BIN_EXE_qinqing"),
            &restored,
            &["restore", "--from", &copy],
        );
        Some(TestDb::at(&restored))
    };
    let served = crate::common::app(again.as_ref().unwrap_or(&db)).await;
    let token = login(&served, "ent.a", PASSWORD).await;
    let path = format!("/api/v1/attachments/{file}");
    let r = send(&served, Method::GET, &path, Some(&token), None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.bytes, PDF);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A forum's files are its coordinators' to add and seen by whoever sees the forum; a wrong
/// file is withdrawn with a reason and stays listed; an answer names the files sent with
/// it; the ledger counts both.
#[actix_rt::test]
async fn forum_files_withdrawn_files_and_the_files_of_an_answer() {
    let db = TestDb::new();
    let app = app(&db).await;
    let w = world(&app, &db).await;
    let (ent, other, coord, dept) = (
        w.token("ent_a"),
        w.token("ent_b"),
        w.token("coord_a"),
        w.token("dept_a"),
    );
    let forum = w.id("forum_a");

    // The minutes of 德清's forum: its coordinator adds them; an enterprise may not.
    let r = upload(
        &app,
        coord,
        Place::Forum(forum),
        "会议纪要.pdf",
        PDF,
        "application/pdf",
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["forum_id"], forum);
    assert_eq!(r.body["issue_id"], Value::Null);
    let minutes = r.body["id"].as_i64().unwrap_or_default();
    upload(
        &app,
        ent,
        Place::Forum(forum),
        "x.pdf",
        PDF,
        "application/pdf",
    )
    .await
    .problem(403);
    upload(
        &app,
        w.token("coord_b"),
        Place::Forum(forum),
        "x.pdf",
        PDF,
        "application/pdf",
    )
    .await
    .problem(404);
    // Seen by the enterprise that attended and the department that came; not by another.
    let file = format!("/api/v1/attachments/{minutes}");
    let list = format!("/api/v1/forums/{forum}/attachments");
    for (who, status) in [
        (ent, 200),
        (dept, 200),
        (other, 404),
        (w.token("coord_b"), 404),
    ] {
        let r = send(&app, Method::GET, &file, who, None).await;
        assert_eq!(r.status, status, "{}", r.text);
        let r = send(&app, Method::GET, &list, who, None).await;
        assert_eq!(r.status, status, "{}", r.text);
        if status == 200 {
            assert_eq!(ids_of(&r.body["items"]), vec![minutes]);
        }
    }

    // An issue: the enterprise's two photos, one of them wrong.
    let issue = an_issue(&app, ent, "厂区门口道路被堵").await;
    let r = upload(&app, ent, issue, "道路照片.png", PNG, "image/png").await;
    let photo = r.body["id"].as_i64().unwrap_or_default();
    let r = upload(&app, ent, issue, "营业执照.png", PNG, "image/png").await;
    let wrong = r.body["id"].as_i64().unwrap_or_default();

    // Withdrawn with a reason: by whoever added it (or a coordinator), once.
    let withdraw = format!("/api/v1/attachments/{wrong}/withdraw");
    send(
        &app,
        Method::POST,
        &withdraw,
        other,
        Some(&json!({"reason": "x"})),
    )
    .await
    .problem(404);
    send(
        &app,
        Method::POST,
        &withdraw,
        w.token("leader_city"),
        Some(&json!({"reason": "x"})),
    )
    .await
    .problem(403);
    let r = send(
        &app,
        Method::POST,
        &withdraw,
        ent,
        Some(&json!({"reason": "  "})),
    )
    .await;
    r.problem(422);
    assert_eq!(r.error_fields(), vec!["reason"]);
    let (mine, theirs) = (
        json!({"reason": "传错了文件"}),
        json!({"reason": "含营业执照"}),
    );
    let (a, b) = tokio::join!(
        send(&app, Method::POST, &withdraw, ent, Some(&mine)),
        send(&app, Method::POST, &withdraw, coord, Some(&theirs)),
    );
    let mut statuses = vec![a.status.as_u16(), b.status.as_u16()];
    statuses.sort();
    assert_eq!(statuses, vec![200, 409], "{} {}", a.text, b.text);
    let won = if a.status == 200 { &a } else { &b };
    assert!(won.body["withdrawn_at"].is_string(), "{}", won.text);
    assert!(won.body["withdrawn_reason"].is_string(), "{}", won.text);
    // Its bytes are gone to the enterprise (410), kept for the Federation's staff.
    let bytes = format!("/api/v1/attachments/{wrong}");
    let r = send(&app, Method::GET, &bytes, ent, None).await;
    r.problem(410);
    let r = send(&app, Method::GET, &bytes, coord, None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.bytes, PNG);
    // Still listed, and on the timeline.
    let r = send(
        &app,
        Method::GET,
        &format!("/api/v1/issues/{issue}/attachments"),
        ent,
        None,
    )
    .await;
    assert_eq!(ids_of(&r.body["items"]), vec![photo, wrong]);
    let r = send(
        &app,
        Method::GET,
        &format!("/api/v1/issues/{issue}/events"),
        ent,
        None,
    )
    .await;
    let withdrawn = r
        .body
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|e| e["action"] == "attachment_withdrawn")
                .count()
        })
        .unwrap_or_default();
    assert_eq!(withdrawn, 1, "{}", r.text);

    // The department answers with its 答复函; the answer names it. A file of another place,
    // or a withdrawn one, is a 422 naming attachment_ids.
    let assign = format!("/api/v1/issues/{issue}/assign");
    let r = send(
        &app,
        Method::POST,
        &assign,
        coord,
        Some(&json!({"lead_department_id": w.id("dept_a_department")})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = send(
        &app,
        Method::POST,
        &format!("/api/v1/issues/{issue}/sign"),
        dept,
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = upload(&app, dept, issue, "答复函.pdf", PDF, "application/pdf").await;
    assert_eq!(r.status, 201, "{}", r.text);
    let letter = r.body["id"].as_i64().unwrap_or_default();
    let answer = format!("/api/v1/issues/{issue}/answer");
    for ids in [
        json!([minutes]),
        json!([wrong]),
        json!([letter, letter]),
        json!([999999]),
    ] {
        let r = send(
            &app,
            Method::POST,
            &answer,
            dept,
            Some(&json!({"outcome": "resolved", "text": "围挡已移除", "attachment_ids": ids})),
        )
        .await;
        r.problem(422);
        assert_eq!(r.error_fields(), vec!["attachment_ids"], "{ids}");
    }
    let r = send(
        &app,
        Method::POST,
        &answer,
        dept,
        Some(&json!({"outcome": "resolved", "text": "围挡已移除", "attachment_ids": [letter]})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = send(
        &app,
        Method::GET,
        &format!("/api/v1/issues/{issue}/attachments"),
        ent,
        None,
    )
    .await;
    let with_answer: Vec<i64> = r.body["items"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|f| f["with_answer"] == true)
                .filter_map(|f| f["id"].as_i64())
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(with_answer, vec![letter]);

    // The ledger: the issue carries two files (the withdrawn one not counted), its answer one.
    let r = send(
        &app,
        Method::GET,
        "/api/v1/issues/export?format=csv",
        coord,
        None,
    )
    .await;
    let text = String::from_utf8(r.bytes.clone()).unwrap_or_default();
    let lines: Vec<Vec<String>> = text
        .trim_start_matches('\u{feff}')
        .split("\r\n")
        .filter(|l| !l.is_empty())
        .map(|l| l.split(',').map(str::to_owned).collect())
        .collect();
    let col = |h: &str| lines[0].iter().position(|c| c == h).unwrap_or(usize::MAX);
    let row = lines
        .iter()
        .find(|l| l.first().map(String::as_str) == Some(issue.to_string().as_str()))
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        row.get(col("附件数")).map(String::as_str),
        Some("2"),
        "{text}"
    );
    assert_eq!(
        row.get(col("答复附件数")).map(String::as_str),
        Some("1"),
        "{text}"
    );
}

/// With `--file-store`, a file's bytes go to the directory (or bucket), named by their
/// content, and come back from it; the limits are settings (`--file-max-mb`,
/// `--files-per-issue`).
#[actix_rt::test]
async fn files_kept_in_a_directory_within_the_limits_set() {
    let db = TestDb::new();
    let dir = std::env::temp_dir().join(format!("qinqing-store-{}", unique_suffix()));
    let objects = qinqing::objects::Objects::open(&format!("file://{}", dir.display()))
        .unwrap_or_else(|e| panic!("{e}"));
    let app = app_tuned(&db, &notify_config(), &auth_config(&db), |state| {
        state.objects = Some(std::sync::Arc::new(objects));
        state.files = qinqing::service::attachments::Limits {
            max_bytes: 1024,
            per_place: 2,
        };
    })
    .await;
    let w = world(&app, &db).await;
    let ent = w.token("ent_a");
    let issue = an_issue(&app, ent, "道路被堵").await;

    // In the directory, not in the database.
    let sha = kept_outside(&app, &db, ent, issue).await;
    let object = dir.join("attachments").join(&sha[..2]).join(&sha);
    assert_eq!(std::fs::read(&object).unwrap_or_default(), PDF);

    // 1 KB a file, two an issue.
    let big = [PDF, &vec![b' '; 1024]].concat();
    let r = upload(&app, ent, issue, "大.pdf", &big, "application/pdf").await;
    r.problem(413);
    assert!(
        r.body["detail"].as_str().unwrap_or("").contains("1 KB"),
        "{}",
        r.text
    );
    let r = upload(&app, ent, issue, "照片.png", PNG, "image/png").await;
    assert_eq!(r.status, 201, "{}", r.text);
    let r = upload(&app, ent, issue, "再来.png", PNG, "image/png").await;
    r.problem(413);
    assert!(
        r.body["detail"]
            .as_str()
            .unwrap_or("")
            .contains("最多 2 个"),
        "{}",
        r.text
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// With `--file-store s3://bucket/prefix`, a file's bytes go to the bucket under the prefix
/// and come back from it. Against the S3 server `.ci/run` starts (moto), whose address is
/// `QINQING_TEST_S3_ENDPOINT` and whose bucket is `qinqing-test`.
#[actix_rt::test]
async fn files_kept_in_an_s3_bucket_under_its_prefix() {
    let Ok(endpoint) = std::env::var("QINQING_TEST_S3_ENDPOINT") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "QINQING_TEST_S3_ENDPOINT is not set: .ci/run starts an S3 server for this test"
        );
        eprintln!("the S3 file store test is skipped: set QINQING_TEST_S3_ENDPOINT (.ci/run does)");
        return;
    };
    let options = [
        ("aws_endpoint", endpoint.as_str()),
        ("aws_allow_http", "true"),
        ("aws_access_key_id", "test"),
        ("aws_secret_access_key", "test"),
        ("aws_region", "us-east-1"),
    ];
    let prefix = format!("huzhou-{}", unique_suffix());
    let open = |url: &str| {
        qinqing::objects::Objects::open_with(url, &options).unwrap_or_else(|e| panic!("{e}"))
    };
    let objects = open(&format!("s3://qinqing-test/{prefix}"));
    let db = TestDb::new();
    let app = app_tuned(&db, &notify_config(), &auth_config(&db), |state| {
        state.objects = Some(std::sync::Arc::new(objects));
    })
    .await;
    let w = world(&app, &db).await;
    let ent = w.token("ent_a");
    let issue = an_issue(&app, ent, "道路被堵").await;
    let sha = kept_outside(&app, &db, ent, issue).await;
    // In the bucket, under the prefix.
    let bucket = open("s3://qinqing-test");
    let key = format!("{prefix}/attachments/{}/{sha}", &sha[..2]);
    assert_eq!(bucket.get(&key).await.unwrap_or_default(), PDF, "{key}");
}

/// Adds the PDF to the issue with a file store configured: it comes back byte for byte and
/// no bytes are in the database. Answers its SHA-256 (the object's name).
async fn kept_outside<S, B>(app: &S, db: &TestDb, token: Option<&str>, issue: i64) -> String
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody,
{
    let r = upload(app, token, issue, "答复函.pdf", PDF, "application/pdf").await;
    assert_eq!(r.status, 201, "{}", r.text);
    let id = r.body["id"].as_i64().unwrap_or_default();
    let sha = r.body["sha256"].as_str().unwrap_or_default().to_owned();
    let r = send(
        app,
        Method::GET,
        &format!("/api/v1/attachments/{id}"),
        token,
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.bytes, PDF);
    let mut conn = db.connect();
    assert_eq!(
        count(&mut conn, "SELECT COUNT(*) AS n FROM attachment_data"),
        0
    );
    sha
}
