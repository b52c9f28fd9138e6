//! The cost lines of the text summary: the bill, its parts with their shares, and each
//! service's; printed only when the scenario sets prices.

use std::fmt::Write;

use crate::comparison::number;
use crate::summary::CostSummary;

/// Appends the cost section (a blank line, the bill, its parts, one line per service).
pub(super) fn render(out: &mut String, cost: &CostSummary) {
    let per_hour = cost
        .per_hour
        .map_or(String::new(), |h| format!(" ({} per hour)", money(h)));
    let _ = writeln!(
        out,
        "\ncost {}{per_hour}: {} replica-hours, {} requests served, {} GB",
        money(cost.total),
        number(cost.replica_hours, None),
        cost.requests_served,
        number(cost.gb, None),
    );
    let parts: Vec<String> = cost
        .parts
        .named()
        .iter()
        .map(|(name, value)| {
            let share = cost.shares.map_or(String::new(), |shares| {
                let share = shares
                    .named()
                    .iter()
                    .find(|(n, _)| n == name)
                    .map_or(0.0, |s| s.1);
                format!(" ({:.1}%)", share * 100.0)
            });
            format!("{name} {}{share}", money(*value))
        })
        .collect();
    let _ = writeln!(out, "  {}", parts.join(", "));
    for (name, service) in &cost.services {
        let _ = writeln!(
            out,
            "  {name}: {} ({} replica-hours, {} requests served; wasted {}, idle {})",
            money(service.total),
            number(service.replica_hours, None),
            service.requests_served,
            money(service.parts.wasted),
            money(service.parts.idle),
        );
    }
}

/// Money with four significant digits, however small (a short run's bill is a fraction of a
/// cent).
pub(crate) fn money(value: f64) -> String {
    if value == 0.0 {
        return "0".to_string();
    }
    let rounded = crate::stats::round_sig(value, 4);
    let decimals = (3.0 - libm::floor(libm::log10(rounded.abs()))).max(0.0) as usize;
    format!("{rounded:.decimals$}")
}

#[cfg(test)]
mod tests {
    use super::money;

    #[test]
    fn money_keeps_four_significant_digits() {
        assert_eq!(money(0.0), "0");
        assert_eq!(money(0.000123456), "0.0001235");
        assert_eq!(money(1.5), "1.500");
        assert_eq!(money(12345.6), "12350");
    }
}
