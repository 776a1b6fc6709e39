//! Collection and database operations. Documents cross as `Buffer`s of BSON:
//! the TypeScript side serializes with the `bson` package the `mongodb` driver
//! re-exports, and decodes results the same way. Results that carry BSON
//! values (ids, distinct values) come back as one small BSON document whose
//! field names follow the Node driver; plain counts come back as numbers.
//!
//! Argument buffers are read after the call returns to JS (on napi's Tokio
//! runtime); callers must not mutate them until the promise settles. The
//! TypeScript layer always passes freshly serialized buffers.

use bson::doc;
use mspass_core::ops::{self, FindSpec};
use napi::bindgen_prelude::Buffer;
use napi_derive::napi;

use crate::errors::to_napi;

/// Options of `find`/`findOne`. `sort` and `projection` are BSON documents.
#[napi(object)]
pub struct FindOptions {
    pub sort: Option<Buffer>,
    pub projection: Option<Buffer>,
    pub skip: Option<i64>,
    /// 0 = no limit (as in the drivers).
    pub limit: Option<i64>,
    /// Documents per server batch (= per `cursorNext` buffer); 0 = server default.
    pub batch_size: Option<u32>,
}

#[napi(object)]
pub struct CountOptions {
    pub skip: Option<i64>,
    pub limit: Option<i64>,
}

#[napi(object)]
pub struct IndexOptions {
    pub unique: Option<bool>,
    pub name: Option<String>,
}

fn non_negative(what: &str, v: Option<i64>) -> napi::Result<Option<u64>> {
    match v {
        Some(n) if n < 0 => Err(napi::Error::new(
            napi::Status::InvalidArg,
            format!("InvalidArgument: {what} must be >= 0, got {n}"),
        )),
        other => Ok(other.map(|n| n as u64)),
    }
}

pub(crate) fn find_spec(filter: &[u8], options: Option<FindOptions>) -> napi::Result<FindSpec> {
    let mut spec = FindSpec {
        filter: ops::document_from_bytes("filter", filter).map_err(to_napi)?,
        ..Default::default()
    };
    if let Some(o) = options {
        spec.sort = o
            .sort
            .map(|b| ops::document_from_bytes("sort", &b))
            .transpose()
            .map_err(to_napi)?;
        spec.projection = o
            .projection
            .map(|b| ops::document_from_bytes("projection", &b))
            .transpose()
            .map_err(to_napi)?;
        spec.skip = non_negative("skip", o.skip)?;
        spec.limit = o.limit;
        spec.batch_size = o.batch_size;
    }
    Ok(spec)
}

fn bytes(doc: bson::Document) -> napi::Result<Buffer> {
    ops::to_bytes(&doc).map(Buffer::from).map_err(to_napi)
}

/// Round trip to the server through the shared pool for `uri`.
#[napi]
pub async fn ping(uri: String) -> napi::Result<()> {
    ops::ping(&uri).await.map_err(to_napi)
}

/// The first document matching `filter` (BSON), or null.
#[napi]
pub async fn find_one(
    uri: String,
    db: String,
    coll: String,
    filter: Buffer,
    options: Option<FindOptions>,
) -> napi::Result<Option<Buffer>> {
    let spec = find_spec(&filter, options)?;
    let found = ops::find_one(&uri, &db, &coll, spec)
        .await
        .map_err(to_napi)?;
    Ok(found.map(|d| Buffer::from(d.into_bytes())))
}

/// Insert one BSON document. Resolves to BSON `{insertedId}`.
#[napi]
pub async fn insert_one(
    uri: String,
    db: String,
    coll: String,
    document: Buffer,
) -> napi::Result<Buffer> {
    let raw = ops::raw_from_bytes("document", document.to_vec()).map_err(to_napi)?;
    let id = ops::insert_one(&uri, &db, &coll, raw)
        .await
        .map_err(to_napi)?;
    bytes(doc! { "insertedId": id })
}

/// Insert the concatenated BSON `documents`. Resolves to BSON `{insertedIds: [...]}` in input order.
#[napi]
pub async fn insert_many(
    uri: String,
    db: String,
    coll: String,
    documents: Buffer,
    ordered: Option<bool>,
) -> napi::Result<Buffer> {
    let docs = ops::split_concatenated("documents", &documents).map_err(to_napi)?;
    let ids = ops::insert_many(&uri, &db, &coll, docs, ordered.unwrap_or(true))
        .await
        .map_err(to_napi)?;
    bytes(doc! { "insertedIds": ids })
}

async fn update(
    uri: String,
    db: String,
    coll: String,
    filter: Buffer,
    update: Buffer,
    upsert: Option<bool>,
    many: bool,
) -> napi::Result<Buffer> {
    let filter = ops::document_from_bytes("filter", &filter).map_err(to_napi)?;
    let update = ops::document_from_bytes("update", &update).map_err(to_napi)?;
    let r = ops::update(
        &uri,
        &db,
        &coll,
        filter,
        update,
        upsert.unwrap_or(false),
        many,
    )
    .await
    .map_err(to_napi)?;
    bytes(r.to_document())
}

