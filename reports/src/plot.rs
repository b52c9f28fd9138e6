//! Plots for the comparison report: time series, state steps, latency CDFs and bar charts,
//! each rendered as a self-contained SVG string for inline use in HTML.
//!
//! Every chart is 860 × 380 px with a title, axes with units, a light grid and a legend that
//! never covers data (see `plot/layout.rs` for how its place is chosen). Series `i` has the
//! same colour in every chart (`series_color`), from the colour-blind-safe Okabe–Ito palette.
//! Fault windows are shaded light red with their labels above the plot.
//!
//! Input is taken as it comes: non-finite points are skipped (a line breaks there), empty
//! input draws an empty chart reading "no data", and nothing panics on odd values. Output is a
//! pure function of the input: plotters' SVG backend writes integer pixel coordinates, the
//! axes are computed here with `libm`, and nothing depends on time or hash order.
//!
//! Text is written as SVG `<text>` elements and laid out from estimated widths (plotters'
//! "naive" font backend), so rendering needs no font files; the viewer's browser draws the
//! text. This module does not write files or build the HTML page around the charts.

mod axis;
mod bars;
mod chart;
mod layout;
#[cfg(test)]
mod tests;

use axis::Axis;
use chart::{Growth, Guide, Line, LineChart};

/// One line of a chart: a label and its points (x, y).
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    /// Legend text.
    pub label: String,
    /// Points in increasing x; a non-finite coordinate breaks the line there.
    pub points: Vec<(f64, f64)>,
}

/// A shaded span of the x axis (a fault window), with a short label.
#[derive(Clone, Debug, PartialEq)]
pub struct Band {
    /// Text shown above the plot (e.g. "crash api").
    pub label: String,
    /// Start in x units.
    pub start: f64,
    /// End in x units; `f64::INFINITY` for a window that never closed.
    pub end: f64,
}

/// One bar with its 95% interval whiskers (low/high None = no whisker).
#[derive(Clone, Debug, PartialEq)]
pub struct Bar {
    /// Label under the bar (the variant's name).
    pub label: String,
    /// Height of the bar; a non-finite mean draws "n/a" instead.
    pub mean: f64,
    /// Lower end of the interval.
    pub low: Option<f64>,
    /// Upper end of the interval.
    pub high: Option<f64>,
}

/// Errors from rendering (plotters' DrawingAreaErrorKind, as text).
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// Plotters failed while drawing the named chart (drawing to a string, it never should).
    #[error("cannot draw the chart {title:?}: {message}")]
    Draw {
        /// The chart's title.
        title: String,
        /// Plotters' error.
        message: String,
    },
}

/// Size of every chart, (width, height) in pixels.
pub const SIZE: (u32, u32) = (layout::WIDTH, layout::HEIGHT);

/// The colour of series `index` in every chart, as `#rrggbb` (for matching table swatches).
pub fn series_color(index: usize) -> String {
    let c = chart::color(index);
    format!("#{:02x}{:02x}{:02x}", c.0, c.1, c.2)
}

impl Series {
    /// A series from a label and points.
    pub fn new(label: impl Into<String>, points: Vec<(f64, f64)>) -> Series {
        Series {
            label: label.into(),
            points,
        }
    }
}

impl Band {
    /// A fault window from `start` to `end` with a label.
    pub fn new(label: impl Into<String>, start: f64, end: f64) -> Band {
        Band {
            label: label.into(),
            start,
            end,
        }
    }
}

/// A time series chart: x in seconds of virtual time, one line per series, bands shaded.
pub fn time_series(
    title: &str,
    y_label: &str,
    series: &[Series],
    bands: &[Band],
) -> Result<String, PlotError> {
    let lines = lines(series);
    let x = time_axis(&lines, bands);
    let values = lines.iter().flat_map(|l| &l.runs).flatten().map(|p| p.1);
    let (low, high) = extent(values).unwrap_or((0.0, 1.0));
    // Rates and counts start at 0; headroom keeps the highest point off the frame.
    let (bottom, top) = (low.min(0.0), high.max(0.0));
    let span = if top > bottom { top - bottom } else { 1.0 };
    // Negative values get the same headroom below.
    let bottom = if bottom < 0.0 {
        bottom - span * 0.08
    } else {
        0.0
    };
    let y = Axis::linear(bottom, top.max(bottom + span) + span * 0.08, Y_TICKS);
    let bands = clip_bands(bands, &x);
    let chart = LineChart {
        title: title.to_string(),
        x_desc: TIME_DESC.to_string(),
        y_desc: Some(y_label.to_string()),
        x,
        y,
        growth: Growth::Linear(Y_TICKS),
        lines,
        bands,
        guides: Vec::new(),
    };
    chart::render_lines(chart).map_err(|e| draw_error(title, &e))
}

