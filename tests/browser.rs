//! The HTML report in a real headless browser (Debian's `chromium`, which `.ci/run`
//! installs): the page must render (not blank), show its coloured summary table, parse every
//! inline plot, and log no console error.
//!
//! Without a browser on the machine the test says so and passes, unless
//! `FAULTLINE_REQUIRE_BROWSER=1` (set by `.ci/run`) makes a missing browser a failure.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The browser to use: `$FAULTLINE_CHROMIUM`, or Debian's.
fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("FAULTLINE_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    path.exists().then_some(path)
}

/// Headless Chromium on `page` with `extra` flags; no network, a fresh profile.
fn browse(browser: &Path, profile: &Path, page: &Path, extra: &[&str]) -> Output {
    let mut command = Command::new(browser);
    command.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        "--enable-logging=stderr",
        "--v=0",
    ]);
    command.arg(format!("--user-data-dir={}", profile.display()));
    command.args(extra);
    command.arg(format!("file://{}", page.display()));
    command.output().expect("chromium starts")
}

#[test]
fn the_html_report_renders_in_a_real_browser() {
    let Some(browser) = chromium() else {
        assert!(
            std::env::var_os("FAULTLINE_REQUIRE_BROWSER").is_none(),
            "FAULTLINE_REQUIRE_BROWSER is set but /usr/bin/chromium is missing: apt-get install chromium"
        );
        eprintln!("no chromium on this machine (apt-get install chromium): browser test not run");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report");
    let made = Command::new(env!("CARGO_BIN_EXE_faultline"))
        .args([
            "compare",
            "retry-storm",
            "--seeds",
            "1..2",
            "--set",
            "duration=100s",
        ])
        .arg("--out")
        .arg(&out)
        .arg("--quiet")
        .output()
        .unwrap();
    assert_eq!(made.status.code(), Some(0), "{made:?}");
    let page = out.join("report.html");
    let html = std::fs::read_to_string(&page).unwrap();
    let figures = html.matches("<figure").count();

    // The DOM the browser built holds every inline plot.
    let dom = browse(
        &browser,
        &dir.path().join("profile-dom"),
        &page,
        &["--dump-dom"],
    );
    let dom_text = String::from_utf8_lossy(&dom.stdout);
    assert_eq!(
        dom_text.matches("<svg").count(),
        figures,
        "the browser did not parse every plot; stderr: {}",
        String::from_utf8_lossy(&dom.stderr)
    );

    // The screenshot is not blank and shows the coloured summary table.
    let shot = dir.path().join("report.png");
    let run = browse(
        &browser,
        &dir.path().join("profile-shot"),
        &page,
        &[
            &format!("--screenshot={}", shot.display()),
            "--window-size=1200,2000",
        ],
    );
    let log = String::from_utf8_lossy(&run.stderr);
    for line in log.lines() {
        assert!(
            !line.contains(":CONSOLE") && !line.contains("Uncaught"),
            "console message from the report: {line}"
        );
    }
    let decoder = png::Decoder::new(std::io::BufReader::new(
        std::fs::File::open(&shot).unwrap_or_else(|e| panic!("no screenshot ({e}): {log}")),
    ));
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size()];
    let frame = reader.next_frame(&mut pixels).unwrap();
    let channels = frame.color_type.samples();
    let rgb: Vec<[u8; 3]> = pixels[..frame.buffer_size()]
        .chunks(channels)
        .map(|p| [p[0], p[1], p[2]])
        .collect();
    let total = rgb.len();
    let ink = rgb.iter().filter(|p| p.iter().any(|&c| c < 200)).count();
    assert!(
        ink * 100 > total,
        "the page looks blank: {ink} dark pixels of {total}"
    );
    // `td.better` is #dff3e4 and `td.fail` #fbe2e1 in report.html's style sheet.
    let green = rgb.iter().filter(|p| **p == [0xdf, 0xf3, 0xe4]).count();
    let red = rgb.iter().filter(|p| **p == [0xfb, 0xe2, 0xe1]).count();
    assert!(
        green > 100,
        "no green cells in the summary table ({green} pixels)"
    );
    assert!(
        red > 100,
        "no red cells in the summary table ({red} pixels)"
    );
    if let Some(keep) = std::env::var_os("FAULTLINE_KEEP_SCREENSHOT") {
        std::fs::copy(&shot, keep).unwrap();
    }
}
