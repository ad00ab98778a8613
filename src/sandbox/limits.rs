//! The sandbox's bounds: the largest price, tax and quantity a request may carry, chosen so that no sum the
//! sandbox computes from them can overflow, and the allowed range of every option that later does arithmetic
//! on time, rates or memory. The configuration file, the flags of `sandbox serve` and [`super::Sandbox::start`]
//! all check against these same ranges, so a value refused in one place is refused in all.

use std::ops::RangeInclusive;
use std::time::Duration;

use rust_decimal::Decimal;

use super::SandboxConfig;
use super::faults::FaultKind;

/// The largest unit price, and the largest taxes of one line: 1,000,000,000.00 in the sponsor's currency.
/// With [`MAX_QUANTITY`] units a line stays below 10^16, and a dispensation's total far below `Decimal::MAX`
/// (about 7.9 × 10^28), whatever the number of lines a 4 MiB request can hold.
pub const MAX_AMOUNT: Decimal = Decimal::from_parts(1_000_000_000, 0, 0, false, 0);

/// The most units one line may deliver of its product, and of its substitute.
pub const MAX_QUANTITY: u32 = 1_000_000;

/// `dispensation_timeout_secs`: from one second to a week.
pub const DISPENSATION_TIMEOUT_SECS: RangeInclusive<u64> = 1..=7 * 24 * 3600;

/// `remote_auto_approve_secs`: 0 (never) up to just under the 300 s a challenge lives; a later approval would
/// never happen, so it is refused rather than silently ignored.
pub const REMOTE_AUTO_APPROVE_SECS: RangeInclusive<u64> = 0..=299;

/// `settlement_decision_secs`: how long after its submission a sponsor answers a settlement batch, from one
/// second to 30 days of sandbox time (Osigu: "days later").
pub const SETTLEMENT_DECISION_SECS: RangeInclusive<u64> = 1..=30 * 24 * 3600;

/// The default: two hours of sandbox time, short enough for a demo, long enough to see SUBMITTED.
pub const DEFAULT_SETTLEMENT_DECISION_SECS: u64 = 2 * 3600;

/// `authorization_decision_secs`: how long after a pre-authorization request is completed an ASYNC sponsor
/// answers it, from one second to a week of sandbox time.
pub const AUTHORIZATION_DECISION_SECS: RangeInclusive<u64> = 1..=7 * 24 * 3600;

/// The default: 30 seconds, "about 30 s later" as Osigu's mock asynchronous sponsor.
pub const DEFAULT_AUTHORIZATION_DECISION_SECS: u64 = 30;

/// `posos_auto_import_secs`: 0 (never) up to ten minutes, well inside the hour a scan token lives.
pub const POSOS_AUTO_IMPORT_SECS: RangeInclusive<u64> = 0..=600;

/// The default: 8 seconds, as the facial challenge approves itself.
pub const DEFAULT_POSOS_AUTO_IMPORT_SECS: u64 = 8;

/// A fault's `latency-ms` or `jitter-ms`: up to ten minutes, longer than any client waits.
pub const FAULT_DELAY_MS: RangeInclusive<u64> = 0..=600_000;

/// `idempotency_store_mib`: the memory the Idempotency-Key store may hold, in MiB.
pub const IDEMPOTENCY_STORE_MIB: RangeInclusive<u64> = 1..=1024;

/// The Idempotency-Key store's default budget: 32 MiB, a few thousand ordinary replies.
pub const DEFAULT_IDEMPOTENCY_STORE_MIB: u64 = 32;

/// How far the sandbox's clock may be moved ahead of its start, in total: 100 years. Every instant the
/// sandbox computes is then within the calendar's range, so no date arithmetic can overflow.
pub const MAX_CLOCK_ADVANCE: Duration = Duration::from_secs(100 * 366 * 24 * 3600);

/// A sandbox option outside its allowed range.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{option} = {value} is out of range: expected {expected}")]
pub struct OutOfRange {
    /// The option, as the caller knows it (`dispensation_timeout`, a fault rule, …).
    pub option: String,
    pub value: String,
    /// The allowed range, in words.
    pub expected: String,
}

impl OutOfRange {
    fn new(option: impl Into<String>, value: impl ToString, expected: impl Into<String>) -> Self {
        Self { option: option.into(), value: value.to_string(), expected: expected.into() }
    }
}

/// `value` if it lies in `range`, else what the option allows, e.g. "1 to 604800 s".
pub fn in_range(option: &str, value: u64, range: &RangeInclusive<u64>, unit: &str) -> Result<u64, OutOfRange> {
    if range.contains(&value) {
        return Ok(value);
    }
    Err(OutOfRange::new(option, value, format!("{} to {} {unit}", range.start(), range.end())))
}

