//! Sequence diagrams (SVG) of a traced window: a lane per node, an arrow per message.
//!
//! ```text
//!   web        api[0]      db[0]
//!    │──r17──────▶│                   request (solid), labelled with its request id
//!    │            █──r18──────▶│      a bar while a worker holds the job
//!    │            █◀ ─ ─ ─ ─ ─ │      reply (dashed), coloured by outcome
//!    ✕ timeout    │                   timeouts, drops (✕ mid-way), breaker and budget marks
//! ```
//!
//! The diagram draws the first `requests_max` client requests that start in the window and
//! every downstream request their jobs make, so it stays readable; the JSON lines hold every
//! event. Time flows down on a millisecond scale; idle gaps longer than `GAP_PX` pixels are
//! cut to a fixed height and marked, so a 100 ms timeout does not push the rest off the page.
//!
//! The SVG is written by hand with `std::fmt`: the same trace gives the same bytes (maps are
//! ordered, numbers printed at fixed precision, no timestamps). It reads only `models::Trace`.

use std::collections::BTreeMap;
use std::collections::BTreeSet;

use models::{
    Admitted, AttemptRef, CacheOutcome, Done, Happening, LocalRejection, Reply, Trace, TraceRecord,
    Transit,
};
use sim_core::network::NodeId;
use sim_core::SimTime;

/// What to draw and how to title it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SequenceOptions {
    /// The title's first line (the scenario and seed, say).
    pub title: String,
    /// The most client requests drawn (with the downstream requests they make).
    pub requests_max: usize,
}

/// A rendered diagram and what it holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagram {
    /// The SVG document.
    pub svg: String,
    /// Client requests drawn.
    pub requests_drawn: usize,
    /// Client requests that start in the window.
    pub requests_in_window: usize,
}

/// Draws the sequence diagram of `trace`'s first `options.requests_max` client requests.
pub fn render(trace: &Trace, options: &SequenceOptions) -> Diagram {
    let (roots, total) = roots(trace, options.requests_max);
    let selected = with_descendants(trace, &roots);
    let scene = Scene::build(trace, &selected);
    let svg = draw::draw(trace, &scene, options, roots.len(), total);
    Diagram {
        svg,
        requests_drawn: roots.len(),
        requests_in_window: total,
    }
}

const REQUEST: &str = "#1f3b73";
const HEDGE: &str = "#00838f";
const OK: &str = "#2e7d32";
const ERROR: &str = "#c62828";
const FULL: &str = "#ef6c00";
const REFUSED: &str = "#6d4c41";
const GARBAGE: &str = "#8e24aa";
const LATE: &str = "#9e9e9e";
const GUARD: &str = "#ef6c00";

/// Messages a diagram aims to hold at most: past this, fewer requests are drawn (a fan-out
/// of 100 makes 200 messages per request).
const MESSAGES_MAX: usize = 400;

/// The first client requests of the window (at most `max`, and no more than fit in
/// `MESSAGES_MAX` messages with their calls, but at least one), and how many start in it.
fn roots(trace: &Trace, max: usize) -> (Vec<u64>, usize) {
    let mut root_of: BTreeMap<u64, u64> = BTreeMap::new();
    let mut all = Vec::new();
    let mut messages: BTreeMap<u64, usize> = BTreeMap::new();
    for record in &trace.records {
        match record.what {
            Happening::Arrival { request, .. } => {
                all.push(request);
                root_of.insert(request, request);
            }
            Happening::CallStarted {
                request, parent, ..
            } => {
                if let Some(&root) = root_of.get(&parent.request) {
                    root_of.insert(request, root);
                }
            }
            Happening::AttemptSent { attempt, .. } | Happening::ReplySent { attempt, .. } => {
                if let Some(&root) = root_of.get(&attempt.request) {
                    *messages.entry(root).or_default() += 1;
                }
            }
            _ => {}
        }
    }
    let mut drawn = Vec::new();
    let mut count = 0;
    for &root in all.iter().take(max) {
        let more = messages.get(&root).copied().unwrap_or(0);
        if !drawn.is_empty() && count + more > MESSAGES_MAX {
            break;
        }
        count += more;
        drawn.push(root);
    }
    (drawn, all.len())
}

