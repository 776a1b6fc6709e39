/**
 * Dead-data handling (MsPASS's `Undertaker`) and the `elog` writer.
 *
 * Dead data never throw; a writer hands them here. `bury` records each dead
 * datum in MsPASS's shapes (python/mspasspy/util/Undertaker.py and
 * `Database._save_elog`; field by field in docs/compatibility.md):
 * - `cemetery`: `{logdata, wf_<Type>_id?, tombstone, data_tag?}` —
 *   `wf_<Type>_id` is the datum's own `_id` when it has one;
 * - `abortions` (a datum that was never constructed):
 *   `{tombstone, logdata?, type, data_tag?}` — `type` is Python's `str()` of
 *   the class, e.g. `"<class 'mspasspy.ccore.seismic.TimeSeries'>"`, and
 *   `logdata` only when the elog has entries;
 * - both tombstones carry `is_abortion` (MsPASS's readers set it on every
 *   datum they return).
 * and then mummifies it (drops the samples). `cremate` only mummifies. A
 * datum's error log goes to `elog` as `{logdata, wf_<Type>_id?, data_tag?}`.
 *
 * Every write is ONE insert per collection for any number of data, so an
 * ensemble with many dead members costs at most two round trips.
 */
import { ObjectId, type Document } from "mongodb";
import { MsPASSError } from "../errors.js";
import { applyBsonTypes } from "../schema/bson-types.js";
import { ErrorLogger } from "../data/error-logger.js";
import { Seismogram } from "../data/seismogram.js";
import { TimeSeries } from "../data/time-series.js";
import { SeismogramEnsemble, TimeSeriesEnsemble } from "../data/ensemble.js";
import type { Database } from "./database.js";
import type { Atomic } from "../data/atomic.js";

type AnyEnsemble = TimeSeriesEnsemble | SeismogramEnsemble;

export interface BuryOptions {
  /** Recorded as `data_tag` in each document. */
  dataTag?: string;
}

/** What `bury` wrote: the new `cemetery` and `abortions` ids, in input order of each kind. */
export interface BuryResult {
  cemetery: ObjectId[];
  abortions: ObjectId[];
}

function typeName(d: Atomic): "TimeSeries" | "Seismogram" {
  return d instanceof Seismogram ? "Seismogram" : "TimeSeries";
}

/** Drop a datum's samples, keeping its header and elog (MsPASS's mummify). */
export function mummify(d: Atomic): void {
  if (d.npts !== 0) d.data = new Float64Array(0);
}

/**
 * The document an abortion was read from. An abortion cannot hold every
 * value of a bad document (a string `npts`, say), so its tombstone is that
 * document as read, with the abortion's own keys over it.
 */
const sources = new WeakMap<Atomic, Readonly<Document>>();

/** @internal readers register the document an abortion came from. */
export function recordAbortionSource(d: Atomic, doc: Readonly<Document>): void {
  sources.set(d, doc);
}

/**
 * The `type` MsPASS writes in `abortions`: `str(datum.__class__)` of the
 * pybind11 class (its tests compare it with `str(TimeSeries)`).
 */
export const ABORTION_TYPE: Readonly<Record<"TimeSeries" | "Seismogram", string>> = {
  TimeSeries: "<class 'mspasspy.ccore.seismic.TimeSeries'>",
  Seismogram: "<class 'mspasspy.ccore.seismic.Seismogram'>",
};

/**
 * MsPASS's `_save_elog` logs this Complaint on a dead datum without elog
 * entries before burying it, so a cemetery document always says something.
 */
const NO_ENTRIES = {
  algorithm: "Undertaker.bury",
  message: "this datum was marked dead without an elog entry (a function killed it without saying why)",
  badness: "Complaint",
} as const;

/** The `cemetery` / `abortions` document of a dead datum (MsPASS's shapes, see the module comment). */
export function tombstoneDocument(d: Atomic, dataTag?: string): Document {
  const src = d.isAbortion ? sources.get(d) : undefined;
  const header =
    src === undefined
      ? d.md.toObject()
      : { ...src, ...d.md.toObject(), ...pick(src, ["npts", "delta", "starttime"]) };
  // MsPASS's Undertaker tells abortions by this key of the tombstone's datum.
  // Typed like the wf document would be: MsPASS stores Python floats (starttime, delta, ...) as doubles.
  const tombstone = applyBsonTypes({ ...header, is_abortion: d.isAbortion }, `wf_${typeName(d)}`);
  const logdata = d.elog.toLogData();
  let doc: Document;
  if (d.isAbortion) {
    doc = { tombstone };
    if (logdata.length > 0) doc.logdata = logdata;
    doc.type = ABORTION_TYPE[typeName(d)];
  } else {
    if (logdata.length === 0) {
      const e = new ErrorLogger(d.elog.jobId);
      e.log(NO_ENTRIES.algorithm, NO_ENTRIES.message, NO_ENTRIES.badness);
      logdata.push(...e.toLogData());
    }
    doc = { logdata };
    // The datum's own (source) id, as `_save_elog` links it.
    const id = d.md.get("_id");
    if (isObjectId(id)) doc[`wf_${typeName(d)}_id`] = id;
    doc.tombstone = tombstone;
  }
  if (dataTag !== undefined) doc.data_tag = dataTag;
  return doc;
}

