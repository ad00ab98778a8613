//! The pure core fed anything: keys through the real keymap, scans, pastes, signals, replies to the requests
//! it awaits (good, mangled, of the wrong kind, failed; in any order), replies nobody awaits, and time that
//! jumps. `counter::update` never panics, and the counter can always say whether it is typing, whether it
//! waits for anything, and when it next needs a tick.

use proptest::prelude::*;

use crate::generators::{World, action};

proptest! {
    #![proptest_config(crate::config(1000))]

    #[test]
    fn the_core_survives_any_sequence_of_keys_replies_and_time(
        actions in prop::collection::vec(action(), 1..80),
    ) {
        let mut world = World::new();
        for action in &actions {
            world.act(action);
            let _ = (world.app.typing(), world.app.busy(), world.app.wake_at());
        }
    }
}
