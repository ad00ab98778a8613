//! What the history (F3) costs on a long journal. Issue 11 asks that F3 open in ≤ 2 ms with 100,000 journal
//! rows of which 20 are today (the day read through an index on the date), and that a key in F3 not work the day
//! out again.
//!
//! The journal is built once, before the benches: a real journal file (its schema from `Journal::in_dir`), then
//! 100,000 dispensations written in one transaction, each with its `start` event and its `completed` (or
//! `cancelled`) one, as the counter writes them: 20 today at this till, 2,000 yesterday at this till, the rest
//! over the 1,000 days before that at three tills.
//!
//! 1. `f3/open_100k_20_today`: F3 pressed on the code field (`update`), the journal read the executor does for
//!    it (`runtime::read_history`, on the journal's own connection) and the rows handed back (`update` builds the
//!    History state: the rows shown and the day's totals).
//! 2. `f3/key_down_2000_rows`: ↓ then ↑ on yesterday's 2,000 rows: no read, nothing worked out again.
//! 3. `f3/filter_char_2000_rows`: a character typed into the filter and deleted, on the same day: the filter is
//!    worked out again over the day's rows kept in memory; the journal is not read.
//!
//! SQLite's plan for the day's query is printed first; last, F3 is opened a few times without the index, for
//! comparison. Run with `cargo bench --bench history`; each median is in
//! `target/criterion/f3/<name>/new/estimates.json`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a bench: its setup unwraps, as `clippy.toml` lets tests

use std::hint::black_box;
use std::path::Path;

use criterion::{BatchSize, Criterion};
use mostrador::counter::{App, Effect, HistoryQuery, Msg, Settings, Step, update};
use mostrador::journal::{DAY_QUERY, FILE_NAME, Journal, Place};
use mostrador::runtime::read_history;
use time::macros::{datetime, offset};
use time::{Duration, OffsetDateTime};
use tui_input::InputRequest;

/// The counter's clock: 09:04 on the counter (UTC-6), a Saturday.
const NOW: OffsetDateTime = datetime!(2026-11-21 15:04:00 UTC);
const ROWS: usize = 100_000;
const TODAY: usize = 20;
const YESTERDAY: usize = 2_000;

/// As the journal stores a moment.
fn stamp(at: OffsetDateTime) -> String {
    at.format(time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z")).expect("stamp")
}

/// The 100,000 dispensations, written straight into the journal's tables in one transaction (through the journal
/// it would take an fsync each).
fn build(dir: &Path) {
    let journal = Journal::in_dir(dir, &Place::new("bench", "caja-1")).expect("journal");
    drop(journal);
    let mut connection = rusqlite::Connection::open(dir.join(FILE_NAME)).expect("open");
    let transaction = connection.transaction().expect("transaction");
    {
        let mut dispensation = transaction
            .prepare(
                "INSERT INTO dispensations (dispensation_id, terminal, till, code, code_type, sponsor_slug, status,
                 started_at, updated_at, amount, currency, invoice_number, claim_id)
                 VALUES (?1, 'bench', ?2, ?3, 'AUTHORIZATION', ?4, ?5, ?6, ?7, ?8, 'GTQ', ?9, ?10)",
            )
            .expect("insert");
        let mut event = transaction
            .prepare(
                "INSERT INTO events (at, terminal, till, dispensation_id, code, step, detail)
                 VALUES (?1, 'bench', ?2, ?3, ?4, ?5, '{}')",
            )
            .expect("insert");
        // Today starts at 06:00 UTC on a UTC-6 counter.
        let midnight = datetime!(2026-11-21 06:00 UTC);
        for n in 0..ROWS {
            let (till, started) = if n < TODAY {
                ("caja-1", midnight + Duration::minutes(20 * n as i64))
            } else if n < TODAY + YESTERDAY {
                ("caja-1", midnight - Duration::DAY + Duration::seconds(20 * (n - TODAY) as i64))
            } else {
                let day = 2 + (n % 1_000) as i64;
                (
                    ["caja-1", "caja-2", "caja-3"][n % 3],
                    midnight - Duration::days(day) + Duration::minutes((n % 600) as i64),
                )
            };
            let ended = started + Duration::minutes(2);
            let cancelled = n % 7 == 0;
            let (status, step) = if cancelled { ("CANCELLED", "cancelled") } else { ("COMPLETED", "completed") };
            let id = format!("dsp_{n:08}");
            let code = format!("AUTH-2026-{n:06}");
            let sponsor = ["sponsor-sandbox", "aseguradora-otp", "seguro-huella"][n % 3];
            let amount = (!cancelled).then(|| format!("{}.{:02}", 10 + n % 900, n % 100));
            let invoice = format!("F001-{n:06}");
            let claim = format!("clm_{n:026}");
            dispensation
                .execute(rusqlite::params![
                    id,
                    till,
                    code,
                    sponsor,
                    status,
                    stamp(started),
                    stamp(ended),
                    amount,
                    invoice,
                    claim
                ])
                .expect("dispensation");
            event.execute(rusqlite::params![stamp(started), till, id, code, "start"]).expect("start");
            event.execute(rusqlite::params![stamp(ended), till, id, code, step]).expect("end");
        }
    }
    transaction.commit().expect("commit");
}

