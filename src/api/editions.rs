//! Editions (期) of the weekly forum, and planning the next one with its linked forums.

use actix_web::{web, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::common::{created, nullable, page, utc, Check, Paged};
use super::extract::Json;
use super::forums::forum_views;
use super::AppState;
use crate::auth::Caller;
use crate::db;
use crate::domain::forum::{date_error, next_wednesday_after};
use crate::domain::role::Role;
use crate::domain::time;
use crate::error::ApiError;
use crate::store::forums::{self as store, EditionRow, ForumFields, NewEdition};
use crate::store::regions;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/api/v1/editions").get(list).post(create))
        .service(web::resource("/api/v1/editions/plan").post(plan))
        .service(
            web::resource("/api/v1/editions/{id}")
                .get(get)
                .patch(update),
        );
}

#[derive(Serialize)]
pub struct ForumCounts {
    pub scheduled: i64,
    pub held: i64,
    pub cancelled: i64,
}

#[derive(Serialize)]
pub struct EditionOut {
    pub id: i64,
    pub number: i32,
    pub held_on: NaiveDate,
    pub theme: String,
    pub rescheduled: bool,
    pub reschedule_reason: Option<String>,
    pub forums: ForumCounts,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Editions with their forum counts (one grouped query for all of them).
fn edition_views(
    conn: &mut db::DbConn,
    rows: Vec<EditionRow>,
) -> Result<Vec<EditionOut>, ApiError> {
    let ids: Vec<i64> = rows.iter().map(|e| e.id).collect();
    let counts = store::forum_counts(conn, &ids)?;
    let n = |id: i64, s: &str| counts.get(&(id, s.to_owned())).copied().unwrap_or(0);
    Ok(rows
        .into_iter()
        .map(|e| EditionOut {
            forums: ForumCounts {
                scheduled: n(e.id, "scheduled"),
                held: n(e.id, "held"),
                cancelled: n(e.id, "cancelled"),
            },
            id: e.id,
            number: e.number,
            held_on: e.held_on,
            theme: e.theme,
            rescheduled: e.reschedule_reason.is_some(),
            reschedule_reason: e.reschedule_reason,
            created_at: utc(e.created_at),
            updated_at: utc(e.updated_at),
        })
        .collect())
}

fn one(conn: &mut db::DbConn, row: EditionRow) -> Result<EditionOut, ApiError> {
    edition_views(conn, vec![row])?
        .pop()
        .ok_or_else(|| ApiError::internal("edition view missing"))
}

const RUN: &str = "run editions";

/// Checks number, date and theme together.
fn check_edition(
    check: &mut Check,
    number: i32,
    held_on: NaiveDate,
    theme: &str,
    reason: Option<&str>,
) -> NewEdition {
    if number < 1 {
        check.add("number", "must be 1 or more");
    }
    if let Some(msg) = date_error(held_on, reason) {
        check.add("held_on", msg);
    }
    NewEdition {
        number,
        held_on,
        theme: check.text("theme", theme, 1, 200),
        reschedule_reason: check.opt_text("reschedule_reason", reason, 500),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewEditionIn {
    number: i32,
    held_on: NaiveDate,
    theme: String,
    reschedule_reason: Option<String>,
}

async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    Json(body): Json<NewEditionIn>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Coordinator], RUN)?;
    let mut check = Check::default();
    let new = check_edition(
        &mut check,
        body.number,
        body.held_on,
        &body.theme,
        body.reschedule_reason.as_deref(),
    );
    check.finish()?;
    let out = db::run(&state.pool, move |conn| {
        let row = store::create_edition(conn, &new)?;
        one(conn, row)
    })
    .await?;
    Ok(created(format!("/api/v1/editions/{}", out.id), &out))
}

#[derive(Deserialize)]
struct ListQuery {
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    page: Option<i64>,
    per_page: Option<i64>,
}

async fn list(
    state: web::Data<AppState>,
    _caller: Caller,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let page = page(q.page, q.per_page)?;
    let (items, total) = db::run(&state.pool, move |conn| {
        let (rows, total) = store::list_editions(conn, q.from, q.to, page)?;
        Ok((edition_views(conn, rows)?, total))
    })
    .await?;
    Ok(HttpResponse::Ok().json(Paged::new(items, total, page)))
}

