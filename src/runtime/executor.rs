//! Runs the core's effects and feeds their results back as messages tagged with the effect's request id (the core
//! drops replies it no longer awaits). Never blocks the caller: each Osigu call runs on its own task, and every
//! journal write on the journal's own thread, in the order the core asked for them.
//!
//! The protocol that keeps nothing lost or done twice lives here, once: a guarded request (start, complete,
//! cancel) is handed to the journal thread, which writes its intent and only then starts the call. When the intent
//! cannot be written, a start or a completion is not sent at all (the core hears [`Msg::Unsent`]); a cancel is sent
//! anyway, since it can only lose a sale, never hand out medicine that is not on record.

use std::sync::Arc;
use std::sync::mpsc as std_mpsc;
use std::time::Instant;

use tokio::sync::mpsc;

use crate::counter::{
    Call, Effect, Guarded, HistoryQuery, HistoryRow, InvoiceRefusal, Msg, PaperSend, PososCall, PososReply, Reply,
    ReqId, RowStatus, SEARCH_LIMIT, Unsent, Write,
};
use crate::journal::{Journal, JournalError, PaperState};
use crate::osigu::client::OsiguClient;
use crate::osigu::error::ClientError;
use crate::osigu::model::AuthorizationRequestStatus;
use crate::posos::{PososClient, PososError};

use super::capture::Capture;
use super::health::HealthLog;

/// What the caller should do after an effect.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Control {
    Continue,
    /// The core is done: exit.
    Quit,
}

/// The runtime's hands.
pub struct Executor {
    hands: Arc<Hands>,
    /// The journal thread's queue; it ends when this is dropped.
    journal: std_mpsc::Sender<Job>,
}

/// What both the event loop's thread and the journal's thread use to start calls and answer the core.
struct Hands {
    client: OsiguClient,
    /// The journal, for PIN checks: each runs on a blocking thread of its own (Argon2 costs tens of milliseconds
    /// of CPU), never on the loop's thread nor in front of the journal thread's writes.
    journal: Journal,
    capture: Capture,
    results: mpsc::UnboundedSender<Msg>,
    /// Where each call's time and reachability are noted, for the status bar.
    health: Arc<HealthLog>,
    runtime: tokio::runtime::Handle,
    /// The receipt printer (`[receipt] printer`), once set; unset: none configured.
    printer: std::sync::OnceLock<crate::receipt::Printer>,
    /// POSOS Scan & Go (`[posos]`, or the embedded sandbox's stand-in), once set; unset: none.
    posos: std::sync::OnceLock<PososClient>,
}

/// Work for the journal thread.
enum Job {
    Write { id: ReqId, write: Write },
    Send { id: ReqId, send: Box<Guarded> },
    Hold { id: ReqId, prefix: String, dispensation_id: String, at: time::OffsetDateTime },
    History { id: ReqId, query: HistoryQuery },
    Voided { id: ReqId, code: String, since: time::OffsetDateTime },
    Settlements { id: ReqId },
    Export { id: ReqId, batch: Box<crate::osigu::model::Settlement> },
}

impl Executor {
    /// An executor keeping records in `journal`, and the stream of result messages to feed back into `update`.
    /// Must be called inside a tokio runtime (calls are spawned on it).
    pub fn new(client: OsiguClient, capture: Capture, journal: Journal) -> (Self, mpsc::UnboundedReceiver<Msg>) {
        let (results, receiver) = mpsc::unbounded_channel();
        let health = Arc::new(HealthLog::default());
        let runtime = tokio::runtime::Handle::current();
        let hands = Arc::new(Hands {
            client,
            journal: journal.clone(),
            capture,
            results,
            health,
            runtime,
            printer: std::sync::OnceLock::new(),
            posos: std::sync::OnceLock::new(),
        });
        let (queue, jobs) = std_mpsc::channel();
        let worker = Arc::clone(&hands);
        let spawned = std::thread::Builder::new().name("journal".to_owned()).spawn(move || {
            for job in jobs {
                worker.journal_job(&journal, job);
            }
        });
        if let Err(error) = spawned {
            // Without its thread every journal effect fails (the queue's receiver is gone): the core stops
            // dispensing and says why.
            tracing::error!(error = %error, "the journal's thread could not start");
        }
        (Self { hands, journal: queue }, receiver)
    }

