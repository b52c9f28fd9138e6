//! Validation of a service's idempotency-key store.

use models::IdempotencyConfig;

use super::Checker;
use crate::error::{Path, ScenarioError};
use crate::raw;

impl Checker<'_> {
    /// The idempotency-key store at `path`, if the service has one.
    pub(super) fn idempotency(
        &self,
        path: &Path,
        raw: Option<&raw::Idempotency>,
    ) -> Result<Option<IdempotencyConfig>, ScenarioError> {
        let Some(raw) = raw else {
            return Ok(None);
        };
        let ttl = self.positive_duration(
            &path.key("ttl"),
            &raw.ttl,
            "a stored result must live a while to be replayed; Stripe keeps keys for 24h",
        )?;
        Ok(Some(IdempotencyConfig { ttl }))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};
    use sim_core::SimDuration;

    use crate::{parse, LoadOptions, Scenario, ScenarioError};

    fn edited(edit: impl FnOnce(&mut Value)) -> Result<Scenario, ScenarioError> {
        let mut d = json!({
            "name": "t",
            "duration": "10s",
            "clients": [{ "name": "web", "target": "api",
                          "arrival": { "kind": "poisson", "rate_per_s": 100 } }],
            "services": [{ "name": "api", "replicas": 2,
                           "service_time": { "kind": "exponential", "mean": "1ms" },
                           "calls": [{ "service": "db" }] },
                         { "name": "db", "service_time": { "kind": "constant", "value": "1ms" } }]
        });
        edit(&mut d);
        let text = serde_json::to_string(&d).expect("a Value always serializes");
        parse(&text, "t.json", &LoadOptions::default())
    }

    fn refused(edit: impl FnOnce(&mut Value)) -> String {
        edited(edit)
            .expect_err("the edit must be refused")
            .to_string()
    }

    /// Off unless asked for; the default TTL is Stripe's 24 hours ("Idempotent requests":
    /// keys are removed once at least 24 hours old).
    #[test]
    fn idempotency_defaults_to_a_day() {
        let plain = edited(|_| {}).unwrap();
        let p = &plain.world.services[0].policies;
        assert!(!p.side_effect && p.idempotency.is_none());
        let s = edited(|d| {
            d["services"][0]["side_effect"] = json!(true);
            d["services"][0]["idempotency"] = json!({});
        })
        .unwrap();
        let p = &s.world.services[0].policies;
        assert!(p.side_effect);
        assert_eq!(p.idempotency.unwrap().ttl, SimDuration::from_secs(86_400));
    }

    #[test]
    fn a_zero_ttl_is_refused_with_its_path() {
        let m = refused(|d| d["services"][0]["idempotency"] = json!({ "ttl": "0s" }));
        assert!(m.contains("services[0] (api).idempotency.ttl"), "{m}");
        assert!(m.contains("longer than 0s"), "{m}");
    }

    #[test]
    fn unknown_fields_are_refused() {
        let m = refused(|d| d["services"][0]["idempotency"] = json!({ "ttl": "1h", "size": 3 }));
        assert!(m.contains("size"), "{m}");
    }

    #[test]
    fn optional_calls_default_to_required() {
        let plain = edited(|_| {}).unwrap();
        assert!(!plain.world.services[0].calls[0].optional);
        let s = edited(|d| d["services"][0]["calls"][0]["optional"] = json!(true)).unwrap();
        assert!(s.world.services[0].calls[0].optional);
    }

    #[test]
    fn a_hedge_is_tied_or_after_never_both_nor_neither() {
        let s = edited(|d| d["clients"][0]["hedge"] = json!({ "tied": true })).unwrap();
        assert_eq!(s.world.clients[0].guards.hedge, Some(models::Hedge::Tied));
        let m = refused(|d| d["clients"][0]["hedge"] = json!({ "tied": true, "after": "5ms" }));
        assert!(m.contains("clients[0] (web).hedge.tied"), "{m}");
        assert!(m.contains("cannot be combined"), "{m}");
        let m = refused(|d| d["services"][0]["calls"][0]["hedge"] = json!({}));
        assert!(m.contains("services[0] (api).calls[0] (db).hedge"), "{m}");
        assert!(m.contains("tied"), "{m}");
    }
}
