//! `qinqing demo`: a deterministic demo data set for Huzhou, loaded through the same store
//! functions, filing path and issue actions the API uses, with historical times. It holds
//! the 2022 programme (first edition on 2022-06-08, every Wednesday after), a smaller 2023,
//! and the current year up to today, so that the dashboard shows open and overdue work.
//!
//! The 2022 targets below are the programme's published figures; they appear nowhere else
//! in the code. Every figure the service reports is computed from the rows loaded here.

use std::collections::BTreeMap;

use chrono::{Datelike, Days, NaiveDate, NaiveDateTime, Weekday};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use crate::api::issues::actions::{
    self, AnswerIn, AssignIn, Command, DecisionIn, ExtensionIn, NoteIn, OptionalNoteIn, RatingIn,
    ReasonIn,
};
use crate::api::issues::filing::{file_at, FileIn};
use crate::auth::{password, Caller};
use crate::db::DbConn;
use crate::domain::calendar::{official, WorkCalendar};
use crate::domain::credit_code;
use crate::domain::issue::{Category, Channel, Outcome, Rating};
use crate::domain::role::Role;
use crate::domain::time;
use crate::store::enterprises::NewEnterprise;
use crate::store::forums::{self as forum_store, ForumFields, ForumUpdate, NewEdition};
use crate::store::users::NewUser;
use crate::store::{self, calendar, departments, enterprises, users};

/// What one year of the programme should come to.
#[derive(Clone, Copy, Debug)]
pub struct YearTargets {
    pub year: i32,
    /// First and last edition dates (Wednesdays; holidays are skipped).
    pub first: (u32, u32),
    pub last: (u32, u32),
    /// Forums held, and those cancelled (held = editions × regions − cancelled).
    pub forums_held: usize,
    pub cancelled: usize,
    pub attendances: usize,
    /// Issues collected (not withdrawn), with their ratings.
    pub issues: usize,
    pub rated: usize,
    pub satisfied: usize,
}

/// 2022: "联动召开恳谈会201场，参会企业家1576位，收集交办问题2229个，满意率98.75%" (29 editions
/// of 7 linked forums, 2 cancelled by typhoon 梅花).
pub const Y2022: YearTargets = YearTargets {
    year: 2022,
    first: (6, 8),
    last: (12, 28),
    forums_held: 201,
    cancelled: 2,
    attendances: 1576,
    issues: 2229,
    rated: 2000,
    satisfied: 1975,
};

/// A smaller first quarter of 2023.
pub const Y2023: YearTargets = YearTargets {
    year: 2023,
    first: (1, 4),
    last: (3, 29),
    forums_held: 83,
    cancelled: 1,
    attendances: 520,
    issues: 610,
    rated: 560,
    satisfied: 556,
};

pub struct Options {
    pub password: String,
    pub force: bool,
}

/// A demo account, printed at the end.
pub struct DemoUser {
    pub username: String,
    pub role: &'static str,
    pub sees: String,
}

/// splitmix64: a small deterministic generator, so that every load gives the same data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
    /// True with probability `per_mille`/1000.
    fn chance(&mut self, per_mille: u64) -> bool {
        self.next() % 1000 < per_mille
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i + 1);
            items.swap(i, j);
        }
    }
}

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// A Shanghai local time as the stored UTC instant.
fn at(day: NaiveDate, hour: u32, minute: u32) -> NaiveDateTime {
    time::start_of(day) + chrono::Duration::minutes(i64::from(hour * 60 + minute))
}

const SURNAMES: [&str; 20] = [
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "沈",
    "钱", "姚", "顾", "陆",
];
const GIVEN: [&str; 20] = [
    "建国", "伟", "芳", "敏", "静", "磊", "洋", "勇", "军", "杰", "涛", "明", "超", "华", "平",
    "刚", "丽", "强", "斌", "晓东",
];
const TITLES: [&str; 5] = ["董事长", "总经理", "副总经理", "财务总监", "行政经理"];
const TRADE: [&str; 20] = [
    "鑫", "泰", "华", "宇", "恒", "达", "瑞", "丰", "盛", "源", "隆", "昌", "嘉", "诚", "信", "德",
    "利", "通", "博", "创",
];
const THEMES: [&str; 12] = [
    "助企纾困",
    "稳岗扩就业",
    "融资畅通",
    "要素保障",
    "科技创新",
    "外贸稳增长",
    "营商环境优化",
    "数字化改造",
    "绿色低碳",
    "人才引育",
    "项目攻坚",
    "政策直达",
];

/// Regions as seeded: (code, short name, venue, chair's post, typical industries).
const REGIONS: [(&str, &str, &str, &str, [&str; 3]); 7] = [
    (
        "330500",
        "湖州",
        "湖州市民中心",
        "副市长",
        ["新材料", "生物医药", "数字科技"],
    ),
    (
        "330502",
        "吴兴",
        "吴兴区行政中心",
        "副区长",
        ["童装", "金属制品", "电子科技"],
    ),
    (
        "330503",
        "南浔",
        "南浔区行政中心",
        "副区长",
        ["木业", "电机", "地板"],
    ),
    (
        "330521",
        "德清",
        "德清县行政中心",
        "副县长",
        ["地理信息", "生物医药", "装饰材料"],
    ),
    (
        "330522",
        "长兴",
        "长兴县行政中心",
        "副县长",
        ["蓄电池", "新能源", "纺织"],
    ),
    (
        "330523",
        "安吉",
        "安吉县行政中心",
        "副县长",
        ["竹制品", "绿色家居", "白茶"],
    ),
    (
        "330500-NTH",
        "南太湖",
        "南太湖新区管委会",
        "管委会副主任",
        ["智能制造", "数字经济", "新能源汽车"],
    ),
];

