//! Serde types for every body of the contract, one file per area (settlements and webhook subscriptions of
//! §5–§6 and the pre-authorization requests of §10 included).
//!
//! The sandbox emits the first shape the contract names; decoding also accepts each documented variant
//! (`osigu-api-facts.md`, marked CONFLICT there) so the same types read the real Osigu's replies.
//!
//! Replies are decoded defensively: durations, quantities and amounts are range-checked ([`bounded`]) and the
//! enums a sponsor's configuration may extend keep a value this build does not know as `Unknown` ([`known`]).
pub mod bounded;
mod coverage;
mod dispensation;
mod ehr;
mod error;
mod ids;
pub mod known;
pub mod money;
mod otp;
mod preauthorization;
mod settlement;
mod sponsor;
mod subscription;
mod token;
pub mod whole;

pub use coverage::*;
pub use dispensation::*;
pub use ehr::*;
pub use error::*;
pub use ids::Id;
pub use known::Known;
pub use money::Money;
pub use otp::*;
pub use preauthorization::*;
pub use settlement::*;
pub use sponsor::*;
pub use subscription::*;
pub use token::*;

/// The name a value travels under on the wire (`OTP`, `SMS`, `OUT_OF_STOCK`…), for messages and logs; a
/// value this build does not know (never sent, so it has no wire name) reads `UNKNOWN`.
pub fn wire_name(value: &impl serde::Serialize) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(name)) => name,
        Ok(other) => other.to_string(),
        Err(_) => "UNKNOWN".to_owned(),
    }
}
