//! Warnings about the warm-up (issue #13): an entry of `faults` that starts inside it, a
//! `random_faults` recipe that can draw a start inside it, and a service's `deploy` that
//! starts inside it.
//!
//! Every metric starts after `warmup`, so such a fault is simulated but partly or wholly
//! unmeasured: legal (a fault can be meant to settle before measuring) but rarely meant.
//! Entries are read from the raw file, after the rest has validated, so that a warning
//! names each entry by its index, kind and target as written, once per entry: a zone target
//! that becomes several faults, and a fault the database or the election takes, are one
//! entry each. This module decides when a warning applies; `warning` words it.

use models::WorldConfig;

use super::Checker;
use crate::error::{Path, ScenarioError};
use crate::raw;
use crate::warning::{Concern, ScenarioWarning, Window};

impl Checker<'_> {
    /// The warnings of a scenario whose `raw` form validated into `world`.
    pub(super) fn warnings(
        &self,
        raw: &raw::Scenario,
        world: &WorldConfig,
    ) -> Result<Vec<ScenarioWarning>, ScenarioError> {
        let warmup = world.warmup;
        let mut concerns = Vec::new();
        for (index, fault) in raw.faults.iter().enumerate() {
            let path = Path::root().key("faults").element(index, None);
            let start = self.duration(&path.key("at"), &fault.at)?;
            if start >= warmup {
                continue;
            }
            let window = match (instant(fault.kind), &fault.lasts) {
                (true, _) => Window::At { start },
                (false, None) => Window::From { start },
                (false, Some(lasts)) => Window::Between {
                    start,
                    end: start.saturating_add(self.duration(&path.key("for"), lasts)?),
                },
            };
            concerns.push(Concern::FaultInWarmup {
                index,
                kind: kind_name(fault.kind).to_string(),
                target: target(fault),
                window,
                warmup,
            });
        }
        if let (Some(recipe), Some(drawn)) = (&raw.random_faults, &world.random_faults) {
            let start_min = drawn.start.0.since(sim_core::SimTime::ZERO);
            if drawn.count > 0 && start_min < warmup {
                // Validation clamps the latest start to just before the end; the user wrote
                // (or defaulted to) the bound shown here.
                let start_max = match &recipe.start {
                    Some([_, high]) => {
                        let at = Path::root().key("random_faults").key("start");
                        self.duration(&at.element(1, None), high)?
                    }
                    None => world.duration,
                };
                concerns.push(Concern::RandomFaultsInWarmup {
                    start_min,
                    start_max,
                    count: drawn.count,
                    warmup,
                });
            }
        }
        for deployment in &world.deployments {
            let at = deployment.at.since(sim_core::SimTime::ZERO);
            if at < warmup {
                let index = deployment.service.0 as usize;
                concerns.push(Concern::DeployInWarmup {
                    index,
                    service: raw.services[index].name.clone(),
                    at,
                    warmup,
                });
            }
        }
        Ok(concerns
            .into_iter()
            .map(|concern| ScenarioWarning {
                origin: self.origin.to_string(),
                concern,
            })
            .collect())
    }
}

/// Kinds that change something at one instant, for good (`validate::fault` refuses `for`).
fn instant(kind: raw::FaultKind) -> bool {
    use raw::FaultKind as K;
    matches!(kind, K::ReplicaLoss | K::ClockJump | K::DriftChange)
}

/// A kind as the file spells it.
fn kind_name(kind: raw::FaultKind) -> &'static str {
    use raw::FaultKind as K;
    match kind {
        K::Slowdown => "slowdown",
        K::ErrorBurst => "error_burst",
        K::Garbage => "garbage",
        K::Brownout => "brownout",
        K::Crash => "crash",
        K::ReplicaLoss => "replica_loss",
        K::Partition => "partition",
        K::BlackHole => "black_hole",
        K::Refuse => "refuse",
        K::Latency => "latency",
        K::FlappingLink => "flapping_link",
        K::LoadSpike => "load_spike",
        K::ClockJump => "clock_jump",
        K::DriftChange => "drift_change",
        K::Pause => "pause",
    }
}

