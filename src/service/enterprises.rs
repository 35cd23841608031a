//! Enterprises (企业): seen within scope; created and edited by administrators and by the
//! coordinators of the enterprise's region. The contact phone is shown only to those who
//! act on it: administrators, coordinators, and departments handling the enterprise's issues.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::audit::{self, Object};
use super::common::{nullable, page, present, utc, Check, Paged};
use super::regions::check_in_scope;
use crate::auth::Caller;
use crate::db::{self, DbConn};
use crate::domain::credit_code;
use crate::domain::role::Role;
use crate::error::{unique_as, Error};
use crate::store::enterprises::{self, Changes, EnterpriseRow, ListFilter, NewEnterprise};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Size {
    /// 大型
    Large,
    /// 中型
    Medium,
    /// 小型
    Small,
    /// 微型
    Micro,
}

impl Size {
    pub const ALL: [Size; 4] = [Size::Large, Size::Medium, Size::Small, Size::Micro];

    pub fn parse(s: &str) -> Option<Size> {
        Size::ALL.into_iter().find(|z| z.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Size::Large => "large",
            Size::Medium => "medium",
            Size::Small => "small",
            Size::Micro => "micro",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            Size::Large => "大型",
            Size::Medium => "中型",
            Size::Small => "小型",
            Size::Micro => "微型",
        }
    }
}

#[derive(Serialize)]
pub struct Enterprise {
    pub id: i64,
    pub name: String,
    pub credit_code: String,
    pub region_id: i64,
    pub industry: String,
    pub size: String,
    pub contact_name: Option<String>,
    /// Present only for callers who may see it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact_phone: Option<Option<String>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Whether the caller sees contact phones. Scope has already limited which enterprises a
/// caller reaches (a department only those whose issues it handles), so the role decides.
pub fn sees_phone(role: Role) -> bool {
    matches!(role, Role::Admin | Role::Coordinator | Role::Department)
}

impl Enterprise {
    pub fn new(e: EnterpriseRow, role: Role) -> Self {
        Enterprise {
            id: e.id,
            name: e.name,
            credit_code: e.credit_code,
            region_id: e.region_id,
            industry: e.industry,
            size: e.size,
            contact_name: e.contact_name,
            contact_phone: sees_phone(role).then_some(e.contact_phone),
            created_at: utc(e.created_at),
            updated_at: utc(e.updated_at),
        }
    }
}

const MANAGE: &str = "create or change enterprises";
const WRITERS: &[Role] = &[Role::Admin, Role::Coordinator];
const DUPLICATE_CODE: &str = "is already registered to another enterprise";

/// 5–20 characters of digits, spaces, `+`, `-`, parentheses.
pub fn phone_error(phone: &str) -> Option<&'static str> {
    let n = phone.chars().count();
    if !(5..=20).contains(&n) {
        return Some("must be 5 to 20 characters");
    }
    if !phone
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | ' ' | '(' | ')'))
    {
        return Some("may hold only digits, spaces, '+', '-' and parentheses");
    }
    None
}

fn check_code(check: &mut Check, code: &str) -> String {
    match credit_code::validate(code) {
        Ok(c) => c,
        Err(e) => {
            check.add("credit_code", e.to_string());
            code.to_owned()
        }
    }
}