    /// Prints receipts on `printer`. Call before the first effect runs.
    pub fn with_printer(self, printer: Option<crate::receipt::Printer>) -> Self {
        if let Some(printer) = printer
            && self.hands.printer.set(printer).is_err()
        {
            tracing::error!("a second printer was set: the first one prints");
        }
        self
    }

    /// Asks `posos` for paper prescriptions' scans. Call before the first effect runs.
    pub fn with_posos(self, posos: Option<PososClient>) -> Self {
        if let Some(posos) = posos
            && self.hands.posos.set(posos).is_err()
        {
            tracing::error!("a second POSOS client was set: the first one is used");
        }
        self
    }

    /// The calls' times and reachability, for the status bar.
    pub fn health(&self) -> Arc<HealthLog> {
        Arc::clone(&self.hands.health)
    }

    /// Starts `effect`; its result arrives later on the receiver.
    pub fn run(&self, effect: Effect) -> Control {
        match effect {
            Effect::Quit => return Control::Quit,
            Effect::Call { id, call } => {
                tracing::debug!(request = id.0, call = call.name(), "call");
                self.hands.spawn_call(id, *call);
            }
            Effect::Send { id, send } => self.queue(Job::Send { id, send }),
            Effect::Journal { id, write } => self.queue(Job::Write { id, write }),
            Effect::HoldInvoice { id, prefix, dispensation_id, at } => {
                self.queue(Job::Hold { id, prefix, dispensation_id: dispensation_id.as_str().to_owned(), at });
            }
            Effect::LoadHistory { id, query } => self.queue(Job::History { id, query }),
            Effect::CheckVoided { id, code, since } => self.queue(Job::Voided { id, code, since }),
            Effect::LoadSettlements { id } => self.queue(Job::Settlements { id }),
            Effect::ExportSettlement { id, batch } => self.queue(Job::Export { id, batch }),
            Effect::Print { id, receipt, width } => self.hands.spawn_print(id, *receipt, width),
            Effect::CheckPin { id, clerk_id, pin, purpose, at } => {
                let journal = self.hands.journal.clone();
                let results = self.hands.results.clone();
                self.hands.runtime.spawn_blocking(move || {
                    let verdict = journal.check_pin(at, &clerk_id, &pin, &purpose).map_err(|error| error.to_string());
                    let _ = results.send(Msg::PinChecked { id, verdict });
                });
            }
            Effect::Posos { id, call } => self.hands.spawn_posos(id, call),
            Effect::CaptureFingerprint { id, beneficiary_id } => {
                let capture = self.hands.capture.clone();
                let results = self.hands.results.clone();
                self.hands.runtime.spawn(async move {
                    let sample = capture.capture(beneficiary_id.as_str()).await;
                    let _ = results.send(Msg::Captured { id, sample });
                });
            }
        }
        Control::Continue
    }

    /// Hands `job` to the journal thread; if it is gone, the job fails as a journal that cannot be written.
    fn queue(&self, job: Job) {
        if let Err(std_mpsc::SendError(job)) = self.journal.send(job) {
            let failure = crate::counter::JournalFailure {
                cause: crate::counter::JournalCause::Other,
                detail: "the journal's thread is not running".to_owned(),
            };
            let msg = match job {
                Job::Write { id, .. } => Msg::Journaled { id: Some(id), result: Err(failure) },
                Job::Send { id, .. } => Msg::Unsent { id, why: Unsent::Journal(failure) },
                Job::Hold { id, .. } => Msg::InvoiceHeld { id, result: Err(InvoiceRefusal::Journal(failure)) },
                Job::History { id, .. } => Msg::HistoryLoaded { id, rows: Err(failure.detail) },
                Job::Voided { id, .. } => Msg::VoidChecked { id, voided: None },
                Job::Settlements { id } => Msg::SettlementsRecorded { id, rows: Err(failure.detail) },
                Job::Export { id, .. } => Msg::Exported { id, result: Err(failure.detail) },
            };
            let _ = self.hands.results.send(msg);
        }
    }
}

