/**
 * Database.readData / saveData against the real server: round trips of the
 * four object types in both storage modes (metadata included), the stored
 * bytes read back RAW with the Node driver / fs and compared with MsPASS's
 * layout, the wf document fields against the reference list, aliases,
 * normalized keys, the three modes (READONLYERROR_), data tags, overwrite.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ObjectId, type Document } from "mongodb";
import { describe, expect, it } from "vitest";
import { useTestDatabase } from "./helpers.js";
import { Seismogram, SeismogramEnsemble, TimeSeries, TimeSeriesEnsemble } from "mspass";

const CHUNK = 261_120;
const { db, rdb, dir } = await useTestDatabase("db_io");

/** Little-endian float64 bytes, MsPASS's stored form. */
function le(values: ArrayLike<number>): Buffer {
  const b = Buffer.alloc(values.length * 8);
  for (let i = 0; i < values.length; i++) b.writeDoubleLE(values[i]!, i * 8);
  return b;
}

/** x0,y0,z0,x1,… from component-major samples (MsPASS's file layout). */
function columnMajor(data: Float64Array, npts: number): Float64Array {
  const out = new Float64Array(3 * npts);
  for (let i = 0; i < npts; i++) for (let k = 0; k < 3; k++) out[3 * i + k] = data[k * npts + i]!;
  return out;
}

function samples(n: number, seed: number): Float64Array {
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.sin(seed + i * 0.37) * 1e3 + seed;
  return a;
}

function makeTs(npts: number, seed: number, extra: Record<string, unknown> = {}): TimeSeries {
  return new TimeSeries({
    dt: 0.01,
    t0: 1.6e9 + seed,
    tref: "UTC",
    data: samples(npts, seed),
    metadata: { net: "XX", sta: `S${seed}`, chan: "BHZ", calib: 1.5, note: "kept", ...extra },
  });
}

const TILT = [
  [0.8, 0.6, 0],
  [-0.6, 0.8, 0],
  [0, 0, 1],
];

function makeSeis(npts: number, seed: number): Seismogram {
  const s = new Seismogram({
    dt: 0.025,
    t0: 12.5,
    data: samples(3 * npts, seed),
    tmatrix: TILT,
    metadata: { sta: `S${seed}` },
  });
  s.forceT0Shift(1.7e9); // relative time with a valid shift
  return s;
}

/** Raw wf document (Double etc. kept as bson wrappers). */
async function rawDoc(collection: string, id: unknown): Promise<Document> {
  const d = await rdb.collection(collection).findOne({ _id: id } as Document, { promoteValues: false });
  expect(d, `wf document ${String(id)}`).not.toBeNull();
  return d!;
}

/** The stored bytes of a wf document, read raw (fs.chunks or the file). */
async function storedBytes(doc: Document): Promise<Buffer> {
  if (String(doc.storage_mode) === "gridfs") {
    const file = await rdb.collection("fs.files").findOne({ _id: doc.gridfs_id });
    expect(file).not.toBeNull();
    expect(Number(file!.chunkSize)).toBe(CHUNK);
    const chunks = await rdb
      .collection("fs.chunks")
      .find({ files_id: doc.gridfs_id })
      .sort({ n: 1 })
      .toArray();
    const bytes = Buffer.concat(chunks.map((c) => Buffer.from(c.data.buffer)));
    expect(bytes.length).toBe(Number(file!.length));
    return bytes;
  }
  const buf = readFileSync(join(String(doc.dir), String(doc.dfile)));
  const foff = Number(doc.foff);
  return buf.subarray(foff, foff + Number(doc.nbytes));
}

const STORAGE_FIELDS = {
  gridfs: ["storage_mode", "gridfs_id"],
  file: ["storage_mode", "dir", "dfile", "foff", "nbytes", "format"],
} as const;

