//! Scheduled crash and pause faults on replicas: a crash loses every job a replica holds
//! (and strands a workflow coordinator's instances), its end restarts the replica (and lets
//! the coordinator resolve them); a pause freezes and resumes (`server`).

use sim_core::Context;

use super::{JobKey, PackedEvent, World};
use crate::config::{FaultKind, ServiceId, Target};

impl World {
    pub(super) fn on_fault_start(&mut self, fault: u32, ctx: &mut Context<'_, PackedEvent>) {
        let target = match self.faults[fault as usize].kind {
            FaultKind::Crash { target, .. } => target,
            FaultKind::Pause { target } => return self.pause(target, ctx),
            _ => return,
        };
        for replica in self.replicas_of(target) {
            self.crash_replica(target.service, replica, ctx);
        }
    }

    /// Replica `replica` of `service` goes down: every job it holds is lost.
    pub(super) fn crash_replica(
        &mut self,
        service: ServiceId,
        replica: u32,
        ctx: &mut Context<'_, PackedEvent>,
    ) {
        let now = ctx.now();
        let lost = self.services[service.0 as usize].crash(replica, now);
        if self.outboxes.any() {
            self.outbox_replica_crashed(service, replica);
        }
        self.note(now, |w| w.jobs_lost(service, replica, lost));
        let doomed: Vec<JobKey> = self
            .jobs
            .iter()
            .filter(|(_, j)| j.service == service && j.replica == replica)
            .map(|(key, _)| key)
            .collect();
        // Every job of the replica is queued, in service, or waiting on a call; those in
        // service hold a worker, those waiting on calls too.
        assert!(
            doomed.len() as u64 >= lost,
            "a crash loses every queued and busy job"
        );
        if self.flowing {
            self.workflow_crashed(&doomed, ctx);
        }
        for job in doomed {
            let j = self.jobs.remove(job).expect("listed job is live");
            self.attempts[j.attempt].holders.job_ended();
            self.release(j.attempt);
        }
        self.clear_caches(service, replica);
    }

    pub(super) fn on_fault_end(&mut self, fault: u32, ctx: &mut Context<'_, PackedEvent>) {
        let target = match self.faults[fault as usize].kind {
            FaultKind::Crash { target, .. } => target,
            FaultKind::Pause { target } => return self.resume(target, ctx),
            _ => return,
        };
        let now = ctx.now();
        for replica in self.replicas_of(target) {
            let still_down = self.faults.iter().enumerate().any(|(i, f)| {
                i != fault as usize
                    && f.active(now)
                    && matches!(f.kind, FaultKind::Crash { target: t, .. } if t.covers(target.service, replica))
            });
            if !still_down {
                self.restart_replica(target.service, replica, ctx);
            }
        }
    }

    /// Replica `replica` of `service` comes back up; a workflow coordinator resolves the
    /// instances its crash stranded, each folded into the trace hash.
    pub(super) fn restart_replica(
        &mut self,
        service: ServiceId,
        replica: u32,
        ctx: &mut Context<'_, PackedEvent>,
    ) {
        let now = ctx.now();
        self.services[service.0 as usize].restart(replica, now);
        if let Some(workflows) = self.workflows.as_mut() {
            for code in workflows.restarted(service, replica, now) {
                ctx.fold(code);
            }
        }
    }

    pub(super) fn replicas_of(&self, target: Target) -> Vec<u32> {
        match target.replica {
            Some(replica) => vec![replica],
            None => (0..self.services[target.service.0 as usize].config.replicas).collect(),
        }
    }
}
