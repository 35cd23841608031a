//! The web pages: server-rendered HTML for the people of the programme, in the same binary
//! as the API and over the same service layer, so a page never shows or offers what the
//! API would refuse the same user. Signed in by a session cookie holding the same token
//! the API accepts (same throttling, same revocation); every form carries a CSRF token.

mod account;
mod act;
mod admin;
mod charts;
mod common;
mod dashboard;
mod files;
mod filing;
mod form;
mod format;
mod forums;
mod issues;
mod knowledge;
mod notices;
mod queues;
mod reports;
mod session;
mod templates;
pub mod tour;

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};
use askama::Template;

use crate::auth::Caller;
use crate::domain::role::Role;
use crate::error::Error;
pub use session::Session;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/static/{name}").get(asset));
    account::routes(cfg);
    admin::routes(cfg);
    reports::routes(cfg);
    dashboard::routes(cfg);
    filing::routes(cfg);
    files::routes(cfg);
    queues::routes(cfg);
    forums::routes(cfg);
    templates::routes(cfg);
    notices::routes(cfg);
    // Before the issues' `/issues/{id}/{action}`: publishing is not an action on the issue.
    knowledge::routes(cfg);
    common::routes(cfg);
    issues::routes(cfg);
}

/// The stylesheet and the little script, compiled in: no request ever leaves for another host.
const ASSETS: [(&str, &str, &str); 2] = [
    (
        "app.css",
        "text/css; charset=utf-8",
        include_str!("../../static/app.css"),
    ),
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_str!("../../static/app.js"),
    ),
];

async fn asset(name: web::Path<String>) -> Result<HttpResponse, WebError> {
    let (_, kind, body) = ASSETS
        .iter()
        .find(|(n, ..)| *n == name.as_str())
        .ok_or_else(|| WebError::Page(Error::not_found("file")))?;
    Ok(HttpResponse::Ok()
        .content_type(*kind)
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(*body))
}

/// Why a page could not be shown: the reader must sign in first, or the service refused.
#[derive(Debug)]
pub enum WebError {
    /// Not signed in (or the session ended): to `/login`, then back to `next`.
    SignIn {
        next: String,
    },
    /// Signed in with a one-time password: to the account page, to choose a new one.
    ChoosePassword,
    Page(Error),
}

impl From<Error> for WebError {
    fn from(e: Error) -> Self {
        WebError::Page(e)
    }
}

impl std::fmt::Display for WebError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WebError::SignIn { .. } => f.write_str("sign in first"),
            WebError::ChoosePassword => f.write_str("choose a new password first"),
            WebError::Page(e) => write!(f, "{e}"),
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    title: &'static str,
    message: String,
}

/// A refusal in words a person can act on.
fn describe(e: &Error) -> (StatusCode, &'static str, String) {
    match e {
        Error::NotFound(_) => (
            StatusCode::NOT_FOUND,
            "页面不存在",
            "您要找的页面不存在，或不在您的权限范围内。".into(),
        ),
        Error::Forbidden(_) => (
            StatusCode::FORBIDDEN,
            "无权操作",
            "您的账号没有这项操作的权限。".into(),
        ),
        Error::Unavailable(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            "服务暂不可用",
            "数据库暂时无法访问，请稍后刷新重试。".into(),
        ),
        Error::Internal(_) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "系统出错",
            "系统出现意外错误，已记录日志。请稍后重试。".into(),
        ),
        Error::TooManyAttempts { retry_after, .. } => (
            StatusCode::TOO_MANY_REQUESTS,
            "尝试次数过多",
            format!("登录失败次数过多，请在{retry_after}秒后再试。"),
        ),
        Error::Stale(_) | Error::Conflict(_) => (
            StatusCode::CONFLICT,
            "无法完成",
            "该事项已被他人更新，请刷新页面后重试。".into(),
        ),
        Error::Unauthenticated(_) => (
            StatusCode::UNAUTHORIZED,
            "请先登录",
            "登录已失效，请重新登录。".into(),
        ),
        Error::Invalid(errors) if !errors.is_empty() => (
            StatusCode::BAD_REQUEST,
            "请求有误",
            format!(
                "请检查填写的内容：{}",
                errors
                    .iter()
                    .map(|f| format!("{} {}", f.field, f.message))
                    .collect::<Vec<_>>()
                    .join("；")
            ),
        ),
        Error::Malformed { .. } | Error::Invalid(_) | Error::Duplicate(_) => (
            StatusCode::BAD_REQUEST,
            "请求有误",
            format!("请检查填写的内容：{}", e.detail()),
        ),
        Error::TooLarge(detail) => (StatusCode::PAYLOAD_TOO_LARGE, "文件过大", detail.clone()),
        Error::Gone(_) => (
            StatusCode::GONE,
            "附件已撤回",
            "该附件已被撤回，不再提供下载；撤回人和理由见附件列表。".into(),
        ),
        Error::UnsupportedType(detail) => (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "文件类型不支持",
            detail.clone(),
        ),
    }
}

