//! Load balancing: which replica of a service the next attempt goes to.
//!
//! One `BalancerState` per service, shared by every caller of the service, as if they all sat
//! behind one proxy; it sees what that proxy would see: the attempts it sent to each replica
//! that are still outstanding (sent, and neither answered nor timed out), and the answers.
//!
//! - `round_robin`: replicas in turn.
//! - `random`: a uniform draw from the `service/NAME/balancer` stream.
//! - `least_outstanding`: the replica with the fewest outstanding attempts, all compared (Envoy's
//!   `LEAST_REQUEST` with `selection_method: FULL_SCAN`); ties go to the first in round-robin
//!   order from a rotating start, as NGINX's `least_conn` tries tied servers in turn, so an idle
//!   service still spreads its load.
//! - `p2c`: the power of two choices (Mitzenmacher, "The Power of Two Choices in Randomized
//!   Load Balancing", IEEE TPDS 2001): two replicas drawn independently and uniformly (with
//!   replacement) from the `service/NAME/p2c` stream, and the one with fewer outstanding
//!   attempts wins, the first on a tie (Envoy's default `LEAST_REQUEST`, `choice_count` 2).
//!
//! With outlier detection (`outlier`), ejected replicas are left out of every choice; if fewer
//! than half the replicas remain, the balancer ignores ejections (Envoy's default
//! `healthy_panic_threshold` of 50%). Without it, every policy draws and picks exactly as
//! before ejection existed.
//!
//! With autoscaling (`autoscale`), only routable replicas (serving: not off, starting or
//! draining) are candidates, and the panic threshold counts only them.
//!
//! The outstanding counts are the caller-side view: an attempt to a crashed replica that
//! refuses connections is answered fast, so least-outstanding balancers favour a replica that
//! fails fast — the reason they are paired with outlier detection.

use sim_core::{SimTime, Stream};

use crate::config::{Balancer, OutlierDetectionConfig};
use crate::outlier::OutlierDetector;

/// A service's balancer: its policy, cursor, streams, outstanding counts and outlier detector.
#[derive(Clone, Debug)]
pub struct BalancerState {
    policy: Balancer,
    replicas: u32,
    /// The next replica in turn (round robin, and where a least-outstanding scan starts).
    cursor: u32,
    /// Draws for `random` (`service/NAME/balancer`).
    random_stream: Stream,
    /// Draws for `p2c` (`service/NAME/p2c`), only when that is the policy.
    p2c_stream: Option<Stream>,
    /// Attempts sent to each replica and not yet answered or timed out (kept only when
    /// `counts_outstanding`).
    outstanding: Vec<u32>,
    /// Whether the policy compares outstanding counts (`least_outstanding`, `p2c`), decided
    /// once: round robin and random never read them, so they are not kept.
    counts_outstanding: bool,
    outlier: Option<OutlierDetector>,
    /// Which replicas take new attempts, when an autoscaler decides (`None`: all of them).
    routable: Option<Vec<bool>>,
    /// Every replica is a candidate (no outlier detection, no autoscaler): `pick`'s fast path.
    plain: bool,
    /// Scratch: the replicas a pick chooses among (reused to avoid allocation).
    candidates: Vec<u32>,
}

impl BalancerState {
    /// The balancer of service `name` with `replicas` replicas; streams derive from `seed`.
    pub fn new(
        policy: Balancer,
        replicas: u32,
        outlier: Option<OutlierDetectionConfig>,
        seed: u64,
        name: &str,
    ) -> BalancerState {
        assert!(replicas > 0, "a service has at least one replica");
        BalancerState {
            policy,
            replicas,
            cursor: 0,
            random_stream: Stream::new(seed, &format!("service/{name}/balancer")),
            p2c_stream: (policy == Balancer::PowerOfTwoChoices)
                .then(|| Stream::new(seed, &format!("service/{name}/p2c"))),
            outstanding: vec![0; replicas as usize],
            counts_outstanding: matches!(
                policy,
                Balancer::LeastOutstanding | Balancer::PowerOfTwoChoices
            ),
            outlier: outlier.map(|config| OutlierDetector::new(config, replicas)),
            routable: None,
            plain: outlier.is_none(),
            candidates: Vec::new(),
        }
    }

