//! The dashboards-vs-users table: per minute, each service's own dashboard (replicas up,
//! utilization, error rate) beside each SLO's burn rate, as cells that the text summary,
//! report.md and report.html render alike.

use crate::burn::Minute;
use crate::summary::RunSummary;

/// What the table shows, in one line (its title in the text summary).
pub const TITLE: &str = "dashboards vs users, per minute (service: replicas up, utilization, \
                         errors; SLO: burn rate, 1 spends the budget exactly)";

/// The mark of a minute where every dashboard reads healthy while an SLO burns.
pub const MARK: &str = "<< green dashboards, burning SLO";

/// The table of one run's dashboard minutes.
#[derive(Clone, Debug, PartialEq)]
pub struct DashboardTable {
    /// Column names: `from s`, each service, each SLO's burn, and the mark column (empty).
    pub header: Vec<String>,
    /// One row of cells per minute, the last cell the mark (or empty).
    pub rows: Vec<Vec<String>>,
}

/// The table of `summary`'s per-minute dashboard; `None` when the summary has none (no SLO
/// burned under green dashboards).
pub fn of(summary: &RunSummary) -> Option<DashboardTable> {
    let slos: Vec<&str> = summary.slo.iter().map(|v| v.client.as_str()).collect();
    table(&summary.dashboard, &slos)
}

/// The table of `minutes`, whose burn rates are those of the SLOs of clients `slos`, in order.
pub fn table(minutes: &[Minute], slos: &[&str]) -> Option<DashboardTable> {
    let first = minutes.first()?;
    let mut header = vec!["from s".to_string()];
    header.extend(first.services.keys().cloned());
    header.extend(slos.iter().map(|client| format!("{client} SLO burn")));
    header.push(String::new());
    let rows = minutes
        .iter()
        .map(|minute| {
            let mut row = vec![trim(minute.start_s)];
            for health in minute.services.values() {
                let errors = health
                    .error_rate
                    .map_or("n/a".to_string(), |e| format!("{:.1}%", e * 100.0));
                row.push(format!(
                    "{} up, {:.0}%, {errors}",
                    trim(health.replicas_up),
                    health.utilization * 100.0
                ));
            }
            row.extend(
                minute
                    .slo_burn
                    .iter()
                    .map(|b| b.map_or("n/a".to_string(), |b| format!("{b:.1}"))),
            );
            let burning = minute.slo_burn.iter().any(|b| b.is_some_and(|b| b >= 1.0));
            let marked = minute.dashboards_green && burning;
            row.push(if marked { MARK } else { "" }.to_string());
            row
        })
        .collect();
    Some(DashboardTable { header, rows })
}

/// `value` with at most three decimals and no trailing zeros.
fn trim(value: f64) -> String {
    let text = format!("{value:.3}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

impl DashboardTable {
    /// The table in Markdown (the mark column headed `mark`).
    pub fn markdown(&self) -> String {
        let cell = |c: &str| c.replace('|', "\\|").replace('<', "&lt;");
        let mut out = String::new();
        let header: Vec<String> = self
            .header
            .iter()
            .map(|h| {
                if h.is_empty() {
                    "mark".to_string()
                } else {
                    cell(h)
                }
            })
            .collect();
        out.push_str(&format!("| {} |\n", header.join(" | ")));
        let align: Vec<&str> = (0..header.len())
            .map(|i| {
                if i == 0 || i + 1 == header.len() {
                    "---"
                } else {
                    "---:"
                }
            })
            .collect();
        out.push_str(&format!("|{}|\n", align.join("|")));
        for row in &self.rows {
            let cells: Vec<String> = row.iter().map(|c| cell(c)).collect();
            out.push_str(&format!("| {} |\n", cells.join(" | ")));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::burn::ServiceHealth;

    fn minute(start_s: f64, error_rate: Option<f64>, burn: Option<f64>, green: bool) -> Minute {
        let mut services = BTreeMap::new();
        services.insert(
            "api".to_string(),
            ServiceHealth {
                replicas_up: 3.0,
                utilization: 0.12,
                error_rate,
            },
        );
        Minute {
            start_s,
            services,
            slo_burn: vec![burn],
            dashboards_green: green,
        }
    }

    #[test]
    fn no_minutes_no_table() {
        assert_eq!(table(&[], &["web"]), None);
    }

    #[test]
    fn a_green_minute_that_burns_is_marked_and_undefined_cells_read_n_a() {
        let minutes = [
            minute(0.0, Some(0.0), Some(0.2), true),
            minute(60.0, Some(0.0), Some(33.04), true),
            minute(120.0, None, None, false),
        ];
        let table = table(&minutes, &["web"]).expect("a table");
        assert_eq!(table.header, ["from s", "api", "web SLO burn", ""]);
        assert_eq!(table.rows[0], ["0", "3 up, 12%, 0.0%", "0.2", ""]);
        assert_eq!(table.rows[1], ["60", "3 up, 12%, 0.0%", "33.0", MARK]);
        assert_eq!(table.rows[2], ["120", "3 up, 12%, n/a", "n/a", ""]);
        let markdown = table.markdown();
        assert!(markdown.starts_with("| from s | api | "), "{markdown}");
        assert!(markdown
            .contains("| 60 | 3 up, 12%, 0.0% | 33.0 | &lt;&lt; green dashboards, burning SLO |"));
    }
}
