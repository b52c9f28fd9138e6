//! The course: every lesson in `docs/lessons/`, embedded in the binary, in the order a student
//! takes them, and each lesson file read into a `Lesson` (story, question, choices, answer,
//! and the run it makes).
//!
//! A lesson file is Markdown that people read on GitHub; the binary reads four things from it:
//! the title (`# NAME: what it teaches`), the story (the paragraphs before the first `##`),
//! and the `## Predict` section:
//!
//! ```text
//! ## Predict
//!
//! The question, one paragraph.
//!
//! - **A.** a choice
//! - **B.** another (2 to 4 choices)
//!
//! `faultline lesson NAME` asks this, then runs `faultline run NAME --variant V --seed N`.
//!
//! <details><summary>Answer</summary>
//!
//! **B.** Why, in as many paragraphs as it takes.
//!
//! </details>
//! ```
//!
//! The run is the backquoted `faultline run NAME ...` span: `--variant`, `--seed` and `--set`
//! (values without spaces) are read from it. A test parses every lesson, so a lesson that the
//! command cannot read fails CI.

/// A unit of the course: a title and its lessons, in order.
pub struct Unit {
    /// What the unit is about.
    pub title: &'static str,
    /// Its lessons' names (the catalog scenarios they teach).
    pub lessons: &'static [&'static str],
}

/// The course, in order: queueing, then timeouts and retries, then overload, then
/// dependencies, then state and time, then capacity, then transactions across services.
/// `docs/lessons/README.md` lists the same order (tested).
pub const UNITS: [Unit; 7] = [
    Unit {
        title: "Queueing: the arithmetic under everything",
        lessons: &["steady-state", "mm1", "mmc", "md1", "mg1-measured"],
    },
    Unit {
        title: "Timeouts and retries",
        lessons: &[
            "retries",
            "errors",
            "retry-layers",
            "crash",
            "partition",
            "flapping",
            "retry-storm",
            "breaker-tuning",
            "closed-loop-storm",
            "diurnal-storm",
        ],
    },
    Unit {
        title: "Overload",
        lessons: &[
            "slowdown",
            "rate-limit-vs-shed",
            "noisy-neighbor",
            "cache-stampede",
        ],
    },
    Unit {
        title: "Dependencies",
        lessons: &[
            "tiers",
            "cascading-failure",
            "stale-fallback",
            "tail-at-scale",
            "fail-slow",
            "gray-failure",
            "zone-outage",
            "bad-deploy",
        ],
    },
    Unit {
        title: "State and time",
        lessons: &[
            "clock-skew",
            "lease-split-brain",
            "split-brain-writes",
            "replication-lag",
            "read-replica-failover",
            "queue-burst",
            "cap-partition",
        ],
    },
    Unit {
        title: "Capacity",
        lessons: &["autoscale-lag"],
    },
    Unit {
        title: "Transactions across services",
        lessons: &["outbox-vs-dual-write", "saga-vs-2pc"],
    },
];

/// One lesson, read from its file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lesson {
    /// The lesson's (and its scenario's) name.
    pub name: String,
    /// What it teaches: the title after `NAME: `.
    pub teaches: String,
    /// The setting, before the question (Markdown paragraphs).
    pub story: Vec<String>,
    /// The question.
    pub question: String,
    /// The choices, lettered from A.
    pub choices: Vec<String>,
    /// The right choice's index.
    pub answer: usize,
    /// Why (Markdown paragraphs).
    pub explanation: Vec<String>,
    /// The run that settles it.
    pub run: LessonRun,
}

/// The run a lesson makes: a variant, a seed and overrides of its catalog scenario.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LessonRun {
    /// `--variant`, if any.
    pub variant: Option<String>,
    /// `--seed` (1 unless the lesson says).
    pub seed: u64,
    /// `--set PATH=VALUE` overrides.
    pub set: Vec<String>,
}

/// The text of lesson `name`, embedded from `docs/lessons/NAME.md`.
pub fn text(name: &str) -> Option<&'static str> {
    FILES
        .iter()
        .find(|(file, _)| *file == name)
        .map(|(_, text)| *text)
}

/// Every lesson's name in course order.
pub fn names() -> Vec<&'static str> {
    UNITS
        .iter()
        .flat_map(|unit| unit.lessons.iter().copied())
        .collect()
}

