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
    let _ = writeln!(
        out,
        "  reads: {} arrived, {} stale ({:.2}%), {} failed; stale reads were p50 {:.3} ms / p99 {:.3} ms old and up to {} versions behind (mean {:.2})",
        d.reads,
        d.stale_reads,
        d.stale_fraction * 100.0,
        d.failed_reads,
        d.staleness_ms.p50,
        d.staleness_ms.p99,
        d.versions_behind.max,
        d.versions_behind.mean
    );
    let per_node: Vec<String> = d
        .reads_per_node
        .iter()
        .enumerate()
        .map(|(i, n)| format!("{}[{i}] {n}", d.name))
        .collect();
    let _ = writeln!(out, "  reads served: {}", per_node.join(", "));
    if d.write_latency_ms.max > 0.0 {
        let _ = writeln!(
            out,
            "  write latency (commit to acknowledgement): p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms",
            d.write_latency_ms.p50, d.write_latency_ms.p99, d.write_latency_ms.max
        );
    }
}
