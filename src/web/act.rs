//! The forms of the issue page: each posts to `/issues/{id}/{action}` with the page's CSRF
//! token and the issue's version (a stale page is refused, never applied twice), becomes
//! the same command the API runs, and comes back to the issue.

use std::collections::HashMap;

use chrono::NaiveDate;

use crate::domain::issue::{Outcome, Rating};
use crate::domain::lifecycle::Action;
use crate::error::{Error, FieldError};
use crate::service::issues::actions::{
    AnswerIn, AssignIn, Command, CommentIn, DecisionIn, ExtensionIn, MarkIn, MergeIn, NoteIn,
    OptionalNoteIn, RatingIn, ReasonIn,
};

/// The path word of each action a page offers.
pub fn code(a: Action) -> &'static str {
    match a {
        Action::Assign => "assign",
        Action::Sign => "sign",
        Action::TakeOver => "take-over",
        Action::Return => "return",
        Action::RequestExtension => "extension",
        Action::DecideExtension => "decision",
        Action::Answer => "answer",
        Action::Rate(_) => "rate",
        Action::Close => "close",
        Action::Withdraw => "withdraw",
        Action::Urge => "urge",
        Action::Supervise => "supervise",
        Action::Comment => "comment",
        Action::Mark => "mark",
        Action::Merge => "merge",
    }
}

/// The heading of each action's form on the page.
pub fn form_words(code: &str) -> &'static str {
    match code {
        "assign" => "交办",
        "sign" => "签收",
        "take-over" => "接手",
        "return" => "退回",
        "extension" => "申请延期",
        "decision" => "延期申请",
        "answer" => "答复",
        "rate" => "评价",
        "close" => "办结",
        "withdraw" => "撤回",
        "urge" => "催办",
        "supervise" => "督办",
        "comment" => "留言",
        "mark" => "标记",
        "merge" => "合并",
        "knowledge" => "发布为政策问答",
        "files" => "上传附件",
        "withdraw-file" => "撤回附件",
        _ => "",
    }
}

/// What a person reads after an action went through.
pub fn done_words(code: &str) -> Option<&'static str> {
    Some(match code {
        "assign" => "已交办。",
        "sign" => "已签收。",
        "take-over" => "已接手。",
        "return" => "已退回。",
        "extension" => "延期申请已提交，等待审批。",
        "decision" => "延期申请已审批。",
        "answer" => "已答复。",
        "rate" => "评价已提交。",
        "close" => "已办结。",
        "withdraw" => "已撤回。",
        "urge" => "已催办。",
        "supervise" => "已督办。",
        "comment" => "留言已发布。",
        "mark" => "已标记。",
        "merge" => "已合并，本问题随原问题办理。",
        "knowledge" => "已发布为政策问答。",
        "grouped" => "已归入共性问题，主办部门统一答复后会显示在本页。",
        "filed" => "问题已提交。",
        "files" => "附件已上传。",
        "withdraw-file" => "附件已撤回，仍留在记录中。",
        _ => return None,
    })
}

/// A posted form: every value of every field.
pub struct Posted(HashMap<String, Vec<String>>);

impl Posted {
    pub fn parse(body: &[u8]) -> Option<Posted> {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body).ok()?;
        Posted::of_pairs(pairs)
    }

    /// The fields of a form as name–value pairs; None when one holds a NUL character (no
    /// text with one is stored: PostgreSQL cannot hold it).
    pub fn of_pairs(pairs: Vec<(String, String)>) -> Option<Posted> {
        if crate::http::nul_field(&pairs).is_some() {
            return None;
        }
        let mut map: HashMap<String, Vec<String>> = HashMap::new();
        for (k, v) in pairs {
            map.entry(k).or_default().push(v);
        }
        Some(Posted(map))
    }

    pub fn text(&self, k: &str) -> String {
        self.0
            .get(k)
            .and_then(|v| v.first())
            .cloned()
            .unwrap_or_default()
    }

    fn opt(&self, k: &str) -> Option<String> {
        Some(self.text(k)).filter(|v| !v.trim().is_empty())
    }

    /// Every value of a field (a group of checkboxes).
    pub fn all(&self, k: &str) -> Vec<String> {
        self.0.get(k).cloned().unwrap_or_default()
    }

    pub fn values(&self) -> HashMap<String, String> {
        self.0
            .iter()
            .map(|(k, v)| (k.clone(), v.join(",")))
            .collect()
    }
}

