//! Notices (提醒): who is told what when an issue changes, recorded in the transaction of
//! the change; each person's list of notices; and the reminders the scheduler produces.
//!
//! Recipients are chosen from the people whose scope already covers the issue (the
//! departments handling it, the Federation's people of its region and the regions above,
//! its enterprise), so nobody is told about an issue they could not read.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, Timelike, Weekday};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::common::{page, utc, Paged};
use crate::auth::Caller;
use crate::db::{self, DbConn};
use crate::domain::issue::{EventKind, Rating};
use crate::domain::notice::Kind;
use crate::domain::role::Role;
use crate::domain::time;
use crate::error::Error;
use crate::store::issues::{self as issues_store, IssueRow};
use crate::store::notices::{self as store, NewNotice};
use crate::store::{self as st, regions};

/// The page of an issue, as a notice links to it.
pub fn issue_link(id: i64) -> String {
    format!("/issues/{id}")
}

/// An issue's title as quoted in a one-line notice: at most 40 characters.
fn quoted(title: &str) -> String {
    let t: String = title.chars().take(40).collect();
    if t.chars().count() < title.chars().count() {
        format!("「{t}…」")
    } else {
        format!("「{t}」")
    }
}

/// The ids in a region path (`/1/4/` → [1, 4]): the region and every region above it.
pub fn regions_above(path: &str) -> Vec<i64> {
    path.split('/').filter_map(|p| p.parse().ok()).collect()
}

/// Whom a notice is for: a department's handlers (or one named handler of it), the
/// Federation's people of a role over a region, or an enterprise's people.
enum To {
    Department(i64, Option<i64>),
    Region(Role, i64),
    Enterprise(i64),
}

/// Records one notice for `to` (less `except`, the person who caused it) and queues it to
/// the channels that take it. With a dedupe key already used, nothing is recorded and the
/// answer is false.
fn record(
    conn: &mut DbConn,
    mut notice: NewNotice,
    to: To,
    except: Option<i64>,
) -> Result<bool, Error> {
    let (users, department, above) = match to {
        To::Department(d, handler) => {
            let all = store::department_users(conn, d)?;
            let users = match handler.filter(|h| all.contains(h)) {
                Some(h) => vec![h],
                None => all,
            };
            (users, Some(d), Vec::new())
        }
        To::Region(role, region) => {
            let path = regions::path_of(conn, region)?.unwrap_or_default();
            let above = regions_above(&path);
            (store::region_users(conn, role, &above)?, None, above)
        }
        To::Enterprise(e) => (store::enterprise_users(conn, e)?, None, Vec::new()),
    };
    notice.department_id = department;
    let users: Vec<i64> = users.into_iter().filter(|u| Some(*u) != except).collect();
    let Some(id) = store::insert(conn, &notice)? else {
        return Ok(false);
    };
    store::add_recipients(conn, id, &users)?;
    // Enterprises' notices stay in their own list: channels are the offices' groups.
    if department.is_some() || !above.is_empty() {
        store::queue_deliveries(conn, id, notice.kind, department, &above, notice.created_at)?;
    }
    Ok(true)
}

fn notice(kind: Kind, issue: &IssueRow, text: String, at: NaiveDateTime) -> NewNotice {
    NewNotice {
        kind,
        issue_id: Some(issue.id),
        text,
        link: issue_link(issue.id),
        department_id: None,
        region_id: Some(issue.region_id),
        dedupe_key: None,
        created_at: at,
    }
}

fn note_suffix(details: &Value, field: &str) -> String {
    match details.get(field).and_then(Value::as_str) {
        Some(n) if !n.trim().is_empty() => format!("：{}", n.trim()),
        _ => String::new(),
    }
}

fn date_of(details: &Value, field: &str) -> String {
    details
        .get(field)
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned()
}

