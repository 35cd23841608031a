//! Linked forums (场): created and run by the coordinators of the host region, read within
//! scope; attendance (参会企业家) recorded by those coordinators.

use actix_web::{web, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::common::{created, nullable, page, utc, Check, Paged};
use super::enterprises::NewEnterpriseIn;
use super::extract::Json;
use super::AppState;
use crate::auth::Caller;
use crate::db::{self, DbConn};
use crate::domain::forum::{move_status, Status};
use crate::domain::role::Role;
use crate::domain::time;
use crate::error::ApiError;
use crate::store::forums::{
    self as store, AttendanceRow, ForumFields, ForumFilter, ForumRow, ForumUpdate,
};
use crate::store::schema::enterprises;
use crate::store::scope::Scope;
use crate::store::{enterprises as ent_store, regions};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/api/v1/forums").get(list).post(create))
        .service(web::resource("/api/v1/forums/{id}").get(get).patch(update))
        .service(
            web::resource("/api/v1/forums/{id}/attendees")
                .get(list_attendees)
                .post(add_attendee),
        );
}

#[derive(Serialize)]
pub struct ForumOut {
    pub id: i64,
    pub edition_id: i64,
    pub edition_number: i32,
    pub held_on: NaiveDate,
    pub region_id: i64,
    pub venue: Option<String>,
    pub theme: String,
    pub chair_name: Option<String>,
    pub chair_title: Option<String>,
    pub department_ids: Vec<i64>,
    pub status: String,
    pub minutes: Option<String>,
    pub cancel_reason: Option<String>,
    /// 参会企业家 (人次) and distinct enterprises among them.
    pub attendance_count: i64,
    pub enterprise_count: i64,
    /// Issues raised at the forum (not withdrawn), and those solved on the spot (现场解决).
    pub issue_count: i64,
    pub resolved_on_site_count: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Forums with their edition, departments and counts, in a fixed number of queries.
pub fn forum_views(conn: &mut DbConn, rows: Vec<ForumRow>) -> Result<Vec<ForumOut>, ApiError> {
    let mut details = store::details(conn, &rows)?;
    Ok(rows
        .into_iter()
        .map(|f| {
            let d = details.remove(&f.id).unwrap_or_default();
            ForumOut {
                id: f.id,
                edition_id: f.edition_id,
                edition_number: d.edition_number,
                held_on: d.held_on,
                region_id: f.region_id,
                venue: f.venue,
                theme: f.theme,
                chair_name: f.chair_name,
                chair_title: f.chair_title,
                department_ids: d.department_ids,
                status: f.status,
                minutes: f.minutes,
                cancel_reason: f.cancel_reason,
                attendance_count: d.attendances,
                enterprise_count: d.enterprises,
                issue_count: d.issues,
                resolved_on_site_count: d.resolved_on_site,
                created_at: utc(f.created_at),
                updated_at: utc(f.updated_at),
            }
        })
        .collect())
}

fn one(conn: &mut DbConn, row: ForumRow) -> Result<ForumOut, ApiError> {
    forum_views(conn, vec![row])?
        .pop()
        .ok_or_else(|| ApiError::internal("forum view missing"))
}

const RUN: &str = "run forums";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewForumIn {
    edition_id: i64,
    region_id: i64,
    venue: Option<String>,
    /// Default: the edition's theme.
    theme: Option<String>,
    chair_name: Option<String>,
    chair_title: Option<String>,
    #[serde(default)]
    department_ids: Vec<i64>,
}

async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    Json(body): Json<NewForumIn>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Coordinator], RUN)?;
    let mut check = Check::default();
    let venue = check.opt_text("venue", body.venue.as_deref(), 200);
    let theme = body.theme.map(|t| check.text("theme", &t, 1, 200));
    let chair_name = check.opt_text("chair_name", body.chair_name.as_deref(), 100);
    let chair_title = check.opt_text("chair_title", body.chair_title.as_deref(), 100);
    check.finish()?;
    let scope = caller.scope();
    let out = db::run(&state.pool, move |conn| {
        db::write_tx(conn, |conn| {
            let edition = store::get_edition(conn, body.edition_id)?
                .ok_or_else(|| ApiError::invalid("edition_id", "no such edition"))?;
            regions::check_in_scope(conn, &scope, body.region_id, "region_id")?;
            let fields = ForumFields {
                venue,
                theme: theme.unwrap_or(edition.theme),
                chair_name,
                chair_title,
            };
            let row = store::create_forum(
                conn,
                edition.id,
                body.region_id,
                &fields,
                &body.department_ids,
            )?;
            one(conn, row)
        })
    })
    .await?;
    Ok(created(format!("/api/v1/forums/{}", out.id), &out))
}

#[derive(Deserialize)]
struct ListQuery {
    #[serde(default, deserialize_with = "crate::api::common::opt_id")]
    edition_id: Option<i64>,
    #[serde(default, deserialize_with = "crate::api::common::opt_id")]
    region_id: Option<i64>,
    status: Option<ForumStatus>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    page: Option<i64>,
    per_page: Option<i64>,
}

