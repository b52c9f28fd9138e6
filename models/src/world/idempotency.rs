//! The world's side of idempotency keys and degraded answers (see `crate::idempotency`).
//!
//! A client request's key is its stable id, and every attempt of it (first try, retries, hedge
//! or tied copies) carries the same one. A downstream call's key is derived from the key of the
//! request its job serves, the call's index and the fan-out copy (`call_key`), the way a
//! service passes its caller's idempotency key on to the payment provider it calls: a retry
//! at any layer above re-presents the same key below, so a store there recognises it, and a
//! side effect executed again there counts as a duplicate. A service's store is consulted when an attempt reaches a
//! replica, after the crash, rate-limit and error checks and before a job is made; a replay
//! or a conflict is answered at once, without a worker. A job holds its key's lock from its
//! arrival to its end, and its reply is stored when it ends. The side effect is executed when
//! a job finishes its own work, whether or not its caller still waits.

use sim_core::SimTime;

use super::{AttemptKey, Job, JobKey, Reply, World};
use crate::idempotency::Lookup;

/// The key of copy `copy` of call number `call` made by a job serving a request keyed
/// `parent`: a SplitMix64 mix of the three (Steele, Lea, Flood 2014), so distinct calls get
/// distinct keys with overwhelming probability and the same call of the same request always
/// gets the same one.
pub(super) fn call_key(parent: u64, call: u32, copy: u32) -> u64 {
    let word = (u64::from(call) << 32) | u64::from(copy);
    let mix = sim_core::rng::splitmix64_mix;
    mix(mix(parent ^ 0x9e37_79b9_7f4a_7c15) ^ word)
}

impl World {
    /// The answer of the target's idempotency-key store to `attempt` arriving at `now`, if
    /// it answers instead of executing (a stored reply, or a conflict).
    pub(super) fn idempotent_answer(&mut self, attempt: AttemptKey, now: SimTime) -> Option<Reply> {
        let a = &self.attempts[attempt];
        let (service, key) = (a.service, a.key);
        let jobs = &self.jobs;
        let lookup = self.services[service.0 as usize]
            .idempotency_check(now, key, |job| jobs.contains_key(job))?;
        match lookup {
            Lookup::Execute => None,
            Lookup::Replay(reply) => Some(reply),
            Lookup::Conflict => Some(Reply::Conflict),
        }
    }

    /// A job was made for an attempt the store let through: it locks the attempt's key.
    #[inline]
    pub(super) fn idempotency_begin(&mut self, job: JobKey) {
        let j = &self.jobs[job];
        if !self.services[j.service.0 as usize].has_idempotency_store() {
            return;
        }
        let key = self.attempts[j.attempt].key;
        self.services[j.service.0 as usize].idempotency_begin(key, job);
    }

    /// `j` (removed from the jobs as `job`) ends at `now` with `reply`: the store keeps the
    /// reply, and a degraded success is counted.
    pub(super) fn job_finished(&mut self, j: &Job, job: JobKey, reply: Reply, now: SimTime) {
        let service = &mut self.services[j.service.0 as usize];
        if service.has_idempotency_store() {
            let key = self.attempts[j.attempt].key;
            service.idempotency_finish(now, key, job, reply);
        }
        if reply == Reply::Degraded {
            service.count_degraded(j.reached);
        }
    }

    /// `job` finished its own work: its service's side effect is executed (callers check that
    /// the service has one).
    pub(super) fn side_effect(&mut self, job: JobKey) {
        let j = &self.jobs[job];
        let key = self.attempts[j.attempt].key;
        self.services[j.service.0 as usize].side_effect_executed(key, j.reached);
    }
}