impl Hands {
    /// One job, on the journal thread.
    fn journal_job(&self, journal: &Journal, job: Job) {
        let msg = match job {
            Job::Write { id, write } => {
                let result = match &write {
                    Write::Record(record) => {
                        super::test_hooks::before_record(record);
                        journal.record(record)
                    }
                    Write::StartSettled { key } => journal.start_settled(key),
                    Write::Probe { at } => journal.probe(*at),
                    Write::Audit { at, clerk_id, event } => journal.audit(*at, clerk_id, event, None, "{}"),
                    Write::PaperSale { at, key, reference, lines, clerk } => {
                        journal.intend_paper(&crate::journal::PaperIntent {
                            at: *at,
                            key,
                            sponsor_slug: None,
                            scan_reference: reference,
                            lines: &to_json(lines),
                            sent: None,
                            clerk_id: clerk.as_deref(),
                        })
                    }
                    Write::PaperAnswered { at, key, request_id, status, codes } => {
                        journal.paper_answered(*at, key, request_id, paper_state(*status), codes)
                    }
                    Write::PaperPrinted { key, printed } => journal.paper_printed(key, *printed),
                };
                Msg::Journaled { id: Some(id), result: result.map_err(|error| failed(&error)) }
            }
            Job::Send { id, send } => match intend(journal, &send) {
                Ok(()) => {
                    tracing::debug!(request = id.0, call = send.name(), "call, its intent on record");
                    super::test_hooks::before_send(&send);
                    return self.spawn_send(id, *send);
                }
                Err(error) if matches!(*send, Guarded::Cancel { .. }) => {
                    // Sent all the same: a cancel can only ever lose a sale.
                    let failure = failed(&error);
                    self.spawn_send(id, *send);
                    Msg::Journaled { id: None, result: Err(failure) }
                }
                Err(JournalError::InvoiceTaken { number }) => Msg::Unsent { id, why: Unsent::InvoiceTaken { number } },
                Err(error) => Msg::Unsent { id, why: Unsent::Journal(failed(&error)) },
            },
            Job::Hold { id, prefix, dispensation_id, at } => {
                let result = journal.hold_invoice(at, &prefix, &dispensation_id).map_err(|error| match error {
                    JournalError::InvoicesExhausted { prefix } => InvoiceRefusal::Exhausted { prefix },
                    error => InvoiceRefusal::Journal(failed(&error)),
                });
                Msg::InvoiceHeld { id, result }
            }
            Job::History { id, query } => Msg::HistoryLoaded { id, rows: read_history(journal, &query) },
            Job::Voided { id, code, since } => {
                let voided = journal.voided_code(&code, since).unwrap_or_else(|error| {
                    tracing::warn!(error = %error, "could not read the voided codes; the server still refuses them");
                    None
                });
                let voided = voided.map(|row| crate::counter::Voided { code: row.code, reason: row.reason });
                Msg::VoidChecked { id, voided }
            }
            Job::Settlements { id } => {
                let rows = journal.settlements().map_err(|error| error.to_string());
                let rows = rows.map(|rows| rows.iter().map(crate::settlements::BatchLine::from).collect());
                Msg::SettlementsRecorded { id, rows }
            }
            Job::Export { id, batch } => Msg::Exported { id, result: export_settlement(journal, &batch) },
        };
        let _ = self.results.send(msg);
    }

    /// Encodes and prints a receipt on the runtime (the printer waits on paper, never the keys), and says how it went.
    fn spawn_print(&self, id: ReqId, receipt: crate::receipt::Receipt, width: crate::receipt::Width) {
        let results = self.results.clone();
        let printer = self.printer.get().cloned();
        self.runtime.spawn(async move {
            let locale = receipt.locale;
            let result = match (printer, receipt.escpos(width)) {
                (Some(printer), Ok(bytes)) => printer.print(&bytes).await.map_err(|error| {
                    tracing::warn!(error = %error, "a receipt did not print");
                    error.message(locale, "F3")
                }),
                (None, _) => Err(crate::i18n::fill(locale, "receipt.printer_failed", &[("key", "F3")])),
                (_, Err(error)) => {
                    tracing::error!(error = %error, "a receipt could not be laid out for the printer");
                    Err(crate::i18n::fill(locale, "receipt.printer_failed", &[("key", "F3")]))
                }
            };
            let _ = results.send(Msg::Printed { id, result });
        });
    }

