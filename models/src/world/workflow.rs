//! The world's side of workflows (`workflow`): a coordinator's job starts an instance with
//! its first step, hears each step's outcome before the usual course, sends a saga's
//! compensations as requests on the step's own call edge (after the pause, if its replica is
//! frozen), and a two-phase commit's prepares ask for their lock as they reach their
//! participant.

use sim_core::network::NodeId;
use sim_core::{Context, SimTime};

use super::dispatch::Sending;
use super::{
    idempotency, AttemptKey, Frozen, JobKey, Origin, PackedEvent, Phase, Reply, Request, World,
};
use crate::workflow::Next;

/// The copy number in a compensation's idempotency key (`idempotency::call_key`): apart from
/// the step's own copies, so a store at the participant does not take it for the step again.
const UNDO_COPY: u32 = u32::MAX;

impl World {
    /// `job` is about to make its first call: if its service coordinates a workflow, the job
    /// runs a new instance.
    pub(super) fn workflow_begin(&mut self, job: JobKey, now: SimTime) {
        let (service, replica) = (self.jobs[job].service, self.jobs[job].replica);
        let workflows = self.workflows.as_mut().expect("flowing has workflows");
        if let Some(flow) = workflows.flow_of(service) {
            let id = workflows.start(flow, replica, now);
            self.instance_of.insert(job, id);
        }
    }

    /// Call `call` of `job` was decided (`ok`): a workflow's step or compensation. True if
    /// the workflow took the job's next move; false leaves it to the usual course.
    pub(super) fn workflow_decided(
        &mut self,
        job: JobKey,
        call: u32,
        ok: bool,
        ctx: &mut Context<'_, PackedEvent>,
    ) -> bool {
        let Some(&id) = self.instance_of.get(job) else {
            return false;
        };
        let j = &self.jobs[job];
        if j.calls_made != call + 1 || !matches!(j.phase, Phase::Calling { .. }) {
            return false; // An abandoned request of a call already decided.
        }
        let now = ctx.now();
        let workflows = self.workflows.as_mut().expect("flowing has workflows");
        let next = if workflows.undoing(id) {
            workflows.undo_decided(id, call, ok)
        } else {
            workflows.step_decided(id, call, ok, now)
        };
        let j = &self.jobs[job];
        let paused = self.services[j.service.0 as usize].is_paused(j.replica);
        match next {
            Next::Continue => {
                if ok
                    && self.jobs[job].calls_made as usize
                        == self.services[self.jobs[job].service.0 as usize]
                            .config
                            .calls
                            .len()
                {
                    self.instance_of.remove(job);
                }
                false
            }
            // A frozen coordinator moves on when its pause ends, as a plain job does.
            Next::Undo(step) if paused => {
                self.jobs[job].phase = Phase::Paused(Frozen::Undo(step));
                true
            }
            Next::Undo(step) => {
                self.send_undo(job, step, ctx);
                true
            }
            Next::Fail => {
                self.instance_of.remove(job);
                if paused {
                    self.jobs[job].phase = Phase::Paused(Frozen::Fail);
                } else {
                    self.finish_job(job, Reply::Error, ctx);
                }
                true
            }
        }
    }

    /// Sends the compensation of step `step` of `job`'s instance: a request on the step's
    /// own call edge (its timeout and retries), with its own idempotency key.
    pub(super) fn send_undo(&mut self, job: JobKey, step: u32, ctx: &mut Context<'_, PackedEvent>) {
        let now = ctx.now();
        let measured = now >= self.warmup_end;
        let j = &mut self.jobs[job];
        j.calls_made = step + 1;
        j.phase = Phase::Calling { ok: 0, failed: 0 };
        let (service, replica) = (j.service, j.replica);
        let call = &self.services[service.0 as usize].config.calls[step as usize];
        let node = NodeId(self.replica_nodes[service.0 as usize] + replica);
        let parent_key = self.attempts[j.attempt].key;
        let id = self.requests_made;
        self.requests_made += 1;
        let request = self.requests.insert(Request {
            id,
            key: idempotency::call_key(parent_key, step, UNDO_COPY),
            ..Request::for_call(job, j, step, call, node, now, measured)
        });
        self.services[service.0 as usize].count_call_request(step, measured);
        self.note(now, |w| w.call_started(request));
        if self.requests[request].guarded {
            let s = &mut self.services[service.0 as usize];
            s.call_guards(replica, step).on_request(now);
        }
        self.send_attempt(request, Sending::Try, ctx);
    }

    /// A prepare of a two-phase commit reaches its participant at `now`: whether it may be
    /// served (it takes or holds its key's lock); any other attempt may.
    pub(super) fn workflow_admits(&mut self, attempt: AttemptKey, now: SimTime) -> bool {
        let Some(r) = self.requests.get(self.attempts[attempt].request) else {
            return true;
        };
        let Origin::Call { job, call } = r.origin else {
            return true;
        };
        let Some(&id) = self.instance_of.get(job) else {
            return true;
        };
        let workflows = self.workflows.as_mut().expect("locking has workflows");
        !workflows.preparing(id) || workflows.lock(id, call, now)
    }

    /// The instances of the jobs a coordinator's crash loses, each folded into the trace
    /// hash with what the crash did to it.
    pub(super) fn workflow_crashed(&mut self, jobs: &[JobKey], ctx: &mut Context<'_, PackedEvent>) {
        for &job in jobs {
            if let Some(id) = self.instance_of.remove(job) {
                let workflows = self.workflows.as_mut().expect("flowing has workflows");
                if let Some(code) = workflows.crashed(id) {
                    ctx.fold(code);
                }
            }
        }
    }
}
