//! A query's one scan cut into partitions (`mspass_core::partition`), as a
//! `#[napi]` class that owns it, as `NativeCursor` owns its cursor: its
//! garbage collection drops the scan and the server cursor with it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use mspass_core::ops;
use mspass_core::partition::{CutRule, PartitionScan};
use napi::bindgen_prelude::Buffer;
use napi_derive::napi;

use crate::collection::{find_spec, FindOptions};
use crate::errors::to_napi;

/// How to cut the scan (see `mspass_core::partition::CutRule`).
#[napi(object)]
pub struct PartitionRule {
    /// A partition closes once it holds this many samples (npts × components).
    pub max_samples: f64,
    /// ... or this many documents.
    pub max_docs: u32,
    /// 1 for TimeSeries (default), 3 for Seismogram.
    pub ncomponents: Option<u32>,
    /// Aim at this many partitions: exactly, when the result ends within the look-ahead.
    pub npartitions: Option<u32>,
    /// Documents (and bytes) the scan may hold to count them for `npartitions`.
    pub lookahead_docs: Option<u32>,
    pub lookahead_bytes: Option<f64>,
}

/// One partition of the scan.
#[napi(object)]
pub struct ScanPartition {
    /// Its wf documents, concatenated raw BSON, in the scan's order.
    pub docs: Buffer,
    pub count: u32,
    /// npts × components of its documents.
    pub samples: f64,
    /// 0 for the first partition.
    pub index: u32,
    /// The number of partitions of the whole scan, when known.
    pub planned: Option<u32>,
}

/// A scan in progress; `next()` cuts the next partition, fetching from the
/// server only then.
#[napi]
pub struct NativePartitionScan {
    inner: Arc<tokio::sync::Mutex<PartitionScan>>,
    closed: Arc<AtomicBool>,
}

#[napi]
impl NativePartitionScan {
    /// The next partition, or null once the scan is done (or closed). After
    /// a rejection, calling again resumes the scan where it was.
    #[napi]
    pub async fn next(&self) -> napi::Result<Option<ScanPartition>> {
        let inner = self.inner.clone();
        let closed = self.closed.clone();
        let mut scan = inner.lock().await;
        if closed.load(Ordering::Acquire) {
            scan.close();
            return Ok(None);
        }
        let p = scan.next_partition().await.map_err(to_napi)?;
        if closed.load(Ordering::Acquire) {
            scan.close();
        }
        Ok(p.map(|p| ScanPartition {
            docs: Buffer::from(p.docs),
            count: p.count as u32,
            samples: p.samples as f64,
            index: p.index as u32,
            planned: p.planned.map(|n| n as u32),
        }))
    }

    /// Release the server cursor (now, or when a `next()` in flight ends).
    #[napi]
    pub fn close(&self) {
        self.closed.store(true, Ordering::Release);
        if let Ok(mut scan) = self.inner.try_lock() {
            scan.close();
        }
    }
}

fn positive(what: &str, x: f64) -> napi::Result<u64> {
    if x >= 1.0 && x.fract() == 0.0 {
        Ok(if x >= u64::MAX as f64 {
            u64::MAX
        } else {
            x as u64
        })
    } else {
        Err(to_napi(mspass_core::CoreError::InvalidArgument(format!(
            "{what} must be a positive integer, got {x}"
        ))))
    }
}

/// A scan of `filter` on `db.coll` cut by `rule`; nothing is sent to the
/// server before the first `next()`.
#[napi]
pub fn scan_partitions(
    uri: String,
    db: String,
    coll: String,
    filter: Buffer,
    options: Option<FindOptions>,
    rule: PartitionRule,
) -> napi::Result<NativePartitionScan> {
    ops::check_name("database name", &db).map_err(to_napi)?;
    ops::check_name("collection name", &coll).map_err(to_napi)?;
    let spec = find_spec(&filter, options)?;
    let cut = CutRule {
        max_samples: positive("maxSamples", rule.max_samples)?,
        max_docs: rule.max_docs as usize,
        ncomponents: u64::from(rule.ncomponents.unwrap_or(1)),
        npartitions: rule.npartitions.map(|n| n as usize),
        lookahead_docs: rule.lookahead_docs.unwrap_or(0) as usize,
        lookahead_bytes: rule
            .lookahead_bytes
            .map_or(Ok(usize::MAX as u64), |b| positive("lookaheadBytes", b))?
            as usize,
    };
    let scan = PartitionScan::new(&uri, &db, &coll, spec, cut).map_err(to_napi)?;
    Ok(NativePartitionScan {
        inner: Arc::new(tokio::sync::Mutex::new(scan)),
        closed: Arc::new(AtomicBool::new(false)),
    })
}