/// (name, region code, catch-all)
const DEPARTMENTS: [(&str, &str, bool); 24] = [
    ("市发展和改革委员会", "330500", false),
    ("市经济和信息化局", "330500", false),
    ("市科学技术局", "330500", false),
    ("市财政局", "330500", false),
    ("市人力资源和社会保障局", "330500", false),
    ("市自然资源和规划局", "330500", false),
    ("市生态环境局", "330500", false),
    ("市住房和城乡建设局", "330500", false),
    ("市交通运输局", "330500", false),
    ("市商务局", "330500", false),
    ("市市场监督管理局", "330500", false),
    ("市司法局", "330500", false),
    ("市地方金融监督管理局", "330500", false),
    ("国家税务总局湖州市税务局", "330500", false),
    ("中国人民银行湖州市分行", "330500", false),
    ("国网湖州供电公司", "330500", false),
    ("市营商环境建设办公室", "330500", true),
    ("市大数据发展管理局", "330500", false),
    ("吴兴区经济和信息化局", "330502", false),
    ("南浔区经济和信息化局", "330503", false),
    ("德清县经济和信息化局", "330521", false),
    ("长兴县经济和信息化局", "330522", false),
    ("安吉县经济和信息化局", "330523", false),
    ("南太湖新区经济发展局", "330500-NTH", false),
];

/// Per category: weight (of 100), lead departments, and what enterprises say.
fn category_plan(
    c: Category,
) -> (
    usize,
    &'static [&'static str],
    &'static [(&'static str, &'static str)],
) {
    match c {
        Category::Financing => (
            18,
            &["市地方金融监督管理局", "中国人民银行湖州市分行"],
            &[
                (
                    "流动资金贷款到期续贷困难",
                    "企业订单增长，流动资金贷款即将到期，银行续贷审批收紧，希望协调无还本续贷。",
                ),
                (
                    "担保费率偏高",
                    "政策性担保费率仍高于周边地区，希望降低担保费率。",
                ),
                (
                    "技改项目融资渠道少",
                    "智能化技改投入大，缺少中长期贷款产品，希望对接技改专项贷款。",
                ),
            ],
        ),
        Category::Land => (
            14,
            &["市自然资源和规划局"],
            &[
                (
                    "扩建项目用地指标未落实",
                    "年产能扩大需新增用地约30亩，用地指标迟迟未落实，影响项目开工。",
                ),
                (
                    "厂房不动产证办理慢",
                    "新建厂房已竣工验收，不动产权证办理进度慢，影响抵押融资。",
                ),
                (
                    "低效用地再开发政策咨询",
                    "希望了解低效工业用地再开发和容积率提升的政策口径。",
                ),
            ],
        ),
        Category::Approval => (
            12,
            &["市发展和改革委员会", "市住房和城乡建设局", "市生态环境局"],
            &[
                (
                    "环评审批时间长",
                    "技改项目环评审批周期较长，希望提供容缺受理和并联审批。",
                ),
                (
                    "施工许可办理材料多",
                    "新建车间施工许可所需材料多、跑动次数多，希望简化流程。",
                ),
                ("项目备案信息变更", "项目建设内容调整后备案变更流程不清楚。"),
            ],
        ),
        Category::Talent => (
            12,
            &["市人力资源和社会保障局", "市科学技术局"],
            &[
                (
                    "一线技术工人招聘难",
                    "熟练技工缺口约50人，希望组织专场招聘和技能培训。",
                ),
                (
                    "人才公寓申请",
                    "新引进的研发人员住房困难，希望申请人才公寓。",
                ),
                (
                    "高层次人才认定",
                    "引进的博士团队希望纳入市高层次人才认定并享受补贴。",
                ),
            ],
        ),
        Category::Policy => (
            16,
            &["市经济和信息化局", "市财政局", "市商务局", "市科学技术局"],
            &[
                (
                    "技改补助资金未兑现",
                    "去年技改项目已通过验收，补助资金尚未拨付。",
                ),
                (
                    "研发费用加计扣除政策解读",
                    "希望对研发费用归集口径进行辅导。",
                ),
                (
                    "外贸企业出口信保补贴",
                    "出口信用保险保费补贴申报渠道不清楚。",
                ),
            ],
        ),
        Category::Legal => (
            4,
            &["市司法局"],
            &[
                (
                    "合同纠纷法律援助",
                    "与下游客户发生货款纠纷，希望获得法律咨询服务。",
                ),
                ("知识产权维权", "产品外观设计被仿冒，希望协助维权。"),
            ],
        ),
        Category::Tax => (
            6,
            &["国家税务总局湖州市税务局"],
            &[
                ("留抵退税进度", "增量留抵退税申请已提交，希望了解办理进度。"),
                ("出口退税流程", "出口退税办理流程不清楚，希望上门辅导。"),
            ],
        ),
        Category::Infrastructure => (
            8,
            &["市交通运输局", "国网湖州供电公司", "市住房和城乡建设局"],
            &[
                ("厂区电力增容", "新增生产线需电力增容，供电方案答复慢。"),
                ("园区道路破损", "园区主干道路面破损严重，影响货车通行。"),
                ("公交线路延伸", "员工通勤不便，希望公交线路延伸至园区。"),
            ],
        ),
        Category::MarketAccess => (
            5,
            &["市市场监督管理局", "市商务局"],
            &[
                (
                    "产品认证周期长",
                    "新产品强制性认证周期较长，希望加快检验检测。",
                ),
                (
                    "食品生产许可变更",
                    "增加生产品种需变更食品生产许可，希望指导办理。",
                ),
            ],
        ),
        Category::Other => (
            5,
            &["市营商环境建设办公室"],
            &[
                ("企业周边治安", "厂区周边夜间治安需加强巡逻。"),
                (
                    "多部门重复检查",
                    "一个月内多次接受不同部门检查，希望统筹合并。",
                ),
            ],
        ),
    }
}

