//! The web pages over HTTP, on both backends: sign-in with its CSRF token and cookie,
//! sign-out ending the session, who may open which page, the headers that keep pages safe,
//! and that every figure's number is the size of the issue list it links to.

use crate::common::*;
use actix_web::http::{header, Method};
use actix_web::test::TestRequest;
use chrono::Datelike;
use serde_json::json;

/// The cookies a response sets, as `name=value` pairs.
fn set_cookies(r: &Reply) -> Vec<String> {
    r.headers
        .get_all(header::SET_COOKIE)
        .filter_map(|v| v.to_str().ok())
        .map(str::to_owned)
        .collect()
}

fn cookie_pair(r: &Reply, name: &str) -> Option<String> {
    set_cookies(r)
        .into_iter()
        .find(|c| c.starts_with(&format!("{name}=")))
        .and_then(|c| c.split(';').next().map(str::to_owned))
}

/// The value of the hidden `csrf` field of a page.
fn csrf_field(html: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    html.find(marker)
        .map(|i| &html[i + marker.len()..])
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_default()
        .to_owned()
}

async fn get<S, B>(app: &S, path: &str, cookie: &str) -> Reply
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody,
{
    let mut req = TestRequest::get()
        .uri(path)
        .insert_header((header::ACCEPT, "text/html"));
    if !cookie.is_empty() {
        req = req.insert_header((header::COOKIE, cookie.to_owned()));
    }
    send_request(app, req).await
}

async fn post_form<S, B>(app: &S, path: &str, cookie: &str, form: &[(&str, &str)]) -> Reply
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody,
{
    let body = serde_urlencoded::to_string(form).unwrap_or_default();
    let mut req = TestRequest::post()
        .uri(path)
        .insert_header((header::CONTENT_TYPE, "application/x-www-form-urlencoded"))
        .set_payload(body);
    if !cookie.is_empty() {
        req = req.insert_header((header::COOKIE, cookie.to_owned()));
    }
    send_request(app, req).await
}

/// Signs in through the form; answers the session cookie.
async fn sign_in<S, B>(app: &S, username: &str) -> String
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody,
{
    sign_in_with(app, username, PASSWORD).await
}

async fn sign_in_with<S, B>(app: &S, username: &str, password: &str) -> String
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody,
{
    let form = get(app, "/login", "").await;
    let login_cookie = cookie_pair(&form, "qq_login").unwrap_or_default();
    let csrf = csrf_field(&form.text);
    let r = post_form(
        app,
        "/login",
        &login_cookie,
        &[
            ("username", username),
            ("password", password),
            ("csrf", &csrf),
            ("next", "/"),
        ],
    )
    .await;
    assert_eq!(r.status, 303, "{username}: {}", r.text);
    cookie_pair(&r, "qq_session").unwrap_or_else(|| panic!("no session cookie for {username}"))
}

#[actix_rt::test]
async fn signing_in_and_out_with_csrf_tokens() {
    let db = TestDb::new();
    let app = app(&db).await;
    let _world = world(&app, &db).await;

    // The form: a page, its random cookie, a token made from it, a strict policy.
    let form = get(&app, "/login", "").await;
    assert_eq!(form.status, 200);
    assert!(form
        .header("content-type")
        .unwrap_or_default()
        .starts_with("text/html"));
    for words in ["用户名", "密码", "登录"] {
        assert!(form.text.contains(words), "{words}");
    }
    let csp = form.header("content-security-policy").unwrap_or_default();
    assert!(
        csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"),
        "{csp}"
    );
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert_eq!(
        form.header("x-content-type-options").as_deref(),
        Some("nosniff")
    );
    assert_eq!(form.header("cache-control").as_deref(), Some("no-store"));
    let login_cookie = cookie_pair(&form, "qq_login").unwrap_or_default();
    let csrf = csrf_field(&form.text);
    assert_eq!(csrf.len(), 64, "{}", form.text);

    // Without the token, with another's token, or without the cookie: refused.
    for (cookie, token) in [
        (login_cookie.as_str(), ""),
        (login_cookie.as_str(), &"0".repeat(64)),
        ("", csrf.as_str()),
    ] {
        let r = post_form(
            &app,
            "/login",
            cookie,
            &[
                ("username", "admin"),
                ("password", PASSWORD),
                ("csrf", token),
            ],
        )
        .await;
        assert_eq!(r.status, 403, "{}", r.text);
        assert!(r.text.contains("页面已过期"), "{}", r.text);
        assert!(cookie_pair(&r, "qq_session").is_none());
    }
    // A wrong password says so in words, and sets no session.
    let r = post_form(
        &app,
        "/login",
        &login_cookie,
        &[
            ("username", "admin"),
            ("password", "wrong password"),
            ("csrf", &csrf),
        ],
    )
    .await;
    assert_eq!(r.status, 401);
    assert!(r.text.contains("用户名或密码不正确"), "{}", r.text);
    // An empty field is named.
    let r = post_form(
        &app,
        "/login",
        &login_cookie,
        &[("username", ""), ("password", ""), ("csrf", &csrf)],
    )
    .await;
    assert_eq!(r.status, 422);
    assert!(
        r.text.contains("请填写用户名") && r.text.contains("请填写密码"),
        "{}",
        r.text
    );

    // Signed in: an HttpOnly, SameSite=Lax session cookie, and back to where asked.
    let r = post_form(
        &app,
        "/login",
        &login_cookie,
        &[
            ("username", "admin"),
            ("password", PASSWORD),
            ("csrf", &csrf),
            ("next", "/issues?status=closed"),
        ],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.text);
    assert_eq!(
        r.header("location").as_deref(),
        Some("/issues?status=closed")
    );
    let raw = set_cookies(&r)
        .into_iter()
        .find(|c| c.starts_with("qq_session="))
        .unwrap_or_default();
    assert!(
        raw.contains("HttpOnly") && raw.contains("SameSite=Lax"),
        "{raw}"
    );
    let session = cookie_pair(&r, "qq_session").unwrap_or_default();
    // Only a path of this site is a place to return to.
    let form = get(&app, "/login?next=https://evil.example/", "").await;
    assert!(
        form.text.contains("name=\"next\" value=\"/\""),
        "{}",
        form.text
    );

    // The home of an administrator is 系统管理; the pages hold no other host.
    let r = get(&app, "/", &session).await;
    assert_eq!(r.header("location").as_deref(), Some("/admin"));
    for path in [
        "/admin",
        "/admin/audit",
        "/dashboard",
        "/issues",
        "/account",
        "/reports",
        "/reports/2022",
        "/reports/2022/6",
        "/forums?status=held",
        "/templates",
    ] {
        let r = get(&app, path, &session).await;
        assert_eq!(r.status, 200, "{path}: {}", r.text);
        assert!(
            !r.text.contains("http://") && !r.text.contains("https://"),
            "{path} names another host"
        );
        assert_eq!(
            r.header("cache-control").as_deref(),
            Some("no-store"),
            "{path}"
        );
        assert!(r.header("content-security-policy").is_some(), "{path}");
    }
    let css = get(&app, "/static/app.css", "").await;
    assert_eq!(css.status, 200);
    assert!(
        !css.text.contains("url(http"),
        "the stylesheet loads nothing from elsewhere"
    );

    // 退出 needs the page's token; then the session is over, on this and every device.
    let page = get(&app, "/account", &session).await;
    let token = csrf_field(&page.text);
    let r = post_form(&app, "/logout", &session, &[("csrf", "")]).await;
    assert_eq!(r.status, 403);
    let r = post_form(&app, "/logout", &session, &[("csrf", &token)]).await;
    assert_eq!(r.status, 303);
    assert_eq!(r.header("location").as_deref(), Some("/login"));
    let r = get(&app, "/dashboard", &session).await;
    assert_eq!(r.status, 303);
    assert_eq!(
        r.header("location").as_deref(),
        Some("/login?next=%2Fdashboard")
    );
}

