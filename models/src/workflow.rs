//! Workflows across services: each request a coordinator serves runs one instance, whose
//! steps are the coordinator's calls in order, kept all-or-nothing by an orchestrated saga or
//! by two-phase commit.
//!
//! ```text
//!  saga:  step 0 ok ─▶ step 1 ok ─▶ step 2 fails ─▶ undo 1 ─▶ undo 0 ─▶ compensated
//!                                                    └ an undo that fails (after its retries)
//!                                                      leaves its step applied: inconsistent
//!  2PC:   prepare 0 ─▶ prepare 1 ─▶ ... all ok ─▶ commit (locks released)
//!          │ each prepare locks the instance's key at its participant; a prepare that finds
//!          │ the key locked by another instance is refused (`Reply::Conflict`, retryable)
//!          └ a prepare fails ─▶ abort (locks released)
//! ```
//!
//! A coordinator's crash strands the instances its replica was running. A saga with a durable
//! log compensates them when the replica restarts (the saga log is read back, Garcia-Molina &
//! Salem 1987 §5); without one they stay as they were: inconsistent if a step was applied. A
//! two-phase-commit participant that has prepared must wait for the decision (Bernstein,
//! Hadzilacos & Goodman 1987, ch. 7 "blocking"; Gray & Lamport 2006): its lock stays held
//! until the coordinator restarts and aborts (presumed abort).
//!
//! This module is the bookkeeping only: instances, locks and the counts, over virtual time.
//! The world (`world/workflow.rs`) sends the steps and compensations as ordinary requests
//! (each with its step's timeout and retries), asks for a lock when a prepare reaches its
//! participant, and reports crashes and restarts. Counts are taken from the coordinator's
//! view: a step is applied when its success reaches the coordinator; a step whose reply was
//! lost is not counted (the participant's side is not modelled apart from its locks).
//! Recovery compensations and commit/abort messages are not simulated as requests: they
//! take effect when the coordinator restarts or decides.

use std::collections::BTreeMap;

use sim_core::{SimDuration, SimTime, Stream};

use crate::config::{Protocol, ServiceId, WorkflowConfig};

/// Steps a workflow may have (an instance keeps its applied steps in a 64-bit mask).
pub const STEPS_MAX: usize = 64;

/// Trace tag of an instance its coordinator's crash strands, waiting for the restart.
const STRANDED: u64 = 0x5354_5241_4e44_4544;
/// Trace tag of a saga instance its coordinator's crash leaves as it is (no log).
const LEFT: u64 = 0x4c45_4654_5f41_5050;
/// Trace tag of a stranded instance its coordinator's restart resolves.
const RESOLVED: u64 = 0x5245_534f_4c56_4544;

/// The code a crash's or restart's effect on one instance folds into the trace hash: the
/// events do not show it (a restart sends no message), so without it a durable log and none
/// would hash alike.
fn trace_code(tag: u64, applied: u64) -> u64 {
    tag ^ applied.wrapping_mul(0x9e37_79b9_7f4a_7c15)
}

/// Bytes per running instance in its map (key, value and the B-tree's share), for the
/// memory guard.
const INSTANCE_BYTES: u64 = (std::mem::size_of::<(InstanceId, Instance)>() + 16) as u64;

/// Bytes per held lock in its step's map (key, holder, since and the B-tree's share).
const LOCK_BYTES: u64 = (std::mem::size_of::<(u32, (InstanceId, SimTime))>() + 16) as u64;

/// An instance's id: the number of instances started before it.
pub type InstanceId = u64;

/// What the coordinator's job does after a step's (or an undo's) outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Next {
    /// The usual course: the next step, or the job's success after the last.
    Continue,
    /// Send the compensation of this step.
    Undo(u32),
    /// The instance failed (compensated, aborted or inconsistent): the job answers an error.
    Fail,
}

