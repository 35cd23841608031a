//! The tour of the pages: what kind of page a link leads to, so that a walk over the links
//! from a user's home reaches every kind of page that user can see, once each. The browser
//! tests walk it to check every page with axe-core at both widths; the page benchmark
//! (`examples/pages.rs`) walks it to time every page.

/// Where a tour starts besides the user's home: the issue list of every status, so that an
/// issue of each status (each with its own forms) is on the way.
pub fn starts() -> Vec<String> {
    let mut paths = vec!["/".to_owned()];
    paths.extend(
        crate::domain::lifecycle::State::ALL
            .iter()
            .map(|s| format!("/issues?status={}", s.code())),
    );
    paths
}

/// The query parameters that choose another view of a page rather than other rows of it.
const VIEWS: [&str; 3] = ["tab", "period", "status"];

/// The kind of page the in-site link `href` leads to, found on a page of kind `found_on`;
/// `None` for what is not a page to look at: another site, assets, downloads, signing out,
/// a link that acts when followed (opening a notice marks it read), a place on the same page.
/// An issue or a forum found on one view of a list (a status, a tab) is of that view's kind.
pub fn page_kind(href: &str, found_on: &str) -> Option<String> {
    if !href.starts_with('/') || href.starts_with("//") {
        return None;
    }
    let href = href.split('#').next().unwrap_or_default();
    let (path, query) = href.split_once('?').unwrap_or((href, ""));
    if path.starts_with("/static/")
        || path.starts_with("/api/")
        || path == "/logout"
        || path.ends_with("/export")
        || path.ends_with("/open")
    {
        return None;
    }
    let mut kind = path
        .split('/')
        .map(|s| {
            if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
                "{n}"
            } else {
                s
            }
        })
        .collect::<Vec<_>>()
        .join("/");
    let mut views: Vec<&str> = query
        .split('&')
        .filter(|pair| {
            pair.split_once('=')
                .is_some_and(|(k, v)| VIEWS.contains(&k) && !v.is_empty())
        })
        .collect();
    views.sort_unstable();
    if !views.is_empty() {
        kind = format!("{kind}?{}", views.join("&"));
    } else if kind == "/issues/{n}" || kind == "/forums/{n}" {
        // One issue or forum of each list's view: an issue pending an extension, one overdue…
        if let Some((_, view)) = found_on.split_once('?') {
            kind = format!("{kind} ({view})");
        }
    }
    Some(kind)
}

#[cfg(test)]
mod tests {
    use super::page_kind;

    #[test]
    fn kinds_of_page() {
        for (href, found_on, kind) in [
            ("/issues/12", "/issues", Some("/issues/{n}")),
            (
                "/issues/12#rate",
                "/issues?status=answered",
                Some("/issues/{n} (status=answered)"),
            ),
            ("/issues?region_id=3&category=land", "/", Some("/issues")),
            (
                "/issues?status=closed&region_id=3",
                "/",
                Some("/issues?status=closed"),
            ),
            (
                "/dashboard?year=2022&period=year",
                "/",
                Some("/dashboard?period=year"),
            ),
            ("/desk?tab=returned", "/", Some("/desk?tab=returned")),
            (
                "/issues/7",
                "/desk?tab=extensions",
                Some("/issues/{n} (tab=extensions)"),
            ),
            (
                "/forums/3",
                "/forums?status=held",
                Some("/forums/{n} (status=held)"),
            ),
            ("/reports/2022/9", "/", Some("/reports/{n}/{n}")),
            ("/admin/calendar/2026", "/", Some("/admin/calendar/{n}")),
            ("/static/app.css", "/", None),
            ("/issues/export?status=closed", "/", None),
            ("/notifications/4/open", "/", None),
            ("/logout", "/", None),
            ("https://example.org/", "/", None),
            ("//example.org/", "/", None),
            ("#main", "/", None),
        ] {
            assert_eq!(page_kind(href, found_on).as_deref(), kind, "{href}");
        }
    }
}
