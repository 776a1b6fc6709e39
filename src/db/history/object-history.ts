/**
 * Object-level processing history in the database, as MsPASS's
 * `save_data(save_history=True)` / `read_data(load_history=True)` keep it:
 *
 * - save: a SAVED node is added to the datum's history, a `history_object`
 *   document `{save_uuid, save_stage, processing_history, alg_id, alg_name,
 *   wf_<Type>_id}` records the tree, the wf document stores its
 *   `history_object_id`, and the datum's history restarts at an origin whose
 *   uuid is `save_uuid`;
 * - read: the tree is loaded back and an ORIGIN node is added; an id that
 *   does not resolve is a Complaint and the datum becomes an origin keyed by
 *   its `_id`; no id makes it an origin (or raw with `defineAsRaw`).
 *
 * `processing_history` is a Python pickle in MsPASS, which cannot be written
 * outside Python: this package stores the tree as a BSON document (see
 * `ProcessingHistory.toDocument`). A MsPASS pickle read back is kept as
 * opaque bytes (`history.opaqueParent`) and the datum becomes an origin keyed
 * by the stored `save_uuid`: reading never fails on it.
 *
 * The save hook (`saveDataWithHistory`) wraps any waveform writer: it chooses
 * the history ids first, lets the writer store `history_object_id` with the
 * wf documents, then writes all `history_object` documents of the call in ONE
 * insert, already carrying `wf_<Type>_id` (MsPASS inserts, then updates each
 * one: two round trips per datum).
 */
import { randomUUID } from "node:crypto";
import { ObjectId, type Document } from "mongodb";
import { MsPASSError } from "../../errors.js";
import { Seismogram } from "../../data/seismogram.js";
import { TimeSeries } from "../../data/time-series.js";
import { SeismogramEnsemble, TimeSeriesEnsemble } from "../../data/ensemble.js";
import type { MetadataValue } from "../../data/metadata.js";
import { isDocument } from "../bson.js";
import type { Database } from "../database.js";
import { optBool, optString, describe } from "../../option-checks.js";
import type { Atomic } from "../../data/atomic.js";

type AnyEnsemble = TimeSeriesEnsemble | SeismogramEnsemble;

/** MsPASS's defaults for the algorithm recorded by a save and a read. */
export const SAVE_ALG_NAME = "save_data";
export const READ_ALG_NAME = "read_data";

export interface SaveHistoryOptions {
  /** Algorithm of the SAVED node and of the `history_object` document (default "save_data"). */
  algName?: string;
  /** Its id (default "0", as MsPASS). */
  algId?: string;
}

export interface LoadHistoryOptions {
  /** Algorithm of the ORIGIN node added (default "read_data"). */
  algName?: string;
  /** Its id (default "0"). */
  algId?: string;
  /** A datum with no stored history becomes RAW instead of ORIGIN. */
  defineAsRaw?: boolean;
}

/** The history options `Database.saveData` accepts on top of the writer's. */
export interface SaveDataHistoryOptions extends SaveHistoryOptions {
  /** Save each live datum's non-empty history in `history_object` (default true, as MsPASS's code). */
  saveHistory?: boolean;
}

/** The history options `Database.readData` accepts on top of the reader's. */
export interface ReadDataHistoryOptions extends LoadHistoryOptions {
  /** Load the history each document's `history_object_id` points at (default false). */
  loadHistory?: boolean;
}

const SAVE_HOOK_KEYS = ["saveHistory", "algName", "algId"] as const;
const READ_HOOK_KEYS = ["loadHistory", "algName", "algId", "defineAsRaw"] as const;

function typeOf(d: Atomic): "TimeSeries" | "Seismogram" {
  return d instanceof Seismogram ? "Seismogram" : "TimeSeries";
}

/**
 * Split the history keys off an options object; the rest goes to the
 * reader/writer, which checks it (a non-object is passed on unchanged so the
 * reader/writer reports it).
 */
