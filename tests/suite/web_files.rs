//! 附件 in a real browser: an enterprise files from a 390 px phone with a photo (拍照上传),
//! the department answers with a PDF 答复函 (a program renamed .pdf refused beside the form,
//! with what was typed), the enterprise downloads it and another enterprise gets nothing;
//! a wrong photo is withdrawn with a reason; a forum keeps its minutes.

use crate::browser::*;
use crate::web::{choose, click, issue_id, open_a_held_forum, select_label, status_of, type_into};
use fantoccini::Locator;

const PHOTO: &[u8] = include_bytes!("../fixtures/road.png");
const LETTER: &[u8] =
    b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n";
const PROGRAM: &[u8] =
    b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xffThis program cannot be run in DOS mode.";

/// A file on disk for a file input, under the test's own directory.
fn on_disk(dir: &std::path::Path, name: &str, bytes: &[u8]) -> String {
    let _ = std::fs::create_dir_all(dir);
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap_or_else(|e| panic!("{e}"));
    path.to_string_lossy().into_owned()
}

async fn attach(b: &Browser, css: &str, path: &str) {
    b.css(css)
        .await
        .send_keys(path)
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"));
}

/// A fetch from the page, as the signed-in user: status and Content-Disposition.
async fn fetch(b: &Browser, path: &str) -> (i64, String) {
    let v = b
        .client
        .execute_async(
            &format!(
                "const done = arguments[arguments.length - 1]; \
                 fetch({path:?}).then(r => done([r.status, r.headers.get('content-disposition') || '']))"
            ),
            vec![],
        )
        .await
        .unwrap_or_else(|e| panic!("{path}: {e}"));
    (
        v[0].as_i64().unwrap_or_default(),
        v[1].as_str().unwrap_or_default().to_owned(),
    )
}

async fn displayed(b: &Browser, css: &str) -> bool {
    b.css(css).await.is_displayed().await.unwrap_or(false)
}