async fn get(
    state: web::Data<AppState>,
    _caller: Caller,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let out = db::run(&state.pool, move |conn| {
        let row = store::get_edition(conn, id)?.ok_or_else(|| ApiError::not_found("edition"))?;
        one(conn, row)
    })
    .await?;
    Ok(HttpResponse::Ok().json(out))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EditionPatch {
    #[serde(default, deserialize_with = "crate::api::common::present")]
    number: Option<i32>,
    #[serde(default, deserialize_with = "crate::api::common::present")]
    held_on: Option<NaiveDate>,
    #[serde(default, deserialize_with = "crate::api::common::present")]
    theme: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    reschedule_reason: Option<Option<String>>,
}

async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
    Json(body): Json<EditionPatch>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Coordinator], RUN)?;
    let id = id.into_inner();
    let out = db::run(&state.pool, move |conn| {
        db::write_tx(conn, |conn| {
            let cur =
                store::get_edition(conn, id)?.ok_or_else(|| ApiError::not_found("edition"))?;
            let reason = match body.reschedule_reason {
                Some(r) => r,
                None => cur.reschedule_reason,
            };
            let mut check = Check::default();
            let new = check_edition(
                &mut check,
                body.number.unwrap_or(cur.number),
                body.held_on.unwrap_or(cur.held_on),
                body.theme.as_deref().unwrap_or(&cur.theme),
                reason.as_deref(),
            );
            check.finish()?;
            let row = store::update_edition(conn, id, &new)?;
            one(conn, row)
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(out))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PlanIn {
    /// Default: the Wednesday after the latest edition (or after today, for the first).
    held_on: Option<NaiveDate>,
    theme: String,
    reschedule_reason: Option<String>,
    /// One scheduled forum for each of these regions, all within the caller's scope.
    region_ids: Vec<i64>,
}

/// 计划下一期: the next edition number, its date, and a scheduled forum per chosen region,
/// in one transaction.
async fn plan(
    state: web::Data<AppState>,
    caller: Caller,
    Json(body): Json<PlanIn>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Coordinator], RUN)?;
    if body.region_ids.is_empty() {
        return Err(ApiError::invalid("region_ids", "name at least one region"));
    }
    let scope = caller.scope();
    let (edition, forums) = db::run(&state.pool, move |conn| {
        db::write_tx(conn, |conn| {
            let (last_number, last_date) = store::latest_edition(conn)?;
            let held_on = body
                .held_on
                .unwrap_or_else(|| next_wednesday_after(last_date.unwrap_or_else(time::today)));
            let number = last_number.unwrap_or(0).checked_add(1).ok_or_else(|| {
                ApiError::Conflict(
                    "the highest possible edition number is taken; renumber the editions first"
                        .into(),
                )
            })?;
            let mut check = Check::default();
            let new = check_edition(
                &mut check,
                number,
                held_on,
                &body.theme,
                body.reschedule_reason.as_deref(),
            );
            let mut seen = Vec::new();
            for (i, r) in body.region_ids.iter().enumerate() {
                if seen.contains(r) {
                    check.add(&format!("region_ids[{i}]"), "is listed twice");
                }
                seen.push(*r);
            }
            check.finish()?;
            let mut errors = Vec::new();
            for (i, r) in body.region_ids.iter().enumerate() {
                match regions::check_in_scope(conn, &scope, *r, &format!("region_ids[{i}]")) {
                    Ok(()) => {}
                    Err(ApiError::Unprocessable(errs)) => errors.extend(errs),
                    Err(other) => return Err(other),
                }
            }
            if !errors.is_empty() {
                return Err(ApiError::Unprocessable(errors));
            }
            let edition = store::create_edition(conn, &new)?;
            let mut rows = Vec::new();
            for r in &body.region_ids {
                let fields = ForumFields {
                    venue: None,
                    theme: new.theme.clone(),
                    chair_name: None,
                    chair_title: None,
                };
                rows.push(store::create_forum(conn, edition.id, *r, &fields, &[])?);
            }
            let forums = forum_views(conn, rows)?;
            Ok((one(conn, edition)?, forums))
        })
    })
    .await?;
    Ok(created(
        format!("/api/v1/editions/{}", edition.id),
        &json!({"edition": edition, "forums": forums}),
    ))
}