/// SQLite's plan for one till's day.
fn print_plan(dir: &Path) {
    let connection = rusqlite::Connection::open(dir.join(FILE_NAME)).expect("open");
    let mut statement = connection.prepare(&format!("EXPLAIN QUERY PLAN {DAY_QUERY}")).expect("plan");
    let plan: Vec<String> = statement
        .query_map(rusqlite::params!["caja-1", "2026-11-21T06:00:00Z", "2026-11-22T06:00:00Z"], |row| row.get(3))
        .expect("plan")
        .collect::<Result<_, _>>()
        .expect("plan");
    println!("the day's query plan:");
    for step in plan {
        println!("  {step}");
    }
}

fn settings() -> Settings {
    Settings { utc_offset: offset!(-6), ..Settings::default() }
}

/// F3 opened and its rows handed back: the History state built.
fn open(journal: &Journal, mut app: App) -> App {
    let effects = update(&mut app, Msg::History, NOW);
    for effect in effects {
        if let Effect::LoadHistory { id, query } = effect {
            let rows = read_history(journal, &query);
            update(&mut app, Msg::HistoryLoaded { id, rows }, NOW);
        }
    }
    app
}

fn shown(app: &App) -> usize {
    match &app.step {
        Step::History(history) => history.shown_len(),
        other => panic!("not on the history: {other:?}"),
    }
}

/// For comparison, once: F3 opened on the same journal without the (till, started_at) index, as the journal
/// was before it (SQLite then reads the day through (till, status), every row of the till). Median of 21.
fn without_the_index(dir: &Path, journal: &Journal) {
    let connection = rusqlite::Connection::open(dir.join(FILE_NAME)).expect("open");
    connection.execute_batch("DROP INDEX dispensations_by_till_start").expect("drop");
    drop(connection);
    let mut times: Vec<std::time::Duration> = (0..21)
        .map(|_| {
            let began = std::time::Instant::now();
            black_box(open(journal, App::new(settings(), NOW)));
            began.elapsed()
        })
        .collect();
    times.sort();
    println!("f3/open_100k_20_today without the (till, started_at) index: median {:.2?}", times[times.len() / 2]);
}

fn main() {
    let dir = std::env::temp_dir().join(format!("mostrador-bench-history-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let began = std::time::Instant::now();
    build(&dir);
    println!("built a journal of {ROWS} dispensations in {:.1?}", began.elapsed());
    print_plan(&dir);
    let journal = Journal::in_dir(&dir, &Place::new("bench", "caja-1")).expect("journal");

    let opened = open(&journal, App::new(settings(), NOW));
    assert_eq!(shown(&opened), TODAY, "today's rows at this till");

    // Yesterday's 2,000 rows, for the keys.
    let mut busy = open(&journal, App::new(settings(), NOW));
    for effect in update(&mut busy, Msg::PageUp, NOW) {
        if let Effect::LoadHistory { id, query: query @ HistoryQuery::Day { .. } } = effect {
            let rows = read_history(&journal, &query);
            update(&mut busy, Msg::HistoryLoaded { id, rows }, NOW);
        }
    }
    assert_eq!(shown(&busy), YESTERDAY, "yesterday's rows at this till");

    let mut criterion = Criterion::default().configure_from_args();
    let mut group = criterion.benchmark_group("f3");
    group.bench_function("open_100k_20_today", |bench| {
        bench.iter_batched(|| App::new(settings(), NOW), |app| black_box(open(&journal, app)), BatchSize::SmallInput)
    });
    group.bench_function("key_down_2000_rows", |bench| {
        bench.iter(|| {
            black_box(update(&mut busy, Msg::Down, NOW));
            black_box(update(&mut busy, Msg::Up, NOW));
        })
    });
    group.bench_function("filter_char_2000_rows", |bench| {
        bench.iter(|| {
            black_box(update(&mut busy, Msg::Edit(InputRequest::InsertChar('a')), NOW));
            black_box(update(&mut busy, Msg::Edit(InputRequest::DeletePrevChar), NOW));
        })
    });
    group.finish();
    criterion.final_summary();
    without_the_index(&dir, &journal);
    drop(journal);
    let _ = std::fs::remove_dir_all(&dir);
}
