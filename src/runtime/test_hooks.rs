//! Test hooks, for the crash test (`tests/crash/`) only: they hold the real binary still at the two points of
//! the finalize protocol where a crash is hardest to get right, so the test can SIGKILL it exactly there.
//!
//! `MOSTRADOR_TEST_PAUSE` names the point; the process then sleeps [`PAUSE`] when it reaches it, after writing
//! one line to its log (`test hook: paused`, with the point and its pid) so the test knows it is there:
//! - `before-complete`: the finalize intent is on disk, the `complete` request not yet started;
//! - `after-complete-reply`: the server's reply to `complete` has arrived and the core has taken it, the journal
//!   has not yet recorded the result.
//!
//! With the variable unset (always, outside that test) they cost nothing worth counting: the variable is read
//! once, and each hook is then one comparison that finds nothing to do. An unknown point is logged and ignored.

use std::sync::OnceLock;
use std::time::Duration;

use crate::counter::{Event, Guarded, Record};

/// The environment variable that arms a hook.
const VARIABLE: &str = "MOSTRADOR_TEST_PAUSE";

/// How long a hook holds the process: far longer than the test needs to look and kill.
const PAUSE: Duration = Duration::from_secs(30);

/// Where the process may be held.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Point {
    BeforeComplete,
    AfterCompleteReply,
}

impl Point {
    fn name(self) -> &'static str {
        match self {
            Point::BeforeComplete => "before-complete",
            Point::AfterCompleteReply => "after-complete-reply",
        }
    }
}

/// The point `MOSTRADOR_TEST_PAUSE` names, read once.
fn armed() -> Option<Point> {
    static ARMED: OnceLock<Option<Point>> = OnceLock::new();
    *ARMED.get_or_init(|| {
        let value = std::env::var(VARIABLE).ok()?;
        let point = [Point::BeforeComplete, Point::AfterCompleteReply].into_iter().find(|p| p.name() == value);
        if point.is_none() {
            tracing::warn!(value, "{VARIABLE} names no test hook; ignored");
        }
        point
    })
}

/// Before a guarded request is started, its intent written: holds a `complete` when `before-complete` is armed.
pub(super) fn before_send(send: &Guarded) {
    if armed() == Some(Point::BeforeComplete) && matches!(send, Guarded::Complete { .. }) {
        pause(Point::BeforeComplete);
    }
}

/// Before a record is written: holds a completion's result when `after-complete-reply` is armed.
pub(super) fn before_record(record: &Record) {
    if armed() == Some(Point::AfterCompleteReply) && matches!(record.event, Event::Completed { .. }) {
        pause(Point::AfterCompleteReply);
    }
}

/// Blocks the calling thread (the journal's: the journal and the guarded requests wait meanwhile).
fn pause(point: Point) {
    tracing::warn!(point = point.name(), pid = std::process::id(), "test hook: paused");
    std::thread::sleep(PAUSE);
    tracing::warn!(point = point.name(), "test hook: resumed");
}
