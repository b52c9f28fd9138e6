//! The network between nodes: one-way latency, loss, duplication and fault rules per message.
//!
//! sim-core knows only `NodeId`s (dense indexes). The `models` crate maps clients and service
//! replicas to node ids, calls `Network::send` when a message leaves a node, and schedules what
//! the returned `Delivery` says: one arrival, two arrivals, nothing, or a fast error back at the
//! sender.
//!
//! # Configuration
//!
//! `NetworkConfig` holds the defaults for every pair of nodes (a latency distribution, a loss
//! probability, a duplication probability) and an ordered list of `LinkConfig` overrides. For a
//! message from `s` to `r`, the first link (in list order) whose `from` contains `s` and whose
//! `to` contains `r` supplies each field it sets; every field it leaves `None` falls back to
//! the default, never to a later link. Links are directed: a slow A→B link says nothing of B→A.
//!
//! # Evaluation order
//!
//! For each message (see `fault` for the rules themselves):
//! 1. the fault rules in list order, where the first verdict that is not `Pass` wins:
//!    `Drop` gives `Delivery::Drop`, `Refuse` gives `Delivery::Refuse(latency)` and ends there;
//!    `Delay(d)` adds `d` to the latency and carries on;
//! 2. loss: the message is dropped with the link's loss probability;
//! 3. duplication: with the link's duplication probability, it arrives twice;
//! 4. otherwise it arrives once, after the sampled latency (plus any rule delay).
//!
//! A refusal travels back to the sender, so `Refuse` carries the sampled one-way latency (with
//! no rule delay, since the first verdict that is not `Pass` was the refusal). The two copies
//! of a duplicate have independent latencies and either may arrive first; both carry the rule
//! delay. Loss and duplication still apply to a delayed message.
//!
//! # Draw discipline (common random numbers)
//!
//! Every `send`, whatever its outcome, draws exactly this, in this order:
//! 1. one latency sample from the link's distribution, on stream `network/latency`;
//! 2. one uniform in `[0, 1)` on stream `network/loss` (ordinary loss uses its bottom, `Loss`
//!    rules its top: see `fault`);
//! 3. one uniform in `[0, 1)` on stream `network/duplicate`;
//! 4. only if that uniform says "duplicate" (below the link's duplication probability), one
//!    more latency sample on stream `network/duplicate_latency`, for the second copy. It is
//!    drawn even when a rule or loss then drops the message, so that it depends on nothing a
//!    fault schedule changes.
//!
//! Rules draw nothing. So turning a partition, a refusal, a delay or extra loss on or off never
//! shifts the latency, loss or duplication draw of any other message: two runs that differ only
//! in their fault rules give every message the rules do not touch exactly the same fate. The
//! discipline is per distribution: changing a link's latency distribution to one of another
//! kind (a constant draws nothing, a mixture draws an extra uniform) shifts later draws.
//!
//! # What this module does not do
//!
//! No bandwidth, queueing or ordering: each message is independent, so two messages on one
//! link may arrive out of order. No connections: `Refuse` is a rule's verdict, not state. No
//! loopback special case: a message from a node to itself is a message like any other, and the
//! models decide whether local calls go through the network at all. No knowledge of services.

use crate::active::Active;
use crate::distribution::Distribution;
use crate::fault::{Rule, RuleAction, Verdict};
pub use crate::node::{NodeId, NodeSet};
use crate::rng::{Probability, Stream};
use crate::time::{SimDuration, SimTime};

/// A per-pair override of the network defaults; `None` fields fall back to the defaults.
#[derive(Clone, Debug, PartialEq)]
pub struct LinkConfig {
    /// The senders this link covers.
    pub from: NodeSet,
    /// The receivers this link covers.
    pub to: NodeSet,
    /// One-way latency on this link, if not the default.
    pub latency: Option<Distribution>,
    /// Loss probability on this link, if not the default.
    pub loss: Option<Probability>,
    /// Duplication probability on this link, if not the default.
    pub duplicate: Option<Probability>,
}

/// The network's defaults and per-pair overrides (no `Default`: see `NetworkConfig::reliable`).
#[derive(Clone, Debug, PartialEq)]
pub struct NetworkConfig {
    /// One-way latency of every message not covered by a link's override.
    pub latency: Distribution,
    /// Probability that a message vanishes.
    pub loss: Probability,
    /// Probability that a message (not lost) arrives twice.
    pub duplicate: Probability,
    /// Overrides for particular pairs, first match wins (module doc).
    pub links: Vec<LinkConfig>,
}

