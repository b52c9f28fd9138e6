//! The leader–follower database's lines of the text summary: writes acknowledged, failed and
//! lost in failovers, stale reads and how stale, and where the reads went.

use std::fmt::Write;

use crate::summary::DatabaseSummary;

/// Appends the database's section (a blank line, then four or five lines) to `out`.
pub(super) fn render(out: &mut String, d: &DatabaseSummary) {
    let leader = d.leader.as_deref().unwrap_or("none (failover pending)");
    let _ = writeln!(
        out,
        "\ndatabase {} ({} nodes, {} replication, reads from {}): leader at the end {leader}",
        d.name,
        d.nodes,
        d.replication.replace('_', "-"),
        d.read_from
    );
    let _ = writeln!(
        out,
        "  writes: {} arrived, {} acknowledged, {} failed; {} acknowledged writes lost in {} failover(s); {}s without a leader",
        d.writes,
        d.writes_acknowledged,
        d.failed_writes,
        d.writes_lost_in_failover,
        d.failovers,
        super::trim(d.unavailable_s)
    );
    let staleness = match (d.staleness_ms.p50, d.staleness_ms.p99) {
        (Some(p50), Some(p99)) => format!(
            "; stale reads were p50 {p50:.3} ms / p99 {p99:.3} ms old and up to {} versions behind (mean {:.2})",
            d.versions_behind.max.unwrap_or(0.0),
            d.versions_behind.mean.unwrap_or(0.0)
        ),
        _ => String::new(),
    };
    let _ = writeln!(
        out,
        "  reads: {} arrived, {} stale ({:.2}%), {} failed{staleness}",
        d.reads,
        d.stale_reads,
        d.stale_fraction * 100.0,
        d.failed_reads,
    );
    let per_node: Vec<String> = d
        .reads_per_node
        .iter()
        .enumerate()
        .map(|(i, n)| format!("{}[{i}] {n}", d.name))
        .collect();
    let _ = writeln!(out, "  reads served: {}", per_node.join(", "));
    let w = &d.write_latency_ms;
    if let (Some(p50), Some(p99), Some(max)) = (w.p50, w.p99, w.max) {
        if max > 0.0 {
            let _ = writeln!(
                out,
                "  write latency (commit to acknowledgement): p50 {p50:.3} ms, p99 {p99:.3} ms, max {max:.3} ms"
            );
        }
    }
}
