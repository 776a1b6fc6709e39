/**
 * Dead data and caller mistakes in Database.readData / saveData, against the
 * real server: every bad-document case ends in a dead datum with the right
 * elog entry and no exception (alone and inside an ensemble, which keeps its
 * live members); cemetery / abortions / elog contents; cremate; zero
 * samples; the rollback when the wf insert fails; MsPASSError for wrong
 * arguments; a user's mspass.yaml as the schema.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path, { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Double, ObjectId, type Document } from "mongodb";
import { describe, expect, it } from "vitest";
import { expectMsPASSError, useTestDatabase } from "./helpers.js";
import { Client, MsPASSError, Schema, Seismogram, TimeSeries, TimeSeriesEnsemble, Undertaker } from "mspass";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
/** A user's schema file in MsPASS's mspass.yaml format, kept in the repository. */
const MSPASS_YAML = path.resolve(repoRoot, "test/fixtures/schema/mspass-schema.yaml");

const { uri, client, db, rdb, dir } = await useTestDatabase("db_io_dead");

const base = { delta: 0.5, starttime: 10, time_standard: "UTC" };

describe("bad documents give dead data, never exceptions", () => {
  // Each case: a document, the elog message expected, and whether the datum is an abortion.
  const cases: Array<[string, () => Promise<Document>, RegExp, boolean]> = [
    [
      "npts missing",
      async () => ({ ...base, storage_mode: "gridfs", gridfs_id: new ObjectId() }),
      /npts is missing/,
      true,
    ],
    [
      "npts of the wrong type",
      async () => ({ ...base, npts: "10", storage_mode: "gridfs", gridfs_id: new ObjectId() }),
      /npts has type string/,
      true,
    ],
    [
      "a storage field of the wrong type",
      async () => ({ ...base, npts: 10, storage_mode: "file", dir, dfile: "x", foff: "zero" }),
      /foff has type string/,
      true,
    ],
    [
      "an unknown storage_mode",
      async () => ({ ...base, npts: 10, storage_mode: "fdsn" }),
      /storage_mode 'fdsn' is not supported/,
      true,
    ],
    [
      "a gridfs_id with no file",
      async () => ({ ...base, npts: 10, storage_mode: "gridfs", gridfs_id: new ObjectId() }),
      /gridfs_id \S+ has no file in fs\.files/,
      false,
    ],
    [
      "a missing file",
      async () => ({ ...base, npts: 10, storage_mode: "file", dir, dfile: "no-such-file", foff: 0 }),
      /cannot open file .*no-such-file/,
      false,
    ],
    [
      "a file shorter than foff + nbytes",
      async () => {
        writeFileSync(join(dir, "short.bin"), Buffer.alloc(100));
        return { ...base, npts: 10, storage_mode: "file", dir, dfile: "short.bin", foff: 40 };
      },
      /has 100 bytes, shorter than foff\+nbytes = 40\+80/,
      false,
    ],
    [
      "delta missing (no datum can be built)",
      async () => ({ npts: 2, starttime: 0, storage_mode: "gridfs", gridfs_id: new ObjectId() }),
      /delta/,
      true,
    ],
  ];

  it.each(cases)("%s", async (_name, make, message, abortion) => {
    const doc = await make();
    const { insertedId } = await rdb.collection("wf_TimeSeries").insertOne({ ...doc, grp: "bad" });
    for (const d of [await db.readData(insertedId), await db.readData({ ...doc })]) {
      expect(d.live).toBe(false);
      expect(d.isAbortion).toBe(abortion);
      const e = d.elog.entries.find((x) => message.test(x.message));
      expect(e, d.elog.entries.map((x) => x.message).join(" | ")).toBeDefined();
      expect(e!.badness).toBe("Invalid");
    }
  });

  it("an ensemble keeps its live members and carries the dead ones with their reasons", async () => {
    const good = await db.saveData(
      new TimeSeries({ dt: 0.5, data: new Float64Array([4, 5, 6]), metadata: { grp: "bad" } }),
    );
    const ens = await db.readData(db.wf_TimeSeries.find({ grp: "bad" }));
    expect(ens).toBeInstanceOf(TimeSeriesEnsemble);
    expect(ens.live).toBe(true);
    expect(ens.member).toHaveLength(cases.length + 1);
    const live = ens.member.filter((m) => m.live);
    expect(live).toHaveLength(1);
    expect(live[0]!.md.get("_id")).toEqual(good._id);
    expect(Array.from(live[0]!.data)).toEqual([4, 5, 6]);
    for (const [, , message] of cases) {
      expect(ens.member.some((m) => m.dead && m.elog.entries.some((e) => message.test(e.message)))).toBe(
        true,
      );
    }
  });

  it("counts stored with other types: a double npts reads in every mode; a string npts only in cautious mode (converted)", async () => {
    const g = await db.saveData(new TimeSeries({ dt: 0.5, data: new Float64Array([7, 8, 9]) }));
    const gridfs_id = (await rdb.collection("wf_TimeSeries").findOne({ _id: g._id }))!.gridfs_id;
    const common = { ...base, storage_mode: "gridfs", gridfs_id, grp: "types" };
    const dbl = await rdb
      .collection("wf_TimeSeries")
      .insertOne({ ...common, npts: new Double(3), kind: "double" });
    const str = await rdb.collection("wf_TimeSeries").insertOne({ ...common, npts: "3", kind: "string" });
    for (const mode of ["promiscuous", "cautious", "pedantic"] as const) {
      const d = await db.readData(dbl.insertedId, { mode });
      expect([mode, d.live, Array.from(d.data)]).toEqual([mode, true, [7, 8, 9]]);
    }
    const sp = await db.readData(str.insertedId);
    expect(sp.live).toBe(false);
    const sc = await db.readData(str.insertedId, { mode: "cautious" });
    expect(sc.live).toBe(true);
    expect(Array.from(sc.data)).toEqual([7, 8, 9]);
    // The same through a cursor (the core first sees the stored types).
    for (const [mode, live] of [
      ["promiscuous", [dbl.insertedId]],
      ["cautious", [dbl.insertedId, str.insertedId]],
    ] as const) {
      const e = await db.readData(db.wf_TimeSeries.find({ grp: "types" }).sort({ kind: 1 }), { mode });
      expect(e.member).toHaveLength(2);
      expect(e.member.filter((m) => m.live).map((m) => m.md.get("_id"))).toEqual(live);
      for (const m of e.member.filter((x) => x.live)) expect(Array.from(m.data)).toEqual([7, 8, 9]);
    }
  });

  it("an ObjectId with no document gives a dead datum with an Invalid entry", async () => {
    const id = new ObjectId();
    const d = await db.readData(id, { collection: "wf_Seismogram" });
    expect(d).toBeInstanceOf(Seismogram);
    expect(d.live).toBe(false);
    expect(d.elog.entries[0]!.badness).toBe("Invalid");
    expect(d.elog.entries[0]!.message).toContain(`no document with _id=${id.toHexString()} in wf_Seismogram`);
  });

  it("a cursor that finds nothing gives an empty dead ensemble", async () => {
    const e = await db.readData(db.wf_TimeSeries.find({ grp: "nothing-here" }));
    expect(e.member).toHaveLength(0);
    expect(e.live).toBe(false);
  });
});

