//! Each kind of source against its definition: the draws it makes and the times it gives.

use std::sync::Arc;

use sim_core::{Distribution, SimDuration, SimTime, Stream};

use super::{Arrivals, Start};
use crate::config::{
    Arrival, ArrivalTrace, ClientConfig, Load, OnOff, Profile, Rate, ServiceId, Spacing,
};

fn secs(s: u64) -> SimDuration {
    SimDuration::from_secs(s)
}

fn client(load: impl Into<Load>, count: u32) -> ClientConfig {
    ClientConfig {
        count,
        ..ClientConfig::plain("web", ServiceId(0), load)
    }
}

/// Every arrival of `source` up to `end`, starting from the first.
fn arrivals(sources: &mut Arrivals, source: u32, end: SimTime) -> Vec<SimTime> {
    let mut times = Vec::new();
    let mut now = SimTime::ZERO;
    while let Some(at) = sources.next(source, now) {
        if at > end {
            break;
        }
        times.push(at);
        now = at;
    }
    times
}

/// The precomputed gap and the skipped `/ 1.0` give the very gaps of the original
/// formula, `exponential(1e9 / rate) / factor`, with and without a spike.
#[test]
fn arrival_gaps_match_the_per_arrival_formula() {
    let rate_per_s = 7.3;
    let config = client(Arrival::Poisson { rate_per_s }, 1);
    let spike = (SimTime::from_nanos(1_000_000_000), SimTime::MAX, 3.1);
    for spikes in [vec![], vec![spike]] {
        let mut sources = Arrivals::new(&config, 9, spikes.clone(), SimTime::MAX);
        let mut stream = Stream::new(9, "client/web/arrival");
        let mut now = SimTime::ZERO;
        for _ in 0..1_000 {
            let factor: f64 = spikes
                .iter()
                .filter(|(start, end, _)| *start <= now && now < *end)
                .map(|(_, _, f)| f)
                .product();
            let gap = stream.exponential(1e9 / rate_per_s) / factor;
            let expected = now.add(SimDuration::from_nanos_f64(gap));
            now = sources.next(0, now).unwrap();
            assert_eq!(now, expected);
        }
    }
}

/// Constant arrivals keep their exact fractional clock: `1e9 / rate / factor` per gap.
#[test]
fn constant_gaps_match_the_per_arrival_formula() {
    let rate_per_s = 3.0;
    let config = client(Arrival::Constant { rate_per_s }, 1);
    let spike = (SimTime::from_nanos(2_000_000_000), SimTime::MAX, 1.7);
    for spikes in [vec![], vec![spike]] {
        let mut sources = Arrivals::new(&config, 9, spikes.clone(), SimTime::MAX);
        let (mut clock, mut now) = (0.0, SimTime::ZERO);
        for _ in 0..100 {
            let factor: f64 = spikes
                .iter()
                .filter(|(start, end, _)| *start <= now && now < *end)
                .map(|(_, _, f)| f)
                .product();
            clock += 1e9 / rate_per_s / factor;
            let expected =
                SimTime::from_nanos(SimDuration::from_nanos_f64(clock).as_nanos()).max(now);
            now = sources.next(0, now).unwrap();
            assert_eq!(now, expected);
        }
    }
}

/// A Poisson group is one source of the members' summed rate on the group's own stream: a
/// group of 3 at 5/s arrives exactly as one client at 15/s whose stream is
/// `client/web/arrival` (the superposition theorem, Kingman 1993, §2.2).
#[test]
fn a_poisson_group_is_one_source_of_the_summed_rate() {
    let config = client(Arrival::Poisson { rate_per_s: 5.0 }, 3);
    let mut group = Arrivals::new(&config, 4, Vec::new(), SimTime::MAX);
    let first = group.first();
    assert_eq!(first.len(), 1);
    assert_eq!((first[0].0, first[0].2), (0, Start::Arrival));
    let mut stream = Stream::new(4, "client/web/arrival");
    let mut now = SimTime::ZERO;
    let mut times = vec![first[0].1];
    for _ in 0..100 {
        times.push(group.next(0, *times.last().unwrap()).unwrap());
    }
    for at in times {
        now = now.add(SimDuration::from_nanos_f64(stream.exponential(1e9 / 15.0)));
        assert_eq!(at, now);
    }
}

