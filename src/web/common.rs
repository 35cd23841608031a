//! 共性问题 on the pages: `/common` (the groups in scope, those with the most issues and
//! regions first, and for coordinators the form that groups issues), `/common/{id}` (one
//! group: its issues, regions and policy answer; the lead department's answer form; adding
//! issues), and adding an issue to a group from its own page.

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::act::Posted;
use super::form::{choice, form_of, refused, unprocessable, Choice, Problems};
use super::{filled, page, parse_query, redirect, Chrome, Session, WebError};
use crate::db;
use crate::domain::role::Role;
use crate::error::{Error, FieldError};
use crate::service::common::Paged;
use crate::service::common_issues::{
    self as common, AddIn, AnswerIn, CommonIn, CommonIssue, CommonQuery,
};
use crate::service::departments;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/common").get(list).post(create))
        .service(web::resource("/common/{id}").get(one))
        .service(web::resource("/common/{id}/answer").post(answer))
        .service(web::resource("/common/{id}/issues").post(add))
        .service(web::resource("/issues/{id}/group").post(group_issue));
}

/// The groups on one page of the list.
const PER_PAGE: i64 = 30;

/// Issue numbers as typed: separated by commas (either width), 、 or spaces. Anything
/// else is a problem beside the field.
fn issue_numbers(text: &str) -> Result<Vec<i64>, Error> {
    let mut ids = Vec::new();
    for part in text
        .split(|c: char| c == ',' || c == '，' || c == '、' || c.is_whitespace())
        .filter(|p| !p.is_empty())
    {
        match part.trim_start_matches('#').parse::<i64>() {
            Ok(id) if id > 0 => ids.push(id),
            _ => {
                return Err(Error::Invalid(vec![FieldError::new(
                    "issue_ids",
                    format!("`{part}` is not an issue number"),
                )]))
            }
        }
    }
    Ok(ids)
}

/// A group as the list shows it.
struct Card {
    id: i64,
    title: String,
    lead: String,
    issues: String,
    regions: String,
    region_count: i64,
    answered: Option<String>,
}

#[derive(Template)]
#[template(path = "common.html")]
struct CommonPage {
    chrome: Chrome,
    cards: Vec<Card>,
    total: String,
    page: i64,
    more: bool,
    /// The reader groups issues (a coordinator): the form, what was typed, its problems.
    groups: bool,
    departments: Vec<Choice>,
    title: String,
    description: String,
    issue_ids: String,
    problems: Problems,
}

#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    page: Option<i64>,
    /// Issue numbers to start the form with (from an issue's 相似问题).
    issue_ids: Option<String>,
}

async fn list_page(
    session: &Session,
    q: ListQuery,
    typed: Option<&Posted>,
    problems: Problems,
) -> Result<HttpResponse, WebError> {
    let caller = session.caller.clone();
    let state = session.state.clone();
    let page_no = q.page.unwrap_or(1);
    let groups = caller.role == Role::Coordinator;
    let (found, lead_names, region_names, depts): (Paged<CommonIssue>, _, _, _) =
        db::run(&state.pool, move |conn| {
            let found = common::list(
                conn,
                &caller,
                CommonQuery {
                    page: Some(page_no),
                    per_page: Some(PER_PAGE),
                },
            )?;
            let leads: Vec<i64> = found.items.iter().map(|g| g.lead_department_id).collect();
            let regions: Vec<i64> = found
                .items
                .iter()
                .flat_map(|g| g.region_ids.iter().copied())
                .collect();
            let (d, r) = common::names(conn, &leads, &regions)?;
            let depts = if groups {
                departments::list(
                    conn,
                    &caller,
                    departments::DepartmentQuery {
                        q: None,
                        region_id: None,
                        active: Some(true),
                        page: Some(1),
                        per_page: Some(100),
                    },
                )?
                .items
                .into_iter()
                .map(|d| (d.id, d.name))
                .collect()
            } else {
                Vec::new()
            };
            Ok::<_, Error>((found, d, r, depts))
        })
        .await?;
    let value = |k: &str, start: Option<String>| match typed {
        Some(f) => f.text(k),
        None => start.unwrap_or_default(),
    };
    let chosen = value("lead_department_id", None);
    let more = found.page * found.per_page < found.total;
    page(&CommonPage {
        chrome: Chrome::new(session, "共性问题", "/common"),
        total: super::format::count(found.total),
        page: found.page,
        more,
        cards: found
            .items
            .into_iter()
            .map(|g| Card {
                lead: lead_names
                    .get(&g.lead_department_id)
                    .cloned()
                    .unwrap_or_default(),
                issues: super::format::count(g.issue_count),
                regions: g
                    .region_ids
                    .iter()
                    .filter_map(|r| region_names.get(r).cloned())
                    .collect::<Vec<_>>()
                    .join("、"),
                region_count: g.region_count,
                answered: g.answer.as_ref().map(|a| {
                    super::format::date(crate::domain::time::local_date(a.answered_at.naive_utc()))
                }),
                id: g.id,
                title: g.title,
            })
            .collect(),
        groups,
        departments: depts
            .into_iter()
            .map(|(id, name)| choice(id, name, &chosen))
            .collect(),
        title: value("title", None),
        description: value("description", None),
        issue_ids: value("issue_ids", q.issue_ids),
        problems,
    })
}

