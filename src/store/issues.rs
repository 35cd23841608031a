//! Issues, their co-handlers, timeline, ratings, extension requests and idempotency keys.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::filter::{condition, overdue_on, under_supervision, IssueFilter, Sort};
use super::schema::{
    forums, idempotency_keys, issue_co_departments, issue_events, issue_extensions, issue_ratings,
    issues,
};
use super::scope::{self, Scope};
use super::Page;
use crate::db::DbConn;
use crate::domain::issue::{
    Category, Channel, EventKind, ExtensionStatus, Outcome, Rating, RatingSource,
};
use crate::domain::lifecycle::State;

#[derive(Clone, Debug, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = issues)]
pub struct IssueRow {
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
    pub due_on: Option<NaiveDate>,
    pub resolved_on_site: bool,
    pub common: Option<bool>,
    pub supervision: bool,
    pub reopen_count: i32,
    pub return_count: i32,
    pub dissatisfied_count: i32,
    pub urge_count: i32,
    pub supervise_count: i32,
    pub answer_outcome: Option<Outcome>,
    pub answer_text: Option<String>,
    pub answer_planned_on: Option<NaiveDate>,
    pub answered_at: Option<NaiveDateTime>,
    pub answer_count: i32,
    pub first_answered_at: Option<NaiveDateTime>,
    pub answered_on_time: Option<bool>,
    pub working_days_to_answer: Option<i32>,
    pub rating: Option<Rating>,
    pub assigned_at: Option<NaiveDateTime>,
    pub filed_on: NaiveDate,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i64,
    pub handler_id: Option<i64>,
    /// 是否解决, by the latest rating.
    pub solved: Option<bool>,
    /// The latest rating's source, comment and time (with `rating` and `solved`).
    pub rating_source: Option<RatingSource>,
    pub rating_comment: Option<String>,
    pub rated_at: Option<NaiveDateTime>,
    /// 合并: closed as a repeat of this earlier issue.
    pub merged_into: Option<i64>,
    /// 共性问题: the group this issue was put in.
    pub common_issue_id: Option<i64>,
}

/// Absent values are written as NULL (each such column's default), not as `DEFAULT`: the
/// statement's text is then the same for every filing, and the connection prepares it once.
#[derive(Clone, Debug, Insertable)]
#[diesel(table_name = issues, treat_none_as_default_value = false)]
pub struct NewIssue {
    pub title: String,
    pub description: String,
    pub category: Category,
    pub channel: Channel,
    pub status: State,
    pub enterprise_id: i64,
    pub region_id: i64,
    pub forum_id: Option<i64>,
    pub lead_department_id: Option<i64>,
    pub resolved_on_site: bool,
    pub answer_outcome: Option<Outcome>,
    pub answer_text: Option<String>,
    pub answered_at: Option<NaiveDateTime>,
    pub answer_count: i32,
    pub first_answered_at: Option<NaiveDateTime>,
    pub answered_on_time: Option<bool>,
    pub filed_on: NaiveDate,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// The columns an action changes; `None` leaves a column as it is, `Some(None)` clears it.
#[derive(Clone, Debug, Default, AsChangeset)]
#[diesel(table_name = issues)]
pub struct IssueChange {
    pub status: Option<State>,
    pub lead_department_id: Option<Option<i64>>,
    pub due_on: Option<Option<NaiveDate>>,
    pub common: Option<Option<bool>>,
    pub supervision: Option<bool>,
    pub reopen_count: Option<i32>,
    pub return_count: Option<i32>,
    pub dissatisfied_count: Option<i32>,
    pub urge_count: Option<i32>,
    pub supervise_count: Option<i32>,
    pub answer_outcome: Option<Option<Outcome>>,
    pub answer_text: Option<Option<String>>,
    pub answer_planned_on: Option<Option<NaiveDate>>,
    pub answered_at: Option<Option<NaiveDateTime>>,
    pub answer_count: Option<i32>,
    pub first_answered_at: Option<Option<NaiveDateTime>>,
    pub answered_on_time: Option<Option<bool>>,
    pub working_days_to_answer: Option<Option<i32>>,
    pub rating: Option<Option<Rating>>,
    pub assigned_at: Option<Option<NaiveDateTime>>,
    pub handler_id: Option<Option<i64>>,
    pub solved: Option<Option<bool>>,
    pub rating_source: Option<Option<RatingSource>>,
    pub rating_comment: Option<Option<String>>,
    pub rated_at: Option<Option<NaiveDateTime>>,
    /// Closed after a return with no answer (不属受理范围): out of 办结率's terms.
    pub not_actionable: Option<bool>,
    /// The lead department has a setback of its own on the issue (it returned it, or the
    /// issue was reopened since its latest assignment): not 一次办结 in its row.
    pub charged_setback: Option<bool>,
    pub merged_into: Option<Option<i64>>,
    pub common_issue_id: Option<Option<i64>>,
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = issue_events)]
pub struct EventRow {
    pub id: i64,
    pub issue_id: i64,
    pub action: EventKind,
    pub actor_id: i64,
    pub actor_role: String,
    pub at: NaiveDateTime,
    pub details: String,
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = issue_ratings)]
pub struct RatingRow {
    pub id: i64,
    pub issue_id: i64,
    pub answer_number: i32,
    pub rating: Rating,
    pub source: RatingSource,
    pub comment: Option<String>,
    pub rated_by: i64,
    pub rated_at: NaiveDateTime,
    pub solved: Option<bool>,
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = issue_extensions)]
pub struct ExtensionRow {
    pub id: i64,
    pub issue_id: i64,
    pub department_id: i64,
    pub new_due_on: NaiveDate,
    pub reason: String,
    pub status: ExtensionStatus,
    pub requested_by: i64,
    pub requested_at: NaiveDateTime,
    pub decided_by: Option<i64>,
    pub decided_at: Option<NaiveDateTime>,
    pub note: Option<String>,
}

