//! 系统管理: the administrator's home, with what needs attention, 操作日志, and the pages
//! that keep the programme's reference data: accounts, departments, enterprises, regions,
//! the holiday calendar, notification channels and 批量导入.

mod calendar;
mod channels;
mod imports;
mod units;
mod users;

use std::collections::HashMap;

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::NaiveDate;
use serde::Deserialize;

use super::form::{choice, Choice};
use super::{filled, format, page, parse_query, Chrome, Session, WebError};
use crate::db::{self, DbConn};
use crate::domain::role::Role;
use crate::domain::time;
use crate::error::Error;
use crate::service::audit::{self, AuditQuery, Object};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/admin").get(home))
        .service(web::resource("/admin/audit").get(audit_page))
        .service(web::resource("/admin/users/{id}/unlock").post(unlock));
    users::routes(cfg);
    units::routes(cfg);
    calendar::routes(cfg);
    channels::routes(cfg);
    imports::routes(cfg);
}

/// The regions, departments and (some) enterprises the management pages name and offer.
pub(crate) struct Lists {
    regions: Vec<crate::store::regions::RegionRow>,
    departments: Vec<crate::store::departments::DepartmentRow>,
    enterprise_names: HashMap<i64, String>,
}

impl Lists {
    fn read(conn: &mut DbConn, enterprises: &[i64]) -> Result<Lists, Error> {
        Ok(Lists {
            regions: crate::store::regions::all(conn)?,
            departments: crate::store::departments::all(conn)?,
            enterprise_names: crate::store::enterprises::names(conn, enterprises)?,
        })
    }

    fn region_name(&self, id: i64) -> String {
        self.regions
            .iter()
            .find(|r| r.id == id)
            .map(|r| r.name.clone())
            .unwrap_or_default()
    }

    fn department_name(&self, id: i64) -> String {
        self.departments
            .iter()
            .find(|d| d.id == id)
            .map(|d| format!("{}·{}", self.region_name(d.region_id), d.name))
            .unwrap_or_default()
    }

    /// The regions as choices, indented under their parents by depth.
    fn region_choices(&self, now: &str, none: &str) -> Vec<Choice> {
        let mut out = vec![choice("", none, now)];
        out.extend(self.regions.iter().map(|r| {
            let depth = r.path.matches('/').count().saturating_sub(2);
            choice(r.id, format!("{}{}", "　".repeat(depth), r.name), now)
        }));
        out
    }

    /// The active departments (and the one chosen now) as choices, by region.
    fn department_choices(&self, now: &str, none: &str) -> Vec<Choice> {
        let mut out = vec![choice("", none, now)];
        out.extend(
            self.departments
                .iter()
                .filter(|d| d.active || d.id.to_string() == now)
                .map(|d| choice(d.id, self.department_name(d.id), now)),
        );
        out
    }
}

/// The links to the page before and after, keeping the filters.
fn pages(
    path: &str,
    pairs: &[(String, String)],
    page: i64,
    total: i64,
    per_page: i64,
) -> (Option<String>, Option<String>) {
    let with_page = |n: i64| {
        let mut p: Vec<(String, String)> =
            pairs.iter().filter(|(k, _)| k != "page").cloned().collect();
        p.push(("page".into(), n.to_string()));
        format!(
            "{path}?{}",
            serde_urlencoded::to_string(&p).unwrap_or_default()
        )
    };
    let last = (total + per_page - 1) / per_page;
    (
        (page > 1).then(|| with_page(page - 1)),
        (page < last).then(|| with_page(page + 1)),
    )
}

/// `?done=…`: what a page says after a form went through.
#[derive(Deserialize)]
struct DoneQuery {
    done: Option<String>,
}

/// Pages for administrators only; to anyone else as if they did not exist.
fn require_admin(session: &Session) -> Result<(), WebError> {
    if session.caller.role == Role::Admin {
        Ok(())
    } else {
        Err(WebError::Page(Error::not_found("page")))
    }
}

#[derive(Template)]
#[template(path = "admin.html")]
struct HomePage {
    chrome: Chrome,
    failed_deliveries: i64,
    locked_accounts: i64,
    /// id, username, name of each locked account.
    locked: Vec<(i64, String, String)>,
    missing_years: String,
}

async fn home(session: Session) -> Result<HttpResponse, WebError> {
    require_admin(&session)?;
    let caller = session.caller.clone();
    let state = session.state.clone();
    let (a, locked) = db::run(&state.pool, move |conn| {
        Ok((
            audit::attention(conn, &caller, time::today())?,
            crate::service::users::locked(conn, &caller)?,
        ))
    })
    .await?;
    page(&HomePage {
        chrome: Chrome::new(&session, "系统管理", "/admin"),
        failed_deliveries: a.failed_deliveries,
        locked_accounts: a.locked_accounts,
        locked: locked
            .into_iter()
            .map(|u| (u.id, u.username, u.display_name))
            .collect(),
        missing_years: a
            .missing_calendar_years
            .iter()
            .map(|y| format!("{y}年"))
            .collect::<Vec<_>>()
            .join("、"),
    })
}

