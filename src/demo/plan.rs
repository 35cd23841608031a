//! The demo's plan: a deterministic generator, how each issue ends so that a year meets
//! its targets exactly, and which days the programme meets. Pure: no database.

use chrono::{Datelike, NaiveDate, NaiveDateTime, Weekday};

use super::data::{category_plan, YearTargets};
use crate::domain::calendar::WorkCalendar;
use crate::domain::issue::Category;
use crate::domain::time;

/// splitmix64: a small deterministic generator, so that every load gives the same data.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
    /// True with probability `per_mille`/1000.
    pub fn chance(&mut self, per_mille: u64) -> bool {
        self.next() % 1000 < per_mille
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i + 1);
            items.swap(i, j);
        }
    }
}

/// A Shanghai local time as the stored UTC instant.
pub fn at(day: NaiveDate, hour: u32, minute: u32) -> NaiveDateTime {
    time::start_of(day) + chrono::Duration::minutes(i64::from(hour * 60 + minute))
}

pub fn pick_category(rng: &mut Rng) -> Category {
    let total: usize = Category::ALL.iter().map(|c| category_plan(*c).0).sum();
    let mut n = rng.below(total);
    for c in Category::ALL {
        let w = category_plan(*c).0;
        if n < w {
            return *c;
        }
        n -= w;
    }
    Category::Other
}

/// How an assigned issue ends (or where it stands).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fate {
    /// Answered and rated satisfied (or basically).
    Satisfied,
    /// Rated dissatisfied, reopened, answered again, then satisfied.
    ReopenedThenSatisfied,
    /// Dissatisfied twice; the coordinator closes it after the second reopening.
    DisputedClosed,
    /// Answered, never rated.
    Unrated,
    /// Returned and closed as not actionable.
    NotActionable,
    /// Solved on the spot at a forum, then rated satisfied.
    OnSiteRated,
    /// Solved on the spot, never rated.
    OnSiteUnrated,
}

/// The fates of a year's issues, so that its collected, rated and satisfied counts come out
/// exactly at the targets. `on_site` of them are solved at forums.
pub fn fates(t: &YearTargets, on_site: usize) -> Result<Vec<Fate>, String> {
    let dissatisfied = t
        .rated
        .checked_sub(t.satisfied)
        .ok_or("satisfied > rated")?;
    let on_site_unrated = on_site / 30;
    let on_site_rated = on_site - on_site_unrated;
    let not_actionable = t.issues / 200;
    let reopened_then_satisfied = t.issues / 55;
    let unrated = t.issues - t.rated;
    let assigned_unrated = unrated
        .checked_sub(on_site_unrated + not_actionable)
        .ok_or("too few unrated issues for the plan")?;
    let satisfied = t
        .satisfied
        .checked_sub(on_site_rated + reopened_then_satisfied)
        .ok_or("too few satisfied issues for the plan")?;
    let mut out = Vec::with_capacity(t.issues);
    for (fate, n) in [
        (Fate::OnSiteRated, on_site_rated),
        (Fate::OnSiteUnrated, on_site_unrated),
        (Fate::NotActionable, not_actionable),
        (Fate::ReopenedThenSatisfied, reopened_then_satisfied),
        (Fate::DisputedClosed, dissatisfied),
        (Fate::Unrated, assigned_unrated),
        (Fate::Satisfied, satisfied),
    ] {
        out.extend(std::iter::repeat_n(fate, n));
    }
    Ok(out)
}

/// The Wednesdays from `first` to `last` that are working days.
pub fn wednesdays(cal: &WorkCalendar, first: NaiveDate, last: NaiveDate) -> Vec<NaiveDate> {
    first
        .iter_days()
        .take_while(|d| *d <= last)
        .filter(|d| d.weekday() == Weekday::Wed && cal.is_working_day(*d))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::data::{Y2022, Y2023};

    #[test]
    fn fates_meet_the_targets_exactly() {
        for t in [Y2022, Y2023] {
            let on_site = t.issues * 3 / 4 / 6;
            let plan = match fates(&t, on_site) {
                Ok(p) => p,
                Err(e) => panic!("{e}"),
            };
            assert_eq!(plan.len(), t.issues);
            let rated = plan
                .iter()
                .filter(|f| !matches!(f, Fate::Unrated | Fate::NotActionable | Fate::OnSiteUnrated))
                .count();
            let satisfied = plan
                .iter()
                .filter(|f| {
                    matches!(
                        f,
                        Fate::Satisfied | Fate::ReopenedThenSatisfied | Fate::OnSiteRated
                    )
                })
                .count();
            let on = plan
                .iter()
                .filter(|f| matches!(f, Fate::OnSiteRated | Fate::OnSiteUnrated))
                .count();
            assert_eq!(
                (rated, satisfied, on),
                (t.rated, t.satisfied, on_site),
                "{}",
                t.year
            );
        }
    }

    #[test]
    fn the_generator_repeats_itself() {
        let mut a = Rng(7);
        let mut b = Rng(7);
        let xs: Vec<u64> = (0..5).map(|_| a.next()).collect();
        let ys: Vec<u64> = (0..5).map(|_| b.next()).collect();
        assert_eq!(xs, ys);
        assert!(xs.windows(2).all(|p| p[0] != p[1]));
    }
}
