//! The vocabulary of issues: categories, channels, answer outcomes, ratings, each with the
//! code the API uses and the Chinese name people read.

coded!(
    /// What an issue is about.
    Category {
        Financing => "financing", "融资";
        Land => "land", "用地";
        Approval => "approval", "审批";
        Talent => "talent", "人才用工";
        Policy => "policy", "政策兑现";
        Legal => "legal", "法治";
        Tax => "tax", "税费";
        Infrastructure => "infrastructure", "基础设施";
        MarketAccess => "market_access", "市场准入";
        Other => "other", "其他";
    }
);

coded!(
    /// Where an issue came from.
    Channel {
        Forum => "forum", "恳谈会";
        Online => "online", "企业在线提交";
        Visit => "visit", "走访";
        HealthCheck => "health_check", "企业健康体检";
        Hotline => "hotline", "热线";
    }
);

coded!(
    /// What the lead department's answer says.
    Outcome {
        Resolved => "resolved", "已解决";
        Explained => "explained", "已解释说明";
        Planned => "planned", "列入计划";
    }
);

coded!(
    /// The enterprise's verdict on an answer.
    Rating {
        Satisfied => "satisfied", "满意";
        BasicallySatisfied => "basically_satisfied", "基本满意";
        Dissatisfied => "dissatisfied", "不满意";
    }
);

impl Rating {
    /// The ratings that count as satisfied in 满意率.
    pub const SATISFIED: [Rating; 2] = [Rating::Satisfied, Rating::BasicallySatisfied];

    /// Satisfied and basically satisfied both count as satisfied in 满意率.
    pub fn is_satisfied(self) -> bool {
        Rating::SATISFIED.contains(&self)
    }
}

coded!(
    /// Who gave a rating: the enterprise itself, or Federation staff on a follow-up call.
    RatingSource {
        Enterprise => "enterprise", "企业评价";
        FollowUp => "follow_up", "回访";
    }
);

coded!(
    /// Where a department's request for more time stands.
    ExtensionStatus {
        Pending => "pending", "待审批";
        Granted => "granted", "同意延期";
        Refused => "refused", "不同意延期";
    }
);

coded!(
    /// What an event on an issue's timeline (办理过程) records.
    EventKind {
        Filed => "filed", "提交";
        Assigned => "assigned", "交办";
        Reassigned => "reassigned", "重新交办";
        Signed => "signed", "签收";
        TakenOver => "taken_over", "接手";
        Returned => "returned", "退回";
        ExtensionRequested => "extension_requested", "申请延期";
        ExtensionGranted => "extension_granted", "同意延期";
        ExtensionRefused => "extension_refused", "不同意延期";
        Answered => "answered", "答复";
        Rated => "rated", "评价";
        Closed => "closed", "办结";
        Withdrawn => "withdrawn", "撤回";
        Urged => "urged", "催办";
        Supervised => "supervised", "督办";
        Commented => "commented", "留言";
        Marked => "marked", "标记";
        Attached => "attached", "上传附件";
        AttachmentWithdrawn => "attachment_withdrawn", "撤回附件";
    }
);

coded!(
    /// What a figure counts, as a set of issues: each count of the dashboard names one, and
    /// the issue list filtered by it holds exactly the issues counted.
    Measure {
        Collected => "collected", "收集问题";
        ResolvedOnSite => "resolved_on_site", "现场解决";
        Assigned => "assigned_issues", "交办";
        Concluded => "concluded", "办结";
        Answered => "answered_issues", "答复";
        OnTime => "on_time", "按期答复";
        Reopened => "reopened", "重办";
        Returned => "returned_issues", "退回";
        Rated => "rated", "评价";
        Satisfied => "satisfied", "满意";
        UnderSupervision => "under_supervision", "督办中";
        Overdue => "overdue", "超期";
    }
);

/// Working days a department has to answer, by default.
pub const DEFAULT_WORKING_DAYS: u32 = 10;

