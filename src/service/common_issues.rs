//! 共性问题: a coordinator groups issues raised at many forums and places under a lead
//! department, which answers the group once as policy; each grouped issue shows that
//! answer and keeps its own life and rating. Leaders see the groups with the most issues
//! and regions first.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::common::{page, utc, Check, Paged};
use super::departments::check_named;
use crate::auth::Caller;
use crate::db::{self, DbConn};
use crate::domain::issue::EventKind;
use crate::domain::lifecycle::State;
use crate::domain::role::Role;
use crate::error::Error;
use crate::store::common::{self as store, CommonRow, Counted, NewCommon};
use crate::store::issues::{self as issues_store, IssueChange};

/// At most this many issues are named in one request.
pub const MAX_NAMED: usize = 200;

/// The lead department's policy answer.
#[derive(Serialize, Clone)]
pub struct PolicyAnswer {
    pub text: String,
    pub answered_by: i64,
    pub answered_at: DateTime<Utc>,
}

#[derive(Serialize)]
pub struct CommonIssue {
    pub id: i64,
    /// The region of the coordinator who grouped it.
    pub region_id: i64,
    pub title: String,
    pub description: String,
    pub lead_department_id: i64,
    /// The grouped issues the caller may see, oldest first.
    pub issue_ids: Vec<i64>,
    /// How many issues the whole group holds, and the regions they were raised in.
    pub issue_count: i64,
    pub region_count: i64,
    pub region_ids: Vec<i64>,
    pub answer: Option<PolicyAnswer>,
    pub created_by: i64,
    pub created_at: DateTime<Utc>,
}

