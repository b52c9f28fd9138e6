//! Exponential and normal draws by the ziggurat method (Marsaglia & Tsang, "The Ziggurat
//! Method for Generating Random Variables", Journal of Statistical Software 5(8), 2000), as
//! rand_distr 0.4 implements it (256 layers, one 64-bit draw per sample in about 98.9% of
//! exponential and 98.8% of normal samples).
//!
//! The density is covered by 256 horizontal layers of equal area: a base layer with the tail,
//! and 255 rectangles. A sample takes one 64-bit draw: its low 8 bits pick a layer `i`, its
//! top 52 bits a uniform `u`, and `x = u · x[i]`. If `x < x[i+1]` the point lies inside the
//! density for sure and `x` is returned: multiplications and a comparison only. Otherwise
//! (the wedge between the rectangle and the curve) a second uniform decides against the
//! density itself, `exp(-x)` or `exp(-x²/2)`, and in the base layer the tail is sampled
//! exactly (the exponential's by memorylessness, `r − ln u`; the normal's by Marsaglia's 1964
//! method). The rare paths use `libm`, so a stream gives the same numbers on every machine.
//!
//! The tables are constants (`ziggurat/tables.rs`), generated once from rand_distr's `r` and
//! `v` by the recurrence `x[i] = f⁻¹(v / x[i−1] + f(x[i−1]))` with `libm` (a test regenerates
//! them and compares every bit; `FAULTLINE_BLESS=1` rewrites the file).

mod tables;

/// What the ziggurat draws from: 64 random bits, and uniforms made from them (a `Stream`).
pub trait Source {
    /// The next 64 uniformly random bits.
    fn next_u64(&mut self) -> u64;
    /// A uniform draw from `[0, 1)`.
    fn unit(&mut self) -> f64;
    /// A uniform draw from `(0, 1]`, safe for a logarithm.
    fn unit_open_zero(&mut self) -> f64;
}

/// A standard exponential draw (mean 1).
#[inline]
pub fn exponential(stream: &mut impl Source) -> f64 {
    loop {
        let bits = stream.next_u64();
        let i = (bits & 0xff) as usize;
        let u = unit_52(bits);
        let x = u * tables::EXP_X[i];
        if x < tables::EXP_X[i + 1] {
            return x;
        }
        if let Some(x) = exponential_edge(stream, i, u, x) {
            return x;
        }
    }
}

/// A standard normal draw (mean 0, standard deviation 1).
#[inline]
pub fn normal(stream: &mut impl Source) -> f64 {
    loop {
        let bits = stream.next_u64();
        let i = (bits & 0xff) as usize;
        let u = symmetric_52(bits);
        let x = u * tables::NORM_X[i];
        if x.abs() < tables::NORM_X[i + 1] {
            return x;
        }
        if let Some(x) = normal_edge(stream, i, u, x) {
            return x;
        }
    }
}

/// The exponential's slow path: the tail from the base layer, or the wedge test.
#[inline(never)]
fn exponential_edge(stream: &mut impl Source, i: usize, _u: f64, x: f64) -> Option<f64> {
    if i == 0 {
        // Memorylessness: beyond r the tail is r plus another exponential.
        return Some(tables::EXP_R - libm::log(stream.unit_open_zero()));
    }
    let f_low = tables::EXP_F[i + 1];
    let f_high = tables::EXP_F[i];
    (f_low + (f_high - f_low) * stream.unit() < libm::exp(-x)).then_some(x)
}

/// The normal's slow path: the tail from the base layer (Marsaglia 1964), or the wedge test.
#[inline(never)]
fn normal_edge(stream: &mut impl Source, i: usize, u: f64, x: f64) -> Option<f64> {
    if i == 0 {
        // Bounded: each round succeeds with probability above 0.9 (the tail beyond r ≈ 3.65).
        loop {
            let tail = libm::log(stream.unit_open_zero()) / tables::NORM_R;
            let y = libm::log(stream.unit_open_zero());
            if -2.0 * y >= tail * tail {
                let magnitude = tables::NORM_R - tail;
                return Some(if u < 0.0 { -magnitude } else { magnitude });
            }
        }
    }
    let f_low = tables::NORM_F[i + 1];
    let f_high = tables::NORM_F[i];
    (f_low + (f_high - f_low) * stream.unit() < libm::exp(-x * x / 2.0)).then_some(x)
}

/// A uniform in `[0, 1)` from the top 52 bits of `bits` (the low 8 picked the layer).
#[inline]
fn unit_52(bits: u64) -> f64 {
    f64::from_bits((bits >> 12) | 0x3FF0_0000_0000_0000) - 1.0
}

