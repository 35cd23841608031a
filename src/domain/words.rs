//! Words of Chinese text, as search reads them: jieba's segmentation, normalised to what
//! both databases' full-text engines index (SQLite FTS5 and a PostgreSQL `tsvector`).
//!
//! Both engines receive text already cut into words, separated by spaces: neither needs a
//! Chinese tokenizer of its own, and the two index the same words. A document is cut the
//! way a search engine indexes (`cut_for_search`: 中小企业 also as 中小 and 企业); a query
//! the plain way (its longest words), so 贷款 finds 贷款 and never 贷 or 款 alone.

use std::collections::{BTreeMap, HashSet};
use std::sync::LazyLock;

use jieba_rs::{Jieba, KeywordExtract, TfIdf};

/// The segmenter and its dictionary, loaded once (about a tenth of a second).
static JIEBA: LazyLock<Jieba> = LazyLock::new(Jieba::new);

/// How rare each word is in Chinese at large (jieba's IDF table): what makes a word a
/// keyword of an issue.
static TFIDF: LazyLock<TfIdf> = LazyLock::new(TfIdf::default);

/// Loads the dictionaries now, so the first search after a start does not wait for them.
pub fn warm() {
    LazyLock::force(&JIEBA);
    LazyLock::force(&TFIDF);
}

/// The `k` words that best tell an issue apart (TF-IDF), the title's counted twice: what
/// similar issues share.
pub fn keywords(title: &str, description: &str, k: usize) -> Vec<String> {
    let text = format!("{title}。{title}。{description}");
    let mut out = Vec::new();
    for kw in TFIDF.extract_keywords(&JIEBA, &text, k * 2, Vec::new()) {
        normalised(&kw.keyword, &mut out);
    }
    let mut seen = HashSet::new();
    out.retain(|w| w.chars().count() >= 2 && seen.insert(w.clone()));
    out.truncate(k);
    out
}

/// Words too common to tell issues apart: never indexed, never searched for.
const STOP: &[&str] = &[
    "的", "了", "和", "与", "及", "或", "在", "是", "为", "对", "等", "也", "就", "都", "而", "我",
    "我们", "你", "您", "他", "她", "它", "这", "那", "有", "被", "把", "让", "从", "向", "将",
    "以", "于", "之", "其", "个", "吗", "呢", "吧", "啊", "请", "希望", "能否", "一些", "一个",
    "进行", "相关", "目前", "问题", "情况", "方面", "企业", "公司",
];

/// A longer run of letters is not a word anyone searches for (a pasted code or link).
const LONGEST: usize = 32;

static STOPS: LazyLock<HashSet<&'static str>> = LazyLock::new(|| STOP.iter().copied().collect());

/// The searchable words of one token: lower case, runs of letters and digits (a token
/// like `A-1` gives `a` and `1`); stop words and overlong runs left out.
fn normalised(token: &str, out: &mut Vec<String>) {
    for run in token.split(|c: char| !c.is_alphanumeric()) {
        if run.is_empty() || run.chars().count() > LONGEST {
            continue;
        }
        let w = run.to_lowercase();
        if !STOPS.contains(w.as_str()) {
            out.push(w);
        }
    }
}

/// The words of a document, in order, repeats kept (positions rank), sub-words included.
pub fn of_document(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for t in JIEBA.cut_for_search(text, true) {
        normalised(t.word, &mut out);
    }
    out
}

/// The most words a query is read for: a search of more says no more (and SQLite's FTS5
/// refuses an expression nested deeper than 256).
pub const QUERY_WORDS: usize = 32;

/// The words of a query, each once, in the order typed (the first `QUERY_WORDS`).
pub fn of_query(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for t in JIEBA.cut(text, true) {
        normalised(t.word, &mut out);
    }
    let mut seen = HashSet::new();
    out.retain(|w| seen.insert(w.clone()));
    out.truncate(QUERY_WORDS);
    out
}

/// A document's text as the SQLite index stores a column: its words, space-separated.
pub fn column(text: &str) -> String {
    of_document(text).join(" ")
}

/// The weight of a field in the PostgreSQL vector (A counts most).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Weight {
    A,
    B,
    C,
    D,
}

impl Weight {
    fn letter(self) -> char {
        match self {
            Weight::A => 'A',
            Weight::B => 'B',
            Weight::C => 'C',
            Weight::D => 'D',
        }
    }
}

/// A PostgreSQL `tsvector` literal of the fields' words, each with its positions and its
/// field's weight (`'贷款':1A,9C`). Words are letters and digits only, so they need no
/// quoting inside the quotes; positions stop at PostgreSQL's limit of 16,383.
pub fn tsvector(fields: &[(&str, Weight)]) -> String {
    let mut at: BTreeMap<String, Vec<(usize, Weight)>> = BTreeMap::new();
    let mut pos = 0usize;
    for (text, weight) in fields {
        for w in of_document(text) {
            pos = (pos + 1).min(16_383);
            let list = at.entry(w).or_default();
            // A lexeme holds at most 256 positions.
            if list.len() < 256 && list.last().map(|(p, _)| *p) != Some(pos) {
                list.push((pos, *weight));
            }
        }
    }
    let mut out = String::new();
    for (w, list) in at {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push('\'');
        out.push_str(&w);
        out.push_str("':");
        for (i, (p, weight)) in list.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&p.to_string());
            out.push(weight.letter());
        }
    }
    out
}

