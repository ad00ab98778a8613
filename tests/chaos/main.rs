//! Chaos (issue 5, point 5): 200 dispensations driven by a clerk through the real core, executor, HTTP client
//! and journal, against sandboxes that inject latency, 5xx replies, dropped connections and commit-then-drop
//! (fixed seeds); afterwards the servers' truth is audited against the journals and against what the clerk
//! was shown — "Nothing lost, nothing doubled" (DESIGN.md).
//!
//! The dispensations run on [`LANES`] counters at once, each with its own sandbox (the shared driver starts one
//! per counter), so that the client's real-time pauses (a JSON 5xx carries `Retry-After: 1`, which the client
//! honours) overlap instead of adding up. Two counters share each data directory, as two clerks on one store
//! server do: one journal file, two connections, two tills, one invoice series, whose numbers must never repeat. Every counter gets the same mix: the five scenario sponsors (none,
//! OTP, fingerprint, facial, identify-then-OTP), their authorizations dispensed a few units at a time so that
//! each lasts for many dispensations, and fresh cash prescriptions issued through the ePrescription API.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test crate: its helpers unwrap, as `clippy.toml` lets its tests

use mostrador::test_support::driver;

mod audit;
mod clerk;
mod issue;
mod lane;
mod tally;

use std::time::Instant;

use mostrador::sandbox::FaultPlan;