fn pick_category(rng: &mut Rng) -> Category {
    let total: usize = Category::ALL.iter().map(|c| category_plan(*c).0).sum();
    let mut n = rng.below(total);
    for c in Category::ALL {
        let w = category_plan(*c).0;
        if n < w {
            return *c;
        }
        n -= w;
    }
    Category::Other
}

/// How an assigned issue ends (or where it stands).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fate {
    /// Answered and rated satisfied (or basically).
    Satisfied,
    /// Rated dissatisfied, reopened, answered again, then satisfied.
    ReopenedThenSatisfied,
    /// Dissatisfied twice; the coordinator closes it after the second reopening.
    DisputedClosed,
    /// Answered, never rated.
    Unrated,
    /// Returned and closed as not actionable.
    NotActionable,
    /// Solved on the spot at a forum, then rated satisfied.
    OnSiteRated,
    /// Solved on the spot, never rated.
    OnSiteUnrated,
}

/// The fates of a year's issues, so that its collected, rated and satisfied counts come out
/// exactly at the targets. `on_site` of them are solved at forums.
fn fates(t: &YearTargets, on_site: usize) -> Result<Vec<Fate>, String> {
    let dissatisfied = t
        .rated
        .checked_sub(t.satisfied)
        .ok_or("satisfied > rated")?;
    let on_site_unrated = on_site / 30;
    let on_site_rated = on_site - on_site_unrated;
    let not_actionable = t.issues / 200;
    let reopened_then_satisfied = t.issues / 55;
    let unrated = t.issues - t.rated;
    let assigned_unrated = unrated
        .checked_sub(on_site_unrated + not_actionable)
        .ok_or("too few unrated issues for the plan")?;
    let satisfied = t
        .satisfied
        .checked_sub(on_site_rated + reopened_then_satisfied)
        .ok_or("too few satisfied issues for the plan")?;
    let mut out = Vec::with_capacity(t.issues);
    for (fate, n) in [
        (Fate::OnSiteRated, on_site_rated),
        (Fate::OnSiteUnrated, on_site_unrated),
        (Fate::NotActionable, not_actionable),
        (Fate::ReopenedThenSatisfied, reopened_then_satisfied),
        (Fate::DisputedClosed, dissatisfied),
        (Fate::Unrated, assigned_unrated),
        (Fate::Satisfied, satisfied),
    ] {
        out.extend(std::iter::repeat_n(fate, n));
    }
    Ok(out)
}

struct World {
    rng: Rng,
    cal: WorkCalendar,
    departments: BTreeMap<&'static str, i64>,
    /// Enterprises by region id: (id, contact person).
    enterprises: BTreeMap<i64, Vec<(i64, String)>>,
    /// Handler of each department; users of some enterprises.
    handlers: BTreeMap<i64, Caller>,
    /// A district's own bureau (经信局), by region id.
    local_bureau: BTreeMap<i64, i64>,
    enterprise_users: BTreeMap<i64, Caller>,
    coordinator: Caller,
    leader: Caller,
    /// Times after this are the future: steps due then are not taken.
    horizon: NaiveDateTime,
    issues_done: usize,
}

/// Erases the programme's data (not regions), for `--force`.
fn erase(conn: &mut DbConn) -> Result<(), String> {
    conn.batch_execute(
        "DELETE FROM idempotency_keys; DELETE FROM issue_extensions; DELETE FROM issue_ratings; \
         DELETE FROM issue_events; DELETE FROM issue_co_departments; DELETE FROM issues; \
         DELETE FROM attendances; DELETE FROM forum_departments; DELETE FROM forums; \
         DELETE FROM editions; DELETE FROM users; DELETE FROM enterprises; DELETE FROM departments; \
         DELETE FROM calendar_days; DELETE FROM calendar_years; DELETE FROM login_throttle;",
    )
    .map_err(err)
}

pub fn issue_count(conn: &mut DbConn) -> Result<i64, String> {
    use crate::store::schema::issues;
    issues::table.count().get_result(conn).map_err(err)
}

fn caller(conn: &mut DbConn, id: i64) -> Result<Caller, String> {
    let (user, region_path) = users::with_region_path(conn, id)
        .map_err(err)?
        .ok_or("demo user vanished")?;
    let role = Role::parse(&user.role).ok_or("demo user has no role")?;
    Ok(Caller {
        user,
        role,
        region_path,
    })
}

fn region_ids(conn: &mut DbConn) -> Result<Vec<i64>, String> {
    REGIONS
        .iter()
        .map(|(code, ..)| {
            store::regions::find_by_code(conn, code)
                .map_err(err)?
                .ok_or_else(|| format!("region {code} is missing; run the migrations"))
        })
        .collect()
}

