//! The figures read: counts over issues, forums and attendance, aggregated by the database
//! in a handful of grouped queries with conditional sums, from the kept sums (`kept`) when
//! they can answer and from the issues themselves when they cannot. Nothing here loads
//! issues into Rust. The measures summed are declared once in `measures`.

mod assignments;
mod forums;
mod trend;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text};

use super::filter::{condition, overdue_on, IssueFilter};
use super::history::AsAt;
use super::measures::{self, CountsRow, CountsSql};
pub use super::measures::{AssignmentCounts, Counts, Overdue};
use super::schema::{assignment_rollup, issue_rollup, issues};
use super::scope::{self, Filter, Scope};
use crate::db::DbConn;
use crate::domain::issue::Category;
pub use assignments::{assignment_counts, assignment_counts_from_rows, AssignmentGroup};
pub use forums::{forum_counts, ForumCounts};
pub use trend::{trend, trend_bucket, Granularity, TrendBucket};

/// A trend's rows over kept rows by day, on SQLite: `days` sums the kept rows of each day
/// (in the table's own order, with no sort), and around it the days are added up into the
/// trend's buckets, so a bucket is worked out once a day rather than once a kept row (at
/// 56,000 kept rows, 26 ms instead of 48). PostgreSQL groups the rows by bucket faster in
/// one hash aggregate (25 ms against 35 ms in two steps), and does.
struct ByBucket<Q, ST> {
    days: Q,
    bucket: TrendBucket,
    sums: &'static str,
    sql_type: std::marker::PhantomData<ST>,
}

impl<Q, ST> ByBucket<Q, ST> {
    fn new(days: Q, bucket: TrendBucket, sums: &'static str) -> Self {
        ByBucket {
            days,
            bucket,
            sums,
            sql_type: std::marker::PhantomData,
        }
    }
}

impl<Q, ST> diesel::query_builder::QueryId for ByBucket<Q, ST> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q, ST: 'static> diesel::query_builder::Query for ByBucket<Q, ST> {
    type SqlType = (Nullable<Text>, ST);
}

impl<Q, ST> diesel::query_builder::QueryFragment<crate::db::MultiBackend> for ByBucket<Q, ST>
where
    Q: diesel::query_builder::QueryFragment<crate::db::MultiBackend>,
{
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, crate::db::MultiBackend>,
    ) -> QueryResult<()> {
        out.push_sql("SELECT ");
        out.push_sql(self.bucket.label);
        out.push_sql(", ");
        out.push_sql(self.sums);
        out.push_sql(" FROM (");
        self.days.walk_ast(out.reborrow())?;
        out.push_sql(") AS days GROUP BY ");
        out.push_sql(self.bucket.group);
        out.push_sql(" ORDER BY ");
        out.push_sql(self.bucket.group);
        Ok(())
    }
}

impl<Q, ST, C> diesel::RunQueryDsl<C> for ByBucket<Q, ST> {}

/// The moment the figures of a filter judge the issues' state at: on the activity basis,
/// once the period is over, the end of its last day (the issues as they then stood, from
/// `issue_history`); else now (`None`: the issues as they are).
pub fn as_at(f: &IssueFilter) -> Option<NaiveDateTime> {
    if !f.activity {
        return None;
    }
    let end = crate::domain::time::start_of(f.to?.succ_opt()?);
    (end <= super::now()).then_some(end)
}

/// The day "overdue" is judged on: the day after the period on the activity basis once it
/// is over (due in it and not answered by its last day), else `today`.
fn judged_on(f: &IssueFilter, today: NaiveDate) -> NaiveDate {
    match (as_at(f), f.to) {
        (Some(_), Some(to)) => to.succ_opt().unwrap_or(to),
        _ => today,
    }
}

/// A query over the issues as the filter judges them (`as_at`).
fn judged<Q>(f: &IssueFilter, query: Q) -> AsAt<Q> {
    AsAt {
        at: as_at(f),
        query,
    }
}

