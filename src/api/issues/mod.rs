//! Issues (问题): filing, reading, and every action of their life. The lifecycle itself is
//! `domain::lifecycle`; this module extracts, authorises, calls it, and answers.

pub mod actions;
pub mod export;
pub mod filing;
mod reading;

use std::collections::HashMap;

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::common::utc;
use crate::db::DbConn;
use crate::domain::lifecycle::State;
use crate::domain::time;
use crate::error::ApiError;
use crate::store::issues::{self as store, IssueRow, RatingRow};

pub fn routes(cfg: &mut web::ServiceConfig) {
    // Before `/issues/{id}`, which would otherwise take "export" for an id.
    export::routes(cfg);
    reading::routes(cfg);
    filing::routes(cfg);
    actions::routes(cfg);
}

#[derive(Serialize)]
pub struct AnswerOut {
    pub outcome: String,
    pub text: String,
    pub planned_on: Option<NaiveDate>,
    pub answered_at: Option<DateTime<Utc>>,
}

#[derive(Serialize)]
pub struct RatingOut {
    pub rating: String,
    pub source: String,
    pub comment: Option<String>,
    pub rated_at: DateTime<Utc>,
}

#[derive(Serialize)]
pub struct IssueOut {
    pub id: i64,
    pub title: String,
    pub description: String,
    pub category: String,
    pub channel: String,
    pub status: String,
    pub enterprise_id: i64,
    pub region_id: i64,
    pub forum_id: Option<i64>,
    pub lead_department_id: Option<i64>,
    pub co_department_ids: Vec<i64>,
    pub due_on: Option<NaiveDate>,
    pub overdue: bool,
    pub resolved_on_site: bool,
    pub reopen_count: i32,
    pub return_count: i32,
    pub supervision: bool,
    pub common: Option<bool>,
    pub answer: Option<AnswerOut>,
    pub rating: Option<RatingOut>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

/// 超期: past the due date in force while a department still holds the issue.
pub fn is_overdue(status: &str, due_on: Option<NaiveDate>, today: NaiveDate) -> bool {
    State::parse(status).is_some_and(State::is_being_handled) && due_on.is_some_and(|d| d < today)
}

fn view(
    i: IssueRow,
    co: &mut HashMap<i64, Vec<i64>>,
    ratings: &mut HashMap<i64, RatingRow>,
    today: NaiveDate,
) -> IssueOut {
    let answer = match (i.answer_outcome, i.answer_text) {
        (Some(outcome), Some(text)) => Some(AnswerOut {
            outcome,
            text,
            planned_on: i.answer_planned_on,
            answered_at: i.answered_at.map(utc),
        }),
        _ => None,
    };
    IssueOut {
        overdue: is_overdue(&i.status, i.due_on, today),
        co_department_ids: co.remove(&i.id).unwrap_or_default(),
        rating: ratings.remove(&i.id).map(|r| RatingOut {
            rating: r.rating,
            source: r.source,
            comment: r.comment,
            rated_at: utc(r.rated_at),
        }),
        id: i.id,
        title: i.title,
        description: i.description,
        category: i.category,
        channel: i.channel,
        status: i.status,
        enterprise_id: i.enterprise_id,
        region_id: i.region_id,
        forum_id: i.forum_id,
        lead_department_id: i.lead_department_id,
        due_on: i.due_on,
        resolved_on_site: i.resolved_on_site,
        reopen_count: i.reopen_count,
        return_count: i.return_count,
        supervision: i.supervision,
        common: i.common,
        answer,
        created_at: utc(i.created_at),
        updated_at: utc(i.updated_at),
        version: i.version,
    }
}

/// Issues as clients see them, with co-handlers and latest ratings in two queries.
pub fn views(conn: &mut DbConn, rows: Vec<IssueRow>) -> Result<Vec<IssueOut>, ApiError> {
    let ids: Vec<i64> = rows.iter().map(|i| i.id).collect();
    let mut co = store::co_departments(conn, &ids)?;
    let mut ratings = store::latest_ratings(conn, &ids)?;
    let today = time::today();
    Ok(rows
        .into_iter()
        .map(|i| view(i, &mut co, &mut ratings, today))
        .collect())
}

pub fn one(conn: &mut DbConn, row: IssueRow) -> Result<IssueOut, ApiError> {
    views(conn, vec![row])?
        .pop()
        .ok_or_else(|| ApiError::internal("issue view missing"))
}

/// The strong entity tag of an issue version.
pub fn etag(id: i64, version: i64) -> String {
    format!("\"{id}.{version}\"")
}

/// 412 unless `If-Match` (when sent) names the current version; `*` matches any.
pub fn check_if_match(value: Option<&str>, id: i64, version: i64) -> Result<(), ApiError> {
    let Some(value) = value else {
        return Ok(());
    };
    let current = etag(id, version);
    let matches = value.trim() == "*" || value.split(',').any(|t| t.trim() == current);
    if matches {
        Ok(())
    } else {
        Err(ApiError::PreconditionFailed(format!(
            "the issue has changed since that version; it is now {current}"
        )))
    }
}

/// 200 with the issue and its ETag.
pub fn issue_response(issue: &IssueOut) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::ETAG, etag(issue.id, issue.version)))
        .json(issue)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overdue_only_while_handled() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default();
        let today = d("2022-06-22");
        let cases = [
            ("assigned", Some("2022-06-21"), true),
            ("in_progress", Some("2022-06-21"), true),
            ("in_progress", Some("2022-06-22"), false),
            ("answered", Some("2022-06-01"), false),
            ("returned", Some("2022-06-01"), false),
            ("assigned", None, false),
        ];
        for (status, due, want) in cases {
            assert_eq!(
                is_overdue(status, due.map(d), today),
                want,
                "{status} {due:?}"
            );
        }
    }
}
