//! 消息: each person's notices, newest first, unread marked; opening one marks it read.

use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::act::Posted;
use super::format;
use super::{page, redirect, Chrome, Session, WebError};
use crate::db;
use crate::error::Error;
use crate::service::notices::{self, NotificationQuery};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/notifications").get(list))
        .service(web::resource("/notifications/read-all").post(read_all))
        .service(web::resource("/notifications/{id}/open").post(open));
}

const PER_PAGE: i64 = 30;

struct Row {
    id: i64,
    kind: &'static str,
    text: String,
    when: String,
    unread: bool,
}

#[derive(Template)]
#[template(path = "notifications.html")]
struct NotificationsPage {
    chrome: Chrome,
    rows: Vec<Row>,
    total: i64,
    unread: i64,
    unread_only: bool,
    page: i64,
    pages: i64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Query {
    page: Option<i64>,
    unread: Option<bool>,
}

async fn list(session: Session, query: web::Query<Query>) -> Result<HttpResponse, WebError> {
    let q = query.into_inner();
    let unread_only = q.unread.unwrap_or(false);
    let page_no = q.page.unwrap_or(1);
    let caller = session.caller.clone();
    let listed = db::run(&session.state.pool, move |conn| {
        notices::list(
            conn,
            &caller,
            NotificationQuery {
                unread: Some(unread_only),
                page: Some(page_no),
                per_page: Some(PER_PAGE),
            },
        )
    })
    .await?;
    let rows = listed
        .items
        .into_iter()
        .map(|n| Row {
            id: n.id,
            kind: n.kind.zh(),
            text: n.text,
            when: format::instant(n.created_at),
            unread: n.read_at.is_none(),
        })
        .collect();
    page(&NotificationsPage {
        chrome: Chrome::new(&session, "消息", "/notifications"),
        rows,
        total: listed.total,
        unread: session.unread,
        unread_only,
        page: page_no,
        pages: ((listed.total + PER_PAGE - 1) / PER_PAGE).max(1),
    })
}

fn checked(session: &Session, body: &[u8]) -> Result<(), WebError> {
    let form = Posted::parse(body)
        .ok_or_else(|| WebError::Page(Error::malformed("the form could not be read")))?;
    session.check_csrf(&form.text("csrf"))
}

async fn open(
    session: Session,
    id: web::Path<i64>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    checked(&session, &body)?;
    let id = id.into_inner();
    let caller = session.caller.clone();
    let to = db::run(&session.state.pool, move |conn| {
        notices::open(conn, &caller, id)
    })
    .await?;
    Ok(redirect(&to))
}

async fn read_all(session: Session, body: web::Bytes) -> Result<HttpResponse, WebError> {
    checked(&session, &body)?;
    let caller = session.caller.clone();
    db::run(&session.state.pool, move |conn| {
        notices::read_all(conn, &caller)
    })
    .await?;
    Ok(redirect("/notifications"))
}