    /// Picks the replica for an attempt sent at `now`.
    // Always inlined (the compiler declines a plain hint): it runs for every attempt, and
    // its fast path is a few instructions.
    #[inline(always)]
    pub fn pick(&mut self, now: SimTime) -> u32 {
        if self.plain {
            // Every replica is a candidate: the same picks and draws as `pick_among`, without
            // building the candidate list (the common case, on every attempt).
            match self.policy {
                Balancer::RoundRobin => {
                    let picked = self.cursor;
                    // `(picked + 1) % replicas`, without a division: the cursor stays below.
                    self.cursor = if picked + 1 == self.replicas {
                        0
                    } else {
                        picked + 1
                    };
                    return picked;
                }
                Balancer::Random => {
                    return self.random_stream.below(u64::from(self.replicas)) as u32;
                }
                Balancer::LeastOutstanding | Balancer::PowerOfTwoChoices => {}
            }
        }
        self.pick_among(now)
    }

    /// `pick` over the candidate list: the replicas outlier detection has not ejected.
    /// Kept out of line so that `pick`'s fast path inlines into its callers.
    #[inline(never)]
    fn pick_among(&mut self, now: SimTime) -> u32 {
        let n = self.replicas;
        let ejected = |r: u32| self.outlier.as_ref().is_some_and(|o| o.is_ejected(now, r));
        let routable = |r: u32| self.routable.as_ref().is_none_or(|mask| mask[r as usize]);
        let mut candidates = std::mem::take(&mut self.candidates);
        candidates.clear();
        candidates.extend((0..n).filter(|&r| routable(r) && !ejected(r)));
        let hosts = (0..n).filter(|&r| routable(r)).count();
        // Envoy's panic threshold: below half the hosts healthy, balance over all of them.
        if candidates.len() * 2 < hosts {
            candidates.clear();
            candidates.extend((0..n).filter(|&r| routable(r)));
        }
        assert!(
            !candidates.is_empty(),
            "a service always has a routable replica"
        );
        let picked = match self.policy {
            Balancer::RoundRobin => {
                let picked = self.first_from_cursor(&candidates, |_| 0);
                self.cursor = (picked + 1) % n;
                picked
            }
            Balancer::Random => {
                let index = self.random_stream.below(candidates.len() as u64);
                candidates[index as usize]
            }
            Balancer::LeastOutstanding => {
                let outstanding = &self.outstanding;
                let picked = self.first_from_cursor(&candidates, |r| outstanding[r as usize]);
                self.cursor = (picked + 1) % n;
                picked
            }
            Balancer::PowerOfTwoChoices => {
                let stream = self.p2c_stream.as_mut().expect("p2c has its stream");
                let count = candidates.len() as u64;
                let first = candidates[stream.below(count) as usize];
                let second = candidates[stream.below(count) as usize];
                if self.outstanding[second as usize] < self.outstanding[first as usize] {
                    second
                } else {
                    first
                }
            }
        };
        self.candidates = candidates;
        picked
    }

    /// The candidate with the least `key`, scanning from the cursor; the first one on a tie.
    fn first_from_cursor(&self, candidates: &[u32], key: impl Fn(u32) -> u32) -> u32 {
        let n = self.replicas;
        let order = |r: u32| (r + n - self.cursor) % n;
        let mut best: Option<u32> = None;
        for &r in candidates {
            if best.is_none_or(|b| (key(r), order(r)) < (key(b), order(b))) {
                best = Some(r);
            }
        }
        best.expect("there is always a candidate")
    }

