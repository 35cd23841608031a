//! 我要反映 / 登记问题: filing an issue (an enterprise for itself, a coordinator on an
//! enterprise's behalf).

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::act::Posted;
use super::format::{self};
use super::{filled, may, page, parse_query, redirect, Chrome, Session, WebError};
use crate::db;
use crate::domain::forum::Status as ForumStatus;
use crate::domain::issue::{Category, Channel};
use crate::domain::role::{Can, Role};
use crate::domain::time;
use crate::error::Error;
use crate::service::enterprises::{self, EnterpriseQuery};
use crate::service::forums::{self, ForumQuery};
use crate::service::issues::filing::{self, FileIn, Filed};

use super::form::{choice, refused, Choice, Problems};
use super::forums::forum_page_after;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/issues/new").get(new_issue).post(file_issue))
        .service(web::resource("/issues/similar-to").get(similar_to));
}

/// One of 相似问题 shown while a coordinator registers an issue.
pub struct SimilarShown {
    pub id: i64,
    pub title: String,
    pub status: &'static str,
    pub percent: i64,
}

pub(super) fn similar_shown(
    found: Vec<crate::service::issues::similar::SimilarIssue>,
) -> Vec<SimilarShown> {
    found
        .into_iter()
        .map(|s| SimilarShown {
            id: s.issue.id,
            status: s.issue.status.zh(),
            percent: (s.score * 100.0).round() as i64,
            title: s.issue.title,
        })
        .collect()
}