describe("burying", () => {
  it("a killed datum goes to cemetery with its tombstone and logdata; an abortion to abortions; cremate writes nothing", async () => {
    const ts = new TimeSeries({
      dt: 1,
      data: new Float64Array([1, 2]),
      metadata: { sta: "DEAD", grp: "cem" },
    });
    ts.elog.log("myalg", "bad trace", "Invalid");
    ts.kill();
    const r = await db.saveData(ts, { dataTag: "t1" });
    expect(r).toEqual({ isLive: false });
    const grave = await rdb.collection("cemetery").findOne({ "tombstone.sta": "DEAD" });
    expect(grave).not.toBeNull();
    expect(grave!.data_tag).toBe("t1");
    expect(grave!.tombstone).toMatchObject({ sta: "DEAD", grp: "cem", npts: 2, delta: 1 });
    expect(grave!.logdata).toEqual([
      expect.objectContaining({
        algorithm: "myalg",
        error_message: "bad trace",
        badness: "ErrorSeverity.Invalid",
        job_id: 0,
        process_id: process.pid,
      }),
    ]);
    expect(ts.npts).toBe(0); // mummified after burial
    expect(await rdb.collection("wf_TimeSeries").countDocuments({ sta: "DEAD" })).toBe(0);

    const { insertedId } = await rdb
      .collection("wf_TimeSeries")
      .insertOne({ npts: "x", delta: 1, starttime: 0, sta: "ABORT" });
    const ab = await db.readData(insertedId);
    expect(ab.isAbortion).toBe(true);
    await db.saveData(ab);
    const a = await rdb.collection("abortions").findOne({ "tombstone.sta": "ABORT" });
    expect(a).not.toBeNull();
    expect(a!.type).toBe("<class 'mspasspy.ccore.seismic.TimeSeries'>"); // MsPASS's str(class)
    expect(a!.tombstone.npts).toBe("x"); // the document as read
    expect(a!.logdata.some((l: Document) => /npts has type string/.test(l.error_message))).toBe(true);

    const counts = async () => [
      await rdb.collection("cemetery").countDocuments(),
      await rdb.collection("abortions").countDocuments(),
    ];
    const before = await counts();
    const c = new TimeSeries({ dt: 1, data: new Float64Array(3) });
    c.kill();
    expect(await db.saveData(c, { cremate: true })).toEqual({ isLive: false });
    expect(await counts()).toEqual(before);
  });

  it("a datum with zero samples is killed and buried", async () => {
    const z = new TimeSeries({ dt: 1, data: new Float64Array(0), metadata: { sta: "ZERO" } });
    expect(await db.saveData(z)).toEqual({ isLive: false });
    expect(z.live).toBe(false);
    const grave = await rdb.collection("cemetery").findOne({ "tombstone.sta": "ZERO" });
    expect(grave!.logdata[0].error_message).toMatch(/zero samples/);
  });

  it("an ensemble loses its dead members (buried) and saves the rest; a killed ensemble is buried whole", async () => {
    const mk = (sta: string) =>
      new TimeSeries({ dt: 1, data: new Float64Array([1, 2, 3]), metadata: { sta, grp: "ensdead" } });
    const [a, b, c] = [mk("EA"), mk("EB"), mk("EC")];
    b.kill();
    const ens = new TimeSeriesEnsemble([a, b, c]);
    const r = await db.saveData(ens, { storageMode: "file", dir: join(dir, "ens") });
    expect(r.isLive).toBe(true);
    expect(r.ids).toHaveLength(2);
    expect(ens.member).toEqual([a, c]);
    expect(await rdb.collection("cemetery").countDocuments({ "tombstone.sta": "EB" })).toBe(1);
    expect(await rdb.collection("wf_TimeSeries").countDocuments({ grp: "ensdead" })).toBe(2);

    const killed = new TimeSeriesEnsemble([mk("KA"), mk("KB")]);
    killed.kill();
    expect(await db.saveData(killed)).toMatchObject({ isLive: false });
    expect(await rdb.collection("cemetery").countDocuments({ "tombstone.sta": { $in: ["KA", "KB"] } })).toBe(
      2,
    );
  });
});

