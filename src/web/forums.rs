//! 恳谈会: the list of forums, and a forum's page (its record, attendance and the issues
//! raised there).

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use std::collections::HashMap;

use super::act::Posted;
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

use super::form::{choice, refused, unprocessable, Choice, Problems};

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
    /// 附件 (the sign-in sheet, the minutes), and whether the reader may add more (with
    /// what to say of them); where the files' forms post.
    files: Vec<super::files::FileShown>,
    add_files: Option<String>,
    file_base: String,
    forum: Forum,
    held_on: String,
    status: &'static str,
    departments: Vec<Choice>,
    /// The same departments under today's names: an issue raised now is answered by the
    /// department as it is called now.
    answering_departments: Vec<Choice>,
    /// Every active department, those attending selected.
    all_departments: Vec<Choice>,
    /// (id, name, title, enterprise)
    attendees: Vec<(i64, String, String, String)>,
    raised: Vec<(i64, String, &'static str, bool)>,
    runs: bool,
    can_hold: bool,
    /// A held forum's record may be corrected.
    can_correct: bool,
    /// The record's form: `hold`, or `correct` once held.
    record_form: &'static str,
    enterprises: Vec<Choice>,
    enterprise_q: String,
    /// What 查找 found, in words (none before a search).
    found: Option<String>,
    attending: Vec<Choice>,
    categories: Vec<Choice>,
    sizes: Vec<Choice>,
    key: String,
    /// The attendee whose removal is asked to be confirmed: (id, who).
    removing: Option<(i64, String)>,
    problems: Problems,
    /// The form that was sent and refused (or searched): its typed values are in `draft`.
    failed: String,
    draft: HashMap<String, String>,
    done: Option<&'static str>,
}

impl ForumPage {
    /// What was typed into a field of `form`, to show again.
    fn typed(&self, form: &str, k: &str) -> &str {
        if self.failed == form {
            self.draft.get(k).map_or("", String::as_str)
        } else {
            ""
        }
    }

    /// The problems of `form` that name no field, said again in its section.
    fn general(&self, form: &str) -> Vec<&str> {
        if self.failed == form {
            self.problems.general()
        } else {
            Vec::new()
        }
    }
}

#[derive(serde::Deserialize, Default)]
struct ForumQueryIn {
    enterprise_q: Option<String>,
    done: Option<String>,
    remove: Option<i64>,
}

async fn forum(
    session: Session,
    id: web::Path<i64>,
    req: HttpRequest,
) -> Result<HttpResponse, WebError> {
    let q: ForumQueryIn = parse_query(&filled(&req))?;
    forum_page(&session, id.into_inner(), q, Again::default()).await
}

/// A form of the forum page sent again to the page: which, what was typed, its problems.
#[derive(Default)]
pub(super) struct Again {
    form: String,
    draft: HashMap<String, String>,
    problems: Problems,
}

/// Each form's controls, as the service names their fields.
const ATTENDEE: [(&str, &str); 11] = [
    ("person_name", "person_name"),
    ("title", "person_title"),
    ("enterprise_id", "attendee_enterprise"),
    ("enterprise", "attendee_enterprise"),
    ("enterprise.name", "new_name"),
    ("enterprise.credit_code", "new_credit_code"),
    ("enterprise.industry", "new_industry"),
    ("enterprise.size", "new_size"),
    ("enterprise.contact_name", "new_contact_name"),
    ("enterprise.contact_phone", "new_contact_phone"),
    ("enterprise.region_id", "new_name"),
];
const RAISE: [(&str, &str); 6] = [
    ("enterprise_id", "raise_enterprise"),
    ("title", "raise_title"),
    ("description", "raise_description"),
    ("category", "raise_category"),
    ("department_id", "raise_department"),
    ("on_site_answer", "on_site_answer"),
];

/// The forum page again after one of its forms was refused (422), or after 查找 (200).
pub(super) async fn forum_page_after(
    session: &Session,
    back: &str,
    e: &Error,
    form: &Posted,
) -> Result<HttpResponse, WebError> {
    let id: i64 = back
        .trim_start_matches("/forums/")
        .parse()
        .map_err(|_| WebError::Page(Error::not_found("forum")))?;
    let again = Again {
        form: "raise".into(),
        draft: form.values(),
        problems: Problems::of_form(e, &RAISE),
    };
    Ok(unprocessable(
        forum_page(session, id, ForumQueryIn::default(), again).await?,
    ))
}

