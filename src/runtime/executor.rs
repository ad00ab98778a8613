//! Runs the core's effects: each Osigu call on its own task, with the result sent back as a message tagged
//! with the effect's request id (the core drops replies it no longer awaits). Never blocks the caller.

use std::sync::Arc;
use std::time::Instant;

use tokio::sync::mpsc;

use crate::counter::{Call, Effect, HistoryRow, Msg, Reply};
use crate::journal::Journal;
use crate::osigu::client::OsiguClient;
use crate::osigu::error::ClientError;

use super::capture::Capture;
use super::health::HealthLog;
use super::invoices::InvoiceBook;

/// What the caller should do after an effect.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Control {
    Continue,
    /// The core is done: exit.
    Quit,
}

/// The runtime's hands.
pub struct Executor {
    client: OsiguClient,
    capture: Capture,
    invoices: InvoiceBook,
    results: mpsc::UnboundedSender<Msg>,
    /// Where each call's time and reachability are noted, for the status bar.
    health: Option<Arc<HealthLog>>,
    /// Where each step of a dispensation is kept.
    journal: Option<Journal>,
}

impl Executor {
    /// An executor and the stream of result messages to feed back into `update`.
    pub fn new(client: OsiguClient, capture: Capture, invoices: InvoiceBook) -> (Self, mpsc::UnboundedReceiver<Msg>) {
        let (results, receiver) = mpsc::unbounded_channel();
        (Self { client, capture, invoices, results, health: None, journal: None }, receiver)
    }

    /// Keeps the core's records in `journal`.
    pub fn with_journal(self, journal: Journal) -> Self {
        Self { journal: Some(journal), ..self }
    }

    /// Notes every call in `health`.
    pub fn with_health(self, health: Arc<HealthLog>) -> Self {
        Self { health: Some(health), ..self }
    }

    /// Starts `effect`; its result arrives later on the receiver. Must run inside a tokio runtime.
    pub fn run(&self, effect: Effect) -> Control {
        match effect {
            Effect::Quit => return Control::Quit,
            // Written here, before the next effect starts: a finalize intent is on disk before its request leaves.
            Effect::Journal(record) => {
                super::test_hooks::before_record(&record);
                if let Some(journal) = &self.journal
                    && let Err(error) = journal.record(&record)
                {
                    tracing::error!(error = %error, step = record.event.step(), "the journal could not be written");
                }
            }
            Effect::Call { id, call } => {
                tracing::debug!(request = id.0, call = call.name(), "call");
                super::test_hooks::before_call(&call);
                let client = self.client.clone();
                let results = self.results.clone();
                let health = self.health.clone();
                tokio::spawn(async move {
                    let began = Instant::now();
                    let reply = perform(&client, *call).await;
                    if let Some(health) = health {
                        let reached = !matches!(
                            reply,
                            Err(ClientError::Connect { .. }
                                | ClientError::Tls { .. }
                                | ClientError::Broken { .. }
                                | ClientError::Timeout { .. })
                        );
                        health.record(began.elapsed(), reached);
                    }
                    // A closed receiver means the counter is gone; the result no longer matters.
                    let _ = results.send(Msg::Replied { id, reply });
                });
            }
            Effect::CaptureFingerprint { id, beneficiary_id } => {
                let capture = self.capture.clone();
                let results = self.results.clone();
                tokio::spawn(async move {
                    let sample = capture.capture(beneficiary_id.as_str()).await;
                    let _ = results.send(Msg::Captured { id, sample });
                });
            }
            Effect::NextInvoiceNumber { id, prefix } => {
                let number = self.invoices.next(&prefix);
                let _ = self.results.send(Msg::InvoiceNumber { id, number });
            }
            Effect::LoadHistory { id, since } => {
                let rows = match &self.journal {
                    Some(journal) => history_rows(journal, since),
                    None => Ok(Vec::new()),
                };
                let _ = self.results.send(Msg::HistoryLoaded { id, rows });
            }
            Effect::InvoiceUsed { prefix, number } => {
                if let Err(error) = self.invoices.used(&prefix, &number) {
                    tracing::warn!(error = %error, "the invoice counter could not be saved");
                }
            }
        }
        Control::Continue
    }
}

/// One call, typed reply in, [`Reply`] out.
async fn perform(client: &OsiguClient, call: Call) -> Result<Reply, ClientError> {
    Ok(match call {
        Call::Sponsors => Reply::Sponsors(client.sponsors().await?),
        Call::Configuration { sponsor_slug, product_type } => {
            Reply::Configuration(Box::new(client.sponsor_configuration(&sponsor_slug, product_type).await?))
        }
        Call::Forms { sponsor_slug } => Reply::Forms(client.forms(&sponsor_slug).await?),
        Call::Search { sponsor_slug, fields } => {
            Reply::Beneficiary(Box::new(client.search(&sponsor_slug, &fields).await?))
        }
        Call::Start { request, key } => Reply::Dispensation(Box::new(client.start(&request, &key).await?)),
        Call::Get { id } => Reply::Dispensation(Box::new(client.dispensation(&id).await?)),
        Call::Update { id, request, key } => Reply::Dispensation(Box::new(client.update(&id, &request, &key).await?)),
        Call::VerificationStatus { id } => Reply::VerificationStatus(client.verification_status(&id).await?),
        Call::Biometric { id, sample, key } => Reply::Biometric(client.biometric(&id, &sample, &key).await?),
        Call::Challenge { id, request, key } => Reply::Challenge(client.challenge(&id, &request, &key).await?),
        Call::Complete { id, request, key } => {
            Reply::Dispensation(Box::new(client.complete(&id, &request, &key).await?))
        }
        Call::Cancel { id, request, key } => Reply::Dispensation(Box::new(client.cancel(&id, &request, &key).await?)),
        Call::SendOtp { request, key } => Reply::OtpSent(client.send_otp(&request, &key).await?),
        Call::ValidateOtp { request, key } => Reply::OtpValidated(client.validate_otp(&request, &key).await?),
    })
}

/// The journal's dispensations since `since`, as the history screen lists them.
fn history_rows(journal: &Journal, since: time::OffsetDateTime) -> Result<Vec<HistoryRow>, String> {
    let entries = journal.dispensations(Some(since), None).map_err(|error| error.to_string())?;
    Ok(entries
        .into_iter()
        .map(|entry| HistoryRow {
            started_at: entry.started_at,
            code: entry.code,
            code_type: entry.code_type,
            sponsor_slug: entry.sponsor_slug,
            status: entry.status,
            amount: entry.amount,
            currency: entry.currency,
            claim_id: entry.claim_id.map(crate::osigu::model::Id::new),
        })
        .collect())
}
