//! The human-readable run summary: a header and aligned tables, for a terminal.

use std::fmt::Write;

use crate::summary::{Quantiles, RunSummary};

mod autoscale;
mod cache;
mod class;
mod cost;
mod database;
mod deploy;
mod election;
mod identity;
mod workflow;

/// Renders a summary as aligned text tables.
pub fn render(summary: &RunSummary) -> String {
    let mut out = String::new();
    let variant = summary.variant.as_deref().unwrap_or("(none)");
    let warmup_s = summary.sim_time_s - summary.measured_s;
    let _ = writeln!(
        out,
        "scenario {}  variant {}  seed {}  faultline {}",
        summary.scenario, variant, summary.seed, summary.version
    );
    let _ = writeln!(
        out,
        "trace {}  events {}  simulated {}s (measured {}s after {}s warm-up; {}s of drain)\n",
        summary.trace_hash,
        summary.events,
        trim(summary.sim_time_s),
        trim(summary.measured_s),
        trim(warmup_s),
        trim(summary.drain_s)
    );
    // SLO attainment leads: it is the one figure that counts failures as bad.
    if !summary.slo.is_empty() {
        for v in &summary.slo {
            let observed = v.observed.map_or("n/a (no requests)".to_string(), |o| {
                format!("{:.4}%", o * 100.0)
            });
            let who = match &v.class {
                None => v.client.clone(),
                Some(class) => format!("{} ({class})", v.client),
            };
            let _ = writeln!(
                out,
                "SLO {}: {} of requests within {}ms (target {:.4}%)  {}",
                who,
                observed,
                trim(v.latency_below_ms),
                v.target * 100.0,
                if v.met { "MET" } else { "MISSED" }
            );
            if let Some(line) = burn_line(v) {
                let _ = writeln!(out, "  {line}");
            }
        }
        out.push('\n');
        dashboard(&mut out, summary);
    }

    let mut clients = Table::new(&[
        "client",
        "requests",
        "ok",
        "failed",
        "attempts",
        "timeouts",
        "refused",
        "ampl",
        "goodput/s",
        "mean ms",
        "p50 ms",
        "p99 ms",
        "p999 ms",
        "max ms",
    ]);
    for (name, c) in &summary.clients {
        let mut row = vec![
            name.clone(),
            c.requests.to_string(),
            c.succeeded.to_string(),
            c.failed.to_string(),
            c.attempts.to_string(),
            c.timeouts.to_string(),
            c.refused.to_string(),
            format!("{:.3}", c.amplification),
            format!("{:.1}", c.goodput_per_s),
        ];
        row.extend(latency_cells(&c.latency_ms));
        clients.row(row);
    }
    out.push_str(&clients.render());
    for (name, c) in &summary.clients {
        load_lines(&mut out, name, c);
        let guards = [
            (c.retries_denied, "retries denied by the budget"),
            (c.breaker_rejections, "attempts refused by the open breaker"),
            (c.breaker_opened, "breaker openings"),
            (c.throttled, "attempts throttled"),
            (c.deadline_exceeded, "requests past their deadline"),
            (c.non_retryable, "non-retryable (4xx) answers, not retried"),
            (c.rate_limited, "attempts refused by a rate limit"),
            (c.bulkhead_rejections, "attempts refused by the bulkhead"),
        ];
        if c.failed > 0 {
            let causes: Vec<String> = c
                .failed_by
                .iter()
                .map(|(cause, n)| format!("{n} {}", cause.replace('_', " ")))
                .collect();
            let _ = writeln!(
                out,
                "{name}: {} failed requests by cause: {}",
                c.failed,
                causes.join(", ")
            );
        }
        if let Some(d) = &c.database {
            let stale = match d.stale_fraction {
                Some(f) => format!(" ({:.2}% of those served)", f * 100.0),
                None => String::new(),
            };
            let _ = writeln!(
                out,
                "{name} at the database: {} reads, {} stale{stale}, {} failed; {} writes, {} acknowledged, {} failed, {} acknowledged then lost in a failover",
                d.reads,
                d.stale_reads,
                d.failed_reads,
                d.writes,
                d.writes_acknowledged,
                d.failed_writes,
                d.writes_lost
            );
        }
        if let Some(q) = &c.quorum {
            let _ = writeln!(out, "{name} at the quorum store: {}", q.words());
        }
        if let Some(w) = &c.leader_writes {
            let _ = writeln!(
                out,
                "{name} at the leader: {} writes, {} accepted, {} conflicting (a stale leader's, applied), {} fenced, {} unreachable store, {} refused by a node not leading",
                w.writes, w.accepted, w.conflicting, w.fenced, w.unreachable, w.not_leader
            );
        }
        if c.in_flight > 0 {
            let _ = writeln!(
                out,
                "{name}: {} requests still unresolved at the end (not succeeded: they count against the SLO)",
                c.in_flight
            );
        }
        if c.failed > 0 || c.in_flight > 0 {
            let q = &c.latency_all_ms;
            let _ = writeln!(
                out,
                "{name}: time to an outcome of all requests (a failure at the moment its caller gave up): p50 {} ms, p99 {} ms, max {} ms",
                ms(q.p50),
                ms(q.p99),
                ms(q.max)
            );
        }
        let said = nonzero(&guards);
        if !said.is_empty() {
            let _ = writeln!(out, "{name}: {}", said.join(", "));
        }
        if c.garbage > 0 {
            let _ = writeln!(
                out,
                "{name}: {} successful requests got garbage answers",
                c.garbage
            );
        }
        identity::client(&mut out, name, c);
    }
    out.push('\n');

    let mut services = Table::new(&[
        "service",
        "arrivals",
        "completed",
        "rejected",
        "lost",
        "wasted",
        "util",
        "queue",
        "wait p50",
        "wait p99",
        "sojourn mean",
        "sojourn p99",
    ]);
    for (name, s) in &summary.services {
        services.row(vec![
            name.clone(),
            s.arrivals.to_string(),
            s.completed.to_string(),
            s.rejected.to_string(),
            s.lost.to_string(),
            s.timed_out_work.to_string(),
            format!("{:.1}%", s.utilization * 100.0),
            format!("{:.2}", s.queue_len_mean),
            ms(s.wait_ms.p50),
            ms(s.wait_ms.p99),
            ms(s.sojourn_ms.mean),
            ms(s.sojourn_ms.p99),
        ]);
    }
    out.push_str(&services.render());
    for (name, s) in &summary.services {
        let policies = [
            (s.shed, shed_label(s)),
            (s.rate_limited, "attempts refused by its rate limit"),
            (s.client_errors, "4xx answers"),
            (s.ejections, "replica ejections by outlier detection"),
        ];
        let said = nonzero(&policies);
        if !said.is_empty() {
            let _ = writeln!(out, "{name}: {}", said.join(", "));
        }
        identity::service(&mut out, name, s);
        autoscale::service(&mut out, name, s);
        class::render(&mut out, name, s);
    }
    for (name, s) in &summary.services {
        let w = &s.work;
        if w.retries > 0.0 || w.hedges > 0.0 || w.for_callers_gone > 0.0 {
            let _ = writeln!(
                out,
                "{name}: {:.1} worker-seconds: {:.0}% first attempts, {:.0}% retries, {:.0}% hedges; {:.0}% for callers already gone",
                w.total_s,
                w.first_attempts * 100.0,
                w.retries * 100.0,
                w.hedges * 100.0,
                w.for_callers_gone * 100.0
            );
        }
    }
    let mut calls = Table::new(&["call", "requests", "attempts", "ok", "failed", "ampl"]);
    let mut any_call = false;
    for (name, s) in &summary.services {
        for c in &s.calls {
            any_call = true;
            calls.row(vec![
                format!("{name} → {}", c.target),
                c.requests.to_string(),
                c.attempts.to_string(),
                c.succeeded.to_string(),
                c.failed.to_string(),
                format!("{:.3}", c.amplification),
            ]);
        }
    }
    if any_call {
        out.push('\n');
        out.push_str(&calls.render());
    }
    if !summary.services.is_empty() {
        let _ = writeln!(
            out,
            "(lost = work lost in crashes; wasted = work completed for callers that had already given up; times in ms)"
        );
    }
    cache::render(&mut out, summary);
    if let Some(e) = &summary.election {
        election::render(&mut out, e);
    }
    if let Some(d) = &summary.database {
        database::render(&mut out, d);
    }
    for (name, q) in &summary.queues {
        let ms = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v:.1}"));
        out.push_str(&format!(
            "\nqueue {name}: {} published, {} delivered ({} redelivered), {} acked, {} dead-lettered, {} dropped, {} rejected, {} blocked, {} in flight at end; {} duplicate effects, {} deduplicated; wait mean {} ms, p99 {} ms; lag max {} messages / {:.3} s, at end {} messages / {:.3} s\n",
            q.published, q.delivered, q.redelivered, q.acked, q.dead_lettered, q.dropped, q.rejected,
            q.blocked, q.in_flight_end, q.duplicates, q.deduplicated, ms(q.wait_ms.mean), ms(q.wait_ms.p99),
            q.lag_max_messages, q.lag_max_s, q.lag_end_messages, q.lag_end_s,
        ));
    }
    for (name, w) in &summary.workflows {
        workflow::render(&mut out, name, w);
    }
    for (service, o) in &summary.outboxes {
        out.push_str(&o.line(service));
    }
    if let Some(q) = &summary.quorum {
        let repair = if q.read_repair { ", read repair" } else { "" };
        let _ = writeln!(
            out,
            "\nquorum store {} (N={}, R={}, W={}, on no quorum: {}{repair}): {}; {} anti-entropy repairs",
            q.name,
            q.replicas,
            q.read_quorum,
            q.write_quorum,
            q.on_no_quorum,
            q.calls.words(),
            q.anti_entropy_repairs
        );
    }
    if let Some(cost) = &summary.cost {
        cost::render(&mut out, cost);
    }
    deploy::render(&mut out, &summary.deployments);

    if !summary.faults.is_empty() {
        out.push('\n');
        for f in &summary.faults {
            let end = f
                .end_s
                .map_or("end".to_string(), |e| format!("{}s", trim(e)));
            let _ = writeln!(
                out,
                "fault {} on {}: {}s → {}",
                f.kind,
                f.target,
                trim(f.start_s),
                end
            );
            for (client, g) in &f.goodput_per_s {
                let show = |v: Option<f64>| v.map_or("-".to_string(), |x| format!("{x:.1}"));
                let _ = writeln!(
                    out,
                    "  {client} goodput/s: {} in the 10 s before, {} during, {} in the 10 s after",
                    show(g.before),
                    show(g.during),
                    show(g.after)
                );
            }
        }
    }
    out
}

