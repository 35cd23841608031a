//! Editions (期), their linked forums (场), attending departments and attendance.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::{count_star, max, sql};
use diesel::prelude::*;
use diesel::sql_types::BigInt;

use super::schema::{attendances, editions, forum_departments, forums, issues};
use super::scope::{self, Scope};
use super::{now, Page};
use crate::db::DbConn;
use crate::domain::forum::Status;
use crate::domain::lifecycle::State;

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = editions)]
pub struct EditionRow {
    pub id: i64,
    pub number: i32,
    pub held_on: NaiveDate,
    pub theme: String,
    pub reschedule_reason: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// 取消本期: why the edition was called off.
    pub cancel_reason: Option<String>,
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = forums)]
pub struct ForumRow {
    pub id: i64,
    pub edition_id: i64,
    pub region_id: i64,
    pub venue: Option<String>,
    pub theme: String,
    pub chair_name: Option<String>,
    pub chair_title: Option<String>,
    pub status: Status,
    pub minutes: Option<String>,
    pub cancel_reason: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = attendances)]
pub struct AttendanceRow {
    pub id: i64,
    pub forum_id: i64,
    pub enterprise_id: i64,
    pub person_name: String,
    pub title: String,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
}

// ---- editions ----

pub fn get_edition(conn: &mut DbConn, id: i64) -> QueryResult<Option<EditionRow>> {
    editions::table
        .find(id)
        .select(EditionRow::as_select())
        .load(conn)
        .map(super::one_of)
}

/// The highest edition number (cancelled ones too: a number is never used twice) and the
/// latest date of an edition not cancelled.
pub fn latest_edition(conn: &mut DbConn) -> QueryResult<(Option<i32>, Option<NaiveDate>)> {
    let number = editions::table.select(max(editions::number)).first(conn)?;
    let day = editions::table
        .filter(editions::cancel_reason.is_null())
        .select(max(editions::held_on))
        .first(conn)?;
    Ok((number, day))
}

/// 取消本期: marks the edition cancelled and cancels its scheduled forums with the same
/// reason; answers the forums cancelled.
pub fn cancel_edition(conn: &mut DbConn, id: i64, reason: &str) -> QueryResult<Vec<i64>> {
    let t = now();
    diesel::update(editions::table.find(id))
        .set((
            editions::cancel_reason.eq(reason),
            editions::updated_at.eq(t),
        ))
        .execute(conn)?;
    diesel::update(
        forums::table
            .filter(forums::edition_id.eq(id))
            .filter(forums::status.eq(Status::Scheduled)),
    )
    .set((
        forums::status.eq(Status::Cancelled),
        forums::cancel_reason.eq(reason),
        forums::updated_at.eq(t),
    ))
    .returning(forums::id)
    .get_results(conn)
}

/// The edition held on a day other than `except`, if any: its number.
pub fn edition_on(
    conn: &mut DbConn,
    day: NaiveDate,
    except: Option<i64>,
) -> QueryResult<Option<i32>> {
    let mut q = editions::table
        .filter(editions::held_on.eq(day))
        .filter(editions::cancel_reason.is_null())
        .select(editions::number)
        .into_boxed();
    if let Some(id) = except {
        q = q.filter(editions::id.ne(id));
    }
    q.first(conn).optional()
}

pub fn list_editions(
    conn: &mut DbConn,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    page: Page,
) -> QueryResult<(Vec<EditionRow>, i64)> {
    let query = || {
        let mut q = editions::table.into_boxed();
        if let Some(f) = from {
            q = q.filter(editions::held_on.ge(f));
        }
        if let Some(t) = to {
            q = q.filter(editions::held_on.le(t));
        }
        q
    };
    let total = query().count().get_result(conn)?;
    let rows = query()
        .select(EditionRow::as_select())
        .order(editions::number.desc())
        .limit(page.per_page)
        .offset(page.offset())
        .load(conn)?;
    Ok((rows, total))
}

/// Forums per edition and status, for the editions given: `(edition, status) → count`.
pub fn forum_counts(
    conn: &mut DbConn,
    edition_ids: &[i64],
) -> QueryResult<HashMap<(i64, Status), i64>> {
    let rows: Vec<(i64, Status, i64)> = forums::table
        .filter(forums::edition_id.eq_any(edition_ids))
        .group_by((forums::edition_id, forums::status))
        .select((forums::edition_id, forums::status, count_star()))
        .load(conn)?;
    Ok(rows.into_iter().map(|(e, s, n)| ((e, s), n)).collect())
}

