//! 月度通报 and 年度报告: the Federation's document of a period and a region, written from the
//! figures (总体情况 with the change against the period before, 存在问题 from the ranking's
//! thresholds and the overdue and supervised issues), with the coordinator's 下步工作, the
//! ranking and the charts. A draft is built afresh whenever it is read; publishing stores
//! the document whole, with its 文号, and it never changes afterwards.

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::common::{utc, Check};
use super::figures::{self, Ranking, Rate, StatsQuery, Summary};
use super::regions;
use crate::auth::Caller;
use crate::db::{self, DbConn};
use crate::domain::role::Can;
use crate::domain::time;
use crate::domain::zh::count;
use crate::error::{unique_as, Error};
use crate::store::reports::{self as store, NewReport, ReportRow};
use crate::store::settings;

/// A 月度通报 (the month's activity) or a 年度报告 (the year's issues, with their outcome).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Monthly,
    Yearly,
}

impl Kind {
    pub fn code(self) -> &'static str {
        match self {
            Kind::Monthly => "monthly",
            Kind::Yearly => "yearly",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            Kind::Monthly => "月度通报",
            Kind::Yearly => "年度报告",
        }
    }

    /// The basis the document counts on: a month by what happened in it, a year by the
    /// issues filed in it (the programme's own sentence).
    pub fn basis(self) -> &'static str {
        match self {
            Kind::Monthly => "activity",
            Kind::Yearly => "filed",
        }
    }
}

/// 按提交时间统计 / 按办理时间统计: the words every page and export states its basis in.
pub fn basis_zh(basis: &str) -> &'static str {
    if basis == "activity" {
        "按办理时间统计"
    } else {
        "按提交时间统计"
    }
}

/// Thresholds under which a ranked department is named in 存在问题.
pub const SATISFACTION_FLOOR: f64 = 95.0;
pub const ON_TIME_FLOOR: f64 = 90.0;
pub const SIGN_FOR_FLOOR: f64 = 90.0;

/// How many at each end of a ranking are named 红榜 and 黑榜.
pub const ENDS: usize = 3;

/// 红榜 or 黑榜 for the `i`-th of `n` ranked departments (from 0), or nothing.
pub fn mark(i: usize, n: usize) -> &'static str {
    if i < ENDS && n > ENDS {
        "红榜"
    } else if n >= 2 * ENDS && i >= n - ENDS {
        "黑榜"
    } else {
        ""
    }
}

/// A period of a document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Period {
    pub kind: Kind,
    pub year: i32,
    pub month: Option<u32>,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Period {
    pub fn new(kind: Kind, year: i32, month: Option<u32>) -> Result<Period, Error> {
        let mut check = Check::default();
        if !(2000..=2099).contains(&year) {
            check.add("year", "must be between 2000 and 2099");
        }
        match (kind, month) {
            (Kind::Monthly, None) => check.add("month", "is required for a monthly report"),
            (Kind::Monthly, Some(m)) if !(1..=12).contains(&m) => {
                check.add("month", "must be between 1 and 12")
            }
            (Kind::Yearly, Some(_)) => check.add("month", "is given only for a monthly report"),
            _ => {}
        }
        check.finish()?;
        let (from, to) = match month {
            Some(m) => {
                let from = NaiveDate::from_ymd_opt(year, m, 1);
                let next = if m == 12 {
                    NaiveDate::from_ymd_opt(year + 1, 1, 1)
                } else {
                    NaiveDate::from_ymd_opt(year, m + 1, 1)
                };
                (from, next.and_then(|d| d.pred_opt()))
            }
            None => (
                NaiveDate::from_ymd_opt(year, 1, 1),
                NaiveDate::from_ymd_opt(year, 12, 31),
            ),
        };
        match (from, to) {
            (Some(from), Some(to)) => Ok(Period {
                kind,
                year,
                month,
                from,
                to,
            }),
            _ => Err(Error::invalid("year", "is not a period of the calendar")),
        }
    }

    /// `2026年11月`, `2026年`.
    pub fn label(&self) -> String {
        match self.month {
            Some(m) => format!("{}年{m}月", self.year),
            None => format!("{}年", self.year),
        }
    }

    /// The period before: the month or the year before.
    fn previous(&self) -> Option<Period> {
        match self.month {
            Some(1) => Period::new(self.kind, self.year - 1, Some(12)).ok(),
            Some(m) => Period::new(self.kind, self.year, Some(m - 1)).ok(),
            None => Period::new(self.kind, self.year - 1, None).ok(),
        }
    }

    /// "上月" or "上年".
    fn before_word(&self) -> &'static str {
        if self.month.is_some() {
            "上月"
        } else {
            "上年"
        }
    }

    fn query(&self, region_id: i64) -> StatsQuery {
        StatsQuery::period(
            self.from,
            self.to,
            Some(region_id),
            self.kind == Kind::Monthly,
        )
    }
}

