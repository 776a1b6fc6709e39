//! Walks a byte buffer record by record, the way libmseed's file reader does
//! (`ms3_readmsr_r` with `MSF_SKIPNOTDATA`): bytes that are not a record are
//! skipped one at a time; a record that is cut short or that libmseed rejects
//! stops the walk with an error naming its offset.

use super::ffi::{self, Header, Parsed, Parser};
use super::MseedError;

#[derive(Debug, Clone, PartialEq)]
pub struct RecordAt {
    pub offset: u64,
    pub header: Header,
}

pub struct Scanner<'a> {
    buf: &'a [u8],
    pos: usize,
    base: u64,
    parser: Parser,
    done: bool,
}

impl<'a> Scanner<'a> {
    /// `base` is the file offset of `buf[0]` (offsets reported are file offsets).
    pub fn new(buf: &'a [u8], base: u64) -> Self {
        Scanner {
            buf,
            pos: 0,
            base,
            parser: Parser::new(),
            done: false,
        }
    }

    pub fn parser(&mut self) -> &mut Parser {
        &mut self.parser
    }

    /// Offset (in the file) where the scanner stands.
    pub fn file_offset(&self) -> u64 {
        self.base + self.pos as u64
    }
}

impl Iterator for Scanner<'_> {
    type Item = Result<RecordAt, MseedError>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.done && self.buf.len() - self.pos >= ffi::MINRECLEN as usize {
            let offset = self.file_offset();
            match self.parser.parse(&self.buf[self.pos..], true) {
                Parsed::Record => {
                    let header = self.parser.header();
                    if header.reclen == 0 {
                        self.done = true;
                        return Some(Err(MseedError::at(offset, "record of length 0")));
                    }
                    self.pos += header.reclen as usize;
                    return Some(Ok(RecordAt { offset, header }));
                }
                Parsed::NotData => {
                    let _ = ffi::take_log();
                    self.pos += 1;
                }
                Parsed::Truncated => {
                    self.done = true;
                    let _ = ffi::take_log();
                    return Some(Err(MseedError::at(
                        offset,
                        format!(
                            "truncated record: only {} bytes left",
                            self.buf.len() - self.pos
                        ),
                    )));
                }
                Parsed::Error(code) => {
                    self.done = true;
                    let log = ffi::take_log();
                    let msg = if log.is_empty() {
                        format!("libmseed error {code}")
                    } else {
                        log
                    };
                    return Some(Err(MseedError::at(
                        offset,
                        format!("corrupt record: {msg}"),
                    )));
                }
            }
        }
        None
    }
}
