//! Opaque identifiers.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, de};
use utoipa::ToSchema;

/// An Osigu identifier such as `dsp_01JD…`. The guides use prefixed strings and the schemas use int64, so
/// both decode; either way the value is opaque text to Mostrador.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, ToSchema)]
#[serde(transparent)]
#[schema(value_type = String, example = "dsp_01JD0SANDBX00000000000001")]
pub struct Id(String);

impl Id {
    /// Wraps any text as an id.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The id as sent on the wire.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for Id {
    fn from(value: &str) -> Self {
        Self::new(value)
    }
}

impl From<String> for Id {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl PartialEq<str> for Id {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl<'de> Deserialize<'de> for Id {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct IdVisitor;

        impl de::Visitor<'_> for IdVisitor {
            type Value = Id;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an id as a string or an integer")
            }

            fn visit_str<E: de::Error>(self, value: &str) -> Result<Id, E> {
                Ok(Id::new(value))
            }

            fn visit_string<E: de::Error>(self, value: String) -> Result<Id, E> {
                Ok(Id(value))
            }

            fn visit_u64<E: de::Error>(self, value: u64) -> Result<Id, E> {
                Ok(Id(value.to_string()))
            }

            fn visit_i64<E: de::Error>(self, value: i64) -> Result<Id, E> {
                Ok(Id(value.to_string()))
            }
        }

        deserializer.deserialize_any(IdVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_prefixed_strings_and_int64_ids_alike() {
        let ids: Vec<Id> = serde_json::from_str(r#"["dsp_01ABC", 4817, -2]"#).unwrap();
        assert_eq!(ids, vec![Id::new("dsp_01ABC"), Id::new("4817"), Id::new("-2")]);
        assert_eq!(serde_json::to_string(&ids[1]).unwrap(), r#""4817""#);
    }
}
