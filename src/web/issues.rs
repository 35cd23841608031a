//! 问题列表 and the issue page with its timeline (办理过程), in the reader's scope, and the
//! ledger download (导出 Excel) for the list's filters.

use crate::service::attachments::Place;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::NaiveDate;
use serde_json::Value;

use super::form::Choice;
use super::format::{self, count};
use super::{filled, page, parse_query, Chrome, Session, WebError};
use crate::db;
use crate::domain::issue::{Category, Channel, EventKind, Measure, Outcome, Rating};
use crate::domain::lifecycle::State;
use crate::domain::role::Role;
use crate::error::Error;
use crate::service::issues::{self, Event, Issue, IssueQuery, Labels};
use crate::service::ledger;
use crate::service::regions;

pub fn routes(cfg: &mut web::ServiceConfig) {
    // Before `/issues/{id}`.
    cfg.service(web::resource("/issues/export").get(export))
        .service(web::resource("/issues").get(list))
        .service(web::resource("/issues/{id}").get(show))
        .service(web::resource("/issues/{id}/{action}").post(act));
}

fn choices<T: Copy>(
    all: &[T],
    code: fn(T) -> &'static str,
    zh: fn(T) -> &'static str,
    now: Option<&str>,
) -> Vec<Choice> {
    all.iter()
        .map(|v| Choice {
            value: code(*v).to_owned(),
            label: zh(*v).to_owned(),
            selected: now == Some(code(*v)),
        })
        .collect()
}

/// A row of the list.
pub struct Row {
    id: i64,
    /// The title in pieces, the words searched for marked.
    title: Vec<(String, bool)>,
    /// With a search: the words around the first one found in the description or answer.
    snippet: Vec<(String, bool)>,
    enterprise: String,
    category: &'static str,
    status: &'static str,
    overdue: bool,
    department: String,
    due: String,
    filed: String,
}

#[derive(Template)]
#[template(path = "issues.html")]
struct ListPage {
    chrome: Chrome,
    rows: Vec<Row>,
    total: String,
    measure: Option<&'static str>,
    statuses: Vec<Choice>,
    categories: Vec<Choice>,
    channels: Vec<Choice>,
    regions: Vec<Choice>,
    sorts: Vec<Choice>,
    q: String,
    from: String,
    to: String,
    overdue: bool,
    hidden: Vec<(String, String)>,
    page_label: String,
    prev_href: Option<String>,
    next_href: Option<String>,
    export_href: String,
    /// 近期恳谈会, for an enterprise.
    upcoming: Vec<String>,
}

/// Up to about 60 characters of the description (or else the answer) around the first of
/// `words` found there, marked; nothing without a search or a word found.
fn snippet(i: &Issue, words: &[String]) -> Vec<(String, bool)> {
    if words.is_empty() {
        return Vec::new();
    }
    let answer = i.answer.as_ref().map(|a| a.text.as_str()).unwrap_or("");
    for text in [i.description.as_str(), answer] {
        let lower = text.to_lowercase();
        // Lower case keeps the length of Chinese and ASCII text, whose words these are.
        let Some(at) = words
            .iter()
            .filter_map(|w| lower.find(w.as_str()))
            .min()
            .filter(|_| lower.len() == text.len())
        else {
            continue;
        };
        let chars: Vec<(usize, char)> = text.char_indices().collect();
        let pos = chars.iter().position(|(b, _)| *b >= at).unwrap_or(0);
        let start = pos.saturating_sub(20);
        let end = (pos + 40).min(chars.len());
        let from = chars[start].0;
        let to = chars.get(end).map_or(text.len(), |(b, _)| *b);
        let mut out = Vec::new();
        if start > 0 {
            out.push(("…".to_owned(), false));
        }
        out.extend(crate::domain::words::marked(&text[from..to], words));
        if end < chars.len() {
            out.push(("…".to_owned(), false));
        }
        return out;
    }
    Vec::new()
}

