//! Everything that can happen in the world (`Event`), and the two-word form the engine
//! stores it in (`PackedEvent`).

use slotmap::{Key, KeyData};

use sim_core::TraceCode;

use crate::config::ClientId;
use crate::key::{AttemptKey, JobKey, PartKey, RequestKey};
use crate::reply::Reply;

/// Everything that can happen in the world.
///
/// Its layout (a `u32` tag, 16 bytes, aligned to 8) lets the event loop move an event as two
/// whole words: the default layout (a one-byte tag, 12 bytes) was copied in overlapping
/// unaligned pieces that stalled store forwarding on every pop (about 4% of a whole run).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32, align(8))]
pub enum Event {
    /// A new request arrives at a client (from an open-loop source), or a new session user
    /// arrives and sends its first request.
    Arrival {
        /// The client.
        client: ClientId,
        /// Which of its sources (a member of a group; 0 for a single client).
        source: u32,
    },
    /// A backoff delay has passed: send the request's next attempt.
    Retry {
        /// The request to retry.
        request: RequestKey,
    },
    /// A copy of an attempt's request message reaches its replica.
    AttemptArrive {
        /// The attempt.
        attempt: AttemptKey,
    },
    /// A worker finishes a job's own work (its downstream calls come next).
    WorkDone {
        /// The job.
        job: JobKey,
    },
    /// A copy of an attempt's reply reaches its caller.
    Response {
        /// The attempt.
        attempt: AttemptKey,
        /// What the server answered.
        reply: Reply,
    },
    /// An attempt's per-attempt timeout fires at its caller.
    Timeout {
        /// The attempt.
        attempt: AttemptKey,
    },
    /// A request's hedge delay has passed without an answer: send a second copy.
    Hedge {
        /// The request.
        request: RequestKey,
    },
    /// A request's wait for a slot in its caller's bulkhead times out.
    BulkheadTimeout {
        /// The request.
        request: RequestKey,
    },
    /// A scheduled fault that needs an action (a crash) begins.
    FaultStart {
        /// Index in the fault schedule.
        fault: u32,
    },
    /// A scheduled fault that needs an action (a restart) ends.
    FaultEnd {
        /// Index in the fault schedule.
        fault: u32,
    },
    /// A tied copy's twin started executing; its cancellation reaches this copy's replica.
    TiedCancel {
        /// The copy to cancel.
        attempt: AttemptKey,
    },
    /// A closed-loop or session user has thought: it sends its next request.
    Wake {
        /// The client.
        client: ClientId,
        /// The user (its tag: a closed-loop user's index, or a session's slot).
        user: u32,
    },
    /// One of the database's own events is due (`component`: it is parked under `key`).
    Database {
        /// Where the database's event is parked.
        key: PartKey,
    },
    /// One of the lease election's own events is due.
    Election {
        /// Where the election's event is parked.
        key: PartKey,
    },
    /// One of the quorum store's own events is due (an anti-entropy round).
    Quorum {
        /// Where the store's event is parked.
        key: PartKey,
    },
    /// A timer a user component set is due (`component::Component`).
    User {
        /// Where the timer (its component and tag) is parked.
        key: PartKey,
    },
    /// One of the message queues' own events is due (`message_queue::Event`).
    Queue {
        /// Where the queues' event is parked.
        key: PartKey,
    },
    /// A rollout's step, alert evaluation or end of rollback is due (`deploy`).
    Deploy {
        /// The deployment (its index in `WorldConfig::deployments`).
        deployment: u32,
        /// What is due (`deploy::Action::code`).
        action: u32,
    },
    /// An autoscaled service evaluates (`replica` is `u32::MAX`), or one of its replicas'
    /// provisioning ends (`world::autoscale`).
    Autoscale {
        /// The service.
        service: crate::config::ServiceId,
        /// The replica whose provisioning ends, or `u32::MAX` for an evaluation.
        replica: u32,
    },
    /// A service's outbox relay polls its table (`action` 0) or marks a published batch
    /// (`world::outbox`).
    Outbox {
        /// The outbox (its index among the world's).
        outbox: u32,
        /// `world::outbox::POLL`, or one more than the epoch of the batch to mark.
        action: u32,
    },
}

impl TraceCode for Event {
    fn trace_code(&self) -> u64 {
        self.pack().trace_code()
    }
}

/// An `Event` as the engine stores it: a one-byte code and a 64-bit id, which the compiler
/// keeps in two registers and moves as two scalars.
///
/// The code is the kind in the event's trace code (1 to 15, 16 plus the reply for a
/// response: 16 to 24, 25 for the quorum store, 26 for a deployment's, 27 for
/// autoscaling, or 28 for an outbox's relay) and the id is the entity (a client index with
/// its source or user in the high 32 bits, a fault index, or a slot-map key as
/// `KeyData::as_ffi`, whose (index, version) pairs are assigned in a deterministic order), so
/// the trace code is `code << 56 ^ id` with no branch. The `Event` enum itself was copied as
/// a 16-byte blob: built in narrow pieces and reloaded whole, each copy stalled store
/// forwarding (in the next lane, the queue and the event loop).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PackedEvent {
    code: u8,
    id: u64,
}

