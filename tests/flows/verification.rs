//! The verification steps when things do not go right the first time: a wrong OTP, a locked OTP, resend and
//! its cool-down, another channel, an OTP that lapses, a finger that does not match, a phone that says no.

use mostrador::counter::{Action, Effect, Msg, OtpState, Step, Verify};
use mostrador::runtime::Capture;
use mostrador::sandbox::SandboxConfig;

use crate::support::Counter;

fn otp_state(counter: &Counter) -> (OtpState, Option<u32>) {
    match counter.verify() {
        Verify::Otp(otp) => (otp.state, otp.attempts_left),
        other => panic!("OTP expected, got {other:?}"),
    }
}

fn wrong_code(right: &str) -> String {
    right.chars().map(|c| if c == '9' { '0' } else { char::from(c as u8 + 1) }).collect()
}

#[tokio::test]
async fn a_wrong_code_shows_the_attempts_left_and_the_right_one_still_works() {
    let mut counter = Counter::open().await;
    counter.scan("AUTH-2026-000102").await;
    let otp = counter.last_otp().await;
    counter.type_text(&wrong_code(&otp.code)).await;
    assert_eq!(otp_state(&counter), (OtpState::Wrong, Some(2)));
    let Verify::Otp(screen) = counter.verify() else { panic!() };
    assert_eq!(screen.code.value(), "", "the field is cleared for the next try");
    counter.type_text(&otp.code).await;
    assert!(counter.on_review());
}

#[tokio::test]
async fn three_wrong_codes_lock_the_otp_and_a_new_one_is_sent_after_the_cool_down() {
    let mut counter = Counter::open().await;
    counter.scan("AUTH-2026-000102").await;
    let first = counter.last_otp().await;
    for _ in 0..3 {
        counter.type_text(&wrong_code(&first.code)).await;
    }
    assert_eq!(otp_state(&counter).0, OtpState::Locked);
    // A new code cannot be sent before the cool-down (30 s): Enter and F5 are not offered (the screen shows the
    // wait), so no refusal box either.
    counter.send(Msg::Submit).await;
    counter.send(Msg::Resend).await;
    assert!(counter.app.problem.is_none(), "{:?}", counter.app.problem);
    counter.wait(31).await;
    counter.send(Msg::Resend).await;
    assert!(counter.app.problem.is_none(), "{:?}", counter.app.problem);
    let second = counter.last_otp().await;
    assert_ne!(first.otp_id, second.otp_id);
    counter.type_text(&second.code).await;
    assert!(counter.on_review(), "{:?}", counter.app.problem);
}

#[tokio::test]
async fn switching_channel_sends_the_otp_by_email() {
    let mut counter = Counter::open().await;
    counter.scan("AUTH-2026-000102").await;
    let sms = counter.last_otp().await;
    counter.send(Msg::SwitchChannel).await;
    let email = counter.last_otp().await;
    assert_eq!(mostrador::osigu::model::wire_name(&email.channel), "EMAIL");
    assert_ne!(sms.otp_id, email.otp_id);
    let Verify::Otp(otp) = counter.verify() else { panic!() };
    let sent = otp.sent.as_ref().expect("sent");
    assert!(sent.masked_destination.as_deref().is_some_and(|d| d.contains('*')), "only a masked address shows");
    counter.type_text(&email.code).await;
    assert!(counter.on_review());
}

#[tokio::test]
async fn an_otp_that_lapses_is_resent_with_enter() {
    let mut counter = Counter::open().await;
    counter.scan("AUTH-2026-000102").await;
    let first = counter.last_otp().await;
    let Verify::Otp(otp) = counter.verify() else { panic!() };
    let seconds_left = (otp.sent.as_ref().unwrap().expires_at - counter.now).whole_seconds();
    assert!((295..=300).contains(&seconds_left), "a five-minute countdown: {seconds_left}");
    // The counter ticks every second while the countdown shows, and stops once it has lapsed.
    assert!(counter.app.wake_at().is_some());
    counter.wait(301).await;
    assert_eq!(otp_state(&counter).0, OtpState::Expired);
    assert_eq!(counter.app.wake_at(), None, "no timer once nothing counts down");
    counter.send(Msg::Submit).await;
    let second = counter.last_otp().await;
    assert_ne!(first.otp_id, second.otp_id);
    assert_eq!(otp_state(&counter).0, OtpState::Waiting);
}

#[tokio::test]
async fn a_finger_that_does_not_match_can_be_captured_again() {
    // The reader command gives another person's sample first, then the beneficiary's own.
    let state = std::env::temp_dir().join(format!("mostrador-reader-{}", crate::support::unique()));
    let assets = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/sandbox/fingerprints");
    let command = format!(
        "if [ -e {state} ]; then cat {assets}/andres-nunez.wsq; else touch {state}; cat {assets}/lucia-araujo.wsq; fi",
        state = state.display()
    );
    let config = SandboxConfig { remote_auto_approve: None, ..SandboxConfig::default() };
    let mut counter = Counter::open_with_capture(config, Capture::Command(command)).await;
    counter.scan("AUTH-2026-000103").await;
    let Verify::Fingerprint(fingerprint) = counter.verify() else { panic!() };
    assert_eq!(fingerprint.state, mostrador::counter::FingerprintState::NoMatch);
    assert_eq!(fingerprint.attempts_left, Some(2));
    counter.send(Msg::Submit).await;
    assert!(counter.on_review(), "{:?} / {:?}", counter.app.step, counter.app.problem);
    let _ = std::fs::remove_file(state);
}

