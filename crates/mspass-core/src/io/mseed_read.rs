//! File-mode miniSEED members (`format: "mseed"`): each file opened once, the
//! byte ranges of its members read with one positional read per run of
//! adjacent (or overlapping) segments, and every segment decoded and merged
//! as MsPASS's `_read_data_from_dfile` does (`obspy.read` + `Stream.merge`,
//! first trace), by the core's libmseed decoder.
//!
//! A segment's length is known only once decoded, so these members are
//! decoded BEFORE the batch buffer is laid out (see `read.rs`); their samples
//! are then copied (or, for a lone member, moved) into it.

use std::collections::BTreeMap;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use super::file::open_sample_file;
use super::member_error::MemberError;
use crate::mseed::{decode_segment, MergeOptions, SegmentRead};

/// One miniSEED member to read: its index in the batch and its byte range.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct MseedSpan {
    pub index: usize,
    pub foff: u64,
    pub nbytes: u64,
}

/// What decoding a member found beyond its samples: the header values obspy
/// gives (MsPASS replaces the document's with them) and how the segment was
/// merged. The samples' buffer position is in the batch's slot `index`.
#[derive(Debug, Clone, PartialEq)]
pub struct MseedSegmentInfo {
    pub index: usize,
    /// Epoch seconds of the first sample of the merged trace.
    pub starttime: f64,
    pub sampling_rate: f64,
    /// Traces `obspy.read` made of the segment (> 1: gaps or overlaps merged).
    pub pieces: usize,
    /// Traces of another source id left out (MsPASS keeps `st[0]` only).
    pub other_ids: usize,
    /// Records whose Steim integrity check failed (samples kept; a warning).
    pub integrity_failures: usize,
    /// Zero-filled (masked) intervals, epoch seconds of the first and last
    /// filled sample: the datum's `gaps`.
    pub gaps: Vec<(f64, f64)>,
}

/// A decoded member: its header facts and its samples.
pub(crate) type Decoded = (MseedSegmentInfo, Vec<f64>);

/// Read and decode every member of every file. Returns one result per member
/// (in no particular order); a failure is that member's error only.
pub(crate) fn read_mseed_groups(
    groups: BTreeMap<PathBuf, Vec<MseedSpan>>,
    opts: &MergeOptions,
) -> Vec<(usize, Result<Decoded, MemberError>)> {
    let mut out = Vec::new();
    for (path, mut spans) in groups {
        spans.sort_by_key(|s| (s.foff, s.index));
        read_group(&path, &spans, opts, &mut out);
    }
    out
}

fn read_group(
    path: &Path,
    spans: &[MseedSpan],
    opts: &MergeOptions,
    out: &mut Vec<(usize, Result<Decoded, MemberError>)>,
) {
    let fail_all = |out: &mut Vec<_>, e: MemberError| {
        out.extend(spans.iter().map(|s| (s.index, Err(e.clone()))))
    };
    // One open per file, whatever the number of members in it.
    let (file, flen) = match open_sample_file(path) {
        Ok(f) => f,
        Err(e) => return fail_all(out, e),
    };
    let mut valid = Vec::with_capacity(spans.len());
    for s in spans {
        match s.foff.checked_add(s.nbytes).filter(|&end| end <= flen) {
            Some(_) => valid.push(*s),
            None => out.push((
                s.index,
                Err(MemberError::bad_samples(format!(
                    "miniSEED file {} has {flen} bytes, shorter than foff+nbytes = {}+{}",
                    path.display(),
                    s.foff,
                    s.nbytes
                ))),
            )),
        }
    }
    // Runs of members whose byte ranges touch or overlap: one read each.
    let mut i = 0;
    while i < valid.len() {
        let start = valid[i].foff;
        let mut end = start + valid[i].nbytes;
        let mut j = i + 1;
        while j < valid.len() && valid[j].foff <= end {
            end = end.max(valid[j].foff + valid[j].nbytes);
            j += 1;
        }
        let run = &valid[i..j];
        let mut buf = vec![0u8; (end - start) as usize];
        match file.read_exact_at(&mut buf, start) {
            Ok(()) => {
                for s in run {
                    let at = (s.foff - start) as usize;
                    let bytes = &buf[at..at + s.nbytes as usize];
                    out.push((s.index, decode_member(path, s, bytes, opts)));
                }
            }
            Err(e) => {
                let err = MemberError::bad_samples(format!(
                    "cannot read {} at foff {start}: {e}",
                    path.display()
                ));
                out.extend(run.iter().map(|s| (s.index, Err(err.clone()))));
            }
        }
        i = j;
    }
}