/// A row of the 主要指标 table: name, value, what it is made of.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Line {
    pub name: String,
    pub value: String,
    pub parts: String,
}

/// A row of a ranking board, as the document prints it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RankLine {
    /// `1`, `2` …, or `—` for a department with too few ratings.
    pub place: String,
    pub department_id: i64,
    pub name: String,
    pub assigned: String,
    pub on_time: String,
    pub on_time_parts: String,
    pub satisfaction: String,
    pub satisfaction_parts: String,
    pub sign_for: String,
    pub sign_for_parts: String,
    /// 红榜, 黑榜, 样本不足, or nothing.
    pub mark: String,
}

/// 市级部门 or 区县部门, ranked apart.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Board {
    pub title: String,
    pub rows: Vec<RankLine>,
}

/// One period of the trend chart.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Point {
    pub label: String,
    pub collected: i64,
    pub satisfaction: Option<f64>,
}

/// One bar of the categories chart.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Bar {
    pub label: String,
    pub value: i64,
    pub note: String,
}

/// The document, whole: what it says and the figures it says it from.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Document {
    pub kind: Kind,
    pub year: i32,
    pub month: Option<u32>,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub region_id: i64,
    pub region_name: String,
    pub basis: String,
    /// The issuing body (红头 and 落款): `湖州市工商业联合会`.
    pub issuer: String,
    pub title: String,
    /// 一、总体情况, paragraph by paragraph.
    pub overview: Vec<String>,
    /// 二、存在问题.
    pub problems: Vec<String>,
    /// 三、下步工作, as the coordinator wrote it (paragraphs); none in a draft.
    pub next_steps: Vec<String>,
    pub lines: Vec<Line>,
    pub boards: Vec<Board>,
    pub trend_title: String,
    pub trend: Vec<Point>,
    pub categories: Vec<Bar>,
    /// The figures as the API serves them: the period, the period before, the ranking.
    pub figures: Value,
    pub previous_figures: Value,
    pub ranking: Value,
}

/// The request to publish.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublishIn {
    pub kind: Kind,
    pub year: i32,
    pub month: Option<u32>,
    #[serde(default, deserialize_with = "super::common::opt_id")]
    pub region_id: Option<i64>,
    pub next_steps: Option<String>,
}

/// The region a document is for: the one named (in the caller's scope, else not found), or
/// the root of the caller's scope.
fn region_of(
    conn: &mut DbConn,
    caller: &Caller,
    region_id: Option<i64>,
) -> Result<regions::Region, Error> {
    let all = regions::in_scope(conn, caller)?;
    if let Some(id) = region_id {
        return all
            .into_iter()
            .find(|r| r.id == id)
            .ok_or_else(|| Error::not_found("region"));
    }
    let ids: Vec<i64> = all.iter().map(|r| r.id).collect();
    let mut roots = all
        .into_iter()
        .filter(|r| r.parent_id.is_none_or(|p| !ids.contains(&p)));
    match (roots.next(), roots.next()) {
        (Some(root), None) => Ok(root),
        _ => Err(Error::invalid(
            "region_id",
            "is required: a document is issued for one region",
        )),
    }
}

/// `增加12个（+8.5%）`, `减少3个`, `持平`.
fn count_change(now: i64, before: i64, unit: &str) -> String {
    let d = now - before;
    let share = |d: i64| {
        if before > 0 {
            format!(
                "（{}{:.1}%）",
                if d > 0 { "+" } else { "−" },
                d.unsigned_abs() as f64 * 100.0 / before as f64
            )
        } else {
            String::new()
        }
    };
    match d.signum() {
        1 => format!("增加{}{unit}{}", count(d), share(d)),
        -1 => format!("减少{}{unit}{}", count(-d), share(d)),
        _ => "持平".into(),
    }
}

