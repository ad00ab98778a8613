//! The sandbox's mutable world behind one lock: codes and what was redeemed of them, dispensations, OTPs,
//! verification tokens, remote challenges, ePrescription patients, settlement batches, pre-authorization
//! requests, the POSOS stand-in's scan sessions and imports, webhook subscriptions, the outbox and the event log.
//!
//! Every operation takes `now` from the sandbox clock and first applies what time has done ([`Store::tick`]):
//! dispensations past `timeout_at` are cancelled, remote challenges are approved or lapse, submitted settlement
//! batches and asynchronous pre-authorization requests are decided, POSOS sessions import by themselves.
//! Holding one lock
//! per operation is what makes two concurrent completes of one dispensation yield exactly one completion.

pub(crate) mod codes;
mod dispensing;
mod ehr;
mod events;
mod ids;
mod outbox;
mod posos;
mod preauthorization;
mod render;
mod search;
mod settlements;
mod subscriptions;
mod timetable;
mod verification;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use time::OffsetDateTime;
use tokio::sync::{broadcast, mpsc};

use self::codes::{AuthorizationRecord, PrescriptionRecord};
use self::dispensing::DispensationRecord;
use self::events::Events;
use self::timetable::{Due, Timetable};
use self::verification::{ChallengeRecord, OtpRecord, VerificationToken};
use super::catalog::Catalog;
use super::posos::state::PososState;
use super::seed::Seed;
use crate::osigu::model::{Id, OtpChannel, Patient};
use crate::osigu::webhook::WebhookEnvelope;

pub(crate) use self::dispensing::ListFilter;
pub(crate) use self::ehr::PrescriptionVersion;
pub(crate) use self::events::{Outgoing, Target};
pub(crate) use self::ids::IdGen;
pub use self::outbox::OutboxMessage;
pub(crate) use self::posos::Page;
pub(crate) use self::settlements::{Period, SettlementFilter};
pub use self::verification::{ChallengeDecision, ChallengeState, ChallengeSummary};

/// Rules of one sandbox that its configuration sets.
#[derive(Clone, Debug)]
pub(crate) struct StoreSettings {
    /// A STARTED dispensation is cancelled this long after it started.
    pub dispensation_timeout: Duration,
    /// Remote challenges approve themselves after this long; `None` waits for an explicit approval.
    pub remote_auto_approve: Option<Duration>,
    /// The sandbox's own address, for challenge and download URLs.
    pub base_url: String,
    /// A submitted settlement batch is decided this long after its submission.
    pub settlement_decision_delay: Duration,
    /// The secrets deliveries to subscriptions made through the API are signed with.
    pub webhook_secrets: Vec<String>,
    /// An ASYNC sponsor answers a completed pre-authorization request this long after it was completed.
    pub authorization_decision_delay: Duration,
    /// A POSOS scan session imports its prescription by itself this long after its token; `None` never.
    pub posos_auto_import: Option<Duration>,
}

pub(crate) struct Store {
    pub catalog: Arc<Catalog>,
    settings: StoreSettings,
    authorizations: HashMap<String, AuthorizationRecord>,
    prescriptions: HashMap<String, PrescriptionRecord>,
    patients: Vec<Patient>,
    dispensations: HashMap<Id, DispensationRecord>,
    /// Dispensation ids in start order, for listing.
    started_order: Vec<Id>,
    /// The STARTED dispensation holding each code.
    holders: HashMap<String, Id>,
    otps: HashMap<Id, OtpRecord>,
    tokens: HashMap<String, VerificationToken>,
    challenges: HashMap<Id, ChallengeRecord>,
    /// When time alone changes something next.
    timetable: Timetable,
    /// When each beneficiary may receive the next OTP on each channel.
    otp_cooldowns: HashMap<(Id, OtpChannel), OffsetDateTime>,
    outbox: outbox::Outbox,
    events: Events,
    ids: IdGen,
    /// Serial of the next prescription code issued through the ePrescription API.
    next_prescription_serial: u32,
    settlements: HashMap<Id, settlements::SettlementRecord>,
    /// Settlement ids in creation order, for listing.
    settlement_order: Vec<Id>,
    /// The batch each attached claim belongs to, for good.
    settled_claims: HashMap<Id, Id>,
    /// Pre-authorization requests (contract §10).
    requests: preauthorization::Requests,
    /// The POSOS stand-in's sessions and imports (contract §11).
    posos: PososState,
}

impl Store {
    pub fn new(seed: Seed, settings: StoreSettings, id_seed: u64, webhooks: mpsc::UnboundedSender<Outgoing>) -> Self {
        let events = Events::new(seed.catalog.provider.provider_slug.clone(), webhooks);
        let next_prescription_serial = u32::try_from(seed.prescriptions.len()).unwrap_or(u32::MAX).saturating_add(1);
        Self {
            catalog: Arc::new(seed.catalog),
            settings,
            authorizations: seed.authorizations.into_iter().map(|a| (a.code.clone(), a)).collect(),
            prescriptions: seed.prescriptions.into_iter().map(|p| (p.code.clone(), p)).collect(),
            patients: seed.patients,
            dispensations: HashMap::new(),
            started_order: Vec::new(),
            holders: HashMap::new(),
            otps: HashMap::new(),
            tokens: HashMap::new(),
            challenges: HashMap::new(),
            timetable: Timetable::default(),
            otp_cooldowns: HashMap::new(),
            outbox: outbox::Outbox::new(),
            events,
            ids: IdGen::new(id_seed),
            next_prescription_serial,
            settlements: HashMap::new(),
            settlement_order: Vec::new(),
            settled_claims: HashMap::new(),
            requests: preauthorization::Requests::default(),
            posos: PososState::default(),
        }
    }

    /// Applies what the passage of time has done up to `now`, in the order it happened.
    pub fn tick(&mut self, now: OffsetDateTime) {
        while let Some(due) = self.timetable.pop_due(now) {
            match due {
                Due::DispensationTimeout(id) => self.time_out(&id),
                Due::ChallengeDecision(id) => self.decide_challenge_by_time(&id, now),
                Due::SettlementDecision(id) => self.decide_settlement(&id),
                Due::AuthorizationDecision(id) => self.decide_request_by_time(&id),
                Due::PososAutoImport(token) => self.auto_import(&token, now),
            }
        }
    }

    /// The next moment [`Store::tick`] may change something, for the sweeper to sleep until.
    pub fn next_deadline(&self) -> Option<OffsetDateTime> {
        self.timetable.next()
    }

    pub fn subscribe_outbox(&self) -> broadcast::Receiver<OutboxMessage> {
        self.outbox.subscribe()
    }

    /// OTP messages, newest first, optionally of one dispensation.
    pub fn outbox(&self, dispensation: Option<&Id>) -> Vec<OutboxMessage> {
        self.outbox
            .newest_first()
            .filter(|message| dispensation.is_none() || message.dispensation_id.as_ref() == dispensation)
            .cloned()
            .collect()
    }

    /// Recent webhook events, oldest first.
    pub fn events(&self) -> Vec<WebhookEnvelope> {
        self.events.recent().cloned().collect()
    }
}
