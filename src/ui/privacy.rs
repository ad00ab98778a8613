//! Personal data on a shared counter: document numbers show only their last four characters unless the clerk
//! reveals them (F7), so the next person in the queue cannot read them off the screen.

pub(super) use crate::counter::mask_document;

/// The document as the screen shows it: masked, or in clear once revealed.
pub(super) fn document(number: &str, reveal: bool) -> String {
    if reveal { number.to_owned() } else { mask_document(number) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_last_four_characters_show() {
        assert_eq!(mask_document("2547896320101"), "•••••••••0101");
        assert_eq!(mask_document("0101"), "••••");
        assert_eq!(mask_document(""), "");
        assert_eq!(document("2547896320101", true), "2547896320101");
    }
}
