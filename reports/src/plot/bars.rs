//! The bar chart: one bar per variant with 95% interval whiskers and its value on top.
//!
//! Bars need no legend: each is named under its slot (cut with "…" if the name is wider than
//! the slot). The y axis includes 0 and every bar end and whisker, with headroom for the
//! value labels.

use plotters::element::{PathElement, Rectangle, Text};
use plotters::style::text_anchor::{HPos, VPos};
use plotters::style::{Color, RGBAColor, ShapeStyle};

use super::axis::{self, Axis};
use super::chart::{self, DrawError, Plot, Root};
use super::layout::{self, Frame, FrameSpec, LABEL_PX};
use super::Bar;

/// Widest a bar may be, in pixels, however few there are.
const BAR_W_MAX: i32 = 90;
/// Whiskers: near-black, thin, with caps.
const WHISKER: RGBAColor = RGBAColor(0x22, 0x22, 0x22, 0.9);

/// Draws a bar chart to an SVG string.
pub(crate) fn render(title: &str, y_label: &str, bars: &[Bar]) -> Result<String, DrawError> {
    let y = y_axis(bars);
    let count = bars.len().max(1);
    let x_start = -0.5;
    let x_end = count as f64 - 0.5;
    let names: Vec<String> = bars.iter().map(|b| b.label.clone()).collect();
    let spec = |x: &Axis| {
        Frame::new(&FrameSpec {
            x,
            y: &y,
            y_desc: true,
            bands: &[],
            outside_w: 0,
        })
    };
    // The plot's width does not depend on the x labels, so fit them to a first frame's slots.
    let frame = spec(&Axis::named(x_start, x_end, &names));
    let slot = (frame.plot.x1 - frame.plot.x0) / count as i32;
    let fitted: Vec<String> = names
        .iter()
        .map(|n| layout::fit_text(n, LABEL_PX, slot - 8))
        .collect();
    let x = Axis::named(x_start, x_end, &fitted);
    let frame = spec(&x);
    let bar_w = (slot * 6 / 10).min(BAR_W_MAX);
    let half = f64::from(bar_w) / 2.0 / f64::from(slot.max(1));
    let empty = bars.iter().all(|b| !super::usable(b.mean));
    chart::render(title, &frame, |root| {
        let mut plot = chart::plot_on(root, &frame, x.clone(), y.clone())?;
        let mut mesh = plot.configure_mesh();
        chart::style_mesh(&mut mesh);
        mesh.disable_x_mesh().y_desc(y_label);
        mesh.draw()?;
        if y.start() < 0.0 {
            let zero = ShapeStyle {
                color: RGBAColor(0, 0, 0, 0.45),
                filled: false,
                stroke_width: 1,
            };
            plot.draw_series(std::iter::once(PathElement::new(
                vec![(x_start, 0.0), (x_end, 0.0)],
                zero,
            )))?;
        }
        for (i, bar) in bars.iter().enumerate() {
            draw_bar(root, &mut plot, &frame, (&x, &y), (i as f64, half), bar)?;
        }
        if empty {
            chart::draw_no_data(root, &frame)?;
        }
        Ok(())
    })
}

/// A y axis over 0, every finite mean and whisker end, with ~12% headroom for value labels.
fn y_axis(bars: &[Bar]) -> Axis {
    let values = bars
        .iter()
        .flat_map(|b| [Some(b.mean), b.low, b.high])
        .flatten()
        .filter(|v| super::usable(*v));
    let (low, high) = values.fold((0.0_f64, 0.0_f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let span = if high > low { high - low } else { 1.0 };
    let bottom = if low < 0.0 { low - span * 0.12 } else { 0.0 };
    let top = if high > 0.0 || low >= 0.0 {
        high + span * 0.12
    } else {
        0.0
    };
    let top = if top > bottom { top } else { bottom + 1.0 };
    Axis::linear(bottom, top, 6)
}

/// One bar at slot `center`, `half` slot-widths either side, with whiskers and its value.
fn draw_bar(
    root: &Root,
    plot: &mut Plot,
    frame: &Frame,
    (x, y): (&Axis, &Axis),
    (center, half): (f64, f64),
    bar: &Bar,
) -> Result<(), DrawError> {
    let index = center as usize;
    let label_style = |v| chart::text_style(LABEL_PX, chart::INK, HPos::Center, v);
    if !super::usable(bar.mean) {
        let (px, py) = frame.pixel(x, y, (center, 0.0_f64.max(y.start())));
        root.draw(&Text::new("n/a", (px, py - 4), label_style(VPos::Bottom)))?;
        return Ok(());
    }
    let fill = chart::color(index).mix(0.85).filled();
    let corners = [(center - half, 0.0), (center + half, bar.mean)];
    plot.draw_series(std::iter::once(Rectangle::new(corners, fill)))?;
    let finite = |v: Option<f64>| v.filter(|v| super::usable(*v));
    let (low, high) = (finite(bar.low), finite(bar.high));
    let whisker = ShapeStyle {
        color: WHISKER,
        filled: false,
        stroke_width: 1,
    };
    let cap = half * 0.4;
    if low.is_some() || high.is_some() {
        let (from, to) = (low.unwrap_or(bar.mean), high.unwrap_or(bar.mean));
        let mut paths = vec![vec![(center, from), (center, to)]];
        paths.extend(
            [low, high]
                .into_iter()
                .flatten()
                .map(|end| vec![(center - cap, end), (center + cap, end)]),
        );
        plot.draw_series(paths.into_iter().map(|p| PathElement::new(p, whisker)))?;
    }
    let text = value_label(bar.mean);
    if bar.mean >= 0.0 {
        let tip = high.unwrap_or(bar.mean).max(bar.mean);
        let (px, py) = frame.pixel(x, y, (center, tip));
        root.draw(&Text::new(text, (px, py - 4), label_style(VPos::Bottom)))?;
    } else {
        let tip = low.unwrap_or(bar.mean).min(bar.mean);
        let (px, py) = frame.pixel(x, y, (center, tip));
        root.draw(&Text::new(text, (px, py + 4), label_style(VPos::Top)))?;
    }
    Ok(())
}

/// A bar's value with about three significant digits and no trailing zeros.
fn value_label(value: f64) -> String {
    let magnitude = value.abs();
    let decimals = if magnitude >= 100.0 {
        0
    } else if magnitude >= 10.0 {
        1
    } else if magnitude >= 1.0 {
        2
    } else {
        3
    };
    let text = axis::clean(value, decimals);
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_read_with_three_digits_at_most() {
        let labels: Vec<String> = [61.5, 90.27, 1234.4, -0.6, 4.5, 0.0, -0.0004, 0.01234]
            .into_iter()
            .map(value_label)
            .collect();
        assert_eq!(
            labels,
            ["61.5", "90.3", "1234", "-0.6", "4.5", "0", "0", "0.012"]
        );
    }
}
