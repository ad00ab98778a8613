//! After a lane's run, with the faults off: the server's truth (every dispensation, by paging through the list;
//! what each code has claimed) against the journal and against what the clerk was shown.
//!
//! 1. every dispensation the server COMPLETED is COMPLETED in the journal;
//! 2. none was completed twice: each completion delivered exactly what the clerk sent, and each code claimed
//!    exactly the sum of the completions the clerk was shown Done for;
//! 3. none is left STARTED (in the journal, or on the server);
//! 4. the clerk was never shown Done without a server COMPLETED, nor "failed" for one the server completed.

use std::collections::{BTreeMap, HashMap};

use mostrador::counter::{NextStep, Recovered};
use mostrador::journal::Entry;
use mostrador::osigu::client::ListQuery;
use mostrador::osigu::model::{Dispensation, DispensationStatus};

use crate::clerk::Outcome;
use crate::driver::client;
use crate::issue;
use crate::lane::{AUTHORIZATIONS, LaneRun};

/// What the audit of one lane found.
#[derive(Default)]
pub struct Audit {
    pub violations: Vec<String>,
    pub server_total: usize,
    pub server_completed: usize,
    pub server_cancelled: usize,
    /// What start-up recovery settled, when the clerk's flows legitimately left something unfinished.
    pub recovered: Vec<(String, Recovered)>,
    /// Problems offering a retry that the clerk saw on the finalize step of a dispensation that completed.
    pub transient_on_finalize: usize,
}

fn units_by_line(dispensation: &Dispensation) -> BTreeMap<String, u32> {
    dispensation
        .products
        .iter()
        .map(|line| (line.id.as_ref().map(|id| id.as_str().to_owned()).unwrap_or_default(), line.units()))
        .filter(|(_, units)| *units > 0)
        .collect()
}

fn add(into: &mut BTreeMap<String, u32>, from: impl IntoIterator<Item = (String, u32)>) {
    for (line, units) in from {
        if units > 0 {
            *into.entry(line).or_default() += units;
        }
    }
}

fn story(outcome: &Outcome) -> String {
    let mut text = format!("{}; ids {:?}\n", outcome.label(), outcome.ids);
    for line in &outcome.log {
        text.push_str("      ");
        text.push_str(line);
        text.push('\n');
    }
    text
}

