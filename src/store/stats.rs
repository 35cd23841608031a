//! The figures: counts over issues, forums and attendance, aggregated by the database in a
//! handful of grouped queries with conditional sums. Nothing here loads issues into Rust.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::connection::SimpleConnection;
use diesel::dsl::{count_star, sql};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text};

use super::fixed;
use super::issues::{condition, overdue_on, IssueFilter};
use super::schema::{
    assignment_rollup, attendances, editions, forum_departments, forums, issue_assignments,
    issue_rollup, issue_totals, issues,
};
use super::scope::{self, Filter, Scope};
use crate::db::DbConn;
use crate::domain::forum::Status as ForumStatus;
use crate::domain::issue::{Category, EventKind, Measure, Rating};
use crate::domain::lifecycle::State;

/// The issue counts behind every figure.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Filed, not withdrawn.
    pub collected: i64,
    pub resolved_on_site: i64,
    /// Ever assigned.
    pub assigned: i64,
    /// Assigned and now answered or closed.
    pub concluded: i64,
    /// Assigned and answered at least once.
    pub answered: i64,
    /// Of those, first answered by the due date in force.
    pub on_time: i64,
    /// Of the answered, reopened at least once.
    pub reopened: i64,
    /// Assigned and returned at least once.
    pub returned: i64,
    /// With a rating (the latest counts).
    pub rated: i64,
    /// Latest rating satisfied or basically satisfied.
    pub satisfied: i64,
    /// Dissatisfied ratings given (every one, not only the latest).
    pub dissatisfied_ratings: i64,
    /// Sum and number of working days from assignment to first answer.
    pub working_days_sum: i64,
    pub working_days_n: i64,
    pub urges: i64,
    pub supervisions: i64,
    /// Flagged for supervision now.
    pub under_supervision: i64,
    /// Of the answered, rated (参评).
    pub rated_answered: i64,
    /// Of the answered, never returned and never reopened (一次办结).
    pub first_time: i64,
    /// Rated, the latest rating saying the problem was solved (是否解决).
    pub solved: i64,
    /// Overdue now: still assigned or in progress past the due date. Not a kept sum (it
    /// moves with the date); filled in by the figures from `overdue`/`overdue_by`.
    pub overdue_now: i64,
    /// Assignments made (交办次数), those signed for within the sign-for limit, and those
    /// returned: counted over the assignment rows, charged to the department assigned.
    /// Filled in by the figures from `assignment_counts`.
    pub assignments: i64,
    pub signed_on_time: i64,
    pub returns: i64,
    /// Read on the activity basis: 办结率 is then over the work of the period (answered in
    /// it, or due in it and still open), not over the issues assigned in it.
    pub activity: bool,
}

impl Counts {
    pub fn with_assignments(mut self, a: AssignmentCounts) -> Self {
        self.assignments = a.assignments;
        self.signed_on_time = a.signed_on_time;
        self.returns = a.returns;
        self
    }
}

type CountsSql = (
    BigInt,
    BigInt,
    BigInt,
    BigInt,
    BigInt,
    BigInt,
    BigInt,
    BigInt,
    BigInt,
    BigInt,
    BigInt,
    BigInt,
    BigInt,
    BigInt,
    BigInt,
    BigInt,
    BigInt,
    BigInt,
    BigInt,
);
type CountsRow = (
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
);

