//! File-mode sample I/O: MsPASS "binary" format, raw little-endian f64 with
//! no header at byte `foff` of `dir/dfile`; Seismograms column-major
//! (x0, y0, z0, x1, ...). Writes append, or, given a start offset, write
//! positionally from it (so a repeated identical write lands on identical
//! bytes instead of adding a second copy).

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, IoSlice, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use super::codec::{
    as_le_bytes, as_le_bytes_mut, decode_column_major_into, encode_column_major,
    fix_endianness_in_place,
};
use super::member::Placed;
use super::member_error::MemberError;
use crate::error::{CoreError, Result};

/// Seismogram records are read through a scratch buffer (to transpose); cap
/// it so a huge run does not double the memory held.
const MAX_SCRATCH_RUN: u64 = 32 << 20;

/// Read every group (one file each, members sorted by foff with buffer
/// offsets assigned in that order) into `dst`. Returns `(member index,
/// message)` for each member that could not be read; the others are filled.
pub(crate) fn read_file_groups(
    groups: &[(PathBuf, Vec<Placed>)],
    dst: &mut [f64],
) -> Vec<(usize, MemberError)> {
    let mut errors = Vec::new();
    let mut scratch: Vec<u8> = Vec::new();
    for (path, members) in groups {
        read_group(path, members, dst, &mut scratch, &mut errors);
    }
    errors
}

fn read_group(
    path: &Path,
    members: &[Placed],
    dst: &mut [f64],
    scratch: &mut Vec<u8>,
    errors: &mut Vec<(usize, MemberError)>,
) {
    let fail_all = |errors: &mut Vec<(usize, MemberError)>, e: MemberError| {
        errors.extend(members.iter().map(|p| (p.index, e.clone())));
    };
    // One open per file, whatever the number of members in it.
    let (mut file, flen) = match open_sample_file(path) {
        Ok(f) => f,
        Err(e) => return fail_all(errors, e),
    };
    let foff = |p: &Placed| match p.member.location {
        super::member::Location::File { foff, .. } => foff,
        _ => unreachable!("file group holds only file members"),
    };
    let valid: Vec<bool> = members
        .iter()
        .map(|p| {
            let end = foff(p).checked_add(p.member.nbytes());
            let ok = end.is_some_and(|e| e <= flen);
            if !ok {
                errors.push((
                    p.index,
                    MemberError::bad_samples(format!(
                        "file {} has {flen} bytes, shorter than foff+nbytes = {}+{}",
                        path.display(),
                        foff(p),
                        p.member.nbytes()
                    )),
                ));
            }
            ok
        })
        .collect();

    let ncomp = members.first().map_or(1, |p| p.member.ncomp);
    let mut i = 0;
    while i < members.len() {
        if !valid[i] {
            i += 1;
            continue;
        }
        // Coalesce records adjacent both in the file and in the buffer.
        let fstart = foff(&members[i]);
        let dstart = members[i].offset;
        let mut fend = fstart + members[i].member.nbytes();
        let mut dend = dstart + members[i].member.nsamples();
        let mut j = i + 1;
        while j < members.len()
            && valid[j]
            && foff(&members[j]) == fend
            && members[j].offset == dend
            && (ncomp == 1 || fend - fstart + members[j].member.nbytes() <= MAX_SCRATCH_RUN)
        {
            fend += members[j].member.nbytes();
            dend += members[j].member.nsamples();
            j += 1;
        }
        let run = &members[i..j];
        let result = file.seek(SeekFrom::Start(fstart)).and_then(|_| {
            if ncomp == 1 {
                // TimeSeries: the stored bytes are the in-memory layout; read
                // straight into the destination.
                let out = &mut dst[dstart..dend];
                read_exact_parallel(&mut file, fstart, as_le_bytes_mut(out))?;
                fix_endianness_in_place(out);
            } else {
                scratch.resize((fend - fstart) as usize, 0);
                file.read_exact(scratch)?;
                let mut at = 0usize;
                for p in run {
                    let nb = p.member.nbytes() as usize;
                    decode_column_major_into(
                        &scratch[at..at + nb],
                        ncomp,
                        &mut dst[p.offset..p.offset + p.member.nsamples()],
                    );
                    at += nb;
                }
            }
            Ok(())
        });
        if let Err(e) = result {
            let err = MemberError::bad_samples(format!(
                "cannot read file {} at foff {fstart}: {e}",
                path.display()
            ));
            errors.extend(run.iter().map(|p| (p.index, err.clone())));
        }
        i = j;
    }
}

