//! GridFS sample I/O, byte-compatible with pymongo's GridFS as MsPASS uses it:
//! `<bucket>.files` {_id, chunkSize, length, uploadDate} and `<bucket>.chunks`
//! {_id, files_id, n, data: Binary subtype 0} in the wf collection's database,
//! 255 KiB chunks, raw little-endian f64 (a Seismogram component-major, which
//! is also the in-memory layout, so no transpose).

use std::collections::HashMap;
use std::sync::Mutex;

use bson::oid::ObjectId;
use bson::raw::{RawBinaryRef, RawBsonRef, RawDocument};
use bson::spec::BinarySubtype;
use bson::{doc, Bson, RawDocumentBuf};
use futures_util::stream::{self, StreamExt, TryStreamExt};
use mongodb::{Collection, Database};

use super::codec::{as_le_bytes_mut, fix_endianness_in_place};
use super::member::{Location, Member, Placed};
use super::member_error::MemberError;
use crate::error::{CoreError, Result};

/// pymongo's (and every driver's) default GridFS chunk size: 255 KiB.
pub const DEFAULT_CHUNK_SIZE: usize = 261_120;

/// How chunks are fetched.
#[derive(Debug, Clone)]
pub struct GridFsReadOptions {
    /// Bucket name; MsPASS uses the default `fs`.
    pub bucket: String,
    /// GridFS files per `fs.chunks` query: `files_id: {$in: [...]}`, or an
    /// equality filter when 1. On FerretDB v1 every query scans the whole
    /// collection in Go (no `$in` pushdown; the equality pushdown still scans
    /// SQLite rows), so ONE query for the whole ensemble wins by far: 1,000
    /// files of 80 kB took ~4 s in one query, ~9 s in two, ~18 s in four,
    /// and 200 files one query each took 94 s. Hence the large default; on
    /// MongoDB (index on files_id) smaller batches in parallel also work.
    pub batch_size: usize,
    /// Queries in flight at once (each holds one pooled connection).
    pub concurrency: usize,
}

impl Default for GridFsReadOptions {
    fn default() -> Self {
        GridFsReadOptions {
            bucket: "fs".to_string(),
            batch_size: 10_000,
            concurrency: 2,
        }
    }
}

/// Target bytes of chunk data per server batch of the chunks cursor.
const CURSOR_BATCH_BYTES: u64 = 4 << 20;

/// fs.files ids per query for the metadata lookup (small documents).
const FILES_QUERY_BATCH: usize = 10_000;

fn count_of(v: Option<RawBsonRef<'_>>) -> Option<u64> {
    match v? {
        RawBsonRef::Int32(x) if x >= 0 => Some(x as u64),
        RawBsonRef::Int64(x) if x >= 0 => Some(x as u64),
        RawBsonRef::Double(x) if x >= 0.0 && x.fract() == 0.0 => Some(x as u64),
        _ => None,
    }
}

/// One GridFS file to fetch and the byte offsets (in the destination) of the
/// members that want its bytes.
struct Target {
    length: u64,
    chunk_size: u64,
    dests: Vec<usize>,
}

impl Target {
    fn nchunks(&self) -> u64 {
        self.length.div_ceil(self.chunk_size)
    }
}

/// What the server says about the GridFS files of a batch, fetched BEFORE
/// the sample buffer is reserved, so that the buffer is sized by what the
/// files actually hold (a document claiming npts=2^31 against a 800-byte
/// file must not reserve 16 GiB). When one chunks query covers the whole
/// batch (the usual case) it is sent at the same time: on FerretDB each
/// `$in` query over 1,000 ids costs ~0.2 s of server time before the first
/// reply, so overlapping the two hides the smaller one.
pub(crate) struct GridFsPrefetch {
    info: HashMap<ObjectId, (Option<u64>, Option<u64>)>,
    early: Option<mongodb::Cursor<RawDocumentBuf>>,
    cursor_batch: u32,
}

