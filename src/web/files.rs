//! 附件 on the pages: the list of an issue's or forum's files (name, size, who added it,
//! 下载; pictures shown scaled), the forms that add files (上传附件, and 拍照上传 from a
//! phone's camera) or withdraw a wrong one, and the download behind the session.

use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::StreamExt;

use super::act::Posted;
use super::{format, Session, WebError};
use crate::auth::Caller;
use crate::db;
use crate::domain::role::Role;
use crate::error::{Error, FieldError};
use crate::http::upload::{file_response, is_multipart, read_parts, Part};
use crate::service::attachments::{self, Attachment, Checked, Limits};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/files/{id}").get(download))
        .service(web::resource("/files/{id}/image").get(image));
}

/// 下载: the file as a download, to whoever may see its issue or forum (404 otherwise).
async fn download(session: Session, id: web::Path<i64>) -> Result<HttpResponse, WebError> {
    let (file, bytes) = read(&session, id.into_inner()).await?;
    Ok(file_response(&file, bytes, false))
}

/// A picture shown scaled on its page: only a JPEG or PNG still kept, sandboxed.
async fn image(session: Session, id: web::Path<i64>) -> Result<HttpResponse, WebError> {
    let (file, bytes) = read(&session, id.into_inner()).await?;
    if !file.is_image() {
        return Err(Error::not_found("image").into());
    }
    Ok(file_response(&file, bytes, true))
}

async fn read(session: &Session, id: i64) -> Result<(Attachment, Vec<u8>), WebError> {
    let caller = session.caller.clone();
    let (file, stored) = db::run(&session.state.pool, move |conn| {
        attachments::download(conn, &caller, id)
    })
    .await?;
    let bytes = attachments::bytes_of(session.state.objects.as_deref(), stored).await?;
    Ok((file, bytes))
}

/// A file as a page lists it.
pub struct FileShown {
    pub id: i64,
    pub name: String,
    pub size: String,
    pub who: String,
    pub when: String,
    pub image: bool,
    pub with_answer: bool,
    /// 已撤回: who, when and why.
    pub withdrawn: Option<String>,
    /// 下载 offered: a file kept, or a withdrawn one to the Federation's staff.
    pub downloadable: bool,
    pub may_withdraw: bool,
}

/// The files of a page, each with the name of who added it (`person`).
pub fn shown(
    files: &[Attachment],
    person: impl Fn(i64) -> String,
    caller: &Caller,
) -> Vec<FileShown> {
    files
        .iter()
        .map(|f| FileShown {
            id: f.id,
            name: f.name.clone(),
            size: format::file_size(f.size),
            who: person(f.uploaded_by),
            when: format::instant(f.created_at),
            image: f.is_image(),
            with_answer: f.with_answer,
            withdrawn: f.withdrawn_at.map(|at| {
                format!(
                    "{} 于 {} 撤回，理由：{}",
                    f.withdrawn_by.map(&person).unwrap_or_default(),
                    format::instant(at),
                    f.withdrawn_reason.as_deref().unwrap_or_default()
                )
            }),
            downloadable: f.withdrawn_at.is_none()
                || matches!(caller.role, Role::Coordinator | Role::Admin),
            may_withdraw: f.withdrawn_at.is_none()
                && (f.uploaded_by == caller.id()
                    || matches!(caller.role, Role::Coordinator | Role::Admin)),
        })
        .collect()
}

/// What a form that adds files says about them: the kinds kept and the size and number left.
pub fn hint(limits: &Limits, kept: usize) -> String {
    format!(
        "可上传 PDF、OFD、JPEG、PNG、DOCX、XLSX 文件，每个不超过 {}；还可上传 {} 个。",
        crate::domain::filetype::size_words(limits.max_bytes as i64),
        (limits.per_place - kept as i64).max(0)
    )
}

/// A posted form and the files it carries: `multipart/form-data` (a form with a file
/// input) or an ordinary form. Files are checked here, each one refused named beside the
/// form's field `file` (all of them at once); `None` in the second place means a file was
/// refused, and the form's own problems are to be added to these.
pub async fn read_form(
    req: &HttpRequest,
    payload: web::Payload,
    limits: &Limits,
) -> Result<(Posted, Result<Vec<Checked>, Vec<FieldError>>), WebError> {
    let unreadable = || WebError::Page(Error::malformed("the form could not be read"));
    if !is_multipart(req) {
        let mut body = web::BytesMut::new();
        let mut payload = payload;
        while let Some(chunk) = payload.next().await {
            let chunk = chunk.map_err(|_| unreadable())?;
            if body.len() + chunk.len() > crate::http::BODY_LIMIT {
                return Err(Error::malformed("the form is too long").into());
            }
            body.extend_from_slice(&chunk);
        }
        let form = Posted::parse(&body).ok_or_else(unreadable)?;
        return Ok((form, Ok(Vec::new())));
    }
    let mut pairs = Vec::new();
    let mut checked = Vec::new();
    let mut refused = Vec::new();
    for part in read_parts(req, payload, limits, true).await? {
        match part {
            Part::Text(k, v) => pairs.push((k, v)),
            Part::File(_, upload) => match attachments::check(limits, upload) {
                Ok(c) => checked.push(c),
                Err(Error::Invalid(fields)) => refused.extend(fields),
                Err(e) => refused.push(FieldError::new("file", e.detail())),
            },
            Part::TooLarge(_, name) => refused.push(FieldError::new(
                "file",
                format!(
                    "“{}”超过 {}，请压缩或拆分后再上传",
                    name.rsplit(['/', '\\']).next().unwrap_or(&name),
                    crate::domain::filetype::size_words(limits.max_bytes as i64)
                ),
            )),
        }
    }
    let form = Posted::of_pairs(pairs).ok_or_else(unreadable)?;
    Ok((
        form,
        if refused.is_empty() {
            Ok(checked)
        } else {
            Err(refused)
        },
    ))
}

/// A refusal of files by the service (413 for the number, 415, 422 for a name), as a
/// problem beside the form's file field.
pub fn beside_field(e: Error) -> Error {
    match e {
        Error::TooLarge(m) | Error::UnsupportedType(m) => Error::invalid("file", m),
        other => other,
    }
}

/// The files sent, checked; none sent is a problem beside the field.
pub fn some(files: Vec<Checked>) -> Result<Vec<Checked>, Error> {
    if files.is_empty() {
        return Err(Error::invalid("file", "请选择要上传的文件"));
    }
    Ok(files)
}

/// Adds the form's files to an issue or forum (the 上传附件 form's action).
pub async fn add(
    session: &Session,
    place: attachments::Place,
    files: Result<Vec<Checked>, Vec<FieldError>>,
) -> Result<(), Error> {
    let files = some(files.map_err(Error::Invalid)?)?;
    let files = attachments::keep(session.state.objects.as_deref(), files).await?;
    let caller = session.caller.clone();
    let limits = session.state.files;
    db::run(&session.state.pool, move |conn| {
        attachments::add_checked(conn, &caller, &limits, place, files)
    })
    .await
    .map(|_| ())
    .map_err(beside_field)
}

/// Withdraws the file a form names, with its reason (the 撤回附件 form's action).
pub async fn withdraw(session: &Session, form: &Posted) -> Result<(), Error> {
    let id: i64 = form
        .text("attachment_id")
        .trim()
        .parse()
        .map_err(|_| Error::not_found("attachment"))?;
    let reason = form.text("reason");
    let caller = session.caller.clone();
    db::run(&session.state.pool, move |conn| {
        attachments::withdraw(conn, &caller, id, &reason)
    })
    .await
    .map(|_| ())
}
