//! Request extractors whose failures are problem+json like every other error: the caller
//! named by a bearer token, a JSON body that names the offending field without echoing
//! parser internals, and query/path configs.

use std::future::Future;
use std::pin::Pin;

use actix_web::error::PayloadError;
use actix_web::http::header;
use actix_web::{dev::Payload, web, FromRequest, HttpRequest};
use serde::de::DeserializeOwned;

use super::problem::BodyError;
use super::AppState;
use crate::auth::{self, Caller};
use crate::db;
use crate::error::{Error, FieldError};
use crate::http::nul_error;

fn unauthorized(detail: &str) -> Error {
    Error::Unauthenticated(detail.to_owned())
}

/// The token of an `Authorization: Bearer …` header (scheme name in any case).
pub fn bearer(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let token = token.trim();
    (!token.is_empty()).then(|| token.to_owned())
}

/// Taking a `Caller` argument makes a handler require a valid bearer token: missing,
/// malformed, expired or revoked tokens are a 401 before it runs.
impl FromRequest for Caller {
    type Error = Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = bearer(req);
        let open_to_one_time = ONE_TIME_PATHS.contains(&req.path());
        Box::pin(async move {
            let caller = identify(state, token).await?;
            if caller.user.must_change_password && !open_to_one_time {
                return Err(Error::Forbidden(
                    "the password is a one-time password: choose a new one first \
                     (POST /api/v1/me/password)"
                        .into(),
                ));
            }
            Ok(caller)
        })
    }
}

/// What a caller signed in with a one-time password may do: read who they are, choose a
/// new password, sign out.
const ONE_TIME_PATHS: [&str; 3] = ["/api/v1/me", "/api/v1/me/password", "/api/v1/auth/logout"];

async fn identify(
    state: Option<web::Data<AppState>>,
    token: Option<String>,
) -> Result<Caller, Error> {
    {
        let state = state.ok_or_else(|| Error::internal("application state missing"))?;
        let token = token.ok_or_else(|| unauthorized("a bearer token is required"))?;
        let claims = state
            .tokens
            .verify(&token)
            .ok_or_else(|| unauthorized("the token is invalid or expired"))?;
        let id: i64 = claims
            .sub
            .parse()
            .map_err(|_| unauthorized("the token is invalid or expired"))?;
        if let Some(caller) = state.callers.get(id, claims.ver, &claims.role) {
            return Ok(caller);
        }
        let read = std::time::Instant::now();
        let found = db::run(&state.pool, move |conn| {
            auth::resolve(conn, id, claims.ver, &claims.role)
        })
        .await?;
        let caller = found.ok_or_else(|| unauthorized("the token is no longer valid"))?;
        state.callers.put(&caller, read);
        Ok(caller)
    }
}

pub use crate::http::BODY_LIMIT;

/// A JSON request body. Requires a JSON content type; the body type decides which fields
/// exist (`deny_unknown_fields` on every body struct).
pub struct Json<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, actix_web::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        use actix_web::HttpMessage;
        let is_json = req
            .mime_type()
            .ok()
            .flatten()
            .is_some_and(|m| m.subtype() == "json" || m.suffix().is_some_and(|s| s == "json"));
        let bytes = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            if !is_json {
                return Err(BodyError::NotJson(
                    "the body must be JSON, sent with Content-Type: application/json".into(),
                )
                .into());
            }
            let bytes = bytes.await.map_err(|e| -> actix_web::Error {
                match e.as_error::<PayloadError>() {
                    Some(PayloadError::Overflow) => {
                        BodyError::TooLarge(format!("the body is larger than {BODY_LIMIT} bytes"))
                            .into()
                    }
                    _ => Error::malformed("the body could not be read").into(),
                }
            })?;
            Ok(Json(parse_json(&bytes)?))
        })
    }
}

/// A JSON body that may be left out entirely (no body, no content type): then `T::default()`.
/// For actions whose body is all optional (`urge`, `supervise`).
pub struct OptionalJson<T>(pub T);

impl<T: DeserializeOwned + Default + 'static> FromRequest for OptionalJson<T> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, actix_web::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let empty = req
            .headers()
            .get(actix_web::http::header::CONTENT_LENGTH)
            .is_some_and(|v| v.as_bytes() == b"0")
            || (!req
                .headers()
                .contains_key(actix_web::http::header::CONTENT_TYPE)
                && !req
                    .headers()
                    .contains_key(actix_web::http::header::TRANSFER_ENCODING)
                && !req
                    .headers()
                    .contains_key(actix_web::http::header::CONTENT_LENGTH));
        if empty {
            return Box::pin(async { Ok(OptionalJson(T::default())) });
        }
        let json = Json::<T>::from_request(req, payload);
        Box::pin(async move { json.await.map(|Json(v)| OptionalJson(v)) })
    }
}

/// Parses a JSON body, turning serde's errors into field-level problems without its
/// "at line X column Y" text: syntax → 400, unknown field → 400 naming it, any other
/// data error (missing field, wrong type, unknown enum value) → 422 naming the field.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Error> {
    // JSON writes a NUL only escaped; look closer only when that escape is there.
    if bytes.windows(6).any(|w| w == b"\\u0000") {
        if let Ok(v) = serde_json::from_slice::<serde_json::Value>(bytes) {
            if let Some(path) = nul_path(&v, String::new()) {
                return Err(nul_error(&path));
            }
        }
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize::<_, T>(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        json_error(&path, &inner)
    })?;
    de.end()
        .map_err(|_| Error::malformed("the body has trailing characters after the JSON value"))?;
    Ok(value)
}

