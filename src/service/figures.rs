//! Figures for leaders and the Federation: the summary, the department ranking (红黑榜),
//! regions, categories, the trend, and the yearly report. Every rate states its numerator
//! and denominator; the database does the counting.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::common::opt_id;
use super::regions::{check_named, Named};
use crate::auth::Caller;
use crate::db::DbConn;
use crate::domain::issue::{Category, Channel};
use crate::domain::role::Can;
use crate::domain::time;
use crate::error::Error;
use crate::store::filter::IssueFilter;
use crate::store::scope::Scope;
use crate::store::stats::{self, Counts, ForumCounts, Granularity};
use crate::store::{departments, regions};

/// A rate with what it is made of; `percent` is rounded to 2 decimals, null over nothing.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Rate {
    pub numerator: i64,
    pub denominator: i64,
    pub percent: Option<f64>,
}

impl Rate {
    /// `98.75%`, or `—` over nothing.
    pub fn zh(&self) -> String {
        match self.percent {
            Some(p) => format!("{p:.2}%"),
            None => "—".into(),
        }
    }

    /// `1,975 / 2,000`: what the rate is made of.
    pub fn parts(&self) -> String {
        use crate::domain::zh::count;
        format!("{} / {}", count(self.numerator), count(self.denominator))
    }
}

pub fn rate(numerator: i64, denominator: i64) -> Rate {
    let percent = (denominator > 0)
        .then(|| (numerator as f64 * 10_000.0 / denominator as f64).round() / 100.0);
    Rate {
        numerator,
        denominator,
        percent,
    }
}

#[derive(Serialize)]
pub struct Rates {
    /// 办结率: assigned issues now answered or closed with an answer ÷ assigned, those
    /// closed as not actionable in neither (activity basis: assigned issues first answered
    /// in the period ÷ those and the issues due in it still open at its end).
    pub answered: Rate,
    /// 按期办结率: issues first answered by the due date in force (resolved on the spot:
    /// on time) ÷ issues answered or overdue, each once (an overdue issue still open counts
    /// against the rate).
    pub on_time: Rate,
    /// 满意率: satisfied or basically satisfied ÷ rated, by each issue's latest rating.
    pub satisfaction: Rate,
    /// 重办率: answered issues reopened at least once ÷ answered.
    pub reopen: Rate,
    /// 退回率: assignments the department returned ÷ assignments it received, charged to
    /// the department that returned.
    pub r#return: Rate,
    /// 及时签收率: assignments signed for within the sign-for limit ÷ assignments, charged
    /// to the department assigned.
    pub sign_for: Rate,
    /// 参评率: answered issues (resolved on the spot included) with a rating ÷ answered.
    pub rated: Rate,
    /// 解决率: latest ratings saying the problem was solved ÷ rated.
    pub solved: Rate,
    /// 一次办结率: answered issues never returned and never reopened ÷ answered; in a
    /// department's row, those it answered with no return of its own and no reopening
    /// since its latest assignment.
    pub first_time: Rate,
}

impl From<&Counts> for Rates {
    fn from(c: &Counts) -> Self {
        Rates {
            answered: if c.activity {
                rate(c.concluded, c.concluded + c.overdue_unanswered)
            } else {
                rate(c.concluded, c.actionable)
            },
            on_time: rate(c.on_time, c.answered + c.overdue_unanswered),
            satisfaction: rate(c.satisfied, c.rated),
            reopen: rate(c.reopened, c.answered),
            r#return: rate(c.returns, c.assignments),
            sign_for: rate(c.signed_on_time, c.assignments),
            rated: rate(c.rated_answered, c.answered),
            solved: rate(c.solved, c.rated),
            first_time: rate(c.first_time, c.answered),
        }
    }
}

/// The issue figures of one row (the summary, a department, a region …).
#[derive(Serialize)]
pub struct IssueFigures {
    pub issues_collected: i64,
    pub resolved_on_site: i64,
    pub assigned: i64,
    /// Assignments made (an issue reassigned counts again).
    pub assignments: i64,
    pub answered: i64,
    pub rated: i64,
    pub satisfied: i64,
    pub dissatisfied: i64,
    pub urges: i64,
    pub supervisions: i64,
    pub under_supervision: i64,
    pub mean_working_days_to_answer: Option<f64>,
    pub rates: Rates,
}

