//! Network fault rules as data: partitions, refusals, added delay, flapping links, extra loss.
//!
//! A `Rule` names the senders (`from`), the receivers (`to`), a window of true time
//! `start <= now < end` and an action. A `Network` holds an ordered list of rules and asks
//! them about every message it sends.
//!
//! # Evaluation order
//!
//! For each message the network evaluates, in this order:
//! 1. **The rules, in list order.** Each rule returns a `Verdict`. A rule that does not cover
//!    the pair, or whose window does not contain `now`, returns `Pass`. The first verdict that
//!    is not `Pass` wins, and later rules are not consulted: `Drop` and `Refuse` end the
//!    evaluation there, `Delay(d)` adds `d` to the message's latency and carries on at step 2.
//! 2. **Loss** (the link's, or the network's default): a lost message is dropped.
//! 3. **Duplication**: a duplicated message arrives twice.
//! 4. **Plain delivery** after the sampled latency (plus any delay from step 1).
//!
//! So a `Delay` rule models a slow link, not a reliable one: loss and duplication still apply
//! to a delayed message, and both copies of a duplicate carry the added delay.
//!
//! # Shapes
//!
//! - A one-way partition from A to B is one `BlackHole` rule A→B; B→A still flows.
//! - A symmetric partition is two rules, A→B and B→A (`Rule::partition`).
//! - A partial partition (A reaches B, B reaches C, A cannot reach C) is rules between A and C
//!   only.
//! - Isolating a set of nodes cuts it off from every node outside it in both directions;
//!   nodes inside the set still reach each other (`Rule::isolate`).
//! - A flapping link (`Flap { period, down }`) is black-holed for the first `down` of every
//!   `period`, counted from the rule's `start`: down exactly during
//!   `[start + k·period, start + k·period + down)` for each `k`, within the window.
//!
//! # Extra loss shares the loss uniform
//!
//! Every send draws one uniform `u` in `[0, 1)` from the `network/loss` stream whatever
//! happens (see `network`). Ordinary loss drops the message when `u < loss`, the *bottom* of the
//! interval. A `Loss(p)` rule drops it when `u >= 1 - p`, the *top*. So during the window the
//! message is lost with probability `min(1, loss + p)`, and every message that ordinary loss
//! drops without the rule is still dropped with it: turning the rule on only adds drops, it
//! never reshuffles which messages ordinary loss takes. Two overlapping `Loss` rules do not
//! stack (they share the top of the interval, and the first to fire wins), so the larger `p`
//! counts.
//!
//! # What this module does not do
//!
//! Rules are static data: nothing here reacts to traffic, and nothing here draws randomness
//! (a `Loss` rule reads the uniform the network hands it). Node and process faults (crashes,
//! slowdowns, clock jumps) belong to the models and to `clock`; sim-core knows only `NodeId`s.

use crate::node::{NodeId, NodeSet};
use crate::rng::Probability;
use crate::time::{SimDuration, SimTime};

/// One network fault rule: `action` applies to messages from `from` to `to` sent in `start..end`.
#[derive(Clone, Debug, PartialEq)]
pub struct Rule {
    /// The senders the rule covers.
    pub from: NodeSet,
    /// The receivers the rule covers.
    pub to: NodeSet,
    /// The first instant at which the rule is active (inclusive).
    pub start: SimTime,
    /// The instant at which the rule heals (exclusive); `SimTime::MAX` for never.
    pub end: SimTime,
    /// What happens to a covered message.
    pub action: RuleAction,
}

/// What a rule does to a message it covers.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum RuleAction {
    /// The message vanishes; the sender learns nothing (a partition).
    BlackHole,
    /// The sender gets a fast error after one sampled one-way latency (connection refused).
    Refuse,
    /// The message takes this much longer than its sampled latency.
    Delay(SimDuration),
    /// The link is black-holed for the first `down` of every `period` counted from `start`.
    Flap {
        /// The length of one down-and-up cycle; must be above zero.
        period: SimDuration,
        /// How long the link is down at the start of each cycle; at most `period`.
        down: SimDuration,
    },
    /// Extra loss: drops the message when the loss uniform is at least `1 - p` (module doc).
    Loss(Probability),
}

