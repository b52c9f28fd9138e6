//! Where things go on the page: the plot rectangle, shade labels and the legend's corners.
//!
//! Every chart is `WIDTH` × `HEIGHT` pixels: a title line, one row per stack of fault-window
//! and warm-up labels (above the plot, so they never cover data), then the plot with its
//! axes. A legend may take a corner of the plot (upper right, upper left, lower right, lower
//! left) or the room right of it; `placement` decides which. A target's label takes one of
//! four spots beside its line (`label_spot`). Text widths are estimates (the browser draws
//! the text), so every test leaves a few pixels of slack.

use super::axis::Axis;

/// Width of every chart, in pixels.
pub(crate) const WIDTH: u32 = 860;
/// Height of every chart, in pixels.
pub(crate) const HEIGHT: u32 = 380;

/// Empty space around the page.
pub(crate) const MARGIN: i32 = 10;
/// Top of the title.
pub(crate) const TITLE_TOP: i32 = 8;
/// Top of the plot when there are no fault-window labels.
const PLOT_TOP: i32 = 36;
/// Height of one row of fault-window labels.
pub(crate) const BAND_ROW_H: i32 = 15;
/// At most this many rows of fault-window labels.
const BAND_ROWS_MAX: usize = 3;
/// Height under the plot for tick labels and the axis description.
pub(crate) const X_LABEL_H: i32 = 40;
/// Room right of the plot for the last x tick label, which is centered on the edge.
const RIGHT_PAD: i32 = 18;
/// Widest y tick label room, so long state names cannot squeeze the plot.
pub(crate) const Y_TICK_W_MAX: i32 = 160;
/// Gap between the plot and a legend placed outside it.
const OUTSIDE_GAP: i32 = 16;
/// Gap between the plot edge and a legend placed inside it.
const INSIDE_GAP: i32 = 8;

/// Font sizes in CSS pixels.
pub(crate) const TITLE_PX: f64 = 16.0;
/// Tick labels, axis descriptions and legend entries.
pub(crate) const LABEL_PX: f64 = 12.0;
/// Fault-window labels and guide labels.
pub(crate) const SMALL_PX: f64 = 11.0;

/// Legend geometry: padding, one row per entry, a line swatch and a gap before the text.
/// The swatch is wide enough for two periods of the longest dash pattern and a marker.
pub(crate) const LEGEND_PAD: i32 = 8;
pub(crate) const LEGEND_ROW_H: i32 = 18;
pub(crate) const LEGEND_SWATCH: i32 = 32;
pub(crate) const LEGEND_GAP: i32 = 6;

/// A rectangle in pixels, both ends included (as plotters' plotting areas are).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Rect {
    pub x0: i32,
    pub y0: i32,
    pub x1: i32,
    pub y1: i32,
}

/// A shaded span of the x axis, in x units, clipped to the axis.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Shade {
    pub start: f64,
    pub end: f64,
    pub label: String,
    pub kind: ShadeKind,
}

/// What a shaded span means, which decides its colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ShadeKind {
    /// A fault window: light red.
    Fault,
    /// The warm-up, excluded from the measurements: neutral grey.
    WarmUp,
}

/// A shade's label above the plot: its left edge, its row (0 is nearest the plot), text and kind.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct BandLabel {
    pub x: i32,
    pub row: usize,
    pub text: String,
    pub kind: ShadeKind,
}

/// The page geometry of one chart.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Frame {
    /// The plotting area.
    pub plot: Rect,
    /// Width left of the plot for y tick labels and the y description.
    pub y_label_w: i32,
    /// Fault-window labels above the plot.
    pub band_labels: Vec<BandLabel>,
}

/// What the frame needs to know about a chart.
pub(crate) struct FrameSpec<'a> {
    /// The x axis, to place fault-window labels.
    pub x: &'a Axis,
    /// The y axis, to size the room for its tick labels.
    pub y: &'a Axis,
    /// Whether the y axis has a description (drawn rotated, left of the tick labels).
    pub y_desc: bool,
    /// Fault windows and the warm-up, in x units.
    pub bands: &'a [Shade],
    /// Width kept free right of the plot for a legend (0 if none).
    pub outside_w: i32,
}

