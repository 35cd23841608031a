//! The demo's playback: the programme as it happened, run through the service layer with
//! historical times, so that every row passes the same rules as the API's.

use std::collections::BTreeMap;

use chrono::{Datelike, Days, NaiveDate, NaiveDateTime};

use super::data::*;
use super::plan::*;
use crate::auth::Caller;
use crate::db::DbConn;
use crate::domain::calendar::WorkCalendar;
use crate::domain::forum::Status as ForumStatus;
use crate::domain::issue::{Channel, Outcome, Rating};
use crate::domain::time;
use crate::service::editions::{self, NewEditionIn};
use crate::service::forums::{self, AttendeeIn, ForumPatch, NewForumIn};
use crate::service::issues::actions::{
    self, AnswerIn, AssignIn, Command, DecisionIn, ExtensionIn, NoteIn, OptionalNoteIn, RatingIn,
    ReasonIn,
};
use crate::service::issues::filing::{file_at, FileIn};

pub struct World {
    pub rng: Rng,
    pub cal: WorkCalendar,
    pub departments: BTreeMap<&'static str, i64>,
    /// Enterprises by region id: (id, contact person).
    pub enterprises: BTreeMap<i64, Vec<(i64, String)>>,
    /// Handler of each department; users of some enterprises.
    pub handlers: BTreeMap<i64, Caller>,
    /// A district's own bureau (经信局), by region id.
    pub local_bureau: BTreeMap<i64, i64>,
    pub enterprise_users: BTreeMap<i64, Caller>,
    pub coordinator: Caller,
    pub leader: Caller,
    /// Times after this are the future: steps due then are not taken.
    pub horizon: NaiveDateTime,
    pub issues_done: usize,
}

struct HeldForum {
    id: i64,
    region: i64,
    day: NaiveDate,
    attendees: Vec<i64>,
}

/// Editions, forums and attendance of one stretch of weeks; returns the held forums.
#[allow(clippy::too_many_arguments)]
fn program(
    conn: &mut DbConn,
    w: &mut World,
    regions: &[i64],
    days: &[NaiveDate],
    cancelled: usize,
    attendances: usize,
    edition_number: &mut i32,
    scheduled_after: Option<NaiveDate>,
) -> Result<Vec<HeldForum>, String> {
    let total_forums = days.len() * regions.len();
    let held_n = total_forums.saturating_sub(cancelled);
    let mut held = Vec::new();
    let mut cancelled_left = cancelled;
    let mut k = 0usize;
    for (e, day) in days.iter().enumerate() {
        *edition_number += 1;
        let theme = THEMES[e % THEMES.len()];
        let edition = editions::create(
            conn,
            &w.coordinator,
            NewEditionIn {
                number: *edition_number,
                held_on: *day,
                theme: theme.to_owned(),
                reschedule_reason: None,
            },
        )
        .map_err(|e| e.one_line())?;
        for (r, region) in regions.iter().enumerate() {
            let (_, short, venue, post, _) = REGIONS[r];
            let mut depts: Vec<i64> = [
                "市发展和改革委员会",
                "市经济和信息化局",
                "市自然资源和规划局",
            ]
            .iter()
            .filter_map(|n| w.departments.get(n).copied())
            .collect();
            if let Some(local) = DEPARTMENTS.iter().find(|d| d.1 == REGIONS[r].0 && r > 0) {
                depts.extend(w.departments.get(local.0).copied());
            }
            let chair = format!("{}{}", w.rng.pick(&SURNAMES), w.rng.pick(&GIVEN));
            let new = NewForumIn {
                edition_id: edition.id,
                region_id: *region,
                venue: Some(venue.to_owned()),
                theme: Some(theme.to_owned()),
                chair_name: Some(chair),
                chair_title: Some(post.to_owned()),
                department_ids: depts,
            };
            let forum = forums::create(conn, &w.coordinator, new).map_err(|e| e.one_line())?;
            if scheduled_after.is_some_and(|d| *day > d) {
                continue;
            }
            // The typhoon week: the last forums of that edition are called off.
            let cancel = cancelled_left > 0
                && e == days.len() * 2 / 5
                && r >= regions.len() - cancelled_left;
            let update = ForumPatch {
                status: Some(if cancel {
                    ForumStatus::Cancelled
                } else {
                    ForumStatus::Held
                }),
                minutes: Some((!cancel).then(|| {
                    format!(
                        "{short}恳谈会：{theme}。与会部门现场答复企业诉求，会后问题按程序交办。"
                    )
                })),
                cancel_reason: cancel.then(|| {
                    if (7..=9).contains(&day.month()) {
                        "台风过境，停会"
                    } else {
                        "因故取消，议题并入下期"
                    }
                    .to_owned()
                }),
                venue: None,
                theme: None,
                chair_name: None,
                chair_title: None,
                department_ids: None,
            };
            forums::update(conn, &w.coordinator, forum.id, update).map_err(|e| e.one_line())?;
            if cancel {
                cancelled_left -= 1;
                continue;
            }
            // Spread the attendances evenly over the held forums.
            let here = (k + 1) * attendances / held_n.max(1) - k * attendances / held_n.max(1);
            k += 1;
            let pool = w.enterprises.get(region).cloned().unwrap_or_default();
            let mut chosen: Vec<(i64, String)> = Vec::new();
            while chosen.len() < here.min(pool.len()) {
                let cand = w.rng.pick(&pool).clone();
                if !chosen.iter().any(|c| c.0 == cand.0) {
                    chosen.push(cand);
                }
            }
            for (ent, person) in &chosen {
                let attendee = AttendeeIn {
                    person_name: person.clone(),
                    title: (*w.rng.pick(&TITLES)).to_owned(),
                    enterprise_id: Some(*ent),
                    enterprise: None,
                };
                forums::add_attendee(conn, &w.coordinator, forum.id, attendee)
                    .map_err(|e| e.one_line())?;
            }
            held.push(HeldForum {
                id: forum.id,
                region: *region,
                day: *day,
                attendees: chosen.into_iter().map(|c| c.0).collect(),
            });
        }
    }
    Ok(held)
}

