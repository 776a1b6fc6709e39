//! Binding of `mspass_core::bulk`: many update statements in one command.

use bson::Document;
use mspass_core::bulk::{self, UpdateStatement};
use napi::bindgen_prelude::Buffer;
use napi_derive::napi;

use crate::errors::to_napi;

/// Apply update statements in one `update` command per 50 (FerretDB v1 stalls on 100). `statements`
/// is concatenated BSON documents `{q: filter, u: update, multi?: bool}`.
/// Resolves to BSON `{matchedCount, modifiedCount, writeErrors: [{index, errmsg}]}`.
#[napi]
pub async fn bulk_update(
    uri: String,
    db: String,
    coll: String,
    statements: Buffer,
    ordered: Option<bool>,
) -> napi::Result<Buffer> {
    let docs = mspass_core::ops::split_concatenated("statements", &statements).map_err(to_napi)?;
    let mut list = Vec::with_capacity(docs.len());
    for (i, raw) in docs.into_iter().enumerate() {
        let d: Document = raw.to_document().map_err(|e| {
            to_napi(mspass_core::CoreError::InvalidArgument(format!(
                "statements[{i}] is not valid BSON: {e}"
            )))
        })?;
        let filter = d.get_document("q").map_err(|_| {
            to_napi(mspass_core::CoreError::InvalidArgument(format!(
                "statements[{i}].q must be a document"
            )))
        })?;
        let update = d.get_document("u").map_err(|_| {
            to_napi(mspass_core::CoreError::InvalidArgument(format!(
                "statements[{i}].u must be a document"
            )))
        })?;
        list.push(UpdateStatement {
            filter: filter.clone(),
            update: update.clone(),
            multi: d.get_bool("multi").unwrap_or(false),
        });
    }
    let r = bulk::bulk_update(&uri, &db, &coll, list, ordered.unwrap_or(true))
        .await
        .map_err(to_napi)?;
    let mut out = Vec::new();
    r.to_document()
        .to_writer(&mut out)
        .map_err(|e| napi::Error::from_reason(format!("BSON encode: {e}")))?;
    Ok(out.into())
}
