//! Every action on an issue (交办, 签收, 退回, 延期, 答复, 评价, 办结, 撤回, 催办, 督办, 留言,
//! 共性/个性): one shared path that loads the issue in scope, checks the version the caller
//! acted on, asks the lifecycle, applies the change guarded by the version, and writes the
//! timeline event, all in one transaction; and one small function per action for what is
//! its own.

use chrono::{NaiveDate, NaiveDateTime};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{check_version, one, Extension, Issue};
use crate::auth::Caller;
use crate::db::{self, DbConn};
use crate::domain::issue::{
    AssignedDetails, AssignmentChange, EventKind, ExtensionStatus, Outcome, Rating, RatingSource,
    DEFAULT_WORKING_DAYS,
};
use crate::domain::lifecycle::{self, Action, Facts, Refusal, Relation, State};
use crate::domain::role::Role;
use crate::domain::time;
use crate::error::{unique_as, Error};
use crate::service::common::Check;
use crate::service::departments::check_named;
use crate::store::issues::{
    self as store, ExtensionRow, IssueChange, IssueRow, NewExtension, NewRating,
};
use crate::store::scope::Scope;
use crate::store::{self as st, assignments, calendar};
use std::sync::atomic::{AtomicU32, Ordering};

/// One action with its input: what every door (the API, the pages, the demo loader) runs.
pub enum Command {
    Assign(AssignIn),
    Sign,
    TakeOver,
    Return(ReasonIn),
    RequestExtension(ExtensionIn),
    DecideExtension(i64, DecisionIn),
    Answer(AnswerIn),
    Rate(RatingIn),
    Close(NoteIn),
    Withdraw,
    Urge(OptionalNoteIn),
    Supervise(OptionalNoteIn),
    Comment(CommentIn),
    Mark(MarkIn),
    Merge(MergeIn),
}

impl Command {
    fn action(&self) -> Action {
        match self {
            Command::Assign(_) => Action::Assign,
            Command::Sign => Action::Sign,
            Command::TakeOver => Action::TakeOver,
            Command::Return(_) => Action::Return,
            Command::RequestExtension(_) => Action::RequestExtension,
            Command::DecideExtension(..) => Action::DecideExtension,
            Command::Answer(_) => Action::Answer,
            Command::Rate(r) => Action::Rate(r.rating),
            Command::Close(_) => Action::Close,
            Command::Withdraw => Action::Withdraw,
            Command::Urge(_) => Action::Urge,
            Command::Supervise(_) => Action::Supervise,
            Command::Comment(_) => Action::Comment,
            Command::Mark(_) => Action::Mark,
            Command::Merge(_) => Action::Merge,
        }
    }
}

/// What an action knows while it runs.
pub struct Ctx<'a> {
    caller: &'a Caller,
    issue: IssueRow,
    now: NaiveDateTime,
    today: NaiveDate,
}

/// What an action does: the columns it changes (None: the issue row is untouched), its
/// timeline event, and the extension request it created, if any.
struct Step {
    change: Option<IssueChange>,
    event: EventKind,
    details: Value,
    extension: Option<ExtensionRow>,
}

impl Step {
    fn new(change: IssueChange, event: EventKind, details: Value) -> Self {
        Step {
            change: Some(change),
            event,
            details,
            extension: None,
        }
    }
}

fn changed_meanwhile() -> Error {
    Error::Conflict(
        "the issue was changed by someone else at the same moment; reload it and try again".into(),
    )
}

fn refusal(r: Refusal) -> Error {
    match r {
        Refusal::Forbidden(m) => Error::Forbidden(m),
        Refusal::Conflict(m) => Error::Conflict(m),
    }
}

