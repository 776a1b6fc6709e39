//! mspass-core: the performance-critical paths of mspass, in pure Rust.
//!
//! Nothing here knows about Node or napi; `crates/mspass-node` is a thin binding
//! over it. Every module is tested with `cargo test`.

pub mod algorithms;
pub mod bson_split;
pub mod bulk;
pub mod cursor;
pub mod error;
pub mod io;
pub mod mem;
pub mod mseed;
pub mod ops;
pub mod partition;
pub mod pool;
pub mod uri;

pub use error::{CoreError, Result};
