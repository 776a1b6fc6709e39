//! Sample I/O binding: thin wrappers over `mspass_core::io`.
//!
//! Samples cross as ONE `Float64Array` per call created from the core's
//! `Vec<f64>` (V8 adopts the allocation: no copy, 8-byte aligned); each
//! member is `samples.subarray(offsets[i], offsets[i] + lengths[i])`.
//! Documents cross as one `Buffer` of concatenated BSON plus offsets, which
//! the TypeScript side decodes in bulk. Per-member problems are a message in
//! `errors` and a kind in `errorKinds` (dead data never throw; the caller
//! decides on the kind, see `mspass_core::io::MemberErrorKind`); only caller
//! mistakes and database failures reject.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use bson::oid::ObjectId;
use mspass_core::io::{self, GridFsReadOptions, GridFsWriteOptions, ReadOptions, SampleBatch};
use mspass_core::pool::{self, PoolOptions};
use mspass_core::CoreError;
use napi::bindgen_prelude::{Buffer, Float64Array, PromiseRaw};
use napi::Env;
use napi_derive::napi;

use crate::collection::{find_spec, FindOptions};
use crate::cursor::NativeCursor;
use crate::errors::to_napi;

#[napi(object)]
pub struct SampleReadOptions {
    /// 1 for TimeSeries (default), 3 for Seismogram.
    pub ncomponents: Option<u32>,
    /// GridFS bucket (default "fs", as MsPASS).
    pub bucket: Option<String>,
    /// GridFS files per fs.chunks query (default 10000: on FerretDB v1 each
    /// query scans the whole collection, so one query per ensemble is best).
    pub gridfs_batch_size: Option<u32>,
    /// fs.chunks queries in flight (default 2).
    pub gridfs_concurrency: Option<u32>,
    /// miniSEED members: how gaps/overlaps inside a segment are merged
    /// (MsPASS's merge_method / merge_fill_value / merge_interpolation_samples).
    pub merge: Option<crate::mseed::MseedMergeOptions>,
}

/// What decoding a miniSEED member found (member `index` of the batch):
/// obspy's header values, which MsPASS puts in place of the document's.
#[napi(object)]
pub struct MseedMemberInfo {
    pub index: u32,
    pub starttime: f64,
    pub sampling_rate: f64,
    /// Traces before the merge (> 1: gaps or overlaps were merged).
    pub pieces: u32,
    /// Traces of other source ids left out of the segment.
    pub other_ids: u32,
    /// Records whose Steim integrity check (last sample vs Xn) failed.
    pub integrity_failures: u32,
    /// Zero-filled gap intervals [start, end] in epoch seconds, flattened.
    pub gaps: Vec<f64>,
}

#[napi(object)]
pub struct SampleReadResult {
    /// All members' samples, one allocation.
    pub samples: Float64Array,
    /// Member i starts at `samples[offsets[i]]` (in samples, not bytes).
    pub offsets: Float64Array,
    /// Member i has `lengths[i]` values (npts, or 3*npts for a Seismogram); 0 on error.
    pub lengths: Float64Array,
    /// Why member i could not be read, or null.
    pub errors: Vec<Option<String>>,
    /// The kind of member i's error (null when it has none): "BadDocument",
    /// "BadType", "Unsupported", "MissingSamples", "BadSamples" or "NoDatabase".
    pub error_kinds: Vec<Option<String>>,
    /// One entry per miniSEED member that decoded.
    pub mseed: Vec<MseedMemberInfo>,
}

#[napi(object)]
pub struct EnsembleReadResult {
    /// The wf documents found, concatenated raw BSON.
    pub docs: Buffer,
    /// Document i is `docs.subarray(docOffsets[i], docOffsets[i+1])` (length n+1).
    pub doc_offsets: Float64Array,
    pub samples: Float64Array,
    pub offsets: Float64Array,
    pub lengths: Float64Array,
    pub errors: Vec<Option<String>>,
    /// As in `SampleReadResult`.
    pub error_kinds: Vec<Option<String>>,
    /// As in `SampleReadResult`.
    pub mseed: Vec<MseedMemberInfo>,
}

#[napi(object)]
pub struct FileWriteResult {
    pub dir: String,
    /// The dfile written (the one given, or a new `<uuid4>-binary`).
    pub dfile: String,
    /// Byte offset of each member in the file.
    pub foffs: Vec<f64>,
    /// Bytes of each member (8*npts or 24*npts).
    pub nbytes: Vec<f64>,
}

