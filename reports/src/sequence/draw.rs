//! Laying a sequence diagram's scene out and writing it as SVG.
//!
//! The time axis maps true time to pixels piece by piece (idle gaps cut short); lanes get x
//! positions; then each part of the scene becomes SVG elements, in a fixed order (lanes, axis,
//! rules, queue waits, worker bars, messages, marks) so the bytes are stable.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use sim_core::network::NodeId;
use sim_core::SimTime;

use super::{
    Arrow, Bar, Glyph, Rule, Scene, SequenceOptions, ERROR, FULL, GARBAGE, GUARD, HEDGE, LATE, OK,
    REFUSED, REQUEST,
};
use models::Trace;

/// Pixels between two lanes (at least; long names widen it).
const LANE_PX: f64 = 150.0;
/// The width lanes share when there are few of them.
const LANES_PX: f64 = 800.0;
/// Width of the time axis on the left.
const AXIS_PX: f64 = 110.0;
/// A span of time longer than this (in pixels at the chosen scale) is shortened.
const GAP_PX: f64 = 60.0;
/// The height a shortened gap takes.
const BREAK_PX: f64 = 30.0;
/// The height the time-flowing part aims at: this much per thing drawn, within bounds.
const BODY_PX_PER_ITEM: f64 = 16.0;
const BODY_PX_MIN: f64 = 900.0;
const BODY_PX_MAX: f64 = 3000.0;
/// The highest and lowest scales, in pixels per millisecond.
const SCALE_MAX: f64 = 40.0;
const SCALE_MIN: f64 = 0.01;
/// Where the lane headers end and time starts.
const TOP_PX: f64 = 150.0;
/// A lost message's ✕ falls this far short of its destination (at most this share of the
/// way), so it points at the node it was meant for even across other lanes; and this far down.
const LOST_SHORT_PX: f64 = 40.0;
const LOST_SHORT_SHARE: f64 = 0.3;
const LOST_DROP_PX: f64 = 10.0;

/// The map from true time to the page: linear pieces, with long gaps cut short.
struct TimeAxis {
    /// Per piece: its first instant, its last instant, and the y of its first instant.
    pieces: Vec<(SimTime, SimTime, f64)>,
    /// Pixels per millisecond.
    scale: f64,
}

impl TimeAxis {
    fn new(instants: &[SimTime], body: f64) -> TimeAxis {
        let gaps: Vec<f64> = instants
            .windows(2)
            .map(|w| w[1].since(w[0]).as_millis_f64())
            .collect();
        let height = |scale: f64| -> f64 {
            gaps.iter()
                .map(|g| {
                    if g * scale > GAP_PX {
                        BREAK_PX
                    } else {
                        g * scale
                    }
                })
                .sum()
        };
        // The largest scale that fits the body, found by bisection in a fixed number of steps
        // so that the same trace always gives the same scale.
        let scale = if height(SCALE_MAX) <= body {
            SCALE_MAX
        } else {
            let (mut low, mut high) = (SCALE_MIN, SCALE_MAX);
            for _ in 0..60 {
                let middle = (low + high) / 2.0;
                if height(middle) <= body {
                    low = middle;
                } else {
                    high = middle;
                }
            }
            low
        };
        let mut pieces: Vec<(SimTime, SimTime, f64)> = Vec::new();
        let mut y = TOP_PX;
        for (index, &at) in instants.iter().enumerate() {
            match pieces.last_mut() {
                Some(piece) if at.since(piece.1).as_millis_f64() * scale <= GAP_PX => {
                    piece.1 = at;
                }
                Some(piece) => {
                    y = piece.2 + piece.1.since(piece.0).as_millis_f64() * scale + BREAK_PX;
                    pieces.push((at, at, y));
                }
                None => {
                    assert_eq!(index, 0);
                    pieces.push((at, at, y));
                }
            }
        }
        TimeAxis { pieces, scale }
    }

    fn y(&self, at: SimTime) -> f64 {
        let index = self.pieces.partition_point(|p| p.0 <= at).max(1) - 1;
        let Some(&(start, end, y)) = self.pieces.get(index) else {
            return TOP_PX;
        };
        // Instants past a piece's end (inside a cut gap) sit at the gap's middle.
        if at > end {
            return y + end.since(start).as_millis_f64() * self.scale + BREAK_PX / 2.0;
        }
        y + at.since(start).as_millis_f64() * self.scale
    }