/// Query fs.files (and open the chunks cursor) for the given members.
pub(crate) async fn prefetch_gridfs(
    db: &Database,
    members: &[(usize, Member)],
    opts: &GridFsReadOptions,
) -> Result<GridFsPrefetch> {
    let mut ids: Vec<ObjectId> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (_, m) in members {
        if let Location::GridFs { id } = m.location {
            if seen.insert(id) {
                ids.push(id);
            }
        }
    }
    let files: Collection<RawDocumentBuf> = db.collection(&format!("{}.files", opts.bucket));
    let chunks: Collection<RawDocumentBuf> = db.collection(&format!("{}.chunks", opts.bucket));
    // Server batches of about CURSOR_BATCH_BYTES: the driver holds a whole
    // reply (and its documents) at a time, so this bounds the memory used on
    // top of the sample buffer (peak RSS) at a few more getMore round trips.
    let largest_chunk = members
        .iter()
        .map(|(_, m)| m.nbytes().min(DEFAULT_CHUNK_SIZE as u64))
        .max()
        .unwrap_or(1)
        .max(1);
    let cursor_batch = (CURSOR_BATCH_BYTES / largest_chunk).clamp(4, 1000) as u32;
    let single = ids.len() <= opts.batch_size.max(1);
    let (info, early) = if single && !ids.is_empty() {
        let (info, cursor) = futures_util::future::join(
            files_info(&files, &ids),
            open_chunks(&chunks, &ids, cursor_batch),
        )
        .await;
        (info?, Some(cursor?))
    } else {
        (files_info(&files, &ids).await?, None)
    };
    Ok(GridFsPrefetch {
        info,
        early,
        cursor_batch,
    })
}

impl GridFsPrefetch {
    /// Why a member cannot be read from its GridFS file (no file, no valid
    /// length or chunk size, a length other than npts needs), if it cannot.
    pub(crate) fn member_error(&self, m: &Member, bucket: &str) -> Option<MemberError> {
        let Location::GridFs { id } = m.location else {
            unreachable!("gridfs list holds only gridfs members")
        };
        match self.info.get(&id) {
            None => Some(MemberError::missing_samples(format!(
                "gridfs_id {id} has no file in {bucket}.files"
            ))),
            Some((None, _)) => Some(MemberError::bad_samples(format!(
                "GridFS file {id} has no valid length"
            ))),
            Some((Some(len), cs)) if cs.unwrap_or(0) == 0 && *len > 0 => Some(
                MemberError::bad_samples(format!("GridFS file {id} has no valid chunkSize")),
            ),
            Some((Some(len), _)) if *len != m.nbytes() => Some(MemberError::bad_samples(format!(
                "GridFS file {id} has length {len}; expected {} bytes for npts={}",
                m.nbytes(),
                m.npts
            ))),
            Some(_) => None,
        }
    }
}

/// Fill `dst` (the GridFS part of the batch buffer, starting at buffer offset
/// `base`) with the samples of the `placed` members, each of which passed
/// [`GridFsPrefetch::member_error`]. Returns per-member errors; a failing
/// query is an `Err`.
pub(crate) async fn read_gridfs(
    db: &Database,
    pre: GridFsPrefetch,
    placed: &[Placed],
    base: usize,
    dst: &mut [f64],
    opts: &GridFsReadOptions,
) -> Result<Vec<(usize, MemberError)>> {
    let mut errors = Vec::new();
    // Distinct ids, first-seen order; a file shared by several members is fetched once.
    let mut wanted: HashMap<ObjectId, Vec<&Placed>> = HashMap::new();
    let mut ids: Vec<ObjectId> = Vec::new();
    for p in placed {
        let Location::GridFs { id } = p.member.location else {
            unreachable!("gridfs list holds only gridfs members")
        };
        wanted
            .entry(id)
            .or_insert_with(|| {
                ids.push(id);
                Vec::new()
            })
            .push(p);
    }
    let chunks: Collection<RawDocumentBuf> = db.collection(&format!("{}.chunks", opts.bucket));
    let mut targets: HashMap<ObjectId, Target> = HashMap::new();
    for id in &ids {
        let Some((Some(length), chunk_size)) = pre.info.get(id) else {
            unreachable!("placed members have a file")
        };
        let dests: Vec<usize> = wanted[id].iter().map(|p| (p.offset - base) * 8).collect();
        if *length > 0 {
            targets.insert(
                *id,
                Target {
                    length: *length,
                    chunk_size: chunk_size.unwrap_or(1).max(1),
                    dests,
                },
            );
        }
    }

    let order: Vec<ObjectId> = ids
        .iter()
        .filter(|i| targets.contains_key(i))
        .copied()
        .collect();
    let out = Mutex::new(as_le_bytes_mut(dst));
    let mut file_errors: Vec<Vec<(ObjectId, String)>> = Vec::new();
    if let Some(cursor) = pre.early {
        // Nothing valid to place: drop the cursor (the driver kills it).
        if !order.is_empty() {
            file_errors.push(drain_chunks(cursor, &order, &targets, &out).await?);
        }
    } else {
        // Futures built up front with owned batches: a closure over borrowed
        // slices inside the stream trips rustc's higher-ranked lifetime check
        // when the whole future must be Send (napi's async fns).
        let queries: Vec<_> = order
            .chunks(opts.batch_size.max(1))
            .map(|batch| {
                Box::pin(fetch_chunks(
                    &chunks,
                    batch.to_vec(),
                    pre.cursor_batch,
                    &targets,
                    &out,
                ))
            })
            .collect();
        file_errors = stream::iter(queries)
            .buffer_unordered(opts.concurrency.max(1))
            .try_collect()
            .await?;
    }
    for (id, msg) in file_errors.into_iter().flatten() {
        for p in &wanted[&id] {
            errors.push((p.index, MemberError::bad_samples(msg.clone())));
        }
    }
    fix_endianness_in_place(dst);
    Ok(errors)
}

