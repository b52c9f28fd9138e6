//! Burn-rate arithmetic against hand-computed values (Google SRE workbook, "Alerting on
//! SLOs": burn rate = error rate / (1 − SLO target)).
use super::*;

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 1e-9)
}

#[test]
fn burn_rate_is_the_error_rate_over_the_budget() {
    // 99.9% SLO: the budget is 0.1% of requests. 1,000 requests with 1 bad spend it exactly.
    assert!(close(burn_rate(999.0, 1000.0, 0.999), 1.0));
    // The workbook's fast burn: 1.44% bad against a 99.9% SLO is a burn rate of 14.4.
    assert!(close(burn_rate(985.6, 1000.0, 0.999), FAST_BURN));
    // gray-failure's lesson: 81.9% good against 99% is 18.1% bad over a 1% budget.
    assert!(close(burn_rate(819.0, 1000.0, 0.99), 18.1));
    // Nothing bad burns nothing.
    assert!(close(burn_rate(50.0, 50.0, 0.99), 0.0));
}

#[test]
fn an_empty_window_or_a_budget_of_nothing_has_no_burn_rate() {
    assert_eq!(burn_rate(0.0, 0.0, 0.99), None);
    assert_eq!(burn_rate(99.0, 100.0, 1.0), None);
}