/// Loads the demo. `progress` receives a line now and then.
pub fn load(
    conn: &mut DbConn,
    opts: &Options,
    progress: &mut dyn FnMut(String),
) -> Result<Vec<DemoUser>, String> {
    let existing = issue_count(conn)?;
    if existing > 0 {
        if !opts.force {
            return Err(format!(
                "the database already has {existing} issues; the demo loads only into one without \
                 (--force erases every issue, forum, enterprise, department and user first)"
            ));
        }
        progress("erasing the existing data (--force)".into());
        erase(conn)?;
    }
    if let Some(msg) = password::policy_error(&opts.password) {
        return Err(format!("--password {msg}"));
    }
    if let DbConn::Pg(_) = conn {
        // Only this loader's session: thousands of small commits need not each wait for disk.
        conn.batch_execute("SET synchronous_commit = off")
            .map_err(err)?;
    }
    for year in [2022, 2023] {
        if let Some((h, w)) = official::year(year) {
            calendar::put_year(conn, year, &h, &w).map_err(err)?;
        }
    }
    let regions = region_ids(conn)?;
    let mut rng = Rng(20220608);

    progress("departments and enterprises".into());
    let mut dept_ids = BTreeMap::new();
    for (name, code, catch_all) in DEPARTMENTS {
        let region = regions[REGIONS.iter().position(|r| r.0 == code).unwrap_or(0)];
        let row = departments::create(conn, name, region, catch_all).map_err(|e| e.one_line())?;
        dept_ids.insert(name, row.id);
    }
    let mut enterprises: BTreeMap<i64, Vec<(i64, String)>> = BTreeMap::new();
    let mut n = 0u32;
    for (r, (code, short, _, _, industries)) in REGIONS.iter().enumerate() {
        let count = if r == 0 { 60 } else { 50 };
        for k in 0..count {
            n += 1;
            let trade = format!("{}{}", TRADE[k % 20], TRADE[(k / 20 + r * 3 + 1) % 20]);
            let industry = industries[k % 3];
            let region_code: String = code.chars().take(6).collect();
            let body = format!("91{region_code}MA2{n:06}");
            let check = credit_code::check_character(&body).ok_or("bad credit code body")?;
            let person = format!("{}{}", rng.pick(&SURNAMES), rng.pick(&GIVEN));
            let size = ["micro", "small", "small", "medium", "medium", "large"][rng.below(6)];
            let row = enterprises::create(
                conn,
                &NewEnterprise {
                    name: format!("{short}{trade}{industry}有限公司"),
                    credit_code: format!("{body}{check}"),
                    region_id: regions[r],
                    industry: industry.to_owned(),
                    size: size.to_owned(),
                    contact_name: Some(person.clone()),
                    contact_phone: Some(format!("0572-{:07}", 2_000_000 + n * 37)),
                },
            )
            .map_err(|e| e.one_line())?;
            enterprises
                .entry(regions[r])
                .or_default()
                .push((row.id, person));
        }
    }

    progress("users".into());
    let hash = password::hash(&opts.password)?;
    let mut make = |username: String,
                    display: String,
                    role: Role,
                    region: Option<i64>,
                    dept: Option<i64>,
                    ent: Option<i64>|
     -> Result<i64, String> {
        users::create(
            conn,
            &NewUser {
                username,
                password_hash: hash.clone(),
                display_name: display,
                role: role.as_str().to_owned(),
                region_id: region,
                department_id: dept,
                enterprise_id: ent,
            },
        )
        .map(|u| u.id)
        .map_err(|e| e.one_line())
    };
    let city = regions[0];
    let (deqing, changxing) = (regions[3], regions[4]);
    let land = dept_ids
        .get("市自然资源和规划局")
        .copied()
        .ok_or("department missing")?;
    let first_enterprise = enterprises
        .get(&deqing)
        .and_then(|v| v.first())
        .map(|e| e.0)
        .ok_or("no enterprise")?;
    make(
        "demo.admin".into(),
        "系统管理员".into(),
        Role::Admin,
        None,
        None,
        None,
    )?;
    let coord_id = make(
        "demo.coord".into(),
        "市工商联 联络员".into(),
        Role::Coordinator,
        Some(city),
        None,
        None,
    )?;
    make(
        "demo.coord.dq".into(),
        "德清县工商联 联络员".into(),
        Role::Coordinator,
        Some(deqing),
        None,
        None,
    )?;
    let leader_id = make(
        "demo.leader".into(),
        "市领导".into(),
        Role::Leader,
        Some(city),
        None,
        None,
    )?;
    make(
        "demo.leader.cx".into(),
        "长兴县领导".into(),
        Role::Leader,
        Some(changxing),
        None,
        None,
    )?;
    let mut handler_ids = BTreeMap::new();
    for (i, (name, _, _)) in DEPARTMENTS.iter().enumerate() {
        let d = dept_ids.get(name).copied().ok_or("department missing")?;
        let username = if d == land {
            "demo.dept".to_owned()
        } else {
            format!("demo.dept.{}", i + 1)
        };
        handler_ids.insert(
            d,
            make(
                username,
                format!("{name} 经办人"),
                Role::Department,
                None,
                Some(d),
                None,
            )?,
        );
    }
    let mut ent_user_ids = BTreeMap::new();
    ent_user_ids.insert(
        first_enterprise,
        make(
            "demo.ent".into(),
            "企业用户".into(),
            Role::Enterprise,
            None,
            None,
            Some(first_enterprise),
        )?,
    );
    let mut k = 0;
    for list in enterprises.values() {
        for (e, person) in list.iter().step_by(5) {
            if *e != first_enterprise {
                k += 1;
                ent_user_ids.insert(
                    *e,
                    make(
                        format!("demo.ent.{k}"),
                        person.clone(),
                        Role::Enterprise,
                        None,
                        None,
                        Some(*e),
                    )?,
                );
            }
        }
    }

    let mut handlers = BTreeMap::new();
    for (d, u) in handler_ids {
        handlers.insert(d, caller(conn, u)?);
    }
    let mut enterprise_users = BTreeMap::new();
    for (e, u) in ent_user_ids {
        enterprise_users.insert(e, caller(conn, u)?);
    }
    let mut local_bureau = BTreeMap::new();
    for (r, region) in regions.iter().enumerate().skip(1) {
        if let Some((name, ..)) = DEPARTMENTS.iter().find(|d| d.1 == REGIONS[r].0) {
            local_bureau.extend(dept_ids.get(name).map(|d| (*region, *d)));
        }
    }
    let (h22, w22) = official::year_2022();
    let (h23, w23) = official::year_2023();
    let mut world = World {
        local_bureau,
        rng,
        cal: WorkCalendar::new(h22.into_iter().chain(h23), w22.into_iter().chain(w23)),
        departments: dept_ids,
        enterprises,
        handlers,
        enterprise_users,
        coordinator: caller(conn, coord_id)?,
        leader: caller(conn, leader_id)?,
        horizon: store::now(),
        issues_done: 0,
    };

    let mut edition_number = 0;
    for t in [Y2022, Y2023] {
        load_year(
            conn,
            &mut world,
            &regions,
            &t,
            &mut edition_number,
            progress,
        )?;
    }
    load_current_year(conn, &mut world, &regions, &mut edition_number, progress)?;

    let land_name = "市自然资源和规划局";
    let ent_name = "德清县的一家企业";
    Ok(vec![
        DemoUser { username: "demo.admin".into(), role: "admin", sees: "users, regions, departments, enterprises, the calendar; every figure".into() },
        DemoUser { username: "demo.coord".into(), role: "coordinator", sees: "湖州市 and every district: runs forums, files, assigns and follows up issues".into() },
        DemoUser { username: "demo.coord.dq".into(), role: "coordinator", sees: "德清县 only".into() },
        DemoUser { username: "demo.leader".into(), role: "leader", sees: "everything in 湖州市: dashboards, ranking, issues; supervises".into() },
        DemoUser { username: "demo.leader.cx".into(), role: "leader", sees: "长兴县 only".into() },
        DemoUser { username: "demo.dept".into(), role: "department", sees: format!("{land_name}: the issues it leads or co-handles (other departments: demo.dept.1 … demo.dept.24)") },
        DemoUser { username: "demo.ent".into(), role: "enterprise", sees: format!("{ent_name}: its own issues only (others: demo.ent.1 …)") },
    ])
}

