//! What the clerk can ask for with a key: every [`Action`] with its name in `[keys]` and in the i18n catalogue, and
//! the POS-style keys it has when the configuration says nothing. The keymap (`crate::keymap`) binds keys to
//! actions; what an action does at a given moment, and whether it does anything, is the step's answer
//! ([`super::Offers`]).

/// Declares [`Action`] with its configuration name and default keys, written once.
macro_rules! actions {
    ($($(#[$doc:meta])* $variant:ident => $name:literal [$($key:literal),*],)+) => {
        /// Something the clerk can ask for with a key.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Action {
            $($(#[$doc])* $variant,)+
        }

        impl Action {
            /// Every action, in help order.
            pub const ALL: &'static [Action] = &[$(Action::$variant,)+];

            /// The name used in `[keys]` and in the i18n catalogue (`action.<name>`).
            pub fn name(self) -> &'static str {
                match self {
                    $(Action::$variant => $name,)+
                }
            }

            /// The keys bound to this action when the configuration says nothing.
            pub fn default_keys(self) -> &'static [&'static str] {
                match self {
                    $(Action::$variant => &[$($key),*],)+
                }
            }
        }
    };
}

actions! {
    /// Continue, confirm, submit.
    Continue => "continue" ["enter"],
    /// Back one step; closes a dialog.
    Back => "back" ["esc"],
    /// The help overlay.
    Help => "help" ["f1"],
    /// Leave what is in progress and scan a new code.
    NewCode => "new_code" ["f2"],
    /// Print the receipt (on Done), or again (a past one, in the history).
    Print => "print" ["f9"],
    /// Today's dispensations.
    History => "history" ["f3"],
    /// Substitute the selected line.
    Substitute => "substitute" ["f4"],
    /// Send the OTP again.
    Resend => "resend" ["f5"],
    /// Send the OTP by the sponsor's next channel.
    SwitchChannel => "switch_channel" ["f6"],
    /// Show personal data masked by default (document numbers).
    Reveal => "reveal" ["f7"],
    /// The technical details of a problem.
    Details => "details" ["f8"],
    /// Go to finalize (F12 too: some POS keyboards have no F10 within reach).
    Finalize => "finalize" ["f10", "f12"],
    NextField => "next_field" ["tab"],
    PrevField => "prev_field" ["shift-tab"],
    Up => "up" ["up"],
    Down => "down" ["down"],
    PageUp => "page_up" ["pageup"],
    PageDown => "page_down" ["pagedown"],
    /// One more unit of the selected line.
    Increase => "increase" ["+"],
    /// One unit fewer.
    Decrease => "decrease" ["-"],
    /// Sign the clerk out, between dispensations (when clerks sign in).
    SignOut => "sign_out" ["ctrl-o"],
    /// The settlement batches (radicación), for supervisors: a later role check guards this one action.
    Settlements => "settlements" ["ctrl-l"],
    /// Read again what the screen lists (the settlement batches).
    Refresh => "refresh" ["ctrl-r"],
    /// Write the selected settlement batch as CSV.
    Export => "export" ["ctrl-e"],
    /// A paper prescription: who pays, the POSOS Scan & Go page, the transcribed lines, the pre-authorization.
    PaperPrescription => "paper_prescription" ["f11", "ctrl-p"],
    /// Close Mostrador (asking first when a dispensation is in progress).
    Quit => "quit" ["ctrl-c"],
}