function isObjectId(v: unknown): v is ObjectId {
  return (
    v instanceof ObjectId ||
    (typeof v === "object" && v !== null && (v as { _bsontype?: unknown })._bsontype === "ObjectId")
  );
}

/**
 * The `elog` document of a datum: `{logdata, wf_<Type>_id?, data_tag?}`
 * (MsPASS's elog2doc), with a fresh `_id` so the wf document can link to it.
 */
export function elogDocument(d: Atomic, wfId: ObjectId | undefined, dataTag?: string): Document {
  const doc: Document = { _id: new ObjectId(), logdata: d.elog.toLogData() };
  if (wfId !== undefined) doc[`wf_${typeName(d)}_id`] = wfId;
  if (dataTag !== undefined) doc.data_tag = dataTag;
  return doc;
}

function pick(doc: Readonly<Document>, keys: readonly string[]): Document {
  const out: Document = {};
  for (const k of keys) if (doc[k] !== undefined) out[k] = doc[k];
  return out;
}

async function insertAll(db: Database, collection: string, docs: Document[]): Promise<ObjectId[]> {
  if (docs.length === 0) return [];
  for (const d of docs) d._id ??= new ObjectId();
  await db.collection(collection).insertMany(docs);
  return docs.map((d) => d._id as ObjectId);
}

export class Undertaker {
  constructor(readonly db: Database) {}

  /**
   * Record dead data (any mix of atomic data and ensembles; for an ensemble
   * its dead members, or all of them if the ensemble itself was killed) and
   * mummify them. Live data are left alone.
   */
  async bury(
    data: Atomic | AnyEnsemble | readonly (Atomic | AnyEnsemble)[],
    options: BuryOptions = {},
  ): Promise<BuryResult> {
    const dead = collectDead(data, "Undertaker.bury");
    const cemetery: Document[] = [];
    const abortions: Document[] = [];
    for (const d of dead) (d.isAbortion ? abortions : cemetery).push(tombstoneDocument(d, options.dataTag));
    const result = {
      cemetery: await insertAll(this.db, "cemetery", cemetery),
      abortions: await insertAll(this.db, "abortions", abortions),
    };
    for (const d of dead) mummify(d);
    return result;
  }

  /** Discard dead data without a record: their samples are dropped. */
  cremate(data: Atomic | AnyEnsemble | readonly (Atomic | AnyEnsemble)[]): void {
    for (const d of collectDead(data, "Undertaker.cremate")) mummify(d);
  }

  /**
   * Remove the dead members of an ensemble (in place) and return them
   * (MsPASS's bring_out_your_dead). Nothing is written.
   */
  bringOutYourDead<E extends AnyEnsemble>(ensemble: E): Atomic[] {
    if (!(ensemble instanceof TimeSeriesEnsemble) && !(ensemble instanceof SeismogramEnsemble)) {
      throw new MsPASSError(
        "Undertaker.bringOutYourDead: ensemble must be a TimeSeriesEnsemble or a SeismogramEnsemble",
        "Invalid",
      );
    }
    const dead = (ensemble.member as Atomic[]).filter((m) => m.dead);
    (ensemble as { member: Atomic[] }).member = (ensemble.member as Atomic[]).filter((m) => m.live);
    return dead;
  }
}

/** The dead atomic data among `data` (an ensemble's dead members; all members of a killed ensemble). */
function collectDead(data: unknown, fn: string): Atomic[] {
  const list = Array.isArray(data) ? data : [data];
  const out: Atomic[] = [];
  for (const d of list) {
    if (d instanceof TimeSeries || d instanceof Seismogram) {
      if (d.dead) out.push(d);
    } else if (d instanceof TimeSeriesEnsemble || d instanceof SeismogramEnsemble) {
      const killed = d.dead;
      for (const m of d.member as Atomic[]) if (killed || m.dead) out.push(m);
    } else {
      throw new MsPASSError(`${fn}: expected a TimeSeries, Seismogram or ensemble of them`, "Invalid");
    }
  }
  return out;
}
