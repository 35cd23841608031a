//! 政策问答: published questions and answers, and their search entries.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::knowledge;
use super::search::{self, Index};
use super::Page;
use crate::db::DbConn;
use crate::domain::issue::Category;

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = knowledge)]
pub struct KnowledgeRow {
    pub id: i64,
    pub issue_id: i64,
    pub category: Category,
    pub question: String,
    pub answer: String,
    pub published_by: i64,
    pub published_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = knowledge)]
pub struct NewKnowledge<'a> {
    pub issue_id: i64,
    pub category: Category,
    pub question: &'a str,
    pub answer: &'a str,
    pub published_by: i64,
    pub published_at: NaiveDateTime,
}

/// Stores one and its search entry (the caller's transaction); a second for the same
/// issue is a unique violation.
pub fn insert(conn: &mut DbConn, new: &NewKnowledge) -> QueryResult<KnowledgeRow> {
    let row: KnowledgeRow = diesel::insert_into(knowledge::table)
        .values(new)
        .returning(<KnowledgeRow as Selectable<crate::db::MultiBackend>>::construct_selection())
        .get_result(conn)?;
    search::index_knowledge(conn, row.id, &row.question, &row.answer)?;
    Ok(row)
}

pub fn get(conn: &mut DbConn, id: i64) -> QueryResult<Option<KnowledgeRow>> {
    knowledge::table
        .find(id)
        .select(KnowledgeRow::as_select())
        .first(conn)
        .optional()
}

pub fn of_issue(conn: &mut DbConn, issue_id: i64) -> QueryResult<Option<KnowledgeRow>> {
    knowledge::table
        .filter(knowledge::issue_id.eq(issue_id))
        .select(KnowledgeRow::as_select())
        .first(conn)
        .optional()
}

/// A page of all, newest first, and how many there are.
pub fn newest(conn: &mut DbConn, page: Page) -> QueryResult<(Vec<KnowledgeRow>, i64)> {
    let total = knowledge::table.count().get_result(conn)?;
    let rows = knowledge::table
        .order((knowledge::published_at.desc(), knowledge::id.desc()))
        .select(KnowledgeRow::as_select())
        .limit(page.per_page)
        .offset(page.offset())
        .load(conn)?;
    Ok((rows, total))
}

/// The best `limit` matches of `expression`, best first.
pub fn matching(conn: &mut DbConn, expression: &str, limit: i64) -> QueryResult<Vec<KnowledgeRow>> {
    let ids: Vec<i64> = search::best(conn, Index::Knowledge, expression, limit)?
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    let mut rows: std::collections::HashMap<i64, KnowledgeRow> = knowledge::table
        .filter(knowledge::id.eq_any(&ids))
        .select(KnowledgeRow::as_select())
        .load::<KnowledgeRow>(conn)?
        .into_iter()
        .map(|r| (r.id, r))
        .collect();
    Ok(ids.iter().filter_map(|id| rows.remove(id)).collect())
}
