//! The event loop: pops events in `(time, sequence)` order, hands each to the model, folds it
//! into the trace hash, and enforces the run's limits.
//!
//! An event may also be scheduled to run next (`Context::schedule_next`): it runs at the
//! current time, after the event that scheduled it and before any other event due then, like
//! SimPy's "urgent" events. Models use it for messages over links without latency, which then
//! skip the queue; such events are counted, hashed and observed like the others.
//!
//! The model is the only thing that knows what events mean (`Model::handle`); this module knows
//! only time, order, limits and the hash. A handler sees a `Context`: the current time and the
//! right to schedule or cancel future events, nothing else. It schedules anything that
//! converts `Into` the model's event type, so a model may store a compact form of its events
//! (two scalars move through the queue in registers) while its handlers name the readable
//! one.

use std::collections::VecDeque;

use crate::memory::Bytes;
use crate::queue::{EventId, EventQueue};
use crate::time::{SimDuration, SimTime};
use crate::trace::{TraceCode, TraceHash};

/// A simulated world: state plus the reaction to each of its events.
pub trait Model {
    /// The closed set of events this model schedules.
    type Event: TraceCode;

    /// Reacts to one event at `ctx.now()`, scheduling or cancelling future events.
    fn handle(&mut self, event: Self::Event, ctx: &mut Context<'_, Self::Event>);

    /// The bytes of memory the model holds beyond the engine's events (requests, jobs,
    /// per-second series, ...), estimated, for the memory guard (`Limits::memory_max`). It is
    /// read after every event, so it must cost O(1). The default, 0, leaves the guard to
    /// count events alone.
    fn memory_used(&self) -> u64 {
        0
    }

    /// What holds that memory, in words (`"120000 requests, 80000 jobs"`), for the guard's
    /// message; read only when the guard trips.
    fn memory_holders(&self) -> String {
        String::new()
    }
}

/// What a handler may do: read the time, schedule, cancel.
pub struct Context<'a, E> {
    now: SimTime,
    queue: &'a mut EventQueue<E>,
    next: &'a mut VecDeque<E>,
    trace: &'a mut TraceHash,
}

impl<E> Context<'_, E> {
    /// The current virtual time.
    #[inline]
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Schedules `event` at `time` (which must not be in the past).
    #[inline]
    pub fn schedule_at(&mut self, time: SimTime, event: impl Into<E>) -> EventId {
        assert!(time >= self.now, "events are scheduled at or after now");
        self.queue.push(time, event.into())
    }

    /// Schedules `event` at `time` like `schedule_at`, for an event that will never be
    /// cancelled (it returns no handle), which makes the push cheaper.
    #[inline]
    pub fn schedule_at_uncancellable(&mut self, time: SimTime, event: impl Into<E>) {
        assert!(time >= self.now, "events are scheduled at or after now");
        self.queue.push_uncancellable(time, event.into());
    }

    /// Schedules `event` after `delay`.
    #[inline]
    pub fn schedule_in(&mut self, delay: SimDuration, event: impl Into<E>) -> EventId {
        self.queue.push(self.now.add(delay), event.into())
    }

    /// Schedules `event` at `time` like `schedule_at`, as a timer that will probably be
    /// cancelled (a timeout that a reply overtakes): timers of the same delay from now share a
    /// FIFO in the queue (`EventQueue::push_timer`), so they cost O(1) to file and to cancel.
    /// Events run in the same order as with `schedule_at`.
    #[inline]
    pub fn schedule_timer_at(&mut self, time: SimTime, event: impl Into<E>) -> EventId {
        assert!(time >= self.now, "events are scheduled at or after now");
        self.queue.push_timer(time, event.into())
    }

    /// Schedules `event` after `delay` as a timer (`schedule_timer_at`).
    #[inline]
    pub fn schedule_timer_in(&mut self, delay: SimDuration, event: impl Into<E>) -> EventId {
        self.queue.push_timer(self.now.add(delay), event.into())
    }

    /// Schedules `event` to run now, right after the current event and before every other
    /// event due now (first in, first out among such events): SimPy's "urgent" events. It
    /// cannot be cancelled; it is counted, hashed and observed like any other event.
    #[inline]
    pub fn schedule_next(&mut self, event: impl Into<E>) {
        self.next.push_back(event.into());
    }

    /// Schedules the event `build` makes after `delay` like `schedule_in`, but with
    /// `schedule_next`'s order when `delay` is zero (a message over a link without latency);
    /// it cannot be cancelled. When delays like this one `repeat` (a link of constant
    /// latency), it goes to the queue's FIFO of its delay (`EventQueue::push_timer`); else
    /// straight to the heap, without a handle (`EventQueue::push_uncancellable`), so that a
    /// delay drawn afresh for every message does not look for a list first. Either way the
    /// order is the same.
    ///
    /// It takes a builder rather than an event so that each path builds its own: given one
    /// event, the compiler built it on the stack for the queue's push and copied it from
    /// there into the next lane, a wide reload of narrow stores that stalled store forwarding
    /// (about 2% of a whole M/M/1 run; still 2.5% once the world's events were two scalars).
    #[inline]
    pub fn schedule_in_or_next<T: Into<E>>(
        &mut self,
        delay: SimDuration,
        repeat: bool,
        build: impl Fn() -> T,
    ) {
        if delay == SimDuration::ZERO {
            self.schedule_next(build());
        } else if repeat {
            self.queue.push_timer(self.now.add(delay), build().into());
        } else {
            self.queue
                .push_uncancellable(self.now.add(delay), build().into());
        }
    }

    /// Cancels a scheduled event; false if it already ran or was cancelled.
    #[inline]
    pub fn cancel(&mut self, id: EventId) -> bool {
        self.queue.cancel(id)
    }

    /// Folds an outcome the events do not show into the run's trace hash, at the current time
    /// (as `TraceHash::fold` folds an event), so that one hash covers the whole run.
    #[inline]
    pub fn fold(&mut self, code: u64) {
        self.trace.fold(self.now, code);
    }
}

