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
//! 3. Before the benches, the bytes crossterm writes for a draw (a counting writer, not a tty), printed once.
//!
//! Run with `cargo bench --bench render`; criterion's own flags follow `--`.

use std::cell::Cell;
use std::hint::black_box;
use std::io::{self, Write};
use std::rc::Rc;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion};
use mostrador::counter::{App, Msg, Step, Verify, update};
use mostrador::i18n::Locale;
use mostrador::osigu::endpoint::Environment;
use mostrador::runtime::Capture;
use mostrador::ui::{self, Chrome};
use ratatui::backend::{CrosstermBackend, TestBackend};
use ratatui::layout::Rect;
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
            on_entry(app) && matches!(&app.step, Step::Entry { code } if code.value() == "AUTH-2026-000101")
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

fn chrome(now: OffsetDateTime) -> Chrome {
    let mut chrome = Chrome::new(Locale::Es, Environment::Sandbox, now);
    chrome.provider = Some("farmacia-demo".to_owned());
    chrome
}

fn test_terminal(cols: u16, rows: u16) -> Terminal<TestBackend> {
    Terminal::new(TestBackend::new(cols, rows)).expect("test terminal")
}

// ---------------------------------------------------------------------------------------------------------
// Bytes on the wire.

/// A writer that only counts what crossterm writes to it.
#[derive(Clone, Default)]
struct Counting(Rc<Cell<u64>>);

impl Write for Counting {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.set(self.0.get() + buf.len() as u64);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

struct Wire {
    terminal: Terminal<CrosstermBackend<Counting>>,
    bytes: Rc<Cell<u64>>,
}

impl Wire {
    fn new() -> Self {
        let counting = Counting::default();
        let bytes = Rc::clone(&counting.0);
        let viewport = Viewport::Fixed(Rect::new(0, 0, 80, 24));
        let terminal =
            Terminal::with_options(CrosstermBackend::new(counting), TerminalOptions { viewport }).expect("terminal");
        Self { terminal, bytes }
    }

    /// The bytes one draw of `app` writes.
    fn draw(&mut self, app: &App, chrome: &Chrome) -> u64 {
        let before = self.bytes.get();
        self.terminal.draw(|frame| ui::render(frame, app, chrome)).expect("draw");
        self.bytes.get() - before
    }
}

fn report_wire(now: OffsetDateTime, mut counter: App, mut review: App) {
    let chrome = chrome(now);
    let mut wire = Wire::new();
    let first = wire.draw(&counter, &chrome);
    let unchanged = wire.draw(&counter, &chrome);
    let typed: Vec<u64> = "AUTH-2026-000101-XYZ"
        .chars()
        .map(|c| {
            let effects = update(&mut counter, Msg::Edit(InputRequest::InsertChar(c)), now);
            assert!(effects.is_empty(), "typing asks for nothing");
            wire.draw(&counter, &chrome)
        })
        .collect();

    let mut wire_review = Wire::new();
    let review_first = wire_review.draw(&review, &chrome);
    let effects = update(&mut review, Msg::Down, now);
    assert!(effects.is_empty(), "moving the selection asks for nothing");
    assert!(matches!(&review.step, Step::Review(review) if review.selected == 1), "the selection moved one line");
    let line_move = wire_review.draw(&review, &chrome);

    let min = typed.iter().min().copied().unwrap_or_default();
    let max = typed.iter().max().copied().unwrap_or_default();
    let avg = typed.iter().sum::<u64>() as f64 / typed.len() as f64;
    eprintln!();
    eprintln!("Bytes on the wire (CrosstermBackend into a counting writer, 80x24 fixed viewport)");
    eprintln!("  {:<52} {:>8}", "what", "bytes");
    eprintln!("  {:<52} {:>8}", "first draw, counter (diff against a blank screen)", first);
    eprintln!("  {:<52} {:>8}", "redraw, nothing changed", unchanged);
    eprintln!("  {:<52} {:>8}", format!("typed character, min ({} keys)", typed.len()), min);
    eprintln!("  {:<52} {:>8.1}", "typed character, avg", avg);
    eprintln!("  {:<52} {:>8}", "typed character, max", max);
    eprintln!("  {:<52} {:>8}", "first draw, review RX-2026-000004", review_first);
    eprintln!("  {:<52} {:>8}", "review RX-2026-000004, one line down (Msg::Down)", line_move);
    eprintln!("  per key: {typed:?}");
    eprintln!();
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
        Step::Entry { code } => code.value().chars().count(),
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
    let (states, mut keystroke, wire_counter, wire_review) = runtime.block_on(async {
        let states = states().await;
        (states, fresh_counter().await, fresh_counter().await, review_rx4().await)
    });
    // The states are plain data now; the sandboxes and executors are gone with their counters.
    drop(runtime);

    report_wire(now, wire_counter, wire_review);

    let chrome = chrome(now);
    let mut criterion = Criterion::default().configure_from_args();
    bench_render(&mut criterion, &states, &chrome);
    bench_keystroke(&mut criterion, &mut keystroke, &chrome, now);
    criterion.final_summary();
}
