//! When a client's requests arrive: every source of a client (`Load`), its streams, and when
//! each fires next.
//!
//! A source is one independent arrival process: an open-loop client (each member of a group
//! has its own, but for a Poisson group, below), a closed-loop user, a member's stream of new
//! session users, or a trace. Sources never share a stream, so a client's arrival times
//! depend only on its own streams and on nothing a policy changes (common random numbers).
//!
//! A group of `n` open-loop Poisson members (a fixed rate, a profile or a daily curve) is one
//! source of intensity nλ(t) on the stream `client/NAME/arrival`, as a single client of that
//! rate would be: the superposition of independent Poisson processes is Poisson with the
//! summed intensity (Kingman, "Poisson Processes", 1993, §2.2), so the group's arrivals have
//! the same law at the cost of one pending arrival. A group whose members are counted
//! (`report_members`) gives each arrival to a member drawn uniformly from
//! `client/NAME/member`, which by the colouring theorem (§5.1) makes each member's arrivals
//! an independent Poisson process of intensity λ(t) (`merges`).
//!
//! # Sampling
//!
//! - **Fixed rate** (`poisson`, `constant`): exponential gaps of mean `1/rate`, or even
//!   gaps of exactly `1/rate` kept on a fractional clock, as before profiles existed: a
//!   load spike divides the gap drawn at the previous arrival by the factors active then.
//!   Member `i` of a constant-rate group of `n` is phased `(i + 1)/n` of a gap in, so the
//!   group's arrivals interleave evenly instead of coinciding.
//! - **Piecewise-linear profiles** (`steps`, `ramp`, `table`) by time inversion: the
//!   cumulative rate Λ(t) = ∫₀ᵗ λ is continuous and non-decreasing, and if `0 < E₁ < E₂ <
//!   ...` is a unit-rate Poisson process then `Λ⁻¹(E₁), Λ⁻¹(E₂), ...` is a non-homogeneous
//!   Poisson process with intensity λ (Çinlar, "Introduction to Stochastic Processes", 1975,
//!   §4.7; Lewis & Shedler 1979 call it time-scale transformation). Λ is piecewise
//!   quadratic, so Λ⁻¹ is a closed-form root (`curve`): one exponential draw per arrival,
//!   exact up to the nanosecond rounding of every time. Load spikes are piecewise-constant
//!   factors, folded into λ before inverting. `constant` spacing puts arrival k at
//!   `Λ⁻¹(k)`.
//! - **Daily curve** by thinning (Lewis & Shedler, "Simulation of nonhomogeneous Poisson
//!   processes by thinning", Naval Research Logistics Quarterly 26(3), 1979): candidates of
//!   a Poisson process at the curve's maximum λ* (times the largest spike factor) are kept
//!   with probability λ(t)/λ*. Two draws per candidate, 1 + amplitude candidates per
//!   arrival on average. (A sinusoid's Λ has no closed-form inverse.)
//! - **On/off bursts**: a two-state Markov-modulated Poisson process (Fischer &
//!   Meier-Hellstern, "The Markov-modulated Poisson process (MMPP) cookbook", Performance
//!   Evaluation 18, 1993). The environment starts in its stationary state (on with
//!   probability on/(on + off)) and holds each state for an exponential time drawn from the
//!   member's `bursts` stream; within a state, arrivals are the inversion above at that
//!   state's rate. A state that ends before the next arrival discards the exponential drawn
//!   for it, which memorylessness makes exact.
//! - **Closed-loop users** think, send, wait for the outcome, think again. A user's first
//!   request comes one think time after the start (so users start staggered, with no
//!   synchronized burst at time 0), and its think times come from its own stream
//!   `client/NAME/user/U/think`, so user U's k-th think time is the same in every variant
//!   (what changes with a variant is when the user gets to it).
//! - **Sessions**: a member's new users arrive by the fixed-rate inversion above
//!   (`client/NAME/arrival`, spikes folded in); each sends its first request on arrival,
//!   thinks between an outcome and its next request, and leaves after its last. Session j
//!   draws its think times from `client/NAME/session/J/think`.
//! - **Traces** replay their times (divided by `speed`) in order, looping every `period`.
//!
//! No source looks for an arrival past the end of the run (`horizon`), except the fixed-rate
//! ones, which schedule their next arrival as they always have (the world drops it).

