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
    Forum,
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
            Object::Forum => "forum",
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

/// What needs an administrator's attention: deliveries that failed for good, accounts
/// whose sign-in is blocked now, and years up to this one with no holiday calendar.
#[derive(Serialize)]
pub struct Attention {
    pub failed_deliveries: i64,
    pub locked_accounts: i64,
    pub missing_calendar_years: Vec<i32>,
}

pub fn attention(conn: &mut DbConn, caller: &Caller, today: NaiveDate) -> Result<Attention, Error> {
    caller.require(&[Role::Admin], "read what needs attention")?;
    Ok(Attention {
        failed_deliveries: crate::store::notices::failed(conn)?,
        locked_accounts: crate::store::throttle::locked_accounts(conn, crate::store::now())?,
        missing_calendar_years: super::calendar::missing_years(conn, today)?,
    })
}

impl Object {
    pub const ALL: [Object; 9] = [
        Object::User,
        Object::Department,
        Object::Enterprise,
        Object::Region,
        Object::Calendar,
        Object::Channel,
        Object::Import,
        Object::Edition,
        Object::Forum,
    ];

    pub fn zh(self) -> &'static str {
        match self {
            Object::User => "用户",
            Object::Department => "部门",
            Object::Enterprise => "企业",
            Object::Region => "区域",
            Object::Calendar => "节假日",
            Object::Channel => "消息渠道",
            Object::Import => "批量导入",
            Object::Edition => "恳谈会期次",
            Object::Forum => "恳谈会",
        }
    }

    pub fn parse(code: &str) -> Option<Object> {
        Object::ALL.into_iter().find(|o| o.code() == code)
    }
}

/// An action of the log in words.
pub fn action_zh(action: &str) -> &'static str {
    match action {
        "create" => "新建",
        "update" => "修改",
        "reset_password" => "重置密码",
        "put" => "设置",
        "delete" => "删除",
        "plan" => "计划",
        "unlock" => "解除锁定",
        "merge" => "合并",
        "cancel" => "取消",
        "test" => "发送测试消息",
        "retry" => "重新投递",
        "import" => "导入",
        "remove_attendee" => "移除参会企业家",
        "correct" => "更正会议记录",
        _ => "其他",
    }
}

/// A value of the log as a person reads it: text without quotes, null as —.
fn shown(v: &Value) -> String {
    match v {
        Value::Null => "—".into(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// What a line changed, field by field: `name：市自然资源和规划局 → 市自然资源局` for an
/// update; the object's name for a creation or removal.
pub fn changes(before: &Value, after: &Value) -> Vec<String> {
    const NAMES: [&str; 6] = [
        "name",
        "username",
        "display_name",
        "theme",
        "year",
        "target",
    ];
    match (before, after) {
        (Value::Object(b), Value::Object(a)) => a
            .iter()
            .filter(|(k, v)| k.as_str() != "updated_at" && b.get(k.as_str()) != Some(v))
            .map(|(k, v)| {
                format!(
                    "{k}：{} → {}",
                    shown(b.get(k.as_str()).unwrap_or(&Value::Null)),
                    shown(v)
                )
            })
            .collect(),
        (_, Value::Object(one)) | (Value::Object(one), _) => NAMES
            .iter()
            .filter_map(|k| one.get(*k).map(|v| format!("{k}：{}", shown(v))))
            .take(2)
            .collect(),
        (_, other) => vec![shown(other)],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn changes_in_words() {
        assert_eq!(
            changes(
                &json!({"name": "甲", "active": true, "updated_at": 1}),
                &json!({"name": "乙", "active": true, "updated_at": 2})
            ),
            ["name：甲 → 乙"]
        );
        assert_eq!(
            changes(
                &Value::Null,
                &json!({"username": "clerk.one", "role": "leader"})
            ),
            ["username：clerk.one"]
        );
        assert_eq!(
            changes(&json!({"target": "https://x"}), &Value::Null),
            ["target：https://x"]
        );
        assert_eq!(
            changes(&Value::Null, &json!({"password": "reset"})),
            Vec::<String>::new()
        );
        for o in Object::ALL {
            assert_eq!(Object::parse(o.code()), Some(o));
        }
    }
}
