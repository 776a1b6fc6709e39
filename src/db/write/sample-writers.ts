/**
 * Step 3 of the waveform-write pipeline: put the samples somewhere and say
 * where, as the storage fields of each wf document.
 *
 * THE SEAM for storage modes and formats: `sampleWriterFor(storageMode,
 * format)` picks one writer; a writer takes the live data of one call (a
 * saveData call, or one distributed partition) and returns one storage
 * record per datum (`{storage_mode, gridfs_id}` or `{storage_mode, dir,
 * dfile, foff, nbytes, format?}`), plus how to undo what it wrote. A new
 * format (miniSEED) is one more writer here, chosen by `format`; nothing
 * else in the pipeline knows about formats.
 */
import path from "node:path";
import { Long, ObjectId } from "mongodb";
import { native, toMsPASSError } from "../../native.js";
import type { Database } from "../database.js";
import type { LiveSlot } from "./pipeline.js";
import { writeS3, type S3SavePlan } from "../../s3/sample-writer.js";
import { writeMseedFiles } from "./mseed-writer.js";

/** File-mode formats written: raw little-endian f64 ("binary") or miniSEED ("mseed", src/db/write/mseed-writer.ts). */
export type FileFormat = "binary" | "mseed";

/** Keys that describe where samples are; the writer replaces them all. */
export const STORAGE_KEYS = ["storage_mode", "gridfs_id", "dir", "dfile", "foff", "nbytes", "format", "url", "s3_bucket", "s3_key"] as const;

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
  /** S3 mode: connection, bucket, key prefix (src/s3/sample-writer.ts). */
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

/** The writer for a storage mode and format (the seam a new format plugs into). */
export function sampleWriterFor(storageMode: "gridfs" | "file" | "s3", format: FileFormat | undefined): SampleWriter {
  if (storageMode === "gridfs") return writeGridfs;
  if (storageMode === "s3") return writeS3;
  switch (format) {
    case undefined:
    case "binary":
      return writeBinaryFiles;
    case "mseed":
      return writeMseedFiles;
  }
}

/** GridFS: one bulk write of every datum (255 KiB chunks, MsPASS's layout). */
const writeGridfs: SampleWriter = async (live, ctx) => {
  const uri = ctx.db.client.connectionString;
  const wanted = live.map((s) => ctx.gridfsId(s));
  const ids = wanted.every((x) => x !== undefined) ? (wanted as string[]) : undefined;
  let written: string[];
  try {
    written = await native.writeGridfsSamples(uri, ctx.db.name, live.map((s) => s.d.data), ids === undefined ? undefined : { ids });
  } catch (err) {
    throw toMsPASSError(err, `${ctx.what}: writing the samples`);
  }
  return {
    records: written.map((g) => ({ storage_mode: "gridfs", gridfs_id: new ObjectId(g) })),
    async undo() {
      try {
        await native.deleteGridfsFiles(uri, ctx.db.name, written);
        return `the ${written.length} GridFS file(s) written were removed`;
      } catch (e) {
        return `the GridFS files ${written.join(", ")} could NOT be removed (${(e as Error).message})`;
      }
    },
  };
};

/** Live slots grouped by file placement (dir, dfile, append or positional), in input order within a group. */
export function groupByPlacement(live: LiveSlot[], ctx: SampleWriteContext): Array<{ place: FilePlacement; at: number[] }> {
  const groups = new Map<string, { place: FilePlacement; at: number[] }>();
  live.forEach((s, i) => {
    const p = ctx.place(s);
    const key = `${p.dir}\0${p.dfile ?? ""}\0${p.startOffset ?? "append"}`;
    // A null dfile means a fresh name per writer call: all such data share that one new file.
    const g = groups.get(key) ?? { place: p, at: [] };
    g.at.push(i);
    groups.set(key, g);
  });
  return [...groups.values()];
}

/**
 * Raw binary files: one core call per (dir, dfile) group, members in input
 * order, one `foff` each; a group is written positionally from byte 0 when
 * its placement says it owns the file, else appended.
 */
const writeBinaryFiles: SampleWriter = async (live, ctx) => {
  const ncomp = ctx.dataType === "Seismogram" ? 3 : 1;
  const records: Array<Record<string, unknown>> = new Array(live.length);
  const appended: string[] = [];
  for (const { place, at } of groupByPlacement(live, ctx)) {
    let w;
    try {
      w = await native.writeFileSamples(path.resolve(place.dir), place.dfile, at.map((i) => live[i]!.d.data), ncomp, place.startOffset ?? null);
    } catch (err) {
      throw toMsPASSError(err, `${ctx.what}: writing the samples`);
    }
    if (place.startOffset === undefined) appended.push(`${w.nbytes.reduce((a, b) => a + b, 0)} bytes appended to ${path.join(w.dir, w.dfile)}`);
    w.foffs.forEach((foff, k) => {
      const r: Record<string, unknown> = { storage_mode: "file", dir: w.dir, dfile: w.dfile, foff: int(foff), nbytes: int(w.nbytes[k]!) };
      r.format = ctx.format ?? "binary"; // MsPASS's save_data always records the format
      records[at[k]!] = r;
    });
  }
  return {
    records,
    // Bytes appended to a file may sit between other writers' records: they stay, unreferenced.
    undo: async () => undefined,
    ...(appended.length > 0 ? { leftover: `(${appended.join(", ")} stay there, unreferenced)` } : {}),
  };
};