pub fn get(conn: &mut DbConn, scope: &Scope, id: i64) -> QueryResult<Option<IssueRow>> {
    let by_id = issues::table.filter(issues::id.eq(id));
    crate::with_issue_scope!(
        one scope,
        c => by_id.filter(c).select(IssueRow::as_select()).load(conn),
        all => by_id.select(IssueRow::as_select()).load(conn)
    )
    .map(super::one_of)
}

/// One issue in scope, its row locked until the transaction ends: on PostgreSQL `FOR
/// UPDATE`; SQLite's writers already go one at a time (`db::write_tx`).
pub fn get_for_update(conn: &mut DbConn, scope: &Scope, id: i64) -> QueryResult<Option<IssueRow>> {
    let Some(row) = get(conn, scope, id)? else {
        return Ok(None);
    };
    if let DbConn::Pg(_) = conn {
        diesel::sql_query("SELECT id FROM issues WHERE id = $1 FOR UPDATE")
            .bind::<diesel::sql_types::BigInt, _>(id)
            .execute(conn)?;
    }
    Ok(Some(row))
}

/// One issue in scope with its co-handling departments (ids, comma-separated, in order),
/// in one statement: all a reader of one issue needs (the row keeps its latest rating).
pub fn get_with_co_departments(
    conn: &mut DbConn,
    scope: &Scope,
    id: i64,
) -> QueryResult<Option<(IssueRow, Option<String>)>> {
    use super::fixed::keyed;
    use diesel::sql_types::{Nullable, Text};
    let co = match conn {
        DbConn::Pg(_) => {
            "(SELECT string_agg(CAST(c.department_id AS TEXT), ',' ORDER BY c.department_id) \
             FROM issue_co_departments c WHERE c.issue_id = issues.id)"
        }
        DbConn::Sqlite(_) => {
            "(SELECT group_concat(c.department_id, ',' ORDER BY c.department_id) \
             FROM issue_co_departments c WHERE c.issue_id = issues.id)"
        }
    };
    // Named by a marker: the whole statement has a static id.
    struct CoIds;
    let select = (IssueRow::as_select(), keyed::<Nullable<Text>, CoIds>(co));
    let by_id = issues::table.filter(issues::id.eq(id));
    crate::with_issue_scope!(
        one scope,
        c => by_id.filter(c).select(select).load(conn),
        all => by_id.select(select).load(conn)
    )
    .map(super::one_of)
}

