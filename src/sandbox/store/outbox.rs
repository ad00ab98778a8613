//! The sandbox's outbox: every OTP message the beneficiary "receives", so a newcomer (or a test) can read the
//! code the patient would read aloud. Served at `GET /sandbox/v1/outbox` and streamed to `sandbox serve`.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use tokio::sync::broadcast;
use utoipa::ToSchema;

use crate::osigu::model::{Id, OtpChannel};

const CAPACITY: usize = 1000;

/// One message the beneficiary would receive.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct OutboxMessage {
    pub otp_id: Id,
    pub channel: OtpChannel,
    pub masked_destination: String,
    /// The six digits, in clear: this is a sandbox.
    pub code: String,
    #[serde(with = "time::serde::rfc3339")]
    pub sent_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    #[serde(default)]
    pub dispensation_id: Option<Id>,
}

pub(crate) struct Outbox {
    messages: VecDeque<OutboxMessage>,
    live: broadcast::Sender<OutboxMessage>,
}

impl Outbox {
    pub fn new() -> Self {
        let (live, _) = broadcast::channel(64);
        Self { messages: VecDeque::new(), live }
    }

    pub fn push(&mut self, message: OutboxMessage) {
        // Nobody listening is fine: the message stays readable over HTTP.
        let _ = self.live.send(message.clone());
        if self.messages.len() == CAPACITY {
            self.messages.pop_front();
        }
        self.messages.push_back(message);
    }

    /// Newest first.
    pub fn newest_first(&self) -> impl Iterator<Item = &OutboxMessage> {
        self.messages.iter().rev()
    }

    pub fn subscribe(&self) -> broadcast::Receiver<OutboxMessage> {
        self.live.subscribe()
    }
}
