//! Batch (ensemble) sample read, the hot path.
//!
//! All members land in ONE contiguous `Vec<f64>` (8-byte aligned by
//! construction) that the binding hands to JavaScript without a copy; each
//! member gets `{offset, len, error}` into it. File members are laid out
//! first, grouped by file and in `foff` order, so a run of adjacent records is
//! one read straight into the destination; miniSEED members (decoded first,
//! since only decoding tells their length) follow, then GridFS members.

use std::collections::BTreeMap;
use std::path::PathBuf;

use bson::raw::RawDocument;
use mongodb::Database;

use super::file::file_fits;
use super::file::read_file_groups;
use super::gridfs::{prefetch_gridfs, read_gridfs, GridFsReadOptions};
use super::member::{parse_member, Location, Member, Placed};
use super::member_error::{MemberError, MemberErrorKind};
use super::mseed_read::{read_mseed_groups, Decoded, MseedSegmentInfo, MseedSpan};
use crate::error::{CoreError, Result};
use crate::mem::advise_huge_pages;
use crate::mseed::MergeOptions;

/// Options of a batch read.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    /// 1 for TimeSeries, 3 for Seismogram.
    pub ncomponents: usize,
    pub gridfs: GridFsReadOptions,
    /// How gaps and overlaps inside a miniSEED segment are merged (MsPASS's
    /// `merge_method` / `merge_fill_value` / `merge_interpolation_samples`).
    pub mseed_merge: MergeOptions,
    /// The largest sample buffer, in bytes, the caller can hold (a Node
    /// process: `buffer.constants.MAX_LENGTH`, or its memory if smaller). A file or GridFS member whose
    /// samples need more is a dead member naming the limit; nothing is
    /// allocated for it, even when the storage really holds that many.
    pub max_member_bytes: u64,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            ncomponents: 1,
            gridfs: GridFsReadOptions::default(),
            mseed_merge: MergeOptions::default(),
            max_member_bytes: u64::MAX,
        }
    }
}

/// One member's place in the sample buffer. `len` is 0 when `error` is set.
#[derive(Debug, Clone, PartialEq)]
pub struct MemberSlot {
    pub offset: usize,
    pub len: usize,
    pub error: Option<MemberError>,
}

/// The result of a batch read: all samples, and one slot per input document
/// (in input order).
#[derive(Debug, Default)]
pub struct SampleBatch {
    pub data: Vec<f64>,
    pub slots: Vec<MemberSlot>,
    /// One entry per miniSEED member that decoded (its start, rate, gaps).
    pub mseed: Vec<MseedSegmentInfo>,
}

impl SampleBatch {
    /// The samples of member `i`, or its error message.
    pub fn member(&self, i: usize) -> std::result::Result<&[f64], &str> {
        let s = &self.slots[i];
        match &s.error {
            Some(e) => Err(&e.message),
            None => Ok(&self.data[s.offset..s.offset + s.len]),
        }
    }

    /// The kind of member `i`'s error, if it has one.
    pub fn error_kind(&self, i: usize) -> Option<MemberErrorKind> {
        self.slots[i].error.as_ref().map(|e| e.kind)
    }
}

/// A member larger than the caller's largest buffer: checked before the
/// storage is even looked at, so no allocation is ever sized by it.
fn too_large_for_caller(m: &Member, limit: u64) -> MemberError {
    MemberError::bad_samples(format!(
        "npts={} needs {} bytes of samples, more than the largest sample buffer this process can hold \
         ({limit} bytes: the caller's limit, for Node the smaller of its Float64Array/Buffer size limit \
         and the machine's memory); the datum cannot be read here",
        m.npts,
        m.nbytes()
    ))
}

