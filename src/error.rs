//! The one error type of the API and its problem+json form (RFC 9457). Every non-2xx answer
//! the service gives, its own or the framework's, leaves through here.

use std::fmt;

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use serde::Serialize;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// One invalid field of a request: `field` is a JSON path (`items[2].name`) or a parameter name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }
}

#[derive(Debug)]
pub enum ApiError {
    /// 400: malformed request, unknown field.
    BadRequest {
        detail: String,
        errors: Vec<FieldError>,
    },
    /// 401: no token, a bad one, or bad credentials.
    Unauthorized(String),
    /// 403: the caller's role may never do this.
    Forbidden(String),
    /// 404: not found, or outside the caller's scope.
    NotFound(String),
    /// 405: the path exists but not with this method.
    MethodNotAllowed,
    /// 409: the object's state does not allow the action.
    Conflict(String),
    /// 409: a value that must be unique is taken (the field names it).
    Duplicate(FieldError),
    /// 412: `If-Match` did not match.
    PreconditionFailed(String),
    /// 413: body too large.
    PayloadTooLarge(String),
    /// 415: not JSON.
    UnsupportedMediaType(String),
    /// 422: well-formed but invalid values.
    Unprocessable(Vec<FieldError>),
    /// 429: too many attempts; retry after the given seconds.
    TooManyRequests { detail: String, retry_after: u64 },
    /// 503: the database is unavailable.
    Unavailable(String),
    /// 500: a bug. The cause is logged, never sent.
    Internal(String),
}

impl ApiError {
    pub fn bad_request(detail: impl Into<String>) -> Self {
        ApiError::BadRequest {
            detail: detail.into(),
            errors: Vec::new(),
        }
    }

    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError::Unprocessable(vec![FieldError::new(field, message)])
    }

    pub fn not_found(what: &str) -> Self {
        ApiError::NotFound(format!("{what} not found"))
    }

    pub fn internal(cause: impl Into<String>) -> Self {
        ApiError::Internal(cause.into())
    }

    /// A pool that cannot hand out a connection within its timeout: the database is down
    /// or saturated. Either way the client should come back shortly.
    pub fn from_pool(e: diesel::r2d2::PoolError) -> Self {
        log::warn!("database pool: {e}");
        ApiError::Unavailable("the database is not available".into())
    }

    /// The error as one line for a terminal, naming each invalid field.
    pub fn one_line(&self) -> String {
        match self {
            ApiError::Unprocessable(errors) => errors
                .iter()
                .map(|f| format!("{}: {}", f.field, f.message))
                .collect::<Vec<_>>()
                .join("; "),
            other => other.to_string(),
        }
    }

    fn slug_and_title(&self) -> (&'static str, &'static str) {
        match self {
            ApiError::BadRequest { .. } => ("bad-request", "Bad request"),
            ApiError::Unauthorized(_) => ("unauthorized", "Unauthorized"),
            ApiError::Forbidden(_) => ("forbidden", "Forbidden"),
            ApiError::NotFound(_) => ("not-found", "Not found"),
            ApiError::MethodNotAllowed => ("method-not-allowed", "Method not allowed"),
            ApiError::Conflict(_) => ("conflict", "Conflict"),
            ApiError::Duplicate(_) => ("duplicate", "Already exists"),
            ApiError::PreconditionFailed(_) => ("precondition-failed", "Precondition failed"),
            ApiError::PayloadTooLarge(_) => ("payload-too-large", "Payload too large"),
            ApiError::UnsupportedMediaType(_) => {
                ("unsupported-media-type", "Unsupported media type")
            }
            ApiError::Unprocessable(_) => ("validation", "Invalid request"),
            ApiError::TooManyRequests { .. } => ("too-many-requests", "Too many requests"),
            ApiError::Unavailable(_) => ("unavailable", "Service unavailable"),
            ApiError::Internal(_) => ("internal", "Internal server error"),
        }
    }

    fn detail(&self) -> String {
        match self {
            ApiError::BadRequest { detail, .. }
            | ApiError::Unauthorized(detail)
            | ApiError::Forbidden(detail)
            | ApiError::NotFound(detail)
            | ApiError::Conflict(detail)
            | ApiError::PreconditionFailed(detail)
            | ApiError::PayloadTooLarge(detail)
            | ApiError::UnsupportedMediaType(detail)
            | ApiError::TooManyRequests { detail, .. }
            | ApiError::Unavailable(detail) => detail.clone(),
            ApiError::Duplicate(e) => format!("{} {}", e.field, e.message),
            ApiError::MethodNotAllowed => "this method is not allowed on this path".into(),
            ApiError::Unprocessable(errors) => {
                let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
                format!("invalid value for {}", fields.join(", "))
            }
            ApiError::Internal(_) => "an unexpected error occurred; it has been logged".into(),
        }
    }

    fn errors(&self) -> &[FieldError] {
        match self {
            ApiError::BadRequest { errors, .. } | ApiError::Unprocessable(errors) => errors,
            ApiError::Duplicate(e) => std::slice::from_ref(e),
            _ => &[],
        }
    }
}

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