/// One running instance.
#[derive(Clone, Copy, Debug)]
struct Instance {
    flow: u32,
    /// The coordinator's replica that runs it.
    replica: u32,
    /// Started after the warm-up: it counts.
    measured: bool,
    /// Two-phase commit: the key it locks at each participant.
    key: u32,
    /// Steps applied and not undone.
    applied: u64,
    /// Compensable applied steps whose undo is still to try.
    to_undo: u64,
    /// It is running its compensations.
    undoing: bool,
    /// Its coordinator crashed: it waits for the restart (durable log, two-phase commit).
    stranded: bool,
}

/// What one workflow counted, over the instances started after the warm-up.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WorkflowCounts {
    /// Instances started.
    pub started: u64,
    /// Instances whose every step was applied (two-phase commit: committed).
    pub completed: u64,
    /// Saga instances that failed and whose applied steps were all undone (none applied
    /// included).
    pub compensated: u64,
    /// Two-phase-commit instances that aborted (a prepare failed, or the coordinator crashed
    /// before deciding and aborted on restart).
    pub aborted: u64,
    /// Saga instances that ended with a step applied and not undone: an undo failed after
    /// its retries, a step had no compensation, or the coordinator crashed without a durable
    /// log.
    pub inconsistent: u64,
    /// Of those failed or aborted, the instances a coordinator's restart resolved.
    pub recovered: u64,
    /// Compensations sent (first attempts of a step's undo).
    pub compensations: u64,
    /// Compensations that failed after their retries.
    pub compensations_failed: u64,
    /// Prepares refused because another instance held the key's lock (attempts, at any time
    /// after the warm-up).
    pub blocked: u64,
}

/// One step's accounting: `applied − undone == completed + left`, exactly.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StepCounts {
    /// The participant.
    pub service: ServiceId,
    /// Times the step was applied (two-phase commit: prepared).
    pub applied: u64,
    /// Times it was undone (a compensation, or an abort after it prepared).
    pub undone: u64,
    /// Instances left with it applied and not undone, without having completed: inconsistent
    /// ones and those still running at the end.
    pub left: u64,
}

/// What one workflow measured.
#[derive(Clone, Debug, PartialEq)]
pub struct WorkflowResult {
    /// Its name.
    pub name: String,
    /// Saga or two-phase commit.
    pub protocol: Protocol,
    /// Whether a saga's coordinator logs durably.
    pub durable_log: bool,
    /// The outcomes.
    pub counts: WorkflowCounts,
    /// Instances still running (or stranded) when the run ended.
    pub in_flight_end: u64,
    /// Per step, in order.
    pub steps: Vec<StepCounts>,
    /// Two-phase commit: total time locks were held after the warm-up (lock-seconds).
    pub lock_held: SimDuration,
    /// Two-phase commit: of `lock_held`, the time locks were held by instances in doubt (their
    /// coordinator down, so no decision could come).
    pub lock_held_in_doubt: SimDuration,
    /// Two-phase commit: the most locks held at once.
    pub locks_max: u64,
    /// Locks held when the run ended.
    pub locks_end: u64,
}

/// One workflow's state.
struct Flow {
    config: WorkflowConfig,
    counts: WorkflowCounts,
    steps: Vec<StepCounts>,
    /// Per step, per key: the instance holding the lock and since when.
    locks: Vec<BTreeMap<u32, (InstanceId, SimTime)>>,
    locks_now: u64,
    locks_max: u64,
    lock_held: SimDuration,
    lock_held_in_doubt: SimDuration,
    keys: Stream,
}

/// Every workflow of a run and its running instances.
pub struct Workflows {
    flows: Vec<Flow>,
    /// By service: the workflow it coordinates.
    by_service: Vec<Option<u32>>,
    instances: BTreeMap<InstanceId, Instance>,
    next: InstanceId,
    warmup_end: SimTime,
}