impl From<Counts> for IssueFigures {
    fn from(c: Counts) -> Self {
        IssueFigures {
            rates: Rates::from(&c),
            issues_collected: c.collected,
            resolved_on_site: c.resolved_on_site,
            assigned: c.assigned,
            assignments: c.assignments,
            answered: c.answered,
            rated: c.rated,
            satisfied: c.satisfied,
            dissatisfied: c.dissatisfied_ratings,
            urges: c.urges,
            supervisions: c.supervisions,
            under_supervision: c.under_supervision,
            mean_working_days_to_answer: (c.working_days_n > 0).then(|| {
                (c.working_days_sum as f64 * 100.0 / c.working_days_n as f64).round() / 100.0
            }),
        }
    }
}

#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatsQuery {
    #[serde(default, deserialize_with = "crate::domain::time::strict_date")]
    pub from: Option<NaiveDate>,
    #[serde(default, deserialize_with = "crate::domain::time::strict_date")]
    pub to: Option<NaiveDate>,
    #[serde(default, deserialize_with = "opt_id")]
    pub region_id: Option<i64>,
    #[serde(default, deserialize_with = "opt_id")]
    pub department_id: Option<i64>,
    pub category: Option<Category>,
    pub channel: Option<Channel>,
    #[serde(default, deserialize_with = "opt_id")]
    pub edition_id: Option<i64>,
    #[serde(default, deserialize_with = "opt_id")]
    pub forum_id: Option<i64>,
    /// Trend only: week or month.
    pub granularity: Option<String>,
    /// Ranking only: the fewest rated issues a department needs to be ranked (default 5).
    pub min_rated: Option<i64>,
    /// How a period is read: `filed` (the default: the issues filed in it, with their
    /// outcome today) or `activity` (what happened in it, each counted by its event's date).
    pub basis: Option<String>,
}

impl StatsQuery {
    /// The figures of a period (inclusive dates) and, if given, a region, on a basis.
    pub fn period(from: NaiveDate, to: NaiveDate, region_id: Option<i64>, activity: bool) -> Self {
        StatsQuery {
            from: Some(from),
            to: Some(to),
            region_id,
            department_id: None,
            category: None,
            channel: None,
            edition_id: None,
            forum_id: None,
            granularity: None,
            min_rated: None,
            basis: activity.then(|| "activity".to_owned()),
        }
    }

    /// Refuses the parameters of other figure endpoints (`granularity` outside the trend,
    /// `min_rated` outside the ranking), as any parameter an endpoint does not have.
    fn only(&self, granularity: bool, min_rated: bool) -> Result<(), Error> {
        let stray = [
            ("granularity", self.granularity.is_some() && !granularity),
            ("min_rated", self.min_rated.is_some() && !min_rated),
        ];
        match stray.into_iter().find(|(_, stray)| *stray) {
            Some((name, _)) => Err(Error::Malformed {
                detail: format!("the query parameter `{name}` is not a parameter here"),
                errors: vec![crate::error::FieldError::new(
                    name,
                    "is not a parameter here",
                )],
            }),
            None => Ok(()),
        }
    }

    fn filter(&self, conn: &mut DbConn, scope: &Scope) -> Result<IssueFilter, Error> {
        let activity = match self.basis.as_deref() {
            None | Some("filed") => false,
            Some("activity") => true,
            Some(_) => return Err(Error::invalid("basis", "must be filed or activity")),
        };
        super::common::check_span(self.from, self.to)?;
        let region_path = check_named(
            conn,
            scope,
            &Named {
                region_id: self.region_id,
                department_id: self.department_id,
                enterprise_id: None,
                forum_id: self.forum_id,
                edition_id: self.edition_id,
            },
        )?;
        Ok(IssueFilter {
            from: self.from,
            to: self.to,
            region_path,
            department_id: self.department_id,
            category: self.category,
            channel: self.channel,
            edition_id: self.edition_id,
            forum_id: self.forum_id,
            activity,
            ..IssueFilter::default()
        })
    }
}

