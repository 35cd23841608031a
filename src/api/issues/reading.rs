//! Reading issues in scope: one, a filtered list, the timeline, extension requests.

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{etag, one, views};
use crate::api::common::{page, utc, Paged};
use crate::api::AppState;
use crate::auth::Caller;
use crate::db;
use crate::domain::issue::{Category, Channel};
use crate::domain::lifecycle::State;
use crate::domain::time;
use crate::error::ApiError;
use crate::store::issues::{self as store, ExtensionRow, ListFilter, Sort};
use crate::store::regions;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/api/v1/issues/{id}").get(get))
        .service(web::resource("/api/v1/issues/{id}/events").get(events));
}

async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let scope = caller.scope();
    let out = db::run(&state.pool, move |conn| {
        let row = store::get(conn, &scope, id)?.ok_or_else(|| ApiError::not_found("issue"))?;
        one(conn, row)
    })
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag(out.id, out.version)))
        .json(out))
}

#[derive(Deserialize)]
pub struct ListQuery {
    pub status: Option<String>,
    pub category: Option<Category>,
    pub channel: Option<Channel>,
    #[serde(default, deserialize_with = "crate::api::common::opt_id")]
    pub enterprise_id: Option<i64>,
    #[serde(default, deserialize_with = "crate::api::common::opt_id")]
    pub department_id: Option<i64>,
    #[serde(default, deserialize_with = "crate::api::common::opt_id")]
    pub region_id: Option<i64>,
    #[serde(default, deserialize_with = "crate::api::common::opt_id")]
    pub forum_id: Option<i64>,
    #[serde(default, deserialize_with = "crate::api::common::opt_id")]
    pub edition_id: Option<i64>,
    pub overdue: Option<bool>,
    pub q: Option<String>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub sort: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

impl ListQuery {
    /// The store filter; the region (a subtree) is resolved to its path. An unknown region
    /// or status is a 422 naming the parameter.
    pub fn filter(&self, conn: &mut db::DbConn) -> Result<ListFilter, ApiError> {
        if let Some(s) = &self.status {
            if State::parse(s).is_none() {
                return Err(ApiError::invalid("status", "is not an issue status"));
            }
        }
        let region_path = match self.region_id {
            Some(r) => Some(regions::path_for_field(conn, r, "region_id")?),
            None => None,
        };
        Ok(ListFilter {
            status: self.status.clone(),
            category: self.category.map(|c| c.code().to_owned()),
            channel: self.channel.map(|c| c.code().to_owned()),
            enterprise_id: self.enterprise_id,
            department_id: self.department_id,
            region_path,
            forum_id: self.forum_id,
            edition_id: self.edition_id,
            overdue_on: self.overdue.filter(|o| *o).map(|_| time::today()),
            q: self.q.clone().filter(|q| !q.trim().is_empty()),
            from: self.from,
            to: self.to,
            hide_withdrawn: false,
        })
    }

    pub fn sort(&self) -> Result<Sort, ApiError> {
        match self.sort.as_deref() {
            None | Some("-created_at") => Ok(Sort::CreatedDesc),
            Some("created_at") => Ok(Sort::CreatedAsc),
            Some("due_on") => Ok(Sort::DueAsc),
            Some("-due_on") => Ok(Sort::DueDesc),
            Some(_) => Err(ApiError::invalid(
                "sort",
                "must be created_at, -created_at, due_on or -due_on",
            )),
        }
    }
}

pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let page = page(q.page, q.per_page)?;
    let sort = q.sort()?;
    let scope = caller.scope();
    let (items, total) = db::run(&state.pool, move |conn| {
        let filter = q.filter(conn)?;
        let (rows, total) = store::list(conn, &scope, &filter, sort, page)?;
        Ok((views(conn, rows)?, total))
    })
    .await?;
    Ok(HttpResponse::Ok().json(Paged::new(items, total, page)))
}

#[derive(Serialize)]
struct EventOut {
    id: i64,
    action: String,
    actor_id: i64,
    actor_role: String,
    at: DateTime<Utc>,
    details: serde_json::Value,
}

/// The timeline, oldest first.
async fn events(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let scope = caller.scope();
    let rows = db::run(&state.pool, move |conn| {
        store::get(conn, &scope, id)?.ok_or_else(|| ApiError::not_found("issue"))?;
        Ok(store::events(conn, id)?)
    })
    .await?;
    let out: Vec<EventOut> = rows
        .into_iter()
        .map(|e| EventOut {
            details: serde_json::from_str(&e.details).unwrap_or(serde_json::Value::Null),
            id: e.id,
            action: e.action,
            actor_id: e.actor_id,
            actor_role: e.actor_role,
            at: utc(e.at),
        })
        .collect();
    Ok(HttpResponse::Ok().json(out))
}

#[derive(Serialize)]
pub struct ExtensionOut {
    pub id: i64,
    pub issue_id: i64,
    pub department_id: i64,
    pub new_due_on: NaiveDate,
    pub reason: String,
    pub status: String,
    pub requested_by: i64,
    pub requested_at: DateTime<Utc>,
    pub decided_by: Option<i64>,
    pub decided_at: Option<DateTime<Utc>>,
    pub note: Option<String>,
}

impl From<ExtensionRow> for ExtensionOut {
    fn from(e: ExtensionRow) -> Self {
        ExtensionOut {
            id: e.id,
            issue_id: e.issue_id,
            department_id: e.department_id,
            new_due_on: e.new_due_on,
            reason: e.reason,
            status: e.status,
            requested_by: e.requested_by,
            requested_at: utc(e.requested_at),
            decided_by: e.decided_by,
            decided_at: e.decided_at.map(utc),
            note: e.note,
        }
    }
}

pub async fn extensions(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let scope = caller.scope();
    let rows = db::run(&state.pool, move |conn| {
        store::get(conn, &scope, id)?.ok_or_else(|| ApiError::not_found("issue"))?;
        Ok(store::extensions(conn, id)?)
    })
    .await?;
    let out: Vec<ExtensionOut> = rows.into_iter().map(ExtensionOut::from).collect();
    Ok(HttpResponse::Ok().json(out))
}