fn with_page(pairs: &[(String, String)], page: i64) -> String {
    let mut p: Vec<(String, String)> = pairs.iter().filter(|(k, _)| k != "page").cloned().collect();
    p.push(("page".into(), page.to_string()));
    format!(
        "/issues?{}",
        serde_urlencoded::to_string(&p).unwrap_or_default()
    )
}

async fn list(session: Session, req: HttpRequest) -> Result<HttpResponse, WebError> {
    let pairs = filled(&req);
    let query: IssueQuery = parse_query(&pairs)?;
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
    };
    let status = get("status");
    let category = get("category");
    let channel = get("channel");
    let region = get("region_id");
    let sort = get("sort");
    let measure = query.measure;
    let caller = session.caller.clone();
    let state = session.state.clone();
    let (found, labels, regions, upcoming) = db::run(&state.pool, move |conn| {
        let found = issues::list(conn, &caller, query)?;
        let labels = issues::labels(conn, &found.items, &[])?;
        let regions = regions::in_scope(conn, &caller)?;
        let upcoming = if caller.role == Role::Enterprise {
            crate::service::forums::upcoming(conn, &caller)?
        } else {
            Vec::new()
        };
        Ok((found, labels, regions, upcoming))
    })
    .await?;
    let upcoming = upcoming
        .iter()
        .map(|f| {
            format!(
                "{} 第{}期 {}（{}）",
                format::date(f.held_on),
                f.edition_number,
                f.theme,
                f.venue.clone().unwrap_or_else(|| "地点待定".into())
            )
        })
        .collect();
    let searched = get("q")
        .map(|q| crate::domain::words::of_query(&q))
        .unwrap_or_default();
    let rows = found
        .items
        .iter()
        .map(|i| Row {
            id: i.id,
            title: crate::domain::words::marked(&i.title, &searched),
            snippet: snippet(i, &searched),
            enterprise: labels.enterprise(i.enterprise_id),
            category: i.category.zh(),
            status: i.status.zh(),
            overdue: i.overdue,
            department: labels.department(i.lead_department_id),
            due: i.due_on.map(format::date).unwrap_or_default(),
            filed: format::date(crate::domain::time::local_date(i.created_at.naive_utc())),
        })
        .collect();
    let pages = (found.total + found.per_page - 1) / found.per_page;
    let shown: std::collections::BTreeSet<&str> = [
        "status",
        "category",
        "channel",
        "region_id",
        "q",
        "from",
        "to",
        "overdue",
        "sort",
        "page",
        "per_page",
    ]
    .into();
    // Filters the form does not show (a figure's measure, a department …) ride along.
    let hidden = pairs
        .iter()
        .filter(|(k, _)| !shown.contains(k.as_str()))
        .cloned()
        .collect();
    let export: Vec<(String, String)> = pairs
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "page" | "per_page" | "sort"))
        .cloned()
        .chain([("format".to_owned(), "xlsx".to_owned())])
        .collect();
    let mut region_choices: Vec<Choice> = regions
        .iter()
        .map(|r| Choice {
            value: r.id.to_string(),
            label: r.name.clone(),
            selected: region.as_deref() == Some(r.id.to_string().as_str()),
        })
        .collect();
    if region_choices.len() == 1 {
        region_choices.clear();
    }
    let title = if session.caller.role == Role::Enterprise {
        "我的问题"
    } else {
        "问题列表"
    };
    page(&ListPage {
        upcoming,
        chrome: Chrome::new(&session, title, "/issues"),
        rows,
        // A search by relevance ranks its newest matches only: at the bound, there are more.
        total: if found.total >= crate::store::issues::RANKED
            && sort.as_deref().unwrap_or("").is_empty()
            && !searched.is_empty()
        {
            format!("{}+", count(found.total))
        } else {
            count(found.total)
        },
        measure: measure.map(Measure::zh),
        statuses: choices(State::ALL, State::code, State::zh, status.as_deref()),
        categories: choices(
            Category::ALL,
            Category::code,
            Category::zh,
            category.as_deref(),
        ),
        channels: choices(Channel::ALL, Channel::code, Channel::zh, channel.as_deref()),
        regions: region_choices,
        // Unsorted, a search answers its best matches first, any other list its newest.
        sorts: [
            ("", "相关度（无关键词时按提交时间新→旧）"),
            ("-created_at", "提交时间（新→旧）"),
            ("created_at", "提交时间（旧→新）"),
            ("due_on", "办理期限（近→远）"),
            ("-due_on", "办理期限（远→近）"),
        ]
        .iter()
        .map(|(v, l)| Choice {
            value: (*v).into(),
            label: (*l).into(),
            selected: sort.as_deref().unwrap_or("") == *v,
        })
        .collect(),
        q: get("q").unwrap_or_default(),
        from: get("from").unwrap_or_default(),
        to: get("to").unwrap_or_default(),
        overdue: get("overdue").as_deref() == Some("true"),
        hidden,
        page_label: format!("第 {} / {} 页", found.page, pages.max(1)),
        prev_href: (found.page > 1).then(|| with_page(&pairs, found.page - 1)),
        next_href: (found.page < pages).then(|| with_page(&pairs, found.page + 1)),
        export_href: format!(
            "/issues/export?{}",
            serde_urlencoded::to_string(&export).unwrap_or_default()
        ),
    })
}

