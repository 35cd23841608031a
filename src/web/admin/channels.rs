//! 消息渠道: where notices go besides each person's own list — the channels (create, edit,
//! 发送测试消息 and its result, delete) and the deliveries that failed, with the last error
//! and 重新投递.

use actix_web::{web, HttpResponse};
use askama::Template;

use super::{require_admin, DoneQuery, Lists};
use crate::db;
use crate::domain::notice::{ChannelKind, DeliveryStatus, Kind};
use crate::service::channels::{
    self, ChannelPatch, ChannelQuery, DeliveryQuery, NewChannel, TestResult,
};
use crate::web::act::Posted;
use crate::web::form::{
    checked, choice, form_of, id_field, refused, unprocessable, Choice, Problems,
};
use crate::web::{format, page, redirect, Chrome, Session, WebError};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/admin/channels").get(list))
        .service(
            web::resource("/admin/channels/new")
                .get(new_form)
                .post(create),
        )
        .service(
            web::resource("/admin/channels/{id}")
                .get(edit_form)
                .post(save),
        )
        .service(web::resource("/admin/channels/{id}/test").post(test))
        .service(web::resource("/admin/channels/{id}/delete").post(delete))
        .service(web::resource("/admin/deliveries/{id}/retry").post(retry));
}

struct ChannelLine {
    id: i64,
    kind: &'static str,
    target: String,
    scope: String,
    kinds: String,
    delivered: i64,
    pending: i64,
    failed: i64,
}

struct FailedLine {
    id: i64,
    channel: String,
    text: String,
    attempts: i32,
    error: String,
    at: String,
}

#[derive(Template)]
#[template(path = "admin_channels.html")]
struct ListPage {
    chrome: Chrome,
    lines: Vec<ChannelLine>,
    failed: Vec<FailedLine>,
    failed_total: String,
    done: Option<&'static str>,
}

fn scope_words(department: Option<i64>, region: Option<i64>, lists: &Lists) -> String {
    match (department, region) {
        (Some(d), _) => format!("部门：{}", lists.department_name(d)),
        (None, Some(r)) => format!("区域：{}", lists.region_name(r)),
        (None, None) => "全部".into(),
    }
}

async fn list(session: Session, q: web::Query<DoneQuery>) -> Result<HttpResponse, WebError> {
    require_admin(&session)?;
    let caller = session.caller.clone();
    let state = session.state.clone();
    let (chans, failed, lists) = db::run(&state.pool, move |conn| {
        let chans = channels::list(
            conn,
            &caller,
            ChannelQuery {
                page: Some(1),
                per_page: Some(100),
            },
        )?;
        let failed = channels::deliveries(
            conn,
            &caller,
            DeliveryQuery {
                status: Some(DeliveryStatus::Failed),
                channel_id: None,
                page: Some(1),
                per_page: Some(100),
            },
        )?;
        Ok((chans, failed, Lists::read(conn, &[])?))
    })
    .await?;
    let target_of = |id: i64| {
        chans
            .items
            .iter()
            .find(|c| c.id == id)
            .map(|c| format!("{}（{}）", c.kind.zh(), c.target))
            .unwrap_or_else(|| format!("渠道{id}"))
    };
    page(&ListPage {
        chrome: Chrome::new(&session, "消息渠道", "/admin"),
        done: match q.done.as_deref() {
            Some("retried") => Some("已重新排入发送队列，稍后自动发送。"),
            Some("deleted") => Some("渠道已删除。"),
            _ => None,
        },
        failed_total: format::count(failed.total),
        failed: failed
            .items
            .iter()
            .map(|d| FailedLine {
                id: d.id,
                channel: target_of(d.channel_id),
                text: d.text.clone(),
                attempts: d.attempts,
                error: d.last_error.clone().unwrap_or_default(),
                at: format::instant(d.updated_at),
            })
            .collect(),
        lines: chans
            .items
            .iter()
            .map(|c| ChannelLine {
                id: c.id,
                kind: c.kind.zh(),
                target: c.target.clone(),
                scope: scope_words(c.department_id, c.region_id, &lists),
                kinds: match &c.kinds {
                    None => "全部".into(),
                    Some(k) => k.iter().map(|k| k.zh()).collect::<Vec<_>>().join("、"),
                },
                delivered: c.deliveries.delivered,
                pending: c.deliveries.pending,
                failed: c.deliveries.failed,
            })
            .collect(),
    })
}

