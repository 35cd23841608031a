//! 操作日志: every administrative change recorded with who, when, what, and the object before
//! and after, in the change's own transaction; read by administrators.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::common::{check_span, opt_id, page, utc, Paged};
use crate::auth::Caller;
use crate::db::DbConn;
use crate::domain::role::Role;
use crate::error::Error;
use crate::store::audit::{self as store, AuditFilter, NewAudit};

/// What a line of the log is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Object {
    User,
    Department,
    Enterprise,
    Region,
    Calendar,
    Channel,
    Import,
    Edition,
}

impl Object {
    pub fn code(self) -> &'static str {
        match self {
            Object::User => "user",
            Object::Department => "department",
            Object::Enterprise => "enterprise",
            Object::Region => "region",
            Object::Calendar => "calendar",
            Object::Channel => "channel",
            Object::Import => "import",
            Object::Edition => "edition",
        }
    }
}

fn json<T: Serialize>(value: Option<&T>) -> Result<Option<String>, Error> {
    value
        .map(|v| serde_json::to_string(v).map_err(|e| Error::internal(e.to_string())))
        .transpose()
}

/// Records a change by `caller` (none: the command line) to an object: its state before
/// (none for a creation) and after (none for a removal). Call inside the change's
/// transaction, so that the change and its line commit together.
pub fn record<B: Serialize, A: Serialize>(
    conn: &mut DbConn,
    caller: Option<&Caller>,
    action: &str,
    object: Object,
    object_id: Option<i64>,
    before: Option<&B>,
    after: Option<&A>,
) -> Result<(), Error> {
    store::insert(
        conn,
        &NewAudit {
            at: crate::store::now(),
            actor_id: caller.map(|c| c.id()),
            action,
            object: object.code(),
            object_id,
            before: json(before)?,
            after: json(after)?,
        },
    )?;
    Ok(())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    #[serde(default, deserialize_with = "opt_id")]
    pub actor_id: Option<i64>,
    pub object: Option<Object>,
    #[serde(default, deserialize_with = "opt_id")]
    pub object_id: Option<i64>,
    #[serde(default, deserialize_with = "crate::domain::time::strict_date")]
    pub from: Option<NaiveDate>,
    #[serde(default, deserialize_with = "crate::domain::time::strict_date")]
    pub to: Option<NaiveDate>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

#[derive(Serialize)]
pub struct Line {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor_id: Option<i64>,
    pub action: String,
    pub object: String,
    pub object_id: Option<i64>,
    pub before: Value,
    pub after: Value,
}

/// The log, newest first, for administrators.
pub fn list(conn: &mut DbConn, caller: &Caller, q: AuditQuery) -> Result<Paged<Line>, Error> {
    caller.require(&[Role::Admin], "read the audit log")?;
    check_span(q.from, q.to)?;
    let page = page(q.page, q.per_page)?;
    let filter = AuditFilter {
        actor_id: q.actor_id,
        object: q.object.map(|o| o.code().to_owned()),
        object_id: q.object_id,
        from: q.from,
        to: q.to,
    };
    let (rows, total) = store::list(conn, &filter, page)?;
    let parse = |t: Option<String>| {
        t.and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or(Value::Null)
    };
    let items = rows
        .into_iter()
        .map(|r| Line {
            id: r.id,
            at: utc(r.at),
            actor_id: r.actor_id,
            action: r.action,
            object: r.object,
            object_id: r.object_id,
            before: parse(r.before),
            after: parse(r.after),
        })
        .collect();
    Ok(Paged::new(items, total, page))
}
