//! A QR code drawn with half blocks: two modules per terminal cell, top in the foreground colour and bottom in
//! the background colour, dark on white whatever the terminal's theme, so a phone's camera reads it at 80x24.

use std::cell::RefCell;

use qrcode::{Color as Module, EcLevel, QrCode};
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};

/// A drawn code: its lines and its size in cells.
pub(super) struct Drawn {
    pub lines: Vec<Line<'static>>,
    pub width: u16,
    pub height: u16,
}

thread_local! {
    /// The last code encoded: the challenge stays the same while its countdown redraws the screen each second,
    /// and encoding (choosing the mask) is most of the screen's cost.
    static LAST: RefCell<Option<(String, usize, Vec<Module>)>> = const { RefCell::new(None) };
}

/// The modules of `data`'s QR code and its side, from the cache when `data` was the last one encoded.
fn modules(data: &str) -> Option<(usize, Vec<Module>)> {
    LAST.with_borrow_mut(|last| {
        if let Some((cached, size, modules)) = last.as_ref()
            && cached == data
        {
            return Some((*size, modules.clone()));
        }
        // Low error correction keeps the code small; a screen does not get scratched like a label.
        let code = QrCode::with_error_correction_level(data.as_bytes(), EcLevel::L).ok()?;
        let (size, modules) = (code.width(), code.to_colors());
        *last = Some((data.to_owned(), size, modules.clone()));
        Some((size, modules))
    })
}

/// `data` as a QR code fitting `max_width` × `max_height` cells, with the widest quiet zone that still fits (up to the standard's 4 modules, at least 1)
/// that still fits; `None` when it cannot fit or cannot be encoded.
pub(super) fn draw(data: &str, max_width: u16, max_height: u16) -> Option<Drawn> {
    let (size, modules) = modules(data)?;
    (1..=4usize).rev().find_map(|quiet| {
        let side = size + 2 * quiet;
        let width = u16::try_from(side).ok()?;
        let height = u16::try_from(side.div_ceil(2)).ok()?;
        (width <= max_width && height <= max_height).then(|| {
            let dark = |x: usize, y: usize| -> bool {
                x >= quiet
                    && y >= quiet
                    && x - quiet < size
                    && y - quiet < size
                    && modules[(y - quiet) * size + (x - quiet)] == Module::Dark
            };
            let colour = |is_dark: bool| if is_dark { Color::Black } else { Color::White };
            let lines = (0..usize::from(height))
                .map(|row| {
                    let spans: Vec<Span<'static>> = (0..side)
                        .map(|x| {
                            let top = dark(x, row * 2);
                            let bottom = row * 2 + 1 < side && dark(x, row * 2 + 1);
                            Span::styled("▀", Style::new().fg(colour(top)).bg(colour(bottom)))
                        })
                        .collect();
                    Line::from(spans)
                })
                .collect();
            Drawn { lines, width, height }
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_challenge_url_fits_the_80x24_body() {
        let url = "http://127.0.0.1:45678/sandbox/v1/challenges/chl_01KAH9ZQ3G7W4X2N8P5R6T7V8Y";
        let drawn = draw(url, 40, 22).expect("fits");
        assert!(drawn.height <= 22 && drawn.width <= 40);
        assert_eq!(drawn.lines.len(), usize::from(drawn.height));
        assert!(draw(url, 10, 5).is_none(), "too small a space gives no code rather than a broken one");
    }
}
