//! Verifying the beneficiary when it does not go right the first time: a wrong OTP, one that lapses, one
//! locked after three wrong codes, Enter with digits missing, a code sent moments ago for another dispensation,
//! a resend the server refuses; a finger that does not match, then does; no reader at all; the facial QR at
//! every size, its expiry and a rejection on the phone.

use crossterm::event::KeyCode;
use mostrador::counter::{FacialState, FingerprintState, OtpState, Step, Verify};
use mostrador::i18n::Locale;
use mostrador::runtime::Capture;
use ratatui::style::Color;

use crate::support::{Drawn, Screen};

/// Both languages, with the suffix of their snapshots.
const LOCALES: [(Locale, &str); 2] = [(Locale::Es, "es"), (Locale::En, "en")];

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

/// Snapshots the screen at 80x24 as `name` and at 160x45 as `name_160x45`; returns both.
fn both_sizes(screen: &mut Screen, name: &str) -> (Drawn, Drawn) {
    let small = screen.snapshot(name);
    let large = screen.snapshot_at(&format!("{name}_160x45"), 160, 45);
    (small, large)
}

/// AUTH-2026-000102 with its OTP sent.
async fn otp_sent(locale: Locale) -> Screen {
    let mut screen = Screen::open(locale).await;
    screen.scan("AUTH-2026-000102").await;
    assert_eq!(otp_state(&screen), OtpState::Waiting);
    screen
}

#[tokio::test]
async fn otp_02_wrong_code() {
    for (locale, lang) in LOCALES {
        let mut screen = otp_sent(locale).await;
        let code = screen.toast_code();
        screen.type_text(&wrong(&code)).await;
        assert_eq!(otp_state(&screen), OtpState::Wrong);
        let (drawn, _) = both_sizes(&mut screen, &format!("otp_02_wrong_code_{lang}"));
        drawn.shows(if locale == Locale::Es { "intentos restantes: 2" } else { "attempts left: 2" });
        drawn.hides(&wrong(&code));
        assert_eq!(drawn.rows_with(&code), [22], "the OTP shows only in the toast");
    }
}

#[tokio::test]
async fn otp_04_expired() {
    for (locale, lang) in LOCALES {
        let mut screen = otp_sent(locale).await;
        let code = screen.toast_code();
        screen.wait(301).await;
        assert_eq!(otp_state(&screen), OtpState::Expired);
        assert!(screen.app.session.surroundings.toast.is_none(), "a lapsed code is no longer offered to read aloud");
        let (drawn, _) = both_sizes(&mut screen, &format!("otp_04_expired_{lang}"));
        if locale == Locale::Es {
            drawn.shows("El código venció.");
            drawn.shows("Enter: enviar otro código.");
        }
        drawn.hides(&code);
    }
}

#[tokio::test]
async fn otp_05_locked() {
    for (locale, lang) in LOCALES {
        let mut screen = otp_sent(locale).await;
        let code = screen.toast_code();
        for _ in 0..3 {
            screen.type_text(&wrong(&code)).await;
        }
        assert_eq!(otp_state(&screen), OtpState::Locked);
        let (drawn, _) = both_sizes(&mut screen, &format!("otp_05_locked_{lang}"));
        if locale == Locale::Es {
            drawn.shows("Podrá enviar otro código en 0:30.");
        }
    }
}

/// Defect 6: Enter with digits missing says how many, in place; typing the next digit clears it.
#[tokio::test]
async fn otp_07_digits_missing() {
    for (locale, lang) in LOCALES {
        let mut screen = otp_sent(locale).await;
        let code = screen.toast_code();
        screen.type_text(&code[..4]).await;
        screen.press(KeyCode::Enter).await;
        assert!(screen.app.problem.is_none(), "in place, not in a box: {:?}", screen.app.problem);
        assert_eq!(otp_state(&screen), OtpState::Waiting);
        let (drawn, _) = both_sizes(&mut screen, &format!("otp_07_digits_missing_{lang}"));
        let missing = if locale == Locale::Es { "Faltan 2 dígitos." } else { "Type 2 more digits." };
        drawn.shows(missing);
        drawn.shows("● ● ● ● ○ ○");
        screen.type_text(&code[4..5]).await;
        screen.look().hides(missing);
    }
}

