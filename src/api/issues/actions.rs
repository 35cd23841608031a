//! Every action on an issue: `POST /api/v1/issues/{id}/<action>`, each answering with the
//! updated issue (an extension request: 201 with the request). `If-Match` names the
//! version the client acted on.

use actix_web::{web, HttpRequest, HttpResponse};

use super::super::common::created;
use super::super::extract::{Json, OptionalJson};
use super::{if_match, issue_response, reading};
use crate::auth::Caller;
use crate::db;
use crate::error::Error;
use crate::http::AppState;
use crate::service::issues::actions::{
    perform, AnswerIn, AssignIn, Command, CommentIn, DecisionIn, ExtensionIn, MarkIn, MergeIn,
    NoteIn, OptionalNoteIn, RatingIn, ReasonIn,
};
use crate::service::issues::{Extension, Issue};

pub fn routes(cfg: &mut web::ServiceConfig) {
    let action = |name: &str| format!("/api/v1/issues/{{id}}/{name}");
    cfg.service(web::resource(action("assign")).post(assign))
        .service(web::resource(action("sign")).post(sign))
        .service(web::resource(action("take-over")).post(take_over))
        .service(web::resource(action("return")).post(return_issue))
        .service(
            web::resource(action("extensions"))
                .get(reading::extensions)
                .post(request_extension),
        )
        .service(web::resource(action("extensions/{ext_id}/decision")).post(decide_extension))
        .service(web::resource(action("answer")).post(answer))
        .service(web::resource(action("rating")).post(rate))
        .service(web::resource(action("close")).post(close))
        .service(web::resource(action("withdraw")).post(withdraw))
        .service(web::resource(action("urge")).post(urge))
        .service(web::resource(action("supervise")).post(supervise))
        .service(web::resource(action("comments")).post(comment))
        .service(web::resource(action("mark")).post(mark))
        .service(web::resource(action("merge")).post(merge));
}

/// Runs a command for a request, off the async workers.
async fn run(
    state: web::Data<AppState>,
    caller: Caller,
    req: &HttpRequest,
    id: i64,
    command: Command,
) -> Result<(Issue, Option<Extension>), Error> {
    let expected = if_match(req, id)?;
    db::run(&state.pool, move |conn| {
        perform(conn, &caller, id, expected.as_deref(), command)
    })
    .await
}

/// Runs a command and answers with the issue.
async fn issue(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: i64,
    command: Command,
) -> Result<HttpResponse, Error> {
    let (issue, _) = run(state, caller, &req, id, command).await?;
    Ok(issue_response(&issue))
}

/// 交办 / 重新交办
async fn assign(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<i64>,
    Json(body): Json<AssignIn>,
) -> Result<HttpResponse, Error> {
    issue(state, caller, req, id.into_inner(), Command::Assign(body)).await
}

/// 签收
async fn sign(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<i64>,
) -> Result<HttpResponse, Error> {
    issue(state, caller, req, id.into_inner(), Command::Sign).await
}

/// 接手
async fn take_over(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<i64>,
) -> Result<HttpResponse, Error> {
    issue(state, caller, req, id.into_inner(), Command::TakeOver).await
}

/// 退回
async fn return_issue(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<i64>,
    Json(body): Json<ReasonIn>,
) -> Result<HttpResponse, Error> {
    issue(state, caller, req, id.into_inner(), Command::Return(body)).await
}

/// 申请延期: 201 with the request.
async fn request_extension(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<i64>,
    Json(body): Json<ExtensionIn>,
) -> Result<HttpResponse, Error> {
    let command = Command::RequestExtension(body);
    let (_, ext) = run(state, caller, &req, id.into_inner(), command).await?;
    let ext = ext.ok_or_else(|| Error::internal("extension request not returned"))?;
    Ok(created(
        format!("/api/v1/issues/{}/extensions", ext.issue_id),
        &ext,
    ))
}

/// 同意延期 / 不同意延期
async fn decide_extension(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<(i64, i64)>,
    Json(body): Json<DecisionIn>,
) -> Result<HttpResponse, Error> {
    let (id, ext) = path.into_inner();
    issue(state, caller, req, id, Command::DecideExtension(ext, body)).await
}

/// 答复
async fn answer(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<i64>,
    Json(body): Json<AnswerIn>,
) -> Result<HttpResponse, Error> {
    issue(state, caller, req, id.into_inner(), Command::Answer(body)).await
}

/// 评价 (a coordinator's: 回访)
async fn rate(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<i64>,
    Json(body): Json<RatingIn>,
) -> Result<HttpResponse, Error> {
    issue(state, caller, req, id.into_inner(), Command::Rate(body)).await
}

/// 办结
async fn close(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<i64>,
    Json(body): Json<NoteIn>,
) -> Result<HttpResponse, Error> {
    issue(state, caller, req, id.into_inner(), Command::Close(body)).await
}

/// 合并: closes the issue as a repeat of an earlier one.
async fn merge(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<i64>,
    Json(body): Json<MergeIn>,
) -> Result<HttpResponse, Error> {
    issue(state, caller, req, id.into_inner(), Command::Merge(body)).await
}

/// 撤回
async fn withdraw(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<i64>,
) -> Result<HttpResponse, Error> {
    issue(state, caller, req, id.into_inner(), Command::Withdraw).await
}

/// 催办
async fn urge(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<i64>,
    OptionalJson(body): OptionalJson<OptionalNoteIn>,
) -> Result<HttpResponse, Error> {
    issue(state, caller, req, id.into_inner(), Command::Urge(body)).await
}

/// 督办
async fn supervise(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<i64>,
    OptionalJson(body): OptionalJson<OptionalNoteIn>,
) -> Result<HttpResponse, Error> {
    issue(
        state,
        caller,
        req,
        id.into_inner(),
        Command::Supervise(body),
    )
    .await
}

/// 留言
async fn comment(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<i64>,
    Json(body): Json<CommentIn>,
) -> Result<HttpResponse, Error> {
    issue(state, caller, req, id.into_inner(), Command::Comment(body)).await
}

/// 标记共性 / 个性
async fn mark(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<i64>,
    Json(body): Json<MarkIn>,
) -> Result<HttpResponse, Error> {
    issue(state, caller, req, id.into_inner(), Command::Mark(body)).await
}
