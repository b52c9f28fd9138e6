//! Tests of the charts as a reader gets them: well-formed SVG with the title and labels as
//! text, the same bytes every time, and no panic or error on empty or non-finite input.

use super::*;

mod issue_13;

/// A chart is one `<svg>` element holding `texts` as text.
fn assert_svg(svg: &str, texts: &[&str]) {
    assert!(
        svg.starts_with("<svg"),
        "starts with <svg: {}",
        &svg[..40.min(svg.len())]
    );
    assert!(svg.trim_end().ends_with("</svg>"), "ends with </svg>");
    assert_eq!(svg.matches("<svg").count(), 1, "one svg element");
    let found = text_elements(svg);
    for text in texts {
        assert!(
            found.iter().any(|t| t == text),
            "has text {text:?} among {found:?}"
        );
    }
}

/// The contents of every `<text>` element, trimmed.
fn text_elements(svg: &str) -> Vec<String> {
    svg.split("<text")
        .skip(1)
        .filter_map(|rest| {
            let body = &rest[rest.find('>')? + 1..rest.find("</text>")?];
            Some(body.trim().to_string())
        })
        .collect()
}

fn goodput() -> Vec<Series> {
    let baseline = (0..120)
        .map(|t| {
            (
                f64::from(t),
                if (40..70).contains(&t) {
                    20.0
                } else {
                    95.0 + f64::from(t % 7)
                },
            )
        })
        .collect();
    let budget = (0..120)
        .map(|t| {
            (
                f64::from(t),
                if (40..70).contains(&t) {
                    70.0
                } else {
                    96.0 + f64::from(t % 5)
                },
            )
        })
        .collect();
    vec![
        Series::new("baseline", baseline),
        Series::new("retry-budget", budget),
    ]
}

fn faults() -> Vec<Band> {
    vec![
        Band::new("crash api-1", 40.0, 70.0),
        Band::new("latency db", 100.0, f64::INFINITY),
    ]
}

#[test]
fn time_series_is_well_formed_and_deterministic() {
    let draw = || time_series("Goodput", "goodput (req/s)", &goodput(), &faults()).unwrap();
    let svg = draw();
    assert_svg(
        &svg,
        &[
            "Goodput",
            "goodput (req/s)",
            "time (s)",
            "baseline",
            "retry-budget",
            "crash api-1",
            "latency db",
        ],
    );
    assert_eq!(svg, draw());
}

#[test]
fn state_steps_are_well_formed_and_deterministic() {
    let states = ["closed", "half-open", "open"];
    let series = vec![
        Series::new(
            "baseline",
            vec![
                (0.0, 0.0),
                (42.0, 2.0),
                (52.0, 1.0),
                (53.0, 2.0),
                (75.0, 1.0),
                (76.0, 0.0),
            ],
        ),
        Series::new(
            "breaker",
            vec![(0.0, 0.0), (45.0, 2.0), (60.0, 0.0), (120.0, 0.0)],
        ),
    ];
    let draw = || state_steps("Breaker state", &states, &series, &faults()).unwrap();
    let svg = draw();
    assert_svg(
        &svg,
        &[
            "Breaker state",
            "closed",
            "half-open",
            "open",
            "baseline",
            "breaker",
        ],
    );
    assert_eq!(svg, draw());
}

#[test]
fn latency_cdf_is_well_formed_and_deterministic() {
    let cdf = |scale: f64| {
        (0..=100)
            .map(|i| (scale * libm::pow(1.05, f64::from(i)), f64::from(i) / 100.0))
            .collect()
    };
    let series = vec![
        Series::new("baseline", cdf(2.0)),
        Series::new("hedged", cdf(1.0)),
    ];
    let draw = || latency_cdf("Latency", &series).unwrap();
    let svg = draw();
    assert_svg(
        &svg,
        &[
            "Latency",
            "baseline",
            "hedged",
            "fraction of requests",
            "p99",
        ],
    );
    assert_eq!(svg, draw());
}