    /// Whether `replica` takes new attempts (an autoscaler's decision); the first call makes
    /// every pick go through the candidate list.
    pub fn set_routable(&mut self, replica: u32, routable: bool) {
        let replicas = self.replicas as usize;
        let mask = self.routable.get_or_insert_with(|| vec![true; replicas]);
        mask[replica as usize] = routable;
        self.plain = false;
    }

    /// An attempt was sent to `replica`.
    #[inline]
    pub fn on_sent(&mut self, replica: u32) {
        if self.counts_outstanding {
            self.outstanding[replica as usize] += 1;
        }
    }

    /// An attempt to `replica` stopped being outstanding (answered, timed out or cancelled).
    #[inline]
    pub fn on_done(&mut self, replica: u32) {
        if self.counts_outstanding {
            let count = &mut self.outstanding[replica as usize];
            assert!(*count > 0, "only an outstanding attempt ends");
            *count -= 1;
        }
    }

    /// Attempts outstanding at `replica` (always 0 under round robin and random, which do
    /// not count them).
    pub fn outstanding(&self, replica: u32) -> u32 {
        self.outstanding[replica as usize]
    }

    /// A caller saw an answer from `replica` at `now` (`failed`: a 5xx-like error, a refusal or
    /// a timeout). Returns true if outlier detection ejected the replica.
    pub fn on_answer(&mut self, now: SimTime, replica: u32, failed: bool) -> bool {
        match &mut self.outlier {
            Some(detector) => detector.report(now, replica, failed),
            None => false,
        }
    }

