//! The figures' measures, declared once: each is a field of `Counts`, a column of the kept
//! sums (`issue_rollup`, `issue_totals`), and its SQL over one issue on either basis. Adding
//! a figure is one entry here (and its column in the kept tables' migration); every sum,
//! kept row, recount and list of "the issues behind a number" reads this table.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::sql;
use diesel::sql_types::BigInt;

use super::schema::issues;
use super::scope::Filter;
use crate::domain::issue::{EventKind, Measure, Rating};
use crate::domain::lifecycle::State;

/// Codes as an SQL list (`'answered', 'closed'`). Codes are the program's own constants,
/// never text from a request.
pub fn sql_list<T: std::fmt::Display>(codes: &[T]) -> String {
    codes
        .iter()
        .map(|c| format!("'{c}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// 督办中 as SQL over an issue row: flagged for supervision and not yet closed or withdrawn
/// (`State::SUPERVISION_OVER`). The one definition; `filter::under_supervision` is the same
/// rule as a query filter.
pub fn under_supervision_sql() -> String {
    format!(
        "(supervision AND status NOT IN ({}))",
        sql_list(&State::SUPERVISION_OVER)
    )
}

/// The condition of the issues the figures count at all: collected, not withdrawn.
pub fn collected_sql() -> String {
    format!("status <> '{}'", State::Withdrawn)
}

/// The dates an activity-basis figure counts events in (Asia/Shanghai, inclusive; an open
/// end sets no bound). The dates come from a validated query, never request text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Period {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

impl Period {
    /// `column` (a stored UTC instant) within the period, as SQL.
    pub fn within(&self, column: &str) -> String {
        let text = |t: NaiveDateTime| format!("'{}'", t.format("%Y-%m-%d %H:%M:%S"));
        let mut parts = vec![format!("{column} IS NOT NULL")];
        if let Some(first) = self.from {
            parts.push(format!(
                "{column} >= {}",
                text(crate::domain::time::start_of(first))
            ));
        }
        if let Some(next) = self.to.and_then(|d| d.succ_opt()) {
            parts.push(format!(
                "{column} < {}",
                text(crate::domain::time::start_of(next))
            ));
        }
        format!("({})", parts.join(" AND "))
    }

    /// A date column within the period, as SQL.
    pub fn dated(&self, column: &str) -> String {
        let mut parts = vec![format!("{column} IS NOT NULL")];
        if let Some(first) = self.from {
            parts.push(format!("{column} >= '{}'", first.format("%Y-%m-%d")));
        }
        if let Some(last) = self.to {
            parts.push(format!("{column} <= '{}'", last.format("%Y-%m-%d")));
        }
        format!("({})", parts.join(" AND "))
    }
}

/// The issues with anything to count on the activity basis in the period, as SQL over one
/// issue: filed, assigned (every assignment is kept), first answered, rated or returned in it, urged or
/// supervised in it (their events), due in it (overdue at its end), or ever flagged for
/// supervision (督办中 at its end). Every activity measure is 0 for any other issue, so the
/// figures need read only these: a week among four years of issues reads a few hundred,
/// each set found by an index, then the issues' versions by key. The dates that never
/// change once set are read from the issues as they are (`issues_now`, which a reading "as
/// at" the period's end does not hide); a rating, a return and the due date from where they
/// are kept.
pub fn active_in(period: Period) -> String {
    format!(
        "issues.id IN (SELECT n.id FROM issues_now n WHERE {} \
         UNION SELECT n.id FROM issues_now n WHERE {} \
         UNION SELECT a.issue_id FROM issue_assignments a WHERE {} \
         UNION SELECT a.issue_id FROM issue_assignments a WHERE {} \
         UNION SELECT r.issue_id FROM issue_ratings r WHERE {} \
         UNION SELECT e.issue_id FROM issue_events e WHERE {} AND e.action IN ('{}', '{}') \
         UNION SELECT h.issue_id FROM issue_history h WHERE {} \
         UNION SELECT h.issue_id FROM issue_history h WHERE h.supervision)",
        period.dated("n.filed_on"),
        period.within("n.first_answered_at"),
        period.within("a.assigned_at"),
        period.within("a.returned_at"),
        period.within("r.rated_at"),
        period.within("e.at"),
        EventKind::Urged,
        EventKind::Supervised,
        period.dated("h.due_on"),
    )
}

/// The pieces of SQL the activity-basis measures share, for one period.
struct Activity {
    period: Period,
    /// Filed in the period.
    filed: String,
    /// First assigned in the period.
    assigned: String,
    /// Assigned (or resolved on the spot), and first answered in the period.
    answered: String,
    /// `FROM issue_ratings r WHERE` the issue's ratings given in the period.
    rated_in: String,
}

impl Activity {
    fn new(period: Period) -> Activity {
        Activity {
            period,
            filed: period.dated("filed_on"),
            assigned: period.within("assigned_at"),
            answered: format!(
                "(assigned_at IS NOT NULL OR resolved_on_site) AND {}",
                period.within("first_answered_at")
            ),
            rated_in: format!(
                "FROM issue_ratings r WHERE r.issue_id = issues.id AND {}",
                period.within("r.rated_at")
            ),
        }
    }

    /// A column of the latest rating given in the period.
    fn latest(&self, column: &str) -> String {
        format!(
            "(SELECT r.{column} {} ORDER BY r.answer_number DESC LIMIT 1)",
            self.rated_in
        )
    }

    /// The issue's events of a kind in the period.
    fn events(&self, action: EventKind) -> String {
        format!(
            "(SELECT COUNT(*) FROM issue_events e WHERE e.issue_id = issues.id AND e.action = '{action}' AND {})",
            self.period.within("e.at")
        )
    }
}

/// `CASE WHEN cond THEN 1 ELSE 0 END`.
fn one_if(cond: impl std::fmt::Display) -> String {
    format!("CASE WHEN {cond} THEN 1 ELSE 0 END")
}

macro_rules! bigint_of {
    ($x:ident) => {
        BigInt
    };
}
macro_rules! i64_of {
    ($x:ident) => {
        i64
    };
}

/// Declares the kept measures: `field = "column"` (the `Counts` field and the kept tables'
/// column, which is also the measure's code in `domain::issue::Measure`), its SQL over one
/// issue on the filed basis, and on the activity basis (given the period's shared pieces).
macro_rules! measures {
    ($(
        $(#[doc = $doc:literal])*
        $field:ident = $column:literal,
        filed: $filed:expr,
        activity: |$a:ident| $activity:expr;
    )*) => {
        /// The issue counts behind every figure.
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
        pub struct Counts {
            $( $(#[doc = $doc])* pub $field: i64, )*
            /// Overdue now: still assigned or in progress past the due date. Not a kept sum
            /// (it moves with the date); filled in by the figures from `overdue`/`overdue_by`.
            pub overdue_now: i64,
            /// Of those, the issues not counted among the answered of the same figures
            /// (a reopened issue overdue again is answered already): what "answered or
            /// overdue" adds to the answered.
            pub overdue_unanswered: i64,
            /// Assignments made (交办次数), those signed for within the sign-for limit, and
            /// those returned: counted over the assignment rows, charged to the department
            /// assigned. Filled in by the figures from `assignment_counts`.
            pub assignments: i64,
            pub signed_on_time: i64,
            pub returns: i64,
            /// Read on the activity basis: 办结率 is then over the work of the period
            /// (answered in it, or due in it and still open at its end), not over the
            /// issues assigned in it.
            pub activity: bool,
        }

        /// The SQL types of a row of the kept measures' sums, in declaration order.
        pub type CountsSql = ($( bigint_of!($field), )*);
        /// A row of the kept measures' sums, in declaration order.
        pub type CountsRow = ($( i64_of!($field), )*);

        /// The kept measures' columns, in declaration order.
        pub const COLUMNS: &[&str] = &[$( $column ),*];

        /// Each kept measure's SQL over one issue on the filed basis, in declaration order.
        fn filed_list() -> Vec<String> {
            vec![$( String::from($filed) ),*]
        }

        /// Each kept measure's SQL over one issue on the activity basis, in declaration
        /// order.
        fn activity_list(period: Period) -> Vec<String> {
            let activity = Activity::new(period);
            vec![$( { let $a = &activity; String::from($activity) } ),*]
        }

        impl From<CountsRow> for Counts {
            /// A row read by name: the tuple is unpacked into the fields it was summed for.
            fn from(row: CountsRow) -> Self {
                let ($( $field, )*) = row;
                Counts { $( $field, )* ..Default::default() }
            }
        }
    };
}

/// Answered on the filed basis: assigned and answered at least once, or resolved on the
/// spot (which counts as answered on time).
const ANSWERED: &str =
    "(first_answered_at IS NOT NULL AND (assigned_at IS NOT NULL OR resolved_on_site))";

measures! {
    /// Filed, not withdrawn.
    collected = "collected",
        filed: "1",
        activity: |a| one_if(&a.filed);
    resolved_on_site = "resolved_on_site",
        filed: one_if("resolved_on_site"),
        activity: |a| one_if(format!("{} AND resolved_on_site", a.filed));
    /// Ever assigned.
    assigned = "assigned_issues",
        filed: one_if("assigned_at IS NOT NULL"),
        activity: |a| one_if(&a.assigned);
    /// Assigned and now answered or closed with an answer (办结).
    concluded = "concluded",
        filed: one_if(format!(
            "assigned_at IS NOT NULL AND NOT not_actionable AND status IN ({})",
            sql_list(&State::CONCLUDED)
        )),
        activity: |a| one_if(format!("assigned_at IS NOT NULL AND {}", a.answered));
    /// Answered (assigned and answered at least once), or resolved on the spot.
    answered = "answered_issues",
        filed: one_if(ANSWERED),
        activity: |a| one_if(&a.answered);
    /// Of those, first answered by the due date in force (on the spot: on time).
    on_time = "on_time",
        filed: one_if(format!("{ANSWERED} AND answered_on_time")),
        activity: |a| one_if(format!("{} AND answered_on_time", a.answered));
    /// Of the answered, reopened at least once.
    reopened = "reopened",
        filed: one_if(format!("{ANSWERED} AND reopen_count > 0")),
        activity: |a| one_if(format!(
            "(assigned_at IS NOT NULL OR resolved_on_site) AND EXISTS (SELECT 1 {} AND r.rating = '{}')",
            a.rated_in,
            Rating::Dissatisfied
        ));
    /// Assigned and returned at least once.
    returned = "returned_issues",
        filed: one_if("assigned_at IS NOT NULL AND return_count > 0"),
        activity: |a| one_if(format!(
            "EXISTS (SELECT 1 FROM issue_assignments a WHERE a.issue_id = issues.id AND {})",
            a.period.within("a.returned_at")
        ));
    /// With a rating (the latest counts).
    rated = "rated",
        filed: one_if("rating IS NOT NULL"),
        activity: |a| one_if(format!("EXISTS (SELECT 1 {})", a.rated_in));
    /// Latest rating satisfied or basically satisfied.
    satisfied = "satisfied",
        filed: one_if(format!("rating IN ({})", sql_list(&Rating::SATISFIED))),
        activity: |a| one_if(format!(
            "{} IN ({})",
            a.latest("rating"),
            sql_list(&Rating::SATISFIED)
        ));
    /// Dissatisfied ratings given (every one, not only the latest).
    dissatisfied_ratings = "dissatisfied_ratings",
        filed: "dissatisfied_count",
        activity: |a| format!(
            "(SELECT COUNT(*) {} AND r.rating = '{}')",
            a.rated_in,
            Rating::Dissatisfied
        );
    /// Sum and number of working days from assignment to first answer.
    working_days_sum = "working_days_sum",
        filed: "CASE WHEN assigned_at IS NOT NULL THEN COALESCE(working_days_to_answer, 0) ELSE 0 END",
        activity: |a| format!(
            "CASE WHEN assigned_at IS NOT NULL AND {} THEN COALESCE(working_days_to_answer, 0) ELSE 0 END",
            a.answered
        );
    working_days_n = "working_days_n",
        filed: one_if("assigned_at IS NOT NULL AND working_days_to_answer IS NOT NULL"),
        activity: |a| one_if(format!(
            "assigned_at IS NOT NULL AND {} AND working_days_to_answer IS NOT NULL",
            a.answered
        ));
    urges = "urges",
        filed: "urge_count",
        activity: |a| a.events(EventKind::Urged);
    supervisions = "supervisions",
        filed: "supervise_count",
        activity: |a| a.events(EventKind::Supervised);
    /// 督办中: flagged for supervision (now; on the activity basis, at the period's end).
    under_supervision = "under_supervision",
        filed: one_if(under_supervision_sql()),
        activity: |_a| one_if(under_supervision_sql());
    /// Of the answered, rated (参评).
    rated_answered = "rated_answered",
        filed: one_if(format!("{ANSWERED} AND rating IS NOT NULL")),
        activity: |a| one_if(format!("{} AND rating IS NOT NULL", a.answered));
    /// Of the answered, never returned and never reopened (一次办结).
    first_time = "first_time",
        filed: one_if(format!("{ANSWERED} AND return_count = 0 AND reopen_count = 0")),
        activity: |a| one_if(format!(
            "{} AND return_count = 0 AND reopen_count = 0",
            a.answered
        ));
    /// Rated, the latest rating saying the problem was solved (是否解决).
    solved = "solved",
        filed: one_if("rating IS NOT NULL AND solved"),
        activity: |a| one_if(a.latest("solved"));
    /// Assigned and not closed as not actionable: 办结率's denominator.
    actionable = "actionable",
        filed: one_if("assigned_at IS NOT NULL AND NOT not_actionable"),
        activity: |a| one_if(format!("{} AND NOT not_actionable", a.assigned));
    /// Of the answered, with no setback charged to the lead department (it never returned
    /// the issue, and it was not reopened since its latest assignment): 一次办结 in a
    /// department's row.
    first_time_own = "first_time_own",
        filed: one_if(format!("{ANSWERED} AND NOT charged_setback")),
        activity: |a| one_if(format!("{} AND NOT charged_setback", a.answered));
}

/// The issues the figures count as answered, as SQL over one issue: the `answered`
/// measure's condition on either basis. An overdue issue among them is not counted again in
/// a denominator of "answered or overdue".
pub fn answered_sql(activity: bool, period: Period) -> String {
    if activity {
        Activity::new(period).answered
    } else {
        ANSWERED.to_owned()
    }
}

/// Overdue issues: all of them, and those not among the answered of the same figures.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Overdue {
    pub all: i64,
    pub unanswered: i64,
}

impl Counts {
    pub fn with_overdue(mut self, o: Overdue) -> Self {
        self.overdue_now = o.all;
        self.overdue_unanswered = o.unanswered;
        self
    }

    pub fn with_assignments(mut self, a: AssignmentCounts) -> Self {
        self.assignments = a.assignments;
        self.signed_on_time = a.signed_on_time;
        self.returns = a.returns;
        self
    }
}

/// Assignments, those signed for in time and those returned, over assignment rows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AssignmentCounts {
    pub assignments: i64,
    pub signed_on_time: i64,
    pub returns: i64,
}

/// An assignment `a` handled within the sign-for limit: signed for, or returned with a
/// reason, before its deadline.
pub const SIGNED_IN_TIME: &str =
    "(a.signed_at < a.sign_deadline OR a.returned_at < a.sign_deadline)";

/// The measures of the assignment counts, in the order of `AssignmentCounts`.
pub const ASSIGNMENT_MEASURES: [(&str, &str); 3] = [
    ("assignments", "1"),
    (
        "signed_on_time",
        "CASE WHEN (a.signed_at < a.sign_deadline OR a.returned_at < a.sign_deadline) THEN 1 ELSE 0 END",
    ),
    (
        "returns",
        "CASE WHEN a.returned_at IS NOT NULL THEN 1 ELSE 0 END",
    ),
];

/// Each kept measure's column and its SQL over one issue on the filed basis, in
/// declaration order (computed once).
pub fn filed() -> &'static [(&'static str, String)] {
    static MEASURES: std::sync::OnceLock<Vec<(&'static str, String)>> = std::sync::OnceLock::new();
    MEASURES.get_or_init(|| COLUMNS.iter().copied().zip(filed_list()).collect())
}

/// The sums of the measures over issues, on the filed basis.
pub fn filed_sums() -> diesel::expression::SqlLiteral<CountsSql> {
    let list: Vec<String> = filed()
        .iter()
        .map(|(_, e)| format!("CAST(COALESCE(SUM({e}), 0) AS BIGINT)"))
        .collect();
    sql::<CountsSql>(&list.join(", "))
}

/// The sums of the measures over issues, each counted by the date of its own event in the
/// period (filing, first assignment, first answer, rating, return, urge, supervision);
/// 督办中 is the state now.
pub fn activity_sums(period: Period) -> diesel::expression::SqlLiteral<CountsSql> {
    let list: Vec<String> = activity_list(period)
        .iter()
        .map(|e| format!("CAST(COALESCE(SUM({e}), 0) AS BIGINT)"))
        .collect();
    sql::<CountsSql>(&list.join(", "))
}

/// The sums of the kept columns over kept rows (PostgreSQL sums BIGINT into NUMERIC: cast
/// back), as text.
pub fn kept_sums() -> &'static str {
    static TEXT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    TEXT.get_or_init(|| {
        let list: Vec<String> = COLUMNS
            .iter()
            .map(|c| format!("CAST(COALESCE(SUM({c}), 0) AS BIGINT)"))
            .collect();
        list.join(", ")
    })
}

/// The sums of the kept columns over kept rows.
pub fn kept_sums_sql() -> diesel::expression::SqlLiteral<CountsSql> {
    sql::<CountsSql>(kept_sums())
}

/// The kept sums of a day's rows, each named as its column (the rows a trend adds up).
pub fn day_sums() -> &'static str {
    static TEXT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    TEXT.get_or_init(|| {
        let list: Vec<String> = COLUMNS.iter().map(|c| format!("SUM({c}) AS {c}")).collect();
        list.join(", ")
    })
}

/// The issues a kept measure counts, as a condition: the very SQL that sums it. With the
/// figures' filter (collected, lead department) it selects exactly the issues behind the
/// number. `None` for a measure that is not kept (overdue, which moves with the date:
/// `filter::overdue_on`).
pub fn condition(m: Measure) -> Option<Filter<issues::table>> {
    let (_, expr) = filed().iter().find(|(column, _)| *column == m.code())?;
    Some(Box::new(sql::<diesel::sql_types::Bool>(&format!(
        "({expr}) = 1"
    ))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_measure_but_overdue_is_a_kept_sum() {
        for m in Measure::ALL {
            assert_eq!(COLUMNS.contains(&m.code()), *m != Measure::Overdue, "{m:?}");
        }
    }

    #[test]
    fn the_kept_sign_for_measure_is_the_rule() {
        assert!(ASSIGNMENT_MEASURES[1].1.contains(SIGNED_IN_TIME));
    }

    #[test]
    fn every_measure_has_sql_on_both_bases() {
        assert_eq!(filed_list().len(), COLUMNS.len());
        assert_eq!(activity_list(Period::default()).len(), COLUMNS.len());
    }

    #[test]
    fn a_row_is_read_into_the_fields_it_was_summed_for() {
        let row: CountsRow = (
            1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21,
        );
        let c = Counts::from(row);
        assert_eq!(
            (c.collected, c.assigned, c.under_supervision, c.solved),
            (1, 3, 16, 19)
        );
        assert_eq!((c.actionable, c.first_time_own), (20, 21));
        assert_eq!(COLUMNS[15], "under_supervision");
    }
}