/// Bounds that stop a runaway run with an error instead of exhausting memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Most events that may be scheduled at once.
    pub pending_events_max: u64,
    /// Most events a run may process.
    pub events_max: u64,
    /// Most bytes of live state: the pending events (`EventQueue::BYTES_PER_EVENT` each) plus
    /// what the model holds (`Model::memory_used`), both estimated and checked after every
    /// event. A retry storm against a long queue, a wide fan-out or long latencies hold work
    /// in flight without bound; this stops them before the process runs out of memory.
    pub memory_max: u64,
}

impl Limits {
    /// Limits that never trip (for tests and tools that bound a run otherwise).
    pub const NONE: Limits = Limits {
        pending_events_max: u64::MAX,
        events_max: u64::MAX,
        memory_max: u64::MAX,
    };
}

/// Why a run stopped before its end time.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RunError {
    /// Occurs when more events are pending than `Limits::pending_events_max` (e.g. a retry storm).
    #[error("more than {limit} events pending at {at} (limits.pending_events_max); the model is exploding, or raise the limit")]
    PendingEventsExceeded {
        /// The configured limit.
        limit: u64,
        /// Virtual time when it tripped.
        at: SimTime,
    },
    /// Occurs when the run processed more events than `Limits::events_max`.
    #[error("more than {limit} events processed by {at} (limits.events_max); shorten the run or raise the limit")]
    EventsExceeded {
        /// The configured limit.
        limit: u64,
        /// Virtual time when it tripped.
        at: SimTime,
    },
    /// Occurs when the live state (pending events plus what the model holds) is estimated
    /// at more than `Limits::memory_max` bytes (e.g. a retry storm against a long queue).
    #[error("live state passed limits.memory_max ({}) at {at}: {holders}; work in flight is piling up (a retry storm, a wide fan-out or long latencies hold it), so change the design, or raise the limit if the machine has the memory (`--max-memory {}` on the command line, or `\"limits\": {{\"memory_max\": \"{}\"}}` in the scenario)", Bytes(*limit), compact(limit.saturating_mul(2)), compact(limit.saturating_mul(2)))]
    MemoryExceeded {
        /// The configured limit, in bytes.
        limit: u64,
        /// The estimate that passed it, in bytes.
        used: u64,
        /// Virtual time when it tripped.
        at: SimTime,
        /// What held the memory, in words.
        holders: String,
    },
}

