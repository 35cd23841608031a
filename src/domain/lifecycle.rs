//! The life of an issue in one place: from (state, action, role, the caller's relation to
//! the issue) to the next state, or the refusal. Handlers call `decide` and never decide
//! transitions themselves.
//!
//! ```text
//!  submitted ──withdraw──▶ withdrawn
//!      │ assign
//!      ▼
//!   assigned ──return──▶ returned ──assign──▶ assigned
//!      │ sign               │ close (not actionable)
//!      ▼                    ▼
//!  in_progress ──answer──▶ answered ──rate satisfied──▶ closed
//!      ▲                      │
//!      └──────reopen (重办)◀── rate dissatisfied
//! ```

use chrono::NaiveDate;

use super::issue::Rating;
use super::role::Role;

coded!(
    /// Where an issue stands.
    State {
        Submitted => "submitted", "待交办";
        Assigned => "assigned", "已交办";
        InProgress => "in_progress", "办理中";
        Returned => "returned", "已退回";
        Answered => "answered", "已答复";
        Closed => "closed", "已办结";
        Withdrawn => "withdrawn", "已撤回";
    }
);

impl State {
    /// The states in which a department holds the issue: overdue (超期) applies there.
    pub const HANDLED: [State; 2] = [State::Assigned, State::InProgress];
    /// The states of an issue whose handling has concluded with an answer.
    pub const CONCLUDED: [State; 2] = [State::Answered, State::Closed];
    /// The states in which an issue is no longer under supervision (督办中 ends).
    pub const SUPERVISION_OVER: [State; 2] = [State::Closed, State::Withdrawn];

    /// Overdue applies while a department holds the issue.
    pub fn is_being_handled(self) -> bool {
        State::HANDLED.contains(&self)
    }
}

/// 超期: past the due date in force while a department still holds the issue.
pub fn is_overdue(state: State, due_on: Option<NaiveDate>, today: NaiveDate) -> bool {
    state.is_being_handled() && due_on.is_some_and(|d| d < today)
}

/// The state an issue is filed in: an issue solved on the spot (现场解决) is filed with
/// its answer, so it starts answered.
pub fn filed_state(resolved_on_site: bool) -> State {
    if resolved_on_site {
        State::Answered
    } else {
        State::Submitted
    }
}

/// Returns after which an issue is flagged for supervision (督办).
pub const RETURNS_BEFORE_SUPERVISION: i32 = 2;

/// Whether the return that brings an issue to `returns` returns flags it for supervision
/// (督办): the second does, unless it is flagged already.
pub fn return_flags_supervision(returns: i32, already_flagged: bool) -> bool {
    !already_flagged && returns >= RETURNS_BEFORE_SUPERVISION
}

/// Whether the reopening (重办) that brings an issue to `reopens` reopenings flags it for
/// supervision: the second does, unless it is flagged already.
pub fn reopen_flags_supervision(reopens: i32, already_flagged: bool) -> bool {
    !already_flagged && reopens >= REOPENS_BEFORE_CLOSE
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// 交办 (from submitted), or reassign (from returned, assigned or in progress).
    Assign,
    /// 签收
    Sign,
    /// 接手: another handler of the lead department takes the issue over.
    TakeOver,
    /// 退回
    Return,
    /// 申请延期
    RequestExtension,
    /// 延期审批
    DecideExtension,
    /// 答复
    Answer,
    /// 评价
    Rate(Rating),
    /// 办结 (not actionable, or after the second reopen)
    Close,
    /// 撤回
    Withdraw,
    /// 催办
    Urge,
    /// 督办
    Supervise,
    /// 留言
    Comment,
    /// 共性/个性
    Mark,
    /// 合并: closed as a repeat of an earlier issue (before it is answered).
    Merge,
}