use std::sync::Arc;

use sim_core::{Distribution, Draws, SimDuration, SimTime, Stream};

use crate::config::load::daily_phase;
use crate::config::{ArrivalTrace, ClientConfig, Load, OnOff, Profile, Rate, Spacing};

mod curve;

use curve::RateCurve;

/// A load spike: (start, end, rate factor).
pub type Spike = (SimTime, SimTime, f64);

/// Every source of one client entry (all members of a group) and the streams they draw from.
#[derive(Debug)]
pub(crate) struct Arrivals {
    process: Process,
    /// For a merged group whose members are counted: its size and the stream
    /// `client/NAME/member` each arrival's member is drawn from (apart from the gaps, so that
    /// counting members changes no arrival).
    members: Option<Box<(u32, Stream)>>,
    /// The end of arrivals in nanoseconds: no source looks past it (but fixed-rate ones).
    horizon: f64,
}

/// How the sources of a client fire, by kind of load.
#[derive(Debug)]
enum Process {
    /// A fixed-rate Poisson client, or a whole group as one source (`merges`; the original
    /// fast path, spikes as before).
    Poisson {
        /// The mean gap of the client's (the group's) arrivals: `1/(count × rate)`.
        gap_ns: f64,
        spikes: Vec<Spike>,
        /// The client's gaps (before spikes), on its stream `client/NAME/arrival` (boxed, as
        /// the other kinds keep their sources in vectors).
        gaps: Box<Exponentials>,
    },
    /// Fixed-rate constant members: each a fractional clock.
    Constant {
        gap_ns: f64,
        spikes: Vec<Spike>,
        clocks: Vec<f64>,
    },
    /// Members whose rate is a piecewise-linear curve (spikes folded in), by inversion.
    Curve {
        curve: RateCurve,
        spacing: Spacing,
        sources: Vec<Inverted>,
    },
    /// Members following a daily curve, by thinning.
    Daily(Box<Daily>),
    /// Members in on/off bursts.
    OnOff {
        on_off: OnOff,
        /// The spike factors as a curve of value 1 where none is active.
        factors: RateCurve,
        sources: Vec<Bursty>,
    },
    /// One trace.
    Trace {
        trace: Arc<ArrivalTrace>,
        /// The index (counting loops) of the arrival scheduled next.
        next: u64,
    },
    /// Closed-loop users, `users` per member, in member order.
    Closed {
        think: Distribution,
        users: u32,
        thinkers: Vec<Thinker>,
    },
    /// Members' streams of session users.
    Sessions(Box<Sessions>),
}

/// A stream of exponential draws, a batch at a time.
#[derive(Debug)]
struct Exponentials {
    stream: Stream,
    draws: Draws<f64>,
}

/// A source sampled by inversion of a rate curve.
#[derive(Debug)]
struct Inverted {
    gaps: Exponentials,
    /// Λ at the latest arrival (or its phase, before the first).
    unit: f64,
    cursor: usize,
}

#[derive(Debug)]
struct Daily {
    mean_per_ns: f64,
    amplitude: f64,
    peak_at: SimDuration,
    period: SimDuration,
    spikes: Vec<(f64, f64, f64)>,
    /// The thinning bound λ* per nanosecond.
    bound: f64,
    sources: Vec<Thinned>,
}

/// A source sampled by thinning.
#[derive(Debug)]
struct Thinned {
    stream: Stream,
    /// The latest candidate, in nanoseconds.
    at: f64,
}

/// An on/off source: its environment and its arrivals.
#[derive(Debug)]
struct Bursty {
    gaps: Exponentials,
    bursts: Stream,
    on: bool,
    /// When the current state ends, in nanoseconds.
    state_end: f64,
    /// The latest arrival, in nanoseconds.
    at: f64,
    cursor: usize,
}

