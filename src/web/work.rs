//! The pages people work in: 我要反映 (filing), 待办 (a department's inbox), 工作台 (the
//! Federation's desk, with the next edition), a forum's page (attendance and the issues
//! raised there) and the answer templates (答复模板).

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::NaiveDate;

use super::act::{problems, Posted};
use super::format::{self, count};
use super::{filled, page, parse_query, redirect, Chrome, Session, WebError};
use crate::db;
use crate::domain::forum::{next_wednesday_after, Status as ForumStatus};
use crate::domain::issue::{Category, Channel, Outcome};
use crate::domain::role::Role;
use crate::domain::time;
use crate::error::Error;
use crate::service::editions::{self, EditionQuery, PlanIn};
use crate::service::enterprises::{self, EnterpriseQuery, NewEnterpriseIn, Size};
use crate::service::forums::{self, AttendeeIn, Forum, ForumPatch, ForumQuery, PageQuery};
use crate::service::issues::filing::{self, FileIn, Filed};
use crate::service::issues::work::{self, Tab, Work};
use crate::service::issues::{self, Issue};
use crate::service::{regions, templates};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/issues/new").get(new_issue).post(file_issue))
        .service(web::resource("/inbox").get(inbox))
        .service(web::resource("/desk").get(desk))
        .service(web::resource("/desk/plan").post(plan))
        .service(web::resource("/forums").get(forum_list))
        .service(web::resource("/forums/{id}").get(forum))
        .service(web::resource("/forums/{id}/{action}").post(forum_act))
        .service(
            web::resource("/templates")
                .get(template_list)
                .post(template_add),
        )
        .service(web::resource("/templates/{id}/delete").post(template_delete));
}

/// A choice of a select.
pub struct Choice {
    value: String,
    label: String,
    selected: bool,
}

fn choice(value: impl ToString, label: impl Into<String>, now: &str) -> Choice {
    let value = value.to_string();
    Choice {
        selected: value == now,
        value,
        label: label.into(),
    }
}

fn form_of(body: &[u8]) -> Result<Posted, WebError> {
    Posted::parse(body)
        .ok_or_else(|| WebError::Page(Error::malformed("the form could not be read")))
}

fn refused(e: &Error) -> bool {
    matches!(
        e,
        Error::Invalid(_)
            | Error::Duplicate(_)
            | Error::Conflict(_)
            | Error::Stale(_)
            | Error::Forbidden(_)
    )
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
    forums: Vec<Choice>,
    key: String,
    problems: Vec<String>,
    title: String,
    description: String,
}

#[derive(serde::Deserialize, Default)]
struct NewIssueQuery {
    enterprise_q: Option<String>,
    forum_id: Option<i64>,
}

fn may_file(session: &Session) -> Result<(), WebError> {
    if matches!(session.caller.role, Role::Enterprise | Role::Coordinator) {
        Ok(())
    } else {
        Err(WebError::Page(Error::not_found("page")))
    }
}

