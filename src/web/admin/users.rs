//! 用户管理: the accounts — list and search, 新建用户 (with a one-time password shown once),
//! role and scope, 停用, 重置密码, 解除锁定.

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::{require_admin, DoneQuery, Lists};
use crate::db;
use crate::domain::role::Role;
use crate::error::Error;
use crate::service::users::{self, NewUserIn, OneTime, PasswordReset, User, UserPatch, UserQuery};
use crate::web::act::Posted;
use crate::web::form::{choice, form_of, id_field, refused, unprocessable, Choice, Problems};
use crate::web::{filled, format, page, parse_query, redirect, Chrome, Session, WebError};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/admin/users").get(list))
        .service(web::resource("/admin/users/new").get(new_form).post(create))
        .service(web::resource("/admin/users/{id}").get(edit_form).post(save))
        .service(web::resource("/admin/users/{id}/password").post(reset));
}

struct Line {
    id: i64,
    username: String,
    name: String,
    role: &'static str,
    scope: String,
    state: &'static str,
}

#[derive(Template)]
#[template(path = "admin_users.html")]
struct ListPage {
    chrome: Chrome,
    q: String,
    roles: Vec<Choice>,
    lines: Vec<Line>,
    total: String,
    prev_href: Option<String>,
    next_href: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListForm {
    q: Option<String>,
    role: Option<String>,
    page: Option<i64>,
}

const PER_PAGE: i64 = 50;

/// Where an account belongs, in words: its region, department or enterprise.
fn scope_words(u: &User, lists: &Lists) -> String {
    if let Some(d) = u.department_id {
        return lists.department_name(d);
    }
    if let Some(e) = u.enterprise_id {
        return lists.enterprise_names.get(&e).cloned().unwrap_or_default();
    }
    if let Some(r) = u.region_id {
        return lists.region_name(r);
    }
    "全部".into()
}

async fn list(session: Session, req: HttpRequest) -> Result<HttpResponse, WebError> {
    require_admin(&session)?;
    let pairs = filled(&req);
    let f: ListForm = parse_query(&pairs)?;
    let role = match f.role.as_deref() {
        None => None,
        Some(r) => Some(
            Role::parse(r).ok_or_else(|| WebError::Page(Error::invalid("role", "no such role")))?,
        ),
    };
    let q = UserQuery {
        q: f.q.clone(),
        role,
        region_id: None,
        department_id: None,
        enterprise_id: None,
        active: None,
        page: f.page,
        per_page: Some(PER_PAGE),
    };
    let caller = session.caller.clone();
    let state = session.state.clone();
    let (listed, lists) = db::run(&state.pool, move |conn| {
        let listed = users::list(conn, &caller, q)?;
        let ents: Vec<i64> = listed
            .items
            .iter()
            .filter_map(|u| u.enterprise_id)
            .collect();
        let lists = Lists::read(conn, &ents)?;
        Ok((listed, lists))
    })
    .await?;
    let (prev_href, next_href) =
        super::pages("/admin/users", &pairs, listed.page, listed.total, PER_PAGE);
    let now = role.map(|r| r.as_str()).unwrap_or("");
    let mut roles = vec![choice("", "全部", now)];
    roles.extend(Role::ALL.iter().map(|r| choice(r.as_str(), r.zh(), now)));
    page(&ListPage {
        chrome: Chrome::new(&session, "用户管理", "/admin"),
        q: f.q.unwrap_or_default(),
        roles,
        total: format::count(listed.total),
        prev_href,
        next_href,
        lines: listed
            .items
            .iter()
            .map(|u| Line {
                id: u.id,
                username: u.username.clone(),
                name: u.display_name.clone(),
                role: Role::parse(&u.role).map(Role::zh).unwrap_or(""),
                scope: scope_words(u, &lists),
                state: if !u.active {
                    "已停用"
                } else if u.must_change_password {
                    "待改密码"
                } else {
                    "正常"
                },
            })
            .collect(),
    })
}

#[derive(Template)]
#[template(path = "admin_user.html")]
struct UserPage {
    chrome: Chrome,
    /// None: 新建用户.
    id: Option<i64>,
    problems: Problems,
    username: String,
    display_name: String,
    roles: Vec<Choice>,
    regions: Vec<Choice>,
    departments: Vec<Choice>,
    enterprise_code: String,
    active: bool,
    locked: bool,
    must_change: bool,
    /// Shown once, right after it was made.
    one_time: Option<String>,
    done: Option<&'static str>,
}

/// The values the form shows: from a posted form, else from the stored user.
struct Values {
    username: String,
    display_name: String,
    role: String,
    region_id: String,
    department_id: String,
    enterprise_code: String,
    active: bool,
}

impl Values {
    fn posted(f: &Posted) -> Values {
        Values {
            username: f.text("username"),
            display_name: f.text("display_name"),
            role: f.text("role"),
            region_id: f.text("region_id"),
            department_id: f.text("department_id"),
            enterprise_code: f.text("enterprise_code"),
            active: f.text("active") == "true",
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn user_page(
    session: &Session,
    id: Option<i64>,
    values: Option<Values>,
    problems: Problems,
    one_time: Option<String>,
    done: Option<&'static str>,
) -> Result<HttpResponse, WebError> {
    let caller = session.caller.clone();
    let state = session.state.clone();
    let (user, lists, locked, code) = db::run(&state.pool, move |conn| {
        let user = match id {
            Some(id) => Some(users::get(conn, &caller, id)?),
            None => None,
        };
        let lists = Lists::read(conn, &[])?;
        let locked = match &user {
            Some(u) => users::locked(conn, &caller)?.iter().any(|l| l.id == u.id),
            None => false,
        };
        let code = match user.as_ref().and_then(|u| u.enterprise_id) {
            Some(e) => crate::service::enterprises::get(conn, &caller, e)
                .map(|e| e.credit_code)
                .unwrap_or_default(),
            None => String::new(),
        };
        Ok((user, lists, locked, code))
    })
    .await?;
    let v = match (values, &user) {
        (Some(v), _) => v,
        (None, Some(u)) => Values {
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            role: u.role.clone(),
            region_id: u.region_id.map(|r| r.to_string()).unwrap_or_default(),
            department_id: u.department_id.map(|d| d.to_string()).unwrap_or_default(),
            enterprise_code: code,
            active: u.active,
        },
        (None, None) => Values {
            username: String::new(),
            display_name: String::new(),
            role: String::new(),
            region_id: String::new(),
            department_id: String::new(),
            enterprise_code: String::new(),
            active: true,
        },
    };
    let title = match &user {
        Some(u) => format!("用户：{}", u.display_name),
        None => "新建用户".into(),
    };
    let mut roles = vec![choice("", "请选择", &v.role)];
    roles.extend(
        Role::ALL
            .iter()
            .map(|r| choice(r.as_str(), r.zh(), &v.role)),
    );
    page(&UserPage {
        chrome: Chrome::new(session, title, "/admin"),
        id,
        problems,
        username: v.username,
        display_name: v.display_name,
        roles,
        regions: lists.region_choices(&v.region_id, "无"),
        departments: lists.department_choices(&v.department_id, "无"),
        enterprise_code: v.enterprise_code,
        active: v.active,
        locked,
        must_change: user.as_ref().is_some_and(|u| u.must_change_password),
        one_time,
        done,
    })
}

async fn new_form(session: Session) -> Result<HttpResponse, WebError> {
    require_admin(&session)?;
    user_page(&session, None, None, Problems::default(), None, None).await
}

async fn edit_form(
    session: Session,
    id: web::Path<i64>,
    q: web::Query<DoneQuery>,
) -> Result<HttpResponse, WebError> {
    require_admin(&session)?;
    let done = match q.done.as_deref() {
        Some("saved") => Some("已保存。"),
        Some("unlocked") => Some("已解除锁定，该用户可以立即登录。"),
        _ => None,
    };
    user_page(
        &session,
        Some(id.into_inner()),
        None,
        Problems::default(),
        None,
        done,
    )
    .await
}

/// The enterprise an account is linked to, named by its credit code on the form.
async fn enterprise_of(
    session: &Session,
    code: &str,
    problems: &mut Problems,
) -> Result<Option<i64>, WebError> {
    let code = code.trim().to_owned();
    if code.is_empty() {
        return Ok(None);
    }
    let state = session.state.clone();
    let found = db::run(&state.pool, move |conn| {
        Ok(match crate::domain::credit_code::validate(&code) {
            Ok(c) => crate::store::enterprises::by_codes(conn, std::slice::from_ref(&c))?
                .remove(&c)
                .map(|e| e.id),
            Err(_) => None,
        })
    })
    .await?;
    if found.is_none() {
        problems.add("enterprise_code", "没有这个统一社会信用代码的企业");
    }
    Ok(found)
}

async fn create(session: Session, body: web::Bytes) -> Result<HttpResponse, WebError> {
    let form = form_of(&body)?;
    session.check_csrf(&form.text("csrf"))?;
    require_admin(&session)?;
    let mut problems = Problems::default();
    let role = Role::parse(&form.text("role"));
    if role.is_none() {
        // Every problem at once: what the service would say of the other fields too.
        let username = form.text("username").trim().to_lowercase();
        if let Some(m) = users::username_error(&username) {
            let e = crate::error::FieldError::new("username", m);
            problems.add("username", crate::web::act::in_words(&e));
        }
        if form.text("display_name").trim().is_empty() {
            problems.add("display_name", "请填写姓名");
        }
        problems.add("role", "请选择角色");
    }
    let region_id = id_field(&form, "region_id", &mut problems, "区域");
    let department_id = id_field(&form, "department_id", &mut problems, "部门");
    let enterprise_id =
        enterprise_of(&session, &form.text("enterprise_code"), &mut problems).await?;
    let outcome = match role {
        Some(role) if problems.is_empty() => {
            let input = NewUserIn {
                username: form.text("username"),
                password: String::new(),
                display_name: form.text("display_name"),
                role,
                region_id,
                department_id,
                enterprise_id,
            };
            let caller = session.caller.clone();
            let state = session.state.clone();
            db::run(&state.pool, move |conn| {
                users::create_one_time(conn, &caller, input)
            })
            .await
            .map(Some)
        }
        _ => Ok(None),
    };
    match outcome {
        Ok(Some((user, OneTime { one_time_password }))) => {
            user_page(
                &session,
                Some(user.id),
                None,
                Problems::default(),
                Some(one_time_password),
                Some("用户已创建。"),
            )
            .await
        }
        Ok(None) => Ok(unprocessable(
            user_page(
                &session,
                None,
                Some(Values::posted(&form)),
                problems,
                None,
                None,
            )
            .await?,
        )),
        Err(e) if refused(&e) => Ok(unprocessable(
            user_page(
                &session,
                None,
                Some(Values::posted(&form)),
                Problems::of(&e),
                None,
                None,
            )
            .await?,
        )),
        Err(e) => Err(e.into()),
    }
}

async fn save(
    session: Session,
    id: web::Path<i64>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let form = form_of(&body)?;
    session.check_csrf(&form.text("csrf"))?;
    require_admin(&session)?;
    let id = id.into_inner();
    let mut problems = Problems::default();
    let role = Role::parse(&form.text("role"));
    if role.is_none() {
        problems.add("role", "请选择角色");
    }
    let region_id = id_field(&form, "region_id", &mut problems, "区域");
    let department_id = id_field(&form, "department_id", &mut problems, "部门");
    let enterprise_id =
        enterprise_of(&session, &form.text("enterprise_code"), &mut problems).await?;
    if !problems.is_empty() {
        return Ok(unprocessable(
            user_page(
                &session,
                Some(id),
                Some(Values::posted(&form)),
                problems,
                None,
                None,
            )
            .await?,
        ));
    }
    // A link the role does not use is cleared, not refused: the form keeps every select.
    let link = role.map(|r| r.link());
    use crate::domain::role::Link;
    let patch = UserPatch {
        display_name: Some(form.text("display_name")),
        role,
        region_id: Some(region_id.filter(|_| link == Some(Link::Region))),
        department_id: Some(department_id.filter(|_| link == Some(Link::Department))),
        enterprise_id: Some(enterprise_id.filter(|_| link == Some(Link::Enterprise))),
        active: Some(form.text("active") == "true"),
    };
    let caller = session.caller.clone();
    let state = session.state.clone();
    let outcome = db::run(&state.pool, move |conn| {
        users::update(conn, &caller, id, patch)
    })
    .await;
    state.callers.forget(id);
    match outcome {
        Ok(_) => Ok(redirect(&format!("/admin/users/{id}?done=saved"))),
        Err(e) if refused(&e) => Ok(unprocessable(
            user_page(
                &session,
                Some(id),
                Some(Values::posted(&form)),
                Problems::of(&e),
                None,
                None,
            )
            .await?,
        )),
        Err(e) => Err(e.into()),
    }
}

/// 重置密码: the page shows the one-time password once; the old one stops working.
async fn reset(
    session: Session,
    id: web::Path<i64>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let form = form_of(&body)?;
    session.check_csrf(&form.text("csrf"))?;
    require_admin(&session)?;
    let id = id.into_inner();
    let caller = session.caller.clone();
    let state = session.state.clone();
    let once = db::run(&state.pool, move |conn| {
        users::reset_password(conn, &caller, id, PasswordReset::default())
    })
    .await?;
    state.callers.forget(id);
    user_page(
        &session,
        Some(id),
        None,
        Problems::default(),
        Some(once.one_time_password),
        Some("密码已重置。"),
    )
    .await
}