/// The caller's scope and the query's filter, for the roles that read figures.
fn scoped(
    conn: &mut DbConn,
    caller: &Caller,
    query: &StatsQuery,
) -> Result<(Scope, IssueFilter), Error> {
    caller.require_to(Can::ReadFigures)?;
    let scope = caller.scope();
    let filter = query.filter(conn, &scope)?;
    Ok((scope, filter))
}

#[derive(Serialize)]
pub struct Summary {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// The forum figures; `None` under a filter forums do not have (category, channel),
    /// rather than a count that ignores it.
    pub editions: Option<i64>,
    pub forums_held: Option<i64>,
    pub attendances: Option<i64>,
    pub distinct_enterprises: Option<i64>,
    pub overdue: i64,
    #[serde(flatten)]
    pub issues: IssueFigures,
    /// Years up to this one with no holiday calendar (their due dates count only weekends).
    pub calendar_missing: Vec<i32>,
}

/// The summary over a filter (used by the dashboard and the yearly report).
fn summarise(conn: &mut DbConn, scope: &Scope, f: &IssueFilter) -> Result<Summary, Error> {
    let counts = whole(conn, scope, f)?;
    let overdue = counts.overdue_now;
    let forums = if f.category.is_some() || f.channel.is_some() {
        None
    } else {
        Some(stats::forum_counts(conn, scope, f)?)
    };
    let forum = |pick: fn(&ForumCounts) -> i64| forums.as_ref().map(pick);
    Ok(Summary {
        from: f.from,
        to: f.to,
        editions: forum(|c| c.editions),
        forums_held: forum(|c| c.forums_held),
        attendances: forum(|c| c.attendances),
        distinct_enterprises: forum(|c| c.enterprises),
        overdue,
        issues: counts.into(),
        calendar_missing: missing_calendars(conn)?,
    })
}

/// Every count of one filter: the issue sums, overdue now and the assignment rows.
fn whole(conn: &mut DbConn, scope: &Scope, f: &IssueFilter) -> Result<Counts, Error> {
    let counts =
        stats::counts(conn, scope, f)?.with_overdue(stats::overdue(conn, scope, f, time::today())?);
    let assigned = stats::assignment_counts(conn, scope, f, None)?;
    Ok(match assigned.first() {
        Some((_, a)) => counts.with_assignments(*a),
        None => counts,
    })
}

/// The assignment counts of a grouped figure by group (the key read as text).
fn assignments_by(
    conn: &mut DbConn,
    scope: &Scope,
    f: &IssueFilter,
    group: stats::AssignmentGroup,
) -> Result<std::collections::HashMap<String, stats::AssignmentCounts>, Error> {
    Ok(stats::assignment_counts(conn, scope, f, Some(group))?
        .into_iter()
        .filter_map(|(k, a)| k.map(|k| (k, a)))
        .collect())
}

fn missing_calendars(conn: &mut DbConn) -> Result<Vec<i32>, Error> {
    crate::service::calendar::missing_years(conn, time::today())
}

/// The headline figures.
pub fn summary(conn: &mut DbConn, caller: &Caller, query: StatsQuery) -> Result<Summary, Error> {
    query.only(false, false)?;
    let (scope, f) = scoped(conn, caller, &query)?;
    summarise(conn, &scope, &f)
}

/// Rows of a figure table: `{"items": [...]}`.
#[derive(Serialize)]
pub struct Items<T> {
    pub items: Vec<T>,
    pub calendar_missing: Vec<i32>,
}

#[derive(Serialize)]
pub struct DepartmentRow {
    /// Place among the departments of its level with enough rated issues; none when the
    /// department has fewer than `min_rated` (样本不足).
    pub rank: Option<usize>,
    /// `city` (a department of a city) or `district` (of a district or county): ranked apart.
    pub level: &'static str,
    pub sample_short: bool,
    pub department_id: i64,
    pub name: String,
    pub region_id: i64,
    /// Overdue now (超期).
    pub overdue: i64,
    #[serde(flatten)]
    pub figures: IssueFigures,
}

/// The issues no department holds (never assigned), beside the ranking's rows.
#[derive(Serialize)]
pub struct Unassigned {
    #[serde(flatten)]
    pub figures: IssueFigures,
}

/// 红黑榜.
#[derive(Serialize)]
pub struct Ranking {
    pub items: Vec<DepartmentRow>,
    pub unassigned: Unassigned,
    pub min_rated: i64,
    pub calendar_missing: Vec<i32>,
}

