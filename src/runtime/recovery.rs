//! Start-up recovery: before the counter opens, everything this till left unfinished is settled with the server's
//! truth. Only this till's rows are read: another till's belong to a live counter (which holds its lock) or to the
//! next counter that takes that till.
//! - A dispensation: COMPLETED is recorded; STARTED with a finalize intent has that same completion sent again with
//!   the same Idempotency-Key (it cannot complete twice); STARTED without one, or with a cancel intent, is
//!   cancelled, so no orphan holds a code; one the server already ended is recorded as ended.
//! - A start whose reply was never learned: sent again with its key (the server answers with the dispensation it
//!   made, if it made one), and what it started is cancelled. A refusal means it never started.
//! - Invoice numbers this till held on screen are released.
//!
//! The clerk is then shown what was found.

use std::time::Duration;

use time::OffsetDateTime;

use crate::counter::PaperSend;
use crate::counter::{Event, Record, Recovered, Recovery};
use crate::journal::{Entry, Journal, LooseStart, PaperState};
use crate::osigu::client::OsiguClient;
use crate::osigu::error::{ClientError, IdempotencyKey};
use crate::osigu::model::{CancelRequest, CompleteRequest, Dispensation, DispensationStatus, ErrorCode, Id};

/// How long recovery may keep the counter from opening; what is left is tried at the next start.
const BUDGET: Duration = Duration::from_secs(20);

/// Settles every unfinished dispensation and start of this till with the server and says what became of each.
pub async fn recover(journal: &Journal, client: &OsiguClient) -> Vec<Recovered> {
    if let Err(error) = journal.release_held() {
        tracing::error!(error = %error, "the journal's held invoice numbers could not be released");
    }
    let deadline = tokio::time::Instant::now() + BUDGET;
    let mut found = Vec::new();
    match journal.loose_starts() {
        Ok(loose) => {
            for start in loose {
                let outcome = match tokio::time::timeout_at(deadline, settle_start(journal, client, &start)).await {
                    Ok(outcome) => outcome,
                    Err(_) => Some(Recovery::Unreachable),
                };
                tracing::info!(?outcome, "a start whose reply was lost, recovered");
                found.extend(outcome.map(|outcome| Recovered { code: start.code, outcome }));
            }
        }
        Err(error) => tracing::error!(error = %error, "the journal's starts could not be read for recovery"),
    }
    let entries = match journal.unfinished() {
        Ok(entries) => entries,
        Err(error) => {
            tracing::error!(error = %error, "the journal could not be read for recovery");
            return found;
        }
    };
    for entry in entries {
        let outcome = match tokio::time::timeout_at(deadline, settle(journal, client, &entry)).await {
            Ok(outcome) => outcome,
            Err(_) => Recovery::Unreachable,
        };
        tracing::info!(dispensation = %entry.dispensation_id, ?outcome, "recovered");
        found.push(Recovered { code: entry.code, outcome });
    }
    if tokio::time::timeout_at(deadline, settle_paper(journal, client)).await.is_err() {
        tracing::warn!("recovery could not learn every paper prescription's answer in time");
    }
    match journal.approved_not_started() {
        Ok(codes) => {
            found.extend(codes.into_iter().map(|code| Recovered { code, outcome: Recovery::PaperApproved }));
        }
        Err(error) => tracing::error!(error = %error, "the journal's paper prescriptions could not be read"),
    }
    found
}

