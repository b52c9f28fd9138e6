//! Tests of issue #13's charts ("comparisons people can trust"): coinciding series stay
//! distinguishable, spread bands, the warm-up, target lines and per-seed dots are drawn where
//! they belong, and none of it panics or loses byte-stability on odd input.
// See: #13

use super::super::*;
use super::{assert_svg, faults, text_elements};

/// One SVG element: its tag and attributes, in document order.
#[derive(Debug)]
struct Element {
    tag: String,
    attrs: Vec<(String, String)>,
}

impl Element {
    fn get(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn num(&self, name: &str) -> f64 {
        self.get(name)
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{name} of {self:?}"))
    }
}

/// Every element of `svg` with its attributes (both plotters' and ours write `name="value"`).
fn elements(svg: &str) -> Vec<Element> {
    svg.split('<')
        .skip(1)
        .filter(|rest| !rest.starts_with('/'))
        .map(|rest| {
            let head = &rest[..rest.find('>').unwrap_or(rest.len())];
            let tag_end = head.find([' ', '/']).unwrap_or(head.len());
            let mut attrs = Vec::new();
            let mut body = &head[tag_end..];
            while let Some(eq) = body.find("=\"") {
                let name = body[..eq].trim().to_string();
                let value_start = eq + 2;
                let value_end = value_start + body[value_start..].find('"').unwrap();
                attrs.push((name, body[value_start..value_end].to_string()));
                body = &body[value_end + 1..];
            }
            Element {
                tag: head[..tag_end].to_string(),
                attrs,
            }
        })
        .collect()
}

/// The hand-written series lines (plotters' polylines have no line join).
fn series_lines(svg: &str) -> Vec<Element> {
    elements(svg)
        .into_iter()
        .filter(|e| e.tag == "polyline" && e.get("stroke-linejoin").is_some())
        .collect()
}

/// The markers of the series coloured `color` (a marker has a white rim).
fn markers(svg: &str, color: &str) -> usize {
    elements(svg)
        .iter()
        .filter(|e| e.get("fill") == Some(color) && e.get("stroke") == Some("#FFFFFF"))
        .count()
}

/// The y pixel of the tick labelled `label` on the y axis (the text left of the plot).
fn y_tick(svg: &str, label: &str) -> Option<f64> {
    let all = elements(svg);
    let texts = text_elements(svg);
    all.iter()
        .filter(|e| e.tag == "text")
        .zip(&texts)
        .find(|(e, t)| *t == label && e.get("text-anchor") == Some("end"))
        .map(|(e, _)| e.num("y"))
}

/// The x pixel of the tick labelled `label` on the x axis (centered text under the plot).
fn x_tick(svg: &str, label: &str) -> Option<f64> {
    let all = elements(svg);
    let texts = text_elements(svg);
    all.iter()
        .filter(|e| e.tag == "text")
        .zip(&texts)
        .filter(|(e, t)| *t == label && e.get("text-anchor") == Some("middle"))
        .map(|(e, _)| e.num("x"))
        .next()
}

/// The page position (x, y) of the text element reading `label`.
fn text_at(svg: &str, label: &str) -> (f64, f64) {
    let all = elements(svg);
    let texts = text_elements(svg);
    let (e, _) = all
        .iter()
        .filter(|e| e.tag == "text")
        .zip(&texts)
        .find(|(_, t)| *t == label)
        .unwrap_or_else(|| panic!("no text {label:?} among {texts:?}"));
    (e.num("x"), e.num("y"))
}

fn flat(value: f64, seconds: u32) -> Vec<(f64, f64)> {
    (0..=seconds).map(|t| (f64::from(t), value)).collect()
}

#[test]
fn coinciding_series_differ_in_dash_and_marker_in_every_line_chart() {
    let names = ["baseline", "retry-budget", "breaker", "hedging"];
    let same: Vec<Series> = names
        .iter()
        .map(|n| Series::new(*n, flat(0.5, 120)))
        .collect();
    let cdf: Vec<Series> = names
        .iter()
        .map(|n| Series::new(*n, vec![(1.0, 0.0), (10.0, 0.5), (100.0, 1.0)]))
        .collect();
    for svg in [
        time_series("T", "y", &same, &[]).unwrap(),
        state_steps("T", &["closed", "open"], &same, &[]).unwrap(),
        latency_cdf("T", &cdf).unwrap(),
    ] {
        assert_svg(&svg, &names);
        let lines = series_lines(&svg);
        let looks: Vec<(Option<&str>, Option<&str>)> = lines
            .iter()
            .map(|e| (e.get("stroke"), e.get("stroke-dasharray")))
            .collect();
        assert_eq!(looks.len(), names.len(), "one line per series: {looks:?}");
        let mut dashes: Vec<Option<&str>> = looks.iter().map(|l| l.1).collect();
        dashes.dedup();
        assert_eq!(dashes.len(), names.len(), "every dash differs: {looks:?}");
        for (i, (color, dash)) in looks.iter().enumerate() {
            let color = color.unwrap();
            assert_eq!(color, series_color(i).to_uppercase());
            // Each series shows its own markers on the shared line (and one in the legend).
            assert!(markers(&svg, color) >= 2, "markers of series {i}");
            // The legend swatch has the line's pattern.
            let swatch = elements(&svg).into_iter().find(|e| {
                e.tag == "line"
                    && e.get("stroke") == Some(color)
                    && e.get("stroke-dasharray") == *dash
            });
            assert!(swatch.is_some(), "swatch of series {i} with dash {dash:?}");
        }
    }
}

#[test]
fn coinciding_markers_do_not_sit_on_each_other() {
    let same: Vec<Series> = (0..3)
        .map(|i| Series::new(format!("v{i}"), flat(1.0, 60)))
        .collect();
    let svg = time_series("T", "y", &same, &[]).unwrap();
    let line_y = series_lines(&svg)[0]
        .get("points")
        .unwrap()
        .split([',', ' '])
        .nth(1)
        .unwrap()
        .parse::<f64>()
        .unwrap();
    // Marker centers (x) on the line, per series; legend markers sit elsewhere.
    let centers = |index: usize| -> Vec<f64> {
        let color = series_color(index).to_uppercase();
        elements(&svg)
            .iter()
            .filter(|e| e.get("fill") == Some(&color) && e.get("stroke") == Some("#FFFFFF"))
            .map(|e| match e.get("points") {
                Some(points) => {
                    let xy: Vec<(f64, f64)> = points
                        .split_whitespace()
                        .map(|p| {
                            let (x, y) = p.split_once(',').unwrap();
                            (x.parse().unwrap(), y.parse().unwrap())
                        })
                        .collect();
                    let n = xy.len() as f64;
                    (
                        xy.iter().map(|p| p.0).sum::<f64>() / n,
                        xy.iter().map(|p| p.1).sum::<f64>() / n,
                    )
                }
                None => (e.num("cx"), e.num("cy")),
            })
            .filter(|c| (c.1 - line_y).abs() < 2.0)
            .map(|c| c.0)
            .collect()
    };
    let all: Vec<Vec<f64>> = (0..3).map(centers).collect();
    for (i, xs) in all.iter().enumerate() {
        assert!(xs.len() >= 6, "series {i} shows its markers: {xs:?}");
    }
    for (i, a) in all.iter().enumerate() {
        for b in &all[i + 1..] {
            for x in a {
                assert!(b.iter().all(|y| (x - y).abs() >= 16.0), "{all:?}");
            }
        }
    }
}

#[test]
fn spread_bands_are_translucent_polygons_in_the_series_colour_broken_by_nan() {
    let band = |t: u32| (f64::from(t), 40.0, 60.0);
    let mut spread: Vec<(f64, f64, f64)> = (0..=20).map(band).collect();
    spread[10].2 = f64::NAN;
    let series = [
        Series::new("baseline", flat(50.0, 20)).with_spread(spread),
        Series::new("budget", flat(20.0, 20)),
    ];
    let options = TimeSeriesOptions {
        spread_label: Some("shaded: p10–p90 of seeds".to_string()),
        ..TimeSeriesOptions::default()
    };
    let svg = time_series_with("T", "y", &series, &[], &options).unwrap();
    assert_svg(&svg, &["baseline", "budget", "shaded: p10–p90 of seeds"]);
    let blue = series_color(0).to_uppercase();
    let fills: Vec<Element> = elements(&svg)
        .into_iter()
        .filter(|e| {
            e.tag == "polygon" && e.get("fill") == Some(&blue) && e.get("opacity").is_some()
        })
        .collect();
    assert_eq!(fills.len(), 2, "the NaN splits the band in two: {fills:?}");
    for fill in &fills {
        let opacity = fill.num("opacity");
        assert!(0.0 < opacity && opacity < 0.5, "translucent: {opacity}");
        // Ten points on each edge: low forward, high back.
        assert_eq!(fill.get("points").unwrap().split_whitespace().count(), 20);
    }
    // The legend's swatch for the series has a light fill of its colour behind the line.
    let swatch_fill = elements(&svg).into_iter().any(|e| {
        e.tag == "rect" && e.get("fill") == Some(&blue) && e.get("fill-opacity").is_some()
    });
    assert!(swatch_fill, "the legend shows the band");
    // Without a note nor a band, no shading row.
    let plain = time_series("T", "y", &series[1..], &[]).unwrap();
    assert!(!plain.contains("shaded"));
}

#[test]
fn spread_bands_widen_the_y_axis_and_the_legend_avoids_them() {
    // The band fills the right part from 0 to 200: the legend must not sit on it.
    let spread: Vec<(f64, f64, f64)> = (60..=100).map(|t| (f64::from(t), 0.0, 200.0)).collect();
    let series = [Series::new("wide", flat(50.0, 100)).with_spread(spread)];
    let svg = time_series("T", "y", &series, &[]).unwrap();
    assert!(
        y_tick(&svg, "200").is_some(),
        "the axis reaches the band's top"
    );
    let x60 = x_tick(&svg, "60").expect("a tick at 60 s");
    let legend = elements(&svg)
        .into_iter()
        .find(|e| {
            e.tag == "rect" && e.get("fill") == Some("#FFFFFF") && e.get("fill-opacity").is_some()
        })
        .expect("a legend box");
    let right = legend.num("x") + legend.num("width");
    assert!(
        right < x60,
        "the legend ({right}) stays left of the band ({x60})"
    );
}

#[test]
fn warmup_and_target_are_labelled_inside_the_plot_and_grow_the_axis() {
    let series = [Series::new("baseline", flat(100.0, 60))];
    let options = TimeSeriesOptions {
        warmup_s: Some(10.0),
        target: Some(Target::new("SLO 150", 150.0)),
        spread_label: None,
    };
    let svg = time_series_with("T", "goodput (req/s)", &series, &faults(), &options).unwrap();
    assert_svg(&svg, &["warm-up", "SLO 150", "crash api-1", "baseline"]);
    // The axis grew from ~108 to include 150.
    let top = y_tick(&svg, "150").expect("a tick at 150");
    let bottom = y_tick(&svg, "0").expect("a tick at 0");
    // The target's dashes lie on the 150 tick's row, inside the plot.
    let dashes: Vec<Element> = elements(&svg)
        .into_iter()
        .filter(|e| e.tag == "polyline" && e.get("stroke") == Some("#333333"))
        .collect();
    assert!(dashes.len() > 10, "a dashed target line");
    for dash in &dashes {
        for point in dash.get("points").unwrap().split_whitespace() {
            let y: f64 = point.split(',').nth(1).unwrap().parse().unwrap();
            assert!((y - top).abs() <= 1.0, "target at {y}, tick 150 at {top}");
        }
    }
    let (_, label_y) = text_at(&svg, "SLO 150");
    assert!(
        top - 20.0 < label_y && label_y < bottom,
        "label by its line: {label_y}"
    );
    // The warm-up is a grey span, not a fault's red, starting at the plot's left edge.
    let rects = elements(&svg);
    let warm = rects
        .iter()
        .find(|e| e.tag == "rect" && e.get("fill") == Some("#7A8088"))
        .expect("a grey warm-up span");
    let faults_red = rects
        .iter()
        .filter(|e| e.tag == "rect" && e.get("fill") == Some("#E4573C"))
        .count();
    assert_eq!(faults_red, 2);
    let x0 = x_tick(&svg, "0").expect("a tick at 0 s");
    assert!((warm.num("x") - x0).abs() <= 1.0, "warm-up starts at 0");
    // Without options nothing of this is drawn.
    let plain = time_series("T", "goodput (req/s)", &series, &[]).unwrap();
    assert!(!plain.contains("warm-up") && !plain.contains("#333333"));
}

#[test]
fn the_legend_hides_neither_a_target_line_nor_its_label() {
    let wave: Vec<(f64, f64)> = (0..=100)
        .map(|t| (f64::from(t), 50.0 + 30.0 * libm::sin(f64::from(t) / 8.0)))
        .collect();
    let series = [
        Series::new("baseline", wave.clone()),
        Series::new(
            "retry-budget",
            wave.iter().map(|p| (p.0, p.1 * 0.8)).collect(),
        ),
    ];
    for value in [0.0, 20.0, 50.0, 79.0, 85.0, 100.0, 150.0] {
        let options = TimeSeriesOptions {
            target: Some(Target::new("SLO", value)),
            ..TimeSeriesOptions::default()
        };
        let svg = time_series_with("T", "y", &series, &[], &options).unwrap();
        let all = elements(&svg);
        let legend = all
            .iter()
            .find(|e| {
                e.tag == "rect"
                    && e.get("fill") == Some("#FFFFFF")
                    && e.get("fill-opacity").is_some()
            })
            .expect("a legend box");
        let (x0, y0) = (legend.num("x"), legend.num("y"));
        let (x1, y1) = (x0 + legend.num("width"), y0 + legend.num("height"));
        for dash in all
            .iter()
            .filter(|e| e.tag == "polyline" && e.get("stroke") == Some("#333333"))
        {
            for point in dash.get("points").unwrap().split_whitespace() {
                let (x, y) = point.split_once(',').unwrap();
                let (x, y): (f64, f64) = (x.parse().unwrap(), y.parse().unwrap());
                let inside = x0 <= x && x <= x1 && y0 <= y && y <= y1;
                assert!(
                    !inside,
                    "target {value}: ({x}, {y}) under the legend {legend:?}"
                );
            }
        }
        let (lx, ly) = text_at(&svg, "SLO");
        let label_inside = x0 - 20.0 <= lx && lx <= x1 && y0 <= ly && ly - 12.0 <= y1;
        assert!(
            !label_inside,
            "target {value}: label at ({lx}, {ly}) under {legend:?}"
        );
    }
}

#[test]
fn a_target_below_the_data_grows_the_axis_down() {
    let series = [Series::new("baseline", flat(100.0, 60))];
    let options = TimeSeriesOptions {
        target: Some(Target::new("floor", -50.0)),
        ..TimeSeriesOptions::default()
    };
    let svg = time_series_with("T", "y", &series, &[], &options).unwrap();
    assert!(y_tick(&svg, "-50").is_some(), "{:?}", text_elements(&svg));
}

#[test]
fn strip_dots_count_finite_seeds_and_note_undefined_ones() {
    let bars_in = [
        Bar::new("baseline", 20.0, Some(18.0), Some(22.0)).with_seeds(vec![18.0, 19.0, 21.0, 22.0]),
        Bar::new("split", 50.0, Some(20.0), Some(80.0)).with_seeds(vec![
            20.0,
            f64::NAN,
            80.0,
            f64::INFINITY,
            21.0,
        ]),
        Bar::new("none", f64::NAN, None, None).with_seeds(vec![f64::NAN; 3]),
    ];
    let options = BarOptions {
        target: Some(Target::new("SLO 90", 90.0)),
    };
    let svg = bars_with("T", "goodput (req/s)", &bars_in, &options).unwrap();
    assert_svg(
        &svg,
        &[
            "baseline", "split", "none", "n/a", "n/a ×2", "n/a ×3", "SLO 90",
        ],
    );
    assert!(!text_elements(&svg)
        .iter()
        .any(|t| t.starts_with("n/a ×") && t.ends_with("×0")));
    let circles = |color: String| {
        elements(&svg)
            .iter()
            .filter(|e| e.tag == "circle" && e.get("fill") == Some(&color.to_uppercase()))
            .count()
    };
    assert_eq!(circles(series_color(0)), 4);
    assert_eq!(circles(series_color(1)), 3);
    assert_eq!(circles(series_color(2)), 0);
    // The axis includes the target.
    assert!(y_tick(&svg, "90").or(y_tick(&svg, "100")).is_some());
    // Every dot lies right of its bar and inside the plot.
    let bottom = y_tick(&svg, "0").unwrap();
    for dot in elements(&svg).iter().filter(|e| e.tag == "circle") {
        assert!(dot.num("cy") <= bottom + 0.5, "{dot:?}");
    }
    // Bars without seeds draw no dots and no notes, as before.
    let plain = bars("T", "y", &[Bar::new("a", 1.0, None, None)]).unwrap();
    assert!(!plain.contains("<circle") && !plain.contains("n/a"));
}

#[test]
fn new_charts_are_byte_stable() {
    for (name, svg) in samples() {
        let again = samples().into_iter().find(|(n, _)| *n == name).unwrap().1;
        assert_eq!(svg, again, "{name} is the same twice");
        assert_svg(&svg, &[]);
    }
}

/// A small deterministic generator (xorshift64*), so the property test needs no dependency
/// and a failure names the case that made it.
struct Odd(u64);

impl Odd {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A value that is often ordinary and sometimes as odd as a value gets.
    fn value(&mut self) -> f64 {
        const ODD: [f64; 12] = [
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            0.0,
            -0.0,
            1e308,
            -1e308,
            1e-308,
            f64::MAX,
            f64::MIN_POSITIVE,
            1e15,
            -1.0,
        ];
        let r = self.next();
        if r % 4 == 0 {
            ODD[(r >> 8) as usize % ODD.len()]
        } else {
            (r >> 11) as f64 / (1u64 << 53) as f64 * 200.0 - 50.0
        }
    }