impl Action {
    pub fn name(self) -> &'static str {
        match self {
            Action::Assign => "assign",
            Action::Sign => "sign",
            Action::TakeOver => "take over",
            Action::Return => "return",
            Action::RequestExtension => "request an extension",
            Action::DecideExtension => "decide an extension",
            Action::Answer => "answer",
            Action::Rate(_) => "rate",
            Action::Close => "close",
            Action::Withdraw => "withdraw",
            Action::Urge => "urge",
            Action::Supervise => "supervise",
            Action::Comment => "comment on",
            Action::Mark => "mark",
            Action::Merge => "merge",
        }
    }
}

/// How the caller stands to this issue (scope has already made sure they can see it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Relation {
    /// The lead department (主办).
    Lead,
    /// A co-handling department (协办): reads and comments only.
    CoHandler,
    /// Anyone else who sees it: its enterprise, coordinators, leaders, administrators.
    Viewer,
}

/// Facts about the issue beyond its state that some moves depend on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Facts {
    pub reopen_count: i32,
}

/// Reopens after which a coordinator may close an issue that is still disputed.
pub const REOPENS_BEFORE_CLOSE: i32 = 2;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// 403: this role never does this.
    Forbidden(String),
    /// 409: not in this state (or not by this department); the message names the state.
    Conflict(String),
}

fn roles_for(action: Action) -> &'static [Role] {
    match action {
        Action::Assign
        | Action::DecideExtension
        | Action::Close
        | Action::Urge
        | Action::Mark
        | Action::Merge => &[Role::Coordinator],
        Action::Sign
        | Action::TakeOver
        | Action::Return
        | Action::RequestExtension
        | Action::Answer => &[Role::Department],
        Action::Rate(_) => &[Role::Enterprise, Role::Coordinator],
        Action::Withdraw => &[Role::Enterprise],
        Action::Supervise => &[Role::Leader],
        Action::Comment => &[Role::Enterprise, Role::Department, Role::Coordinator],
    }
}

