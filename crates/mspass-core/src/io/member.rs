//! Turning a wf document into a description of where its samples live.
//!
//! Every problem with a document is an error *string* for that member (the
//! TypeScript layer turns it into a dead datum with an elog entry); nothing
//! here panics or fails the whole batch.

use std::path::PathBuf;

use bson::oid::ObjectId;
use bson::raw::{RawBsonRef, RawDocument};

use super::codec::SAMPLE_BYTES;

/// Where one member's samples are stored.
#[derive(Debug, Clone, PartialEq)]
pub enum Location {
    /// Raw binary at byte `foff` of `dir/dfile`.
    File { path: PathBuf, foff: u64 },
    /// A GridFS file in the same database.
    GridFs { id: ObjectId },
}

/// A member that passed validation: `npts * ncomp` samples at `location`.
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    pub npts: usize,
    pub ncomp: usize,
    pub location: Location,
}

impl Member {
    /// Number of f64 values this member occupies in memory.
    pub fn nsamples(&self) -> usize {
        self.npts * self.ncomp
    }
    /// Number of stored bytes (8 per value, no header).
    pub fn nbytes(&self) -> u64 {
        (self.nsamples() * SAMPLE_BYTES) as u64
    }
}

fn type_name(v: &RawBsonRef<'_>) -> &'static str {
    match v {
        RawBsonRef::Double(_) => "double",
        RawBsonRef::String(_) => "string",
        RawBsonRef::Array(_) => "array",
        RawBsonRef::Document(_) => "document",
        RawBsonRef::Boolean(_) => "bool",
        RawBsonRef::Null => "null",
        RawBsonRef::Int32(_) => "int32",
        RawBsonRef::Int64(_) => "int64",
        RawBsonRef::Binary(_) => "binary",
        RawBsonRef::ObjectId(_) => "ObjectId",
        RawBsonRef::DateTime(_) => "date",
        _ => "another BSON type",
    }
}

fn get<'a>(doc: &'a RawDocument, key: &str) -> Result<Option<RawBsonRef<'a>>, String> {
    doc.get(key).map_err(|e| format!("the document is malformed BSON near '{key}': {e}"))
}

/// A strict integer (int32/int64): MsPASS types `npts` as int, and a value of
/// any other type makes the datum unreadable.
fn strict_count(doc: &RawDocument, key: &str) -> Result<Option<u64>, String> {
    match get(doc, key)? {
        None | Some(RawBsonRef::Null) => Ok(None),
        Some(RawBsonRef::Int32(v)) if v >= 0 => Ok(Some(v as u64)),
        Some(RawBsonRef::Int64(v)) if v >= 0 => Ok(Some(v as u64)),
        Some(RawBsonRef::Int32(v)) => Err(format!("{key}={v} is negative")),
        Some(RawBsonRef::Int64(v)) => Err(format!("{key}={v} is negative")),
        Some(other) => Err(format!("{key} has type {}; expected an integer", type_name(&other))),
    }
}

/// A byte count or offset. JavaScript writers store integers past 2^31 as
/// doubles, so an integral non-negative double is accepted too.
fn byte_count(doc: &RawDocument, key: &str) -> Result<Option<u64>, String> {
    match get(doc, key)? {
        Some(RawBsonRef::Double(v)) if v >= 0.0 && v.fract() == 0.0 && v <= 9.007_199_254_740_992e15 => {
            Ok(Some(v as u64))
        }
        Some(RawBsonRef::Double(v)) => Err(format!("{key}={v} is not a non-negative integer")),
        _ => strict_count(doc, key),
    }
}

fn string_field<'a>(doc: &'a RawDocument, key: &str) -> Result<Option<&'a str>, String> {
    match get(doc, key)? {
        None | Some(RawBsonRef::Null) => Ok(None),
        Some(RawBsonRef::String(s)) => Ok(Some(s)),
        Some(other) => Err(format!("{key} has type {}; expected a string", type_name(&other))),
    }
}

