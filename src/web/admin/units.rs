//! 部门管理, 企业管理 and 区域: the departments (更名 keeping the former name, 兜底, 负责类别,
//! 停用), the enterprises (search, edit, 合并) and the regions.

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::{pages, require_admin, DoneQuery, Lists};
use crate::db;
use crate::domain::issue::Category;
use crate::error::Error;
use crate::service::departments::{self, DepartmentPatch, DepartmentQuery, NewDepartment};
use crate::service::enterprises::{
    self, EnterprisePatch, EnterpriseQuery, MergeIn, NewEnterpriseIn, Size,
};
use crate::service::regions::{self, NewRegion, RegionPatch};
use crate::web::act::Posted;
use crate::web::form::{
    checked, choice, form_of, id_field, refused, unprocessable, Choice, Problems,
};
use crate::web::{filled, format, page, parse_query, redirect, Chrome, Session, WebError};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/admin/departments").get(departments_list))
        .service(
            web::resource("/admin/departments/new")
                .get(new_department)
                .post(create_department),
        )
        .service(
            web::resource("/admin/departments/{id}")
                .get(edit_department)
                .post(save_department),
        )
        .service(web::resource("/admin/enterprises").get(enterprises_list))
        .service(
            web::resource("/admin/enterprises/new")
                .get(new_enterprise)
                .post(create_enterprise),
        )
        .service(
            web::resource("/admin/enterprises/{id}")
                .get(edit_enterprise)
                .post(save_enterprise),
        )
        .service(web::resource("/admin/enterprises/{id}/merge").post(merge_enterprise))
        .service(
            web::resource("/admin/regions")
                .get(regions_list)
                .post(create_region),
        )
        .service(
            web::resource("/admin/regions/{id}")
                .get(edit_region)
                .post(save_region),
        );
}

const PER_PAGE: i64 = 50;

fn done_words(done: Option<&str>) -> Option<&'static str> {
    match done? {
        "saved" => Some("已保存。"),
        "created" => Some("已创建。"),
        "merged" => Some("已合并：另一条记录的问题、参会记录和账号都已归入本企业。"),
        _ => None,
    }
}

// ---- 部门管理 ----

struct DeptLine {
    id: i64,
    name: String,
    region: String,
    catch_all: bool,
    categories: String,
    former: String,
    active: bool,
}

