//! A client: an open-loop arrival process plus the bookkeeping of its requests' fates.
//!
//! The client owns two random streams, `client/NAME/arrival` and `client/NAME/jitter`, so
//! that changing its retry policy never changes when its requests arrive (common random
//! numbers across variants). Routing and timers belong to `world`.

use sim_core::{
    CountSeries, Draws, Histogram, LevelSeries, QuantileSeries, SimDuration, SimTime, Stream,
};

use crate::config::{Arrival, ClientConfig};
use crate::failure::{Failure, FailureCounts};
use crate::guard::GuardState;
use crate::result::{ClientResult, ClientSeries};

/// Width of one row of every time series.
pub const SERIES_INTERVAL: SimDuration = SimDuration::from_secs(1);

/// One client's configuration, streams and counters.
#[derive(Debug)]
pub struct Client {
    /// The validated configuration.
    pub config: ClientConfig,
    /// Draws inter-arrival gaps.
    arrival_stream: Stream,
    /// Draws retry jitter.
    pub jitter_stream: Stream,
    /// The exact (fractional-nanosecond) time of the latest constant-rate arrival, so that
    /// rounding never accumulates.
    constant_clock: f64,
    /// Load-spike windows: (start, end, rate factor).
    spikes: Vec<(SimTime, SimTime, f64)>,
    /// The mean gap between arrivals in nanoseconds, `1e9 / rate_per_s`, computed once (the
    /// same division `next_arrival` used to make on every arrival, so the same bits).
    gap_ns: f64,
    /// Poisson gaps drawn ahead (see `next_arrival`).
    gaps: Draws<f64>,
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

    fn new() -> ClientHistory {
        ClientHistory {
            offered: CountSeries::new(SERIES_INTERVAL),
            attempts: CountSeries::new(SERIES_INTERVAL),
            goodput: CountSeries::new(SERIES_INTERVAL),
            failed: CountSeries::new(SERIES_INTERVAL),
            timeouts: CountSeries::new(SERIES_INTERVAL),
            latency: QuantileSeries::new(SERIES_INTERVAL, &[0.5, 0.99]),
            in_flight: LevelSeries::new(SERIES_INTERVAL),
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

impl Client {
    /// A client whose streams derive from `seed` and its name; `spikes` are its load-spike
    /// windows (start, end, rate factor).
    pub fn new(config: ClientConfig, seed: u64, spikes: Vec<(SimTime, SimTime, f64)>) -> Client {
        let arrival_stream = Stream::new(seed, &format!("client/{}/arrival", config.name));
        let jitter_stream = Stream::new(seed, &format!("client/{}/jitter", config.name));
        let marks = config.latency_marks.len();
        let throttle_stream = format!("client/{}/throttle", config.name);
        let guards = GuardState::new(&config.guards, seed, &throttle_stream);
        let gap_ns = match config.arrival {
            Arrival::Poisson { rate_per_s } | Arrival::Constant { rate_per_s } => 1e9 / rate_per_s,
        };
        Client {
            config,
            arrival_stream,
            gaps: Draws::new(),
            jitter_stream,
            constant_clock: 0.0,
            spikes,
            gap_ns,
            counts: ClientCounts::default(),
            latency: Histogram::new(),
            latency_failed: Histogram::new(),
            failures: FailureCounts::default(),
            within_marks: vec![0; marks],
            history: ClientHistory::new(),
            guards,
        }
    }

    /// The instant of the next arrival after the one at `now`.
    ///
    /// A load spike active at `now` divides the gap by its factor. A Poisson client draws
    /// exactly one number per arrival whatever the spikes, so its stream stays aligned. The
    /// gaps are drawn a batch at a time (`sim_core::Draws`), so that the logarithms overlap
    /// instead of delaying each arrival's scheduling; they are the stream's draws in order.
    #[inline]
    pub fn next_arrival(&mut self, now: SimTime) -> SimTime {
        match self.config.arrival {
            Arrival::Poisson { .. } => {
                let (stream, mean) = (&mut self.arrival_stream, self.gap_ns);
                let gap = self.gaps.take(|| stream.exponential(mean));
                now.add(SimDuration::from_nanos_f64(self.spiked(now, gap)))
            }
            Arrival::Constant { .. } => {
                self.constant_clock += self.spiked(now, self.gap_ns);
                SimTime::from_nanos(SimDuration::from_nanos_f64(self.constant_clock).as_nanos())
                    .max(now)
            }
        }
    }

    /// `gap` divided by the product of the factors of the spikes active at `now`. Without
    /// spikes that factor is exactly 1.0 and `x / 1.0 == x`, so the division is skipped.
    fn spiked(&self, now: SimTime, gap: f64) -> f64 {
        if self.spikes.is_empty() {
            return gap;
        }
        let factor: f64 = self
            .spikes
            .iter()
            .filter(|(start, end, _)| *start <= now && now < *end)
            .map(|(_, _, f)| f)
            .product();
        gap / factor
    }

    /// Records a success at `now` with the given end-to-end latency; `measured` requests
    /// (arrived after the warm-up) also count in the totals.
    #[inline]
    pub fn record_success(&mut self, now: SimTime, latency: SimDuration, measured: bool) {
        self.history.goodput.add(now, 1);
        self.history.latency.record(now, latency);
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
            breaker_open: self.guards.breaker_open_per_s(end),
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
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ServiceId;

    /// The precomputed gap and the skipped `/ 1.0` give the very gaps of the original
    /// formula, `exponential(1e9 / rate) / factor`, with and without a spike.
    #[test]
    fn arrival_gaps_match_the_per_arrival_formula() {
        let rate_per_s = 7.3;
        let config = ClientConfig::plain("web", ServiceId(0), Arrival::Poisson { rate_per_s });
        let spike = (SimTime::from_nanos(1_000_000_000), SimTime::MAX, 3.1);
        for spikes in [vec![], vec![spike]] {
            let mut client = Client::new(config.clone(), 9, spikes.clone());
            let mut stream = Stream::new(9, "client/web/arrival");
            let mut now = SimTime::ZERO;
            for _ in 0..1_000 {
                let factor: f64 = spikes
                    .iter()
                    .filter(|(start, end, _)| *start <= now && now < *end)
                    .map(|(_, _, f)| f)
                    .product();
                let gap = stream.exponential(1e9 / rate_per_s) / factor;
                let expected = now.add(SimDuration::from_nanos_f64(gap));
                now = client.next_arrival(now);
                assert_eq!(now, expected);
            }
        }
    }

    /// Constant arrivals keep their exact fractional clock: `1e9 / rate / factor` per gap.
    #[test]
    fn constant_gaps_match_the_per_arrival_formula() {
        let rate_per_s = 3.0;
        let config = ClientConfig::plain("web", ServiceId(0), Arrival::Constant { rate_per_s });
        let spike = (SimTime::from_nanos(2_000_000_000), SimTime::MAX, 1.7);
        for spikes in [vec![], vec![spike]] {
            let mut client = Client::new(config.clone(), 9, spikes.clone());
            let (mut clock, mut now) = (0.0, SimTime::ZERO);
            for _ in 0..100 {
                let factor: f64 = spikes
                    .iter()
                    .filter(|(start, end, _)| *start <= now && now < *end)
                    .map(|(_, _, f)| f)
                    .product();
                clock += 1e9 / rate_per_s / factor;
                let expected =
                    SimTime::from_nanos(SimDuration::from_nanos_f64(clock).as_nanos()).max(now);
                now = client.next_arrival(now);
                assert_eq!(now, expected);
            }
        }
    }
}
