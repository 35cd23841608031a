//! Charts as SVG written on the server: they print, scale to a phone, and need no script.
//! Every text drawn comes from the data and is escaped here.

use std::fmt::Write;

/// Escapes text for SVG/HTML.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// One period of the trend: its label, issues collected, and the satisfaction rate.
pub struct TrendPoint {
    pub label: String,
    pub collected: i64,
    pub satisfaction: Option<f64>,
}

/// A round step for an axis up to `max`, so that about five gridlines show.
fn step_for(max: i64) -> i64 {
    let raw = (max.max(1) as f64 / 5.0).ceil() as i64;
    let magnitude = 10i64.pow((raw as f64).log10().floor().max(0.0) as u32);
    [1, 2, 5, 10]
        .iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= raw)
        .unwrap_or(raw)
}

/// Bars of issues collected per period (left axis, 个) with the satisfaction rate as a line
/// (right axis, %), the period under each bar.
pub fn trend(points: &[TrendPoint], title: &str) -> String {
    let (w, h) = (720.0, 300.0);
    let (left, right, top, bottom) = (56.0, 56.0, 36.0, 52.0);
    let plot_w = w - left - right;
    let plot_h = h - top - bottom;
    let max = points.iter().map(|p| p.collected).max().unwrap_or(0);
    let step = step_for(max);
    let ceiling = (max.max(1) + step - 1) / step * step;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="chart" viewBox="0 0 {w} {h}" role="img" aria-labelledby="trend-title"><title id="trend-title">{}</title>"#,
        esc(title)
    );
    // Left axis: counts.
    let mut v = 0;
    while v <= ceiling {
        let y = top + plot_h - plot_h * v as f64 / ceiling as f64;
        let _ = write!(
            s,
            r#"<line class="grid" x1="{left}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}"/><text class="axis" x="{:.1}" y="{:.1}" text-anchor="end">{v}</text>"#,
            w - right,
            left - 6.0,
            y + 4.0
        );
        v += step;
    }
    // Right axis: the rate, 80%–100% where satisfaction lives, else 0–100%.
    let lowest = points
        .iter()
        .filter_map(|p| p.satisfaction)
        .fold(100.0f64, f64::min);
    let floor = if lowest >= 80.0 { 80.0 } else { 0.0 };
    for k in 0..=4 {
        let pct = floor + (100.0 - floor) * f64::from(k) / 4.0;
        let y = top + plot_h - plot_h * f64::from(k) / 4.0;
        let _ = write!(
            s,
            r#"<text class="axis rate" x="{:.1}" y="{:.1}">{pct:.0}%</text>"#,
            w - right + 6.0,
            y + 4.0
        );
    }
    let _ = write!(
        s,
        r#"<text class="axis-title" x="{left}" y="18">收集问题（个）</text><text class="axis-title rate" x="{:.1}" y="18" text-anchor="end">满意率（%）</text>"#,
        w - 4.0
    );
    let n = points.len().max(1) as f64;
    let slot = plot_w / n;
    let bar = (slot * 0.6).max(2.0);
    let every = (points.len() / 12).max(1);
    let mut line = Vec::new();
    for (i, p) in points.iter().enumerate() {
        let x = left + slot * i as f64 + (slot - bar) / 2.0;
        let bh = plot_h * p.collected as f64 / ceiling as f64;
        let _ = write!(
            s,
            r#"<rect class="bar" x="{x:.1}" y="{:.1}" width="{bar:.1}" height="{bh:.1}"><title>{}：{} 个</title></rect>"#,
            top + plot_h - bh,
            esc(&p.label),
            p.collected
        );
        if i % every == 0 {
            let _ = write!(
                s,
                r#"<text class="axis" x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
                x + bar / 2.0,
                h - bottom + 18.0,
                esc(&p.label)
            );
        }
        if let Some(r) = p.satisfaction {
            let y = top + plot_h - plot_h * ((r - floor) / (100.0 - floor)).clamp(0.0, 1.0);
            line.push(format!("{:.1},{y:.1}", x + bar / 2.0));
        }
    }
    if line.len() > 1 {
        let _ = write!(s, r#"<polyline class="line" points="{}"/>"#, line.join(" "));
    }
    for pt in &line {
        if let Some((x, y)) = pt.split_once(',') {
            let _ = write!(s, r#"<circle class="dot" cx="{x}" cy="{y}" r="2.5"/>"#);
        }
    }
    let _ = write!(
        s,
        r#"<line class="axis-line" x1="{left}" y1="{:.1}" x2="{:.1}" y2="{:.1}"/>"#,
        top + plot_h,
        w - right,
        top + plot_h
    );
    let _ = write!(
        s,
        r#"<g class="legend"><rect class="bar" x="{:.1}" y="{:.1}" width="12" height="10"/><text x="{:.1}" y="{:.1}">收集问题</text><line class="line" x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}"/><text x="{:.1}" y="{:.1}">满意率</text></g>"#,
        left,
        h - 14.0,
        left + 16.0,
        h - 5.0,
        left + 90.0,
        h - 9.0,
        left + 110.0,
        h - 9.0,
        left + 114.0,
        h - 5.0
    );
    s.push_str("</svg>");
    s
}

/// One bar of a horizontal bar chart: its label, the value, and the text after the bar.
pub struct BarRow {
    pub label: String,
    pub value: i64,
    pub note: String,
    /// Where the row leads: the issues it counts.
    pub href: Option<String>,
}

/// Horizontal bars, one row each, the value and a note written after each bar.
pub fn bars(rows: &[BarRow], title: &str, unit: &str) -> String {
    let row_h = 28.0;
    let (w, label_w, value_w) = (560.0, 96.0, 170.0);
    let h = row_h * rows.len().max(1) as f64 + 8.0;
    let max = rows.iter().map(|r| r.value).max().unwrap_or(0).max(1);
    let plot_w = w - label_w - value_w;
    let mut s = String::new();
    // A chart whose bars are links is a group of links, not an image (an image holds no
    // control a keyboard reaches).
    let role = if rows.iter().any(|r| r.href.is_some()) {
        "group"
    } else {
        "img"
    };
    let _ = write!(
        s,
        r#"<svg class="chart bars" viewBox="0 0 {w} {h}" role="{role}" aria-label="{}"><title>{}</title>"#,
        esc(title),
        esc(title)
    );
    for (i, r) in rows.iter().enumerate() {
        let y = 4.0 + row_h * i as f64;
        let bw = plot_w * r.value as f64 / max as f64;
        if let Some(href) = &r.href {
            let _ = write!(s, r#"<a href="{}">"#, esc(href));
        }
        let _ = write!(
            s,
            r#"<text class="label" x="{:.1}" y="{:.1}" text-anchor="end">{}</text><rect class="bar" x="{label_w}" y="{:.1}" width="{bw:.1}" height="{:.1}"><title>{}：{} {}</title></rect><text class="value" x="{:.1}" y="{:.1}">{} {} {}</text>"#,
            label_w - 8.0,
            y + row_h * 0.62,
            esc(&r.label),
            y + 4.0,
            row_h - 10.0,
            esc(&r.label),
            r.value,
            esc(unit),
            label_w + bw + 6.0,
            y + row_h * 0.62,
            r.value,
            esc(unit),
            esc(&r.note)
        );
        if r.href.is_some() {
            s.push_str("</a>");
        }
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_escaped_and_steps_round() {
        let svg = bars(
            &[BarRow {
                label: "<script>".into(),
                value: 3,
                note: "a&b".into(),
                href: Some("/issues?a=1&b=2".into()),
            }],
            "t",
            "个",
        );
        assert!(!svg.contains("<script>"), "{svg}");
        assert!(svg.contains("&lt;script&gt;") && svg.contains("a&amp;b"));
        assert!(svg.contains(r#"href="/issues?a=1&amp;b=2""#), "{svg}");
        assert_eq!(step_for(0), 1);
        assert_eq!(step_for(9), 2);
        assert_eq!(step_for(230), 50);
        assert_eq!(step_for(2229), 500);
    }
}