/// The notices an action on an issue causes, in the action's transaction. `issue` is the
/// issue after the change, `details` the timeline event's.
pub fn on_event(
    conn: &mut DbConn,
    issue: &IssueRow,
    event: EventKind,
    details: &Value,
    actor: &Caller,
    at: NaiveDateTime,
) -> Result<(), Error> {
    // What the notices of the issue asked for that this event has done: they stop waiting
    // in everyone's 消息.
    let done: &[Kind] = match event {
        EventKind::Signed | EventKind::TakenOver => &[Kind::Assigned, Kind::SignOverdue],
        EventKind::Answered => &[
            Kind::Assigned,
            Kind::SignOverdue,
            Kind::Urged,
            Kind::Supervised,
            Kind::DueSoon,
            Kind::Overdue,
            Kind::Dissatisfied,
        ],
        EventKind::ExtensionGranted | EventKind::ExtensionRefused => &[Kind::ExtensionRequested],
        EventKind::Rated => &[Kind::Answered, Kind::FollowUpDue],
        EventKind::Closed | EventKind::Withdrawn => Kind::ALL,
        _ => &[],
    };
    store::settle(conn, issue.id, done, at)?;
    let t = quoted(&issue.title);
    let me = Some(actor.id());
    let handler_or_lead = |issue: &IssueRow| {
        issue
            .lead_department_id
            .map(|d| To::Department(d, issue.handler_id))
    };
    match event {
        EventKind::Assigned | EventKind::Reassigned => {
            let due = issue.due_on.map(time::zh_date).unwrap_or_default();
            if let Some(lead) = issue.lead_department_id {
                let text = format!("{t}已交办你单位主办，请签收并于{due}前答复");
                record(
                    conn,
                    notice(Kind::Assigned, issue, text, at),
                    To::Department(lead, None),
                    me,
                )?;
            }
            let co = details
                .get("co_department_ids")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_i64).collect::<Vec<_>>())
                .unwrap_or_default();
            for d in co {
                let text = format!("{t}已交办，你单位协办，请于{due}前配合主办单位答复");
                record(
                    conn,
                    notice(Kind::Assigned, issue, text, at),
                    To::Department(d, None),
                    me,
                )?;
            }
        }
        EventKind::Urged => {
            if let Some(to) = handler_or_lead(issue) {
                let text = format!("{t}被催办{}", note_suffix(details, "note"));
                record(conn, notice(Kind::Urged, issue, text, at), to, me)?;
            }
        }
        EventKind::Supervised => {
            if let Some(to) = handler_or_lead(issue) {
                let text = format!("{t}已列入督办{}", note_suffix(details, "note"));
                record(conn, notice(Kind::Supervised, issue, text, at), to, me)?;
            }
        }
        EventKind::Returned => {
            let text = format!("{t}被退回，请重新交办{}", note_suffix(details, "reason"));
            let to = To::Region(Role::Coordinator, issue.region_id);
            record(conn, notice(Kind::Returned, issue, text, at), to, me)?;
        }
        EventKind::ExtensionRequested => {
            let text = format!(
                "{t}申请延期至{}{}",
                date_of(details, "new_due_on")
                    .parse()
                    .map(time::zh_date)
                    .unwrap_or_default(),
                note_suffix(details, "reason")
            );
            let to = To::Region(Role::Coordinator, issue.region_id);
            record(
                conn,
                notice(Kind::ExtensionRequested, issue, text, at),
                to,
                me,
            )?;
        }
        EventKind::Answered => {
            let text = format!("{t}已答复，请查看并评价");
            let to = To::Enterprise(issue.enterprise_id);
            record(conn, notice(Kind::Answered, issue, text, at), to, me)?;
            // The enterprises of its merged duplicates follow its answer on their own issues.
            for dup in crate::store::issues::merged_into(conn, issue.id)? {
                let text = format!("{}合并办理的问题已答复，请查看", quoted(&dup.title));
                let to = To::Enterprise(dup.enterprise_id);
                record(conn, notice(Kind::Merged, &dup, text, at), to, me)?;
            }
        }
        EventKind::Closed
            if details.get("reason").and_then(Value::as_str)
                == Some(crate::service::issues::actions::MERGED) =>
        {
            let text = format!(
                "{t}与此前反映的同一问题合并办理，办理进展和答复在本问题页面同步显示{}",
                note_suffix(details, "note")
            );
            let to = To::Enterprise(issue.enterprise_id);
            record(conn, notice(Kind::Merged, issue, text, at), to, me)?;
        }
        EventKind::Filed if issue.resolved_on_site => {
            let text = format!("{t}已在恳谈会上现场解决，请查看并评价");
            let to = To::Enterprise(issue.enterprise_id);
            record(conn, notice(Kind::Answered, issue, text, at), to, me)?;
        }
        EventKind::Rated => {
            let rating = details.get("rating").and_then(Value::as_str);
            if rating == Some(Rating::Dissatisfied.code()) {
                let text = format!(
                    "{t}的答复被评为不满意，已重办{}",
                    note_suffix(details, "comment")
                );
                let to = To::Region(Role::Coordinator, issue.region_id);
                record(
                    conn,
                    notice(Kind::Dissatisfied, issue, text.clone(), at),
                    to,
                    me,
                )?;
                if let Some(to) = handler_or_lead(issue) {
                    let due = issue.due_on.map(time::zh_date).unwrap_or_default();
                    let text = format!("{t}的答复被评为不满意，请于{due}前重新办理答复");
                    record(conn, notice(Kind::Dissatisfied, issue, text, at), to, me)?;
                }
            }
        }
        _ => {}
    }
    Ok(())
}