describe("Undertaker", () => {
  it("bringOutYourDead removes dead members; bury writes one cemetery and one abortions insert; live data are left alone", async () => {
    const mk = (sta: string) => new TimeSeries({ dt: 1, data: new Float64Array([1, 2]), metadata: { sta } });
    const [a, b, c] = [mk("UA"), mk("UB"), mk("UC")];
    b.kill();
    const ens = new TimeSeriesEnsemble([a, b, c]);
    const u = new Undertaker(db);
    expect(u.bringOutYourDead(ens)).toEqual([b]);
    expect(ens.member).toEqual([a, c]);
    const { insertedId } = await rdb
      .collection("wf_TimeSeries")
      .insertOne({ npts: -4, delta: 1, starttime: 0, sta: "UD" });
    const abortion = await db.readData(insertedId);
    const r = await u.bury([b, abortion, a], { dataTag: "u" });
    expect(r.cemetery).toHaveLength(1);
    expect(r.abortions).toHaveLength(1);
    expect((await rdb.collection("cemetery").findOne({ _id: r.cemetery[0] }))!.tombstone.sta).toBe("UB");
    expect((await rdb.collection("abortions").findOne({ _id: r.abortions[0] }))!.tombstone.sta).toBe("UD");
    expect(await rdb.collection("cemetery").countDocuments({ "tombstone.sta": "UA" })).toBe(0);
    expect(a.npts).toBe(2); // live: untouched
    expect(b.npts).toBe(0); // buried: mummified
  });
});

describe("nothing half-written", () => {
  it("when the wf insert fails the GridFS files written are removed and the error says so", async () => {
    const loop: Record<string, unknown> = {};
    loop.self = loop; // cannot be encoded as BSON
    const ts = new TimeSeries({ dt: 1, data: new Float64Array([1, 2, 3]) });
    ts.md.put("loop", loop as never);
    ts.elog.log("x", "an entry, so an elog document is written first", "Complaint");
    const files = await rdb.collection("fs.files").countDocuments();
    const elogs = await rdb.collection("elog").countDocuments();
    const err = await expectMsPASSError(
      db.saveData(ts),
      /nothing was saved.*GridFS file\(s\) written were removed/,
    );
    expect(err.severity).toBe("Fatal");
    expect(await rdb.collection("fs.files").countDocuments()).toBe(files);
    expect(await rdb.collection("elog").countDocuments()).toBe(elogs);
  });
});