    /// One POSOS call on the runtime; without a POSOS configured it fails at once, as a call that could not be made.
    fn spawn_posos(&self, id: ReqId, call: PososCall) {
        let results = self.results.clone();
        let posos = self.posos.get().cloned();
        self.runtime.spawn(async move {
            let reply = match posos {
                None => Err(PososError::Invalid { detail: "no POSOS is configured ([posos])".to_owned() }),
                Some(posos) => match call {
                    PososCall::ScanToken(subject) => posos.scan_token(&subject).await.map(PososReply::Token),
                    PososCall::Prescriptions { patient_id } => {
                        posos.prescriptions(&patient_id).await.map(PososReply::Prescriptions)
                    }
                },
            };
            let _ = results.send(Msg::Posos { id, reply });
        });
    }

    fn spawn_call(&self, id: ReqId, call: Call) {
        let client = self.client.clone();
        self.spawn_request(id, async move { perform(&client, call).await });
    }

    fn spawn_send(&self, id: ReqId, send: Guarded) {
        let client = self.client.clone();
        self.spawn_request(id, async move { send_guarded(&client, send).await });
    }

    /// Runs one request on the runtime, notes its time and reachability, and answers the core.
    fn spawn_request(
        &self,
        id: ReqId,
        request: impl std::future::Future<Output = Result<Reply, ClientError>> + Send + 'static,
    ) {
        let results = self.results.clone();
        let health = Arc::clone(&self.health);
        self.runtime.spawn(async move {
            let began = Instant::now();
            let reply = request.await;
            let reached = !matches!(
                reply,
                Err(ClientError::Connect { .. }
                    | ClientError::Tls { .. }
                    | ClientError::Broken { .. }
                    | ClientError::Timeout { .. })
            );
            // The light first: the reply's screen then shows it as this call left it. A closed receiver means
            // the counter is gone; the result no longer matters.
            if let Some(health) = health.record(began.elapsed(), reached) {
                let _ = results.send(Msg::Health(health));
            }
            let _ = results.send(Msg::Replied { id, reply });
        });
    }
}

/// Writes what must be on disk before `send` leaves.
fn intend(journal: &Journal, send: &Guarded) -> Result<(), JournalError> {
    match send {
        Guarded::Start { request, key, at } => journal.intend_start(*at, key.as_str(), request),
        Guarded::Complete { intent, .. } | Guarded::Cancel { intent, .. } => match intent {
            Some(record) => journal.record(record),
            None => Ok(()),
        },
        Guarded::Preauthorize { at, sponsor_slug, reference, lines, send, clerk } => {
            journal.intend_paper(&crate::journal::PaperIntent {
                at: *at,
                key: &send.create_key,
                sponsor_slug: Some(sponsor_slug),
                scan_reference: reference,
                lines: &to_json(lines),
                sent: Some(&to_json(send)),
                clerk_id: clerk.as_deref(),
            })
        }
    }
}

