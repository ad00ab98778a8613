//! The history (F3) and "today at this till" on a journal that already holds a morning's work, as after a
//! restart: long sponsor names, wide amounts, every outcome (completed, cancelled, a completion not yet
//! confirmed), the day before, and another till's dispensation of the same code. In Spanish and English, at 80x24
//! and 160x45.

use std::path::PathBuf;

use crossterm::event::KeyCode;
use mostrador::counter::{Action, Event, Record, Step};
use mostrador::i18n::Locale;
use mostrador::journal::{Journal, Place};
use mostrador::osigu::model::{Amounts, CodeType, Id, Sponsor};
use mostrador::runtime::Capture;
use rust_decimal::Decimal;
use time::OffsetDateTime;
use time::macros::datetime;

use crate::driver::{Setup, unique};
use crate::support::Screen;

const LONG_NAME: &str = "Aseguradora Nacional de Salud del Pacífico, S.A.";
const COOPERATIVE: &str = "Cooperativa Farmacéutica Regional del Altiplano";

/// How a seeded dispensation ended.
enum End {
    Completed {
        at: OffsetDateTime,
        amount: Decimal,
        currency: &'static str,
        invoice: &'static str,
        /// What the patient paid, as the completion's reply said (`None`: it did not say).
        patient: Option<Decimal>,
    },
    Cancelled {
        at: OffsetDateTime,
    },
    /// The completion was sent; its outcome never came back.
    Unconfirmed {
        amount: Decimal,
        currency: &'static str,
        invoice: &'static str,
    },
}

/// One dispensation, written to `journal` as the counter writes it.
fn seed(journal: &Journal, id: &str, code: &str, sponsor: Option<&str>, started: OffsetDateTime, end: End) {
    let record = |at, event| Record { at, dispensation_id: Id::new(id), code: code.into(), event, clerk: None };
    let start = Event::Started {
        code_type: if code.starts_with("RX") { CodeType::Prescription } else { CodeType::Authorization },
        sponsor_slug: sponsor.map(str::to_owned),
        start_key: None,
    };
    journal.record(&record(started, start)).unwrap();
    match end {
        End::Completed { at, amount, currency, invoice, patient } => {
            let claim = sponsor.map(|_| Id::new(format!("clm_01M7ZA5ER0DFG4BGK1NPF6{}", &id[4..])));
            let completed = Event::Completed {
                claim_id: claim,
                amount,
                currency: Some(currency.into()),
                invoice_number: Some(invoice.into()),
                amounts: patient.map(|patient| Amounts { total: amount, sponsor: amount - patient, patient }),
            };
            journal.record(&record(at, completed)).unwrap();
        }
        End::Cancelled { at } => journal.record(&record(at, Event::Cancelled)).unwrap(),
        End::Unconfirmed { amount, currency, invoice } => {
            let intent = Event::FinalizeIntent {
                key: format!("seed-{id}"),
                amount,
                currency: Some(currency.into()),
                invoice_number: Some(invoice.into()),
                invoice_date: Some("2026-11-21".into()),
                invoice_serial: None,
            };
            journal.record(&record(started + time::Duration::minutes(1), intent)).unwrap();
        }
    }
}

