//! The only file that touches libmseed's C API (through `libmseed-sys`).
//!
//! A [`Parser`] owns one reused `MS3Record`, so scanning a file allocates
//! nothing per record. libmseed reports problems through its logging module;
//! we route that (thread-local in libmseed) into a thread-local Rust buffer so
//! messages become part of our errors instead of being printed on stderr.

use std::cell::{Cell, RefCell};
use std::ffi::{c_char, CStr};
use std::ptr;

use libmseed_sys as sys;

/// libmseed.h's MINRECLEN / MAXRECLEN (macros bindgen does not export).
pub const MINRECLEN: u32 = 40;
pub const MAXRECLEN: u32 = 10_485_760;

thread_local! {
    static LOG_READY: Cell<bool> = const { Cell::new(false) };
    static LOG_LINES: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

extern "C" fn capture(msg: *const c_char) {
    if msg.is_null() {
        return;
    }
    // SAFETY: libmseed passes a NUL-terminated message it owns for the call.
    let text = unsafe { CStr::from_ptr(msg) }
        .to_string_lossy()
        .trim()
        .to_string();
    LOG_LINES.with(|l| {
        let mut l = l.borrow_mut();
        if l.len() < 16 {
            l.push(text);
        }
    });
}

fn ensure_log_capture() {
    LOG_READY.with(|ready| {
        if !ready.get() {
            // SAFETY: plain C call; libmseed keeps the logging parameters per thread.
            unsafe { sys::ms_rloginit(Some(capture), ptr::null(), Some(capture), ptr::null(), 0) };
            ready.set(true);
        }
    });
}

/// Messages libmseed logged on this thread since the last call (then cleared).
pub fn take_log() -> String {
    LOG_LINES.with(|l| std::mem::take(&mut *l.borrow_mut()).join("; "))
}

/// What `msr3_parse` made of the bytes at the current position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Parsed {
    /// A record was parsed; its header is readable through the parser.
    Record,
    /// No miniSEED record starts here.
    NotData,
    /// A record starts here but the buffer ends before it does (bytes still needed).
    Truncated,
    /// A record was detected but libmseed rejected it (libmseed error code).
    Error(i32),
}

/// Header fields of the last parsed record, copied out of the `MS3Record`.
#[derive(Debug, Clone, PartialEq)]
pub struct Header {
    pub reclen: u32,
    pub sid: String,
    pub start_ns: i64,
    /// Hz (libmseed's `msr3_sampratehz`: a negative header value is a period).
    pub rate: f64,
    pub samplecnt: i64,
    pub encoding: i16,
    pub format_version: u8,
    pub data_length: u32,
}

pub struct Parser {
    msr: *mut sys::MS3Record,
    /// The last unpack's Steim integrity check failed (see [`Parser::integrity_failed`]).
    integrity_failed: bool,
}

// SAFETY: the record is owned by the parser alone and libmseed's parse/unpack
// functions are reentrant for distinct records.
unsafe impl Send for Parser {}

impl Default for Parser {
    fn default() -> Self {
        Self::new()
    }
}

impl Parser {
    pub fn new() -> Self {
        ensure_log_capture();
        // SAFETY: allocates a fresh record (NULL in → new record out).
        let msr = unsafe { sys::msr3_init(ptr::null_mut()) };
        assert!(!msr.is_null(), "libmseed could not allocate a record");
        Parser {
            msr,
            integrity_failed: false,
        }
    }

    /// Parses the record at the start of `buf` (headers only; samples are
    /// unpacked separately with [`Parser::unpack`]). `at_end` says `buf` holds
    /// the rest of the input, as libmseed's file reader does at EOF.
    pub fn parse(&mut self, buf: &[u8], at_end: bool) -> Parsed {
        ensure_log_capture();
        if buf.len() < MINRECLEN as usize {
            return Parsed::NotData;
        }
        let len = buf.len().min(MAXRECLEN as usize);
        let at_end = at_end && len == buf.len();
        let flags = if at_end { sys::MSF_ATENDOFFILE } else { 0 };
        // SAFETY: buf is valid for len bytes; msr is our own record.
        let rv = unsafe {
            sys::msr3_parse(
                buf.as_ptr() as *const c_char,
                len as u64,
                &mut self.msr,
                flags,
                0,
            )
        };
        if self.msr.is_null() {
            // libmseed frees the record on some errors; keep the invariant.
            // SAFETY: fresh allocation.
            self.msr = unsafe { sys::msr3_init(ptr::null_mut()) };
        }
        match rv {
            0 => Parsed::Record,
            r if r > 0 => Parsed::Truncated,
            r if r == sys::MS_NOTSEED => Parsed::NotData,
            r => Parsed::Error(r),
        }
    }

    /// Whether the last [`Parser::unpack`] decoded a Steim record whose last
    /// sample differs from the frame's reverse integration constant (Xn):
    /// the check libmseed and obspy make, which both only warn about (the
    /// samples are returned); a bit flip in the differences shows here.
    pub fn integrity_failed(&self) -> bool {
        self.integrity_failed
    }

    pub fn header(&self) -> Header {
        // SAFETY: msr is valid; fields are plain values after a successful parse.
        let m = unsafe { &*self.msr };
        let sid = unsafe { CStr::from_ptr(m.sid.as_ptr()) }
            .to_string_lossy()
            .into_owned();
        Header {
            reclen: m.reclen.max(0) as u32,
            sid,
            start_ns: m.starttime,
            rate: unsafe { sys::msr3_sampratehz(self.msr) },
            samplecnt: m.samplecnt,
            encoding: m.encoding,
            format_version: m.formatversion,
            data_length: m.datalength,
        }
    }