/// `上升0.52个百分点`, `下降…`, `持平`; none when either period has no rate.
fn rate_change(now: &Rate, before: &Rate) -> Option<String> {
    let (a, b) = (now.percent?, before.percent?);
    let d = ((a - b) * 100.0).round() / 100.0;
    Some(if d > 0.0 {
        format!("上升{d:.2}个百分点")
    } else if d < 0.0 {
        format!("下降{:.2}个百分点", -d)
    } else {
        "持平".into()
    })
}

/// 一、总体情况.
fn overview(p: &Period, s: &Summary, before: Option<&Summary>) -> Vec<String> {
    let f = &s.issues;
    let r = &f.rates;
    let mut out = Vec::new();
    match p.kind {
        Kind::Yearly => {
            out.push(figures::period_sentence(&p.label(), s));
            out.push(format!(
                "全年收集问题{}个，其中现场解决{}个，会后交办{}个。交办问题办结率{}（{}），按期办结率{}（{}），\
                 及时签收率{}，参评率{}，解决率{}，一次办结率{}，平均{}个工作日作出答复。",
                count(f.issues_collected),
                count(f.resolved_on_site),
                count(f.assigned),
                r.answered.zh(),
                r.answered.parts(),
                r.on_time.zh(),
                r.on_time.parts(),
                r.sign_for.zh(),
                r.rated.zh(),
                r.solved.zh(),
                r.first_time.zh(),
                f.mean_working_days_to_answer
                    .map(|d| format!("{d:.1}"))
                    .unwrap_or_else(|| "—".into()),
            ));
        }
        Kind::Monthly => {
            out.push(format!(
                "{}，联动召开恳谈会{}场，参会企业家{}位；新收集问题{}个（其中现场解决{}个）。\
                 本月交办问题{}个，答复问题{}个，按期办结率{}（{}）；收到企业评价{}个，满意率{}（{}），解决率{}。",
                p.label(),
                count(s.forums_held.unwrap_or(0)),
                count(s.attendances.unwrap_or(0)),
                count(f.issues_collected),
                count(f.resolved_on_site),
                count(f.assigned),
                count(f.answered),
                r.on_time.zh(),
                r.on_time.parts(),
                count(f.rated),
                r.satisfaction.zh(),
                r.satisfaction.parts(),
                r.solved.zh(),
            ));
        }
    }
    if let Some(b) = before.filter(|b| b.issues.issues_collected > 0 || b.issues.rated > 0) {
        let mut parts = vec![format!(
            "收集问题{}",
            count_change(f.issues_collected, b.issues.issues_collected, "个")
        )];
        for (name, now, then) in [
            ("满意率", &r.satisfaction, &b.issues.rates.satisfaction),
            ("按期办结率", &r.on_time, &b.issues.rates.on_time),
            ("及时签收率", &r.sign_for, &b.issues.rates.sign_for),
        ] {
            if let Some(c) = rate_change(now, then) {
                parts.push(format!("{name}{c}"));
            }
        }
        out.push(format!("与{}相比，{}。", p.before_word(), parts.join("，")));
    }
    out
}

/// The names of departments with a count, `A（2个）、B（1个）`.
fn named_counts(rows: &[(String, i64)]) -> String {
    rows.iter()
        .map(|(n, c)| format!("{n}（{}个）", count(*c)))
        .collect::<Vec<_>>()
        .join("、")
}

