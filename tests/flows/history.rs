//! What this till dispensed, as the journal keeps it: "today at this till" on the code screen survives a restart
//! and lists only this till, F3 goes to another day and searches a code across days, and a key that only moves
//! through the rows asks the journal for nothing.

use mostrador::counter::{Action, Effect, Msg, RowStatus, Step};
use mostrador::runtime::Capture;
use mostrador::sandbox::{Clock, SandboxConfig};
use tui_input::InputRequest;

use crate::support::{Counter, Setup};

/// A counter opened on `first`'s data directory and server at `first`'s time, holding `till`: the same till
/// after a restart, or another one beside it.
async fn reopened(first: &Counter, till: &str) -> Counter {
    let data_dir = first.journal.path().parent().expect("data directory").to_owned();
    let setup = Setup {
        data_dir: Some(data_dir),
        till: till.to_owned(),
        through: Some(first.sandbox.base_url().to_owned()),
        ..Setup::default()
    };
    let config = SandboxConfig { clock: Clock::frozen_at(first.now), ..SandboxConfig::default() };
    Counter::open_in(config, Capture::Sandbox, setup).await
}

fn history(counter: &Counter) -> &mostrador::counter::History {
    match &counter.app.step {
        Step::History(history) => history,
        other => panic!("not on the history: {other:?}"),
    }
}

/// Defect 10: "Hoy en esta caja" was kept in memory only, so a restart emptied it while F3 still listed the day.
/// It is read from the journal when the counter opens: this till's, newest first, with what each came to.
#[tokio::test]
async fn today_at_this_till_is_read_from_the_journal_after_a_restart() {
    let mut first = Counter::open().await;
    first.scan("AUTH-2026-000101").await;
    first.finalize().await;
    let amount = first.done().charged().expect("an amount");
    first.send(Msg::Submit).await;
    first.wait(60).await;
    first.scan("RX-2026-000001").await;
    first.send(Msg::Back).await;
    first.send(Msg::Submit).await;

    let restarted = reopened(&first, "caja-1").await;
    let today: Vec<(&str, RowStatus)> =
        restarted.app.session.recent.iter().map(|row| (row.code.as_str(), row.status)).collect();
    assert_eq!(today, [("RX-2026-000001", RowStatus::Cancelled), ("AUTH-2026-000101", RowStatus::Completed)]);
    assert_eq!(restarted.app.session.recent[1].amount, Some(amount));
    assert_eq!(restarted.app.session.recent[0].ended_at, Some(first.now), "cancelled a minute after the first");

    let beside = reopened(&first, "caja-2").await;
    assert!(beside.app.session.recent.is_empty(), "another till's dispensations are not this till's today");
}

/// The list is read again when a dispensation ends, so it says what the journal says.
#[tokio::test]
async fn today_at_this_till_is_read_again_when_a_dispensation_ends() {
    let mut counter = Counter::open().await;
    assert!(counter.app.session.recent.is_empty());
    counter.scan("AUTH-2026-000101").await;
    counter.finalize().await;
    let reads = counter.effects.iter().filter(|effect| matches!(effect, Effect::LoadHistory { .. })).count();
    assert_eq!(reads, 2, "at opening, and once the completion was on record");
    assert_eq!(counter.app.session.recent.len(), 1);
    assert_eq!(counter.app.session.recent[0].status, RowStatus::Completed);
}

/// F3 goes to the day before and back (never past today), and a code typed into the filter searches every day;
/// moving through the rows reads nothing again.
#[tokio::test]
async fn f3_shows_another_day_and_finds_a_code_across_days() {
    let mut counter = Counter::open().await;
    counter.scan("AUTH-2026-000101").await;
    counter.finalize().await;
    counter.send(Msg::Submit).await;
    // A day later, the same code again (the sandbox's authorization is spent: a cash prescription instead).
    counter.wait(24 * 60 * 60).await;
    counter.scan("RX-2026-000001").await;
    counter.finalize().await;
    counter.send(Msg::Submit).await;

    counter.send(Msg::History).await;
    let codes = |counter: &Counter| history(counter).shown().map(|row| row.code.clone()).collect::<Vec<_>>();
    assert_eq!(codes(&counter), ["RX-2026-000001"], "today only");
    assert!(!counter.app.offers().allows(Action::PageDown), "no day after today");
    counter.send(Msg::PageUp).await;
    assert_eq!(codes(&counter), ["AUTH-2026-000101"], "the day before");
    assert!(counter.app.offers().allows(Action::PageDown));
    counter.send(Msg::PageDown).await;
    assert_eq!(codes(&counter), ["RX-2026-000001"]);

    let before = counter.effects.len();
    counter.send(Msg::Down).await;
    counter.send(Msg::Up).await;
    assert_eq!(counter.effects.len(), before, "moving through the rows asks the journal for nothing");

    for c in "000101".chars() {
        counter.send(Msg::Edit(InputRequest::InsertChar(c))).await;
    }
    assert_eq!(history(&counter).searching(), Some("000101"));
    assert_eq!(codes(&counter), ["AUTH-2026-000101"], "found on the day before");
    assert!(!counter.app.offers().allows(Action::PageUp), "a search spans every day");
}
