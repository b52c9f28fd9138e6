//! The trade-off sentence: written only beside a real latency verdict and a cost.
use super::*;
use crate::comparison::{Better, LatencyOf, Metric, VariantValue};

fn interval(mean: f64, half: f64) -> Interval {
    Interval {
        mean,
        half_width: Some(half),
        n: 10,
    }
}

fn value(variant: &str, estimate: Interval, difference: Option<Interval>) -> VariantValue {
    VariantValue {
        variant: variant.to_string(),
        estimate: Some(estimate),
        per_seed: Vec::new(),
        difference,
        judgement: None,
        verdict: None,
        split: None,
    }
}

fn metric(key: &str, latency: bool) -> Metric {
    Metric {
        key: key.to_string(),
        label: key.to_string(),
        unit: if latency { "ms" } else { "/h" }.to_string(),
        better: Better::Lower,
        headline: true,
        target: None,
        latency_of: latency.then(|| LatencyOf {
            client: "user".to_string(),
            view: LatencyView::Successes,
        }),
    }
}

/// A p99 row where `hedged` is 8 ± 1 ms faster with `judgement`, and a cost row where it
/// spends `spend` more per hour than the baseline's 100.
fn rows(judgement: Judgement, spend: Interval) -> Vec<MetricRow> {
    let mut faster = value("hedged", interval(20.0, 1.0), Some(interval(-8.0, 1.0)));
    faster.judgement = Some(judgement);
    let mut costlier = value("hedged", interval(100.0 + spend.mean, 1.0), Some(spend));
    costlier.judgement = Some(Judgement::Worse);
    vec![
        MetricRow {
            metric: metric("clients.user.latency_p99", true),
            by_variant: vec![value("plain", interval(28.0, 1.0), None), faster],
        },
        MetricRow {
            metric: metric(COST_PER_HOUR, false),
            by_variant: vec![value("plain", interval(100.0, 1.0), None), costlier],
        },
    ]
}

#[test]
fn a_latency_win_is_priced_in_one_line() {
    let found = find(&rows(Judgement::Better, interval(11.0, 2.0)));
    assert_eq!(
        found,
        ["hedged buys 8.0 ± 1.0 ms of user p99 latency for 11.0% ± 2.0% more spend than plain"]
    );
}

#[test]
fn a_spend_difference_that_is_not_significant_is_said_to_be_none() {
    let found = find(&rows(Judgement::Better, interval(1.0, 2.0)));
    assert_eq!(
        found,
        ["hedged buys 8.0 ± 1.0 ms of user p99 latency with no significant change in spend from plain (+1.0% ± 2.0%)"]
    );
}

#[test]
fn no_sentence_without_a_latency_verdict() {
    // Not comparable: the faster variant succeeds less (verdict::judge's rule).
    assert!(find(&rows(Judgement::NotComparable, interval(11.0, 2.0))).is_empty());
    assert!(find(&rows(Judgement::Unclear, interval(11.0, 2.0))).is_empty());
}

#[test]
fn no_sentence_without_prices() {
    let mut rows = rows(Judgement::Better, interval(11.0, 2.0));
    rows.pop();
    assert!(find(&rows).is_empty());
}

#[test]
fn a_slower_cheaper_variant_says_what_it_saves() {
    let mut rows = rows(Judgement::Worse, interval(-11.0, 2.0));
    rows[0].by_variant[1].difference = Some(interval(8.0, 1.0));
    assert_eq!(
        find(&rows),
        ["hedged saves 11.0% ± 2.0% of plain's spend for 8.0 ± 1.0 ms more user p99 latency"]
    );
}

#[test]
fn an_slo_verdict_is_priced_in_points() {
    let mut rows = rows(Judgement::Better, interval(11.0, 2.0));
    rows[0].metric = Metric {
        target: Some(99.0),
        latency_of: None,
        label: "user SLO attainment".to_string(),
        ..rows[0].metric.clone()
    };
    rows[0].by_variant[1].difference = Some(interval(63.0, 1.0));
    assert_eq!(
        find(&rows),
        ["hedged buys 63.0 ± 1.0 points of user SLO attainment for 11.0% ± 2.0% more spend than plain"]
    );
}
