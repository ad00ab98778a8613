//! The configuration file (TOML): which Osigu the counter talks to and with which credentials (`[osigu]`), how
//! the counter numbers invoices and where it keeps its data (`[counter]`), how a fingerprint is captured
//! (`[biometric]`), and how the embedded sandbox behaves (`[sandbox]`, which `mostrador sandbox serve` also
//! reads; its flags override it). It owns finding the file, reading it, validating it into one-line errors that
//! name the file, the line and the key, and resolving the [`Endpoint`] the HTTP client is built from. Unknown
//! keys are errors, so a typo is reported instead of silently ignored.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use directories::ProjectDirs;
use serde::Deserialize;

use crate::osigu::endpoint::{Endpoint, Environment, Secret, check_base_url};
use crate::sandbox::{DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, FaultPlan, FaultRule, Profile, SandboxConfig, WebhookTarget};

/// The environment variable that gives the client secret; it wins over `osigu.client_secret`, so the secret
/// can stay out of the file.
pub const CLIENT_SECRET_ENV: &str = "MOSTRADOR_CLIENT_SECRET";

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
    pub sandbox: SandboxSection,
    /// Resolved from `osigu` (and the environment's secret) when the file is parsed; see [`Config::endpoint`].
    #[serde(skip)]
    endpoint: Endpoint,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            locale: Locale::default(),
            osigu: OsiguSection::default(),
            counter: CounterSection::default(),
            biometric: BiometricSection::default(),
            sandbox: SandboxSection::default(),
            endpoint: embedded_sandbox(&OsiguSection::default()),
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

impl Locale {
    /// The name used in the configuration file.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Es => "es",
            Self::En => "en",
        }
    }
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
    /// Where the journal and the invoice counter live; see [`Config::data_dir`].
    pub data_dir: Option<PathBuf>,
}

impl Default for CounterSection {
    fn default() -> Self {
        Self { invoice_prefix: "F001-".to_owned(), data_dir: None }
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

/// `[sandbox]`: how the embedded Osigu sandbox behaves.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SandboxSection {
    /// Where `sandbox serve` listens.
    pub addr: Option<SocketAddr>,
    /// `demo` or `faithful`.
    #[serde(default, deserialize_with = "from_text")]
    pub profile: Option<Profile>,
    /// Seconds after which a facial challenge approves itself; 0 waits for an explicit approval.
    pub remote_auto_approve_secs: Option<u64>,
    /// Seconds after which a STARTED dispensation is cancelled.
    pub dispensation_timeout_secs: Option<u64>,
    /// `ROUTE:KIND=VALUE` fault rules.
    #[serde(default, deserialize_with = "rules")]
    pub faults: Vec<FaultRule>,
    pub fault_seed: Option<u64>,
    pub webhook_url: Option<String>,
    #[serde(default)]
    pub webhook_secrets: Vec<String>,
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
        }
    }

    /// The sandbox this section describes, defaults filling what it leaves out.
    pub fn sandbox_config(&self, id_seed: Option<u64>) -> Result<SandboxConfig, String> {
        let defaults = SandboxConfig::default();
        if self.webhook_url.is_some() && self.webhook_secrets.is_empty() {
            return Err("a webhook URL needs at least one webhook secret to sign with".to_owned());
        }
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
            ..defaults
        })
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
    pub warnings: Vec<String>,
}

/// A key whose value cannot be used, found after the file parsed.
struct Problem {
    key: &'static str,
    problem: String,
}

impl Problem {
    fn new(key: &'static str, problem: impl Into<String>) -> Self {
        Self { key, problem: problem.into() }
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
        Ok(config)
    }