describe.each(["gridfs", "file"] as const)("round trips, storage_mode %s", (mode) => {
  const opts = () => (mode === "file" ? { storageMode: mode, dir: join(dir, "rt") } : { storageMode: mode });

  it("TimeSeries: document fields, raw bytes, read back by id and by document", async () => {
    const ts = makeTs(700, 1);
    ts.md.put("dt", 0.01); // an alias: stored under its unique name only
    ts.md
      .put("site_lat", 45.5)
      .put("channel_hang", 90)
      .put("source_depth", 10)
      .put("site_id", "s1")
      .put("channel_id", "c1");
    const r = await db.saveData(ts, opts());
    expect(r.isLive).toBe(true);
    expect(ts.md.get("_id")).toEqual(r._id);
    const doc = await rawDoc("wf_TimeSeries", r._id);
    const expected = [
      "_id",
      "npts",
      "delta",
      "starttime",
      "utc_convertible",
      "time_standard",
      "endtime",
      ...STORAGE_FIELDS[mode],
      "net",
      "sta",
      "chan",
      "calib",
      "note",
      "site_id",
      "channel_id",
    ];
    expect(Object.keys(doc).sort()).toEqual([...expected].sort());
    // Types as MsPASS's Python writes them.
    expect(doc.npts._bsontype).toBe("Int32");
    expect(doc.delta._bsontype).toBe("Double");
    expect(doc.starttime._bsontype).toBe("Double");
    expect(doc.endtime._bsontype).toBe("Double");
    expect(doc.utc_convertible).toBe(true);
    expect(doc.time_standard.toString()).toBe("UTC");
    expect(Number(doc.npts)).toBe(700);
    expect(Number(doc.delta)).toBe(0.01);
    expect(Number(doc.endtime)).toBeCloseTo(ts.t0 + 699 * 0.01, 9);
    if (mode === "file") {
      expect(Number(doc.nbytes)).toBe(700 * 8);
      expect(String(doc.dfile)).toMatch(
        /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}-binary$/,
      );
      expect(String(doc.dir)).toBe(join(dir, "rt"));
    } else {
      expect(doc.gridfs_id._bsontype).toBe("ObjectId");
    }
    expect((await storedBytes(doc)).equals(le(ts.data))).toBe(true);

    for (const back of [
      await db.readData(r._id!),
      await db.readData((await db.wf_TimeSeries.findOne({ _id: r._id }))!),
    ]) {
      expect(back).toBeInstanceOf(TimeSeries);
      expect(back.live).toBe(true);
      expect(back.elog.size).toBe(0);
      expect(Array.from(back.data)).toEqual(Array.from(ts.data));
      expect([back.npts, back.dt, back.t0, back.tref]).toEqual([700, 0.01, ts.t0, "UTC"]);
      expect(back.md.get("sta")).toBe("S1");
      expect(back.md.get("note")).toBe("kept");
      expect(back.md.get("calib")).toBe(1.5);
      expect(back.md.has("site_lat")).toBe(false);
      expect(back.md.modified().size).toBe(0);
    }
  });

  it("Seismogram: tmatrix flat 9, cardinal/orthogonal, relative time with shift, byte layout", async () => {
    const s = makeSeis(400, 2);
    const r = await db.saveData(s, opts());
    const doc = await rawDoc("wf_Seismogram", r._id);
    expect(doc.tmatrix.map(Number)).toEqual(TILT.flat());
    expect(doc.tmatrix.every((x: { _bsontype: string }) => x._bsontype === "Double")).toBe(true);
    expect(doc.cardinal).toBe(false);
    expect(doc.orthogonal).toBe(true);
    expect(doc.time_standard.toString()).toBe("Relative");
    expect(doc.utc_convertible).toBe(true);
    expect(Number(doc.starttime_shift)).toBe(1.7e9);
    // GridFS: row-major (component 0, 1, 2); file: column-major x0,y0,z0,x1,…
    const layout = mode === "gridfs" ? s.data : columnMajor(s.data, 400);
    expect((await storedBytes(doc)).equals(le(layout))).toBe(true);
    if (mode === "file") expect(Number(doc.nbytes)).toBe(24 * 400);

    const back = await db.readData(r._id!, { collection: "wf_Seismogram" });
    expect(back).toBeInstanceOf(Seismogram);
    const b = back as Seismogram;
    expect(b.live).toBe(true);
    expect(Array.from(b.data)).toEqual(Array.from(s.data));
    expect(b.tmatrix).toEqual(TILT);
    expect([b.cardinal, b.orthogonal, b.tref, b.shifted(), b.t0shift]).toEqual([
      false,
      true,
      "Relative",
      true,
      1.7e9,
    ]);
  });

  it("TimeSeriesEnsemble: one write for all members, read back as one buffer of views", async () => {
    const members = [makeTs(300, 10), makeTs(5, 11), makeTs(1000, 12)];
    const ens = new TimeSeriesEnsemble(members, { evid: 42, ens_note: `tse-${mode}` });
    const r = await db.saveData(ens, opts());
    expect(r.isLive).toBe(true);
    expect(r.ids).toHaveLength(3);
    const docs = await Promise.all(r.ids!.map((id) => rawDoc("wf_TimeSeries", id)));
    if (mode === "file") {
      // One file, contiguous appends, one foff per member.
      expect(new Set(docs.map((d) => `${d.dir}/${d.dfile}`)).size).toBe(1);
      const foffs = docs.map((d) => Number(d.foff));
      expect(foffs[1]! - foffs[0]!).toBe(300 * 8);
      expect(foffs[2]! - foffs[1]!).toBe(5 * 8);
    }
    for (let i = 0; i < 3; i++) {
      expect(Number(docs[i]!.evid)).toBe(42); // syncMetadata before save
      expect((await storedBytes(docs[i]!)).equals(le(members[i]!.data))).toBe(true);
    }

    const back = await db.readData(db.wf_TimeSeries.find({ ens_note: `tse-${mode}` }).sort({ sta: 1 }), {
      ensembleMetadata: { evid: 42 },
    });
    expect(back).toBeInstanceOf(TimeSeriesEnsemble);
    expect(back.live).toBe(true);
    expect(back.md.get("evid")).toBe(42);
    expect(back.member.map((m) => m.md.get("sta"))).toEqual(["S10", "S11", "S12"]);
    const buffer = back.member[0]!.data.buffer;
    for (let i = 0; i < 3; i++) {
      const m = back.member[i]!;
      expect(m.live).toBe(true);
      expect(Array.from(m.data)).toEqual(Array.from(members[i]!.data));
      expect(m.data.buffer).toBe(buffer); // a view into the one buffer, not a copy
      expect(m.data.byteOffset % 8).toBe(0);
    }
    expect(buffer.byteLength).toBe(1305 * 8);
  });

  it("SeismogramEnsemble: layout per member and round trip", async () => {
    const members = [makeSeis(50, 20), makeSeis(80, 21)];
    const ens = new SeismogramEnsemble(members, { ens_note: `se-${mode}` });
    const r = await db.saveData(ens, opts());
    expect(r.ids).toHaveLength(2);
    for (let i = 0; i < 2; i++) {
      const doc = await rawDoc("wf_Seismogram", r.ids![i]);
      const m = members[i]!;
      const layout = mode === "gridfs" ? m.data : columnMajor(m.data, m.npts);
      expect((await storedBytes(doc)).equals(le(layout))).toBe(true);
    }
    const back = await db.readData(db.wf_Seismogram.find({ ens_note: `se-${mode}` }).sort({ sta: 1 }));
    expect(back).toBeInstanceOf(SeismogramEnsemble);
    expect(back.member).toHaveLength(2);
    back.member.forEach((m, i) => {
      expect(m.live).toBe(true);
      expect(Array.from(m.data)).toEqual(Array.from(members[i]!.data));
      expect((m as Seismogram).tmatrix).toEqual(TILT);
    });
  });
});

