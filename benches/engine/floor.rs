//! Rows (d0) to (d4) of the engine bench: the floor under row (d), step by step.
//!
//! (d0) is row (a)'s M/M/1 on the engine, with the world's batched draws, keeping every figure
//! a whole run keeps for an M/M/1 client and service (its counters, histograms, time averages
//! and per-interval series), and nothing else: what row (d) would cost if a world did nothing
//! but queue and measure. (d1) adds a request's two messages, each a zero-latency hop through
//! the engine's next lane, as the world sends them. (d2) adds its three records (request,
//! attempt and job: 128 bytes each here, 128, 128 and 104 in the world; in slot maps as the
//! world keeps them), stored on arrival,
//! looked up on each hop and removed when the reply comes back. What row (d) costs above (d2)
//! is the world's generality: its policies, faults, routing and bookkeeping of who holds what.
//! (d3) and (d4) keep one or three records without the messages: the floor of a world whose
//! hops were not events of their own.

use std::collections::VecDeque;

use slotmap::{DefaultKey, Key, KeyData, SlotMap};

use sim_core::{
    Context, CountSeries, Distribution, Draws, Histogram, LevelSeries, Model, QuantileSeries,
    SimDuration, SimTime, Simulation, Stream, TimeAverage, TraceCode,
};

use super::{compare, minimal, mm1, nanos_per, Row, Table, Target, LIMITS_NONE, REPEATS, SEED};

/// An arrival at the client, a request reaching the server, the server's departure, or a
/// reply reaching the client; the hops carry the request's key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Event {
    Arrival,
    Deliver(u64),
    Departure,
    Reply(u64),
}

impl TraceCode for Event {
    fn trace_code(&self) -> u64 {
        match self {
            Event::Arrival => 1 << 56,
            Event::Deliver(key) => 2 << 56 ^ key,
            Event::Departure => 3 << 56,
            Event::Reply(key) => 4 << 56 ^ key,
        }
    }
}

/// What the world keeps for one client (`models::client::Client` and its history).
struct ClientFigures {
    requests: u64,
    succeeded: u64,
    open: u64,
    offered: CountSeries,
    attempts: CountSeries,
    goodput: CountSeries,
    in_flight: LevelSeries,
    latency_series: QuantileSeries,
    latency: Histogram,
}

/// What the world keeps for one service (`models::service::Service` and its history).
struct ServiceFigures {
    queued: u64,
    busy: u64,
    queue_len: TimeAverage,
    busy_time: TimeAverage,
    queue_len_series: LevelSeries,
    busy_series: LevelSeries,
    arrivals: CountSeries,
    completed: CountSeries,
    wait: Histogram,
    sojourn: Histogram,
}

/// A record of the world's size (`Request` and `Attempt` are 128 bytes, `Job` 104).
#[derive(Clone, Copy)]
struct Record {
    arrived: SimTime,
    hops: u64,
    /// The rest of a record of the world's size.
    _rest: [u64; 14],
}

/// The M/M/1 with its figures; `MESSAGES`: the hops are events; `RECORDS`: records kept.
struct Floor<const MESSAGES: bool, const RECORDS: usize> {
    gaps: Draws<SimDuration>,
    works: Draws<SimDuration>,
    arrival_stream: Stream,
    service_stream: Stream,
    gap: Distribution,
    work: Distribution,
    arrivals_left: u64,
    /// The customers at the server (arrival time and key), the one in service first.
    present: VecDeque<(SimTime, u64)>,
    records: [SlotMap<DefaultKey, Record>; RECORDS],
    client: ClientFigures,
    service: ServiceFigures,
}