/// Tells the owner of an account that its password was tried wrongly `failures` times in a
/// short while (from anywhere), and that signing in is slowed for a moment.
pub fn sign_in_failures(
    conn: &mut DbConn,
    user: &crate::store::users::UserRow,
    failures: i32,
    at: NaiveDateTime,
) -> Result<(), Error> {
    let when = time::zh_instant(at);
    let notice = NewNotice {
        kind: Kind::SignInFailures,
        issue_id: None,
        text: format!(
            "你的账号（{}）在{when}前后{failures}次登录失败，登录已暂时放慢；如非本人操作，请修改密码",
            user.username
        ),
        link: "/account".into(),
        department_id: None,
        region_id: None,
        dedupe_key: None,
        created_at: at,
    };
    if let Some(id) = store::insert(conn, &notice)? {
        store::add_recipients(conn, id, &[user.id])?;
    }
    Ok(())
}

// ---- each person's list ----

#[derive(Serialize)]
pub struct Notification {
    pub id: i64,
    pub kind: Kind,
    pub issue_id: Option<i64>,
    pub text: String,
    pub link: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub read_at: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotificationQuery {
    pub unread: Option<bool>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

/// The caller's own notices, newest first.
pub fn list(
    conn: &mut DbConn,
    caller: &Caller,
    q: NotificationQuery,
) -> Result<Paged<Notification>, Error> {
    let p = page(q.page, q.per_page)?;
    let (rows, total) = store::list(conn, caller.id(), q.unread.unwrap_or(false), p)?;
    let items = rows
        .into_iter()
        .filter_map(|r| {
            Some(Notification {
                id: r.id,
                kind: Kind::parse(&r.kind)?,
                issue_id: r.issue_id,
                text: r.text,
                link: r.link,
                created_at: utc(r.created_at),
                read_at: r.read_at.map(utc),
            })
        })
        .collect();
    Ok(Paged::new(items, total, p))
}

pub fn unread_count(conn: &mut DbConn, caller: &Caller) -> Result<i64, Error> {
    Ok(store::unread_count(conn, caller.id())?)
}

/// Marks one of the caller's notices read; 404 for a notice that is not theirs.
pub fn read(conn: &mut DbConn, caller: &Caller, id: i64) -> Result<(), Error> {
    if store::mark_read(conn, caller.id(), id, st::now())? {
        Ok(())
    } else {
        Err(Error::not_found("notification"))
    }
}

/// Marks one of the caller's notices read and answers the page it links to (always a path
/// of this service).
pub fn open(conn: &mut DbConn, caller: &Caller, id: i64) -> Result<String, Error> {
    let link =
        store::link_of(conn, caller.id(), id)?.ok_or_else(|| Error::not_found("notification"))?;
    store::mark_read(conn, caller.id(), id, st::now())?;
    let internal = link.starts_with('/') && !link.starts_with("//");
    Ok(if internal {
        link
    } else {
        "/notifications".into()
    })
}

/// Marks all the caller's notices read; answers how many were unread.
pub fn read_all(conn: &mut DbConn, caller: &Caller) -> Result<usize, Error> {
    Ok(store::mark_all_read(conn, caller.id(), st::now())?)
}

// ---- reminders ----

/// Settings of the reminders.
#[derive(Clone, Debug)]
pub struct ReminderRules {
    /// Working days a department has to sign for an assignment (签收时限).
    pub sign_days: u32,
    /// Working days an answer may wait for its rating before the Federation calls (回访).
    pub follow_up_days: u32,
    /// Days ahead an enterprise is told of a forum in its region.
    pub forum_days: i64,
    /// Local hour on Monday from which leaders' weekly digests go out.
    pub digest_hour: u32,
}

impl Default for ReminderRules {
    fn default() -> Self {
        ReminderRules {
            sign_days: 1,
            follow_up_days: 5,
            forum_days: 7,
            digest_hour: 8,
        }
    }
}

/// What one pass of the reminders produced.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Reminded {
    pub due_soon: usize,
    pub overdue: usize,
    pub sign_overdue: usize,
    pub follow_up_due: usize,
    pub forum_upcoming: usize,
    pub digest: usize,
}

impl Reminded {
    pub fn total(&self) -> usize {
        self.due_soon
            + self.overdue
            + self.sign_overdue
            + self.follow_up_due
            + self.forum_upcoming
            + self.digest
    }
}

/// One pass of the reminders at `now`. Each reminder carries a key naming what and when
/// (an issue and its due date, a forum, a leader and a week), so that passes repeated by
/// one instance or run at once by several produce each exactly once. Each reminder is its
/// own short transaction; the overdue notice and its automatic 催办 event commit together.
pub fn remind(
    conn: &mut DbConn,
    now: NaiveDateTime,
    rules: &ReminderRules,
) -> Result<Reminded, Error> {
    let today = time::local_date(now);
    let horizon = today + Duration::days(60);
    let cal = st::calendar::load(conn, today - Duration::days(60), horizon)?;
    let mut done = Reminded::default();

    // Due within one working day, and overdue: the open issues with a due date.
    let next_working = cal.add_working_days(today, 1);
    for issue in issues_store::open_with_due(conn, next_working)? {
        let Some(due) = issue.due_on else { continue };
        let Some(lead) = issue.lead_department_id else {
            continue;
        };
        let to = || To::Department(lead, issue.handler_id);
        let t = quoted(&issue.title);
        if due >= today {
            let mut n = notice(
                Kind::DueSoon,
                &issue,
                format!("{t}将于{}到期，请按期答复", time::zh_date(due)),
                now,
            );
            n.dedupe_key = Some(format!("due_soon:{}:{due}", issue.id));
            done.due_soon += usize::from(db::write_tx(conn, |c| record(c, n, to(), None))?);
            continue;
        }
        let days = cal.working_days_between(due, today);
        // One overdue notice a day; the first of them comes with an automatic 催办 on the
        // timeline. Two instances on the same day race for the same key: one wins.
        let made = db::write_tx(conn, |c| {
            let earlier = store::key_taken(c, &format!("overdue:{}:{due}:", issue.id))?;
            let text = if earlier {
                format!(
                    "{t}已超期{days}个工作日（应于{}前答复），请尽快办理",
                    time::zh_date(due)
                )
            } else {
                format!("{t}已超期（应于{}前答复），请尽快办理", time::zh_date(due))
            };
            let mut n = notice(Kind::Overdue, &issue, text, now);
            n.dedupe_key = Some(format!("overdue:{}:{due}:{today}", issue.id));
            if !record(c, n, to(), None)? {
                return Ok::<_, Error>(false);
            }
            if !earlier {
                let system = st::users::system_user(c, now)?;
                // The automatic 催办 counts as any other: the issue's urge count (and with it
                // the kept figures and the 被催办 queue) rises with its event.
                let current = issues_store::get(c, &st::scope::Scope::All, issue.id)?
                    .ok_or_else(|| Error::not_found("issue"))?;
                let change = issues_store::IssueChange {
                    urge_count: Some(current.urge_count + 1),
                    ..Default::default()
                };
                issues_store::apply(c, issue.id, current.version, &change, now)?;
                let details = serde_json::json!({
                    "department_id": lead,
                    "due_on": due,
                    "note": "超期",
                    "automatic": true,
                });
                issues_store::add_event(
                    c,
                    issue.id,
                    EventKind::Urged,
                    system,
                    "system",
                    &details,
                    now,
                )?;
            }
            Ok(true)
        });
        // An action on the issue at the same moment: its reminder comes with the next pass.
        let made = match made {
            Err(Error::Conflict(_)) => false,
            other => other?,
        };
        done.overdue += usize::from(made);
    }

    // Assignments not signed for within the limit: the department and the Federation.
    for (issue, assigned_at) in issues_store::waiting_for_sign(conn)? {
        let assigned_on = time::local_date(assigned_at);
        let limit = cal.add_working_days(assigned_on, rules.sign_days);
        if today <= limit {
            continue;
        }
        let Some(lead) = issue.lead_department_id else {
            continue;
        };
        let t = quoted(&issue.title);
        let key = format!(
            "sign_overdue:{}:{}",
            issue.id,
            assigned_at.and_utc().timestamp()
        );
        let produced = db::write_tx(conn, |c| {
            let mut n = notice(
                Kind::SignOverdue,
                &issue,
                format!(
                    "{t}交办后超过签收时限（{}）仍未签收，请尽快签收",
                    time::zh_date(limit)
                ),
                now,
            );
            n.dedupe_key = Some(key.clone());
            if !record(c, n, To::Department(lead, None), None)? {
                return Ok::<_, Error>(false);
            }
            let mut n = notice(
                Kind::SignOverdue,
                &issue,
                format!("{t}交办后超过签收时限（{}）仍未签收", time::zh_date(limit)),
                now,
            );
            n.dedupe_key = Some(format!("{key}:coordinator"));
            record(c, n, To::Region(Role::Coordinator, issue.region_id), None)
        })?;
        done.sign_overdue += usize::from(produced);
    }

    // Answers waiting for their rating: the Federation calls the enterprise (回访).
    for issue in issues_store::waiting_for_rating(conn)? {
        let Some(answered) = issue.answered_at else {
            continue;
        };
        let since = time::local_date(answered);
        if cal.working_days_between(since, today) < i64::from(rules.follow_up_days) {
            continue;
        }
        done.follow_up_due += usize::from(follow_up_reminder(conn, &issue, now)?);
    }

    done.forum_upcoming = forums_ahead(conn, today, rules.forum_days, now)?;
    done.digest = digests(conn, now, rules.digest_hour)?;
    Ok(done)
}

/// The 回访 reminder of an answer still waiting for its rating, to the coordinators of the
/// issue's region, made at `now`: once per answer (its key names the issue and the answer),
/// whoever asks again. False when it was made before.
pub fn follow_up_reminder(
    conn: &mut DbConn,
    issue: &IssueRow,
    now: NaiveDateTime,
) -> Result<bool, Error> {
    let Some(answered) = issue.answered_at else {
        return Ok(false);
    };
    let since = time::local_date(answered);
    let t = quoted(&issue.title);
    let mut n = notice(
        Kind::FollowUpDue,
        issue,
        format!("{t}于{}答复后企业尚未评价，请回访", time::zh_date(since)),
        now,
    );
    n.dedupe_key = Some(format!("follow_up:{}:{}", issue.id, issue.answer_count));
    let to = To::Region(Role::Coordinator, issue.region_id);
    db::write_tx(conn, |c| record(c, n, to, None))
}

/// Tells the enterprises of a region of each planned forum there within `days`.
fn forums_ahead(
    conn: &mut DbConn,
    today: NaiveDate,
    days: i64,
    now: NaiveDateTime,
) -> Result<usize, Error> {
    let mut n = 0;
    for f in st::forums::planned_between(conn, today, today + Duration::days(days))? {
        let venue = f
            .venue
            .as_deref()
            .map(|v| format!("，地点：{v}"))
            .unwrap_or_default();
        let text = format!(
            "第{}期亲清直通车·政企恳谈会（{}）将于{}（{}）召开，主题：{}{venue}",
            f.edition_number,
            f.region_name,
            time::zh_date(f.held_on),
            weekday_zh(f.held_on.weekday()),
            f.theme
        );
        let key = format!("forum:{}:{}", f.id, f.held_on);
        let made = db::write_tx(conn, |c| tell_enterprises_of(c, &f, text, key, now))?;
        n += usize::from(made);
    }
    Ok(n)
}

fn weekday_zh(d: Weekday) -> &'static str {
    ["周一", "周二", "周三", "周四", "周五", "周六", "周日"][d.num_days_from_monday() as usize]
}

