/**
 * storage_mode "gridfs": samples in the wf documents' own database, one
 * GridFS file per datum (255 KiB chunks, MsPASS's layout). Reads go through
 * the core's sample reader (`native.readSamples`, with file mode in the same
 * call); this module writes, deletes and undoes.
 */
import { ObjectId } from "mongodb";
import { native, toMsPASSError } from "../../native.js";
import type { Database } from "../database.js";
import type { SampleWriter } from "./types.js";

/** Databases (connection string + name) whose GridFS indexes this thread has ensured. */
const indexed = new Map<string, Promise<void>>();

/**
 * The indexes every GridFS driver creates before its first write to a bucket
 * (pymongo's `GridFS.put`, the Node driver's `GridFSBucket`): chunks by
 * `{files_id: 1, n: 1}` (unique) and files by `{filename: 1, uploadDate: 1}`.
 * Without the first, each chunk look-up reads the whole `fs.chunks` (on mongod,
 * and on the embedded FerretDB, whose patch answers `files_id` from it). Once
 * per database per thread: creating an index that exists is a no-op, so a
 * failed attempt is simply tried again by the next write.
 */
function ensureGridfsIndexes(db: Database): Promise<void> {
  const key = `${db.client.connectionString}\0${db.name}`;
  let p = indexed.get(key);
  if (p === undefined) {
    p = (async () => {
      await db.collection("fs.chunks").createIndex({ files_id: 1, n: 1 }, { unique: true });
      await db.collection("fs.files").createIndex({ filename: 1, uploadDate: 1 });
    })();
    indexed.set(key, p);
    p.catch(() => indexed.delete(key));
  }
  return p;
}

/** Store each sample array as one GridFS file; returns the file ids (hex), the given `ids` when passed. */
export async function storeGridfsSamples(
  db: Database,
  data: Float64Array[],
  ids?: string[],
): Promise<string[]> {
  await ensureGridfsIndexes(db);
  return native.writeGridfsSamples(
    db.client.connectionString,
    db.name,
    data,
    ids === undefined ? undefined : { ids },
  );
}

/** Delete GridFS files (hex ids) with their chunks; a missing file is not an error. Throws the core's error. */
export async function deleteGridfsFiles(db: Database, ids: string[]): Promise<void> {
  if (ids.length > 0) await native.deleteGridfsFiles(db.client.connectionString, db.name, ids);
}

/** Best-effort removal of files this call wrote, for an undo: says what happened, never throws. */
export async function undoGridfsFiles(
  db: Database,
  ids: string[],
  what = `the ${ids.length} GridFS file(s) written`,
): Promise<string> {
  try {
    await deleteGridfsFiles(db, ids);
    return `${what} were removed`;
  } catch (e) {
    return `the GridFS files ${ids.join(", ")} could NOT be removed (${(e as Error).message})`;
  }
}

/** GridFS: one bulk write of every datum. */
export const writeGridfs: SampleWriter = async (live, ctx) => {
  const wanted = live.map((s) => ctx.gridfsId(s));
  const ids = wanted.every((x) => x !== undefined) ? (wanted as string[]) : undefined;
  let written: string[];
  try {
    written = await storeGridfsSamples(
      ctx.db,
      live.map((s) => s.d.data),
      ids,
    );
  } catch (err) {
    throw toMsPASSError(err, `${ctx.what}: writing the samples`);
  }
  return {
    records: written.map((g) => ({ storage_mode: "gridfs", gridfs_id: new ObjectId(g) })),
    undo: () => undoGridfsFiles(ctx.db, written),
  };
};
