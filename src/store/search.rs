//! The search index: each issue's words (`domain::words`) in the database's own full-text
//! engine, SQLite's FTS5 table `issue_search` or PostgreSQL's `issue_search_terms` with a
//! GIN index, read on both through one call, `issue_search('"贷款" AND "土地"')`, which
//! answers `(rowid, rank)`, the lowest rank the best match (migration 000025).
//!
//! An issue's entry is written in the transaction that files it or changes what it says
//! (an answer, its enterprise's name), so a search never misses a committed issue.
//!
//! An entry also holds the issue's places (migration 000029): a word for its region and
//! each region above it (`place`), which a search in a region's scope asks for, so the
//! index alone finds the region's matches. The scope's own condition still applies: a
//! place word only narrows.

use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Double, Nullable, Text};

use chrono::NaiveDateTime;

use super::filter::{condition, IssueFilter};
use super::schema::{enterprises, issues, regions};
use super::scope::{Filter, Scope};
use crate::db::{numbered, DbConn};
use crate::domain::words::{self, Weight};

/// Issues whose words match `expression` (`domain::words::expression`).
pub fn matching(expression: &str) -> Filter<issues::table> {
    Box::new(
        sql::<Bool>("issues.id IN (SELECT rowid FROM issue_search(")
            .bind::<Text, _>(expression.to_owned())
            .sql("))"),
    )
}

/// An issue's rank for `expression`, the lowest the best (NULL when it does not match): to
/// order by.
pub fn rank(
    expression: &str,
) -> Box<dyn BoxableExpression<issues::table, crate::db::MultiBackend, SqlType = Nullable<Double>>>
{
    Box::new(
        sql::<Nullable<Double>>("(SELECT s.rank FROM issue_search(")
            .bind::<Text, _>(expression.to_owned())
            .sql(") s WHERE s.rowid = issues.id)"),
    )
}

/// What marks a place word: a private-use character, which no text a user writes gives
/// as a word (`words` keeps letters and digits only), and which both engines index as a
/// letter (FTS5's unicode61 counts the private-use area among a token's characters).
const PLACE: char = '\u{E000}';

/// The word of a region in the index.
pub fn place(region_id: i64) -> String {
    format!("{PLACE}{region_id}")
}

/// The place words of an issue whose region has this path (`/1/4/`): the region's and
/// those of every region above it.
fn places(path: &str) -> Vec<String> {
    path.split('/')
        .filter(|s| !s.is_empty())
        .map(|s| format!("{PLACE}{s}"))
        .collect()
}

/// `expression` narrowed to issues in the regions given (by their place words).
pub fn placed(expression: &str, region_ids: &[i64]) -> String {
    let mut out = format!("({expression})");
    for r in region_ids {
        out.push_str(&format!(" AND \"{}\"", place(*r)));
    }
    out
}

/// What one issue says, as it is indexed, and the path of its region.
#[derive(Queryable)]
struct Doc {
    id: i64,
    title: String,
    description: String,
    answer: Option<String>,
    enterprise: String,
    path: String,
}