/// A step chart for states (e.g. circuit breaker: 0 closed, 1 half-open, 2 open), y axis labelled with state names.
///
/// Each point's state holds until the next point, and the last one to the end of the chart.
/// Series are nudged apart vertically by a fraction of a state so overlapping ones stay visible.
pub fn state_steps(
    title: &str,
    states: &[&str],
    series: &[Series],
    bands: &[Band],
) -> Result<String, PlotError> {
    let raw = lines(series);
    let x = time_axis(&raw, bands);
    let count = series.len().max(1) as f64;
    let nudge = (0.24 / count).min(0.08);
    let lines: Vec<Line> = raw
        .into_iter()
        .enumerate()
        .map(|(i, line)| {
            let last = line.runs.len().saturating_sub(1);
            let offset = (i as f64 - (count - 1.0) / 2.0) * nudge;
            let runs = line
                .runs
                .iter()
                .enumerate()
                .map(|(r, run)| steps(run, (r == last).then_some(x.end()), offset))
                .collect();
            Line { runs, ..line }
        })
        .collect();
    let values = lines.iter().flat_map(|l| &l.runs).flatten().map(|p| p.1);
    let (low, high) = extent(values).unwrap_or((0.0, 0.0));
    let names: Vec<String> = states
        .iter()
        .map(|s| layout::fit_text(s, layout::LABEL_PX, layout::Y_TICK_W_MAX))
        .collect();
    let bottom = low.min(0.0) - 0.5;
    let top = high.max(names.len() as f64 - 1.0).max(0.0) + 0.5;
    let y = Axis::named(bottom, top, &names);
    let bands = clip_bands(bands, &x);
    let chart = LineChart {
        title: title.to_string(),
        x_desc: TIME_DESC.to_string(),
        y_desc: None,
        x,
        y,
        growth: Growth::Named(names),
        lines,
        bands,
        guides: Vec::new(),
    };
    chart::render_lines(chart).map_err(|e| draw_error(title, &e))
}

/// A latency CDF: x = latency in ms on a log axis, y = fraction of requests 0..1, one line per series.
///
/// Latencies at or below 0 (and below 1 µs) are drawn at the axis's left edge, the decade at
/// or below the smallest positive latency; fractions are clamped to 0..1. Dashed guides mark
/// p50, p90 and p99.
pub fn latency_cdf(title: &str, series: &[Series]) -> Result<String, PlotError> {
    let raw = lines(series);
    let xs = || raw.iter().flat_map(|l| &l.runs).flatten().map(|p| p.0);
    let smallest = xs().filter(|x| *x > 0.0).min_by(f64::total_cmp);
    let largest = xs().max_by(f64::total_cmp);
    let (low, high) = match (smallest, largest) {
        (Some(smallest), Some(largest)) => {
            let top = axis::decade(largest);
            let high = if axis::pow10(top) < largest {
                top + 1
            } else {
                top
            };
            (axis::decade(smallest), high)
        }
        // Only zero latencies: one decade up to 1 µs; nothing at all: 1 ms to 1 s.
        (None, Some(_)) => (axis::LOG_EXPONENT_MIN, axis::LOG_EXPONENT_MIN + 1),
        _ => (0, 3),
    };
    let x = Axis::log10(low, high);
    let floor = axis::pow10(x.start() as i32);
    let lines = raw
        .into_iter()
        .map(|line| Line {
            runs: line
                .runs
                .iter()
                .map(|run| {
                    run.iter()
                        .map(|&(ms, fraction)| {
                            (libm::log10(ms.max(floor)), fraction.clamp(0.0, 1.0))
                        })
                        .collect()
                })
                .collect(),
            ..line
        })
        .collect();
    let guides = [(0.5, "p50"), (0.9, "p90"), (0.99, "p99")]
        .into_iter()
        .map(|(y, label)| Guide {
            y,
            label: label.to_string(),
        })
        .collect();
    let chart = LineChart {
        title: title.to_string(),
        x_desc: "latency (ms, log scale)".to_string(),
        y_desc: Some("fraction of requests".to_string()),
        x,
        // A little above 1 so lines that reach 1 stay off the frame.
        y: Axis::linear(0.0, 1.04, Y_TICKS),
        growth: Growth::Fixed,
        lines,
        bands: Vec::new(),
        guides,
    };
    chart::render_lines(chart).map_err(|e| draw_error(title, &e))
}

