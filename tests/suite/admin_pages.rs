//! 系统管理 in a real browser, as `demo.admin` and `demo.coord` would use it, without the
//! API: accounts, departments, enterprises, regions, the calendar, channels, 批量导入 and
//! 操作日志; then the coordinator's 计划下一期 and 取消本期. Screenshots under
//! `target/screenshots/admin-*`.

use crate::browser::*;
use crate::common::receiver::{Answer, Receiver};

async fn type_in(b: &Browser, id: &str, text: &str) {
    let e = b.css(&format!("#{id}")).await;
    e.clear().await.unwrap_or_else(|e| panic!("{id}: {e}"));
    e.send_keys(text)
        .await
        .unwrap_or_else(|e| panic!("{id}: {e}"));
}

/// Chooses the option of a select by its value.
async fn select(b: &Browser, id: &str, value: &str) {
    b.css(&format!("#{id} option[value='{value}']"))
        .await
        .click()
        .await
        .unwrap_or_else(|e| panic!("{id}={value}: {e}"));
}

async fn click(b: &Browser, words: &str) {
    b.follow(b.control(words).await).await;
}

/// The page has no unlabelled control, nothing wider than the window, and nothing axe-core
/// finds serious.
async fn sound(b: &Browser, name: &str) {
    assert_eq!(b.unlabelled().await, Vec::<String>::new(), "{name}");
    assert_eq!(b.axe().await, Vec::<String>::new(), "{name}");
    let wide = b
        .js("return document.documentElement.scrollWidth <= window.innerWidth")
        .await;
    assert_eq!(
        wide,
        serde_json::json!(true),
        "{name} is wider than the window"
    );
    b.screenshot(&format!("admin-{name}")).await;
}