impl<const MESSAGES: bool, const RECORDS: usize> Floor<MESSAGES, RECORDS> {
    fn new(customers: u64) -> Self {
        // The world's series interval for row (d)'s run (`sim_core::series::interval_for`).
        let interval = sim_core::series::interval_for(SimDuration::from_secs(customers / 900));
        let exponential = |mean: f64| Distribution::Exponential {
            mean: SimDuration::from_nanos(mean as u64),
        };
        Floor {
            gaps: Draws::new(),
            works: Draws::new(),
            arrival_stream: Stream::new(SEED, "floor/arrival"),
            service_stream: Stream::new(SEED, "floor/service"),
            gap: exponential(mm1::INTERARRIVAL_MEAN_NANOS),
            work: exponential(mm1::SERVICE_MEAN_NANOS),
            arrivals_left: customers - 1,
            present: VecDeque::new(),
            records: std::array::from_fn(|_| SlotMap::new()),
            client: ClientFigures {
                requests: 0,
                succeeded: 0,
                open: 0,
                offered: CountSeries::new(interval),
                attempts: CountSeries::new(interval),
                goodput: CountSeries::new(interval),
                in_flight: LevelSeries::new(interval),
                latency_series: QuantileSeries::new(interval, &[0.5, 0.99]),
                latency: Histogram::new(),
            },
            service: ServiceFigures {
                queued: 0,
                busy: 0,
                queue_len: TimeAverage::new(SimTime::ZERO),
                busy_time: TimeAverage::new(SimTime::ZERO),
                queue_len_series: LevelSeries::new(interval),
                busy_series: LevelSeries::new(interval),
                arrivals: CountSeries::new(interval),
                completed: CountSeries::new(interval),
                wait: Histogram::new(),
                sojourn: Histogram::new(),
            },
        }
    }

    /// Each record of the request `key`, to touch on a hop.
    fn touch(&mut self, key: u64) {
        let key: DefaultKey = KeyData::from_ffi(key).into();
        for records in &mut self.records {
            records[key].hops += 1;
        }
    }

    /// A new request arrives at the client: it is counted and stored, and sent.
    fn arrive(&mut self, now: SimTime, ctx: &mut Context<'_, Event>) {
        if self.arrivals_left > 0 {
            self.arrivals_left -= 1;
            let (gap, stream) = (&self.gap, &mut self.arrival_stream);
            let gap = self.gaps.take_filled(|b| gap.fill(stream, b));
            // Never cancelled, as the world files its arrivals.
            ctx.schedule_at_uncancellable(now.add(gap), Event::Arrival);
        }
        let c = &mut self.client;
        c.requests += 1;
        c.offered.add(now, 1);
        c.open += 1;
        c.in_flight.set(now, c.open);
        c.attempts.add(now, 1);
        let record = Record {
            arrived: now,
            hops: 0,
            _rest: [0; 14],
        };
        // The records share their slot maps' order, so one key names all three; without
        // records, the key is the arrival time.
        let mut key = now.as_nanos();
        for records in &mut self.records {
            key = records.insert(record).data().as_ffi();
        }
        if MESSAGES {
            ctx.schedule_next(Event::Deliver(key));
        } else {
            self.deliver(now, key, ctx);
        }
    }

    /// The request `key` reaches the server: served at once or queued.
    fn deliver(&mut self, now: SimTime, key: u64, ctx: &mut Context<'_, Event>) {
        let s = &mut self.service;
        s.arrivals.add(now, 1);
        self.present.push_back((now, key));
        if s.busy == 0 {
            s.busy = 1;
            s.busy_time.set(now, s.busy);
            s.busy_series.set(now, s.busy);
            self.start(now, now, ctx);
        } else {
            s.queued += 1;
            s.queue_len.set(now, s.queued);
            s.queue_len_series.set(now, s.queued);
        }
    }

    /// Starts the service of the customer that reached the server at `reached`.
    fn start(&mut self, now: SimTime, reached: SimTime, ctx: &mut Context<'_, Event>) {
        let (work, stream) = (&self.work, &mut self.service_stream);
        let work = self.works.take_filled(|b| work.fill(stream, b));
        self.service.wait.record(now.since(reached));
        ctx.schedule_in(work, Event::Departure);
    }

    /// The customer in service leaves: its reply goes back, the next one starts.
    fn depart(&mut self, now: SimTime, ctx: &mut Context<'_, Event>) {
        let (reached, key) = self.present.pop_front().expect("a customer is in service");
        let s = &mut self.service;
        s.completed.add(now, 1);
        s.sojourn.record(now.since(reached));
        if let Some(&(next, _)) = self.present.front() {
            s.queued -= 1;
            s.queue_len.set(now, s.queued);
            s.queue_len_series.set(now, s.queued);
            self.start(now, next, ctx);
        } else {
            s.busy = 0;
            s.busy_time.set(now, s.busy);
            s.busy_series.set(now, s.busy);
        }
        if MESSAGES {
            ctx.schedule_next(Event::Reply(key));
        } else {
            self.reply(now, key);
        }
    }