/// 解除锁定, from the home's list of locked accounts.
async fn unlock(
    session: Session,
    id: web::Path<i64>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let form = super::form::form_of(&body)?;
    session.check_csrf(&form.text("csrf"))?;
    require_admin(&session)?;
    let caller = session.caller.clone();
    let state = session.state.clone();
    let id = id.into_inner();
    db::run(&state.pool, move |conn| {
        crate::service::users::unlock(conn, &caller, id)
    })
    .await?;
    if form.text("back") == "user" {
        return Ok(super::redirect(&format!("/admin/users/{id}?done=unlocked")));
    }
    Ok(super::redirect("/admin"))
}

/// One line of the log as the page shows it.
struct Row {
    when: String,
    who: String,
    who_href: String,
    object: &'static str,
    object_id: String,
    action: &'static str,
    changes: Vec<String>,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    chrome: Chrome,
    objects: Vec<Choice>,
    from: String,
    to: String,
    rows: Vec<Row>,
    total: String,
    prev_href: Option<String>,
    next_href: Option<String>,
}

/// The filters of the page, as the form sends them (an empty field is no filter).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AuditForm {
    actor_id: Option<i64>,
    object: Option<String>,
    from: Option<String>,
    to: Option<String>,
    page: Option<i64>,
}

const PER_PAGE: i64 = 50;

async fn audit_page(session: Session, req: HttpRequest) -> Result<HttpResponse, WebError> {
    require_admin(&session)?;
    let pairs: Vec<(String, String)> = filled(&req);
    let f: AuditForm = parse_query(&pairs)?;
    let day = |field: &str, text: &Option<String>| -> Result<Option<NaiveDate>, WebError> {
        match text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            None => Ok(None),
            Some(t) => time::parse_strict_date(t)
                .map(Some)
                .ok_or_else(|| WebError::Page(Error::invalid(field, "is not a date (YYYY-MM-DD)"))),
        }
    };
    let object =
        match f.object.as_deref().filter(|o| !o.is_empty()) {
            None => None,
            Some(o) => Some(Object::parse(o).ok_or_else(|| {
                WebError::Page(Error::invalid("object", "is not a kind of object"))
            })?),
        };
    let q = AuditQuery {
        actor_id: f.actor_id,
        object,
        object_id: None,
        from: day("from", &f.from)?,
        to: day("to", &f.to)?,
        page: f.page,
        per_page: Some(PER_PAGE),
    };
    let caller = session.caller.clone();
    let state = session.state.clone();
    let (listed, names) = db::run(&state.pool, move |conn| {
        let listed = audit::list(conn, &caller, q)?;
        let ids: Vec<i64> = listed.items.iter().filter_map(|l| l.actor_id).collect();
        let names = crate::store::users::names(conn, &ids)?;
        Ok((listed, names))
    })
    .await?;
    let with_page = |n: i64| {
        let mut p: Vec<(String, String)> =
            pairs.iter().filter(|(k, _)| k != "page").cloned().collect();
        p.push(("page".into(), n.to_string()));
        format!(
            "/admin/audit?{}",
            serde_urlencoded::to_string(&p).unwrap_or_default()
        )
    };
    let pages = (listed.total + PER_PAGE - 1) / PER_PAGE;
    let now = object.map(|o| o.code()).unwrap_or("");
    let mut objects = vec![choice("", "全部", now)];
    objects.extend(Object::ALL.iter().map(|o| choice(o.code(), o.zh(), now)));
    page(&AuditPage {
        chrome: Chrome::new(&session, "操作日志", "/admin"),
        objects,
        from: f.from.unwrap_or_default(),
        to: f.to.unwrap_or_default(),
        total: format::count(listed.total),
        prev_href: (listed.page > 1).then(|| with_page(listed.page - 1)),
        next_href: (listed.page < pages).then(|| with_page(listed.page + 1)),
        rows: listed
            .items
            .iter()
            .map(|l| Row {
                when: format::instant(l.at),
                who: match l.actor_id {
                    Some(id) => names
                        .get(&id)
                        .cloned()
                        .unwrap_or_else(|| format!("用户{id}")),
                    None => "命令行".into(),
                },
                who_href: l
                    .actor_id
                    .map(|id| format!("/admin/audit?actor_id={id}"))
                    .unwrap_or_default(),
                object: Object::parse(&l.object).map(Object::zh).unwrap_or("其他"),
                object_id: l.object_id.map(|i| i.to_string()).unwrap_or_default(),
                action: audit::action_zh(&l.action),
                changes: audit::changes(&l.before, &l.after),
            })
            .collect(),
    })
}