fn relation(conn: &mut DbConn, caller: &Caller, issue: &IssueRow) -> Result<Relation, Error> {
    if caller.role != Role::Department {
        return Ok(Relation::Viewer);
    }
    let dept = caller.user.department_id;
    if dept.is_some() && issue.lead_department_id == dept {
        return Ok(Relation::Lead);
    }
    let co = store::co_departments(conn, &[issue.id])?;
    let is_co = dept.is_some_and(|d| co.get(&issue.id).is_some_and(|v| v.contains(&d)));
    Ok(if is_co {
        Relation::CoHandler
    } else {
        Relation::Viewer
    })
}

/// Runs one action in the caller's name at `now`, in one transaction: load the issue in
/// scope, check the version the caller acted on (`expected`: any of these, or none
/// named), ask the lifecycle, do the action's own part, apply the change guarded by the
/// version, append the timeline event. The doors pass the current time; the demo loader
/// replays history with past times through the same path.
pub fn execute(
    conn: &mut DbConn,
    caller: &Caller,
    id: i64,
    expected: Option<&[i64]>,
    command: Command,
    now: NaiveDateTime,
) -> Result<(IssueRow, Option<ExtensionRow>), Error> {
    db::write_tx(conn, |conn| {
        let scope = caller.scope();
        let issue = store::get(conn, &scope, id)?.ok_or_else(|| Error::not_found("issue"))?;
        check_version(expected, id, issue.version)?;
        if !store::lock(conn, id, issue.version)? {
            return Err(changed_meanwhile());
        }
        let current = issue.status;
        let rel = relation(conn, caller, &issue)?;
        let facts = Facts {
            reopen_count: issue.reopen_count,
        };
        let next = lifecycle::decide(current, command.action(), caller.role, rel, facts)
            .map_err(refusal)?;
        let ctx = Ctx {
            caller,
            issue,
            now,
            today: time::local_date(now),
        };
        let step = match command {
            Command::Assign(b) => assign_step(conn, &ctx, b)?,
            // The handler who signs is the one the issue's notices go to.
            Command::Sign => Step::new(
                IssueChange {
                    handler_id: Some(Some(caller.id())),
                    ..Default::default()
                },
                EventKind::Signed,
                json!({"department_id": ctx.issue.lead_department_id, "handler_id": caller.id()}),
            ),
            Command::TakeOver => take_over_step(&ctx)?,
            Command::Return(b) => return_step(conn, &ctx, b)?,
            Command::RequestExtension(b) => extension_step(conn, &ctx, b)?,
            Command::DecideExtension(ext, b) => decision_step(conn, &ctx, ext, b)?,
            Command::Answer(b) => answer_step(conn, &ctx, b)?,
            Command::Rate(b) => rating_step(conn, &ctx, b)?,
            Command::Close(b) => close_step(&ctx, b)?,
            Command::Withdraw => Step::new(IssueChange::default(), EventKind::Withdrawn, json!({})),
            Command::Urge(b) => urge_step(&ctx, b)?,
            Command::Supervise(b) => supervise_step(&ctx, b)?,
            Command::Comment(b) => comment_step(b)?,
            Command::Merge(b) => merge_step(conn, &ctx, b)?,
            Command::Mark(b) => Step::new(
                IssueChange {
                    common: Some(Some(b.common)),
                    ..Default::default()
                },
                EventKind::Marked,
                json!({"common": b.common}),
            ),
        };
        let assignment = assignment_change(&step);
        if let Some(mut change) = step.change {
            if next != current {
                change.status = Some(next);
            }
            store::apply(conn, id, ctx.issue.version, &change, now)?;
        }
        store::add_event(
            conn,
            id,
            step.event,
            caller.id(),
            caller.role.as_str(),
            &step.details,
            now,
        )?;
        keep_assignment(conn, id, assignment, now)?;
        // A merged duplicate leaves its departments: no co-handler keeps it either.
        if step.details.get("reason").and_then(Value::as_str) == Some(MERGED) {
            store::set_co_departments(conn, id, &[])?;
        }
        let row = store::get(conn, &Scope::All, id)?.ok_or_else(|| Error::not_found("issue"))?;
        crate::service::notices::on_event(conn, &row, step.event, &step.details, caller, now)?;
        Ok((row, step.extension))
    })
}