describe("re-saving what was read", () => {
  it("an ensemble read from a file (members are views into one buffer) saves to GridFS and back to a file byte for byte", async () => {
    const members = [makeTs(33, 70), makeTs(44, 71), makeTs(55, 72)];
    await db.saveData(new TimeSeriesEnsemble(members, { resave: "src" }), {
      storageMode: "file",
      dir: join(dir, "resave"),
    });
    const back = await db.readData(db.wf_TimeSeries.find({ resave: "src" }).sort({ sta: 1 }));
    expect(back.member[1]!.data.byteOffset).toBe(33 * 8); // views, not copies
    back.md.put("resave", "copy");
    for (const storageMode of ["gridfs", "file"] as const) {
      const r = await db.saveData(back, { storageMode, dir: join(dir, "resave2") });
      for (let i = 0; i < 3; i++) {
        const doc = await rawDoc("wf_TimeSeries", r.ids![i]);
        expect(doc.storage_mode.toString()).toBe(storageMode);
        expect((await storedBytes(doc)).equals(le(members[i]!.data))).toBe(true);
      }
    }
  });
});

describe("cursor kinds", () => {
  it("an aggregation cursor and an already-started find cursor also give ensembles (the remaining documents)", async () => {
    const members = [makeTs(9, 80), makeTs(10, 81), makeTs(11, 82)];
    await db.saveData(new TimeSeriesEnsemble(members, { kinds: 1 }), {
      storageMode: "file",
      dir: join(dir, "kinds"),
    });
    const agg = await db.readData(
      db.wf_TimeSeries.aggregate([{ $match: { kinds: 1 } }, { $sort: { sta: 1 } }]),
    );
    expect(agg.member.map((m) => Array.from(m.data))).toEqual(members.map((m) => Array.from(m.data)));

    const cur = db.wf_TimeSeries.find({ kinds: 1 }).sort({ sta: 1 });
    expect((await cur.next())!.sta).toBe("S80");
    const rest = await db.readData(cur);
    expect(rest.member.map((m) => m.md.get("sta"))).toEqual(["S81", "S82"]);
    expect(Array.from(rest.member[1]!.data)).toEqual(Array.from(members[2]!.data));
    expect(cur.closed).toBe(true);

    const fresh = db.wf_TimeSeries.find({ kinds: 1 });
    await db.readData(fresh);
    expect(fresh.closed).toBe(true); // consumed, as a driver cursor read to the end
  });

  it("a started cursor whose rest spans its current batch and the server: both parts, in order, with their samples", async () => {
    const members = [makeTs(12, 90), makeTs(13, 91), makeTs(14, 92), makeTs(15, 93)];
    await db.saveData(new TimeSeriesEnsemble(members, { kinds: 2 }), {
      storageMode: "file",
      dir: join(dir, "kinds2"),
    });
    for (const batchSize of [1, 2, 3]) {
      const cur = db.wf_TimeSeries.find({ kinds: 2 }).sort({ sta: 1 }).batchSize(batchSize);
      expect((await cur.next())!.sta).toBe("S90");
      const rest = await db.readData(cur);
      expect(rest.member.map((m) => m.md.get("sta"))).toEqual(["S91", "S92", "S93"]);
      expect(rest.member.map((m) => Array.from(m.data))).toEqual(
        members.slice(1).map((m) => Array.from(m.data)),
      );
      expect(cur.closed).toBe(true);
      expect(await cur.next()).toBeNull();
    }
  });
});