/// What happens to one message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// The message arrives after this delay.
    Deliver(SimDuration),
    /// Two copies arrive, after these delays (either may be the shorter).
    Duplicate(SimDuration, SimDuration),
    /// The message vanishes: the sender learns nothing.
    Drop,
    /// The sender gets an error (connection refused) after this delay.
    Refuse(SimDuration),
}

/// The network: decides each message's fate from its config, its fault rules and its streams.
#[derive(Clone, Debug)]
pub struct Network {
    config: NetworkConfig,
    rules: Vec<Rule>,
    /// The rules active at the latest send (`Active`), so a send checks only those: with
    /// many faults a run would otherwise pay for every rule on every message.
    active: Active,
    /// Some loss setting or rule can drop a message, so the loss stream is drawn.
    loss_possible: bool,
    /// Some duplication setting is positive, so the duplicate stream is drawn.
    duplicate_possible: bool,
    /// No links and no rules either: every send is one latency draw (the same draw the full
    /// path would make first, so the fast path changes no result).
    plain: bool,
    /// The latency of every send when the network is plain and its latency is a constant,
    /// which draws nothing: the whole of `send`, inlined.
    plain_constant: Option<SimDuration>,
    /// Every link's latency is a constant, so the delays of messages repeat (`delays_repeat`).
    latency_constant: bool,
    latency: Stream,
    loss: Stream,
    duplicate: Stream,
    duplicate_latency: Stream,
    /// The latest `now` seen by `send`, to assert that sends come in time order.
    sent_last: SimTime,
}

impl NetworkConfig {
    /// Every message takes `latency`; nothing is lost or duplicated; no per-link overrides.
    pub fn reliable(latency: Distribution) -> NetworkConfig {
        NetworkConfig {
            latency,
            loss: Probability::ZERO,
            duplicate: Probability::ZERO,
            links: Vec::new(),
        }
    }
}

impl Network {
    /// A network with these defaults and overrides, fault rules (in order) and master seed.
    ///
    /// Panics if a rule fails `Rule::validate`: rules from user input are validated first.
    ///
    /// ```
    /// use sim_core::{Delivery, Distribution, Network, NetworkConfig, NodeId, NodeSet, Rule};
    /// use sim_core::{RuleAction, SimDuration, SimTime};
    /// let config = NetworkConfig::reliable(Distribution::Constant(SimDuration::from_millis(1)));
    /// let (a, b) = (NodeSet::one(NodeId(0)), NodeSet::one(NodeId(1)));
    /// let heal = SimTime::from_nanos(5_000_000_000);
    /// let rules = Rule::partition(&a, &b, SimTime::ZERO, heal, RuleAction::BlackHole, true);
    /// let mut network = Network::new(config, rules, 42);
    /// assert_eq!(network.send(NodeId(0), NodeId(1), SimTime::ZERO), Delivery::Drop);
    /// let back = Delivery::Deliver(SimDuration::from_millis(1));
    /// assert_eq!(network.send(NodeId(1), NodeId(0), SimTime::ZERO), back);
    /// assert!(matches!(network.send(NodeId(0), NodeId(1), heal), Delivery::Deliver(_)));
    /// ```
    pub fn new(config: NetworkConfig, rules: Vec<Rule>, seed: u64) -> Network {
        for (index, rule) in rules.iter().enumerate() {
            if let Err(error) = rule.validate() {
                panic!("fault rule {index} is invalid ({error}); validate rules before use");
            }
        }
        let loss_possible = config.loss.get() > 0.0
            || config
                .links
                .iter()
                .any(|l| l.loss.is_some_and(|p| p.get() > 0.0))
            || rules
                .iter()
                .any(|r| matches!(r.action, RuleAction::Loss(_)));
        let duplicate_possible = config.duplicate.get() > 0.0
            || config
                .links
                .iter()
                .any(|l| l.duplicate.is_some_and(|p| p.get() > 0.0));
        let plain =
            !loss_possible && !duplicate_possible && config.links.is_empty() && rules.is_empty();
        let plain_constant = match config.latency {
            Distribution::Constant(latency) if plain => Some(latency),
            _ => None,
        };
        let constant = |d: &Distribution| matches!(d, Distribution::Constant(_));
        let latency_constant = constant(&config.latency)
            && config
                .links
                .iter()
                .all(|l| l.latency.as_ref().is_none_or(constant));
        let active = Active::new(rules.iter().map(|r| (r.start, r.end)).collect());
        Network {
            config,
            rules,
            active,
            loss_possible,
            duplicate_possible,
            plain,
            plain_constant,
            latency_constant,
            latency: Stream::new(seed, "network/latency"),
            loss: Stream::new(seed, "network/loss"),
            duplicate: Stream::new(seed, "network/duplicate"),
            duplicate_latency: Stream::new(seed, "network/duplicate_latency"),
            sent_last: SimTime::ZERO,
        }
    }