/// Fetch and place the chunks of `batch` with one query.
async fn fetch_chunks(
    coll: &Collection<RawDocumentBuf>,
    batch: Vec<ObjectId>,
    cursor_batch: u32,
    targets: &HashMap<ObjectId, Target>,
    out: &Mutex<&mut [u8]>,
) -> Result<Vec<(ObjectId, String)>> {
    let cursor = open_chunks(coll, &batch, cursor_batch).await?;
    drain_chunks(cursor, &batch, targets, out).await
}

/// fs.files `length` and `chunkSize` of the given ids, few large `$in` queries.
async fn files_info(
    files: &Collection<RawDocumentBuf>,
    ids: &[ObjectId],
) -> Result<HashMap<ObjectId, (Option<u64>, Option<u64>)>> {
    let mut info = HashMap::with_capacity(ids.len());
    for batch in ids.chunks(FILES_QUERY_BATCH) {
        let mut cursor = files
            .find(
                doc! {"_id": {"$in": batch.iter().map(|i| Bson::ObjectId(*i)).collect::<Vec<_>>()}},
            )
            .projection(doc! {"length": 1, "chunkSize": 1})
            .await
            .map_err(|e| CoreError::from_driver("GridFS files query failed", e))?;
        while cursor
            .advance()
            .await
            .map_err(|e| CoreError::from_driver("GridFS files query failed", e))?
        {
            let d = cursor.current();
            if let Ok(id) = d.get_object_id("_id") {
                info.insert(
                    id,
                    (
                        count_of(d.get("length").ok().flatten()),
                        count_of(d.get("chunkSize").ok().flatten()),
                    ),
                );
            }
        }
    }
    Ok(info)
}

/// One chunks query for `ids` (equality for one id, `$in` otherwise).
async fn open_chunks(
    coll: &Collection<RawDocumentBuf>,
    ids: &[ObjectId],
    cursor_batch: u32,
) -> Result<mongodb::Cursor<RawDocumentBuf>> {
    let filter = if ids.len() == 1 {
        doc! {"files_id": ids[0]}
    } else {
        doc! {"files_id": {"$in": ids.iter().map(|i| Bson::ObjectId(*i)).collect::<Vec<_>>()}}
    };
    coll.find(filter)
        .projection(doc! {"_id": 0, "files_id": 1, "n": 1, "data": 1})
        .batch_size(cursor_batch)
        .await
        .map_err(|e| CoreError::from_driver("GridFS chunks query failed", e))
}

