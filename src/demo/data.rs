//! The demo's data: the published targets it must reproduce, and the names, places and
//! words it is written with. Nothing here touches the database.

use crate::domain::issue::Category;

/// What one stretch of the programme should come to (dates inclusive, Shanghai).
#[derive(Clone, Copy, Debug)]
pub struct Stretch {
    pub name: &'static str,
    pub first: (i32, u32, u32),
    pub last: (i32, u32, u32),
    /// Forums held, and single forums called off (held = editions × regions + extra
    /// forums − cancelled).
    pub forums_held: usize,
    pub cancelled: usize,
    pub attendances: usize,
    /// Issues collected (not withdrawn), with their ratings.
    pub issues: usize,
    pub rated: usize,
    pub satisfied: usize,
}

/// 2022, from the first edition on 2022-06-08: "联动召开恳谈会201场，参会企业家1576位，收集交办
/// 问题2229个，满意率98.75%".
pub const Y2022: Stretch = Stretch {
    name: "2022",
    first: (2022, 6, 8),
    last: (2022, 12, 31),
    forums_held: 201,
    cancelled: 2,
    attendances: 1576,
    issues: 2229,
    rated: 2000,
    satisfied: 1975,
};

/// 2023 to the end of May, so that the programme to 2023-05-31 comes to what it
/// published: 42期, 330场, 2617位, 3489个, 99.13% (with 2022: 201 + 129 forums, 1576 + 1041
/// attendances, 2229 + 1260 issues, (1975 + 1098) ÷ (2000 + 1100) satisfied).
pub const TO_MAY_2023: Stretch = Stretch {
    name: "2023年1—5月",
    first: (2023, 1, 1),
    last: (2023, 5, 31),
    forums_held: 129,
    cancelled: 1,
    attendances: 1041,
    issues: 1260,
    rated: 1100,
    satisfied: 1098,
};

/// Weeks the programme did not meet beyond the statutory holiday weeks: the wave of
/// infections of December 2022 and the weeks either side of the 2023 Spring Festival.
pub const PAUSED: [(i32, u32, u32); 4] =
    [(2022, 12, 21), (2022, 12, 28), (2023, 1, 18), (2023, 2, 1)];

/// Extra forums for a town or an industry, hosted by a district: (region index in
/// `REGIONS`, name, venue).
pub const EXTRA_FORUMS: [(usize, &str, &str); 8] = [
    (1, "织里镇童装产业专场", "织里镇人民政府"),
    (2, "练市镇专场", "练市镇人民政府"),
    (2, "木业地板产业专场", "南浔经济开发区管委会"),
    (3, "新市镇专场", "新市镇人民政府"),
    (3, "地理信息产业专场", "德清地理信息小镇"),
    (4, "新能源电池产业专场", "长兴经济技术开发区"),
    (5, "绿色家居产业专场", "安吉经济开发区"),
    (6, "智能制造企业专场", "南太湖新区长东片区"),
];

/// Each region's chairs, who serve in turn for years: (name, post).
pub const CHAIRS: [[&str; 3]; 7] = [
    ["沈建华", "周晓东", "钱立新"],
    ["陆文斌", "姚红梅", "吴志刚"],
    ["顾国平", "朱海燕", "徐建明"],
    ["胡永林", "马丽君", "孙伟东"],
    ["赵德明", "杨春燕", "王海军"],
    ["陈国华", "刘晓燕", "黄志强"],
    ["李建新", "张慧敏", "沈伟"],
];

/// Towns, streets and parks of each region of `REGIONS`, where its enterprises are.
pub const TOWNS: [[&str; 4]; 7] = [
    [
        "湖州经济技术开发区",
        "吴兴科技园",
        "湖州高新区",
        "仁皇山片区",
    ],
    ["织里镇", "八里店镇", "东林镇", "埭溪镇"],
    ["练市镇", "双林镇", "菱湖镇", "旧馆街道"],
    ["新市镇", "武康街道", "乾元镇", "雷甸镇"],
    ["雉城街道", "和平镇", "煤山镇", "李家巷镇"],
    ["递铺街道", "孝丰镇", "天子湖镇", "梅溪镇"],
    ["长东片区", "康山街道", "滨湖街道", "杨家埠街道"],
];

