//! 年度报告 and 月度通报 as documents: the draft of a period and region (草稿, built afresh
//! from the figures, with the form that publishes it), and the published documents (已发布
//! 文件), each read exactly as it was stored.

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::act::problems;
use super::charts::{self, BarRow, TrendPoint};
use super::form::{form_of, refused};
use super::{filled, may, page, parse_query, redirect, Chrome, Session, WebError};
use crate::db;
use crate::domain::role::Can;
use crate::domain::time;
use crate::error::Error;
use crate::service::reports::{self, basis_zh, Document, Kind, Period, PublishIn};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/reports/published").get(published_list))
        .service(web::resource("/reports/published/{id}").get(published_one))
        .service(web::resource("/reports/publish").post(publish))
        .service(web::resource("/reports/{year}").get(year_draft))
        .service(web::resource("/reports/{year}/{month}").get(month_draft));
}

/// The numbered headings of a document's sections: 三、下步工作 only when it was written.
struct Headings {
    overview: &'static str,
    problems: &'static str,
    next_steps: Option<&'static str>,
    ranking: &'static str,
    charts: &'static str,
}

fn headings(doc: &Document) -> Headings {
    if doc.next_steps.is_empty() {
        Headings {
            overview: "一、总体情况",
            problems: "二、存在问题",
            next_steps: None,
            ranking: "三、部门红黑榜",
            charts: "四、问题趋势与类别",
        }
    } else {
        Headings {
            overview: "一、总体情况",
            problems: "二、存在问题",
            next_steps: Some("三、下步工作"),
            ranking: "四、部门红黑榜",
            charts: "五、问题趋势与类别",
        }
    }
}

/// A document as its page shows it.
struct Shown {
    doc: Document,
    headings: Headings,
    /// 文号, or none for a draft.
    number: Option<String>,
    /// `湖工商联〔2026〕1号（第2版）` for a later version.
    version_note: String,
    basis: &'static str,
    span: String,
    /// The 落款's date.
    dated: String,
    trend: String,
    categories: String,
}

fn shown(doc: Document, number: Option<String>, version: i32, dated: chrono::NaiveDate) -> Shown {
    let trend: Vec<TrendPoint> = doc
        .trend
        .iter()
        .map(|p| TrendPoint {
            label: p.label.clone(),
            collected: p.collected,
            satisfaction: p.satisfaction,
        })
        .collect();
    let bars: Vec<BarRow> = doc
        .categories
        .iter()
        .map(|b| BarRow {
            label: b.label.clone(),
            value: b.value,
            note: b.note.clone(),
            href: None,
        })
        .collect();
    Shown {
        headings: headings(&doc),
        version_note: if version > 1 {
            format!("（第{version}版）")
        } else {
            String::new()
        },
        basis: basis_zh(&doc.basis),
        span: format!("{}至{}", time::zh_date(doc.from), time::zh_date(doc.to)),
        dated: time::zh_date(dated),
        trend: charts::trend(&trend, &doc.trend_title),
        categories: charts::bars(&bars, "各类别收集问题", "个"),
        number,
        doc,
    }
}

#[derive(Template)]
#[template(path = "report.html")]
struct DraftPage {
    title: String,
    back: String,
    d: Shown,
    /// The publish form, for a coordinator or administrator once the period is over.
    publish: Option<PublishForm>,
    csrf: String,
    problems: Vec<String>,
}

struct PublishForm {
    kind: &'static str,
    year: i32,
    month: String,
    region_id: i64,
    next_steps: String,
}

#[derive(Deserialize)]
struct DraftQuery {
    region_id: Option<i64>,
}

async fn year_draft(
    session: Session,
    year: web::Path<i32>,
    req: HttpRequest,
) -> Result<HttpResponse, WebError> {
    let q: DraftQuery = parse_query(&filled(&req))?;
    let p = Period::new(Kind::Yearly, year.into_inner(), None)
        .map_err(|_| WebError::Page(Error::not_found("report")))?;
    draft_page(session, p, q.region_id, String::new(), Vec::new()).await
}

async fn month_draft(
    session: Session,
    path: web::Path<(i32, u32)>,
    req: HttpRequest,
) -> Result<HttpResponse, WebError> {
    let q: DraftQuery = parse_query(&filled(&req))?;
    let (year, month) = path.into_inner();
    let p = Period::new(Kind::Monthly, year, Some(month))
        .map_err(|_| WebError::Page(Error::not_found("report")))?;
    draft_page(session, p, q.region_id, String::new(), Vec::new()).await
}

