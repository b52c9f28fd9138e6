//! What makes a run a failure: the checks `explore` and `shrink` apply to every run, and how
//! bad each failure is.
//!
//! A check reads a finished run and returns its `Violation`s: the SLOs, and the invariants of
//! the stateful models — no split brain and no stale write accepted in a lease election, no
//! acknowledged write lost in a database failover, stale reads at most `STALE_READS_MAX` of
//! a database's or a quorum store's reads, no message of a queue lost (dropped by a full
//! partition, or missing from its accounting), no effect of a message applied twice, no
//! workflow instance left inconsistent (a step applied and never undone), and no event of a
//! service's write-and-publish pair lost or invented (`outbox`). More invariants are more
//! entries of `CHECKS` and more `Violation` variants, each with its severity and its key. A
//! run stopped by a guard is a `Violation` too (`Guard`), found without a check.
//!
//! # Severity
//!
//! A run's severity is the sum of its violations' severities, rounded to 6 decimals:
//!
//! | violation | severity | why |
//! |---|---|---|
//! | SLO missed | `target − observed` (the shortfall, 0 to 1) | an SLO missed by 20 points is worse than one missed by 0.1 |
//! | guard tripped | 1 | the run exploded: at least as bad as an SLO every request missed |
//! | split brain | 1 if a stale leader's write was accepted, else `split_brain_s / 10`, at most 1 | two leaders are a hazard; a write from the wrong one is corruption |
//! | lost writes | 1 | an acknowledged write is gone: data loss |
//! | stale reads | the stale fraction (0 to 1) | more stale reads, worse |
//! | lost messages | 1 | a published message is gone: data loss |
//! | duplicate effects | duplicates per published message, at most 1 | more duplicates, worse |
//! | inconsistent workflows | 1 | a step stays applied for an instance that failed: money taken for an order never shipped |
//! | inconsistent events | 1 | a committed write without its event, or an event without its write: the services disagree for good |
//!
//! # Keys
//!
//! A violation's key names *which* failure it is, not how bad (`slo web <300ms`). `shrink`
//! keeps a change while at least one of the original run's keys still fails.

use std::fmt::Write;

use serde::{Deserialize, Serialize};

use crate::simulate::Simulated;

/// One way a run failed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Violation {
    /// A client's SLO was missed.
    Slo {
        /// The client.
        client: String,
        /// The SLO's latency threshold, in milliseconds.
        latency_below_ms: f64,
        /// The required fraction of good requests.
        target: f64,
        /// The fraction observed; null when the client issued no requests.
        observed: Option<f64>,
    },
    /// A run guard stopped the run (too many pending or processed events).
    Guard {
        /// The engine's message.
        error: String,
    },
    /// More than one node acted as leader of the lease election at once.
    SplitBrain {
        /// Seconds with more than one acting leader.
        split_brain_s: f64,
        /// Writes from a stale leader that the store accepted.
        stale_writes_accepted: u64,
    },
    /// Acknowledged writes were lost in a database failover.
    LostWrites {
        /// The database's name.
        database: String,
        /// Acknowledged writes lost.
        lost: u64,
    },
    /// More than `STALE_READS_MAX` of a database's (or a quorum store's) reads were stale.
    StaleReads {
        /// The database's (or the quorum store's) name.
        database: String,
        /// The fraction of reads that were stale.
        fraction: f64,
    },
    /// Messages of a queue were lost: dropped by a full partition, or neither acknowledged,
    /// dead-lettered nor held at the end.
    LostMessages {
        /// The queue's name.
        queue: String,
        /// Messages lost.
        lost: u64,
    },
    /// A queue's consumer applied some message's effect twice.
    DuplicateEffects {
        /// The queue's name.
        queue: String,
        /// Effects applied a second time.
        duplicates: u64,
        /// Messages published.
        published: u64,
    },
    /// Instances of a workflow ended with a step applied and not undone.
    InconsistentWorkflows {
        /// The workflow's name.
        workflow: String,
        /// Instances left inconsistent.
        inconsistent: u64,
    },
    /// A service's write-and-publish pair lost events (a committed write never published) or
    /// invented them (an event published for a write that never committed).
    InconsistentEvents {
        /// The service's name.
        service: String,
        /// Committed writes whose event was never published.
        lost: u64,
        /// Events published whose write never committed.
        invented: u64,
    },
}