fn docs(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<Doc>> {
    issues::table
        .inner_join(enterprises::table.on(enterprises::id.eq(issues::enterprise_id)))
        .inner_join(regions::table.on(regions::id.eq(issues::region_id)))
        .filter(issues::id.eq_any(ids))
        .select((
            issues::id,
            issues::title,
            issues::description,
            issues::answer_text,
            enterprises::name,
            regions::path,
        ))
        .load(conn)
}

fn write(conn: &mut DbConn, d: &Doc) -> QueryResult<()> {
    let answer = d.answer.as_deref().unwrap_or("");
    match conn {
        DbConn::Sqlite(_) => {
            diesel::sql_query("DELETE FROM issue_search WHERE rowid = ?")
                .bind::<BigInt, _>(d.id)
                .execute(conn)?;
            diesel::sql_query(
                "INSERT INTO issue_search (rowid, title, description, answer, enterprise, place) \
                 VALUES (?, ?, ?, ?, ?, ?)",
            )
            .bind::<BigInt, _>(d.id)
            .bind::<Text, _>(words::column(&d.title))
            .bind::<Text, _>(words::column(&d.description))
            .bind::<Text, _>(words::column(answer))
            .bind::<Text, _>(words::column(&d.enterprise))
            .bind::<Text, _>(places(&d.path).join(" "))
            .execute(conn)?;
        }
        DbConn::Pg(_) => {
            let mut terms = words::tsvector(&[
                (&d.title, Weight::A),
                (&d.description, Weight::B),
                (answer, Weight::C),
                (&d.enterprise, Weight::D),
            ]);
            // Without positions: a rank reads only the words searched for.
            for p in places(&d.path) {
                terms.push_str(&format!(" '{p}'"));
            }
            diesel::sql_query(
                "INSERT INTO issue_search_terms (issue_id, terms) VALUES ($1, CAST($2 AS tsvector)) \
                 ON CONFLICT (issue_id) DO UPDATE SET terms = EXCLUDED.terms",
            )
            .bind::<BigInt, _>(d.id)
            .bind::<Text, _>(terms)
            .execute(conn)?;
        }
    }
    Ok(())
}

/// Writes the entries of these issues as they now read (the caller's transaction).
pub fn index(conn: &mut DbConn, ids: &[i64]) -> QueryResult<()> {
    for d in docs(conn, ids)? {
        write(conn, &d)?;
    }
    Ok(())
}

/// Writes again the place words of the issues in the regions under `path` (a region moved
/// under another parent, in the transaction that moves it).
pub fn replace_places(conn: &mut DbConn, path: &str) -> QueryResult<()> {
    let (from, until) = super::scope::path_range(path);
    let moved: Vec<(i64, String)> = regions::table
        .filter(regions::path.ge(from).and(regions::path.lt(until)))
        .select((regions::id, regions::path))
        .load(conn)?;
    let sql = match conn {
        DbConn::Sqlite(_) => {
            "UPDATE issue_search SET place = $1 \
             WHERE rowid IN (SELECT id FROM issues WHERE region_id = $2)"
        }
        DbConn::Pg(_) => {
            "UPDATE issue_search_terms SET terms = ts_delete(terms, ARRAY( \
               SELECT u.lexeme FROM unnest(terms) u WHERE starts_with(u.lexeme, chr(57344)))) \
               || array_to_tsvector(string_to_array($1, ' ')) \
             WHERE issue_id IN (SELECT id FROM issues WHERE region_id = $2)"
        }
    };
    let sql = numbered(conn, sql);
    for (id, path) in moved {
        diesel::sql_query(&sql)
            .bind::<Text, _>(places(&path).join(" "))
            .bind::<BigInt, _>(id)
            .execute(conn)?;
    }
    Ok(())
}

/// Writes again the entries of an enterprise's issues (its name is searched).
pub fn index_enterprise(conn: &mut DbConn, enterprise_id: i64) -> QueryResult<()> {
    let ids: Vec<i64> = issues::table
        .filter(issues::enterprise_id.eq(enterprise_id))
        .select(issues::id)
        .load(conn)?;
    for chunk in ids.chunks(500) {
        index(conn, chunk)?;
    }
    Ok(())
}

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// Indexes every 政策问答 that has no entry yet (those copied in bulk); how many.
fn catch_up_knowledge(conn: &mut DbConn) -> QueryResult<usize> {
    use super::schema::knowledge;
    let missing = match conn {
        DbConn::Sqlite(_) => {
            "SELECT id FROM knowledge WHERE id NOT IN (SELECT rowid FROM knowledge_search)"
        }
        DbConn::Pg(_) => {
            "SELECT id FROM knowledge k WHERE NOT EXISTS \
             (SELECT 1 FROM knowledge_search_terms s WHERE s.knowledge_id = k.id)"
        }
    };
    let ids: Vec<i64> = diesel::sql_query(missing)
        .load::<Id>(conn)?
        .into_iter()
        .map(|r| r.id)
        .collect();
    for chunk in ids.chunks(500) {
        let rows: Vec<(i64, String, String)> = knowledge::table
            .filter(knowledge::id.eq_any(chunk))
            .select((knowledge::id, knowledge::question, knowledge::answer))
            .load(conn)?;
        crate::db::write_tx(conn, |conn| {
            for (id, q, a) in &rows {
                index_knowledge(conn, *id, q, a)?;
            }
            Ok::<_, diesel::result::Error>(())
        })?;
    }
    Ok(ids.len())
}

/// Indexes every issue that has no entry yet (those filed before the index existed, or
/// loaded in bulk), in batches of a transaction each; `progress` hears of each batch.
/// Returns how many were indexed.
pub fn catch_up(conn: &mut DbConn, progress: &mut dyn FnMut(usize)) -> QueryResult<usize> {
    const BATCH: i64 = 1_000;
    let missing = match conn {
        DbConn::Sqlite(_) => {
            "SELECT id FROM issues WHERE id > $1 \
             AND id NOT IN (SELECT rowid FROM issue_search WHERE rowid > $1) ORDER BY id LIMIT $2"
        }
        DbConn::Pg(_) => {
            "SELECT id FROM issues i WHERE id > $1 \
             AND NOT EXISTS (SELECT 1 FROM issue_search_terms s WHERE s.issue_id = i.id) \
             ORDER BY id LIMIT $2"
        }
    };
    let missing = numbered(conn, missing);
    let (mut after, mut done) = (0i64, catch_up_knowledge(conn)?);
    loop {
        let ids: Vec<i64> = diesel::sql_query(&missing)
            .bind::<BigInt, _>(after)
            .bind::<BigInt, _>(BATCH)
            .load::<Id>(conn)?
            .into_iter()
            .map(|r| r.id)
            .collect();
        let Some(last) = ids.last() else {
            return Ok(done);
        };
        after = *last;
        crate::db::write_tx(conn, |conn| index(conn, &ids))?;
        done += ids.len();
        progress(done);
    }
}

/// Where similar issues are looked for: the caller's scope, never the issue itself nor a
/// withdrawn or merged one; for a suggestion, only earlier answered issues with a lead
/// department, of one region.
pub struct Within<'a> {
    pub scope: &'a Scope,
    pub except: i64,
    pub region_id: Option<i64>,
    pub filed_before: Option<NaiveDateTime>,
    pub answered: bool,
}

