//! 附件: files on issues — a photo of the blocked road, a contract page, the department's
//! 答复函 — and on forums — the sign-in sheet, the minutes. A file is added by whoever acts
//! on the issue (a forum's coordinator for a forum) and read by whoever may see the issue or
//! forum; it is never changed, only withdrawn with a reason, and stays in the record. Its
//! type is read from its content (`domain::filetype`), its name kept as sent (in Chinese),
//! and an issue's timeline records each file added or withdrawn in the same transaction.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::auth::Caller;
use crate::db::{self, DbConn};
use crate::domain::filetype::{self, FileType};
use crate::domain::forum::Status as ForumStatus;
use crate::domain::issue::EventKind;
use crate::domain::lifecycle::State;
use crate::domain::role::{Can, Role};
use crate::error::Error;
pub use crate::store::attachments::Place;
use crate::store::attachments::{self as store, AttachmentRow, NewAttachment};
use crate::store::forums as forum_store;
use crate::store::issues as issue_store;

/// The longest file name kept, in characters.
const MAX_NAME: usize = 200;
/// The longest reason for withdrawing a file, in characters.
const MAX_REASON: usize = 500;

/// How large a file may be and how many one issue or forum carries (`--file-max-mb`,
/// `--files-per-issue`): by default a scanned 答复函 of a few pages or a phone's photo,
/// ten to an issue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    pub max_bytes: usize,
    pub per_place: i64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: 10 * 1024 * 1024,
            per_place: 10,
        }
    }
}

impl Limits {
    /// The refusal of a file over `max_bytes`, in the words the pages show.
    pub fn too_large(&self) -> Error {
        Error::TooLarge(format!(
            "文件超过 {}，请压缩或拆分后再上传",
            filetype::size_words(self.max_bytes as i64)
        ))
    }

    fn full(&self, place: Place) -> Error {
        let what = match place {
            Place::Issue(_) => "问题",
            Place::Forum(_) => "恳谈会",
        };
        Error::TooLarge(format!(
            "每个{what}最多 {} 个附件，本{what}已满（撤回的不计）",
            self.per_place
        ))
    }
}

#[derive(Serialize, Debug, Clone)]
pub struct Attachment {
    pub id: i64,
    pub issue_id: Option<i64>,
    pub forum_id: Option<i64>,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub created_at: DateTime<Utc>,
    pub uploaded_by: i64,
    /// Sent with the issue's current answer (the 答复函).
    pub with_answer: bool,
    pub withdrawn_at: Option<DateTime<Utc>>,
    pub withdrawn_by: Option<i64>,
    pub withdrawn_reason: Option<String>,
}

impl Attachment {
    /// Whether a page may show it as a picture (a JPEG or PNG still kept).
    pub fn is_image(&self) -> bool {
        self.withdrawn_at.is_none() && self.content_type.starts_with("image/")
    }
}

impl From<AttachmentRow> for Attachment {
    fn from(r: AttachmentRow) -> Self {
        Attachment {
            id: r.id,
            issue_id: r.issue_id,
            forum_id: r.forum_id,
            name: r.name,
            content_type: r.content_type,
            size: r.size,
            sha256: r.sha256,
            created_at: super::common::utc(r.created_at),
            uploaded_by: r.uploaded_by,
            with_answer: r.with_answer,
            withdrawn_at: r.withdrawn_at.map(super::common::utc),
            withdrawn_by: r.withdrawn_by,
            withdrawn_reason: r.withdrawn_reason,
        }
    }
}

/// The name a file is kept under: the last part of what was sent (a browser may send a
/// path), trimmed; 422 naming `file` when nothing is left, it is too long, or it holds a
/// control character (NUL included).
pub fn file_name(sent: &str) -> Result<String, Error> {
    let last = sent.rsplit(['/', '\\']).next().unwrap_or("").trim();
    if last.is_empty() {
        return Err(Error::invalid("file", "文件名不能为空"));
    }
    if last.chars().any(char::is_control) {
        return Err(Error::invalid("file", "文件名不能含控制字符"));
    }
    if last.chars().count() > MAX_NAME {
        return Err(Error::invalid(
            "file",
            format!("文件名不能超过 {MAX_NAME} 个字"),
        ));
    }
    Ok(last.to_owned())
}

