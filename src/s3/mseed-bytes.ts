/**
 * The seam to the Rust core's miniSEED decoder/indexer (engineer mseed's
 * binding, crates/mspass-node/src/mseed.rs) for bytes fetched from S3; the
 * only place src/s3/ calls it.
 *
 * - decode: `native.decodeMseed(bytes) → Float64Array` (every data record's
 *   samples, in order) — the object or the byte range of one segment;
 * - index: `native.indexMseedFile(path, segmentTimeTears)` (MsPASS's
 *   index_mseed_file scan, columns of segment fields). The binding indexes
 *   files, so the object goes to a temporary file first, as MsPASS's
 *   `index_mseed_s3_event` does.
 * The functions are looked up at run time: an addon built without them
 * gives a clear message instead of failing to load.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { native } from "../native.js";

export type DecodeOutcome = { data: Float64Array } | { error: string };

/** The binding's functions (native/index.d.cts); looked up at run time so an older addon gives a message. */
const binding: Partial<Pick<typeof native, "decodeMseed" | "indexMseedFile">> = native;

export async function decodeMiniseedBytes(bytes: Uint8Array): Promise<DecodeOutcome> {
  if (typeof binding.decodeMseed !== "function")
    return { error: "this build of the native addon has no miniSEED decoder (decodeMseed)" };
  try {
    return { data: await binding.decodeMseed(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)) };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

/** One segment found by the core's indexer (MsPASS `_mseed_file_indexer` fields). */
export interface IndexedSegment {
  net: string;
  sta: string;
  loc: string;
  chan: string;
  sampling_rate: number;
  starttime: number;
  last_packet_time: number;
  endtime: number;
  foff: number;
  nbytes: number;
  npts: number;
}

export async function indexMiniseedBytes(
  bytes: Uint8Array,
  segmentTimeTears: boolean,
): Promise<{ segments: IndexedSegment[]; complaints: string[] } | { error: string }> {
  if (typeof binding.indexMseedFile !== "function")
    return { error: "this build of the native addon has no miniSEED indexer (indexMseedFile)" };
  const dir = mkdtempSync(join(tmpdir(), "mspass-s3-index-"));
  try {
    const file = join(dir, "object.ms");
    writeFileSync(file, bytes);
    const c = await binding.indexMseedFile(file, segmentTimeTears);
    const segments = c.net.map((_, i) => ({
      net: c.net[i]!,
      sta: c.sta[i]!,
      loc: c.loc[i]!,
      chan: c.chan[i]!,
      sampling_rate: c.samplingRate[i]!,
      starttime: c.starttime[i]!,
      last_packet_time: c.lastPacketTime[i]!,
      endtime: c.endtime[i]!,
      foff: c.foff[i]!,
      nbytes: c.nbytes[i]!,
      npts: c.npts[i]!,
    }));
    return { segments, complaints: c.complaints.map((x) => `${x.badness}: ${x.message}`) };
  } catch (err) {
    return { error: (err as Error).message };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