/// Codes as an SQL list (`'answered', 'closed'`). Codes are the program's own constants,
/// never text from a request.
fn sql_list<T: std::fmt::Display>(codes: &[T]) -> String {
    codes
        .iter()
        .map(|c| format!("'{c}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Each figure's measure of one issue, in the order of `Counts`: the same SQL on both
/// backends. Summed over issues they give the figures; kept summed per region, lead
/// department, category and channel in `issue_rollup` they give the all-time figures.
fn measures() -> &'static [(&'static str, String); 19] {
    static MEASURES: std::sync::OnceLock<[(&'static str, String); 19]> = std::sync::OnceLock::new();
    MEASURES.get_or_init(|| {
        let concluded = sql_list(&State::CONCLUDED);
        let satisfied = sql_list(&Rating::SATISFIED);
        [
            ("collected", "1".into()),
            ("resolved_on_site", "CASE WHEN resolved_on_site THEN 1 ELSE 0 END".into()),
            ("assigned_issues", "CASE WHEN assigned_at IS NOT NULL THEN 1 ELSE 0 END".into()),
            (
                "concluded",
                format!("CASE WHEN assigned_at IS NOT NULL AND status IN ({concluded}) THEN 1 ELSE 0 END"),
            ),
            (
                "answered_issues",
                "CASE WHEN assigned_at IS NOT NULL AND first_answered_at IS NOT NULL THEN 1 ELSE 0 END".into(),
            ),
            (
                "on_time",
                "CASE WHEN assigned_at IS NOT NULL AND answered_on_time THEN 1 ELSE 0 END".into(),
            ),
            (
                "reopened",
                "CASE WHEN assigned_at IS NOT NULL AND first_answered_at IS NOT NULL AND reopen_count > 0 THEN 1 ELSE 0 END".into(),
            ),
            (
                "returned_issues",
                "CASE WHEN assigned_at IS NOT NULL AND return_count > 0 THEN 1 ELSE 0 END".into(),
            ),
            ("rated", "CASE WHEN rating IS NOT NULL THEN 1 ELSE 0 END".into()),
            (
                "satisfied",
                format!("CASE WHEN rating IN ({satisfied}) THEN 1 ELSE 0 END"),
            ),
            ("dissatisfied_ratings", "dissatisfied_count".into()),
            (
                "working_days_sum",
                "CASE WHEN assigned_at IS NOT NULL THEN COALESCE(working_days_to_answer, 0) ELSE 0 END".into(),
            ),
            (
                "working_days_n",
                "CASE WHEN assigned_at IS NOT NULL AND working_days_to_answer IS NOT NULL THEN 1 ELSE 0 END".into(),
            ),
            ("urges", "urge_count".into()),
            ("supervisions", "supervise_count".into()),
            // 督办中: flagged, and not yet closed (withdrawn issues are not collected).
            (
                "under_supervision",
                format!(
                    "CASE WHEN supervision AND status <> '{}' THEN 1 ELSE 0 END",
                    State::Closed
                ),
            ),
            (
                "rated_answered",
                "CASE WHEN assigned_at IS NOT NULL AND first_answered_at IS NOT NULL AND rating IS NOT NULL THEN 1 ELSE 0 END".into(),
            ),
            (
                "first_time",
                "CASE WHEN assigned_at IS NOT NULL AND first_answered_at IS NOT NULL AND return_count = 0 AND reopen_count = 0 THEN 1 ELSE 0 END".into(),
            ),
            (
                "solved",
                "CASE WHEN rating IS NOT NULL AND solved THEN 1 ELSE 0 END".into(),
            ),
        ]
    })
}

/// The issues a measure counts, as a condition: the very SQL that sums it (overdue: as of
/// `today`). With the figures' filter (collected, lead department) it selects exactly the
/// issues behind the number.
pub fn measure_condition(m: Measure, today: NaiveDate) -> Filter<issues::table> {
    if m == Measure::Overdue {
        return overdue_on(today);
    }
    let expr = measures()
        .iter()
        .find(|(column, _)| *column == m.code())
        .map_or("0", |(_, e)| e.as_str());
    Box::new(sql::<diesel::sql_types::Bool>(&format!("({expr}) = 1")))
}

/// The condition of the issues the figures count at all: collected, not withdrawn.
fn collected_sql() -> String {
    format!("status <> '{}'", State::Withdrawn)
}

/// The sums of the measures over issues.
fn counts_sql() -> diesel::expression::SqlLiteral<CountsSql> {
    let list: Vec<String> = measures()
        .iter()
        .map(|(_, e)| format!("COALESCE(SUM({e}), 0)"))
        .collect();
    sql::<CountsSql>(&list.join(", "))
}

/// The sums of the kept sums over rollup rows (PostgreSQL sums BIGINT into NUMERIC: cast
/// back).
fn rollup_sql() -> diesel::expression::SqlLiteral<CountsSql> {
    sql::<CountsSql>(rollup_sums())
}

/// The text of `rollup_sql`.
fn rollup_sums() -> &'static str {
    static TEXT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    TEXT.get_or_init(|| {
        let list: Vec<String> = measures()
            .iter()
            .map(|(c, _)| format!("CAST(COALESCE(SUM({c}), 0) AS BIGINT)"))
            .collect();
        list.join(", ")
    })
}

/// The kept sums of a day's rows, each named as its column (the rows a trend adds up).
fn day_sums() -> &'static str {
    static TEXT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    TEXT.get_or_init(|| {
        let list: Vec<String> = measures()
            .iter()
            .map(|(c, _)| format!("SUM({c}) AS {c}"))
            .collect();
        list.join(", ")
    })
}

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

/// Adds (`sign` 1) or takes away (`sign` -1) one issue's measures to its kept rows: its
/// row by day (region, lead department, category, channel and day of filing) and its
/// all-time row (the same without the day). The issue store calls this around every write
/// of an issue, in the same transaction. The statements' text is fixed (for each sign and
/// backend) and the issue is a bind parameter, so the connection prepares them once. On
/// PostgreSQL both rows are written by one statement (the first upsert in a WITH).
pub fn add_to_rollup(conn: &mut DbConn, issue_id: i64, sign: i8) -> QueryResult<()> {
    static BY_DAY: [std::sync::OnceLock<String>; 2] = [const { std::sync::OnceLock::new() }; 2];
    static TOTALS: [std::sync::OnceLock<String>; 2] = [const { std::sync::OnceLock::new() }; 2];
    static BOTH: [std::sync::OnceLock<String>; 2] = [const { std::sync::OnceLock::new() }; 2];
    let build = |sign: i8, by_day: bool, pg: bool| {
        let columns: Vec<&str> = measures().iter().map(|(c, _)| *c).collect();
        let values: Vec<String> = measures()
            .iter()
            .map(|(_, e)| format!("{sign} * ({e})"))
            .collect();
        let (table, key, day) = if by_day {
            ("issue_rollup", ISSUE_GROUP, ", filed_on")
        } else {
            ("issue_totals", TOTALS_GROUP, "")
        };
        upsert(
            pg,
            table,
            &format!("{key}, {}", columns.join(", ")),
            &format!(
                "SELECT region_id, COALESCE(lead_department_id, 0), category, channel{day}, {} \
                 FROM issues WHERE {} AND id = {ISSUE_ID}",
                values.join(", "),
                collected_sql(),
            ),
            key,
            &columns,
        )
    };
    let at = usize::from(sign < 0);
    if matches!(conn, DbConn::Pg(_)) {
        let both = fixed::once(&BOTH[at], || {
            format!(
                "WITH by_day AS ({} RETURNING 1) {}",
                build(sign, true, true),
                build(sign, false, true)
            )
        });
        return run_for_issue(conn, both, issue_id);
    }
    run_for_issue(
        conn,
        fixed::once(&BY_DAY[at], || build(sign, true, false)),
        issue_id,
    )?;
    run_for_issue(
        conn,
        fixed::once(&TOTALS[at], || build(sign, false, false)),
        issue_id,
    )
}

/// The advisory lock of the fold and the refill of the kept sums on PostgreSQL (a number
/// no other lock of the service uses).
pub const KEPT_SUMS_LOCK: i64 = 0x7169_6e71_666f_6c64;

/// The key of an all-time row of the issue sums.
const TOTALS_GROUP: &str = "region_id, lead_department_id, category, channel";
/// The key of a row of the issue sums.
const ISSUE_GROUP: &str = "region_id, lead_department_id, category, channel, filed_on";
/// The key of a row of the assignment counts.
const ASSIGNMENT_GROUP: &str = "department_id, region_id, category, channel, filed_on";

/// Where a kept-sums statement binds the issue's id.
const ISSUE_ID: &str = "\u{0}issue\u{0}";

/// The statement adding `select`'s rows to the kept rows of `table` (key `key`, summed
/// `columns`); `select` holds `ISSUE_ID` where the issue's id is bound. SQLite (one writer
/// at a time) adds them to the row of their group in place. PostgreSQL appends them as rows
/// of their own (`fresh`): a row updated in place stays locked until its transaction ends,
/// and every writer of the day would queue behind it; `fold_kept` folds them later.
fn upsert(pg: bool, table: &str, list: &str, select: &str, key: &str, columns: &[&str]) -> String {
    if pg {
        return format!(
            "INSERT INTO {table} ({list}, fresh) SELECT d.*, TRUE FROM ({select}) AS d"
        );
    }
    let updates: Vec<String> = columns
        .iter()
        .map(|c| format!("{c} = {table}.{c} + excluded.{c}"))
        .collect();
    format!(
        "INSERT INTO {table} ({list}) {select} ON CONFLICT ({key}) DO UPDATE SET {}",
        updates.join(", ")
    )
}

/// Folds, on PostgreSQL, the rows each write appended to the kept sums (`fresh`) into one
/// row per group, in one transaction; a group whose issues have all left it is dropped. The
/// figures are the same before and after (they add up every row of a group), and a row
/// appended meanwhile is left for the next fold. One instance folds at a time (an advisory
/// lock; the others skip). Returns the groups written; SQLite keeps one row per group
/// already and has nothing to fold.
pub fn fold_kept(conn: &mut DbConn) -> QueryResult<usize> {
    if !matches!(conn, DbConn::Pg(_)) {
        return Ok(0);
    }
    static TEXTS: std::sync::OnceLock<[String; 3]> = std::sync::OnceLock::new();
    let texts = TEXTS.get_or_init(|| {
        let issue_columns: Vec<&str> = measures().iter().map(|(c, _)| *c).collect();
        let assignment_columns: Vec<&str> = ASSIGNMENT_MEASURES.iter().map(|(c, _)| *c).collect();
        [
            fold_text("issue_rollup", ISSUE_GROUP, &issue_columns),
            fold_text("issue_totals", TOTALS_GROUP, &issue_columns),
            fold_text("assignment_rollup", ASSIGNMENT_GROUP, &assignment_columns),
        ]
    });
    crate::db::write_tx(conn, |conn| {
        #[derive(QueryableByName)]
        struct Locked {
            #[diesel(sql_type = diesel::sql_types::Bool)]
            locked: bool,
        }
        let got: Locked = diesel::sql_query("SELECT pg_try_advisory_xact_lock($1) AS locked")
            .bind::<BigInt, _>(KEPT_SUMS_LOCK)
            .get_result(conn)?;
        if !got.locked {
            return Ok(0);
        }
        let mut groups = 0;
        for text in texts {
            groups += diesel::sql_query(text).execute(conn)?;
        }
        Ok(groups)
    })
}

/// The fold of one kept table: every row of each group that has fresh rows, taken out and
/// put back as their sum (the first column counts the group's issues or assignments; a
/// group where it is 0 holds nothing and is not put back).
fn fold_text(table: &str, key: &str, columns: &[&str]) -> String {
    let on: Vec<String> = key.split(", ").map(|k| format!("r.{k} = g.{k}")).collect();
    let sums: Vec<String> = columns.iter().map(|c| format!("SUM({c})")).collect();
    format!(
        "WITH groups AS (SELECT DISTINCT {key} FROM {table} WHERE fresh), \
         gone AS (DELETE FROM {table} r USING groups g WHERE {} RETURNING r.*) \
         INSERT INTO {table} ({key}, {}) SELECT {key}, {} FROM gone GROUP BY {key} \
         HAVING SUM({}) <> 0",
        on.join(" AND "),
        columns.join(", "),
        sums.join(", "),
        columns.first().copied().unwrap_or("1"),
    )
}

/// Runs a fixed kept-sums statement for one issue (bound wherever `ISSUE_ID` stands).
fn run_for_issue(conn: &mut DbConn, text: &'static str, issue_id: i64) -> QueryResult<()> {
    diesel::RunQueryDsl::execute(RollupAdd { text, issue_id }, conn).map(|_| ())
}

/// The measures of the assignment counts, in the order of `AssignmentCounts`.
const ASSIGNMENT_MEASURES: [(&str, &str); 3] = [
    ("assignments", "1"),
    (
        "signed_on_time",
        "CASE WHEN a.signed_at < a.sign_deadline THEN 1 ELSE 0 END",
    ),
    (
        "returns",
        "CASE WHEN a.returned_at IS NOT NULL THEN 1 ELSE 0 END",
    ),
];

/// The assignment rows the figures count, with their issue (`i`): those of collected issues.
fn assignments_of_issues() -> String {
    format!(
        "FROM issue_assignments a JOIN issues i ON i.id = a.issue_id WHERE i.{}",
        collected_sql()
    )
}

/// The key of the assignment counts read from an assignment row `a` and its issue `i`.
const ASSIGNMENT_GROUP_OF_ROWS: &str =
    "a.department_id, i.region_id, i.category, i.channel, i.filed_on";

/// Adds (`sign` 1) or takes away (`sign` -1) the assignment counts of one issue's
/// assignment rows to the kept rows of the department of each. Called around every write
/// of an issue's assignment rows, in its transaction.
pub fn add_assignments_to_rollup(conn: &mut DbConn, issue_id: i64, sign: i8) -> QueryResult<()> {
    static TEXTS: [std::sync::OnceLock<String>; 4] = [const { std::sync::OnceLock::new() }; 4];
    let pg = matches!(conn, DbConn::Pg(_));
    let build = |sign: i8| {
        let columns: Vec<&str> = ASSIGNMENT_MEASURES.iter().map(|(c, _)| *c).collect();
        let values: Vec<String> = ASSIGNMENT_MEASURES
            .iter()
            .map(|(_, e)| format!("{sign} * SUM({e})"))
            .collect();
        upsert(
            pg,
            "assignment_rollup",
            &format!("{ASSIGNMENT_GROUP}, {}", columns.join(", ")),
            &format!(
                "SELECT {ASSIGNMENT_GROUP_OF_ROWS}, {} {} AND a.issue_id = {ISSUE_ID} \
                 GROUP BY {ASSIGNMENT_GROUP_OF_ROWS}",
                values.join(", "),
                assignments_of_issues()
            ),
            ASSIGNMENT_GROUP,
            &columns,
        )
    };
    let at = usize::from(sign < 0) + 2 * usize::from(pg);
    run_for_issue(conn, fixed::once(&TEXTS[at], || build(sign)), issue_id)
}

/// A kept-sums statement: its fixed text, with the issue's id bound wherever `ISSUE_ID`
/// stands.
#[derive(Debug, Clone, Copy)]
struct RollupAdd {
    text: &'static str,
    issue_id: i64,
}

impl diesel::query_builder::QueryId for RollupAdd {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl diesel::query_builder::QueryFragment<crate::db::MultiBackend> for RollupAdd {
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, crate::db::MultiBackend>,
    ) -> QueryResult<()> {
        let mut parts = self.text.split(ISSUE_ID);
        if let Some(first) = parts.next() {
            out.push_sql(first);
        }
        for part in parts {
            out.push_bind_param::<BigInt, i64>(&self.issue_id)?;
            out.push_sql(part);
        }
        Ok(())
    }
}

impl<C> diesel::RunQueryDsl<C> for RollupAdd {}

/// A group of the kept issue sums (region, lead department or 0, category, channel, day of
/// filing).
pub type GroupKey = (i64, i64, String, String, NaiveDate);
/// A group of the kept assignment counts (department assigned, region, category, channel,
/// day of filing).
pub type AssignmentGroupKey = (i64, i64, String, String, NaiveDate);

/// Beside each other, by group: what is kept and what a recount gives (a kept group of
/// zeros and a missing recount are the same).
fn side_by_side<K: Ord, V: Default>(kept: Vec<(K, V)>, counted: Vec<(K, V)>) -> Vec<(K, V, V)> {
    let mut groups: std::collections::BTreeMap<K, (V, V)> = std::collections::BTreeMap::new();
    for (k, v) in kept {
        groups.entry(k).or_default().0 = v;
    }
    for (k, v) in counted {
        groups.entry(k).or_default().1 = v;
    }
    groups
        .into_iter()
        .map(|(k, (kept, counted))| (k, kept, counted))
        .collect()
}

/// The kept issue sums group by group beside a recount of the issues: every group either
/// side holds.
pub fn compare_rollup(conn: &mut DbConn) -> QueryResult<Vec<(GroupKey, Counts, Counts)>> {
    type Row = (i64, i64, String, String, NaiveDate, CountsRow);
    let kept: Vec<Row> = issue_rollup::table
        .group_by((
            issue_rollup::region_id,
            issue_rollup::lead_department_id,
            issue_rollup::category,
            issue_rollup::channel,
            issue_rollup::filed_on,
        ))
        .select((
            issue_rollup::region_id,
            issue_rollup::lead_department_id,
            issue_rollup::category,
            issue_rollup::channel,
            issue_rollup::filed_on,
            rollup_sql(),
        ))
        .load(conn)?;
    let lead = "COALESCE(lead_department_id, 0)";
    let counted: Vec<Row> = issues::table
        .filter(sql::<diesel::sql_types::Bool>(&collected_sql()))
        .group_by(sql::<Text>(&format!(
            "region_id, {lead}, category, channel, filed_on"
        )))
        .select((
            sql::<BigInt>("region_id"),
            sql::<BigInt>(lead),
            sql::<Text>("category"),
            sql::<Text>("channel"),
            sql::<diesel::sql_types::Date>("filed_on"),
            counts_sql(),
        ))
        .load(conn)?;
    let keyed = |rows: Vec<Row>| -> Vec<(GroupKey, Counts)> {
        rows.into_iter()
            .map(|(r, d, c, ch, day, n)| ((r, d, c, ch, day), n.into()))
            .collect()
    };
    Ok(side_by_side(keyed(kept), keyed(counted)))
}

/// A group of the all-time issue sums (region, lead department or 0, category, channel).
pub type TotalsKey = (i64, i64, String, String);

/// The all-time issue sums group by group beside a recount of the issues.
pub fn compare_totals(conn: &mut DbConn) -> QueryResult<Vec<(TotalsKey, Counts, Counts)>> {
    type Row = (i64, i64, String, String, CountsRow);
    let kept: Vec<Row> = issue_totals::table
        .select((
            issue_totals::region_id,
            issue_totals::lead_department_id,
            issue_totals::category,
            issue_totals::channel,
            rollup_sql(),
        ))
        .group_by((
            issue_totals::region_id,
            issue_totals::lead_department_id,
            issue_totals::category,
            issue_totals::channel,
        ))
        .load(conn)?;
    let lead = "COALESCE(lead_department_id, 0)";
    let counted: Vec<Row> = issues::table
        .filter(sql::<diesel::sql_types::Bool>(&collected_sql()))
        .group_by(sql::<Text>(&format!(
            "region_id, {lead}, category, channel"
        )))
        .select((
            sql::<BigInt>("region_id"),
            sql::<BigInt>(lead),
            sql::<Text>("category"),
            sql::<Text>("channel"),
            counts_sql(),
        ))
        .load(conn)?;
    let keyed = |rows: Vec<Row>| -> Vec<(TotalsKey, Counts)> {
        rows.into_iter()
            .map(|(r, d, c, ch, n)| ((r, d, c, ch), n.into()))
            .collect()
    };
    Ok(side_by_side(keyed(kept), keyed(counted)))
}

/// The assignment counts summed, each named as its column: over assignment rows `a`
/// (`kept` false) or over kept rows.
fn assignment_sums(kept: bool) -> String {
    ASSIGNMENT_MEASURES
        .iter()
        .map(|(c, e)| {
            let e = if kept { c } else { e };
            format!("CAST(COALESCE(SUM({e}), 0) AS BIGINT) AS {c}")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The kept assignment counts group by group beside a recount of the assignment rows.
pub fn compare_assignment_rollup(
    conn: &mut DbConn,
) -> QueryResult<Vec<(AssignmentGroupKey, AssignmentCounts, AssignmentCounts)>> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = BigInt)]
        department_id: i64,
        #[diesel(sql_type = BigInt)]
        region_id: i64,
        #[diesel(sql_type = Text)]
        category: String,
        #[diesel(sql_type = Text)]
        channel: String,
        #[diesel(sql_type = diesel::sql_types::Date)]
        filed_on: NaiveDate,
        #[diesel(sql_type = BigInt)]
        assignments: i64,
        #[diesel(sql_type = BigInt)]
        signed_on_time: i64,
        #[diesel(sql_type = BigInt)]
        returns: i64,
    }
    let kept: Vec<Row> = diesel::sql_query(format!(
        "SELECT {ASSIGNMENT_GROUP}, {} FROM assignment_rollup GROUP BY {ASSIGNMENT_GROUP}",
        assignment_sums(true)
    ))
    .load(conn)?;
    let counted: Vec<Row> = diesel::sql_query(format!(
        "SELECT a.department_id AS department_id, i.region_id AS region_id, i.category AS category, \
         i.channel AS channel, i.filed_on AS filed_on, {} {} GROUP BY {ASSIGNMENT_GROUP_OF_ROWS}",
        assignment_sums(false),
        assignments_of_issues()
    ))
    .load(conn)?;
    let keyed = |rows: Vec<Row>| -> Vec<(AssignmentGroupKey, AssignmentCounts)> {
        rows.into_iter()
            .map(|r| {
                (
                    (
                        r.department_id,
                        r.region_id,
                        r.category,
                        r.channel,
                        r.filed_on,
                    ),
                    AssignmentCounts {
                        assignments: r.assignments,
                        signed_on_time: r.signed_on_time,
                        returns: r.returns,
                    },
                )
            })
            .collect()
    };
    Ok(side_by_side(keyed(kept), keyed(counted)))
}