/// One user's think times.
#[derive(Debug)]
struct Thinker {
    stream: Stream,
    draws: Draws<SimDuration>,
}

#[derive(Debug)]
struct Sessions {
    curve: RateCurve,
    new_users: Vec<Inverted>,
    think: Distribution,
    requests: u32,
    /// Live sessions by slot; a freed slot is reused (last freed first).
    live: Vec<Option<Session>>,
    free: Vec<u32>,
    /// Sessions started so far per member: the next session's number.
    started: Vec<u64>,
    /// Each member's name, for its sessions' stream names.
    names: Vec<String>,
    seed: u64,
}

#[derive(Debug)]
struct Session {
    member: u32,
    /// Requests still to send after the one in flight.
    left: u32,
    think: Stream,
}

/// How a source's first event arrives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Start {
    /// An open-loop arrival (a member, a member's new session users, or a trace).
    Arrival,
    /// A closed-loop user's first request, after its first think time.
    Wake,
}

/// Whether `config` is a group whose members run as one source of their summed rate: an
/// open-loop Poisson group at a fixed rate, a rate profile or a daily curve.
///
/// The superposition of `n` independent Poisson processes of intensity λ(t) is a Poisson
/// process of intensity nλ(t), and giving each of its points to one of the `n` members
/// independently and uniformly splits it back into `n` independent Poisson processes of
/// intensity λ(t) (Kingman, "Poisson Processes", 1993, §2.2 and §5.1, the superposition and
/// colouring theorems). The members share the client's node, guards and figures, so a
/// merged group has the law of `n` independent members at the cost of one pending arrival
/// (issue #19); a member is drawn only if members are counted. On/off members keep their own
/// environments (their sum is not an MMPP of two states), and constant spacing, closed loops
/// and sessions keep a source per member.
///
/// Each gap is rounded to the nanosecond, as a single client's is. For exponential gaps of
/// mean m ns the rounded mean is 1/(2 sinh(1/(2m))), about m(1 − 1/(24m²)): at most 0.04%
/// off up to 10⁸ arrivals a second (m ≥ 10).
pub(crate) fn merges(config: &ClientConfig) -> bool {
    config.count > 1
        && matches!(
            config.arrival,
            Load::Open {
                spacing: Spacing::Poisson,
                ..
            }
        )
}

/// The name of member `index` of a client called `name` of `count` members: the name
/// itself for a single client, `name[index]` in a group.
pub fn member_name(name: &str, count: u32, index: u32) -> String {
    if count == 1 {
        name.to_string()
    } else {
        format!("{name}[{index}]")
    }
}

impl Exponentials {
    fn new(seed: u64, member: &str) -> Exponentials {
        Exponentials {
            stream: Stream::new(seed, &format!("client/{member}/arrival")),
            draws: Draws::new(),
        }
    }

    /// The next exponential draw with mean `mean` (always the same `mean` for one source).
    #[inline]
    fn take(&mut self, mean: f64) -> f64 {
        let stream = &mut self.stream;
        self.draws.take(|| stream.exponential(mean))
    }
}

