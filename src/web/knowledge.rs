//! 政策问答 on the pages: `/knowledge` (everyone searches the published questions and
//! answers), publishing from an answered issue's page (coordinators), and the closest ones
//! shown while an entrepreneur types a new issue (`/knowledge/closest`, a piece of page).

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::{filled, page, parse_query, redirect, Chrome, Session, WebError};
use crate::db;
use crate::domain::words;
use crate::error::Error;
use crate::service::knowledge::{self, Entry, KnowledgeQuery, PublishIn};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/knowledge").get(list))
        .service(web::resource("/knowledge/closest").get(closest))
        .service(web::resource("/issues/{id}/knowledge").post(publish));
}

/// How many of the closest a new issue's page shows.
pub const CLOSEST: i64 = 3;

/// One 政策问答 as a page shows it, the words searched for marked.
pub struct Shown {
    pub id: i64,
    pub category: &'static str,
    /// The question's first line (its title), then the rest.
    pub question: Vec<(String, bool)>,
    pub detail: Vec<(String, bool)>,
    pub answer: Vec<(String, bool)>,
    pub published: String,
}

pub fn shown(e: &Entry, searched: &[String]) -> Shown {
    let (first, rest) = e.question.split_once('\n').unwrap_or((&e.question, ""));
    Shown {
        id: e.id,
        category: e.category.zh(),
        question: words::marked(first.trim(), searched),
        detail: words::marked(rest.trim(), searched),
        answer: words::marked(&e.answer, searched),
        published: super::format::date(crate::domain::time::local_date(e.published_at.naive_utc())),
    }
}

#[derive(Template)]
#[template(path = "knowledge.html")]
struct KnowledgePage {
    chrome: Chrome,
    q: String,
    total: String,
    entries: Vec<Shown>,
    problem: Option<String>,
}

async fn list(session: Session, req: HttpRequest) -> Result<HttpResponse, WebError> {
    let pairs = filled(&req);
    let query: KnowledgeQuery = parse_query(&pairs)?;
    let q = query.q.clone().unwrap_or_default();
    let searched = words::of_query(&q);
    let caller = session.caller.clone();
    let state = session.state.clone();
    let found = db::run(&state.pool, move |conn| {
        knowledge::list(conn, &caller, query)
    })
    .await;
    let (entries, total, problem) = match found {
        Ok(p) => (
            p.items.iter().map(|e| shown(e, &searched)).collect(),
            super::format::count(p.total),
            None,
        ),
        Err(e @ Error::Invalid(_)) => (
            Vec::new(),
            "0".into(),
            super::form::Problems::of(&e).0.first().map(|p| p.1.clone()),
        ),
        Err(e) => return Err(e.into()),
    };
    let mut resp = page(&KnowledgePage {
        chrome: Chrome::new(&session, "政策问答", "/knowledge"),
        q,
        total,
        entries,
        problem: problem.clone(),
    })?;
    if problem.is_some() {
        *resp.status_mut() = actix_web::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(resp)
}

#[derive(Template)]
#[template(path = "knowledge_closest.html")]
pub struct Closest {
    pub answers: Vec<Shown>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ClosestQuery {
    text: Option<String>,
}

/// 类似问题已有答复 for what is being typed: the piece of the new-issue page that lists them.
async fn closest(session: Session, req: HttpRequest) -> Result<HttpResponse, WebError> {
    let q: ClosestQuery = parse_query(&filled(&req))?;
    let text = q.text.unwrap_or_default();
    let state = session.state.clone();
    let found = db::run(&state.pool, move |conn| {
        knowledge::closest(conn, &text, CLOSEST)
    })
    .await?;
    page(&Closest {
        answers: found.iter().map(|e| shown(e, &[])).collect(),
    })
}

/// 发布为政策问答 from an answered issue's page.
async fn publish(
    session: Session,
    id: web::Path<i64>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let id = id.into_inner();
    let form = super::act::Posted::parse(&body)
        .ok_or_else(|| WebError::Page(Error::malformed("the form could not be read")))?;
    session.check_csrf(&form.text("csrf"))?;
    let input = PublishIn {
        issue_id: id,
        question: Some(form.text("question")),
        answer: Some(form.text("answer")),
    };
    let caller = session.caller.clone();
    let state = session.state.clone();
    match db::run(&state.pool, move |conn| {
        knowledge::publish(conn, &caller, input)
    })
    .await
    {
        Ok(_) => Ok(redirect(&format!("/issues/{id}?done=knowledge"))),
        Err(e) if super::form::refused(&e) => {
            let problems = super::act::problems(&e);
            let mut resp = super::issues::issue_page(
                &session,
                id,
                None,
                None,
                (problems, "knowledge"),
                form.values(),
            )
            .await?;
            *resp.status_mut() = actix_web::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(resp)
        }
        Err(e) => Err(e.into()),
    }
}
