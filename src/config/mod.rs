//! The configuration file (TOML): which Osigu the counter talks to and with which credentials (`[osigu]`), how
//! the counter numbers invoices and where it keeps its data (`[counter]`), how a fingerprint is captured
//! (`[biometric]`), the delivery receipt and its printer (`[receipt]`), how a barcode scanner's bursts are told from
//! typing (`[scanner]`), where POSOS Scan & Go is (`[posos]`, its service token from the environment only), how
//! the embedded sandbox behaves (`[sandbox]`, which `mostrador sandbox serve` also reads; its flags override it),
//! and the webhook receiver `mostrador webhooks serve` runs on the pharmacy's server (`[webhooks]`). It owns
//! finding the file, reading it, validating it into one-line errors that
//! name the file, the line and the key, and resolving the [`Endpoint`] the HTTP client is built from. Unknown
//! keys are errors, so a typo is reported instead of silently ignored.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use directories::ProjectDirs;
use serde::Deserialize;

use crate::keymap::Keymap;
use crate::osigu::endpoint::{Endpoint, Environment, Secret, check_base_url};
use crate::receipt::{Printer, PrinterAddress, Width};
use crate::sandbox::{
    DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, FaultPlan, FaultRule, Profile, SandboxConfig, WebhookTarget, limits,
};

/// The environment variable that gives the client secret; it wins over `osigu.client_secret`, so the secret
/// can stay out of the file.
pub const CLIENT_SECRET_ENV: &str = "MOSTRADOR_CLIENT_SECRET";

/// The largest configuration file read, in bytes. A real one is a few kilobytes; anything past this is not a
/// configuration (`--config /dev/zero`, a log file given by mistake) and is refused before it is read whole.
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// The longest invoice prefix accepted; invoice fields on the fiscal documents are short.
pub const MAX_INVOICE_PREFIX_CHARS: usize = 20;

/// The whole file.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// The counter's language.
    pub locale: Locale,
    pub osigu: OsiguSection,
    pub counter: CounterSection,
    pub biometric: BiometricSection,
    pub receipt: ReceiptSection,
    pub scanner: ScannerSection,
    pub posos: PososSection,
    pub sandbox: SandboxSection,
    pub webhooks: WebhooksSection,
    /// `[keys]`: action name → the keys that trigger it (an empty list unbinds); see [`crate::keymap`].
    pub keys: BTreeMap<String, Vec<String>>,
    /// Resolved from `osigu` (and the environment's secret) when the file is parsed; see [`Config::endpoint`].
    #[serde(skip)]
    endpoint: Endpoint,
    /// The defaults with `[keys]` applied, built (and so checked) once when the file is parsed.
    #[serde(skip)]
    keymap: Keymap,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            locale: Locale::default(),
            osigu: OsiguSection::default(),
            counter: CounterSection::default(),
            biometric: BiometricSection::default(),
            receipt: ReceiptSection::default(),
            scanner: ScannerSection::default(),
            posos: PososSection::default(),
            sandbox: SandboxSection::default(),
            webhooks: WebhooksSection::default(),
            keys: BTreeMap::new(),
            endpoint: embedded_sandbox(&OsiguSection::default()),
            keymap: Keymap::default(),
        }
    }
}

/// The language of the counter's screens.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "lowercase")]
pub enum Locale {
    /// Spanish.
    #[default]
    Es,
    /// English.
    En,
}

/// `[osigu]`: which Osigu the counter talks to, as written in the file. The rest of the program uses the
/// resolved [`Config::endpoint`] instead.
#[derive(Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct OsiguSection {
    pub environment: Environment,
    /// The API's base URL; only with `environment = "custom"`.
    pub base_url: Option<String>,
    pub client_id: Option<String>,
    /// Prefer [`CLIENT_SECRET_ENV`], which wins over this key.
    pub client_secret: Option<String>,
    pub connect_timeout_secs: u64,
    pub request_timeout_secs: u64,
}

