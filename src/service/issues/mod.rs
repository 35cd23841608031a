//! Issues (问题): filing, reading, and every action of their life. The lifecycle itself is
//! `domain::lifecycle`; this module loads in scope, checks, calls it, and answers.

pub mod actions;
pub mod filing;
pub mod similar;
pub mod view;
pub mod work;

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::common::{opt_id, page, utc, Paged};
use super::regions::{check_named, Named};
use crate::auth::Caller;
use crate::db::DbConn;
use crate::domain::issue::{
    Category, Channel, EventKind, ExtensionStatus, Measure, Outcome, Rating, RatingSource,
};
use crate::domain::lifecycle::{is_overdue, State};
use crate::domain::time;
use crate::error::Error;
use crate::store::filter::{search_expression, IssueFilter, Sort};
use crate::store::issues::{self as store, ExtensionRow, IssueRow};
use crate::store::scope::Scope;

#[derive(Serialize)]
pub struct Answer {
    pub outcome: Outcome,
    pub text: String,
    pub planned_on: Option<NaiveDate>,
    pub answered_at: Option<DateTime<Utc>>,
}

#[derive(Serialize)]
pub struct IssueRating {
    pub rating: Rating,
    pub solved: Option<bool>,
    pub source: RatingSource,
    pub comment: Option<String>,
    pub rated_at: DateTime<Utc>,
}

