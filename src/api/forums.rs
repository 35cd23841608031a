//! Linked forums (场) and their attendance: `/api/v1/forums`.

use crate::api::extract::Query;
use actix_web::{web, HttpResponse};

use super::common::created;
use super::extract::Json;
use super::AppState;
use crate::auth::Caller;
use crate::db;
use crate::error::Error;
use crate::service::forums::{self, AttendeeIn, ForumPatch, ForumQuery, NewForumIn, PageQuery};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/api/v1/forums").get(list).post(create))
        .service(web::resource("/api/v1/forums/{id}").get(get).patch(update))
        .service(
            web::resource("/api/v1/forums/{id}/attendees")
                .get(list_attendees)
                .post(add_attendee),
        )
        .service(
            web::resource("/api/v1/forums/{id}/attendees/{attendee_id}").delete(remove_attendee),
        );
}

async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    Json(body): Json<NewForumIn>,
) -> Result<HttpResponse, Error> {
    let f = db::run(&state.pool, move |conn| forums::create(conn, &caller, body)).await?;
    Ok(created(format!("/api/v1/forums/{}", f.id), &f))
}

async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    query: Query<ForumQuery>,
) -> Result<HttpResponse, Error> {
    let q = query.into_inner();
    let page = db::run(&state.pool, move |conn| forums::list(conn, &caller, q)).await?;
    Ok(HttpResponse::Ok().json(page))
}

async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> Result<HttpResponse, Error> {
    let id = id.into_inner();
    let f = db::run(&state.pool, move |conn| forums::get(conn, &caller, id)).await?;
    Ok(HttpResponse::Ok().json(f))
}

/// Changes a forum: details, minutes, and its status (scheduled → held | cancelled).
async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
    Json(body): Json<ForumPatch>,
) -> Result<HttpResponse, Error> {
    let id = id.into_inner();
    let f = db::run(&state.pool, move |conn| {
        forums::update(conn, &caller, id, body)
    })
    .await?;
    Ok(HttpResponse::Ok().json(f))
}

/// Who came: everyone who sees the forum, except that an enterprise sees only its own people.
async fn list_attendees(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
    query: Query<PageQuery>,
) -> Result<HttpResponse, Error> {
    let (id, q) = (id.into_inner(), query.into_inner());
    let page = db::run(&state.pool, move |conn| {
        forums::list_attendees(conn, &caller, id, q)
    })
    .await?;
    Ok(HttpResponse::Ok().json(page))
}

async fn add_attendee(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
    Json(body): Json<AttendeeIn>,
) -> Result<HttpResponse, Error> {
    let id = id.into_inner();
    let a = db::run(&state.pool, move |conn| {
        forums::add_attendee(conn, &caller, id, body)
    })
    .await?;
    Ok(created(
        format!("/api/v1/forums/{}/attendees", a.forum_id),
        &a,
    ))
}

/// Removes an attendee registered by mistake.
async fn remove_attendee(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse, Error> {
    let (id, attendee_id) = path.into_inner();
    db::run(&state.pool, move |conn| {
        forums::remove_attendee(conn, &caller, id, attendee_id)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
