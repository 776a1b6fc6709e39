/**
 * `Database.updateMetadata` / `Database.updateData` (MsPASS's
 * `update_metadata` / `update_data`): write a datum's changed header, or its
 * header and samples, back onto its existing wf document (`_id`).
 *
 * updateMetadata `$set`s the keys in `md.modified()` plus `forceKeys`, after
 * the writer's rules (aliases renamed, blank strings, `_id` and normalized
 * `<coll>_<key>` copies dropped, `*_id` kept; outside promiscuous mode a
 * modified readonly key is saved as `READONLYERROR_<key>` and types are
 * converted, a failed conversion killing the datum in pedantic mode always,
 * in cautious mode for required keys). `starttime`, `time_standard` and
 * `utc_convertible` are always re-synced from the datum. The update upserts.
 *
 * Differences from MsPASS 2.4.3 (Pitfall 11), on purpose:
 * - `excludeKeys` is honoured (MsPASS accepts and ignores it);
 * - without `collection` the datum's own type decides (`wf_Seismogram` for a
 *   Seismogram; MsPASS upserts into `wf_TimeSeries`);
 * - updateData sets `storage_mode: "gridfs"` with the new `gridfs_id` and
 *   unsets the file-location keys (`dir`, `dfile`, `foff`, `nbytes`,
 *   `format`, `url`): MsPASS leaves `storage_mode: "file"` next to the new
 *   `gridfs_id`, so the document still points at the old bytes;
 * - the previous GridFS file is deleted only after the document references
 *   the new one, so a failure never leaves the document without samples.
 */
import { ObjectId, type Document } from "mongodb";
import { MsPASSError } from "../../errors.js";
import { Metadata } from "../../data/metadata.js";
import { Seismogram } from "../../data/seismogram.js";
import { TimeSeries } from "../../data/time-series.js";
import { metadataToDoc, WF_WRITER_KEYS, checkMode, type Mode } from "../../schema/modes.js";
import { wfDocFields } from "../../schema/wf-document.js";
import { applyBsonTypes } from "../../schema/bson-types.js";
import { toMsPASSError } from "../../native.js";
import { deleteGridfsFiles, storeGridfsSamples, undoGridfsFiles } from "../storage/gridfs.js";
import { isDocument } from "../bson.js";
import { resolveWfCollection } from "../io-options.js";
import { elogDocument } from "../undertaker.js";
import { saveHistory } from "../history/object-history.js";
import type { Database } from "../database.js";
import { optString, describe } from "../../option-checks.js";
import type { Atomic } from "../../data/atomic.js";

export interface UpdateMetadataOptions {
  /** wf collection (default: the datum's type, wf_TimeSeries / wf_Seismogram). */
  collection?: string;
  /** "cautious" (default), "promiscuous" or "pedantic". */
  mode?: Mode;
  /** Keys never written (honoured, unlike MsPASS). */
  excludeKeys?: readonly string[];
  /** Keys written even when not modified. */
  forceKeys?: readonly string[];
  /** Collections whose `<name>_*` copies are never written (default channel, site, source). */
  normalizingCollections?: readonly string[];
  /** Algorithm named in elog entries (default "updateMetadata"). */
  algName?: string;
}

export interface UpdateDataOptions extends UpdateMetadataOptions {
  /** Stored as `data_tag`. */
  dataTag?: string;
  /** Algorithm id of the SAVED history node (default "0"). */
  algId?: string;
}

const META_KEYS = [
  "collection",
  "mode",
  "excludeKeys",
  "forceKeys",
  "normalizingCollections",
  "algName",
] as const;
const DATA_KEYS = [...META_KEYS, "dataTag", "algId"] as const;

/** Keys describing file (or url) storage; they no longer apply once the samples are in GridFS. */
const FILE_LOCATION_KEYS = ["dir", "dfile", "foff", "nbytes", "format", "url"] as const;

interface Resolved {
  collection: string;
  mode: Mode;
  excludeKeys: string[];
  forceKeys: string[];
  normalizingCollections: string[];
  algName: string;
  dataTag: string | undefined;
  algId: string;
}

function stringList(v: unknown, name: string, fn: string, dflt: string[]): string[] {
  if (v === undefined) return dflt;
  if (!Array.isArray(v) || v.some((k) => typeof k !== "string"))
    throw new MsPASSError(`${fn}: ${name} must be an array of strings`, "Invalid");
  return [...(v as string[])];
}