/// What a fault hits, as written: its target or client, a partition's groups, a link's ends.
fn target(fault: &raw::Fault) -> String {
    if let Some(target) = fault.target.as_ref().or(fault.client.as_ref()) {
        return target.clone();
    }
    if let Some(groups) = &fault.groups {
        let sides: Vec<String> = groups
            .iter()
            .map(|group| format!("[{}]", group.join(", ")))
            .collect();
        return sides.join(" | ");
    }
    fault
        .between
        .as_ref()
        .map(|ends| ends.join(" and "))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::warning::{Concern, Window};
    use crate::{parse, LoadOptions, Override};

    fn scenario(faults: serde_json::Value, extra: &[(&str, serde_json::Value)]) -> String {
        let mut text = json!({
            "name": "w", "duration": "60s", "warmup": "10s",
            "clients": [{ "name": "web", "target": "api",
                          "arrival": { "kind": "poisson", "rate_per_s": 10 } }],
            "services": [{ "name": "api", "replicas": 2, "zones": ["a", "b"],
                           "service_time": { "kind": "constant", "value": "1ms" } },
                         { "name": "db", "service_time": { "kind": "constant", "value": "1ms" } }],
            "faults": faults,
        });
        for (key, value) in extra {
            text[key] = value.clone();
        }
        text.to_string()
    }

    fn concerns(text: &str, sets: &[&str]) -> Vec<Concern> {
        let options = LoadOptions {
            variant: None,
            overrides: sets.iter().map(|s| Override::parse(s).unwrap()).collect(),
            ..LoadOptions::default()
        };
        let parsed = parse(text, "w.json", &options).unwrap();
        parsed.warnings.into_iter().map(|w| w.concern).collect()
    }

    // See: #13. Every metric starts after the warm-up, and nothing said that a fault there
    // was never measured.
    #[test]
    fn a_fault_inside_the_warmup_gets_a_warning() {
        let s = sim_core::SimDuration::from_secs;
        let text = scenario(
            json!([
                { "kind": "crash", "target": "db", "at": "2s", "for": "5s" },
                { "kind": "slowdown", "target": "zone:a", "at": "5s", "for": "20s", "factor": 3 },
                { "kind": "partition", "groups": [["api"], ["db"]], "at": "8s" },
                { "kind": "clock_jump", "target": "api[1]", "at": "9s", "by": "1s" },
                { "kind": "load_spike", "client": "web", "at": "10s", "for": "5s", "factor": 2 },
                { "kind": "crash", "target": "db", "at": "30s", "for": "5s" }
            ]),
            &[],
        );
        let found = concerns(&text, &[]);
        let warmup = s(10);
        let fault = |index, kind: &str, target: &str, window| Concern::FaultInWarmup {
            index,
            kind: kind.to_string(),
            target: target.to_string(),
            window,
            warmup,
        };
        assert_eq!(
            found,
            [
                fault(
                    0,
                    "crash",
                    "db",
                    Window::Between {
                        start: s(2),
                        end: s(7)
                    }
                ),
                // A zone target is one entry, so one warning, though it hits several replicas.
                fault(
                    1,
                    "slowdown",
                    "zone:a",
                    Window::Between {
                        start: s(5),
                        end: s(25)
                    }
                ),
                fault(2, "partition", "[api] | [db]", Window::From { start: s(8) }),
                fault(3, "clock_jump", "api[1]", Window::At { start: s(9) }),
            ]
        );
        assert!(
            concerns(&text, &["warmup=2s"]).is_empty(),
            "a warm-up that ends before the first fault starts warns of nothing"
        );
        let parsed = parse(&text, "w.json", &LoadOptions::default()).unwrap();
        assert_eq!(
            parsed.warnings[0].to_string(),
            "w.json: faults[0] (crash db, 2s–7s) lies wholly inside the warm-up (the first 10s), so it is never measured; move it after the warm-up (`at` of 10s or later) or shorten the warm-up with --set warmup=2s"
        );
    }

    #[test]
    fn a_random_fault_recipe_that_can_start_inside_the_warmup_gets_one_warning() {
        let s = sim_core::SimDuration::from_secs;
        let recipe = json!({ "count": 4, "targets": ["db"] });
        let text = scenario(json!([]), &[("random_faults", recipe)]);
        assert_eq!(
            concerns(&text, &[]),
            [Concern::RandomFaultsInWarmup {
                start_min: s(0),
                start_max: s(60),
                count: 4,
                warmup: s(10),
            }]
        );
        assert!(concerns(&text, &["random_faults.start=[\"10s\", \"50s\"]"]).is_empty());
        assert!(concerns(&text, &["random_faults.count=0"]).is_empty());
    }
}
