//! Width math for the receipt, in terminal columns (unicode widths), never bytes or chars: a product name carries
//! accents and may be 60 characters long, and a wide glyph takes two columns. Every line leaves here exactly as
//! wide as the paper ([`exact`]): measured as a whole string each time something is added, because unicode
//! widths of a string are not always the sum of its characters' (an emoji with its variation selector).
//! Own code rather than `crate::ui`'s helpers: the receipt must not depend on the screens.

use unicode_width::UnicodeWidthStr;

/// Columns `text` takes.
pub(super) fn width(text: &str) -> usize {
    UnicodeWidthStr::width(text)
}

/// `text` with every control character (a line break, a tab, an escape byte) made a space: what the receipt
/// prints comes from outside (product names, the configuration), and a control character would break a line
/// on screen or be taken by a printer as a command.
pub(super) fn clean(text: &str) -> String {
    text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

/// `line` made exactly `columns` wide: padded with spaces, or (a guard the layout never needs) cut at its end.
pub(super) fn exact(mut line: String, columns: usize) -> String {
    while width(&line) > columns {
        line.pop();
    }
    let missing = columns.saturating_sub(width(&line));
    line.extend(std::iter::repeat_n(' ', missing));
    line
}

/// `text` broken at spaces into lines of at most `columns`, the first starting with `first` spaces and the
/// others with `rest` (a word wider than a line is cut where the line ends). Never empty: an empty text is one
/// line of its indent. Lines are not padded.
pub(super) fn wrap(text: &str, columns: usize, first: usize, rest: usize) -> Vec<String> {
    // An indent leaves at least half the line for the words, whatever the caller asked.
    let first = first.min(columns / 2);
    let rest = rest.min(columns / 2);
    let mut lines = Vec::new();
    let mut line = " ".repeat(first);
    let mut empty = true;
    // Split at plain spaces only: a non-breaking space keeps `15,75 €` together.
    for word in text.split(' ').filter(|word| !word.is_empty()) {
        let joined = if empty { format!("{line}{word}") } else { format!("{line} {word}") };
        if width(&joined) <= columns {
            line = joined;
            empty = false;
            continue;
        }
        if !empty {
            lines.push(std::mem::replace(&mut line, " ".repeat(rest)));
            let alone = format!("{line}{word}");
            if width(&alone) <= columns {
                line = alone;
                empty = false;
                continue;
            }
        }
        // A word wider than a whole line: cut it character by character.
        for c in word.chars() {
            let longer = format!("{line}{c}");
            if width(&longer) > columns && !empty {
                lines.push(std::mem::replace(&mut line, format!("{}{c}", " ".repeat(rest))));
            } else {
                line = longer;
            }
            empty = false;
        }
    }
    lines.push(line);
    lines
}

/// `right` at the right edge of `columns`, cut into several right-aligned lines only if it is wider than a whole
/// line (an amount is never cut with an ellipsis: every digit stays).
pub(super) fn right_aligned(right: &str, columns: usize) -> Vec<String> {
    wrap(right, columns, 0, 0)
        .into_iter()
        .map(|line| format!("{}{line}", " ".repeat(columns.saturating_sub(width(&line)))))
        .collect()
}

/// `left` (wrapped, starting `indent` spaces in, its next lines two further) with `right` right-aligned on its
/// last line when there is room for both and a space between, else on a line of its own.
pub(super) fn left_right(left: &str, right: &str, columns: usize, indent: usize) -> Vec<String> {
    let mut lines = wrap(left, columns, indent, indent + 2);
    let last = lines.pop().unwrap_or_default();
    let gap = columns.checked_sub(width(&last) + width(right));
    match gap {
        Some(gap) if gap >= 1 && !right.is_empty() => lines.push(format!("{last}{}{right}", " ".repeat(gap))),
        _ => {
            lines.push(last);
            if !right.is_empty() {
                lines.extend(right_aligned(right, columns));
            }
        }
    }
    lines
}

/// `text` wrapped and each line centred in `columns`.
pub(super) fn centred(text: &str, columns: usize) -> Vec<String> {
    wrap(text, columns, 0, 0)
        .into_iter()
        .map(|line| format!("{}{line}", " ".repeat(columns.saturating_sub(width(&line)) / 2)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_breaks_at_spaces_indents_and_cuts_words_wider_than_a_line() {
        assert_eq!(wrap("Amoxicilina 500 mg cápsula", 16, 0, 2), ["Amoxicilina 500", "  mg cápsula"]);
        assert_eq!(wrap("abcdefghij", 4, 0, 0), ["abcd", "efgh", "ij"]);
        assert_eq!(wrap("", 10, 2, 2), ["  "]);
        assert_eq!(wrap("15,75\u{a0}€ total", 8, 0, 0), ["15,75\u{a0}€", "total"]);
        // Wide glyphs take two columns each.
        assert_eq!(wrap("薬局の処方箋", 5, 0, 0), ["薬局", "の処", "方箋"]);
    }

    #[test]
    fn amounts_go_right_and_move_to_their_own_line_when_the_left_is_long() {
        assert_eq!(left_right("Total", "Q78.75", 14, 0), ["Total   Q78.75"]);
        assert_eq!(left_right("Paga la aseguradora", "Q63.00", 20, 0), ["Paga la aseguradora", "              Q63.00"]);
        assert_eq!(left_right("", "Q1.00", 8, 0), ["   Q1.00"]);
        assert_eq!(right_aligned("RD$123,456,789.10", 8), ["RD$123,4", "56,789.1", "       0"]);
    }

    #[test]
    fn lines_are_made_exactly_as_wide_as_the_paper() {
        assert_eq!(exact("Acetaminofén".into(), 14), "Acetaminofén  ");
        assert_eq!(exact("薬局の".into(), 5), "薬局 ");
        assert_eq!(width(&exact("❤\u{fe0f}❤\u{fe0f}❤\u{fe0f}".into(), 5)), 5);
        assert_eq!(clean("a\nb\u{1b}@c"), "a b @c");
    }
}