pub struct NewEdition {
    pub number: i32,
    pub held_on: NaiveDate,
    pub theme: String,
    pub reschedule_reason: Option<String>,
}

pub fn insert_edition(conn: &mut DbConn, new: &NewEdition) -> QueryResult<EditionRow> {
    let t = now();
    let id: i64 = diesel::insert_into(editions::table)
        .values((
            editions::number.eq(new.number),
            editions::held_on.eq(new.held_on),
            editions::theme.eq(&new.theme),
            editions::reschedule_reason.eq(&new.reschedule_reason),
            editions::created_at.eq(t),
            editions::updated_at.eq(t),
        ))
        .returning(editions::id)
        .get_result(conn)?;
    editions::table
        .find(id)
        .select(EditionRow::as_select())
        .first(conn)
}

pub fn update_edition(conn: &mut DbConn, id: i64, e: &NewEdition) -> QueryResult<EditionRow> {
    diesel::update(editions::table.find(id))
        .set((
            editions::number.eq(e.number),
            editions::held_on.eq(e.held_on),
            editions::theme.eq(&e.theme),
            editions::reschedule_reason.eq(&e.reschedule_reason),
            editions::updated_at.eq(now()),
        ))
        .execute(conn)?;
    editions::table
        .find(id)
        .select(EditionRow::as_select())
        .first(conn)
}

// ---- forums ----

pub fn get_forum(conn: &mut DbConn, scope: &Scope, id: i64) -> QueryResult<Option<ForumRow>> {
    forums::table
        .filter(forums::id.eq(id))
        .filter(scope::forums(scope))
        .select(ForumRow::as_select())
        .load(conn)
        .map(super::one_of)
}

/// Locks a forum's row until the transaction ends (PostgreSQL; SQLite's writers already go
/// one at a time).
pub fn lock_forum(conn: &mut DbConn, id: i64) -> QueryResult<()> {
    if let DbConn::Pg(_) = conn {
        diesel::sql_query("SELECT id FROM forums WHERE id = $1 FOR UPDATE")
            .bind::<BigInt, _>(id)
            .execute(conn)?;
    }
    Ok(())
}

#[derive(Default)]
pub struct ForumFilter {
    pub edition_id: Option<i64>,
    pub region_id: Option<i64>,
    pub status: Option<Status>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

pub fn list_forums(
    conn: &mut DbConn,
    scope: &Scope,
    f: &ForumFilter,
    page: Page,
) -> QueryResult<(Vec<ForumRow>, i64)> {
    let query = || {
        let mut q = forums::table.filter(scope::forums(scope)).into_boxed();
        if let Some(e) = f.edition_id {
            q = q.filter(forums::edition_id.eq(e));
        }
        if let Some(r) = f.region_id {
            q = q.filter(forums::region_id.eq(r));
        }
        if let Some(s) = &f.status {
            q = q.filter(forums::status.eq(*s));
        }
        if f.from.is_some() || f.to.is_some() {
            // Unset ends are open: the widest dates both backends compare correctly.
            let first = f
                .from
                .or(NaiveDate::from_ymd_opt(1, 1, 1))
                .unwrap_or_default();
            let last =
                f.to.or(NaiveDate::from_ymd_opt(9999, 12, 31))
                    .unwrap_or_default();
            let dated = editions::table
                .filter(editions::held_on.between(first, last))
                .select(editions::id);
            q = q.filter(forums::edition_id.eq_any(dated));
        }
        q
    };
    let total = query().count().get_result(conn)?;
    let rows = query()
        .select(ForumRow::as_select())
        .order(forums::id.desc())
        .limit(page.per_page)
        .offset(page.offset())
        .load(conn)?;
    Ok((rows, total))
}

/// What a forum shows besides its row: its edition, attending departments and counts.
#[derive(Default)]
pub struct ForumDetails {
    pub edition_number: i32,
    pub held_on: NaiveDate,
    pub department_ids: Vec<i64>,
    pub attendances: i64,
    pub enterprises: i64,
    /// Issues raised there (not withdrawn), and those solved on the spot.
    pub issues: i64,
    pub resolved_on_site: i64,
}

/// Details for several forums in four queries (not one per forum).
pub fn details(conn: &mut DbConn, rows: &[ForumRow]) -> QueryResult<HashMap<i64, ForumDetails>> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let edition_ids: Vec<i64> = rows.iter().map(|r| r.edition_id).collect();
    let eds: HashMap<i64, (i32, NaiveDate)> = editions::table
        .filter(editions::id.eq_any(&edition_ids))
        .select((editions::id, editions::number, editions::held_on))
        .load::<(i64, i32, NaiveDate)>(conn)?
        .into_iter()
        .map(|(id, n, d)| (id, (n, d)))
        .collect();
    let mut depts: HashMap<i64, Vec<i64>> = HashMap::new();
    for (f, d) in forum_departments::table
        .filter(forum_departments::forum_id.eq_any(&ids))
        .select((
            forum_departments::forum_id,
            forum_departments::department_id,
        ))
        .order((
            forum_departments::forum_id,
            forum_departments::department_id,
        ))
        .load::<(i64, i64)>(conn)?
    {
        depts.entry(f).or_default().push(d);
    }
    let counts: HashMap<i64, (i64, i64)> = attendances::table
        .filter(attendances::forum_id.eq_any(&ids))
        .group_by(attendances::forum_id)
        .select((
            attendances::forum_id,
            count_star(),
            sql::<BigInt>("COUNT(DISTINCT enterprise_id)"),
        ))
        .load::<(i64, i64, i64)>(conn)?
        .into_iter()
        .map(|(f, a, e)| (f, (a, e)))
        .collect();
    let raised: HashMap<i64, (i64, i64)> = issues::table
        .filter(issues::forum_id.eq_any(ids.iter().map(|i| Some(*i)).collect::<Vec<_>>()))
        .filter(issues::status.ne(State::Withdrawn))
        .group_by(issues::forum_id)
        .select((
            issues::forum_id,
            count_star(),
            sql::<BigInt>("COUNT(CASE WHEN resolved_on_site THEN 1 END)"),
        ))
        .load::<(Option<i64>, i64, i64)>(conn)?
        .into_iter()
        .filter_map(|(f, n, s)| f.map(|f| (f, (n, s))))
        .collect();
    Ok(rows
        .iter()
        .map(|r| {
            let (number, held_on) = eds.get(&r.edition_id).copied().unwrap_or_default();
            let (attendances, enterprises) = counts.get(&r.id).copied().unwrap_or_default();
            let (issues, resolved_on_site) = raised.get(&r.id).copied().unwrap_or_default();
            (
                r.id,
                ForumDetails {
                    edition_number: number,
                    held_on,
                    department_ids: depts.remove(&r.id).unwrap_or_default(),
                    attendances,
                    enterprises,
                    issues,
                    resolved_on_site,
                },
            )
        })
        .collect())
}

