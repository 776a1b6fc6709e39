//! Decoding a byte range of miniSEED into float64 samples.
//!
//! Headers are scanned first (cheap, sequential); then the records' samples
//! are unpacked in parallel, each thread writing straight into its part of one
//! output buffer. Records are grouped into contiguous pieces with obspy's rule
//! (same id, same rate, same sample kind, next start within half a sample of
//! the expected time, compared with the last piece of that id), so a segment
//! gives the traces `obspy.read` gives, before any merge.

use super::ffi::{encoding_sample_type, Parser, Samples};
use super::merge::{merge_pieces, MergeOptions, Merged};
use super::scan::{RecordAt, Scanner};
use super::MseedError;

/// One contiguous run of samples, like one obspy Trace.
#[derive(Debug, Clone, PartialEq)]
pub struct Piece {
    pub sid: String,
    pub start_ns: i64,
    pub rate: f64,
    /// 'i' integer, 'f' float32, 'd' float64 (obspy's dtype; 'd' for empty records).
    pub kind: u8,
    pub samples: Vec<f64>,
}

/// Below this many records one thread decodes (spawning costs more than it saves).
const PARALLEL_MIN_RECORDS: usize = 64;

/// Scans all records of `buf` (`base` = file offset of `buf[0]`).
pub fn scan_all(buf: &[u8], base: u64) -> Result<Vec<RecordAt>, MseedError> {
    let mut out = Vec::with_capacity(buf.len() / 512 + 1);
    for r in Scanner::new(buf, base) {
        out.push(r?);
    }
    Ok(out)
}

/// Unpack one record into `out`; `Ok(true)` when its Steim integrity check failed.
fn unpack_into(
    parser: &mut Parser,
    buf: &[u8],
    base: u64,
    rec: &RecordAt,
    out: &mut [f64],
) -> Result<bool, MseedError> {
    let at = (rec.offset - base) as usize;
    parser.parse(&buf[at..], true);
    let written = parser
        .unpack(|s| match s {
            Samples::Int(v) => copy_exact(v.iter().map(|&x| x as f64), out),
            Samples::Float(v) => copy_exact(v.iter().map(|&x| x as f64), out),
            Samples::Double(v) => copy_exact(v.iter().copied(), out),
        })
        .map_err(|m| MseedError::at(rec.offset, format!("{}: {m}", rec.header.sid)))?;
    if written != out.len() {
        return Err(MseedError::at(
            rec.offset,
            format!(
                "{}: decoded {written} samples, header says {}",
                rec.header.sid,
                out.len()
            ),
        ));
    }
    Ok(parser.integrity_failed())
}

fn copy_exact(src: impl ExactSizeIterator<Item = f64>, out: &mut [f64]) -> usize {
    let n = src.len();
    if n != out.len() {
        return n;
    }
    for (o, v) in out.iter_mut().zip(src) {
        *o = v;
    }
    n
}

/// Every record's samples in one buffer (record order), and how many
/// records failed their Steim integrity check.
pub struct Unpacked {
    pub samples: Vec<f64>,
    pub integrity_failures: usize,
}