    fn bottom(&self) -> f64 {
        self.pieces.last().map_or(TOP_PX, |&(start, end, y)| {
            y + end.since(start).as_millis_f64() * self.scale
        })
    }
}

/// Lays the scene out and writes the SVG.
pub(super) fn draw(
    trace: &Trace,
    scene: &Scene,
    options: &SequenceOptions,
    drawn: usize,
    total: usize,
) -> String {
    let instants = scene.instants();
    let mut scene_rules: Vec<&Rule> = Vec::new();
    let (first, last) = match (instants.first(), instants.last()) {
        (Some(&f), Some(&l)) => (f, l),
        _ => (trace.from, trace.from),
    };
    for rule in &scene.rules {
        if rule.at >= first && rule.at <= last {
            scene_rules.push(rule);
        }
    }
    let mut all = instants.clone();
    all.extend(scene_rules.iter().map(|r| r.at));
    all.sort();
    all.dedup();
    let items = scene.arrows.len() + scene.lost.len() + scene.marks.len();
    let body = (items as f64 * BODY_PX_PER_ITEM).clamp(BODY_PX_MIN, BODY_PX_MAX);
    let axis = TimeAxis::new(&all, body);
    let lanes = lanes(trace);
    // Few lanes get more room, so that labels have space; long names widen every lane.
    let lane_px = lanes
        .iter()
        .map(|lane| lane.name.chars().count() as f64 * 7.5 + 40.0)
        .fold(
            (LANES_PX / lanes.len().max(1) as f64).clamp(LANE_PX, 2.0 * LANE_PX),
            f64::max,
        );
    let mut x_of: BTreeMap<NodeId, f64> = BTreeMap::new();
    for (index, lane) in lanes.iter().enumerate() {
        for &node in &lane.nodes {
            x_of.insert(node, AXIS_PX + lane_px * (index as f64 + 0.5));
        }
    }
    let subtitle = if total == 0 {
        format!("no client request starts in {}..{}", trace.from, trace.to)
    } else {
        format!(
            "the first {drawn} of {total} client requests starting in {}..{}, with the calls they make; time flows down (ms), long idle gaps are cut short",
            trace.from, trace.to
        )
    };
    // Wide enough for the lanes and their labels, the subtitle and the legend.
    let width = (AXIS_PX + lane_px * lanes.len() as f64 + 170.0)
        .max(subtitle.chars().count() as f64 * 6.4 + 40.0)
        .max(LEGEND_PX);
    let height = axis.bottom() + 60.0;
    let mut svg = String::new();
    header(&mut svg, width, height);
    let _ = writeln!(
        svg,
        r#"<text x="16" y="26" font-size="16" font-weight="bold">{}</text>"#,
        escape(&options.title)
    );
    let _ = writeln!(
        svg,
        r##"<text x="16" y="46" fill="#444">{}</text>"##,
        escape(&subtitle)
    );
    legend(&mut svg, 16.0, 72.0);
    for lane in &lanes {
        let x = x_of[&lane.nodes[0]];
        let client = lane.nodes[0].0 < trace.clients;
        let fill = if client { "#e8f0fe" } else { "#f1f3f4" };
        let name = escape(&lane.name);
        let _ = writeln!(
            svg,
            r##"<rect x="{:.1}" y="104" width="{:.1}" height="26" rx="4" fill="{fill}" stroke="#5f6368"/>"##,
            x - lane_px / 2.0 + 10.0,
            lane_px - 20.0
        );
        let _ = writeln!(
            svg,
            r#"<text x="{x:.1}" y="121" text-anchor="middle" font-weight="bold">{name}</text>"#
        );
        let _ = writeln!(
            svg,
            r##"<line x1="{x:.1}" y1="130" x2="{x:.1}" y2="{:.1}" stroke="#bdc1c6" stroke-dasharray="4 4"/>"##,
            height - 30.0
        );
    }
    ticks(&mut svg, &axis, width);
    for rule in &scene_rules {
        let y = axis.y(rule.at);
        let _ = writeln!(
            svg,
            r#"<line x1="{AXIS_PX:.1}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="{}" stroke-dasharray="8 3" stroke-width="1.5"/>"#,
            width - 10.0,
            rule.colour
        );
        let _ = writeln!(
            svg,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="end" fill="{}" font-size="11">{}</text>"#,
            width - 12.0,
            y - 4.0,
            rule.colour,
            escape(&rule.label)
        );
    }
    let bottom = axis.bottom();
    for &(lane, from, to) in &scene.waits {
        let x = x_of[&lane] - 7.0;
        let (y1, y2) = (axis.y(from), to.map_or(bottom, |t| axis.y(t)));
        let _ = writeln!(
            svg,
            r##"<line x1="{x:.1}" y1="{y1:.1}" x2="{x:.1}" y2="{y2:.1}" stroke="#f9a825" stroke-width="2" stroke-dasharray="2 2"/>"##
        );
    }
    for (bar, slot) in scene.bars.iter().zip(slots(&scene.bars)) {
        // Jobs held at once sit side by side, one worker per column.
        let x = x_of[&bar.lane] - 3.0 + BAR_STEP_PX * slot as f64;
        let (y1, y2) = (axis.y(bar.from), bar.to.map_or(bottom, |t| axis.y(t)));
        let _ = writeln!(
            svg,
            r##"<rect x="{x:.1}" y="{y1:.1}" width="6" height="{:.1}" fill="#bbdefb" stroke="#1e88e5" stroke-width="0.8"/>"##,
            (y2 - y1).max(1.0)
        );
    }
    let mut labels = Labels::default();
    // Messages drawn on top of each other (a fan-out to a shared lane) become one arrow.
    let mut drawn: Vec<Drawn> = Vec::new();
    let mut index: BTreeMap<ArrowKey, usize> = BTreeMap::new();
    for arrow in &scene.arrows {
        let (x1, x2) = (x_of[&arrow.from], x_of[&arrow.to]);
        let y1 = axis.y(arrow.sent);
        let y2 = arrow.arrives.map_or(y1, |t| axis.y(t));
        let key = (
            [x1.to_bits(), x2.to_bits(), y1.to_bits(), y2.to_bits()],
            arrow.colour,
            arrow.dashed,
        );
        match index.get(&key) {
            Some(&at) => drawn[at].count += 1,
            None => {
                index.insert(key, drawn.len());
                drawn.push(Drawn {
                    from: (x1, y1),
                    to: (x2, y2),
                    arrow,
                    count: 1,
                });
            }
        }
    }
    for Drawn {
        from: a,
        to: b,
        arrow,
        count,
    } in drawn
    {
        line(&mut svg, a, b, arrow.colour, arrow.dashed, End::Head);
        let text = match (count, arrow.label.is_empty()) {
            (1, _) => arrow.label.clone(),
            (_, true) => format!("×{count}"),
            (_, false) => format!("{} and {} more", arrow.label, count - 1),
        };
        if !text.is_empty() {
            labels.message(&mut svg, a, b, arrow.colour, &text);
        }
    }
    for lost in &scene.lost {
        let (x1, x2) = (x_of[&lost.from], x_of[&lost.to]);
        let y1 = axis.y(lost.sent);
        let short = LOST_SHORT_PX.min((x2 - x1).abs() * LOST_SHORT_SHARE);
        let end = (x2 - short * (x2 - x1).signum(), y1 + LOST_DROP_PX);
        line(
            &mut svg,
            (x1, y1),
            end,
            lost.colour,
            lost.dashed,
            End::Plain,
        );
        cross(&mut svg, end, lost.colour, 5.0);
        labels.message(&mut svg, (x1, y1), end, lost.colour, &lost.label);
        if let Some(back) = lost.back {
            // A refusal comes back to the sender as a connection error.
            line(&mut svg, end, (x1, axis.y(back)), REFUSED, true, End::Head);
        }
    }
    for mark in &scene.marks {
        let at = (x_of[&mark.lane], axis.y(mark.at));
        match mark.glyph {
            Glyph::Cross => cross(&mut svg, at, mark.colour, 6.0),
            Glyph::Forbidden => forbidden(&mut svg, at, mark.colour),
            Glyph::Dot => {
                let _ = writeln!(
                    svg,
                    r#"<circle cx="{:.1}" cy="{:.1}" r="3.5" fill="{}"/>"#,
                    at.0, at.1, mark.colour
                );
            }
        }
        labels.mark(&mut svg, at, mark.colour, &mark.label);
    }
    svg.push_str("</svg>\n");
    svg
}

