//! Mostrador: a keyboard-first pharmacy counter for redeeming Osigu codes.
pub mod check;
pub mod config;
pub mod counter;
pub mod files;
pub mod gs1;
pub mod http;
pub mod i18n;
pub mod inert;
pub mod journal;
pub mod keymap;
pub mod logging;
pub mod osigu;
pub mod receipt;
pub mod runtime;
pub mod sandbox;
pub mod terminal;
pub mod ui;
