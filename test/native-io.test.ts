/**
 * Sample I/O of the Rust core (issue 3) through the napi binding, against the
 * real server. The stored bytes are read back RAW (fs.chunks with the Node
 * driver, file bytes with fs) and compared with MsPASS's layout: little-endian
 * f64, no header; Seismogram row-major in GridFS, column-major in files;
 * 255 KiB chunks; file writes append, one foff per member.
 */
import { readFileSync, statSync, truncateSync } from "node:fs";
import { join } from "node:path";
import { BSON, ObjectId } from "mongodb";
import { describe, expect, it } from "vitest";
import { native, nativeErrorKind, toMsPASSError } from "../dist/native.js";
import { useTestDatabase } from "./helpers.js";

const CHUNK = 261_120;
const { uri, rdb: db, dir } = await useTestDatabase("native_io");
const dbName = db.databaseName;

/** Little-endian bytes of the values, as MsPASS stores them. */
function le(values: ArrayLike<number>): Buffer {
  const b = Buffer.alloc(values.length * 8);
  for (let i = 0; i < values.length; i++) b.writeDoubleLE(values[i], i * 8);
  return b;
}

function ramp(n: number, base: number): Float64Array {
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) a[i] = base + i * 0.25;
  return a;
}

/** Component-major 3×npts: component k is base + k*1000 + i. */
function seis(npts: number, base: number): Float64Array {
  const a = new Float64Array(3 * npts);
  for (let k = 0; k < 3; k++) for (let i = 0; i < npts; i++) a[k * npts + i] = base + k * 1000 + i;
  return a;
}

function columnMajor(data: Float64Array, npts: number): Float64Array {
  const out = new Float64Array(3 * npts);
  for (let i = 0; i < npts; i++) for (let k = 0; k < 3; k++) out[3 * i + k] = data[k * npts + i];
  return out;
}

const bson = (docs: object[]) => Buffer.concat(docs.map((d) => BSON.serialize(d)));
const one = (d: object) => Buffer.from(BSON.serialize(d));

function member(
  r: { samples: Float64Array; offsets: Float64Array; lengths: Float64Array },
  i: number,
): Float64Array {
  return r.samples.subarray(r.offsets[i], r.offsets[i] + r.lengths[i]);
}