/// How a department's answer begins, by outcome (solved, explained, planned).
pub const ANSWER_OPENINGS: [[&str; 5]; 3] = [
    [
        "接到交办后，我单位当即组织核实。",
        "收到诉求后，经办人第一时间与企业负责人取得联系。",
        "我单位高度重视，分管领导带队上门了解情况。",
        "经与企业当面沟通并现场踏勘，",
        "我单位会同属地镇街专题研究。",
    ],
    [
        "经认真核查相关政策和企业情况，",
        "收到诉求后，我单位组织业务科室会商。",
        "经与企业负责人面对面沟通，",
        "我单位对照现行规定逐条研究。",
        "经向上级部门请示并结合企业实际，",
    ],
    [
        "经研究，该诉求确有必要，但需分步推进。",
        "收到诉求后，我单位会同相关部门制定了办理计划。",
        "经现场调研并听取企业意见，",
        "我单位已将该事项列入专项工作台账。",
        "经与属地政府共同研究，",
    ],
];

/// How an answer ends: who to call, or what comes next. `{n}` the handler's name, `{t}`
/// the handler's telephone, `{w}` the day the result was told to the enterprise.
pub const ANSWER_CLOSINGS: [&str; 8] = [
    "经办人：{n}，联系电话{t}。",
    "办理结果已于{w}当面反馈企业负责人。",
    "如有疑问，请联系{n}（{t}）。",
    "下一步将持续跟踪，确保落实到位。",
    "{w}已电话告知企业，企业表示理解。",
    "后续由{n}负责跟进，联系电话{t}。",
    "相关材料已一并送达企业。",
    "欢迎企业继续反映生产经营中遇到的困难。",
];

/// Who answered on the spot, after the department's name.
pub const ON_SITE_SPEAKERS: [&str; 5] = [
    "负责同志",
    "分管副局长",
    "业务科室负责人",
    "主要负责人",
    "派驻窗口负责人",
];

/// What an enterprise says when it is not satisfied: the first time, and again.
pub const DISSATISFIED_FIRST: [&str; 6] = [
    "问题未实质解决",
    "答复只讲了政策，没有解决我们的实际困难",
    "承诺的时间已经过了，仍没有进展",
    "希望部门再到现场看一看",
    "答复内容与我们反映的问题不一致",
    "办理时间太长，影响了生产安排",
];
pub const DISSATISFIED_AGAIN: [&str; 5] = [
    "仍不满意",
    "重新答复后问题依旧存在",
    "第二次答复与第一次基本一样",
    "希望上级部门协调解决",
    "企业损失仍在扩大，没有实质推进",
];

/// What a satisfied enterprise now and then adds.
pub const SATISFIED_COMMENTS: [&str; 6] = [
    "感谢部门高效办理",
    "经办人很负责，多次上门对接",
    "问题已解决，非常满意",
    "办理及时，为企业解了燃眉之急",
    "政策解释清楚，理解部门难处",
    "希望类似问题以后能形成长效机制",
];

/// What a leader writes when supervising (督办), and the Federation when urging (催办).
pub const SUPERVISE_NOTES: [&str; 4] = [
    "请市营商办牵头协调，一周内反馈进展",
    "请主办部门主要负责人亲自过问",
    "已超期较长，请倒排时间尽快办结",
    "请会同属地政府研究解决，结果报市政府",
];
pub const URGE_NOTES: [&str; 4] = [
    "请加快办理",
    "已临近办理期限，请抓紧答复",
    "企业多次来电询问进展，请尽快办理",
    "请于本周内答复企业",
];

/// How an enterprise ends its description, most often with nothing more.
pub const DESCRIPTION_ENDINGS: [&str; 8] = [
    "",
    "",
    "",
    "",
    "恳请相关部门帮助协调。",
    "此事已拖了一段时间，企业比较着急。",
    "希望尽快给予答复，谢谢！",
    "相关材料可随时提供。",
];

/// What an enterprise writes on its issue.
pub const ENTERPRISE_COMMENTS: [&str; 6] = [
    "补充材料已通过邮件报送经办人，请查收。",
    "本周三下午公司负责人在厂，可安排现场踏勘。",
    "问题有新进展：银行已受理申请，请继续跟进。",
    "联系人电话已变更，请改联系财务负责人。",
    "感谢经办人上门，所需证明我们下周一送到。",
    "情况有变化：对方已同意协商，请暂缓处理。",
];

