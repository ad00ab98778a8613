//! One counter lane: a terminal (core, executor, client, journal) with its own sandbox, its codes issued and
//! read with the faults off, then its share of the dispensations done by the clerk with the faults on.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use mostrador::counter::Settings;
use mostrador::runtime::Capture;
use mostrador::sandbox::{Clock, FaultPlan, SandboxConfig};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use time::OffsetDateTime;

use crate::clerk::{ARS_BENEFICIARY, Clerk, Kind, Outcome, Planned};
use crate::driver::{Driver, Setup, client, unique};
use crate::issue::{self, Claims, Issued, Raw};

/// The seed's authorizations a clerk can dispense again and again (partially), with how each is verified and,
/// for the sponsor that identifies first, the beneficiary a probe starts it for.
pub const AUTHORIZATIONS: [(&str, Kind, Option<&str>); 6] = [
    ("AUTH-2026-000101", Kind::NoVerification, None),
    ("AUTH-2026-000102", Kind::Otp, None),
    ("AUTH-2026-000106", Kind::Otp, None),
    ("AUTH-2026-000103", Kind::Fingerprint, None),
    ("AUTH-2026-000104", Kind::Facial, None),
    ("AUTH-2026-000105", Kind::IdentifyThenOtp, Some(ARS_BENEFICIARY)),
];

/// How one lane's dispensations are shared out, per 50: 8 sponsor-sandbox, 7 + 4 OTP, 8 fingerprint, 2 facial
/// (its authorization holds two units), 7 identify-then-OTP, and the rest fresh cash prescriptions.
fn mix(count: usize) -> Vec<(&'static str, usize)> {
    let share = |per_fifty: usize| per_fifty * count / 50;
    vec![
        ("AUTH-2026-000101", share(8)),
        ("AUTH-2026-000102", share(7)),
        ("AUTH-2026-000106", share(4)),
        ("AUTH-2026-000103", share(8)),
        ("AUTH-2026-000104", share(2).min(2)),
        ("AUTH-2026-000105", share(7)),
    ]
}

/// One customer in this many leaves at the review.
const WALK_AWAY_EVERY: usize = 20;

/// A lane's run, kept for the audit.
pub struct LaneRun {
    pub clerk: Clerk,
    pub outcomes: Vec<Outcome>,
    pub issued: Vec<Issued>,
    /// Authorization code → its claims before the run.
    pub initial: BTreeMap<String, Claims>,
    /// Dispensations the test itself started to read claims (cancelled at once), not the clerk's.
    pub probes: Vec<String>,
    /// Wall time of the dispensing alone (codes issued and read before it, audit after it).
    pub dispensing: std::time::Duration,
}

/// Opens lane `lane` on `data_dir` (shared with another lane, as two counters of one store server share it: each
/// holds its own till), issues and reads its codes, turns `faults` on and dispenses `count` times.
pub async fn run(lane: usize, count: usize, fault_seed: u64, faults: FaultPlan, data_dir: PathBuf) -> LaneRun {
    let now = OffsetDateTime::now_utc().replace_nanosecond(0).expect("whole second");
    let config = SandboxConfig {
        clock: Clock::frozen_at(now),
        // The beneficiary approves facial checks on the phone; nothing approves itself.
        remote_auto_approve: None,
        faults: FaultPlan::none(),
        fault_seed,
        id_seed: Some(1000 + lane as u64),
        ..SandboxConfig::default()
    };
    // The two lanes of a data directory share its invoice series: the journal must never give both one number.
    let settings = Settings { invoice_prefix: format!("C{}-", lane / 2), key_nonce: unique(), ..Settings::default() };
    let setup = Setup { data_dir: Some(data_dir), till: format!("caja-{}", lane % 2 + 1), ..Setup::default() };
    let driver = Driver::start_with(config, Capture::Sandbox, settings, setup).await;
    let raw = Raw::connect(driver.sandbox.base_url()).await;
    let mut rng = StdRng::seed_from_u64(fault_seed ^ 0x00C0_FFEE);

    // Codes, with the faults off: fresh prescriptions, and what each authorization has claimed so far.
    let authorizations: usize = mix(count).iter().map(|(_, n)| n).sum();
    let issued = issue::prescriptions(&raw, lane, count - authorizations, &mut rng).await;
    let server = client(driver.sandbox.base_url());
    let mut initial = BTreeMap::new();
    let mut probes = Vec::new();
    for (code, _, beneficiary) in AUTHORIZATIONS {
        let (claims, probe) = issue::claims(&server, code, beneficiary, None).await.expect("initial claims");
        initial.insert(code.to_owned(), claims);
        probes.push(probe);
    }

    let mut plan: Vec<Planned> =
        issued.iter().map(|rx| Planned { code: rx.code.clone(), kind: Kind::Cash, walk_away: false }).collect();
    for (code, n) in mix(count) {
        let kind = AUTHORIZATIONS.iter().find(|(c, _, _)| *c == code).map(|(_, kind, _)| *kind).expect("kind");
        plan.extend((0..n).map(|_| Planned { code: code.to_owned(), kind, walk_away: false }));
    }
    plan.shuffle(&mut rng);
    // One customer in twenty changes their mind on the review: the clerk cancels (leaving cancels on the server).
    for planned in plan.iter_mut().skip(WALK_AWAY_EVERY / 2).step_by(WALK_AWAY_EVERY) {
        planned.walk_away = true;
    }

    let mut clerk = Clerk::new(driver, lane, raw, rng);
    clerk.driver.sandbox.faults().set(faults);
    let began = Instant::now();
    let mut outcomes = Vec::with_capacity(plan.len());
    for (index, planned) in plan.iter().enumerate() {
        outcomes.push(clerk.dispense(index, planned).await);
    }
    let dispensing = began.elapsed();
    clerk.driver.sandbox.faults().set(FaultPlan::none());
    LaneRun { clerk, outcomes, issued, initial, probes, dispensing }
}