/// The overdue counts of a filter's issues: all, and those not among its answered.
fn overdue_sums(f: &IssueFilter) -> diesel::expression::SqlLiteral<(BigInt, BigInt)> {
    sql(&format!(
        "COUNT(*), CAST(COALESCE(SUM(CASE WHEN {} THEN 0 ELSE 1 END), 0) AS BIGINT)",
        measures::answered_sql(f.activity, f.period())
    ))
}

/// A row of sums read with a filter, knowing its basis.
fn read(f: &IssueFilter, r: CountsRow) -> Counts {
    Counts {
        activity: f.activity,
        ..r.into()
    }
}

/// The condition on issues the figures are over: in scope (a department's figures are
/// those it leads), filtered, withdrawn ones excluded.
/// On the activity basis the period picks events, not issues: every issue in scope
/// matching the other filters is looked at.
fn issues_in(scope: &Scope, f: &IssueFilter) -> Filter<issues::table> {
    let mut f = IssueFilter {
        hide_withdrawn: true,
        lead_only: true,
        ..f.clone()
    };
    if !f.activity {
        return condition(scope, &f);
    }
    let active = measures::active_in(f.period());
    f.from = None;
    f.to = None;
    Box::new(condition(scope, &f).and(sql::<diesel::sql_types::Bool>(&active)))
}

/// The sums of the measures over the issues of a filter, on its basis.
fn sums_sql(f: &IssueFilter) -> diesel::expression::SqlLiteral<CountsSql> {
    if f.activity {
        measures::activity_sums(f.period())
    } else {
        measures::filed_sums()
    }
}

/// Whether the kept sums can answer: the filed basis, with no edition, forum or other
/// condition they do not keep (a period on the filed basis is a range of filing days,
/// which they keep).
fn kept(f: &IssueFilter) -> bool {
    !f.activity
        && f.edition_id.is_none()
        && f.forum_id.is_none()
        && f.status.is_none()
        && f.enterprise_id.is_none()
        && f.overdue_on.is_none()
        && f.q.is_none()
}

/// The condition on the kept rows of `$table` for a scope and a filter the kept sums
/// answer; `$department` is the column a department's scope and filter select by.
macro_rules! kept_rows_in {
    ($table:ident, $department:ident, $scope:expr, $f:expr) => {{
        let f: &IssueFilter = $f;
        let mut cond: Filter<$table::table> = kept_rows_in!(@any_day $table, $department, $scope, f);
        if let Some(from) = f.from {
            cond = Box::new(cond.and($table::filed_on.ge(from)));
        }
        if let Some(to) = f.to {
            cond = Box::new(cond.and($table::filed_on.le(to)));
        }
        cond
    }};
    (@any_day $table:ident, $department:ident, $scope:expr, $f:expr) => {{
        let (scope, f): (&Scope, &IssueFilter) = ($scope, $f);
        let mut cond: Filter<$table::table> = match scope {
            Scope::All => Box::new(sql::<diesel::sql_types::Bool>("1 = 1")),
            Scope::Region(path) => Box::new($table::region_id.eq_any(scope::regions_under(path))),
            Scope::Department(d) => Box::new($table::$department.eq(*d)),
            // Enterprises read no figures; should one get here, it sees nothing.
            Scope::Enterprise(_) => Box::new($table::region_id.eq(-1)),
        };
        if let Some(path) = &f.region_path {
            cond = Box::new(cond.and($table::region_id.eq_any(scope::regions_under(path))));
        }
        if let Some(d) = f.department_id {
            cond = Box::new(cond.and($table::$department.eq(d)));
        }
        if let Some(c) = f.category {
            cond = Box::new(cond.and($table::category.eq(c)));
        }
        if let Some(c) = f.channel {
            cond = Box::new(cond.and($table::channel.eq(c)));
        }
        cond
    }};
}

/// Runs `$body` over the kept rows that answer a filter the kept sums answer: the all-time
/// rows when it has no period, else the rows by day; `$t` names the table's module and
/// `$cond` the condition on its rows.
macro_rules! from_kept {
    ($scope:expr, $f:expr, $t:ident, $cond:ident => $body:expr) => {{
        let (scope, f): (&Scope, &IssueFilter) = ($scope, $f);
        if f.from.is_none() && f.to.is_none() {
            use super::schema::issue_totals as $t;
            let $cond: Filter<$t::table> = kept_rows_in!(@any_day $t, lead_department_id, scope, f);
            $body
        } else {
            use super::schema::issue_rollup as $t;
            let $cond = rollup_in(scope, f);
            $body
        }
    }};
}