/// Whether `nbytes` at `foff` lie inside the file at `path` (checked before
/// any space is reserved for them); the member's error if not.
pub(crate) fn file_fits(
    path: &Path,
    foff: u64,
    nbytes: u64,
) -> std::result::Result<(), MemberError> {
    let flen = std::fs::metadata(path)
        .map_err(|e| open_error(path, e))?
        .len();
    match foff.checked_add(nbytes) {
        Some(end) if end <= flen => Ok(()),
        _ => Err(MemberError::bad_samples(format!(
            "file {} has {flen} bytes, shorter than foff+nbytes = {foff}+{nbytes}",
            path.display()
        ))),
    }
}

/// Open a file of samples and get its length. No such file: the samples are
/// missing; any other failure: unreadable samples.
pub(crate) fn open_sample_file(path: &Path) -> std::result::Result<(File, u64), MemberError> {
    let file = File::open(path).map_err(|e| open_error(path, e))?;
    let len = file
        .metadata()
        .map_err(|e| MemberError::bad_samples(format!("cannot stat file {}: {e}", path.display())))?
        .len();
    Ok((file, len))
}

/// No such file: the samples are missing; any other failure: unreadable samples.
fn open_error(path: &Path, e: std::io::Error) -> MemberError {
    let msg = format!("cannot open file {}: {e}", path.display());
    if e.kind() == std::io::ErrorKind::NotFound {
        MemberError::missing_samples(msg)
    } else {
        MemberError::bad_samples(msg)
    }
}

/// Below this a run is read by one thread.
const PARALLEL_READ_MIN: usize = 8 << 20;

/// Read `out.len()` bytes at `offset`. A large run is split across threads
/// with positional reads: copying out of the page cache (and faulting in the
/// fresh destination pages) is CPU-bound, so a second core nearly halves it.
fn read_exact_parallel(file: &mut File, offset: u64, out: &mut [u8]) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileExt;
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(4);
        if threads > 1 && out.len() >= PARALLEL_READ_MIN {
            let part = out.len().div_ceil(threads);
            let file: &File = file;
            return std::thread::scope(|s| {
                let handles: Vec<_> = out
                    .chunks_mut(part)
                    .enumerate()
                    .map(|(k, piece)| {
                        s.spawn(move || file.read_exact_at(piece, offset + (k * part) as u64))
                    })
                    .collect();
                handles
                    .into_iter()
                    .try_for_each(|h| h.join().expect("read thread panicked"))
            });
        }
    }
    file.seek(SeekFrom::Start(offset))?;
    file.read_exact(out)
}

/// `<uuid4>-binary`, MsPASS's default `dfile`.
pub fn default_dfile() -> String {
    format!("{}-binary", uuid::Uuid::new_v4())
}

/// An exclusive advisory lock (`flock`) on an open file, released when the
/// guard (or the file) is dropped. Every writer of this crate takes it around
/// taking its offset and writing, so writers in other threads, other
/// processes and (on NFS, where Linux maps `flock` to POSIX byte-range
/// locks) other hosts never record the same `foff` for different bytes.
/// Readers take no lock: bytes a writer has not finished yet are past every
/// `foff` recorded so far.
struct FileLock<'a>(&'a File);

impl<'a> FileLock<'a> {
    fn exclusive(file: &'a File) -> std::io::Result<Self> {
        use std::os::fd::AsRawFd;
        loop {
            // SAFETY: a valid open descriptor, borrowed for the guard's lifetime.
            if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) } == 0 {
                return Ok(FileLock(file));
            }
            let e = std::io::Error::last_os_error();
            if e.kind() != std::io::ErrorKind::Interrupted {
                return Err(e);
            }
        }
    }
}