/// Copy each chunk of `batch` straight to its place (chunk `n` of a file is
/// at byte `n * chunkSize`), so no server-side sort is needed. Chunks of
/// files not in `targets` are skipped. Returns per-file errors (missing or
/// malformed chunks).
async fn drain_chunks(
    mut cursor: mongodb::Cursor<RawDocumentBuf>,
    batch: &[ObjectId],
    targets: &HashMap<ObjectId, Target>,
    out: &Mutex<&mut [u8]>,
) -> Result<Vec<(ObjectId, String)>> {
    let mut seen: HashMap<ObjectId, Vec<bool>> = batch
        .iter()
        .filter_map(|id| {
            targets
                .get(id)
                .map(|t| (*id, vec![false; t.nchunks() as usize]))
        })
        .collect();
    let mut bad: HashMap<ObjectId, String> = HashMap::new();
    while cursor
        .advance()
        .await
        .map_err(|e| CoreError::from_driver("GridFS chunks query failed", e))?
    {
        let d: &RawDocument = cursor.current();
        let Ok(fid) = d.get_object_id("files_id") else {
            continue;
        };
        let (Some(t), Some(seen_f)) = (targets.get(&fid), seen.get_mut(&fid)) else {
            continue;
        };
        let n = count_of(d.get("n").ok().flatten());
        let data = match d.get("data") {
            Ok(Some(RawBsonRef::Binary(RawBinaryRef { bytes, .. }))) => Some(bytes),
            _ => None,
        };
        let (Some(n), Some(bytes)) = (n, data) else {
            bad.entry(fid).or_insert_with(|| {
                format!("GridFS file {fid} has a chunk without a valid n or data")
            });
            continue;
        };
        let start = n.saturating_mul(t.chunk_size);
        let expect = t.length.saturating_sub(start).min(t.chunk_size);
        if n >= t.nchunks() || bytes.len() as u64 != expect {
            bad.entry(fid).or_insert_with(|| {
                format!(
                    "GridFS file {fid} chunk n={n} has {} bytes; expected {expect}",
                    bytes.len()
                )
            });
            continue;
        }
        seen_f[n as usize] = true;
        let mut dst = out.lock().unwrap_or_else(|p| p.into_inner());
        for &d0 in &t.dests {
            let at = d0 + start as usize;
            dst[at..at + bytes.len()].copy_from_slice(bytes);
        }
    }
    let mut errors: Vec<(ObjectId, String)> = bad.into_iter().collect();
    for (id, s) in seen {
        let got = s.iter().filter(|x| **x).count();
        if got != s.len() && !errors.iter().any(|(e, _)| *e == id) {
            errors.push((
                id,
                format!("GridFS file {id} has {got} of {} chunks", s.len()),
            ));
        }
    }
    Ok(errors)
}

/// Options of a GridFS write.
#[derive(Debug, Clone)]
pub struct GridFsWriteOptions {
    pub bucket: String,
    pub chunk_size: usize,
    /// Upper bound on the chunk bytes of one insertMany (the driver splits
    /// further at the server's message size limit).
    pub bytes_per_insert: usize,
}

impl Default for GridFsWriteOptions {
    fn default() -> Self {
        GridFsWriteOptions {
            bucket: "fs".to_string(),
            chunk_size: DEFAULT_CHUNK_SIZE,
            bytes_per_insert: 16 << 20,
        }
    }
}

/// pymongo stores a Python int as int32 when it fits, else int64.
fn py_int(v: u64) -> Bson {
    i32::try_from(v)
        .map(Bson::Int32)
        .unwrap_or(Bson::Int64(v as i64))
}

/// The `_id` of chunk `n` of GridFS file `fid`: deterministic, so a late or
/// repeated insert of the same chunk (a dead worker's native write still in
/// flight on the process-wide runtime, or a retry) hits a duplicate key
/// instead of adding a second copy. The file id's 4-byte timestamp is kept;
/// the other 8 bytes are the file id's mixed with a bijective hash of `n`
/// (distinct n → distinct ids for one file; ids of different files collide
/// only if their own random/derived tails happen to, ~2^-64).
pub fn chunk_id(fid: &ObjectId, n: u64) -> ObjectId {
    let b = fid.bytes();
    let tail = u64::from_be_bytes(b[4..12].try_into().expect("8 bytes"));
    let mut z = n.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    let mut out = [0u8; 12];
    out[..4].copy_from_slice(&b[..4]);
    out[4..].copy_from_slice(&(tail ^ z).to_be_bytes());
    ObjectId::from_bytes(out)
}

