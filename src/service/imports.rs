//! 批量导入: enterprises, departments and accounts from the spreadsheet a Federation keeps
//! (XLSX, or CSV in UTF-8 or GB18030 as Excel saves it), with Chinese headings in any order.
//!
//! Every row is judged before anything is written: a dry run reports per row what would be
//! created, updated or left unchanged and, for a refused row, why, naming its row and
//! column as the spreadsheet shows them. A real run writes nothing when any row is refused,
//! and all of it in one transaction otherwise. Rows are matched by their keys (统一社会信用代码;
//! 部门名称 + 所属区县; 用户名), so the same file imported twice changes nothing.

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use super::audit::{self, Object};
use crate::auth::{password, Caller};
use crate::db::{self, DbConn};
use crate::domain::credit_code::{self, CreditCodeError};
use crate::domain::role::Role;
use crate::error::Error;
use crate::store::departments::{self as dept_store, DepartmentRow};
use crate::store::enterprises::{self as ent_store, Changes, EnterpriseRow, NewEnterprise};
use crate::store::regions::{self as region_store, RegionRow};
use crate::store::users::{self as user_store, NewUser, UserRow};

/// What is imported.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Enterprises,
    Departments,
    Users,
}

impl Kind {
    pub fn parse(s: &str) -> Option<Kind> {
        match s {
            "enterprises" => Some(Kind::Enterprises),
            "departments" => Some(Kind::Departments),
            "users" => Some(Kind::Users),
            _ => None,
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            Kind::Enterprises => "企业",
            Kind::Departments => "部门",
            Kind::Users => "用户",
        }
    }

    /// The headings of its columns: (heading, required).
    pub fn headings(self) -> &'static [(&'static str, bool)] {
        match self {
            Kind::Enterprises => &[
                ("企业名称", true),
                ("统一社会信用代码", true),
                ("所属区县", true),
                ("行业", true),
                ("规模", true),
                ("联系人", false),
                ("联系电话", false),
            ],
            Kind::Departments => &[("部门名称", true), ("所属区县", true), ("兜底部门", false)],
            Kind::Users => &[
                ("用户名", true),
                ("姓名", true),
                ("角色", true),
                ("所属区县", false),
                ("部门", false),
                ("企业统一社会信用代码", false),
            ],
        }
    }
}

/// The file's format, from its content type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
}

pub const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

impl Format {
    pub fn from_content_type(t: &str) -> Option<Format> {
        let t = t
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        match t.as_str() {
            "text/csv" => Some(Format::Csv),
            XLSX_TYPE => Some(Format::Xlsx),
            _ => None,
        }
    }
}

/// A refused row: its number and the column's heading as the spreadsheet shows them.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct RowError {
    pub row: usize,
    pub column: String,
    pub message: String,
}

/// What was (or would be) done with one row.
#[derive(Clone, Debug, Serialize)]
pub struct Item {
    pub row: usize,
    /// `create`, `update` or `unchanged`.
    pub action: &'static str,
    /// The row's key: the credit code, the department and its region, the username.
    pub key: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct OneTimePassword {
    pub username: String,
    pub password: String,
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub kind: Kind,
    pub dry_run: bool,
    pub rows: usize,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub errors: Vec<RowError>,
    pub items: Vec<Item>,
    /// For a users import that created accounts: each one's one-time password, shown once.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub one_time_passwords: Vec<OneTimePassword>,
}

/// The spreadsheet letters of a 0-based column: A … Z, AA, AB …
pub fn column_letters(mut i: usize) -> String {
    let mut out = Vec::new();
    loop {
        out.push(char::from(b'A' + (i % 26) as u8));
        if i < 26 {
            break;
        }
        i = i / 26 - 1;
    }
    out.iter().rev().collect()
}

/// The cells of a file as text, each row with its number as the spreadsheet shows it.
fn cells(bytes: &[u8], format: Format) -> Result<Vec<(usize, Vec<String>)>, Error> {
    match format {
        Format::Csv => csv_cells(bytes),
        Format::Xlsx => xlsx_cells(bytes),
    }
}

fn unreadable(what: impl std::fmt::Display) -> Error {
    Error::invalid("file", format!("could not be read: {what}"))
}

fn csv_cells(bytes: &[u8]) -> Result<Vec<(usize, Vec<String>)>, Error> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    // Excel on a Chinese Windows saves CSV in GB18030 (GBK); elsewhere it is UTF-8.
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => std::borrow::Cow::Borrowed(t),
        Err(_) => {
            let (t, _, bad) = encoding_rs::GB18030.decode(bytes);
            if bad {
                return Err(unreadable("the text is neither UTF-8 nor GB18030"));
            }
            t
        }
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut out = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| unreadable(format!("row {}: {e}", i + 1)))?;
        let line = record.position().map_or(i + 1, |p| p.line() as usize);
        out.push((line, record.iter().map(str::to_owned).collect()));
    }
    Ok(out)
}

