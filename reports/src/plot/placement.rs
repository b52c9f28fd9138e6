//! Where a line chart's legend and guide labels go, so that neither hides data.
//!
//! The legend takes the first corner of the plot (see `layout::Corner`) clear of every line,
//! marker, spread band, guide label and target line; failing that, a chart whose y axis may
//! grow raises its top until an upper corner is clear; failing that, the legend moves out to
//! the right of the plot. A quantile guide's label sits at the plot's left edge; a target's
//! label takes the first of four spots (above or below its line, at the right or the left end)
//! that no line crosses. Everything is decided in pixels of the final frame, with the mapping
//! plotters uses, so what is checked here is what is drawn.

use super::axis::Axis;
use super::layout::{self, Corner, Frame, Rect, SMALL_PX};
use super::line::{frame_of, Growth, Guide, GuideKind, LineChart};

/// Chooses the legend's place, growing the y axis if that makes room.
pub(crate) fn place_legend(chart: &mut LineChart, size: (i32, i32)) -> (Frame, Rect) {
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

/// Where a guide's label is drawn (see the module doc).
pub(crate) fn guide_label_rect(chart: &LineChart, frame: &Frame, guide: &Guide) -> Rect {
    let (_, y) = frame.pixel(&chart.x, &chart.y, (chart.x.start(), guide.y));
    let w = layout::text_width(&guide.label, SMALL_PX);
    match guide.kind {
        // A CDF's lines reach the top on the right, so the left is where there is room.
        GuideKind::Quantile => {
            let x0 = frame.plot.x0 + 4;
            Rect {
                x0,
                y0: y - 2 - SMALL_PX as i32,
                x1: x0 + w,
                y1: y - 2,
            }
        }
        GuideKind::Target => {
            let segments = line_segments(chart, frame);
            layout::label_spot(frame.plot, y, w, |r| {
                let zone = r.inflate(3);
                !segments.iter().any(|s| zone.meets_segment(s.0, s.1))
            })
        }
    }
}

/// Whether a legend at `rect` would cover a line, a marker, a spread band, a guide's label or
/// a target line.
fn collides(chart: &LineChart, frame: &Frame, rect: Rect) -> bool {
    // Lines are up to 3 px wide and markers 4.5 px in radius; keep a little air around them.
    let zone = rect.inflate(6);
    let meets = |s: &((i32, i32), (i32, i32))| zone.meets_segment(s.0, s.1);
    if line_segments(chart, frame).iter().any(meets) {
        return true;
    }
    let center = ((zone.x0 + zone.x1) / 2, (zone.y0 + zone.y1) / 2);
    let band_hit = spread_polygons(chart, frame).iter().any(|polygon| {
        let edges = polygon
            .iter()
            .zip(polygon.iter().cycle().skip(1))
            .map(|(a, b)| (*a, *b));
        edges.clone().any(|e| meets(&e)) || contains(polygon, center)
    });
    band_hit
        || chart.guides.iter().any(|g| {
            let label = zone.overlaps(guide_label_rect(chart, frame, g));
            let line = g.kind == GuideKind::Target && {
                let (_, y) = frame.pixel(&chart.x, &chart.y, (chart.x.start(), g.y));
                meets(&((frame.plot.x0, y), (frame.plot.x1, y)))
            };
            label || line
        })
}

/// The y-axis top that leaves `rect` (in an upper corner) clear of every line, band and
/// target line and label, if the legend would then take less than half the plot's height.
fn top_needed(chart: &LineChart, frame: &Frame, rect: Rect) -> Option<f64> {
    let plot = frame.plot;
    let height = f64::from(plot.y1 - plot.y0);
    // The share of the plot's height, from its top, that must stay clear above a value whose
    // pixel must be `air` pixels below the legend.
    let share = |air: i32| f64::from(rect.y1 - plot.y0 + air) / height;
    if share(8) >= 0.5 || matches!(chart.growth, Growth::Fixed) {
        return None;
    }
    let (x0, x1) = (chart.x.start(), chart.x.end());
    let at = |px: i32| x0 + f64::from(px - plot.x0) / f64::from(plot.x1 - plot.x0) * (x1 - x0);
    let (lo, hi) = (at(rect.x0 - 8), at(rect.x1 + 8));
    let highs: Vec<Vec<(f64, f64)>> = chart
        .lines
        .iter()
        .flat_map(|l| &l.spread)
        .map(|run| run.iter().map(|p| (p.0, p.1.max(p.2))).collect())
        .collect();
    let data = chart
        .lines
        .iter()
        .flat_map(|l| &l.runs)
        .chain(&highs)
        .filter_map(|run| highest_within(run, lo, hi))
        .max_by(f64::total_cmp);
    // A target line spans the plot, and its label may sit above it.
    let target = chart
        .guides
        .iter()
        .filter(|g| g.kind == GuideKind::Target)
        .map(|g| g.y)
        .max_by(f64::total_cmp);
    let bottom = chart.y.start();
    let top_for = |value: f64, air: i32| (value - share(air) * bottom) / (1.0 - share(air));
    let label_air = 8 + SMALL_PX as i32 + 6;
    let top = [
        data.map(|v| top_for(v, 8)),
        target.map(|v| top_for(v, label_air)),
    ]
    .into_iter()
    .flatten()
    .max_by(f64::total_cmp)?;
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

/// Every line's segments in pixels; a run of one point is a segment from it to itself.
fn line_segments(chart: &LineChart, frame: &Frame) -> Vec<((i32, i32), (i32, i32))> {
    let mut segments = Vec::new();
    for run in chart.lines.iter().flat_map(|l| &l.runs) {
        let pixels: Vec<(i32, i32)> = run
            .iter()
            .map(|p| frame.pixel(&chart.x, &chart.y, *p))
            .collect();
        match pixels.as_slice() {
            [only] => segments.push((*only, *only)),
            _ => segments.extend(pixels.windows(2).map(|w| (w[0], w[1]))),
        }
    }
    segments
}

/// Every spread band's outline in pixels: its low edge forward, then its high edge back.
fn spread_polygons(chart: &LineChart, frame: &Frame) -> Vec<Vec<(i32, i32)>> {
    let pixel = |p: (f64, f64)| frame.pixel(&chart.x, &chart.y, p);
    chart
        .lines
        .iter()
        .flat_map(|l| &l.spread)
        .map(|run| {
            run.iter()
                .map(|p| pixel((p.0, p.1)))
                .chain(run.iter().rev().map(|p| pixel((p.0, p.2))))
                .collect()
        })
        .collect()
}

/// Whether `point` lies inside `polygon` (even-odd rule; a ray to the right counts crossings).
fn contains(polygon: &[(i32, i32)], point: (i32, i32)) -> bool {
    let (px, py) = (f64::from(point.0), f64::from(point.1));
    let mut inside = false;
    for (a, b) in polygon.iter().zip(polygon.iter().cycle().skip(1)) {
        let (ax, ay) = (f64::from(a.0), f64::from(a.1));
        let (bx, by) = (f64::from(b.0), f64::from(b.1));
        if (ay > py) != (by > py) && px < ax + (py - ay) * (bx - ax) / (by - ay) {
            inside = !inside;
        }
    }
    inside
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_inside_polygons_are_found() {
        let square = [(0, 0), (10, 0), (10, 10), (0, 10)];
        assert!(contains(&square, (5, 5)));
        assert!(!contains(&square, (15, 5)));
        assert!(!contains(&square, (5, -1)));
        assert!(!contains(&[], (0, 0)));
    }
}
