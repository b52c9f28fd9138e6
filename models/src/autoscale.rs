//! Target-tracking autoscaling: a pure state machine over virtual time that decides how many
//! replicas a service should have, and tracks each replica's life (off, starting, serving,
//! draining). It knows nothing of the world: `world::autoscale` feeds it the metric the
//! controller sees and turns its decisions into events.
//!
//! The rule is the Kubernetes Horizontal Pod Autoscaler's ("Horizontal Pod Autoscaling",
//! kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/, "Algorithm details"),
//! which AWS Application Auto Scaling's target tracking also follows:
//!
//! ```text
//! desired = ceil(current × metric / target)     clamped to min_replicas..=max_replicas
//! no change while |metric / target − 1| ≤ tolerance (Kubernetes' default 0.1)
//! ```
//!
//! `current` counts the replicas provisioned (starting or serving; not draining). The
//! metric is per serving replica; when it asks for a scale-out, it is taken again with the
//! starting replicas counted at no load, as the HPA counts a pod that is not ready yet at 0%
//! when it scales up, so the replicas already on their way damp the next decision instead of
//! being asked for again (and never make it scale in).
//!
//! A replica's life:
//!
//! ```text
//! Off ──scale-out──▶ Starting ──provisioning delay──▶ Serving ──scale-in──▶ Draining ──idle──▶ Off
//!                       └──────────── scale-in (cancelled first) ─────────────────────────────▶ Off
//! ```
//!
//! Cooldowns: no scale-out until `scale_out_cooldown` after the last scale-out; no scale-in
//! until `scale_in_cooldown` after the last scaling of either kind (AWS's scale-in cooldown,
//! which a scale-out also interrupts). Scale-out takes the lowest-numbered off replicas;
//! scale-in cancels starting replicas first (the highest-numbered first), then drains the
//! highest-numbered serving ones.

use sim_core::{LevelSeries, SimDuration, SimTime, TimeAverage};

use crate::config::{AutoscaleConfig, AutoscaleMetric, Fault, FaultKind};

/// Decisions kept per service; later ones are counted in `AutoscaleResult::decisions_dropped`.
/// A 15 s interval over a day is 5,760 evaluations, most of them no change: a few hundred
/// changes is already a controller that flaps.
pub const DECISIONS_MAX: usize = 1_000;

/// Where one replica of an autoscaled service is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReplicaState {
    /// Not provisioned: down, not routable, costs nothing.
    Off,
    /// Provisioned, cold-starting: costs, takes no traffic until its provisioning delay ends.
    Starting,
    /// Takes traffic.
    Serving,
    /// Scaled in: takes no new traffic, finishes its queued and running jobs, then goes off.
    Draining,
}

/// One evaluation that changed the replica count.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Decision {
    /// When it was made.
    pub at: SimTime,
    /// Replicas provisioned before (starting or serving).
    pub from: u32,
    /// Replicas provisioned after.
    pub to: u32,
    /// The per-replica metric value the controller saw.
    pub metric: f64,
}

/// What an evaluation asks the world to do.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Change {
    /// Replicas that start provisioning now (they serve after the provisioning delay).
    pub started: Vec<u32>,
    /// Replicas that stop taking new traffic and drain.
    pub drained: Vec<u32>,
    /// Starting replicas cancelled before they served.
    pub cancelled: Vec<u32>,
}

/// What a service's autoscaler did over a run.
#[derive(Clone, Debug, PartialEq)]
pub struct AutoscaleResult {
    /// Changes of the replica count, in order (at most `DECISIONS_MAX`), warm-up included.
    pub decisions: Vec<Decision>,
    /// Changes beyond `DECISIONS_MAX`, counted but not kept.
    pub decisions_dropped: u64,
    /// Evaluations made (changes or not), warm-up included.
    pub evaluations: u64,
    /// Mean replicas provisioned (starting, serving or draining) in each row of the series.
    pub replicas_provisioned: Vec<f64>,
    /// Most replicas provisioned at once in the measured window.
    pub peak: u32,
    /// The most it may provision (`max_replicas`: the replicas allocated).
    pub replicas_max: u32,
    /// Mean replicas provisioned over the measured window; `None` for an empty window.
    pub mean: Option<f64>,
    /// Replica-nanoseconds provisioned in the measured window: what the replicas cost.
    pub provisioned_ns: u128,
    /// Scale-out lag: from the start of the first load spike in the measured window to when
    /// the replicas serving first reached their most during it; `None` without a load spike
    /// or when the service did not scale out during it.
    pub scale_out_lag: Option<SimDuration>,
}