impl Workflows {
    /// The workflows of `configs` over `services` services, with key streams from `seed`.
    pub fn new(
        configs: &[WorkflowConfig],
        services: usize,
        seed: u64,
        warmup_end: SimTime,
    ) -> Workflows {
        let mut by_service = vec![None; services];
        let flows = configs
            .iter()
            .enumerate()
            .map(|(i, config)| {
                by_service[config.coordinator.0 as usize] = Some(i as u32);
                Flow {
                    steps: (config.steps.iter())
                        .map(|s| StepCounts {
                            service: s.service,
                            applied: 0,
                            undone: 0,
                            left: 0,
                        })
                        .collect(),
                    locks: vec![BTreeMap::new(); config.steps.len()],
                    locks_now: 0,
                    locks_max: 0,
                    lock_held: SimDuration::ZERO,
                    lock_held_in_doubt: SimDuration::ZERO,
                    keys: Stream::new(seed, &format!("workflow/{}/keys", config.name)),
                    counts: WorkflowCounts::default(),
                    config: config.clone(),
                }
            })
            .collect();
        Workflows {
            flows,
            by_service,
            instances: BTreeMap::new(),
            next: 0,
            warmup_end,
        }
    }

    /// The workflow `service` coordinates, if any.
    pub fn flow_of(&self, service: ServiceId) -> Option<u32> {
        self.by_service.get(service.0 as usize).copied().flatten()
    }

    /// Whether some workflow uses two-phase commit (prepares take locks).
    pub fn locking(&self) -> bool {
        (self.flows.iter()).any(|f| f.config.protocol == Protocol::TwoPhaseCommit)
    }

    /// A new instance of `flow` on the coordinator's `replica`, at `now`.
    pub fn start(&mut self, flow: u32, replica: u32, now: SimTime) -> InstanceId {
        let f = &mut self.flows[flow as usize];
        let measured = now >= self.warmup_end;
        f.counts.started += u64::from(measured);
        let key = match f.config.protocol {
            Protocol::TwoPhaseCommit => f.keys.below(u64::from(f.config.keys)) as u32,
            Protocol::Saga => 0,
        };
        let id = self.next;
        self.next += 1;
        self.instances.insert(
            id,
            Instance {
                flow,
                replica,
                measured,
                key,
                applied: 0,
                to_undo: 0,
                undoing: false,
                stranded: false,
            },
        );
        id
    }

    /// Whether `id` is running its compensations (its calls are undos, not steps).
    pub fn undoing(&self, id: InstanceId) -> bool {
        self.instances.get(&id).is_some_and(|i| i.undoing)
    }

    /// Whether `id` is an instance of a two-phase-commit workflow still preparing.
    pub fn preparing(&self, id: InstanceId) -> bool {
        self.instances.get(&id).is_some_and(|i| {
            !i.undoing && self.flows[i.flow as usize].config.protocol == Protocol::TwoPhaseCommit
        })
    }

    /// Step `step` of `id` was decided at the coordinator at `now`: `ok` if it was applied.
    pub fn step_decided(&mut self, id: InstanceId, step: u32, ok: bool, now: SimTime) -> Next {
        let Some(mut i) = self.instances.get(&id).copied() else {
            return Next::Continue;
        };
        let f = &mut self.flows[i.flow as usize];
        let last = f.config.steps.len() as u32 - 1;
        if ok {
            i.applied |= 1 << step;
            if f.config.steps[step as usize].compensate {
                i.to_undo |= 1 << step;
            }
            if i.measured {
                f.steps[step as usize].applied += 1;
            }
            if step < last {
                self.instances.insert(id, i);
                return Next::Continue;
            }
            f.counts.completed += u64::from(i.measured);
            self.release_locks(id, &i, now);
            self.instances.remove(&id);
            return Next::Continue;
        }
        match f.config.protocol {
            Protocol::TwoPhaseCommit => {
                self.abort(id, &i, now);
                Next::Fail
            }
            Protocol::Saga => {
                i.undoing = true;
                self.instances.insert(id, i);
                self.next_undo(id)
            }
        }
    }

