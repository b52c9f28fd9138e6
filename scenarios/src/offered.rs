//! The offered load of a validated scenario, read without running it: each client's rate
//! over time (from its profile, its trace, its load spikes), and the utilization each
//! service's workers would have if every request were served once.
//!
//! A service's utilization is Σ over clients of rate × visits × mean own work, divided by
//! its workers (replicas × workers per replica): the utilization law U = X S (Denning &
//! Buzen 1978), with X from the offered rates and visits the number of requests one client
//! request makes at the service (the product of the fan-outs on the way; no retries, no
//! failures, no caches: the demand of a healthy system). A request class's own service time
//! weighs in by its share of the client's requests. A closed-loop client's rate is not
//! given but bounded: X ≤ min(N / (D + Z), c_k / D_k over services k) (Denning & Buzen's
//! asymptotic bound with c_k workers at service k, D the total demand, D_k the demand at k),
//! and its share of utilization is taken at that bound, so it is an upper bound too.
//!
//! Data only, in configuration order; the CLI renders it (`faultline explain`).

use models::{ClientConfig, Load, ServiceConfig, WorldConfig};
use sim_core::SimDuration;

use crate::Scenario;

/// Points of a client's rate over the run.
pub const SAMPLES: usize = 48;

/// What the scenario offers each service.
#[derive(Clone, Debug, PartialEq)]
pub struct Offered {
    /// Per client, in configuration order.
    pub clients: Vec<ClientLoad>,
    /// Per service, in configuration order.
    pub services: Vec<ServiceLoad>,
}

/// One client's offered load (a group's members together).
#[derive(Clone, Debug, PartialEq)]
pub struct ClientLoad {
    /// The client's name.
    pub name: String,
    /// Identical clients it stands for.
    pub count: u32,
    /// Its load in words (`poisson, table of 3 points`).
    pub kind: String,
    /// Its mean rate over the run in requests per second (all members), load spikes
    /// included; for a closed loop, the asymptotic bound on its throughput.
    pub mean_per_s: f64,
    /// Its highest rate (a closed loop: the same bound).
    pub peak_per_s: f64,
    /// Its rate at the middle of each of `SAMPLES` equal slices of the run (empty for
    /// closed loops and on/off bursts, whose rate is not a function of time).
    pub over_time: Vec<f64>,
    /// For a closed loop, the bound and what it is made of.
    pub closed: Option<ClosedBound>,
}

/// The asymptotic bounds of a closed-loop client (Denning & Buzen 1978).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ClosedBound {
    /// Users in all (members × users).
    pub users: u64,
    /// Mean think time, seconds.
    pub think_s: f64,
    /// Total service demand of one request, seconds (its own work at every service visited).
    pub demand_s: f64,
    /// N / (D + Z): the throughput if no request ever waited in a queue.
    pub light_per_s: f64,
    /// min over services of workers / demand there: the bottleneck's capacity.
    pub bottleneck_per_s: f64,
    /// N* = (D + Z) / D_max: about where the bottleneck saturates.
    pub saturation_users: f64,
}

/// One service's implied utilization.
#[derive(Clone, Debug, PartialEq)]
pub struct ServiceLoad {
    /// The service's name.
    pub name: String,
    /// Replicas × workers.
    pub workers: u64,
    /// Requests per second reaching it on average.
    pub arrivals_per_s: f64,
    /// Mean utilization over the run (may exceed 1: overload).
    pub utilization_mean: f64,
    /// Utilization at the clients' peaks.
    pub utilization_peak: f64,
    /// Whether part of it comes from a closed loop's bound (so it is an upper bound).
    pub bounded: bool,
}

/// The offered load of `scenario`.
pub fn analyze(scenario: &Scenario) -> Offered {
    let world = &scenario.world;
    let visits: Vec<Vec<f64>> = world
        .clients
        .iter()
        .map(|c| visits(&world.services, c.target.0 as usize))
        .collect();
    let clients: Vec<ClientLoad> = world
        .clients
        .iter()
        .enumerate()
        .map(|(i, c)| client_load(world, i, c, &visits[i]))
        .collect();
    let services = world
        .services
        .iter()
        .enumerate()
        .map(|(s, service)| {
            let workers = u64::from(service.replicas) * u64::from(service.workers);
            let mut load = ServiceLoad {
                name: service.name.clone(),
                workers,
                arrivals_per_s: 0.0,
                utilization_mean: 0.0,
                utilization_peak: 0.0,
                bounded: false,
            };
            for (i, c) in world.clients.iter().enumerate() {
                let v = visits[i][s];
                if v == 0.0 {
                    continue;
                }
                let work_s = mean_work_s(world, c, s);
                load.arrivals_per_s += clients[i].mean_per_s * v;
                load.utilization_mean += clients[i].mean_per_s * v * work_s / workers as f64;
                load.utilization_peak += clients[i].peak_per_s * v * work_s / workers as f64;
                load.bounded |= clients[i].closed.is_some();
            }
            load
        })
        .collect();
    Offered { clients, services }
}

