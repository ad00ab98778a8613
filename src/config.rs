//! The configuration file (TOML). This first version holds the `[sandbox]` section that
//! `mostrador sandbox serve` reads; command-line flags override it. Unknown keys are errors, so a typo is
//! reported instead of silently ignored.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::sandbox::{FaultRule, Profile};

/// The whole file.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub sandbox: SandboxSection,
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
    #[error("cannot read the configuration file {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("the configuration file {path} is not valid: {message}")]
    Invalid { path: PathBuf, message: String },
}

impl Config {
    /// Parses a configuration's text; `path` only names it in errors.
    pub fn parse(text: &str, path: &Path) -> Result<Self, ConfigError> {
        toml::from_str(text).map_err(|error| ConfigError::Invalid { path: path.to_owned(), message: error.to_string() })
    }

    /// Reads `path`, or gives the defaults when there is no path.
    pub fn load(path: Option<&Path>) -> Result<Self, ConfigError> {
        let Some(path) = path else { return Ok(Self::default()) };
        let text =
            std::fs::read_to_string(path).map_err(|source| ConfigError::Read { path: path.to_owned(), source })?;
        Self::parse(&text, path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_example_parses() {
        let text = include_str!("../config.example.toml");
        let config = Config::parse(text, Path::new("config.example.toml")).unwrap();
        assert_eq!(config.sandbox.profile, Some(Profile::Demo));
        assert_eq!(config.sandbox.remote_auto_approve_secs, Some(8));
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
}