fn xlsx_cells(bytes: &[u8]) -> Result<Vec<(usize, Vec<String>)>, Error> {
    use calamine::{Data, Reader, Xlsx};
    let mut book: Xlsx<_> =
        Xlsx::new(std::io::Cursor::new(bytes)).map_err(|e| unreadable(format!("{e}")))?;
    let range = book
        .worksheet_range_at(0)
        .ok_or_else(|| unreadable("the workbook has no sheet"))?
        .map_err(|e| unreadable(format!("{e}")))?;
    let (top, left) = range.start().unwrap_or((0, 0));
    let text = |d: &Data| match d {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        // A code or a telephone number typed as a number: its digits, not "1.3e10".
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        other => other.to_string(),
    };
    Ok(range
        .rows()
        .enumerate()
        .map(|(i, row)| {
            let mut cells = vec![String::new(); left as usize];
            cells.extend(row.iter().map(text));
            (top as usize + i + 1, cells)
        })
        .collect())
}

/// One data row: its number and its cells by heading.
struct Row {
    number: usize,
    cells: HashMap<&'static str, String>,
}

impl Row {
    fn get(&self, heading: &str) -> &str {
        self.cells.get(heading).map_or("", |s| s.trim())
    }
}

/// The headings row and the data rows under it; blank rows are skipped.
struct Sheet {
    columns: HashMap<&'static str, usize>,
    rows: Vec<Row>,
}

