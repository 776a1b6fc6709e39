//! A cursor-based ensemble read in one call: run the query, keep the raw wf
//! documents in one byte buffer (the caller decodes them in bulk), and read
//! all their samples.

use bson::{RawDocument, RawDocumentBuf};
use mongodb::{Collection, Database};

use super::read::{read_members, ReadOptions, SampleBatch};
use crate::error::{CoreError, Result};
pub use crate::ops::FindSpec;

/// The raw documents, concatenated (`docs[offsets[i]..offsets[i+1]]` is
/// document i, `offsets.len() == count + 1`), plus their samples.
#[derive(Debug, Default)]
pub struct EnsembleRead {
    pub docs: Vec<u8>,
    pub offsets: Vec<usize>,
    pub samples: SampleBatch,
}

/// Run a find and keep the raw documents in one buffer.
pub async fn find_raw(
    db: &Database,
    collection: &str,
    query: &FindSpec,
) -> Result<(Vec<u8>, Vec<usize>)> {
    let coll: Collection<RawDocumentBuf> = db.collection(collection);
    let opts = query.find_options();
    let mut cursor = coll
        .find(query.filter.clone())
        .with_options(opts)
        .await
        .map_err(|e| CoreError::from_driver(&format!("find on {collection}"), e))?;
    let mut docs = Vec::new();
    let mut offsets = vec![0usize];
    while cursor
        .advance()
        .await
        .map_err(|e| CoreError::from_driver(&format!("find on {collection}"), e))?
    {
        docs.extend_from_slice(cursor.current().as_bytes());
        offsets.push(docs.len());
    }
    Ok((docs, offsets))
}

/// Split a concatenation of BSON documents (each starts with its int32
/// length) into documents. A malformed buffer is a caller error.
pub fn split_documents(buf: &[u8]) -> Result<Vec<&RawDocument>> {
    crate::bson_split::split_concatenated_raw("docs", buf)
}

/// Run the query and read the samples of every document found.
pub async fn read_ensemble(
    db: &Database,
    collection: &str,
    query: &FindSpec,
    opts: &ReadOptions,
) -> Result<EnsembleRead> {
    let (docs, offsets) = find_raw(db, collection, query).await?;
    read_raw_documents(db, docs, offsets, opts).await
}

/// Drain an open cursor ([`crate::cursor::ServerCursor`]) and read the
/// samples of the remaining documents; `db` is the database whose GridFS
/// holds them.
pub async fn read_cursor(
    cursor: &crate::cursor::ServerCursor,
    db: &Database,
    opts: &ReadOptions,
) -> Result<EnsembleRead> {
    let docs = cursor.drain().await?;
    let mut offsets = vec![0usize];
    for d in split_documents(&docs)? {
        offsets.push(offsets.last().unwrap() + d.as_bytes().len());
    }
    read_raw_documents(db, docs, offsets, opts).await
}

async fn read_raw_documents(
    db: &Database,
    docs: Vec<u8>,
    offsets: Vec<usize>,
    opts: &ReadOptions,
) -> Result<EnsembleRead> {
    let samples = {
        let refs: Vec<&RawDocument> = offsets
            .windows(2)
            .map(|w| {
                RawDocument::from_bytes(&docs[w[0]..w[1]]).expect("the server sent valid BSON")
            })
            .collect();
        read_members(Some(db), &refs, opts).await?
    };
    Ok(EnsembleRead {
        docs,
        offsets,
        samples,
    })
}