/// Builds a problem+json response for any status; used for the framework's own errors too.
pub fn problem_response(
    status: StatusCode,
    slug: &str,
    title: &str,
    detail: String,
    errors: &[FieldError],
) -> HttpResponse {
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

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::Internal(cause) => write!(f, "internal error: {cause}"),
            other => write!(f, "{}", other.detail()),
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Conflict(_) | ApiError::Duplicate(_) => StatusCode::CONFLICT,
            ApiError::PreconditionFailed(_) => StatusCode::PRECONDITION_FAILED,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let ApiError::Internal(cause) = self {
            log::error!("internal error: {cause}");
        }
        let (slug, title) = self.slug_and_title();
        let mut resp = problem_response(
            self.status_code(),
            slug,
            title,
            self.detail(),
            self.errors(),
        );
        let headers = resp.headers_mut();
        match self {
            ApiError::Unauthorized(_) => {
                headers.insert(
                    header::WWW_AUTHENTICATE,
                    header::HeaderValue::from_static("Bearer"),
                );
            }
            ApiError::TooManyRequests { retry_after, .. } => {
                headers.insert(header::RETRY_AFTER, (*retry_after).into());
            }
            ApiError::Unavailable(_) => {
                headers.insert(header::RETRY_AFTER, header::HeaderValue::from_static("5"));
            }
            _ => {}
        }
        resp
    }
}

impl From<DieselError> for ApiError {
    fn from(e: DieselError) -> Self {
        match e {
            DieselError::NotFound => ApiError::NotFound("not found".into()),
            DieselError::DatabaseError(DatabaseErrorKind::ClosedConnection, info) => {
                log::warn!("database connection closed: {}", info.message());
                ApiError::Unavailable("the database is not available".into())
            }
            DieselError::DatabaseError(DatabaseErrorKind::UnableToSendCommand, info) => {
                log::warn!("database unreachable: {}", info.message());
                ApiError::Unavailable("the database is not available".into())
            }
            DieselError::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => {
                ApiError::Conflict("a concurrent change got there first; retry".into())
            }
            other => ApiError::Internal(format!("database: {other}")),
        }
    }
}

/// True when a database error is a unique-constraint violation.
pub fn is_unique_violation(e: &DieselError) -> bool {
    matches!(
        e,
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)
    )
}

/// Maps a unique violation to a 409 naming `field`; other errors as usual.
pub fn unique_as(field: &str, message: &str) -> impl FnOnce(DieselError) -> ApiError {
    let (field, message) = (field.to_owned(), message.to_owned());
    move |e| {
        if is_unique_violation(&e) {
            ApiError::Duplicate(FieldError::new(field, message))
        } else {
            e.into()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::body::to_bytes;

    #[actix_rt::test]
    async fn internal_errors_say_nothing_internal() {
        let resp = ApiError::internal("SELECT secret FROM t").error_response();
        assert_eq!(resp.status(), 500);
        let body = to_bytes(resp.into_body()).await.unwrap_or_default();
        let text = String::from_utf8_lossy(&body);
        assert!(!text.contains("SELECT"), "{text}");
    }

    #[test]
    fn statuses() {
        let cases: Vec<(ApiError, u16)> = vec![
            (ApiError::bad_request("x"), 400),
            (ApiError::Unauthorized("x".into()), 401),
            (ApiError::Forbidden("x".into()), 403),
            (ApiError::not_found("user"), 404),
            (ApiError::Conflict("x".into()), 409),
            (ApiError::PreconditionFailed("x".into()), 412),
            (ApiError::invalid("f", "m"), 422),
            (
                ApiError::TooManyRequests {
                    detail: "x".into(),
                    retry_after: 3,
                },
                429,
            ),
            (ApiError::Unavailable("x".into()), 503),
            (DieselError::NotFound.into(), 404),
        ];
        for (err, status) in cases {
            assert_eq!(err.status_code().as_u16(), status, "{err:?}");
        }
    }
}
