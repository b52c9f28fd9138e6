//! The validated description of a client's workload: how its requests arrive (`Load`), how
//! many identical clients it stands for (`ClientConfig::count`), and the request classes its
//! traffic mixes (`RequestClass`).
//!
//! Plain data, like the rest of `config` (and `Arrival`, the fixed-rate process the
//! database's workload takes): the behaviour (sampling a profile, waking a
//! closed-loop user, replaying a trace) lives in `arrival`, and the world wires it in.
//!
//! ```text
//! open loop:   Poisson or constant spacing × a fixed rate or a profile over time
//!              (steps, ramp, table, daily), or on/off bursts (a two-state MMPP), or a trace
//! closed loop: N users, each: send ─▶ wait for the outcome ─▶ think ─▶ send ...
//! sessions:    users arrive (Poisson), each sends K requests with think times, then leaves
//! ```

use std::sync::Arc;

use sim_core::{Distribution, SimDuration};

/// A fixed-rate open-loop arrival process: what the election's and the database's
/// workloads take, and the simplest `Load` of a client (`Load::from`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Arrival {
    /// Exponential inter-arrival times (a Poisson process) at `rate_per_s` requests per second.
    Poisson {
        /// Mean arrivals per second (> 0).
        rate_per_s: f64,
    },
    /// Evenly spaced arrivals at `rate_per_s` requests per second.
    Constant {
        /// Arrivals per second (> 0).
        rate_per_s: f64,
    },
}

/// How a client's requests arrive.
#[derive(Clone, Debug, PartialEq)]
pub enum Load {
    /// Open loop: requests arrive at a rate, whatever happens to earlier ones.
    Open {
        /// Random (Poisson) or even spacing.
        spacing: Spacing,
        /// The rate, fixed or over time.
        rate: Rate,
    },
    /// Open loop in bursts: a Markov-modulated Poisson process with two states.
    OnOff(OnOff),
    /// Closed loop: `users` users per client; each sends a request, waits for its outcome
    /// (success or final failure), thinks for a `think` draw, and sends the next.
    Closed {
        /// Users per client (≥ 1).
        users: u32,
        /// Think time between an outcome and the user's next request (and before its first).
        think: Distribution,
    },
    /// Partly open (Schroeder, Wierman & Harchol-Balter, NSDI 2006): users arrive as a
    /// Poisson process; each sends `requests` requests, thinking between an outcome and the
    /// next, then leaves.
    Sessions {
        /// New users per second (> 0).
        rate_per_s: f64,
        /// Requests per session (≥ 1).
        requests: u32,
        /// Think time between an outcome and the user's next request.
        think: Distribution,
    },
    /// Arrivals replayed from a trace.
    Trace(Arc<ArrivalTrace>),
}

/// How an open-loop process spaces its arrivals.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Spacing {
    /// A (non-homogeneous) Poisson process: independent arrivals.
    Poisson,
    /// Deterministic arrivals: the k-th where the cumulative rate reaches k.
    Constant,
}

/// An open-loop rate: fixed, or a profile over time.
#[derive(Clone, Debug, PartialEq)]
pub enum Rate {
    /// Requests per second, always (> 0).
    Fixed(f64),
    /// Requests per second as a function of time.
    Profile(Profile),
}

/// A rate over time, in requests per second; time is true time from the start of the run.
#[derive(Clone, Debug, PartialEq)]
pub enum Profile {
    /// Each rate holds from its time to the next one's; the first time is 0 and times
    /// increase; the last rate holds to the end.
    Steps(Vec<(SimDuration, f64)>),
    /// The rate goes linearly from each point to the next; the first time is 0 and times do
    /// not decrease (two points at one time make a jump); the last rate holds to the end.
    Table(Vec<(SimDuration, f64)>),
    /// `from_per_s` until `start`, then linearly to `to_per_s` at `end`, which then holds.
    Ramp {
        /// The rate before the ramp.
        from_per_s: f64,
        /// The rate after it.
        to_per_s: f64,
        /// Where it starts.
        start: SimDuration,
        /// Where it ends (after `start`).
        end: SimDuration,
    },
    /// A daily curve: `mean_per_s × (1 + amplitude × cos(2π (t − peak_at) / period))`.
    Daily {
        /// The mean rate over a period (> 0).
        mean_per_s: f64,
        /// The swing as a fraction of the mean, in `0..=1` (1: the rate touches 0 at night).
        amplitude: f64,
        /// When in each period the rate peaks.
        peak_at: SimDuration,
        /// The length of a "day" (> 0; 24 h for a real one, shorter to compress one).
        period: SimDuration,
    },
}