#[derive(Clone, Copy, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
enum ForumStatus {
    Scheduled,
    Held,
    Cancelled,
}

impl From<ForumStatus> for Status {
    fn from(s: ForumStatus) -> Status {
        match s {
            ForumStatus::Scheduled => Status::Scheduled,
            ForumStatus::Held => Status::Held,
            ForumStatus::Cancelled => Status::Cancelled,
        }
    }
}

async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let page = page(q.page, q.per_page)?;
    let filter = ForumFilter {
        edition_id: q.edition_id,
        region_id: q.region_id,
        status: q.status.map(|s| Status::from(s).as_str().to_owned()),
        from: q.from,
        to: q.to,
    };
    let scope = caller.scope();
    let (items, total) = db::run(&state.pool, move |conn| {
        let (rows, total) = store::list_forums(conn, &scope, &filter, page)?;
        Ok((forum_views(conn, rows)?, total))
    })
    .await?;
    Ok(HttpResponse::Ok().json(Paged::new(items, total, page)))
}

async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let scope = caller.scope();
    let out = db::run(&state.pool, move |conn| {
        let row =
            store::get_forum(conn, &scope, id)?.ok_or_else(|| ApiError::not_found("forum"))?;
        one(conn, row)
    })
    .await?;
    Ok(HttpResponse::Ok().json(out))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ForumPatch {
    #[serde(default, deserialize_with = "crate::api::common::present")]
    status: Option<ForumStatus>,
    #[serde(default, deserialize_with = "nullable")]
    minutes: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::api::common::present")]
    cancel_reason: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    venue: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::api::common::present")]
    theme: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    chair_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    chair_title: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::api::common::present")]
    department_ids: Option<Vec<i64>>,
}

