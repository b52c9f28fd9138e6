//! A line chart as data, in axis units: its axes, its lines (runs of points and of spread
//! bands), shaded windows and guides, and the frame they need. `chart` draws it; `placement`
//! and `legend` read it.

use super::axis::Axis;
use super::layout::{Frame, FrameSpec, Shade};

/// A line chart ready to draw, in axis units.
pub(crate) struct LineChart {
    /// Title above the chart.
    pub title: String,
    /// Description under the x axis, with its unit.
    pub x_desc: String,
    /// Description left of the y axis, with its unit (none for named states).
    pub y_desc: Option<String>,
    /// The x axis.
    pub x: Axis,
    /// The y axis.
    pub y: Axis,
    /// How the y axis may grow to make room for the legend.
    pub growth: Growth,
    /// One line per series, in series order.
    pub lines: Vec<Line>,
    /// Fault windows and the warm-up, clipped to the x axis.
    pub bands: Vec<Shade>,
    /// Dashed horizontal reference lines: quantile guides and the target.
    pub guides: Vec<Guide>,
    /// The legend's last row, saying what the spread bands are (shown if a line has one).
    pub spread_note: Option<String>,
}

/// How a chart's y axis may be rebuilt with a higher top.
pub(crate) enum Growth {
    /// It may not (a fraction stays within 0..1).
    Fixed,
    /// A linear axis with about this many ticks.
    Linear(usize),
    /// Named states.
    Named(Vec<String>),
}

/// One series: its index, legend label, unbroken runs of points and of its spread band.
pub(crate) struct Line {
    /// The series' index, which picks its colour, dash pattern and marker (see `stroke`).
    pub index: usize,
    /// Legend text.
    pub label: String,
    /// Runs of points joined by straight segments; a run of one point is drawn as a marker.
    pub runs: Vec<Vec<(f64, f64)>>,
    /// Runs of (x, low, high) filled between low and high, under the lines.
    pub spread: Vec<Vec<(f64, f64, f64)>>,
}

/// A dashed horizontal line at `y` with a small label.
pub(crate) struct Guide {
    /// Where, in y units.
    pub y: f64,
    /// Its label (e.g. "p99" or "SLO 99%").
    pub label: String,
    /// What it marks, which decides its look and where its label goes.
    pub kind: GuideKind,
}

/// What a guide marks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum GuideKind {
    /// A quantile of a CDF: thin and grey, its label at the plot's left edge.
    Quantile,
    /// A target the data should meet (an SLO): darker, its label where no line is.
    Target,
}

/// The frame of `chart` with `outside_w` pixels kept right of the plot.
pub(crate) fn frame_of(chart: &LineChart, outside_w: i32) -> Frame {
    Frame::new(&FrameSpec {
        x: &chart.x,
        y: &chart.y,
        y_desc: chart.y_desc.is_some(),
        bands: &chart.bands,
        outside_w,
    })
}