pub struct ForumFields {
    pub venue: Option<String>,
    pub theme: String,
    pub chair_name: Option<String>,
    pub chair_title: Option<String>,
}

pub fn create_forum(
    conn: &mut DbConn,
    edition_id: i64,
    region_id: i64,
    fields: &ForumFields,
    department_ids: &[i64],
) -> QueryResult<ForumRow> {
    crate::db::write_tx(conn, |conn| {
        let t = now();
        let id: i64 = diesel::insert_into(forums::table)
            .values((
                forums::edition_id.eq(edition_id),
                forums::region_id.eq(region_id),
                forums::venue.eq(&fields.venue),
                forums::theme.eq(&fields.theme),
                forums::chair_name.eq(&fields.chair_name),
                forums::chair_title.eq(&fields.chair_title),
                forums::status.eq(Status::Scheduled),
                forums::created_at.eq(t),
                forums::updated_at.eq(t),
            ))
            .returning(forums::id)
            .get_result(conn)?;
        set_departments(conn, id, department_ids)?;
        forums::table
            .find(id)
            .select(ForumRow::as_select())
            .first(conn)
    })
}

fn set_departments(conn: &mut DbConn, forum_id: i64, ids: &[i64]) -> QueryResult<()> {
    diesel::delete(forum_departments::table.filter(forum_departments::forum_id.eq(forum_id)))
        .execute(conn)?;
    let mut seen = Vec::new();
    for d in ids {
        if seen.contains(d) {
            continue;
        }
        seen.push(*d);
        diesel::insert_into(forum_departments::table)
            .values((
                forum_departments::forum_id.eq(forum_id),
                forum_departments::department_id.eq(*d),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The whole new state of a forum after a change.
pub struct ForumUpdate {
    pub fields: ForumFields,
    pub status: Status,
    pub minutes: Option<String>,
    pub cancel_reason: Option<String>,
    pub department_ids: Option<Vec<i64>>,
}

pub fn update_forum(conn: &mut DbConn, id: i64, u: &ForumUpdate) -> QueryResult<ForumRow> {
    crate::db::write_tx(conn, |conn| {
        if let Some(ids) = &u.department_ids {
            set_departments(conn, id, ids)?;
        }
        diesel::update(forums::table.find(id))
            .set((
                forums::venue.eq(&u.fields.venue),
                forums::theme.eq(&u.fields.theme),
                forums::chair_name.eq(&u.fields.chair_name),
                forums::chair_title.eq(&u.fields.chair_title),
                forums::status.eq(u.status),
                forums::minutes.eq(&u.minutes),
                forums::cancel_reason.eq(&u.cancel_reason),
                forums::updated_at.eq(now()),
            ))
            .execute(conn)?;
        forums::table
            .find(id)
            .select(ForumRow::as_select())
            .first(conn)
    })
}

// ---- attendance ----

pub fn list_attendances(
    conn: &mut DbConn,
    scope: &Scope,
    forum_id: i64,
    page: Page,
) -> QueryResult<(Vec<AttendanceRow>, i64)> {
    let query = || {
        attendances::table
            .filter(attendances::forum_id.eq(forum_id))
            .filter(scope::attendances(scope))
            .into_boxed()
    };
    let total = query().count().get_result(conn)?;
    let rows = query()
        .select(AttendanceRow::as_select())
        .order(attendances::id)
        .limit(page.per_page)
        .offset(page.offset())
        .load(conn)?;
    Ok((rows, total))
}

pub fn add_attendance(
    conn: &mut DbConn,
    forum_id: i64,
    enterprise_id: i64,
    person_name: &str,
    title: &str,
    created_by: i64,
) -> QueryResult<AttendanceRow> {
    let id: i64 = diesel::insert_into(attendances::table)
        .values((
            attendances::forum_id.eq(forum_id),
            attendances::enterprise_id.eq(enterprise_id),
            attendances::person_name.eq(person_name),
            attendances::title.eq(title),
            attendances::created_by.eq(created_by),
            attendances::created_at.eq(now()),
        ))
        .returning(attendances::id)
        .get_result(conn)?;
    attendances::table
        .find(id)
        .select(AttendanceRow::as_select())
        .first(conn)
}

/// Deletes one attendance of a forum, answering the row as it was (none: not of this forum).
pub fn take_attendance(
    conn: &mut DbConn,
    forum_id: i64,
    id: i64,
) -> QueryResult<Option<AttendanceRow>> {
    let row = attendances::table
        .filter(attendances::forum_id.eq(forum_id))
        .filter(attendances::id.eq(id))
        .select(AttendanceRow::as_select())
        .first(conn)
        .optional()?;
    if row.is_some() {
        diesel::delete(attendances::table.filter(attendances::id.eq(id))).execute(conn)?;
    }
    Ok(row)
}

/// Scheduled forums of these regions held on or after `from`, soonest first.
pub fn upcoming_in(
    conn: &mut DbConn,
    region_ids: &[i64],
    from: NaiveDate,
) -> QueryResult<Vec<ForumRow>> {
    forums::table
        .inner_join(editions::table)
        .filter(forums::region_id.eq_any(region_ids))
        .filter(forums::status.eq(Status::Scheduled))
        .filter(editions::held_on.ge(from))
        .order((editions::held_on, forums::id))
        .limit(10)
        .select(ForumRow::as_select())
        .load(conn)
}

/// A scheduled forum as its notice to enterprises names it.
#[derive(Clone, Debug, Queryable)]
pub struct Upcoming {
    pub id: i64,
    pub region_id: i64,
    pub theme: String,
    pub venue: Option<String>,
    pub held_on: NaiveDate,
    pub edition_number: i32,
    pub region_name: String,
    pub region_path: String,
}

/// Scheduled forums held between `from` and `to` (inclusive), every region.
pub fn planned_between(
    conn: &mut DbConn,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<Upcoming>> {
    use super::schema::regions;
    forums::table
        .inner_join(editions::table)
        .inner_join(regions::table)
        .filter(forums::status.eq(Status::Scheduled))
        .filter(editions::held_on.between(from, to))
        .order((editions::held_on, forums::id))
        .select((
            forums::id,
            forums::region_id,
            forums::theme,
            forums::venue,
            editions::held_on,
            editions::number,
            regions::name,
            regions::path,
        ))
        .load(conn)
}

/// The forums given, described as their notices name them (whatever their status).
pub fn described(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<Upcoming>> {
    use super::schema::regions;
    forums::table
        .inner_join(editions::table)
        .inner_join(regions::table)
        .filter(forums::id.eq_any(ids))
        .order(forums::id)
        .select((
            forums::id,
            forums::region_id,
            forums::theme,
            forums::venue,
            editions::held_on,
            editions::number,
            regions::name,
            regions::path,
        ))
        .load(conn)
}
