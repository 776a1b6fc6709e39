//! How a worker gives memory back between partitions (see
//! src/parallel/worker-memory.ts).

use napi::Result;
use napi_derive::napi;

/// Return the allocator's free memory to the system (see
/// `mspass_core::mem::trim_allocator`).
#[napi]
pub fn trim_allocator() {
    mspass_core::mem::trim_allocator();
}

/// Detach `buffer` from JavaScript, so that its memory goes back now rather
/// than when the garbage collector finds it unreachable (a buffer the addon
/// made is freed by the core on the next turn of the event loop). Every view
/// of it reads as empty afterwards.
#[napi]
pub fn release_buffer(buffer: napi::bindgen_prelude::ArrayBuffer) -> Result<()> {
    buffer.detach()
}