/// A service's autoscaler: the replicas' states, the cooldown clocks and what it decided.
#[derive(Clone, Debug)]
pub struct Autoscaler {
    config: AutoscaleConfig,
    states: Vec<ReplicaState>,
    /// When each starting replica serves (a replica cancelled and started again ignores its
    /// first provisioning event).
    ready_at: Vec<SimTime>,
    last_scale_out: Option<SimTime>,
    last_scale: Option<SimTime>,
    decisions: Vec<Decision>,
    decisions_dropped: u64,
    evaluations: u64,
    /// The width of a series row (the service's).
    row_width: SimDuration,
    /// Starting plus serving replicas over time: the per-replica denominator on scale-out.
    counted: LevelSeries,
    /// Serving replicas over time: the per-replica denominator.
    ready: LevelSeries,
    /// Starting, serving and draining replicas over time: what is paid for.
    provisioned: LevelSeries,
    provisioned_average: TimeAverage,
    warmup_end: SimTime,
    /// Provisioned replicas now, and serving (serving or draining) replicas now.
    level: (u32, u32),
    /// Most replicas provisioned in the measured window so far (once it has opened).
    peak: Option<u32>,
    /// The first load spike in the measured window, if any: (start, end).
    spike: Option<(SimTime, SimTime)>,
    /// Serving replicas when the spike started, and the most during it with when first
    /// reached.
    spike_serving: Option<(u32, u32, SimTime)>,
}

/// What the controller sees at an evaluation: the service's load over the window, and the
/// replicas it is spread over.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Observed {
    /// The metric summed over the replicas (busy workers over one replica's workers, queued
    /// attempts, or attempts per second), averaged over the window.
    pub total: f64,
    /// Replicas serving, averaged over the window.
    pub ready: f64,
    /// Replicas starting or serving, averaged over the window.
    pub counted: f64,
}

impl Observed {
    /// A metric of `metric` per replica over one replica, serving: for tests of the rule.
    pub fn per_replica(metric: f64) -> Observed {
        Observed {
            total: metric,
            ready: 1.0,
            counted: 1.0,
        }
    }
}

/// A service's load over the run so far, per row of its series (of `width`; the last row
/// partial): what the metrics are computed from.
#[derive(Clone, Debug, PartialEq)]
pub struct LoadAreas {
    /// The width of a row.
    pub width: SimDuration,
    /// Busy workers × nanoseconds in each row.
    pub busy: Vec<f64>,
    /// Queued attempts × nanoseconds in each row.
    pub queued: Vec<f64>,
    /// Attempts arriving in each row.
    pub arrivals: Vec<f64>,
}

/// Replicas target tracking asks for: `ceil(current × metric / target)` clamped to the
/// bounds, or `current` while `metric / target` lies within `1 ± tolerance` (the Kubernetes
/// HPA's rule, "Algorithm details").
pub fn desired(config: &AutoscaleConfig, current: u32, metric: f64) -> u32 {
    let ratio = metric / config.target;
    if (ratio - 1.0).abs() <= config.tolerance {
        return current.clamp(config.min_replicas, config.max_replicas);
    }
    // A hair below the integer: 3 × 0.5 / 0.5 computed as 3.0000000000000004 asks for 3.
    let wanted = (f64::from(current) * ratio - 1e-9).ceil();
    let wanted = if wanted.is_finite() && wanted > 0.0 {
        wanted.min(f64::from(u32::MAX)) as u32
    } else {
        0
    };
    wanted.clamp(config.min_replicas, config.max_replicas)
}

