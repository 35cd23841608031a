//! Filing an issue (提交): by an enterprise for itself, or by a coordinator on an
//! enterprise's behalf (at a forum, from a visit, the hotline …), including issues solved
//! on the spot (现场解决). A retried filing with the same `Idempotency-Key` creates nothing.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{etag, one, reading, IssueOut};
use crate::api::common::Check;
use crate::api::extract::Json;
use crate::api::AppState;
use crate::auth::Caller;
use crate::db::{self, DbConn};
use crate::domain::issue::{Category, Channel, Outcome};
use crate::domain::lifecycle::State;
use crate::domain::role::Role;
use crate::domain::time;
use crate::error::{is_unique_violation, ApiError, FieldError};
use crate::store::forums as forum_store;
use crate::store::issues::{self as store, NewIssue};
use crate::store::scope::Scope;
use crate::store::{self as st, enterprises};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/api/v1/issues")
            .get(reading::list)
            .post(file),
    );
}

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FileIn {
    pub title: String,
    pub description: String,
    pub category: Category,
    pub channel: Channel,
    pub enterprise_id: Option<i64>,
    pub forum_id: Option<i64>,
    #[serde(default)]
    pub resolved_on_site: bool,
    pub on_site_answer: Option<String>,
    pub department_id: Option<i64>,
}

const KEY_HEADER: &str = "Idempotency-Key";

fn idempotency_key(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    let Some(v) = req.headers().get(KEY_HEADER) else {
        return Ok(None);
    };
    let key = v
        .to_str()
        .map_err(|_| ApiError::invalid(KEY_HEADER, "must be printable text"))?;
    let key = key.trim();
    if key.is_empty() || key.len() > 200 {
        return Err(ApiError::invalid(KEY_HEADER, "must be 1 to 200 characters"));
    }
    Ok(Some(key.to_owned()))
}

/// Checks the body against the caller's role; returns what is fixed by the rules.
fn check_body(
    caller: &Caller,
    body: &FileIn,
    check: &mut Check,
) -> Result<(String, String), ApiError> {
    let title = check.text("title", &body.title, 1, 200);
    let description = check.text("description", &body.description, 1, 10_000);
    match caller.role {
        Role::Enterprise => {
            let own = caller.user.enterprise_id;
            if body.enterprise_id.is_some() && body.enterprise_id != own {
                return Err(ApiError::Forbidden(
                    "an enterprise files issues for itself only".into(),
                ));
            }
            if body.channel != Channel::Online {
                check.add("channel", "an enterprise files online (channel `online`)");
            }
            if body.forum_id.is_some() {
                check.add(
                    "forum_id",
                    "issues raised at a forum are filed by a coordinator",
                );
            }
            if body.resolved_on_site {
                check.add("resolved_on_site", "is recorded by a coordinator");
            }
        }
        Role::Coordinator => {
            if body.enterprise_id.is_none() {
                check.add(
                    "enterprise_id",
                    "is required when filing on an enterprise's behalf",
                );
            }
            match (body.channel, body.forum_id) {
                (Channel::Forum, None) => {
                    check.add("forum_id", "is required for an issue raised at a forum")
                }
                (c, Some(_)) if c != Channel::Forum => {
                    check.add("channel", "must be `forum` for an issue raised at a forum")
                }
                _ => {}
            }
        }
        _ => {
            return Err(ApiError::Forbidden(format!(
                "the {} role may not file issues",
                caller.role.as_str()
            )))
        }
    }
    if body.resolved_on_site {
        if body.forum_id.is_none() {
            check.add("forum_id", "is required for an issue resolved on the spot");
        }
        if body.department_id.is_none() {
            check.add(
                "department_id",
                "is required for an issue resolved on the spot",
            );
        }
        match body.on_site_answer.as_deref() {
            Some(a) => {
                check.text("on_site_answer", a, 1, 5_000);
            }
            None => check.add(
                "on_site_answer",
                "is required for an issue resolved on the spot",
            ),
        }
    } else {
        if body.on_site_answer.is_some() {
            check.add("on_site_answer", "is given only with resolved_on_site");
        }
        if body.department_id.is_some() {
            check.add(
                "department_id",
                "is given only with resolved_on_site; assign the issue instead",
            );
        }
    }
    Ok((title, description))
}

/// Files an issue in the caller's name at `now`, checks included; returns its id. The demo
/// loader files its history through here.
pub fn file_at(
    conn: &mut DbConn,
    caller: &Caller,
    body: &FileIn,
    now: NaiveDateTime,
) -> Result<i64, ApiError> {
    let mut check = Check::default();
    let (title, description) = check_body(caller, body, &mut check)?;
    check.finish()?;
    db::write_tx(conn, |conn| {
        create(conn, caller, &caller.scope(), body, title, description, now)
    })
}

