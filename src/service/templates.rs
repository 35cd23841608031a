//! Reply templates (答复模板) per category, to prefill an answer: the Federation's, kept by
//! its coordinators and read by every department; and a department's own, kept and read by
//! its handlers.

use serde::{Deserialize, Serialize};

use super::common::Check;
use crate::auth::Caller;
use crate::db::DbConn;
use crate::domain::issue::{Category, Outcome};
use crate::domain::role::Can;
use crate::error::{unique_as, Error};
use crate::store::scope::Scope;
use crate::store::{self, templates};

#[derive(Clone, Serialize)]
pub struct Template {
    pub id: i64,
    /// Whether the reader keeps it (may change or remove it): the Federation's, written by
    /// someone of the reader's region or a region under it; or the reader's department's.
    pub keeps: bool,
    /// The department's own template (none: the Federation's).
    pub department_id: Option<i64>,
    pub category: Category,
    pub outcome: Outcome,
    pub title: String,
    pub text: String,
}

impl From<templates::TemplateRow> for Template {
    fn from(t: templates::TemplateRow) -> Self {
        Template {
            id: t.id,
            keeps: false,
            department_id: t.department_id,
            category: t.category,
            outcome: t.outcome,
            title: t.title,
            text: t.text,
        }
    }
}

/// Who keeps the templates the caller may change: a coordinator's region, a department.
fn keeper(caller: &Caller) -> Option<(Scope, Option<i64>)> {
    match caller.scope() {
        s @ Scope::Region(_) if caller.may(Can::KeepTemplates) => Some((s, None)),
        Scope::Department(d) if caller.may(Can::KeepTemplates) => {
            Some((Scope::Department(d), Some(d)))
        }
        _ => None,
    }
}

fn as_keeper(scope: &Scope) -> Option<templates::Keeper<'_>> {
    match scope {
        Scope::Region(path) => Some(templates::Keeper::Region(path)),
        Scope::Department(d) => Some(templates::Keeper::Department(*d)),
        _ => None,
    }
}

pub fn list(
    conn: &mut DbConn,
    caller: &Caller,
    category: Option<Category>,
) -> Result<Vec<Template>, Error> {
    caller.require_to(Can::ReadTemplates)?;
    let keeper = keeper(caller);
    let kept = match keeper.as_ref().and_then(|(s, _)| as_keeper(s)) {
        Some(k) => templates::kept(conn, &k)?,
        None => Vec::new(),
    };
    let own = keeper.and_then(|(_, d)| d);
    Ok(templates::list(conn, category, own)?
        .into_iter()
        .map(|row| Template {
            keeps: kept.contains(&row.id),
            ..Template::from(row)
        })
        .collect())
}

/// One template the caller reads (404 for another department's).
pub fn get(conn: &mut DbConn, caller: &Caller, id: i64) -> Result<Template, Error> {
    list(conn, caller, None)?
        .into_iter()
        .find(|t| t.id == id)
        .ok_or_else(|| Error::not_found("template"))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewTemplate {
    pub category: Category,
    pub outcome: Outcome,
    pub title: String,
    pub text: String,
}

const DUPLICATE_TITLE: &str = "is already used by another template of this category";

fn checked(input: &NewTemplate) -> Result<(String, String), Error> {
    let mut check = Check::default();
    let title = check.text("title", &input.title, 1, 50);
    let text = check.text("text", &input.text, 1, 5_000);
    check.finish()?;
    Ok((title, text))
}

/// A new template: the Federation's when a coordinator writes it, the department's own when
/// a department's handler does.
pub fn create(conn: &mut DbConn, caller: &Caller, input: NewTemplate) -> Result<Template, Error> {
    caller.require_to(Can::KeepTemplates)?;
    let (title, text) = checked(&input)?;
    let department = keeper(caller).and_then(|(_, d)| d);
    let written = templates::Written {
        category: input.category,
        outcome: input.outcome,
        title: &title,
        text: &text,
    };
    let row = templates::insert(conn, &written, department, caller.id(), store::now())
        .map_err(unique_as("title", DUPLICATE_TITLE))?;
    Ok(Template {
        keeps: true,
        ..row.into()
    })
}

/// Changes a template the caller keeps (another's answers as if it did not exist).
pub fn update(
    conn: &mut DbConn,
    caller: &Caller,
    id: i64,
    input: NewTemplate,
) -> Result<Template, Error> {
    caller.require_to(Can::KeepTemplates)?;
    let (title, text) = checked(&input)?;
    let Some((scope, _)) = keeper(caller) else {
        return Err(Error::not_found("template"));
    };
    let k = as_keeper(&scope).ok_or_else(|| Error::not_found("template"))?;
    let written = templates::Written {
        category: input.category,
        outcome: input.outcome,
        title: &title,
        text: &text,
    };
    let row = templates::update(conn, id, &k, &written, store::now())
        .map_err(unique_as("title", DUPLICATE_TITLE))?
        .ok_or_else(|| Error::not_found("template"))?;
    Ok(Template {
        keeps: true,
        ..row.into()
    })
}

pub fn delete(conn: &mut DbConn, caller: &Caller, id: i64) -> Result<(), Error> {
    caller.require_to(Can::KeepTemplates)?;
    let Some((scope, _)) = keeper(caller) else {
        return Err(Error::not_found("template"));
    };
    let k = as_keeper(&scope).ok_or_else(|| Error::not_found("template"))?;
    // Another's template answers as if it did not exist.
    if templates::delete(conn, id, &k)? {
        Ok(())
    } else {
        Err(Error::not_found("template"))
    }
}
