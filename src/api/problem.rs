//! The service's errors as HTTP answers: problem+json (RFC 9457), in one place. Every non-2xx
//! answer of the API, its own or the framework's, leaves through here.

use std::fmt;

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

use crate::error::{Error, FieldError};

pub const PROBLEM_JSON: &str = "application/problem+json";

/// The problem+json body.
#[derive(Serialize)]
pub struct Problem<'a> {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: &'a str,
    pub status: u16,
    pub detail: String,
    pub errors: &'a [FieldError],
}

/// Field problems listed in one answer at most.
const MAX_LISTED: usize = 20;

/// Builds a problem+json response for any status; used for the framework's own errors too.
pub fn problem_response(
    status: StatusCode,
    slug: &str,
    title: &str,
    detail: String,
    errors: &[FieldError],
) -> HttpResponse {
    // However many problems a body has, the answer names the first few: a body of 100,000
    // bad items is not answered with megabytes.
    let (errors, detail) = if errors.len() > MAX_LISTED {
        let more = errors.len() - MAX_LISTED;
        (
            &errors[..MAX_LISTED],
            format!("{detail} (the first {MAX_LISTED} problems are listed; {more} more are not)"),
        )
    } else {
        (errors, detail)
    };
    let body = Problem {
        kind: format!("urn:qinqing:problem:{slug}"),
        title,
        status: status.as_u16(),
        detail,
        errors,
    };
    HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, PROBLEM_JSON))
        .body(serde_json::to_string(&body).unwrap_or_default())
}

/// The status, type slug and title of each error.
fn status_slug_title(e: &Error) -> (StatusCode, &'static str, &'static str) {
    match e {
        Error::Malformed { .. } => (StatusCode::BAD_REQUEST, "bad-request", "Bad request"),
        Error::Unauthenticated(_) => (StatusCode::UNAUTHORIZED, "unauthorized", "Unauthorized"),
        Error::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden", "Forbidden"),
        Error::NotFound(_) => (StatusCode::NOT_FOUND, "not-found", "Not found"),
        Error::Conflict(_) => (StatusCode::CONFLICT, "conflict", "Conflict"),
        Error::Duplicate(_) => (StatusCode::CONFLICT, "duplicate", "Already exists"),
        Error::Stale(_) => (
            StatusCode::PRECONDITION_FAILED,
            "precondition-failed",
            "Precondition failed",
        ),
        Error::Invalid(_) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation",
            "Invalid request",
        ),
        Error::TooManyAttempts { .. } => (
            StatusCode::TOO_MANY_REQUESTS,
            "too-many-requests",
            "Too many requests",
        ),
        Error::TooLarge(_) => (
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload-too-large",
            "Payload too large",
        ),
        Error::UnsupportedType(_) => (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            "Unsupported media type",
        ),
        Error::Gone(_) => (StatusCode::GONE, "gone", "Gone"),
        Error::Unavailable(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "Service unavailable",
        ),
        Error::Internal(_) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Internal server error",
        ),
    }
}

impl ResponseError for Error {
    fn status_code(&self) -> StatusCode {
        status_slug_title(self).0
    }

    fn error_response(&self) -> HttpResponse {
        if let Error::Internal(cause) = self {
            log::error!("internal error: {cause}");
        }
        let (status, slug, title) = status_slug_title(self);
        let mut resp = problem_response(status, slug, title, self.detail(), self.fields());
        let headers = resp.headers_mut();
        match self {
            Error::Unauthenticated(_) => {
                headers.insert(
                    header::WWW_AUTHENTICATE,
                    header::HeaderValue::from_static("Bearer"),
                );
            }
            Error::TooManyAttempts { retry_after, .. } => {
                headers.insert(header::RETRY_AFTER, (*retry_after).into());
            }
            Error::Unavailable(_) => {
                headers.insert(header::RETRY_AFTER, header::HeaderValue::from_static("5"));
            }
            _ => {}
        }
        resp
    }
}

/// What only HTTP can get wrong: a body too large or not JSON.
#[derive(Debug)]
pub enum BodyError {
    TooLarge(String),
    NotJson(String),
}

impl fmt::Display for BodyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BodyError::TooLarge(d) | BodyError::NotJson(d) => f.write_str(d),
        }
    }
}

impl ResponseError for BodyError {
    fn status_code(&self) -> StatusCode {
        match self {
            BodyError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            BodyError::NotJson(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let (slug, title) = match self {
            BodyError::TooLarge(_) => ("payload-too-large", "Payload too large"),
            BodyError::NotJson(_) => ("unsupported-media-type", "Unsupported media type"),
        };
        problem_response(self.status_code(), slug, title, self.to_string(), &[])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::body::to_bytes;
    use diesel::result::Error as DieselError;

    #[actix_rt::test]
    async fn internal_errors_say_nothing_internal() {
        let resp = Error::internal("SELECT secret FROM t").error_response();
        assert_eq!(resp.status(), 500);
        let body = to_bytes(resp.into_body()).await.unwrap_or_default();
        let text = String::from_utf8_lossy(&body);
        assert!(!text.contains("SELECT"), "{text}");
    }

    #[test]
    fn statuses() {
        let cases: Vec<(Error, u16)> = vec![
            (Error::malformed("x"), 400),
            (Error::Unauthenticated("x".into()), 401),
            (Error::Forbidden("x".into()), 403),
            (Error::not_found("user"), 404),
            (Error::Conflict("x".into()), 409),
            (Error::Duplicate(FieldError::new("a", "b")), 409),
            (Error::Stale("x".into()), 412),
            (Error::invalid("f", "m"), 422),
            (
                Error::TooManyAttempts {
                    detail: "x".into(),
                    retry_after: 3,
                },
                429,
            ),
            (Error::TooLarge("x".into()), 413),
            (Error::UnsupportedType("x".into()), 415),
            (Error::Gone("x".into()), 410),
            (Error::Unavailable("x".into()), 503),
            (DieselError::NotFound.into(), 404),
        ];
        for (err, status) in cases {
            assert_eq!(err.status_code().as_u16(), status, "{err:?}");
        }
        assert_eq!(BodyError::TooLarge("x".into()).status_code(), 413);
        assert_eq!(BodyError::NotJson("x".into()).status_code(), 415);
    }
}
