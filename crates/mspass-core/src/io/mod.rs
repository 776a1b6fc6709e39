//! Sample I/O: codecs, file and GridFS reads and writes for TimeSeries and
//! Seismogram data, byte-compatible with MsPASS.
//!
//! - [`codec`]: little-endian f64, Seismogram transposes.
//! - [`member`]: wf document -> where the samples are (or why they can't be read).
//! - [`member_error`]: per-member error kinds (abortion vs killed is decided on them).
//! - [`mseed_read`]: file members in miniSEED (decoded and merged as MsPASS).
//! - [`read`]: the batch reader (one buffer for a whole ensemble).
//! - [`file`], [`gridfs`]: the two storage modes, read and write.
//! - [`query`]: run a find and read its ensemble in one call.

pub mod codec;
pub mod file;
pub mod gridfs;
pub mod member;
pub mod member_error;
pub mod mseed_read;
pub mod query;
pub mod read;

pub use file::{append_members, default_dfile, write_bytes, write_members};
pub use gridfs::{
    delete_gridfs, write_gridfs, GridFsReadOptions, GridFsWriteOptions, DEFAULT_CHUNK_SIZE,
};
pub use member::{parse_member, Location, Member};
pub use member_error::{MemberError, MemberErrorKind};
pub use mseed_read::MseedSegmentInfo;
pub use query::{read_cursor, read_ensemble, split_documents, EnsembleRead, FindSpec};
pub use read::{read_members, MemberSlot, ReadOptions, SampleBatch};