/// A rule's answer for one message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The rule does not apply; ask the next rule.
    Pass,
    /// The message vanishes.
    Drop,
    /// The sender gets a fast error.
    Refuse,
    /// The message is delivered this much later (loss and duplication still apply).
    Delay(SimDuration),
}

/// Why a rule was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    /// Occurs when a rule's window ends before it starts.
    #[error("a fault window must not end ({end}) before it starts ({start})")]
    EndBeforeStart {
        /// Start as given.
        start: SimTime,
        /// End as given.
        end: SimTime,
    },
    /// Occurs when a flapping link has a zero period.
    #[error("a flapping link needs a period above zero")]
    FlapPeriodZero,
    /// Occurs when a flapping link is down for longer than its period.
    #[error("a flapping link cannot be down ({down}) for longer than its period ({period})")]
    FlapDownAbovePeriod {
        /// Down time as given.
        down: SimDuration,
        /// Period as given.
        period: SimDuration,
    },
}

impl Rule {
    /// Rules cutting `a` off from `b`: `a → b` only if `one_way`, else both directions.
    ///
    /// Panics if `a` and `b` share a node, since a node cannot be partitioned from itself;
    /// callers building rules from user input check `NodeSet::is_disjoint` first.
    ///
    /// ```
    /// use sim_core::{NodeId, NodeSet, Rule, RuleAction, SimTime};
    /// let (a, b) = (NodeSet::one(NodeId(0)), NodeSet::one(NodeId(1)));
    /// let start = SimTime::from_nanos(1_000);
    /// let rules = Rule::partition(&a, &b, start, SimTime::MAX, RuleAction::BlackHole, false);
    /// assert_eq!(rules.len(), 2);
    /// ```
    pub fn partition(
        a: &NodeSet,
        b: &NodeSet,
        start: SimTime,
        end: SimTime,
        action: RuleAction,
        one_way: bool,
    ) -> Vec<Rule> {
        assert!(
            a.is_disjoint(b),
            "the two sides of a partition must not share a node"
        );
        let forward = Rule {
            from: a.clone(),
            to: b.clone(),
            start,
            end,
            action,
        };
        if one_way {
            return vec![forward];
        }
        let backward = Rule {
            from: b.clone(),
            to: a.clone(),
            start,
            end,
            action,
        };
        vec![forward, backward]
    }

    /// Rules cutting `nodes` off from every other node, both ways; `nodes` still reach each other.
    pub fn isolate(nodes: &NodeSet, start: SimTime, end: SimTime, action: RuleAction) -> Vec<Rule> {
        Rule::partition(nodes, &nodes.complement(), start, end, action, false)
    }

    /// `Ok` if the window and the action make sense (see `RuleError`).
    pub fn validate(&self) -> Result<(), RuleError> {
        if self.end < self.start {
            return Err(RuleError::EndBeforeStart {
                start: self.start,
                end: self.end,
            });
        }
        if let RuleAction::Flap { period, down } = self.action {
            if period == SimDuration::ZERO {
                return Err(RuleError::FlapPeriodZero);
            }
            if down > period {
                return Err(RuleError::FlapDownAbovePeriod { down, period });
            }
        }
        Ok(())
    }

    /// Whether the rule covers a message from `from` to `to` sent at `now` (whatever its action).
    pub fn covers(&self, from: NodeId, to: NodeId, now: SimTime) -> bool {
        self.start <= now && now < self.end && self.from.contains(from) && self.to.contains(to)
    }