/// The largest share of stale reads a database may serve before `explore` calls it a failure.
pub const STALE_READS_MAX: f64 = 0.01;

/// A check: the violations one finished run shows.
pub type Check = fn(&Simulated) -> Vec<Violation>;

/// Every check, in the order their violations are listed.
pub const CHECKS: [Check; 7] = [
    slo_misses,
    election_invariants,
    database_invariants,
    queue_invariants,
    quorum_invariants,
    workflow_invariants,
    outbox_invariants,
];

/// The violations of a finished run, check by check.
pub fn check(run: &Simulated) -> Vec<Violation> {
    CHECKS.iter().flat_map(|check| check(run)).collect()
}

/// The severity of a run with these violations (see the module doc), rounded to 6 decimals
/// so that it prints and sorts the same everywhere.
pub fn severity(violations: &[Violation]) -> f64 {
    let total: f64 = violations.iter().map(Violation::severity).sum();
    (total * 1e6).round() / 1e6
}

impl Violation {
    /// How bad this one violation is (see the module doc).
    pub fn severity(&self) -> f64 {
        match self {
            Violation::Slo {
                target, observed, ..
            } => (target - observed.unwrap_or(0.0)).max(0.0),
            Violation::Guard { .. } => 1.0,
            Violation::SplitBrain {
                split_brain_s,
                stale_writes_accepted,
            } => {
                if *stale_writes_accepted > 0 {
                    1.0
                } else {
                    (split_brain_s / 10.0).min(1.0)
                }
            }
            Violation::LostWrites { .. } => 1.0,
            Violation::StaleReads { fraction, .. } => *fraction,
            Violation::LostMessages { .. } | Violation::InconsistentEvents { .. } => 1.0,
            Violation::DuplicateEffects {
                duplicates,
                published,
                ..
            } => (*duplicates as f64 / (*published).max(1) as f64).min(1.0),
            Violation::InconsistentWorkflows { .. } => 1.0,
        }
    }

    /// Which failure this is, whatever its size: `slo web <300ms`, `guard`.
    pub fn key(&self) -> String {
        match self {
            Violation::Slo {
                client,
                latency_below_ms,
                ..
            } => format!("slo {client} <{latency_below_ms}ms"),
            Violation::Guard { .. } => "guard".to_string(),
            Violation::SplitBrain { .. } => "split brain".to_string(),
            Violation::LostWrites { database, .. } => format!("lost writes {database}"),
            Violation::StaleReads { database, .. } => format!("stale reads {database}"),
            Violation::LostMessages { queue, .. } => format!("lost messages {queue}"),
            Violation::DuplicateEffects { queue, .. } => format!("duplicate effects {queue}"),
            Violation::InconsistentWorkflows { workflow, .. } => {
                format!("inconsistent workflow {workflow}")
            }
            Violation::InconsistentEvents { service, .. } => {
                format!("inconsistent events {service}")
            }
        }
    }