/// A two-state Markov-modulated Poisson process: Poisson at `on_rate_per_s` while on and at
/// `off_rate_per_s` while off; on and off periods are exponential with the given means.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OnOff {
    /// The rate while on (> 0).
    pub on_rate_per_s: f64,
    /// The rate while off (≥ 0).
    pub off_rate_per_s: f64,
    /// The mean length of an on period (> 0).
    pub on_mean: SimDuration,
    /// The mean length of an off period (> 0).
    pub off_mean: SimDuration,
}

/// Arrival times read from a file, replayed in order.
#[derive(Clone, Debug, PartialEq)]
pub struct ArrivalTrace {
    /// Arrival times from the start of the run as written, not decreasing.
    pub times: Vec<SimDuration>,
    /// Each arrival's request class (an index into the client's `classes`), parallel to
    /// `times`; empty when the file gives none.
    pub classes: Vec<u16>,
    /// Times are divided by this (> 0): 2 plays the trace twice as fast, at twice the rate.
    pub speed: f64,
    /// The trace starts again every `period` (before `speed`), if it loops.
    pub period: Option<SimDuration>,
}

/// One class of a client's requests: how often it is drawn, and what it costs where.
#[derive(Clone, Debug, PartialEq)]
pub struct RequestClass {
    /// Its name, unique within the client.
    pub name: String,
    /// The probability that a request is of this class (the weights of a client's classes
    /// sum to 1); unused when a trace names each request's class.
    pub weight: f64,
    /// Its number in the world (`ClassId`), given by `scenarios` in configuration order.
    pub id: ClassId,
    /// Latency thresholds whose "succeeded within" counts are reported exactly (for the SLOs
    /// that name the class).
    pub latency_marks: Vec<SimDuration>,
}

/// A request class's number in the world: 0 is "no class" (a client without classes), and
/// the classes of all clients are numbered from 1 in configuration order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ClassId(pub u16);

impl ClassId {
    /// The class of requests of a client without classes.
    pub const NONE: ClassId = ClassId(0);
}

/// A service's own work for the requests of one class, instead of its `service_time`.
#[derive(Clone, Debug, PartialEq)]
pub struct ClassServiceTime {
    /// The class.
    pub class: ClassId,
    /// The class's name as a stream name part (`web/write`), naming the stream
    /// `service/NAME/class/CLIENT/CLASS/service_time`.
    pub label: String,
    /// The class's service time at this service.
    pub service_time: Distribution,
}

impl From<Arrival> for Load {
    fn from(arrival: Arrival) -> Load {
        match arrival {
            Arrival::Poisson { rate_per_s } => Load::Open {
                spacing: Spacing::Poisson,
                rate: Rate::Fixed(rate_per_s),
            },
            Arrival::Constant { rate_per_s } => Load::Open {
                spacing: Spacing::Constant,
                rate: Rate::Fixed(rate_per_s),
            },
        }
    }
}

impl Load {
    /// Whether requests arrive whatever happens to earlier ones (everything but closed-loop
    /// users and sessions).
    pub fn is_open(&self) -> bool {
        !matches!(self, Load::Closed { .. } | Load::Sessions { .. })
    }

    /// The open-loop rate at `at`, in requests per second per client (before load spikes);
    /// `None` for closed-loop users and sessions, whose rate depends on response times. A
    /// trace's rate is its mean over the period or the trace; on/off bursts give the mean
    /// over both states.
    pub fn rate_at(&self, at: SimDuration) -> Option<f64> {
        match self {
            Load::Open { rate, .. } => Some(rate.at(at)),
            Load::OnOff(o) => Some(o.mean_rate_per_s()),
            Load::Trace(trace) => Some(trace.mean_rate_per_s()),
            Load::Closed { .. } | Load::Sessions { .. } => None,
        }
    }

    /// The mean open-loop rate over `0..duration` per client, in requests per second (the
    /// offered load); `None` for closed-loop users and sessions.
    pub fn mean_rate_per_s(&self, duration: SimDuration) -> Option<f64> {
        match self {
            Load::Open { rate, .. } => Some(rate.mean_over(duration)),
            Load::Trace(trace) => Some(trace.arrivals_before(duration) / duration.as_secs_f64()),
            _ => self.rate_at(SimDuration::ZERO),
        }
    }

    /// An upper bound on the requests one client of this load issues in `duration`, for
    /// budgets (a closed-loop user issues at most one per think time on average).
    pub fn requests_bound(&self, duration: SimDuration) -> f64 {
        let seconds = duration.as_secs_f64();
        match self {
            Load::Open { rate, .. } => rate.max_per_s() * seconds,
            Load::OnOff(o) => o.on_rate_per_s.max(o.off_rate_per_s) * seconds,
            Load::Trace(trace) => trace.arrivals_before(duration),
            Load::Closed { users, think } => {
                let think_s = think.mean_nanos() / 1e9;
                f64::from(*users) * seconds / think_s.max(1e-9)
            }
            Load::Sessions {
                rate_per_s,
                requests,
                ..
            } => rate_per_s * seconds * f64::from(*requests),
        }
    }
}

