//! Osigu's dispensing contract (`spec/contract.md`): the wire types both sides share, the contract's pure rules
//! both sides must compute alike (money rounding, webhook signatures), and the HTTP client the counter uses.
//! The sandbox takes only the types and rules from here.
pub mod client;
pub mod endpoint;
pub mod error;
pub mod model;
pub mod webhook;
