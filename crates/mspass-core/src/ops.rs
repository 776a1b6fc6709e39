//! Collection and database operations over the process-wide pool.
//!
//! Every function takes the pool URI plus database/collection names and goes
//! through [`pool::client_for`], so all traffic of a process (main thread and
//! every worker thread) shares one `mongodb::Client` per URI. Documents cross
//! this boundary as BSON: filters and specs as `bson::Document` (small), data
//! documents as `RawDocumentBuf` (no per-field allocation), results the driver
//! returns as raw bytes stay raw. Cursors live in [`crate::cursor`].

use bson::{doc, Bson, Document, RawDocument, RawDocumentBuf};
use mongodb::options::{CountOptions, FindOneOptions, IndexOptions, ReplaceOptions, UpdateOptions};
use mongodb::{Collection, IndexModel};

use crate::error::{CoreError, Result};
use crate::pool::{self, PoolOptions};

/// The collection handle every operation uses: raw documents in and out.
pub async fn collection(uri: &str, db: &str, coll: &str) -> Result<Collection<RawDocumentBuf>> {
    check_name("database name", db)?;
    check_name("collection name", coll)?;
    let client = pool::client_for(uri, &PoolOptions::default()).await?;
    Ok(client.database(db).collection::<RawDocumentBuf>(coll))
}

async fn database(uri: &str, db: &str) -> Result<mongodb::Database> {
    check_name("database name", db)?;
    let client = pool::client_for(uri, &PoolOptions::default()).await?;
    Ok(client.database(db))
}

/// THE name check for databases, collections and buckets (the binding uses it too).
pub fn check_name(what: &str, name: &str) -> Result<()> {
    if name.is_empty() || name.contains('\0') {
        return Err(CoreError::InvalidArgument(format!(
            "{what} must be a non-empty string without NUL, got {name:?}"
        )));
    }
    Ok(())
}

fn ns(db: &str, coll: &str) -> String {
    format!("{db}.{coll}")
}

// ---------------------------------------------------------------- BSON input

/// Parse one BSON document (a filter, sort, update...) named `what` for errors.
pub fn document_from_bytes(what: &str, bytes: &[u8]) -> Result<Document> {
    Document::from_reader(bytes).map_err(|e| {
        CoreError::InvalidArgument(format!("{what} is not a valid BSON document: {e}"))
    })
}

/// Take ownership of one raw BSON document after checking its framing and
/// top-level elements (nested values are checked by the server).
pub fn raw_from_bytes(what: &str, bytes: Vec<u8>) -> Result<RawDocumentBuf> {
    let raw = RawDocumentBuf::from_bytes(bytes).map_err(|e| {
        CoreError::InvalidArgument(format!("{what} is not a valid BSON document: {e}"))
    })?;
    check_elements(what, &raw)?;
    Ok(raw)
}

fn check_elements(what: &str, raw: &RawDocument) -> Result<()> {
    for el in raw.iter() {
        el.map_err(|e| {
            CoreError::InvalidArgument(format!("{what} is not a valid BSON document: {e}"))
        })?;
    }
    Ok(())
}

/// Split a buffer of concatenated BSON documents (each starts with its int32
/// little-endian length) into owned raw documents.
pub fn split_concatenated(what: &str, bytes: &[u8]) -> Result<Vec<RawDocumentBuf>> {
    crate::bson_split::split_concatenated_raw(what, bytes)?
        .into_iter()
        .map(|d| raw_from_bytes(what, d.as_bytes().to_vec()))
        .collect()
}

/// Serialize a small result document (ids, distinct values) to bytes.
pub fn to_bytes(doc: &Document) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    doc.to_writer(&mut out)
        .map_err(|e| CoreError::Database(format!("cannot encode a result as BSON: {e}")))?;
    Ok(out)
}

// ---------------------------------------------------------------- server

/// Round trip to the server (the `ping` command).
pub async fn ping(uri: &str) -> Result<()> {
    let client = pool::client_for(uri, &PoolOptions::default()).await?;
    client
        .database("admin")
        .run_command(doc! { "ping": 1 })
        .await
        .map_err(|e| CoreError::from_driver("ping", e))?;
    Ok(())
}

pub async fn list_collection_names(uri: &str, db: &str) -> Result<Vec<String>> {
    let d = database(uri, db).await?;
    d.list_collection_names()
        .await
        .map_err(|e| CoreError::from_driver(&format!("listCollectionNames in {db}"), e))
}