/// The Wednesdays from `first` to `last` that are working days.
fn wednesdays(cal: &WorkCalendar, first: NaiveDate, last: NaiveDate) -> Vec<NaiveDate> {
    first
        .iter_days()
        .take_while(|d| *d <= last)
        .filter(|d| d.weekday() == Weekday::Wed && cal.is_working_day(*d))
        .collect()
}

struct HeldForum {
    id: i64,
    region: i64,
    day: NaiveDate,
    attendees: Vec<i64>,
}

/// Editions, forums and attendance of one stretch of weeks; returns the held forums.
#[allow(clippy::too_many_arguments)]
fn program(
    conn: &mut DbConn,
    w: &mut World,
    regions: &[i64],
    days: &[NaiveDate],
    cancelled: usize,
    attendances: usize,
    edition_number: &mut i32,
    scheduled_after: Option<NaiveDate>,
) -> Result<Vec<HeldForum>, String> {
    let total_forums = days.len() * regions.len();
    let held_n = total_forums.saturating_sub(cancelled);
    let mut held = Vec::new();
    let mut cancelled_left = cancelled;
    let mut k = 0usize;
    for (e, day) in days.iter().enumerate() {
        *edition_number += 1;
        let theme = THEMES[e % THEMES.len()];
        let edition = forum_store::create_edition(
            conn,
            &NewEdition {
                number: *edition_number,
                held_on: *day,
                theme: theme.to_owned(),
                reschedule_reason: None,
            },
        )
        .map_err(|e| e.one_line())?;
        for (r, region) in regions.iter().enumerate() {
            let (_, short, venue, post, _) = REGIONS[r];
            let mut depts: Vec<i64> = [
                "市发展和改革委员会",
                "市经济和信息化局",
                "市自然资源和规划局",
            ]
            .iter()
            .filter_map(|n| w.departments.get(n).copied())
            .collect();
            if let Some(local) = DEPARTMENTS.iter().find(|d| d.1 == REGIONS[r].0 && r > 0) {
                depts.extend(w.departments.get(local.0).copied());
            }
            let chair = format!("{}{}", w.rng.pick(&SURNAMES), w.rng.pick(&GIVEN));
            let fields = ForumFields {
                venue: Some(venue.to_owned()),
                theme: theme.to_owned(),
                chair_name: Some(chair),
                chair_title: Some(post.to_owned()),
            };
            let forum = forum_store::create_forum(conn, edition.id, *region, &fields, &depts)
                .map_err(|e| e.one_line())?;
            if scheduled_after.is_some_and(|d| *day > d) {
                continue;
            }
            // The typhoon week: the last forums of that edition are called off.
            let cancel = cancelled_left > 0
                && e == days.len() * 2 / 5
                && r >= regions.len() - cancelled_left;
            let update = ForumUpdate {
                fields,
                status: if cancel { "cancelled" } else { "held" }.to_owned(),
                minutes: (!cancel).then(|| {
                    format!(
                        "{short}恳谈会：{theme}。与会部门现场答复企业诉求，会后问题按程序交办。"
                    )
                }),
                cancel_reason: cancel.then(|| {
                    if (7..=9).contains(&day.month()) {
                        "台风过境，停会"
                    } else {
                        "因故取消，议题并入下期"
                    }
                    .to_owned()
                }),
                department_ids: None,
            };
            forum_store::update_forum(conn, forum.id, &update).map_err(|e| e.one_line())?;
            if cancel {
                cancelled_left -= 1;
                continue;
            }
            // Spread the attendances evenly over the held forums.
            let here = (k + 1) * attendances / held_n.max(1) - k * attendances / held_n.max(1);
            k += 1;
            let pool = w.enterprises.get(region).cloned().unwrap_or_default();
            let mut chosen: Vec<(i64, String)> = Vec::new();
            while chosen.len() < here.min(pool.len()) {
                let cand = w.rng.pick(&pool).clone();
                if !chosen.iter().any(|c| c.0 == cand.0) {
                    chosen.push(cand);
                }
            }
            for (ent, person) in &chosen {
                let title = *w.rng.pick(&TITLES);
                forum_store::add_attendance(
                    conn,
                    forum.id,
                    *ent,
                    person,
                    title,
                    w.coordinator.id(),
                )
                .map_err(|e| e.one_line())?;
            }
            held.push(HeldForum {
                id: forum.id,
                region: *region,
                day: *day,
                attendees: chosen.into_iter().map(|c| c.0).collect(),
            });
        }
    }
    Ok(held)
}