async fn forum_page(
    session: &Session,
    id: i64,
    q: ForumQueryIn,
    again: Again,
) -> Result<HttpResponse, WebError> {
    let caller = session.caller.clone();
    let state = session.state.clone();
    let runs = caller.may(Can::RunForums);
    let search = q.enterprise_q.clone().filter(|s| !s.trim().is_empty());
    let searched = search.is_some();
    let files_caller = session.caller.clone();
    let (f, attendees, raised, (depts, named_now), region, ents, all, (files, people)) =
        db::run(&state.pool, move |conn| {
            let f = forums::get(conn, &caller, id)?;
            let files = crate::service::attachments::of_place(
                conn,
                &caller,
                crate::service::attachments::Place::Forum(id),
            )?;
            let ids: Vec<i64> = files
                .iter()
                .flat_map(|a| std::iter::once(a.uploaded_by).chain(a.withdrawn_by))
                .collect();
            let people = crate::store::users::names(conn, &ids)?;
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
            let ents = match search {
                Some(q) if runs => {
                    enterprises::list(
                        conn,
                        &caller,
                        EnterpriseQuery {
                            q: Some(q),
                            region_id: None,
                            size: None,
                            page: Some(1),
                            per_page: Some(20),
                        },
                    )?
                    .items
                }
                _ => Vec::new(),
            };
            Ok((
                f,
                attendees.items,
                raised.items,
                (depts, named_now),
                region,
                ents,
                all,
                (files, people),
            ))
        })
        .await?;
    let Again {
        form: failed,
        draft,
        problems,
    } = again;
    let typed = |form: &str, k: &str| {
        if failed == form {
            draft.get(k).cloned().unwrap_or_default()
        } else {
            String::new()
        }
    };
    let chosen = typed("attendee", "enterprise_id");
    let mut attending: Vec<Choice> = Vec::new();
    for a in &attendees {
        if !attending
            .iter()
            .any(|c| c.value == a.enterprise_id.to_string())
        {
            attending.push(choice(a.enterprise_id, a.enterprise_name.clone(), ""));
        }
    }
    let raising = typed("raise", "enterprise_id");
    let answering = typed("raise", "department_id");
    let runs = runs && f.status != ForumStatus::Cancelled;
    let can_hold = runs && f.status == ForumStatus::Scheduled && f.held_on <= time::today();
    let removing = q.remove.filter(|_| runs).and_then(|r| {
        attendees.iter().find(|a| a.id == r).map(|a| {
            (
                a.id,
                format!("{}（{} {}）", a.person_name, a.enterprise_name, a.title),
            )
        })
    });
    let found = searched.then(|| {
        if ents.is_empty() {
            format!(
                "没有找到名称或统一社会信用代码含“{}”的企业；可以换个词再查，或在下方登记新企业。",
                q.enterprise_q.as_deref().unwrap_or_default().trim()
            )
        } else {
            format!("找到 {} 家企业，请在“企业”中选择。", ents.len())
        }
    });
    let kept = files.iter().filter(|a| a.withdrawn_at.is_none()).count();
    let limits = state.files;
    let add_files =
        (runs && (kept as i64) < limits.per_place).then(|| super::files::hint(&limits, kept));
    let files = super::files::shown(
        &files,
        |p| people.get(&p).cloned().unwrap_or_default(),
        &files_caller,
    );
    page(&ForumPage {
        files,
        add_files,
        file_base: format!("/forums/{id}"),
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
                    &answering,
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
                    a.id,
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
        runs,
        can_hold,
        can_correct: runs && f.status == ForumStatus::Held,
        record_form: if f.status == ForumStatus::Held {
            "correct"
        } else {
            "hold"
        },
        enterprises: ents
            .iter()
            .map(|e| choice(e.id, format!("{}（{}）", e.name, e.credit_code), &chosen))
            .collect(),
        enterprise_q: q.enterprise_q.unwrap_or_default(),
        found,
        attending: attending
            .into_iter()
            .map(|mut c| {
                c.selected = c.value == chosen || c.value == raising;
                c
            })
            .collect(),
        categories: Category::ALL
            .iter()
            .map(|c| choice(c.code(), c.zh(), &typed("raise", "category")))
            .collect(),
        sizes: [Size::Micro, Size::Small, Size::Medium, Size::Large]
            .iter()
            .map(|s| choice(s.as_str(), s.zh(), &typed("attendee", "new_size")))
            .collect(),
        key: Some(typed("raise", "key"))
            .filter(|k| !k.is_empty())
            .unwrap_or_else(super::session::nonce),
        removing,
        problems,
        failed,
        draft,
        done: q.done.as_deref().and_then(|d| match d {
            "held" => Some("已记录为召开。"),
            "corrected" => Some("会议记录已更正，并记入操作日志。"),
            "cancelled" => Some("已取消。"),
            "attendee" => Some("已登记参会企业家；可以接着登记下一位。"),
            "removed" => Some("已移除该参会企业家，本场参会人数随之减少；此操作已记入操作日志。"),
            "departments" => Some("参会部门已保存。"),
            "raised" => Some("问题已登记，见“会上收集的问题”；可以接着登记下一个。"),
            "files" => Some("附件已上传。"),
            "file-withdrawn" => Some("附件已撤回，仍留在记录中。"),
            _ => None,
        }),
        forum: f,
    })
}