#[napi(object)]
pub struct GridfsWriteOptions {
    /// fs.files `_id`s to use (24-hex strings), one per member; new ones otherwise.
    pub ids: Option<Vec<String>>,
    pub bucket: Option<String>,
    /// Chunk bytes (default 261120 = 255 KiB, as pymongo).
    pub chunk_size: Option<u32>,
}

fn invalid(msg: String) -> napi::Error {
    to_napi(CoreError::InvalidArgument(msg))
}

/// The largest sample buffer (bytes) this process's JavaScript can hold;
/// set once by the package at load (`buffer.constants.MAX_LENGTH`, or the
/// machine's memory if smaller).
static SAMPLE_BUFFER_LIMIT: AtomicU64 = AtomicU64::new(u64::MAX);

/// Set the largest sample buffer, in bytes, a read may produce for one
/// member (`buffer.constants.MAX_LENGTH`, or less): a member needing more is dead
/// with an error naming the limit, and nothing is allocated for it.
#[napi]
pub fn set_sample_buffer_limit(bytes: f64) -> napi::Result<()> {
    if !(bytes >= 0.0 && bytes.fract() == 0.0) {
        return Err(invalid(format!(
            "the sample buffer limit must be a non-negative integer, got {bytes}"
        )));
    }
    SAMPLE_BUFFER_LIMIT.store(bytes as u64, Ordering::Relaxed);
    Ok(())
}

fn read_options(o: Option<SampleReadOptions>) -> napi::Result<ReadOptions> {
    let mut r = ReadOptions {
        max_member_bytes: SAMPLE_BUFFER_LIMIT.load(Ordering::Relaxed),
        ..ReadOptions::default()
    };
    if let Some(o) = o {
        if let Some(n) = o.ncomponents {
            if n != 1 && n != 3 {
                return Err(invalid(format!(
                    "ncomponents must be 1 (TimeSeries) or 3 (Seismogram), got {n}"
                )));
            }
            r.ncomponents = n as usize;
        }
        r.gridfs = GridFsReadOptions {
            bucket: o.bucket.unwrap_or(r.gridfs.bucket),
            batch_size: o
                .gridfs_batch_size
                .map_or(r.gridfs.batch_size, |b| b.max(1) as usize),
            concurrency: o
                .gridfs_concurrency
                .map_or(r.gridfs.concurrency, |c| c.max(1) as usize),
        };
        r.mseed_merge = crate::mseed::merge_options(o.merge)?;
    }
    Ok(r)
}

fn check_name(what: &str, name: &str) -> napi::Result<()> {
    mspass_core::ops::check_name(what, name).map_err(to_napi)
}

async fn database(uri: &str, db: &str) -> napi::Result<mongodb::Database> {
    check_name("database name", db)?;
    let client = pool::client_for(uri, &PoolOptions::default())
        .await
        .map_err(to_napi)?;
    Ok(client.database(db))
}

fn parse_ids(ids: &[String]) -> napi::Result<Vec<ObjectId>> {
    ids.iter()
        .enumerate()
        .map(|(i, s)| {
            ObjectId::parse_str(s)
                .map_err(|_| invalid(format!("ids[{i}] is not a 24-hex ObjectId: {s:?}")))
        })
        .collect()
}

/// A batch as JS sees it; the sample Vec is handed over as is.
fn sample_result(b: SampleBatch) -> SampleReadResult {
    let mseed = b
        .mseed
        .into_iter()
        .map(|m| MseedMemberInfo {
            index: m.index as u32,
            starttime: m.starttime,
            sampling_rate: m.sampling_rate,
            pieces: m.pieces as u32,
            other_ids: m.other_ids as u32,
            integrity_failures: m.integrity_failures as u32,
            gaps: m.gaps.iter().flat_map(|&(a, b)| [a, b]).collect(),
        })
        .collect();
    let n = b.slots.len();
    let (mut offsets, mut lengths) = (Vec::with_capacity(n), Vec::with_capacity(n));
    let (mut errors, mut error_kinds) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for s in b.slots {
        offsets.push(s.offset as f64);
        lengths.push(s.len as f64);
        error_kinds.push(s.error.as_ref().map(|e| e.kind.as_str().to_string()));
        errors.push(s.error.map(|e| e.message));
    }
    SampleReadResult {
        samples: Float64Array::new(b.data),
        offsets: Float64Array::new(offsets),
        lengths: Float64Array::new(lengths),
        errors,
        error_kinds,
        mseed,
    }
}