impl Arrivals {
    /// The sources of `config` (every member), with streams from `seed`, its load spikes, and
    /// arrivals ending at `end`.
    pub(crate) fn new(config: &ClientConfig, seed: u64, spikes: Vec<Spike>, end: SimTime) -> Self {
        let factors: Vec<(f64, f64, f64)> = spikes
            .iter()
            .map(|&(start, end, factor)| {
                let end = if end == SimTime::MAX {
                    f64::INFINITY
                } else {
                    end.as_nanos() as f64
                };
                (start.as_nanos() as f64, end, factor)
            })
            .collect();
        let n = f64::from(config.count);
        // A merged group is one source, named as the client, at `n` times a member's rate.
        let merged = merges(config);
        let scale = if merged { n } else { 1.0 };
        // The names of the sources, built only by the kinds that need them (10,000 names:
        // about 11 M instructions).
        let names = || -> Vec<String> {
            if merged {
                return vec![config.name.clone()];
            }
            (0..config.count)
                .map(|i| member_name(&config.name, config.count, i))
                .collect()
        };
        let process = match &config.arrival {
            Load::Open {
                spacing: Spacing::Poisson,
                rate: Rate::Fixed(rate),
            } => Process::Poisson {
                gap_ns: 1e9 / (rate * scale),
                spikes,
                gaps: Box::new(Exponentials::new(seed, &config.name)),
            },
            Load::Open {
                spacing: Spacing::Constant,
                rate: Rate::Fixed(rate),
            } => {
                let gap_ns = 1e9 / rate;
                Process::Constant {
                    gap_ns,
                    spikes,
                    clocks: (0..config.count)
                        .map(|i| gap_ns * ((f64::from(i) + 1.0) / n - 1.0))
                        .collect(),
                }
            }
            Load::Open {
                spacing,
                rate: Rate::Profile(profile),
            } => match profile.points() {
                Some(points) => Process::Curve {
                    curve: per_ns(&points, scale).scaled(&factors),
                    spacing: *spacing,
                    sources: (0u32..)
                        .zip(names())
                        .map(|(i, name)| Inverted {
                            gaps: Exponentials::new(seed, &name),
                            // Constant spacing phases member i (never a merged group).
                            unit: match spacing {
                                Spacing::Poisson => 0.0,
                                Spacing::Constant => (f64::from(i) + 1.0) / n - 1.0,
                            },
                            cursor: 0,
                        })
                        .collect(),
                },
                None => Process::Daily(Box::new(daily(profile, &factors, seed, &names(), scale))),
            },
            Load::OnOff(on_off) => Process::OnOff {
                on_off: *on_off,
                factors: RateCurve::through(&[(0.0, 1.0)]).scaled(&factors),
                sources: names()
                    .iter()
                    .map(|m| Bursty::new(on_off, seed, m))
                    .collect(),
            },
            Load::Trace(trace) => Process::Trace {
                trace: Arc::clone(trace),
                next: 0,
            },
            Load::Closed { users, think } => Process::Closed {
                think: think.clone(),
                users: *users,
                thinkers: names()
                    .iter()
                    .flat_map(|m| {
                        (0..*users).map(move |u| Thinker {
                            stream: Stream::new(seed, &format!("client/{m}/user/{u}/think")),
                            draws: Draws::new(),
                        })
                    })
                    .collect(),
            },
            Load::Sessions {
                rate_per_s,
                requests,
                think,
            } => {
                let curve = per_ns(&[(SimDuration::ZERO, *rate_per_s)], 1.0).scaled(&factors);
                let members = names();
                Process::Sessions(Box::new(Sessions {
                    curve,
                    new_users: members
                        .iter()
                        .map(|m| Inverted {
                            gaps: Exponentials::new(seed, m),
                            unit: 0.0,
                            cursor: 0,
                        })
                        .collect(),
                    think: think.clone(),
                    requests: *requests,
                    live: Vec::new(),
                    free: Vec::new(),
                    started: vec![0; config.count as usize],
                    names: members,
                    seed,
                }))
            }
        };
        let name = &config.name;
        Arrivals {
            process,
            members: (merged && config.report_members).then(|| {
                Box::new((
                    config.count,
                    Stream::new(seed, &format!("client/{name}/member")),
                ))
            }),
            horizon: end.as_nanos() as f64,
        }
    }

    /// Every source's first event: `(source, when, how)`, in source order.
    pub(crate) fn first(&mut self) -> Vec<(u32, SimTime, Start)> {
        let sources = match &self.process {
            Process::Poisson { .. } => 1,
            Process::Constant { clocks, .. } => clocks.len(),
            Process::Curve { sources, .. } => sources.len(),
            Process::Daily(daily) => daily.sources.len(),
            Process::OnOff { sources, .. } => sources.len(),
            Process::Trace { .. } => 1,
            Process::Closed { thinkers, .. } => thinkers.len(),
            Process::Sessions(sessions) => sessions.new_users.len(),
        } as u32;
        let mut first = Vec::with_capacity(sources as usize);
        for source in 0..sources {
            let (at, how) = match self.process {
                // A user's first request comes after one think time: users start staggered.
                Process::Closed { .. } => {
                    (Some(SimTime::ZERO.add(self.think(source))), Start::Wake)
                }
                _ => (self.next(source, SimTime::ZERO), Start::Arrival),
            };
            if let Some(at) = at {
                first.push((source, at, how));
            }
        }
        first
    }