impl Default for OsiguSection {
    fn default() -> Self {
        Self {
            environment: Environment::default(),
            base_url: None,
            client_id: None,
            client_secret: None,
            connect_timeout_secs: 3,
            request_timeout_secs: 15,
        }
    }
}

/// Written by hand so the client secret never reaches a log.
impl std::fmt::Debug for OsiguSection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OsiguSection")
            .field("environment", &self.environment)
            .field("base_url", &self.base_url)
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret.as_ref().map(|_| "***"))
            .field("connect_timeout_secs", &self.connect_timeout_secs)
            .field("request_timeout_secs", &self.request_timeout_secs)
            .finish()
    }
}

/// `[counter]`: this terminal's invoice numbering and data.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct CounterSection {
    /// Invoice numbers are this prefix followed by a per-terminal counter kept in the data directory.
    pub invoice_prefix: String,
    /// Where the journal lives; see [`Config::data_dir`]. Every counter of a store server may share it.
    pub data_dir: Option<PathBuf>,
    /// The till this counter holds (`caja-2`); none: the first free one of `caja-1`, `caja-2`, …
    pub till: Option<String>,
    /// Every line with units must have its pack scanned (GTIN, batch, expiry) before F10 finalizes.
    pub require_pack_scan: bool,
    /// Seconds without a key before the counter locks (only the till, the clock and "Bloqueado" show); 0: never.
    pub lock_after_secs: u64,
}

/// The longest `counter.lock_after_secs`: a day (a longer wait is no lock at all; 0 says so).
pub const MAX_LOCK_AFTER_SECS: u64 = 86_400;

impl Default for CounterSection {
    fn default() -> Self {
        Self {
            invoice_prefix: "F001-".to_owned(),
            data_dir: None,
            till: None,
            require_pack_scan: false,
            lock_after_secs: 120,
        }
    }
}

impl CounterSection {
    /// How long without a key before the counter locks; `None` when `lock_after_secs` is 0.
    pub fn lock_after(&self) -> Option<time::Duration> {
        let secs = i64::try_from(self.lock_after_secs.min(MAX_LOCK_AFTER_SECS)).ok()?;
        (secs > 0).then(|| time::Duration::seconds(secs))
    }
}

/// `[biometric]`: the counter's fingerprint reader.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct BiometricSection {
    /// A shell command whose standard output is one fingerprint sample (WSQ); without it the counter offers
    /// the demo samples only.
    pub capture_command: Option<String>,
}

/// `[receipt]`: the delivery receipt and the printer it goes to.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ReceiptSection {
    /// Where receipts are printed (a device or file path, or `tcp://HOST:PORT`); none: nothing is printed, the
    /// receipt is still shown on screen.
    #[serde(deserialize_with = "from_text")]
    pub printer: Option<PrinterAddress>,
    /// Characters per line of the printer's paper.
    pub width: Width,
    /// Print when a dispensation completes, without a key.
    pub auto_print: bool,
    /// The pharmacy's lines at the top of every receipt.
    pub header: Vec<String>,
}

impl Default for ReceiptSection {
    fn default() -> Self {
        Self { printer: None, width: Width::default(), auto_print: true, header: Vec::new() }
    }
}

impl ReceiptSection {
    /// The configured printer, with the default timeouts; none when `printer` is not set.
    pub fn printer(&self) -> Option<Printer> {
        self.printer.clone().map(Printer::new)
    }
}

/// `[scanner]`: how the counter tells the barcode scanner's bursts from keys typed by hand (see
/// [`crate::runtime::Scanner`]).
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ScannerSection {
    /// The key the scanner ends each code with.
    pub terminator: Terminator,
    /// Characters the scanner sends before each code: a burst is a scan only if it starts with them, and they
    /// are removed from the code.
    pub prefix: Option<String>,
    /// Characters the scanner sends after each code, before the terminator; like `prefix`.
    pub suffix: Option<String>,
    /// The fewest characters a scan has (prefix and suffix not counted); shorter bursts are typing.
    pub min_chars: usize,
    /// The longest pause between two keys of one scan, in milliseconds; slower keys are typing.
    pub max_gap_ms: u64,
}

