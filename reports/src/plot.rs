//! Plots for the reports: time series, state steps, latency CDFs, bar charts, curves over a
//! swept value and heat maps of classes, each rendered as a self-contained SVG string for inline use in HTML.
//!
//! Every chart is 860 × 380 px with a title, axes with units, a light grid and a legend that
//! never covers data (see `plot/placement.rs` for how its place is chosen). Series `i` looks
//! the same in every chart: the same colour (`series_color`, from the colour-blind-safe
//! Okabe–Ito palette), dash pattern and marker shape (see `plot/stroke.rs`), so series whose
//! lines coincide stay distinguishable and every legend entry stays visible. Fault windows
//! are shaded light red and the warm-up grey, with their labels above the plot. A time series
//! may carry a spread band per series (e.g. the 10th–90th percentile over seeds) and a target
//! line (e.g. an SLO); a bar may carry its per-seed values, drawn as dots beside it.
//!
//! Input is taken as it comes: non-finite points are skipped (a line breaks there), empty
//! input draws an empty chart reading "no data", and nothing panics on odd values. Output is a
//! pure function of the input: plotters' SVG backend writes integer pixel coordinates, the
//! axes are computed here with `libm`, and nothing depends on time or hash order.
//!
//! Text is written as SVG `<text>` elements and laid out from estimated widths (plotters'
//! "naive" font backend), so rendering needs no font files; the viewer's browser draws the
//! text. Plotters draws the frame, grid, shades and fills; the lines, markers, legend and seed
//! dots are written by hand on top (`plot/overlay.rs`), since plotters' SVG backend has no
//! dash patterns. This module does not write files or build the HTML page around the charts.

mod axis;
mod bars;
mod chart;
mod curve;
mod heatmap;
mod layout;
mod legend;
mod line;
mod overlay;
mod palette;
mod placement;
mod strip;
mod stroke;
#[cfg(test)]
mod tests;

use axis::Axis;
use chart::{Growth, Guide, GuideKind, Line, LineChart};
use layout::{Shade, ShadeKind};

/// One line of a chart: a label, its points (x, y) and an optional spread band.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    /// Legend text.
    pub label: String,
    /// Points in increasing x; a non-finite coordinate breaks the line there.
    pub points: Vec<(f64, f64)>,
    /// A band around the line as (x, low, high) in increasing x, e.g. the 10th and 90th
    /// percentiles over seeds around their median; empty for none. Drawn by time series only,
    /// filled in the series' colour under the lines; a non-finite value breaks the band there.
    pub spread: Vec<(f64, f64, f64)>,
    /// Which colour, dash pattern and marker to draw it with; None for its position in the
    /// chart's list. A report sets it to the variant's index, so a variant keeps its look in a
    /// chart that leaves other variants out.
    pub style: Option<usize>,
}

/// A horizontal reference line the data should meet, e.g. an SLO target, with its label.
#[derive(Clone, Debug, PartialEq)]
pub struct Target {
    /// Text beside the line (e.g. "SLO 99%").
    pub label: String,
    /// Where the line is, in y units; a non-finite value draws no line.
    pub value: f64,
}

/// What a time series shows besides its lines and fault windows; the default adds nothing.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TimeSeriesOptions {
    /// The warm-up excluded from measurements, [0, `warmup_s`) in seconds: shaded grey and
    /// labelled "warm-up". None, or a value that is not positive and finite, shades nothing.
    pub warmup_s: Option<f64>,
    /// A target line; the y axis grows to include it.
    pub target: Option<Target>,
    /// What the spread bands are (e.g. "shaded: 10th–90th percentile of seeds"), shown as the
    /// legend's last row when some series has a band.
    pub spread_label: Option<String>,
}

/// What a bar chart shows besides its bars; the default adds nothing.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BarOptions {
    /// A target line; the y axis grows to include it.
    pub target: Option<Target>,
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

/// One bar with its 95% interval whiskers (low/high None = no whisker) and its per-seed values.
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
    /// The value of each seed, drawn as dots beside the bar; a non-finite value (undefined,
    /// e.g. a ratio with no requests) is not drawn but counted in an "n/a ×k" note under the bar.
    pub seeds: Vec<f64>,
}