/// On Monday from `hour` (Asia/Shanghai), each leader's digest of the week before, over
/// their region: issues collected, answered, overdue now, under supervision now.
fn digests(conn: &mut DbConn, now: NaiveDateTime, hour: u32) -> Result<usize, Error> {
    let local = now + Duration::hours(8);
    let monday = local.date() - Duration::days(i64::from(local.weekday().num_days_from_monday()));
    if local.date() != monday || local.hour() < hour {
        return Ok(0);
    }
    let from = monday - Duration::days(7);
    let to = monday - Duration::days(1);
    let today = local.date();
    let mut n = 0;
    for (user, region, path) in store::leaders(conn)? {
        let key = format!("digest:{user}:{monday}");
        let made = db::write_tx(conn, |c| {
            let w = issues_store::week_counts(
                c,
                &path,
                time::start_of(from),
                time::start_of(monday),
                today,
            )?;
            let text = format!(
                "上周（{}至{}）新收集问题{}个，答复{}个；目前超期{}个，督办中{}个",
                time::zh_date(from),
                time::zh_date(to),
                w.collected,
                w.answered,
                w.overdue,
                w.supervised
            );
            let notice = NewNotice {
                kind: Kind::Digest,
                issue_id: None,
                text,
                link: "/dashboard".into(),
                department_id: None,
                region_id: Some(region),
                dedupe_key: Some(key),
                created_at: now,
            };
            let Some(id) = store::insert(c, &notice)? else {
                return Ok::<_, Error>(false);
            };
            store::add_recipients(c, id, &[user])?;
            Ok(true)
        })?;
        n += usize::from(made);
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_and_paths() {
        assert_eq!(quoted("用地指标"), "「用地指标」");
        let long: String = "字".repeat(45);
        assert_eq!(quoted(&long), format!("「{}…」", "字".repeat(40)));
        assert_eq!(regions_above("/1/4/"), vec![1, 4]);
        assert_eq!(regions_above("/7/"), vec![7]);
        assert!(regions_above("").is_empty());
    }
}

/// Notices and their outside delivery.
#[derive(Clone)]
pub struct NotifyConfig {
    /// Hosts and networks a channel may reach although they are internal (loopback,
    /// private, link-local).
    pub channel_allow: Vec<crate::domain::notice::Allow>,
    /// The service's address as people reach it, to make links in messages sent outside
    /// absolute (`https://qinqing.example.gov.cn`).
    pub public_url: Option<String>,
    /// SMTP server for e-mail channels: `smtp://user:pass@host:587` (STARTTLS required),
    /// `smtps://…` (TLS from the start) or `smtp://host:25?tls=none` (a local relay).
    pub smtp_url: Option<String>,
    /// Sender of e-mail notices.
    pub smtp_from: String,
    /// Run the reminders and the delivery worker in this process.
    pub scheduler: bool,
    pub remind_every: std::time::Duration,
    pub deliver_every: std::time::Duration,
    /// Attempts before a delivery is marked failed.
    pub max_attempts: i32,
    /// Bound on every outside call (connect, send, answer).
    pub timeout: std::time::Duration,
    pub rules: ReminderRules,
}

impl Default for NotifyConfig {
    fn default() -> Self {
        NotifyConfig {
            channel_allow: Vec::new(),
            public_url: None,
            smtp_url: None,
            smtp_from: "qinqing@localhost".into(),
            scheduler: true,
            remind_every: std::time::Duration::from_secs(60),
            deliver_every: std::time::Duration::from_secs(5),
            max_attempts: 8,
            timeout: std::time::Duration::from_secs(10),
            rules: Default::default(),
        }
    }
}

impl std::fmt::Debug for NotifyConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NotifyConfig")
            .field("channel_allow", &self.channel_allow)
            .field("public_url", &self.public_url)
            .field("smtp_url", &self.smtp_url.as_ref().map(|_| "<set>"))
            .field("smtp_from", &self.smtp_from)
            .field("scheduler", &self.scheduler)
            .field("remind_every", &self.remind_every)
            .field("deliver_every", &self.deliver_every)
            .field("max_attempts", &self.max_attempts)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// Tells the enterprises each forum's 恳谈会预告 told that the forum is off (the caller's
/// transaction); a forum not yet announced is cancelled quietly. Answers the notices made.
pub fn forums_called_off(conn: &mut DbConn, forums: &[i64], reason: &str) -> Result<usize, Error> {
    let now = crate::store::now();
    let mut n = 0;
    for f in st::forums::described(conn, forums)? {
        if !store::key_taken(conn, &format!("forum:{}:", f.id))? {
            continue;
        }
        let text = format!(
            "原定于{}（{}）召开的第{}期亲清直通车·政企恳谈会（{}）取消，原因：{reason}",
            time::zh_date(f.held_on),
            weekday_zh(f.held_on.weekday()),
            f.edition_number,
            f.region_name,
        );
        let key = format!("forum_off:{}", f.id);
        n += usize::from(tell_enterprises_of(conn, &f, text, key, now)?);
    }
    Ok(n)
}

/// A notice about a forum to the enterprises of its region (the caller's transaction), once
/// under its key; false when the key was used already.
fn tell_enterprises_of(
    conn: &mut DbConn,
    f: &st::forums::Upcoming,
    text: String,
    key: String,
    now: NaiveDateTime,
) -> Result<bool, Error> {
    let notice = NewNotice {
        kind: Kind::ForumUpcoming,
        issue_id: None,
        text,
        link: "/forums".into(),
        department_id: None,
        region_id: Some(f.region_id),
        dedupe_key: Some(key),
        created_at: now,
    };
    let Some(id) = store::insert(conn, &notice)? else {
        return Ok(false);
    };
    let users = store::enterprise_users_under(conn, &f.region_path)?;
    store::add_recipients(conn, id, &users)?;
    Ok(true)
}
