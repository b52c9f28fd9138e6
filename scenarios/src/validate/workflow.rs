//! Validation of the `workflows` block: each workflow names a coordinator among the scenario's
//! own services, whose calls become the workflow's steps (so the coordinator declares no
//! calls of its own), and participants that are other services of the scenario.

use std::collections::BTreeMap;

use models::{CallConfig, Protocol, RetryPolicy, ServiceConfig, ServiceId, Step, WorkflowConfig};

use super::{Checker, NameList};
use crate::error::{Path, Referent, ScenarioError};
use crate::raw;

/// Most keys of a two-phase commit's workflow: each locked key is a map entry per step.
const KEYS_MAX: u64 = 10_000_000;

impl Checker<'_> {
    /// The workflows of `raw`; each coordinator's calls in `services` become its steps.
    /// `own` names the scenario's own services (coordinators and participants are some).
    pub(super) fn workflows(
        &self,
        raw: &raw::Scenario,
        own: &NameList<'_>,
        services: &mut [ServiceConfig],
    ) -> Result<Vec<WorkflowConfig>, ScenarioError> {
        let mut names: BTreeMap<&str, Path> = BTreeMap::new();
        let mut coordinators: BTreeMap<u32, Path> = BTreeMap::new();
        let mut workflows = Vec::with_capacity(raw.workflows.len());
        for (i, w) in raw.workflows.iter().enumerate() {
            let path = Path::root().key("workflows").element(i, Some(&w.name));
            self.name(&path.key("name"), &w.name)?;
            if let Some(first) = names.get(w.name.as_str()) {
                return Err(ScenarioError::DuplicateName {
                    origin: self.origin.to_string(),
                    path: path.key("name").text(),
                    name: w.name.clone(),
                    first: first.key("name").text(),
                });
            }
            names.insert(&w.name, path.clone());
            let at = path.key("coordinator");
            let coordinator = self.reference(&at, &w.coordinator, Referent::Service, own)?;
            if let Some(first) = coordinators.get(&coordinator) {
                return Err(self.bad(
                    &at,
                    format!("names a service that already coordinates `{}`", first.text()),
                    &w.coordinator,
                    "a service's requests run one workflow: merge the two workflows' steps, or give the second its own coordinator service",
                ));
            }
            coordinators.insert(coordinator, path.clone());
            let service = &raw.services[coordinator as usize];
            if !service.calls.is_empty() {
                return Err(self.bad(
                    &Path::root()
                        .key("services")
                        .element(coordinator as usize, Some(&service.name))
                        .key("calls"),
                    format!(
                        "must be empty: the service coordinates workflow `{}`",
                        w.name
                    ),
                    format!("{} calls", service.calls.len()),
                    format!(
                        "a coordinator's calls are its workflow's steps: move them into `{}`",
                        path.key("steps").text()
                    ),
                ));
            }
            let (config, calls) = self.workflow(&path, w, ServiceId(coordinator), own)?;
            services[coordinator as usize].calls = calls;
            workflows.push(config);
        }
        Ok(workflows)
    }

    /// One workflow and the calls its coordinator makes for its steps.
    fn workflow(
        &self,
        path: &Path,
        w: &raw::Workflow,
        coordinator: ServiceId,
        own: &NameList<'_>,
    ) -> Result<(WorkflowConfig, Vec<CallConfig>), ScenarioError> {
        if w.steps.is_empty() {
            return Err(self.bad(
                &path.key("steps"),
                "must list at least one step",
                "[]",
                "a workflow is its steps: add `{\"service\": \"NAME\"}` for each participant, in order",
            ));
        }
        if w.steps.len() > models::workflow::STEPS_MAX {
            return Err(self.bad(
                &path.key("steps"),
                format!("must list at most {} steps", models::workflow::STEPS_MAX),
                w.steps.len(),
                "an instance keeps its applied steps in a 64-bit mask; split the workflow",
            ));
        }
        let mut steps = Vec::with_capacity(w.steps.len());
        let mut calls = Vec::with_capacity(w.steps.len());
        for (j, step) in w.steps.iter().enumerate() {
            let at = path.key("steps").element(j, Some(&step.service));
            let service =
                self.reference(&at.key("service"), &step.service, Referent::Service, own)?;
            if service == coordinator.0 {
                return Err(self.bad(
                    &at.key("service"),
                    "must not be the workflow's coordinator",
                    &step.service,
                    "a coordinator calling itself would hold a worker while it waits for one; name another service",
                ));
            }
            let retry = match &step.retry {
                None => RetryPolicy::NONE,
                Some(retry) => self.retry(&at.key("retry"), retry)?,
            };
            calls.push(CallConfig {
                target: ServiceId(service),
                op: None,
                timeout: self.timeout(&at, &step.timeout)?,
                retry,
                guards: self.guards(&at, step.retry.as_ref(), None, None, None, None)?,
                fanout: 1,
                needed: 1,
                optional: false,
                cache: None,
            });
            steps.push(Step {
                service: ServiceId(service),
                compensate: step.compensate,
            });
        }
        let keys = self.count(
            &path.key("keys"),
            w.keys,
            1..=KEYS_MAX,
            (
                "an instance draws its key from at least one",
                "each locked key is memory; the cap turns a typo into this error",
            ),
        )? as u32;
        let config = WorkflowConfig {
            name: w.name.clone(),
            coordinator,
            protocol: match w.protocol {
                raw::Protocol::Saga => Protocol::Saga,
                raw::Protocol::TwoPhaseCommit => Protocol::TwoPhaseCommit,
            },
            steps,
            durable_log: w.durable_log,
            keys,
        };
        Ok((config, calls))
    }
}
