//! The issues as they stood at any moment: every write of an issue closes the version in
//! force and records the new one (`record`, in the write's transaction), and a figure of a
//! period that is over reads the versions in force at the end of its last day (`AsAt`)
//! instead of the issues as they are now. The timeline says what happened; this says what
//! state it left, so that "still open", "overdue", "rated", "reopened" and the lead
//! department are judged as at the period's end, and a period's figures never move once it
//! is over.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::{BigInt, Timestamp};

use crate::db::{DbConn, MultiBackend};

/// The columns of an issue a version keeps: every column a figure, a filter or a scope
/// reads (not the texts).
const COLUMNS: &str = "status, category, channel, enterprise_id, region_id, forum_id, \
     lead_department_id, due_on, resolved_on_site, supervision, reopen_count, return_count, \
     dissatisfied_count, urge_count, supervise_count, answered_at, first_answered_at, \
     answered_on_time, working_days_to_answer, rating, solved, rated_at, assigned_at, filed_on, \
     handler_id, not_actionable, charged_setback";

/// Where a statement binds the moment, then the issue (`\0` … `\0`, in that order).
const MARK: char = '\u{0}';

/// Records the issue's state as written at `at`: the version in force ends, the issue's
/// row as it is now begins. Called by every write of an issue, after it, in its
/// transaction.
pub fn record(conn: &mut DbConn, issue_id: i64, at: NaiveDateTime) -> QueryResult<()> {
    static INSERT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let insert = crate::store::fixed::once(&INSERT, || {
        format!(
            "INSERT INTO issue_history (issue_id, version, valid_from, valid_to, {COLUMNS}) \
             SELECT id, version, {MARK}at{MARK}, NULL, {COLUMNS} FROM issues WHERE id = {MARK}id{MARK}"
        )
    });
    let close = "UPDATE issue_history SET valid_to = \u{0}at\u{0} \
                 WHERE issue_id = \u{0}id\u{0} AND valid_to IS NULL";
    for text in [close, insert] {
        diesel::RunQueryDsl::execute(AtForIssue { text, at, issue_id }, conn)?;
    }
    Ok(())
}

/// A statement of fixed text binding a moment and an issue where it is marked.
#[derive(Debug, Clone, Copy)]
struct AtForIssue {
    text: &'static str,
    at: NaiveDateTime,
    issue_id: i64,
}

impl QueryId for AtForIssue {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl QueryFragment<MultiBackend> for AtForIssue {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, MultiBackend>) -> QueryResult<()> {
        // Text, marker name, text, marker name …: the names say what to bind.
        for (i, part) in self.text.split(MARK).enumerate() {
            match (i % 2, part) {
                (0, text) => out.push_sql(text),
                (_, "at") => out.push_bind_param::<Timestamp, _>(&self.at)?,
                (_, "id") => out.push_bind_param::<BigInt, _>(&self.issue_id)?,
                (_, other) => {
                    return Err(diesel::result::Error::QueryBuilderError(
                        format!("unknown mark {other}").into(),
                    ))
                }
            }
        }
        Ok(())
    }
}

impl<C> RunQueryDsl<C> for AtForIssue {}

/// A query over `issues` read as the issues stood at `at` (exclusive: the versions written
/// before it and still in force at it): a common table expression named `issues` stands in
/// for the table, so every condition, measure and scope written over `issues` reads the
/// versions unchanged. `at` none: the issues as they are.
pub struct AsAt<Q> {
    pub at: Option<NaiveDateTime>,
    pub query: Q,
}

impl<Q> QueryId for AsAt<Q> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q: Query> Query for AsAt<Q> {
    type SqlType = Q::SqlType;
}

impl<Q: QueryFragment<MultiBackend>> QueryFragment<MultiBackend> for AsAt<Q> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, MultiBackend>) -> QueryResult<()> {
        if let Some(at) = &self.at {
            // NOT MATERIALIZED: a query naming `issues` twice (a grouping key read from the
            // issue, beside the filter) would otherwise have PostgreSQL copy every version in
            // force rather than look up the few issues the filter finds (17 ms to 5 ms).
            static HEAD: std::sync::OnceLock<String> = std::sync::OnceLock::new();
            let head = HEAD.get_or_init(|| {
                format!("WITH issues AS NOT MATERIALIZED (SELECT issue_id AS id, {COLUMNS} FROM issue_history WHERE valid_from < ")
            });
            out.push_sql(head);
            out.push_bind_param::<Timestamp, _>(at)?;
            out.push_sql(" AND (valid_to IS NULL OR valid_to >= ");
            out.push_bind_param::<Timestamp, _>(at)?;
            out.push_sql(")) ");
        }
        self.query.walk_ast(out.reborrow())
    }
}

impl<Q, C> RunQueryDsl<C> for AsAt<Q> {}

/// Starts the issues' history again from each one's filing, with its state as it is now:
/// what the migration that introduced the history did for the issues written before it,
/// and what rows changed outside the service (a bulk correction) need. One issue, or all.
pub fn restart(conn: &mut DbConn, issue_id: Option<i64>) -> QueryResult<()> {
    let only = |column: &str| match issue_id {
        Some(id) => format!(" WHERE {column} = {id}"),
        None => String::new(),
    };
    diesel::sql_query(format!("DELETE FROM issue_history{}", only("issue_id"))).execute(conn)?;
    diesel::sql_query(format!(
        "INSERT INTO issue_history (issue_id, version, valid_from, valid_to, {COLUMNS}) \
         SELECT id, version, created_at, NULL, {COLUMNS} FROM issues{}",
        only("id")
    ))
    .execute(conn)?;
    Ok(())
}