/// A uniform in `(-1, 1)` from the top 52 bits of `bits`.
#[inline]
fn symmetric_52(bits: u64) -> f64 {
    2.0 * f64::from_bits((bits >> 12) | 0x3FF0_0000_0000_0000) - 3.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Stream;

    /// The layer tables: rand_distr's `r` and `v` with the recurrence of its
    /// `ziggurat_tables.py`, `x[0] = v / f(r)`, `x[1] = r`, `x[i] = f⁻¹(v / x[i−1] + f(x[i−1]))`,
    /// `x[256] = 0`, and `f` at every `x`.
    fn generate(
        r: f64,
        v: f64,
        f: impl Fn(f64) -> f64,
        f_inv: impl Fn(f64) -> f64,
    ) -> Vec<[f64; 2]> {
        let mut x = vec![0.0; 257];
        x[0] = v / f(r);
        x[1] = r;
        for i in 2..256 {
            x[i] = f_inv(v / x[i - 1] + f(x[i - 1]));
        }
        x[256] = 0.0;
        x.iter().map(|&xi| [xi, f(xi)]).collect()
    }

    fn exp_tables() -> Vec<[f64; 2]> {
        generate(
            tables::EXP_R,
            tables::EXP_V,
            |x| libm::exp(-x),
            |y| -libm::log(y),
        )
    }

    fn norm_tables() -> Vec<[f64; 2]> {
        generate(
            tables::NORM_R,
            tables::NORM_V,
            |x| libm::exp(-x * x / 2.0),
            |y| libm::sqrt(-2.0 * libm::log(y)),
        )
    }

    /// The file `tables.rs` with the tables as exact bit patterns.
    fn tables_file() -> String {
        let mut out = String::from(
            "//! The ziggurat's layer tables (generated by `ziggurat::tests`: `FAULTLINE_BLESS=1 \
             cargo test -p sim-core ziggurat` rewrites this file; do not edit by hand).\n\n",
        );
        out.push_str(
            "/// The exponential's `r`: where its tail begins (rand_distr's `ZIG_EXP_R`).\n",
        );
        out.push_str("pub(super) const EXP_R: f64 = 7.697_117_470_131_05;\n");
        out.push_str("/// The area of each exponential layer (rand_distr's `ZIG_EXP_V`).\n");
        out.push_str("#[cfg(test)]\npub(super) const EXP_V: f64 = 0.003_949_659_822_581_557;\n");
        out.push_str("/// The normal's `r`: where its tail begins (rand_distr's `ZIG_NORM_R`).\n");
        out.push_str("pub(super) const NORM_R: f64 = 3.654_152_885_361_009;\n");
        out.push_str("/// The area of each normal layer (rand_distr's `ZIG_NORM_V`).\n");
        out.push_str("#[cfg(test)]\npub(super) const NORM_V: f64 = 0.004_928_673_233_99;\n");
        for (name, what, rows, column) in [
            (
                "EXP_X",
                "The exponential layers' right edges.",
                exp_tables(),
                0,
            ),
            (
                "EXP_F",
                "The exponential density at each edge.",
                exp_tables(),
                1,
            ),
            (
                "NORM_X",
                "The normal layers' right edges.",
                norm_tables(),
                0,
            ),
            (
                "NORM_F",
                "The normal density (unnormalized) at each edge.",
                norm_tables(),
                1,
            ),
        ] {
            out.push_str(&format!(
                "\n/// {what}\n#[rustfmt::skip]\npub(super) const {name}: [f64; 257] = [\n"
            ));
            for chunk in rows.chunks(3) {
                let cells: Vec<String> = chunk
                    .iter()
                    .map(|row| format!("f64::from_bits(0x{:016x})", row[column].to_bits()))
                    .collect();
                out.push_str(&format!("    {},\n", cells.join(", ")));
            }
            out.push_str("];\n");
        }
        out
    }

    #[test]
    fn the_tables_are_what_the_recurrence_gives() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/ziggurat/tables.rs");
        let expected = tables_file();
        if std::env::var_os("FAULTLINE_BLESS").is_some() {
            std::fs::write(path, &expected).unwrap();
        }
        let written = std::fs::read_to_string(path).unwrap();
        assert!(written == expected, "ziggurat/tables.rs is stale: bless it");
        // Each layer has the same area v: the rectangles x[i]·(f[i+1] − f[i]) for i ≥ 1.
        for (rows, v) in [
            (exp_tables(), tables::EXP_V),
            (norm_tables(), tables::NORM_V),
        ] {
            for i in 1..255 {
                let area = rows[i][0] * (rows[i + 1][1] - rows[i][1]);
                assert!((area - v).abs() < 1e-12, "layer {i}: {area}");
            }
        }
    }

    /// Quantiles of 2e6 draws against the exact ones, and the moments.
    #[test]
    fn draws_follow_their_laws() {
        let n = 2_000_000;
        let mut stream = Stream::new(7, "ziggurat/exponential");
        let mut e: Vec<f64> = (0..n).map(|_| exponential(&mut stream)).collect();
        e.sort_by(f64::total_cmp);
        for q in [0.1, 0.5, 0.9, 0.99, 0.999, 0.9999] {
            let exact = -libm::log(1.0 - q);
            let got = e[(q * n as f64) as usize];
            assert!(
                (got / exact - 1.0).abs() < 0.02,
                "exp q{q}: {got} vs {exact}"
            );
        }
        let mean = e.iter().sum::<f64>() / n as f64;
        assert!((mean - 1.0).abs() < 0.004, "exp mean {mean}");
        let mut stream = Stream::new(7, "ziggurat/normal");
        let mut z: Vec<f64> = (0..n).map(|_| normal(&mut stream)).collect();
        let mean = z.iter().sum::<f64>() / n as f64;
        let var = z.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n as f64;
        assert!(mean.abs() < 0.003, "normal mean {mean}");
        assert!((var - 1.0).abs() < 0.005, "normal variance {var}");
        z.sort_by(f64::total_cmp);
        // Standard normal quantiles (Abramowitz & Stegun, table 26.5).
        for (q, exact) in [
            (0.5, 0.0),
            (0.8413, 1.0),
            (0.9772, 2.0),
            (0.99865, 3.0),
            (0.00135, -3.0),
        ] {
            let got = z[(q * n as f64) as usize];
            assert!((got - exact).abs() < 0.02, "normal q{q}: {got} vs {exact}");
        }
        // Both tails are reached: the base layer's tail sampler runs.
        assert!(z[0] < -4.0 && z[n - 1] > 4.0, "{} {}", z[0], z[n - 1]);
    }
}
