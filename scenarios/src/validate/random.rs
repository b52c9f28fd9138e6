//! Validation of `random_faults`: the recipe a run draws extra faults from.
//!
//! Targets name services, the election or the database; kinds must each be able to hit one of
//! them (`models::RandomKind::hits`), and `zone_outage` needs services placed in `zones`.
//! Defaults: every target, every kind that can hit one, starts over the whole run, durations
//! 1s–30s, factors 2–10, fractions 0.1–0.5, added latency 10ms–100ms, clock steps −2s…2s,
//! drifts −500…500 ppm.

use models::{DatabaseConfig, ElectionConfig, RandomFaults, RandomKind, RandomTarget, Target};
use sim_core::{SimDuration, SimTime};

use super::fault::Names;
use super::Checker;
use crate::error::{Path, ScenarioError};
use crate::raw;

/// Every kind, in the order defaults list them.
const ALL_KINDS: [RandomKind; 10] = [
    RandomKind::Slowdown,
    RandomKind::Crash,
    RandomKind::ErrorBurst,
    RandomKind::Latency,
    RandomKind::Partition,
    RandomKind::Pause,
    RandomKind::Brownout,
    RandomKind::ClockJump,
    RandomKind::DriftChange,
    RandomKind::ZoneOutage,
];

/// What the recipe may hit besides services.
pub(super) struct Others<'a> {
    /// The lease election, if the scenario has one.
    pub(super) election: Option<&'a ElectionConfig>,
    /// The database, if the scenario has one.
    pub(super) database: Option<&'a DatabaseConfig>,
}

impl Checker<'_> {
    pub(super) fn random_faults(
        &self,
        path: &Path,
        raw: &raw::RandomFaults,
        names: &Names<'_>,
        others: &Others<'_>,
        duration: SimDuration,
    ) -> Result<RandomFaults, ScenarioError> {
        let count = self.count(
            &path.key("count"),
            raw.count,
            0..=1_000,
            (
                "use 0 for none",
                "a thousand faults per run is already chaos",
            ),
        )? as u32;
        let targets = self.random_targets(path, raw, names, others)?;
        let zones = self.zones_placed(path, names)?;
        let reachable = |kind: RandomKind| match kind {
            RandomKind::ZoneOutage => !zones.is_empty(),
            _ => targets.iter().any(|t| kind.hits(*t)),
        };
        let kinds = match &raw.kinds {
            Some(kinds) if kinds.is_empty() => {
                return Err(self.bad(
                    &path.key("kinds"),
                    "must not be empty",
                    "[]",
                    "remove it for every kind",
                ))
            }
            Some(kinds) => {
                let mut list = Vec::with_capacity(kinds.len());
                for (i, raw_kind) in kinds.iter().enumerate() {
                    let kind = random_kind(*raw_kind);
                    if !reachable(kind) {
                        return Err(self.bad(
                            &path.key("kinds").element(i, None),
                            "can hit none of the targets",
                            kind.name(),
                            hint(kind),
                        ));
                    }
                    list.push(kind);
                }
                list
            }
            None => ALL_KINDS.into_iter().filter(|k| reachable(*k)).collect(),
        };
        let spans =
            |key: &str, raw: &Option<[raw::Duration; 2]>, default: (SimDuration, SimDuration)| {
                match raw {
                    None => Ok(default),
                    Some([low, high]) => {
                        let low = self.duration(&path.key(key).element(0, None), low)?;
                        let high = self.duration(&path.key(key).element(1, None), high)?;
                        if low > high {
                            return Err(self.bad(
                                &path.key(key),
                                "must be [low, high] with low ≤ high",
                                high,
                                "swap them",
                            ));
                        }
                        Ok((low, high))
                    }
                }
            };
        let start = spans("start", &raw.start, (SimDuration::ZERO, duration))?;
        // A fault starting at the very end would never act: clamp the latest start to just
        // before the end of the run.
        let latest = start
            .1
            .min(duration.saturating_sub(SimDuration::from_nanos(1)));
        let start = (
            SimTime::ZERO.add(start.0.min(latest)),
            SimTime::ZERO.add(latest),
        );
        let lasts = spans(
            "duration",
            &raw.duration,
            (SimDuration::from_secs(1), SimDuration::from_secs(30)),
        )?;
        if lasts.0 == SimDuration::ZERO {
            return Err(self.bad(
                &path.key("duration"),
                "must be longer than 0s",
                lasts.0,
                "a fault needs some time",
            ));
        }
        let add = spans(
            "add",
            &raw.add,
            (SimDuration::from_millis(10), SimDuration::from_millis(100)),
        )?;
        let range =
            |key: &str, raw: Option<[f64; 2]>, default: (f64, f64), low_ok: f64, high_ok: f64| {
                let (low, high) = raw.map_or(default, |[a, b]| (a, b));
                if !(low >= low_ok && high <= high_ok && low <= high) {
                    return Err(self.bad(
                        &path.key(key),
                        format!("must be [low, high] within [{low_ok}, {high_ok}] with low ≤ high"),
                        format!("[{low}, {high}]"),
                        "check the order and the bounds",
                    ));
                }
                Ok((low, high))
            };
        let jump = match &raw.jump {
            None => (-2_000_000_000, 2_000_000_000),
            Some([low, high]) => {
                let low = self.signed_duration(&path.key("jump").element(0, None), low)?;
                let high = self.signed_duration(&path.key("jump").element(1, None), high)?;
                if low > high {
                    return Err(self.bad(
                        &path.key("jump"),
                        "must be [low, high] with low ≤ high",
                        format!("[{low}ns, {high}ns]"),
                        "swap them; a backward step is negative, e.g. [\"-2s\", \"500ms\"]",
                    ));
                }
                (low, high)
            }
        };
        let drift_ppm = range("drift_ppm", raw.drift_ppm, (-500.0, 500.0), -1e6, 1e6)?;
        let drift_ppb = (
            self.drift(&path.key("drift_ppm").element(0, None), drift_ppm.0)?,
            self.drift(&path.key("drift_ppm").element(1, None), drift_ppm.1)?,
        );
        Ok(RandomFaults {
            count,
            kinds,
            targets,
            zones,
            start,
            duration: lasts,
            factor: range("factor", raw.factor, (2.0, 10.0), 0.001, 1e6)?,
            fraction: range("fraction", raw.fraction, (0.1, 0.5), 0.0, 1.0)?,
            add,
            jump,
            drift_ppb,
        })
    }

    /// The listed targets (services by name, the election, the database), or all of them.
    fn random_targets(
        &self,
        path: &Path,
        raw: &raw::RandomFaults,
        names: &Names<'_>,
        others: &Others<'_>,
    ) -> Result<Vec<RandomTarget>, ScenarioError> {
        let election = others
            .election
            .map(|e| RandomTarget::Election { nodes: e.nodes });
        let database = others
            .database
            .map(|d| RandomTarget::Database { nodes: d.nodes });
        match &raw.targets {
            Some(list) if list.is_empty() => Err(self.bad(
                &path.key("targets"),
                "must not be empty",
                "[]",
                "remove it for every service",
            )),
            Some(list) => list
                .iter()
                .enumerate()
                .map(|(i, name)| {
                    if let Some(e) = others.election.filter(|e| e.name == *name) {
                        return Ok(RandomTarget::Election { nodes: e.nodes });
                    }
                    if let Some(d) = others.database.filter(|d| d.name == *name) {
                        return Ok(RandomTarget::Database { nodes: d.nodes });
                    }
                    let t = self.target(&path.key("targets").element(i, None), name, names)?;
                    Ok(RandomTarget::Service(t.service))
                })
                .collect(),
            None => Ok((0..names.services.len() as u32)
                .map(|s| RandomTarget::Service(models::ServiceId(s)))
                .chain(election)
                .chain(database)
                .collect()),
        }
    }

    /// The replicas of every zone that holds one, zones in order of first mention.
    fn zones_placed(
        &self,
        path: &Path,
        names: &Names<'_>,
    ) -> Result<Vec<Vec<Target>>, ScenarioError> {
        let mut zones: Vec<&str> = Vec::new();
        for service in names.services {
            for zone in &service.zones {
                if !zones.contains(&zone.as_str()) {
                    zones.push(zone);
                }
            }
        }
        let mut placed = Vec::with_capacity(zones.len());
        for zone in zones {
            // A zone that holds no replica (more zones than replicas) cannot fail anything.
            if let Ok(replicas) = self.zone(path, zone, names) {
                placed.push(replicas);
            }
        }
        Ok(placed)
    }
}

