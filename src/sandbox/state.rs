//! The state every handler shares: the clock, the store behind its lock, the auth state, idempotency records,
//! and the webhook deliveries.

use std::ops::{Deref, DerefMut};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};

use axum::body::Bytes;

use time::OffsetDateTime;
use tokio::sync::Notify;

use super::auth::AuthState;
use super::catalog::Catalog;
use super::clock::Clock;
use super::http::idempotency::IdempotencyStore;
use super::profile::Profile;
use super::store::Store;
use super::webhooks::Deliveries;

pub(crate) struct Shared {
    pub clock: Clock,
    pub profile: Profile,
    pub catalog: Arc<Catalog>,
    /// When this sandbox started, by its own clock.
    pub started_at: OffsetDateTime,
    pub idempotency: IdempotencyStore,
    /// `GET /openapi.json`, rendered once when the router is built.
    pub openapi: OnceLock<Bytes>,
    /// Woken whenever the store may have gained or lost a deadline.
    pub deadlines: Notify,
    /// Every webhook delivery and its attempts, as the sender keeps them.
    pub deliveries: Arc<Deliveries>,
    store: Mutex<Store>,
    auth: Mutex<AuthState>,
}

#[derive(Clone)]
pub(crate) struct AppState(Arc<Shared>);

impl Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// The store, locked, with time applied up to `now`. Dropping it after a change tells the sweeper to
/// re-plan; a read leaves the sweeper asleep.
pub(crate) struct StoreGuard<'a> {
    guard: MutexGuard<'a, Store>,
    deadlines: &'a Notify,
    changed: bool,
    pub now: OffsetDateTime,
}

impl Deref for StoreGuard<'_> {
    type Target = Store;

    fn deref(&self) -> &Store {
        &self.guard
    }
}

impl DerefMut for StoreGuard<'_> {
    fn deref_mut(&mut self) -> &mut Store {
        self.changed = true;
        &mut self.guard
    }
}

impl Drop for StoreGuard<'_> {
    fn drop(&mut self) {
        if self.changed {
            self.deadlines.notify_one();
        }
    }
}

impl AppState {
    pub fn new(
        clock: Clock,
        profile: Profile,
        store: Store,
        auth: AuthState,
        idempotency_bytes: usize,
        deliveries: Arc<Deliveries>,
    ) -> Self {
        Self(Arc::new(Shared {
            started_at: clock.now(),
            clock,
            profile,
            catalog: Arc::clone(&store.catalog),
            idempotency: IdempotencyStore::new(idempotency_bytes),
            openapi: OnceLock::new(),
            deadlines: Notify::new(),
            deliveries,
            store: Mutex::new(store),
            auth: Mutex::new(auth),
        }))
    }

    /// Locks the store and applies the passage of time first. A handler that panicked while holding the lock
    /// poisons nothing here: the data is still consistent between operations.
    pub fn store(&self) -> StoreGuard<'_> {
        let (guard, now) = self.store_without_notice();
        StoreGuard { guard, deadlines: &self.deadlines, changed: false, now }
    }

    /// Like [`AppState::store`] without waking the sweeper: for the sweeper itself.
    pub fn store_without_notice(&self) -> (MutexGuard<'_, Store>, OffsetDateTime) {
        let mut guard = self.0.store.lock().unwrap_or_else(PoisonError::into_inner);
        let now = self.clock.now();
        guard.tick(now);
        (guard, now)
    }

    pub fn auth(&self) -> MutexGuard<'_, AuthState> {
        self.0.auth.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