/// Refills the kept sums from the issues and their assignment rows when their totals do
/// not match a recount (after a bulk load, or on a database whose issues predate them);
/// true when anything was refilled. The totals are compared in one snapshot (on
/// PostgreSQL a REPEATABLE READ transaction), so that the writes of other instances,
/// each committing an issue with its kept rows, cannot make them seem to differ.
pub fn ensure_rollup(conn: &mut DbConn) -> QueryResult<bool> {
    let differ = conn.transaction(|conn| {
        if matches!(conn, DbConn::Pg(_)) {
            conn.batch_execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")?;
        }
        kept_totals_differ(conn)
    })?;
    if differ {
        refill_rollup(conn)?;
    }
    Ok(differ)
}

/// Whether the kept sums' totals differ from a recount of the issues and assignment rows.
fn kept_totals_differ(conn: &mut DbConn) -> QueryResult<bool> {
    let from_issues: CountsRow = issues::table
        .filter(issues::status.ne(State::Withdrawn))
        .select(counts_sql())
        .first(conn)?;
    let from_rollup: CountsRow = issue_rollup::table.select(rollup_sql()).first(conn)?;
    let from_totals: CountsRow = issue_totals::table.select(rollup_sql()).first(conn)?;
    let issues_differ = Counts::from(from_issues) != Counts::from(from_rollup)
        || Counts::from(from_issues) != Counts::from(from_totals);
    let totals = |conn: &mut DbConn, sql_text: String| -> QueryResult<(i64, i64, i64)> {
        #[derive(QueryableByName)]
        struct T {
            #[diesel(sql_type = BigInt)]
            assignments: i64,
            #[diesel(sql_type = BigInt)]
            signed_on_time: i64,
            #[diesel(sql_type = BigInt)]
            returns: i64,
        }
        let t: T = diesel::sql_query(sql_text).get_result(conn)?;
        Ok((t.assignments, t.signed_on_time, t.returns))
    };
    let counted = totals(
        conn,
        format!(
            "SELECT {} {}",
            assignment_sums(false),
            assignments_of_issues()
        ),
    )?;
    let kept = totals(
        conn,
        format!("SELECT {} FROM assignment_rollup", assignment_sums(true)),
    )?;
    Ok(issues_differ || counted != kept)
}

