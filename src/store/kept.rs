//! The figures' kept sums: every issue's measures (`measures`) summed per region, lead
//! department, category, channel and day of filing (`issue_rollup`) and for all time
//! (`issue_totals`), and the assignment counts per department (`assignment_rollup`). Written
//! in the transaction of every change of an issue (`add_to_rollup`,
//! `add_assignments_to_rollup`); on PostgreSQL folded now and then (`fold_kept`); refilled
//! from the issues when they do not add up (`ensure_rollup`); compared group by group with
//! a recount (`qinqing check-figures`).

use chrono::NaiveDate;
use diesel::connection::SimpleConnection;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use super::fixed;
use super::measures::{self, AssignmentCounts, Counts, CountsRow, ASSIGNMENT_MEASURES};
use super::schema::{issue_rollup, issue_totals, issues};
use crate::db::DbConn;
use crate::domain::lifecycle::State;

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
        let columns: Vec<&str> = measures::filed().iter().map(|(c, _)| *c).collect();
        let values: Vec<String> = measures::filed()
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
                measures::collected_sql(),
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
        let issue_columns: Vec<&str> = measures::filed().iter().map(|(c, _)| *c).collect();
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

/// The assignment rows the figures count, with their issue (`i`): those of collected issues.
fn assignments_of_issues() -> String {
    format!(
        "FROM issue_assignments a JOIN issues i ON i.id = a.issue_id WHERE i.{}",
        measures::collected_sql()
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
            measures::kept_sums_sql(),
        ))
        .load(conn)?;
    let lead = "COALESCE(lead_department_id, 0)";
    let counted: Vec<Row> = issues::table
        .filter(sql::<diesel::sql_types::Bool>(&measures::collected_sql()))
        .group_by(sql::<Text>(&format!(
            "region_id, {lead}, category, channel, filed_on"
        )))
        .select((
            sql::<BigInt>("region_id"),
            sql::<BigInt>(lead),
            sql::<Text>("category"),
            sql::<Text>("channel"),
            sql::<diesel::sql_types::Date>("filed_on"),
            measures::filed_sums(),
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
            measures::kept_sums_sql(),
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
        .filter(sql::<diesel::sql_types::Bool>(&measures::collected_sql()))
        .group_by(sql::<Text>(&format!(
            "region_id, {lead}, category, channel"
        )))
        .select((
            sql::<BigInt>("region_id"),
            sql::<BigInt>(lead),
            sql::<Text>("category"),
            sql::<Text>("channel"),
            measures::filed_sums(),
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
        .select(measures::filed_sums())
        .first(conn)?;
    let from_rollup: CountsRow = issue_rollup::table
        .select(measures::kept_sums_sql())
        .first(conn)?;
    let from_totals: CountsRow = issue_totals::table
        .select(measures::kept_sums_sql())
        .first(conn)?;
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
    let columns: Vec<&str> = measures::filed().iter().map(|(c, _)| *c).collect();
    let sums: Vec<String> = measures::filed()
        .iter()
        .map(|(_, e)| format!("SUM({e})"))
        .collect();
    let assignment_columns: Vec<&str> = ASSIGNMENT_MEASURES.iter().map(|(c, _)| *c).collect();
    let assignment_sums: Vec<String> = ASSIGNMENT_MEASURES
        .iter()
        .map(|(_, e)| format!("SUM({e})"))
        .collect();
    let (columns, sums, collected) = (
        columns.join(", "),
        sums.join(", "),
        measures::collected_sql(),
    );
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
