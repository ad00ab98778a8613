//! From the `[osigu]` and `[counter]` keys to what the program uses: the endpoint (environment, base URL,
//! credentials, timeouts), with every rule a parsed file must still satisfy.

use std::time::Duration;

use super::*;

/// A key whose value cannot be used, found after the file parsed.
pub(super) struct Problem {
    pub(super) key: &'static str,
    pub(super) problem: String,
}

impl Problem {
    pub(super) fn new(key: &'static str, problem: impl Into<String>) -> Self {
        Self { key, problem: problem.into() }
    }
}

/// The endpoint of the embedded sandbox with the demo client, which has every scope.
pub(super) fn embedded_sandbox(osigu: &OsiguSection) -> Endpoint {
    Endpoint {
        environment: Environment::Sandbox,
        base_url: None,
        client_id: DEMO_CLIENT_ID.to_owned(),
        client_secret: Secret::new(DEMO_CLIENT_SECRET),
        connect_timeout: Duration::from_secs(osigu.connect_timeout_secs),
        request_timeout: Duration::from_secs(osigu.request_timeout_secs),
    }
}

pub(super) fn resolve(osigu: &OsiguSection, secret_from_env: Option<String>) -> Result<Endpoint, Problem> {
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

pub(super) fn check_invoice_prefix(prefix: &str) -> Result<(), Problem> {
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