fn load_year(
    conn: &mut DbConn,
    w: &mut World,
    regions: &[i64],
    t: &YearTargets,
    edition_number: &mut i32,
    progress: &mut dyn FnMut(String),
) -> Result<(), String> {
    let first = NaiveDate::from_ymd_opt(t.year, t.first.0, t.first.1).ok_or("bad date")?;
    let last = NaiveDate::from_ymd_opt(t.year, t.last.0, t.last.1).ok_or("bad date")?;
    let days = wednesdays(&w.cal, first, last);
    if days.len() * regions.len() != t.forums_held + t.cancelled {
        return Err(format!(
            "{}: {} editions of {} forums do not make {} held and {} cancelled",
            t.year,
            days.len(),
            regions.len(),
            t.forums_held,
            t.cancelled
        ));
    }
    progress(format!(
        "{}: {} editions of {} linked forums",
        t.year,
        days.len(),
        regions.len()
    ));
    let held = program(
        conn,
        w,
        regions,
        &days,
        t.cancelled,
        t.attendances,
        edition_number,
        None,
    )?;
    // Three in four issues are raised at forums; of those, one in six is solved on the spot.
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
    let total = t.issues;
    for (i, fate) in forum_fates.into_iter().enumerate() {
        let forum = &held[i * held.len() / at_forums];
        let ent = *forum
            .attendees
            .get(w.rng.below(forum.attendees.len()))
            .ok_or("a held forum without attendees")?;
        let filed = at(forum.day, 10, 30 + (i % 90) as u32);
        let channel_forum = Some((forum.id, forum.region));
        issue(conn, w, ent, channel_forum, Channel::Forum, filed, fate)?;
        tick(w, total, t.year, progress);
    }
    let span = (last - first).num_days().max(1) as u64;
    for fate in rest {
        let day = first + Days::new(w.rng.next() % span);
        let day = if w.cal.is_working_day(day) {
            day
        } else {
            w.cal.add_working_days(day, 1)
        };
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
                .map(|e| e.0)
                .filter(|e| w.enterprise_users.contains_key(e))
                .collect();
            *w.rng.pick(&with_user)
        } else {
            w.rng.pick(&pool).0
        };
        let filed = at(day, 9 + (w.rng.below(8)) as u32, w.rng.below(60) as u32);
        issue(conn, w, ent, None, channel, filed, fate)?;
        tick(w, total, t.year, progress);
    }
    // A few filings are withdrawn before assignment; they count nowhere.
    for _ in 0..(t.issues / 150) {
        let (e, who) = w
            .enterprise_users
            .iter()
            .next()
            .map(|(e, c)| (*e, c.clone()))
            .ok_or("no enterprise user")?;
        let day = first + Days::new(w.rng.next() % span);
        let id = file_at(
            conn,
            &who,
            &file_body(w, e, None, Channel::Online, false, None),
            at(day, 11, 0),
        )
        .map_err(|e| e.one_line())?;
        actions::execute(conn, &who, id, None, Command::Withdraw, at(day, 15, 0))
            .map_err(|e| e.one_line())?;
    }
    w.issues_done = 0;
    Ok(())
}

fn tick(w: &mut World, total: usize, year: i32, progress: &mut dyn FnMut(String)) {
    w.issues_done += 1;
    if w.issues_done.is_multiple_of(250) || w.issues_done == total {
        progress(format!("{year}: issues {}/{total}", w.issues_done));
    }
}

fn file_body(
    w: &mut World,
    ent: i64,
    forum: Option<i64>,
    channel: Channel,
    on_site: bool,
    dept: Option<i64>,
) -> FileIn {
    let category = pick_category(&mut w.rng);
    let (_, _, texts) = category_plan(category);
    let (title, description) = *w.rng.pick(texts);
    FileIn {
        title: title.to_owned(),
        description: description.to_owned(),
        category,
        channel,
        enterprise_id: Some(ent),
        forum_id: forum,
        resolved_on_site: on_site,
        on_site_answer: on_site.then(|| "与会部门现场答复并当场协调解决。".to_owned()),
        department_id: dept.filter(|_| on_site),
    }
}

