/**
 * `Database.deleteData` (MsPASS's `delete_data`): remove a waveform document
 * and what belongs to it — its GridFS file, its disk file when asked and no
 * other wf document still references that `dir`/`dfile`, its
 * `history_object` document and its `elog` documents (by `elog_id` and by
 * `wf_<Type>_id`).
 *
 * The wf document goes first (the datum is gone from then on, as in MsPASS);
 * if a later step fails, the error names what was left behind.
 * Differences from MsPASS: the "still referenced" test looks at every
 * waveform collection of the schema (wf_TimeSeries, wf_Seismogram,
 * wf_miniseed), not only the datum's own, so a file shared with an index
 * document is never removed; and a summary of what was deleted is returned
 * (MsPASS returns None).
 */
import { ObjectId } from "mongodb";
import { MsPASSError } from "../../errors.js";
import { toMsPASSError } from "../../native.js";
import { deleteGridfsFiles } from "../storage/gridfs.js";
import { deleteUnreferencedFile } from "../storage/file.js";
import { isDocument } from "../bson.js";
import { resolveWfCollection } from "../io-options.js";
import type { Database } from "../database.js";
import { describe } from "../../option-checks.js";

export interface DeleteDataOptions {
  /** Also delete a disk file (storage_mode "file") no other wf document references (default false). */
  removeUnreferencedFiles?: boolean;
  /** Delete the `history_object` document (default true). */
  clearHistory?: boolean;
  /** Delete the `elog` documents (default true). */
  clearElog?: boolean;
}

/** What `deleteData` removed. */
export interface DeleteDataResult {
  /** Ids of the GridFS files deleted (hex). */
  gridfsFiles: string[];
  /** Disk files deleted (absolute paths). */
  files: string[];
  historyObjects: number;
  elogs: number;
}

const KEYS = ["removeUnreferencedFiles", "clearHistory", "clearElog"] as const;

function flag(v: unknown, name: string, fn: string, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  if (typeof v !== "boolean")
    throw new MsPASSError(`${fn}: ${name} must be a boolean, got ${describe(v)}`, "Invalid");
  return v;
}

/** Every collection of the schema holding waveform documents. */
export function waveformCollections(db: Database): string[] {
  return db.schema.collectionNames().filter((c) => {
    const t = db.schema.dataType(c);
    return t === "TimeSeries" || t === "Seismogram";
  });
}

export async function deleteData(
  db: Database,
  objectId: unknown,
  objectType: unknown,
  options?: DeleteDataOptions,
): Promise<DeleteDataResult> {
  const fn = "Database.deleteData";
  if (objectType !== "TimeSeries" && objectType !== "Seismogram") {
    throw new MsPASSError(
      `${fn}: objectType must be "TimeSeries" or "Seismogram", got ${describe(objectType)}`,
      "Invalid",
    );
  }
  if (options !== undefined && !isDocument(options))
    throw new MsPASSError(`${fn}: options must be an object, got ${describe(options)}`, "Invalid");
  const o = (options ?? {}) as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!(KEYS as readonly string[]).includes(k))
      throw new MsPASSError(`${fn}: unknown option "${k}" (options are ${KEYS.join(", ")})`, "Invalid");
  }
  const removeFiles = flag(o.removeUnreferencedFiles, "removeUnreferencedFiles", fn, false);
  const clearHistory = flag(o.clearHistory, "clearHistory", fn, true);
  const clearElog = flag(o.clearElog, "clearElog", fn, true);
  const { collection } = resolveWfCollection(db.schema, `wf_${objectType}`, fn);
  const doc = await db.collection(collection).findOne({ _id: objectId });
  if (doc === null) {
    throw new MsPASSError(
      `${fn}: no document with _id=${objectId instanceof ObjectId ? objectId.toHexString() : describe(objectId)} in ${collection}`,
      "Invalid",
    );
  }
  await db.collection(collection).deleteOne({ _id: objectId });

  const result: DeleteDataResult = { gridfsFiles: [], files: [], historyObjects: 0, elogs: 0 };
  const left: string[] = [];
  const gid = doc.gridfs_id;
  if (gid instanceof ObjectId) {
    try {
      await deleteGridfsFiles(db, [gid.toHexString()]);
      result.gridfsFiles.push(gid.toHexString());
    } catch (err) {
      left.push(`GridFS file ${gid.toHexString()} (${toMsPASSError(err, "deleteGridfsFiles").message})`);
    }
  }
  if (
    removeFiles &&
    doc.storage_mode === "file" &&
    typeof doc.dir === "string" &&
    typeof doc.dfile === "string"
  ) {
    const file = await deleteUnreferencedFile(db, waveformCollections(db), doc, left);
    if (file !== undefined) result.files.push(file);
  }
  if (clearHistory && doc.history_object_id !== undefined && doc.history_object_id !== null) {
    try {
      const r = await db
        .collection(db.schema.resolveCollection("history_object"))
        .deleteOne({ _id: doc.history_object_id });
      result.historyObjects = r.deletedCount;
    } catch (err) {
      left.push(`history_object ${String(doc.history_object_id)} (${(err as Error).message})`);
    }
  }
  if (clearElog) {
    try {
      const elog = db.collection(db.schema.resolveCollection("elog"));
      // Two equality deletes (pushed down on FerretDB v1) rather than one $or.
      if (doc.elog_id !== undefined && doc.elog_id !== null)
        result.elogs += (await elog.deleteOne({ _id: doc.elog_id })).deletedCount;
      result.elogs += (await elog.deleteMany({ [`wf_${objectType}_id`]: objectId })).deletedCount;
    } catch (err) {
      left.push(`elog documents (${(err as Error).message})`);
    }
  }
  if (left.length > 0) {
    throw new MsPASSError(
      `${fn}: the ${collection} document was deleted, but these could not be removed: ${left.join("; ")}`,
      "Fatal",
    );
  }
  return result;
}
