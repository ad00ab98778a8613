//! What drawing the counter costs: every screen rendered through `ui::render`, one keystroke in the code
//! field (core + draw), and the bytes a draw puts on the wire.
//!
//! Every screen state is reached the way the clerk reaches it: the real core (`counter::update`) fed messages,
//! its effects run by the real executor against the embedded sandbox on 127.0.0.1:0 (frozen clock, fixed ids),
//! as in `tests/flows/support.rs`.
//!
//! 1. `render/<state>/<cols>x<rows>`: one `Terminal::draw` of the state into a `TestBackend` (layout, widgets,
//!    and ratatui's diff against the previous frame, which is the same state, so the diff is empty).
//! 2. `keystroke/code_field`: one character typed into the code field (`update`) plus a full draw at 80x24.
//! 3. Before the benches, the bytes and `write`s a draw puts on the wire, through the counter's own backend
//!    (`runtime::Wire`: one write per frame, in synchronized output) and, for comparison, ratatui's
//!    `CrosstermBackend`, into counting writers (not a tty), printed once.
//!
//! Run with `cargo bench --bench render`; criterion's own flags follow `--`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test crate: its helpers unwrap, as `clippy.toml` lets its tests

use std::cell::Cell;
use std::hint::black_box;
use std::io::{self, Write};
use std::rc::Rc;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion};
use mostrador::counter::{App, Msg, Step, Verify, update};
use mostrador::i18n::Locale;
use mostrador::osigu::endpoint::Environment;
use mostrador::runtime::{Capture, Wire as WireBackend};
use mostrador::ui::{self, Chrome};
use ratatui::backend::{CrosstermBackend, TestBackend};
use ratatui::layout::{Rect, Size};
use ratatui::{Terminal, TerminalOptions, Viewport};
use time::OffsetDateTime;
use tui_input::InputRequest;

const SIZES: [(u16, u16); 2] = [(80, 24), (200, 60)];

// ---------------------------------------------------------------------------------------------------------
// The screens' test harness: the counter's event loop, keymap and executor against the sandbox, on a frozen
// clock.

use mostrador::test_support::Screen;
use mostrador::test_support::screen as support;

/// The state reached, after checking it is the one meant (a bench of the wrong screen measures nothing).
fn checked(mut screen: Screen, name: &str, expected: impl Fn(&App) -> bool) -> App {
    let app = std::mem::replace(&mut screen.app, mostrador::counter::App::new(Default::default(), support::FIXED));
    assert!(expected(&app), "{name}: unexpected state {:?} (problem: {:?})", app.step, app.problem);
    // The state is plain data from here on; the sandbox and the executor stop with the rest of the screen.
    app
}

fn on_entry(app: &App) -> bool {
    matches!(app.step, Step::Entry { .. }) && app.problem.is_none()
}

fn on_review(app: &App) -> bool {
    matches!(app.step, Step::Review(_)) && app.problem.is_none()
}

// ---------------------------------------------------------------------------------------------------------
// The screen states.

/// Each state on its own sandbox (a redeemed code cannot be started again, and `App` is not `Clone`).
async fn states() -> Vec<(&'static str, App)> {
    let mut states = Vec::new();

    let counter = Screen::open(Locale::Es).await;
    states.push(("counter_empty", checked(counter, "counter_empty", on_entry)));

    let mut counter = Screen::open(Locale::Es).await;
    counter.type_text("AUTH-2026-000101").await;
    states.push((
        "counter_typed",
        checked(counter, "counter_typed", |app| {
            on_entry(app) && matches!(&app.step, Step::Entry { code, .. } if code.value() == "AUTH-2026-000101")
        }),
    ));

    let mut counter = Screen::open(Locale::Es).await;
    counter.scan("AUTH-2026-000101").await;
    states.push(("review_auth101", checked(counter, "review_auth101", on_review)));

    states.push(("review_rx4", review_rx4().await));

    let mut counter = Screen::open(Locale::Es).await;
    counter.scan("AUTH-2026-000102").await;
    states.push((
        "otp_auth102",
        checked(counter, "otp_auth102", |app| {
            matches!(&app.step, Step::Verify(Verify::Otp(otp)) if otp.sent.is_some()) && app.problem.is_none()
        }),
    ));

    // The sandbox's built-in reader gives the beneficiary's own finger and goes straight on to review; a reader
    // that gives another person's sample keeps the fingerprint screen up (no match, two attempts left).
    let sample = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/sandbox/fingerprints/lucia-araujo.wsq");
    let mut counter = Screen::open_with(Locale::Es, Capture::Command(format!("cat {sample}"))).await;
    counter.scan("AUTH-2026-000103").await;
    states.push((
        "fingerprint_auth103",
        checked(counter, "fingerprint_auth103", |app| matches!(app.step, Step::Verify(Verify::Fingerprint(_)))),
    ));

    let mut counter = Screen::open(Locale::Es).await;
    counter.scan("AUTH-2026-000104").await;
    states.push((
        "facial_qr_auth104",
        checked(counter, "facial_qr_auth104", |app| {
            matches!(&app.step, Step::Verify(Verify::Facial(facial)) if facial.challenge_url.is_some())
                && app.problem.is_none()
        }),
    ));

    let mut counter = Screen::open(Locale::Es).await;
    counter.scan("AUTH-2026-000105").await;
    states.push((
        "identify_auth105",
        checked(counter, "identify_auth105", |app| {
            matches!(&app.step, Step::Identify(identify) if !identify.fields.is_empty()) && app.problem.is_none()
        }),
    ));

    let mut counter = Screen::open(Locale::Es).await;
    counter.scan("AUTH-2026-000101").await;
    counter.send(Msg::Finalize).await;
    states.push((
        "finalize_auth101",
        checked(counter, "finalize_auth101", |app| matches!(app.step, Step::Finalize(_)) && app.problem.is_none()),
    ));

    let mut counter = Screen::open(Locale::Es).await;
    counter.scan("AUTH-2026-000101").await;
    counter.send(Msg::Finalize).await;
    counter.send(Msg::Submit).await;
    states.push((
        "done_auth101",
        checked(counter, "done_auth101", |app| matches!(app.step, Step::Done(_)) && app.problem.is_none()),
    ));

    let mut counter = Screen::open(Locale::Es).await;
    counter.scan("NOPE-0000").await;
    states.push(("error_nope", checked(counter, "error_nope", |app| app.problem.is_some())));

    let mut counter = Screen::open(Locale::Es).await;
    counter.send(Msg::Help).await;
    states.push(("help", checked(counter, "help", |app| app.overlays.help)));

    states
}

