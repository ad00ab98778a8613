//! Fault injection: latency, 5xx replies, dropped connections and commit-then-drop, per route, decided by a
//! seeded generator so a run with the same seed and the same request order fails the same way.
//!
//! Written `ROUTE:KIND=VALUE`, e.g. `complete:commit-then-drop=0.2` or `*:latency-ms=300`. A rule for a named
//! route overrides a `*` rule of the same kind. `*` covers every Osigu route; the sandbox's own extras
//! (`/sandbox/v1/…`, `/openapi.json`) are never faulted, so tests can always read the outbox and advance time.

use std::fmt;
use std::str::FromStr;
use std::sync::{Mutex, PoisonError, RwLock};
use std::time::Duration;

use axum::http::Method;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

/// The routes faults can target.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FaultRoute {
    Token,
    Start,
    Get,
    List,
    Update,
    Verification,
    Biometric,
    Complete,
    Cancel,
    OtpSend,
    OtpValidate,
    /// `*`: every Osigu route, named above or not.
    All,
}

impl FaultRoute {
    const NAMES: [(Self, &'static str); 12] = [
        (Self::Token, "token"),
        (Self::Start, "start"),
        (Self::Get, "get"),
        (Self::List, "list"),
        (Self::Update, "update"),
        (Self::Verification, "verification"),
        (Self::Biometric, "biometric"),
        (Self::Complete, "complete"),
        (Self::Cancel, "cancel"),
        (Self::OtpSend, "otp-send"),
        (Self::OtpValidate, "otp-validate"),
        (Self::All, "*"),
    ];

    pub fn name(self) -> &'static str {
        Self::NAMES.iter().find(|(route, _)| *route == self).map_or("*", |(_, name)| name)
    }
}

/// How a request is exposed to faults.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Exposure {
    Named(FaultRoute),
    /// An Osigu route without a name of its own (sponsors, forms, ePrescription…): only `*` applies.
    OtherApi,
    /// The sandbox's own extras.
    Exempt,
}

/// Which route a request is, by method and path.
pub(crate) fn classify(method: &Method, path: &str) -> Exposure {
    use FaultRoute::*;
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let named = match (method.as_str(), segments.as_slice()) {
        (_, ["sandbox", ..]) | (_, ["openapi.json"]) => return Exposure::Exempt,
        ("POST", ["v1", "oauth", "token"]) => Token,
        ("POST", ["dispensing", "v1", "dispensations"]) => Start,
        ("GET", ["dispensing", "v1", "dispensations"]) => List,
        ("GET", ["dispensing", "v1", "dispensations", _]) => Get,
        ("PUT", ["dispensing", "v1", "dispensations", _]) => Update,
        ("GET", ["dispensing", "v1", "dispensations", _, "verification-status"]) => Verification,
        ("POST", ["dispensing", "v1", "dispensations", _, "biometric", ..]) => Biometric,
        ("POST", ["dispensing", "v1", "dispensations", _, "complete"]) => Complete,
        ("POST", ["dispensing", "v1", "dispensations", _, "cancel"]) => Cancel,
        ("POST", ["v1", "otp", "send"] | ["otp", "generate"]) => OtpSend,
        ("POST", ["v1", "otp", "validate"] | ["otp", "validate"]) => OtpValidate,
        _ => return Exposure::OtherApi,
    };
    Exposure::Named(named)
}

/// One kind of fault and its value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum FaultKind {
    /// Delay before handling, in milliseconds.
    LatencyMs(u64),
    /// Extra random delay of up to this many milliseconds.
    JitterMs(u64),
    /// Rate (0..1) of replies replaced by a 5xx without handling the request.
    Error5xx(f64),
    /// Rate of connections closed without a reply, the request not handled.
    Drop(f64),
    /// Rate of requests handled (the change is committed) whose connection is then closed without a reply.
    CommitThenDrop(f64),
}

