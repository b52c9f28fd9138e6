//! A client: its arrival sources (`arrival`) plus the bookkeeping of its requests' fates.
//!
//! A client entry may stand for a group of `count` identical clients: each member has its
//! own arrival sources and streams (`arrival`; a Poisson group is one source of the
//! members' summed rate), and the group keeps one set of figures (counts, histograms,
//! per-second series), so a group of 10,000 costs about as much memory as one client plus
//! its members' streams. Members' own counts (no histograms, no series)
//! are kept only when the configuration asks (`report_members`).
//!
//! The client owns the streams `client/NAME/jitter` (retry jitter) and, with request
//! classes, `client/NAME/class` (which class each request is); its sources own the arrival
//! streams (`arrival`). Changing its retry policy never changes when its requests arrive
//! (common random numbers across variants). Routing and timers belong to `world`.

use sim_core::{CountSeries, Histogram, LevelSeries, QuantileSeries, SimDuration, SimTime, Stream};

use crate::arrival::{Arrivals, Spike};
use crate::config::{ClassId, ClientConfig, SERIES_INTERVAL};
use crate::failure::{Failure, FailureCounts};
use crate::guard::GuardState;
use crate::result::{ClientResult, ClientSeries, MemberResult, RequestClassResult};

/// One client's configuration, streams and counters.
#[derive(Debug)]
pub struct Client {
    /// The validated configuration.
    pub config: ClientConfig,
    /// Every member's arrival sources.
    pub(crate) arrivals: Arrivals,
    /// Draws retry jitter.
    pub jitter_stream: Stream,
    /// The request classes' draws and figures; `None` without classes.
    pub(crate) classes: Option<Box<Classes>>,
    /// Each member's own counts, when reported individually (else empty).
    pub members: Vec<MemberCounts>,
    /// Its users wait for each outcome (closed loop or sessions), decided once.
    pub(crate) waits: bool,
    /// A plain open-loop client: no users, no classes, no members reported (so a request
    /// needs no class draw, no session and no member's count), decided once.
    pub(crate) plain: bool,
    /// No classes and no members reported: a request's outcome is counted by the client's
    /// own counters alone, decided once.
    pub(crate) counted_once: bool,
    /// Counters over requests that arrived after the warm-up.
    pub counts: ClientCounts,
    /// End-to-end latency of successful requests.
    pub latency: Histogram,
    /// Time from arrival to the moment its caller gave up, of every measured failed request
    /// (merged with `latency` into `ClientResult::latency_all`, so a success costs one
    /// histogram record, not two).
    pub latency_failed: Histogram,
    /// Measured failed requests by cause.
    pub failures: FailureCounts,
    /// Successes within each latency mark, parallel to `config.latency_marks`.
    pub within_marks: Vec<u64>,
    /// Per-second history, warm-up included.
    pub history: ClientHistory,
    /// Budget, breaker and throttle in front of the target.
    pub guards: GuardState,
}

/// The per-second series a client records.
#[derive(Clone, Debug)]
pub struct ClientHistory {
    /// New requests.
    pub offered: CountSeries,
    /// Attempts sent.
    pub attempts: CountSeries,
    /// Successful requests.
    pub goodput: CountSeries,
    /// Failed requests.
    pub failed: CountSeries,
    /// Timed-out attempts.
    pub timeouts: CountSeries,
    /// Latency p50 and p99 of successes.
    pub latency: QuantileSeries,
    /// Requests issued and not yet resolved, as a level over time.
    pub in_flight: LevelSeries,
    /// Per latency mark, successes within it.
    pub within: Vec<CountSeries>,
    /// The current number of unresolved requests.
    open: u64,
}

impl ClientHistory {
    /// A request was issued at `now`.
    pub fn opened(&mut self, now: SimTime) {
        self.open += 1;
        self.in_flight.set(now, self.open);
    }

    /// A request was resolved (succeeded or failed) at `now`.
    pub fn closed(&mut self, now: SimTime) {
        self.open = self.open.saturating_sub(1);
        self.in_flight.set(now, self.open);
    }

