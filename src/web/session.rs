//! The web session: a cookie holding the same signed token the API takes as a bearer, so
//! that sign-in throttling, sign-out everywhere, role changes and deactivation end a
//! browser session exactly as they end an API token. Forms carry a CSRF token: a MAC of
//! the session's token (or, before sign-in, of a random cookie) that only this service can
//! make and a page of another site cannot read.

use std::future::Future;
use std::pin::Pin;

use actix_web::cookie::{time::Duration as CookieDuration, Cookie, SameSite};
use actix_web::{dev::Payload, web, FromRequest, HttpRequest};

use super::WebError;
use crate::auth::{self, Caller};
use crate::db;
use crate::error::Error;
use crate::http::AppState;

pub const SESSION_COOKIE: &str = "qq_session";
/// The random value the sign-in form's token is made from.
pub const LOGIN_COOKIE: &str = "qq_login";

/// The signed-in reader of a page, and the CSRF token its forms carry.
pub struct Session {
    pub caller: Caller,
    /// Notices the user has not read (the 消息 badge).
    pub unread: i64,
    /// Where the user belongs, as the header names it: their department or enterprise.
    pub affiliation: Option<String>,
    pub csrf: String,
    pub state: web::Data<AppState>,
}

impl Session {
    /// Refuses a form whose CSRF token is not this session's.
    pub fn check_csrf(&self, given: &str) -> Result<(), WebError> {
        if constant_time_eq(given.as_bytes(), self.csrf.as_bytes()) {
            Ok(())
        } else {
            Err(WebError::Page(Error::Forbidden(
                "the form's CSRF token is missing or wrong".into(),
            )))
        }
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The CSRF token of a session's forms.
pub fn csrf_for(state: &AppState, session_token: &str) -> String {
    state.tokens.mac("csrf", session_token)
}

/// The sign-in form's token, made from its random cookie.
pub fn login_csrf(state: &AppState, nonce: &str) -> String {
    state.tokens.mac("login", nonce)
}

/// Whether the sign-in form's token matches its cookie.
pub fn login_csrf_ok(state: &AppState, req: &HttpRequest, given: &str) -> bool {
    req.cookie(LOGIN_COOKIE).is_some_and(|c| {
        constant_time_eq(login_csrf(state, c.value()).as_bytes(), given.as_bytes())
    })
}

/// A fresh random value, hex-encoded.
pub fn nonce() -> String {
    use argon2::password_hash::rand_core::{OsRng, RngCore};
    let mut bytes = [0u8; 16];
    OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A cookie the pages set: `HttpOnly`, `SameSite=Lax`, on the whole site, `Secure` when
/// the service is configured for HTTPS.
pub fn cookie(
    state: &AppState,
    name: &'static str,
    value: String,
    max_age: i64,
) -> Cookie<'static> {
    Cookie::build(name, value)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.cookie_secure)
        .max_age(CookieDuration::seconds(max_age))
        .finish()
}

/// The path and query a reader asked for, to come back to after signing in.
fn here(req: &HttpRequest) -> String {
    match req.uri().query() {
        Some(q) => format!("{}?{q}", req.path()),
        None => req.path().to_owned(),
    }
}

impl FromRequest for Session {
    type Error = WebError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, WebError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = req.cookie(SESSION_COOKIE).map(|c| c.value().to_owned());
        let next = here(req);
        let open_to_one_time = ["/account", "/account/password", "/logout"].contains(&req.path());
        Box::pin(async move {
            let state = state.ok_or_else(|| Error::internal("application state missing"))?;
            let sign_in = || WebError::SignIn { next: next.clone() };
            let token = token.ok_or_else(sign_in)?;
            let claims = state.tokens.verify(&token).ok_or_else(sign_in)?;
            let id: i64 = claims.sub.parse().map_err(|_| sign_in())?;
            let (ver, role) = (claims.ver, claims.role.clone());
            // The caller and the unread count for the 消息 badge, in one trip to the pool.
            let found = db::run(&state.pool, move |conn| {
                match auth::resolve(conn, id, ver, &role)? {
                    Some(caller) => {
                        let unread = crate::service::notices::unread_count(conn, &caller)?;
                        let affiliation = affiliation(conn, &caller)?;
                        Ok(Some((caller, unread, affiliation)))
                    }
                    None => Ok(None),
                }
            })
            .await?;
            let (caller, unread, affiliation) = found.ok_or_else(sign_in)?;
            if caller.user.must_change_password && !open_to_one_time {
                return Err(WebError::ChoosePassword);
            }
            Ok(Session {
                caller,
                unread,
                affiliation,
                csrf: csrf_for(&state, &token),
                state,
            })
        })
    }
}

/// The department or enterprise a user acts for, by name (None for the other roles).
fn affiliation(
    conn: &mut crate::db::DbConn,
    caller: &Caller,
) -> Result<Option<String>, crate::error::Error> {
    if let Some(d) = caller.user.department_id {
        let names = crate::service::departments::names_on(conn, &[d], None)?;
        return Ok(names.get(&d).map(|(n, _)| n.clone()));
    }
    if let Some(e) = caller.user.enterprise_id {
        let names = crate::store::enterprises::names(conn, &[e])?;
        return Ok(names.get(&e).cloned());
    }
    Ok(None)
}
