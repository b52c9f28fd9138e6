//! The deployments' lines of the text summary: per deploying service, what each version
//! served, how much of it badly, and when the alert fired and the rollback was done.

use std::fmt::Write;

use crate::summary::DeploymentSummary;

/// Appends a line per deployment (after a blank line) to `out`.
pub(super) fn render<'a>(
    out: &mut String,
    deployments: impl IntoIterator<Item = (&'a String, &'a DeploymentSummary)>,
) {
    let mut first = true;
    for (service, d) in deployments {
        if first {
            out.push('\n');
            first = false;
        }
        let seconds =
            |s: Option<f64>| s.map_or("never".to_string(), |s| format!("{}s", super::trim(s)));
        let detect = match d.time_to_detect_s {
            Some(t) => format!(" ({}s after the start)", super::trim(t)),
            None => String::new(),
        };
        let _ = writeln!(
            out,
            "deploy {service} ({}) at {}s: new version served {} ({} bad), old {} ({} bad); completed {}, alert {}{detect}, rolled back {}",
            d.strategy,
            super::trim(d.at_s),
            d.served_new,
            d.bad_requests,
            d.served_old,
            d.bad_old,
            seconds(d.completed_at_s),
            seconds(d.alert_at_s),
            seconds(d.rolled_back_at_s),
        );
    }
}
