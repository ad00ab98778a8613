//! Webhooks out (contract §5): each event POSTed to the configured receiver, signed with every configured
//! secret, at least once: any non-2xx or transport failure is retried with exponential backoff.

use std::time::Duration;

use reqwest::header::CONTENT_TYPE;
use tokio::sync::mpsc;
use tokio::task::{JoinHandle, JoinSet};
use tracing::{debug, warn};

use super::clock::Clock;
use crate::osigu::webhook::{SIGNATURE_HEADER, WebhookEnvelope, signature_header};

/// Where events go and how hard to try.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebhookTarget {
    pub url: String,
    /// Signing secrets; more than one during a rotation.
    pub secrets: Vec<String>,
    /// Attempts per event, the first included.
    pub max_attempts: u32,
    /// Wait before the first retry; doubles each time up to an hour.
    pub first_retry: Duration,
}

impl WebhookTarget {
    pub fn new(url: impl Into<String>, secrets: Vec<String>) -> Self {
        Self { url: url.into(), secrets, max_attempts: 10, first_retry: Duration::from_secs(1) }
    }
}

const MAX_BACKOFF: Duration = Duration::from_secs(3600);
/// Osigu's documented delivery timeout.
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(10);

/// Starts the sender; aborting the returned task abandons every delivery still retrying. First attempts are
/// made in emission order, so a healthy receiver sees `dispensing.started` before `dispensing.completed`; an
/// event whose first attempt fails is retried in the background while later events go ahead.
pub(crate) fn spawn(
    target: WebhookTarget,
    clock: Clock,
    mut events: mpsc::UnboundedReceiver<WebhookEnvelope>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let client = match crate::http::client_builder()
            .timeout(DELIVERY_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
        {
            Ok(client) => client,
            Err(error) => {
                warn!(%error, "webhooks disabled: cannot build an HTTP client");
                return;
            }
        };
        let mut retries = JoinSet::new();
        loop {
            tokio::select! {
                event = events.recv() => match event {
                    Some(event) => {
                        let Ok(body) = serde_json::to_vec(&event) else { continue };
                        if !attempt(&client, &target, &clock, &event, &body, 1).await && target.max_attempts > 1 {
                            retries.spawn(retry(client.clone(), target.clone(), clock.clone(), event, body));
                        }
                    }
                    None => break,
                },
                Some(_) = retries.join_next(), if !retries.is_empty() => {}
            }
        }
        while retries.join_next().await.is_some() {}
    })
}

/// One delivery attempt; true when the receiver accepted it.
async fn attempt(
    client: &reqwest::Client,
    target: &WebhookTarget,
    clock: &Clock,
    event: &WebhookEnvelope,
    body: &[u8],
    number: u32,
) -> bool {
    let signature = signature_header(&target.secrets, clock.now().unix_timestamp(), body);
    let sent = client
        .post(&target.url)
        .header(CONTENT_TYPE, "application/json")
        .header(SIGNATURE_HEADER, signature)
        .body(body.to_vec())
        .send()
        .await;
    match sent {
        Ok(reply) if reply.status().is_success() => {
            debug!(event_id = %event.event_id, event_type = %event.event_type, attempt = number, "webhook delivered");
            true
        }
        Ok(reply) => {
            warn!(event_id = %event.event_id, status = reply.status().as_u16(), attempt = number, "webhook refused");
            false
        }
        Err(error) => {
            // The receiver's URL may carry a credential; keep it out of the log.
            let error = error.without_url();
            warn!(event_id = %event.event_id, %error, attempt = number, "webhook not delivered");
            false
        }
    }
}

/// Attempts after the first, with exponential backoff.
async fn retry(client: reqwest::Client, target: WebhookTarget, clock: Clock, event: WebhookEnvelope, body: Vec<u8>) {
    let mut wait = target.first_retry;
    for number in 2..=target.max_attempts {
        tokio::time::sleep(wait).await;
        if attempt(&client, &target, &clock, &event, &body, number).await {
            return;
        }
        wait = wait.saturating_mul(2).min(MAX_BACKOFF);
    }
    warn!(event_id = %event.event_id, attempts = target.max_attempts, "webhook abandoned");
}