    /// This rule's verdict on a message; `loss_uniform` is the send's `network/loss` draw.
    pub fn verdict(&self, from: NodeId, to: NodeId, now: SimTime, loss_uniform: f64) -> Verdict {
        assert!(
            (0.0..1.0).contains(&loss_uniform),
            "the loss uniform lies in [0, 1)"
        );
        if !self.covers(from, to, now) {
            return Verdict::Pass;
        }
        match self.action {
            RuleAction::BlackHole => Verdict::Drop,
            RuleAction::Refuse => Verdict::Refuse,
            RuleAction::Delay(delay) => Verdict::Delay(delay),
            RuleAction::Flap { period, down } => {
                assert!(
                    period > SimDuration::ZERO,
                    "a flapping link's period is above zero (Rule::validate)"
                );
                let phase = now.since(self.start).as_nanos() % period.as_nanos();
                if phase < down.as_nanos() {
                    Verdict::Drop
                } else {
                    Verdict::Pass
                }
            }
            RuleAction::Loss(p) => {
                // The top of the interval, so that ordinary loss (the bottom) keeps its drops.
                if loss_uniform >= 1.0 - p.get() {
                    Verdict::Drop
                } else {
                    Verdict::Pass
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::tests::{constant, jittery, ms, p, run, set, t, twin_sends, MS};
    use crate::network::{Delivery, Network, NetworkConfig};

    fn rule(action: RuleAction, start: u64, end: u64) -> Rule {
        Rule {
            from: set(&[0]),
            to: set(&[1]),
            start: t(start),
            end: t(end),
            action,
        }
    }

    #[test]
    fn window_is_start_inclusive_end_exclusive() {
        let r = rule(RuleAction::BlackHole, 10, 20);
        let at = |nanos: u64| r.verdict(NodeId(0), NodeId(1), SimTime::from_nanos(nanos), 0.5);
        assert_eq!(at(10 * MS - 1), Verdict::Pass);
        assert_eq!(at(10 * MS), Verdict::Drop);
        assert_eq!(at(20 * MS - 1), Verdict::Drop);
        assert_eq!(at(20 * MS), Verdict::Pass);
        // The reverse direction is not covered.
        assert_eq!(r.verdict(NodeId(1), NodeId(0), t(15), 0.5), Verdict::Pass);
    }

    #[test]
    fn each_action_gives_its_verdict() {
        let v = |action| rule(action, 0, 10).verdict(NodeId(0), NodeId(1), t(5), 0.5);
        assert_eq!(v(RuleAction::BlackHole), Verdict::Drop);
        assert_eq!(v(RuleAction::Refuse), Verdict::Refuse);
        assert_eq!(v(RuleAction::Delay(ms(7))), Verdict::Delay(ms(7)));
    }

    #[test]
    fn flap_is_down_for_the_first_down_of_every_period() {
        // Period 100 ms, down 30 ms, from 1 s to 2 s: down in [1s + k·100ms, 1s + k·100ms + 30ms).
        let action = RuleAction::Flap {
            period: ms(100),
            down: ms(30),
        };
        let r = rule(action, 1_000, 2_000);
        let at = |nanos: u64| r.verdict(NodeId(0), NodeId(1), SimTime::from_nanos(nanos), 0.5);
        assert_eq!(at(1_000 * MS - 1), Verdict::Pass);
        for k in 0..10 {
            let cycle = (1_000 + 100 * k) * MS;
            assert_eq!(at(cycle), Verdict::Drop, "k = {k}");
            assert_eq!(at(cycle + 30 * MS - 1), Verdict::Drop, "k = {k}");
            assert_eq!(at(cycle + 30 * MS), Verdict::Pass, "k = {k}");
            assert_eq!(at(cycle + 100 * MS - 1), Verdict::Pass, "k = {k}");
        }
        // The window's end heals the link even where a new cycle would start.
        assert_eq!(at(2_000 * MS), Verdict::Pass);
    }

    #[test]
    fn flap_extremes_are_never_and_always_down() {
        let never = rule(
            RuleAction::Flap {
                period: ms(10),
                down: SimDuration::ZERO,
            },
            0,
            100,
        );
        let always = rule(
            RuleAction::Flap {
                period: ms(10),
                down: ms(10),
            },
            0,
            100,
        );
        for millis in 0..100 {
            let now = t(millis);
            assert_eq!(never.verdict(NodeId(0), NodeId(1), now, 0.5), Verdict::Pass);
            assert_eq!(
                always.verdict(NodeId(0), NodeId(1), now, 0.5),
                Verdict::Drop
            );
        }
    }

    #[test]
    fn loss_rule_drops_the_top_of_the_loss_uniform() {
        let r = rule(RuleAction::Loss(Probability::new(0.25).unwrap()), 0, 10);
        let v = |u: f64| r.verdict(NodeId(0), NodeId(1), t(5), u);
        assert_eq!(v(0.0), Verdict::Pass);
        assert_eq!(v(0.749), Verdict::Pass);
        assert_eq!(v(0.75), Verdict::Drop);
        assert_eq!(v(0.999), Verdict::Drop);
        let all = rule(RuleAction::Loss(Probability::ONE), 0, 10);
        assert_eq!(all.verdict(NodeId(0), NodeId(1), t(5), 0.0), Verdict::Drop);
        let none = rule(RuleAction::Loss(Probability::ZERO), 0, 10);
        let below_one = 1.0 - f64::EPSILON;
        assert_eq!(
            none.verdict(NodeId(0), NodeId(1), t(5), below_one),
            Verdict::Pass
        );
    }

    #[test]
    fn partition_builds_one_rule_per_direction() {
        let (a, b) = (set(&[0, 1]), set(&[2]));
        let one_way = Rule::partition(&a, &b, t(1), t(2), RuleAction::BlackHole, true);
        assert_eq!(one_way.len(), 1);
        assert_eq!((&one_way[0].from, &one_way[0].to), (&a, &b));
        let both = Rule::partition(&a, &b, t(1), t(2), RuleAction::Refuse, false);
        assert_eq!(both.len(), 2);
        assert_eq!((&both[1].from, &both[1].to), (&b, &a));
        assert!(both
            .iter()
            .all(|r| r.start == t(1) && r.end == t(2) && r.action == RuleAction::Refuse));
    }

    #[test]
    fn isolate_cuts_the_set_off_from_everyone_else_but_not_from_itself() {
        let rules = Rule::isolate(&set(&[3, 4]), t(0), t(10), RuleAction::BlackHole);
        let dropped = |from: u32, to: u32| {
            rules
                .iter()
                .any(|r| r.verdict(NodeId(from), NodeId(to), t(5), 0.5) == Verdict::Drop)
        };
        for other in [0, 1, 2, 5, 1_000] {
            assert!(dropped(other, 3) && dropped(3, other) && dropped(4, other));
        }
        assert!(!dropped(3, 4) && !dropped(4, 3) && !dropped(3, 3));
        assert!(!dropped(0, 1));
    }

    #[test]
    fn validate_refuses_bad_windows_and_flaps() {
        assert_eq!(rule(RuleAction::BlackHole, 5, 5).validate(), Ok(()));
        assert_eq!(
            rule(RuleAction::BlackHole, 6, 5).validate(),
            Err(RuleError::EndBeforeStart {
                start: t(6),
                end: t(5)
            })
        );
        let flap = |period, down| rule(RuleAction::Flap { period, down }, 0, 1).validate();
        assert_eq!(flap(ms(0), ms(0)), Err(RuleError::FlapPeriodZero));
        assert_eq!(
            flap(ms(10), ms(11)),
            Err(RuleError::FlapDownAbovePeriod {
                down: ms(11),
                period: ms(10)
            })
        );
        assert_eq!(flap(ms(10), ms(10)), Ok(()));
    }

    // The tests below check the rule shapes end to end, through `Network::send`.

    #[test]
    fn one_way_partition_drops_only_its_direction_inside_its_window() {
        let rules = Rule::partition(
            &set(&[0]),
            &set(&[1]),
            t(100),
            t(200),
            RuleAction::BlackHole,
            true,
        );
        let mut network = Network::new(constant(1), rules, 1);
        let up = Delivery::Deliver(ms(1));
        let cases = [
            (t(50), up),
            (SimTime::from_nanos(100 * MS - 1), up),
            (t(100), Delivery::Drop),
            (t(150), Delivery::Drop),
            (SimTime::from_nanos(200 * MS - 1), Delivery::Drop),
            (t(200), up),
            (t(250), up),
        ];
        for (now, forward) in cases {
            assert_eq!(
                network.send(NodeId(0), NodeId(1), now),
                forward,
                "0→1 at {now}"
            );
            assert_eq!(network.send(NodeId(1), NodeId(0), now), up, "1→0 at {now}");
        }
    }

    #[test]
    fn symmetric_partition_drops_both_directions() {
        let (a, b) = (set(&[0, 1]), set(&[2, 3]));
        let rules = Rule::partition(&a, &b, t(10), t(20), RuleAction::BlackHole, false);
        let mut network = Network::new(constant(1), rules, 2);
        for now in [t(10), t(15)] {
            for from in 0..4 {
                for to in 0..4 {
                    let crossing = (from < 2) != (to < 2);
                    let want = if crossing {
                        Delivery::Drop
                    } else {
                        Delivery::Deliver(ms(1))
                    };
                    assert_eq!(network.send(NodeId(from), NodeId(to), now), want);
                }
            }
        }
        for (from, to) in [(0, 2), (2, 0), (3, 1), (1, 3)] {
            let healed = network.send(NodeId(from), NodeId(to), t(20));
            assert_eq!(healed, Delivery::Deliver(ms(1)));
        }
    }

    #[test]
    fn first_non_pass_rule_wins() {
        let rule = |action| Rule {
            from: set(&[0]),
            to: set(&[1]),
            start: SimTime::ZERO,
            end: SimTime::MAX,
            action,
        };
        let delay_then_drop = vec![rule(RuleAction::Delay(ms(3))), rule(RuleAction::BlackHole)];
        let mut network = Network::new(constant(1), delay_then_drop, 6);
        assert_eq!(
            network.send(NodeId(0), NodeId(1), t(0)),
            Delivery::Deliver(ms(4))
        );
        let refuse_then_delay = vec![rule(RuleAction::Refuse), rule(RuleAction::Delay(ms(3)))];
        let mut network = Network::new(constant(1), refuse_then_delay, 6);
        assert_eq!(
            network.send(NodeId(0), NodeId(1), t(0)),
            Delivery::Refuse(ms(1))
        );
    }

    #[test]
    fn partial_partition_cuts_only_a_and_c() {
        let (a, b, c) = (NodeId(0), NodeId(1), NodeId(2));
        let rules = Rule::partition(
            &NodeSet::one(a),
            &NodeSet::one(c),
            SimTime::ZERO,
            SimTime::MAX,
            RuleAction::BlackHole,
            false,
        );
        let mut network = Network::new(constant(1), rules, 7);
        let up = Delivery::Deliver(ms(1));
        for (from, to, want) in [
            (a, b, up),
            (b, a, up),
            (b, c, up),
            (c, b, up),
            (a, c, Delivery::Drop),
            (c, a, Delivery::Drop),
        ] {
            assert_eq!(network.send(from, to, t(1)), want, "{from:?} → {to:?}");
        }
    }

    #[test]
    fn flapping_link_is_down_exactly_in_its_down_phases() {
        let rule = Rule {
            from: set(&[0]),
            to: set(&[1]),
            start: t(1_000),
            end: t(2_000),
            action: RuleAction::Flap {
                period: ms(100),
                down: ms(30),
            },
        };
        let mut network = Network::new(constant(1), vec![rule], 8);
        // Every 0.5 ms from 0.9 s to 2.1 s, against the formula written out cycle by cycle.
        for half_millis in 1_800..4_200u64 {
            let now = SimTime::from_nanos(half_millis * MS / 2);
            let down = (0..10).any(|k| {
                let cycle = t(1_000 + 100 * k);
                cycle <= now && now < cycle.add(ms(30))
            });
            let want = if down {
                Delivery::Drop
            } else {
                Delivery::Deliver(ms(1))
            };
            assert_eq!(network.send(NodeId(0), NodeId(1), now), want, "at {now}");
            let back = network.send(NodeId(1), NodeId(0), now);
            assert_eq!(back, Delivery::Deliver(ms(1)));
        }
    }

    #[test]
    fn refuse_carries_the_sampled_one_way_latency() {
        let rules = Rule::partition(
            &set(&[0]),
            &set(&[1]),
            SimTime::ZERO,
            SimTime::MAX,
            RuleAction::Refuse,
            false,
        );
        let sends = twin_sends(2_000, 3);
        let ruled = run(&mut Network::new(jittery(), rules, 3), &sends);
        let plain = run(&mut Network::new(jittery(), Vec::new(), 3), &sends);
        let mut refused = 0;
        for ((&(from, to, _), got), base) in sends.iter().zip(&ruled).zip(&plain) {
            let Delivery::Deliver(latency) = *base else {
                panic!("a reliable network delivers everything once: {base:?}");
            };
            if from != to && from.0 < 2 && to.0 < 2 {
                refused += 1;
                assert_eq!(*got, Delivery::Refuse(latency));
            } else {
                assert_eq!(got, base);
            }
        }
        // Two of the nine ordered pairs are refused: about 444 of 2_000.
        assert!(refused > 350, "{refused}");
    }

    #[test]
    fn delay_adds_exactly_to_the_sampled_latency() {
        let rule = Rule {
            from: set(&[0]),
            to: NodeSet::all(),
            start: SimTime::ZERO,
            end: SimTime::MAX,
            action: RuleAction::Delay(ms(25)),
        };
        let sends = twin_sends(2_000, 3);
        let ruled = run(&mut Network::new(jittery(), vec![rule], 4), &sends);
        let plain = run(&mut Network::new(jittery(), Vec::new(), 4), &sends);
        for ((&(from, _, _), got), base) in sends.iter().zip(&ruled).zip(&plain) {
            let Delivery::Deliver(latency) = *base else {
                panic!("a reliable network delivers everything once: {base:?}");
            };
            let added = if from == NodeId(0) { ms(25) } else { ms(0) };
            assert_eq!(*got, Delivery::Deliver(latency.saturating_add(added)));
        }
    }

    #[test]
    fn delay_still_lets_loss_and_duplication_apply() {
        let delay = || Rule {
            from: NodeSet::all(),
            to: NodeSet::all(),
            start: SimTime::ZERO,
            end: SimTime::MAX,
            action: RuleAction::Delay(ms(5)),
        };
        let lossy = NetworkConfig {
            loss: Probability::ONE,
            ..jittery()
        };
        let mut network = Network::new(lossy, vec![delay()], 5);
        assert_eq!(network.send(NodeId(0), NodeId(1), t(1)), Delivery::Drop);

        let doubling = NetworkConfig {
            duplicate: Probability::ONE,
            ..jittery()
        };
        let mut ruled = Network::new(doubling.clone(), vec![delay()], 5);
        let mut plain = Network::new(doubling, Vec::new(), 5);
        for i in 0..100 {
            let got = ruled.send(NodeId(0), NodeId(1), t(i));
            let Delivery::Duplicate(first, second) = plain.send(NodeId(0), NodeId(1), t(i)) else {
                panic!("duplication 1 duplicates everything");
            };
            let want =
                Delivery::Duplicate(first.saturating_add(ms(5)), second.saturating_add(ms(5)));
            assert_eq!(got, want);
        }
    }

    #[test]
    fn loss_rule_adds_to_ordinary_loss_and_keeps_its_drops() {
        let config = NetworkConfig {
            loss: p(0.1),
            ..jittery()
        };
        let rule = Rule {
            from: NodeSet::all(),
            to: NodeSet::all(),
            start: SimTime::ZERO,
            end: SimTime::MAX,
            action: RuleAction::Loss(p(0.2)),
        };
        let sends = twin_sends(200_000, 4);
        let ruled = run(&mut Network::new(config.clone(), vec![rule], 11), &sends);
        let plain = run(&mut Network::new(config, Vec::new(), 11), &sends);
        let mut dropped = 0usize;
        for (got, base) in ruled.iter().zip(&plain) {
            if *got == Delivery::Drop {
                dropped += 1;
            } else {
                assert_eq!(got, base, "a message the rule spares keeps its fate");
            }
            if *base == Delivery::Drop {
                assert_eq!(*got, Delivery::Drop, "the rule never saves a lost message");
            }
        }
        // Loss 0.1 + 0.2 = 0.3: mean 60_000, sd sqrt(n p (1 - p)) = 205; allow five sd.
        assert!(dropped.abs_diff(60_000) < 5 * 205, "{dropped}");
    }
}