    /// The violation in words: `SLO web: 93.12% within 300ms, target 99%`.
    pub fn describe(&self) -> String {
        let mut text = String::new();
        match self {
            Violation::Slo {
                client,
                latency_below_ms,
                target,
                observed,
            } => {
                let observed = match observed {
                    Some(observed) => {
                        // Enough decimals that a near miss does not print as the target itself.
                        let places = (2..=4)
                            .find(|&p| percent(*observed, p) != percent(*target, p))
                            .unwrap_or(4);
                        format!("{}%", percent(*observed, places))
                    }
                    None => "no requests, so none".to_string(),
                };
                let _ = write!(
                    text,
                    "SLO {client}: {observed} within {}ms, target {}%",
                    super::schedule::decimal(*latency_below_ms, 3),
                    percent(*target, 2)
                );
            }
            Violation::Guard { error } => {
                let _ = write!(text, "guard tripped: {error}");
            }
            Violation::SplitBrain {
                split_brain_s,
                stale_writes_accepted,
            } => {
                let _ = write!(
                    text,
                    "split brain: {}s with two leaders, {stale_writes_accepted} stale writes accepted",
                    super::schedule::decimal(*split_brain_s, 3)
                );
            }
            Violation::LostWrites { database, lost } => {
                let _ = write!(
                    text,
                    "{database}: {lost} acknowledged writes lost in failover"
                );
            }
            Violation::StaleReads { database, fraction } => {
                let _ = write!(
                    text,
                    "{database}: {}% of reads stale (at most {}% allowed)",
                    percent(*fraction, 2),
                    percent(STALE_READS_MAX, 2)
                );
            }
            Violation::LostMessages { queue, lost } => {
                let _ = write!(text, "{queue}: {lost} messages lost");
            }
            Violation::InconsistentEvents {
                service,
                lost,
                invented,
            } => {
                let _ = write!(
                    text,
                    "{service}: write and publish disagree ({lost} lost, {invented} invented events)"
                );
            }
            Violation::DuplicateEffects {
                queue,
                duplicates,
                published,
            } => {
                let _ = write!(
                    text,
                    "{queue}: {duplicates} effects applied twice ({published} messages published)"
                );
            }
            Violation::InconsistentWorkflows {
                workflow,
                inconsistent,
            } => {
                let _ = write!(
                    text,
                    "workflow {workflow}: {inconsistent} instances left with a step applied and not undone"
                );
            }
        }
        text
    }
}

/// Instances of each workflow left inconsistent (a step applied and never undone).
fn workflow_invariants(run: &Simulated) -> Vec<Violation> {
    (run.summary.workflows.iter())
        .filter(|(_, w)| w.inconsistent > 0)
        .map(|(name, w)| Violation::InconsistentWorkflows {
            workflow: name.clone(),
            inconsistent: w.inconsistent,
        })
        .collect()
}

/// Split brain in the lease election, if there is one.
fn election_invariants(run: &Simulated) -> Vec<Violation> {
    match &run.summary.election {
        Some(e) if e.split_brain_s > 0.0 || e.stale_writes_accepted > 0 => {
            vec![Violation::SplitBrain {
                split_brain_s: e.split_brain_s,
                stale_writes_accepted: e.stale_writes_accepted,
            }]
        }
        _ => Vec::new(),
    }
}

/// Lost acknowledged writes and too many stale reads in the database, if there is one.
fn database_invariants(run: &Simulated) -> Vec<Violation> {
    let Some(db) = &run.summary.database else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if db.writes_lost_in_failover > 0 {
        out.push(Violation::LostWrites {
            database: db.name.clone(),
            lost: db.writes_lost_in_failover,
        });
    }
    if db.stale_fraction > STALE_READS_MAX {
        out.push(Violation::StaleReads {
            database: db.name.clone(),
            fraction: db.stale_fraction,
        });
    }
    out
}

/// Events lost or invented by each service's write-and-publish pair.
fn outbox_invariants(run: &Simulated) -> Vec<Violation> {
    (run.summary.outboxes.iter())
        .filter(|(_, o)| o.lost + o.invented > 0)
        .map(|(service, o)| Violation::InconsistentEvents {
            service: service.clone(),
            lost: o.lost,
            invented: o.invented,
        })
        .collect()
}

/// Lost messages and duplicate effects in each message queue.
fn queue_invariants(run: &Simulated) -> Vec<Violation> {
    let mut out = Vec::new();
    for (name, q) in &run.summary.queues {
        let kept = q.acked + q.dead_lettered + q.in_flight_end;
        let lost = q.published.saturating_sub(kept);
        if lost > 0 {
            out.push(Violation::LostMessages {
                queue: name.clone(),
                lost,
            });
        }
        if q.duplicates > 0 {
            out.push(Violation::DuplicateEffects {
                queue: name.clone(),
                duplicates: q.duplicates,
                published: q.published,
            });
        }
    }
    out
}