/// 二、存在问题, from the ranking's thresholds and the overdue and supervised issues.
fn problems(p: &Period, s: &Summary, ranking: &Ranking, as_of: NaiveDate) -> Vec<String> {
    let mut out = Vec::new();
    let ranked: Vec<_> = ranking.items.iter().filter(|r| r.rank.is_some()).collect();
    let mut under = Vec::new();
    for (name, floor, pick) in [
        (
            "满意率",
            SATISFACTION_FLOOR,
            (|r: &figures::Rates| r.satisfaction) as fn(&figures::Rates) -> Rate,
        ),
        ("按期办结率", ON_TIME_FLOOR, |r: &figures::Rates| {
            r.on_time
        }),
        ("及时签收率", SIGN_FOR_FLOOR, |r: &figures::Rates| {
            r.sign_for
        }),
    ] {
        let low: Vec<String> = ranked
            .iter()
            .filter_map(|d| {
                let rate = pick(&d.figures.rates);
                rate.percent
                    .filter(|v| *v < floor)
                    .map(|_| format!("{}（{}）", d.name, rate.zh()))
            })
            .collect();
        if !low.is_empty() {
            under.push(format!("{name}低于{floor:.0}%的有{}", low.join("、")));
        }
    }
    if ranked.is_empty() {
        out.push("本期参与排名的部门不足，未作评比。".into());
    } else if under.is_empty() {
        out.push(format!(
            "参与排名的{}个部门满意率均不低于{SATISFACTION_FLOOR:.0}%，按期办结率、及时签收率均不低于{ON_TIME_FLOOR:.0}%。",
            ranked.len()
        ));
    } else {
        out.push(format!("部分部门办理质效有待提升：{}。", under.join("；")));
    }
    let day = time::zh_date(as_of);
    let overdue: Vec<(String, i64)> = ranking
        .items
        .iter()
        .filter(|d| d.overdue > 0)
        .map(|d| (d.name.clone(), d.overdue))
        .collect();
    let when = match p.kind {
        Kind::Monthly => format!("本月到期的问题中，截至{day}"),
        Kind::Yearly => format!("截至{day}"),
    };
    if s.overdue > 0 {
        out.push(format!(
            "{when}仍有{}个问题超期未办结{}。",
            count(s.overdue),
            if overdue.is_empty() {
                String::new()
            } else {
                format!("，涉及{}", named_counts(&overdue))
            }
        ));
    } else {
        out.push(format!("{when}，无超期未办结问题。"));
    }
    let supervised: Vec<(String, i64)> = ranking
        .items
        .iter()
        .filter(|d| d.figures.under_supervision > 0)
        .map(|d| (d.name.clone(), d.figures.under_supervision))
        .collect();
    let n = s.issues.under_supervision;
    if n > 0 {
        out.push(format!(
            "督办中的问题{}个{}，请相关部门加快办理。",
            count(n),
            if supervised.is_empty() {
                String::new()
            } else {
                format!("：{}", named_counts(&supervised))
            }
        ));
    }
    let few: Vec<&str> = ranking
        .items
        .iter()
        .filter(|d| d.rank.is_none())
        .map(|d| d.name.as_str())
        .collect();
    if !few.is_empty() {
        out.push(format!(
            "评价数不足{}个、未参与排名的部门{}个：{}。",
            ranking.min_rated,
            few.len(),
            few.join("、")
        ));
    }
    out
}