/// Working days a department has to sign for an assignment (签收时限); set once at start
/// from the configuration, the same limit the reminders use.
static SIGN_DAYS: AtomicU32 = AtomicU32::new(1);

pub fn set_sign_days(days: u32) {
    SIGN_DAYS.store(days.max(1), Ordering::Relaxed);
}

/// The instant by which an assignment made at `at` is to be signed for: the end of the
/// sign-for limit's last working day (Shanghai), by the calendar in force when it is made.
fn sign_deadline(conn: &mut DbConn, at: NaiveDateTime) -> Result<NaiveDateTime, Error> {
    let last = due_after(
        conn,
        time::local_date(at),
        SIGN_DAYS.load(Ordering::Relaxed),
    )?;
    Ok(time::start_of(last + chrono::Duration::days(1)))
}

/// What a step does to the issue's assignment rows, read from its typed change: a new
/// assignment to the lead department it sets, a signing, a return.
fn assignment_change(step: &Step) -> Option<AssignmentChange> {
    match step.event {
        EventKind::Assigned | EventKind::Reassigned => step
            .change
            .as_ref()
            .and_then(|c| c.lead_department_id.flatten())
            .map(|department_id| AssignmentChange::Opened { department_id }),
        EventKind::Signed | EventKind::TakenOver => Some(AssignmentChange::Signed),
        EventKind::Returned => Some(AssignmentChange::Returned),
        _ => None,
    }
}

/// Keeps the assignment rows (交办记录, behind 及时签收率 and 退回率) with the event that
/// makes, signs or returns an assignment, in the event's transaction.
fn keep_assignment(
    conn: &mut DbConn,
    issue_id: i64,
    change: Option<AssignmentChange>,
    at: NaiveDateTime,
) -> Result<(), Error> {
    let Some(change) = change else {
        return Ok(());
    };
    // The kept assignment counts follow: the issue's rows come out before, go in after.
    st::kept::add_assignments_to_rollup(conn, issue_id, -1)?;
    match change {
        AssignmentChange::Opened { department_id } => {
            let deadline = sign_deadline(conn, at)?;
            assignments::open(conn, issue_id, department_id, at, deadline)?;
        }
        AssignmentChange::Signed => assignments::signed(conn, issue_id, at)?,
        AssignmentChange::Returned => assignments::returned(conn, issue_id, at)?,
    }
    st::kept::add_assignments_to_rollup(conn, issue_id, 1)?;
    Ok(())
}

/// Fills the assignment rows from the timeline on a database whose issues were assigned
/// before the rows were kept; answers how many events were read.
pub fn fill_assignments(conn: &mut DbConn) -> Result<usize, Error> {
    if !assignments::needs_filling(conn)? {
        return Ok(0);
    }
    db::write_tx(conn, |conn| {
        let mut after = 0;
        let mut read = 0;
        loop {
            let page = assignments::timeline_after(conn, after, 5_000)?;
            let Some(last) = page.last() else {
                return Ok(read);
            };
            after = last.0;
            read += page.len();
            for (_, issue_id, action, at, details) in page {
                keep_assignment(
                    conn,
                    issue_id,
                    AssignmentChange::of_event(action, &details),
                    at,
                )?;
            }
        }
    })
}

/// How the caller stands to an issue it reads.
pub fn relation_to(caller: &Caller, issue: &Issue) -> Relation {
    match caller.user.department_id {
        Some(d) if caller.role == Role::Department && issue.lead_department_id == Some(d) => {
            Relation::Lead
        }
        Some(d) if caller.role == Role::Department && issue.co_department_ids.contains(&d) => {
            Relation::CoHandler
        }
        _ => Relation::Viewer,
    }
}