impl Autoscaler {
    /// The autoscaler of a service with `config` (its `max_replicas` replicas allocated), in
    /// a world whose measured window starts at `warmup_end`, series in rows of `interval`;
    /// `spike` is the first load spike (start, end) the scale-out lag is measured from.
    pub fn new(
        config: AutoscaleConfig,
        warmup_end: SimTime,
        interval: SimDuration,
        spike: Option<(SimTime, SimTime)>,
    ) -> Autoscaler {
        assert!(
            config.min_replicas >= 1,
            "an autoscaled service keeps a replica"
        );
        assert!(
            config.min_replicas <= config.initial && config.initial <= config.max_replicas,
            "the initial count lies within the bounds"
        );
        let states = (0..config.max_replicas)
            .map(|r| {
                if r < config.initial {
                    ReplicaState::Serving
                } else {
                    ReplicaState::Off
                }
            })
            .collect();
        let mut counted = LevelSeries::new(interval);
        counted.set(SimTime::ZERO, u64::from(config.initial));
        let mut ready = LevelSeries::new(interval);
        ready.set(SimTime::ZERO, u64::from(config.initial));
        let mut provisioned = LevelSeries::new(interval);
        provisioned.set(SimTime::ZERO, u64::from(config.initial));
        let mut provisioned_average = TimeAverage::new(warmup_end);
        provisioned_average.set(SimTime::ZERO, u64::from(config.initial));
        Autoscaler {
            config,
            states,
            ready_at: vec![SimTime::ZERO; config.max_replicas as usize],
            last_scale_out: None,
            last_scale: None,
            decisions: Vec::new(),
            decisions_dropped: 0,
            evaluations: 0,
            row_width: interval,
            counted,
            ready,
            provisioned,
            provisioned_average,
            warmup_end,
            level: (config.initial, config.initial),
            peak: None,
            spike,
            spike_serving: None,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &AutoscaleConfig {
        &self.config
    }

    /// `replica`'s state.
    pub fn state(&self, replica: u32) -> ReplicaState {
        self.states[replica as usize]
    }

    /// Starting plus serving replicas now: `current` in the target-tracking rule.
    pub fn current(&self) -> u32 {
        self.count(|s| matches!(s, ReplicaState::Starting | ReplicaState::Serving))
    }

    /// The mean of a replica-count `series` over `from..to` (both before `now`).
    fn mean_of(&self, series: &LevelSeries, from: SimTime, to: SimTime, now: SimTime) -> f64 {
        let rows = series.means(now);
        let areas: Vec<f64> = rows
            .iter()
            .enumerate()
            .map(|(i, mean)| mean * row_span(i, self.row_width, now))
            .collect();
        window_rate(&areas, self.row_width, from, to, now)
    }

    /// What the controller sees at `now`: the service's `load` (its replicas have `workers`
    /// workers each) averaged over the window that ends `metrics_delay` ago, with the
    /// replicas serving and starting then; `None` before that window holds any time.
    pub fn seen(&self, load: &LoadAreas, workers: u32, now: SimTime) -> Option<Observed> {
        let to = SimTime::from_nanos(
            now.as_nanos()
                .checked_sub(self.config.metrics_delay.as_nanos())?,
        );
        if to == SimTime::ZERO {
            return None;
        }
        let from = SimTime::from_nanos(to.as_nanos().saturating_sub(self.config.window.as_nanos()));
        let rate = |areas: &[f64]| window_rate(areas, load.width, from, to, now);
        let total = match self.config.metric {
            AutoscaleMetric::Utilization => rate(&load.busy) / f64::from(workers),
            AutoscaleMetric::QueueLength => rate(&load.queued),
            AutoscaleMetric::RequestRate => rate(&load.arrivals) * 1e9,
        };
        Some(Observed {
            total,
            ready: self.mean_of(&self.ready, from, to, now),
            counted: self.mean_of(&self.counted, from, to, now),
        })
    }

    /// Evaluates at `now` with what the controller sees (`None`: no data yet, no decision).
    /// Returns the change to make, if any.
    ///
    /// As the HPA does with pods that are not ready: the metric is per serving replica; if
    /// that asks for more replicas, it is taken again with the starting replicas counted at
    /// no load, and the scale-out happens only if it still asks for more (so replicas on
    /// their way are not asked for twice, nor do they make the controller scale in).
    pub fn evaluate(&mut self, now: SimTime, seen: Option<Observed>) -> Option<Change> {
        self.evaluations += 1;
        let seen = seen?;
        if seen.ready <= 0.0 {
            return None; // No replica served in the window: nothing to average over.
        }
        let current = self.current();
        let mut metric = seen.total / seen.ready;
        let mut wanted = desired(&self.config, current, metric);
        if wanted > current && seen.counted > seen.ready {
            metric = seen.total / seen.counted;
            wanted = desired(&self.config, current, metric).max(current);
        }
        let since = |last: Option<SimTime>| last.map(|t| now.since(t));
        let change = if wanted > current {
            if since(self.last_scale_out).is_some_and(|d| d < self.config.scale_out_cooldown) {
                return None;
            }
            self.scale_out(now, wanted - current)
        } else if wanted < current {
            if since(self.last_scale).is_some_and(|d| d < self.config.scale_in_cooldown) {
                return None;
            }
            self.scale_in(wanted)
        } else {
            return None;
        };
        let to = self.current();
        if to == current {
            return None; // Every replica is busy draining: nothing to start.
        }
        self.last_scale = Some(now);
        if to > current {
            self.last_scale_out = Some(now);
        }
        if self.decisions.len() < DECISIONS_MAX {
            self.decisions.push(Decision {
                at: now,
                from: current,
                to,
                metric,
            });
        } else {
            self.decisions_dropped += 1;
        }
        self.record(now);
        Some(change)
    }

    /// Starts up to `more` off replicas, lowest-numbered first.
    fn scale_out(&mut self, now: SimTime, more: u32) -> Change {
        let ready = now.add(self.config.provisioning);
        let mut change = Change::default();
        for (replica, state) in self.states.iter_mut().enumerate() {
            if change.started.len() as u32 == more {
                break;
            }
            if *state == ReplicaState::Off {
                *state = ReplicaState::Starting;
                self.ready_at[replica] = ready;
                change.started.push(replica as u32);
            }
        }
        change
    }

    /// Brings starting plus serving replicas down to `wanted`: cancels starting replicas,
    /// then drains serving ones, the highest-numbered first.
    fn scale_in(&mut self, wanted: u32) -> Change {
        let mut change = Change::default();
        let mut excess = self.current() - wanted;
        for (from, to) in [
            (ReplicaState::Starting, ReplicaState::Off),
            (ReplicaState::Serving, ReplicaState::Draining),
        ] {
            for replica in (0..self.states.len()).rev() {
                if excess == 0 {
                    break;
                }
                if self.states[replica] == from {
                    self.states[replica] = to;
                    excess -= 1;
                    match to {
                        ReplicaState::Off => change.cancelled.push(replica as u32),
                        _ => change.drained.push(replica as u32),
                    }
                }
            }
        }
        change
    }

    /// `replica`'s provisioning delay, started at some scale-out, ends at `now`: true if it
    /// serves from now on (it is still starting, from that scale-out).
    pub fn provisioned(&mut self, replica: u32, now: SimTime) -> bool {
        let r = replica as usize;
        if self.states[r] != ReplicaState::Starting || self.ready_at[r] != now {
            return false;
        }
        self.states[r] = ReplicaState::Serving;
        self.record(now);
        true
    }

    /// Draining `replica` has finished its last job at `now`: it goes off.
    pub fn drained(&mut self, replica: u32, now: SimTime) {
        assert_eq!(
            self.states[replica as usize],
            ReplicaState::Draining,
            "only a draining replica finishes draining"
        );
        self.states[replica as usize] = ReplicaState::Off;
        self.record(now);
    }

    /// Updates the series, the peak and the spike's serving count after a change of states
    /// at `now`.
    fn record(&mut self, now: SimTime) {
        let counted = self.current();
        let provisioned = self.count(|s| s != ReplicaState::Off);
        let serving = self.count(|s| matches!(s, ReplicaState::Serving | ReplicaState::Draining));
        self.counted.set(now, u64::from(counted));
        let ready = self.count(|s| s == ReplicaState::Serving);
        self.ready.set(now, u64::from(ready));
        self.provisioned.set(now, u64::from(provisioned));
        self.provisioned_average.set(now, u64::from(provisioned));
        let (before, serving_before) = self.level;
        if now >= self.warmup_end {
            // The count standing when the window opened counts too.
            let peak = self.peak.unwrap_or(before);
            self.peak = Some(peak.max(provisioned));
        }
        if let Some((start, end)) = self.spike {
            if start <= now && now < end {
                let (base, most, at) =
                    *self
                        .spike_serving
                        .get_or_insert((serving_before, serving_before, start));
                self.spike_serving = Some(if serving > most {
                    (base, serving, now)
                } else {
                    (base, most, at)
                });
            }
        }
        self.level = (provisioned, serving);
    }

    fn count(&self, which: impl Fn(ReplicaState) -> bool) -> u32 {
        self.states.iter().filter(|s| which(**s)).count() as u32
    }

    /// What it did, with the measured window `warmup_end..end`.
    pub fn result(&self, end: SimTime) -> AutoscaleResult {
        let measured = end.since(self.warmup_end);
        let mean = (measured > SimDuration::ZERO).then(|| self.provisioned_average.mean(end));
        let peak = self.peak.unwrap_or(self.level.0);
        let scale_out_lag = match self.spike_serving {
            Some((base, most, at)) if most > base => {
                Some(at.since(self.spike.expect("a spike was seen").0))
            }
            _ => None,
        };
        AutoscaleResult {
            decisions: self.decisions.clone(),
            decisions_dropped: self.decisions_dropped,
            evaluations: self.evaluations,
            replicas_provisioned: self.provisioned.means(end),
            peak,
            replicas_max: self.config.max_replicas,
            mean,
            provisioned_ns: (mean.unwrap_or(0.0) * measured.as_nanos() as f64).round() as u128,
            scale_out_lag,
        }
    }
}

/// The first load spike (start, end) that starts in the measured window (from `warmup_end`)
/// among `faults`, if any.
pub fn first_spike(faults: &[Fault], warmup_end: SimTime) -> Option<(SimTime, SimTime)> {
    faults
        .iter()
        .filter(|f| matches!(f.kind, FaultKind::LoadSpike { .. }) && f.start >= warmup_end)
        .map(|f| (f.start, f.end))
        .min()
}

/// Nanoseconds of row `index` (of `width`) that lie before `now`.
pub fn row_span(index: usize, width: SimDuration, now: SimTime) -> f64 {
    let start = index as u64 * width.as_nanos();
    now.as_nanos().saturating_sub(start).min(width.as_nanos()) as f64
}

/// The mean rate (area per nanosecond) over `from..to` of a quantity given as its area in
/// each row of `width` up to `now` (the last row partial), spreading each row's area evenly
/// over the part of it before `now`. Both ends are clamped to `0..=now`; an empty window
/// gives 0.
pub fn window_rate(
    areas: &[f64],
    width: SimDuration,
    from: SimTime,
    to: SimTime,
    now: SimTime,
) -> f64 {
    let to = to.min(now);
    let from = from.min(to);
    let span = to.since(from).as_nanos() as f64;
    if span == 0.0 {
        return 0.0;
    }
    let cumulative = |at: SimTime| -> f64 {
        let index = (at.as_nanos() / width.as_nanos()) as usize;
        let whole: f64 = areas.iter().take(index).sum();
        let part = match areas.get(index) {
            Some(area) => {
                let into = (at.as_nanos() - index as u64 * width.as_nanos()) as f64;
                let row = row_span(index, width, now);
                if row > 0.0 {
                    area * into / row
                } else {
                    0.0
                }
            }
            None => 0.0,
        };
        whole + part
    };
    (cumulative(to) - cumulative(from)) / span
}

#[cfg(test)]
mod tests;
