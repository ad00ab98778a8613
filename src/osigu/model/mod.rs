//! Serde types for every body of the contract, one file per area.
//!
//! The sandbox emits the first shape the contract names; decoding also accepts each documented variant
//! (`osigu-api-facts.md`, marked CONFLICT there) so the same types read the real Osigu's replies.
mod dispensation;
mod ehr;
mod error;
mod ids;
pub mod money;
mod otp;
mod sponsor;
mod token;
pub mod whole;

pub use dispensation::*;
pub use ehr::*;
pub use error::*;
pub use ids::Id;
pub use money::Money;
pub use otp::*;
pub use sponsor::*;
pub use token::*;

/// The name a value travels under on the wire (`OTP`, `SMS`, `OUT_OF_STOCK`…), for messages and logs.
pub fn wire_name(value: &impl serde::Serialize) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(name)) => name,
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}
