//! The notifier: inside the service, a thread that produces the reminders when they fall
//! due and delivers queued notices to their channels, at least once, with exponential
//! back-off and jitter, never to an address the allow-list does not admit.
//!
//! Several instances may run it on one PostgreSQL database: reminders are produced once by
//! their keys, and a delivery is held by one worker at a time (`store::notices::claim`).
//! A worker killed between claiming and recording the outcome leaves the lease to run out;
//! the delivery is then tried again, so nothing queued is ever lost.

mod send;

use std::time::{Duration, Instant};

use chrono::NaiveDateTime;

use crate::config::NotifyConfig;
use crate::db::{Backend, DbConn};
use crate::domain::notice::{backoff_seconds, DeliveryStatus};
use crate::error::Error;
use crate::store::{self, notices};

/// What one delivery pass did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sent {
    pub delivered: usize,
    pub retry: usize,
    pub failed: usize,
}

/// Deliveries attempted per pass at most (the rest wait for the next pass).
const PASS: usize = 200;

fn jitter() -> f64 {
    use argon2::password_hash::rand_core::{OsRng, RngCore};
    f64::from(OsRng.next_u32()) / f64::from(u32::MAX)
}

/// Claims the deliveries due at `now` one at a time and attempts each once. A claim holds
/// a delivery for one call's timeout and a margin: a worker killed mid-call leaves it to be
/// claimed again after that. The connection is this worker's own, so the request pool is
/// never held while a channel answers slowly.
pub fn deliver_due(
    conn: &mut DbConn,
    cfg: &NotifyConfig,
    now: NaiveDateTime,
) -> Result<Sent, Error> {
    let mut sent = Sent::default();
    let client = send::Client::new(cfg);
    let lease = chrono::Duration::from_std(cfg.timeout + Duration::from_secs(10))
        .unwrap_or_else(|_| chrono::Duration::minutes(5));
    for _ in 0..PASS {
        let ids = notices::claim(conn, now, store::now().max(now) + lease, 1)?;
        let Some(work) = notices::work(conn, &ids)?.into_iter().next() else {
            break;
        };
        let outcome = client.send(&work.channel, &work.notice);
        let attempts = work.attempts + 1;
        let at = store::now().max(now);
        match outcome {
            Ok(()) => {
                notices::finish(conn, work.id, DeliveryStatus::Delivered, None, None, at)?;
                sent.delivered += 1;
            }
            Err(e) if e.permanent || attempts >= cfg.max_attempts => {
                log::warn!(
                    "notice {} to channel {} failed for good after {attempts} attempt(s): {}",
                    work.notice.id,
                    work.channel.id,
                    e.message
                );
                notices::finish(
                    conn,
                    work.id,
                    DeliveryStatus::Failed,
                    Some(&e.message),
                    None,
                    at,
                )?;
                sent.failed += 1;
            }
            Err(e) => {
                let wait = backoff_seconds(attempts, jitter());
                let retry_at = at + chrono::Duration::seconds(wait);
                log::info!(
                    "notice {} to channel {}: attempt {attempts} failed ({}); next in {wait} s",
                    work.notice.id,
                    work.channel.id,
                    e.message
                );
                notices::finish(
                    conn,
                    work.id,
                    DeliveryStatus::Pending,
                    Some(&e.message),
                    Some(retry_at),
                    at,
                )?;
                sent.retry += 1;
            }
        }
    }
    Ok(sent)
}

/// Starts the notifier thread: reminders every `remind_every`, deliveries every
/// `deliver_every`, each on the thread's own database connection (made again after a
/// failure, so a database restart only delays notices).
pub fn spawn(backend: Backend, cfg: NotifyConfig) -> std::io::Result<std::thread::JoinHandle<()>> {
    std::thread::Builder::new()
        .name("qinqing-notifier".into())
        .spawn(move || {
            let mut conn: Option<DbConn> = None;
            let mut next_remind = Instant::now();
            loop {
                let c = match conn.as_mut() {
                    Some(c) => c,
                    None => match backend.connect() {
                        Ok(c) => conn.insert(c),
                        Err(e) => {
                            log::warn!("notifier: cannot reach the database: {e}");
                            std::thread::sleep(cfg.deliver_every);
                            continue;
                        }
                    },
                };
                let mut failed = false;
                if Instant::now() >= next_remind {
                    next_remind = Instant::now() + cfg.remind_every;
                    match crate::service::notices::remind(c, store::now(), &cfg.rules) {
                        Ok(r) if r.total() > 0 => log::info!("reminders produced: {r:?}"),
                        Ok(_) => {}
                        Err(e) => {
                            log::warn!("reminders: {}", e.one_line());
                            failed = true;
                        }
                    }
                }
                match deliver_due(c, &cfg, store::now()) {
                    Ok(s) if s != Sent::default() => log::info!("deliveries: {s:?}"),
                    Ok(_) => {}
                    Err(e) => {
                        log::warn!("deliveries: {}", e.one_line());
                        failed = true;
                    }
                }
                if failed {
                    conn = None;
                }
                std::thread::sleep(cfg.deliver_every);
            }
        })
}

/// 发送测试消息: sends one test notice to a channel now, outside the queue; the error in
/// words when it was not delivered. Blocking I/O: call it off the async workers.
pub fn send_test(
    cfg: &NotifyConfig,
    channel: &notices::ChannelRow,
    notice: &notices::NoticeRow,
) -> Result<(), String> {
    send::Client::new(cfg)
        .send(channel, notice)
        .map_err(|e| e.message)
}