async fn review_rx4() -> App {
    let mut counter = Screen::open(Locale::Es).await;
    counter.scan("RX-2026-000004").await;
    checked(counter, "review_rx4", |app| {
        on_review(app) && matches!(&app.step, Step::Review(review) if review.lines.len() == 12)
    })
}

async fn fresh_counter() -> App {
    checked(Screen::open(Locale::Es).await, "keystroke counter", on_entry)
}

/// The frame around the counter (the pharmacy's name is in the counter's own state, as the token named it).
fn chrome(now: OffsetDateTime) -> Chrome {
    Chrome::new(Locale::Es, Environment::Sandbox, now)
}

fn test_terminal(cols: u16, rows: u16) -> Terminal<TestBackend> {
    Terminal::new(TestBackend::new(cols, rows)).expect("test terminal")
}

// ---------------------------------------------------------------------------------------------------------
// Bytes on the wire.

/// A writer that only counts the bytes and the `write` calls it gets.
#[derive(Clone, Default)]
struct Counting {
    bytes: Rc<Cell<u64>>,
    writes: Rc<Cell<u64>>,
}

impl Write for Counting {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.bytes.set(self.bytes.get() + buf.len() as u64);
        self.writes.set(self.writes.get() + 1);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A screen at 80x24 on either backend, counting what each draw writes.
enum Wire {
    Counter(Terminal<WireBackend<Counting>>, Counting),
    Crossterm(Terminal<CrosstermBackend<Counting>>, Counting),
}

impl Wire {
    fn new(counter: bool) -> Self {
        let counting = Counting::default();
        let viewport = Viewport::Fixed(Rect::new(0, 0, 80, 24));
        let options = TerminalOptions { viewport };
        if counter {
            let backend = WireBackend::new(counting.clone(), Size { width: 80, height: 24 });
            Self::Counter(Terminal::with_options(backend, options).expect("terminal"), counting)
        } else {
            let backend = CrosstermBackend::new(counting.clone());
            Self::Crossterm(Terminal::with_options(backend, options).expect("terminal"), counting)
        }
    }