/// The fewest rated issues a department needs to be ranked, unless the query says.
pub const MIN_RATED: i64 = 5;

/// 红黑榜: city departments and district departments ranked apart, each by satisfaction
/// rate, then on-time rate; those with fewer rated issues than the minimum listed after
/// them unranked. With the unassigned line, the rows add up to the summary.
pub fn ranking(conn: &mut DbConn, caller: &Caller, query: StatsQuery) -> Result<Ranking, Error> {
    query.only(false, true)?;
    let min_rated = query.min_rated.unwrap_or(MIN_RATED);
    if !(0..=1_000_000).contains(&min_rated) {
        return Err(Error::invalid("min_rated", "must be between 0 and 1000000"));
    }
    let (scope, f) = scoped(conn, caller, &query)?;
    let mut rows: std::collections::BTreeMap<i64, Counts> = stats::by_department(conn, &scope, &f)?
        .into_iter()
        .collect();
    // Assignments are charged to the department assigned, which may no longer hold any
    // of the issues (it returned them): it still has its row.
    for (d, a) in
        stats::assignment_counts(conn, &scope, &f, Some(stats::AssignmentGroup::Department))?
    {
        if let Some(d) = d.and_then(|d| d.parse::<i64>().ok()) {
            let c = rows.entry(d).or_default();
            *c = c.with_assignments(a);
        }
    }
    let overdue: std::collections::HashMap<i64, stats::Overdue> =
        stats::overdue_by_department(conn, &scope, &f, time::today())?
            .into_iter()
            .collect();
    let ids: Vec<i64> = rows.keys().copied().collect();
    // Each department as it was called on the period's last day.
    let names = departments::names_on(conn, &ids, query.to)?;
    let cities = crate::store::regions::top_level(conn)?;
    let mut out: Vec<DepartmentRow> = rows
        .into_iter()
        .map(|(d, mut c)| {
            let (name, region_id) = names.get(&d).cloned().unwrap_or_default();
            let o = overdue.get(&d).copied().unwrap_or_default();
            c = c.with_overdue(o);
            // A department's 一次办结 is charged only with its own setbacks.
            c.first_time = c.first_time_own;
            DepartmentRow {
                rank: None,
                level: if cities.contains(&region_id) {
                    "city"
                } else {
                    "district"
                },
                sample_short: c.rated < min_rated,
                department_id: d,
                name,
                region_id,
                overdue: o.all,
                figures: c.into(),
            }
        })
        .collect();
    out.sort_by(|a, b| {
        (a.level != "city")
            .cmp(&(b.level != "city"))
            .then(a.sample_short.cmp(&b.sample_short))
            .then(ranking_order(&a.figures, &b.figures))
            .then(a.department_id.cmp(&b.department_id))
    });
    let mut place = std::collections::HashMap::new();
    for row in out.iter_mut().filter(|r| !r.sample_short) {
        let n = place.entry(row.level).or_insert(0);
        *n += 1;
        row.rank = Some(*n);
    }
    Ok(Ranking {
        items: out,
        unassigned: Unassigned {
            figures: stats::unassigned(conn, &scope, &f)?.into(),
        },
        min_rated,
        calendar_missing: missing_calendars(conn)?,
    })
}

/// Higher satisfaction first, then higher on-time rate, then higher sign-for rate;
/// unknown rates last.
fn ranking_order(a: &IssueFigures, b: &IssueFigures) -> std::cmp::Ordering {
    let key = |f: &IssueFigures| {
        [
            f.rates.satisfaction.percent.unwrap_or(-1.0),
            f.rates.on_time.percent.unwrap_or(-1.0),
            f.rates.sign_for.percent.unwrap_or(-1.0),
        ]
    };
    let (ka, kb) = (key(a), key(b));
    kb[0]
        .total_cmp(&ka[0])
        .then(kb[1].total_cmp(&ka[1]))
        .then(kb[2].total_cmp(&ka[2]))
}

#[derive(Serialize)]
pub struct RegionRow {
    pub region_id: i64,
    pub name: String,
    #[serde(flatten)]
    pub figures: IssueFigures,
}