/// Defect 6: a code left and scanned again within the server's cool-down. The OTP sent moments ago belongs to
/// the dispensation just cancelled; the screen says so, counts down to the new one, and sends it by itself.
#[tokio::test]
async fn otp_08_sent_moments_ago() {
    for (locale, lang) in LOCALES {
        let mut screen = otp_sent(locale).await;
        screen.press(KeyCode::Esc).await;
        screen.press(KeyCode::Enter).await;
        assert!(matches!(screen.app.step, Step::Entry { .. }), "{:?}", screen.app.step);
        screen.wait(2).await;
        screen.scan("AUTH-2026-000102").await;
        assert!(screen.app.problem.is_none(), "no box: {:?}", screen.app.problem);
        assert!(matches!(otp_state(&screen), OtpState::TooSoon { .. }), "{:?}", otp_state(&screen));
        let (drawn, _) = both_sizes(&mut screen, &format!("otp_08_sent_moments_ago_{lang}"));
        drawn.shows("0:28");
        if locale == Locale::Es {
            drawn.shows("Hace unos segundos");
            drawn.hides("venció");
        } else {
            drawn.shows("moments ago");
            drawn.hides("expired");
        }
        screen.wait(28).await;
        assert_eq!(otp_state(&screen), OtpState::Waiting, "sent once the wait was over");
        screen.type_otp().await;
        assert!(matches!(screen.app.step, Step::Review(_)), "{:?}", screen.app.problem);
    }
}