/// The replies in `Reply` order: a response's code is 16 plus its reply's index here.
pub(super) const REPLIES: [Reply; 9] = [
    Reply::Ok,
    Reply::Garbage,
    Reply::Rejected,
    Reply::Error,
    Reply::Refused,
    Reply::ClientError,
    Reply::RateLimited,
    Reply::Conflict,
    Reply::Degraded,
];

/// A slot-map key as an event id.
#[inline]
fn id<K: Key>(key: K) -> u64 {
    key.data().as_ffi()
}

/// A client and one of its sources (or users) as an event id: a single client's source 0
/// gives the client's index, as before sources existed.
#[inline]
fn pair(client: ClientId, source: u32) -> u64 {
    u64::from(client.0) | u64::from(source) << 32
}

/// The slot-map key an event id holds.
#[inline]
fn key<K: Key>(id: u64) -> K {
    KeyData::from_ffi(id).into()
}

impl Event {
    /// The event as the engine stores it.
    #[inline]
    pub fn pack(self) -> PackedEvent {
        let (code, id) = match self {
            Event::Arrival { client, source } => (1, pair(client, source)),
            Event::Retry { request } => (2, id(request)),
            Event::AttemptArrive { attempt } => (3, id(attempt)),
            Event::WorkDone { job } => (4, id(job)),
            Event::Timeout { attempt } => (5, id(attempt)),
            Event::FaultStart { fault } => (6, u64::from(fault)),
            Event::FaultEnd { fault } => (7, u64::from(fault)),
            Event::Hedge { request } => (8, id(request)),
            Event::BulkheadTimeout { request } => (9, id(request)),
            Event::TiedCancel { attempt } => (10, id(attempt)),
            Event::Wake { client, user } => (11, pair(client, user)),
            Event::Database { key } => (12, id(key)),
            Event::Election { key } => (13, id(key)),
            Event::User { key } => (14, id(key)),
            Event::Queue { key } => (15, id(key)),
            Event::Quorum { key } => (25, id(key)),
            Event::Deploy { deployment, action } => {
                (26, u64::from(deployment) | u64::from(action) << 32)
            }
            Event::Autoscale { service, replica } => {
                (27, u64::from(service.0) | u64::from(replica) << 32)
            }
            Event::Outbox { outbox, action } => (28, u64::from(outbox) | u64::from(action) << 32),
            Event::Response { attempt, reply } => (16 + reply as u8, id(attempt)),
        };
        PackedEvent { code, id }
    }
}

impl From<Event> for PackedEvent {
    #[inline]
    fn from(event: Event) -> PackedEvent {
        event.pack()
    }
}

impl PackedEvent {
    /// The event it packs.
    // Always inlined: in the engine's loop its match merges with `World::handle`'s.
    #[inline(always)]
    pub fn unpack(self) -> Event {
        let id = self.id;
        match self.code {
            1 => Event::Arrival {
                client: ClientId(id as u32),
                source: (id >> 32) as u32,
            },
            2 => Event::Retry { request: key(id) },
            3 => Event::AttemptArrive { attempt: key(id) },
            4 => Event::WorkDone { job: key(id) },
            5 => Event::Timeout { attempt: key(id) },
            6 => Event::FaultStart { fault: id as u32 },
            7 => Event::FaultEnd { fault: id as u32 },
            8 => Event::Hedge { request: key(id) },
            9 => Event::BulkheadTimeout { request: key(id) },
            10 => Event::TiedCancel { attempt: key(id) },
            11 => Event::Wake {
                client: ClientId(id as u32),
                user: (id >> 32) as u32,
            },
            12 => Event::Database { key: key(id) },
            13 => Event::Election { key: key(id) },
            14 => Event::User { key: key(id) },
            15 => Event::Queue { key: key(id) },
            25 => Event::Quorum { key: key(id) },
            26 => Event::Deploy {
                deployment: id as u32,
                action: (id >> 32) as u32,
            },
            27 => Event::Autoscale {
                service: crate::config::ServiceId(id as u32),
                replica: (id >> 32) as u32,
            },
            28 => Event::Outbox {
                outbox: id as u32,
                action: (id >> 32) as u32,
            },
            code @ 16..=24 => Event::Response {
                attempt: key(id),
                reply: REPLIES[usize::from(code - 16)],
            },
            code => unreachable!("no event packs to code {code}"),
        }
    }
}

impl TraceCode for PackedEvent {
    #[inline]
    fn trace_code(&self) -> u64 {
        (u64::from(self.code) << 56) ^ self.id
    }
}
