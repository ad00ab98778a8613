//! Start-up recovery: before the counter opens, every dispensation this terminal's journal left unfinished is
//! settled with the server's truth. COMPLETED is recorded; STARTED with a finalize intent has that same
//! completion sent again with the same Idempotency-Key (it cannot complete twice); STARTED without an intent is
//! cancelled, so no orphan holds a code; one the server already ended is recorded as ended. The clerk is then
//! shown what was found.

use std::time::Duration;

use time::OffsetDateTime;

use crate::counter::{Event, Record, Recovered, Recovery};
use crate::journal::{Entry, Journal};
use crate::osigu::client::OsiguClient;
use crate::osigu::error::{ClientError, IdempotencyKey};
use crate::osigu::model::{CancelRequest, CompleteRequest, Dispensation, DispensationStatus, ErrorCode, Id};

/// How long recovery may keep the counter from opening; what is left is tried at the next start.
const BUDGET: Duration = Duration::from_secs(20);

/// Settles every unfinished dispensation of `journal` with the server and says what became of each.
pub async fn recover(journal: &Journal, client: &OsiguClient) -> Vec<Recovered> {
    let entries = match journal.unfinished() {
        Ok(entries) => entries,
        Err(error) => {
            tracing::error!(error = %error, "the journal could not be read for recovery");
            return Vec::new();
        }
    };
    let deadline = tokio::time::Instant::now() + BUDGET;
    let mut found = Vec::with_capacity(entries.len());
    for entry in entries {
        let outcome = match tokio::time::timeout_at(deadline, settle(journal, client, &entry)).await {
            Ok(outcome) => outcome,
            Err(_) => Recovery::Unreachable,
        };
        tracing::info!(dispensation = %entry.dispensation_id, ?outcome, "recovered");
        found.push(Recovered { code: entry.code, outcome });
    }
    found
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
    let record = Record {
        at: OffsetDateTime::now_utc(),
        dispensation_id: Id::new(entry.dispensation_id.clone()),
        code: entry.code.clone(),
        event,
    };
    if let Err(error) = journal.record(&record) {
        tracing::error!(error = %error, "recovery could not write the journal");
    }
}