function split(options: unknown, keys: readonly string[]): { hook: Record<string, unknown>; rest: unknown } {
  if (!isDocument(options)) return { hook: {}, rest: options };
  const hook: Record<string, unknown> = {};
  const rest: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(options)) (keys.includes(k) ? hook : rest)[k] = v;
  return { hook, rest };
}

/** Atomic data of a save/read result: the datum, or an ensemble's members. */
function atomsOf(datum: unknown): Atomic[] {
  if (datum instanceof TimeSeries || datum instanceof Seismogram) return [datum];
  if (datum instanceof TimeSeriesEnsemble || datum instanceof SeismogramEnsemble)
    return [...(datum.member as Atomic[])];
  return [];
}

function historyCollection(db: Database): string {
  return db.schema.resolveCollection("history_object");
}

/**
 * The `history_object_id` each datum being saved must get in its new wf
 * document, set by the save hook for the duration of one save. The writer
 * reads it with `pendingHistoryId` (it drops any `history_object_id` the
 * Metadata carries from an earlier read: that one names another history).
 */
const pending = new WeakMap<object, ObjectId>();

/** @internal the waveform writer's hook: the history id to store for `d`, if its history is being saved. */
export function pendingHistoryId(d: object): ObjectId | undefined {
  return pending.get(d);
}

/** One datum's `history_object` document, prepared but not written; the datum is not changed. */
interface PreparedHistory {
  d: Atomic;
  doc: Document & { _id: ObjectId; save_uuid: string };
  algName: string;
  algId: string;
}

function prepare(d: Atomic, algName: string, algId: string): PreparedHistory {
  const saveUuid = randomUUID();
  const current = d.history.current;
  const doc = {
    _id: new ObjectId(),
    save_uuid: saveUuid,
    save_stage: current === undefined ? 0 : current.stage + 1,
    processing_history: d.history.toDocument({
      status: "SAVED",
      uuid: saveUuid,
      algorithm: algName,
      algid: algId,
      type: typeOf(d),
    }) as unknown as Document,
    alg_id: algId,
    alg_name: algName,
  };
  return { d, doc, algName, algId };
}

/** After the save: the datum's history restarts at an origin keyed by save_uuid (MsPASS). */
function restart(p: PreparedHistory): void {
  p.d.history.setAsOrigin(p.algName, p.algId, typeOf(p.d), { uuid: p.doc.save_uuid });
  p.d.md.put("history_object_id", p.doc._id);
}

/**
 * Save one datum's history now (MsPASS's `_save_history`): a live datum with
 * a non-empty history gets a `history_object` document (with
 * `wf_<Type>_id` = its `_id` when it has one) and `history_object_id` in its
 * Metadata; its history restarts at an origin. Returns the new id, or null
 * for a dead datum or an empty history. `updateData` uses this.
 */
export async function saveHistory(
  db: Database,
  d: Atomic,
  options: SaveHistoryOptions = {},
): Promise<ObjectId | null> {
  const fn = "Database.saveHistory";
  if (!(d instanceof TimeSeries) && !(d instanceof Seismogram)) {
    throw new MsPASSError(`${fn}: datum must be a TimeSeries or a Seismogram, got ${describe(d)}`, "Invalid");
  }
  const algName = optString(options.algName, "algName", fn, SAVE_ALG_NAME);
  const algId = optString(options.algId, "algId", fn, "0");
  if (d.dead || d.history.isEmpty()) return null;
  const p = prepare(d, algName, algId);
  const wfId = d.md.get("_id");
  if (wfId instanceof ObjectId) p.doc[`wf_${typeOf(d)}_id`] = wfId;
  await db.collection(historyCollection(db)).insertOne(p.doc);
  restart(p);
  return p.doc._id;
}