/// Lesson `name` read from its embedded file.
pub fn lesson(name: &str) -> Result<Lesson, String> {
    let text = text(name).ok_or_else(|| format!("no lesson called {name}"))?;
    parse(name, text)
}

/// Reads a lesson file (see the module doc for its shape); the error says what is missing.
pub fn parse(name: &str, text: &str) -> Result<Lesson, String> {
    let mut lines = text.lines();
    let title = lines
        .find(|line| line.starts_with("# "))
        .ok_or("no `# NAME: title` line")?;
    let teaches = title
        .trim_start_matches("# ")
        .split_once(": ")
        .map(|(_, rest)| rest.trim().to_string())
        .ok_or("the title is not `# NAME: what it teaches`")?;
    let rest: Vec<&str> = lines.collect();
    let story_end = rest
        .iter()
        .position(|line| line.starts_with("## "))
        .unwrap_or(rest.len());
    let story = paragraphs(&rest[..story_end]);
    let predict_start = rest
        .iter()
        .position(|line| line.trim() == "## Predict")
        .ok_or("no `## Predict` section")?
        + 1;
    let predict_len = rest[predict_start..]
        .iter()
        .position(|line| line.starts_with("## "))
        .unwrap_or(rest.len() - predict_start);
    let predict = &rest[predict_start..predict_start + predict_len];
    let (answer_at, _) = predict
        .iter()
        .enumerate()
        .find(|(_, line)| line.contains("<details>"))
        .ok_or("no `<details>` answer in Predict")?;
    let (asked, answered) = predict.split_at(answer_at);
    let blocks = paragraphs(asked);
    let question = blocks
        .first()
        .filter(|block| !block.starts_with("- "))
        .cloned()
        .ok_or("Predict does not open with a question")?;
    let choices: Vec<String> = asked
        .iter()
        .filter_map(|line| choice(line))
        .enumerate()
        .map(|(index, (letter, text))| {
            if letter == letter_of(index) {
                Ok(text)
            } else {
                Err(format!("choice {letter} is out of order"))
            }
        })
        .collect::<Result<_, _>>()?;
    if !(2..=4).contains(&choices.len()) {
        return Err(format!("{} choices; a lesson has 2 to 4", choices.len()));
    }
    let run = asked
        .iter()
        .find_map(|line| run_span(line, name))
        .ok_or(format!("no `faultline run {name} ...` span in Predict"))?
        .map_err(|problem| format!("its run: {problem}"))?;
    let answered: Vec<&str> = answered
        .iter()
        .skip(1)
        .take_while(|line| !line.contains("</details>"))
        .copied()
        .collect();
    let mut explanation = paragraphs(&answered);
    let first = explanation
        .first_mut()
        .ok_or("the answer is empty: it opens with **X.**")?;
    let (letter, why) = choice(&format!("- {first}")).ok_or("the answer opens with **X.**")?;
    let answer = (0..choices.len())
        .find(|&index| letter_of(index) == letter)
        .ok_or(format!("the answer {letter} is not a choice"))?;
    *first = why;
    Ok(Lesson {
        name: name.to_string(),
        teaches,
        story,
        question,
        choices,
        answer,
        explanation,
        run,
    })
}

/// The letter of choice `index` (A for 0).
pub fn letter_of(index: usize) -> char {
    (b'A' + index as u8) as char
}

/// `(NAME, the text of docs/lessons/NAME.md)` for each name.
macro_rules! lesson_files {
    ($($name:literal),* $(,)?) => {
        [$(($name, include_str!(concat!("../../docs/lessons/", $name, ".md")))),*]
    };
}

/// Every embedded lesson file, by name, sorted (the course's lessons; a test checks they
/// match the catalog).
const FILES: [(&str, &str); 37] = lesson_files![
    "autoscale-lag",
    "bad-deploy",
    "breaker-tuning",
    "cache-stampede",
    "cap-partition",
    "cascading-failure",
    "clock-skew",
    "closed-loop-storm",
    "crash",
    "diurnal-storm",
    "errors",
    "fail-slow",
    "flapping",
    "gray-failure",
    "lease-split-brain",
    "md1",
    "mg1-measured",
    "mm1",
    "mmc",
    "noisy-neighbor",
    "outbox-vs-dual-write",
    "partition",
    "queue-burst",
    "rate-limit-vs-shed",
    "read-replica-failover",
    "replication-lag",
    "retries",
    "retry-layers",
    "retry-storm",
    "saga-vs-2pc",
    "slowdown",
    "split-brain-writes",
    "stale-fallback",
    "steady-state",
    "tail-at-scale",
    "tiers",
    "zone-outage",
];