/// `roots` and every request made, directly or not, by the jobs serving them.
fn with_descendants(trace: &Trace, roots: &[u64]) -> BTreeSet<u64> {
    let mut selected: BTreeSet<u64> = roots.iter().copied().collect();
    // A call's record always follows its parent's attempt, so one pass finds every level.
    for record in &trace.records {
        if let Happening::CallStarted {
            request, parent, ..
        } = record.what
        {
            if selected.contains(&parent.request) {
                selected.insert(request);
            }
        }
    }
    selected
}

/// A message between two lanes.
#[derive(Debug)]
struct Arrow {
    from: NodeId,
    to: NodeId,
    sent: SimTime,
    /// When it arrives; `None` if lost mid-way.
    arrives: Option<SimTime>,
    colour: &'static str,
    dashed: bool,
    label: String,
}

/// A message lost on the way (dropped, or refused by the network).
#[derive(Debug)]
struct Lost {
    from: NodeId,
    to: NodeId,
    sent: SimTime,
    colour: &'static str,
    dashed: bool,
    label: String,
    /// For a refusal: when the sender learns of it (drawn as a dashed line back).
    back: Option<SimTime>,
}

/// A worker holding a job.
#[derive(Debug)]
struct Bar {
    lane: NodeId,
    from: SimTime,
    to: Option<SimTime>,
}

/// A mark on one lane.
#[derive(Debug)]
struct Mark {
    lane: NodeId,
    at: SimTime,
    glyph: Glyph,
    colour: &'static str,
    label: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Glyph {
    /// A cross (timeout, black hole).
    Cross,
    /// A circle with a bar (refused by the caller's own guards).
    Forbidden,
    /// A dot (queued, dropped from a queue, crash).
    Dot,
}

/// A horizontal line across every lane (faults starting or ending, the window's end).
#[derive(Debug)]
struct Rule {
    at: SimTime,
    colour: &'static str,
    label: String,
}

/// Everything drawn, in trace terms.
#[derive(Debug, Default)]
struct Scene {
    arrows: Vec<Arrow>,
    lost: Vec<Lost>,
    bars: Vec<Bar>,
    marks: Vec<Mark>,
    rules: Vec<Rule>,
    /// Queue waits: lane, from, to.
    waits: Vec<(NodeId, SimTime, Option<SimTime>)>,
}

impl Scene {
    fn build(trace: &Trace, selected: &BTreeSet<u64>) -> Scene {
        let mut scene = Scene::default();
        let used = late_replies(&trace.records);
        let mut retries: BTreeMap<u64, u32> = BTreeMap::new();
        let mut open: BTreeMap<(NodeId, AttemptRef), Vec<usize>> = BTreeMap::new();
        let mut queued: BTreeMap<(NodeId, AttemptRef), Vec<usize>> = BTreeMap::new();
        for record in &trace.records {
            let at = record.at;
            if let Happening::Fault { fault, start } = record.what {
                let f = &trace.faults[fault as usize];
                let verb = if start { "starts" } else { "ends" };
                scene.rules.push(Rule {
                    at,
                    colour: ERROR,
                    label: format!("{} {} {verb}", f.kind, f.target),
                });
                continue;
            }
            if let Happening::JobsLost { replica, jobs } = record.what {
                for ((lane, _), bars) in open.iter_mut() {
                    if *lane == replica {
                        for index in bars.drain(..) {
                            scene.bars[index].to = Some(at);
                        }
                    }
                }
                if jobs > 0 {
                    scene.marks.push(Mark {
                        lane: replica,
                        at,
                        glyph: Glyph::Dot,
                        colour: ERROR,
                        label: format!("crash: {jobs} jobs lost"),
                    });
                }
                continue;
            }
            if !request_of(&record.what).is_some_and(|r| selected.contains(&r)) {
                continue;
            }
            scene.add(record, &used, &mut retries, &mut open, &mut queued);
        }
        // Messages may arrive after the last recorded event; mark where the record stops.
        let end = match trace.records.last() {
            Some(last) if trace.truncated => last.at,
            _ => trace.to,
        };
        if scene.instants().last().is_some_and(|&t| t >= end) {
            scene.rules.push(Rule {
                at: end,
                colour: LATE,
                label: "end of the trace: nothing is recorded below".to_string(),
            });
        }
        scene
    }