/// `ROUTE:KIND=VALUE`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FaultRule {
    pub route: FaultRoute,
    pub kind: FaultKind,
}

/// Why a fault rule does not parse.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("fault {rule:?}: {reason}")]
pub struct FaultParseError {
    rule: String,
    reason: String,
}

impl FromStr for FaultRule {
    type Err = FaultParseError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let fail = |reason: String| FaultParseError { rule: text.to_owned(), reason };
        let (route, setting) = text.split_once(':').ok_or_else(|| fail("expected ROUTE:KIND=VALUE".into()))?;
        let (kind, value) = setting.split_once('=').ok_or_else(|| fail("expected KIND=VALUE after ':'".into()))?;
        let route =
            FaultRoute::NAMES.iter().find(|(_, name)| *name == route.trim()).map(|(route, _)| *route).ok_or_else(
                || {
                    let names: Vec<_> = FaultRoute::NAMES.iter().map(|(_, name)| *name).collect();
                    fail(format!("unknown route {route:?}; routes are {}", names.join(", ")))
                },
            )?;
        let value = value.trim();
        let millis = || {
            let range = crate::sandbox::limits::FAULT_DELAY_MS;
            value.parse::<u64>().ok().filter(|ms| range.contains(ms)).ok_or_else(|| {
                fail(format!("{value:?} is not a whole number of ms from {} to {}", range.start(), range.end()))
            })
        };
        let rate = || {
            value
                .parse::<f64>()
                .ok()
                .filter(|rate| (0.0..=1.0).contains(rate))
                .ok_or_else(|| fail(format!("{value:?} is not a rate between 0 and 1")))
        };
        let kind = match kind.trim() {
            "latency-ms" => FaultKind::LatencyMs(millis()?),
            "jitter-ms" => FaultKind::JitterMs(millis()?),
            "error-5xx" => FaultKind::Error5xx(rate()?),
            "drop" => FaultKind::Drop(rate()?),
            "commit-then-drop" => FaultKind::CommitThenDrop(rate()?),
            other => {
                return Err(fail(format!(
                    "unknown kind {other:?}; kinds are latency-ms, jitter-ms, error-5xx, drop, commit-then-drop"
                )));
            }
        };
        Ok(Self { route, kind })
    }
}

impl fmt::Display for FaultRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let route = self.route.name();
        match self.kind {
            FaultKind::LatencyMs(ms) => write!(f, "{route}:latency-ms={ms}"),
            FaultKind::JitterMs(ms) => write!(f, "{route}:jitter-ms={ms}"),
            FaultKind::Error5xx(rate) => write!(f, "{route}:error-5xx={rate}"),
            FaultKind::Drop(rate) => write!(f, "{route}:drop={rate}"),
            FaultKind::CommitThenDrop(rate) => write!(f, "{route}:commit-then-drop={rate}"),
        }
    }
}

/// A set of fault rules.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FaultPlan {
    pub rules: Vec<FaultRule>,
}

impl FaultPlan {
    /// No faults at all.
    pub fn none() -> Self {
        Self::default()
    }

    /// Parses every `ROUTE:KIND=VALUE`.
    pub fn parse<'a>(rules: impl IntoIterator<Item = &'a str>) -> Result<Self, FaultParseError> {
        Ok(Self { rules: rules.into_iter().map(str::parse).collect::<Result<_, _>>()? })
    }

    /// Adds a rule.
    pub fn with(mut self, route: FaultRoute, kind: FaultKind) -> Self {
        self.rules.push(FaultRule { route, kind });
        self
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The effective settings for one route: its own rules over `*` rules, the last rule of a kind winning.
    fn settings(&self, route: FaultRoute) -> RouteFaults {
        let mut settings = RouteFaults::default();
        let applicable = self.rules.iter().filter(|rule| rule.route == FaultRoute::All);
        let own = self.rules.iter().filter(|rule| rule.route == route && route != FaultRoute::All);
        for rule in applicable.chain(own) {
            match rule.kind {
                FaultKind::LatencyMs(ms) => settings.latency_ms = ms,
                FaultKind::JitterMs(ms) => settings.jitter_ms = ms,
                FaultKind::Error5xx(rate) => settings.error_rate = rate,
                FaultKind::Drop(rate) => settings.drop_rate = rate,
                FaultKind::CommitThenDrop(rate) => settings.commit_then_drop_rate = rate,
            }
        }
        settings
    }
}