/// The 主要指标 table.
fn lines(s: &Summary) -> Vec<Line> {
    let f = &s.issues;
    let r = &f.rates;
    let line = |name: &str, value: String, parts: String| Line {
        name: name.into(),
        value,
        parts,
    };
    let rate = |name: &str, rate: &Rate| line(name, rate.zh(), rate.parts());
    vec![
        line(
            "恳谈会场次",
            format!("{} 场", count(s.forums_held.unwrap_or(0))),
            format!("{} 期", count(s.editions.unwrap_or(0))),
        ),
        line(
            "参会企业家",
            format!("{} 位", count(s.attendances.unwrap_or(0))),
            format!("{} 家企业", count(s.distinct_enterprises.unwrap_or(0))),
        ),
        line(
            "收集问题",
            format!("{} 个", count(f.issues_collected)),
            String::new(),
        ),
        line(
            "现场解决",
            format!("{} 个", count(f.resolved_on_site)),
            String::new(),
        ),
        line(
            "会后交办",
            format!("{} 个", count(f.assigned)),
            String::new(),
        ),
        rate("办结率", &r.answered),
        rate("按期办结率", &r.on_time),
        rate("及时签收率", &r.sign_for),
        rate("参评率", &r.rated),
        rate("满意率", &r.satisfaction),
        rate("解决率", &r.solved),
        rate("一次办结率", &r.first_time),
        rate("重办率", &r.reopen),
        rate("退回率", &r.r#return),
        line(
            "超期未办",
            format!("{} 个", count(s.overdue)),
            String::new(),
        ),
        line(
            "督办中",
            format!("{} 个", count(f.under_supervision)),
            String::new(),
        ),
    ]
}

/// The ranking as two boards, 红榜 and 黑榜 marked.
fn boards(ranking: &Ranking) -> Vec<Board> {
    let out = [("市级部门", "city"), ("区县部门", "district")].map(|(title, level)| {
        let rows: Vec<&figures::DepartmentRow> =
            ranking.items.iter().filter(|r| r.level == level).collect();
        let ranked = rows.iter().filter(|r| r.rank.is_some()).count();
        let rows = rows
            .iter()
            .enumerate()
            .map(|(i, row)| {
                let r = &row.figures.rates;
                RankLine {
                    place: row
                        .rank
                        .map(|n| n.to_string())
                        .unwrap_or_else(|| "—".into()),
                    department_id: row.department_id,
                    name: row.name.clone(),
                    assigned: count(row.figures.assigned),
                    on_time: r.on_time.zh(),
                    on_time_parts: r.on_time.parts(),
                    satisfaction: r.satisfaction.zh(),
                    satisfaction_parts: r.satisfaction.parts(),
                    sign_for: r.sign_for.zh(),
                    sign_for_parts: r.sign_for.parts(),
                    mark: if row.rank.is_some() {
                        mark(i, ranked).into()
                    } else {
                        "样本不足".into()
                    },
                }
            })
            .collect();
        Board {
            title: title.into(),
            rows,
        }
    });
    out.into_iter().filter(|b| !b.rows.is_empty()).collect()
}

fn json<T: Serialize>(value: &T) -> Result<Value, Error> {
    serde_json::to_value(value).map_err(|e| Error::internal(e.to_string()))
}

/// The prefix of a region's 文号: the setting `document_prefix:<region code>` when an
/// administrator set one, else the region's first character and 工商联 (湖州市: 湖工商联).
fn prefix(conn: &mut DbConn, region: &regions::Region) -> Result<String, Error> {
    if let Some(p) = settings::get(conn, &format!("document_prefix:{}", region.code))? {
        return Ok(p);
    }
    let first: String = region.name.chars().take(1).collect();
    Ok(format!("{first}工商联"))
}

/// The document of a period and region as it reads now, with the coordinator's 下步工作 if
/// given. Any reader of the dashboard may read a draft.
pub fn draft(
    conn: &mut DbConn,
    caller: &Caller,
    p: &Period,
    region_id: Option<i64>,
    next_steps: Option<&str>,
    today: NaiveDate,
) -> Result<Document, Error> {
    caller.require_to(Can::ReadDashboard)?;
    let region = region_of(conn, caller, region_id)?;
    let q = p.query(region.id);
    let s = figures::summary(conn, caller, q.clone())?;
    let before = match p.previous() {
        Some(b) if b.from.year() >= 2000 => {
            Some(figures::summary(conn, caller, b.query(region.id))?)
        }
        _ => None,
    };
    let ranking = figures::ranking(conn, caller, q.clone())?;
    let weekly = p.month.is_some();
    // The chart draws each period's collected issues and satisfaction alone.
    let trend = figures::trend_of_counts(
        conn,
        caller,
        StatsQuery {
            granularity: Some(if weekly { "week" } else { "month" }.into()),
            ..q.clone()
        },
    )?;
    let trend = trend
        .items
        .iter()
        .map(|row| Point {
            label: trend_label(&row.period, weekly),
            collected: row.figures.issues_collected,
            satisfaction: row.figures.rates.satisfaction.percent,
        })
        .collect();
    let mut categories: Vec<Bar> = figures::by_category(conn, caller, q)?
        .items
        .into_iter()
        .filter(|c| c.figures.issues_collected > 0)
        .map(|c| Bar {
            label: c.name.to_owned(),
            value: c.figures.issues_collected,
            note: format!("满意率 {}", c.figures.rates.satisfaction.zh()),
        })
        .collect();
    categories.sort_by_key(|b| std::cmp::Reverse(b.value));
    let as_of = match p.kind {
        Kind::Monthly => p.to.min(today),
        Kind::Yearly => today,
    };
    let place = &region.name;
    Ok(Document {
        kind: p.kind,
        year: p.year,
        month: p.month,
        from: p.from,
        to: p.to,
        region_id: region.id,
        region_name: region.name.clone(),
        basis: p.kind.basis().into(),
        issuer: format!("{place}工商业联合会"),
        title: match p.kind {
            Kind::Monthly => format!(
                "关于{}{}亲清直通车·政企恳谈会问题办理情况的通报",
                place,
                p.label()
            ),
            Kind::Yearly => format!(
                "关于{}{}度亲清直通车·政企恳谈会工作情况的报告",
                place,
                p.label()
            ),
        },
        overview: overview(p, &s, before.as_ref()),
        problems: problems(p, &s, &ranking, as_of),
        next_steps: next_steps
            .map(|t| {
                t.lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default(),
        lines: lines(&s),
        boards: boards(&ranking),
        trend_title: if weekly {
            "每周收集问题与满意率".into()
        } else {
            "每月收集问题与满意率".into()
        },
        trend,
        categories,
        figures: json(&s)?,
        previous_figures: match &before {
            Some(b) => json(b)?,
            None => Value::Null,
        },
        ranking: json(&ranking)?,
    })
}

/// A trend period as the chart labels it: `6/8` for a week, `6月` for a month.
fn trend_label(period: &str, weekly: bool) -> String {
    let day = NaiveDate::parse_from_str(period, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(&format!("{period}-01"), "%Y-%m-%d"));
    match (weekly, day) {
        (true, Ok(d)) => format!("{}/{}", d.month(), d.day()),
        (false, Ok(d)) => format!("{}月", d.month()),
        (_, Err(_)) => period.to_owned(),
    }
}

/// A published document, as the API serves it.
#[derive(Serialize)]
pub struct Published {
    pub id: i64,
    /// 文号.
    pub number: String,
    pub version: i32,
    pub kind: Kind,
    pub year: i32,
    pub month: Option<u32>,
    pub region_id: i64,
    pub basis: String,
    pub published_at: chrono::DateTime<chrono::Utc>,
    pub published_by: i64,
    pub title: String,
    pub text: Text,
    pub figures: Value,
    pub previous_figures: Value,
    pub ranking: Value,
    /// The whole document, as its page prints it.
    pub document: Document,
}

/// The words of a document.
#[derive(Serialize)]
pub struct Text {
    pub issuer: String,
    pub title: String,
    pub overview: Vec<String>,
    pub problems: Vec<String>,
    pub next_steps: Vec<String>,
}

impl Published {
    fn from_row(row: ReportRow) -> Result<Published, Error> {
        let document: Document = serde_json::from_str(&row.document)
            .map_err(|e| Error::internal(format!("report {}: {e}", row.id)))?;
        Ok(Published {
            id: row.id,
            number: row.number,
            version: row.version,
            kind: document.kind,
            year: row.year,
            month: u32::try_from(row.month).ok().filter(|m| *m > 0),
            region_id: row.region_id,
            basis: row.basis,
            published_at: utc(row.published_at),
            published_by: row.published_by,
            title: document.title.clone(),
            text: Text {
                issuer: document.issuer.clone(),
                title: document.title.clone(),
                overview: document.overview.clone(),
                problems: document.problems.clone(),
                next_steps: document.next_steps.clone(),
            },
            figures: document.figures.clone(),
            previous_figures: document.previous_figures.clone(),
            ranking: document.ranking.clone(),
            document,
        })
    }
}

/// Publishes the document of a period that is over, for a region in scope: stored whole
/// with the next 文号 of the issuing region's year and the next version of its period.
pub fn publish(
    conn: &mut DbConn,
    caller: &Caller,
    input: PublishIn,
    now: NaiveDateTime,
) -> Result<Published, Error> {
    caller.require_to(Can::Publish)?;
    let p = Period::new(input.kind, input.year, input.month)?;
    let mut check = Check::default();
    let next_steps = check.opt_text("next_steps", input.next_steps.as_deref(), 5_000);
    let today = time::local_date(now);
    if p.to >= today {
        let field = if p.month.is_some() { "month" } else { "year" };
        check.add(
            field,
            format!(
                "the period is not over yet (it ends on {}); a document is published once its period has ended",
                p.to
            ),
        );
    }
    check.finish()?;
    let doc = draft(
        conn,
        caller,
        &p,
        input.region_id,
        next_steps.as_deref(),
        today,
    )?;
    let text = serde_json::to_string(&doc).map_err(|e| Error::internal(e.to_string()))?;
    let region = region_of(conn, caller, Some(doc.region_id))?;
    let prefix = prefix(conn, &region)?;
    let row = db::write_tx(conn, |conn| {
        let kind = p.kind.code();
        let month = p.month.map(|m| m as i32).unwrap_or(0);
        let version = store::next_version(conn, kind, p.year, month, region.id)?;
        let number_year = today.year();
        let seq = store::next_number(conn, region.id, number_year)?;
        let number = format!("{prefix}〔{number_year}〕{seq}号");
        store::insert(
            conn,
            &NewReport {
                kind,
                year: p.year,
                month,
                region_id: region.id,
                version,
                number_year,
                number_seq: seq,
                number: &number,
                basis: p.kind.basis(),
                document: &text,
                published_by: caller.id(),
                published_at: now,
            },
        )
        .map_err(unique_as(
            "kind",
            "another document was published at the same moment; publish again",
        ))
    })?;
    Published::from_row(row)
}

/// A published document in a list.
#[derive(Serialize)]
pub struct Listed {
    pub id: i64,
    pub number: String,
    pub version: i32,
    pub kind: String,
    pub year: i32,
    pub month: Option<u32>,
    pub region_id: i64,
    pub basis: String,
    pub title: String,
    pub published_at: chrono::DateTime<chrono::Utc>,
}

/// The most documents a list answers.
const LIST_LIMIT: i64 = 500;

/// The published documents in the caller's scope, newest first.
pub fn list(conn: &mut DbConn, caller: &Caller) -> Result<Vec<Listed>, Error> {
    caller.require_to(Can::ReadDashboard)?;
    store::list(conn, &caller.scope(), LIST_LIMIT)?
        .into_iter()
        .map(|row| {
            let p = Published::from_row(row)?;
            Ok(Listed {
                id: p.id,
                number: p.number,
                version: p.version,
                kind: p.kind.code().into(),
                year: p.year,
                month: p.month,
                region_id: p.region_id,
                basis: p.basis,
                title: p.title,
                published_at: p.published_at,
            })
        })
        .collect()
}

/// One published document in the caller's scope, as it was published.
pub fn get(conn: &mut DbConn, caller: &Caller, id: i64) -> Result<Published, Error> {
    caller.require_to(Can::ReadDashboard)?;
    let row = store::get(conn, &caller.scope(), id)?.ok_or_else(|| Error::not_found("report"))?;
    Published::from_row(row)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_and_their_checks() {
        let p = Period::new(Kind::Monthly, 2026, Some(1)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (p.from.to_string(), p.to.to_string()),
            ("2026-01-01".into(), "2026-01-31".into())
        );
        assert_eq!(p.previous().map(|b| b.label()), Some("2025年12月".into()));
        let y = Period::new(Kind::Yearly, 2022, None).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(y.label(), "2022年");
        for (kind, year, month) in [
            (Kind::Monthly, 2026, None),
            (Kind::Monthly, 2026, Some(13)),
            (Kind::Yearly, 2026, Some(1)),
            (Kind::Yearly, 1999, None),
        ] {
            assert!(
                Period::new(kind, year, month).is_err(),
                "{kind:?} {year} {month:?}"
            );
        }
    }

    #[test]
    fn changes_in_words() {
        assert_eq!(count_change(110, 100, "个"), "增加10个（+10.0%）");
        assert_eq!(count_change(90, 100, "个"), "减少10个（−10.0%）");
        assert_eq!(count_change(5, 0, "个"), "增加5个");
        assert_eq!(count_change(7, 7, "个"), "持平");
        let r = |n, d| figures::rate(n, d);
        assert_eq!(
            rate_change(&r(99, 100), &r(98, 100)).as_deref(),
            Some("上升1.00个百分点")
        );
        assert_eq!(
            rate_change(&r(97, 100), &r(98, 100)).as_deref(),
            Some("下降1.00个百分点")
        );
        assert_eq!(rate_change(&r(1, 1), &r(0, 0)), None);
    }

    #[test]
    fn red_and_black_ends() {
        let marks: Vec<&str> = (0..7).map(|i| mark(i, 7)).collect();
        assert_eq!(marks, ["红榜", "红榜", "红榜", "", "黑榜", "黑榜", "黑榜"]);
        assert_eq!(mark(0, 3), "");
        assert_eq!(
            (0..5).map(|i| mark(i, 5)).collect::<Vec<_>>(),
            ["红榜", "红榜", "红榜", "", ""]
        );
    }
}
