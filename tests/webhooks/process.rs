//! `mostrador webhooks serve`, the real binary: configured by `[webhooks]` and MOSTRADOR_WEBHOOK_SECRETS, a
//! refused delivery is one inert log line without the body, SIGTERM stops it cleanly, and plain HTTP off
//! loopback is refused with exit 2.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use mostrador::osigu::webhook::signature_header;
use serde_json::json;

use crate::harness::data_dir;

/// A configuration file with `[counter] data_dir` and `extra`, readable by its owner only unless `mode` says.
fn config_file(extra: &str, mode: u32) -> (PathBuf, PathBuf) {
    use std::os::unix::fs::PermissionsExt;
    let dir = data_dir();
    let path = dir.join("config.toml");
    let text = format!("[counter]\ndata_dir = \"{}\"\n{extra}", dir.join("data").display());
    std::fs::write(&path, text).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
    (path, dir)
}

fn command(config: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_mostrador"));
    command
        .arg("--config")
        .arg(config)
        .args(["webhooks", "serve"])
        .args(args)
        .env_remove("MOSTRADOR_CONFIG")
        .env_remove("MOSTRADOR_LOG")
        .env_remove("MOSTRADOR_WEBHOOK_SECRETS")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// Reads stdout up to the line announcing the URL, and returns it.
fn listening_url(child: &mut Child) -> String {
    let stdout = child.stdout.as_mut().unwrap();
    let mut reader = BufReader::new(stdout);
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    let url = line.trim().rsplit(' ').next().unwrap().to_owned();
    assert!(line.starts_with("Osigu webhooks receiver listening on http://127.0.0.1:"), "{line}");
    url
}

/// Waits for the process to end (killing it after 30 s) and returns its exit code, stdout and stderr.
fn finish(mut child: Child) -> (Option<i32>, String, String) {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let (mut out, mut err) = (String::new(), String::new());
            child.stdout.take().unwrap().read_to_string(&mut out).unwrap();
            child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
            return (status.code(), out, err);
        }
        if started.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            panic!("`webhooks serve` did not stop");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[tokio::test]
async fn the_binary_takes_its_secrets_from_the_environment_and_logs_a_bad_signature_as_one_inert_line() {
    let (config, dir) = config_file("[webhooks]\naddr = \"127.0.0.1:0\"\nsecrets = [\"whsec_in_the_file\"]\n", 0o644);
    let mut child =
        command(&config, &[]).env("MOSTRADOR_WEBHOOK_SECRETS", "whsec_env_new, whsec_env_old").spawn().unwrap();
    let url = listening_url(&mut child);
    let client = mostrador::http::client_builder().build().unwrap();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();

    // A body a patient could be named in, with an escape sequence, signed with the file's secret: the environment's
    // secrets win, so it is refused, and nothing of it may reach the log.
    let hostile = json!({
        "event_id": "evt_bad", "event_type": "authorization.voided",
        "data": { "patient": "MARIA-JOSE-GONZALEZ-00112345678", "note": "\u{1b}]0;pwned\u{7}\u{1b}[2J" },
    })
    .to_string();
    let header = signature_header(&["whsec_in_the_file"], now, hostile.as_bytes());
    let reply = client.post(&url).header("X-Osigu-Signature", &header).body(hostile).send().await.unwrap();
    assert_eq!(reply.status(), 401);

    for (index, secret) in ["whsec_env_old", "whsec_env_new"].into_iter().enumerate() {
        let body = json!({ "event_id": format!("evt_{index}"), "event_type": "dispensing.started", "data": {} });
        let body = body.to_string();
        let header = signature_header(&[secret], now, body.as_bytes());
        let reply = client.post(&url).header("X-Osigu-Signature", header).body(body).send().await.unwrap();
        assert_eq!(reply.status(), 200, "signed with {secret}");
    }

    let pid = child.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let (code, stdout, stderr) = finish(child);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains("Receiver stopped: 2 accepted, 0 duplicates"), "{stdout}");
    let refusals: Vec<&str> = stderr.lines().filter(|line| line.contains("refused")).collect();
    assert_eq!(refusals.len(), 1, "{stderr}");
    assert!(refusals[0].contains("webhook refused (401)") && refusals[0].contains("no signature matches"), "{stderr}");
    for secret_or_body in ["MARIA", "00112345678", "pwned", "whsec_", "evt_bad", "v1="] {
        assert!(!stderr.contains(secret_or_body), "{secret_or_body} in the log: {stderr}");
    }
    assert!(!stderr.contains('\u{1b}'), "{stderr:?}");
    // The environment's secrets are used; the file still holds one, readable by others: said so.
    assert!(stderr.contains("webhooks.secrets") && stderr.contains("chmod 600"), "{stderr}");
    let journal = mostrador::journal::Journal::open_read_only(
        &dir.join("data"),
        &mostrador::journal::Place::new("test", "export"),
    )
    .unwrap();
    let kept: Vec<String> = journal.webhook_events().unwrap().into_iter().map(|event| event.event_id).collect();
    assert_eq!(kept, ["evt_0", "evt_1"]);
}

#[test]
fn the_binary_refuses_plain_http_off_loopback_with_exit_2() {
    let (config, _) = config_file("[webhooks]\nsecrets = [\"whsec_a\"]\n", 0o600);
    let child = command(&config, &["--addr", "0.0.0.0:0"]).spawn().unwrap();
    let (code, stdout, stderr) = finish(child);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    assert!(stderr.starts_with("mostrador webhooks serve: refusing plain HTTP on 0.0.0.0:0"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");

    let (no_secret, _) = config_file("", 0o600);
    let (code, _, stderr) = finish(command(&no_secret, &["--addr", "127.0.0.1:0"]).spawn().unwrap());
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("no webhook secret"), "{stderr}");
}
