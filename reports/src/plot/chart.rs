//! Drawing: a line chart (lines, fault windows, guides, legend) and the frame all charts share.
//!
//! Input arrives cleaned (finite values, split into runs at gaps, in axis units); this module
//! only places and draws. It chooses the legend's place (see `layout`), then draws in a fixed
//! order so later things sit on top: background, title, fault windows, grid and axes, guides,
//! lines, legend, and "no data" when there is nothing to show.

use plotters::backend::SVGBackend;
use plotters::chart::{ChartBuilder, ChartContext};
use plotters::coord::cartesian::Cartesian2d;
use plotters::coord::Shift;
use plotters::drawing::{DrawingArea, DrawingAreaErrorKind, IntoDrawingArea};
use plotters::element::{Circle, PathElement, Rectangle, Text};
use plotters::series::{DashedLineSeries, LineSeries};
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{
    Color, FontDesc, FontFamily, FontStyle, RGBAColor, RGBColor, ShapeStyle, TextStyle, WHITE,
};

use super::axis::Axis;
use super::layout::{
    self, Corner, Frame, FrameSpec, Rect, BAND_ROW_H, HEIGHT, LABEL_PX, LEGEND_GAP, LEGEND_PAD,
    LEGEND_ROW_H, LEGEND_SWATCH, MARGIN, SMALL_PX, TITLE_PX, TITLE_TOP, WIDTH, X_LABEL_H,
};

/// What drawing can fail with: plotters' error over the SVG backend's `io::Error`.
pub(crate) type DrawError = DrawingAreaErrorKind<std::io::Error>;

/// The root drawing area of one SVG.
pub(crate) type Root<'a> = DrawingArea<SVGBackend<'a>, Shift>;

/// A chart context over two of our axes.
pub(crate) type Plot<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<Axis, Axis>>;

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
    /// Fault windows as (start, end, label), clipped to the x axis.
    pub bands: Vec<(f64, f64, String)>,
    /// Dashed horizontal reference lines.
    pub guides: Vec<Guide>,
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

/// One series: its palette index, legend label and unbroken runs of points.
pub(crate) struct Line {
    /// Index into the palette.
    pub color: usize,
    /// Legend text.
    pub label: String,
    /// Runs of points joined by straight segments; a run of one point is drawn as a dot.
    pub runs: Vec<Vec<(f64, f64)>>,
}

/// A dashed horizontal line at `y` with a small label at the plot's left edge.
pub(crate) struct Guide {
    /// Where, in y units.
    pub y: f64,
    /// Its label (e.g. "p99").
    pub label: String,
}

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
const BAND_FILL: RGBAColor = RGBAColor(0xE4, 0x57, 0x3C, 0.13);
/// Fault-window labels: the same hue, dark enough to read.
const BAND_TEXT: RGBColor = RGBColor(0xB0, 0x30, 0x1C);
/// Titles, legend text and bar values.
pub(crate) const INK: RGBColor = RGBColor(0x22, 0x22, 0x22);
/// Tick labels, axis descriptions, guide labels and "no data".
const MUTED: RGBColor = RGBColor(0x55, 0x55, 0x55);

/// Draws a line chart to an SVG string.
pub(crate) fn render_lines(mut chart: LineChart) -> Result<String, DrawError> {
    let entries = legend_entries(&chart.lines);
    let labels: Vec<&str> = entries.iter().map(|e| e.1.as_str()).collect();
    let size = layout::legend_size(&labels);
    let (frame, legend) = if entries.is_empty() {
        (frame_of(&chart, 0), None)
    } else {
        let (frame, rect) = place_legend(&mut chart, size);
        (frame, Some(rect))
    };
    let empty = chart.lines.iter().all(|l| l.runs.is_empty());
    render(&chart.title, &frame, |root| {
        let mut plot = plot_on(root, &frame, chart.x.clone(), chart.y.clone())?;
        draw_bands(&mut plot, &chart)?;
        let mut mesh = plot.configure_mesh();
        style_mesh(&mut mesh);
        mesh.x_desc(chart.x_desc.as_str());
        if let Some(desc) = &chart.y_desc {
            mesh.y_desc(desc.as_str());
        }
        mesh.draw()?;
        draw_guides(root, &mut plot, &chart, &frame)?;
        for line in &chart.lines {
            draw_line(&mut plot, line)?;
        }
        if let Some(rect) = legend {
            draw_legend(root, rect, &entries)?;
        }
        if empty {
            draw_no_data(root, &frame)?;
        }
        Ok(())
    })
}

