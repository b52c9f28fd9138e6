//! A service's autoscaler in the text summary: one line with its changes, its replicas and
//! the scale-out lag. Nothing is written for a service without an autoscaler.

use std::fmt::Write;

use crate::summary::ServiceSummary;

/// Appends `name`'s autoscaler line, if it has one.
pub(super) fn service(out: &mut String, name: &str, s: &ServiceSummary) {
    let Some(a) = &s.autoscale else {
        return;
    };
    let outs = a.decisions.iter().filter(|d| d.to > d.from).count();
    let ins = a.decisions.len() - outs;
    let mean = a
        .replicas_mean
        .map_or_else(|| "n/a".to_string(), |m| format!("{m:.2}"));
    let lag = a.scale_out_lag_s.map_or_else(String::new, |l| {
        format!("; scale-out lag {l:.1}s after the load spike")
    });
    let path: Vec<String> = a
        .decisions
        .iter()
        .take(8)
        .map(|d| format!("{}→{} at {:.0}s", d.from, d.to, d.at_s))
        .collect();
    let more = if a.decisions.len() > 8 { ", ..." } else { "" };
    let _ = writeln!(
        out,
        "{name}: autoscaled {outs} out, {ins} in ({}{more}); replicas peak {}, mean {mean}, {:.0} replica-seconds{lag}",
        path.join(", "),
        a.replicas_peak,
        a.replica_seconds,
    );
}