#[test]
fn bars_are_well_formed_and_deterministic() {
    let bars_in = vec![
        Bar::new("baseline", 61.5, Some(55.0), Some(68.2)),
        Bar::new("budget", 88.0, Some(86.0), None),
        Bar::new("breaker", 90.25, None, None),
    ];
    let draw = || bars("Goodput during the fault", "goodput (req/s)", &bars_in).unwrap();
    let svg = draw();
    assert_svg(
        &svg,
        &[
            "Goodput during the fault",
            "baseline",
            "budget",
            "breaker",
            "61.5",
        ],
    );
    assert_eq!(svg, draw());
}

#[test]
fn empty_input_draws_no_data() {
    let empty = [Series::new("baseline", Vec::new())];
    for svg in [
        time_series("T", "goodput (req/s)", &empty, &[]).unwrap(),
        time_series("T", "goodput (req/s)", &[], &[]).unwrap(),
        state_steps("T", &["closed", "open"], &empty, &[]).unwrap(),
        state_steps("T", &[], &[], &[]).unwrap(),
        latency_cdf("T", &empty).unwrap(),
        latency_cdf("T", &[]).unwrap(),
        bars("T", "goodput (req/s)", &[]).unwrap(),
    ] {
        assert_svg(&svg, &["T", "no data"]);
    }
}

#[test]
fn non_finite_points_are_skipped() {
    let nan = f64::NAN;
    let inf = f64::INFINITY;
    let series = [Series::new(
        "odd",
        vec![
            (0.0, 1.0),
            (1.0, nan),
            (2.0, 3.0),
            (inf, 4.0),
            (4.0, 5.0),
            (nan, nan),
        ],
    )];
    let all_bad = [Series::new("bad", vec![(nan, 1.0), (1.0, inf)])];
    let bands = [
        Band::new("nan", nan, 3.0),
        Band::new("backwards", 3.0, 1.0),
        Band::new("ok", -inf, 2.0),
    ];
    for svg in [
        time_series("T", "y", &series, &bands).unwrap(),
        state_steps("T", &["a", "b"], &series, &bands).unwrap(),
        latency_cdf("T", &series).unwrap(),
    ] {
        assert_svg(&svg, &["T", "odd"]);
        assert!(
            !svg.contains("NaN") && !svg.contains("inf"),
            "no non-finite number is written"
        );
    }
    let svg = time_series("T", "y", &all_bad, &[]).unwrap();
    assert_svg(&svg, &["no data", "bad"]);
    let bars_in = [Bar::new("x", nan, Some(inf), Some(nan))];
    let svg = bars("T", "y", &bars_in).unwrap();
    assert_svg(&svg, &["n/a", "no data"]);
}

#[test]
fn extreme_values_neither_panic_nor_print_non_finite_numbers() {
    let huge = [
        Series::new(
            "huge",
            vec![(0.0, 1e308), (1.0, -1e308), (2.0, 1e99), (3.0, -1e99)],
        ),
        Series::new("flat", vec![(1e15, 5.0), (1e15 + 0.001, 5.0)]),
        Series::new("instant", vec![(1e20, 1.0)]),
    ];
    let bands = [Band::new("far", -1e308, 1e308), Band::new("", 0.0, 1.0)];
    let long = "x".repeat(10_000);
    let states = [long.as_str(), "open"];
    let bars_in = [Bar::new(long.clone(), 1e99, Some(-1e99), Some(f64::MAX))];
    for svg in [
        time_series("T", "y", &huge, &bands).unwrap(),
        state_steps("T", &states, &huge, &bands).unwrap(),
        latency_cdf("T", &huge).unwrap(),
        latency_cdf(
            "T",
            &[Series::new(long.clone(), vec![(1e-300, 0.5), (1e99, 1.0)])],
        )
        .unwrap(),
        bars("T", "y", &bars_in).unwrap(),
    ] {
        assert_svg(&svg, &["T"]);
        assert!(
            !svg.contains("NaN") && !svg.contains("inf"),
            "no non-finite number is written"
        );
        assert!(
            svg.len() < 200_000,
            "a bounded amount of SVG: {}",
            svg.len()
        );
    }
}