/// One curve of a `curves` chart: a variant's mean at each swept value, with its interval and
/// every seed's value.
#[derive(Clone, Debug, PartialEq)]
pub struct Curve {
    /// Legend text (the variant's name).
    pub label: String,
    /// Which colour, dash pattern and marker to draw it with; None for its position.
    pub style: Option<usize>,
    /// The points in increasing x.
    pub points: Vec<CurvePoint>,
}

/// One point of a curve.
#[derive(Clone, Debug, PartialEq)]
pub struct CurvePoint {
    /// The swept value (or the category's position, 0, 1, …).
    pub x: f64,
    /// The mean over seeds; a non-finite mean breaks the line.
    pub mean: f64,
    /// Lower end of the 95% interval (None: no band here).
    pub low: Option<f64>,
    /// Upper end of the 95% interval.
    pub high: Option<f64>,
    /// Each seed's value, drawn as dots; non-finite ones are left out.
    pub seeds: Vec<f64>,
}

/// The x axis of a `curves` chart: what it is, and names if the values are categories.
#[derive(Clone, Debug, PartialEq)]
pub struct XScale {
    /// The description under the axis, with its unit.
    pub desc: String,
    /// For categories (values that are not numbers): the name of position 0, 1, ….
    pub names: Option<Vec<String>>,
}

/// What a `curves` chart shows besides its curves; the default adds nothing.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CurveOptions {
    /// A target line (an SLO); the y axis grows to include it.
    pub target: Option<Target>,
}

/// A grid of classified cells (`heat_map`): x and y are categories.
#[derive(Clone, Debug, PartialEq)]
pub struct HeatMap {
    /// The chart's title.
    pub title: String,
    /// The description under the x axis.
    pub x_desc: String,
    /// The x categories, left to right.
    pub x_names: Vec<String>,
    /// The description left of the y axis.
    pub y_desc: String,
    /// The y categories, bottom to top.
    pub y_names: Vec<String>,
    /// The cells row by row from the bottom, each row left to right (`y_names.len()` rows
    /// of `x_names.len()` cells).
    pub cells: Vec<HeatCell>,
    /// The classes' names, for the legend; class `i` is drawn in colour `i` (green, orange,
    /// vermillion, then greys).
    pub classes: Vec<String>,
}

/// One cell of a heat map.
#[derive(Clone, Debug, PartialEq)]
pub struct HeatCell {
    /// Its class: an index into `HeatMap::classes`.
    pub class: usize,
    /// A short text drawn in the cell (e.g. `M 4/5`).
    pub text: String,
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
    let c = palette::color(index);
    format!("#{:02x}{:02x}{:02x}", c.0, c.1, c.2)
}

impl Series {
    /// A series from a label and points, without a spread band.
    ///
    /// ```
    /// use reports::plot::Series;
    /// let goodput = Series::new("baseline", vec![(0.0, 95.0), (1.0, 97.5)])
    ///     .with_spread(vec![(0.0, 90.0, 99.0), (1.0, 93.0, 99.5)]);
    /// assert_eq!(goodput.spread.len(), 2);
    /// ```
    pub fn new(label: impl Into<String>, points: Vec<(f64, f64)>) -> Series {
        Series {
            label: label.into(),
            points,
            spread: Vec::new(),
            style: None,
        }
    }

    /// The series with a spread band of (x, low, high).
    pub fn with_spread(self, spread: Vec<(f64, f64, f64)>) -> Series {
        Series { spread, ..self }
    }

    /// The series drawn in style `index` (colour, dash and marker) whatever its position.
    pub fn with_style(self, index: usize) -> Series {
        Series {
            style: Some(index),
            ..self
        }
    }
}

impl Target {
    /// A target line at `value` labelled `label`.
    pub fn new(label: impl Into<String>, value: f64) -> Target {
        Target {
            label: label.into(),
            value,
        }
    }
}

