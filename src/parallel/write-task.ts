/**
 * The worker side of writeDistributedData: saves one bag partition,
 * idempotently.
 *
 * A partition may run more than once: its worker can die after writing
 * part of it (the scheduler then re-runs it), or after finishing but before
 * reporting. So everything it writes has a DETERMINISTIC id (ids.ts) from
 * (job, partition task id, item, member), and:
 *
 * 1. a journal document `{_id: id(job, task, "journal")}` in
 *    `write_journal` is looked up by `_id` (cheap). Absent → first attempt:
 *    it is inserted. Present → an earlier attempt ran: everything that
 *    attempt could have written is removed first — its GridFS files and
 *    chunks (by their deterministic ids), its wf / elog / cemetery /
 *    abortions documents (by `_id`), and its sample file is truncated;
 * 2. samples are written: GridFS with the deterministic file ids, or ONE
 *    file per partition, `<job>-<task>-binary` in `dir`, rewritten from
 *    byte 0 (so a retry leaves no bytes without a document);
 * 3. elog documents, then the wf documents with ONE insertMany for the
 *    partition (unordered; a duplicate `_id` left by a racing earlier
 *    attempt counts as written after checking it is there);
 * 4. the dead are buried (cemetery / abortions, deterministic ids) unless
 *    `cremate`.
 * The main thread removes the job's journal documents when the job ends.
 *
 * This relies on the pipeline before the write being deterministic per
 * partition (same items in the same order when re-run), as dask's
 * recomputation does.
 */
import path from "node:path";
import { unlinkSync } from "node:fs";
import { rm } from "node:fs/promises";
import { Long, ObjectId, type Document } from "mongodb";
import { MsPASSError } from "../errors.js";
import type { MetadataValue } from "../data/metadata.js";
import { TimeSeries } from "../data/time-series.js";
import { Seismogram } from "../data/seismogram.js";
import { SeismogramEnsemble, TimeSeriesEnsemble } from "../data/ensemble.js";
import { buildWfDocument } from "../schema/wf-document.js";
import { applyBsonTypes } from "../schema/bson-types.js";
import type { Mode } from "../schema/modes.js";
import { native, toMsPASSError } from "../native.js";
import { elogDocument, mummify, tombstoneDocument } from "../db/undertaker.js";
import type { Database } from "../db/database.js";
import { getWorker } from "../scheduler/worker-context.js";
import { taskDatabase } from "./fetch.js";
import { derivedId, type IdKind } from "./ids.js";

export const JOURNAL_COLLECTION = "write_journal";

export interface WriteParams {
  db: string;
  /** uriTag of the caller's Database's server (see fetch.ts taskDatabase). */
  server: string;
  dbclientKey: string;
  /** Job id (24 hex). */
  job: string;
  collection: string;
  dataType: "TimeSeries" | "Seismogram";
  storageMode: "gridfs" | "file";
  /** Absolute directory for file mode. */
  dir: string;
  mode: Mode;
  excludeKeys: string[];
  dataTag?: string;
  cremate: boolean;
  overwrite: boolean;
}

/** Per item: the wf id (24 hex) or null (dead); an ensemble gives one per member. */
export type WriteResult = string | null | Array<string | null>;

type Atomic = TimeSeries | Seismogram;
type AnyEnsemble = TimeSeriesEnsemble | SeismogramEnsemble;

const STORAGE_KEYS = ["storage_mode", "gridfs_id", "dir", "dfile", "foff", "nbytes", "format", "url"] as const;
const INT32_MAX = 2_147_483_647;
const ALG = "writeDistributedData";

function int(n: number): number | Long {
  return n > INT32_MAX ? Long.fromNumber(n) : n;
}

interface Slot {
  item: number;
  member: number;
  d: Atomic;
  doc?: Record<string, MetadataValue>;
}

function describeItem(x: unknown): string {
  if (x === null) return "null";
  if (typeof x !== "object") return typeof x;
  const p = Object.getPrototypeOf(x);
  return p === Object.prototype || p === null ? "a plain object (a data object that crossed threads loses its class)" : (p.constructor?.name ?? "object");
}

