//! The metrics of one run: what a comparison puts in its tables, in report order.
//!
//! Each value is `Some` number, or `None` when the run gives it no meaning (a latency with no
//! successful request, an SLO of a client that issued nothing): an undefined value is never
//! written as 0. Latency metrics name their client and view (`LatencyOf`), so verdicts can
//! refuse to compare the latencies of variants whose success rates differ.

use super::{Better, LatencyOf, LatencyView, Metric};
use crate::summary::RunSummary;

/// The key of the cost-per-hour metric, which `tradeoff` sets beside latency.
pub(crate) const COST_PER_HOUR: &str = "cost.per_hour";

/// The metrics of one run, in report order: SLO attainment first.
pub(crate) fn measure(summary: &RunSummary) -> Vec<(Metric, Option<f64>)> {
    let metric = |key: String, label: String, unit: &str, better, headline| Metric {
        key,
        label,
        unit: unit.to_string(),
        better,
        headline,
        target: None,
        latency_of: None,
    };
    let mut out = Vec::new();
    for slo in &summary.slo {
        // A class's SLO is keyed and labelled with its class: `web/write`.
        let who = match &slo.class {
            None => slo.client.clone(),
            Some(class) => format!("{}/{class}", slo.client),
        };
        out.push((
            Metric {
                target: Some(slo.target * 100.0),
                ..metric(
                    format!("slo.{who}.{}ms", slo.latency_below_ms),
                    format!(
                        "{who} SLO attainment (within {} ms, target {}%)",
                        slo.latency_below_ms,
                        slo.target * 100.0
                    ),
                    "%",
                    Better::Higher,
                    true,
                )
            },
            slo.observed.map(|o| o * 100.0),
        ));
    }
    for slo in summary.slo.iter().filter(|slo| slo.class.is_none()) {
        // Dashboards vs users (issue #21): how much of the budget went, and for how long the
        // services' own dashboards were green while it burned.
        let who = format!("slo.{}.{}ms", slo.client, slo.latency_below_ms);
        let seconds: f64 = slo
            .green_but_burning
            .iter()
            .map(|p| p.end_s - p.start_s)
            .sum();
        out.push((
            metric(
                format!("{who}.budget_consumed"),
                format!("{} error budget spent", slo.client),
                "×",
                Better::Lower,
                false,
            ),
            slo.budget_consumed,
        ));
        out.push((
            metric(
                format!("{who}.green_but_burning_s"),
                format!("{} SLO burning under green dashboards", slo.client),
                "s",
                Better::Lower,
                false,
            ),
            slo.budget_consumed.map(|_| seconds),
        ));
    }
    for (name, client) in &summary.clients {
        let key = |what: &str| format!("clients.{name}.{what}");
        let latency = |view| {
            Some(LatencyOf {
                client: name.clone(),
                view,
            })
        };
        let rows = [
            (
                "success",
                "requests succeeded",
                "%",
                Better::Higher,
                true,
                client.success.map(|s| s * 100.0),
                None,
            ),
            (
                "goodput_per_s",
                "goodput",
                "req/s",
                Better::Higher,
                true,
                Some(client.goodput_per_s),
                None,
            ),
            (
                "latency_p50",
                "p50 latency (successes)",
                "ms",
                Better::Lower,
                false,
                client.latency_ms.p50,
                latency(LatencyView::Successes),
            ),
            (
                "latency_p99",
                "p99 latency (successes)",
                "ms",
                Better::Lower,
                true,
                client.latency_ms.p99,
                latency(LatencyView::Successes),
            ),
            (
                "latency_all_p99",
                "p99 time to outcome (all requests)",
                "ms",
                Better::Lower,
                false,
                client.latency_all_ms.p99,
                latency(LatencyView::All),
            ),
            (
                "amplification",
                "attempts per request",
                "×",
                Better::Lower,
                false,
                (client.requests > 0).then_some(client.amplification),
                None,
            ),
        ];
        for (what, label, unit, better, headline, value, latency_of) in rows {
            let metric = Metric {
                latency_of,
                ..metric(key(what), format!("{name} {label}"), unit, better, headline)
            };
            out.push((metric, value));
        }
    }
    for (name, client) in &summary.clients {
        // Issue #4's patterns, when a run has them (a run without counts 0).
        let key = |what: &str| format!("clients.{name}.{what}");
        let mut rows: Vec<(&str, &str, &str, Better, bool, f64)> = Vec::new();
        if let Some(cache) = &client.cache {
            rows.push((
                "cache_hit_ratio",
                "cache hit ratio",
                "%",
                Better::Higher,
                false,
                cache.hit_ratio * 100.0,
            ));
            rows.push((
                "cache_stale_served",
                "stale answers served",
                "requests",
                Better::Neither,
                false,
                cache.stale_served as f64,
            ));
        }
        if let Some(degraded) = client.degraded {
            // A degraded answer is a cost paid instead of a failure: neither better nor worse.
            rows.push((
                "degraded",
                "degraded answers",
                "requests",
                Better::Neither,
                false,
                degraded as f64,
            ));
        }
        for (what, label, unit, better, headline, value) in rows {
            out.push((
                metric(key(what), format!("{name} {label}"), unit, better, headline),
                Some(value),
            ));
        }
    }
    for (name, service) in &summary.services {
        let key = |what: &str| format!("services.{name}.{what}");
        let mut rows: Vec<(String, String, &str, Better, bool, f64)> = Vec::new();
        if let Some(idempotency) = &service.idempotency {
            rows.push((
                key("duplicate_side_effects"),
                format!("{name} duplicate side effects"),
                "executions",
                Better::Lower,
                true,
                idempotency.duplicate_side_effects as f64,
            ));
        }
        for (pool, stats) in &service.pools {
            rows.push((
                key(&format!("pools.{pool}.rejected")),
                format!("{name} pool {pool} rejected"),
                "attempts",
                Better::Lower,
                false,
                stats.rejected as f64,
            ));
        }
        for (priority, stats) in service.priorities.iter().flatten() {
            rows.push((
                key(&format!("priorities.{priority}.shed")),
                format!("{name} {priority} shed"),
                "attempts",
                Better::Lower,
                false,
                stats.shed as f64,
            ));
        }
        for call in &service.calls {
            if let Some(cache) = &call.cache {
                let target = &call.target;
                rows.push((
                    key(&format!("calls.{target}.cache_hit_ratio")),
                    format!("{name} → {target} cache hit ratio"),
                    "%",
                    Better::Higher,
                    false,
                    cache.hit_ratio * 100.0,
                ));
            }
        }
        for (what, label, unit, better, headline, value) in rows {
            out.push((metric(what, label, unit, better, headline), Some(value)));
        }
    }
    for (name, service) in &summary.services {
        let key = |what: &str| format!("services.{name}.{what}");
        let rows = [
            (
                "utilization",
                "utilization",
                "%",
                Better::Neither,
                service.utilization * 100.0,
            ),
            (
                "queue_len_mean",
                "mean queue",
                "attempts",
                Better::Lower,
                service.queue_len_mean,
            ),
            (
                "work_retries",
                "work on retries",
                "%",
                Better::Lower,
                service.work.retries * 100.0,
            ),
            (
                "work_for_callers_gone",
                "work for callers gone",
                "%",
                Better::Lower,
                service.work.for_callers_gone * 100.0,
            ),
        ];
        for (what, label, unit, better, value) in rows {
            out.push((
                metric(key(what), format!("{name} {label}"), unit, better, false),
                Some(value),
            ));
        }
    }
    if let Some(cost) = &summary.cost {
        // The bill per hour (comparable whatever the run's length), then its parts per hour.
        // A scenario without prices has no cost rows at all: not a column of zeros.
        out.push((
            metric(
                COST_PER_HOUR.to_string(),
                "cost per hour".to_string(),
                "/h",
                Better::Lower,
                true,
            ),
            cost.per_hour,
        ));
        if let (Some(per_hour), Some(shares)) = (cost.per_hour, cost.shares) {
            for (part, share) in shares.named() {
                let better = if part == "wasted" {
                    Better::Lower
                } else {
                    Better::Neither
                };
                out.push((
                    metric(
                        format!("cost.{part}_per_hour"),
                        format!("cost per hour: {part}"),
                        "/h",
                        better,
                        false,
                    ),
                    Some(per_hour * share),
                ));
            }
        }
    }
    if let Some(d) = &summary.database {
        // A leader–follower database: its stale reads and lost writes are what variants change.
        let name = &d.name;
        let rows = [
            (
                "stale_reads",
                "stale reads",
                "%",
                true,
                Some(d.stale_fraction * 100.0),
            ),
            (
                "writes_lost_in_failover",
                "acknowledged writes lost",
                "writes",
                true,
                Some(d.writes_lost_in_failover as f64),
            ),
            (
                "failed_writes",
                "failed writes",
                "writes",
                false,
                Some(d.failed_writes as f64),
            ),
            (
                "failed_reads",
                "failed reads",
                "reads",
                false,
                Some(d.failed_reads as f64),
            ),
            (
                "write_latency_p99",
                "p99 write latency",
                "ms",
                false,
                d.write_latency_ms.p99,
            ),
            (
                "unavailable_s",
                "time without a leader",
                "s",
                false,
                Some(d.unavailable_s),
            ),
        ];
        for (what, label, unit, headline, value) in rows {
            let key = format!("database.{name}.{what}");
            let label = format!("{name} {label}");
            out.push((metric(key, label, unit, Better::Lower, headline), value));
        }
    }
    if let Some(q) = &summary.quorum {
        // A quorum store: the CAP trade-off is stale reads against calls failed for want of a
        // quorum; a stale fraction with no read served is undefined, not 0.
        let (name, c) = (&q.name, &q.calls);
        let rows = [
            (
                "stale_reads",
                "stale reads",
                "%",
                true,
                c.stale_fraction.map(|f| f * 100.0),
            ),
            (
                "failed_calls",
                "calls failed without a quorum",
                "calls",
                true,
                Some((c.failed_reads + c.failed_writes) as f64),
            ),
            (
                "sloppy_calls",
                "calls served without a quorum",
                "calls",
                false,
                Some((c.sloppy_reads + c.sloppy_writes) as f64),
            ),
        ];
        for (what, label, unit, headline, value) in rows {
            let key = format!("quorum.{name}.{what}");
            let label = format!("{name} {label}");
            out.push((metric(key, label, unit, Better::Lower, headline), value));
        }
    }
    if let Some(e) = &summary.election {
        // A lease election: two leaders at once, and what the store let them write.
        let rows = [
            (
                "split_brain_s",
                "split brain",
                "s",
                true,
                Some(e.split_brain_s),
            ),
            (
                "stale_writes_accepted",
                "stale writes accepted",
                "writes",
                true,
                Some(e.stale_writes_accepted as f64),
            ),
            (
                "leaderless_s",
                "time without a leader",
                "s",
                false,
                Some(e.leaderless_s),
            ),
            (
                "writes_rejected",
                "writes fenced off",
                "writes",
                false,
                Some(e.writes_rejected as f64),
            ),
        ];
        for (what, label, unit, headline, value) in rows {
            let key = format!("election.{what}");
            let label = format!("election {label}");
            out.push((metric(key, label, unit, Better::Lower, headline), value));
        }
    }
    for (name, q) in &summary.queues {
        // A message queue: duplicate effects and messages it lost to a full partition are what
        // its settings change; its lag is what the consumers owe (issue #18).
        let rows = [
            (
                "duplicates",
                "effects applied twice",
                "messages",
                true,
                Some(q.duplicates as f64),
            ),
            (
                "refused",
                "messages dropped or refused when full",
                "messages",
                true,
                Some((q.dropped + q.rejected) as f64),
            ),
            (
                "dead_lettered",
                "messages dead-lettered",
                "messages",
                false,
                Some(q.dead_lettered as f64),
            ),
            (
                "lag_max_s",
                "greatest consumer lag",
                "s",
                false,
                Some(q.lag_max_s),
            ),
            (
                "wait_p99",
                "p99 wait for a first delivery",
                "ms",
                false,
                q.wait_ms.p99,
            ),
        ];
        for (what, label, unit, headline, value) in rows {
            let key = format!("queues.{name}.{what}");
            let label = format!("{name} {label}");
            out.push((metric(key, label, unit, Better::Lower, headline), value));
        }
    }
    for (name, w) in &summary.workflows {
        // A workflow across services (issue #21): instances left half done are the failure
        // that matters; two-phase commit's aborts, refused prepares and lock time are its
        // price (undefined for a saga, which holds no lock).
        let completed = (w.started > 0).then(|| w.completed as f64 / w.started as f64 * 100.0);
        let rows = [
            (
                "inconsistent",
                "instances left inconsistent",
                "instances",
                Better::Lower,
                true,
                Some(w.inconsistent as f64),
            ),
            (
                "completed",
                "instances completed",
                "%",
                Better::Higher,
                false,
                completed,
            ),
            (
                "aborted",
                "instances aborted",
                "instances",
                Better::Lower,
                false,
                Some(w.aborted as f64),
            ),
            (
                "blocked",
                "prepares refused for a held lock",
                "prepares",
                Better::Lower,
                false,
                Some(w.blocked as f64),
            ),
            (
                "lock_seconds",
                "lock-seconds held",
                "s",
                Better::Lower,
                false,
                w.lock_seconds,
            ),
        ];
        for (what, label, unit, better, headline, value) in rows {
            let key = format!("workflows.{name}.{what}");
            let label = format!("{name} {label}");
            out.push((metric(key, label, unit, better, headline), value));
        }
    }
    for (service, d) in &summary.deployments {
        // A deployment of a bad version (issue #21): the bad requests it let through, and how
        // long its alert took (undefined when it never fired).
        let rows = [
            (
                "bad_requests",
                "bad requests served by the new version",
                "requests",
                true,
                Some(d.bad_requests as f64),
            ),
            (
                "time_to_detect_s",
                "time from deploy to alert",
                "s",
                false,
                d.time_to_detect_s,
            ),
        ];
        for (what, label, unit, headline, value) in rows {
            let key = format!("deploy.{service}.{what}");
            let label = format!("{service} deploy: {label}");
            out.push((metric(key, label, unit, Better::Lower, headline), value));
        }
    }
    out
}