impl fmt::Display for FaultPlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.rules.is_empty() {
            return f.write_str("none");
        }
        let rules: Vec<String> = self.rules.iter().map(ToString::to_string).collect();
        f.write_str(&rules.join(" "))
    }
}

#[derive(Clone, Copy, Debug, Default)]
struct RouteFaults {
    latency_ms: u64,
    jitter_ms: u64,
    error_rate: f64,
    drop_rate: f64,
    commit_then_drop_rate: f64,
}

/// What to do with one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FaultAction {
    Pass,
    /// Reply 5xx without handling; `html` imitates a proxy's error page.
    Error5xx {
        html: bool,
    },
    Drop,
    CommitThenDrop,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Decision {
    pub delay: Option<Duration>,
    pub action: FaultAction,
}

/// The live fault plan of a running sandbox; tests change it between requests.
pub struct Faults {
    plan: RwLock<FaultPlan>,
    rng: Mutex<StdRng>,
}

impl Faults {
    pub fn new(plan: FaultPlan, seed: u64) -> Self {
        Self { plan: RwLock::new(plan), rng: Mutex::new(StdRng::seed_from_u64(seed)) }
    }

    /// Replaces the plan.
    pub fn set(&self, plan: FaultPlan) {
        *self.plan.write().unwrap_or_else(PoisonError::into_inner) = plan;
    }

    /// The current plan.
    pub fn plan(&self) -> FaultPlan {
        self.plan.read().unwrap_or_else(PoisonError::into_inner).clone()
    }