/// An issue as its readers see it.
#[derive(Serialize)]
pub struct Issue {
    pub id: i64,
    pub title: String,
    pub description: String,
    pub category: Category,
    pub channel: Channel,
    pub status: State,
    pub enterprise_id: i64,
    pub region_id: i64,
    pub forum_id: Option<i64>,
    pub lead_department_id: Option<i64>,
    pub co_department_ids: Vec<i64>,
    pub due_on: Option<NaiveDate>,
    pub overdue: bool,
    pub resolved_on_site: bool,
    pub reopen_count: i32,
    pub return_count: i32,
    pub supervision: bool,
    pub common: Option<bool>,
    pub answer: Option<Answer>,
    pub rating: Option<IssueRating>,
    /// 经办人: the handler of the lead department who signed for it or took it over.
    pub handler_id: Option<i64>,
    /// 合并: closed as a repeat of this earlier issue, whose progress it follows.
    pub merged_into: Option<i64>,
    /// 共性问题: the group this issue is in, whose policy answer it shows.
    pub common_issue_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

fn view(i: IssueRow, co: &mut HashMap<i64, Vec<i64>>, today: NaiveDate) -> Issue {
    let answer = match (i.answer_outcome, i.answer_text) {
        (Some(outcome), Some(text)) => Some(Answer {
            outcome,
            text,
            planned_on: i.answer_planned_on,
            answered_at: i.answered_at.map(utc),
        }),
        _ => None,
    };
    // The issue keeps its latest rating whole (filled for ratings given before it did).
    let rating = match (i.rating, i.rating_source, i.rated_at) {
        (Some(rating), Some(source), Some(at)) => Some(IssueRating {
            rating,
            solved: i.solved,
            source,
            comment: i.rating_comment,
            rated_at: utc(at),
        }),
        _ => None,
    };
    Issue {
        overdue: is_overdue(i.status, i.due_on, today),
        co_department_ids: co.remove(&i.id).unwrap_or_default(),
        rating,
        id: i.id,
        title: i.title,
        description: i.description,
        category: i.category,
        channel: i.channel,
        status: i.status,
        enterprise_id: i.enterprise_id,
        region_id: i.region_id,
        forum_id: i.forum_id,
        lead_department_id: i.lead_department_id,
        due_on: i.due_on,
        resolved_on_site: i.resolved_on_site,
        reopen_count: i.reopen_count,
        return_count: i.return_count,
        supervision: i.supervision,
        common: i.common,
        answer,
        handler_id: i.handler_id,
        merged_into: i.merged_into,
        common_issue_id: i.common_issue_id,
        created_at: utc(i.created_at),
        updated_at: utc(i.updated_at),
        version: i.version,
    }
}

/// Issues as their readers see them, with co-handlers in one more query.
pub fn views(conn: &mut DbConn, rows: Vec<IssueRow>) -> Result<Vec<Issue>, Error> {
    let ids: Vec<i64> = rows.iter().map(|i| i.id).collect();
    let mut co = store::co_departments(conn, &ids)?;
    let today = time::today();
    Ok(rows.into_iter().map(|i| view(i, &mut co, today)).collect())
}

/// A just-filed issue as its reader sees it: it has no co-handler and no rating yet, so
/// nothing more is read.
pub fn fresh(row: IssueRow) -> Issue {
    view(row, &mut HashMap::new(), time::today())
}

pub fn one(conn: &mut DbConn, row: IssueRow) -> Result<Issue, Error> {
    views(conn, vec![row])?
        .pop()
        .ok_or_else(|| Error::internal("issue view missing"))
}

/// The tag naming one version of an issue (the API sends it as the `ETag`).
pub fn version_tag(id: i64, version: i64) -> String {
    format!("\"{id}.{version}\"")
}

/// Stale unless `expected` (when given) names the current version.
pub fn check_version(expected: Option<&[i64]>, id: i64, version: i64) -> Result<(), Error> {
    match expected {
        Some(versions) if !versions.contains(&version) => Err(Error::Stale(format!(
            "the issue has changed since that version; it is now {}",
            version_tag(id, version)
        ))),
        _ => Ok(()),
    }
}

/// One issue in the caller's scope.
pub fn get(conn: &mut DbConn, caller: &Caller, id: i64) -> Result<Issue, Error> {
    let (row, co) = store::get_with_co_departments(conn, &caller.scope(), id)?
        .ok_or_else(|| Error::not_found("issue"))?;
    let co: Vec<i64> = co
        .iter()
        .flat_map(|list| list.split(','))
        .filter_map(|d| d.trim().parse().ok())
        .collect();
    let mut co = HashMap::from([(row.id, co)]);
    Ok(view(row, &mut co, time::today()))
}

/// The list's filters, as a request names them (any other parameter is refused, naming it).
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct IssueQuery {
    pub status: Option<String>,
    pub category: Option<Category>,
    pub channel: Option<Channel>,
    #[serde(default, deserialize_with = "opt_id")]
    pub enterprise_id: Option<i64>,
    #[serde(default, deserialize_with = "opt_id")]
    pub department_id: Option<i64>,
    #[serde(default, deserialize_with = "opt_id")]
    pub region_id: Option<i64>,
    #[serde(default, deserialize_with = "opt_id")]
    pub forum_id: Option<i64>,
    #[serde(default, deserialize_with = "opt_id")]
    pub edition_id: Option<i64>,
    pub overdue: Option<bool>,
    /// The issues a figure counts, read as the figures read them: collected issues only,
    /// and `department_id` naming the lead department.
    pub measure: Option<Measure>,
    pub q: Option<String>,
    #[serde(default, deserialize_with = "crate::domain::time::strict_date")]
    pub from: Option<NaiveDate>,
    #[serde(default, deserialize_with = "crate::domain::time::strict_date")]
    pub to: Option<NaiveDate>,
    pub sort: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

impl IssueQuery {
    /// The store filter; the region (a subtree) is resolved to its path. An unknown region
    /// or status is invalid, naming the parameter.
    pub fn filter(&self, conn: &mut DbConn, scope: &Scope) -> Result<IssueFilter, Error> {
        let mut check = super::common::Check::default();
        check.opt_date("from", self.from);
        check.opt_date("to", self.to);
        check.finish()?;
        let status = match &self.status {
            Some(s) => Some(
                State::parse(s)
                    .ok_or_else(|| Error::invalid("status", "is not an issue status"))?,
            ),
            None => None,
        };
        let region_path = check_named(
            conn,
            scope,
            &Named {
                region_id: self.region_id,
                department_id: self.department_id,
                enterprise_id: self.enterprise_id,
                forum_id: self.forum_id,
                edition_id: self.edition_id,
            },
        )?;
        Ok(IssueFilter {
            status,
            category: self.category,
            channel: self.channel,
            enterprise_id: self.enterprise_id,
            department_id: self.department_id,
            region_path,
            forum_id: self.forum_id,
            edition_id: self.edition_id,
            overdue_on: self.overdue.filter(|o| *o).map(|_| time::today()),
            q: match self.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
                Some(q) if search_expression(q).is_none() => return Err(Error::invalid(
                    "q",
                    "has no word to search for (common words such as 的 or 问题 are not searched)",
                )),
                q => q.map(str::to_owned),
            },
            from: self.from,
            to: self.to,
            hide_withdrawn: self.measure.is_some(),
            lead_only: self.measure.is_some(),
            measure: self.measure,
            ..IssueFilter::default()
        })
    }

    pub fn sort(&self) -> Result<Sort, Error> {
        match self.sort.as_deref() {
            // A search answers its best matches first.
            None if self.q.as_deref().is_some_and(|q| !q.trim().is_empty()) => Ok(Sort::Relevance),
            None | Some("-created_at") => Ok(Sort::CreatedDesc),
            Some("created_at") => Ok(Sort::CreatedAsc),
            Some("due_on") => Ok(Sort::DueAsc),
            Some("-due_on") => Ok(Sort::DueDesc),
            Some(_) => Err(Error::invalid(
                "sort",
                "must be created_at, -created_at, due_on or -due_on",
            )),
        }
    }
}

/// The issues in the caller's scope matching the query, a page of them.
pub fn list(conn: &mut DbConn, caller: &Caller, q: IssueQuery) -> Result<Paged<Issue>, Error> {
    let page = page(q.page, q.per_page)?;
    let sort = q.sort()?;
    let filter = q.filter(conn, &caller.scope())?;
    let (rows, total) = store::list(conn, &caller.scope(), &filter, sort, page)?;
    Ok(Paged::new(views(conn, rows)?, total, page))
}

/// One event of the timeline (办理过程).
#[derive(Serialize)]
pub struct Event {
    pub id: i64,
    pub action: EventKind,
    pub actor_id: i64,
    pub actor_role: String,
    pub at: DateTime<Utc>,
    pub details: serde_json::Value,
}

/// The timeline, oldest first.
pub fn events(conn: &mut DbConn, caller: &Caller, id: i64) -> Result<Vec<Event>, Error> {
    store::get(conn, &caller.scope(), id)?.ok_or_else(|| Error::not_found("issue"))?;
    Ok(store::events(conn, id)?
        .into_iter()
        .map(|e| Event {
            details: serde_json::from_str(&e.details).unwrap_or(serde_json::Value::Null),
            id: e.id,
            action: e.action,
            actor_id: e.actor_id,
            actor_role: e.actor_role,
            at: utc(e.at),
        })
        .collect())
}

/// A department's request for more time (延期申请).
#[derive(Serialize)]
pub struct Extension {
    pub id: i64,
    pub issue_id: i64,
    pub department_id: i64,
    pub new_due_on: NaiveDate,
    pub reason: String,
    pub status: ExtensionStatus,
    pub requested_by: i64,
    pub requested_at: DateTime<Utc>,
    pub decided_by: Option<i64>,
    pub decided_at: Option<DateTime<Utc>>,
    pub note: Option<String>,
}

impl From<ExtensionRow> for Extension {
    fn from(e: ExtensionRow) -> Self {
        Extension {
            id: e.id,
            issue_id: e.issue_id,
            department_id: e.department_id,
            new_due_on: e.new_due_on,
            reason: e.reason,
            status: e.status,
            requested_by: e.requested_by,
            requested_at: utc(e.requested_at),
            decided_by: e.decided_by,
            decided_at: e.decided_at.map(utc),
            note: e.note,
        }
    }
}

/// The extension requests of an issue in the caller's scope, oldest first.
pub fn extensions(conn: &mut DbConn, caller: &Caller, id: i64) -> Result<Vec<Extension>, Error> {
    store::get(conn, &caller.scope(), id)?.ok_or_else(|| Error::not_found("issue"))?;
    Ok(store::extensions(conn, id)?
        .into_iter()
        .map(Extension::from)
        .collect())
}

/// What the pages print beside an issue's ids: the names of its enterprise (with its
/// credit code), departments and forum (`第N期 region`), and of the people on its timeline.
#[derive(Default)]
pub struct Labels {
    pub enterprises: HashMap<i64, (String, String)>,
    pub departments: HashMap<i64, String>,
    pub forums: HashMap<i64, String>,
    pub people: HashMap<i64, String>,
}

impl Labels {
    pub fn enterprise(&self, id: i64) -> String {
        self.enterprises
            .get(&id)
            .map(|e| e.0.clone())
            .unwrap_or_default()
    }