describe("file storage", () => {
  it("appends raw little-endian f64, one foff per member, and reads back in any order", async () => {
    const a = ramp(100, 1);
    const b = ramp(37, -5);
    const w1 = await native.writeFileSamples(dir, "ts.bin", [a, b], 1);
    expect(w1).toEqual({ dir, dfile: "ts.bin", foffs: [0, 800], nbytes: [800, 296] });
    // Appends continue at the end of the file.
    const w2 = await native.writeFileSamples(dir, "ts.bin", [b], 1);
    expect(w2.foffs).toEqual([1096]);
    const raw = readFileSync(join(dir, "ts.bin"));
    expect(raw.equals(Buffer.concat([le(a), le(b), le(b)]))).toBe(true);

    const docs = [
      { npts: 37, storage_mode: "file", format: "binary", dir, dfile: "ts.bin", foff: 1096, nbytes: 296 },
      { npts: 100, storage_mode: "file", dir, dfile: "ts.bin", foff: 0 },
      { npts: 37, storage_mode: "file", dir, dfile: "ts.bin", foff: 800 },
    ];
    const r = await native.readSamples(uri, dbName, bson(docs));
    expect(r.errors).toEqual([null, null, null]);
    expect(Array.from(member(r, 0))).toEqual(Array.from(b));
    expect(Array.from(member(r, 1))).toEqual(Array.from(a));
    expect(Array.from(member(r, 2))).toEqual(Array.from(b));
    // One buffer for the whole batch, each member a view into it.
    expect(r.samples.length).toBe(174);
    expect(member(r, 0).buffer).toBe(member(r, 1).buffer);
  });

  it("writes a Seismogram column-major (x0,y0,z0,x1,...) and reads it back component-major", async () => {
    const s1 = seis(5, 0);
    const s2 = seis(3, 50);
    const w = await native.writeFileSamples(dir, "seis.bin", [s1, s2], 3);
    expect(w.foffs).toEqual([0, 120]);
    expect(w.nbytes).toEqual([120, 72]);
    const raw = readFileSync(join(dir, "seis.bin"));
    expect(raw.equals(Buffer.concat([le(columnMajor(s1, 5)), le(columnMajor(s2, 3))]))).toBe(true);
    const docs = [
      { npts: 3, storage_mode: "file", dir, dfile: "seis.bin", foff: 120, nbytes: 72 },
      { npts: 5, storage_mode: "file", dir, dfile: "seis.bin", foff: 0 },
    ];
    const r = await native.readSamples(uri, dbName, bson(docs), { ncomponents: 3 });
    expect(Array.from(member(r, 0))).toEqual(Array.from(s2));
    expect(Array.from(member(r, 1))).toEqual(Array.from(s1));
  });

  it("creates the directory and names the file <uuid4>-binary by default", async () => {
    const sub = join(dir, "new", "deeper");
    const w = await native.writeFileSamples(sub, null, [ramp(4, 0)], 1);
    expect(w.dfile).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}-binary$/);
    expect(statSync(join(sub, w.dfile)).size).toBe(32);
    expect(native.defaultDfile()).not.toBe(w.dfile);
  });

  it("a repeated _id is the DuplicateKey kind, on the raw error and on the MsPASSError wrapping it", async () => {
    const doc = Buffer.from(BSON.serialize({ _id: new ObjectId(), a: 1 }));
    await native.insertOne(uri, dbName, "dups", doc);
    const err = await native.insertOne(uri, dbName, "dups", doc).catch((e: unknown) => e);
    expect(nativeErrorKind(err)).toBe("DuplicateKey");
    const wrapped = toMsPASSError(err, "insert");
    expect(wrapped.code).toBe("MSPASS_DUPLICATE_KEY");
    expect(nativeErrorKind(wrapped)).toBe("DuplicateKey");
    const many = await native
      .insertMany(uri, dbName, "dups", Buffer.concat([doc, BSON.serialize({ _id: new ObjectId() })]), false)
      .catch((e: unknown) => e);
    expect(nativeErrorKind(many)).toBe("DuplicateKey");
  });

  it("rejects caller mistakes", async () => {
    await expect(native.writeFileSamples(dir, "x", [new Float64Array(4)], 3)).rejects.toThrow(
      /InvalidArgument: .*multiple/,
    );
    await expect(native.writeFileSamples("", "x", [new Float64Array(3)], 1)).rejects.toThrow(/dir/);
    await expect(native.readSamples(uri, dbName, Buffer.from([1, 2, 3]))).rejects.toThrow(
      /InvalidArgument: docs/,
    );
    await expect(native.readSamples(uri, dbName, bson([]), { ncomponents: 2 })).rejects.toThrow(
      /ncomponents/,
    );
    // The kind is a property, not only text: src/native.ts decodes it once.
    const err = await native.writeFileSamples(dir, "x", [new Float64Array(4)], 3).catch((e: unknown) => e);
    expect((err as { code?: string }).code).toBe("MSPASS_INVALID_ARGUMENT");
    expect(nativeErrorKind(err)).toBe("InvalidArgument");
  });
});

