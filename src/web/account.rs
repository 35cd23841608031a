//! Signing in and out, the home of each role, and the reader's own account (账号).

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::session::{self, Session, LOGIN_COOKIE, SESSION_COOKIE};
use super::{page, redirect, Chrome, WebError};
use crate::db;
use crate::domain::role::Can;
use crate::error::Error;
use crate::http::AppState;
use crate::service::accounts;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/").get(home))
        .service(web::resource("/login").get(login_form).post(login))
        .service(web::resource("/logout").post(logout))
        .service(web::resource("/account").get(account))
        .service(web::resource("/account/password").post(change_password));
}

/// Where each role starts.
async fn home(session: Session) -> HttpResponse {
    use crate::domain::role::Role;
    redirect(match session.caller.role {
        Role::Admin => "/admin",
        Role::Coordinator => "/desk",
        Role::Department => "/inbox",
        Role::Enterprise => "/issues",
        role if role.may(Can::ReadDashboard) => "/dashboard",
        _ => "/issues",
    })
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    csrf: String,
    next: String,
    username: String,
    error: Option<String>,
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

/// Only a path of this site is a place to return to (never `//host` or `https://…`). Every
/// character must be visible ASCII: browsers drop a tab or a line break inside a URL
/// (`/<TAB>/evil.example` reads as `//evil.example`), a backslash reads as a slash, and a
/// line break could not be sent in a header at all; the service's own links percent-encode
/// everything else.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && n.len() <= 2048
                && n.bytes().all(|b| b.is_ascii_graphic() && b != b'\\') =>
        {
            n.to_owned()
        }
        _ => "/".to_owned(),
    }
}

/// The sign-in form with a fresh random cookie behind its CSRF token.
fn login_page(
    state: &AppState,
    next: String,
    username: String,
    error: Option<String>,
    status: actix_web::http::StatusCode,
) -> Result<HttpResponse, WebError> {
    let nonce = session::nonce();
    let form = LoginPage {
        csrf: session::login_csrf(state, &nonce),
        next,
        username,
        error,
    };
    let mut resp = page(&form)?;
    *resp.status_mut() = status;
    resp.add_cookie(&session::cookie(state, LOGIN_COOKIE, nonce, 3600))
        .map_err(|e| Error::internal(e.to_string()))?;
    Ok(resp)
}

async fn login_form(
    state: web::Data<AppState>,
    query: web::Query<NextQuery>,
) -> Result<HttpResponse, WebError> {
    let next = safe_next(query.next.as_deref());
    login_page(
        &state,
        next,
        String::new(),
        None,
        actix_web::http::StatusCode::OK,
    )
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
    next: Option<String>,
}

/// Parses a posted form; a body that is not a form is a refusal, not a crash.
pub fn form<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, WebError> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body)
        .map_err(|_| WebError::Page(Error::malformed("the form could not be read")))?;
    if let Some(field) = crate::http::nul_field(&pairs) {
        return Err(WebError::Page(crate::http::nul_error(&field)));
    }
    serde_urlencoded::from_bytes(body)
        .map_err(|_| WebError::Page(Error::malformed("the form could not be read")))
}