    /// The compensation of step `step` of `id` ended at the coordinator: `ok` if it undid
    /// the step (otherwise the step stays applied).
    pub fn undo_decided(&mut self, id: InstanceId, step: u32, ok: bool) -> Next {
        let Some(i) = self.instances.get_mut(&id) else {
            return Next::Fail;
        };
        let f = &mut self.flows[i.flow as usize];
        i.to_undo &= !(1 << step);
        if ok {
            i.applied &= !(1 << step);
            f.steps[step as usize].undone += u64::from(i.measured);
        } else {
            f.counts.compensations_failed += u64::from(i.measured);
        }
        self.next_undo(id)
    }

    /// The next compensation `id` sends (the latest compensable step applied), or its end.
    fn next_undo(&mut self, id: InstanceId) -> Next {
        let i = self.instances[&id];
        if i.to_undo != 0 {
            let step = 63 - i.to_undo.leading_zeros();
            self.flows[i.flow as usize].counts.compensations += u64::from(i.measured);
            return Next::Undo(step);
        }
        self.settle_saga(id, &i, false);
        Next::Fail
    }

    /// A saga instance with nothing more to undo ends: compensated if no step is left
    /// applied, otherwise inconsistent.
    fn settle_saga(&mut self, id: InstanceId, i: &Instance, recovered: bool) {
        let f = &mut self.flows[i.flow as usize];
        if i.measured {
            if i.applied == 0 {
                f.counts.compensated += 1;
            } else {
                f.counts.inconsistent += 1;
                for (step, counts) in f.steps.iter_mut().enumerate() {
                    counts.left += i.applied >> step & 1;
                }
            }
            f.counts.recovered += u64::from(recovered);
        }
        self.instances.remove(&id);
    }

    /// A two-phase-commit instance aborts at `now`: every prepared step is rolled back and
    /// its locks released.
    fn abort(&mut self, id: InstanceId, i: &Instance, now: SimTime) {
        let f = &mut self.flows[i.flow as usize];
        if i.measured {
            f.counts.aborted += 1;
            f.counts.recovered += u64::from(i.stranded);
            for (step, counts) in f.steps.iter_mut().enumerate() {
                counts.undone += i.applied >> step & 1;
            }
        }
        self.release_locks(id, i, now);
        self.instances.remove(&id);
    }

    /// Releases every lock `id` holds (at its key, at each participant) at `now`.
    fn release_locks(&mut self, id: InstanceId, i: &Instance, now: SimTime) {
        let warmup_end = self.warmup_end;
        let f = &mut self.flows[i.flow as usize];
        for locks in &mut f.locks {
            if let Some(&(holder, since)) = locks.get(&i.key) {
                if holder == id {
                    locks.remove(&i.key);
                    f.locks_now -= 1;
                    let held = now.since(since.max(warmup_end));
                    f.lock_held = f.lock_held.saturating_add(held);
                    if i.stranded {
                        f.lock_held_in_doubt = f.lock_held_in_doubt.saturating_add(held);
                    }
                }
            }
        }
    }

    /// A prepare of `id` for step `step` reaches its participant at `now`: whether it takes
    /// (or already holds) the lock on the instance's key; refused if another holds it.
    pub fn lock(&mut self, id: InstanceId, step: u32, now: SimTime) -> bool {
        let Some(i) = self.instances.get(&id) else {
            return true;
        };
        let f = &mut self.flows[i.flow as usize];
        let locks = &mut f.locks[step as usize];
        match locks.get(&i.key) {
            Some(&(holder, _)) if holder == id => true,
            Some(_) => {
                f.counts.blocked += u64::from(now >= self.warmup_end);
                false
            }
            None => {
                locks.insert(i.key, (id, now));
                f.locks_now += 1;
                f.locks_max = f.locks_max.max(f.locks_now);
                true
            }
        }
    }