pub fn load_year(
    conn: &mut DbConn,
    w: &mut World,
    regions: &[i64],
    t: &YearTargets,
    edition_number: &mut i32,
    progress: &mut dyn FnMut(String),
) -> Result<(), String> {
    let first = NaiveDate::from_ymd_opt(t.year, t.first.0, t.first.1).ok_or("bad date")?;
    let last = NaiveDate::from_ymd_opt(t.year, t.last.0, t.last.1).ok_or("bad date")?;
    let days = wednesdays(&w.cal, first, last);
    if days.len() * regions.len() != t.forums_held + t.cancelled {
        return Err(format!(
            "{}: {} editions of {} forums do not make {} held and {} cancelled",
            t.year,
            days.len(),
            regions.len(),
            t.forums_held,
            t.cancelled
        ));
    }
    progress(format!(
        "{}: {} editions of {} linked forums",
        t.year,
        days.len(),
        regions.len()
    ));
    let held = program(
        conn,
        w,
        regions,
        &days,
        t.cancelled,
        t.attendances,
        edition_number,
        None,
    )?;
    // Three in four issues are raised at forums; of those, one in six is solved on the spot.
    let at_forums = t.issues * 3 / 4;
    let on_site = at_forums / 6;
    let mut plan = fates(t, on_site)?;
    let (on_site_fates, mut rest): (Vec<Fate>, Vec<Fate>) = plan
        .drain(..)
        .partition(|f| matches!(f, Fate::OnSiteRated | Fate::OnSiteUnrated));
    w.rng.shuffle(&mut rest);
    let mut forum_fates = on_site_fates;
    forum_fates.extend(rest.drain(..at_forums - on_site));
    w.rng.shuffle(&mut forum_fates);
    let total = t.issues;
    for (i, fate) in forum_fates.into_iter().enumerate() {
        let forum = &held[i * held.len() / at_forums];
        let ent = *forum
            .attendees
            .get(w.rng.below(forum.attendees.len()))
            .ok_or("a held forum without attendees")?;
        let filed = at(forum.day, 10, 30 + (i % 90) as u32);
        let channel_forum = Some((forum.id, forum.region));
        issue(conn, w, ent, channel_forum, Channel::Forum, filed, fate)?;
        tick(w, total, t.year, progress);
    }
    let span = (last - first).num_days().max(1) as u64;
    for fate in rest {
        let day = first + Days::new(w.rng.next() % span);
        let day = if w.cal.is_working_day(day) {
            day
        } else {
            w.cal.add_working_days(day, 1)
        };
        let region = regions[w.rng.below(regions.len())];
        let channel = *w.rng.pick(&[
            Channel::Online,
            Channel::Online,
            Channel::Visit,
            Channel::HealthCheck,
            Channel::Hotline,
        ]);
        let pool = w.enterprises.get(&region).cloned().unwrap_or_default();
        let ent = if channel == Channel::Online {
            // Online filings come from enterprises with an account.
            let with_user: Vec<i64> = pool
                .iter()
                .map(|e| e.0)
                .filter(|e| w.enterprise_users.contains_key(e))
                .collect();
            *w.rng.pick(&with_user)
        } else {
            w.rng.pick(&pool).0
        };
        let filed = at(day, 9 + (w.rng.below(8)) as u32, w.rng.below(60) as u32);
        issue(conn, w, ent, None, channel, filed, fate)?;
        tick(w, total, t.year, progress);
    }
    // A few filings are withdrawn before assignment; they count nowhere.
    for _ in 0..(t.issues / 150) {
        let (e, who) = w
            .enterprise_users
            .iter()
            .next()
            .map(|(e, c)| (*e, c.clone()))
            .ok_or("no enterprise user")?;
        let day = first + Days::new(w.rng.next() % span);
        let id = file_at(
            conn,
            &who,
            &file_body(w, e, None, Channel::Online, false, None),
            at(day, 11, 0),
        )
        .map_err(|e| e.one_line())?;
        actions::execute(conn, &who, id, None, Command::Withdraw, at(day, 15, 0))
            .map_err(|e| e.one_line())?;
    }
    w.issues_done = 0;
    Ok(())
}

