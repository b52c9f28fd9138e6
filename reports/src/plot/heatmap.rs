//! A heat map of classes: a grid of cells (x and y are categories, such as the values of two
//! swept paths), each filled with its class's colour and labelled with a short text, and a
//! legend of the classes right of the grid (`faultline map`).
//!
//! It shares the charts' frame (title, margins, named axes, fonts) and their invariants: the
//! bytes depend only on the input, positions are whole pixels, colours are fixed. Class `i`
//! has colour `CLASS_COLORS[i]` (green, orange, vermillion from the Okabe–Ito palette, then
//! greys), and every cell also carries its text, so the map reads without colour. The legend
//! sits outside the grid, so it hides no cell.

use plotters::element::{Rectangle, Text};
use plotters::style::text_anchor::{HPos, VPos};
use plotters::style::{Color, RGBColor};

use super::axis::Axis;
use super::chart;
use super::layout::{self, Frame, FrameSpec, LABEL_PX, LEGEND_GAP, LEGEND_PAD, LEGEND_ROW_H};
use super::overlay::{Overlay, Paint};
use super::palette::INK;
use super::{HeatMap, PlotError};

/// The colour of each class, in class order.
const CLASS_COLORS: [RGBColor; 5] = [
    RGBColor(0x00, 0x9E, 0x73), // Bluish green: fine.
    RGBColor(0xE6, 0x9F, 0x00), // Orange: so-so.
    RGBColor(0xD5, 0x5E, 0x00), // Vermillion: bad.
    RGBColor(0x99, 0x99, 0x99), // Grey.
    RGBColor(0x55, 0x55, 0x55), // Dark grey.
];

/// How opaque a cell's fill is: light enough for its text to read.
const CELL_OPACITY: f64 = 0.55;

/// Side of a legend swatch, in pixels.
const SWATCH: i32 = 12;

/// The colour of class `index`.
fn class_color(index: usize) -> RGBColor {
    CLASS_COLORS[index.min(CLASS_COLORS.len() - 1)]
}

/// Renders `map` as an SVG document.
pub(crate) fn render(map: &HeatMap) -> Result<String, PlotError> {
    let fail = |e: &chart::DrawError| super::draw_error(&map.title, e);
    let names = |list: &[String], width: i32| -> Vec<String> {
        list.iter()
            .map(|n| layout::fit_text(n, LABEL_PX, width))
            .collect()
    };
    let x_names = names(&map.x_names, 90);
    let y_names = names(&map.y_names, layout::Y_TICK_W_MAX);
    let x_last = x_names.len().max(1) as f64 - 0.5;
    let y_last = y_names.len().max(1) as f64 - 0.5;
    let x = Axis::named(-0.5, x_last, &x_names);
    let y = Axis::named(-0.5, y_last, &y_names);
    let labels: Vec<&str> = map.classes.iter().map(String::as_str).collect();
    let legend = layout::legend_size(&labels);
    let frame = Frame::new(&FrameSpec {
        x: &x,
        y: &y,
        y_desc: true,
        bands: &[],
        outside_w: layout::outside_width(legend.0),
    });
    let columns = map.x_names.len();
    let svg = chart::render(&map.title, &frame, |root| {
        let mut plot = chart::plot_on(root, &frame, x.clone(), y.clone())?;
        let mut mesh = plot.configure_mesh();
        chart::style_mesh(&mut mesh);
        mesh.disable_mesh();
        mesh.x_desc(map.x_desc.as_str());
        mesh.y_desc(map.y_desc.as_str());
        mesh.draw()?;
        plot.draw_series(map.cells.iter().enumerate().map(|(i, cell)| {
            let (cx, cy) = ((i % columns.max(1)) as f64, (i / columns.max(1)) as f64);
            let fill = class_color(cell.class).mix(CELL_OPACITY);
            Rectangle::new(
                [(cx - 0.48, cy - 0.48), (cx + 0.48, cy + 0.48)],
                fill.filled(),
            )
        }))?;
        let style = chart::text_style(LABEL_PX, INK, HPos::Center, VPos::Center);
        for (i, cell) in map.cells.iter().enumerate() {
            let (cx, cy) = ((i % columns.max(1)) as f64, (i / columns.max(1)) as f64);
            let at = frame.pixel(&x, &y, (cx, cy));
            root.draw(&Text::new(cell.text.as_str(), at, style.clone()))?;
        }
        if map.cells.is_empty() {
            chart::draw_no_data(root, &frame)?;
        }
        Ok(())
    })
    .map_err(|e| fail(&e))?;
    let mut overlay = Overlay::default();
    let rect = layout::outside_rect(frame.plot, legend);
    for (row, label) in map.classes.iter().enumerate() {
        let top = rect.y0 + LEGEND_PAD + row as i32 * LEGEND_ROW_H;
        let swatch = layout::Rect {
            x0: rect.x0 + LEGEND_PAD,
            y0: top + (LEGEND_ROW_H - SWATCH) / 2,
            x1: rect.x0 + LEGEND_PAD + SWATCH,
            y1: top + (LEGEND_ROW_H - SWATCH) / 2 + SWATCH,
        };
        overlay.rect(
            swatch,
            &Paint {
                fill: class_color(row),
                opacity: CELL_OPACITY,
                border: Some((INK, 0.4)),
            },
        );
        let text_x = swatch.x1 + LEGEND_GAP;
        overlay.text(label, (text_x, top + LEGEND_ROW_H / 2), LABEL_PX, INK);
    }
    Ok(overlay.splice(svg))
}
