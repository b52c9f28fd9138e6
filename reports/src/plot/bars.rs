//! The bar chart: one bar per variant with 95% interval whiskers, its value on top, and its
//! per-seed values as dots in a narrow column beside it.
//!
//! Bars need no legend: each is named under its slot (cut with "…" if the name is wider than
//! the slot). When some bar has per-seed values, every slot holds its bar and a dot column to
//! its right, the pair centered in the slot; a seed whose value is undefined is counted in an
//! "n/a ×k" note under the bar's name. The y axis includes 0, every bar end, whisker, seed
//! value and the target line, with headroom for the value labels.

use plotters::element::{PathElement, Rectangle, Text};
use plotters::series::DashedLineSeries;
use plotters::style::text_anchor::{HPos, VPos};
use plotters::style::{Color, RGBAColor, RGBColor, ShapeStyle};

use super::axis::{self, Axis};
use super::chart::{self, DrawError, Plot, Root};
use super::layout::{self, Frame, FrameSpec, Rect, LABEL_PX, SMALL_PX};
use super::overlay::Overlay;
use super::palette;
use super::{strip, Bar, BarOptions, Target};

/// Widest a bar may be, in pixels, however few there are.
const BAR_W_MAX: i32 = 90;
/// Whiskers: near-black, thin, with caps.
const WHISKER: RGBAColor = RGBAColor(0x22, 0x22, 0x22, 0.9);
/// Gap between a bar and its dot column, in pixels.
const STRIP_GAP: i32 = 4;
/// Widest a dot column may be, in pixels: a few lanes of dots, still plainly beside its bar.
const STRIP_W_MAX: i32 = 22;
/// The "n/a ×k" note's top, below the plot (under the bar's name).
const NOTE_TOP: i32 = 24;

/// Where one slot's pieces go, in pixels.
struct Slot {
    /// The bar's left and right edges.
    bar: (i32, i32),
    /// The dot column's left and right edges (empty if no bar has seeds).
    column: (i32, i32),
}

/// Draws a bar chart to an SVG string.
pub(crate) fn render(
    title: &str,
    y_label: &str,
    bars: &[Bar],
    options: &BarOptions,
) -> Result<String, DrawError> {
    let target = options.target.as_ref().filter(|t| super::usable(t.value));
    let y = y_axis(bars, target);
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
    let slot_w = (frame.plot.x1 - frame.plot.x0) / count as i32;
    let fitted: Vec<String> = names
        .iter()
        .map(|n| layout::fit_text(n, LABEL_PX, slot_w - 8))
        .collect();
    let x = Axis::named(x_start, x_end, &fitted);
    let frame = spec(&x);
    let strips = bars.iter().any(|b| !b.seeds.is_empty());
    let slots: Vec<Slot> = (0..bars.len())
        .map(|i| slot(&frame, &x, i, slot_w, strips))
        .collect();
    let empty = bars
        .iter()
        .all(|b| !super::usable(b.mean) && !b.seeds.iter().any(|v| super::usable(*v)));
    let svg = chart::render(title, &frame, |root| {
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
        if let Some(target) = target {
            draw_target(root, &mut plot, (&frame, &x, &y), target, (bars, &slots))?;
        }
        for (i, (bar, slot)) in bars.iter().zip(&slots).enumerate() {
            draw_bar(root, (&frame, &x, &y), (i, slot), bar)?;
        }
        if empty {
            chart::draw_no_data(root, &frame)?;
        }
        Ok(())
    })?;
    let mut overlay = Overlay::default();
    for (i, (bar, slot)) in bars.iter().zip(&slots).enumerate() {
        draw_seeds(&mut overlay, (&frame, &x, &y), (i, slot), bar);
    }
    Ok(overlay.splice(svg))
}