#[derive(Template)]
#[template(path = "admin_departments.html")]
struct DepartmentsPage {
    chrome: Chrome,
    q: String,
    regions: Vec<Choice>,
    lines: Vec<DeptLine>,
    total: String,
    prev_href: Option<String>,
    next_href: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListForm {
    q: Option<String>,
    region_id: Option<i64>,
    page: Option<i64>,
}

async fn departments_list(session: Session, req: HttpRequest) -> Result<HttpResponse, WebError> {
    require_admin(&session)?;
    let pairs = filled(&req);
    let f: ListForm = parse_query(&pairs)?;
    let q = DepartmentQuery {
        q: f.q.clone(),
        region_id: f.region_id,
        active: None,
        page: f.page,
        per_page: Some(PER_PAGE),
    };
    let caller = session.caller.clone();
    let state = session.state.clone();
    let (listed, lists) = db::run(&state.pool, move |conn| {
        Ok((
            departments::list(conn, &caller, q)?,
            Lists::read(conn, &[])?,
        ))
    })
    .await?;
    let (prev_href, next_href) = pages(
        "/admin/departments",
        &pairs,
        listed.page,
        listed.total,
        PER_PAGE,
    );
    let now = f.region_id.map(|r| r.to_string()).unwrap_or_default();
    page(&DepartmentsPage {
        chrome: Chrome::new(&session, "部门管理", "/admin"),
        q: f.q.unwrap_or_default(),
        regions: lists.region_choices(&now, "全部"),
        total: format::count(listed.total),
        prev_href,
        next_href,
        lines: listed
            .items
            .iter()
            .map(|d| DeptLine {
                id: d.id,
                name: d.name.clone(),
                region: lists.region_name(d.region_id),
                catch_all: d.catch_all,
                categories: d
                    .categories
                    .iter()
                    .map(|c| c.zh())
                    .collect::<Vec<_>>()
                    .join("、"),
                former: d
                    .former_names
                    .iter()
                    .map(|f| format!("{}（{}前）", f.name, format::date(f.until)))
                    .collect::<Vec<_>>()
                    .join("；"),
                active: d.active,
            })
            .collect(),
    })
}

#[derive(Template)]
#[template(path = "admin_department.html")]
struct DepartmentPage {
    chrome: Chrome,
    id: Option<i64>,
    problems: Problems,
    done: Option<&'static str>,
    name: String,
    regions: Vec<Choice>,
    catch_all: bool,
    categories: Vec<Choice>,
    active: bool,
    former: Vec<String>,
}

struct DeptValues {
    name: String,
    region_id: String,
    catch_all: bool,
    categories: Vec<String>,
    active: bool,
}

impl DeptValues {
    fn posted(f: &Posted) -> DeptValues {
        DeptValues {
            name: f.text("name"),
            region_id: f.text("region_id"),
            catch_all: f.text("catch_all") == "true",
            categories: f.all("categories"),
            active: f.text("active") == "true",
        }
    }
}

async fn department_page(
    session: &Session,
    id: Option<i64>,
    values: Option<DeptValues>,
    problems: Problems,
    done: Option<&'static str>,
) -> Result<HttpResponse, WebError> {
    let caller = session.caller.clone();
    let state = session.state.clone();
    let (dept, lists) = db::run(&state.pool, move |conn| {
        let d = match id {
            Some(id) => Some(departments::get(conn, &caller, id)?),
            None => None,
        };
        Ok((d, Lists::read(conn, &[])?))
    })
    .await?;
    let v = match (values, &dept) {
        (Some(v), _) => v,
        (None, Some(d)) => DeptValues {
            name: d.name.clone(),
            region_id: d.region_id.to_string(),
            catch_all: d.catch_all,
            categories: d.categories.iter().map(|c| c.code().to_owned()).collect(),
            active: d.active,
        },
        (None, None) => DeptValues {
            name: String::new(),
            region_id: String::new(),
            catch_all: false,
            categories: Vec::new(),
            active: true,
        },
    };
    page(&DepartmentPage {
        chrome: Chrome::new(
            session,
            match &dept {
                Some(d) => format!("部门：{}", d.name),
                None => "新建部门".into(),
            },
            "/admin",
        ),
        id,
        problems,
        done,
        name: v.name,
        regions: lists.region_choices(&v.region_id, "请选择"),
        catch_all: v.catch_all,
        categories: Category::ALL
            .iter()
            .map(|c| Choice {
                value: c.code().to_owned(),
                label: c.zh().to_owned(),
                selected: v.categories.iter().any(|x| x == c.code()),
            })
            .collect(),
        active: v.active,
        former: dept
            .map(|d| {
                d.former_names
                    .iter()
                    .map(|f| format!("{}（{}以前）", f.name, format::date(f.until)))
                    .collect()
            })
            .unwrap_or_default(),
    })
}

async fn new_department(session: Session) -> Result<HttpResponse, WebError> {
    require_admin(&session)?;
    department_page(&session, None, None, Problems::default(), None).await
}

async fn edit_department(
    session: Session,
    id: web::Path<i64>,
    q: web::Query<DoneQuery>,
) -> Result<HttpResponse, WebError> {
    require_admin(&session)?;
    department_page(
        &session,
        Some(id.into_inner()),
        None,
        Problems::default(),
        done_words(q.done.as_deref()),
    )
    .await
}

async fn create_department(session: Session, body: web::Bytes) -> Result<HttpResponse, WebError> {
    let form = form_of(&body)?;
    session.check_csrf(&form.text("csrf"))?;
    require_admin(&session)?;
    let mut problems = Problems::default();
    let region_id = id_field(&form, "region_id", &mut problems, "区域");
    if region_id.is_none() && problems.is_empty() {
        problems.add("region_id", "请选择区域");
    }
    let outcome = match region_id {
        Some(region_id) if problems.is_empty() => {
            let input = NewDepartment {
                name: form.text("name"),
                region_id,
                catch_all: form.text("catch_all") == "true",
                categories: checked(&form, "categories", Category::parse),
            };
            let caller = session.caller.clone();
            let state = session.state.clone();
            match db::run(&state.pool, move |conn| {
                departments::create(conn, &caller, input)
            })
            .await
            {
                Ok(d) => Ok(d),
                Err(e) if refused(&e) => Err(Problems::of(&e)),
                Err(e) => return Err(e.into()),
            }
        }
        _ => Err(problems),
    };
    match outcome {
        Ok(d) => Ok(redirect(&format!(
            "/admin/departments/{}?done=created",
            d.id
        ))),
        Err(p) => Ok(unprocessable(
            department_page(&session, None, Some(DeptValues::posted(&form)), p, None).await?,
        )),
    }
}

async fn save_department(
    session: Session,
    id: web::Path<i64>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let form = form_of(&body)?;
    session.check_csrf(&form.text("csrf"))?;
    require_admin(&session)?;
    let id = id.into_inner();
    let mut problems = Problems::default();
    let region_id = id_field(&form, "region_id", &mut problems, "区域");
    if !problems.is_empty() {
        return Ok(unprocessable(
            department_page(
                &session,
                Some(id),
                Some(DeptValues::posted(&form)),
                problems,
                None,
            )
            .await?,
        ));
    }
    let patch = DepartmentPatch {
        name: Some(form.text("name")),
        region_id,
        catch_all: Some(form.text("catch_all") == "true"),
        active: Some(form.text("active") == "true"),
        categories: Some(checked(&form, "categories", Category::parse)),
    };
    let caller = session.caller.clone();
    let state = session.state.clone();
    match db::run(&state.pool, move |conn| {
        departments::update(conn, &caller, id, patch)
    })
    .await
    {
        Ok(_) => Ok(redirect(&format!("/admin/departments/{id}?done=saved"))),
        Err(e) if refused(&e) => Ok(unprocessable(
            department_page(
                &session,
                Some(id),
                Some(DeptValues::posted(&form)),
                Problems::of(&e),
                None,
            )
            .await?,
        )),
        Err(e) => Err(e.into()),
    }
}

// ---- 企业管理 ----

struct EntLine {
    id: i64,
    name: String,
    code: String,
    region: String,
    industry: String,
    size: &'static str,
}

#[derive(Template)]
#[template(path = "admin_enterprises.html")]
struct EnterprisesPage {
    chrome: Chrome,
    q: String,
    regions: Vec<Choice>,
    lines: Vec<EntLine>,
    total: String,
    prev_href: Option<String>,
    next_href: Option<String>,
}

fn size_zh(s: &str) -> &'static str {
    Size::parse(s).map(Size::zh).unwrap_or("")
}

