//! The ledger (台账): every issue in scope matching the list's filters, one row each, as
//! CSV (UTF-8 with a byte-order mark, so Excel opens Chinese text correctly) or XLSX.
//! Rows are read in pages and written out as they come; the XLSX sheet is written in
//! constant-memory mode to a file.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};

use crate::auth::Caller;
use crate::db::DbConn;
use crate::domain::issue::{EventKind, RatingSource};
use crate::domain::lifecycle::State;
use crate::domain::time;
use crate::error::Error;
use crate::service::issues::IssueQuery;
use crate::store::filter::IssueFilter;
use crate::store::issues::{self as store, IssueRow, LedgerNames};
use crate::store::scope::Scope;

/// The columns: heading, and width in the XLSX sheet (in characters).
pub const COLUMNS: [(&str, f64); 31] = [
    ("编号", 8.0),
    ("提交日期", 12.0),
    ("区县", 10.0),
    ("标题", 30.0),
    ("问题描述", 50.0),
    ("企业", 24.0),
    ("统一社会信用代码", 21.0),
    ("问题类别", 12.0),
    ("来源渠道", 10.0),
    ("恳谈会", 16.0),
    ("现场解决", 9.0),
    ("主办部门", 20.0),
    ("协办部门", 24.0),
    ("交办日期", 12.0),
    ("办理期限", 12.0),
    ("首次答复日期", 13.0),
    ("是否按期", 9.0),
    ("是否超期", 9.0),
    ("答复结果", 12.0),
    ("答复内容", 50.0),
    ("附件数", 7.0),
    ("答复附件数", 10.0),
    ("退回次数", 9.0),
    ("重办次数", 9.0),
    ("督办", 6.0),
    ("评价", 10.0),
    ("是否解决", 9.0),
    ("评价来源", 10.0),
    ("办结日期", 12.0),
    ("办结方式", 30.0),
    ("状态", 9.0),
];

/// One cell of a ledger row.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Text(String),
    Number(i64),
    Date(Option<NaiveDate>),
}

impl Cell {
    fn text(s: impl Into<String>) -> Cell {
        Cell::Text(s.into())
    }

    fn yes_no(b: Option<bool>) -> Cell {
        Cell::text(match b {
            Some(true) => "是",
            Some(false) => "否",
            None => "",
        })
    }

    /// As CSV shows it.
    fn csv(&self) -> String {
        match self {
            Cell::Text(s) => csv_field(s),
            Cell::Number(n) => n.to_string(),
            Cell::Date(d) => d.map(|d| d.to_string()).unwrap_or_default(),
        }
    }
}

const PAGE: i64 = 1_000;

/// The file formats of the ledger.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
}

impl Format {
    pub fn parse(format: Option<&str>) -> Result<Format, Error> {
        match format {
            None | Some("csv") => Ok(Format::Csv),
            Some("xlsx") => Ok(Format::Xlsx),
            Some(_) => Err(Error::invalid("format", "must be csv or xlsx")),
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
        }
    }
}

/// A download's query: `format` (the file's) apart from the list's filters.
pub fn format_and_filters(
    pairs: Vec<(String, String)>,
) -> Result<(Format, Vec<(String, String)>), Error> {
    let format = Format::parse(
        pairs
            .iter()
            .find(|(k, _)| k == "format")
            .map(|(_, v)| v.as_str()),
    )?;
    let filters = pairs.into_iter().filter(|(k, _)| k != "format").collect();
    Ok((format, filters))
}

/// What the ledger is over: the caller's scope and the list's filters, collected issues
/// only. Checked before anything is written, so a bad filter is still a clean refusal.
pub struct Ledger {
    scope: Scope,
    filter: IssueFilter,
}

pub fn prepare(conn: &mut DbConn, caller: &Caller, query: &IssueQuery) -> Result<Ledger, Error> {
    let mut filter = query.filter(conn, &caller.scope())?;
    // The ledger lists the issues collected: withdrawn ones only when asked for.
    filter.hide_withdrawn = true;
    Ok(Ledger {
        scope: caller.scope(),
        filter,
    })
}

/// Names for the ids on one page of issues, fetched once per page.
struct Names {
    names: LedgerNames,
    co: HashMap<i64, Vec<i64>>,
}

