//! miniSEED: decoding, indexing and writing, on libmseed (through the
//! `libmseed-sys` / `mseed` crates). miniSEED 2 and 3, every encoding libmseed
//! knows (int16/32, float32/64, Steim1/2, CDSN, SRO, DWWSSN, GEOSCOPE), both
//! byte orders. Bad bytes give an error naming the offset, never a panic.

pub mod decode;
pub mod ffi;
pub mod index;
pub mod merge;
pub mod scan;
pub mod write;

pub use decode::{decode_pieces, decode_segment, Piece, SegmentRead};
pub use index::{index_bytes, index_file, IndexOutcome, Segment};
pub use merge::{FillValue, MergeOptions};
pub use write::{write_records, WriteOptions};

/// A miniSEED problem, with the byte offset (in the file) where it was found.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("miniSEED at byte {offset}: {message}")]
pub struct MseedError {
    pub offset: u64,
    pub message: String,
}

impl MseedError {
    pub fn at(offset: u64, message: impl Into<String>) -> Self {
        MseedError {
            offset,
            message: message.into(),
        }
    }
}

/// Epoch seconds of a libmseed nanosecond time, as MsPASS converts it.
pub fn ns_to_epoch(ns: i64) -> f64 {
    ns as f64 / 1e9
}
