//! `faultline new` end to end (issue #20): every template is written, validates and runs as
//! is (meeting its SLOs), and an existing file is never replaced without `--force`.

#[path = "support/binary.rs"]
mod binary;

use binary::{faultline, stderr, stdout};

#[test]
fn every_template_is_written_validates_and_runs_as_is() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    for template in ["single", "tiers", "fanout", "database"] {
        let path = dir.path().join(format!("{template}.json"));
        let path = path.to_str().expect("UTF-8");
        let output = faultline(&["new", "my-design", "--from", template, "--out", path]);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{template}: {}",
            stderr(&output)
        );
        assert!(stdout(&output).contains("here is what its parts mean"));
        let output = faultline(&["validate", path]);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{template}: {}",
            stderr(&output)
        );
        assert!(
            stderr(&output).is_empty(),
            "no warnings: {}",
            stderr(&output)
        );
        let output = faultline(&["run", path]);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{template} runs and meets its SLOs:\n{}{}",
            stdout(&output),
            stderr(&output)
        );
        assert!(stdout(&output).contains("scenario my-design"));
    }
}

#[test]
fn an_existing_file_is_kept_unless_forced() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("mine.json");
    std::fs::write(&path, "{}").expect("written");
    let path = path.to_str().expect("UTF-8");
    let output = faultline(&["new", "mine", "--out", path]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("--force"), "{}", stderr(&output));
    assert_eq!(std::fs::read_to_string(path).expect("kept"), "{}");
    let output = faultline(&["new", "mine", "--out", path, "--force"]);
    assert_eq!(output.status.code(), Some(0));
    let output = faultline(&["new", "../escape", "--out", path]);
    assert_eq!(output.status.code(), Some(2));
}
