//! The work queues: 待办 (a department's inbox) and 工作台 (the Federation's desk, with the
//! next edition and 计划下一期).

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::NaiveDate;

use super::act::problems;
use super::format::{self, count};
use super::{filled, may, page, parse_query, redirect, Chrome, Session, WebError};
use crate::db;
use crate::domain::role::Can;
use crate::domain::time;
use crate::service::editions::{self, EditionQuery, PlanIn};
use crate::service::forums::{self, Forum, ForumQuery};
use crate::service::issues::work::{self, Tab, Work};
use crate::service::issues::{self, Issue};
use crate::service::regions;

use super::form::{choice, form_of, refused, Choice};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/inbox").get(inbox))
        .service(web::resource("/desk").get(desk))
        .service(web::resource("/desk/plan").post(plan))
        .service(web::resource("/desk/editions/{id}/cancel").post(cancel_edition))
        .service(web::resource("/desk/editions/{id}/move").post(move_edition));
}

// ---- 待办 and 工作台 ----

/// A row of a work queue.
pub struct WorkRow {
    id: i64,
    title: String,
    enterprise: String,
    category: &'static str,
    status: &'static str,
    department: String,
    due: String,
    overdue: bool,
    mine: bool,
    /// The day it was filed, and the days it has waited since.
    filed: String,
    waited: i64,
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
    /// The pages before and after, when the queue holds more than one page.
    pager: (Option<String>, Option<String>),
    /// How the queue is ordered, in words.
    order: &'static str,
    next: Option<NextEdition>,
    plan: Option<PlanForm>,
    problems: Vec<String>,
}

/// The next edition on the desk, with its forums.
pub struct NextEdition {
    id: i64,
    /// The city's coordinators may call it off (取消本期).
    may_cancel: bool,
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
            category: i.category.zh(),
            filed: format::date(time::local_date(i.created_at.naive_utc())),
            waited: (time::today() - time::local_date(i.created_at.naive_utc())).num_days(),
        })
        .collect()
}

/// The links to the queue's page before and after (the tab and 我的 kept).
fn pager(base: &str, w: &Work, extra: &str) -> (Option<String>, Option<String>) {
    let items = &w.items;
    let pages = (items.total + items.per_page - 1) / items.per_page.max(1);
    let at = |n: i64| format!("{base}?tab={}{extra}&page={n}", w.tab.code());
    (
        (items.page > 1).then(|| at(items.page - 1)),
        (items.page < pages).then(|| at(items.page + 1)),
    )
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
    may(&session, Can::WorkInbox)?;
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
        pager: pager("/inbox", &w, if mine { "&mine=1" } else { "" }),
        order: w.tab.order_zh(),
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
    may(session, Can::RunForums)?;
    let caller = session.caller.clone();
    let state = session.state.clone();
    let today = time::today();
    let (w, labels, next, regions, proposed) = db::run(&state.pool, move |conn| {
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
        let next = match coming
            .items
            .into_iter()
            .filter(|e| !e.cancelled)
            .min_by_key(|e| e.held_on)
        {
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
        let proposed = editions::proposed_date(conn, today)?;
        Ok((w, labels, next, regions, proposed))
    })
    .await?;
    let region_names: std::collections::HashMap<i64, String> =
        regions.iter().map(|r| (r.id, r.name.clone())).collect();
    let next = next.map(|(e, fs)| NextEdition {
        id: e.id,
        may_cancel: session.caller.at_top_region(),
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
        pager: pager("/desk", &w, ""),
        order: w.tab.order_zh(),
        rows: rows(session, &w.items.items, &labels),
        total: count(w.items.total),
        mine_switch: None,
        next,
        // Editions are the city's: a district's coordinator is not offered the plan.
        plan: session.caller.at_top_region().then(|| PlanForm {
            held_on: proposed.to_string(),
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
        reschedule_reason: Some(form.text("reschedule_reason")).filter(|r| !r.trim().is_empty()),
        region_ids,
        record: false,
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

/// 取消本期: the edition and its forums are called off with the reason; the enterprises
/// its 恳谈会预告 told are told.
async fn cancel_edition(
    session: Session,
    id: web::Path<i64>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let form = form_of(&body)?;
    session.check_csrf(&form.text("csrf"))?;
    may(&session, Can::RunForums)?;
    let id = id.into_inner();
    let input = editions::CancelIn {
        reason: form.text("reason"),
    };
    let caller = session.caller.clone();
    let state = session.state.clone();
    match db::run(&state.pool, move |conn| {
        editions::cancel(conn, &caller, id, input)
    })
    .await
    {
        Ok(_) => Ok(redirect("/desk")),
        Err(e) if refused(&e) => {
            let mut resp = desk_page(&session, None, None, problems(&e)).await?;
            *resp.status_mut() = actix_web::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(resp)
        }
        Err(e) => Err(e.into()),
    }
}

/// 改期: the next edition moves to another day, with the reason when it is not a Wednesday
/// (a holiday week, a 专场).
async fn move_edition(
    session: Session,
    id: web::Path<i64>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let form = form_of(&body)?;
    session.check_csrf(&form.text("csrf"))?;
    may(&session, Can::RunForums)?;
    let id = id.into_inner();
    let held_on = match NaiveDate::parse_from_str(form.text("held_on").trim(), "%Y-%m-%d") {
        Ok(d) => d,
        Err(_) => {
            let e = crate::error::Error::invalid("held_on", "is not a date (YYYY-MM-DD)");
            let mut resp = desk_page(&session, None, None, problems(&e)).await?;
            *resp.status_mut() = actix_web::http::StatusCode::UNPROCESSABLE_ENTITY;
            return Ok(resp);
        }
    };
    let patch = editions::EditionPatch {
        number: None,
        held_on: Some(held_on),
        theme: None,
        reschedule_reason: Some(
            Some(form.text("reschedule_reason")).filter(|r| !r.trim().is_empty()),
        ),
    };
    let caller = session.caller.clone();
    let state = session.state.clone();
    match db::run(&state.pool, move |conn| {
        editions::update(conn, &caller, id, patch)
    })
    .await
    {
        Ok(_) => Ok(redirect("/desk")),
        Err(e) if refused(&e) => {
            let mut resp = desk_page(&session, None, None, problems(&e)).await?;
            *resp.status_mut() = actix_web::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(resp)
        }
        Err(e) => Err(e.into()),
    }
}