/// A file as sent, before anything is stored.
pub struct Upload {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// A file that passed the checks that need no database: name, size, type; its bytes, or
/// once kept in a file store (`keep`), the object's name there.
pub struct Checked {
    name: String,
    kind: FileType,
    sha256: String,
    size: i64,
    bytes: Vec<u8>,
    stored: Option<String>,
}

/// Where a file's bytes are: read with its row, or an object of the file store.
pub enum Stored {
    Bytes(Vec<u8>),
    Object(String),
}

/// Puts the files' bytes in the file store, when one is configured (`--file-store`), before
/// the transaction that records them; without one they go into the database with their rows.
pub async fn keep(
    objects: Option<&crate::objects::Objects>,
    files: Vec<Checked>,
) -> Result<Vec<Checked>, Error> {
    let Some(objects) = objects else {
        return Ok(files);
    };
    let mut kept = Vec::with_capacity(files.len());
    for mut f in files {
        let bytes = std::mem::take(&mut f.bytes);
        f.stored = Some(objects.put(&f.sha256, bytes).await?);
        kept.push(f);
    }
    Ok(kept)
}

/// A file's bytes, wherever they are kept.
pub async fn bytes_of(
    objects: Option<&crate::objects::Objects>,
    stored: Stored,
) -> Result<Vec<u8>, Error> {
    match (stored, objects) {
        (Stored::Bytes(b), _) => Ok(b),
        (Stored::Object(key), Some(objects)) => objects.get(&key).await,
        (Stored::Object(_), None) => Err(Error::Unavailable(
            "the file is kept in a file store this instance is not configured with (--file-store)"
                .into(),
        )),
    }
}

/// Reads a file's name, size and type (from its content alone): 422 naming `file`, 413 or
/// 415, each in Chinese.
pub fn check(limits: &Limits, upload: Upload) -> Result<Checked, Error> {
    let name = file_name(&upload.name)?;
    if upload.bytes.len() > limits.max_bytes {
        return Err(limits.too_large());
    }
    let kind: FileType = filetype::sniff(&upload.bytes).ok_or_else(|| {
        Error::UnsupportedType(format!(
            "“{name}”不能上传：只能上传 PDF、OFD、JPEG、PNG、DOCX、XLSX 文件（按文件内容判断，与文件名无关）"
        ))
    })?;
    let sha256 = format!("{:x}", Sha256::digest(&upload.bytes));
    Ok(Checked {
        name,
        kind,
        sha256,
        size: upload.bytes.len() as i64,
        bytes: upload.bytes,
        stored: None,
    })
}

/// Adds files already checked to an issue or forum, together (all or none): to an issue,
/// the enterprise on its own issue, a coordinator in its region, a department on an issue
/// it handles, an administrator — not on a withdrawn issue (409); to a forum, its
/// coordinators and an administrator — not on a cancelled forum (409); never beyond
/// `per_place` files kept (413).
pub fn add_checked(
    conn: &mut DbConn,
    caller: &Caller,
    limits: &Limits,
    place: Place,
    files: Vec<Checked>,
) -> Result<Vec<Attachment>, Error> {
    match place {
        Place::Issue(_) => caller.require_to(Can::AddFiles)?,
        Place::Forum(_) => caller.require(
            &[Role::Coordinator, Role::Admin],
            "add files to a forum (its coordinators do)",
        )?,
    }
    let scope = caller.scope();
    db::write_tx(conn, |conn| {
        // The issue's or forum's row is locked, so that two files sent at once count each
        // other.
        match place {
            Place::Issue(id) => {
                let issue = issue_store::get_for_update(conn, &scope, id)?
                    .ok_or_else(|| Error::not_found("issue"))?;
                if issue.status == State::Withdrawn {
                    return Err(Error::Conflict(
                        "the issue is withdrawn: no file can be added".into(),
                    ));
                }
            }
            Place::Forum(id) => {
                let forum = forum_store::get_forum(conn, &scope, id)?
                    .ok_or_else(|| Error::not_found("forum"))?;
                if forum.status == ForumStatus::Cancelled {
                    return Err(Error::Conflict(
                        "the forum is cancelled: no file can be added".into(),
                    ));
                }
                forum_store::lock_forum(conn, id)?;
            }
        }
        let kept = store::count_kept(conn, place)?;
        if kept + files.len() as i64 > limits.per_place {
            return Err(limits.full(place));
        }
        let at = crate::store::now();
        let mut added = Vec::with_capacity(files.len());
        for f in &files {
            let row = store::insert(
                conn,
                &NewAttachment {
                    place,
                    name: &f.name,
                    content_type: f.kind.media_type(),
                    sha256: &f.sha256,
                    size: f.size,
                    data: match &f.stored {
                        Some(key) => crate::store::attachments::Data::Object(key),
                        None => crate::store::attachments::Data::Bytes(&f.bytes),
                    },
                    uploaded_by: caller.id(),
                    at,
                },
            )?;
            if let Place::Issue(issue_id) = place {
                issue_store::add_event(
                    conn,
                    issue_id,
                    EventKind::Attached,
                    caller.id(),
                    caller.role.as_str(),
                    &json!({"attachment_id": row.id, "name": row.name, "size": row.size,
                            "content_type": row.content_type}),
                    at,
                )?;
            }
            added.push(row.into());
        }
        Ok(added)
    })
}

/// The files of an issue or forum the caller may see, oldest first, withdrawn ones
/// included (with who withdrew them and why).
pub fn of_place(
    conn: &mut DbConn,
    caller: &Caller,
    place: Place,
) -> Result<Vec<Attachment>, Error> {
    let scope = caller.scope();
    match place {
        Place::Issue(id) => {
            issue_store::get(conn, &scope, id)?.ok_or_else(|| Error::not_found("issue"))?;
        }
        Place::Forum(id) => {
            forum_store::get_forum(conn, &scope, id)?.ok_or_else(|| Error::not_found("forum"))?;
        }
    }
    Ok(store::of_place(conn, place)?
        .into_iter()
        .map(Attachment::from)
        .collect())
}

/// A file and where its bytes are, to whoever may see its issue or forum (404 otherwise).
/// A withdrawn file's bytes are the Federation's record: coordinators and administrators
/// still read them; to anyone else the file is gone (410), its name and reason still listed.
pub fn download(
    conn: &mut DbConn,
    caller: &Caller,
    id: i64,
) -> Result<(Attachment, Stored), Error> {
    let row =
        store::find(conn, &caller.scope(), id)?.ok_or_else(|| Error::not_found("attachment"))?;
    if row.withdrawn_at.is_some() && !matches!(caller.role, Role::Coordinator | Role::Admin) {
        return Err(Error::Gone(
            "the file was withdrawn; its name, who withdrew it and why are still listed".into(),
        ));
    }
    let stored = match &row.storage_key {
        Some(key) => Stored::Object(key.clone()),
        None => Stored::Bytes(store::data(conn, row.id)?),
    };
    Ok((row.into(), stored))
}

/// Withdraws a wrong file, with a reason: whoever added it, a coordinator or an
/// administrator who sees it. It stays in the list and the record, marked; its bytes are
/// read thereafter only by coordinators and administrators (`download`). Withdrawn twice:
/// 409.
pub fn withdraw(
    conn: &mut DbConn,
    caller: &Caller,
    id: i64,
    reason: &str,
) -> Result<Attachment, Error> {
    let mut check = super::common::Check::default();
    let reason = check.text("reason", reason, 1, MAX_REASON);
    let scope = caller.scope();
    db::write_tx(conn, |conn| {
        let row = store::find(conn, &scope, id)?.ok_or_else(|| Error::not_found("attachment"))?;
        let may = row.uploaded_by == caller.id()
            || matches!(caller.role, Role::Coordinator | Role::Admin);
        if !may {
            return Err(Error::Forbidden(
                "only whoever added a file, a coordinator or an administrator may withdraw it"
                    .into(),
            ));
        }
        check.finish()?;
        let at = crate::store::now();
        if !store::withdraw(conn, id, caller.id(), &reason, at)? {
            return Err(Error::Conflict("the file is already withdrawn".into()));
        }
        if let Some(issue_id) = row.issue_id {
            issue_store::add_event(
                conn,
                issue_id,
                EventKind::AttachmentWithdrawn,
                caller.id(),
                caller.role.as_str(),
                &json!({"attachment_id": row.id, "name": row.name, "reason": reason}),
                at,
            )?;
        }
        let row = store::find(conn, &scope, id)?.ok_or_else(|| Error::not_found("attachment"))?;
        Ok(row.into())
    })
}

/// The files an answer names (`attachment_ids`): each must be a file of the issue still
/// kept; 422 naming `attachment_ids` otherwise.
pub fn check_answer_files(conn: &mut DbConn, issue_id: i64, ids: &[i64]) -> Result<(), Error> {
    let mut distinct = ids.to_vec();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() != ids.len() {
        return Err(Error::invalid("attachment_ids", "names a file twice"));
    }
    if store::kept_of_issue(conn, issue_id, ids)? != ids.len() as i64 {
        return Err(Error::invalid(
            "attachment_ids",
            "names a file that is not on this issue, or was withdrawn",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_keeps_the_name_it_was_sent_with() {
        let long = "长".repeat(MAX_NAME + 1);
        let cases: Vec<(&str, Option<&str>)> = vec![
            ("答复函.pdf", Some("答复函.pdf")),
            ("C:\\fakepath\\道路照片.jpg", Some("道路照片.jpg")),
            ("../../etc/passwd", Some("passwd")),
            ("  签到表 2024.xlsx  ", Some("签到表 2024.xlsx")),
            ("", None),
            ("dir/", None),
            ("a\0b.pdf", None),
            ("a\nb.pdf", None),
            (&long, None),
        ];
        for (sent, want) in cases {
            let got = file_name(sent).ok();
            assert_eq!(got.as_deref(), want, "{sent:?}");
        }
    }

    #[test]
    fn a_file_is_refused_for_its_size_or_its_content() {
        let limits = Limits {
            max_bytes: 16,
            per_place: 1,
        };
        let png = b"\x89PNG\r\n\x1a\n0000".to_vec();
        let cases: Vec<(&str, Vec<u8>, u16)> = vec![
            ("照片.png", png.clone(), 0),
            ("照片.png", [png.clone(), vec![0; 16]].concat(), 413),
            ("程序.pdf", b"MZ\x90\x00 not a pdf".to_vec(), 415),
            ("", png, 422),
        ];
        for (name, bytes, want) in cases {
            let got = check(
                &limits,
                Upload {
                    name: name.into(),
                    bytes,
                },
            );
            let status = match got {
                Ok(_) => 0,
                Err(Error::TooLarge(_)) => 413,
                Err(Error::UnsupportedType(_)) => 415,
                Err(Error::Invalid(_)) => 422,
                Err(e) => panic!("{name}: {e}"),
            };
            assert_eq!(status, want, "{name}");
        }
    }
}