    /// Finds the configuration file (see [`locate`]) and reads it, or gives the defaults when there is none.
    /// The client secret in [`CLIENT_SECRET_ENV`] wins over the file's.
    pub fn load(explicit: Option<&Path>) -> Result<Loaded, ConfigError> {
        let mut warnings = Vec::new();
        let secret_from_env = match std::env::var(CLIENT_SECRET_ENV) {
            Ok(secret) => Some(secret),
            Err(std::env::VarError::NotPresent) => None,
            Err(std::env::VarError::NotUnicode(_)) => {
                warnings.push(format!("{CLIENT_SECRET_ENV} is not valid UTF-8 and was ignored"));
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
        let text = std::fs::read_to_string(&path).map_err(|source| match source.kind() {
            std::io::ErrorKind::NotFound => ConfigError::NotFound { path: path.clone() },
            _ => ConfigError::Read { path: path.clone(), source },
        })?;
        let config = Self::parse_with_env(&text, &path, secret_from_env)?;
        let mut warnings = Vec::new();
        if config.osigu.client_secret.is_some() {
            warnings.extend(exposed_secret_warning(&path));
        }
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
        if self.biometric.capture_command.as_deref().is_some_and(|command| command.trim().is_empty()) {
            return Err(Problem::new("biometric.capture_command", "expected a shell command, found an empty text"));
        }
        Ok(endpoint)
    }
}

/// The endpoint of the embedded sandbox with the demo client, which has every scope.
fn embedded_sandbox(osigu: &OsiguSection) -> Endpoint {
    Endpoint {
        environment: Environment::Sandbox,
        base_url: None,
        client_id: DEMO_CLIENT_ID.to_owned(),
        client_secret: Secret::new(DEMO_CLIENT_SECRET),
        connect_timeout: Duration::from_secs(osigu.connect_timeout_secs),
        request_timeout: Duration::from_secs(osigu.request_timeout_secs),
    }
}

fn resolve(osigu: &OsiguSection, secret_from_env: Option<String>) -> Result<Endpoint, Problem> {
    let environment = osigu.environment;
    let base_url = match (environment, &osigu.base_url) {
        (Environment::Custom, None) => {
            return Err(Problem::new("osigu.base_url", "required when environment = \"custom\""));
        }
        (Environment::Custom, Some(text)) => {
            Some(check_base_url(text).map_err(|error| Problem::new("osigu.base_url", error.to_string()))?)
        }
        (_, Some(_)) => {
            return Err(Problem::new(
                "osigu.base_url",
                format!("only used with environment = \"custom\" (here environment = \"{environment}\")"),
            ));
        }
        (Environment::Sandbox, None) => None,
        (_, None) => {
            let fixed = environment.fixed_base_url().unwrap_or_default();
            // The fixed URLs are constants that pass the check (a unit test proves it); this cannot fail.
            Some(check_base_url(fixed).map_err(|error| Problem::new("osigu.environment", error.to_string()))?)
        }
    };
    for (key, text) in [("osigu.client_id", &osigu.client_id), ("osigu.client_secret", &osigu.client_secret)] {
        if text.as_deref().is_some_and(str::is_empty) {
            return Err(Problem::new(key, "expected a text, found an empty one"));
        }
    }
    for (key, secs) in [
        ("osigu.connect_timeout_secs", osigu.connect_timeout_secs),
        ("osigu.request_timeout_secs", osigu.request_timeout_secs),
    ] {
        if secs == 0 {
            return Err(Problem::new(key, "expected a whole number of seconds, at least 1 (found 0)"));
        }
    }
    // An empty variable is the usual way to unset it in a service file; it is not a secret.
    let secret_from_env = secret_from_env.filter(|secret| !secret.is_empty());
    let client_id = match (&osigu.client_id, environment) {
        (Some(client_id), _) => client_id.clone(),
        (None, Environment::Sandbox) => {
            if osigu.client_secret.is_some() {
                return Err(Problem::new("osigu.client_id", "required when `osigu.client_secret` is given"));
            }
            // No credentials for the embedded sandbox: the demo client. A secret in the environment is meant
            // for a real Osigu and is not sent to the sandbox.
            return Ok(embedded_sandbox(osigu));
        }
        (None, _) => {
            return Err(Problem::new("osigu.client_id", format!("required when environment = \"{environment}\"")));
        }
    };
    let Some(client_secret) = secret_from_env.or_else(|| osigu.client_secret.clone()) else {
        return Err(Problem::new(
            "osigu.client_secret",
            format!(
                "required when environment = \"{environment}\" and `osigu.client_id` is given; set it in this file \
                 or in the environment variable {CLIENT_SECRET_ENV}"
            ),
        ));
    };
    Ok(Endpoint {
        environment,
        base_url,
        client_id,
        client_secret: Secret::new(client_secret),
        connect_timeout: Duration::from_secs(osigu.connect_timeout_secs),
        request_timeout: Duration::from_secs(osigu.request_timeout_secs),
    })
}

fn check_invoice_prefix(prefix: &str) -> Result<(), Problem> {
    let key = "counter.invoice_prefix";
    let length = prefix.chars().count();
    if length > MAX_INVOICE_PREFIX_CHARS {
        return Err(Problem::new(
            key,
            format!("expected at most {MAX_INVOICE_PREFIX_CHARS} characters, found {length} in {prefix:?}"),
        ));
    }
    if prefix.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Problem::new(
            key,
            format!("expected printable characters without spaces or control characters, found {prefix:?}"),
        ));
    }
    Ok(())
}

