//! 答复模板: the answer templates per category, which prefill the answer form. Coordinators
//! keep the Federation's; a department's handlers keep their department's own.

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::{filled, may, page, parse_query, redirect, Chrome, Session, WebError};
use crate::db;
use crate::domain::issue::{Category, Outcome};
use crate::domain::role::Can;
use crate::error::Error;
use crate::service::templates;

use super::act::Posted;
use super::form::{choice, form_of, refused, unprocessable, Choice, Problems};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/templates")
            .get(template_list)
            .post(template_add),
    )
    .service(web::resource("/templates/{id}").post(template_save))
    .service(web::resource("/templates/{id}/delete").post(template_delete));
}

/// A template as listed.
pub struct Kept {
    id: i64,
    category: &'static str,
    outcome: &'static str,
    title: String,
    text: String,
    /// Whose: 本部门 or 工商联.
    whose: &'static str,
    keeps: bool,
}

#[derive(Template)]
#[template(path = "templates.html")]
struct TemplatesPage {
    chrome: Chrome,
    kept: Vec<Kept>,
    categories: Vec<Choice>,
    outcomes: Vec<Choice>,
    keeps: bool,
    /// The reader is a department: what they write is their department's own.
    department: bool,
    /// The template being changed: (id, title).
    editing: Option<(i64, String)>,
    /// The template whose removal is asked to be confirmed: (id, title).
    removing: Option<(i64, String)>,
    title: String,
    text: String,
    problems: Problems,
    done: Option<String>,
}

#[derive(serde::Deserialize, Default)]
struct TemplatesQuery {
    edit: Option<i64>,
    remove: Option<i64>,
    saved: Option<i64>,
    removed: Option<String>,
}

/// The page: the list, and the form to add a template or change one (`edit`), with what
/// was typed and its problems after a refusal.
async fn templates_page(
    session: &Session,
    q: TemplatesQuery,
    typed: Option<&Posted>,
    problems: Problems,
) -> Result<HttpResponse, WebError> {
    may(session, Can::ReadTemplates)?;
    let caller = session.caller.clone();
    let state = session.state.clone();
    let kept = db::run(&state.pool, move |conn| {
        templates::list(conn, &caller, None)
    })
    .await?;
    let keeps = session.caller.may(Can::KeepTemplates);
    let find = |id: Option<i64>| {
        id.and_then(|id| kept.iter().find(|t| t.id == id && t.keeps))
            .cloned()
    };
    let editing = find(q.edit);
    if q.edit.is_some() && editing.is_none() {
        return Err(WebError::Page(Error::not_found("template")));
    }
    let removing = find(q.remove).map(|t| (t.id, t.title));
    let value = |k: &str, kept: Option<String>| match typed {
        Some(f) => f.text(k),
        None => kept.unwrap_or_default(),
    };
    let category = value(
        "category",
        editing.as_ref().map(|t| t.category.code().into()),
    );
    let outcome = value("outcome", editing.as_ref().map(|t| t.outcome.code().into()));
    let done = match (q.saved, q.removed) {
        (Some(id), _) => kept.iter().find(|t| t.id == id).map(|t| {
            format!(
                "已保存模板“{}”。答复{}问题时，可在答复表单的“答复模板”中选用。",
                t.title,
                t.category.zh()
            )
        }),
        (None, Some(title)) => Some(format!("已删除模板“{title}”。")),
        _ => None,
    };
    page(&TemplatesPage {
        chrome: Chrome::new(session, "答复模板", "/templates"),
        title: value("title", editing.as_ref().map(|t| t.title.clone())),
        text: value("text", editing.as_ref().map(|t| t.text.clone())),
        editing: editing.map(|t| (t.id, t.title)),
        removing,
        kept: kept
            .into_iter()
            .map(|t| Kept {
                id: t.id,
                category: t.category.zh(),
                outcome: t.outcome.zh(),
                whose: if t.department_id.is_some() {
                    "本部门"
                } else {
                    "工商联"
                },
                title: t.title,
                text: t.text,
                keeps: t.keeps,
            })
            .collect(),
        categories: Category::ALL
            .iter()
            .map(|c| choice(c.code(), c.zh(), &category))
            .collect(),
        outcomes: Outcome::ALL
            .iter()
            .map(|o| choice(o.code(), o.zh(), &outcome))
            .collect(),
        keeps,
        department: session.caller.role == crate::domain::role::Role::Department,
        problems,
        done,
    })
}

async fn template_list(session: Session, req: HttpRequest) -> Result<HttpResponse, WebError> {
    let q: TemplatesQuery = parse_query(&filled(&req))?;
    templates_page(&session, q, None, Problems::default()).await
}

/// The template a form describes; a category or an outcome not chosen is a problem beside it.
fn read(form: &Posted) -> Result<templates::NewTemplate, Error> {
    let category = Category::parse(&form.text("category"));
    let outcome = Outcome::parse(&form.text("outcome"));
    let mut missing = Vec::new();
    if category.is_none() {
        missing.push(crate::error::FieldError::new("category", "is required"));
    }
    if outcome.is_none() {
        missing.push(crate::error::FieldError::new("outcome", "is required"));
    }
    match (category, outcome) {
        (Some(category), Some(outcome)) => Ok(templates::NewTemplate {
            category,
            outcome,
            title: form.text("title"),
            text: form.text("text"),
        }),
        _ => {
            // Every problem at once: the texts the service would check besides.
            for k in ["title", "text"] {
                if form.text(k).trim().is_empty() {
                    missing.push(crate::error::FieldError::new(k, "must not be empty"));
                }
            }
            Err(Error::Invalid(missing))
        }
    }
}

/// Adds (`id` none) or changes a template, then back to the list saying what was saved.
async fn save(
    session: Session,
    id: Option<i64>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let form = form_of(&body)?;
    session.check_csrf(&form.text("csrf"))?;
    let caller = session.caller.clone();
    let state = session.state.clone();
    let r = match read(&form) {
        Ok(input) => {
            db::run(&state.pool, move |conn| match id {
                Some(id) => templates::update(conn, &caller, id, input),
                None => templates::create(conn, &caller, input),
            })
            .await
        }
        Err(e) => Err(e),
    };
    match r {
        Ok(t) => Ok(redirect(&format!("/templates?saved={}#saved", t.id))),
        Err(e) if refused(&e) => {
            let q = TemplatesQuery {
                edit: id,
                ..TemplatesQuery::default()
            };
            Ok(unprocessable(
                templates_page(
                    &session,
                    q,
                    Some(&form),
                    Problems::of_form(
                        &e,
                        &[("title", "template_title"), ("text", "template_text")],
                    ),
                )
                .await?,
            ))
        }
        Err(e) => Err(e.into()),
    }
}

async fn template_add(session: Session, body: web::Bytes) -> Result<HttpResponse, WebError> {
    save(session, None, body).await
}

async fn template_save(
    session: Session,
    id: web::Path<i64>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    save(session, Some(id.into_inner()), body).await
}

/// Removes a template, once confirmed on the list (`?remove=`).
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
    let title = db::run(&state.pool, move |conn| {
        let t = templates::get(conn, &caller, id)?;
        templates::delete(conn, &caller, id)?;
        Ok(t.title)
    })
    .await?;
    let title: String = form_urlencoded_component(&title);
    Ok(redirect(&format!("/templates?removed={title}")))
}

/// Text as one component of a query string.
fn form_urlencoded_component(text: &str) -> String {
    serde_urlencoded::to_string([("", text)])
        .map(|s| s.trim_start_matches('=').to_owned())
        .unwrap_or_default()
}