#[test]
fn zero_latencies_sit_at_the_axis_start() {
    let series = [Series::new(
        "fast",
        vec![(0.0, 0.3), (0.5, 0.6), (20.0, 1.0)],
    )];
    let svg = latency_cdf("T", &series).unwrap();
    // The axis starts at the decade of the smallest positive latency (0.1 ms).
    assert_svg(&svg, &["0.1", "1", "10", "100"]);
    let only_zero = [Series::new("zero", vec![(0.0, 1.0)])];
    assert_svg(&latency_cdf("T", &only_zero).unwrap(), &["zero", "0.001"]);
}

#[test]
fn colours_are_fixed_per_series_index() {
    assert_eq!(series_color(0), "#0072b2");
    assert_eq!(series_color(1), "#e69f00");
    assert_eq!(series_color(8), series_color(0));
    let svg = time_series("T", "y", &goodput(), &[]).unwrap();
    assert!(svg.contains("#0072B2") && svg.contains("#E69F00"));
}

/// Writes one sample of each chart to the folder named by `FAULTLINE_PLOT_SAMPLES`, to look
/// at them (e.g. `rsvg-convert`); without the variable it only renders them.
#[test]
fn samples_render_and_can_be_written_for_a_look() {
    let cdf = |scale: f64, tail: f64| -> Vec<(f64, f64)> {
        (0..=200)
            .map(|i| {
                let q = f64::from(i) / 200.0;
                let ms = scale
                    * (1.0 + 3.0 * q)
                    * if q > 0.95 {
                        tail * (q - 0.95) * 20.0 + 1.0
                    } else {
                        1.0
                    };
                (ms, q)
            })
            .collect()
    };
    let states = ["closed", "half-open", "open"];
    let breaker = vec![
        Series::new("baseline", vec![(0.0, 0.0), (120.0, 0.0)]),
        Series::new("retry-budget", vec![(0.0, 0.0), (120.0, 0.0)]),
        Series::new(
            "breaker",
            vec![
                (0.0, 0.0),
                (41.0, 2.0),
                (51.0, 1.0),
                (52.0, 2.0),
                (62.0, 1.0),
                (63.0, 2.0),
                (71.0, 1.0),
                (72.0, 0.0),
            ],
        ),
    ];
    let bars_in = vec![
        Bar::new("baseline", 21.3, Some(18.0), Some(24.9)),
        Bar::new("retry-budget", 70.4, Some(66.1), Some(74.0)),
        Bar::new("breaker", 83.0, Some(80.5), Some(85.2)),
        Bar::new("breaker+budget+hedging", 91.7, Some(90.0), Some(93.1)),
    ];
    let samples = [
        (
            "time_series",
            time_series(
                "Goodput per second",
                "goodput (req/s)",
                &goodput(),
                &faults(),
            )
            .unwrap(),
        ),
        (
            "state_steps",
            state_steps("Circuit breaker state", &states, &breaker, &faults()).unwrap(),
        ),
        (
            "latency_cdf",
            latency_cdf(
                "Latency of successful requests",
                &[
                    Series::new("baseline", cdf(4.0, 60.0)),
                    Series::new("retry-budget", cdf(3.0, 10.0)),
                    Series::new("breaker", cdf(2.5, 4.0)),
                ],
            )
            .unwrap(),
        ),
        (
            "bars",
            bars(
                "Goodput during the fault (95% CI)",
                "goodput (req/s)",
                &bars_in,
            )
            .unwrap(),
        ),
        (
            "empty",
            time_series(
                "Goodput per second",
                "goodput (req/s)",
                &[Series::new("baseline", Vec::new())],
                &[],
            )
            .unwrap(),
        ),
    ];
    let samples = [
        samples.as_slice(),
        hard_cases().as_slice(),
        issue_13::samples().as_slice(),
    ]
    .concat();
    if let Some(dir) = std::env::var_os("FAULTLINE_PLOT_SAMPLES") {
        for (name, svg) in &samples {
            std::fs::write(std::path::Path::new(&dir).join(format!("{name}.svg")), svg).unwrap();
        }
    }
}

