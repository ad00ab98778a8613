//! Enums of the contract that may grow. A reply tolerates a value this build does not know: it decodes as the
//! enum's `Unknown` variant, so one new OTP channel or settlement mode does not make a whole sponsor unusable;
//! the counter then does not offer that value and shows it as unknown. A request does not tolerate one: the
//! fields the sandbox reads are decoded with [`required`] / [`optional`], which refuse an unknown value as
//! invalid, as they did before the enums grew an `Unknown` variant.

use serde::de::{self, Deserialize, DeserializeOwned, Deserializer, Unexpected};

use super::{
    BiometricCapture, BiometricType, EvaluationMode, OtpChannel, SettlementMode, SponsorVerification,
    SubstitutionReason, VerificationMethod,
};

/// A value of an enum that has an `Unknown` variant for values this build does not know.
pub trait Known {
    /// False for the `Unknown` variant.
    fn is_known(&self) -> bool;
}

macro_rules! known_unless_unknown {
    ($($name:ty),+ $(,)?) => {
        $(impl Known for $name {
            fn is_known(&self) -> bool {
                !matches!(self, Self::Unknown)
            }
        })+
    };
}

known_unless_unknown!(
    BiometricCapture,
    BiometricType,
    EvaluationMode,
    OtpChannel,
    SettlementMode,
    SponsorVerification,
    SubstitutionReason,
    VerificationMethod,
);

const A_KNOWN_VALUE: &str = "a value the contract names";

/// `#[serde(deserialize_with = "known::required")]`: the value, refused when this build does not know it.
pub fn required<'de, D: Deserializer<'de>, T: DeserializeOwned + Known>(deserializer: D) -> Result<T, D::Error> {
    // Read as text first, so the refusal can say which value it was.
    let text = String::deserialize(deserializer)?;
    let value = T::deserialize(de::value::StrDeserializer::<D::Error>::new(&text))?;
    if !value.is_known() {
        return Err(de::Error::invalid_value(Unexpected::Str(&text), &A_KNOWN_VALUE));
    }
    Ok(value)
}

/// `#[serde(default, deserialize_with = "known::optional")]`: [`required`], or `null` / absent.
pub fn optional<'de, D: Deserializer<'de>, T: DeserializeOwned + Known>(
    deserializer: D,
) -> Result<Option<T>, D::Error> {
    let Some(text) = Option::<String>::deserialize(deserializer)? else { return Ok(None) };
    let value = T::deserialize(de::value::StrDeserializer::<D::Error>::new(&text))?;
    if !value.is_known() {
        return Err(de::Error::invalid_value(Unexpected::Str(&text), &A_KNOWN_VALUE));
    }
    Ok(Some(value))
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Deserialize, Debug)]
    struct Request {
        #[serde(deserialize_with = "required")]
        channel: OtpChannel,
        #[serde(default, deserialize_with = "optional")]
        reason: Option<SubstitutionReason>,
    }

    #[test]
    fn replies_keep_an_unknown_value_and_requests_refuse_it() {
        let channels: Vec<OtpChannel> = serde_json::from_str(r#"["SMS","WHATSAPP"]"#).unwrap();
        assert_eq!(channels, [OtpChannel::Sms, OtpChannel::Unknown]);
        assert!(channels[0].is_known() && !channels[1].is_known());

        let request: Request = serde_json::from_str(r#"{"channel":"EMAIL","reason":null}"#).unwrap();
        assert_eq!((request.channel, request.reason), (OtpChannel::Email, None));
        let request: Request = serde_json::from_str(r#"{"channel":"SMS","reason":"OTHER"}"#).unwrap();
        assert_eq!(request.reason, Some(SubstitutionReason::Other));

        let error = serde_json::from_str::<Request>(r#"{"channel":"WHATSAPP"}"#).unwrap_err().to_string();
        assert!(error.contains("WHATSAPP") && error.contains(A_KNOWN_VALUE), "{error}");
        assert!(serde_json::from_str::<Request>(r#"{"channel":"SMS","reason":"BARTER"}"#).is_err());
        assert!(serde_json::from_str::<Request>(r#"{"channel":3}"#).is_err());
    }
}
