//! Everything that can happen to the counter: what the clerk asks for, and what comes back from the world.

use tui_input::InputRequest;

use crate::osigu::error::ClientError;
use crate::osigu::model::{
    BeneficiaryMatch, BiometricMatch, Challenge, Dispensation, OtpSent, OtpValidated, ProviderProduct, SearchForm,
    Sponsor, SponsorConfiguration, VerificationStatus,
};

/// Names one effect whose result is awaited; a result whose id is no longer awaited is stale and ignored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ReqId(pub u64);

/// An input to [`super::update`].
#[derive(Clone, Debug)]
pub enum Msg {
    /// The counter has just opened: load what it needs before the first code arrives.
    Opened,
    /// Text editing for the focused field (typing, deleting, moving the cursor).
    Edit(InputRequest),
    /// A paste (a scanner's burst is a [`Msg::Scan`]).
    Paste(String),
    /// A barcode scanner's code, told from typing by the runtime (its keys' timing and terminator, or a pasted
    /// line ending with a newline): one message, never keys.
    Scan(String),
    /// The token named the pharmacy the credentials belong to.
    Provider(String),
    /// The connection's light changed (the executor says so after the call that changed it).
    Health(super::Health),
    /// The embedded sandbox "sent" a code to the beneficiary (its outbox), shown while it can be used.
    SandboxSent(super::Toast),
    /// The window is now `columns` × `rows` (sent at start and on every resize).
    Resized {
        columns: u16,
        rows: u16,
    },
    /// Enter: continue, confirm, submit.
    Submit,
    /// Esc: back one step (leaving a started dispensation asks first, then cancels it on the server).
    Back,
    /// Tab / Shift-Tab between fields.
    NextField,
    PrevField,
    /// Arrows and pages: move in lists, pick options.
    Up,
    Down,
    PageUp,
    PageDown,
    /// `+` / `-` on a quantity.
    Increase,
    Decrease,
    /// F4: substitute the selected line.
    Substitute,
    /// F10: go to finalize.
    Finalize,
    /// Send the OTP again (after the cool-down).
    Resend,
    /// Send the OTP by the sponsor's next channel.
    SwitchChannel,
    /// Try the failed step again.
    Retry,
    /// F2: leave whatever is in progress and start over with a new code.
    NewCode,
    /// Ctrl-C: close the program, asking first while a dispensation is STARTED (a second Ctrl-C confirms).
    Interrupt,
    /// Close the program now (a signal, a closed terminal): cancels a started dispensation first, no question.
    Quit,
    /// F1: show or hide the keys.
    Help,
    /// F8: show or hide the details under a problem.
    Details,
    /// F7: show or hide personal data in clear.
    Reveal,
    /// F3: the day's history.
    History,
    /// Ctrl-L: the settlement batches (supervisors).
    Settlements,
    /// Ctrl-R: read the settlement batches again.
    Refresh,
    /// Ctrl-E: export the selected settlement batch as CSV.
    Export,
    /// The settlement batches' states the webhook receiver recorded in the journal (`Err` says why they could
    /// not be read).
    SettlementsRecorded {
        id: ReqId,
        rows: Result<Vec<crate::settlements::BatchLine>, String>,
    },
    /// A settlement batch was written as CSV at this path, or why not.
    Exported {
        id: ReqId,
        result: Result<String, String>,
    },
    /// A timer the core asked for (see [`super::App::wake_at`]) has fired.
    Tick,
    /// An Osigu call finished.
    Replied {
        id: ReqId,
        reply: Result<Reply, ClientError>,
    },
    /// The fingerprint reader finished (`Err` carries why it could not capture).
    Captured {
        id: ReqId,
        sample: Result<Vec<u8>, CaptureError>,
    },
    /// Dispensations read from the journal for a [`super::Effect::LoadHistory`] (`Err` says why they could not be
    /// read).
    HistoryLoaded {
        id: ReqId,
        rows: Result<Vec<crate::counter::steps::HistoryRow>, String>,
    },
    /// The invoice number proposed for the dispensation (held for it), or why there is none.
    InvoiceHeld {
        id: ReqId,
        result: Result<String, crate::counter::InvoiceRefusal>,
    },
    /// What the journal says of a [`super::Effect::CheckVoided`]: the void the receiver recorded, if any (`None`
    /// too when the journal could not be read: the server still refuses a voided code's completion).
    VoidChecked {
        id: ReqId,
        voided: Option<super::Voided>,
    },
    /// A journal write finished. `id` is `None` for a write no request awaited (the intent of a cancel sent
    /// anyway); a failure matters whether awaited or not.
    Journaled {
        id: Option<ReqId>,
        result: Result<(), crate::counter::JournalFailure>,
    },
    /// A receipt was printed, or why not (in the clerk's words).
    Printed {
        id: ReqId,
        result: Result<(), String>,
    },
    /// F9: print the receipt (again).
    Print,
    /// Sign the clerk out (between dispensations only).
    SignOut,
    /// A PIN typed at the door was checked (`Err` says why it could not be: the journal failed).
    PinChecked {
        id: ReqId,
        verdict: Result<crate::clerks::PinVerdict, String>,
    },
    /// The key `paper_prescription`: a paper prescription, transcribed by POSOS.
    PaperPrescription,
    /// POSOS answered (a scan session, or what it imported).
    Posos {
        id: ReqId,
        reply: Result<PososReply, crate::posos::PososError>,
    },
    /// A guarded request was not sent: its intent could not be kept.
    Unsent {
        id: ReqId,
        why: crate::counter::Unsent,
    },
}

