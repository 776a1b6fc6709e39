//! One scan of a query, cut into partitions as it arrives.
//!
//! A distributed read of a query streams the matching wf documents ONCE, as
//! raw BSON from one server cursor, and cuts them into partitions (each a
//! buffer of concatenated documents that travels to a worker with its task),
//! instead of a first pass for the partition bounds and a query per
//! partition. The caller pulls one partition at a time
//! ([`PartitionScan::next_partition`]); the cursor is advanced only then, so
//! a caller that stops pulling (backpressure) holds at most one server batch
//! and the partition being cut.
//!
//! How partitions are cut ([`CutRule`]):
//! - by samples (the default): a partition closes once it holds
//!   `max_samples` samples (`npts` × components) or `max_docs` documents;
//! - `npartitions`: the scan first looks ahead up to `lookahead_docs`
//!   documents / `lookahead_bytes` bytes. When the query's result ends within
//!   that, it is cut into exactly `npartitions` of equal document counts
//!   (fewer when there are fewer documents); otherwise into partitions of
//!   `lookahead_docs / npartitions` documents (and at most `max_samples`),
//!   so at least `npartitions` of them. Knowing the count up front would
//!   take a second pass over the collection.
//!
//! Resuming: after a failed fetch (a lost connection, or a cursor the server
//! killed, e.g. mongod's idle-cursor timeout while the caller held back), the
//! next call runs the query again and skips the documents already handed
//! out, checking that they are the same ones in the same order (a running
//! hash of their `_id`s); if they are not, it fails rather than read a
//! document twice or never. No `_id` range or sort is assumed: the server's
//! natural order only has to be the same on both runs.

use std::collections::VecDeque;
use std::hash::{DefaultHasher, Hasher};

use bson::{RawBsonRef, RawDocument};

use crate::bson_split::split_concatenated_raw;
use crate::cursor::ServerCursor;
use crate::error::{CoreError, Result};
use crate::ops::FindSpec;

/// How a scan is cut into partitions (see the module comment).
#[derive(Debug, Clone)]
pub struct CutRule {
    /// A partition closes once it holds this many samples (`npts` × `ncomponents`).
    pub max_samples: u64,
    /// ... or this many documents.
    pub max_docs: usize,
    /// 1 for TimeSeries, 3 for Seismogram.
    pub ncomponents: u64,
    /// Aim at this many partitions (documents counted by looking ahead).
    pub npartitions: Option<usize>,
    pub lookahead_docs: usize,
    pub lookahead_bytes: usize,
}

/// One partition: concatenated raw BSON documents, in the scan's order.
#[derive(Debug)]
pub struct Partition {
    pub docs: Vec<u8>,
    pub count: usize,
    /// Samples of its documents (`npts` × components; documents without a numeric `npts` count 0).
    pub samples: u64,
    /// 0 for the first partition of the scan.
    pub index: usize,
    /// The number of partitions of the whole scan, when known (exact `npartitions`).
    pub planned: Option<usize>,
}

/// What bounds the partitions still to come.
#[derive(Debug)]
enum Plan {
    /// The remaining partitions' document counts (the whole result was seen).
    Exact(VecDeque<usize>),
    /// `max_docs` documents or the rule's samples each.
    Bounded(usize),
}

/// A server batch not yet handed out: documents `ends[next-1]..ends[next]`, ...
struct Pending {
    bytes: Vec<u8>,
    ends: Vec<usize>,
    next: usize,
}

/// A query's scan, cut into partitions on demand.
pub struct PartitionScan {
    uri: String,
    db: String,
    coll: String,
    spec: FindSpec,
    rule: CutRule,
    cursor: Option<ServerCursor>,
    /// The server has nothing more (what `pending` holds is all that is left).
    exhausted: bool,
    pending: VecDeque<Pending>,
    pending_docs: usize,
    pending_bytes: usize,
    /// Documents and partitions handed out, and the hash of their `_id`s in order.
    emitted_docs: u64,
    emitted_parts: usize,
    hash: DefaultHasher,
    plan: Option<Plan>,
    planned: Option<usize>,
}

