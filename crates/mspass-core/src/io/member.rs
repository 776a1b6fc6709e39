//! Turning a wf document into a description of where its samples live.
//!
//! Every problem with a document is a [`MemberError`] (kind + message) for
//! that member (the TypeScript layer turns it into a dead datum with an elog
//! entry); nothing here panics or fails the whole batch.

use std::path::PathBuf;

use bson::oid::ObjectId;
use bson::raw::{RawBsonRef, RawDocument};

use super::codec::SAMPLE_BYTES;
use super::member_error::MemberError;

/// Where one member's samples are stored.
#[derive(Debug, Clone, PartialEq)]
pub enum Location {
    /// Raw binary at byte `foff` of `dir/dfile`.
    File { path: PathBuf, foff: u64 },
    /// A GridFS file in the same database.
    GridFs { id: ObjectId },
    /// miniSEED records in `nbytes` bytes at `foff` of `dir/dfile` (a
    /// `wf_miniseed` document as `index_mseed_file` writes it). The number
    /// of samples is known only once decoded.
    Mseed {
        path: PathBuf,
        foff: u64,
        nbytes: u64,
    },
}

/// A member placed in a batch: input position `index`, its samples go to
/// `data[offset..offset + member.nsamples()]` of the batch's one buffer. The
/// storage readers (file, GridFS) fill placed members; read.rs places them.
#[derive(Debug, Clone)]
pub(crate) struct Placed {
    pub index: usize,
    pub member: Member,
    pub offset: usize,
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

fn get<'a>(doc: &'a RawDocument, key: &str) -> Result<Option<RawBsonRef<'a>>, MemberError> {
    doc.get(key).map_err(|e| {
        MemberError::bad_document(format!("the document is malformed BSON near '{key}': {e}"))
    })
}

/// A strict integer (int32/int64): MsPASS types `npts` as int, and a value of
/// any other type makes the datum unreadable.
fn strict_count(doc: &RawDocument, key: &str) -> Result<Option<u64>, MemberError> {
    match get(doc, key)? {
        None | Some(RawBsonRef::Null) => Ok(None),
        Some(RawBsonRef::Int32(v)) if v >= 0 => Ok(Some(v as u64)),
        Some(RawBsonRef::Int64(v)) if v >= 0 => Ok(Some(v as u64)),
        Some(RawBsonRef::Int32(v)) => {
            Err(MemberError::bad_document(format!("{key}={v} is negative")))
        }
        Some(RawBsonRef::Int64(v)) => {
            Err(MemberError::bad_document(format!("{key}={v} is negative")))
        }
        Some(other) => Err(MemberError::bad_type(format!(
            "{key} has type {}; expected an integer",
            type_name(&other)
        ))),
    }
}

/// A byte count or offset. JavaScript writers store integers past 2^31 as
/// doubles, so an integral non-negative double is accepted too.
fn byte_count(doc: &RawDocument, key: &str) -> Result<Option<u64>, MemberError> {
    match get(doc, key)? {
        Some(RawBsonRef::Double(v))
            if v >= 0.0 && v.fract() == 0.0 && v <= 9.007_199_254_740_992e15 =>
        {
            Ok(Some(v as u64))
        }
        Some(RawBsonRef::Double(v)) => Err(MemberError::bad_document(format!(
            "{key}={v} is not a non-negative integer"
        ))),
        _ => strict_count(doc, key),
    }
}

fn string_field<'a>(doc: &'a RawDocument, key: &str) -> Result<Option<&'a str>, MemberError> {
    match get(doc, key)? {
        None | Some(RawBsonRef::Null) => Ok(None),
        Some(RawBsonRef::String(s)) => Ok(Some(s)),
        Some(other) => Err(MemberError::bad_type(format!(
            "{key} has type {}; expected a string",
            type_name(&other)
        ))),
    }
}