/// How many of the best matches overall `nearest` looks among: the index ranks them in one
/// pass; a correlated rank per issue would evaluate the whole query again for each.
const CANDIDATES: i64 = 1_000;

#[derive(QueryableByName)]
struct Ranked {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Double)]
    r: f64,
}

/// A full-text index, read through its function (`issue_search`, `knowledge_search`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Index {
    Issues,
    Knowledge,
}

/// How many of the newest matches `best` ranks in the issues' index: a million issues hold
/// tens of thousands sharing two common words, and ranking them all took PostgreSQL a
/// third of a second.
pub const NEWEST: i64 = 5_000;

/// The newest `limit` matches of `expression` in the issues' index, newest first, each
/// with its rank for `words` (the search's own words: `expression` may add place words).
/// A search `narrowed` by place words finds every match in PostgreSQL's index first: its
/// matches are a small share of all issues (a district's 8,600 of a million for 贷款), and
/// that takes 17 ms where walking the entries backwards and testing each, which the planner
/// prefers, took 110–270; otherwise the planner chooses (walking backwards finds the newest
/// 2,000 of 贷款's 60,000 matches in 6 ms). SQLite's FTS5 reads its lists newest first and
/// ranks as it goes (the place column weighs nothing in its bm25).
pub fn newest(
    conn: &mut DbConn,
    expression: &str,
    words: &str,
    limit: i64,
    narrowed: bool,
) -> QueryResult<Vec<(i64, f64)>> {
    let in_advance = narrowed && matches!(conn, DbConn::Pg(_));
    let sql = if in_advance {
        "WITH m AS MATERIALIZED (SELECT rowid FROM issue_search($1)), \
           top AS (SELECT rowid FROM m ORDER BY rowid DESC LIMIT $3) \
         SELECT top.rowid AS id, \
           COALESCE((SELECT s.rank FROM issue_search($2) s WHERE s.rowid = top.rowid), 0) AS r \
         FROM top ORDER BY top.rowid DESC"
    } else {
        "SELECT rowid AS id, rank AS r FROM issue_search($1) ORDER BY rowid DESC LIMIT $2"
    };
    let mut q = diesel::sql_query(numbered(conn, sql))
        .into_boxed::<crate::db::MultiBackend>()
        .bind::<Text, _>(expression.to_owned());
    if in_advance {
        q = q.bind::<Text, _>(words.to_owned());
    }
    let q = q.bind::<BigInt, _>(limit);
    Ok(q.load::<Ranked>(conn)?
        .into_iter()
        .map(|r| (r.id, r.r))
        .collect())
}

