//! `mostrador check` end to end: the real binary, run as IT would run it, against the embedded sandbox, a
//! standalone sandbox, an unreachable address, a small fake server for the replies the sandbox never gives
//! (a skewed clock, a proxy's 502 page, a missing scope, escape sequences in an error code) and a TLS server
//! whose certificate nobody vouches for.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test crate: its helpers unwrap, as `clippy.toml` lets its tests

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use mostrador::check::{EXIT_CLOCK, EXIT_CONFIG, EXIT_CREDENTIALS, EXIT_OTHER, EXIT_SCOPE, EXIT_TLS, EXIT_UNREACHABLE};
use mostrador::sandbox::{
    DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, READONLY_CLIENT_ID, READONLY_CLIENT_SECRET, Sandbox, SandboxConfig,
};

/// The longest a check may take here; an unreachable host must fail well within it.
const LIMIT: Duration = Duration::from_secs(30);

/// The five sponsors of the sandbox's seed, with the verification each line must show.
const SEED_SPONSORS: [(&str, &str); 5] = [
    ("sponsor-sandbox", "NONE"),
    ("aseguradora-otp", "OTP (SMS, EMAIL)"),
    ("seguro-huella", "BIOMETRIC FINGERPRINT at the counter"),
    ("salud-facial", "BIOMETRIC FACIAL on the beneficiary's phone"),
    ("ars-sandbox-do", "OTP (SMS)"),
];

/// A private directory per test: an empty home (so a developer's own configuration is not read) and the
/// configuration file, removed when the test ends.
struct Scratch {
    dir: PathBuf,
}

impl Scratch {
    fn new(name: &str) -> Self {
        static COUNT: AtomicUsize = AtomicUsize::new(0);
        let n = COUNT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("mostrador-check-{}-{name}-{n}", std::process::id()));
        std::fs::create_dir_all(dir.join("home")).unwrap();
        Self { dir }
    }

    /// Writes the configuration file, readable by its owner only (else `main` warns about the secret in it).
    fn config(&self, text: &str) -> PathBuf {
        let path = self.dir.join("config.toml");
        std::fs::write(&path, text).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        path
    }

    /// A `[osigu]` section for a custom server.
    fn custom(&self, base_url: &str, client_id: &str, client_secret: &str) -> PathBuf {
        self.config(&format!(
            "[osigu]\nenvironment = \"custom\"\nbase_url = \"{base_url}\"\nclient_id = \"{client_id}\"\n\
             client_secret = \"{client_secret}\"\n"
        ))
    }

    /// Runs `mostrador check [--config FILE]` with a clean environment, killing it past [`LIMIT`].
    fn check(&self, config: Option<&PathBuf>) -> Outcome {
        run(self.command(config))
    }

    /// `mostrador check [--config FILE]` with a clean environment, to adjust before running it.
    fn command(&self, config: Option<&PathBuf>) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_mostrador"));
        command.arg("check");
        if let Some(config) = config {
            command.arg("--config").arg(config);
        }
        let home = self.dir.join("home");
        command
            .env_remove("MOSTRADOR_CONFIG")
            .env_remove("MOSTRADOR_CLIENT_SECRET")
            .env_remove("MOSTRADOR_LOG")
            .env("HOME", &home)
            .env("XDG_CONFIG_HOME", home.join(".config"))
            .env("XDG_DATA_HOME", home.join(".local/share"))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        command
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// What a run of the binary gave.
struct Outcome {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    took: Duration,
}

impl Outcome {
    /// Asserts the exit code, printing both streams when it differs.
    #[track_caller]
    fn expect(self, code: u8) -> Self {
        assert_eq!(self.code, Some(i32::from(code)), "stdout:\n{}\nstderr:\n{}", self.stdout, self.stderr);
        self
    }

    /// The failure line: stderr must be exactly one line, prefixed by the command.
    #[track_caller]
    fn failure_line(&self) -> &str {
        let lines: Vec<&str> = self.stderr.lines().collect();
        assert_eq!(lines.len(), 1, "stderr is not one line:\n{}", self.stderr);
        assert!(lines[0].starts_with("mostrador check: "), "{}", lines[0]);
        lines[0]
    }