fn policy_answer(r: &CommonRow) -> Option<PolicyAnswer> {
    match (&r.answer_text, r.answered_by, r.answered_at) {
        (Some(text), Some(by), Some(at)) => Some(PolicyAnswer {
            text: text.clone(),
            answered_by: by,
            answered_at: utc(at),
        }),
        _ => None,
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommonIn {
    pub title: String,
    pub description: String,
    pub lead_department_id: i64,
    pub issue_ids: Vec<i64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddIn {
    pub issue_ids: Vec<i64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnswerIn {
    pub text: String,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct CommonQuery {
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

const WRITE: &str = "group issues as 共性问题";

fn views(
    conn: &mut DbConn,
    caller: &Caller,
    rows: Vec<Counted>,
) -> Result<Vec<CommonIssue>, Error> {
    let ids: Vec<i64> = rows.iter().map(|(r, _, _)| r.id).collect();
    let mut members = store::members(conn, &caller.scope(), &ids)?;
    let mut regions = store::regions(conn, &ids)?;
    Ok(rows
        .into_iter()
        .map(|(r, issue_count, region_count)| CommonIssue {
            issue_ids: members.remove(&r.id).unwrap_or_default(),
            region_ids: regions.remove(&r.id).unwrap_or_default(),
            answer: policy_answer(&r),
            issue_count,
            region_count,
            id: r.id,
            region_id: r.region_id,
            title: r.title,
            description: r.description,
            lead_department_id: r.lead_department_id,
            created_by: r.created_by,
            created_at: utc(r.created_at),
        })
        .collect())
}

/// The named issues, checked: listed once each, at least `min`, every one an issue in the
/// coordinator's scope that is not withdrawn and not merged (its original is grouped
/// instead). Invalid names each bad one (`issue_ids[i]`).
fn grouped_issues(
    conn: &mut DbConn,
    caller: &Caller,
    ids: &[i64],
    min: usize,
    check: &mut Check,
) -> Result<Vec<issues_store::IssueRow>, Error> {
    if ids.len() < min {
        check.add(
            "issue_ids",
            if min > 1 {
                format!(
                    "name at least {min} issues: a 共性问题 is one problem raised more than once"
                )
            } else {
                "name at least one issue".into()
            },
        );
        return Ok(Vec::new());
    }
    if ids.len() > MAX_NAMED {
        check.add("issue_ids", format!("name at most {MAX_NAMED} issues"));
        return Ok(Vec::new());
    }
    let scope = caller.scope();
    let mut rows = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        let field = format!("issue_ids[{i}]");
        if ids[..i].contains(id) {
            check.add(&field, format!("issue {id} is listed twice"));
            continue;
        }
        match issues_store::get(conn, &scope, *id)? {
            None => check.add(&field, format!("{id} is not an issue in your scope")),
            Some(r) if r.status == State::Withdrawn => {
                check.add(&field, format!("issue {id} was withdrawn"))
            }
            Some(r) if r.merged_into.is_some() => check.add(
                &field,
                format!(
                    "issue {id} is merged into issue {}: group that one",
                    r.merged_into.unwrap_or_default()
                ),
            ),
            Some(r) => rows.push(r),
        }
    }
    Ok(rows)
}

/// An issue already in a group is a conflict with its state (also what the second of two
/// coordinators grouping one issue at once finds).
fn none_grouped(rows: &[issues_store::IssueRow]) -> Result<(), Error> {
    match rows.iter().find(|r| r.common_issue_id.is_some()) {
        Some(r) => Err(Error::Conflict(format!(
            "issue {} is already in 共性问题 {}",
            r.id,
            r.common_issue_id.unwrap_or_default()
        ))),
        None => Ok(()),
    }
}

/// Puts each issue in group `id`: marked common (标记共性) with a timeline event naming
/// the group, each at the version it was read at (a change at the same moment is a 409).
fn put_in(
    conn: &mut DbConn,
    caller: &Caller,
    group: &CommonRow,
    rows: &[issues_store::IssueRow],
) -> Result<(), Error> {
    let now = crate::store::now();
    for r in rows {
        let change = IssueChange {
            common: Some(Some(true)),
            common_issue_id: Some(Some(group.id)),
            ..Default::default()
        };
        issues_store::apply(conn, r.id, r.version, &change, now)?;
        issues_store::add_event(
            conn,
            r.id,
            EventKind::Marked,
            caller.id(),
            caller.role.as_str(),
            &json!({"common": true, "common_issue_id": group.id, "title": group.title}),
            now,
        )?;
    }
    Ok(())
}

/// Groups issues as a 共性问题 under a lead department (coordinator).
pub fn create(conn: &mut DbConn, caller: &Caller, input: CommonIn) -> Result<CommonIssue, Error> {
    caller.require(&[Role::Coordinator], WRITE)?;
    let region_id = caller
        .user
        .region_id
        .ok_or_else(|| Error::Forbidden("a coordinator without a region groups nothing".into()))?;
    let id = db::write_tx(conn, |conn| {
        let mut check = Check::default();
        let title = check.text("title", &input.title, 1, 200);
        let description = check.text("description", &input.description, 1, 5_000);
        let rows = grouped_issues(conn, caller, &input.issue_ids, 2, &mut check)?;
        check.finish()?;
        none_grouped(&rows)?;
        check_named(
            conn,
            &[("lead_department_id".into(), input.lead_department_id)],
            true,
        )?;
        let group = store::insert(
            conn,
            &NewCommon {
                region_id,
                title: &title,
                description: &description,
                lead_department_id: input.lead_department_id,
                created_by: caller.id(),
                created_at: crate::store::now(),
            },
        )?;
        put_in(conn, caller, &group, &rows)?;
        Ok::<_, Error>(group.id)
    })?;
    get(conn, caller, id)
}

/// Adds issues to a group in scope (coordinator).
pub fn add(
    conn: &mut DbConn,
    caller: &Caller,
    id: i64,
    input: AddIn,
) -> Result<CommonIssue, Error> {
    caller.require(&[Role::Coordinator], WRITE)?;
    db::write_tx(conn, |conn| {
        let (group, _, _) =
            store::get(conn, &caller.scope(), id)?.ok_or_else(|| Error::not_found("共性问题"))?;
        let mut check = Check::default();
        let rows = grouped_issues(conn, caller, &input.issue_ids, 1, &mut check)?;
        check.finish()?;
        none_grouped(&rows)?;
        put_in(conn, caller, &group, &rows)
    })?;
    get(conn, caller, id)
}

/// The lead department answers the group once, as policy.
pub fn answer(
    conn: &mut DbConn,
    caller: &Caller,
    id: i64,
    input: AnswerIn,
) -> Result<CommonIssue, Error> {
    caller.require(&[Role::Department], "answer a 共性问题")?;
    let mut check = Check::default();
    let text = check.text("text", &input.text, 1, 5_000);
    db::write_tx(conn, |conn| {
        let (group, _, _) =
            store::get(conn, &caller.scope(), id)?.ok_or_else(|| Error::not_found("共性问题"))?;
        if Some(group.lead_department_id) != caller.user.department_id {
            return Err(Error::Forbidden(
                "only the lead department answers a 共性问题".into(),
            ));
        }
        check.finish()?;
        if !store::answer(conn, id, &text, caller.id(), crate::store::now())? {
            return Err(Error::Conflict(
                "the 共性问题 is already answered: its policy answer is given once".into(),
            ));
        }
        Ok(())
    })?;
    get(conn, caller, id)
}

/// The groups in scope, those with the most issues and regions first (all but
/// enterprises; an enterprise reads the group of its own issue by id).
pub fn list(
    conn: &mut DbConn,
    caller: &Caller,
    q: CommonQuery,
) -> Result<Paged<CommonIssue>, Error> {
    caller.require(
        &[
            Role::Coordinator,
            Role::Leader,
            Role::Department,
            Role::Admin,
        ],
        "list 共性问题",
    )?;
    let page = page(q.page, q.per_page)?;
    let (rows, total) = store::list(conn, &caller.scope(), page)?;
    Ok(Paged::new(views(conn, caller, rows)?, total, page))
}

pub fn get(conn: &mut DbConn, caller: &Caller, id: i64) -> Result<CommonIssue, Error> {
    let row = store::get(conn, &caller.scope(), id)?.ok_or_else(|| Error::not_found("共性问题"))?;
    views(conn, caller, vec![row])?
        .pop()
        .ok_or_else(|| Error::not_found("共性问题"))
}

/// The group an issue is in, as its page shows it: its title and policy answer (whoever
/// may see the issue may read them).
pub fn of_issue(
    conn: &mut DbConn,
    group_id: i64,
) -> Result<Option<(CommonRow, Option<PolicyAnswer>)>, Error> {
    Ok(store::by_id(conn, group_id)?.map(|r| {
        let a = policy_answer(&r);
        (r, a)
    }))
}

/// A group's page: the group, the names it mentions, and its issues the caller may see.
pub struct Detail {
    pub group: CommonIssue,
    pub lead: String,
    pub regions: Vec<String>,
    pub issues: Vec<crate::store::issues::IssueRow>,
}

/// Names by id.
pub type Names = std::collections::HashMap<i64, String>;

/// The names of departments and regions, for the pages.
pub fn names(
    conn: &mut DbConn,
    departments: &[i64],
    regions: &[i64],
) -> Result<(Names, Names), Error> {
    let d = crate::store::departments::names(conn, departments)?
        .into_iter()
        .map(|(id, (name, _))| (id, name))
        .collect();
    let r = crate::store::regions::names(conn, regions)?;
    Ok((d, r))
}

pub fn detail(conn: &mut DbConn, caller: &Caller, id: i64) -> Result<Detail, Error> {
    let group = get(conn, caller, id)?;
    let issues = store::issues_of(conn, &caller.scope(), id)?;
    let (d, r) = names(conn, &[group.lead_department_id], &group.region_ids)?;
    Ok(Detail {
        lead: d
            .get(&group.lead_department_id)
            .cloned()
            .unwrap_or_default(),
        regions: group
            .region_ids
            .iter()
            .filter_map(|i| r.get(i).cloned())
            .collect(),
        group,
        issues,
    })
}

/// The newest groups a coordinator may add issues to (id, title).
pub fn choices(conn: &mut DbConn, caller: &Caller) -> Result<Vec<(i64, String)>, Error> {
    if caller.role != Role::Coordinator {
        return Ok(Vec::new());
    }
    Ok(store::newest(conn, &caller.scope(), 50)?)
}