function resolve(
  db: Database,
  d: unknown,
  options: unknown,
  keys: readonly string[],
  fn: string,
  dfltAlg: string,
): Resolved {
  if (!(d instanceof TimeSeries) && !(d instanceof Seismogram)) {
    throw new MsPASSError(`${fn}: datum must be a TimeSeries or a Seismogram, got ${describe(d)}`, "Invalid");
  }
  if (options !== undefined && !isDocument(options))
    throw new MsPASSError(`${fn}: options must be an object, got ${describe(options)}`, "Invalid");
  const o = (options ?? {}) as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!keys.includes(k))
      throw new MsPASSError(`${fn}: unknown option "${k}" (options are ${keys.join(", ")})`, "Invalid");
  }
  const type = d instanceof Seismogram ? "Seismogram" : "TimeSeries";
  const { collection, dataType } = resolveWfCollection(db.schema, o.collection ?? `wf_${type}`, fn);
  if (dataType !== type)
    throw new MsPASSError(
      `${fn}: collection "${String(o.collection)}" holds ${dataType} data, but the datum is a ${type}`,
      "Fatal",
    );
  return {
    collection,
    mode: o.mode === undefined ? "cautious" : checkMode(o.mode, fn),
    excludeKeys: stringList(o.excludeKeys, "excludeKeys", fn, []),
    forceKeys: stringList(o.forceKeys, "forceKeys", fn, []),
    normalizingCollections: stringList(o.normalizingCollections, "normalizingCollections", fn, [
      "channel",
      "site",
      "source",
    ]),
    algName: optString(o.algName, "algName", fn) ?? dfltAlg,
    dataTag: optString(o.dataTag, "dataTag", fn),
    algId: optString(o.algId, "algId", fn) ?? "0",
  };
}

function requireId(d: Atomic, fn: string): unknown {
  const id = d.md.get("_id");
  if (id === undefined || id === null) {
    throw new MsPASSError(
      `${fn}: the datum has no _id; an update needs the _id of the document to update (save it with saveData first)`,
      "Fatal",
    );
  }
  return id;
}

/**
 * The `$set` document for a datum (or null when the mode killed it, with
 * the reasons in its elog).
 */
function metadataSet(db: Database, d: Atomic, r: Resolved): Record<string, unknown> | null {
  const modified = d.md.modified();
  const keys = new Set([...modified, ...r.forceKeys]);
  const subset = new Metadata();
  for (const k of keys) {
    const v = d.md.get(k);
    if (v !== undefined) subset.put(k, v);
  }
  // A forced key that was not modified is written as is: exempt it from the
  // "unmodified readonly is dropped" rule, as the writer's own keys are.
  const writerKeys = new Set<string>([...WF_WRITER_KEYS, ...r.forceKeys.filter((k) => !modified.has(k))]);
  const built = metadataToDoc(subset, r.collection, r.mode, {
    schema: db.schema,
    excludeKeys: r.excludeKeys,
    modified,
    writerKeys,
    normalizingCollections: r.normalizingCollections,
  });
  d.elog.append(built.elogEntries.map((e) => ({ ...e, algorithm: r.algName })));
  if (built.dead) {
    d.kill();
    return null;
  }
  const set: Record<string, unknown> = { ...built.doc, ...keysNotInSchema(db, d, subset, modified, r) };
  // Always re-synced from the datum itself (MsPASS: starttime, time_standard, utc_convertible).
  const f = wfDocFields(d);
  set.starttime = f.starttime;
  set.time_standard = f.time_standard;
  set.utc_convertible = f.utc_convertible;
  if (f.starttime_shift !== undefined) set.starttime_shift = f.starttime_shift;
  return set;
}

/**
 * MsPASS's update_metadata, unlike save_data, writes a modified key the
 * schema does not define: in cautious mode with a Complaint, in pedantic mode
 * not at all (a Complaint too). Normalized copies (`channel_lat`, ...),
 * blanks and excluded keys stay out, as for the other keys.
 */
function keysNotInSchema(
  db: Database,
  d: Atomic,
  subset: Metadata,
  modified: ReadonlySet<string>,
  r: Resolved,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (r.mode === "promiscuous") return out;
  const view = db.schema.view(r.collection);
  for (const k of modified) {
    const v = subset.get(k);
    if (v === undefined || view.isDefined(k) || k === "_id" || r.excludeKeys.includes(k)) continue;
    if (typeof v === "string" && v.trim() === "") continue;
    const [prefix, rest] = k.split("_", 2);
    if (rest !== undefined && rest !== "id" && r.normalizingCollections.includes(prefix!)) continue;
    if (r.mode === "cautious") {
      out[k] = v;
      d.elog.log(
        r.algName,
        `key=${k} is not defined in the schema.  Updating record, but this may cause downstream problems`,
        "Complaint",
      );
    } else {
      d.elog.log(
        r.algName,
        `cannot update data with key=${k} because it is not defined in the schema`,
        "Complaint",
      );
    }
  }
  return out;
}

async function updateOne(
  db: Database,
  collection: string,
  id: unknown,
  update: Document,
  fn: string,
): Promise<void> {
  try {
    await db.collection(collection).updateOne({ _id: id }, update, { upsert: true });
  } catch (err) {
    throw toMsPASSError(err, `${fn}(${db.name}.${collection})`);
  }
}

