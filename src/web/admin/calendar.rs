//! 节假日: a year's 放假 and 调休上班 days, as the State Council's notice gives them; the
//! years the service shipped are shown as set, and any year can be corrected.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::{Datelike, NaiveDate};

use super::{require_admin, DoneQuery};
use crate::db;
use crate::domain::time;
use crate::error::{Error, FieldError};
use crate::service::calendar::{self, YearIn, FIRST_YEAR};
use crate::web::form::{form_of, Problems};
use crate::web::{page, redirect, Chrome, Session, WebError};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/admin/calendar").get(this_year))
        .service(
            web::resource("/admin/calendar/{year}")
                .get(year_page)
                .post(save),
        );
}

async fn this_year(session: Session) -> Result<HttpResponse, WebError> {
    require_admin(&session)?;
    Ok(redirect(&format!(
        "/admin/calendar/{}",
        time::today().year()
    )))
}

struct YearLink {
    year: i32,
    configured: bool,
    current: bool,
}

/// How a year stands against the State Council's schedule the service ships, if any.
fn shipped_words(year: i32, holidays: &[NaiveDate], workdays: &[NaiveDate]) -> &'static str {
    let Some((mut h, mut w)) = crate::domain::calendar::official::year(year) else {
        return "";
    };
    h.sort();
    w.sort();
    if h.as_slice() == holidays && w.as_slice() == workdays {
        "本年为系统内置的国务院办公厅放假安排。"
    } else {
        "本年的安排与系统内置的国务院办公厅安排不同（已由管理员修改）。"
    }
}

#[derive(Template)]
#[template(path = "admin_calendar.html")]
struct YearPage {
    chrome: Chrome,
    year: i32,
    configured: bool,
    years: Vec<YearLink>,
    holidays: String,
    workdays: String,
    /// Whether the year is the schedule the service ships, or was changed from it.
    shipped: &'static str,
    problems: Problems,
    done: bool,
}

fn lines(days: &[NaiveDate]) -> String {
    days.iter()
        .map(|d| d.format("%Y-%m-%d").to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

async fn show(
    session: &Session,
    year: i32,
    typed: Option<(String, String)>,
    problems: Problems,
    done: bool,
) -> Result<HttpResponse, WebError> {
    let caller = session.caller.clone();
    let state = session.state.clone();
    let last = time::today().year() + 1;
    let (y, years) = db::run(&state.pool, move |conn| {
        let y = calendar::get(conn, &caller, year)?;
        let mut years = Vec::new();
        for n in FIRST_YEAR.min(year)..=last.max(year) {
            years.push((n, calendar::get(conn, &caller, n)?.configured));
        }
        Ok((y, years))
    })
    .await?;
    let shipped = if y.configured {
        shipped_words(year, &y.holidays, &y.workdays)
    } else {
        ""
    };
    let (holidays, workdays) = typed.unwrap_or_else(|| (lines(&y.holidays), lines(&y.workdays)));
    page(&YearPage {
        chrome: Chrome::new(session, format!("{year}年节假日"), "/admin"),
        year,
        configured: y.configured,
        years: years
            .into_iter()
            .map(|(n, configured)| YearLink {
                year: n,
                configured,
                current: n == year,
            })
            .collect(),
        holidays,
        workdays,
        shipped,
        problems,
        done,
    })
}

async fn year_page(
    session: Session,
    year: web::Path<i32>,
    q: web::Query<DoneQuery>,
) -> Result<HttpResponse, WebError> {
    require_admin(&session)?;
    show(
        &session,
        year.into_inner(),
        None,
        Problems::default(),
        q.done.is_some(),
    )
    .await
}

/// The dates of a text area, one a line (blank lines and spaces ignored); each line that is
/// not a date is named by its number.
fn dates(field: &str, text: &str, errors: &mut Vec<FieldError>) -> Vec<NaiveDate> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        match time::parse_strict_date(line) {
            Some(d) => out.push(d),
            None => errors.push(FieldError::new(
                field,
                format!("line {}: {line} is not a date (YYYY-MM-DD)", i + 1),
            )),
        }
    }
    out
}

async fn save(
    session: Session,
    year: web::Path<i32>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let form = form_of(&body)?;
    session.check_csrf(&form.text("csrf"))?;
    require_admin(&session)?;
    let year = year.into_inner();
    let (h, w) = (form.text("holidays"), form.text("workdays"));
    let mut errors = Vec::new();
    let input = YearIn {
        holidays: dates("holidays", &h, &mut errors),
        workdays: dates("workdays", &w, &mut errors),
    };
    let outcome = if errors.is_empty() {
        let caller = session.caller.clone();
        let state = session.state.clone();
        db::run(&state.pool, move |conn| {
            calendar::put(conn, &caller, year, input)
        })
        .await
    } else {
        Err(Error::Invalid(errors))
    };
    match outcome {
        Ok(_) => Ok(redirect(&format!("/admin/calendar/{year}?done=1"))),
        Err(e @ Error::Invalid(_)) => {
            let mut p = Problems::default();
            if let Error::Invalid(fields) = &e {
                for f in fields {
                    let id = f.field.split('[').next().unwrap_or("holidays");
                    let label = if id == "workdays" {
                        "调休上班日期"
                    } else {
                        "放假日期"
                    };
                    p.add(id, format!("{label}：{}", calendar_words(&f.message)));
                }
            }
            let mut resp = show(&session, year, Some((h, w)), p, false).await?;
            *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(resp)
        }
        Err(e) => Err(e.into()),
    }
}

/// The calendar's refusals in words.
fn calendar_words(m: &str) -> String {
    if let Some(rest) = m.strip_prefix("line ") {
        let (n, what) = rest.split_once(": ").unwrap_or((rest, ""));
        let what = what.trim_end_matches(" is not a date (YYYY-MM-DD)");
        return format!("第{n}行“{what}”不是日期，请写成 2026-10-01 的样子");
    }
    if let Some((d, _)) = m.split_once(" is not in ") {
        return format!("{d} 不在这一年");
    }
    if let Some((d, _)) = m.split_once(" is listed twice") {
        return format!("{d} 重复了（同一天不能既放假又上班，也不能写两次）");
    }
    if let Some((d, _)) = m.split_once(" is a weekday") {
        return format!("{d} 是工作日，本来就上班；这里只填调休上班的周六、周日");
    }
    m.to_owned()
}