/// A Poisson group on a profile or a daily curve is one source too: a group of 4 arrives
/// exactly as one client of 4 times each member's rate, on the stream `client/web/arrival`.
/// (The factor is a power of two, so the scaled rates are the same floating-point numbers.)
#[test]
fn a_poisson_group_on_a_curve_is_one_source_of_the_summed_rate() {
    let steps = |scale: f64| Profile::Steps(vec![(secs(0), 3.0 * scale), (secs(2), 5.0 * scale)]);
    let daily = |scale: f64| Profile::Daily {
        mean_per_s: 2.5 * scale,
        amplitude: 0.5,
        peak_at: secs(3),
        period: secs(10),
    };
    let poisson = |profile: Profile| Load::Open {
        spacing: Spacing::Poisson,
        rate: Rate::Profile(profile),
    };
    let end = SimTime::from_nanos(20_000_000_000);
    let spike = (SimTime::from_nanos(4_000_000_000), end, 3.0);
    for (member, summed) in [(steps(1.0), steps(4.0)), (daily(1.0), daily(4.0))] {
        let mut group = Arrivals::new(&client(poisson(member), 4), 6, vec![spike], end);
        let mut single = Arrivals::new(&client(poisson(summed), 1), 6, vec![spike], end);
        let first = group.first();
        assert_eq!(first.len(), 1);
        assert_eq!(first, single.first());
        let times = arrivals(&mut group, 0, end);
        assert!(times.len() > 100, "{}", times.len());
        assert_eq!(times, arrivals(&mut single, 0, end));
    }
}

/// A group whose members are counted draws each arrival's member uniformly from its own
/// stream `client/web/member`, and its arrival times are those of the same group uncounted:
/// counting members changes no arrival. Over 40,000 arrivals each of 4 members gets about a
/// quarter (binomial: 10,000 ± 86.6, checked within 4.5 standard deviations).
#[test]
fn a_counted_group_draws_each_arrival_s_member_uniformly() {
    let plain = client(Arrival::Poisson { rate_per_s: 2.0 }, 4);
    let counted = ClientConfig {
        report_members: true,
        ..plain.clone()
    };
    let mut uncounted = Arrivals::new(&plain, 8, Vec::new(), SimTime::MAX);
    let mut group = Arrivals::new(&counted, 8, Vec::new(), SimTime::MAX);
    assert_eq!(uncounted.first(), group.first());
    let mut stream = Stream::new(8, "client/web/member");
    let mut now = SimTime::ZERO;
    let mut per_member = [0u32; 4];
    for _ in 0..40_000 {
        let member = group.member_arriving(0);
        assert_eq!(u64::from(member), stream.below(4));
        assert_eq!(
            uncounted.member_arriving(0),
            0,
            "an uncounted group draws no member"
        );
        per_member[member as usize] += 1;
        let at = group.next(0, now).unwrap();
        assert_eq!(at, uncounted.next(0, now).unwrap());
        now = at;
    }
    for count in per_member {
        assert!(
            (f64::from(count) - 10_000.0).abs() < 4.5 * 86.6,
            "{per_member:?}"
        );
    }
}

/// A constant-rate group interleaves: member i of n starts (i + 1)/n of a gap in, so the
/// group together is a constant process at n times the rate.
#[test]
fn a_constant_group_interleaves_evenly() {
    let config = client(Arrival::Constant { rate_per_s: 10.0 }, 4);
    let mut group = Arrivals::new(&config, 1, Vec::new(), SimTime::MAX);
    let mut times: Vec<u64> = group.first().iter().map(|f| f.1.as_nanos()).collect();
    for member in 0..4 {
        let mut now = SimTime::from_nanos(times[member as usize]);
        for _ in 0..9 {
            now = group.next(member, now).unwrap();
            times.push(now.as_nanos());
        }
    }
    times.sort_unstable();
    let expected: Vec<u64> = (1..=40).map(|k| k * 25_000_000).collect();
    assert_eq!(times, expected);
}