impl Frame {
    /// Lays out a chart: y label room from its tick labels, then the plot's x extent, then the
    /// fault-window label rows, then the plot's y extent.
    pub(crate) fn new(spec: &FrameSpec) -> Frame {
        let ticks_w = spec
            .y
            .ticks()
            .iter()
            .map(|t| text_width(&t.label, LABEL_PX))
            .max()
            .unwrap_or(0);
        // Tick marks and plotters' gap to the labels take 12 px; the rotated description 20.
        // Tick labels are at most Y_TICK_W_MAX wide (state names are cut to fit).
        let ticks_w = ticks_w.min(Y_TICK_W_MAX);
        let y_label_w = (ticks_w + 14 + if spec.y_desc { 20 } else { 0 }).max(48);
        let x0 = MARGIN + y_label_w;
        let x1 = WIDTH as i32 - RIGHT_PAD - spec.outside_w - 1;
        let band_labels = band_labels(spec.x, spec.bands, (x0, x1));
        let rows = band_labels.iter().map(|l| l.row + 1).max().unwrap_or(0);
        let y0 = PLOT_TOP + rows as i32 * BAND_ROW_H;
        let y1 = HEIGHT as i32 - MARGIN - X_LABEL_H - 1;
        Frame {
            plot: Rect { x0, y0, x1, y1 },
            y_label_w,
            band_labels,
        }
    }

    /// The area handed to plotters' chart builder: the plot plus its label areas.
    pub(crate) fn chart_area(&self) -> Rect {
        Rect {
            x0: MARGIN,
            y0: self.plot.y0,
            x1: self.plot.x1,
            y1: self.plot.y1 + X_LABEL_H,
        }
    }

    /// The pixel of `(x, y)` in the plot.
    pub(crate) fn pixel(&self, x: &Axis, y: &Axis, point: (f64, f64)) -> (i32, i32) {
        (
            x.pixel(point.0, (self.plot.x0, self.plot.x1)),
            y.pixel(point.1, (self.plot.y1, self.plot.y0)),
        )
    }
}

/// The corners a legend may take inside the plot, in order of preference.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Corner {
    UpperRight,
    UpperLeft,
    LowerRight,
    LowerLeft,
}

impl Corner {
    /// All corners, most preferred first: upper corners leave the eye on the data's start.
    pub(crate) const ALL: [Corner; 4] = [
        Corner::UpperRight,
        Corner::UpperLeft,
        Corner::LowerRight,
        Corner::LowerLeft,
    ];

    /// The legend's rectangle in this corner of `plot` for a legend of `size` (w, h).
    pub(crate) fn rect(self, plot: Rect, size: (i32, i32)) -> Rect {
        let (w, h) = size;
        let x0 = match self {
            Corner::UpperRight | Corner::LowerRight => plot.x1 - INSIDE_GAP - w,
            Corner::UpperLeft | Corner::LowerLeft => plot.x0 + INSIDE_GAP,
        };
        let y0 = match self {
            Corner::UpperRight | Corner::UpperLeft => plot.y0 + INSIDE_GAP,
            Corner::LowerRight | Corner::LowerLeft => plot.y1 - INSIDE_GAP - h,
        };
        Rect {
            x0,
            y0,
            x1: x0 + w,
            y1: y0 + h,
        }
    }
}

/// The legend's rectangle right of `plot`, top-aligned with it.
pub(crate) fn outside_rect(plot: Rect, size: (i32, i32)) -> Rect {
    let x0 = plot.x1 + OUTSIDE_GAP;
    Rect {
        x0,
        y0: plot.y0,
        x1: x0 + size.0,
        y1: plot.y0 + size.1,
    }
}

/// Width to keep free right of the plot for a legend of width `legend_w` placed outside.
pub(crate) fn outside_width(legend_w: i32) -> i32 {
    legend_w + OUTSIDE_GAP - RIGHT_PAD + MARGIN
}

