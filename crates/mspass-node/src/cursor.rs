//! Cursor handles. The driver cursor stays in the core's process-wide
//! registry; JS holds a number and pulls one server batch per call.

use mspass_core::cursor;
use mspass_core::ops;
use napi::bindgen_prelude::Buffer;
use napi_derive::napi;

use crate::collection::{find_spec, FindOptions};
use crate::errors::to_napi;

fn handle(id: i64) -> napi::Result<u64> {
    u64::try_from(id).map_err(|_| {
        napi::Error::new(napi::Status::InvalidArg, format!("InvalidArgument: cursor handle must be >= 0, got {id}"))
    })
}

/// Run a find (`filter` and options as BSON); resolves to a cursor handle.
#[napi]
pub async fn find(
    uri: String,
    db: String,
    coll: String,
    filter: Buffer,
    options: Option<FindOptions>,
) -> napi::Result<i64> {
    let spec = find_spec(&filter, options)?;
    cursor::find(&uri, &db, &coll, spec).await.map(|id| id as i64).map_err(to_napi)
}

/// Run an aggregation; `pipeline` is BSON `{pipeline: [stage, ...]}`. Resolves to a cursor handle.
#[napi]
pub async fn aggregate(
    uri: String,
    db: String,
    coll: String,
    pipeline: Buffer,
    batch_size: Option<u32>,
) -> napi::Result<i64> {
    let wrapper = ops::document_from_bytes("pipeline", &pipeline).map_err(to_napi)?;
    let stages = wrapper
        .get_array("pipeline")
        .map_err(|_| {
            napi::Error::new(napi::Status::InvalidArg, "InvalidArgument: pipeline must be BSON {pipeline: [...]}")
        })?
        .iter()
        .map(|s| {
            s.as_document().cloned().ok_or_else(|| {
                napi::Error::new(napi::Status::InvalidArg, "InvalidArgument: every pipeline stage must be a document")
            })
        })
        .collect::<napi::Result<Vec<_>>>()?;
    cursor::aggregate(&uri, &db, &coll, stages, batch_size).await.map(|id| id as i64).map_err(to_napi)
}

/// The next server batch as concatenated BSON documents, or null when the
/// cursor is exhausted (its handle is then released).
#[napi]
pub async fn cursor_next(cursor: i64) -> napi::Result<Option<Buffer>> {
    let id = handle(cursor)?;
    let batch = cursor::next_batch(id).await.map_err(to_napi)?;
    Ok(batch.map(Buffer::from))
}

/// Release a cursor handle early. Returns whether it was open.
#[napi]
pub fn cursor_close(cursor: i64) -> bool {
    handle(cursor).map(cursor::close).unwrap_or(false)
}

/// Open cursor handles in this process (all threads).
#[napi]
pub fn open_cursor_count() -> u32 {
    cursor::open_count() as u32
}