/// Read the samples of the given wf documents. Per-member problems become
/// `slots[i].error`; only an unusable call (bad options, a database failure)
/// is an `Err`. `db` is needed only if some member is in GridFS.
pub async fn read_members(
    db: Option<&Database>,
    docs: &[&RawDocument],
    opts: &ReadOptions,
) -> Result<SampleBatch> {
    if opts.ncomponents != 1 && opts.ncomponents != 3 {
        return Err(CoreError::InvalidArgument(format!(
            "ncomponents must be 1 (TimeSeries) or 3 (Seismogram), got {}",
            opts.ncomponents
        )));
    }
    let mut slots: Vec<MemberSlot> = (0..docs.len())
        .map(|_| MemberSlot {
            offset: 0,
            len: 0,
            error: None,
        })
        .collect();

    // Group file members by path, each group in foff order; GridFS members after.
    let mut files: BTreeMap<PathBuf, Vec<(u64, usize, Member)>> = BTreeMap::new();
    let mut gridfs: Vec<(usize, Member)> = Vec::new();
    let mut mseed_files: BTreeMap<PathBuf, Vec<MseedSpan>> = BTreeMap::new();
    for (i, doc) in docs.iter().enumerate() {
        match parse_member(doc, opts.ncomponents) {
            // (A miniSEED member's npts is not what decoding allocates: not checked here.)
            Ok(m)
                if !matches!(m.location, Location::Mseed { .. })
                    && m.nbytes() > opts.max_member_bytes =>
            {
                slots[i].error = Some(too_large_for_caller(&m, opts.max_member_bytes))
            }
            Ok(m) => match &m.location {
                Location::File { path, foff } => {
                    files.entry(path.clone()).or_default().push((*foff, i, m))
                }
                Location::GridFs { .. } => gridfs.push((i, m)),
                Location::Mseed { path, foff, nbytes } => mseed_files
                    .entry(path.clone())
                    .or_default()
                    .push(MseedSpan {
                        index: i,
                        foff: *foff,
                        nbytes: *nbytes,
                    }),
            },
            Err(e) => slots[i].error = Some(e),
        }
    }
    let mut errors: Vec<(usize, MemberError)> = Vec::new();
    // Reserve space only for what the storage actually holds: a document's
    // npts is a claim, checked against the file's length or the GridFS
    // file's length BEFORE the buffer is sized by it (a bad document must
    // give one dead member, not a multi-GiB allocation that aborts the process).
    for (path, members) in files.iter_mut() {
        members.retain(|(foff, i, m)| match file_fits(path, *foff, m.nbytes()) {
            Ok(()) => true,
            Err(e) => {
                errors.push((*i, e));
                false
            }
        });
    }
    files.retain(|_, members| !members.is_empty());
    let gridfs_pre = match (db, gridfs.is_empty()) {
        (Some(db), false) => {
            let pre = prefetch_gridfs(db, &gridfs, &opts.gridfs).await?;
            gridfs.retain(|(i, m)| match pre.member_error(m, &opts.gridfs.bucket) {
                None => true,
                Some(e) => {
                    errors.push((*i, e));
                    false
                }
            });
            Some(pre)
        }
        (None, false) => {
            for (i, _) in gridfs.drain(..) {
                errors.push((
                    i,
                    MemberError::new(
                        MemberErrorKind::NoDatabase,
                        "no database given for a gridfs member",
                    ),
                ));
            }
            None
        }
        _ => None,
    };
    let mut decoded: Vec<Decoded> = Vec::new();
    if !mseed_files.is_empty() {
        let merge = opts.mseed_merge.clone();
        let results = tokio::task::spawn_blocking(move || read_mseed_groups(mseed_files, &merge))
            .await
            .map_err(|e| CoreError::Io(format!("miniSEED read task failed: {e}")))?;
        for (i, r) in results {
            match r {
                Ok(d) => decoded.push(d),
                Err(e) => errors.push((i, e)),
            }
        }
        decoded.sort_by_key(|(info, _)| info.index);
    }
    let mut total = 0usize;
    let mut file_groups: Vec<(PathBuf, Vec<Placed>)> = Vec::with_capacity(files.len());
    for (path, mut members) in files {
        members.sort_by_key(|(foff, i, _)| (*foff, *i));
        let placed = members
            .into_iter()
            .map(|(_, index, member)| {
                let p = Placed {
                    index,
                    offset: total,
                    member,
                };
                total += p.member.nsamples();
                p
            })
            .collect();
        file_groups.push((path, placed));
    }
    let file_total = total;
    // miniSEED members after the binary ones, in input order.
    let mseed_at: Vec<usize> = decoded
        .iter()
        .map(|(_, samples)| {
            let at = total;
            total += samples.len();
            at
        })
        .collect();
    let mseed_end = total;
    let gridfs_placed: Vec<Placed> = gridfs
        .into_iter()
        .map(|(index, member)| {
            let p = Placed {
                index,
                offset: total,
                member,
            };
            total += p.member.nsamples();
            p
        })
        .collect();

    let lone_mseed = decoded.len() == 1 && file_groups.is_empty() && gridfs_placed.is_empty();
    let mut mseed: Vec<MseedSegmentInfo> = Vec::with_capacity(decoded.len());
    let mut data = if lone_mseed {
        // A single miniSEED datum (the usual readData call): its decoded
        // samples ARE the batch buffer, no copy.
        let (info, samples) = decoded.pop().expect("one decoded member");
        slots[info.index] = MemberSlot {
            offset: 0,
            len: samples.len(),
            error: None,
        };
        mseed.push(info);
        samples
    } else {
        // Zeroed (calloc'd, so lazily committed) and exactly sized: the
        // binding hands this allocation to V8 as is.
        let mut data = vec![0.0f64; total];
        advise_huge_pages(&mut data);
        for ((info, samples), &at) in decoded.into_iter().zip(&mseed_at) {
            data[at..at + samples.len()].copy_from_slice(&samples);
            slots[info.index] = MemberSlot {
                offset: at,
                len: samples.len(),
                error: None,
            };
            mseed.push(info);
        }
        data
    };
    if !file_groups.is_empty() {
        // File reads block: run them off the async workers, lending the buffer.
        let (back, groups, errs) = tokio::task::spawn_blocking(move || {
            let errs = read_file_groups(&file_groups, &mut data[..file_total]);
            (data, file_groups, errs)
        })
        .await
        .map_err(|e| CoreError::Io(format!("file read task failed: {e}")))?;
        data = back;
        file_groups = groups;
        errors.extend(errs);
    }
    if let (Some(db), Some(pre)) = (db, gridfs_pre) {
        if !gridfs_placed.is_empty() {
            let gridfs_part = &mut data[mseed_end..];
            errors.extend(
                read_gridfs(
                    db,
                    pre,
                    &gridfs_placed,
                    mseed_end,
                    gridfs_part,
                    &opts.gridfs,
                )
                .await?,
            );
        }
    }
    for group in file_groups
        .iter()
        .map(|(_, g)| g)
        .chain(std::iter::once(&gridfs_placed))
    {
        for p in group {
            slots[p.index] = MemberSlot {
                offset: p.offset,
                len: p.member.nsamples(),
                error: None,
            };
        }
    }
    for (i, e) in errors {
        slots[i].len = 0;
        slots[i].error = Some(e);
    }
    Ok(SampleBatch { data, slots, mseed })
}
