//! 恳谈会: the list of forums, and a forum's page (its record, attendance and the issues
//! raised there).

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::act::{problems, Posted};
use super::format::{self, count};
use super::{filled, page, parse_query, redirect, Chrome, Session, WebError};
use crate::db;
use crate::domain::forum::Status as ForumStatus;
use crate::domain::issue::Category;
use crate::domain::role::Can;
use crate::domain::time;
use crate::error::Error;
use crate::service::enterprises::{self, EnterpriseQuery, NewEnterpriseIn, Size};
use crate::service::forums::{self, AttendeeIn, Forum, ForumPatch, ForumQuery, PageQuery};
use crate::service::issues;
use crate::service::regions;

use super::form::{choice, form_of, refused, Choice};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/forums").get(forum_list))
        .service(web::resource("/forums/{id}").get(forum))
        .service(web::resource("/forums/{id}/{action}").post(forum_act));
}

// ---- the forums ----

/// A row of the forum list.
pub struct ForumRowView {
    id: i64,
    number: String,
    day: String,
    region: String,
    theme: String,
    status: &'static str,
    people: String,
    raised: String,
}

#[derive(Template)]
#[template(path = "forums.html")]
struct ForumsPage {
    chrome: Chrome,
    regions: Vec<Choice>,
    statuses: Vec<Choice>,
    from: String,
    to: String,
    rows: Vec<ForumRowView>,
    total: String,
    prev_href: Option<String>,
    next_href: Option<String>,
    page_label: String,
}

/// 恳谈会: the forums in the reader's scope, with the list's filters (a figure's period,
/// region and status), newest first.
async fn forum_list(session: Session, req: HttpRequest) -> Result<HttpResponse, WebError> {
    let pairs = filled(&req);
    let q: ForumQuery = parse_query(&pairs)?;
    let (region_now, status_now) = (
        q.region_id.map(|r| r.to_string()).unwrap_or_default(),
        q.status.map(|s| s.code()).unwrap_or(""),
    );
    let (from, to) = (
        q.from.map(|d| d.to_string()).unwrap_or_default(),
        q.to.map(|d| d.to_string()).unwrap_or_default(),
    );
    let caller = session.caller.clone();
    let state = session.state.clone();
    let (found, names, in_scope) = db::run(&state.pool, move |conn| {
        let in_scope = crate::service::regions::in_scope(conn, &caller)?;
        let found = forums::list(conn, &caller, q)?;
        let ids: Vec<i64> = found.items.iter().map(|f| f.region_id).collect();
        let names = regions::names(conn, &ids)?;
        Ok((found, names, in_scope))
    })
    .await?;
    let mut region_choices = vec![choice("", "全部", &region_now)];
    region_choices.extend(
        in_scope
            .iter()
            .map(|r| choice(r.id, r.name.clone(), &region_now)),
    );
    let mut statuses = vec![choice("", "全部", status_now)];
    statuses.extend(
        crate::domain::forum::Status::ALL
            .iter()
            .map(|s| choice(s.code(), s.zh(), status_now)),
    );
    let pages = (found.total + found.per_page - 1) / found.per_page;
    let with_page = |n: i64| {
        let mut p: Vec<(String, String)> =
            pairs.iter().filter(|(k, _)| k != "page").cloned().collect();
        p.push(("page".into(), n.to_string()));
        format!(
            "/forums?{}",
            serde_urlencoded::to_string(&p).unwrap_or_default()
        )
    };
    page(&ForumsPage {
        chrome: Chrome::new(&session, "恳谈会", "/forums"),
        regions: region_choices,
        statuses,
        from,
        to,
        rows: found
            .items
            .iter()
            .map(|f| ForumRowView {
                id: f.id,
                number: format!("第{}期", f.edition_number),
                day: format::date(f.held_on),
                region: names.get(&f.region_id).cloned().unwrap_or_default(),
                theme: f.theme.clone(),
                status: f.status.zh(),
                people: count(f.attendance_count),
                raised: count(f.issue_count),
            })
            .collect(),
        total: count(found.total),
        prev_href: (found.page > 1).then(|| with_page(found.page - 1)),
        next_href: (found.page < pages).then(|| with_page(found.page + 1)),
        page_label: format!("第 {} / {} 页", found.page, pages.max(1)),
    })
}

// ---- a forum ----