/// A data directory whose journal holds this morning's work at caja-1 (the counter's till), a dispensation of
/// the day before, and one of caja-2 this morning. Times are UTC; the counter's clock is UTC-6 (09:04 now).
fn morning() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mostrador-screens-history-{}", unique()));
    let mine = Journal::in_dir(&dir, &Place::new("caja-test", "caja-1")).unwrap();
    let money = |cents: i64| Decimal::new(cents, 2);
    let at = |hour: i64, minute: i64| datetime!(2026-11-21 00:00 UTC) + time::Duration::minutes(hour * 60 + minute);
    // Sponsor Sandbox's patients pay 20 %, Salud Facial's 40 %, a cash patient everything; the long-named sponsor's
    // completion did not say (as the real Osigu's replies do not).
    let completed = |at, amount: Decimal, currency, invoice| {
        let patient = match invoice {
            "F001-000102" => None,
            "F001-000103" => Some(amount),
            "F001-000104" => Some(amount * Decimal::new(4, 1)),
            _ => Some(amount * Decimal::new(2, 1)),
        };
        End::Completed { at, amount, currency, invoice, patient: patient.map(|p| p.round_dp(2)) }
    };
    seed(
        &mine,
        "dsp_01",
        "AUTH-2026-000101",
        Some("sponsor-sandbox"),
        at(14, 1),
        completed(at(14, 3), money(7875), "GTQ", "F001-000101"),
    );
    seed(
        &mine,
        "dsp_02",
        "AUTH-2026-000201",
        Some("aseguradora-nacional"),
        at(14, 10),
        completed(at(14, 16), money(123_456_789), "GTQ", "F001-000102"),
    );
    seed(&mine, "dsp_03", "RX-2026-000001", None, at(14, 20), completed(at(14, 22), money(5200), "GTQ", "F001-000103"));
    seed(
        &mine,
        "dsp_04",
        "AUTH-2026-000104",
        Some("salud-facial"),
        at(14, 25),
        completed(at(14, 30), money(123_450), "EUR", "F001-000104"),
    );
    seed(&mine, "dsp_05", "AUTH-2026-000102", Some("aseguradora-otp"), at(14, 40), End::Cancelled { at: at(14, 41) });
    let unconfirmed = End::Unconfirmed { amount: money(12_500_000), currency: "COP", invoice: "F001-000106" };
    seed(&mine, "dsp_06", "AUTH-2026-000202", Some("coop-altiplano"), at(14, 50), unconfirmed);
    let yesterday = datetime!(2026-11-20 20:00 UTC);
    let late = completed(yesterday + time::Duration::minutes(2), money(7875), "GTQ", "F001-000099");
    seed(&mine, "dsp_00", "AUTH-2026-000101", Some("sponsor-sandbox"), yesterday, late);
    let theirs = Journal::in_dir(&dir, &Place::new("caja-test", "caja-2")).unwrap();
    let elsewhere = completed(at(14, 57), money(7875), "GTQ", "F002-000001");
    seed(&theirs, "dsp_07", "AUTH-2026-000101", Some("sponsor-sandbox"), at(14, 55), elsewhere);
    dir
}

/// The counter opened on [`morning`] (a restart), with the long-named sponsors among those it knows.
async fn open_after_the_morning(locale: Locale) -> (Screen, PathBuf) {
    let dir = morning();
    let setup = Setup { data_dir: Some(dir.clone()), ..Setup::default() };
    let mut screen = Screen::open_in(locale, Capture::Sandbox, setup).await;
    for (slug, name, currency) in [("aseguradora-nacional", LONG_NAME, "GTQ"), ("coop-altiplano", COOPERATIVE, "COP")] {
        screen.app.session.sponsors.list.push(Sponsor {
            sponsor_slug: slug.into(),
            name: name.into(),
            country_code: "GT".into(),
            currency_code: Some(currency.into()),
        });
    }
    (screen, dir)
}

fn suffix(locale: Locale) -> &'static str {
    match locale {
        Locale::Es => "es",
        Locale::En => "en",
    }
}

/// "Today at this till" after a restart: this till's morning from the journal, newest first, each row with the
/// time it ended, wide amounts in full; not the day before, not another till's.
#[tokio::test]
async fn counter_08_today_after_a_restart() {
    for locale in [Locale::Es, Locale::En] {
        let (mut screen, dir) = open_after_the_morning(locale).await;
        assert_eq!(screen.app.session.recent.len(), 6, "this till's six of today");
        let drawn = screen.snapshot(&format!("counter_08_today_after_restart_{}", suffix(locale)));
        // Every row keeps its time, however wide the amount beside it.
        for time in ["08:03", "08:16", "08:22", "08:30", "08:41", "08:50"] {
            assert_eq!(drawn.rows_with(time).len(), 1, "{time}:\n{}", drawn.text());
        }
        drawn.shows("Q1,234,567.89");
        drawn.shows("1.234,50\u{a0}€");
        drawn.hides("08:57");
        let newest = drawn.rows_with("08:50")[0];
        let oldest = drawn.rows_with("08:03")[0];
        assert!(newest < oldest, "newest first");
        screen.snapshot_at(&format!("counter_08_today_after_restart_{}_160x45", suffix(locale)), 160, 45);
        let _ = std::fs::remove_dir_all(dir);
    }
}

