//! `mostrador sandbox serve` refuses, before it starts, every option outside its range: from the flags and from
//! the `[sandbox]` section alike, naming the option and its range, with exit code 2.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test crate: its helpers unwrap, as `clippy.toml` lets its tests

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long the binary may take to refuse; it used to start and serve instead, so it is killed after this.
const LIMIT: Duration = Duration::from_secs(30);

/// A configuration file of its own per case, in a private directory.
fn config_file(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mostrador-serve-options-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch directory");
    let path = dir.join("config.toml");
    std::fs::write(&path, text).expect("configuration file");
    path
}

/// Runs `mostrador --config FILE sandbox serve --addr 127.0.0.1:0 ARGS…`: its exit code and stderr.
fn serve(config: &PathBuf, args: &[&str]) -> (Option<i32>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mostrador"))
        .arg("--config")
        .arg(config)
        .args(["sandbox", "serve", "--addr", "127.0.0.1:0"])
        .args(args)
        .env_remove("MOSTRADOR_CONFIG")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("mostrador runs");
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            let mut stderr = String::new();
            std::io::Read::read_to_string(&mut child.stderr.take().expect("stderr"), &mut stderr).expect("stderr");
            return (status.code(), stderr);
        }
        if started.elapsed() > LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("`sandbox serve {}` started instead of refusing its options", args.join(" "));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn flags_out_of_range_are_refused_with_exit_2_naming_the_flag_and_its_range() {
    let empty = config_file("flags", "");
    for (args, named, range) in [
        (&["--dispensation-timeout-secs", "999999999999"][..], "--dispensation-timeout-secs", "1 to 604800 s"),
        (&["--dispensation-timeout-secs", "0"][..], "--dispensation-timeout-secs", "1 to 604800 s"),
        (&["--remote-auto-approve-secs", "86400"][..], "--remote-auto-approve-secs", "0 to 299 s"),
        (&["--idempotency-store-mib", "4096"][..], "--idempotency-store-mib", "1 to 1024 MiB"),
        (&["--fault", "*:latency-ms=18446744073709551615"][..], "--fault", "from 0 to 600000"),
        (&["--settlement-decision-secs", "0"][..], "--settlement-decision-secs", "1 to 2592000 s"),
        (
            &["--webhook-url", "http://farmacia.example.do/osigu", "--webhook-secret", "whsec_a"][..],
            "webhook URL",
            "https",
        ),
    ] {
        let (code, stderr) = serve(&empty, args);
        assert_eq!(code, Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(named) && stderr.contains(range), "{args:?}: {stderr}");
    }
}

#[test]
fn the_sandbox_section_out_of_range_is_refused_with_exit_2_naming_the_key_and_its_range() {
    for (name, text, key, range) in [
        (
            "timeout",
            "[sandbox]\ndispensation_timeout_secs = 999999999999\n",
            "sandbox.dispensation_timeout_secs",
            "1 to 604800 s",
        ),
        ("approve", "[sandbox]\nremote_auto_approve_secs = 300\n", "sandbox.remote_auto_approve_secs", "0 to 299 s"),
        ("latency", "[sandbox]\nfaults = [\"complete:jitter-ms=700000\"]\n", "sandbox.faults", "from 0 to 600000"),
        (
            "decision",
            "[sandbox]\nsettlement_decision_secs = 2592001\n",
            "sandbox.settlement_decision_secs",
            "1 to 2592000 s",
        ),
    ] {
        let (code, stderr) = serve(&config_file(name, text), &[]);
        assert_eq!(code, Some(2), "{name}: {stderr}");
        assert!(stderr.contains(key) && stderr.contains(range), "{name}: {stderr}");
    }
}