/// The duplicates merged into issue `id` (合并), oldest first.
pub fn merged_into(conn: &mut DbConn, id: i64) -> QueryResult<Vec<IssueRow>> {
    issues::table
        .filter(issues::merged_into.eq(id))
        .order(issues::id.asc())
        .select(IssueRow::as_select())
        .load(conn)
}

/// Inserts an issue (call inside a transaction); the row as stored. The caller adds the
/// new issue to the kept sums (`kept::add_to_rollup`) in the same transaction.
pub fn insert(conn: &mut DbConn, new: &NewIssue) -> QueryResult<IssueRow> {
    let row: IssueRow = diesel::insert_into(issues::table)
        .values(new)
        .returning(<IssueRow as Selectable<crate::db::MultiBackend>>::construct_selection())
        .get_result(conn)?;
    super::history::record(conn, row.id, new.created_at)?;
    super::search::index(conn, &[row.id])?;
    Ok(row)
}

/// Applies `change` if the issue is still at `version`, and moves it to the next version.
/// It first takes the issue's row (`lock`): when the version has moved (of two conflicting
/// actions racing on one issue, the second finds it so) it answers a conflict before it has
/// written anything, the kept sums included; else the issue's old measures come out of the
/// kept sums, the change is written, the new measures go in, and the new state is
/// recorded as the issue's version from `at` (`history`), in the caller's transaction.
pub fn apply(
    conn: &mut DbConn,
    id: i64,
    version: i64,
    change: &IssueChange,
    at: NaiveDateTime,
) -> Result<(), crate::error::Error> {
    if !lock(conn, id, version)? {
        return Err(crate::error::Error::Conflict(
            "the issue was changed by someone else at the same moment; reload it and try again"
                .into(),
        ));
    }
    super::kept::add_to_rollup(conn, id, -1)?;
    diesel::update(issues::table.filter(issues::id.eq(id)))
        .set((
            change,
            issues::updated_at.eq(at),
            issues::version.eq(issues::version + 1),
        ))
        .execute(conn)?;
    super::kept::add_to_rollup(conn, id, 1)?;
    super::history::record(conn, id, at)?;
    if change.answer_text.is_some() {
        super::search::index(conn, &[id])?;
    }
    Ok(())
}

/// Takes the issue's row for this transaction if it is still at `version`: a version-
/// guarded update that changes nothing. A concurrent action on the same issue waits here
/// for the first to finish, then finds the version moved and gets false, before it has
/// touched anything (co-departments, extensions) that the first is writing too.
pub fn lock(conn: &mut DbConn, id: i64, version: i64) -> QueryResult<bool> {
    let n = diesel::update(
        issues::table
            .filter(issues::id.eq(id))
            .filter(issues::version.eq(version)),
    )
    .set(issues::version.eq(issues::version))
    .execute(conn)?;
    Ok(n > 0)
}

pub fn co_departments(conn: &mut DbConn, ids: &[i64]) -> QueryResult<HashMap<i64, Vec<i64>>> {
    let mut map: HashMap<i64, Vec<i64>> = HashMap::new();
    for (issue, dept) in issue_co_departments::table
        .filter(issue_co_departments::issue_id.eq_any(ids))
        .select((
            issue_co_departments::issue_id,
            issue_co_departments::department_id,
        ))
        .order((
            issue_co_departments::issue_id,
            issue_co_departments::department_id,
        ))
        .load::<(i64, i64)>(conn)?
    {
        map.entry(issue).or_default().push(dept);
    }
    Ok(map)
}