/// How to give a kind something to hit.
fn hint(kind: RandomKind) -> &'static str {
    match kind {
        RandomKind::ZoneOutage => {
            "place replicas in zones with a service's `zones`, or remove the kind"
        }
        RandomKind::Pause | RandomKind::ClockJump | RandomKind::DriftChange => {
            "add a service or the election to `targets`, or remove the kind"
        }
        RandomKind::Crash | RandomKind::Latency => "add a target to `targets`, or remove the kind",
        RandomKind::Partition => {
            "add a service, the election or a database of 2+ nodes to `targets`, or remove the kind"
        }
        RandomKind::Slowdown => "add a service or the database to `targets`, or remove the kind",
        RandomKind::ErrorBurst | RandomKind::Brownout => {
            "add a service to `targets`, or remove the kind"
        }
    }
}

fn random_kind(raw: raw::RandomKind) -> RandomKind {
    match raw {
        raw::RandomKind::Slowdown => RandomKind::Slowdown,
        raw::RandomKind::Crash => RandomKind::Crash,
        raw::RandomKind::ErrorBurst => RandomKind::ErrorBurst,
        raw::RandomKind::Latency => RandomKind::Latency,
        raw::RandomKind::Partition => RandomKind::Partition,
        raw::RandomKind::Pause => RandomKind::Pause,
        raw::RandomKind::Brownout => RandomKind::Brownout,
        raw::RandomKind::ClockJump => RandomKind::ClockJump,
        raw::RandomKind::DriftChange => RandomKind::DriftChange,
        raw::RandomKind::ZoneOutage => RandomKind::ZoneOutage,
    }
}
