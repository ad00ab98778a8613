//! Mostrador: a keyboard-first pharmacy counter for redeeming Osigu codes.
pub mod check;
pub mod config;
pub mod counter;
pub mod files;
pub mod http;
pub mod i18n;
pub mod inert;
pub mod journal;
pub mod keymap;
pub mod logging;
pub mod osigu;
pub mod runtime;
pub mod sandbox;
pub mod terminal;
#[cfg(feature = "test-support")]
pub mod test_support;
pub mod ui;