/// The size (w, h) of a legend with these labels.
pub(crate) fn legend_size(labels: &[&str]) -> (i32, i32) {
    let text_w = labels
        .iter()
        .map(|l| text_width(l, LABEL_PX))
        .max()
        .unwrap_or(0);
    let rows = labels.len() as i32;
    (
        2 * LEGEND_PAD + LEGEND_SWATCH + LEGEND_GAP + text_w,
        2 * LEGEND_PAD + rows * LEGEND_ROW_H - 4,
    )
}

/// Where a target line's label goes: the first of four spots (above the line at the plot's
/// right end, above at the left, below at the right, below at the left) that lies inside the
/// plot and is `clear`; else the first inside the plot; else the first. The line is at pixel
/// `y` and the label `w` pixels wide.
pub(crate) fn label_spot(plot: Rect, y: i32, w: i32, clear: impl Fn(&Rect) -> bool) -> Rect {
    let h = SMALL_PX as i32;
    let at = |x0: i32, y0: i32| Rect {
        x0,
        y0,
        x1: x0 + w,
        y1: y0 + h,
    };
    let (left, right) = (plot.x0 + 4, plot.x1 - 6 - w);
    let (above, below) = (y - 3 - h, y + 3);
    let spots = [
        at(right, above),
        at(left, above),
        at(right, below),
        at(left, below),
    ];
    let inside = |r: &Rect| plot.y0 < r.y0 && r.y1 < plot.y1;
    spots
        .iter()
        .find(|r| inside(r) && clear(r))
        .or_else(|| spots.iter().find(|r| inside(r)))
        .copied()
        .unwrap_or(spots[0])
}

/// The estimated width of `text` in pixels at `px` CSS pixels.
///
/// Sans-serif digits and lower-case letters average about 0.55 em; 0.6 em leaves slack for
/// capitals. Plotters' own estimate (used for its axis layout) is similar.
pub(crate) fn text_width(text: &str, px: f64) -> i32 {
    libm::ceil(text.chars().count() as f64 * px * 0.6) as i32
}

/// `text` cut to fit `width` pixels at `px`: its middle replaced by "…", keeping both ends
/// (variant names often differ only at one end, e.g. `retry-budget-10` and `retry-budget-20`).
pub(crate) fn fit_text(text: &str, px: f64, width: i32) -> String {
    if text_width(text, px) <= width {
        return text.to_string();
    }
    let chars: Vec<char> = text.chars().collect();
    // The longest cut that fits: `keep` characters, the extra one at the front. No more
    // characters than the width could hold are tried, so long text costs little.
    let fits = |keep: usize| text_width(&middle_cut(&chars, keep), px) <= width;
    let most = (width.max(0) as usize).min(chars.len() - 1);
    let keep = (0..=most).rev().find(|&keep| fits(keep)).unwrap_or(0);
    middle_cut(&chars, keep)
}

/// The first and last characters of `chars`, `keep` in all, joined by "…".
fn middle_cut(chars: &[char], keep: usize) -> String {
    let head = keep.div_ceil(2);
    let tail = keep - head;
    let mut cut: String = chars[..head].iter().collect();
    cut.push('…');
    cut.extend(&chars[chars.len() - tail..]);
    cut
}

impl Rect {
    /// The rectangle grown by `by` pixels on every side.
    pub(crate) fn inflate(self, by: i32) -> Rect {
        Rect {
            x0: self.x0 - by,
            y0: self.y0 - by,
            x1: self.x1 + by,
            y1: self.y1 + by,
        }
    }

    /// Whether the two rectangles share any pixel.
    pub(crate) fn overlaps(self, other: Rect) -> bool {
        self.x0 <= other.x1 && other.x0 <= self.x1 && self.y0 <= other.y1 && other.y0 <= self.y1
    }

    /// Whether the segment from `a` to `b` touches the rectangle (Liang–Barsky clipping).
    pub(crate) fn meets_segment(self, a: (i32, i32), b: (i32, i32)) -> bool {
        let (ax, ay) = (f64::from(a.0), f64::from(a.1));
        let (dx, dy) = (f64::from(b.0) - ax, f64::from(b.1) - ay);
        let mut enter = 0.0_f64;
        let mut leave = 1.0_f64;
        let sides = [
            (-dx, ax - f64::from(self.x0)),
            (dx, f64::from(self.x1) - ax),
            (-dy, ay - f64::from(self.y0)),
            (dy, f64::from(self.y1) - ay),
        ];
        for (p, q) in sides {
            if p == 0.0 {
                if q < 0.0 {
                    return false;
                }
            } else {
                let t = q / p;
                if p < 0.0 {
                    enter = enter.max(t);
                } else {
                    leave = leave.min(t);
                }
            }
        }
        enter <= leave
    }
}

