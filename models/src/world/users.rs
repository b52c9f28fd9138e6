//! The user components a world hosts (`component::Component`, written outside this crate):
//! which service each fronts, their timers parked until due, and the scope they act through.

use std::fmt;

use slotmap::SlotMap;

use sim_core::{Context, SimTime};

use super::{Event, PackedEvent, World};
use crate::component::{Call, Component, ComponentScope, Verdict};
use crate::config::ServiceId;
use crate::key::PartKey;
use crate::result::ComponentCounts;

/// The user components of a run and what they need from the world.
#[derive(Default)]
pub(super) struct Users {
    /// The components, in the order `run_with` was given them.
    components: Vec<Box<dyn Component>>,
    /// For each service, the index of the component that fronts it.
    fronting: Vec<Option<u32>>,
    /// Timers set and not yet due: (component, tag).
    timers: SlotMap<PartKey, (u32, u64)>,
}

/// A scenario's service names a component that `run_with` was not given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MissingComponent {
    /// The service.
    pub service: String,
    /// The component it names.
    pub component: String,
    /// The names of the components given.
    pub given: Vec<String>,
}

impl fmt::Display for MissingComponent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "service `{}` is fronted by component `{}`, but the run was given {}; pass one whose `name()` is `{}`",
            self.service,
            self.component,
            match self.given.as_slice() {
                [] => "no component".to_string(),
                given => format!("only {}", given.join(", ")),
            },
            self.component
        )
    }
}

impl std::error::Error for MissingComponent {}

impl Users {
    /// `components` wired to the services of `world` that name them.
    pub(super) fn wire(
        world: &World,
        components: Vec<Box<dyn Component>>,
    ) -> Result<Users, MissingComponent> {
        let mut fronting = Vec::with_capacity(world.services.len());
        for service in &world.services {
            let Some(name) = &service.config.policies.component else {
                fronting.push(None);
                continue;
            };
            match components.iter().position(|c| c.name() == name) {
                Some(index) => fronting.push(Some(index as u32)),
                None => {
                    return Err(MissingComponent {
                        service: service.config.name.clone(),
                        component: name.clone(),
                        given: components.iter().map(|c| c.name().to_string()).collect(),
                    })
                }
            }
        }
        Ok(Users {
            components,
            fronting,
            timers: SlotMap::with_key(),
        })
    }

    /// The tag of the timer `key` names (still parked: a trace reads it before it runs).
    pub(super) fn timer_tag(&self, key: PartKey) -> u64 {
        self.timers[key].1
    }

    /// Whether any service is fronted by a component.
    pub(super) fn any(&self) -> bool {
        self.fronting.iter().any(Option::is_some)
    }

    /// What each component counted.
    pub(super) fn counts(&self) -> Vec<ComponentCounts> {
        let counts = self.components.iter().map(|c| ComponentCounts {
            name: c.name().to_string(),
            counters: c.counters(),
        });
        counts.collect()
    }
}

/// A user component's scope: the world's context and the parked timers.
struct UserScope<'s, 'q> {
    ctx: &'s mut Context<'q, PackedEvent>,
    timers: &'s mut SlotMap<PartKey, (u32, u64)>,
    component: u32,
}

impl ComponentScope for UserScope<'_, '_> {
    fn now(&self) -> SimTime {
        self.ctx.now()
    }

    fn set_timer(&mut self, at: SimTime, tag: u64) {
        let at = at.max(self.ctx.now());
        let key = self.timers.insert((self.component, tag));
        self.ctx.schedule_at(at, Event::User { key });
    }

    fn fold(&mut self, code: u64) {
        self.ctx.fold(code);
    }
}

impl World {
    /// What the component fronting `service` (if any) decides about an attempt reaching
    /// `replica`; `Verdict::Serve` when no component fronts it.
    pub(super) fn user_verdict(
        &mut self,
        service: ServiceId,
        call: Call,
        ctx: &mut Context<'_, PackedEvent>,
    ) -> Verdict {
        let users = &mut self.users;
        let Some(Some(index)) = users.fronting.get(service.0 as usize).copied() else {
            return Verdict::Serve;
        };
        let mut scope = UserScope {
            ctx,
            timers: &mut users.timers,
            component: index,
        };
        users.components[index as usize].on_call(call, &mut scope)
    }

    /// A user component's timer is due.
    pub(super) fn on_user_timer(&mut self, key: PartKey, ctx: &mut Context<'_, PackedEvent>) {
        let users = &mut self.users;
        let (index, tag) = users
            .timers
            .remove(key)
            .expect("a scheduled timer is parked until it runs");
        ctx.fold(tag);
        let mut scope = UserScope {
            ctx,
            timers: &mut users.timers,
            component: index,
        };
        users.components[index as usize].on_timer(tag, &mut scope);
    }
}