    /// When open-loop `source` fires next after firing at `now` (or its first arrival, from
    /// `SimTime::ZERO` at the start); `None` if it never does again before the end.
    ///
    /// A fixed-rate Poisson source (row (d) of `benches/engine.rs`) is handled inline; every
    /// other kind out of line.
    #[inline]
    pub(crate) fn next(&mut self, source: u32, now: SimTime) -> Option<SimTime> {
        if let Process::Poisson {
            gap_ns,
            spikes,
            gaps,
        } = &mut self.process
        {
            let gap = gaps.take(*gap_ns);
            return Some(now.add(SimDuration::from_nanos_f64(spiked(spikes, now, gap))));
        }
        self.next_other(source, now)
    }

    /// `next` for every kind of source but a fixed-rate Poisson one.
    #[inline(never)]
    fn next_other(&mut self, source: u32, now: SimTime) -> Option<SimTime> {
        let horizon = self.horizon;
        match &mut self.process {
            Process::Poisson { .. } => unreachable!("handled inline by `next`"),
            Process::Constant {
                gap_ns,
                spikes,
                clocks,
            } => {
                let clock = &mut clocks[source as usize];
                *clock += spiked(spikes, now, *gap_ns);
                let at = SimTime::from_nanos(SimDuration::from_nanos_f64(*clock).as_nanos());
                Some(at.max(now))
            }
            Process::Curve {
                curve,
                spacing,
                sources,
            } => {
                let s = &mut sources[source as usize];
                s.unit += match spacing {
                    Spacing::Poisson => s.gaps.take(1.0),
                    Spacing::Constant => 1.0,
                };
                let at = curve.inverse(s.unit, &mut s.cursor)?;
                within(at, horizon, now)
            }
            Process::Daily(daily) => daily.next(source, horizon, now),
            Process::OnOff {
                on_off,
                factors,
                sources,
            } => sources[source as usize].next(on_off, factors, horizon, now),
            Process::Trace { trace, next } => {
                let at = trace_time(trace, *next)?;
                *next += 1;
                within(at, horizon, now)
            }
            Process::Sessions(sessions) => {
                let s = &mut sessions.new_users[source as usize];
                s.unit += s.gaps.take(1.0);
                let at = sessions.curve.inverse(s.unit, &mut s.cursor)?;
                within(at, horizon, now)
            }
            Process::Closed { .. } => unreachable!("closed-loop users wake, they do not arrive"),
        }
    }

    /// The request class a trace gives the arrival that just fired (call before `next`),
    /// as an index into the client's classes; `None` unless a trace names classes.
    pub(crate) fn traced_class(&self) -> Option<u16> {
        match &self.process {
            Process::Trace { trace, next } if !trace.classes.is_empty() => {
                let index = next.checked_sub(1)? % trace.times.len() as u64;
                Some(trace.classes[index as usize])
            }
            _ => None,
        }
    }

    /// Whether the sources are users who wait for each outcome (closed loop or sessions).
    pub(crate) fn waits(&self) -> bool {
        matches!(self.process, Process::Closed { .. } | Process::Sessions(_))
    }

    /// Member `source`'s new user arrives: a session starts. Returns the user's tag (a slot,
    /// reused once its session ends).
    pub(crate) fn start_session(&mut self, member: u32) -> u32 {
        let Process::Sessions(s) = &mut self.process else {
            unreachable!("only sessions start sessions")
        };
        let number = s.started[member as usize];
        s.started[member as usize] += 1;
        let name = &s.names[member as usize];
        let session = Session {
            member,
            left: s.requests - 1,
            think: Stream::new(s.seed, &format!("client/{name}/session/{number}/think")),
        };
        match s.free.pop() {
            Some(slot) => {
                s.live[slot as usize] = Some(session);
                slot
            }
            None => {
                s.live.push(Some(session));
                u32::try_from(s.live.len() - 1).expect("live sessions fit in u32")
            }
        }
    }

