//! The assignment counts of the figures (交办次数, 及时签收, 退回), charged to the department
//! assigned: from the kept counts when they can answer, else from the assignment rows.

use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text};

use super::{assignment_rollup_in, issues_in, judged, kept, ByBucket, TrendBucket};
use crate::db::DbConn;
use crate::store::filter::IssueFilter;
use crate::store::measures::{AssignmentCounts, Period, SIGNED_IN_TIME};
use crate::store::schema::{assignment_rollup, issue_assignments, issues};
use crate::store::scope::{self, Filter, Scope};

/// What a figure groups its assignment counts by.
#[derive(Clone, Copy, Debug)]
pub enum AssignmentGroup {
    /// The department assigned.
    Department,
    /// The issue's region.
    Region,
    /// The issue's category.
    Category,
    /// A trend's bucket of the issue's day of filing (`trend_bucket`).
    Bucket(TrendBucket),
}

impl AssignmentGroup {
    /// The key as text, over kept assignment rows.
    fn kept_sql(&self) -> String {
        match self {
            Self::Department => "CAST(department_id AS TEXT)".into(),
            Self::Region => "CAST(region_id AS TEXT)".into(),
            Self::Category => "category".into(),
            Self::Bucket(b) => b.label.to_owned(),
        }
    }

    /// The key as text, over `issue_assignments` rows, read from each row's issue.
    fn counted_sql(&self) -> String {
        let of_issue =
            |e: &str| format!("(SELECT {e} FROM issues i WHERE i.id = issue_assignments.issue_id)");
        match self {
            Self::Department => "CAST(department_id AS TEXT)".into(),
            Self::Region => of_issue("CAST(i.region_id AS TEXT)"),
            Self::Category => of_issue("i.category"),
            Self::Bucket(b) => of_issue(b.label),
        }
    }
}

/// The kept assignment counts added up.
const KEPT_ASSIGNMENT_SUMS: &str = "CAST(COALESCE(SUM(assignments), 0) AS BIGINT), \
     CAST(COALESCE(SUM(signed_on_time), 0) AS BIGINT), \
     CAST(COALESCE(SUM(returns), 0) AS BIGINT)";

/// The assignment counts of a figure, in one total (`group` none) or by group (the key
/// read as text). Filed basis: every assignment of the issues filed in the period, from
/// the kept counts when they can answer; activity basis: the assignments made in it (and
/// whether each was signed in time), and the returns made in it. A department (the caller
/// or a filter) is charged with the assignments it received, whoever holds the issue now.
pub fn assignment_counts(
    conn: &mut DbConn,
    scope: &Scope,
    f: &IssueFilter,
    group: Option<AssignmentGroup>,
) -> QueryResult<Vec<(Option<String>, AssignmentCounts)>> {
    if kept(f) {
        let sums = sql::<(BigInt, BigInt, BigInt)>(KEPT_ASSIGNMENT_SUMS);
        let rows: Vec<(Option<String>, (i64, i64, i64))> = match group {
            None => {
                let n = assignment_rollup::table
                    .filter(assignment_rollup_in(scope, f))
                    .select(sums)
                    .first(conn)?;
                vec![(None, n)]
            }
            Some(AssignmentGroup::Bucket(bucket)) if matches!(conn, DbConn::Sqlite(_)) => {
                let days = assignment_rollup::table
                    .filter(assignment_rollup_in(scope, f))
                    .group_by(assignment_rollup::filed_on)
                    .select((
                        assignment_rollup::filed_on,
                        sql::<(BigInt, BigInt, BigInt)>(
                            "SUM(assignments) AS assignments, \
                             SUM(signed_on_time) AS signed_on_time, SUM(returns) AS returns",
                        ),
                    ));
                ByBucket::<_, (BigInt, BigInt, BigInt)>::new(days, bucket, KEPT_ASSIGNMENT_SUMS)
                    .load(conn)?
            }
            Some(g) => {
                let key = g.kept_sql();
                assignment_rollup::table
                    .filter(assignment_rollup_in(scope, f))
                    .group_by(sql::<Nullable<Text>>(&key))
                    .select((sql::<Nullable<Text>>(&key), sums))
                    .load(conn)?
            }
        };
        return Ok(assignment_rows(rows));
    }
    assignment_counts_from_rows(conn, scope, f, group)
}

/// The same assignment counts, always from the assignment rows themselves.
pub fn assignment_counts_from_rows(
    conn: &mut DbConn,
    scope: &Scope,
    f: &IssueFilter,
    group: Option<AssignmentGroup>,
) -> QueryResult<Vec<(Option<String>, AssignmentCounts)>> {
    let (issue_scope, own) = match scope {
        Scope::Department(d) => (Scope::All, Some(*d)),
        other => (other.clone(), None),
    };
    let inner = IssueFilter {
        department_id: None,
        ..f.clone()
    };
    let of_issues = issues::table
        .filter(issues_in(&issue_scope, &inner))
        .select(issues::id)
        .into_boxed();
    let mut cond: Filter<issue_assignments::table> =
        Box::new(scope::in_query(issue_assignments::issue_id, of_issues));
    for d in [own, f.department_id].into_iter().flatten() {
        cond = Box::new(cond.and(issue_assignments::department_id.eq(d)));
    }
    let in_time = SIGNED_IN_TIME.replace("a.", "");
    let sums = if f.activity {
        let made = f.period().within("assigned_at");
        let returned = f.period().within("returned_at");
        // Handled in time by the period's end: a signing or return after it is not known
        // at its end.
        let until = Period {
            from: None,
            to: f.to,
        };
        cond = Box::new(cond.and(sql::<diesel::sql_types::Bool>(&format!(
            "({made} OR {returned})"
        ))));
        format!(
            "CAST(COALESCE(SUM(CASE WHEN {made} THEN 1 ELSE 0 END), 0) AS BIGINT), \
             CAST(COALESCE(SUM(CASE WHEN {made} AND ((signed_at < sign_deadline AND {}) \
               OR (returned_at < sign_deadline AND {})) THEN 1 ELSE 0 END), 0) AS BIGINT), \
             CAST(COALESCE(SUM(CASE WHEN {returned} THEN 1 ELSE 0 END), 0) AS BIGINT)",
            until.within("signed_at"),
            until.within("returned_at"),
        )
    } else {
        format!(
            "COUNT(*), \
             CAST(COALESCE(SUM(CASE WHEN {in_time} THEN 1 ELSE 0 END), 0) AS BIGINT), \
             CAST(COALESCE(SUM(CASE WHEN returned_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS BIGINT)"
        )
    };
    let sums = sql::<(BigInt, BigInt, BigInt)>(&sums);
    let rows: Vec<(Option<String>, (i64, i64, i64))> = match group {
        None => {
            let n =
                judged(f, issue_assignments::table.filter(cond).select(sums)).get_result(conn)?;
            vec![(None, n)]
        }
        Some(g) => {
            let key = g.counted_sql();
            judged(
                f,
                issue_assignments::table
                    .filter(cond)
                    .group_by(sql::<Nullable<Text>>(&key))
                    .select((sql::<Nullable<Text>>(&key), sums)),
            )
            .load(conn)?
        }
    };
    Ok(assignment_rows(rows))
}

fn assignment_rows(
    rows: Vec<(Option<String>, (i64, i64, i64))>,
) -> Vec<(Option<String>, AssignmentCounts)> {
    rows.into_iter()
        .map(|(k, (a, s, r))| {
            (
                k,
                AssignmentCounts {
                    assignments: a,
                    signed_on_time: s,
                    returns: r,
                },
            )
        })
        .collect()
}
