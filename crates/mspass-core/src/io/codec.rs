//! Sample codec: MsPASS stores samples as raw little-endian float64 with no
//! header. In memory a Seismogram is component-major (component k is
//! `data[k*npts..(k+1)*npts]`), which is exactly MsPASS's GridFS layout; its
//! file layout is column-major (x0, y0, z0, x1, ...), so file I/O transposes.

/// Bytes per sample.
pub const SAMPLE_BYTES: usize = 8;

/// View a sample slice as bytes, for writing in place (little-endian hosts
/// only; big-endian hosts go through [`encode_le`]).
#[cfg(target_endian = "little")]
pub fn as_le_bytes(samples: &[f64]) -> &[u8] {
    // SAFETY: f64 has no padding and u8 has alignment 1; the length is exact.
    unsafe {
        std::slice::from_raw_parts(
            samples.as_ptr().cast::<u8>(),
            std::mem::size_of_val(samples),
        )
    }
}

/// Mutable byte view of a sample slice, so a file can be read straight into
/// the destination buffer. Any bit pattern is a valid f64, so this is sound.
#[cfg(target_endian = "little")]
pub fn as_le_bytes_mut(samples: &mut [f64]) -> &mut [u8] {
    // SAFETY: as above; every byte pattern is a valid f64.
    unsafe {
        std::slice::from_raw_parts_mut(
            samples.as_mut_ptr().cast::<u8>(),
            std::mem::size_of_val(samples),
        )
    }
}

/// Decode little-endian f64 bytes into `dst` (`src.len() == 8 * dst.len()`).
pub fn decode_le_into(src: &[u8], dst: &mut [f64]) {
    assert_eq!(
        src.len(),
        dst.len() * SAMPLE_BYTES,
        "decode_le_into: length mismatch"
    );
    #[cfg(target_endian = "little")]
    {
        as_le_bytes_mut(dst).copy_from_slice(src);
    }
    #[cfg(not(target_endian = "little"))]
    for (d, s) in dst.iter_mut().zip(src.chunks_exact(SAMPLE_BYTES)) {
        *d = f64::from_le_bytes(s.try_into().unwrap());
    }
}

/// After reading raw little-endian bytes straight into `dst`, fix the byte
/// order on big-endian hosts (a no-op on little-endian ones).
#[inline]
pub fn fix_endianness_in_place(_dst: &mut [f64]) {
    #[cfg(not(target_endian = "little"))]
    for v in _dst.iter_mut() {
        *v = f64::from_bits(u64::from_le(v.to_bits()));
    }
}

/// Encode samples as little-endian bytes (a copy).
pub fn encode_le(samples: &[f64]) -> Vec<u8> {
    let mut out = Vec::with_capacity(samples.len() * SAMPLE_BYTES);
    for v in samples {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out
}

/// Decode a column-major file record (x0,y0,z0,x1,...) of `ncomp` components
/// into component-major `dst` (all of component 0, then 1, ...).
pub fn decode_column_major_into(src: &[u8], ncomp: usize, dst: &mut [f64]) {
    assert_eq!(
        src.len(),
        dst.len() * SAMPLE_BYTES,
        "decode_column_major_into: length mismatch"
    );
    if ncomp <= 1 {
        return decode_le_into(src, dst);
    }
    let npts = dst.len() / ncomp;
    for (i, frame) in src.chunks_exact(SAMPLE_BYTES * ncomp).enumerate() {
        for (k, s) in frame.chunks_exact(SAMPLE_BYTES).enumerate() {
            dst[k * npts + i] = f64::from_le_bytes(s.try_into().unwrap());
        }
    }
}

/// Encode component-major samples as a column-major (x0,y0,z0,x1,...)
/// little-endian record, MsPASS's file layout for a Seismogram.
pub fn encode_column_major(samples: &[f64], ncomp: usize, out: &mut Vec<u8>) {
    out.clear();
    out.reserve(samples.len() * SAMPLE_BYTES);
    if ncomp <= 1 {
        out.extend_from_slice(&encode_le(samples));
        return;
    }
    let npts = samples.len() / ncomp;
    for i in 0..npts {
        for k in 0..ncomp {
            out.extend_from_slice(&samples[k * npts + i].to_le_bytes());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn little_endian_round_trip() {
        let v = [1.5, -2.25, f64::MAX, 0.0];
        let bytes = encode_le(&v);
        assert_eq!(&bytes[0..8], &1.5f64.to_le_bytes());
        assert_eq!(bytes.len(), 32);
        let mut back = [0.0; 4];
        decode_le_into(&bytes, &mut back);
        assert_eq!(back, v);
    }

    #[test]
    fn seismogram_file_layout_is_column_major() {
        // component-major: x = [0,1], y = [10,11], z = [20,21]
        let mem = [0.0, 1.0, 10.0, 11.0, 20.0, 21.0];
        let mut file = Vec::new();
        encode_column_major(&mem, 3, &mut file);
        let expect: Vec<u8> = [0.0, 10.0, 20.0, 1.0, 11.0, 21.0f64]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        assert_eq!(file, expect);
        let mut back = [0.0; 6];
        decode_column_major_into(&file, 3, &mut back);
        assert_eq!(back, mem);
    }
}