/// `npts` × components of a wf document (0 when `npts` is missing or not a count).
pub fn doc_samples(doc: &RawDocument, ncomponents: u64) -> u64 {
    let npts = match doc.get("npts") {
        Ok(Some(RawBsonRef::Int32(n))) => u64::try_from(n).unwrap_or(0),
        Ok(Some(RawBsonRef::Int64(n))) => u64::try_from(n).unwrap_or(0),
        Ok(Some(RawBsonRef::Double(x))) if x.is_finite() && x > 0.0 => x as u64,
        _ => 0,
    };
    npts.saturating_mul(ncomponents)
}

fn hash_id(h: &mut DefaultHasher, doc: &RawDocument) {
    match doc.get("_id") {
        Ok(Some(RawBsonRef::ObjectId(o))) => h.write(&o.bytes()),
        Ok(Some(v)) => h.write(format!("{v:?}").as_bytes()),
        _ => h.write_u8(0),
    }
}

/// Document counts of `parts = min(n, total)` nearly equal partitions.
pub fn equal_sizes(total: usize, n: usize) -> VecDeque<usize> {
    let parts = n.min(total);
    (0..parts)
        .map(|p| (p + 1) * total / parts - p * total / parts)
        .collect()
}

impl PartitionScan {
    /// A scan of `spec` on `db.coll`; nothing is sent before the first
    /// [`next_partition`](Self::next_partition).
    pub fn new(uri: &str, db: &str, coll: &str, spec: FindSpec, rule: CutRule) -> Result<Self> {
        if rule.max_docs == 0 || rule.max_samples == 0 || rule.ncomponents == 0 {
            return Err(CoreError::InvalidArgument(
                "a partition rule needs positive maxSamples, maxDocs and ncomponents".into(),
            ));
        }
        if rule.npartitions == Some(0) || (rule.npartitions.is_some() && rule.lookahead_docs == 0) {
            return Err(CoreError::InvalidArgument(
                "npartitions and lookaheadDocs must be positive".into(),
            ));
        }
        Ok(PartitionScan {
            uri: uri.into(),
            db: db.into(),
            coll: coll.into(),
            spec,
            rule,
            cursor: None,
            exhausted: false,
            pending: VecDeque::new(),
            pending_docs: 0,
            pending_bytes: 0,
            emitted_docs: 0,
            emitted_parts: 0,
            hash: DefaultHasher::new(),
            plan: None,
            planned: None,
        })
    }

    /// Documents handed out so far.
    pub fn emitted_docs(&self) -> u64 {
        self.emitted_docs
    }

    /// The next partition, or `None` once the scan is done. After an error,
    /// calling again resumes (see the module comment).
    pub async fn next_partition(&mut self) -> Result<Option<Partition>> {
        let mut resumed = false;
        loop {
            let attempt = async {
                if self.cursor.is_none() && !self.exhausted {
                    self.open().await?;
                }
                self.cut().await
            };
            match attempt.await {
                Ok(p) => return Ok(p),
                Err(e) => {
                    self.drop_unsent();
                    // A lost connection goes back to the caller, who retries with
                    // backoff; another failed fetch (a cursor the server killed)
                    // is resumed here once.
                    if resumed
                        || matches!(e, CoreError::Connection(_) | CoreError::InvalidArgument(_))
                    {
                        return Err(e);
                    }
                    resumed = true;
                }
            }
        }
    }

    /// Stop: release the server cursor; further calls return `None`.
    pub fn close(&mut self) {
        if let Some(c) = self.cursor.take() {
            c.close();
        }
        self.exhausted = true;
        self.pending.clear();
        self.pending_docs = 0;
        self.pending_bytes = 0;
        self.plan = Some(Plan::Exact(VecDeque::new()));
    }

