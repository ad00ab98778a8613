//! `mostrador clerks` (issue 13) as a script runs it: the PIN on two lines of standard input (not a terminal),
//! the clerks kept in a real journal in a scratch data directory, and the PINs checked against what was kept.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test crate: its helpers unwrap, as `clippy.toml` lets its tests

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use mostrador::clerks::{Pin, PinFor, PinVerdict, Role};
use mostrador::journal::{Journal, Place};

/// A scratch directory with a configuration whose data directory is inside it.
fn scratch(name: &str) -> (PathBuf, PathBuf) {
    let root = std::env::temp_dir().join(format!("mostrador-clerks-{name}-{}", mostrador::test_support::unique()));
    std::fs::create_dir_all(&root).unwrap();
    let config = root.join("config.toml");
    let data = root.join("data");
    std::fs::write(&config, format!("[counter]\ndata_dir = {:?}\n", data.display().to_string())).unwrap();
    (root, config)
}

/// `mostrador clerks ARGS` with `stdin` piped in.
fn clerks(config: &Path, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mostrador"))
        .arg("clerks")
        .args(args)
        .arg("--config")
        .arg(config)
        .env_remove("MOSTRADOR_CONFIG")
        .env_remove("MOSTRADOR_LOG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A command refused before it reads its PIN (a bad id or name) may exit before the lines are written: the
    // pipe is then closed, which is that refusal, not a failure of the test.
    match child.stdin.take().unwrap().write_all(stdin.as_bytes()) {
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => {}
        written => written.unwrap(),
    }
    child.wait_with_output().unwrap()
}

fn out(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned() + &String::from_utf8_lossy(&output.stderr)
}

/// The journal the commands wrote.
fn journal(root: &Path) -> Journal {
    Journal::in_dir(&root.join("data"), &Place::new("test", "caja-1")).unwrap()
}

fn check(journal: &Journal, id: &str, pin: &str) -> PinVerdict {
    journal.check_pin(time::OffsetDateTime::now_utc(), id, &Pin::new(pin).unwrap(), &PinFor::SignIn).unwrap()
}

#[test]
fn clerks_are_added_listed_disabled_and_given_a_new_pin_from_standard_input() {
    let (root, config) = scratch("cycle");
    let added = clerks(&config, &["add", "ALopez", "--name", "Ana María López"], "4821\n4821\n");
    assert!(added.status.success(), "{}", out(&added));
    assert!(out(&added).contains("`alopez`"), "the id is kept in lower case: {}", out(&added));
    let added = clerks(&config, &["add", "rosa", "--name", "Rosa Pérez", "--role", "supervisor"], "135790\n135790\n");
    assert!(added.status.success(), "{}", out(&added));
    let again = clerks(&config, &["add", "alopez", "--name", "Otra"], "1111\n1111\n");
    assert_eq!(again.status.code(), Some(1), "{}", out(&again));
    assert!(out(&again).contains("already a clerk with the id `alopez`"), "{}", out(&again));

    let listed = clerks(&config, &["list"], "");
    let text = out(&listed);
    assert!(listed.status.success(), "{text}");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "a header and a line each: {text}");
    assert!(lines[1].starts_with("alopez") && lines[1].contains("Ana María López") && lines[1].contains("clerk"));
    assert!(lines[1].ends_with("enabled"), "{text}");
    assert!(lines[2].starts_with("rosa") && lines[2].contains("supervisor"), "{text}");
    assert!(!text.contains("4821") && !text.contains("argon2"), "never a PIN or its hash: {text}");

    let disabled = clerks(&config, &["disable", "rosa"], "");
    assert!(disabled.status.success(), "{}", out(&disabled));
    assert!(out(&clerks(&config, &["list"], "")).lines().nth(2).unwrap().ends_with("disabled"));
    let journal = journal(&root);
    assert_eq!(check(&journal, "rosa", "135790"), PinVerdict::Disabled, "a disabled clerk cannot sign in");

    // Five wrong PINs lock Ana out; a new PIN lifts the lockout, and only the new PIN signs in.
    for _ in 0..5 {
        check(&journal, "alopez", "0000");
    }
    assert!(matches!(check(&journal, "alopez", "4821"), PinVerdict::Locked { .. }));
    let reset = clerks(&config, &["reset-pin", "alopez"], "97531\n97531\n");
    assert!(reset.status.success(), "{}", out(&reset));
    assert_eq!(check(&journal, "alopez", "4821"), PinVerdict::Wrong { left: 4 });
    let PinVerdict::Accepted(clerk) = check(&journal, "alopez", "97531") else { panic!("the new PIN signs in") };
    assert_eq!((clerk.name.as_str(), clerk.role), ("Ana María López", Role::Clerk));

    let audit: Vec<String> = journal
        .clerk_events(Some("alopez"))
        .unwrap()
        .into_iter()
        .map(|event| format!("{} {}", event.till, event.event))
        .collect();
    assert_eq!(audit[0], "cli added");
    assert!(audit.contains(&"cli pin-reset".to_owned()), "{audit:?}");
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn a_bad_pin_two_different_pins_or_a_bad_id_exit_2_and_add_nobody() {
    let (root, config) = scratch("refused");
    for (args, stdin, says) in [
        (["add", "ana", "--name", "Ana"], "482\n482\n", "a PIN is 4 to 12 digits"),
        (["add", "ana", "--name", "Ana"], "4821\n4812\n", "the two PINs typed differ"),
        (["add", "ana", "--name", "Ana"], "4821a\n4821a\n", "a PIN is 4 to 12 digits"),
        (["add", "ana", "--name", "Ana"], "4821\n", "expected the PIN on two lines"),
        (["add", "josé", "--name", "José"], "4821\n4821\n", "a clerk id is 1 to 32 letters"),
        (["add", "ana", "--name", "   "], "4821\n4821\n", "a clerk's name is 1 to 60 characters"),
    ] {
        let output = clerks(&config, &args, stdin);
        assert_eq!(output.status.code(), Some(2), "{args:?} {stdin:?}: {}", out(&output));
        assert!(out(&output).contains(says), "{args:?}: {}", out(&output));
        assert!(!out(&output).contains("4821"), "a PIN is never echoed: {}", out(&output));
    }
    let listed = clerks(&config, &["list"], "");
    assert!(out(&listed).starts_with("No clerks"), "{}", out(&listed));
    // An unknown clerk is said before any PIN is read.
    let unknown = clerks(&config, &["reset-pin", "nadie"], "");
    assert_eq!(unknown.status.code(), Some(1), "{}", out(&unknown));
    assert!(out(&unknown).contains("no clerk with the id `nadie`"), "{}", out(&unknown));
    let unknown = clerks(&config, &["disable", "nadie"], "");
    assert_eq!(unknown.status.code(), Some(1), "{}", out(&unknown));
    std::fs::remove_dir_all(&root).unwrap();
}