/// `constant` spacing on a profile puts arrival k where the cumulative rate reaches k:
/// 10/s for 1 s, then 20/s.
#[test]
fn constant_spacing_on_steps_lands_where_the_integral_is_whole() {
    let load = Load::Open {
        spacing: Spacing::Constant,
        rate: Rate::Profile(Profile::Steps(vec![(secs(0), 10.0), (secs(1), 20.0)])),
    };
    let mut sources = Arrivals::new(
        &client(load, 1),
        1,
        Vec::new(),
        SimTime::from_nanos(2e9 as u64),
    );
    let times = arrivals(&mut sources, 0, SimTime::MAX);
    let ms: Vec<u64> = times.iter().map(|t| t.as_nanos() / 1_000_000).collect();
    let mut expected: Vec<u64> = (1..=10).map(|k| k * 100).collect();
    expected.extend((1..=20).map(|k| 1000 + k * 50));
    assert_eq!(ms, expected);
}

/// A load spike doubles a profile's rate exactly where it is active.
#[test]
fn a_spike_multiplies_a_profile_exactly() {
    let load = Load::Open {
        spacing: Spacing::Constant,
        rate: Rate::Profile(Profile::Table(vec![(secs(0), 10.0)])),
    };
    let spike = (
        SimTime::from_nanos(1_000_000_000),
        SimTime::from_nanos(2_000_000_000),
        2.0,
    );
    let end = SimTime::from_nanos(3_000_000_000);
    let mut sources = Arrivals::new(&client(load, 1), 1, vec![spike], end);
    let times = arrivals(&mut sources, 0, end);
    let in_second = |s: u64| {
        times
            .iter()
            .filter(|t| t.as_nanos() > s * 1_000_000_000 && t.as_nanos() <= (s + 1) * 1_000_000_000)
            .count()
    };
    assert_eq!((in_second(0), in_second(1), in_second(2)), (10, 20, 10));
}

/// A trace replays its times exactly, divided by `speed`, looping every period.
#[test]
fn a_trace_replays_its_times_and_loops() {
    let trace = ArrivalTrace {
        times: vec![SimDuration::from_millis(5), secs(1), secs(1), secs(3)],
        classes: vec![0, 1, 1, 0],
        speed: 2.0,
        period: Some(secs(4)),
    };
    let load = Load::Trace(Arc::new(trace));
    let end = SimTime::from_nanos(5_000_000_000);
    let mut sources = Arrivals::new(&client(load, 1), 1, Vec::new(), end);
    let mut times = Vec::new();
    let mut classes = Vec::new();
    let mut at = sources.first()[0].1;
    loop {
        times.push(at.as_nanos() / 500_000);
        classes.push(sources.traced_class().unwrap());
        match sources.next(0, at) {
            Some(next) => at = next,
            None => break,
        }
    }
    // In half-milliseconds: 2.5 ms, 0.5 s, 0.5 s, 1.5 s, then the same 2 s later, twice.
    assert_eq!(
        times,
        vec![5, 1000, 1000, 3000, 4005, 5000, 5000, 7000, 8005, 9000, 9000]
    );
    assert_eq!(classes, vec![0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1]);
}

/// A closed-loop user's first request comes one think time in, drawn from its own stream,
/// and every later think time comes from the same stream.
#[test]
fn closed_users_start_after_a_think_time_from_their_own_streams() {
    let think = Distribution::Exponential { mean: secs(2) };
    let load = Load::Closed {
        users: 3,
        think: think.clone(),
    };
    let mut users = Arrivals::new(&client(load, 2), 8, Vec::new(), SimTime::MAX);
    let first = users.first();
    assert_eq!(first.len(), 6);
    assert!(first.iter().all(|f| f.2 == Start::Wake));
    let mut stream = Stream::new(8, "client/web[1]/user/2/think");
    assert_eq!(first[5].1, SimTime::ZERO.add(think.sample(&mut stream)));
    assert_eq!(users.member_of(5), 1);
    let now = SimTime::from_nanos(7);
    assert_eq!(
        users.after_outcome(5, now),
        Some(now.add(think.sample(&mut stream)))
    );
}

