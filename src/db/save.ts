/**
 * `Database.saveData` (MsPASS's `save_data`): TimeSeries / Seismogram /
 * ensembles → samples (GridFS or a file, by the Rust core, in bulk) + wf
 * documents + elog, with dead data buried.
 *
 * Order, for one datum or all members of an ensemble at once:
 * 1. dead data are set aside (an ensemble loses its dead members); the
 *    ensemble's Metadata is copied to its members (`syncMetadata`);
 * 2. each wf document is built in memory (mode rules, time fields, tmatrix);
 *    a datum the mode kills, or one with zero samples, joins the dead;
 * 3. the samples of all the others are written in ONE core call: one GridFS
 *    bulk write, or one append to one file (one `foff` per member);
 * 4. the elog documents (one insert), then the wf documents (one insert),
 *    with ids chosen here so each links to the other (`elog_id`,
 *    `wf_<Type>_id`);
 * 5. the dead are buried in `cemetery` / `abortions` unless `cremate`.
 * Nothing is left half-written: if an insert fails, the GridFS files and elog
 * documents of this call are removed (best effort) and the error says what
 * could not be undone (bytes appended to a file stay, unreferenced).
 */
import path from "node:path";
import { Long, ObjectId, type Document } from "mongodb";
import { MsPASSError } from "../errors.js";
import type { MetadataValue } from "../data/metadata.js";
import { Seismogram } from "../data/seismogram.js";
import { TimeSeries } from "../data/time-series.js";
import { SeismogramEnsemble, TimeSeriesEnsemble } from "../data/ensemble.js";
import { buildWfDocument } from "../schema/wf-document.js";
import { applyBsonTypes } from "../schema/bson-types.js";
import type { Schema } from "../schema/schema.js";
import { native, toMsPASSError } from "../native.js";
import { resolveSaveOptions, type ResolvedSave, type SaveDataOptions } from "./io-options.js";
import { Undertaker, elogDocument } from "./undertaker.js";
import type { Database } from "./database.js";

const ALG = "saveData";

type Atomic = TimeSeries | Seismogram;
type AnyEnsemble = TimeSeriesEnsemble | SeismogramEnsemble;

/** What `saveData` returns without `returnData`. */
export interface SaveDataResult {
  isLive: boolean;
  /** Atomic data: the new wf document's id (absent for dead data). */
  _id?: ObjectId;
  /** Ensembles: the new wf document id of each member kept (in `member` order after the save). */
  ids?: ObjectId[];
}

/** Keys that describe where samples are; the writer replaces them all. */
const STORAGE_KEYS = ["storage_mode", "gridfs_id", "dir", "dfile", "foff", "nbytes", "format", "url"] as const;
const INT32_MAX = 2_147_483_647;

/** A stored integer: int32 when it fits, else int64 (as Python writes it), never a double. */
function int(n: number): number | Long {
  return n > INT32_MAX ? Long.fromNumber(n) : n;
}

function stringKey(d: { md: { get(k: string): unknown } }, key: string): string | undefined {
  const v = d.md.get(key);
  return typeof v === "string" && v !== "" ? v : undefined;
}