/// The ranks for `expression` of the issues `ids` that match it. PostgreSQL ranks each by
/// its key; SQLite ranks every match in one pass (a rank read per issue would gather the
/// words' statistics again for each).
pub fn ranks(
    conn: &mut DbConn,
    expression: &str,
    ids: &[i64],
) -> QueryResult<std::collections::HashMap<i64, f64>> {
    match conn {
        DbConn::Pg(_) => Ok(issues::table
            .filter(issues::id.eq_any(ids))
            .select((issues::id, rank(expression)))
            .load::<(i64, Option<f64>)>(conn)?
            .into_iter()
            .filter_map(|(id, r)| Some((id, r?)))
            .collect()),
        DbConn::Sqlite(_) => {
            let wanted: std::collections::HashSet<i64> = ids.iter().copied().collect();
            Ok(
                diesel::sql_query("SELECT rowid AS id, rank AS r FROM issue_search(?)")
                    .bind::<Text, _>(expression)
                    .load::<Ranked>(conn)?
                    .into_iter()
                    .filter(|r| wanted.contains(&r.id))
                    .map(|r| (r.id, r.r))
                    .collect(),
            )
        }
    }
}

/// Of `words`, those said by more than `share` of the indexed issues (0 to 1) once the
/// index holds at least `from` issues (below that every word's list is short), as the
/// database's own statistics know them: PostgreSQL's most common elements of the index
/// column (kept by ANALYZE; a word it does not list is rarer than those it does) and its
/// estimate of the entries, SQLite's document counts of the index's vocabulary
/// (`issue_search_vocab`) and its highest entry. Reading a common word's list of issues is
/// what makes a search of many words slow.
pub fn common_words(
    conn: &mut DbConn,
    words: &[String],
    share: f64,
    from: i64,
) -> QueryResult<std::collections::HashSet<String>> {
    #[derive(QueryableByName)]
    struct Common {
        #[diesel(sql_type = Text)]
        word: String,
    }
    if words.is_empty() {
        return Ok(Default::default());
    }
    // Words are letters and digits: a space parts them.
    let listed = words.join(" ");
    let rows: Vec<Common> = match conn {
        DbConn::Pg(_) => diesel::sql_query(
            "SELECT e.word FROM pg_stats p, \
               unnest(CAST(CAST(p.most_common_elems AS TEXT) AS TEXT[]), p.most_common_elem_freqs) \
               AS e(word, freq) \
             WHERE p.schemaname = current_schema() AND p.tablename = 'issue_search_terms' \
               AND p.attname = 'terms' AND e.word = ANY(string_to_array($1, ' ')) AND e.freq > $2 \
               AND (SELECT reltuples FROM pg_class WHERE oid = CAST('issue_search_terms' AS regclass)) >= $3",
        )
        .bind::<Text, _>(listed)
        .bind::<Double, _>(share)
        .bind::<BigInt, _>(from)
        .load(conn)?,
        DbConn::Sqlite(_) => {
            let list = serde_json::Value::from(words.to_vec()).to_string();
            diesel::sql_query(
                "WITH n AS (SELECT COALESCE(MAX(rowid), 0) AS n FROM issue_search) \
                 SELECT term AS word FROM issue_search_vocab, n \
                 WHERE term IN (SELECT value FROM json_each(?)) AND doc > ? * n.n AND n.n >= ?",
            )
            .bind::<Text, _>(list)
            .bind::<Double, _>(share)
            .bind::<BigInt, _>(from)
            .load(conn)?
        }
    };
    Ok(rows.into_iter().map(|r| r.word).collect())
}

/// The best `limit` matches of `expression` in an index, best first: (id, rank), the
/// lowest rank the best, ranked in one pass among the newest `NEWEST` matches.
pub fn best(
    conn: &mut DbConn,
    index: Index,
    expression: &str,
    limit: i64,
) -> QueryResult<Vec<(i64, f64)>> {
    let sql = match index {
        Index::Issues => {
            "SELECT id, r FROM (SELECT rowid AS id, rank AS r FROM issue_search($1) \
             ORDER BY rowid DESC LIMIT $3) newest ORDER BY r, id DESC LIMIT $2"
        }
        Index::Knowledge => {
            "SELECT id, r FROM (SELECT rowid AS id, rank AS r FROM knowledge_search($1) \
             ORDER BY rowid DESC LIMIT $3) newest ORDER BY r, id DESC LIMIT $2"
        }
    };
    let sql = numbered(conn, sql);
    Ok(diesel::sql_query(sql)
        .bind::<Text, _>(expression)
        .bind::<BigInt, _>(limit)
        .bind::<BigInt, _>(NEWEST)
        .load::<Ranked>(conn)?
        .into_iter()
        .map(|r| (r.id, r.r))
        .collect())
}