impl Drop for FileLock<'_> {
    fn drop(&mut self) {
        use std::os::fd::AsRawFd;
        // SAFETY: as above; unlocking a descriptor we locked.
        unsafe { libc::flock(self.0.as_raw_fd(), libc::LOCK_UN) };
    }
}

/// Append the members (each component-major, `ncomp * npts` values) to
/// `dir/dfile` in order, creating `dir` if needed, with one open. Returns the
/// `foff` of each member. Seismograms are transposed to MsPASS's
/// column-major file layout.
pub fn append_members(
    dir: &Path,
    dfile: &str,
    members: &[&[f64]],
    ncomp: usize,
) -> Result<Vec<u64>> {
    write_members(dir, dfile, members, ncomp, None)
}

/// As [`append_members`], but with `start = Some(off)` the members are written
/// contiguously from byte `off` with positional writes (the file is opened
/// with create, neither append nor truncate) and the file is then cut to end
/// exactly where the members end. Writing the same members at the same offset
/// twice, even concurrently or after the file was removed and recreated,
/// leaves the same bytes and length as writing once: that is what makes a
/// dead attempt's late write harmless to a retry's file (docs/parallel.md).
/// Anything the file held past `off` is replaced, so use it only on a file
/// (or a tail of one) that belongs to this write alone.
pub fn write_members(
    dir: &Path,
    dfile: &str,
    members: &[&[f64]],
    ncomp: usize,
    start: Option<u64>,
) -> Result<Vec<u64>> {
    if ncomp != 1 && ncomp != 3 {
        return Err(CoreError::InvalidArgument(format!(
            "ncomponents must be 1 or 3, got {ncomp}"
        )));
    }
    if dfile.is_empty() {
        return Err(CoreError::InvalidArgument("dfile must not be empty".into()));
    }
    if let Some((i, m)) = members
        .iter()
        .enumerate()
        .find(|(_, m)| m.len() % ncomp != 0)
    {
        return Err(CoreError::InvalidArgument(format!(
            "member {i} has {} samples, not a multiple of ncomponents={ncomp}",
            m.len()
        )));
    }
    let len = members
        .iter()
        .map(|m| std::mem::size_of_val(*m) as u64)
        .sum();
    let at = locked_write(dir, dfile, start, len, |file, at| {
        if start.is_some() {
            let mut scratch = Vec::new();
            for (m, off) in members.iter().zip(offsets_from(at, members)) {
                file.write_all_at(member_bytes(m, ncomp, &mut scratch), off)?;
            }
            return Ok(());
        }
        #[cfg(target_endian = "little")]
        if ncomp == 1 {
            // TimeSeries: the samples are the file bytes; gather-write them
            // (writev) with no intermediate copy.
            let mut file = file;
            let mut slices: Vec<IoSlice<'_>> = members
                .iter()
                .map(|m| IoSlice::new(as_le_bytes(m)))
                .collect();
            return write_all_vectored(&mut file, &mut slices);
        }
        let mut out = BufWriter::with_capacity(1 << 20, file);
        let mut scratch = Vec::new();
        for m in members {
            encode_column_major(m, ncomp, &mut scratch);
            out.write_all(&scratch)?;
        }
        out.flush()
    })?;
    Ok(offsets_from(at, members))
}

/// Write `bytes` (already in their file format, e.g. miniSEED records) to
/// `dir/dfile` under the same lock as the sample writers, creating `dir` if
/// needed: appended when `start` is `None`, else positionally from `start`
/// with the file then cut to end where they end (see [`write_members`]).
/// Returns the offset where the bytes start, taken under the lock.
pub fn write_bytes(dir: &Path, dfile: &str, bytes: &[u8], start: Option<u64>) -> Result<u64> {
    if dfile.is_empty() {
        return Err(CoreError::InvalidArgument("dfile must not be empty".into()));
    }
    locked_write(dir, dfile, start, bytes.len() as u64, |mut file, at| {
        if start.is_some() {
            file.write_all_at(bytes, at)
        } else {
            file.write_all(bytes)
        }
    })
}

