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
    /// The department whose own template it is; none: the Federation's.
    pub department_id: Option<i64>,
    pub updated_at: Option<NaiveDateTime>,
}

/// Who keeps (edits, removes) a template: the Federation of a region (`path`) keeps the
/// Federation's templates its people wrote; a department keeps its own.
pub enum Keeper<'a> {
    Region(&'a str),
    Department(i64),
}

fn kept_by(keeper: &Keeper) -> super::scope::Filter<reply_templates::table> {
    match keeper {
        Keeper::Region(path) => Box::new(
            reply_templates::department_id
                .is_null()
                .and(reply_templates::created_by.eq_any(people_under(path))),
        ),
        Keeper::Department(d) => Box::new(reply_templates::department_id.assume_not_null().eq(*d)),
    }
}

/// The templates of a category, or of every category, by category and title: the
/// Federation's, and those of the department `own` (a department's handlers read their own
/// beside the Federation's).
pub fn list(
    conn: &mut DbConn,
    category: Option<Category>,
    own: Option<i64>,
) -> QueryResult<Vec<TemplateRow>> {
    let mut q = reply_templates::table
        .select(TemplateRow::as_select())
        .into_boxed();
    if let Some(c) = category {
        q = q.filter(reply_templates::category.eq(c));
    }
    q = match own {
        Some(d) => q.filter(
            reply_templates::department_id
                .is_null()
                .or(reply_templates::department_id.eq(d)),
        ),
        None => q.filter(reply_templates::department_id.is_null()),
    };
    q.order((
        reply_templates::category,
        reply_templates::department_id.is_not_null().desc(),
        reply_templates::title,
    ))
    .load(conn)
}

/// What a template says: its category, the outcome it answers with, its title and text.
pub struct Written<'a> {
    pub category: Category,
    pub outcome: Outcome,
    pub title: &'a str,
    pub text: &'a str,
}

pub fn insert(
    conn: &mut DbConn,
    w: &Written,
    department_id: Option<i64>,
    by: i64,
    at: NaiveDateTime,
) -> QueryResult<TemplateRow> {
    diesel::insert_into(reply_templates::table)
        .values((
            reply_templates::department_id.eq(department_id),
            reply_templates::category.eq(w.category),
            reply_templates::outcome.eq(w.outcome),
            reply_templates::title.eq(w.title),
            reply_templates::text.eq(w.text),
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

/// Changes a template the keeper keeps; none when there is no such template (none, or one
/// another keeps).
pub fn update(
    conn: &mut DbConn,
    id: i64,
    keeper: &Keeper,
    w: &Written,
    at: NaiveDateTime,
) -> QueryResult<Option<TemplateRow>> {
    let n = diesel::update(
        reply_templates::table
            .filter(reply_templates::id.eq(id))
            .filter(kept_by(keeper)),
    )
    .set((
        reply_templates::category.eq(w.category),
        reply_templates::outcome.eq(w.outcome),
        reply_templates::title.eq(w.title),
        reply_templates::text.eq(w.text),
        reply_templates::updated_at.eq(Some(at)),
    ))
    .execute(conn)?;
    if n == 0 {
        return Ok(None);
    }
    reply_templates::table
        .find(id)
        .select(TemplateRow::as_select())
        .first(conn)
        .optional()
}

/// Removes a template the keeper keeps; false when there is no such template.
pub fn delete(conn: &mut DbConn, id: i64, keeper: &Keeper) -> QueryResult<bool> {
    let n = diesel::delete(
        reply_templates::table
            .filter(reply_templates::id.eq(id))
            .filter(kept_by(keeper)),
    )
    .execute(conn)?;
    Ok(n > 0)
}

/// The ids of the templates the keeper keeps.
pub fn kept(conn: &mut DbConn, keeper: &Keeper) -> QueryResult<Vec<i64>> {
    reply_templates::table
        .filter(kept_by(keeper))
        .select(reply_templates::id)
        .load(conn)
}
