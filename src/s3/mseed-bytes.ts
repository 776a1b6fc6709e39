/**
 * The seam to the Rust core's miniSEED decoder/indexer for bytes held in
 * memory (an S3 object or a Range of it). The decoder itself is engineer
 * mseed's (crates/mspass-core/src/mseed/, `decode_segment`, `index_bytes`);
 * this file is the only place src/s3/ calls it.
 */
import { native } from "../native.js";

export type DecodeOutcome = { data: Float64Array } | { error: string };

type Decoder = (bytes: Buffer) => { samples: Float64Array };

export function decodeMiniseedBytes(bytes: Uint8Array): DecodeOutcome {
  const decode = (native as unknown as { decodeMseedBytes?: Decoder }).decodeMseedBytes;
  if (typeof decode !== "function") return { error: "this build of the native addon has no miniSEED decoder (decodeMseedBytes)" };
  try {
    return { data: decode(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)).samples };
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
  foff: number;
  nbytes: number;
  npts: number;
}

type Indexer = (bytes: Buffer, segmentTimeTears: boolean) => { segments: IndexedSegment[]; log?: string };

export function indexMiniseedBytes(bytes: Uint8Array, segmentTimeTears: boolean): { segments: IndexedSegment[]; log?: string } | { error: string } {
  const index = (native as unknown as { indexMseedBytes?: Indexer }).indexMseedBytes;
  if (typeof index !== "function") return { error: "this build of the native addon has no miniSEED indexer (indexMseedBytes)" };
  try {
    return index(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), segmentTimeTears);
  } catch (err) {
    return { error: (err as Error).message };
  }
}
