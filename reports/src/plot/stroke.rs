//! How series `i` looks in every chart: its colour, dash pattern, width and marker.
//!
//! Colour alone cannot tell two series apart when their lines coincide (the later one hides
//! the earlier) or for a reader who cannot see the colour. So series `i` also has dash
//! pattern `i % 6` and marker shape `i % 6`, and its markers sit at a regular horizontal
//! stride offset by its index among the chart's series: where lines coincide, the earlier
//! line shows through the later one's gaps and every series' markers appear side by side.
//! The first series is solid and widest, so it stays the anchor the eye follows.
//!
//! This module only decides the look and where markers go; `overlay` writes the SVG.

use plotters::style::RGBColor;

use super::palette;

/// The look of one series.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Stroke {
    /// The palette colour.
    pub color: RGBColor,
    /// The SVG `stroke-dasharray` (none: solid).
    pub dash: Option<&'static str>,
    /// Line width in pixels.
    pub width: f64,
    /// Whether dashes get round caps (dots are round dashes of almost no length).
    pub round: bool,
    /// The marker's shape.
    pub marker: Marker,
}

/// A marker's shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Marker {
    Circle,
    Square,
    Triangle,
    Diamond,
    TriangleDown,
    Plus,
}

/// The opacity of a spread band's fill in the series' colour: light enough that the lines
/// and other series' bands read through it.
pub(crate) const SPREAD_OPACITY: f64 = 0.18;
/// The marker radius in pixels (half the width of its box).
pub(crate) const MARKER_R: f64 = 3.5;
/// Pixels between two markers of one series along the x axis: a few per chart, enough to
/// follow a line through a crossing without cluttering it.
pub(crate) const MARKER_STRIDE: i32 = 96;

/// The dash patterns, widths and caps, in series order. Solid first and widest; each later
/// pattern leaves gaps at least a third of its period so earlier lines show through.
const PATTERNS: [(Option<&str>, f64, bool); 6] = [
    (None, 2.5, false),
    (Some("9 4"), 2.0, false),
    (Some("0.1 4.5"), 2.75, true),
    (Some("9 3.5 1.5 3.5"), 2.0, false),
    (Some("16 5"), 2.0, false),
    (Some("5 3 1.5 3 1.5 3"), 2.0, false),
];

/// The marker shapes, in series order.
const MARKERS: [Marker; 6] = [
    Marker::Circle,
    Marker::Square,
    Marker::Triangle,
    Marker::Diamond,
    Marker::TriangleDown,
    Marker::Plus,
];

/// The look of series `index`.
pub(crate) fn stroke(index: usize) -> Stroke {
    let (dash, width, round) = PATTERNS[index % PATTERNS.len()];
    Stroke {
        color: palette::color(index),
        dash,
        width,
        round,
        marker: MARKERS[index % MARKERS.len()],
    }
}

/// The pixel x of series `index`'s first marker, counted from the plot's left edge: the
/// stride is shared evenly among the chart's `count` series so coinciding lines show every
/// series' markers in turn.
pub(crate) fn marker_offset(index: usize, count: usize) -> i32 {
    let count = count.max(1) as i64;
    let index = (index as i64) % count;
    ((2 * index + 1) * i64::from(MARKER_STRIDE) / (2 * count)) as i32
}

/// Where a run's markers go: on the polyline `pixels`, at x = `first` + k × `MARKER_STRIDE`,
/// at the first place the line reaches each such x. A run of one point gets one marker on it.
pub(crate) fn marker_places(pixels: &[(i32, i32)], first: i32) -> Vec<(f64, f64)> {
    if let [only] = pixels {
        return vec![(f64::from(only.0), f64::from(only.1))];
    }
    let Some(low) = pixels.iter().map(|p| p.0).min() else {
        return Vec::new();
    };
    let high = pixels.iter().map(|p| p.0).max().unwrap_or(low);
    // Marker slots in the run's x span; each is filled at most once, so a line that doubles
    // back cannot pile markers up.
    let slot_first = slot_from(low - first);
    let slot_last = (high - first).div_euclid(MARKER_STRIDE);
    if slot_last < slot_first {
        return Vec::new();
    }
    let slots = (slot_last - slot_first + 1) as usize;
    let mut places: Vec<Option<(f64, f64)>> = vec![None; slots];
    for pair in pixels.windows(2) {
        let ((xa, ya), (xb, yb)) = (pair[0], pair[1]);
        let (lo, hi) = (xa.min(xb), xa.max(xb));
        let from = slot_from(lo - first);
        let to = (hi - first).div_euclid(MARKER_STRIDE);
        for slot in from.max(slot_first)..=to.min(slot_last) {
            let place = &mut places[(slot - slot_first) as usize];
            if place.is_some() {
                continue;
            }
            let x = first + slot * MARKER_STRIDE;
            let y = if xa == xb {
                f64::from(ya)
            } else {
                let t = f64::from(x - xa) / f64::from(xb - xa);
                f64::from(ya) + t * f64::from(yb - ya)
            };
            *place = Some((f64::from(x), y));
        }
    }
    places.into_iter().flatten().collect()
}

/// The first marker slot at or right of `dx` pixels from the first marker.
fn slot_from(dx: i32) -> i32 {
    dx.div_euclid(MARKER_STRIDE) + i32::from(dx.rem_euclid(MARKER_STRIDE) != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coinciding_series_differ_in_dash_and_marker() {
        for (a, b) in [(0, 1), (1, 2), (2, 3), (3, 4), (4, 5), (0, 5)] {
            let (a, b) = (stroke(a), stroke(b));
            assert_ne!(a.dash, b.dash);
            assert_ne!(a.marker, b.marker);
        }
        assert_eq!(stroke(6).dash, stroke(0).dash);
        assert_ne!(stroke(6).color, stroke(0).color);
    }

    #[test]
    fn markers_share_the_stride_evenly() {
        assert_eq!(marker_offset(0, 1), 48);
        assert_eq!(marker_offset(0, 2), 24);
        assert_eq!(marker_offset(1, 2), 72);
        let offsets: Vec<i32> = (0..4).map(|i| marker_offset(i, 4)).collect();
        assert_eq!(offsets, [12, 36, 60, 84]);
    }

    #[test]
    fn markers_sit_on_the_line_once_per_stride() {
        let line = [(100, 200), (300, 100)];
        let places = marker_places(&line, 100 + 10);
        assert_eq!(places, [(110.0, 195.0), (206.0, 147.0)]);
        // A line that doubles back gets each marker once.
        let zigzag = [(100, 0), (400, 0), (100, 10), (400, 10)];
        assert_eq!(marker_places(&zigzag, 100).len(), 4);
        assert_eq!(marker_places(&[(5, 6)], 0), [(5.0, 6.0)]);
        assert!(marker_places(&[], 0).is_empty());
        // A vertical segment takes its first end.
        assert_eq!(marker_places(&[(96, 10), (96, 50)], 0), [(96.0, 10.0)]);
    }
}