/// A y axis over 0, every finite mean, whisker end and seed value and the target, with ~12%
/// headroom for value labels.
fn y_axis(bars: &[Bar], target: Option<&Target>) -> Axis {
    let values = bars
        .iter()
        .flat_map(|b| {
            [Some(b.mean), b.low, b.high]
                .into_iter()
                .flatten()
                .chain(b.seeds.iter().copied())
        })
        .chain(target.map(|t| t.value))
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

/// Slot `index`'s bar and dot column: the bar 60% of the slot (at most `BAR_W_MAX`), and with
/// `strips` a column beside it, the pair centered on the slot.
fn slot(frame: &Frame, x: &Axis, index: usize, slot_w: i32, strips: bool) -> Slot {
    let center = x.pixel(index as f64, (frame.plot.x0, frame.plot.x1));
    let column_w = if strips {
        (slot_w / 5).clamp(6, STRIP_W_MAX)
    } else {
        0
    };
    let side = if strips { STRIP_GAP + column_w } else { 0 };
    let bar_w = (slot_w * 6 / 10)
        .min(BAR_W_MAX)
        .min(slot_w * 9 / 10 - side)
        .max(2);
    let left = center - (bar_w + side) / 2;
    let column_x0 = left + bar_w + STRIP_GAP;
    Slot {
        bar: (left, left + bar_w),
        column: if strips {
            (column_x0, column_x0 + column_w)
        } else {
            (left + bar_w, left + bar_w)
        },
    }
}

/// One bar in its slot, with whiskers and its value; "n/a" if its mean is undefined.
fn draw_bar(
    root: &Root,
    (frame, x, y): (&Frame, &Axis, &Axis),
    (index, slot): (usize, &Slot),
    bar: &Bar,
) -> Result<(), DrawError> {
    let center = (slot.bar.0 + slot.bar.1) / 2;
    let label_style = |v| chart::text_style(LABEL_PX, palette::INK, HPos::Center, v);
    let undefined = bar.seeds.iter().filter(|v| !super::usable(**v)).count();
    if undefined > 0 {
        let note_style = chart::text_style(SMALL_PX, palette::MUTED, HPos::Center, VPos::Top);
        let at = ((slot.bar.0 + slot.column.1) / 2, frame.plot.y1 + NOTE_TOP);
        root.draw(&Text::new(format!("n/a ×{undefined}"), at, note_style))?;
    }
    if !super::usable(bar.mean) {
        let (_, py) = frame.pixel(x, y, (0.0, 0.0_f64.max(y.start())));
        root.draw(&Text::new(
            "n/a",
            (center, py - 4),
            label_style(VPos::Bottom),
        ))?;
        return Ok(());
    }
    let px = |v: f64| frame.pixel(x, y, (0.0, v)).1;
    let fill = palette::color(index).mix(0.85).filled();
    let corners = [(slot.bar.0, px(0.0)), (slot.bar.1, px(bar.mean))];
    root.draw(&Rectangle::new(corners, fill))?;
    let finite = |v: Option<f64>| v.filter(|v| super::usable(*v));
    let (low, high) = (finite(bar.low), finite(bar.high));
    let whisker = ShapeStyle {
        color: WHISKER,
        filled: false,
        stroke_width: 1,
    };
    let cap = (slot.bar.1 - slot.bar.0) / 5;
    if low.is_some() || high.is_some() {
        let (from, to) = (low.unwrap_or(bar.mean), high.unwrap_or(bar.mean));
        let mut paths = vec![vec![(center, px(from)), (center, px(to))]];
        paths.extend(
            [low, high]
                .into_iter()
                .flatten()
                .map(|end| vec![(center - cap, px(end)), (center + cap, px(end))]),
        );
        for path in paths {
            root.draw(&PathElement::new(path, whisker))?;
        }
    }
    let text = value_label(bar.mean);
    if bar.mean >= 0.0 {
        let tip = high.unwrap_or(bar.mean).max(bar.mean);
        root.draw(&Text::new(
            text,
            (center, px(tip) - 4),
            label_style(VPos::Bottom),
        ))?;
    } else {
        let tip = low.unwrap_or(bar.mean).min(bar.mean);
        root.draw(&Text::new(
            text,
            (center, px(tip) + 4),
            label_style(VPos::Top),
        ))?;
    }
    Ok(())
}

/// A bar's per-seed values as dots in its column: the bar's colour, a darker rim.
fn draw_seeds(
    overlay: &mut Overlay,
    (frame, x, y): (&Frame, &Axis, &Axis),
    (index, slot): (usize, &Slot),
    bar: &Bar,
) {
    let ys: Vec<i32> = bar
        .seeds
        .iter()
        .filter(|v| super::usable(**v))
        .map(|v| frame.pixel(x, y, (0.0, *v)).1)
        .collect();
    let color = palette::color(index);
    let rim = RGBColor(
        (f64::from(color.0) * 0.55) as u8,
        (f64::from(color.1) * 0.55) as u8,
        (f64::from(color.2) * 0.55) as u8,
    );
    let r = strip::radius(ys.len());
    for at in strip::place(&ys, slot.column, r) {
        overlay.dot(at, r, color, rim);
    }
}

/// The target: a dashed dark line across the plot, its label at an end where no bar, dot
/// column or value label is.
fn draw_target(
    root: &Root,
    plot: &mut Plot,
    (frame, x, y): (&Frame, &Axis, &Axis),
    target: &Target,
    (bars, slots): (&[Bar], &[Slot]),
) -> Result<(), DrawError> {
    let style = palette::TARGET.mix(0.85).stroke_width(2);
    plot.draw_series(DashedLineSeries::new(
        [(x.start(), target.value), (x.end(), target.value)],
        7,
        4,
        style,
    ))?;
    let py = |v: f64| frame.pixel(x, y, (0.0, v)).1;
    // What each slot covers: from 0 to its highest and lowest values, with room for the
    // value label above (or below) the bar.
    let taken: Vec<Rect> = bars
        .iter()
        .zip(slots)
        .map(|(bar, slot)| {
            let values = [Some(bar.mean), bar.low, bar.high, Some(0.0)]
                .into_iter()
                .flatten()
                .chain(bar.seeds.iter().copied())
                .filter(|v| super::usable(*v));
            let (lo, hi) = values.fold((0.0_f64, 0.0_f64), |(l, h), v| (l.min(v), h.max(v)));
            Rect {
                x0: slot.bar.0,
                y0: py(hi) - 4 - LABEL_PX as i32,
                x1: slot.column.1.max(slot.bar.1),
                y1: py(lo) + 4 + LABEL_PX as i32,
            }
        })
        .collect();
    let w = layout::text_width(&target.label, SMALL_PX);
    let spot = layout::label_spot(frame.plot, py(target.value), w, |r| {
        !taken.iter().any(|t| t.overlaps(r.inflate(2)))
    });
    let style = chart::text_style(SMALL_PX, palette::TARGET, HPos::Left, VPos::Bottom);
    root.draw(&Text::new(target.label.as_str(), (spot.x0, spot.y1), style))?;
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