/// Paper prescriptions whose pre-authorization was sent and never answered (the program died in between): sent
/// again with the same three keys, which repeats nothing on the server and learns its answer.
async fn settle_paper(journal: &Journal, client: &OsiguClient) {
    let entries = match journal.paper_requests(200) {
        Ok(entries) => entries,
        Err(error) => return tracing::error!(error = %error, "the journal's paper prescriptions could not be read"),
    };
    for entry in entries.into_iter().filter(|entry| entry.state == PaperState::Sent) {
        let Some(send) = entry.sent.as_deref().and_then(|sent| serde_json::from_str::<PaperSend>(sent).ok()) else {
            continue;
        };
        match super::executor::preauthorize(client, &send).await {
            Ok(crate::counter::Reply::AuthorizationRequest(request)) => {
                let codes: Vec<String> = request.codes().map(str::to_owned).collect();
                let state = super::executor::paper_state(request.status);
                let id = request.authorization_request_id.as_str();
                if let Err(error) = journal.paper_answered(OffsetDateTime::now_utc(), &entry.key, id, state, &codes) {
                    tracing::error!(error = %error, "recovery could not write the journal");
                }
            }
            Ok(_) => {}
            Err(error) => tracing::warn!(error = %error, "recovery could not learn a paper prescription's answer"),
        }
    }
}

/// One unfinished dispensation.
async fn settle(journal: &Journal, client: &OsiguClient, entry: &Entry) -> Recovery {
    let id = Id::new(entry.dispensation_id.clone());
    let dispensation = match client.dispensation(&id).await {
        Ok(dispensation) => dispensation,
        // Unknown to the server (a sandbox restarted, a purge): nothing holds the code.
        Err(error) if error.status() == Some(404) => return ended(journal, entry),
        Err(error) => {
            tracing::warn!(error = %error, "recovery could not ask the server");
            return Recovery::Unreachable;
        }
    };
    match dispensation.status {
        DispensationStatus::Completed => {
            keep(journal, entry, completed(&dispensation, entry));
            Recovery::Completed { claim_id: claim(&dispensation) }
        }
        DispensationStatus::Started if entry.status == "FINALIZING" => resume(journal, client, entry, &id).await,
        // No completion was sent, or cancelling it was decided (CANCELLING): it is never completed now.
        DispensationStatus::Started => cancel(journal, client, entry, &id, Recovery::Cancelled).await,
        _ => ended(journal, entry),
    }
}

/// Sends the recorded completion again, with its key. Verification tokens are never written to disk, so a
/// dispensation that needed one cannot be finished without the beneficiary: it is cancelled, to be redone.
async fn resume(journal: &Journal, client: &OsiguClient, entry: &Entry, id: &Id) -> Recovery {
    let (Some(key), Some(amount)) = (entry.idempotency_key.clone(), entry.amount) else {
        return cancel(journal, client, entry, id, Recovery::Redo).await;
    };
    let request = CompleteRequest {
        amount,
        document_number: entry.invoice_number.clone(),
        document_date: entry.invoice_date.clone(),
        document_serial: entry.invoice_serial.clone(),
        provider_transaction_id: None,
        otp_verification_token: None,
        biometric_verification_token: None,
        external_verifications: Vec::new(),
    };
    match client.complete(id, &request, &IdempotencyKey::new(key)).await {
        Ok(dispensation) if dispensation.status == DispensationStatus::Completed => {
            keep(journal, entry, completed(&dispensation, entry));
            Recovery::Resumed { claim_id: claim(&dispensation) }
        }
        Err(error) if error.code() == Some(&ErrorCode::AlreadyCompleted) => match error.completed_dispensation() {
            Some(dispensation) => {
                keep(journal, entry, completed(&dispensation, entry));
                Recovery::Completed { claim_id: claim(&dispensation) }
            }
            None => Recovery::Unreachable,
        },
        // The reply was lost: the server may have completed it; its word decides.
        Err(error) if unreachable(&error) => match client.dispensation(id).await {
            Ok(dispensation) if dispensation.status == DispensationStatus::Completed => {
                keep(journal, entry, completed(&dispensation, entry));
                Recovery::Resumed { claim_id: claim(&dispensation) }
            }
            _ => Recovery::Unreachable,
        },
        Ok(_) | Err(_) => cancel(journal, client, entry, id, Recovery::Redo).await,
    }
}