/// Draws the page every chart shares (background, title, fault-window labels), then `body`.
pub(crate) fn render(
    title: &str,
    frame: &Frame,
    body: impl FnOnce(&Root) -> Result<(), DrawError>,
) -> Result<String, DrawError> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE)?;
        let title_style = bold(text_style(TITLE_PX, INK, HPos::Left, VPos::Top));
        root.draw(&Text::new(title, (MARGIN + 2, TITLE_TOP), title_style))?;
        for label in &frame.band_labels {
            let y = frame.plot.y0 - 3 - label.row as i32 * BAND_ROW_H;
            let style = text_style(SMALL_PX, BAND_TEXT, HPos::Left, VPos::Bottom);
            root.draw(&Text::new(label.text.as_str(), (label.x, y), style))?;
        }
        body(&root)?;
        root.present()?;
    }
    Ok(svg)
}

/// Builds plotters' chart on the frame's area; the plotting area is exactly `frame.plot`.
pub(crate) fn plot_on<'a, 'b>(
    root: &'a Root<'b>,
    frame: &Frame,
    x: Axis,
    y: Axis,
) -> Result<Plot<'a, 'b>, DrawError> {
    let area = frame.chart_area();
    let sub = root.clone().shrink(
        (area.x0, area.y0),
        (
            (area.x1 - area.x0 + 1) as u32,
            (area.y1 - area.y0 + 1) as u32,
        ),
    );
    let plot = ChartBuilder::on(&sub)
        .x_label_area_size(X_LABEL_H)
        .y_label_area_size(frame.y_label_w)
        .build_cartesian_2d(x, y)?;
    let (xs, ys) = plot.plotting_area().get_pixel_range();
    // Legend placement and labels use `frame.plot`; plotters must agree on it.
    assert_eq!(
        (xs.start, xs.end - 1, ys.start, ys.end - 1),
        (frame.plot.x0, frame.plot.x1, frame.plot.y0, frame.plot.y1),
        "plotters' plotting area is the planned plot rectangle"
    );
    Ok(plot)
}

/// The light grid, grey axes and muted labels every chart uses.
pub(crate) fn style_mesh(
    mesh: &mut plotters::chart::MeshStyle<'_, '_, Axis, Axis, SVGBackend<'_>>,
) {
    mesh.bold_line_style(RGBAColor(0, 0, 0, 0.10))
        .light_line_style(RGBAColor(0, 0, 0, 0.035))
        .axis_style(RGBAColor(0, 0, 0, 0.45))
        .label_style(text_style(LABEL_PX, MUTED, HPos::Center, VPos::Center))
        .axis_desc_style(text_style(LABEL_PX, MUTED, HPos::Center, VPos::Center));
}

/// A sans-serif text style of `px` CSS pixels.
pub(crate) fn text_style(px: f64, color: RGBColor, h: HPos, v: VPos) -> TextStyle<'static> {
    TextStyle {
        // The SVG backend writes `size / 1.24` as the CSS font size.
        font: FontDesc::new(FontFamily::SansSerif, px * 1.24, FontStyle::Normal),
        color: color.to_backend_color(),
        pos: Pos::new(h, v),
    }
}

/// The palette colour of series `index` (the palette repeats after eight).
pub(crate) fn color(index: usize) -> RGBColor {
    PALETTE[index % PALETTE.len()]
}

/// The frame of `chart` with `outside_w` pixels kept right of the plot.
fn frame_of(chart: &LineChart, outside_w: i32) -> Frame {
    Frame::new(&FrameSpec {
        x: &chart.x,
        y: &chart.y,
        y_desc: chart.y_desc.is_some(),
        bands: &chart.bands,
        outside_w,
    })
}

/// Chooses the legend's place (see `layout`), growing the y axis if that makes room.
fn place_legend(chart: &mut LineChart, size: (i32, i32)) -> (Frame, Rect) {
    let frame = frame_of(chart, 0);
    for corner in Corner::ALL {
        let rect = corner.rect(frame.plot, size);
        if !collides(chart, &frame, rect) {
            return (frame, rect);
        }
    }
    let grown = [Corner::UpperRight, Corner::UpperLeft]
        .into_iter()
        .filter_map(|corner| {
            Some((
                top_needed(chart, &frame, corner.rect(frame.plot, size))?,
                corner,
            ))
        })
        .min_by(|a, b| a.0.total_cmp(&b.0));
    if let Some((top, corner)) = grown {
        let y = match &chart.growth {
            Growth::Fixed => None,
            Growth::Linear(target) => Some(Axis::linear(chart.y.start(), top, *target)),
            Growth::Named(names) => Some(Axis::named(chart.y.start(), top, names)),
        };
        if let Some(y) = y {
            let before = std::mem::replace(&mut chart.y, y);
            // New tick labels may change the plot's width; check again on the final frame.
            let frame = frame_of(chart, 0);
            let rect = corner.rect(frame.plot, size);
            if !collides(chart, &frame, rect) {
                return (frame, rect);
            }
            chart.y = before;
        }
    }
    let frame = frame_of(chart, layout::outside_width(size.0));
    let rect = layout::outside_rect(frame.plot, size);
    (frame, rect)
}

