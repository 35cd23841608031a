//! Trends: the figures per week or month of filing.

use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{Nullable, Text};

use super::{issues_in, kept, read, rollup_in, sums_sql, ByBucket};
use crate::db::DbConn;
use crate::store::filter::IssueFilter;
use crate::store::measures::{self, Counts, CountsRow, CountsSql};
use crate::store::schema::{issue_rollup, issues};
use crate::store::scope::Scope;

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
            .select((sql::<Nullable<Text>>(label), measures::kept_sums_sql()))
            .order(sql::<Nullable<Text>>(group))
            .load(conn)?
    } else if kept(f) {
        let days = issue_rollup::table
            .filter(rollup_in(scope, f))
            .group_by(issue_rollup::filed_on)
            .select((
                issue_rollup::filed_on,
                sql::<CountsSql>(measures::day_sums()),
            ));
        ByBucket::<_, CountsSql>::new(days, TrendBucket { group, label }, measures::kept_sums())
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
