//! 驾驶舱 and the printable reports (年度报告, 月度通报): the figures of a period in the
//! reader's scope, each issue count a link to exactly the issues it counts.

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::{Datelike, Days, NaiveDate};
use serde::Deserialize;

use super::charts::{self, BarRow, TrendPoint};
use super::form::Choice;
use super::format::{self, count, fraction, percent};
use super::{filled, page, parse_query, Chrome, Session, WebError};
use crate::auth::Caller;
use crate::db::{self, DbConn};
use crate::domain::issue::Measure;
use crate::domain::role::Can;
use crate::domain::time;
use crate::error::Error;
use crate::service::figures::{self, Rate, StatsQuery, Summary};
use crate::service::regions::{self, Region};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/dashboard").get(dashboard))
        .service(web::resource("/reports").get(reports_index));
}

/// The first year of the programme's records that the selectors offer.
const FIRST_YEAR: i32 = 2022;

/// A period of filing dates, and how it is named.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Period {
    from: NaiveDate,
    to: NaiveDate,
    label: String,
    /// Read by what happened in it (the monthly 通报) rather than as the issues filed in it.
    activity: bool,
}

fn year_period(year: i32) -> Option<Period> {
    Some(Period {
        activity: false,
        from: NaiveDate::from_ymd_opt(year, 1, 1)?,
        to: NaiveDate::from_ymd_opt(year, 12, 31)?,
        label: format!("{year}年"),
    })
}

fn month_period(year: i32, month: u32) -> Option<Period> {
    let from = NaiveDate::from_ymd_opt(year, month, 1)?;
    let next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)?
    };
    Some(Period {
        activity: false,
        from,
        to: next.pred_opt()?,
        label: format!("{year}年{month}月"),
    })
}