/**
 * `Database.saveData` with MsPASS's `saveHistory` (default true), around
 * `save` (the waveform writer, which must store the datum's Metadata
 * `history_object_id`). Not-written data (dead, or killed by the mode) get
 * no history document and keep their Metadata as it was.
 */
export async function saveDataWithHistory<R>(
  db: Database,
  datum: unknown,
  options: unknown,
  save: (datum: unknown, options: unknown) => Promise<R>,
): Promise<R> {
  const fn = "Database.saveData";
  const { hook, rest } = split(options, SAVE_HOOK_KEYS);
  const enabled = optBool(hook.saveHistory, "saveHistory", fn, true);
  const algName = optString(hook.algName, "algName", fn, SAVE_ALG_NAME);
  const algId = optString(hook.algId, "algId", fn, "0");
  const candidates = enabled ? atomsOf(datum).filter((d) => d.live && !d.history.isEmpty()) : [];
  if (candidates.length === 0) return save(datum, rest);

  const prepared = candidates.map((d) => ({
    p: prepare(d, algName, algId),
    before: d.md.get("history_object_id"),
    id: d.md.get("_id"),
  }));
  const restore = (x: (typeof prepared)[number]) => {
    if (x.before === undefined) {
      if (x.p.d.md.has("history_object_id")) x.p.d.md.erase("history_object_id");
    } else x.p.d.md.put("history_object_id", x.before);
  };
  for (const x of prepared) {
    x.p.d.md.put("history_object_id", x.p.doc._id);
    pending.set(x.p.d, x.p.doc._id);
  }
  let result: R;
  try {
    result = await save(datum, rest);
  } catch (err) {
    for (const x of prepared) restore(x);
    throw err;
  } finally {
    for (const x of prepared) pending.delete(x.p.d);
  }
  // Written = still live with a new _id (the writer sets it on the datum).
  const written = prepared.filter((x) => {
    const now = x.p.d.md.get("_id");
    return x.p.d.live && now instanceof ObjectId && !(x.id instanceof ObjectId && x.id.equals(now));
  });
  for (const x of prepared) if (!written.includes(x)) restore(x);
  if (written.length === 0) return result;
  const docs = written.map((x) => ({
    ...x.p.doc,
    [`wf_${typeOf(x.p.d)}_id`]: x.p.d.md.get("_id") as MetadataValue,
  }));
  try {
    await db.collection(historyCollection(db)).insertMany(docs);
  } catch (err) {
    for (const x of written) restore(x);
    throw new MsPASSError(
      `${fn}: the data were saved, but writing their ${docs.length} history_object document(s) failed: ${(err as Error).message}; ` +
        "their wf documents hold a history_object_id that does not resolve (a reader logs a Complaint and starts a new origin)",
      "Fatal",
      { cause: err },
    );
  }
  for (const x of written) restart(x.p);
  return result;
}

function isBinary(v: unknown): v is { buffer: Uint8Array } | Uint8Array {
  return (
    v instanceof Uint8Array ||
    (typeof v === "object" && v !== null && (v as { _bsontype?: unknown })._bsontype === "Binary")
  );
}

function bytesOf(v: { buffer: Uint8Array } | Uint8Array): Uint8Array {
  return v instanceof Uint8Array ? v : Uint8Array.from(v.buffer);
}

function originKey(d: Atomic): string {
  const id = d.md.get("_id");
  return id instanceof ObjectId ? id.toHexString() : id === undefined ? randomUUID() : String(id);
}