/// Charts that push the layout: data in every corner, many series and bands, big and
/// negative numbers, long names.
fn hard_cases() -> Vec<(&'static str, String)> {
    let wave = |phase: f64, scale: f64| -> Vec<(f64, f64)> {
        (0..=300)
            .map(|i| {
                let t = f64::from(i) * 0.2;
                (t, scale * (1.0 + libm::sin(t / 3.0 + phase)) / 2.0)
            })
            .collect()
    };
    let crowded: Vec<Series> = (0..14)
        .map(|i| Series::new(format!("variant-{i}"), wave(f64::from(i) * 0.6, 25_000.0)))
        .collect();
    let many_bands: Vec<Band> = (0..6)
        .map(|i| {
            Band::new(
                format!("fault number {i}"),
                5.0 + f64::from(i) * 1.5,
                6.0 + f64::from(i) * 1.5,
            )
        })
        .collect();
    let everywhere = [
        Series::new("low", wave(0.0, 1.0)),
        Series::new("high", wave(std::f64::consts::PI, 1.0)),
    ];
    let cdf_corners = [
        Series::new(
            "wide",
            (0..=100)
                .map(|i| (libm::pow(10.0, f64::from(i) / 25.0), f64::from(i) / 100.0))
                .collect(),
        ),
        Series::new(
            "step",
            vec![(0.0, 0.0), (0.0, 0.98), (1e4, 0.99), (1e4, 1.0)],
        ),
        Series::new("floor", vec![(1.0, 0.01), (1e4, 0.02)]),
    ];
    let negative = [Series::new(
        "delta",
        (0..60)
            .map(|t| (f64::from(t), f64::from(t % 17) - 8.5))
            .collect(),
    )];
    let tiny = [Series::new(
        "error ratio",
        (0..60)
            .map(|t| (f64::from(t), f64::from(t % 5) * 0.0007))
            .collect(),
    )];
    let single = [Series::new("one", vec![(12.0, 3.0)])];
    let mixed_bars: Vec<Bar> = (0..9)
        .map(|i| {
            Bar::new(
                format!("a-rather-long-variant-name-{i}"),
                f64::from(i) * 1.7 - 4.0,
                Some(f64::from(i) * 1.7 - 5.0),
                Some(f64::from(i) * 1.7 - 3.0),
            )
        })
        .collect();
    vec![
        (
            "hard_crowded",
            time_series(
                "Fourteen variants",
                "attempts (req/s)",
                &crowded,
                &many_bands,
            )
            .unwrap(),
        ),
        (
            "hard_everywhere",
            time_series("Data in every corner", "utilization", &everywhere, &[]).unwrap(),
        ),
        (
            "hard_cdf_corners",
            latency_cdf("CDF with no free corner", &cdf_corners).unwrap(),
        ),
        (
            "hard_negative",
            time_series(
                "Negative values",
                "change (req/s)",
                &negative,
                &[Band::new("partition", 20.0, 21.0)],
            )
            .unwrap(),
        ),
        (
            "hard_tiny",
            time_series("Tiny values", "error ratio", &tiny, &[]).unwrap(),
        ),
        (
            "hard_single",
            time_series("One point", "y", &single, &[]).unwrap(),
        ),
        (
            "hard_bars",
            bars("Nine bars, some negative", "change (%)", &mixed_bars).unwrap(),
        ),
    ]
}
