//! The components the world hosts on its one event loop (the database and the election):
//! each component's events parked in a slab, and the `Scope` through which a component
//! schedules them as the world's two-word `Event::Database` and `Event::Election`.

use slotmap::{Key, KeyData, SlotMap};

use sim_core::{Context, SimTime, TraceCode};

use super::{Event, PackedEvent};
use crate::component::{Scope, Timer};
use crate::key::PartKey;

/// One hosted component and its events in flight.
pub(super) struct Hosted<C, E> {
    /// The component.
    pub(super) part: C,
    /// Its scheduled events, by the key the world's event carries.
    parked: SlotMap<PartKey, E>,
    /// The world's event that names a parked one.
    wrap: fn(PartKey) -> Event,
}

impl<C, E: Copy + TraceCode> Hosted<C, E> {
    /// `part`, with nothing scheduled yet; `wrap` names its events in the world's.
    pub(super) fn new(part: C, wrap: fn(PartKey) -> Event) -> Hosted<C, E> {
        Hosted {
            part,
            parked: SlotMap::with_key(),
            wrap,
        }
    }

    /// Parks `event` and returns the world's event to schedule at its time.
    pub(super) fn park(&mut self, event: E) -> Event {
        (self.wrap)(self.parked.insert(event))
    }

    /// The parked event `key` names, still parked (for a trace, before it is handled).
    pub(super) fn peek(&self, key: PartKey) -> E {
        self.parked[key]
    }

    /// Takes the parked event `key` names off the slab, folds its own trace code into the
    /// run's hash (the world's event carries only its key), and hands it to `handle` with a
    /// scope over `ctx`.
    pub(super) fn run(
        &mut self,
        key: PartKey,
        ctx: &mut Context<'_, PackedEvent>,
        handle: impl FnOnce(&mut C, E, &mut Parked<'_, '_, '_, E>),
    ) {
        let event = self
            .parked
            .remove(key)
            .expect("a scheduled component event is parked until it runs");
        ctx.fold(event.trace_code());
        let mut scope = Parked {
            ctx,
            parked: &mut self.parked,
            wrap: self.wrap,
        };
        handle(&mut self.part, event, &mut scope);
    }
}

/// A hosted component's scope: the world's context and the component's slab.
pub(super) struct Parked<'s, 'c, 'q, E> {
    ctx: &'s mut Context<'q, PackedEvent>,
    parked: &'c mut SlotMap<PartKey, E>,
    wrap: fn(PartKey) -> Event,
}

impl<E> Scope<E> for Parked<'_, '_, '_, E> {
    fn now(&self) -> SimTime {
        self.ctx.now()
    }

    fn schedule_at(&mut self, at: SimTime, event: E) -> Timer {
        let key = self.parked.insert(event);
        Timer {
            id: self.ctx.schedule_at(at, (self.wrap)(key)),
            parked: key.data().as_ffi(),
        }
    }

    fn cancel(&mut self, timer: Timer) {
        if self.ctx.cancel(timer.id) {
            self.parked.remove(KeyData::from_ffi(timer.parked).into());
        }
    }

    fn fold(&mut self, code: u64) {
        self.ctx.fold(code);
    }
}
