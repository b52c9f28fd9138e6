//! A replicated service: per replica, a pool of identical workers and a bounded FIFO queue.
//!
//! ```text
//!              ┌ replica 0: [queue ≤ capacity] → workers × N ┐
//! attempts ──▶ ┤ replica 1: [queue ≤ capacity] → workers × N ├──▶ responses
//!   balancer   └ ...                                          ┘
//! ```
//!
//! The service owns its `service/NAME/service_time` and `service/NAME/balancer` streams and
//! its metrics. It decides what happens to an arriving attempt (start, queue, reject) and which
//! attempt a freed worker takes next; `world` turns those decisions into events.

use std::collections::VecDeque;

use sim_core::{CountSeries, Histogram, LevelSeries, SimDuration, SimTime, Stream, TimeAverage};

use crate::client::SERIES_INTERVAL;
use crate::config::{Balancer, ServiceConfig};
use crate::result::{CallResult, ServiceResult, ServiceSeries};

/// One service's replicas, streams and measurements.
#[derive(Debug)]
pub struct Service<K> {
    /// The validated configuration.
    pub config: ServiceConfig,
    replicas: Vec<Replica<K>>,
    round_robin_next: u32,
    service_time_stream: Stream,
    balancer_stream: Stream,
    jitter_stream: Stream,
    /// Per downstream call, in configuration order; `target` is filled in by `result`.
    calls: Vec<CallResult>,
    warmup_end: SimTime,
    counts: ServiceCounts,
    queued_total: u64,
    busy_total: u64,
    queue_len: TimeAverage,
    busy: TimeAverage,
    wait: Histogram,
    sojourn: Histogram,
    history: ServiceHistory,
}

/// The per-second series a service records, warm-up included.
#[derive(Clone, Debug)]
struct ServiceHistory {
    arrivals: CountSeries,
    completed: CountSeries,
    rejected: CountSeries,
    queue_len: LevelSeries,
    busy: LevelSeries,
}

/// What a replica did with an arriving attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Admission {
    /// A worker was free: service starts now and ends after the given time.
    Started(SimDuration),
    /// All workers busy; the attempt waits in the queue.
    Queued,
    /// The queue is full; the attempt is turned away.
    Rejected,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct ServiceCounts {
    arrivals: u64,
    completed: u64,
    rejected: u64,
    timed_out_work: u64,
    errors: u64,
}

#[derive(Debug)]
struct Replica<K> {
    busy: u32,
    queue: VecDeque<(K, SimTime)>,
}

impl<K: Copy> Service<K> {
    /// A service with idle replicas; metrics count from `warmup_end` on.
    pub fn new(config: ServiceConfig, seed: u64, warmup_end: SimTime) -> Service<K> {
        let replicas = (0..config.replicas)
            .map(|_| Replica {
                busy: 0,
                queue: VecDeque::new(),
            })
            .collect();
        let service_time_stream =
            Stream::new(seed, &format!("service/{}/service_time", config.name));
        let balancer_stream = Stream::new(seed, &format!("service/{}/balancer", config.name));
        let jitter_stream = Stream::new(seed, &format!("service/{}/jitter", config.name));
        let calls = vec![CallResult::default(); config.calls.len()];
        Service {
            config,
            replicas,
            round_robin_next: 0,
            service_time_stream,
            balancer_stream,
            jitter_stream,
            calls,
            warmup_end,
            counts: ServiceCounts::default(),
            queued_total: 0,
            busy_total: 0,
            queue_len: TimeAverage::new(warmup_end),
            busy: TimeAverage::new(warmup_end),
            wait: Histogram::new(),
            sojourn: Histogram::new(),
            history: ServiceHistory {
                arrivals: CountSeries::new(SERIES_INTERVAL),
                completed: CountSeries::new(SERIES_INTERVAL),
                rejected: CountSeries::new(SERIES_INTERVAL),
                queue_len: LevelSeries::new(SERIES_INTERVAL),
                busy: LevelSeries::new(SERIES_INTERVAL),
            },
        }
    }

    /// Picks the replica for the next attempt, by the configured balancer.
    pub fn pick_replica(&mut self) -> u32 {
        match self.config.balancer {
            Balancer::RoundRobin => {
                let replica = self.round_robin_next;
                self.round_robin_next = (replica + 1) % self.config.replicas;
                replica
            }
            Balancer::Random => self.balancer_stream.below(u64::from(self.config.replicas)) as u32,
        }
    }