#[actix_rt::test]
async fn each_role_is_offered_only_its_pages() {
    let db = TestDb::new();
    let app = app(&db).await;
    let world = world(&app, &db).await;
    // An issue of enterprise b, outside enterprise a's scope.
    let token_b = world.token("ent_b").unwrap_or_default().to_owned();
    let body = json!({"title": "用电", "description": "增容", "category": "infrastructure", "channel": "online"});
    let other = create(&app, &token_b, "/api/v1/issues", body).await;

    let ent = sign_in(&app, "ent.a").await;
    let r = get(&app, "/", &ent).await;
    assert_eq!(r.header("location").as_deref(), Some("/issues"));
    let r = get(&app, "/issues", &ent).await;
    assert_eq!(r.status, 200);
    assert!(
        !r.text.contains("驾驶舱"),
        "an enterprise is offered the dashboard"
    );
    for path in ["/dashboard", "/reports/2022", "/reports"] {
        let r = get(&app, path, &ent).await;
        assert_eq!(r.status, 404, "{path}");
        assert!(r.text.contains("页面不存在"));
    }
    // An issue outside scope is not found, on a page as through the API.
    let r = get(&app, &format!("/issues/{other}"), &ent).await;
    assert_eq!(r.status, 404);
    let r = send(
        &app,
        Method::GET,
        &format!("/api/v1/issues/{other}"),
        world.token("ent_a"),
        None,
    )
    .await;
    r.problem(404);

    // A district leader chooses among its own regions only; another region is not found.
    let leader = sign_in(&app, "leader.b").await;
    let r = get(&app, "/dashboard?period=year&year=2022", &leader).await;
    assert_eq!(r.status, 200);
    assert!(
        r.text.contains("长兴县") && !r.text.contains("德清县"),
        "{}",
        r.text
    );
    let r = get(&app, &format!("/dashboard?region_id={DEQING}"), &leader).await;
    assert_eq!(r.status, 404);
    let r = get(&app, "/dashboard?period=custom&from=2022-06-01", &leader).await;
    assert_eq!(r.status, 400);
    assert!(
        r.text.contains("自定义期间须填写开始和结束日期"),
        "{}",
        r.text
    );

    // Unknown paths: a page for a browser, problem+json for a program.
    let r = get(&app, "/no/such/page", "").await;
    assert_eq!(r.status, 404);
    assert!(r.text.contains("页面不存在"));
    send(&app, Method::GET, "/no/such/page", None, None)
        .await
        .problem(404);
}

