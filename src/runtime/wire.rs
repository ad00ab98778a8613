//! The counter's screen on the wire: a ratatui backend that puts each frame on the terminal in ONE `write`,
//! wrapped in synchronized output (DEC mode 2026: the terminal shows the frame whole, so a slow SSH link never
//! shows half of one), and that sends only what the terminal does not already have. It remembers where the
//! terminal's cursor is, whether it shows, and which colours are set, across frames, so a typed character is the
//! character and little else: no cursor move when the cursor already stands there, no colour that is already
//! set. ratatui's own `CrosstermBackend` writes a frame in many pieces (every cursor call flushes), moves the
//! cursor before the first cell of every frame and resets every colour after it.
//!
//! The size comes from the resize events the loop passes on ([`Surface::resized`]), never from a query per
//! frame (crossterm opens `/dev/tty` for each size query).

use std::io::{self, Write};

use crossterm::cursor::{Hide, MoveTo, Show};
use crossterm::style::{Attribute, Print, SetAttribute, SetBackgroundColor, SetColors, SetForegroundColor};
use crossterm::terminal::{BeginSynchronizedUpdate, Clear, EndSynchronizedUpdate};
use crossterm::{Command, queue};
use ratatui::backend::{Backend, ClearType, IntoCrossterm, TestBackend, WindowSize};
use ratatui::buffer::Cell;
use ratatui::layout::{Position, Size};
use ratatui::style::{Color, Modifier};
use unicode_width::UnicodeWidthStr;

/// What the event loop needs of a screen besides drawing: to learn the size a resize event carried.
pub trait Surface: Backend {
    /// The terminal is now `columns` × `rows`.
    fn resized(&mut self, columns: u16, rows: u16);
}

impl Surface for TestBackend {
    fn resized(&mut self, columns: u16, rows: u16) {
        self.resize(columns, rows);
    }
}

/// The terminal's drawing state as the terminal itself holds it (select graphic rendition).
#[derive(Clone, Copy, PartialEq, Eq)]
struct Pen {
    fg: Color,
    bg: Color,
    modifier: Modifier,
}

impl Pen {
    const PLAIN: Self = Self { fg: Color::Reset, bg: Color::Reset, modifier: Modifier::empty() };
}

/// A terminal reached through `out` (the counter's standard output).
pub struct Wire<W: Write> {
    out: W,
    /// The frame being built; written whole by [`Backend::flush`].
    frame: Vec<u8>,
    size: Size,
    /// Where the terminal's cursor stands, when known for sure.
    cursor: Option<Position>,
    /// Whether the cursor shows, when known.
    visible: Option<bool>,
    pen: Pen,
}

impl<W: Write> Wire<W> {
    /// A terminal of `size` whose state is unknown: the first frame sets everything it needs.
    pub fn new(out: W, size: Size) -> Self {
        Self { out, frame: Vec::with_capacity(16 * 1024), size, cursor: None, visible: None, pen: Pen::PLAIN }
    }

    /// What was written to the terminal (for tests and benches that count).
    pub fn out(&self) -> &W {
        &self.out
    }

    fn queue(&mut self, command: impl Command) -> io::Result<()> {
        queue!(self.frame, command)
    }

    fn move_to(&mut self, at: Position) -> io::Result<()> {
        if self.cursor != Some(at) {
            self.queue(MoveTo(at.x, at.y))?;
            self.cursor = Some(at);
        }
        Ok(())
    }

    /// Sets the terminal's pen to `to`, sending only the differences.
    fn pen(&mut self, to: Pen) -> io::Result<()> {
        if to.modifier != self.pen.modifier {
            modifier_diff(&mut self.frame, self.pen.modifier, to.modifier)?;
        }
        match (to.fg != self.pen.fg, to.bg != self.pen.bg) {
            (true, true) => {
                let colors = crossterm::style::Colors::new(to.fg.into_crossterm(), to.bg.into_crossterm());
                self.queue(SetColors(colors))?;
            }
            (true, false) => self.queue(SetForegroundColor(to.fg.into_crossterm()))?,
            (false, true) => self.queue(SetBackgroundColor(to.bg.into_crossterm()))?,
            (false, false) => {}
        }
        self.pen = to;
        Ok(())
    }
}

impl<W: Write> Surface for Wire<W> {
    fn resized(&mut self, columns: u16, rows: u16) {
        self.size = Size { width: columns, height: rows };
        // A terminal may move its cursor when it reflows: the next frame places it again.
        self.cursor = None;
    }
}

