//! The catalog: every `library/*.json` scenario, embedded in the binary by name.
//!
//! Entries are listed by hand, sorted by name, so adding a file is a visible change; a test
//! checks the list against the directory and validates every entry and every variant of it.
//! Origins in messages read `catalog:NAME`. A data file a scenario names (a CSV of measured
//! latencies) sits beside it in `library/` and is embedded with it (`Entry::files`), so a
//! catalog scenario needs no disk; `files::catalog_file` serves it.

use crate::error::nearest;
use crate::{parse, LoadOptions, Scenario, ScenarioError};

/// One embedded scenario.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The file name without `.json`, e.g. `mm1`.
    pub name: &'static str,
    /// The file's text.
    pub text: &'static str,
    /// The data files it names, embedded from `library/`.
    pub files: &'static [CatalogFile],
}

/// A data file embedded beside a catalog scenario.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CatalogFile {
    /// The name the scenario uses (`mg1-measured.csv`), a file in `library/`.
    pub name: &'static str,
    /// Its text.
    pub text: &'static str,
}

/// Every catalog entry, sorted by name.
pub fn entries() -> &'static [Entry] {
    &ENTRIES
}

/// The entry called `name` (a trailing `.json` is ignored).
pub fn find(name: &str) -> Option<&'static Entry> {
    let name = name.strip_suffix(".json").unwrap_or(name);
    ENTRIES.iter().find(|entry| entry.name == name)
}

/// The entry name nearest to a mistyped `name`, for "did you mean" messages.
pub fn suggest(name: &str) -> Option<&'static str> {
    let names: Vec<&'static str> = ENTRIES.iter().map(|entry| entry.name).collect();
    nearest(name, &names)
}

/// The entry's one-line `description` (empty if it has none).
pub fn description(entry: &Entry) -> String {
    serde_json::from_str::<serde_json::Value>(entry.text)
        .ok()
        .and_then(|value| {
            value
                .get("description")
                .and_then(|d| d.as_str())
                .map(str::to_string)
        })
        .unwrap_or_default()
}

impl Entry {
    /// `catalog:NAME`, the origin used in messages about this entry.
    pub fn origin(&self) -> String {
        format!("catalog:{}", self.name)
    }

    /// Parses and validates this entry with `options`.
    pub fn load(&self, options: &LoadOptions) -> Result<Scenario, ScenarioError> {
        parse(self.text, &self.origin(), options)
    }
}