    /// The report line of a sponsor.
    #[track_caller]
    fn sponsor_line(&self, slug: &str) -> &str {
        let prefix = format!("  {slug} ");
        self.stdout
            .lines()
            .find(|line| line.starts_with(&prefix))
            .unwrap_or_else(|| panic!("no {slug}:\n{}", self.stdout))
    }

    #[track_caller]
    fn lists_the_seed_sponsors(&self) {
        for (slug, verification) in SEED_SPONSORS {
            let line = self.sponsor_line(slug);
            assert!(line.contains(verification), "{line}");
        }
        assert!(self.stdout.contains("Sponsors (5)"), "{}", self.stdout);
        assert!(self.sponsor_line("ars-sandbox-do").contains("identification required"), "{}", self.stdout);
        assert!(self.sponsor_line("ars-sandbox-do").contains("BATCH settlement"), "{}", self.stdout);
    }

    #[track_caller]
    fn never_shows(&self, secret: &str) {
        assert!(!self.stdout.contains(secret), "the secret is on stdout:\n{}", self.stdout);
        assert!(!self.stderr.contains(secret), "the secret is on stderr:\n{}", self.stderr);
    }
}

/// Runs `command` to its end or kills it at [`LIMIT`]; the pipes are drained on threads so a chatty child
/// cannot block.
fn run(mut command: Command) -> Outcome {
    let started = Instant::now();
    let mut child = command.spawn().unwrap();
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = pipe.read_to_string(&mut text);
            text
        })
    };
    let stdout = drain(Box::new(child.stdout.take().unwrap()));
    let stderr = drain(Box::new(child.stderr.take().unwrap()));
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("mostrador check ran longer than {LIMIT:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Outcome {
        code: status.code(),
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
        took: started.elapsed(),
    }
}

/// A sandbox on a loopback port, served by its own runtime's workers while the test thread runs the binary.
struct Standalone {
    sandbox: Option<Sandbox>,
    runtime: tokio::runtime::Runtime,
}

impl Standalone {
    fn start() -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let addr: SocketAddr = "127.0.0.1:0".parse().unwrap();
        let sandbox = runtime.block_on(Sandbox::start(SandboxConfig::default(), addr)).unwrap();
        Self { sandbox: Some(sandbox), runtime }
    }

    fn base_url(&self) -> String {
        self.sandbox.as_ref().unwrap().base_url().to_owned()
    }
}

impl Drop for Standalone {
    fn drop(&mut self) {
        if let Some(sandbox) = self.sandbox.take() {
            self.runtime.block_on(sandbox.shutdown());
        }
    }
}

#[test]
fn without_configuration_it_checks_the_embedded_sandbox() {
    let scratch = Scratch::new("embedded");
    let outcome = scratch.check(None).expect(0);
    assert!(outcome.stdout.contains("embedded sandbox"), "{}", outcome.stdout);
    assert!(outcome.stdout.contains("farmacia-demo"), "{}", outcome.stdout);
    assert!(outcome.stdout.contains(DEMO_CLIENT_ID), "{}", outcome.stdout);
    outcome.lists_the_seed_sponsors();
    assert!(outcome.stderr.is_empty(), "{}", outcome.stderr);
    outcome.never_shows(DEMO_CLIENT_SECRET);
}

#[test]
fn a_standalone_sandbox_with_the_demo_client_passes() {
    let scratch = Scratch::new("standalone");
    let server = Standalone::start();
    let config = scratch.custom(&server.base_url(), DEMO_CLIENT_ID, DEMO_CLIENT_SECRET);
    let outcome = scratch.check(Some(&config)).expect(0);
    assert!(outcome.stdout.contains("custom"), "{}", outcome.stdout);
    assert!(outcome.stdout.contains(server.base_url().trim_end_matches('/')), "{}", outcome.stdout);
    assert!(!outcome.stdout.contains("embedded"), "{}", outcome.stdout);
    outcome.lists_the_seed_sponsors();
    assert!(outcome.stderr.is_empty(), "{}", outcome.stderr);
    outcome.never_shows(DEMO_CLIENT_SECRET);
}

