//! The frame layout of the data codec (src/data/codec.ts holds the object
//! side): how a TimeSeries, Seismogram or ensemble is laid out as bytes.
//!
//! ```text
//!  0  "MSPC"          magic
//!  4  u8  version     1
//!  5  u8  kind        1 TimeSeries, 2 Seismogram, 3 TimeSeriesEnsemble, 4 SeismogramEnsemble
//!  6  u16 flags       bit 0: samples detached (they travel beside the frame)
//!  8  u32 head length bytes of the BSON head
//! 12  u32 nbuf        number of sample arrays
//! 16  u64 × nbuf      samples per array
//!  …  BSON head, zero padding to a multiple of 8, f64 LE samples (absent when detached)
//! ```
//!
//! `parse` validates a frame completely (lengths, kind, flags, that the head
//! is one well-formed BSON document) before anything is allocated from it,
//! so truncated or garbage input is an error, never a panic or a huge
//! allocation.

use std::ops::Range;

pub const MAGIC: &[u8; 4] = b"MSPC";
pub const VERSION: u8 = 1;
pub const FIXED: usize = 16;
pub const FLAG_DETACHED: u16 = 1;

/// What a frame holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    TimeSeries = 1,
    Seismogram = 2,
    TimeSeriesEnsemble = 3,
    SeismogramEnsemble = 4,
}

impl Kind {
    pub fn from_u8(k: u8) -> Option<Kind> {
        match k {
            1 => Some(Kind::TimeSeries),
            2 => Some(Kind::Seismogram),
            3 => Some(Kind::TimeSeriesEnsemble),
            4 => Some(Kind::SeismogramEnsemble),
            _ => None,
        }
    }

    pub fn is_atomic(self) -> bool {
        matches!(self, Kind::TimeSeries | Kind::Seismogram)
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("data codec: not a valid frame: {0}")]
pub struct FrameError(pub String);

fn bad<T>(why: impl Into<String>) -> Result<T, FrameError> {
    Err(FrameError(why.into()))
}

/// Where everything is in a validated frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    pub kind: Kind,
    pub detached: bool,
    /// Byte range of the BSON head.
    pub head: Range<usize>,
    /// Byte range of each sample array (empty ranges at the frame's end when detached).
    pub samples: Vec<Range<usize>>,
    /// Samples per array (also valid when detached).
    pub counts: Vec<u64>,
}

fn padded(n: usize) -> usize {
    (n + 7) & !7
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().expect("4 bytes"))
}

/// Validate `frame` and locate its parts.
pub fn parse(frame: &[u8]) -> Result<Layout, FrameError> {
    if frame.len() < FIXED {
        return bad(format!(
            "{} bytes is shorter than the {FIXED}-byte header",
            frame.len()
        ));
    }
    if &frame[0..4] != MAGIC {
        return bad("wrong magic");
    }
    if frame[4] != VERSION {
        return bad(format!("version {} (this build reads {VERSION})", frame[4]));
    }
    let Some(kind) = Kind::from_u8(frame[5]) else {
        return bad(format!("unknown kind {}", frame[5]));
    };
    let flags = u16::from_le_bytes([frame[6], frame[7]]);
    if flags & !FLAG_DETACHED != 0 {
        return bad(format!("unknown flags {flags}"));
    }
    let detached = flags & FLAG_DETACHED != 0;
    let head_len = u32_at(frame, 8) as usize;
    let nbuf = u32_at(frame, 12) as usize;
    if kind.is_atomic() && nbuf != 1 {
        return bad(format!("an atomic datum has {nbuf} sample arrays"));
    }
    // The table must fit before anything is sized from nbuf.
    let Some(head_at) = nbuf.checked_mul(8).and_then(|t| t.checked_add(FIXED)) else {
        return bad("sample table too large");
    };
    let Some(head_end) = head_at.checked_add(head_len) else {
        return bad("head length overflows");
    };
    if head_end > frame.len() {
        return bad(format!(
            "head ends at {head_end}, past the {}-byte frame",
            frame.len()
        ));
    }
    let mut counts = Vec::with_capacity(nbuf);
    for i in 0..nbuf {
        let at = FIXED + 8 * i;
        counts.push(u64::from_le_bytes(
            frame[at..at + 8].try_into().expect("8 bytes"),
        ));
    }
    let samples_at = padded(head_end);
    let mut samples = Vec::with_capacity(nbuf);
    let mut at = samples_at;
    for (i, &c) in counts.iter().enumerate() {
        let bytes = if detached {
            Some(0)
        } else {
            usize::try_from(c).ok().and_then(|c| c.checked_mul(8))
        };
        let Some(end) = bytes.and_then(|b| at.checked_add(b)) else {
            return bad(format!("sample array {i} claims {c} samples"));
        };
        if end > frame.len() {
            return bad(format!(
                "sample array {i} ends at {end}, past the {}-byte frame",
                frame.len()
            ));
        }
        samples.push(at..end);
        at = end;
    }
    if at != frame.len() {
        return bad(format!("{} bytes where the header says {at}", frame.len()));
    }
    let head = head_at..head_end;
    if let Err(e) = bson::Document::from_reader(&frame[head.clone()]) {
        return bad(format!("its head is not BSON ({e})"));
    }
    Ok(Layout {
        kind,
        detached,
        head,
        samples,
        counts,
    })
}