/// A session sends `requests` requests and leaves; its slot is reused.
#[test]
fn a_session_leaves_after_its_requests() {
    let load = Load::Sessions {
        rate_per_s: 1.0,
        requests: 3,
        think: Distribution::Constant(secs(1)),
    };
    let mut sessions = Arrivals::new(&client(load, 2), 8, Vec::new(), SimTime::MAX);
    let user = sessions.start_session(1);
    assert_eq!(sessions.member_of(user), 1);
    let now = SimTime::from_nanos(1_000);
    assert_eq!(sessions.after_outcome(user, now), Some(now.add(secs(1))));
    assert_eq!(sessions.after_outcome(user, now), Some(now.add(secs(1))));
    assert_eq!(sessions.after_outcome(user, now), None);
    assert_eq!(sessions.start_session(0), user, "a freed slot is reused");
}

/// Over a long run, an on/off source's rate is each state's rate weighted by its share of
/// time, and its arrivals cluster (a variance-to-mean ratio of counts well above 1).
#[test]
fn on_off_bursts_have_the_mean_rate_and_cluster() {
    let on_off = OnOff {
        on_rate_per_s: 100.0,
        off_rate_per_s: 0.0,
        on_mean: secs(1),
        off_mean: secs(4),
    };
    let end = SimTime::from_nanos(20_000_000_000_000);
    let mut sources = Arrivals::new(&client(Load::OnOff(on_off), 1), 3, Vec::new(), end);
    let times = arrivals(&mut sources, 0, end);
    // λ̄ = (λ_on r_off + λ_off r_on) / (r_on + r_off) = 20/s, with r the rates of leaving each
    // state. Over a long window T the count's variance is T (λ̄ + 2 (λ_on − λ_off)² r_on r_off
    // / (r_on + r_off)³) (Fischer & Meier-Hellstern 1993, the MMPP's index of dispersion):
    // 2,580 T here, so the rate is within 4.5 standard deviations of 20.
    let t = 20_000.0;
    let rate = times.len() as f64 / t;
    let sd = libm::sqrt(2580.0 * t) / t;
    assert!((rate - 20.0).abs() < 4.5 * sd, "{rate} ± {sd}");
    let mut counts = vec![0u32; 20_000];
    for t in &times {
        counts[(t.as_nanos() / 1_000_000_000).min(19_999) as usize] += 1;
    }
    let mean = counts.iter().map(|&c| f64::from(c)).sum::<f64>() / counts.len() as f64;
    let variance = counts
        .iter()
        .map(|&c| (f64::from(c) - mean).powi(2))
        .sum::<f64>()
        / counts.len() as f64;
    assert!(variance / mean > 10.0, "{}", variance / mean);
}

/// A daily curve's arrivals per hour of a compressed day follow its integral.
#[test]
fn a_daily_curve_is_thinned_to_its_rate() {
    let daily = Profile::Daily {
        mean_per_s: 50.0,
        amplitude: 0.8,
        peak_at: secs(600),
        period: secs(2400),
    };
    let load = Load::Open {
        spacing: Spacing::Poisson,
        rate: Rate::Profile(daily.clone()),
    };
    // 24 periods of 2,400 s.
    let end = SimTime::from_nanos(57_600_000_000_000);
    let mut sources = Arrivals::new(&client(load, 1), 5, Vec::new(), end);
    let times = arrivals(&mut sources, 0, end);
    // 24 periods; per 100 s slot of the period, the expected count over all of them.
    let mut counts = [0f64; 24];
    for t in &times {
        counts[((t.as_nanos() / 100_000_000_000) % 24) as usize] += 1.0;
    }
    for (slot, &count) in counts.iter().enumerate() {
        let (a, b) = (secs(slot as u64 * 100), secs(slot as u64 * 100 + 100));
        let expected = 24.0 * (daily.integral(b) - daily.integral(a));
        // Poisson: within 4.5 standard deviations.
        assert!(
            (count - expected).abs() < 4.5 * libm::sqrt(expected),
            "slot {slot}: {count} against {expected}"
        );
    }
}