/** Save one partition; see the module comment. */
export async function writePartition(items: unknown[], p: WriteParams): Promise<WriteResult[]> {
  const db = taskDatabase(p.db, p.dbclientKey, p.server);
  const job = new ObjectId(p.job);
  let part: string;
  try {
    part = `t${getWorker().taskId}`; // stable across re-runs of this partition
  } catch {
    part = `n${new ObjectId().toHexString()}`; // scheduler "none": in this thread, never re-run
  }
  const id = (kind: IdKind, item: number, member = -1) => derivedId(job, part, kind, item, member);
  const uri = db.client.connectionString;
  const what = `writeDistributedData(${p.db}.${p.collection})`;

  // Which data are written, which are buried; the documents, in memory.
  const Type = p.dataType === "Seismogram" ? Seismogram : TimeSeries;
  const EnsType = p.dataType === "Seismogram" ? SeismogramEnsemble : TimeSeriesEnsemble;
  const live: Slot[] = [];
  const dead: Slot[] = [];
  const results: WriteResult[] = [];
  items.forEach((x, i) => {
    if (x instanceof Type) {
      classify({ item: i, member: -1, d: x }, live, dead, p, db);
      results.push(null);
    } else if (x instanceof EnsType) {
      const ens = x as AnyEnsemble;
      const members = ens.member as Atomic[];
      if (ens.dead) for (const [j, d] of members.entries()) dead.push({ item: i, member: j, d });
      else {
        ens.syncMetadata();
        for (const [j, d] of members.entries()) classify({ item: i, member: j, d }, live, dead, p, db);
      }
      results.push(members.map(() => null));
    } else {
      throw new MsPASSError(
        `${what}: bag item ${i} is ${describeItem(x)}; collection ${p.collection} takes ${p.dataType} or ${p.dataType}Ensemble`,
        "Invalid",
      );
    }
  });
  const all = [...live, ...dead];
  const wfIds = live.map((s) => id("wf", s.item, s.member));
  const gridfsIds = p.storageMode === "gridfs" ? live.map((s) => id("gridfs", s.item, s.member).toHexString()) : [];
  const dfile = `${p.job}-${part}-binary`;

  // 1. journal: first attempt, or clean up after an earlier one.
  const journalId = id("journal", 0);
  const journal = db.collection(JOURNAL_COLLECTION);
  if ((await journal.findOne({ _id: journalId }, { projection: { _id: 1 } })) === null) {
    await journal.insertOne({ _id: journalId, job: job, part, db: p.db, collection: p.collection, started: new Date() });
  } else {
    await cleanup(db, uri, p, all, id, dfile);
  }

  // 2. samples.
  const storage: Array<Record<string, unknown>> = [];
  if (live.length > 0) {
    const datas = live.map((s) => s.d.data);
    try {
      if (p.storageMode === "gridfs") {
        const ids = await native.writeGridfsSamples(uri, db.name, datas, { ids: gridfsIds });
        for (const g of ids) storage.push({ storage_mode: "gridfs", gridfs_id: new ObjectId(g) });
      } else {
        // From byte 0, positionally, file cut at the partition's end: the file
        // is this partition's alone, so a dead attempt's late (identical)
        // write lands on the same bytes instead of appending a second copy.
        const w = await native.writeFileSamples(p.dir, dfile, datas, p.dataType === "Seismogram" ? 3 : 1, 0);
        w.foffs.forEach((foff, i) => storage.push({ storage_mode: "file", dir: w.dir, dfile: w.dfile, foff: int(foff), nbytes: int(w.nbytes[i]!) }));
      }
    } catch (err) {
      throw toMsPASSError(err, `${what}: writing the samples`);
    }
  }

  // 3. elog, then the wf documents: one insert each for the partition.
  const elogDocs: Document[] = [];
  const wfDocs = live.map((s, k) => {
    let elogId: ObjectId | undefined;
    if (s.d.elog.size > 0) {
      const e = elogDocument(s.d, wfIds[k], p.dataTag);
      e._id = elogId = id("elog", s.item, s.member);
      elogDocs.push(e);
    }
    const full: Record<string, unknown> = { ...s.doc };
    for (const key of STORAGE_KEYS) delete full[key];
    delete full.elog_id;
    delete full.data_tag;
    if (full.npts !== undefined) full.npts = int(full.npts as number);
    Object.assign(full, storage[k]);
    if (p.dataTag !== undefined) full.data_tag = p.dataTag;
    if (elogId !== undefined) full.elog_id = elogId;
    full._id = wfIds[k];
    return applyBsonTypes(full, p.collection, { schema: db.schema });
  });
  await insertIdempotent(db, "elog", elogDocs, what);
  crashHookForTests();
  await insertIdempotent(db, p.collection, wfDocs, what);

  // 4. the dead.
  if (dead.length > 0) {
    if (!p.cremate) {
      const cemetery: Document[] = [];
      const abortions: Document[] = [];
      for (const s of dead) {
        const t = tombstoneDocument(s.d, p.dataTag);
        const kind = s.d.isAbortion ? "abortions" : "cemetery";
        t._id = id(kind, s.item, s.member);
        (kind === "abortions" ? abortions : cemetery).push(t);
      }
      await insertIdempotent(db, "cemetery", cemetery, what);
      await insertIdempotent(db, "abortions", abortions, what);
    }
    for (const s of dead) mummify(s.d);
  }

  // overwrite: the data's previous GridFS files go once the new ones are stored.
  if (p.overwrite && p.storageMode === "gridfs") {
    const old = live.map((s) => s.d.md.get("gridfs_id")).filter((g): g is ObjectId => g instanceof ObjectId).map((g) => g.toHexString());
    if (old.length > 0) {
      try {
        await native.deleteGridfsFiles(uri, db.name, [...new Set(old)]);
      } catch (err) {
        throw toMsPASSError(err, `${what}: saved, but deleting the overwritten GridFS files failed`);
      }
    }
  }

  live.forEach((s, k) => {
    const hex = wfIds[k]!.toHexString();
    if (s.member < 0) results[s.item] = hex;
    else (results[s.item] as Array<string | null>)[s.member] = hex;
  });
  return results;
}

