//! 附件: `POST`/`GET /api/v1/issues/{id}/attachments` and `/api/v1/forums/{id}/attachments`
//! (a file as `multipart/form-data`, its field `file`; the list), `GET
//! /api/v1/attachments/{id}` (the bytes, as a download) and `POST
//! /api/v1/attachments/{id}/withdraw` (a wrong file, with a reason).

use actix_multipart::Multipart;
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use serde::Deserialize;

use super::common::created;
use super::extract::Json;
use super::AppState;
use crate::auth::Caller;
use crate::db;
use crate::error::Error;
use crate::service::attachments::{self, Attachment, Limits, Place, Upload};

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

/// Whether a request's body is `multipart/form-data`.
pub fn is_multipart(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"))
}

/// One part of a `multipart/form-data` body: a file (its name and bytes, at most
/// `limits.max_bytes`, 413 beyond) or a text field (at most 64 KB).
pub enum Part {
    File(String, Upload),
    Text(String, String),
    /// A file over the size limit, read to its end and dropped (pages only: its name, to
    /// say which beside the form).
    TooLarge(String, String),
}

/// Reads every part of a `multipart/form-data` body: files up to the size limit (beyond:
/// 413, or for a page's form, `keep_going`, the file read to its end and named as too
/// large, so that the form can say so beside the field, as long as the whole body stays
/// within what the limits allow), text fields as UTF-8 (400 otherwise). A file input left
/// empty by a browser (no name, no bytes) is no file.
pub async fn read_parts(
    req: &HttpRequest,
    payload: web::Payload,
    limits: &Limits,
    keep_going: bool,
) -> Result<Vec<Part>, Error> {
    if !is_multipart(req) {
        return Err(Error::UnsupportedType(
            "请以 multipart/form-data 上传，文件放在 file 字段".into(),
        ));
    }
    const TEXT_MAX: usize = 64 * 1024;
    let unreadable = || Error::malformed("the multipart body could not be read");
    let mut parts = Multipart::new(req.headers(), payload);
    let mut out = Vec::new();
    let body_max = limits
        .max_bytes
        .saturating_mul(limits.per_place as usize + 2);
    let mut body_len = 0usize;
    while let Some(part) = parts.next().await {
        let mut part = part.map_err(|_| unreadable())?;
        let field = part.name().unwrap_or("").to_owned();
        let file_name = part
            .content_disposition()
            .and_then(|d| d.get_filename())
            .map(str::to_owned);
        let max = if file_name.is_some() {
            limits.max_bytes
        } else {
            TEXT_MAX
        };
        let mut bytes = Vec::new();
        let mut over = false;
        while let Some(chunk) = part.next().await {
            let chunk = chunk.map_err(|_| unreadable())?;
            body_len += chunk.len();
            if over {
                if body_len > body_max {
                    return Err(limits.too_large());
                }
                continue;
            }
            if bytes.len() + chunk.len() > max {
                match &file_name {
                    Some(_) if keep_going => {
                        over = true;
                        bytes = Vec::new();
                        continue;
                    }
                    Some(_) => return Err(limits.too_large()),
                    None => return Err(Error::malformed(format!("the field {field} is too long"))),
                }
            }
            bytes.extend_from_slice(&chunk);
        }
        out.push(match file_name {
            Some(name) if over => Part::TooLarge(field, name),
            Some(name) if name.is_empty() && bytes.is_empty() => continue,
            Some(name) => Part::File(field, Upload { name, bytes }),
            None => {
                let text = String::from_utf8(bytes)
                    .map_err(|_| Error::malformed(format!("the field {field} is not UTF-8")))?;
                if text.contains('\0') {
                    return Err(Error::invalid(&field, "must not contain a NUL character"));
                }
                Part::Text(field, text)
            }
        });
    }
    Ok(out)
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

/// A file's bytes: a download (`attachment`, its name in UTF-8), or — an image on the issue
/// page only — shown inline, sandboxed. Never sniffed, never kept by a shared cache.
pub fn file_response(file: &Attachment, bytes: Vec<u8>, inline_image: bool) -> HttpResponse {
    let mut resp = HttpResponse::Ok();
    resp.content_type(file.content_type.as_str())
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CACHE_CONTROL, "private, no-store"));
    if inline_image && file.is_image() {
        resp.insert_header((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; sandbox",
        ));
    } else {
        resp.insert_header((header::CONTENT_DISPOSITION, content_disposition(&file.name)));
    }
    resp.body(bytes)
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

/// `attachment` with the name twice: ASCII for old clients (other characters as `_`) and
/// UTF-8, percent-encoded (RFC 6266, RFC 8187).
pub fn content_disposition(name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::new();
    for b in name.bytes() {
        let keep = b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b);
        if keep {
            encoded.push(b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::content_disposition;

    #[test]
    fn a_download_names_the_file_in_utf8() {
        let cases = [
            (
                "答复函.pdf",
                "attachment; filename=\"___.pdf\"; filename*=UTF-8''%E7%AD%94%E5%A4%8D%E5%87%BD.pdf",
            ),
            (
                "a b\"c.png",
                "attachment; filename=\"a b_c.png\"; filename*=UTF-8''a%20b%22c.png",
            ),
        ];
        for (name, want) in cases {
            assert_eq!(content_disposition(name), want);
        }
    }
}
