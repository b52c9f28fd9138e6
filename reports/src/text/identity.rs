//! Issue #4's request-identity lines of the text summary: degraded answers, idempotency
//! conflicts, side effects and their duplicates, tied-request cancellations. Nothing is
//! written when nothing was counted.

use std::fmt::Write;

use crate::summary::{ClientSummary, ServiceSummary};

/// Appends a client's degraded answers and conflicts, if any.
pub(super) fn client(out: &mut String, name: &str, c: &ClientSummary) {
    if let Some(degraded) = c.degraded {
        let _ = writeln!(
            out,
            "{name}: {degraded} successful requests were degraded (an optional call failed)"
        );
    }
    if let Some(conflicts) = c.conflicts {
        let _ = writeln!(
            out,
            "{name}: {conflicts} attempts got an idempotency conflict (key still executing)"
        );
    }
}

/// Appends a service's side effects, store answers, tied copies and degraded jobs, if any.
pub(super) fn service(out: &mut String, name: &str, s: &ServiceSummary) {
    if let Some(i) = s.idempotency {
        let _ = writeln!(
            out,
            "{name}: {} side-effect executions, {} duplicate side effects; idempotency store: {} replays, {} conflicts",
            i.executions, i.duplicate_side_effects, i.idempotent_replays, i.conflicts
        );
    }
    if let Some(t) = s.tied {
        let _ = writeln!(
            out,
            "{name}: tied requests: {} copies cancelled before starting, {} pairs both executed",
            t.cancelled, t.both_executed
        );
    }
    if let Some(degraded) = s.degraded {
        let _ = writeln!(
            out,
            "{name}: {degraded} jobs answered degraded (an optional call failed)"
        );
    }
}
