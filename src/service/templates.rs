//! Reply templates (答复模板): kept by the Federation's coordinators per category, read by
//! the departments answering, to prefill an answer.

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
    /// Whether the reader keeps it (may delete it): written by the Federation of the
    /// reader's region or a region under it.
    pub keeps: bool,
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
            category: t.category,
            outcome: t.outcome,
            title: t.title,
            text: t.text,
        }
    }
}

pub fn list(
    conn: &mut DbConn,
    caller: &Caller,
    category: Option<Category>,
) -> Result<Vec<Template>, Error> {
    caller.require_to(Can::ReadTemplates)?;
    let kept = match (caller.may(Can::KeepTemplates), caller.scope()) {
        (true, Scope::Region(path)) => templates::kept_under(conn, &path)?,
        _ => Vec::new(),
    };
    Ok(templates::list(conn, category)?
        .into_iter()
        .map(|row| Template {
            keeps: kept.contains(&row.id),
            ..Template::from(row)
        })
        .collect())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewTemplate {
    pub category: Category,
    pub outcome: Outcome,
    pub title: String,
    pub text: String,
}

pub fn create(conn: &mut DbConn, caller: &Caller, input: NewTemplate) -> Result<Template, Error> {
    caller.require_to(Can::KeepTemplates)?;
    let mut check = Check::default();
    let title = check.text("title", &input.title, 1, 50);
    let text = check.text("text", &input.text, 1, 5_000);
    check.finish()?;
    let row = templates::insert(
        conn,
        input.category,
        input.outcome,
        &title,
        &text,
        caller.id(),
        store::now(),
    )
    .map_err(unique_as(
        "title",
        "is already used by another template of this category",
    ))?;
    Ok(row.into())
}

pub fn delete(conn: &mut DbConn, caller: &Caller, id: i64) -> Result<(), Error> {
    caller.require_to(Can::KeepTemplates)?;
    let Scope::Region(path) = caller.scope() else {
        return Err(Error::not_found("template"));
    };
    // Another region's template answers as if it did not exist.
    if templates::delete(conn, id, &path)? {
        Ok(())
    } else {
        Err(Error::not_found("template"))
    }
}
