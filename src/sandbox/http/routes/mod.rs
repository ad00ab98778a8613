//! Route handlers, one file per area of the contract. Each handler checks its scope through its
//! `Authorized<…>` argument, locks the store once, and answers.
pub(crate) mod authorization_requests;
pub(crate) mod dispensations;
pub(crate) mod ehr;
pub(crate) mod extras;
pub(crate) mod otp;
pub(crate) mod posos;
pub(crate) mod settlements;
pub(crate) mod sponsors;
pub(crate) mod token;
pub(crate) mod verification;
pub(crate) mod webhooks;