async fn enterprises_list(session: Session, req: HttpRequest) -> Result<HttpResponse, WebError> {
    require_admin(&session)?;
    let pairs = filled(&req);
    let f: ListForm = parse_query(&pairs)?;
    let q = EnterpriseQuery {
        q: f.q.clone(),
        region_id: f.region_id,
        size: None,
        page: f.page,
        per_page: Some(PER_PAGE),
    };
    let caller = session.caller.clone();
    let state = session.state.clone();
    let (listed, lists) = db::run(&state.pool, move |conn| {
        Ok((
            enterprises::list(conn, &caller, q)?,
            Lists::read(conn, &[])?,
        ))
    })
    .await?;
    let (prev_href, next_href) = pages(
        "/admin/enterprises",
        &pairs,
        listed.page,
        listed.total,
        PER_PAGE,
    );
    let now = f.region_id.map(|r| r.to_string()).unwrap_or_default();
    page(&EnterprisesPage {
        chrome: Chrome::new(&session, "企业管理", "/admin"),
        q: f.q.unwrap_or_default(),
        regions: lists.region_choices(&now, "全部"),
        total: format::count(listed.total),
        prev_href,
        next_href,
        lines: listed
            .items
            .iter()
            .map(|e| EntLine {
                id: e.id,
                name: e.name.clone(),
                code: e.credit_code.clone(),
                region: lists.region_name(e.region_id),
                industry: e.industry.clone(),
                size: size_zh(&e.size),
            })
            .collect(),
    })
}

#[derive(Template)]
#[template(path = "admin_enterprise.html")]
struct EnterprisePage {
    chrome: Chrome,
    id: Option<i64>,
    problems: Problems,
    merge_problems: Problems,
    done: Option<&'static str>,
    name: String,
    credit_code: String,
    regions: Vec<Choice>,
    industry: String,
    sizes: Vec<Choice>,
    contact_name: String,
    contact_phone: String,
    into_code: String,
}

struct EntValues {
    name: String,
    credit_code: String,
    region_id: String,
    industry: String,
    size: String,
    contact_name: String,
    contact_phone: String,
}

impl EntValues {
    fn posted(f: &Posted) -> EntValues {
        EntValues {
            name: f.text("name"),
            credit_code: f.text("credit_code"),
            region_id: f.text("region_id"),
            industry: f.text("industry"),
            size: f.text("size"),
            contact_name: f.text("contact_name"),
            contact_phone: f.text("contact_phone"),
        }
    }
}