/// Reads typed fields, collecting each one missing or unreadable.
struct Reader<'a> {
    form: &'a Posted,
    errors: Vec<FieldError>,
}

impl Reader<'_> {
    fn missing(&mut self, k: &str) {
        self.errors.push(FieldError::new(k, "is required"));
    }

    fn id(&mut self, k: &str) -> i64 {
        match self.form.opt(k).map(|v| v.trim().parse::<i64>()) {
            Some(Ok(v)) => v,
            _ => {
                self.missing(k);
                0
            }
        }
    }

    fn ids(&mut self, k: &str) -> Vec<i64> {
        let mut out = Vec::new();
        for v in self.form.0.get(k).into_iter().flatten() {
            match v.trim().parse::<i64>() {
                Ok(id) => out.push(id),
                Err(_) if v.trim().is_empty() => {}
                Err(_) => self.missing(k),
            }
        }
        out
    }

    fn date(&mut self, k: &str) -> Option<NaiveDate> {
        let v = self.form.opt(k)?;
        match NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => {
                self.errors
                    .push(FieldError::new(k, "is not a date (YYYY-MM-DD)"));
                None
            }
        }
    }

    fn need_date(&mut self, k: &str) -> NaiveDate {
        match self.date(k) {
            Some(d) => d,
            None => {
                if self.form.opt(k).is_none() {
                    self.missing(k);
                }
                NaiveDate::default()
            }
        }
    }

    fn flag(&mut self, k: &str) -> bool {
        match self.form.text(k).as_str() {
            "true" => true,
            "false" => false,
            _ => {
                self.missing(k);
                false
            }
        }
    }

    fn parsed<T>(&mut self, k: &str, parse: fn(&str) -> Option<T>) -> Option<T> {
        let v = parse(self.form.text(k).trim());
        if v.is_none() {
            self.missing(k);
        }
        v
    }
}

/// The command a form asks for, or the fields it lacks.
pub fn command(code: &str, form: &Posted) -> Result<Command, Error> {
    let mut r = Reader {
        form,
        errors: Vec::new(),
    };
    let cmd = match code {
        "assign" => Command::Assign(AssignIn {
            lead_department_id: r.id("lead_department_id"),
            co_department_ids: r.ids("co_department_ids"),
            due_on: r.date("due_on"),
            note: form.opt("note"),
        }),
        "sign" => Command::Sign,
        "take-over" => Command::TakeOver,
        "return" => Command::Return(ReasonIn {
            reason: form.text("reason"),
        }),
        "extension" => Command::RequestExtension(ExtensionIn {
            new_due_on: r.need_date("new_due_on"),
            reason: form.text("reason"),
        }),
        "decision" => {
            let ext = r.id("extension_id");
            Command::DecideExtension(
                ext,
                DecisionIn {
                    granted: r.flag("granted"),
                    note: form.opt("note"),
                },
            )
        }
        "answer" => {
            let outcome = r.parsed("outcome", Outcome::parse);
            let planned_on = r.date("planned_on");
            Command::Answer(AnswerIn {
                outcome: outcome.unwrap_or(Outcome::Resolved),
                text: form.text("text"),
                planned_on: planned_on.filter(|_| outcome == Some(Outcome::Planned)),
                attachment_ids: Vec::new(),
            })
        }
        "rate" => {
            let solved = r.flag("solved");
            let rating = r.parsed("rating", Rating::parse);
            Command::Rate(RatingIn {
                solved,
                rating: rating.unwrap_or(Rating::Satisfied),
                comment: form.opt("comment"),
            })
        }
        "close" => Command::Close(NoteIn {
            note: form.text("note"),
        }),
        // It cannot be undone: the page asks for the box ticked first (the API needs no box).
        "withdraw" => {
            if form.text("confirm") != "true" {
                r.errors.push(FieldError::new("confirm", "is required"));
            }
            Command::Withdraw
        }
        "urge" => Command::Urge(OptionalNoteIn {
            note: form.opt("note"),
        }),
        "supervise" => Command::Supervise(OptionalNoteIn {
            note: form.opt("note"),
        }),
        "comment" => Command::Comment(CommentIn {
            text: form.text("text"),
        }),
        "mark" => Command::Mark(MarkIn {
            common: r.flag("common"),
        }),
        "merge" => {
            let into = form.opt("into").and_then(|v| v.trim().parse::<i64>().ok());
            if into.is_none() {
                r.errors.push(FieldError::new(
                    "into",
                    "is required: the number of the earlier issue",
                ));
            }
            Command::Merge(MergeIn {
                into: into.unwrap_or(0),
                note: form.opt("note"),
            })
        }
        _ => return Err(Error::not_found("action")),
    };
    if r.errors.is_empty() {
        Ok(cmd)
    } else {
        Err(Error::Invalid(r.errors))
    }
}