    fn new(interval: SimDuration, marks: usize) -> ClientHistory {
        ClientHistory {
            offered: CountSeries::new(interval),
            attempts: CountSeries::new(interval),
            goodput: CountSeries::new(interval),
            failed: CountSeries::new(interval),
            timeouts: CountSeries::new(interval),
            latency: QuantileSeries::new(interval, &[0.5, 0.99]),
            in_flight: LevelSeries::new(interval),
            within: (0..marks).map(|_| CountSeries::new(interval)).collect(),
            open: 0,
        }
    }

    fn result(&self, end: SimTime) -> ClientSeries {
        let rows = self.latency.rows(end);
        ClientSeries {
            offered_per_s: self.offered.rates_per_s(end),
            attempts_per_s: self.attempts.rates_per_s(end),
            goodput_per_s: self.goodput.rates_per_s(end),
            failed_per_s: self.failed.rates_per_s(end),
            timeouts_per_s: self.timeouts.rates_per_s(end),
            latency_p50_ms: rows
                .iter()
                .map(|r| r.as_ref().map(|r| r[0] / 1e6))
                .collect(),
            latency_p99_ms: rows
                .iter()
                .map(|r| r.as_ref().map(|r| r[1] / 1e6))
                .collect(),
            breaker_open: Vec::new(),
            in_flight: self.in_flight.means(end),
            within_per_s: self.within.iter().map(|w| w.rates_per_s(end)).collect(),
        }
    }
}

/// Counters of a client's measured requests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ClientCounts {
    /// Requests issued.
    pub requests: u64,
    /// Requests that succeeded.
    pub succeeded: u64,
    /// Requests that ran out of attempts.
    pub failed: u64,
    /// Attempts sent.
    pub attempts: u64,
    /// Attempts that timed out.
    pub timeouts: u64,
    /// Attempts rejected for overload (a full queue, or shed from one).
    pub rejections: u64,
    /// Attempts answered with an error (a failed downstream call).
    pub errors: u64,
    /// Attempts refused (connection errors).
    pub refused: u64,
    /// Successful requests whose reply was garbage.
    pub garbage: u64,
    /// Requests failed by their overall deadline.
    pub deadline_exceeded: u64,
    /// Attempts answered with a non-retryable (4xx-like) error; each fails its request.
    pub non_retryable: u64,
    /// Attempts turned away by the target's rate limit.
    pub rate_limited: u64,
    /// Successful requests whose answer was degraded.
    pub degraded: u64,
    /// Attempts answered with an idempotency conflict.
    pub conflicts: u64,
}

/// One member's own counts of its measured requests (`report_members`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MemberCounts {
    /// Requests issued.
    pub requests: u64,
    /// Requests that succeeded.
    pub succeeded: u64,
    /// Requests that failed.
    pub failed: u64,
    /// Attempts sent.
    pub attempts: u64,
    /// The sum of the successes' latencies, in nanoseconds (for their mean).
    pub latency_sum_ns: u128,
}

/// A client's request classes: the stream that draws them and what each measured.
#[derive(Debug)]
pub(crate) struct Classes {
    stream: Stream,
    /// Cumulative weights, parallel to the classes.
    cumulative: Vec<f64>,
    /// Each class's world-wide number.
    ids: Vec<ClassId>,
    /// The number of the client's first class: class `id` is `classes[id - first]`.
    first: u16,
    /// Per class, in the client's order.
    figures: Vec<ClassFigures>,
}

/// What one request class measured (its measured requests only).
#[derive(Debug)]
struct ClassFigures {
    requests: u64,
    succeeded: u64,
    failed: u64,
    latency: Histogram,
    /// The class's latency marks (from its SLOs) and the successes within each.
    marks: Vec<SimDuration>,
    within_marks: Vec<u64>,
}

impl Classes {
    fn new(config: &ClientConfig, seed: u64) -> Option<Box<Classes>> {
        let first = config.classes.first()?.id.0;
        let mut total = 0.0;
        Some(Box::new(Classes {
            stream: Stream::new(seed, &format!("client/{}/class", config.name)),
            cumulative: config
                .classes
                .iter()
                .map(|c| {
                    total += c.weight;
                    total
                })
                .collect(),
            ids: config.classes.iter().map(|c| c.id).collect(),
            first,
            figures: config
                .classes
                .iter()
                .map(|c| ClassFigures {
                    requests: 0,
                    succeeded: 0,
                    failed: 0,
                    latency: Histogram::new(),
                    marks: c.latency_marks.clone(),
                    within_marks: vec![0; c.latency_marks.len()],
                })
                .collect(),
        }))
    }

