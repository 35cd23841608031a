//! Numbers, dates and rates written as a Chinese government reader expects them:
//! `2,229`, `98.75%`, `2022年6月8日`.

use chrono::{DateTime, NaiveDate, Utc};

use crate::domain::time;
use crate::service::figures::Rate;

pub use crate::domain::zh::count;

/// `98.75%`, or `—` over nothing.
pub fn percent(r: &Rate) -> String {
    r.zh()
}

/// `1,975 / 2,000`: what a rate is made of.
pub fn fraction(r: &Rate) -> String {
    r.parts()
}

/// `2022年6月8日`.
pub fn date(d: NaiveDate) -> String {
    time::zh_date(d)
}

/// An instant as a Shanghai local time: `2022年6月8日 14:30`.
pub fn instant(t: DateTime<Utc>) -> String {
    time::zh_instant(t.naive_utc())
}

pub use crate::domain::filetype::size_words as file_size;

/// The change of a count against the previous period: `较上期 +12`, `较上期 −3`, `与上期持平`.
pub fn count_change(now: i64, before: i64) -> String {
    let d = now - before;
    match d.signum() {
        1 => format!("较上期 +{}", count(d)),
        -1 => format!("较上期 −{}", count(-d)),
        _ => "与上期持平".into(),
    }
}

/// The change of a rate in percentage points: `较上期 +0.50个百分点`.
pub fn rate_change(now: &Rate, before: &Rate) -> String {
    match (now.percent, before.percent) {
        (Some(a), Some(b)) => {
            let d = ((a - b) * 100.0).round() / 100.0;
            if d > 0.0 {
                format!("较上期 +{d:.2}个百分点")
            } else if d < 0.0 {
                format!("较上期 −{:.2}个百分点", -d)
            } else {
                "与上期持平".into()
            }
        }
        _ => "上期无数据".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::figures::rate;

    #[test]
    fn a_file_size_reads_as_people_say_it() {
        for (bytes, want) in [
            (0, "0 B"),
            (812, "812 B"),
            (1024, "1 KB"),
            (36_045, "35.2 KB"),
            (4_928_307, "4.7 MB"),
            (10 * 1024 * 1024, "10 MB"),
        ] {
            assert_eq!(file_size(bytes), want);
        }
    }

    #[test]
    fn numbers_and_rates() {
        let cases = [
            (0, "0"),
            (7, "7"),
            (999, "999"),
            (1000, "1,000"),
            (2229, "2,229"),
            (1234567, "1,234,567"),
            (-1576, "-1,576"),
        ];
        for (n, want) in cases {
            assert_eq!(count(n), want);
        }
        assert_eq!(percent(&rate(1975, 2000)), "98.75%");
        assert_eq!(percent(&rate(0, 0)), "—");
        assert_eq!(fraction(&rate(1975, 2000)), "1,975 / 2,000");
        assert_eq!(count_change(10, 7), "较上期 +3");
        assert_eq!(count_change(7, 10), "较上期 −3");
        assert_eq!(count_change(7, 7), "与上期持平");
        assert_eq!(
            rate_change(&rate(99, 100), &rate(49, 50)),
            "较上期 +1.00个百分点"
        );
        assert_eq!(rate_change(&rate(1, 2), &rate(0, 0)), "上期无数据");
    }

    #[test]
    fn chinese_dates() {
        let d = NaiveDate::from_ymd_opt(2022, 6, 8).unwrap_or_default();
        assert_eq!(date(d), "2022年6月8日");
    }
}
