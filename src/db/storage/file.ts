/**
 * storage_mode "file", format "binary" (or none): raw little-endian float64
 * samples in `dir/dfile` at `foff`. Reads go through the core's sample
 * reader (`native.readSamples`); this module writes (positionally or by
 * appending) and deletes a file no document references any more. Appended bytes cannot be undone: they may sit between other
 * writers' records, so they stay, unreferenced, and the error says so.
 */
import { unlink } from "node:fs/promises";
import path from "node:path";
import type { Document } from "mongodb";
import { native, toMsPASSError } from "../../native.js";
import type { Database } from "../database.js";
import {
  int,
  type FilePlacement,
  type LiveSlot,
  type SampleWriteContext,
  type SampleWriter,
} from "./types.js";

/** Live slots grouped by file placement (dir, dfile, append or positional), in input order within a group. */
export function groupByPlacement(
  live: LiveSlot[],
  ctx: SampleWriteContext,
): Array<{ place: FilePlacement; at: number[] }> {
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
export const writeBinaryFiles: SampleWriter = async (live, ctx) => {
  const ncomp = ctx.dataType === "Seismogram" ? 3 : 1;
  const records: Array<Record<string, unknown>> = new Array(live.length);
  const appended: string[] = [];
  for (const { place, at } of groupByPlacement(live, ctx)) {
    let w;
    try {
      w = await native.writeFileSamples(
        path.resolve(place.dir),
        place.dfile,
        at.map((i) => live[i]!.d.data),
        ncomp,
        place.startOffset ?? null,
      );
    } catch (err) {
      throw toMsPASSError(err, `${ctx.what}: writing the samples`);
    }
    if (place.startOffset === undefined)
      appended.push(`${w.nbytes.reduce((a, b) => a + b, 0)} bytes appended to ${path.join(w.dir, w.dfile)}`);
    w.foffs.forEach((foff, k) => {
      const r: Record<string, unknown> = {
        storage_mode: "file",
        dir: w.dir,
        dfile: w.dfile,
        foff: int(foff),
        nbytes: int(w.nbytes[k]!),
      };
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

/**
 * Delete the file of `doc` (`dir`/`dfile`) unless a document of one of
 * `collections` still references it; returns the path deleted, or
 * undefined. A failure is pushed on `left` (what could not be removed).
 */
export async function deleteUnreferencedFile(
  db: Database,
  collections: string[],
  doc: Document,
  left: string[],
): Promise<string | undefined> {
  const ref = { dir: doc.dir as string, dfile: doc.dfile as string };
  for (const c of collections) {
    if ((await db.collection(c).countDocuments(ref, { limit: 1 })) > 0) return undefined;
  }
  const file = path.resolve(ref.dir, ref.dfile);
  try {
    await unlink(file);
    return file;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    left.push(`file ${file} (${(err as Error).message})`);
    return undefined;
  }
}
