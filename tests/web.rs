//! The web pages in a real browser: headless Chromium over the demo data set, as a leader,
//! a district leader, an enterprise user, and with the keyboard alone. Screenshots at
//! 1366×768 and 390×844 are left under `target/screenshots/`.

mod browser;

use browser::*;
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
    link.click().await.unwrap_or_else(|e| panic!("{e}"));
    assert!(b.path().await.starts_with("/issues?"), "{}", b.path().await);
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
    b.screenshot("login").await;
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
    b.control("登录")
        .await
        .click()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(b.path().await, "/dashboard");

    // 年度 2022 through the period selector.
    b.field("年份")
        .await
        .select_by_value("2022")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    b.control("查看")
        .await
        .click()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
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
    b.screenshot("dashboard-2022").await;

    // Every issue number is the total of the list it links to.
    for xpath in [
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
    b.client
        .find(Locator::XPath(&card_link("收集问题")))
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        b.unlabelled().await.is_empty(),
        "{:?}",
        b.unlabelled().await
    );
    b.screenshot("issues").await;
    b.css("table.issues tbody tr td a")
        .await
        .click()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let text = b.text().await;
    for words in ["办理过程", "提交", "问题描述"] {
        assert!(text.contains(words), "{words} missing:\n{text}");
    }
    b.screenshot("issue").await;

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
        text.contains("年度报告") && text.contains("工商业联合会"),
        "{text}"
    );
    b.screenshot("report-2022").await;
    b.goto(&site.url("/reports/2022/9")).await;
    assert!(b.text().await.contains("2022年9月，联动召开恳谈会"));
    b.screenshot("report-2022-09").await;
    b.goto(&site.url("/account")).await;
    assert!(
        b.unlabelled().await.is_empty(),
        "{:?}",
        b.unlabelled().await
    );
    b.screenshot("account").await;

    // The same pages on a phone.
    let phone = browser(390, 844).await;
    phone.goto(&site.url("/login")).await;
    phone.screenshot("login").await;
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
    phone.screenshot("dashboard-2022").await;
    phone
        .goto(&site.url("/issues?measure=collected&from=2022-01-01&to=2022-12-31"))
        .await;
    phone.screenshot("issues").await;
    phone.goto(&site.url("/reports/2022")).await;
    phone.screenshot("report-2022").await;
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
    b.screenshot("dashboard-changxing").await;
    b.control("退出")
        .await
        .click()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
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
    b.screenshot("issues-enterprise").await;
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
    assert_eq!(b.path().await, "/dashboard");
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