export async function saveData(
  db: Database,
  schema: Schema,
  datum: unknown,
  options?: SaveDataOptions,
): Promise<SaveDataResult | Atomic | AnyEnsemble> {
  const fn = "Database.saveData";
  let members: Atomic[];
  let ensemble: AnyEnsemble | undefined;
  let type: "TimeSeries" | "Seismogram";
  if (datum instanceof TimeSeries || datum instanceof Seismogram) {
    members = [datum];
    type = datum instanceof Seismogram ? "Seismogram" : "TimeSeries";
  } else if (datum instanceof TimeSeriesEnsemble || datum instanceof SeismogramEnsemble) {
    ensemble = datum;
    members = [...(datum.member as Atomic[])];
    type = datum instanceof SeismogramEnsemble ? "Seismogram" : "TimeSeries";
  } else {
    throw new MsPASSError(`${fn}: datum must be a TimeSeries, Seismogram, TimeSeriesEnsemble or SeismogramEnsemble`, "Invalid");
  }
  const o = resolveSaveOptions(schema, options, type);
  db.client.assertOpen(fn);
  const undertaker = new Undertaker(db);

  // 1. the dead: a killed (or empty, or all-dead) ensemble buries every member.
  const dead: Array<Atomic | AnyEnsemble> = [];
  let live: Atomic[];
  if (ensemble !== undefined && ensemble.dead) {
    dead.push(ensemble); // the Undertaker takes every member of a killed ensemble
    live = [];
  } else {
    live = members.filter((m) => m.live);
    dead.push(...members.filter((m) => m.dead));
    if (ensemble !== undefined) {
      (ensemble as { member: Atomic[] }).member = live;
      ensemble.syncMetadata();
    }
  }

  // 2. documents, in memory.
  const toWrite: Array<{ d: Atomic; doc: Record<string, MetadataValue> }> = [];
  for (const d of live) {
    if (d.npts === 0) {
      d.elog.log(ALG, "the datum has zero samples; it was killed and not saved", "Invalid");
      d.kill();
      dead.push(d);
      continue;
    }
    const built = buildWfDocument(d, o.collection, o.mode, { excludeKeys: o.excludeKeys, schema });
    d.elog.append(built.elogEntries);
    if (built.dead) {
      d.kill();
      dead.push(d);
      continue;
    }
    toWrite.push({ d, doc: built.doc });
  }

  const ids = toWrite.length > 0 ? await writeLive(db, schema, toWrite, o, ensemble) : [];

  // 5. the dead.
  if (dead.length > 0) {
    if (o.cremate) undertaker.cremate(dead);
    else await undertaker.bury(dead, o.dataTag === undefined ? {} : { dataTag: o.dataTag });
  }

  if (o.returnData) return ensemble ?? members[0]!;
  if (ensemble !== undefined) return { isLive: ensemble.live, ids };
  const d = members[0]!;
  return d.live ? { isLive: true, _id: ids[0]! } : { isLive: false };
}

