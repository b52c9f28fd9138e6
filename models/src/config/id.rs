//! The dense indexes that name the parts of a world: a client, a service, and who called.
//!
//! Plain data; the only module of `config` that every other one may import.

/// Index of a client in `WorldConfig::clients`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ClientId(pub u32);

/// Index of a service in `WorldConfig::services`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ServiceId(pub u32);

/// Who sent an attempt: a client, or a replica of a service (a job's downstream call).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CallerId {
    /// A client.
    Client(ClientId),
    /// Any replica of a calling service.
    Service(ServiceId),
}
