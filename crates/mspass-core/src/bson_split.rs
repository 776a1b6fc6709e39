//! The one splitter of concatenated BSON documents (the binding's "many
//! documents" buffer: insertMany input, bulk statements, cursor batches, the
//! `docs` of an ensemble read). Each document starts with its little-endian
//! int32 length.
//!
//! Bounds-checked: the declared length is read as the SIGNED int32 BSON says
//! it is and checked before any slice is taken. (Cast to `usize` first, a
//! negative length wraps to a huge one and a later `at + len` overflows or
//! slips past the check: a slice panic in release on bad input.)

use bson::RawDocument;

use crate::error::{CoreError, Result};

/// The smallest BSON document: its length and the trailing NUL.
const MIN_DOCUMENT: usize = 5;

/// Split `bytes` into the documents it concatenates, borrowed. A truncated
/// buffer, a length below 5 or beyond the end, or a malformed document is an
/// `InvalidArgument` naming `what` and the byte offset.
pub fn split_concatenated_raw<'a>(what: &str, bytes: &'a [u8]) -> Result<Vec<&'a RawDocument>> {
    let mut docs = Vec::new();
    let mut at = 0usize;
    while at < bytes.len() {
        let remaining = bytes.len() - at;
        if remaining < MIN_DOCUMENT {
            return Err(CoreError::InvalidArgument(format!(
                "{what}: truncated BSON document at byte {at}"
            )));
        }
        let declared = i32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
        let len = match usize::try_from(declared) {
            Ok(len) if (MIN_DOCUMENT..=remaining).contains(&len) => len,
            _ => {
                return Err(CoreError::InvalidArgument(format!(
                    "{what}: BSON document at byte {at} declares length {declared}, {remaining} bytes remain"
                )))
            }
        };
        let doc = RawDocument::from_bytes(&bytes[at..at + len]).map_err(|e| {
            CoreError::InvalidArgument(format!("{what}: malformed BSON document at byte {at}: {e}"))
        })?;
        docs.push(doc);
        at += len;
    }
    Ok(docs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use bson::rawdoc;
    use proptest::prelude::*;

    fn two() -> Vec<u8> {
        let mut bytes = rawdoc! { "a": 1 }.as_bytes().to_vec();
        bytes.extend_from_slice(rawdoc! { "b": "two", "n": { "x": 1.5 } }.as_bytes());
        bytes
    }

    #[test]
    fn splits_in_order_and_empty_is_none() {
        let bytes = two();
        let docs = split_concatenated_raw("docs", &bytes).unwrap();
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[0].get_i32("a").unwrap(), 1);
        assert_eq!(docs[1].get_str("b").unwrap(), "two");
        assert!(split_concatenated_raw("docs", &[]).unwrap().is_empty());
    }

    #[test]
    fn rejects_negative_tiny_and_huge_lengths() {
        for declared in [-1i32, i32::MIN, -5, 0, 4, i32::MAX] {
            let mut bytes = declared.to_le_bytes().to_vec();
            bytes.extend_from_slice(&[0u8; 8]);
            let err = split_concatenated_raw("docs", &bytes).unwrap_err();
            assert_eq!(err.kind(), "InvalidArgument");
            assert!(
                err.to_string()
                    .contains(&format!("declares length {declared}")),
                "{err}"
            );
            assert!(err.to_string().starts_with("docs:"), "{err}");
        }
    }

    #[test]
    fn rejects_truncation_and_a_missing_terminator() {
        let bytes = two();
        let err = split_concatenated_raw("docs", &bytes[..bytes.len() - 2]).unwrap_err();
        assert_eq!(err.kind(), "InvalidArgument");
        let mut bad = rawdoc! { "a": 1 }.as_bytes().to_vec();
        *bad.last_mut().unwrap() = 7; // not the trailing NUL
        let err = split_concatenated_raw("docs", &bad).unwrap_err();
        assert!(
            err.to_string()
                .contains("malformed BSON document at byte 0"),
            "{err}"
        );
    }

    proptest! {
        /// Any bytes at all: an answer, never a panic.
        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = split_concatenated_raw("docs", &bytes);
        }
    }
}