/// How a query's words combine: every word (a search), any, or any two (similar issues:
/// one shared word is chance, two are a likeness, and the index finds them alone).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Join {
    All,
    Any,
    AnyTwo,
}

/// A query in the one syntax both databases are given: quoted words joined by ` AND ` or
/// ` OR ` (FTS5's own; PostgreSQL's `issue_search` function reads it as a `tsquery`).
/// None when the text has no searchable word.
pub fn expression(words: &[String], join: Join) -> Option<String> {
    if words.is_empty() {
        return None;
    }
    let sep = match join {
        Join::All => " AND ",
        Join::Any => " OR ",
        Join::AnyTwo if words.len() < 2 => " OR ",
        Join::AnyTwo => {
            let mut pairs = Vec::new();
            for (i, a) in words.iter().enumerate() {
                for b in &words[i + 1..] {
                    pairs.push(format!("(\"{a}\" AND \"{b}\")"));
                }
            }
            return Some(pairs.join(" OR "));
        }
    };
    Some(
        words
            .iter()
            .map(|w| format!("\"{w}\""))
            .collect::<Vec<_>>()
            .join(sep),
    )
}

/// `text` in pieces, those that are one of `words` (compared in lower case) marked: what a
/// page shows highlighted.
pub fn marked(text: &str, words: &[String]) -> Vec<(String, bool)> {
    let mut out: Vec<(String, bool)> = Vec::new();
    let mut push = |s: &str, m: bool| match out.last_mut() {
        Some((last, lm)) if *lm == m => last.push_str(s),
        _ => out.push((s.to_owned(), m)),
    };
    let lower: Vec<(usize, char)> = text.char_indices().collect();
    let mut i = 0;
    'outer: while i < lower.len() {
        let (start, _) = lower[i];
        for w in words {
            let n = w.chars().count();
            if i + n <= lower.len() {
                let end = lower.get(i + n).map(|(b, _)| *b).unwrap_or(text.len());
                if text[start..end].to_lowercase() == *w {
                    push(&text[start..end], true);
                    i += n;
                    continue 'outer;
                }
            }
        }
        let end = lower.get(i + 1).map(|(b, _)| *b).unwrap_or(text.len());
        push(&text[start..end], false);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_query_keeps_its_longest_words() {
        for (text, words) in [
            ("贷款", vec!["贷款"]),
            ("贷款难", vec!["贷款", "难"]),
            ("申请贷款的问题", vec!["申请", "贷款"]),
            ("  ", vec![]),
            ("，。！", vec![]),
            ("ABC-12 贷款 贷款", vec!["abc", "12", "贷款"]),
            ("贷\u{0}款", vec!["贷", "款"]),
        ] {
            assert_eq!(of_query(text), strings(&words), "{text}");
        }
        let many: String = (0..500).map(|i| format!("词{i} ")).collect();
        assert_eq!(of_query(&many).len(), QUERY_WORDS);
    }

    #[test]
    fn a_document_is_indexed_with_its_sub_words() {
        let words = of_document("中小企业融资贷款");
        for w in ["中小", "中小企业", "融资", "贷款"] {
            assert!(words.iter().any(|x| x == w), "{w} in {words:?}");
        }
        assert!(!words.iter().any(|x| x == "贷" || x == "款"), "{words:?}");
    }

    #[test]
    fn the_expression_quotes_each_word() {
        assert_eq!(
            expression(&strings(&["贷款", "土地"]), Join::All).as_deref(),
            Some("\"贷款\" AND \"土地\"")
        );
        assert_eq!(
            expression(&strings(&["贷款", "土地"]), Join::Any).as_deref(),
            Some("\"贷款\" OR \"土地\"")
        );
        assert_eq!(
            expression(&strings(&["a", "b", "c"]), Join::AnyTwo).as_deref(),
            Some("(\"a\" AND \"b\") OR (\"a\" AND \"c\") OR (\"b\" AND \"c\")")
        );
        assert_eq!(
            expression(&strings(&["a"]), Join::AnyTwo).as_deref(),
            Some("\"a\"")
        );
        assert_eq!(expression(&[], Join::All), None);
    }

    #[test]
    fn keywords_are_the_words_that_tell_an_issue_apart() {
        let k = keywords(
            "用地指标迟迟未落实",
            "我公司年产能扩大需新增用地30亩，用地指标一直没有落实。",
            4,
        );
        assert!(k.contains(&"用地".to_string()), "{k:?}");
        assert!(k.contains(&"指标".to_string()), "{k:?}");
        assert!(k.len() <= 4, "{k:?}");
        assert!(!k.iter().any(|w| STOPS.contains(w.as_str())), "{k:?}");
    }

    #[test]
    fn the_vector_weighs_each_field() {
        let v = tsvector(&[("贷款", Weight::A), ("贷款审批", Weight::C)]);
        assert!(v.starts_with('\''), "{v}");
        assert!(v.contains("'贷款':1A,2C"), "{v}");
        assert!(v.contains("'审批':3C"), "{v}");
        assert_eq!(tsvector(&[("", Weight::A)]), "");
    }

    #[test]
    fn marks_fall_on_the_words_searched_for() {
        let m = marked("申请Loan贷款，贷款难", &strings(&["贷款", "loan"]));
        assert_eq!(
            m,
            vec![
                ("申请".to_string(), false),
                ("Loan贷款".to_string(), true),
                ("，".to_string(), false),
                ("贷款".to_string(), true),
                ("难".to_string(), false),
            ]
        );
        assert_eq!(marked("", &strings(&["a"])), vec![]);
    }
}
