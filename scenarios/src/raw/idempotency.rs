//! Idempotency as written: a service's key store (issue #4). Its default is listed in the
//! table of the parent module.

use schemars::JsonSchema;
use serde::Deserialize;

use super::Duration;

/// An idempotency-key store shared by a service's replicas (Stripe's idempotent requests).
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Idempotency {
    /// How long a stored result is replayed; Stripe keeps keys for 24 hours.
    #[serde(default = "ttl_default")]
    pub ttl: Duration,
}

fn ttl_default() -> Duration {
    Duration("24h".to_string())
}
