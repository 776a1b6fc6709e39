/**
 * THE waveform-write pipeline, shared by `Database.saveData` (src/db/save.ts)
 * and each partition of `writeDistributedData` (src/parallel/write-task.ts).
 *
 * 1. `sortLiveDead`: a dead datum, one with zero samples, or one the
 *    schema mode kills goes to the dead; each other gets its wf document,
 *    built in memory (mode rules, time fields, tmatrix);
 * 2. `writeLive`: the samples of all live data in bulk (src/db/storage:
 *    one GridFS bulk write, or one core call per file), then the elog
 *    documents (one insert), then the wf documents (one insert);
 * 3. `buryDead`: the dead go to `cemetery` / `abortions` (one insert each)
 *    unless `cremate`, and are mummified.
 *
 * What differs between the callers is only the `IdPolicy`:
 * - `randomIds()` (saveData): fresh ObjectIds, plain inserts; if an insert
 *   fails, what this call wrote is removed (best effort) and the error says
 *   what could not be undone;
 * - `derivedIds(job, part)` (a distributed partition, together with its
 *   journal in write-task.ts): deterministic ids, so a re-run partition
 *   writes the same documents; inserts are idempotent (`insertIdempotent`).
 *
 * MsPASS semantics kept here, in one place:
 * - the elog is saved BEFORE the wf document, so its `wf_<Type>_id` is the
 *   datum's PREVIOUS `_id` (the document it was read from), absent for a
 *   datum never saved; the new wf document links to the elog by `elog_id`;
 * - `data_tag` is the one given now, never an old one carried over;
 * - `history_object_id` is not carried over: one read with the datum names
 *   the history of the document it was read from. The wf document gets the
 *   one the history save hook prepared for this save (`pendingHistoryId`,
 *   src/db/history/object-history.ts), as MsPASS's `_save_history` does, or
 *   none.
 */
import { Long, ObjectId, type Document } from "mongodb";
import { MsPASSError } from "../../errors.js";
import type { MetadataValue } from "../../data/metadata.js";
import { buildWfDocument } from "../../schema/wf-document.js";
import { applyBsonTypes } from "../../schema/bson-types.js";
import type { Mode } from "../../schema/modes.js";
import type { Schema } from "../../schema/schema.js";
import { nativeErrorKind, toMsPASSError } from "../../native.js";
import { derivedId } from "./ids.js";
import { elogDocument, mummify, tombstoneDocument } from "../undertaker.js";
import { logSampleWarnings } from "../sample-warnings.js";
import { pendingHistoryId } from "../history/object-history.js";
import type { Database } from "../database.js";
import { sampleWriterFor } from "../storage/index.js";
import { deleteGridfsFiles } from "../storage/gridfs.js";
import { mseedUnwritable } from "../storage/mseed.js";
import type { Atomic } from "../../data/atomic.js";
import {
  STORAGE_KEYS,
  int,
  type FileFormat,
  type FilePlacement,
  type LiveSlot,
  type S3SavePlan,
  type Slot,
} from "../storage/types.js";

export type { LiveSlot, Slot } from "../storage/types.js";
export type { Atomic };

export type TombKind = "cemetery" | "abortions";

/** How the documents of one write get their ids, and whether inserts must tolerate a re-run. */
export interface IdPolicy {
  readonly idempotent: boolean;
  wf(s: Slot): ObjectId;
  elog(s: Slot): ObjectId;
  /** GridFS file id (hex), or undefined: the core picks a fresh one. */
  gridfs(s: Slot): string | undefined;
  tombstone(kind: TombKind, s: Slot): ObjectId;
}

/** Fresh ids, plain inserts (saveData). */
export function randomIds(): IdPolicy {
  return {
    idempotent: false,
    wf: () => new ObjectId(),
    elog: () => new ObjectId(),
    gridfs: () => undefined,
    tombstone: () => new ObjectId(),
  };
}

/** Ids derived from (job, part, kind, item, member): the same on every re-run of a partition. */
export function derivedIds(job: ObjectId, part: string): IdPolicy {
  return {
    idempotent: true,
    wf: (s) => derivedId(job, part, "wf", s.item, s.member),
    elog: (s) => derivedId(job, part, "elog", s.item, s.member),
    gridfs: (s) => derivedId(job, part, "gridfs", s.item, s.member).toHexString(),
    tombstone: (kind, s) => derivedId(job, part, kind, s.item, s.member),
  };
}

/** What both callers resolve their options to. */
export interface WritePlan {
  db: Database;
  schema: Schema;
  /** The call, for messages: e.g. "Database.saveData(mspass.wf_TimeSeries)". */
  what: string;
  /** The algorithm named in elog entries ("saveData", "writeDistributedData"). */
  alg: string;
  collection: string;
  dataType: "TimeSeries" | "Seismogram";
  mode: Mode;
  excludeKeys: string[];
  dataTag?: string;
  cremate: boolean;
  overwrite: boolean;
  storageMode: "gridfs" | "file" | "s3";
  format: FileFormat | undefined;
  /** File mode: where each datum goes. */
  place(s: Slot): FilePlacement;
  /** S3 mode: where the objects go. */
  s3?: S3SavePlan;
  ids: IdPolicy;
  /** Set the stored fields and the new `_id` on each datum written (saveData does, as MsPASS). */
  updateData: boolean;
}