    fn add(
        &mut self,
        record: &TraceRecord,
        used: &BTreeMap<(AttemptRef, SimTime), bool>,
        retries: &mut BTreeMap<u64, u32>,
        open: &mut BTreeMap<(NodeId, AttemptRef), Vec<usize>>,
        queued: &mut BTreeMap<(NodeId, AttemptRef), Vec<usize>>,
    ) {
        let at = record.at;
        match record.what {
            Happening::AttemptSent {
                from,
                to,
                attempt,
                hedge,
                transit,
                ..
            } => {
                let (colour, label) = if hedge {
                    (HEDGE, format!("r{} hedge", attempt.request))
                } else {
                    let n = retries.entry(attempt.request).or_insert(0);
                    *n += 1;
                    let label = match *n {
                        1 => format!("r{}", attempt.request),
                        n => format!("r{} retry {}", attempt.request, n - 1),
                    };
                    (REQUEST, label)
                };
                self.message(from, to, at, transit, colour, false, label);
            }
            Happening::ReplySent {
                from,
                to,
                attempt,
                reply,
                transit,
            } => {
                for bar in open
                    .get_mut(&(from, attempt))
                    .into_iter()
                    .flat_map(|b| b.pop())
                {
                    self.bars[bar].to = Some(at);
                }
                let arrives = match transit {
                    Transit::Delivered(t) | Transit::Duplicated(t, _) => Some(t),
                    Transit::Dropped | Transit::Refused(_) => None,
                };
                let late = arrives.is_some_and(|t| used.get(&(attempt, t)) == Some(&false));
                let (colour, word) = reply_style(reply);
                // Successful replies need no word: their colour says it.
                let (colour, label) = if late {
                    (LATE, format!("{word} (late)"))
                } else if reply == Reply::Ok {
                    (colour, String::new())
                } else {
                    (colour, word.to_string())
                };
                self.message(from, to, at, transit, colour, true, label);
            }
            Happening::Admission {
                replica,
                attempt,
                admitted,
            } => self.admission(replica, attempt, admitted, at, open, queued),
            Happening::Dequeued {
                replica, attempt, ..
            } => {
                for wait in queued
                    .get_mut(&(replica, attempt))
                    .into_iter()
                    .flat_map(|w| w.pop())
                {
                    self.waits[wait].2 = Some(at);
                }
                open.entry((replica, attempt))
                    .or_default()
                    .push(self.bars.len());
                self.bars.push(Bar {
                    lane: replica,
                    from: at,
                    to: None,
                });
            }
            Happening::Unqueued {
                replica,
                attempt,
                cancelled,
            } => {
                for wait in queued
                    .get_mut(&(replica, attempt))
                    .into_iter()
                    .flat_map(|w| w.pop())
                {
                    self.waits[wait].2 = Some(at);
                }
                let why = if cancelled {
                    "lost hedge race"
                } else {
                    "expired"
                };
                self.mark(
                    replica,
                    at,
                    Glyph::Dot,
                    LATE,
                    format!("r{} {why}", attempt.request),
                );
            }
            Happening::Shed {
                replica, attempt, ..
            } => {
                for wait in queued
                    .get_mut(&(replica, attempt))
                    .into_iter()
                    .flat_map(|w| w.pop())
                {
                    self.waits[wait].2 = Some(at);
                }
                self.mark(
                    replica,
                    at,
                    Glyph::Dot,
                    FULL,
                    format!("r{} shed", attempt.request),
                );
            }
            Happening::Timeout {
                caller, attempt, ..
            } => self.mark(
                caller,
                at,
                Glyph::Cross,
                ERROR,
                format!("timeout r{}", attempt.request),
            ),
            Happening::RejectedLocally {
                caller,
                request,
                reason,
                ..
            } => {
                let why = match reason {
                    LocalRejection::BreakerOpen => "breaker open",
                    LocalRejection::Throttled => "throttled",
                    LocalRejection::BulkheadFull => "bulkhead full",
                };
                self.mark(
                    caller,
                    at,
                    Glyph::Forbidden,
                    GUARD,
                    format!("{why} r{request}"),
                );
            }
            Happening::RetryDenied { caller, request } => self.mark(
                caller,
                at,
                Glyph::Forbidden,
                GUARD,
                format!("no retry budget r{request}"),
            ),
            Happening::DeadlineExceeded { caller, request } => self.mark(
                caller,
                at,
                Glyph::Cross,
                ERROR,
                format!("deadline r{request}"),
            ),
            Happening::RequestDone {
                caller,
                request,
                outcome: Done::Failed,
                attempts,
                ..
            } => self.mark(
                caller,
                at,
                Glyph::Dot,
                ERROR,
                format!("r{request} failed after {attempts}"),
            ),
            Happening::Cache {
                caller,
                request,
                outcome,
            } => {
                let (colour, label) = match outcome {
                    CacheOutcome::Hit => (OK, "cache hit"),
                    CacheOutcome::Joined => (LATE, "joins fetch"),
                    CacheOutcome::Stale => (GARBAGE, "served stale"),
                    CacheOutcome::Fetch => return,
                };
                self.mark(
                    caller,
                    at,
                    Glyph::Dot,
                    colour,
                    format!("{label} r{request}"),
                );
            }
            _ => {}
        }
    }