#[derive(Template)]
#[template(path = "admin_channel.html")]
struct ChannelPage {
    chrome: Chrome,
    id: Option<i64>,
    problems: Problems,
    done: Option<&'static str>,
    test: Option<TestResult>,
    kinds_of_channel: Vec<Choice>,
    target: String,
    has_secret: bool,
    departments: Vec<Choice>,
    regions: Vec<Choice>,
    kinds: Vec<Choice>,
    all_kinds: bool,
}

struct Values {
    kind: String,
    target: String,
    department_id: String,
    region_id: String,
    kinds: Vec<String>,
    all_kinds: bool,
}

impl Values {
    fn posted(f: &Posted) -> Values {
        Values {
            kind: f.text("kind"),
            target: f.text("target"),
            department_id: f.text("department_id"),
            region_id: f.text("region_id"),
            kinds: f.all("kinds"),
            all_kinds: f.text("all_kinds") == "true",
        }
    }
}

async fn channel_page(
    session: &Session,
    id: Option<i64>,
    values: Option<Values>,
    problems: Problems,
    done: Option<&'static str>,
    test: Option<TestResult>,
) -> Result<HttpResponse, WebError> {
    let caller = session.caller.clone();
    let state = session.state.clone();
    let (chan, lists) = db::run(&state.pool, move |conn| {
        let c = match id {
            Some(id) => Some(channels::get(conn, &caller, id)?),
            None => None,
        };
        Ok((c, Lists::read(conn, &[])?))
    })
    .await?;
    let v = match (values, &chan) {
        (Some(v), _) => v,
        (None, Some(c)) => Values {
            kind: c.kind.code().to_owned(),
            // The stored address is not shown whole (its key is a credential): left blank,
            // it stays as it is.
            target: String::new(),
            department_id: c.department_id.map(|d| d.to_string()).unwrap_or_default(),
            region_id: c.region_id.map(|r| r.to_string()).unwrap_or_default(),
            kinds: c
                .kinds
                .iter()
                .flatten()
                .map(|k| k.code().to_owned())
                .collect(),
            all_kinds: c.kinds.is_none(),
        },
        (None, None) => Values {
            kind: String::new(),
            target: String::new(),
            department_id: String::new(),
            region_id: String::new(),
            kinds: Vec::new(),
            all_kinds: true,
        },
    };
    let mut kinds_of_channel = vec![choice("", "请选择", &v.kind)];
    kinds_of_channel.extend(
        ChannelKind::ALL
            .iter()
            .map(|k| choice(k.code(), k.zh(), &v.kind)),
    );
    page(&ChannelPage {
        chrome: Chrome::new(
            session,
            match &chan {
                Some(c) => format!("消息渠道：{}", c.kind.zh()),
                None => "新建消息渠道".into(),
            },
            "/admin",
        ),
        id,
        problems,
        done,
        test,
        kinds_of_channel,
        target: v.target,
        has_secret: chan.as_ref().is_some_and(|c| c.has_secret),
        departments: lists.department_choices(&v.department_id, "不限"),
        regions: lists.region_choices(&v.region_id, "不限"),
        kinds: Kind::ALL
            .iter()
            .map(|k| Choice {
                value: k.code().to_owned(),
                label: k.zh().to_owned(),
                selected: v.kinds.iter().any(|x| x == k.code()),
            })
            .collect(),
        all_kinds: v.all_kinds,
    })
}

async fn new_form(session: Session) -> Result<HttpResponse, WebError> {
    require_admin(&session)?;
    channel_page(&session, None, None, Problems::default(), None, None).await
}

async fn edit_form(
    session: Session,
    id: web::Path<i64>,
    q: web::Query<DoneQuery>,
) -> Result<HttpResponse, WebError> {
    require_admin(&session)?;
    let done = match q.done.as_deref() {
        Some("saved") => Some("已保存。"),
        Some("created") => Some("已创建。可以先发送一条测试消息，确认能收到。"),
        _ => None,
    };
    channel_page(
        &session,
        Some(id.into_inner()),
        None,
        Problems::default(),
        done,
        None,
    )
    .await
}