/// Requests one request to `target` makes at each service: 1 at `target`, and each call
/// multiplies its caller's visits by its fan-out (services form a DAG, checked by
/// `validate`, so a topological order exists).
fn visits(services: &[ServiceConfig], target: usize) -> Vec<f64> {
    let order = topological(services);
    let mut visits = vec![0.0; services.len()];
    visits[target] = 1.0;
    for s in order {
        for call in &services[s].calls {
            visits[call.target.0 as usize] += visits[s] * f64::from(call.fanout);
        }
    }
    visits
}

/// The services in an order where every caller comes before what it calls (Kahn 1962).
fn topological(services: &[ServiceConfig]) -> Vec<usize> {
    let mut incoming = vec![0usize; services.len()];
    for s in services {
        for call in &s.calls {
            incoming[call.target.0 as usize] += 1;
        }
    }
    let mut ready: Vec<usize> = (0..services.len()).filter(|&s| incoming[s] == 0).collect();
    ready.reverse();
    let mut order = Vec::with_capacity(services.len());
    // Each service is taken once: the loop runs at most `services.len()` times.
    while let Some(s) = ready.pop() {
        order.push(s);
        for call in &services[s].calls {
            let t = call.target.0 as usize;
            incoming[t] -= 1;
            if incoming[t] == 0 {
                ready.push(t);
            }
        }
    }
    order
}

/// The mean own work (seconds) of one of `client`'s requests at service `s`: its classes'
/// service times weighed by their shares (a trace's by how often it names each).
fn mean_work_s(world: &WorldConfig, client: &ClientConfig, s: usize) -> f64 {
    let service = &world.services[s];
    let default = service.service_time.mean_nanos() / 1e9;
    if client.classes.is_empty() {
        return default;
    }
    let shares: Vec<f64> = match &client.arrival {
        Load::Trace(trace) if !trace.classes.is_empty() => {
            let mut counts = vec![0.0; client.classes.len()];
            for &k in &trace.classes {
                counts[usize::from(k)] += 1.0;
            }
            let total = trace.classes.len() as f64;
            counts.iter().map(|c| c / total).collect()
        }
        _ => client.classes.iter().map(|c| c.weight).collect(),
    };
    client
        .classes
        .iter()
        .zip(shares)
        .map(|(class, share)| {
            let own = service
                .classes
                .service_times
                .iter()
                .find(|t| t.class == class.id)
                .map_or(default, |t| t.service_time.mean_nanos() / 1e9);
            share * own
        })
        .sum()
}

/// The product of the load-spike factors on `client` active at `at`.
fn spike_factor(world: &WorldConfig, client: usize, at: SimDuration) -> f64 {
    let at = sim_core::SimTime::ZERO.add(at);
    world
        .faults
        .iter()
        .filter_map(|f| match f.kind {
            models::FaultKind::LoadSpike { client: c, factor }
                if c.0 as usize == client && f.start <= at && at < f.end =>
            {
                Some(factor)
            }
            _ => None,
        })
        .product()
}