impl Default for ScannerSection {
    fn default() -> Self {
        Self { terminator: Terminator::Enter, prefix: None, suffix: None, min_chars: 6, max_gap_ms: 50 }
    }
}

/// The key a scanner ends a code with.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Terminator {
    /// Enter (CR), the usual factory setting.
    #[default]
    Enter,
    /// Tab.
    Tab,
    /// LF alone.
    Lf,
    /// CR then LF.
    Crlf,
}

/// The longest `scanner.prefix` or `scanner.suffix`, in characters.
pub const MAX_SCANNER_AFFIX_CHARS: usize = 8;

/// `[sandbox]`: how the embedded Osigu sandbox behaves.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SandboxSection {
    /// Where `sandbox serve` listens.
    pub addr: Option<SocketAddr>,
    /// `demo` or `faithful`.
    #[serde(default, deserialize_with = "from_text")]
    pub profile: Option<Profile>,
    /// Seconds after which a facial challenge approves itself; 0 waits for an explicit approval (0 to 299).
    pub remote_auto_approve_secs: Option<u64>,
    /// Seconds after which a STARTED dispensation is cancelled (1 to 604800).
    pub dispensation_timeout_secs: Option<u64>,
    /// `ROUTE:KIND=VALUE` fault rules.
    #[serde(default, deserialize_with = "rules")]
    pub faults: Vec<FaultRule>,
    pub fault_seed: Option<u64>,
    /// A receiver subscribed to every event at start: https, or http to a loopback host.
    pub webhook_url: Option<String>,
    /// What webhooks are signed with (two during a rotation); required with `webhook_url`.
    #[serde(default)]
    pub webhook_secrets: Vec<String>,
    /// Seconds of sandbox time after which a sponsor answers a submitted settlement batch (1 to 2592000,
    /// default 7200).
    pub settlement_decision_secs: Option<u64>,
    /// The address phones open for facial challenges, when the listening address is not reachable from them.
    pub public_url: Option<String>,
    /// MiB the Idempotency-Key store may hold, oldest replies forgotten first (1 to 1024, default 32).
    pub idempotency_store_mib: Option<u64>,
    /// Seconds of sandbox time after which an ASYNC sponsor answers a completed pre-authorization request
    /// (1 to 604800, default 30).
    pub authorization_decision_secs: Option<u64>,
    /// Seconds after its scan token when a POSOS Scan & Go session imports the prescription on its page by
    /// itself; 0 waits for the page's Import (0 to 600, default 8).
    pub posos_auto_import_secs: Option<u64>,
}

impl SandboxSection {
    /// This section with every key that `over` sets taken from `over` (command-line flags over the file).
    pub fn overlaid(self, over: SandboxSection) -> Self {
        Self {
            addr: over.addr.or(self.addr),
            profile: over.profile.or(self.profile),
            remote_auto_approve_secs: over.remote_auto_approve_secs.or(self.remote_auto_approve_secs),
            dispensation_timeout_secs: over.dispensation_timeout_secs.or(self.dispensation_timeout_secs),
            faults: if over.faults.is_empty() { self.faults } else { over.faults },
            fault_seed: over.fault_seed.or(self.fault_seed),
            webhook_url: over.webhook_url.or(self.webhook_url),
            webhook_secrets: if over.webhook_secrets.is_empty() { self.webhook_secrets } else { over.webhook_secrets },
            settlement_decision_secs: over.settlement_decision_secs.or(self.settlement_decision_secs),
            public_url: over.public_url.or(self.public_url),
            idempotency_store_mib: over.idempotency_store_mib.or(self.idempotency_store_mib),
            authorization_decision_secs: over.authorization_decision_secs.or(self.authorization_decision_secs),
            posos_auto_import_secs: over.posos_auto_import_secs.or(self.posos_auto_import_secs),
        }
    }

