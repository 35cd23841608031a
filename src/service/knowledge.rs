//! 政策问答: a coordinator publishes an answered issue as a question and its answer without
//! the enterprise's name; every user searches them, and an entrepreneur typing a new issue
//! is shown the closest first (类似问题已有答复).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::common::{page, utc, Check, Paged};
use crate::auth::Caller;
use crate::db::{self, DbConn};
use crate::domain::issue::Category;
use crate::domain::role::Role;
use crate::domain::words::{self, Join};
use crate::error::{unique_as, Error};
use crate::store::issues as issues_store;
use crate::store::knowledge::{self as store, KnowledgeRow, NewKnowledge};

/// How many matches a search answers.
pub const SEARCHED: i64 = 100;

#[derive(Serialize)]
pub struct Entry {
    pub id: i64,
    pub issue_id: i64,
    pub category: Category,
    pub question: String,
    pub answer: String,
    pub published_by: i64,
    pub published_at: DateTime<Utc>,
}

impl From<KnowledgeRow> for Entry {
    fn from(r: KnowledgeRow) -> Self {
        Entry {
            id: r.id,
            issue_id: r.issue_id,
            category: r.category,
            question: r.question,
            answer: r.answer,
            published_by: r.published_by,
            published_at: utc(r.published_at),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublishIn {
    pub issue_id: i64,
    /// Without it: the issue's title and description, the enterprise's name taken out.
    pub question: Option<String>,
    /// Without it: the issue's answer, the enterprise's name taken out.
    pub answer: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct KnowledgeQuery {
    pub q: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

/// The ways a text may name an enterprise: its registered name; that name without the
/// company-form suffix (湖州甲公司 → 湖州甲), when that is still a name (two characters or
/// more); and its trade name (字号), the two characters after the places it begins with
/// (`places`: 湖州, 德清县 …), alone and as 字号公司 — 湖州通丰纺织有限公司 is also 通丰公司
/// and 通丰. Longest first, so the longer is replaced whole.
fn names_of(name: &str, places: &[String]) -> Vec<String> {
    let mut out = vec![name.to_owned()];
    let mut short = name;
    for suffix in ["股份有限公司", "有限责任公司", "有限公司", "公司", "厂"] {
        if let Some(s) = name.strip_suffix(suffix) {
            if s.chars().count() >= 2 {
                out.push(s.to_owned());
                short = s;
            }
            break;
        }
    }
    let mut rest = short;
    while let Some(p) = places
        .iter()
        .filter(|p| !p.is_empty() && rest.starts_with(p.as_str()))
        .max_by_key(|p| p.len())
    {
        rest = &rest[p.len()..];
    }
    let trade: String = rest.chars().take(2).collect();
    if rest != short && trade.chars().count() == 2 && rest.chars().count() >= 4 {
        out.push(format!("{trade}公司"));
        out.push(trade);
    }
    out.sort_by_key(|n| std::cmp::Reverse(n.chars().count()));
    out.dedup();
    out
}

/// Place names an enterprise's name may begin with: every region's name, and without its
/// 省/市/县/区 (湖州市 and 湖州).
fn places(conn: &mut DbConn) -> Result<Vec<String>, Error> {
    use crate::store::schema::regions;
    use diesel::prelude::*;
    let names: Vec<String> = regions::table.select(regions::name).load(conn)?;
    let mut out = Vec::new();
    for n in names {
        for suffix in ["省", "市", "县", "区", "新区"] {
            if let Some(s) = n.strip_suffix(suffix) {
                if s.chars().count() >= 2 {
                    out.push(s.to_owned());
                }
            }
        }
        out.push(n);
    }
    out.push("浙江省".into());
    out.push("浙江".into());
    Ok(out)
}

/// `text` with every way of naming the enterprise replaced by 企业.
fn without_names(text: &str, names: &[String]) -> String {
    names
        .iter()
        .fold(text.to_owned(), |t, n| t.replace(n.as_str(), "企业"))
}

/// The question and answer the publish form offers for an answered issue in the
/// coordinator's scope: the issue's words with its enterprise's name taken out.
pub fn draft(conn: &mut DbConn, caller: &Caller, issue_id: i64) -> Result<(String, String), Error> {
    caller.require(&[Role::Coordinator], "publish 政策问答")?;
    let issue = issues_store::get(conn, &caller.scope(), issue_id)?
        .ok_or_else(|| Error::invalid("issue_id", "is not an issue in your scope"))?;
    let Some(answer) = issue.answer_text.as_deref() else {
        return Err(Error::Conflict(
            "the issue has no answer yet: only an answered issue is published".into(),
        ));
    };
    let names = enterprise_names(conn, issue.enterprise_id)?;
    Ok((
        without_names(&format!("{}\n{}", issue.title, issue.description), &names),
        without_names(answer, &names),
    ))
}

fn enterprise_names(conn: &mut DbConn, id: i64) -> Result<Vec<String>, Error> {
    let names = crate::store::enterprises::names(conn, &[id])?;
    let places = places(conn)?;
    Ok(names
        .get(&id)
        .map(|n| names_of(n, &places))
        .unwrap_or_default())
}

/// Publishes an answered issue as 政策问答 (coordinator, the issue in scope, once).
pub fn publish(conn: &mut DbConn, caller: &Caller, input: PublishIn) -> Result<Entry, Error> {
    caller.require(&[Role::Coordinator], "publish 政策问答")?;
    let row = db::write_tx(conn, |conn| {
        let (q0, a0) = draft(conn, caller, input.issue_id)?;
        let issue = issues_store::get(conn, &caller.scope(), input.issue_id)?
            .ok_or_else(|| Error::invalid("issue_id", "is not an issue in your scope"))?;
        let names = enterprise_names(conn, issue.enterprise_id)?;
        let mut check = Check::default();
        let question = check.text(
            "question",
            input.question.as_deref().unwrap_or(&q0),
            1,
            2_000,
        );
        let answer = check.text("answer", input.answer.as_deref().unwrap_or(&a0), 1, 5_000);
        for (field, text) in [("question", &question), ("answer", &answer)] {
            if let Some(n) = names.iter().find(|n| text.contains(n.as_str())) {
                check.add(field, format!("must not name the enterprise ({n})"));
            }
        }
        check.finish()?;
        let row = store::insert(
            conn,
            &NewKnowledge {
                issue_id: issue.id,
                category: issue.category,
                question: &question,
                answer: &answer,
                published_by: caller.id(),
                published_at: crate::store::now(),
            },
        )
        .map_err(unique_as("issue_id", "is already published as 政策问答"))?;
        Ok::<_, Error>(row)
    })?;
    Ok(Entry::from(row))
}

/// Every user: the newest first, or with `q` its best matches (at most `SEARCHED`).
pub fn list(conn: &mut DbConn, _caller: &Caller, q: KnowledgeQuery) -> Result<Paged<Entry>, Error> {
    let page = page(q.page, q.per_page)?;
    match q.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        None => {
            let (rows, total) = store::newest(conn, page)?;
            Ok(Paged::new(
                rows.into_iter().map(Entry::from).collect(),
                total,
                page,
            ))
        }
        Some(text) => {
            let Some(e) = words::expression(&words::of_query(text), Join::All) else {
                return Err(Error::invalid(
                    "q",
                    "has no word to search for (common words such as 的 or 问题 are not searched)",
                ));
            };
            let rows = store::matching(conn, &e, SEARCHED)?;
            let total = rows.len() as i64;
            let items = rows
                .into_iter()
                .skip(usize::try_from(page.offset()).unwrap_or(0))
                .take(usize::try_from(page.per_page).unwrap_or(0))
                .map(Entry::from)
                .collect();
            Ok(Paged::new(items, total, page))
        }
    }
}

pub fn get(conn: &mut DbConn, _caller: &Caller, id: i64) -> Result<Entry, Error> {
    store::get(conn, id)?
        .map(Entry::from)
        .ok_or_else(|| Error::not_found("政策问答"))
}

/// The published answer of an issue, if any.
pub fn of_issue(conn: &mut DbConn, issue_id: i64) -> Result<Option<Entry>, Error> {
    Ok(store::of_issue(conn, issue_id)?.map(Entry::from))
}

/// 类似问题已有答复: the closest to what someone is typing (any of its words, the best
/// matches first), at most `limit`.
pub fn closest(conn: &mut DbConn, text: &str, limit: i64) -> Result<Vec<Entry>, Error> {
    let words = words::keywords(text, "", 8);
    // Two words in common once there are three to share: one alone is chance.
    let join = if words.len() >= 3 {
        Join::AnyTwo
    } else {
        Join::Any
    };
    let Some(e) = words::expression(&words, join) else {
        return Ok(Vec::new());
    };
    Ok(store::matching(conn, &e, limit)?
        .into_iter()
        .map(Entry::from)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_enterprise_is_named_by_its_name_short_name_and_trade_name() {
        let places: Vec<String> = ["湖州市", "湖州", "德清县", "德清", "长兴"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        for (name, want) in [
            (
                "湖州通丰纺织有限公司",
                vec!["湖州通丰纺织有限公司", "湖州通丰纺织", "通丰公司", "通丰"],
            ),
            ("德清甲公司", vec!["德清甲公司", "德清甲"]),
            ("甲公司", vec!["甲公司"]),
            (
                "长兴乙丙新能源股份有限公司",
                vec![
                    "长兴乙丙新能源股份有限公司",
                    "长兴乙丙新能源",
                    "乙丙公司",
                    "乙丙",
                ],
            ),
        ] {
            assert_eq!(names_of(name, &places), want, "{name}");
        }
        let names = names_of("德清甲公司", &places);
        assert_eq!(
            without_names("德清甲公司申请贷款，德清甲急需资金", &names),
            "企业申请贷款，企业急需资金"
        );
        let names = names_of("湖州通丰纺织有限公司", &places);
        assert_eq!(
            without_names("通丰公司流动资金贷款到期，通丰订单在增长", &names),
            "企业流动资金贷款到期，企业订单在增长"
        );
    }
}
