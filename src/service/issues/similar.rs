//! Issues like one another: 相似问题 (the same problem raised elsewhere) and 建议主办部门
//! (the departments that answered the most similar earlier issues).
//!
//! Likeness is read from the words that tell an issue apart (its TF-IDF keywords, the
//! title counted twice): another issue sharing at least two of its five best is a
//! candidate, found by the database's full-text rank; its score is the share of the
//! keywords it says.

use std::collections::{HashMap, HashSet};

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use super::{views, Issue};
use crate::auth::Caller;
use crate::db::DbConn;
use crate::domain::role::Role;
use crate::domain::words::{self, Join};
use crate::error::Error;
use crate::store::issues::{self as store, IssueRow};
use crate::store::schema::{departments, issues};
use crate::store::scope::Scope;
use crate::store::search::{self, Within};

/// How many keywords an issue is scored by.
const KEYWORDS: usize = 8;
/// How many of them (the best not common) it is looked for by, two at a time: each pair of
/// eight (28, OR'd) took PostgreSQL 300 ms at a million issues, common words among them.
const QUERIED: usize = 5;
/// How many similar issues a page or a call shows.
pub const SHOWN: i64 = 10;
/// How many earlier issues a suggestion weighs.
const NEIGHBOURS: i64 = 15;
/// How many departments a suggestion names.
const SUGGESTED: usize = 3;

#[derive(Serialize)]
pub struct SimilarIssue {
    pub issue: Issue,
    /// From 0 to 1: how close the other issue's words come to this one's own.
    pub score: f64,
}

#[derive(Serialize)]
pub struct SuggestedDepartment {
    pub department_id: i64,
    pub name: String,
    /// The department's share of the weight of the similar earlier issues, 0 to 1.
    pub score: f64,
}

fn keywords_of(row: &IssueRow) -> Vec<String> {
    words::keywords(&row.title, &row.description, KEYWORDS)
}

/// A keyword said by more than this share of all issues is looked for only when too few
/// others remain: the index reads every issue that says it (申报 in 12% of a million).
const COMMON: f64 = 0.02;
/// Below this many issues no word is common enough to matter.
const COMMON_FROM: i64 = 10_000;
/// How many keywords an issue is looked for by at the least.
const AT_LEAST: usize = 3;

/// The keywords an issue is looked for by: its best `QUERIED` that are not common, filled up
/// to `AT_LEAST` with its best common ones.
fn queried(keywords: &[String], common: &HashSet<String>) -> Vec<String> {
    let (rare, usual): (Vec<&String>, Vec<&String>) =
        keywords.iter().partition(|k| !common.contains(*k));
    let mut chosen: Vec<String> = rare.into_iter().take(QUERIED).cloned().collect();
    let missing = AT_LEAST.saturating_sub(chosen.len());
    chosen.extend(usual.into_iter().take(missing).cloned());
    chosen
}

/// What an issue with these keywords is looked for by: two of those `queried`.
fn query_of(conn: &mut DbConn, keywords: &[String]) -> QueryResult<Option<String>> {
    let common = search::common_words(conn, keywords, COMMON, COMMON_FROM)?;
    Ok(words::expression(&queried(keywords, &common), Join::AnyTwo))
}

fn expression_of(conn: &mut DbConn, row: &IssueRow) -> QueryResult<Option<String>> {
    query_of(conn, &keywords_of(row))
}

