//! The `workflows` block as written: a multi-step workflow across services that a coordinator
//! service runs for each request it serves, as an orchestrated saga or with two-phase commit
//! (see `models::workflow` for what they simulate). Their defaults are listed in the table of
//! the parent module.

use schemars::JsonSchema;
use serde::Deserialize;

use super::{Count, Duration, Retry};

/// A workflow: every request its coordinator serves runs one instance of its steps, in order.
///
/// The steps are the coordinator's calls (it declares no `calls` of its own): each is an
/// ordinary request with its step's `timeout` and `retry`. Under `"saga"` a step that fails
/// (after its retries) makes the coordinator send the compensations of the steps already
/// applied, in reverse order, each as a request to the step's service with the step's timeout
/// and retries; a compensation that still fails, or a step with `compensate: false`, leaves the
/// instance inconsistent. Under `"two_phase_commit"` each step is a prepare: when it reaches
/// its participant it takes the lock on the instance's key (one of `keys`, drawn uniformly)
/// and holds it until the coordinator decides; a prepare that finds the key locked by another
/// instance is answered at once with a retryable conflict. A crash of the coordinator's
/// replica strands its instances: a saga with `durable_log` compensates them when the replica
/// restarts, one without leaves them as they are; two-phase commit's participants hold their
/// locks until the restart, which aborts them. The run's `workflows` object counts the
/// instances started after the warm-up: `started = completed + compensated + aborted +
/// inconsistent + in_flight_end`, and per step `applied − undone = completed + left`.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Workflow {
    /// Unique name among workflows.
    pub name: String,
    /// The service whose requests each run one instance; its replicas coordinate.
    pub coordinator: String,
    /// `"saga"` (orchestrated, with compensations) or `"two_phase_commit"` (prepare with
    /// locks, then commit or abort).
    #[serde(default = "protocol_default")]
    pub protocol: Protocol,
    /// The steps, in order: calls of the coordinator to other services.
    pub steps: Vec<Step>,
    /// Saga: the coordinator logs its steps durably and compensates the instances a crash
    /// stranded when it restarts; `false` leaves them as they were. Two-phase commit always
    /// logs.
    #[serde(default = "durable_log_default")]
    pub durable_log: bool,
    /// Two-phase commit: how many keys an instance draws its key from; two instances with the
    /// same key contend for the same locks.
    #[serde(default = "keys_default")]
    pub keys: Count,
}

/// How a workflow keeps its steps all-or-nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Protocol {
    /// An orchestrated saga with compensations.
    Saga,
    /// Two-phase commit with locks held from prepare to decision.
    TwoPhaseCommit,
}

/// One step: a call of the coordinator to a participant service.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// The participant: one of the scenario's services (not the coordinator).
    pub service: String,
    /// The participant can undo the step (a saga compensates it when a later step fails).
    #[serde(default = "compensate_default")]
    pub compensate: bool,
    /// Per-attempt timeout of the step and of its compensation; absent waits forever.
    #[serde(default)]
    pub timeout: Option<Duration>,
    /// Retry policy of the step and of its compensation; absent means one attempt.
    #[serde(default)]
    pub retry: Option<Retry>,
}

fn protocol_default() -> Protocol {
    Protocol::Saga
}

fn durable_log_default() -> bool {
    true
}

fn keys_default() -> Count {
    Count(1_000)
}

fn compensate_default() -> bool {
    true
}