/// Validate a wf document and describe its samples. `ncomp` is 1 for
/// TimeSeries and 3 for Seismogram (the collection decides, as in MsPASS).
pub fn parse_member(doc: &RawDocument, ncomp: usize) -> Result<Member, String> {
    let npts = strict_count(doc, "npts")?.ok_or_else(|| "npts is missing".to_string())?;
    let npts = usize::try_from(npts).map_err(|_| format!("npts={npts} is too large"))?;
    let nsamples = npts.checked_mul(ncomp).ok_or_else(|| format!("npts={npts} is too large"))?;
    let expected = (nsamples as u64) * SAMPLE_BYTES as u64;
    if let Some(nbytes) = byte_count(doc, "nbytes")? {
        if nbytes != expected {
            return Err(format!(
                "nbytes={nbytes} disagrees with npts={npts} (expected {expected} = 8*{ncomp}*npts)"
            ));
        }
    }
    // MsPASS's default storage_mode is gridfs.
    let mode = string_field(doc, "storage_mode")?.unwrap_or("gridfs");
    let location = match mode {
        "file" => {
            if let Some(fmt) = string_field(doc, "format")? {
                if fmt != "binary" {
                    return Err(format!("format '{fmt}' is not supported by the binary sample reader"));
                }
            }
            let dir = string_field(doc, "dir")?.ok_or_else(|| "dir is missing (storage_mode file)".to_string())?;
            let dfile =
                string_field(doc, "dfile")?.ok_or_else(|| "dfile is missing (storage_mode file)".to_string())?;
            let foff = byte_count(doc, "foff")?.ok_or_else(|| "foff is missing (storage_mode file)".to_string())?;
            Location::File { path: PathBuf::from(dir).join(dfile), foff }
        }
        "gridfs" => match get(doc, "gridfs_id")? {
            Some(RawBsonRef::ObjectId(id)) => Location::GridFs { id },
            None | Some(RawBsonRef::Null) => return Err("gridfs_id is missing (storage_mode gridfs)".to_string()),
            Some(other) => return Err(format!("gridfs_id has type {}; expected ObjectId", type_name(&other))),
        },
        other => return Err(format!("storage_mode '{other}' is not supported (expected 'file' or 'gridfs')")),
    };
    Ok(Member { npts, ncomp, location })
}

#[cfg(test)]
mod tests {
    use super::*;
    use bson::{doc, RawDocumentBuf};

    fn raw(d: bson::Document) -> RawDocumentBuf {
        RawDocumentBuf::from_document(&d).unwrap()
    }

    #[test]
    fn file_member() {
        let d = raw(doc! {"npts": 10, "storage_mode": "file", "dir": "/d", "dfile": "f", "foff": 80i64, "nbytes": 80});
        let m = parse_member(&d, 1).unwrap();
        assert_eq!(m.location, Location::File { path: "/d/f".into(), foff: 80 });
        assert_eq!(m.nbytes(), 80);
    }

    #[test]
    fn gridfs_default_mode() {
        let id = ObjectId::new();
        let m = parse_member(&raw(doc! {"npts": 4i64, "gridfs_id": id}), 3).unwrap();
        assert_eq!(m.location, Location::GridFs { id });
        assert_eq!(m.nsamples(), 12);
    }

    #[test]
    fn bad_documents_give_messages() {
        let cases = [
            (doc! {"storage_mode": "gridfs"}, "npts is missing"),
            (doc! {"npts": "10"}, "npts has type string"),
            (doc! {"npts": 1.5}, "npts has type double"),
            (doc! {"npts": -1}, "negative"),
            (doc! {"npts": 10, "nbytes": 81, "gridfs_id": ObjectId::new()}, "nbytes=81 disagrees"),
            (doc! {"npts": 10, "storage_mode": "s3_event"}, "storage_mode 's3_event' is not supported"),
            (doc! {"npts": 10}, "gridfs_id is missing"),
            (doc! {"npts": 10, "gridfs_id": "abc"}, "gridfs_id has type string"),
            (doc! {"npts": 10, "storage_mode": "file", "dfile": "x", "foff": 0}, "dir is missing"),
            (doc! {"npts": 10, "storage_mode": "file", "dir": "x", "dfile": "y"}, "foff is missing"),
            (doc! {"npts": 10, "storage_mode": "file", "format": "mseed"}, "format 'mseed'"),
        ];
        for (d, want) in cases {
            let err = parse_member(&raw(d.clone()), 1).unwrap_err();
            assert!(err.contains(want), "{d}: {err}");
        }
    }

    #[test]
    fn integral_double_offsets_are_accepted() {
        let d = raw(doc! {"npts": 1, "storage_mode": "file", "dir": "/d", "dfile": "f", "foff": 3.0e9, "nbytes": 8.0});
        assert_eq!(parse_member(&d, 1).unwrap().location, Location::File { path: "/d/f".into(), foff: 3_000_000_000 });
    }
}