/// The share of `keywords` that `other` says (in its title, description or answer).
fn shared(keywords: &[String], other: &IssueRow) -> f64 {
    if keywords.is_empty() {
        return 0.0;
    }
    let text = format!(
        "{} {} {}",
        other.title,
        other.description,
        other.answer_text.as_deref().unwrap_or("")
    );
    let said: std::collections::HashSet<String> = words::of_document(&text).into_iter().collect();
    keywords.iter().filter(|k| said.contains(*k)).count() as f64 / keywords.len() as f64
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// The issues in the caller's scope most like issue `id`, best first (not found outside
/// the caller's scope).
pub fn similar(conn: &mut DbConn, caller: &Caller, id: i64) -> Result<Vec<SimilarIssue>, Error> {
    let row = store::get(conn, &caller.scope(), id)?.ok_or_else(|| Error::not_found("issue"))?;
    like(conn, &caller.scope(), &keywords_of(&row), id)
}

/// The issues in the caller's scope most like a text being registered (登记问题, before it is
/// an issue): the same keywords and candidates as `similar`. Coordinators and departments.
pub fn like_text(
    conn: &mut DbConn,
    caller: &Caller,
    title: &str,
    description: &str,
) -> Result<Vec<SimilarIssue>, Error> {
    caller.require(
        &[Role::Coordinator, Role::Department],
        "look for similar issues",
    )?;
    let keywords = words::keywords(title, description, KEYWORDS);
    like(conn, &caller.scope(), &keywords, 0)
}

/// The issues of `scope` (but `except`) that say two of `keywords`, scored.
fn like(
    conn: &mut DbConn,
    scope: &Scope,
    keywords: &[String],
    except: i64,
) -> Result<Vec<SimilarIssue>, Error> {
    let Some(e) = query_of(conn, keywords)? else {
        return Ok(Vec::new());
    };
    let within = Within {
        scope,
        except,
        region_id: None,
        filed_before: None,
        answered: false,
    };
    let near = search::nearest(conn, &within, &e, SHOWN)?;
    scored(conn, keywords, &near)
}

/// The issues found, as their readers see them, each scored by the share of `keywords` it
/// says: the index's order, steadied by the score (a stable sort keeps ties).
fn scored(
    conn: &mut DbConn,
    keywords: &[String],
    near: &[(i64, f64)],
) -> Result<Vec<SimilarIssue>, Error> {
    let rows = in_order(conn, &near.iter().map(|f| f.0).collect::<Vec<_>>())?;
    let scores: Vec<f64> = rows.iter().map(|r| round2(shared(keywords, r))).collect();
    let mut out: Vec<SimilarIssue> = views(conn, rows)?
        .into_iter()
        .zip(scores)
        .map(|(issue, score)| SimilarIssue { issue, score })
        .collect();
    out.sort_by(|a, b| b.score.total_cmp(&a.score));
    Ok(out)
}

/// The rows of `ids`, in that order.
fn in_order(conn: &mut DbConn, ids: &[i64]) -> Result<Vec<IssueRow>, Error> {
    let mut rows: HashMap<i64, IssueRow> = issues::table
        .filter(issues::id.eq_any(ids))
        .select(IssueRow::as_select())
        .load::<IssueRow>(conn)?
        .into_iter()
        .map(|r| (r.id, r))
        .collect();
    Ok(ids.iter().filter_map(|id| rows.remove(id)).collect())
}

/// 建议主办部门 for issue `id`, to a coordinator: learnt from the issues filed before it.
pub fn suggested_departments(
    conn: &mut DbConn,
    caller: &Caller,
    id: i64,
) -> Result<Vec<SuggestedDepartment>, Error> {
    caller.require(&[Role::Coordinator], "see the suggested departments")?;
    let scope = caller.scope();
    let row = store::get(conn, &scope, id)?.ok_or_else(|| Error::not_found("issue"))?;
    Ok(suggest(conn, &scope, &row, row.created_at)?)
}

/// The departments that led (and answered) the issues most like `row` among those in
/// `scope` filed before `before`: of the issue's own region when it has such issues, else
/// of the whole scope. Each similar issue weighs by its rank; a department's score is its
/// share. Active departments only, the likeliest first.
pub fn suggest(
    conn: &mut DbConn,
    scope: &Scope,
    row: &IssueRow,
    before: NaiveDateTime,
) -> QueryResult<Vec<SuggestedDepartment>> {
    let Some(e) = expression_of(conn, row)? else {
        return Ok(Vec::new());
    };
    let mut found = Vec::new();
    for region_id in [Some(row.region_id), None] {
        found = search::nearest(
            conn,
            &Within {
                scope,
                except: row.id,
                region_id,
                filed_before: Some(before),
                answered: true,
            },
            &e,
            NEIGHBOURS,
        )?;
        if !found.is_empty() {
            break;
        }
    }
    let ids: Vec<i64> = found.iter().map(|f| f.0).collect();
    let leads: HashMap<i64, i64> = issues::table
        .inner_join(
            departments::table.on(issues::lead_department_id.eq(departments::id.nullable())),
        )
        .filter(issues::id.eq_any(&ids))
        .filter(departments::active.eq(true))
        .select((issues::id, departments::id))
        .load::<(i64, i64)>(conn)?
        .into_iter()
        .collect();
    let mut weight: HashMap<i64, f64> = HashMap::new();
    for (id, rank) in &found {
        if let Some(d) = leads.get(id) {
            *weight.entry(*d).or_default() += -rank;
        }
    }
    let total: f64 = weight.values().sum();
    if total <= 0.0 {
        return Ok(Vec::new());
    }
    let mut ranked: Vec<(i64, f64)> = weight.into_iter().collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    ranked.truncate(SUGGESTED);
    let names: HashMap<i64, String> = departments::table
        .filter(departments::id.eq_any(ranked.iter().map(|r| r.0).collect::<Vec<_>>()))
        .select((departments::id, departments::name))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect();
    Ok(ranked
        .into_iter()
        .map(|(department_id, w)| SuggestedDepartment {
            name: names.get(&department_id).cloned().unwrap_or_default(),
            department_id,
            score: round2(w / total),
        })
        .collect())
}

/// How often the first suggestion names the department assigned: for the issues filed on
/// or after `since` with a lead department, each suggested from the issues filed before
/// `since` only. Returns (named rightly, issues tried).
pub fn accuracy(conn: &mut DbConn, since: NaiveDate) -> QueryResult<(usize, usize)> {
    let tried: Vec<IssueRow> = issues::table
        .filter(issues::filed_on.ge(since))
        .filter(issues::lead_department_id.is_not_null())
        .filter(issues::merged_into.is_null())
        .order(issues::id.asc())
        .select(IssueRow::as_select())
        .load(conn)?;
    let before = crate::domain::time::start_of(since);
    let mut right = 0;
    for row in &tried {
        let first = suggest(conn, &Scope::All, row, before)?;
        if first.first().map(|s| s.department_id) == row.lead_department_id {
            right += 1;
        }
    }
    Ok((right, tried.len()))
}

/// What the enterprise of a merged duplicate follows of the original (合并): its number,
/// state and answer, never whose it is; `visible` when the reader may open it.
pub struct Followed {
    pub id: i64,
    pub status: crate::domain::lifecycle::State,
    pub answer: Option<super::Answer>,
    pub visible: bool,
}

/// The original a duplicate the caller reads was merged into, if it was.
pub fn followed(
    conn: &mut DbConn,
    caller: &Caller,
    dup: &Issue,
) -> Result<Option<Followed>, Error> {
    let Some(into) = dup.merged_into else {
        return Ok(None);
    };
    let Some(original) = store::get(conn, &Scope::All, into)? else {
        return Ok(None);
    };
    let visible = store::get(conn, &caller.scope(), into)?.is_some();
    let answer = match (original.answer_outcome, original.answer_text) {
        (Some(outcome), Some(text)) => Some(super::Answer {
            outcome,
            text,
            planned_on: original.answer_planned_on,
            answered_at: original.answered_at.map(crate::service::common::utc),
        }),
        _ => None,
    };
    Ok(Some(Followed {
        id: into,
        status: original.status,
        answer,
        visible,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_issue_is_looked_for_by_its_best_keywords_that_are_not_common() {
        let k = |s: &str| -> Vec<String> { s.split(' ').map(str::to_owned).collect() };
        let cases = [
            // No word is common: the best five.
            (
                "专精 南浔区 申报 省级 中小企业 认定 材料 奖励",
                "",
                "专精 南浔区 申报 省级 中小企业",
            ),
            // Common words give way to rarer ones further down.
            (
                "专精 南浔区 申报 省级 中小企业 认定 材料 奖励",
                "南浔区 申报",
                "专精 省级 中小企业 认定 材料",
            ),
            // Too few rare ones: filled up to three with the best common ones.
            ("贷款 银行 专精", "贷款 银行", "专精 贷款 银行"),
            (
                "贷款 银行 融资 利率",
                "贷款 银行 融资 利率",
                "贷款 银行 融资",
            ),
            ("", "", ""),
        ];
        for (keywords, common, want) in cases {
            let keywords = if keywords.is_empty() {
                Vec::new()
            } else {
                k(keywords)
            };
            let common: HashSet<String> = if common.is_empty() {
                HashSet::new()
            } else {
                k(common).into_iter().collect()
            };
            assert_eq!(
                queried(&keywords, &common).join(" "),
                want,
                "{keywords:?} {common:?}"
            );
        }
    }
}