/// Changes a forum: details, minutes, and its status (scheduled → held | cancelled, never
/// back). A cancelled forum changes no more; a forum is held only on or after its date,
/// with a venue and a chair; cancelling needs a reason.
async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
    Json(body): Json<ForumPatch>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Coordinator], RUN)?;
    let id = id.into_inner();
    let scope = caller.scope();
    let out = db::run(&state.pool, move |conn| {
        db::write_tx(conn, |conn| {
            let cur =
                store::get_forum(conn, &scope, id)?.ok_or_else(|| ApiError::not_found("forum"))?;
            let from = Status::parse(&cur.status).ok_or_else(|| {
                ApiError::internal(format!("forum {id} has status {}", cur.status))
            })?;
            if from == Status::Cancelled {
                return Err(ApiError::Conflict(
                    "the forum is cancelled; it can no longer be changed".into(),
                ));
            }
            let to = match body.status {
                Some(s) => move_status(from, s.into()).map_err(ApiError::Conflict)?,
                None => from,
            };
            let mut check = Check::default();
            let pick = |check: &mut Check,
                        field: &str,
                        given: Option<Option<String>>,
                        cur: Option<String>,
                        max| match given {
                Some(v) => check.opt_text(field, v.as_deref(), max),
                None => cur,
            };
            let fields = ForumFields {
                venue: pick(&mut check, "venue", body.venue, cur.venue, 200),
                theme: match &body.theme {
                    Some(t) => check.text("theme", t, 1, 200),
                    None => cur.theme,
                },
                chair_name: pick(
                    &mut check,
                    "chair_name",
                    body.chair_name,
                    cur.chair_name,
                    100,
                ),
                chair_title: pick(
                    &mut check,
                    "chair_title",
                    body.chair_title,
                    cur.chair_title,
                    100,
                ),
            };
            let minutes = pick(&mut check, "minutes", body.minutes, cur.minutes, 20_000);
            let cancel_reason = check.opt_text("cancel_reason", body.cancel_reason.as_deref(), 500);
            if to == Status::Cancelled && cancel_reason.is_none() {
                check.add("cancel_reason", "is required to cancel a forum");
            }
            if to != Status::Cancelled && cancel_reason.is_some() {
                check.add("cancel_reason", "is given only when cancelling");
            }
            if to == Status::Held {
                if fields.venue.is_none() {
                    check.add("venue", "is required for a held forum");
                }
                if fields.chair_name.is_none() {
                    check.add("chair_name", "is required for a held forum");
                }
            }
            check.finish()?;
            if to == Status::Held && from != Status::Held {
                let edition = store::get_edition(conn, cur.edition_id)?
                    .ok_or_else(|| ApiError::internal("forum without edition"))?;
                if edition.held_on > time::today() {
                    return Err(ApiError::Conflict(format!(
                        "the forum is scheduled for {}; it cannot be held before that day",
                        edition.held_on
                    )));
                }
            }
            let row = store::update_forum(
                conn,
                id,
                &ForumUpdate {
                    fields,
                    status: to.as_str().to_owned(),
                    minutes,
                    cancel_reason,
                    department_ids: body.department_ids,
                },
            )?;
            one(conn, row)
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(out))
}

#[derive(Serialize)]
pub struct AttendeeOut {
    pub id: i64,
    pub forum_id: i64,
    pub enterprise_id: i64,
    pub enterprise_name: String,
    pub person_name: String,
    pub title: String,
    pub created_at: DateTime<Utc>,
}

fn attendee_views(
    conn: &mut DbConn,
    rows: Vec<AttendanceRow>,
) -> Result<Vec<AttendeeOut>, ApiError> {
    use diesel::prelude::*;
    let ids: Vec<i64> = rows.iter().map(|a| a.enterprise_id).collect();
    let names: std::collections::HashMap<i64, String> = enterprises::table
        .filter(enterprises::id.eq_any(&ids))
        .select((enterprises::id, enterprises::name))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect();
    Ok(rows
        .into_iter()
        .map(|a| AttendeeOut {
            enterprise_name: names.get(&a.enterprise_id).cloned().unwrap_or_default(),
            id: a.id,
            forum_id: a.forum_id,
            enterprise_id: a.enterprise_id,
            person_name: a.person_name,
            title: a.title,
            created_at: utc(a.created_at),
        })
        .collect())
}

#[derive(Deserialize)]
struct PageQuery {
    page: Option<i64>,
    per_page: Option<i64>,
}

/// Who came: everyone who sees the forum, except that an enterprise sees only its own people.
async fn list_attendees(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = page(query.page, query.per_page)?;
    let id = id.into_inner();
    let scope = caller.scope();
    let (items, total) = db::run(&state.pool, move |conn| {
        store::get_forum(conn, &scope, id)?.ok_or_else(|| ApiError::not_found("forum"))?;
        let (rows, total) = store::list_attendances(conn, &scope, id, page)?;
        Ok((attendee_views(conn, rows)?, total))
    })
    .await?;
    Ok(HttpResponse::Ok().json(Paged::new(items, total, page)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AttendeeIn {
    person_name: String,
    title: String,
    /// An enterprise the coordinator can see…
    enterprise_id: Option<i64>,
    /// …or a new one, registered on the spot.
    enterprise: Option<NewEnterpriseIn>,
}

async fn add_attendee(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
    Json(body): Json<AttendeeIn>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Coordinator], "record attendance")?;
    let mut check = Check::default();
    let person = check.text("person_name", &body.person_name, 1, 50);
    let title = check.text("title", &body.title, 1, 100);
    let new_enterprise = match (body.enterprise_id, body.enterprise) {
        (Some(_), Some(_)) => {
            check.add(
                "enterprise",
                "give either enterprise_id or enterprise, not both",
            );
            None
        }
        (None, None) => {
            check.add(
                "enterprise_id",
                "is required (or a new enterprise under enterprise)",
            );
            None
        }
        (_, Some(e)) => match e.validate() {
            Ok(n) => Some(n),
            Err(ApiError::Unprocessable(errs)) => {
                for f in errs {
                    check.add(&format!("enterprise.{}", f.field), f.message);
                }
                None
            }
            Err(other) => return Err(other),
        },
        (Some(_), None) => None,
    };
    check.finish()?;
    let id = id.into_inner();
    let scope = caller.scope();
    let creator = caller.id();
    let out = db::run(&state.pool, move |conn| {
        db::write_tx(conn, |conn| {
            let forum =
                store::get_forum(conn, &scope, id)?.ok_or_else(|| ApiError::not_found("forum"))?;
            if forum.status == Status::Cancelled.as_str() {
                return Err(ApiError::Conflict(
                    "the forum is cancelled; attendance cannot be recorded".into(),
                ));
            }
            let enterprise_id = match (body.enterprise_id, &new_enterprise) {
                (Some(e), _) => {
                    ent_store::get(conn, &scope, e)?
                        .ok_or_else(|| ApiError::invalid("enterprise_id", "no such enterprise"))?
                        .id
                }
                (None, Some(n)) => create_enterprise(conn, &scope, n)?,
                (None, None) => return Err(ApiError::invalid("enterprise_id", "is required")),
            };
            let row = store::add_attendance(conn, id, enterprise_id, &person, &title, creator)?;
            attendee_views(conn, vec![row])?
                .pop()
                .ok_or_else(|| ApiError::internal("attendee view missing"))
        })
    })
    .await?;
    Ok(created(
        format!("/api/v1/forums/{}/attendees", out.forum_id),
        &out,
    ))
}

fn create_enterprise(
    conn: &mut DbConn,
    scope: &Scope,
    new: &crate::store::enterprises::NewEnterprise,
) -> Result<i64, ApiError> {
    // Field names in errors are those of the nested object.
    match super::enterprises::create_in_scope(conn, scope, new) {
        Ok(row) => Ok(row.id),
        Err(ApiError::Unprocessable(errs)) => Err(ApiError::Unprocessable(
            errs.into_iter()
                .map(|f| {
                    crate::error::FieldError::new(format!("enterprise.{}", f.field), f.message)
                })
                .collect(),
        )),
        Err(ApiError::Duplicate(f)) => Err(ApiError::Duplicate(crate::error::FieldError::new(
            format!("enterprise.{}", f.field),
            f.message,
        ))),
        Err(other) => Err(other),
    }
}