    /// Whether `replica` is ejected at `now`.
    pub fn is_ejected(&self, now: SimTime, replica: u32) -> bool {
        self.outlier
            .as_ref()
            .is_some_and(|o| o.is_ejected(now, replica))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::OutlierDetectionConfig;

    fn balancer(policy: Balancer, replicas: u32) -> BalancerState {
        BalancerState::new(policy, replicas, None, 7, "api")
    }

    /// Round robin and random skip the outstanding counts: their picks are the same whatever
    /// is outstanding, as with the counts kept.
    #[test]
    fn round_robin_and_random_picks_ignore_outstanding_attempts() {
        for policy in [Balancer::RoundRobin, Balancer::Random] {
            let mut fast = balancer(policy, 3);
            assert!(!fast.counts_outstanding);
            let mut counting = balancer(policy, 3);
            counting.counts_outstanding = true;
            for i in 0..50 {
                let picked = fast.pick(SimTime::ZERO);
                assert_eq!(picked, counting.pick(SimTime::ZERO));
                for b in [&mut fast, &mut counting] {
                    b.on_sent(picked);
                    if i % 3 == 0 {
                        b.on_done(picked);
                    }
                }
            }
            let total = |b: &BalancerState| (0..3).map(|r| b.outstanding(r)).sum::<u32>();
            assert_eq!(total(&fast), 0);
            assert_eq!(total(&counting), 50 - 17, "sent minus done");
        }
    }

    #[test]
    fn round_robin_takes_replicas_in_turn() {
        let mut b = balancer(Balancer::RoundRobin, 3);
        let picks: Vec<u32> = (0..7).map(|_| b.pick(SimTime::ZERO)).collect();
        assert_eq!(picks, [0, 1, 2, 0, 1, 2, 0]);
    }

    /// The `random` policy draws exactly as it did before balancers grew: one `below(n)` per
    /// pick from `service/NAME/balancer`.
    #[test]
    fn random_draws_one_number_per_pick_from_its_stream() {
        let mut b = balancer(Balancer::Random, 5);
        let mut stream = Stream::new(7, "service/api/balancer");
        for _ in 0..100 {
            assert_eq!(u64::from(b.pick(SimTime::ZERO)), stream.below(5));
        }
    }

    /// Envoy `LEAST_REQUEST` (full scan): the host with the fewest active requests; NGINX
    /// `least_conn`: tied servers are tried in turn.
    #[test]
    fn least_outstanding_picks_the_least_loaded_and_rotates_ties() {
        let mut b = balancer(Balancer::LeastOutstanding, 3);
        let now = SimTime::ZERO;
        let mut picks = Vec::new();
        for _ in 0..3 {
            let r = b.pick(now);
            b.on_sent(r);
            picks.push(r);
        }
        assert_eq!(picks, [0, 1, 2], "ties rotate");
        b.on_done(1);
        assert_eq!(b.pick(now), 1, "the only replica with nothing outstanding");
        b.on_sent(1);
        b.on_sent(1);
        b.on_done(0);
        assert_eq!(b.pick(now), 0);
    }

    /// Mitzenmacher (2001): two uniform choices, the less loaded wins. With one replica
    /// always busier, it wins only when both draws land on it: 1/n² of the picks.
    #[test]
    fn p2c_sends_to_a_loaded_replica_only_when_both_choices_hit_it() {
        let mut b = balancer(Balancer::PowerOfTwoChoices, 4);
        b.on_sent(0);
        let picks = 100_000;
        let to_busy = (0..picks).filter(|_| b.pick(SimTime::ZERO) == 0).count();
        let expected = picks / 16;
        assert!(
            to_busy.abs_diff(expected) < expected / 10,
            "{to_busy} picks of the busy replica, expected about {expected}"
        );
    }

    /// p2c draws from its own stream: the `random` stream is untouched.
    #[test]
    fn p2c_uses_its_own_stream() {
        let mut b = balancer(Balancer::PowerOfTwoChoices, 4);
        let mut stream = Stream::new(7, "service/api/p2c");
        for _ in 0..50 {
            // Nothing is outstanding, so every pick is a tie and the first choice wins.
            let first = stream.below(4);
            let _second = stream.below(4);
            assert_eq!(u64::from(b.pick(SimTime::ZERO)), first);
        }
        assert_eq!(
            b.random_stream.below(1_000_000),
            Stream::new(7, "service/api/balancer").below(1_000_000)
        );
    }

    /// Envoy: an ejected host "will not be used during load balancing unless the load balancer
    /// is in a panic scenario".
    /// Without outlier detection, round robin and random skip the candidate list; they pick
    /// and draw as the candidate path does when nothing is ejected.
    #[test]
    fn the_fast_path_agrees_with_the_candidate_path() {
        let config = OutlierDetectionConfig::ENVOY_DEFAULT;
        for policy in [Balancer::RoundRobin, Balancer::Random] {
            for replicas in [1, 2, 5] {
                let mut fast = balancer(policy, replicas);
                let mut slow = BalancerState::new(policy, replicas, Some(config), 7, "api");
                for _ in 0..50 {
                    assert_eq!(fast.pick(SimTime::ZERO), slow.pick(SimTime::ZERO));
                }
            }
        }
    }

    #[test]
    fn ejected_replicas_are_skipped_until_half_are_gone() {
        let config = OutlierDetectionConfig {
            max_ejection_percent: 100,
            ..OutlierDetectionConfig::ENVOY_DEFAULT
        };
        let mut b = BalancerState::new(Balancer::RoundRobin, 4, Some(config), 7, "api");
        let now = SimTime::ZERO;
        let ejected = (0..5).any(|_| b.on_answer(now, 1, true));
        assert!(ejected && b.is_ejected(now, 1));
        let picks: Vec<u32> = (0..6).map(|_| b.pick(now)).collect();
        assert_eq!(picks, [0, 2, 3, 0, 2, 3]);
        for replica in [2, 3] {
            for _ in 0..5 {
                b.on_answer(now, replica, true);
            }
        }
        // Three of four ejected: below the 50% panic threshold, so all four are used.
        let picks: Vec<u32> = (0..4).map(|_| b.pick(now)).collect();
        assert_eq!(picks, [0, 1, 2, 3]);
    }
}
