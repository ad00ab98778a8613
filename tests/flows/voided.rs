//! A code the sponsor voids while this till dispenses it: the webhook receiver (a real one, on 127.0.0.1, sharing
//! the till's data directory) records Osigu's `authorization.voided` in the journal, and the till shows it as a
//! banner at the clerk's next action, before a completion could be refused for it.

use mostrador::counter::{Msg, ProblemKind, Step};
use mostrador::receiver::{Receiver, ReceiverConfig};
use mostrador::sandbox::{Clock, DEMO_WEBHOOK_SECRET, SandboxConfig, WebhookTarget};
use mostrador::test_support::screen::Drawn;
use time::OffsetDateTime;

use crate::support::{Counter, Setup};

/// A receiver on the sandbox's clock writing the journal in `dir`, and a counter on that sandbox and journal.
pub(crate) async fn counter_with_receiver() -> (Counter, Receiver) {
    let now = OffsetDateTime::now_utc().replace_nanosecond(0).expect("whole second");
    let clock = Clock::frozen_at(now);
    let dir = std::env::temp_dir().join(format!("mostrador-voided-{}", mostrador::test_support::driver::unique()));
    std::fs::create_dir_all(&dir).unwrap();
    let receiver = Receiver::start(ReceiverConfig {
        addr: "127.0.0.1:0".parse().unwrap(),
        secrets: vec![mostrador::osigu::endpoint::Secret::new(DEMO_WEBHOOK_SECRET)],
        tls: None,
        behind_proxy: false,
        data_dir: dir.clone(),
        clock: clock.clone(),
    })
    .await
    .expect("the receiver starts");
    let config = SandboxConfig {
        clock,
        remote_auto_approve: None,
        id_seed: Some(11),
        webhook: Some(WebhookTarget::new(receiver.url(), vec![DEMO_WEBHOOK_SECRET.to_owned()])),
        ..SandboxConfig::default()
    };
    let setup = Setup { data_dir: Some(dir), ..Setup::default() };
    let counter = Counter::open_in(config, mostrador::runtime::Capture::Sandbox, setup).await;
    (counter, receiver)
}

/// The sponsor voids `code` on the sandbox, and the receiver has recorded it (the sandbox sends it every event).
async fn void(counter: &Counter, receiver: &Receiver, code: &str) {
    let http = mostrador::http::client_builder().build().unwrap();
    let base = counter.sandbox.base_url();
    let bearer = mostrador::test_support::driver::demo_token(base).await;
    let url = format!("{base}/sandbox/v1/authorizations/{code}/void");
    let reply = http.post(url).bearer_auth(&bearer).json(&serde_json::json!({})).send().await.unwrap();
    assert_eq!(reply.status(), 204);
    for _ in 0..1000 {
        let voided = receiver.journal().voided_codes_since(OffsetDateTime::UNIX_EPOCH).unwrap();
        if voided.iter().any(|voided| voided.code == code) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("the receiver never recorded the void: {:?}", receiver.stats());
}

#[tokio::test]
async fn a_code_voided_while_on_the_lines_shows_a_banner_at_the_next_key_before_finalize_is_refused() {
    let (mut counter, receiver) = counter_with_receiver().await;
    counter.scan("AUTH-2026-000101").await;
    assert!(counter.on_review(), "{:?}", counter.app.problem);
    assert!(!Drawn::of(counter.backend()).contains("ANULADA"));

    void(&counter, &receiver, "AUTH-2026-000101").await;
    // Nothing wakes an idle till: the clerk's next key asks.
    assert_eq!(counter.app.session.surroundings.voided, None);
    counter.send(Msg::Finalize).await;
    assert!(matches!(counter.app.step, Step::Finalize(_)), "{:?}", counter.app.problem);
    let voided = counter.app.session.surroundings.voided.clone().expect("the void is known");
    assert_eq!(voided.code, "AUTH-2026-000101");
    assert_eq!(voided.reason.as_deref(), Some("SPONSOR_VOID"));
    let screen = Drawn::of(counter.backend());
    assert!(screen.words().contains("AUTORIZACIÓNANULADA:laaseguradoraanulóAUTH-2026-000101"), "{}", screen.text());
    assert!(counter.app.problem.is_none(), "warned before anything was refused");

    // Enter anyway: the server refuses it; the problem says why, and with the dispensation over the banner goes.
    counter.send(Msg::Submit).await;
    assert!(matches!(counter.problem_kind(), ProblemKind::CodeVoided), "{:?}", counter.problem_kind());
    for _ in 0..3 {
        if counter.app.active.is_some() {
            counter.send(Msg::Back).await;
        }
    }
    assert_eq!(counter.app.session.surroundings.voided, None);
    assert!(!Drawn::of(counter.backend()).words().contains("ANULADA"));
}

#[tokio::test]
async fn another_codes_void_shows_nothing() {
    let (mut counter, receiver) = counter_with_receiver().await;
    counter.scan("AUTH-2026-000101").await;
    void(&counter, &receiver, "AUTH-2026-000102").await;
    counter.send(Msg::Finalize).await;
    assert_eq!(counter.app.session.surroundings.voided, None);
    counter.send(Msg::Submit).await;
    assert!(matches!(counter.app.step, Step::Done(_)), "{:?}", counter.app.problem);
}
