//! The demo's plan: a deterministic generator, how each issue ends so that a year meets
//! its targets exactly, and which days the programme meets. Pure: no database.

use chrono::{Datelike, NaiveDate, NaiveDateTime, Weekday};

use super::data::{category_weight, Stretch, CHAIRS, PAUSED};
use crate::domain::calendar::WorkCalendar;
use crate::domain::issue::Category;
use crate::domain::role::Role;
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

/// Who acts, and so at what hours: each kind of act has its own working-hour profile
/// (weights per hour of the day, local time), with morning and afternoon peaks, a lunch
/// lull, and a few early and late.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hours {
    /// A department's handler: signing, answering, returning, writing, asking for time.
    Office,
    /// The Federation's desk: assigning, marking, deciding, urging, closing, filing for an
    /// enterprise, follow-up calls. Mornings first.
    Desk,
    /// An entrepreneur: filing online, rating, writing, withdrawing; evenings too.
    Enterprise,
    /// A leader's 督办: between meetings.
    Leader,
}

impl Hours {
    /// The profile of a user's role.
    pub fn of(role: Role) -> Hours {
        match role {
            Role::Department => Hours::Office,
            Role::Enterprise => Hours::Enterprise,
            Role::Leader => Hours::Leader,
            _ => Hours::Desk,
        }
    }

    /// Weights of the hours 7:00 to 21:00.
    fn weights(self) -> [u32; 15] {
        match self {
            //               7  8   9  10  11 12 13  14  15  16 17 18 19 20 21
            Hours::Office => [0, 5, 12, 13, 11, 3, 6, 12, 13, 12, 7, 4, 2, 0, 0],
            Hours::Desk => [0, 8, 13, 13, 11, 3, 6, 12, 13, 11, 6, 3, 1, 0, 0],
            Hours::Enterprise => [1, 5, 9, 11, 9, 4, 6, 10, 11, 10, 8, 6, 4, 4, 2],
            Hours::Leader => [0, 5, 9, 8, 8, 3, 5, 9, 10, 10, 9, 6, 4, 0, 0],
        }
    }

    /// A local time on `day` drawn from the profile (to the minute).
    pub fn on(self, rng: &mut Rng, day: NaiveDate) -> NaiveDateTime {
        let w = self.weights();
        let total: u32 = w.iter().sum();
        let mut n = rng.below(total as usize) as u32;
        let mut hour = 7;
        for (h, weight) in w.iter().enumerate() {
            if n < *weight {
                hour = 7 + h as u32;
                break;
            }
            n -= weight;
        }
        at(day, hour, rng.below(60) as u32)
    }

    /// The time of an act on `day` that follows one done at `after`: drawn from the
    /// profile, no earlier than a plausible gap (10 minutes to 2 hours) after it, and on the
    /// next working day when the gap runs past the end of the day.
    pub fn after(
        self,
        rng: &mut Rng,
        cal: &WorkCalendar,
        day: NaiveDate,
        after: NaiveDateTime,
    ) -> NaiveDateTime {
        let drawn = self.on(rng, day);
        let earliest = after + chrono::Duration::minutes(10 + rng.below(110) as i64);
        if drawn >= earliest {
            return drawn;
        }
        let earliest_day = time::local_date(earliest);
        if earliest_day == day && (earliest - time::start_of(day)).num_hours() < 19 {
            return earliest;
        }
        self.on(rng, cal.add_working_days(day.max(earliest_day), 1))
    }
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

/// A unified social credit code (GB 32100) of an enterprise registered in `region` (its
/// six-digit code): `91`, the region, an organisation code (GB 11714: eight characters and
/// their own check character; `MA…` for those registered since the 2015 reform, eight digits
/// before), and the code's check character.
pub fn credit_code(rng: &mut Rng, region: &str, recent: bool) -> Option<String> {
    const CHARS: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
    let org: String = if recent {
        let tail: String = (0..5)
            .map(|_| CHARS[rng.below(CHARS.len())] as char)
            .collect();
        format!("MA2{tail}")
    } else {
        format!("{}{:07}", 3 + rng.below(7), rng.next() % 10_000_000)
    };
    let sum: u32 = org
        .chars()
        .zip([3, 7, 9, 10, 5, 8, 4, 2])
        .map(|(c, w)| c.to_digit(36).unwrap_or(0) * w)
        .sum();
    let org_check = match 11 - sum % 11 {
        10 => 'X',
        11 => '0',
        n => char::from_digit(n, 10)?,
    };
    let body = format!("91{region}{org}{org_check}");
    let check = crate::domain::credit_code::check_character(&body)?;
    Some(format!("{body}{check}"))
}

/// A mobile number: a carrier's prefix and eight digits.
pub fn mobile(rng: &mut Rng) -> String {
    const PREFIXES: [&str; 16] = [
        "130", "133", "135", "136", "137", "138", "139", "150", "151", "152", "158", "159", "177",
        "180", "186", "189",
    ];
    format!("{}{:08}", rng.pick(&PREFIXES), rng.next() % 100_000_000)
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

/// The chair of a region's forum on a day: the region's leaders take the forums in turn,
/// week by week, so that none chairs two weeks running.
pub fn chair(region: usize, day: NaiveDate, start: NaiveDate) -> &'static str {
    let cast = &CHAIRS[region % CHAIRS.len()];
    let week = usize::try_from((day - start).num_days().max(0) / 7).unwrap_or(0);
    cast[(week + region) % cast.len()]
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
    fn chairs_take_turns_week_by_week() {
        let start = d(2022, 6, 8);
        let weeks: Vec<&str> = (0..9)
            .map(|k| chair(2, start + chrono::Duration::weeks(k), start))
            .collect();
        assert!(weeks.windows(2).all(|w| w[0] != w[1]), "{weeks:?}");
        assert_eq!(
            weeks
                .iter()
                .collect::<std::collections::BTreeSet<_>>()
                .len(),
            3
        );
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
    fn credit_codes_and_mobiles_are_well_formed_and_not_sequential() {
        let mut rng = Rng(3);
        let mut codes = Vec::new();
        for k in 0..200 {
            let code = credit_code(&mut rng, "330521", k % 3 != 0).unwrap_or_default();
            assert_eq!(
                crate::domain::credit_code::validate(&code).as_deref(),
                Ok(code.as_str())
            );
            assert!(code.starts_with("91330521"), "{code}");
            codes.push(code);
        }
        let mut sorted = codes.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), codes.len());
        assert_ne!(sorted, codes, "codes come in no order");
        for _ in 0..50 {
            let m = mobile(&mut rng);
            assert_eq!(m.len(), 11);
            assert!(
                m.starts_with('1') && m.chars().all(|c| c.is_ascii_digit()),
                "{m}"
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
