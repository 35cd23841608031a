//! The demo's playback: the programme as it happened, run through the service layer with
//! historical times, so that every row passes the same rules as the API's.

use std::collections::BTreeMap;

use chrono::{Datelike, Days, NaiveDate, NaiveDateTime};

use super::data::*;
use super::plan::*;
use super::problems;
use crate::auth::Caller;
use crate::db::DbConn;
use crate::domain::calendar::WorkCalendar;
use crate::domain::forum::Status as ForumStatus;
use crate::domain::issue::{Category, Channel, Outcome, Rating};
use crate::domain::role::Role;
use crate::domain::time;
use crate::service::editions::{self, NewEditionIn};
use crate::service::enterprises::Size;
use crate::service::forums::{self, AttendeeIn, ForumPatch, NewForumIn};
use crate::service::issues::actions::{
    self, AnswerIn, AssignIn, Command, CommentIn, DecisionIn, ExtensionIn, MarkIn, NoteIn,
    OptionalNoteIn, RatingIn, ReasonIn,
};
use crate::service::issues::filing::{file_at, FileIn};

/// An entrepreneur: one enterprise, one name, one title, whichever forum they attend.
#[derive(Clone, Debug)]
pub struct Person {
    pub enterprise: i64,
    pub name: String,
    pub title: &'static str,
}

/// What the demo knows of an enterprise to write its problems: its name without place and
/// form, its industry, size and town.
#[derive(Clone, Debug)]
pub struct Firm {
    pub trade: String,
    pub industry: &'static str,
    pub size: Size,
    pub town: &'static str,
    pub region: i64,
}