    /// True when every link's latency is a constant, so that the delays of its messages repeat
    /// (a fault rule's extra delay aside): the hint `Context::schedule_in_or_next` takes.
    pub fn delays_repeat(&self) -> bool {
        self.latency_constant
    }

    /// The fate of a message leaving `from` for `to` at `now` (module doc: order and draws).
    ///
    /// Calls must come in time order (`now` never decreases), as they do from an event loop.
    #[inline]
    pub fn send(&mut self, from: NodeId, to: NodeId, now: SimTime) -> Delivery {
        assert!(
            now >= self.sent_last,
            "network sends come in time order: {now} is before the previous send at {}",
            self.sent_last
        );
        self.sent_last = now;
        // Only this is inlined: a plain network's constant latency, the common zero above all.
        if let Some(latency) = self.plain_constant {
            return Delivery::Deliver(latency);
        }
        self.send_general(from, to, now)
    }

    /// Whether a rule cuts every message from `from` to `to` at `now` (a partition, an
    /// isolation, a refusal, or a flapping link while it is down), whatever the latency and
    /// loss draws: a read-only question that draws nothing and sends nothing, for components
    /// that ask whether two nodes can talk at all (a quorum's coordinator and its replicas).
    /// Random loss and added delay do not cut a link.
    pub fn cut(&self, from: NodeId, to: NodeId, now: SimTime) -> bool {
        self.rules.iter().any(|rule| {
            !matches!(rule.action, RuleAction::Loss(_) | RuleAction::Delay(_))
                && matches!(
                    rule.verdict(from, to, now, 0.0),
                    Verdict::Drop | Verdict::Refuse
                )
        })
    }