async fn list(session: Session, req: HttpRequest) -> Result<HttpResponse, WebError> {
    let q: ListQuery = parse_query(&filled(&req))?;
    list_page(&session, q, None, Problems::default()).await
}

/// 新建共性问题 (coordinator): on success, the new group's page.
async fn create(session: Session, body: web::Bytes) -> Result<HttpResponse, WebError> {
    let form = form_of(&body)?;
    session.check_csrf(&form.text("csrf"))?;
    let caller = session.caller.clone();
    let state = session.state.clone();
    let lead = form.text("lead_department_id").trim().parse::<i64>().ok();
    let ids = issue_numbers(&form.text("issue_ids"));
    let read = match (lead, ids) {
        (Some(lead_department_id), Ok(issue_ids)) => Ok(CommonIn {
            title: form.text("title"),
            description: form.text("description"),
            lead_department_id,
            issue_ids,
        }),
        (lead, ids) => {
            // Every problem at once: the texts the service would check besides.
            let mut problems = Vec::new();
            for k in ["title", "description"] {
                if form.text(k).trim().is_empty() {
                    problems.push(FieldError::new(k, "must not be empty"));
                }
            }
            if lead.is_none() {
                problems.push(FieldError::new("lead_department_id", "is required"));
            }
            if let Err(Error::Invalid(mut e)) = ids {
                problems.append(&mut e);
            }
            Err(Error::Invalid(problems))
        }
    };
    let r = match read {
        Ok(input) => {
            db::run(&state.pool, move |conn| {
                common::create(conn, &caller, input)
            })
            .await
        }
        Err(e) => Err(e),
    };
    match r {
        Ok(g) => Ok(redirect(&format!("/common/{}?done=created", g.id))),
        Err(e) if refused(&e) => Ok(unprocessable(
            list_page(
                &session,
                ListQuery::default(),
                Some(&form),
                Problems::of_form(&e, &[("description", "common_description")]),
            )
            .await?,
        )),
        Err(e) => Err(e.into()),
    }
}

/// An issue of a group as its page lists it.
struct Row {
    id: i64,
    title: String,
    region: String,
    status: &'static str,
    rating: &'static str,
}

#[derive(Template)]
#[template(path = "common_issue.html")]
struct GroupPage {
    chrome: Chrome,
    id: i64,
    description: String,
    lead: String,
    regions: String,
    issue_count: String,
    region_count: i64,
    created: String,
    rows: Vec<Row>,
    /// The policy answer: text and date.
    answer: Option<(String, String)>,
    /// The reader's department leads the group and it has no answer yet.
    answers: bool,
    /// The reader groups issues (a coordinator).
    adds: bool,
    text: String,
    add_ids: String,
    problems: Problems,
    /// The form the problems belong to: `answer` or `add`.
    failed: &'static str,
    done: Option<&'static str>,
}

#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct OneQuery {
    done: Option<String>,
}

async fn group_page(
    session: &Session,
    id: i64,
    done: Option<&str>,
    typed: Option<&Posted>,
    problems: Problems,
    failed: &'static str,
) -> Result<HttpResponse, WebError> {
    let caller = session.caller.clone();
    let state = session.state.clone();
    let (d, region_names) = db::run(&state.pool, move |conn| {
        let d = common::detail(conn, &caller, id)?;
        let regions: Vec<i64> = d.issues.iter().map(|i| i.region_id).collect();
        let (_, r) = common::names(conn, &[], &regions)?;
        Ok::<_, Error>((d, r))
    })
    .await?;
    let c = &session.caller;
    let g = &d.group;
    let typed_text = |k: &str| typed.map(|f| f.text(k)).unwrap_or_default();
    page(&GroupPage {
        chrome: Chrome::new(session, g.title.clone(), "/common"),
        id: g.id,
        description: g.description.clone(),
        lead: d.lead.clone(),
        regions: d.regions.join("、"),
        issue_count: super::format::count(g.issue_count),
        region_count: g.region_count,
        created: super::format::date(crate::domain::time::local_date(g.created_at.naive_utc())),
        rows: d
            .issues
            .iter()
            .map(|i| Row {
                id: i.id,
                title: i.title.clone(),
                region: region_names.get(&i.region_id).cloned().unwrap_or_default(),
                status: i.status.zh(),
                rating: i.rating.map(|r| r.zh()).unwrap_or("—"),
            })
            .collect(),
        answer: g.answer.as_ref().map(|a| {
            (
                a.text.clone(),
                super::format::date(crate::domain::time::local_date(a.answered_at.naive_utc())),
            )
        }),
        answers: c.role == Role::Department
            && c.user.department_id == Some(g.lead_department_id)
            && g.answer.is_none(),
        adds: c.role == Role::Coordinator,
        text: typed_text("text"),
        add_ids: typed_text("issue_ids"),
        problems,
        failed,
        done: match done {
            Some("created") => Some("已新建共性问题，所列问题已标记为共性问题。"),
            Some("answered") => Some("已答复。各问题页面都会显示这条统一答复。"),
            Some("added") => Some("已将问题归入本共性问题。"),
            _ => None,
        },
    })
}

