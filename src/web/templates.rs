//! 答复模板: the answer templates per category, which prefill the answer form.

use actix_web::{web, HttpResponse};
use askama::Template;

use super::act::problems;
use super::{may, page, redirect, Chrome, Session, WebError};
use crate::db;
use crate::domain::issue::{Category, Outcome};
use crate::domain::role::Can;
use crate::error::Error;
use crate::service::templates;

use super::form::{choice, form_of, refused, Choice};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/templates")
            .get(template_list)
            .post(template_add),
    )
    .service(web::resource("/templates/{id}/delete").post(template_delete));
}

// ---- 答复模板 ----

#[derive(Template)]
#[template(path = "templates.html")]
struct TemplatesPage {
    chrome: Chrome,
    /// id, category, outcome, title, text, and whether the reader may delete it.
    kept: Vec<(i64, &'static str, &'static str, String, String, bool)>,
    categories: Vec<Choice>,
    outcomes: Vec<Choice>,
    keeps: bool,
    problems: Vec<String>,
}

async fn templates_page(
    session: &Session,
    problems: Vec<String>,
) -> Result<HttpResponse, WebError> {
    may(session, Can::ReadTemplates)?;
    let caller = session.caller.clone();
    let state = session.state.clone();
    let kept = db::run(&state.pool, move |conn| {
        templates::list(conn, &caller, None)
    })
    .await?;
    page(&TemplatesPage {
        chrome: Chrome::new(session, "答复模板", "/templates"),
        kept: kept
            .into_iter()
            .map(|t| {
                (
                    t.id,
                    t.category.zh(),
                    t.outcome.zh(),
                    t.title,
                    t.text,
                    t.keeps,
                )
            })
            .collect(),
        categories: Category::ALL
            .iter()
            .map(|c| choice(c.code(), c.zh(), ""))
            .collect(),
        outcomes: Outcome::ALL
            .iter()
            .map(|o| choice(o.code(), o.zh(), ""))
            .collect(),
        keeps: session.caller.may(Can::KeepTemplates),
        problems,
    })
}

async fn template_list(session: Session) -> Result<HttpResponse, WebError> {
    templates_page(&session, Vec::new()).await
}

async fn template_add(session: Session, body: web::Bytes) -> Result<HttpResponse, WebError> {
    let form = form_of(&body)?;
    session.check_csrf(&form.text("csrf"))?;
    let input = match (
        Category::parse(&form.text("category")),
        Outcome::parse(&form.text("outcome")),
    ) {
        (Some(category), Some(outcome)) => Ok(templates::NewTemplate {
            category,
            outcome,
            title: form.text("title"),
            text: form.text("text"),
        }),
        _ => Err(Error::invalid("category", "is required")),
    };
    let caller = session.caller.clone();
    let state = session.state.clone();
    let r = match input {
        Ok(i) => db::run(&state.pool, move |conn| templates::create(conn, &caller, i)).await,
        Err(e) => Err(e),
    };
    match r {
        Ok(_) => Ok(redirect("/templates")),
        Err(e) if refused(&e) => templates_page(&session, problems(&e)).await,
        Err(e) => Err(e.into()),
    }
}

async fn template_delete(
    session: Session,
    id: web::Path<i64>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let form = form_of(&body)?;
    session.check_csrf(&form.text("csrf"))?;
    let id = id.into_inner();
    let caller = session.caller.clone();
    let state = session.state.clone();
    db::run(&state.pool, move |conn| {
        templates::delete(conn, &caller, id)
    })
    .await?;
    Ok(redirect("/templates"))
}
