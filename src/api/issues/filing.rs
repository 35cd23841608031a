//! Filing an issue (提交): `POST /api/v1/issues`, with `Idempotency-Key` for retries.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

use super::super::extract::Json;
use super::reading;
use crate::auth::Caller;
use crate::db;
use crate::error::Error;
use crate::http::AppState;
use crate::service::issues::filing::{self, check_key, FileIn, Filed, KEY_HEADER};
use crate::service::issues::version_tag;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/api/v1/issues")
            .get(reading::list)
            .post(file),
    );
}

fn idempotency_key(req: &HttpRequest) -> Result<Option<String>, Error> {
    let Some(v) = req.headers().get(KEY_HEADER) else {
        return Ok(None);
    };
    let key = v
        .to_str()
        .map_err(|_| Error::invalid(KEY_HEADER, "must be printable text"))?;
    check_key(key).map(Some)
}

async fn file(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    Json(body): Json<FileIn>,
) -> Result<HttpResponse, Error> {
    let key = idempotency_key(&req)?;
    let filed = db::run(&state.pool, move |conn| {
        filing::file(conn, &caller, body, key)
    })
    .await?;
    Ok(match filed {
        Filed::New(out) => HttpResponse::Created()
            .insert_header((header::LOCATION, format!("/api/v1/issues/{}", out.id)))
            .insert_header((header::ETAG, version_tag(out.id, out.version)))
            .json(out),
        Filed::Replayed(response, id) => HttpResponse::Created()
            .insert_header((header::LOCATION, format!("/api/v1/issues/{id}")))
            .content_type("application/json")
            .body(response),
    })
}