describe("GridFS storage", () => {
  it("stores fs.files/fs.chunks as pymongo does: 255 KiB chunks of little-endian f64", async () => {
    const big = ramp((CHUNK / 8) * 2 + 10, 3); // two full chunks and 80 bytes
    const small = ramp(5, -1);
    const ids = await native.writeGridfsSamples(uri, dbName, [big, small]);
    expect(ids).toHaveLength(2);
    const files = db.collection("fs.files");
    const f0 = await files.findOne({ _id: new ObjectId(ids[0]) });
    expect(Object.keys(f0!).sort()).toEqual(["_id", "chunkSize", "length", "uploadDate"]);
    expect(f0!.chunkSize).toBe(CHUNK);
    expect(f0!.length).toBe(big.length * 8);
    expect(f0!.uploadDate).toBeInstanceOf(Date);
    const chunks = await db
      .collection("fs.chunks")
      .find({ files_id: new ObjectId(ids[0]) })
      .sort({ n: 1 })
      .toArray();
    expect(chunks.map((c) => c.n)).toEqual([0, 1, 2]);
    expect(Object.keys(chunks[0]).sort()).toEqual(["_id", "data", "files_id", "n"]);
    for (const c of chunks) expect(c.data.sub_type).toBe(0);
    expect(chunks.map((c) => c.data.length())).toEqual([CHUNK, CHUNK, 80]);
    const stored = Buffer.concat(chunks.map((c) => Buffer.from(c.data.buffer)));
    expect(stored.equals(le(big))).toBe(true);

    const r = await native.readSamples(
      uri,
      dbName,
      bson([
        { npts: 5, storage_mode: "gridfs", gridfs_id: new ObjectId(ids[1]) },
        { npts: big.length, gridfs_id: new ObjectId(ids[0]), nbytes: big.length * 8 }, // default mode is gridfs
      ]),
    );
    expect(r.errors).toEqual([null, null]);
    expect(Array.from(member(r, 0))).toEqual(Array.from(small));
    expect(member(r, 1)).toEqual(big);
  });

  it("stores a Seismogram row-major (component 0, then 1, then 2) and uses caller-chosen ids", async () => {
    const s = seis(4, 7);
    const want = new ObjectId().toHexString();
    const ids = await native.writeGridfsSamples(uri, dbName, [s], { ids: [want] });
    expect(ids).toEqual([want]);
    const c = await db.collection("fs.chunks").findOne({ files_id: new ObjectId(want) });
    expect(Buffer.from(c!.data.buffer).equals(le(s))).toBe(true);
    const r = await native.readSamples(uri, dbName, bson([{ npts: 4, gridfs_id: new ObjectId(want) }]), {
      ncomponents: 3,
    });
    expect(Array.from(member(r, 0))).toEqual(Array.from(s));
    await expect(native.writeGridfsSamples(uri, dbName, [s], { ids: ["nothex"] })).rejects.toThrow(
      /InvalidArgument: ids\[0\]/,
    );
  });

  it("deletes GridFS files with their chunks", async () => {
    const ids = await native.writeGridfsSamples(uri, dbName, [ramp(10, 0), ramp(CHUNK / 8 + 1, 0)]);
    expect(await native.deleteGridfsFiles(uri, dbName, ids)).toBe(2);
    const oids = ids.map((i) => new ObjectId(i));
    expect(await db.collection("fs.files").countDocuments({ _id: { $in: oids } })).toBe(0);
    expect(await db.collection("fs.chunks").countDocuments({ files_id: { $in: oids } })).toBe(0);
  });
});

