/**
 * What every storage mode's module (src/db/storage/*.ts) agrees on: the
 * data of one write (`LiveSlot`), the writer's context and result, where a
 * file-mode datum goes, and the keys that say where samples are.
 *
 * A writer takes the live data of one call (a saveData call, or one
 * distributed partition) and returns one storage record per datum
 * (`{storage_mode, gridfs_id}` or `{storage_mode, dir, dfile, foff, nbytes,
 * format?}`), plus how to undo what it wrote.
 */
import { Long } from "mongodb";
import type { MetadataValue } from "../../data/metadata.js";
import type { Atomic } from "../../data/atomic.js";
import type { Database } from "../database.js";
import type { S3Connection } from "../../s3/fetch.js";

/** One datum to write: `item`/`member` place it in the caller's input (member -1: an atomic item). */
export interface Slot {
  item: number;
  member: number;
  d: Atomic;
}

export interface LiveSlot extends Slot {
  /** Its wf document as built from its Metadata (storage fields not yet set). */
  doc: Record<string, MetadataValue>;
}

/** File-mode formats written: raw little-endian f64 ("binary") or miniSEED ("mseed", mseed.ts). */
export type FileFormat = "binary" | "mseed";

/** Keys that describe where samples are; the writer replaces them all. */
export const STORAGE_KEYS = [
  "storage_mode",
  "gridfs_id",
  "dir",
  "dfile",
  "foff",
  "nbytes",
  "format",
  "url",
  "s3_bucket",
  "s3_key",
] as const;

const INT32_MAX = 2_147_483_647;

/** A stored integer: int32 when it fits, else int64 (as Python writes it), never a double. */
export function int(n: number): number | Long {
  return n > INT32_MAX ? Long.fromNumber(n) : n;
}

/**
 * Where a file-mode datum goes. `startOffset` 0 means the file belongs to
 * this writer alone and is rewritten positionally from byte 0 (an
 * idempotent retry lands on the same bytes); absent means append, as
 * MsPASS does.
 */
export interface FilePlacement {
  dir: string;
  dfile: string | null;
  startOffset?: 0;
}

/** What saveData's S3 options resolve to. */
export interface S3SavePlan {
  connection: S3Connection | undefined;
  bucket: string | undefined;
  keyPrefix: string | undefined;
}

export interface SampleWriteContext {
  db: Database;
  dataType: "TimeSeries" | "Seismogram";
  /** What the error messages name, e.g. "Database.saveData(db.wf_TimeSeries)". */
  what: string;
  /** "binary", "mseed" (or undefined: "binary", recorded as MsPASS does). */
  format: FileFormat | undefined;
  /** GridFS: the file id of each datum (derived ids for idempotent writers), or undefined for fresh ones. */
  gridfsId(s: LiveSlot): string | undefined;
  /** File mode: where each datum goes. */
  place(s: LiveSlot): FilePlacement;
  /** S3 mode: connection, bucket, key prefix (s3.ts). */
  s3?: S3SavePlan;
}

export interface SampleWriteResult {
  /** One storage record per live slot, in order. */
  records: Array<Record<string, unknown>>;
  /** Best-effort removal of what was written (after a failed insert); says what happened, or undefined if there is nothing to remove. */
  undo(): Promise<string | undefined>;
  /** What cannot be removed (bytes appended to a shared file), for the error message. */
  leftover?: string;
}

export type SampleWriter = (live: LiveSlot[], ctx: SampleWriteContext) => Promise<SampleWriteResult>;