    /// An attempt `key` reaches `replica` at `now`: start it, queue it, or reject it.
    pub fn admit(&mut self, replica: u32, key: K, now: SimTime) -> Admission {
        let measured = now >= self.warmup_end;
        self.history.arrivals.add(now, 1);
        if measured {
            self.counts.arrivals += 1;
        }
        let r = &mut self.replicas[replica as usize];
        if r.busy < self.config.workers {
            assert!(
                r.queue.is_empty(),
                "a replica with an idle worker has an empty queue"
            );
            r.busy += 1;
            self.busy_total += 1;
            self.busy.set(now, self.busy_total);
            self.history.busy.set(now, self.busy_total);
            if measured {
                self.wait.record(SimDuration::ZERO);
            }
            Admission::Started(
                self.config
                    .service_time
                    .sample(&mut self.service_time_stream),
            )
        } else if (r.queue.len() as u64) < u64::from(self.config.queue_capacity) {
            r.queue.push_back((key, now));
            self.queued_total += 1;
            self.queue_len.set(now, self.queued_total);
            self.history.queue_len.set(now, self.queued_total);
            Admission::Queued
        } else {
            self.history.rejected.add(now, 1);
            if measured {
                self.counts.rejected += 1;
            }
            Admission::Rejected
        }
    }

    /// A worker of `replica` finished an attempt that arrived at `arrived`; `abandoned` says
    /// whether its caller had already given up, `ok` whether it succeeded. Returns the next
    /// queued attempt the worker starts, with its service time, if any.
    pub fn complete(
        &mut self,
        replica: u32,
        arrived: SimTime,
        abandoned: bool,
        ok: bool,
        now: SimTime,
    ) -> Option<(K, SimDuration)> {
        self.history.completed.add(now, 1);
        // Count by arrival time, like every other per-attempt figure, so that completions
        // never exceed arrivals in the measured window.
        if arrived >= self.warmup_end {
            self.counts.completed += 1;
            if abandoned {
                self.counts.timed_out_work += 1;
            }
            if !ok {
                self.counts.errors += 1;
            }
            self.sojourn.record(now.since(arrived));
        }
        let r = &mut self.replicas[replica as usize];
        assert!(r.busy > 0, "a completion frees a busy worker");
        match r.queue.pop_front() {
            Some((key, queued_at)) => {
                self.queued_total -= 1;
                self.queue_len.set(now, self.queued_total);
                self.history.queue_len.set(now, self.queued_total);
                if queued_at >= self.warmup_end {
                    self.wait.record(now.since(queued_at));
                }
                Some((
                    key,
                    self.config
                        .service_time
                        .sample(&mut self.service_time_stream),
                ))
            }
            None => {
                r.busy -= 1;
                self.busy_total -= 1;
                self.busy.set(now, self.busy_total);
                self.history.busy.set(now, self.busy_total);
                None
            }
        }
    }

    /// The stream that jitters this service's downstream retries.
    pub fn jitter_stream(&mut self) -> &mut Stream {
        &mut self.jitter_stream
    }

    /// A job made downstream call number `call` (counted if `measured`).
    pub fn count_call_request(&mut self, call: u32, measured: bool) {
        if measured {
            self.calls[call as usize].requests += 1;
        }
    }

    /// An attempt of downstream call number `call` was sent.
    pub fn count_call_attempt(&mut self, call: u32, measured: bool) {
        if measured {
            self.calls[call as usize].attempts += 1;
        }
    }

    /// Downstream call number `call` resolved.
    pub fn count_call_outcome(&mut self, call: u32, ok: bool, measured: bool) {
        if measured {
            let c = &mut self.calls[call as usize];
            if ok {
                c.succeeded += 1;
            } else {
                c.failed += 1;
            }
        }
    }

    /// The service's measurements over `warmup_end..end`; `names` maps service ids to names.
    pub fn result_with_names(&self, end: SimTime, names: &[String]) -> ServiceResult {
        let mut result = self.result(end);
        for (call, config) in result.calls.iter_mut().zip(&self.config.calls) {
            call.target = names[config.target.0 as usize].clone();
        }
        result
    }

    /// The service's measurements over `warmup_end..end`.
    pub fn result(&self, end: SimTime) -> ServiceResult {
        let c = self.counts;
        let queue_len_mean = self.queue_len.mean(end);
        let busy_mean = self.busy.mean(end);
        ServiceResult {
            name: self.config.name.clone(),
            arrivals: c.arrivals,
            completed: c.completed,
            rejected: c.rejected,
            timed_out_work: c.timed_out_work,
            errors: c.errors,
            capacity: self.config.replicas * self.config.workers,
            busy_mean,
            queue_len_mean,
            in_system_mean: queue_len_mean + busy_mean,
            wait: self.wait.clone(),
            sojourn: self.sojourn.clone(),
            series: ServiceSeries {
                arrivals_per_s: self.history.arrivals.rates_per_s(end),
                completed_per_s: self.history.completed.rates_per_s(end),
                rejected_per_s: self.history.rejected.rates_per_s(end),
                queue_len: self.history.queue_len.means(end),
                busy: self.history.busy.means(end),
            },
            calls: self.calls.clone(),
        }
    }
}