async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    use actix_web::http::StatusCode;
    let f: LoginForm = form(&body)?;
    let next = safe_next(f.next.as_deref());
    if !session::login_csrf_ok(&state, &req, &f.csrf) {
        let msg = "页面已过期，请重新输入用户名和密码后登录。".to_owned();
        return login_page(&state, next, f.username, Some(msg), StatusCode::FORBIDDEN);
    }
    let mut missing = Vec::new();
    if f.username.trim().is_empty() {
        missing.push("请填写用户名");
    }
    if f.password.is_empty() {
        missing.push("请填写密码");
    }
    if !missing.is_empty() {
        let msg = missing.join("，") + "。";
        return login_page(
            &state,
            next,
            f.username,
            Some(msg),
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    let address = crate::http::client_address(&req, &state.trusted_proxies);
    let (username, password) = (f.username.clone(), f.password);
    let signed = crate::http::sign_in(&state, username, password, address).await;
    let user = match signed {
        Ok(u) => u,
        Err(Error::Unauthenticated(_)) => {
            let msg = "用户名或密码不正确。".to_owned();
            return login_page(
                &state,
                next,
                f.username,
                Some(msg),
                StatusCode::UNAUTHORIZED,
            );
        }
        Err(Error::TooManyAttempts { retry_after, .. }) => {
            let msg = format!("登录失败次数过多，请在{retry_after}秒后再试。");
            return login_page(
                &state,
                next,
                f.username,
                Some(msg),
                StatusCode::TOO_MANY_REQUESTS,
            );
        }
        Err(e) => return Err(e.into()),
    };
    let token = state.tokens.issue_for(&user).map_err(Error::internal)?;
    let mut resp = redirect(&next);
    let session_cookie = session::cookie(&state, SESSION_COOKIE, token, state.tokens.ttl_seconds);
    let mut spent = session::cookie(&state, LOGIN_COOKIE, String::new(), 0);
    spent.make_removal();
    for c in [session_cookie, spent] {
        resp.add_cookie(&c)
            .map_err(|e| Error::internal(e.to_string()))?;
    }
    Ok(resp)
}

#[derive(Deserialize)]
struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

/// 退出: ends every session and token of the reader (as the API's logout), then the cookie.
async fn logout(session: Session, body: web::Bytes) -> Result<HttpResponse, WebError> {
    let f: CsrfForm = form(&body)?;
    session.check_csrf(&f.csrf)?;
    let state = session.state.clone();
    let caller = session.caller;
    let id = caller.id();
    db::run(&state.pool, move |conn| accounts::sign_out(conn, &caller)).await?;
    state.callers.forget(id);
    let mut resp = redirect("/login");
    let mut gone = session::cookie(&state, SESSION_COOKIE, String::new(), 0);
    gone.make_removal();
    resp.add_cookie(&gone)
        .map_err(|e| Error::internal(e.to_string()))?;
    Ok(resp)
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    chrome: Chrome,
    username: String,
    error: Option<String>,
    done: bool,
    one_time: bool,
}

#[derive(Deserialize)]
struct DoneQuery {
    done: Option<String>,
}

async fn account(session: Session, q: web::Query<DoneQuery>) -> Result<HttpResponse, WebError> {
    account_page(&session, None, q.done.is_some())
}

fn account_page(
    session: &Session,
    error: Option<String>,
    done: bool,
) -> Result<HttpResponse, WebError> {
    let u = &session.caller.user;
    page(&AccountPage {
        chrome: Chrome::new(session, "账号", "/account"),
        username: u.username.clone(),
        error,
        done,
        one_time: u.must_change_password,
    })
}

#[derive(Deserialize)]
struct PasswordForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
}

/// 修改密码: every earlier session ends, so the reader signs in again with the new one.
async fn change_password(session: Session, body: web::Bytes) -> Result<HttpResponse, WebError> {
    let f: PasswordForm = form(&body)?;
    session.check_csrf(&f.csrf)?;
    let state = session.state.clone();
    let caller = session.caller.clone();
    let id = caller.id();
    let done = db::run(&state.pool, move |conn| {
        accounts::change_password(conn, &caller, &f.current_password, &f.new_password)
    })
    .await;
    state.callers.forget(id);
    match done {
        Ok(()) => Ok(redirect("/login?next=%2Faccount%3Fdone%3D1")),
        Err(Error::Invalid(fields)) => {
            let msg = fields
                .iter()
                .map(|f| match f.field.as_str() {
                    "current_password" => "当前密码不正确".to_owned(),
                    "new_password" => format!("新密码不符合要求（{}）", f.message),
                    other => format!("{other}：{}", f.message),
                })
                .collect::<Vec<_>>()
                .join("；");
            account_page(&session, Some(msg), false)
        }
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_a_path_of_this_site_is_a_place_to_return_to() {
        for (next, want) in [
            (None, "/"),
            (Some("/issues/7"), "/issues/7"),
            (
                Some("/issues?status=answered&page=2"),
                "/issues?status=answered&page=2",
            ),
            (Some("/login?next=%2Faccount"), "/login?next=%2Faccount"),
            (Some("//evil.example"), "/"),
            (Some("/\\evil.example"), "/"),
            (Some("/\t/evil.example"), "/"),
            (Some("/\n/evil.example"), "/"),
            (Some("/\r\nSet-Cookie: x=1"), "/"),
            (Some("/ /evil.example"), "/"),
            (Some("/\u{3000}/evil.example"), "/"),
            (Some("/\u{0}"), "/"),
            (Some("https://evil.example"), "/"),
            (Some("evil.example"), "/"),
            (Some("javascript:alert(1)"), "/"),
            (Some(""), "/"),
        ] {
            assert_eq!(safe_next(next), want, "{next:?}");
        }
    }
}
