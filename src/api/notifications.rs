//! Notices (提醒): `/api/v1/notifications` (each person's own) and `/api/v1/channels` (the
//! administrator's outside delivery).

use crate::api::extract::Query;
use actix_web::{web, HttpResponse};
use serde_json::json;

use super::common::created;
use super::extract::Json;
use super::AppState;
use crate::auth::Caller;
use crate::db;
use crate::error::Error;
use crate::service::channels::{self, ChannelPatch, ChannelQuery, DeliveryQuery, NewChannel};
use crate::service::notices::{self, NotificationQuery};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/api/v1/notifications").get(list))
        .service(web::resource("/api/v1/notifications/read-all").post(read_all))
        .service(web::resource("/api/v1/notifications/{id}/read").post(read))
        .service(
            web::resource("/api/v1/channels")
                .get(list_channels)
                .post(create_channel),
        )
        .service(
            web::resource("/api/v1/channels/{id}")
                .get(get_channel)
                .patch(update_channel)
                .delete(delete_channel),
        )
        .service(web::resource("/api/v1/channels/{id}/test").post(test_channel))
        .service(web::resource("/api/v1/deliveries").get(list_deliveries))
        .service(web::resource("/api/v1/deliveries/{id}/retry").post(retry_delivery));
}

async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    query: Query<NotificationQuery>,
) -> Result<HttpResponse, Error> {
    let q = query.into_inner();
    let page = db::run(&state.pool, move |conn| notices::list(conn, &caller, q)).await?;
    Ok(HttpResponse::Ok().json(page))
}

async fn read(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> Result<HttpResponse, Error> {
    let id = id.into_inner();
    db::run(&state.pool, move |conn| notices::read(conn, &caller, id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

async fn read_all(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, Error> {
    let n = db::run(&state.pool, move |conn| notices::read_all(conn, &caller)).await?;
    Ok(HttpResponse::Ok().json(json!({ "marked": n })))
}

async fn list_channels(
    state: web::Data<AppState>,
    caller: Caller,
    query: Query<ChannelQuery>,
) -> Result<HttpResponse, Error> {
    let q = query.into_inner();
    let page = db::run(&state.pool, move |conn| channels::list(conn, &caller, q)).await?;
    Ok(HttpResponse::Ok().json(page))
}

async fn create_channel(
    state: web::Data<AppState>,
    caller: Caller,
    Json(body): Json<NewChannel>,
) -> Result<HttpResponse, Error> {
    let cfg = state.notify.clone();
    let c = db::run(&state.pool, move |conn| {
        channels::create(conn, &caller, &cfg, body)
    })
    .await?;
    Ok(created(format!("/api/v1/channels/{}", c.id), &c))
}

async fn get_channel(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> Result<HttpResponse, Error> {
    let id = id.into_inner();
    let c = db::run(&state.pool, move |conn| channels::get(conn, &caller, id)).await?;
    Ok(HttpResponse::Ok().json(c))
}

async fn update_channel(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
    Json(body): Json<ChannelPatch>,
) -> Result<HttpResponse, Error> {
    let id = id.into_inner();
    let cfg = state.notify.clone();
    let c = db::run(&state.pool, move |conn| {
        channels::update(conn, &caller, &cfg, id, body)
    })
    .await?;
    Ok(HttpResponse::Ok().json(c))
}

async fn delete_channel(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> Result<HttpResponse, Error> {
    let id = id.into_inner();
    db::run(&state.pool, move |conn| channels::delete(conn, &caller, id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// 发送测试消息: the channel is read, the test notice sent on a blocking thread with no
/// connection held, and the result recorded.
pub async fn test_channel_now(
    state: &AppState,
    caller: Caller,
    id: i64,
) -> Result<channels::TestResult, Error> {
    let c = caller.clone();
    let (channel, notice) =
        db::run(&state.pool, move |conn| channels::test_notice(conn, &c, id)).await?;
    let cfg = state.notify.clone();
    let outcome = web::block(move || crate::notify::send_test(&cfg, &channel, &notice))
        .await
        .map_err(|e| Error::internal(e.to_string()))?;
    let result = channels::TestResult {
        delivered: outcome.is_ok(),
        error: outcome.err(),
    };
    db::run(&state.pool, move |conn| {
        channels::record_test(conn, &caller, id, &result)?;
        Ok(result)
    })
    .await
}

async fn test_channel(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> Result<HttpResponse, Error> {
    let result = test_channel_now(&state, caller, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(result))
}

async fn list_deliveries(
    state: web::Data<AppState>,
    caller: Caller,
    query: Query<DeliveryQuery>,
) -> Result<HttpResponse, Error> {
    let q = query.into_inner();
    let page = db::run(&state.pool, move |conn| {
        channels::deliveries(conn, &caller, q)
    })
    .await?;
    Ok(HttpResponse::Ok().json(page))
}

async fn retry_delivery(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> Result<HttpResponse, Error> {
    let id = id.into_inner();
    db::run(&state.pool, move |conn| channels::retry(conn, &caller, id)).await?;
    Ok(HttpResponse::NoContent().finish())
}