#[derive(Template)]
#[template(path = "forum.html")]
struct ForumPage {
    chrome: Chrome,
    forum: Forum,
    held_on: String,
    status: &'static str,
    departments: Vec<Choice>,
    /// The same departments under today's names: an issue raised now is answered by the
    /// department as it is called now.
    answering_departments: Vec<Choice>,
    /// Every active department, those attending selected.
    all_departments: Vec<Choice>,
    attendees: Vec<(String, String, String)>,
    raised: Vec<(i64, String, &'static str, bool)>,
    runs: bool,
    can_hold: bool,
    enterprises: Vec<Choice>,
    enterprise_q: String,
    attending: Vec<Choice>,
    categories: Vec<Choice>,
    sizes: Vec<Choice>,
    key: String,
    problems: Vec<String>,
    done: Option<&'static str>,
}

#[derive(serde::Deserialize, Default)]
struct ForumQueryIn {
    enterprise_q: Option<String>,
    done: Option<String>,
}

async fn forum(
    session: Session,
    id: web::Path<i64>,
    req: HttpRequest,
) -> Result<HttpResponse, WebError> {
    let q: ForumQueryIn = parse_query(&filled(&req))?;
    forum_page(&session, id.into_inner(), q, Vec::new()).await
}

pub(super) async fn forum_page_after(
    session: &Session,
    back: &str,
    problems: Vec<String>,
    _draft: Option<&Posted>,
) -> Result<HttpResponse, WebError> {
    let id: i64 = back
        .trim_start_matches("/forums/")
        .parse()
        .map_err(|_| WebError::Page(Error::not_found("forum")))?;
    let mut resp = forum_page(session, id, ForumQueryIn::default(), problems).await?;
    *resp.status_mut() = actix_web::http::StatusCode::UNPROCESSABLE_ENTITY;
    Ok(resp)
}

async fn forum_page(
    session: &Session,
    id: i64,
    q: ForumQueryIn,
    problems: Vec<String>,
) -> Result<HttpResponse, WebError> {
    let caller = session.caller.clone();
    let state = session.state.clone();
    let runs = caller.may(Can::RunForums);
    let search = q.enterprise_q.clone();
    let (f, attendees, raised, (depts, named_now), region, ents, all) =
        db::run(&state.pool, move |conn| {
            let f = forums::get(conn, &caller, id)?;
            let attendees = forums::list_attendees(
                conn,
                &caller,
                id,
                PageQuery {
                    page: Some(1),
                    per_page: Some(100),
                },
            )?;
            let raised = issues::list(
                conn,
                &caller,
                issues::IssueQuery {
                    forum_id: Some(id),
                    per_page: Some(100),
                    sort: Some("created_at".into()),
                    ..issues::IssueQuery::default()
                },
            )?;
            // The departments that sat at the forum, as they were called that day.
            let depts =
                crate::service::departments::names_on(conn, &f.department_ids, Some(f.held_on))?;
            let named_now = crate::service::departments::names_on(conn, &f.department_ids, None)?;
            let all = if runs {
                crate::service::departments::list(
                    conn,
                    &caller,
                    crate::service::departments::DepartmentQuery {
                        q: None,
                        region_id: None,
                        active: Some(true),
                        page: Some(1),
                        per_page: Some(100),
                    },
                )?
                .items
            } else {
                Vec::new()
            };
            let region = regions::names(conn, &[f.region_id])?
                .remove(&f.region_id)
                .unwrap_or_default();
            let ents = if runs && search.as_deref().is_some_and(|s| !s.trim().is_empty()) {
                enterprises::list(
                    conn,
                    &caller,
                    EnterpriseQuery {
                        q: search,
                        region_id: None,
                        size: None,
                        page: Some(1),
                        per_page: Some(20),
                    },
                )?
                .items
            } else {
                Vec::new()
            };
            Ok((
                f,
                attendees.items,
                raised.items,
                (depts, named_now),
                region,
                ents,
                all,
            ))
        })
        .await?;
    let mut attending: Vec<Choice> = Vec::new();
    for a in &attendees {
        if !attending
            .iter()
            .any(|c| c.value == a.enterprise_id.to_string())
        {
            attending.push(choice(a.enterprise_id, a.enterprise_name.clone(), ""));
        }
    }
    let can_hold = runs && f.status == ForumStatus::Scheduled && f.held_on <= time::today();
    page(&ForumPage {
        chrome: Chrome::new(
            session,
            format!("第{}期 {}恳谈会", f.edition_number, region),
            "/forums",
        ),
        held_on: format::date(f.held_on),
        status: f.status.zh(),
        departments: f
            .department_ids
            .iter()
            .map(|d| choice(d, depts.get(d).map(|x| x.0.clone()).unwrap_or_default(), ""))
            .collect(),
        answering_departments: f
            .department_ids
            .iter()
            .map(|d| {
                choice(
                    d,
                    named_now.get(d).map(|x| x.0.clone()).unwrap_or_default(),
                    "",
                )
            })
            .collect(),
        all_departments: all
            .iter()
            .map(|d| Choice {
                value: d.id.to_string(),
                label: d.name.clone(),
                selected: f.department_ids.contains(&d.id),
            })
            .collect(),
        attendees: attendees
            .iter()
            .map(|a| {
                (
                    a.person_name.clone(),
                    a.title.clone(),
                    a.enterprise_name.clone(),
                )
            })
            .collect(),
        raised: raised
            .iter()
            .map(|i| (i.id, i.title.clone(), i.status.zh(), i.resolved_on_site))
            .collect(),
        runs: runs && f.status != ForumStatus::Cancelled,
        can_hold,
        enterprises: ents
            .iter()
            .map(|e| choice(e.id, format!("{}（{}）", e.name, e.credit_code), ""))
            .collect(),
        enterprise_q: q.enterprise_q.unwrap_or_default(),
        attending,
        categories: Category::ALL
            .iter()
            .map(|c| choice(c.code(), c.zh(), ""))
            .collect(),
        sizes: [Size::Micro, Size::Small, Size::Medium, Size::Large]
            .iter()
            .map(|s| choice(s.as_str(), s.zh(), ""))
            .collect(),
        key: super::session::nonce(),
        problems,
        done: q.done.as_deref().and_then(|d| match d {
            "held" => Some("已记录为召开。"),
            "cancelled" => Some("已取消。"),
            "attendee" => Some("已登记参会企业家。"),
            "departments" => Some("参会部门已保存。"),
            "raised" => Some("问题已登记，见“会上收集的问题”；可以接着登记下一个。"),
            _ => None,
        }),
        forum: f,
    })
}

/// The forum's forms: 召开 (hold), 取消 (cancel), 登记参会企业家 (attendee).
async fn forum_act(
    session: Session,
    path: web::Path<(i64, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let (id, action) = path.into_inner();
    let form = form_of(&body)?;
    session.check_csrf(&form.text("csrf"))?;
    let opt = |k: &str| Some(form.text(k)).filter(|v| !v.trim().is_empty());
    let caller = session.caller.clone();
    let state = session.state.clone();
    let done = match action.as_str() {
        "hold" | "cancel" => {
            let cancel = action == "cancel";
            let patch = ForumPatch {
                status: Some(if cancel {
                    ForumStatus::Cancelled
                } else {
                    ForumStatus::Held
                }),
                minutes: (!cancel).then(|| opt("minutes")),
                cancel_reason: if cancel {
                    Some(form.text("cancel_reason"))
                } else {
                    None
                },
                venue: (!cancel).then(|| opt("venue")),
                theme: None,
                chair_name: (!cancel).then(|| opt("chair_name")),
                chair_title: (!cancel).then(|| opt("chair_title")),
                department_ids: None,
            };
            let r = db::run(&state.pool, move |conn| {
                forums::update(conn, &caller, id, patch)
            })
            .await;
            r.map(|_| if cancel { "cancelled" } else { "held" })
        }
        "departments" => {
            let ids: Vec<i64> = form
                .values()
                .get("department_ids")
                .map(|v| v.split(',').filter_map(|x| x.trim().parse().ok()).collect())
                .unwrap_or_default();
            let patch = ForumPatch {
                status: None,
                minutes: None,
                cancel_reason: None,
                venue: None,
                theme: None,
                chair_name: None,
                chair_title: None,
                department_ids: Some(ids),
            };
            let r = db::run(&state.pool, move |conn| {
                forums::update(conn, &caller, id, patch)
            })
            .await;
            r.map(|_| "departments")
        }
        "attendee" => {
            let enterprise = opt("new_name").map(|name| NewEnterpriseIn {
                name,
                credit_code: form.text("new_credit_code"),
                region_id: form.text("new_region_id").parse().unwrap_or_default(),
                industry: form.text("new_industry"),
                size: match form.text("new_size").as_str() {
                    "micro" => Size::Micro,
                    "medium" => Size::Medium,
                    "large" => Size::Large,
                    _ => Size::Small,
                },
                contact_name: opt("new_contact_name"),
                contact_phone: opt("new_contact_phone"),
            });
            let input = AttendeeIn {
                person_name: form.text("person_name"),
                title: form.text("title"),
                enterprise_id: if enterprise.is_some() {
                    None
                } else {
                    form.text("enterprise_id").parse().ok()
                },
                enterprise,
            };
            let r = db::run(&state.pool, move |conn| {
                forums::add_attendee(conn, &caller, id, input)
            })
            .await;
            r.map(|_| "attendee")
        }
        _ => Err(Error::not_found("action")),
    };
    match done {
        Ok(d) => Ok(redirect(&format!("/forums/{id}?done={d}"))),
        Err(e) if refused(&e) => {
            forum_page_after(
                &session,
                &format!("/forums/{id}"),
                problems(&e),
                Some(&form),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}
