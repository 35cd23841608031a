//! Files through either door: reading a `multipart/form-data` body (the API's uploads and
//! the pages' forms with a file input) and answering a file's bytes (a download, or a
//! picture shown on its page).

use actix_multipart::Multipart;
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::StreamExt;

use crate::error::Error;
use crate::service::attachments::{Attachment, Limits, Upload};

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
