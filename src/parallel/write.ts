/**
 * `writeDistributedData` (MsPASS's `write_distributed_data`): save a bag of
 * TimeSeries / Seismograms (or their ensembles) on the workers and return
 * the new wf ids — `null` for dead data, a list per ensemble.
 *
 *     const ids = await writeDistributedData(bag, db, { storageMode: "file", dir: "/data/wf", dataTag: "x" });
 *
 * As in MsPASS it always computes the bag (with `scheduler`, default the
 * oldest open scheduler), each partition writes its samples in bulk
 * and its wf documents with ONE insertMany, and the dead are buried unless
 * `cremate`. Unlike MsPASS a partition may be re-run safely (after a worker
 * died): see write-task.ts for how the write is made idempotent. Partitions
 * are re-run up to `retries` times (default 3).
 *
 * The per-job parameters travel with each partition task, as the extra
 * argument of `mapPartitions(writePartition, params)`.
 */
import path from "node:path";
import { ObjectId } from "mongodb";
import { MsPASSError, maskCredentials } from "../errors.js";
import { Database } from "../db/database.js";
import { resolveWfCollection } from "../db/io-options.js";
import { Bag, type ComputeOptions } from "../scheduler/bag.js";
import { task } from "../scheduler/task-ref.js";
import type { Mode } from "../schema/modes.js";
import { fetchDbhandle, rememberClient, DEFAULT_DBCLIENT_KEY } from "./fetch.js";
import { optExcludeKeys, optMode, optPositiveInt, optRetryTimeout } from "./options.js";
import { checkKeys, optBool, optString, describe, sleep } from "../option-checks.js";
import {
  JOURNAL_COLLECTION,
  removeJournaledOutput,
  type JournalDoc,
  type WriteParams,
  type WriteResult,
} from "./write-task.js";
import { schedulerOption, type Scheduler } from "../scheduler/scheduler.js";
import type { FileFormat } from "../db/storage/types.js";

export interface WriteDistributedOptions {
  /** "gridfs" (default) or "file". */
  storageMode?: "gridfs" | "file";
  /**
   * File mode: the directory. As MsPASS, each datum's own Metadata `dir` and
   * `dfile` are honoured: `dir` is this option, else the datum's `dir`, else
   * the working directory; a datum with a `dfile` is appended to that file,
   * the others go to one file per partition, `<job>-<task>-binary`.
   */
  dir?: string;
  /** File mode: "binary" (raw f64; default none, read as binary) or "mseed" (miniSEED, as saveData). */
  format?: FileFormat;
  /** Waveform collection (default "wf_TimeSeries"; "wf_Seismogram" for Seismograms). */
  collection?: string;
  /** Stored as `data_tag`. */
  dataTag?: string;
  /** Dead data are dropped instead of buried in cemetery / abortions. */
  cremate?: boolean;
  /** GridFS: delete each datum's previous GridFS file (its `gridfs_id`) once the new one is stored. */
  overwrite?: boolean;
  /** "promiscuous" (default), "cautious" or "pedantic". */
  mode?: Mode;
  /** Metadata keys not saved. */
  excludeKeys?: string[];
  /** "local" (default: the oldest open scheduler), "none" (this thread) or a scheduler. */
  scheduler?: "local" | "none" | Scheduler;
  /** Re-runs of a partition whose worker died or that failed (default 3). */
  retries?: number;
  /** How long a partition retries its write after connection errors (default 30 s), on top of the pool's server selection timeout. */
  retryTimeoutMS?: number;
  /** worker.data key of the workers' MongoDBWorker (default "dbclient"). */
  dbclientKey?: string;
}

/** Per datum its wf id, `null` when dead; an ensemble gives a list (MsPASS's list of lists). */
export type WriteDistributedResult = Array<ObjectId | null | Array<ObjectId | null>>;

const FN = "writeDistributedData";
const KEYS = [
  "storageMode",
  "dir",
  "format",
  "collection",
  "dataTag",
  "cremate",
  "overwrite",
  "mode",
  "excludeKeys",
  "scheduler",
  "retries",
  "retryTimeoutMS",
  "dbclientKey",
] as const;
const writer = task<(items: unknown[], p: WriteParams) => Promise<WriteResult[]>>(
  new URL("./write-task.js", import.meta.url).href,
  "writePartition",
);

