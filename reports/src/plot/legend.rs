//! The legend of a line chart: what its rows say and how they are drawn.
//!
//! One row per series with a swatch in the series' look (its dash pattern and marker, over a
//! light fill of its colour when the series has a spread band), then an optional row saying
//! what the shading is, and "and N more" when rows run out. Where the legend goes is
//! `chart`'s and `layout`'s business; this module only fills the box it is given.

use plotters::style::{RGBColor, WHITE};

use super::layout::{self, Rect, LABEL_PX, LEGEND_GAP, LEGEND_PAD, LEGEND_ROW_H, LEGEND_SWATCH};
use super::line::Line;
use super::overlay::{Overlay, Paint};
use super::palette::INK;
use super::stroke::{self, Marker, Stroke, MARKER_R, SPREAD_OPACITY};

/// One row of the legend.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Entry {
    /// What is drawn left of the label.
    pub swatch: Swatch,
    /// The label, cut to fit.
    pub label: String,
}

/// A legend row's swatch.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Swatch {
    /// Series `index`'s line and marker, over its band's fill if `spread`.
    Series { index: usize, spread: bool },
    /// A neutral band with a line through it: what the shading of every series means.
    Spread,
    /// Nothing (the "and N more" row).
    Blank,
}

/// At most this many legend rows fit beside the smallest plot; more lines share one row.
const ROWS_MAX: usize = 12;
/// Legend labels are cut (in the middle) to this width, so the legend cannot crowd the plot.
const TEXT_W_MAX: i32 = 200;
/// The note on the shading is a short sentence rather than a name, so it may be wider.
const NOTE_W_MAX: i32 = 300;
/// The neutral grey of the spread row's swatch.
const NEUTRAL: RGBColor = RGBColor(0x66, 0x66, 0x66);
/// Height of a spread swatch's fill, in pixels.
const SPREAD_SWATCH_H: i32 = 10;

/// The legend's rows for `lines`, plus a row saying what the shading means if `spread_note`
/// is given and some line has a band.
pub(crate) fn entries(lines: &[Line], spread_note: Option<&str>) -> Vec<Entry> {
    let fit = |text: &str| layout::fit_text(text, LABEL_PX, TEXT_W_MAX);
    let any_spread = lines.iter().any(|l| !l.spread.is_empty());
    let note = spread_note
        .filter(|n| any_spread && !n.is_empty())
        .map(|n| Entry {
            swatch: Swatch::Spread,
            label: layout::fit_text(n, LABEL_PX, NOTE_W_MAX),
        });
    let room = ROWS_MAX - usize::from(note.is_some());
    let row = |l: &Line| Entry {
        swatch: Swatch::Series {
            index: l.index,
            spread: !l.spread.is_empty(),
        },
        label: fit(&l.label),
    };
    let mut rows: Vec<Entry> = if lines.len() <= room {
        lines.iter().map(row).collect()
    } else {
        let shown = room - 1;
        let mut rows: Vec<Entry> = lines[..shown].iter().map(row).collect();
        rows.push(Entry {
            swatch: Swatch::Blank,
            label: format!("and {} more", lines.len() - shown),
        });
        rows
    };
    rows.extend(note);
    rows
}

/// The size (w, h) of a legend with these rows.
pub(crate) fn size(entries: &[Entry]) -> (i32, i32) {
    let labels: Vec<&str> = entries.iter().map(|e| e.label.as_str()).collect();
    layout::legend_size(&labels)
}

/// The legend in `rect`: a white, slightly see-through box with a border, one swatch and
/// label per row.
pub(crate) fn draw(overlay: &mut Overlay, rect: Rect, entries: &[Entry]) {
    overlay.rect(
        rect,
        &Paint {
            fill: WHITE,
            opacity: 0.85,
            border: Some((RGBColor(0, 0, 0), 0.3)),
        },
    );
    for (row, entry) in entries.iter().enumerate() {
        let y = rect.y0 + LEGEND_PAD - 2 + row as i32 * LEGEND_ROW_H + LEGEND_ROW_H / 2;
        let x = rect.x0 + LEGEND_PAD;
        match entry.swatch {
            Swatch::Series { index, spread } => {
                let look = stroke::stroke(index);
                if spread {
                    band(overlay, (x, y), look.color);
                }
                swatch(overlay, (x, y), &look);
            }
            Swatch::Spread => {
                band(overlay, (x, y), NEUTRAL);
                let look = Stroke {
                    color: NEUTRAL,
                    dash: None,
                    width: 1.5,
                    round: false,
                    marker: Marker::Circle,
                };
                overlay.line((x, y), (x + LEGEND_SWATCH, y), &look);
            }
            Swatch::Blank => {}
        }
        overlay.text(
            &entry.label,
            (x + LEGEND_SWATCH + LEGEND_GAP, y),
            LABEL_PX,
            INK,
        );
    }
}

/// A series swatch centered vertically on `y`: its line and, in the middle, its marker.
fn swatch(overlay: &mut Overlay, (x, y): (i32, i32), look: &Stroke) {
    overlay.line((x, y), (x + LEGEND_SWATCH, y), look);
    let middle = f64::from(x) + f64::from(LEGEND_SWATCH) / 2.0;
    overlay.marker((middle, f64::from(y)), look, MARKER_R);
}

/// A spread band's fill behind a swatch.
fn band(overlay: &mut Overlay, (x, y): (i32, i32), color: RGBColor) {
    let rect = Rect {
        x0: x,
        y0: y - SPREAD_SWATCH_H / 2,
        x1: x + LEGEND_SWATCH,
        y1: y + SPREAD_SWATCH_H / 2,
    };
    overlay.rect(
        rect,
        &Paint {
            fill: color,
            opacity: SPREAD_OPACITY * 1.4,
            border: None,
        },
    );
}
