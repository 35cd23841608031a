//! The forum side of the figures: editions and forums held, attendances, enterprises.

use chrono::NaiveDate;
use diesel::dsl::{count_star, sql};
use diesel::prelude::*;
use diesel::sql_types::BigInt;

use crate::db::DbConn;
use crate::domain::forum::Status as ForumStatus;
use crate::store::filter::IssueFilter;
use crate::store::schema::{attendances, editions, forum_departments, forums};
use crate::store::scope::{self, Scope};

/// The forum side of the figures.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ForumCounts {
    /// Editions with at least one held forum.
    pub editions: i64,
    pub forums_held: i64,
    /// Attendance rows (人次) at held forums, and distinct enterprises among them.
    pub attendances: i64,
    pub enterprises: i64,
}

/// Held forums in scope whose edition falls in the period (a department: the forums it
/// attended). Forums number in the hundreds a year, so their ids are fetched and the
/// attendance is counted by the database over them.
pub fn forum_counts(conn: &mut DbConn, scope: &Scope, f: &IssueFilter) -> QueryResult<ForumCounts> {
    let first = f
        .from
        .or(NaiveDate::from_ymd_opt(1, 1, 1))
        .unwrap_or_default();
    let last =
        f.to.or(NaiveDate::from_ymd_opt(9999, 12, 31))
            .unwrap_or_default();
    let dated = editions::table
        .filter(editions::held_on.between(first, last))
        .select(editions::id);
    let mut q = forums::table
        .filter(scope::forums(scope))
        .filter(forums::status.eq(ForumStatus::Held))
        .filter(forums::edition_id.eq_any(dated))
        .into_boxed();
    if let Some(path) = &f.region_path {
        q = q.filter(forums::region_id.eq_any(scope::regions_under(path)));
    }
    if let Some(e) = f.edition_id {
        q = q.filter(forums::edition_id.eq(e));
    }
    if let Some(forum) = f.forum_id {
        q = q.filter(forums::id.eq(forum));
    }
    if let Some(d) = f.department_id {
        let attended = forum_departments::table
            .filter(forum_departments::department_id.eq(d))
            .select(forum_departments::forum_id);
        q = q.filter(forums::id.eq_any(attended));
    }
    let held: Vec<(i64, i64)> = q.select((forums::id, forums::edition_id)).load(conn)?;
    let ids: Vec<i64> = held.iter().map(|(f, _)| *f).collect();
    let mut editions: Vec<i64> = held.iter().map(|(_, e)| *e).collect();
    editions.sort_unstable();
    editions.dedup();
    // Chunks keep the bound parameters within every backend's limit.
    const CHUNK: usize = 5_000;
    let per_chunk = |conn: &mut DbConn, chunk: &[i64]| -> QueryResult<(i64, i64)> {
        attendances::table
            .filter(attendances::forum_id.eq_any(chunk))
            .select((count_star(), sql::<BigInt>("COUNT(DISTINCT enterprise_id)")))
            .first(conn)
    };
    let (attendances_n, enterprises_n) = if ids.len() <= CHUNK {
        per_chunk(conn, &ids)?
    } else {
        let mut n = 0;
        let mut seen = std::collections::BTreeSet::new();
        for chunk in ids.chunks(CHUNK) {
            n += per_chunk(conn, chunk)?.0;
            let ents: Vec<i64> = attendances::table
                .filter(attendances::forum_id.eq_any(chunk))
                .select(attendances::enterprise_id)
                .distinct()
                .load(conn)?;
            seen.extend(ents);
        }
        (n, seen.len() as i64)
    };
    Ok(ForumCounts {
        editions: editions.len() as i64,
        forums_held: ids.len() as i64,
        attendances: attendances_n,
        enterprises: enterprises_n,
    })
}