/// A size as one word (`4GiB`), to paste after `--set`.
fn compact(bytes: u64) -> String {
    Bytes(bytes).to_string().replace(' ', "")
}

/// What the engine itself measured about a finished run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunStats {
    /// Events processed.
    pub events: u64,
    /// The trace hash over every processed event.
    pub trace_hash: TraceHash,
    /// Virtual time at which the run stopped.
    pub end: SimTime,
}

/// A callback that sees every processed event before its handler runs (full traces, tests).
pub type Observer<E> = Box<dyn FnMut(SimTime, &E)>;

/// A model plus its event queue, clock, trace hash and limits.
pub struct Simulation<M: Model> {
    model: M,
    queue: EventQueue<M::Event>,
    /// Events that run now, before the queue's (`Context::schedule_next`).
    next: VecDeque<M::Event>,
    now: SimTime,
    trace: TraceHash,
    events: u64,
    limits: Limits,
    observer: Option<Observer<M::Event>>,
}

/// Bytes per pending event of a simulation of `M` (`EventQueue::BYTES_PER_EVENT`).
const fn event_bytes<M: Model>() -> u64 {
    EventQueue::<M::Event>::BYTES_PER_EVENT
}

impl<M: Model> Simulation<M> {
    /// A simulation at time zero with no events scheduled.
    pub fn new(model: M, limits: Limits) -> Simulation<M> {
        Simulation {
            model,
            queue: EventQueue::new(),
            next: VecDeque::new(),
            now: SimTime::ZERO,
            trace: TraceHash::new(),
            events: 0,
            limits,
            observer: None,
        }
    }

    /// Calls `observer` with every processed event, in order, before it is handled.
    pub fn set_observer(&mut self, observer: Observer<M::Event>) {
        self.observer = Some(observer);
    }

    /// Schedules an initial event (before or between runs) at or after the current time.
    pub fn schedule_at(&mut self, time: SimTime, event: impl Into<M::Event>) -> EventId {
        assert!(time >= self.now, "events are scheduled at or after now");
        self.queue.push(time, event.into())
    }

    /// Processes every event at or before `end`, then sets the clock to `end`.
    pub fn run_until(&mut self, end: SimTime) -> Result<RunStats, RunError> {
        self.run_loop(end, |_| false)?;
        self.now = self.now.max(end);
        Ok(self.stats())
    }

    /// Processes events at or before `end` until `done(model)` holds (checked before each
    /// event, so a model already done processes none); the clock stays at the last event.
    /// A run drains this way: it stops as soon as nothing it waits for is left.
    pub fn run_until_done(
        &mut self,
        end: SimTime,
        done: impl Fn(&M) -> bool,
    ) -> Result<RunStats, RunError> {
        self.run_loop(end, done)?;
        Ok(self.stats())
    }

    /// The event loop: pop, hash, observe, handle, check the guards, until the queue has
    /// nothing at or before `end` or `done(model)` holds.
    #[inline(always)]
    fn run_loop(&mut self, end: SimTime, done: impl Fn(&M) -> bool) -> Result<(), RunError> {
        // `pop_until` never moves the queue's horizon past `end`, so events may still be
        // scheduled from `end` on between two runs (a peek would have moved it further).
        loop {
            if done(&self.model) {
                break;
            }
            // Events scheduled to run next go first; they are due now, which is at most `end`.
            let (time, event) = match self.next.pop_front() {
                Some(event) => (self.now, event),
                None => match self.queue.pop_until(end) {
                    Some(popped) => popped,
                    None => break,
                },
            };
            assert!(time >= self.now, "popped time never goes backwards");
            self.now = time;
            self.events += 1;
            self.trace.fold(time, event.trace_code());
            if let Some(observer) = &mut self.observer {
                observer(time, &event);
            }
            if self.events > self.limits.events_max {
                return Err(RunError::EventsExceeded {
                    limit: self.limits.events_max,
                    at: time,
                });
            }
            let mut ctx = Context {
                now: time,
                queue: &mut self.queue,
                next: &mut self.next,
                trace: &mut self.trace,
            };
            self.model.handle(event, &mut ctx);
            let pending = (self.queue.len() + self.next.len()) as u64;
            if pending > self.limits.pending_events_max {
                return Err(RunError::PendingEventsExceeded {
                    limit: self.limits.pending_events_max,
                    at: time,
                });
            }
            // Checked after every event: one event may add a fan-out's worth of work.
            let used = pending
                .saturating_mul(event_bytes::<M>())
                .saturating_add(self.model.memory_used());
            if used > self.limits.memory_max {
                return Err(self.memory_exceeded(used, pending, time));
            }
        }
        Ok(())
    }