/// 导出: the ledger of the list's filters, as the API's export writes it.
async fn export(session: Session, req: HttpRequest) -> Result<HttpResponse, WebError> {
    let (format, rest) = ledger::format_and_filters(filled(&req))?;
    let query: IssueQuery = parse_query(&rest)?;
    let caller = session.caller.clone();
    let state = session.state.clone();
    let prepared = db::run(&state.pool, move |conn| {
        ledger::prepare(conn, &caller, &query)
    })
    .await?;
    Ok(crate::http::stream(state.pool.clone(), prepared, format))
}

/// One event of the timeline, in words.
pub struct Step {
    when: String,
    what: &'static str,
    who: String,
    lines: Vec<String>,
}

fn role_zh(code: &str) -> &'static str {
    Role::parse(code).map_or("", Role::zh)
}

/// The details of an event people care about, each as a line.
fn detail_lines(e: &Event, labels: &Labels) -> Vec<String> {
    let d = &e.details;
    let text = |k: &str| d.get(k).and_then(Value::as_str).map(str::to_owned);
    let day = |k: &str| {
        text(k)
            .and_then(|s| NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok())
            .map(format::date)
    };
    let dept = |k: &str| {
        d.get(k)
            .and_then(Value::as_i64)
            .map(|id| labels.department(Some(id)))
            .filter(|n| !n.is_empty())
    };
    let person = |k: &str| {
        d.get(k)
            .and_then(Value::as_i64)
            .map(|id| labels.person(id))
            .filter(|n| !n.is_empty())
    };
    let mut out = Vec::new();
    let mut push = |label: &str, v: Option<String>| {
        if let Some(v) = v.filter(|v| !v.is_empty()) {
            out.push(format!("{label}：{v}"));
        }
    };
    match e.action {
        EventKind::Filed => {
            push("标题", text("title"));
            push(
                "类别",
                text("category")
                    .and_then(|c| Category::parse(&c))
                    .map(|c| c.zh().to_owned()),
            );
            push(
                "来源",
                text("channel")
                    .and_then(|c| Channel::parse(&c))
                    .map(|c| c.zh().to_owned()),
            );
            if d.get("resolved_on_site").and_then(Value::as_bool) == Some(true) {
                push("现场解决", dept("department_id"));
            }
        }
        EventKind::Assigned | EventKind::Reassigned => {
            push("原主办部门", dept("from_department_id"));
            push("主办部门", dept("lead_department_id"));
            let co: Vec<String> = d
                .get("co_department_ids")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_i64)
                        .map(|id| labels.department(Some(id)))
                        .collect()
                })
                .unwrap_or_default();
            push("协办部门", Some(co.join("、")));
            push("办理期限", day("due_on"));
            push("交办说明", text("note"));
        }
        EventKind::Returned => {
            push("退回理由", text("reason"));
            if d.get("flagged_for_supervision").and_then(Value::as_bool) == Some(true) {
                push("提示", Some("第二次退回，已列入督办".into()));
            }
        }
        EventKind::ExtensionRequested => {
            push("原期限", day("due_on"));
            push("申请延至", day("new_due_on"));
            push("理由", text("reason"));
        }
        EventKind::ExtensionGranted | EventKind::ExtensionRefused => {
            push("申请延至", day("new_due_on"));
            push("意见", text("note"));
        }
        EventKind::Answered => {
            push(
                "答复结果",
                text("outcome")
                    .and_then(|o| Outcome::parse(&o))
                    .map(|o| o.zh().to_owned()),
            );
            push("答复内容", text("text"));
            push("计划完成", day("planned_on"));
            push(
                "答复附件",
                d.get("attachment_ids")
                    .and_then(Value::as_array)
                    .filter(|a| !a.is_empty())
                    .map(|a| format!("{} 个", a.len())),
            );
            if d.get("on_time").and_then(Value::as_bool) == Some(false) {
                push("提示", Some("超过办理期限答复".into()));
            }
        }
        EventKind::Rated => {
            push(
                "是否解决",
                d.get("solved")
                    .and_then(Value::as_bool)
                    .map(|s| if s { "是" } else { "否" }.to_owned()),
            );
            push(
                "方式",
                text("source")
                    .and_then(|s| crate::domain::issue::RatingSource::parse(&s))
                    .map(|s| s.zh().to_owned()),
            );
            push(
                "满意度",
                text("rating")
                    .and_then(|r| Rating::parse(&r))
                    .map(|r| r.zh().to_owned()),
            );
            push("评价意见", text("comment"));
            if d.get("reopened").and_then(Value::as_bool) == Some(true) {
                push(
                    "重办",
                    Some(format!(
                        "退回原主办部门重办，新期限 {}",
                        day("due_on").unwrap_or_default()
                    )),
                );
            }
        }
        EventKind::Closed => {
            if d.get("reason").and_then(Value::as_str)
                == Some(crate::service::issues::actions::MERGED)
            {
                let into = d.get("into").and_then(Value::as_i64);
                push("合并至", into.map(|n| format!("编号 {n} 的问题，随其办理")));
                push("说明", text("note"));
            } else {
                push("办结说明", text("note"));
            }
        }
        EventKind::Urged | EventKind::Supervised => push("说明", text("note")),
        EventKind::Commented => push("留言", text("text")),
        EventKind::Marked => {
            push(
                "标记为",
                d.get("common")
                    .and_then(Value::as_bool)
                    .map(|c| if c { "共性问题" } else { "个性问题" }.to_owned()),
            );
            push(
                "归入",
                d.get("common_issue_id")
                    .and_then(Value::as_i64)
                    .map(|g| format!("共性问题 {g}“{}”", text("title").unwrap_or_default())),
            );
        }
        EventKind::Signed => push("经办人", person("handler_id")),
        EventKind::TakenOver => {
            push("原经办人", person("from_handler_id"));
            push("经办人", person("handler_id"));
        }
        EventKind::Attached => {
            push("文件", text("name"));
            push(
                "大小",
                d.get("size")
                    .and_then(Value::as_i64)
                    .map(crate::web::format::file_size),
            );
        }
        EventKind::AttachmentWithdrawn => {
            push("文件", text("name"));
            push("理由", text("reason"));
        }
        EventKind::Withdrawn => {}
    }
    out
}

