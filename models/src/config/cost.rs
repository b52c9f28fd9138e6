//! The prices of a world's resources: plain data that the cost of a run is computed from.
//!
//! Nothing in a run reads these; `cost::Cost::of` prices what a finished run measured.
//! Every price is in one currency the scenario does not name, and a price of 0 (the default
//! of each) leaves its resource free.

/// The prices of a scenario's `cost` block (all 0 when it has none).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Prices {
    /// Price of one replica of any service for one hour (billed for every configured replica
    /// over the measured window, up or down, busy or idle).
    pub replica_hour: f64,
    /// Price of one million requests served (attempts a worker finished, at every service).
    pub million_requests: f64,
    /// Price of one GB (10^9 bytes) of messages: a served attempt's request and its reply.
    pub gb: f64,
    /// Bytes of one request message.
    pub request_bytes: u64,
    /// Bytes of one reply message.
    pub reply_bytes: u64,
}

impl Prices {
    /// Everything free: the prices of a scenario without a `cost` block.
    pub const FREE: Prices = Prices {
        replica_hour: 0.0,
        million_requests: 0.0,
        gb: 0.0,
        request_bytes: 0,
        reply_bytes: 0,
    };

    /// Whether no resource has a price (then a run has no cost to report).
    pub fn is_free(&self) -> bool {
        self.replica_hour == 0.0 && self.million_requests == 0.0 && self.gb == 0.0
    }
}
