//! Sandbox profiles: `demo` (the default, forgiving) and `faithful` (adds the real sandbox's 50 calls a
//! minute per client, answered with 429 and `Retry-After`).

use std::fmt;
use std::str::FromStr;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Profile {
    #[default]
    Demo,
    Faithful,
}

impl Profile {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Demo => "demo",
            Self::Faithful => "faithful",
        }
    }

    /// Whether API calls are rate limited.
    pub fn limits_api_calls(self) -> bool {
        self == Self::Faithful
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Profile {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "demo" => Ok(Self::Demo),
            "faithful" => Ok(Self::Faithful),
            other => Err(format!("unknown profile {other:?}: expected demo or faithful")),
        }
    }
}
