//! The web pages in a real browser: headless Chromium over the demo data set, as a leader,
//! a district leader, an enterprise user, and with the keyboard alone. Screenshots at
//! 1366×768 and 390×844 are left under `target/screenshots/`.

use crate::browser::*;
use fantoccini::key::Key;
use fantoccini::Locator;

/// The digits of a number as shown (`2,229个` → 2229).
fn number(text: &str) -> i64 {
    text.chars()
        .filter(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap_or(-1)
}

/// The headline card's number link, by its label.
fn card_link(label: &str) -> String {
    format!("//li[contains(@class,'card')][span[@class='label' and normalize-space()='{label}']]/a[@class='value']")
}

/// Follows a link and answers the issue list's total.
async fn total_behind(b: &Browser, xpath: &str) -> (i64, i64) {
    let link = b
        .client
        .find(Locator::XPath(xpath))
        .await
        .unwrap_or_else(|e| panic!("{xpath}: {e}"));
    let shown = number(&link.text().await.unwrap_or_default());
    let back = b.path().await;
    b.follow(link).await;
    let path = b.path().await;
    assert!(
        path.starts_with("/issues?") || path.starts_with("/forums?"),
        "{path}"
    );
    let total = number(&b.css("#total").await.text().await.unwrap_or_default());
    b.goto(&format!(
        "{}{back}",
        b.client
            .current_url()
            .await
            .map(|u| u.origin().ascii_serialization())
            .unwrap_or_default()
    ))
    .await;
    (shown, total)
}

#[actix_rt::test]
async fn a_leader_reads_the_2022_figures_and_follows_them_to_the_issues() {
    if skip() {
        return;
    }
    let site = site().await;
    let b = browser(1366, 768).await;
    // A page asked for before signing in comes back after it.
    b.goto(&site.url("/dashboard")).await;
    assert!(b.path().await.starts_with("/login"), "{}", b.path().await);
    b.look("login").await;
    b.field("用户名")
        .await
        .send_keys("demo.leader")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    b.field("密码")
        .await
        .send_keys(PASSWORD)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    b.follow(b.control("登录").await).await;
    assert_eq!(b.path().await, "/dashboard");

    // 年度 2022 through the period selector.
    b.field("年份")
        .await
        .select_by_value("2022")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    b.follow(b.control("查看").await).await;
    let text = b.text().await;
    for published in ["201", "1,576", "2,229", "98.75%"] {
        assert!(
            text.contains(published),
            "{published} missing from the 2022 dashboard:\n{text}"
        );
    }
    for label in [
        "恳谈会场次",
        "参会企业家",
        "收集问题",
        "满意率",
        "红黑榜",
        "红榜",
        "样本不足",
    ] {
        assert!(text.contains(label), "{label} missing");
    }
    assert!(
        b.unlabelled().await.is_empty(),
        "{:?}",
        b.unlabelled().await
    );
    b.look("dashboard-2022").await;

    // Every issue number is the total of the list it links to.
    for xpath in [
        card_link("恳谈会场次"),
        card_link("收集问题"),
        card_link("现场解决"),
        card_link("会后交办"),
        "//li[contains(@class,'card')][span[@class='label' and normalize-space()='满意率']]//span[@class='parts']/a[1]".to_owned(),
        "//li[contains(@class,'card')][span[@class='label' and normalize-space()='满意率']]//span[@class='parts']/a[2]".to_owned(),
        "(//table[contains(@class,'ranking')]//td[@class='num']/a)[1]".to_owned(),
    ] {
        let (shown, total) = total_behind(&b, &xpath).await;
        assert!(shown > 0, "{xpath}");
        assert_eq!(shown, total, "{xpath}");
    }
    let (collected, _) = total_behind(&b, &card_link("收集问题")).await;
    assert_eq!(collected, 2229);

    // The list, an issue and its timeline.
    let link = b
        .client
        .find(Locator::XPath(&card_link("收集问题")))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    b.follow(link).await;
    assert!(
        b.unlabelled().await.is_empty(),
        "{:?}",
        b.unlabelled().await
    );
    b.look("issues").await;
    b.follow(b.css("table.issues tbody tr td a").await).await;
    let text = b.text().await;
    for words in ["办理过程", "提交", "问题描述"] {
        assert!(text.contains(words), "{words} missing:\n{text}");
    }
    b.look("issue").await;

    // The yearly report, ready to print.
    b.goto(&site.url("/reports/2022")).await;
    let text = b.text().await;
    assert!(
        text.contains(
            "2022年，联动召开恳谈会201场，参会企业家1576位，收集交办问题2229个，满意率98.75%。"
        ),
        "{text}"
    );
    assert!(
        text.contains("工作情况的报告")
            && text.contains("湖州市工商业联合会")
            && text.contains("草稿")
            && text.contains("按提交时间统计"),
        "{text}"
    );
    b.look("report-2022").await;
    b.goto(&site.url("/reports/2022/9")).await;
    assert!(b.text().await.contains("2022年9月，联动召开恳谈会"));
    b.look("report-2022-09").await;
    b.goto(&site.url("/account")).await;
    assert!(
        b.unlabelled().await.is_empty(),
        "{:?}",
        b.unlabelled().await
    );
    b.look("account").await;

    // The same pages on a phone.
    let phone = browser(390, 844).await;
    phone.goto(&site.url("/login")).await;
    phone.look("login").await;
    phone.sign_in(&site, "demo.leader").await;
    phone
        .goto(&site.url("/dashboard?period=year&year=2022"))
        .await;
    assert!(phone.text().await.contains("2,229"));
    let overflow = phone
        .js("return document.documentElement.scrollWidth > window.innerWidth + 1")
        .await;
    assert_eq!(
        overflow,
        serde_json::json!(false),
        "the dashboard is wider than a phone"
    );
    phone.look("dashboard-2022").await;
    phone
        .goto(&site.url("/issues?measure=collected&from=2022-01-01&to=2022-12-31"))
        .await;
    phone.look("issues").await;
    phone.goto(&site.url("/reports/2022")).await;
    phone.look("report-2022").await;
    phone.close().await;
    b.close().await;
    site.stop().await;
}

#[actix_rt::test]
async fn each_reader_sees_only_their_scope() {
    if skip() {
        return;
    }
    let site = site().await;
    let b = browser(1366, 768).await;
    // A district leader: 长兴县 alone, no region to choose.
    b.sign_in(&site, "demo.leader.cx").await;
    b.goto(&site.url("/dashboard?period=year&year=2022")).await;
    let heading = b.css("h1").await.text().await.unwrap_or_default();
    assert!(heading.contains("长兴县"), "{heading}");
    assert_eq!(
        b.js("return document.getElementById('region_id') === null")
            .await,
        serde_json::json!(true)
    );
    let text = b.text().await;
    assert!(!text.contains("吴兴区"), "another district shows:\n{text}");
    b.look("dashboard-changxing").await;
    b.follow(b.control("退出").await).await;
    assert!(b.path().await.starts_with("/login"));
    // Signed out, the dashboard sends to the sign-in page again.
    b.goto(&site.url("/dashboard")).await;
    assert!(b.path().await.starts_with("/login"));

    // An enterprise: no 驾驶舱 offered, and none at its path.
    b.sign_in(&site, "demo.ent").await;
    assert_eq!(b.path().await, "/issues");
    let nav = b.css("nav").await.text().await.unwrap_or_default();
    assert!(!nav.contains("驾驶舱"), "{nav}");
    b.goto(&site.url("/dashboard")).await;
    assert!(b.text().await.contains("页面不存在"));
    b.goto(&site.url("/issues")).await;
    b.look("issues-enterprise").await;
    b.close().await;
    site.stop().await;
}

#[actix_rt::test]
async fn the_keyboard_alone_signs_in_and_reaches_the_issues_behind_a_number() {
    if skip() {
        return;
    }
    let site = site().await;
    let b = browser(1366, 768).await;
    b.goto(&site.url("/login")).await;
    assert!(
        b.unlabelled().await.is_empty(),
        "{:?}",
        b.unlabelled().await
    );
    // The username field has the focus; type, tab, type, Enter.
    let typed = format!("demo.leader{}{PASSWORD}{}", Key::Tab, Key::Enter);
    b.client
        .active_element()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .send_keys(&typed)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    b.wait_path("/dashboard").await;
    // Tab through the page until the 收集问题 number has the focus, then follow it.
    let mut reached = false;
    for _ in 0..80 {
        let focused = b
            .client
            .active_element()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let href = focused
            .attr("href")
            .await
            .unwrap_or_default()
            .unwrap_or_default();
        if href.contains("measure=collected")
            && !href.contains("region_id")
            && !href.contains("category")
        {
            focused
                .send_keys(&Key::Enter.to_string())
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            reached = true;
            break;
        }
        focused
            .send_keys(&Key::Tab.to_string())
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    }
    assert!(reached, "the keyboard did not reach the 收集问题 number");
    b.wait_path("/issues?measure=collected").await;
    assert!(
        b.path().await.starts_with("/issues?measure=collected"),
        "{}",
        b.path().await
    );
    for path in [
        "/issues",
        "/account",
        "/reports",
        "/dashboard?period=month&year=2022&month=9",
    ] {
        b.goto(&site.url(path)).await;
        assert!(
            b.unlabelled().await.is_empty(),
            "{path}: {:?}",
            b.unlabelled().await
        );
    }
    b.close().await;
    site.stop().await;
}

/// The issue id of the page the browser shows (`/issues/{id}…`).
pub(crate) async fn issue_id(b: &Browser) -> i64 {
    let path = b.path().await;
    path.trim_start_matches("/issues/")
        .split(['?', '#'])
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not an issue page: {path}"))
}

pub(crate) async fn click(b: &Browser, words: &str) {
    b.follow(b.control(words).await).await;
}

pub(crate) async fn choose(b: &Browser, id: &str) {
    b.css(&format!("#{id}"))
        .await
        .click()
        .await
        .unwrap_or_else(|e| panic!("{id}: {e}"));
}

pub(crate) async fn type_into(b: &Browser, label: &str, text: &str) {
    b.field(label)
        .await
        .send_keys(text)
        .await
        .unwrap_or_else(|e| panic!("{label}: {e}"));
}

pub(crate) async fn status_of(b: &Browser) -> String {
    match b.client.find(Locator::Css(".badges .status")).await {
        Ok(e) => e.text().await.unwrap_or_default(),
        Err(_) => format!("no status on {}: {}", b.path().await, b.text().await),
    }
}

#[actix_rt::test]
async fn one_issue_from_a_phone_to_closed_each_step_by_its_own_user() {
    if skip() {
        return;
    }
    let site = site().await;
    let title = "新厂房消防验收迟迟排不上（浏览器测试）";

    // The enterprise files from a phone.
    let ent = browser(390, 844).await;
    ent.sign_in(&site, "demo.ent").await;
    ent.goto(&site.url("/issues/new")).await;
    assert!(
        ent.unlabelled().await.is_empty(),
        "{:?}",
        ent.unlabelled().await
    );
    ent.look("new-issue").await;
    type_into(&ent, "标题", title).await;
    type_into(
        &ent,
        "问题描述",
        "新建厂房已完工两个月，消防验收预约一直排不上，影响投产。",
    )
    .await;
    ent.field("问题类别")
        .await
        .select_by_value("land")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    click(&ent, "提交").await;
    let id = issue_id(&ent).await;
    assert!(ent.text().await.contains("问题已提交"));
    assert_eq!(status_of(&ent).await, "待交办");
    // Until it is assigned it may be withdrawn, and nothing else is offered.
    assert!(ent.text().await.contains("撤回"));
    ent.look("issue-filed").await;

    // The coordinator assigns it from the desk.
    let coord = browser(1366, 768).await;
    coord.sign_in(&site, "demo.coord").await;
    assert_eq!(coord.path().await, "/desk");
    coord.look("desk").await;
    let link = coord
        .client
        .find(Locator::LinkText(title))
        .await
        .unwrap_or_else(|e| panic!("the new issue is not on the desk: {e}"));
    coord.follow(link).await;
    assert_eq!(issue_id(&coord).await, id);
    assert!(
        coord.unlabelled().await.is_empty(),
        "{:?}",
        coord.unlabelled().await
    );
    coord.look("issue-to-assign").await;
    select_label(&coord, "主办部门", "市自然资源和规划局").await;
    click(&coord, "交办").await;
    assert_eq!(status_of(&coord).await, "已交办");

    // The department signs for it and answers, from its inbox.
    let dept = browser(1366, 768).await;
    dept.sign_in(&site, "demo.dept").await;
    assert_eq!(dept.path().await, "/inbox");
    dept.look("inbox").await;
    dept.client
        .find(Locator::LinkText(title))
        .await
        .unwrap_or_else(|e| panic!("the issue is not in 待签收: {e}"));
    // 消息 tells of the assignment; opening the notice leads to the issue.
    let badge = dept
        .js("return document.querySelector('.top .badge').textContent")
        .await;
    assert!(
        badge
            .as_str()
            .is_some_and(|b| b.parse::<i64>().unwrap_or(0) > 0),
        "{badge}"
    );
    dept.goto(&site.url("/notifications")).await;
    let newest = dept
        .js("return document.querySelector('.note-item .note-text').textContent")
        .await;
    assert!(
        newest.as_str().unwrap_or_default().contains(title),
        "{newest}"
    );
    dept.look("notifications").await;
    let open = dept
        .client
        .find(Locator::Css(".note-item .note-open"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    dept.follow(open).await;
    assert_eq!(dept.path().await, format!("/issues/{id}"));
    click(&dept, "签收").await;
    assert_eq!(status_of(&dept).await, "办理中");
    choose(&dept, "outcome_resolved").await;
    type_into(
        &dept,
        "答复内容",
        "已协调消防救援支队，定于下周三上门验收。",
    )
    .await;
    dept.look("issue-to-answer").await;
    click(&dept, "答复").await;
    assert_eq!(status_of(&dept).await, "已答复");

    // The enterprise is not satisfied: the issue goes back to the department.
    ent.goto(&site.url(&format!("/issues/{id}"))).await;
    choose(&ent, "solved_no").await;
    choose(&ent, "rating_dissatisfied").await;
    type_into(&ent, "评价意见", "验收时间仍未确定。").await;
    ent.look("issue-to-rate").await;
    click(&ent, "提交评价").await;
    assert_eq!(status_of(&ent).await, "办理中");

    // The department answers again.
    dept.goto(&site.url(&format!("/issues/{id}"))).await;
    choose(&dept, "outcome_resolved").await;
    type_into(&dept, "答复内容", "验收已于本周完成，合格。").await;
    click(&dept, "答复").await;
    assert_eq!(status_of(&dept).await, "已答复");

    // The coordinator records a 满意 follow-up call, and the issue is closed.
    coord.goto(&site.url(&format!("/issues/{id}"))).await;
    choose(&coord, "solved_yes").await;
    choose(&coord, "rating_satisfied").await;
    click(&coord, "提交评价").await;
    assert_eq!(status_of(&coord).await, "已办结");
    let timeline = coord
        .css(".timeline")
        .await
        .text()
        .await
        .unwrap_or_default();
    for step in ["提交", "交办", "签收", "答复", "评价", "回访"] {
        assert!(
            timeline.contains(step),
            "{step} missing from the timeline:\n{timeline}"
        );
    }
    assert_eq!(
        coord
            .js("return document.querySelectorAll('.timeline > li').length")
            .await,
        serde_json::json!(7),
        "{timeline}"
    );
    coord.look("issue-closed").await;
    ent.goto(&site.url(&format!("/issues/{id}"))).await;
    ent.look("issue-closed").await;

    // An issue of another enterprise is not there for this one, as through the API.
    let own = ent.css("dd").await.text().await.unwrap_or_default();
    coord.goto(&site.url("/issues?per_page=50")).await;
    let other = coord
        .js(&format!(
            "const row = Array.from(document.querySelectorAll('table.issues tbody tr'))\
             .find(r => r.cells[2].textContent.trim() !== {own:?}); \
             return row ? row.cells[0].textContent.trim() : ''"
        ))
        .await;
    let other = other.as_str().unwrap_or_default().to_owned();
    assert!(
        !other.is_empty(),
        "no issue of another enterprise on the list"
    );
    ent.goto(&site.url(&format!("/issues/{other}"))).await;
    assert!(
        ent.text().await.contains("页面不存在"),
        "{}",
        ent.text().await
    );
    // The remaining pages, at the other width.
    ent.goto(&site.url("/account")).await;
    ent.look("account").await;
    coord.goto(&site.url("/issues/new")).await;
    assert!(
        coord.unlabelled().await.is_empty(),
        "{:?}",
        coord.unlabelled().await
    );
    coord.look("new-issue").await;
    for b in [ent, coord, dept] {
        b.close().await;
    }
    site.stop().await;
}

#[actix_rt::test]
async fn a_forum_day_and_a_stale_form() {
    if skip() {
        return;
    }
    let site = site().await;
    let coord = browser(1366, 768).await;
    coord.sign_in(&site, "demo.coord").await;
    // Plan an edition a fortnight out in two regions.
    let day = qinqing::domain::forum::next_wednesday_after(
        qinqing::domain::time::today() + chrono::Duration::days(7),
    );
    coord
        .js(&format!("document.getElementById('held_on').value = '{day}'; document.querySelectorAll('input[name=region_ids]').forEach((c, i) => c.checked = i < 2); return true"))
        .await;
    type_into(&coord, "主题", "浏览器测试专场").await;
    click(&coord, "计划下一期").await;
    assert!(
        coord.path().await.starts_with("/forums/"),
        "{}",
        coord.path().await
    );
    let forum = coord.path().await;
    // A new enterprise with a bad credit code: the problem beside the field, everything
    // typed kept (the name and title too).
    type_into(&coord, "姓名", "钱志远").await;
    type_into(&coord, "职务", "总经理").await;
    coord
        .js("document.querySelector('#attend details').open = true; return true")
        .await;
    type_into(&coord, "企业名称", "湖州示例新材料有限公司").await;
    type_into(&coord, "统一社会信用代码", "91330500MA2B").await;
    click(&coord, "登记参会企业家").await;
    let kept = coord
        .js("return ['person_name', 'person_title', 'new_name', 'new_credit_code'].map(i => document.getElementById(i).value)")
        .await;
    assert_eq!(
        kept,
        serde_json::json!(["钱志远", "总经理", "湖州示例新材料有限公司", "91330500MA2B"]),
        "typed text lost"
    );
    let beside = coord
        .js("return document.getElementById('new_credit_code-error').textContent")
        .await;
    assert_eq!(beside, serde_json::json!("统一社会信用代码应为18位"));
    assert!(coord.text().await.contains("请更正以下问题"));
    coord.look("forum-refused").await;
    // Instead, an enterprise found by name: 查找 keeps the name and title typed.
    coord
        .js("document.getElementById('new_name').value = ''; document.getElementById('new_credit_code').value = ''; return true")
        .await;
    type_into(&coord, "查找企业（名称或统一社会信用代码）", "湖州").await;
    click(&coord, "查找").await;
    let kept = coord
        .js("return ['person_name', 'person_title'].map(i => document.getElementById(i).value)")
        .await;
    assert_eq!(
        kept,
        serde_json::json!(["钱志远", "总经理"]),
        "查找 lost the typed text"
    );
    let first = coord
        .js("const o = document.querySelector('#attendee_enterprise option:nth-child(2)'); return o ? o.value : ''")
        .await;
    assert!(
        !first.as_str().unwrap_or_default().is_empty(),
        "no enterprise found"
    );
    coord
        .field("企业")
        .await
        .select_by_value(first.as_str().unwrap_or_default())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    click(&coord, "登记参会企业家").await;
    assert!(coord.text().await.contains("钱志远"));
    // One registered by mistake is removed, after a confirmation.
    type_into(&coord, "姓名", "误登记").await;
    type_into(&coord, "职务", "职员").await;
    coord
        .field("企业")
        .await
        .select_by_value(first.as_str().unwrap_or_default())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    click(&coord, "登记参会企业家").await;
    let remove = coord
        .client
        .find(Locator::XPath(
            "//tr[td[normalize-space()='误登记']]//a[starts-with(normalize-space(), '移除')]",
        ))
        .await
        .unwrap_or_else(|e| panic!("no 移除 for the attendee: {e}"));
    coord.follow(remove).await;
    assert!(coord.text().await.contains("确认移除参会企业家"));
    coord.look("forum-remove").await;
    click(&coord, "确认移除").await;
    let text = coord.text().await;
    assert!(
        text.contains("已移除该参会企业家") && !text.contains("误登记"),
        "{text}"
    );
    assert!(text.contains("钱志远"));
    // The departments that sit at the forum, then an issue raised there and solved on the spot.
    coord
        .js("const s = document.getElementById('department_ids'); s.options[0].selected = true; s.options[1].selected = true; return true")
        .await;
    click(&coord, "保存参会部门").await;
    assert!(coord.text().await.contains("参会部门已保存"));
    coord
        .css("#raise_enterprise")
        .await
        .select_by_value(first.as_str().unwrap_or_default())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    type_into(&coord, "标题", "停车位不足").await;
    coord
        .css("#raise_description")
        .await
        .send_keys("园区停车位不足，员工车辆无处停放。")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    coord
        .css("#raise_category")
        .await
        .select_by_value("infrastructure")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    choose(&coord, "resolved_on_site").await;
    let dept = coord
        .js("const o = document.querySelector('#raise_department option:nth-child(2)'); return o ? o.value : ''")
        .await;
    let dept = dept.as_str().unwrap_or_default().to_owned();
    assert!(
        !dept.is_empty(),
        "no attending department to answer on the spot"
    );
    coord
        .css("#raise_department")
        .await
        .select_by_value(&dept)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    coord
        .css("#on_site_answer")
        .await
        .send_keys("现场协调划定临时停车区。")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    coord
        .follow(coord.css("#raise button[type=submit]").await)
        .await;
    // Back on the forum, to raise the next one; the issue is listed there.
    assert!(
        coord.path().await.starts_with(&forum),
        "{}",
        coord.path().await
    );
    assert!(coord.text().await.contains("问题已登记"));
    let link = coord
        .client
        .find(Locator::LinkText("停车位不足"))
        .await
        .unwrap_or_else(|e| panic!("the issue raised is not on the forum's page: {e}"));
    coord.follow(link).await;
    let id = issue_id(&coord).await;
    assert_eq!(status_of(&coord).await, "已答复");
    assert!(coord.text().await.contains("现场解决"));
    coord.goto(&site.url(&forum)).await;
    assert!(coord.text().await.contains("停车位不足"));
    assert!(
        coord.text().await.contains("现场解决 1 个"),
        "{}",
        coord.text().await
    );
    coord.look("forum").await;

    // A stale page: a leader supervises meanwhile; the coordinator's form is refused.
    let other = browser(1366, 768).await;
    other.sign_in(&site, "demo.leader").await;
    let open = other.js("return 0").await;
    assert_eq!(open, serde_json::json!(0));
    // An issue in progress both can act on.
    other
        .goto(&site.url("/issues?status=in_progress&per_page=1"))
        .await;
    other
        .follow(other.css("table.issues tbody tr td a").await)
        .await;
    let busy = issue_id(&other).await;
    coord.goto(&site.url(&format!("/issues/{busy}"))).await;
    let before = coord
        .js("return document.querySelectorAll('.timeline > li').length")
        .await;
    other
        .css("#supervise_note")
        .await
        .send_keys("请加快")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    click(&other, "督办").await;
    assert!(other.text().await.contains("已督办"));
    coord
        .css("#urge_note")
        .await
        .send_keys("请尽快答复")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    click(&coord, "催办").await;
    let text = coord.text().await;
    assert!(text.contains("刚被他人更新"), "{text}");
    let after = coord
        .js("return document.querySelectorAll('.timeline > li').length")
        .await;
    assert_eq!(
        after.as_u64(),
        before.as_u64().map(|n| n + 1),
        "only the supervision was recorded"
    );
    coord.look("issue-stale").await;

    // The other pages, at both widths.
    coord.goto(&site.url("/templates")).await;
    coord.look("templates").await;
    coord.goto(&site.url(&format!("/issues/{id}"))).await;
    coord.look("issue-on-site").await;
    let phone = browser(390, 844).await;
    phone.sign_in(&site, "demo.dept").await;
    phone.look("inbox").await;
    phone.goto(&site.url(&format!("/issues/{busy}"))).await;
    phone.look("issue-department").await;
    phone.close().await;
    let phone = browser(390, 844).await;
    phone.sign_in(&site, "demo.coord").await;
    phone.look("desk").await;
    phone.goto(&site.url(&forum)).await;
    phone.look("forum").await;
    phone.goto(&site.url("/templates")).await;
    phone.look("templates").await;
    phone.close().await;
    other.close().await;
    coord.close().await;
    site.stop().await;
}

/// Opens the page of a forum already held, as its coordinator finds it on the list.
pub(crate) async fn open_a_held_forum(b: &Browser, site: &Site) {
    b.goto(&site.url("/forums?status=held")).await;
    let held = b
        .js(
            "return Array.from(document.querySelectorAll('a')).map(a => a.getAttribute('href'))\
             .find(h => /^\\/forums\\/\\d+$/.test(h || '')) || ''",
        )
        .await;
    let held = held.as_str().unwrap_or_default().to_owned();
    assert!(!held.is_empty(), "no held forum listed");
    b.goto(&site.url(&held)).await;
}

pub(crate) async fn select_label(b: &Browser, label: &str, option: &str) {
    b.field(label)
        .await
        .select_by_label(option)
        .await
        .unwrap_or_else(|e| panic!("{label} {option}: {e}"));
}

async fn value_of(b: &Browser, id: &str) -> String {
    b.js(&format!("return document.getElementById('{id}').value"))
        .await
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// 登记问题's 查找 keeps the issue typed, and the issue is filed and assigned; an extension
/// still waiting after the due date can only be refused, and the issue stays overdue; a
/// department keeps its own template and applies it after what it typed; a held forum's
/// record is corrected.
#[actix_rt::test]
async fn a_department_answers_from_its_own_template_and_a_late_extension_is_only_refused() {
    if skip() {
        return;
    }
    let site = site().await;

    // 查找 on 登记问题 keeps what the coordinator typed; the issue is then filed and assigned.
    let coord = browser(1366, 768).await;
    coord.sign_in(&site, "demo.coord").await;
    coord.goto(&site.url("/issues/new")).await;
    type_into(&coord, "标题", "规划道路穿过企业仓库").await;
    type_into(
        &coord,
        "问题描述",
        "控规中一条规划道路穿过企业现有仓库，希望调整。",
    )
    .await;
    // Enter in the search box finds (and the page comes back with what was typed).
    coord.js("window.__left = true; return true").await;
    type_into(
        &coord,
        "查找企业（名称或统一社会信用代码）",
        &format!("德清{}", Key::Enter),
    )
    .await;
    coord.wait_reload().await;
    assert_eq!(value_of(&coord, "title").await, "规划道路穿过企业仓库");
    assert_eq!(
        value_of(&coord, "description").await,
        "控规中一条规划道路穿过企业现有仓库，希望调整。"
    );
    assert!(
        coord.text().await.contains("找到 "),
        "{}",
        coord.text().await
    );
    coord.look("new-issue-found").await;
    coord
        .js("document.getElementById('enterprise_id').selectedIndex = 1; return true")
        .await;
    select_label(&coord, "来源", "走访").await;
    select_label(&coord, "问题类别", "用地").await;
    // Enter in 标题 sends the form, as 提交 does, not 查找.
    coord.js("window.__left = true; return true").await;
    type_into(&coord, "标题", &Key::Enter.to_string()).await;
    coord.wait_reload().await;
    let id = issue_id(&coord).await;
    let issue = format!("/issues/{id}");
    select_label(&coord, "主办部门", "市自然资源和规划局").await;
    click(&coord, "交办").await;
    assert_eq!(status_of(&coord).await, "已交办");

    // The department, on a phone, signs for it and asks for more time.
    let dept = browser(390, 844).await;
    dept.sign_in(&site, "demo.dept").await;
    dept.goto(&site.url(&issue)).await;
    click(&dept, "签收").await;
    assert_eq!(status_of(&dept).await, "办理中");
    let later = (qinqing::domain::time::today() + chrono::Duration::days(30)).to_string();
    dept.js(&format!(
        "document.getElementById('new_due_on').value = '{later}'; return true"
    ))
    .await;
    type_into(&dept, "延期理由", "需报省厅审批").await;
    click(&dept, "申请延期").await;
    assert!(
        dept.text().await.contains("需报省厅审批"),
        "{}",
        dept.text().await
    );

    // The due date passes while the request waits: it can only be refused.
    let mut conn = qinqing::db::Backend::Sqlite(site.file.to_string_lossy().into_owned())
        .connect()
        .unwrap_or_else(|e| panic!("{e}"));
    let past = qinqing::domain::time::today() - chrono::Duration::days(2);
    crate::common::exec(
        &mut conn,
        &format!("UPDATE issues SET due_on = '{past}' WHERE id = {id}"),
    );
    coord.goto(&site.url(&issue)).await;
    let text = coord.text().await;
    assert!(text.contains("不同意延期"), "{text}");
    assert!(
        coord
            .client
            .find(Locator::XPath("//button[normalize-space()='同意延期']"))
            .await
            .is_err(),
        "同意延期 is offered after the due date"
    );
    coord.look("extension-past-due").await;
    click(&coord, "不同意延期").await;
    let text = coord.text().await;
    assert!(
        text.contains("延期申请已审批") && text.contains("已超期"),
        "the request is decided and the issue stays overdue: {text}"
    );
    assert!(
        coord
            .client
            .find(Locator::XPath("//button[normalize-space()='不同意延期']"))
            .await
            .is_err(),
        "the request is still waiting"
    );

    // The department writes its own template, then corrects it.
    dept.goto(&site.url("/templates")).await;
    select_label(&dept, "问题类别", "用地").await;
    select_label(&dept, "答复结果", "已解决").await;
    type_into(&dept, "名称", "本部门现场协调答复").await;
    type_into(&dept, "答复内容", "已安排专人现场协调。").await;
    click(&dept, "保存模板").await;
    assert!(
        dept.css("#saved")
            .await
            .text()
            .await
            .unwrap_or_default()
            .contains("本部门现场协调答复"),
        "{}",
        dept.text().await
    );
    click(&dept, "修改“本部门现场协调答复”").await;
    assert_eq!(
        value_of(&dept, "template_text").await,
        "已安排专人现场协调。"
    );
    type_into(&dept, "答复内容", "具体时间另行电话告知。").await;
    click(&dept, "保存修改").await;
    let text = dept.text().await;
    assert!(
        text.contains("已安排专人现场协调。具体时间另行电话告知。"),
        "{text}"
    );
    dept.look("templates-department").await;

    // Applying it keeps the answer typed so far, the template after it.
    dept.goto(&site.url(&issue)).await;
    type_into(&dept, "答复内容", "经核实，").await;
    select_label(&dept, "答复模板", "本部门现场协调答复").await;
    click(&dept, "套用模板").await;
    // The answer form again, nothing sent.
    assert_eq!(dept.path().await, format!("{issue}/answer"));
    assert_eq!(status_of(&dept).await, "办理中");
    let answer = value_of(&dept, "answer_text").await;
    assert!(
        answer.starts_with("经核实，")
            && answer.contains("已安排专人现场协调。具体时间另行电话告知。"),
        "{answer}"
    );
    assert_eq!(
        dept.js("return document.getElementById('outcome_resolved').checked")
            .await,
        serde_json::json!(true)
    );
    dept.look("issue-template-applied").await;
    click(&dept, "答复").await;
    assert_eq!(status_of(&dept).await, "已答复");
    dept.close().await;

    // A held forum's record is corrected, and the page says it was logged.
    open_a_held_forum(&coord, &site).await;
    assert!(coord.text().await.contains("更正会议记录"));
    coord
        .css("#minutes")
        .await
        .clear()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    type_into(
        &coord,
        "会议纪要",
        "会上交办问题已逐一登记，停车问题会后协调。",
    )
    .await;
    click(&coord, "保存更正").await;
    let text = coord.text().await;
    assert!(
        text.contains("会议记录已更正") && text.contains("停车问题会后协调"),
        "{text}"
    );
    coord.close().await;
    site.stop().await;
}

/// The texts of the marks `css` finds, once the page shows any (within five seconds).
async fn marks_on(b: &Browser, css: &str) -> Vec<String> {
    let script =
        format!("return Array.from(document.querySelectorAll('{css}')).map(m => m.textContent)");
    let mut marks = Vec::new();
    for _ in 0..50 {
        marks = b
            .js(&script)
            .await
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|m| m.as_str().map(str::to_owned))
            .collect();
        if !marks.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    marks
}

/// Search marks the words it found; an issue page shows 相似问题 with their 相似度, the 交办
/// form its 建议主办部门, and 合并 closes a repeat that then shows what it follows.
#[actix_rt::test]
async fn a_coordinator_searches_finds_the_repeat_and_merges_it() {
    if skip() {
        return;
    }
    let site = site().await;
    let coord = browser(1366, 768).await;
    coord.sign_in(&site, "demo.coord").await;
    coord.goto(&site.url("/issues")).await;
    type_into(&coord, "关键词", &format!("贷款{}", Key::Enter)).await;
    coord.wait_reload().await;
    // Every mark is the word searched for, never a character of it.
    let marks = marks_on(&coord, "table.issues mark").await;
    assert!(!marks.is_empty(), "{}", coord.text().await);
    assert!(marks.iter().all(|m| m == "贷款"), "{marks:?}");
    assert_eq!(
        value_of(&coord, "sort").await,
        "",
        "relevance is the order of a search"
    );
    coord.look("search-loan").await;

    // The coordinator registers the same problem again.
    coord.goto(&site.url("/issues/new")).await;
    type_into(&coord, "标题", "技改项目缺少中长期贷款").await;
    type_into(
        &coord,
        "问题描述",
        "智能化技改项目总投资300万元，银行只提供一年期贷款，希望对接中长期技改专项贷款。",
    )
    .await;
    // While it is typed, the issues already registered like it are shown.
    let mut shown = String::new();
    for _ in 0..50 {
        shown = coord
            .js("return document.getElementById('similar_issues').textContent")
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned();
        if shown.contains("相似度") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(
        shown.contains("相似问题") && shown.contains("中长期贷款"),
        "{shown}"
    );
    coord.look("registering-similar").await;
    coord
        .js("document.getElementById('enterprise_id').selectedIndex = 1; return true")
        .await;
    select_label(&coord, "来源", "走访").await;
    select_label(&coord, "问题类别", "融资").await;
    click(&coord, "提交").await;
    let id = issue_id(&coord).await;
    let text = coord.text().await;
    assert!(
        text.contains("相似问题") && text.contains("相似度"),
        "{text}"
    );
    assert!(text.contains("建议主办部门"), "{text}");
    coord.look("similar-and-suggested").await;
    // The first similar issue is an earlier one: the new issue is merged into it.
    let original = coord
        .js("return document.querySelector('ul.similar a').getAttribute('href')")
        .await;
    let original: i64 = original
        .as_str()
        .and_then(|h| h.trim_start_matches("/issues/").parse().ok())
        .unwrap_or_else(|| panic!("no similar issue linked: {original}"));
    assert!(original < id);
    type_into(&coord, "合并至问题编号", &id.to_string()).await;
    click(&coord, "合并").await;
    // Into itself: refused, what was typed kept.
    assert!(
        coord.text().await.contains("未能完成"),
        "{}",
        coord.text().await
    );
    assert_eq!(value_of(&coord, "merge_into").await, id.to_string());
    coord
        .js("document.getElementById('merge_into').value = ''; return true")
        .await;
    type_into(&coord, "合并至问题编号", &original.to_string()).await;
    click(&coord, "合并").await;
    assert_eq!(status_of(&coord).await, "已办结");
    let text = coord.text().await;
    assert!(
        text.contains("已合并办理") && text.contains(&format!("编号 {original}")),
        "{text}"
    );
    coord.look("merged").await;

    let phone = browser(390, 844).await;
    phone.sign_in(&site, "demo.coord").await;
    phone.goto(&site.url(&format!("/issues/{original}"))).await;
    phone.look("similar-phone").await;
    coord.close().await;
    phone.close().await;
    site.stop().await;
}

/// 政策问答: an entrepreneur typing a problem already answered is shown the answer while
/// typing and after 下一步, what was typed kept; everyone searches them on 政策问答.
#[actix_rt::test]
async fn an_entrepreneur_sees_the_answer_already_given_before_filing_again() {
    if skip() {
        return;
    }
    let site = site().await;
    let ent = browser(390, 844).await;
    ent.sign_in(&site, "demo.ent").await;
    ent.goto(&site.url("/issues/new")).await;
    type_into(&ent, "标题", "流动资金贷款到期续贷难").await;
    // While typing: the closest answers appear under the form.
    let mut shown = String::new();
    for _ in 0..50 {
        shown = ent
            .js("return document.getElementById('similar_answers').textContent")
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned();
        if shown.contains("类似问题已有答复") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(shown.contains("类似问题已有答复"), "{shown}");
    assert!(shown.contains("续贷"), "{shown}");
    // 下一步, as without script: the page again, what was typed kept, the answers listed.
    click(&ent, "下一步：看看类似问题").await;
    assert_eq!(value_of(&ent, "title").await, "流动资金贷款到期续贷难");
    assert!(ent.text().await.contains("类似问题已有答复"));
    ent.look("new-issue-answers").await;
    // 政策问答: a search marks the words found.
    ent.goto(&site.url("/knowledge")).await;
    type_into(&ent, "关键词", &format!("续贷{}", Key::Enter)).await;
    ent.wait_reload().await;
    let marks = marks_on(&ent, "article.qa mark").await;
    assert!(
        !marks.is_empty() && marks.iter().all(|m| m == "续贷"),
        "{marks:?}"
    );
    ent.look("knowledge-search").await;
    ent.close().await;
    site.stop().await;
}

/// 共性问题: a coordinator goes from an issue's 相似问题 to a new 共性问题 (every problem at
/// once first, what was typed kept), puts one more issue in it from that issue's page; the
/// lead department answers it from a phone; the grouped issue shows the answer.
#[actix_rt::test]
async fn a_coordinator_groups_a_repeated_problem_and_the_department_answers_it_once() {
    if skip() {
        return;
    }
    let site = site().await;
    let coord = browser(1366, 768).await;
    coord.sign_in(&site, "demo.coord").await;
    coord
        .goto(&site.url("/issues?q=%E7%94%A8%E5%9C%B0%E6%8C%87%E6%A0%87"))
        .await;
    let found = coord
        .js("return [...document.querySelectorAll('table.issues a[href^=\"/issues/\"]')].map(a => a.getAttribute('href'))")
        .await;
    let found: Vec<String> = found
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|h| h.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    // The first that is in no group and not merged: its page offers to group it.
    let mut offered = false;
    for href in found.iter().take(10) {
        coord.goto(&site.url(href)).await;
        if coord
            .text()
            .await
            .contains("将本问题和以上相似问题归为共性问题")
        {
            offered = true;
            break;
        }
    }
    assert!(offered, "no issue found offers to be grouped: {found:?}");
    let id = issue_id(&coord).await;
    let similar: Vec<i64> = coord
        .js("return [...document.querySelectorAll('ul.similar a')].map(a => a.getAttribute('href'))")
        .await
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|h| h.as_str()?.trim_start_matches("/issues/").parse().ok())
                .collect()
        })
        .unwrap_or_default();
    assert!(similar.len() >= 2, "{}", coord.text().await);
    click(&coord, "将本问题和以上相似问题归为共性问题").await;
    assert!(value_of(&coord, "issue_ids")
        .await
        .starts_with(&format!("{id}, ")));
    // Nothing chosen and a number mistyped: every problem at once, the typing kept.
    coord
        .js("document.getElementById('issue_ids').value = ''; return true")
        .await;
    type_into(&coord, "问题编号", &format!("{id}, 12x")).await;
    click(&coord, "新建").await;
    let text = coord.text().await;
    for words in ["请填写问题标题", "请选择主办部门", "请填写说明"] {
        assert!(text.contains(words), "{words}: {text}");
    }
    assert_eq!(value_of(&coord, "issue_ids").await, format!("{id}, 12x"));
    coord.look("common-new-errors").await;
    type_into(&coord, "标题", "新增用地指标落实难").await;
    type_into(&coord, "说明", "多地企业反映新增建设用地指标迟迟不能落实。").await;
    select_label(&coord, "主办部门", "市自然资源和规划局").await;
    coord
        .js("document.getElementById('issue_ids').value = ''; return true")
        .await;
    type_into(&coord, "问题编号", &format!("{id}，{}", similar[0])).await;
    click(&coord, "新建").await;
    let path = coord.path().await;
    let group: i64 = path
        .trim_start_matches("/common/")
        .split('?')
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not a group's page: {path}"));
    assert!(coord.text().await.contains("已新建共性问题"));
    // One more, from that issue's own page.
    coord
        .goto(&site.url(&format!("/issues/{}", similar[1])))
        .await;
    select_label(
        &coord,
        "共性问题",
        &format!("新增用地指标落实难（{group}）"),
    )
    .await;
    click(&coord, "归入").await;
    let text = coord.text().await;
    assert!(
        text.contains("已归入共性问题") && text.contains("主办部门尚未统一答复"),
        "{text}"
    );

    // The lead department answers from a phone: once, an empty answer refused beside it.
    let dept = browser(390, 844).await;
    dept.sign_in(&site, "demo.dept").await;
    dept.goto(&site.url("/common")).await;
    assert!(dept.text().await.contains("新增用地指标落实难"));
    dept.goto(&site.url(&format!("/common/{group}"))).await;
    click(&dept, "答复").await;
    assert!(
        dept.text().await.contains("请填写答复内容"),
        "{}",
        dept.text().await
    );
    let policy = "新增建设用地指标按季度统筹下达，重点项目优先保障。";
    type_into(&dept, "答复内容", policy).await;
    click(&dept, "答复").await;
    let text = dept.text().await;
    assert!(text.contains("已答复") && text.contains(policy), "{text}");
    assert!(text.contains("3 个"), "{text}");
    dept.look("common-answered-phone").await;

    // The grouped issue shows the policy answer; the list puts the group among the others.
    coord.goto(&site.url(&format!("/issues/{id}"))).await;
    let text = coord.text().await;
    assert!(
        text.contains("新增用地指标落实难") && text.contains(policy),
        "{text}"
    );
    coord.look("issue-in-common").await;
    coord.goto(&site.url("/common")).await;
    coord.look("common-list").await;
    coord.close().await;
    dept.close().await;
    site.stop().await;
}