/// A sponsor needs a fingerprint at the counter and this terminal has no reader: the check warns (and names
/// what to set) without failing; with a reader configured, or on the embedded sandbox's own reader, it does not.
#[test]
fn a_fingerprint_sponsor_without_a_reader_is_a_warning() {
    let scratch = Scratch::new("reader");
    let server = Standalone::start();
    let osigu = format!(
        "[osigu]\nenvironment = \"custom\"\nbase_url = \"{}\"\nclient_id = \"{DEMO_CLIENT_ID}\"\n\
         client_secret = \"{DEMO_CLIENT_SECRET}\"\n",
        server.base_url()
    );
    let outcome = scratch.check(Some(&scratch.config(&osigu))).expect(0);
    let warnings: Vec<&str> = outcome.stdout.lines().filter(|line| line.contains("warning")).collect();
    assert_eq!(warnings.len(), 1, "{}", outcome.stdout);
    assert!(warnings[0].contains("seguro-huella"), "{}", warnings[0]);
    assert!(warnings[0].contains("[biometric] capture_command"), "{}", warnings[0]);
    assert!(outcome.stdout.contains("OK:"), "a warning, not a failure:\n{}", outcome.stdout);

    let with_reader = format!("{osigu}[biometric]\ncapture_command = \"fprint-capture --wsq\"\n");
    let outcome = scratch.check(Some(&scratch.config(&with_reader))).expect(0);
    assert!(!outcome.stdout.contains("warning"), "{}", outcome.stdout);
    let outcome = scratch.check(None).expect(0);
    assert!(!outcome.stdout.contains("warning"), "the embedded sandbox reads its own samples:\n{}", outcome.stdout);
}

#[test]
fn wrong_credentials_name_the_client_and_what_to_check() {
    let scratch = Scratch::new("credentials");
    let server = Standalone::start();
    let config = scratch.custom(&server.base_url(), DEMO_CLIENT_ID, "wrong-secret-9f3a");
    let outcome = scratch.check(Some(&config)).expect(EXIT_CREDENTIALS);
    let line = outcome.failure_line();
    assert!(line.contains("refused client_id counter-demo"), "{line}");
    assert!(line.contains("check client_id and client_secret"), "{line}");
    assert!(line.contains("MOSTRADOR_CLIENT_SECRET"), "{line}");
    outcome.never_shows("wrong-secret-9f3a");
}

#[test]
fn an_unreachable_host_fails_quickly_and_names_the_address() {
    let scratch = Scratch::new("unreachable");
    let config = scratch.custom("http://127.0.0.1:1", DEMO_CLIENT_ID, DEMO_CLIENT_SECRET);
    let outcome = scratch.check(Some(&config)).expect(EXIT_UNREACHABLE);
    let line = outcome.failure_line();
    assert!(line.starts_with("mostrador check: cannot reach 127.0.0.1:1: check base_url/environment"), "{line}");
    assert!(outcome.took < Duration::from_secs(10), "took {:?}", outcome.took);
    outcome.never_shows(DEMO_CLIENT_SECRET);
}

/// The read-only client has `arc:read`, which is all the check reads with: it passes, with a note that the
/// client cannot dispense.
#[test]
fn the_read_only_client_passes_with_a_note() {
    let scratch = Scratch::new("readonly");
    let server = Standalone::start();
    let config = scratch.custom(&server.base_url(), READONLY_CLIENT_ID, READONLY_CLIENT_SECRET);
    let outcome = scratch.check(Some(&config)).expect(0);
    outcome.lists_the_seed_sponsors();
    assert!(outcome.stdout.contains("arc:read dispensing:read ehr:read"), "{}", outcome.stdout);
    assert!(
        outcome.stdout.contains("this client cannot dispense: it lacks arc:write, dispensing:write"),
        "{}",
        outcome.stdout
    );
    outcome.never_shows(READONLY_CLIENT_SECRET);
}

