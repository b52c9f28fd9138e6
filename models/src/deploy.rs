//! A deployment of a bad version as a fault: the rollout's schedule (which replicas run the
//! new version when), the version of each arriving attempt, the regression the new version
//! brings, what each version served, and the rollback a burn-rate alert decides.
//!
//! A pure state machine over the times the world hands it; the world (`world/deploy.rs`)
//! schedules its `Action`s as `Event::Deploy` on the one event loop, so the rollout and the
//! rollback are part of the run's trace.
//!
//! The schedule, from `at`:
//!
//! | strategy | step 0 at `at` | later steps |
//! |---|---|---|
//! | `all_at_once`, `blue_green` | every replica new | none |
//! | `rolling` | replicas `0..batch` new | step k at `at + k × interval`: the next `batch` |
//! | `canary` (`share`) | each attempt new with probability `share` | at `at + bake`: every replica new |
//! | `canary` (`replicas`) | replicas `0..n` new | at `at + bake`: every replica new |
//!
//! The alert (`deploy/alert.rs`) is evaluated every `every` from the first multiple of it
//! after `at`. When it fires with a rollback configured, the rollout stops where it is (no
//! later step runs) and, `rollback.duration` later, every attempt is the old version's again.
//! Nothing is scheduled after the end of arrivals.

use sim_core::{Probability, SimDuration, SimTime, Stream};

use crate::config::{CanarySplit, DeployStrategy, Deployment};

mod alert;
pub use alert::Alarm;

/// What a rollout's event does when it is due.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Step `k` of the schedule.
    Step(u32),
    /// Evaluate the alert.
    Check,
    /// The rollback is done: the old version serves everything again.
    RollbackDone,
}

/// Which version of a deploying service served an attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Version {
    /// The version that ran before the deploy (and again after a rollback).
    Old,
    /// The version being deployed.
    New,
}

/// One service's rollout of a new version.
#[derive(Clone, Debug)]
pub struct Rollout {
    /// The deployment as configured.
    pub config: Deployment,
    /// The service's name.
    name: String,
    replicas: u32,
    /// Replicas running the new version.
    new: Vec<bool>,
    /// While a share canary bakes: the probability an attempt is the new version's.
    share: Option<Probability>,
    /// No later step runs (the alert fired and a rollback began).
    halted: bool,
    /// The canary's traffic split (`deploy/NAME/split`), drawn only while a share canary bakes.
    split: Stream,
    /// The new version's failures (`deploy/NAME/errors`), drawn only for its attempts.
    errors: Stream,
    alarm: Option<Alarm>,
    warmup_end: SimTime,
    end: SimTime,
    counts: DeploymentResult,
}

/// What a deployment did, counted over the measured window (after the warm-up, up to the end
/// of arrivals): every attempt the service answered, by the version that served it.
#[derive(Clone, Debug, PartialEq)]
pub struct DeploymentResult {
    /// The service deployed to.
    pub service: String,
    /// The strategy's name (`DeployStrategy::name`).
    pub strategy: &'static str,
    /// When the rollout started.
    pub at: SimTime,
    /// Attempts the new version answered.
    pub served_new: u64,
    /// Attempts the old version answered.
    pub served_old: u64,
    /// Attempts the new version answered badly: with a 5xx-like error (an error, a refusal,
    /// a rejection, a rate limit) or slower than the alert's `latency_below`.
    pub bad_requests: u64,
    /// Attempts the old version answered badly, by the same rule.
    pub bad_old: u64,
    /// When every replica ran the new version (`None`: never, rolled back or cut short).
    pub completed_at: Option<SimTime>,
    /// When the alert fired (`None`: never, or no alert).
    pub alert_at: Option<SimTime>,
    /// When the rollback was done (`None`: never).
    pub rolled_back_at: Option<SimTime>,
}

impl Rollout {
    /// The rollout of `config` at a service named `name` with `replicas` replicas, its streams
    /// derived from `seed`; answers count from `warmup_end`, and nothing happens after `end`.
    pub fn new(
        config: Deployment,
        name: &str,
        replicas: u32,
        seed: u64,
        (warmup_end, end): (SimTime, SimTime),
    ) -> Rollout {
        Rollout {
            counts: DeploymentResult {
                service: name.to_string(),
                strategy: config.strategy.name(),
                at: config.at,
                served_new: 0,
                served_old: 0,
                bad_requests: 0,
                bad_old: 0,
                completed_at: None,
                alert_at: None,
                rolled_back_at: None,
            },
            alarm: config.alert.map(Alarm::new),
            split: Stream::new(seed, &format!("deploy/{name}/split")),
            errors: Stream::new(seed, &format!("deploy/{name}/errors")),
            name: name.to_string(),
            replicas,
            new: vec![false; replicas as usize],
            share: None,
            halted: false,
            config,
            warmup_end,
            end,
        }
    }

    /// The first events: step 0, and the alert's first evaluation.
    pub fn initial(&self) -> Vec<(SimTime, Action)> {
        let mut first = Vec::new();
        if self.config.at <= self.end {
            first.push((self.config.at, Action::Step(0)));
        }
        if let Some(alert) = &self.config.alert {
            let every = alert.every.as_nanos();
            // The first multiple of `every` after the start.
            let check = (self.config.at.as_nanos() / every + 1).saturating_mul(every);
            first.extend(self.within_end(SimTime::from_nanos(check), Action::Check));
        }
        first
    }

