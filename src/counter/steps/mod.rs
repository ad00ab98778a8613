//! The state and the rules of each step after the code field, one file per step.

mod done;
mod entry;
mod finalize;
mod history;
mod identify;
mod paper;
mod review;
mod settlements;
mod verify;

pub use done::{Done, Remaining};
pub use entry::{MAX_CODE_CHARS, normalize_code};
pub use finalize::{Finalize, FinalizeState};
pub use history::{
    Drawer, History, HistoryQuery, HistoryRow, Listing, PaperRef, RowStatus, SEARCH_LIMIT, Total, looks_like_code,
};
pub use identify::{FieldEdit, Identify};
pub use paper::{
    MappedBy, MappedLine, POLL_EVERY, Paper, PaperLine, PaperLines, PaperSend, PaperStage, Payer, ProductSearch,
    Refused, SEARCH_ROWS, Scan, Unresolved,
};
pub use review::{
    Candidate, Earlier, LineEdit, Missing, MissingPack, PRODUCT_ROWS, PackCheck, PackNotice, Packs, Registry, Review,
    Substitution, SubstitutionDialog, SubstitutionField, Visit, delivered_before,
};
pub use settlements::{SettlementAsk, SettlementsFocus, SettlementsNotice, SettlementsStep};
pub use verify::{
    Facial, FacialState, Fingerprint, FingerprintState, OTP_DIGITS, Otp, OtpNotice, OtpState, SentOtp, Verify,
    fingerprint_at_counter,
};

/// Lines (or rows) a page key moves, on the review and in the history.
pub const PAGE_LINES: usize = 8;

/// The start of the second after `now`, for countdowns that tick each second.
pub(super) fn next_second(now: time::OffsetDateTime) -> Option<time::OffsetDateTime> {
    now.replace_nanosecond(0).ok().and_then(|whole| whole.checked_add(time::Duration::SECOND))
}

/// `now` plus `secs` seconds from a reply, or `None` past the calendar's end. Decoding already bounds the
/// durations of replies (see `osigu::model::bounded`); this keeps a stray one from ending the program.
pub(super) fn after_secs(now: time::OffsetDateTime, secs: u64) -> Option<time::OffsetDateTime> {
    now.checked_add(time::Duration::seconds(i64::try_from(secs).ok()?))
}

/// Text fields the core edits: scanners and pastes can send anything, so every field has a length limit and
/// drops control characters.
pub(super) mod text {
    use tui_input::{Input, InputRequest};

    /// Applies an edit unless it would make the field longer than `max` characters or insert a control char.
    pub fn edit(input: &mut Input, request: InputRequest, max: usize, accept: impl Fn(char) -> bool) {
        if let InputRequest::InsertChar(c) = request
            && (c.is_control() || !accept(c) || input.value().chars().count() >= max)
        {
            return;
        }
        input.handle(request);
    }

    /// Inserts pasted text char by char through the same filter, stopping at the limit.
    pub fn paste(input: &mut Input, text: &str, max: usize, accept: impl Fn(char) -> bool) {
        for c in text.chars() {
            if input.value().chars().count() >= max {
                break;
            }
            if !c.is_control() && accept(c) {
                input.handle(InputRequest::InsertChar(c));
            }
        }
    }

    pub fn any(_: char) -> bool {
        true
    }

    pub fn digit(c: char) -> bool {
        c.is_ascii_digit()
    }
}
