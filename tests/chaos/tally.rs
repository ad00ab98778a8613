//! Counts what the program logs about the chaos: each fault the sandbox injected (it logs every one), each retry
//! the HTTP client made, each time the core put off confirming a completion, and every warning or error.
//! A tracing layer installed once for the whole test binary; the counts are global across the lanes.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use tracing::field::{Field, Visit};
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

/// What was counted.
#[derive(Clone, Debug, Default)]
pub struct Counts {
    pub injected_5xx: u64,
    /// Of those, the JSON ones (with `Retry-After: 1`, which the client waits out in real time).
    pub injected_5xx_json: u64,
    pub injected_drop: u64,
    pub injected_commit_then_drop: u64,
    /// Retries made inside the HTTP client (same request, same key).
    pub client_retries: u64,
    /// Times the core found a completion's outcome still unknown and scheduled another try.
    pub confirm_later: u64,
    /// Warnings and errors, by message, first few kept.
    pub warnings: Vec<String>,
    pub warning_count: u64,
}

impl Counts {
    pub fn faults(&self) -> u64 {
        self.injected_5xx + self.injected_drop + self.injected_commit_then_drop
    }
}

static INJECTED_5XX: AtomicU64 = AtomicU64::new(0);
static INJECTED_5XX_JSON: AtomicU64 = AtomicU64::new(0);
static INJECTED_DROP: AtomicU64 = AtomicU64::new(0);
static INJECTED_COMMIT_THEN_DROP: AtomicU64 = AtomicU64::new(0);
static CLIENT_RETRIES: AtomicU64 = AtomicU64::new(0);
static CONFIRM_LATER: AtomicU64 = AtomicU64::new(0);
static WARNING_COUNT: AtomicU64 = AtomicU64::new(0);
static WARNINGS: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Installs the counting layer (once per process; later calls do nothing).
pub fn install() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let subscriber = tracing_subscriber::registry().with(Tally.with_filter(LevelFilter::INFO));
        let _ = tracing::subscriber::set_global_default(subscriber);
    });
}

/// The counts so far.
pub fn snapshot() -> Counts {
    Counts {
        injected_5xx: INJECTED_5XX.load(Ordering::Relaxed),
        injected_5xx_json: INJECTED_5XX_JSON.load(Ordering::Relaxed),
        injected_drop: INJECTED_DROP.load(Ordering::Relaxed),
        injected_commit_then_drop: INJECTED_COMMIT_THEN_DROP.load(Ordering::Relaxed),
        client_retries: CLIENT_RETRIES.load(Ordering::Relaxed),
        confirm_later: CONFIRM_LATER.load(Ordering::Relaxed),
        warnings: WARNINGS.lock().map(|w| w.clone()).unwrap_or_default(),
        warning_count: WARNING_COUNT.load(Ordering::Relaxed),
    }
}

struct Tally;

#[derive(Default)]
struct Message {
    text: String,
    fields: Vec<String>,
}

impl Visit for Message {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.text = format!("{value:?}");
        } else {
            self.fields.push(format!("{}={value:?}", field.name()));
        }
    }
}

impl<S: tracing::Subscriber> Layer<S> for Tally {
    fn on_event(&self, event: &tracing::Event<'_>, _ctx: Context<'_, S>) {
        let mut message = Message::default();
        event.record(&mut message);
        let text = message.text.as_str();
        let counter = if text.starts_with("fault: replying 5xx") {
            Some(&INJECTED_5XX)
        } else if text.starts_with("fault: closing the connection") {
            Some(&INJECTED_DROP)
        } else if text.starts_with("fault: handled, now closing") {
            Some(&INJECTED_COMMIT_THEN_DROP)
        } else if text.starts_with("retrying in") {
            Some(&CLIENT_RETRIES)
        } else if text.starts_with("the completion's outcome is still unknown") {
            Some(&CONFIRM_LATER)
        } else {
            None
        };
        if let Some(counter) = counter {
            counter.fetch_add(1, Ordering::Relaxed);
        }
        if text.starts_with("fault: replying 5xx") && message.fields.iter().any(|field| field == "html=false") {
            INJECTED_5XX_JSON.fetch_add(1, Ordering::Relaxed);
        }
        if *event.metadata().level() <= tracing::Level::WARN {
            WARNING_COUNT.fetch_add(1, Ordering::Relaxed);
            if let Ok(mut warnings) = WARNINGS.lock()
                && warnings.len() < 20
            {
                warnings.push(format!("{} {}: {text} {}", event.metadata().level(), event.metadata().target(), {
                    message.fields.join(" ")
                }));
            }
        }
    }
}