/// Files one issue and plays its life through the issue actions, up to the horizon.
fn issue(
    conn: &mut DbConn,
    w: &mut World,
    ent: i64,
    forum: Option<(i64, i64)>,
    channel: Channel,
    filed: NaiveDateTime,
    fate: Fate,
) -> Result<(), String> {
    let on_site = matches!(fate, Fate::OnSiteRated | Fate::OnSiteUnrated);
    let mut body = file_body(w, ent, forum.map(|f| f.0), channel, on_site, None);
    let leads = category_plan(body.category).1;
    let mut lead = *w
        .departments
        .get(w.rng.pick(leads))
        .ok_or("no lead department")?;
    // District forums send some issues to the district's own bureau.
    if let Some(local) = forum.and_then(|(_, region)| w.local_bureau.get(&region).copied()) {
        if w.rng.chance(250) {
            lead = local;
        }
    }
    if on_site {
        body.department_id = Some(lead);
    }
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
    // Each step at a local time on a day; a step after the horizon (the future) is not taken.
    macro_rules! step {
        ($who:expr, $cmd:expr, $day:expr, $hour:expr) => {{
            let when = at($day, $hour, w.rng.below(50) as u32);
            if when > horizon {
                return Ok(());
            }
            actions::execute(conn, &$who, id, None, $cmd, when).map_err(|e| e.one_line())?;
        }};
    }
    let rating = |w: &mut World, r: Rating| RatingIn {
        rating: if r == Rating::Satisfied && w.rng.chance(120) {
            Rating::BasicallySatisfied
        } else {
            r
        },
        comment: None,
    };
    if on_site {
        if fate == Fate::OnSiteRated {
            day = w.cal.add_working_days(day, 1 + w.rng.below(3) as u32);
            step!(rater, Command::Rate(rating(w, Rating::Satisfied)), day, 10);
        }
        return Ok(());
    }
    // 交办 within three working days.
    day = w.cal.add_working_days(day, 1 + w.rng.below(3) as u32);
    step!(
        coord,
        Command::Assign(AssignIn {
            lead_department_id: lead,
            co_department_ids: Vec::new(),
            due_on: None,
            note: None
        }),
        day,
        9
    );
    let mut due = w
        .cal
        .add_working_days(day, crate::domain::issue::DEFAULT_WORKING_DAYS);
    let mut handler = w.handlers.get(&lead).cloned().ok_or("no handler")?;
    if fate == Fate::NotActionable {
        day = w.cal.add_working_days(day, 1);
        step!(
            handler,
            Command::Return(ReasonIn {
                reason: "诉求不属于行政职能范围".into()
            }),
            day,
            14
        );
        day = w.cal.add_working_days(day, 1);
        step!(
            coord,
            Command::Close(NoteIn {
                note: "经核实，该诉求属企业间民事纠纷，建议通过司法途径解决。".into()
            }),
            day,
            10
        );
        return Ok(());
    }
    // One in twenty goes to the wrong department first and comes back.
    if w.rng.chance(50) {
        day = w.cal.add_working_days(day, 1);
        step!(
            handler,
            Command::Return(ReasonIn {
                reason: "不属于本部门职责，建议交办其他部门".into()
            }),
            day,
            15
        );
        let other = *w
            .departments
            .get("市营商环境建设办公室")
            .ok_or("no catch-all office")?;
        lead = if lead == other {
            *w.departments
                .get("市经济和信息化局")
                .ok_or("department missing")?
        } else {
            other
        };
        handler = w.handlers.get(&lead).cloned().ok_or("no handler")?;
        day = w.cal.add_working_days(day, 1);
        step!(
            coord,
            Command::Assign(AssignIn {
                lead_department_id: lead,
                co_department_ids: Vec::new(),
                due_on: None,
                note: Some("重新交办".into())
            }),
            day,
            9
        );
        due = w
            .cal
            .add_working_days(day, crate::domain::issue::DEFAULT_WORKING_DAYS);
    }
    step!(handler, Command::Sign, day, 16);
    // Some ask for more time; most get it.
    if w.rng.chance(60) {
        day = w.cal.add_working_days(day, 2);
        let new_due = w.cal.add_working_days(due, 5 + w.rng.below(5) as u32);
        step!(
            handler,
            Command::RequestExtension(ExtensionIn {
                new_due_on: new_due,
                reason: "需协调上级部门".into()
            }),
            day,
            11
        );
        let granted = w.rng.chance(800);
        let ext = store::issues::extensions(conn, id)
            .map_err(err)?
            .last()
            .map(|e| e.id)
            .ok_or("no extension")?;
        day = w.cal.add_working_days(day, 1);
        step!(
            coord,
            Command::DecideExtension(
                ext,
                DecisionIn {
                    granted,
                    note: None
                }
            ),
            day,
            10
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
                    note: Some("请加快办理".into())
                }),
                urge_day,
                9
            );
        }
    }
    day = answer_day.max(day);
    let outcome = *w.rng.pick(&[
        Outcome::Resolved,
        Outcome::Resolved,
        Outcome::Resolved,
        Outcome::Explained,
        Outcome::Planned,
    ]);
    let answer = |outcome: Outcome, day: NaiveDate| AnswerIn {
        outcome,
        text: match outcome {
            Outcome::Resolved => "经协调已解决，企业诉求已落实。".into(),
            Outcome::Explained => "已向企业解释相关政策，目前暂不具备条件。".into(),
            Outcome::Planned => "已列入年度工作计划，将按期推进。".into(),
        },
        planned_on: (outcome == Outcome::Planned).then(|| day + Days::new(60)),
    };
    step!(handler, Command::Answer(answer(outcome, day)), day, 15);
    if fate == Fate::Unrated {
        return Ok(());
    }
    day = w.cal.add_working_days(day, 1 + w.rng.below(4) as u32);
    match fate {
        Fate::Satisfied => {
            step!(rater, Command::Rate(rating(w, Rating::Satisfied)), day, 10);
        }
        Fate::ReopenedThenSatisfied | Fate::DisputedClosed => {
            step!(
                rater,
                Command::Rate(RatingIn {
                    rating: Rating::Dissatisfied,
                    comment: Some("问题未实质解决".into())
                }),
                day,
                10
            );
            day = w.cal.add_working_days(day, 3 + w.rng.below(4) as u32);
            step!(
                handler,
                Command::Answer(answer(Outcome::Resolved, day)),
                day,
                15
            );
            day = w.cal.add_working_days(day, 1 + w.rng.below(3) as u32);
            if fate == Fate::ReopenedThenSatisfied {
                step!(rater, Command::Rate(rating(w, Rating::Satisfied)), day, 10);
            } else {
                step!(
                    rater,
                    Command::Rate(RatingIn {
                        rating: Rating::Dissatisfied,
                        comment: Some("仍不满意".into())
                    }),
                    day,
                    10
                );
                if w.rng.chance(300) {
                    step!(
                        w.leader.clone(),
                        Command::Supervise(OptionalNoteIn {
                            note: Some("请市营商办牵头协调".into())
                        }),
                        day,
                        16
                    );
                }
                day = w.cal.add_working_days(day, 3);
                step!(
                    coord,
                    Command::Close(NoteIn {
                        note: "经两次重办，部门已穷尽政策手段，由联络员回访说明后办结。".into()
                    }),
                    day,
                    10
                );
            }
        }
        _ => {}
    }
    Ok(())
}