/// The one way this crate writes to a shared file: open `dir/dfile` (for
/// append when `start` is `None`, else for positional writes), take the
/// exclusive lock, take the offset (`start`, or the file's length), run
/// `write(file, offset)` for `len` bytes, and with a `start` cut the file
/// to `start + len`. The lock is held from taking the offset until the last
/// byte is written (and the cut made), so another writer can neither take
/// the same offset nor lose bytes to the cut. Returns the offset.
fn locked_write(
    dir: &Path,
    dfile: &str,
    start: Option<u64>,
    len: u64,
    write: impl FnOnce(&File, u64) -> std::io::Result<()>,
) -> Result<u64> {
    std::fs::create_dir_all(dir)
        .map_err(|e| CoreError::Io(format!("cannot create directory {}: {e}", dir.display())))?;
    let path = dir.join(dfile);
    let io_err = |e: std::io::Error| CoreError::Io(format!("cannot write {}: {e}", path.display()));
    let mut open = OpenOptions::new();
    match start {
        None => open.create(true).append(true),
        Some(_) => open.create(true).write(true).truncate(false),
    };
    let file = open
        .open(&path)
        .map_err(|e| CoreError::Io(format!("cannot open {} for writing: {e}", path.display())))?;
    let _lock = FileLock::exclusive(&file).map_err(io_err)?;
    let at = match start {
        Some(at) => at,
        None => file
            .metadata()
            .map_err(|e| CoreError::Io(format!("cannot stat {}: {e}", path.display())))?
            .len(),
    };
    write(&file, at).map_err(io_err)?;
    if start.is_some() {
        file.set_len(at + len).map_err(io_err)?;
    }
    Ok(at)
}

/// A member's file bytes: the samples themselves for a TimeSeries on a
/// little-endian host (no copy), else encoded (transposed) into `scratch`.
fn member_bytes<'a>(m: &'a [f64], ncomp: usize, scratch: &'a mut Vec<u8>) -> &'a [u8] {
    #[cfg(target_endian = "little")]
    if ncomp == 1 {
        return as_le_bytes(m);
    }
    encode_column_major(m, ncomp, scratch);
    scratch
}

/// Each member's byte offset when written contiguously from `start`.
fn offsets_from(start: u64, members: &[&[f64]]) -> Vec<u64> {
    let mut at = start;
    members
        .iter()
        .map(|m| {
            let here = at;
            at += std::mem::size_of_val(*m) as u64;
            here
        })
        .collect()
}