impl Sheet {
    fn read(kind: Kind, all: Vec<(usize, Vec<String>)>) -> Result<Sheet, Vec<RowError>> {
        let mut all = all
            .into_iter()
            .filter(|(_, cells)| cells.iter().any(|c| !c.trim().is_empty()));
        let Some((head_row, head)) = all.next() else {
            return Err(vec![RowError {
                row: 1,
                column: String::new(),
                message: "文件是空的：第一行应为列标题".into(),
            }]);
        };
        let mut columns = HashMap::new();
        let mut errors = Vec::new();
        for (heading, required) in kind.headings() {
            match head.iter().position(|h| h.trim() == *heading) {
                Some(i) => {
                    columns.insert(*heading, i);
                }
                None if *required => errors.push(RowError {
                    row: head_row,
                    column: (*heading).into(),
                    message: format!("缺少“{heading}”列（第{head_row}行应为列标题）"),
                }),
                None => {}
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let rows = all
            .map(|(number, cells)| Row {
                number,
                cells: columns
                    .iter()
                    .map(|(h, i)| (*h, cells.get(*i).cloned().unwrap_or_default()))
                    .collect(),
            })
            .collect();
        Ok(Sheet { columns, rows })
    }

    /// A refusal of one cell, naming the row, the heading and the column's letters.
    fn error(&self, row: &Row, heading: &str, message: impl std::fmt::Display) -> RowError {
        let letters = self
            .columns
            .get(heading)
            .map(|i| format!("（{}列）", column_letters(*i)))
            .unwrap_or_default();
        RowError {
            row: row.number,
            column: heading.into(),
            message: format!("第{}行 {heading}{letters}：{message}", row.number),
        }
    }
}

/// Text of a cell, required or not, within `max` characters and with no control characters.
fn text_of(
    sheet: &Sheet,
    row: &Row,
    heading: &str,
    max: usize,
    required: bool,
    errors: &mut Vec<RowError>,
) -> Option<String> {
    let v = row.get(heading);
    if v.is_empty() {
        if required {
            errors.push(sheet.error(row, heading, "不能为空"));
        }
        return None;
    }
    if v.chars().any(|c| c.is_control()) {
        errors.push(sheet.error(row, heading, "含有控制字符，请删去后再导入"));
        return None;
    }
    if v.chars().count() > max {
        errors.push(sheet.error(row, heading, format!("不能超过{max}个字")));
        return None;
    }
    Some(v.to_owned())
}

/// Regions by name and by code.
fn region_of(regions: &[RegionRow], v: &str) -> Option<i64> {
    regions
        .iter()
        .find(|r| r.name == v || r.code == v)
        .map(|r| r.id)
}

fn region_cell(
    sheet: &Sheet,
    row: &Row,
    heading: &str,
    regions: &[RegionRow],
    required: bool,
    errors: &mut Vec<RowError>,
) -> Option<i64> {
    let v = text_of(sheet, row, heading, 100, required, errors)?;
    let found = region_of(regions, &v);
    if found.is_none() {
        errors.push(sheet.error(row, heading, format!("没有名为“{v}”的区县")));
    }
    found
}

fn code_words(e: &CreditCodeError) -> String {
    match e {
        CreditCodeError::Length => "应为18位".into(),
        CreditCodeError::Character(c) => {
            format!("含有不允许的字符“{c}”（只能是数字和除 I、O、Z、S、V 外的大写字母）")
        }
        CreditCodeError::CheckCharacter { .. } => "校验位不正确，请核对".into(),
    }
}

fn size_of(v: &str) -> Option<&'static str> {
    match v {
        "大型" | "large" => Some("large"),
        "中型" | "medium" => Some("medium"),
        "小型" | "small" => Some("small"),
        "微型" | "micro" => Some("micro"),
        _ => None,
    }
}

fn role_of(v: &str) -> Option<Role> {
    match v {
        "管理员" => Some(Role::Admin),
        "协调员" | "联络员" => Some(Role::Coordinator),
        "领导" => Some(Role::Leader),
        "部门" => Some(Role::Department),
        "企业" => Some(Role::Enterprise),
        other => Role::parse(other).or_else(|| Role::ALL.into_iter().find(|r| r.zh() == other)),
    }
}

/// A row's own key seen twice in one file.
fn repeated(
    seen: &mut HashMap<String, usize>,
    key: &str,
    sheet: &Sheet,
    row: &Row,
    heading: &str,
    errors: &mut Vec<RowError>,
) -> bool {
    if let Some(first) = seen.get(key) {
        errors.push(sheet.error(row, heading, format!("与第{first}行重复")));
        return true;
    }
    seen.insert(key.to_owned(), row.number);
    false
}

/// What the import will write.
enum Plan {
    Enterprises(Vec<(usize, EntStep)>),
    Departments(Vec<(usize, DeptStep)>),
    Users(Vec<(usize, UserStep)>),
}

enum EntStep {
    Create(NewEnterprise),
    Update(i64, Box<Changes>, String),
    Unchanged(String),
}

enum DeptStep {
    Create {
        name: String,
        region_id: i64,
        catch_all: bool,
        key: String,
    },
    Update(DepartmentRow, String),
    Unchanged(String),
}

struct UserFields {
    username: String,
    display_name: String,
    role: Role,
    region_id: Option<i64>,
    department_id: Option<i64>,
    enterprise_id: Option<i64>,
}

enum UserStep {
    Create(UserFields),
    Update(i64, UserFields, bool),
    Unchanged(String),
}

fn plan_enterprises(conn: &mut DbConn, sheet: &Sheet) -> Result<(Plan, Vec<RowError>), Error> {
    let regions = region_store::all(conn)?;
    let codes: Vec<String> = sheet
        .rows
        .iter()
        .filter_map(|r| credit_code::validate(r.get("统一社会信用代码")).ok())
        .collect();
    let existing = ent_store::by_codes(conn, &codes)?;
    let mut errors = Vec::new();
    let mut seen = HashMap::new();
    let mut steps = Vec::new();
    for row in &sheet.rows {
        let before = errors.len();
        let name = text_of(sheet, row, "企业名称", 200, true, &mut errors);
        let code = match text_of(sheet, row, "统一社会信用代码", 40, true, &mut errors) {
            Some(c) => match credit_code::validate(&c) {
                Ok(c) => Some(c),
                Err(e) => {
                    errors.push(sheet.error(row, "统一社会信用代码", code_words(&e)));
                    None
                }
            },
            None => None,
        };
        let region_id = region_cell(sheet, row, "所属区县", &regions, true, &mut errors);
        let industry = text_of(sheet, row, "行业", 100, true, &mut errors);
        let size = match text_of(sheet, row, "规模", 10, true, &mut errors) {
            Some(s) => {
                let found = size_of(&s);
                if found.is_none() {
                    errors.push(sheet.error(row, "规模", "应为 大型、中型、小型 或 微型"));
                }
                found
            }
            None => None,
        };
        let contact_name = text_of(sheet, row, "联系人", 100, false, &mut errors);
        let contact_phone = text_of(sheet, row, "联系电话", 20, false, &mut errors);
        if let Some(p) = &contact_phone {
            if super::enterprises::phone_error(p).is_some() {
                errors.push(sheet.error(row, "联系电话", "不是有效的电话号码"));
            }
        }
        if let Some(c) = &code {
            if repeated(&mut seen, c, sheet, row, "统一社会信用代码", &mut errors) {
                continue;
            }
        }
        if errors.len() > before {
            continue;
        }
        let (Some(name), Some(code), Some(region_id), Some(industry), Some(size)) =
            (name, code, region_id, industry, size)
        else {
            continue;
        };
        let step = match existing.get(&code) {
            None => EntStep::Create(NewEnterprise {
                name,
                credit_code: code,
                region_id,
                industry,
                size: size.to_owned(),
                contact_name,
                contact_phone,
            }),
            Some(e) => enterprise_changes(
                e,
                name,
                region_id,
                industry,
                size,
                contact_name,
                contact_phone,
            ),
        };
        steps.push((row.number, step));
    }
    Ok((Plan::Enterprises(steps), errors))
}

/// What differs between a stored enterprise and its row; a blank contact cell keeps the
/// stored contact.
fn enterprise_changes(
    e: &EnterpriseRow,
    name: String,
    region_id: i64,
    industry: String,
    size: &str,
    contact_name: Option<String>,
    contact_phone: Option<String>,
) -> EntStep {
    let key = e.credit_code.clone();
    let c = Changes {
        name: (name != e.name).then_some(name),
        credit_code: None,
        region_id: (region_id != e.region_id).then_some(region_id),
        industry: (industry != e.industry).then_some(industry),
        size: (size != e.size).then(|| size.to_owned()),
        contact_name: contact_name
            .filter(|n| Some(n) != e.contact_name.as_ref())
            .map(Some),
        contact_phone: contact_phone
            .filter(|p| Some(p) != e.contact_phone.as_ref())
            .map(Some),
    };
    let same = c.name.is_none()
        && c.region_id.is_none()
        && c.industry.is_none()
        && c.size.is_none()
        && c.contact_name.is_none()
        && c.contact_phone.is_none();
    if same {
        EntStep::Unchanged(key)
    } else {
        EntStep::Update(e.id, Box::new(c), key)
    }
}

fn yes_no(v: &str) -> Option<bool> {
    match v {
        "" | "否" | "N" | "n" | "no" | "false" | "0" => Some(false),
        "是" | "Y" | "y" | "yes" | "true" | "1" => Some(true),
        _ => None,
    }
}

fn plan_departments(conn: &mut DbConn, sheet: &Sheet) -> Result<(Plan, Vec<RowError>), Error> {
    let regions = region_store::all(conn)?;
    let existing = dept_store::all(conn)?;
    let region_name: HashMap<i64, &str> = regions.iter().map(|r| (r.id, r.name.as_str())).collect();
    let mut errors = Vec::new();
    let mut seen = HashMap::new();
    // The catch-all office of each region as it will be: (department name, row or 0).
    let mut catch_all: HashMap<i64, (String, usize)> = existing
        .iter()
        .filter(|d| d.catch_all && d.active)
        .map(|d| (d.region_id, (d.name.clone(), 0)))
        .collect();
    let mut steps = Vec::new();
    for row in &sheet.rows {
        let before = errors.len();
        let name = text_of(sheet, row, "部门名称", 100, true, &mut errors);
        let region_id = region_cell(sheet, row, "所属区县", &regions, true, &mut errors);
        let flag = match yes_no(row.get("兜底部门")) {
            Some(f) => f,
            None => {
                errors.push(sheet.error(row, "兜底部门", "应为“是”或“否”"));
                false
            }
        };
        let (Some(name), Some(region_id)) = (name, region_id) else {
            continue;
        };
        let key = format!(
            "{}·{name}",
            region_name.get(&region_id).copied().unwrap_or("")
        );
        if repeated(&mut seen, &key, sheet, row, "部门名称", &mut errors) || errors.len() > before
        {
            continue;
        }
        if flag {
            match catch_all.get(&region_id) {
                Some((other, at)) if *other != name => {
                    let whose = if *at == 0 {
                        format!("本区县已有兜底部门“{other}”")
                    } else {
                        format!("第{at}行已将“{other}”设为本区县的兜底部门")
                    };
                    errors.push(sheet.error(row, "兜底部门", format!("{whose}，每个区县只有一个")));
                    continue;
                }
                _ => {
                    catch_all.insert(region_id, (name.clone(), row.number));
                }
            }
        }
        let step = match existing
            .iter()
            .find(|d| d.name == name && d.region_id == region_id)
        {
            None => DeptStep::Create {
                name,
                region_id,
                catch_all: flag,
                key,
            },
            Some(d) if d.catch_all == flag => DeptStep::Unchanged(key),
            Some(d) => {
                let mut d = d.clone();
                d.catch_all = flag;
                DeptStep::Update(d, key)
            }
        };
        steps.push((row.number, step));
    }
    Ok((Plan::Departments(steps), errors))
}

fn plan_users(conn: &mut DbConn, sheet: &Sheet) -> Result<(Plan, Vec<RowError>), Error> {
    let regions = region_store::all(conn)?;
    let departments = dept_store::all(conn)?;
    let names: Vec<String> = sheet
        .rows
        .iter()
        .map(|r| r.get("用户名").to_lowercase())
        .collect();
    let existing = user_store::by_usernames(conn, &names)?;
    let codes: Vec<String> = sheet
        .rows
        .iter()
        .filter_map(|r| credit_code::validate(r.get("企业统一社会信用代码")).ok())
        .collect();
    let enterprises = ent_store::by_codes(conn, &codes)?;
    let mut errors = Vec::new();
    let mut seen = HashMap::new();
    let mut steps = Vec::new();
    for row in &sheet.rows {
        let before = errors.len();
        let username =
            text_of(sheet, row, "用户名", 64, true, &mut errors).map(|u| u.to_lowercase());
        if let Some(u) = &username {
            if super::users::username_error(u).is_some() {
                errors.push(sheet.error(
                    row,
                    "用户名",
                    "只能由小写字母、数字和 . _ - 组成，3 至 64 个字符",
                ));
            }
        }
        let display_name = text_of(sheet, row, "姓名", 100, true, &mut errors);
        let role = match text_of(sheet, row, "角色", 20, true, &mut errors) {
            Some(r) => {
                let found = role_of(&r);
                if found.is_none() {
                    errors.push(sheet.error(
                        row,
                        "角色",
                        "应为 管理员、协调员、领导、部门 或 企业",
                    ));
                }
                found
            }
            None => None,
        };
        let region_id = region_cell(sheet, row, "所属区县", &regions, false, &mut errors);
        let (mut department_id, mut enterprise_id, mut linked_region) = (None, None, None);
        match role {
            Some(Role::Coordinator | Role::Leader) => {
                if region_id.is_none() && row.get("所属区县").is_empty() {
                    errors.push(sheet.error(row, "所属区县", "协调员和领导须填写所属区县"));
                }
                linked_region = region_id;
            }
            Some(Role::Department) => {
                if let Some(d) = text_of(sheet, row, "部门", 100, true, &mut errors) {
                    let found: Vec<&DepartmentRow> = departments
                        .iter()
                        .filter(|x| x.name == d && region_id.is_none_or(|r| x.region_id == r))
                        .collect();
                    match found.as_slice() {
                        [one] => department_id = Some(one.id),
                        [] => errors.push(sheet.error(row, "部门", format!("没有名为“{d}”的部门"))),
                        _ => errors.push(sheet.error(
                            row,
                            "部门",
                            format!("多个区县都有“{d}”，请填写所属区县"),
                        )),
                    }
                }
            }
            Some(Role::Enterprise) => {
                if let Some(c) = text_of(sheet, row, "企业统一社会信用代码", 40, true, &mut errors)
                {
                    match credit_code::validate(&c) {
                        Ok(c) => match enterprises.get(&c) {
                            Some(e) => enterprise_id = Some(e.id),
                            None => errors.push(sheet.error(
                                row,
                                "企业统一社会信用代码",
                                format!("没有统一社会信用代码为 {c} 的企业，请先导入企业"),
                            )),
                        },
                        Err(e) => {
                            errors.push(sheet.error(row, "企业统一社会信用代码", code_words(&e)))
                        }
                    }
                }
            }
            Some(Role::Admin) | None => {}
        }
        let (Some(username), Some(display_name), Some(role)) = (username, display_name, role)
        else {
            continue;
        };
        if repeated(&mut seen, &username, sheet, row, "用户名", &mut errors)
            || errors.len() > before
        {
            continue;
        }
        let fields = UserFields {
            username: username.clone(),
            display_name,
            role,
            region_id: linked_region,
            department_id,
            enterprise_id,
        };
        let step = match existing.get(&username) {
            None => UserStep::Create(fields),
            Some(u) => {
                let same = u.display_name == fields.display_name
                    && u.role == role.as_str()
                    && u.region_id == fields.region_id
                    && u.department_id == fields.department_id
                    && u.enterprise_id == fields.enterprise_id;
                if same {
                    UserStep::Unchanged(username)
                } else if u.role == Role::Admin.as_str() && role != Role::Admin && u.active {
                    errors.push(sheet.error(
                        row,
                        "角色",
                        "导入不改变管理员的角色，请在用户管理中修改",
                    ));
                    continue;
                } else {
                    let role_changed = u.role != role.as_str();
                    UserStep::Update(u.id, fields, role_changed)
                }
            }
        };
        steps.push((row.number, step));
    }
    Ok((Plan::Users(steps), errors))
}

fn plan(conn: &mut DbConn, kind: Kind, sheet: &Sheet) -> Result<(Plan, Vec<RowError>), Error> {
    match kind {
        Kind::Enterprises => plan_enterprises(conn, sheet),
        Kind::Departments => plan_departments(conn, sheet),
        Kind::Users => plan_users(conn, sheet),
    }
}

/// The report of a plan (nothing written yet).
fn report(kind: Kind, dry_run: bool, rows: usize, plan: &Plan, errors: Vec<RowError>) -> Report {
    let mut items = Vec::new();
    let mut push = |row: usize, action: &'static str, key: &str| {
        items.push(Item {
            row,
            action,
            key: key.to_owned(),
        })
    };
    match plan {
        Plan::Enterprises(steps) => {
            for (row, s) in steps {
                match s {
                    EntStep::Create(n) => push(*row, "create", &n.credit_code),
                    EntStep::Update(_, _, k) => push(*row, "update", k),
                    EntStep::Unchanged(k) => push(*row, "unchanged", k),
                }
            }
        }
        Plan::Departments(steps) => {
            for (row, s) in steps {
                match s {
                    DeptStep::Create { key, .. } => push(*row, "create", key),
                    DeptStep::Update(_, k) => push(*row, "update", k),
                    DeptStep::Unchanged(k) => push(*row, "unchanged", k),
                }
            }
        }
        Plan::Users(steps) => {
            for (row, s) in steps {
                match s {
                    UserStep::Create(f) => push(*row, "create", &f.username),
                    UserStep::Update(_, f, _) => push(*row, "update", &f.username),
                    UserStep::Unchanged(k) => push(*row, "unchanged", k),
                }
            }
        }
    }
    let n = |a: &str| items.iter().filter(|i| i.action == a).count();
    Report {
        kind,
        dry_run,
        rows,
        created: n("create"),
        updated: n("update"),
        unchanged: n("unchanged"),
        errors,
        one_time_passwords: Vec::new(),
        items,
    }
}

