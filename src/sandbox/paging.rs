//! Paging of list replies: `page` is 0-based, `size` goes from 1 to 200 and defaults to 50.

use crate::osigu::model::{Page, PageInfo};
use crate::sandbox::error::ApiError;

const DEFAULT_SIZE: u32 = 50;
const MAX_SIZE: u32 = 200;

/// The page of a list a request asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct PageRequest {
    pub number: u32,
    pub size: u32,
}

impl Default for PageRequest {
    fn default() -> Self {
        Self { number: 0, size: DEFAULT_SIZE }
    }
}

fn number(field: &str, text: &str, range: std::ops::RangeInclusive<u32>) -> Result<u32, ApiError> {
    text.parse::<u32>().ok().filter(|value| range.contains(value)).ok_or_else(|| {
        ApiError::invalid_field(field, format!("expected a whole number from {} to {}", range.start(), range.end()))
    })
}

impl PageRequest {
    /// Reads the raw `page` and `size` query values; out of range is a `VALIDATION_ERROR` naming the field.
    pub fn parse(page: Option<&str>, size: Option<&str>) -> Result<Self, ApiError> {
        let defaults = Self::default();
        Ok(Self {
            number: page
                .map(|text| number("page", text, 0..=u32::MAX / MAX_SIZE))
                .transpose()?
                .unwrap_or(defaults.number),
            size: size.map(|text| number("size", text, 1..=MAX_SIZE)).transpose()?.unwrap_or(defaults.size),
        })
    }

    /// Cuts this page out of every matching item, rendering only the items shown.
    pub fn cut<T, U>(self, all: Vec<T>, render: impl FnMut(T) -> U) -> Page<U> {
        let size = self.size.max(1);
        let total_elements = all.len() as u64;
        let skip = (self.number as usize).saturating_mul(size as usize);
        Page {
            content: all.into_iter().skip(skip).take(size as usize).map(render).collect(),
            page: PageInfo {
                number: self.number,
                size,
                total_elements,
                total_pages: u32::try_from(total_elements.div_ceil(u64::from(size))).unwrap_or(u32::MAX),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_cut_and_count() {
        let request = PageRequest::parse(Some("1"), Some("2")).unwrap();
        let page = request.cut(vec![1, 2, 3, 4, 5], |n| n * 10);
        assert_eq!(page.content, [30, 40]);
        assert_eq!((page.page.total_elements, page.page.total_pages), (5, 3));
        assert_eq!(PageRequest::parse(None, None).unwrap(), PageRequest { number: 0, size: 50 });
        assert_eq!(PageRequest::parse(None, Some("0")).unwrap_err().errors[0].path, "size");
        assert_eq!(PageRequest::parse(Some("-1"), None).unwrap_err().errors[0].path, "page");
        assert!(PageRequest { number: 9, size: 50 }.cut(vec![1], |n| n).content.is_empty());
    }
}
