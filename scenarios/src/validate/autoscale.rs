//! Validation of a service's `autoscale` block.

use models::config::{AutoscaleConfig, AutoscaleMetric};

use super::{Checker, UNITS_MAX};
use crate::error::{Path, ScenarioError};
use crate::raw;

impl Checker<'_> {
    /// The autoscaler of the service `raw` at `path`, if it has one; its `replicas` (already
    /// checked) is the starting count, which must lie within the bounds.
    pub(super) fn autoscale(
        &self,
        path: &Path,
        raw: &raw::Service,
    ) -> Result<Option<AutoscaleConfig>, ScenarioError> {
        let Some(a) = &raw.autoscale else {
            return Ok(None);
        };
        let path = path.key("autoscale");
        if raw.leader_only {
            return Err(self.bad(
                &path,
                "cannot scale a leader-only service",
                "autoscale",
                "a leader-only service's replicas are the election's nodes; drop `autoscale` or `leader_only`",
            ));
        }
        let initial = raw.replicas.0 as u64;
        let metric = match a.metric {
            raw::AutoscaleMetric::Utilization => AutoscaleMetric::Utilization,
            raw::AutoscaleMetric::QueueLength => AutoscaleMetric::QueueLength,
            raw::AutoscaleMetric::RequestRate => AutoscaleMetric::RequestRate,
        };
        if !(a.target.is_finite() && a.target > 0.0) {
            return Err(self.bad(
                &path.key("target"),
                "must be a positive number",
                a.target,
                "the metric's value per replica to hold, e.g. 0.6 for 60% utilization",
            ));
        }
        if metric == AutoscaleMetric::Utilization && a.target > 1.0 {
            return Err(self.bad(
                &path.key("target"),
                "must be at most 1 for utilization",
                a.target,
                "utilization is busy workers over workers: write 0.6 for 60%",
            ));
        }
        let min = self.count(
            &path.key("min_replicas"),
            a.min_replicas,
            1..=initial,
            (
                "an autoscaled service keeps at least one replica",
                "the starting `replicas` must not lie below `min_replicas`: lower it, or raise `replicas`",
            ),
        )?;
        let max = self.count(
            &path.key("max_replicas"),
            a.max_replicas,
            initial..=UNITS_MAX,
            (
                "the starting `replicas` must not lie above `max_replicas`: raise it, or lower `replicas`",
                super::TYPO_GUARD,
            ),
        )?;
        let interval = self.positive_duration(
            &path.key("interval"),
            &a.interval,
            "the controller evaluates every interval; the Kubernetes HPA's is 15s",
        )?;
        let window = self.positive_duration(
            &path.key("window"),
            &a.window,
            "each evaluation averages the metric over the window; 60s is one CloudWatch datapoint",
        )?;
        if !(a.tolerance.is_finite() && (0.0..1.0).contains(&a.tolerance)) {
            return Err(self.bad(
                &path.key("tolerance"),
                "must lie in 0..1",
                a.tolerance,
                "no change while metric / target lies within 1 ± tolerance; the HPA's default is 0.1",
            ));
        }
        Ok(Some(AutoscaleConfig {
            metric,
            target: a.target,
            // Counts were range-checked above, so they fit in u32.
            initial: initial as u32,
            min_replicas: min as u32,
            max_replicas: max as u32,
            interval,
            metrics_delay: self.duration(&path.key("metrics_delay"), &a.metrics_delay)?,
            window,
            provisioning: self.duration(&path.key("provisioning"), &a.provisioning)?,
            scale_out_cooldown: self
                .duration(&path.key("scale_out_cooldown"), &a.scale_out_cooldown)?,
            scale_in_cooldown: self
                .duration(&path.key("scale_in_cooldown"), &a.scale_in_cooldown)?,
            tolerance: a.tolerance,
        }))
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
                           "autoscale": { "metric": "utilization", "target": 0.5,
                                          "max_replicas": 8 } }]
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

    /// The defaults are the Kubernetes HPA's (15 s sync period, 10% tolerance, a 300 s
    /// scale-down stabilization window); the world allocates `max_replicas`.
    #[test]
    fn defaults_follow_the_hpa_and_max_replicas_are_allocated() {
        let s = edited(|_| {}).unwrap();
        let service = &s.world.services[0];
        assert_eq!(service.replicas, 8);
        let a = service.policies.autoscale.expect("an autoscaler");
        assert_eq!((a.initial, a.min_replicas, a.max_replicas), (2, 1, 8));
        assert_eq!(a.interval, SimDuration::from_secs(15));
        assert_eq!(a.window, SimDuration::from_secs(60));
        assert_eq!(a.scale_in_cooldown, SimDuration::from_secs(300));
        assert_eq!(a.metrics_delay, SimDuration::ZERO);
        assert_eq!(a.tolerance, 0.1);
    }

    #[test]
    fn bounds_must_hold_the_starting_count() {
        let m = refused(|d| d["services"][0]["autoscale"]["max_replicas"] = json!(1));
        assert!(
            m.contains("services[0] (api).autoscale.max_replicas"),
            "{m}"
        );
        assert!(m.contains("at least 2"), "{m}");
        let m = refused(|d| d["services"][0]["autoscale"]["min_replicas"] = json!(3));
        assert!(m.contains("autoscale.min_replicas"), "{m}");
        assert!(m.contains("at most 2"), "{m}");
    }

    #[test]
    fn a_utilization_target_above_one_is_refused() {
        let m = refused(|d| d["services"][0]["autoscale"]["target"] = json!(60));
        assert!(m.contains("autoscale.target"), "{m}");
        assert!(m.contains("0.6 for 60%"), "{m}");
        let m = refused(|d| d["services"][0]["autoscale"]["interval"] = json!("0s"));
        assert!(m.contains("autoscale.interval"), "{m}");
        let m = refused(|d| d["services"][0]["autoscale"]["metric"] = json!("cpu"));
        assert!(m.contains("cpu"), "{m}");
    }
}
