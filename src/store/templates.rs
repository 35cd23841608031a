//! Reply templates (答复模板) per category.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{reply_templates, users};
use crate::db::DbConn;
use crate::domain::issue::{Category, Outcome};

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = reply_templates)]
pub struct TemplateRow {
    pub id: i64,
    pub category: Category,
    pub outcome: Outcome,
    pub title: String,
    pub text: String,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
}

/// The templates of a category, or of every category, by category and title.
pub fn list(conn: &mut DbConn, category: Option<Category>) -> QueryResult<Vec<TemplateRow>> {
    let mut q = reply_templates::table
        .select(TemplateRow::as_select())
        .into_boxed();
    if let Some(c) = category {
        q = q.filter(reply_templates::category.eq(c));
    }
    q.order((reply_templates::category, reply_templates::title))
        .load(conn)
}

pub fn insert(
    conn: &mut DbConn,
    category: Category,
    outcome: Outcome,
    title: &str,
    text: &str,
    by: i64,
    at: NaiveDateTime,
) -> QueryResult<TemplateRow> {
    diesel::insert_into(reply_templates::table)
        .values((
            reply_templates::category.eq(category),
            reply_templates::outcome.eq(outcome),
            reply_templates::title.eq(title),
            reply_templates::text.eq(text),
            reply_templates::created_by.eq(by),
            reply_templates::created_at.eq(at),
        ))
        .returning(reply_templates::id)
        .get_result::<i64>(conn)
        .and_then(|id| {
            reply_templates::table
                .find(id)
                .select(TemplateRow::as_select())
                .first(conn)
        })
}

/// The people of a region and the regions under it (`path`), as a subquery of user ids.
fn people_under(
    path: &str,
) -> diesel::dsl::Select<
    diesel::dsl::Filter<
        users::table,
        diesel::dsl::EqAny<
            diesel::dsl::AssumeNotNull<users::region_id>,
            super::scope::RegionsUnder,
        >,
    >,
    users::id,
> {
    users::table
        .filter(
            users::region_id
                .assume_not_null()
                .eq_any(super::scope::regions_under(path)),
        )
        .select(users::id)
}

/// Removes a template written by someone of the region `path` or a region under it;
/// false when there is no such template (none, or one the Federation of another region
/// keeps).
pub fn delete(conn: &mut DbConn, id: i64, path: &str) -> QueryResult<bool> {
    let n = diesel::delete(
        reply_templates::table
            .filter(reply_templates::id.eq(id))
            .filter(reply_templates::created_by.eq_any(people_under(path))),
    )
    .execute(conn)?;
    Ok(n > 0)
}

/// The ids of the templates written by someone of the region `path` or a region under it
/// (those a coordinator of that region keeps).
pub fn kept_under(conn: &mut DbConn, path: &str) -> QueryResult<Vec<i64>> {
    reply_templates::table
        .filter(reply_templates::created_by.eq_any(people_under(path)))
        .select(reply_templates::id)
        .load(conn)
}