/// The words of a field on the pages.
fn label(field: &str) -> &'static str {
    match field {
        "lead_department_id" => "主办部门",
        f if f.starts_with("co_department_ids") => "协办部门",
        "due_on" => "办理期限",
        "note" => "说明",
        "question" => "问题",
        "answer" => "答复",
        "q" => "关键词",
        "reason" => "理由",
        "new_due_on" => "延期至",
        "extension_id" => "延期申请",
        "granted" => "审批意见",
        "outcome" => "答复结果",
        "text" => "内容",
        "planned_on" => "计划完成日期",
        "solved" => "是否解决",
        "rating" => "满意度",
        "comment" => "评价意见",
        "common" => "标记",
        "title" => "标题",
        "description" => "问题描述",
        "category" => "问题类别",
        "channel" => "来源",
        "enterprise_id" => "企业",
        "forum_id" => "恳谈会",
        "department_id" => "部门",
        "on_site_answer" => "现场答复",
        "resolved_on_site" => "现场解决",
        "person_name" => "姓名",
        "person_title" => "职务",
        "template_title" => "模板名称",
        "template_text" => "答复内容",
        "attendee_enterprise" | "raise_enterprise" => "企业",
        "raise_title" => "标题",
        "raise_description" => "问题描述",
        "raise_category" => "问题类别",
        "raise_department" => "现场答复部门",
        "new_name" => "企业名称",
        "new_credit_code" => "统一社会信用代码",
        "new_industry" => "行业",
        "new_size" => "规模",
        "new_contact_name" => "联系人",
        "new_contact_phone" => "联系电话",
        "venue" => "地点",
        "chair_name" => "主持人",
        "chair_title" => "主持人职务",
        "cancel_reason" => "取消原因",
        "minutes" => "会议纪要",
        "theme" => "主题",
        "held_on" => "日期",
        "region_ids" => "区县",
        "credit_code" => "统一社会信用代码",
        "name" => "名称",
        "industry" => "行业",
        "size" => "规模",
        "contact_name" => "联系人",
        "contact_phone" => "联系电话",
        "enterprise" => "企业",
        "next_steps" => "下步工作",
        "year" => "年份",
        "month" => "月份",
        "region_id" => "区域",
        "username" => "用户名",
        "display_name" => "姓名",
        "role" => "角色",
        "password" => "密码",
        "enterprise_code" => "企业统一社会信用代码",
        "catch_all" => "兜底部门",
        "categories" => "负责类别",
        "active" => "状态",
        "code" => "代码",
        "parent_id" => "上级区域",
        "holidays" => "放假日期",
        "workdays" => "调休上班日期",
        "kind" => "类型",
        "kinds" => "消息类型",
        "target" => "地址",
        "secret" => "密钥",
        "into" => "合并到的企业",
        "issue_ids" | "add_ids" => "问题编号",
        "group" => "共性问题",
        "policy" => "答复内容",
        "common_description" => "说明",
        "file" => "文件",
        "attachment_ids" => "答复附件",
        "reschedule_reason" => "调整原因",
        "confirm" => "确认",
        _ => "内容",
    }
}