    pub fn department(&self, id: Option<i64>) -> String {
        id.and_then(|d| self.departments.get(&d).cloned())
            .unwrap_or_default()
    }

    pub fn forum(&self, id: Option<i64>) -> String {
        id.and_then(|f| self.forums.get(&f).cloned())
            .unwrap_or_default()
    }

    pub fn person(&self, id: i64) -> String {
        self.people.get(&id).cloned().unwrap_or_default()
    }
}

/// Labels for issues the caller has read (and the actors of their events).
pub fn labels(conn: &mut DbConn, issues: &[Issue], events: &[Event]) -> Result<Labels, Error> {
    let enterprises: Vec<i64> = issues.iter().map(|i| i.enterprise_id).collect();
    let mut departments: Vec<i64> = issues.iter().filter_map(|i| i.lead_department_id).collect();
    departments.extend(
        issues
            .iter()
            .flat_map(|i| i.co_department_ids.iter().copied()),
    );
    departments.extend(events.iter().filter_map(|e| {
        e.details
            .get("department_id")
            .or_else(|| e.details.get("lead_department_id"))
            .and_then(serde_json::Value::as_i64)
    }));
    let forums: Vec<i64> = issues.iter().filter_map(|i| i.forum_id).collect();
    let names = store::ledger_names(conn, &enterprises, &departments, &forums, None)?;
    let mut actors: Vec<i64> = events.iter().map(|e| e.actor_id).collect();
    actors.extend(issues.iter().filter_map(|i| i.handler_id));
    actors.extend(events.iter().flat_map(|e| {
        ["handler_id", "from_handler_id"]
            .into_iter()
            .filter_map(|k| e.details.get(k).and_then(serde_json::Value::as_i64))
    }));
    Ok(Labels {
        enterprises: names.enterprises,
        departments: names.departments,
        forums: names
            .forums
            .into_iter()
            .map(|(id, (n, region))| (id, format!("第{n}期 {region}")))
            .collect(),
        people: crate::store::users::names(conn, &actors)?,
    })
}