/// The actions the caller may take on the issue now: those the lifecycle allows the role,
/// relation and state, less those the action's own rule would refuse (a second extension
/// request while one waits, a decision with none waiting, taking over one's own issue).
/// A page offers exactly these.
pub fn offered(caller: &Caller, issue: &Issue, extension_pending: bool) -> Vec<Action> {
    let candidates = [
        Action::Assign,
        Action::Sign,
        Action::TakeOver,
        Action::Return,
        Action::RequestExtension,
        Action::DecideExtension,
        Action::Answer,
        Action::Rate(Rating::Satisfied),
        Action::Close,
        Action::Withdraw,
        Action::Urge,
        Action::Supervise,
        Action::Comment,
        Action::Mark,
        Action::Merge,
    ];
    let relation = relation_to(caller, issue);
    let facts = Facts {
        reopen_count: issue.reopen_count,
    };
    candidates
        .into_iter()
        .filter(|a| lifecycle::decide(issue.status, *a, caller.role, relation, facts).is_ok())
        .filter(|a| match a {
            // More time is asked before the due date passes, not after.
            Action::RequestExtension => {
                !extension_pending && issue.due_on.is_none_or(|d| d >= time::today())
            }
            Action::DecideExtension => extension_pending,
            Action::TakeOver => issue.handler_id != Some(caller.id()),
            // No extension is left undecided on a merged issue.
            Action::Merge => !extension_pending,
            _ => true,
        })
        .collect()
}

/// Runs one action now and answers with the issue as the caller sees it, and the
/// extension request the action made, if any.
pub fn perform(
    conn: &mut DbConn,
    caller: &Caller,
    id: i64,
    expected: Option<&[i64]>,
    command: Command,
) -> Result<(Issue, Option<Extension>), Error> {
    let (row, ext) = execute(conn, caller, id, expected, command, st::now())?;
    Ok((one(conn, row)?, ext.map(Extension::from)))
}

/// The date `n` working days after `from`, by the stored calendar.
pub fn due_after(conn: &mut DbConn, from: NaiveDate, n: u32) -> Result<NaiveDate, Error> {
    let horizon = from + chrono::Duration::days(i64::from(n) * 3 + 30);
    let cal = calendar::load(conn, from, horizon)?;
    Ok(cal.add_working_days(from, n))
}

/// A due date given by a client: never before today.
fn check_due(check: &mut Check, field: &str, due: NaiveDate, today: NaiveDate) {
    if due < today {
        check.add(field, format!("{due} is in the past (today is {today})"));
    } else {
        check.date(field, due);
    }
}

// ---- 交办 assign / reassign ----

/// Co-handling departments (协办) one issue may have.
const MAX_CO_DEPARTMENTS: usize = 20;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssignIn {
    pub lead_department_id: i64,
    #[serde(default)]
    pub co_department_ids: Vec<i64>,
    pub due_on: Option<NaiveDate>,
    pub note: Option<String>,
}

fn assign_step(conn: &mut DbConn, ctx: &Ctx, body: AssignIn) -> Result<Step, Error> {
    let mut check = Check::default();
    let note = check.opt_text("note", body.note.as_deref(), 1_000);
    if body.co_department_ids.len() > MAX_CO_DEPARTMENTS {
        return Err(Error::invalid(
            "co_department_ids",
            format!("name at most {MAX_CO_DEPARTMENTS} co-handling departments"),
        ));
    }
    let mut named = vec![("lead_department_id".to_owned(), body.lead_department_id)];
    for (i, d) in body.co_department_ids.iter().enumerate() {
        let field = format!("co_department_ids[{i}]");
        if *d == body.lead_department_id {
            check.add(&field, "is the lead department");
        } else if body.co_department_ids[..i].contains(d) {
            check.add(&field, "is listed twice");
        }
        named.push((field, *d));
    }
    if let Some(due) = body.due_on {
        check_due(&mut check, "due_on", due, ctx.today);
    }
    check.finish()?;
    check_named(conn, &named, true)?;
    let due = match body.due_on {
        Some(d) => d,
        None => due_after(conn, ctx.today, DEFAULT_WORKING_DAYS)?,
    };
    let issue = &ctx.issue;
    store::set_co_departments(conn, issue.id, &body.co_department_ids)?;
    let reassigned = issue.status != State::Submitted;
    if reassigned {
        store::drop_pending_extensions(
            conn,
            issue.id,
            ctx.caller.id(),
            ctx.now,
            "the issue was reassigned",
        )?;
    }
    // A new assignment waits for a handler of the department to sign for it.
    let change = IssueChange {
        lead_department_id: Some(Some(body.lead_department_id)),
        due_on: Some(Some(due)),
        assigned_at: issue.assigned_at.is_none().then_some(Some(ctx.now)),
        handler_id: Some(None),
        charged_setback: Some(st::assignments::returned_by(
            conn,
            issue.id,
            body.lead_department_id,
        )?),
        ..Default::default()
    };
    let details = AssignedDetails {
        from_department_id: issue.lead_department_id.filter(|_| reassigned),
        lead_department_id: body.lead_department_id,
        co_department_ids: body.co_department_ids,
        due_on: due,
        note,
    };
    let details = serde_json::to_value(details).map_err(|e| Error::internal(e.to_string()))?;
    Ok(Step::new(
        change,
        if reassigned {
            EventKind::Reassigned
        } else {
            EventKind::Assigned
        },
        details,
    ))
}