    /// Forget what was fetched but not handed out (read again on resume).
    fn drop_unsent(&mut self) {
        if let Some(c) = self.cursor.take() {
            c.close();
        }
        if !matches!(self.plan, Some(Plan::Exact(_))) {
            self.exhausted = false;
            self.pending.clear();
            self.pending_docs = 0;
            self.pending_bytes = 0;
        }
    }

    /// Run the query; skip (and check) the documents already handed out.
    async fn open(&mut self) -> Result<()> {
        let c = ServerCursor::find(&self.uri, &self.db, &self.coll, self.spec.clone()).await?;
        self.cursor = Some(c);
        self.exhausted = false;
        let mut h = DefaultHasher::new();
        let mut skipped = 0u64;
        while skipped < self.emitted_docs {
            if self.pending_docs == 0 && !self.fetch().await? {
                break;
            }
            self.take_front(&mut h, None)?;
            skipped += 1;
        }
        if skipped < self.emitted_docs || h.finish() != self.hash.finish() {
            return Err(CoreError::Database(format!(
                "the scan of {}.{} was interrupted after {} documents and, run again, the query \
                 no longer returns the same first {} documents in the same order (the collection \
                 changed meanwhile); re-run the job",
                self.db, self.coll, self.emitted_docs, self.emitted_docs
            )));
        }
        Ok(())
    }

    /// One more server batch into `pending`; false once the cursor is exhausted.
    async fn fetch(&mut self) -> Result<bool> {
        let Some(c) = self.cursor.as_ref() else {
            return Ok(false);
        };
        match c.next_batch().await? {
            None => {
                self.cursor = None;
                self.exhausted = true;
                Ok(false)
            }
            Some(bytes) => {
                let mut ends = Vec::new();
                let mut at = 0;
                for d in split_concatenated_raw("a batch of the scan", &bytes)? {
                    at += d.as_bytes().len();
                    ends.push(at);
                }
                self.pending_docs += ends.len();
                self.pending_bytes += bytes.len();
                self.pending.push_back(Pending {
                    bytes,
                    ends,
                    next: 0,
                });
                Ok(true)
            }
        }
    }

    /// The first pending document: its batch's bytes and its range there.
    fn front(&self) -> (&[u8], usize, usize) {
        let b = self.pending.front().expect("a pending document");
        let start = if b.next == 0 { 0 } else { b.ends[b.next - 1] };
        (&b.bytes, start, b.ends[b.next])
    }

    /// Hand out the first pending document: its `_id` into `h`, its bytes
    /// onto `out` (when given). Returns its samples.
    fn take_front(&mut self, h: &mut DefaultHasher, out: Option<&mut Vec<u8>>) -> Result<u64> {
        let (bytes, start, end) = self.front();
        let doc = RawDocument::from_bytes(&bytes[start..end])
            .map_err(|e| CoreError::Database(format!("malformed document from the server: {e}")))?;
        hash_id(h, doc);
        let samples = doc_samples(doc, self.rule.ncomponents);
        if let Some(out) = out {
            out.extend_from_slice(doc.as_bytes());
        }
        self.advance(end - start);
        Ok(samples)
    }

    fn advance(&mut self, len: usize) {
        let b = self.pending.front_mut().expect("a pending document");
        b.next += 1;
        if b.next == b.ends.len() {
            self.pending.pop_front();
        }
        self.pending_docs -= 1;
        self.pending_bytes -= len;
    }

    /// Decide how the partitions are bounded (looking ahead for `npartitions`).
    async fn plan(&mut self) -> Result<Plan> {
        let Some(n) = self.rule.npartitions else {
            return Ok(Plan::Bounded(self.rule.max_docs));
        };
        while !self.exhausted
            && self.pending_docs <= self.rule.lookahead_docs
            && self.pending_bytes <= self.rule.lookahead_bytes
        {
            self.fetch().await?;
        }
        if self.exhausted {
            let sizes = equal_sizes(self.pending_docs, n);
            self.planned = Some(sizes.len());
            Ok(Plan::Exact(sizes))
        } else {
            Ok(Plan::Bounded((self.rule.lookahead_docs / n).max(1)))
        }
    }