/// What a handler writes on an issue while working on it.
pub const HANDLER_COMMENTS: [&str; 6] = [
    "已与企业电话沟通，约定下周现场踏勘。",
    "已发函征求相关部门意见，待回复后答复企业。",
    "企业所需材料已齐全，正在走内部审批流程。",
    "已赴企业现场核实，情况与反映一致。",
    "需属地镇街配合提供相关情况，已去函。",
    "已提交局务会研究，会后答复企业。",
];

pub const SURNAMES: [&str; 30] = [
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "沈",
    "钱", "姚", "顾", "陆", "潘", "费", "闵", "施", "蒋", "褚", "邱", "俞", "金", "章",
];
pub const GIVEN: [&str; 60] = [
    "建国", "伟", "芳", "敏", "静", "磊", "洋", "勇", "军", "杰", "涛", "明", "超", "华", "平",
    "刚", "丽", "强", "斌", "晓东", "建平", "国强", "海峰", "志明", "卫东", "丽萍", "雪芬", "国庆",
    "永强", "春华", "金林", "伟忠", "红英", "建良", "佳怡", "浩然", "子豪", "一鸣", "晨阳", "思远",
    "文杰", "俊", "亚军", "秀英", "美华", "林峰", "宏伟", "新民", "正阳", "利民", "水根", "根荣",
    "荣华", "月娥", "巧玲", "晓燕", "振华", "家豪", "梦婷", "立群",
];
pub const TITLES: [&str; 5] = ["董事长", "总经理", "副总经理", "财务总监", "行政经理"];
pub const TRADE: [&str; 20] = [
    "鑫", "泰", "华", "宇", "恒", "达", "瑞", "丰", "盛", "源", "隆", "昌", "嘉", "诚", "信", "德",
    "利", "通", "博", "创",
];
pub const THEMES: [&str; 12] = [
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

/// The categories a forum's theme is about (an industry's or a town's forum: policy,
/// land and money).
pub fn theme_categories(theme: &str) -> &'static [Category] {
    use Category::*;
    match theme {
        "助企纾困" => &[Policy, Tax, Financing],
        "稳岗扩就业" => &[Talent, Policy],
        "融资畅通" => &[Financing, Policy],
        "要素保障" => &[Land, Infrastructure, Approval],
        "科技创新" => &[Policy, Talent],
        "外贸稳增长" => &[Policy, Legal, MarketAccess],
        "营商环境优化" => &[Approval, MarketAccess, Other],
        "数字化改造" => &[Policy, Infrastructure],
        "绿色低碳" => &[Approval, Infrastructure],
        "人才引育" => &[Talent],
        "项目攻坚" => &[Land, Approval, Infrastructure],
        "政策直达" => &[Policy, Tax],
        _ => &[Policy, Land, Financing],
    }
}