/// Creates the issue and its first event; returns its id.
fn create(
    conn: &mut DbConn,
    caller: &Caller,
    scope: &Scope,
    body: &FileIn,
    title: String,
    description: String,
    now: NaiveDateTime,
) -> Result<i64, ApiError> {
    let enterprise_id = match caller.role {
        Role::Enterprise => caller
            .user
            .enterprise_id
            .ok_or_else(|| ApiError::internal("enterprise user without enterprise"))?,
        _ => body
            .enterprise_id
            .ok_or_else(|| ApiError::invalid("enterprise_id", "is required"))?,
    };
    // At a forum the forum's host region owns the issue and the forum must be in scope;
    // the entrepreneur may come from anywhere. Elsewhere the enterprise must be in scope.
    let (region_id, forum_id) = match body.forum_id {
        Some(f) => {
            let forum = forum_store::get_forum(conn, scope, f)?
                .ok_or_else(|| ApiError::invalid("forum_id", "no such forum"))?;
            if forum.status == "cancelled" {
                return Err(ApiError::invalid("forum_id", "the forum was cancelled"));
            }
            enterprises::get(conn, &Scope::All, enterprise_id)?
                .ok_or_else(|| ApiError::invalid("enterprise_id", "no such enterprise"))?;
            (forum.region_id, Some(forum.id))
        }
        None => {
            let e = enterprises::get(conn, scope, enterprise_id)?
                .ok_or_else(|| ApiError::invalid("enterprise_id", "no such enterprise"))?;
            (e.region_id, None)
        }
    };
    if let Some(d) = body.department_id {
        store::check_active_departments(conn, &[("department_id".into(), d)])?;
    }
    let on_site = body.resolved_on_site;
    let id = store::insert(
        conn,
        &NewIssue {
            title,
            description,
            category: body.category.code().into(),
            channel: body.channel.code().into(),
            status: if on_site {
                State::Answered
            } else {
                State::Submitted
            }
            .code()
            .into(),
            enterprise_id,
            region_id,
            forum_id,
            lead_department_id: body.department_id.filter(|_| on_site),
            resolved_on_site: on_site,
            answer_outcome: on_site.then(|| Outcome::Resolved.code().into()),
            answer_text: body
                .on_site_answer
                .clone()
                .filter(|_| on_site)
                .map(|a| a.trim().to_owned()),
            answered_at: on_site.then_some(now),
            answer_count: i32::from(on_site),
            first_answered_at: on_site.then_some(now),
            answered_on_time: on_site.then_some(true),
            filed_on: time::local_date(now),
            created_by: caller.id(),
            created_at: now,
            updated_at: now,
        },
    )?;
    let details = json!({
        "title": body.title.trim(),
        "category": body.category.code(),
        "channel": body.channel.code(),
        "enterprise_id": enterprise_id,
        "forum_id": forum_id,
        "resolved_on_site": on_site,
        "department_id": body.department_id.filter(|_| on_site),
    });
    store::add_event(
        conn,
        id,
        "filed",
        caller.id(),
        caller.role.as_str(),
        &details,
        now,
    )?;
    Ok(id)
}

enum Filed {
    New(Box<IssueOut>),
    Replayed(String, i64),
}

async fn file(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    Json(body): Json<FileIn>,
) -> Result<HttpResponse, ApiError> {
    let key = idempotency_key(&req)?;
    let mut check = Check::default();
    let (title, description) = check_body(&caller, &body, &mut check)?;
    check.finish()?;
    let request = serde_json::to_string(&body).map_err(|e| ApiError::internal(e.to_string()))?;
    let scope = caller.scope();
    let user_id = caller.id();
    let filed = db::run(&state.pool, move |conn| {
        let attempt = |conn: &mut DbConn| {
            db::write_tx(conn, |conn| {
                if let Some(k) = &key {
                    if let Some(found) = replay(conn, user_id, k, &request)? {
                        return Ok(found);
                    }
                }
                let id = create(
                    conn,
                    &caller,
                    &scope,
                    &body,
                    title.clone(),
                    description.clone(),
                    st::now(),
                )?;
                let row = store::get(conn, &Scope::All, id)?
                    .ok_or_else(|| ApiError::not_found("issue"))?;
                let out = one(conn, row)?;
                if let Some(k) = &key {
                    let response = serde_json::to_string(&out)
                        .map_err(|e| ApiError::internal(e.to_string()))?;
                    store::remember(conn, user_id, k, &request, &response, id, st::now()).map_err(
                        |e| {
                            if is_unique_violation(&e) {
                                ApiError::Conflict(RACED.into())
                            } else {
                                e.into()
                            }
                        },
                    )?;
                }
                Ok(Filed::New(Box::new(out)))
            })
        };
        match attempt(conn) {
            // The same key was used by a request running at the same moment, which won:
            // answer as it did.
            Err(ApiError::Conflict(msg)) if msg == RACED => {
                let k = key.as_deref().unwrap_or_default();
                replay(conn, user_id, k, &request)?.ok_or_else(|| ApiError::Conflict(RACED.into()))
            }
            other => other,
        }
    })
    .await?;
    Ok(match filed {
        Filed::New(out) => HttpResponse::Created()
            .insert_header((header::LOCATION, format!("/api/v1/issues/{}", out.id)))
            .insert_header((header::ETAG, etag(out.id, out.version)))
            .json(out),
        Filed::Replayed(response, id) => HttpResponse::Created()
            .insert_header((header::LOCATION, format!("/api/v1/issues/{id}")))
            .content_type("application/json")
            .body(response),
    })
}

const RACED: &str = "a filing with this Idempotency-Key is in progress";

/// The first answer to this key, if the key was used with the same body; 422 if it was
/// used with another.
fn replay(
    conn: &mut DbConn,
    user_id: i64,
    key: &str,
    request: &str,
) -> Result<Option<Filed>, ApiError> {
    match store::idempotent(conn, user_id, key)? {
        None => Ok(None),
        Some((stored, response, id)) if stored == request => {
            Ok(Some(Filed::Replayed(response, id)))
        }
        Some(_) => Err(ApiError::Unprocessable(vec![FieldError::new(
            KEY_HEADER,
            "was already used with a different request body",
        )])),
    }
}
