//! Local dates. Calendar dates in the API are Asia/Shanghai dates; China keeps UTC+8 all
//! year (no daylight saving since 1991), so a fixed offset is exact.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, Utc};

/// UTC+8, checked when compiling.
pub const SHANGHAI: FixedOffset = match FixedOffset::east_opt(8 * 3600) {
    Some(offset) => offset,
    None => panic!("UTC+8 is a valid offset"),
};

pub fn shanghai() -> FixedOffset {
    SHANGHAI
}

/// Today's date in Shanghai.
pub fn today() -> NaiveDate {
    Utc::now().with_timezone(&shanghai()).date_naive()
}

/// The Shanghai date of a stored UTC instant.
pub fn local_date(t: NaiveDateTime) -> NaiveDate {
    DateTime::<Utc>::from_naive_utc_and_offset(t, Utc)
        .with_timezone(&shanghai())
        .date_naive()
}

/// The UTC instant at which a Shanghai date begins.
pub fn start_of(day: NaiveDate) -> NaiveDateTime {
    let local = day.and_hms_opt(0, 0, 0).unwrap_or_default();
    local - chrono::Duration::hours(8)
}

/// A date as Chinese text reads it: `2022年6月8日`.
pub fn zh_date(d: NaiveDate) -> String {
    use chrono::Datelike;
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}

/// A stored UTC instant as Shanghai local time in Chinese text: `2022年6月8日 14:30`.
pub fn zh_instant(t: NaiveDateTime) -> String {
    let local = DateTime::<Utc>::from_naive_utc_and_offset(t, Utc).with_timezone(&shanghai());
    format!("{} {}", zh_date(local.date_naive()), local.format("%H:%M"))
}

/// What a strict date's refusal begins with (the query reader turns it into a 422 naming
/// the parameter).
pub const NOT_A_DATE: &str = "not a date";

/// A date as `YYYY-MM-DD` exactly (zero-padded, year 0001 to 9999, a day that exists).
/// chrono alone also reads `2022-2-3` and `+10000-01-01`.
pub fn parse_strict_date(text: &str) -> Option<NaiveDate> {
    let b = text.as_bytes();
    let shape = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shape || text.starts_with("0000") {
        return None;
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

/// serde: an optional strict date (see `parse_strict_date`).
pub fn strict_date<'de, D>(de: D) -> Result<Option<NaiveDate>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    use serde::Deserialize;
    let text = Option::<String>::deserialize(de)?;
    match text {
        None => Ok(None),
        Some(t) => parse_strict_date(&t).map(Some).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "{NOT_A_DATE}: {t:?} (write YYYY-MM-DD, e.g. 2022-02-03)"
            ))
        }),
    }
}

/// The first and last day anyone may enter (a due date, a period, a holiday, an edition's
/// day): the service's records and spreadsheets read every day in between, and a day far
/// outside (`+10000-01-01`) is a mistake that would break a ledger or a reminder.
pub const FIRST_DAY: NaiveDate = match NaiveDate::from_ymd_opt(2000, 1, 1) {
    Some(d) => d,
    None => NaiveDate::MIN,
};
pub const LAST_DAY: NaiveDate = match NaiveDate::from_ymd_opt(2099, 12, 31) {
    Some(d) => d,
    None => NaiveDate::MAX,
};

/// Why a date someone entered is refused: outside `FIRST_DAY..=LAST_DAY`.
pub fn out_of_range(day: NaiveDate) -> Option<String> {
    (!(FIRST_DAY..=LAST_DAY).contains(&day))
        .then(|| format!("{day} lies outside {FIRST_DAY} to {LAST_DAY}"))
}

#[cfg(test)]
mod tests {

    #[test]
    fn dates_entered_lie_in_this_century() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default();
        for (day, ok) in [
            (d(2000, 1, 1), true),
            (d(2022, 6, 8), true),
            (d(2099, 12, 31), true),
            (d(1999, 12, 31), false),
            (d(2100, 1, 1), false),
            (d(1, 1, 1), false),
            (d(9999, 12, 31), false),
            (NaiveDate::MAX, false),
            (NaiveDate::MIN, false),
        ] {
            assert_eq!(out_of_range(day).is_none(), ok, "{day}");
        }
    }
    use super::*;

    #[test]
    fn shanghai_dates() {
        let t = |s: &str| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap_or_default();
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default();
        // 15:59 UTC is 23:59 in Shanghai; 16:00 UTC is the next day there.
        assert_eq!(local_date(t("2022-06-08 15:59:59")), d("2022-06-08"));
        assert_eq!(local_date(t("2022-06-08 16:00:00")), d("2022-06-09"));
        assert_eq!(start_of(d("2022-06-09")), t("2022-06-08 16:00:00"));
    }

    #[test]
    fn dates_are_read_strictly() {
        let cases = [
            ("2022-02-03", true),
            ("2024-02-29", true),
            ("2022-2-3", false),
            ("2022-02-3", false),
            ("22-02-03", false),
            ("0000-01-01", false),
            ("10000-01-01", false),
            ("+2022-02-03", false),
            ("2023-02-29", false),
            ("2022-13-01", false),
            ("2022/02/03", false),
            (" 2022-02-03", false),
            ("２０２２-02-03", false),
            ("", false),
        ];
        for (text, ok) in cases {
            assert_eq!(parse_strict_date(text).is_some(), ok, "{text:?}");
        }
    }
}
