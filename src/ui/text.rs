//! Width math for the screen, always in terminal columns (unicode widths), never in bytes or chars: product
//! names carry accents and may be 60 characters long, and a wide glyph takes two columns.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Columns `text` takes on screen.
pub fn width(text: &str) -> usize {
    UnicodeWidthStr::width(text)
}

/// `text` cut to `max` columns, ending in `…` when something was cut.
pub fn fit(text: &str, max: u16) -> String {
    let max = usize::from(max);
    if width(text) <= max {
        return text.to_owned();
    }
    if max == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > max - 1 {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

/// `text` cut to `max` columns keeping its end, after a `…`, where the end is what tells texts apart (codes and
/// claims differ in their last digits): `…2026-000101`.
pub fn fit_tail(text: &str, max: u16) -> String {
    let max = usize::from(max);
    if width(text) <= max {
        return text.to_owned();
    }
    if max == 0 {
        return String::new();
    }
    let mut kept = Vec::new();
    let mut used = 1;
    for c in text.chars().rev() {
        let w = c.width().unwrap_or(0);
        if used + w > max {
            break;
        }
        kept.push(c);
        used += w;
    }
    std::iter::once('…').chain(kept.into_iter().rev()).collect()
}

/// Styled pieces of one line cut to `max` columns, the last one kept ending in `…` when something was cut.
pub fn fit_spans(spans: Vec<ratatui::text::Span<'static>>, max: u16) -> Vec<ratatui::text::Span<'static>> {
    let mut left = usize::from(max);
    let mut out = Vec::with_capacity(spans.len());
    for span in spans {
        let w = width(&span.content);
        if w <= left {
            left -= w;
            out.push(span);
            continue;
        }
        if left > 0 {
            let cut = fit(&span.content, u16::try_from(left).unwrap_or(u16::MAX));
            out.push(ratatui::text::Span::styled(cut, span.style));
        }
        break;
    }
    out
}

/// `text` broken into lines of at most `max` columns, at spaces where it can (a word longer than a line is cut).
pub fn wrap(text: &str, max: u16) -> Vec<String> {
    let max = usize::from(max.max(1));
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        let mut used = 0;
        for word in paragraph.split(' ') {
            let mut word = word.to_owned();
            loop {
                let w = width(&word);
                let gap = usize::from(used > 0);
                if used + gap + w <= max {
                    if gap == 1 {
                        line.push(' ');
                    }
                    line.push_str(&word);
                    used += gap + w;
                    break;
                }
                if used > 0 {
                    lines.push(std::mem::take(&mut line));
                    used = 0;
                    continue;
                }
                // A word wider than the line: cut it where the line ends.
                let mut head = String::new();
                let mut head_width = 0;
                let mut rest = word.chars();
                for c in rest.by_ref() {
                    let cw = c.width().unwrap_or(0);
                    if head_width + cw > max {
                        head.push(c);
                        break;
                    }
                    head.push(c);
                    head_width += cw;
                }
                let last = head.pop();
                lines.push(head);
                word = last.into_iter().chain(rest).collect();
                if word.is_empty() {
                    break;
                }
            }
        }
        lines.push(line);
    }
    lines
}

/// Seconds as `m:ss` for countdowns.
pub fn countdown(seconds: i64) -> String {
    let seconds = seconds.max(0);
    format!("{}:{:02}", seconds / 60, seconds % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fitting_counts_columns_not_bytes() {
        assert_eq!(fit("Acetaminofén", 12), "Acetaminofén");
        assert_eq!(fit("Acetaminofén 500 mg", 12), "Acetaminofé…");
        assert_eq!(width(&fit("薬局の処方箋", 5)), 5);
        assert_eq!(fit("abc", 0), "");
        assert_eq!(fit_tail("AUTH-2026-000101", 12), "…2026-000101");
        assert_eq!(fit_tail("AUTH-2026-000101", 16), "AUTH-2026-000101");
        assert_eq!(fit_tail("abc", 0), "");
    }

    #[test]
    fn wrapping_breaks_at_spaces_and_cuts_long_words() {
        assert_eq!(wrap("El código NOPE-0000 no existe.", 12), ["El código", "NOPE-0000 no", "existe."]);
        assert_eq!(wrap("abcdefghij", 4), ["abcd", "efgh", "ij"]);
        assert_eq!(wrap("uno\ndos", 10), ["uno", "dos"]);
    }

    #[test]
    fn countdowns_read_as_minutes_and_seconds() {
        assert_eq!(countdown(299), "4:59");
        assert_eq!(countdown(5), "0:05");
        assert_eq!(countdown(-3), "0:00");
    }
}
