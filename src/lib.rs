//! Mostrador: a keyboard-first pharmacy counter for redeeming Osigu codes.
pub mod config;
pub mod http;
pub mod osigu;
pub mod sandbox;
