//! The ledger (台账): every issue in scope matching the list's filters, one row each, as
//! CSV (UTF-8 with a byte-order mark, so Excel opens Chinese text correctly) or XLSX.
//! Rows are read in pages and streamed; the XLSX sheet is written in constant-memory mode
//! to a temporary file and streamed from there.

use std::collections::HashMap;
use std::io::Read;

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use diesel::prelude::*;
use serde::Deserialize;

use super::reading::ListQuery;
use crate::api::AppState;
use crate::auth::Caller;
use crate::db::{DbConn, Pool};
use crate::domain::issue::{Category, Channel, Outcome, Rating};
use crate::domain::time;
use crate::error::ApiError;
use crate::store::issues::{self as store, IssueRow, ListFilter};
use crate::store::schema::{departments, editions, enterprises, forums, regions};
use crate::store::scope::Scope;

type Chunk = actix_web::web::Bytes;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/api/v1/issues/export").get(export));
}

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

#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Csv,
    Xlsx,
}

#[derive(Deserialize)]
struct FormatQuery {
    format: Option<String>,
}

/// Names for the ids on one page of issues, fetched once per page.
struct Names {
    enterprises: HashMap<i64, (String, String)>,
    departments: HashMap<i64, String>,
    forums: HashMap<i64, String>,
    co: HashMap<i64, Vec<i64>>,
}

fn names(conn: &mut DbConn, rows: &[IssueRow]) -> Result<Names, ApiError> {
    let ids: Vec<i64> = rows.iter().map(|i| i.id).collect();
    let co = store::co_departments(conn, &ids)?;
    let ent_ids: Vec<i64> = rows.iter().map(|i| i.enterprise_id).collect();
    let mut dept_ids: Vec<i64> = rows.iter().filter_map(|i| i.lead_department_id).collect();
    dept_ids.extend(co.values().flatten());
    let forum_ids: Vec<i64> = rows.iter().filter_map(|i| i.forum_id).collect();
    let enterprises = enterprises::table
        .filter(enterprises::id.eq_any(&ent_ids))
        .select((enterprises::id, enterprises::name, enterprises::credit_code))
        .load::<(i64, String, String)>(conn)?
        .into_iter()
        .map(|(id, n, c)| (id, (n, c)))
        .collect();
    let departments = departments::table
        .filter(departments::id.eq_any(&dept_ids))
        .select((departments::id, departments::name))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect();
    let forums = forums::table
        .inner_join(editions::table)
        .inner_join(regions::table)
        .filter(forums::id.eq_any(&forum_ids))
        .select((forums::id, editions::number, regions::name))
        .load::<(i64, i32, String)>(conn)?
        .into_iter()
        .map(|(id, n, r)| (id, format!("第{n}期 {r}")))
        .collect();
    Ok(Names {
        enterprises,
        departments,
        forums,
        co,
    })
}

fn status_zh(s: &str) -> &'static str {
    match s {
        "submitted" => "待交办",
        "assigned" => "已交办",
        "in_progress" => "办理中",
        "returned" => "已退回",
        "answered" => "已答复",
        "closed" => "已办结",
        "withdrawn" => "已撤回",
        _ => "",
    }
}