describe("file storage details", () => {
  it("appends to an existing dfile; format is always recorded (binary by default, as MsPASS); dir defaults to the working directory", async () => {
    const d = join(dir, "append");
    const a = await db.saveData(makeTs(10, 30), { storageMode: "file", dir: d, dfile: "one.bin" });
    const b = await db.saveData(makeTs(20, 31), {
      storageMode: "file",
      dir: d,
      dfile: "one.bin",
      format: "binary",
    });
    const da = await rawDoc("wf_TimeSeries", a._id);
    const db2 = await rawDoc("wf_TimeSeries", b._id);
    expect(Number(da.foff)).toBe(0);
    expect(Number(db2.foff)).toBe(80);
    expect(da.format).toBe("binary");
    expect(db2.format.toString()).toBe("binary");
    expect(readFileSync(join(d, "one.bin")).length).toBe(240);

    const cwd = process.cwd();
    const here = join(dir, "cwd");
    const { mkdirSync } = await import("node:fs");
    mkdirSync(here);
    process.chdir(here);
    try {
      const c = await db.saveData(makeTs(4, 32), { storageMode: "file" });
      const dc = await rawDoc("wf_TimeSeries", c._id);
      expect(String(dc.dir)).toBe(here);
    } finally {
      process.chdir(cwd);
    }
  });

  it("returnData gives the datum with its new _id and storage fields", async () => {
    const ts = makeTs(8, 33);
    const back = await db.saveData(ts, { storageMode: "file", dir: join(dir, "rd"), returnData: true });
    expect(back).toBe(ts);
    expect(ts.md.get("storage_mode")).toBe("file");
    expect(ts.md.get("foff")).toBe(0);
    const doc = await rawDoc("wf_TimeSeries", ts.md.get("_id"));
    expect(String(doc.dfile)).toBe(ts.md.get("dfile"));
  });
});

