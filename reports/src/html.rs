//! report.html: one self-contained page (inline CSS and SVG, no script, nothing fetched) that
//! opens from disk in any browser.
//!
//! Order: the verdicts and the summary table with intervals and SLO colours, then the plots,
//! then the scenario and the command that reproduces the page.

use std::fmt::Write;

use crate::comparison::{Findings, MetricRow, VariantValue};
use crate::report::{difference_text, estimate, judge, Judgement, Report};

/// The page's style sheet.
pub(crate) const STYLE: &str = "
body { font-family: system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif;
       margin: 2rem auto; max-width: 1100px; padding: 0 1rem; color: #1d232a; line-height: 1.45; }
h1 { font-size: 1.6rem; margin-bottom: 0.2rem; }
h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid #d8dde3; padding-bottom: 0.2rem; }
p.lead { color: #46505c; }
table { border-collapse: collapse; margin: 0.8rem 0; font-size: 0.92rem; }
th, td { border: 1px solid #d8dde3; padding: 0.3rem 0.6rem; text-align: right; white-space: nowrap; }
th { background: #f2f4f7; }
td.name, th.name { text-align: left; }
td.better { background: #dff3e4; }
td.worse { background: #fbe2e1; }
td.pass { background: #dff3e4; }
td.fail { background: #fbe2e1; }
ul.verdicts li { margin: 0.2rem 0; }
figure { margin: 1.2rem 0; }
figure svg { max-width: 100%; height: auto; border: 1px solid #eceff3; }
figcaption { color: #46505c; font-size: 0.9rem; }
pre { background: #f6f8fa; padding: 0.8rem; overflow-x: auto; font-size: 0.85rem; }
div.scroll { overflow-x: auto; }
.legend { font-size: 0.85rem; color: #46505c; }
";

/// report.html.
pub fn html(report: &Report) -> String {
    let findings = report.findings;
    let mut out = String::new();
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    let _ = writeln!(
        out,
        "<title>faultline report: {}</title>",
        escape(report.scenario)
    );
    let _ = writeln!(out, "<style>{STYLE}</style>\n</head>\n<body>");
    let _ = writeln!(
        out,
        "<h1>faultline report: {}</h1>",
        escape(report.scenario)
    );
    if !report.description.is_empty() {
        let _ = writeln!(out, "<p class=\"lead\">{}</p>", escape(report.description));
    }
    let _ = writeln!(out, "<p>{}</p>", escape(&report.method()));
    let _ = writeln!(out, "<p>{}</p>", escape(Report::reading()));
    let verdicts = report.verdicts();
    if !verdicts.is_empty() {
        out.push_str("<h2>Verdicts</h2>\n<ul class=\"verdicts\">\n");
        for verdict in verdicts {
            let _ = writeln!(out, "<li>{}</li>", escape(&verdict));
        }
        out.push_str("</ul>\n");
    }
    if !findings.tradeoffs.is_empty() {
        out.push_str("<h2>Cost and latency</h2>\n<ul class=\"verdicts\">\n");
        for tradeoff in &findings.tradeoffs {
            let _ = writeln!(out, "<li>{}</li>", escape(tradeoff));
        }
        out.push_str("</ul>\n");
    }
    if !findings.splits.is_empty() {
        out.push_str("<h2>Split outcomes</h2>\n<ul class=\"verdicts\">\n");
        for split in &findings.splits {
            let _ = writeln!(out, "<li>{}</li>", escape(split));
        }
        out.push_str("</ul>\n");
    }
    out.push_str("<h2>Summary</h2>\n");
    slo_table(&mut out, findings);
    headline_table(&mut out, findings);
    out.push_str(
        "<p class=\"legend\">Mean ± half-width of the 95% confidence interval over seeds. \
         Differences are paired by seed; green: significantly better than the baseline, red: \
         significantly worse, uncoloured: not significant; n/a: defined in no seed (a latency \
         with no success); n/c: not comparable (see the verdicts). SLO cells are green when the \
         mean meets the target, red when it misses.</p>\n",
    );
    if let Some(dashboard) = report.dashboard {
        dashboard_table(&mut out, dashboard);
    }
    out.push_str("<h2>Plots</h2>\n");
    for figure in report.figures {
        let _ = writeln!(
            out,
            "<figure id=\"{}\">\n{}\n<figcaption>{}</figcaption>\n</figure>",
            figure.name,
            strip_prolog(&figure.svg),
            escape(&figure.caption)
        );
    }
    out.push_str("<h2>All other metrics</h2>\n");
    table(&mut out, findings, false);
    if !findings.faults.is_empty() {
        out.push_str("<h2>Faults</h2>\n<ul>\n");
        for fault in &findings.faults {
            let end = fault
                .end_s
                .map_or("the end".to_string(), |end| format!("{end} s"));
            let _ = writeln!(
                out,
                "<li>{} on {}: {} s to {end}</li>",
                escape(&fault.kind),
                escape(&fault.target),
                fault.start_s
            );
        }
        out.push_str("</ul>\n");
    }
    out.push_str("<h2>Reproduce</h2>\n");
    let _ = writeln!(out, "<pre>{}</pre>", escape(report.command));
    let _ = writeln!(
        out,
        "<p>Made by faultline {}. Each run's trace hash is in results.json; <code>faultline \
         run</code> with the same file, variant and seed reproduces it exactly.</p>",
        escape(report.version)
    );
    out.push_str("<h2>Scenario</h2>\n");
    let _ = writeln!(
        out,
        "<pre>{}</pre>",
        escape(report.scenario_text.trim_end())
    );
    out.push_str("</body>\n</html>\n");
    out
}

/// The per-minute dashboards beside the SLOs' burn rates; a marked minute's row is red.
fn dashboard_table(out: &mut String, dashboard: &crate::dashboard::DashboardTable) {
    out.push_str("<h2>Dashboards vs users</h2>\n");
    let _ = writeln!(out, "<p>{}</p>", escape(crate::report::DASHBOARD_WORDS));
    out.push_str("<table>\n<tr>");
    for (i, name) in dashboard.header.iter().enumerate() {
        let class = if i == 0 { " class=\"name\"" } else { "" };
        let name = if name.is_empty() { "mark" } else { name };
        let _ = write!(out, "<th{class}>{}</th>", escape(name));
    }
    out.push_str("</tr>\n");
    for row in &dashboard.rows {
        let marked = row.last().is_some_and(|mark| !mark.is_empty());
        out.push_str("<tr>");
        for (i, cell) in row.iter().enumerate() {
            let class = match (i, marked) {
                (0, _) => " class=\"name\"",
                (_, true) => " class=\"fail\"",
                _ => "",
            };
            let _ = write!(out, "<td{class}>{}</td>", escape(cell));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table>\n");
}

/// Per variant: seeds in which every SLO held, coloured.
fn slo_table(out: &mut String, findings: &Findings) {
    if findings
        .metrics
        .iter()
        .all(|row| row.metric.target.is_none())
    {
        return;
    }
    out.push_str("<table>\n<tr><th class=\"name\">every SLO met</th>");
    for tally in &findings.slo_met {
        let _ = write!(out, "<th>{}</th>", escape(&tally.variant));
    }
    out.push_str("</tr>\n<tr><td class=\"name\">seeds</td>");
    for tally in &findings.slo_met {
        let class = if tally.met == tally.runs {
            "pass"
        } else {
            "fail"
        };
        let _ = write!(
            out,
            "<td class=\"{class}\">{} of {}</td>",
            tally.met, tally.runs
        );
    }
    out.push_str("</tr>\n</table>\n");
}

/// The headline metrics with a row per variant: each metric's value, then its difference
/// from the baseline.
fn headline_table(out: &mut String, findings: &Findings) {
    let rows: Vec<_> = findings
        .metrics
        .iter()
        .filter(|row| row.metric.headline)
        .collect();
    let baseline = escape(&findings.variants[0]);
    // One variant has no differences to show: one column per metric.
    let paired = findings.variants.len() > 1;
    let span = if paired { 2 } else { 1 };
    out.push_str(
        "<div class=\"scroll\"><table>\n<tr><th class=\"name\" rowspan=\"2\">variant</th>",
    );
    for row in &rows {
        let _ = write!(
            out,
            "<th colspan=\"{span}\">{} ({})</th>",
            escape(&row.metric.label),
            escape(&row.metric.unit)
        );
    }
    out.push_str("</tr>\n<tr>");
    for _ in &rows {
        out.push_str("<th>mean</th>");
        if paired {
            let _ = write!(out, "<th>− {baseline}</th>");
        }
    }
    out.push_str("</tr>\n");
    for (index, variant) in findings.variants.iter().enumerate() {
        let _ = write!(out, "<tr><td class=\"name\">{}</td>", escape(variant));
        for row in &rows {
            let value = &row.by_variant[index];
            out.push_str(&value_cell(row, value));
            match difference_text(row, value, false) {
                Some(text) => {
                    let class = judgement_class(judge(row, value));
                    let _ = write!(out, "<td{class}>{}</td>", escape(&text));
                }
                None if paired => out.push_str("<td>baseline</td>"),
                None => {}
            }
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table></div>\n");
}

/// A value's cell, green or red against its SLO target if it has one.
fn value_cell(row: &MetricRow, value: &VariantValue) -> String {
    format!(
        "<td{}>{}</td>",
        target_class(row, value),
        escape(&estimate(&value.estimate))
    )
}

/// The CSS class attribute of a value against its SLO target: green when its mean meets it,
/// red when it misses, none without a target or a value.
fn target_class(row: &MetricRow, value: &VariantValue) -> &'static str {
    match (row.metric.target, value.estimate) {
        (Some(target), Some(estimate)) if estimate.mean >= target => " class=\"pass\"",
        (Some(_), Some(_)) => " class=\"fail\"",
        _ => "",
    }
}

/// The CSS class attribute for a judged difference.
fn judgement_class(judgement: Judgement) -> &'static str {
    match judgement {
        Judgement::Better => " class=\"better\"",
        Judgement::Worse => " class=\"worse\"",
        Judgement::Unclear | Judgement::NotComparable => "",
    }
}

/// The metric table: one row per metric, a column per variant and per difference.
fn table(out: &mut String, findings: &Findings, headline: bool) {
    let baseline = &findings.variants[0];
    out.push_str("<div class=\"scroll\"><table>\n<tr><th class=\"name\">metric</th><th class=\"name\">unit</th>");
    let _ = write!(out, "<th>{}</th>", escape(baseline));
    for variant in &findings.variants[1..] {
        let _ = write!(
            out,
            "<th>{}</th><th>{} − {}</th>",
            escape(variant),
            escape(variant),
            escape(baseline)
        );
    }
    out.push_str("</tr>\n");
    for row in findings
        .metrics
        .iter()
        .filter(|row| row.metric.headline == headline)
    {
        let _ = write!(
            out,
            "<tr><td class=\"name\">{}</td><td class=\"name\">{}</td>",
            escape(&row.metric.label),
            escape(&row.metric.unit)
        );
        for (index, value) in row.by_variant.iter().enumerate() {
            out.push_str(&value_cell(row, value));
            match difference_text(row, value, false) {
                Some(text) => {
                    let class = judgement_class(judge(row, value));
                    let _ = write!(out, "<td{class}>{}</td>", escape(&text));
                }
                None if index > 0 => out.push_str("<td>—</td>"),
                None => {}
            }
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table></div>\n");
}

/// An SVG document without its XML prolog, ready to inline in HTML.
pub(crate) fn strip_prolog(svg: &str) -> &str {
    match svg.find("<svg") {
        Some(start) => &svg[start..],
        None => svg,
    }
}

/// `text` with HTML's special characters escaped.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }

    #[test]
    fn inlined_svg_loses_its_prolog() {
        assert_eq!(
            strip_prolog("<?xml version=\"1.0\"?>\n<svg></svg>"),
            "<svg></svg>"
        );
    }
}