/// One ledger row, in the order of `HEADERS`.
fn row(i: &IssueRow, n: &Names) -> [String; 17] {
    let (ent, code) = n
        .enterprises
        .get(&i.enterprise_id)
        .cloned()
        .unwrap_or_default();
    let dept = |d: i64| n.departments.get(&d).cloned().unwrap_or_default();
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
        Category::parse(&i.category)
            .map(Category::zh)
            .unwrap_or_default()
            .to_owned(),
        Channel::parse(&i.channel)
            .map(Channel::zh)
            .unwrap_or_default()
            .to_owned(),
        i.forum_id
            .and_then(|f| n.forums.get(&f).cloned())
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
            .as_deref()
            .and_then(Outcome::parse)
            .map(Outcome::zh)
            .unwrap_or_default()
            .to_owned(),
        i.rating
            .as_deref()
            .and_then(Rating::parse)
            .map(Rating::zh)
            .unwrap_or_default()
            .to_owned(),
        status_zh(&i.status).to_owned(),
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

/// Walks the matching issues page by page, calling `each` with every page's rows.
fn walk(
    conn: &mut DbConn,
    scope: &Scope,
    filter: &ListFilter,
    mut each: impl FnMut(&mut DbConn, &[IssueRow]) -> Result<bool, ApiError>,
) -> Result<(), ApiError> {
    let mut after = 0;
    loop {
        let rows = store::page_after(conn, scope, filter, after, PAGE)?;
        let Some(last) = rows.last() else {
            return Ok(());
        };
        after = last.id;
        if !each(conn, &rows)? {
            return Ok(());
        }
        if (rows.len() as i64) < PAGE {
            return Ok(());
        }
    }
}

type Sender = tokio::sync::mpsc::Sender<Result<Chunk, std::io::Error>>;

/// Produces the file on a blocking thread; a closed channel (the client left) stops it.
fn produce(pool: Pool, scope: Scope, filter: ListFilter, format: Format, tx: Sender) {
    let send = |tx: &Sender, bytes: Vec<u8>| tx.blocking_send(Ok(Chunk::from(bytes))).is_ok();
    let result = (|| -> Result<(), ApiError> {
        let mut conn = pool.get().map_err(ApiError::from_pool)?;
        match format {
            Format::Csv => {
                let mut head = "\u{feff}".to_owned();
                head.push_str(&csv_line(&HEADERS.map(str::to_owned)));
                if !send(&tx, head.into_bytes()) {
                    return Ok(());
                }
                walk(&mut conn, &scope, &filter, |conn, rows| {
                    let n = names(conn, rows)?;
                    let text: String = rows.iter().map(|i| csv_line(&row(i, &n))).collect();
                    Ok(send(&tx, text.into_bytes()))
                })
            }
            Format::Xlsx => {
                let path = std::env::temp_dir().join(format!(
                    "qinqing-export-{}-{}.xlsx",
                    std::process::id(),
                    crate::store::now()
                        .and_utc()
                        .timestamp_nanos_opt()
                        .unwrap_or_default()
                ));
                let written = write_xlsx(&mut conn, &scope, &filter, &path);
                let streamed = written.and_then(|()| {
                    let mut file = std::fs::File::open(&path)
                        .map_err(|e| ApiError::internal(e.to_string()))?;
                    let mut buf = vec![0u8; 64 * 1024];
                    loop {
                        let n = file
                            .read(&mut buf)
                            .map_err(|e| ApiError::internal(e.to_string()))?;
                        if n == 0 || !send(&tx, buf[..n].to_vec()) {
                            return Ok(());
                        }
                    }
                });
                let _ = std::fs::remove_file(&path);
                streamed
            }
        }
    })();
    if let Err(e) = result {
        // The status line is already sent; end the body early and say why in the log.
        log::error!("ledger export stopped: {e}");
        let _ = tx.blocking_send(Err(std::io::Error::other("export failed")));
    }
}

fn write_xlsx(
    conn: &mut DbConn,
    scope: &Scope,
    filter: &ListFilter,
    path: &std::path::Path,
) -> Result<(), ApiError> {
    use rust_xlsxwriter::{Format as CellFormat, Workbook};
    let fail = |e: rust_xlsxwriter::XlsxError| ApiError::internal(format!("xlsx: {e}"));
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
    walk(conn, scope, filter, |conn, rows| {
        let n = names(conn, rows)?;
        for i in rows {
            for (c, v) in row(i, &n).iter().enumerate() {
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

async fn export(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<ListQuery>,
    format: web::Query<FormatQuery>,
) -> Result<HttpResponse, ApiError> {
    let format = match format.format.as_deref() {
        None | Some("csv") => Format::Csv,
        Some("xlsx") => Format::Xlsx,
        Some(_) => return Err(ApiError::invalid("format", "must be csv or xlsx")),
    };
    let query = query.into_inner();
    // Build the filter before the status line goes out, so a bad one is still a 4xx.
    let filter = crate::db::run(&state.pool, move |conn| {
        let mut filter = query.filter(conn)?;
        // The ledger lists the issues collected: withdrawn ones only when asked for.
        filter.hide_withdrawn = true;
        Ok(filter)
    })
    .await?;
    let (pool, scope) = (state.pool.clone(), caller.scope());
    let (tx, mut rx) = tokio::sync::mpsc::channel(4);
    actix_web::rt::task::spawn_blocking(move || produce(pool, scope, filter, format, tx));
    let body = futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx));
    let (content_type, ext) = match format {
        Format::Csv => ("text/csv; charset=utf-8", "csv"),
        Format::Xlsx => (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
    };
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"issues.{ext}\"; filename*=UTF-8''%E9%97%AE%E9%A2%98%E5%8F%B0%E8%B4%A6.{ext}"),
        ))
        .streaming(body))
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
