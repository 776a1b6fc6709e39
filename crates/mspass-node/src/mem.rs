//! How a worker gives memory back between partitions (see
//! src/parallel/worker-memory.ts).

use napi::{Env, Result};
use napi_derive::napi;

/// Return the allocator's free memory to the system (see
/// `mspass_core::mem::trim_allocator`).
#[napi]
pub fn trim_allocator() {
    mspass_core::mem::trim_allocator();
}

/// Tell V8 that JavaScript objects keep `change` more (negative: fewer)
/// bytes alive outside its heap, which brings its next collection nearer
/// (or further); returns V8's new total.
#[napi]
pub fn adjust_external_memory(env: Env, change: i64) -> Result<i64> {
    env.adjust_external_memory(change)
}
