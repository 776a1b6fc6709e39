//! Process-wide registry of open server cursors.
//!
//! JavaScript holds only a numeric handle; the driver cursor stays here, in a
//! static shared by every worker thread, so a handle is valid in the whole
//! process. Each fetch hands back one *server batch* as a single buffer of
//! concatenated BSON documents (the driver's zero-copy `RawBatchCursor` batch,
//! copied once), which is one napi call and one JS allocation per batch
//! instead of per document.
//!
//! Entries leave the registry when exhausted, on an error, on [`close`], or
//! when their pool is shut down ([`close_for_uri`]); the TypeScript cursor also
//! closes handles its garbage collector finds abandoned.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use bson::Document;
use futures_util::StreamExt;
use mongodb::options::AggregateOptions;
use mongodb::raw_batch_cursor::RawBatchCursor;

use crate::error::{CoreError, Result};
use crate::ops::{self, FindSpec};

struct Entry {
    uri: String,
    /// Async lock: a fetch holds it across the `getMore` round trip.
    cursor: tokio::sync::Mutex<RawBatchCursor>,
}

fn registry() -> &'static Mutex<HashMap<u64, Arc<Entry>>> {
    static REGISTRY: OnceLock<Mutex<HashMap<u64, Arc<Entry>>>> = OnceLock::new();
    REGISTRY.get_or_init(|| Mutex::new(HashMap::new()))
}

/// Starts at 1 so 0 is never a valid handle.
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

fn register(uri: &str, cursor: RawBatchCursor) -> u64 {
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    let entry = Arc::new(Entry { uri: uri.to_string(), cursor: tokio::sync::Mutex::new(cursor) });
    registry().lock().expect("cursor registry poisoned").insert(id, entry);
    id
}

fn take(id: u64) -> Option<Arc<Entry>> {
    registry().lock().expect("cursor registry poisoned").remove(&id)
}

/// Run a find and register its cursor; returns the handle.
pub async fn find(uri: &str, db: &str, coll: &str, spec: FindSpec) -> Result<u64> {
    let c = ops::collection(uri, db, coll).await?;
    let o = spec.find_options();
    let cursor = c
        .find(spec.filter)
        .with_options(o)
        .batch()
        .await
        .map_err(|e| CoreError::from_driver(&format!("find in {db}.{coll}"), e))?;
    Ok(register(uri, cursor))
}

/// Run an aggregation pipeline and register its cursor; returns the handle.
pub async fn aggregate(
    uri: &str,
    db: &str,
    coll: &str,
    pipeline: Vec<Document>,
    batch_size: Option<u32>,
) -> Result<u64> {
    let c = ops::collection(uri, db, coll).await?;
    let mut o = AggregateOptions::default();
    o.batch_size = batch_size.filter(|&b| b > 0);
    let cursor = c
        .aggregate(pipeline)
        .with_options(o)
        .batch()
        .await
        .map_err(|e| CoreError::from_driver(&format!("aggregate on {db}.{coll}"), e))?;
    Ok(register(uri, cursor))
}

/// The next server batch as concatenated BSON documents, or `None` once the
/// cursor is exhausted (the handle is then released).
pub async fn next_batch(id: u64) -> Result<Option<Vec<u8>>> {
    let entry = registry()
        .lock()
        .expect("cursor registry poisoned")
        .get(&id)
        .cloned()
        .ok_or_else(|| CoreError::InvalidArgument(format!("no open cursor with handle {id} (closed or exhausted)")))?;
    let mut cursor = entry.cursor.lock().await;
    loop {
        match cursor.next().await {
            None => {
                take(id);
                return Ok(None);
            }
            Some(Err(e)) => {
                take(id);
                return Err(CoreError::from_driver("fetching the next batch of a cursor", e));
            }
            Some(Ok(batch)) => {
                let out = concat_batch(&batch)?;
                // A server may answer a getMore with an empty batch while the
                // cursor stays open; skip those instead of handing JS nothing.
                if !out.is_empty() {
                    return Ok(Some(out));
                }
            }
        }
    }
}

fn concat_batch(batch: &mongodb::raw_batch_cursor::RawBatch) -> Result<Vec<u8>> {
    let bad = |e: String| CoreError::Database(format!("malformed batch from the server: {e}"));
    let docs = batch.doc_slices().map_err(|e| bad(e.to_string()))?;
    let mut out = Vec::with_capacity(docs.as_bytes().len());
    for item in docs {
        let value = item.map_err(|e| bad(e.to_string()))?;
        let doc = value.as_document().ok_or_else(|| bad("a batch element is not a document".into()))?;
        out.extend_from_slice(doc.as_bytes());
    }
    Ok(out)
}

/// Release a cursor (the driver kills it on the server). Returns whether the
/// handle was open.
pub fn close(id: u64) -> bool {
    take(id).is_some()
}

/// Release every cursor opened through the pool for `uri` (before a pool
/// shutdown, which otherwise waits for outstanding cursors).
pub fn close_for_uri(uri: &str) -> usize {
    let mut map = registry().lock().expect("cursor registry poisoned");
    let before = map.len();
    map.retain(|_, e| e.uri != uri);
    before - map.len()
}

/// Number of open cursor handles in this process.
pub fn open_count() -> usize {
    registry().lock().expect("cursor registry poisoned").len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use bson::{doc, rawdoc, RawDocument};

    #[tokio::test]
    async fn unknown_handle_is_invalid_argument() {
        let err = next_batch(u64::MAX).await.unwrap_err();
        assert_eq!(err.kind(), "InvalidArgument");
        assert!(!close(u64::MAX));
    }

    fn split(bytes: &[u8]) -> Vec<&RawDocument> {
        let mut out = Vec::new();
        let mut at = 0;
        while at < bytes.len() {
            let len = i32::from_le_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
            out.push(RawDocument::from_bytes(&bytes[at..at + len]).unwrap());
            at += len;
        }
        out
    }

    #[test]
    fn batches_cover_all_documents_in_order() {
        let Ok(uri) = std::env::var("MSPASS_TEST_DB_URI") else {
            eprintln!("MSPASS_TEST_DB_URI not set; skipping the server round trip");
            return;
        };
        crate::pool::test_block_on(batches(uri));
    }

    async fn batches(uri: String) {
        let (db, coll) = ("mspass_core_cursor_test", "batches");
        ops::drop_collection(&uri, db, coll).await.unwrap();
        let docs: Vec<_> = (0..25).map(|i| rawdoc! { "i": i }).collect();
        ops::insert_many(&uri, db, coll, docs, true).await.unwrap();

        let spec = FindSpec {
            filter: doc! { "i": { "$gte": 3 } },
            sort: Some(doc! { "i": 1 }),
            batch_size: Some(4),
            ..Default::default()
        };
        let id = find(&uri, db, coll, spec).await.unwrap();
        let mut seen = Vec::new();
        let mut batches = 0;
        while let Some(bytes) = next_batch(id).await.unwrap() {
            batches += 1;
            for d in split(&bytes) {
                seen.push(d.get_i32("i").unwrap());
            }
        }
        assert_eq!(seen, (3..25).collect::<Vec<_>>());
        assert!(batches >= 22 / 4, "expected several batches, got {batches}");
        // Exhaustion released the handle.
        assert!(!close(id));

        let id = find(&uri, db, coll, FindSpec { batch_size: Some(2), ..Default::default() }).await.unwrap();
        assert!(next_batch(id).await.unwrap().is_some());
        assert!(close(id));
        assert_eq!(next_batch(id).await.unwrap_err().kind(), "InvalidArgument");
        ops::drop_database(&uri, db).await.unwrap();
    }
}
