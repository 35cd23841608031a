//! 交办记录: each assignment of an issue to a lead department, with when it had to be signed
//! for, when it was signed for and whether the department returned it. 及时签收率 and 退回率
//! are counted over these rows, charged to the department of the row.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{issue_assignments, issue_events};
use crate::db::DbConn;
use crate::domain::issue::EventKind;

/// Records a new assignment (call in the transaction that assigns).
pub fn open(
    conn: &mut DbConn,
    issue_id: i64,
    department_id: i64,
    at: NaiveDateTime,
    sign_deadline: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(issue_assignments::table)
        .values((
            issue_assignments::issue_id.eq(issue_id),
            issue_assignments::department_id.eq(department_id),
            issue_assignments::assigned_at.eq(at),
            issue_assignments::sign_deadline.eq(sign_deadline),
        ))
        .execute(conn)?;
    Ok(())
}

/// Whether `department_id` has returned the issue before (a setback charged to it should
/// the issue come back to it: `charged_setback`).
pub fn returned_by(conn: &mut DbConn, issue_id: i64, department_id: i64) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        issue_assignments::table
            .filter(issue_assignments::issue_id.eq(issue_id))
            .filter(issue_assignments::department_id.eq(department_id))
            .filter(issue_assignments::returned_at.is_not_null()),
    ))
    .get_result(conn)
}

/// The issue's current assignment (its latest).
fn latest(conn: &mut DbConn, issue_id: i64) -> QueryResult<Option<i64>> {
    issue_assignments::table
        .filter(issue_assignments::issue_id.eq(issue_id))
        .select(diesel::dsl::max(issue_assignments::id))
        .first(conn)
}

/// The department signed for (or a handler took over) the current assignment; the first
/// time counts.
pub fn signed(conn: &mut DbConn, issue_id: i64, at: NaiveDateTime) -> QueryResult<()> {
    if let Some(id) = latest(conn, issue_id)? {
        diesel::update(
            issue_assignments::table
                .filter(issue_assignments::id.eq(id))
                .filter(issue_assignments::signed_at.is_null()),
        )
        .set(issue_assignments::signed_at.eq(at))
        .execute(conn)?;
    }
    Ok(())
}

/// The department returned the current assignment.
pub fn returned(conn: &mut DbConn, issue_id: i64, at: NaiveDateTime) -> QueryResult<()> {
    if let Some(id) = latest(conn, issue_id)? {
        diesel::update(
            issue_assignments::table
                .filter(issue_assignments::id.eq(id))
                .filter(issue_assignments::returned_at.is_null()),
        )
        .set(issue_assignments::returned_at.eq(at))
        .execute(conn)?;
    }
    Ok(())
}

/// Whether the table is empty while the timeline holds assignments (a database whose
/// issues were assigned before the table existed).
pub fn needs_filling(conn: &mut DbConn) -> QueryResult<bool> {
    let any_row: Option<i64> = issue_assignments::table
        .select(issue_assignments::id)
        .first(conn)
        .optional()?;
    if any_row.is_some() {
        return Ok(false);
    }
    let any_event: Option<i64> = issue_events::table
        .filter(issue_events::action.eq_any([EventKind::Assigned, EventKind::Reassigned]))
        .select(issue_events::id)
        .first(conn)
        .optional()?;
    Ok(any_event.is_some())
}

/// A timeline event: id, issue, action, when, details.
pub type TimelineEvent = (i64, i64, EventKind, NaiveDateTime, String);

/// The timeline's events that make and end assignments, in order, after event id `after`,
/// at most `limit`.
pub fn timeline_after(
    conn: &mut DbConn,
    after: i64,
    limit: i64,
) -> QueryResult<Vec<TimelineEvent>> {
    issue_events::table
        .filter(issue_events::id.gt(after))
        .filter(issue_events::action.eq_any([
            EventKind::Assigned,
            EventKind::Reassigned,
            EventKind::Signed,
            EventKind::TakenOver,
            EventKind::Returned,
        ]))
        .order(issue_events::id)
        .limit(limit)
        .select((
            issue_events::id,
            issue_events::issue_id,
            issue_events::action,
            issue_events::at,
            issue_events::details,
        ))
        .load(conn)
}
