//! Replies no honest Osigu sends, arriving mid-dispensation through a proxy that rewrites them: an OTP lasting
//! thirty thousand years, lines whose prices add up past what money holds, a sponsor offering a channel this
//! build does not know. The counter never ends; it says it could not understand the reply, keeps the
//! dispensation STARTED and untouched on the server, and carries on once the replies make sense again.

use axum::http::Method;
use mostrador::counter::{Msg, NextStep, ProblemKind, Step, Verify};
use mostrador::osigu::model::{DispensationStatus, OtpChannel};
use serde_json::{Value, json};

use crate::support::Counter;

/// The OTP-verified authorization of the seed (SMS, then e-mail).
const OTP_CODE: &str = "AUTH-2026-000102";
/// A cash prescription of two medicines: no verification, straight to the lines.
const CASH_CODE: &str = "RX-2026-000001";

#[tokio::test]
async fn an_otp_lasting_millennia_is_not_understood_and_the_dispensation_waits_safely() {
    let (mut counter, proxy) = Counter::open_behind_proxy(|proxy| {
        proxy.edit(Method::POST, "/otp/send", |reply| {
            reply["expires_in"] = json!(999_999_999_999_u64);
            reply["resend_available_in"] = json!(999_999_999_999_u64);
        });
    })
    .await;
    counter.scan(OTP_CODE).await;
    assert_eq!(proxy.rewritten(), ["/v1/otp/send"]);
    assert_eq!(counter.problem_kind(), &ProblemKind::UnreadableReply);
    assert_eq!(counter.problem().next, NextStep::Retry);
    let id = counter.dispensation_id();
    assert_eq!(counter.server_dispensation(&id).await.status, DispensationStatus::Started, "left as it was");

    // The replies make sense again: Enter repeats the send (same key, so the server sends no second code).
    proxy.clear();
    counter.send(Msg::Submit).await;
    let otp = counter.last_otp().await;
    counter.type_text(&otp.code).await;
    assert!(counter.on_review(), "{:?} / {:?}", counter.app.step, counter.app.problem);
    counter.finalize().await;
    counter.assert_completed_on_server(&id).await;
}

#[tokio::test]
async fn lines_whose_total_overflows_are_not_understood_and_nothing_is_completed() {
    let (mut counter, proxy) = Counter::open_behind_proxy(|_| {}).await;
    counter.scan(CASH_CODE).await;
    assert!(counter.on_review(), "{:?} / {:?}", counter.app.step, counter.app.problem);
    let id = counter.dispensation_id();
    // The lines the clerk saves come back priced at 5e28 each: two of them add up past what money holds.
    proxy.edit(Method::PUT, id.as_str(), |reply| {
        if let Some(lines) = reply["products"].as_array_mut() {
            for line in lines {
                line["unit_price"] = json!(5e28);
                line["taxes"] = json!(0);
            }
        }
        reply["total_amount"] = Value::Null;
    });
    counter.send(Msg::Decrease).await;
    counter.send(Msg::Finalize).await;
    assert_eq!(proxy.rewritten().len(), 1, "the saved lines came back rewritten");
    assert_eq!(counter.problem_kind(), &ProblemKind::UnreadableReply);
    assert!(counter.on_review(), "still on the lines, not finalizing: {:?}", counter.app.step);
    let server = counter.server_dispensation(&id).await;
    assert_eq!(server.status, DispensationStatus::Started);
    assert!(server.products.iter().all(|line| line.unit_price < 1_000_000.into()), "the prices were never changed");

    // Enter sends the same lines again (the same key: the server replays its answer), now understood.
    proxy.clear();
    counter.send(Msg::Submit).await;
    assert!(matches!(counter.app.step, Step::Finalize(_)), "{:?} / {:?}", counter.app.step, counter.app.problem);
    counter.send(Msg::Submit).await;
    let done = counter.done().clone();
    assert_eq!(done.charged(), counter.assert_completed_on_server(&id).await.amount_due());
}

#[tokio::test]
async fn a_channel_this_build_does_not_know_is_not_offered_and_the_sponsor_stays_usable() {
    let (mut counter, proxy) = Counter::open_behind_proxy(|proxy| {
        proxy.edit(Method::GET, "/configuration", |configuration| {
            configuration["dispensing"]["otp_channels"] = json!(["WHATSAPP", "SMS", "CARRIER_PIGEON"]);
            configuration["settlement"]["mode"] = json!("NETTING");
        });
    })
    .await;
    counter.scan(OTP_CODE).await;
    assert!(!proxy.rewritten().is_empty(), "the configuration came back rewritten");
    assert!(counter.app.problem.is_none(), "{:?}", counter.app.problem);
    let Verify::Otp(otp) = counter.verify() else { panic!("an OTP check") };
    assert_eq!(otp.channels, [OtpChannel::Sms], "only the channel this build knows is offered");
    // The code went by SMS, and F6 has no other channel to switch to.
    let sent = counter.last_otp().await;
    assert_eq!(mostrador::osigu::model::wire_name(&sent.channel), "SMS");
    counter.send(Msg::SwitchChannel).await;
    assert!(counter.drain_outbox().is_empty(), "no second code by another channel");
    counter.type_text(&sent.code).await;
    counter.finalize().await;
    counter.assert_completed_on_server(&counter.done().dispensation_id.clone()).await;
}
