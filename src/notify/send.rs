//! One attempt at delivering one notice to one channel, in the channel's own format: the
//! signed webhook, the DingTalk custom robot, the WeCom group robot, or e-mail over SMTP.

use std::io;
use std::sync::Arc;

use serde_json::json;
use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{DefaultConnector, NextTimeout};

use crate::config::NotifyConfig;
use crate::domain::notice::{
    dingtalk_sign, markdown_text, plain_text, reachable, webhook_signature, Allow, ChannelKind,
    Kind,
};
use crate::store::notices::{ChannelRow, NoticeRow};

/// Why an attempt failed, and whether trying again could help.
#[derive(Debug)]
pub struct SendError {
    pub message: String,
    pub permanent: bool,
}

impl SendError {
    fn retry(message: impl Into<String>) -> Self {
        SendError {
            message: message.into(),
            permanent: false,
        }
    }

    fn permanent(message: impl Into<String>) -> Self {
        SendError {
            message: message.into(),
            permanent: true,
        }
    }
}

/// Resolves names as usual, then keeps only the addresses a channel may reach: the check
/// is made on the very addresses connected to, so a name that resolves to an internal
/// address at delivery time (DNS rebinding) is refused like one that did at creation.
#[derive(Debug)]
struct Guarded {
    inner: DefaultResolver,
    allow: Arc<Vec<Allow>>,
}

impl Resolver for Guarded {
    fn resolve(
        &self,
        uri: &Uri,
        config: &ureq::config::Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let found = self.inner.resolve(uri, config, timeout)?;
        let host = uri.host().unwrap_or_default();
        let mut kept = self.empty();
        for addr in found.iter() {
            if reachable(
                host,
                addr.ip(),
                crate::net::is_own_address(addr.ip()),
                &self.allow,
            ) {
                kept.push(*addr);
            }
        }
        if kept.is_empty() {
            return Err(ureq::Error::Io(io::Error::new(
                io::ErrorKind::PermissionDenied,
                format!("{host} resolves to an internal address the allow-list does not name"),
            )));
        }
        Ok(kept)
    }
}

pub struct Client<'a> {
    cfg: &'a NotifyConfig,
    agent: ureq::Agent,
}

impl<'a> Client<'a> {
    pub fn new(cfg: &'a NotifyConfig) -> Self {
        let config = ureq::Agent::config_builder()
            .timeout_global(Some(cfg.timeout))
            .http_status_as_error(false)
            // A redirect could lead anywhere: channels are called at their own address only.
            .max_redirects(0)
            .proxy(None)
            .user_agent(concat!("qinqing/", env!("CARGO_PKG_VERSION")))
            .build();
        let resolver = Guarded {
            inner: DefaultResolver::default(),
            allow: Arc::new(cfg.channel_allow.clone()),
        };
        Client {
            cfg,
            agent: ureq::Agent::with_parts(config, DefaultConnector::default(), resolver),
        }
    }

    fn link(&self, notice: &NoticeRow) -> String {
        match &self.cfg.public_url {
            Some(base) if notice.link.starts_with('/') => format!("{base}{}", notice.link),
            _ => notice.link.clone(),
        }
    }

    pub fn send(&self, channel: &ChannelRow, notice: &NoticeRow) -> Result<(), SendError> {
        let kind = Kind::parse(&notice.kind).map(Kind::zh).unwrap_or("提醒");
        let link = self.link(notice);
        // What people wrote reaches another system as inert text; the service's own link is
        // the only one (`domain::notice::plain_text`, `markdown_text`).
        let plain = plain_text(&notice.text);
        let markdown = markdown_text(&notice.text);
        match channel.kind {
            ChannelKind::Webhook => {
                let body = serde_json::to_vec(&json!({
                    "id": notice.id,
                    "kind": notice.kind,
                    "issue_id": notice.issue_id,
                    // Receivers often show it in a chat or a page: inert there too.
                    "text": markdown,
                    "link": link,
                    "created_at": notice.created_at.and_utc().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                }))
                .map_err(|e| SendError::permanent(e.to_string()))?;
                let secret = channel.secret.as_deref().unwrap_or_default();
                let headers = [
                    ("X-Qinqing-Signature", webhook_signature(secret, &body)),
                    ("X-Qinqing-Notice-Id", notice.id.to_string()),
                ];
                self.post(&channel.target, &headers, body).map(|_| ())
            }
            ChannelKind::Dingtalk => {
                let mut url = channel.target.clone();
                if let Some(secret) = channel.secret.as_deref() {
                    let ts = chrono::Utc::now().timestamp_millis();
                    let sign = dingtalk_sign(secret, ts);
                    let query = serde_urlencoded::to_string([
                        ("timestamp", ts.to_string()),
                        ("sign", sign),
                    ])
                    .map_err(|e| SendError::permanent(e.to_string()))?;
                    url.push(if url.contains('?') { '&' } else { '?' });
                    url.push_str(&query);
                }
                let body = serde_json::to_vec(&json!({
                    "msgtype": "markdown",
                    "markdown": {
                        "title": format!("亲清直通车·{kind}"),
                        "text": format!("#### 亲清直通车·{kind}\n\n{markdown}\n\n[查看详情]({link})"),
                    },
                }))
                .map_err(|e| SendError::permanent(e.to_string()))?;
                let answer = self.post(&url, &[], body)?;
                robot_answer(&answer)
            }
            ChannelKind::Wecom => {
                let body = serde_json::to_vec(&json!({
                    "msgtype": "markdown",
                    "markdown": {
                        "content": format!("**亲清直通车·{kind}**\n{markdown}\n[查看详情]({link})"),
                    },
                }))
                .map_err(|e| SendError::permanent(e.to_string()))?;
                let answer = self.post(&channel.target, &[], body)?;
                robot_answer(&answer)
            }
            ChannelKind::Email => self.mail(&channel.target, kind, &plain, &link),
        }
    }

