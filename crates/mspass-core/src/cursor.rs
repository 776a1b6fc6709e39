//! Server cursors owned by their handle.
//!
//! A [`ServerCursor`] owns the driver cursor; the binding wraps it in a
//! `#[napi]` class, so the JS object owns it too and its garbage collection
//! drops it (the driver then kills the server cursor). Each fetch hands back
//! one *server batch* as a single buffer of concatenated BSON documents (the
//! driver's zero-copy `RawBatchCursor` batch, copied once): one napi call and
//! one JS allocation per batch instead of per document.
//!
//! The driver cursor is released when exhausted, on an error, on
//! [`ServerCursor::close`], or when the handle is dropped. Pools stay
//! process-wide (pool.rs); a pool shutdown does not wait for open cursors
//! (it is `immediate`), whose next fetch then fails.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use bson::Document;
use futures_util::StreamExt;
use mongodb::options::AggregateOptions;
use mongodb::raw_batch_cursor::RawBatchCursor;

use crate::error::{CoreError, Result};
use crate::ops::{self, FindSpec};

/// Driver cursors open in this process (all threads), for `openCursorCount`.
static OPEN: AtomicUsize = AtomicUsize::new(0);

/// A driver cursor, counted in [`OPEN`] while it lives.
struct Counted(RawBatchCursor);

impl Counted {
    fn new(c: RawBatchCursor) -> Self {
        OPEN.fetch_add(1, Ordering::Relaxed);
        Counted(c)
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        OPEN.fetch_sub(1, Ordering::Relaxed);
    }
}

/// One open server cursor (a find or an aggregation).
pub struct ServerCursor {
    /// Async lock: a fetch holds it across the `getMore` round trip. `None`
    /// once released.
    cursor: tokio::sync::Mutex<Option<Counted>>,
    /// Set by `close`; a fetch in flight releases the cursor when it ends.
    closed: AtomicBool,
}

impl ServerCursor {
    fn new(c: RawBatchCursor) -> Self {
        ServerCursor {
            cursor: tokio::sync::Mutex::new(Some(Counted::new(c))),
            closed: AtomicBool::new(false),
        }
    }

    /// Run a find.
    pub async fn find(uri: &str, db: &str, coll: &str, spec: FindSpec) -> Result<ServerCursor> {
        let c = ops::collection(uri, db, coll).await?;
        let o = spec.find_options();
        let cursor = c
            .find(spec.filter)
            .with_options(o)
            .batch()
            .await
            .map_err(|e| CoreError::from_driver(&format!("find in {db}.{coll}"), e))?;
        Ok(ServerCursor::new(cursor))
    }

    /// Run an aggregation pipeline.
    pub async fn aggregate(
        uri: &str,
        db: &str,
        coll: &str,
        pipeline: Vec<Document>,
        batch_size: Option<u32>,
    ) -> Result<ServerCursor> {
        let c = ops::collection(uri, db, coll).await?;
        let mut o = AggregateOptions::default();
        o.batch_size = batch_size.filter(|&b| b > 0);
        let cursor = c
            .aggregate(pipeline)
            .with_options(o)
            .batch()
            .await
            .map_err(|e| CoreError::from_driver(&format!("aggregate on {db}.{coll}"), e))?;
        Ok(ServerCursor::new(cursor))
    }

    /// The next server batch as concatenated BSON documents, or `None` once
    /// the cursor is exhausted or closed (the driver cursor is then released).
    pub async fn next_batch(&self) -> Result<Option<Vec<u8>>> {
        let mut slot = self.cursor.lock().await;
        let out = match slot.as_mut() {
            None => return Ok(None),
            Some(Counted(cursor)) => loop {
                match cursor.next().await {
                    None => break Ok(None),
                    Some(Err(e)) => {
                        break Err(CoreError::from_driver(
                            "fetching the next batch of a cursor",
                            e,
                        ))
                    }
                    Some(Ok(batch)) => match concat_batch(&batch) {
                        Err(e) => break Err(e),
                        // A server may answer a getMore with an empty batch while the
                        // cursor stays open; skip those instead of handing JS nothing.
                        Ok(bytes) if bytes.is_empty() => continue,
                        Ok(bytes) => break Ok(Some(bytes)),
                    },
                }
            },
        };
        if !matches!(out, Ok(Some(_))) || self.closed.load(Ordering::Acquire) {
            *slot = None;
        }
        out
    }

    /// Every remaining document, concatenated (the cursor is exhausted after).
    pub async fn drain(&self) -> Result<Vec<u8>> {
        let mut docs = Vec::new();
        while let Some(batch) = self.next_batch().await? {
            docs.extend_from_slice(&batch);
        }
        Ok(docs)
    }

    /// Release the cursor now (a fetch in flight releases it when it ends).
    /// Returns whether it was open.
    pub fn close(&self) -> bool {
        let was_open = !self.closed.swap(true, Ordering::AcqRel);
        match self.cursor.try_lock() {
            Ok(mut slot) => was_open && slot.take().is_some(),
            Err(_) => was_open,
        }
    }
}

fn concat_batch(batch: &mongodb::raw_batch_cursor::RawBatch) -> Result<Vec<u8>> {
    let bad = |e: String| CoreError::Database(format!("malformed batch from the server: {e}"));
    let docs = batch.doc_slices().map_err(|e| bad(e.to_string()))?;
    let mut out = Vec::with_capacity(docs.as_bytes().len());
    for item in docs {
        let value = item.map_err(|e| bad(e.to_string()))?;
        let doc = value
            .as_document()
            .ok_or_else(|| bad("a batch element is not a document".into()))?;
        out.extend_from_slice(doc.as_bytes());
    }
    Ok(out)
}

/// Driver cursors open in this process (all threads).
pub fn open_count() -> usize {
    OPEN.load(Ordering::Relaxed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bson_split::split_concatenated_raw;
    use bson::{doc, rawdoc};

    #[test]
    fn batches_cover_all_documents_in_order() {
        crate::pool::with_test_server(batches);
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
        let before = open_count();
        let c = ServerCursor::find(&uri, db, coll, spec).await.unwrap();
        assert_eq!(open_count(), before + 1);
        let mut seen = Vec::new();
        let mut batches = 0;
        while let Some(bytes) = c.next_batch().await.unwrap() {
            batches += 1;
            for d in split_concatenated_raw("batch", &bytes).unwrap() {
                seen.push(d.get_i32("i").unwrap());
            }
        }
        assert_eq!(seen, (3..25).collect::<Vec<_>>());
        assert!(batches >= 22 / 4, "expected several batches, got {batches}");
        // Exhaustion released the driver cursor.
        assert_eq!(open_count(), before);
        assert!(!c.close());

        let c = ServerCursor::find(
            &uri,
            db,
            coll,
            FindSpec {
                batch_size: Some(2),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert!(c.next_batch().await.unwrap().is_some());
        assert!(c.close());
        assert!(!c.close());
        assert_eq!(open_count(), before);
        assert!(c.next_batch().await.unwrap().is_none());

        // Dropping an open handle releases its cursor.
        let c = ServerCursor::find(
            &uri,
            db,
            coll,
            FindSpec {
                batch_size: Some(2),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert!(c.next_batch().await.unwrap().is_some());
        drop(c);
        assert_eq!(open_count(), before);
        ops::drop_database(&uri, db).await.unwrap();
    }
}