/// Fault-window labels: centered over their window when they fit in it, else starting at it;
/// each on the first row (nearest the plot first) where it overlaps no earlier label. When
/// every row is taken there, it moves right on the row where it moves least, and it is left
/// out if it would then run off the page.
fn band_labels(x: &Axis, bands: &[Shade], plot_x: (i32, i32)) -> Vec<BandLabel> {
    let page_right = WIDTH as i32 - MARGIN;
    // Placed labels as (left, right, row).
    let mut placed: Vec<(i32, i32, usize)> = Vec::new();
    let mut labels = Vec::new();
    for shade in bands {
        let text = &shade.label;
        if text.is_empty() {
            continue;
        }
        let (p0, p1) = (x.pixel(shade.start, plot_x), x.pixel(shade.end, plot_x));
        let w = text_width(text, SMALL_PX);
        let left = if w <= p1 - p0 { (p0 + p1 - w) / 2 } else { p0 };
        let left = left.min(page_right - w).max(plot_x.0);
        let best = (0..BAND_ROWS_MAX)
            .map(|row| (free_left(&placed, row, left, w), row))
            .min();
        if let Some((left, row)) = best.filter(|(left, _)| left + w <= page_right) {
            placed.push((left, left + w, row));
            labels.push(BandLabel {
                x: left,
                row,
                text: text.clone(),
                kind: shade.kind,
            });
        }
    }
    labels
}

/// The first left edge at or right of `left` where a label `w` wide overlaps none on `row`.
fn free_left(placed: &[(i32, i32, usize)], row: usize, left: i32, w: i32) -> i32 {
    const GAP: i32 = 8;
    let mut left = left;
    // Each pass moves past one overlapping label, so at most one pass per placed label.
    for _ in 0..=placed.len() {
        let blocking = placed
            .iter()
            .filter(|&&(l, r, taken)| taken == row && left < r + GAP && l < left + w + GAP)
            .map(|&(_, r, _)| r + GAP)
            .max();
        match blocking {
            Some(right) => left = right,
            None => return left,
        }
    }
    left
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_meet_rectangles_only_when_they_cross_them() {
        let r = Rect {
            x0: 10,
            y0: 10,
            x1: 20,
            y1: 20,
        };
        assert!(r.meets_segment((0, 15), (30, 15)));
        assert!(r.meets_segment((15, 15), (15, 15)));
        assert!(r.meets_segment((0, 0), (30, 30)));
        assert!(!r.meets_segment((0, 0), (30, 5)));
        assert!(!r.meets_segment((0, 25), (5, 0)));
        assert!(!r.meets_segment((25, 0), (25, 30)));
    }

    #[test]
    fn band_labels_stack_when_they_would_overlap() {
        let x = Axis::linear(0.0, 100.0, 5);
        let fault = |start, end, label: &str| Shade {
            start,
            end,
            label: label.to_string(),
            kind: ShadeKind::Fault,
        };
        let bands = [
            fault(10.0, 12.0, "partition api"),
            fault(11.0, 13.0, "crash db"),
            fault(60.0, 90.0, "slow"),
        ];
        let labels = band_labels(&x, &bands, (100, 800));
        let rows: Vec<usize> = labels.iter().map(|l| l.row).collect();
        assert_eq!(rows, [0, 1, 0]);
        // A short label is centered over a wide window.
        assert!(labels[2].x > x.pixel(60.0, (100, 800)));
    }

    #[test]
    fn long_text_loses_its_middle() {
        assert_eq!(fit_text("baseline", LABEL_PX, 200), "baseline");
        let cut = fit_text("a-very-long-variant-name-10", LABEL_PX, 80);
        assert_eq!(cut, "a-ver…me-10");
        assert!(text_width(&cut, LABEL_PX) <= 80);
    }
}
