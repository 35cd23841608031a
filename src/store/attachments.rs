//! Files on issues and forums: their facts in `attachments`, their bytes in
//! `attachment_data` (read only for a download). Scope is in every query: a file is found
//! only through an issue or a forum the caller may see.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{attachment_data, attachments, attendances, forum_departments, forums, issues};
use super::scope::{self, Scope};
use crate::db::DbConn;

#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = attachments)]
pub struct AttachmentRow {
    pub id: i64,
    pub issue_id: Option<i64>,
    pub forum_id: Option<i64>,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub uploaded_by: i64,
    pub created_at: NaiveDateTime,
    pub with_answer: bool,
    pub withdrawn_at: Option<NaiveDateTime>,
    pub withdrawn_by: Option<i64>,
    pub withdrawn_reason: Option<String>,
    pub storage_key: Option<String>,
}

/// What a file is attached to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    Issue(i64),
    Forum(i64),
}

impl Place {
    fn columns(self) -> (Option<i64>, Option<i64>) {
        match self {
            Place::Issue(id) => (Some(id), None),
            Place::Forum(id) => (None, Some(id)),
        }
    }
}

/// A new file's bytes: into the database, or already an object of the file store.
pub enum Data<'a> {
    Bytes(&'a [u8]),
    Object(&'a str),
}

pub struct NewAttachment<'a> {
    pub place: Place,
    pub name: &'a str,
    pub content_type: &'a str,
    pub sha256: &'a str,
    pub size: i64,
    pub data: Data<'a>,
    pub uploaded_by: i64,
    pub at: NaiveDateTime,
}

fn selection() -> diesel::dsl::AsSelect<AttachmentRow, crate::db::MultiBackend> {
    AttachmentRow::as_select()
}

/// Adds a file and its bytes (the caller's transaction).
pub fn insert(conn: &mut DbConn, new: &NewAttachment) -> QueryResult<AttachmentRow> {
    let (issue_id, forum_id) = new.place.columns();
    let key = match new.data {
        Data::Object(key) => Some(key),
        Data::Bytes(_) => None,
    };
    let row: AttachmentRow = diesel::insert_into(attachments::table)
        .values((
            attachments::issue_id.eq(issue_id),
            attachments::forum_id.eq(forum_id),
            attachments::name.eq(new.name),
            attachments::content_type.eq(new.content_type),
            attachments::size.eq(new.size),
            attachments::storage_key.eq(key),
            attachments::sha256.eq(new.sha256),
            attachments::uploaded_by.eq(new.uploaded_by),
            attachments::created_at.eq(new.at),
        ))
        .returning(<AttachmentRow as Selectable<crate::db::MultiBackend>>::construct_selection())
        .get_result(conn)?;
    if let Data::Bytes(bytes) = new.data {
        diesel::insert_into(attachment_data::table)
            .values((
                attachment_data::attachment_id.eq(row.id),
                attachment_data::data.eq(bytes),
            ))
            .execute(conn)?;
    }
    Ok(row)
}

/// How many files an issue or forum carries, not counting those withdrawn.
pub fn count_kept(conn: &mut DbConn, place: Place) -> QueryResult<i64> {
    let q = attachments::table
        .filter(attachments::withdrawn_at.is_null())
        .count();
    match place {
        Place::Issue(id) => q.filter(attachments::issue_id.eq(id)).get_result(conn),
        Place::Forum(id) => q.filter(attachments::forum_id.eq(id)).get_result(conn),
    }
}

/// The files of an issue or forum, oldest first, withdrawn ones included (the place's
/// scope is the caller's to check).
pub fn of_place(conn: &mut DbConn, place: Place) -> QueryResult<Vec<AttachmentRow>> {
    let q = attachments::table
        .order(attachments::id.asc())
        .select(selection());
    match place {
        Place::Issue(id) => q.filter(attachments::issue_id.eq(id)).load(conn),
        Place::Forum(id) => q.filter(attachments::forum_id.eq(id)).load(conn),
    }
}

/// One file, when its issue or forum is in `scope` (checked in the queries that find it).
pub fn find(conn: &mut DbConn, scope: &Scope, id: i64) -> QueryResult<Option<AttachmentRow>> {
    let on_issue = attachments::table
        .inner_join(issues::table)
        .filter(attachments::id.eq(id));
    let found: Option<AttachmentRow> = crate::with_issue_scope!(
        scope,
        c => on_issue.filter(c).select(selection()).first(conn).optional(),
        all => on_issue.select(selection()).first(conn).optional()
    )?;
    if found.is_some() {
        return Ok(found);
    }
    // A forum in scope, as `scope::forums` says, written for each kind of scope.
    let on_forum = attachments::table
        .filter(attachments::id.eq(id))
        .select(selection());
    match scope {
        Scope::All => on_forum
            .filter(attachments::forum_id.is_not_null())
            .first(conn)
            .optional(),
        Scope::Region(path) => on_forum
            .filter(
                attachments::forum_id.eq_any(
                    forums::table
                        .filter(forums::region_id.eq_any(scope::regions_under(path)))
                        .select(forums::id.nullable()),
                ),
            )
            .first(conn)
            .optional(),
        Scope::Department(d) => on_forum
            .filter(
                attachments::forum_id.eq_any(
                    forum_departments::table
                        .filter(forum_departments::department_id.eq(*d))
                        .select(forum_departments::forum_id.nullable()),
                ),
            )
            .first(conn)
            .optional(),
        Scope::Enterprise(e) => on_forum
            .filter(
                attachments::forum_id.eq_any(
                    attendances::table
                        .filter(attendances::enterprise_id.eq(*e))
                        .select(attendances::forum_id.nullable()),
                ),
            )
            .first(conn)
            .optional(),
    }
}

/// The bytes of a file found in scope.
pub fn data(conn: &mut DbConn, id: i64) -> QueryResult<Vec<u8>> {
    attachment_data::table
        .find(id)
        .select(attachment_data::data)
        .first(conn)
}

/// Marks a file withdrawn, unless it already is: whether this call did it.
pub fn withdraw(
    conn: &mut DbConn,
    id: i64,
    by: i64,
    reason: &str,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(
        attachments::table
            .filter(attachments::id.eq(id))
            .filter(attachments::withdrawn_at.is_null()),
    )
    .set((
        attachments::withdrawn_at.eq(at),
        attachments::withdrawn_by.eq(by),
        attachments::withdrawn_reason.eq(reason),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// How many of `ids` are files of issue `issue_id` still kept (not withdrawn).
pub fn kept_of_issue(conn: &mut DbConn, issue_id: i64, ids: &[i64]) -> QueryResult<i64> {
    attachments::table
        .filter(attachments::issue_id.eq(issue_id))
        .filter(attachments::id.eq_any(ids))
        .filter(attachments::withdrawn_at.is_null())
        .count()
        .get_result(conn)
}

/// Marks `ids` as the files sent with the issue's answer, and no other of its files (a new
/// answer names its own).
pub fn set_answer_files(conn: &mut DbConn, issue_id: i64, ids: &[i64]) -> QueryResult<()> {
    diesel::update(attachments::table.filter(attachments::issue_id.eq(issue_id)))
        .set(attachments::with_answer.eq(attachments::id.eq_any(ids)))
        .execute(conn)?;
    Ok(())
}