    /// The class of a new request: the one a trace gives (an index), or one drawn by weight.
    fn draw(&mut self, traced: Option<u16>) -> ClassId {
        if let Some(index) = traced {
            return self.ids[usize::from(index)];
        }
        let u = self.stream.unit();
        let index = self.cumulative.partition_point(|c| *c <= u);
        // Rounding can leave the last cumulative weight a hair below 1: use the last class.
        self.ids[index.min(self.ids.len() - 1)]
    }

    fn figures(&mut self, class: ClassId) -> &mut ClassFigures {
        &mut self.figures[usize::from(class.0 - self.first)]
    }
}

impl Client {
    /// A client whose streams derive from `seed` and its name; `spikes` are its load-spike
    /// windows (start, end, rate factor); arrivals end at `end`.
    pub fn new(config: ClientConfig, seed: u64, spikes: Vec<Spike>, end: SimTime) -> Client {
        let jitter_stream = Stream::new(seed, &format!("client/{}/jitter", config.name));
        let marks = config.latency_marks.len();
        let throttle_stream = format!("client/{}/throttle", config.name);
        let guards = GuardState::new(&config.guards, seed, &throttle_stream);
        let arrivals = Arrivals::new(&config, seed, spikes, end);
        let members = if config.report_members {
            vec![MemberCounts::default(); config.count as usize]
        } else {
            Vec::new()
        };
        let classes = Classes::new(&config, seed);
        let waits = arrivals.waits();
        Client {
            waits,
            plain: !waits && classes.is_none() && !config.report_members,
            counted_once: classes.is_none() && !config.report_members,
            config,
            arrivals,
            jitter_stream,
            classes,
            members,
            counts: ClientCounts::default(),
            latency: Histogram::new(),
            latency_failed: Histogram::new(),
            failures: FailureCounts::default(),
            within_marks: vec![0; marks],
            // `end` is the run's duration from time zero: the series' rows follow from it.
            history: ClientHistory::new(
                sim_core::series::interval_for(end.since(SimTime::ZERO)),
                marks,
            ),
            guards,
        }
    }

    /// A measured request of source `tag`, of request class `class`, was issued: its
    /// member's and its class's counts (the client's own `counts` are the caller's).
    pub(crate) fn count_request(&mut self, tag: u32, class: ClassId) {
        if !self.members.is_empty() {
            let member = self.arrivals.member_of(tag);
            self.members[member as usize].requests += 1;
        }
        if class != ClassId::NONE {
            self.class_figures(class).requests += 1;
        }
    }

    /// The class of a new request (`ClassId::NONE` without classes): the one a trace names
    /// (an index into the client's classes), or one drawn by weight.
    #[inline]
    pub(crate) fn draw_class(&mut self, traced: Option<u16>) -> ClassId {
        match &mut self.classes {
            None => ClassId::NONE,
            Some(classes) => classes.draw(traced),
        }
    }

    fn class_figures(&mut self, class: ClassId) -> &mut ClassFigures {
        self.classes
            .as_mut()
            .expect("a request has a class only if its client has classes")
            .figures(class)
    }

    /// A measured request of `member`, of `class`, ended after `elapsed`, successfully or
    /// not: the member's and the class's own counts (the client's are `record_success` and
    /// `record_failure`).
    pub(crate) fn record_outcome(
        &mut self,
        member: u32,
        class: ClassId,
        elapsed: SimDuration,
        ok: bool,
    ) {
        if let Some(m) = self.members.get_mut(member as usize) {
            if ok {
                m.succeeded += 1;
                m.latency_sum_ns += u128::from(elapsed.as_nanos());
            } else {
                m.failed += 1;
            }
        }
        if class == ClassId::NONE {
            return;
        }
        let figures = self.class_figures(class);
        if ok {
            figures.succeeded += 1;
            figures.latency.record(elapsed);
            for (mark, within) in figures.marks.iter().zip(&mut figures.within_marks) {
                if elapsed <= *mark {
                    *within += 1;
                }
            }
        } else {
            figures.failed += 1;
        }
    }