/// A department offered on the assign form.
pub struct Dept {
    id: i64,
    name: String,
}

/// What the forms of the issue page need besides the issue.
#[derive(Default)]
pub struct Forms {
    /// The path words of the actions offered now.
    offered: Vec<&'static str>,
    usual: Vec<Dept>,
    others: Vec<Dept>,
    default_due: String,
    pending: Option<(i64, String, String)>,
    templates: Vec<(i64, String)>,
    answer_outcome: String,
    answer_text: String,
    /// The due date has passed: an extension may only be refused.
    past_due: bool,
    /// 建议主办部门 (with 交办): department, name, share in per cent.
    suggested: Vec<(i64, String, i64)>,
}

/// What a merged duplicate shows of the issue it follows.
pub struct FollowedRow {
    id: i64,
    status: &'static str,
    /// Outcome, text and time of the original's answer.
    answer: Option<(String, String, String)>,
    visible: bool,
}

#[derive(Template)]
#[template(path = "issue.html")]
struct IssuePage {
    chrome: Chrome,
    issue: Issue,
    status: &'static str,
    category: &'static str,
    channel: &'static str,
    enterprise: String,
    contact: Option<String>,
    forum: String,
    lead: String,
    handler: String,
    co: String,
    due: String,
    due_words: String,
    filed: String,
    answer: Option<(String, String, String)>,
    rating: Option<(String, String, String, String)>,
    steps: Vec<Step>,
    done: Option<&'static str>,
    problems: Vec<String>,
    /// The action whose form was refused: its problems are said again in its section.
    failed: String,
    draft: std::collections::HashMap<String, String>,
    forms: Forms,
    /// 相似问题, to coordinators and departments.
    similar: Option<Vec<super::filing::SimilarShown>>,
    followed: Option<FollowedRow>,
    /// Published as 政策问答: its id.
    published: Option<i64>,
    /// To a coordinator, an answered issue not yet published: the question and answer offered.
    publish: Option<(String, String)>,
    common: Option<CommonShown>,
    /// To a coordinator, an issue in no group: the groups it may be put in, and the issue
    /// numbers a new group would start with (this one and its 相似问题).
    group_into: Vec<(i64, String)>,
    group_ids: String,
    /// 附件: the issue's files, and whether the reader may add more (with what to say of them).
    files: Vec<super::files::FileShown>,
    add_files: Option<String>,
    /// Where the files' forms post (`/issues/{id}`).
    file_base: String,
}