#[derive(Template)]
#[template(path = "similar_issues.html")]
struct SimilarPiece {
    similar: Vec<SimilarShown>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct SimilarToQuery {
    text: Option<String>,
}

/// 相似问题 for what a coordinator is registering: the piece of 登记问题 that lists them.
async fn similar_to(session: Session, req: HttpRequest) -> Result<HttpResponse, WebError> {
    let q: SimilarToQuery = parse_query(&filled(&req))?;
    let text = q.text.unwrap_or_default();
    let caller = session.caller.clone();
    let state = session.state.clone();
    let found = db::run(&state.pool, move |conn| {
        crate::service::issues::similar::like_text(conn, &caller, &text, "")
    })
    .await?;
    page(&SimilarPiece {
        similar: similar_shown(found),
    })
}

// ---- 我要反映 ----

#[derive(Template)]
#[template(path = "new_issue.html")]
struct NewIssuePage {
    chrome: Chrome,
    coordinator: bool,
    categories: Vec<Choice>,
    channels: Vec<Choice>,
    enterprises: Vec<Choice>,
    enterprise_q: String,
    /// What 查找 found, in words (none before a search).
    found: Option<String>,
    forums: Vec<Choice>,
    key: String,
    problems: Problems,
    title: String,
    description: String,
    /// 类似问题已有答复, to an enterprise, for what it typed.
    answers: Vec<super::knowledge::Shown>,
    /// 相似问题, to a coordinator, for what it typed.
    similar: Vec<SimilarShown>,
    /// What the file field says: the kinds and limits, and when files were chosen before
    /// the page came back, that they must be chosen again (a browser keeps none).
    file_hint: String,
}

#[derive(serde::Deserialize, Default)]
struct NewIssueQuery {
    enterprise_q: Option<String>,
    forum_id: Option<i64>,
}

async fn new_issue_page(
    session: &Session,
    q: NewIssueQuery,
    draft: Option<&Posted>,
    problems: Problems,
    chosen_before: bool,
) -> Result<HttpResponse, WebError> {
    may(session, Can::FileIssues)?;
    let coordinator = session.caller.role == Role::Coordinator;
    let caller = session.caller.clone();
    let state = session.state.clone();
    let search = q.enterprise_q.clone();
    let typed = draft
        .map(|d| (d.text("title"), d.text("description")))
        .filter(|(t, d)| !t.trim().is_empty() || !d.trim().is_empty());
    let (ents, recent, region_names, answers, found) = db::run(&state.pool, move |conn| {
        if !coordinator {
            let answers = match typed {
                Some((t, d)) => crate::service::knowledge::closest(
                    conn,
                    &format!("{t} {d}"),
                    super::knowledge::CLOSEST,
                )?,
                None => Vec::new(),
            };
            return Ok((
                Vec::new(),
                Vec::new(),
                Default::default(),
                answers,
                Vec::new(),
            ));
        }
        let found = match &typed {
            Some((t, d)) => crate::service::issues::similar::like_text(conn, &caller, t, d)?,
            None => Vec::new(),
        };
        let ents = enterprises::list(
            conn,
            &caller,
            EnterpriseQuery {
                q: search,
                region_id: None,
                size: None,
                page: Some(1),
                per_page: Some(100),
            },
        )?;
        let today = time::today();
        let recent = forums::list(
            conn,
            &caller,
            ForumQuery {
                edition_id: None,
                region_id: None,
                status: None,
                from: Some(today - chrono::Duration::days(60)),
                to: Some(today + chrono::Duration::days(14)),
                page: Some(1),
                per_page: Some(100),
            },
        )?;
        let ids: Vec<i64> = recent.items.iter().map(|f| f.region_id).collect();
        let region_names = crate::store::regions::names(conn, &ids)?;
        Ok((ents.items, recent.items, region_names, Vec::new(), found))
    })
    .await?;
    let get = |k: &str| draft.map(|d| d.text(k)).unwrap_or_default();
    let forum_now = q
        .forum_id
        .map(|f| f.to_string())
        .unwrap_or_else(|| get("forum_id"));
    page(&NewIssuePage {
        chrome: Chrome::new(
            session,
            if coordinator {
                "登记问题"
            } else {
                "我要反映"
            },
            "/issues/new",
        ),
        coordinator,
        categories: Category::ALL
            .iter()
            .map(|c| choice(c.code(), c.zh(), &get("category")))
            .collect(),
        channels: Channel::ALL
            .iter()
            .filter(|c| **c != Channel::Online)
            .map(|c| choice(c.code(), c.zh(), &get("channel")))
            .collect(),
        enterprises: ents
            .iter()
            .map(|e| {
                choice(
                    e.id,
                    format!("{}（{}）", e.name, e.credit_code),
                    &get("enterprise_id"),
                )
            })
            .collect(),
        found: q
            .enterprise_q
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(|t| match ents.len() {
                0 => format!("没有找到名称或统一社会信用代码含“{t}”的企业，请换个词再查。"),
                n => format!("找到 {n} 家企业，请在“企业”中选择。"),
            }),
        enterprise_q: q.enterprise_q.unwrap_or_default(),
        forums: recent
            .iter()
            .filter(|f| f.status != ForumStatus::Cancelled)
            .map(|f| {
                choice(
                    f.id,
                    format!(
                        "第{}期 {} {} {}",
                        f.edition_number,
                        format::date(f.held_on),
                        region_names.get(&f.region_id).map_or("", String::as_str),
                        f.theme
                    ),
                    &forum_now,
                )
            })
            .collect(),
        key: draft
            .map(|d| d.text("key"))
            .filter(|k| !k.is_empty())
            .unwrap_or_else(super::session::nonce),
        problems,
        title: get("title"),
        description: get("description"),
        answers: answers
            .iter()
            .map(|e| super::knowledge::shown(e, &[]))
            .collect(),
        similar: similar_shown(found),
        file_hint: format!(
            "{}{}",
            if chosen_before {
                "请重新选择附件：页面刷新后，浏览器不会保留已选的文件。"
            } else {
                ""
            },
            super::files::hint(&session.state.files, 0)
        ),
    })
}

async fn new_issue(session: Session, req: HttpRequest) -> Result<HttpResponse, WebError> {
    let q: NewIssueQuery = parse_query(&filled(&req))?;
    new_issue_page(&session, q, None, Problems::default(), false).await
}

/// 提交: the same filing as the API's, with the form's key so a resubmitted form files once.
async fn file_issue(
    session: Session,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, WebError> {
    may(&session, Can::FileIssues)?;
    let limits = session.state.files;
    let (form, files) = super::files::read_form(&req, payload, &limits).await?;
    session.check_csrf(&form.text("csrf"))?;
    let chosen = files.as_ref().map_or(true, |f| !f.is_empty());
    let coordinator = session.caller.role == Role::Coordinator;
    if coordinator && form.text("find") == "1" {
        // 查找 inside the form: the page again with the enterprises found and all typed.
        let q = NewIssueQuery {
            enterprise_q: Some(form.text("enterprise_q")),
            forum_id: None,
        };
        return new_issue_page(&session, q, Some(&form), Problems::default(), chosen).await;
    }
    if !coordinator && form.text("next") == "1" {
        // 下一步: the page again with what was typed and the 政策问答 closest to it.
        return new_issue_page(
            &session,
            NewIssueQuery::default(),
            Some(&form),
            Problems::default(),
            chosen,
        )
        .await;
    }
    let mut missing = Vec::new();
    let category = Category::parse(&form.text("category"));
    if category.is_none() || files.is_err() {
        // Every problem at once: the service, not reached now, would also refuse an empty
        // title or text.
        for field in ["title", "description"] {
            if form.text(field).trim().is_empty() {
                missing.push(crate::error::FieldError::new(field, "must not be empty"));
            }
        }
    }
    if category.is_none() {
        missing.push(crate::error::FieldError::new("category", "is required"));
    }
    let channel = if coordinator {
        let c = Channel::parse(&form.text("channel"));
        if c.is_none() {
            missing.push(crate::error::FieldError::new("channel", "is required"));
        }
        c
    } else {
        Some(Channel::Online)
    };
    let id_of = |k: &str| form.text(k).trim().parse::<i64>().ok();
    let input = FileIn {
        title: form.text("title"),
        description: form.text("description"),
        category: category.unwrap_or(Category::Other),
        channel: channel.unwrap_or(Channel::Online),
        enterprise_id: if coordinator {
            id_of("enterprise_id")
        } else {
            None
        },
        forum_id: if coordinator { id_of("forum_id") } else { None },
        resolved_on_site: form.text("resolved_on_site") == "true",
        on_site_answer: Some(form.text("on_site_answer")).filter(|a| !a.trim().is_empty()),
        department_id: id_of("department_id").filter(|_| form.text("resolved_on_site") == "true"),
    };
    let back = form.text("back");
    let files = match files {
        Ok(files) => files,
        Err(refused) => {
            missing.extend(refused);
            Vec::new()
        }
    };
    let files = if missing.is_empty() {
        crate::service::attachments::keep(session.state.objects.as_deref(), files).await?
    } else {
        files
    };
    let outcome = if missing.is_empty() {
        let caller = session.caller.clone();
        let state = session.state.clone();
        let key = Some(form.text("key")).filter(|k| !k.trim().is_empty());
        // The issue and its files are filed together: a refused file files nothing.
        db::run(&state.pool, move |conn| {
            db::write_tx(conn, |conn| {
                let filed = filing::file(conn, &caller, input, key)?;
                if let (Filed::New(issue), false) = (&filed, files.is_empty()) {
                    let place = crate::service::attachments::Place::Issue(issue.id);
                    crate::service::attachments::add_checked(conn, &caller, &limits, place, files)
                        .map_err(super::files::beside_field)?;
                }
                Ok(filed)
            })
        })
        .await
    } else {
        Err(Error::Invalid(missing))
    };
    match outcome {
        // Raised at a forum: back to the forum, to raise the next one.
        Ok(_) if is_forum_page(&back) => Ok(redirect(&format!("{back}?done=raised"))),
        Ok(Filed::New(issue)) => Ok(redirect(&format!("/issues/{}?done=filed", issue.id))),
        Ok(Filed::Replayed(_, id)) => Ok(redirect(&format!("/issues/{id}?done=filed"))),
        Err(e) if refused(&e) => {
            if back.starts_with("/forums/") {
                return forum_page_after(&session, &back, &e, &form).await;
            }
            let mut resp = new_issue_page(
                &session,
                NewIssueQuery::default(),
                Some(&form),
                Problems::of(&e),
                chosen,
            )
            .await?;
            *resp.status_mut() = actix_web::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(resp)
        }
        Err(e) => Err(e.into()),
    }
}

/// Whether a form came from a forum's page (`/forums/{id}`), the only other place it returns to.
fn is_forum_page(back: &str) -> bool {
    back.strip_prefix("/forums/")
        .is_some_and(|id| !id.is_empty() && id.chars().all(|c| c.is_ascii_digit()))
}