    /// POSTs JSON; a 2xx answers its body, a 408, 429 or 5xx is worth retrying, any other
    /// status is not.
    fn post(
        &self,
        url: &str,
        headers: &[(&str, String)],
        body: Vec<u8>,
    ) -> Result<String, SendError> {
        let mut req = self
            .agent
            .post(url)
            .header("Content-Type", "application/json; charset=utf-8");
        for (name, value) in headers {
            req = req.header(*name, value);
        }
        let mut res = req.send(body).map_err(|e| match e {
            ureq::Error::Io(ref io) if io.kind() == io::ErrorKind::PermissionDenied => {
                SendError::permanent(e.to_string())
            }
            ureq::Error::BadUri(_) => SendError::permanent(e.to_string()),
            other => SendError::retry(other.to_string()),
        })?;
        let status = res.status().as_u16();
        let text = res
            .body_mut()
            .with_config()
            .limit(64 * 1024)
            .read_to_string()
            .unwrap_or_default();
        match status {
            200..=299 => Ok(text),
            408 | 429 | 500..=599 => {
                Err(SendError::retry(format!("the channel answered {status}")))
            }
            _ => Err(SendError::permanent(format!(
                "the channel answered {status}"
            ))),
        }
    }

    fn mail(&self, to: &str, kind: &str, text: &str, link: &str) -> Result<(), SendError> {
        use lettre::{Message, SmtpTransport, Transport};
        let Some(url) = self.cfg.smtp_url.as_deref() else {
            return Err(SendError::retry(
                "no SMTP server is configured (QINQING_SMTP_URL)",
            ));
        };
        let from = self
            .cfg
            .smtp_from
            .parse()
            .map_err(|e| SendError::permanent(format!("QINQING_SMTP_FROM: {e}")))?;
        let to = to
            .parse()
            .map_err(|e| SendError::permanent(format!("the channel's address: {e}")))?;
        let message = Message::builder()
            .from(from)
            .to(to)
            .subject(format!("【亲清直通车】{kind}"))
            .header(lettre::message::header::ContentType::TEXT_PLAIN)
            .body(format!("{text}\n\n{link}\n"))
            .map_err(|e| SendError::permanent(e.to_string()))?;
        let transport = SmtpTransport::from_url(&smtp_url(url))
            .map_err(|e| SendError::permanent(format!("QINQING_SMTP_URL: {e}")))?
            .timeout(Some(self.cfg.timeout))
            .build();
        transport.send(&message).map(|_| ()).map_err(|e| {
            if e.is_permanent() {
                SendError::permanent(e.to_string())
            } else {
                SendError::retry(e.to_string())
            }
        })
    }
}

/// The robots answer 200 with `{"errcode": 0}` on success and another code otherwise.
fn robot_answer(body: &str) -> Result<(), SendError> {
    let v: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
    match v.get("errcode").and_then(serde_json::Value::as_i64) {
        Some(0) => Ok(()),
        Some(code) => Err(SendError::retry(format!(
            "the robot answered errcode {code}: {}",
            v.get("errmsg")
                .and_then(serde_json::Value::as_str)
                .unwrap_or("")
        ))),
        None => Err(SendError::retry("the robot's answer has no errcode")),
    }
}

/// The SMTP URL as lettre reads it: `smtp://` requires STARTTLS unless it says otherwise
/// (`?tls=opportunistic`), and `?tls=none` means plain SMTP (a relay on the same host).
pub fn smtp_url(url: &str) -> String {
    if !url.starts_with("smtp://") {
        return url.to_owned();
    }
    if let Some(i) = url.find("tls=none") {
        let mut plain = url.to_owned();
        plain.replace_range(i..i + "tls=none".len(), "");
        return plain
            .trim_end_matches(['?', '&'])
            .replace("?&", "?")
            .replace("&&", "&");
    }
    if url.contains("tls=") {
        url.to_owned()
    } else if url.contains('?') {
        format!("{url}&tls=required")
    } else {
        format!("{url}?tls=required")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_urls() {
        let cases = [
            (
                "smtp://u:p@mail.example:587",
                "smtp://u:p@mail.example:587?tls=required",
            ),
            ("smtp://localhost:25?tls=none", "smtp://localhost:25"),
            (
                "smtp://h:25?tls=opportunistic",
                "smtp://h:25?tls=opportunistic",
            ),
            (
                "smtps://u:p@mail.example:465",
                "smtps://u:p@mail.example:465",
            ),
            ("smtp://h:2525?tls=none&x=1", "smtp://h:2525?x=1"),
        ];
        for (given, want) in cases {
            assert_eq!(smtp_url(given), want, "{given}");
        }
    }

    #[test]
    fn robot_answers() {
        assert!(robot_answer(r#"{"errcode":0,"errmsg":"ok"}"#).is_ok());
        assert!(robot_answer(r#"{"errcode":310000,"errmsg":"sign not match"}"#).is_err());
        assert!(robot_answer("not json").is_err());
    }
}