/** Step 1: live and writable data (with their documents) vs the dead (killed, with the reason in their elog). */
export function sortLiveDead(
  slots: Slot[],
  plan: Pick<WritePlan, "alg" | "collection" | "mode" | "excludeKeys" | "schema"> &
    Partial<Pick<WritePlan, "storageMode" | "format" | "dataType">>,
): { live: LiveSlot[]; dead: Slot[] } {
  const live: LiveSlot[] = [];
  const dead: Slot[] = [];
  for (const s of slots) {
    const d = s.d;
    if (d.dead) {
      dead.push(s);
      continue;
    }
    if (d.npts === 0) {
      d.elog.log(plan.alg, "the datum has zero samples; it was killed and not saved", "Invalid");
      d.kill();
      dead.push(s);
      continue;
    }
    // Data miniSEED cannot hold (no channel code, over-long codes) are bad data: killed, not a failed save.
    const unwritable =
      plan.storageMode === "file" && plan.format === "mseed"
        ? mseedUnwritable(d, plan.dataType ?? "TimeSeries")
        : undefined;
    if (unwritable !== undefined) {
      d.elog.log(plan.alg, `${unwritable}; it was killed and not saved`, "Invalid");
      d.kill();
      dead.push(s);
      continue;
    }
    logSampleWarnings(d, plan.alg, plan.storageMode === "file" ? plan.format : undefined);
    const built = buildWfDocument(d, plan.collection, plan.mode, {
      excludeKeys: plan.excludeKeys,
      schema: plan.schema,
    });
    d.elog.append(built.elogEntries);
    if (built.dead) {
      d.kill();
      dead.push(s);
      continue;
    }
    live.push({ ...s, doc: built.doc });
  }
  return { live, dead };
}

/** The `_id` the datum was read from / last saved as, if any (what MsPASS's elog carries). */
function previousId(d: Atomic): ObjectId | undefined {
  const v = d.md.get("_id");
  return v instanceof ObjectId ? v : undefined;
}

/** Step 2: samples, elog, wf documents. Returns the new wf id of each live slot. */
export async function writeLive(
  live: LiveSlot[],
  plan: WritePlan,
  hooks: WriteHooks = {},
): Promise<ObjectId[]> {
  if (live.length === 0) return [];
  const { db, ids } = plan;
  const writer = sampleWriterFor(plan.storageMode, plan.format);
  const samples = await writer(live, {
    db,
    dataType: plan.dataType,
    what: plan.what,
    format: plan.format,
    gridfsId: (s) => ids.gridfs(s),
    place: (s) => plan.place(s),
    ...(plan.s3 === undefined ? {} : { s3: plan.s3 }),
  });
  hooks.afterSamples?.();

  const wfIds = live.map((s) => ids.wf(s));
  const elogDocs: Document[] = [];
  const elogIds = live.map((s) => {
    if (s.d.elog.size === 0) return undefined;
    const e = elogDocument(s.d, previousId(s.d), plan.dataTag);
    e._id = ids.elog(s);
    elogDocs.push(e);
    return e._id as ObjectId;
  });
  const wfDocs = live.map((s, i) => {
    const full: Record<string, unknown> = { ...s.doc };
    for (const k of STORAGE_KEYS) delete full[k];
    delete full.elog_id;
    delete full.data_tag;
    delete full.history_object_id;
    // saveData({ saveHistory }) (src/db/history/object-history.ts) chose this datum's new history id.
    const historyId = pendingHistoryId(s.d);
    if (historyId !== undefined) full.history_object_id = historyId;
    if (full.npts !== undefined) full.npts = int(full.npts as number);
    Object.assign(full, samples.records[i]);
    if (plan.dataTag !== undefined) full.data_tag = plan.dataTag;
    if (elogIds[i] !== undefined) full.elog_id = elogIds[i];
    full._id = wfIds[i];
    return applyBsonTypes(full, plan.collection, { schema: plan.schema });
  });

  if (ids.idempotent) {
    await insertIdempotent(db, "elog", elogDocs, plan.what);
    await hooks.beforeWfInsert?.();
    await insertIdempotent(db, plan.collection, wfDocs, plan.what);
  } else {
    let elogWritten = false;
    try {
      if (elogDocs.length > 0) {
        await db.collection("elog").insertMany(elogDocs);
        elogWritten = true;
      }
      await hooks.beforeWfInsert?.();
      await db.collection(plan.collection).insertMany(wfDocs);
    } catch (err) {
      const notes = [await samples.undo()];
      if (elogWritten)
        notes.push(
          await removeElog(
            db,
            elogIds.filter((x): x is ObjectId => x !== undefined),
          ),
        );
      const done = notes.filter((n): n is string => n !== undefined);
      const undone =
        (done.length > 0 ? done.join("; ") : "nothing had been written to the database") +
        (samples.leftover === undefined ? "" : ` ${samples.leftover}`);
      throw new MsPASSError(
        `${plan.what}: inserting the documents failed, nothing was saved: ${(err as Error).message}; ${undone}`,
        "Fatal",
        { cause: err },
      );
    }
  }

  // The datum now describes what was stored (as MsPASS sets these on the object).
  const oldGridfs: string[] = [];
  live.forEach((s, i) => {
    const old = s.d.md.get("gridfs_id");
    if (plan.overwrite && plan.storageMode === "gridfs" && old instanceof ObjectId)
      oldGridfs.push(old.toHexString());
    if (!plan.updateData) return;
    const md = s.d.md;
    for (const k of STORAGE_KEYS) if (md.has(k)) md.erase(k);
    const historyId = pendingHistoryId(s.d);
    if (historyId !== undefined) md.put("history_object_id", historyId);
    else if (md.has("history_object_id")) md.erase("history_object_id");
    for (const [k, v] of Object.entries(samples.records[i]!))
      md.put(k, (v instanceof Long ? v.toNumber() : v) as MetadataValue);
    md.put("_id", wfIds[i]!);
    if (elogIds[i] !== undefined) md.put("elog_id", elogIds[i]!);
    if (plan.dataTag !== undefined) md.put("data_tag", plan.dataTag);
  });
  // overwrite: the data's previous GridFS files go once the new ones are stored.
  if (oldGridfs.length > 0) {
    const unique = [...new Set(oldGridfs)];
    try {
      await deleteGridfsFiles(db, unique);
    } catch (err) {
      throw toMsPASSError(
        err,
        `${plan.what}: saved, but deleting the overwritten GridFS files ${unique.join(", ")} failed`,
      );
    }
  }
  return wfIds;
}