/// The 共性问题 an issue is in, as its page shows it.
pub struct CommonShown {
    id: i64,
    title: String,
    lead: String,
    /// The policy answer: text and date.
    answer: Option<(String, String)>,
    /// The reader may open the group's page.
    link: bool,
}

impl IssuePage {
    /// What the reader had typed into a field, to show again after a refusal.
    fn draft(&self, k: &str) -> &str {
        self.draft.get(k).map_or("", String::as_str)
    }

    fn words(&self, code: &str) -> &'static str {
        super::act::form_words(code)
    }

    fn offers(&self, code: &str) -> bool {
        self.forms.offered.contains(&code)
    }
}

/// Everything the issue page shows (one service operation), with the forms' contents.
struct Loaded {
    issue: Issue,
    events: Vec<Event>,
    labels: Labels,
    contact: Option<String>,
    forms: Forms,
    days_left: Option<i64>,
    similar: Option<Vec<super::filing::SimilarShown>>,
    followed: Option<FollowedRow>,
    published: Option<i64>,
    publish: Option<(String, String)>,
    common: Option<CommonShown>,
    group_into: Vec<(i64, String)>,
    group_ids: String,
    files: Vec<crate::service::attachments::Attachment>,
}

fn load(
    conn: &mut crate::db::DbConn,
    caller: &crate::auth::Caller,
    id: i64,
    template: Option<i64>,
) -> Result<Loaded, Error> {
    let v = issues::view::view(conn, caller, id)?;
    let dept = |(id, name): (i64, String)| Dept { id, name };
    let mut forms = Forms {
        offered: v.offered.iter().map(|a| super::act::code(*a)).collect(),
        pending: v
            .pending
            .map(|e| (e.id, format::date(e.new_due_on), e.reason)),
        ..Forms::default()
    };
    if let Some(a) = v.assign {
        forms.usual = a.usual.into_iter().map(dept).collect();
        forms.others = a.others.into_iter().map(dept).collect();
        forms.default_due = a.default_due.to_string();
    }
    if let Some(t) = template.and_then(|t| v.templates.iter().find(|k| k.id == t)) {
        forms.answer_outcome = t.outcome.code().to_owned();
        forms.answer_text = t.text.clone();
    }
    forms.templates = v.templates.into_iter().map(|t| (t.id, t.title)).collect();
    forms.past_due = v.days_left.is_some_and(|n| n < 0);
    if forms.offered.contains(&"assign") {
        forms.suggested = issues::similar::suggested_departments(conn, caller, id)?
            .into_iter()
            .map(|s| (s.department_id, s.name, (s.score * 100.0).round() as i64))
            .collect();
    }
    let similar = match caller.role {
        Role::Coordinator | Role::Department => Some(super::filing::similar_shown(
            issues::similar::similar(conn, caller, id)?,
        )),
        _ => None,
    };
    let followed = issues::similar::followed(conn, caller, &v.issue)?.map(|f| FollowedRow {
        id: f.id,
        status: f.status.zh(),
        answer: f.answer.map(|a| {
            (
                a.outcome.zh().to_owned(),
                a.text,
                a.answered_at.map(format::instant).unwrap_or_default(),
            )
        }),
        visible: f.visible,
    });
    let published = crate::service::knowledge::of_issue(conn, id)?.map(|e| e.id);
    let publish =
        if published.is_none() && caller.role == Role::Coordinator && v.issue.answer.is_some() {
            Some(crate::service::knowledge::draft(conn, caller, id)?)
        } else {
            None
        };
    let common = match v.issue.common_issue_id {
        Some(g) => crate::service::common_issues::of_issue(conn, g)?.map(|(row, answer)| {
            let lead = crate::service::common_issues::names(conn, &[row.lead_department_id], &[])
                .map(|(d, _)| d.get(&row.lead_department_id).cloned().unwrap_or_default())
                .unwrap_or_default();
            CommonShown {
                id: row.id,
                title: row.title,
                lead,
                answer: answer.map(|a| {
                    (
                        a.text,
                        format::date(crate::domain::time::local_date(a.answered_at.naive_utc())),
                    )
                }),
                link: caller.role != Role::Enterprise,
            }
        }),
        None => None,
    };
    let groupable = v.issue.common_issue_id.is_none()
        && v.issue.merged_into.is_none()
        && v.issue.status != crate::domain::lifecycle::State::Withdrawn;
    let group_into = if groupable {
        crate::service::common_issues::choices(conn, caller)?
    } else {
        Vec::new()
    };
    let group_ids = match (&similar, groupable && caller.role == Role::Coordinator) {
        (Some(rows), true) if !rows.is_empty() => std::iter::once(id)
            .chain(rows.iter().map(|s| s.id))
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(", "),
        _ => String::new(),
    };
    let files = crate::service::attachments::of_place(conn, caller, Place::Issue(id))?;
    Ok(Loaded {
        files,
        common,
        group_into,
        group_ids,
        published,
        publish,
        similar,
        followed,
        issue: v.issue,
        events: v.events,
        labels: v.labels,
        contact: v.contact,
        forms,
        days_left: v.days_left,
    })
}

