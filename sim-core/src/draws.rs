//! Random draws made ahead, a batch at a time, and handed out in order.
//!
//! A draw that is used at once sits on the critical path of the event that needs it: an
//! exponential's logarithm is a long chain of dependent floating-point operations, and the
//! time it produces goes straight into the push of the event it times. Drawing a batch at a
//! time lets the processor overlap the batch's independent chains with each other, and every
//! later draw is a load. The numbers are the same, in the same order, as drawing one at a
//! time from the same stream, as long as nothing else draws from that stream.

/// Values drawn per batch by default. Row (d) of `benches/engine.rs` measured 8 to 128: 32 and
/// 64 were the fastest and even with each other (BENCHMARKS.md).
const BATCH: usize = 32;

/// Values drawn `N` at a time by a refill function, handed out one at a time in order. `N` is
/// `BATCH` unless a user has many of them and wants each small (a Poisson group's members).
#[derive(Clone, Debug)]
pub struct Draws<T, const N: usize = BATCH> {
    batch: [T; N],
    /// The index of the next value to hand out; `N` when the batch is used up.
    next: usize,
}

impl<T: Copy + Default, const N: usize> Default for Draws<T, N> {
    fn default() -> Self {
        Draws {
            batch: [T::default(); N],
            next: N,
        }
    }
}

impl<T: Copy + Default, const N: usize> Draws<T, N> {
    /// An empty batch: the first `take` draws a whole batch.
    pub fn new() -> Self {
        Self::default()
    }

    /// The next value, drawing a new batch with `draw` when this one is used up.
    #[inline]
    pub fn take(&mut self, draw: impl FnMut() -> T) -> T {
        if self.next == N {
            self.refill(draw);
        }
        let value = self.batch[self.next];
        self.next += 1;
        value
    }

    /// The next value, filling a new batch with `fill` (the whole batch, in order) when this
    /// one is used up: for a source that draws a slice faster than one value at a time.
    #[inline]
    pub fn take_filled(&mut self, fill: impl FnOnce(&mut [T])) -> T {
        if self.next == N {
            self.refill_with(fill);
        }
        let value = self.batch[self.next];
        self.next += 1;
        value
    }

    #[inline(never)]
    fn refill_with(&mut self, fill: impl FnOnce(&mut [T])) {
        fill(&mut self.batch);
        self.next = 0;
    }

    #[inline(never)]
    fn refill(&mut self, mut draw: impl FnMut() -> T) {
        for slot in &mut self.batch {
            *slot = draw();
        }
        self.next = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Stream;

    #[test]
    fn values_come_out_in_the_order_drawn() {
        let mut ahead: Draws<f64> = Draws::new();
        let mut stream = Stream::new(5, "draws");
        let mut same = Stream::new(5, "draws");
        for _ in 0..1_000 {
            let value = ahead.take(|| stream.exponential(3.0));
            assert_eq!(value.to_bits(), same.exponential(3.0).to_bits());
        }
    }

    /// A batch filled at once hands out the values `take` draws one at a time, in order.
    #[test]
    fn a_filled_batch_gives_the_same_values() {
        let mut filled: Draws<f64> = Draws::new();
        let mut stream = Stream::new(5, "draws");
        let mut same = Stream::new(5, "draws");
        for _ in 0..1_000 {
            let value = filled.take_filled(|batch| {
                for slot in batch {
                    *slot = stream.exponential(3.0);
                }
            });
            assert_eq!(value.to_bits(), same.exponential(3.0).to_bits());
        }
    }

    /// A batch of another size hands out the same values in the same order.
    #[test]
    fn a_small_batch_gives_the_same_values() {
        let mut small: Draws<f64, 7> = Draws::new();
        let mut stream = Stream::new(5, "draws");
        let mut same = Stream::new(5, "draws");
        for _ in 0..1_000 {
            let value = small.take(|| stream.exponential(3.0));
            assert_eq!(value.to_bits(), same.exponential(3.0).to_bits());
        }
    }
}