/// The condition on rollup rows matching `issues_in` for a filter the kept sums answer (a
/// department: the issues it leads).
fn rollup_in(scope: &Scope, f: &IssueFilter) -> Filter<issue_rollup::table> {
    kept_rows_in!(issue_rollup, lead_department_id, scope, f)
}

/// The condition on kept assignment rows matching `assignment_counts`'s rows for a filter
/// the kept sums answer: the issue's scope and filters, and the department assigned (the
/// caller's, and the filter's).
fn assignment_rollup_in(scope: &Scope, f: &IssueFilter) -> Filter<assignment_rollup::table> {
    kept_rows_in!(assignment_rollup, department_id, scope, f)
}

pub fn counts(conn: &mut DbConn, scope: &Scope, f: &IssueFilter) -> QueryResult<Counts> {
    if !kept(f) {
        return counts_from_issues(conn, scope, f);
    }
    let row: CountsRow = from_kept!(scope, f, t, cond => t::table
        .filter(cond)
        .select(measures::kept_sums_sql())
        .first(conn)?);
    Ok(row.into())
}

/// The same counts, always from the issues themselves.
pub fn counts_from_issues(
    conn: &mut DbConn,
    scope: &Scope,
    f: &IssueFilter,
) -> QueryResult<Counts> {
    let row: CountsRow = judged(
        f,
        issues::table
            .filter(issues_in(scope, f))
            .select(sums_sql(f)),
    )
    .get_result(conn)?;
    Ok(read(f, row))
}

/// On the activity basis, the overdue issues of a period are those whose due date fell in
/// it (and that are still open past it); on the filed basis the period already picked them.
fn due_in(f: &IssueFilter) -> Filter<issues::table> {
    if !f.activity {
        return Box::new(sql::<diesel::sql_types::Bool>("1 = 1"));
    }
    Box::new(sql::<diesel::sql_types::Bool>(&f.period().dated("due_on")))
}

/// Issues overdue on `today`: past the due date in force while assigned or in progress
/// (on the activity basis, due in the period and open at its end).
pub fn overdue(
    conn: &mut DbConn,
    scope: &Scope,
    f: &IssueFilter,
    today: NaiveDate,
) -> QueryResult<Overdue> {
    let (all, unanswered): (i64, i64) = judged(
        f,
        issues::table
            .filter(issues_in(scope, f))
            .filter(overdue_on(judged_on(f, today)))
            .filter(due_in(f))
            .select(overdue_sums(f)),
    )
    .get_result(conn)?;
    Ok(Overdue { all, unanswered })
}

/// Overdue issues, grouped by an SQL expression of the issue (`group`, the one a figure
/// groups its rows by), each group named by `label`, text of the grouped value.
pub fn overdue_by(
    conn: &mut DbConn,
    scope: &Scope,
    f: &IssueFilter,
    today: NaiveDate,
    (group, label): (&str, &str),
) -> QueryResult<std::collections::HashMap<String, Overdue>> {
    let rows: Vec<(Option<String>, (i64, i64))> = judged(
        f,
        issues::table
            .filter(issues_in(scope, f))
            .filter(overdue_on(judged_on(f, today)))
            .filter(due_in(f))
            .group_by(sql::<Nullable<Text>>(group))
            .select((sql::<Nullable<Text>>(label), overdue_sums(f))),
    )
    .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(k, (all, unanswered))| k.map(|k| (k, Overdue { all, unanswered })))
        .collect())
}

/// The first filing date among the issues of a figure (the start of an open-ended trend).
pub fn first_filing(
    conn: &mut DbConn,
    scope: &Scope,
    f: &IssueFilter,
) -> QueryResult<Option<NaiveDate>> {
    judged(
        f,
        issues::table
            .filter(issues_in(scope, f))
            .select(diesel::dsl::min(issues::filed_on)),
    )
    .get_result(conn)
}