    /// Unpacks the samples of the last parsed record and hands them to `sink`
    /// as one of the three numeric kinds. Text records are an error (they are
    /// log messages, not samples — obspy refuses them too).
    pub fn unpack<R>(&mut self, sink: impl FnOnce(Samples<'_>) -> R) -> Result<R, String> {
        ensure_log_capture();
        self.integrity_failed = false;
        let h = self.header();
        if h.samplecnt <= 0 {
            return Ok(sink(Samples::Int(&[])));
        }
        // Bound the allocation libmseed is about to make by what the record's
        // bytes can hold (Steim2 packs at most 7 samples per 4 bytes): a forged
        // sample count cannot make us allocate gigabytes.
        if h.samplecnt > 2 * h.data_length as i64 + 8 {
            return Err(format!(
                "record claims {} samples in {} data bytes",
                h.samplecnt, h.data_length
            ));
        }
        // libmseed 3.1.3 computes a miniSEED 2 payload size as
        // `reclen - data offset` in unsigned arithmetic and, for Steim, scans
        // that many bytes for zero padding frames BEFORE its own check that
        // the offset lies inside the record (unpack.c, msr3_data_bounds): a
        // data offset past the record end makes it read gigabytes past the
        // buffer (SIGSEGV, found by tests/mseed_fuzz.rs). The payload must
        // fit after the fixed header, so refuse such records here.
        let fixed_header: u64 = if h.format_version == 2 { 48 } else { 40 };
        if h.data_length as u64 + fixed_header > h.reclen as u64 {
            return Err(format!(
                "record's data section ({} bytes) does not fit in its {}-byte record (bad data offset)",
                h.data_length, h.reclen
            ));
        }
        // SAFETY: msr is a parsed record whose payload lies inside it; libmseed allocates datasamples.
        let n = unsafe { sys::msr3_unpack_data(self.msr, 0) };
        if n < 0 || n != h.samplecnt {
            let log = take_log();
            return Err(if log.is_empty() {
                format!("could not unpack samples (libmseed code {n})")
            } else {
                log
            });
        }
        // libmseed logs (and does not fail on) a Steim frame whose reverse
        // integration constant differs from the last reconstructed sample.
        let log = take_log();
        self.integrity_failed = log.contains("integrity check");
        let m = unsafe { &*self.msr };
        let count = m.numsamples as usize;
        let p = m.datasamples;
        if count == 0 || p.is_null() {
            return Ok(sink(Samples::Int(&[])));
        }
        // SAFETY: libmseed filled `count` samples of `sampletype` at `p`.
        let out = unsafe {
            match m.sampletype as u8 {
                b'i' => sink(Samples::Int(std::slice::from_raw_parts(
                    p as *const i32,
                    count,
                ))),
                b'f' => sink(Samples::Float(std::slice::from_raw_parts(
                    p as *const f32,
                    count,
                ))),
                b'd' => sink(Samples::Double(std::slice::from_raw_parts(
                    p as *const f64,
                    count,
                ))),
                b't' => return Err("text (ASCII) record: log data, not samples".into()),
                other => return Err(format!("unknown sample type {:?}", other as char)),
            }
        };
        Ok(out)
    }
}

impl Drop for Parser {
    fn drop(&mut self) {
        // SAFETY: frees the record and its sample buffer.
        unsafe { sys::msr3_free(&mut self.msr) };
    }
}

/// Unpacked samples of one record, borrowed from libmseed's buffer.
pub enum Samples<'a> {
    Int(&'a [i32]),
    Float(&'a [f32]),
    Double(&'a [f64]),
}

/// Splits an FDSN source id into (net, sta, loc, chan) with libmseed's own rule.
pub fn split_sid(sid: &str) -> Option<(String, String, String, String)> {
    // A record's sid is at most LM_SIDLEN (64) bytes, and ms_sid2nslc copies
    // its parts unbounded, so refuse anything longer than our buffers.
    if sid.len() >= 64 {
        return None;
    }
    let c = std::ffi::CString::new(sid).ok()?;
    let mut parts = [[0 as c_char; 72]; 4];
    let [net, sta, loc, chan] = &mut parts;
    // SAFETY: each buffer is longer than the whole sid.
    let rv = unsafe {
        sys::ms_sid2nslc(
            c.as_ptr(),
            net.as_mut_ptr(),
            sta.as_mut_ptr(),
            loc.as_mut_ptr(),
            chan.as_mut_ptr(),
        )
    };
    if rv != 0 {
        let _ = take_log();
        return None;
    }
    // SAFETY: libmseed NUL-terminates every part it writes (the buffers start zeroed).
    let s = |b: &[c_char; 72]| {
        unsafe { CStr::from_ptr(b.as_ptr()) }
            .to_string_lossy()
            .into_owned()
    };
    Some((s(&parts[0]), s(&parts[1]), s(&parts[2]), s(&parts[3])))
}

/// The encoding's sample kind before unpacking ('i', 'f', 'd', 't' or 0 unknown),
/// used to split traces the way obspy does.
pub fn encoding_sample_type(encoding: i16) -> u8 {
    match encoding {
        0 => b't',
        1 | 3 | 10 | 11 | 16 | 30 | 32 | 19 => b'i',
        4 | 12 | 13 | 14 => b'f',
        5 => b'd',
        _ => 0,
    }
}
