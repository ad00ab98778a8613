//! Osigu's dispensing contract (`spec/contract.md`): the wire types both sides share and the webhook
//! signature scheme. The sandbox depends on this module for types only; the HTTP client lives here too.
pub mod model;
pub mod webhook;
