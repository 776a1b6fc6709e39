//! Writing float64 samples as miniSEED with libmseed's packer (`mseed::pack_raw`).
//!
//! Integer encodings (Steim2 — the default —, Steim1, int32, int16) are used
//! only when every sample is an integer in range: a lossy write is refused
//! with an error instead of silently rounding. Float encodings take anything.

use std::ffi::{c_char, CStr, CString};

use mseed::{MSControlFlags, MSDataEncoding, PackInfo};

use super::MseedError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Steim2,
    Steim1,
    Int32,
    Int16,
    Float32,
    Float64,
}

impl Encoding {
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name.to_ascii_lowercase().as_str() {
            "steim2" => Encoding::Steim2,
            "steim1" => Encoding::Steim1,
            "int32" => Encoding::Int32,
            "int16" => Encoding::Int16,
            "float32" => Encoding::Float32,
            "float64" => Encoding::Float64,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct WriteOptions {
    pub encoding: Encoding,
    /// Record length in bytes (power of two, 256..=65536 for miniSEED 2).
    pub record_length: i32,
    /// 2 (readable by obspy and every SEED tool) or 3.
    pub format_version: u8,
}

impl Default for WriteOptions {
    fn default() -> Self {
        WriteOptions {
            encoding: Encoding::Steim2,
            record_length: 4096,
            format_version: 2,
        }
    }
}

fn fdsn_sid(net: &str, sta: &str, loc: &str, chan: &str) -> Result<CString, MseedError> {
    let c = |s: &str| {
        CString::new(s).map_err(|_| MseedError::at(0, format!("code {s:?} contains NUL")))
    };
    let (n, s, l, ch) = (c(net)?, c(sta)?, c(loc)?, c(chan)?);
    let mut buf = [0 as c_char; 64];
    // SAFETY: buf has LM_SIDLEN bytes, the length passed.
    let rv = unsafe {
        libmseed_sys::ms_nslc2sid(
            buf.as_mut_ptr(),
            buf.len() as i32,
            0,
            n.as_ptr(),
            s.as_ptr(),
            l.as_ptr(),
            ch.as_ptr(),
        )
    };
    let _ = super::ffi::take_log();
    if rv < 0 {
        return Err(MseedError::at(
            0,
            format!("cannot form a source id from {net}.{sta}.{loc}.{chan}"),
        ));
    }
    // SAFETY: NUL-terminated by libmseed.
    Ok(unsafe { CStr::from_ptr(buf.as_ptr()) }.to_owned())
}

/// Packs `samples` into miniSEED records, appended to `out`. Returns the
/// number of records written.
pub fn write_records(
    out: &mut Vec<u8>,
    codes: (&str, &str, &str, &str),
    start_ns: i64,
    sampling_rate: f64,
    samples: &[f64],
    opts: &WriteOptions,
) -> Result<usize, MseedError> {
    if !(sampling_rate.is_finite() && sampling_rate > 0.0) {
        return Err(MseedError::at(
            0,
            format!("sampling rate {sampling_rate} is not positive"),
        ));
    }
    if !(opts.record_length >= 128
        && opts.record_length <= 65536
        && (opts.record_length & (opts.record_length - 1)) == 0)
    {
        return Err(MseedError::at(
            0,
            format!(
                "record length {} is not a power of two in 128..65536",
                opts.record_length
            ),
        ));
    }
    let sid = fdsn_sid(codes.0, codes.1, codes.2, codes.3)?;
    let mut info = PackInfo::with_sample_rate(sid.as_bytes(), sampling_rate)
        .map_err(|e| MseedError::at(0, e.to_string()))?;
    info.rec_len = opts.record_length;
    info.format_version = opts.format_version;
    info.encoding = match opts.encoding {
        Encoding::Steim2 => MSDataEncoding::Steim2,
        Encoding::Steim1 => MSDataEncoding::Steim1,
        Encoding::Int32 => MSDataEncoding::Integer32,
        Encoding::Int16 => MSDataEncoding::Integer16,
        Encoding::Float32 => MSDataEncoding::Float32,
        Encoding::Float64 => MSDataEncoding::Float64,
    };
    let mut flags = MSControlFlags::MSF_FLUSHDATA;
    if opts.format_version == 2 {
        flags |= MSControlFlags::MSF_PACKVER2;
    }
    let start = time::OffsetDateTime::from_unix_timestamp_nanos(start_ns as i128)
        .map_err(|e| MseedError::at(0, format!("start time out of range: {e}")))?;
    let handler = |rec: &[u8]| out.extend_from_slice(rec);
    let packed = match opts.encoding {
        Encoding::Float64 => {
            let mut data = samples.to_vec();
            mseed::pack_raw(&mut data, &start, handler, &info, flags)
        }
        Encoding::Float32 => {
            let mut data: Vec<f32> = samples.iter().map(|&v| v as f32).collect();
            mseed::pack_raw(&mut data, &start, handler, &info, flags)
        }
        enc => {
            let (lo, hi) = if enc == Encoding::Int16 {
                (i16::MIN as f64, i16::MAX as f64)
            } else {
                (i32::MIN as f64, i32::MAX as f64)
            };
            if let Some((i, v)) = samples
                .iter()
                .enumerate()
                .find(|(_, &v)| v.fract() != 0.0 || !(lo..=hi).contains(&v))
            {
                return Err(MseedError::at(
                    0,
                    format!("sample {i} = {v} is not an integer in the range of {enc:?}; use encoding \"float64\" (or \"float32\") for non-integer data"),
                ));
            }
            let mut data: Vec<i32> = samples.iter().map(|&v| v as i32).collect();
            mseed::pack_raw(&mut data, &start, handler, &info, flags)
        }
    };
    let (records, _) = packed.map_err(|e| {
        let log = super::ffi::take_log();
        MseedError::at(0, if log.is_empty() { e.to_string() } else { log })
    })?;
    Ok(records)
}
