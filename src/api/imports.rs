//! 批量导入: `POST /api/v1/imports/{kind}?dry_run=true|false`, the body the file itself.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use serde::Deserialize;

use super::extract::Query;
use super::problem::BodyError;
use super::AppState;
use crate::auth::Caller;
use crate::db;
use crate::domain::role::Role;
use crate::error::Error;
use crate::service::imports::{self, Format, Kind, Report};

/// The largest file taken: a city's members (10,000 enterprises) are well under 2 MB.
pub const FILE_LIMIT: usize = 10 * 1024 * 1024;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/api/v1/imports/{kind}").post(import));
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ImportQuery {
    #[serde(default)]
    dry_run: bool,
}

/// Reads a request's body up to `limit` bytes: 413 beyond it.
pub async fn body_within(
    mut payload: web::Payload,
    limit: usize,
) -> Result<Vec<u8>, actix_web::Error> {
    let mut bytes = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| Error::malformed("the body could not be read"))?;
        if bytes.len() + chunk.len() > limit {
            return Err(
                BodyError::TooLarge(format!("the file is larger than {limit} bytes")).into(),
            );
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

/// The report of an import whose rows were refused, as a 422 problem.
pub fn refused(report: &Report) -> HttpResponse {
    let mut body = serde_json::to_value(report).unwrap_or_default();
    if let Some(map) = body.as_object_mut() {
        map.insert("type".into(), "urn:qinqing:problem:import-refused".into());
        map.insert("title".into(), "Import refused".into());
        map.insert("status".into(), 422.into());
        map.insert(
            "detail".into(),
            format!(
                "{} row(s) refused; nothing was written. Correct them and import the file again.",
                report.errors.len()
            )
            .into(),
        );
    }
    HttpResponse::UnprocessableEntity()
        .insert_header((header::CONTENT_TYPE, "application/problem+json"))
        .body(body.to_string())
}

async fn import(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    kind: web::Path<String>,
    query: Query<ImportQuery>,
    payload: web::Payload,
) -> Result<HttpResponse, actix_web::Error> {
    caller.require(&[Role::Admin], "import")?;
    let kind = Kind::parse(&kind.into_inner()).ok_or_else(|| Error::not_found("import kind"))?;
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let format = Format::from_content_type(content_type).ok_or_else(|| {
        BodyError::NotJson(format!(
            "the body must be the file itself, sent as text/csv or {}",
            imports::XLSX_TYPE
        ))
    })?;
    let bytes = body_within(payload, FILE_LIMIT).await?;
    let dry_run = query.into_inner().dry_run;
    let outcome = db::run(&state.pool, move |conn| {
        imports::import(conn, &caller, kind, format, &bytes, dry_run)
    })
    .await?;
    if !dry_run {
        state.callers.forget_all();
    }
    Ok(match outcome {
        Ok(report) => HttpResponse::Ok().json(report),
        Err(report) if dry_run => HttpResponse::Ok().json(report),
        Err(report) => refused(&report),
    })
}