    /// Every number in range (see [`crate::sandbox::limits`]): the first one that is not, with its key.
    pub fn check_ranges(&self) -> Result<(), (&'static str, limits::OutOfRange)> {
        let check = |key: &'static str, value: Option<u64>, range: &std::ops::RangeInclusive<u64>, unit: &str| {
            value.map_or(Ok(0), |value| limits::in_range(key, value, range, unit)).map_err(|error| (key, error))
        };
        check(
            "sandbox.remote_auto_approve_secs",
            self.remote_auto_approve_secs,
            &limits::REMOTE_AUTO_APPROVE_SECS,
            "s",
        )?;
        check(
            "sandbox.dispensation_timeout_secs",
            self.dispensation_timeout_secs,
            &limits::DISPENSATION_TIMEOUT_SECS,
            "s",
        )?;
        check("sandbox.idempotency_store_mib", self.idempotency_store_mib, &limits::IDEMPOTENCY_STORE_MIB, "MiB")?;
        check(
            "sandbox.settlement_decision_secs",
            self.settlement_decision_secs,
            &limits::SETTLEMENT_DECISION_SECS,
            "s",
        )?;
        check(
            "sandbox.authorization_decision_secs",
            self.authorization_decision_secs,
            &limits::AUTHORIZATION_DECISION_SECS,
            "s",
        )?;
        check("sandbox.posos_auto_import_secs", self.posos_auto_import_secs, &limits::POSOS_AUTO_IMPORT_SECS, "s")?;
        // Fault rules are range-checked as they parse.
        Ok(())
    }

    /// The sandbox this section describes, defaults filling what it leaves out.
    pub fn sandbox_config(&self, id_seed: Option<u64>) -> Result<SandboxConfig, String> {
        let defaults = SandboxConfig::default();
        if self.webhook_url.is_some() && self.webhook_secrets.is_empty() {
            return Err("a webhook URL needs at least one webhook secret to sign with".to_owned());
        }
        if let Some(url) = &self.webhook_url {
            crate::sandbox::check_url(url).map_err(|problem| format!("webhook URL: {problem}"))?;
        }
        self.check_ranges().map_err(|(_, error)| error.to_string())?;
        Ok(SandboxConfig {
            profile: self.profile.unwrap_or_default(),
            dispensation_timeout: self
                .dispensation_timeout_secs
                .map_or(defaults.dispensation_timeout, Duration::from_secs),
            remote_auto_approve: match self.remote_auto_approve_secs {
                Some(0) => None,
                Some(secs) => Some(Duration::from_secs(secs)),
                None => defaults.remote_auto_approve,
            },
            faults: FaultPlan { rules: self.faults.clone() },
            fault_seed: self.fault_seed.unwrap_or(0),
            id_seed,
            webhook: self.webhook_url.clone().map(|url| WebhookTarget::new(url, self.webhook_secrets.clone())),
            webhook_secrets: self.webhook_secrets.clone(),
            settlement_decision_delay: self
                .settlement_decision_secs
                .map_or(defaults.settlement_decision_delay, Duration::from_secs),
            public_url: self.public_url.clone(),
            idempotency_store_bytes: self
                .idempotency_store_mib
                .map_or(defaults.idempotency_store_bytes, limits::mib_to_bytes),
            authorization_decision_delay: self
                .authorization_decision_secs
                .map_or(defaults.authorization_decision_delay, Duration::from_secs),
            posos_auto_import: match self.posos_auto_import_secs {
                Some(0) => None,
                Some(secs) => Some(Duration::from_secs(secs)),
                None => defaults.posos_auto_import,
            },
            ..defaults
        })
    }
}

/// `[webhooks]`: the receiver `mostrador webhooks serve` runs for Osigu's webhooks (see [`crate::receiver`]).
#[derive(Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct WebhooksSection {
    /// Where it listens (default `127.0.0.1:9000`; `--addr` overrides).
    pub addr: Option<SocketAddr>,
    /// The secrets Osigu signs with: one, or two during a rotation. [`crate::receiver::SECRETS_ENV`] wins.
    pub secrets: Vec<String>,
    /// The certificate chain (PEM) it serves TLS with; with `tls_key`.
    pub tls_cert: Option<PathBuf>,
    /// The certificate's private key (PEM); with `tls_cert`.
    pub tls_key: Option<PathBuf>,
    /// A reverse proxy terminates TLS in front of it, so plain HTTP may listen off loopback.
    pub behind_proxy: bool,
}

