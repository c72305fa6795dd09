//! The wording shared by the errors and the explanation: lists of numbers, plurals, ordinals
//! and the lines of spans.

use proc_macro2::Span;

/// The line of a span, when the compiler tells it.
pub(crate) fn line(span: Span) -> Option<usize> {
    if proc_macro::is_available() {
        Some(span.unwrap().line())
    } else {
        None
    }
}

/// ` (line N)`, or nothing outside the compiler.
pub(crate) fn at_line(span: Span) -> String {
    line(span).map_or_else(String::new, |line| format!(" (line {line})"))
}

/// `one` for 1, `many` for any other number.
pub(crate) fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}

/// `0`, `0 and 1`, `0, 2 and 4`, `1 to 7`, `0 and 2 to 5`.
pub(crate) fn list(numbers: &[usize]) -> String {
    let mut runs: Vec<(usize, usize)> = Vec::new();
    for &n in numbers {
        match runs.last_mut() {
            Some((_, end)) if *end + 1 == n => *end = n,
            _ => runs.push((n, n)),
        }
    }
    let parts: Vec<String> = runs
        .iter()
        .flat_map(|&(start, end)| match end - start {
            0 => vec![start.to_string()],
            1 => vec![start.to_string(), end.to_string()],
            _ => vec![format!("{start} to {end}")],
        })
        .collect();
    match parts.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

/// `rank 3`, `ranks 1 and 2`.
pub(crate) fn ranks(numbers: &[usize]) -> String {
    format!(
        "{} {}",
        plural(numbers.len(), "rank", "ranks"),
        list(numbers)
    )
}

/// `1 rank`, `2 ranks`, `1 and 3 to 8 ranks`.
pub(crate) fn count_ranks(sizes: &[usize]) -> String {
    format!(
        "{} {}",
        list(sizes),
        if sizes == [1] { "rank" } else { "ranks" }
    )
}

/// `1st`, `2nd`, `11th`, `23rd`.
pub(crate) fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

/// `, line N`, or nothing outside the compiler.
pub(crate) fn comma_line(span: Span) -> String {
    line(span).map_or_else(String::new, |line| format!(", line {line}"))
}

/// ` at line N`, or nothing outside the compiler: the line inside a sentence.
pub(crate) fn at_line_without_parens(span: Span) -> String {
    line(span).map_or_else(String::new, |line| format!(" at line {line}"))
}

/// Whether `text` holds `name` as a whole word.
pub(crate) fn names(text: &str, name: &str) -> bool {
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    text.match_indices(name).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + name.len()..].chars().next();
        !before.is_some_and(is_word) && !after.is_some_and(is_word)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists() {
        assert_eq!(list(&[0]), "0");
        assert_eq!(list(&[0, 1]), "0 and 1");
        assert_eq!(list(&[0, 2, 4]), "0, 2 and 4");
        assert_eq!(list(&[1, 2, 3, 4]), "1 to 4");
        assert_eq!(list(&[1, 3, 4, 5, 6, 7, 8]), "1 and 3 to 8");
        assert_eq!(ordinal(1), "1st");
        assert_eq!(ordinal(12), "12th");
        assert_eq!(ordinal(23), "23rd");
    }
}