    async fn cut(&mut self) -> Result<Option<Partition>> {
        if self.plan.is_none() {
            let p = self.plan().await?;
            self.plan = Some(p);
        }
        let (max_docs, max_samples) = match self.plan.as_ref().expect("planned") {
            Plan::Exact(sizes) => match sizes.front() {
                Some(&n) => (n, u64::MAX),
                None => return Ok(None),
            },
            Plan::Bounded(n) => (*n, self.rule.max_samples),
        };
        let mut docs = Vec::new();
        let (mut count, mut samples) = (0usize, 0u64);
        let mut h = self.hash.clone();
        while count < max_docs && samples < max_samples {
            if self.pending_docs == 0 {
                if self.exhausted || !self.fetch().await? {
                    break;
                }
                continue;
            }
            samples = samples.saturating_add(self.take_front(&mut h, Some(&mut docs))?);
            count += 1;
        }
        if count == 0 {
            return Ok(None);
        }
        if let Some(Plan::Exact(sizes)) = self.plan.as_mut() {
            sizes.pop_front();
        }
        self.hash = h;
        self.emitted_docs += count as u64;
        self.emitted_parts += 1;
        Ok(Some(Partition {
            docs,
            count,
            samples,
            index: self.emitted_parts - 1,
            planned: self.planned,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops;
    use bson::{doc, rawdoc};

    #[test]
    fn samples_of_a_document() {
        assert_eq!(doc_samples(&rawdoc! { "npts": 10 }, 1), 10);
        assert_eq!(doc_samples(&rawdoc! { "npts": 10_i64 }, 3), 30);
        assert_eq!(doc_samples(&rawdoc! { "npts": 10.0 }, 1), 10);
        assert_eq!(doc_samples(&rawdoc! { "npts": -4 }, 1), 0);
        assert_eq!(doc_samples(&rawdoc! { "npts": "x" }, 1), 0);
        assert_eq!(doc_samples(&rawdoc! {}, 1), 0);
    }

    #[test]
    fn equal_sizes_cover_the_total() {
        assert_eq!(equal_sizes(10, 3), [3, 3, 4]);
        assert_eq!(equal_sizes(2, 5), [1, 1]);
        assert!(equal_sizes(0, 4).is_empty());
        for total in 0..50 {
            for n in 1..12 {
                let s = equal_sizes(total, n);
                assert_eq!(s.iter().sum::<usize>(), total);
                assert!(s.iter().all(|&x| x > 0));
            }
        }
    }

    fn rule(
        max_samples: u64,
        max_docs: usize,
        npartitions: Option<usize>,
        lookahead: usize,
    ) -> CutRule {
        CutRule {
            max_samples,
            max_docs,
            ncomponents: 1,
            npartitions,
            lookahead_docs: lookahead,
            lookahead_bytes: usize::MAX,
        }
    }

    async fn all(scan: &mut PartitionScan) -> Vec<Vec<i32>> {
        let mut out = Vec::new();
        while let Some(p) = scan.next_partition().await.unwrap() {
            let ks = split_concatenated_raw("p", &p.docs)
                .unwrap()
                .iter()
                .map(|d| d.get_i32("k").unwrap())
                .collect::<Vec<_>>();
            assert_eq!(ks.len(), p.count);
            out.push(ks);
        }
        out
    }

    #[test]
    fn cuts_one_scan_into_partitions() {
        crate::pool::with_test_server(cuts);
    }

    async fn cuts(uri: String) {
        let (db, coll) = ("mspass_core_partition_test", "wf_TimeSeries");
        ops::drop_collection(&uri, db, coll).await.unwrap();
        // Uneven npts: 1..=7 samples.
        let docs: Vec<_> = (0..40)
            .map(|k| rawdoc! { "k": k, "npts": 1 + k % 7, "tag": if k % 5 == 0 { "x" } else { "in" } })
            .collect();
        ops::insert_many(&uri, db, coll, docs, true).await.unwrap();
        let spec = |batch| FindSpec {
            filter: doc! { "tag": "in" },
            batch_size: Some(batch),
            ..Default::default()
        };
        let want: Vec<i32> = (0..40).filter(|k| k % 5 != 0).collect();
        let flat = |ps: &[Vec<i32>]| {
            let mut v: Vec<i32> = ps.concat();
            v.sort_unstable();
            v
        };

        // By samples: every partition closes at the first document that reaches 10 samples.
        let mut s = PartitionScan::new(&uri, db, coll, spec(3), rule(10, 1000, None, 0)).unwrap();
        let ps = all(&mut s).await;
        assert_eq!(flat(&ps), want);
        for p in &ps[..ps.len() - 1] {
            let n: i32 = p.iter().map(|k| 1 + k % 7).sum();
            let without_last: i32 = p[..p.len() - 1].iter().map(|k| 1 + k % 7).sum();
            assert!(n >= 10 && without_last < 10, "{p:?}");
        }
        // ... or at max_docs.
        let mut s =
            PartitionScan::new(&uri, db, coll, spec(4), rule(u64::MAX, 5, None, 0)).unwrap();
        let ps = all(&mut s).await;
        assert_eq!(flat(&ps), want);
        assert!(ps[..ps.len() - 1].iter().all(|p| p.len() == 5));

        // npartitions within the look-ahead: exactly that many, equal counts.
        let mut s =
            PartitionScan::new(&uri, db, coll, spec(5), rule(10, 1000, Some(7), 100)).unwrap();
        let ps = all(&mut s).await;
        assert_eq!(
            ps.iter().map(Vec::len).collect::<Vec<_>>(),
            [4, 5, 4, 5, 4, 5, 5]
        );
        assert_eq!(flat(&ps), want);
        // Beyond it: lookahead / npartitions documents each, so at least npartitions.
        let mut s =
            PartitionScan::new(&uri, db, coll, spec(5), rule(u64::MAX, 1000, Some(4), 12)).unwrap();
        let ps = all(&mut s).await;
        assert_eq!(flat(&ps), want);
        assert_eq!(ps.len(), 11);
        assert!(ps[..10].iter().all(|p| p.len() == 3));

        // Nothing matches: no partition.
        let none = FindSpec {
            filter: doc! { "tag": "none" },
            ..Default::default()
        };
        for npartitions in [None, Some(3)] {
            let mut s =
                PartitionScan::new(&uri, db, coll, none.clone(), rule(10, 10, npartitions, 10))
                    .unwrap();
            assert!(s.next_partition().await.unwrap().is_none());
        }

        // A scan whose cursor is lost half way resumes where it was.
        let mut s =
            PartitionScan::new(&uri, db, coll, spec(2), rule(u64::MAX, 3, None, 0)).unwrap();
        let mut ps = vec![];
        for _ in 0..4 {
            let p = s.next_partition().await.unwrap().unwrap();
            ps.push(
                split_concatenated_raw("p", &p.docs)
                    .unwrap()
                    .iter()
                    .map(|d| d.get_i32("k").unwrap())
                    .collect(),
            );
        }
        s.drop_unsent();
        ps.extend(all(&mut s).await);
        assert_eq!(flat(&ps), want);
        assert_eq!(ps.concat().len(), want.len());

        // ... unless the documents before that point changed: an error, never a repeat.
        let mut s =
            PartitionScan::new(&uri, db, coll, spec(2), rule(u64::MAX, 3, None, 0)).unwrap();
        let first = s.next_partition().await.unwrap().unwrap();
        let k0 = split_concatenated_raw("p", &first.docs).unwrap()[0]
            .get_i32("k")
            .unwrap();
        ops::delete(&uri, db, coll, doc! { "k": k0 }, false)
            .await
            .unwrap();
        s.drop_unsent();
        let err = s.next_partition().await.unwrap_err();
        assert!(
            err.to_string()
                .contains("no longer returns the same first 3 documents"),
            "{err}"
        );
        ops::drop_database(&uri, db).await.unwrap();
    }
}