fn check_phone(check: &mut Check, phone: Option<&str>) -> Option<String> {
    let phone = check.opt_text("contact_phone", phone, 20)?;
    if let Some(msg) = phone_error(&phone) {
        check.add("contact_phone", msg);
    }
    Some(phone)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewEnterpriseIn {
    pub name: String,
    pub credit_code: String,
    pub region_id: i64,
    pub industry: String,
    pub size: Size,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
}

impl NewEnterpriseIn {
    /// Checks every field; the region is checked against the database separately.
    pub fn validate(self) -> Result<NewEnterprise, Error> {
        let mut check = Check::default();
        let new = NewEnterprise {
            name: check.text("name", &self.name, 1, 200),
            credit_code: check_code(&mut check, &self.credit_code),
            region_id: self.region_id,
            industry: check.text("industry", &self.industry, 1, 100),
            size: self.size.as_str().to_owned(),
            contact_name: check.opt_text("contact_name", self.contact_name.as_deref(), 100),
            contact_phone: check_phone(&mut check, self.contact_phone.as_deref()),
        };
        check.finish()?;
        Ok(new)
    }
}

/// Creates an enterprise within the caller's scope (also used when recording attendance),
/// with its line in 操作日志.
pub fn create_in_scope(
    conn: &mut DbConn,
    caller: &Caller,
    new: &NewEnterprise,
) -> Result<EnterpriseRow, Error> {
    db::write_tx(conn, |conn| {
        check_in_scope(conn, &caller.scope(), new.region_id, "region_id")?;
        let row =
            enterprises::insert(conn, new).map_err(unique_as("credit_code", DUPLICATE_CODE))?;
        let after = Enterprise::new(row.clone(), Role::Admin);
        audit::record(
            conn,
            Some(caller),
            "create",
            Object::Enterprise,
            Some(row.id),
            None::<&()>,
            Some(&after),
        )?;
        Ok(row)
    })
}

pub fn create(
    conn: &mut DbConn,
    caller: &Caller,
    input: NewEnterpriseIn,
) -> Result<Enterprise, Error> {
    caller.require(WRITERS, MANAGE)?;
    let new = input.validate()?;
    let row = create_in_scope(conn, caller, &new)?;
    Ok(Enterprise::new(row, caller.role))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnterpriseQuery {
    pub q: Option<String>,
    #[serde(default, deserialize_with = "super::common::opt_id")]
    pub region_id: Option<i64>,
    pub size: Option<Size>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

pub fn list(
    conn: &mut DbConn,
    caller: &Caller,
    q: EnterpriseQuery,
) -> Result<Paged<Enterprise>, Error> {
    let page = page(q.page, q.per_page)?;
    let filter = ListFilter {
        q: q.q.filter(|s| !s.trim().is_empty()),
        region_id: q.region_id,
        size: q.size.map(|s| s.as_str().to_owned()),
    };
    let (rows, total) = enterprises::list(conn, &caller.scope(), &filter, page)?;
    let items = rows
        .into_iter()
        .map(|e| Enterprise::new(e, caller.role))
        .collect();
    Ok(Paged::new(items, total, page))
}

pub fn get(conn: &mut DbConn, caller: &Caller, id: i64) -> Result<Enterprise, Error> {
    let row = enterprises::get(conn, &caller.scope(), id)?
        .ok_or_else(|| Error::not_found("enterprise"))?;
    Ok(Enterprise::new(row, caller.role))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnterprisePatch {
    #[serde(default, deserialize_with = "present")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub credit_code: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub region_id: Option<i64>,
    #[serde(default, deserialize_with = "present")]
    pub industry: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub size: Option<Size>,
    #[serde(default, deserialize_with = "nullable")]
    pub contact_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    pub contact_phone: Option<Option<String>>,
}

pub fn update(
    conn: &mut DbConn,
    caller: &Caller,
    id: i64,
    patch: EnterprisePatch,
) -> Result<Enterprise, Error> {
    caller.require(WRITERS, MANAGE)?;
    let mut check = Check::default();
    let changes = Changes {
        name: patch.name.map(|n| check.text("name", &n, 1, 200)),
        credit_code: patch.credit_code.map(|c| check_code(&mut check, &c)),
        region_id: patch.region_id,
        industry: patch.industry.map(|i| check.text("industry", &i, 1, 100)),
        size: patch.size.map(|s| s.as_str().to_owned()),
        contact_name: patch
            .contact_name
            .map(|c| check.opt_text("contact_name", c.as_deref(), 100)),
        contact_phone: patch
            .contact_phone
            .map(|p| check_phone(&mut check, p.as_deref())),
    };
    check.finish()?;
    let scope = caller.scope();
    let row = db::write_tx(conn, |conn| {
        // Out of scope answers not found before anything else is said about the input.
        let before =
            enterprises::get(conn, &scope, id)?.ok_or_else(|| Error::not_found("enterprise"))?;
        if let Some(r) = changes.region_id {
            check_in_scope(conn, &scope, r, "region_id")?;
        }
        let row = enterprises::update(conn, &scope, id, &changes)
            .map_err(unique_as("credit_code", DUPLICATE_CODE))?
            .ok_or_else(|| Error::not_found("enterprise"))?;
        audit::record(
            conn,
            Some(caller),
            "update",
            Object::Enterprise,
            Some(id),
            Some(&Enterprise::new(before, Role::Admin)),
            Some(&Enterprise::new(row.clone(), Role::Admin)),
        )?;
        Ok::<_, Error>(row)
    })?;
    Ok(Enterprise::new(row, caller.role))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MergeIn {
    /// The record that stays.
    pub into: i64,
}

/// The record kept, and what moved to it.
#[derive(Serialize)]
pub struct Merged {
    pub enterprise: Enterprise,
    pub moved: enterprises::Moved,
}

/// 合并 two records of one company (an administrator's correction): every issue, attendance
/// and account of `id` moves to `into`, and `id` is no more. Recorded in 操作日志 with both
/// records as they were.
pub fn merge(conn: &mut DbConn, caller: &Caller, id: i64, input: MergeIn) -> Result<Merged, Error> {
    caller.require(&[Role::Admin], "merge enterprises")?;
    if input.into == id {
        return Err(Error::invalid(
            "into",
            "is the enterprise being merged; name the other record",
        ));
    }
    let scope = caller.scope();
    db::write_tx(conn, |conn| {
        let gone =
            enterprises::get(conn, &scope, id)?.ok_or_else(|| Error::not_found("enterprise"))?;
        let kept = enterprises::get(conn, &scope, input.into)?
            .ok_or_else(|| Error::invalid("into", "no such enterprise"))?;
        let moved = enterprises::merge(conn, id, input.into)?;
        let before = serde_json::json!({
            "merged": Enterprise::new(gone, Role::Admin),
            "into": Enterprise::new(kept.clone(), Role::Admin),
        });
        let after = serde_json::json!({"into": input.into, "moved": &moved});
        audit::record(
            conn,
            Some(caller),
            "merge",
            Object::Enterprise,
            Some(id),
            Some(&before),
            Some(&after),
        )?;
        Ok(Merged {
            enterprise: Enterprise::new(kept, caller.role),
            moved,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones() {
        let cases = [
            ("0572-2345678", true),
            ("+86 138 0000 0000", true),
            ("1234", false),
            ("call me", false),
        ];
        for (p, ok) in cases {
            assert_eq!(phone_error(p).is_none(), ok, "{p}");
        }
    }

    #[test]
    fn phone_visibility() {
        let cases = [
            (Role::Admin, true),
            (Role::Coordinator, true),
            (Role::Department, true),
            (Role::Leader, false),
            (Role::Enterprise, false),
        ];
        for (role, sees) in cases {
            assert_eq!(sees_phone(role), sees, "{role:?}");
        }
    }
}