/// The draft of a period and region (草稿), with the publish form when the reader may
/// publish and the period is over; `next_steps` and `problems` from a refused publish.
async fn draft_page(
    session: Session,
    p: Period,
    region_id: Option<i64>,
    next_steps: String,
    problems: Vec<String>,
) -> Result<HttpResponse, WebError> {
    may(&session, Can::ReadDashboard)?;
    let caller = session.caller.clone();
    let state = session.state.clone();
    let today = time::today();
    let period = p.clone();
    let doc = db::run(&state.pool, move |conn| {
        reports::draft(conn, &caller, &period, region_id, None, today)
    })
    .await?;
    let publish = (session.caller.may(Can::Publish) && p.to < today).then(|| PublishForm {
        kind: p.kind.code(),
        year: p.year,
        month: p.month.map(|m| m.to_string()).unwrap_or_default(),
        region_id: doc.region_id,
        next_steps,
    });
    let back = match p.month {
        Some(m) => format!(
            "/dashboard?period=month&year={}&month={m}&region_id={}",
            p.year, doc.region_id
        ),
        None => format!(
            "/dashboard?period=year&year={}&region_id={}",
            p.year, doc.region_id
        ),
    };
    page(&DraftPage {
        title: format!("{}（草稿）", doc.title),
        back,
        d: shown(doc, None, 1, today),
        publish,
        csrf: session.csrf.clone(),
        problems,
    })
}

async fn publish(session: Session, body: web::Bytes) -> Result<HttpResponse, WebError> {
    let form = form_of(&body)?;
    session.check_csrf(&form.text("csrf"))?;
    may(&session, Can::Publish)?;
    let kind = match form.text("kind").as_str() {
        "monthly" => Kind::Monthly,
        "yearly" => Kind::Yearly,
        _ => return Err(WebError::Page(Error::not_found("report"))),
    };
    let year: i32 = form
        .text("year")
        .parse()
        .map_err(|_| WebError::Page(Error::not_found("report")))?;
    let month: Option<u32> = form.text("month").parse().ok();
    let region_id: Option<i64> = form.text("region_id").parse().ok();
    let next_steps = form.text("next_steps");
    let p = Period::new(kind, year, month).map_err(WebError::Page)?;
    let input = PublishIn {
        kind,
        year,
        month,
        region_id,
        next_steps: Some(next_steps.clone()).filter(|t| !t.trim().is_empty()),
    };
    let caller = session.caller.clone();
    let state = session.state.clone();
    let r = db::run(&state.pool, move |conn| {
        reports::publish(conn, &caller, input, crate::store::now())
    })
    .await;
    match r {
        Ok(published) => Ok(redirect(&format!("/reports/published/{}", published.id))),
        Err(e) if refused(&e) => draft_page(session, p, region_id, next_steps, problems(&e)).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "published.html")]
struct PublishedPage {
    title: String,
    d: Shown,
}

async fn published_one(session: Session, id: web::Path<i64>) -> Result<HttpResponse, WebError> {
    may(&session, Can::ReadDashboard)?;
    let caller = session.caller.clone();
    let state = session.state.clone();
    let id = id.into_inner();
    let r = db::run(&state.pool, move |conn| reports::get(conn, &caller, id)).await?;
    let dated = time::local_date(r.published_at.naive_utc());
    page(&PublishedPage {
        title: format!("{} {}", r.number, r.title),
        d: shown(r.document, Some(r.number), r.version, dated),
    })
}

#[derive(Template)]
#[template(path = "published_list.html")]
struct PublishedList {
    chrome: Chrome,
    /// id, 文号, title, version note, published date, basis.
    items: Vec<(i64, String, String, String, String, &'static str)>,
}

async fn published_list(session: Session) -> Result<HttpResponse, WebError> {
    may(&session, Can::ReadDashboard)?;
    let caller = session.caller.clone();
    let state = session.state.clone();
    let items = db::run(&state.pool, move |conn| reports::list(conn, &caller)).await?;
    page(&PublishedList {
        chrome: Chrome::new(&session, "已发布文件", "/reports"),
        items: items
            .into_iter()
            .map(|r| {
                (
                    r.id,
                    r.number,
                    r.title,
                    if r.version > 1 {
                        format!("第{}版", r.version)
                    } else {
                        String::new()
                    },
                    time::zh_date(time::local_date(r.published_at.naive_utc())),
                    basis_zh(&r.basis),
                )
            })
            .collect(),
    })
}