    /// The bytes and writes one draw of `app` puts on the wire.
    fn draw(&mut self, app: &App, chrome: &Chrome) -> (u64, u64) {
        let counting = match self {
            Self::Counter(_, counting) | Self::Crossterm(_, counting) => counting.clone(),
        };
        let before = (counting.bytes.get(), counting.writes.get());
        match self {
            Self::Counter(terminal, _) => {
                terminal.draw(|frame| ui::render(frame, app, chrome)).expect("draw");
            }
            Self::Crossterm(terminal, _) => {
                terminal.draw(|frame| ui::render(frame, app, chrome)).expect("draw");
            }
        }
        (counting.bytes.get() - before.0, counting.writes.get() - before.1)
    }
}

/// `states`: a fresh counter and the 12-line review, once for each backend (`App` is not `Clone`).
fn report_wire(now: OffsetDateTime, states: Vec<(App, App)>) {
    let chrome = chrome(now);
    eprintln!();
    let backends = [("runtime::Wire (the counter's)", true), ("ratatui CrosstermBackend", false)];
    for ((name, backend), (mut counter, mut review)) in backends.into_iter().zip(states) {
        let mut wire = Wire::new(backend);
        let first = wire.draw(&counter, &chrome);
        let unchanged = wire.draw(&counter, &chrome);
        let typed: Vec<(u64, u64)> = "AUTH-2026-000101-XYZ"
            .chars()
            .map(|c| {
                let effects = update(&mut counter, Msg::Edit(InputRequest::InsertChar(c)), now);
                assert!(effects.is_empty(), "typing asks for nothing");
                wire.draw(&counter, &chrome)
            })
            .collect();
        let mut wire_review = Wire::new(backend);
        let review_first = wire_review.draw(&review, &chrome);
        let effects = update(&mut review, Msg::Down, now);
        assert!(effects.is_empty(), "moving the selection asks for nothing");
        assert!(matches!(&review.step, Step::Review(review) if review.selected == 1), "the selection moved one line");
        let line_move = wire_review.draw(&review, &chrome);

        let bytes: Vec<u64> = typed.iter().map(|(bytes, _)| *bytes).collect();
        let min = bytes.iter().min().copied().unwrap_or_default();
        let max = bytes.iter().max().copied().unwrap_or_default();
        let writes_per_key = typed.iter().map(|(_, writes)| *writes).max().unwrap_or_default();
        eprintln!("Bytes on the wire through {name}, 80x24 (bytes / writes)");
        eprintln!("  {:<52} {:>6} / {}", "first draw, counter (diff against a blank screen)", first.0, first.1);
        eprintln!("  {:<52} {:>6} / {}", "redraw, nothing changed", unchanged.0, unchanged.1);
        eprintln!("  {:<52} {:>6} / {}", format!("typed character, min ({} keys)", typed.len()), min, writes_per_key);
        eprintln!("  {:<52} {:>6} / {}", "typed character, max", max, writes_per_key);
        eprintln!("  {:<52} {:>6} / {}", "first draw, review RX-2026-000004", review_first.0, review_first.1);
        eprintln!("  {:<52} {:>6} / {}", "review RX-2026-000004, one line down (Msg::Down)", line_move.0, line_move.1);
        eprintln!("  bytes per key: {bytes:?}");
        eprintln!();
    }
}

// ---------------------------------------------------------------------------------------------------------
// The benches.

fn bench_render(c: &mut Criterion, states: &[(&'static str, App)], chrome: &Chrome) {
    let mut group = c.benchmark_group("render");
    for (name, app) in states {
        for (cols, rows) in SIZES {
            let mut terminal = test_terminal(cols, rows);
            group.bench_function(BenchmarkId::new(*name, format!("{cols}x{rows}")), |b| {
                b.iter(|| {
                    terminal.draw(|frame| ui::render(frame, black_box(app), chrome)).expect("draw");
                })
            });
        }
    }
    group.finish();
}

fn bench_keystroke(c: &mut Criterion, app: &mut App, chrome: &Chrome, now: OffsetDateTime) {
    let mut terminal = test_terminal(80, 24);
    let code_len = |app: &App| match &app.step {
        Step::Entry { code, .. } => code.value().chars().count(),
        other => panic!("not on the code field: {other:?}"),
    };
    c.bench_function("keystroke/code_field", |b| {
        b.iter_custom(|iters| {
            let mut spent = Duration::ZERO;
            for _ in 0..iters {
                // Out of the measured part: empty the field before it reaches its 64-character limit.
                if code_len(app) >= 60 {
                    let _ = update(app, Msg::Edit(InputRequest::DeleteLine), now);
                    terminal.draw(|frame| ui::render(frame, app, chrome)).expect("draw");
                }
                let started = Instant::now();
                let effects = update(app, Msg::Edit(InputRequest::InsertChar('7')), now);
                terminal.draw(|frame| ui::render(frame, app, chrome)).expect("draw");
                spent += started.elapsed();
                black_box(effects);
            }
            spent
        })
    });
}

fn main() {
    // The harness's frozen clock: the states were reached at this moment.
    let now = support::FIXED;
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().expect("runtime");
    let (states, mut keystroke, wire_states) = runtime.block_on(async {
        let states = states().await;
        let mut wire_states = Vec::new();
        for _ in 0..2 {
            wire_states.push((fresh_counter().await, review_rx4().await));
        }
        (states, fresh_counter().await, wire_states)
    });
    // The states are plain data now; the sandboxes and executors are gone with their counters.
    drop(runtime);

    report_wire(now, wire_states);

    let chrome = chrome(now);
    let mut criterion = Criterion::default().configure_from_args();
    bench_render(&mut criterion, &states, &chrome);
    bench_keystroke(&mut criterion, &mut keystroke, &chrome, now);
    criterion.final_summary();
}