fn client_load(world: &WorldConfig, index: usize, c: &ClientConfig, visits: &[f64]) -> ClientLoad {
    let duration = world.duration;
    let members = f64::from(c.count);
    let slice = duration.as_nanos() as f64 / SAMPLES as f64;
    let mid = |i: usize| SimDuration::from_nanos_f64(slice * (i as f64 + 0.5));
    let kind = words(&c.arrival);
    let mut load = ClientLoad {
        name: c.name.clone(),
        count: c.count,
        kind,
        mean_per_s: 0.0,
        peak_per_s: 0.0,
        over_time: Vec::new(),
        closed: None,
    };
    match &c.arrival {
        Load::Closed { users, think } => {
            let bound = closed_bound(
                world,
                c,
                u64::from(*users) * u64::from(c.count),
                think,
                visits,
            );
            let x = bound.light_per_s.min(bound.bottleneck_per_s);
            load.mean_per_s = x;
            load.peak_per_s = x;
            load.closed = Some(bound);
        }
        Load::OnOff(on_off) => {
            // The long-run mean of the two states, times the spikes' factors over the run.
            let fine = 4 * 1024;
            let step = duration.as_nanos() as f64 / fine as f64;
            let factors: Vec<f64> = (0..fine)
                .map(|i| {
                    spike_factor(
                        world,
                        index,
                        SimDuration::from_nanos_f64(step * (i as f64 + 0.5)),
                    )
                })
                .collect();
            let factor_mean = factors.iter().sum::<f64>() / fine as f64;
            let factor_max = factors.iter().copied().fold(0.0, f64::max);
            load.mean_per_s = on_off.mean_rate_per_s() * members * factor_mean;
            load.peak_per_s =
                on_off.on_rate_per_s.max(on_off.off_rate_per_s) * members * factor_max;
        }
        Load::Trace(trace) => {
            let per_slice = |i: usize| {
                let (a, b) = (
                    SimDuration::from_nanos_f64(slice * i as f64),
                    SimDuration::from_nanos_f64(slice * (i + 1) as f64),
                );
                (trace.arrivals_before(b) - trace.arrivals_before(a)) / (slice / 1e9)
            };
            load.over_time = (0..SAMPLES).map(per_slice).collect();
            load.mean_per_s = trace.arrivals_before(duration) / duration.as_secs_f64();
            load.peak_per_s = load.over_time.iter().copied().fold(0.0, f64::max);
        }
        Load::Open { .. } | Load::Sessions { .. } => {
            // The rate per member at `at`, spikes included; sessions offer `requests` per user.
            let rate = |at: SimDuration| {
                let base = match &c.arrival {
                    Load::Sessions {
                        rate_per_s,
                        requests,
                        ..
                    } => rate_per_s * f64::from(*requests),
                    other => other.rate_at(at).unwrap_or(0.0),
                };
                base * spike_factor(world, index, at) * members
            };
            load.over_time = (0..SAMPLES).map(|i| rate(mid(i))).collect();
            // The mean by the midpoint rule on a fine grid (exact for piecewise-constant
            // rates whose breaks fall on it, within 0.1% for the others).
            let fine = 4 * 1024;
            let step = duration.as_nanos() as f64 / fine as f64;
            load.mean_per_s = (0..fine)
                .map(|i| rate(SimDuration::from_nanos_f64(step * (i as f64 + 0.5))))
                .sum::<f64>()
                / fine as f64;
            load.peak_per_s = (0..fine)
                .map(|i| rate(SimDuration::from_nanos_f64(step * i as f64)))
                .chain(load.over_time.iter().copied())
                .fold(0.0, f64::max);
        }
    }
    load
}

fn closed_bound(
    world: &WorldConfig,
    c: &ClientConfig,
    users: u64,
    think: &sim_core::Distribution,
    visits: &[f64],
) -> ClosedBound {
    let think_s = think.mean_nanos() / 1e9;
    let demands: Vec<(f64, f64)> = world
        .services
        .iter()
        .enumerate()
        .map(|(s, service)| {
            let demand = visits[s] * mean_work_s(world, c, s);
            let workers = f64::from(service.replicas) * f64::from(service.workers);
            (demand, workers)
        })
        .collect();
    let demand_s: f64 = demands.iter().map(|d| d.0).sum();
    let bottleneck_per_s = demands
        .iter()
        .filter(|d| d.0 > 0.0)
        .map(|(demand, workers)| workers / demand)
        .fold(f64::INFINITY, f64::min);
    let demand_max = demands
        .iter()
        .map(|(demand, workers)| demand / workers)
        .fold(0.0, f64::max);
    ClosedBound {
        users,
        think_s,
        demand_s,
        light_per_s: users as f64 / (demand_s + think_s),
        bottleneck_per_s,
        saturation_users: if demand_max > 0.0 {
            (demand_s + think_s) / demand_max
        } else {
            f64::INFINITY
        },
    }
}