pub struct World {
    pub rng: Rng,
    pub firms: BTreeMap<i64, Firm>,
    /// Titles written so far, and how often.
    pub titles: std::collections::HashMap<String, u8>,
    /// The problems each enterprise has raised.
    pub raised: std::collections::HashSet<(i64, &'static str)>,
    /// Each department's handler as an answer names them: name and telephone.
    pub staff: BTreeMap<i64, (String, String)>,
    pub cal: WorkCalendar,
    pub departments: BTreeMap<&'static str, i64>,
    /// Enterprises by region id, each with the one person who speaks for it.
    pub enterprises: BTreeMap<i64, Vec<Person>>,
    /// Handler of each department; users of some enterprises.
    pub handlers: BTreeMap<i64, Caller>,
    /// Who stands for a city department in a district: (region id, city department) → id.
    pub local: BTreeMap<(i64, &'static str), i64>,
    pub enterprise_users: BTreeMap<i64, Caller>,
    pub coordinator: Caller,
    pub leader: Caller,
    /// Times after this are the future: steps due then are not taken.
    pub horizon: NaiveDateTime,
    pub issues_done: usize,
}

struct HeldForum {
    id: i64,
    day: NaiveDate,
    /// The departments that sat at it, and the categories its theme is about.
    departments: Vec<i64>,
    theme: &'static [Category],
    attendees: Vec<i64>,
}

/// What a stretch's forums come to: single forums called off, extra forums, and the
/// attendances (spread to add up exactly when given).
struct ForumPlan {
    cancelled: usize,
    extras: usize,
    attendances: Option<usize>,
}

/// One forum to hold: the edition's index, the region's index, an extra forum's name and
/// venue, and whether it is called off.
struct Planned {
    edition: usize,
    region: usize,
    extra: Option<(&'static str, &'static str)>,
    cancelled: bool,
}

/// Editions, forums and attendance of one stretch of weeks; returns the held forums.
/// Every region holds its forum each week, towns and industries now and then an extra
/// one; forums after `scheduled_after` stay planned.
fn program(
    conn: &mut DbConn,
    w: &mut World,
    regions: &[i64],
    days: &[NaiveDate],
    plan: &ForumPlan,
    edition_number: &mut i32,
    scheduled_after: Option<NaiveDate>,
) -> Result<Vec<HeldForum>, String> {
    let mut forums: Vec<Planned> = Vec::new();
    let n = days.len();
    for e in 0..n {
        for r in 0..regions.len() {
            forums.push(Planned {
                edition: e,
                region: r,
                extra: None,
                cancelled: false,
            });
        }
        for x in 0..plan.extras {
            if x * n / plan.extras.max(1) == e && n > 0 {
                let (r, name, venue) = EXTRA_FORUMS[(x * 5 + e) % EXTRA_FORUMS.len()];
                forums.push(Planned {
                    edition: e,
                    region: r,
                    extra: Some((name, venue)),
                    cancelled: false,
                });
            }
        }
    }
    // Single district forums called off, spread over the stretch.
    for c in 0..plan.cancelled {
        let e = (2 * c + 1) * n / (2 * plan.cancelled).max(1);
        let r = 1 + (c * 2 + 3) % (regions.len() - 1).max(1);
        if let Some(f) = forums
            .iter_mut()
            .find(|f| f.edition == e && f.region == r && f.extra.is_none())
        {
            f.cancelled = true;
        }
    }
    let kinds: Vec<u8> = forums
        .iter()
        .filter(|f| !f.cancelled)
        .map(|f| match (f.extra, f.region) {
            (Some(_), _) => 2,
            (None, 0) => 0,
            _ => 1,
        })
        .collect();
    let mut sizes = attendance_sizes(&mut w.rng, &kinds, plan.attendances).into_iter();
    let start =
        NaiveDate::from_ymd_opt(Y2022.first.0, Y2022.first.1, Y2022.first.2).ok_or("bad date")?;
    let mut held = Vec::new();
    let mut edition = None;
    for f in forums {
        let day = days[f.edition];
        let theme = THEMES[f.edition % THEMES.len()];
        let edition_id = match edition {
            Some((e, id)) if e == f.edition => id,
            _ => {
                *edition_number += 1;
                let row = editions::create(
                    conn,
                    &w.coordinator,
                    NewEditionIn {
                        number: *edition_number,
                        held_on: day,
                        theme: theme.to_owned(),
                        reschedule_reason: None,
                        record: day < crate::domain::time::today(),
                    },
                )
                .map_err(|e| e.one_line())?;
                edition = Some((f.edition, row.id));
                row.id
            }
        };
        let r = f.region;
        let (_, short, venue, post, _) = REGIONS[r];
        let (theme, venue) = match f.extra {
            Some((name, venue)) => (name, venue),
            None => (theme, venue),
        };
        let about = theme_categories(theme);
        let depts = forum_departments(w, regions[r], about);
        let new = NewForumIn {
            edition_id,
            region_id: regions[r],
            venue: Some(venue.to_owned()),
            theme: Some(theme.to_owned()),
            chair_name: Some(chair(r, day, start).to_owned()),
            chair_title: Some(post.to_owned()),
            department_ids: depts.clone(),
        };
        let depts_held = depts;
        let forum = forums::create(conn, &w.coordinator, new).map_err(|e| e.one_line())?;
        if scheduled_after.is_some_and(|d| day > d) {
            continue;
        }
        let update = ForumPatch {
            status: Some(if f.cancelled {
                ForumStatus::Cancelled
            } else {
                ForumStatus::Held
            }),
            minutes: Some((!f.cancelled).then(|| {
                format!("{short}恳谈会：{theme}。与会部门现场答复企业诉求，会后问题按程序交办。")
            })),
            cancel_reason: f
                .cancelled
                .then(|| "主持领导临时公务冲突，议题并入下期".to_owned()),
            venue: None,
            theme: None,
            chair_name: None,
            chair_title: None,
            department_ids: None,
        };
        forums::update(conn, &w.coordinator, forum.id, update).map_err(|e| e.one_line())?;
        if f.cancelled {
            continue;
        }
        let here = sizes.next().unwrap_or(0);
        let pool = w.enterprises.get(&regions[r]).cloned().unwrap_or_default();
        let mut chosen: Vec<Person> = Vec::new();
        while chosen.len() < here.min(pool.len()) {
            let cand = w.rng.pick(&pool).clone();
            if !chosen.iter().any(|c| c.enterprise == cand.enterprise) {
                chosen.push(cand);
            }
        }
        for p in &chosen {
            let attendee = AttendeeIn {
                person_name: p.name.clone(),
                title: p.title.to_owned(),
                enterprise_id: Some(p.enterprise),
                enterprise: None,
            };
            forums::add_attendee(conn, &w.coordinator, forum.id, attendee)
                .map_err(|e| e.one_line())?;
        }
        held.push(HeldForum {
            id: forum.id,
            day,
            departments: depts_held,
            theme: about,
            attendees: chosen.into_iter().map(|c| c.enterprise).collect(),
        });
    }
    Ok(held)
}

fn date(d: (i32, u32, u32)) -> Result<NaiveDate, String> {
    NaiveDate::from_ymd_opt(d.0, d.1, d.2).ok_or_else(|| format!("bad date {d:?}"))
}

/// One stretch of the programme from its targets: editions on its meeting days, forums
/// and attendances adding up to them, and its issues with the fates that make its
/// collected, rated and satisfied counts.
pub fn load_stretch(
    conn: &mut DbConn,
    w: &mut World,
    regions: &[i64],
    t: &Stretch,
    edition_number: &mut i32,
    progress: &mut dyn FnMut(String),
) -> Result<(), String> {
    let (first, last) = (date(t.first)?, date(t.last)?);
    let days = edition_days(&w.cal, first, last);
    let base = days.len() * regions.len();
    let extras = (t.forums_held + t.cancelled)
        .checked_sub(base)
        .ok_or_else(|| {
            format!(
                "{}: {} editions hold more than {} forums",
                t.name,
                days.len(),
                t.forums_held
            )
        })?;
    progress(format!(
        "{}: {} editions, {} forums ({} of them for a town or an industry)",
        t.name,
        days.len(),
        t.forums_held,
        extras
    ));
    let plan = ForumPlan {
        cancelled: t.cancelled,
        extras,
        attendances: Some(t.attendances),
    };
    let held = super::at_once(conn, |conn| {
        program(conn, w, regions, &days, &plan, edition_number, None)
    })?;
    if held.len() != t.forums_held {
        return Err(format!(
            "{}: {} forums held, not {}",
            t.name,
            held.len(),
            t.forums_held
        ));
    }
    issues_of(conn, w, regions, t, &held, (first, last), progress)
}

/// The issues of a stretch: three in four raised at its forums (in proportion to who came;
/// one in six of those solved on the spot), the rest online, on visits, health checks and
/// the hotline on working days; a few withdrawn.
fn issues_of(
    conn: &mut DbConn,
    w: &mut World,
    regions: &[i64],
    t: &Stretch,
    held: &[HeldForum],
    (first, last): (NaiveDate, NaiveDate),
    progress: &mut dyn FnMut(String),
) -> Result<(), String> {
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
    // Each attendance is a seat that may raise an issue: larger forums raise more.
    let seats: Vec<(usize, i64)> = held
        .iter()
        .enumerate()
        .flat_map(|(k, f)| f.attendees.iter().map(move |e| (k, *e)))
        .collect();
    if seats.is_empty() && at_forums > 0 {
        return Err(format!("{}: issues at forums nobody attended", t.name));
    }
    let total = t.issues;
    for (c, batch) in forum_fates.chunks(BATCH).enumerate() {
        super::at_once(conn, |conn| {
            for (j, fate) in batch.iter().enumerate() {
                let i = c * BATCH + j;
                let (k, ent) = seats[i * seats.len() / at_forums.max(1)];
                let forum = &held[k];
                let filed = raised_at(w, forum);
                issue(conn, w, ent, Some(forum), Channel::Forum, filed, *fate)?;
                tick(w, total, t.name, progress);
            }
            Ok(())
        })?;
    }
    let span = (last - first).num_days().max(1) as u64;
    for batch in rest.chunks(BATCH) {
        super::at_once(conn, |conn| {
            for fate in batch {
                other_channel(conn, w, regions, (first, span), *fate)?;
                tick(w, total, t.name, progress);
            }
            Ok(())
        })?;
    }
    withdrawals(conn, w, t, (first, span))?;
    w.issues_done = 0;
    Ok(())
}

/// Issues in one transaction, as the playback writes them.
const BATCH: usize = 100;

/// An issue filed online, on a visit, a health check or the hotline on a working day of
/// the stretch.
fn other_channel(
    conn: &mut DbConn,
    w: &mut World,
    regions: &[i64],
    (first, span): (NaiveDate, u64),
    fate: Fate,
) -> Result<(), String> {
    let day = working_day_in(w, first, span);
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
            .map(|e| e.enterprise)
            .filter(|e| w.enterprise_users.contains_key(e))
            .collect();
        *w.rng.pick(&with_user)
    } else {
        w.rng.pick(&pool).enterprise
    };
    let hours = if channel == Channel::Online {
        Hours::Enterprise
    } else {
        Hours::Desk
    };
    let filed = hours.on(&mut w.rng, day);
    issue(conn, w, ent, None, channel, filed, fate)
}

/// A working day drawn from the `span` days from `first`, up to today.
fn working_day_in(w: &mut World, first: NaiveDate, span: u64) -> NaiveDate {
    let day = first + Days::new(w.rng.next() % span);
    let mut day = if w.cal.is_working_day(day) {
        day
    } else {
        w.cal.add_working_days(day, 1)
    }
    .min(time::local_date(w.horizon));
    while !w.cal.is_working_day(day) && day > first {
        day = day.pred_opt().unwrap_or(first);
    }
    day
}

/// A few filings are withdrawn before assignment, by several enterprises; they count
/// nowhere.
fn withdrawals(
    conn: &mut DbConn,
    w: &mut World,
    t: &Stretch,
    (first, span): (NaiveDate, u64),
) -> Result<(), String> {
    let users: Vec<(i64, Caller)> = w
        .enterprise_users
        .iter()
        .map(|(e, c)| (*e, c.clone()))
        .collect();
    for k in 0..(t.issues / 150) {
        let (e, who) = users
            .get((k * 7) % users.len().max(1))
            .cloned()
            .ok_or("no enterprise user")?;
        let day = working_day_in(w, first, span);
        let filed = Hours::Enterprise.on(&mut w.rng, day);
        // Withdrawn within hours or a day or two, before the Federation assigned it.
        let then = w.cal.add_working_days(day, w.rng.below(3) as u32);
        let withdrawn = Hours::Enterprise.after(&mut w.rng, &w.cal, then, filed);
        if withdrawn > w.horizon {
            continue;
        }
        let id = file_at(
            conn,
            &who,
            &{
                let mut body = file_about(w, e, None, Channel::Online, false, None).0;
                name_it(w, e, &mut body);
                body
            },
            filed,
        )
        .map_err(|e| e.one_line())?;
        actions::execute(conn, &who, id, None, Command::Withdraw, withdrawn)
            .map_err(|e| e.one_line())?;
    }
    Ok(())
}

/// The 回访 reminder of an answer given on `answered` and left unrated, made when the
/// server makes it (five working days on, just after midnight); none while that is still to
/// come. Answers the day it was made.
fn remind_follow_up(
    conn: &mut DbConn,
    w: &mut World,
    id: i64,
    answered: NaiveDate,
) -> Result<Option<NaiveDate>, String> {
    let rules = crate::service::notices::ReminderRules::default();
    let day = w.cal.add_working_days(answered, rules.follow_up_days);
    let when = at(day, 0, 5 + w.rng.below(20) as u32);
    if when > w.horizon {
        return Ok(None);
    }
    let row = crate::store::issues::get(conn, &crate::store::scope::Scope::All, id)
        .map_err(|e| e.to_string())?
        .ok_or("the issue just answered is missing")?;
    crate::service::notices::follow_up_reminder(conn, &row, when).map_err(|e| e.one_line())?;
    Ok(Some(day))
}

/// When an issue raised at a forum is registered: during the forum or in the hours after
/// it (a third of the forums meet at 9:00, the others at 14:00).
fn raised_at(w: &mut World, forum: &HeldForum) -> NaiveDateTime {
    let start = if forum.id % 3 == 0 { 9 } else { 14 };
    at(forum.day, start, 0) + chrono::Duration::minutes(30 + w.rng.below(210) as i64)
}

fn tick(w: &mut World, total: usize, name: &str, progress: &mut dyn FnMut(String)) {
    w.issues_done += 1;
    if w.issues_done.is_multiple_of(250) || w.issues_done == total {
        progress(format!("{name}: issues {}/{total}", w.issues_done));
    }
}

/// A filing about a problem of `category` (else one drawn by weight) that this enterprise
/// has not raised before, its details filled in for it (its own products, amounts of its
/// size); with the department that owns the problem. The title is the problem's own words
/// until [`name_it`] writes it as the enterprise does.
fn file_about(
    w: &mut World,
    ent: i64,
    forum: Option<i64>,
    channel: Channel,
    on_site: bool,
    category: Option<Category>,
) -> (FileIn, &'static str) {
    let category = category.unwrap_or_else(|| pick_category(&mut w.rng));
    let list = problems::problems(category);
    let mut problem = *w.rng.pick(list);
    for _ in 0..8 {
        if !w.raised.contains(&(ent, problem.0)) {
            break;
        }
        problem = *w.rng.pick(list);
    }
    let (title, text, owner) = problem;
    let (industry, scale) = match w.firms.get(&ent) {
        Some(f) => (
            f.industry,
            match f.size {
                Size::Micro => 1,
                Size::Small => 3,
                Size::Medium => 10,
                Size::Large => 40,
            },
        ),
        None => ("产品", 3),
    };
    // As a person writes it: now and then who they are first, and how pressing it is last.
    let town = w.firms.get(&ent).map_or("园区", |f| f.town);
    let opening = match w.rng.below(6) {
        0 => format!("我们是{town}的一家{industry}企业。"),
        1 => format!("公司主营{industry}，"),
        _ => String::new(),
    };
    let mut description = format!("{opening}{text}{}", w.rng.pick(&DESCRIPTION_ENDINGS));
    for (mark, value) in [
        ("{a}", ((20 + w.rng.below(81)) * scale).to_string()),
        ("{m}", ((1 + w.rng.below(5)) * scale).to_string()),
        ("{k}", ((2 + w.rng.below(9)) * scale).to_string()),
        ("{d}", (15 + w.rng.below(106)).to_string()),
        ("{p}", industry.to_owned()),
    ] {
        description = description.replace(mark, &value);
    }
    let body = FileIn {
        title: title.to_owned(),
        description,
        category,
        channel,
        enterprise_id: Some(ent),
        forum_id: forum,
        resolved_on_site: on_site,
        on_site_answer: None,
        department_id: None,
    };
    (body, owner)
}

/// Writes the title of a filing as its enterprise does: the problem's own words, or with its
/// industry, its town or its name in front, whichever has been used fewer than five times
/// (so that titles rarely repeat); and remembers that this enterprise raised it.
fn name_it(w: &mut World, ent: i64, body: &mut FileIn) {
    let base = body.title.clone();
    let Some(firm) = w.firms.get(&ent) else {
        return;
    };
    let mut forms = [
        base.clone(),
        // (企业数据重复报送 of a 纺织 firm: 纺织企业数据重复报送)
        match base.strip_prefix("企业") {
            Some(rest) => format!("{}企业{rest}", firm.industry),
            None => format!("{}企业{base}", firm.industry),
        },
        format!("{}{base}", firm.town),
        format!("{}公司{base}", firm.trade),
    ];
    let last = format!("{}{}公司{base}", firm.town, firm.trade);
    w.rng.shuffle(&mut forms);
    let title = forms
        .into_iter()
        .find(|t| w.titles.get(t).copied().unwrap_or(0) < 5)
        .unwrap_or(last);
    *w.titles.entry(title.clone()).or_default() += 1;
    if let Some((t, ..)) = problems::problems(body.category)
        .iter()
        .find(|p| p.0 == base)
    {
        w.raised.insert((ent, t));
    }
    body.title = title;
}

/// A department's name today.
fn department_name(w: &World, id: i64) -> &'static str {
    w.departments
        .iter()
        .find(|(_, d)| **d == id)
        .map_or("相关部门", |(n, _)| name_today(n))
}

