//! Pieces every operation uses: pages of lists, field checks, input helpers.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};

use crate::error::{Error, FieldError};
use crate::store::Page;

pub const DEFAULT_PER_PAGE: i64 = 20;
pub const MAX_PER_PAGE: i64 = 100;
/// Beyond this a page number is a mistake (and its offset would overflow).
pub const MAX_PAGE: i64 = 1_000_000;

/// `page` and `per_page` from a request, checked: page ≥ 1, 1 ≤ per_page ≤ 100.
pub fn page(page: Option<i64>, per_page: Option<i64>) -> Result<Page, Error> {
    let mut check = Check::default();
    let page = page.unwrap_or(1);
    let per_page = per_page.unwrap_or(DEFAULT_PER_PAGE);
    if !(1..=MAX_PAGE).contains(&page) {
        check.add("page", format!("must be between 1 and {MAX_PAGE}"));
    }
    if !(1..=MAX_PER_PAGE).contains(&per_page) {
        check.add("per_page", format!("must be between 1 and {MAX_PER_PAGE}"));
    }
    check.finish()?;
    Ok(Page { page, per_page })
}

/// A span of days a reader asks for: each day within range, and `to` not before `from`.
pub fn check_span(from: Option<NaiveDate>, to: Option<NaiveDate>) -> Result<(), Error> {
    let mut check = Check::default();
    check.opt_date("from", from);
    check.opt_date("to", to);
    check.finish()?;
    match (from, to) {
        (Some(f), Some(t)) if f > t => Err(Error::invalid("to", "is before from")),
        _ => Ok(()),
    }
}

/// The list envelope: `{"items", "total", "page", "per_page"}`.
#[derive(Serialize)]
pub struct Paged<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

impl<T> Paged<T> {
    pub fn new(items: Vec<T>, total: i64, page: Page) -> Self {
        Paged {
            items,
            total,
            page: page.page,
            per_page: page.per_page,
        }
    }
}

/// A stored UTC instant as an RFC 3339 timestamp.
pub fn utc(t: NaiveDateTime) -> DateTime<Utc> {
    DateTime::from_naive_utc_and_offset(t, Utc)
}

/// The largest id a client can name (what JavaScript holds exactly).
pub const MAX_ID: i64 = 9_007_199_254_740_991;

/// For id parameters of a query: 1 ..= `MAX_ID`, else the query is malformed.
pub fn opt_id<'de, D>(d: D) -> Result<Option<i64>, D::Error>
where
    D: Deserializer<'de>,
{
    let v = Option::<i64>::deserialize(d)?;
    match v {
        Some(id) if !(1..=MAX_ID).contains(&id) => Err(serde::de::Error::custom(format!(
            "an id must be between 1 and {MAX_ID}"
        ))),
        other => Ok(other),
    }
}

/// For PATCH fields that cannot be cleared: absent is None, a value is Some, and an
/// explicit null is refused as invalid rather than read as absent.
pub fn present<'de, T, D>(d: D) -> Result<Option<T>, D::Error>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    T::deserialize(d).map(Some)
}

/// For PATCH bodies: tells an absent field (None) from an explicit null (Some(None)).
pub fn nullable<'de, T, D>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// Collects field errors so that one answer names every bad field at once.
#[derive(Default)]
pub struct Check {
    errors: Vec<FieldError>,
}

impl Check {
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.errors.push(FieldError::new(field, message));
    }

    /// Trimmed text of `min..=max` characters.
    pub fn text(&mut self, field: &str, value: &str, min: usize, max: usize) -> String {
        let v = value.trim();
        let n = v.chars().count();
        if n < min {
            if min == 1 {
                self.add(field, "must not be empty");
            } else {
                self.add(field, format!("must be at least {min} characters"));
            }
        } else if n > max {
            self.add(field, format!("must be at most {max} characters"));
        }
        v.to_owned()
    }

    /// Optional trimmed text up to `max` characters; blank becomes None.
    pub fn opt_text(&mut self, field: &str, value: Option<&str>, max: usize) -> Option<String> {
        let v = value?.trim();
        if v.is_empty() {
            return None;
        }
        Some(self.text(field, v, 1, max))
    }

    /// A date someone entered: within `domain::time::FIRST_DAY..=LAST_DAY`.
    pub fn date(&mut self, field: &str, day: NaiveDate) {
        if let Some(why) = crate::domain::time::out_of_range(day) {
            self.add(field, why);
        }
    }

    /// An optional date someone entered (see `date`).
    pub fn opt_date(&mut self, field: &str, day: Option<NaiveDate>) {
        if let Some(day) = day {
            self.date(field, day);
        }
    }

    pub fn finish(self) -> Result<(), Error> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(Error::Invalid(self.errors))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paging_limits() {
        let cases = [
            (None, None, Some((1, 20))),
            (Some(2), Some(100), Some((2, 100))),
            (Some(0), None, None),
            (None, Some(101), None),
            (None, Some(0), None),
            (Some(1_000_001), None, None),
            (Some(i64::MAX), Some(100), None),
        ];
        for (p, pp, want) in cases {
            let got = page(p, pp).ok().map(|x| (x.page, x.per_page));
            assert_eq!(got, want, "{p:?} {pp:?}");
        }
    }

    #[test]
    fn text_checks() {
        let mut c = Check::default();
        assert_eq!(c.text("name", "  湖州  ", 1, 10), "湖州");
        assert_eq!(c.opt_text("phone", Some("   "), 5), None);
        assert!(c.errors.is_empty());
        c.text("name", " ", 1, 10);
        c.text("code", "abcdef", 1, 3);
        let fields: Vec<_> = c.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["name", "code"]);
    }
}
