//! Cursors as `#[napi]` class instances that own their driver cursor
//! (`mspass_core::cursor::ServerCursor`), as lancedb's binding owns its
//! tables: no handle registry, and the JS object's garbage collection drops
//! the cursor (the driver kills it on the server). JS pulls one server batch
//! per `next()` call. The connection pool stays process-wide (pool.rs).

use std::sync::Arc;

use mspass_core::cursor::{self, ServerCursor};
use mspass_core::ops;
use napi::bindgen_prelude::Buffer;
use napi_derive::napi;

use crate::collection::{find_spec, FindOptions};
use crate::errors::to_napi;

/// An open server cursor, made by `find` or `aggregate`.
#[napi]
pub struct NativeCursor {
    /// Shared with the futures of `next()` and `readCursorEnsemble` in flight.
    pub(crate) inner: Arc<ServerCursor>,
}

#[napi]
impl NativeCursor {
    /// The next server batch as concatenated BSON documents, or null when the
    /// cursor is exhausted or closed (the server cursor is then released).
    #[napi]
    pub async fn next(&self) -> napi::Result<Option<Buffer>> {
        let inner = self.inner.clone();
        let batch = inner.next_batch().await.map_err(to_napi)?;
        Ok(batch.map(Buffer::from))
    }

    /// Release the server cursor now. Returns whether it was open.
    #[napi]
    pub fn close(&self) -> bool {
        self.inner.close()
    }
}

fn wrap(c: ServerCursor) -> NativeCursor {
    NativeCursor { inner: Arc::new(c) }
}

/// Run a find (`filter` and options as BSON); resolves to its cursor.
#[napi]
pub async fn find(
    uri: String,
    db: String,
    coll: String,
    filter: Buffer,
    options: Option<FindOptions>,
) -> napi::Result<NativeCursor> {
    let spec = find_spec(&filter, options)?;
    ServerCursor::find(&uri, &db, &coll, spec)
        .await
        .map(wrap)
        .map_err(to_napi)
}

/// Run an aggregation; `pipeline` is BSON `{pipeline: [stage, ...]}`. Resolves to its cursor.
#[napi]
pub async fn aggregate(
    uri: String,
    db: String,
    coll: String,
    pipeline: Buffer,
    batch_size: Option<u32>,
) -> napi::Result<NativeCursor> {
    let wrapper = ops::document_from_bytes("pipeline", &pipeline).map_err(to_napi)?;
    let stages = wrapper
        .get_array("pipeline")
        .map_err(|_| {
            napi::Error::new(
                napi::Status::InvalidArg,
                "InvalidArgument: pipeline must be BSON {pipeline: [...]}",
            )
        })?
        .iter()
        .map(|s| {
            s.as_document().cloned().ok_or_else(|| {
                napi::Error::new(
                    napi::Status::InvalidArg,
                    "InvalidArgument: every pipeline stage must be a document",
                )
            })
        })
        .collect::<napi::Result<Vec<_>>>()?;
    ServerCursor::aggregate(&uri, &db, &coll, stages, batch_size)
        .await
        .map(wrap)
        .map_err(to_napi)
}

/// Open server cursors in this process (all threads).
#[napi]
pub fn open_cursor_count() -> u32 {
    cursor::open_count() as u32
}