/// The current year up to today: the last twelve weeks of editions, next week's edition
/// planned, and issues whose lives stop at today, so that some are open and overdue.
fn load_current_year(
    conn: &mut DbConn,
    w: &mut World,
    regions: &[i64],
    edition_number: &mut i32,
    progress: &mut dyn FnMut(String),
) -> Result<(), String> {
    let today = time::today();
    let first = today - Days::new(84);
    let next = crate::domain::forum::next_wednesday_after(today);
    let days = wednesdays(&w.cal, first, next);
    progress(format!(
        "{}: {} editions up to next Wednesday ({next})",
        today.year(),
        days.len()
    ));
    let held = program(
        conn,
        w,
        regions,
        &days,
        0,
        days.len() * regions.len() * 7,
        edition_number,
        Some(today),
    )?;
    let issues_n = held.len() * 5;
    let t = YearTargets {
        year: today.year(),
        first: (first.month(), first.day()),
        last: (today.month(), today.day()),
        forums_held: held.len(),
        cancelled: 0,
        attendances: 0,
        issues: issues_n,
        rated: issues_n * 9 / 10,
        satisfied: issues_n * 9 / 10 - issues_n / 100,
    };
    let mut plan = fates(&t, 0)?;
    w.rng.shuffle(&mut plan);
    for (i, fate) in plan.into_iter().enumerate() {
        let forum = &held[i * held.len() / issues_n.max(1)];
        if forum.attendees.is_empty() {
            continue;
        }
        let ent = forum.attendees[w.rng.below(forum.attendees.len())];
        let filed = at(forum.day, 10, 30 + (i % 90) as u32);
        issue(
            conn,
            w,
            ent,
            Some((forum.id, forum.region)),
            Channel::Forum,
            filed,
            fate,
        )?;
        tick(w, issues_n, t.year, progress);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fates_meet_the_targets_exactly() {
        for t in [Y2022, Y2023] {
            let on_site = t.issues * 3 / 4 / 6;
            let plan = match fates(&t, on_site) {
                Ok(p) => p,
                Err(e) => panic!("{e}"),
            };
            assert_eq!(plan.len(), t.issues);
            let rated = plan
                .iter()
                .filter(|f| !matches!(f, Fate::Unrated | Fate::NotActionable | Fate::OnSiteUnrated))
                .count();
            let satisfied = plan
                .iter()
                .filter(|f| {
                    matches!(
                        f,
                        Fate::Satisfied | Fate::ReopenedThenSatisfied | Fate::OnSiteRated
                    )
                })
                .count();
            let on = plan
                .iter()
                .filter(|f| matches!(f, Fate::OnSiteRated | Fate::OnSiteUnrated))
                .count();
            assert_eq!(
                (rated, satisfied, on),
                (t.rated, t.satisfied, on_site),
                "{}",
                t.year
            );
        }
    }

    #[test]
    fn the_generator_repeats_itself() {
        let mut a = Rng(7);
        let mut b = Rng(7);
        let xs: Vec<u64> = (0..5).map(|_| a.next()).collect();
        let ys: Vec<u64> = (0..5).map(|_| b.next()).collect();
        assert_eq!(xs, ys);
        assert!(xs.windows(2).all(|p| p[0] != p[1]));
    }
}
