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

    /// The schedule of `year`, if shipped.
    pub fn year(year: i32) -> Option<(Vec<NaiveDate>, Vec<NaiveDate>)> {
        match year {
            2022 => Some(year_2022()),
            2023 => Some(year_2023()),
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

    #[test]
    fn without_a_calendar_only_weekends_rest() {
        let cal = WorkCalendar::default();
        assert_eq!(cal.add_working_days(d("2022-09-30"), 10), d("2022-10-14"));
    }
}