#[test]
fn a_broken_configuration_file_is_named() {
    let scratch = Scratch::new("broken");
    let config = scratch.config("[osigu]\nenvironment = \"prod\"\n");
    let outcome = scratch.check(Some(&config)).expect(EXIT_CONFIG);
    let lines: Vec<&str> = outcome.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{}", outcome.stderr);
    assert!(lines[0].contains(&config.display().to_string()), "{}", lines[0]);
    assert!(outcome.stdout.is_empty(), "{}", outcome.stdout);
}

/// A canned reply of the fake server.
struct Canned {
    status: u16,
    content_type: &'static str,
    body: String,
}

impl Canned {
    fn json(status: u16, body: serde_json::Value) -> Self {
        Self { status, content_type: "application/json", body: body.to_string() }
    }
}

/// A tiny HTTP/1.1 server on a loopback port: each request is answered by `route(path)`, with a `Date` header
/// `date_offset` away from now, and the connection closed.
fn fake_osigu(date_offset: time::Duration, route: fn(&str) -> Canned) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || answer(stream, date_offset, route));
        }
    });
    url
}

fn answer(stream: TcpStream, date_offset: time::Duration, route: fn(&str) -> Canned) {
    let mut reader = BufReader::new(stream);
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    let path = request_line.split_whitespace().nth(1).unwrap_or("/").to_owned();
    let mut length = 0;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).unwrap_or(0) == 0 || header.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0; length];
    let _ = reader.read_exact(&mut body);
    let canned = route(&path);
    let date =
        (time::OffsetDateTime::now_utc() + date_offset).format(&time::format_description::well_known::Rfc2822).unwrap();
    let head = format!(
        "HTTP/1.1 {} X\r\nContent-Type: {}\r\nContent-Length: {}\r\nDate: {date}\r\nConnection: close\r\n\r\n",
        canned.status,
        canned.content_type,
        canned.body.len()
    );
    let mut stream = reader.into_inner();
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(canned.body.as_bytes());
}

fn token() -> Canned {
    Canned::json(
        200,
        serde_json::json!({"access_token": "tok", "token_type": "bearer", "expires_in": 3600,
            "scope": "arc:read arc:write dispensing:read dispensing:write", "extensions": {"provider_slug": "farmacia-x"}}),
    )
}

fn configuration(slug: &str) -> Canned {
    Canned::json(
        200,
        serde_json::json!({"sponsor_slug": slug, "product_type": "MEDICATION", "evaluation_mode": "SYNC",
            "dispensing": {"verification": "OTP", "otp_channels": ["SMS"], "biometric_modes": [],
                "beneficiary_identification": {"required": false},
                "invoice": {"document_number_required": true, "document_serial_required": false},
                "substitution": {"allowed": false, "reasons": []}, "max_attempts": 3},
            "settlement": {"mode": "PER_TRANSACTION"}}),
    )
}

/// Two sponsors; the configuration of `roto` comes back as a proxy's HTML error page.
fn one_sponsor_behind_a_failing_proxy(path: &str) -> Canned {
    match path.split('?').next().unwrap_or_default() {
        "/v1/oauth/token" => token(),
        "/v1/sponsors" => Canned::json(
            200,
            serde_json::json!([
                {"sponsor_slug": "sano", "name": "Sano", "country_code": "GT", "currency_code": "GTQ"},
                {"sponsor_slug": "roto", "name": "Roto", "country_code": "GT", "currency_code": "GTQ"}]),
        ),
        "/arc/v1/sponsors/sano/configuration" => configuration("sano"),
        "/arc/v1/sponsors/roto/configuration" => Canned {
            status: 502,
            content_type: "text/html",
            body: "<html><body><h1>502 Bad Gateway</h1></body></html>".to_owned(),
        },
        _ => Canned::json(404, serde_json::json!({"code": "NOT_FOUND"})),
    }
}

fn no_sponsors(path: &str) -> Canned {
    match path {
        "/v1/oauth/token" => token(),
        "/v1/sponsors" => Canned::json(200, serde_json::json!([])),
        _ => Canned::json(404, serde_json::json!({"code": "NOT_FOUND"})),
    }
}