/// Joins `lines` into paragraphs (blank lines separate them; a list item starts a new one).
fn paragraphs(lines: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut current = String::new();
    for line in lines {
        let line = line.trim();
        if line.is_empty() || line.starts_with("- ") {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
            if line.is_empty() {
                continue;
            }
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(line);
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// A choice line, `- **A.** text`, as its letter and text.
fn choice(line: &str) -> Option<(char, String)> {
    let rest = line.trim().strip_prefix("- **")?;
    let mut chars = rest.chars();
    let letter = chars.next().filter(char::is_ascii_uppercase)?;
    let text = chars.as_str().strip_prefix(".**")?;
    Some((letter, text.trim().to_string()))
}

/// The run in a line's backquoted `faultline run NAME ...` span, if it has one.
fn run_span(line: &str, name: &str) -> Option<Result<LessonRun, String>> {
    let prefix = format!("`faultline run {name}");
    let start = line.find(&prefix)? + 1;
    let span = &line[start..];
    let span = &span[..span.find('`')?];
    let mut words = span.split_whitespace().skip(3);
    let mut run = LessonRun {
        seed: 1,
        ..LessonRun::default()
    };
    let result = (|| {
        while let Some(flag) = words.next() {
            let value = words
                .next()
                .ok_or(format!("{flag} has no value"))?
                .to_string();
            match flag {
                "--variant" => run.variant = Some(value),
                "--seed" => {
                    run.seed = value
                        .parse()
                        .map_err(|_| format!("--seed {value} is not a number"))?
                }
                "--set" => run.set.push(value),
                other => return Err(format!("{other} is not --variant, --seed or --set")),
            }
        }
        Ok(())
    })();
    Some(result.map(|()| run))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "# demo: a demo lesson\n\nA story\non two lines.\n\nAnd another.\n\n\
        ## Run it\n\nstuff\n\n## Predict\n\nWhat happens\nnext?\n\n- **A.** one\n- **B.** two\n\n\
        `faultline lesson demo` asks this, then runs `faultline run demo --variant v --seed 3`.\n\n\
        <details><summary>Answer</summary>\n\n**B.** Because\nof this.\n\nAnd that.\n\n</details>\n\n\
        ## Why\n\nmore\n";

    #[test]
    fn a_lesson_file_reads_into_its_parts() {
        let lesson = parse("demo", SAMPLE).expect("parses");
        assert_eq!(lesson.teaches, "a demo lesson");
        assert_eq!(lesson.story, ["A story on two lines.", "And another."]);
        assert_eq!(lesson.question, "What happens next?");
        assert_eq!(lesson.choices, ["one", "two"]);
        assert_eq!(lesson.answer, 1);
        assert_eq!(lesson.explanation, ["Because of this.", "And that."]);
        assert_eq!(lesson.run.variant.as_deref(), Some("v"));
        assert_eq!(lesson.run.seed, 3);
    }

    #[test]
    fn a_lesson_without_a_question_says_what_is_missing() {
        let error = parse("demo", "# demo: x\n\nstory\n").expect_err("no Predict");
        assert!(error.contains("Predict"), "{error}");
        let bad = SAMPLE.replace("**B.** Because", "**D.** Because");
        assert!(parse("demo", &bad).expect_err("D").contains("not a choice"));
    }

    #[test]
    fn every_lesson_of_the_course_parses_and_the_course_is_the_catalog() {
        let mut names = names();
        for name in &names {
            if let Err(problem) = lesson(name) {
                panic!("docs/lessons/{name}.md: {problem}");
            }
        }
        names.sort_unstable();
        let files: Vec<&str> = FILES.iter().map(|(name, _)| *name).collect();
        assert_eq!(names, files, "the course and the embedded files");
        let catalog: Vec<&str> = scenarios::catalog::entries()
            .iter()
            .map(|entry| entry.name)
            .collect();
        assert_eq!(
            names, catalog,
            "every catalog scenario is a lesson of the course"
        );
    }
}