/// Opens a `<details>` by the words of its summary.
async fn open_details(b: &Browser, words: &str) {
    b.client
        .find(fantoccini::Locator::XPath(&format!(
            "//summary[normalize-space()='{words}']"
        )))
        .await
        .unwrap_or_else(|e| panic!("{words}: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("{words}: {e}"));
}

fn sqlite(site: &Site) -> qinqing::db::DbConn {
    qinqing::db::Backend::Sqlite(site.file.to_string_lossy().into_owned())
        .connect()
        .unwrap_or_else(|e| panic!("{e}"))
}

#[actix_rt::test]
async fn an_administrator_keeps_the_programme_from_the_pages_alone() {
    if skip() {
        return;
    }
    let hook = Receiver::start();
    hook.script(&[Answer::Status(200, "ok")]);
    let notify = qinqing::config::NotifyConfig {
        channel_allow: qinqing::domain::notice::Allow::parse_list("127.0.0.1")
            .unwrap_or_else(|e| panic!("{e}")),
        ..Default::default()
    };
    let site = site_with(&notify).await;
    let b = browser(1366, 900).await;
    b.sign_in(&site, "demo.admin").await;
    assert_eq!(b.path().await, "/admin");
    let home = b.text().await;
    for words in [
        "用户管理",
        "部门管理",
        "企业管理",
        "节假日",
        "消息渠道",
        "批量导入",
        "操作日志",
    ] {
        assert!(home.contains(words), "{words} on the home: {home}");
    }
    sound(&b, "home").await;

    // 新建用户: refused first (every problem at once, typed text kept), then made.
    b.goto(&site.url("/admin/users/new")).await;
    type_in(&b, "username", "Zhang Wei").await;
    type_in(&b, "display_name", "张伟").await;
    click(&b, "创建用户").await;
    let text = b.text().await;
    assert!(text.contains("请更正以下问题"), "{text}");
    assert!(text.contains("请选择角色"), "{text}");
    assert!(
        text.contains("用户名只能由小写字母"),
        "every problem at once: {text}"
    );
    let kept = b
        .js("return document.getElementById('display_name').value")
        .await;
    assert_eq!(kept, serde_json::json!("张伟"));
    sound(&b, "user-refused").await;
    type_in(&b, "username", "zhang.wei").await;
    select(&b, "role", "coordinator").await;
    select(&b, "region_id", "4").await;
    click(&b, "创建用户").await;
    let once = b
        .css("#one-time-password")
        .await
        .text()
        .await
        .unwrap_or_default();
    assert!(once.len() >= 12, "{once}");
    sound(&b, "user-created").await;
    let action = b
        .js("return document.querySelector(\"form[action$='/password']\").getAttribute('action')")
        .await;
    let user_page = action
        .as_str()
        .unwrap_or_default()
        .trim_end_matches("/password")
        .to_owned();
    // 重置密码 gives another one-time password.
    click(&b, "重置密码").await;
    let again = b
        .css("#one-time-password")
        .await
        .text()
        .await
        .unwrap_or_default();
    assert_ne!(once, again);
    // The new coordinator must choose a password before anything else.
    let newcomer = browser(390, 844).await;
    newcomer.goto(&site.url("/login")).await;
    newcomer
        .field("用户名")
        .await
        .send_keys("zhang.wei")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    newcomer
        .field("密码")
        .await
        .send_keys(&again)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    newcomer.follow(newcomer.control("登录").await).await;
    newcomer.wait_path("/account").await;
    assert!(newcomer.text().await.contains("一次性密码"));
    newcomer.goto(&site.url("/issues")).await;
    newcomer.wait_path("/account").await;
    newcomer.screenshot("admin-one-time-password").await;
    newcomer.close().await;
    // 停用.
    b.goto(&site.url(&user_page)).await;
    b.css("#active")
        .await
        .click()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    click(&b, "保存").await;
    assert!(b.text().await.contains("已保存"));

    // 部门管理: rename one, keeping its former name; 负责类别.
    b.goto(&site.url("/admin/departments")).await;
    sound(&b, "departments").await;
    let first = b.css("table tbody tr td a").await;
    b.follow(first).await;
    let old_name = b.js("return document.getElementById('name').value").await;
    let old_name = old_name.as_str().unwrap_or_default().to_owned();
    type_in(&b, "name", &format!("{old_name}（新）")).await;
    b.css("input[name='categories'][value='financing']")
        .await
        .click()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    click(&b, "保存").await;
    let text = b.text().await;
    assert!(text.contains("已保存"), "{text}");
    assert!(
        text.contains(&format!("{old_name}（")),
        "former name shown: {text}"
    );
    sound(&b, "department").await;

    // 企业管理: a duplicate registered, then 合并 into the real record.
    b.goto(&site.url("/admin/enterprises")).await;
    sound(&b, "enterprises").await;
    let mut conn = sqlite(&site);
    let code: String = {
        #[derive(diesel::QueryableByName)]
        struct Code {
            #[diesel(sql_type = diesel::sql_types::Text)]
            credit_code: String,
        }
        use diesel::RunQueryDsl;
        diesel::sql_query("SELECT credit_code FROM enterprises ORDER BY id LIMIT 1")
            .load::<Code>(&mut conn)
            .unwrap_or_default()
            .pop()
            .map(|c| c.credit_code)
            .unwrap_or_default()
    };
    b.goto(&site.url("/admin/enterprises/new")).await;
    type_in(&b, "name", "重复登记的企业").await;
    type_in(&b, "credit_code", &crate::common::credit_code(4242)).await;
    select(&b, "region_id", "4").await;
    type_in(&b, "industry", "制造业").await;
    select(&b, "size", "small").await;
    click(&b, "创建企业").await;
    assert!(b.text().await.contains("已创建"));
    type_in(&b, "into_code", &code).await;
    click(&b, "合并").await;
    assert!(
        b.text().await.contains("请勾选确认"),
        "the merge is confirmed first"
    );
    type_in(&b, "into_code", &code).await;
    b.css("#confirm")
        .await
        .click()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    click(&b, "合并").await;
    assert!(b.text().await.contains("已合并"), "{}", b.text().await);
    sound(&b, "enterprise-merged").await;

    // 区域.
    b.goto(&site.url("/admin/regions")).await;
    type_in(&b, "name", "莫干山高新区").await;
    type_in(&b, "code", "330597").await;
    select(&b, "parent_id", "1").await;
    click(&b, "创建区域").await;
    assert!(b.text().await.contains("已创建"));
    sound(&b, "region").await;

    // 节假日: a bad line is named beside the field, the text kept; then saved.
    b.goto(&site.url("/admin/calendar/2024")).await;
    assert!(b.text().await.contains("系统内置的国务院办公厅放假安排"));
    b.goto(&site.url("/admin/calendar/2027")).await;
    assert!(b.text().await.contains("尚未录入"));
    type_in(&b, "holidays", "2027-01-01\n2027-13-01").await;
    click(&b, "保存").await;
    assert!(
        b.text().await.contains("第2行“2027-13-01”不是日期"),
        "{}",
        b.text().await
    );
    let kept = b
        .js("return document.getElementById('holidays').value")
        .await;
    assert_eq!(kept, serde_json::json!("2027-01-01\n2027-13-01"));
    sound(&b, "calendar-refused").await;
    type_in(&b, "holidays", "2027-01-01\n2027-02-06").await;
    type_in(&b, "workdays", "2027-02-14").await;
    click(&b, "保存").await;
    assert!(b.text().await.contains("已保存"));

    // 消息渠道: made, tested, and a failed delivery sent again.
    b.goto(&site.url("/admin/channels/new")).await;
    select(&b, "kind", "webhook").await;
    type_in(&b, "target", &hook.url("/hook")).await;
    click(&b, "创建渠道").await;
    let text = b.text().await;
    assert!(
        text.contains("请选择推送哪个部门或哪个区域的提醒"),
        "{text}"
    );
    assert!(
        text.contains("Webhook 须设置至少 16 个字符的签名密钥"),
        "{text}"
    );
    select(&b, "region_id", "1").await;
    type_in(&b, "secret", "a secret of sixteen+").await;
    click(&b, "创建渠道").await;
    assert!(b.text().await.contains("已创建"), "{}", b.text().await);
    click(&b, "发送测试消息").await;
    assert!(
        b.text().await.contains("测试消息已送达"),
        "{}",
        b.text().await
    );
    assert_eq!(hook.wait_for(1, std::time::Duration::from_secs(5)).len(), 1);
    sound(&b, "channel").await;
    crate::common::exec(
        &mut conn,
        "INSERT INTO deliveries (notice_id, channel_id, status, attempts, next_attempt_at, last_error, created_at) \
         SELECT (SELECT MAX(id) FROM notices), MAX(id), 'failed', 8, CURRENT_TIMESTAMP, '连接超时', CURRENT_TIMESTAMP FROM channels",
    );
    b.goto(&site.url("/admin")).await;
    assert!(
        b.text().await.contains("投递失败的消息：1"),
        "{}",
        b.text().await
    );
    b.goto(&site.url("/admin/channels")).await;
    assert!(b.text().await.contains("连接超时"));
    sound(&b, "channels").await;
    click(&b, "重新投递").await;
    assert!(b.text().await.contains("已重新排入发送队列"));

    // 批量导入: 预检, then 导入, from a CSV as the Federation keeps it.
    let dir = std::env::temp_dir().join(format!("qq-import-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let csv = dir.join("会员企业.csv");
    let rows: Vec<String> = (0..3)
        .map(|i| {
            format!(
                "新会员企业{i}有限公司,{},德清县,制造业,小型,王经理,0572-8000{i:03}",
                crate::common::credit_code(9000 + i)
            )
        })
        .collect();
    std::fs::write(
        &csv,
        format!(
            "企业名称,统一社会信用代码,所属区县,行业,规模,联系人,联系电话\n{}\n",
            rows.join("\n")
        ),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let path = csv.to_string_lossy().into_owned();
    b.goto(&site.url("/admin/import")).await;
    b.css("#file")
        .await
        .send_keys(&path)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    click(&b, "预检").await;
    assert_eq!(
        b.css("#created").await.text().await.unwrap_or_default(),
        "3"
    );
    assert!(b.text().await.contains("预检结果"));
    sound(&b, "import-dry-run").await;
    b.css("#file")
        .await
        .send_keys(&path)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    click(&b, "导入").await;
    assert!(b.text().await.contains("导入完成"), "{}", b.text().await);
    assert_eq!(
        b.css("#created").await.text().await.unwrap_or_default(),
        "3"
    );
    let _ = std::fs::remove_dir_all(&dir);

    // 操作日志 holds a line for each.
    b.goto(&site.url("/admin/audit")).await;
    let log = b.text().await;
    for words in [
        "用户",
        "部门",
        "企业",
        "区域",
        "节假日",
        "消息渠道",
        "批量导入",
        "合并",
        "发送测试消息",
        "重新投递",
    ] {
        assert!(log.contains(words), "{words} in the log");
    }
    sound(&b, "audit").await;
    // On a phone, the management pages fit.
    let phone = browser(390, 844).await;
    phone.sign_in(&site, "demo.admin").await;
    for p in ["/admin", "/admin/users", "/admin/channels", "/admin/import"] {
        phone.goto(&site.url(p)).await;
        let fits = phone
            .js("return document.documentElement.scrollWidth <= window.innerWidth")
            .await;
        assert_eq!(fits, serde_json::json!(true), "{p} on a phone");
    }
    phone.screenshot("admin-users-phone").await;
    phone.close().await;
    b.close().await;

    // The coordinator: 计划下一期 proposes the first Wednesday after the latest 期, and the
    // latest 期 is cancelled whole.
    let c = browser(1366, 900).await;
    c.sign_in(&site, "demo.coord").await;
    c.goto(&site.url("/desk")).await;
    let proposed = c
        .js("return document.getElementById('held_on').value")
        .await;
    let latest = {
        #[derive(diesel::QueryableByName)]
        struct Day {
            #[diesel(sql_type = diesel::sql_types::Date)]
            day: chrono::NaiveDate,
        }
        use diesel::RunQueryDsl;
        diesel::sql_query("SELECT MAX(held_on) AS day FROM editions")
            .load::<Day>(&mut conn)
            .unwrap_or_default()
            .pop()
            .map(|d| d.day)
            .unwrap_or_default()
    };
    let today = qinqing::domain::time::today();
    let want = qinqing::domain::forum::next_wednesday_after(latest.max(today));
    assert_eq!(
        proposed,
        serde_json::json!(want.to_string()),
        "latest {latest}"
    );
    if latest >= today {
        // 改期 to the Thursday after, with the reason a day other than Wednesday needs.
        let thursday = latest + chrono::Duration::days(1);
        open_details(&c, "改期").await;
        c.js(&format!(
            "document.getElementById('move_held_on').value = '{thursday}'; return true"
        ))
        .await;
        click(&c, "改期").await;
        assert!(
            c.text().await.contains("不在周三召开时，请填写调整原因"),
            "{}",
            c.text().await
        );
        open_details(&c, "改期").await;
        c.js(&format!(
            "document.getElementById('move_held_on').value = '{thursday}'; return true"
        ))
        .await;
        type_in(&c, "move_reason", "元旦调休").await;
        click(&c, "改期").await;
        assert_eq!(
            crate::common::count(
                &mut conn,
                &format!("SELECT COUNT(*) AS n FROM editions WHERE held_on = '{thursday}' AND reschedule_reason = '元旦调休'")
            ),
            1
        );
        open_details(&c, "取消本期").await;
        type_in(&c, "cancel_reason_edition", "台风预警，本周暂停").await;
        click(&c, "取消本期").await;
        assert_eq!(
            crate::common::count(
                &mut conn,
                "SELECT COUNT(*) AS n FROM editions WHERE cancel_reason IS NOT NULL"
            ),
            1
        );
        let after = c
            .js("return document.getElementById('held_on').value")
            .await;
        assert_eq!(
            after,
            serde_json::json!(qinqing::domain::forum::next_wednesday_after(today).to_string())
        );
    }
    c.screenshot("admin-desk-plan").await;
    c.close().await;
    site.stop().await;
}
