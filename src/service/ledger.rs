//! The ledger (台账): every issue in scope matching the list's filters, one row each, as
//! CSV (UTF-8 with a byte-order mark, so Excel opens Chinese text correctly) or XLSX.
//! Rows are read in pages and written out as they come; the XLSX sheet is written in
//! constant-memory mode to a file.

use std::collections::HashMap;

use crate::auth::Caller;
use crate::db::DbConn;
use crate::domain::time;
use crate::error::Error;
use crate::service::issues::IssueQuery;
use crate::store::issues::{self as store, IssueFilter, IssueRow, LedgerNames};
use crate::store::scope::Scope;

pub const HEADERS: [&str; 17] = [
    "编号",
    "提交日期",
    "标题",
    "企业",
    "统一社会信用代码",
    "问题类别",
    "来源渠道",
    "恳谈会",
    "主办部门",
    "协办部门",
    "交办日期",
    "办理期限",
    "首次答复日期",
    "是否按期",
    "答复结果",
    "评价",
    "状态",
];

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

/// What the ledger is over: the caller's scope and the list's filters, collected issues
/// only. Checked before anything is written, so a bad filter is still a clean refusal.
pub struct Ledger {
    scope: Scope,
    filter: IssueFilter,
}

pub fn prepare(conn: &mut DbConn, caller: &Caller, query: &IssueQuery) -> Result<Ledger, Error> {
    let mut filter = query.filter(conn)?;
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

fn names(conn: &mut DbConn, rows: &[IssueRow]) -> Result<Names, Error> {
    let ids: Vec<i64> = rows.iter().map(|i| i.id).collect();
    let co = store::co_departments(conn, &ids)?;
    let ent_ids: Vec<i64> = rows.iter().map(|i| i.enterprise_id).collect();
    let mut dept_ids: Vec<i64> = rows.iter().filter_map(|i| i.lead_department_id).collect();
    dept_ids.extend(co.values().flatten());
    let forum_ids: Vec<i64> = rows.iter().filter_map(|i| i.forum_id).collect();
    let names = store::ledger_names(conn, &ent_ids, &dept_ids, &forum_ids)?;
    Ok(Names { names, co })
}

/// One ledger row, in the order of `HEADERS`.
fn row(i: &IssueRow, n: &Names) -> [String; 17] {
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
    let on_time = match i.answered_on_time {
        Some(true) => "是",
        Some(false) => "否",
        None => "",
    };
    [
        i.id.to_string(),
        i.filed_on.to_string(),
        i.title.clone(),
        ent,
        code,
        i.category.zh().to_owned(),
        i.channel.zh().to_owned(),
        i.forum_id
            .and_then(|f| n.names.forums.get(&f))
            .map(|(number, region)| format!("第{number}期 {region}"))
            .unwrap_or_default(),
        i.lead_department_id.map(dept).unwrap_or_default(),
        co.join("、"),
        i.assigned_at
            .map(|t| time::local_date(t).to_string())
            .unwrap_or_default(),
        i.due_on.map(|d| d.to_string()).unwrap_or_default(),
        i.first_answered_at
            .map(|t| time::local_date(t).to_string())
            .unwrap_or_default(),
        on_time.to_owned(),
        i.answer_outcome
            .map(|o| o.zh())
            .unwrap_or_default()
            .to_owned(),
        i.rating.map(|r| r.zh()).unwrap_or_default().to_owned(),
        i.status.zh().to_owned(),
    ]
}

/// A CSV field, quoted when it holds a separator, a quote or a line break.
pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

fn csv_line(fields: &[String]) -> String {
    let mut line = fields
        .iter()
        .map(|f| csv_field(f))
        .collect::<Vec<_>>()
        .join(",");
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
    let names = names(conn, &rows)?;
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
    head.push_str(&csv_line(&HEADERS.map(str::to_owned)));
    if !send(head.into_bytes()) {
        return Ok(());
    }
    walk(fetch, |page| {
        let text: String = page
            .rows
            .iter()
            .map(|i| csv_line(&row(i, &page.names)))
            .collect();
        Ok(send(text.into_bytes()))
    })
}

/// Writes the ledger as an XLSX workbook to the file at `path`.
pub fn write_xlsx(
    fetch: impl FnMut(i64) -> Result<Page, Error>,
    path: &std::path::Path,
) -> Result<(), Error> {
    use rust_xlsxwriter::{Format as CellFormat, Workbook};
    let fail = |e: rust_xlsxwriter::XlsxError| Error::internal(format!("xlsx: {e}"));
    let mut book = Workbook::new();
    let bold = CellFormat::new().set_bold();
    let sheet = book.add_worksheet_with_constant_memory().map_err(fail)?;
    sheet.set_name("问题台账").map_err(fail)?;
    for (c, h) in HEADERS.iter().enumerate() {
        sheet
            .write_string_with_format(0, c as u16, *h, &bold)
            .map_err(fail)?;
    }
    let mut r: u32 = 1;
    walk(fetch, |page| {
        for i in &page.rows {
            for (c, v) in row(i, &page.names).iter().enumerate() {
                if c == 0 {
                    sheet.write_number(r, 0, i.id as f64).map_err(fail)?;
                } else if !v.is_empty() {
                    sheet.write_string(r, c as u16, v).map_err(fail)?;
                }
            }
            r += 1;
        }
        Ok(true)
    })?;
    book.save(path).map_err(fail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_when_needed() {
        let cases = [
            ("湖州", "湖州"),
            ("a,b", "\"a,b\""),
            ("say \"hi\"", "\"say \"\"hi\"\"\""),
            ("line\nbreak", "\"line\nbreak\""),
        ];
        for (input, want) in cases {
            assert_eq!(csv_field(input), want);
        }
    }
}
