//! Bulk updates: many `{q, u}` statements in one `update` command.
//!
//! The Rust driver's `Client::bulk_write` needs MongoDB 8.0 (`bulkWrite`
//! command), which FerretDB v1 does not have; the classic `update` command
//! with an `updates` array is what every MongoDB-API server since 2.6 (and
//! FerretDB v1) implements, and it is what the drivers' `collection.bulkWrite`
//! sends for runs of updates. One round trip per batch instead of one per
//! document is the point (bulk_normalize / normalize_mseed).

use bson::{doc, Bson, Document};

use crate::error::{CoreError, Result};
use crate::pool::{self, PoolOptions};

/// One update statement: `filter`, update-operator document, `multi`.
pub struct UpdateStatement {
    pub filter: Document,
    pub update: Document,
    pub multi: bool,
}

/// What the server reported for the whole batch.
#[derive(Debug, Default, Clone)]
pub struct BulkUpdateOutcome {
    pub matched_count: i64,
    pub modified_count: i64,
    /// `(index, message)` of every failed statement.
    pub write_errors: Vec<(i64, String)>,
}

impl BulkUpdateOutcome {
    pub fn to_document(&self) -> Document {
        let errs: Vec<Bson> = self
            .write_errors
            .iter()
            .map(|(i, m)| Bson::Document(doc! { "index": *i, "errmsg": m.clone() }))
            .collect();
        doc! { "matchedCount": self.matched_count, "modifiedCount": self.modified_count, "writeErrors": errs }
    }
}

/// The largest number of statements sent in one command. MongoDB accepts
/// 100,000, but an unpatched FerretDB v1.24 (SQLite) stalls indefinitely on
/// an `update` command with 100 statements (each statement's query holds one
/// of its 100 pooled connections until the command ends). The embedded
/// server carries a patch for it (tools/ferretdb/patches.json), a user's
/// FerretDB may not, and per-statement cost dominates anyway (a command of
/// 50 costs the server 50 one-document updates), so commands carry 50.
pub const MAX_STATEMENTS_PER_COMMAND: usize = 50;

fn as_i64(d: &Document, key: &str) -> i64 {
    match d.get(key) {
        Some(Bson::Int32(v)) => *v as i64,
        Some(Bson::Int64(v)) => *v,
        Some(Bson::Double(v)) => *v as i64,
        _ => 0,
    }
}

/// Send `statements` to `db.coll` with the `update` command, in commands of
/// at most [`MAX_STATEMENTS_PER_COMMAND`]. `ordered = false` lets the server
/// continue past a failed statement (its error is reported, not thrown).
pub async fn bulk_update(
    uri: &str,
    db: &str,
    coll: &str,
    statements: Vec<UpdateStatement>,
    ordered: bool,
) -> Result<BulkUpdateOutcome> {
    if db.is_empty() || coll.is_empty() {
        return Err(CoreError::InvalidArgument(
            "bulkUpdate: database and collection names must be non-empty".into(),
        ));
    }
    let client = pool::client_for(uri, &PoolOptions::default()).await?;
    let database = client.database(db);
    let mut out = BulkUpdateOutcome::default();
    let mut base = 0i64;
    let mut rest = statements;
    while !rest.is_empty() {
        let tail = if rest.len() > MAX_STATEMENTS_PER_COMMAND {
            rest.split_off(MAX_STATEMENTS_PER_COMMAND)
        } else {
            Vec::new()
        };
        let n = rest.len() as i64;
        let updates: Vec<Bson> = rest
            .into_iter()
            .map(|s| {
                Bson::Document(
                    doc! { "q": s.filter, "u": s.update, "multi": s.multi, "upsert": false },
                )
            })
            .collect();
        let reply = database
            .run_command(doc! { "update": coll, "updates": updates, "ordered": ordered })
            .await
            .map_err(|e| CoreError::from_driver(&format!("bulk update in {db}.{coll}"), e))?;
        out.matched_count += as_i64(&reply, "n");
        out.modified_count += as_i64(&reply, "nModified");
        let mut failed = false;
        if let Ok(errs) = reply.get_array("writeErrors") {
            for e in errs {
                if let Bson::Document(e) = e {
                    failed = true;
                    let msg = e
                        .get_str("errmsg")
                        .unwrap_or("unknown write error")
                        .to_string();
                    out.write_errors.push((base + as_i64(e, "index"), msg));
                }
            }
        }
        base += n;
        // An ordered batch stops at its first error; so do the later batches.
        if failed && ordered {
            break;
        }
        rest = tail;
    }
    Ok(out)
}