fn decode_member(
    path: &Path,
    s: &MseedSpan,
    bytes: &[u8],
    opts: &MergeOptions,
) -> Result<Decoded, MemberError> {
    let SegmentRead {
        merged,
        pieces,
        other_ids,
        integrity_failures,
        ..
    } = decode_segment(bytes, s.foff, opts)
        .map_err(|e| MemberError::bad_samples(format!("cannot decode {}: {e}", path.display())))?;
    let info = MseedSegmentInfo {
        index: s.index,
        starttime: crate::mseed::ns_to_epoch(merged.start_ns),
        sampling_rate: merged.rate,
        pieces,
        other_ids,
        integrity_failures,
        gaps: merged.gaps,
    };
    Ok((info, merged.samples))
}

#[cfg(test)]
mod tests {
    use crate::io::member_error::MemberErrorKind;
    use crate::io::read::{read_members, ReadOptions};
    use crate::mseed::{decode_pieces, FillValue, MergeOptions};
    use bson::{doc, RawDocument, RawDocumentBuf};
    use std::path::PathBuf;

    fn fixtures() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../test/fixtures/miniseed")
    }

    fn mseed_doc(dfile: &str, foff: u64, nbytes: u64) -> RawDocumentBuf {
        RawDocumentBuf::from_document(&doc! {
            "npts": 1, "storage_mode": "file", "format": "mseed",
            "dir": fixtures().to_str().unwrap(), "dfile": dfile, "foff": foff as i64, "nbytes": nbytes as i64,
        })
        .unwrap()
    }

    async fn read(docs: &[RawDocumentBuf], opts: &ReadOptions) -> crate::io::SampleBatch {
        let refs: Vec<&RawDocument> = docs.iter().map(|d| d.as_ref()).collect();
        read_members(None, &refs, opts).await.unwrap()
    }

    fn file_len(name: &str) -> u64 {
        std::fs::metadata(fixtures().join(name)).unwrap().len()
    }

    #[tokio::test]
    async fn a_lone_segment_gives_obspys_samples_and_header() {
        let name = "steim2.mseed";
        let want = decode_pieces(&std::fs::read(fixtures().join(name)).unwrap(), 0, false).unwrap();
        let b = read(
            &[mseed_doc(name, 0, file_len(name))],
            &ReadOptions::default(),
        )
        .await;
        assert_eq!(b.member(0).unwrap(), want[0].samples.as_slice());
        assert_eq!(b.mseed.len(), 1);
        assert_eq!(b.mseed[0].pieces, 1);
        assert_eq!(b.mseed[0].sampling_rate, 40.0);
        assert!(b.mseed[0].gaps.is_empty());
    }

    /// gaps.mseed read as one segment (as an index without time tears makes
    /// it): obspy's 4 traces merged, each trace's samples at its time, the
    /// gaps zero-filled and reported.
    #[tokio::test]
    async fn gaps_are_merged_zero_filled_and_reported() {
        let name = "gaps.mseed";
        let pieces =
            decode_pieces(&std::fs::read(fixtures().join(name)).unwrap(), 0, false).unwrap();
        assert_eq!(pieces.len(), 4);
        let b = read(
            &[mseed_doc(name, 0, file_len(name))],
            &ReadOptions::default(),
        )
        .await;
        let got = b.member(0).unwrap();
        let info = &b.mseed[0];
        assert_eq!((info.pieces, info.gaps.len()), (4, 3));
        let t0 = pieces[0].start_ns;
        for p in &pieces {
            let at = ((p.start_ns - t0) as f64 / 1e9 * p.rate).round() as usize;
            assert_eq!(&got[at..at + p.samples.len()], p.samples.as_slice());
        }
        let last = pieces.last().unwrap();
        let end =
            ((last.start_ns - t0) as f64 / 1e9 * last.rate).round() as usize + last.samples.len();
        assert_eq!(got.len(), end);
        // the first gap: from one sample after piece 0 to one sample before piece 1
        let dt = 1.0 / pieces[0].rate;
        let p0_end = pieces[0].start_ns as f64 / 1e9 + (pieces[0].samples.len() - 1) as f64 * dt;
        assert!(
            (info.gaps[0].0 - (p0_end + dt)).abs() < 1e-6,
            "{:?}",
            info.gaps[0]
        );
        assert!(
            (info.gaps[0].1 - (pieces[1].start_ns as f64 / 1e9 - dt)).abs() < 1e-6,
            "{:?}",
            info.gaps[0]
        );
        // A fill value fills instead, and no gap is reported.
        let opts = ReadOptions {
            mseed_merge: MergeOptions {
                fill: FillValue::Value(-7.0),
                ..Default::default()
            },
            ..Default::default()
        };
        let b = read(&[mseed_doc(name, 0, file_len(name))], &opts).await;
        assert!(b.mseed[0].gaps.is_empty());
        let gap_at = pieces[0].samples.len();
        assert_eq!(b.member(0).unwrap()[gap_at], -7.0);
    }

    /// Members of one file, out of order, next to a member of another file:
    /// each gets its own samples (the file read once per run).
    #[tokio::test]
    async fn ensemble_members_per_file() {
        let g = "gaps.mseed";
        let bytes = std::fs::read(fixtures().join(g)).unwrap();
        let idx = crate::mseed::index_bytes(&bytes, true);
        assert!(idx.segments.len() >= 2);
        let mut docs: Vec<RawDocumentBuf> = idx
            .segments
            .iter()
            .rev()
            .map(|s| mseed_doc(g, s.foff, s.nbytes))
            .collect();
        docs.push(mseed_doc("steim2.mseed", 0, file_len("steim2.mseed")));
        let b = read(&docs, &ReadOptions::default()).await;
        let n = idx.segments.len();
        for (k, s) in idx.segments.iter().rev().enumerate() {
            let want = decode_pieces(
                &bytes[s.foff as usize..(s.foff + s.nbytes) as usize],
                s.foff,
                false,
            )
            .unwrap();
            assert_eq!(
                b.member(k).unwrap(),
                want[0].samples.as_slice(),
                "segment {k}"
            );
        }
        assert_eq!(b.member(n).unwrap().len(), 5980);
        assert_eq!(b.mseed.len(), n + 1);
    }

    #[tokio::test]
    async fn bad_files_are_member_errors() {
        let cases = [
            (
                mseed_doc("infinite-loop.mseed", 0, file_len("infinite-loop.mseed")),
                MemberErrorKind::BadSamples,
                "cannot decode",
            ),
            (
                mseed_doc("not.mseed", 0, file_len("not.mseed")),
                MemberErrorKind::BadSamples,
                "cannot decode",
            ),
            (
                mseed_doc("steim2.mseed", 0, file_len("steim2.mseed") + 1),
                MemberErrorKind::BadSamples,
                "shorter than",
            ),
            (
                mseed_doc("no-such-file.mseed", 0, 512),
                MemberErrorKind::MissingSamples,
                "cannot open",
            ),
        ];
        let docs: Vec<RawDocumentBuf> = cases.iter().map(|c| c.0.clone()).collect();
        let b = read(&docs, &ReadOptions::default()).await;
        for (i, (_, kind, msg)) in cases.iter().enumerate() {
            assert_eq!(b.error_kind(i), Some(*kind), "case {i}");
            assert!(
                b.member(i).unwrap_err().contains(msg),
                "case {i}: {:?}",
                b.member(i)
            );
        }
        assert!(b.mseed.is_empty());
    }
}