/// The issue page, with a message after an action or the problems of a refused one.
pub(super) async fn issue_page(
    session: &Session,
    id: i64,
    template: Option<i64>,
    done: Option<&'static str>,
    problems: (Vec<String>, &str),
    draft: std::collections::HashMap<String, String>,
) -> Result<HttpResponse, WebError> {
    let (problems, failed) = problems;
    let failed = failed.to_owned();
    let caller = session.caller.clone();
    let state = session.state.clone();
    let mut l = db::run(&state.pool, move |conn| load(conn, &caller, id, template)).await?;
    // What was typed into the answer form stays: a template applied comes after it.
    let typed = |k: &str| {
        draft
            .get(k)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty() && failed == "answer")
    };
    let f = &mut l.forms;
    f.answer_text = match (typed("text"), f.answer_text.is_empty()) {
        (Some(t), true) => t.to_owned(),
        (Some(t), false) => format!("{t}\n\n{}", f.answer_text),
        (None, _) => std::mem::take(&mut f.answer_text),
    };
    if let Some(o) = typed("outcome") {
        f.answer_outcome = o.to_owned();
    }
    let (issue, labels) = (l.issue, l.labels);
    let files = super::files::shown(&l.files, |p| labels.person(p), &session.caller);
    let kept = l.files.iter().filter(|f| f.withdrawn_at.is_none()).count();
    let limits = state.files;
    let add_files = (session.caller.may(crate::domain::role::Can::AddFiles)
        && issue.status != crate::domain::lifecycle::State::Withdrawn
        && (kept as i64) < limits.per_place)
        .then(|| super::files::hint(&limits, kept));
    let steps = l
        .events
        .iter()
        .map(|e| Step {
            when: format::instant(e.at),
            what: e.action.zh(),
            who: format!("{} {}", role_zh(&e.actor_role), labels.person(e.actor_id)),
            lines: detail_lines(e, &labels),
        })
        .collect();
    let due = issue.due_on.map(format::date).unwrap_or_else(|| "—".into());
    let due_words = match l.days_left {
        Some(n) if n < 0 => format!("已超期{}个工作日", -n),
        Some(0) => "今天到期".into(),
        Some(n) => format!("还剩{n}个工作日"),
        None => String::new(),
    };
    page(&IssuePage {
        chrome: Chrome::new(session, format!("问题 {}", issue.id), "/issues"),
        status: issue.status.zh(),
        category: issue.category.zh(),
        channel: issue.channel.zh(),
        enterprise: labels.enterprise(issue.enterprise_id),
        contact: l.contact,
        forum: labels.forum(issue.forum_id),
        lead: labels.department(issue.lead_department_id),
        handler: issue
            .handler_id
            .map(|h| labels.person(h))
            .unwrap_or_default(),
        co: issue
            .co_department_ids
            .iter()
            .map(|d| labels.department(Some(*d)))
            .collect::<Vec<_>>()
            .join("、"),
        due,
        due_words,
        filed: format::instant(issue.created_at),
        answer: issue.answer.as_ref().map(|a| {
            (
                a.outcome.zh().to_owned(),
                a.text.clone(),
                a.answered_at.map(format::instant).unwrap_or_default(),
            )
        }),
        rating: issue.rating.as_ref().map(|r| {
            (
                r.rating.zh().to_owned(),
                match r.solved {
                    Some(true) => "已解决",
                    Some(false) => "未解决",
                    None => "",
                }
                .to_owned(),
                r.source.zh().to_owned(),
                r.comment.clone().unwrap_or_default(),
            )
        }),
        steps,
        done,
        problems,
        failed,
        draft,
        forms: l.forms,
        similar: l.similar,
        followed: l.followed,
        published: l.published,
        publish: l.publish,
        common: l.common,
        group_into: l.group_into,
        group_ids: l.group_ids,
        files,
        add_files,
        file_base: format!("/issues/{}", issue.id),
        issue,
    })
}