/// Build a whole frame: `head` is the BSON head, `samples` the arrays in order.
pub fn encode(kind: Kind, head: &[u8], samples: &[&[f64]]) -> Vec<u8> {
    let head_at = FIXED + 8 * samples.len();
    let samples_at = padded(head_at + head.len());
    let total = samples_at + samples.iter().map(|s| s.len() * 8).sum::<usize>();
    let mut out = Vec::with_capacity(total);
    out.extend_from_slice(MAGIC);
    out.push(VERSION);
    out.push(kind as u8);
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(&(head.len() as u32).to_le_bytes());
    out.extend_from_slice(&(samples.len() as u32).to_le_bytes());
    for s in samples {
        out.extend_from_slice(&(s.len() as u64).to_le_bytes());
    }
    out.extend_from_slice(head);
    out.resize(samples_at, 0);
    for s in samples {
        append_f64_le(&mut out, s);
    }
    out
}

/// Samples as little-endian bytes: one copy on little-endian hosts.
fn append_f64_le(out: &mut Vec<u8>, s: &[f64]) {
    #[cfg(target_endian = "little")]
    {
        // SAFETY: f64 has no padding or invalid bit patterns, and on a
        // little-endian host its in-memory bytes are the LE encoding.
        let bytes = unsafe {
            std::slice::from_raw_parts(s.as_ptr().cast::<u8>(), std::mem::size_of_val(s))
        };
        out.extend_from_slice(bytes);
    }
    #[cfg(not(target_endian = "little"))]
    for x in s {
        out.extend_from_slice(&x.to_le_bytes());
    }
}

/// The samples of array `i` of a whole frame, decoded (a copy).
pub fn samples_of(frame: &[u8], layout: &Layout, i: usize) -> Vec<f64> {
    frame[layout.samples[i].clone()]
        .chunks_exact(8)
        .map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes")))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn head_doc(n: usize) -> Vec<u8> {
        let members: Vec<bson::Bson> = (0..n)
            .map(|i| bson::Bson::Document(bson::doc! { "md": { "sta": format!("S{i}") }, "f": 1 }))
            .collect();
        bson::to_vec(&bson::doc! { "m": members }).unwrap()
    }

    #[test]
    fn round_trip_simple() {
        let head = head_doc(1);
        let s = [1.0, -2.5, f64::NAN, 1e300];
        let f = encode(Kind::TimeSeries, &head, &[&s]);
        let l = parse(&f).unwrap();
        assert_eq!(l.kind, Kind::TimeSeries);
        assert_eq!(&f[l.head.clone()], &head[..]);
        assert_eq!(l.samples[0].start % 8, 0);
        let back = samples_of(&f, &l, 0);
        assert_eq!(
            back.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
            s.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
        );
    }

    #[test]
    fn refuses_bad_headers() {
        let f = encode(
            Kind::TimeSeriesEnsemble,
            &head_doc(2),
            &[&[1.0], &[2.0, 3.0]],
        );
        let mut g = f.clone();
        g[0] = b'X';
        assert!(parse(&g).unwrap_err().0.contains("magic"));
        let mut g = f.clone();
        g[5] = 9;
        assert!(parse(&g).unwrap_err().0.contains("unknown kind 9"));
        let mut g = f.clone();
        g[12..16].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(parse(&g).is_err());
        let mut g = f.clone();
        g[16..24].copy_from_slice(&(u64::MAX / 2).to_le_bytes());
        assert!(parse(&g).is_err());
        let mut g = f.clone();
        g[8..12].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(parse(&g).is_err());
    }

    proptest! {
        #[test]
        fn round_trip(kind in 1u8..=4, arrays in proptest::collection::vec(proptest::collection::vec(any::<f64>(), 0..40), 1..6)) {
            let kind = Kind::from_u8(kind).unwrap();
            let arrays = if kind.is_atomic() { arrays[..1].to_vec() } else { arrays };
            let head = head_doc(arrays.len());
            let refs: Vec<&[f64]> = arrays.iter().map(|a| a.as_slice()).collect();
            let f = encode(kind, &head, &refs);
            let l = parse(&f).unwrap();
            prop_assert_eq!(l.kind, kind);
            prop_assert_eq!(l.counts.len(), arrays.len());
            for (i, a) in arrays.iter().enumerate() {
                let back = samples_of(&f, &l, i);
                prop_assert_eq!(back.iter().map(|x| x.to_bits()).collect::<Vec<_>>(), a.iter().map(|x| x.to_bits()).collect::<Vec<_>>());
            }
            // Every truncation is refused.
            for cut in 0..f.len() {
                prop_assert!(parse(&f[..cut]).is_err());
            }
        }

        #[test]
        fn garbage_is_an_error_never_a_panic(mut bytes in proptest::collection::vec(any::<u8>(), 0..256), keep_magic in any::<bool>()) {
            if keep_magic && bytes.len() >= 6 {
                bytes[..4].copy_from_slice(MAGIC);
                bytes[4] = VERSION;
            }
            let _ = parse(&bytes);
        }

        #[test]
        fn flipped_bytes_never_panic(pos in 0usize..200, val in any::<u8>()) {
            let mut f = encode(Kind::SeismogramEnsemble, &head_doc(2), &[&[1.0, 2.0, 3.0], &[4.0, 5.0, 6.0]]);
            let p = pos % f.len();
            f[p] = val;
            let _ = parse(&f);
        }
    }
}
