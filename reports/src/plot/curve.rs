//! Curves: a metric against a swept value, one line per variant through its means, a band for
//! each mean's 95% interval, and one dot per seed (`faultline sweep`).
//!
//! The line chart's machinery draws it (frame, axes, bands, lines, markers, legend), with the
//! same invariants: series `i` keeps its colour, dash and marker; numbers come from `libm`;
//! the bytes depend only on the input. What this module adds is the seed dots, drawn under
//! the lines in the variant's colour with a darker rim, each variant's dots a few pixels to
//! its own side of the x value so that variants with equal values stay apart; and the legend
//! is placed as if every band reached down and up to its lowest and highest dot, so that it
//! hides no dot either.

use super::axis::Axis;
use super::chart;
use super::layout::Frame;
use super::line::{frame_of, Growth, Guide, GuideKind, Line, LineChart};
use super::overlay::Overlay;
use super::palette::color;
use super::stroke::{self, MARKER_R};
use super::{legend, placement, strip, usable, Curve, CurveOptions, PlotError, XScale, Y_TICKS};
use plotters::style::RGBColor;

/// Pixels between the dot columns of neighbouring variants.
const DOT_SPACING: f64 = 5.0;

/// Renders the chart (see `plot::curves`).
pub(crate) fn render(
    title: &str,
    x: &XScale,
    y_label: &str,
    curves: &[Curve],
    options: &CurveOptions,
) -> Result<String, PlotError> {
    let x_axis = x_axis(x, curves);
    let values = curves
        .iter()
        .flat_map(|c| &c.points)
        .flat_map(|p| {
            [Some(p.mean), p.low, p.high]
                .into_iter()
                .flatten()
                .chain(p.seeds.iter().copied())
        })
        .chain(options.target.as_ref().map(|t| t.value))
        .filter(|v| usable(*v));
    let (low, high) = super::extent(values).unwrap_or((0.0, 1.0));
    let (bottom, top) = (low.min(0.0), high.max(0.0));
    let span = if top > bottom { top - bottom } else { 1.0 };
    let bottom = if bottom < 0.0 {
        bottom - span * 0.08
    } else {
        0.0
    };
    let y_axis = Axis::linear(bottom, top.max(bottom + span) + span * 0.08, Y_TICKS);
    let target = options.target.as_ref().filter(|t| usable(t.value));
    let build = |with_dots: bool, y: Axis| LineChart {
        title: title.to_string(),
        x_desc: x.desc.clone(),
        y_desc: Some(y_label.to_string()),
        x: x_axis.clone(),
        y,
        growth: Growth::Linear(Y_TICKS),
        lines: lines(curves, with_dots),
        bands: Vec::new(),
        guides: target
            .map(|t| Guide {
                y: t.value,
                label: t.label.clone(),
                kind: GuideKind::Target,
            })
            .into_iter()
            .collect(),
        spread_note: Some("band: 95% CI of the mean; dots: seeds".to_string()),
    };
    // Placement sees each band widened to the dots, so the legend hides no dot.
    let mut probe = build(true, y_axis);
    let mut drawn = build(false, probe.y.clone());
    let entries = legend::entries(&drawn.lines, drawn.spread_note.as_deref());
    let (frame, legend_rect) = if entries.is_empty() {
        (frame_of(&drawn, 0), None)
    } else {
        let (frame, rect) = placement::place_legend(&mut probe, legend::size(&entries));
        drawn.y = probe.y.clone();
        (frame, Some(rect))
    };
    let empty = curves.iter().all(|c| c.points.is_empty());
    let svg = chart::render(title, &frame, |root| {
        let mut plot = chart::plot_on(root, &frame, drawn.x.clone(), drawn.y.clone())?;
        let mut mesh = plot.configure_mesh();
        chart::style_mesh(&mut mesh);
        mesh.x_desc(drawn.x_desc.as_str());
        if let Some(desc) = &drawn.y_desc {
            mesh.y_desc(desc.as_str());
        }
        mesh.draw()?;
        chart::draw_spreads(&mut plot, &drawn)?;
        chart::draw_guides(root, &mut plot, &drawn, &frame)?;
        if empty {
            chart::draw_no_data(root, &frame)?;
        }
        Ok(())
    })
    .map_err(|e| super::draw_error(title, &e))?;
    let mut overlay = Overlay::default();
    draw_dots(&mut overlay, (&frame, &drawn.x, &drawn.y), curves);
    draw_lines(&mut overlay, &drawn, &frame);
    if let Some(rect) = legend_rect {
        legend::draw(&mut overlay, rect, &entries);
    }
    Ok(overlay.splice(svg))
}