struct EntForm {
    values: Option<EntValues>,
    problems: Problems,
    merge_problems: Problems,
    into_code: String,
    done: Option<&'static str>,
}

impl EntForm {
    fn shown(done: Option<&'static str>) -> EntForm {
        EntForm {
            values: None,
            problems: Problems::default(),
            merge_problems: Problems::default(),
            into_code: String::new(),
            done,
        }
    }
}

async fn enterprise_page(
    session: &Session,
    id: Option<i64>,
    f: EntForm,
) -> Result<HttpResponse, WebError> {
    let caller = session.caller.clone();
    let state = session.state.clone();
    let (ent, lists) = db::run(&state.pool, move |conn| {
        let e = match id {
            Some(id) => Some(enterprises::get(conn, &caller, id)?),
            None => None,
        };
        Ok((e, Lists::read(conn, &[])?))
    })
    .await?;
    let v = match (f.values, &ent) {
        (Some(v), _) => v,
        (None, Some(e)) => EntValues {
            name: e.name.clone(),
            credit_code: e.credit_code.clone(),
            region_id: e.region_id.to_string(),
            industry: e.industry.clone(),
            size: e.size.clone(),
            contact_name: e.contact_name.clone().unwrap_or_default(),
            contact_phone: e.contact_phone.clone().flatten().unwrap_or_default(),
        },
        (None, None) => EntValues {
            name: String::new(),
            credit_code: String::new(),
            region_id: String::new(),
            industry: String::new(),
            size: String::new(),
            contact_name: String::new(),
            contact_phone: String::new(),
        },
    };
    let mut sizes = vec![choice("", "请选择", &v.size)];
    sizes.extend(
        Size::ALL
            .iter()
            .map(|s| choice(s.as_str(), s.zh(), &v.size)),
    );
    page(&EnterprisePage {
        chrome: Chrome::new(
            session,
            match &ent {
                Some(e) => format!("企业：{}", e.name),
                None => "新建企业".into(),
            },
            "/admin",
        ),
        id,
        problems: f.problems,
        merge_problems: f.merge_problems,
        done: f.done,
        name: v.name,
        credit_code: v.credit_code,
        regions: lists.region_choices(&v.region_id, "请选择"),
        industry: v.industry,
        sizes,
        contact_name: v.contact_name,
        contact_phone: v.contact_phone,
        into_code: f.into_code,
    })
}

async fn new_enterprise(session: Session) -> Result<HttpResponse, WebError> {
    require_admin(&session)?;
    enterprise_page(&session, None, EntForm::shown(None)).await
}

async fn edit_enterprise(
    session: Session,
    id: web::Path<i64>,
    q: web::Query<DoneQuery>,
) -> Result<HttpResponse, WebError> {
    require_admin(&session)?;
    let done = done_words(q.done.as_deref());
    enterprise_page(&session, Some(id.into_inner()), EntForm::shown(done)).await
}

fn blank_none(s: String) -> Option<String> {
    Some(s).filter(|v| !v.trim().is_empty())
}

async fn create_enterprise(session: Session, body: web::Bytes) -> Result<HttpResponse, WebError> {
    let form = form_of(&body)?;
    session.check_csrf(&form.text("csrf"))?;
    require_admin(&session)?;
    let mut problems = Problems::default();
    let region_id = id_field(&form, "region_id", &mut problems, "区域");
    if region_id.is_none() && problems.is_empty() {
        problems.add("region_id", "请选择区域");
    }
    let size = Size::parse(&form.text("size"));
    if size.is_none() {
        problems.add("size", "请选择规模");
    }
    let outcome = match (region_id, size) {
        (Some(region_id), Some(size)) if problems.is_empty() => {
            let input = NewEnterpriseIn {
                name: form.text("name"),
                credit_code: form.text("credit_code"),
                region_id,
                industry: form.text("industry"),
                size,
                contact_name: blank_none(form.text("contact_name")),
                contact_phone: blank_none(form.text("contact_phone")),
            };
            let caller = session.caller.clone();
            let state = session.state.clone();
            match db::run(&state.pool, move |conn| {
                enterprises::create(conn, &caller, input)
            })
            .await
            {
                Ok(e) => Ok(e),
                Err(e) if refused(&e) => Err(Problems::of(&e)),
                Err(e) => return Err(e.into()),
            }
        }
        _ => Err(problems),
    };
    match outcome {
        Ok(e) => Ok(redirect(&format!(
            "/admin/enterprises/{}?done=created",
            e.id
        ))),
        Err(p) => {
            let f = EntForm {
                values: Some(EntValues::posted(&form)),
                problems: p,
                ..EntForm::shown(None)
            };
            Ok(unprocessable(enterprise_page(&session, None, f).await?))
        }
    }
}