/// Read the samples of the given wf documents (`docs`: concatenated BSON,
/// e.g. raw cursor batches). GridFS members are read from `database`'s
/// `fs` bucket through the shared pool for `uri`; with only file members the
/// database is not contacted.
#[napi]
pub async fn read_samples(
    uri: String,
    database_name: String,
    docs: Buffer,
    options: Option<SampleReadOptions>,
) -> napi::Result<SampleReadResult> {
    let opts = read_options(options)?;
    let list = io::split_documents(&docs).map_err(to_napi)?;
    let needs_db = list.iter().any(|d| {
        matches!(
            io::parse_member(d, opts.ncomponents).map(|m| m.location),
            Ok(io::Location::GridFs { .. })
        )
    });
    let db = if needs_db {
        Some(database(&uri, &database_name).await?)
    } else {
        None
    };
    let batch = io::read_members(db.as_ref(), &list, &opts)
        .await
        .map_err(to_napi)?;
    Ok(sample_result(batch))
}

fn ensemble_result(r: io::EnsembleRead) -> EnsembleReadResult {
    let doc_offsets = Float64Array::new(r.offsets.iter().map(|&o| o as f64).collect());
    let SampleReadResult {
        samples,
        offsets,
        lengths,
        errors,
        error_kinds,
        mseed,
    } = sample_result(r.samples);
    EnsembleReadResult {
        docs: Buffer::from(r.docs),
        doc_offsets,
        samples,
        offsets,
        lengths,
        errors,
        error_kinds,
        mseed,
    }
}

/// Run a find on `collection` (filter and options as for `find`) and read the
/// samples of every document found, in ONE call: the documents come back as
/// raw BSON with the samples.
#[napi]
pub async fn read_ensemble(
    uri: String,
    database_name: String,
    collection: String,
    filter: Buffer,
    find_options: Option<FindOptions>,
    options: Option<SampleReadOptions>,
) -> napi::Result<EnsembleReadResult> {
    check_name("collection name", &collection)?;
    let spec = find_spec(&filter, find_options)?;
    let opts = read_options(options)?;
    let db = database(&uri, &database_name).await?;
    let r = io::read_ensemble(&db, &collection, &spec, &opts)
        .await
        .map_err(to_napi)?;
    Ok(ensemble_result(r))
}

/// Drain an open cursor (from `find` or `aggregate`) and read the samples of
/// its remaining documents, in one call. The cursor is exhausted after.
#[napi(ts_return_type = "Promise<EnsembleReadResult>")]
pub fn read_cursor_ensemble<'env>(
    env: &'env Env,
    uri: String,
    database_name: String,
    cursor: &NativeCursor,
    options: Option<SampleReadOptions>,
) -> napi::Result<PromiseRaw<'env, EnsembleReadResult>> {
    let inner = cursor.inner.clone();
    let opts = read_options(options)?;
    env.spawn_future(async move {
        let db = database(&uri, &database_name).await?;
        let r = io::read_cursor(&inner, &db, &opts).await.map_err(to_napi)?;
        Ok(ensemble_result(r))
    })
}

/// A `startOffset` from JS as a byte offset.
fn byte_offset(o: f64) -> napi::Result<u64> {
    // Above 2^53 a JS number is no longer an exact byte offset.
    if o >= 0.0 && o.fract() == 0.0 && o <= 9007199254740991.0 {
        Ok(o as u64)
    } else {
        Err(invalid(format!(
            "startOffset must be a non-negative integer, got {o}"
        )))
    }
}