/// Fills the kept sums afresh from the issues and their assignment rows, in one
/// transaction. On SQLite it is the one writer. On PostgreSQL writers go on meanwhile: each
/// table is emptied and refilled by one statement, so in one snapshot (a write committed
/// after it keeps its appended rows, and its issue is not counted; one committed before is
/// counted and its rows are gone), and the fold's advisory lock is held throughout (a fold
/// committed within the statement would leave its folded row beside the refilled one).
pub fn refill_rollup(conn: &mut DbConn) -> QueryResult<()> {
    let columns: Vec<&str> = measures().iter().map(|(c, _)| *c).collect();
    let sums: Vec<String> = measures()
        .iter()
        .map(|(_, e)| format!("SUM({e})"))
        .collect();
    let assignment_columns: Vec<&str> = ASSIGNMENT_MEASURES.iter().map(|(c, _)| *c).collect();
    let assignment_sums: Vec<String> = ASSIGNMENT_MEASURES
        .iter()
        .map(|(_, e)| format!("SUM({e})"))
        .collect();
    let (columns, sums, collected) = (columns.join(", "), sums.join(", "), collected_sql());
    let fills = [
        (
            "issue_rollup",
            format!(
                "INSERT INTO issue_rollup ({ISSUE_GROUP}, {columns}) \
                 SELECT region_id, COALESCE(lead_department_id, 0), category, channel, filed_on, {sums} \
                 FROM issues WHERE {collected} \
                 GROUP BY region_id, COALESCE(lead_department_id, 0), category, channel, filed_on"
            ),
        ),
        (
            "issue_totals",
            format!(
                "INSERT INTO issue_totals ({TOTALS_GROUP}, {columns}) \
                 SELECT region_id, COALESCE(lead_department_id, 0), category, channel, {sums} \
                 FROM issues WHERE {collected} \
                 GROUP BY region_id, COALESCE(lead_department_id, 0), category, channel"
            ),
        ),
        (
            "assignment_rollup",
            format!(
                "INSERT INTO assignment_rollup ({ASSIGNMENT_GROUP}, {}) \
                 SELECT {ASSIGNMENT_GROUP_OF_ROWS}, {} {} GROUP BY {ASSIGNMENT_GROUP_OF_ROWS}",
                assignment_columns.join(", "),
                assignment_sums.join(", "),
                assignments_of_issues(),
            ),
        ),
    ];
    crate::db::write_tx(conn, |conn| {
        let pg = matches!(conn, DbConn::Pg(_));
        if pg {
            diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
                .bind::<BigInt, _>(KEPT_SUMS_LOCK)
                .execute(conn)?;
        }
        for (table, fill) in &fills {
            if pg {
                conn.batch_execute(&format!("WITH emptied AS (DELETE FROM {table}) {fill}"))?;
            } else {
                conn.batch_execute(&format!("DELETE FROM {table}; {fill}"))?;
            }
        }
        Ok(())
    })
}