/// Where an arrow lands on the page (coordinates as bits) and how it looks.
type ArrowKey = ([u64; 4], &'static str, bool);

/// An arrow placed on the page, standing for `count` messages drawn on top of each other.
struct Drawn<'a> {
    from: (f64, f64),
    to: (f64, f64),
    arrow: &'a Arrow,
    count: usize,
}

/// One lane: a node, or every replica of a service with many of them.
struct Lane {
    name: String,
    nodes: Vec<NodeId>,
}

/// Nodes beyond which services with many replicas share one lane.
const LANES_ALL_MAX: usize = 12;
/// A service with more replicas than this shares one lane when lanes are many.
const REPLICAS_APART_MAX: u32 = 4;

/// The lanes: one per node if there are few; else one per client and per replica, except
/// that each service with many replicas (a fan-out's leaves) gets one lane for them all.
fn lanes(trace: &Trace) -> Vec<Lane> {
    let single = |node: u32| Lane {
        name: trace.nodes[node as usize].clone(),
        nodes: vec![NodeId(node)],
    };
    if trace.nodes.len() <= LANES_ALL_MAX {
        return (0..trace.nodes.len() as u32).map(single).collect();
    }
    let mut lanes: Vec<Lane> = (0..trace.clients).map(single).collect();
    let mut next = trace.clients;
    for (service, &replicas) in trace.services.iter().zip(&trace.replicas) {
        let nodes = next..next + replicas;
        next += replicas;
        if replicas <= REPLICAS_APART_MAX {
            lanes.extend(nodes.map(single));
        } else {
            lanes.push(Lane {
                name: format!("{service}[0..{}]", replicas - 1),
                nodes: nodes.map(NodeId).collect(),
            });
        }
    }
    assert_eq!(
        next as usize,
        trace.nodes.len(),
        "replicas follow the clients"
    );
    lanes
}

