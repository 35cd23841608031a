//! Linked forums (场): created and run by the coordinators of the host region, read within
//! scope; attendance (参会企业家) recorded by those coordinators.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::common::{nullable, page, present, utc, Check, Paged};
use super::departments::check_named;
use super::enterprises::{create_in_scope, NewEnterpriseIn};
use super::regions::check_in_scope;
use crate::auth::Caller;
use crate::db::{self, DbConn};
use crate::domain::forum::{move_status, Status};
use crate::domain::role::Role;
use crate::domain::time;
use crate::error::{unique_as, Error, FieldError};
use crate::store::enterprises::{self as ent_store, NewEnterprise};
use crate::store::forums::{
    self as store, AttendanceRow, ForumFields, ForumFilter, ForumRow, ForumUpdate,
};
use crate::store::scope::Scope;

#[derive(Serialize)]
pub struct Forum {
    pub id: i64,
    pub edition_id: i64,
    pub edition_number: i32,
    pub held_on: NaiveDate,
    pub region_id: i64,
    pub venue: Option<String>,
    pub theme: String,
    pub chair_name: Option<String>,
    pub chair_title: Option<String>,
    pub department_ids: Vec<i64>,
    pub status: Status,
    pub minutes: Option<String>,
    pub cancel_reason: Option<String>,
    /// 参会企业家 (人次) and distinct enterprises among them.
    pub attendance_count: i64,
    pub enterprise_count: i64,
    /// Issues raised at the forum (not withdrawn), and those solved on the spot (现场解决).
    pub issue_count: i64,
    pub resolved_on_site_count: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Forums with their edition, departments and counts, in a fixed number of queries.
pub fn forum_views(conn: &mut DbConn, rows: Vec<ForumRow>) -> Result<Vec<Forum>, Error> {
    let mut details = store::details(conn, &rows)?;
    Ok(rows
        .into_iter()
        .map(|f| {
            let d = details.remove(&f.id).unwrap_or_default();
            Forum {
                id: f.id,
                edition_id: f.edition_id,
                edition_number: d.edition_number,
                held_on: d.held_on,
                region_id: f.region_id,
                venue: f.venue,
                theme: f.theme,
                chair_name: f.chair_name,
                chair_title: f.chair_title,
                department_ids: d.department_ids,
                status: f.status,
                minutes: f.minutes,
                cancel_reason: f.cancel_reason,
                attendance_count: d.attendances,
                enterprise_count: d.enterprises,
                issue_count: d.issues,
                resolved_on_site_count: d.resolved_on_site,
                created_at: utc(f.created_at),
                updated_at: utc(f.updated_at),
            }
        })
        .collect())
}

fn one(conn: &mut DbConn, row: ForumRow) -> Result<Forum, Error> {
    forum_views(conn, vec![row])?
        .pop()
        .ok_or_else(|| Error::internal("forum view missing"))
}

const RUN: &str = "run forums";

/// Departments named as attending must exist; invalid naming `department_ids[i]`.
fn check_departments(conn: &mut DbConn, ids: &[i64]) -> Result<(), Error> {
    let named: Vec<(String, i64)> = ids
        .iter()
        .enumerate()
        .map(|(i, d)| (format!("department_ids[{i}]"), *d))
        .collect();
    check_named(conn, &named, false)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewForumIn {
    pub edition_id: i64,
    pub region_id: i64,
    pub venue: Option<String>,
    /// Default: the edition's theme.
    pub theme: Option<String>,
    pub chair_name: Option<String>,
    pub chair_title: Option<String>,
    #[serde(default)]
    pub department_ids: Vec<i64>,
}

pub fn create(conn: &mut DbConn, caller: &Caller, input: NewForumIn) -> Result<Forum, Error> {
    caller.require(&[Role::Coordinator], RUN)?;
    let mut check = Check::default();
    let venue = check.opt_text("venue", input.venue.as_deref(), 200);
    let theme = input.theme.map(|t| check.text("theme", &t, 1, 200));
    let chair_name = check.opt_text("chair_name", input.chair_name.as_deref(), 100);
    let chair_title = check.opt_text("chair_title", input.chair_title.as_deref(), 100);
    check.finish()?;
    let scope = caller.scope();
    db::write_tx(conn, |conn| {
        let edition = store::get_edition(conn, input.edition_id)?
            .ok_or_else(|| Error::invalid("edition_id", "no such edition"))?;
        check_in_scope(conn, &scope, input.region_id, "region_id")?;
        check_departments(conn, &input.department_ids)?;
        let fields = ForumFields {
            venue,
            theme: theme.unwrap_or(edition.theme),
            chair_name,
            chair_title,
        };
        let row = store::create_forum(
            conn,
            edition.id,
            input.region_id,
            &fields,
            &input.department_ids,
        )?;
        one(conn, row)
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ForumQuery {
    #[serde(default, deserialize_with = "super::common::opt_id")]
    pub edition_id: Option<i64>,
    #[serde(default, deserialize_with = "super::common::opt_id")]
    pub region_id: Option<i64>,
    pub status: Option<Status>,
    #[serde(default, deserialize_with = "crate::domain::time::strict_date")]
    pub from: Option<NaiveDate>,
    #[serde(default, deserialize_with = "crate::domain::time::strict_date")]
    pub to: Option<NaiveDate>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

pub fn list(conn: &mut DbConn, caller: &Caller, q: ForumQuery) -> Result<Paged<Forum>, Error> {
    let mut check = Check::default();
    check.opt_date("from", q.from);
    check.opt_date("to", q.to);
    check.finish()?;
    let page = page(q.page, q.per_page)?;
    let filter = ForumFilter {
        edition_id: q.edition_id,
        region_id: q.region_id,
        status: q.status,
        from: q.from,
        to: q.to,
    };
    let (rows, total) = store::list_forums(conn, &caller.scope(), &filter, page)?;
    Ok(Paged::new(forum_views(conn, rows)?, total, page))
}

pub fn get(conn: &mut DbConn, caller: &Caller, id: i64) -> Result<Forum, Error> {
    let row =
        store::get_forum(conn, &caller.scope(), id)?.ok_or_else(|| Error::not_found("forum"))?;
    one(conn, row)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ForumPatch {
    #[serde(default, deserialize_with = "present")]
    pub status: Option<Status>,
    #[serde(default, deserialize_with = "nullable")]
    pub minutes: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    pub cancel_reason: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub venue: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    pub theme: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub chair_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    pub chair_title: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    pub department_ids: Option<Vec<i64>>,
}

/// A forum's record as 操作日志 keeps it.
fn record(
    venue: &Option<String>,
    theme: &str,
    chair_name: &Option<String>,
    chair_title: &Option<String>,
    minutes: &Option<String>,
) -> serde_json::Value {
    serde_json::json!({
        "venue": venue, "theme": theme, "chair_name": chair_name,
        "chair_title": chair_title, "minutes": minutes,
    })
}

/// Changes a forum: details, minutes, and its status (scheduled → held | cancelled, never
/// back). A cancelled forum changes no more; a forum is held only on or after its date,
/// with a venue and a chair; cancelling needs a reason.
pub fn update(
    conn: &mut DbConn,
    caller: &Caller,
    id: i64,
    patch: ForumPatch,
) -> Result<Forum, Error> {
    caller.require(&[Role::Coordinator], RUN)?;
    let scope = caller.scope();
    db::write_tx(conn, |conn| {
        let cur = store::get_forum(conn, &scope, id)?.ok_or_else(|| Error::not_found("forum"))?;
        let from = cur.status;
        if from == Status::Cancelled {
            return Err(Error::Conflict(
                "the forum is cancelled; it can no longer be changed".into(),
            ));
        }
        // A held forum's record corrected afterwards is a line of 操作日志: its figures may
        // already have been read or published.
        let before = (from == Status::Held).then(|| {
            record(
                &cur.venue,
                &cur.theme,
                &cur.chair_name,
                &cur.chair_title,
                &cur.minutes,
            )
        });
        let to = match patch.status {
            Some(s) => move_status(from, s).map_err(Error::Conflict)?,
            None => from,
        };
        let mut check = Check::default();
        let pick = |check: &mut Check,
                    field: &str,
                    given: Option<Option<String>>,
                    cur: Option<String>,
                    max| match given {
            Some(v) => check.opt_text(field, v.as_deref(), max),
            None => cur,
        };
        let fields = ForumFields {
            venue: pick(&mut check, "venue", patch.venue, cur.venue, 200),
            theme: match &patch.theme {
                Some(t) => check.text("theme", t, 1, 200),
                None => cur.theme,
            },
            chair_name: pick(
                &mut check,
                "chair_name",
                patch.chair_name,
                cur.chair_name,
                100,
            ),
            chair_title: pick(
                &mut check,
                "chair_title",
                patch.chair_title,
                cur.chair_title,
                100,
            ),
        };
        let minutes = pick(&mut check, "minutes", patch.minutes, cur.minutes, 20_000);
        let cancel_reason = check.opt_text("cancel_reason", patch.cancel_reason.as_deref(), 500);
        if to == Status::Cancelled && cancel_reason.is_none() {
            check.add("cancel_reason", "is required to cancel a forum");
        }
        if to != Status::Cancelled && cancel_reason.is_some() {
            check.add("cancel_reason", "is given only when cancelling");
        }
        if to == Status::Held {
            if fields.venue.is_none() {
                check.add("venue", "is required for a held forum");
            }
            if fields.chair_name.is_none() {
                check.add("chair_name", "is required for a held forum");
            }
        }
        check.finish()?;
        if to == Status::Held && from != Status::Held {
            let edition = store::get_edition(conn, cur.edition_id)?
                .ok_or_else(|| Error::internal("forum without edition"))?;
            if edition.held_on > time::today() {
                return Err(Error::Conflict(format!(
                    "the forum is scheduled for {}; it cannot be held before that day",
                    edition.held_on
                )));
            }
        }
        if let Some(ids) = &patch.department_ids {
            check_departments(conn, ids)?;
        }
        let after = (from == Status::Held).then(|| {
            record(
                &fields.venue,
                &fields.theme,
                &fields.chair_name,
                &fields.chair_title,
                &minutes,
            )
        });
        let row = store::update_forum(
            conn,
            id,
            &ForumUpdate {
                fields,
                status: to,
                minutes,
                cancel_reason,
                department_ids: patch.department_ids,
            },
        )?;
        if let Some((before, after)) = before.zip(after).filter(|(b, a)| b != a) {
            crate::service::audit::record(
                conn,
                Some(caller),
                "correct",
                crate::service::audit::Object::Forum,
                Some(id),
                Some(&before),
                Some(&after),
            )?;
        }
        one(conn, row)
    })
}

/// 近期恳谈会: the scheduled forums an enterprise's people may come to, those of its
/// region and of the city above it, soonest first. The schedule is public to them.
pub fn upcoming(conn: &mut DbConn, caller: &Caller) -> Result<Vec<Forum>, Error> {
    caller.require(
        &[Role::Enterprise],
        "see the forums coming up for an enterprise",
    )?;
    let Some(e) = caller.user.enterprise_id else {
        return Ok(Vec::new());
    };
    let Some(ent) = ent_store::get(conn, &Scope::Enterprise(e), e)? else {
        return Ok(Vec::new());
    };
    let path = crate::store::regions::path_of(conn, ent.region_id)?.unwrap_or_default();
    let regions: Vec<i64> = path.split('/').filter_map(|p| p.parse().ok()).collect();
    let rows = store::upcoming_in(conn, &regions, time::today())?;
    forum_views(conn, rows)
}

#[derive(Serialize)]
pub struct Attendee {
    pub id: i64,
    pub forum_id: i64,
    pub enterprise_id: i64,
    pub enterprise_name: String,
    pub person_name: String,
    pub title: String,
    pub created_at: DateTime<Utc>,
}

fn attendee_views(conn: &mut DbConn, rows: Vec<AttendanceRow>) -> Result<Vec<Attendee>, Error> {
    let ids: Vec<i64> = rows.iter().map(|a| a.enterprise_id).collect();
    let names = ent_store::names(conn, &ids)?;
    Ok(rows
        .into_iter()
        .map(|a| Attendee {
            enterprise_name: names.get(&a.enterprise_id).cloned().unwrap_or_default(),
            id: a.id,
            forum_id: a.forum_id,
            enterprise_id: a.enterprise_id,
            person_name: a.person_name,
            title: a.title,
            created_at: utc(a.created_at),
        })
        .collect())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

/// Who came: everyone who sees the forum, except that an enterprise sees only its own people.
pub fn list_attendees(
    conn: &mut DbConn,
    caller: &Caller,
    id: i64,
    q: PageQuery,
) -> Result<Paged<Attendee>, Error> {
    let page = page(q.page, q.per_page)?;
    let scope = caller.scope();
    store::get_forum(conn, &scope, id)?.ok_or_else(|| Error::not_found("forum"))?;
    let (rows, total) = store::list_attendances(conn, &scope, id, page)?;
    Ok(Paged::new(attendee_views(conn, rows)?, total, page))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttendeeIn {
    pub person_name: String,
    pub title: String,
    /// An enterprise the coordinator can see…
    pub enterprise_id: Option<i64>,
    /// …or a new one, registered on the spot.
    pub enterprise: Option<NewEnterpriseIn>,
}

pub fn add_attendee(
    conn: &mut DbConn,
    caller: &Caller,
    id: i64,
    input: AttendeeIn,
) -> Result<Attendee, Error> {
    caller.require(&[Role::Coordinator], "record attendance")?;
    let mut check = Check::default();
    let person = check.text("person_name", &input.person_name, 1, 50);
    let title = check.text("title", &input.title, 1, 100);
    let new_enterprise = match (input.enterprise_id, input.enterprise) {
        (Some(_), Some(_)) => {
            check.add(
                "enterprise",
                "give either enterprise_id or enterprise, not both",
            );
            None
        }
        (None, None) => {
            check.add(
                "enterprise_id",
                "is required (or a new enterprise under enterprise)",
            );
            None
        }
        (_, Some(e)) => match e.validate() {
            Ok(n) => Some(n),
            Err(Error::Invalid(errs)) => {
                for f in errs {
                    check.add(&format!("enterprise.{}", f.field), f.message);
                }
                None
            }
            Err(other) => return Err(other),
        },
        (Some(_), None) => None,
    };
    check.finish()?;
    let scope = caller.scope();
    let creator = caller.id();
    db::write_tx(conn, |conn| {
        let forum = store::get_forum(conn, &scope, id)?.ok_or_else(|| Error::not_found("forum"))?;
        if forum.status == Status::Cancelled {
            return Err(Error::Conflict(
                "the forum is cancelled; attendance cannot be recorded".into(),
            ));
        }
        let enterprise_id = match (input.enterprise_id, &new_enterprise) {
            (Some(e), _) => {
                ent_store::get(conn, &scope, e)?
                    .ok_or_else(|| Error::invalid("enterprise_id", "no such enterprise"))?
                    .id
            }
            (None, Some(n)) => create_enterprise(conn, caller, n)?,
            (None, None) => return Err(Error::invalid("enterprise_id", "is required")),
        };
        let row = store::add_attendance(conn, id, enterprise_id, &person, &title, creator)
            .map_err(unique_as(
                "person_name",
                "is already recorded at this forum for this enterprise",
            ))?;
        attendee_views(conn, vec![row])?
            .pop()
            .ok_or_else(|| Error::internal("attendee view missing"))
    })
}

/// Removes an attendee registered by mistake (the forum's figures count one fewer), with a
/// line of 操作日志 in the same transaction. A cancelled forum changes no more.
pub fn remove_attendee(
    conn: &mut DbConn,
    caller: &Caller,
    id: i64,
    attendee_id: i64,
) -> Result<(), Error> {
    caller.require(&[Role::Coordinator], "correct a forum's attendance")?;
    let scope = caller.scope();
    db::write_tx(conn, |conn| {
        let forum = store::get_forum(conn, &scope, id)?.ok_or_else(|| Error::not_found("forum"))?;
        if forum.status == Status::Cancelled {
            return Err(Error::Conflict(
                "the forum is cancelled; its attendance can no longer be changed".into(),
            ));
        }
        let row = store::take_attendance(conn, id, attendee_id)?
            .ok_or_else(|| Error::not_found("attendee"))?;
        let before = attendee_views(conn, vec![row])?;
        crate::service::audit::record::<_, ()>(
            conn,
            Some(caller),
            "remove_attendee",
            crate::service::audit::Object::Forum,
            Some(id),
            before.first(),
            None,
        )
    })
}

fn create_enterprise(
    conn: &mut DbConn,
    caller: &Caller,
    new: &NewEnterprise,
) -> Result<i64, Error> {
    // Field names in errors are those of the nested object.
    match create_in_scope(conn, caller, new) {
        Ok(row) => Ok(row.id),
        Err(Error::Invalid(errs)) => Err(Error::Invalid(
            errs.into_iter()
                .map(|f| FieldError::new(format!("enterprise.{}", f.field), f.message))
                .collect(),
        )),
        Err(Error::Duplicate(f)) => Err(Error::Duplicate(FieldError::new(
            format!("enterprise.{}", f.field),
            f.message,
        ))),
        Err(other) => Err(other),
    }
}