/// A row of sums read with a filter, knowing its basis.
fn read(f: &IssueFilter, r: CountsRow) -> Counts {
    Counts {
        activity: f.activity,
        ..r.into()
    }
}

impl From<CountsRow> for Counts {
    fn from(r: CountsRow) -> Self {
        Counts {
            collected: r.0,
            resolved_on_site: r.1,
            assigned: r.2,
            concluded: r.3,
            answered: r.4,
            on_time: r.5,
            reopened: r.6,
            returned: r.7,
            rated: r.8,
            satisfied: r.9,
            dissatisfied_ratings: r.10,
            working_days_sum: r.11,
            working_days_n: r.12,
            urges: r.13,
            supervisions: r.14,
            under_supervision: r.15,
            rated_answered: r.16,
            first_time: r.17,
            solved: r.18,
            ..Default::default()
        }
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
    if f.activity {
        f.from = None;
        f.to = None;
    }
    condition(scope, &f)
}

/// `column` (a stored UTC instant) within the activity period's Shanghai dates, as SQL;
/// an open end sets no bound. The dates come from a validated query, never request text.
fn within(f: &IssueFilter, column: &str) -> String {
    let text = |t: NaiveDateTime| format!("'{}'", t.format("%Y-%m-%d %H:%M:%S"));
    let mut parts = vec![format!("{column} IS NOT NULL")];
    if let Some(first) = f.from {
        parts.push(format!(
            "{column} >= {}",
            text(crate::domain::time::start_of(first))
        ));
    }
    if let Some(next) = f.to.and_then(|d| d.succ_opt()) {
        parts.push(format!(
            "{column} < {}",
            text(crate::domain::time::start_of(next))
        ));
    }
    format!("({})", parts.join(" AND "))
}

/// A date column within the period's dates, as SQL.
fn dated(f: &IssueFilter, column: &str) -> String {
    let mut parts = vec![format!("{column} IS NOT NULL")];
    if let Some(first) = f.from {
        parts.push(format!("{column} >= '{}'", first.format("%Y-%m-%d")));
    }
    if let Some(last) = f.to {
        parts.push(format!("{column} <= '{}'", last.format("%Y-%m-%d")));
    }
    format!("({})", parts.join(" AND "))
}

/// The measures on the activity basis, in the order of `Counts`: each counted by the date
/// of its own event (filing, first assignment, first answer, rating, return, urge,
/// supervision); 督办中 is the state now.
fn activity_sql(f: &IssueFilter) -> diesel::expression::SqlLiteral<CountsSql> {
    let filed = dated(f, "filed_on");
    let assigned = within(f, "assigned_at");
    let answered = format!(
        "assigned_at IS NOT NULL AND {}",
        within(f, "first_answered_at")
    );
    let rated_in = format!(
        "FROM issue_ratings r WHERE r.issue_id = issues.id AND {}",
        within(f, "r.rated_at")
    );
    let latest = |column: &str| {
        format!("(SELECT r.{column} {rated_in} ORDER BY r.answer_number DESC LIMIT 1)")
    };
    let events = |action: EventKind| {
        format!(
            "(SELECT COUNT(*) FROM issue_events e WHERE e.issue_id = issues.id AND e.action = '{action}' AND {})",
            within(f, "e.at")
        )
    };
    let satisfied = sql_list(&Rating::SATISFIED);
    let dissatisfied = Rating::Dissatisfied;
    let list = [
        format!("CASE WHEN {filed} THEN 1 ELSE 0 END"),
        format!("CASE WHEN {filed} AND resolved_on_site THEN 1 ELSE 0 END"),
        format!("CASE WHEN {assigned} THEN 1 ELSE 0 END"),
        format!("CASE WHEN {answered} THEN 1 ELSE 0 END"),
        format!("CASE WHEN {answered} THEN 1 ELSE 0 END"),
        format!("CASE WHEN {answered} AND answered_on_time THEN 1 ELSE 0 END"),
        format!(
            "CASE WHEN assigned_at IS NOT NULL AND EXISTS (SELECT 1 {rated_in} AND r.rating = '{dissatisfied}') THEN 1 ELSE 0 END"
        ),
        format!(
            "CASE WHEN EXISTS (SELECT 1 FROM issue_assignments a WHERE a.issue_id = issues.id AND {}) THEN 1 ELSE 0 END",
            within(f, "a.returned_at")
        ),
        format!("CASE WHEN EXISTS (SELECT 1 {rated_in}) THEN 1 ELSE 0 END"),
        format!("CASE WHEN {} IN ({satisfied}) THEN 1 ELSE 0 END", latest("rating")),
        format!("(SELECT COUNT(*) {rated_in} AND r.rating = '{dissatisfied}')"),
        format!("CASE WHEN {answered} THEN COALESCE(working_days_to_answer, 0) ELSE 0 END"),
        format!("CASE WHEN {answered} AND working_days_to_answer IS NOT NULL THEN 1 ELSE 0 END"),
        events(EventKind::Urged),
        events(EventKind::Supervised),
        format!(
            "CASE WHEN supervision AND status <> '{}' THEN 1 ELSE 0 END",
            State::Closed
        ),
        format!("CASE WHEN {answered} AND rating IS NOT NULL THEN 1 ELSE 0 END"),
        format!("CASE WHEN {answered} AND return_count = 0 AND reopen_count = 0 THEN 1 ELSE 0 END"),
        format!("CASE WHEN {} THEN 1 ELSE 0 END", latest("solved")),
    ];
    let sums: Vec<String> = list
        .iter()
        .map(|e| format!("CAST(COALESCE(SUM({e}), 0) AS BIGINT)"))
        .collect();
    sql::<CountsSql>(&sums.join(", "))
}

/// The sums of the measures over the issues of a filter, on its basis.
fn sums_sql(f: &IssueFilter) -> diesel::expression::SqlLiteral<CountsSql> {
    if f.activity {
        activity_sql(f)
    } else {
        counts_sql()
    }
}

/// Assignments, those signed for in time and those returned, over assignment rows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AssignmentCounts {
    pub assignments: i64,
    pub signed_on_time: i64,
    pub returns: i64,
}

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
    let sums = if f.activity {
        let made = within(f, "assigned_at");
        cond = Box::new(cond.and(sql::<diesel::sql_types::Bool>(&format!(
            "({made} OR {})",
            within(f, "returned_at")
        ))));
        format!(
            "CAST(COALESCE(SUM(CASE WHEN {made} THEN 1 ELSE 0 END), 0) AS BIGINT),              CAST(COALESCE(SUM(CASE WHEN {made} AND signed_at < sign_deadline THEN 1 ELSE 0 END), 0) AS BIGINT),              CAST(COALESCE(SUM(CASE WHEN {} THEN 1 ELSE 0 END), 0) AS BIGINT)",
            within(f, "returned_at")
        )
    } else {
        "COUNT(*),          CAST(COALESCE(SUM(CASE WHEN signed_at < sign_deadline THEN 1 ELSE 0 END), 0) AS BIGINT),          CAST(COALESCE(SUM(CASE WHEN returned_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS BIGINT)"
            .to_owned()
    };
    let sums = sql::<(BigInt, BigInt, BigInt)>(&sums);
    let rows: Vec<(Option<String>, (i64, i64, i64))> = match group {
        None => {
            let n = issue_assignments::table
                .filter(cond)
                .select(sums)
                .first(conn)?;
            vec![(None, n)]
        }
        Some(g) => {
            let key = g.counted_sql();
            issue_assignments::table
                .filter(cond)
                .group_by(sql::<Nullable<Text>>(&key))
                .select((sql::<Nullable<Text>>(&key), sums))
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
        .select(rollup_sql())
        .first(conn)?);
    Ok(row.into())
}

