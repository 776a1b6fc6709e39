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
 * A datum that cannot be saved — its document cannot be encoded, its
 * samples cannot be stored — is killed with the reason in its elog and
 * buried with the dead; the rest of the partition is written (MsPASS's
 * save_data semantics; `killUnencodable`, `writeLiveOrKill`).
 * The main thread removes the job's journal documents when the job ends.
 *
 * A connection error re-runs the partition's WRITE here (not its upstream
 * stages) until `retryTimeoutMS` has passed; a worker thread that gave up on
 * the server fails every later partition of the job at once, so a job whose
 * database is gone for good fails in about retryTimeoutMS + the server
 * selection timeout whatever its size. A cancelled partition (the job failed
 * elsewhere) stops at its next step. The journal records which slots and
 * files the partition writes and when it ended, so that the main thread can
 * wait for it and remove a failed job's output (write.ts).
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
import {
  buryDead,
  derivedIds,
  sortLiveDead,
  writeLive,
  type Atomic,
  type IdPolicy,
  type LiveSlot,
  type Slot,
  type TombKind,
  type WriteHooks,
  type WritePlan,
} from "../db/write/pipeline.js";
import { encodeDocument } from "../db/bson.js";
import { applyBsonTypes } from "../schema/bson-types.js";
import type { FileFormat, FilePlacement } from "../db/storage/types.js";
import { deleteGridfsFiles } from "../db/storage/gridfs.js";
import { getWorker } from "../scheduler/worker-context.js";
import { taskDatabase } from "./fetch.js";
import { derivedId } from "../db/write/ids.js";
import { ServerGoneError, isConnectionError, withServerRetry } from "./retry.js";

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
  /** How long a partition retries connection errors (ms). */
  retryTimeoutMS: number;
}

/** A partition's journal document (`write_journal`). */
export interface JournalDoc {
  _id: ObjectId;
  job: ObjectId;
  part: string;
  /** Every slot's (item, member) pairs, flat: what the partition's derived ids are made of. */
  slots: number[];
  /** The partition's own sample files (absolute paths). */
  files: string[];
  /** Set when the attempt stopped (finished, failed or cancelled). */
  ended?: Date;
}

/** Per item: the wf id (24 hex) or null (dead); an ensemble gives one per member. */
export type WriteResult = string | null | Array<string | null>;

type AnyEnsemble = TimeSeriesEnsemble | SeismogramEnsemble;

const ALG = "writeDistributedData";

function describeItem(x: unknown): string {
  if (x === null) return "null";
  if (typeof x !== "object") return typeof x;
  const p = Object.getPrototypeOf(x);
  return p === Object.prototype || p === null
    ? "a plain object (a data object that crossed threads loses its class)"
    : (p.constructor?.name ?? "object");
}

/** Per worker thread: the jobs whose server it gave up on (their later partitions fail at once). */
const gaveUp = new Map<string, ServerGoneError>();