/// Unpacks every record's samples into one buffer (record order), in parallel.
pub fn unpack_all(buf: &[u8], base: u64, records: &[RecordAt]) -> Result<Unpacked, MseedError> {
    let counts: Vec<usize> = records
        .iter()
        .map(|r| r.header.samplecnt.max(0) as usize)
        .collect();
    let total: usize = counts.iter().sum();
    // The scanner's sample-count bound keeps this within a small multiple of the input.
    let mut out = vec![0.0f64; total];
    // Faulting in hundreds of MB of fresh 4 KiB pages was ~60% of a 100 MB
    // decode (perf: exc_page_fault, clear_page); 2 MiB pages cut that.
    crate::mem::advise_huge_pages(&mut out);
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(8);
    if threads <= 1 || records.len() < PARALLEL_MIN_RECORDS {
        let mut parser = Parser::new();
        let mut rest = &mut out[..];
        let mut integrity_failures = 0;
        for (r, &n) in records.iter().zip(&counts) {
            let (head, tail) = rest.split_at_mut(n);
            integrity_failures += unpack_into(&mut parser, buf, base, r, head)? as usize;
            rest = tail;
        }
        return Ok(Unpacked {
            samples: out,
            integrity_failures,
        });
    }
    // Split records into `threads` runs of about equal sample counts.
    let per = total.div_ceil(threads).max(1);
    let mut jobs: Vec<(&[RecordAt], &[usize], &mut [f64])> = Vec::new();
    let mut rest = &mut out[..];
    let (mut i, mut start, mut acc) = (0usize, 0usize, 0usize);
    while i < records.len() {
        acc += counts[i];
        i += 1;
        if acc >= per || i == records.len() {
            let (head, tail) = rest.split_at_mut(acc);
            jobs.push((&records[start..i], &counts[start..i], head));
            rest = tail;
            start = i;
            acc = 0;
        }
    }
    let results: Vec<Result<usize, MseedError>> = std::thread::scope(|s| {
        let handles: Vec<_> = jobs
            .into_iter()
            .map(|(recs, cnts, slice)| {
                s.spawn(move || {
                    let mut parser = Parser::new();
                    let mut rest = slice;
                    let mut failures = 0;
                    for (r, &n) in recs.iter().zip(cnts) {
                        let (head, tail) = rest.split_at_mut(n);
                        failures += unpack_into(&mut parser, buf, base, r, head)? as usize;
                        rest = tail;
                    }
                    Ok(failures)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(MseedError::at(base, "decoder thread panicked")))
            })
            .collect()
    });
    let mut integrity_failures = 0;
    for r in results {
        integrity_failures += r?;
    }
    Ok(Unpacked {
        samples: out,
        integrity_failures,
    })
}

/// Groups records into obspy-like pieces. With `keep_empty`, records without
/// samples make their own (empty, kind 'd') pieces as obspy does; otherwise
/// they are dropped (they carry no samples and would only block a merge).
pub fn group_pieces(records: &[RecordAt], samples: Vec<f64>, keep_empty: bool) -> Vec<Piece> {
    struct Acc {
        sid: String,
        start_ns: i64,
        rate: f64,
        kind: u8,
        npts: usize,
        ranges: Vec<(usize, usize)>,
    }
    let mut pieces: Vec<Acc> = Vec::new();
    let mut last_of_sid: Vec<(String, usize)> = Vec::new();
    let mut offset = 0usize;
    for r in records {
        let h = &r.header;
        let n = h.samplecnt.max(0) as usize;
        let range = (offset, offset + n);
        offset += n;
        if n == 0 && !keep_empty {
            continue;
        }
        let kind = if n == 0 {
            b'd'
        } else {
            encoding_sample_type(h.encoding)
        };
        let slot = last_of_sid.iter().position(|(s, _)| *s == h.sid);
        let joins = slot.map(|k| last_of_sid[k].1).filter(|&p| {
            let a = &pieces[p];
            if a.rate != h.rate || a.kind != kind || a.rate <= 0.0 {
                return false;
            }
            let period_ns = 1e9 / a.rate;
            let expected = a.start_ns as f64 + a.npts as f64 * period_ns;
            (h.start_ns as f64 - expected).abs() <= 0.5 * period_ns
        });
        match joins {
            Some(p) => {
                pieces[p].npts += n;
                pieces[p].ranges.push(range);
            }
            None => {
                pieces.push(Acc {
                    sid: h.sid.clone(),
                    start_ns: h.start_ns,
                    rate: h.rate,
                    kind,
                    npts: n,
                    ranges: vec![range],
                });
                let p = pieces.len() - 1;
                match slot {
                    Some(k) => last_of_sid[k].1 = p,
                    None => last_of_sid.push((h.sid.clone(), p)),
                }
            }
        }
    }
    // obspy lists traces id by id (ids in order of first appearance).
    let order: Vec<usize> = {
        let mut ids: Vec<&str> = Vec::new();
        for p in &pieces {
            if !ids.contains(&p.sid.as_str()) {
                ids.push(&p.sid);
            }
        }
        ids.iter()
            .flat_map(|id| {
                pieces
                    .iter()
                    .enumerate()
                    .filter(move |(_, p)| p.sid == *id)
                    .map(|(i, _)| i)
            })
            .collect()
    };
    let whole = pieces.len() == 1 && pieces[0].npts == samples.len();
    let mut samples = Some(samples);
    let mut built: Vec<Option<Piece>> = pieces
        .iter()
        .map(|a| {
            let data = if whole {
                samples.take().unwrap_or_default()
            } else {
                let src = samples.as_deref().unwrap_or(&[]);
                let mut d = Vec::with_capacity(a.npts);
                for &(s, e) in &a.ranges {
                    d.extend_from_slice(&src[s..e]);
                }
                d
            };
            Some(Piece {
                sid: a.sid.clone(),
                start_ns: a.start_ns,
                rate: a.rate,
                kind: a.kind,
                samples: data,
            })
        })
        .collect();
    order.into_iter().filter_map(|i| built[i].take()).collect()
}

/// Decodes `buf` into obspy-like pieces (what `obspy.read` returns, unmerged).
pub fn decode_pieces(buf: &[u8], base: u64, keep_empty: bool) -> Result<Vec<Piece>, MseedError> {
    Ok(decode_checked(buf, base, keep_empty)?.0)
}

/// [`decode_pieces`] and the number of records that failed their Steim integrity check.
fn decode_checked(
    buf: &[u8],
    base: u64,
    keep_empty: bool,
) -> Result<(Vec<Piece>, usize), MseedError> {
    let records = scan_all(buf, base)?;
    if records.is_empty() {
        return Err(MseedError::at(base, "no miniSEED record found"));
    }
    let u = unpack_all(buf, base, &records)?;
    Ok((
        group_pieces(&records, u.samples, keep_empty),
        u.integrity_failures,
    ))
}

/// One segment read as MsPASS's `read_data` does: decoded, merged, first trace.
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentRead {
    pub sid: String,
    pub merged: Merged,
    /// Number of pieces before the merge (>1 means gaps/overlaps were merged).
    pub pieces: usize,
    /// Pieces with another id that the merge left out (MsPASS keeps `st[0]`).
    pub other_ids: usize,
    /// Records of the segment whose Steim integrity check failed (their
    /// samples are kept, as libmseed and obspy keep them, with a warning).
    pub integrity_failures: usize,
}

pub fn decode_segment(
    buf: &[u8],
    base: u64,
    opts: &MergeOptions,
) -> Result<SegmentRead, MseedError> {
    let (pieces, integrity_failures) = decode_checked(buf, base, false)?;
    let n = pieces.len();
    if n == 0 {
        return Err(MseedError::at(base, "no samples in the segment"));
    }
    let sid = pieces[0].sid.clone();
    let (same, other): (Vec<Piece>, Vec<Piece>) = pieces.into_iter().partition(|p| p.sid == sid);
    let merged = merge_pieces(same, opts).map_err(|m| MseedError::at(base, m))?;
    Ok(SegmentRead {
        sid,
        merged,
        pieces: n,
        other_ids: other.len(),
        integrity_failures,
    })
}
