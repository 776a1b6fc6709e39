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
 * 2. samples are written (the shared pipeline, src/db/write/pipeline.ts):
 *    GridFS with the deterministic file ids; in file mode each datum's own
 *    `dfile` is appended to (as MsPASS), the others go to ONE file per
 *    partition, `<job>-<task>-binary`, rewritten from byte 0 (so a retry
 *    leaves no bytes without a document there);
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
import { rm } from "node:fs/promises";
import { ObjectId } from "mongodb";
import { MsPASSError } from "../errors.js";
import { TimeSeries } from "../data/time-series.js";
import { Seismogram } from "../data/seismogram.js";
import { SeismogramEnsemble, TimeSeriesEnsemble } from "../data/ensemble.js";
import type { Mode } from "../schema/modes.js";
import { toMsPASSError } from "../native.js";
import type { Database } from "../db/database.js";
import { buryDead, derivedIds, sortLiveDead, writeLive, type Atomic, type IdPolicy, type Slot, type TombKind, type WriteHooks, type WritePlan } from "../db/write/pipeline.js";
import type { FileFormat, FilePlacement } from "../db/storage/types.js";
import { deleteGridfsFiles } from "../db/storage/gridfs.js";
import { getWorker } from "../scheduler/worker-context.js";
import { taskDatabase } from "./fetch.js";
import { derivedId } from "../db/write/ids.js";

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
  /** File mode: the `dir` option (absolute), which wins over each datum's Metadata `dir`. */
  dir?: string;
  /** The caller's working directory: file mode's last-resort `dir`. */
  cwd: string;
  /** File mode: the `format` written ("binary", "mseed" or none), as saveData. */
  format: FileFormat | undefined;
  mode: Mode;
  excludeKeys: string[];
  dataTag?: string;
  cremate: boolean;
  overwrite: boolean;
}

/** Per item: the wf id (24 hex) or null (dead); an ensemble gives one per member. */
export type WriteResult = string | null | Array<string | null>;

type AnyEnsemble = TimeSeriesEnsemble | SeismogramEnsemble;

const ALG = "writeDistributedData";

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
  const ids = derivedIds(job, part);
  const what = `writeDistributedData(${p.db}.${p.collection})`;
  // The partition's own file: named by (job, part), rewritten from byte 0.
  const ownFile = `${p.job}-${part}-binary`;
  const plan: WritePlan = {
    db,
    schema: db.schema,
    what,
    alg: ALG,
    collection: p.collection,
    dataType: p.dataType,
    mode: p.mode,
    excludeKeys: p.excludeKeys,
    ...(p.dataTag === undefined ? {} : { dataTag: p.dataTag }),
    cremate: p.cremate,
    overwrite: p.overwrite,
    storageMode: p.storageMode,
    format: p.format,
    place: (s) => placeInFile(s.d, p, ownFile),
    ids,
    updateData: false,
  };

  // Which data are written, which are buried; the documents, in memory.
  const Type = p.dataType === "Seismogram" ? Seismogram : TimeSeries;
  const EnsType = p.dataType === "Seismogram" ? SeismogramEnsemble : TimeSeriesEnsemble;
  const candidates: Slot[] = [];
  const dead: Slot[] = [];
  const results: WriteResult[] = [];
  items.forEach((x, i) => {
    if (x instanceof Type) {
      candidates.push({ item: i, member: -1, d: x });
      results.push(null);
    } else if (x instanceof EnsType) {
      const ens = x as AnyEnsemble;
      const members = ens.member as Atomic[];
      if (ens.dead) for (const [j, d] of members.entries()) dead.push({ item: i, member: j, d });
      else {
        ens.syncMetadata();
        for (const [j, d] of members.entries()) candidates.push({ item: i, member: j, d });
      }
      results.push(members.map(() => null));
    } else {
      throw new MsPASSError(
        `${what}: bag item ${i} is ${describeItem(x)}; collection ${p.collection} takes ${p.dataType} or ${p.dataType}Ensemble`,
        "Invalid",
      );
    }
  });
  const all = [...candidates, ...dead];
  const sorted = sortLiveDead(candidates, plan);
  dead.push(...sorted.dead);

  // 1. journal: first attempt, or clean up after an earlier one.
  const journalId = derivedId(job, part, "journal", 0);
  const journal = db.collection(JOURNAL_COLLECTION);
  if ((await journal.findOne({ _id: journalId }, { projection: { _id: 1 } })) === null) {
    await journal.insertOne({ _id: journalId, job: job, part, db: p.db, collection: p.collection, started: new Date() });
  } else {
    await cleanup(db, p, all, ids, ownFile);
  }

  // 2.–4. samples, elog, wf documents; the dead.
  const wfIds = await writeLive(sorted.live, plan, { beforeWfInsert: () => partitionHooks.beforeWfInsert?.() });
  await buryDead(dead, plan);

  sorted.live.forEach((s, k) => {
    const hex = wfIds[k]!.toHexString();
    if (s.member < 0) results[s.item] = hex;
    else (results[s.item] as Array<string | null>)[s.member] = hex;
  });
  return results;
}