/// Hashes of new accounts' one-time passwords, made before the transaction (hashing is
/// deliberately slow).
type Passwords = HashMap<String, (String, String)>;

fn passwords_for(plan: &Plan) -> Result<Passwords, Error> {
    let mut out = HashMap::new();
    if let Plan::Users(steps) = plan {
        for (_, s) in steps {
            if let UserStep::Create(f) = s {
                let pw = super::users::one_time_password();
                let hash = password::hash(&pw).map_err(Error::internal)?;
                out.insert(f.username.clone(), (pw, hash));
            }
        }
    }
    Ok(out)
}

/// Writes a plan (the caller's transaction); answers the one-time passwords of new accounts.
fn apply(
    conn: &mut DbConn,
    plan: Plan,
    passwords: &mut Passwords,
) -> Result<Vec<OneTimePassword>, Error> {
    let mut one_time = Vec::new();
    match plan {
        Plan::Enterprises(steps) => {
            for (_, s) in steps {
                match s {
                    EntStep::Create(n) => {
                        ent_store::insert(conn, &n).map_err(crate::error::unique_as(
                            "credit_code",
                            "was registered at the same moment; import again",
                        ))?;
                    }
                    EntStep::Update(id, c, _) => {
                        ent_store::update_any(conn, id, &c)?;
                    }
                    EntStep::Unchanged(_) => {}
                }
            }
        }
        Plan::Departments(steps) => {
            for (_, s) in steps {
                match s {
                    DeptStep::Create {
                        name,
                        region_id,
                        catch_all,
                        ..
                    } => {
                        dept_store::insert(conn, &name, region_id, catch_all).map_err(
                            crate::error::unique_as(
                                "name",
                                "was created at the same moment; import again",
                            ),
                        )?;
                    }
                    DeptStep::Update(d, _) => {
                        dept_store::update(conn, &d)?;
                    }
                    DeptStep::Unchanged(_) => {}
                }
            }
        }
        Plan::Users(steps) => {
            for (_, s) in steps {
                match s {
                    UserStep::Create(f) => {
                        let (pw, hash) = match passwords.remove(&f.username) {
                            Some(p) => p,
                            None => {
                                let pw = super::users::one_time_password();
                                let hash = password::hash(&pw).map_err(Error::internal)?;
                                (pw, hash)
                            }
                        };
                        let row = user_store::insert(
                            conn,
                            &NewUser {
                                username: f.username.clone(),
                                password_hash: hash.clone(),
                                display_name: f.display_name,
                                role: f.role.as_str().to_owned(),
                                region_id: f.region_id,
                                department_id: f.department_id,
                                enterprise_id: f.enterprise_id,
                            },
                        )
                        .map_err(crate::error::unique_as(
                            "username",
                            "was taken at the same moment; import again",
                        ))?;
                        user_store::set_password(conn, row.id, &hash, true)?;
                        one_time.push(OneTimePassword {
                            username: f.username,
                            password: pw,
                        });
                    }
                    UserStep::Update(id, f, role_changed) => {
                        let current: Option<UserRow> = user_store::get(conn, id)?;
                        let active = current.is_none_or(|u| u.active);
                        user_store::update(
                            conn,
                            id,
                            &user_store::Update {
                                display_name: f.display_name,
                                role: f.role.as_str().to_owned(),
                                region_id: f.region_id,
                                department_id: f.department_id,
                                enterprise_id: f.enterprise_id,
                                active,
                                end_sessions: role_changed,
                            },
                        )?;
                    }
                    UserStep::Unchanged(_) => {}
                }
            }
        }
    }
    Ok(one_time)
}

