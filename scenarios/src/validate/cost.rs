//! Validation of the `cost` block onto `models::Prices`.

use models::Prices;
use sim_core::{Bytes, BytesError};

use super::Checker;
use crate::error::{quoted, Path, ScenarioError};
use crate::raw;

/// Highest price of anything: far above any real price, low enough that a bill of a month
/// of a thousand services stays a finite number; a typo such as `1e300` is refused.
const PRICE_MAX: f64 = 1e9;

/// Largest message: a request or reply of more than 1 GiB is a typo, not a design.
const MESSAGE_BYTES_MAX: u64 = 1 << 30;

impl Checker<'_> {
    /// The prices of the `cost` block at `path` (all free without one).
    pub(super) fn cost(
        &self,
        path: &Path,
        raw: Option<&raw::Cost>,
    ) -> Result<Prices, ScenarioError> {
        let Some(raw) = raw else {
            return Ok(Prices::FREE);
        };
        let prices = Prices {
            replica_hour: self.price(&path.key("per_replica_hour"), raw.per_replica_hour)?,
            million_requests: self
                .price(&path.key("per_million_requests"), raw.per_million_requests)?,
            gb: self.price(&path.key("per_gb"), raw.per_gb)?,
            request_bytes: self
                .message_size(&path.key("request_size"), raw.request_size.as_ref())?,
            reply_bytes: self.message_size(&path.key("reply_size"), raw.reply_size.as_ref())?,
        };
        if prices.gb > 0.0 && prices.request_bytes + prices.reply_bytes == 0 {
            return Err(self.bad(
                &path.key("per_gb"),
                "prices messages, but `request_size` and `reply_size` are both 0",
                raw.per_gb,
                "set the message sizes, e.g. \"request_size\": \"2KiB\", \"reply_size\": \"8KiB\", or remove `per_gb`",
            ));
        }
        Ok(prices)
    }

    fn price(&self, path: &Path, value: f64) -> Result<f64, ScenarioError> {
        if !(0.0..=PRICE_MAX).contains(&value) {
            return Err(self.bad(
                path,
                format!("must be at least 0 and at most {PRICE_MAX:e}"),
                value,
                "a price is what one unit costs in your currency, e.g. 0.10; 0 (the default) makes it free",
            ));
        }
        Ok(value)
    }

    fn message_size(&self, path: &Path, raw: Option<&raw::Size>) -> Result<u64, ScenarioError> {
        let hint_large = "a message of more than 1 GiB is most likely a typo; sizes are bytes unless a unit says otherwise (\"2KiB\")";
        let bytes = match raw {
            None => 0,
            Some(raw::Size::Bytes(count)) => self.count(
                path,
                *count,
                0..=MESSAGE_BYTES_MAX,
                ("a size cannot be negative", hint_large),
            )?,
            Some(raw::Size::Text(text)) => match Bytes::parse(text) {
                Ok(Bytes(bytes)) if bytes > MESSAGE_BYTES_MAX => {
                    return Err(self.bad(path, "must be at most 1GiB", quoted(text), hint_large))
                }
                Ok(Bytes(bytes)) => bytes,
                Err(error) => {
                    return Err(self.bad(
                        path,
                        "is not a size",
                        quoted(text),
                        match error {
                            BytesError::Invalid { .. } => {
                                "write a number and a unit, e.g. \"2KiB\", \"1MB\", or a number of bytes"
                            }
                            BytesError::TooLarge { .. } => "sizes must be below 16 EiB",
                        },
                    ))
                }
            },
        };
        Ok(bytes)
    }
}
