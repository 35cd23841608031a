//! Filing an issue (提交): by an enterprise for itself, or by a coordinator on an
//! enterprise's behalf (at a forum, from a visit, the hotline …), including issues solved
//! on the spot (现场解决). A retried filing with the same `Idempotency-Key` creates nothing.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::Issue;
use crate::auth::Caller;
use crate::db::{self, DbConn};
use crate::domain::forum::Status as ForumStatus;
use crate::domain::issue::{Category, Channel, EventKind, Outcome};
use crate::domain::lifecycle::filed_state;
use crate::domain::role::{Can, Role};
use crate::domain::time;
use crate::error::{is_unique_violation, Error, FieldError};
use crate::service::common::Check;
use crate::service::departments::check_named;
use crate::store::forums as forum_store;
use crate::store::issues::IssueRow;
use crate::store::issues::{self as store, NewIssue};
use crate::store::scope::Scope;
use crate::store::{self as st, enterprises};

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

/// The name under which a client sends the key of a retried filing.
pub const KEY_HEADER: &str = "Idempotency-Key";

/// A filing key as given (trimmed), or invalid naming `KEY_HEADER`.
pub fn check_key(key: &str) -> Result<String, Error> {
    let key = key.trim();
    if key.is_empty() || key.len() > 200 {
        return Err(Error::invalid(KEY_HEADER, "must be 1 to 200 characters"));
    }
    Ok(key.to_owned())
}

/// Checks the body against the caller's role; returns what is fixed by the rules.
fn check_body(
    caller: &Caller,
    body: &FileIn,
    check: &mut Check,
) -> Result<(String, String), Error> {
    caller.require_to(Can::FileIssues)?;
    let title = check.text("title", &body.title, 1, 200);
    let description = check.text("description", &body.description, 1, 10_000);
    match caller.role {
        Role::Enterprise => {
            let own = caller.user.enterprise_id;
            if body.enterprise_id.is_some() && body.enterprise_id != own {
                return Err(Error::Forbidden(
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
        // Refused above (`Can::FileIssues`).
        _ => {}
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
) -> Result<i64, Error> {
    let mut check = Check::default();
    let (title, description) = check_body(caller, body, &mut check)?;
    check.finish()?;
    db::write_tx(conn, |conn| {
        create(conn, caller, &caller.scope(), body, title, description, now).map(|row| row.id)
    })
}

/// Creates the issue and its first event; returns its row as stored.
fn create(
    conn: &mut DbConn,
    caller: &Caller,
    scope: &Scope,
    body: &FileIn,
    title: String,
    description: String,
    now: NaiveDateTime,
) -> Result<IssueRow, Error> {
    let enterprise_id = match caller.role {
        Role::Enterprise => caller
            .user
            .enterprise_id
            .ok_or_else(|| Error::internal("enterprise user without enterprise"))?,
        _ => body
            .enterprise_id
            .ok_or_else(|| Error::invalid("enterprise_id", "is required"))?,
    };
    // At a forum the forum's host region owns the issue and the forum must be in scope;
    // the entrepreneur may come from anywhere. Elsewhere the enterprise must be in scope.
    let (region_id, forum_id) = match body.forum_id {
        Some(f) => {
            let forum = forum_store::get_forum(conn, scope, f)?
                .ok_or_else(|| Error::invalid("forum_id", "no such forum"))?;
            if forum.status == ForumStatus::Cancelled {
                return Err(Error::invalid("forum_id", "the forum was cancelled"));
            }
            enterprises::get(conn, &Scope::All, enterprise_id)?
                .ok_or_else(|| Error::invalid("enterprise_id", "no such enterprise"))?;
            (forum.region_id, Some(forum.id))
        }
        None => match (caller.role, caller.enterprise_region_id) {
            // An enterprise's own filing: its enterprise's region was read with the caller.
            (Role::Enterprise, Some(region)) => (region, None),
            _ => {
                let e = enterprises::get(conn, scope, enterprise_id)?
                    .ok_or_else(|| Error::invalid("enterprise_id", "no such enterprise"))?;
                (e.region_id, None)
            }
        },
    };
    if let Some(d) = body.department_id {
        check_named(conn, &[("department_id".into(), d)], true)?;
    }
    let on_site = body.resolved_on_site;
    let row = store::insert(
        conn,
        &NewIssue {
            title,
            description,
            category: body.category,
            channel: body.channel,
            status: filed_state(on_site),
            enterprise_id,
            region_id,
            forum_id,
            lead_department_id: body.department_id.filter(|_| on_site),
            resolved_on_site: on_site,
            answer_outcome: on_site.then_some(Outcome::Resolved),
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
        row.id,
        EventKind::Filed,
        caller.id(),
        caller.role.as_str(),
        &details,
        now,
    )?;
    if on_site {
        crate::service::notices::on_event(conn, &row, EventKind::Filed, &details, caller, now)?;
    }
    // The kept figures count the new issue with its filing, in the same transaction.
    crate::store::kept::add_to_rollup(conn, row.id, 1)?;
    Ok(row)
}

/// What a filing answers: the new issue, or the first answer to a retried key.
pub enum Filed {
    New(Box<Issue>),
    /// The stored answer (JSON of the issue) and the issue's id.
    Replayed(String, i64),
}

/// Files an issue now in the caller's name. With a key, a retry with the same body
/// answers as the first filing did and creates nothing; the same key with another body is
/// invalid.
pub fn file(
    conn: &mut DbConn,
    caller: &Caller,
    body: FileIn,
    key: Option<String>,
) -> Result<Filed, Error> {
    let mut check = Check::default();
    let (title, description) = check_body(caller, &body, &mut check)?;
    check.finish()?;
    let request = serde_json::to_string(&body).map_err(|e| Error::internal(e.to_string()))?;
    let scope = caller.scope();
    let user_id = caller.id();
    let attempt = |conn: &mut DbConn| {
        db::write_tx(conn, |conn| {
            if let Some(k) = &key {
                if let Some(found) = replay(conn, user_id, k, &request)? {
                    return Ok(found);
                }
            }
            let row = create(
                conn,
                caller,
                &scope,
                &body,
                title.clone(),
                description.clone(),
                st::now(),
            )?;
            let id = row.id;
            let out = super::fresh(row);
            if let Some(k) = &key {
                let response =
                    serde_json::to_string(&out).map_err(|e| Error::internal(e.to_string()))?;
                store::remember(conn, user_id, k, &request, &response, id, st::now()).map_err(
                    |e| {
                        if is_unique_violation(&e) {
                            Error::Conflict(RACED.into())
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
        Err(Error::Conflict(msg)) if msg == RACED => {
            let k = key.as_deref().unwrap_or_default();
            replay(conn, user_id, k, &request)?.ok_or_else(|| Error::Conflict(RACED.into()))
        }
        other => other,
    }
}

const RACED: &str = "a filing with this Idempotency-Key is in progress";

/// The first answer to this key, if the key was used with the same body; 422 if it was
/// used with another.
fn replay(
    conn: &mut DbConn,
    user_id: i64,
    key: &str,
    request: &str,
) -> Result<Option<Filed>, Error> {
    match store::idempotent(conn, user_id, key)? {
        None => Ok(None),
        Some((stored, response, id)) if stored == request => {
            Ok(Some(Filed::Replayed(response, id)))
        }
        Some(_) => Err(Error::Invalid(vec![FieldError::new(
            KEY_HEADER,
            "was already used with a different request body",
        )])),
    }
}