pub fn by_region(
    conn: &mut DbConn,
    caller: &Caller,
    query: StatsQuery,
) -> Result<Items<RegionRow>, Error> {
    query.only(false, false)?;
    let (scope, f) = scoped(conn, caller, &query)?;
    let rows = stats::by_region(conn, &scope, &f)?;
    let overdue = stats::overdue_by(
        conn,
        &scope,
        &f,
        time::today(),
        ("region_id", "CAST(region_id AS TEXT)"),
    )?;
    let assigned = assignments_by(conn, &scope, &f, stats::AssignmentGroup::Region)?;
    let ids: Vec<i64> = rows.iter().map(|(r, _)| *r).collect();
    let names = regions::names(conn, &ids)?;
    let items = rows
        .into_iter()
        .map(|(r, c)| {
            let c = c.with_overdue(overdue.get(&r.to_string()).copied().unwrap_or_default());
            let a = assigned.get(&r.to_string()).copied().unwrap_or_default();
            (r, c.with_assignments(a))
        })
        .map(|(r, c)| RegionRow {
            region_id: r,
            name: names.get(&r).cloned().unwrap_or_default(),
            figures: c.into(),
        })
        .collect();
    Ok(Items {
        items,
        calendar_missing: missing_calendars(conn)?,
    })
}

#[derive(Serialize)]
pub struct CategoryRow {
    pub category: Category,
    pub name: &'static str,
    #[serde(flatten)]
    pub figures: IssueFigures,
}

pub fn by_category(
    conn: &mut DbConn,
    caller: &Caller,
    query: StatsQuery,
) -> Result<Items<CategoryRow>, Error> {
    query.only(false, false)?;
    let (scope, f) = scoped(conn, caller, &query)?;
    let overdue = stats::overdue_by(conn, &scope, &f, time::today(), ("category", "category"))?;
    let assigned = assignments_by(conn, &scope, &f, stats::AssignmentGroup::Category)?;
    let items = stats::by_category(conn, &scope, &f)?
        .into_iter()
        .map(|(c, n)| {
            let n = n.with_overdue(overdue.get(c.code()).copied().unwrap_or_default());
            let a = assigned.get(c.code()).copied().unwrap_or_default();
            (c, n.with_assignments(a))
        })
        .map(|(c, n)| CategoryRow {
            name: c.zh(),
            category: c,
            figures: n.into(),
        })
        .collect();
    Ok(Items {
        items,
        calendar_missing: missing_calendars(conn)?,
    })
}

#[derive(Serialize)]
pub struct TrendRow {
    pub period: String,
    #[serde(flatten)]
    pub figures: IssueFigures,
}

#[derive(Serialize)]
pub struct Trend {
    pub granularity: &'static str,
    pub items: Vec<TrendRow>,
    pub calendar_missing: Vec<i32>,
}

pub fn trend(conn: &mut DbConn, caller: &Caller, query: StatsQuery) -> Result<Trend, Error> {
    trend_of(conn, caller, query, false)
}

/// The trend with the issues' own counts alone (collected, answered, rated, the rates of
/// satisfaction and solving…), leaving out what each period would read besides on the
/// activity basis: overdue at its end and the departments' assignments. What a document's
/// chart draws, in a third of the readings.
pub fn trend_of_counts(
    conn: &mut DbConn,
    caller: &Caller,
    query: StatsQuery,
) -> Result<Trend, Error> {
    trend_of(conn, caller, query, true)
}

fn trend_of(
    conn: &mut DbConn,
    caller: &Caller,
    query: StatsQuery,
    counts_only: bool,
) -> Result<Trend, Error> {
    query.only(true, false)?;
    let granularity = match query.granularity.as_deref() {
        None | Some("month") => Granularity::Month,
        Some("week") => Granularity::Week,
        Some(_) => return Err(Error::invalid("granularity", "must be week or month")),
    };
    let (scope, f) = scoped(conn, caller, &query)?;
    let items = if f.activity {
        activity_trend(conn, &scope, &f, granularity, counts_only)?
    } else {
        let bucket = stats::trend_bucket(matches!(conn, DbConn::Pg(_)), granularity);
        let overdue = stats::overdue_by(
            conn,
            &scope,
            &f,
            time::today(),
            (bucket.group, bucket.label),
        )?;
        let assigned = assignments_by(conn, &scope, &f, stats::AssignmentGroup::Bucket(bucket))?;
        stats::trend(conn, &scope, &f, granularity)?
            .into_iter()
            .map(|(period, c)| {
                let c = c.with_overdue(overdue.get(&period).copied().unwrap_or_default());
                let a = assigned.get(&period).copied().unwrap_or_default();
                (period, c.with_assignments(a))
            })
            .map(|(period, c)| TrendRow {
                period,
                figures: c.into(),
            })
            .collect()
    };
    let granularity = match granularity {
        Granularity::Week => "week",
        Granularity::Month => "month",
    };
    Ok(Trend {
        granularity,
        items,
        calendar_missing: missing_calendars(conn)?,
    })
}