/// Cancels a dispensation nobody will finish, and says `outcome` once the server agrees.
async fn cancel(journal: &Journal, client: &OsiguClient, entry: &Entry, id: &Id, outcome: Recovery) -> Recovery {
    let key = IdempotencyKey::new(format!("mostrador-recovery-{}-cancel", entry.dispensation_id));
    // Decided before it is sent: a crash in between never lets a later start complete it instead.
    if let Err(error) = record(journal, entry, Event::CancelIntent { key: key.as_str().to_owned() }) {
        tracing::error!(error = %error, "recovery could not write the journal");
        return Recovery::Unreachable;
    }
    let request = CancelRequest { reason: Some("Recovered at the counter's start".to_owned()) };
    match client.cancel(id, &request, &key).await {
        Ok(_) => {
            keep(journal, entry, Event::Cancelled);
            outcome
        }
        // Already over on the server.
        Err(error) if error.already_ended() => ended(journal, entry),
        Err(error) => {
            tracing::warn!(error = %error, "recovery could not cancel");
            Recovery::Unreachable
        }
    }
}

/// A start sent with its key whose reply was never learned: the same request with the same key again. What it
/// started is put on record and cancelled; a refusal means nothing started (no line for the clerk). `None` when
/// there is nothing to tell.
async fn settle_start(journal: &Journal, client: &OsiguClient, start: &LooseStart) -> Option<Recovery> {
    let key = IdempotencyKey::new(start.key.clone());
    match client.start(&start.request, &key).await {
        Ok(dispensation) => {
            let started = Event::Started {
                code_type: dispensation.code_type,
                sponsor_slug: dispensation.sponsor_slug.clone(),
                start_key: Some(start.key.clone()),
            };
            let record = Record::about(&dispensation, started, OffsetDateTime::now_utc());
            if let Err(error) = journal.record(&record) {
                tracing::error!(error = %error, "recovery could not write the journal");
                return Some(Recovery::Unreachable);
            }
            let Ok(Some(entry)) = journal.dispensation(dispensation.dispensation_id.as_str()) else {
                return Some(Recovery::Unreachable);
            };
            match dispensation.status {
                DispensationStatus::Started => {
                    Some(cancel(journal, client, &entry, &dispensation.dispensation_id, Recovery::Cancelled).await)
                }
                // A replay can answer with the dispensation as it was then: the server's word now decides.
                _ => Some(settle(journal, client, &entry).await),
            }
        }
        Err(error) if unreachable(&error) => {
            tracing::warn!(error = %error, "recovery could not settle a start");
            Some(Recovery::Unreachable)
        }
        Err(error) => {
            tracing::info!(error = %error, "a start whose reply was lost had not started anything");
            if let Err(error) = journal.start_settled(&start.key) {
                tracing::error!(error = %error, "recovery could not write the journal");
            }
            None
        }
    }
}

fn ended(journal: &Journal, entry: &Entry) -> Recovery {
    keep(journal, entry, Event::Cancelled);
    Recovery::Ended
}

fn unreachable(error: &ClientError) -> bool {
    error.outcome_unknown() || error.is_transient()
}

fn claim(dispensation: &Dispensation) -> Option<Id> {
    dispensation.claim.as_ref().map(|claim| claim.claim_id.clone())
}

fn completed(dispensation: &Dispensation, entry: &Entry) -> Event {
    Event::completed(dispensation, entry.invoice_number.clone())
}

fn keep(journal: &Journal, entry: &Entry, event: Event) {
    if let Err(error) = record(journal, entry, event) {
        tracing::error!(error = %error, "recovery could not write the journal");
    }
}

fn record(journal: &Journal, entry: &Entry, event: Event) -> Result<(), crate::journal::JournalError> {
    journal.record(&Record {
        at: OffsetDateTime::now_utc(),
        dispensation_id: Id::new(entry.dispensation_id.clone()),
        code: entry.code.clone(),
        event,
        // No clerk has signed in yet when recovery runs; the dispensation keeps the clerk who started it.
        clerk: None,
    })
}
