//! 批量导入 on the pages: choose 企业 / 部门 / 用户 and the file, then 预检 (the dry run's
//! report, row by row) or 导入 (which writes nothing when any row is refused).

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use futures_util::StreamExt;

use super::require_admin;
use crate::db;
use crate::error::Error;
use crate::service::imports::{self, Format, Kind, Report};
use crate::web::form::{choice, Choice};
use crate::web::{page, Chrome, Session, WebError};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/admin/import").get(form_page).post(upload));
}

#[derive(Template)]
#[template(path = "admin_import.html")]
struct ImportPage {
    chrome: Chrome,
    kinds: Vec<Choice>,
    /// Each kind's columns: (kind in words, [(heading, required)]).
    headings: Vec<(&'static str, Vec<(&'static str, bool)>)>,
    problem: Option<String>,
    report: Option<Report>,
    /// Rows listed on the page at most (the report counts them all).
    shown: usize,
}

const SHOWN: usize = 200;

fn import_page(
    session: &Session,
    kind: Kind,
    problem: Option<String>,
    report: Option<Report>,
) -> Result<HttpResponse, WebError> {
    let now = match kind {
        Kind::Enterprises => "enterprises",
        Kind::Departments => "departments",
        Kind::Users => "users",
    };
    page(&ImportPage {
        chrome: Chrome::new(session, "批量导入", "/admin"),
        kinds: [Kind::Enterprises, Kind::Departments, Kind::Users]
            .iter()
            .zip(["enterprises", "departments", "users"])
            .map(|(k, code)| choice(code, k.zh(), now))
            .collect(),
        headings: [Kind::Enterprises, Kind::Departments, Kind::Users]
            .iter()
            .map(|k| (k.zh(), k.headings().to_vec()))
            .collect(),
        problem,
        report,
        shown: SHOWN,
    })
}

#[derive(serde::Deserialize)]
struct KindQuery {
    kind: Option<String>,
}

async fn form_page(session: Session, q: web::Query<KindQuery>) -> Result<HttpResponse, WebError> {
    require_admin(&session)?;
    let kind = q
        .kind
        .as_deref()
        .and_then(Kind::parse)
        .unwrap_or(Kind::Enterprises);
    import_page(&session, kind, None, None)
}

/// The parts of the upload form.
#[derive(Default)]
struct Upload {
    csrf: String,
    kind: String,
    action: String,
    file_name: String,
    file: Vec<u8>,
}

async fn read_upload(mut parts: Multipart) -> Result<Upload, WebError> {
    let unreadable = || WebError::Page(Error::malformed("the form could not be read"));
    let mut up = Upload::default();
    while let Some(part) = parts.next().await {
        let mut part = part.map_err(|_| unreadable())?;
        let name = part.name().unwrap_or("").to_owned();
        if name == "file" {
            up.file_name = part
                .content_disposition()
                .and_then(|d| d.get_filename())
                .unwrap_or("")
                .to_owned();
        }
        let limit = if name == "file" {
            crate::api::imports::FILE_LIMIT
        } else {
            4096
        };
        let mut bytes = Vec::new();
        while let Some(chunk) = part.next().await {
            let chunk = chunk.map_err(|_| unreadable())?;
            if bytes.len() + chunk.len() > limit {
                return Err(WebError::Page(Error::invalid(
                    "file",
                    format!("is larger than {limit} bytes"),
                )));
            }
            bytes.extend_from_slice(&chunk);
        }
        let text = || String::from_utf8_lossy(&bytes).into_owned();
        match name.as_str() {
            "csrf" => up.csrf = text(),
            "kind" => up.kind = text(),
            "action" => up.action = text(),
            "file" => up.file = bytes,
            _ => {}
        }
    }
    Ok(up)
}

async fn upload(session: Session, parts: Multipart) -> Result<HttpResponse, WebError> {
    let up = read_upload(parts).await?;
    session.check_csrf(&up.csrf)?;
    require_admin(&session)?;
    let kind = Kind::parse(&up.kind).unwrap_or(Kind::Enterprises);
    let lower = up.file_name.to_lowercase();
    let format = if lower.ends_with(".csv") {
        Some(Format::Csv)
    } else if lower.ends_with(".xlsx") {
        Some(Format::Xlsx)
    } else {
        None
    };
    let refuse = |words: &str| -> Result<HttpResponse, WebError> {
        let mut resp = import_page(&session, kind, Some(words.to_owned()), None)?;
        *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        Ok(resp)
    };
    if up.file.is_empty() {
        return refuse("请选择要导入的文件");
    }
    let Some(format) = format else {
        return refuse("请选择 .xlsx 或 .csv 文件（Excel 中“另存为”可得到这两种格式）");
    };
    let dry_run = up.action != "run";
    let caller = session.caller.clone();
    let state = session.state.clone();
    let bytes = up.file;
    let outcome = db::run(&state.pool, move |conn| {
        imports::import(conn, &caller, kind, format, &bytes, dry_run)
    })
    .await;
    match outcome {
        Ok(Ok(report)) => {
            if !dry_run {
                session.state.callers.forget_all();
            }
            import_page(&session, kind, None, Some(report))
        }
        Ok(Err(report)) => {
            let mut resp = import_page(&session, kind, None, Some(report))?;
            if !dry_run {
                *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            }
            Ok(resp)
        }
        Err(Error::Invalid(f)) if f.iter().any(|f| f.field == "file") => {
            refuse("无法读取这个文件：请确认它是 Excel 工作簿（.xlsx）或 CSV 文件")
        }
        Err(e) => Err(e.into()),
    }
}