/// Written by hand so the secrets never reach a log.
impl std::fmt::Debug for WebhooksSection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhooksSection")
            .field("addr", &self.addr)
            .field("secrets", &self.secrets.iter().map(|_| "***").collect::<Vec<_>>())
            .field("tls_cert", &self.tls_cert)
            .field("tls_key", &self.tls_key)
            .field("behind_proxy", &self.behind_proxy)
            .finish()
    }
}

impl WebhooksSection {
    /// What serde cannot check: one or two secrets without blanks, and both TLS files or neither, each an
    /// absolute path.
    fn check(&self) -> Result<(), Problem> {
        use crate::receiver::MAX_SECRETS;
        if self.secrets.len() > MAX_SECRETS {
            return Err(Problem::new(
                "webhooks.secrets",
                format!(
                    "expected at most {MAX_SECRETS} secrets (the current one and, during a rotation, the previous \
                     one), found {}",
                    self.secrets.len()
                ),
            ));
        }
        if self
            .secrets
            .iter()
            .any(|secret| secret.is_empty() || secret.chars().any(|c| c.is_whitespace() || c.is_control()))
        {
            return Err(Problem::new(
                "webhooks.secrets",
                "expected secrets without spaces, found an empty or spaced one",
            ));
        }
        for (key, path) in [("webhooks.tls_cert", &self.tls_cert), ("webhooks.tls_key", &self.tls_key)] {
            if let Some(path) = path
                && !path.is_absolute()
            {
                return Err(Problem::new(
                    key,
                    format!("expected an absolute path, found {:?}", path.display().to_string()),
                ));
            }
        }
        match (&self.tls_cert, &self.tls_key) {
            // Named on the line that is there: the missing key has none.
            (Some(_), None) => Err(Problem::new("webhooks.tls_cert", "needs `webhooks.tls_key` too (both or neither)")),
            (None, Some(_)) => Err(Problem::new("webhooks.tls_key", "needs `webhooks.tls_cert` too (both or neither)")),
            _ => Ok(()),
        }
    }

    /// The TLS files, when both are given.
    pub fn tls(&self) -> Option<crate::receiver::TlsFiles> {
        match (&self.tls_cert, &self.tls_key) {
            (Some(cert), Some(key)) => Some(crate::receiver::TlsFiles { cert: cert.clone(), key: key.clone() }),
            _ => None,
        }
    }
}

fn from_text<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    let text: Option<String> = Option::deserialize(deserializer)?;
    text.map(|text| text.parse().map_err(serde::de::Error::custom)).transpose()
}

fn rules<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Vec<FaultRule>, D::Error> {
    let texts: Vec<String> = Vec::deserialize(deserializer)?;
    texts.iter().map(|text| text.parse().map_err(serde::de::Error::custom)).collect()
}

/// A configuration file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file given with `--config` (or `MOSTRADOR_CONFIG`) is not there.
    #[error("the configuration file {path} does not exist")]
    NotFound { path: PathBuf },
    /// The file is there but cannot be read (permissions, not UTF-8...).
    #[error("cannot read the configuration file {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    /// The file is larger than [`MAX_FILE_BYTES`]: it is not a configuration, and it was not read whole.
    #[error(
        "the configuration file {path} is larger than {} KiB: it is not a Mostrador configuration (check --config \
         and MOSTRADOR_CONFIG)",
        .limit / 1024
    )]
    TooLarge { path: PathBuf, limit: u64 },
    /// The file cannot be used. Displayed on one line as "the configuration file F is not valid: line N: key
    /// \`a.b\`: what was expected"; the line and the key are left out when unknown (a missing key has no line).
    #[error("the configuration file {path} is not valid: {}", located(*.line, .key.as_deref(), .problem))]
    Invalid { path: PathBuf, line: Option<usize>, key: Option<String>, problem: String },
    /// No `counter.data_dir` and no home directory to derive one from.
    #[error(
        "cannot determine a data directory (no home directory is known); set `counter.data_dir` in the \
         configuration file"
    )]
    NoDataDir,
}