    pub(crate) fn decide(&self, exposure: Exposure) -> Decision {
        let pass = Decision { delay: None, action: FaultAction::Pass };
        let route = match exposure {
            Exposure::Exempt => return pass,
            Exposure::Named(route) => route,
            Exposure::OtherApi => FaultRoute::All,
        };
        let settings = {
            let plan = self.plan.read().unwrap_or_else(PoisonError::into_inner);
            if plan.is_empty() {
                return pass;
            }
            plan.settings(route)
        };
        let mut rng = self.rng.lock().unwrap_or_else(PoisonError::into_inner);
        let jitter = if settings.jitter_ms > 0 { rng.random_range(0..=settings.jitter_ms) } else { 0 };
        let delay_ms = settings.latency_ms.saturating_add(jitter);
        let mut roll = |rate: f64| rate > 0.0 && rng.random_bool(rate);
        let action = if roll(settings.error_rate) {
            FaultAction::Error5xx { html: rng.random_bool(0.5) }
        } else if roll(settings.drop_rate) {
            FaultAction::Drop
        } else if roll(settings.commit_then_drop_rate) {
            FaultAction::CommitThenDrop
        } else {
            FaultAction::Pass
        };
        Decision { delay: (delay_ms > 0).then(|| Duration::from_millis(delay_ms)), action }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_kind_and_reports_mistakes_plainly() {
        let plan = FaultPlan::parse([
            "complete:commit-then-drop=1",
            "*:latency-ms=250",
            "start:jitter-ms=40",
            "otp-send:error-5xx=0.5",
            "get:drop=0.1",
        ])
        .unwrap();
        assert_eq!(plan.rules[0], FaultRule { route: FaultRoute::Complete, kind: FaultKind::CommitThenDrop(1.0) });
        assert_eq!(
            plan.to_string(),
            "complete:commit-then-drop=1 *:latency-ms=250 start:jitter-ms=40 otp-send:error-5xx=0.5 get:drop=0.1"
        );
        for (bad, why) in [
            ("complete", "expected ROUTE:KIND=VALUE"),
            ("finish:drop=1", "unknown route"),
            ("start:explode=1", "unknown kind"),
            ("start:drop=1.5", "between 0 and 1"),
            ("start:latency-ms=-3", "whole number"),
            ("start:latency-ms=999999999999", "from 0 to 600000"),
            ("*:jitter-ms=600001", "from 0 to 600000"),
        ] {
            let error = bad.parse::<FaultRule>().unwrap_err().to_string();
            assert!(error.contains(why), "{bad}: {error}");
        }
    }

    #[test]
    fn routes_are_recognised_by_method_and_path() {
        let cases = [
            (Method::POST, "/v1/oauth/token", Exposure::Named(FaultRoute::Token)),
            (Method::POST, "/dispensing/v1/dispensations", Exposure::Named(FaultRoute::Start)),
            (Method::GET, "/dispensing/v1/dispensations", Exposure::Named(FaultRoute::List)),
            (Method::GET, "/dispensing/v1/dispensations/dsp_1", Exposure::Named(FaultRoute::Get)),
            (Method::PUT, "/dispensing/v1/dispensations/dsp_1", Exposure::Named(FaultRoute::Update)),
            (
                Method::GET,
                "/dispensing/v1/dispensations/dsp_1/verification-status",
                Exposure::Named(FaultRoute::Verification),
            ),
            (
                Method::POST,
                "/dispensing/v1/dispensations/dsp_1/biometric/challenge",
                Exposure::Named(FaultRoute::Biometric),
            ),
            (Method::POST, "/dispensing/v1/dispensations/dsp_1/complete", Exposure::Named(FaultRoute::Complete)),
            (Method::POST, "/dispensing/v1/dispensations/dsp_1/cancel", Exposure::Named(FaultRoute::Cancel)),
            (Method::POST, "/otp/generate", Exposure::Named(FaultRoute::OtpSend)),
            (Method::POST, "/v1/otp/validate", Exposure::Named(FaultRoute::OtpValidate)),
            (Method::GET, "/v1/sponsors", Exposure::OtherApi),
            (Method::GET, "/sandbox/v1/outbox", Exposure::Exempt),
            (Method::GET, "/openapi.json", Exposure::Exempt),
        ];
        for (method, path, expected) in cases {
            assert_eq!(classify(&method, path), expected, "{method} {path}");
        }
    }

    #[test]
    fn named_rules_override_star_rules_and_extras_are_exempt() {
        let faults = Faults::new(FaultPlan::parse(["*:drop=1", "complete:drop=0"]).unwrap(), 1);
        assert_eq!(faults.decide(Exposure::Named(FaultRoute::Start)).action, FaultAction::Drop);
        assert_eq!(faults.decide(Exposure::OtherApi).action, FaultAction::Drop);
        assert_eq!(faults.decide(Exposure::Named(FaultRoute::Complete)).action, FaultAction::Pass);
        assert_eq!(faults.decide(Exposure::Exempt).action, FaultAction::Pass);
    }

    #[test]
    fn the_same_seed_gives_the_same_faults() {
        let plan = FaultPlan::parse(["*:error-5xx=0.3", "*:drop=0.3", "*:jitter-ms=50"]).unwrap();
        let run = |seed| {
            let faults = Faults::new(plan.clone(), seed);
            (0..50).map(|_| faults.decide(Exposure::Named(FaultRoute::Get))).collect::<Vec<_>>()
        };
        assert_eq!(run(42), run(42));
        assert_ne!(run(42), run(43));
        let decisions = run(42);
        assert!(decisions.iter().any(|d| d.action == FaultAction::Pass));
        assert!(decisions.iter().any(|d| d.action == FaultAction::Drop));
    }
}