async fn save_enterprise(
    session: Session,
    id: web::Path<i64>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let form = form_of(&body)?;
    session.check_csrf(&form.text("csrf"))?;
    require_admin(&session)?;
    let id = id.into_inner();
    let mut problems = Problems::default();
    let region_id = id_field(&form, "region_id", &mut problems, "区域");
    let size = Size::parse(&form.text("size"));
    if size.is_none() {
        problems.add("size", "请选择规模");
    }
    let outcome = if problems.is_empty() {
        let patch = EnterprisePatch {
            name: Some(form.text("name")),
            credit_code: Some(form.text("credit_code")),
            region_id,
            industry: Some(form.text("industry")),
            size,
            contact_name: Some(blank_none(form.text("contact_name"))),
            contact_phone: Some(blank_none(form.text("contact_phone"))),
        };
        let caller = session.caller.clone();
        let state = session.state.clone();
        match db::run(&state.pool, move |conn| {
            enterprises::update(conn, &caller, id, patch)
        })
        .await
        {
            Ok(_) => Ok(()),
            Err(e) if refused(&e) => Err(Problems::of(&e)),
            Err(e) => return Err(e.into()),
        }
    } else {
        Err(problems)
    };
    match outcome {
        Ok(()) => Ok(redirect(&format!("/admin/enterprises/{id}?done=saved"))),
        Err(p) => {
            let f = EntForm {
                values: Some(EntValues::posted(&form)),
                problems: p,
                ..EntForm::shown(None)
            };
            Ok(unprocessable(enterprise_page(&session, Some(id), f).await?))
        }
    }
}

/// 合并: this record folds into the one named by its credit code; the page of the kept one
/// follows.
async fn merge_enterprise(
    session: Session,
    id: web::Path<i64>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let form = form_of(&body)?;
    session.check_csrf(&form.text("csrf"))?;
    require_admin(&session)?;
    let id = id.into_inner();
    let code = form.text("into_code");
    let confirmed = form.text("confirm") == "true";
    let caller = session.caller.clone();
    let state = session.state.clone();
    let lookup = code.clone();
    let outcome = db::run(&state.pool, move |conn| {
        let into = match crate::domain::credit_code::validate(&lookup) {
            Ok(c) => crate::store::enterprises::by_codes(conn, std::slice::from_ref(&c))?
                .remove(&c)
                .map(|e| e.id),
            Err(_) => None,
        };
        let Some(into) = into else {
            return Ok(Err(Error::invalid("into_code", "no such enterprise")));
        };
        if !confirmed {
            return Ok(Err(Error::invalid("confirm", "is required")));
        }
        Ok(enterprises::merge(conn, &caller, id, MergeIn { into }))
    })
    .await?;
    match outcome {
        Ok(m) => {
            state.callers.forget_all();
            Ok(redirect(&format!(
                "/admin/enterprises/{}?done=merged",
                m.enterprise.id
            )))
        }
        Err(e) if refused(&e) => {
            let mut merge_problems = Problems::default();
            match &e {
                Error::Invalid(f) if f.iter().any(|f| f.field == "into_code") => {
                    merge_problems.add("into_code", "没有这个统一社会信用代码的企业");
                }
                Error::Invalid(f) if f.iter().any(|f| f.field == "confirm") => {
                    merge_problems.add("confirm", "请勾选确认：合并后本记录不再存在");
                }
                Error::Invalid(f) if f.iter().any(|f| f.field == "into") => {
                    merge_problems.add("into_code", "请填写另一家企业记录的统一社会信用代码");
                }
                _ => merge_problems = Problems::of(&e),
            }
            let f = EntForm {
                merge_problems,
                into_code: code,
                ..EntForm::shown(None)
            };
            Ok(unprocessable(enterprise_page(&session, Some(id), f).await?))
        }
        Err(e) => Err(e.into()),
    }
}

// ---- 区域 ----

struct RegionLine {
    id: i64,
    name: String,
    code: String,
    depth: usize,
}

#[derive(Template)]
#[template(path = "admin_regions.html")]
struct RegionsPage {
    chrome: Chrome,
    lines: Vec<RegionLine>,
    problems: Problems,
    done: Option<&'static str>,
    /// For the form: one region (edit) or none (the list's 新建区域).
    id: Option<i64>,
    name: String,
    code: String,
    parents: Vec<Choice>,
}