const ENTRIES: [Entry; 37] = [
    Entry {
        name: "autoscale-lag",
        text: include_str!("../library/autoscale-lag.json"),
        files: &[],
    },
    Entry {
        name: "bad-deploy",
        text: include_str!("../library/bad-deploy.json"),
        files: &[],
    },
    Entry {
        name: "breaker-tuning",
        text: include_str!("../library/breaker-tuning.json"),
        files: &[],
    },
    Entry {
        name: "cache-stampede",
        text: include_str!("../library/cache-stampede.json"),
        files: &[],
    },
    Entry {
        name: "cap-partition",
        text: include_str!("../library/cap-partition.json"),
        files: &[],
    },
    Entry {
        name: "cascading-failure",
        text: include_str!("../library/cascading-failure.json"),
        files: &[],
    },
    Entry {
        name: "clock-skew",
        text: include_str!("../library/clock-skew.json"),
        files: &[],
    },
    Entry {
        name: "closed-loop-storm",
        text: include_str!("../library/closed-loop-storm.json"),
        files: &[],
    },
    Entry {
        name: "crash",
        text: include_str!("../library/crash.json"),
        files: &[],
    },
    Entry {
        name: "diurnal-storm",
        text: include_str!("../library/diurnal-storm.json"),
        files: &[],
    },
    Entry {
        name: "errors",
        text: include_str!("../library/errors.json"),
        files: &[],
    },
    Entry {
        name: "fail-slow",
        text: include_str!("../library/fail-slow.json"),
        files: &[],
    },
    Entry {
        name: "flapping",
        text: include_str!("../library/flapping.json"),
        files: &[],
    },
    Entry {
        name: "gray-failure",
        text: include_str!("../library/gray-failure.json"),
        files: &[],
    },
    Entry {
        name: "lease-split-brain",
        text: include_str!("../library/lease-split-brain.json"),
        files: &[],
    },
    Entry {
        name: "md1",
        text: include_str!("../library/md1.json"),
        files: &[],
    },
    Entry {
        name: "mg1-measured",
        text: include_str!("../library/mg1-measured.json"),
        files: &[CatalogFile {
            name: "mg1-measured.csv",
            text: include_str!("../library/mg1-measured.csv"),
        }],
    },
    Entry {
        name: "mm1",
        text: include_str!("../library/mm1.json"),
        files: &[],
    },
    Entry {
        name: "mmc",
        text: include_str!("../library/mmc.json"),
        files: &[],
    },
    Entry {
        name: "noisy-neighbor",
        text: include_str!("../library/noisy-neighbor.json"),
        files: &[],
    },
    Entry {
        name: "outbox-vs-dual-write",
        text: include_str!("../library/outbox-vs-dual-write.json"),
        files: &[],
    },
    Entry {
        name: "partition",
        text: include_str!("../library/partition.json"),
        files: &[],
    },
    Entry {
        name: "queue-burst",
        text: include_str!("../library/queue-burst.json"),
        files: &[],
    },
    Entry {
        name: "rate-limit-vs-shed",
        text: include_str!("../library/rate-limit-vs-shed.json"),
        files: &[],
    },
    Entry {
        name: "read-replica-failover",
        text: include_str!("../library/read-replica-failover.json"),
        files: &[],
    },
    Entry {
        name: "replication-lag",
        text: include_str!("../library/replication-lag.json"),
        files: &[],
    },
    Entry {
        name: "retries",
        text: include_str!("../library/retries.json"),
        files: &[],
    },
    Entry {
        name: "retry-layers",
        text: include_str!("../library/retry-layers.json"),
        files: &[],
    },
    Entry {
        name: "retry-storm",
        text: include_str!("../library/retry-storm.json"),
        files: &[],
    },
    Entry {
        name: "saga-vs-2pc",
        text: include_str!("../library/saga-vs-2pc.json"),
        files: &[],
    },
    Entry {
        name: "slowdown",
        text: include_str!("../library/slowdown.json"),
        files: &[],
    },
    Entry {
        name: "split-brain-writes",
        text: include_str!("../library/split-brain-writes.json"),
        files: &[],
    },
    Entry {
        name: "stale-fallback",
        text: include_str!("../library/stale-fallback.json"),
        files: &[],
    },
    Entry {
        name: "steady-state",
        text: include_str!("../library/steady-state.json"),
        files: &[],
    },
    Entry {
        name: "tail-at-scale",
        text: include_str!("../library/tail-at-scale.json"),
        files: &[],
    },
    Entry {
        name: "tiers",
        text: include_str!("../library/tiers.json"),
        files: &[],
    },
    Entry {
        name: "zone-outage",
        text: include_str!("../library/zone-outage.json"),
        files: &[],
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_list_matches_the_library_directory() {
        let directory = concat!(env!("CARGO_MANIFEST_DIR"), "/library");
        let mut on_disk: Vec<String> = std::fs::read_dir(directory)
            .expect("library directory is readable")
            .map(|entry| {
                entry
                    .expect("directory entry")
                    .file_name()
                    .into_string()
                    .expect("UTF-8 name")
            })
            .collect();
        on_disk.sort();
        let (scenarios, mut data): (Vec<String>, Vec<String>) = on_disk
            .into_iter()
            .partition(|name| name.ends_with(".json"));
        let on_disk = scenarios;
        let mut embedded_data: Vec<&str> = ENTRIES
            .iter()
            .flat_map(|e| e.files.iter().map(|f| f.name))
            .collect();
        embedded_data.sort_unstable();
        data.sort();
        assert_eq!(
            embedded_data, data,
            "embed every data file of library/ in the entry that names it, and nothing else"
        );
        for file in ENTRIES.iter().flat_map(|e| e.files) {
            let on_disk =
                std::fs::read_to_string(format!("{directory}/{}", file.name)).expect("readable");
            assert_eq!(on_disk, file.text, "{} is embedded as it is", file.name);
        }
        let embedded: Vec<String> = ENTRIES.iter().map(|e| format!("{}.json", e.name)).collect();
        assert_eq!(
            embedded, on_disk,
            "list every library/*.json in ENTRIES (sorted), and nothing else"
        );
        let mut sorted = embedded.clone();
        sorted.sort();
        assert_eq!(embedded, sorted, "ENTRIES is sorted by name");
        for entry in entries() {
            let file = std::fs::read_to_string(format!("{directory}/{}.json", entry.name))
                .expect("readable");
            assert_eq!(file, entry.text, "{} embeds its file", entry.name);
        }
    }

    #[test]
    fn every_entry_and_every_variant_validates() {
        for entry in entries() {
            let scenario = entry
                .load(&LoadOptions::default())
                .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(
                scenario.name, entry.name,
                "a catalog scenario is named after its file"
            );
            let description = description(entry);
            assert!(
                !description.is_empty() && !description.contains('\n'),
                "{}: one-line description",
                entry.name
            );
            assert_eq!(scenario.description, description);
            for variant in &scenario.variants {
                let options = LoadOptions {
                    variant: Some(variant.clone()),
                    ..LoadOptions::default()
                };
                let varied = entry.load(&options).unwrap_or_else(|e| panic!("{e}"));
                assert_eq!(varied.variant.as_deref(), Some(variant.as_str()));
            }
        }
    }

    #[test]
    fn every_entry_stays_within_the_smoke_run_budget() {
        // An attempt costs about four events (arrival, two network hops, service end; a
        // timeout timer is cancelled, not processed). CI smoke-runs every entry, so even if
        // every request used every attempt, each must stay under about 2 million events.
        for entry in entries() {
            let scenario = entry.load(&LoadOptions::default()).unwrap();
            let world = &scenario.world;
            let requests: f64 = world
                .clients
                .iter()
                .map(|c| {
                    c.arrival.requests_bound(world.duration)
                        * f64::from(c.count)
                        * f64::from(c.retry.max_attempts)
                })
                .sum();
            assert!(
                requests * 4.0 <= 2e6,
                "{}: about {requests} attempts is too many for a smoke run",
                entry.name
            );
            // A database costs one event per write and per read.
            if let Some(database) = &world.database {
                let rate = |arrival: Option<models::Arrival>| match arrival {
                    Some(
                        models::Arrival::Poisson { rate_per_s }
                        | models::Arrival::Constant { rate_per_s },
                    ) => rate_per_s,
                    None => 0.0,
                };
                let operations =
                    (rate(database.writes) + rate(database.reads)) * world.duration.as_secs_f64();
                assert!(
                    operations <= 2e6,
                    "{}: about {operations} database operations is too many for a smoke run",
                    entry.name
                );
            }
        }
    }

    #[test]
    fn lookup_by_name_and_suggestions() {
        assert_eq!(find("mm1").map(|e| e.name), Some("mm1"));
        assert_eq!(find("mm1.json").map(|e| e.name), Some("mm1"));
        assert!(find("nope").is_none());
        assert_eq!(suggest("retires"), Some("retries"));
        assert_eq!(suggest("steady"), Some("steady-state"));
    }
}