    fn len(&mut self) -> usize {
        (self.next() % 40) as usize
    }
}

#[test]
fn odd_input_never_panics_nor_prints_non_finite_numbers() {
    let mut odd = Odd(0x9E37_79B9_7F4A_7C15);
    for case in 0..300 {
        let series: Vec<Series> = (0..(odd.next() % 5))
            .map(|i| {
                let points = (0..odd.len()).map(|_| (odd.value(), odd.value())).collect();
                let spread = (0..odd.len())
                    .map(|_| (odd.value(), odd.value(), odd.value()))
                    .collect();
                Series::new(format!("s{i}"), points).with_spread(spread)
            })
            .collect();
        let bands: Vec<Band> = (0..(odd.next() % 3))
            .map(|i| Band::new(format!("b{i}"), odd.value(), odd.value()))
            .collect();
        let options = TimeSeriesOptions {
            warmup_s: Some(odd.value()),
            target: Some(Target::new("target", odd.value())),
            spread_label: Some("shaded".to_string()),
        };
        let bars_in: Vec<Bar> = (0..(odd.next() % 6))
            .map(|i| {
                Bar::new(
                    format!("v{i}"),
                    odd.value(),
                    Some(odd.value()),
                    Some(odd.value()),
                )
                .with_seeds((0..odd.len()).map(|_| odd.value()).collect())
            })
            .collect();
        let bar_options = BarOptions {
            target: Some(Target::new("target", odd.value())),
        };
        let svgs = [
            time_series_with("T", "y", &series, &bands, &options).unwrap(),
            state_steps("T", &["a", "b"], &series, &bands).unwrap(),
            latency_cdf("T", &series).unwrap(),
            bars_with("T", "y", &bars_in, &bar_options).unwrap(),
        ];
        for svg in &svgs {
            assert_svg(svg, &["T"]);
            assert!(
                !svg.contains("NaN") && !svg.contains("inf"),
                "case {case}: no non-finite number is written"
            );
            assert!(svg.len() < 400_000, "case {case}: {} bytes", svg.len());
        }
        let again = time_series_with("T", "y", &series, &bands, &options).unwrap();
        assert_eq!(svgs[0], again, "case {case}: the same bytes twice");
    }
}

/// The charts of issue #13: coinciding lines, spread bands, the warm-up, a target line, and
/// bars with their seeds.
pub(super) fn samples() -> Vec<(&'static str, String)> {
    let flat = |v: f64| -> Vec<(f64, f64)> { (0..=120).map(|t| (f64::from(t), v)).collect() };
    let coinciding: Vec<Series> = [
        "baseline",
        "retry-budget",
        "breaker",
        "hedging",
        "tied",
        "shed",
    ]
    .iter()
    .map(|name| Series::new(*name, flat(0.0)))
    .collect();
    let noisy = |seed: u32, level: f64, dip: f64| -> Vec<(f64, f64)> {
        (0..120)
            .map(|t| {
                let wobble = f64::from((t * 37 + seed * 11) % 13) - 6.0;
                let v = if (40..70).contains(&t) { dip } else { level };
                (f64::from(t), v + wobble * 0.5)
            })
            .collect()
    };
    let with_band = |points: Vec<(f64, f64)>, width: f64| -> Vec<(f64, f64, f64)> {
        points
            .iter()
            .map(|&(t, v)| {
                let w = if (38.0..72.0).contains(&t) {
                    width * 2.5
                } else {
                    width
                };
                (t, v - w, v + w * 0.6)
            })
            .collect()
    };
    let baseline = noisy(1, 95.0, 20.0);
    let budget = noisy(2, 96.0, 70.0);
    let mut gap = with_band(budget.clone(), 3.0);
    gap[90].1 = f64::NAN;
    let spread = vec![
        Series::new("baseline", baseline.clone()).with_spread(with_band(baseline, 4.0)),
        Series::new("retry-budget", budget).with_spread(gap),
    ];
    let options = TimeSeriesOptions {
        warmup_s: Some(15.0),
        target: Some(Target::new("SLO 90 req/s", 90.0)),
        spread_label: Some("shaded: 10th–90th percentile of seeds".to_string()),
    };
    let ratio = [
        Series::new(
            "baseline",
            (0..120)
                .map(|t| {
                    (
                        f64::from(t),
                        if (40..70).contains(&t) { 0.93 } else { 0.997 },
                    )
                })
                .collect(),
        ),
        Series::new(
            "breaker",
            (0..120)
                .map(|t| {
                    (
                        f64::from(t),
                        if (40..70).contains(&t) { 0.985 } else { 0.998 },
                    )
                })
                .collect(),
        ),
    ];
    let strip_bars = vec![
        Bar::new("baseline", 21.3, Some(18.0), Some(24.9))
            .with_seeds(vec![19.0, 22.5, 18.2, 25.1, 21.7, 20.9, 22.0, 21.0]),
        Bar::new("retry-budget", 55.0, Some(30.0), Some(80.0))
            .with_seeds(vec![88.0, 21.0, 90.5, 22.0, 87.0, 23.5, 89.0, 19.0]),
        Bar::new("breaker", 83.0, Some(80.5), Some(85.2)).with_seeds(vec![
            83.0,
            83.0,
            83.0,
            83.0,
            82.0,
            84.0,
            f64::NAN,
            f64::NAN,
        ]),
        Bar::new("no-successes", f64::NAN, None, None).with_seeds(vec![f64::NAN; 8]),
    ];
    // Per-second p99s jump from second to second: the dash patterns must still read.
    let jagged = |seed: u64, level: f64| -> Vec<(f64, f64)> {
        let mut odd = Odd(seed);
        (0..300)
            .map(|t| {
                let spike = if (120..160).contains(&t) { 4.0 } else { 1.0 };
                (
                    f64::from(t),
                    level * spike * (0.7 + (odd.next() % 1000) as f64 / 1000.0),
                )
            })
            .collect()
    };
    let p99: Vec<Series> = [(1, 40.0), (2, 35.0), (3, 30.0)]
        .iter()
        .zip(["baseline", "retry-budget", "breaker"])
        .map(|((seed, level), name)| {
            let points = jagged(*seed, *level);
            let spread = points.iter().map(|&(t, v)| (t, v * 0.8, v * 1.3)).collect();
            Series::new(name, points).with_spread(spread)
        })
        .collect();
    let mut odd = Odd(7);
    let many_bars: Vec<Bar> = (0..9)
        .map(|i| {
            let center = f64::from(i) * 1.7 - 4.0;
            let seeds: Vec<f64> = (0..40)
                .map(|k| {
                    let r = (odd.next() % 1000) as f64 / 1000.0;
                    // Every third variant splits into two outcomes.
                    let split = if i % 3 == 0 && k % 2 == 0 { 3.0 } else { 0.0 };
                    center + split + r - 0.5
                })
                .collect();
            Bar::new(
                format!("a-rather-long-variant-name-{i}"),
                center,
                Some(center - 0.4),
                Some(center + 0.4),
            )
            .with_seeds(seeds)
        })
        .collect();
    vec![
        (
            "hard_strip",
            bars_with(
                "Nine bars, forty seeds each",
                "change (%)",
                &many_bars,
                &BarOptions {
                    target: Some(Target::new("goal +2%", 2.0)),
                },
            )
            .unwrap(),
        ),
        (
            "jagged_p99",
            time_series_with(
                "web: p99 latency (median of 10 seeds)",
                "p99 latency (ms)",
                &p99,
                &[Band::new("latency db +200ms", 120.0, 160.0)],
                &TimeSeriesOptions {
                    warmup_s: Some(30.0),
                    target: Some(Target::new("SLO p99 250 ms", 250.0)),
                    spread_label: Some("shaded: p10–p90 of seeds".to_string()),
                },
            )
            .unwrap(),
        ),
        (
            "coinciding",
            time_series(
                "Six variants, one line",
                "time open (fraction)",
                &coinciding,
                &faults(),
            )
            .unwrap(),
        ),
        (
            "coinciding_steps",
            state_steps(
                "Breaker state: all closed",
                &["closed", "half-open", "open"],
                &coinciding[..4],
                &[],
            )
            .unwrap(),
        ),
        (
            "coinciding_cdf",
            latency_cdf(
                "Three identical CDFs",
                &(0..3)
                    .map(|i| {
                        Series::new(
                            format!("variant-{i}"),
                            (0..=100)
                                .map(|k| {
                                    (2.0 * libm::pow(1.05, f64::from(k)), f64::from(k) / 100.0)
                                })
                                .collect(),
                        )
                    })
                    .collect::<Vec<_>>(),
            )
            .unwrap(),
        ),
        (
            "spread_warmup_target",
            time_series_with(
                "Goodput (median of 20 seeds)",
                "goodput (req/s)",
                &spread,
                &[Band::new("crash api-1", 40.0, 70.0)],
                &options,
            )
            .unwrap(),
        ),
        (
            "target_ratio",
            time_series_with(
                "Success ratio",
                "success ratio",
                &ratio,
                &[Band::new("latency db", 40.0, 70.0)],
                &TimeSeriesOptions {
                    warmup_s: Some(10.0),
                    target: Some(Target::new("SLO 99%", 0.99)),
                    spread_label: None,
                },
            )
            .unwrap(),
        ),
        (
            "strip_bars",
            bars_with(
                "Goodput during the fault (mean, 95% CI, one dot per seed)",
                "goodput (req/s)",
                &strip_bars,
                &BarOptions {
                    target: Some(Target::new("SLO 50 req/s", 50.0)),
                },
            )
            .unwrap(),
        ),
    ]
}