/// Imports a file: `dry_run` judges every row and writes nothing; otherwise every row is
/// written in one transaction, or, when any row is refused, nothing (the report says why:
/// `Err` carries it for a 422).
pub fn import(
    conn: &mut DbConn,
    caller: &Caller,
    kind: Kind,
    format: Format,
    bytes: &[u8],
    dry_run: bool,
) -> Result<Result<Report, Report>, Error> {
    caller.require(&[Role::Admin], "import")?;
    let sheet = match Sheet::read(kind, cells(bytes, format)?) {
        Ok(s) => s,
        Err(errors) => {
            let r = report(kind, dry_run, 0, &Plan::Enterprises(Vec::new()), errors);
            return Ok(Err(r));
        }
    };
    let rows = sheet.rows.len();
    let (first, errors) = plan(conn, kind, &sheet)?;
    if !errors.is_empty() {
        return Ok(Err(report(kind, dry_run, rows, &first, errors)));
    }
    if dry_run {
        return Ok(Ok(report(kind, true, rows, &first, errors)));
    }
    let mut passwords = passwords_for(&first)?;
    db::write_tx(conn, |conn| {
        // Judged again inside the transaction: what another change did meanwhile counts.
        let (plan, errors) = plan(conn, kind, &sheet)?;
        let mut r = report(kind, false, rows, &plan, errors);
        if !r.errors.is_empty() {
            return Ok(Err(r));
        }
        r.one_time_passwords = apply(conn, plan, &mut passwords)?;
        let created: HashSet<&str> = r
            .items
            .iter()
            .filter(|i| i.action == "create")
            .map(|i| i.key.as_str())
            .collect();
        let what = serde_json::json!({
            "kind": kind,
            "rows": rows,
            "created": r.created,
            "updated": r.updated,
            "unchanged": r.unchanged,
            "created_keys": created,
            "updated_keys": r.items.iter().filter(|i| i.action == "update").map(|i| &i.key).collect::<Vec<_>>(),
        });
        audit::record(
            conn,
            Some(caller),
            "import",
            Object::Import,
            None,
            None::<&()>,
            Some(&what),
        )?;
        Ok(Ok(r))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_letters_follow_the_spreadsheet() {
        let cases = [
            (0, "A"),
            (1, "B"),
            (25, "Z"),
            (26, "AA"),
            (27, "AB"),
            (51, "AZ"),
            (52, "BA"),
            (701, "ZZ"),
            (702, "AAA"),
        ];
        for (i, want) in cases {
            assert_eq!(column_letters(i), want, "{i}");
        }
    }

    #[test]
    fn csv_in_utf8_with_a_mark_or_in_gb18030_reads_the_same() {
        let text = "企业名称,规模\n\"湖州, 甲公司\",小型\n";
        let mut marked = b"\xEF\xBB\xBF".to_vec();
        marked.extend_from_slice(text.as_bytes());
        let (gb, _, _) = encoding_rs::GB18030.encode(text);
        for bytes in [text.as_bytes().to_vec(), marked, gb.into_owned()] {
            let rows = csv_cells(&bytes).unwrap_or_default();
            assert_eq!(rows.len(), 2);
            assert_eq!(rows[0].1, vec!["企业名称", "规模"]);
            assert_eq!(
                rows[1],
                (2, vec!["湖州, 甲公司".to_owned(), "小型".to_owned()])
            );
        }
    }

    #[test]
    fn words_people_type_for_roles_sizes_and_yes_no() {
        assert_eq!(role_of("协调员"), Some(Role::Coordinator));
        assert_eq!(role_of("部门经办人"), Some(Role::Department));
        assert_eq!(role_of("leader"), Some(Role::Leader));
        assert_eq!(role_of("老板"), None);
        assert_eq!(size_of("微型"), Some("micro"));
        assert_eq!(size_of("超大"), None);
        assert_eq!(yes_no("是"), Some(true));
        assert_eq!(yes_no(""), Some(false));
        assert_eq!(yes_no("也许"), None);
    }

    #[test]
    fn content_types() {
        assert_eq!(
            Format::from_content_type("text/csv; charset=utf-8"),
            Some(Format::Csv)
        );
        assert_eq!(Format::from_content_type(XLSX_TYPE), Some(Format::Xlsx));
        assert_eq!(Format::from_content_type("application/json"), None);
    }
}