pub async fn drop_database(uri: &str, db: &str) -> Result<()> {
    let d = database(uri, db).await?;
    d.drop()
        .await
        .map_err(|e| CoreError::from_driver(&format!("dropDatabase {db}"), e))
}

/// Drop a collection. Dropping one that does not exist is not an error.
pub async fn drop_collection(uri: &str, db: &str, coll: &str) -> Result<()> {
    let c = collection(uri, db, coll).await?;
    c.drop()
        .await
        .map_err(|e| CoreError::from_driver(&format!("drop {}", ns(db, coll)), e))
}

// ---------------------------------------------------------------- reads

/// Query shape shared by `find`, `find_one` and the cursor registry.
#[derive(Debug, Clone, Default)]
pub struct FindSpec {
    pub filter: Document,
    pub sort: Option<Document>,
    pub projection: Option<Document>,
    pub skip: Option<u64>,
    /// As in the driver: 0 or `None` = no limit; a negative value returns
    /// at most `-limit` documents in a single batch.
    pub limit: Option<i64>,
    pub batch_size: Option<u32>,
}

impl FindSpec {
    /// The driver's find options for this query: THE one builder (the cursor
    /// registry and the ensemble reader both use it). A 0 limit or batch size
    /// means "not set", as in the Node driver.
    pub fn find_options(&self) -> mongodb::options::FindOptions {
        let mut o = mongodb::options::FindOptions::default();
        o.sort = self.sort.clone();
        o.projection = self.projection.clone();
        o.skip = self.skip;
        o.limit = self.limit.filter(|&l| l != 0);
        o.batch_size = self.batch_size.filter(|&b| b > 0);
        o
    }
}

pub async fn find_one(
    uri: &str,
    db: &str,
    coll: &str,
    spec: FindSpec,
) -> Result<Option<RawDocumentBuf>> {
    let c = collection(uri, db, coll).await?;
    let mut o = FindOneOptions::default();
    o.sort = spec.sort;
    o.projection = spec.projection;
    o.skip = spec.skip;
    c.find_one(spec.filter)
        .with_options(o)
        .await
        .map_err(|e| CoreError::from_driver(&format!("findOne in {}", ns(db, coll)), e))
}

pub async fn count_documents(
    uri: &str,
    db: &str,
    coll: &str,
    filter: Document,
    skip: Option<u64>,
    limit: Option<u64>,
) -> Result<u64> {
    let c = collection(uri, db, coll).await?;
    let mut o = CountOptions::default();
    o.skip = skip;
    o.limit = limit.filter(|&l| l > 0);
    c.count_documents(filter)
        .with_options(o)
        .await
        .map_err(|e| CoreError::from_driver(&format!("countDocuments in {}", ns(db, coll)), e))
}

pub async fn distinct(
    uri: &str,
    db: &str,
    coll: &str,
    key: &str,
    filter: Document,
) -> Result<Vec<Bson>> {
    if key.is_empty() {
        return Err(CoreError::InvalidArgument(
            "distinct key must be a non-empty field name".into(),
        ));
    }
    let c = collection(uri, db, coll).await?;
    c.distinct(key, filter)
        .await
        .map_err(|e| CoreError::from_driver(&format!("distinct {key:?} in {}", ns(db, coll)), e))
}

// ---------------------------------------------------------------- writes

/// Insert one document; returns its `_id` (generated by the driver when absent).
pub async fn insert_one(uri: &str, db: &str, coll: &str, document: RawDocumentBuf) -> Result<Bson> {
    let c = collection(uri, db, coll).await?;
    let r = c
        .insert_one(document)
        .await
        .map_err(|e| CoreError::from_driver(&format!("insertOne into {}", ns(db, coll)), e))?;
    Ok(r.inserted_id)
}

/// Insert many documents; returns their `_id`s in input order.
pub async fn insert_many(
    uri: &str,
    db: &str,
    coll: &str,
    documents: Vec<RawDocumentBuf>,
    ordered: bool,
) -> Result<Vec<Bson>> {
    if documents.is_empty() {
        return Err(CoreError::InvalidArgument(
            "insertMany needs at least one document".into(),
        ));
    }
    let n = documents.len();
    let c = collection(uri, db, coll).await?;
    let r = c
        .insert_many(documents)
        .ordered(ordered)
        .await
        .map_err(|e| CoreError::from_driver(&format!("insertMany into {}", ns(db, coll)), e))?;
    let mut ids = vec![Bson::Null; n];
    for (i, id) in r.inserted_ids {
        if i < n {
            ids[i] = id;
        }
    }
    Ok(ids)
}

