//! `faultline lesson` end to end (issue #20): the course listing, a lesson answered with
//! `--answer` and on standard input, the terminal chart's width, and bad input.

#[path = "support/binary.rs"]
mod binary;

use std::io::Write;
use std::process::{Command, Stdio};

use binary::{faultline, stderr, stdout};

#[test]
fn lesson_retry_storm_answer_b_runs_end_to_end_and_says_the_prediction_was_right() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let out = dir.path().join("report");
    let output = faultline(&[
        "lesson",
        "retry-storm",
        "--answer",
        "B",
        "--out",
        out.to_str().expect("UTF-8"),
    ]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{text}\n{}", stderr(&output));
    assert!(text.contains("Predict: "), "the question is asked:\n{text}");
    assert!(text.contains("Your answer: B"), "{text}");
    assert!(text.contains("You predicted B: right."), "{text}");
    assert!(
        text.contains("scenario retry-storm  variant naive  seed 1"),
        "{text}"
    );
    assert!(
        out.join("report.html").exists(),
        "the full report is written"
    );
    assert!(
        stderr(&output).contains("simulated seconds"),
        "progress on standard error"
    );
    // The chart: from its title to its time axis, every line fits 80 columns.
    let chart: Vec<&str> = text
        .lines()
        .skip_while(|line| !line.contains("goodput per second"))
        .take_while(|line| !line.trim_start().starts_with("0s"))
        .collect();
    assert!(chart.len() >= 10, "a chart is drawn:\n{text}");
    assert!(
        chart.iter().any(|line| line.contains('░')),
        "the fault is shaded"
    );
    assert!(
        chart.iter().any(|line| line.contains('█')),
        "goodput is drawn"
    );
    for line in &chart {
        assert!(
            line.chars().count() <= 80,
            "wider than 80 columns: {line:?}"
        );
    }
}

#[test]
fn a_lesson_reads_its_answer_from_standard_input_and_says_when_it_was_wrong() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut child = Command::new(env!("CARGO_BIN_EXE_faultline"))
        .args(["lesson", "mm1", "--quiet", "--out"])
        .arg(dir.path().join("report"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"a\n")
        .expect("an answer is written");
    let output = child.wait_with_output().expect("it finishes");
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{text}\n{}", stderr(&output));
    assert!(text.contains("Your answer: A"), "{text}");
    assert!(
        text.contains("You predicted A: not quite; the answer is C."),
        "{text}"
    );
}

#[test]
fn lesson_alone_lists_the_course_in_order() {
    let output = faultline(&["lesson"]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(0));
    let order: Vec<usize> = [
        "steady-state",
        "retry-storm",
        "slowdown",
        "tiers",
        "clock-skew",
    ]
    .iter()
    .map(|name| text.find(name).unwrap_or_else(|| panic!("{name} listed")))
    .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{text}");
    assert!(
        text.contains("a slowdown that outlives itself"),
        "what each teaches"
    );
}

#[test]
fn a_wrong_answer_or_lesson_is_bad_input_with_a_hint() {
    let output = faultline(&["lesson", "retry-strom", "--answer", "B"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("did you mean `retry-storm`"),
        "{}",
        stderr(&output)
    );
    let output = faultline(&["lesson", "retry-storm", "--answer", "Z"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("answer one of A, B, C"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn the_course_readme_lists_the_lessons_in_the_course_order_each_with_an_exercise() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme =
        std::fs::read_to_string(root.join("docs/lessons/README.md")).expect("the course page");
    // The table rows, `| N | [name](name.md) | ...`, in page order.
    let rows: Vec<String> = readme
        .lines()
        .filter_map(|line| {
            let rest = line.strip_prefix("| ")?;
            let (number, rest) = rest.split_once(" | [")?;
            number.parse::<usize>().ok()?;
            Some(rest.split(']').next()?.to_string())
        })
        .collect();
    let course: Vec<String> = faultline::lesson::course::names()
        .iter()
        .map(|name| name.to_string())
        .collect();
    assert_eq!(
        rows, course,
        "docs/lessons/README.md and `faultline lesson`"
    );
    for name in &course {
        let exercise = format!("- **{name}**: ");
        let at = readme
            .find(&exercise)
            .unwrap_or_else(|| panic!("{name} has no exercise"));
        assert!(
            readme[at..]
                .lines()
                .nth(1)
                .is_some_and(|line| line.contains("Answer")),
            "{name}'s exercise has its answer"
        );
    }
}
