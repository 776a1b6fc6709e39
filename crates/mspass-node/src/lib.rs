//! napi-rs binding for mspass-core. Keep this crate thin: convert arguments,
//! call the core, map errors. Logic belongs in `mspass-core`.

mod algorithms;
mod bulk;
mod collection;
mod cursor;
mod errors;
mod io;
mod mem;
mod mseed;
mod partition;
mod pool;

/// Large buffers (samples, a partition's documents) are mapped straight from
/// the kernel and given back when freed; see `mspass_core::mem::PageBacked`.
#[global_allocator]
static ALLOCATOR: mspass_core::mem::PageBacked = mspass_core::mem::PageBacked;