/// Store each member (component-major samples) as one GridFS file, with bulk
/// inserts: all chunks first (few insertMany calls), then all fs.files
/// documents in one, so a file document only exists once its chunks do (as
/// pymongo does). `ids`, when given, are the fs.files `_id`s to use (lets a
/// caller retry idempotently after deleting them). Chunk `_id`s derive from
/// the file id and `n` (`chunk_id`), and an insert whose only failures are
/// duplicate keys on documents already stored with the same content (the
/// `uploadDate` of a files document aside) succeeds: writing the same ids
/// twice, or concurrently, stores each chunk and file once. Returns the ids.
pub async fn write_gridfs(
    db: &Database,
    members: &[&[f64]],
    ids: Option<&[ObjectId]>,
    opts: &GridFsWriteOptions,
) -> Result<Vec<ObjectId>> {
    if let Some(ids) = ids {
        if ids.len() != members.len() {
            return Err(CoreError::InvalidArgument(format!(
                "ids has {} entries for {} members",
                ids.len(),
                members.len()
            )));
        }
    }
    if opts.chunk_size == 0 {
        return Err(CoreError::InvalidArgument(
            "chunk_size must be positive".into(),
        ));
    }
    let ids: Vec<ObjectId> = match ids {
        Some(ids) => ids.to_vec(),
        None => members.iter().map(|_| ObjectId::new()).collect(),
    };
    let chunks: Collection<RawDocumentBuf> = db.collection(&format!("{}.chunks", opts.bucket));
    let files: Collection<RawDocumentBuf> = db.collection(&format!("{}.files", opts.bucket));

    let mut pending: Vec<RawDocumentBuf> = Vec::new();
    let mut pending_bytes = 0usize;
    for (m, fid) in members.iter().zip(&ids) {
        #[cfg(target_endian = "little")]
        let bytes: &[u8] = super::codec::as_le_bytes(m);
        #[cfg(not(target_endian = "little"))]
        let owned = super::codec::encode_le(m);
        #[cfg(not(target_endian = "little"))]
        let bytes: &[u8] = &owned;
        for (n, piece) in bytes.chunks(opts.chunk_size).enumerate() {
            let mut d = RawDocumentBuf::new();
            d.append("_id", chunk_id(fid, n as u64));
            d.append("files_id", *fid);
            d.append("n", n as i32);
            d.append_ref(
                "data",
                RawBinaryRef {
                    subtype: BinarySubtype::Generic,
                    bytes: piece,
                },
            );
            pending_bytes += piece.len();
            pending.push(d);
            if pending_bytes >= opts.bytes_per_insert {
                insert_all(
                    &chunks,
                    std::mem::take(&mut pending),
                    "GridFS chunks insert failed",
                )
                .await?;
                pending_bytes = 0;
            }
        }
    }
    if !pending.is_empty() {
        insert_all(&chunks, pending, "GridFS chunks insert failed").await?;
    }
    let now = bson::DateTime::now();
    let file_docs: Vec<RawDocumentBuf> = members
        .iter()
        .zip(&ids)
        .map(|(m, fid)| {
            let d = doc! {
                "_id": *fid,
                "chunkSize": py_int(opts.chunk_size as u64),
                // Int64 whatever its size, as pymongo's GridFS writes it.
                "length": Bson::Int64(std::mem::size_of_val(*m) as i64),
                "uploadDate": now,
            };
            RawDocumentBuf::from_document(&d).expect("a fixed-shape document always encodes")
        })
        .collect();
    if !file_docs.is_empty() {
        insert_all(&files, file_docs, "GridFS files insert failed").await?;
    }
    Ok(ids)
}

use crate::error::DUPLICATE_KEY_CODE as DUPLICATE_KEY;

