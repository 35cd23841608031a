//! The demo's plan: a deterministic generator, how each issue ends so that a year meets
//! its targets exactly, and which days the programme meets. Pure: no database.

use chrono::{Datelike, NaiveDate, NaiveDateTime, Weekday};

use super::data::{category_weight, Stretch, CHAIRS, PAUSED};
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
    let total: usize = Category::ALL.iter().map(|c| category_weight(*c)).sum();
    let mut n = rng.below(total);
    for c in Category::ALL {
        let w = category_weight(*c);
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
pub fn fates(t: &Stretch, on_site: usize) -> Result<Vec<Fate>, String> {
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

/// The days the programme meets from `first` to `last`: Wednesdays, except in a week
/// whose Monday to Friday hold a statutory holiday (by the calendar) and in the weeks it
/// paused (`PAUSED`).
pub fn edition_days(cal: &WorkCalendar, first: NaiveDate, last: NaiveDate) -> Vec<NaiveDate> {
    let paused: Vec<NaiveDate> = PAUSED
        .iter()
        .filter_map(|(y, m, d)| NaiveDate::from_ymd_opt(*y, *m, *d))
        .collect();
    first
        .iter_days()
        .take_while(|d| *d <= last)
        .filter(|d| d.weekday() == Weekday::Wed && !paused.contains(d))
        .filter(|d| {
            let monday = *d - chrono::Duration::days(2);
            monday
                .iter_days()
                .take(5)
                .all(|day| cal.is_working_day(day))
        })
        .collect()
}

/// The chair of a region's forum on a day: each of its cast serves about fourteen months
/// in turn, from the programme's first day.
pub fn chair(region: usize, day: NaiveDate, start: NaiveDate) -> &'static str {
    let cast = &CHAIRS[region % CHAIRS.len()];
    let term = usize::try_from((day - start).num_days().max(0) / 425).unwrap_or(0);
    cast[term % cast.len()]
}

/// Attendances per forum: the city's larger (11–15), a district's 6–9, an extra forum's
/// 4–6; moved one by one over the district and extra forums until they add up to
/// `target` when one is given. `kinds`: 0 city, 1 district, 2 extra.
pub fn attendance_sizes(rng: &mut Rng, kinds: &[u8], target: Option<usize>) -> Vec<usize> {
    let mut sizes: Vec<usize> = kinds
        .iter()
        .map(|k| match k {
            0 => 11 + rng.below(5),
            1 => 6 + rng.below(4),
            _ => 4 + rng.below(3),
        })
        .collect();
    let Some(target) = target else {
        return sizes;
    };
    let movable: Vec<usize> = (0..kinds.len()).filter(|i| kinds[*i] != 0).collect();
    let mut k = 0;
    let mut sum: usize = sizes.iter().sum();
    while sum != target && !movable.is_empty() {
        let i = movable[k % movable.len()];
        k += 1;
        if sum < target && sizes[i] < 12 {
            sizes[i] += 1;
            sum += 1;
        } else if sum > target && sizes[i] > 3 {
            sizes[i] -= 1;
            sum -= 1;
        }
        if k > 100 * movable.len() + target {
            break;
        }
    }
    sizes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::data::{TO_MAY_2023, Y2022};
    use crate::domain::calendar::official;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    fn calendar() -> WorkCalendar {
        let (holidays, workdays): (Vec<_>, Vec<_>) =
            official::years().filter_map(official::year).unzip();
        WorkCalendar::new(holidays.concat(), workdays.concat())
    }

    #[test]
    fn the_programme_meets_42_times_to_may_2023_and_never_in_a_holiday_week() {
        let cal = calendar();
        let to_2022 = edition_days(&cal, d(2022, 6, 8), d(2022, 12, 31));
        let to_may = edition_days(&cal, d(2022, 6, 8), d(2023, 5, 31));
        assert_eq!((to_2022.len(), to_may.len()), (26, 42));
        assert_eq!(to_2022.first(), Some(&d(2022, 6, 8)));
        // The Mid-Autumn week (typhoon 梅花 crossed on the 14th) and National Day's.
        for skipped in [
            d(2022, 9, 14),
            d(2022, 10, 5),
            d(2023, 1, 25),
            d(2026, 10, 7),
        ] {
            let all = edition_days(&cal, d(2022, 6, 8), d(2026, 12, 31));
            assert!(!all.contains(&skipped), "{skipped}");
        }
        assert!(edition_days(&cal, d(2026, 9, 1), d(2026, 10, 31)).contains(&d(2026, 10, 14)));
    }

    #[test]
    fn attendance_sizes_meet_their_target() {
        let mut rng = Rng(1);
        let kinds = [0, 1, 1, 1, 1, 1, 1, 2, 0, 1, 1, 1, 1, 1, 1];
        for target in [70, 110, 140] {
            let sizes = attendance_sizes(&mut rng, &kinds, Some(target));
            assert_eq!(sizes.iter().sum::<usize>(), target);
            assert!(sizes.iter().all(|s| (3..=15).contains(s)), "{sizes:?}");
        }
    }

    #[test]
    fn chairs_serve_for_more_than_a_year() {
        let start = d(2022, 6, 8);
        assert_eq!(chair(0, start, start), chair(0, d(2023, 5, 31), start));
        assert_ne!(chair(0, start, start), chair(0, d(2024, 6, 1), start));
    }

    #[test]
    fn fates_meet_the_targets_exactly() {
        for t in [Y2022, TO_MAY_2023] {
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
                t.name
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