/// Departments are named as they were on `day`, the period's last (today when open-ended).
fn names(conn: &mut DbConn, rows: &[IssueRow], day: Option<NaiveDate>) -> Result<Names, Error> {
    let ids: Vec<i64> = rows.iter().map(|i| i.id).collect();
    let co = store::co_departments(conn, &ids)?;
    let ent_ids: Vec<i64> = rows.iter().map(|i| i.enterprise_id).collect();
    let mut dept_ids: Vec<i64> = rows.iter().filter_map(|i| i.lead_department_id).collect();
    dept_ids.extend(co.values().flatten());
    let forum_ids: Vec<i64> = rows.iter().filter_map(|i| i.forum_id).collect();
    let region_ids: Vec<i64> = rows.iter().map(|i| i.region_id).collect();
    let mut names = store::ledger_names(conn, &ent_ids, &dept_ids, &forum_ids, day)?;
    store::ledger_facts(conn, &mut names, &ids, &region_ids)?;
    Ok(Names { names, co })
}

/// How a closed issue came to be closed, from its latest closing or rating event.
fn ending(i: &IssueRow, n: &Names) -> (Option<NaiveDate>, String) {
    if i.status != State::Closed {
        return (None, String::new());
    }
    let Some((at, action, details)) = n.names.endings.get(&i.id) else {
        return (None, String::new());
    };
    let how = if EventKind::parse(action) == Some(EventKind::Closed) {
        let d: serde_json::Value = serde_json::from_str(details).unwrap_or_default();
        let note = d["note"].as_str().unwrap_or_default();
        match d["reason"].as_str() {
            Some("not_actionable") => format!("不属受理范围，协调办结：{note}"),
            Some(crate::service::issues::actions::MERGED) => {
                let into = d["into"].as_i64().unwrap_or_default();
                let note = if note.is_empty() {
                    String::new()
                } else {
                    format!("：{note}")
                };
                format!("重复反映，合并至编号 {into} 的问题办理{note}")
            }
            _ => format!("多次重办后协调办结：{note}"),
        }
    } else {
        "评价满意或基本满意".to_owned()
    };
    (Some(time::local_date(*at)), how)
}

/// One ledger row, in the order of `COLUMNS`.
fn row(i: &IssueRow, n: &Names, today: NaiveDate) -> [Cell; 31] {
    let (ent, code) = n
        .names
        .enterprises
        .get(&i.enterprise_id)
        .cloned()
        .unwrap_or_default();
    let dept = |d: i64| n.names.departments.get(&d).cloned().unwrap_or_default();
    let co: Vec<String> =
        n.co.get(&i.id)
            .map(|v| v.iter().map(|d| dept(*d)).collect())
            .unwrap_or_default();
    let overdue = match (i.due_on, State::HANDLED.contains(&i.status)) {
        (Some(due), true) => Some(due < today),
        (Some(_), false) if i.first_answered_at.is_some() => Some(false),
        _ => None,
    };
    let (solved, source) = match n.names.ratings.get(&i.id) {
        Some((solved, source)) if i.rating.is_some() => (
            *solved,
            RatingSource::parse(source)
                .map(RatingSource::zh)
                .unwrap_or_default(),
        ),
        _ => (None, ""),
    };
    let (closed_on, how) = ending(i, n);
    let (files, answer_files) = n.names.files.get(&i.id).copied().unwrap_or_default();
    [
        Cell::Number(i.id),
        Cell::Date(Some(i.filed_on)),
        Cell::text(
            n.names
                .regions
                .get(&i.region_id)
                .cloned()
                .unwrap_or_default(),
        ),
        Cell::text(&i.title),
        Cell::text(&i.description),
        Cell::text(ent),
        Cell::text(code),
        Cell::text(i.category.zh()),
        Cell::text(i.channel.zh()),
        Cell::text(
            i.forum_id
                .and_then(|f| n.names.forums.get(&f))
                .map(|(number, region)| format!("第{number}期 {region}"))
                .unwrap_or_default(),
        ),
        Cell::yes_no(Some(i.resolved_on_site)),
        Cell::text(i.lead_department_id.map(dept).unwrap_or_default()),
        Cell::text(co.join("、")),
        Cell::Date(i.assigned_at.map(time::local_date)),
        Cell::Date(i.due_on),
        Cell::Date(i.first_answered_at.map(time::local_date)),
        Cell::yes_no(i.answered_on_time),
        Cell::yes_no(overdue),
        Cell::text(i.answer_outcome.map(|o| o.zh()).unwrap_or_default()),
        Cell::text(i.answer_text.clone().unwrap_or_default()),
        Cell::Number(files),
        Cell::Number(answer_files),
        Cell::Number(i.return_count.into()),
        Cell::Number(i.reopen_count.into()),
        Cell::text(if i.supervision { "是" } else { "" }),
        Cell::text(i.rating.map(|r| r.zh()).unwrap_or_default()),
        Cell::yes_no(solved),
        Cell::text(source),
        Cell::Date(closed_on),
        Cell::text(how),
        Cell::text(i.status.zh()),
    ]
}