/** Returns the datum (dead if the mode killed it; nothing written then), or null for a dead datum. */
export async function updateMetadata(
  db: Database,
  d: Atomic,
  options?: UpdateMetadataOptions,
): Promise<Atomic | null> {
  const fn = "Database.updateMetadata";
  const r = resolve(db, d, options, META_KEYS, fn, "updateMetadata");
  if (d.dead) return null;
  const id = requireId(d, fn);
  const set = metadataSet(db, d, r);
  if (set === null) return d;
  await updateOne(
    db,
    r.collection,
    id,
    { $set: applyBsonTypes(set, r.collection, { schema: db.schema }) },
    fn,
  );
  return d;
}

/**
 * updateMetadata, then the history (when not empty), the samples (always to
 * GridFS, as MsPASS) and the elog; `gridfs_id`, `storage_mode`,
 * `history_object_id`, `elog_id` (and `data_tag`) are `$set`. Returns the
 * datum, or null for a dead datum.
 */
export async function updateData(
  db: Database,
  d: Atomic,
  options?: UpdateDataOptions,
): Promise<Atomic | null> {
  const fn = "Database.updateData";
  const r = resolve(db, d, options, DATA_KEYS, fn, "updateData");
  if (d.dead) return null;
  const id = requireId(d, fn);
  const set = metadataSet(db, d, r);
  if (set === null) return d;
  const what = `${fn}(${db.name}.${r.collection})`;

  const historyId = await saveHistory(db, d, { algName: r.algName, algId: r.algId });
  if (historyId !== null) set.history_object_id = historyId;

  let newGridfs: string;
  try {
    [newGridfs] = (await storeGridfsSamples(db, [d.data])) as [string];
  } catch (err) {
    if (historyId !== null)
      await db
        .collection(db.schema.resolveCollection("history_object"))
        .deleteOne({ _id: historyId })
        .catch(() => undefined);
    throw toMsPASSError(err, `${what}: writing the samples`);
  }
  let elogId: ObjectId | undefined;
  const undo = async (): Promise<string> => {
    const notes: string[] = [];
    notes.push(await undoGridfsFiles(db, [newGridfs], "the new GridFS file"));
    if (historyId !== null) {
      await db
        .collection(db.schema.resolveCollection("history_object"))
        .deleteOne({ _id: historyId })
        .then(
          () => notes.push("the new history_object document was removed"),
          (e: unknown) =>
            notes.push(
              `the history_object document ${historyId.toHexString()} could NOT be removed (${(e as Error).message})`,
            ),
        );
    }
    if (elogId !== undefined) {
      await db
        .collection("elog")
        .deleteOne({ _id: elogId })
        .then(
          () => notes.push("the new elog document was removed"),
          (e: unknown) =>
            notes.push(
              `the elog document ${elogId!.toHexString()} could NOT be removed (${(e as Error).message})`,
            ),
        );
    }
    return notes.join("; ");
  };
  try {
    if (d.elog.size > 0) {
      const doc = elogDocument(d, id instanceof ObjectId ? id : undefined, r.dataTag);
      await db.collection("elog").insertOne(doc);
      elogId = doc._id as ObjectId;
      set.elog_id = elogId;
    }
    set.npts = d.npts;
    set.delta = d.dt;
    set.storage_mode = "gridfs";
    set.gridfs_id = new ObjectId(newGridfs);
    if (r.dataTag !== undefined) set.data_tag = r.dataTag;
    for (const k of FILE_LOCATION_KEYS) delete set[k];
    const unset = Object.fromEntries(FILE_LOCATION_KEYS.map((k) => [k, ""]));
    await db
      .collection(r.collection)
      .updateOne(
        { _id: id },
        { $set: applyBsonTypes(set, r.collection, { schema: db.schema }), $unset: unset },
        { upsert: true },
      );
  } catch (err) {
    const undone = await undo();
    throw new MsPASSError(
      `${what}: updating the document failed, the document is unchanged: ${(err as Error).message}; ${undone}`,
      "Fatal",
      { cause: err },
    );
  }

  // The datum now describes what is stored.
  const old =
    d.md.get("storage_mode") === "gridfs" || d.md.has("gridfs_id") ? d.md.get("gridfs_id") : undefined;
  for (const k of FILE_LOCATION_KEYS) if (d.md.has(k)) d.md.erase(k);
  d.md.put("storage_mode", "gridfs");
  d.md.put("gridfs_id", set.gridfs_id as ObjectId);
  if (elogId !== undefined) d.md.put("elog_id", elogId);
  if (r.dataTag !== undefined) d.md.put("data_tag", r.dataTag);
  if (old instanceof ObjectId && old.toHexString() !== newGridfs) {
    try {
      await deleteGridfsFiles(db, [old.toHexString()]);
    } catch (err) {
      throw toMsPASSError(
        err,
        `${what}: updated, but deleting the previous GridFS file ${old.toHexString()} failed`,
      );
    }
  }
  return d;
}