pub fn set_co_departments(conn: &mut DbConn, issue_id: i64, ids: &[i64]) -> QueryResult<()> {
    diesel::delete(issue_co_departments::table.filter(issue_co_departments::issue_id.eq(issue_id)))
        .execute(conn)?;
    for d in ids {
        diesel::insert_into(issue_co_departments::table)
            .values((
                issue_co_departments::issue_id.eq(issue_id),
                issue_co_departments::department_id.eq(*d),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub struct NewRating<'a> {
    pub issue_id: i64,
    pub answer_number: i32,
    pub rating: Rating,
    pub solved: bool,
    pub source: RatingSource,
    pub comment: Option<&'a str>,
    pub rated_by: i64,
    pub rated_at: NaiveDateTime,
}

/// Records a rating; the database holds one per answer (a second is a unique violation).
pub fn add_rating(conn: &mut DbConn, r: &NewRating) -> QueryResult<()> {
    diesel::insert_into(issue_ratings::table)
        .values((
            issue_ratings::issue_id.eq(r.issue_id),
            issue_ratings::answer_number.eq(r.answer_number),
            issue_ratings::rating.eq(r.rating),
            issue_ratings::solved.eq(Some(r.solved)),
            issue_ratings::source.eq(r.source),
            issue_ratings::comment.eq(r.comment),
            issue_ratings::rated_by.eq(r.rated_by),
            issue_ratings::rated_at.eq(r.rated_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// Appends to the timeline. There is no function that changes or removes an event.
pub fn add_event(
    conn: &mut DbConn,
    issue_id: i64,
    action: EventKind,
    actor_id: i64,
    actor_role: &str,
    details: &serde_json::Value,
    at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(issue_events::table)
        .values((
            issue_events::issue_id.eq(issue_id),
            issue_events::action.eq(action),
            issue_events::actor_id.eq(actor_id),
            issue_events::actor_role.eq(actor_role),
            issue_events::at.eq(at),
            issue_events::details.eq(details.to_string()),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn events(conn: &mut DbConn, issue_id: i64) -> QueryResult<Vec<EventRow>> {
    issue_events::table
        .filter(issue_events::issue_id.eq(issue_id))
        .select(EventRow::as_select())
        .order(issue_events::id)
        .load(conn)
}

// ---- extensions ----

pub fn extensions(conn: &mut DbConn, issue_id: i64) -> QueryResult<Vec<ExtensionRow>> {
    issue_extensions::table
        .filter(issue_extensions::issue_id.eq(issue_id))
        .select(ExtensionRow::as_select())
        .order(issue_extensions::id)
        .load(conn)
}

pub fn get_extension(
    conn: &mut DbConn,
    issue_id: i64,
    id: i64,
) -> QueryResult<Option<ExtensionRow>> {
    issue_extensions::table
        .filter(issue_extensions::id.eq(id))
        .filter(issue_extensions::issue_id.eq(issue_id))
        .select(ExtensionRow::as_select())
        .load(conn)
        .map(super::one_of)
}

pub fn pending_extensions(conn: &mut DbConn, issue_id: i64) -> QueryResult<i64> {
    issue_extensions::table
        .filter(issue_extensions::issue_id.eq(issue_id))
        .filter(issue_extensions::status.eq(ExtensionStatus::Pending))
        .count()
        .get_result(conn)
}

pub struct NewExtension<'a> {
    pub issue_id: i64,
    pub department_id: i64,
    pub new_due_on: NaiveDate,
    pub reason: &'a str,
    pub requested_by: i64,
    pub requested_at: NaiveDateTime,
}

pub fn add_extension(conn: &mut DbConn, e: &NewExtension) -> QueryResult<ExtensionRow> {
    let id: i64 = diesel::insert_into(issue_extensions::table)
        .values((
            issue_extensions::issue_id.eq(e.issue_id),
            issue_extensions::department_id.eq(e.department_id),
            issue_extensions::new_due_on.eq(e.new_due_on),
            issue_extensions::reason.eq(e.reason),
            issue_extensions::status.eq(ExtensionStatus::Pending),
            issue_extensions::requested_by.eq(e.requested_by),
            issue_extensions::requested_at.eq(e.requested_at),
        ))
        .returning(issue_extensions::id)
        .get_result(conn)?;
    issue_extensions::table
        .find(id)
        .select(ExtensionRow::as_select())
        .first(conn)
}

/// Settles a pending request; false when it was no longer pending.
pub fn decide_extension(
    conn: &mut DbConn,
    id: i64,
    status: ExtensionStatus,
    by: i64,
    at: NaiveDateTime,
    note: Option<&str>,
) -> QueryResult<bool> {
    let n = diesel::update(
        issue_extensions::table
            .filter(issue_extensions::id.eq(id))
            .filter(issue_extensions::status.eq(ExtensionStatus::Pending)),
    )
    .set((
        issue_extensions::status.eq(status),
        issue_extensions::decided_by.eq(by),
        issue_extensions::decided_at.eq(at),
        issue_extensions::note.eq(note),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Refuses whatever is pending (the issue left the department that asked).
pub fn drop_pending_extensions(
    conn: &mut DbConn,
    issue_id: i64,
    by: i64,
    at: NaiveDateTime,
    note: &str,
) -> QueryResult<usize> {
    diesel::update(
        issue_extensions::table
            .filter(issue_extensions::issue_id.eq(issue_id))
            .filter(issue_extensions::status.eq(ExtensionStatus::Pending)),
    )
    .set((
        issue_extensions::status.eq(ExtensionStatus::Refused),
        issue_extensions::decided_by.eq(by),
        issue_extensions::decided_at.eq(at),
        issue_extensions::note.eq(note),
    ))
    .execute(conn)
}

// ---- idempotency ----

/// The stored request and response for a user's key, if the key was used before.
pub fn idempotent(
    conn: &mut DbConn,
    user_id: i64,
    key: &str,
) -> QueryResult<Option<(String, String, i64)>> {
    idempotency_keys::table
        .find((user_id, key))
        .select((
            idempotency_keys::request,
            idempotency_keys::response,
            idempotency_keys::issue_id,
        ))
        .load(conn)
        .map(super::one_of)
}

pub fn remember(
    conn: &mut DbConn,
    user_id: i64,
    key: &str,
    request: &str,
    response: &str,
    issue_id: i64,
    at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(idempotency_keys::table)
        .values((
            idempotency_keys::user_id.eq(user_id),
            idempotency_keys::key.eq(key),
            idempotency_keys::request.eq(request),
            idempotency_keys::response.eq(response),
            idempotency_keys::issue_id.eq(issue_id),
            idempotency_keys::created_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

// ---- lists ----

pub fn list(
    conn: &mut DbConn,
    scope: &Scope,
    f: &IssueFilter,
    sort: Sort,
    page: Page,
) -> QueryResult<(Vec<IssueRow>, i64)> {
    let query = || issues::table.filter(condition(scope, f)).into_boxed();
    let relevance = match sort {
        Sort::Relevance => f.q.as_deref().and_then(super::filter::search_expression),
        _ => None,
    };
    if let Some(e) = relevance {
        return ranked(conn, scope, f, &e, page);
    }
    let total = count(conn, scope, f)?;
    let ordered = match sort {
        Sort::Relevance | Sort::CreatedDesc => {
            query().order((issues::created_at.desc(), issues::id.desc()))
        }
        Sort::CreatedAsc => query().order((issues::created_at.asc(), issues::id.asc())),
        // Issues without a due date come last either way, on both backends.
        Sort::DueAsc => query().order((
            issues::due_on.is_null().asc(),
            issues::due_on.asc(),
            issues::id.asc(),
        )),
        Sort::DueDesc => query().order((
            issues::due_on.is_null().asc(),
            issues::due_on.desc(),
            issues::id.desc(),
        )),
    };
    let rows = ordered
        .select(IssueRow::as_select())
        .limit(page.per_page)
        .offset(page.offset())
        .load(conn)?;
    Ok((rows, total))
}

/// How many of a search's matches are ranked by relevance: its newest this many (in scope,
/// with every filter). Ranking every match of a common word (贷款 in 6% of a million issues)
/// and counting them took PostgreSQL over a second; the newest 2,000 are found in the index
/// (`newest_from_index`) or by reading the issues' key backwards, and ranked, in
/// milliseconds.
pub const RANKED: i64 = 2_000;

/// One of a search's newest matches: its id and when it was filed.
type Match = (i64, NaiveDateTime);

/// A search's newest matches and their ranks (the lowest the best).
type Ranked = (Vec<Match>, HashMap<i64, f64>);

/// A search's page by relevance among its newest `RANKED` matches, and how many of those
/// there are (`RANKED` when there are at least as many). The matches are read with their
/// ranks and put in order here (best rank, then newest); only the page's issues are then
/// loaded, in that order.
fn ranked(
    conn: &mut DbConn,
    scope: &Scope,
    f: &IssueFilter,
    expression: &str,
    page: Page,
) -> QueryResult<(Vec<IssueRow>, i64)> {
    let (mut found, ranks) = match newest_from_index(conn, scope, f, expression)? {
        Some(found) => found,
        None => {
            let found: Vec<Match> = issues::table
                .filter(condition(scope, f))
                .order(issues::id.desc())
                .select((issues::id, issues::created_at))
                .limit(RANKED)
                .load(conn)?;
            let ids: Vec<i64> = found.iter().map(|m| m.0).collect();
            let ranks = super::search::ranks(conn, expression, &ids)?;
            (found, ranks)
        }
    };
    let total = found.len() as i64;
    let rank = |m: &Match| ranks.get(&m.0).copied().unwrap_or(f64::INFINITY);
    found.sort_by(|a, b| {
        rank(a)
            .total_cmp(&rank(b))
            .then(b.1.cmp(&a.1))
            .then(b.0.cmp(&a.0))
    });
    let from = usize::try_from(page.offset()).unwrap_or(usize::MAX);
    let ids: Vec<i64> = found
        .iter()
        .skip(from)
        .take(usize::try_from(page.per_page).unwrap_or(0))
        .map(|m| m.0)
        .collect();
    let mut rows: HashMap<i64, IssueRow> = issues::table
        .filter(issues::id.eq_any(&ids))
        .select(IssueRow::as_select())
        .load::<IssueRow>(conn)?
        .into_iter()
        .map(|r| (r.id, r))
        .collect();
    Ok((ids.iter().filter_map(|id| rows.remove(id)).collect(), total))
}

/// The newest `RANKED` matches of a search by an administrator or in a region's scope,
/// with their ranks, found in the index first (narrowed to the regions' place words when
/// there are any, `filter::search_places`) and then checked against the scope and every
/// filter. None for another scope (a department's or an enterprise's is not in the index),
/// or when the checks left some out and the index holds more: the newest in scope may then
/// lie further back, and the one query over the issues answers.
fn newest_from_index(
    conn: &mut DbConn,
    scope: &Scope,
    f: &IssueFilter,
    expression: &str,
) -> QueryResult<Option<Ranked>> {
    if !matches!(scope, Scope::All | Scope::Region(_)) {
        return Ok(None);
    }
    let places = super::filter::search_places(scope, f);
    let found = if places.is_empty() {
        super::search::newest(conn, expression, expression, RANKED, false)?
    } else {
        let placed = super::search::placed(expression, &places);
        super::search::newest(conn, &placed, expression, RANKED, true)?
    };
    let ids: Vec<i64> = found.iter().map(|r| r.0).collect();
    let rest = IssueFilter {
        q: None,
        ..f.clone()
    };
    let kept: Vec<Match> = issues::table
        .filter(condition(scope, &rest))
        .filter(issues::id.eq_any(&ids))
        .select((issues::id, issues::created_at))
        .load(conn)?;
    let complete = kept.len() == found.len() || (found.len() as i64) < RANKED;
    Ok(complete.then(|| (kept, found.into_iter().collect())))
}

/// The next `limit` issues after `after_id` (by id), for walking a large result in pages
/// without holding it all (the ledger export).
pub fn page_after(
    conn: &mut DbConn,
    scope: &Scope,
    f: &IssueFilter,
    after_id: i64,
    limit: i64,
) -> QueryResult<Vec<IssueRow>> {
    issues::table
        .filter(condition(scope, f))
        .filter(issues::id.gt(after_id))
        .order(issues::id.asc())
        .limit(limit)
        .select(IssueRow::as_select())
        .load(conn)
}

/// Names for the ledger: enterprises (name, credit code), departments, and forums
/// (`第N期 region`), for the ids given.
pub struct LedgerNames {
    pub enterprises: HashMap<i64, (String, String)>,
    pub departments: HashMap<i64, String>,
    pub forums: HashMap<i64, (i32, String)>,
    pub regions: HashMap<i64, String>,
    /// Per issue: whether its latest rating says solved, and who gave it.
    pub ratings: HashMap<i64, (Option<bool>, String)>,
    /// Per issue: its latest closing or rating event (when, what, the details).
    pub endings: HashMap<i64, (NaiveDateTime, String, String)>,
    /// Per issue: how many files it carries, and how many of them its answer (withdrawn
    /// ones not counted).
    pub files: HashMap<i64, (i64, i64)>,
}

/// The names a page of issues shows for its ids (the ledger's facts come from `ledger_facts`).
/// Departments are named as they were on `day` (today's names when `None`).
pub fn ledger_names(
    conn: &mut DbConn,
    enterprise_ids: &[i64],
    department_ids: &[i64],
    forum_ids: &[i64],
    day: Option<NaiveDate>,
) -> QueryResult<LedgerNames> {
    use super::schema::{editions, enterprises, regions};
    let enterprises = enterprises::table
        .filter(enterprises::id.eq_any(enterprise_ids))
        .select((enterprises::id, enterprises::name, enterprises::credit_code))
        .load::<(i64, String, String)>(conn)?
        .into_iter()
        .map(|(id, n, c)| (id, (n, c)))
        .collect();
    let departments = super::departments::names_on(conn, department_ids, day)?
        .into_iter()
        .map(|(id, (name, _))| (id, name))
        .collect();
    let forums = forums::table
        .inner_join(editions::table)
        .inner_join(regions::table)
        .filter(forums::id.eq_any(forum_ids))
        .select((forums::id, editions::number, regions::name))
        .load::<(i64, i32, String)>(conn)?
        .into_iter()
        .map(|(id, n, r)| (id, (n, r)))
        .collect();
    Ok(LedgerNames {
        enterprises,
        departments,
        forums,
        regions: HashMap::new(),
        ratings: HashMap::new(),
        endings: HashMap::new(),
        files: HashMap::new(),
    })
}

/// What a page of the ledger shows beside the issues' own columns: region names, the
/// latest rating's 是否解决 and source, the latest closing or rating event.
pub fn ledger_facts(
    conn: &mut DbConn,
    names: &mut LedgerNames,
    issue_ids: &[i64],
    region_ids: &[i64],
) -> QueryResult<()> {
    use super::schema::{attachments, issue_events, issue_ratings, regions};
    names.regions = regions::table
        .filter(regions::id.eq_any(region_ids))
        .select((regions::id, regions::name))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect();
    // In id order, so the last one read per issue is its latest.
    names.ratings = issue_ratings::table
        .filter(issue_ratings::issue_id.eq_any(issue_ids))
        .order(issue_ratings::id)
        .select((
            issue_ratings::issue_id,
            issue_ratings::solved,
            issue_ratings::source,
        ))
        .load::<(i64, Option<bool>, String)>(conn)?
        .into_iter()
        .map(|(id, solved, source)| (id, (solved, source)))
        .collect();
    names.endings = issue_events::table
        .filter(issue_events::issue_id.eq_any(issue_ids))
        .filter(issue_events::action.eq_any([EventKind::Closed, EventKind::Rated]))
        .order(issue_events::id)
        .select((
            issue_events::issue_id,
            issue_events::at,
            issue_events::action,
            issue_events::details,
        ))
        .load::<(i64, NaiveDateTime, String, String)>(conn)?
        .into_iter()
        .map(|(id, at, action, details)| (id, (at, action, details)))
        .collect();
    names.files = HashMap::new();
    let counts = attachments::table
        .filter(attachments::issue_id.eq_any(issue_ids))
        .filter(attachments::withdrawn_at.is_null())
        .group_by((attachments::issue_id, attachments::with_answer))
        .select((
            attachments::issue_id,
            attachments::with_answer,
            diesel::dsl::count_star(),
        ))
        .load::<(Option<i64>, bool, i64)>(conn)?;
    for (id, with_answer, n) in counts {
        let Some(id) = id else { continue };
        let e = names.files.entry(id).or_default();
        e.0 += n;
        if with_answer {
            e.1 += n;
        }
    }
    Ok(())
}

/// How many issues in scope match a filter. Every issue, when nothing selects among them:
/// then asked with no condition at all, which SQLite answers from the pages of its smallest
/// index (0.3 ms at 200,000 issues) where any condition reads every row (3 ms).
pub fn count(conn: &mut DbConn, scope: &Scope, f: &IssueFilter) -> QueryResult<i64> {
    let every = IssueFilter {
        lead_only: f.lead_only,
        activity: f.activity,
        ..IssueFilter::default()
    };
    if matches!(scope, Scope::All) && *f == every {
        return issues::table.count().get_result(conn);
    }
    issues::table
        .filter(condition(scope, f))
        .count()
        .get_result(conn)
}

/// The departments that have led issues of a category, most often first.
pub fn usual_leads(conn: &mut DbConn, category: Category) -> QueryResult<Vec<i64>> {
    use diesel::dsl::count_star;
    let rows: Vec<(Option<i64>, i64)> = issues::table
        .filter(issues::category.eq(category))
        .filter(issues::lead_department_id.is_not_null())
        .group_by(issues::lead_department_id)
        .select((issues::lead_department_id, count_star()))
        .order(count_star().desc())
        .limit(12)
        .load(conn)?;
    Ok(rows.into_iter().filter_map(|(d, _)| d).collect())
}

/// Issues a department holds whose due date is on or before `until` (due soon or
/// overdue), by due date.
pub fn open_with_due(conn: &mut DbConn, until: NaiveDate) -> QueryResult<Vec<IssueRow>> {
    issues::table
        .filter(issues::status.eq_any(State::HANDLED))
        .filter(issues::due_on.le(until))
        .order((issues::due_on, issues::id))
        .select(IssueRow::as_select())
        .load(conn)
}

/// Issues assigned and not yet signed for, with the time of their latest (re)assignment.
pub fn waiting_for_sign(conn: &mut DbConn) -> QueryResult<Vec<(IssueRow, NaiveDateTime)>> {
    let rows: Vec<IssueRow> = issues::table
        .filter(issues::status.eq(State::Assigned))
        .order(issues::id)
        .select(IssueRow::as_select())
        .load(conn)?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut at: HashMap<i64, NaiveDateTime> = HashMap::new();
    for chunk in ids.chunks(500) {
        let found: Vec<(i64, Option<NaiveDateTime>)> = issue_events::table
            .filter(issue_events::issue_id.eq_any(chunk))
            .filter(issue_events::action.eq_any([EventKind::Assigned, EventKind::Reassigned]))
            .group_by(issue_events::issue_id)
            .select((issue_events::issue_id, diesel::dsl::max(issue_events::at)))
            .load(conn)?;
        at.extend(found.into_iter().filter_map(|(i, t)| Some((i, t?))));
    }
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            let t = *at.get(&r.id)?;
            Some((r, t))
        })
        .collect())
}

/// Issues answered and waiting for their rating.
pub fn waiting_for_rating(conn: &mut DbConn) -> QueryResult<Vec<IssueRow>> {
    issues::table
        .filter(issues::status.eq(State::Answered))
        .order(issues::id)
        .select(IssueRow::as_select())
        .load(conn)
}

/// A week of a region, for a leader's digest.
#[derive(Clone, Copy, Debug, Default)]
pub struct Week {
    pub collected: i64,
    pub answered: i64,
    pub overdue: i64,
    pub supervised: i64,
}

/// Issues of a region collected and answered in [from, to), and overdue and under
/// supervision on `today`.
pub fn week_counts(
    conn: &mut DbConn,
    path: &str,
    from: NaiveDateTime,
    to: NaiveDateTime,
    today: NaiveDate,
) -> QueryResult<Week> {
    let region = || {
        issues::table
            .filter(issues::region_id.eq_any(scope::regions_under(path)))
            .into_boxed()
    };
    Ok(Week {
        collected: region()
            .filter(issues::status.ne(State::Withdrawn))
            .filter(issues::created_at.ge(from).and(issues::created_at.lt(to)))
            .count()
            .get_result(conn)?,
        answered: region()
            .filter(issues::answered_at.ge(from).and(issues::answered_at.lt(to)))
            .count()
            .get_result(conn)?,
        overdue: region()
            .filter(overdue_on(today))
            .count()
            .get_result(conn)?,
        supervised: region()
            .filter(under_supervision())
            .count()
            .get_result(conn)?,
    })
}

/// Issues per state, the whole database (for `/metrics`).
pub fn count_by_state(conn: &mut DbConn) -> QueryResult<Vec<(State, i64)>> {
    issues::table
        .group_by(issues::status)
        .select((issues::status, diesel::dsl::count_star()))
        .load(conn)
}

/// Issues overdue on `today`, the whole database (for `/metrics`).
pub fn count_overdue(conn: &mut DbConn, today: NaiveDate) -> QueryResult<i64> {
    issues::table
        .filter(overdue_on(today))
        .count()
        .get_result(conn)
}