/// An invalid field in words a person can act on: "请填写理由".
pub fn in_words(e: &FieldError) -> String {
    let field = e.field.rsplit('.').next().unwrap_or(&e.field);
    let field = field.split('[').next().unwrap_or(field);
    let l = label(field);
    let m = e.message.as_str();
    if field == "file" && m.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)) {
        // A file refused is said in Chinese already, with its name.
        m.to_owned()
    } else if field == "username" && !m.contains("already") && m != "must not be empty" {
        "用户名只能由小写字母、数字和 . _ - 组成，3 至 64 个字符".into()
    } else if field == "into" && m.starts_with("is required: the number") {
        "请填写要合并至的问题编号".into()
    } else if m == "must not be empty" {
        match field {
            "title" | "raise_title" => "请填写问题标题".into(),
            _ => format!("请填写{l}"),
        }
    } else if m == "is required" || m.starts_with("is required") {
        match field {
            "category"
            | "channel"
            | "enterprise_id"
            | "role"
            | "region_id"
            | "size"
            | "kind"
            | "solved"
            | "rating"
            | "granted"
            | "outcome"
            | "lead_department_id"
            | "group"
            | "attendee_enterprise"
            | "raise_enterprise"
            | "raise_category"
            | "new_size" => {
                format!("请选择{l}")
            }
            "reschedule_reason" => "不在周三召开时，请填写调整原因".into(),
            "confirm" => "撤回后不能恢复，请先勾选确认".into(),
            _ => format!("请填写{l}"),
        }
    } else if field == "into" && m.starts_with("must be another issue") {
        "不能合并到本问题自身".into()
    } else if field == "into" && m.starts_with("is a withdrawn issue") {
        "该问题已撤回，不能合并至它".into()
    } else if field == "into" && m.starts_with("was itself merged") {
        "该问题已合并至其他问题，请合并至它所随的原问题".into()
    } else if field == "into" && m.starts_with("must be an issue filed before") {
        "只能合并至比本问题更早提交的问题".into()
    } else if field == "into" && m.starts_with("is not an issue in your scope") {
        "请填写您辖区内的问题编号".into()
    } else if let Some(words) = grouping_words(field, m) {
        words
    } else if let Some(n) = m.strip_prefix("must not name the enterprise (") {
        format!(
            "{l}中不能出现企业名称（{}），请改为“企业”",
            n.trim_end_matches(')')
        )
    } else if m.starts_with("has no word to search for") {
        "关键词中没有可查找的词（“的”“问题”等常用字词不参与查找）".into()
    } else if m == "must be 18 characters" {
        format!("{l}应为18位")
    } else if let Some(c) = m
        .strip_prefix("contains `")
        .and_then(|r| r.split('`').next())
        .filter(|_| m.contains("not allowed"))
    {
        format!("{l}含有不允许的字符“{c}”（只能是数字和除 I、O、Z、S、V 以外的大写字母）")
    } else if m.starts_with("the check character does not match") {
        format!("{l}校验位不正确，请核对")
    } else if let Some(n) = m.strip_prefix("must be at most ") {
        format!("{l}不能超过{}个字", n.trim_end_matches(" characters"))
    } else if m.contains("in the past") {
        format!("{l}不能早于今天")
    } else if m.starts_with("must be after the current due date") {
        format!("{l}须晚于当前办理期限")
    } else if m.contains("no such") {
        format!("请选择有效的{l}")
    } else if m == "is the lead department" {
        "协办部门不能与主办部门相同".into()
    } else if m == "is listed twice" {
        format!("{l}重复选择")
    } else if m.contains("only when the outcome is `planned`") {
        "仅在“列入计划”时填写计划完成日期".into()
    } else if m.contains("is not a date") {
        format!("{l}不是有效日期")
    } else if let Some(rest) = m.strip_prefix("already has an edition (") {
        format!("该日期已有{}", rest.split(')').next().unwrap_or("一期"))
    } else if m.contains("not over yet") {
        "该期间尚未结束，期满后方可发布".into()
    } else if m.contains("published at the same moment") {
        "他人刚刚发布了文件，请再发布一次".into()
    } else if m.contains("already") {
        format!("{l}已存在")
    } else if let Some(words) = channel_words(m) {
        words.to_owned()
    } else if m.contains("does not resolve") || m.contains("internal") || m.contains("private") {
        format!("{l}无法访问或指向内部网络，请核对")
    } else if m.contains("must be an http or https URL") {
        format!("{l}应为 http 或 https 开头的网址")
    } else if m.contains("must be an e-mail address") {
        format!("{l}应为电子邮件地址")
    } else {
        format!("{l}填写有误")
    }
}