/// Overdue issues, per lead department.
pub fn overdue_by_department(
    conn: &mut DbConn,
    scope: &Scope,
    f: &IssueFilter,
    today: NaiveDate,
) -> QueryResult<Vec<(i64, Overdue)>> {
    let rows: Vec<(Option<i64>, (i64, i64))> = judged(
        f,
        issues::table
            .filter(issues_in(scope, f))
            .filter(overdue_on(judged_on(f, today)))
            .filter(due_in(f))
            .filter(issues::lead_department_id.is_not_null())
            .group_by(issues::lead_department_id)
            .select((issues::lead_department_id, overdue_sums(f))),
    )
    .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(d, (all, unanswered))| d.map(|d| (d, Overdue { all, unanswered })))
        .collect())
}

/// Counts of the issues no department holds (never assigned, and not solved on the spot
/// by one): the line beside the ranking that makes its rows add up to the summary.
pub fn unassigned(conn: &mut DbConn, scope: &Scope, f: &IssueFilter) -> QueryResult<Counts> {
    if kept(f) {
        let row: CountsRow = from_kept!(scope, f, t, cond => t::table
            .filter(cond)
            .filter(t::lead_department_id.eq(0))
            .select(measures::kept_sums_sql())
            .first(conn)?);
        return Ok(row.into());
    }
    let row: CountsRow = judged(
        f,
        issues::table
            .filter(issues_in(scope, f))
            .filter(issues::lead_department_id.is_null())
            .select(sums_sql(f)),
    )
    .get_result(conn)?;
    Ok(read(f, row))
}

/// Counts per lead department (issues never assigned have none and are left out).
pub fn by_department(
    conn: &mut DbConn,
    scope: &Scope,
    f: &IssueFilter,
) -> QueryResult<Vec<(i64, Counts)>> {
    if kept(f) {
        let rows: Vec<(i64, CountsRow)> = from_kept!(scope, f, t, cond => t::table
            .filter(cond)
            .filter(t::lead_department_id.ne(0))
            .group_by(t::lead_department_id)
            .select((t::lead_department_id, measures::kept_sums_sql()))
            .load(conn)?);
        return Ok(rows.into_iter().map(|(d, c)| (d, c.into())).collect());
    }
    let rows: Vec<(Option<i64>, CountsRow)> = judged(
        f,
        issues::table
            .filter(issues_in(scope, f))
            .filter(issues::lead_department_id.is_not_null())
            .group_by(issues::lead_department_id)
            .select((issues::lead_department_id, sums_sql(f))),
    )
    .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(d, c)| d.map(|d| (d, read(f, c))))
        .collect())
}

pub fn by_region(
    conn: &mut DbConn,
    scope: &Scope,
    f: &IssueFilter,
) -> QueryResult<Vec<(i64, Counts)>> {
    let rows: Vec<(i64, CountsRow)> = if kept(f) {
        from_kept!(scope, f, t, cond => t::table
            .filter(cond)
            .group_by(t::region_id)
            .select((t::region_id, measures::kept_sums_sql()))
            .order(t::region_id)
            .load(conn)?)
    } else {
        judged(
            f,
            issues::table
                .filter(issues_in(scope, f))
                .group_by(issues::region_id)
                .select((issues::region_id, sums_sql(f)))
                .order(issues::region_id),
        )
        .load(conn)?
    };
    Ok(rows.into_iter().map(|(r, c)| (r, read(f, c))).collect())
}

pub fn by_category(
    conn: &mut DbConn,
    scope: &Scope,
    f: &IssueFilter,
) -> QueryResult<Vec<(Category, Counts)>> {
    let rows: Vec<(Category, CountsRow)> = if kept(f) {
        from_kept!(scope, f, t, cond => t::table
            .filter(cond)
            .group_by(t::category)
            .select((t::category, measures::kept_sums_sql()))
            .order(t::category)
            .load(conn)?)
    } else {
        judged(
            f,
            issues::table
                .filter(issues_in(scope, f))
                .group_by(issues::category)
                .select((issues::category, sums_sql(f)))
                .order(issues::category),
        )
        .load(conn)?
    };
    Ok(rows.into_iter().map(|(c, n)| (c, read(f, n))).collect())
}