/// The "line N: key `a.b`: problem" part of [`ConfigError::Invalid`].
fn located(line: Option<usize>, key: Option<&str>, problem: &str) -> String {
    let mut text = String::new();
    if let Some(line) = line {
        text.push_str(&format!("line {line}: "));
    }
    if let Some(key) = key {
        text.push_str(&format!("key `{key}`: "));
    }
    text.push_str(problem);
    text
}

/// A configuration that was found (or not) and read.
#[derive(Clone, Debug)]
pub struct Loaded {
    pub config: Config,
    /// The file it came from; `None` when there is none and the defaults apply.
    pub path: Option<PathBuf>,
    /// Things to tell the user that do not stop the program (a secret in a file others can read).
    pub warnings: Vec<ConfigWarning>,
}

/// Something about the configuration that does not stop the program but that someone must fix. Displayed in
/// English for stderr and the log; the counter shows it to the clerk in their language at start.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConfigWarning {
    /// The file holds `client_secret` and other users can read it.
    ExposedSecret { path: PathBuf },
    /// [`CLIENT_SECRET_ENV`] is set but is not valid UTF-8; it was ignored.
    SecretEnvNotUnicode,
}

impl std::fmt::Display for ConfigWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::ExposedSecret { path } => write!(
                f,
                "the configuration file {path} holds client_secret and is readable by other users; run: chmod 600 \
                 {path}",
                path = path.display()
            ),
            Self::SecretEnvNotUnicode => write!(f, "{CLIENT_SECRET_ENV} is not valid UTF-8 and was ignored"),
        }
    }
}

/// The configuration file to read: `explicit` (from `--config FILE` or `MOSTRADOR_CONFIG`) whether or not it
/// exists, otherwise the per-user default (`~/.config/mostrador/config.toml` on Linux) when it exists.
pub fn locate(explicit: Option<&Path>) -> Option<PathBuf> {
    match explicit {
        Some(path) => Some(path.to_owned()),
        None => default_path().filter(|path| path.exists()),
    }
}

/// Where the configuration file is looked for when none is given; `None` when no home directory is known.
pub fn default_path() -> Option<PathBuf> {
    project_dirs().map(|dirs| dirs.config_dir().join("config.toml"))
}

fn project_dirs() -> Option<ProjectDirs> {
    ProjectDirs::from("", "", "mostrador")
}

impl Config {
    /// Parses a configuration's text without looking at the process environment; `path` only names it in
    /// errors.
    pub fn parse(text: &str, path: &Path) -> Result<Self, ConfigError> {
        Self::parse_with_env(text, path, None)
    }

    /// Parses and validates a configuration's text; `secret_from_env` is the value of [`CLIENT_SECRET_ENV`],
    /// passed in so that tests need not change the process environment.
    pub fn parse_with_env(text: &str, path: &Path, secret_from_env: Option<String>) -> Result<Self, ConfigError> {
        let invalid = |line, key, problem: &str| ConfigError::Invalid {
            path: path.to_owned(),
            line,
            key,
            // toml's own messages may span lines; ours are one line each.
            problem: problem.lines().map(str::trim).filter(|line| !line.is_empty()).collect::<Vec<_>>().join("; "),
        };
        let deserializer = toml::Deserializer::parse(text).map_err(|error| {
            let line = error.span().map(|span| line_of(text, span.start));
            // A syntax error has no key, except a duplicate one, which the span covers.
            let key = match error.span() {
                Some(span) if error.message() == "duplicate key" => text.get(span).map(|key| key.trim().to_owned()),
                _ => None,
            };
            invalid(line, key, error.message())
        })?;
        let mut config: Self = serde_path_to_error::deserialize(deserializer).map_err(|error| {
            let inner = error.inner();
            let line = inner.span().map(|span| line_of(text, span.start));
            invalid(line, failing_key(error.path()), inner.message())
        })?;
        config.endpoint = config
            .check(secret_from_env)
            .map_err(|Problem { key, problem }| invalid(key_line(text, key), Some(key.to_owned()), &problem))?;
        config.keymap = Keymap::with_overrides(&config.keys).map_err(|error| {
            let key = error.key();
            invalid(key_line(text, &key), Some(key), &error.to_string())
        })?;
        Ok(config)
    }

