//! The `workflows` object of the run summary: each workflow's outcomes (completed,
//! compensated, aborted, inconsistent, in flight), its per-step accounting and, for two-phase
//! commit, its locks; present only when the scenario has workflows.

use serde::Serialize;

use models::{Protocol, WorkflowResult};

use super::round;

/// What a workflow measured over the instances started after the warm-up.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WorkflowSummary {
    /// `"saga"` or `"two_phase_commit"`.
    pub protocol: String,
    /// Saga: the coordinator logs durably and compensates stranded instances on restart.
    pub durable_log: bool,
    /// Instances started: completed + compensated + aborted + inconsistent + in_flight_end.
    pub started: u64,
    /// Instances whose every step was applied (committed).
    pub completed: u64,
    /// Saga instances that failed with every applied step undone.
    pub compensated: u64,
    /// Two-phase-commit instances aborted.
    pub aborted: u64,
    /// Saga instances left with a step applied and not undone.
    pub inconsistent: u64,
    /// Instances still running, or stranded by a coordinator that never restarted, at the end.
    pub in_flight_end: u64,
    /// Instances a coordinator's restart resolved (compensated, inconsistent or aborted).
    pub recovered: u64,
    /// Compensations run (sent as requests, or applied on a restart).
    pub compensations: u64,
    /// Compensations that failed after their retries.
    pub compensations_failed: u64,
    /// Prepares refused because another instance held their key's lock.
    pub blocked: u64,
    /// Lock-seconds held after the warm-up; null for a saga (it holds none).
    pub lock_seconds: Option<f64>,
    /// Of those, the lock-seconds held by transactions in doubt (their coordinator down);
    /// null for a saga.
    pub in_doubt_lock_seconds: Option<f64>,
    /// The most locks held at once; null for a saga.
    pub locks_max: Option<u64>,
    /// Per step, in order: `applied − undone = completed + left`.
    pub steps: Vec<StepSummary>,
}

/// One step's accounting.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StepSummary {
    /// The participant service.
    pub service: String,
    /// Times the step was applied (prepared).
    pub applied: u64,
    /// Times it was undone (compensated, or rolled back by an abort).
    pub undone: u64,
    /// Instances that did not complete and were left with it applied.
    pub left: u64,
}

impl WorkflowSummary {
    /// The summary of one workflow, with `services` naming the participants by id.
    pub fn of(result: &WorkflowResult, services: &[String]) -> WorkflowSummary {
        let c = &result.counts;
        let locking = result.protocol == Protocol::TwoPhaseCommit;
        WorkflowSummary {
            protocol: match result.protocol {
                Protocol::Saga => "saga",
                Protocol::TwoPhaseCommit => "two_phase_commit",
            }
            .to_string(),
            durable_log: result.durable_log,
            started: c.started,
            completed: c.completed,
            compensated: c.compensated,
            aborted: c.aborted,
            inconsistent: c.inconsistent,
            in_flight_end: result.in_flight_end,
            recovered: c.recovered,
            compensations: c.compensations,
            compensations_failed: c.compensations_failed,
            blocked: c.blocked,
            lock_seconds: locking.then(|| round(result.lock_held.as_secs_f64(), 6)),
            in_doubt_lock_seconds: locking
                .then(|| round(result.lock_held_in_doubt.as_secs_f64(), 6)),
            locks_max: locking.then_some(result.locks_max),
            steps: (result.steps.iter())
                .map(|s| StepSummary {
                    service: services[s.service.0 as usize].clone(),
                    applied: s.applied,
                    undone: s.undone,
                    left: s.left,
                })
                .collect(),
        }
    }
}