/// F3 on the morning: the date in the title, the completion time (not the start), what the others are, the
/// long sponsor names whole, the totals per sponsor and currency wrapped rather than cut, and no row scrolled away
/// while they all fit.
#[tokio::test]
async fn history_02_a_morning_of_work() {
    for locale in [Locale::Es, Locale::En] {
        let (mut screen, dir) = open_after_the_morning(locale).await;
        screen.press(KeyCode::F(3)).await;
        let name = format!("history_02_morning_{}", suffix(locale));
        let drawn = screen.snapshot(&name);
        drawn.shows("21/11/2026");
        // Completed at 08:16 (started 08:10): the completion time; the start is not what the clerk matches.
        drawn.shows("08:16");
        drawn.hides("08:10");
        let (unconfirmed, cancelled, total) = match locale {
            Locale::Es => ("sin confirmar", "cancelado", "Total del turno:"),
            Locale::En => ("unconfirmed", "cancelled", "Shift total:"),
        };
        drawn.shows(unconfirmed);
        drawn.shows(cancelled);
        drawn.shows(total);
        // Each total whole, on one line: none is cut at 80 columns.
        for part in [
            "Sponsor Sandbox Q78.75 (1)",
            &format!("{LONG_NAME} Q1,234,567.89 (1)"),
            "Salud Facial Seguros 1.234,50\u{a0}€ (1)",
        ] {
            drawn.shows(part);
        }
        // The long names are read whole: wrapped in their column, never cut.
        for word in LONG_NAME.split(' ').chain(COOPERATIVE.split(' ')) {
            drawn.shows(word);
        }
        drawn.hides("…");
        // Six rows fit: moving through them scrolls nothing away.
        for _ in 0..3 {
            screen.press(KeyCode::Down).await;
        }
        let moved = screen.look();
        for code in ["AUTH-2026-000202", "AUTH-2026-000102", "AUTH-2026-000104", "RX-2026-000001", "AUTH-2026-000201"] {
            moved.shows(code);
        }
        moved.shows("AUTH-2026-000101");
        screen.snapshot_at(&format!("{name}_160x45"), 160, 45);
        let _ = std::fs::remove_dir_all(dir);
    }
}

/// PgUp shows the day before (its date in the title and its own total), PgDn comes back; there is no day after
/// today.
#[tokio::test]
async fn history_03_the_day_before() {
    let (mut screen, dir) = open_after_the_morning(Locale::Es).await;
    screen.press(KeyCode::F(3)).await;
    assert!(!screen.app.offers().allows(Action::PageDown), "no day after today");
    screen.press(KeyCode::PageUp).await;
    let drawn = screen.snapshot("history_03_day_before_es");
    drawn.shows("20/11/2026");
    drawn.shows("Total del 20/11/2026: Sponsor Sandbox Q78.75 (1)");
    drawn.shows("14:02");
    drawn.hides("AUTH-2026-000201");
    screen.press(KeyCode::PageDown).await;
    screen.look().shows("AUTH-2026-000201");
    let _ = std::fs::remove_dir_all(dir);
}

/// A code typed into the filter searches the whole journal: every day, every till, each row with its day (and,
/// wide, its till), and how many were found.
#[tokio::test]
async fn history_04_a_code_across_days() {
    for locale in [Locale::Es, Locale::En] {
        let (mut screen, dir) = open_after_the_morning(locale).await;
        screen.press(KeyCode::F(3)).await;
        screen.type_text("auth-2026-000101").await;
        let Step::History(history) = &screen.app.step else { panic!("{:?}", screen.app.step) };
        assert_eq!(history.shown_len(), 3, "today here, today at caja-2, yesterday here");
        let name = format!("history_04_search_{}", suffix(locale));
        let drawn = screen.snapshot(&name);
        drawn.shows("AUTH-2026-000101");
        drawn.shows("21/11 08:57");
        drawn.shows("21/11 08:03");
        drawn.shows("20/11 14:02");
        drawn.shows(if locale == Locale::Es { "3 encontrados" } else { "3 found" });
        let wide = screen.snapshot_at(&format!("{name}_160x45"), 160, 45);
        wide.shows("caja-2");
        // Back to a word: the day again, narrowed.
        for _ in 0.."auth-2026-000101".len() {
            screen.press(KeyCode::Backspace).await;
        }
        screen.type_text("rx").await;
        let narrowed = screen.look();
        narrowed.shows("RX-2026-000001");
        narrowed.hides("AUTH-2026-000201");
        let _ = std::fs::remove_dir_all(dir);
    }
}