/// Audits one lane.
pub async fn audit(run: &LaneRun) -> Audit {
    let mut audit = Audit::default();
    let driver = &run.clerk.driver;
    let server = client(driver.sandbox.base_url());
    let journal = &driver.journal;
    let lane = run.clerk.lane;

    // Anything the clerk's flows left unfinished must be explained by what the clerk was told (a cancel that
    // failed: "it will lapse by itself"); only then does the start-up recovery settle it, as the next start would.
    let unfinished = journal.unfinished().expect("journal");
    if !unfinished.is_empty() {
        let mut legitimate = true;
        for entry in &unfinished {
            let owner = run.outcomes.iter().find(|o| o.ids.iter().any(|id| id.as_str() == entry.dispensation_id));
            match owner {
                Some(outcome) if outcome.cancel_failed => {}
                Some(outcome) => {
                    legitimate = false;
                    audit.violations.push(format!(
                        "lane {lane}: {} left {} in the journal without the clerk being told why\n{}",
                        entry.dispensation_id,
                        entry.status,
                        story(outcome)
                    ));
                }
                None => {
                    legitimate = false;
                    audit.violations.push(format!(
                        "lane {lane}: {} ({}) left {} in the journal by no dispensation the clerk saw",
                        entry.dispensation_id, entry.code, entry.status
                    ));
                }
            }
        }
        if legitimate {
            let found = mostrador::runtime::recover(journal, &server).await;
            audit.recovered = found.into_iter().map(|r| (format!("lane {lane}"), r)).collect();
        }
    }

    // The server's every dispensation.
    let mut all: HashMap<String, Dispensation> = HashMap::new();
    let mut page = 0;
    loop {
        let query = ListQuery { page, size: 50, ..ListQuery::default() };
        let listed = server.dispensations(&query).await.expect("list dispensations");
        for dispensation in listed.content {
            all.insert(dispensation.dispensation_id.as_str().to_owned(), dispensation);
        }
        page += 1;
        if page >= listed.page.total_pages {
            break;
        }
    }
    audit.server_total = all.len();
    let entries: HashMap<String, Entry> = journal
        .dispensations(None, None)
        .expect("journal")
        .into_iter()
        .map(|entry| (entry.dispensation_id.clone(), entry))
        .collect();
    let owner_of = |id: &str| run.outcomes.iter().find(|o| o.ids.iter().any(|seen| seen.as_str() == id));
    let done_for = |id: &str| {
        run.outcomes.iter().filter(|o| o.done.as_ref().is_some_and(|d| d.dispensation_id.as_str() == id)).count()
    };

    for (id, dispensation) in &all {
        let entry = entries.get(id);
        match dispensation.status {
            DispensationStatus::Completed => {
                audit.server_completed += 1;
                // (1) COMPLETED on the server ⇒ COMPLETED in the journal.
                if entry.map(|e| e.status.as_str()) != Some("COMPLETED") {
                    let owner = owner_of(id).map(story).unwrap_or_default();
                    audit.violations.push(format!(
                        "lane {lane}: {id} ({:?}) is COMPLETED on the server but {:?} in the journal\n{owner}",
                        dispensation.code,
                        entry.map(|e| e.status.clone())
                    ));
                }
                // (4) COMPLETED on the server ⇒ the clerk saw Done for it, exactly once, and no refusal on finalize.
                match done_for(id) {
                    1 => {}
                    n => {
                        let owner = owner_of(id).map(story).unwrap_or_else(|| "no clerk saw it".to_owned());
                        audit.violations.push(format!(
                            "lane {lane}: {id} ({:?}) is COMPLETED on the server; the clerk was shown Done for it {n} \
                             times\n{owner}",
                            dispensation.code
                        ));
                    }
                }
                if let Some(owner) = owner_of(id) {
                    for shown in owner.problems.iter().filter(|s| s.on_finalize) {
                        if shown.problem.next == NextStep::Retry {
                            audit.transient_on_finalize += 1;
                        } else {
                            audit.violations.push(format!(
                                "lane {lane}: {id} is COMPLETED on the server but the clerk was shown {:?} ({:?}) on \
                                 finalize\n{}",
                                shown.problem.kind,
                                shown.problem.next,
                                story(owner)
                            ));
                        }
                    }
                    // (2) this completion delivered what the clerk sent: one completion's worth.
                    let sent: BTreeMap<String, u32> =
                        owner.intended.clone().unwrap_or_default().into_iter().filter(|(_, u)| *u > 0).collect();
                    let delivered = units_by_line(dispensation);
                    if sent != delivered {
                        audit.violations.push(format!(
                            "lane {lane}: {id} delivered {delivered:?} but the clerk sent {sent:?}\n{}",
                            story(owner)
                        ));
                    }
                }
            }
            DispensationStatus::Cancelled => audit.server_cancelled += 1,
            // (3) nothing left STARTED on the server.
            _ => {
                let owner = owner_of(id).map(story).unwrap_or_else(|| "no clerk saw it".to_owned());
                audit.violations.push(format!(
                    "lane {lane}: {id} ({:?}) is left {:?} on the server\n{owner}",
                    dispensation.code, dispensation.status
                ));
            }
        }
    }

    // (4) Done ⇒ COMPLETED on the server (and in the journal).
    for outcome in &run.outcomes {
        if let Some(done) = &outcome.done {
            let id = done.dispensation_id.as_str();
            let status = all.get(id).map(|d| d.status);
            if status != Some(DispensationStatus::Completed) {
                audit.violations.push(format!(
                    "lane {lane}: the clerk was shown Done for {id} but the server has it {status:?}\n{}",
                    story(outcome)
                ));
            }
        }
        // Leaving cancels on the server (unless the counter said the cancel failed).
        if outcome.left && !outcome.cancel_failed {
            for id in &outcome.ids {
                let status = all.get(id.as_str()).map(|d| d.status);
                let journal = entries.get(id.as_str()).map(|e| e.status.as_str());
                if status != Some(DispensationStatus::Cancelled) || journal != Some("CANCELLED") {
                    audit.violations.push(format!(
                        "lane {lane}: the clerk left {id}, but the server has it {status:?} and the journal {journal:?}\n{}",
                        story(outcome)
                    ));
                }
            }
        }
        // Nothing lost: every dispensation the clerk had on screen is in the journal and known to the server.
        for id in &outcome.ids {
            if !entries.contains_key(id.as_str()) || !all.contains_key(id.as_str()) {
                audit.violations.push(format!(
                    "lane {lane}: {id} was on screen but is missing from the {}\n{}",
                    if entries.contains_key(id.as_str()) { "server" } else { "journal" },
                    story(outcome)
                ));
            }
        }
    }

    // (3) nothing left STARTED in the journal.
    for entry in journal.unfinished().expect("journal") {
        audit.violations.push(format!(
            "lane {lane}: {} ({}) is still {} in the journal after the run{}",
            entry.dispensation_id,
            entry.code,
            entry.status,
            if audit.recovered.is_empty() { "" } else { " and its recovery" }
        ));
    }

    // (2) Per code: what it claimed during the run = Σ the server's completions = Σ what the clerk saw Done.
    let completed_units = |code: &str| {
        let mut sum = BTreeMap::new();
        for dispensation in all.values() {
            if dispensation.status == DispensationStatus::Completed && dispensation.code.as_deref() == Some(code) {
                add(&mut sum, units_by_line(dispensation));
            }
        }
        sum
    };
    let done_units = |code: &str| {
        let mut sum = BTreeMap::new();
        for outcome in run.outcomes.iter().filter(|o| o.code == code && o.done.is_some()) {
            add(&mut sum, outcome.intended.clone().unwrap_or_default());
        }
        sum
    };
    let mut mismatches = Vec::new();
    let mut check = |code: &str, claimed: BTreeMap<String, u32>| {
        let (server, clerk) = (completed_units(code), done_units(code));
        if claimed != server || server != clerk {
            mismatches.push(format!(
                "lane {lane}: {code} claimed {claimed:?} during the run; the server's completions deliver {server:?}; \
                 the clerk was shown Done for {clerk:?}"
            ));
        }
    };
    let mut check_errors = Vec::new();
    for (code, _, beneficiary) in AUTHORIZATIONS {
        let before = &run.initial[code];
        match issue::claims(&server, code, beneficiary, Some(before)).await {
            Ok((after, _)) => {
                let claimed = after
                    .iter()
                    .map(|(line, (_, claimed))| (line.clone(), claimed - before.get(line).map_or(0, |(_, c)| *c)))
                    .filter(|(_, units)| *units > 0)
                    .collect();
                check(code, claimed);
            }
            Err(error) => check_errors.push(format!("lane {lane}: {code} cannot be read after the run: {error}")),
        }
    }
    for issued in &run.issued {
        let dispensed = issue::dispensed(&run.clerk.raw, issued).await.into_iter().filter(|(_, u)| *u > 0).collect();
        check(&issued.code, dispensed);
    }
    audit.violations.extend(mismatches);
    audit.violations.extend(check_errors);
    audit
}