fn header(svg: &mut String, width: f64, height: f64) {
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0}" height="{height:.0}" viewBox="0 0 {width:.0} {height:.0}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="11">"#
    );
    svg.push_str("<defs>\n");
    for colour in [
        REQUEST, HEDGE, OK, ERROR, FULL, REFUSED, GARBAGE, LATE, GUARD,
    ]
    .iter()
    .collect::<BTreeSet<_>>()
    {
        let _ = writeln!(
            svg,
            r#"<marker id="head-{}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="{colour}"/></marker>"#,
            &colour[1..]
        );
    }
    svg.push_str("</defs>\n");
    svg.push_str(r#"<rect width="100%" height="100%" fill="white"/>"#);
    svg.push('\n');
}

/// The legend's width.
const LEGEND_PX: f64 = 780.0;

fn legend(svg: &mut String, x: f64, y: f64) {
    let entries: [(&str, bool, &str); 7] = [
        (REQUEST, false, "request"),
        (HEDGE, false, "hedge"),
        (OK, true, "reply ok"),
        (ERROR, true, "error"),
        (FULL, true, "queue full"),
        (REFUSED, true, "refused"),
        (LATE, true, "late (caller gave up)"),
    ];
    let mut x = x;
    for (colour, dashed, text) in entries {
        line(svg, (x, y), (x + 34.0, y), colour, dashed, End::Head);
        let _ = writeln!(
            svg,
            r#"<text x="{:.1}" y="{:.1}">{}</text>"#,
            x + 40.0,
            y + 4.0,
            escape(text)
        );
        x += 48.0 + text.chars().count() as f64 * 6.2;
    }
    let y = y + 20.0;
    let mut x2 = 16.0;
    cross(svg, (x2 + 6.0, y), ERROR, 5.0);
    let _ = writeln!(
        svg,
        r#"<text x="{:.1}" y="{:.1}">timeout</text>"#,
        x2 + 16.0,
        y + 4.0
    );
    x2 += 80.0;
    line(svg, (x2, y), (x2 + 24.0, y), REQUEST, false, End::Plain);
    cross(svg, (x2 + 24.0, y), REQUEST, 5.0);
    let _ = writeln!(
        svg,
        r#"<text x="{:.1}" y="{:.1}">lost on the network</text>"#,
        x2 + 34.0,
        y + 4.0
    );
    x2 += 160.0;
    forbidden(svg, (x2 + 6.0, y), GUARD);
    let _ = writeln!(
        svg,
        r#"<text x="{:.1}" y="{:.1}">breaker open / throttled / no retry budget</text>"#,
        x2 + 16.0,
        y + 4.0
    );
    x2 += 270.0;
    let _ = writeln!(
        svg,
        r##"<rect x="{:.1}" y="{:.1}" width="8" height="14" fill="#bbdefb" stroke="#1e88e5" stroke-width="0.8"/>"##,
        x2,
        y - 7.0
    );
    let _ = writeln!(
        svg,
        r#"<text x="{:.1}" y="{:.1}">worker busy</text>"#,
        x2 + 14.0,
        y + 4.0
    );
    x2 += 100.0;
    let _ = writeln!(
        svg,
        r##"<line x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#f9a825" stroke-width="2" stroke-dasharray="2 2"/>"##,
        x2 + 4.0,
        y - 7.0,
        x2 + 4.0,
        y + 7.0
    );
    let _ = writeln!(
        svg,
        r#"<text x="{:.1}" y="{:.1}">queued</text>"#,
        x2 + 12.0,
        y + 4.0
    );
}