/// A latency in milliseconds with three decimals, or `n/a` when there was none to measure.
fn ms(value: Option<f64>) -> String {
    value.map_or("n/a".to_string(), |v| format!("{v:.3}"))
}

/// What a service's `shed` count covers: priority shedding only where the service reports
/// priorities, so other summaries read as they always did.
fn shed_label(s: &crate::summary::ServiceSummary) -> &'static str {
    if s.priorities.is_some() {
        "attempts shed (max wait, CoDel or priority)"
    } else {
        "queued attempts shed (max wait or CoDel)"
    }
}

fn latency_cells(q: &Quantiles) -> Vec<String> {
    [q.mean, q.p50, q.p99, q.p999, q.max]
        .into_iter()
        .map(ms)
        .collect()
}

fn trim(value: f64) -> String {
    let text = format!("{value:.3}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// A table whose first column is left-aligned and the rest right-aligned.
struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    fn new(header: &[&str]) -> Table {
        Table {
            header: header.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    fn row(&mut self, cells: Vec<String>) {
        assert_eq!(
            cells.len(),
            self.header.len(),
            "a row has one cell per column"
        );
        self.rows.push(cells);
    }

    fn render(&self) -> String {
        // A scenario of only a database has no clients or services: print no empty table.
        if self.rows.is_empty() {
            return String::new();
        }
        let widths: Vec<usize> = (0..self.header.len())
            .map(|i| {
                std::iter::once(&self.header)
                    .chain(&self.rows)
                    .map(|r| r[i].chars().count())
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let mut out = String::new();
        for row in std::iter::once(&self.header).chain(&self.rows) {
            let line: Vec<String> = row
                .iter()
                .zip(&widths)
                .enumerate()
                .map(|(i, (cell, &w))| {
                    if i == 0 {
                        format!("{cell:<w$}")
                    } else {
                        format!("{cell:>w$}")
                    }
                })
                .collect();
            let _ = writeln!(out, "{}", line.join("  ").trim_end());
        }
        out
    }
}

/// The counts that are not zero, each with its words: `12 attempts throttled`.
fn nonzero(counts: &[(u64, &str)]) -> Vec<String> {
    counts
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, what)| format!("{n} {what}"))
        .collect()
}

/// A group's size and members, and each request class's line (issue #14); nothing for a
/// single client without classes.
fn load_lines(out: &mut String, name: &str, c: &crate::summary::ClientSummary) {
    if let Some(count) = c.count {
        let _ = writeln!(
            out,
            "{name}: a group of {count} identical clients, counted together"
        );
    }
    for m in &c.members {
        let _ = writeln!(
            out,
            "  {}: {} requests, {} ok, {} failed, {} attempts, mean {} ms",
            m.name,
            m.requests,
            m.succeeded,
            m.failed,
            m.attempts,
            ms(m.latency_mean_ms)
        );
    }
    for (class, k) in &c.classes {
        let _ = writeln!(
            out,
            "{name} ({class}): {} requests, {} ok, {} failed; latency p50 {} ms, p99 {} ms",
            k.requests,
            k.succeeded,
            k.failed,
            ms(k.latency_ms.p50),
            ms(k.latency_ms.p99)
        );
    }
}

/// An SLO's error budget in words: spent, the peak burn rate, paging time, and the periods
/// where the services' dashboards read healthy while it burned.
fn burn_line(v: &crate::summary::SloVerdict) -> Option<String> {
    let spent = v.budget_consumed?;
    let mut line = format!("error budget: {:.1}% spent", spent * 100.0);
    if let Some(peak) = v.burn_rate_peak {
        let _ = write!(line, "; burn rate peak {peak:.1} over 60 s");
    }
    if let Some(paging) = v.paging_s.filter(|p| *p > 0.0) {
        let _ = write!(line, "; fast-burn alert for {}s", trim(paging));
    }
    if !v.green_but_burning.is_empty() {
        let periods: Vec<String> = v
            .green_but_burning
            .iter()
            .map(|p| format!("{}s–{}s", trim(p.start_s), trim(p.end_s)))
            .collect();
        let _ = write!(
            line,
            "; green dashboards while it burns: {}",
            periods.join(", ")
        );
    }
    Some(line)
}

/// The per-minute dashboard beside the SLOs' burn rates, when the summary has one
/// (`dashboard::of`), with `<<` where every dashboard is green while an SLO burns.
fn dashboard(out: &mut String, summary: &RunSummary) {
    let Some(dashboard) = crate::dashboard::of(summary) else {
        return;
    };
    let _ = writeln!(out, "{}", crate::dashboard::TITLE);
    let header: Vec<&str> = dashboard.header.iter().map(String::as_str).collect();
    let mut table = Table::new(&header);
    for row in dashboard.rows {
        table.row(row);
    }
    out.push_str(&table.render());
    out.push('\n');
}