/// A cell a spreadsheet would take for a formula (its text begins with `=`, `+`, `-`, `@`,
/// a tab or a carriage return) gets a leading apostrophe, so that it stays text (OWASP's
/// rule against CSV injection). Text a user wrote may begin that way; it is kept whole.
pub fn inert(s: &str) -> std::borrow::Cow<'_, str> {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        std::borrow::Cow::Owned(format!("'{s}"))
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

/// A CSV field: made inert (see `inert`), then quoted when it holds a separator, a quote
/// or a line break.
pub fn csv_field(s: &str) -> String {
    let s = inert(s);
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.into_owned()
    }
}

fn csv_line(fields: impl Iterator<Item = String>) -> String {
    let mut line = fields.collect::<Vec<_>>().join(",");
    line.push_str("\r\n");
    line
}

/// One page of the ledger: the next rows after an id, with the names they show.
pub struct Page {
    rows: Vec<IssueRow>,
    names: Names,
}

/// Reads the page of the ledger after issue `after` (by id): a short use of a connection,
/// so a slow download never holds one between pages.
pub fn page(conn: &mut DbConn, ledger: &Ledger, after: i64) -> Result<Page, Error> {
    let rows = store::page_after(conn, &ledger.scope, &ledger.filter, after, PAGE)?;
    let names = names(conn, &rows, ledger.filter.to)?;
    Ok(Page { rows, names })
}

/// Walks the matching issues page by page (`fetch` reads the page after an id), calling
/// `each` with every page; stops when `each` answers false.
fn walk(
    mut fetch: impl FnMut(i64) -> Result<Page, Error>,
    mut each: impl FnMut(&Page) -> Result<bool, Error>,
) -> Result<(), Error> {
    let mut after = 0;
    loop {
        let page = fetch(after)?;
        let Some(last) = page.rows.last() else {
            return Ok(());
        };
        after = last.id;
        if !each(&page)? {
            return Ok(());
        }
        if (page.rows.len() as i64) < PAGE {
            return Ok(());
        }
    }
}

/// Writes the ledger as CSV, a chunk per page, to `send`; stops early (without error)
/// when `send` answers false (the reader went away).
pub fn write_csv(
    fetch: impl FnMut(i64) -> Result<Page, Error>,
    mut send: impl FnMut(Vec<u8>) -> bool,
) -> Result<(), Error> {
    let mut head = "\u{feff}".to_owned();
    head.push_str(&csv_line(COLUMNS.iter().map(|(h, _)| csv_field(h))));
    let today = time::today();
    if !send(head.into_bytes()) {
        return Ok(());
    }
    walk(fetch, |page| {
        let text: String = page
            .rows
            .iter()
            .map(|i| csv_line(row(i, &page.names, today).iter().map(Cell::csv)))
            .collect();
        Ok(send(text.into_bytes()))
    })
}