/**
 * INTERNAL, for the fault tests only (test/parallel-write-fault.test.ts):
 * when the environment variable MSPASS_INTERNAL_WRITE_CRASH_MARKER names a
 * file that exists, the first partition to get here removes it and its
 * worker dies (process.exit in a worker thread ends that thread) — after its
 * samples and elog are written, before its wf insertMany. unlinkSync lets
 * exactly one partition win. Not part of the API; unset, it costs one
 * environment lookup per partition.
 */
function crashHookForTests(): void {
  const marker = process.env.MSPASS_INTERNAL_WRITE_CRASH_MARKER;
  if (!marker) return;
  try {
    unlinkSync(marker);
  } catch {
    return; // already used (or never armed): write normally
  }
  process.exit(7);
}

/** Live and writable → `live` (with its document); otherwise → `dead` (killed, with the reason in its elog). */
function classify(s: Slot, live: Slot[], dead: Slot[], p: WriteParams, db: Database): void {
  const d = s.d;
  if (d.dead) {
    dead.push(s);
    return;
  }
  if (d.npts === 0) {
    d.elog.log(ALG, "the datum has zero samples; it was killed and not saved", "Invalid");
    d.kill();
    dead.push(s);
    return;
  }
  const built = buildWfDocument(d, p.collection, p.mode, { excludeKeys: p.excludeKeys, schema: db.schema });
  d.elog.append(built.elogEntries);
  if (built.dead) {
    d.kill();
    dead.push(s);
    return;
  }
  s.doc = built.doc;
  live.push(s);
}

/** Remove whatever an earlier attempt of this partition may have written. */
async function cleanup(
  db: Database,
  uri: string,
  p: WriteParams,
  all: Slot[],
  id: (kind: IdKind, item: number, member?: number) => ObjectId,
  dfile: string,
): Promise<void> {
  const what = `writeDistributedData(${p.db}.${p.collection}): removing an earlier attempt's output`;
  // Every slot, live or dead now: the earlier attempt saw the same items, but
  // this cleanup must not depend on it having classified them the same way.
  const ids = (kind: IdKind) => all.map((s) => id(kind, s.item, s.member));
  try {
    if (p.storageMode === "gridfs") {
      const fsIds = all.map((s) => id("gridfs", s.item, s.member).toHexString());
      if (fsIds.length > 0) await native.deleteGridfsFiles(uri, db.name, fsIds);
    } else {
      // The rewrite below is positional from byte 0 and cuts the file at its
      // end, so this removal only matters when nothing live is written now;
      // a dead attempt's late write can recreate the file only with the same
      // bytes the retry writes.
      await rm(path.join(p.dir, dfile), { force: true });
    }
    if (all.length > 0) {
      await db.collection(p.collection).deleteMany({ _id: { $in: ids("wf") } });
      await db.collection("elog").deleteMany({ _id: { $in: ids("elog") } });
      await db.collection("cemetery").deleteMany({ _id: { $in: ids("cemetery") } });
      await db.collection("abortions").deleteMany({ _id: { $in: ids("abortions") } });
    }
  } catch (err) {
    throw toMsPASSError(err, what);
  }
}

const DUPLICATE = /E11000|duplicate key/i;

/**
 * insertMany, unordered. A duplicate `_id` can only come from an earlier
 * attempt of this partition whose insert was still in flight when it was
 * cleaned up (same ids, same content): it counts as written once every id
 * is verified present.
 */
async function insertIdempotent(db: Database, collection: string, docs: Document[], what: string): Promise<void> {
  if (docs.length === 0) return;
  const coll = db.collection(collection);
  try {
    await coll.insertMany(docs, { ordered: false });
  } catch (err) {
    if (!DUPLICATE.test((err as Error).message)) {
      throw new MsPASSError(`${what}: inserting into ${collection} failed: ${(err as Error).message}`, "Fatal", { cause: err });
    }
    const ids = docs.map((d) => d._id);
    const n = await coll.countDocuments({ _id: { $in: ids } });
    if (n !== ids.length) {
      throw new MsPASSError(`${what}: inserting into ${collection} failed (${ids.length - n} document(s) missing): ${(err as Error).message}`, "Fatal", {
        cause: err,
      });
    }
  }
}