/// `dir/dfile`, refusing a `dfile` that leaves `dir`. MsPASS writes `dir`
/// absolute and `dfile` a plain name (`os.path.split` of the file); Python's
/// `os.path.join` would let an absolute `dfile` replace `dir` and `..` climb
/// out of it, so one edited document could read any file this process can
/// see. Here `dir` may be anything (absolute, or relative to the working
/// directory) and `dfile` a relative path below it (`2017/day.ms` is fine);
/// an absolute `dfile` or one with a `..` component kills the datum.
fn sample_path(dir: &str, dfile: &str) -> Result<PathBuf, MemberError> {
    use std::path::Component;
    let rel = std::path::Path::new(dfile);
    if rel
        .components()
        .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir))
    {
        return Err(MemberError::bad_document(format!(
            "dfile '{dfile}' must be a relative path inside dir (no leading '/', no '..'); dir is '{dir}'"
        )));
    }
    Ok(PathBuf::from(dir).join(rel))
}

fn required<T>(value: Option<T>, key: &str, mode: &str) -> Result<T, MemberError> {
    value
        .ok_or_else(|| MemberError::bad_document(format!("{key} is missing (storage_mode {mode})")))
}

/// Validate a wf document and describe its samples. `ncomp` is 1 for
/// TimeSeries and 3 for Seismogram (the collection decides, as in MsPASS).
///
/// Each field is looked at only where its storage mode uses it, as MsPASS's
/// `_construct_atomic_object` does: a document saved to GridFS after being
/// read from a file still carries that file's `format`, `dir`, `dfile`,
/// `foff` and `nbytes` (MsPASS copies every key into the new document), and
/// those leftovers must not make it unreadable.
/// - `gridfs` (the default): `gridfs_id` only. The GridFS file's `length`
///   is then checked against `npts` by the GridFS reader.
/// - `file`, format absent or `binary`: `dir`, `dfile`, `foff`. `nbytes` is
///   not used: MsPASS's binary reader reads `npts` samples at `foff` and
///   checks only that they were all there (the file reader's length check).
/// - `file`, format `mseed` (any case, as obspy's format names): `dir`,
///   `dfile`, `foff` and `nbytes`, which must be > 0 (MsPASS kills a datum
///   whose `nbytes` is missing or <= 0 before reading). TimeSeries only:
///   miniSEED holds one channel per segment.
pub fn parse_member(doc: &RawDocument, ncomp: usize) -> Result<Member, MemberError> {
    let npts =
        strict_count(doc, "npts")?.ok_or_else(|| MemberError::bad_document("npts is missing"))?;
    let too_large = || MemberError::bad_document(format!("npts={npts} is too large"));
    let npts = usize::try_from(npts).map_err(|_| too_large())?;
    npts.checked_mul(ncomp)
        .and_then(|n| n.checked_mul(SAMPLE_BYTES))
        .ok_or_else(too_large)?;
    // MsPASS's default storage_mode is gridfs.
    let mode = string_field(doc, "storage_mode")?.unwrap_or("gridfs");
    let location = match mode {
        "file" => {
            let format = string_field(doc, "format")?;
            if format.is_some_and(|f| f.eq_ignore_ascii_case("mseed")) {
                return mseed_member(doc, npts, ncomp);
            }
            if let Some(fmt) = format {
                if fmt != "binary" {
                    return Err(MemberError::unsupported(format!(
                        "format '{fmt}' is not supported (file formats read: binary, mseed)"
                    )));
                }
            }
            let dir = required(string_field(doc, "dir")?, "dir", mode)?;
            let dfile = required(string_field(doc, "dfile")?, "dfile", mode)?;
            let foff = required(byte_count(doc, "foff")?, "foff", mode)?;
            Location::File {
                path: sample_path(dir, dfile)?,
                foff,
            }
        }
        "gridfs" => match get(doc, "gridfs_id")? {
            Some(RawBsonRef::ObjectId(id)) => Location::GridFs { id },
            None | Some(RawBsonRef::Null) => {
                return Err(MemberError::bad_document(
                    "gridfs_id is missing (storage_mode gridfs)",
                ))
            }
            Some(other) => {
                return Err(MemberError::bad_type(format!(
                    "gridfs_id has type {}; expected ObjectId",
                    type_name(&other)
                )))
            }
        },
        other => {
            return Err(MemberError::unsupported(format!(
                "storage_mode '{other}' is not supported (expected 'file' or 'gridfs')"
            )))
        }
    };
    Ok(Member {
        npts,
        ncomp,
        location,
    })
}