#[actix_rt::test]
async fn a_photo_from_a_phone_a_pdf_answer_and_a_download_in_scope_only() {
    if skip() {
        return;
    }
    let site = site().await;
    let dir = std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/target/web-tests"))
        .join(format!("files-{}", std::process::id()));
    let photo = on_disk(&dir, "堵路照片.png", PHOTO);
    let letter = on_disk(&dir, "关于道路围挡的答复函.pdf", LETTER);
    let program = on_disk(&dir, "答复函.pdf", PROGRAM);
    let title = "厂区门口道路被施工围挡堵住（附件测试）";

    // The enterprise files from its phone, the photo taken with 拍照上传.
    let ent = browser(390, 844).await;
    ent.sign_in(&site, "demo.ent").await;
    ent.goto(&site.url("/issues/new")).await;
    assert!(
        displayed(&ent, "#file_photo").await,
        "拍照上传 not offered on a phone"
    );
    type_into(&ent, "标题", title).await;
    type_into(
        &ent,
        "问题描述",
        "施工围挡占用厂区门口道路，货车无法进出，已影响发货。",
    )
    .await;
    ent.field("问题类别")
        .await
        .select_by_value("infrastructure")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    attach(&ent, "#file_photo", &photo).await;
    click(&ent, "提交").await;
    let id = issue_id(&ent).await;
    assert!(
        ent.text().await.contains("问题已提交"),
        "{}",
        ent.text().await
    );
    // The photo is on the page, scaled to the phone's column, with its name, size and sender.
    let shown = ent
        .js("const i = document.querySelector('.files img.thumb'); \
             return i ? [i.naturalWidth, Math.round(i.getBoundingClientRect().width)] : [0, 0]")
        .await;
    assert_eq!(
        shown[0],
        serde_json::json!(480),
        "the photo did not load: {shown}"
    );
    assert!(shown[1].as_i64().unwrap_or(999) <= 390, "{shown}");
    let files = ent.css(".files").await.text().await.unwrap_or_default();
    assert!(
        files.contains("堵路照片.png") && files.contains("KB") && files.contains("下载"),
        "{files}"
    );
    ent.look("issue-filed-with-photo").await;

    // The coordinator assigns it.
    let coord = browser(1366, 768).await;
    coord.sign_in(&site, "demo.coord").await;
    coord.goto(&site.url(&format!("/issues/{id}"))).await;
    select_label(&coord, "主办部门", "市自然资源和规划局").await;
    click(&coord, "交办").await;
    assert_eq!(status_of(&coord).await, "已交办");

    // The department signs and answers with its 答复函. First with a program renamed .pdf
    // and no text: both said at once, beside the answer form.
    let dept = browser(1366, 768).await;
    dept.sign_in(&site, "demo.dept").await;
    dept.goto(&site.url(&format!("/issues/{id}"))).await;
    click(&dept, "签收").await;
    assert!(
        !displayed(&dept, "#answer_file_photo").await,
        "拍照上传 offered on a desktop"
    );
    choose(&dept, "outcome_resolved").await;
    attach(&dept, "#answer_file", &program).await;
    click(&dept, "答复").await;
    let text = dept.css("#answer").await.text().await.unwrap_or_default();
    assert!(text.contains("请填写内容"), "{text}");
    assert!(text.contains("“答复函.pdf”不能上传"), "{text}");
    assert_eq!(status_of(&dept).await, "办理中");
    dept.look("answer-refused-file").await;
    type_into(&dept, "答复内容", "围挡已移除，道路恢复通行。详见答复函。").await;
    attach(&dept, "#answer_file", &letter).await;
    click(&dept, "答复").await;
    assert_eq!(status_of(&dept).await, "已答复");
    let files = dept.css(".files").await.text().await.unwrap_or_default();
    assert!(
        files.contains("关于道路围挡的答复函.pdf") && files.contains("答复附件"),
        "{files}"
    );
    assert_eq!(
        dept.js("return document.querySelectorAll('.files li').length")
            .await,
        serde_json::json!(2),
        "the refused program was kept: {files}"
    );
    dept.look("issue-answered-with-letter").await;
    let letter_id = dept
        .js(
            "return Array.from(document.querySelectorAll('.files li')).find(l => \
             l.textContent.includes('关于道路围挡的答复函.pdf')).id.replace('file-', '')",
        )
        .await;
    let letter_path = format!("/files/{}", letter_id.as_str().unwrap_or_default());

    // The enterprise downloads the letter; another enterprise gets 404 for it.
    ent.goto(&site.url(&format!("/issues/{id}"))).await;
    let (status, disposition) = fetch(&ent, &letter_path).await;
    assert_eq!(status, 200);
    assert!(
        disposition.starts_with("attachment;") && disposition.contains("UTF-8''%E5%85%B3"),
        "{disposition}"
    );
    let other = browser(390, 844).await;
    other.sign_in(&site, "demo.ent.1").await;
    assert_eq!(fetch(&other, &letter_path).await.0, 404);
    other.goto(&site.url(&letter_path)).await;
    assert!(
        other.text().await.contains("页面不存在"),
        "{}",
        other.text().await
    );
    other.close().await;

    // The photo was the wrong one: withdrawn with a reason, it stays in the record.
    ent.css(".file-withdraw summary")
        .await
        .click()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    type_into(&ent, "撤回理由", "照片拍错了地方").await;
    click(&ent, "撤回附件").await;
    let files = ent.css(".files").await.text().await.unwrap_or_default();
    assert!(
        files.contains("已撤回") && files.contains("照片拍错了地方"),
        "{files}"
    );
    assert!(ent.text().await.contains("撤回附件"), "not on the timeline");
    let photo_path = ent
        .js("return '/files/' + document.querySelector('.files li.withdrawn').id.replace('file-', '')")
        .await;
    let photo_path = photo_path.as_str().unwrap_or_default().to_owned();
    assert_eq!(
        fetch(&ent, &photo_path).await.0,
        410,
        "a withdrawn photo still served"
    );
    ent.look("issue-photo-withdrawn").await;
    ent.close().await;
    dept.close().await;

    // A forum keeps its minutes: its coordinator adds them on the forum's page.
    open_a_held_forum(&coord, &site).await;
    attach(&coord, "#file", &letter).await;
    click(&coord, "上传附件").await;
    assert!(
        coord.text().await.contains("附件已上传"),
        "{}",
        coord.text().await
    );
    assert!(coord
        .client
        .find(Locator::XPath(
            "//ul[@class='files']//a[starts-with(normalize-space(), '下载')]"
        ))
        .await
        .is_ok());
    coord.look("forum-with-minutes").await;
    coord.close().await;
    let _ = std::fs::remove_dir_all(&dir);
    site.stop().await;
}