/// The most periods an activity trend reads (each is its own reading of the period).
const MAX_ACTIVITY_PERIODS: usize = 400;

/// The trend on the activity basis: each week or month read as its own period, from the
/// query's `from` (else the first filing in scope) to its `to` (else today); periods in
/// which nothing happened are left out, as on the filed basis.
fn activity_trend(
    conn: &mut DbConn,
    scope: &Scope,
    f: &IssueFilter,
    granularity: Granularity,
    counts_only: bool,
) -> Result<Vec<TrendRow>, Error> {
    let first = match f.from {
        Some(d) => Some(d),
        None => stats::first_filing(conn, scope, f)?,
    };
    let Some(first) = first else {
        return Ok(Vec::new());
    };
    let last = f.to.unwrap_or_else(time::today);
    let periods = periods(first, last, granularity);
    if periods.len() > MAX_ACTIVITY_PERIODS {
        return Err(Error::invalid(
            "from",
            format!(
                "the activity trend reads at most {MAX_ACTIVITY_PERIODS} periods; this asks for {}",
                periods.len()
            ),
        ));
    }
    let mut items = Vec::new();
    for (label, start, end) in periods {
        let within = IssueFilter {
            from: Some(start.max(first)),
            to: Some(end.min(last)),
            ..f.clone()
        };
        let c = if counts_only {
            stats::counts(conn, scope, &within)?
        } else {
            whole(conn, scope, &within)?
        };
        let nothing = Counts {
            activity: c.activity,
            ..Counts::default()
        };
        if c != nothing {
            items.push(TrendRow {
                period: label,
                figures: c.into(),
            });
        }
    }
    Ok(items)
}