fn sponsors_need_a_scope(path: &str) -> Canned {
    match path {
        "/v1/oauth/token" => token(),
        _ => Canned::json(
            403,
            serde_json::json!({"code": "INSUFFICIENT_SCOPE", "error_code": "INSUFFICIENT_SCOPE",
                "message": "missing scope", "details": {"required_scope": "arc:read"}}),
        ),
    }
}

#[test]
fn a_failing_sponsor_is_named_after_the_others_are_listed() {
    let scratch = Scratch::new("proxy");
    let url = fake_osigu(time::Duration::ZERO, one_sponsor_behind_a_failing_proxy);
    let config = scratch.custom(&url, "counter-9", "s3cret-9");
    let outcome = scratch.check(Some(&config)).expect(EXIT_OTHER);
    assert!(outcome.sponsor_line("sano").contains("OTP (SMS)"), "{}", outcome.stdout);
    let roto = outcome.sponsor_line("roto");
    assert!(roto.contains("FAILED: ") && roto.contains("HTTP 502 Bad Gateway"), "{roto}");
    let line = outcome.failure_line();
    assert!(line.contains("the configuration of sponsor roto could not be read"), "{line}");
    assert!(line.contains("HTTP 502 Bad Gateway with a page that is not Osigu's"), "{line}");
    outcome.never_shows("s3cret-9");
}

#[test]
fn a_clock_an_hour_behind_fails_with_the_clock() {
    let scratch = Scratch::new("clock");
    let url = fake_osigu(time::Duration::hours(1), no_sponsors);
    let config = scratch.custom(&url, "counter-9", "s3cret-9");
    let outcome = scratch.check(Some(&config)).expect(EXIT_CLOCK);
    assert!(outcome.stdout.contains("TOO FAR"), "{}", outcome.stdout);
    assert!(outcome.stdout.contains("Sponsors (0)"), "{}", outcome.stdout);
    let line = outcome.failure_line();
    assert!(line.contains("s behind the server's: fix the date and time"), "{line}");
}

#[test]
fn a_missing_scope_is_named() {
    let scratch = Scratch::new("scope");
    let url = fake_osigu(time::Duration::ZERO, sponsors_need_a_scope);
    let config = scratch.custom(&url, "counter-9", "s3cret-9");
    let outcome = scratch.check(Some(&config)).expect(EXIT_SCOPE);
    let line = outcome.failure_line();
    assert!(line.contains("counter-9 lacks scope arc:read"), "{line}");
}

/// Every character a terminal could act on instead of showing (ESC, other controls, bidi overrides), except the
/// line feeds that end lines.
#[track_caller]
fn assert_inert(name: &str, text: &str) {
    let hazards: Vec<char> = text.chars().filter(|&c| c != '\n' && mostrador::inert::is_hazard(c)).collect();
    assert!(hazards.is_empty(), "{name} holds {hazards:?}:\n{text}");
}

/// An error code that sets the window title, writes the clipboard, clears the screen and prints a fake green
/// OK, and a message that reverses the rest of its line.
const HOSTILE_CODE: &str =
    "X\u{1b}]0;pwned\u{7}\u{1b}]52;c;ZWNobyBwd25lZA==\u{7}\u{1b}[2J\u{1b}[32mOK: all good\u{1b}[0m";
const HOSTILE_MESSAGE: &str = "refused \u{202e}kO\u{202c} \u{9b}2J";

/// A token, then every other call refused with [`HOSTILE_CODE`]: 503 for the sponsors (retried, so the retry
/// is logged), and the text in the envelope's message too.
fn hostile_codes(path: &str) -> Canned {
    match path {
        "/v1/oauth/token" => token(),
        _ => Canned::json(503, serde_json::json!({"code": HOSTILE_CODE, "message": HOSTILE_MESSAGE})),
    }
}

fn hostile_refusal(path: &str) -> Canned {
    match path {
        "/v1/oauth/token" => token(),
        _ => Canned::json(422, serde_json::json!({"code": HOSTILE_CODE, "message": HOSTILE_MESSAGE})),
    }
}

