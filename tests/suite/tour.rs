//! Every kind of page each demo user reaches from their home (`qinqing::web::tour`), at
//! 1366×768 and at 390×844: nothing wider than the window, and axe-core finds nothing
//! serious or critical. Each user's tour prints its pages with the server's time for each
//! (the browser's navigation timing); the page benchmark (`examples/pages.rs`) is what
//! measures speed.

use crate::browser::*;
use qinqing::web::tour::{page_kind, starts};
use std::collections::{BTreeSet, VecDeque};

/// Kinds of page a tour visits at most: every kind the demo's users reach is fewer.
const MOST: usize = 60;

async fn tour(username: &str) {
    if skip() {
        return;
    }
    let site = site().await;
    let wide = browser(1366, 768).await;
    let phone = browser(390, 844).await;
    wide.sign_in(&site, username).await;
    phone.sign_in(&site, username).await;
    let mut seen = BTreeSet::new();
    let mut queue: VecDeque<(String, String)> =
        starts().into_iter().map(|p| (p.clone(), p)).collect();
    let mut found = Vec::new();
    let mut times = Vec::new();
    while let Some((kind, path)) = queue.pop_front() {
        if seen.len() >= MOST || !seen.insert(kind.clone()) {
            continue;
        }
        for b in [&wide, &phone] {
            b.goto(&site.url(&path)).await;
            let problems = b.check().await;
            found.extend(
                problems
                    .into_iter()
                    .map(|p| format!("{kind} at {} px ({path}): {p}", b.width)),
            );
        }
        let here = page_kind(&wide.path().await, "").unwrap_or_else(|| kind.clone());
        let server = wide
            .js("const n = performance.getEntriesByType('navigation')[0]; \
                 return n ? Math.round(n.responseStart - n.requestStart) : -1")
            .await;
        times.push((server.as_i64().unwrap_or(-1), kind.clone()));
        let links = wide
            .js("return Array.from(document.querySelectorAll('a[href]'), a => a.getAttribute('href'))")
            .await;
        for link in links.as_array().into_iter().flatten() {
            if let Some(k) = link.as_str().and_then(|l| page_kind(l, &here)) {
                if !seen.contains(&k) {
                    queue.push_back((k, link.as_str().unwrap_or_default().to_owned()));
                }
            }
        }
    }
    times.sort_unstable_by(|a, b| b.cmp(a));
    eprintln!(
        "{username}: {} kinds of page; the server's time, slowest first: {}",
        seen.len(),
        times
            .iter()
            .map(|(ms, k)| format!("{k} {ms} ms"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    wide.close().await;
    phone.close().await;
    site.stop().await;
    assert!(
        seen.len() >= 8,
        "{username} reached only {seen:?}: the tour is broken"
    );
    assert!(found.is_empty(), "{username}:\n{}", found.join("\n"));
}

#[actix_rt::test]
async fn every_page_of_the_city_leader() {
    tour("demo.leader").await;
}

#[actix_rt::test]
async fn every_page_of_a_district_leader() {
    tour("demo.leader.cx").await;
}

#[actix_rt::test]
async fn every_page_of_the_city_coordinator() {
    tour("demo.coord").await;
}

#[actix_rt::test]
async fn every_page_of_a_department() {
    tour("demo.dept").await;
}

#[actix_rt::test]
async fn every_page_of_an_enterprise() {
    tour("demo.ent").await;
}

#[actix_rt::test]
async fn every_page_of_the_administrator() {
    tour("demo.admin").await;
}
