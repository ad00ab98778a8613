//! Whole numbers as some encoders write them: `30`, or `30.0`. JSON Schema counts `30.0` as an integer, so
//! both sides of the contract accept it for quantities; `30.5` is still refused.

use std::fmt;
use std::marker::PhantomData;

use serde::Deserializer;
use serde::de::{self, Visitor};

struct WholeVisitor<T>(PhantomData<T>);

impl<T: TryFrom<i64>> Visitor<'_> for WholeVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a whole number")
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<T, E> {
        T::try_from(value).map_err(|_| E::invalid_value(de::Unexpected::Signed(value), &self))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<T, E> {
        let signed = i64::try_from(value).map_err(|_| E::invalid_value(de::Unexpected::Unsigned(value), &self))?;
        self.visit_i64(signed)
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<T, E> {
        // Within ±2^53 every whole f64 is exact, so the conversion below loses nothing.
        const EXACT: f64 = 9_007_199_254_740_992.0;
        if value.fract() != 0.0 || !(-EXACT..=EXACT).contains(&value) {
            return Err(E::invalid_value(de::Unexpected::Float(value), &self));
        }
        self.visit_i64(value as i64)
    }
}

/// `#[serde(deserialize_with = "whole::number")]`.
pub fn number<'de, D: Deserializer<'de>, T: TryFrom<i64>>(deserializer: D) -> Result<T, D::Error> {
    deserializer.deserialize_any(WholeVisitor(PhantomData))
}

/// `#[serde(default, deserialize_with = "whole::optional")]`.
pub fn optional<'de, D: Deserializer<'de>, T: TryFrom<i64>>(deserializer: D) -> Result<Option<T>, D::Error> {
    struct OptionalVisitor<T>(PhantomData<T>);

    impl<'de, T: TryFrom<i64>> Visitor<'de> for OptionalVisitor<T> {
        type Value = Option<T>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a whole number or null")
        }

        fn visit_none<E: de::Error>(self) -> Result<Option<T>, E> {
            Ok(None)
        }

        fn visit_unit<E: de::Error>(self) -> Result<Option<T>, E> {
            Ok(None)
        }

        fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Option<T>, D::Error> {
            number(deserializer).map(Some)
        }
    }

    deserializer.deserialize_option(OptionalVisitor(PhantomData))
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    #[derive(Deserialize, Debug, PartialEq)]
    struct Line {
        #[serde(deserialize_with = "super::number")]
        quantity: u32,
        #[serde(default, deserialize_with = "super::optional")]
        extra: Option<i64>,
    }

    #[test]
    fn accepts_whole_floats_and_refuses_fractions_and_overflow() {
        let parse = |text: &str| serde_json::from_str::<Line>(text);
        assert_eq!(parse(r#"{"quantity": 30}"#).unwrap(), Line { quantity: 30, extra: None });
        assert_eq!(parse(r#"{"quantity": 30.0, "extra": -2.0}"#).unwrap(), Line { quantity: 30, extra: Some(-2) });
        assert_eq!(parse(r#"{"quantity": 1, "extra": null}"#).unwrap().extra, None);
        assert!(parse(r#"{"quantity": 30.5}"#).is_err());
        assert!(parse(r#"{"quantity": -1}"#).is_err());
        assert!(parse(r#"{"quantity": 1e300}"#).is_err());
        assert!(parse(r#"{"quantity": "30"}"#).is_err());
    }
}
