//! Login throttling: the rule, without I/O. Failures are counted per key (a username, a
//! client address) within a window; past the allowance each further failure blocks the key
//! for a doubling time, capped, so an attacker is slowed and an owner is never locked out
//! for good.

use chrono::{Duration, NaiveDateTime};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Counter {
    pub failures: i32,
    pub window_start: NaiveDateTime,
    pub blocked_until: Option<NaiveDateTime>,
}

#[derive(Clone, Debug)]
pub struct Policy {
    /// Failures allowed within the window before blocking starts.
    pub allowed: i32,
    pub window: Duration,
    pub first_block: Duration,
    pub longest_block: Duration,
}

/// Per username from one client address: five tries, then 30 s, 60 s, … up to 15
/// minutes. Someone guessing from one place is slowed hard, while the owner signing in from
/// elsewhere is not locked out by them.
pub fn per_username_address() -> Policy {
    Policy {
        allowed: 5,
        window: Duration::minutes(15),
        first_block: Duration::seconds(30),
        longest_block: Duration::minutes(15),
    }
}

/// Per username from anywhere (guessing spread over many addresses): twenty tries, then a
/// pause of 1 s, 2 s, … never more than 30 s: it slows the guessing down without locking
/// the owner out for long.
pub fn per_username() -> Policy {
    Policy {
        allowed: 20,
        window: Duration::minutes(15),
        first_block: Duration::seconds(1),
        longest_block: Duration::seconds(30),
    }
}

/// Per client address: more room, since an office may share one address.
pub fn per_address() -> Policy {
    Policy {
        allowed: 30,
        window: Duration::minutes(15),
        first_block: Duration::seconds(30),
        longest_block: Duration::minutes(15),
    }
}

/// Seconds until `counter` allows another try, or None when it allows one now.
pub fn retry_after(counter: &Counter, now: NaiveDateTime) -> Option<u64> {
    let until = counter.blocked_until?;
    if until <= now {
        return None;
    }
    let ms = (until - now).num_milliseconds();
    Some(((ms + 999) / 1000).max(1) as u64)
}

/// Whether `counter` holds failures of its current window at `now` (a window long over
/// counts as none: the next failure starts afresh).
pub fn failed_within(policy: &Policy, counter: &Counter, now: NaiveDateTime) -> bool {
    let blocked = counter.blocked_until.is_some_and(|u| u > now);
    counter.failures > 0 && (blocked || now - counter.window_start <= policy.window)
}

/// The counter after one more failure at `now`.
pub fn after_failure(policy: &Policy, current: Option<&Counter>, now: NaiveDateTime) -> Counter {
    let fresh = Counter {
        failures: 1,
        window_start: now,
        blocked_until: None,
    };
    let Some(c) = current else {
        return fresh;
    };
    let blocked = c.blocked_until.is_some_and(|u| u > now);
    let window_over = now - c.window_start > policy.window
        && c.blocked_until.is_none_or(|u| now - u > policy.window);
    if !blocked && window_over {
        return fresh;
    }
    let failures = c.failures.saturating_add(1);
    let over = failures - policy.allowed;
    let blocked_until = if over > 0 {
        let factor = 1i64 << (over - 1).min(20);
        let block = (policy.first_block * factor as i32).min(policy.longest_block);
        Some(now + block)
    } else {
        None
    };
    Counter {
        failures,
        window_start: c.window_start,
        blocked_until,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn t(secs: i64) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2022, 6, 8)
            .and_then(|d| d.and_hms_opt(9, 0, 0))
            .unwrap_or_default()
            + Duration::seconds(secs)
    }

    #[test]
    fn blocks_after_the_allowance_then_doubles_then_caps() {
        let p = per_username_address();
        let mut c: Option<Counter> = None;
        let mut blocks = Vec::new();
        for i in 0..12 {
            let now = t(i);
            let next = after_failure(&p, c.as_ref(), now);
            blocks.push(next.blocked_until.map(|u| (u - now).num_seconds()));
            c = Some(next);
        }
        assert_eq!(
            blocks,
            vec![
                None,
                None,
                None,
                None,
                None,
                Some(30),
                Some(60),
                Some(120),
                Some(240),
                Some(480),
                Some(900),
                Some(900)
            ]
        );
    }

    #[test]
    fn the_account_wide_pause_stays_short() {
        let p = per_username();
        let mut c: Option<Counter> = None;
        let mut longest = 0;
        for i in 0..60 {
            let next = after_failure(&p, c.as_ref(), t(i));
            longest = longest.max(next.blocked_until.map_or(0, |u| (u - t(i)).num_seconds()));
            c = Some(next);
        }
        assert_eq!(longest, 30);
        assert_eq!(after_failure(&p, None, t(0)).blocked_until, None);
    }

    #[test]
    fn retry_after_counts_down_and_expires() {
        let c = Counter {
            failures: 6,
            window_start: t(0),
            blocked_until: Some(t(30)),
        };
        let cases = [(0, Some(30)), (29, Some(1)), (30, None), (31, None)];
        for (at, want) in cases {
            assert_eq!(retry_after(&c, t(at)), want, "at {at}");
        }
    }

    #[test]
    fn a_quiet_window_starts_afresh() {
        let p = per_username_address();
        let old = Counter {
            failures: 4,
            window_start: t(0),
            blocked_until: None,
        };
        let next = after_failure(&p, Some(&old), t(16 * 60));
        assert_eq!(next.failures, 1);
        let after_block = Counter {
            failures: 9,
            window_start: t(0),
            blocked_until: Some(t(600)),
        };
        // Still within a window of the last block: keeps counting.
        assert_eq!(after_failure(&p, Some(&after_block), t(700)).failures, 10);
        // Long after the last block: forgiven.
        assert_eq!(
            after_failure(&p, Some(&after_block), t(600 + 16 * 60)).failures,
            1
        );
    }
}