async fn one(
    session: Session,
    id: web::Path<i64>,
    req: HttpRequest,
) -> Result<HttpResponse, WebError> {
    let q: OneQuery = parse_query(&filled(&req))?;
    group_page(
        &session,
        id.into_inner(),
        q.done.as_deref(),
        None,
        Problems::default(),
        "",
    )
    .await
}

/// The lead department's policy answer.
async fn answer(
    session: Session,
    id: web::Path<i64>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let id = id.into_inner();
    let form = form_of(&body)?;
    session.check_csrf(&form.text("csrf"))?;
    let caller = session.caller.clone();
    let state = session.state.clone();
    let input = AnswerIn {
        text: form.text("text"),
    };
    match db::run(&state.pool, move |conn| {
        common::answer(conn, &caller, id, input)
    })
    .await
    {
        Ok(_) => Ok(redirect(&format!("/common/{id}?done=answered"))),
        Err(e) if refused(&e) => Ok(unprocessable(
            group_page(
                &session,
                id,
                None,
                Some(&form),
                Problems::of_form(&e, &[("text", "policy")]),
                "answer",
            )
            .await?,
        )),
        Err(e) => Err(e.into()),
    }
}

/// Adds issues to a group, from the group's page.
async fn add(
    session: Session,
    id: web::Path<i64>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let id = id.into_inner();
    let form = form_of(&body)?;
    session.check_csrf(&form.text("csrf"))?;
    let caller = session.caller.clone();
    let state = session.state.clone();
    let r = match issue_numbers(&form.text("issue_ids")) {
        Ok(ids) => {
            db::run(&state.pool, move |conn| {
                common::add(conn, &caller, id, AddIn { issue_ids: ids })
            })
            .await
        }
        Err(e) => Err(e),
    };
    match r {
        Ok(_) => Ok(redirect(&format!("/common/{id}?done=added"))),
        Err(e) if refused(&e) => Ok(unprocessable(
            group_page(
                &session,
                id,
                None,
                Some(&form),
                Problems::of_form(&e, &[("issue_ids", "add_ids")]),
                "add",
            )
            .await?,
        )),
        Err(e) => Err(e.into()),
    }
}

/// 归入共性问题 from an issue's own page: the chosen group (`group`) takes this issue.
async fn group_issue(
    session: Session,
    id: web::Path<i64>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let issue = id.into_inner();
    let form = form_of(&body)?;
    session.check_csrf(&form.text("csrf"))?;
    let caller = session.caller.clone();
    let state = session.state.clone();
    let r = match form.text("group").trim().parse::<i64>() {
        Ok(group) => {
            db::run(&state.pool, move |conn| {
                common::add(
                    conn,
                    &caller,
                    group,
                    AddIn {
                        issue_ids: vec![issue],
                    },
                )
            })
            .await
        }
        Err(_) => Err(Error::Invalid(vec![FieldError::new(
            "group",
            "is required",
        )])),
    };
    match r {
        Ok(_) => Ok(redirect(&format!("/issues/{issue}?done=grouped"))),
        Err(e) if refused(&e) => {
            let problems = super::act::problems(&e);
            Ok(unprocessable(
                super::issues::issue_page(
                    &session,
                    issue,
                    None,
                    None,
                    (problems, "group"),
                    form.values(),
                )
                .await?,
            ))
        }
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue_numbers_are_read_as_people_type_them() {
        for (typed, want) in [
            ("12, 15 18", Some(vec![12, 15, 18])),
            ("12，15、18", Some(vec![12, 15, 18])),
            ("#12 #15", Some(vec![12, 15])),
            ("", Some(vec![])),
            ("12, abc", None),
            ("0", None),
            ("-3", None),
        ] {
            assert_eq!(issue_numbers(typed).ok(), want, "{typed}");
        }
    }
}
