//! napi-rs binding for mspass-core. Keep this crate thin: convert arguments,
//! call the core, map errors. Logic belongs in `mspass-core`.

mod algorithms;
mod bulk;
mod collection;
mod cursor;
mod errors;
mod io;
mod mseed;
mod partition;
mod pool;