/// The notice kinds chosen: none (every kind) when 全部 is ticked.
fn kinds_chosen(form: &Posted) -> Option<Vec<Kind>> {
    (form.text("all_kinds") != "true").then(|| checked(form, "kinds", Kind::parse))
}

fn secret_given(form: &Posted) -> Option<String> {
    Some(form.text("secret")).filter(|s| !s.is_empty())
}

async fn create(session: Session, body: web::Bytes) -> Result<HttpResponse, WebError> {
    let form = form_of(&body)?;
    session.check_csrf(&form.text("csrf"))?;
    require_admin(&session)?;
    let mut problems = Problems::default();
    let kind = ChannelKind::parse(&form.text("kind"));
    if kind.is_none() {
        problems.add("kind", "请选择类型");
    }
    let department_id = id_field(&form, "department_id", &mut problems, "选项");
    let region_id = id_field(&form, "region_id", &mut problems, "选项");
    let outcome = match kind {
        Some(kind) if problems.is_empty() => {
            let input = NewChannel {
                kind,
                target: form.text("target"),
                secret: secret_given(&form),
                department_id,
                region_id,
                kinds: kinds_chosen(&form),
            };
            let caller = session.caller.clone();
            let state = session.state.clone();
            let cfg = state.notify.clone();
            match db::run(&state.pool, move |conn| {
                channels::create(conn, &caller, &cfg, input)
            })
            .await
            {
                Ok(c) => Ok(c.id),
                Err(e) if refused(&e) => Err(Problems::of(&e)),
                Err(e) => return Err(e.into()),
            }
        }
        _ => Err(problems),
    };
    match outcome {
        Ok(id) => Ok(redirect(&format!("/admin/channels/{id}?done=created"))),
        Err(p) => Ok(unprocessable(
            channel_page(&session, None, Some(Values::posted(&form)), p, None, None).await?,
        )),
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
    let kind = ChannelKind::parse(&form.text("kind"));
    if kind.is_none() {
        problems.add("kind", "请选择类型");
    }
    let department_id = id_field(&form, "department_id", &mut problems, "选项");
    let region_id = id_field(&form, "region_id", &mut problems, "选项");
    let outcome = if problems.is_empty() {
        let target = form.text("target");
        let patch = ChannelPatch {
            kind,
            // Blank keeps the stored address (and its key), blank secret the stored secret.
            target: Some(target).filter(|t| !t.trim().is_empty()),
            secret: secret_given(&form).map(Some),
            department_id: Some(department_id),
            region_id: Some(region_id),
            kinds: Some(kinds_chosen(&form)),
        };
        let caller = session.caller.clone();
        let state = session.state.clone();
        let cfg = state.notify.clone();
        match db::run(&state.pool, move |conn| {
            channels::update(conn, &caller, &cfg, id, patch)
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
        Ok(()) => Ok(redirect(&format!("/admin/channels/{id}?done=saved"))),
        Err(p) => Ok(unprocessable(
            channel_page(
                &session,
                Some(id),
                Some(Values::posted(&form)),
                p,
                None,
                None,
            )
            .await?,
        )),
    }
}

/// 发送测试消息: the result is shown on the channel's page.
async fn test(
    session: Session,
    id: web::Path<i64>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let form = form_of(&body)?;
    session.check_csrf(&form.text("csrf"))?;
    require_admin(&session)?;
    let id = id.into_inner();
    let result =
        crate::api::notifications::test_channel_now(&session.state, session.caller.clone(), id)
            .await?;
    channel_page(
        &session,
        Some(id),
        None,
        Problems::default(),
        None,
        Some(result),
    )
    .await
}

async fn delete(
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
    db::run(&state.pool, move |conn| channels::delete(conn, &caller, id)).await?;
    Ok(redirect("/admin/channels?done=deleted"))
}

/// 重新投递 a failed delivery.
async fn retry(
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
    db::run(&state.pool, move |conn| channels::retry(conn, &caller, id)).await?;
    Ok(redirect("/admin/channels?done=retried"))
}