/// Regions as seeded: (code, short name, venue, chair's post, typical industries).
pub const REGIONS: [(&str, &str, &str, &str, [&str; 3]); 7] = [
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

/// The city's departments: (name, region code, catch-all).
pub const DEPARTMENTS: [(&str, &str, bool); 18] = [
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
    ("中国人民银行湖州市中心支行", "330500", false),
    ("国网湖州供电公司", "330500", false),
    ("市营商环境建设办公室", "330500", true),
    ("市大数据发展管理局", "330500", false),
];

/// Each district's own departments: (region code, the city department it answers to, its
/// name, catch-all). A district department may answer to two (南太湖新区经济发展局).
pub const DISTRICT_DEPARTMENTS: [(&str, &str, &str, bool); 72] = [
    ("330502", "市发展和改革委员会", "吴兴区发展和改革局", false),
    ("330502", "市经济和信息化局", "吴兴区经济和信息化局", false),
    ("330502", "市科学技术局", "吴兴区科学技术局", false),
    (
        "330502",
        "市自然资源和规划局",
        "市自然资源和规划局吴兴分局",
        false,
    ),
    ("330502", "市生态环境局", "市生态环境局吴兴分局", false),
    (
        "330502",
        "市住房和城乡建设局",
        "吴兴区住房和城乡建设局",
        false,
    ),
    ("330502", "市交通运输局", "吴兴区交通运输局", false),
    (
        "330502",
        "市人力资源和社会保障局",
        "吴兴区人力资源和社会保障局",
        false,
    ),
    ("330502", "市商务局", "吴兴区商务局", false),
    (
        "330502",
        "市市场监督管理局",
        "市市场监督管理局吴兴分局",
        false,
    ),
    (
        "330502",
        "国家税务总局湖州市税务局",
        "国家税务总局湖州市吴兴区税务局",
        false,
    ),
    (
        "330502",
        "市营商环境建设办公室",
        "吴兴区营商环境建设办公室",
        true,
    ),
    ("330503", "市发展和改革委员会", "南浔区发展和改革局", false),
    ("330503", "市经济和信息化局", "南浔区经济和信息化局", false),
    ("330503", "市科学技术局", "南浔区科学技术局", false),
    (
        "330503",
        "市自然资源和规划局",
        "市自然资源和规划局南浔分局",
        false,
    ),
    ("330503", "市生态环境局", "市生态环境局南浔分局", false),
    (
        "330503",
        "市住房和城乡建设局",
        "南浔区住房和城乡建设局",
        false,
    ),
    ("330503", "市交通运输局", "南浔区交通运输局", false),
    (
        "330503",
        "市人力资源和社会保障局",
        "南浔区人力资源和社会保障局",
        false,
    ),
    ("330503", "市商务局", "南浔区商务局", false),
    (
        "330503",
        "市市场监督管理局",
        "市市场监督管理局南浔分局",
        false,
    ),
    (
        "330503",
        "国家税务总局湖州市税务局",
        "国家税务总局湖州市南浔区税务局",
        false,
    ),
    (
        "330503",
        "市营商环境建设办公室",
        "南浔区营商环境建设办公室",
        true,
    ),
    ("330521", "市发展和改革委员会", "德清县发展和改革局", false),
    ("330521", "市经济和信息化局", "德清县经济和信息化局", false),
    ("330521", "市科学技术局", "德清县科学技术局", false),
    (
        "330521",
        "市自然资源和规划局",
        "德清县自然资源和规划局",
        false,
    ),
    ("330521", "市生态环境局", "市生态环境局德清分局", false),
    (
        "330521",
        "市住房和城乡建设局",
        "德清县住房和城乡建设局",
        false,
    ),
    ("330521", "市交通运输局", "德清县交通运输局", false),
    (
        "330521",
        "市人力资源和社会保障局",
        "德清县人力资源和社会保障局",
        false,
    ),
    ("330521", "市商务局", "德清县商务局", false),
    ("330521", "市市场监督管理局", "德清县市场监督管理局", false),
    (
        "330521",
        "国家税务总局湖州市税务局",
        "国家税务总局德清县税务局",
        false,
    ),
    (
        "330521",
        "市营商环境建设办公室",
        "德清县营商环境建设办公室",
        true,
    ),
    ("330522", "市发展和改革委员会", "长兴县发展和改革局", false),
    ("330522", "市经济和信息化局", "长兴县经济和信息化局", false),
    ("330522", "市科学技术局", "长兴县科学技术局", false),
    (
        "330522",
        "市自然资源和规划局",
        "长兴县自然资源和规划局",
        false,
    ),
    ("330522", "市生态环境局", "市生态环境局长兴分局", false),
    (
        "330522",
        "市住房和城乡建设局",
        "长兴县住房和城乡建设局",
        false,
    ),
    ("330522", "市交通运输局", "长兴县交通运输局", false),
    (
        "330522",
        "市人力资源和社会保障局",
        "长兴县人力资源和社会保障局",
        false,
    ),
    ("330522", "市商务局", "长兴县商务局", false),
    ("330522", "市市场监督管理局", "长兴县市场监督管理局", false),
    (
        "330522",
        "国家税务总局湖州市税务局",
        "国家税务总局长兴县税务局",
        false,
    ),
    (
        "330522",
        "市营商环境建设办公室",
        "长兴县营商环境建设办公室",
        true,
    ),
    ("330523", "市发展和改革委员会", "安吉县发展和改革局", false),
    ("330523", "市经济和信息化局", "安吉县经济和信息化局", false),
    ("330523", "市科学技术局", "安吉县科学技术局", false),
    (
        "330523",
        "市自然资源和规划局",
        "安吉县自然资源和规划局",
        false,
    ),
    ("330523", "市生态环境局", "市生态环境局安吉分局", false),
    (
        "330523",
        "市住房和城乡建设局",
        "安吉县住房和城乡建设局",
        false,
    ),
    ("330523", "市交通运输局", "安吉县交通运输局", false),
    (
        "330523",
        "市人力资源和社会保障局",
        "安吉县人力资源和社会保障局",
        false,
    ),
    ("330523", "市商务局", "安吉县商务局", false),
    ("330523", "市市场监督管理局", "安吉县市场监督管理局", false),
    (
        "330523",
        "国家税务总局湖州市税务局",
        "国家税务总局安吉县税务局",
        false,
    ),
    (
        "330523",
        "市营商环境建设办公室",
        "安吉县营商环境建设办公室",
        true,
    ),
    (
        "330500-NTH",
        "市发展和改革委员会",
        "南太湖新区经济发展局",
        false,
    ),
    (
        "330500-NTH",
        "市经济和信息化局",
        "南太湖新区经济发展局",
        false,
    ),
    ("330500-NTH", "市科学技术局", "南太湖新区经济发展局", false),
    ("330500-NTH", "市商务局", "南太湖新区经济发展局", false),
    (
        "330500-NTH",
        "市自然资源和规划局",
        "市自然资源和规划局南太湖新区分局",
        false,
    ),
    (
        "330500-NTH",
        "市生态环境局",
        "市生态环境局南太湖新区分局",
        false,
    ),
    (
        "330500-NTH",
        "市住房和城乡建设局",
        "南太湖新区建设局",
        false,
    ),
    ("330500-NTH", "市交通运输局", "南太湖新区建设局", false),
    (
        "330500-NTH",
        "市人力资源和社会保障局",
        "南太湖新区社会事务局",
        false,
    ),
    (
        "330500-NTH",
        "市市场监督管理局",
        "市市场监督管理局南太湖新区分局",
        false,
    ),
    (
        "330500-NTH",
        "国家税务总局湖州市税务局",
        "国家税务总局湖州市南太湖新区税务局",
        false,
    ),
    (
        "330500-NTH",
        "市营商环境建设办公室",
        "南太湖新区营商环境服务中心",
        true,
    ),
];

/// The categories a department leads (负责类别), offered first when an issue of one is
/// assigned: a district department those of the city departments it answers to.
pub fn leads(name: &str) -> Vec<Category> {
    let mut out: Vec<Category> = city_leads(name).to_vec();
    for (_, city, district, _) in DISTRICT_DEPARTMENTS {
        if district == name {
            out.extend(
                city_leads(city)
                    .iter()
                    .filter(|c| !out.contains(c))
                    .copied()
                    .collect::<Vec<_>>(),
            );
        }
    }
    out
}

fn city_leads(name: &str) -> &'static [Category] {
    use Category::*;
    match name {
        "市发展和改革委员会" => &[Approval, Policy],
        "市经济和信息化局" | "市科学技术局" | "市财政局" => &[Policy],
        "市人力资源和社会保障局" => &[Talent],
        "市自然资源和规划局" => &[Land],
        "市住房和城乡建设局" => &[Approval, Infrastructure],
        "市交通运输局" | "国网湖州供电公司" => &[Infrastructure],
        "市市场监督管理局" => &[MarketAccess],
        "市司法局" => &[Legal],
        "市地方金融监督管理局" | "中国人民银行湖州市中心支行" => {
            &[Financing]
        }
        "国家税务总局湖州市税务局" => &[Tax],
        _ => &[],
    }
}

