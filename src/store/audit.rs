//! 操作日志: the administrative changes, append-only.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::audit_log;
use crate::db::DbConn;
use crate::store::Page;

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = audit_log)]
pub struct AuditRow {
    pub id: i64,
    pub at: NaiveDateTime,
    pub actor_id: Option<i64>,
    pub action: String,
    pub object: String,
    pub object_id: Option<i64>,
    pub before: Option<String>,
    pub after: Option<String>,
}

#[derive(Insertable)]
#[diesel(table_name = audit_log)]
pub struct NewAudit<'a> {
    pub at: NaiveDateTime,
    pub actor_id: Option<i64>,
    pub action: &'a str,
    pub object: &'a str,
    pub object_id: Option<i64>,
    pub before: Option<String>,
    pub after: Option<String>,
}

pub fn insert(conn: &mut DbConn, new: &NewAudit) -> QueryResult<()> {
    diesel::insert_into(audit_log::table)
        .values(new)
        .execute(conn)
        .map(|_| ())
}

/// Which lines a reader asks for: by person, kind of object (and one object), and days
/// (Shanghai dates, inclusive).
#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    pub actor_id: Option<i64>,
    pub object: Option<String>,
    pub object_id: Option<i64>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

/// The lines of a filter, newest first, and how many there are.
pub fn list(conn: &mut DbConn, f: &AuditFilter, page: Page) -> QueryResult<(Vec<AuditRow>, i64)> {
    let query = || {
        let mut q = audit_log::table.into_boxed();
        if let Some(a) = f.actor_id {
            q = q.filter(audit_log::actor_id.eq(a));
        }
        if let Some(o) = &f.object {
            q = q.filter(audit_log::object.eq(o.clone()));
        }
        if let Some(id) = f.object_id {
            q = q.filter(audit_log::object_id.eq(id));
        }
        if let Some(d) = f.from {
            q = q.filter(audit_log::at.ge(crate::domain::time::start_of(d)));
        }
        if let Some(d) = f.to.and_then(|d| d.succ_opt()) {
            q = q.filter(audit_log::at.lt(crate::domain::time::start_of(d)));
        }
        q
    };
    let total = query().count().get_result(conn)?;
    let rows = query()
        .order((audit_log::at.desc(), audit_log::id.desc()))
        .limit(page.per_page)
        .offset(page.offset())
        .select(AuditRow::as_select())
        .load(conn)?;
    Ok((rows, total))
}