/** Save one partition; see the module comment. */
export async function writePartition(items: unknown[], p: WriteParams): Promise<WriteResult[]> {
  const known = gaveUp.get(p.job);
  if (known !== undefined) throw known;
  const db = taskDatabase(p.db, p.dbclientKey, p.server);
  const uri = db.client.connectionString;
  const job = new ObjectId(p.job);
  let part: string;
  let signal: AbortSignal | undefined;
  try {
    const w = getWorker();
    part = `t${w.taskId}`; // stable across re-runs of this partition
    signal = w.taskSignal;
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
  let live = killUnencodable(sorted.live, plan, dead);

  const journalId = derivedId(job, part, "journal", 0);
  const journal = db.collection(JOURNAL_COLLECTION);
  const files = ownFiles(all, p, ownFile);
  const step = () => {
    if (signal?.aborted)
      throw new MsPASSError(
        `${what}: job ${p.job} was cancelled; this partition stopped before writing more`,
        "Fatal",
      );
  };
  const writeOnce = async (): Promise<ObjectId[]> => {
    step();
    // 1. journal: first attempt, or clean up after an earlier one.
    if ((await journal.findOne({ _id: journalId }, { projection: { _id: 1 } })) === null) {
      const slots = all.flatMap((s) => [s.item, s.member]);
      await journal.insertOne({
        _id: journalId,
        job,
        part,
        db: p.db,
        collection: p.collection,
        started: new Date(),
        slots,
        files,
      });
    } else {
      await journal.updateOne({ _id: journalId }, { $unset: { ended: "" } });
      await removeOutput(db, p, all, ids, files);
    }
    // 2.–4. samples, elog, wf documents; the dead.
    step();
    const written = await writeLiveOrKill(
      live,
      dead,
      plan,
      {
        beforeWfInsert: () => {
          step();
          return partitionHooks.beforeWfInsert?.();
        },
      },
      () => removeOutput(db, p, all, ids, files),
      signal,
    );
    live = written.live;
    step();
    await buryDead(dead, plan);
    return written.wfIds;
  };
  let wfIds: ObjectId[];
  try {
    wfIds = await withServerRetry(writeOnce, uri, `${what}, job ${p.job}`, p.retryTimeoutMS, signal);
  } catch (err) {
    if (err instanceof ServerGoneError) gaveUp.set(p.job, err);
    throw err;
  } finally {
    // Best effort (the server may be gone): tells the main thread this attempt stopped.
    await journal.updateOne({ _id: journalId }, { $set: { ended: new Date() } }).catch(() => undefined);
  }

  live.forEach((s, k) => {
    const hex = wfIds[k]!.toHexString();
    if (s.member < 0) results[s.item] = hex;
    else (results[s.item] as Array<string | null>)[s.member] = hex;
  });
  return results;
}

/**
 * Data whose wf document cannot be encoded as BSON (a Metadata value BSON
 * has no type for) die, not the job: each is killed with an elog entry
 * naming the keys, which are erased so that its tombstone can be stored,
 * and the rest of the partition is written (MsPASS's md2doc kills a datum
 * whose document it cannot build; save_data throws only for usage errors).
 */
function killUnencodable(live: LiveSlot[], plan: WritePlan, dead: Slot[]): LiveSlot[] {
  const encodeError = (doc: Record<string, unknown>): string | undefined => {
    try {
      encodeDocument(applyBsonTypes(doc, plan.collection, { schema: plan.schema }), "the wf document");
      return undefined;
    } catch (err) {
      return (err as Error).message;
    }
  };
  return live.filter((s) => {
    const why = encodeError(s.doc);
    if (why === undefined) return true;
    const keys = Object.keys(s.doc).filter((k) => encodeError({ [k]: s.doc[k] }) !== undefined);
    for (const k of keys) if (s.d.md.has(k)) s.d.md.erase(k);
    s.d.elog.log(
      ALG,
      `${why}; Metadata ${keys.map((k) => `"${k}"`).join(", ")} erased, the datum was killed and not saved`,
      "Invalid",
    );
    s.d.kill();
    dead.push(s);
    return false;
  });
}

/**
 * Write the live data. When storing the samples fails for a reason other
 * than the connection (a file that cannot be created or written, records
 * that cannot be packed), the attempt's output is removed and the data are
 * written again one storage unit at a time (one file in file mode, one
 * datum in GridFS), so only the data of a unit that fails again die, with
 * the error in their elog, and are buried with the dead: MsPASS's save_data
 * kills a datum whose samples cannot be written and goes on. A failure
 * after the samples are stored (a document insert) still fails the
 * partition, as does a cancelled job.
 */
async function writeLiveOrKill(
  live: LiveSlot[],
  dead: Slot[],
  plan: WritePlan,
  hooks: WriteHooks,
  removeAttempt: () => Promise<unknown>,
  signal: AbortSignal | undefined,
): Promise<{ live: LiveSlot[]; wfIds: ObjectId[] }> {
  const attempt = async (slots: LiveSlot[]) => {
    let stored = false;
    try {
      return await writeLive(slots, plan, { ...hooks, afterSamples: () => (stored = true) });
    } catch (err) {
      if (stored || signal?.aborted || isConnectionError(err)) throw err;
      return err instanceof Error ? err : new Error(String(err));
    }
  };
  const all = await attempt(live);
  if (!(all instanceof Error)) return { live, wfIds: all };
  await removeAttempt();
  const kept: LiveSlot[] = [];
  const wfIds: ObjectId[] = [];
  const failedGridfs: string[] = [];
  for (const unit of storageUnits(live, plan)) {
    const r = await attempt(unit);
    if (!(r instanceof Error)) {
      kept.push(...unit);
      wfIds.push(...r);
      continue;
    }
    for (const s of unit) {
      s.d.elog.log(
        ALG,
        `its samples could not be stored: ${r.message}; it was killed and not saved`,
        "Invalid",
      );
      s.d.kill();
      dead.push(s);
      const fsId = plan.ids.gridfs(s);
      if (plan.storageMode === "gridfs" && fsId !== undefined) failedGridfs.push(fsId);
    }
  }
  // Whatever a failed GridFS write left (its ids are this partition's own).
  if (failedGridfs.length > 0) await deleteGridfsFiles(plan.db, failedGridfs);
  return { live: kept, wfIds };
}

/** The groups of data that share their sample storage: one file each in file mode, else one datum each. */
function storageUnits(live: LiveSlot[], plan: WritePlan): LiveSlot[][] {
  if (plan.storageMode !== "file") return live.map((s) => [s]);
  const byFile = new Map<string, LiveSlot[]>();
  for (const s of live) {
    const f = plan.place(s);
    const key = path.join(f.dir, f.dfile ?? "");
    const unit = byFile.get(key);
    if (unit === undefined) byFile.set(key, [s]);
    else unit.push(s);
  }
  return [...byFile.values()];
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
  return dfile === undefined
    ? { dir: path.resolve(p.cwd, dir), dfile: ownFile, startOffset: 0 }
    : { dir: path.resolve(p.cwd, dir), dfile };
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

/** The partition's own files (not user-named shared ones, which are never touched). */
function ownFiles(all: Slot[], p: WriteParams, ownFile: string): string[] {
  if (p.storageMode !== "file") return [];
  return [
    ...new Set(
      all
        .map((s) => placeInFile(s.d, p, ownFile))
        .filter((f) => f.startOffset === 0)
        .map((f) => path.join(f.dir, ownFile)),
    ),
  ];
}

/**
 * Remove whatever an attempt of this partition may have written: every
 * slot's derived ids (live or dead now: this must not depend on an earlier
 * attempt having classified them the same way) and the partition's own files.
 */
async function removeOutput(
  db: Database,
  p: WriteParams,
  all: Array<Pick<Slot, "item" | "member">>,
  ids: IdPolicy,
  files: string[],
): Promise<number> {
  const what = `writeDistributedData(${p.db}.${p.collection}): removing an earlier attempt's output`;
  const idsOf = (kind: "wf" | "elog" | TombKind) =>
    all.map((s) =>
      kind === "wf"
        ? ids.wf(s as Slot)
        : kind === "elog"
          ? ids.elog(s as Slot)
          : ids.tombstone(kind, s as Slot),
    );
  try {
    if (p.storageMode === "gridfs") {
      const fsIds = all.map((s) => ids.gridfs(s as Slot)!);
      await deleteGridfsFiles(db, fsIds);
    }
    // A positional rewrite from byte 0 would cut the file anyway; removing
    // it matters when nothing live is written now. A dead attempt's late
    // write can recreate it only with the same bytes.
    for (const f of files) await rmFile(f);
    if (all.length === 0) return 0;
    const removed = await db.collection(p.collection).deleteMany({ _id: { $in: idsOf("wf") } });
    await db.collection("elog").deleteMany({ _id: { $in: idsOf("elog") } });
    await db.collection("cemetery").deleteMany({ _id: { $in: idsOf("cemetery") } });
    await db.collection("abortions").deleteMany({ _id: { $in: idsOf("abortions") } });
    return removed.deletedCount;
  } catch (err) {
    throw toMsPASSError(err, what);
  }
}

/** Remove a file; one that cannot exist (a missing directory, or a file where one is named) is fine. */
async function rmFile(f: string): Promise<void> {
  try {
    await rm(f, { force: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOTDIR") throw err;
  }
}

/**
 * Remove everything a partition recorded in its journal document wrote
 * (the main thread's rollback of a failed job). Returns the number of wf
 * documents removed.
 */
export async function removeJournaledOutput(db: Database, p: WriteParams, j: JournalDoc): Promise<number> {
  const slots: Array<Pick<Slot, "item" | "member">> = [];
  for (let k = 0; k + 1 < j.slots.length; k += 2) slots.push({ item: j.slots[k]!, member: j.slots[k + 1]! });
  return removeOutput(db, p, slots, derivedIds(new ObjectId(p.job), j.part), j.files);
}