/// The same counts, always from the issues themselves.
pub fn counts_from_issues(
    conn: &mut DbConn,
    scope: &Scope,
    f: &IssueFilter,
) -> QueryResult<Counts> {
    let row: CountsRow = issues::table
        .filter(issues_in(scope, f))
        .select(sums_sql(f))
        .first(conn)?;
    Ok(read(f, row))
}

/// On the activity basis, the overdue issues of a period are those whose due date fell in
/// it (and that are still open past it); on the filed basis the period already picked them.
fn due_in(f: &IssueFilter) -> Filter<issues::table> {
    if !f.activity {
        return Box::new(sql::<diesel::sql_types::Bool>("1 = 1"));
    }
    Box::new(sql::<diesel::sql_types::Bool>(&dated(f, "due_on")))
}

/// Issues overdue on `today`: past the due date in force while assigned or in progress.
pub fn overdue(
    conn: &mut DbConn,
    scope: &Scope,
    f: &IssueFilter,
    today: NaiveDate,
) -> QueryResult<i64> {
    issues::table
        .filter(issues_in(scope, f))
        .filter(overdue_on(today))
        .filter(due_in(f))
        .count()
        .get_result(conn)
}

/// Overdue issues now, grouped by an SQL expression of the issue (`group`, the one a figure
/// groups its rows by), each group named by `label`, text of the grouped value.
pub fn overdue_by(
    conn: &mut DbConn,
    scope: &Scope,
    f: &IssueFilter,
    today: NaiveDate,
    (group, label): (&str, &str),
) -> QueryResult<std::collections::HashMap<String, i64>> {
    let rows: Vec<(Option<String>, i64)> = issues::table
        .filter(issues_in(scope, f))
        .filter(overdue_on(today))
        .filter(due_in(f))
        .group_by(sql::<Nullable<Text>>(group))
        .select((sql::<Nullable<Text>>(label), count_star()))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(k, n)| k.map(|k| (k, n)))
        .collect())
}