async fn regions_page(
    session: &Session,
    id: Option<i64>,
    posted: Option<&Posted>,
    problems: Problems,
    done: Option<&'static str>,
) -> Result<HttpResponse, WebError> {
    let state = session.state.clone();
    let lists = db::run(&state.pool, move |conn| Lists::read(conn, &[])).await?;
    let current = id.and_then(|i| lists.regions.iter().find(|r| r.id == i));
    if id.is_some() && current.is_none() {
        return Err(WebError::Page(Error::not_found("region")));
    }
    let (name, code, parent) = match (posted, current) {
        (Some(f), _) => (f.text("name"), f.text("code"), f.text("parent_id")),
        (None, Some(r)) => (
            r.name.clone(),
            r.code.clone(),
            r.parent_id.map(|p| p.to_string()).unwrap_or_default(),
        ),
        (None, None) => Default::default(),
    };
    page(&RegionsPage {
        chrome: Chrome::new(
            session,
            match current {
                Some(r) => format!("区域：{}", r.name),
                None => "区域".into(),
            },
            "/admin",
        ),
        lines: lists
            .regions
            .iter()
            .map(|r| RegionLine {
                id: r.id,
                name: r.name.clone(),
                code: r.code.clone(),
                depth: r.path.matches('/').count().saturating_sub(2),
            })
            .collect(),
        problems,
        done,
        id,
        name,
        code,
        parents: lists.region_choices(&parent, "无（最上级）"),
    })
}

async fn regions_list(
    session: Session,
    q: web::Query<DoneQuery>,
) -> Result<HttpResponse, WebError> {
    require_admin(&session)?;
    regions_page(
        &session,
        None,
        None,
        Problems::default(),
        done_words(q.done.as_deref()),
    )
    .await
}

async fn edit_region(
    session: Session,
    id: web::Path<i64>,
    q: web::Query<DoneQuery>,
) -> Result<HttpResponse, WebError> {
    require_admin(&session)?;
    let done = done_words(q.done.as_deref());
    regions_page(
        &session,
        Some(id.into_inner()),
        None,
        Problems::default(),
        done,
    )
    .await
}

async fn create_region(session: Session, body: web::Bytes) -> Result<HttpResponse, WebError> {
    let form = form_of(&body)?;
    session.check_csrf(&form.text("csrf"))?;
    require_admin(&session)?;
    let mut problems = Problems::default();
    let parent_id = id_field(&form, "parent_id", &mut problems, "上级区域");
    let outcome = if problems.is_empty() {
        let input = NewRegion {
            code: form.text("code"),
            name: form.text("name"),
            parent_id,
        };
        let caller = session.caller.clone();
        let state = session.state.clone();
        match db::run(&state.pool, move |conn| {
            regions::create(conn, &caller, input)
        })
        .await
        {
            Ok(r) => Ok(r.id),
            Err(e) if refused(&e) => Err(Problems::of(&e)),
            Err(e) => return Err(e.into()),
        }
    } else {
        Err(problems)
    };
    match outcome {
        Ok(id) => Ok(redirect(&format!("/admin/regions/{id}?done=created"))),
        Err(p) => Ok(unprocessable(
            regions_page(&session, None, Some(&form), p, None).await?,
        )),
    }
}

async fn save_region(
    session: Session,
    id: web::Path<i64>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let form = form_of(&body)?;
    session.check_csrf(&form.text("csrf"))?;
    require_admin(&session)?;
    let id = id.into_inner();
    let mut problems = Problems::default();
    let parent_id = id_field(&form, "parent_id", &mut problems, "上级区域");
    let outcome = if problems.is_empty() {
        let patch = RegionPatch {
            code: Some(form.text("code")),
            name: Some(form.text("name")),
            parent_id: Some(parent_id),
        };
        let caller = session.caller.clone();
        let state = session.state.clone();
        let result = db::run(&state.pool, move |conn| {
            regions::update(conn, &caller, id, patch)
        })
        .await;
        state.callers.forget_all();
        match result {
            Ok(_) => Ok(()),
            Err(e) if refused(&e) => Err(Problems::of(&e)),
            Err(e) => return Err(e.into()),
        }
    } else {
        Err(problems)
    };
    match outcome {
        Ok(()) => Ok(redirect(&format!("/admin/regions/{id}?done=saved"))),
        Err(p) => Ok(unprocessable(
            regions_page(&session, Some(id), Some(&form), p, None).await?,
        )),
    }
}