fn tick(w: &mut World, total: usize, year: i32, progress: &mut dyn FnMut(String)) {
    w.issues_done += 1;
    if w.issues_done.is_multiple_of(250) || w.issues_done == total {
        progress(format!("{year}: issues {}/{total}", w.issues_done));
    }
}

fn file_body(
    w: &mut World,
    ent: i64,
    forum: Option<i64>,
    channel: Channel,
    on_site: bool,
    dept: Option<i64>,
) -> FileIn {
    let category = pick_category(&mut w.rng);
    let (_, _, texts) = category_plan(category);
    let (title, description) = *w.rng.pick(texts);
    FileIn {
        title: title.to_owned(),
        description: description.to_owned(),
        category,
        channel,
        enterprise_id: Some(ent),
        forum_id: forum,
        resolved_on_site: on_site,
        on_site_answer: on_site.then(|| "与会部门现场答复并当场协调解决。".to_owned()),
        department_id: dept.filter(|_| on_site),
    }
}

/// Files one issue and plays its life through the issue actions, up to the horizon.
fn issue(
    conn: &mut DbConn,
    w: &mut World,
    ent: i64,
    forum: Option<(i64, i64)>,
    channel: Channel,
    filed: NaiveDateTime,
    fate: Fate,
) -> Result<(), String> {
    let on_site = matches!(fate, Fate::OnSiteRated | Fate::OnSiteUnrated);
    let mut body = file_body(w, ent, forum.map(|f| f.0), channel, on_site, None);
    let leads = category_plan(body.category).1;
    let mut lead = *w
        .departments
        .get(w.rng.pick(leads))
        .ok_or("no lead department")?;
    // District forums send some issues to the district's own bureau.
    if let Some(local) = forum.and_then(|(_, region)| w.local_bureau.get(&region).copied()) {
        if w.rng.chance(250) {
            lead = local;
        }
    }
    if on_site {
        body.department_id = Some(lead);
    }
    let ent_user = w.enterprise_users.get(&ent).cloned();
    let filer = match (channel, &ent_user) {
        (Channel::Online, Some(u)) => u.clone(),
        _ => w.coordinator.clone(),
    };
    let id = file_at(conn, &filer, &body, filed).map_err(|e| e.one_line())?;
    let rater = ent_user.unwrap_or_else(|| w.coordinator.clone());
    let coord = w.coordinator.clone();
    let mut day = time::local_date(filed);
    let horizon = w.horizon;
    // Each step at a local time on a day; a step after the horizon (the future) is not taken.
    macro_rules! step {
        ($who:expr, $cmd:expr, $day:expr, $hour:expr) => {{
            let when = at($day, $hour, w.rng.below(50) as u32);
            if when > horizon {
                return Ok(());
            }
            actions::execute(conn, &$who, id, None, $cmd, when).map_err(|e| e.one_line())?;
        }};
    }
    let rating = |w: &mut World, r: Rating| RatingIn {
        solved: r.is_satisfied(),
        rating: if r == Rating::Satisfied && w.rng.chance(120) {
            Rating::BasicallySatisfied
        } else {
            r
        },
        comment: None,
    };
    if on_site {
        if fate == Fate::OnSiteRated {
            day = w.cal.add_working_days(day, 1 + w.rng.below(3) as u32);
            step!(rater, Command::Rate(rating(w, Rating::Satisfied)), day, 10);
        }
        return Ok(());
    }
    // The newest issues are still with the Federation: one in four filed in the last two
    // weeks waits to be assigned, whatever the day and hour the demo is loaded.
    if horizon - filed < chrono::Duration::days(14) && w.rng.chance(250) {
        return Ok(());
    }
    // 交办 within three working days.
    day = w.cal.add_working_days(day, 1 + w.rng.below(3) as u32);
    step!(
        coord,
        Command::Assign(AssignIn {
            lead_department_id: lead,
            co_department_ids: Vec::new(),
            due_on: None,
            note: None
        }),
        day,
        9
    );
    let mut due = w
        .cal
        .add_working_days(day, crate::domain::issue::DEFAULT_WORKING_DAYS);
    let mut handler = w.handlers.get(&lead).cloned().ok_or("no handler")?;
    if fate == Fate::NotActionable {
        day = w.cal.add_working_days(day, 1);
        step!(
            handler,
            Command::Return(ReasonIn {
                reason: "诉求不属于行政职能范围".into()
            }),
            day,
            14
        );
        day = w.cal.add_working_days(day, 1);
        step!(
            coord,
            Command::Close(NoteIn {
                note: "经核实，该诉求属企业间民事纠纷，建议通过司法途径解决。".into()
            }),
            day,
            10
        );
        return Ok(());
    }
    // One in twenty goes to the wrong department first and comes back.
    if w.rng.chance(50) {
        day = w.cal.add_working_days(day, 1);
        step!(
            handler,
            Command::Return(ReasonIn {
                reason: "不属于本部门职责，建议交办其他部门".into()
            }),
            day,
            15
        );
        let other = *w
            .departments
            .get("市营商环境建设办公室")
            .ok_or("no catch-all office")?;
        lead = if lead == other {
            *w.departments
                .get("市经济和信息化局")
                .ok_or("department missing")?
        } else {
            other
        };
        handler = w.handlers.get(&lead).cloned().ok_or("no handler")?;
        day = w.cal.add_working_days(day, 1);
        step!(
            coord,
            Command::Assign(AssignIn {
                lead_department_id: lead,
                co_department_ids: Vec::new(),
                due_on: None,
                note: Some("重新交办".into())
            }),
            day,
            9
        );
        due = w
            .cal
            .add_working_days(day, crate::domain::issue::DEFAULT_WORKING_DAYS);
    }
    step!(handler, Command::Sign, day, 16);
    // Some ask for more time; most get it.
    if w.rng.chance(60) {
        day = w.cal.add_working_days(day, 2);
        let new_due = w.cal.add_working_days(due, 5 + w.rng.below(5) as u32);
        step!(
            handler,
            Command::RequestExtension(ExtensionIn {
                new_due_on: new_due,
                reason: "需协调上级部门".into()
            }),
            day,
            11
        );
        let granted = w.rng.chance(800);
        let ext = crate::service::issues::extensions(conn, &coord, id)
            .map_err(|e| e.one_line())?
            .last()
            .map(|e| e.id)
            .ok_or("no extension")?;
        day = w.cal.add_working_days(day, 1);
        step!(
            coord,
            Command::DecideExtension(
                ext,
                DecisionIn {
                    granted,
                    note: None
                }
            ),
            day,
            10
        );
        if granted {
            due = new_due;
        }
    }
    // The answer: mostly within the due date, some late; in the live year a few stall.
    let late = w.rng.chance(70);
    let stalled = w.horizon - filed < chrono::Duration::days(120) && w.rng.chance(80);
    let answer_day = if stalled {
        w.cal.add_working_days(due, 30)
    } else if late {
        w.cal.add_working_days(due, 1 + w.rng.below(4) as u32)
    } else {
        let budget = w.cal.working_days_between(day, due).max(1) as usize;
        w.cal
            .add_working_days(day, 1 + w.rng.below(budget) as u32)
            .min(due)
    };
    if late && w.rng.chance(500) {
        let urge_day = w.cal.add_working_days(due, 1);
        if urge_day < answer_day {
            step!(
                coord,
                Command::Urge(OptionalNoteIn {
                    note: Some("请加快办理".into())
                }),
                urge_day,
                9
            );
        }
    }
    day = answer_day.max(day);
    let outcome = *w.rng.pick(&[
        Outcome::Resolved,
        Outcome::Resolved,
        Outcome::Resolved,
        Outcome::Explained,
        Outcome::Planned,
    ]);
    let answer = |outcome: Outcome, day: NaiveDate| AnswerIn {
        outcome,
        text: match outcome {
            Outcome::Resolved => "经协调已解决，企业诉求已落实。".into(),
            Outcome::Explained => "已向企业解释相关政策，目前暂不具备条件。".into(),
            Outcome::Planned => "已列入年度工作计划，将按期推进。".into(),
        },
        planned_on: (outcome == Outcome::Planned).then(|| day + Days::new(60)),
    };
    step!(handler, Command::Answer(answer(outcome, day)), day, 15);
    if fate == Fate::Unrated {
        return Ok(());
    }
    day = w.cal.add_working_days(day, 1 + w.rng.below(4) as u32);
    match fate {
        Fate::Satisfied => {
            step!(rater, Command::Rate(rating(w, Rating::Satisfied)), day, 10);
        }
        Fate::ReopenedThenSatisfied | Fate::DisputedClosed => {
            step!(
                rater,
                Command::Rate(RatingIn {
                    solved: false,
                    rating: Rating::Dissatisfied,
                    comment: Some("问题未实质解决".into())
                }),
                day,
                10
            );
            day = w.cal.add_working_days(day, 3 + w.rng.below(4) as u32);
            step!(
                handler,
                Command::Answer(answer(Outcome::Resolved, day)),
                day,
                15
            );
            day = w.cal.add_working_days(day, 1 + w.rng.below(3) as u32);
            if fate == Fate::ReopenedThenSatisfied {
                step!(rater, Command::Rate(rating(w, Rating::Satisfied)), day, 10);
            } else {
                step!(
                    rater,
                    Command::Rate(RatingIn {
                        solved: false,
                        rating: Rating::Dissatisfied,
                        comment: Some("仍不满意".into())
                    }),
                    day,
                    10
                );
                if w.rng.chance(300) {
                    step!(
                        w.leader.clone(),
                        Command::Supervise(OptionalNoteIn {
                            note: Some("请市营商办牵头协调".into())
                        }),
                        day,
                        16
                    );
                }
                day = w.cal.add_working_days(day, 3);
                step!(
                    coord,
                    Command::Close(NoteIn {
                        note: "经两次重办，部门已穷尽政策手段，由联络员回访说明后办结。".into()
                    }),
                    day,
                    10
                );
            }
        }
        _ => {}
    }
    Ok(())
}

