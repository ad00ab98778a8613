//! The paper's width in characters: the three that the receipt printers pharmacies have print (font A), 32 on
//! 58 mm paper, 42 or 48 on 80 mm paper depending on the model. Any other number is refused where it is read,
//! so a layout is only ever made for one of them.

use serde::Deserialize;

/// Columns of one printed line.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Width {
    /// 58 mm paper.
    W32,
    /// 80 mm paper on printers with a wider font A (some Epson and Bixolon models).
    W42,
    /// 80 mm paper, the most common.
    #[default]
    W48,
}

impl Width {
    /// Every width, narrowest first.
    pub const ALL: [Width; 3] = [Width::W32, Width::W42, Width::W48];

    /// The number of characters of one line.
    pub fn columns(self) -> usize {
        match self {
            Self::W32 => 32,
            Self::W42 => 42,
            Self::W48 => 48,
        }
    }
}

/// A width that is not one of the three printers'.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("expected 32, 42 or 48 (characters per line: 32 on 58 mm paper, 42 or 48 on 80 mm), found {0}")]
pub struct WidthError(pub i64);

impl TryFrom<i64> for Width {
    type Error = WidthError;

    fn try_from(value: i64) -> Result<Self, Self::Error> {
        match value {
            32 => Ok(Self::W32),
            42 => Ok(Self::W42),
            48 => Ok(Self::W48),
            other => Err(WidthError(other)),
        }
    }
}

impl<'de> Deserialize<'de> for Width {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = i64::deserialize(deserializer)?;
        Self::try_from(value).map_err(serde::de::Error::custom)
    }
}
