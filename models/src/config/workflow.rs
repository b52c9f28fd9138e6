//! A workflow across services as validated data: its coordinator, its protocol (an
//! orchestrated saga or two-phase commit), its steps and what each step's participant does to
//! undo it (see `workflow` for the semantics).

use super::ServiceId;

/// How a workflow's coordinator keeps its steps all-or-nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    /// An orchestrated saga (Garcia-Molina & Salem 1987): each step commits at once; a step
    /// that fails makes the coordinator run the compensations of the steps done, in reverse.
    Saga,
    /// Two-phase commit (Bernstein, Hadzilacos & Goodman 1987, ch. 7): each step is a
    /// prepare that locks the instance's key at its participant until the coordinator's
    /// decision; a failed prepare aborts them all.
    TwoPhaseCommit,
}

/// One step of a workflow: the coordinator's call to a participant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Step {
    /// The participant.
    pub service: ServiceId,
    /// The participant can undo the step (a saga sends it a compensation when a later step
    /// fails); `false`: a done step stays done.
    pub compensate: bool,
}

/// A validated workflow: every request its coordinator serves runs one instance, whose steps
/// are the coordinator's calls (`ServiceConfig::calls`, set from `steps` by validation).
#[derive(Clone, Debug, PartialEq)]
pub struct WorkflowConfig {
    /// Unique name; its key stream is `workflow/NAME/keys`.
    pub name: String,
    /// The service whose requests run the instances.
    pub coordinator: ServiceId,
    /// Saga or two-phase commit.
    pub protocol: Protocol,
    /// The steps, in order (at least one, at most 64); step `i` is the coordinator's call `i`.
    pub steps: Vec<Step>,
    /// Saga: the coordinator logs each step durably, so after a crash it resumes its
    /// instances on restart (and compensates them); `false`: a crash leaves them as they
    /// were. Two-phase commit always logs (its participants wait for the coordinator).
    pub durable_log: bool,
    /// Two-phase commit: the keys an instance draws its one key from (uniformly); a prepared
    /// participant holds the lock on that key until the decision.
    pub keys: u32,
}