/// What an update or replace did, as the drivers report it.
#[derive(Debug, Clone, PartialEq)]
pub struct UpdateOutcome {
    pub matched_count: u64,
    pub modified_count: u64,
    pub upserted_id: Option<Bson>,
}

impl UpdateOutcome {
    /// `{matchedCount, modifiedCount, upsertedId}` with the Node driver's names.
    pub fn to_document(&self) -> Document {
        doc! {
            "matchedCount": self.matched_count as i64,
            "modifiedCount": self.modified_count as i64,
            "upsertedId": self.upserted_id.clone().unwrap_or(Bson::Null),
        }
    }
}

fn outcome(r: mongodb::results::UpdateResult) -> UpdateOutcome {
    UpdateOutcome {
        matched_count: r.matched_count,
        modified_count: r.modified_count,
        upserted_id: r.upserted_id,
    }
}

/// `updateOne` (`many = false`) or `updateMany`. `update` must use update
/// operators (`$set`, ...); the driver rejects a plain replacement document.
pub async fn update(
    uri: &str,
    db: &str,
    coll: &str,
    filter: Document,
    update: Document,
    upsert: bool,
    many: bool,
) -> Result<UpdateOutcome> {
    let c = collection(uri, db, coll).await?;
    let mut o = UpdateOptions::default();
    o.upsert = Some(upsert);
    let what = if many { "updateMany" } else { "updateOne" };
    let r = if many {
        c.update_many(filter, update).with_options(o).await
    } else {
        c.update_one(filter, update).with_options(o).await
    };
    r.map(outcome)
        .map_err(|e| CoreError::from_driver(&format!("{what} in {}", ns(db, coll)), e))
}

pub async fn replace_one(
    uri: &str,
    db: &str,
    coll: &str,
    filter: Document,
    replacement: RawDocumentBuf,
    upsert: bool,
) -> Result<UpdateOutcome> {
    let c = collection(uri, db, coll).await?;
    let mut o = ReplaceOptions::default();
    o.upsert = Some(upsert);
    c.replace_one(filter, replacement)
        .with_options(o)
        .await
        .map(outcome)
        .map_err(|e| CoreError::from_driver(&format!("replaceOne in {}", ns(db, coll)), e))
}

/// `deleteOne` (`many = false`) or `deleteMany`; returns the deleted count.
pub async fn delete(uri: &str, db: &str, coll: &str, filter: Document, many: bool) -> Result<u64> {
    let c = collection(uri, db, coll).await?;
    let what = if many { "deleteMany" } else { "deleteOne" };
    let r = if many {
        c.delete_many(filter).await
    } else {
        c.delete_one(filter).await
    };
    r.map(|r| r.deleted_count)
        .map_err(|e| CoreError::from_driver(&format!("{what} in {}", ns(db, coll)), e))
}