describe("data tags", () => {
  it("stores dataTag, drops an old tag, and filters reads by tag", async () => {
    const t1 = makeTs(6, 40, { grp: "tags" });
    t1.md.put("data_tag", "old");
    const r1 = await db.saveData(t1, { dataTag: "raw" });
    const t2 = makeTs(6, 41, { grp: "tags" });
    t2.md.put("data_tag", "old");
    const r2 = await db.saveData(t2);
    expect((await rawDoc("wf_TimeSeries", r1._id)).data_tag.toString()).toBe("raw");
    expect("data_tag" in (await rawDoc("wf_TimeSeries", r2._id))).toBe(false);

    const ens = await db.readData(db.wf_TimeSeries.find({ grp: "tags" }), { dataTag: "raw" });
    expect(ens.member.map((m) => m.md.get("sta"))).toEqual(["S40"]);
    const none = await db.readData(db.wf_TimeSeries.find({ grp: "tags" }), { dataTag: "nope" });
    expect(none.member).toHaveLength(0);
    expect(none.live).toBe(false);
    expect(none.elog.worstError()).toBe("Invalid");

    const doc = await db.wf_TimeSeries.findOne({ _id: r1._id });
    const wrong = await db.readData(doc!, { dataTag: "other" });
    expect(wrong.live).toBe(false);
    expect(wrong.npts).toBe(0);
    expect(wrong.elog.entries[0]!.message).toMatch(/data_tag "raw".*"other"/);
  });
});

describe("overwrite", () => {
  it("deletes the datum's previous GridFS file", async () => {
    const ts = makeTs(16, 50);
    const first = await db.saveData(ts);
    const oldId = ts.md.get("gridfs_id");
    expect(await rdb.collection("fs.files").countDocuments({ _id: oldId as never })).toBe(1);
    const again = await db.saveData(ts, { overwrite: true });
    expect(again._id).not.toEqual(first._id);
    expect(await rdb.collection("fs.files").countDocuments({ _id: oldId as never })).toBe(0);
    expect(await rdb.collection("fs.chunks").countDocuments({ files_id: oldId as never })).toBe(0);
    const back = await db.readData(again._id!);
    expect(Array.from(back.data)).toEqual(Array.from(ts.data));
  });
});

describe("MsPASS links on save", () => {
  it("history_object_id of the source document is not carried into the new wf document nor left on the datum", async () => {
    const saved = await db.saveData(makeTs(8, 70));
    const ts = await db.readData(saved._id!);
    ts.md.put("history_object_id", new ObjectId());
    const r = await db.saveData(ts);
    expect("history_object_id" in (await rawDoc("wf_TimeSeries", r._id))).toBe(false);
    expect(ts.md.has("history_object_id")).toBe(false);
    expect(ts.md.get("_id")).toEqual(r._id);
  });

  it("a datum never saved: its elog document has no wf_<Type>_id; the wf document links to it by elog_id", async () => {
    const ts = makeTs(8, 71);
    ts.elog.log("test", "note", "Complaint");
    const r = await db.saveData(ts);
    const doc = await rawDoc("wf_TimeSeries", r._id);
    const elog = await rdb.collection("elog").findOne({ _id: doc.elog_id });
    expect(elog).not.toBeNull();
    expect("wf_TimeSeries_id" in elog!).toBe(false);
  });
});