/// Writes the entry of one 政策问答 (the caller's transaction).
pub fn index_knowledge(
    conn: &mut DbConn,
    id: i64,
    question: &str,
    answer: &str,
) -> QueryResult<()> {
    match conn {
        DbConn::Sqlite(_) => {
            diesel::sql_query("DELETE FROM knowledge_search WHERE rowid = ?")
                .bind::<BigInt, _>(id)
                .execute(conn)?;
            diesel::sql_query(
                "INSERT INTO knowledge_search (rowid, question, answer) VALUES (?, ?, ?)",
            )
            .bind::<BigInt, _>(id)
            .bind::<Text, _>(words::column(question))
            .bind::<Text, _>(words::column(answer))
            .execute(conn)?;
        }
        DbConn::Pg(_) => {
            let terms = words::tsvector(&[(question, Weight::A), (answer, Weight::B)]);
            diesel::sql_query(
                "INSERT INTO knowledge_search_terms (knowledge_id, terms) \
                 VALUES ($1, CAST($2 AS tsvector)) \
                 ON CONFLICT (knowledge_id) DO UPDATE SET terms = EXCLUDED.terms",
            )
            .bind::<BigInt, _>(id)
            .bind::<Text, _>(terms)
            .execute(conn)?;
        }
    }
    Ok(())
}

/// The issues matching `expression` in `within`, best first, with their ranks (the lowest
/// the best): at most `limit`, found among the best `CANDIDATES` matches of all issues.
pub fn nearest(
    conn: &mut DbConn,
    within: &Within,
    expression: &str,
    limit: i64,
) -> QueryResult<Vec<(i64, f64)>> {
    let ranked = best(conn, Index::Issues, expression, CANDIDATES)?;
    let ids: Vec<i64> = ranked.iter().map(|r| r.0).collect();
    let mut q = issues::table
        .filter(condition(
            within.scope,
            &IssueFilter {
                hide_withdrawn: true,
                ..IssueFilter::default()
            },
        ))
        .filter(issues::id.eq_any(&ids))
        .filter(issues::id.ne(within.except))
        .filter(issues::merged_into.is_null())
        .into_boxed();
    if let Some(r) = within.region_id {
        q = q.filter(issues::region_id.eq(r));
    }
    if let Some(t) = within.filed_before {
        q = q.filter(issues::created_at.lt(t));
    }
    if within.answered {
        q = q
            .filter(issues::lead_department_id.is_not_null())
            .filter(issues::first_answered_at.is_not_null());
    }
    let kept: std::collections::HashSet<i64> = q
        .select(issues::id)
        .load::<i64>(conn)?
        .into_iter()
        .collect();
    Ok(ranked
        .into_iter()
        .filter(|r| kept.contains(&r.0))
        .take(usize::try_from(limit).unwrap_or(0))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_issue_is_placed_in_its_region_and_every_region_above() {
        let cases: &[(&str, &[&str])] = &[
            ("/1/", &["\u{E000}1"]),
            ("/1/4/", &["\u{E000}1", "\u{E000}4"]),
            ("/1/4/27/", &["\u{E000}1", "\u{E000}4", "\u{E000}27"]),
            ("/", &[]),
        ];
        for (path, want) in cases {
            assert_eq!(places(path), *want, "{path}");
        }
    }

    #[test]
    fn a_place_narrows_a_search_and_no_typed_text_gives_a_place_word() {
        assert_eq!(
            placed("\"贷款\" OR \"融资\"", &[4, 27]),
            "(\"贷款\" OR \"融资\") AND \"\u{E000}4\" AND \"\u{E000}27\""
        );
        assert_eq!(placed("\"贷款\"", &[]), "(\"贷款\")");
        for typed in ["\u{E000}4", "x\u{E000}4", "\u{E000}"] {
            assert!(
                words::of_query(typed).iter().all(|w| !w.contains(PLACE)),
                "{typed:?}"
            );
            assert!(!words::column(typed).contains(PLACE), "{typed:?}");
        }
    }
}
