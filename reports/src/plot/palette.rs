//! The colours every chart uses: the series palette, and the fixed inks and fills of text,
//! fault windows, the warm-up and targets.

use plotters::style::{RGBAColor, RGBColor};

/// The fixed, colour-blind-safe palette (Okabe & Ito, 2008), ordered so the first colours are
/// the most distinct on white. Series `i` is drawn in colour `i % 8` in every chart.
pub(crate) const PALETTE: [RGBColor; 8] = [
    RGBColor(0x00, 0x72, 0xB2), // Blue.
    RGBColor(0xE6, 0x9F, 0x00), // Orange.
    RGBColor(0x00, 0x9E, 0x73), // Bluish green.
    RGBColor(0xCC, 0x79, 0xA7), // Reddish purple.
    RGBColor(0x56, 0xB4, 0xE9), // Sky blue.
    RGBColor(0xD5, 0x5E, 0x00), // Vermillion.
    RGBColor(0x00, 0x00, 0x00), // Black.
    RGBColor(0xF0, 0xE4, 0x42), // Yellow, last: faint on white.
];

/// Fault windows: a light red, light enough that lines in any palette colour read over it.
pub(crate) const BAND_FILL: RGBAColor = RGBAColor(0xE4, 0x57, 0x3C, 0.13);
/// Fault-window labels: the same hue, dark enough to read.
pub(crate) const BAND_TEXT: RGBColor = RGBColor(0xB0, 0x30, 0x1C);
/// The warm-up: a neutral grey, so it does not read as a fault.
pub(crate) const WARMUP_FILL: RGBAColor = RGBAColor(0x7A, 0x80, 0x88, 0.16);
/// The warm-up's label.
pub(crate) const WARMUP_TEXT: RGBColor = RGBColor(0x5A, 0x60, 0x68);
/// Target lines and their labels: near-black, so they read over any band.
pub(crate) const TARGET: RGBColor = RGBColor(0x33, 0x33, 0x33);
/// Titles, legend text and bar values.
pub(crate) const INK: RGBColor = RGBColor(0x22, 0x22, 0x22);
/// Tick labels, axis descriptions, guide labels and "no data".
pub(crate) const MUTED: RGBColor = RGBColor(0x55, 0x55, 0x55);

/// The palette colour of series `index` (the palette repeats after eight).
pub(crate) fn color(index: usize) -> RGBColor {
    PALETTE[index % PALETTE.len()]
}