impl Bar {
    /// A bar of height `mean` with optional interval ends and no per-seed values.
    ///
    /// ```
    /// use reports::plot::Bar;
    /// let bar = Bar::new("baseline", 61.5, Some(55.0), Some(68.2))
    ///     .with_seeds(vec![58.0, 64.0, f64::NAN]);
    /// assert_eq!(bar.seeds.len(), 3);
    /// ```
    pub fn new(label: impl Into<String>, mean: f64, low: Option<f64>, high: Option<f64>) -> Bar {
        Bar {
            label: label.into(),
            mean,
            low,
            high,
            seeds: Vec::new(),
        }
    }

    /// The bar with one value per seed.
    pub fn with_seeds(self, seeds: Vec<f64>) -> Bar {
        Bar { seeds, ..self }
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
///
/// The same as `time_series_with` and default options (spread bands are drawn if given).
pub fn time_series(
    title: &str,
    y_label: &str,
    series: &[Series],
    bands: &[Band],
) -> Result<String, PlotError> {
    time_series_with(title, y_label, series, bands, &TimeSeriesOptions::default())
}

/// A time series chart with options: each series' spread band under its line, the warm-up
/// shaded grey, a target line.
///
/// The y axis starts at 0 (lower if a value is negative) and includes every point, band edge
/// and the target.
pub fn time_series_with(
    title: &str,
    y_label: &str,
    series: &[Series],
    bands: &[Band],
    options: &TimeSeriesOptions,
) -> Result<String, PlotError> {
    let lines = lines(series, true);
    let warmup = options
        .warmup_s
        .filter(|w| usable(*w) && *w > 0.0)
        .map(|end| Band::new("warm-up", 0.0, end));
    let target = options.target.as_ref().filter(|t| usable(t.value));
    let x = time_axis(&lines, warmup.iter().chain(bands));
    let values = lines
        .iter()
        .flat_map(|l| &l.runs)
        .flatten()
        .map(|p| p.1)
        .chain(
            lines
                .iter()
                .flat_map(|l| &l.spread)
                .flatten()
                .flat_map(|p| [p.1, p.2]),
        )
        .chain(target.map(|t| t.value));
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
    let mut shades = clip_bands(warmup.as_slice(), &x, ShadeKind::WarmUp);
    shades.extend(clip_bands(bands, &x, ShadeKind::Fault));
    let guides = target
        .map(|t| Guide {
            y: t.value,
            label: t.label.clone(),
            kind: GuideKind::Target,
        })
        .into_iter()
        .collect();
    let chart = LineChart {
        title: title.to_string(),
        x_desc: TIME_DESC.to_string(),
        y_desc: Some(y_label.to_string()),
        x,
        y,
        growth: Growth::Linear(Y_TICKS),
        lines,
        bands: shades,
        guides,
        spread_note: options.spread_label.clone(),
    };
    chart::render_lines(chart).map_err(|e| draw_error(title, &e))
}

/// A step chart for states (e.g. circuit breaker: 0 closed, 1 half-open, 2 open), y axis labelled with state names.
///
/// Each point's state holds until the next point, and the last one to the end of the chart.
/// Series are nudged apart vertically by a fraction of a state so overlapping ones stay visible.
/// Spread bands are not drawn (a state has no spread).
pub fn state_steps(
    title: &str,
    states: &[&str],
    series: &[Series],
    bands: &[Band],
) -> Result<String, PlotError> {
    let raw = lines(series, false);
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
    let bands = clip_bands(bands, &x, ShadeKind::Fault);
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
        spread_note: None,
    };
    chart::render_lines(chart).map_err(|e| draw_error(title, &e))
}

/// A latency CDF: x = latency in ms on a log axis, y = fraction of requests 0..1, one line per series.
///
/// Latencies at or below 0 (and below 1 µs) are drawn at the axis's left edge, the decade at
/// or below the smallest positive latency; fractions are clamped to 0..1. Dashed guides mark
/// p50, p90 and p99. Spread bands are not drawn.
pub fn latency_cdf(title: &str, series: &[Series]) -> Result<String, PlotError> {
    let raw = lines(series, false);
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
            kind: GuideKind::Quantile,
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
        spread_note: None,
    };
    chart::render_lines(chart).map_err(|e| draw_error(title, &e))
}