    /// The coordinator replica running `id` crashed at `now`: a saga without a durable log
    /// leaves it as it is (inconsistent if a step was applied); otherwise it waits for the
    /// replica's restart. Returns the code to fold into the trace hash (`None`: no such
    /// instance).
    pub fn crashed(&mut self, id: InstanceId) -> Option<u64> {
        let i = self.instances.get_mut(&id)?;
        i.stranded = true;
        let config = &self.flows[i.flow as usize].config;
        if config.protocol == Protocol::Saga && !config.durable_log {
            let i = *i;
            self.settle_saga(id, &i, false);
            return Some(trace_code(LEFT, i.applied));
        }
        Some(trace_code(STRANDED, i.applied))
    }

    /// Replica `replica` of `service` restarted at `now`: the instances it stranded are
    /// resolved from its log: a saga's compensable steps are undone (those without a
    /// compensation stay applied), a two-phase commit's are aborted. Returns one code per
    /// resolved instance to fold into the trace hash, in instance order.
    pub fn restarted(&mut self, service: ServiceId, replica: u32, now: SimTime) -> Vec<u64> {
        let Some(flow) = self.flow_of(service) else {
            return Vec::new();
        };
        let stranded: Vec<(InstanceId, Instance)> = (self.instances.iter())
            .filter(|(_, i)| i.flow == flow && i.replica == replica && i.stranded)
            .map(|(&id, &i)| (id, i))
            .collect();
        let mut codes = Vec::with_capacity(stranded.len());
        for (id, mut i) in stranded {
            codes.push(trace_code(RESOLVED, i.applied));
            match self.flows[flow as usize].config.protocol {
                Protocol::TwoPhaseCommit => self.abort(id, &i, now),
                Protocol::Saga => {
                    let f = &mut self.flows[flow as usize];
                    for (step, counts) in f.steps.iter_mut().enumerate() {
                        let undone = i.to_undo >> step & 1;
                        counts.undone += undone * u64::from(i.measured);
                        f.counts.compensations += undone * u64::from(i.measured);
                    }
                    i.applied &= !i.to_undo;
                    i.to_undo = 0;
                    self.settle_saga(id, &i, true);
                }
            }
        }
        codes
    }

    /// Bytes its running instances and held locks take, for the memory guard.
    pub fn memory_used(&self) -> u64 {
        let locks: u64 = self.flows.iter().map(|f| f.locks_now).sum();
        self.instances.len() as u64 * INSTANCE_BYTES + locks * LOCK_BYTES
    }

    /// What each workflow measured, with the instances still running at `end`.
    pub fn results(&self, end: SimTime) -> Vec<WorkflowResult> {
        (self.flows.iter().enumerate())
            .map(|(index, f)| {
                let mut steps = f.steps.clone();
                let mut in_flight = 0;
                for i in self.instances.values() {
                    if i.flow != index as u32 || !i.measured {
                        continue;
                    }
                    in_flight += 1;
                    for (step, counts) in steps.iter_mut().enumerate() {
                        counts.left += i.applied >> step & 1;
                    }
                }
                let (mut held, mut in_doubt) = (SimDuration::ZERO, SimDuration::ZERO);
                for &(holder, since) in f.locks.iter().flat_map(|l| l.values()) {
                    let span = end.since(since.max(self.warmup_end));
                    held = held.saturating_add(span);
                    if self.instances.get(&holder).is_some_and(|i| i.stranded) {
                        in_doubt = in_doubt.saturating_add(span);
                    }
                }
                WorkflowResult {
                    name: f.config.name.clone(),
                    protocol: f.config.protocol,
                    durable_log: f.config.durable_log,
                    counts: f.counts,
                    in_flight_end: in_flight,
                    steps,
                    lock_held: f.lock_held.saturating_add(held),
                    lock_held_in_doubt: f.lock_held_in_doubt.saturating_add(in_doubt),
                    locks_max: f.locks_max,
                    locks_end: f.locks_now,
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests;