describe("caller mistakes throw MsPASSError", () => {
  it("readData", async () => {
    await expectMsPASSError(
      db.readData(42),
      /first argument must be an ObjectId, a document or a Cursor, got a number/,
    );
    await expectMsPASSError(db.readData("6b0618f15da3aa5744c361d6"), /first argument/);
    await expectMsPASSError(db.readData(new Date()), /first argument/);
    await expectMsPASSError(
      db.readData(new ObjectId(), { mode: "sloppy" as never }),
      /unknown mode "sloppy"/,
    );
    await expectMsPASSError(
      db.readData(new ObjectId(), { collection: "wf_nope" }),
      /unknown collection "wf_nope"/,
    );
    await expectMsPASSError(
      db.readData(new ObjectId(), { collection: "site" }),
      /collection "site" holds no waveform data type/,
    );
    await expectMsPASSError(
      db.readData(new ObjectId(), { colection: "wf" } as never),
      /unknown option "colection"/,
    );
  });

  it("saveData", async () => {
    const ts = new TimeSeries({ dt: 1, data: new Float64Array(2) });
    await expectMsPASSError(db.saveData({ npts: 2 }), /datum must be a TimeSeries, Seismogram/);
    await expectMsPASSError(
      db.saveData(ts, { storageMode: "tape" as never }),
      /storageMode must be "gridfs", "file" or "s3"/,
    );
    await expectMsPASSError(db.saveData(ts, { format: "sac" as never }), /format "sac" is not supported/);
    await expectMsPASSError(db.saveData(ts, { format: "mseed" }), /format "mseed" is written to files only/);
    await expectMsPASSError(db.saveData(ts, { mode: "strict" as never }), /unknown mode "strict"/);
    await expectMsPASSError(
      db.saveData(ts, { collection: "wf_Seismogram" }),
      /holds Seismogram data, but the datum is a TimeSeries/,
    );
    await expectMsPASSError(db.saveData(ts, { dfile: "a/b" }), /dfile must be a file name/);
  });
});

describe("schema", () => {
  it("loads a user's mspass.yaml through Client.connect({schema}) and applies it", async () => {
    const c = await Client.connect({ databaseHost: uri, scheduler: "none", schema: MSPASS_YAML });
    try {
      const udb = c.getDatabase(db.name);
      expect(udb.schema).toBeInstanceOf(Schema);
      expect(udb.schema).not.toBe(Schema.default());
      // The parsed file is reused while it is unchanged.
      expect(c.getDatabaseClient().getDatabase("another", { schema: MSPASS_YAML }).schema).toBe(udb.schema);
      const ts = new TimeSeries({
        dt: 0.1,
        data: new Float64Array([1, 2, 3]),
        metadata: { sta: "YAML", not_in_schema: 1 },
      });
      const r = await udb.saveData(ts, { mode: "cautious", storageMode: "file", dir: join(dir, "yaml") });
      const doc = await rdb.collection("wf_TimeSeries").findOne({ _id: r._id });
      expect(doc!.not_in_schema).toBeUndefined();
      const back = await udb.readData(r._id!, { mode: "cautious" });
      expect(back.live).toBe(true);
      expect(Array.from(back.data)).toEqual([1, 2, 3]);
    } finally {
      await c.close();
    }
  });

  it("an invalid schema throws MsPASSError when the Database is made", async () => {
    const bad = join(dir, "bad.yaml");
    mkdirSync(dir, { recursive: true });
    writeFileSync(bad, "Database:\n  nothing: 1\n");
    expect(() => client.getDatabase("db_io_badschema").client.getDatabase("x", { schema: bad })).toThrow(
      MsPASSError,
    );
    expect(() => client.getDatabaseClient().getDatabase("x", { schema: join(dir, "missing.yaml") })).toThrow(
      /schema/i,
    );
    expect(() => client.getDatabaseClient().getDatabase("x", { schema: 42 })).toThrow(
      /schema must be a Schema or a path/,
    );
    expect(client.getDatabaseClient().getDatabase("x", { schema: "mspass" }).schema).toBe(Schema.default());
  });
});