/// Defect 11: with no reader configured the screen says so (no box, no retry that cannot work); Esc cancels.
#[tokio::test]
async fn a_terminal_without_a_reader_says_so_and_offers_no_retry() {
    let config = SandboxConfig { remote_auto_approve: None, ..SandboxConfig::default() };
    let mut counter = Counter::open_with_capture(config, Capture::None).await;
    counter.scan("AUTH-2026-000103").await;
    assert!(counter.app.problem.is_none(), "said on the screen, not in a box: {:?}", counter.app.problem);
    assert!(!counter.app.offers().allows(Action::Continue), "no retry: there is no reader to try again");
    let captures = |counter: &Counter| {
        counter.effects.iter().filter(|effect| matches!(effect, Effect::CaptureFingerprint { .. })).count()
    };
    let before = captures(&counter);
    counter.send(Msg::Submit).await;
    assert_eq!(captures(&counter), before, "Enter does not ask a reader that is not there");
    counter.send(Msg::Back).await;
    counter.send(Msg::Submit).await;
    assert!(matches!(counter.app.step, Step::Entry { .. }), "{:?}", counter.app.step);
}

#[tokio::test]
async fn a_facial_check_refused_on_the_phone_can_be_asked_again() {
    let mut counter = Counter::open().await;
    counter.scan("AUTH-2026-000104").await;
    let Verify::Facial(facial) = counter.verify() else { panic!() };
    let url = facial.challenge_url.clone().unwrap();
    let phone = mostrador::http::client_builder().build().unwrap();
    assert!(phone.post(format!("{url}/reject")).send().await.unwrap().status().is_success());
    counter.wait(5).await;
    // Defect 9: the rejection is said on the screen, so the first Enter asks for a new challenge.
    assert!(counter.app.problem.is_none(), "{:?}", counter.app.problem);
    counter.send(Msg::Submit).await;
    let Verify::Facial(facial) = counter.verify() else { panic!() };
    let second = facial.challenge_url.clone().expect("a new challenge");
    assert_ne!(url, second);
    assert!(phone.post(format!("{second}/approve")).send().await.unwrap().status().is_success());
    counter.wait(5).await;
    assert!(counter.on_review(), "{:?} / {:?}", counter.app.step, counter.app.problem);
    assert!(matches!(counter.app.step, Step::Review(_)));
}

/// Defect 6: leaving an OTP code and scanning it again within the cool-down. The server refuses a new OTP for
/// that beneficiary; the one sent moments ago was for the dispensation just cancelled, so it cannot verify this
/// one. No box and no "expired": the screen waits for the server's cool-down and sends the new code itself.
#[tokio::test]
async fn an_otp_code_scanned_again_within_the_cool_down_gets_its_code_once_the_wait_is_over() {
    let mut counter = Counter::open().await;
    counter.scan("AUTH-2026-000102").await;
    let first = counter.last_otp().await;
    counter.send(Msg::Back).await;
    counter.send(Msg::Submit).await;
    assert!(matches!(counter.app.step, Step::Entry { .. }), "{:?}", counter.app.step);
    counter.wait(2).await;
    counter.scan("AUTH-2026-000102").await;
    assert!(counter.app.problem.is_none(), "no box: {:?}", counter.app.problem);
    assert!(counter.drain_outbox().is_empty(), "the server sent nothing");
    let Verify::Otp(otp) = counter.verify() else { panic!() };
    assert!(otp.sent.is_none() && !otp.usable(), "no code to type yet: {otp:?}");
    assert!(!counter.app.offers().allows(Action::Resend), "nothing to send before the server allows it");
    counter.wait(27).await;
    assert!(counter.drain_outbox().is_empty(), "still within the server's wait");
    counter.wait(1).await;
    let second = counter.last_otp().await;
    assert_ne!(first.otp_id, second.otp_id, "a new code, sent without a key pressed");
    counter.type_text(&second.code).await;
    assert!(counter.on_review(), "{:?} / {:?}", counter.app.step, counter.app.problem);
}

/// Defect 6: a code asked by another channel and then back by the first one within its cool-down. The server
/// refuses; the screen says so in place and the code sent last still works.
#[tokio::test]
async fn a_code_the_server_refuses_to_send_again_is_said_in_place_and_the_last_one_still_works() {
    let mut counter = Counter::open().await;
    counter.scan("AUTH-2026-000102").await;
    counter.last_otp().await;
    counter.send(Msg::SwitchChannel).await;
    let email = counter.last_otp().await;
    counter.send(Msg::SwitchChannel).await;
    assert!(counter.app.problem.is_none(), "no box: {:?}", counter.app.problem);
    assert!(counter.drain_outbox().is_empty(), "the server refused the SMS");
    assert_eq!(otp_state(&counter).0, OtpState::Waiting);
    counter.type_text(&email.code).await;
    assert!(counter.on_review(), "{:?} / {:?}", counter.app.step, counter.app.problem);
}