/// A bar chart with CI whiskers, one bar per variant, each with its per-seed dots.
///
/// The same as `bars_with` and default options.
pub fn bars(title: &str, y_label: &str, bars: &[Bar]) -> Result<String, PlotError> {
    bars_with(title, y_label, bars, &BarOptions::default())
}

/// A bar chart with options: CI whiskers, per-seed dots beside each bar, a target line.
///
/// Bar `i` has series colour `i`, so a variant's bar matches its line elsewhere. The y axis
/// includes 0, every bar, whisker end and seed value, and the target.
pub fn bars_with(
    title: &str,
    y_label: &str,
    bars: &[Bar],
    options: &BarOptions,
) -> Result<String, PlotError> {
    bars::render(title, y_label, bars, options).map_err(|e| draw_error(title, &e))
}

/// A metric against a swept value: one line per curve through its means, its 95% interval as
/// a band, one dot per seed beside it (see `plot/curve.rs`).
///
/// The y axis includes 0, every mean, interval end and seed value, and the target.
pub fn curves(
    title: &str,
    x: &XScale,
    y_label: &str,
    curves: &[Curve],
    options: &CurveOptions,
) -> Result<String, PlotError> {
    curve::render(title, x, y_label, curves, options)
}

/// A heat map of classes with a legend right of the grid (see `plot/heatmap.rs`).
pub fn heat_map(map: &HeatMap) -> Result<String, PlotError> {
    heatmap::render(map)
}

/// The x description of time charts.
const TIME_DESC: &str = "time (s)";
/// About this many labelled ticks on a y axis.
const Y_TICKS: usize = 6;
/// About this many labelled ticks on a time axis.
const X_TICKS: usize = 9;

/// Lines in series order, look `i` for series `i`, split into runs of usable points (and of
/// usable spread values, if `spread`).
fn lines(series: &[Series], spread: bool) -> Vec<Line> {
    series
        .iter()
        .enumerate()
        .map(|(i, s)| Line {
            index: s.style.unwrap_or(i),
            label: s.label.clone(),
            runs: runs(&s.points),
            spread: if spread {
                spread_runs(&s.spread)
            } else {
                Vec::new()
            },
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

/// The unbroken runs of usable spread values, each as (x, low, high) with low ≤ high.
fn spread_runs(spread: &[(f64, f64, f64)]) -> Vec<Vec<(f64, f64, f64)>> {
    spread
        .split(|p| !(usable(p.0) && usable(p.1) && usable(p.2)))
        .filter(|run| !run.is_empty())
        .map(|run| {
            run.iter()
                .map(|p| (p.0, p.1.min(p.2), p.1.max(p.2)))
                .collect()
        })
        .collect()
}

/// The smallest and largest of some values, if any.
fn extent(values: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    values.fold(None, |range, v| match range {
        None => Some((v, v)),
        Some((low, high)) => Some((v.min(low), v.max(high))),
    })
}

/// A time axis over the data, the spread bands and the finite edges of the bands (0..10 s
/// when there is none).
fn time_axis<'a>(lines: &[Line], bands: impl IntoIterator<Item = &'a Band>) -> Axis {
    let data = lines.iter().flat_map(|l| &l.runs).flatten().map(|p| p.0);
    let spread = lines.iter().flat_map(|l| &l.spread).flatten().map(|p| p.0);
    let edges = bands
        .into_iter()
        .flat_map(|b| [b.start, b.end])
        .filter(|v| usable(*v));
    let data = data.chain(spread);
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

/// Bands clipped to the axis, as shades of `kind`; those outside it or with a NaN edge are
/// dropped, and a window that never closed runs to the axis's end.
fn clip_bands(bands: &[Band], x: &Axis, kind: ShadeKind) -> Vec<Shade> {
    bands
        .iter()
        .filter(|b| !b.start.is_nan() && !b.end.is_nan() && b.start <= b.end)
        .filter(|b| b.start <= x.end() && x.start() <= b.end)
        .map(|b| Shade {
            start: b.start.max(x.start()),
            end: b.end.min(x.end()),
            label: b.label.clone(),
            kind,
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