/// The current year up to today: the last twelve weeks of editions, next week's edition
/// planned, and issues whose lives stop at today, so that some are open and overdue.
pub fn load_current_year(
    conn: &mut DbConn,
    w: &mut World,
    regions: &[i64],
    edition_number: &mut i32,
    progress: &mut dyn FnMut(String),
) -> Result<(), String> {
    let today = time::today();
    let first = super::current_stretch_start(today);
    let next = crate::domain::forum::next_wednesday_after(today);
    let days = wednesdays(&w.cal, first, next);
    progress(format!(
        "{}: {} editions up to next Wednesday ({next})",
        today.year(),
        days.len()
    ));
    let held = program(
        conn,
        w,
        regions,
        &days,
        0,
        days.len() * regions.len() * 7,
        edition_number,
        Some(today),
    )?;
    let issues_n = held.len() * 5;
    let t = YearTargets {
        year: today.year(),
        first: (first.month(), first.day()),
        last: (today.month(), today.day()),
        forums_held: held.len(),
        cancelled: 0,
        attendances: 0,
        issues: issues_n,
        rated: issues_n * 9 / 10,
        satisfied: issues_n * 9 / 10 - issues_n / 100,
    };
    let mut plan = fates(&t, 0)?;
    w.rng.shuffle(&mut plan);
    for (i, fate) in plan.into_iter().enumerate() {
        let forum = &held[i * held.len() / issues_n.max(1)];
        if forum.attendees.is_empty() {
            continue;
        }
        let ent = forum.attendees[w.rng.below(forum.attendees.len())];
        let filed = at(forum.day, 10, 30 + (i % 90) as u32);
        issue(
            conn,
            w,
            ent,
            Some((forum.id, forum.region)),
            Channel::Forum,
            filed,
            fate,
        )?;
        tick(w, issues_n, t.year, progress);
    }
    Ok(())
}