    /// The reply to the request `key` reaches the client.
    fn reply(&mut self, now: SimTime, key: u64) {
        let mut arrived = SimTime::from_nanos(key);
        let key: DefaultKey = KeyData::from_ffi(key).into();
        for records in &mut self.records {
            arrived = records
                .remove(key)
                .expect("a request is stored once")
                .arrived;
        }
        let latency = now.since(arrived);
        let c = &mut self.client;
        c.succeeded += 1;
        c.open -= 1;
        c.in_flight.set(now, c.open);
        c.goodput.add(now, 1);
        c.latency_series.record(now, latency);
        c.latency.record(latency);
    }
}

impl<const MESSAGES: bool, const RECORDS: usize> Model for Floor<MESSAGES, RECORDS> {
    type Event = Event;

    fn handle(&mut self, event: Event, ctx: &mut Context<'_, Event>) {
        let now = ctx.now();
        match event {
            Event::Arrival => self.arrive(now, ctx),
            Event::Deliver(key) => {
                self.touch(key);
                self.deliver(now, key, ctx);
            }
            Event::Departure => self.depart(now, ctx),
            Event::Reply(key) => {
                self.touch(key);
                self.reply(now, key);
            }
        }
    }
}

/// Runs a floor on the engine; returns it and the events it processed.
fn run<const MESSAGES: bool, const RECORDS: usize>() -> (Floor<MESSAGES, RECORDS>, u64) {
    let mut sim = Simulation::new(Floor::new(mm1::CUSTOMERS), LIMITS_NONE);
    sim.schedule_at(SimTime::ZERO, Event::Arrival);
    let stats = sim.run_until(SimTime::MAX).expect("no limit is set");
    (sim.into_model(), stats.events)
}

/// Times one floor against the minimal loop and adds its row.
fn row<const MESSAGES: bool, const RECORDS: usize>(table: &mut Table, name: &str) {
    let ((elapsed, (floor, events)), (baseline, _)) =
        compare(REPEATS, run::<MESSAGES, RECORDS>, minimal::row_a);
    let per_customer = if MESSAGES { 4 } else { 2 };
    assert_eq!(
        events,
        per_customer * mm1::CUSTOMERS,
        "the events of each customer"
    );
    let (c, s) = (&floor.client, &floor.service);
    assert_eq!(c.succeeded, mm1::CUSTOMERS);
    assert_eq!(c.latency.count(), mm1::CUSTOMERS);
    assert!(floor.records.iter().all(|records| records.is_empty()));
    // Theory (M/M/1, λ = 0.9 and μ = 1 per ms): W = 1/(μ − λ) = 10 ms, W_q = 9 ms; loose
    // checks that the floor is an M/M/1 at all, whatever it keeps.
    let latency_ms = c.latency.mean_nanos() / 1e6;
    let wait_ms = s.wait.mean_nanos() / 1e6;
    assert!(
        (7.0..13.0).contains(&latency_ms),
        "mean latency {latency_ms} ms, theory 10 ms"
    );
    assert!(
        (6.0..12.0).contains(&wait_ms),
        "mean wait {wait_ms} ms, theory 9 ms"
    );
    table.add(Row {
        name: name.to_string(),
        count: c.requests,
        unit: "customer",
        engine: nanos_per(elapsed, c.requests),
        baseline: nanos_per(baseline, mm1::CUSTOMERS),
        target: Target::None,
    });
}

/// Rows (d0) to (d4), each against the minimal loop, per customer.
pub fn bench(table: &mut Table) {
    row::<false, 0>(table, "(d0) floor: engine M/M/1 + figures");
    row::<true, 0>(table, "(d1) d0 + two messages a request");
    row::<true, 3>(table, "(d2) d1 + three records a request");
    // Without the messages: what a world whose hops were not events would keep at least.
    row::<false, 1>(table, "(d3) d0 + one record, no messages");
    row::<false, 3>(table, "(d4) d0 + three records, no messages");
}
