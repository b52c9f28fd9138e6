//! The world's side of autoscaling (`autoscale`): evaluation ticks and provisioning ends as
//! `Event::Autoscale`, and the drains they start, on the world's one event loop.
//!
//! Each autoscaled service evaluates every `interval` from one interval after time zero
//! until arrivals end (the drain that follows is not scaled). A scale-out schedules one
//! provisioning end per new replica; a replica whose provisioning ends serves from then on.
//! A scale-in stops routing to the drained replicas at once; each goes off when it holds no
//! job (checked when one of its workers frees, and at every evaluation, which also catches a
//! replica a crash emptied). A late attempt that reaches a replica already off is refused,
//! as by a process that has exited.

use sim_core::{Context, SimTime};

use super::{Event, PackedEvent, World};
use crate::autoscale::ReplicaState;
use crate::config::{FaultKind, ServiceId};

/// `Event::Autoscale`'s `replica` for an evaluation tick (not a replica's provisioning end).
pub const EVALUATE: u32 = u32::MAX;

impl World {
    /// Schedules each autoscaled service's first evaluation, one interval after time zero.
    pub(super) fn first_autoscale_events(&self) -> Vec<(SimTime, Event)> {
        let scaled = self.services.iter().enumerate().filter_map(|(i, s)| {
            let a = s.autoscaler.as_ref()?;
            let service = ServiceId(i as u32);
            let first = SimTime::ZERO.add(a.config().interval);
            Some((
                first,
                Event::Autoscale {
                    service,
                    replica: EVALUATE,
                },
            ))
        });
        scaled.collect()
    }

    /// An autoscaling event of `service` is due: an evaluation, or `replica`'s provisioning
    /// end.
    pub(super) fn on_autoscale(
        &mut self,
        service: ServiceId,
        replica: u32,
        ctx: &mut Context<'_, PackedEvent>,
    ) {
        if replica == EVALUATE {
            self.evaluate_scaling(service, ctx);
        } else {
            self.provisioning_ended(service, replica, ctx.now());
        }
    }

    fn evaluate_scaling(&mut self, service: ServiceId, ctx: &mut Context<'_, PackedEvent>) {
        let now = ctx.now();
        let s = &mut self.services[service.0 as usize];
        let load = s.load_areas(now);
        let workers = s.workers_total();
        let a = s
            .autoscaler
            .as_mut()
            .expect("only an autoscaled service evaluates");
        let seen = a.seen(&load, workers, now);
        let (interval, provisioning) = (a.config().interval, a.config().provisioning);
        let replicas = a.config().max_replicas;
        if let Some(change) = a.evaluate(now, seen) {
            for replica in change.started {
                ctx.schedule_at(now.add(provisioning), Event::Autoscale { service, replica });
            }
            for replica in change.drained {
                s.stop_routing(replica);
            }
        }
        for replica in 0..replicas {
            self.check_drained(service, replica, now);
        }
        let next = now.add(interval);
        if next <= self.arrivals_end {
            ctx.schedule_at(
                next,
                Event::Autoscale {
                    service,
                    replica: EVALUATE,
                },
            );
        }
    }

    /// `replica`'s provisioning ends at `now`: if it is still wanted it takes traffic, and
    /// it is up unless a crash fault covers it (it comes up when that ends).
    fn provisioning_ended(&mut self, service: ServiceId, replica: u32, now: SimTime) {
        let crashed = self.faults.iter().any(|f| {
            f.active(now)
                && matches!(f.kind, FaultKind::Crash { target, .. } if target.covers(service, replica))
        });
        let s = &mut self.services[service.0 as usize];
        let a = s
            .autoscaler
            .as_mut()
            .expect("only an autoscaled service provisions");
        if a.provisioned(replica, now) {
            s.bring_up(replica, now, crashed);
        }
    }

    /// If `replica` of `service` drains and holds no job any more, it goes off at `now`.
    pub(super) fn check_drained(&mut self, service: ServiceId, replica: u32, now: SimTime) {
        let s = &mut self.services[service.0 as usize];
        let Some(a) = s.autoscaler.as_ref() else {
            return;
        };
        if a.state(replica) == ReplicaState::Draining && s.is_idle(replica) {
            s.autoscaler
                .as_mut()
                .expect("checked above")
                .drained(replica, now);
            s.take_down(replica, now);
        }
    }
}