/// Whether a department is one of the city's.
fn is_city(name: &str) -> bool {
    DEPARTMENTS.iter().any(|d| d.0 == name)
}

/// The departments sitting at a region's forum: for each category its theme is about, two
/// of the departments owning such problems (the district's own where it has one), and the
/// region's catch-all office.
fn forum_departments(w: &mut World, region: i64, theme: &[Category]) -> Vec<i64> {
    let mut out: Vec<i64> = Vec::new();
    let local = |w: &World, owner: &'static str| {
        w.local
            .get(&(region, owner))
            .or_else(|| w.departments.get(owner))
            .copied()
    };
    for c in theme {
        let mut owners: Vec<&'static str> = Vec::new();
        for p in problems::problems(*c) {
            if !owners.contains(&p.2) {
                owners.push(p.2);
            }
        }
        w.rng.shuffle(&mut owners);
        for owner in owners.into_iter().take(2) {
            if let Some(d) = local(w, owner).filter(|d| !out.contains(d)) {
                out.push(d);
            }
        }
    }
    if let Some(d) = local(w, "市营商环境建设办公室").filter(|d| !out.contains(d)) {
        out.push(d);
    }
    out
}

/// Files one issue and plays its life through the issue actions, up to the horizon.
#[allow(unused_assignments)] // the time of the last step, read by the next when there is one
fn issue(
    conn: &mut DbConn,
    w: &mut World,
    ent: i64,
    forum: Option<&HeldForum>,
    channel: Channel,
    filed: NaiveDateTime,
    fate: Fate,
) -> Result<(), String> {
    let on_site = matches!(fate, Fate::OnSiteRated | Fate::OnSiteUnrated);
    // What no department can act on is a civil dispute or the enterprise's own business;
    // what leaves an enterprise dissatisfied is most often land, approvals, works or money,
    // so that the departments owning those fall to the bottom of the ranking.
    let forced = match fate {
        Fate::NotActionable => Some(*w.rng.pick(&[Category::Legal, Category::Other])),
        Fate::DisputedClosed | Fate::ReopenedThenSatisfied => Some(*w.rng.pick(&[
            Category::Land,
            Category::Land,
            Category::Land,
            Category::Approval,
            Category::Approval,
            Category::Infrastructure,
            Category::Infrastructure,
            Category::Financing,
            Category::Talent,
            Category::Policy,
        ])),
        // At a forum, half of what is raised is of its theme.
        _ => match forum {
            Some(f) if w.rng.chance(500) => Some(*w.rng.pick(f.theme)),
            _ => None,
        },
    };
    let forum_id = forum.map(|f| f.id);
    // A district's problem goes to its own department where it has one (most of the time:
    // some the Federation sends to the city's); what is solved on the spot always does.
    let region = w.firms.get(&ent).map(|f| f.region);
    let local_first = on_site || w.rng.chance(920);
    let lead_for = |w: &World, owner: &'static str| -> Option<i64> {
        region
            .filter(|_| local_first)
            .and_then(|r| w.local.get(&(r, owner)).copied())
            .or_else(|| w.departments.get(owner).copied())
    };
    let (mut body, mut owner) = file_about(w, ent, forum_id, channel, on_site, forced);
    // What is solved on the spot is what a department at that forum owns.
    let present: Vec<i64> = forum.map(|f| f.departments.clone()).unwrap_or_default();
    for _ in 0..40 {
        if !on_site || lead_for(w, owner).is_some_and(|d| present.contains(&d)) {
            break;
        }
        (body, owner) = file_about(w, ent, forum_id, channel, on_site, forced);
    }
    let mut lead = lead_for(w, owner).ok_or("no lead department")?;
    if on_site {
        // Solved on the spot by a department that sat at that forum.
        if !present.contains(&lead) {
            lead = present.first().copied().unwrap_or(lead);
        }
        body.department_id = Some(lead);
        // Who answered, in their words.
        let said = problems::answers(body.category)[0];
        body.on_site_answer = Some(format!(
            "{}{}现场答复：{}",
            department_name(w, lead),
            w.rng.pick(&ON_SITE_SPEAKERS),
            w.rng.pick(said)
        ));
    }
    name_it(w, ent, &mut body);
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
    // Each step on a day; a step after the horizon (the future) is not taken. Each at an hour of its actor's profile, a plausible gap after the step before; the
    // day it was taken on.
    let mut last = filed;
    macro_rules! step {
        ($who:expr, $cmd:expr, $day:expr) => {{
            let who = &$who;
            let when = Hours::of(who.role).after(&mut w.rng, &w.cal, $day, last);
            if when > horizon {
                return Ok(());
            }
            actions::execute(conn, who, id, None, $cmd, when).map_err(|e| e.one_line())?;
            last = when;
            time::local_date(when)
        }};
    }
    // 是否解决 and how satisfied are asked apart: a basically satisfied enterprise says now
    // and then that the problem itself is not solved yet.
    // Whether the problem is solved follows the answer: an explanation or a plan is
    // rarely "solved", however satisfied the enterprise is with it.
    let rating = |w: &mut World, r: Rating, outcome: Outcome| {
        let basically = match outcome {
            Outcome::Resolved => 120,
            Outcome::Explained | Outcome::Planned => 350,
        };
        let rating = if r == Rating::Satisfied && w.rng.chance(basically) {
            Rating::BasicallySatisfied
        } else {
            r
        };
        let solved = match outcome {
            Outcome::Resolved => {
                rating == Rating::Satisfied
                    || (rating == Rating::BasicallySatisfied && !w.rng.chance(300))
            }
            Outcome::Explained => w.rng.chance(60),
            Outcome::Planned => w.rng.chance(180),
        };
        RatingIn {
            solved,
            rating,
            comment: w
                .rng
                .chance(150)
                .then(|| w.rng.pick(&SATISFIED_COMMENTS).to_string()),
        }
    };
    // An answer left unrated: the reminder to call (回访) came when the server makes it;
    // in the live weeks the Federation then called, and most enterprises said.
    let live = horizon - filed < chrono::Duration::days(100);
    if on_site {
        if fate == Fate::OnSiteRated {
            day = w.cal.add_working_days(day, 1 + w.rng.below(3) as u32);
            step!(
                rater,
                Command::Rate(rating(w, Rating::Satisfied, Outcome::Resolved)),
                day
            );
        } else if let Some(call) = remind_follow_up(conn, w, id, day)? {
            if live && w.rng.chance(700) {
                step!(
                    coord,
                    Command::Rate(rating(w, Rating::Satisfied, Outcome::Resolved)),
                    call
                );
            }
        }
        return Ok(());
    }
    // The newest issues are still with the Federation: one in four filed in the last two
    // weeks waits to be assigned, whatever the day and hour the demo is loaded.
    if horizon - filed < chrono::Duration::days(14) && w.rng.chance(250) {
        return Ok(());
    }
    // One in twenty goes first to a department that does not own it and comes back.
    let owner_lead = lead;
    let misrouted = fate != Fate::NotActionable && w.rng.chance(50);
    if misrouted {
        let wrong: Vec<i64> = w
            .departments
            .iter()
            .filter(|(name, d)| is_city(name) && **d != lead)
            .map(|(_, d)| *d)
            .collect();
        lead = wrong[w.rng.below(wrong.len())];
    }
    // 交办 within three working days, in the morning; one in twelve with a co-handling
    // department (协办).
    day = w.cal.add_working_days(day, 1 + w.rng.below(3) as u32);
    let co: Vec<i64> = if w.rng.chance(85) {
        let helper = [
            "市营商环境建设办公室",
            "市经济和信息化局",
            "市发展和改革委员会",
        ]
        .iter()
        .filter_map(|n| w.departments.get(n).copied())
        .filter(|d| *d != lead)
        .collect::<Vec<i64>>();
        helper
            .get(w.rng.below(helper.len()))
            .copied()
            .into_iter()
            .collect()
    } else {
        Vec::new()
    };
    day = step!(
        coord,
        Command::Assign(AssignIn {
            lead_department_id: lead,
            co_department_ids: co,
            due_on: None,
            note: None
        }),
        day
    );
    // The Federation marks one in five as 共性 (shared by many enterprises) or 个性.
    if w.rng.chance(200) {
        let common = matches!(
            body.category,
            Category::Policy | Category::Financing | Category::Talent | Category::Infrastructure
        ) && w.rng.chance(600);
        step!(coord, Command::Mark(MarkIn { common }), day);
    }
    let mut due = w
        .cal
        .add_working_days(day, crate::domain::issue::DEFAULT_WORKING_DAYS);
    let mut handler = w.handlers.get(&lead).cloned().ok_or("no handler")?;
    if fate == Fate::NotActionable {
        day = step!(
            handler,
            Command::Return(ReasonIn {
                reason: "经与企业核实，该诉求不属于行政职能范围，请联络员研究处理。".into()
            }),
            w.cal.add_working_days(day, 1)
        );
        day = w.cal.add_working_days(day, 1);
        let note = problems::NOT_ACTIONABLE[usize::from(body.category == Category::Other)];
        step!(coord, Command::Close(NoteIn { note: note.into() }), day);
        return Ok(());
    }
    if misrouted {
        let owner_name = w
            .departments
            .iter()
            .find(|(_, d)| **d == owner_lead)
            .map_or("相关部门", |(n, _)| *n);
        // One in five is misrouted twice (a second return flags it for supervision).
        let hops = if w.rng.chance(200) { 2 } else { 1 };
        for hop in 0..hops {
            day = step!(
                handler,
                Command::Return(ReasonIn {
                    reason: problems::return_reason(body.category, owner_name)
                }),
                w.cal.add_working_days(day, 1)
            );
            lead = if hop + 1 < hops {
                let others: Vec<i64> = w
                    .departments
                    .iter()
                    .filter(|(name, d)| is_city(name) && **d != lead && **d != owner_lead)
                    .map(|(_, d)| *d)
                    .collect();
                others[w.rng.below(others.len())]
            } else {
                owner_lead
            };
            handler = w.handlers.get(&lead).cloned().ok_or("no handler")?;
            day = step!(
                coord,
                Command::Assign(AssignIn {
                    lead_department_id: lead,
                    co_department_ids: Vec::new(),
                    due_on: None,
                    note: Some("重新交办".into())
                }),
                w.cal.add_working_days(day, 1)
            );
        }
        due = w
            .cal
            .add_working_days(day, crate::domain::issue::DEFAULT_WORKING_DAYS);
    }
    // 签收: most the same afternoon, some the next working day, a few late.
    let sign_day = if w.rng.chance(40) {
        w.cal.add_working_days(day, 2)
    } else if w.rng.chance(300) {
        w.cal.add_working_days(day, 1)
    } else {
        day
    };
    day = step!(handler, Command::Sign, sign_day);
    // Now and then the enterprise or the handler writes on the issue (留言).
    if w.rng.chance(60) {
        let (who, text) = if rater.role == Role::Enterprise && w.rng.chance(500) {
            (rater.clone(), *w.rng.pick(&ENTERPRISE_COMMENTS))
        } else {
            (handler.clone(), *w.rng.pick(&HANDLER_COMMENTS))
        };
        let when_day = w.cal.add_working_days(day, 1);
        step!(
            who,
            Command::Comment(CommentIn { text: text.into() }),
            when_day
        );
    }
    // Some ask for more time; most get it.
    if w.rng.chance(60) {
        let new_due = w.cal.add_working_days(due, 5 + w.rng.below(5) as u32);
        day = step!(
            handler,
            Command::RequestExtension(ExtensionIn {
                new_due_on: new_due,
                reason: "需协调上级部门".into()
            }),
            w.cal.add_working_days(day, 2)
        );
        let granted = w.rng.chance(800);
        let ext = crate::service::issues::extensions(conn, &coord, id)
            .map_err(|e| e.one_line())?
            .last()
            .map(|e| e.id)
            .ok_or("no extension")?;
        // Decided within one to three working days: the newest still wait.
        let decide_on = w.cal.add_working_days(day, 1 + w.rng.below(3) as u32);
        day = step!(
            coord,
            Command::DecideExtension(
                ext,
                DecisionIn {
                    granted,
                    note: (!granted).then(|| "理由不充分，请按原期限办理".to_owned())
                }
            ),
            decide_on
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
                    note: Some(w.rng.pick(&URGE_NOTES).to_string())
                }),
                urge_day
            );
        }
    }
    // A leader supervises now and then what has stalled.
    if stalled && w.rng.chance(400) {
        let supervise_day = w.cal.add_working_days(due, 3 + w.rng.below(5) as u32);
        if supervise_day < answer_day {
            step!(
                w.leader.clone(),
                Command::Supervise(OptionalNoteIn {
                    note: Some(w.rng.pick(&SUPERVISE_NOTES).to_string())
                }),
                supervise_day
            );
        }
    }
    day = answer_day.max(day);
    // What will not satisfy is more often an explanation or a plan than a solution.
    let outcome = if matches!(fate, Fate::ReopenedThenSatisfied | Fate::DisputedClosed) {
        *w.rng.pick(&[
            Outcome::Resolved,
            Outcome::Explained,
            Outcome::Explained,
            Outcome::Planned,
        ])
    } else {
        *w.rng.pick(&[
            Outcome::Resolved,
            Outcome::Resolved,
            Outcome::Resolved,
            Outcome::Resolved,
            Outcome::Resolved,
            Outcome::Resolved,
            Outcome::Explained,
            Outcome::Explained,
            Outcome::Planned,
            Outcome::Planned,
        ])
    };
    let said = problems::answers(body.category);
    let title = body.title.clone();
    let (who, phone) = w.staff.get(&lead).cloned().unwrap_or_default();
    // An answer in three parts: how the department went about it, what it found or did,
    // and who to call or what comes next.
    let answer = |w: &mut World, outcome: Outcome, day: NaiveDate| {
        let k = match outcome {
            Outcome::Resolved => 0,
            Outcome::Explained => 1,
            Outcome::Planned => 2,
        };
        let closing = w
            .rng
            .pick(&ANSWER_CLOSINGS)
            .replace("{n}", &who)
            .replace("{t}", &phone)
            .replace("{w}", &time::zh_date(day));
        AnswerIn {
            outcome,
            text: format!(
                "关于“{title}”：{}{}{closing}",
                w.rng.pick(&ANSWER_OPENINGS[k]),
                w.rng.pick(said[k])
            ),
            planned_on: (outcome == Outcome::Planned).then(|| day + Days::new(60)),
            attachment_ids: Vec::new(),
        }
    };
    day = step!(handler, Command::Answer(answer(w, outcome, day)), day);
    if fate == Fate::Unrated {
        if let Some(call) = remind_follow_up(conn, w, id, day)? {
            if live && w.rng.chance(700) {
                step!(
                    coord,
                    Command::Rate(rating(w, Rating::Satisfied, outcome)),
                    call
                );
            }
        }
        return Ok(());
    }
    day = w.cal.add_working_days(day, 1 + w.rng.below(4) as u32);
    match fate {
        Fate::Satisfied => {
            step!(
                rater,
                Command::Rate(rating(w, Rating::Satisfied, outcome)),
                day
            );
        }
        Fate::ReopenedThenSatisfied | Fate::DisputedClosed => {
            day = step!(
                rater,
                Command::Rate(RatingIn {
                    solved: false,
                    rating: Rating::Dissatisfied,
                    comment: Some(w.rng.pick(&DISSATISFIED_FIRST).to_string())
                }),
                day
            );
            day = w.cal.add_working_days(day, 3 + w.rng.below(4) as u32);
            day = step!(
                handler,
                Command::Answer(answer(w, Outcome::Resolved, day)),
                day
            );
            day = w.cal.add_working_days(day, 1 + w.rng.below(3) as u32);
            if fate == Fate::ReopenedThenSatisfied {
                step!(
                    rater,
                    Command::Rate(rating(w, Rating::Satisfied, Outcome::Resolved)),
                    day
                );
            } else {
                day = step!(
                    rater,
                    Command::Rate(RatingIn {
                        solved: false,
                        rating: Rating::Dissatisfied,
                        comment: Some(w.rng.pick(&DISSATISFIED_AGAIN).to_string())
                    }),
                    day
                );
                if w.rng.chance(300) {
                    step!(
                        w.leader.clone(),
                        Command::Supervise(OptionalNoteIn {
                            note: Some(w.rng.pick(&SUPERVISE_NOTES).to_string())
                        }),
                        day
                    );
                }
                day = w.cal.add_working_days(day, 3);
                step!(
                    coord,
                    Command::Close(NoteIn {
                        note: "经两次重办，部门已穷尽政策手段，由联络员回访说明后办结。".into()
                    }),
                    day
                );
            }
        }
        _ => {}
    }
    Ok(())
}

