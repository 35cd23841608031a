//! The application: the API's routes and the web pages' mounted side by side, and the
//! middleware every answer passes (request ids, metrics, logging, security headers, the
//! framework's own errors as problem+json). Used by the server and by the tests alike.

use std::sync::atomic::{AtomicU64, Ordering};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::middleware::Logger;
use actix_web::{web, App, HttpResponse};

use crate::api::problem::{problem_response, PROBLEM_JSON};
use crate::api::{extract, metrics};
use crate::error::Error;

use crate::http::AppState;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The whole application, as the server runs it and as the tests drive it.
pub fn app(
    state: AppState,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let metrics = state.metrics.clone();
    let body_timeout = state.body_timeout;
    // Served over HTTPS (`--cookie-secure`): browsers are told to come back only so.
    let https = state.cookie_secure;
    App::new()
        .app_data(web::Data::new(state))
        .app_data(web::PayloadConfig::new(extract::BODY_LIMIT))
        .app_data(extract::query_config())
        .app_data(extract::path_config())
        .configure(crate::api::routes)
        .configure(crate::web::routes)
        .default_service(web::to(not_found))
        .wrap_fn(move |mut req, srv| {
            use actix_web::dev::Service;
            use actix_web::HttpMessage;
            // The body must arrive within a bounded time of the head: a client sending it
            // slowly (or never) gets 408 and the connection is closed, rather than holding
            // it open for good.
            let late = std::rc::Rc::new(std::cell::Cell::new(false));
            let timed = TimedBody {
                inner: req.take_payload(),
                deadline: Box::pin(actix_web::rt::time::sleep(body_timeout)),
                late: late.clone(),
            };
            req.set_payload(actix_web::dev::Payload::from(
                Box::pin(timed) as BodyStream
            ));
            let fut = srv.call(req);
            async move {
                let mut res = fut.await?;
                if late.get() {
                    let (req, _) = res.into_parts();
                    let mut answer = problem_response(
                        StatusCode::REQUEST_TIMEOUT,
                        "request-timeout",
                        "Request timeout",
                        format!(
                            "the request's body did not arrive within {} s of its head",
                            body_timeout.as_secs()
                        ),
                        &[],
                    );
                    answer
                        .head_mut()
                        .set_connection_type(actix_web::http::ConnectionType::Close);
                    res = ServiceResponse::new(req, answer).map_into_boxed_body();
                    return Ok(res);
                }
                Ok(res.map_into_boxed_body())
            }
        })
        .wrap_fn(|req, srv| {
            use actix_web::dev::Service;
            use futures_util::future::Either;
            if let Some(refusal) = oversized_head(&req) {
                let res = req.into_response(refusal);
                return Either::Left(std::future::ready(Ok(res)));
            }
            match crate::http::bad_query(req.query_string()) {
                Some(refusal) => {
                    let res = req.into_response(actix_web::ResponseError::error_response(&refusal));
                    Either::Left(std::future::ready(Ok(res)))
                }
                None => {
                    let fut = srv.call(req);
                    Either::Right(async move { Ok(as_problem(fut.await?)) })
                }
            }
        })
        .wrap_fn(move |req, srv| {
            use actix_web::dev::Service;
            let fut = srv.call(req);
            async move {
                let mut res = fut.await?;
                protect(res.headers_mut(), https);
                Ok(res)
            }
        })
        .wrap_fn(|req, srv| {
            use actix_web::dev::Service;
            let id = request_id(&req);
            let fut = srv.call(req);
            async move {
                let mut res = fut.await?;
                res.headers_mut().insert(REQUEST_ID, id);
                Ok(res)
            }
        })
        .wrap_fn(move |req, srv| {
            use actix_web::dev::Service;
            let (start, method) = (std::time::Instant::now(), req.method().to_string());
            let metrics = metrics.clone();
            let fut = srv.call(req);
            async move {
                let res = fut.await?;
                metrics.observe(
                    res.request().match_pattern(),
                    &method,
                    res.status().as_u16(),
                    start.elapsed(),
                );
                Ok(res)
            }
        })
        .wrap(
            Logger::new(
                "request_id=%{x-request-id}o method=%{METHOD}xi path=%U status=%s bytes=%b latency_ms=%D peer=%{r}a",
            )
            .custom_request_replace("METHOD", |req| req.method().to_string())
            .log_target("qinqing::request"),
        )
}

/// The application of `--metrics-bind`: `/metrics` alone.
pub fn metrics_app(
    state: AppState,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    App::new()
        .app_data(web::Data::new(state))
        .configure(metrics::routes)
        .default_service(web::to(not_found))
}

/// An unknown path: a page for a browser, problem+json for everyone else.
async fn not_found(req: actix_web::HttpRequest) -> Result<HttpResponse, actix_web::Error> {
    let browser = !req.path().starts_with("/api/")
        && req
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/html"));
    if browser {
        Err(crate::web::WebError::Page(Error::not_found("page")).into())
    } else {
        Err(Error::NotFound("no such path".into()).into())
    }
}

/// Headers every answer carries: HTTPS only from now on when served over it (HSTS), no
/// type sniffing, nothing kept in shared caches unless an
/// answer says otherwise (static files do), and for pages a strict content policy: scripts,
/// styles and images from this service only, no inline script, no framing.
fn protect(h: &mut header::HeaderMap, https: bool) {
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if https {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    let html = h
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    if html {
        if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
            h.insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(
                    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; \
                     form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
                ),
            );
        }
        h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
        h.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        );
    }
}