/** Optional points a caller (or a test's fault injection, via the caller) may act at. */
export interface WriteHooks {
  /** After the samples are stored, before any document is inserted. */
  afterSamples?: () => void;
  /** After the samples and elog are stored, before the wf insert. */
  beforeWfInsert?: () => void | Promise<void>;
}

/** Step 3: bury the dead (unless `cremate`) and mummify them. */
export async function buryDead(
  dead: Slot[],
  plan: Pick<WritePlan, "db" | "what" | "dataTag" | "cremate" | "ids">,
): Promise<void> {
  if (dead.length === 0) return;
  if (!plan.cremate) {
    const docs: Record<TombKind, Document[]> = { cemetery: [], abortions: [] };
    for (const s of dead) {
      const kind: TombKind = s.d.isAbortion ? "abortions" : "cemetery";
      const t = tombstoneDocument(s.d, plan.dataTag);
      t._id = plan.ids.tombstone(kind, s);
      docs[kind].push(t);
    }
    for (const kind of ["cemetery", "abortions"] as const) {
      if (docs[kind].length === 0) continue;
      if (plan.ids.idempotent) await insertIdempotent(plan.db, kind, docs[kind], plan.what);
      else await plan.db.collection(kind).insertMany(docs[kind]);
    }
  }
  for (const s of dead) mummify(s.d);
}

async function removeElog(db: Database, ids: ObjectId[]): Promise<string> {
  try {
    await db.collection("elog").deleteMany({ _id: { $in: ids } });
    return `the ${ids.length} elog document(s) written were removed`;
  } catch (e) {
    return `the elog documents ${ids.map((i) => i.toHexString()).join(", ")} could NOT be removed (${(e as Error).message})`;
  }
}

/**
 * insertMany, unordered, that tolerates a re-run. A duplicate `_id` (the
 * core's DuplicateKey kind) can only come from an earlier attempt of the
 * same write whose insert was still in flight when it was cleaned up (same
 * ids, same content): it counts as written once every id is verified
 * present.
 */
export async function insertIdempotent(
  db: Database,
  collection: string,
  docs: Document[],
  what: string,
): Promise<void> {
  if (docs.length === 0) return;
  const coll = db.collection(collection);
  try {
    await coll.insertMany(docs, { ordered: false });
  } catch (err) {
    if (nativeErrorKind(err) !== "DuplicateKey") {
      throw new MsPASSError(
        `${what}: inserting into ${collection} failed: ${(err as Error).message}`,
        "Fatal",
        { cause: err },
      );
    }
    const ids = docs.map((d) => d._id);
    const n = await coll.countDocuments({ _id: { $in: ids } });
    if (n !== ids.length) {
      throw new MsPASSError(
        `${what}: inserting into ${collection} failed (${ids.length - n} document(s) missing): ${(err as Error).message}`,
        "Fatal",
        {
          cause: err,
        },
      );
    }
  }
}
