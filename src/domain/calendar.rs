//! The working-day calendar. A day is a working day when it is a weekday that is not a
//! statutory holiday, or an adjusted working day (调休, usually a Saturday or Sunday).
//! Due dates are counted in working days: "N working days after D" starts the day after D.

use std::collections::HashSet;

use chrono::{Datelike, Days, NaiveDate, Weekday};

#[derive(Clone, Debug, Default)]
pub struct WorkCalendar {
    holidays: HashSet<NaiveDate>,
    workdays: HashSet<NaiveDate>,
}

impl WorkCalendar {
    pub fn new(
        holidays: impl IntoIterator<Item = NaiveDate>,
        workdays: impl IntoIterator<Item = NaiveDate>,
    ) -> Self {
        WorkCalendar {
            holidays: holidays.into_iter().collect(),
            workdays: workdays.into_iter().collect(),
        }
    }

    pub fn is_working_day(&self, day: NaiveDate) -> bool {
        if self.workdays.contains(&day) {
            return true;
        }
        if self.holidays.contains(&day) {
            return false;
        }
        !matches!(day.weekday(), Weekday::Sat | Weekday::Sun)
    }

    /// The date `n` working days after `from` (`from` itself is not counted). With `n` = 0,
    /// `from` itself.
    pub fn add_working_days(&self, from: NaiveDate, n: u32) -> NaiveDate {
        let mut day = from;
        let mut left = n;
        while left > 0 {
            day = match day.checked_add_days(Days::new(1)) {
                Some(d) => d,
                None => return day,
            };
            if self.is_working_day(day) {
                left -= 1;
            }
        }
        day
    }

    /// Working days in (from, to]: the days after `from` up to and including `to`.
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> i64 {
        from.iter_days()
            .skip(1)
            .take_while(|d| *d <= to)
            .filter(|d| self.is_working_day(*d))
            .count() as i64
    }
}

