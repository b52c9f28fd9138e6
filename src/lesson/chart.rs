//! A small Unicode chart for a terminal: a per-second series as vertical bars of eighth
//! blocks (`▁▂▃▄▅▆▇█`), with the fault windows shaded (`░`), in at most `WIDTH_MAX` columns.
//!
//! Each column is the mean of the seconds it covers (the series is squeezed into at most
//! `COLUMNS_MAX` columns); the y axis runs from 0 to a round number at or above the peak.

/// The widest a chart line is, in characters.
pub const WIDTH_MAX: usize = 80;

/// A time window to shade, in seconds from the start of the run.
#[derive(Clone, Debug, PartialEq)]
pub struct Shade {
    /// Where it starts.
    pub from_s: f64,
    /// Where it ends (the end of the run if it never does).
    pub to_s: f64,
}

/// Renders `series` (one value per second) under `title`, shading `shades`; every line is at
/// most `WIDTH_MAX` characters.
pub fn render(title: &str, series: &[f64], shades: &[Shade]) -> String {
    let mut out = String::new();
    out.push_str(&clip(title));
    out.push('\n');
    if series.is_empty() {
        out.push_str("(nothing to plot)\n");
        return out;
    }
    let columns = series.len().min(COLUMNS_MAX);
    let values: Vec<f64> = (0..columns)
        .map(|column| {
            let (from, to) = span(column, columns, series.len());
            series[from..to].iter().sum::<f64>() / (to - from) as f64
        })
        .collect();
    let shaded: Vec<bool> = (0..columns)
        .map(|column| {
            let (from, to) = span(column, columns, series.len());
            shades
                .iter()
                .any(|shade| (from as f64) < shade.to_s && (to as f64) > shade.from_s)
        })
        .collect();
    let peak = values.iter().copied().fold(0.0, f64::max);
    let top = round_up(peak);
    for row in (0..ROWS).rev() {
        let label = if row == ROWS - 1 {
            number(top)
        } else if row == ROWS / 2 - 1 {
            number(top / 2.0)
        } else {
            String::new()
        };
        out.push_str(&format!("{label:>LABEL_WIDTH$} │"));
        for (value, &shade) in values.iter().zip(&shaded) {
            // Eighths of a row filled in this row: 0..=8.
            let eighths = ((value / top) * (ROWS * 8) as f64).round() as i64 - (row * 8) as i64;
            let cell = match eighths {
                i64::MIN..=0 if shade => '░',
                i64::MIN..=0 => ' ',
                8.. => '█',
                n => BLOCKS[n as usize - 1],
            };
            out.push(cell);
        }
        let kept = out.trim_end_matches(' ').len();
        out.truncate(kept);
        out.push('\n');
    }
    out.push_str(&format!("{:>LABEL_WIDTH$} └{}\n", "0", "─".repeat(columns)));
    let end = format!("{}s", series.len());
    let middle = format!("{}s", series.len() / 2);
    let mut axis = format!("{:LABEL_WIDTH$}  0s", "");
    let middle_at = LABEL_WIDTH + 2 + columns / 2 - middle.len() / 2;
    while axis.chars().count() < middle_at {
        axis.push(' ');
    }
    axis.push_str(&middle);
    let end_at = (LABEL_WIDTH + 2 + columns).saturating_sub(end.len());
    while axis.chars().count() < end_at {
        axis.push(' ');
    }
    axis.push_str(&end);
    out.push_str(&axis);
    out.push('\n');
    out
}

/// Rows of the chart (each 8 levels high).
const ROWS: usize = 8;
/// Data columns at most: labels, the axis and the data fit in `WIDTH_MAX`.
const COLUMNS_MAX: usize = WIDTH_MAX - LABEL_WIDTH - 2;
/// The y labels' width.
const LABEL_WIDTH: usize = 7;
/// One to seven eighths of a cell.
const BLOCKS: [char; 7] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇'];

/// The seconds `from..to` that `column` of `columns` covers in a series of `len` seconds.
fn span(column: usize, columns: usize, len: usize) -> (usize, usize) {
    let from = column * len / columns;
    let to = ((column + 1) * len / columns).max(from + 1);
    (from, to)
}

/// The smallest of 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 × 10^k at or above `value` (1 for
/// nothing), so the peak fills most of the height.
fn round_up(value: f64) -> f64 {
    if value <= 0.0 {
        return 1.0;
    }
    let mut step = 1e-3;
    loop {
        for factor in [1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0] {
            if step * factor >= value {
                return step * factor;
            }
        }
        step *= 10.0;
    }
}

/// A y label: an integer when it is one, otherwise one decimal.
fn number(value: f64) -> String {
    if value.fract() == 0.0 {
        format!("{value:.0}")
    } else {
        format!("{value:.1}")
    }
}

/// `text` cut to `WIDTH_MAX` characters (with an ellipsis when cut).
fn clip(text: &str) -> String {
    if text.chars().count() <= WIDTH_MAX {
        text.to_string()
    } else {
        let mut cut: String = text.chars().take(WIDTH_MAX - 1).collect();
        cut.push('…');
        cut
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_series_fits_in_80_columns_with_its_fault_shaded() {
        let series: Vec<f64> = (0..300)
            .map(|s| {
                if (60..80).contains(&s) || s > 80 {
                    0.0
                } else {
                    600.0
                }
            })
            .collect();
        let chart = render(
            "web goodput per second (req/s); ░ = slowdown on api, 60s → 80s, and a very long title that goes on",
            &series,
            &[Shade {
                from_s: 60.0,
                to_s: 80.0,
            }],
        );
        for line in chart.lines() {
            assert!(line.chars().count() <= WIDTH_MAX, "{line:?}");
        }
        assert!(chart.contains('░'), "{chart}");
        assert!(chart.contains('█'));
        assert!(chart.contains("600 │"), "{chart}");
        assert!(chart.contains("300s"));
    }

    #[test]
    fn a_short_series_takes_a_column_per_second() {
        let chart = render("t", &[1.0, 2.0, 3.0], &[]);
        let bottom = chart.lines().nth(ROWS).expect("the lowest bar row");
        assert!(bottom.ends_with("▃▅█") || bottom.contains('█'), "{chart}");
        assert_eq!(round_up(0.0), 1.0);
        assert_eq!(round_up(601.0), 800.0);
        assert_eq!(round_up(150.0), 150.0);
        assert_eq!(round_up(151.0), 200.0);
    }
}