impl Rate {
    /// The rate at `at`, in requests per second.
    pub fn at(&self, at: SimDuration) -> f64 {
        match self {
            Rate::Fixed(rate) => *rate,
            Rate::Profile(profile) => profile.at(at),
        }
    }

    /// The mean rate over `0..duration`.
    pub fn mean_over(&self, duration: SimDuration) -> f64 {
        match self {
            Rate::Fixed(rate) => *rate,
            Rate::Profile(profile) => profile.mean_over(duration),
        }
    }

    /// The highest rate it ever takes.
    pub fn max_per_s(&self) -> f64 {
        match self {
            Rate::Fixed(rate) => *rate,
            Rate::Profile(profile) => profile.max_per_s(),
        }
    }
}

impl Profile {
    /// The profile as points joined linearly (steps as pairs of points at each step), for
    /// every kind but `Daily`.
    pub fn points(&self) -> Option<Vec<(SimDuration, f64)>> {
        match self {
            Profile::Steps(steps) => {
                let mut points = Vec::with_capacity(steps.len() * 2);
                for (i, &(at, rate)) in steps.iter().enumerate() {
                    if i > 0 {
                        points.push((at, steps[i - 1].1));
                    }
                    points.push((at, rate));
                }
                Some(points)
            }
            Profile::Table(points) => Some(points.clone()),
            Profile::Ramp {
                from_per_s,
                to_per_s,
                start,
                end,
            } => Some(vec![
                (SimDuration::ZERO, *from_per_s),
                (*start, *from_per_s),
                (*end, *to_per_s),
            ]),
            Profile::Daily { .. } => None,
        }
    }

    /// The rate at `at` (at a jump, the rate after it).
    pub fn at(&self, at: SimDuration) -> f64 {
        if let Profile::Daily {
            mean_per_s,
            amplitude,
            peak_at,
            period,
        } = self
        {
            let phase = daily_phase(at, *peak_at, *period);
            return mean_per_s * (1.0 + amplitude * libm::cos(phase));
        }
        let points = self.points().expect("every other kind has points");
        let t = at.as_nanos() as f64;
        // The last point at or before `at` (the later one of a jump).
        let index = points.partition_point(|(time, _)| *time <= at) - 1;
        match points.get(index + 1) {
            None => points[index].1,
            Some(&(next_at, next_rate)) => {
                let (start, rate) = points[index];
                let span = (next_at.as_nanos() - start.as_nanos()) as f64;
                rate + (next_rate - rate) * (t - start.as_nanos() as f64) / span
            }
        }
    }

    /// The mean rate over `0..duration` (the integral divided by the duration).
    pub fn mean_over(&self, duration: SimDuration) -> f64 {
        self.integral(duration) / duration.as_secs_f64()
    }

    /// The expected arrivals in `0..end`: the integral of the rate.
    pub fn integral(&self, end: SimDuration) -> f64 {
        let end = end.as_nanos() as f64;
        if let Profile::Daily {
            mean_per_s,
            amplitude,
            peak_at,
            period,
        } = self
        {
            let omega = 2.0 * std::f64::consts::PI / period.as_nanos() as f64;
            let offset = peak_at.as_nanos() as f64;
            // ∫ cos(ω(t − p)) dt from 0 to T = (sin(ω(T − p)) + sin(ω p)) / ω.
            let swing = (libm::sin(omega * (end - offset)) + libm::sin(omega * offset)) / omega;
            return mean_per_s * (end + amplitude * swing) / 1e9;
        }
        let points = self.points().expect("every other kind has points");
        let mut area = 0.0;
        for pair in points.windows(2) {
            let (a, b) = (pair[0].0.as_nanos() as f64, pair[1].0.as_nanos() as f64);
            let (lo, hi) = (a.min(end), b.min(end));
            if hi > lo {
                let rate_at = |t: f64| pair[0].1 + (pair[1].1 - pair[0].1) * (t - a) / (b - a);
                area += (rate_at(lo) + rate_at(hi)) / 2.0 * (hi - lo);
            }
        }
        let last = points.last().expect("a profile has a point");
        let last_at = last.0.as_nanos() as f64;
        if end > last_at {
            area += last.1 * (end - last_at);
        }
        area / 1e9
    }

