/**
 * Raw binary sample layout of the "s3" storage mode: the same bytes MsPASS's
 * file mode writes — little-endian float64; a TimeSeries as is, a Seismogram
 * sample by sample (x0,y0,z0,x1,…: MsPASS's column-major dmatrix), while a
 * `Seismogram`'s `data` is component-major in memory.
 */
export function samplesToBytes(data: Float64Array, ncomponents: number): Uint8Array {
  const n = data.length / ncomponents;
  const out = new Float64Array(data.length);
  if (ncomponents === 1) out.set(data);
  else
    for (let i = 0; i < n; i++)
      for (let k = 0; k < ncomponents; k++) out[i * ncomponents + k] = data[k * n + i]!;
  return littleEndian(out);
}

export function bytesToSamples(bytes: Uint8Array, ncomponents: number): Float64Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const total = bytes.byteLength / 8;
  const n = total / ncomponents;
  const out = new Float64Array(total);
  for (let i = 0; i < n; i++)
    for (let k = 0; k < ncomponents; k++) out[k * n + i] = view.getFloat64((i * ncomponents + k) * 8, true);
  return out;
}

function littleEndian(a: Float64Array): Uint8Array {
  const out = new Uint8Array(a.length * 8);
  const view = new DataView(out.buffer);
  for (let i = 0; i < a.length; i++) view.setFloat64(i * 8, a[i]!, true);
  return out;
}