/// Defect 6: a resend the server refuses (the SMS again, moments after it went) is said in place; the code
/// sent by e-mail still works.
#[tokio::test]
async fn otp_09_resend_refused() {
    for (locale, lang) in LOCALES {
        let mut screen = otp_sent(locale).await;
        screen.press(KeyCode::F(6)).await;
        screen.press(KeyCode::F(6)).await;
        assert!(screen.app.problem.is_none(), "no box: {:?}", screen.app.problem);
        let (drawn, _) = both_sizes(&mut screen, &format!("otp_09_resend_refused_{lang}"));
        drawn.shows(if locale == Locale::Es { "vigente: pida al beneficiario" } else { "still valid" });
        screen.type_otp().await;
        assert!(matches!(screen.app.step, Step::Review(_)), "{:?}", screen.app.problem);
    }
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

/// Defect 11: a terminal without a reader says so, what to configure, and what to do now; no retry.
#[tokio::test]
async fn fingerprint_03_no_reader() {
    for (locale, lang) in LOCALES {
        let mut screen = Screen::open_with(locale, Capture::None).await;
        screen.scan("AUTH-2026-000103").await;
        assert!(screen.app.problem.is_none(), "{:?}", screen.app.problem);
        let Step::Verify(Verify::Fingerprint(fingerprint)) = &screen.app.step else { panic!("{:?}", screen.app.step) };
        assert_eq!(fingerprint.state, FingerprintState::NoReader);
        let (drawn, large) = both_sizes(&mut screen, &format!("fingerprint_03_no_reader_{lang}"));
        for drawn in [&drawn, &large] {
            drawn.shows("capture_command");
            drawn.hides("Enter");
            if locale == Locale::Es {
                drawn.shows("no tiene lector de huellas");
                drawn.hides("no respondió");
            } else {
                drawn.shows("has no fingerprint reader");
            }
        }
    }
}

/// The facial check's screen at every size: the QR (decodable) and its words laid out together in the framed
/// screen, centred as one; the address broken only after a `/`.
#[tokio::test]
async fn facial_01_qr_at_every_size() {
    for (locale, lang) in LOCALES {
        let mut screen = Screen::open(locale).await;
        screen.scan("AUTH-2026-000104").await;
        let Step::Verify(Verify::Facial(facial)) = &screen.app.step else {
            panic!("not on the facial check: {:?}", screen.app.problem)
        };
        let url = facial.challenge_url.clone().expect("a challenge");
        assert!(url.starts_with("https://sandbox.mostrador.test/"), "{url}");
        for (width, height) in [(80, 24), (100, 30), (160, 45), (200, 60)] {
            let name = match (width, height) {
                (80, 24) => format!("facial_01_qr_{lang}"),
                _ => format!("facial_01_qr_{lang}_{width}x{height}"),
            };
            let drawn = screen.snapshot_at(&name, width, height);
            assert_qr_reads(&drawn, &url);
            assert_laid_out_together(&drawn, &url);
            drawn.shows("5:00");
        }
    }
}

#[tokio::test]
async fn facial_02_expired() {
    for (locale, lang) in LOCALES {
        let mut screen = Screen::open(locale).await;
        screen.scan("AUTH-2026-000104").await;
        screen.wait(301).await;
        let Step::Verify(Verify::Facial(facial)) = &screen.app.step else { panic!("{:?}", screen.app.step) };
        assert_eq!(facial.state, FacialState::Expired);
        let (drawn, _) = both_sizes(&mut screen, &format!("facial_02_expired_{lang}"));
        drawn.hides("▀");
    }
}

/// Defect 9: a rejection on the phone is said on the screen (no box), and the first Enter asks for a new QR.
#[tokio::test]
async fn facial_03_rejected() {
    for (locale, lang) in LOCALES {
        let mut screen = Screen::open(locale).await;
        screen.scan("AUTH-2026-000104").await;
        let Step::Verify(Verify::Facial(facial)) = &screen.app.step else { panic!("{:?}", screen.app.step) };
        let url = facial.challenge_url.clone().expect("a challenge");
        // The page is published under the public address; the phone here reaches the sandbox directly.
        let path = url.trim_start_matches("https://sandbox.mostrador.test");
        let phone = mostrador::http::client_builder().build().unwrap();
        let reject = format!("{}{path}/reject", screen.sandbox.base_url().trim_end_matches('/'));
        assert!(phone.post(reject).send().await.unwrap().status().is_success());
        screen.wait(5).await;
        assert!(screen.app.problem.is_none(), "{:?}", screen.app.problem);
        let (drawn, _) = both_sizes(&mut screen, &format!("facial_03_rejected_{lang}"));
        drawn.hides("▀");
        drawn.shows(if locale == Locale::Es { "rechazada" } else { "rejected" });
        screen.press(KeyCode::Enter).await;
        let Step::Verify(Verify::Facial(facial)) = &screen.app.step else { panic!("{:?}", screen.app.step) };
        assert_eq!(facial.state, FacialState::Waiting);
        assert_ne!(facial.challenge_url.as_deref(), Some(url.as_str()), "the first Enter gave a new challenge");
    }
}

/// Asserts that the half blocks on screen are the QR code of `url`, module by module (dark on white, two
/// modules per cell, a quiet zone around it): what a phone's camera would read.
#[track_caller]
fn assert_qr_reads(drawn: &Drawn, url: &str) {
    let code = qrcode::QrCode::with_error_correction_level(url.as_bytes(), qrcode::EcLevel::L).expect("encodable");
    let (size, modules) = (code.width(), code.to_colors());
    let (left, top, side) = qr_at(drawn);
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

/// The QR code's top left cell and its side in modules (= columns).
fn qr_at(drawn: &Drawn) -> (u16, u16, usize) {
    let area = drawn.buffer.area;
    let cells = (0..area.height).flat_map(|y| (0..area.width).map(move |x| (x, y)));
    let (left, top) = cells.clone().find(|&at| drawn.buffer[at].symbol() == "▀").expect("a QR code on screen");
    let side = (left..area.width).take_while(|&x| drawn.buffer[(x, top)].symbol() == "▀").count();
    (left, top, side)
}

/// Asserts the facial screen's layout: inside the screen's frame, the QR and the words side by side (or the words
/// above it), the whole centred in the frame; the address on lines of its own, each ending with a `/` but the
/// last, that read as the address.
#[track_caller]
fn assert_laid_out_together(drawn: &Drawn, url: &str) {
    let area = drawn.buffer.area;
    let symbol = |x: u16, y: u16| drawn.buffer[(x, y)].symbol().to_owned();
    let (left, top, side) = qr_at(drawn);
    let qr_rows = u16::try_from(side.div_ceil(2)).unwrap();
    let right = left + u16::try_from(side).unwrap();
    // The frame: its corners above and below the code, its sides beside it.
    let frame_top = (0..top).rev().find(|&y| symbol(0, y) == "┌").expect("a frame above the code");
    let frame_bottom = (top + qr_rows..area.height).find(|&y| symbol(0, y) == "└").expect("a frame below the code");
    for y in frame_top + 1..frame_bottom {
        assert_eq!((symbol(0, y), symbol(area.width - 1, y)), ("│".into(), "│".into()), "the frame's sides, row {y}");
    }
    // The words: every cell in the frame that is neither blank nor part of the code.
    let in_code = |x: u16, y: u16| (left..right).contains(&x) && (top..top + qr_rows).contains(&y);
    let inked: Vec<(u16, u16)> = (frame_top + 1..frame_bottom)
        .flat_map(|y| (1..area.width - 1).map(move |x| (x, y)))
        .filter(|&(x, y)| !in_code(x, y) && symbol(x, y) != " ")
        .collect();
    assert!(!inked.is_empty(), "words beside or below the code");
    let group_left = inked.iter().map(|at| at.0).min().unwrap().min(left);
    let group_right = inked.iter().map(|at| at.0 + 1).max().unwrap().max(right);
    let group_top = inked.iter().map(|at| at.1).min().unwrap().min(top);
    let group_bottom = inked.iter().map(|at| at.1 + 1).max().unwrap().max(top + qr_rows);
    let (gap_left, gap_right) = (group_left - 1, area.width - 1 - group_right);
    let (gap_top, gap_bottom) = (group_top - frame_top - 1, frame_bottom - group_bottom);
    assert!(gap_left.abs_diff(gap_right) <= 1, "centred across: {gap_left} | {gap_right} at {area:?}");
    assert!(gap_top.abs_diff(gap_bottom) <= 1, "centred down: {gap_top} | {gap_bottom} at {area:?}");
    let beside = inked.iter().any(|&(x, y)| x >= right && (top..top + qr_rows).contains(&y));
    let below = inked.iter().all(|&(_, y)| y >= top + qr_rows);
    assert!(beside || below, "the words beside the code, or below it, at {area:?}");
    // The address: its lines, from the one starting it, each read from the column it starts at.
    let start = drawn.rows.iter().position(|row| row.contains("https://")).expect("the address on screen");
    let row = u16::try_from(start).unwrap();
    let column = (0..area.width - 8)
        .find(|&x| (x..x + 8).map(|x| symbol(x, row)).collect::<String>() == "https://")
        .expect("the address's column");
    let mut pieces = Vec::new();
    let mut read = String::new();
    for y in start..usize::from(area.height) {
        let piece: String = (column..area.width - 1).map(|x| symbol(x, u16::try_from(y).unwrap())).collect();
        let piece = piece.trim_end().to_owned();
        read.push_str(&piece);
        pieces.push(piece);
        if read.len() >= url.len() {
            break;
        }
    }
    assert_eq!(read, url, "the address reads whole: {pieces:?}");
    for piece in &pieces[..pieces.len() - 1] {
        assert!(piece.ends_with('/'), "broken only after a `/`: {pieces:?}");
    }
}