/// The weeks (from Monday) or months touching [first, last]: label, first and last day.
fn periods(
    first: NaiveDate,
    last: NaiveDate,
    granularity: Granularity,
) -> Vec<(String, NaiveDate, NaiveDate)> {
    use chrono::Datelike;
    let mut out = Vec::new();
    let mut start = match granularity {
        Granularity::Week => {
            first - chrono::Duration::days(i64::from(first.weekday().num_days_from_monday()))
        }
        Granularity::Month => first.with_day(1).unwrap_or(first),
    };
    while start <= last {
        let next = match granularity {
            Granularity::Week => start + chrono::Duration::days(7),
            Granularity::Month => start
                .checked_add_months(chrono::Months::new(1))
                .unwrap_or(NaiveDate::MAX),
        };
        let label = match granularity {
            Granularity::Week => start.format("%Y-%m-%d").to_string(),
            Granularity::Month => start.format("%Y-%m").to_string(),
        };
        out.push((label, start, next.pred_opt().unwrap_or(next)));
        if next == NaiveDate::MAX {
            break;
        }
        start = next;
    }
    out
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportQuery {
    pub year: i32,
    #[serde(default, deserialize_with = "opt_id")]
    pub region_id: Option<i64>,
}

/// The yearly report: the programme's sentence and the year's figures.
#[derive(Serialize)]
pub struct Report {
    pub year: i32,
    pub text: String,
    pub figures: Summary,
}

/// The programme's own sentence, from the data: "<year>年，联动召开恳谈会<forums held>场，
/// 参会企业家<attendances>位，收集交办问题<issues collected>个，满意率<satisfaction>%。"
pub fn report_sentence(year: i32, s: &Summary) -> String {
    period_sentence(&format!("{year}年"), s)
}

/// The same sentence for any period, named as people name it ("2022年6月").
pub fn period_sentence(period: &str, s: &Summary) -> String {
    let satisfaction = match s.issues.rates.satisfaction.percent {
        Some(p) => format!("满意率{p:.2}%"),
        None => "尚无评价".to_owned(),
    };
    format!(
        "{period}，联动召开恳谈会{}场，参会企业家{}位，收集交办问题{}个，{satisfaction}。",
        s.forums_held.unwrap_or(0),
        s.attendances.unwrap_or(0),
        s.issues.issues_collected
    )
}

pub fn report(conn: &mut DbConn, caller: &Caller, q: ReportQuery) -> Result<Report, Error> {
    let year = q.year;
    let (from, to) = match (
        NaiveDate::from_ymd_opt(year, 1, 1),
        NaiveDate::from_ymd_opt(year, 12, 31),
    ) {
        (Some(f), Some(t)) if (2000..=2100).contains(&year) => (f, t),
        _ => return Err(Error::invalid("year", "must be between 2000 and 2100")),
    };
    let query = StatsQuery {
        from: Some(from),
        to: Some(to),
        region_id: q.region_id,
        department_id: None,
        category: None,
        channel: None,
        edition_id: None,
        forum_id: None,
        granularity: None,
        min_rated: None,
        basis: None,
    };
    let figures = summary(conn, caller, query)?;
    Ok(Report {
        year,
        text: report_sentence(year, &figures),
        figures,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_round_to_two_decimals_and_are_null_over_nothing() {
        let cases = [
            (397, 400, Some(99.25)),
            (1, 3, Some(33.33)),
            (2, 3, Some(66.67)),
            (0, 5, Some(0.0)),
            (5, 5, Some(100.0)),
            (0, 0, None),
        ];
        for (n, d, want) in cases {
            let r = rate(n, d);
            assert_eq!(
                (r.numerator, r.denominator, r.percent),
                (n, d, want),
                "{n}/{d}"
            );
        }
    }

    #[test]
    fn activity_periods_cover_the_range() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default();
        let months = periods(d("2022-06-08"), d("2022-08-01"), Granularity::Month);
        let labels: Vec<&str> = months.iter().map(|p| p.0.as_str()).collect();
        assert_eq!(labels, ["2022-06", "2022-07", "2022-08"]);
        assert_eq!(
            (months[0].1, months[0].2),
            (d("2022-06-01"), d("2022-06-30"))
        );
        assert_eq!(
            (months[2].1, months[2].2),
            (d("2022-08-01"), d("2022-08-31"))
        );
        // 2022-06-08 is a Wednesday: its week starts on Monday the 6th.
        let weeks = periods(d("2022-06-08"), d("2022-06-13"), Granularity::Week);
        let spans: Vec<(NaiveDate, NaiveDate)> = weeks.iter().map(|p| (p.1, p.2)).collect();
        assert_eq!(
            spans,
            [
                (d("2022-06-06"), d("2022-06-12")),
                (d("2022-06-13"), d("2022-06-19"))
            ]
        );
        assert!(periods(d("2022-02-01"), d("2022-01-01"), Granularity::Month).is_empty());
    }

    #[test]
    fn ranking_prefers_satisfaction_then_on_time_then_sign_for() {
        let figures = |sat: (i64, i64), on_time: (i64, i64), signed: (i64, i64)| {
            IssueFigures::from(Counts {
                rated: sat.1,
                satisfied: sat.0,
                answered: on_time.1,
                on_time: on_time.0,
                assignments: signed.1,
                signed_on_time: signed.0,
                ..Default::default()
            })
        };
        let mut rows = [
            ("unrated", figures((0, 0), (5, 5), (5, 5))),
            ("90%", figures((9, 10), (10, 10), (10, 10))),
            ("100% late", figures((10, 10), (5, 10), (10, 10))),
            (
                "100% on time, signed late",
                figures((10, 10), (10, 10), (8, 10)),
            ),
            (
                "100% on time, signed",
                figures((10, 10), (10, 10), (10, 10)),
            ),
        ];
        rows.sort_by(|a, b| ranking_order(&a.1, &b.1));
        let order: Vec<&str> = rows.iter().map(|r| r.0).collect();
        assert_eq!(
            order,
            [
                "100% on time, signed",
                "100% on time, signed late",
                "100% late",
                "90%",
                "unrated"
            ]
        );
    }
}
