//! Editions (期) of the weekly forum, and planning the next one with its linked forums.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::audit::{self, Object};
use super::common::{nullable, page, present, utc, Check, Paged};
use super::forums::{forum_views, Forum};
use super::regions::check_in_scope;
use crate::auth::Caller;
use crate::db::{self, DbConn};
use crate::domain::forum::{date_error, next_wednesday_after, Status};
use crate::domain::role::Role;
use crate::domain::time;
use crate::error::{unique_as, Error};
use crate::store::forums::{self as store, EditionRow, ForumFields, NewEdition};

#[derive(Serialize)]
pub struct ForumCounts {
    pub scheduled: i64,
    pub held: i64,
    pub cancelled: i64,
}

#[derive(Serialize)]
pub struct Edition {
    pub id: i64,
    pub number: i32,
    pub held_on: NaiveDate,
    pub theme: String,
    pub rescheduled: bool,
    pub reschedule_reason: Option<String>,
    pub cancelled: bool,
    pub cancel_reason: Option<String>,
    pub forums: ForumCounts,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Editions with their forum counts (one grouped query for all of them).
fn edition_views(conn: &mut DbConn, rows: Vec<EditionRow>) -> Result<Vec<Edition>, Error> {
    let ids: Vec<i64> = rows.iter().map(|e| e.id).collect();
    let counts = store::forum_counts(conn, &ids)?;
    let n = |id: i64, s: Status| counts.get(&(id, s)).copied().unwrap_or(0);
    Ok(rows
        .into_iter()
        .map(|e| Edition {
            forums: ForumCounts {
                scheduled: n(e.id, Status::Scheduled),
                held: n(e.id, Status::Held),
                cancelled: n(e.id, Status::Cancelled),
            },
            id: e.id,
            number: e.number,
            held_on: e.held_on,
            theme: e.theme,
            rescheduled: e.reschedule_reason.is_some(),
            reschedule_reason: e.reschedule_reason,
            cancelled: e.cancel_reason.is_some(),
            cancel_reason: e.cancel_reason,
            created_at: utc(e.created_at),
            updated_at: utc(e.updated_at),
        })
        .collect())
}

fn one(conn: &mut DbConn, row: EditionRow) -> Result<Edition, Error> {
    edition_views(conn, vec![row])?
        .pop()
        .ok_or_else(|| Error::internal("edition view missing"))
}

const RUN: &str = "run editions";

/// The date 计划下一期 proposes: the first Wednesday after the latest edition (a cancelled
/// one aside) and after today that is a working day (a Wednesday in a holiday week is
/// passed over; the coordinator moves that week's edition with a reason).
pub fn proposed_date(conn: &mut DbConn, today: NaiveDate) -> Result<NaiveDate, Error> {
    let (_, last) = store::latest_edition(conn)?;
    let mut day = next_wednesday_after(last.map_or(today, |l| l.max(today)));
    let cal = crate::store::calendar::load(conn, day, day + chrono::Duration::days(60))?;
    for _ in 0..8 {
        if cal.is_working_day(day) {
            break;
        }
        day = next_wednesday_after(day);
    }
    Ok(day)
}

#[derive(Serialize)]
pub struct Next {
    pub held_on: NaiveDate,
}

/// `GET /api/v1/editions/next`: the date [`proposed_date`] gives today.
pub fn next(conn: &mut DbConn, _caller: &Caller) -> Result<Next, Error> {
    Ok(Next {
        held_on: proposed_date(conn, time::today())?,
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CancelIn {
    pub reason: String,
}

/// 取消本期: the edition and its scheduled forums are cancelled with the reason, and the
/// enterprises its 恳谈会预告 already told are told it is off, in one transaction.
pub fn cancel(
    conn: &mut DbConn,
    caller: &Caller,
    id: i64,
    input: CancelIn,
) -> Result<Edition, Error> {
    require_city(caller)?;
    let mut check = Check::default();
    let reason = check.text("reason", &input.reason, 1, 500);
    check.finish()?;
    db::write_tx(conn, |conn| {
        let cur = store::get_edition(conn, id)?.ok_or_else(|| Error::not_found("edition"))?;
        if cur.cancel_reason.is_some() {
            return Err(Error::Conflict(format!(
                "第{}期 is already cancelled",
                cur.number
            )));
        }
        if cur.held_on < time::today() {
            return Err(Error::Conflict(format!(
                "第{}期 was on {}; an edition that is over is not cancelled (each of its forums is \
                 marked held or cancelled)",
                cur.number, cur.held_on
            )));
        }
        let before = one(conn, cur)?;
        if before.forums.held > 0 {
            return Err(Error::Conflict(format!(
                "第{}期 has {} forum(s) already held; cancel the forums still scheduled one by one",
                before.number, before.forums.held
            )));
        }
        let cancelled = store::cancel_edition(conn, id, &reason)?;
        super::notices::forums_called_off(conn, &cancelled, &reason)?;
        let row = store::get_edition(conn, id)?.ok_or_else(|| Error::not_found("edition"))?;
        let after = one(conn, row)?;
        audit::record(
            conn,
            Some(caller),
            "cancel",
            Object::Edition,
            Some(id),
            Some(&before),
            Some(&after),
        )?;
        Ok(after)
    })
}

/// One edition a day: a date that already has one is refused, naming it.
fn check_free(conn: &mut DbConn, day: NaiveDate, except: Option<i64>) -> Result<(), Error> {
    match store::edition_on(conn, day, except)? {
        Some(n) => Err(Error::Duplicate(crate::error::FieldError::new(
            "held_on",
            format!("already has an edition (第{n}期) on {day}"),
        ))),
        None => Ok(()),
    }
}
const DUPLICATE_NUMBER: &str = "is already used by another edition";

/// Checks number, date and theme together.
fn check_edition(
    check: &mut Check,
    number: i32,
    held_on: NaiveDate,
    theme: &str,
    reason: Option<&str>,
) -> NewEdition {
    if number < 1 {
        check.add("number", "must be 1 or more");
    }
    if let Some(why) = crate::domain::time::out_of_range(held_on) {
        check.add("held_on", why);
    } else if let Some(msg) = date_error(held_on, reason) {
        check.add("reschedule_reason", msg);
    }
    NewEdition {
        number,
        held_on,
        theme: check.text("theme", theme, 1, 200),
        reschedule_reason: check.opt_text("reschedule_reason", reason, 500),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewEditionIn {
    pub number: i32,
    pub held_on: NaiveDate,
    pub theme: String,
    pub reschedule_reason: Option<String>,
    /// A record of an edition already held (补录): only such a one may lie in the past.
    #[serde(default)]
    pub record: bool,
}

/// A date before today is refused unless the edition is registered as already held.
fn check_not_past(check: &mut Check, held_on: NaiveDate, record: bool) {
    if held_on < time::today() && !record {
        check.add(
            "held_on",
            "is in the past; an edition already held is registered with \"record\": true",
        );
    }
}

/// An edition (期) holds the forums of every district, so only the city's coordinators
/// create, plan or change one; a district's coordinator runs its own forums in it.
fn require_city(caller: &Caller) -> Result<(), Error> {
    caller.require(&[Role::Coordinator], RUN)?;
    if caller.at_top_region() {
        Ok(())
    } else {
        Err(Error::Forbidden(
            "editions are run by the city's coordinators; a district's coordinator adds and runs \
             the district's forums"
                .into(),
        ))
    }
}

pub fn create(conn: &mut DbConn, caller: &Caller, input: NewEditionIn) -> Result<Edition, Error> {
    require_city(caller)?;
    let mut check = Check::default();
    let new = check_edition(
        &mut check,
        input.number,
        input.held_on,
        &input.theme,
        input.reschedule_reason.as_deref(),
    );
    check_not_past(&mut check, input.held_on, input.record);
    check.finish()?;
    db::write_tx(conn, |conn| {
        check_free(conn, new.held_on, None)?;
        let row =
            store::insert_edition(conn, &new).map_err(unique_as("number", DUPLICATE_NUMBER))?;
        let after = one(conn, row)?;
        audit::record(
            conn,
            Some(caller),
            "create",
            Object::Edition,
            Some(after.id),
            None::<&()>,
            Some(&after),
        )?;
        Ok(after)
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EditionQuery {
    #[serde(default, deserialize_with = "crate::domain::time::strict_date")]
    pub from: Option<NaiveDate>,
    #[serde(default, deserialize_with = "crate::domain::time::strict_date")]
    pub to: Option<NaiveDate>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

pub fn list(conn: &mut DbConn, _caller: &Caller, q: EditionQuery) -> Result<Paged<Edition>, Error> {
    let mut check = Check::default();
    check.opt_date("from", q.from);
    check.opt_date("to", q.to);
    check.finish()?;
    let page = page(q.page, q.per_page)?;
    let (rows, total) = store::list_editions(conn, q.from, q.to, page)?;
    Ok(Paged::new(edition_views(conn, rows)?, total, page))
}

pub fn get(conn: &mut DbConn, _caller: &Caller, id: i64) -> Result<Edition, Error> {
    let row = store::get_edition(conn, id)?.ok_or_else(|| Error::not_found("edition"))?;
    one(conn, row)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EditionPatch {
    #[serde(default, deserialize_with = "present")]
    pub number: Option<i32>,
    #[serde(default, deserialize_with = "present")]
    pub held_on: Option<NaiveDate>,
    #[serde(default, deserialize_with = "present")]
    pub theme: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub reschedule_reason: Option<Option<String>>,
}

pub fn update(
    conn: &mut DbConn,
    caller: &Caller,
    id: i64,
    patch: EditionPatch,
) -> Result<Edition, Error> {
    require_city(caller)?;
    db::write_tx(conn, |conn| {
        let cur = store::get_edition(conn, id)?.ok_or_else(|| Error::not_found("edition"))?;
        let reason = match patch.reschedule_reason {
            Some(r) => r,
            None => cur.reschedule_reason.clone(),
        };
        let mut check = Check::default();
        let new = check_edition(
            &mut check,
            patch.number.unwrap_or(cur.number),
            patch.held_on.unwrap_or(cur.held_on),
            patch.theme.as_deref().unwrap_or(&cur.theme),
            reason.as_deref(),
        );
        if new.held_on != cur.held_on {
            check_not_past(&mut check, new.held_on, false);
        }
        if cur.cancel_reason.is_some() {
            return Err(Error::Conflict(format!(
                "第{}期 was cancelled; plan a new edition instead",
                cur.number
            )));
        }
        check_free(conn, new.held_on, Some(id))?;
        check.finish()?;
        let before = one(conn, cur)?;
        let row =
            store::update_edition(conn, id, &new).map_err(unique_as("number", DUPLICATE_NUMBER))?;
        let after = one(conn, row)?;
        audit::record(
            conn,
            Some(caller),
            "update",
            Object::Edition,
            Some(id),
            Some(&before),
            Some(&after),
        )?;
        Ok(after)
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanIn {
    /// Default: the first Wednesday after the latest edition and after today.
    pub held_on: Option<NaiveDate>,
    pub theme: String,
    pub reschedule_reason: Option<String>,
    /// One scheduled forum for each of these regions, all within the caller's scope.
    pub region_ids: Vec<i64>,
    /// A record of an edition already held (补录): only such a one may lie in the past.
    #[serde(default)]
    pub record: bool,
}

/// A planned edition with its forums.
#[derive(Serialize)]
pub struct Plan {
    pub edition: Edition,
    pub forums: Vec<Forum>,
}

/// 计划下一期: the next edition number, its date, and a scheduled forum per chosen region,
/// in one transaction.
pub fn plan(conn: &mut DbConn, caller: &Caller, input: PlanIn) -> Result<Plan, Error> {
    require_city(caller)?;
    if input.region_ids.is_empty() {
        return Err(Error::invalid("region_ids", "name at least one region"));
    }
    let scope = caller.scope();
    db::write_tx(conn, |conn| {
        let (last_number, _) = store::latest_edition(conn)?;
        let held_on = match input.held_on {
            Some(d) => d,
            None => proposed_date(conn, time::today())?,
        };
        check_free(conn, held_on, None)?;
        let number = last_number.unwrap_or(0).checked_add(1).ok_or_else(|| {
            Error::Conflict(
                "the highest possible edition number is taken; renumber the editions first".into(),
            )
        })?;
        let mut check = Check::default();
        let new = check_edition(
            &mut check,
            number,
            held_on,
            &input.theme,
            input.reschedule_reason.as_deref(),
        );
        check_not_past(&mut check, held_on, input.record);
        let mut seen = Vec::new();
        for (i, r) in input.region_ids.iter().enumerate() {
            if seen.contains(r) {
                check.add(&format!("region_ids[{i}]"), "is listed twice");
            }
            seen.push(*r);
        }
        check.finish()?;
        let mut errors = Vec::new();
        for (i, r) in input.region_ids.iter().enumerate() {
            match check_in_scope(conn, &scope, *r, &format!("region_ids[{i}]")) {
                Ok(()) => {}
                Err(Error::Invalid(errs)) => errors.extend(errs),
                Err(other) => return Err(other),
            }
        }
        if !errors.is_empty() {
            return Err(Error::Invalid(errors));
        }
        let edition =
            store::insert_edition(conn, &new).map_err(unique_as("number", DUPLICATE_NUMBER))?;
        let mut rows = Vec::new();
        for r in &input.region_ids {
            let fields = ForumFields {
                venue: None,
                theme: new.theme.clone(),
                chair_name: None,
                chair_title: None,
            };
            rows.push(store::create_forum(conn, edition.id, *r, &fields, &[])?);
        }
        let forums = forum_views(conn, rows)?;
        let plan = Plan {
            edition: one(conn, edition)?,
            forums,
        };
        audit::record(
            conn,
            Some(caller),
            "plan",
            Object::Edition,
            Some(plan.edition.id),
            None::<&()>,
            Some(&plan),
        )?;
        Ok(plan)
    })
}