/// The dotted key an error is about, as serde_path_to_error tracked it (an unknown key included); `None` for
/// the document itself.
fn failing_key(path: &serde_path_to_error::Path) -> Option<String> {
    let key = path.to_string();
    (key != ".").then_some(key)
}

/// The 1-based line of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end].iter().filter(|&&byte| byte == b'\n').count() + 1
}

/// The line on which a dotted key (`osigu.base_url`) is written; `None` when it is not in the text.
fn key_line(text: &str, dotted: &str) -> Option<usize> {
    let root = toml::de::DeTable::parse(text).ok()?;
    let mut table = root.get_ref();
    let mut segments = dotted.split('.').peekable();
    while let Some(segment) = segments.next() {
        let (key, value) = table.iter().find(|(key, _)| key.get_ref().as_ref() == segment)?;
        if segments.peek().is_none() {
            return Some(line_of(text, key.span().start));
        }
        table = value.get_ref().as_table()?;
    }
    None
}

/// Files holding a client secret should be readable by their owner only.
#[cfg(unix)]
fn exposed_secret_warning(path: &Path) -> Option<String> {
    use std::os::unix::fs::PermissionsExt;

    let mode = std::fs::metadata(path).ok()?.permissions().mode();
    (mode & 0o044 != 0).then(|| {
        format!(
            "the configuration file {path} holds client_secret and is readable by other users; run: chmod 600 {path}",
            path = path.display()
        )
    })
}

