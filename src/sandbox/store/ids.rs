//! Identifiers and secrets: prefixed ULID-like ids (`dsp_01JD…`) and opaque tokens, from a seeded generator
//! so a run with a fixed seed hands out the same ids in the same order.

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use time::OffsetDateTime;
use ulid::Ulid;

use crate::osigu::model::Id;

pub(crate) struct IdGen {
    rng: StdRng,
}

impl IdGen {
    pub fn new(seed: u64) -> Self {
        Self { rng: StdRng::seed_from_u64(seed) }
    }

    /// `prefix_` + 26 Crockford base-32 characters: 48 bits of milliseconds, 80 random bits.
    pub fn id(&mut self, prefix: &str, now: OffsetDateTime) -> Id {
        let millis = u64::try_from(now.unix_timestamp_nanos() / 1_000_000).unwrap_or_default();
        let random = self.rng.random::<u128>() & ((1u128 << 80) - 1);
        Id::new(format!("{prefix}_{}", Ulid::from_parts(millis, random)))
    }

    /// An unguessable token such as `ovt_9f2c…` (128 bits, hex).
    pub fn secret(&mut self, prefix: &str) -> String {
        format!("{prefix}_{:032x}", self.rng.random::<u128>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_the_contract_shape_and_repeat_for_a_seed() {
        let now = OffsetDateTime::from_unix_timestamp(1_782_000_000).unwrap();
        let mut first = IdGen::new(7);
        let mut second = IdGen::new(7);
        let id = first.id("dsp", now);
        assert_eq!(id, second.id("dsp", now));
        let suffix = id.as_str().strip_prefix("dsp_").unwrap();
        assert_eq!(suffix.len(), 26);
        assert!(suffix.chars().all(|c| c.is_ascii_digit() || c.is_ascii_uppercase()));
        assert_ne!(first.id("dsp", now), id);
    }
}