/// The first filing date among the issues of a figure (the start of an open-ended trend).
pub fn first_filing(
    conn: &mut DbConn,
    scope: &Scope,
    f: &IssueFilter,
) -> QueryResult<Option<NaiveDate>> {
    issues::table
        .filter(issues_in(scope, f))
        .select(diesel::dsl::min(issues::filed_on))
        .first(conn)
}

/// The bucket of a trend row (the one piece of SQL that differs between backends): rows
/// are grouped by `group` and the row's period read as `label`, text of the grouped value.
/// On PostgreSQL the group is a date (the month's first day, the week's Monday), turned to
/// text once per group: formatting every row was half of a trend's time.
#[derive(Clone, Copy, Debug)]
pub struct TrendBucket {
    pub group: &'static str,
    pub label: &'static str,
}

pub fn trend_bucket(pg: bool, granularity: Granularity) -> TrendBucket {
    const PG_MONTH: &str = "(filed_on - CAST(EXTRACT(DAY FROM filed_on) AS INTEGER) + 1)";
    const PG_WEEK: &str = "(filed_on - CAST(EXTRACT(ISODOW FROM filed_on) AS INTEGER) + 1)";
    // SQLite keeps a date as its text, YYYY-MM-DD.
    const SQLITE_MONTH: &str = "substr(filed_on, 1, 7)";
    const SQLITE_WEEK: &str = "date(filed_on, 'weekday 0', '-6 days')";
    match (granularity, pg) {
        (Granularity::Month, true) => TrendBucket {
            group: PG_MONTH,
            label: "to_char((filed_on - CAST(EXTRACT(DAY FROM filed_on) AS INTEGER) + 1), 'YYYY-MM')",
        },
        (Granularity::Week, true) => TrendBucket {
            group: PG_WEEK,
            label: "to_char((filed_on - CAST(EXTRACT(ISODOW FROM filed_on) AS INTEGER) + 1), 'YYYY-MM-DD')",
        },
        (Granularity::Month, false) => TrendBucket {
            group: SQLITE_MONTH,
            label: SQLITE_MONTH,
        },
        (Granularity::Week, false) => TrendBucket {
            group: SQLITE_WEEK,
            label: SQLITE_WEEK,
        },
    }
}