impl ResponseError for WebError {
    fn status_code(&self) -> StatusCode {
        match self {
            WebError::SignIn { .. } | WebError::ChoosePassword => StatusCode::SEE_OTHER,
            WebError::Page(e) => describe(e).0,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            WebError::SignIn { next } => {
                let to = format!(
                    "/login?{}",
                    serde_urlencoded::to_string([("next", next.as_str())]).unwrap_or_default()
                );
                redirect(&to)
            }
            WebError::ChoosePassword => redirect("/account"),
            WebError::Page(e) => {
                if let Error::Internal(cause) = e {
                    log::error!("internal error: {cause}");
                }
                let (status, title, message) = describe(e);
                let body = ErrorPage { title, message }
                    .render()
                    .unwrap_or_else(|_| title.to_owned());
                HttpResponse::build(status)
                    .content_type("text/html; charset=utf-8")
                    .body(body)
            }
        }
    }
}

/// The pairs of a query string that carry a value: an empty field of a filter form means
/// "any", not an invalid value.
pub fn filled(req: &HttpRequest) -> Vec<(String, String)> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(req.query_string())
        .unwrap_or_default()
        .into_iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .collect()
}

pub fn parse_query<T: serde::de::DeserializeOwned>(
    pairs: &[(String, String)],
) -> Result<T, WebError> {
    let text = serde_urlencoded::to_string(pairs).unwrap_or_default();
    serde_urlencoded::from_str(&text)
        .map_err(|_| WebError::Page(Error::malformed("the filters could not be read")))
}

/// 303 See Other to `to` (after a form, and to the sign-in page).
pub fn redirect(to: &str) -> HttpResponse {
    // A place that cannot be a header value (a line break) goes home rather than failing.
    let to =
        header::HeaderValue::from_str(to).unwrap_or_else(|_| header::HeaderValue::from_static("/"));
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, to))
        .finish()
}

/// A rendered page.
pub fn page(t: &impl Template) -> Result<HttpResponse, WebError> {
    let body = t
        .render()
        .map_err(|e| WebError::Page(Error::internal(format!("template: {e}"))))?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(body))
}

/// One entry of the navigation.
pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
    /// A count shown beside the label (unread notices).
    pub badge: Option<i64>,
}

/// What every signed-in page shows around its content: who is signed in, the navigation
/// their role has, and the form to sign out.
pub struct Chrome {
    pub title: String,
    pub user_name: String,
    pub role_name: &'static str,
    /// The department or enterprise the user acts for.
    pub affiliation: Option<String>,
    pub nav: Vec<NavItem>,
    pub csrf: String,
}

/// A page the caller's role may not use answers as if it did not exist.
pub fn may(session: &Session, can: crate::domain::role::Can) -> Result<(), WebError> {
    if session.caller.may(can) {
        Ok(())
    } else {
        Err(WebError::Page(Error::not_found("page")))
    }
}

impl Chrome {
    pub fn new(session: &Session, title: impl Into<String>, here: &str) -> Chrome {
        let c: &Caller = &session.caller;
        let nav: &[(&'static str, &'static str)] = match c.role {
            Role::Enterprise => &[("/issues/new", "我要反映"), ("/issues", "我的问题")],
            Role::Department => &[
                ("/inbox", "待办"),
                ("/issues", "问题列表"),
                ("/common", "共性问题"),
                ("/templates", "答复模板"),
            ],
            Role::Coordinator => &[
                ("/desk", "工作台"),
                ("/dashboard", "驾驶舱"),
                ("/reports", "报告"),
                ("/issues", "问题列表"),
                ("/issues/new", "登记问题"),
                ("/common", "共性问题"),
                ("/forums", "恳谈会"),
                ("/templates", "答复模板"),
            ],
            Role::Leader => &[
                ("/dashboard", "驾驶舱"),
                ("/reports", "报告"),
                ("/issues", "问题列表"),
                ("/common", "共性问题"),
                ("/forums", "恳谈会"),
            ],
            Role::Admin => &[
                ("/admin", "系统管理"),
                ("/dashboard", "驾驶舱"),
                ("/reports", "报告"),
                ("/issues", "问题列表"),
            ],
        };
        let mut nav = nav.to_vec();
        nav.push(("/knowledge", "政策问答"));
        nav.push(("/notifications", "消息"));
        nav.push(("/account", "账号"));
        Chrome {
            title: title.into(),
            user_name: c.user.display_name.clone(),
            role_name: c.role.zh(),
            affiliation: session.affiliation.clone(),
            nav: nav
                .into_iter()
                .map(|(href, label)| NavItem {
                    href,
                    label,
                    current: here == href,
                    badge: (href == "/notifications" && session.unread > 0)
                        .then_some(session.unread),
                })
                .collect(),
            csrf: session.csrf.clone(),
        }
    }
}