/** Apply one stored history_object document (or its absence) to a datum. */
function applyHistory(
  d: Atomic,
  id: unknown,
  doc: Document | undefined,
  algName: string,
  algId: string,
  defineAsRaw: boolean,
): void {
  const type = typeOf(d);
  if (id === undefined || id === null) {
    d.history.setAsOrigin(algName, algId, type, { uuid: originKey(d), defineAsRaw });
    return;
  }
  if (doc === undefined) {
    d.elog.log(
      "loadHistory",
      `no history_object document with _id=${String(id)}; the datum is set as an origin with uuid=${originKey(d)}`,
      "Complaint",
    );
    d.history.setAsOrigin(algName, algId, type, { uuid: originKey(d) });
    return;
  }
  const ph = doc.processing_history;
  if (isBinary(ph)) {
    // MsPASS's pickle: opaque. The origin is keyed by the save it came from.
    const saveUuid = typeof doc.save_uuid === "string" && doc.save_uuid !== "" ? doc.save_uuid : originKey(d);
    d.history.setAsOrigin(algName, algId, type, { uuid: saveUuid });
    d.history.opaqueParent = bytesOf(ph);
    return;
  }
  try {
    d.history.loadDocument(ph);
  } catch (err) {
    d.elog.log(
      "loadHistory",
      `history_object ${String(id)}: ${(err as Error).message}; the datum is set as an origin with uuid=${originKey(d)}`,
      "Complaint",
    );
    d.history.setAsOrigin(algName, algId, type, { uuid: originKey(d) });
    return;
  }
  d.history.addNode(algName, algId, type, "ORIGIN");
}

function checkLoadOptions(options: LoadHistoryOptions, fn: string) {
  return {
    algName: optString(options.algName, "algName", fn, READ_ALG_NAME),
    algId: optString(options.algId, "algId", fn, "0"),
    defineAsRaw: optBool(options.defineAsRaw, "defineAsRaw", fn, false),
  };
}

/**
 * Load the stored history of a datum, or of every live member of an
 * ensemble (one query for all of them; MsPASS's ensemble path is broken).
 * Dead data are left alone. Never throws for bad data (a Complaint instead).
 */
export async function loadHistory(
  db: Database,
  datum: Atomic | AnyEnsemble,
  options: LoadHistoryOptions = {},
): Promise<void> {
  const fn = "Database.loadHistory";
  const atoms = atomsOf(datum);
  if (atoms.length === 0 && !(datum instanceof TimeSeriesEnsemble || datum instanceof SeismogramEnsemble)) {
    throw new MsPASSError(
      `${fn}: datum must be a TimeSeries, Seismogram or an ensemble of them, got ${describe(datum)}`,
      "Invalid",
    );
  }
  const o = checkLoadOptions(options, fn);
  const live = atoms.filter((d) => d.live);
  const ids = live.map((d) => d.md.get("history_object_id")).filter((v) => v !== undefined && v !== null);
  const found = new Map<string, Document>();
  if (ids.length > 0) {
    const coll = db.collection(historyCollection(db));
    // One equality lookup per id is pushed down on FerretDB v1; $in is not (a scan), so few ids use findOne.
    const docs =
      ids.length <= 4
        ? (await Promise.all(ids.map((id) => coll.findOne({ _id: id })))).filter(
            (x): x is Document => x !== null,
          )
        : await coll.find({ _id: { $in: ids } }).toArray();
    for (const doc of docs) found.set(String(doc._id), doc);
  }
  for (const d of live) {
    const id = d.md.get("history_object_id");
    applyHistory(
      d,
      id,
      id === undefined || id === null ? undefined : found.get(String(id)),
      o.algName,
      o.algId,
      o.defineAsRaw,
    );
  }
}

/** `Database.readData` with MsPASS's `loadHistory` (default false) after `read`. */
export async function readDataWithHistory<R>(
  db: Database,
  arg: unknown,
  options: unknown,
  read: (arg: unknown, options: unknown) => Promise<R>,
): Promise<R> {
  const fn = "Database.readData";
  const { hook, rest } = split(options, READ_HOOK_KEYS);
  const enabled = optBool(hook.loadHistory, "loadHistory", fn, false);
  const o = checkLoadOptions(hook as LoadHistoryOptions, fn);
  const result = await read(arg, rest);
  if (enabled) await loadHistory(db, result as unknown as Atomic | AnyEnsemble, o);
  return result;
}