/// Overdue issues now, per lead department.
pub fn overdue_by_department(
    conn: &mut DbConn,
    scope: &Scope,
    f: &IssueFilter,
    today: NaiveDate,
) -> QueryResult<Vec<(i64, i64)>> {
    let rows: Vec<(Option<i64>, i64)> = issues::table
        .filter(issues_in(scope, f))
        .filter(overdue_on(today))
        .filter(due_in(f))
        .filter(issues::lead_department_id.is_not_null())
        .group_by(issues::lead_department_id)
        .select((issues::lead_department_id, count_star()))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(d, n)| d.map(|d| (d, n)))
        .collect())
}

/// Counts of the issues no department holds (never assigned, and not solved on the spot
/// by one): the line beside the ranking that makes its rows add up to the summary.
pub fn unassigned(conn: &mut DbConn, scope: &Scope, f: &IssueFilter) -> QueryResult<Counts> {
    if kept(f) {
        let row: CountsRow = from_kept!(scope, f, t, cond => t::table
            .filter(cond)
            .filter(t::lead_department_id.eq(0))
            .select(rollup_sql())
            .first(conn)?);
        return Ok(row.into());
    }
    let row: CountsRow = issues::table
        .filter(issues_in(scope, f))
        .filter(issues::lead_department_id.is_null())
        .select(sums_sql(f))
        .first(conn)?;
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
            .select((t::lead_department_id, rollup_sql()))
            .load(conn)?);
        return Ok(rows.into_iter().map(|(d, c)| (d, c.into())).collect());
    }
    let rows: Vec<(Option<i64>, CountsRow)> = issues::table
        .filter(issues_in(scope, f))
        .filter(issues::lead_department_id.is_not_null())
        .group_by(issues::lead_department_id)
        .select((issues::lead_department_id, sums_sql(f)))
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
            .select((t::region_id, rollup_sql()))
            .order(t::region_id)
            .load(conn)?)
    } else {
        issues::table
            .filter(issues_in(scope, f))
            .group_by(issues::region_id)
            .select((issues::region_id, sums_sql(f)))
            .order(issues::region_id)
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
            .select((t::category, rollup_sql()))
            .order(t::category)
            .load(conn)?)
    } else {
        issues::table
            .filter(issues_in(scope, f))
            .group_by(issues::category)
            .select((issues::category, sums_sql(f)))
            .order(issues::category)
            .load(conn)?
    };
    Ok(rows.into_iter().map(|(c, n)| (c, read(f, n))).collect())
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Granularity {
    Week,
    Month,
}

/// Counts per week (starting Monday) or month of filing. The bucket is the one piece of
/// SQL that differs between the backends.
pub fn trend(
    conn: &mut DbConn,
    scope: &Scope,
    f: &IssueFilter,
    granularity: Granularity,
) -> QueryResult<Vec<(String, Counts)>> {
    let TrendBucket { group, label } = trend_bucket(matches!(conn, DbConn::Pg(_)), granularity);
    let pg = matches!(conn, DbConn::Pg(_));
    let rows: Vec<(Option<String>, CountsRow)> = if kept(f) && pg {
        issue_rollup::table
            .filter(rollup_in(scope, f))
            .group_by(sql::<Nullable<Text>>(group))
            .select((sql::<Nullable<Text>>(label), rollup_sql()))
            .order(sql::<Nullable<Text>>(group))
            .load(conn)?
    } else if kept(f) {
        let days = issue_rollup::table
            .filter(rollup_in(scope, f))
            .group_by(issue_rollup::filed_on)
            .select((issue_rollup::filed_on, sql::<CountsSql>(day_sums())));
        ByBucket::<_, CountsSql>::new(days, TrendBucket { group, label }, rollup_sums())
            .load(conn)?
    } else {
        issues::table
            .filter(issues_in(scope, f))
            .group_by(sql::<Nullable<Text>>(group))
            .select((sql::<Nullable<Text>>(label), sums_sql(f)))
            .order(sql::<Nullable<Text>>(group))
            .load(conn)?
    };
    Ok(rows
        .into_iter()
        .filter_map(|(b, c)| b.map(|b| (b, read(f, c))))
        .collect())
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_measure_but_overdue_is_a_kept_sum() {
        for m in Measure::ALL {
            let kept = measures().iter().any(|(column, _)| *column == m.code());
            assert_eq!(kept, *m != Measure::Overdue, "{m:?}");
        }
    }
}