/// A duration in whole seconds within `range`; a fraction of a second counts as out of range only past the end.
fn seconds_in(option: &str, value: Duration, range: &RangeInclusive<u64>) -> Result<(), OutOfRange> {
    let low = Duration::from_secs(*range.start());
    let high = Duration::from_secs(*range.end());
    if value < low || value > high {
        return Err(OutOfRange::new(option, format!("{value:?}"), format!("{} to {} s", range.start(), range.end())));
    }
    Ok(())
}

/// Checks every option of a sandbox's configuration; [`super::Sandbox::start`] refuses to start otherwise.
pub fn check(config: &SandboxConfig) -> Result<(), OutOfRange> {
    seconds_in("dispensation_timeout", config.dispensation_timeout, &DISPENSATION_TIMEOUT_SECS)?;
    if let Some(after) = config.remote_auto_approve {
        seconds_in("remote_auto_approve", after, &REMOTE_AUTO_APPROVE_SECS)?;
    }
    seconds_in("settlement_decision_delay", config.settlement_decision_delay, &SETTLEMENT_DECISION_SECS)?;
    seconds_in("authorization_decision_delay", config.authorization_decision_delay, &AUTHORIZATION_DECISION_SECS)?;
    if let Some(after) = config.posos_auto_import {
        seconds_in("posos_auto_import", after, &POSOS_AUTO_IMPORT_SECS)?;
    }
    for rule in &config.faults.rules {
        if let FaultKind::LatencyMs(ms) | FaultKind::JitterMs(ms) = rule.kind {
            in_range(&format!("fault {rule}"), ms, &FAULT_DELAY_MS, "ms")?;
        }
    }
    let mib = IDEMPOTENCY_STORE_MIB;
    let bytes = config.idempotency_store_bytes;
    let (low, high) = (mib_to_bytes(*mib.start()), mib_to_bytes(*mib.end()));
    if bytes < low || bytes > high {
        return Err(OutOfRange::new(
            "idempotency_store_bytes",
            bytes,
            format!("{low} to {high} bytes ({} to {} MiB)", mib.start(), mib.end()),
        ));
    }
    Ok(())
}

/// `mib` MiB in bytes, saturating (the ranges above keep it far from the edge).
pub fn mib_to_bytes(mib: u64) -> usize {
    usize::try_from(mib.saturating_mul(1024 * 1024)).unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::{FaultPlan, FaultRoute};

    #[test]
    fn every_option_is_checked_and_named() {
        assert_eq!(check(&SandboxConfig::default()), Ok(()));
        let timeout =
            SandboxConfig { dispensation_timeout: Duration::from_secs(999_999_999_999), ..Default::default() };
        let error = check(&timeout).unwrap_err().to_string();
        assert!(error.starts_with("dispensation_timeout = ") && error.contains("1 to 604800 s"), "{error}");
        let approve = SandboxConfig { remote_auto_approve: Some(Duration::from_secs(300)), ..Default::default() };
        assert_eq!(check(&approve).unwrap_err().option, "remote_auto_approve");
        for secs in [0, 30 * 24 * 3600 + 1] {
            let decision = SandboxConfig { settlement_decision_delay: Duration::from_secs(secs), ..Default::default() };
            assert_eq!(check(&decision).unwrap_err().option, "settlement_decision_delay");
        }
        for secs in [0, 7 * 24 * 3600 + 1] {
            let decision =
                SandboxConfig { authorization_decision_delay: Duration::from_secs(secs), ..Default::default() };
            assert_eq!(check(&decision).unwrap_err().option, "authorization_decision_delay");
        }
        let import = SandboxConfig { posos_auto_import: Some(Duration::from_secs(601)), ..Default::default() };
        assert_eq!(check(&import).unwrap_err().option, "posos_auto_import");
        let latency = FaultPlan::none().with(FaultRoute::All, FaultKind::LatencyMs(u64::MAX));
        let faults = SandboxConfig { faults: latency, ..Default::default() };
        assert!(check(&faults).unwrap_err().to_string().contains("0 to 600000 ms"));
        let tiny = SandboxConfig { idempotency_store_bytes: 10, ..Default::default() };
        assert_eq!(check(&tiny).unwrap_err().option, "idempotency_store_bytes");
        assert_eq!(
            in_range("x", 5, &(1..=4), "s").unwrap_err().to_string(),
            "x = 5 is out of range: expected 1 to 4 s"
        );
    }
}