/// Append members (component-major samples, `ncomponents` per frame) to
/// `dir/dfile` with one open; Seismograms are written column-major as in
/// MsPASS. `dfile` null → a new `<uuid4>-binary`. `dir` is created.
/// `startOffset` given → instead of appending, write the members contiguously
/// from that byte with positional writes and end the file there, so an
/// identical late write (a dead attempt's) lands on identical bytes.
#[napi]
pub async fn write_file_samples(
    dir: String,
    dfile: Option<String>,
    members: Vec<Float64Array>,
    ncomponents: Option<u32>,
    start_offset: Option<f64>,
) -> napi::Result<FileWriteResult> {
    let ncomp = ncomponents.unwrap_or(1) as usize;
    if dir.is_empty() {
        return Err(invalid("dir must be a non-empty path".into()));
    }
    let start = start_offset.map(byte_offset).transpose()?;
    let dfile = dfile.unwrap_or_else(io::default_dfile);
    let (d, f) = (PathBuf::from(&dir), dfile.clone());
    // The typed arrays stay referenced (alive) until this promise settles;
    // JS must not mutate them meanwhile.
    let (foffs, members) = tokio::task::spawn_blocking(move || {
        let refs: Vec<&[f64]> = members.iter().map(|m| &m[..]).collect();
        (io::write_members(&d, &f, &refs, ncomp, start), members)
    })
    .await
    .map_err(|e| to_napi(CoreError::Io(format!("file write task failed: {e}"))))?;
    let foffs = foffs.map_err(to_napi)?;
    let nbytes = members.iter().map(|m| (m.len() * 8) as f64).collect();
    Ok(FileWriteResult {
        dir,
        dfile,
        foffs: foffs.into_iter().map(|o| o as f64).collect(),
        nbytes,
    })
}

/// Write bytes already in their file format (miniSEED records) to
/// `dir/dfile` under the cross-process lock every file writer takes:
/// appended, or with `startOffset` written from that byte and the file cut
/// there. `dir` is created. Resolves to the offset where the bytes start,
/// taken under the lock.
#[napi]
pub async fn write_file_bytes(
    dir: String,
    dfile: String,
    bytes: Buffer,
    start_offset: Option<f64>,
) -> napi::Result<f64> {
    if dir.is_empty() {
        return Err(invalid("dir must be a non-empty path".into()));
    }
    let start = start_offset.map(byte_offset).transpose()?;
    // The buffer stays referenced (alive) until this promise settles.
    let at = tokio::task::spawn_blocking(move || {
        io::write_bytes(&PathBuf::from(&dir), &dfile, &bytes, start)
    })
    .await
    .map_err(|e| to_napi(CoreError::Io(format!("file write task failed: {e}"))))?
    .map_err(to_napi)?;
    Ok(at as f64)
}

/// Store each member as one GridFS file in `database` (bulk inserts, 255 KiB
/// chunks, row-major as MsPASS). Resolves to the fs.files ids (24-hex).
#[napi]
pub async fn write_gridfs_samples(
    uri: String,
    database_name: String,
    members: Vec<Float64Array>,
    options: Option<GridfsWriteOptions>,
) -> napi::Result<Vec<String>> {
    let mut w = GridFsWriteOptions::default();
    let mut ids = None;
    if let Some(o) = options {
        if let Some(b) = o.bucket {
            check_name("bucket", &b)?;
            w.bucket = b;
        }
        if let Some(c) = o.chunk_size {
            if c == 0 {
                return Err(invalid("chunkSize must be positive".into()));
            }
            w.chunk_size = c as usize;
        }
        ids = o.ids.as_deref().map(parse_ids).transpose()?;
    }
    let db = database(&uri, &database_name).await?;
    let refs: Vec<&[f64]> = members.iter().map(|m| &m[..]).collect();
    let out = io::write_gridfs(&db, &refs, ids.as_deref(), &w)
        .await
        .map_err(to_napi)?;
    Ok(out.iter().map(|i| i.to_hex()).collect())
}

/// Delete GridFS files (chunks, then fs.files docs) by id; resolves to the
/// number of fs.files documents removed.
#[napi]
pub async fn delete_gridfs_files(
    uri: String,
    database_name: String,
    ids: Vec<String>,
    bucket: Option<String>,
) -> napi::Result<u32> {
    let ids = parse_ids(&ids)?;
    let bucket = bucket.unwrap_or_else(|| "fs".to_string());
    check_name("bucket", &bucket)?;
    let db = database(&uri, &database_name).await?;
    io::delete_gridfs(&db, &ids, &bucket)
        .await
        .map(|n| n as u32)
        .map_err(to_napi)
}

/// A new MsPASS default dfile name, `<uuid4>-binary`.
#[napi]
pub fn default_dfile() -> String {
    io::default_dfile()
}