/// The x axis: named ticks for categories, a linear axis over the values otherwise (a second
/// either side of a single value).
fn x_axis(x: &XScale, curves: &[Curve]) -> Axis {
    if let Some(names) = &x.names {
        let last = names.len().max(1) as f64 - 1.0;
        return Axis::named(-0.5, last + 0.5, names);
    }
    let xs = curves
        .iter()
        .flat_map(|c| &c.points)
        .map(|p| p.x)
        .filter(|v| usable(*v));
    let (start, end) = super::extent(xs).unwrap_or((0.0, 1.0));
    // A little room either side, so the first and last dots are not cut by the frame.
    let pad = if end > start {
        (end - start) * 0.04
    } else {
        (start.abs() * 0.1).max(1.0)
    };
    Axis::linear(start - pad, end + pad, super::X_TICKS)
}

/// One line per curve through its means, its band the interval (widened to the seeds' dots
/// when `with_dots`, for placing the legend).
fn lines(curves: &[Curve], with_dots: bool) -> Vec<Line> {
    curves
        .iter()
        .enumerate()
        .map(|(i, curve)| {
            let points: Vec<(f64, f64)> = curve.points.iter().map(|p| (p.x, p.mean)).collect();
            let spread: Vec<(f64, f64, f64)> = curve
                .points
                .iter()
                .filter_map(|p| {
                    let (mut low, mut high) = (p.low?, p.high?);
                    if with_dots {
                        for &seed in p.seeds.iter().filter(|v| usable(**v)) {
                            low = low.min(seed);
                            high = high.max(seed);
                        }
                    }
                    Some((p.x, low, high))
                })
                .collect();
            Line {
                index: curve.style.unwrap_or(i),
                label: curve.label.clone(),
                runs: super::runs(&points),
                spread: super::spread_runs(&spread),
            }
        })
        .collect()
}

/// Every curve's runs in its dash pattern, then a marker on every point (a curve's points are
/// its data, unlike a time series' seconds), so no line hides a marker.
fn draw_lines(overlay: &mut Overlay, chart: &LineChart, frame: &Frame) {
    let pixels = |run: &Vec<(f64, f64)>| -> Vec<(i32, i32)> {
        run.iter()
            .map(|p| frame.pixel(&chart.x, &chart.y, *p))
            .collect()
    };
    for line in &chart.lines {
        let look = stroke::stroke(line.index);
        for run in line.runs.iter().filter(|r| r.len() > 1) {
            overlay.polyline(&pixels(run), &look);
        }
    }
    for line in &chart.lines {
        let look = stroke::stroke(line.index);
        for run in &line.runs {
            for (x, y) in pixels(run) {
                overlay.marker((f64::from(x), f64::from(y)), &look, MARKER_R);
            }
        }
    }
}

/// Every seed's value as a dot in its variant's colour, the variant's column of dots offset
/// from the x value by its position among the curves.
fn draw_dots(overlay: &mut Overlay, (frame, x, y): (&Frame, &Axis, &Axis), curves: &[Curve]) {
    let count = curves.len();
    for (k, curve) in curves.iter().enumerate() {
        let color = color(curve.style.unwrap_or(k));
        let rim = RGBColor(
            (f64::from(color.0) * 0.55) as u8,
            (f64::from(color.1) * 0.55) as u8,
            (f64::from(color.2) * 0.55) as u8,
        );
        let offset = (k as f64 - (count as f64 - 1.0) / 2.0) * DOT_SPACING;
        for point in curve.points.iter().filter(|p| usable(p.x)) {
            let seeds: Vec<f64> = point.seeds.iter().copied().filter(|v| usable(*v)).collect();
            let r = strip::radius(seeds.len()) * 0.75;
            for value in seeds {
                let (px, py) = frame.pixel(x, y, (point.x, value));
                overlay.dot((f64::from(px) + offset, f64::from(py)), r, color, rim);
            }
        }
    }
}