/// Unordered insertMany. When every failure is a duplicate key, the batch
/// counts as written if each of its documents is present with the same
/// content (see `same_content`); anything else is an error.
async fn insert_all(
    coll: &Collection<RawDocumentBuf>,
    docs: Vec<RawDocumentBuf>,
    what: &str,
) -> Result<()> {
    let err = match coll.insert_many(&docs).ordered(false).await {
        Ok(_) => return Ok(()),
        Err(e) => e,
    };
    let only_duplicates = match err.kind.as_ref() {
        mongodb::error::ErrorKind::InsertMany(ime) => {
            ime.write_concern_error.is_none()
                && ime
                    .write_errors
                    .as_ref()
                    .is_some_and(|w| !w.is_empty() && w.iter().all(|x| x.code == DUPLICATE_KEY))
        }
        mongodb::error::ErrorKind::Write(mongodb::error::WriteFailure::WriteError(w)) => {
            w.code == DUPLICATE_KEY
        }
        _ => false,
    };
    if !only_duplicates {
        return Err(CoreError::from_driver(what, err));
    }
    // Verify the whole batch (not only the reported indexes): robust to how
    // the driver numbers errors across its own sub-batches.
    let ids: Vec<Bson> = docs
        .iter()
        .filter_map(|d| {
            d.get("_id")
                .ok()
                .flatten()
                .and_then(|v| v.to_raw_bson().try_into().ok())
        })
        .collect();
    let mut stored: HashMap<Vec<u8>, RawDocumentBuf> = HashMap::with_capacity(docs.len());
    let mut cursor = coll
        .find(doc! {"_id": {"$in": ids}})
        .await
        .map_err(|e| CoreError::from_driver(what, e))?;
    while cursor
        .advance()
        .await
        .map_err(|e| CoreError::from_driver(what, e))?
    {
        let d = cursor.current();
        if let Ok(Some(id)) = d.get("_id") {
            stored.insert(raw_key(id), d.to_raw_document_buf());
        }
    }
    for d in &docs {
        let Ok(Some(id)) = d.get("_id") else {
            return Err(CoreError::from_driver(what, err));
        };
        match stored.get(&raw_key(id)) {
            Some(s) if same_content(d, s) => {}
            _ => {
                return Err(CoreError::from_driver(
                    &format!(
                        "{what} (a duplicate _id with different content or a missing document)"
                    ),
                    err,
                ))
            }
        }
    }
    Ok(())
}

fn raw_key(v: RawBsonRef<'_>) -> Vec<u8> {
    match v {
        RawBsonRef::ObjectId(o) => o.bytes().to_vec(),
        other => format!("{other:?}").into_bytes(),
    }
}

/// Every field of `want` (but `uploadDate`, a time stamp) is in `got` with an
/// equal value, and `got` has no other field.
fn same_content(want: &RawDocument, got: &RawDocument) -> bool {
    let mut n = 0usize;
    for kv in want.iter() {
        let Ok((k, v)) = kv else { return false };
        n += 1;
        if k == "uploadDate" {
            if !matches!(got.get(k), Ok(Some(_))) {
                return false;
            }
            continue;
        }
        match got.get(k) {
            Ok(Some(g)) if g == v => {}
            _ => return false,
        }
    }
    got.iter().count() == n
}