/// A bar chart with CI whiskers, one bar per variant.
///
/// Bar `i` has series colour `i`, so a variant's bar matches its line elsewhere.
pub fn bars(title: &str, y_label: &str, bars: &[Bar]) -> Result<String, PlotError> {
    bars::render(title, y_label, bars).map_err(|e| draw_error(title, &e))
}

/// The x description of time charts.
const TIME_DESC: &str = "time (s)";
/// About this many labelled ticks on a y axis.
const Y_TICKS: usize = 6;
/// About this many labelled ticks on a time axis.
const X_TICKS: usize = 9;

/// Lines in series order, colour `i` for series `i`, split into runs of usable points.
fn lines(series: &[Series]) -> Vec<Line> {
    series
        .iter()
        .enumerate()
        .map(|(i, s)| Line {
            color: i,
            label: s.label.clone(),
            runs: runs(&s.points),
        })
        .collect()
}

/// Values beyond this magnitude are skipped like non-finite ones: no chart means them, and
/// keeping them would let an axis's span overflow.
const VALUE_ABS_MAX: f64 = 1e100;

/// Whether a value can be drawn.
fn usable(value: f64) -> bool {
    value.is_finite() && value.abs() <= VALUE_ABS_MAX
}

/// The unbroken runs of usable points.
fn runs(points: &[(f64, f64)]) -> Vec<Vec<(f64, f64)>> {
    points
        .split(|p| !(usable(p.0) && usable(p.1)))
        .filter(|run| !run.is_empty())
        .map(<[(f64, f64)]>::to_vec)
        .collect()
}

/// The smallest and largest of some values, if any.
fn extent(values: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    values.fold(None, |range, v| match range {
        None => Some((v, v)),
        Some((low, high)) => Some((v.min(low), v.max(high))),
    })
}

/// A time axis over the data and the finite edges of the bands (0..10 s when there is none).
fn time_axis(lines: &[Line], bands: &[Band]) -> Axis {
    let data = lines.iter().flat_map(|l| &l.runs).flatten().map(|p| p.0);
    let edges = bands
        .iter()
        .flat_map(|b| [b.start, b.end])
        .filter(|v| usable(*v));
    let (start, end) = extent(data.chain(edges)).unwrap_or((0.0, 10.0));
    // A single instant gets a second either side (not before 0 if it is not).
    let (start, end) = if end > start {
        (start, end)
    } else {
        let pad = (start.abs() * 1e-6).max(1.0);
        let low = start - pad;
        (if start >= 0.0 { low.max(0.0) } else { low }, start + pad)
    };
    Axis::linear(start, end, X_TICKS)
}

/// Bands clipped to the axis, as (start, end, label); those outside it or with a NaN edge are
/// dropped, and a window that never closed runs to the axis's end.
fn clip_bands(bands: &[Band], x: &Axis) -> Vec<(f64, f64, String)> {
    bands
        .iter()
        .filter(|b| !b.start.is_nan() && !b.end.is_nan() && b.start <= b.end)
        .filter(|b| b.start <= x.end() && x.start() <= b.end)
        .map(|b| {
            let start = b.start.max(x.start());
            let end = b.end.min(x.end());
            (start, end, b.label.clone())
        })
        .collect()
}

/// A run of state points as a staircase raised by `offset`, extended to `until` if given.
fn steps(run: &[(f64, f64)], until: Option<f64>, offset: f64) -> Vec<(f64, f64)> {
    let mut out = Vec::with_capacity(run.len() * 2 + 1);
    for (i, &(x, y)) in run.iter().enumerate() {
        if i > 0 {
            out.push((x, run[i - 1].1 + offset));
        }
        out.push((x, y + offset));
    }
    if let (Some(end), Some(&(x, y))) = (until, run.last()) {
        if end > x {
            out.push((end, y + offset));
        }
    }
    out
}

/// A `PlotError` for a failure while drawing `title`.
fn draw_error(title: &str, error: &chart::DrawError) -> PlotError {
    PlotError::Draw {
        title: title.to_string(),
        message: error.to_string(),
    }
}