/// The refusals of the issue numbers of a 共性问题, in words: "编号 12 不是您辖区内的问题".
fn grouping_words(field: &str, m: &str) -> Option<String> {
    if field != "issue_ids" && field != "add_ids" {
        return None;
    }
    let number = |rest: &str| rest.split(' ').next().unwrap_or_default().to_owned();
    Some(if m.starts_with("name at least 2") {
        "请填写至少两个问题编号：共性问题是多次反映的同一问题".into()
    } else if m.starts_with("name at least one") {
        "请填写问题编号".into()
    } else if m.starts_with("name at most") {
        format!("一次最多归入{}个问题", MAX_GROUPED)
    } else if let Some(part) = m.strip_prefix('`').and_then(|r| r.split('`').next()) {
        format!("“{part}”不是问题编号，多个编号请用逗号或空格分隔")
    } else if let Some(rest) = m.strip_prefix("issue ") {
        let n = number(rest);
        if rest.contains("is listed twice") {
            format!("编号 {n} 重复填写")
        } else if rest.contains("was withdrawn") {
            format!("编号 {n} 的问题已撤回，不能归入")
        } else if let Some(into) = rest.split("merged into issue ").nth(1) {
            format!(
                "编号 {n} 的问题已合并至编号 {} 的问题，请归入原问题",
                into.split(':').next().unwrap_or_default()
            )
        } else {
            return None;
        }
    } else if m.contains("is not an issue in your scope") {
        format!("编号 {} 不是您辖区内的问题", number(m))
    } else {
        return None;
    })
}

const MAX_GROUPED: usize = crate::service::common_issues::MAX_NAMED;

/// The refusals of a notification channel, in words.
fn channel_words(m: &str) -> Option<&'static str> {
    Some(
        if m.starts_with("give a department_id or a region_id, not both") {
            "部门和区域只能选一个"
        } else if m.starts_with("give the department or the region") {
            "请选择推送哪个部门或哪个区域的提醒"
        } else if m.starts_with("a webhook signs every body") {
            "Webhook 须设置至少 16 个字符的签名密钥"
        } else if m.starts_with("a WeCom group robot takes no secret") {
            "企业微信机器人不设密钥（密钥已在地址中）"
        } else if m.starts_with("an e-mail channel takes no secret") {
            "电子邮件渠道不设密钥"
        } else if m.starts_with("must be 1 to 200 printable characters") {
            "密钥须为 1 至 200 个可见字符"
        } else if m.starts_with("name at least one notice kind") {
            "请至少选择一种消息类型，或勾选“全部类型”"
        } else if m.starts_with("e-mail channels need an SMTP server") {
            "尚未配置邮件服务器，暂不能使用电子邮件渠道"
        } else {
            return None;
        },
    )
}

/// Every problem of a refusal, in words.
pub fn problems(e: &Error) -> Vec<String> {
    match e {
        Error::Invalid(fields) => fields.iter().map(in_words).collect(),
        Error::Duplicate(f) => vec![in_words(f)],
        other => vec![refusal_words(other)],
    }
}