/// Create an index on `keys` (`{field: 1 | -1, ...}`); returns its name.
pub async fn create_index(
    uri: &str,
    db: &str,
    coll: &str,
    keys: Document,
    unique: Option<bool>,
    name: Option<String>,
) -> Result<String> {
    if keys.is_empty() {
        return Err(CoreError::InvalidArgument(
            "createIndex keys must name at least one field".into(),
        ));
    }
    let c = collection(uri, db, coll).await?;
    let mut o = IndexOptions::default();
    o.unique = unique;
    o.name = name;
    let model = IndexModel::builder().keys(keys).options(o).build();
    c.create_index(model)
        .await
        .map(|r| r.index_name)
        .map_err(|e| CoreError::from_driver(&format!("createIndex on {}", ns(db, coll)), e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use bson::{oid::ObjectId, rawdoc, DateTime};

    #[test]
    fn split_concatenated_round_trips_and_rejects_truncation() {
        let a = rawdoc! { "a": 1 };
        let b = rawdoc! { "b": "two", "n": { "x": 1.5 } };
        let mut bytes = a.as_bytes().to_vec();
        bytes.extend_from_slice(b.as_bytes());
        let docs = split_concatenated("documents", &bytes).unwrap();
        assert_eq!(docs, vec![a, b]);
        let err = split_concatenated("documents", &bytes[..bytes.len() - 2]).unwrap_err();
        assert_eq!(err.kind(), "InvalidArgument");
        assert!(err.to_string().starts_with("documents:"), "{err}");
        assert!(split_concatenated("documents", &[]).unwrap().is_empty());
    }

    #[test]
    fn split_concatenated_rejects_negative_and_huge_lengths_without_panicking() {
        for declared in [-1i32, i32::MIN, -5, i32::MAX] {
            let mut bytes = declared.to_le_bytes().to_vec();
            bytes.extend_from_slice(&[0u8; 8]);
            let err = split_concatenated("documents", &bytes).unwrap_err();
            assert_eq!(err.kind(), "InvalidArgument");
            assert!(
                err.to_string()
                    .contains(&format!("declares length {declared}")),
                "{err}"
            );
        }
    }

    #[test]
    fn bad_filter_bytes_name_the_argument() {
        let err = document_from_bytes("filter", &[7, 0, 0, 0, 1]).unwrap_err();
        assert_eq!(err.kind(), "InvalidArgument");
        assert!(err.to_string().starts_with("filter "), "{err}");
    }

    #[test]
    fn crud_round_trip_against_real_server() {
        crate::pool::with_test_server(crud_round_trip);
    }

    async fn crud_round_trip(uri: String) {
        let (db, coll) = ("mspass_core_ops_test", "crud");
        drop_collection(&uri, db, coll).await.unwrap();

        let when = DateTime::from_millis(1_700_000_000_123);
        let id = insert_one(
            &uri,
            db,
            coll,
            rawdoc! { "sta": "AAK", "t": when, "n": { "x": 1 } },
        )
        .await
        .unwrap();
        assert!(matches!(id, Bson::ObjectId(_)));
        let own = ObjectId::new();
        let ids = insert_many(
            &uri,
            db,
            coll,
            vec![
                rawdoc! { "_id": own, "sta": "BBK" },
                rawdoc! { "sta": "CCK" },
            ],
            true,
        )
        .await
        .unwrap();
        assert_eq!(ids.len(), 2);
        assert_eq!(ids[0], Bson::ObjectId(own));
        // A repeated _id is its own kind (code 11000), one-document and many.
        let dup = insert_one(&uri, db, coll, rawdoc! { "_id": own })
            .await
            .unwrap_err();
        assert_eq!(dup.kind(), "DuplicateKey", "{dup}");
        let dup = insert_many(
            &uri,
            db,
            coll,
            vec![rawdoc! { "_id": own }, rawdoc! { "sta": "DDK" }],
            false,
        )
        .await
        .unwrap_err();
        assert_eq!(dup.kind(), "DuplicateKey", "{dup}");
        delete(&uri, db, coll, doc! { "sta": "DDK" }, false)
            .await
            .unwrap();

        let got = find_one(
            &uri,
            db,
            coll,
            FindSpec {
                filter: doc! { "sta": "AAK" },
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .expect("inserted document");
        assert_eq!(got.get_datetime("t").unwrap(), when);
        assert_eq!(got.get_document("n").unwrap().get_i32("x").unwrap(), 1);

        assert_eq!(
            count_documents(&uri, db, coll, doc! {}, None, None)
                .await
                .unwrap(),
            3
        );
        let u = update(
            &uri,
            db,
            coll,
            doc! { "sta": "AAK" },
            doc! { "$set": { "q": 2 } },
            false,
            false,
        )
        .await
        .unwrap();
        assert_eq!(
            (u.matched_count, u.modified_count, u.upserted_id),
            (1, 1, None)
        );
        let u = update(
            &uri,
            db,
            coll,
            doc! { "sta": "ZZZ" },
            doc! { "$set": { "q": 3 } },
            true,
            false,
        )
        .await
        .unwrap();
        assert_eq!(u.matched_count, 0);
        assert!(u.upserted_id.is_some());
        let r = replace_one(
            &uri,
            db,
            coll,
            doc! { "_id": own },
            rawdoc! { "sta": "BBX" },
            false,
        )
        .await
        .unwrap();
        assert_eq!(r.modified_count, 1);

        let mut stations = distinct(&uri, db, coll, "sta", doc! {}).await.unwrap();
        stations.sort_by_key(|b| b.to_string());
        assert_eq!(stations.len(), 4);

        assert_eq!(delete(&uri, db, coll, doc! {}, true).await.unwrap(), 4);
        let name = create_index(&uri, db, coll, doc! { "sta": 1, "t": -1 }, Some(true), None)
            .await
            .unwrap();
        assert_eq!(name, "sta_1_t_-1");
        assert!(list_collection_names(&uri, db)
            .await
            .unwrap()
            .contains(&coll.to_string()));
        drop_database(&uri, db).await.unwrap();
        assert!(!list_collection_names(&uri, db)
            .await
            .unwrap()
            .contains(&coll.to_string()));
        ping(&uri).await.unwrap();
    }
}