    /// The memory guard's error, saying what held the memory.
    #[cold]
    fn memory_exceeded(&self, used: u64, pending: u64, at: SimTime) -> RunError {
        let events = format!(
            "about {} in all; {pending} events pending ({})",
            Bytes(used),
            Bytes(pending.saturating_mul(event_bytes::<M>()))
        );
        let model = self.model.memory_holders();
        RunError::MemoryExceeded {
            limit: self.limits.memory_max,
            used,
            at,
            holders: if model.is_empty() {
                events
            } else {
                format!("{events}; {model}")
            },
        }
    }

    /// Events processed, trace hash and current time so far.
    pub fn stats(&self) -> RunStats {
        RunStats {
            events: self.events,
            trace_hash: self.trace,
            end: self.now,
        }
    }

    /// The current virtual time.
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Number of pending events.
    pub fn pending(&self) -> usize {
        self.queue.len() + self.next.len()
    }

    /// The model, mutably (to prepare it before a run).
    pub fn model_mut(&mut self) -> &mut M {
        &mut self.model
    }

    /// The model, for reading results.
    pub fn model(&self) -> &M {
        &self.model
    }

    /// Gives the model back, ending the simulation.
    pub fn into_model(self) -> M {
        self.model
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A counter that reschedules itself every `period` until `stop`.
    struct Ticker {
        period: SimDuration,
        ticks: u64,
        spawn: bool,
    }

    #[derive(Debug)]
    struct Tick(u64);

    impl TraceCode for Tick {
        fn trace_code(&self) -> u64 {
            self.0
        }
    }

    impl Model for Ticker {
        type Event = Tick;
        fn handle(&mut self, event: Tick, ctx: &mut Context<'_, Tick>) {
            self.ticks += 1;
            ctx.schedule_in(self.period, Tick(event.0 + 1));
            if self.spawn {
                ctx.schedule_in(self.period, Tick(0));
            }
        }
    }

    fn limits() -> Limits {
        Limits {
            pending_events_max: 1_000,
            events_max: 1_000_000,
            memory_max: u64::MAX,
        }
    }

    #[test]
    fn runs_until_the_end_time_inclusive() {
        let ticker = Ticker {
            period: SimDuration::from_millis(10),
            ticks: 0,
            spawn: false,
        };
        let mut sim = Simulation::new(ticker, limits());
        sim.schedule_at(SimTime::ZERO, Tick(0));
        let stats = sim.run_until(SimTime::from_nanos(100_000_000)).unwrap();
        assert_eq!(sim.model().ticks, 11, "ticks at 0, 10, ..., 100 ms");
        assert_eq!(stats.events, 11);
        assert_eq!(stats.end, SimTime::from_nanos(100_000_000));
    }

    #[test]
    fn a_drain_stops_as_soon_as_the_model_is_done_and_never_past_its_end() {
        let ticker = Ticker {
            period: SimDuration::from_millis(10),
            ticks: 0,
            spawn: false,
        };
        let mut sim = Simulation::new(ticker, limits());
        sim.schedule_at(SimTime::ZERO, Tick(0));
        sim.run_until(SimTime::from_nanos(100_000_000)).unwrap();
        // Done after 15 ticks: the loop checks before each event, so it stops at the 15th.
        let end = SimTime::from_nanos(1_000_000_000);
        let stats = sim.run_until_done(end, |t| t.ticks >= 15).unwrap();
        assert_eq!(sim.model().ticks, 15);
        assert_eq!(
            stats.end,
            SimTime::from_nanos(140_000_000),
            "the last event's time"
        );
        // Already done: nothing more runs.
        let again = sim.run_until_done(end, |t| t.ticks >= 15).unwrap();
        assert_eq!(again.events, stats.events);
        // Never done: it stops at `end`, having run every event up to it.
        let stats = sim.run_until_done(end, |_| false).unwrap();
        assert_eq!(sim.model().ticks, 101, "ticks at 0, 10, ..., 1000 ms");
        assert_eq!(stats.end, end);
    }

    #[test]
    fn identical_runs_hash_identically_and_different_runs_do_not() {
        let run = |period| {
            let ticker = Ticker {
                period: SimDuration::from_millis(period),
                ticks: 0,
                spawn: false,
            };
            let mut sim = Simulation::new(ticker, limits());
            sim.schedule_at(SimTime::ZERO, Tick(0));
            sim.run_until(SimTime::from_nanos(1_000_000_000)).unwrap()
        };
        assert_eq!(run(10), run(10));
        assert_ne!(run(10).trace_hash, run(11).trace_hash);
    }

    #[test]
    fn scheduling_between_runs_before_a_later_event_is_allowed() {
        // Regression: peeking at the event after `end` used to move the queue's horizon past
        // `end`, so scheduling at 60 ns after run_until(50) with an event at 100 ns panicked.
        let ticker = Ticker {
            period: SimDuration::from_secs(1),
            ticks: 0,
            spawn: false,
        };
        let mut sim = Simulation::new(ticker, limits());
        sim.schedule_at(SimTime::from_nanos(100), Tick(0));
        sim.run_until(SimTime::from_nanos(50)).unwrap();
        sim.schedule_at(SimTime::from_nanos(60), Tick(7));
        let stats = sim.run_until(SimTime::from_nanos(100)).unwrap();
        assert_eq!(
            stats.events, 2,
            "both the late-scheduled and the original event ran"
        );
    }

    /// Records the order in which events run; event 1 schedules one of each kind.
    struct Recorder {
        ran: Vec<(u64, u64)>,
    }

    impl Model for Recorder {
        type Event = Tick;
        fn handle(&mut self, event: Tick, ctx: &mut Context<'_, Tick>) {
            self.ran.push((ctx.now().as_nanos(), event.0));
            if event.0 == 1 {
                // Scheduled in this order: a queued event due now, two to run next, and one
                // with a zero delay that takes the same lane.
                ctx.schedule_in(SimDuration::ZERO, Tick(10));
                ctx.schedule_next(Tick(11));
                ctx.schedule_next(Tick(12));
                ctx.schedule_in_or_next(SimDuration::ZERO, true, || Tick(13));
                ctx.schedule_in_or_next(SimDuration::from_nanos(5), true, || Tick(14));
                // A delay that does not repeat goes to the heap, in the same order.
                ctx.schedule_in_or_next(SimDuration::from_nanos(5), false, || Tick(15));
                ctx.schedule_in_or_next(SimDuration::ZERO, false, || Tick(16));
            }
        }
    }

    #[test]
    fn events_scheduled_next_run_before_everything_else_due_now_in_order() {
        let mut sim = Simulation::new(Recorder { ran: Vec::new() }, limits());
        sim.schedule_at(SimTime::from_nanos(7), Tick(1));
        sim.schedule_at(SimTime::from_nanos(7), Tick(2));
        let stats = sim.run_until(SimTime::from_nanos(100)).unwrap();
        assert_eq!(
            sim.model().ran,
            [
                (7, 1),
                (7, 11),
                (7, 12),
                (7, 13),
                (7, 16),
                (7, 2),
                (7, 10),
                (12, 14),
                (12, 15)
            ],
            "next-lane events in FIFO order, then the queue's in (time, sequence) order"
        );
        assert_eq!(stats.events, 9, "next-lane events count like any other");
    }

    #[test]
    fn pending_guard_trips_with_a_clear_error() {
        let ticker = Ticker {
            period: SimDuration::from_millis(1),
            ticks: 0,
            spawn: true,
        };
        let mut sim = Simulation::new(ticker, limits());
        sim.schedule_at(SimTime::ZERO, Tick(0));
        let err = sim
            .run_until(SimTime::from_nanos(1_000_000_000))
            .unwrap_err();
        assert!(
            matches!(err, RunError::PendingEventsExceeded { limit: 1_000, .. }),
            "{err}"
        );
        assert!(err.to_string().contains("pending_events_max"));
    }

    /// Holds `grow` more bytes after each tick, as a model piling up work would.
    struct Hoarder {
        held: u64,
        grow: u64,
    }

    impl Model for Hoarder {
        type Event = Tick;
        fn handle(&mut self, event: Tick, ctx: &mut Context<'_, Tick>) {
            self.held += self.grow;
            ctx.schedule_in(SimDuration::from_millis(1), Tick(event.0 + 1));
        }
        fn memory_used(&self) -> u64 {
            self.held
        }
        fn memory_holders(&self) -> String {
            format!("{} bytes hoarded", self.held)
        }
    }

    // See: #17. Queued jobs did not count toward any limit, so a retry storm against a long
    // queue grew until the allocator failed; the model's own state now counts.
    #[test]
    fn r17_memory_guard_counts_the_models_state_and_says_what_held_it() {
        let limits = Limits {
            memory_max: 1 << 20,
            ..limits()
        };
        let mut sim = Simulation::new(
            Hoarder {
                held: 0,
                grow: 1 << 10,
            },
            limits,
        );
        sim.schedule_at(SimTime::ZERO, Tick(0));
        let err = sim
            .run_until(SimTime::from_nanos(10_000_000_000))
            .unwrap_err();
        let RunError::MemoryExceeded {
            limit, used, at, ..
        } = &err
        else {
            panic!("{err}")
        };
        assert_eq!(*limit, 1 << 20);
        assert_eq!(
            *used,
            (1 << 20) + EventQueue::<Tick>::BYTES_PER_EVENT,
            "1 MiB hoarded and one pending event"
        );
        assert_eq!(*at, SimTime::from_nanos(1_023_000_000), "the 1024th tick");
        let message = err.to_string();
        for part in [
            "limits.memory_max (1 GiB) at 1.023s",
            "1 events pending",
            "1048576 bytes hoarded",
            "--max-memory 2MiB",
        ] {
            let part = part.replace("1 GiB", "1 MiB");
            assert!(message.contains(&part), "{part} in {message}");
        }
    }

    #[test]
    fn r17_memory_guard_counts_pending_events() {
        let ticker = Ticker {
            period: SimDuration::from_millis(1),
            ticks: 0,
            spawn: true,
        };
        let per_event = EventQueue::<Tick>::BYTES_PER_EVENT;
        let limits = Limits {
            pending_events_max: u64::MAX,
            events_max: u64::MAX,
            memory_max: 100 * per_event,
        };
        let mut sim = Simulation::new(ticker, limits);
        sim.schedule_at(SimTime::ZERO, Tick(0));
        let err = sim
            .run_until(SimTime::from_nanos(1_000_000_000))
            .unwrap_err();
        assert!(
            matches!(err, RunError::MemoryExceeded { used, .. } if used == 101 * per_event),
            "{err}"
        );
    }

    #[test]
    fn events_guard_trips_with_a_clear_error() {
        let ticker = Ticker {
            period: SimDuration::from_nanos(1),
            ticks: 0,
            spawn: false,
        };
        let mut sim = Simulation::new(
            ticker,
            Limits {
                pending_events_max: 10,
                events_max: 500,
                memory_max: u64::MAX,
            },
        );
        sim.schedule_at(SimTime::ZERO, Tick(0));
        let err = sim.run_until(SimTime::from_nanos(1_000_000)).unwrap_err();
        assert!(
            matches!(err, RunError::EventsExceeded { limit: 500, .. }),
            "{err}"
        );
    }
}
