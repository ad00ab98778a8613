//! Makes time happen without requests: sleeps until the store's next deadline (a dispensation timing out, a
//! remote challenge approving itself or lapsing) and applies it, so the webhook fires on time. It wakes only
//! for that deadline, for a store change that may move it, or for a clock advance: an idle sandbox with
//! nothing pending sleeps indefinitely.

use std::time::Duration;

use tokio::sync::watch;

use super::state::AppState;

pub(crate) async fn run(app: AppState, mut shutdown: watch::Receiver<bool>) {
    let mut advanced = app.clock.subscribe();
    loop {
        let wait = {
            // Ticking is what applies due deadlines; the lock is released before sleeping.
            let (store, now) = app.store_without_notice();
            store.next_deadline().map(|deadline| Duration::try_from(deadline - now).unwrap_or_default())
        };
        // A frozen clock moves only when advanced, so there is nothing to sleep for.
        let timer = async {
            match wait {
                Some(left) if !app.clock.is_frozen() => {
                    tokio::time::sleep(left.saturating_add(Duration::from_millis(5))).await
                }
                _ => std::future::pending().await,
            }
        };
        tokio::select! {
            () = timer => {}
            changed = advanced.changed() => if changed.is_err() { return },
            () = app.deadlines.notified() => {}
            _ = shutdown.changed() => return,
        }
    }
}