/** Steps 3–4 for the data to write; returns their new wf ids. */
async function writeLive(
  db: Database,
  schema: Schema,
  items: Array<{ d: Atomic; doc: Record<string, MetadataValue> }>,
  o: ResolvedSave,
  ensemble: AnyEnsemble | undefined,
): Promise<ObjectId[]> {
  const what = `Database.saveData(${db.name}.${o.collection})`;
  const uri = db.client.connectionString;
  const ncomp = o.dataType === "Seismogram" ? 3 : 1;
  const datas = items.map(({ d }) => d.data);
  const storage: Array<Record<string, unknown>> = [];
  let gridfsIds: string[] = [];
  let fileNote = "";

  // 3. samples, one core call.
  try {
    if (o.storageMode === "gridfs") {
      gridfsIds = await native.writeGridfsSamples(uri, db.name, datas);
      for (const id of gridfsIds) storage.push({ storage_mode: "gridfs", gridfs_id: new ObjectId(id) });
    } else {
      const holder = ensemble ?? items[0]!.d;
      const dir = path.resolve(o.dir ?? stringKey(holder, "dir") ?? process.cwd());
      const dfile = o.dfile ?? stringKey(holder, "dfile") ?? null;
      const w = await native.writeFileSamples(dir, dfile, datas, ncomp);
      fileNote = ` (${w.nbytes.reduce((a, b) => a + b, 0)} bytes appended to ${path.join(w.dir, w.dfile)} stay there, unreferenced)`;
      w.foffs.forEach((foff, i) => {
        const s: Record<string, unknown> = { storage_mode: "file", dir: w.dir, dfile: w.dfile, foff: int(foff), nbytes: int(w.nbytes[i]!) };
        if (o.format !== undefined) s.format = o.format;
        storage.push(s);
      });
    }
  } catch (err) {
    throw toMsPASSError(err, `${what}: writing the samples`);
  }

  // 4. ids first, so the elog and wf documents can point at each other.
  const wfIds = items.map(() => new ObjectId());
  const elogDocs: Document[] = [];
  const elogIds: (ObjectId | undefined)[] = items.map(({ d }, i) => {
    if (d.elog.size === 0) return undefined;
    const doc = elogDocument(d, wfIds[i], o.dataTag);
    elogDocs.push(doc);
    return doc._id as ObjectId;
  });
  const wfDocs = items.map(({ doc }, i) => {
    const full: Record<string, unknown> = { ...doc };
    for (const k of STORAGE_KEYS) delete full[k];
    delete full.elog_id;
    // As MsPASS: the tag is the one given now; an old one is not carried over.
    delete full.data_tag;
    if (full.npts !== undefined) full.npts = int(full.npts as number);
    Object.assign(full, storage[i]);
    if (o.dataTag !== undefined) full.data_tag = o.dataTag;
    if (elogIds[i] !== undefined) full.elog_id = elogIds[i];
    full._id = wfIds[i];
    return applyBsonTypes(full, o.collection, { schema });
  });

  let elogWritten = false;
  try {
    if (elogDocs.length > 0) {
      await db.collection("elog").insertMany(elogDocs);
      elogWritten = true;
    }
    await db.collection(o.collection).insertMany(wfDocs);
  } catch (err) {
    const undone = await undo(db, uri, gridfsIds, elogWritten ? elogDocs.map((d) => d._id as ObjectId) : []);
    throw new MsPASSError(
      `${what}: inserting the documents failed, nothing was saved: ${(err as Error).message}; ${undone}${fileNote}`,
      "Fatal",
      { cause: err },
    );
  }

  // The datum now describes what was stored (as MsPASS sets these on the object).
  const oldGridfs: string[] = [];
  items.forEach(({ d }, i) => {
    const old = d.md.get("gridfs_id");
    if (o.overwrite && o.storageMode === "gridfs" && old instanceof ObjectId) oldGridfs.push(old.toHexString());
    for (const k of STORAGE_KEYS) if (d.md.has(k)) d.md.erase(k);
    for (const [k, v] of Object.entries(storage[i]!)) d.md.put(k, (v instanceof Long ? v.toNumber() : v) as MetadataValue);
    d.md.put("_id", wfIds[i]!);
    if (elogIds[i] !== undefined) d.md.put("elog_id", elogIds[i]!);
    if (o.dataTag !== undefined) d.md.put("data_tag", o.dataTag);
  });
  if (oldGridfs.length > 0) {
    try {
      await native.deleteGridfsFiles(uri, db.name, [...new Set(oldGridfs)]);
    } catch (err) {
      throw toMsPASSError(err, `${what}: saved, but deleting the overwritten GridFS files ${oldGridfs.join(", ")} failed`);
    }
  }
  return wfIds;
}

/** Best-effort removal of what this call wrote before a failed insert; says what happened. */
async function undo(db: Database, uri: string, gridfsIds: string[], elogIds: ObjectId[]): Promise<string> {
  const notes: string[] = [];
  if (gridfsIds.length > 0) {
    try {
      await native.deleteGridfsFiles(uri, db.name, gridfsIds);
      notes.push(`the ${gridfsIds.length} GridFS file(s) written were removed`);
    } catch (e) {
      notes.push(`the GridFS files ${gridfsIds.join(", ")} could NOT be removed (${(e as Error).message})`);
    }
  }
  if (elogIds.length > 0) {
    try {
      await db.collection("elog").deleteMany({ _id: { $in: elogIds } });
      notes.push(`the ${elogIds.length} elog document(s) written were removed`);
    } catch (e) {
      notes.push(`the elog documents ${elogIds.map((i) => i.toHexString()).join(", ")} could NOT be removed (${(e as Error).message})`);
    }
  }
  return notes.length > 0 ? notes.join("; ") : "nothing had been written to the database";
}
