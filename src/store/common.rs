//! 共性问题: groups of issues answered once as policy, read in the caller's scope.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::BigInt;

use super::fixed::fixed;
use super::schema::{common_issues, issues};
use super::scope::{self, Scope};
use super::Page;
use crate::db::DbConn;

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = common_issues)]
pub struct CommonRow {
    pub id: i64,
    pub region_id: i64,
    pub title: String,
    pub description: String,
    pub lead_department_id: i64,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
    pub answer_text: Option<String>,
    pub answered_by: Option<i64>,
    pub answered_at: Option<NaiveDateTime>,
}

#[derive(Insertable)]
#[diesel(table_name = common_issues)]
pub struct NewCommon<'a> {
    pub region_id: i64,
    pub title: &'a str,
    pub description: &'a str,
    pub lead_department_id: i64,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
}

/// How many issues a group holds, and in how many regions: the whole group's, counted by
/// the database, whoever reads it.
const ISSUES: &str = "(SELECT COUNT(*) FROM issues i WHERE i.common_issue_id = common_issues.id)";
const REGIONS: &str =
    "(SELECT COUNT(DISTINCT i.region_id) FROM issues i WHERE i.common_issue_id = common_issues.id)";

/// A group with its issue and region counts.
pub type Counted = (CommonRow, i64, i64);

pub fn insert(conn: &mut DbConn, new: &NewCommon) -> QueryResult<CommonRow> {
    diesel::insert_into(common_issues::table)
        .values(new)
        .returning(<CommonRow as Selectable<crate::db::MultiBackend>>::construct_selection())
        .get_result(conn)
}

/// One group in scope, with its counts.
pub fn get(conn: &mut DbConn, scope: &Scope, id: i64) -> QueryResult<Option<Counted>> {
    common_issues::table
        .filter(common_issues::id.eq(id))
        .filter(scope::common_issues(scope))
        .select((
            CommonRow::as_select(),
            fixed::<BigInt>(ISSUES),
            fixed::<BigInt>(REGIONS),
        ))
        .first(conn)
        .optional()
}

/// A group by its id, whoever asks (for the issue page of one of its issues).
pub fn by_id(conn: &mut DbConn, id: i64) -> QueryResult<Option<CommonRow>> {
    common_issues::table
        .find(id)
        .select(CommonRow::as_select())
        .first(conn)
        .optional()
}

/// A page of the groups in scope, those with the most issues, then the most regions,
/// first; and how many there are.
pub fn list(conn: &mut DbConn, scope: &Scope, page: Page) -> QueryResult<(Vec<Counted>, i64)> {
    let total = common_issues::table
        .filter(scope::common_issues(scope))
        .count()
        .get_result(conn)?;
    let rows = common_issues::table
        .filter(scope::common_issues(scope))
        .select((
            CommonRow::as_select(),
            fixed::<BigInt>(ISSUES),
            fixed::<BigInt>(REGIONS),
        ))
        .order((
            fixed::<BigInt>(ISSUES).desc(),
            fixed::<BigInt>(REGIONS).desc(),
            common_issues::id.desc(),
        ))
        .limit(page.per_page)
        .offset(page.offset())
        .load(conn)?;
    Ok((rows, total))
}

/// The regions of each group's issues (the whole group's), by group.
pub fn regions(
    conn: &mut DbConn,
    ids: &[i64],
) -> QueryResult<std::collections::HashMap<i64, Vec<i64>>> {
    let mut out: std::collections::HashMap<i64, Vec<i64>> = Default::default();
    for (group, region) in issues::table
        .filter(issues::common_issue_id.eq_any(ids))
        .select((issues::common_issue_id.assume_not_null(), issues::region_id))
        .distinct()
        .order((issues::common_issue_id, issues::region_id))
        .load::<(i64, i64)>(conn)?
    {
        out.entry(group).or_default().push(region);
    }
    Ok(out)
}

/// The ids of each group's issues that `scope` may see, oldest first.
pub fn members(
    conn: &mut DbConn,
    scope: &Scope,
    ids: &[i64],
) -> QueryResult<std::collections::HashMap<i64, Vec<i64>>> {
    let grouped = issues::table.filter(issues::common_issue_id.eq_any(ids));
    let select = (issues::common_issue_id.assume_not_null(), issues::id);
    let rows: Vec<(i64, i64)> = crate::with_issue_scope!(
        scope,
        c => grouped.filter(c).select(select).order(issues::id).load(conn),
        all => grouped.select(select).order(issues::id).load(conn)
    )?;
    let mut out: std::collections::HashMap<i64, Vec<i64>> = Default::default();
    for (group, issue) in rows {
        out.entry(group).or_default().push(issue);
    }
    Ok(out)
}

/// Records the group's answer unless it has one: false when it had (a second answer, or
/// the loser of two at once).
pub fn answer(
    conn: &mut DbConn,
    id: i64,
    text: &str,
    by: i64,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(
        common_issues::table
            .filter(common_issues::id.eq(id))
            .filter(common_issues::answer_text.is_null()),
    )
    .set((
        common_issues::answer_text.eq(text),
        common_issues::answered_by.eq(by),
        common_issues::answered_at.eq(at),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// The issues of group `id` that `scope` may see, oldest first.
pub fn issues_of(
    conn: &mut DbConn,
    scope: &Scope,
    id: i64,
) -> QueryResult<Vec<super::issues::IssueRow>> {
    use super::issues::IssueRow;
    let grouped = issues::table.filter(issues::common_issue_id.eq(id));
    crate::with_issue_scope!(
        scope,
        c => grouped.filter(c).select(IssueRow::as_select()).order(issues::id).load(conn),
        all => grouped.select(IssueRow::as_select()).order(issues::id).load(conn)
    )
}

/// The newest groups in scope, for a coordinator choosing one to add an issue to.
pub fn newest(conn: &mut DbConn, scope: &Scope, limit: i64) -> QueryResult<Vec<(i64, String)>> {
    common_issues::table
        .filter(scope::common_issues(scope))
        .order(common_issues::id.desc())
        .select((common_issues::id, common_issues::title))
        .limit(limit)
        .load(conn)
}
