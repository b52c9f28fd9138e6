//! Drawing: a line chart (lines, spread bands, shades, guides, legend) and the frame all
//! charts share.
//!
//! Input arrives cleaned (finite values, split into runs at gaps, in axis units); this module
//! only draws, after `placement` has chosen where the legend and labels go. It draws in a
//! fixed order so later things sit on top: background, title, fault windows and the warm-up,
//! grid and axes, spread bands, guides and the target line, "no data" when there is nothing to
//! show; then, written by hand over plotters' layer (see `overlay`), the lines with their dash
//! patterns and markers, and the legend.

use plotters::backend::SVGBackend;
use plotters::chart::{ChartBuilder, ChartContext};
use plotters::coord::cartesian::Cartesian2d;
use plotters::coord::Shift;
use plotters::drawing::{DrawingArea, DrawingAreaErrorKind, IntoDrawingArea};
use plotters::element::{PathElement, Polygon, Rectangle, Text};
use plotters::series::DashedLineSeries;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{
    Color, FontDesc, FontFamily, FontStyle, RGBAColor, RGBColor, TextStyle, WHITE,
};

use super::axis::Axis;
use super::layout::{
    Frame, ShadeKind, BAND_ROW_H, HEIGHT, LABEL_PX, MARGIN, SMALL_PX, TITLE_PX, TITLE_TOP, WIDTH,
    X_LABEL_H,
};
use super::legend;
pub(crate) use super::line::{frame_of, Growth, Guide, GuideKind, Line, LineChart};
use super::overlay::Overlay;
use super::palette::{color, BAND_FILL, BAND_TEXT, INK, MUTED, TARGET, WARMUP_FILL, WARMUP_TEXT};
use super::placement;
use super::stroke::{self, MARKER_R, SPREAD_OPACITY};

/// What drawing can fail with: plotters' error over the SVG backend's `io::Error`.
pub(crate) type DrawError = DrawingAreaErrorKind<std::io::Error>;

/// The root drawing area of one SVG.
pub(crate) type Root<'a> = DrawingArea<SVGBackend<'a>, Shift>;

/// A chart context over two of our axes.
pub(crate) type Plot<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<Axis, Axis>>;

/// Draws a line chart to an SVG string.
pub(crate) fn render_lines(mut chart: LineChart) -> Result<String, DrawError> {
    let entries = legend::entries(&chart.lines, chart.spread_note.as_deref());
    let (frame, legend_rect) = if entries.is_empty() {
        (frame_of(&chart, 0), None)
    } else {
        let (frame, rect) = placement::place_legend(&mut chart, legend::size(&entries));
        (frame, Some(rect))
    };
    let empty = chart
        .lines
        .iter()
        .all(|l| l.runs.is_empty() && l.spread.is_empty());
    let svg = render(&chart.title, &frame, |root| {
        let mut plot = plot_on(root, &frame, chart.x.clone(), chart.y.clone())?;
        draw_bands(&mut plot, &chart)?;
        let mut mesh = plot.configure_mesh();
        style_mesh(&mut mesh);
        mesh.x_desc(chart.x_desc.as_str());
        if let Some(desc) = &chart.y_desc {
            mesh.y_desc(desc.as_str());
        }
        mesh.draw()?;
        draw_spreads(&mut plot, &chart)?;
        draw_guides(root, &mut plot, &chart, &frame)?;
        if empty {
            draw_no_data(root, &frame)?;
        }
        Ok(())
    })?;
    let mut overlay = Overlay::default();
    draw_lines(&mut overlay, &chart, &frame);
    if let Some(rect) = legend_rect {
        legend::draw(&mut overlay, rect, &entries);
    }
    Ok(overlay.splice(svg))
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
            let ink = match label.kind {
                ShadeKind::Fault => BAND_TEXT,
                ShadeKind::WarmUp => WARMUP_TEXT,
            };
            let style = text_style(SMALL_PX, ink, HPos::Left, VPos::Bottom);
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

/// Fault windows as light red spans over the plot's full height, the warm-up as a grey one.
fn draw_bands(plot: &mut Plot, chart: &LineChart) -> Result<(), DrawError> {
    let (bottom, top) = (chart.y.start(), chart.y.end());
    plot.draw_series(chart.bands.iter().map(|shade| {
        let fill = match shade.kind {
            ShadeKind::Fault => BAND_FILL,
            ShadeKind::WarmUp => WARMUP_FILL,
        };
        Rectangle::new([(shade.start, bottom), (shade.end, top)], fill.filled())
    }))?;
    Ok(())
}

/// Spread bands: each run filled between its low and high edges in the series' colour, light
/// enough that every line and band reads through; a run of one x as a short vertical bar.
pub(crate) fn draw_spreads(plot: &mut Plot, chart: &LineChart) -> Result<(), DrawError> {
    for line in &chart.lines {
        let fill = color(line.index).mix(SPREAD_OPACITY);
        for run in &line.spread {
            if let [(x, low, high)] = run.as_slice() {
                let bar = vec![(*x, *low), (*x, *high)];
                plot.draw_series(std::iter::once(PathElement::new(bar, fill.stroke_width(4))))?;
                continue;
            }
            let outline: Vec<(f64, f64)> = run
                .iter()
                .map(|p| (p.0, p.1))
                .chain(run.iter().rev().map(|p| (p.0, p.2)))
                .collect();
            plot.draw_series(std::iter::once(Polygon::new(outline, fill.filled())))?;
        }
    }
    Ok(())
}

/// Guides: dashed lines across the plot with their labels where `placement` puts them; a
/// quantile guide thin and grey, a target darker and thicker.
pub(crate) fn draw_guides(
    root: &Root,
    plot: &mut Plot,
    chart: &LineChart,
    frame: &Frame,
) -> Result<(), DrawError> {
    let (x0, x1) = (chart.x.start(), chart.x.end());
    for guide in &chart.guides {
        let (style, dash, ink) = match guide.kind {
            GuideKind::Quantile => (MUTED.mix(0.6).stroke_width(1), (4, 4), MUTED),
            GuideKind::Target => (TARGET.mix(0.85).stroke_width(2), (7, 4), TARGET),
        };
        plot.draw_series(DashedLineSeries::new(
            [(x0, guide.y), (x1, guide.y)],
            dash.0,
            dash.1,
            style,
        ))?;
        let rect = placement::guide_label_rect(chart, frame, guide);
        let style = text_style(SMALL_PX, ink, HPos::Left, VPos::Bottom);
        root.draw(&Text::new(guide.label.as_str(), (rect.x0, rect.y1), style))?;
    }
    Ok(())
}

/// Every series' runs in its dash pattern, then every series' markers, so no line hides a
/// marker: where lines coincide, each series' markers still show.
fn draw_lines(overlay: &mut Overlay, chart: &LineChart, frame: &Frame) {
    let count = chart.lines.len();
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
        let first = frame.plot.x0 + stroke::marker_offset(line.index, count);
        for run in &line.runs {
            let pixels = pixels(run);
            // A lone point is all there is of its run: draw it a little larger.
            let r = if pixels.len() == 1 {
                MARKER_R + 0.5
            } else {
                MARKER_R
            };
            for at in stroke::marker_places(&pixels, first) {
                overlay.marker(at, &look, r);
            }
        }
    }
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