    /// The keymap: the defaults with `[keys]` applied.
    pub fn keymap(&self) -> &Keymap {
        &self.keymap
    }

    /// Finds the configuration file (see [`locate`]) and reads it, or gives the defaults when there is none.
    /// The client secret in [`CLIENT_SECRET_ENV`] wins over the file's.
    pub fn load(explicit: Option<&Path>) -> Result<Loaded, ConfigError> {
        let mut warnings = Vec::new();
        let secret_from_env = match std::env::var(CLIENT_SECRET_ENV) {
            Ok(secret) => Some(secret),
            Err(std::env::VarError::NotPresent) => None,
            Err(std::env::VarError::NotUnicode(_)) => {
                warnings.push(ConfigWarning::SecretEnvNotUnicode);
                None
            }
        };
        let mut loaded = Self::load_with_env(locate(explicit), secret_from_env)?;
        warnings.append(&mut loaded.warnings);
        loaded.warnings = warnings;
        Ok(loaded)
    }

    fn load_with_env(path: Option<PathBuf>, secret_from_env: Option<String>) -> Result<Loaded, ConfigError> {
        let Some(path) = path else {
            return Ok(Loaded { config: Self::default(), path: None, warnings: Vec::new() });
        };
        let text = read_limited(&path)?;
        let config = Self::parse_with_env(&text, &path, secret_from_env)?;
        let mut warnings = Vec::new();
        if config.osigu.client_secret.is_some() {
            warnings.extend(exposed_secret_warning(&path));
        }
        // `webhooks.secrets` is checked by `webhooks serve` itself (see [`readable_by_others`]): the counter's
        // warning names client_secret, and a counter never reads the webhook secrets.
        Ok(Loaded { config, path: Some(path), warnings })
    }

    /// How to reach Osigu: resolved from `[osigu]` and [`CLIENT_SECRET_ENV`] when the file was parsed.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// The directory for the journal and the invoice counter: `counter.data_dir`, or the per-user data
    /// directory (`~/.local/share/mostrador` on Linux).
    pub fn data_dir(&self) -> Result<PathBuf, ConfigError> {
        match &self.counter.data_dir {
            Some(dir) => Ok(dir.clone()),
            None => project_dirs().map(|dirs| dirs.data_dir().to_owned()).ok_or(ConfigError::NoDataDir),
        }
    }

    /// Validates what serde cannot and resolves the endpoint; problems are reported in the file's key order.
    fn check(&self, secret_from_env: Option<String>) -> Result<Endpoint, Problem> {
        let endpoint = resolve(&self.osigu, secret_from_env)?;
        check_invoice_prefix(&self.counter.invoice_prefix)?;
        if let Some(dir) = &self.counter.data_dir
            && !dir.is_absolute()
        {
            // A relative directory would depend on where the program happens to be started.
            return Err(Problem::new(
                "counter.data_dir",
                format!("expected an absolute path, found {:?}", dir.display().to_string()),
            ));
        }
        if let Some(till) = &self.counter.till
            && !crate::runtime::till::valid_name(till)
        {
            return Err(Problem::new(
                "counter.till",
                format!("expected 1 to 32 letters, digits, `-`, `_` or `.`, found {till:?}"),
            ));
        }
        if self.counter.lock_after_secs > MAX_LOCK_AFTER_SECS {
            return Err(Problem::new(
                "counter.lock_after_secs",
                format!(
                    "expected 0 (never lock) to {MAX_LOCK_AFTER_SECS} seconds, found {}",
                    self.counter.lock_after_secs
                ),
            ));
        }
        if self.biometric.capture_command.as_deref().is_some_and(|command| command.trim().is_empty()) {
            return Err(Problem::new("biometric.capture_command", "expected a shell command, found an empty text"));
        }
        if let Some(line) = self.receipt.header.iter().find(|line| line.chars().any(char::is_control)) {
            // A control character would break the line on screen, or be taken by the printer as a command.
            return Err(Problem::new(
                "receipt.header",
                format!("expected lines of printable text, found {line:?} (use one list item per line)"),
            ));
        }
        check_scanner(&self.scanner)?;
        self.posos.check()?;
        self.sandbox
            .check_ranges()
            .map_err(|(key, error)| Problem::new(key, format!("expected {}, found {}", error.expected, error.value)))?;
        if let Some(url) = &self.sandbox.webhook_url
            && let Err(problem) = crate::sandbox::check_url(url)
        {
            return Err(Problem::new("sandbox.webhook_url", problem.to_string()));
        }
        self.webhooks.check()?;
        Ok(endpoint)
    }
}

