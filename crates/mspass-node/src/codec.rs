//! Binding of `mspass_core::codec`: build a data-codec frame in Rust (bench/codec.bench.ts
//! measures it against the TypeScript builder of src/data/codec.ts).

use mspass_core::codec::{self, Kind};
use napi::bindgen_prelude::{Buffer, Float64Array};
use napi_derive::napi;

/// Build a whole frame from its BSON `head` and sample arrays (one copy of the samples).
#[napi]
pub fn codec_encode_frame(
    kind: u8,
    head: Buffer,
    samples: Vec<Float64Array>,
) -> napi::Result<Buffer> {
    let kind = Kind::from_u8(kind).ok_or_else(|| {
        napi::Error::from_reason(format!("codecEncodeFrame: unknown kind {kind}"))
    })?;
    let refs: Vec<&[f64]> = samples.iter().map(|s| &s[..]).collect();
    Ok(codec::encode(kind, &head, &refs).into())
}