/// Apply update operators to the first match. Resolves to BSON `{matchedCount, modifiedCount, upsertedId}`.
#[napi]
pub async fn update_one(
    uri: String,
    db: String,
    coll: String,
    filter: Buffer,
    update_doc: Buffer,
    upsert: Option<bool>,
) -> napi::Result<Buffer> {
    update(uri, db, coll, filter, update_doc, upsert, false).await
}

/// Apply update operators to every match. Resolves to BSON `{matchedCount, modifiedCount, upsertedId}`.
#[napi]
pub async fn update_many(
    uri: String,
    db: String,
    coll: String,
    filter: Buffer,
    update_doc: Buffer,
    upsert: Option<bool>,
) -> napi::Result<Buffer> {
    update(uri, db, coll, filter, update_doc, upsert, true).await
}

/// Replace the first match. Resolves to BSON `{matchedCount, modifiedCount, upsertedId}`.
#[napi]
pub async fn replace_one(
    uri: String,
    db: String,
    coll: String,
    filter: Buffer,
    replacement: Buffer,
    upsert: Option<bool>,
) -> napi::Result<Buffer> {
    let filter = ops::document_from_bytes("filter", &filter).map_err(to_napi)?;
    let replacement = ops::raw_from_bytes("replacement", replacement.to_vec()).map_err(to_napi)?;
    let r = ops::replace_one(
        &uri,
        &db,
        &coll,
        filter,
        replacement,
        upsert.unwrap_or(false),
    )
    .await
    .map_err(to_napi)?;
    bytes(r.to_document())
}

/// Delete the first match; resolves to the deleted count.
#[napi]
pub async fn delete_one(
    uri: String,
    db: String,
    coll: String,
    filter: Buffer,
) -> napi::Result<i64> {
    let filter = ops::document_from_bytes("filter", &filter).map_err(to_napi)?;
    ops::delete(&uri, &db, &coll, filter, false)
        .await
        .map(|n| n as i64)
        .map_err(to_napi)
}

/// Delete every match; resolves to the deleted count.
#[napi]
pub async fn delete_many(
    uri: String,
    db: String,
    coll: String,
    filter: Buffer,
) -> napi::Result<i64> {
    let filter = ops::document_from_bytes("filter", &filter).map_err(to_napi)?;
    ops::delete(&uri, &db, &coll, filter, true)
        .await
        .map(|n| n as i64)
        .map_err(to_napi)
}

#[napi]
pub async fn count_documents(
    uri: String,
    db: String,
    coll: String,
    filter: Buffer,
    options: Option<CountOptions>,
) -> napi::Result<i64> {
    let filter = ops::document_from_bytes("filter", &filter).map_err(to_napi)?;
    let (skip, limit) = match options {
        Some(o) => (
            non_negative("skip", o.skip)?,
            non_negative("limit", o.limit)?,
        ),
        None => (None, None),
    };
    ops::count_documents(&uri, &db, &coll, filter, skip, limit)
        .await
        .map(|n| n as i64)
        .map_err(to_napi)
}

/// Distinct values of `key` among matches. Resolves to BSON `{values: [...]}`.
#[napi]
pub async fn distinct(
    uri: String,
    db: String,
    coll: String,
    key: String,
    filter: Buffer,
) -> napi::Result<Buffer> {
    let filter = ops::document_from_bytes("filter", &filter).map_err(to_napi)?;
    let values = ops::distinct(&uri, &db, &coll, &key, filter)
        .await
        .map_err(to_napi)?;
    bytes(doc! { "values": values })
}

/// Create an index on `keys` (BSON `{field: 1 | -1}`); resolves to its name.
#[napi]
pub async fn create_index(
    uri: String,
    db: String,
    coll: String,
    keys: Buffer,
    options: Option<IndexOptions>,
) -> napi::Result<String> {
    let keys = ops::document_from_bytes("keys", &keys).map_err(to_napi)?;
    let (unique, name) = options.map(|o| (o.unique, o.name)).unwrap_or((None, None));
    ops::create_index(&uri, &db, &coll, keys, unique, name)
        .await
        .map_err(to_napi)
}

/// Drop a collection (no error if it does not exist).
#[napi]
pub async fn drop_collection(uri: String, db: String, coll: String) -> napi::Result<()> {
    ops::drop_collection(&uri, &db, &coll)
        .await
        .map_err(to_napi)
}

#[napi]
pub async fn list_collection_names(uri: String, db: String) -> napi::Result<Vec<String>> {
    ops::list_collection_names(&uri, &db).await.map_err(to_napi)
}

#[napi]
pub async fn drop_database(uri: String, db: String) -> napi::Result<()> {
    ops::drop_database(&uri, &db).await.map_err(to_napi)
}