fn mseed_member(doc: &RawDocument, npts: usize, ncomp: usize) -> Result<Member, MemberError> {
    const MODE: &str = "file, format mseed";
    if ncomp != 1 {
        return Err(MemberError::unsupported(
            "format 'mseed' holds one channel per segment: it can be read as a TimeSeries only",
        ));
    }
    let dir = required(string_field(doc, "dir")?, "dir", MODE)?;
    let dfile = required(string_field(doc, "dfile")?, "dfile", MODE)?;
    let foff = required(byte_count(doc, "foff")?, "foff", MODE)?;
    let nbytes = required(byte_count(doc, "nbytes")?, "nbytes", MODE)?;
    if nbytes == 0 {
        return Err(MemberError::bad_document(
            "nbytes=0: a miniSEED segment needs nbytes > 0",
        ));
    }
    Ok(Member {
        npts,
        ncomp,
        location: Location::Mseed {
            path: sample_path(dir, dfile)?,
            foff,
            nbytes,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::member_error::MemberErrorKind::{self, *};
    use bson::{doc, RawDocumentBuf};

    fn raw(d: bson::Document) -> RawDocumentBuf {
        RawDocumentBuf::from_document(&d).unwrap()
    }

    #[test]
    fn file_member() {
        let d = raw(
            doc! {"npts": 10, "storage_mode": "file", "dir": "/d", "dfile": "f", "foff": 80i64, "nbytes": 80},
        );
        let m = parse_member(&d, 1).unwrap();
        assert_eq!(
            m.location,
            Location::File {
                path: "/d/f".into(),
                foff: 80
            }
        );
        assert_eq!(m.nbytes(), 80);
    }

    #[test]
    fn gridfs_default_mode() {
        let id = ObjectId::new();
        let m = parse_member(&raw(doc! {"npts": 4i64, "gridfs_id": id}), 3).unwrap();
        assert_eq!(m.location, Location::GridFs { id });
        assert_eq!(m.nsamples(), 12);
    }

    /// MsPASS's index -> read -> save(gridfs) carries the miniSEED index
    /// fields into the new document; its GridFS reader looks at gridfs_id only.
    #[test]
    fn gridfs_ignores_leftover_file_fields() {
        let id = ObjectId::new();
        let leftovers = [
            doc! {"nbytes": 4096i64, "format": "mseed", "dir": "/data/raw", "dfile": "x.mseed", "foff": 8192i64},
            doc! {"nbytes": 81},             // disagrees with npts
            doc! {"nbytes": -1, "foff": -5}, // values a file read would refuse
            doc! {"nbytes": "4096", "foff": 1.5, "dir": 3, "dfile": null, "format": 7}, // wrong types
        ];
        for extra in leftovers {
            for mode in [Some("gridfs"), None] {
                let mut d = doc! {"npts": 10, "gridfs_id": id};
                d.extend(extra.clone());
                if let Some(m) = mode {
                    d.insert("storage_mode", m);
                }
                let m = parse_member(&raw(d.clone()), 1).unwrap_or_else(|e| panic!("{d}: {e}"));
                assert_eq!(m.location, Location::GridFs { id });
                assert_eq!(m.nbytes(), 80);
            }
        }
    }

    /// A file document may keep a gridfs_id from an earlier GridFS save
    /// (MsPASS's update_data leaves such pairs); the file reader ignores it.
    #[test]
    fn file_ignores_leftover_gridfs_fields() {
        for gridfs_id in [
            bson::Bson::ObjectId(ObjectId::new()),
            bson::Bson::String("abc".into()),
        ] {
            let d = raw(
                doc! {"npts": 2, "storage_mode": "file", "dir": "/d", "dfile": "f", "foff": 0, "gridfs_id": gridfs_id},
            );
            assert_eq!(
                parse_member(&d, 1).unwrap().location,
                Location::File {
                    path: "/d/f".into(),
                    foff: 0
                }
            );
        }
    }

    /// MsPASS's binary reader (`_fread_from_file`) reads npts samples at
    /// foff and never looks at nbytes; a short file is caught by the file
    /// reader instead.
    #[test]
    fn binary_file_does_not_use_nbytes() {
        for nbytes in [
            bson::Bson::Int32(81),
            bson::Bson::Int64(0),
            bson::Bson::String("x".into()),
            bson::Bson::Double(-1.0),
        ] {
            for format in [None, Some("binary")] {
                let mut d = doc! {"npts": 10, "storage_mode": "file", "dir": "/d", "dfile": "f", "foff": 8, "nbytes": nbytes.clone()};
                if let Some(f) = format {
                    d.insert("format", f);
                }
                let m = parse_member(&raw(d.clone()), 3).unwrap_or_else(|e| panic!("{d}: {e}"));
                assert_eq!(m.nbytes(), 240, "{d}");
            }
        }
    }

    #[test]
    fn counts_may_be_int32_or_int64_and_offsets_integral_doubles() {
        for npts in [bson::Bson::Int32(5), bson::Bson::Int64(5)] {
            let d = raw(
                doc! {"npts": npts, "storage_mode": "file", "dir": "/d", "dfile": "f", "foff": 16i32},
            );
            assert_eq!(parse_member(&d, 1).unwrap().npts, 5);
        }
    }

    #[test]
    fn bad_documents_give_kinds_and_messages() {
        let cases: [(bson::Document, MemberErrorKind, &str); 20] = [
            (
                doc! {"storage_mode": "gridfs"},
                BadDocument,
                "npts is missing",
            ),
            (
                doc! {"npts": null, "gridfs_id": ObjectId::new()},
                BadDocument,
                "npts is missing",
            ),
            (doc! {"npts": "10"}, BadType, "npts has type string"),
            (doc! {"npts": 1.5}, BadType, "npts has type double"),
            (
                doc! {"npts": 10.0, "gridfs_id": ObjectId::new()},
                BadType,
                "npts has type double",
            ),
            (doc! {"npts": -1}, BadDocument, "negative"),
            (
                doc! {"npts": 10, "storage_mode": "s3_event"},
                Unsupported,
                "storage_mode 's3_event' is not supported",
            ),
            (
                doc! {"npts": 10, "storage_mode": 1},
                BadType,
                "storage_mode has type int32",
            ),
            (doc! {"npts": 10}, BadDocument, "gridfs_id is missing"),
            (
                doc! {"npts": 10, "gridfs_id": "abc"},
                BadType,
                "gridfs_id has type string",
            ),
            (
                doc! {"npts": 10, "storage_mode": "file", "dfile": "x", "foff": 0},
                BadDocument,
                "dir is missing",
            ),
            (
                doc! {"npts": 10, "storage_mode": "file", "dir": "x", "dfile": "y"},
                BadDocument,
                "foff is missing",
            ),
            (
                doc! {"npts": 10, "storage_mode": "file", "dir": "x", "dfile": "y", "foff": "8"},
                BadType,
                "foff has type string",
            ),
            (
                doc! {"npts": 10, "storage_mode": "file", "dir": "x", "dfile": "y", "foff": 8.5},
                BadDocument,
                "foff=8.5",
            ),
            (
                doc! {"npts": 10, "storage_mode": "file", "format": "sac"},
                Unsupported,
                "format 'sac'",
            ),
            (
                doc! {"npts": 10, "storage_mode": "file", "format": "mseed"},
                BadDocument,
                "dir is missing",
            ),
            (
                doc! {"npts": 10, "storage_mode": "file", "format": "mseed", "dir": "x", "dfile": "y", "foff": 0},
                BadDocument,
                "nbytes is missing",
            ),
            (
                doc! {"npts": 10, "storage_mode": "file", "format": "mseed", "dir": "x", "dfile": "y", "foff": 0, "nbytes": 0},
                BadDocument,
                "nbytes=0",
            ),
            (
                doc! {"npts": 10, "storage_mode": "file", "format": "mseed", "dir": "x", "dfile": "y", "foff": 0, "nbytes": -4},
                BadDocument,
                "nbytes=-4",
            ),
            (
                doc! {"npts": 10, "storage_mode": "file", "format": "mseed", "dir": "x", "dfile": "y", "foff": 0, "nbytes": "512"},
                BadType,
                "nbytes has type string",
            ),
        ];
        for (d, kind, want) in cases {
            let err = parse_member(&raw(d.clone()), 1).unwrap_err();
            assert_eq!(err.kind, kind, "{d}: {err}");
            assert!(err.message.contains(want), "{d}: {err}");
        }
    }

    #[test]
    fn mseed_member_any_case_timeseries_only() {
        for fmt in ["mseed", "MSEED"] {
            let d = raw(
                doc! {"npts": 10, "storage_mode": "file", "format": fmt, "dir": "/d", "dfile": "f.ms", "foff": 512, "nbytes": 4096},
            );
            let m = parse_member(&d, 1).unwrap();
            assert_eq!(
                m.location,
                Location::Mseed {
                    path: "/d/f.ms".into(),
                    foff: 512,
                    nbytes: 4096
                }
            );
            assert_eq!(parse_member(&d, 3).unwrap_err().kind, Unsupported);
        }
    }

    #[test]
    fn dfile_must_stay_inside_dir() {
        for (fmt, dfile) in [
            ("binary", "/etc/passwd"),
            ("binary", "../x"),
            ("mseed", "a/../../x"),
            ("mseed", "/abs.ms"),
        ] {
            let d = raw(
                doc! {"npts": 1, "storage_mode": "file", "format": fmt, "dir": "/d", "dfile": dfile, "foff": 0, "nbytes": 8},
            );
            let err = parse_member(&d, 1).unwrap_err();
            assert_eq!(err.kind, BadDocument, "{dfile}");
            assert!(err.message.contains("relative path inside dir"), "{err}");
        }
        let d = raw(
            doc! {"npts": 1, "storage_mode": "file", "dir": "rel", "dfile": "2017/./day.bin", "foff": 0},
        );
        assert_eq!(
            parse_member(&d, 1).unwrap().location,
            Location::File {
                path: "rel/2017/./day.bin".into(),
                foff: 0
            }
        );
    }

    #[test]
    fn huge_npts_is_a_bad_document_not_an_overflow() {
        let err = parse_member(
            &raw(doc! {"npts": i64::MAX, "gridfs_id": ObjectId::new()}),
            3,
        )
        .unwrap_err();
        assert_eq!(err.kind, BadDocument);
        assert!(err.message.contains("too large"), "{err}");
    }

    #[test]
    fn integral_double_offsets_are_accepted() {
        let d = raw(
            doc! {"npts": 1, "storage_mode": "file", "dir": "/d", "dfile": "f", "foff": 3.0e9, "nbytes": 8.0},
        );
        assert_eq!(
            parse_member(&d, 1).unwrap().location,
            Location::File {
                path: "/d/f".into(),
                foff: 3_000_000_000
            }
        );
    }
}
