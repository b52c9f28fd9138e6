//! Names: the rule every name in a scenario follows (clients, services, variants, classes).

/// Why `name` cannot name a scenario, client, service or variant, if it cannot.
///
/// Names appear inside dotted paths (`clients.NAME.timeout`), in `--set PATH=VALUE`, in
/// comma-separated `--variants a,b` lists and in output file names, so they are limited to
/// letters, digits, `-` and `_`; an all-digit name would read as an array index.
pub(crate) fn name_problem(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        Some("must not be empty")
    } else if name.len() > NAME_LEN_MAX {
        Some("must be at most 64 characters long")
    } else if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        Some("may contain only letters, digits, `-` and `_`")
    } else if name.chars().all(|c| c.is_ascii_digit()) {
        Some("must not be only digits")
    } else {
        None
    }
}

/// Longest name: long enough for any sensible name, short enough for a report column.
const NAME_LEN_MAX: usize = 64;