/// From June 2023 to the live stretch: the programme goes on every week, with fewer
/// issues a forum than in its first year.
pub fn load_middle(
    conn: &mut DbConn,
    w: &mut World,
    regions: &[i64],
    edition_number: &mut i32,
    progress: &mut dyn FnMut(String),
) -> Result<(), String> {
    let first = date(TO_MAY_2023.last)?.succ_opt().ok_or("bad date")?;
    let last = super::current_stretch_start(time::today())
        .pred_opt()
        .ok_or("bad date")?;
    if last < first {
        return Ok(());
    }
    let days = edition_days(&w.cal, first, last);
    let plan = ForumPlan {
        cancelled: days.len() / 40,
        extras: days.len() / 8,
        attendances: None,
    };
    progress(format!("{first} to {last}: {} editions", days.len()));
    let held = super::at_once(conn, |conn| {
        program(conn, w, regions, &days, &plan, edition_number, None)
    })?;
    let issues = held.len() * 2;
    // The Federation calls whoever does not rate (回访): nearly every answer is rated.
    let rated = issues * 99 / 100;
    let t = Stretch {
        name: "2023年6月起",
        first: (first.year(), first.month(), first.day()),
        last: (last.year(), last.month(), last.day()),
        forums_held: held.len(),
        cancelled: plan.cancelled,
        attendances: 0,
        issues,
        rated,
        satisfied: rated - rated / 150,
    };
    issues_of(conn, w, regions, &t, &held, (first, last), progress)
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
    let days = edition_days(&w.cal, first, next);
    progress(format!(
        "{first} to today: {} editions up to next Wednesday ({next})",
        days.len()
    ));
    let plan = ForumPlan {
        cancelled: 0,
        extras: days.len() / 4,
        attendances: None,
    };
    let held = super::at_once(conn, |conn| {
        program(conn, w, regions, &days, &plan, edition_number, Some(today))
    })?;
    let issues_n = held.len() * 5;
    let t = Stretch {
        name: "近12周",
        first: (first.year(), first.month(), first.day()),
        last: (today.year(), today.month(), today.day()),
        forums_held: held.len(),
        cancelled: 0,
        attendances: 0,
        issues: issues_n,
        rated: issues_n * 9 / 10,
        satisfied: issues_n * 9 / 10 - issues_n / 100,
    };
    let mut plan = fates(&t, 0)?;
    w.rng.shuffle(&mut plan);
    super::at_once(conn, |conn| live_issues(conn, w, &t, &held, plan, progress))
}