/// A load in words.
fn words(load: &Load) -> String {
    use models::{Profile, Rate, Spacing};
    match load {
        Load::Open { spacing, rate } => {
            let spacing = match spacing {
                Spacing::Poisson => "poisson",
                Spacing::Constant => "constant",
            };
            match rate {
                Rate::Fixed(_) => spacing.to_string(),
                Rate::Profile(Profile::Steps(p)) => format!("{spacing}, {} steps", p.len()),
                Rate::Profile(Profile::Table(p)) => {
                    format!("{spacing}, a table of {} points", p.len())
                }
                Rate::Profile(Profile::Ramp { start, end, .. }) => {
                    format!("{spacing}, a ramp from {start} to {end}")
                }
                Rate::Profile(Profile::Daily {
                    amplitude, period, ..
                }) => format!(
                    "{spacing}, a daily curve (±{}% over {period})",
                    amplitude * 100.0
                ),
            }
        }
        Load::OnOff(o) => format!(
            "on/off bursts: {}/s for {} on average, {}/s for {}",
            o.on_rate_per_s, o.on_mean, o.off_rate_per_s, o.off_mean
        ),
        Load::Closed { users, think } => format!(
            "closed loop: {users} users thinking {} on average",
            SimDuration::from_nanos_f64(think.mean_nanos())
        ),
        Load::Sessions {
            rate_per_s,
            requests,
            think,
        } => format!(
            "sessions: {rate_per_s} users/s, {requests} requests each, thinking {} on average",
            SimDuration::from_nanos_f64(think.mean_nanos())
        ),
        Load::Trace(trace) => {
            let mut text = format!("a trace of {} arrivals", trace.times.len());
            if trace.speed != 1.0 {
                text.push_str(&format!(" at {}x", trace.speed));
            }
            if let Some(period) = trace.period {
                text.push_str(&format!(", looped every {period}"));
            }
            text
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offered(text: &str) -> Offered {
        analyze(&crate::parse(text, "t.json", &Default::default()).unwrap())
    }

    #[test]
    fn utilization_follows_rates_visits_and_class_costs() {
        let text = r#"{"name": "t", "duration": "100s",
            "clients": [{"name": "web", "target": "api", "count": 2,
                         "arrival": {"kind": "poisson", "rate_per_s": 100},
                         "classes": [{"name": "r", "weight": 0.5},
                                     {"name": "w", "weight": 0.5,
                                      "service_time": {"db": {"kind": "constant", "value": "30ms"}}}]}],
            "services": [{"name": "api", "workers": 2, "calls": [{"service": "db", "fanout": 3}],
                          "service_time": {"kind": "constant", "value": "4ms"}},
                         {"name": "db", "replicas": 2, "workers": 10,
                          "service_time": {"kind": "constant", "value": "10ms"}}],
            "faults": [{"kind": "load_spike", "client": "web", "at": "50s", "factor": 3}]}"#;
        let o = offered(text);
        let web = &o.clients[0];
        // 200/s for 50 s, then 600/s.
        assert!((web.mean_per_s - 400.0).abs() < 1e-6, "{}", web.mean_per_s);
        assert!((web.peak_per_s - 600.0).abs() < 1e-6);
        assert_eq!(web.over_time[0], 200.0);
        assert_eq!(web.over_time[47], 600.0);
        // api: 400/s × 4 ms / 2 workers; db: 400 × 3 visits × (0.5 × 10 + 0.5 × 30) ms / 20.
        assert!((o.services[0].utilization_mean - 0.8).abs() < 1e-9);
        assert!((o.services[1].utilization_mean - 1.2).abs() < 1e-9);
        assert!((o.services[1].arrivals_per_s - 1200.0).abs() < 1e-6);
        assert!((o.services[1].utilization_peak - 1.8).abs() < 1e-9);
    }

    #[test]
    fn a_closed_loop_is_bounded_by_its_users_and_its_bottleneck() {
        let text = r#"{"name": "t", "duration": "100s",
            "clients": [{"name": "u", "target": "api",
                         "arrival": {"kind": "closed", "users": 50,
                                     "think": {"kind": "exponential", "mean": "990ms"}}}],
            "services": [{"name": "api", "service_time": {"kind": "exponential", "mean": "10ms"}}]}"#;
        let o = offered(text);
        let bound = o.clients[0].closed.unwrap();
        assert!((bound.light_per_s - 50.0).abs() < 1e-9);
        assert!((bound.bottleneck_per_s - 100.0).abs() < 1e-9);
        assert!((bound.saturation_users - 100.0).abs() < 1e-9);
        assert!((o.clients[0].mean_per_s - 50.0).abs() < 1e-9);
        assert!((o.services[0].utilization_mean - 0.5).abs() < 1e-9);
        assert!(o.services[0].bounded);
    }
}