// ---- 接手 take over ----

fn take_over_step(ctx: &Ctx) -> Result<Step, Error> {
    let issue = &ctx.issue;
    let me = ctx.caller.id();
    if issue.handler_id == Some(me) {
        return Err(Error::Conflict(format!(
            "the issue is {}; you are already its handler",
            issue.status
        )));
    }
    let change = IssueChange {
        handler_id: Some(Some(me)),
        ..Default::default()
    };
    let details = json!({"from_handler_id": issue.handler_id, "handler_id": me});
    Ok(Step::new(change, EventKind::TakenOver, details))
}

// ---- 退回 return ----

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReasonIn {
    pub reason: String,
}

fn return_step(conn: &mut DbConn, ctx: &Ctx, body: ReasonIn) -> Result<Step, Error> {
    let mut check = Check::default();
    let reason = check.text("reason", &body.reason, 1, 1_000);
    check.finish()?;
    let issue = &ctx.issue;
    let returns = issue.return_count + 1;
    let flag = lifecycle::return_flags_supervision(returns, issue.supervision);
    store::drop_pending_extensions(
        conn,
        issue.id,
        ctx.caller.id(),
        ctx.now,
        "the issue was returned",
    )?;
    let change = IssueChange {
        return_count: Some(returns),
        supervision: flag.then_some(true),
        charged_setback: Some(true),
        ..Default::default()
    };
    let details = json!({
        "department_id": issue.lead_department_id,
        "reason": reason,
        "return_count": returns,
        "flagged_for_supervision": flag,
    });
    Ok(Step::new(change, EventKind::Returned, details))
}

// ---- 延期 extensions ----

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExtensionIn {
    pub new_due_on: NaiveDate,
    pub reason: String,
}

