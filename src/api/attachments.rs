//! 附件: `POST`/`GET /api/v1/issues/{id}/attachments` and `/api/v1/forums/{id}/attachments`
//! (a file as `multipart/form-data`, its field `file`; the list), `GET
//! /api/v1/attachments/{id}` (the bytes, as a download) and `POST
//! /api/v1/attachments/{id}/withdraw` (a wrong file, with a reason).

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use super::common::created;
use super::extract::Json;
use super::AppState;
use crate::auth::Caller;
use crate::db;
use crate::error::Error;
use crate::http::upload::{file_response, read_parts, Part};
use crate::service::attachments::{self, Limits, Place, Upload};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/api/v1/issues/{id}/attachments")
            .get(list_of_issue)
            .post(upload_to_issue),
    )
    .service(
        web::resource("/api/v1/forums/{id}/attachments")
            .get(list_of_forum)
            .post(upload_to_forum),
    )
    .service(web::resource("/api/v1/attachments/{id}").get(download))
    .service(web::resource("/api/v1/attachments/{id}/withdraw").post(withdraw));
}

/// Reads the one part of an upload, a file named `file`: 422 naming `file` when there is
/// none, 400 for any other part (as an unknown field of a JSON body is).
async fn read_file(
    req: &HttpRequest,
    payload: web::Payload,
    limits: &Limits,
) -> Result<Upload, Error> {
    let mut parts = read_parts(req, payload, limits, false).await?.into_iter();
    let only_one = || Error::malformed("the form holds one part only, a file named file");
    match (parts.next(), parts.next()) {
        (Some(Part::File(field, upload)), None) if field == "file" => Ok(upload),
        (None, _) => Err(Error::invalid("file", "请选择要上传的文件")),
        _ => Err(only_one()),
    }
}

async fn upload(
    state: web::Data<AppState>,
    caller: Caller,
    place: Place,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, Error> {
    let limits = state.files;
    let upload = read_file(&req, payload, &limits).await?;
    let checked = attachments::check(&limits, upload)?;
    let kept = attachments::keep(state.objects.as_deref(), vec![checked]).await?;
    let mut added = db::run(&state.pool, move |conn| {
        attachments::add_checked(conn, &caller, &limits, place, kept)
    })
    .await?;
    let file = added.pop().ok_or_else(|| Error::not_found("attachment"))?;
    Ok(created(format!("/api/v1/attachments/{}", file.id), &file))
}

async fn upload_to_issue(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, Error> {
    upload(state, caller, Place::Issue(id.into_inner()), req, payload).await
}

async fn upload_to_forum(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, Error> {
    upload(state, caller, Place::Forum(id.into_inner()), req, payload).await
}

async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    place: Place,
) -> Result<HttpResponse, Error> {
    let files = db::run(&state.pool, move |conn| {
        attachments::of_place(conn, &caller, place)
    })
    .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": files })))
}

async fn list_of_issue(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> Result<HttpResponse, Error> {
    list(state, caller, Place::Issue(id.into_inner())).await
}

async fn list_of_forum(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> Result<HttpResponse, Error> {
    list(state, caller, Place::Forum(id.into_inner())).await
}

async fn download(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> Result<HttpResponse, Error> {
    let id = id.into_inner();
    let (file, stored) = db::run(&state.pool, move |conn| {
        attachments::download(conn, &caller, id)
    })
    .await?;
    let bytes = attachments::bytes_of(state.objects.as_deref(), stored).await?;
    Ok(file_response(&file, bytes, false))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WithdrawIn {
    reason: String,
}

async fn withdraw(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
    Json(body): Json<WithdrawIn>,
) -> Result<HttpResponse, Error> {
    let id = id.into_inner();
    let file = db::run(&state.pool, move |conn| {
        attachments::withdraw(conn, &caller, id, &body.reason)
    })
    .await?;
    Ok(HttpResponse::Ok().json(file))
}
