//! The minimal loop: the fastest deterministic M/M/1 we know how to write, the yardstick of
//! rows (d), (g) and (h).
//!
//! A `std::collections::BinaryHeap` of `Reverse<(time_ns, seq, event)>` (ties first-in first
//! out, as in the engine), a FIFO of arrival times, and exponential draws by the same ziggurat
//! as the engine (`sim_core::ziggurat`, Marsaglia & Tsang 2000 as in rand_distr) fed by
//! SplitMix64 (Steele, Lea & Flood 2014): one add and three multiply-xorshifts per 64 bits,
//! deterministic and portable, against ChaCha8's block function. It keeps nothing a simulator
//! needs (no trace hash, no limits, no cancellation, no names): whatever a whole run costs
//! beyond this loop per customer is the price of being a simulator. Row (a)'s baseline
//! (`Heap` with `sim_core::Stream`) is slower by the ChaCha8 draws; it shares the engine's
//! random numbers so that its results can be compared exactly, which this loop does not.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

/// SplitMix64: a 64-bit counter passed through a bijective mixer; fast and reproducible.
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator at `seed`.
    pub fn new(seed: u64) -> SplitMix64 {
        SplitMix64(seed)
    }
}

impl sim_core::ziggurat::Source for SplitMix64 {
    #[inline]
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    #[inline]
    fn unit(&mut self) -> f64 {
        // The top 53 bits as a fraction of 2^53: [0, 1).
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    #[inline]
    fn unit_open_zero(&mut self) -> f64 {
        // (0, 1]: one minus a draw from [0, 1).
        1.0 - self.unit()
    }
}

/// The two events of an M/M/1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Event {
    Arrival,
    Departure,
}

/// What one run of the loop measured: enough to check it and to keep the optimizer honest.
pub struct Outcome {
    /// Customers served.
    pub served: u64,
    /// Sum of their waits in the queue, in nanoseconds.
    pub wait_total_nanos: u64,
}

/// Runs an M/M/1 of `customers` customers with the given mean gap and service time (ns).
pub fn mm1(customers: u64, gap_mean_nanos: f64, service_mean_nanos: f64, seed: u64) -> Outcome {
    use sim_core::ziggurat::exponential;
    let mut arrivals = SplitMix64::new(seed);
    let mut service = SplitMix64::new(seed ^ 0x5851_f42d_4c95_7f2d);
    let mut heap = BinaryHeap::new();
    let mut seq = 0u64;
    let mut push = |heap: &mut BinaryHeap<Reverse<(u64, u64, Event)>>, at: u64, e: Event| {
        heap.push(Reverse((at, seq, e)));
        seq += 1;
    };
    push(&mut heap, 0, Event::Arrival);
    let mut arrivals_left = customers - 1;
    let mut waiting: VecDeque<u64> = VecDeque::new();
    let mut busy = false;
    let mut outcome = Outcome {
        served: 0,
        wait_total_nanos: 0,
    };
    while let Some(Reverse((now, _, event))) = heap.pop() {
        match event {
            Event::Arrival => {
                if arrivals_left > 0 {
                    arrivals_left -= 1;
                    let gap = (exponential(&mut arrivals) * gap_mean_nanos) as u64;
                    push(&mut heap, now + gap, Event::Arrival);
                }
                if busy {
                    waiting.push_back(now);
                } else {
                    busy = true;
                    let work = (exponential(&mut service) * service_mean_nanos) as u64;
                    push(&mut heap, now + work, Event::Departure);
                }
            }
            Event::Departure => {
                outcome.served += 1;
                if let Some(arrived) = waiting.pop_front() {
                    outcome.wait_total_nanos += now - arrived;
                    let work = (exponential(&mut service) * service_mean_nanos) as u64;
                    push(&mut heap, now + work, Event::Departure);
                } else {
                    busy = false;
                }
            }
        }
    }
    outcome
}

/// Runs the minimal loop on row (a)'s M/M/1 (2M customers, ρ = 0.9) and checks it is one.
pub fn row_a() -> Outcome {
    let outcome = mm1(
        super::mm1::CUSTOMERS,
        super::mm1::INTERARRIVAL_MEAN_NANOS,
        super::mm1::SERVICE_MEAN_NANOS,
        super::SEED,
    );
    assert_eq!(outcome.served, super::mm1::CUSTOMERS);
    // Theory: Wq = ρ/(μ-λ) = 9 ms; a loose check that the loop is an M/M/1 at all.
    let wait_mean_ms = outcome.wait_total_nanos as f64 / super::mm1::CUSTOMERS as f64 / 1e6;
    assert!(
        (6.0..12.0).contains(&wait_mean_ms),
        "minimal loop: mean wait {wait_mean_ms} ms, theory 9 ms"
    );
    outcome
}