    /// The tag of the open-loop request `source` just sent: the member it comes from, drawn
    /// uniformly for a merged group whose members are counted (`merges`), else
    /// `source` itself.
    pub(crate) fn member_arriving(&mut self, source: u32) -> u32 {
        match &mut self.members {
            Some(members) => {
                let (count, stream) = &mut **members;
                u32::try_from(stream.below(u64::from(*count))).expect("a member index fits u32")
            }
            None => source,
        }
    }

    /// The member a request's source tag belongs to (a member, a user, or a session slot).
    pub(crate) fn member_of(&self, tag: u32) -> u32 {
        match &self.process {
            Process::Closed { users, .. } => tag / users,
            Process::Sessions(s) => {
                s.live[tag as usize]
                    .as_ref()
                    .expect("a session with a request in flight is live")
                    .member
            }
            _ => tag,
        }
    }

    /// The user `tag` got its request's outcome at `now`: when it sends its next one, or
    /// `None` if it leaves (its session is over) or would send it after the end.
    #[inline]
    pub(crate) fn after_outcome(&mut self, tag: u32, now: SimTime) -> Option<SimTime> {
        let think = if let Process::Closed {
            think, thinkers, ..
        } = &mut self.process
        {
            let t = &mut thinkers[tag as usize];
            let stream = &mut t.stream;
            t.draws.take(|| think.sample(stream))
        } else if let Process::Sessions(s) = &mut self.process {
            let slot = &mut s.live[tag as usize];
            let session = slot.as_mut().expect("a session with an outcome is live");
            if session.left == 0 {
                *slot = None;
                s.free.push(tag);
                return None;
            }
            session.left -= 1;
            s.think.sample(&mut session.think)
        } else {
            unreachable!("only users wait for outcomes")
        };
        let at = now.add(think);
        (at.as_nanos() as f64 <= self.horizon).then_some(at)
    }

    /// A think time of closed-loop user `user`.
    #[inline]
    fn think(&mut self, user: u32) -> SimDuration {
        let Process::Closed {
            think, thinkers, ..
        } = &mut self.process
        else {
            unreachable!("only closed-loop users think from their own streams")
        };
        let t = &mut thinkers[user as usize];
        let stream = &mut t.stream;
        // A batch at once: an exponential converts its mean once and draws inline.
        t.draws.take_filled(|batch| think.fill(stream, batch))
    }
}

/// `gap` divided by the product of the factors of the spikes active at `now`. Without
/// spikes that factor is exactly 1.0 and `x / 1.0 == x`, so the division is skipped.
#[inline]
fn spiked(spikes: &[Spike], now: SimTime, gap: f64) -> f64 {
    if spikes.is_empty() {
        return gap;
    }
    let factor: f64 = spikes
        .iter()
        .filter(|(start, end, _)| *start <= now && now < *end)
        .map(|(_, _, f)| f)
        .product();
    gap / factor
}

/// `at` (nanoseconds) as an instant no earlier than `now`, or `None` past `horizon`.
fn within(at: f64, horizon: f64, now: SimTime) -> Option<SimTime> {
    (at <= horizon).then(|| SimTime::ZERO.add(SimDuration::from_nanos_f64(at)).max(now))
}

/// Points in (time, requests per second) as a curve in (nanoseconds, per nanosecond).
fn per_ns(points: &[(SimDuration, f64)], scale: f64) -> RateCurve {
    let points: Vec<(f64, f64)> = points
        .iter()
        .map(|&(at, rate)| (at.as_nanos() as f64, rate * scale / 1e9))
        .collect();
    RateCurve::through(&points)
}

/// The time (ns) of a trace's arrival number `index` (counting loops), or `None` after the
/// last one of a trace that does not loop.
fn trace_time(trace: &ArrivalTrace, index: u64) -> Option<f64> {
    let len = trace.times.len() as u64;
    let (round, i) = (index / len, index % len);
    let offset = match trace.period {
        None if round > 0 => return None,
        None => 0.0,
        Some(period) => round as f64 * period.as_nanos() as f64,
    };
    Some((offset + trace.times[i as usize].as_nanos() as f64) / trace.speed)
}