/// The journal's error as the core hears it (and the log keeps it).
fn failed(error: &JournalError) -> crate::counter::JournalFailure {
    let failure = error.failure();
    tracing::error!(cause = ?failure.cause, error = %error, "the journal could not be written");
    failure
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
        Call::Get { id } => Reply::Dispensation(Box::new(client.dispensation(&id).await?)),
        Call::Update { id, request, key } => Reply::Dispensation(Box::new(client.update(&id, &request, &key).await?)),
        Call::VerificationStatus { id } => Reply::VerificationStatus(client.verification_status(&id).await?),
        Call::Biometric { id, sample, key } => Reply::Biometric(client.biometric(&id, &sample, &key).await?),
        Call::Challenge { id, request, key } => Reply::Challenge(client.challenge(&id, &request, &key).await?),
        Call::SendOtp { request, key } => Reply::OtpSent(client.send_otp(&request, &key).await?),
        Call::ValidateOtp { request, key } => Reply::OtpValidated(client.validate_otp(&request, &key).await?),
        Call::Products { product_type } => Reply::Products(client.provider_products(product_type).await?),
        Call::AuthorizationRequest { id } => {
            Reply::AuthorizationRequest(Box::new(client.authorization_request(&id).await?))
        }
        Call::Dispensations { code, size } => {
            let query = crate::osigu::client::ListQuery {
                status: Some(crate::osigu::model::DispensationStatus::Completed),
                code: Some(code),
                page: 0,
                size,
            };
            Reply::Dispensations(client.dispensations(&query).await?.content)
        }
        Call::Settlements => Reply::Settlements(client.settlements(None, None).await?),
        Call::Settlement { id } => Reply::Settlement(Box::new(client.settlement(&id).await?)),
        Call::OpenSettlement { request, key } => {
            Reply::Settlement(Box::new(client.open_settlement(&request, &key).await?))
        }
        Call::PendingAuthorizations { id } => Reply::PendingAuthorizations(client.pending_authorizations(&id).await?),
        Call::AttachAuthorizations { id, request, key } => {
            Reply::Settlement(Box::new(client.attach_authorizations(&id, &request, &key).await?))
        }
        Call::CompleteSettlement { id, request, key } => {
            Reply::Settlement(Box::new(client.complete_settlement(&id, &request, &key).await?))
        }
    })
}

/// Writes `batch` as CSV in `exports/` beside the journal (a private file: it names claims and amounts), and
/// says where.
fn export_settlement(journal: &Journal, batch: &crate::osigu::model::Settlement) -> Result<String, String> {
    let dir = journal.path().parent().map(|dir| dir.join("exports")).ok_or("the journal has no directory")?;
    crate::files::private_dir(&dir).map_err(|error| format!("{}: {error}", dir.display()))?;
    // The id is the server's: only its safe characters name the file.
    let safe: String = batch
        .settlement_id
        .as_str()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
        .take(64)
        .collect();
    let path = dir.join(format!("settlement-{safe}.csv"));
    let mut out = Vec::new();
    crate::settlements::csv::write_batch(batch, &mut out).map_err(|error| error.to_string())?;
    crate::files::write_private(&path, &out).map_err(|error| format!("{}: {error}", path.display()))?;
    Ok(path.display().to_string())
}

/// One guarded request, once its intent is on record.
async fn send_guarded(client: &OsiguClient, send: Guarded) -> Result<Reply, ClientError> {
    let dispensation = match send {
        Guarded::Preauthorize { send, .. } => return preauthorize(client, &send).await,
        Guarded::Start { request, key, .. } => client.start(&request, &key).await?,
        Guarded::Complete { id, request, key, .. } => client.complete(&id, &request, &key).await?,
        Guarded::Cancel { id, request, key, .. } => client.cancel(&id, &request, &key).await?,
    };
    Ok(Reply::Dispensation(Box::new(dispensation)))
}

/// A paper prescription's pre-authorization: create, attach the transcription as its indication, complete; each
/// with its own key, so sending the whole again (a retry, recovery) repeats nothing on the server.
pub async fn preauthorize(client: &OsiguClient, send: &PaperSend) -> Result<Reply, ClientError> {
    let [create, indication, complete] = send.keys();
    let created = client.request_authorization(&send.request, &create).await?;
    let id = created.authorization_request_id;
    client.add_indication(&id, &send.indication, &indication).await?;
    let answered = client.complete_authorization_request(&id, &complete).await?;
    Ok(Reply::AuthorizationRequest(Box::new(answered)))
}

/// The journal's word for a request's status.
pub fn paper_state(status: AuthorizationRequestStatus) -> PaperState {
    match status {
        AuthorizationRequestStatus::Approved => PaperState::Approved,
        AuthorizationRequestStatus::Rejected => PaperState::Rejected,
        AuthorizationRequestStatus::PendingSponsor => PaperState::PendingSponsor,
        _ => PaperState::Sent,
    }
}