impl<W: Write> Backend for Wire<W> {
    type Error = io::Error;

    fn draw<'a, I>(&mut self, content: I) -> io::Result<()>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        for (x, y, cell) in content {
            self.move_to(Position { x, y })?;
            self.pen(Pen { fg: cell.fg, bg: cell.bg, modifier: cell.modifier })?;
            let symbol = cell.symbol();
            self.queue(Print(symbol))?;
            // One column on: where the next cell of the row is drawn, with no move. Anything wider, or the
            // last column (where terminals differ on whether the cursor wraps), leaves the cursor unknown.
            let width = symbol.width();
            self.cursor = match width {
                1 if x + 1 < self.size.width => Some(Position { x: x + 1, y }),
                _ => None,
            };
        }
        // Nothing else may write while a colour is set: the frame ends plain.
        if self.pen != Pen::PLAIN {
            self.queue(SetAttribute(Attribute::Reset))?;
            self.pen = Pen::PLAIN;
        }
        Ok(())
    }

    fn hide_cursor(&mut self) -> io::Result<()> {
        if self.visible != Some(false) {
            self.queue(Hide)?;
            self.visible = Some(false);
        }
        Ok(())
    }

    fn show_cursor(&mut self) -> io::Result<()> {
        if self.visible != Some(true) {
            self.queue(Show)?;
            self.visible = Some(true);
        }
        Ok(())
    }

    fn get_cursor_position(&mut self) -> io::Result<Position> {
        Ok(self.cursor.unwrap_or_default())
    }

    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> io::Result<()> {
        self.move_to(position.into())
    }

    fn clear(&mut self) -> io::Result<()> {
        self.clear_region(ClearType::All)
    }

    fn clear_region(&mut self, clear_type: ClearType) -> io::Result<()> {
        self.queue(Clear(match clear_type {
            ClearType::All => crossterm::terminal::ClearType::All,
            ClearType::AfterCursor => crossterm::terminal::ClearType::FromCursorDown,
            ClearType::BeforeCursor => crossterm::terminal::ClearType::FromCursorUp,
            ClearType::CurrentLine => crossterm::terminal::ClearType::CurrentLine,
            ClearType::UntilNewLine => crossterm::terminal::ClearType::UntilNewLine,
        }))
    }

    fn size(&self) -> io::Result<Size> {
        Ok(self.size)
    }

    fn window_size(&mut self) -> io::Result<WindowSize> {
        Ok(WindowSize { columns_rows: self.size, pixels: Size::default() })
    }

    /// The frame, whole, in one `write`: begin synchronized update, the frame, end synchronized update. A frame
    /// that changed nothing writes nothing.
    fn flush(&mut self) -> io::Result<()> {
        if self.frame.is_empty() {
            return Ok(());
        }
        let mut wire = Vec::with_capacity(self.frame.len() + 16);
        queue!(wire, BeginSynchronizedUpdate)?;
        wire.append(&mut self.frame);
        queue!(wire, EndSynchronizedUpdate)?;
        let written = self.out.write_all(&wire).and_then(|()| self.out.flush());
        // Keep the allocation for the next frame.
        wire.clear();
        self.frame = wire;
        written
    }
}

