//! 附件: files on issues — a photo of the blocked road, a contract page, the department's
//! 答复函. A file is added by whoever acts on the issue and read by whoever may see it; it
//! is never changed. Its type is read from its content (`domain::filetype`), its name kept
//! as sent (in Chinese), its addition recorded on the issue's timeline in the same
//! transaction.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::auth::Caller;
use crate::db::{self, DbConn};
use crate::domain::filetype::{self, FileType};
use crate::domain::issue::EventKind;
use crate::domain::lifecycle::State;
use crate::domain::role::Can;
use crate::error::Error;
use crate::store::attachments::{self as store, AttachmentRow, NewAttachment};
use crate::store::issues as issue_store;

/// The largest file kept: a scanned 答复函 of a few pages, a phone's photo.
pub const MAX_BYTES: usize = 10 * 1024 * 1024;
/// The most files one issue carries.
pub const MAX_PER_ISSUE: i64 = 10;
/// The longest file name kept, in characters.
const MAX_NAME: usize = 200;

#[derive(Serialize, Debug)]
pub struct Attachment {
    pub id: i64,
    pub issue_id: i64,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub created_at: DateTime<Utc>,
    pub uploaded_by: i64,
}

impl From<AttachmentRow> for Attachment {
    fn from(r: AttachmentRow) -> Self {
        Attachment {
            id: r.id,
            issue_id: r.issue_id,
            name: r.name,
            content_type: r.content_type,
            size: r.size,
            sha256: r.sha256,
            created_at: super::common::utc(r.created_at),
            uploaded_by: r.uploaded_by,
        }
    }
}

/// The refusal of a file over `MAX_BYTES`, in the words the pages show.
pub fn too_large() -> Error {
    Error::TooLarge(format!(
        "文件超过 {} MB，请压缩或拆分后再上传",
        MAX_BYTES / 1024 / 1024
    ))
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

/// Adds a file to issue `issue_id`: the enterprise on its own issue, a coordinator in its
/// region, a department on an issue it handles, an administrator. Not on a withdrawn
/// issue (409), not beyond `MAX_PER_ISSUE` (413), only the types kept (415).
pub fn add(
    conn: &mut DbConn,
    caller: &Caller,
    issue_id: i64,
    sent_name: &str,
    bytes: &[u8],
) -> Result<Attachment, Error> {
    caller.require_to(Can::AddFiles)?;
    let name = file_name(sent_name)?;
    if bytes.len() > MAX_BYTES {
        return Err(too_large());
    }
    let kind: FileType = filetype::sniff(bytes).ok_or_else(|| {
        Error::UnsupportedType(
            "只能上传 PDF、OFD、JPEG、PNG、DOCX、XLSX 文件（按文件内容判断，与文件名无关）".into(),
        )
    })?;
    let sha256 = format!("{:x}", Sha256::digest(bytes));
    let scope = caller.scope();
    db::write_tx(conn, |conn| {
        // The issue's row is locked, so that two files sent at once count each other.
        let issue = issue_store::get_for_update(conn, &scope, issue_id)?
            .ok_or_else(|| Error::not_found("issue"))?;
        if issue.status == State::Withdrawn {
            return Err(Error::Conflict(
                "the issue is withdrawn: no file can be added".into(),
            ));
        }
        if store::count_of_issue(conn, issue_id)? >= MAX_PER_ISSUE {
            return Err(Error::TooLarge(format!(
                "每个问题最多 {MAX_PER_ISSUE} 个附件，本问题已满"
            )));
        }
        let at = crate::store::now();
        let row = store::insert(
            conn,
            &NewAttachment {
                issue_id,
                name: &name,
                content_type: kind.media_type(),
                sha256: &sha256,
                data: bytes,
                uploaded_by: caller.id(),
                at,
            },
        )?;
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
        Ok(row.into())
    })
}

/// The files of an issue the caller may see, oldest first.
pub fn of_issue(
    conn: &mut DbConn,
    caller: &Caller,
    issue_id: i64,
) -> Result<Vec<Attachment>, Error> {
    issue_store::get(conn, &caller.scope(), issue_id)?.ok_or_else(|| Error::not_found("issue"))?;
    Ok(store::of_issue(conn, issue_id)?
        .into_iter()
        .map(Attachment::from)
        .collect())
}

/// A file and its bytes, to whoever may see its issue (404 otherwise).
pub fn download(
    conn: &mut DbConn,
    caller: &Caller,
    id: i64,
) -> Result<(Attachment, Vec<u8>), Error> {
    let (row, data) = store::download(conn, &caller.scope(), id)?
        .ok_or_else(|| Error::not_found("attachment"))?;
    Ok((row.into(), data))
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
}