describe("ensembles", () => {
  it("reads a query's documents and samples in one call, mixed storage, wrong-tag docs filtered by the query", async () => {
    const members = [ramp(20, 0), ramp(30, 100), ramp(40, 200), ramp(50, 300)];
    const w = await native.writeFileSamples(dir, "ens.bin", members.slice(0, 2), 1);
    const ids = await native.writeGridfsSamples(uri, dbName, members.slice(2));
    const wf = db.collection("wf_TimeSeries");
    await wf.insertMany([
      { k: 3, data_tag: "t", npts: 50, storage_mode: "gridfs", gridfs_id: new ObjectId(ids[1]) },
      { k: 0, data_tag: "t", npts: 20, storage_mode: "file", dir, dfile: "ens.bin", foff: w.foffs[0] },
      { k: 2, data_tag: "t", npts: 40, storage_mode: "gridfs", gridfs_id: new ObjectId(ids[0]) },
      { k: 1, data_tag: "t", npts: 30, storage_mode: "file", dir, dfile: "ens.bin", foff: w.foffs[1] },
      { k: 9, data_tag: "other", npts: 1, storage_mode: "file", dir, dfile: "nope", foff: 0 },
    ]);
    const r = await native.readEnsemble(uri, dbName, "wf_TimeSeries", one({ data_tag: "t" }), {
      sort: one({ k: 1 }),
    });
    expect(r.docOffsets.length).toBe(5);
    const docs = Array.from({ length: 4 }, (_, i) =>
      BSON.deserialize(r.docs.subarray(r.docOffsets[i], r.docOffsets[i + 1])),
    );
    expect(docs.map((d) => d.k)).toEqual([0, 1, 2, 3]);
    expect(r.errors).toEqual([null, null, null, null]);
    for (let i = 0; i < 4; i++) expect(Array.from(member(r, i))).toEqual(Array.from(members[i]));

    // The same through a cursor handle of the collection layer, in one call.
    const handle = await native.find(uri, dbName, "wf_TimeSeries", one({ data_tag: "t" }), {
      sort: one({ k: -1 }),
    });
    const c = await native.readCursorEnsemble(uri, dbName, handle);
    expect(c.docOffsets.length).toBe(5);
    for (let i = 0; i < 4; i++) expect(Array.from(member(c, i))).toEqual(Array.from(members[3 - i]));
  });

  it("turns every bad member into an error message and kind and still reads the others", async () => {
    const good = ramp(16, 42);
    const w = await native.writeFileSamples(dir, "bad.bin", [good, good], 1);
    const [gid] = await native.writeGridfsSamples(uri, dbName, [good]);
    const shortFile = "short.bin";
    await native.writeFileSamples(dir, shortFile, [good], 1);
    truncateSync(join(dir, shortFile), 100);
    const fileDoc = { storage_mode: "file", dir, dfile: "bad.bin" };
    // Each bad member: its message and its KIND (what readData decides on).
    const cases: [object, RegExp | null, string | null][] = [
      [{ ...fileDoc, npts: 16, foff: w.foffs[1] }, null, null],
      [{ ...fileDoc, foff: 0 }, /npts is missing/, "BadDocument"],
      [{ ...fileDoc, npts: "16", foff: 0 }, /npts has type string/, "BadType"],
      // MsPASS's binary reader never looks at nbytes: a stale one still reads.
      [{ ...fileDoc, npts: 16, foff: 0, nbytes: 100 }, null, null],
      [
        { npts: 16, storage_mode: "gridfs", gridfs_id: new ObjectId() },
        /has no file in fs\.files/,
        "MissingSamples",
      ],
      [
        { npts: 17, storage_mode: "gridfs", gridfs_id: new ObjectId(gid) },
        /has length 128; expected 136/,
        "BadSamples",
      ],
      [{ npts: 16, storage_mode: "gridfs" }, /gridfs_id is missing/, "BadDocument"],
      [
        { npts: 16, storage_mode: "file", dir, dfile: "does-not-exist", foff: 0 },
        /cannot open file .*does-not-exist/,
        "MissingSamples",
      ],
      [
        { npts: 16, storage_mode: "file", dir, dfile: shortFile, foff: 0 },
        /has 100 bytes, shorter than foff\+nbytes = 0\+128/,
        "BadSamples",
      ],
      [{ ...fileDoc, npts: 16, foff: w.foffs[1] + 8 }, /shorter than foff\+nbytes/, "BadSamples"],
      [{ npts: 16, storage_mode: "url" }, /storage_mode 'url' is not supported/, "Unsupported"],
      [{ ...fileDoc, npts: 16, foff: 0, format: "sac" }, /format 'sac'/, "Unsupported"],
      [{ ...fileDoc, npts: 16, foff: 0, format: "mseed" }, /nbytes is missing/, "BadDocument"],
      [{ npts: 16, storage_mode: "gridfs", gridfs_id: new ObjectId(gid) }, null, null],
      // GridFS uses gridfs_id only: leftover file-mode fields of any value are ignored.
      [
        {
          npts: 16,
          storage_mode: "gridfs",
          gridfs_id: new ObjectId(gid),
          nbytes: 4096,
          format: "mseed",
          dir: "/nowhere",
          dfile: 3,
          foff: "x",
        },
        null,
        null,
      ],
    ];
    const r = await native.readSamples(uri, dbName, bson(cases.map(([d]) => d)));
    expect(r.errorKinds).toHaveLength(cases.length);
    cases.forEach(([, want, kind], i) => {
      expect(r.errorKinds[i], `member ${i}`).toBe(kind);
      if (want === null) {
        expect(r.errors[i], `member ${i}`).toBeNull();
        expect(Array.from(member(r, i))).toEqual(Array.from(good));
      } else {
        expect(r.errors[i], `member ${i}`).toMatch(want);
        expect(r.lengths[i]).toBe(0);
      }
    });
  });

  it("reports a GridFS file with a lost chunk as that member's error", async () => {
    const big = ramp(CHUNK / 8 + 3, 1);
    const [id] = await native.writeGridfsSamples(uri, dbName, [big]);
    await db.collection("fs.chunks").deleteOne({ files_id: new ObjectId(id), n: 1 });
    const r = await native.readSamples(
      uri,
      dbName,
      bson([{ npts: big.length, gridfs_id: new ObjectId(id) }]),
      {
        gridfsBatchSize: 1,
      },
    );
    expect(r.errors[0]).toMatch(/has 1 of 2 chunks/);
    expect(r.errorKinds[0]).toBe("BadSamples");
  });
});