/// Whether a legend at `rect` would cover a line, a dot or a guide label.
fn collides(chart: &LineChart, frame: &Frame, rect: Rect) -> bool {
    // Lines are 2 px wide and dots 3 px in radius; keep a little air around them.
    let zone = rect.inflate(4);
    let crosses = chart.lines.iter().flat_map(|l| &l.runs).any(|run| {
        let pixels: Vec<(i32, i32)> = run
            .iter()
            .map(|p| frame.pixel(&chart.x, &chart.y, *p))
            .collect();
        match pixels.as_slice() {
            [only] => zone.meets_segment(*only, *only),
            _ => pixels.windows(2).any(|w| zone.meets_segment(w[0], w[1])),
        }
    });
    crosses
        || chart
            .guides
            .iter()
            .any(|g| zone.overlaps(guide_label_rect(chart, frame, g)))
}

/// The y-axis top that leaves `rect` (in an upper corner) clear of every line, if the legend
/// would then take less than half the plot's height.
fn top_needed(chart: &LineChart, frame: &Frame, rect: Rect) -> Option<f64> {
    let plot = frame.plot;
    let share = f64::from(rect.y1 - plot.y0 + 8) / f64::from(plot.y1 - plot.y0);
    if share >= 0.5 || matches!(chart.growth, Growth::Fixed) {
        return None;
    }
    let (x0, x1) = (chart.x.start(), chart.x.end());
    let at = |px: i32| x0 + f64::from(px - plot.x0) / f64::from(plot.x1 - plot.x0) * (x1 - x0);
    let (lo, hi) = (at(rect.x0 - 6), at(rect.x1 + 6));
    let highest = chart
        .lines
        .iter()
        .flat_map(|l| &l.runs)
        .filter_map(|run| highest_within(run, lo, hi))
        .max_by(f64::total_cmp)?;
    let bottom = chart.y.start();
    let top = (highest - share * bottom) / (1.0 - share);
    Some(top.max(chart.y.end()))
}

/// The highest y of a run's points and segments between `lo` and `hi` on the x axis.
fn highest_within(run: &[(f64, f64)], lo: f64, hi: f64) -> Option<f64> {
    let inside = run.iter().filter(|p| lo <= p.0 && p.0 <= hi).map(|p| p.1);
    // A segment crossing an edge of the span is highest at an end or where it crosses.
    let crossings = run.windows(2).flat_map(|w| {
        let ((xa, ya), (xb, yb)) = (w[0], w[1]);
        [lo, hi].into_iter().filter_map(move |edge| {
            let crosses = (xa < edge && edge < xb) || (xb < edge && edge < xa);
            crosses.then(|| ya + (yb - ya) * (edge - xa) / (xb - xa))
        })
    });
    inside.chain(crossings).max_by(f64::total_cmp)
}

/// Fault windows as light red spans over the plot's full height.
fn draw_bands(plot: &mut Plot, chart: &LineChart) -> Result<(), DrawError> {
    let (bottom, top) = (chart.y.start(), chart.y.end());
    plot.draw_series(chart.bands.iter().map(|(start, end, _)| {
        Rectangle::new([(*start, bottom), (*end, top)], BAND_FILL.filled())
    }))?;
    Ok(())
}

/// Guides: dashed grey lines with their labels just above them at the left.
fn draw_guides(
    root: &Root,
    plot: &mut Plot,
    chart: &LineChart,
    frame: &Frame,
) -> Result<(), DrawError> {
    let (x0, x1) = (chart.x.start(), chart.x.end());
    for guide in &chart.guides {
        let style = ShapeStyle {
            color: MUTED.mix(0.6),
            filled: false,
            stroke_width: 1,
        };
        plot.draw_series(DashedLineSeries::new(
            [(x0, guide.y), (x1, guide.y)],
            4,
            4,
            style,
        ))?;
        let rect = guide_label_rect(chart, frame, guide);
        let style = text_style(SMALL_PX, MUTED, HPos::Left, VPos::Bottom);
        root.draw(&Text::new(guide.label.as_str(), (rect.x0, rect.y1), style))?;
    }
    Ok(())
}