    fn admission(
        &mut self,
        replica: NodeId,
        attempt: AttemptRef,
        admitted: Admitted,
        at: SimTime,
        open: &mut BTreeMap<(NodeId, AttemptRef), Vec<usize>>,
        queued: &mut BTreeMap<(NodeId, AttemptRef), Vec<usize>>,
    ) {
        let request = attempt.request;
        match admitted {
            Admitted::Started(_) => {
                open.entry((replica, attempt))
                    .or_default()
                    .push(self.bars.len());
                self.bars.push(Bar {
                    lane: replica,
                    from: at,
                    to: None,
                });
            }
            Admitted::Queued => {
                queued
                    .entry((replica, attempt))
                    .or_default()
                    .push(self.waits.len());
                self.waits.push((replica, at, None));
            }
            Admitted::ReplicaDown(models::Unreachable::BlackHole) => {
                self.mark(
                    replica,
                    at,
                    Glyph::Cross,
                    LATE,
                    format!("r{request} black-holed"),
                );
            }
            Admitted::QueueFull
            | Admitted::Expired
            | Admitted::ErrorBurst
            | Admitted::BadVersion
            | Admitted::Component(_)
            | Admitted::ClientError
            | Admitted::RateLimited
            | Admitted::Shed
            | Admitted::Locked
            | Admitted::ReplicaDown(models::Unreachable::Refuse) => {}
        }
    }

    #[allow(clippy::too_many_arguments)] // One call site per kind of message; a struct adds nothing.
    fn message(
        &mut self,
        from: NodeId,
        to: NodeId,
        sent: SimTime,
        transit: Transit,
        colour: &'static str,
        dashed: bool,
        label: String,
    ) {
        let lost = |colour: &'static str, label: String, back: Option<SimTime>| Lost {
            from,
            to,
            sent,
            colour,
            dashed,
            label,
            back,
        };
        let mut arrow = |arrives: Option<SimTime>, label: String| {
            self.arrows.push(Arrow {
                from,
                to,
                sent,
                arrives,
                colour,
                dashed,
                label,
            });
        };
        match transit {
            Transit::Delivered(t) => arrow(Some(t), label),
            Transit::Duplicated(a, b) => {
                arrow(Some(a), label.clone());
                arrow(Some(b), format!("{label} (duplicate)"));
            }
            Transit::Dropped if label.is_empty() => {
                let l = lost(colour, "reply lost".to_string(), None);
                self.lost.push(l);
            }
            Transit::Dropped => {
                let l = lost(colour, format!("{label} lost"), None);
                self.lost.push(l);
            }
            Transit::Refused(back) => {
                let l = lost(REFUSED, format!("{label} refused"), Some(back));
                self.lost.push(l);
            }
        }
    }