fn extension_step(conn: &mut DbConn, ctx: &Ctx, body: ExtensionIn) -> Result<Step, Error> {
    let issue = &ctx.issue;
    if store::pending_extensions(conn, issue.id)? > 0 {
        return Err(Error::Conflict(
            "an extension request for this issue is already waiting for a decision".into(),
        ));
    }
    if let Some(due) = issue.due_on.filter(|d| *d < ctx.today) {
        return Err(Error::Conflict(format!(
            "the due date {due} has passed; more time is asked before it passes (the issue \
             is overdue)"
        )));
    }
    let mut check = Check::default();
    let reason = check.text("reason", &body.reason, 1, 1_000);
    match issue.due_on {
        Some(due) if body.new_due_on <= due => check.add(
            "new_due_on",
            format!("must be after the current due date {due}"),
        ),
        _ => check_due(&mut check, "new_due_on", body.new_due_on, ctx.today),
    }
    check.finish()?;
    let ext = store::add_extension(
        conn,
        &NewExtension {
            issue_id: issue.id,
            department_id: issue.lead_department_id.unwrap_or_default(),
            new_due_on: body.new_due_on,
            reason: &reason,
            requested_by: ctx.caller.id(),
            requested_at: ctx.now,
        },
    )?;
    let details = json!({
        "extension_id": ext.id,
        "due_on": issue.due_on,
        "new_due_on": ext.new_due_on,
        "reason": reason,
    });
    Ok(Step {
        extension: Some(ext),
        ..Step::new(
            IssueChange::default(),
            EventKind::ExtensionRequested,
            details,
        )
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecisionIn {
    pub granted: bool,
    pub note: Option<String>,
}

fn decision_step(
    conn: &mut DbConn,
    ctx: &Ctx,
    ext_id: i64,
    body: DecisionIn,
) -> Result<Step, Error> {
    let mut check = Check::default();
    let note = check.opt_text("note", body.note.as_deref(), 1_000);
    check.finish()?;
    let issue = &ctx.issue;
    let ext = store::get_extension(conn, issue.id, ext_id)?
        .ok_or_else(|| Error::not_found("extension request"))?;
    // Granted after the due date passed, the extension would take back days the issue was
    // already overdue (超期): it may then only be refused.
    if let Some(due) = issue.due_on.filter(|d| body.granted && *d < ctx.today) {
        return Err(Error::Conflict(format!(
            "the due date {due} has passed; the extension can no longer be granted (refuse it, \
             or reassign the issue with a new due date)"
        )));
    }
    let status = if body.granted {
        ExtensionStatus::Granted
    } else {
        ExtensionStatus::Refused
    };
    if !store::decide_extension(
        conn,
        ext.id,
        status,
        ctx.caller.id(),
        ctx.now,
        note.as_deref(),
    )? {
        return Err(Error::Conflict(format!(
            "the extension request is already {}",
            ext.status
        )));
    }
    let change = IssueChange {
        due_on: body.granted.then_some(Some(ext.new_due_on)),
        ..Default::default()
    };
    let details = json!({
        "extension_id": ext.id,
        "due_on": issue.due_on,
        "new_due_on": ext.new_due_on,
        "note": note,
    });
    let event = if body.granted {
        EventKind::ExtensionGranted
    } else {
        EventKind::ExtensionRefused
    };
    Ok(Step::new(change, event, details))
}

// ---- 答复 answer ----

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnswerIn {
    pub outcome: Outcome,
    pub text: String,
    pub planned_on: Option<NaiveDate>,
    /// The files sent with the answer (the 答复函), already added to the issue.
    #[serde(default)]
    pub attachment_ids: Vec<i64>,
}

fn answer_step(conn: &mut DbConn, ctx: &Ctx, body: AnswerIn) -> Result<Step, Error> {
    let mut check = Check::default();
    let text = check.text("text", &body.text, 1, 5_000);
    match (body.outcome, body.planned_on) {
        (Outcome::Planned, None) => {
            check.add("planned_on", "is required when the outcome is `planned`")
        }
        (Outcome::Planned, Some(d)) => check_due(&mut check, "planned_on", d, ctx.today),
        (_, Some(_)) => check.add("planned_on", "is given only when the outcome is `planned`"),
        (_, None) => {}
    }
    match crate::service::attachments::check_answer_files(conn, ctx.issue.id, &body.attachment_ids)
    {
        Ok(()) => {}
        Err(Error::Invalid(errors)) => {
            for e in errors {
                check.add(&e.field, e.message);
            }
        }
        Err(e) => return Err(e),
    }
    check.finish()?;
    crate::store::attachments::set_answer_files(conn, ctx.issue.id, &body.attachment_ids)?;
    let issue = &ctx.issue;
    let first = issue.first_answered_at.is_none();
    let on_time = issue.due_on.is_none_or(|d| ctx.today <= d);
    let working_days = match issue.assigned_at.filter(|_| first) {
        Some(assigned) => {
            let from = time::local_date(assigned);
            let cal = calendar::load(conn, from, ctx.today)?;
            Some(i32::try_from(cal.working_days_between(from, ctx.today)).unwrap_or(i32::MAX))
        }
        None => None,
    };
    let mut change = IssueChange {
        answer_outcome: Some(Some(body.outcome)),
        answer_text: Some(Some(text.clone())),
        answer_planned_on: Some(body.planned_on),
        answered_at: Some(Some(ctx.now)),
        answer_count: Some(issue.answer_count + 1),
        ..Default::default()
    };
    if first {
        change.first_answered_at = Some(Some(ctx.now));
        change.answered_on_time = Some(Some(on_time));
        change.working_days_to_answer = Some(working_days);
    }
    let details = json!({
        "department_id": issue.lead_department_id,
        "outcome": body.outcome.code(),
        "text": text,
        "planned_on": body.planned_on,
        "due_on": issue.due_on,
        "on_time": on_time,
        "first_answer": first,
        "attachment_ids": body.attachment_ids,
    });
    Ok(Step::new(change, EventKind::Answered, details))
}

// ---- 评价 rating ----

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RatingIn {
    /// 是否解决: was the problem solved.
    pub solved: bool,
    pub rating: Rating,
    pub comment: Option<String>,
}

fn rating_step(conn: &mut DbConn, ctx: &Ctx, body: RatingIn) -> Result<Step, Error> {
    let mut check = Check::default();
    let comment = check.opt_text("comment", body.comment.as_deref(), 1_000);
    check.finish()?;
    let issue = &ctx.issue;
    let rating = body.rating;
    // A coordinator's rating records a follow-up call (回访).
    let source = if ctx.caller.role == Role::Enterprise {
        RatingSource::Enterprise
    } else {
        RatingSource::FollowUp
    };
    store::add_rating(
        conn,
        &NewRating {
            issue_id: issue.id,
            answer_number: issue.answer_count,
            rating,
            solved: body.solved,
            source,
            comment: comment.as_deref(),
            rated_by: ctx.caller.id(),
            rated_at: ctx.now,
        },
    )
    .map_err(unique_as("rating", "this answer has already been rated"))?;
    let mut change = IssueChange {
        rating: Some(Some(rating)),
        solved: Some(Some(body.solved)),
        rating_source: Some(Some(source)),
        rating_comment: Some(comment.clone()),
        rated_at: Some(Some(ctx.now)),
        ..Default::default()
    };
    let mut details = json!({"rating": rating, "solved": body.solved, "source": source, "comment": comment, "reopened": false});
    if !rating.is_satisfied() {
        // 重办: back to the same lead department with a new due date.
        let reopens = issue.reopen_count + 1;
        let due = due_after(conn, ctx.today, DEFAULT_WORKING_DAYS)?;
        let flag = lifecycle::reopen_flags_supervision(reopens, issue.supervision);
        change.reopen_count = Some(reopens);
        change.dissatisfied_count = Some(issue.dissatisfied_count + 1);
        change.due_on = Some(Some(due));
        change.supervision = flag.then_some(true);
        change.charged_setback = Some(true);
        details["reopened"] = json!(true);
        details["reopen_count"] = json!(reopens);
        details["due_on"] = json!(due);
        details["flagged_for_supervision"] = json!(flag);
    }
    Ok(Step::new(change, EventKind::Rated, details))
}

// ---- 办结 close, 撤回 withdraw ----

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoteIn {
    pub note: String,
}

fn close_step(ctx: &Ctx, body: NoteIn) -> Result<Step, Error> {
    let mut check = Check::default();
    let note = check.text("note", &body.note, 1, 1_000);
    check.finish()?;
    let not_actionable = ctx.issue.status == State::Returned;
    let why = if not_actionable {
        "not_actionable"
    } else {
        "after_reopens"
    };
    Ok(Step::new(
        IssueChange {
            not_actionable: Some(not_actionable),
            ..Default::default()
        },
        EventKind::Closed,
        json!({"note": note, "reason": why}),
    ))
}

// ---- 合并 merge ----

/// The closing reason of a merged duplicate.
pub const MERGED: &str = "merged";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MergeIn {
    /// The earlier issue this one repeats.
    pub into: i64,
    pub note: Option<String>,
}

/// Closes the issue as a repeat of an earlier one in the coordinator's scope (not
/// withdrawn, not itself merged). It leaves every figure but 收集问题: no longer assigned,
/// no department, no due date; its enterprise follows the original from now on.
fn merge_step(conn: &mut DbConn, ctx: &Ctx, body: MergeIn) -> Result<Step, Error> {
    let mut check = Check::default();
    let note = check.opt_text("note", body.note.as_deref(), 1_000);
    check.finish()?;
    let issue = &ctx.issue;
    if body.into == issue.id {
        return Err(Error::invalid(
            "into",
            "must be another issue than this one",
        ));
    }
    let original = store::get(conn, &ctx.caller.scope(), body.into)?
        .ok_or_else(|| Error::invalid("into", "is not an issue in your scope"))?;
    if original.status == State::Withdrawn {
        return Err(Error::invalid("into", "is a withdrawn issue"));
    }
    if let Some(further) = original.merged_into {
        return Err(Error::invalid(
            "into",
            format!("was itself merged into issue {further}: merge into that one"),
        ));
    }
    if (original.created_at, original.id) >= (issue.created_at, issue.id) {
        return Err(Error::invalid(
            "into",
            "must be an issue filed before this one (the duplicate is the later)",
        ));
    }
    if store::pending_extensions(conn, issue.id)? > 0 {
        return Err(Error::Conflict(
            "an extension request on the issue waits for a decision; decide it before merging"
                .into(),
        ));
    }
    let change = IssueChange {
        merged_into: Some(Some(original.id)),
        lead_department_id: Some(None),
        due_on: Some(None),
        handler_id: Some(None),
        assigned_at: Some(None),
        supervision: Some(false),
        ..Default::default()
    };
    Ok(Step::new(
        change,
        EventKind::Closed,
        json!({"reason": MERGED, "into": original.id, "note": note}),
    ))
}

// ---- 催办 urge, 督办 supervise ----

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OptionalNoteIn {
    pub note: Option<String>,
}

fn urge_step(ctx: &Ctx, body: OptionalNoteIn) -> Result<Step, Error> {
    let mut check = Check::default();
    let note = check.opt_text("note", body.note.as_deref(), 1_000);
    check.finish()?;
    let issue = &ctx.issue;
    let change = IssueChange {
        urge_count: Some(issue.urge_count + 1),
        ..Default::default()
    };
    let details =
        json!({"department_id": issue.lead_department_id, "due_on": issue.due_on, "note": note});
    Ok(Step::new(change, EventKind::Urged, details))
}

fn supervise_step(ctx: &Ctx, body: OptionalNoteIn) -> Result<Step, Error> {
    let mut check = Check::default();
    let note = check.opt_text("note", body.note.as_deref(), 1_000);
    check.finish()?;
    let change = IssueChange {
        supervision: Some(true),
        supervise_count: Some(ctx.issue.supervise_count + 1),
        ..Default::default()
    };
    Ok(Step::new(
        change,
        EventKind::Supervised,
        json!({"note": note}),
    ))
}

// ---- 留言 comments, 共性/个性 mark ----

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommentIn {
    pub text: String,
}

fn comment_step(body: CommentIn) -> Result<Step, Error> {
    let mut check = Check::default();
    let text = check.text("text", &body.text, 1, 2_000);
    check.finish()?;
    // A comment adds to the timeline without changing the issue (nor its version).
    Ok(Step {
        change: None,
        ..Step::new(
            IssueChange::default(),
            EventKind::Commented,
            json!({"text": text}),
        )
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MarkIn {
    pub common: bool,
}