/// The longest path and query the service reads (no page or API link comes close).
pub const MAX_URI: usize = 8 * 1024;
/// The most header bytes (names and values) the service reads, and the most in one header.
pub const MAX_HEADERS_BYTES: usize = 32 * 1024;
pub const MAX_HEADER_BYTES: usize = 16 * 1024;

/// A request head longer than the service reads: a 414 or 431 problem naming what is too
/// long. The limits lie well under the HTTP parser's own (128 KiB for the whole head, 96
/// headers), which closes the connection with the bare status and no body.
fn oversized_head(req: &ServiceRequest) -> Option<HttpResponse> {
    let uri = req.uri().path_and_query().map_or(0, |pq| pq.as_str().len());
    if uri > MAX_URI {
        return Some(problem_response(
            StatusCode::URI_TOO_LONG,
            "uri-too-long",
            "URI too long",
            format!("the path and query are {uri} bytes; at most {MAX_URI} are read"),
            &[],
        ));
    }
    let mut total = 0;
    for (name, value) in req.headers() {
        let size = name.as_str().len() + value.len();
        if size > MAX_HEADER_BYTES {
            return Some(problem_response(
                StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
                "request-header-fields-too-large",
                "Request header fields too large",
                format!("the header `{name}` is {size} bytes; at most {MAX_HEADER_BYTES} are read"),
                &[],
            ));
        }
        total += size;
    }
    (total > MAX_HEADERS_BYTES).then(|| {
        problem_response(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "request-header-fields-too-large",
            "Request header fields too large",
            format!("the headers are {total} bytes; at most {MAX_HEADERS_BYTES} are read"),
            &[],
        )
    })
}

/// Keeps a client's `X-Request-Id` when it is a short plain token, else makes one.
fn request_id(req: &ServiceRequest) -> HeaderValue {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    if let Some(v) = req.headers().get(&REQUEST_ID) {
        let ok = v.len() <= 64
            && v.as_bytes()
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_' || *b == b'.');
        if ok && !v.is_empty() {
            return v.clone();
        }
    }
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    HeaderValue::from_str(&format!("{:08x}-{n:x}", process_tag()))
        .unwrap_or_else(|_| HeaderValue::from_static("unknown"))
}

/// A per-process random tag so that request ids from several instances do not collide.
fn process_tag() -> u32 {
    use std::sync::OnceLock;
    static TAG: OnceLock<u32> = OnceLock::new();
    *TAG.get_or_init(|| {
        let mut b = [0u8; 4];
        use argon2::password_hash::rand_core::{OsRng, RngCore};
        OsRng.fill_bytes(&mut b);
        u32::from_le_bytes(b)
    })
}

/// Gives the framework's own error answers (unknown path, wrong method with its `Allow`,
/// oversized or mistyped bodies) the same problem+json body as ours.
fn as_problem<B: MessageBody + 'static>(res: ServiceResponse<B>) -> ServiceResponse<BoxBody> {
    let status = res.status();
    // Problems are answered already; pages answer people in HTML.
    let answered = res.headers().get(header::CONTENT_TYPE).is_some_and(|v| {
        v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()) || v.as_bytes().starts_with(b"text/html")
    });
    if !(status.is_client_error() || status.is_server_error()) || answered {
        return res.map_into_boxed_body();
    }
    let reason = status.canonical_reason().unwrap_or("Error");
    let slug = reason.to_ascii_lowercase().replace(' ', "-");
    // Sentence case, like the service's own titles ("Method not allowed").
    let title = match reason.split_at_checked(1) {
        Some((first, rest)) => format!("{first}{}", rest.to_ascii_lowercase()),
        None => reason.to_owned(),
    };
    let title = title.as_str();
    let detail = match status.as_u16() {
        405 => "this method is not allowed on this path".to_owned(),
        404 => "no such path".to_owned(),
        500..=599 => "an unexpected error occurred; it has been logged".to_owned(),
        _ => title.to_owned(),
    };
    let mut problem = problem_response(status, &slug, title, detail, &[]);
    for (name, value) in res.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            problem.headers_mut().insert(name.clone(), value.clone());
        }
    }
    let (req, _) = res.into_parts();
    ServiceResponse::new(req, problem)
}

/// How long a request's body may take to arrive after its head, by default.
pub const BODY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// A request body as a stream of its chunks (what actix-web's payload holds).
type BodyStream = std::pin::Pin<
    Box<
        dyn futures_util::Stream<
            Item = Result<actix_web::web::Bytes, actix_web::error::PayloadError>,
        >,
    >,
>;

/// A request body that fails once its deadline passes (and says so in `late`).
struct TimedBody {
    inner: actix_web::dev::Payload,
    deadline: std::pin::Pin<Box<actix_web::rt::time::Sleep>>,
    late: std::rc::Rc<std::cell::Cell<bool>>,
}

impl futures_util::Stream for TimedBody {
    type Item = Result<actix_web::web::Bytes, actix_web::error::PayloadError>;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        use std::future::Future;
        use std::task::Poll;
        if let Poll::Ready(item) = std::pin::Pin::new(&mut self.inner).poll_next(cx) {
            return Poll::Ready(item);
        }
        if self.deadline.as_mut().poll(cx).is_ready() {
            self.late.set(true);
            return Poll::Ready(Some(Err(actix_web::error::PayloadError::Io(
                std::io::Error::new(std::io::ErrorKind::TimedOut, "the body arrived too slowly"),
            ))));
        }
        Poll::Pending
    }
}
