//! Where in the file an error is: the dotted key serde was reading, and the line it is written on.

/// The dotted key an error is about, as serde_path_to_error tracked it (an unknown key included); `None` for
/// the document itself.
pub(super) fn failing_key(path: &serde_path_to_error::Path) -> Option<String> {
    let key = path.to_string();
    (key != ".").then_some(key)
}

/// The 1-based line of a byte offset.
pub(super) fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end].iter().filter(|&&byte| byte == b'\n').count() + 1
}

/// The line on which a dotted key (`osigu.base_url`) is written; `None` when it is not in the text.
pub(super) fn key_line(text: &str, dotted: &str) -> Option<usize> {
    let root = toml::de::DeTable::parse(text).ok()?;
    let mut table = root.get_ref();
    let mut segments = dotted.split('.').peekable();
    while let Some(segment) = segments.next() {
        let (key, value) = table.iter().find(|(key, _)| key.get_ref().as_ref() == segment)?;
        if segments.peek().is_none() {
            return Some(line_of(text, key.span().start));
        }
        table = value.get_ref().as_table()?;
    }
    None
}
