//! MsPASS's `index_mseed_file` scan (`mseed_file_indexer.cc`): one record at a
//! time, headers only; a new segment at a change of source id, or at a time
//! tear (|t − expected| > 0.5 s or |t − accumulated| > 0.5 s, when
//! `segment_time_tears`); a change of rate alone does not split. The first
//! corrupt record closes the open segment and stops the scan with a Complaint.
//!
//! Differences from MsPASS, each on purpose:
//! * `nbytes` of the last segment ends at the end of the last record (MsPASS
//!   adds the file's *first* record length, wrong for mixed record lengths);
//!   identical for the usual fixed-length files.
//! * Records with a 0 sampling rate (log/ASCII records) are left out of the
//!   segments with one Complaint (MsPASS raises ZeroDivisionError on them).

use super::ffi;
use super::scan::Scanner;
use super::{ns_to_epoch, MseedError};

#[derive(Debug, Clone, PartialEq)]
pub struct Segment {
    pub net: String,
    pub sta: String,
    pub loc: String,
    pub chan: String,
    pub sampling_rate: f64,
    pub delta: f64,
    pub starttime: f64,
    pub last_packet_time: f64,
    pub foff: u64,
    pub nbytes: u64,
    pub npts: i64,
    pub endtime: f64,
}

/// A problem found while indexing, with MsPASS's badness name.
#[derive(Debug, Clone, PartialEq)]
pub struct Complaint {
    pub badness: &'static str,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct IndexOutcome {
    pub segments: Vec<Segment>,
    pub complaints: Vec<Complaint>,
}

/// The tear tolerance MsPASS uses: a fixed half second, not half a sample.
const TEAR_TOLERANCE_S: f64 = 0.5;

struct Open {
    sid: String,
    parts: (String, String, String, String),
    foff: u64,
    start_ns: i64,
    npts: i64,
    rate: f64,
    last_start_ns: i64,
    last_count: i64,
    last_end: u64,
}

impl Open {
    fn close(self, end: u64) -> Segment {
        let (net, sta, loc, chan) = self.parts;
        let starttime = ns_to_epoch(self.start_ns);
        Segment {
            net,
            sta,
            loc,
            chan,
            sampling_rate: self.rate,
            delta: 1.0 / self.rate,
            starttime,
            last_packet_time: ns_to_epoch(self.last_start_ns),
            foff: self.foff,
            nbytes: end - self.foff,
            npts: self.npts,
            endtime: starttime + (self.npts - 1) as f64 / self.rate,
        }
    }
}

pub fn index_bytes(buf: &[u8], segment_time_tears: bool) -> IndexOutcome {
    let mut out = IndexOutcome::default();
    let mut open: Option<Open> = None;
    let mut valid = 0usize;
    let mut rate_zero = 0usize;
    let mut bad_sid = 0usize;
    let mut scanner = Scanner::new(buf, 0);
    for rec in &mut scanner {
        let rec = match rec {
            Ok(r) => r,
            Err(MseedError { offset, message }) => {
                out.complaints.push(Complaint {
                    badness: "Complaint",
                    message: format!("byte {offset}: {message}; scan stopped"),
                });
                if let Some(o) = open.take() {
                    out.segments.push(o.close(offset));
                }
                break;
            }
        };
        let h = rec.header;
        if !(h.rate.is_finite() && h.rate > 0.0) {
            rate_zero += 1;
            continue;
        }
        valid += 1;
        let tear = |o: &Open| {
            if !segment_time_tears {
                return false;
            }
            let dt = 1.0 / o.rate;
            let t = ns_to_epoch(h.start_ns);
            let expected = ns_to_epoch(o.last_start_ns) + o.last_count as f64 * dt;
            let accumulated = ns_to_epoch(o.start_ns) + dt * o.npts as f64;
            (t - expected).abs() > TEAR_TOLERANCE_S || (t - accumulated).abs() > TEAR_TOLERANCE_S
        };
        let continues = open.as_ref().is_some_and(|o| o.sid == h.sid && !tear(o));
        if continues {
            let o = open.as_mut().unwrap();
            o.npts += h.samplecnt;
            o.rate = h.rate;
            o.last_start_ns = h.start_ns;
            o.last_count = h.samplecnt;
            o.last_end = rec.offset + h.reclen as u64;
            continue;
        }
        let Some(parts) = ffi::split_sid(&h.sid) else {
            bad_sid += 1;
            continue;
        };
        if let Some(o) = open.take() {
            out.segments.push(o.close(rec.offset));
        }
        open = Some(Open {
            sid: h.sid.clone(),
            parts,
            foff: rec.offset,
            start_ns: h.start_ns,
            npts: h.samplecnt,
            rate: h.rate,
            last_start_ns: h.start_ns,
            last_count: h.samplecnt,
            last_end: rec.offset + h.reclen as u64,
        });
    }
    if let Some(o) = open.take() {
        let end = o.last_end;
        out.segments.push(o.close(end));
    }
    if bad_sid > 0 {
        out.complaints.push(Complaint {
            badness: "Complaint",
            message: format!(
                "{bad_sid} record(s) with a source id that could not be decoded were skipped"
            ),
        });
    }
    if rate_zero > 0 {
        out.complaints.push(Complaint {
            badness: "Complaint",
            message: format!(
                "{rate_zero} record(s) with no sampling rate (log or text records) were left out"
            ),
        });
    }
    if valid == 0 && out.segments.is_empty() {
        out.complaints.push(Complaint {
            badness: "Invalid",
            message: "Hit end of file before reading any valid packets".into(),
        });
    }
    out
}

/// Indexes a file (read whole; a missing/unreadable file is an error).
pub fn index_file(
    path: &std::path::Path,
    segment_time_tears: bool,
) -> std::io::Result<IndexOutcome> {
    let buf = std::fs::read(path)?;
    Ok(index_bytes(&buf, segment_time_tears))
}
