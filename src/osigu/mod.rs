//! Osigu's dispensing contract (`spec/contract.md`): the wire types both sides share, and the contract's pure
//! rules both sides must compute alike (money rounding, webhook signatures). The sandbox takes only these from
//! here; the HTTP client that talks to Osigu will live here too.
pub mod model;
pub mod webhook;
