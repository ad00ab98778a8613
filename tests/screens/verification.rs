//! Verifying the beneficiary when it does not go right the first time: a wrong OTP, one that lapses, one
//! locked after three wrong codes; a finger that does not match, then does; the facial QR and its expiry.

use crossterm::event::KeyCode;
use mostrador::counter::{FacialState, OtpState, Step, Verify};
use mostrador::i18n::Locale;
use mostrador::runtime::Capture;
use ratatui::style::Color;

use crate::support::{Drawn, Screen};

/// The right code with every digit moved by one: always wrong.
fn wrong(code: &str) -> String {
    code.chars().map(|c| char::from(b'0' + (c as u8 - b'0' + 1) % 10)).collect()
}

fn otp_state(screen: &Screen) -> OtpState {
    match &screen.app.step {
        Step::Verify(Verify::Otp(otp)) => otp.state,
        other => panic!("not on the OTP: {other:?} / {:?}", screen.app.problem),
    }
}

/// AUTH-2026-000102 with its OTP sent.
async fn otp_sent() -> Screen {
    let mut screen = Screen::open(Locale::Es).await;
    screen.scan("AUTH-2026-000102").await;
    assert_eq!(otp_state(&screen), OtpState::Waiting);
    screen
}

#[tokio::test]
async fn otp_02_wrong_code() {
    let mut screen = otp_sent().await;
    let code = screen.toast_code();
    screen.type_text(&wrong(&code)).await;
    assert_eq!(otp_state(&screen), OtpState::Wrong);
    let drawn = screen.snapshot("otp_02_wrong_code_es");
    drawn.shows("intentos restantes: 2");
    drawn.hides(&wrong(&code));
    assert_eq!(drawn.rows_with(&code), [22], "the OTP shows only in the toast");
}

#[tokio::test]
async fn otp_04_expired() {
    let mut screen = otp_sent().await;
    let code = screen.toast_code();
    screen.wait(301).await;
    assert_eq!(otp_state(&screen), OtpState::Expired);
    assert!(screen.chrome.toast.is_none(), "a lapsed code is no longer offered to read aloud");
    let drawn = screen.snapshot("otp_04_expired_es");
    drawn.shows("El código venció.");
    drawn.shows("Enter: enviar otro código.");
    drawn.hides(&code);
}

#[tokio::test]
async fn otp_05_locked() {
    let mut screen = otp_sent().await;
    let code = screen.toast_code();
    for _ in 0..3 {
        screen.type_text(&wrong(&code)).await;
    }
    assert_eq!(otp_state(&screen), OtpState::Locked);
    screen.snapshot("otp_05_locked_es");
}

#[tokio::test]
async fn fingerprint_01_no_match_then_02_verified() {
    // The reader gives another person's sample first, then the beneficiary's own.
    let marker = std::env::temp_dir().join(format!("mostrador-screens-reader-{}", crate::driver::unique()));
    let samples = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/sandbox/fingerprints");
    let command = format!(
        "if [ -e {m} ]; then rm {m}; cat {samples}/andres-nunez.wsq; else touch {m}; cat {samples}/lucia-araujo.wsq; fi",
        m = marker.display()
    );
    let mut screen = Screen::open_with(Locale::Es, Capture::Command(command)).await;
    screen.scan("AUTH-2026-000103").await;
    let Step::Verify(Verify::Fingerprint(fingerprint)) = &screen.app.step else {
        panic!("not on the fingerprint: {:?}", screen.app.problem)
    };
    assert_eq!(fingerprint.attempts_left, Some(2));
    screen.snapshot("fingerprint_01_no_match_es");

    screen.press(KeyCode::Enter).await;
    assert!(matches!(screen.app.step, Step::Review(_)), "{:?}", screen.app.problem);
    screen.snapshot("fingerprint_02_verified_review_es");
    assert!(!marker.exists(), "the reader cleaned up after its second capture");
}

#[tokio::test]
async fn facial_01_qr_then_02_expired() {
    let mut screen = Screen::open(Locale::Es).await;
    screen.scan("AUTH-2026-000104").await;
    let Step::Verify(Verify::Facial(facial)) = &screen.app.step else {
        panic!("not on the facial check: {:?}", screen.app.problem)
    };
    let url = facial.challenge_url.clone().expect("a challenge");
    assert!(url.starts_with("https://sandbox.mostrador.test/"), "{url}");
    let drawn = screen.snapshot("facial_01_qr_es");
    assert!(drawn.words().contains(&url), "the address to type or dictate, in full");
    assert_qr_reads(&drawn, &url);
    drawn.shows("5:00");

    screen.wait(301).await;
    let Step::Verify(Verify::Facial(facial)) = &screen.app.step else { panic!("{:?}", screen.app.step) };
    assert_eq!(facial.state, FacialState::Expired);
    screen.snapshot("facial_02_expired_es");
}

/// Asserts that the half blocks on screen are the QR code of `url`, module by module (dark on white, two
/// modules per cell, a quiet zone around it): what a phone's camera would read.
#[track_caller]
fn assert_qr_reads(drawn: &Drawn, url: &str) {
    let code = qrcode::QrCode::with_error_correction_level(url.as_bytes(), qrcode::EcLevel::L).expect("encodable");
    let (size, modules) = (code.width(), code.to_colors());
    let area = drawn.buffer.area;
    let cells = (0..area.height).flat_map(|y| (0..area.width).map(move |x| (x, y)));
    let (left, top) = cells.clone().find(|&at| drawn.buffer[at].symbol() == "▀").expect("a QR code on screen");
    let side = (left..area.width).take_while(|&x| drawn.buffer[(x, top)].symbol() == "▀").count();
    let quiet = (side - size) / 2;
    assert!(quiet >= 1 && side == size + 2 * quiet, "a quiet zone around {size} modules, in {side} cells");
    let dark = |x: usize, y: usize| {
        (quiet..quiet + size).contains(&x)
            && (quiet..quiet + size).contains(&y)
            && modules[(y - quiet) * size + x - quiet] == qrcode::Color::Dark
    };
    let shade = |is_dark: bool| if is_dark { Color::Black } else { Color::White };
    for row in 0..side.div_ceil(2) {
        for x in 0..side {
            let cell = &drawn.buffer[(left + x as u16, top + row as u16)];
            let bottom = row * 2 + 1 < side && dark(x, row * 2 + 1);
            assert_eq!((cell.fg, cell.bg), (shade(dark(x, row * 2)), shade(bottom)), "module pair at {x},{row}");
        }
    }
}