/// The details of a 交办 or 重新交办 event, written and read through this one type: the
/// assignment rows behind 及时签收率 and 退回率 are kept from it, so a renamed field is a
/// compile error rather than a silently missing row.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AssignedDetails {
    /// The department that held the issue before a reassignment.
    pub from_department_id: Option<i64>,
    pub lead_department_id: i64,
    #[serde(default)]
    pub co_department_ids: Vec<i64>,
    pub due_on: chrono::NaiveDate,
    pub note: Option<String>,
}

/// What an event does to the assignment rows (交办记录).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AssignmentChange {
    /// A new assignment to this lead department (交办, 重新交办).
    Opened { department_id: i64 },
    /// The current assignment was signed for, or taken over by a handler (签收, 接手).
    Signed,
    /// The current assignment was returned (退回).
    Returned,
}

impl AssignmentChange {
    /// The change an event makes, read from its kind and recorded details (for a timeline
    /// recorded before the rows were kept). `None` for an event that changes no
    /// assignment, or an assignment event whose details do not read as `AssignedDetails`.
    pub fn of_event(kind: EventKind, details: &str) -> Option<AssignmentChange> {
        match kind {
            EventKind::Assigned | EventKind::Reassigned => {
                let d: AssignedDetails = serde_json::from_str(details).ok()?;
                Some(AssignmentChange::Opened {
                    department_id: d.lead_department_id,
                })
            }
            EventKind::Signed | EventKind::TakenOver => Some(AssignmentChange::Signed),
            EventKind::Returned => Some(AssignmentChange::Returned),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn an_assignment_event_reads_back_as_the_change_it_made() {
        let details = AssignedDetails {
            from_department_id: None,
            lead_department_id: 7,
            co_department_ids: vec![8],
            due_on: chrono::NaiveDate::from_ymd_opt(2022, 6, 22).unwrap_or_default(),
            note: None,
        };
        let text = serde_json::to_string(&details).unwrap_or_default();
        for (kind, want) in [
            (
                EventKind::Assigned,
                Some(AssignmentChange::Opened { department_id: 7 }),
            ),
            (
                EventKind::Reassigned,
                Some(AssignmentChange::Opened { department_id: 7 }),
            ),
            (EventKind::Signed, Some(AssignmentChange::Signed)),
            (EventKind::TakenOver, Some(AssignmentChange::Signed)),
            (EventKind::Returned, Some(AssignmentChange::Returned)),
            (EventKind::Answered, None),
            (EventKind::Urged, None),
        ] {
            assert_eq!(AssignmentChange::of_event(kind, &text), want, "{kind:?}");
        }
        assert_eq!(AssignmentChange::of_event(EventKind::Assigned, "{}"), None);
    }
    use super::*;

    #[test]
    fn codes_round_trip_and_match_serde() {
        for c in Category::ALL {
            assert_eq!(Category::parse(c.code()), Some(*c));
            assert_eq!(
                serde_json::to_string(c).unwrap_or_default(),
                format!("\"{}\"", c.code())
            );
        }
        for c in Channel::ALL {
            assert_eq!(Channel::parse(c.code()), Some(*c));
            assert_eq!(
                serde_json::to_string(c).unwrap_or_default(),
                format!("\"{}\"", c.code())
            );
        }
        for k in EventKind::ALL {
            assert_eq!(EventKind::parse(k.code()), Some(*k));
        }
        for m in Measure::ALL {
            let json = format!("\"{}\"", m.code());
            assert_eq!(serde_json::to_string(m).unwrap_or_default(), json);
            assert_eq!(serde_json::from_str::<Measure>(&json).ok(), Some(*m));
        }
        for o in Outcome::ALL {
            assert_eq!(
                serde_json::to_string(o).unwrap_or_default(),
                format!("\"{}\"", o.code())
            );
        }
        for r in Rating::ALL {
            assert_eq!(
                serde_json::to_string(r).unwrap_or_default(),
                format!("\"{}\"", r.code())
            );
        }
        assert_eq!(Category::ALL.len(), 10);
        assert_eq!(Category::Talent.zh(), "人才用工");
    }

    #[test]
    fn satisfied_ratings() {
        let table = [
            (Rating::Satisfied, true),
            (Rating::BasicallySatisfied, true),
            (Rating::Dissatisfied, false),
        ];
        for (r, s) in table {
            assert_eq!(r.is_satisfied(), s);
        }
    }
}
