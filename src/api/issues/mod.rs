//! Issues (问题): `/api/v1/issues`, their timeline, extension requests and every action.
//! The rules are `service::issues`; this module speaks HTTP: the `ETag` of an issue and
//! `If-Match` on its actions, `Idempotency-Key` on filing.

mod actions;
pub mod export;
mod filing;
mod reading;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

use crate::error::Error;
use crate::service::issues::{version_tag, Issue};

pub fn routes(cfg: &mut web::ServiceConfig) {
    // Before `/issues/{id}`, which would otherwise take "export" for an id.
    export::routes(cfg);
    reading::routes(cfg);
    filing::routes(cfg);
    actions::routes(cfg);
}

/// The versions of issue `id` an `If-Match` header names: None when absent or `*` (any
/// version will do), else those of its entity tags that name this issue (none: stale).
pub fn if_match(req: &HttpRequest, id: i64) -> Result<Option<Vec<i64>>, Error> {
    let Some(value) = req.headers().get(header::IF_MATCH) else {
        return Ok(None);
    };
    let value = value
        .to_str()
        .map_err(|_| Error::malformed("If-Match is not readable"))?;
    if value.trim() == "*" {
        return Ok(None);
    }
    let prefix = format!("\"{id}.");
    Ok(Some(
        value
            .split(',')
            .filter_map(|tag| {
                tag.trim()
                    .strip_prefix(&prefix)?
                    .strip_suffix('"')?
                    .parse()
                    .ok()
            })
            .collect(),
    ))
}

/// 200 with the issue and its `ETag`.
pub fn issue_response(issue: &Issue) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::ETAG, version_tag(issue.id, issue.version)))
        .json(issue)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn if_match_names_versions_of_this_issue() {
        let cases: [(Option<&str>, Option<Vec<i64>>); 5] = [
            (None, None),
            (Some("*"), None),
            (Some("\"7.3\""), Some(vec![3])),
            (Some("\"7.3\", \"7.4\""), Some(vec![3, 4])),
            (Some("\"8.3\""), Some(vec![])),
        ];
        for (header, want) in cases {
            let mut req = TestRequest::default();
            if let Some(h) = header {
                req = req.insert_header((header::IF_MATCH, h));
            }
            let got = if_match(&req.to_http_request(), 7).ok().flatten();
            assert_eq!(got, want, "{header:?}");
        }
    }
}