/// The live stretch's issues, at its forums.
fn live_issues(
    conn: &mut DbConn,
    w: &mut World,
    t: &Stretch,
    held: &[HeldForum],
    plan: Vec<Fate>,
    progress: &mut dyn FnMut(String),
) -> Result<(), String> {
    let issues_n = t.issues;
    for (i, fate) in plan.into_iter().enumerate() {
        let forum = &held[i * held.len() / issues_n.max(1)];
        if forum.attendees.is_empty() {
            continue;
        }
        let ent = forum.attendees[w.rng.below(forum.attendees.len())];
        let filed = raised_at(w, forum);
        issue(conn, w, ent, Some(forum), Channel::Forum, filed, fate)?;
        tick(w, issues_n, t.name, progress);
    }
    Ok(())
}

/// 政策问答: the Federation publishes, for each problem the programme met, the latest answer
/// that solved it to the enterprise's satisfaction (resolved or explained, rated 满意), the
/// enterprise's name taken out as publishing does.
pub fn publish_knowledge(
    conn: &mut DbConn,
    w: &World,
    progress: &mut dyn FnMut(String),
) -> Result<usize, String> {
    use crate::store::schema::issues;
    use diesel::prelude::*;
    let mut published = 0;
    for c in Category::ALL {
        for (title, _, _) in problems::problems(*c) {
            let pattern = crate::store::contains_pattern(title);
            let found: Option<i64> = issues::table
                .filter(issues::category.eq(*c))
                .filter(issues::title.like(pattern).escape('\\'))
                .filter(issues::rating.eq(Rating::Satisfied))
                .filter(issues::answer_outcome.eq_any([Outcome::Resolved, Outcome::Explained]))
                .filter(issues::merged_into.is_null())
                .order(issues::answered_at.desc())
                .select(issues::id)
                .first(conn)
                .optional()
                .map_err(|e| e.to_string())?;
            if let Some(issue_id) = found {
                let input = crate::service::knowledge::PublishIn {
                    issue_id,
                    question: None,
                    answer: None,
                };
                crate::service::knowledge::publish(conn, &w.coordinator, input)
                    .map_err(|e| e.one_line())?;
                published += 1;
            }
        }
    }
    progress(format!("{published} answers published as 政策问答"));
    Ok(published)
}

