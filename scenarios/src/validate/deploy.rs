//! Validation of a service's `deploy` block into a `models::Deployment`: the start inside the
//! run, each strategy's own keys (and no other's), the regression's ranges, and the alert's
//! windows as whole multiples of its evaluation interval.

use models::{BurnAlert, CanarySplit, DeployStrategy, Deployment, Regression, Rollback, ServiceId};
use sim_core::{Probability, SimDuration, SimTime};

use super::Checker;
use crate::error::{quoted, Path, ScenarioError};
use crate::raw;

/// Rolling: time between batches when not given.
const INTERVAL_DEFAULT: SimDuration = SimDuration::from_secs(10);

/// Canary: how long it bakes when not given.
const BAKE_DEFAULT: SimDuration = SimDuration::from_secs(30);

/// Rollback of an in-place deploy (all at once, rolling): redeploying the old version.
const REDEPLOY_DEFAULT: SimDuration = SimDuration::from_secs(10);

/// Most buckets of an alert's long window (its memory, 24 bytes each): one per `every`.
const BUCKETS_MAX: u64 = 100_000;

impl Checker<'_> {
    /// The deployments of the scenario's services, in service order.
    pub(super) fn deployments(
        &self,
        raw: &raw::Scenario,
        duration: SimDuration,
    ) -> Result<Vec<Deployment>, ScenarioError> {
        let root = Path::root();
        let mut deployments = Vec::new();
        for (i, service) in raw.services.iter().enumerate() {
            if let Some(deploy) = &service.deploy {
                let path = root.key("services").element(i, Some(&service.name));
                let replicas = service.replicas.0.clamp(1, i128::from(u32::MAX)) as u32;
                let service = ServiceId(i as u32);
                let deployment =
                    self.deployment(&path.key("deploy"), deploy, service, replicas, duration)?;
                deployments.push(deployment);
            }
        }
        Ok(deployments)
    }

    fn deployment(
        &self,
        path: &Path,
        raw: &raw::Deploy,
        service: ServiceId,
        replicas: u32,
        duration: SimDuration,
    ) -> Result<Deployment, ScenarioError> {
        let at = self.duration(&path.key("at"), &raw.at)?;
        if at >= duration {
            return Err(self.bad(
                &path.key("at"),
                format!("must be before the end of the run ({duration})"),
                quoted(&raw.at.0),
                "a deploy that starts after the run changes nothing; start it earlier",
            ));
        }
        let strategy = self.strategy(path, raw, replicas)?;
        let regression = self.regression(path, raw)?;
        let alert = match (&raw.alert, &raw.rollback) {
            (Some(alert), _) => Some(self.burn_alert(&path.key("alert"), alert)?),
            (None, Some(_)) => Some(self.burn_alert(&path.key("alert"), &Default::default())?),
            (None, None) => None,
        };
        let rollback = match &raw.rollback {
            Some(r) => Some(Rollback {
                duration: match &r.duration {
                    Some(d) => self.duration(&path.key("rollback").key("duration"), d)?,
                    None => match strategy {
                        DeployStrategy::Canary { .. } | DeployStrategy::BlueGreen => {
                            SimDuration::ZERO
                        }
                        DeployStrategy::AllAtOnce | DeployStrategy::Rolling { .. } => {
                            REDEPLOY_DEFAULT
                        }
                    },
                },
            }),
            None => None,
        };
        Ok(Deployment {
            service,
            at: SimTime::ZERO.add(at),
            strategy,
            regression,
            alert,
            rollback,
        })
    }

    /// The strategy, refusing another strategy's keys.
    fn strategy(
        &self,
        path: &Path,
        raw: &raw::Deploy,
        replicas: u32,
    ) -> Result<DeployStrategy, ScenarioError> {
        let name = match raw.strategy {
            raw::DeployStrategy::AllAtOnce => "all_at_once",
            raw::DeployStrategy::BlueGreen => "blue_green",
            raw::DeployStrategy::Rolling => "rolling",
            raw::DeployStrategy::Canary => "canary",
        };
        let rolling = raw.strategy == raw::DeployStrategy::Rolling;
        let canary = raw.strategy == raw::DeployStrategy::Canary;
        let misplaced = [
            ("batch", raw.batch.is_some() && !rolling, "rolling"),
            ("interval", raw.interval.is_some() && !rolling, "rolling"),
            ("share", raw.share.is_some() && !canary, "canary"),
            ("replicas", raw.replicas.is_some() && !canary, "canary"),
            ("bake", raw.bake.is_some() && !canary, "canary"),
        ];
        if let Some((key, _, owner)) = misplaced.into_iter().find(|(_, bad, _)| *bad) {
            return Err(self.bad(
                &path.key(key),
                format!("applies only to `\"strategy\": \"{owner}\"`"),
                format!("`\"strategy\": \"{name}\"`"),
                format!("remove `{key}`, or set the strategy to \"{owner}\""),
            ));
        }
        Ok(match raw.strategy {
            raw::DeployStrategy::AllAtOnce => DeployStrategy::AllAtOnce,
            raw::DeployStrategy::BlueGreen => DeployStrategy::BlueGreen,
            raw::DeployStrategy::Rolling => {
                let batch = match raw.batch {
                    Some(b) => self.count(
                        &path.key("batch"),
                        b,
                        1..=u64::from(replicas),
                        (
                            "a batch switches at least one replica",
                            "a batch cannot hold more replicas than the service has",
                        ),
                    )? as u32,
                    None => 1,
                };
                let interval = match &raw.interval {
                    Some(i) => self.positive_duration(
                        &path.key("interval"),
                        i,
                        "batches 0s apart are all at once; use `\"strategy\": \"all_at_once\"`",
                    )?,
                    None => INTERVAL_DEFAULT,
                };
                DeployStrategy::Rolling { batch, interval }
            }
            raw::DeployStrategy::Canary => {
                let split = match (raw.share, raw.replicas) {
                    (Some(share), None) => {
                        let path = path.key("share");
                        match Probability::new(share).filter(|p| p.get() > 0.0 && p.get() < 1.0) {
                            Some(p) => CanarySplit::Share(p),
                            None => {
                                return Err(self.bad(
                                    &path,
                                    "must be above 0 and below 1",
                                    share,
                                    "it is the fraction of attempts the canary takes: 0.05 for 5%",
                                ))
                            }
                        }
                    }
                    (None, Some(n)) => {
                        let hint = if replicas == 1 {
                            "a service of one replica has no room for a canary replica; use `share` instead"
                        } else {
                            "a canary runs on some of the replicas, not all; use `share` for a traffic split"
                        };
                        let top = u64::from(replicas.saturating_sub(1)).max(1);
                        if replicas == 1 {
                            return Err(self.bad(
                                &path.key("replicas"),
                                "must leave at least one replica on the old version",
                                n.0,
                                hint,
                            ));
                        }
                        let n = self.count(&path.key("replicas"), n, 1..=top, (hint, hint))?;
                        CanarySplit::Replicas(n as u32)
                    }
                    (share, _) => {
                        let what = if share.is_some() { "both" } else { "neither" };
                        return Err(self.bad(
                            path,
                            "needs exactly one of `share` and `replicas` for a canary",
                            what,
                            "`\"share\": 0.05` sends 5% of the attempts to the canary; `\"replicas\": 1` runs it on replica 0",
                        ));
                    }
                };
                let bake = match &raw.bake {
                    Some(b) => self.positive_duration(
                        &path.key("bake"),
                        b,
                        "a canary that does not bake is an all-at-once deploy",
                    )?,
                    None => BAKE_DEFAULT,
                };
                DeployStrategy::Canary { split, bake }
            }
        })
    }

    /// How the new version is worse.
    fn regression(&self, path: &Path, raw: &raw::Deploy) -> Result<Regression, ScenarioError> {
        let error_rate = Probability::new(raw.error_rate).ok_or_else(|| {
            self.bad(
                &path.key("error_rate"),
                "must be between 0 and 1",
                raw.error_rate,
                "it is the fraction of the new version's attempts that fail: 0.2 for 20%",
            )
        })?;
        let factor = raw.latency_factor;
        if !(factor.is_finite() && factor > 0.0 && factor <= 1e6) {
            return Err(self.bad(
                &path.key("latency_factor"),
                "must be above 0 and at most 1000000",
                factor,
                "it multiplies the new version's service time: 3 for three times slower, 1 for as fast",
            ));
        }
        let latency_add = match &raw.latency_add {
            Some(d) => self.duration(&path.key("latency_add"), d)?,
            None => SimDuration::ZERO,
        };
        Ok(Regression {
            error_rate,
            latency_factor: factor,
            latency_add,
        })
    }

    /// The burn-rate alert.
    fn burn_alert(&self, path: &Path, raw: &raw::BurnAlert) -> Result<BurnAlert, ScenarioError> {
        if !(raw.target > 0.0 && raw.target < 1.0) {
            return Err(self.bad(
                &path.key("target"),
                "must be above 0 and below 1",
                raw.target,
                "it is the fraction of answers that must be good: 0.999 for three nines",
            ));
        }
        if !(raw.burn_rate.is_finite() && raw.burn_rate > 0.0) {
            return Err(self.bad(
                &path.key("burn_rate"),
                "must be a number above 0",
                raw.burn_rate,
                "the workbook pages at 14.4 (2% of a 30-day budget in an hour)",
            ));
        }
        let hint = "the workbook's windows are 1h and 5m; scaled to a minutes-long run, \"60s\" and \"5s\"";
        let every =
            self.positive_duration(&path.key("every"), &raw.every, "evaluate every \"1s\"")?;
        let long = self.positive_duration(&path.key("long_window"), &raw.long_window, hint)?;
        let short = self.positive_duration(&path.key("short_window"), &raw.short_window, hint)?;
        for (key, window, text) in [
            ("long_window", long, &raw.long_window),
            ("short_window", short, &raw.short_window),
        ] {
            if window.as_nanos() % every.as_nanos() != 0 {
                return Err(self.bad(
                    &path.key(key),
                    format!("must be a whole multiple of `every` ({every})"),
                    quoted(&text.0),
                    "the alert counts answers per `every`, so a window is a whole number of them",
                ));
            }
        }
        if short > long {
            return Err(self.bad(
                &path.key("short_window"),
                format!("must be at most `long_window` ({long})"),
                quoted(&raw.short_window.0),
                "the workbook's short window is 1/12 of the long one",
            ));
        }
        if long.as_nanos() / every.as_nanos() > BUCKETS_MAX {
            return Err(self.bad(
                &path.key("every"),
                format!("must be at least `long_window` / {BUCKETS_MAX}"),
                quoted(&raw.every.0),
                "the alert keeps one count per `every` of its long window; evaluate less often",
            ));
        }
        let latency_below = match &raw.latency_below {
            Some(d) => Some(self.positive_duration(
                &path.key("latency_below"),
                d,
                "every answer takes some time; leave it out to count only errors",
            )?),
            None => None,
        };
        Ok(BurnAlert {
            target: raw.target,
            latency_below,
            long,
            short,
            burn_rate: raw.burn_rate,
            every,
        })
    }
}
