//! 附件: `POST`/`GET /api/v1/issues/{id}/attachments` (a file as `multipart/form-data`, its
//! field `file`; the list) and `GET /api/v1/attachments/{id}` (the bytes, as a download).

use actix_multipart::Multipart;
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::StreamExt;

use super::common::created;
use super::AppState;
use crate::auth::Caller;
use crate::db;
use crate::error::Error;
use crate::service::attachments::{self, MAX_BYTES};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/api/v1/issues/{id}/attachments")
            .get(list)
            .post(upload),
    )
    .service(web::resource("/api/v1/attachments/{id}").get(download));
}

/// The file sent: its name and bytes.
pub struct Sent {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// Reads the `file` part of a `multipart/form-data` body, up to `MAX_BYTES` (413 beyond);
/// 415 for another kind of body, 422 naming `file` when there is none, 400 for any other
/// part (as an unknown field of a JSON body is).
pub async fn read_file(req: &HttpRequest, payload: web::Payload) -> Result<Sent, Error> {
    let multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"));
    if !multipart {
        return Err(Error::UnsupportedType(
            "请以 multipart/form-data 上传，文件放在 file 字段".into(),
        ));
    }
    let unreadable = || Error::malformed("the multipart body could not be read");
    let mut parts = Multipart::new(req.headers(), payload);
    let mut sent = None;
    while let Some(part) = parts.next().await {
        let mut part = part.map_err(|_| unreadable())?;
        if part.name() != Some("file") || sent.is_some() {
            return Err(Error::malformed(
                "the form holds one part only, a file named file",
            ));
        }
        let name = part
            .content_disposition()
            .and_then(|d| d.get_filename())
            .unwrap_or("")
            .to_owned();
        let mut bytes = Vec::new();
        while let Some(chunk) = part.next().await {
            let chunk = chunk.map_err(|_| unreadable())?;
            if bytes.len() + chunk.len() > MAX_BYTES {
                return Err(attachments::too_large());
            }
            bytes.extend_from_slice(&chunk);
        }
        sent = Some(Sent { name, bytes });
    }
    sent.ok_or_else(|| Error::invalid("file", "请选择要上传的文件"))
}

async fn upload(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, Error> {
    let id = id.into_inner();
    let sent = read_file(&req, payload).await?;
    let file = db::run(&state.pool, move |conn| {
        attachments::add(conn, &caller, id, &sent.name, &sent.bytes)
    })
    .await?;
    Ok(created(format!("/api/v1/attachments/{}", file.id), &file))
}

async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> Result<HttpResponse, Error> {
    let id = id.into_inner();
    let files = db::run(&state.pool, move |conn| {
        attachments::of_issue(conn, &caller, id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": files })))
}

async fn download(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> Result<HttpResponse, Error> {
    let id = id.into_inner();
    let (file, bytes) = db::run(&state.pool, move |conn| {
        attachments::download(conn, &caller, id)
    })
    .await?;
    Ok(HttpResponse::Ok()
        .content_type(file.content_type.as_str())
        .insert_header((header::CONTENT_DISPOSITION, content_disposition(&file.name)))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .body(bytes))
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