/// The state after `action`, or why it is refused.
pub fn decide(
    state: State,
    action: Action,
    role: Role,
    relation: Relation,
    facts: Facts,
) -> Result<State, Refusal> {
    use State::*;
    if !roles_for(action).contains(&role) {
        return Err(Refusal::Forbidden(format!(
            "the {} role may not {} an issue",
            role.as_str(),
            action.name()
        )));
    }
    let lead_only = matches!(
        action,
        Action::Sign
            | Action::TakeOver
            | Action::Return
            | Action::RequestExtension
            | Action::Answer
    );
    if lead_only && relation != Relation::Lead {
        return Err(Refusal::Conflict(format!(
            "the issue is {}; only its lead department may {} it",
            state.code(),
            action.name()
        )));
    }
    let next = match (action, state) {
        (Action::Assign, Submitted | Returned | Assigned | InProgress) => Some(Assigned),
        (Action::Sign, Assigned) => Some(InProgress),
        (Action::TakeOver, InProgress) => Some(InProgress),
        (Action::Return, Assigned | InProgress) => Some(Returned),
        (
            Action::RequestExtension | Action::DecideExtension | Action::Urge,
            Assigned | InProgress,
        ) => Some(state),
        (Action::Answer, InProgress) => Some(Answered),
        (Action::Rate(r), Answered) => Some(if r.is_satisfied() { Closed } else { InProgress }),
        (Action::Close, Returned) => Some(Closed),
        (Action::Close, Assigned | InProgress | Answered)
            if facts.reopen_count >= REOPENS_BEFORE_CLOSE =>
        {
            Some(Closed)
        }
        (Action::Withdraw, Submitted) => Some(Withdrawn),
        (Action::Supervise, Submitted | Assigned | InProgress | Returned | Answered) => Some(state),
        (Action::Comment, _) => Some(state),
        (Action::Mark, s) if s != Withdrawn => Some(state),
        (Action::Merge, Submitted | Returned | Assigned | InProgress) => Some(Closed),
        _ => None,
    };
    next.ok_or_else(|| {
        let hint = match (action, state) {
            (Action::Answer, Assigned) => "; sign for it first",
            (Action::Close, Assigned | InProgress | Answered) => {
                "; it can be closed here only after its second reopening"
            }
            _ => "",
        };
        Refusal::Conflict(format!(
            "the issue is {}; it cannot {} now{hint}",
            state.code(),
            match action {
                Action::Rate(_) => "be rated",
                Action::Assign => "be assigned",
                Action::Sign => "be signed for",
                Action::TakeOver => "be taken over",
                Action::Return => "be returned",
                Action::RequestExtension => "get an extension request",
                Action::DecideExtension => "get an extension decision",
                Action::Answer => "be answered",
                Action::Close => "be closed",
                Action::Withdraw => "be withdrawn",
                Action::Urge => "be urged",
                Action::Supervise => "be supervised",
                Action::Comment => "take comments",
                Action::Mark => "be marked",
                Action::Merge => "be merged (only an issue not yet answered is)",
            }
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use State::*;

    const ACTIONS: [Action; 17] = [
        Action::Assign,
        Action::Sign,
        Action::TakeOver,
        Action::Return,
        Action::RequestExtension,
        Action::DecideExtension,
        Action::Answer,
        Action::Rate(Rating::Satisfied),
        Action::Rate(Rating::BasicallySatisfied),
        Action::Rate(Rating::Dissatisfied),
        Action::Close,
        Action::Withdraw,
        Action::Urge,
        Action::Supervise,
        Action::Comment,
        Action::Mark,
        Action::Merge,
    ];

    /// The allowed moves for the role that may act, as the caller it would be (a lead
    /// department, an enterprise on its own issue): (action, from, to).
    fn allowed(action: Action, from: State, reopens: i32) -> Option<State> {
        let table: &[(Action, &[State], Option<State>)] = &[
            (
                Action::Assign,
                &[Submitted, Returned, Assigned, InProgress],
                Some(Assigned),
            ),
            (Action::Sign, &[Assigned], Some(InProgress)),
            (Action::TakeOver, &[InProgress], None),
            (Action::Return, &[Assigned, InProgress], Some(Returned)),
            (Action::RequestExtension, &[Assigned, InProgress], None),
            (Action::DecideExtension, &[Assigned, InProgress], None),
            (Action::Answer, &[InProgress], Some(Answered)),
            (Action::Rate(Rating::Satisfied), &[Answered], Some(Closed)),
            (
                Action::Rate(Rating::BasicallySatisfied),
                &[Answered],
                Some(Closed),
            ),
            (
                Action::Rate(Rating::Dissatisfied),
                &[Answered],
                Some(InProgress),
            ),
            (Action::Withdraw, &[Submitted], Some(Withdrawn)),
            (Action::Urge, &[Assigned, InProgress], None),
            (
                Action::Supervise,
                &[Submitted, Assigned, InProgress, Returned, Answered],
                None,
            ),
            (Action::Comment, State::ALL, None),
            (
                Action::Mark,
                &[Submitted, Assigned, InProgress, Returned, Answered, Closed],
                None,
            ),
            (
                Action::Merge,
                &[Submitted, Returned, Assigned, InProgress],
                Some(Closed),
            ),
        ];
        if action == Action::Close {
            let from_ok = from == Returned
                || (reopens >= 2 && matches!(from, Assigned | InProgress | Answered));
            return from_ok.then_some(Closed);
        }
        let (_, states, to) = table.iter().find(|(a, _, _)| *a == action)?;
        states.contains(&from).then_some(to.unwrap_or(from))
    }

    #[test]
    fn every_state_action_and_role() {
        for reopens in [0, 2] {
            for state in State::ALL.iter().copied() {
                for action in ACTIONS {
                    for role in Role::ALL {
                        let relation = if role == Role::Department {
                            Relation::Lead
                        } else {
                            Relation::Viewer
                        };
                        let facts = Facts {
                            reopen_count: reopens,
                        };
                        let got = decide(state, action, role, relation, facts);
                        let role_ok = roles_for(action).contains(&role);
                        let want = allowed(action, state, reopens);
                        match (&got, role_ok, want) {
                            (Err(Refusal::Forbidden(m)), false, _) => {
                                assert!(m.contains(role.as_str()), "{m}")
                            }
                            (Ok(next), true, Some(to)) => assert_eq!(*next, to, "{state:?} {action:?} {role:?}"),
                            (Err(Refusal::Conflict(m)), true, None) => {
                                assert!(m.contains(state.code()), "{m}")
                            }
                            _ => panic!(
                                "{state:?} × {action:?} × {role:?} (reopens {reopens}): got {got:?}, want {want:?} (role allowed: {role_ok})"
                            ),
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn overdue_only_while_handled() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default();
        let today = d("2022-06-22");
        let cases = [
            (Assigned, Some("2022-06-21"), true),
            (InProgress, Some("2022-06-21"), true),
            (InProgress, Some("2022-06-22"), false),
            (Answered, Some("2022-06-01"), false),
            (Returned, Some("2022-06-01"), false),
            (Assigned, None, false),
        ];
        for (state, due, want) in cases {
            assert_eq!(
                is_overdue(state, due.map(d), today),
                want,
                "{state:?} {due:?}"
            );
        }
    }

    #[test]
    fn supervision_flags_on_the_second_return_or_reopening() {
        let cases = [
            (1, false, false),
            (2, false, true),
            (3, false, true),
            (2, true, false),
        ];
        for (n, flagged, want) in cases {
            assert_eq!(return_flags_supervision(n, flagged), want, "{n} {flagged}");
            assert_eq!(reopen_flags_supervision(n, flagged), want, "{n} {flagged}");
        }
        assert_eq!(filed_state(true), Answered);
        assert_eq!(filed_state(false), Submitted);
    }

    #[test]
    fn only_the_lead_department_handles() {
        for action in [
            Action::Sign,
            Action::TakeOver,
            Action::Return,
            Action::RequestExtension,
            Action::Answer,
        ] {
            for state in [Assigned, InProgress] {
                let got = decide(
                    state,
                    action,
                    Role::Department,
                    Relation::CoHandler,
                    Facts::default(),
                );
                match got {
                    Err(Refusal::Conflict(m)) => assert!(m.contains("lead department"), "{m}"),
                    other => panic!("{action:?} by a co-handler: {other:?}"),
                }
            }
        }
        let got = decide(
            Assigned,
            Action::Comment,
            Role::Department,
            Relation::CoHandler,
            Facts::default(),
        );
        assert_eq!(got, Ok(Assigned));
    }

    #[test]
    fn refusals_name_the_state() {
        let cases = [
            (Closed, Action::Answer, Role::Department, Closed.code()),
            (
                Answered,
                Action::Rate(Rating::Satisfied),
                Role::Enterprise,
                Answered.code(),
            ),
            (
                Closed,
                Action::Rate(Rating::Satisfied),
                Role::Enterprise,
                Closed.code(),
            ),
            (
                InProgress,
                Action::Rate(Rating::Satisfied),
                Role::Enterprise,
                InProgress.code(),
            ),
            (
                Assigned,
                Action::Answer,
                Role::Department,
                "sign for it first",
            ),
            (
                Assigned,
                Action::Withdraw,
                Role::Enterprise,
                Assigned.code(),
            ),
        ];
        for (state, action, role, text) in cases {
            let relation = if role == Role::Department {
                Relation::Lead
            } else {
                Relation::Viewer
            };
            match decide(state, action, role, relation, Facts::default()) {
                Err(Refusal::Conflict(m)) => assert!(m.contains(text), "{m}"),
                Ok(next) if state == Answered => assert_eq!(next, Closed),
                other => panic!("{state:?} {action:?}: {other:?}"),
            }
        }
    }
}