async fn new_issue_page(
    session: &Session,
    q: NewIssueQuery,
    draft: Option<&Posted>,
    problems: Vec<String>,
) -> Result<HttpResponse, WebError> {
    may_file(session)?;
    let coordinator = session.caller.role == Role::Coordinator;
    let caller = session.caller.clone();
    let state = session.state.clone();
    let search = q.enterprise_q.clone();
    let (ents, recent) = db::run(&state.pool, move |conn| {
        if !coordinator {
            return Ok((Vec::new(), Vec::new()));
        }
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
        Ok((ents.items, recent.items))
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
        enterprise_q: q.enterprise_q.unwrap_or_default(),
        forums: recent
            .iter()
            .filter(|f| f.status != ForumStatus::Cancelled)
            .map(|f| {
                choice(
                    f.id,
                    format!(
                        "第{}期 {} {}",
                        f.edition_number,
                        format::date(f.held_on),
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
    })
}

async fn new_issue(session: Session, req: HttpRequest) -> Result<HttpResponse, WebError> {
    let q: NewIssueQuery = parse_query(&filled(&req))?;
    new_issue_page(&session, q, None, Vec::new()).await
}

/// 提交: the same filing as the API's, with the form's key so a resubmitted form files once.
async fn file_issue(session: Session, body: web::Bytes) -> Result<HttpResponse, WebError> {
    may_file(&session)?;
    let form = form_of(&body)?;
    session.check_csrf(&form.text("csrf"))?;
    let coordinator = session.caller.role == Role::Coordinator;
    let mut missing = Vec::new();
    let category = Category::parse(&form.text("category"));
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
    let outcome = if missing.is_empty() {
        let caller = session.caller.clone();
        let state = session.state.clone();
        let key = Some(form.text("key")).filter(|k| !k.trim().is_empty());
        db::run(&state.pool, move |conn| {
            filing::file(conn, &caller, input, key)
        })
        .await
    } else {
        Err(Error::Invalid(missing))
    };
    match outcome {
        Ok(Filed::New(issue)) => Ok(redirect(&format!("/issues/{}?done=filed", issue.id))),
        Ok(Filed::Replayed(_, id)) => Ok(redirect(&format!("/issues/{id}?done=filed"))),
        Err(e) if refused(&e) => {
            if back.starts_with("/forums/") {
                return forum_page_after(&session, &back, problems(&e), Some(&form)).await;
            }
            let mut resp = new_issue_page(
                &session,
                NewIssueQuery::default(),
                Some(&form),
                problems(&e),
            )
            .await?;
            *resp.status_mut() = actix_web::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(resp)
        }
        Err(e) => Err(e.into()),
    }
}

// ---- 待办 and 工作台 ----

/// A row of a work queue.
pub struct WorkRow {
    id: i64,
    title: String,
    enterprise: String,
    status: &'static str,
    department: String,
    due: String,
    overdue: bool,
    mine: bool,
}

/// A tab with its count.
pub struct TabView {
    href: String,
    label: &'static str,
    count: String,
    zero: bool,
    current: bool,
}

#[derive(Template)]
#[template(path = "work.html")]
struct WorkPage {
    chrome: Chrome,
    heading: &'static str,
    tabs: Vec<TabView>,
    rows: Vec<WorkRow>,
    total: String,
    mine_switch: Option<(String, String, bool)>,
    next: Option<NextEdition>,
    plan: Option<PlanForm>,
    problems: Vec<String>,
}

/// The next edition on the desk, with its forums.
pub struct NextEdition {
    title: String,
    forums: Vec<(i64, String, &'static str)>,
}

/// The form that plans the next edition.
pub struct PlanForm {
    held_on: String,
    regions: Vec<Choice>,
}

#[derive(serde::Deserialize)]
struct WorkQuery {
    tab: Option<String>,
    mine: Option<String>,
    page: Option<i64>,
}

fn rows(session: &Session, items: &[Issue], labels: &issues::Labels) -> Vec<WorkRow> {
    items
        .iter()
        .map(|i| WorkRow {
            id: i.id,
            title: i.title.clone(),
            enterprise: labels.enterprise(i.enterprise_id),
            status: i.status.zh(),
            department: labels.department(i.lead_department_id),
            due: i.due_on.map(format::date).unwrap_or_else(|| "—".into()),
            overdue: i.overdue,
            mine: i.handler_id == Some(session.caller.id()),
        })
        .collect()
}

fn tabs(base: &str, w: &Work, extra: &str) -> Vec<TabView> {
    w.tabs
        .iter()
        .map(|(t, n)| TabView {
            href: format!("{base}?tab={}{extra}", t.code()),
            label: t.zh(),
            count: count(*n),
            zero: *n == 0,
            current: *t == w.tab,
        })
        .collect()
}

async fn inbox(session: Session, req: HttpRequest) -> Result<HttpResponse, WebError> {
    if session.caller.role != Role::Department {
        return Err(WebError::Page(Error::not_found("page")));
    }
    let q: WorkQuery = parse_query(&filled(&req))?;
    let mine = q.mine.as_deref() == Some("1");
    let tab = q.tab.as_deref().and_then(Tab::parse);
    let caller = session.caller.clone();
    let state = session.state.clone();
    let (w, labels) = db::run(&state.pool, move |conn| {
        let w = work::inbox(conn, &caller, tab, mine, q.page)?;
        let labels = issues::labels(conn, &w.items.items, &[])?;
        Ok((w, labels))
    })
    .await?;
    let tab_code = w.tab.code();
    page(&WorkPage {
        chrome: Chrome::new(&session, "待办", "/inbox"),
        heading: "待办",
        tabs: tabs("/inbox", &w, if mine { "&mine=1" } else { "" }),
        rows: rows(&session, &w.items.items, &labels),
        total: count(w.items.total),
        mine_switch: Some((
            format!("/inbox?tab={tab_code}&mine=1"),
            format!("/inbox?tab={tab_code}"),
            mine,
        )),
        next: None,
        plan: None,
        problems: Vec::new(),
    })
}

async fn desk(session: Session, req: HttpRequest) -> Result<HttpResponse, WebError> {
    let q: WorkQuery = parse_query(&filled(&req))?;
    desk_page(
        &session,
        q.tab.as_deref().and_then(Tab::parse),
        q.page,
        Vec::new(),
    )
    .await
}

async fn desk_page(
    session: &Session,
    tab: Option<Tab>,
    page_no: Option<i64>,
    problems: Vec<String>,
) -> Result<HttpResponse, WebError> {
    if session.caller.role != Role::Coordinator {
        return Err(WebError::Page(Error::not_found("page")));
    }
    let caller = session.caller.clone();
    let state = session.state.clone();
    let today = time::today();
    let (w, labels, next, regions) = db::run(&state.pool, move |conn| {
        let w = work::desk(conn, &caller, tab, page_no)?;
        let labels = issues::labels(conn, &w.items.items, &[])?;
        let coming = editions::list(
            conn,
            &caller,
            EditionQuery {
                from: Some(today),
                to: None,
                page: Some(1),
                per_page: Some(100),
            },
        )?;
        let next = match coming.items.into_iter().min_by_key(|e| e.held_on) {
            Some(e) => {
                let fs = forums::list(
                    conn,
                    &caller,
                    ForumQuery {
                        edition_id: Some(e.id),
                        region_id: None,
                        status: None,
                        from: None,
                        to: None,
                        page: Some(1),
                        per_page: Some(100),
                    },
                )?;
                Some((e, fs.items))
            }
            None => None,
        };
        let regions = regions::in_scope(conn, &caller)?;
        Ok((w, labels, next, regions))
    })
    .await?;
    let region_names: std::collections::HashMap<i64, String> =
        regions.iter().map(|r| (r.id, r.name.clone())).collect();
    let next = next.map(|(e, fs)| NextEdition {
        title: format!("第{}期 {} {}", e.number, format::date(e.held_on), e.theme),
        forums: fs
            .iter()
            .map(|f: &Forum| {
                (
                    f.id,
                    region_names.get(&f.region_id).cloned().unwrap_or_default(),
                    f.status.zh(),
                )
            })
            .collect(),
    });
    page(&WorkPage {
        chrome: Chrome::new(session, "工作台", "/desk"),
        heading: "工作台",
        tabs: tabs("/desk", &w, ""),
        rows: rows(session, &w.items.items, &labels),
        total: count(w.items.total),
        mine_switch: None,
        next,
        // Editions are the city's: a district's coordinator is not offered the plan.
        plan: session.caller.at_top_region().then(|| PlanForm {
            held_on: next_wednesday_after(today).to_string(),
            regions: regions
                .iter()
                .map(|r| choice(r.id, r.name.clone(), ""))
                .collect(),
        }),
        problems,
    })
}

/// 计划下一期: the next edition with a scheduled forum in each region chosen.
async fn plan(session: Session, body: web::Bytes) -> Result<HttpResponse, WebError> {
    let form = form_of(&body)?;
    session.check_csrf(&form.text("csrf"))?;
    let held_on = NaiveDate::parse_from_str(form.text("held_on").trim(), "%Y-%m-%d").ok();
    let region_ids: Vec<i64> = form
        .values()
        .get("region_ids")
        .map(|v| v.split(',').filter_map(|x| x.trim().parse().ok()).collect())
        .unwrap_or_default();
    let input = PlanIn {
        held_on,
        theme: form.text("theme"),
        reschedule_reason: None,
        region_ids,
    };
    let caller = session.caller.clone();
    let state = session.state.clone();
    match db::run(&state.pool, move |conn| {
        editions::plan(conn, &caller, input)
    })
    .await
    {
        Ok(p) => Ok(redirect(
            &p.forums
                .first()
                .map_or("/desk".to_owned(), |f| format!("/forums/{}", f.id)),
        )),
        Err(e) if refused(&e) => {
            let mut resp = desk_page(&session, None, None, problems(&e)).await?;
            *resp.status_mut() = actix_web::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(resp)
        }
        Err(e) => Err(e.into()),
    }
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
    let caller = session.caller.clone();
    let state = session.state.clone();
    let (found, names) = db::run(&state.pool, move |conn| {
        let found = forums::list(conn, &caller, q)?;
        let ids: Vec<i64> = found.items.iter().map(|f| f.region_id).collect();
        let names = crate::store::regions::names(conn, &ids)?;
        Ok((found, names))
    })
    .await?;
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

async fn forum_page_after(
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
    let runs = caller.role == Role::Coordinator;
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
                crate::store::departments::names_on(conn, &f.department_ids, Some(f.held_on))?;
            let named_now = crate::store::departments::names(conn, &f.department_ids)?;
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
            let region = crate::store::regions::names(conn, &[f.region_id])?
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

// ---- 答复模板 ----

#[derive(Template)]
#[template(path = "templates.html")]
struct TemplatesPage {
    chrome: Chrome,
    kept: Vec<(i64, &'static str, &'static str, String, String)>,
    categories: Vec<Choice>,
    outcomes: Vec<Choice>,
    keeps: bool,
    problems: Vec<String>,
}

async fn templates_page(
    session: &Session,
    problems: Vec<String>,
) -> Result<HttpResponse, WebError> {
    if !matches!(
        session.caller.role,
        Role::Coordinator | Role::Department | Role::Admin
    ) {
        return Err(WebError::Page(Error::not_found("page")));
    }
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
            .map(|t| (t.id, t.category.zh(), t.outcome.zh(), t.title, t.text))
            .collect(),
        categories: Category::ALL
            .iter()
            .map(|c| choice(c.code(), c.zh(), ""))
            .collect(),
        outcomes: Outcome::ALL
            .iter()
            .map(|o| choice(o.code(), o.zh(), ""))
            .collect(),
        keeps: session.caller.role == Role::Coordinator,
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