#[test]
fn escape_sequences_from_the_server_reach_the_terminal_inert() {
    let scratch = Scratch::new("hostile");
    let url = fake_osigu(time::Duration::ZERO, hostile_refusal);
    let config = scratch.custom(&url, "counter-9", "s3cret-9");
    let outcome = scratch.check(Some(&config)).expect(EXIT_OTHER);
    let line = outcome.failure_line();
    assert!(line.contains("HTTP 422") && line.contains("]0;pwned") && line.contains("OK: all good"), "{line}");
    assert_inert("stderr", &outcome.stderr);
    assert_inert("stdout", &outcome.stdout);
}

/// With logs asked for, the client's retries are logged on stderr with the server's error: the log lines are
/// inert too.
#[test]
fn log_lines_quoting_the_server_are_inert() {
    let scratch = Scratch::new("hostile-log");
    let url = fake_osigu(time::Duration::ZERO, hostile_codes);
    let config = scratch.custom(&url, "counter-9", "s3cret-9");
    let mut command = scratch.command(Some(&config));
    command.env("MOSTRADOR_LOG", "mostrador=info");
    let outcome = run(command).expect(EXIT_OTHER);
    assert!(outcome.stderr.contains("retrying"), "the retry is logged:\n{}", outcome.stderr);
    assert!(outcome.stderr.contains("]0;pwned"), "with the server's code, shown:\n{}", outcome.stderr);
    assert_inert("stderr", &outcome.stderr);
    assert_inert("stdout", &outcome.stdout);
}

/// `--config /dev/zero` used to read until memory ran out; it is refused at once.
#[test]
fn a_configuration_that_never_ends_is_refused_at_once() {
    let scratch = Scratch::new("zero");
    let outcome = scratch.check(Some(&PathBuf::from("/dev/zero"))).expect(EXIT_CONFIG);
    let lines: Vec<&str> = outcome.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{}", outcome.stderr);
    assert!(lines[0].contains("/dev/zero") && lines[0].contains("larger than"), "{}", lines[0]);
    assert!(outcome.stdout.is_empty(), "{}", outcome.stdout);
}

/// A throwaway certificate for `localhost` and 127.0.0.1 that no authority signed (made with openssl, valid
/// for a century, used by no one else), and its key.
const SELF_SIGNED_CERT: &[u8] = include_bytes!("fixtures/self-signed.cert.pem");
const SELF_SIGNED_KEY: &[u8] = include_bytes!("fixtures/self-signed.key.pem");

/// A TLS server on a loopback port presenting [`SELF_SIGNED_CERT`]: every handshake fails on the client's side.
fn self_signed_server() -> String {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};

    let certificate = CertificateDer::from_pem_slice(SELF_SIGNED_CERT).unwrap();
    let key = PrivateKeyDer::from_pem_slice(SELF_SIGNED_KEY).unwrap();
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![certificate], key)
        .unwrap();
    let config = std::sync::Arc::new(config);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("https://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let config = std::sync::Arc::clone(&config);
            std::thread::spawn(move || {
                let connection = rustls::ServerConnection::new(config).unwrap();
                let mut tls = rustls::StreamOwned::new(connection, stream);
                // Drives the handshake until the client gives up on the certificate.
                let _ = tls.read(&mut [0; 1]);
            });
        }
    });
    url
}

/// The README promises exit 5 for a secure connection that failed; a certificate nobody vouches for used to
/// exit 4, "unreachable", sending IT to check the network instead of the certificate or the proxy.
#[test]
fn a_certificate_nobody_vouches_for_exits_with_the_tls_code() {
    let scratch = Scratch::new("tls");
    let url = self_signed_server();
    let config = scratch.custom(&url, "counter-9", "s3cret-9");
    let outcome = scratch.check(Some(&config)).expect(EXIT_TLS);
    let line = outcome.failure_line();
    assert!(line.contains("secure connection to 127.0.0.1:") && line.contains("date and time"), "{line}");
    assert!(line.contains("certificate"), "names the cause: {line}");
    outcome.never_shows("s3cret-9");
}