    fn mark(
        &mut self,
        lane: NodeId,
        at: SimTime,
        glyph: Glyph,
        colour: &'static str,
        label: String,
    ) {
        self.marks.push(Mark {
            lane,
            at,
            glyph,
            colour,
            label,
        });
    }

    /// Every instant the diagram places, sorted and distinct.
    fn instants(&self) -> Vec<SimTime> {
        let mut all: BTreeSet<SimTime> = BTreeSet::new();
        for a in &self.arrows {
            all.insert(a.sent);
            all.extend(a.arrives);
        }
        for l in &self.lost {
            all.insert(l.sent);
            all.extend(l.back);
        }
        for b in &self.bars {
            all.insert(b.from);
            all.extend(b.to);
        }
        for w in &self.waits {
            all.insert(w.1);
            all.extend(w.2);
        }
        all.extend(self.marks.iter().map(|m| m.at));
        all.into_iter().collect()
    }
}

/// Whether the caller still waited for each reply that arrived: (attempt, arrival) → used.
fn late_replies(records: &[TraceRecord]) -> BTreeMap<(AttemptRef, SimTime), bool> {
    records
        .iter()
        .filter_map(|r| match r.what {
            Happening::Response { attempt, used, .. } => Some(((attempt, r.at), used)),
            _ => None,
        })
        .collect()
}

/// The request a record concerns, if any.
fn request_of(what: &Happening) -> Option<u64> {
    match *what {
        Happening::Arrival { request, .. }
        | Happening::Retry { request, .. }
        | Happening::Hedge { request, .. }
        | Happening::CallStarted { request, .. }
        | Happening::RejectedLocally { request, .. }
        | Happening::RetryScheduled { request, .. }
        | Happening::RetryDenied { request, .. }
        | Happening::DeadlineExceeded { request, .. }
        | Happening::BulkheadWaitOver { request, .. }
        | Happening::BulkheadQueued { request, .. }
        | Happening::Cache { request, .. }
        | Happening::RequestDone { request, .. } => Some(request),
        Happening::AttemptArrived { attempt, .. }
        | Happening::WorkDone { attempt, .. }
        | Happening::Response { attempt, .. }
        | Happening::Timeout { attempt, .. }
        | Happening::AttemptSent { attempt, .. }
        | Happening::Admission { attempt, .. }
        | Happening::Dequeued { attempt, .. }
        | Happening::Unqueued { attempt, .. }
        | Happening::Shed { attempt, .. }
        | Happening::ReplySent { attempt, .. }
        | Happening::TiedCancel { attempt, .. } => Some(attempt.request),
        Happening::Fault { .. }
        | Happening::Stale { .. }
        | Happening::UserTimer { .. }
        | Happening::QueueVisible { .. }
        | Happening::Deploy { .. }
        | Happening::Autoscale { .. }
        | Happening::OutboxRelay { .. }
        | Happening::JobsLost { .. } => None,
    }
}

/// A reply's colour and word.
fn reply_style(reply: Reply) -> (&'static str, &'static str) {
    match reply {
        Reply::Ok => (OK, "ok"),
        Reply::Garbage => (GARBAGE, "garbage"),
        Reply::Rejected => (FULL, "queue full"),
        Reply::Error => (ERROR, "error"),
        Reply::Refused => (REFUSED, "refused"),
        Reply::ClientError => (ERROR, "client error"),
        Reply::RateLimited => (FULL, "rate limited"),
        Reply::Conflict => (FULL, "conflict"),
        Reply::Degraded => (OK, "degraded"),
    }
}

mod draw;
#[cfg(test)]
mod tests;
