//! Files on issues: their facts in `attachments`, their bytes in `attachment_data` (read
//! only for a download). Scope is in every query: a file is found only through an issue
//! the caller may see.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{attachment_data, attachments, issues};
use super::scope::Scope;
use crate::db::DbConn;

#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = attachments)]
pub struct AttachmentRow {
    pub id: i64,
    pub issue_id: i64,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub uploaded_by: i64,
    pub created_at: NaiveDateTime,
}

pub struct NewAttachment<'a> {
    pub issue_id: i64,
    pub name: &'a str,
    pub content_type: &'a str,
    pub sha256: &'a str,
    pub data: &'a [u8],
    pub uploaded_by: i64,
    pub at: NaiveDateTime,
}

/// Adds a file and its bytes (the caller's transaction).
pub fn insert(conn: &mut DbConn, new: &NewAttachment) -> QueryResult<AttachmentRow> {
    let row: AttachmentRow = diesel::insert_into(attachments::table)
        .values((
            attachments::issue_id.eq(new.issue_id),
            attachments::name.eq(new.name),
            attachments::content_type.eq(new.content_type),
            attachments::size.eq(new.data.len() as i64),
            attachments::sha256.eq(new.sha256),
            attachments::uploaded_by.eq(new.uploaded_by),
            attachments::created_at.eq(new.at),
        ))
        .returning(<AttachmentRow as Selectable<crate::db::MultiBackend>>::construct_selection())
        .get_result(conn)?;
    diesel::insert_into(attachment_data::table)
        .values((
            attachment_data::attachment_id.eq(row.id),
            attachment_data::data.eq(new.data),
        ))
        .execute(conn)?;
    Ok(row)
}

/// How many files an issue carries.
pub fn count_of_issue(conn: &mut DbConn, issue_id: i64) -> QueryResult<i64> {
    attachments::table
        .filter(attachments::issue_id.eq(issue_id))
        .count()
        .get_result(conn)
}

/// The files of an issue, oldest first (the issue's scope is the caller's to check).
pub fn of_issue(conn: &mut DbConn, issue_id: i64) -> QueryResult<Vec<AttachmentRow>> {
    attachments::table
        .filter(attachments::issue_id.eq(issue_id))
        .order(attachments::id.asc())
        .select(AttachmentRow::as_select())
        .load(conn)
}

/// One file and its bytes, when its issue is in `scope` (checked in the query that finds
/// the file: the bytes are read only then).
pub fn download(
    conn: &mut DbConn,
    scope: &Scope,
    id: i64,
) -> QueryResult<Option<(AttachmentRow, Vec<u8>)>> {
    let by_id = attachments::table
        .inner_join(issues::table)
        .filter(attachments::id.eq(id));
    let found: Option<AttachmentRow> = crate::with_issue_scope!(
        scope,
        c => by_id.filter(c).select(AttachmentRow::as_select()).first(conn).optional(),
        all => by_id.select(AttachmentRow::as_select()).first(conn).optional()
    )?;
    let Some(row) = found else {
        return Ok(None);
    };
    let data: Vec<u8> = attachment_data::table
        .find(row.id)
        .select(attachment_data::data)
        .first(conn)?;
    Ok(Some((row, data)))
}
