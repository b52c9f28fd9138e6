//! Request criticality, and how a replica's queue sheds sheddable work first.
//!
//! Source: the Google SRE book, chapter 21 "Handling Overload", section "Criticality": every
//! request carries a criticality (`CRITICAL` or a sheddable level), set by the client and
//! propagated with every downstream call a job makes while serving it, and "when a customer
//! runs out of global quota, a backend task will only reject requests of a given criticality
//! if it's already rejecting all requests of all lower criticalities".
//!
//! faultline has two levels, `Critical` (the default) and `Sheddable`, and one rule on a
//! replica's queue (`shed_sheddable_above`, a fraction f of the queue's capacity c):
//!
//! - a sheddable arrival that finds no idle worker joins the queue only while fewer than
//!   `floor(f × c)` attempts wait (`sheddable_room`); otherwise it is turned away as overload
//!   (retryable), while a critical one may still take the rest of the queue;
//! - a critical arrival that finds the queue full displaces the most recently queued sheddable
//!   attempt (turned away as overload, retryable) and takes its place at the back.
//!
//! Sheddable work is thus always rejected before critical work, as the SRE book asks. Without
//! the rule (`None`) criticality is carried but changes nothing. The discipline, `max_wait` and
//! CoDel (`shedding`) treat both levels alike once queued.

use crate::config::Priority;
use sim_core::Probability;

/// What a service did with the attempts of one priority, counted after the warm-up.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PriorityCounts {
    /// Attempts of this priority that reached a replica's queue or workers (past its rate
    /// limit and any fast error).
    pub arrivals: u64,
    /// Attempts turned away by priority shedding: refused above the threshold, or displaced
    /// from a full queue by a critical arrival.
    pub shed: u64,
    /// Attempts turned away because their queue was full (no sheddable attempt to displace).
    pub rejected: u64,
}

/// A service's counts per priority.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PriorityResult {
    /// Critical attempts.
    pub critical: PriorityCounts,
    /// Sheddable attempts.
    pub sheddable: PriorityCounts,
}

impl Priority {
    /// The name used in scenario files and reports.
    pub fn name(self) -> &'static str {
        match self {
            Priority::Critical => "critical",
            Priority::Sheddable => "sheddable",
        }
    }
}

impl PriorityResult {
    /// The counts of `priority`.
    pub fn of(&mut self, priority: Priority) -> &mut PriorityCounts {
        match priority {
            Priority::Critical => &mut self.critical,
            Priority::Sheddable => &mut self.sheddable,
        }
    }
}

/// Queue places sheddable attempts may occupy in a queue of `capacity` under
/// `shed_sheddable_above = fraction`: `floor(fraction × capacity)`.
pub fn sheddable_room(fraction: Probability, capacity: u32) -> u32 {
    // The product is at most `capacity`, so it fits; `floor` is exact on f64.
    (fraction.get() * f64::from(capacity)).floor() as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fraction(f: f64) -> Probability {
        Probability::new(f).expect("a probability")
    }

    /// The threshold is a whole number of places: floor(f × c), so 0 keeps sheddable work out
    /// of the queue and 1 lets it fill it.
    #[test]
    fn sheddable_room_is_the_floor_of_the_fraction_of_capacity() {
        assert_eq!(sheddable_room(fraction(0.5), 100), 50);
        assert_eq!(sheddable_room(fraction(0.5), 7), 3);
        assert_eq!(sheddable_room(fraction(0.0), 100), 0);
        assert_eq!(sheddable_room(fraction(1.0), 100), 100);
        assert_eq!(sheddable_room(fraction(0.999), 10), 9);
    }

    /// The SRE book's default criticality is `CRITICAL`.
    #[test]
    fn critical_is_the_default() {
        assert_eq!(Priority::default(), Priority::Critical);
        assert_eq!(Priority::Sheddable.name(), "sheddable");
    }
}