/// Too many stale reads at the quorum store, if there is one (the same limit and violation
/// as a database's: a store is named where a database would be).
fn quorum_invariants(run: &Simulated) -> Vec<Violation> {
    let Some(store) = &run.summary.quorum else {
        return Vec::new();
    };
    match store.calls.stale_fraction {
        Some(fraction) if fraction > STALE_READS_MAX => vec![Violation::StaleReads {
            database: store.name.clone(),
            fraction,
        }],
        _ => Vec::new(),
    }
}

/// The SLOs a run missed.
fn slo_misses(run: &Simulated) -> Vec<Violation> {
    run.summary
        .slo
        .iter()
        .filter(|verdict| !verdict.met)
        .map(|verdict| Violation::Slo {
            client: verdict.client.clone(),
            latency_below_ms: verdict.latency_below_ms,
            target: verdict.target,
            observed: verdict.observed,
        })
        .collect()
}

/// A fraction as a percentage with `places` decimals, trailing zeros trimmed (`93.12`, `99`).
fn percent(fraction: f64, places: usize) -> String {
    super::schedule::decimal(fraction * 100.0, places)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slo(observed: f64) -> Violation {
        Violation::Slo {
            client: "web".to_string(),
            latency_below_ms: 300.0,
            target: 0.99,
            observed: Some(observed),
        }
    }

    #[test]
    fn severity_is_the_summed_shortfall() {
        assert_eq!(severity(&[slo(0.9)]), 0.09);
        let guard = Violation::Guard {
            error: "too many events".to_string(),
        };
        assert_eq!(severity(&[slo(0.89), guard]), 1.1);
        assert_eq!(severity(&[]), 0.0);
    }

    #[test]
    fn invariants_have_their_own_keys_and_severities() {
        let split = Violation::SplitBrain {
            split_brain_s: 4.0,
            stale_writes_accepted: 0,
        };
        assert_eq!(split.key(), "split brain");
        assert_eq!(split.severity(), 0.4);
        let corrupt = Violation::SplitBrain {
            split_brain_s: 4.0,
            stale_writes_accepted: 3,
        };
        assert_eq!(corrupt.severity(), 1.0);
        let stale = Violation::StaleReads {
            database: "db".to_string(),
            fraction: 0.25,
        };
        assert_eq!(stale.severity(), 0.25);
        assert_eq!(
            stale.describe(),
            "db: 25% of reads stale (at most 1% allowed)"
        );
    }

    /// A quorum store's stale reads are checked like a database's: the AP variant of
    /// cap-partition reads stale (a violation keyed by the store's name), the CP one never
    /// does (it misses its SLO instead).
    #[test]
    fn a_quorum_store_that_reads_stale_violates_the_stale_read_invariant() {
        let entry = scenarios::catalog::find("cap-partition").expect("a catalog scenario");
        let run = |variant| {
            crate::simulate::simulate(entry.text, &entry.origin(), Some(variant), &[], 1)
                .expect("the catalog scenario runs")
        };
        let keys =
            |run: &Simulated| -> Vec<String> { check(run).iter().map(Violation::key).collect() };
        assert_eq!(keys(&run("ap")), ["stale reads kv"]);
        assert_eq!(keys(&run("cp")), ["slo users <100ms"]);
    }

    #[test]
    fn queue_invariants_have_their_keys_and_severities() {
        let lost = Violation::LostMessages {
            queue: "orders".to_string(),
            lost: 3,
        };
        assert_eq!(lost.key(), "lost messages orders");
        assert_eq!(lost.severity(), 1.0);
        assert_eq!(lost.describe(), "orders: 3 messages lost");
        let twice = Violation::DuplicateEffects {
            queue: "orders".to_string(),
            duplicates: 5,
            published: 100,
        };
        assert_eq!(twice.key(), "duplicate effects orders");
        assert_eq!(twice.severity(), 0.05);
    }

    #[test]
    fn keys_name_the_failure_not_its_size() {
        assert_eq!(slo(0.5).key(), slo(0.9).key());
        assert_eq!(slo(0.5).key(), "slo web <300ms");
        assert_eq!(
            slo(0.9312).describe(),
            "SLO web: 93.12% within 300ms, target 99%"
        );
        assert_eq!(
            slo(0.989962).describe(),
            "SLO web: 98.996% within 300ms, target 99%"
        );
    }
}
