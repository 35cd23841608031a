//! Request extractors whose failures are problem+json like every other error: a JSON body
//! that names the offending field without echoing parser internals, and query/path configs.

use std::future::Future;
use std::pin::Pin;

use actix_web::error::PayloadError;
use actix_web::{dev::Payload, web, FromRequest, HttpRequest};
use serde::de::DeserializeOwned;

use crate::error::{ApiError, FieldError};

/// Largest request body accepted; larger ones are answered 413.
pub const BODY_LIMIT: usize = 256 * 1024;

/// A JSON request body. Requires a JSON content type; the body type decides which fields
/// exist (`deny_unknown_fields` on every body struct).
pub struct Json<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

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
                return Err(ApiError::UnsupportedMediaType(
                    "the body must be JSON, sent with Content-Type: application/json".into(),
                ));
            }
            let bytes = bytes
                .await
                .map_err(|e| match e.as_error::<PayloadError>() {
                    Some(PayloadError::Overflow) => ApiError::PayloadTooLarge(format!(
                        "the body is larger than {BODY_LIMIT} bytes"
                    )),
                    _ => ApiError::bad_request("the body could not be read"),
                })?;
            parse_json(&bytes).map(Json)
        })
    }
}

/// A JSON body that may be left out entirely (no body, no content type): then `T::default()`.
/// For actions whose body is all optional (`urge`, `supervise`).
pub struct OptionalJson<T>(pub T);

impl<T: DeserializeOwned + Default + 'static> FromRequest for OptionalJson<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

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
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize::<_, T>(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        json_error(&path, &inner)
    })?;
    de.end().map_err(|_| {
        ApiError::bad_request("the body has trailing characters after the JSON value")
    })?;
    Ok(value)
}

fn json_error(path: &str, e: &serde_json::Error) -> ApiError {
    if !e.is_data() {
        return ApiError::bad_request("the body is not valid JSON");
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
        return ApiError::BadRequest {
            detail: format!("unknown field `{field}`"),
            errors: vec![FieldError::new(field, "unknown field")],
        };
    }
    if message.starts_with("missing field") {
        return ApiError::Unprocessable(vec![FieldError::new(join(quoted), "is required")]);
    }
    let field = if path == "." || path.is_empty() {
        "body".to_owned()
    } else {
        path.to_owned()
    };
    ApiError::Unprocessable(vec![FieldError::new(field, message)])
}

/// Query strings that do not parse are malformed requests (400).
pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|e, _| {
        ApiError::BadRequest {
            detail: format!("invalid query string: {e}"),
            errors: Vec::new(),
        }
        .into()
    })
}

/// A path segment that does not parse (`/users/abc`) names nothing that exists: 404.
pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|_, _| ApiError::not_found("resource").into())
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
                ApiError::BadRequest { errors, .. } | ApiError::Unprocessable(errors) => {
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