fn daily(
    profile: &Profile,
    factors: &[(f64, f64, f64)],
    seed: u64,
    members: &[String],
    scale: f64,
) -> Daily {
    let Profile::Daily {
        mean_per_s,
        amplitude,
        peak_at,
        period,
    } = *profile
    else {
        unreachable!("only a daily curve is thinned")
    };
    let factor_max = RateCurve::through(&[(0.0, 1.0)]).scaled(factors).rate_max();
    Daily {
        mean_per_ns: mean_per_s * scale / 1e9,
        amplitude,
        peak_at,
        period,
        spikes: factors.to_vec(),
        bound: mean_per_s * scale / 1e9 * (1.0 + amplitude) * factor_max,
        sources: members
            .iter()
            .map(|m| Thinned {
                stream: Stream::new(seed, &format!("client/{m}/arrival")),
                at: 0.0,
            })
            .collect(),
    }
}

impl Daily {
    /// The rate (per ns) at `at` ns, spikes included.
    fn rate(&self, at: f64) -> f64 {
        let phase = daily_phase(SimDuration::from_nanos_f64(at), self.peak_at, self.period);
        let factor: f64 = self
            .spikes
            .iter()
            .filter(|(start, end, _)| *start <= at && at < *end)
            .map(|f| f.2)
            .product();
        self.mean_per_ns * (1.0 + self.amplitude * libm::cos(phase)) * factor
    }

    fn next(&mut self, source: u32, horizon: f64, now: SimTime) -> Option<SimTime> {
        let bound = self.bound;
        // Every candidate moves time on, and the loop stops past the horizon.
        loop {
            let s = &mut self.sources[source as usize];
            s.at += s.stream.exponential(1.0 / bound);
            let (at, u) = (s.at, s.stream.unit());
            if at > horizon {
                return None;
            }
            if u * bound < self.rate(at) {
                return within(at, horizon, now);
            }
        }
    }
}

impl Bursty {
    fn new(on_off: &OnOff, seed: u64, member: &str) -> Bursty {
        let mut bursts = Stream::new(seed, &format!("client/{member}/bursts"));
        let (on_mean, off_mean) = (
            on_off.on_mean.as_nanos() as f64,
            on_off.off_mean.as_nanos() as f64,
        );
        // The stationary state, and (by memorylessness) a full exponential holding time.
        let on = bursts.unit() < on_mean / (on_mean + off_mean);
        let state_end = bursts.exponential(if on { on_mean } else { off_mean });
        Bursty {
            gaps: Exponentials::new(seed, member),
            bursts,
            on,
            state_end,
            at: 0.0,
            cursor: 0,
        }
    }

    fn next(
        &mut self,
        on_off: &OnOff,
        factors: &RateCurve,
        horizon: f64,
        now: SimTime,
    ) -> Option<SimTime> {
        // Each pass ends in an arrival or moves to the next state, and time passes the
        // horizon after finitely many states.
        loop {
            if self.at > horizon {
                return None;
            }
            let rate = if self.on {
                on_off.on_rate_per_s
            } else {
                on_off.off_rate_per_s
            } / 1e9;
            if rate > 0.0 {
                let start = factors.integral(self.at, &mut self.cursor);
                let mut cursor = self.cursor;
                let at = factors.inverse(start + self.gaps.take(1.0) / rate, &mut cursor);
                if let Some(at) = at.filter(|at| *at < self.state_end) {
                    self.at = at;
                    self.cursor = cursor;
                    return within(at, horizon, now);
                }
            }
            // The state ends first: the environment moves on.
            self.at = self.state_end;
            self.on = !self.on;
            let mean = if self.on {
                on_off.on_mean
            } else {
                on_off.off_mean
            };
            self.state_end += self.bursts.exponential(mean.as_nanos() as f64);
        }
    }
}

#[cfg(test)]
mod tests;
