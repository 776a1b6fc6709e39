/**
 * Job-level history (MsPASS's `GlobalHistoryManager`,
 * global_history/manager.py): one `history_global` document per algorithm
 * use, `{time, job_id, job_name, alg_name, alg_id, parameters}`, where
 * `job_id` is one ObjectId per manager (per job) and `alg_id` names one
 * algorithm with one set of parameters.
 *
 * MsPASS creates a TEXT index on (alg_name, parameters). FerretDB v1 cannot
 * create text indexes (NotImplemented) and the lookups here are equality
 * matches, which a text index does not serve anyway, so a plain compound
 * ascending index on the same two fields is created instead, on every server.
 */
import { Double, ObjectId, type Document } from "mongodb";
import { MsPASSError } from "../../errors.js";
import type { Database } from "../database.js";
import { describe } from "../../option-checks.js";

export interface GlobalHistoryManagerOptions {
  /** Collection of the records (default: the schema's `history_global`). */
  collection?: string;
}

/** One `history_global` document. */
export interface GlobalHistoryRecord {
  _id: ObjectId;
  /** UTC epoch seconds (as Python's `datetime.utcnow().timestamp()`, a double). */
  time: number;
  job_id: ObjectId;
  job_name: string;
  alg_name: string;
  alg_id: ObjectId | string;
  parameters: string;
}

/** The index created in place of MsPASS's text index. */
export const GLOBAL_HISTORY_INDEX = "alg_name_1_parameters_1";

function nonEmpty(v: unknown, name: string, fn: string): string {
  if (typeof v !== "string" || v === "")
    throw new MsPASSError(`${fn}: ${name} must be a non-empty string, got ${describe(v)}`, "Invalid");
  return v;
}

/**
 * The parameters as stored: a string is kept as given (MsPASS stores the
 * string its map wrapper builds); anything else is stored as its JSON text.
 */
export function parametersString(parameters: unknown, fn: string): string {
  if (typeof parameters === "string") return parameters;
  let s: string | undefined;
  try {
    s = JSON.stringify(parameters);
  } catch (err) {
    throw new MsPASSError(
      `${fn}: parameters cannot be written as JSON: ${(err as Error).message}`,
      "Invalid",
    );
  }
  if (s === undefined)
    throw new MsPASSError(
      `${fn}: parameters must be a string or a JSON value, got ${describe(parameters)}`,
      "Invalid",
    );
  return s;
}

function algIdValue(v: unknown, fn: string): ObjectId | string {
  if (v instanceof ObjectId) return v;
  if (typeof v === "string" && v !== "") return v;
  throw new MsPASSError(
    `${fn}: algId must be an ObjectId or a non-empty string, got ${describe(v)}`,
    "Invalid",
  );
}

export class GlobalHistoryManager {
  readonly db: Database;
  readonly jobName: string;
  /** One id per job (per manager), as MsPASS. */
  readonly jobId: ObjectId;
  readonly collection: string;
  #indexed: Promise<void> | undefined;

  /**
   * No server round trip here; the index is created by `create()` (what
   * `Client` uses, like MsPASS's constructor) or by the first `logging`.
   */
  constructor(db: Database, jobName: string, options: GlobalHistoryManagerOptions = {}) {
    const fn = "GlobalHistoryManager";
    if (typeof db !== "object" || db === null || typeof (db as Database).collection !== "function") {
      throw new MsPASSError(`${fn}: db must be a Database, got ${describe(db)}`, "Invalid");
    }
    this.db = db;
    this.jobName = nonEmpty(jobName, "jobName", fn);
    this.collection =
      options.collection === undefined
        ? db.schema.resolveCollection("history_global")
        : nonEmpty(options.collection, "collection", fn);
    this.jobId = new ObjectId();
  }

  /** A manager with its index in place (MsPASS's constructor writes to the server too). */
  static async create(
    db: Database,
    jobName: string,
    options: GlobalHistoryManagerOptions = {},
  ): Promise<GlobalHistoryManager> {
    const m = new GlobalHistoryManager(db, jobName, options);
    await m.ensureIndex();
    return m;
  }

  /** Create the (alg_name, parameters) index once. */
  ensureIndex(): Promise<void> {
    this.#indexed ??= this.db
      .collection(this.collection)
      .createIndex({ alg_name: 1, parameters: 1 }, { name: GLOBAL_HISTORY_INDEX })
      .then(
        () => undefined,
        (err: unknown) => {
          this.#indexed = undefined; // let a later call try again
          throw err;
        },
      );
    return this.#indexed;
  }

  /**
   * Record one use of an algorithm (MsPASS's `logging(alg_id, alg_name,
   * parameters)`; here the name comes first, the order of the stored
   * fields). Returns the new record's `_id`.
   */
  async logging(algName: string, algId: ObjectId | string, parameters: unknown): Promise<ObjectId> {
    const fn = "GlobalHistoryManager.logging";
    const doc: GlobalHistoryRecord = {
      _id: new ObjectId(),
      time: Date.now() / 1000,
      job_id: this.jobId,
      job_name: this.jobName,
      alg_name: nonEmpty(algName, "algName", fn),
      alg_id: algIdValue(algId, fn),
      parameters: parametersString(parameters, fn),
    };
    await this.ensureIndex();
    // time is a double in MsPASS; an integral epoch would otherwise go out as an integer.
    await this.db
      .collection(this.collection)
      .insertOne({ ...doc, time: new Double(doc.time) } as unknown as Document);
    return doc._id;
  }

  /** The `alg_id` recorded for this algorithm with these parameters (any job), or null. */
  async getAlgId(algName: string, parameters: unknown): Promise<ObjectId | string | null> {
    const fn = "GlobalHistoryManager.getAlgId";
    const doc = await this.db
      .collection(this.collection)
      .findOne({ alg_name: nonEmpty(algName, "algName", fn), parameters: parametersString(parameters, fn) });
    return doc === null ? null : (doc.alg_id as ObjectId | string);
  }

  /** All records of a job name (and job id), in insertion order. */
  async getAlgList(jobName: string, jobId?: ObjectId): Promise<GlobalHistoryRecord[]> {
    const fn = "GlobalHistoryManager.getAlgList";
    const query: Document = { job_name: nonEmpty(jobName, "jobName", fn) };
    if (jobId !== undefined) {
      if (!(jobId instanceof ObjectId))
        throw new MsPASSError(`${fn}: jobId must be an ObjectId, got ${describe(jobId)}`, "Invalid");
      query.job_id = jobId;
    }
    return (await this.db
      .collection(this.collection)
      .find(query, { sort: { _id: 1 } })
      .toArray()) as unknown as GlobalHistoryRecord[];
  }

  /** Rename an algorithm and its parameters in every record of `algId`; Fatal if there is none (as MsPASS). */
  async setAlgNameAndParameters(
    algId: ObjectId | string,
    algName: string,
    parameters: unknown,
  ): Promise<number> {
    const fn = "GlobalHistoryManager.setAlgNameAndParameters";
    const id = algIdValue(algId, fn);
    const coll = this.db.collection(this.collection);
    const update = {
      $set: { alg_name: nonEmpty(algName, "algName", fn), parameters: parametersString(parameters, fn) },
    };
    const r = await coll.updateMany({ alg_id: id }, update);
    if (r.matchedCount === 0)
      throw new MsPASSError(`${fn}: no history record with alg_id=${String(id)}`, "Fatal");
    return r.matchedCount;
  }
}