#[derive(serde::Deserialize)]
struct ShowQuery {
    done: Option<String>,
    template: Option<i64>,
}

async fn show(
    session: Session,
    id: web::Path<i64>,
    req: HttpRequest,
) -> Result<HttpResponse, WebError> {
    let q: ShowQuery = parse_query(&filled(&req))?;
    let done = q.done.as_deref().and_then(super::act::done_words);
    issue_page(
        &session,
        id.into_inner(),
        q.template,
        done,
        (Vec::new(), ""),
        Default::default(),
    )
    .await
}

/// One action posted from the issue page.
async fn act(
    session: Session,
    path: web::Path<(i64, String)>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, WebError> {
    let (id, code) = path.into_inner();
    let limits = session.state.files;
    let (form, files) = super::files::read_form(&req, payload, &limits).await?;
    session.check_csrf(&form.text("csrf"))?;
    if code == "answer" && form.text("apply_template") == "1" {
        // 套用模板 inside the answer form: the page again, the template added to what was typed.
        let template = form.text("template_id").trim().parse().ok();
        return issue_page(
            &session,
            id,
            template,
            Some("已套用答复模板，加在已填写的内容之后；请核对修改后再答复。"),
            (Vec::new(), "answer"),
            form.values(),
        )
        .await;
    }
    let version: Option<i64> = form.text("version").parse().ok();
    let outcome = match code.as_str() {
        "files" => super::files::add(&session, Place::Issue(id), files).await,
        "withdraw-file" => super::files::withdraw(&session, &form).await,
        _ => match (super::act::command(&code, &form), files) {
            (Ok(command), Ok(files)) => {
                let caller = session.caller.clone();
                let state = session.state.clone();
                let expected = version.map(|v| vec![v]).unwrap_or_default();
                match crate::service::attachments::keep(state.objects.as_deref(), files).await {
                    Ok(files) => db::run(&state.pool, move |conn| {
                        perform_with_files(conn, &caller, &limits, id, &expected, command, files)
                    })
                    .await
                    .map_err(super::files::beside_field),
                    Err(e) => Err(e),
                }
            }
            // Every problem at once: the form's own and its files'.
            (Err(Error::Invalid(mut fields)), Err(refused)) => {
                fields.extend(refused);
                Err(Error::Invalid(fields))
            }
            (Err(e), _) => Err(e),
            (Ok(_), Err(mut refused)) => {
                // The answer's own text is said at once too, not after the files are fixed.
                if matches!(code.as_str(), "answer" | "comment")
                    && form.text("text").trim().is_empty()
                {
                    refused.insert(
                        0,
                        crate::error::FieldError::new("text", "must not be empty"),
                    );
                }
                Err(Error::Invalid(refused))
            }
        },
    };
    match outcome {
        Ok(_) => Ok(super::redirect(&format!("/issues/{id}?done={code}"))),
        Err(
            e @ (Error::Invalid(_) | Error::Duplicate(_) | Error::Stale(_) | Error::Conflict(_)),
        ) => {
            let status = match e {
                Error::Stale(_) | Error::Conflict(_) => actix_web::http::StatusCode::CONFLICT,
                _ => actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
            };
            let mut resp = issue_page(
                &session,
                id,
                None,
                None,
                (super::act::problems(&e), code.as_str()),
                form.values(),
            )
            .await?;
            *resp.status_mut() = status;
            Ok(resp)
        }
        Err(e) => Err(e.into()),
    }
}

/// An action of the issue page, with the files its form carried (the answer's 答复函, a
/// comment's photo): the files are added and the action taken in one transaction, so that
/// a refused answer leaves no file behind and an answer never goes without the files it
/// was sent with (they are the answer's `attachment_ids`).
fn perform_with_files(
    conn: &mut crate::db::DbConn,
    caller: &crate::auth::Caller,
    limits: &crate::service::attachments::Limits,
    id: i64,
    expected: &[i64],
    command: issues::actions::Command,
    files: Vec<crate::service::attachments::Checked>,
) -> Result<(), Error> {
    if files.is_empty() {
        return issues::actions::perform(conn, caller, id, Some(expected), command).map(|_| ());
    }
    use issues::actions::Command;
    if !matches!(command, Command::Answer(_) | Command::Comment(_)) {
        return Err(Error::invalid("file", "请用“上传附件”上传文件"));
    }
    crate::db::write_tx(conn, |conn| {
        let place = Place::Issue(id);
        let added = crate::service::attachments::add_checked(conn, caller, limits, place, files)?;
        let command = match command {
            Command::Answer(mut answer) => {
                answer.attachment_ids = added.iter().map(|f| f.id).collect();
                Command::Answer(answer)
            }
            other => other,
        };
        issues::actions::perform(conn, caller, id, Some(expected), command).map(|_| ())
    })
}