/// Departments renamed during the programme, by the demo's administrator: (name when the
/// programme began, name from the day given, that day). The renames are those of the
/// central bank's branch reform (a city's 中心支行 became its 分行) and of the 2024 local
/// government reform; the months are the reforms', the days are the demo's. Every period
/// view names a department as it was called on the period's last day.
pub const RENAMES: [(&str, &str, (i32, u32, u32)); 3] = [
    (
        "中国人民银行湖州市中心支行",
        "中国人民银行湖州市分行",
        (2024, 4, 1),
    ),
    ("市地方金融监督管理局", "市地方金融管理局", (2024, 12, 1)),
    ("市大数据发展管理局", "市数据局", (2024, 12, 1)),
];

/// The name a department of [`DEPARTMENTS`] bears today.
pub fn name_today(name: &'static str) -> &'static str {
    RENAMES.iter().find(|r| r.0 == name).map_or(name, |r| r.1)
}

/// How often each category comes up, per hundred issues.
pub fn category_weight(c: Category) -> usize {
    match c {
        Category::Financing => 18,
        Category::Land => 14,
        Category::Approval => 12,
        Category::Talent => 12,
        Category::Policy => 16,
        Category::Legal => 4,
        Category::Tax => 6,
        Category::Infrastructure => 8,
        Category::MarketAccess => 5,
        Category::Other => 5,
    }
}
