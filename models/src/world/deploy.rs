//! Deployments in the world: each `deploy::Rollout`'s actions as `Event::Deploy`, the version
//! of each attempt arriving at a deploying service (decided once, on arrival), the bad
//! version's fast failures and slower work, and every answer the service sends, counted by
//! version and fed to the rollout's alert.
//!
//! A service without a deployment pays one branch per arriving attempt and per reply
//! (`World::deploying`), and no event, draw or field.

use sim_core::{Context, SimDuration, SimTime};

use super::{AttemptKey, Event, JobKey, PackedEvent, Reply, World};
use crate::config::ServiceId;
use crate::deploy::{Action, Version};

/// `World::rollout_of` for a service without a deployment.
pub(super) const NONE: u32 = u32::MAX;

impl World {
    /// A rollout's action is due.
    pub(super) fn on_deploy(
        &mut self,
        deployment: u32,
        action: u32,
        ctx: &mut Context<'_, PackedEvent>,
    ) {
        let now = ctx.now();
        let rollout = &mut self.rollouts[deployment as usize];
        let next = match Action::from_code(action) {
            Action::Step(k) => rollout.on_step(k, now),
            Action::Check => rollout.on_check(now),
            Action::RollbackDone => {
                rollout.on_rollback_done(now);
                None
            }
        };
        if let Some((at, action)) = next {
            ctx.schedule_at(at, deploy_event(deployment, action));
        }
    }

    /// The service deployment `deployment` deploys to.
    pub(super) fn deploy_service(&self, deployment: u32) -> ServiceId {
        self.rollouts[deployment as usize].config.service
    }

    /// Whether an attempt arriving now at `replica` of `service` is the new version's.
    #[inline]
    pub(super) fn version_new(&mut self, service: ServiceId, replica: u32) -> bool {
        match self.rollout_of[service.0 as usize] {
            NONE => false,
            index => self.rollouts[index as usize].serves_new(replica),
        }
    }

    /// Whether the new version at `service` fails an attempt at once.
    pub(super) fn bad_version_fails(&mut self, service: ServiceId) -> bool {
        let index = self.rollout_of[service.0 as usize];
        self.rollouts[index as usize].fails()
    }

    /// The own work of `job`, which a worker takes now and the old version would do in `work`.
    // Always inlined: without deployments it is one branch, on every job's start.
    #[inline(always)]
    pub(super) fn job_work(&self, job: JobKey, work: SimDuration) -> SimDuration {
        if !self.deploying {
            return work;
        }
        let j = &self.jobs[job];
        if !self.attempts[j.attempt].new_version {
            return work;
        }
        let index = self.rollout_of[j.service.0 as usize];
        self.rollouts[index as usize].regressed(work)
    }

    /// The service answers `attempt` with `reply` at `now`; it reached its replica at
    /// `reached`. Counted for the service's rollout, if it has one.
    pub(super) fn deploy_answered(
        &mut self,
        attempt: AttemptKey,
        reply: Reply,
        reached: SimTime,
        now: SimTime,
    ) {
        let a = &self.attempts[attempt];
        let index = self.rollout_of[a.service.0 as usize];
        if index == NONE {
            return;
        }
        let error = matches!(
            reply,
            Reply::Error | Reply::Rejected | Reply::Refused | Reply::RateLimited
        );
        let version = if a.new_version {
            Version::New
        } else {
            Version::Old
        };
        let rollout = &mut self.rollouts[index as usize];
        let bad = rollout.is_bad(error, now.since(reached));
        rollout.answered(now, version, bad);
    }
}

/// The event of `deployment`'s `action`.
pub(super) fn deploy_event(deployment: u32, action: Action) -> Event {
    Event::Deploy {
        deployment,
        action: action.code(),
    }
}