    /// The highest rate the profile takes.
    pub fn max_per_s(&self) -> f64 {
        match self {
            Profile::Daily {
                mean_per_s,
                amplitude,
                ..
            } => mean_per_s * (1.0 + amplitude),
            _ => self
                .points()
                .expect("every other kind has points")
                .iter()
                .map(|p| p.1)
                .fold(0.0, f64::max),
        }
    }
}

/// The phase of a daily curve at `at`: 2π (t − peak_at) / period, reduced to one period in
/// integers first so that a long run keeps every digit.
pub(crate) fn daily_phase(at: SimDuration, peak_at: SimDuration, period: SimDuration) -> f64 {
    let period_ns = period.as_nanos();
    let shifted =
        (at.as_nanos() % period_ns + period_ns - peak_at.as_nanos() % period_ns) % period_ns;
    2.0 * std::f64::consts::PI * shifted as f64 / period_ns as f64
}

impl OnOff {
    /// The long-run mean rate: each state's rate weighted by its share of time.
    pub fn mean_rate_per_s(&self) -> f64 {
        let (on, off) = (
            self.on_mean.as_nanos() as f64,
            self.off_mean.as_nanos() as f64,
        );
        (self.on_rate_per_s * on + self.off_rate_per_s * off) / (on + off)
    }
}

impl ArrivalTrace {
    /// Arrivals before `end` (with `speed` and looping).
    pub fn arrivals_before(&self, end: SimDuration) -> f64 {
        let end_ns = end.as_nanos() as f64 * self.speed;
        let within = |limit: f64| {
            self.times
                .partition_point(|t| (t.as_nanos() as f64) < limit)
        };
        match self.period {
            None => within(end_ns) as f64,
            Some(period) => {
                let period_ns = period.as_nanos() as f64;
                let loops = libm::floor(end_ns / period_ns);
                loops * self.times.len() as f64 + within(end_ns - loops * period_ns) as f64
            }
        }
    }

    /// The mean rate: arrivals per period (or over the trace's span, if it plays once) per
    /// second, after `speed`.
    pub fn mean_rate_per_s(&self) -> f64 {
        let span = match self.period {
            Some(period) => period,
            None => *self.times.last().expect("a trace is not empty"),
        };
        let seconds = span.as_secs_f64().max(1e-9);
        self.times.len() as f64 / seconds * self.speed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(secs: u64) -> SimDuration {
        SimDuration::from_secs(secs)
    }

    #[test]
    fn steps_are_pairs_of_points() {
        let steps = Profile::Steps(vec![(s(0), 10.0), (s(10), 30.0)]);
        assert_eq!(
            steps.points().unwrap(),
            vec![(s(0), 10.0), (s(10), 10.0), (s(10), 30.0)]
        );
        assert_eq!(steps.at(s(5)), 10.0);
        assert_eq!(steps.at(s(10)), 30.0);
        assert_eq!(steps.at(s(99)), 30.0);
        assert_eq!(steps.mean_over(s(20)), 20.0);
    }

    #[test]
    fn tables_interpolate_and_hold_their_last_rate() {
        let table = Profile::Table(vec![(s(0), 100.0), (s(10), 300.0)]);
        assert_eq!(table.at(s(5)), 200.0);
        assert_eq!(table.at(s(20)), 300.0);
        // (200 × 10 + 300 × 10) / 20.
        assert_eq!(table.mean_over(s(20)), 250.0);
        assert_eq!(table.mean_over(s(5)), 150.0);
        assert_eq!(table.max_per_s(), 300.0);
    }

    #[test]
    fn a_daily_curve_peaks_where_told_and_averages_its_mean() {
        let daily = Profile::Daily {
            mean_per_s: 100.0,
            amplitude: 0.5,
            peak_at: s(6),
            period: s(24),
        };
        assert!((daily.at(s(6)) - 150.0).abs() < 1e-9);
        assert!((daily.at(s(18)) - 50.0).abs() < 1e-9);
        assert!((daily.mean_over(s(48)) - 100.0).abs() < 1e-9);
        assert_eq!(daily.max_per_s(), 150.0);
    }

    #[test]
    fn a_looped_trace_counts_every_loop() {
        let trace = ArrivalTrace {
            times: vec![s(1), s(2), s(3)],
            classes: Vec::new(),
            speed: 1.0,
            period: Some(s(4)),
        };
        // At 1, 2, 3, 5, 6, 7 and 9 s.
        assert_eq!(trace.arrivals_before(s(10)), 7.0);
        assert_eq!(trace.mean_rate_per_s(), 0.75);
        let fast = ArrivalTrace {
            speed: 2.0,
            ..trace
        };
        assert_eq!(fast.arrivals_before(s(5)), 7.0);
    }
}