/**
 * File mode, where a datum goes (as MsPASS: each datum's own `dir`/`dfile`).
 * `dir`: the job's `dir` option if given, else the datum's Metadata `dir`,
 * else the working directory (saveData's order). `dfile`: the datum's
 * Metadata `dfile` (appended to, as MsPASS; a re-run partition appends
 * again and the earlier attempt's bytes stay unreferenced — see
 * docs/parallel.md), else the partition's own file, written positionally
 * from byte 0 so a re-run leaves no stray bytes.
 */
function placeInFile(d: Atomic, p: WriteParams, ownFile: string): FilePlacement {
  const dir = p.dir ?? stringKey(d, "dir") ?? p.cwd;
  const dfile = stringKey(d, "dfile");
  return dfile === undefined ? { dir: path.resolve(p.cwd, dir), dfile: ownFile, startOffset: 0 } : { dir: path.resolve(p.cwd, dir), dfile };
}

function stringKey(d: Atomic, key: string): string | undefined {
  const v = d.md.get(key);
  return typeof v === "string" && v !== "" ? v : undefined;
}

/**
 * @internal Points in a partition's write where a test may inject a fault
 * from its OWN module (a stage that runs before the write in the same worker
 * sets them; see test/parallel-write-fault.test.ts). Empty in production.
 */
export const partitionHooks: WriteHooks = {};

/** Remove whatever an earlier attempt of this partition may have written. */
async function cleanup(
  db: Database,
  p: WriteParams,
  all: Slot[],
  ids: IdPolicy,
  ownFile: string,
): Promise<void> {
  const what = `writeDistributedData(${p.db}.${p.collection}): removing an earlier attempt's output`;
  // Every slot, live or dead now: the earlier attempt saw the same items, but
  // this cleanup must not depend on it having classified them the same way.
  const idsOf = (kind: "wf" | "elog" | TombKind) =>
    all.map((s) => (kind === "wf" ? ids.wf(s) : kind === "elog" ? ids.elog(s) : ids.tombstone(kind, s)));
  try {
    if (p.storageMode === "gridfs") {
      await deleteGridfsFiles(db, all.map((s) => ids.gridfs(s)!));
    } else {
      // The rewrite below is positional from byte 0 and cuts the file at its
      // end, so this removal only matters when nothing live is written now;
      // a dead attempt's late write can recreate the file only with the same
      // bytes the retry writes.
      // Only the partition's own files: a user-named (shared) file is never touched.
      const own = new Set(all.map((s) => placeInFile(s.d, p, ownFile)).filter((f) => f.startOffset === 0).map((f) => path.join(f.dir, ownFile)));
      for (const f of own) await rm(f, { force: true });
    }
    if (all.length > 0) {
      await db.collection(p.collection).deleteMany({ _id: { $in: idsOf("wf") } });
      await db.collection("elog").deleteMany({ _id: { $in: idsOf("elog") } });
      await db.collection("cemetery").deleteMany({ _id: { $in: idsOf("cemetery") } });
      await db.collection("abortions").deleteMany({ _id: { $in: idsOf("abortions") } });
    }
  } catch (err) {
    throw toMsPASSError(err, what);
  }
}
