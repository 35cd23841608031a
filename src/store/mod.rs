//! Database rows and queries, one module per table family. Functions here take a
//! connection and return rows; HTTP types live in `api/`.

pub mod assignments;
pub mod attachments;
pub mod audit;
pub mod calendar;
pub mod common;
pub mod departments;
pub mod enterprises;
pub mod filter;
pub mod fixed;
pub mod forums;
pub mod history;
pub mod issues;
pub mod kept;
pub mod knowledge;
pub mod measures;
pub mod notices;
pub mod regions;
pub mod reports;
pub mod schema;
pub mod scope;
pub mod search;
pub mod settings;
pub mod stats;
pub mod templates;
pub mod throttle;
pub mod users;

use chrono::{NaiveDateTime, SubsecRound, Utc};

/// The current instant as stored: UTC, to the microsecond (what PostgreSQL keeps), so that
/// both backends return the same value that was written.
pub fn now() -> NaiveDateTime {
    Utc::now().naive_utc().trunc_subsecs(6)
}

/// The row of a query by a unique key (`.load(conn).map(one_of)`), instead of diesel's
/// `first`: that adds a bound `LIMIT ?`, and SQLite prepares a statement with a bound
/// `LIMIT` again on every run, which cost five times the lookup itself.
pub fn one_of<T>(mut rows: Vec<T>) -> Option<T> {
    rows.pop()
}

/// A `LIKE` pattern matching `q` anywhere, with `%`, `_` and `\` in `q` taken literally
/// (use with `.escape('\\')`).
pub fn contains_pattern(q: &str) -> String {
    let mut p = String::with_capacity(q.len() + 2);
    p.push('%');
    for c in q.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

/// One page of a list: 1-based page number and its size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Page {
    pub page: i64,
    pub per_page: i64,
}

impl Page {
    pub fn offset(&self) -> i64 {
        (self.page - 1) * self.per_page
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_escape_wildcards() {
        let cases = [
            ("湖州", "%湖州%"),
            ("50%", "%50\\%%"),
            ("a_b", "%a\\_b%"),
            ("x\\y", "%x\\\\y%"),
        ];
        for (q, want) in cases {
            assert_eq!(contains_pattern(q), want);
        }
    }

    #[test]
    fn page_offsets() {
        assert_eq!(
            Page {
                page: 1,
                per_page: 20
            }
            .offset(),
            0
        );
        assert_eq!(
            Page {
                page: 3,
                per_page: 20
            }
            .offset(),
            40
        );
    }
}