#[actix_rt::test]
async fn every_figure_is_the_size_of_the_list_it_links_to() {
    let db = TestDb::new();
    let app = app(&db).await;
    let world = world(&app, &db).await;
    let coord = world.token("coord_city").unwrap_or_default().to_owned();
    let ent = world.token("ent_a").unwrap_or_default().to_owned();
    let dept = world.token("dept_a").unwrap_or_default().to_owned();
    let dept_id = world.id("dept_a_department");
    let file = |title: &str| json!({"title": title, "description": "说明", "category": "land", "channel": "online"});
    // One answered and rated, one answered and unrated, one assigned and overdue-free,
    // one withdrawn, one solved on the spot.
    let mut ids = Vec::new();
    for t in ["甲", "乙", "丙", "丁"] {
        ids.push(create(&app, &ent, "/api/v1/issues", file(t)).await);
    }
    let act = |id: i64, action: &str, token: &str, body: serde_json::Value| {
        let app = &app;
        let path = format!("/api/v1/issues/{id}/{action}");
        let token = token.to_owned();
        async move {
            let r = send(app, Method::POST, &path, Some(&token), Some(&body)).await;
            assert_eq!(r.status, 200, "{path}: {}", r.text);
        }
    };
    for id in &ids[..3] {
        act(
            *id,
            "assign",
            &coord,
            json!({"lead_department_id": dept_id}),
        )
        .await;
    }
    for id in &ids[..2] {
        act(*id, "sign", &dept, json!({})).await;
        act(
            *id,
            "answer",
            &dept,
            json!({"outcome": "resolved", "text": "已解决"}),
        )
        .await;
    }
    act(
        ids[0],
        "rating",
        &ent,
        json!({"solved": true, "rating": "satisfied"}),
    )
    .await;
    act(ids[3], "withdraw", &ent, json!({})).await;
    let on_site = json!({"title": "现场", "description": "说明", "category": "tax", "channel": "forum",
        "enterprise_id": world.id("ent_a_enterprise"), "forum_id": world.id("forum_a"),
        "resolved_on_site": true, "on_site_answer": "当场答复", "department_id": dept_id});
    create(&app, &coord, "/api/v1/issues", on_site).await;

    let admin = admin_token_again(&app).await;
    let s = send(
        &app,
        Method::GET,
        "/api/v1/stats/summary",
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(s.status, 200, "{}", s.text);
    let rates = &s.body["rates"];
    let cases = [
        ("collected", s.body["issues_collected"].as_i64()),
        ("resolved_on_site", s.body["resolved_on_site"].as_i64()),
        ("assigned_issues", s.body["assigned"].as_i64()),
        ("concluded", rates["answered"]["numerator"].as_i64()),
        ("answered_issues", rates["on_time"]["denominator"].as_i64()),
        ("on_time", rates["on_time"]["numerator"].as_i64()),
        ("rated", s.body["rated"].as_i64()),
        ("satisfied", s.body["satisfied"].as_i64()),
        ("reopened", rates["reopen"]["numerator"].as_i64()),
        ("returned_issues", rates["return"]["numerator"].as_i64()),
        ("under_supervision", s.body["under_supervision"].as_i64()),
        ("overdue", s.body["overdue"].as_i64()),
    ];
    for (measure, figure) in cases {
        let r = send(
            &app,
            Method::GET,
            &format!("/api/v1/issues?measure={measure}"),
            Some(&admin),
            None,
        )
        .await;
        assert_eq!(r.status, 200, "{measure}: {}", r.text);
        assert_eq!(r.body["total"].as_i64(), figure, "{measure}");
    }
    assert_eq!(s.body["issues_collected"], 4);
    // A department's row of the ranking is the issues it leads.
    let r = send(
        &app,
        Method::GET,
        &format!("/api/v1/issues?measure=assigned_issues&department_id={dept_id}"),
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(r.body["total"], 3);
    let r = send(
        &app,
        Method::GET,
        "/api/v1/issues?measure=nonsense",
        Some(&admin),
        None,
    )
    .await;
    r.problem(400);
}

/// The administrator `world` made, signed in again over the API.
async fn admin_token_again<S, B>(app: &S) -> String
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody,
{
    login(app, "admin", PASSWORD).await
}

#[actix_rt::test]
async fn work_pages_offer_exactly_what_the_server_allows() {
    let db = TestDb::new();
    let app = app(&db).await;
    let world = world(&app, &db).await;
    let ent_token = world.token("ent_a").unwrap_or_default().to_owned();
    let body = json!({"title": "融资难", "description": "贷款到期", "category": "financing", "channel": "online"});
    let id = create(&app, &ent_token, "/api/v1/issues", body).await;

    // Each role's home and the pages that are not theirs.
    let dept = sign_in(&app, "dept.a").await;
    let coord = sign_in(&app, "coord.city").await;
    let ent = sign_in(&app, "ent.a").await;
    assert_eq!(
        get(&app, "/", &dept).await.header("location").as_deref(),
        Some("/inbox")
    );
    assert_eq!(
        get(&app, "/", &coord).await.header("location").as_deref(),
        Some("/desk")
    );
    for (cookie, path) in [
        (&dept, "/desk"),
        (&ent, "/inbox"),
        (&ent, "/desk"),
        (&coord, "/inbox"),
        (&dept, "/issues/new"),
    ] {
        assert_eq!(get(&app, path, cookie).await.status, 404, "{path}");
    }

    // The enterprise may withdraw it, and is offered nothing a coordinator does.
    let page = get(&app, &format!("/issues/{id}"), &ent).await;
    assert!(page.text.contains("/withdraw\""), "{}", page.text);
    for other in ["/assign\"", "/urge\"", "/sign\""] {
        assert!(
            !page.text.contains(other),
            "{other} offered to an enterprise"
        );
    }
    // The coordinator's desk lists it; the page offers 交办 with the version.
    let desk = get(&app, "/desk", &coord).await;
    assert!(
        desk.text.contains("融资难") && desk.text.contains("待交办"),
        "{}",
        desk.text
    );
    let page = get(&app, &format!("/issues/{id}"), &coord).await;
    assert!(page.text.contains("/assign\""));
    let csrf = csrf_field(&page.text);
    let dept_id = world.id("dept_a_department").to_string();
    // A form without the version of the page it came from, or with an old one, is refused.
    let r = post_form(
        &app,
        &format!("/issues/{id}/assign"),
        &coord,
        &[
            ("csrf", &csrf),
            ("version", "99"),
            ("lead_department_id", &dept_id),
        ],
    )
    .await;
    assert_eq!(r.status, 409, "{}", r.text);
    assert!(r.text.contains("刚被他人更新"));
    // Without the CSRF token, nothing happens.
    let r = post_form(
        &app,
        &format!("/issues/{id}/assign"),
        &coord,
        &[("version", "1"), ("lead_department_id", &dept_id)],
    )
    .await;
    assert_eq!(r.status, 403);
    // A missing field is named in words.
    let r = post_form(
        &app,
        &format!("/issues/{id}/assign"),
        &coord,
        &[("csrf", &csrf), ("version", "1")],
    )
    .await;
    assert_eq!(r.status, 422);
    assert!(r.text.contains("主办部门"), "{}", r.text);
    let r = post_form(
        &app,
        &format!("/issues/{id}/assign"),
        &coord,
        &[
            ("csrf", &csrf),
            ("version", "1"),
            ("lead_department_id", &dept_id),
        ],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.text);
    // The same form again is stale, and assigns nothing twice.
    let r = post_form(
        &app,
        &format!("/issues/{id}/assign"),
        &coord,
        &[
            ("csrf", &csrf),
            ("version", "1"),
            ("lead_department_id", &dept_id),
        ],
    )
    .await;
    assert_eq!(r.status, 409);
    let events = send(
        &app,
        Method::GET,
        &format!("/api/v1/issues/{id}/events"),
        world.token("coord_city"),
        None,
    )
    .await;
    assert_eq!(
        events.body.as_array().map(Vec::len),
        Some(2),
        "{}",
        events.text
    );

    // The department's inbox has it to sign; signing records the handler, shown through the API.
    let inbox = get(&app, "/inbox", &dept).await;
    assert!(inbox.text.contains("融资难") && inbox.text.contains("待签收"));
    let page = get(&app, &format!("/issues/{id}"), &dept).await;
    assert!(page.text.contains("/sign\"") && !page.text.contains("/answer\""));
    let csrf = csrf_field(&page.text);
    let r = post_form(
        &app,
        &format!("/issues/{id}/sign"),
        &dept,
        &[("csrf", &csrf), ("version", "2")],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.text);
    let issue = send(
        &app,
        Method::GET,
        &format!("/api/v1/issues/{id}"),
        world.token("dept_a"),
        None,
    )
    .await;
    assert_eq!(issue.body["status"], "in_progress");
    assert_eq!(issue.body["handler_id"], world.id("dept_a"));
    // Now the page offers the answer and not signing, nor taking over one's own issue.
    let page = get(&app, &format!("/issues/{id}"), &dept).await;
    assert!(
        page.text.contains("/answer\"")
            && !page.text.contains("/sign\"")
            && !page.text.contains("/take-over\"")
    );
    assert!(page.text.contains("还剩"), "the due date in working days");
    // A rating needs 是否解决.
    let r = send(
        &app,
        Method::POST,
        &format!("/api/v1/issues/{id}/answer"),
        world.token("dept_a"),
        Some(&json!({"outcome": "resolved", "text": "已办"})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = send(
        &app,
        Method::POST,
        &format!("/api/v1/issues/{id}/rating"),
        world.token("ent_a"),
        Some(&json!({"rating": "satisfied"})),
    )
    .await;
    r.problem(422);
    assert_eq!(r.error_fields(), vec!["solved"]);
}

#[actix_rt::test]
async fn the_message_page_lists_marks_and_opens_notices() {
    let db = TestDb::new();
    let app = app(&db).await;
    let world = world(&app, &db).await;
    let ent_token = world.token("ent_a").unwrap_or_default().to_owned();
    let body = json!({"title": "出口退税<b>慢</b>", "description": "退税款迟迟未到账", "category": "tax", "channel": "online"});
    let id = create(&app, &ent_token, "/api/v1/issues", body).await;
    let coord_token = world.token("coord_city").unwrap_or_default().to_owned();
    let r = send(
        &app,
        Method::POST,
        &format!("/api/v1/issues/{id}/assign"),
        Some(&coord_token),
        Some(&json!({"lead_department_id": world.id("dept_a_department")})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);

    let dept = sign_in(&app, "dept.a").await;
    // The badge on every page, and the list with the notice unread, its text escaped.
    let inbox = get(&app, "/inbox", &dept).await;
    assert!(
        inbox
            .text
            .contains("消息 <span class=\"badge\" aria-label=\"1条未读\">1</span>"),
        "{}",
        inbox.text
    );
    let page = get(&app, "/notifications", &dept).await;
    assert_eq!(page.status, 200, "{}", page.text);
    assert!(
        page.text.contains("<strong>1</strong> 条未读"),
        "{}",
        page.text
    );
    assert!(
        page.text.contains("新交办") && page.text.contains("出口退税&#60;b&#62;慢&#60;/b&#62;"),
        "{}",
        page.text
    );
    let nid = get_notice_id(&page.text);
    // Opening it without the form's token is refused; with it, it is read and leads to the issue.
    let r = post_form(
        &app,
        &format!("/notifications/{nid}/open"),
        &dept,
        &[("csrf", "forged")],
    )
    .await;
    assert_eq!(r.status, 403, "{}", r.text);
    let csrf = csrf_field(&page.text);
    let r = post_form(
        &app,
        &format!("/notifications/{nid}/open"),
        &dept,
        &[("csrf", &csrf)],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.text);
    assert_eq!(r.header("location"), Some(format!("/issues/{id}")));
    let page = get(&app, "/notifications", &dept).await;
    assert!(
        page.text.contains("没有未读消息") && !page.text.contains("class=\"badge\""),
        "{}",
        page.text
    );
    // Someone else's notice is not found.
    let other = sign_in(&app, "dept.b").await;
    let csrf_b = csrf_field(&get(&app, "/notifications", &other).await.text);
    let r = post_form(
        &app,
        &format!("/notifications/{nid}/open"),
        &other,
        &[("csrf", &csrf_b)],
    )
    .await;
    assert_eq!(r.status, 404, "{}", r.text);
    let r = post_form(
        &app,
        "/notifications/read-all",
        &other,
        &[("csrf", &csrf_b)],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.text);
}

/// The id in the first `/notifications/{id}/open` form of a page.
fn get_notice_id(html: &str) -> String {
    html.split("action=\"/notifications/")
        .skip(1)
        .filter_map(|rest| rest.split('/').next())
        .find(|seg| !seg.is_empty() && seg.bytes().all(|b| b.is_ascii_digit()))
        .unwrap_or_default()
        .to_owned()
}

#[actix_rt::test]
async fn the_dashboard_says_when_a_year_has_no_holiday_calendar() {
    let db = TestDb::new();
    let app = app(&db).await;
    let _ = world(&app, &db).await;
    let session = sign_in(&app, "leader.city").await;
    let r = get(&app, "/dashboard", &session).await;
    assert_eq!(r.status, 200);
    assert!(r.text.contains("节假日安排缺失"), "{}", r.text);
    assert!(r.text.contains("2022年、2023年"), "{}", r.text);
    let mut conn = db.connect();
    qinqing::service::calendar::install_shipped(&mut conn).unwrap_or_else(|e| panic!("{e:?}"));
    let r = get(&app, "/dashboard", &session).await;
    let after_shipped = qinqing::domain::time::today().year() > 2026;
    assert_eq!(
        r.text.contains("节假日安排缺失"),
        after_shipped,
        "{}",
        r.text
    );
}

/// A forum's page names the departments that sat as they were called on the forum's day;
/// an issue raised on it now is answered by a department under today's name.
#[actix_rt::test]
async fn a_forum_names_its_departments_as_on_its_day_and_raises_under_todays_names() {
    let db = TestDb::new();
    let app = app(&db).await;
    let w = world(&app, &db).await;
    let dept_a = w.id("dept_a_department");
    let r = send(
        &app,
        Method::PATCH,
        &format!("/api/v1/departments/{dept_a}"),
        w.token("admin"),
        Some(&json!({"name": "德清县经济和信息化局"})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let coord = sign_in(&app, "coord.city").await;
    let page = get(&app, &format!("/forums/{}", w.id("forum_a")), &coord).await;
    assert_eq!(page.status, 200, "{}", page.text);
    let sat = page
        .text
        .split("<dt>参会部门</dt>")
        .nth(1)
        .and_then(|rest| rest.split("</dd>").next())
        .unwrap_or_default();
    assert!(sat.contains("德清县经信局"), "{sat}");
    assert!(!sat.contains("德清县经济和信息化局"), "{sat}");
    let answering = page
        .text
        .split("id=\"raise_department\"")
        .nth(1)
        .and_then(|rest| rest.split("</select>").next())
        .unwrap_or_default();
    assert!(
        answering.contains(&format!(
            "<option value=\"{dept_a}\">德清县经济和信息化局</option>"
        )),
        "{answering}"
    );
    assert!(!answering.contains("德清县经信局"), "{answering}");
}

/// After signing in, only a path of this site is where the browser goes: a tab, a line
/// break, a backslash or a second slash (each of which a browser reads as another host, or
/// which cannot be a header at all) sends it home, and the sign-in still succeeds.
#[actix_rt::test]
async fn signing_in_never_sends_the_browser_to_another_host() {
    let db = TestDb::new();
    let app = app(&db).await;
    let admin = admin_token(&app, &db).await;
    create(
        &app,
        &admin,
        "/api/v1/users",
        serde_json::json!({"username": "next.admin", "password": PASSWORD,
            "display_name": "管理员", "role": "admin"}),
    )
    .await;
    for (next, want) in [
        ("/issues?page=2", "/issues?page=2"),
        ("/\t/evil.example", "/"),
        ("/\n/evil.example", "/"),
        ("/\r\nSet-Cookie: a=b", "/"),
        ("//evil.example", "/"),
        ("/\\evil.example", "/"),
        ("/\\/evil.example", "/"),
        ("https://evil.example/", "/"),
        ("/\u{3000}/evil.example", "/"),
    ] {
        let form = get(&app, "/login", "").await;
        let login_cookie = cookie_pair(&form, "qq_login").unwrap_or_default();
        let csrf = csrf_field(&form.text);
        let r = post_form(
            &app,
            "/login",
            &login_cookie,
            &[
                ("username", "next.admin"),
                ("password", PASSWORD),
                ("csrf", &csrf),
                ("next", next),
            ],
        )
        .await;
        assert_eq!(r.status, 303, "{next:?}: {}", r.text);
        assert_eq!(r.header("location").as_deref(), Some(want), "{next:?}");
        // The same place given on the sign-in page's own address.
        let page = get(&app, &format!("/login?next={}", enc(next)), "").await;
        assert_eq!(page.status, 200, "{next:?}");
        if want == "/" {
            assert!(
                page.text.contains("name=\"next\" value=\"/\""),
                "{next:?}: {}",
                page.text
            );
        }
    }
}

/// The ids in a page's `/templates/{id}/delete` forms.
fn deletable_templates(html: &str) -> Vec<i64> {
    html.split("href=\"/templates?remove=")
        .skip(1)
        .filter_map(|rest| rest.split_once('#').map(|(id, _)| id.to_owned()))
        .filter_map(|id| id.parse().ok())
        .collect()
}

/// A coordinator keeps the reply templates of its own region and the regions under it: a
/// district's coordinator cannot delete the city's (or another district's), and is not
/// offered to; the city's coordinator keeps the districts' too.
#[actix_rt::test]
async fn a_coordinator_deletes_only_its_own_regions_templates() {
    let db = TestDb::new();
    let app = app(&db).await;
    world(&app, &db).await;
    let city = sign_in(&app, "coord.city").await;
    let deqing = sign_in(&app, "coord.a").await;
    let changxing = sign_in(&app, "coord.b").await;
    let add = |cookie: String, title: &'static str| {
        let app = &app;
        async move {
            let page = get(app, "/templates", &cookie).await;
            let csrf = csrf_field(&page.text);
            let r = post_form(
                app,
                "/templates",
                &cookie,
                &[
                    ("category", "financing"),
                    ("outcome", "explained"),
                    ("title", title),
                    ("text", "按政策解释说明。"),
                    ("csrf", &csrf),
                ],
            )
            .await;
            assert_eq!(r.status, 303, "{title}: {}", r.text);
        }
    };
    add(city.clone(), "市级模板").await;
    let city_ids = deletable_templates(&get(&app, "/templates", &city).await.text);
    assert_eq!(city_ids.len(), 1);
    let city_template = city_ids[0];

    // 德清's coordinator reads the city's template but is offered no deletion, and a
    // forged one answers as if the template did not exist.
    let page = get(&app, "/templates", &deqing).await;
    assert!(page.text.contains("市级模板"), "{}", page.text);
    assert!(deletable_templates(&page.text).is_empty(), "{}", page.text);
    let csrf = csrf_field(&page.text);
    let r = post_form(
        &app,
        &format!("/templates/{city_template}/delete"),
        &deqing,
        &[("csrf", &csrf)],
    )
    .await;
    assert_eq!(r.status, 404, "{}", r.text);
    assert!(get(&app, "/templates", &city)
        .await
        .text
        .contains("市级模板"));

    // 德清's own template: 长兴's coordinator cannot delete it, the city's can.
    add(deqing.clone(), "德清模板").await;
    let deqing_ids = deletable_templates(&get(&app, "/templates", &deqing).await.text);
    assert_eq!(deqing_ids.len(), 1);
    let page = get(&app, "/templates", &changxing).await;
    assert!(deletable_templates(&page.text).is_empty());
    let r = post_form(
        &app,
        &format!("/templates/{}/delete", deqing_ids[0]),
        &changxing,
        &[("csrf", &csrf_field(&page.text))],
    )
    .await;
    assert_eq!(r.status, 404, "{}", r.text);
    let page = get(&app, "/templates", &city).await;
    let mut kept = deletable_templates(&page.text);
    kept.sort();
    let mut want = vec![city_template, deqing_ids[0]];
    want.sort();
    assert_eq!(kept, want);
    let r = post_form(
        &app,
        &format!("/templates/{}/delete", deqing_ids[0]),
        &city,
        &[("csrf", &csrf_field(&page.text))],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.text);
    assert!(!get(&app, "/templates", &city)
        .await
        .text
        .contains("德清模板"));
}

/// A custom period far outside the programme's century is a page that says what to fix,
/// never a server error (PostgreSQL cannot count from year 1 to 9999 as dates).
#[actix_rt::test]
async fn a_dashboard_period_outside_this_century_is_refused_on_the_page() {
    let db = TestDb::new();
    let app = app(&db).await;
    world(&app, &db).await;
    let leader = sign_in(&app, "leader.city").await;
    for query in [
        "period=custom&from=0001-01-01&to=9999-12-31",
        "period=custom&from=2022-01-01&to=2100-01-01",
        "period=custom&from=1999-12-31&to=2022-01-01",
    ] {
        let r = get(&app, &format!("/dashboard?{query}"), &leader).await;
        assert_eq!(r.status, 400, "{query}: {}", r.text);
        assert!(r.text.contains("2000-01-01"), "{query}: {}", r.text);
        // Said on the dashboard itself, with its navigation and this year's figures.
        assert!(r.text.contains("所选期间无法显示"), "{query}: {}", r.text);
        assert!(r.text.contains("主要指标"), "{query}: {}", r.text);
    }
    let r = get(
        &app,
        "/dashboard?period=custom&from=2022-12-31&to=2022-01-01",
        &leader,
    )
    .await;
    assert_eq!(r.status, 400, "{}", r.text);
    assert!(r.text.contains("结束日期不能早于开始日期"), "{}", r.text);
    assert!(!r.text.contains("invalid value"), "{}", r.text);
    let r = get(
        &app,
        "/dashboard?period=custom&from=2022-01-01&to=2022-12-31",
        &leader,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
}

/// 系统管理 and 操作日志: the administrator's home says what needs attention, the log shows
/// each change in words with its filters; nobody else finds either page.
#[actix_rt::test]
async fn the_administrator_reads_what_needs_attention_and_the_log() {
    let db = TestDb::new();
    let app = app(&db).await;
    let w = world(&app, &db).await;
    let dept = w.id("dept_a_department");
    let r = send(
        &app,
        Method::PATCH,
        &format!("/api/v1/departments/{dept}"),
        w.token("admin"),
        Some(&json!({"name": "市自然资源局"})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let admin = sign_in(&app, "admin").await;
    let home = get(&app, "/admin", &admin).await;
    assert_eq!(home.status, 200, "{}", home.text);
    for words in [
        "系统管理",
        "投递失败的消息",
        "已锁定账号",
        "缺少节假日安排",
        "操作日志",
    ] {
        assert!(home.text.contains(words), "{words}: {}", home.text);
    }
    let log = get(&app, "/admin/audit?object=department", &admin).await;
    assert_eq!(log.status, 200, "{}", log.text);
    assert!(
        log.text.contains("name：") && log.text.contains("→ 市自然资源局"),
        "{}",
        log.text
    );
    assert!(
        log.text.contains("修改") && log.text.contains("部门"),
        "{}",
        log.text
    );
    let none = get(
        &app,
        "/admin/audit?object=calendar&from=2000-01-01&to=2000-01-31",
        &admin,
    )
    .await;
    assert!(none.text.contains("没有符合条件的记录"), "{}", none.text);
    let bad = get(&app, "/admin/audit?from=yesterday", &admin).await;
    assert!(bad.status.is_client_error(), "{}", bad.text);
    let coord = sign_in(&app, "coord.city").await;
    for path in ["/admin", "/admin/audit"] {
        assert_eq!(get(&app, path, &coord).await.status, 404, "{path}");
    }

    // A locked account, listed with 解除锁定; unlocked, it signs in at once.
    let wrong = json!({"username": "leader.b", "password": "wrong password"});
    for _ in 0..6 {
        send(&app, Method::POST, "/api/v1/auth/login", None, Some(&wrong)).await;
    }
    let right = json!({"username": "leader.b", "password": PASSWORD});
    send(&app, Method::POST, "/api/v1/auth/login", None, Some(&right))
        .await
        .problem(429);
    let home = get(&app, "/admin", &admin).await;
    assert!(
        home.text.contains("leader.b") && home.text.contains("解除锁定"),
        "{}",
        home.text
    );
    let leader_b = w.id("leader_b");
    let r = post_form(
        &app,
        &format!("/admin/users/{leader_b}/unlock"),
        &admin,
        &[("csrf", &csrf_field(&home.text))],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.text);
    let r = send(&app, Method::POST, "/api/v1/auth/login", None, Some(&right)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(!get(&app, "/admin", &admin).await.text.contains("leader.b"));
    let log = get(&app, "/admin/audit?object=user", &admin).await;
    assert!(log.text.contains("解除锁定"), "{}", log.text);
    // Through the API: the administrator only, a user that exists.
    let t = w.token("admin");
    let r = send(
        &app,
        Method::POST,
        &format!("/api/v1/users/{leader_b}/unlock"),
        t,
        None,
    )
    .await;
    assert_eq!(r.status, 204, "{}", r.text);
    send(&app, Method::POST, "/api/v1/users/999999/unlock", t, None)
        .await
        .problem(404);
    send(
        &app,
        Method::POST,
        &format!("/api/v1/users/{leader_b}/unlock"),
        w.token("coord_city"),
        None,
    )
    .await
    .problem(403);
}

/// 我要反映 sent empty names every problem at once, each linked to its field and said again
/// beside it; what was typed comes back.
#[actix_rt::test]
async fn a_refused_form_names_every_problem_at_once_beside_its_field() {
    let db = TestDb::new();
    let app = app(&db).await;
    let _ = world(&app, &db).await;
    let session = sign_in(&app, "ent.a").await;
    let page = get(&app, "/issues/new", &session).await;
    let csrf = csrf_field(&page.text);
    let r = post_form(
        &app,
        "/issues/new",
        &session,
        &[
            ("csrf", &csrf),
            ("title", ""),
            ("description", "  "),
            ("category", ""),
        ],
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.text);
    for (field, words) in [
        ("title", "请填写问题标题"),
        ("description", "请填写问题描述"),
        ("category", "请选择问题类别"),
    ] {
        assert!(
            r.text
                .contains(&format!("<a href=\"#{field}\">{words}</a>")),
            "{field} in the summary: {}",
            r.text
        );
        assert!(
            r.text
                .contains(&format!("id=\"{field}-error\">{words}</p>")),
            "{field} beside itself: {}",
            r.text
        );
    }
    let r = post_form(
        &app,
        "/issues/new",
        &session,
        &[
            ("csrf", &csrf),
            ("title", "厂区门口道路被占"),
            ("description", "说明"),
            ("category", ""),
        ],
    )
    .await;
    assert_eq!(r.status, 422);
    assert!(r.text.contains("value=\"厂区门口道路被占\""), "{}", r.text);
    assert!(!r.text.contains("title-error"), "{}", r.text);
}

/// 撤回 cannot be undone: the page asks for the box ticked first.
#[actix_rt::test]
async fn withdrawing_asks_for_a_confirmation_first() {
    let db = TestDb::new();
    let app = app(&db).await;
    let w = world(&app, &db).await;
    let ent = w.token("ent_a").unwrap_or_default().to_owned();
    let id = create(
        &app,
        &ent,
        "/api/v1/issues",
        serde_json::json!({"title": "误报的问题", "description": "说明", "category": "other", "channel": "online"}),
    )
    .await;
    let session = sign_in(&app, "ent.a").await;
    let page = get(&app, &format!("/issues/{id}"), &session).await;
    assert!(page.text.contains("我确认撤回这个问题"), "{}", page.text);
    let csrf = csrf_field(&page.text);
    let version = page
        .text
        .split("name=\"version\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap_or_default()
        .to_owned();
    let path = format!("/issues/{id}/withdraw");
    let r = post_form(
        &app,
        &path,
        &session,
        &[("csrf", &csrf), ("version", &version)],
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(
        r.text.contains("撤回后不能恢复，请先勾选确认"),
        "{}",
        r.text
    );
    let r = post_form(
        &app,
        &path,
        &session,
        &[("csrf", &csrf), ("version", &version), ("confirm", "true")],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.text);
    let r = send(
        &app,
        Method::GET,
        &format!("/api/v1/issues/{id}"),
        Some(&ent),
        None,
    )
    .await;
    assert_eq!(r.body["status"], "withdrawn", "{}", r.text);
}

/// A period with nothing before it (the programme had not begun) is not compared: 上期无数据,
/// never "较上期 +n".
#[actix_rt::test]
async fn the_first_period_says_there_is_nothing_to_compare_with() {
    let db = TestDb::new();
    let app = app(&db).await;
    let w = world(&app, &db).await;
    let coord = w.token("coord_city").unwrap_or_default().to_owned();
    create(
        &app,
        &coord,
        "/api/v1/issues",
        json!({"title": "本年收集的问题", "description": "说明", "category": "tax", "channel": "visit",
               "enterprise_id": w.id("ent_a_enterprise")}),
    )
    .await;
    let session = sign_in(&app, "leader.city").await;
    let year = qinqing::domain::time::today().year();
    let r = get(
        &app,
        &format!("/dashboard?period=year&year={year}"),
        &session,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.text.contains("上期无数据"), "{}", r.text);
    assert!(!r.text.contains("较上期 +"), "{}", r.text);
}

/// A queue longer than a page pages: 待回访 on the demo holds hundreds.
#[actix_rt::test]
async fn a_long_queue_pages() {
    let db = demo_db();
    let app = app(&db).await;
    let session = sign_in_with(&app, "demo.coord", DEMO_PASSWORD).await;
    let first = get(&app, "/desk?tab=follow_up", &session).await;
    assert_eq!(first.status, 200);
    assert!(first.text.contains("page=2\">下一页</a>"), "{}", first.text);
    let second = get(&app, "/desk?tab=follow_up&page=2", &session).await;
    assert!(second.text.contains("上一页"), "{}", second.text);
    let ids = |html: &str| -> Vec<String> {
        html.split("href=\"/issues/")
            .skip(1)
            .filter_map(|s| s.split('"').next())
            .filter(|s| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit()))
            .map(str::to_owned)
            .collect()
    };
    let (a, b) = (ids(&first.text), ids(&second.text));
    assert!(!a.is_empty() && !b.is_empty());
    assert!(a.iter().all(|x| !b.contains(x)), "the pages overlap");
}

/// A refused action's problems are said again in its own section, where the reader is, and
/// the summary at the top links there.
#[actix_rt::test]
async fn a_refused_action_says_why_beside_its_form() {
    let db = TestDb::new();
    let app = app(&db).await;
    let w = world(&app, &db).await;
    let coord = w.token("coord_city").unwrap_or_default().to_owned();
    let dept = w.token("dept_a").unwrap_or_default().to_owned();
    let id = create(
        &app,
        &coord,
        "/api/v1/issues",
        json!({"title": "待评价的问题", "description": "说明", "category": "tax", "channel": "visit",
               "enterprise_id": w.id("ent_a_enterprise")}),
    )
    .await;
    for (token, action, body) in [
        (
            &coord,
            "assign",
            json!({"lead_department_id": w.id("dept_a_department")}),
        ),
        (&dept, "sign", json!({})),
        (
            &dept,
            "answer",
            json!({"outcome": "resolved", "text": "已办理"}),
        ),
    ] {
        let r = send(
            &app,
            Method::POST,
            &format!("/api/v1/issues/{id}/{action}"),
            Some(token),
            Some(&body),
        )
        .await;
        assert_eq!(r.status, 200, "{action}: {}", r.text);
    }
    let session = sign_in(&app, "ent.a").await;
    let page = get(&app, &format!("/issues/{id}"), &session).await;
    let csrf = csrf_field(&page.text);
    let version = page
        .text
        .split("name=\"version\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap_or_default()
        .to_owned();
    let r = post_form(
        &app,
        &format!("/issues/{id}/rate"),
        &session,
        &[
            ("csrf", &csrf),
            ("version", &version),
            ("comment", "还没想好"),
        ],
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.text);
    let section = r
        .text
        .split("<section class=\"action\" id=\"rate\">")
        .nth(1)
        .and_then(|s| s.split("</section>").next())
        .unwrap_or_default();
    assert!(section.contains("请选择是否解决"), "{section}");
    assert!(
        section.contains("请选择满意度"),
        "every problem at once: {section}"
    );
    assert!(section.contains("还没想好"), "typed text kept: {section}");
    assert!(r.text.contains("<a href=\"#rate\">"), "{}", r.text);
}

/// 待交办 has no deadline yet: it is ordered by how long each issue has waited, and says
/// when it was filed, how long ago, and its category.
#[actix_rt::test]
async fn the_queue_to_assign_shows_the_wait_oldest_first() {
    let db = TestDb::new();
    let app = app(&db).await;
    let w = world(&app, &db).await;
    let coord = w.token("coord_city").unwrap_or_default().to_owned();
    let mut ids = Vec::new();
    for title in ["较新的问题", "等待最久的问题"] {
        ids.push(
            create(
                &app,
                &coord,
                "/api/v1/issues",
                json!({"title": title, "description": "说明", "category": "financing", "channel": "visit",
                       "enterprise_id": w.id("ent_a_enterprise")}),
            )
            .await,
        );
    }
    // The one filed second waited longest: it was filed (as recorded) three days ago.
    let mut conn = db.connect();
    let earlier = if db.is_postgres() {
        "created_at - INTERVAL '3 days'"
    } else {
        "datetime(created_at, '-3 days')"
    };
    exec(
        &mut conn,
        &format!(
            "UPDATE issues SET created_at = {earlier} WHERE id = {}",
            ids[1]
        ),
    );
    let session = sign_in(&app, "coord.city").await;
    let r = get(&app, "/desk?tab=to_assign", &session).await;
    assert_eq!(r.status, 200);
    assert!(
        r.text.contains("按提交时间排序，等待最久的在前"),
        "{}",
        r.text
    );
    let first = r.text.find("等待最久的问题").unwrap_or(usize::MAX);
    let second = r.text.find("较新的问题").unwrap_or(0);
    assert!(first < second, "oldest first: {}", r.text);
    assert!(
        r.text.contains("融资") && r.text.contains(">3天<"),
        "{}",
        r.text
    );
}

/// 恳谈会 is in the navigation and its list filters by district and status.
#[actix_rt::test]
async fn the_forum_list_filters_by_district_and_status() {
    let db = TestDb::new();
    let app = app(&db).await;
    let _ = world(&app, &db).await;
    let session = sign_in(&app, "coord.city").await;
    let all = get(&app, "/forums", &session).await;
    assert!(all.text.contains("href=\"/forums\""), "in the navigation");
    assert!(
        all.text.contains("<strong id=\"total\">2</strong>"),
        "{}",
        all.text
    );
    let one = get(
        &app,
        &format!("/forums?region_id={CHANGXING}&status=scheduled"),
        &session,
    )
    .await;
    assert_eq!(one.status, 200, "{}", one.text);
    assert!(
        one.text.contains("<strong id=\"total\">1</strong>"),
        "{}",
        one.text
    );
    assert!(one.text.contains("长兴县"), "{}", one.text);
    let none = get(&app, "/forums?status=held", &session).await;
    assert!(none.text.contains("没有符合条件的恳谈会"), "{}", none.text);
}

/// 现场登记问题 on a forum's page comes back to the forum, to raise the next one.
#[actix_rt::test]
async fn raising_an_issue_at_a_forum_comes_back_to_the_forum() {
    let db = TestDb::new();
    let app = app(&db).await;
    let w = world(&app, &db).await;
    let forum = w.id("forum_a");
    let session = sign_in(&app, "coord.city").await;
    let page = get(&app, &format!("/forums/{forum}"), &session).await;
    let csrf = csrf_field(&page.text);
    let ent = w.id("ent_a_enterprise").to_string();
    let back = format!("/forums/{forum}");
    let forum_id = forum.to_string();
    let r = post_form(
        &app,
        "/issues/new",
        &session,
        &[
            ("csrf", &csrf),
            ("key", "raise-at-forum-1"),
            ("title", "会上反映的用工难题"),
            ("description", "说明"),
            ("category", "talent"),
            ("channel", "forum"),
            ("forum_id", &forum_id),
            ("enterprise_id", &ent),
            ("back", &back),
        ],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.text);
    assert_eq!(r.header("location"), Some(format!("{back}?done=raised")));
    let page = get(&app, &format!("{back}?done=raised"), &session).await;
    assert!(page.text.contains("问题已登记"), "{}", page.text);
    assert!(page.text.contains("会上反映的用工难题"), "{}", page.text);
}

/// A department keeps its own 答复模板 beside the Federation's: it writes, changes (with a
/// word saying what was saved) and, after a confirmation, removes them; another department
/// neither reads nor reaches them. Applying a template in the answer form keeps the answer
/// typed so far.
#[actix_rt::test]
async fn a_department_keeps_its_own_templates_and_an_applied_one_keeps_the_typed_answer() {
    let db = TestDb::new();
    let app = app(&db).await;
    let world = world(&app, &db).await;
    let dept = sign_in(&app, "dept.a").await;
    let other = sign_in(&app, "dept.b").await;
    let coord = sign_in(&app, "coord.city").await;
    let form = |cookie: &str, path: &str| {
        let app = &app;
        let (cookie, path) = (cookie.to_owned(), path.to_owned());
        async move { csrf_field(&get(app, &path, &cookie).await.text) }
    };
    // The Federation's template, and the department's own.
    for (cookie, title, text) in [
        (&coord, "用地政策说明", "按市里用地政策解释说明。"),
        (&dept, "本局用地答复", "已会同乡镇核实用地指标。"),
    ] {
        let csrf = form(cookie, "/templates").await;
        let r = post_form(
            &app,
            "/templates",
            cookie,
            &[
                ("category", "land"),
                ("outcome", "resolved"),
                ("title", title),
                ("text", text),
                ("csrf", &csrf),
            ],
        )
        .await;
        assert_eq!(r.status, 303, "{title}: {}", r.text);
        let saved = get(&app, &r.header("location").unwrap_or_default(), cookie).await;
        assert!(
            saved.text.contains(&format!("已保存模板“{title}”")),
            "{}",
            saved.text
        );
    }
    // A template with no name is refused beside the field, the text typed kept.
    let csrf = form(&dept, "/templates").await;
    let r = post_form(
        &app,
        "/templates",
        &dept,
        &[
            ("category", "land"),
            ("outcome", ""),
            ("title", ""),
            ("text", "已核实。"),
            ("csrf", &csrf),
        ],
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.text);
    for words in [
        "请填写模板名称",
        "请选择答复结果",
        "href=\"#template_title\"",
        "已核实。",
    ] {
        assert!(r.text.contains(words), "{words}: {}", r.text);
    }
    // Each reads what is theirs: the department both, the other department the Federation's.
    let mine = get(&app, "/templates", &dept).await.text;
    assert!(mine.contains("用地政策说明") && mine.contains("本局用地答复"));
    let theirs = get(&app, "/templates", &other).await.text;
    assert!(theirs.contains("用地政策说明") && !theirs.contains("本局用地答复"));
    let own = deletable_templates(&mine);
    assert_eq!(own.len(), 1, "the department keeps its own only: {mine}");
    let own = own[0];
    // Changing it: the form filled, then saved with a word.
    let edit = get(&app, &format!("/templates?edit={own}"), &dept).await;
    assert!(
        edit.text.contains("修改模板“本局用地答复”")
            && edit.text.contains("已会同乡镇核实用地指标。")
    );
    let r = post_form(
        &app,
        &format!("/templates/{own}"),
        &dept,
        &[
            ("category", "land"),
            ("outcome", "resolved"),
            ("title", "本局用地答复"),
            ("text", "已会同乡镇核实用地指标，将于本月落实。"),
            ("csrf", &csrf_field(&edit.text)),
        ],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.text);
    // Another department reaches neither the form nor the change.
    assert_eq!(
        get(&app, &format!("/templates?edit={own}"), &other)
            .await
            .status,
        404
    );
    let r = post_form(
        &app,
        &format!("/templates/{own}"),
        &other,
        &[
            ("category", "land"),
            ("outcome", "resolved"),
            ("title", "改掉"),
            ("text", "改掉"),
            ("csrf", &form(&other, "/templates").await),
        ],
    )
    .await;
    assert_eq!(r.status, 404, "{}", r.text);

    // The answer form: a template applied after typing keeps what was typed, before it.
    let r = send(
        &app,
        Method::POST,
        "/api/v1/issues",
        world.token("ent_a"),
        Some(&json!({"title": "厂房扩建用地指标迟迟未落实", "description": "去年申请的用地指标至今没有下文。",
               "category": "land", "channel": "online"})),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let id = r.body["id"].as_i64().unwrap_or_default();
    for (who, path, body) in [
        (
            "coord_city",
            "assign",
            json!({"lead_department_id": world.id("dept_a_department")}),
        ),
        ("dept_a", "sign", json!({})),
    ] {
        let r = send(
            &app,
            Method::POST,
            &format!("/api/v1/issues/{id}/{path}"),
            world.token(who),
            Some(&body),
        )
        .await;
        assert_eq!(r.status, 200, "{path}: {}", r.text);
    }
    let page = get(&app, &format!("/issues/{id}"), &dept).await;
    assert!(page.text.contains("本局用地答复") && page.text.contains("套用模板"));
    let r = post_form(
        &app,
        &format!("/issues/{id}/answer"),
        &dept,
        &[
            ("csrf", &csrf_field(&page.text)),
            ("version", "3"),
            ("outcome", "explained"),
            ("text", "经现场踏勘，"),
            ("template_id", &own.to_string()),
            ("apply_template", "1"),
        ],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(
        r.text
            .contains("经现场踏勘，\n\n已会同乡镇核实用地指标，将于本月落实。"),
        "{}",
        r.text
    );
    assert!(
        r.text.contains("value=\"explained\" checked"),
        "the outcome chosen is kept"
    );
    // Nothing was answered.
    let issue = send(
        &app,
        Method::GET,
        &format!("/api/v1/issues/{id}"),
        world.token("dept_a"),
        None,
    )
    .await;
    assert_eq!(issue.body["status"], "in_progress");

    // Removing asks first; then the template is gone, and the list says so.
    let ask = get(&app, &format!("/templates?remove={own}"), &dept).await;
    assert!(ask.text.contains("确认删除模板") && ask.text.contains("删除后不能恢复"));
    let r = post_form(
        &app,
        &format!("/templates/{own}/delete"),
        &dept,
        &[("csrf", &csrf_field(&ask.text))],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.text);
    let after = get(&app, &r.header("location").unwrap_or_default(), &dept).await;
    assert!(
        after.text.contains("已删除模板“本局用地答复”"),
        "{}",
        after.text
    );
    assert!(!after.text.contains("已会同乡镇"));
}

/// 登记问题's 查找 sits inside the form: what was typed stays while the enterprise is found.
#[actix_rt::test]
async fn finding_an_enterprise_keeps_the_issue_typed() {
    let db = TestDb::new();
    let app = app(&db).await;
    world(&app, &db).await;
    let coord = sign_in(&app, "coord.city").await;
    let page = get(&app, "/issues/new", &coord).await;
    let r = post_form(
        &app,
        "/issues/new",
        &coord,
        &[
            ("csrf", &csrf_field(&page.text)),
            ("key", "finding-1"),
            ("channel", "visit"),
            ("title", "园区道路被施工车辆堵塞"),
            ("description", "施工车辆长期占道，货车进出困难。"),
            ("category", "infrastructure"),
            ("enterprise_q", "德清"),
            ("find", "1"),
        ],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    for kept in [
        "园区道路被施工车辆堵塞",
        "施工车辆长期占道，货车进出困难。",
        "value=\"infrastructure\" selected",
        "value=\"visit\" selected",
        "找到 ",
    ] {
        assert!(r.text.contains(kept), "{kept}: {}", r.text);
    }
    // Nothing was filed.
    let list = get(&app, "/issues", &coord).await;
    assert!(!list.text.contains("园区道路被施工车辆堵塞"));
    let r = post_form(
        &app,
        "/issues/new",
        &coord,
        &[
            ("csrf", &csrf_field(&page.text)),
            ("enterprise_q", "不存在的企业名"),
            ("find", "1"),
        ],
    )
    .await;
    assert!(
        r.text
            .contains("没有找到名称或统一社会信用代码含“不存在的企业名”的企业"),
        "{}",
        r.text
    );
}

/// 我要反映 with files, over HTTP on both backends: refused files are each named beside the
/// field with the form's other problems (nothing filed), then the issue is filed with its
/// photo, shown on its page and downloaded; another enterprise gets nothing.
#[actix_rt::test]
async fn an_issue_is_filed_with_its_photo_and_refused_files_are_each_named() {
    const PNG: &[u8] = include_bytes!("../fixtures/road.png");
    const EXE: &[u8] = b"MZ\x90\0\x03\0\0\0This program cannot be run in DOS mode.";
    let db = TestDb::new();
    let app = app(&db).await;
    world(&app, &db).await;
    let cookie = sign_in(&app, "ent.a").await;
    let csrf = csrf_field(&get(&app, "/issues/new", &cookie).await.text);
    let boundary = "qinqing-page-boundary";
    let form = |fields: &[(&str, &str)], files: &[(&str, &[u8])]| {
        let mut body = Vec::new();
        for (k, v) in fields {
            body.extend(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
                )
                .into_bytes(),
            );
        }
        for (name, bytes) in files {
            body.extend(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
                     Content-Type: application/octet-stream\r\n\r\n"
                )
                .into_bytes(),
            );
            body.extend_from_slice(bytes);
            body.extend(b"\r\n");
        }
        body.extend(format!("--{boundary}--\r\n").into_bytes());
        TestRequest::post()
            .uri("/issues/new")
            .insert_header((
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            ))
            .insert_header((header::COOKIE, cookie.clone()))
            .set_payload(body)
    };
    let fields = [
        ("csrf", csrf.as_str()),
        ("title", "厂区门口道路被堵"),
        ("description", ""),
        ("category", "infrastructure"),
    ];
    let r = send_request(
        &app,
        form(
            &fields,
            &[("程序.pdf", EXE), ("照片.png", PNG), ("安装包.docx", EXE)],
        ),
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.text);
    let beside = r
        .text
        .split("id=\"file-error\">")
        .nth(1)
        .and_then(|t| t.split("</p>").next())
        .unwrap_or_default();
    assert!(
        beside.contains("“程序.pdf”不能上传") && beside.contains("“安装包.docx”不能上传"),
        "{beside}"
    );
    assert!(
        r.text.contains("id=\"description-error\">请填写问题描述"),
        "{}",
        r.text
    );
    assert!(
        r.text.contains("请重新选择附件"),
        "the page does not say to choose the files again"
    );
    assert!(
        r.text.contains("厂区门口道路被堵"),
        "the title typed was not kept"
    );
    let mut conn = db.connect();
    assert_eq!(count(&mut conn, "SELECT COUNT(*) AS n FROM attachments"), 0);

    let fields = [
        ("csrf", csrf.as_str()),
        ("title", "厂区门口道路被堵"),
        ("description", "围挡占路，货车进不来。"),
        ("category", "infrastructure"),
    ];
    let r = send_request(&app, form(&fields, &[("堵路照片.png", PNG)])).await;
    assert_eq!(r.status, 303, "{}", r.text);
    let page = r.header("location").unwrap_or_default();
    let page = page.split('?').next().unwrap_or_default().to_owned();
    let r = get(&app, &page, &cookie).await;
    assert!(r.text.contains("堵路照片.png"), "{}", r.text);
    let file = r
        .text
        .split("/files/")
        .nth(1)
        .and_then(|t| t.split(['/', '"']).next())
        .unwrap_or_default()
        .to_owned();
    assert!(
        r.text.contains(&format!("/files/{file}/image")),
        "no picture shown"
    );
    let r = get(&app, &format!("/files/{file}"), &cookie).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.bytes, PNG);
    let other = sign_in(&app, "ent.b").await;
    assert_eq!(
        get(&app, &format!("/files/{file}"), &other).await.status,
        404
    );
    assert_eq!(
        get(&app, &format!("/files/{file}/image"), &other)
            .await
            .status,
        404
    );
}