/// Counters dispensing at once, each against its own sandbox.
const LANES: usize = 4;
/// Dispensations per counter.
const PER_LANE: usize = 50;
/// The fault generator's seed; lane `n` uses `FAULT_SEED + n`.
const FAULT_SEED: u64 = 20_260_505;
/// The faults, on every Osigu route (the sandbox's own extras are never faulted). The kinds are rolled in this
/// order per request: 5xx 10% (half JSON with `Retry-After: 1`, half a proxy's HTML 502), else a drop 10%, else
/// commit-then-drop 15%: about a third of all requests fail one way or another. `complete`, the call the
/// properties are about, gets 20% of each (about half its requests fail), so that the client's three tries
/// are often all lost and the core's own protocol (GET, the same completion again) has to finish the job.
const FAULTS: [&str; 9] = [
    "*:latency-ms=2",
    "*:jitter-ms=8",
    "*:error-5xx=0.1",
    "*:drop=0.1",
    "*:commit-then-drop=0.15",
    "complete:error-5xx=0.2",
    "complete:drop=0.2",
    "complete:commit-then-drop=0.2",
    // A start whose reply is lost leaves a dispensation holding the code: found again from its intent on disk.
    "start:commit-then-drop=0.2",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_dispensations_under_faults_lose_nothing_and_double_nothing() {
    tally::install();
    let began = Instant::now();
    let faults = FaultPlan::parse(FAULTS).expect("fault plan");
    let stores: Vec<std::path::PathBuf> = (0..LANES.div_ceil(2))
        .map(|store| std::env::temp_dir().join(format!("mostrador-chaos-{}-{store}", driver::unique())))
        .collect();
    let lanes: Vec<_> = (0..LANES)
        .map(|lane| {
            let store = stores[lane / 2].clone();
            tokio::spawn(lane::run(lane, PER_LANE, FAULT_SEED + lane as u64, faults.clone(), store))
        })
        .collect();
    let mut runs = Vec::new();
    for lane in lanes {
        runs.push(lane.await.expect("lane"));
    }
    let dispensing = runs.iter().map(|run| run.dispensing).max().unwrap_or_default();
    let counts = tally::snapshot();

    let mut violations = Vec::new();
    let (mut completed, mut cancelled_on_server, mut recovered, mut transient) = (0, 0, Vec::new(), 0);
    for run in &runs {
        let audit = audit::audit(run).await;
        completed += audit.server_completed;
        cancelled_on_server += audit.server_cancelled - run.probes.len();
        transient += audit.transient_on_finalize;
        recovered.extend(audit.recovered);
        violations.extend(audit.violations);
    }

    let outcomes: Vec<&clerk::Outcome> = runs.iter().flat_map(|run| &run.outcomes).collect();
    let done = outcomes.iter().filter(|o| o.done.is_some()).count();
    let left = outcomes.iter().filter(|o| o.left).count();
    let gave_up: Vec<String> =
        outcomes.iter().filter_map(|o| o.gave_up.as_ref().map(|why| format!("{}: {why}", o.label()))).collect();
    let retries: u32 = outcomes.iter().map(|o| o.retries).sum();
    let waited: i64 = outcomes.iter().map(|o| o.waited).sum();
    let completes: usize = outcomes.iter().map(|o| o.completes).sum();
    let confirms: usize = outcomes.iter().map(|o| o.confirms).sum();
    let unknown = outcomes.iter().filter(|o| o.confirms > 0).count();
    let mut kinds = std::collections::BTreeMap::new();
    for outcome in &outcomes {
        let entry = kinds.entry(format!("{:?}", outcome.kind)).or_insert((0, 0));
        entry.0 += usize::from(outcome.done.is_some());
        entry.1 += 1;
    }
    let mut shown = std::collections::BTreeMap::new();
    for problem in outcomes.iter().flat_map(|o| &o.problems) {
        let kind = format!("{:?}", problem.problem.kind);
        let name = kind.split([' ', '{', '(']).next().unwrap_or_default();
        *shown.entry(format!("{name} on {}", problem.step)).or_insert(0) += 1;
    }

    eprintln!("chaos: done/total by verification {kinds:?}");
    eprintln!("chaos: problems the clerk saw {shown:?}; {transient} with a retry on the finalize of a completed one");
    eprintln!(
        "chaos: finalize: {completes} complete requests from the core, {unknown} dispensations whose completion's \
         outcome was unknown to the core, {confirms} confirming GETs"
    );
    for why in &gave_up {
        eprintln!("chaos: gave up: {why}");
    }
    for (lane, found) in &recovered {
        eprintln!("chaos: recovered on {lane}: {found:?}");
    }
    for warning in &counts.warnings {
        eprintln!("chaos: logged {warning}");
    }
    eprintln!(
        "chaos: {} dispensations on {LANES} counters, {done} completed (server: {completed}), {left} cancelled by the \
         clerk (server: {cancelled_on_server}), {} faults injected ({} 5xx of which {} JSON, {} drops, {} commit-then-drop), {} client \
         retries, {retries} clerk retries, {} confirmations put off, {waited} s of counter time waited, {} warnings; \
         dispensing {:.1} s ({:.2} s per dispensation per counter), wall {:.1} s; faults {faults} seed \
         {FAULT_SEED}+lane",
        outcomes.len(),
        counts.faults(),
        counts.injected_5xx,
        counts.injected_5xx_json,
        counts.injected_drop,
        counts.injected_commit_then_drop,
        counts.client_retries,
        counts.confirm_later,
        counts.warning_count,
        dispensing.as_secs_f64(),
        dispensing.as_secs_f64() / PER_LANE as f64,
        began.elapsed().as_secs_f64(),
    );
    // One invoice series per store, written by two tills at once: never a number twice.
    let (mut invoices, mut duplicates) = (0, 0);
    for store in &stores {
        let reader = mostrador::journal::Journal::open_read_only(store, &mostrador::journal::Place::new("audit", "-"))
            .expect("the store's journal");
        let mut numbers: Vec<String> = reader
            .dispensations(None, None)
            .expect("journal")
            .into_iter()
            .filter(|entry| entry.status == "COMPLETED")
            .filter_map(|entry| entry.invoice_number)
            .collect();
        let issued = numbers.len();
        numbers.sort();
        numbers.dedup();
        invoices += issued;
        duplicates += issued - numbers.len();
        if numbers.len() != issued {
            violations.push(format!("{}: {} invoice numbers issued twice", store.display(), issued - numbers.len()));
        }
        let _ = std::fs::remove_dir_all(store);
    }
    eprintln!("chaos: {invoices} invoice numbers issued by two tills per journal, {duplicates} duplicates");
    assert_eq!(outcomes.len(), LANES * PER_LANE);
    assert!(violations.is_empty(), "{} violations:\n{}", violations.len(), violations.join("\n"));
    assert!(counts.faults() > 0, "the faults were injected");
}