/// Where a guide's label is drawn: at the plot's left edge, just above the line (a CDF's
/// lines reach the top on the right, so the left is where there is room).
fn guide_label_rect(chart: &LineChart, frame: &Frame, guide: &Guide) -> Rect {
    let (_, y) = frame.pixel(&chart.x, &chart.y, (chart.x.start(), guide.y));
    let w = layout::text_width(&guide.label, SMALL_PX);
    let x0 = frame.plot.x0 + 4;
    Rect {
        x0,
        y0: y - 2 - SMALL_PX as i32,
        x1: x0 + w,
        y1: y - 2,
    }
}

/// One series: its runs as 2 px lines, and runs of a single point as dots.
fn draw_line(plot: &mut Plot, line: &Line) -> Result<(), DrawError> {
    let style = color(line.color).stroke_width(2);
    for run in &line.runs {
        if let [only] = run.as_slice() {
            plot.draw_series(std::iter::once(Circle::new(*only, 3, style.filled())))?;
        } else {
            plot.draw_series(LineSeries::new(run.iter().copied(), style))?;
        }
    }
    Ok(())
}

/// At most this many legend rows fit beside the smallest plot; more lines share one last row.
const LEGEND_ROWS_MAX: usize = 12;
/// Legend labels are cut (in the middle) to this width, so the legend cannot crowd the plot.
const LEGEND_TEXT_W_MAX: i32 = 200;

/// The legend's rows: a palette index (none for the "more" row) and a label.
fn legend_entries(lines: &[Line]) -> Vec<(Option<usize>, String)> {
    let fit = |l: &Line| layout::fit_text(&l.label, LABEL_PX, LEGEND_TEXT_W_MAX);
    if lines.len() <= LEGEND_ROWS_MAX {
        return lines.iter().map(|l| (Some(l.color), fit(l))).collect();
    }
    let shown = LEGEND_ROWS_MAX - 1;
    let mut entries: Vec<_> = lines[..shown]
        .iter()
        .map(|l| (Some(l.color), fit(l)))
        .collect();
    entries.push((None, format!("and {} more", lines.len() - shown)));
    entries
}

/// The legend: a white, slightly see-through box with a border, one swatch and label per row.
fn draw_legend(
    root: &Root,
    rect: Rect,
    entries: &[(Option<usize>, String)],
) -> Result<(), DrawError> {
    let corners = [(rect.x0, rect.y0), (rect.x1, rect.y1)];
    root.draw(&Rectangle::new(corners, WHITE.mix(0.85).filled()))?;
    let border = ShapeStyle {
        color: RGBAColor(0, 0, 0, 0.3),
        filled: false,
        stroke_width: 1,
    };
    root.draw(&Rectangle::new(corners, border))?;
    for (row, (index, label)) in entries.iter().enumerate() {
        let y = rect.y0 + LEGEND_PAD - 2 + row as i32 * LEGEND_ROW_H + LEGEND_ROW_H / 2;
        let x = rect.x0 + LEGEND_PAD;
        if let Some(index) = index {
            let swatch = vec![(x, y), (x + LEGEND_SWATCH, y)];
            root.draw(&PathElement::new(swatch, color(*index).stroke_width(3)))?;
        }
        let style = text_style(LABEL_PX, INK, HPos::Left, VPos::Center);
        let at = (x + LEGEND_SWATCH + LEGEND_GAP, y);
        root.draw(&Text::new(label.as_str(), at, style))?;
    }
    Ok(())
}

/// "no data", centered in the plot.
pub(crate) fn draw_no_data(root: &Root, frame: &Frame) -> Result<(), DrawError> {
    let plot = frame.plot;
    let center = ((plot.x0 + plot.x1) / 2, (plot.y0 + plot.y1) / 2);
    let style = text_style(TITLE_PX, MUTED, HPos::Center, VPos::Center);
    root.draw(&Text::new("no data", center, style))?;
    Ok(())
}

/// The same text style in bold.
fn bold(style: TextStyle<'static>) -> TextStyle<'static> {
    let size = style.font.get_size();
    TextStyle {
        font: FontDesc::new(FontFamily::SansSerif, size, FontStyle::Bold),
        ..style
    }
}
