/**
 * The plain-TypeScript baseline for the ensemble I/O benchmarks: what a
 * careful Node developer writes with only the `mongodb` driver and `fs`, and
 * no native code. It is meant to be good, not a straw man:
 *
 * - one big Float64Array for the whole ensemble, members are views into it;
 * - file members grouped by (dir, dfile), each file opened once, records
 *   read in foff order with adjacent ones coalesced, read straight into the
 *   destination (no intermediate copy);
 * - GridFS: one fs.files query and one fs.chunks `$in` query for all members
 *   (on FerretDB v1 `$in` is a collection scan, so one query beats batches;
 *   see bench/RESULTS.md), chunks copied by `n` without a server-side sort;
 * - saves: one open + one vectored append per file; GridFS chunks and files
 *   with bulk insertMany.
 *
 * Validation matches the native reader's (npts, nbytes, storage_mode,
 * GridFS length, file size) so both do the same work.
 */
import { open, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { Binary, ObjectId, type Db, type Document, type Filter, type Sort } from "mongodb";

export interface BaselineEnsemble {
  docs: Document[];
  /** Member i's samples (a view into one shared buffer), or null if unreadable. */
  data: (Float64Array | null)[];
  errors: (string | null)[];
}

interface Placed {
  index: number;
  npts: number;
  /** Offset in the shared buffer, in samples. */
  offset: number;
}

function isInt(v: unknown): v is number {
  return typeof v === "number" && Number.isInteger(v) && v >= 0;
}

/** Read a TimeSeries ensemble (ncomp = 1) found by `filter`. */
export async function baselineReadEnsemble(
  db: Db,
  collection: string,
  filter: Filter<Document>,
  sort?: Sort,
): Promise<BaselineEnsemble> {
  const cursor = db.collection(collection).find(filter);
  if (sort) cursor.sort(sort);
  const docs = await cursor.toArray();
  return baselineReadDocs(db, docs);
}

/** Read the samples of already-fetched wf documents. */
export async function baselineReadDocs(db: Db, docs: Document[]): Promise<BaselineEnsemble> {
  const errors: (string | null)[] = docs.map(() => null);
  const files = new Map<string, { path: string; members: (Placed & { foff: number })[] }>();
  const gridfs: (Placed & { id: ObjectId })[] = [];
  let total = 0;
  docs.forEach((d, index) => {
    const npts = d.npts;
    if (!isInt(npts)) {
      errors[index] = npts === undefined ? "npts is missing" : "npts is not an integer";
      return;
    }
    if (d.nbytes !== undefined && d.nbytes !== npts * 8) {
      errors[index] = `nbytes=${d.nbytes} disagrees with npts=${npts}`;
      return;
    }
    const mode = d.storage_mode ?? "gridfs";
    if (mode === "file") {
      if (typeof d.dir !== "string" || typeof d.dfile !== "string" || !isInt(d.foff)) {
        errors[index] = "dir, dfile or foff missing";
        return;
      }
      const path = join(d.dir, d.dfile);
      let g = files.get(path);
      if (!g) files.set(path, (g = { path, members: [] }));
      g.members.push({ index, npts, offset: 0, foff: d.foff });
    } else if (mode === "gridfs") {
      if (!(d.gridfs_id instanceof ObjectId)) {
        errors[index] = "gridfs_id is missing";
        return;
      }
      gridfs.push({ index, npts, offset: 0, id: d.gridfs_id });
    } else {
      errors[index] = `storage_mode '${mode}' is not supported`;
    }
  });
  // Lay members out file by file in foff order, so adjacent records are one read.
  for (const g of files.values()) {
    g.members.sort((a, b) => a.foff - b.foff);
    for (const m of g.members) {
      m.offset = total;
      total += m.npts;
    }
  }
  for (const m of gridfs) {
    m.offset = total;
    total += m.npts;
  }
  const all = new Float64Array(total);
  const bytes = new Uint8Array(all.buffer);

  await Promise.all([...files.values()].map((g) => readFileGroup(g.path, g.members, bytes, errors)));
  if (gridfs.length) await readGridfs(db, gridfs, bytes, errors);

  const data: (Float64Array | null)[] = docs.map(() => null);
  for (const m of [...[...files.values()].flatMap((g) => g.members), ...gridfs]) {
    if (errors[m.index] === null) data[m.index] = all.subarray(m.offset, m.offset + m.npts);
  }
  return { docs, data, errors };
}

async function readFileGroup(
  path: string,
  members: (Placed & { foff: number })[],
  bytes: Uint8Array,
  errors: (string | null)[],
): Promise<void> {
  let fh;
  try {
    fh = await open(path, "r");
  } catch (e) {
    for (const m of members) errors[m.index] = `cannot open ${path}: ${(e as Error).message}`;
    return;
  }
  try {
    const size = (await fh.stat()).size;
    const ok = members.filter((m) => {
      if (m.foff + m.npts * 8 <= size) return true;
      errors[m.index] = `file ${path} is shorter than foff+nbytes`;
      return false;
    });
    for (let i = 0; i < ok.length; ) {
      // Coalesce records adjacent in the file and in the buffer.
      const start = ok[i];
      let fend = start.foff + start.npts * 8;
      let dend = start.offset + start.npts;
      let j = i + 1;
      while (j < ok.length && ok[j].foff === fend && ok[j].offset === dend) {
        fend += ok[j].npts * 8;
        dend += ok[j].npts;
        j++;
      }
      const len = fend - start.foff;
      let got = 0;
      while (got < len) {
        const { bytesRead } = await fh.read(bytes, start.offset * 8 + got, len - got, start.foff + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      if (got < len) for (let k = i; k < j; k++) errors[ok[k].index] = `short read of ${path}`;
      i = j;
    }
  } finally {
    await fh.close();
  }
}

async function readGridfs(
  db: Db,
  members: (Placed & { id: ObjectId })[],
  bytes: Uint8Array,
  errors: (string | null)[],
): Promise<void> {
  const byId = new Map<string, (Placed & { id: ObjectId })[]>();
  for (const m of members) {
    const k = m.id.toHexString();
    const list = byId.get(k);
    if (list) list.push(m);
    else byId.set(k, [m]);
  }
  const ids = [...byId.values()].map((l) => l[0].id);
  const info = new Map<string, { length: number; chunkSize: number }>();
  for await (const f of db
    .collection("fs.files")
    .find({ _id: { $in: ids } }, { projection: { length: 1, chunkSize: 1 } })) {
    info.set((f._id as ObjectId).toHexString(), { length: Number(f.length), chunkSize: Number(f.chunkSize) });
  }
  const want: ObjectId[] = [];
  const seen = new Map<string, number>();
  for (const [k, list] of byId) {
    const f = info.get(k);
    for (const m of list) {
      if (!f) errors[m.index] = `gridfs_id ${k} has no file`;
      else if (f.length !== m.npts * 8) errors[m.index] = `GridFS file ${k} has length ${f.length}`;
    }
    if (f && list.some((m) => errors[m.index] === null)) {
      want.push(list[0].id);
      seen.set(k, 0);
    }
  }
  if (!want.length) return;
  const chunks = db
    .collection("fs.chunks")
    .find({ files_id: { $in: want } }, { projection: { _id: 0, files_id: 1, n: 1, data: 1 } });
  for await (const c of chunks) {
    const k = (c.files_id as ObjectId).toHexString();
    const f = info.get(k)!;
    const data = (c.data as Binary).buffer;
    const at = Number(c.n) * f.chunkSize;
    for (const m of byId.get(k)!) if (errors[m.index] === null) bytes.set(data, m.offset * 8 + at);
    seen.set(k, seen.get(k)! + 1);
  }
  for (const [k, n] of seen) {
    const f = info.get(k)!;
    if (n !== Math.ceil(f.length / f.chunkSize)) {
      for (const m of byId.get(k)!) errors[m.index] ??= `GridFS file ${k} is missing chunks`;
    }
  }
}

function bytesOf(a: Float64Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

/** Append members to dir/dfile with one open and one vectored write; returns foffs. */
export async function baselineWriteFile(
  dir: string,
  dfile: string,
  members: Float64Array[],
): Promise<number[]> {
  await mkdir(dir, { recursive: true });
  const fh = await open(join(dir, dfile), "a");
  try {
    let at = (await fh.stat()).size;
    const foffs = members.map((m) => {
      const f = at;
      at += m.byteLength;
      return f;
    });
    // writev caps the iovec count (IOV_MAX = 1024): write in slices.
    const bufs = members.map(bytesOf);
    for (let i = 0; i < bufs.length; i += 1024) await fh.writev(bufs.slice(i, i + 1024));
    return foffs;
  } finally {
    await fh.close();
  }
}

/** Store members as GridFS files with bulk inserts (chunks, then files); returns ids. */
export async function baselineWriteGridfs(
  db: Db,
  members: Float64Array[],
  chunkSize = 261_120,
): Promise<ObjectId[]> {
  const ids = members.map(() => new ObjectId());
  const chunks = db.collection("fs.chunks");
  let pending: Document[] = [];
  let pendingBytes = 0;
  for (let i = 0; i < members.length; i++) {
    const b = bytesOf(members[i]);
    for (let n = 0, at = 0; at < b.length; n++, at += chunkSize) {
      const piece = b.subarray(at, Math.min(at + chunkSize, b.length));
      pending.push({ _id: new ObjectId(), files_id: ids[i], n, data: new Binary(piece) });
      pendingBytes += piece.length;
      if (pendingBytes >= 16 << 20) {
        await chunks.insertMany(pending);
        pending = [];
        pendingBytes = 0;
      }
    }
  }
  if (pending.length) await chunks.insertMany(pending);
  const now = new Date();
  await db
    .collection("fs.files")
    .insertMany(members.map((m, i) => ({ _id: ids[i], chunkSize, length: m.byteLength, uploadDate: now })));
  return ids;
}