/// `write_all` for a list of slices (std's is unstable), at most IOV_MAX per call.
#[cfg(target_endian = "little")]
fn write_all_vectored(file: &mut &File, mut slices: &mut [IoSlice<'_>]) -> std::io::Result<()> {
    const IOV_MAX: usize = 1024;
    while !slices.is_empty() {
        let n = slices.len().min(IOV_MAX);
        match file.write_vectored(&slices[..n]) {
            Ok(0) => return Err(std::io::ErrorKind::WriteZero.into()),
            Ok(written) => IoSlice::advance_slices(&mut slices, written),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::read::{read_members, ReadOptions};
    use crate::io::MemberErrorKind;
    use bson::{doc, RawDocument, RawDocumentBuf};

    fn tmpdir(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("mspass-io-{tag}-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    fn file_doc(dir: &Path, dfile: &str, foff: u64, npts: i64) -> RawDocumentBuf {
        RawDocumentBuf::from_document(&doc! {
            "npts": npts, "storage_mode": "file", "format": "binary",
            "dir": dir.to_str().unwrap(), "dfile": dfile, "foff": foff as i64,
        })
        .unwrap()
    }

    #[test]
    fn default_dfile_is_uuid4_binary() {
        let d = default_dfile();
        assert!(d.ends_with("-binary"));
        let u = uuid::Uuid::parse_str(d.trim_end_matches("-binary")).unwrap();
        assert_eq!(u.get_version_num(), 4);
    }

    #[test]
    fn append_writes_raw_le_and_returns_foffs() {
        let dir = tmpdir("append").join("sub");
        let a = [1.0, 2.0, 3.0];
        let b = [4.0, 5.0];
        let f1 = append_members(&dir, "x", &[&a, &b], 1).unwrap();
        assert_eq!(f1, vec![0, 24]);
        // A second append continues where the file ends.
        let f2 = append_members(&dir, "x", &[&a], 1).unwrap();
        assert_eq!(f2, vec![40]);
        let bytes = std::fs::read(dir.join("x")).unwrap();
        let expect: Vec<u8> = [1.0, 2.0, 3.0, 4.0, 5.0, 1.0, 2.0, 3.0f64]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        assert_eq!(bytes, expect);
    }

    #[test]
    fn positional_write_twice_leaves_one_copy() {
        let dir = tmpdir("at");
        let a = [1.0, 2.0, 3.0];
        let b = [4.0, 5.0];
        let expect: Vec<u8> = [1.0, 2.0, 3.0, 4.0, 5.0f64]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        assert_eq!(
            write_members(&dir, "p", &[&a, &b], 1, Some(0)).unwrap(),
            vec![0, 24]
        );
        // The same write again (a dead attempt's late copy): same bytes, same length.
        assert_eq!(
            write_members(&dir, "p", &[&a, &b], 1, Some(0)).unwrap(),
            vec![0, 24]
        );
        assert_eq!(std::fs::read(dir.join("p")).unwrap(), expect);
        // Stale bytes past the members' end are cut off.
        append_members(&dir, "p", &[&a], 1).unwrap();
        assert_eq!(std::fs::read(dir.join("p")).unwrap().len(), 64);
        write_members(&dir, "p", &[&a, &b], 1, Some(0)).unwrap();
        assert_eq!(std::fs::read(dir.join("p")).unwrap(), expect);
        // Seismograms: column-major from a nonzero offset, foffs from it.
        let s = [0.0, 1.0, 10.0, 11.0, 20.0, 21.0];
        assert_eq!(
            write_members(&dir, "q", &[&s, &s], 3, Some(8)).unwrap(),
            vec![8, 56]
        );
        assert_eq!(
            write_members(&dir, "q", &[&s, &s], 3, Some(8)).unwrap(),
            vec![8, 56]
        );
        let col: Vec<u8> = [0.0, 10.0, 20.0, 1.0, 11.0, 21.0f64]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        let bytes = std::fs::read(dir.join("q")).unwrap();
        assert_eq!(bytes.len(), 104);
        assert_eq!(&bytes[..8], &[0u8; 8]);
        assert_eq!(&bytes[8..56], &col[..]);
        assert_eq!(&bytes[56..], &col[..]);
    }

    #[test]
    fn seismogram_is_column_major_in_file() {
        let dir = tmpdir("seis");
        let s = [0.0, 1.0, 10.0, 11.0, 20.0, 21.0];
        append_members(&dir, "s", &[&s], 3).unwrap();
        let bytes = std::fs::read(dir.join("s")).unwrap();
        let expect: Vec<u8> = [0.0, 10.0, 20.0, 1.0, 11.0, 21.0f64]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        assert_eq!(bytes, expect);
        assert!(append_members(&dir, "s", &[&[1.0, 2.0]], 3)
            .unwrap_err()
            .to_string()
            .contains("multiple"));
    }

    #[tokio::test]
    async fn read_back_out_of_order_with_bad_members() {
        let dir = tmpdir("read");
        let members: Vec<Vec<f64>> = (0..5)
            .map(|k| (0..7).map(|i| (k * 100 + i) as f64).collect())
            .collect();
        let refs: Vec<&[f64]> = members.iter().map(|m| m.as_slice()).collect();
        let foffs = append_members(&dir, "e", &refs, 1).unwrap();
        let mut docs: Vec<RawDocumentBuf> = foffs
            .iter()
            .rev()
            .map(|&f| file_doc(&dir, "e", f, 7))
            .collect();
        docs.push(file_doc(&dir, "missing", 0, 7));
        docs.push(file_doc(&dir, "e", foffs[4], 8)); // runs past the end
        docs.push(
            RawDocumentBuf::from_document(&doc! {"npts": "7", "storage_mode": "file"}).unwrap(),
        );
        let refs: Vec<&RawDocument> = docs.iter().map(|d| d.as_ref()).collect();
        let batch = read_members(None, &refs, &ReadOptions::default())
            .await
            .unwrap();
        for k in 0..5 {
            assert_eq!(batch.member(k).unwrap(), members[4 - k].as_slice());
        }
        assert!(batch.member(5).unwrap_err().contains("cannot open file"));
        assert!(batch
            .member(6)
            .unwrap_err()
            .contains("shorter than foff+nbytes"));
        assert!(batch
            .member(7)
            .unwrap_err()
            .contains("npts has type string"));
        // The decision (abortion / killed / retry) is made on these kinds, not on the text.
        use crate::io::MemberErrorKind::*;
        let kinds: Vec<_> = (5..8).map(|k| batch.error_kind(k)).collect();
        assert_eq!(
            kinds,
            [Some(MissingSamples), Some(BadSamples), Some(BadType)]
        );
        // Space is reserved only for what the files hold: the missing file and
        // the member running past the end get none.
        assert_eq!(batch.data.len(), 5 * 7);
    }

    #[tokio::test]
    async fn a_huge_npts_reserves_nothing() {
        let dir = tmpdir("huge");
        append_members(&dir, "h", &[&[1.0; 100]], 1).unwrap();
        let docs = [
            file_doc(&dir, "h", 0, 1 << 40),
            file_doc(&dir, "h", 0, (1 << 31) - 1),
            file_doc(&dir, "h", 0, 100),
        ];
        let refs: Vec<&RawDocument> = docs.iter().map(|d| d.as_ref()).collect();
        let batch = read_members(None, &refs, &ReadOptions::default())
            .await
            .unwrap();
        assert!(batch
            .member(0)
            .unwrap_err()
            .contains("shorter than foff+nbytes"));
        assert!(batch
            .member(1)
            .unwrap_err()
            .contains("shorter than foff+nbytes"));
        assert_eq!(batch.member(2).unwrap(), &[1.0; 100][..]);
        assert_eq!(batch.data.len(), 100);
    }

    /// A member needing more than the caller's largest buffer is dead,
    /// naming the limit, even though the file holds its samples; the others
    /// of the batch are read.
    #[tokio::test]
    async fn members_past_the_buffer_limit_are_dead_not_allocated() {
        let dir = tmpdir("limit");
        let v: Vec<f64> = (0..100).map(f64::from).collect();
        let foffs = append_members(&dir, "f", &[&v], 1).unwrap();
        let docs = [
            file_doc(&dir, "f", foffs[0], 100),
            file_doc(&dir, "f", foffs[0], 50),
        ];
        let refs: Vec<&RawDocument> = docs.iter().map(|d| d.as_ref()).collect();
        let opts = ReadOptions {
            max_member_bytes: 799,
            ..Default::default()
        };
        let batch = read_members(None, &refs, &opts).await.unwrap();
        let err = batch.member(0).unwrap_err();
        assert!(
            err.contains("799 bytes") && err.contains("Float64Array"),
            "{err}"
        );
        assert_eq!(batch.error_kind(0), Some(MemberErrorKind::BadSamples));
        assert_eq!(batch.member(1).unwrap(), &v[..50]);
        assert_eq!(batch.data.len(), 50);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    const CHILD_ENV: &str = "MSPASS_TEST_APPEND_CHILD";
    const CHILD_ITEMS: usize = 200;
    const CHILD_NPTS: usize = 4096;

    /// The writer process of the test below (this test binary run again with
    /// CHILD_ENV = "dir writer"); a no-op in a normal run.
    #[test]
    fn append_child() {
        let Ok(spec) = std::env::var(CHILD_ENV) else {
            return;
        };
        let (dir, w) = spec.rsplit_once(' ').unwrap();
        let (dir, w) = (PathBuf::from(dir), w.parse::<usize>().unwrap());
        let offs: Vec<String> = (0..CHILD_ITEMS)
            .map(|k| {
                let v = vec![(w * 1_000_000 + k) as f64; CHILD_NPTS];
                // Both writers of the crate, interleaved: they share one lock.
                if k % 2 == 0 {
                    append_members(&dir, "shared", &[&v], 1).unwrap()[0].to_string()
                } else {
                    write_bytes(&dir, "shared", as_le_bytes(&v), None)
                        .unwrap()
                        .to_string()
                }
            })
            .collect();
        std::fs::write(dir.join(format!("offs-{w}")), offs.join("\n")).unwrap();
    }

    /// Two PROCESSES appending to one file at once (samples and raw bytes
    /// alternately): with the advisory lock every returned foff holds that
    /// writer's own bytes.
    #[test]
    fn appends_from_two_processes_get_their_own_offsets() {
        let dir = tmpdir("procs");
        let exe = std::env::current_exe().unwrap();
        let children: Vec<_> = (0..2)
            .map(|w| {
                std::process::Command::new(&exe)
                    .args([
                        "--exact",
                        "io::file::tests::append_child",
                        "--test-threads",
                        "1",
                    ])
                    .env(CHILD_ENV, format!("{} {w}", dir.display()))
                    .stdout(std::process::Stdio::null())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for mut c in children {
            assert!(c.wait().unwrap().success());
        }
        let bytes = std::fs::read(dir.join("shared")).unwrap();
        assert_eq!(bytes.len(), 2 * CHILD_ITEMS * CHILD_NPTS * 8);
        for w in 0..2usize {
            let offs = std::fs::read_to_string(dir.join(format!("offs-{w}"))).unwrap();
            assert_eq!(offs.lines().count(), CHILD_ITEMS);
            for (k, off) in offs.lines().enumerate() {
                let at: usize = off.parse().unwrap();
                let want = ((w * 1_000_000 + k) as f64).to_le_bytes();
                assert!(
                    bytes[at..at + CHILD_NPTS * 8].chunks(8).all(|c| c == want),
                    "writer {w} item {k} at {at}"
                );
            }
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[tokio::test]
    async fn large_runs_are_read_in_parallel_pieces_correctly() {
        let dir = tmpdir("big");
        // Two adjacent 5.6 MB records: one 11.2 MB run, above PARALLEL_READ_MIN.
        let n = 700_001;
        let a: Vec<f64> = (0..n).map(|i| i as f64).collect();
        let b: Vec<f64> = (0..n).map(|i| -(i as f64) - 0.5).collect();
        let foffs = append_members(&dir, "big", &[&a, &b], 1).unwrap();
        assert!(2 * n * 8 >= PARALLEL_READ_MIN);
        let docs = [
            file_doc(&dir, "big", foffs[0], n as i64),
            file_doc(&dir, "big", foffs[1], n as i64),
        ];
        let refs: Vec<&RawDocument> = docs.iter().map(|d| d.as_ref()).collect();
        let batch = read_members(None, &refs, &ReadOptions::default())
            .await
            .unwrap();
        assert!(batch.member(0).unwrap() == a.as_slice());
        assert!(batch.member(1).unwrap() == b.as_slice());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[tokio::test]
    async fn seismogram_round_trip_through_file() {
        let dir = tmpdir("seisrt");
        let a: Vec<f64> = (0..30).map(|i| i as f64).collect();
        let b: Vec<f64> = (0..12).map(|i| -(i as f64)).collect();
        let foffs = append_members(&dir, "s", &[&a, &b], 3).unwrap();
        let docs = [
            file_doc(&dir, "s", foffs[1], 4),
            file_doc(&dir, "s", foffs[0], 10),
        ];
        let refs: Vec<&RawDocument> = docs.iter().map(|d| d.as_ref()).collect();
        let opts = ReadOptions {
            ncomponents: 3,
            ..Default::default()
        };
        let batch = read_members(None, &refs, &opts).await.unwrap();
        assert_eq!(batch.member(0).unwrap(), b.as_slice());
        assert_eq!(batch.member(1).unwrap(), a.as_slice());
    }
}