export async function writeDistributedData(
  bag: Bag<unknown>,
  db: Database | string,
  options?: WriteDistributedOptions,
): Promise<WriteDistributedResult> {
  const o = checkKeys(options, KEYS, FN);
  if (!(bag instanceof Bag))
    throw new MsPASSError(
      `${FN}: data must be a Bag (e.g. from readDistributedData or fromSequence), got ${describe(bag)}`,
      "Invalid",
    );
  if (!(db instanceof Database) && typeof db !== "string") {
    throw new MsPASSError(`${FN}: db must be a Database or a database name, got ${describe(db)}`, "Invalid");
  }
  const database = fetchDbhandle(db);
  const storageMode = o.storageMode ?? "gridfs";
  if (storageMode !== "gridfs" && storageMode !== "file") {
    throw new MsPASSError(
      `${FN}: storageMode must be "gridfs" or "file", got ${describe(storageMode)}`,
      "Invalid",
    );
  }
  const { collection, dataType } = resolveWfCollection(database.schema, o.collection ?? "wf_TimeSeries", FN);
  const overwrite = optBool(o.overwrite, "overwrite", FN);
  if (overwrite && storageMode !== "gridfs")
    throw new MsPASSError(`${FN}: overwrite works only with storageMode "gridfs"`, "Invalid");
  const dir = optString(o.dir, "dir", FN);
  if (dir !== undefined && storageMode !== "file")
    throw new MsPASSError(`${FN}: dir applies only to storageMode "file"`, "Invalid");
  const format = optString(o.format, "format", FN);
  if (format !== undefined && format !== "binary" && format !== "mseed") {
    throw new MsPASSError(
      `${FN}: format ${JSON.stringify(format)} is not supported; "binary" (or no format) and "mseed" are written`,
      "Invalid",
    );
  }
  const dataTag = optString(o.dataTag, "dataTag", FN);
  const scheduler = schedulerOption(FN, o.scheduler);
  const retries = optPositiveInt(FN, o, "retries", true) ?? 3;
  const job = new ObjectId();
  const params: WriteParams = {
    db: database.name,
    server: rememberClient(database.client),
    dbclientKey: optString(o.dbclientKey, "dbclientKey", FN) ?? DEFAULT_DBCLIENT_KEY,
    job: job.toHexString(),
    collection,
    dataType,
    storageMode,
    ...(dir === undefined ? {} : { dir: path.resolve(dir) }),
    cwd: process.cwd(),
    format: format as FileFormat | undefined,
    mode: optMode(FN, o),
    excludeKeys: optExcludeKeys(FN, o),
    ...(dataTag === undefined ? {} : { dataTag }),
    cremate: optBool(o.cremate, "cremate", FN),
    overwrite,
    retryTimeoutMS: optRetryTimeout(FN, o),
  };
  const compute: ComputeOptions = { retries, ...(scheduler === undefined ? {} : { scheduler }) };
  let out: WriteResult[];
  try {
    out = (await bag.mapPartitions(writer, params).compute(compute)) as WriteResult[];
  } catch (err) {
    throw await failedJob(database, params, err);
  }
  // The journal only matters while partitions may re-run.
  await database
    .collection(JOURNAL_COLLECTION)
    .deleteMany({ job })
    .catch(() => undefined);
  const oid = (x: string | null) => (x === null ? null : new ObjectId(x));
  return out.map((r) => (Array.isArray(r) ? r.map(oid) : oid(r)));
}

/** How long the main thread waits for cancelled partitions to say they stopped. */
const STOP_WAIT_MS = 20_000;

/**
 * A job failed (its other partitions are cancelled by then): wait for the
 * running ones to stop, remove everything the job wrote, and build the ONE
 * error the caller gets.
 */
async function failedJob(database: Database, p: WriteParams, err: unknown): Promise<MsPASSError> {
  const where = `writeDistributedData job ${p.job} (${p.db}.${p.collection} on ${maskCredentials(database.client.connectionString)})`;
  const cause = err instanceof Error ? err.message : String(err);
  const journal = database.collection(JOURNAL_COLLECTION);
  const job = new ObjectId(p.job);
  let outcome: string;
  try {
    const deadline = Date.now() + STOP_WAIT_MS;
    while ((await journal.countDocuments({ job, ended: { $exists: false } })) > 0 && Date.now() < deadline)
      await sleep(200);
    const running = await journal.countDocuments({ job, ended: { $exists: false } });
    let removed = 0;
    const docs = (await journal.find({ job }).toArray()) as unknown as JournalDoc[];
    for (const j of docs) removed += await removeJournaledOutput(database, p, j);
    if (running > 0) {
      outcome =
        `${running} partition(s) did not say they stopped within ${STOP_WAIT_MS / 1000} s (a worker process lost?): ` +
        `${removed} wf document(s) were removed, but late writes may land; the journal ${JOURNAL_COLLECTION} {job: ObjectId("${p.job}")} is kept`;
    } else {
      await journal.deleteMany({ job });
      outcome = `nothing of it was kept (${removed} wf document(s) its partitions had written were removed), so running it again is safe`;
    }
  } catch (e) {
    outcome =
      `its output could not be removed (${e instanceof Error ? e.message : String(e)}): find it by the journal ` +
      `${JOURNAL_COLLECTION} {job: ObjectId("${p.job}")}, whose documents list each partition's slots and files`;
  }
  return new MsPASSError(`${where} failed: ${cause}; ${outcome}`, "Fatal", { cause: err });
}