/// Time labels on the left: a tick every round step, and the start of each piece.
fn ticks(svg: &mut String, axis: &TimeAxis, width: f64) {
    let steps = [
        0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0,
        1000.0, 2000.0, 5000.0, 10000.0,
    ];
    let step = steps
        .iter()
        .copied()
        .find(|s| s * axis.scale >= 40.0)
        .unwrap_or(10000.0);
    let decimals = if step < 0.1 {
        2
    } else if step < 1.0 {
        1
    } else {
        0
    };
    let step_ns = (step * 1e6).round() as u64;
    for (index, &(start, end, y)) in axis.pieces.iter().enumerate() {
        if index > 0 {
            let previous = axis.pieces[index - 1];
            let gap = start.since(previous.1);
            let y_gap = y - BREAK_PX / 2.0;
            let _ = writeln!(
                svg,
                r##"<rect x="{AXIS_PX:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="#f8f9fa"/>"##,
                y - BREAK_PX + 4.0,
                width - AXIS_PX - 10.0,
                BREAK_PX - 8.0
            );
            let _ = writeln!(
                svg,
                r##"<text x="{:.1}" y="{:.1}" fill="#80868b" font-size="10" font-style="italic">⋮ {:.1} ms idle, cut short</text>"##,
                AXIS_PX + 6.0,
                y_gap + 3.0,
                gap.as_millis_f64()
            );
        }
        let ms = |t: SimTime| t.as_nanos() as f64 / 1e6;
        let _ = writeln!(
            svg,
            r##"<text x="{:.1}" y="{:.1}" text-anchor="end" fill="#202124" font-weight="bold">{:.3} ms</text>"##,
            AXIS_PX - 10.0,
            y + 4.0,
            ms(start)
        );
        let first = start.as_nanos().div_ceil(step_ns) * step_ns;
        let mut t = first;
        while t <= end.as_nanos() {
            let yt = axis.y(SimTime::from_nanos(t));
            if yt - y >= 14.0 {
                let _ = writeln!(
                    svg,
                    r##"<line x1="{:.1}" y1="{yt:.1}" x2="{AXIS_PX:.1}" y2="{yt:.1}" stroke="#9aa0a6"/>"##,
                    AXIS_PX - 6.0
                );
                let _ = writeln!(
                    svg,
                    r##"<text x="{:.1}" y="{:.1}" text-anchor="end" fill="#5f6368">{:.decimals$}</text>"##,
                    AXIS_PX - 10.0,
                    yt + 4.0,
                    t as f64 / 1e6
                );
            }
            t += step_ns;
        }
    }
}

/// How a drawn line ends: with an arrowhead in its colour, or plainly.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum End {
    /// An arrowhead (a message that arrives, or a legend's arrow).
    Head,
    /// No arrowhead (a message lost on the way, a plain mark).
    Plain,
}