fn json_error(path: &str, e: &serde_json::Error) -> Error {
    if !e.is_data() {
        return Error::malformed("the body is not valid JSON");
    }
    let full = e.to_string();
    let message = match full.find(" at line ") {
        Some(i) => &full[..i],
        None => full.as_str(),
    };
    let join = |name: &str| {
        if path == "." || path.is_empty() {
            name.to_owned()
        } else {
            format!("{path}.{name}")
        }
    };
    let quoted = message.split('`').nth(1).unwrap_or_default();
    if message.starts_with("unknown field") {
        // The path already ends at the unknown key.
        let field = if path.ends_with(quoted) && path != "." {
            path.to_owned()
        } else {
            join(quoted)
        };
        return Error::Malformed {
            detail: format!("unknown field `{field}`"),
            errors: vec![FieldError::new(field, "unknown field")],
        };
    }
    if message.starts_with("missing field") {
        return Error::Invalid(vec![FieldError::new(join(quoted), "is required")]);
    }
    let field = if path == "." || path.is_empty() {
        "body".to_owned()
    } else {
        path.to_owned()
    };
    Error::Invalid(vec![FieldError::new(field, message)])
}

/// The path (`title`, `items[2].name`) of the first string or key of a JSON value that
/// holds a NUL character.
fn nul_path(v: &serde_json::Value, at: String) -> Option<String> {
    use serde_json::Value;
    let join = |name: &str| {
        if at.is_empty() {
            name.to_owned()
        } else {
            format!("{at}.{name}")
        }
    };
    match v {
        Value::String(s) if s.contains('\0') => {
            Some(if at.is_empty() { "body".into() } else { at })
        }
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, item)| nul_path(item, format!("{at}[{i}]"))),
        Value::Object(map) => map.iter().find_map(|(k, item)| {
            if k.contains('\0') {
                Some(join(&k.replace('\0', "\\0")))
            } else {
                nul_path(item, join(k))
            }
        }),
        _ => None,
    }
}

/// A query string read into `T`, whose failures name the parameter: an unknown one, or
/// one whose value does not read as its type (`from=2022-2-3`, `page=x`) is a 400 with the
/// parameter in `errors`.
pub struct Query<T>(pub T);

impl<T: DeserializeOwned> Query<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for Query<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned> FromRequest for Query<T> {
    type Error = Error;
    type Future = std::future::Ready<Result<Self, Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(parse_query(req.query_string()).map(Query))
    }
}

/// Reads a query string into `T`, naming the parameter that does not fit.
pub fn parse_query<T: DeserializeOwned>(query: &str) -> Result<T, Error> {
    let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let full = e.into_inner().to_string();
        let quoted = full.split('`').nth(1).unwrap_or_default().to_owned();
        let (field, message) = if full.starts_with("unknown field") {
            (quoted, "is not a parameter here".to_owned())
        } else if full.starts_with("missing field") {
            (quoted, "is required".to_owned())
        } else if path.is_empty() || path == "." {
            ("query".to_owned(), full.clone())
        } else if full.starts_with(crate::domain::time::NOT_A_DATE) {
            // A date in the wrong shape is a value to correct, not an unreadable request.
            return Error::invalid(path, full);
        } else {
            (path, format!("cannot be read: {full}"))
        };
        Error::Malformed {
            detail: format!("the query parameter `{field}` {message}"),
            errors: vec![FieldError::new(field, message)],
        }
    })
}

/// Query strings that do not parse are malformed requests (400).
pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|e, _| {
        Error::Malformed {
            detail: format!("invalid query string: {e}"),
            errors: Vec::new(),
        }
        .into()
    })
}

/// A path segment that does not parse (`/users/abc`) names nothing that exists: 404.
pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|_, _| Error::not_found("resource").into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::ResponseError;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        name: String,
        count: Option<u32>,
        inner: Option<Inner>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        size: u8,
    }

    #[test]
    fn json_errors_name_the_field() {
        let cases: [(&str, u16, &str); 7] = [
            ("{", 400, ""),
            ("not json", 400, ""),
            (r#"{"name":"a"} x"#, 400, ""),
            (r#"{"name":"a","extra":1}"#, 400, "extra"),
            (r#"{"count":1}"#, 422, "name"),
            (r#"{"name":"a","count":"x"}"#, 422, "count"),
            (r#"{"name":"a","inner":{"size":999}}"#, 422, "inner.size"),
        ];
        for (body, status, field) in cases {
            let err = match parse_json::<Body>(body.as_bytes()) {
                Ok(v) => panic!("{body} parsed as {v:?}"),
                Err(e) => e,
            };
            assert_eq!(err.status_code().as_u16(), status, "{body}");
            let text = format!("{err}");
            assert!(!text.contains("line"), "{body}: {text}");
            let fields: Vec<String> = match &err {
                Error::Malformed { errors, .. } | Error::Invalid(errors) => {
                    errors.iter().map(|e| e.field.clone()).collect()
                }
                _ => Vec::new(),
            };
            if field.is_empty() {
                assert!(fields.is_empty(), "{body}: {fields:?}");
            } else {
                assert_eq!(fields, vec![field.to_owned()], "{body}");
            }
        }
    }

    #[test]
    fn json_accepts_valid_body() {
        let body: Body = match parse_json(r#"{"name":"湖州","inner":{"size":3}}"#.as_bytes()) {
            Ok(b) => b,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(body.name, "湖州");
    }
}