    /// `send` for every network but a plain one with a constant latency.
    #[inline(never)]
    fn send_general(&mut self, from: NodeId, to: NodeId, now: SimTime) -> Delivery {
        if self.plain {
            // No links, rules, loss or duplication: only the latency draw remains.
            return Delivery::Deliver(self.config.latency.sample(&mut self.latency));
        }
        let link = self
            .config
            .links
            .iter()
            .find(|link| link.from.contains(from) && link.to.contains(to));
        let distribution = link
            .and_then(|link| link.latency.as_ref())
            .unwrap_or(&self.config.latency);
        let loss = link.and_then(|link| link.loss).unwrap_or(self.config.loss);
        let duplicate = link
            .and_then(|link| link.duplicate)
            .unwrap_or(self.config.duplicate);

        // Every draw happens before any decision, so no outcome changes what is drawn. A stream
        // that cannot matter in this network (no loss, or no duplication, anywhere) is not
        // drawn at all: it has no other user, so skipping it shifts nothing else.
        let latency = distribution.sample(&mut self.latency);
        let loss_uniform = if self.loss_possible {
            self.loss.unit()
        } else {
            0.0
        };
        let duplicate_uniform = if self.duplicate_possible {
            self.duplicate.unit()
        } else {
            0.0
        };
        let duplicated = duplicate_uniform < duplicate.get();
        let latency_second = duplicated.then(|| distribution.sample(&mut self.duplicate_latency));

        // Rules outside their window pass; the active ones, in list order, decide as before.
        let rules = &self.rules;
        let verdict = self
            .active
            .at(now)
            .iter()
            .map(|&index| rules[index as usize].verdict(from, to, now, loss_uniform))
            .find(|verdict| *verdict != Verdict::Pass)
            .unwrap_or(Verdict::Pass);
        let delay = match verdict {
            Verdict::Pass => SimDuration::ZERO,
            Verdict::Delay(delay) => delay,
            Verdict::Drop => return Delivery::Drop,
            Verdict::Refuse => return Delivery::Refuse(latency),
        };
        if loss_uniform < loss.get() {
            return Delivery::Drop;
        }
        let first = latency.saturating_add(delay);
        match latency_second {
            Some(second) => Delivery::Duplicate(first, second.saturating_add(delay)),
            None => Delivery::Deliver(first),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    //! Helpers here are shared with the `fault` tests, which drive rules through `send`.

    use super::*;
    use crate::distribution::MixtureArm;
    use crate::fault::RuleAction;
    use proptest::prelude::*;

    pub(crate) const MS: u64 = 1_000_000;

    pub(crate) fn t(millis: u64) -> SimTime {
        SimTime::from_nanos(millis * MS)
    }

    pub(crate) fn ms(millis: u64) -> SimDuration {
        SimDuration::from_millis(millis)
    }

    pub(crate) fn set(ids: &[u32]) -> NodeSet {
        ids.iter().copied().map(NodeId).collect()
    }

    pub(crate) fn p(x: f64) -> Probability {
        Probability::new(x).expect("test probabilities lie in 0..=1")
    }

    /// A reliable network whose latencies differ message by message, so that a shifted draw shows.
    pub(crate) fn jittery() -> NetworkConfig {
        NetworkConfig::reliable(Distribution::uniform(ms(1), ms(9)).expect("1ms <= 9ms"))
    }

    pub(crate) fn constant(millis: u64) -> NetworkConfig {
        NetworkConfig::reliable(Distribution::Constant(ms(millis)))
    }

    /// Sends for comparing twin networks: 10 µs apart, pairs among `0..nodes` from a test stream.
    pub(crate) fn twin_sends(count: usize, nodes: u64) -> Vec<(NodeId, NodeId, SimTime)> {
        let mut pairs = Stream::new(7, "test/pairs");
        (0..count as u64)
            .map(|i| {
                let from = NodeId(pairs.below(nodes) as u32);
                let to = NodeId(pairs.below(nodes) as u32);
                (from, to, SimTime::from_nanos(i * 10_000))
            })
            .collect()
    }

    pub(crate) fn run(network: &mut Network, sends: &[(NodeId, NodeId, SimTime)]) -> Vec<Delivery> {
        sends
            .iter()
            .map(|&(from, to, now)| network.send(from, to, now))
            .collect()
    }

    /// `cut` answers whether rules cut a pair now: a one-way partition cuts one direction
    /// within its window only, a flapping link only while down, and delay or loss never; it
    /// draws nothing, so the sends after it are the sends without it.
    #[test]
    fn cut_says_which_pairs_rules_cut_and_draws_nothing() {
        let one = |n: u32| set(&[n]);
        let mut rules =
            Rule::partition(&one(0), &one(1), t(10), t(20), RuleAction::BlackHole, true);
        rules.extend(Rule::partition(
            &one(2),
            &one(3),
            t(0),
            SimTime::MAX,
            RuleAction::Flap {
                period: ms(10),
                down: ms(4),
            },
            false,
        ));
        rules.extend(Rule::isolate(
            &one(4),
            t(0),
            SimTime::MAX,
            RuleAction::Delay(ms(5)),
        ));
        rules.extend(Rule::isolate(
            &one(5),
            t(0),
            SimTime::MAX,
            RuleAction::Loss(p(1.0)),
        ));
        let network = Network::new(jittery(), rules.clone(), 3);
        let (a, b) = (NodeId(0), NodeId(1));
        assert!(!network.cut(a, b, t(9)));
        assert!(network.cut(a, b, t(10)));
        assert!(!network.cut(b, a, t(10)), "one way only");
        assert!(!network.cut(a, b, t(20)), "healed at its end");
        assert!(
            network.cut(NodeId(2), NodeId(3), t(13)),
            "down at 3 ms into a cycle"
        );
        assert!(
            !network.cut(NodeId(3), NodeId(2), t(15)),
            "up at 5 ms into a cycle"
        );
        assert!(
            !network.cut(NodeId(4), NodeId(0), t(1)),
            "a delay does not cut"
        );
        assert!(
            !network.cut(NodeId(5), NodeId(0), t(1)),
            "random loss does not cut"
        );
        let (mut asked, mut plain) = (network.clone(), Network::new(jittery(), rules, 3));
        let _ = asked.cut(a, b, t(12));
        for (from, to, at) in twin_sends(50, 6) {
            assert_eq!(asked.send(from, to, at), plain.send(from, to, at));
        }
    }

    #[test]
    fn node_sets_contain_what_they_were_built_from() {
        let a = NodeSet::from_nodes([NodeId(5), NodeId(1), NodeId(5)]);
        assert_eq!(a, set(&[1, 5]));
        assert!(a.contains(NodeId(1)) && a.contains(NodeId(5)) && !a.contains(NodeId(2)));
        assert!(!a.complement().contains(NodeId(1)) && a.complement().contains(NodeId(2)));
        assert_eq!(a.complement().complement(), a);
        assert!(NodeSet::all().contains(NodeId(u32::MAX)));
        assert!(!NodeSet::empty().contains(NodeId(0)));
        assert_eq!(NodeSet::one(NodeId(3)), set(&[3]));
        assert!(a.is_disjoint(&set(&[2, 3])));
        assert!(!a.is_disjoint(&set(&[5])));
        assert!(a.is_disjoint(&a.complement()) && a.complement().is_disjoint(&a));
        assert!(!a.complement().is_disjoint(&set(&[2])));
        assert!(!NodeSet::all().is_disjoint(&a.complement()));
        assert!(NodeSet::empty().is_disjoint(&NodeSet::all()));
    }

    #[test]
    fn loss_of_a_tenth_drops_about_a_tenth() {
        let config = NetworkConfig {
            loss: p(0.1),
            ..jittery()
        };
        let mut network = Network::new(config, Vec::new(), 9);
        let n = 200_000;
        let dropped = (0..n)
            .filter(|_| network.send(NodeId(0), NodeId(1), t(0)) == Delivery::Drop)
            .count();
        // Binomial(200_000, 0.1): mean 20_000, sd sqrt(n p (1 - p)) = 134; allow five sd.
        assert!(dropped.abs_diff(20_000) < 5 * 134, "{dropped}");
    }

    #[test]
    fn duplicate_of_a_twentieth_duplicates_about_a_twentieth() {
        let config = NetworkConfig {
            duplicate: p(0.05),
            ..jittery()
        };
        let mut network = Network::new(config, Vec::new(), 10);
        let n = 200_000;
        let mut duplicated = 0usize;
        for _ in 0..n {
            match network.send(NodeId(0), NodeId(1), t(0)) {
                Delivery::Duplicate(first, second) => {
                    duplicated += 1;
                    assert!(ms(1) <= first && first <= ms(9));
                    assert!(ms(1) <= second && second <= ms(9));
                }
                Delivery::Deliver(_) => {}
                other => panic!("no loss or rules, yet {other:?}"),
            }
        }
        // Binomial(200_000, 0.05): mean 10_000, sd sqrt(n p (1 - p)) = 97.5; allow five sd.
        assert!(duplicated.abs_diff(10_000) < 5 * 98, "{duplicated}");
    }

    /// Only a network whose every latency is a constant promises repeating delays; a link
    /// that overrides the loss alone keeps the default's latency.
    #[test]
    fn delays_repeat_only_when_every_latency_is_constant() {
        let network = |config| Network::new(config, Vec::new(), 1);
        let uniform = Distribution::Uniform {
            low: ms(1),
            high: ms(2),
        };
        let link = |latency| LinkConfig {
            from: NodeSet::one(NodeId(0)),
            to: NodeSet::one(NodeId(1)),
            latency,
            loss: None,
            duplicate: None,
        };
        assert!(network(constant(1)).delays_repeat());
        assert!(!network(NetworkConfig::reliable(uniform.clone())).delays_repeat());
        let with = |latency| NetworkConfig {
            links: vec![link(latency)],
            ..constant(1)
        };
        assert!(network(with(None)).delays_repeat());
        assert!(network(with(Some(Distribution::Constant(ms(5))))).delays_repeat());
        assert!(!network(with(Some(uniform))).delays_repeat());
    }

    #[test]
    fn link_override_applies_only_to_its_pair() {
        let link = |from: u32, to: u32, latency, loss| LinkConfig {
            from: NodeSet::one(NodeId(from)),
            to: NodeSet::one(NodeId(to)),
            latency,
            loss,
            duplicate: None,
        };
        let config = NetworkConfig {
            links: vec![
                link(0, 1, Some(Distribution::Constant(ms(10))), None),
                link(0, 2, None, Some(Probability::ONE)),
            ],
            ..constant(1)
        };
        let mut network = Network::new(config, Vec::new(), 12);
        let default = Delivery::Deliver(ms(1));
        for (from, to, want) in [
            (0, 1, Delivery::Deliver(ms(10))),
            (1, 0, default),
            (0, 2, Delivery::Drop),
            (2, 0, default),
            (1, 2, default),
            (2, 1, default),
            (0, 0, default),
        ] {
            assert_eq!(
                network.send(NodeId(from), NodeId(to), t(0)),
                want,
                "{from} → {to}"
            );
        }
    }

    #[test]
    fn first_matching_link_supplies_its_fields_and_defaults_fill_the_rest() {
        let config = NetworkConfig {
            links: vec![
                LinkConfig {
                    from: NodeSet::all(),
                    to: set(&[1]),
                    latency: Some(Distribution::Constant(ms(10))),
                    loss: None,
                    duplicate: None,
                },
                LinkConfig {
                    from: set(&[0]),
                    to: set(&[1]),
                    latency: Some(Distribution::Constant(ms(20))),
                    loss: Some(Probability::ONE),
                    duplicate: None,
                },
            ],
            ..constant(1)
        };
        let mut network = Network::new(config, Vec::new(), 13);
        // The first link matches; its unset loss is the default (0), not the second link's 1.
        assert_eq!(
            network.send(NodeId(0), NodeId(1), t(0)),
            Delivery::Deliver(ms(10))
        );
    }

    #[test]
    fn partition_leaves_every_other_latency_unchanged() {
        // The brief's common-random-numbers check in its plainest form: one partition, two runs.
        let rules = Rule::partition(
            &set(&[0]),
            &set(&[1]),
            t(100),
            t(300),
            RuleAction::BlackHole,
            false,
        );
        let sends = twin_sends(50_000, 3);
        let ruled = run(&mut Network::new(jittery(), rules.clone(), 14), &sends);
        let plain = run(&mut Network::new(jittery(), Vec::new(), 14), &sends);
        let mut touched = 0;
        for ((&(from, to, now), got), base) in sends.iter().zip(&ruled).zip(&plain) {
            if rules.iter().any(|rule| rule.covers(from, to, now)) {
                touched += 1;
                assert_eq!(*got, Delivery::Drop);
            } else {
                assert_eq!(got, base, "message {from:?} → {to:?} at {now}");
            }
        }
        assert!(touched > 1_000, "{touched}");
    }

    #[test]
    fn fault_rules_never_shift_the_draws_of_untouched_messages() {
        // A noisy network (loss, duplication, a per-link override) and every kind of rule.
        let cross_zone = Distribution::Exponential { mean: ms(4) };
        let config = NetworkConfig {
            latency: Distribution::lognormal_p50_p99(ms(1), ms(5)).expect("p50 <= p99"),
            loss: p(0.05),
            duplicate: p(0.05),
            links: vec![LinkConfig {
                from: set(&[0, 1, 2]),
                to: set(&[3, 4, 5, 6]),
                latency: Some(cross_zone),
                loss: None,
                duplicate: Some(p(0.2)),
            }],
        };
        let mut rules = Rule::partition(
            &set(&[0, 1]),
            &set(&[2, 3]),
            t(100),
            t(300),
            RuleAction::BlackHole,
            false,
        );
        rules.extend(Rule::isolate(
            &set(&[4]),
            t(200),
            t(400),
            RuleAction::Refuse,
        ));
        rules.push(Rule {
            from: set(&[5]),
            to: NodeSet::all(),
            start: SimTime::ZERO,
            end: t(450),
            action: RuleAction::Delay(ms(5)),
        });
        rules.push(Rule {
            from: set(&[1]),
            to: set(&[0]),
            start: t(50),
            end: t(500),
            action: RuleAction::Flap {
                period: ms(20),
                down: ms(7),
            },
        });
        rules.push(Rule {
            from: set(&[6]),
            to: NodeSet::all(),
            start: SimTime::ZERO,
            end: SimTime::MAX,
            action: RuleAction::Loss(p(0.3)),
        });
        let sends = twin_sends(60_000, 7);
        let ruled = run(&mut Network::new(config.clone(), rules.clone(), 15), &sends);
        let plain = run(&mut Network::new(config, Vec::new(), 15), &sends);

        // An oracle that replays the documented order against the rule-free run.
        let mut untouched = 0;
        let mut kinds = [0usize; 4];
        for ((&(from, to, now), got), base) in sends.iter().zip(&ruled).zip(&plain) {
            let mut verdict = Verdict::Pass;
            for rule in &rules {
                if let RuleAction::Loss(_) = rule.action {
                    // Its verdict reads the loss uniform: it may drop, or pass to the next rule.
                    if rule.covers(from, to, now) && *got == Delivery::Drop {
                        verdict = Verdict::Drop;
                        break;
                    }
                    continue;
                }
                // Other actions ignore the uniform, so any value gives their verdict.
                verdict = rule.verdict(from, to, now, 0.0);
                if verdict != Verdict::Pass {
                    break;
                }
            }
            let want = match (verdict, *base) {
                (Verdict::Pass, base) => {
                    untouched += 1;
                    base
                }
                (Verdict::Drop, _) => {
                    kinds[0] += 1;
                    Delivery::Drop
                }
                (Verdict::Refuse, Delivery::Deliver(l) | Delivery::Duplicate(l, _)) => {
                    kinds[1] += 1;
                    Delivery::Refuse(l)
                }
                // Ordinary loss hid the latency; only the kind of answer can be checked.
                (Verdict::Refuse, Delivery::Drop) => {
                    assert!(matches!(got, Delivery::Refuse(_)));
                    continue;
                }
                (Verdict::Delay(d), Delivery::Deliver(l)) => {
                    kinds[2] += 1;
                    Delivery::Deliver(l.saturating_add(d))
                }
                (Verdict::Delay(d), Delivery::Duplicate(a, b)) => {
                    kinds[3] += 1;
                    Delivery::Duplicate(a.saturating_add(d), b.saturating_add(d))
                }
                (Verdict::Delay(_), Delivery::Drop) => Delivery::Drop,
                (_, Delivery::Refuse(_)) => panic!("no rules, yet a refusal"),
            };
            assert_eq!(*got, want, "message {from:?} → {to:?} at {now}");
        }
        assert!(untouched > 30_000, "{untouched}");
        assert!(kinds.iter().all(|&k| k > 20), "{kinds:?}");
    }

    #[test]
    fn duplication_never_shifts_first_copy_latencies() {
        let config = |duplicate| NetworkConfig {
            duplicate: p(duplicate),
            ..jittery()
        };
        let sends = twin_sends(10_000, 3);
        let doubled = run(&mut Network::new(config(0.5), Vec::new(), 16), &sends);
        let single = run(&mut Network::new(config(0.0), Vec::new(), 16), &sends);
        for (got, base) in doubled.iter().zip(&single) {
            match (*got, *base) {
                (Delivery::Deliver(a), Delivery::Deliver(b)) => assert_eq!(a, b),
                (Delivery::Duplicate(a, _), Delivery::Deliver(b)) => assert_eq!(a, b),
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn network_draws_are_pinned() {
        // Pins the documented streams and order: draw by hand what `send` must draw.
        let config = NetworkConfig {
            loss: p(0.3),
            duplicate: p(0.3),
            ..jittery()
        };
        let mut network = Network::new(config.clone(), Vec::new(), 17);
        let mut latency = Stream::new(17, "network/latency");
        let mut loss = Stream::new(17, "network/loss");
        let mut duplicate = Stream::new(17, "network/duplicate");
        let mut duplicate_latency = Stream::new(17, "network/duplicate_latency");
        for i in 0..1_000 {
            let first = config.latency.sample(&mut latency);
            let lost = loss.unit() < 0.3;
            let second =
                (duplicate.unit() < 0.3).then(|| config.latency.sample(&mut duplicate_latency));
            let want = match (lost, second) {
                (true, _) => Delivery::Drop,
                (false, Some(second)) => Delivery::Duplicate(first, second),
                (false, None) => Delivery::Deliver(first),
            };
            assert_eq!(network.send(NodeId(0), NodeId(1), t(i)), want);
        }
    }

    #[test]
    fn invalid_rules_are_refused_by_validate() {
        // `Network::new` panics on these; callers check them first with `Rule::validate`.
        let rule = Rule {
            from: NodeSet::all(),
            to: NodeSet::all(),
            start: t(2),
            end: t(1),
            action: RuleAction::BlackHole,
        };
        assert!(rule.validate().is_err());
        let result = std::panic::catch_unwind(|| Network::new(constant(1), vec![rule], 18));
        assert!(result.is_err());
    }

    fn node_set() -> impl Strategy<Value = NodeSet> {
        prop_oneof![
            Just(NodeSet::all()),
            proptest::collection::vec(0u32..6, 0..4).prop_map(|ids| set(&ids)),
            proptest::collection::vec(0u32..6, 0..3).prop_map(|ids| set(&ids).complement()),
        ]
    }

    fn action() -> impl Strategy<Value = RuleAction> {
        prop_oneof![
            Just(RuleAction::BlackHole),
            Just(RuleAction::Refuse),
            (0..50 * MS).prop_map(|d| RuleAction::Delay(SimDuration::from_nanos(d))),
            (1..100 * MS, 0.0..=1.0f64).prop_map(|(period, share)| RuleAction::Flap {
                period: SimDuration::from_nanos(period),
                down: SimDuration::from_nanos((period as f64 * share) as u64),
            }),
            (0.0..=1.0f64).prop_map(|x| RuleAction::Loss(p(x))),
        ]
    }

    fn rule() -> impl Strategy<Value = Rule> {
        (
            node_set(),
            node_set(),
            0..1_000 * MS,
            0..1_000 * MS,
            action(),
        )
            .prop_map(|(from, to, start, length, action)| Rule {
                from,
                to,
                start: SimTime::from_nanos(start),
                end: SimTime::from_nanos(start + length),
                action,
            })
    }

    fn latency() -> impl Strategy<Value = Distribution> {
        prop_oneof![
            (0..10 * MS).prop_map(|d| Distribution::Constant(SimDuration::from_nanos(d))),
            (0..5 * MS, 0..5 * MS).prop_map(|(low, span)| Distribution::Uniform {
                low: SimDuration::from_nanos(low),
                high: SimDuration::from_nanos(low + span),
            }),
            (1..5 * MS).prop_map(|mean| Distribution::Exponential {
                mean: SimDuration::from_nanos(mean)
            }),
            Just(Distribution::Mixture(vec![
                MixtureArm {
                    weight: 0.9,
                    distribution: Distribution::Constant(ms(1)),
                },
                MixtureArm {
                    weight: 0.1,
                    distribution: Distribution::Constant(ms(100)),
                },
            ])),
        ]
    }

    fn config() -> impl Strategy<Value = NetworkConfig> {
        let link = (
            node_set(),
            node_set(),
            proptest::option::of(latency()),
            0.0..0.5f64,
        )
            .prop_map(|(from, to, latency, loss)| LinkConfig {
                from,
                to,
                latency,
                loss: Some(p(loss)),
                duplicate: None,
            });
        (
            latency(),
            0.0..0.5f64,
            0.0..0.5f64,
            proptest::collection::vec(link, 0..3),
        )
            .prop_map(|(latency, loss, duplicate, links)| NetworkConfig {
                latency,
                loss: p(loss),
                duplicate: p(duplicate),
                links,
            })
    }

    fn sends() -> impl Strategy<Value = Vec<(NodeId, NodeId, SimTime)>> {
        proptest::collection::vec((0u32..6, 0u32..6, 0..20 * MS), 1..300).prop_map(|steps| {
            let mut now = 0;
            steps
                .into_iter()
                .map(|(from, to, gap)| {
                    now += gap;
                    (NodeId(from), NodeId(to), SimTime::from_nanos(now))
                })
                .collect()
        })
    }

    proptest! {
        /// The same seed gives the same deliveries; rules only ever add drops, refusals and
        /// delay to what the rule-free network does with the same draws.
        #[test]
        fn same_seed_same_deliveries_and_rules_only_add_faults(
            config in config(),
            rules in proptest::collection::vec(rule(), 0..6),
            sends in sends(),
            seed in any::<u64>(),
        ) {
            let first = run(&mut Network::new(config.clone(), rules.clone(), seed), &sends);
            let again = run(&mut Network::new(config.clone(), rules, seed), &sends);
            prop_assert_eq!(&first, &again);
            let plain = run(&mut Network::new(config, Vec::new(), seed), &sends);
            for (got, base) in first.iter().zip(&plain) {
                match (*got, *base) {
                    (Delivery::Drop, _) => {}
                    (Delivery::Refuse(l), Delivery::Deliver(b) | Delivery::Duplicate(b, _)) => {
                        prop_assert_eq!(l, b);
                    }
                    (Delivery::Refuse(_), Delivery::Drop) => {}
                    (Delivery::Deliver(a), Delivery::Deliver(b)) => prop_assert!(a >= b),
                    (Delivery::Duplicate(a, c), Delivery::Duplicate(b, d)) => {
                        prop_assert!(a >= b);
                        prop_assert_eq!(a.saturating_sub(b), c.saturating_sub(d));
                    }
                    other => prop_assert!(false, "rules changed more than faults: {:?}", other),
                }
            }
        }
    }
}