describe("modes", () => {
  it("save: cautious renames a modified readonly key to READONLYERROR_ with an elog Complaint, drops unknown keys; promiscuous keeps them", async () => {
    const saved = await db.saveData(makeTs(12, 60, { extra_key: 7 }));
    const ts = await db.readData(saved._id!);
    ts.md.put("sta", "CHANGED"); // readonly (normalized) key
    const r = await db.saveData(ts, { mode: "cautious" });
    const doc = await rawDoc("wf_TimeSeries", r._id);
    expect(doc.READONLYERROR_sta.toString()).toBe("CHANGED");
    expect("sta" in doc).toBe(false);
    expect("net" in doc).toBe(false); // unmodified readonly: dropped
    expect("extra_key" in doc).toBe(false); // not in the schema
    expect("note" in doc).toBe(false);
    // As MsPASS, the elog is saved before the wf document: it carries the
    // datum's previous _id (the document it was read from); the new wf
    // document links to it by elog_id.
    const elog = await rdb.collection("elog").findOne({ _id: doc.elog_id });
    expect(elog).not.toBeNull();
    expect(elog!.wf_TimeSeries_id).toEqual(saved._id);
    expect(
      elog!.logdata.some(
        (l: Document) => l.badness === "ErrorSeverity.Complaint" && /READONLYERROR_sta/.test(l.error_message),
      ),
    ).toBe(true);

    const p = await db.saveData(ts, { mode: "promiscuous" });
    const pdoc = await rawDoc("wf_TimeSeries", p._id);
    expect(pdoc.sta.toString()).toBe("CHANGED");
    expect(Number(pdoc.extra_key)).toBe(7);
  });

  it("save: cautious converts a mismatched type, pedantic kills the datum and buries it", async () => {
    const ts = makeTs(12, 61);
    ts.md.put("calib", "2.5");
    const c = await db.saveData(ts, { mode: "cautious" });
    expect((await rawDoc("wf_TimeSeries", c._id)).calib._bsontype).toBe("Double");
    const before = await rdb.collection("cemetery").countDocuments();
    const p = await db.saveData(ts, { mode: "pedantic", dataTag: "ped" });
    expect(p).toEqual({ isLive: false });
    expect(ts.live).toBe(false);
    expect(await rdb.collection("cemetery").countDocuments()).toBe(before + 1);
    const grave = await rdb.collection("cemetery").findOne({ data_tag: "ped" });
    expect(grave!.tombstone.calib).toBe("2.5");
    expect(
      grave!.logdata.some(
        (l: Document) => l.badness === "ErrorSeverity.Invalid" && /calib/.test(l.error_message),
      ),
    ).toBe(true);
  });

  it("read: cautious drops unknown keys and converts types; pedantic turns a mismatch into an abortion", async () => {
    const { insertedId } = await rdb.collection("wf_TimeSeries").insertOne({
      npts: 3,
      delta: "0.5",
      starttime: 0,
      time_standard: "Relative",
      storage_mode: "gridfs",
      junk: 1,
    });
    const g = await db.saveData(new TimeSeries({ dt: 0.5, data: new Float64Array([1, 2, 3]) }));
    const gid = (await rawDoc("wf_TimeSeries", g._id)).gridfs_id;
    await rdb.collection("wf_TimeSeries").updateOne({ _id: insertedId }, { $set: { gridfs_id: gid } });

    const p = await db.readData(insertedId);
    expect(p.live).toBe(false); // promiscuous: delta "0.5" cannot build a datum
    expect(p.isAbortion).toBe(true);

    const c = await db.readData(insertedId, { mode: "cautious" });
    expect(c.live).toBe(true);
    expect(c.dt).toBe(0.5);
    expect(c.md.has("junk")).toBe(false);
    expect(Array.from(c.data)).toEqual([1, 2, 3]);
    expect(c.elog.entries.map((e) => e.badness)).toEqual(
      expect.arrayContaining(["Complaint", "Informational"]),
    );

    const ped = await db.readData(insertedId, { mode: "pedantic" });
    expect(ped.live).toBe(false);
    expect(ped.isAbortion).toBe(true);
    expect(ped.elog.entries.some((e) => e.badness === "Invalid" && /delta/.test(e.message))).toBe(true);
  });

  it("excludeKeys on read and save", async () => {
    const r = await db.saveData(makeTs(4, 62), { excludeKeys: ["note"] });
    expect("note" in (await rawDoc("wf_TimeSeries", r._id))).toBe(false);
    const back = await db.readData(r._id!, { excludeKeys: ["calib"] });
    expect(back.md.has("calib")).toBe(false);
    expect(back.live).toBe(true);
  });
});