/// What the journal keeps of a paper prescription, as JSON (its types always serialize).
fn to_json(value: &impl serde::Serialize) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

/// What the history (F3) and "today at this till" list for `query`, read on the caller's thread (the executor
/// calls it on the journal's). Public so that the history's bench measures this very read.
pub fn read_history(journal: &Journal, query: &HistoryQuery) -> Result<Vec<HistoryRow>, String> {
    let listed = match query {
        HistoryQuery::Day { from, to } => journal.day(*from, *to),
        HistoryQuery::Code { text } => journal.search(text, SEARCH_LIMIT),
    }
    .map_err(|error| error.to_string())?;
    // A day also lists this till's paper prescriptions of that day (pending, approved, refused, sold).
    let paper = match query {
        HistoryQuery::Day { from, to } => journal
            .paper_requests(SEARCH_LIMIT)
            .map_err(|error| error.to_string())?
            .into_iter()
            .filter(|entry| entry.at >= *from && entry.at < *to)
            .map(|entry| paper_row(journal, entry))
            .collect(),
        HistoryQuery::Code { .. } => Vec::new(),
    };
    let mut rows: Vec<HistoryRow> = listed
        .into_iter()
        .map(|crate::journal::Listed { entry, ended_at }| HistoryRow {
            dispensation_id: entry.dispensation_id,
            started_at: entry.started_at,
            ended_at,
            till: entry.till,
            code: entry.code,
            sponsor_slug: entry.sponsor_slug,
            status: RowStatus::from_journal(&entry.status),
            amount: entry.amount,
            sponsor_amount: entry.sponsor_amount,
            patient_amount: entry.patient_amount,
            currency: entry.currency,
            invoice_number: entry.invoice_number,
            claim_id: entry.claim_id.map(crate::osigu::model::Id::new),
            clerk: entry.clerk_name.or(entry.clerk_id),
            paper: None,
        })
        .collect();
    rows.extend(paper);
    // Newest first, as the journal lists a day.
    rows.sort_by_key(|row| std::cmp::Reverse(row.started_at));
    Ok(rows)
}

/// A paper prescription as a row of the history: its codes (or its request) and where it stands.
fn paper_row(journal: &Journal, entry: crate::journal::PaperEntry) -> HistoryRow {
    let status = match entry.state {
        PaperState::Sent | PaperState::PendingSponsor => RowStatus::PaperPending,
        PaperState::Approved => RowStatus::PaperApproved,
        PaperState::Rejected => RowStatus::PaperRejected,
        PaperState::Cash => RowStatus::PaperSale,
    };
    let code = if entry.codes.is_empty() {
        entry.request_id.clone().unwrap_or_else(|| entry.scan_reference.clone())
    } else {
        entry.codes.join(", ")
    };
    // A sale's total, at the prices it was recorded with.
    let amount = (entry.state == PaperState::Cash).then(|| {
        let lines: Vec<crate::counter::MappedLine> = serde_json::from_str(&entry.lines).unwrap_or_default();
        lines
            .iter()
            .filter(|line| line.quantity > 0)
            .filter_map(|line| line.unit_price?.checked_mul(rust_decimal::Decimal::from(line.quantity)))
            .fold(rust_decimal::Decimal::ZERO, |sum, line| sum.checked_add(line).unwrap_or(sum))
    });
    HistoryRow {
        dispensation_id: entry.key.clone(),
        started_at: entry.at,
        ended_at: (entry.state != PaperState::Sent && entry.state != PaperState::PendingSponsor)
            .then_some(entry.updated_at),
        till: journal.place().till.clone(),
        code,
        sponsor_slug: entry.sponsor_slug,
        status,
        amount,
        sponsor_amount: None,
        patient_amount: amount,
        currency: None,
        invoice_number: None,
        claim_id: None,
        paper: Some(crate::counter::PaperRef { key: entry.key, request_id: entry.request_id }),
        clerk: entry.clerk_id,
    }
}