/// Why a fingerprint capture gave no sample.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CaptureError {
    /// No reader is configured (`[biometric] capture_command`).
    NoReader,
    /// The reader command failed or gave nothing; the text is for the details view.
    Failed(String),
}

/// A successful Osigu reply.
#[derive(Clone, Debug)]
pub enum Reply {
    Sponsors(Vec<Sponsor>),
    Configuration(Box<SponsorConfiguration>),
    Forms(Vec<SearchForm>),
    Beneficiary(Box<BeneficiaryMatch>),
    Dispensation(Box<Dispensation>),
    OtpSent(OtpSent),
    OtpValidated(OtpValidated),
    Biometric(BiometricMatch),
    Challenge(Challenge),
    VerificationStatus(VerificationStatus),
    Products(Vec<ProviderProduct>),
    /// A page of dispensations (a code's earlier visits).
    Dispensations(Vec<Dispensation>),
    /// The pharmacy's settlement batches.
    Settlements(Vec<crate::osigu::model::Settlement>),
    /// One settlement batch (opened, attached to, submitted, or read).
    Settlement(Box<crate::osigu::model::Settlement>),
    /// The claims still waiting for a batch.
    PendingAuthorizations(Vec<crate::osigu::model::PendingAuthorization>),
    /// A pre-authorization request, as created, completed or read.
    AuthorizationRequest(Box<crate::osigu::model::AuthorizationRequest>),
}

/// A successful POSOS reply.
#[derive(Clone, Debug)]
pub enum PososReply {
    Token(crate::posos::ScanToken),
    /// Every import for the session's patient id, oldest first.
    Prescriptions(Vec<crate::posos::scan::ScannedPrescription>),
}

impl Msg {
    /// The clerk's action this message is (a key through the keymap), so that [`super::update`] can ask whether
    /// the screen offers it. `None` for what is not an action: typing, replies, timers, signals.
    pub fn action(&self) -> Option<super::Action> {
        use super::Action as A;
        Some(match self {
            Self::Submit => A::Continue,
            Self::Back => A::Back,
            Self::NextField => A::NextField,
            Self::PrevField => A::PrevField,
            Self::Up => A::Up,
            Self::Down => A::Down,
            Self::PageUp => A::PageUp,
            Self::PageDown => A::PageDown,
            Self::Increase => A::Increase,
            Self::Decrease => A::Decrease,
            Self::Substitute => A::Substitute,
            Self::Finalize => A::Finalize,
            Self::Resend => A::Resend,
            Self::SwitchChannel => A::SwitchChannel,
            Self::NewCode => A::NewCode,
            Self::Interrupt => A::Quit,
            Self::Help => A::Help,
            Self::Details => A::Details,
            Self::Reveal => A::Reveal,
            Self::History => A::History,
            Self::Settlements => A::Settlements,
            Self::Refresh => A::Refresh,
            Self::Export => A::Export,
            Self::Print => A::Print,
            Self::SignOut => A::SignOut,
            Self::PaperPrescription => A::PaperPrescription,
            _ => return None,
        })
    }
}