/// Delete GridFS files (used by overwrite). Chunks go first, then the fs.files
/// documents: a failure midway leaves file documents whose chunks are gone,
/// which a retry deletes. Returns the number of fs.files documents deleted.
pub async fn delete_gridfs(db: &Database, ids: &[ObjectId], bucket: &str) -> Result<u64> {
    let chunks: Collection<RawDocumentBuf> = db.collection(&format!("{bucket}.chunks"));
    let files: Collection<RawDocumentBuf> = db.collection(&format!("{bucket}.files"));
    let mut deleted = 0;
    for batch in ids.chunks(FILES_QUERY_BATCH) {
        let list: Vec<Bson> = batch.iter().map(|i| Bson::ObjectId(*i)).collect();
        chunks
            .delete_many(doc! {"files_id": {"$in": list.clone()}})
            .await
            .map_err(|e| CoreError::from_driver("GridFS chunks delete failed", e))?;
        deleted += files
            .delete_many(doc! {"_id": {"$in": list}})
            .await
            .map_err(|e| CoreError::from_driver("GridFS files delete failed", e))?
            .deleted_count;
    }
    Ok(deleted)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::read::{read_members, ReadOptions};
    use futures_util::TryStreamExt;

    async fn test_db(tag: &str) -> Option<Database> {
        let Ok(uri) = std::env::var("MSPASS_TEST_DB_URI") else {
            eprintln!(
                "MSPASS_TEST_DB_URI not set; skipping the GridFS round trip (vitest covers it)"
            );
            return None;
        };
        // A client of this test's own runtime: the shared pool's client would be
        // bound to whichever test runtime created it first.
        let client = mongodb::Client::with_uri_str(&uri).await.unwrap();
        let db = client.database(&format!("h3_core_{tag}_{}", ObjectId::new()));
        Some(db)
    }

    fn gridfs_doc(id: ObjectId, npts: i64) -> RawDocumentBuf {
        RawDocumentBuf::from_document(
            &doc! {"npts": npts, "storage_mode": "gridfs", "gridfs_id": id},
        )
        .unwrap()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn gridfs_write_same_ids_twice_stores_once_and_refuses_other_content() {
        let Some(db) = test_db("dup").await else {
            return;
        };
        let big: Vec<f64> = (0..(DEFAULT_CHUNK_SIZE / 8 * 2 + 3))
            .map(|i| i as f64)
            .collect();
        let small = vec![1.0, 2.0];
        let ids = [ObjectId::new(), ObjectId::new()];
        let opts = GridFsWriteOptions::default();
        write_gridfs(&db, &[&big, &small], Some(&ids), &opts)
            .await
            .unwrap();
        // A late or repeated write of the same files (a dead worker's native
        // work still running): duplicates of identical content are success.
        write_gridfs(&db, &[&big, &small], Some(&ids), &opts)
            .await
            .unwrap();
        let chunks = db.collection::<bson::Document>("fs.chunks");
        assert_eq!(chunks.count_documents(doc! {}).await.unwrap(), 4);
        assert_eq!(
            db.collection::<bson::Document>("fs.files")
                .count_documents(doc! {})
                .await
                .unwrap(),
            2
        );
        let c = chunks
            .find_one(doc! {"files_id": ids[0], "n": 2})
            .await
            .unwrap()
            .unwrap();
        assert_eq!(c.get_object_id("_id").unwrap(), chunk_id(&ids[0], 2));
        // Half the chunks deleted (a cleanup racing a late insert), then rewritten: whole again.
        chunks
            .delete_many(doc! {"files_id": ids[0], "n": {"$in": [0, 2]}})
            .await
            .unwrap();
        write_gridfs(&db, &[&big, &small], Some(&ids), &opts)
            .await
            .unwrap();
        assert_eq!(chunks.count_documents(doc! {}).await.unwrap(), 4);
        // The same ids with other samples: a duplicate key that is NOT the same content fails.
        let other = vec![1.0, 2.5];
        let err = write_gridfs(&db, &[&other], Some(&ids[1..]), &opts)
            .await
            .unwrap_err();
        assert!(err.to_string().contains("different content"), "{err}");
        assert_eq!(chunks.count_documents(doc! {}).await.unwrap(), 4);
        // chunk ids of one file are distinct for distinct n.
        let set: std::collections::HashSet<ObjectId> =
            (0..10_000).map(|n| chunk_id(&ids[0], n)).collect();
        assert_eq!(set.len(), 10_000);
        db.drop().await.unwrap();
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn gridfs_round_trip_layout_and_bad_members() {
        let Some(db) = test_db("rt").await else {
            return;
        };
        // 3 chunks + a bit for the big one; an empty member too.
        let big: Vec<f64> = (0..(DEFAULT_CHUNK_SIZE / 8 * 3 + 5))
            .map(|i| i as f64 * 0.5)
            .collect();
        let small = vec![1.0, -2.0, 3.5];
        let empty: Vec<f64> = vec![];
        let ids = write_gridfs(&db, &[&big, &small, &empty], None, &Default::default())
            .await
            .unwrap();

        // Stored exactly as pymongo would: fs.files fields, 255 KiB chunks, LE f64.
        let f = db
            .collection::<bson::Document>("fs.files")
            .find_one(doc! {"_id": ids[0]})
            .await
            .unwrap()
            .unwrap();
        assert_eq!(f.get_i32("chunkSize").unwrap(), 261_120);
        assert_eq!(f.get_i64("length").unwrap() as usize, big.len() * 8);
        assert!(f.get_datetime("uploadDate").is_ok());
        let chunks: Vec<bson::Document> = db
            .collection::<bson::Document>("fs.chunks")
            .find(doc! {"files_id": ids[0]})
            .sort(doc! {"n": 1})
            .await
            .unwrap()
            .try_collect()
            .await
            .unwrap();
        assert_eq!(chunks.len(), 4);
        let c0 = chunks[0].get_binary_generic("data").unwrap();
        assert_eq!(c0.len(), DEFAULT_CHUNK_SIZE);
        assert_eq!(&c0[8..16], &0.5f64.to_le_bytes());
        assert_eq!(chunks[3].get_binary_generic("data").unwrap().len(), 40);

        // Read back with the bad cases mixed in, via both query strategies.
        let missing = ObjectId::new();
        let docs = [
            gridfs_doc(ids[1], 3),
            gridfs_doc(ids[0], big.len() as i64),
            gridfs_doc(missing, 3),
            gridfs_doc(ids[1], 4), // wrong length
            gridfs_doc(ids[2], 0),
            gridfs_doc(ids[1], 3), // same file twice
        ];
        let refs: Vec<&RawDocument> = docs.iter().map(|d| d.as_ref()).collect();
        for (batch_size, concurrency) in [(1000, 1), (1, 4), (2, 2)] {
            let mut opts = ReadOptions::default();
            opts.gridfs.batch_size = batch_size;
            opts.gridfs.concurrency = concurrency;
            let b = read_members(Some(&db), &refs, &opts).await.unwrap();
            assert_eq!(b.member(0).unwrap(), small.as_slice());
            assert_eq!(b.member(1).unwrap(), big.as_slice());
            assert!(
                b.member(2).unwrap_err().contains("has no file in fs.files"),
                "{:?}",
                b.member(2)
            );
            assert!(
                b.member(3)
                    .unwrap_err()
                    .contains("has length 24; expected 32"),
                "{:?}",
                b.member(3)
            );
            assert_eq!(
                b.error_kind(2),
                Some(crate::io::MemberErrorKind::MissingSamples)
            );
            assert_eq!(
                b.error_kind(3),
                Some(crate::io::MemberErrorKind::BadSamples)
            );
            assert_eq!(b.error_kind(0), None);
            assert_eq!(b.member(4).unwrap(), &[] as &[f64]);
            assert_eq!(b.member(5).unwrap(), small.as_slice());
        }

        // A lost chunk is a per-member error, not a failure of the batch.
        db.collection::<bson::Document>("fs.chunks")
            .delete_one(doc! {"files_id": ids[0], "n": 2})
            .await
            .unwrap();
        let b = read_members(Some(&db), &refs[..2], &ReadOptions::default())
            .await
            .unwrap();
        assert_eq!(b.member(0).unwrap(), small.as_slice());
        assert!(
            b.member(1).unwrap_err().contains("has 3 of 4 chunks"),
            "{:?}",
            b.member(1)
        );
        assert_eq!(
            b.error_kind(1),
            Some(crate::io::MemberErrorKind::BadSamples)
        );

        assert_eq!(delete_gridfs(&db, &ids, "fs").await.unwrap(), 3);
        assert_eq!(
            db.collection::<bson::Document>("fs.chunks")
                .count_documents(doc! {})
                .await
                .unwrap(),
            0
        );
        db.drop().await.unwrap();
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn caller_chosen_ids_and_seismogram_row_major() {
        let Some(db) = test_db("ids").await else {
            return;
        };
        let seis = [0.0, 1.0, 10.0, 11.0, 20.0, 21.0];
        let want = [ObjectId::new()];
        let ids = write_gridfs(&db, &[&seis], Some(&want), &Default::default())
            .await
            .unwrap();
        assert_eq!(ids, want);
        let c = db
            .collection::<bson::Document>("fs.chunks")
            .find_one(doc! {"files_id": want[0]})
            .await
            .unwrap()
            .unwrap();
        let expect: Vec<u8> = seis.iter().flat_map(|v| v.to_le_bytes()).collect();
        assert_eq!(
            c.get_binary_generic("data").unwrap(),
            &expect,
            "GridFS keeps component-major order"
        );
        assert_eq!(c.get_i32("n").unwrap(), 0);
        let doc = gridfs_doc(want[0], 2);
        let opts = ReadOptions {
            ncomponents: 3,
            ..Default::default()
        };
        let b = read_members(Some(&db), &[doc.as_ref()], &opts)
            .await
            .unwrap();
        assert_eq!(b.member(0).unwrap(), &seis);
        let err = write_gridfs(&db, &[&seis, &seis], Some(&want), &Default::default())
            .await
            .unwrap_err();
        assert_eq!(err.kind(), "InvalidArgument");
        db.drop().await.unwrap();
    }
}
