//! Outside delivery channels (`/api/v1/channels`), kept by the administrator: where the
//! notices of a department's handlers, or of a region's Federation staff and leaders, are
//! sent besides their own lists. Secrets are write-only; a target that resolves to an
//! internal address is refused unless the allow-list names it.

use std::collections::HashMap;
use std::net::ToSocketAddrs;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::audit::{self, Object};
use super::common::{nullable, page, present, utc, Check, Paged};
use super::notices::NotifyConfig;
use crate::auth::Caller;
use crate::db::DbConn;
use crate::domain::notice::{reachable, Allow, ChannelKind, DeliveryStatus, Kind};
use crate::domain::role::Role;
use crate::error::{Error, FieldError};
use crate::service::departments::check_named;
use crate::store::{self, notices, regions};

#[derive(Serialize)]
pub struct Deliveries {
    pub pending: i64,
    pub delivered: i64,
    pub failed: i64,
}

#[derive(Serialize)]
pub struct Failure {
    pub notice_id: i64,
    pub attempts: i32,
    pub error: Option<String>,
    pub at: DateTime<Utc>,
}

#[derive(Serialize)]
pub struct Channel {
    pub id: i64,
    pub kind: ChannelKind,
    /// The address, with the values of its query (robot keys, tokens) hidden.
    pub target: String,
    pub has_secret: bool,
    pub department_id: Option<i64>,
    pub region_id: Option<i64>,
    /// The notice kinds it takes; null: every kind.
    pub kinds: Option<Vec<Kind>>,
    pub deliveries: Deliveries,
    /// The latest deliveries that failed for good (only in a single channel's answer).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failures: Option<Vec<Failure>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A URL with every query value replaced by `***` (WeCom's `key`, DingTalk's
/// `access_token`): the address can be shown, the credential in it cannot.
fn masked(kind: ChannelKind, target: &str) -> String {
    if kind == ChannelKind::Email {
        return target.to_owned();
    }
    match target.split_once('?') {
        None => target.to_owned(),
        Some((base, query)) => {
            let hidden: Vec<String> = query
                .split('&')
                .map(|pair| match pair.split_once('=') {
                    Some((k, _)) => format!("{k}=***"),
                    None => pair.to_owned(),
                })
                .collect();
            format!("{base}?{}", hidden.join("&"))
        }
    }
}

fn kinds_of(stored: Option<&str>) -> Option<Vec<Kind>> {
    stored.map(|s| s.split(',').filter_map(Kind::parse).collect())
}

fn view(
    row: notices::ChannelRow,
    counts: &HashMap<(i64, DeliveryStatus), i64>,
    failures: Option<Vec<Failure>>,
) -> Channel {
    let n = |s| counts.get(&(row.id, s)).copied().unwrap_or(0);
    Channel {
        id: row.id,
        kind: row.kind,
        target: masked(row.kind, &row.target),
        has_secret: row.secret.is_some(),
        department_id: row.department_id,
        region_id: row.region_id,
        kinds: kinds_of(row.kinds.as_deref()),
        deliveries: Deliveries {
            pending: n(DeliveryStatus::Pending),
            delivered: n(DeliveryStatus::Delivered),
            failed: n(DeliveryStatus::Failed),
        },
        failures,
        created_at: utc(row.created_at),
        updated_at: utc(row.updated_at),
    }
}

fn counts(conn: &mut DbConn, ids: &[i64]) -> Result<HashMap<(i64, DeliveryStatus), i64>, Error> {
    Ok(notices::delivery_counts(conn, ids)?
        .into_iter()
        .map(|(c, s, n)| ((c, s), n))
        .collect())
}

const KEEPERS: &[Role] = &[Role::Admin];
const WHAT: &str = "configure notification channels";

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelQuery {
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

pub fn list(conn: &mut DbConn, caller: &Caller, q: ChannelQuery) -> Result<Paged<Channel>, Error> {
    caller.require(KEEPERS, WHAT)?;
    let p = page(q.page, q.per_page)?;
    let (rows, total) = notices::channels(conn, p)?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let counts = counts(conn, &ids)?;
    let items = rows.into_iter().map(|r| view(r, &counts, None)).collect();
    Ok(Paged::new(items, total, p))
}

pub fn get(conn: &mut DbConn, caller: &Caller, id: i64) -> Result<Channel, Error> {
    caller.require(KEEPERS, WHAT)?;
    let row = notices::channel(conn, id)?.ok_or_else(|| Error::not_found("channel"))?;
    let counts = counts(conn, &[id])?;
    let failures = notices::failures(conn, id, 20)?
        .into_iter()
        .map(|f| Failure {
            notice_id: f.notice_id,
            attempts: f.attempts,
            error: f.error,
            at: utc(f.at),
        })
        .collect();
    Ok(view(row, &counts, Some(failures)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewChannel {
    pub kind: ChannelKind,
    pub target: String,
    pub secret: Option<String>,
    pub department_id: Option<i64>,
    pub region_id: Option<i64>,
    pub kinds: Option<Vec<Kind>>,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelPatch {
    #[serde(default, deserialize_with = "present")]
    pub kind: Option<ChannelKind>,
    #[serde(default, deserialize_with = "present")]
    pub target: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub secret: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    pub department_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "nullable")]
    pub region_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "nullable")]
    pub kinds: Option<Option<Vec<Kind>>>,
}

pub fn create(
    conn: &mut DbConn,
    caller: &Caller,
    cfg: &NotifyConfig,
    input: NewChannel,
) -> Result<Channel, Error> {
    caller.require(KEEPERS, WHAT)?;
    let values = validate(conn, cfg, input)?;
    crate::db::write_tx(conn, |conn| {
        let id = notices::insert_channel(conn, &values)?;
        let after = get(conn, caller, id)?;
        audit::record(
            conn,
            Some(caller),
            "create",
            Object::Channel,
            Some(id),
            None::<&()>,
            Some(&after),
        )?;
        Ok(after)
    })
}

pub fn update(
    conn: &mut DbConn,
    caller: &Caller,
    cfg: &NotifyConfig,
    id: i64,
    patch: ChannelPatch,
) -> Result<Channel, Error> {
    caller.require(KEEPERS, WHAT)?;
    let row = notices::channel(conn, id)?.ok_or_else(|| Error::not_found("channel"))?;
    let merged = NewChannel {
        kind: patch.kind.unwrap_or(row.kind),
        target: patch.target.unwrap_or(row.target),
        secret: patch.secret.unwrap_or(row.secret),
        department_id: patch.department_id.unwrap_or(row.department_id),
        region_id: patch.region_id.unwrap_or(row.region_id),
        kinds: patch
            .kinds
            .unwrap_or_else(|| kinds_of(row.kinds.as_deref())),
    };
    let values = validate(conn, cfg, merged)?;
    crate::db::write_tx(conn, |conn| {
        let before = get(conn, caller, id)?;
        if !notices::update_channel(conn, id, &values)? {
            return Err(Error::not_found("channel"));
        }
        let after = get(conn, caller, id)?;
        audit::record(
            conn,
            Some(caller),
            "update",
            Object::Channel,
            Some(id),
            Some(&before),
            Some(&after),
        )?;
        Ok(after)
    })
}

pub fn delete(conn: &mut DbConn, caller: &Caller, id: i64) -> Result<(), Error> {
    caller.require(KEEPERS, WHAT)?;
    crate::db::write_tx(conn, |conn| {
        let before = get(conn, caller, id)?;
        if !notices::delete_channel(conn, id)? {
            return Err(Error::not_found("channel"));
        }
        audit::record(
            conn,
            Some(caller),
            "delete",
            Object::Channel,
            Some(id),
            Some(&before),
            None::<&()>,
        )
    })
}

fn validate(
    conn: &mut DbConn,
    cfg: &NotifyConfig,
    input: NewChannel,
) -> Result<notices::ChannelValues, Error> {
    let mut check = Check::default();
    let target = check.text("target", &input.target, 3, 1_000);
    let secret = input.secret.map(|s| s.trim().to_owned());
    match (input.department_id, input.region_id) {
        (Some(_), Some(_)) => {
            check.add("region_id", "give a department_id or a region_id, not both")
        }
        (None, None) => check.add(
            "department_id",
            "give the department or the region whose notices the channel takes",
        ),
        _ => {}
    }
    match input.kind {
        ChannelKind::Webhook => match secret.as_deref() {
            Some(s) if s.chars().count() >= 16 => {}
            _ => check.add(
                "secret",
                "a webhook signs every body with its secret: give one of at least 16 characters",
            ),
        },
        ChannelKind::Wecom if secret.is_some() => check.add(
            "secret",
            "a WeCom group robot takes no secret: its key is part of the target URL",
        ),
        ChannelKind::Email if secret.is_some() => {
            check.add("secret", "an e-mail channel takes no secret")
        }
        _ => {}
    }
    if let Some(s) = &secret {
        if s.is_empty() || s.len() > 200 || s.chars().any(char::is_control) {
            check.add("secret", "must be 1 to 200 printable characters");
        }
    }
    if let Some(k) = &input.kinds {
        if k.is_empty() {
            check.add(
                "kinds",
                "name at least one notice kind, or leave it out for every kind",
            );
        }
    }
    if !target.is_empty() {
        if let Err(m) = check_target(
            input.kind,
            &target,
            &cfg.channel_allow,
            cfg.smtp_url.is_some(),
        ) {
            check.add("target", m);
        }
    }
    check.finish()?;
    if let Some(d) = input.department_id {
        check_named(conn, &[("department_id".to_owned(), d)], true)?;
    }
    if let Some(r) = input.region_id {
        if regions::get(conn, r)?.is_none() {
            return Err(Error::Invalid(vec![FieldError::new(
                "region_id",
                "no such region",
            )]));
        }
    }
    let mut kinds = input
        .kinds
        .map(|k| k.iter().map(|k| k.code()).collect::<Vec<_>>());
    if let Some(k) = kinds.as_mut() {
        k.sort_unstable();
        k.dedup();
    }
    Ok(notices::ChannelValues {
        kind: input.kind,
        target,
        secret,
        department_id: input.department_id,
        region_id: input.region_id,
        kinds: kinds.map(|k| k.join(",")),
        updated_at: store::now(),
    })
}

/// What 发送测试消息 answers.
#[derive(Serialize)]
pub struct TestResult {
    pub delivered: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// 发送测试消息, first step: the channel and the test notice to send it (the sending itself
/// is made outside any transaction and connection, then [`record_test`]).
pub fn test_notice(
    conn: &mut DbConn,
    caller: &Caller,
    id: i64,
) -> Result<(notices::ChannelRow, notices::NoticeRow), Error> {
    caller.require(KEEPERS, WHAT)?;
    let channel = notices::channel(conn, id)?.ok_or_else(|| Error::not_found("channel"))?;
    let now = store::now();
    let notice = notices::NoticeRow {
        id: 0,
        kind: Kind::Digest.code().to_owned(),
        issue_id: None,
        text: format!(
            "这是亲清直通车的测试消息，由{}于{}发送：收到即说明本渠道可用。",
            caller.user.display_name,
            crate::domain::time::zh_date(crate::domain::time::local_date(now))
        ),
        link: "/".into(),
        department_id: channel.department_id,
        region_id: channel.region_id,
        dedupe_key: None,
        created_at: now,
    };
    Ok((channel, notice))
}

/// 发送测试消息, last step: the attempt and its result in 操作日志.
pub fn record_test(
    conn: &mut DbConn,
    caller: &Caller,
    id: i64,
    result: &TestResult,
) -> Result<(), Error> {
    crate::db::write_tx(conn, |conn| {
        audit::record(
            conn,
            Some(caller),
            "test",
            Object::Channel,
            Some(id),
            None::<&()>,
            Some(result),
        )
    })
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeliveryQuery {
    pub status: Option<DeliveryStatus>,
    #[serde(default, deserialize_with = "super::common::opt_id")]
    pub channel_id: Option<i64>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

#[derive(Serialize)]
pub struct Delivery {
    pub id: i64,
    pub channel_id: i64,
    pub notice_id: i64,
    pub status: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub updated_at: DateTime<Utc>,
    /// The notice's text, as sent.
    pub text: String,
}

/// Deliveries, newest first: `?status=failed` those given up, with the last error.
pub fn deliveries(
    conn: &mut DbConn,
    caller: &Caller,
    q: DeliveryQuery,
) -> Result<Paged<Delivery>, Error> {
    caller.require(KEEPERS, WHAT)?;
    let p = page(q.page, q.per_page)?;
    let (rows, total) = notices::deliveries(conn, q.status, q.channel_id, p)?;
    let items = rows
        .into_iter()
        .map(|d| Delivery {
            id: d.id,
            channel_id: d.channel_id,
            notice_id: d.notice_id,
            status: d.status,
            attempts: d.attempts,
            last_error: d.last_error,
            updated_at: utc(d.updated_at),
            text: d.text,
        })
        .collect();
    Ok(Paged::new(items, total, p))
}

/// 重新投递: a failed delivery goes back in the queue, due now; the worker sends it on its
/// next pass. 404 for none, 409 for one not failed.
pub fn retry(conn: &mut DbConn, caller: &Caller, id: i64) -> Result<(), Error> {
    caller.require(KEEPERS, WHAT)?;
    crate::db::write_tx(conn, |conn| {
        let status =
            notices::delivery_status(conn, id)?.ok_or_else(|| Error::not_found("delivery"))?;
        if !notices::retry(conn, id, store::now())? {
            return Err(Error::Conflict(format!(
                "the delivery is {status}, not failed; only a failed one is sent again"
            )));
        }
        let what = serde_json::json!({"delivery_id": id, "status": "pending"});
        audit::record(
            conn,
            Some(caller),
            "retry",
            Object::Channel,
            None,
            None::<&()>,
            Some(&what),
        )
    })
}

/// Whether a channel of `kind` may be sent to `target`: an http(s) URL whose host resolves
/// only to addresses the allow-list admits, or an e-mail address with SMTP configured.
pub fn check_target(
    kind: ChannelKind,
    target: &str,
    allow: &[Allow],
    smtp: bool,
) -> Result<(), String> {
    if kind == ChannelKind::Email {
        if target.parse::<lettre::Address>().is_err() {
            return Err("must be an e-mail address".into());
        }
        if !smtp {
            return Err("e-mail channels need an SMTP server: set QINQING_SMTP_URL".into());
        }
        return Ok(());
    }
    let uri: ureq::http::Uri = target
        .parse()
        .map_err(|_| "must be an http or https URL".to_owned())?;
    let port = match uri.scheme_str() {
        Some("https") => 443,
        Some("http") => 80,
        _ => return Err("must be an http or https URL".into()),
    };
    let host = uri
        .host()
        .filter(|h| !h.is_empty())
        .ok_or_else(|| "must name a host".to_owned())?;
    let port = uri.port_u16().unwrap_or(port);
    let bare = host.trim_matches(['[', ']']);
    let addrs: Vec<_> = (bare, port)
        .to_socket_addrs()
        .map_err(|_| format!("{host} does not resolve"))?
        .collect();
    if addrs.is_empty() {
        return Err(format!("{host} does not resolve"));
    }
    if let Some(a) = addrs
        .iter()
        .find(|a| !reachable(host, a.ip(), crate::net::is_own_address(a.ip()), allow))
    {
        return Err(format!(
            "{host} resolves to {}, an internal address; name it in QINQING_CHANNEL_ALLOW to allow it",
            a.ip()
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets() {
        let allow = Allow::parse_list("127.0.0.1").unwrap();
        let cases = [
            (
                ChannelKind::Webhook,
                "http://127.0.0.1:9/hook",
                &allow[..],
                true,
            ),
            (
                ChannelKind::Webhook,
                "http://127.0.0.1:9/hook",
                &[][..],
                false,
            ),
            (
                ChannelKind::Webhook,
                "http://[::1]:9/hook",
                &allow[..],
                false,
            ),
            (
                ChannelKind::Webhook,
                "http://169.254.169.254/latest",
                &allow[..],
                false,
            ),
            (ChannelKind::Webhook, "http://10.0.0.8/x", &allow[..], false),
            (
                ChannelKind::Dingtalk,
                "ftp://127.0.0.1/x",
                &allow[..],
                false,
            ),
            (ChannelKind::Wecom, "not a url", &allow[..], false),
            (ChannelKind::Email, "ban@example.gov.cn", &allow[..], true),
            (ChannelKind::Email, "no-at-sign", &allow[..], false),
        ];
        for (kind, target, allow, ok) in cases {
            assert_eq!(
                check_target(kind, target, allow, true).is_ok(),
                ok,
                "{target}"
            );
        }
        assert!(check_target(ChannelKind::Email, "a@b.cn", &[], false).is_err());
    }

    #[test]
    fn masking() {
        assert_eq!(
            masked(
                ChannelKind::Wecom,
                "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc"
            ),
            "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=***"
        );
        assert_eq!(masked(ChannelKind::Webhook, "https://h/x"), "https://h/x");
        assert_eq!(masked(ChannelKind::Email, "a@b.cn"), "a@b.cn");
    }
}