/// The attributes that change from `from` to `to` (bold and dim share one reset, so one removed means the
/// other, if kept, is set again).
fn modifier_diff(w: &mut Vec<u8>, from: Modifier, to: Modifier) -> io::Result<()> {
    let removed = from - to;
    let added = to - from;
    let set = |w: &mut Vec<u8>, attribute| queue!(w, SetAttribute(attribute));
    if removed.contains(Modifier::REVERSED) {
        set(w, Attribute::NoReverse)?;
    }
    let reset_intensity = removed.intersects(Modifier::BOLD | Modifier::DIM);
    if reset_intensity {
        set(w, Attribute::NormalIntensity)?;
        if to.contains(Modifier::DIM) {
            set(w, Attribute::Dim)?;
        }
        if to.contains(Modifier::BOLD) {
            set(w, Attribute::Bold)?;
        }
    }
    for (modifier, off) in [
        (Modifier::ITALIC, Attribute::NoItalic),
        (Modifier::UNDERLINED, Attribute::NoUnderline),
        (Modifier::CROSSED_OUT, Attribute::NotCrossedOut),
        (Modifier::HIDDEN, Attribute::NoHidden),
    ] {
        if removed.contains(modifier) {
            set(w, off)?;
        }
    }
    if removed.intersects(Modifier::SLOW_BLINK | Modifier::RAPID_BLINK) {
        set(w, Attribute::NoBlink)?;
    }
    for (modifier, on) in [
        (Modifier::REVERSED, Attribute::Reverse),
        (Modifier::ITALIC, Attribute::Italic),
        (Modifier::UNDERLINED, Attribute::Underlined),
        (Modifier::CROSSED_OUT, Attribute::CrossedOut),
        (Modifier::HIDDEN, Attribute::Hidden),
        (Modifier::SLOW_BLINK, Attribute::SlowBlink),
        (Modifier::RAPID_BLINK, Attribute::RapidBlink),
    ] {
        if added.contains(modifier) {
            set(w, on)?;
        }
    }
    if !reset_intensity {
        if added.contains(Modifier::BOLD) {
            set(w, Attribute::Bold)?;
        }
        if added.contains(Modifier::DIM) {
            set(w, Attribute::Dim)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::rc::Rc;

    use ratatui::layout::Rect;
    use ratatui::{Terminal, TerminalOptions, Viewport};
    use time::macros::datetime;
    use tui_input::InputRequest;

    use super::*;
    use crate::counter::{App, Msg, Settings, update};
    use crate::i18n::Locale;
    use crate::osigu::endpoint::Environment;
    use crate::ui::{self, Chrome};

    /// A terminal that keeps each `write` apart.
    #[derive(Clone, Default)]
    struct Writes(Rc<RefCell<Vec<Vec<u8>>>>);

    impl Write for Writes {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.borrow_mut().push(buf.to_vec());
            Ok(buf.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    impl Writes {
        fn take(&self) -> Vec<Vec<u8>> {
            std::mem::take(&mut *self.0.borrow_mut())
        }
    }

    /// The counter's code field at 80x24, drawn through [`Wire`] into `writes`.
    fn counter(writes: &Writes) -> (Terminal<Wire<Writes>>, App, Chrome) {
        let now = datetime!(2026-11-21 15:04:00 UTC);
        let size = Size { width: 80, height: 24 };
        let viewport = Viewport::Fixed(Rect::new(0, 0, 80, 24));
        let terminal =
            Terminal::with_options(Wire::new(writes.clone(), size), TerminalOptions { viewport }).expect("terminal");
        (terminal, App::new(Settings::default(), now), Chrome::new(Locale::Es, Environment::Sandbox, now))
    }

    #[test]
    fn each_frame_is_one_write_in_synchronized_output_and_an_unchanged_one_writes_nothing() {
        let writes = Writes::default();
        let (mut terminal, app, chrome) = counter(&writes);
        terminal.draw(|frame| ui::render(frame, &app, &chrome)).expect("draw");
        let first = writes.take();
        assert_eq!(first.len(), 1, "the first frame in one write");
        assert!(first[0].starts_with(b"\x1b[?2026h") && first[0].ends_with(b"\x1b[?2026l"));
        assert!(String::from_utf8_lossy(&first[0]).contains("Escanee el c"), "the whole screen is in it");
        terminal.draw(|frame| ui::render(frame, &app, &chrome)).expect("draw");
        assert!(writes.take().is_empty(), "nothing changed, nothing written");
    }

    #[test]
    fn a_typed_character_costs_at_most_32_bytes() {
        let writes = Writes::default();
        let (mut terminal, mut app, chrome) = counter(&writes);
        let now = app.session.now;
        terminal.draw(|frame| ui::render(frame, &app, &chrome)).expect("draw");
        writes.take();
        let mut sizes = Vec::new();
        for c in "AUTH-2026-000101".chars() {
            update(&mut app, Msg::Edit(InputRequest::InsertChar(c)), now);
            terminal.draw(|frame| ui::render(frame, &app, &chrome)).expect("draw");
            let frame = writes.take();
            assert_eq!(frame.len(), 1, "one write for {c:?}");
            sizes.push(frame[0].len());
        }
        // The first character also changes the hints (Esc now clears the field): from the second on, only the
        // field changes.
        assert!(sizes[1..].iter().all(|bytes| *bytes <= 32), "bytes per typed character: {sizes:?}");
    }

    #[test]
    fn the_size_comes_from_resize_events_not_from_the_terminal() {
        let mut wire = Wire::new(Writes::default(), Size { width: 80, height: 24 });
        assert_eq!(wire.size().expect("size"), Size { width: 80, height: 24 });
        wire.resized(120, 40);
        assert_eq!(wire.size().expect("size"), Size { width: 120, height: 40 });
    }
}