/// The State Council's published schedules (holidays, adjusted working days) the service
/// ships with; administrators set other years with `PUT /api/v1/calendar/{year}`.
pub mod official {
    use chrono::NaiveDate;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
    }

    fn span(from: &str, to: &str) -> Vec<NaiveDate> {
        d(from).iter_days().take_while(|x| *x <= d(to)).collect()
    }

    /// 国务院办公厅关于2022年部分节假日安排的通知 (国办发明电〔2021〕11号).
    pub fn year_2022() -> (Vec<NaiveDate>, Vec<NaiveDate>) {
        let holidays = [
            span("2022-01-01", "2022-01-03"),
            span("2022-01-31", "2022-02-06"),
            span("2022-04-03", "2022-04-05"),
            span("2022-04-30", "2022-05-04"),
            span("2022-06-03", "2022-06-05"),
            span("2022-09-10", "2022-09-12"),
            span("2022-10-01", "2022-10-07"),
            // 元旦 2023 begins on Saturday 31 December 2022 (国办发明电〔2022〕16号).
            span("2022-12-31", "2022-12-31"),
        ]
        .concat();
        let workdays = [
            "2022-01-29",
            "2022-01-30",
            "2022-04-02",
            "2022-04-24",
            "2022-05-07",
            "2022-10-08",
            "2022-10-09",
        ]
        .map(d)
        .to_vec();
        (holidays, workdays)
    }

    /// 国务院办公厅关于2023年部分节假日安排的通知 (国办发明电〔2022〕16号).
    pub fn year_2023() -> (Vec<NaiveDate>, Vec<NaiveDate>) {
        let holidays = [
            span("2023-01-01", "2023-01-02"),
            span("2023-01-21", "2023-01-27"),
            span("2023-04-05", "2023-04-05"),
            span("2023-04-29", "2023-05-03"),
            span("2023-06-22", "2023-06-24"),
            span("2023-09-29", "2023-10-06"),
        ]
        .concat();
        let workdays = [
            "2023-01-28",
            "2023-01-29",
            "2023-04-23",
            "2023-05-06",
            "2023-06-25",
            "2023-10-07",
            "2023-10-08",
        ]
        .map(d)
        .to_vec();
        (holidays, workdays)
    }

    /// 国务院办公厅关于2024年部分节假日安排的通知 (国办发明电〔2023〕7号).
    pub fn year_2024() -> (Vec<NaiveDate>, Vec<NaiveDate>) {
        let holidays = [
            span("2024-01-01", "2024-01-01"),
            span("2024-02-10", "2024-02-17"),
            span("2024-04-04", "2024-04-06"),
            span("2024-05-01", "2024-05-05"),
            span("2024-06-10", "2024-06-10"),
            span("2024-09-15", "2024-09-17"),
            span("2024-10-01", "2024-10-07"),
        ]
        .concat();
        let workdays = [
            "2024-02-04",
            "2024-02-18",
            "2024-04-07",
            "2024-04-28",
            "2024-05-11",
            "2024-09-14",
            "2024-09-29",
            "2024-10-12",
        ]
        .map(d)
        .to_vec();
        (holidays, workdays)
    }

    /// 国务院办公厅关于2025年部分节假日安排的通知 (国办发明电〔2024〕12号), the first
    /// under the revised 全国年节及纪念日放假办法 (除夕 and 2 May become holidays).
    pub fn year_2025() -> (Vec<NaiveDate>, Vec<NaiveDate>) {
        let holidays = [
            span("2025-01-01", "2025-01-01"),
            span("2025-01-28", "2025-02-04"),
            span("2025-04-04", "2025-04-06"),
            span("2025-05-01", "2025-05-05"),
            span("2025-05-31", "2025-06-02"),
            span("2025-10-01", "2025-10-08"),
        ]
        .concat();
        let workdays = [
            "2025-01-26",
            "2025-02-08",
            "2025-04-27",
            "2025-09-28",
            "2025-10-11",
        ]
        .map(d)
        .to_vec();
        (holidays, workdays)
    }

    /// 国务院办公厅关于2026年部分节假日安排的通知 (issued 4 November 2025).
    pub fn year_2026() -> (Vec<NaiveDate>, Vec<NaiveDate>) {
        let holidays = [
            span("2026-01-01", "2026-01-03"),
            span("2026-02-15", "2026-02-23"),
            span("2026-04-04", "2026-04-06"),
            span("2026-05-01", "2026-05-05"),
            span("2026-06-19", "2026-06-21"),
            span("2026-09-25", "2026-09-27"),
            span("2026-10-01", "2026-10-07"),
        ]
        .concat();
        let workdays = [
            "2026-01-04",
            "2026-02-14",
            "2026-02-28",
            "2026-05-09",
            "2026-09-20",
            "2026-10-10",
        ]
        .map(d)
        .to_vec();
        (holidays, workdays)
    }

    /// The years whose schedule ships with the service.
    pub fn years() -> std::ops::RangeInclusive<i32> {
        2022..=2026
    }

    /// The schedule of `year`, if shipped.
    pub fn year(year: i32) -> Option<(Vec<NaiveDate>, Vec<NaiveDate>)> {
        match year {
            2022 => Some(year_2022()),
            2023 => Some(year_2023()),
            2024 => Some(year_2024()),
            2025 => Some(year_2025()),
            2026 => Some(year_2026()),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::official::{year_2022, year_2023};
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
    }

    fn both_years() -> WorkCalendar {
        let (h22, w22) = year_2022();
        let (h23, w23) = year_2023();
        WorkCalendar::new(h22.into_iter().chain(h23), w22.into_iter().chain(w23))
    }

    #[test]
    fn working_days_2022_2023() {
        let cal = both_years();
        let cases = [
            ("2022-01-29", true),  // Saturday, adjusted working day before 春节
            ("2022-01-31", false), // Monday, 春节
            ("2022-04-24", true),  // Sunday, adjusted for 劳动节
            ("2022-06-03", false), // Friday, 端午节
            ("2022-06-08", true),  // Wednesday, the first edition
            ("2022-10-08", true),  // Saturday after 国庆节
            ("2022-10-15", false), // ordinary Saturday
            ("2023-01-02", false), // Monday, 元旦 observed
            ("2023-06-25", true),  // Sunday, adjusted for 端午节
            ("2023-10-06", false), // Friday, 中秋·国庆
            ("2023-10-07", true),  // Saturday, adjusted
        ];
        for (day, want) in cases {
            assert_eq!(cal.is_working_day(d(day)), want, "{day}");
        }
    }

    #[test]
    fn due_dates_2022_2023() {
        let cal = both_years();
        let cases = [
            // Assigned on a Wednesday, no holiday: two calendar weeks.
            ("2022-06-08", 10, "2022-06-22"),
            // Friday before 国庆: Oct 1–7 off, Oct 8 and 9 worked.
            ("2022-09-30", 10, "2022-10-19"),
            // Across 春节 2022 with the two adjusted weekend days before it.
            ("2022-01-26", 10, "2022-02-14"),
            // Before 中秋 2022 (Sep 10–12).
            ("2022-09-07", 3, "2022-09-13"),
            // Across 元旦 2023 and into 春节 2023.
            ("2022-12-30", 10, "2023-01-16"),
            ("2023-01-18", 5, "2023-01-30"),
            // The long 2023 autumn break.
            ("2023-09-27", 5, "2023-10-10"),
            ("2023-06-21", 1, "2023-06-25"),
            ("2022-06-08", 0, "2022-06-08"),
        ];
        for (from, n, want) in cases {
            assert_eq!(cal.add_working_days(d(from), n), d(want), "{from} + {n}");
            if n > 0 {
                assert_eq!(
                    cal.working_days_between(d(from), d(want)),
                    n as i64,
                    "{from}..{want}"
                );
            }
        }
    }

    fn shipped(year: i32) -> WorkCalendar {
        let (h, w) = super::official::year(year).unwrap_or_default();
        WorkCalendar::new(h, w)
    }

    /// Per shipped year: the notice's holidays and 调休 days, and how many days each year
    /// has off (a check on typing a span wrong).
    #[test]
    fn each_shipped_year_reads_as_its_notice() {
        // The year, days with whether each is worked, and the counts of days off and of
        // adjusted working days.
        type Case = (i32, &'static [(&'static str, bool)], usize, usize);
        let cases: [Case; 5] = [
            // Days off as the notices count them (共N天), summed over the festivals.
            (2022, &[("2022-10-07", false), ("2022-10-08", true)], 32, 7),
            (2023, &[("2023-09-29", false), ("2023-10-08", true)], 26, 7),
            (
                2024,
                &[
                    ("2024-02-09", true),  // 除夕 2024 was a working Friday
                    ("2024-02-10", false), // 春节
                    ("2024-02-18", true),  // Sunday, adjusted
                    ("2024-05-11", true),  // Saturday, adjusted
                    ("2024-06-10", false), // 端午节, Monday
                    ("2024-09-14", true),  // Saturday before 中秋
                    ("2024-10-12", true),  // Saturday after 国庆
                ],
                28,
                8,
            ),
            (
                2025,
                &[
                    ("2025-01-28", false), // 除夕, a holiday from 2025
                    ("2025-01-26", true),  // Sunday, adjusted
                    ("2025-02-08", true),  // Saturday, adjusted
                    ("2025-05-02", false), // 劳动节, two days from 2025
                    ("2025-06-02", false), // 端午节, Monday
                    ("2025-10-08", false), // 国庆·中秋, eight days
                    ("2025-10-11", true),  // Saturday, adjusted
                ],
                28,
                5,
            ),
            (
                2026,
                &[
                    ("2026-01-02", false), // 元旦, Friday
                    ("2026-01-04", true),  // Sunday, adjusted
                    ("2026-02-14", true),  // Saturday before 春节
                    ("2026-02-23", false), // 初七, Monday
                    ("2026-02-28", true),  // Saturday, adjusted
                    ("2026-05-09", true),  // Saturday, adjusted
                    ("2026-09-25", false), // 中秋节, Friday
                    ("2026-09-20", true),  // Sunday, adjusted
                    ("2026-10-01", false), // 国庆节
                    ("2026-10-07", false),
                    ("2026-10-08", true),
                    ("2026-10-10", true), // Saturday, adjusted
                ],
                33,
                6,
            ),
        ];
        for (year, days, holidays, workdays) in cases {
            let cal = shipped(year);
            for (day, want) in days {
                assert_eq!(cal.is_working_day(d(day)), *want, "{day}");
            }
            let (h, w) = super::official::year(year).unwrap_or_default();
            assert_eq!((h.len(), w.len()), (holidays, workdays), "{year}");
            assert!(h.iter().chain(&w).all(|x| x.year() == year), "{year}");
            assert!(
                w.iter()
                    .all(|x| matches!(x.weekday(), Weekday::Sat | Weekday::Sun)),
                "{year}: an adjusted working day on a weekday"
            );
        }
        assert!(super::official::years().all(|y| super::official::year(y).is_some()));
    }

    #[test]
    fn due_dates_across_the_2026_national_day() {
        let cal = shipped(2026);
        // Assigned on Wednesday 2026-09-23: the 24th, (25–27 中秋 off) 28, 29, 30, (1–7
        // October off) 8, 9, 10 (a Saturday worked), 12, 13, 14.
        assert_eq!(cal.add_working_days(d("2026-09-23"), 10), d("2026-10-14"));
        assert_eq!(cal.add_working_days(d("2026-09-30"), 1), d("2026-10-08"));
    }

    #[test]
    fn without_a_calendar_only_weekends_rest() {
        let cal = WorkCalendar::default();
        assert_eq!(cal.add_working_days(d("2022-09-30"), 10), d("2022-10-14"));
    }
}
