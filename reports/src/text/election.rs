//! The lease election's lines of the text summary: split-brain and leaderless time, writes,
//! and how long each node led.

use std::fmt::Write;

use crate::summary::ElectionSummary;

/// Appends the election's section (a blank line, then three lines) to `out`.
pub(super) fn render(out: &mut String, e: &ElectionSummary) {
    let _ = writeln!(
        out,
        "\nelection ({} nodes, fencing {}): split brain {}s, leaderless {}s, leader changes {}, leases granted {}",
        e.nodes,
        if e.fencing { "on" } else { "off" },
        super::trim(e.split_brain_s),
        super::trim(e.leaderless_s),
        e.leader_changes,
        e.acquisitions
    );
    let _ = writeln!(
        out,
        "  writes: {} reached the store, {} stale ({} applied, {} rejected by fencing)",
        e.writes, e.stale_writes, e.stale_writes_accepted, e.writes_rejected
    );
    let acting: Vec<String> = e
        .acting_s
        .iter()
        .map(|(node, s)| format!("{node} {}s", super::trim(*s)))
        .collect();
    let _ = writeln!(out, "  acting leader: {}", acting.join(", "));
}