/// `[scanner]`: numbers a scanner can meet, affixes it can type.
fn check_scanner(scanner: &ScannerSection) -> Result<(), Problem> {
    if !(2..=64).contains(&scanner.min_chars) {
        return Err(Problem::new("scanner.min_chars", format!("expected 2 to 64, found {}", scanner.min_chars)));
    }
    if !(1..=1000).contains(&scanner.max_gap_ms) {
        return Err(Problem::new("scanner.max_gap_ms", format!("expected 1 to 1000, found {}", scanner.max_gap_ms)));
    }
    for (key, affix) in [("scanner.prefix", &scanner.prefix), ("scanner.suffix", &scanner.suffix)] {
        if let Some(affix) = affix
            && (affix.is_empty()
                || affix.chars().count() > MAX_SCANNER_AFFIX_CHARS
                || affix.chars().any(|c| c.is_control() || c.is_whitespace()))
        {
            return Err(Problem::new(
                key,
                format!("expected 1 to {MAX_SCANNER_AFFIX_CHARS} printable characters without spaces, found {affix:?}"),
            ));
        }
    }
    Ok(())
}

/// The file's text, read up to [`MAX_FILE_BYTES`]: one byte more means it is too large, and reading stops there
/// (a device like `/dev/zero` says nothing of its size, so the limit is on what is read, not on the metadata).
fn read_limited(path: &Path) -> Result<String, ConfigError> {
    use std::io::Read;

    let read_error = |source: std::io::Error| match source.kind() {
        std::io::ErrorKind::NotFound => ConfigError::NotFound { path: path.to_owned() },
        _ => ConfigError::Read { path: path.to_owned(), source },
    };
    let file = std::fs::File::open(path).map_err(read_error)?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes).map_err(read_error)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(ConfigError::TooLarge { path: path.to_owned(), limit: MAX_FILE_BYTES });
    }
    String::from_utf8(bytes)
        .map_err(|error| read_error(std::io::Error::new(std::io::ErrorKind::InvalidData, error.utf8_error())))
}

/// Files holding a client secret should be readable by their owner only.
fn exposed_secret_warning(path: &Path) -> Option<ConfigWarning> {
    readable_by_others(path).then(|| ConfigWarning::ExposedSecret { path: path.to_owned() })
}

/// Whether a file's group or others may read it (never on a platform without Unix modes): a file holding a
/// secret should be readable by its owner only.
#[cfg(unix)]
pub fn readable_by_others(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;

    std::fs::metadata(path).is_ok_and(|metadata| metadata.permissions().mode() & 0o044 != 0)
}

#[cfg(not(unix))]
pub fn readable_by_others(_path: &Path) -> bool {
    false
}

mod keys;
mod posos;
mod resolve;
#[cfg(test)]
mod tests;

use keys::{failing_key, key_line, line_of};
pub use posos::{DEFAULT_FACILITY, PososConfigError, PososSection, posos_token_from_env};
use resolve::{Problem, check_invoice_prefix, embedded_sandbox, resolve};