    /// Step `k` of the schedule at `now`; the next step, if any.
    pub fn on_step(&mut self, k: u32, now: SimTime) -> Option<(SimTime, Action)> {
        if self.halted {
            return None;
        }
        let all = |new: &mut Vec<bool>| new.iter_mut().for_each(|v| *v = true);
        let next = match self.config.strategy {
            DeployStrategy::AllAtOnce | DeployStrategy::BlueGreen => {
                all(&mut self.new);
                None
            }
            DeployStrategy::Rolling { batch, interval } => {
                let from = k.saturating_mul(batch).min(self.replicas);
                let to = from.saturating_add(batch).min(self.replicas);
                self.new[from as usize..to as usize]
                    .iter_mut()
                    .for_each(|v| *v = true);
                (to < self.replicas).then(|| now.add(interval))
            }
            DeployStrategy::Canary { split, bake } => {
                if k == 0 {
                    match split {
                        CanarySplit::Share(share) => self.share = Some(share),
                        CanarySplit::Replicas(n) => {
                            let n = n.min(self.replicas) as usize;
                            self.new[..n].iter_mut().for_each(|v| *v = true);
                        }
                    }
                    Some(now.add(bake))
                } else {
                    self.share = None;
                    all(&mut self.new);
                    None
                }
            }
        };
        if self.new.iter().all(|&v| v) && self.share.is_none() {
            self.counts.completed_at = Some(now);
        }
        next.and_then(|at| self.within_end(at, Action::Step(k + 1)))
    }

    /// Evaluates the alert at `now`: the next evaluation, or the end of the rollback it
    /// starts, if either is due before the end.
    pub fn on_check(&mut self, now: SimTime) -> Option<(SimTime, Action)> {
        let alarm = self.alarm.as_ref()?;
        if !alarm.firing(now) {
            return self.within_end(now.add(alarm.every()), Action::Check);
        }
        self.counts.alert_at = Some(now);
        let rollback = self.config.rollback?;
        self.halted = true;
        self.within_end(now.add(rollback.duration), Action::RollbackDone)
    }

    /// The rollback is done: the old version serves everything.
    pub fn on_rollback_done(&mut self, now: SimTime) {
        self.new.iter_mut().for_each(|v| *v = false);
        self.share = None;
        self.counts.rolled_back_at = Some(now);
    }

    /// Whether an attempt arriving at `replica` now is served by the new version (a share
    /// canary draws its split).
    #[inline]
    pub fn serves_new(&mut self, replica: u32) -> bool {
        match self.share {
            Some(share) => self.split.chance(share),
            None => self.new[replica as usize],
        }
    }

    /// Whether the new version fails an attempt it serves (drawn only if it can).
    #[inline]
    pub fn fails(&mut self) -> bool {
        let rate = self.config.regression.error_rate;
        rate > Probability::ZERO && self.errors.chance(rate)
    }

    /// The new version's own work for an attempt the old version would do in `work`.
    pub fn regressed(&self, work: SimDuration) -> SimDuration {
        let r = &self.config.regression;
        let scaled = if r.latency_factor == 1.0 {
            work
        } else {
            SimDuration::from_nanos((work.as_nanos() as f64 * r.latency_factor).round() as u64)
        };
        scaled.saturating_add(r.latency_add)
    }

    /// Whether an answer is bad: `error` (a 5xx-like reply) or slower than the alert's
    /// `latency_below` (`took`: from arrival at the replica to the reply).
    pub fn is_bad(&self, error: bool, took: SimDuration) -> bool {
        error
            || self
                .config
                .alert
                .and_then(|a| a.latency_below)
                .is_some_and(|below| took > below)
    }

    /// The service answered an attempt at `now`, served by `version`, badly or not.
    pub fn answered(&mut self, now: SimTime, version: Version, bad: bool) {
        if let Some(alarm) = &mut self.alarm {
            alarm.record(now, bad);
        }
        if now < self.warmup_end || now > self.end {
            return;
        }
        let c = &mut self.counts;
        match version {
            Version::New => {
                c.served_new += 1;
                c.bad_requests += u64::from(bad);
            }
            Version::Old => {
                c.served_old += 1;
                c.bad_old += u64::from(bad);
            }
        }
    }

    /// What it counted so far.
    pub fn result(&self) -> DeploymentResult {
        self.counts.clone()
    }

    /// The service's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// `(at, action)` if `at` is not after the end of arrivals.
    fn within_end(&self, at: SimTime, action: Action) -> Option<(SimTime, Action)> {
        (at <= self.end).then_some((at, action))
    }
}

impl Action {
    /// The action as a number (an event's id): 0 check, 1 rollback done, 2 + k step k.
    pub fn code(self) -> u32 {
        match self {
            Action::Check => 0,
            Action::RollbackDone => 1,
            Action::Step(k) => 2 + k,
        }
    }

    /// The action a number stands for (`code`'s inverse).
    pub fn from_code(code: u32) -> Action {
        match code {
            0 => Action::Check,
            1 => Action::RollbackDone,
            k => Action::Step(k - 2),
        }
    }
}

#[cfg(test)]
mod tests;