/// The forum's forms: 召开 (hold), 更正 (correct a held forum's record), 取消 (cancel),
/// 参会部门, 登记参会企业家 (attendee, or 查找 an enterprise for it), 移除 (remove an attendee).
async fn forum_act(
    session: Session,
    path: web::Path<(i64, String)>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, WebError> {
    let (id, action) = path.into_inner();
    let limits = session.state.files;
    let (form, files) = super::files::read_form(&req, payload, &limits).await?;
    session.check_csrf(&form.text("csrf"))?;
    let opt = |k: &str| Some(form.text(k)).filter(|v| !v.trim().is_empty());
    let caller = session.caller.clone();
    let state = session.state.clone();
    if action == "attendee" && form.text("find") == "1" {
        // 查找 inside the form: the page again with what was found and everything typed.
        let q = ForumQueryIn {
            enterprise_q: Some(form.text("enterprise_q")),
            ..ForumQueryIn::default()
        };
        let again = Again {
            form: "attendee".into(),
            draft: form.values(),
            problems: Problems::default(),
        };
        return forum_page(&session, id, q, again).await;
    }
    let done = match action.as_str() {
        "files" => super::files::add(
            &session,
            crate::service::attachments::Place::Forum(id),
            files,
        )
        .await
        .map(|_| "files"),
        "withdraw-file" => super::files::withdraw(&session, &form)
            .await
            .map(|_| "file-withdrawn"),
        "hold" | "cancel" | "correct" => {
            let cancel = action == "cancel";
            let patch = ForumPatch {
                status: match action.as_str() {
                    "cancel" => Some(ForumStatus::Cancelled),
                    "hold" => Some(ForumStatus::Held),
                    _ => None,
                },
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
            r.map(|_| match action.as_str() {
                "cancel" => "cancelled",
                "hold" => "held",
                _ => "corrected",
            })
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
        "remove" => {
            let attendee: Option<i64> = form.text("attendee_id").trim().parse().ok();
            match attendee {
                Some(a) => db::run(&state.pool, move |conn| {
                    forums::remove_attendee(conn, &caller, id, a)
                })
                .await
                .map(|_| "removed"),
                None => Err(Error::not_found("attendee")),
            }
        }
        _ => Err(Error::not_found("action")),
    };
    match done {
        Ok(d) => Ok(redirect(&format!("/forums/{id}?done={d}"))),
        Err(e) if refused(&e) => {
            let controls: &[(&str, &str)] = if action == "attendee" { &ATTENDEE } else { &[] };
            let again = Again {
                form: action.clone(),
                draft: form.values(),
                problems: Problems::of_form(&e, controls),
            };
            Ok(unprocessable(
                forum_page(&session, id, ForumQueryIn::default(), again).await?,
            ))
        }
        Err(e) => Err(e.into()),
    }
}