/// 共性问题: for each category, the problem raised in the most regions over the last
/// half year is grouped by the city coordinator under the department that owns it (its
/// latest issues, at most `GROUPED`); the departments of the first seven categories have
/// answered theirs as policy, the others are still working on it.
pub fn group_common_issues(
    conn: &mut DbConn,
    w: &World,
    progress: &mut dyn FnMut(String),
) -> Result<usize, String> {
    use crate::domain::lifecycle::State;
    use crate::service::common_issues::{self, AnswerIn, CommonIn};
    use crate::store::schema::issues;
    use diesel::dsl::count;
    use diesel::prelude::*;
    const GROUPED: i64 = 15;
    let since = time::local_date(w.horizon) - Days::new(183);
    let mut grouped = 0;
    for (n, c) in Category::ALL.iter().enumerate() {
        let mut best: Option<(i64, &problems::Problem)> = None;
        for p in problems::problems(*c) {
            let regions: i64 = issues::table
                .filter(issues::category.eq(*c))
                .filter(
                    issues::title
                        .like(crate::store::contains_pattern(p.0))
                        .escape('\\'),
                )
                .filter(issues::filed_on.ge(since))
                .select(count(issues::region_id).aggregate_distinct())
                .first(conn)
                .map_err(|e| e.to_string())?;
            if regions >= 2 && best.is_none_or(|(r, _)| regions > r) {
                best = Some((regions, p));
            }
        }
        let Some((_, (title, _, owner))) = best else {
            continue;
        };
        let Some(lead) = w.departments.get(owner).copied() else {
            continue;
        };
        let ids: Vec<i64> = issues::table
            .filter(issues::category.eq(*c))
            .filter(
                issues::title
                    .like(crate::store::contains_pattern(title))
                    .escape('\\'),
            )
            .filter(issues::filed_on.ge(since))
            .filter(issues::merged_into.is_null())
            .filter(issues::status.ne(State::Withdrawn))
            .order(issues::id.desc())
            .limit(GROUPED)
            .select(issues::id)
            .load(conn)
            .map_err(|e| e.to_string())?;
        if ids.len() < 2 {
            continue;
        }
        let input = CommonIn {
            title: (*title).to_owned(),
            description: format!(
                "近半年多个区县的企业反映“{title}”，由{owner}牵头研究统一的办理意见。"
            ),
            lead_department_id: lead,
            issue_ids: ids,
        };
        let group = common_issues::create(conn, &w.coordinator, input).map_err(|e| e.one_line())?;
        grouped += 1;
        if let (true, Some(handler)) = (n < 7, w.handlers.get(&lead)) {
            let text = format!(
                "针对多家企业反映的“{title}”问题，{owner}会同相关部门研究形成统一办理意见：\
                 符合条件的企业由所在区县对口部门集中受理、限时办结，办理口径已下发各区县；\
                 个别情况特殊的，由{owner}逐一协调。"
            );
            common_issues::answer(conn, handler, group.id, AnswerIn { text })
                .map_err(|e| e.one_line())?;
        }
    }
    progress(format!("{grouped} 共性问题 grouped"));
    Ok(grouped)
}
