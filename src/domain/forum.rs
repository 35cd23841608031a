//! Editions and forums: the Wednesday rule and the forum's status moves.

use chrono::{Datelike, Days, NaiveDate, Weekday};

/// The next Wednesday strictly after `day`.
pub fn next_wednesday_after(day: NaiveDate) -> NaiveDate {
    let ahead =
        (Weekday::Wed.num_days_from_monday() + 7 - day.weekday().num_days_from_monday()) % 7;
    let ahead = if ahead == 0 { 7 } else { ahead };
    day.checked_add_days(Days::new(u64::from(ahead)))
        .unwrap_or(day)
}

/// An edition's date must be a Wednesday unless a reason for rescheduling is given.
pub fn date_error(held_on: NaiveDate, reschedule_reason: Option<&str>) -> Option<String> {
    if held_on.weekday() == Weekday::Wed || reschedule_reason.is_some_and(|r| !r.trim().is_empty())
    {
        None
    } else {
        Some(format!(
            "is required: {held_on} is a {:?}, and editions are held on Wednesdays unless a reason is given (a 专场, a holiday week moved)",
            held_on.weekday()
        ))
    }
}

coded!(
    /// Where a forum stands: scheduled, then held or cancelled for good.
    Status {
        Scheduled => "scheduled", "待召开";
        Held => "held", "已召开";
        Cancelled => "cancelled", "已取消";
    }
);

/// Whether a forum in `from` may move to `to`: scheduled → held | cancelled, and staying put.
/// A held or cancelled forum never goes back. The refusal names the current state.
pub fn move_status(from: Status, to: Status) -> Result<Status, String> {
    match (from, to) {
        (a, b) if a == b => Ok(b),
        (Status::Scheduled, Status::Held | Status::Cancelled) => Ok(to),
        _ => Err(format!(
            "the forum is {}; it cannot become {}",
            from.code(),
            to.code()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
    }

    #[test]
    fn next_wednesdays() {
        let cases = [
            ("2022-06-08", "2022-06-15"), // a Wednesday: the following one
            ("2022-06-09", "2022-06-15"),
            ("2022-06-14", "2022-06-15"),
            ("2022-12-28", "2023-01-04"),
        ];
        for (from, want) in cases {
            assert_eq!(next_wednesday_after(d(from)), d(want), "{from}");
        }
    }

    #[test]
    fn wednesday_rule() {
        assert!(date_error(d("2022-06-08"), None).is_none());
        assert!(date_error(d("2022-06-09"), None).is_some());
        assert!(date_error(d("2022-06-09"), Some("  ")).is_some());
        assert!(date_error(d("2022-06-09"), Some("端午节调整")).is_none());
    }

    #[test]
    fn status_moves() {
        use Status::*;
        let all = [Scheduled, Held, Cancelled];
        let allowed = [
            (Scheduled, Scheduled),
            (Scheduled, Held),
            (Scheduled, Cancelled),
            (Held, Held),
            (Cancelled, Cancelled),
        ];
        for from in all {
            for to in all {
                let ok = allowed.contains(&(from, to));
                let got = move_status(from, to);
                assert_eq!(got.is_ok(), ok, "{from:?} -> {to:?}");
                if let Err(msg) = got {
                    assert!(msg.contains(from.code()), "{msg}");
                }
            }
        }
    }
}
