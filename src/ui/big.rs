//! Big characters for the one figure the clerk must not misread: what to charge the patient. A 5×7 dot font of
//! the characters an amount is written with in the counter's four countries (digits, separators and the signs
//! `Q`, `RD$`, `$`, `€`), drawn with the block characters `▀ ▄ █` that every terminal font has, the Linux
//! console's included. As large as the room allows: two dots a row (5 columns × 4 rows a character), or each dot
//! a full cell two columns wide (10 × 7). Hand-written because no maintained crate fits: the 8×8 fonts ratatui's
//! big-text widgets use have no `€` and need 8 columns a character, too many for an amount at 80 columns.

use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{text, theme};

/// Each character's dots, row by row (`#` a dot), every row of a glyph the same width.
const GLYPHS: &[(char, [&str; 7])] = &[
    ('0', [".###.", "#...#", "#..##", "#.#.#", "##..#", "#...#", ".###."]),
    ('1', ["..#..", ".##..", "..#..", "..#..", "..#..", "..#..", ".###."]),
    ('2', [".###.", "#...#", "....#", "...#.", "..#..", ".#...", "#####"]),
    ('3', ["#####", "...#.", "..#..", "...#.", "....#", "#...#", ".###."]),
    ('4', ["...#.", "..##.", ".#.#.", "#..#.", "#####", "...#.", "...#."]),
    ('5', ["#####", "#....", "####.", "....#", "....#", "#...#", ".###."]),
    ('6', ["..##.", ".#...", "#....", "####.", "#...#", "#...#", ".###."]),
    ('7', ["#####", "....#", "...#.", "..#..", ".#...", ".#...", ".#..."]),
    ('8', [".###.", "#...#", "#...#", ".###.", "#...#", "#...#", ".###."]),
    ('9', [".###.", "#...#", "#...#", ".####", "....#", "...#.", ".##.."]),
    ('.', ["..", "..", "..", "..", "..", "##", "##"]),
    (',', ["..", "..", "..", "..", "##", ".#", "#."]),
    ('-', ["....", "....", "....", "####", "....", "....", "...."]),
    (' ', ["..", "..", "..", "..", "..", "..", ".."]),
    ('\u{a0}', ["..", "..", "..", "..", "..", "..", ".."]),
    ('Q', [".###.", "#...#", "#...#", "#...#", "#.#.#", "#..#.", ".##.#"]),
    ('R', ["####.", "#...#", "#...#", "####.", "#.#..", "#..#.", "#...#"]),
    ('D', ["####.", "#...#", "#...#", "#...#", "#...#", "#...#", "####."]),
    ('$', ["..#..", ".####", "#.#..", ".###.", "..#.#", "####.", "..#.."]),
    ('€', ["..###", ".#...", "####.", ".#...", "####.", ".#...", "..###"]),
];

/// Rows [`charge`] needs at least: its banner line.
pub(super) const BANNER_ROWS: u16 = 1;

/// What to charge the patient across `area`: `words` on a banner line in reverse video across the width, then
/// `amount` (when there is one) in big characters beneath it, as large as the rest of `area` allows.
pub(super) fn charge(frame: &mut Frame, area: Rect, words: &str, amount: Option<&str>) {
    let banner = Rect { height: BANNER_ROWS.min(area.height), ..area };
    frame.render_widget(
        Paragraph::new(Span::styled(text::fit(words, banner.width), theme::CHARGE))
            .alignment(Alignment::Center)
            .style(theme::CHARGE),
        banner,
    );
    let below = Rect { y: area.y + banner.height, height: area.height.saturating_sub(banner.height), ..area };
    if let Some(rows) = amount.and_then(|amount| render(amount, below.width, below.height)) {
        let lines: Vec<Line> = rows.into_iter().map(|row| Line::from(Span::styled(row, theme::BOLD))).collect();
        frame.render_widget(Paragraph::new(lines).alignment(Alignment::Center), below);
    }
}

/// The rows [`charge`] takes for `amount` in `width` columns and at most `height` rows.
pub(super) fn charge_rows(amount: Option<&str>, width: u16, height: u16) -> u16 {
    let figure = amount
        .and_then(|amount| render(amount, width, height.saturating_sub(BANNER_ROWS)))
        .map_or(0, |rows| u16::try_from(rows.len()).unwrap_or(0));
    BANNER_ROWS + figure
}

/// Dot rows of a glyph.
const DOTS: usize = 7;

fn glyph(c: char) -> Option<&'static [&'static str; DOTS]> {
    GLYPHS.iter().find(|(key, _)| *key == c).map(|(_, rows)| rows)
}

/// `text` in big characters, as the rows to draw, the largest that fits in `width` × `height` cells; `None` when
/// even the smaller does not fit, or `text` has a character the font lacks (the caller then writes it plainly).
pub(super) fn render(text: &str, width: u16, height: u16) -> Option<Vec<String>> {
    let glyphs: Vec<&[&str; DOTS]> = text.chars().map(glyph).collect::<Option<_>>()?;
    // One dot column between characters.
    let dots_wide: usize = glyphs.iter().map(|rows| rows[0].len()).sum::<usize>() + glyphs.len().saturating_sub(1);
    let dots = |row: usize| -> Vec<bool> {
        let mut line = Vec::with_capacity(dots_wide);
        for (index, rows) in glyphs.iter().enumerate() {
            if index > 0 {
                line.push(false);
            }
            line.extend(rows[row].chars().map(|c| c == '#'));
        }
        line
    };
    let (width, height) = (usize::from(width), usize::from(height));
    if dots_wide * 2 <= width && DOTS <= height {
        // Each dot a full cell, two columns wide: square on a terminal's tall cells.
        return Some(
            (0..DOTS).map(|row| dots(row).into_iter().map(|on| if on { "██" } else { "  " }).collect()).collect(),
        );
    }
    if dots_wide <= width && DOTS.div_ceil(2) <= height {
        // Two dot rows a cell: the upper in `▀`, the lower in `▄`, both in `█`.
        return Some(
            (0..DOTS)
                .step_by(2)
                .map(|row| {
                    let upper = dots(row);
                    let lower = if row + 1 < DOTS { dots(row + 1) } else { vec![false; upper.len()] };
                    upper
                        .into_iter()
                        .zip(lower)
                        .map(|pair| match pair {
                            (true, true) => '█',
                            (true, false) => '▀',
                            (false, true) => '▄',
                            (false, false) => ' ',
                        })
                        .collect()
                })
                .collect(),
        );
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;

    #[test]
    fn every_character_of_the_four_countries_amounts_has_a_glyph() {
        let amount = Decimal::new(-123_456_789, 2);
        for currency in ["GTQ", "DOP", "COP", "EUR"] {
            let text = crate::i18n::money(amount, currency);
            assert!(render(&text, 500, 20).is_some(), "{text}");
        }
        for (_, rows) in GLYPHS {
            assert!(rows.iter().all(|row| row.len() == rows[0].len()), "{rows:?}");
        }
    }

    #[test]
    fn as_large_as_the_room_allows_and_nothing_when_it_does_not_fit() {
        let large = render("Q15.75", 80, 10).unwrap();
        assert_eq!(large.len(), 7);
        let small = render("Q15.75", 40, 10).unwrap();
        assert_eq!(small.len(), 4);
        assert_eq!(small[0].chars().count(), 5 * 5 + 2 + 5, "five digits and a point, a column between");
        assert!(render("Q15.75", 20, 10).is_none());
        assert!(render("Q15.75", 80, 3).is_none());
        assert!(render("15 XYZ", 80, 10).is_none(), "a letter the font lacks");
    }
}
