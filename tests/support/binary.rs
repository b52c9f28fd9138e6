//! Running the real `faultline` binary from end-to-end tests, shared by several test files.

use std::process::{Command, Output};

/// Runs `faultline ARGS...` in the workspace root and returns what it did.
pub fn faultline(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_faultline"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the faultline binary runs")
}

/// The command's standard output as text.
#[allow(dead_code)] // Not every test file reads both streams.
pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The command's standard error as text.
#[allow(dead_code)] // Not every test file reads both streams.
pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}
