//! `[posos]`: where POSOS Scan & Go is (partner-connect's base URL, the FHIR API's) and the pharmacy's facility
//! slug there. The service token is never in the file: it comes from [`POSOS_TOKEN_ENV`]. With no `base_url`,
//! a counter on the embedded sandbox uses the sandbox's POSOS stand-in (and its demo token); a counter on a real
//! Osigu then has no POSOS (paper prescriptions are not offered).

use reqwest::Url;
use serde::Deserialize;

use super::resolve::Problem;
use crate::osigu::endpoint::{Secret, api_url, check_base_url};
use crate::posos::{POSOS_TOKEN_ENV, PososOptions, valid_facility};
use crate::sandbox::{POSOS_DEMO_TOKEN, POSOS_PREFIX};

/// The facility the sandbox's stand-in serves, and the default when it is the POSOS in use.
pub const DEFAULT_FACILITY: &str = "farmacia-demo";

/// `[posos]` as written in the file.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct PososSection {
    /// partner-connect's base URL (`https://partner-connect.preprod.posos.co`); none: the embedded sandbox's
    /// stand-in, when the counter runs on the embedded sandbox.
    pub base_url: Option<String>,
    /// The FHIR API's base, up to `/fhir/r4` (default: `base_url` + `/fhir/r4`).
    pub fhir_base_url: Option<String>,
    /// This pharmacy's facility slug at POSOS; required with `base_url`, `farmacia-demo` for the stand-in.
    pub facility: Option<String>,
}

/// Why the POSOS client cannot be set up, though the file is valid.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PososConfigError {
    #[error("`posos.base_url` is set but {POSOS_TOKEN_ENV} is not: the POSOS service token comes from that variable")]
    MissingToken,
}

/// The service token from [`POSOS_TOKEN_ENV`]: `None` when unset, empty or not Unicode. Kept as a [`Secret`] so
/// that it cannot reach a log.
pub fn posos_token_from_env() -> Option<Secret> {
    std::env::var(POSOS_TOKEN_ENV)
        .ok()
        .map(|token| token.trim().to_owned())
        .filter(|token| !token.is_empty())
        .map(Secret::new)
}

impl PososSection {
    /// What serde cannot check: the URLs (https, or http on a loopback host) and the facility slug.
    pub(super) fn check(&self) -> Result<(), Problem> {
        for (key, url) in [("posos.base_url", &self.base_url), ("posos.fhir_base_url", &self.fhir_base_url)] {
            if let Some(url) = url {
                check_base_url(url).map_err(|error| Problem::new(key, error.to_string()))?;
            }
        }
        if self.fhir_base_url.is_some() && self.base_url.is_none() {
            return Err(Problem::new("posos.fhir_base_url", "needs posos.base_url as well"));
        }
        if let Some(facility) = &self.facility
            && !valid_facility(facility)
        {
            return Err(Problem::new(
                "posos.facility",
                format!("expected 1 to 64 lower-case letters, digits and hyphens, found {facility:?}"),
            ));
        }
        if self.base_url.is_some() && self.facility.is_none() {
            return Err(Problem::new(
                "posos.facility",
                "required with posos.base_url: the slug POSOS gave this pharmacy",
            ));
        }
        Ok(())
    }

    /// The POSOS client's options: the configured POSOS with `token` (from [`posos_token_from_env`]); else, when
    /// the counter runs on the embedded sandbox at `embedded_sandbox`, its stand-in with the demo token; else
    /// none. The section was checked when the file was parsed.
    pub fn options(
        &self,
        embedded_sandbox: Option<&Url>,
        token: Option<Secret>,
    ) -> Result<Option<PososOptions>, PososConfigError> {
        let Some(base) = self.base_url.as_deref().and_then(|url| check_base_url(url).ok()) else {
            return Ok(embedded_sandbox.map(|sandbox| {
                let base = api_url(sandbox, POSOS_PREFIX);
                let fhir = api_url(&base, "/fhir/r4");
                let facility = self.facility.clone().unwrap_or_else(|| DEFAULT_FACILITY.to_owned());
                PososOptions::new(base, fhir, facility, Secret::new(POSOS_DEMO_TOKEN))
            }));
        };
        let token = token.ok_or(PososConfigError::MissingToken)?;
        let fhir = match self.fhir_base_url.as_deref().and_then(|url| check_base_url(url).ok()) {
            Some(fhir) => fhir,
            None => api_url(&base, "/fhir/r4"),
        };
        let facility = self.facility.clone().unwrap_or_else(|| DEFAULT_FACILITY.to_owned());
        Ok(Some(PososOptions::new(base, fhir, facility, token)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stand_in_is_used_on_the_embedded_sandbox_and_a_real_posos_needs_its_token() {
        let sandbox = Url::parse("http://127.0.0.1:4100").unwrap();
        let none = PososSection::default();
        let stand_in = none.options(Some(&sandbox), None).unwrap().unwrap();
        assert_eq!(stand_in.base_url.as_str(), "http://127.0.0.1:4100/posos");
        assert_eq!(stand_in.fhir_base_url.as_str(), "http://127.0.0.1:4100/posos/fhir/r4");
        assert_eq!((stand_in.facility.as_str(), stand_in.token.expose()), ("farmacia-demo", POSOS_DEMO_TOKEN));
        assert!(none.options(None, None).unwrap().is_none(), "a real Osigu and no [posos]: no POSOS");

        let real = PososSection {
            base_url: Some("https://partner-connect.preprod.posos.co".into()),
            fhir_base_url: Some("https://api.preprod.posos.co/fhir/r4".into()),
            facility: Some("farmacia-central".into()),
        };
        assert_eq!(real.options(Some(&sandbox), None).unwrap_err(), PososConfigError::MissingToken);
        let options = real.options(None, Some(Secret::new("svc-123"))).unwrap().unwrap();
        assert_eq!(options.fhir_base_url.as_str(), "https://api.preprod.posos.co/fhir/r4");
        let shown = format!("{options:?}");
        assert!(!shown.contains("svc-123") && shown.contains("***"), "{shown}");
    }

    #[test]
    fn urls_and_the_facility_are_checked() {
        let section = |base: Option<&str>, fhir: Option<&str>, facility: Option<&str>| PososSection {
            base_url: base.map(str::to_owned),
            fhir_base_url: fhir.map(str::to_owned),
            facility: facility.map(str::to_owned),
        };
        let key = |s: PososSection| s.check().unwrap_err().key;
        assert_eq!(key(section(Some("http://posos.example.com"), None, Some("f"))), "posos.base_url");
        assert_eq!(key(section(None, Some("https://api.posos.co/fhir/r4"), None)), "posos.fhir_base_url");
        assert_eq!(key(section(Some("https://partner-connect.posos.co"), None, None)), "posos.facility");
        assert_eq!(key(section(None, None, Some("Farmacia Central"))), "posos.facility");
        assert!(section(Some("https://partner-connect.posos.co"), None, Some("farmacia-central")).check().is_ok());
    }
}
