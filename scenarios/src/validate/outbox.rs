//! Validation of a service's `outbox` block: the database and the queue it names exist, and
//! the service has exactly one write call to that database and one publish call to that queue.

use models::config::{MessageQueueConfig, OutboxConfig, OutboxMode, ServiceConfig, ServiceId};

use super::Checker;
use crate::error::{quoted, Path, ScenarioError};
use crate::raw;

impl Checker<'_> {
    /// Sets the outbox of every service of `raw` that has one; `callee` is the database when
    /// services call it (its service comes right after the scenario's own).
    pub(super) fn outboxes(
        &self,
        raw: &raw::Scenario,
        callee: Option<&raw::Database>,
        queues: &[MessageQueueConfig],
        services: &mut [ServiceConfig],
    ) -> Result<(), ScenarioError> {
        let root = Path::root();
        for (i, service) in raw.services.iter().enumerate() {
            let Some(block) = &service.outbox else {
                continue;
            };
            let path = root.key("services").element(i, Some(&service.name));
            let databases = (raw.database.as_ref(), callee);
            let outbox =
                self.outbox(&path, service, block, databases, queues, raw.services.len())?;
            services[i].policies.outbox = Some(outbox);
        }
        Ok(())
    }

    /// The outbox of the service at `service_path`.
    fn outbox(
        &self,
        service_path: &Path,
        service: &raw::Service,
        block: &raw::Outbox,
        (declared, callee): (Option<&raw::Database>, Option<&raw::Database>),
        queues: &[MessageQueueConfig],
        own_services: usize,
    ) -> Result<OutboxConfig, ScenarioError> {
        let path = &service_path.key("outbox");
        let Some(database) = callee.filter(|d| d.name == block.database) else {
            let hint = match declared {
                Some(d) if d.name != block.database => {
                    format!("the scenario's database is {}", quoted(&d.name))
                }
                Some(d) => format!(
                    "no service calls {0}: add the call {{\"service\": \"{0}\", \"op\": \"write\"}} to this service",
                    d.name
                ),
                None => "add a `database` block, and a call {\"service\": NAME, \"op\": \"write\"} to it".into(),
            };
            return Err(self.bad(
                &path.key("database"),
                "must name the scenario's database, which this service calls",
                quoted(&block.database),
                hint,
            ));
        };
        let Some(queue) = queues.iter().position(|q| q.name == block.queue) else {
            let names: Vec<&str> = queues.iter().map(|q| q.name.as_str()).collect();
            return Err(self.bad(
                &path.key("queue"),
                "must name one of the scenario's queues",
                quoted(&block.queue),
                format!("the queues are [{}]", names.join(", ")),
            ));
        };
        let write =
            self.outbox_call(service_path, service, &database.name, Some(raw::Op::Write))?;
        let publish =
            self.outbox_call(service_path, service, &block.queue, Some(raw::Op::Publish))?;
        let mode = match block.mode {
            raw::OutboxMode::DualWrite => OutboxMode::DualWrite,
            raw::OutboxMode::Outbox => OutboxMode::Outbox,
        };
        let relay_interval = self.positive_duration(
            &path.key("relay_interval"),
            &block.relay_interval,
            "the relay polls the outbox table every interval, e.g. \"100ms\"",
        )?;
        let relay_batch = self.count(
            &path.key("relay_batch"),
            block.relay_batch,
            1..=1_000_000,
            (
                "a relay publishes at least one row per poll",
                "a poll that large would be its own scenario",
            ),
        )?;
        let relay_ack = self.duration(&path.key("relay_ack"), &block.relay_ack)?;
        Ok(OutboxConfig {
            mode,
            database: ServiceId(own_services as u32),
            queue: queue as u32,
            queue_service: queues[queue].service,
            write_call: write,
            publish_call: publish,
            relay_interval,
            relay_batch: relay_batch as u32,
            relay_ack,
        })
    }

    /// The index of the one call of `service` (at `path`) to `target` with `op`, with one
    /// request and no retries (a retried write could commit twice, which is another scenario).
    fn outbox_call(
        &self,
        path: &Path,
        service: &raw::Service,
        target: &str,
        op: Option<raw::Op>,
    ) -> Result<u32, ScenarioError> {
        let op_name = match op {
            Some(raw::Op::Write) => "write",
            _ => "publish",
        };
        let matching: Vec<usize> = (service.calls.iter().enumerate())
            .filter(|(_, c)| c.service == target && (c.op == op || op == Some(raw::Op::Publish)))
            .map(|(j, _)| j)
            .collect();
        let [index] = matching[..] else {
            return Err(self.bad(
                &path.key("calls"),
                format!("must hold exactly one call to {} with op {op_name}", quoted(target)),
                format!("{} such calls", matching.len()),
                format!(
                    "the outbox block pairs the call {{\"service\": \"{target}\", \"op\": \"{op_name}\"}} with the other one; list it once"
                ),
            ));
        };
        let call = &service.calls[index];
        let at = path.key("calls").element(index, Some(target));
        if call.fanout.0 != 1 || call.retry.is_some() || call.hedge.is_some() {
            return Err(self.bad(
                &at,
                "must send one request, without retries or hedges, in an outbox pair",
                "fanout, retry or hedge",
                "each operation writes once and publishes once: drop `fanout`, `retry` and `hedge` from this call",
            ));
        }
        Ok(index as u32)
    }
}