fn line(svg: &mut String, a: (f64, f64), b: (f64, f64), colour: &str, dashed: bool, end: End) {
    let dash = if dashed {
        r#" stroke-dasharray="6 3""#
    } else {
        ""
    };
    let marker = match end {
        End::Head => format!(r#" marker-end="url(#head-{})""#, &colour[1..]),
        End::Plain => String::new(),
    };
    let _ = writeln!(
        svg,
        r#"<line x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="{colour}" stroke-width="1.4"{dash}{marker}/>"#,
        a.0, a.1, b.0, b.1
    );
}

/// Horizontal distance between the bars of jobs a replica holds at once.
const BAR_STEP_PX: f64 = 5.0;
/// The most columns of bars a lane shows.
const BAR_COLUMNS_MAX: usize = 16;

/// The column of each bar on its lane: the first one free when it starts.
fn slots(bars: &[Bar]) -> Vec<usize> {
    let mut ends: BTreeMap<NodeId, Vec<Option<SimTime>>> = BTreeMap::new();
    let mut slots = Vec::with_capacity(bars.len());
    for bar in bars {
        let columns = ends.entry(bar.lane).or_default();
        let free = columns
            .iter()
            .position(|end| end.is_some_and(|end| end <= bar.from));
        let slot = free.unwrap_or(columns.len());
        // A lane shared by many replicas may hold more jobs than columns fit: they overlap.
        if slot == columns.len() {
            columns.push(bar.to);
        } else {
            columns[slot] = bar.to;
        }
        slots.push(slot.min(BAR_COLUMNS_MAX - 1));
    }
    slots
}

/// Where labels went, so that a new label does not overprint an earlier one.
#[derive(Default)]
struct Labels {
    /// Boxes taken: left, top, right, bottom.
    taken: Vec<[f64; 4]>,
}

/// The width of a 10-pixel label, per character (an estimate for sans-serif fonts).
const LABEL_CHAR_PX: f64 = 5.8;

impl Labels {
    /// Writes `text` just above the message from `a` to `b`: near its start, or further along
    /// if that place is taken (at the start anyway if every place is).
    fn message(
        &mut self,
        svg: &mut String,
        a: (f64, f64),
        b: (f64, f64),
        colour: &str,
        text: &str,
    ) {
        const SHARES: [f64; 5] = [0.0, 0.3, 0.55, 0.15, 0.75];
        let rightwards = b.0 >= a.0;
        let width = text.chars().count() as f64 * LABEL_CHAR_PX;
        let place = |share: f64| {
            let along = (a.0 + (b.0 - a.0) * share, a.1 + (b.1 - a.1) * share);
            let x = along.0 + if rightwards { 10.0 } else { -10.0 };
            let y = along.1 + (b.1 - a.1) * 0.1 - 3.0;
            let left = if rightwards { x } else { x - width };
            (x, y, [left, y - 9.0, left + width, y + 2.0])
        };
        let (x, y, rect) = SHARES
            .iter()
            .map(|&share| place(share))
            .find(|(_, _, rect)| self.free(rect))
            .unwrap_or_else(|| place(0.0));
        self.taken.push(rect);
        let anchor = if rightwards { "start" } else { "end" };
        let _ = writeln!(
            svg,
            r#"<text x="{x:.1}" y="{y:.1}" text-anchor="{anchor}" fill="{colour}" font-size="10">{}</text>"#,
            escape(text)
        );
    }

    /// Writes a mark's label to the right of it, a line lower or higher if that is taken.
    fn mark(&mut self, svg: &mut String, at: (f64, f64), colour: &str, text: &str) {
        let width = text.chars().count() as f64 * LABEL_CHAR_PX;
        let place = |dy: f64| {
            let (x, y) = (at.0 + 9.0, at.1 + 3.5 + dy);
            (x, y, [x, y - 9.0, x + width, y + 2.0])
        };
        let (x, y, rect) = [0.0, 11.0, -11.0, 22.0]
            .iter()
            .map(|&dy| place(dy))
            .find(|(_, _, rect)| self.free(rect))
            .unwrap_or_else(|| place(0.0));
        self.taken.push(rect);
        let _ = writeln!(
            svg,
            r#"<text x="{x:.1}" y="{y:.1}" fill="{colour}" font-size="10">{}</text>"#,
            escape(text)
        );
    }

    fn free(&self, rect: &[f64; 4]) -> bool {
        self.taken
            .iter()
            .all(|t| t[2] <= rect[0] || rect[2] <= t[0] || t[3] <= rect[1] || rect[3] <= t[1])
    }
}

fn cross(svg: &mut String, at: (f64, f64), colour: &str, size: f64) {
    let (x, y) = at;
    let _ = writeln!(
        svg,
        r#"<path d="M{:.1},{:.1} L{:.1},{:.1} M{:.1},{:.1} L{:.1},{:.1}" stroke="{colour}" stroke-width="2.2"/>"#,
        x - size,
        y - size,
        x + size,
        y + size,
        x - size,
        y + size,
        x + size,
        y - size
    );
}

fn forbidden(svg: &mut String, at: (f64, f64), colour: &str) {
    let (x, y) = at;
    let _ = writeln!(
        svg,
        r#"<circle cx="{x:.1}" cy="{y:.1}" r="5.5" fill="white" stroke="{colour}" stroke-width="2"/><path d="M{:.1},{:.1} L{:.1},{:.1}" stroke="{colour}" stroke-width="2"/>"#,
        x - 3.9,
        y + 3.9,
        x + 3.9,
        y - 3.9
    );
}

/// `text` with XML's special characters escaped.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}