#[cfg(not(unix))]
fn exposed_secret_warning(_path: &Path) -> Option<String> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "/etc/mostrador/config.toml";

    /// The one-line message for a broken file, checked to name the file.
    fn error(text: &str) -> String {
        let message = Config::parse(text, Path::new(FILE)).unwrap_err().to_string();
        assert!(message.starts_with(&format!("the configuration file {FILE} is not valid: ")), "{message}");
        assert!(!message.contains('\n'), "{message}");
        message
    }

    #[test]
    fn the_shipped_example_parses() {
        let text = include_str!("../config.example.toml");
        let config = Config::parse(text, Path::new("config.example.toml")).unwrap();
        assert_eq!(config.sandbox.profile, Some(Profile::Demo));
        assert_eq!(config.sandbox.remote_auto_approve_secs, Some(8));
        assert_eq!(config.sandbox.addr, Some(SocketAddr::from(([127, 0, 0, 1], 8080))));
        assert_eq!(config.sandbox.dispensation_timeout_secs, Some(1800));
        assert_eq!(config.locale, Locale::Es);
        assert_eq!(config.osigu, OsiguSection::default());
        assert_eq!(config.counter, CounterSection::default());
        assert_eq!(config.biometric, BiometricSection::default());
        assert_eq!(config.counter.invoice_prefix, "F001-");
        let endpoint = config.endpoint();
        assert_eq!(endpoint.environment, Environment::Sandbox);
        assert_eq!(endpoint.base_url, None);
        assert_eq!(
            (endpoint.client_id.as_str(), endpoint.client_secret.expose()),
            (DEMO_CLIENT_ID, DEMO_CLIENT_SECRET)
        );
        assert_eq!(
            (endpoint.connect_timeout, endpoint.request_timeout),
            (Duration::from_secs(3), Duration::from_secs(15))
        );
        // The example documents the defaults, so it means the same as no file at all.
        let defaults = Config::default();
        assert_eq!(Config { sandbox: defaults.sandbox.clone(), ..config }, defaults);
    }

    #[test]
    fn every_key_of_the_example_is_documented_with_its_default() {
        let text = include_str!("../config.example.toml");
        for key in [
            "locale = \"es\"",
            "environment = \"sandbox\"",
            "# base_url = ",
            "# client_id = ",
            "# client_secret = ",
            "connect_timeout_secs = 3",
            "request_timeout_secs = 15",
            "invoice_prefix = \"F001-\"",
            "# data_dir = ",
            "# capture_command = ",
        ] {
            assert!(text.contains(key), "{key}");
        }
    }

    #[test]
    fn the_commented_out_examples_are_valid_too() {
        let text = include_str!("../config.example.toml");
        // Uncomment every `# key = value` line (not the prose), keep the example faults rather than the empty list,
        // and point at a custom server for base_url.
        let uncommented: String = text
            .lines()
            .map(|line| match line.strip_prefix("# ") {
                Some(rest) if rest.split_once(" = ").is_some_and(|(key, _)| !key.contains(' ')) => rest,
                _ => line,
            })
            .filter(|line| *line != "faults = []")
            .map(|line| if line == "environment = \"sandbox\"" { "environment = \"custom\"" } else { line })
            .flat_map(|line| [line, "\n"])
            .collect();
        assert!(uncommented.contains("\nbase_url = ") && uncommented.contains("\ncapture_command = "));
        let config = Config::parse(&uncommented, Path::new("config.example.toml")).unwrap();
        let endpoint = config.endpoint();
        assert_eq!(endpoint.environment, Environment::Custom);
        assert_eq!(endpoint.base_url.as_ref().map(|url| url.as_str()), Some("http://127.0.0.1:8080/"));
        assert_eq!(
            (endpoint.client_id.as_str(), endpoint.client_secret.expose()),
            (DEMO_CLIENT_ID, DEMO_CLIENT_SECRET)
        );
        assert_eq!(config.counter.data_dir.as_deref(), Some(Path::new("/var/lib/mostrador")));
        assert_eq!(config.biometric.capture_command.as_deref(), Some("fprint-capture --wsq"));
        assert_eq!(config.sandbox.faults.len(), 3);
        assert_eq!(config.sandbox.webhook_secrets, ["whsec_sandbox"]);
    }

    #[test]
    fn mistakes_name_the_file_and_the_key() {
        let typo = Config::parse("[sandbox]\nprofle = \"demo\"\n", Path::new("/etc/mostrador.toml")).unwrap_err();
        let message = typo.to_string();
        assert!(message.contains("/etc/mostrador.toml") && message.contains("profle"), "{message}");
        let bad_fault = Config::parse("[sandbox]\nfaults = [\"complete:boom=1\"]\n", Path::new("c.toml")).unwrap_err();
        assert!(bad_fault.to_string().contains("unknown kind"), "{bad_fault}");
        let bad_profile = Config::parse("[sandbox]\nprofile = \"fast\"\n", Path::new("c.toml")).unwrap_err();
        assert!(bad_profile.to_string().contains("demo or faithful"), "{bad_profile}");
    }

    #[test]
    fn an_unknown_top_level_key() {
        let message = error("locale = \"es\"\nlocal = \"en\"\n");
        assert!(message.contains("line 2: key `local`: unknown field `local`, expected one of"), "{message}");
    }

    #[test]
    fn an_unknown_key_in_osigu() {
        let message = error("[osigu]\nenvironment = \"sandbox\"\nclient_secrt = \"x\"\n");
        assert!(message.contains("line 3: key `osigu.client_secrt`: unknown field `client_secrt`"), "{message}");
        assert!(message.contains("`client_secret`"), "{message}");
    }

    #[test]
    fn an_unknown_locale() {
        let message = error("locale = \"fr\"\n");
        assert!(message.contains("line 1: key `locale`: unknown variant `fr`, expected `es` or `en`"), "{message}");
    }

    #[test]
    fn an_unknown_environment() {
        let message = error("[osigu]\nenvironment = \"prod\"\n");
        assert!(message.contains("line 2: key `osigu.environment`: unknown variant `prod`"), "{message}");
        assert!(message.contains("`osigu-production`") && message.contains("`custom`"), "{message}");
    }

    #[test]
    fn custom_without_base_url() {
        let message = error("[osigu]\nenvironment = \"custom\"\nclient_id = \"c\"\nclient_secret = \"s\"\n");
        assert!(message.ends_with("key `osigu.base_url`: required when environment = \"custom\""), "{message}");
    }

    #[test]
    fn base_url_with_another_environment() {
        let message = error("[osigu]\nenvironment = \"sandbox\"\nbase_url = \"https://osigu.example.com\"\n");
        assert!(message.contains("line 3: key `osigu.base_url`: only used with environment = \"custom\""), "{message}");
        // Also when the environment is left to its default.
        let message = error("[osigu]\nbase_url = \"http://127.0.0.1:8080\"\n");
        assert!(message.contains("line 2: key `osigu.base_url`: only used with"), "{message}");
    }

    #[test]
    fn plain_http_base_url_off_loopback() {
        let text = "[osigu]\nenvironment = \"custom\"\nbase_url = \"http://10.0.0.5:8080\"\nclient_id = \"c\"\n\
                    client_secret = \"s\"\n";
        let message = error(text);
        assert!(
            message.contains("line 3: key `osigu.base_url`: plain http:// is allowed only for a loopback"),
            "{message}"
        );
        assert!(message.contains("use https://"), "{message}");
    }

    #[test]
    fn custom_on_loopback_resolves() {
        let text = "[osigu]\nenvironment = \"custom\"\nbase_url = \"http://127.0.0.1:8080/\"\nclient_id = \"c\"\n\
                    client_secret = \"s\"\nconnect_timeout_secs = 1\nrequest_timeout_secs = 60\n";
        let config = Config::parse(text, Path::new(FILE)).unwrap();
        let endpoint = config.endpoint();
        assert_eq!(endpoint.environment, Environment::Custom);
        assert_eq!(endpoint.base_url.as_ref().map(|url| url.as_str()), Some("http://127.0.0.1:8080/"));
        assert_eq!((endpoint.client_id.as_str(), endpoint.client_secret.expose()), ("c", "s"));
        assert_eq!(
            (endpoint.connect_timeout, endpoint.request_timeout),
            (Duration::from_secs(1), Duration::from_secs(60))
        );
    }

    #[test]
    fn production_without_client_id() {
        let message = error("[osigu]\nenvironment = \"osigu-production\"\nclient_secret = \"s\"\n");
        assert!(
            message.ends_with("key `osigu.client_id`: required when environment = \"osigu-production\""),
            "{message}"
        );
    }

    #[test]
    fn production_without_a_secret_unless_the_environment_gives_one() {
        let text = "[osigu]\nenvironment = \"osigu-production\"\nclient_id = \"farmacia-7\"\n";
        let message = error(text);
        assert!(message.contains("key `osigu.client_secret`: required when environment = \"osigu-production\""));
        assert!(message.contains("in this file") && message.contains(CLIENT_SECRET_ENV), "{message}");
        // An empty variable counts as unset.
        assert!(Config::parse_with_env(text, Path::new(FILE), Some(String::new())).is_err());

        let config = Config::parse_with_env(text, Path::new(FILE), Some("from-env".into())).unwrap();
        let endpoint = config.endpoint();
        assert_eq!(endpoint.environment, Environment::OsiguProduction);
        assert_eq!(endpoint.base_url.as_ref().map(|url| url.as_str()), Some("https://api.osigu.com/"));
        assert_eq!((endpoint.client_id.as_str(), endpoint.client_secret.expose()), ("farmacia-7", "from-env"));
    }

    #[test]
    fn the_environment_secret_wins_over_the_file() {
        let text = "[osigu]\nenvironment = \"osigu-sandbox\"\nclient_id = \"c\"\nclient_secret = \"from-file\"\n";
        let from_file = Config::parse(text, Path::new(FILE)).unwrap();
        assert_eq!(from_file.endpoint().client_secret.expose(), "from-file");
        assert_eq!(from_file.endpoint().base_url.as_ref().map(|url| url.as_str()), Some("https://sandbox.osigu.com/"));
        let from_env = Config::parse_with_env(text, Path::new(FILE), Some("from-env".into())).unwrap();
        assert_eq!(from_env.endpoint().client_secret.expose(), "from-env");
    }

    #[test]
    fn the_embedded_sandbox_uses_the_demo_client_unless_told_otherwise() {
        // A secret meant for a real Osigu is not sent to the sandbox's demo client.
        let config = Config::parse_with_env("", Path::new(FILE), Some("production-secret".into())).unwrap();
        assert_eq!(config.endpoint().client_id, DEMO_CLIENT_ID);
        assert_eq!(config.endpoint().client_secret.expose(), DEMO_CLIENT_SECRET);
        let text = format!(
            "[osigu]\nclient_id = \"{}\"\nclient_secret = \"{}\"\n",
            crate::sandbox::READONLY_CLIENT_ID,
            crate::sandbox::READONLY_CLIENT_SECRET
        );
        let readonly = Config::parse(&text, Path::new(FILE)).unwrap();
        assert_eq!(readonly.endpoint().client_id, crate::sandbox::READONLY_CLIENT_ID);
        assert_eq!(readonly.endpoint().client_secret.expose(), crate::sandbox::READONLY_CLIENT_SECRET);
        let message = error("[osigu]\nclient_secret = \"s\"\n");
        assert!(message.ends_with("key `osigu.client_id`: required when `osigu.client_secret` is given"), "{message}");
    }

    #[test]
    fn a_zero_timeout() {
        let message = error("[osigu]\nconnect_timeout_secs = 0\n");
        assert!(
            message
                .contains("line 2: key `osigu.connect_timeout_secs`: expected a whole number of seconds, at least 1"),
            "{message}"
        );
        let message = error("[osigu]\nrequest_timeout_secs = 0\n");
        assert!(message.contains("line 2: key `osigu.request_timeout_secs`: expected"), "{message}");
    }

    #[test]
    fn a_timeout_given_as_text() {
        let message = error("[osigu]\n\nrequest_timeout_secs = \"15\"\n");
        assert!(message.contains("line 3: key `osigu.request_timeout_secs`: invalid type: string \"15\""), "{message}");
        assert!(message.contains("expected u64"), "{message}");
    }

    #[test]
    fn an_invoice_prefix_with_a_space() {
        let message = error("[counter]\ninvoice_prefix = \"F 001-\"\n");
        assert!(
            message.contains("line 2: key `counter.invoice_prefix`: expected printable characters without spaces"),
            "{message}"
        );
        assert!(message.contains("\"F 001-\""), "{message}");
        let message = error("[counter]\ninvoice_prefix = \"FACTURA-SUCURSAL-0001-\"\n");
        assert!(message.contains("key `counter.invoice_prefix`: expected at most 20 characters"), "{message}");
        // Twenty accented letters are twenty characters, not forty bytes.
        assert!(Config::parse("[counter]\ninvoice_prefix = \"ÑÑÑÑÑÑÑÑÑÑÑÑÑÑÑÑÑÑÑÑ\"\n", Path::new(FILE)).is_ok());
        assert!(Config::parse("[counter]\ninvoice_prefix = \"\"\n", Path::new(FILE)).is_ok());
    }

    #[test]
    fn a_relative_data_dir_and_an_empty_capture_command() {
        let message = error("[counter]\ndata_dir = \"data\"\n");
        assert!(message.contains("line 2: key `counter.data_dir`: expected an absolute path"), "{message}");
        let message = error("[biometric]\ncapture_command = \" \"\n");
        assert!(message.contains("line 2: key `biometric.capture_command`: expected a shell command"), "{message}");
    }

    #[test]
    fn a_syntax_error_names_the_line() {
        let message = error("locale = \"es\"\n[osigu]\nenvironment = \"sandbox\n");
        assert!(message.contains(": line 3: "), "{message}");
    }

    #[test]
    fn a_duplicate_key_is_named() {
        let message = error("locale = \"es\"\nlocale = \"en\"\n");
        assert!(message.ends_with(": line 2: key `locale`: duplicate key"), "{message}");
    }

    #[test]
    fn the_sections_read_their_values() {
        let text = "locale = \"en\"\n[counter]\ninvoice_prefix = \"B002-\"\ndata_dir = \"/var/lib/mostrador\"\n\
                    [biometric]\ncapture_command = \"fprint-capture --wsq\"\n";
        let config = Config::parse(text, Path::new(FILE)).unwrap();
        assert_eq!(config.locale, Locale::En);
        assert_eq!(config.counter.invoice_prefix, "B002-");
        assert_eq!(config.data_dir().unwrap(), PathBuf::from("/var/lib/mostrador"));
        assert_eq!(config.biometric.capture_command.as_deref(), Some("fprint-capture --wsq"));
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let text = "[osigu]\nenvironment = \"osigu-sandbox\"\nclient_id = \"c\"\nclient_secret = \"hunter2-secret\"\n";
        let config = Config::parse(text, Path::new(FILE)).unwrap();
        let debug = format!("{config:?}");
        assert!(!debug.contains("hunter2"), "{debug}");
        assert!(debug.contains("***"), "{debug}");
        let loaded = Loaded { config, path: None, warnings: Vec::new() };
        assert!(!format!("{loaded:?}").contains("hunter2"));
    }

    #[test]
    fn an_explicit_file_that_does_not_exist_is_an_error() {
        let path = std::env::temp_dir().join(format!("mostrador-missing-{}.toml", std::process::id()));
        assert_eq!(locate(Some(&path)), Some(path.clone()));
        let error = Config::load_with_env(Some(path.clone()), None).unwrap_err();
        assert!(matches!(error, ConfigError::NotFound { .. }));
        assert_eq!(error.to_string(), format!("the configuration file {} does not exist", path.display()));
        let defaults = Config::load_with_env(None, None).unwrap();
        assert_eq!((defaults.config, defaults.path, defaults.warnings), (Config::default(), None, Vec::new()));
    }

    #[cfg(unix)]
    #[test]
    fn a_secret_in_a_file_others_can_read_is_warned_about() {
        use std::os::unix::fs::PermissionsExt;

        let path = std::env::temp_dir().join(format!(
            "mostrador-config-{}-{}.toml",
            std::process::id(),
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos()
        ));
        /// Removes the file even when an assertion fails.
        struct Remove(PathBuf);
        impl Drop for Remove {
            fn drop(&mut self) {
                let _ = std::fs::remove_file(&self.0);
            }
        }
        let _remove = Remove(path.clone());
        let text = "[osigu]\nenvironment = \"osigu-sandbox\"\nclient_id = \"c\"\nclient_secret = \"s\"\n";
        std::fs::write(&path, text).unwrap();

        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let loaded = Config::load_with_env(Some(path.clone()), None).unwrap();
        assert_eq!(loaded.path.as_deref(), Some(path.as_path()));
        let expected = format!(
            "the configuration file {0} holds client_secret and is readable by other users; run: chmod 600 {0}",
            path.display()
        );
        assert_eq!(loaded.warnings, vec![expected]);

        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(Config::load_with_env(Some(path.clone()), None).unwrap().warnings, Vec::<String>::new());

        // Without a secret in it, the file may be readable by anyone.
        std::fs::write(&path, "locale = \"en\"\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(Config::load_with_env(Some(path.clone()), None).unwrap().warnings, Vec::<String>::new());
    }
}