/// Writes the ledger as an XLSX workbook to the file at `path`: dates as date cells, the
/// heading row frozen with a filter on every column, widths to fit. Text is written as
/// text cells, which no spreadsheet evaluates (with the quote prefix when it begins like a
/// formula).
pub fn write_xlsx(
    fetch: impl FnMut(i64) -> Result<Page, Error>,
    path: &std::path::Path,
) -> Result<(), Error> {
    use rust_xlsxwriter::{ExcelDateTime, Format as CellFormat, Workbook};
    let fail = |e: rust_xlsxwriter::XlsxError| Error::internal(format!("xlsx: {e}"));
    let mut book = Workbook::new();
    let bold = CellFormat::new().set_bold();
    let date = CellFormat::new().set_num_format("yyyy-mm-dd");
    // Text that begins like a formula keeps Excel's quote prefix, so that even editing the
    // cell does not turn it into one.
    let quoted = CellFormat::new().set_quote_prefix();
    let sheet = book.add_worksheet_with_constant_memory().map_err(fail)?;
    sheet.set_name("问题台账").map_err(fail)?;
    // What precedes the rows in the file is set before the first row is written.
    sheet.set_freeze_panes(1, 0).map_err(fail)?;
    for (c, (heading, width)) in COLUMNS.iter().enumerate() {
        sheet.set_column_width(c as u16, *width).map_err(fail)?;
        sheet
            .write_string_with_format(0, c as u16, *heading, &bold)
            .map_err(fail)?;
    }
    let today = time::today();
    let mut r: u32 = 1;
    walk(fetch, |page| {
        for i in &page.rows {
            for (c, cell) in row(i, &page.names, today).iter().enumerate() {
                let c = c as u16;
                match cell {
                    Cell::Number(n) => {
                        sheet.write_number(r, c, *n as f64).map_err(fail)?;
                    }
                    Cell::Date(Some(d)) => {
                        // A stored day Excel cannot hold as a date (before 1900, after
                        // 9999: entered before dates were bounded) is written as its text,
                        // so the ledger is never cut short by one row.
                        let day = u16::try_from(d.year()).ok().and_then(|y| {
                            ExcelDateTime::from_ymd(y, d.month() as u8, d.day() as u8).ok()
                        });
                        match day {
                            Some(day) => sheet
                                .write_datetime_with_format(r, c, &day, &date)
                                .map_err(fail)?,
                            None => sheet.write_string(r, c, d.to_string()).map_err(fail)?,
                        };
                    }
                    Cell::Text(t) if !t.is_empty() => {
                        if matches!(inert(t), std::borrow::Cow::Owned(_)) {
                            sheet
                                .write_string_with_format(r, c, t, &quoted)
                                .map_err(fail)?;
                        } else {
                            sheet.write_string(r, c, t).map_err(fail)?;
                        }
                    }
                    Cell::Date(None) | Cell::Text(_) => {}
                }
            }
            r += 1;
        }
        Ok(true)
    })?;
    sheet
        .autofilter(0, 0, r.saturating_sub(1).max(1), (COLUMNS.len() - 1) as u16)
        .map_err(fail)?;
    // 说明: what the ledger counts, beside the rows.
    let about = book.add_worksheet();
    about.set_name("说明").map_err(fail)?;
    about.set_column_width(0, 12).map_err(fail)?;
    about.set_column_width(1, 80).map_err(fail)?;
    for (i, (k, v)) in [
        (
            "统计口径",
            format!("{BASIS}：列出提交日期在所选期间内的问题，办理情况截至导出之日"),
        ),
        ("导出日期", time::zh_date(today)),
        ("问题数", r.saturating_sub(1).to_string()),
    ]
    .iter()
    .enumerate()
    {
        about
            .write_string_with_format(i as u32, 0, *k, &bold)
            .map_err(fail)?;
        about.write_string(i as u32, 1, v).map_err(fail)?;
    }
    book.save(path).map_err(fail)
}

/// What the ledger counts on, as every export states it: the issues filed in the period.
pub const BASIS: &str = "按提交时间统计";

/// The download's file name, naming the filters' period and the basis:
/// `问题台账_2022-01-01_2022-12-31_按提交时间统计` (to today when the period is open-ended;
/// `问题台账_截至2026-11-30_按提交时间统计` when there is none).
pub fn file_stem(from: Option<NaiveDate>, to: Option<NaiveDate>, today: NaiveDate) -> String {
    let period = match (from, to) {
        (Some(f), Some(t)) => format!("{f}_{t}"),
        (Some(f), None) => format!("{f}_{today}"),
        (None, Some(t)) => format!("截至{t}"),
        (None, None) => format!("截至{today}"),
    };
    format!("问题台账_{period}_{BASIS}")
}

impl Ledger {
    /// The period the filters name, for the file name.
    pub fn period(&self) -> (Option<NaiveDate>, Option<NaiveDate>) {
        (self.filter.from, self.filter.to)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_carry_the_period() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
        let today = d("2026-11-30").unwrap_or_default();
        let cases = [
            (
                d("2022-01-01"),
                d("2022-12-31"),
                "问题台账_2022-01-01_2022-12-31_按提交时间统计",
            ),
            (
                d("2022-01-01"),
                None,
                "问题台账_2022-01-01_2026-11-30_按提交时间统计",
            ),
            (
                None,
                d("2023-05-31"),
                "问题台账_截至2023-05-31_按提交时间统计",
            ),
            (None, None, "问题台账_截至2026-11-30_按提交时间统计"),
        ];
        for (from, to, want) in cases {
            assert_eq!(file_stem(from, to, today), want);
        }
    }

    #[test]
    fn csv_fields_are_quoted_when_needed() {
        let cases = [
            ("湖州", "湖州"),
            ("a,b", "\"a,b\""),
            ("say \"hi\"", "\"say \"\"hi\"\"\""),
            ("line\nbreak", "\"line\nbreak\""),
            // What a spreadsheet would evaluate stays text.
            (
                "=HYPERLINK(\"http://x\",\"点击\")",
                "\"'=HYPERLINK(\"\"http://x\"\",\"\"点击\"\")\"",
            ),
            ("+86 0572", "'+86 0572"),
            ("-1+1", "'-1+1"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tcmd", "'\tcmd"),
            ("\r=1", "\"'\r=1\""),
            ("a=1", "a=1"),
        ];
        for (input, want) in cases {
            assert_eq!(csv_field(input), want);
        }
    }
}