/// A refusal that names no field, in words: the service's conflicts each said as what the
/// person can do about it; anything else as the state that stopped it.
pub fn refusal_words(e: &Error) -> String {
    const STALE: &str = "该问题刚被他人更新，下面是最新内容，请确认后再操作。";
    let d = e.detail();
    match e {
        Error::Stale(_) => STALE.into(),
        Error::Forbidden(_) => "您没有权限进行此操作。".into(),
        Error::Conflict(_) => {
            if d.contains("at the same moment") {
                STALE.into()
            } else if d.starts_with("the forum is cancelled") {
                "本场恳谈会已取消，不能再更改。".into()
            } else if let Some(day) = d
                .strip_prefix("the forum is scheduled for ")
                .and_then(|r| r.split(';').next())
                .and_then(|r| r.parse::<chrono::NaiveDate>().ok())
            {
                format!(
                    "本场恳谈会定于{}召开，当天或之后才能记录召开。",
                    super::format::date(day)
                )
            } else if d.contains("more time is asked before it passes") {
                "办理期限已过，问题已超期，不能再申请延期。".into()
            } else if d.contains("can no longer be granted") {
                "办理期限已过，不能再同意延期，只能不同意；如需重新设定期限，请重新交办。".into()
            } else if d.contains("already waiting for a decision") {
                "已有一项延期申请在等待审批。".into()
            } else if d.starts_with("the extension request is already") {
                "该延期申请已经处理过。".into()
            } else if d.contains("you are already its handler") {
                "您已是该问题的经办人。".into()
            } else if d.contains("last active administrator") {
                "这是最后一位在用的系统管理员，不能降级或停用。".into()
            } else if d.contains("forum(s) already held") {
                "本期已有恳谈会召开，请逐场取消仍在计划中的恳谈会。".into()
            } else if d.contains("is already cancelled") {
                "本期已经取消。".into()
            } else if d.contains("plan a new edition instead") {
                "本期已取消，请计划新的一期。".into()
            } else if d.contains("highest possible edition number") {
                "期次编号已用尽，请先整理期次编号。".into()
            } else if let Some(rest) = d
                .strip_prefix("issue ")
                .filter(|r| r.contains("is already in 共性问题"))
            {
                format!(
                    "编号 {} 的问题已归入共性问题 {}，一个问题只能归入一个共性问题。",
                    rest.split(' ').next().unwrap_or_default(),
                    rest.rsplit(' ').next().unwrap_or_default()
                )
            } else if d.contains("its policy answer is given once") {
                "本共性问题已经统一答复过，答复只有一次。".into()
            } else if d.starts_with("the delivery is") {
                "只有投递失败的消息才能重新投递。".into()
            } else {
                "当前状态不允许这项操作，请刷新页面后再看。".into()
            }
        }
        _ => "未能完成，请刷新页面后再试。".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_become_commands_or_name_what_is_missing() {
        let form = |s: &str| Posted::parse(s.as_bytes()).unwrap_or(Posted(HashMap::new()));
        assert!(matches!(
            command("assign", &form("lead_department_id=3&co_department_ids=4&co_department_ids=5&due_on=")),
            Ok(Command::Assign(AssignIn { lead_department_id: 3, ref co_department_ids, due_on: None, .. })) if co_department_ids == &vec![4, 5]
        ));
        match command("rate", &form("rating=satisfied")) {
            Err(Error::Invalid(f)) => assert_eq!(f[0].field, "solved"),
            _ => panic!("rating without 是否解决 accepted"),
        }
        match command("extension", &form("new_due_on=2022-13-01&reason=x")) {
            Err(Error::Invalid(f)) => assert_eq!(f[0].field, "new_due_on"),
            _ => panic!("a bad date accepted"),
        }
        assert!(command("nonsense", &form("")).is_err());
        let e = FieldError::new("reason", "must not be empty");
        assert_eq!(in_words(&e), "请填写理由");
        let e = FieldError::new("co_department_ids[1]", "is the lead department");
        assert_eq!(in_words(&e), "协办部门不能与主办部门相同");
        for (field, m, words) in [
            (
                "issue_ids[2]",
                "999 is not an issue in your scope",
                "编号 999 不是您辖区内的问题",
            ),
            (
                "issue_ids[1]",
                "issue 12 is listed twice",
                "编号 12 重复填写",
            ),
            (
                "add_ids",
                "issue 7 is merged into issue 3: group that one",
                "编号 7 的问题已合并至编号 3 的问题，请归入原问题",
            ),
            (
                "issue_ids",
                "`abc` is not an issue number",
                "“abc”不是问题编号，多个编号请用逗号或空格分隔",
            ),
            (
                "issue_ids",
                "name at least 2 issues: x",
                "请填写至少两个问题编号：共性问题是多次反映的同一问题",
            ),
            // A file's refusal is Chinese already; another field's English is put in words.
            (
                "file",
                "“a.exe”不能上传：只能上传 PDF",
                "“a.exe”不能上传：只能上传 PDF",
            ),
            ("file", "must not be empty", "请填写文件"),
            (
                "reschedule_reason",
                "is required: a Thu (a 专场)",
                "不在周三召开时，请填写调整原因",
            ),
        ] {
            assert_eq!(in_words(&FieldError::new(field, m)), words);
        }
        let e = Error::Conflict("issue 12 is already in 共性问题 4".into());
        assert_eq!(
            refusal_words(&e),
            "编号 12 的问题已归入共性问题 4，一个问题只能归入一个共性问题。"
        );
    }
}