/// The period before, for 与上期比较: the year or month before, or as many days just before.
fn previous(p: &Period, kind: Kind) -> Option<Period> {
    match kind {
        Kind::Year => year_period(p.from.year() - 1),
        Kind::Month => {
            let before = p.from.pred_opt()?;
            month_period(before.year(), before.month())
        }
        Kind::Custom => {
            let days = (p.to - p.from).num_days();
            let to = p.from.pred_opt()?;
            let from = to.checked_sub_days(Days::new(u64::try_from(days).ok()?))?;
            Some(Period {
                activity: false,
                label: format!("{}至{}", format::date(from), format::date(to)),
                from,
                to,
            })
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Kind {
    Year,
    Month,
    Custom,
}

#[derive(Deserialize)]
struct DashboardQuery {
    period: Option<Kind>,
    year: Option<i32>,
    month: Option<u32>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    region_id: Option<i64>,
}

/// Why a period cannot be, in words.
fn period_words(field: &str, message: &str) -> String {
    if field != "year" && message.contains("lies outside") {
        return format!(
            "日期须在 {} 至 {} 之间",
            crate::domain::time::FIRST_DAY,
            crate::domain::time::LAST_DAY
        );
    }
    match field {
        "year" => "所选年份不在本项目的年份之内，下面是本年的数据".into(),
        "month" => "所选月份无效，下面是本年的数据".into(),
        _ => "自定义期间须填写开始和结束日期，结束日期不能早于开始日期；下面是本年的数据".into(),
    }
}

/// The period a query asks for; an impossible one is invalid, naming the field.
fn resolve(q: &DashboardQuery, today: NaiveDate) -> Result<(Period, Kind), Error> {
    let year = q.year.unwrap_or(today.year());
    if !(FIRST_YEAR..=today.year() + 1).contains(&year) {
        return Err(Error::invalid("year", "is outside the programme's years"));
    }
    for (field, day) in [("from", q.from), ("to", q.to)] {
        if let Some(why) = day.and_then(crate::domain::time::out_of_range) {
            return Err(Error::invalid(field, why));
        }
    }
    let kind = q.period.unwrap_or(match (q.month, q.from) {
        (Some(_), _) => Kind::Month,
        (None, Some(_)) => Kind::Custom,
        _ => Kind::Year,
    });
    let period = match kind {
        Kind::Year => year_period(year),
        Kind::Month => month_period(year, q.month.unwrap_or(today.month())),
        Kind::Custom => match (q.from, q.to) {
            (Some(from), Some(to)) if from <= to => Some(Period {
                activity: false,
                label: format!("{}至{}", format::date(from), format::date(to)),
                from,
                to,
            }),
            _ => {
                return Err(Error::invalid(
                    "to",
                    "give a start and an end date, the end not before the start",
                ))
            }
        },
    };
    period
        .map(|p| (p, kind))
        .ok_or_else(|| Error::invalid("month", "is not a month"))
}

fn stats_query(p: &Period, region_id: Option<i64>) -> StatsQuery {
    StatsQuery::period(p.from, p.to, region_id, p.activity)
}

/// The issue list holding exactly the issues a figure counts.
fn issues_link(
    m: Measure,
    p: &Period,
    region_id: Option<i64>,
    department_id: Option<i64>,
) -> String {
    let mut pairs = vec![
        ("measure", m.code().to_owned()),
        ("from", p.from.to_string()),
        ("to", p.to.to_string()),
    ];
    pairs.extend(region_id.map(|r| ("region_id", r.to_string())));
    pairs.extend(department_id.map(|d| ("department_id", d.to_string())));
    format!(
        "/issues?{}",
        serde_urlencoded::to_string(&pairs).unwrap_or_default()
    )
}

/// The list of the forums held in the period, in the region.
fn forums_link(p: &Period, region_id: Option<i64>) -> String {
    let mut pairs = vec![
        ("status", "held".to_owned()),
        ("from", p.from.to_string()),
        ("to", p.to.to_string()),
    ];
    pairs.extend(region_id.map(|r| ("region_id", r.to_string())));
    format!(
        "/forums?{}",
        serde_urlencoded::to_string(&pairs).unwrap_or_default()
    )
}

/// A headline number.
pub struct Card {
    label: &'static str,
    value: String,
    unit: &'static str,
    href: Option<String>,
    /// For a rate: numerator and denominator, each linked.
    parts: Option<(String, String, String, String)>,
    note: String,
    change: String,
}

fn count_card(
    label: &'static str,
    unit: &'static str,
    now: i64,
    before: Option<i64>,
    href: Option<String>,
) -> Card {
    Card {
        label,
        value: count(now),
        unit,
        href,
        parts: None,
        note: String::new(),
        change: before
            .map(|b| format::count_change(now, b))
            .unwrap_or_default(),
    }
}

fn rate_card(
    label: &'static str,
    r: &Rate,
    before: Option<&Rate>,
    links: (String, String),
    note: &'static str,
) -> Card {
    Card {
        label,
        value: percent(r),
        unit: "",
        href: None,
        parts: Some((count(r.numerator), links.0, count(r.denominator), links.1)),
        note: note.into(),
        change: before
            .map(|b| format::rate_change(r, b))
            .unwrap_or_default(),
    }
}

/// The headline cards of a summary, with the change against `before` when given.
fn cards(s: &Summary, before: Option<&Summary>, p: &Period, region: Option<i64>) -> Vec<Card> {
    let link = |m: Measure| Some(issues_link(m, p, region, None));
    let both = |n: Measure, d: Measure| {
        (
            issues_link(n, p, region, None),
            issues_link(d, p, region, None),
        )
    };
    let f = &s.issues;
    let b = before.map(|b| &b.issues);
    let r = &f.rates;
    vec![
        count_card(
            "恳谈会场次",
            "场",
            s.forums_held.unwrap_or(0),
            before.map(|b| b.forums_held.unwrap_or(0)),
            Some(forums_link(p, region)),
        ),
        count_card(
            "参会企业家",
            "位",
            s.attendances.unwrap_or(0),
            before.map(|b| b.attendances.unwrap_or(0)),
            None,
        ),
        count_card(
            "收集问题",
            "个",
            f.issues_collected,
            b.map(|b| b.issues_collected),
            link(Measure::Collected),
        ),
        count_card(
            "现场解决",
            "个",
            f.resolved_on_site,
            b.map(|b| b.resolved_on_site),
            link(Measure::ResolvedOnSite),
        ),
        count_card(
            "会后交办",
            "个",
            f.assigned,
            b.map(|b| b.assigned),
            link(Measure::Assigned),
        ),
        rate_card(
            "满意率",
            &r.satisfaction,
            b.map(|b| &b.rates.satisfaction),
            both(Measure::Satisfied, Measure::Rated),
            "满意与基本满意 ÷ 已评价",
        ),
        rate_card(
            "办结率",
            &r.answered,
            b.map(|b| &b.rates.answered),
            both(Measure::Concluded, Measure::Assigned),
            "已答复或办结 ÷ 交办",
        ),
        rate_card(
            "按期办结率",
            &r.on_time,
            b.map(|b| &b.rates.on_time),
            both(Measure::OnTime, Measure::Answered),
            "期限内首次答复 ÷（已答复 + 超期未办）",
        ),
        rate_card(
            "重办率",
            &r.reopen,
            b.map(|b| &b.rates.reopen),
            both(Measure::Reopened, Measure::Answered),
            "重办过 ÷ 已答复",
        ),
        rate_card(
            "退回率",
            &r.r#return,
            b.map(|b| &b.rates.r#return),
            both(Measure::Returned, Measure::Assigned),
            "退回次数 ÷ 交办次数（计入退回的部门）",
        ),
        count_card("超期未办", "个", s.overdue, None, link(Measure::Overdue)),
        count_card(
            "督办中",
            "个",
            f.under_supervision,
            None,
            link(Measure::UnderSupervision),
        ),
    ]
}

/// One row of the 红黑榜.
pub struct RankRow {
    rank: String,
    name: String,
    assigned: String,
    assigned_href: String,
    on_time: String,
    on_time_parts: String,
    satisfaction: String,
    satisfaction_parts: String,
    sign_for: String,
    sign_for_parts: String,
    mark: &'static str,
}

/// One board: city departments or those of the districts and counties.
pub struct Board {
    title: &'static str,
    ranked: Vec<RankRow>,
    few: Vec<RankRow>,
}

/// How many at each end of a board are named 红榜 and 黑榜.
const ENDS: usize = 3;

fn boards(
    conn: &mut DbConn,
    caller: &Caller,
    p: &Period,
    region: Option<i64>,
) -> Result<Vec<Board>, Error> {
    let ranking = figures::ranking(conn, caller, stats_query(p, region))?;
    let mut out = vec![
        Board {
            title: "市级部门",
            ranked: Vec::new(),
            few: Vec::new(),
        },
        Board {
            title: "区县部门",
            ranked: Vec::new(),
            few: Vec::new(),
        },
    ];
    for row in ranking.items {
        let board = usize::from(row.level != "city");
        let r = &row.figures.rates;
        let view = RankRow {
            rank: String::new(),
            name: row.name.clone(),
            assigned: count(row.figures.assigned),
            assigned_href: issues_link(Measure::Assigned, p, region, Some(row.department_id)),
            on_time: percent(&r.on_time),
            on_time_parts: fraction(&r.on_time),
            satisfaction: percent(&r.satisfaction),
            satisfaction_parts: fraction(&r.satisfaction),
            sign_for: percent(&r.sign_for),
            sign_for_parts: fraction(&r.sign_for),
            mark: "",
        };
        if row.rank.is_some() {
            out[board].ranked.push(view);
        } else {
            out[board].few.push(view);
        }
    }
    for b in &mut out {
        let n = b.ranked.len();
        for (i, row) in b.ranked.iter_mut().enumerate() {
            row.rank = (i + 1).to_string();
            row.mark = if i < ENDS && n > ENDS {
                "红榜"
            } else if n >= 2 * ENDS && i >= n - ENDS {
                "黑榜"
            } else {
                ""
            };
        }
    }
    Ok(out)
}

/// The trend chart of a period: by week for up to two months, else by month.
fn trend_chart(
    conn: &mut DbConn,
    caller: &Caller,
    p: &Period,
    region: Option<i64>,
) -> Result<String, Error> {
    let weekly = (p.to - p.from).num_days() <= 62;
    let mut q = stats_query(p, region);
    q.granularity = Some(if weekly { "week" } else { "month" }.into());
    let trend = figures::trend(conn, caller, q)?;
    let points: Vec<TrendPoint> = trend
        .items
        .iter()
        .map(|row| {
            let d = NaiveDate::parse_from_str(
                &format!("{}-01", &row.period[..7.min(row.period.len())]),
                "%Y-%m-%d",
            )
            .ok();
            let label = match (weekly, d) {
                (true, _) => NaiveDate::parse_from_str(&row.period, "%Y-%m-%d")
                    .map(|d| format!("{}/{}", d.month(), d.day()))
                    .unwrap_or_else(|_| row.period.clone()),
                (false, Some(d)) if p.from.year() != p.to.year() => {
                    format!("{}年{}月", d.year() % 100, d.month())
                }
                (false, Some(d)) => format!("{}月", d.month()),
                (false, None) => row.period.clone(),
            };
            TrendPoint {
                label,
                collected: row.figures.issues_collected,
                satisfaction: row.figures.rates.satisfaction.percent,
            }
        })
        .collect();
    let title = if weekly {
        "每周收集问题与满意率"
    } else {
        "每月收集问题与满意率"
    };
    Ok(charts::trend(&points, title))
}

fn region_chart(
    conn: &mut DbConn,
    caller: &Caller,
    p: &Period,
    region: Option<i64>,
) -> Result<String, Error> {
    let rows: Vec<BarRow> = figures::by_region(conn, caller, stats_query(p, region))?
        .items
        .into_iter()
        .map(|r| BarRow {
            note: format!("满意率 {}", percent(&r.figures.rates.satisfaction)),
            href: Some(issues_link(Measure::Collected, p, Some(r.region_id), None)),
            label: r.name,
            value: r.figures.issues_collected,
        })
        .collect();
    Ok(charts::bars(&rows, "各区县收集问题", "个"))
}

fn category_chart(
    conn: &mut DbConn,
    caller: &Caller,
    p: &Period,
    region: Option<i64>,
) -> Result<String, Error> {
    let mut rows: Vec<BarRow> = figures::by_category(conn, caller, stats_query(p, region))?
        .items
        .into_iter()
        .map(|c| BarRow {
            label: c.name.to_owned(),
            value: c.figures.issues_collected,
            note: format!("满意率 {}", percent(&c.figures.rates.satisfaction)),
            href: Some(format!(
                "{}&category={}",
                issues_link(Measure::Collected, p, region, None),
                c.category
            )),
        })
        .collect();
    rows.sort_by_key(|r| std::cmp::Reverse(r.value));
    Ok(charts::bars(&rows, "各类别收集问题", "个"))
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    chrome: Chrome,
    /// Why the period asked for could not be shown.
    problem: Option<String>,
    period_label: String,
    previous_label: String,
    region_label: String,
    kind: &'static str,
    years: Vec<Choice>,
    months: Vec<Choice>,
    regions: Vec<Choice>,
    from: String,
    to: String,
    cards: Vec<Card>,
    extra: Vec<(String, String)>,
    trend: String,
    boards: Vec<Board>,
    region_chart: String,
    category_chart: String,
    report_href: String,
    /// Years up to this one with no holiday calendar, as "2027年、2028年".
    calendar_missing: String,
    /// The reader keeps the calendar (an administrator): the message links to it.
    keeps_calendar: bool,
}

/// The regions a reader may choose, and the one chosen (none: the reader's whole scope);
/// a region outside them is not found.
fn pick_region(
    conn: &mut DbConn,
    caller: &Caller,
    region_id: Option<i64>,
) -> Result<(Vec<Region>, Option<i64>), Error> {
    let all = regions::in_scope(conn, caller)?;
    match region_id {
        Some(r) if !all.iter().any(|x| x.id == r) => Err(Error::not_found("region")),
        other => Ok((all, other)),
    }
}

fn require_reader(session: &Session) -> Result<(), WebError> {
    if session.caller.may(Can::ReadDashboard) {
        Ok(())
    } else {
        // Not a page for this role: as if it did not exist.
        Err(WebError::Page(Error::not_found("page")))
    }
}

async fn dashboard(session: Session, req: HttpRequest) -> Result<HttpResponse, WebError> {
    require_reader(&session)?;
    let mut q: DashboardQuery = parse_query(&filled(&req))?;
    let today = time::today();
    // A period that cannot be is said on the page, with this year's figures below it.
    let (period, kind, problem) = match resolve(&q, today) {
        Ok((p, k)) => (p, k, None),
        Err(Error::Invalid(fields)) => {
            let words = fields
                .iter()
                .map(|f| period_words(&f.field, &f.message))
                .collect::<Vec<_>>()
                .join("；");
            q = DashboardQuery {
                period: None,
                year: None,
                month: None,
                from: None,
                to: None,
                region_id: q.region_id,
            };
            let (p, k) = resolve(&q, today)?;
            (p, k, Some(words))
        }
        Err(e) => return Err(e.into()),
    };
    let before = previous(&period, kind);
    let caller = session.caller.clone();
    let state = session.state.clone();
    let p = period.clone();
    let built = db::run(&state.pool, move |conn| {
        let (regions, region) = pick_region(conn, &caller, q.region_id)?;
        let now = figures::summary(conn, &caller, stats_query(&p, region))?;
        let prev = match &before {
            Some(b) => Some(figures::summary(conn, &caller, stats_query(b, region))?),
            None => None,
        };
        Ok((
            regions,
            region,
            {
                // A period before the programme had begun (nothing collected, no forum held)
                // is no base to compare with: each card says 上期无数据.
                let empty = prev.as_ref().is_some_and(|b| {
                    b.issues.issues_collected == 0 && b.forums_held.unwrap_or(0) == 0
                });
                let mut c = cards(&now, prev.as_ref().filter(|_| !empty), &p, region);
                if empty {
                    for card in &mut c {
                        card.change = "上期无数据".into();
                    }
                }
                c
            },
            vec![
                (
                    "不满意评价".to_owned(),
                    format!("{} 次", count(now.issues.dissatisfied)),
                ),
                ("催办".to_owned(), format!("{} 次", count(now.issues.urges))),
                (
                    "督办".to_owned(),
                    format!("{} 次", count(now.issues.supervisions)),
                ),
                (
                    "平均答复用时".to_owned(),
                    now.issues
                        .mean_working_days_to_answer
                        .map(|d| format!("{d:.2} 个工作日"))
                        .unwrap_or_else(|| "—".into()),
                ),
                (
                    "参会企业（去重）".to_owned(),
                    format!("{} 家", count(now.distinct_enterprises.unwrap_or(0))),
                ),
                (
                    "期数".to_owned(),
                    format!("{} 期", count(now.editions.unwrap_or(0))),
                ),
                ("及时签收率".to_owned(), percent(&now.issues.rates.sign_for)),
                ("参评率".to_owned(), percent(&now.issues.rates.rated)),
                ("解决率".to_owned(), percent(&now.issues.rates.solved)),
                (
                    "一次办结率".to_owned(),
                    percent(&now.issues.rates.first_time),
                ),
            ],
            trend_chart(conn, &caller, &p, region)?,
            boards(conn, &caller, &p, region)?,
            region_chart(conn, &caller, &p, region)?,
            category_chart(conn, &caller, &p, region)?,
            before.map(|b| b.label).unwrap_or_default(),
            now.calendar_missing
                .iter()
                .map(|y| format!("{y}年"))
                .collect::<Vec<_>>()
                .join("、"),
        ))
    })
    .await?;
    let (
        regions,
        region,
        cards,
        extra,
        trend,
        boards,
        region_chart,
        category_chart,
        previous_label,
        calendar_missing,
    ) = built;
    let region_label = match region {
        Some(r) => regions
            .iter()
            .find(|x| x.id == r)
            .map(|x| x.name.clone())
            .unwrap_or_default(),
        None => regions
            .first()
            .map(|r| format!("{}（含下辖区县）", r.name))
            .unwrap_or_else(|| "全部".into()),
    };
    let mut region_choices = vec![Choice {
        value: String::new(),
        label: regions
            .first()
            .map(|r| format!("{}（含下辖区县）", r.name))
            .unwrap_or_else(|| "全部".into()),
        selected: region.is_none(),
    }];
    region_choices.extend(regions.iter().skip(1).map(|r| Choice {
        value: r.id.to_string(),
        label: r.name.clone(),
        selected: region == Some(r.id),
    }));
    if regions.len() == 1 {
        region_choices.truncate(1);
    }
    // 打印报告 prints what is on screen: the month's 通报 or the year's 报告 of the region
    // chosen; a span of days has no document, and the page itself prints.
    let on_region = region
        .map(|r| format!("?region_id={r}"))
        .unwrap_or_default();
    let report_href = match kind {
        Kind::Month => format!(
            "/reports/{}/{}{on_region}",
            period.from.year(),
            period.from.month()
        ),
        Kind::Year => format!("/reports/{}{on_region}", period.from.year()),
        Kind::Custom => String::new(),
    };
    let refused = problem.is_some();
    let mut resp = page(&DashboardPage {
        problem,
        calendar_missing,
        keeps_calendar: session.caller.role == crate::domain::role::Role::Admin,
        chrome: Chrome::new(&session, "驾驶舱", "/dashboard"),
        kind: match kind {
            Kind::Year => "year",
            Kind::Month => "month",
            Kind::Custom => "custom",
        },
        years: (FIRST_YEAR..=today.year())
            .rev()
            .map(|y| Choice {
                value: y.to_string(),
                label: format!("{y}年"),
                selected: y == period.from.year(),
            })
            .collect(),
        months: (1..=12)
            .map(|m| Choice {
                value: m.to_string(),
                label: format!("{m}月"),
                selected: kind == Kind::Month && m == period.from.month(),
            })
            .collect(),
        regions: region_choices,
        from: period.from.to_string(),
        to: period.to.to_string(),
        period_label: period.label.clone(),
        previous_label,
        region_label,
        cards,
        extra,
        trend,
        boards,
        region_chart,
        category_chart,
        report_href,
    })?;
    if refused {
        *resp.status_mut() = actix_web::http::StatusCode::BAD_REQUEST;
    }
    Ok(resp)
}

#[derive(Template)]
#[template(path = "reports.html")]
struct ReportsIndex {
    chrome: Chrome,
    years: Vec<(i32, Vec<u32>)>,
}

async fn reports_index(session: Session) -> Result<HttpResponse, WebError> {
    require_reader(&session)?;
    let today = time::today();
    let years = (FIRST_YEAR..=today.year())
        .rev()
        .map(|y| {
            let last = if y == today.year() { today.month() } else { 12 };
            (y, (1..=last).collect())
        })
        .collect();
    page(&ReportsIndex {
        chrome: Chrome::new(&session, "报告", "/reports"),
        years,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
    }

    #[test]
    fn periods_and_the_one_before() {
        let today = d("2026-11-29");
        let q = |period, year, month, from: Option<&str>, to: Option<&str>| DashboardQuery {
            period,
            year,
            month,
            from: from.map(d),
            to: to.map(d),
            region_id: None,
        };
        let cases = [
            (
                q(None, Some(2022), None, None, None),
                ("2022-01-01", "2022-12-31"),
                ("2021-01-01", "2021-12-31"),
            ),
            (
                q(None, Some(2024), Some(3), None, None),
                ("2024-03-01", "2024-03-31"),
                ("2024-02-01", "2024-02-29"),
            ),
            (
                q(None, Some(2023), Some(1), None, None),
                ("2023-01-01", "2023-01-31"),
                ("2022-12-01", "2022-12-31"),
            ),
            (
                q(
                    Some(Kind::Custom),
                    None,
                    None,
                    Some("2022-06-08"),
                    Some("2022-06-14"),
                ),
                ("2022-06-08", "2022-06-14"),
                ("2022-06-01", "2022-06-07"),
            ),
        ];
        for (query, now, before) in cases {
            let (p, kind) = match resolve(&query, today) {
                Ok(x) => x,
                Err(e) => panic!("{e}"),
            };
            assert_eq!((p.from, p.to), (d(now.0), d(now.1)));
            let b = previous(&p, kind).unwrap_or(p);
            assert_eq!((b.from, b.to), (d(before.0), d(before.1)));
        }
        assert!(resolve(
            &q(Some(Kind::Custom), None, None, Some("2022-06-08"), None),
            today
        )
        .is_err());
        assert!(resolve(&q(None, Some(1999), None, None, None), today).is_err());
        assert!(resolve(&q(None, Some(2022), Some(13), None, None), today).is_err());
    }

    #[test]
    fn links_name_the_measure_and_period() {
        let p = year_period(2022).unwrap_or_else(|| panic!("2022"));
        assert_eq!(
            issues_link(Measure::Collected, &p, Some(3), None),
            "/issues?measure=collected&from=2022-01-01&to=2022-12-31&region_id=3"
        );
    }
}