    /// Records a success at `now` with the given end-to-end latency; `measured` requests
    /// (arrived after the warm-up) also count in the totals.
    #[inline]
    pub fn record_success(&mut self, now: SimTime, latency: SimDuration, measured: bool) {
        self.history.goodput.add(now, 1);
        self.history.latency.record(now, latency);
        for (mark, within) in self
            .config
            .latency_marks
            .iter()
            .zip(&mut self.history.within)
        {
            if latency <= *mark {
                within.add(now, 1);
            }
        }
        if !measured {
            return;
        }
        self.counts.succeeded += 1;
        self.latency.record(latency);
        for (mark, within) in self.config.latency_marks.iter().zip(&mut self.within_marks) {
            if latency <= *mark {
                *within += 1;
            }
        }
    }

    /// Records a request that failed at `now`, `elapsed` after it arrived, for `cause`;
    /// `measured` requests also count in the totals.
    pub fn record_failure(
        &mut self,
        now: SimTime,
        elapsed: SimDuration,
        cause: Failure,
        measured: bool,
    ) {
        self.history.failed.add(now, 1);
        if !measured {
            return;
        }
        self.counts.failed += 1;
        self.failures.add(cause);
        self.latency_failed.record(elapsed);
    }

    /// The client's per-second series up to `end`.
    pub fn series(&self, end: SimTime) -> ClientSeries {
        ClientSeries {
            // The breaker keeps its open fraction per second: read it at the series' interval.
            breaker_open: sim_core::series::coarsen_means(
                &self.guards.breaker_open_per_s(end),
                (self.history.offered.interval().as_nanos() / SERIES_INTERVAL.as_nanos()) as usize,
            ),
            ..self.history.result(end)
        }
    }

    /// The client's measurements up to `end`, with `in_flight` = measured requests unresolved,
    /// whose ages at `end` are `unresolved` (they join `latency_all` at those ages: lower
    /// bounds of the time they will take).
    pub fn result(&self, end: SimTime, unresolved: &[SimDuration]) -> ClientResult {
        let c = self.counts;
        assert_eq!(
            unresolved.len() as u64,
            c.requests - c.succeeded - c.failed,
            "every measured request is resolved or unresolved at the end"
        );
        let mut latency_all = self.latency.clone();
        latency_all.merge(&self.latency_failed);
        for &age in unresolved {
            latency_all.record(age);
        }
        ClientResult {
            name: self.config.name.clone(),
            requests: c.requests,
            succeeded: c.succeeded,
            failed: c.failed,
            in_flight: c.requests - c.succeeded - c.failed,
            attempts: c.attempts,
            timeouts: c.timeouts,
            rejections: c.rejections,
            errors: c.errors,
            refused: c.refused,
            garbage: c.garbage,
            deadline_exceeded: c.deadline_exceeded,
            non_retryable: c.non_retryable,
            rate_limited: c.rate_limited,
            guards: self.guards.counts,
            latency: self.latency.clone(),
            latency_all,
            failures: self.failures,
            within_marks: self
                .config
                .latency_marks
                .iter()
                .copied()
                .zip(self.within_marks.iter().copied())
                .collect(),
            series: self.series(end),
            degraded: c.degraded,
            conflicts: c.conflicts,
            cache: None,
            database: None,
            quorum: None,
            leader_writes: None,
            count: self.config.count,
            members: self
                .members
                .iter()
                .enumerate()
                .map(|(i, m)| MemberResult {
                    name: crate::arrival::member_name(
                        &self.config.name,
                        self.config.count,
                        i as u32,
                    ),
                    requests: m.requests,
                    succeeded: m.succeeded,
                    failed: m.failed,
                    attempts: m.attempts,
                    latency_sum_ns: m.latency_sum_ns,
                })
                .collect(),
            classes: self.class_results(),
        }
    }
}

impl Client {
    /// What each request class measured, in the client's order (empty without classes).
    fn class_results(&self) -> Vec<RequestClassResult> {
        let Some(classes) = &self.classes else {
            return Vec::new();
        };
        self.config
            .classes
            .iter()
            .zip(&classes.figures)
            .map(|(class, f)| RequestClassResult {
                name: class.name.clone(),
                requests: f.requests,
                succeeded: f.succeeded,
                failed: f.failed,
                latency: f.latency.clone(),
                within_marks: class
                    .latency_marks
                    .iter()
                    .copied()
                    .zip(f.within_marks.iter().copied())
                    .collect(),
            })
            .collect()
    }
}
