//! The text lines of a workflow: its outcomes, its locks (two-phase commit) and each step's
//! applied and undone counts.

use std::fmt::Write;

use crate::summary::WorkflowSummary;

/// Appends workflow `name`'s lines to `out`.
pub(super) fn render(out: &mut String, name: &str, w: &WorkflowSummary) {
    let log = match (w.protocol.as_str(), w.durable_log) {
        ("saga", true) => ", durable log",
        ("saga", false) => ", no log",
        _ => "",
    };
    let _ = write!(
        out,
        "\nworkflow {name} ({}{log}): {} started, {} completed, {} compensated, {} aborted, {} inconsistent, {} in flight at end; {} recovered on restart; {} compensations ({} failed)",
        w.protocol, w.started, w.completed, w.compensated, w.aborted, w.inconsistent,
        w.in_flight_end, w.recovered, w.compensations, w.compensations_failed,
    );
    if let (Some(seconds), Some(doubt), Some(max)) =
        (w.lock_seconds, w.in_doubt_lock_seconds, w.locks_max)
    {
        let _ = write!(
            out,
            "; {} prepares blocked by a held lock, {seconds:.3} lock-seconds ({doubt:.3} in doubt), at most {max} locks",
            w.blocked,
        );
    }
    out.push('\n');
    for s in &w.steps {
        let _ = writeln!(
            out,
            "  step {}: {} applied, {} undone, {} left applied",
            s.service, s.applied, s.undone, s.left
        );
    }
}
