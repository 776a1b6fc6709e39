/**
 * Database.deleteData / clean / cleanCollection / verify against the real
 * server. Documents with MsPASS-typical defects are inserted RAW (bson types
 * chosen explicitly), then the results are read back raw.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { Double, Int32, ObjectId, type Document } from "mongodb";
import { describe, expect, it } from "vitest";
import { MsPASSError, TimeSeries, TimeSeriesEnsemble } from "mspass";
import { useTestDatabase } from "./helpers.js";

const { db, rdb, dir } = await useTestDatabase("maint_del");

function makeTs(seed: number): TimeSeries {
  const data = new Float64Array(200).map((_, i) => i * seed);
  return new TimeSeries({ dt: 0.1, t0: 1e9 + seed, tref: "UTC", data, metadata: { sta: `S${seed}` } });
}

describe("deleteData", () => {
  it("GridFS datum: the wf document, its GridFS file and chunks, its history_object and elog documents go", async () => {
    const d = makeTs(1);
    d.history.setAsOrigin("make", "0", "TimeSeries");
    d.elog.log("make", "a note", "Informational");
    const { _id } = await db.saveData(d);
    const doc = (await rdb.collection("wf_TimeSeries").findOne({ _id }))!;
    expect(doc.gridfs_id).toBeInstanceOf(ObjectId);
    expect(doc.history_object_id).toBeInstanceOf(ObjectId);
    expect(doc.elog_id).toBeInstanceOf(ObjectId);
    // a second elog document linked only by wf_TimeSeries_id
    await rdb.collection("elog").insertOne({ logdata: [], wf_TimeSeries_id: _id });

    const r = await db.deleteData(_id, "TimeSeries");
    expect(r).toEqual({ gridfsFiles: [doc.gridfs_id.toHexString()], files: [], historyObjects: 1, elogs: 2 });
    expect(await rdb.collection("wf_TimeSeries").countDocuments({ _id })).toBe(0);
    expect(await rdb.collection("fs.files").countDocuments({ _id: doc.gridfs_id })).toBe(0);
    expect(await rdb.collection("fs.chunks").countDocuments({ files_id: doc.gridfs_id })).toBe(0);
    expect(await rdb.collection("history_object").countDocuments({ _id: doc.history_object_id })).toBe(0);
    expect(await rdb.collection("elog").countDocuments({ wf_TimeSeries_id: _id })).toBe(0);
  });

  it("clearHistory/clearElog false keep those documents", async () => {
    const d = makeTs(2);
    d.history.setAsOrigin("make", "0", "TimeSeries");
    d.elog.log("make", "a note", "Informational");
    const { _id } = await db.saveData(d);
    const doc = (await rdb.collection("wf_TimeSeries").findOne({ _id }))!;
    const r = await db.deleteData(_id, "TimeSeries", { clearHistory: false, clearElog: false });
    expect(r.historyObjects).toBe(0);
    expect(r.elogs).toBe(0);
    expect(await rdb.collection("history_object").countDocuments({ _id: doc.history_object_id })).toBe(1);
    expect(await rdb.collection("elog").countDocuments({ _id: doc.elog_id })).toBe(1);
  });

  it("file datum: the file is removed only when asked and once no wf document references it", async () => {
    const ens = new TimeSeriesEnsemble([makeTs(3), makeTs(4), makeTs(5)]);
    const { ids } = await db.saveData(ens, {
      storageMode: "file",
      dir: join(dir, "shared"),
      dfile: "three.bin",
    });
    const file = join(dir, "shared", "three.bin");
    expect(existsSync(file)).toBe(true);
    // an index document in another wf collection also points at the file
    await rdb
      .collection("wf_miniseed")
      .insertOne({ dir: join(dir, "shared"), dfile: "three.bin", storage_mode: "file" });

    expect((await db.deleteData(ids![0], "TimeSeries")).files).toEqual([]); // not asked
    expect((await db.deleteData(ids![1], "TimeSeries", { removeUnreferencedFiles: true })).files).toEqual([]); // ids[2] still refers
    expect(existsSync(file)).toBe(true);
    expect((await db.deleteData(ids![2], "TimeSeries", { removeUnreferencedFiles: true })).files).toEqual([]); // wf_miniseed still refers
    expect(existsSync(file)).toBe(true);

    const d = makeTs(6);
    const { _id } = await db.saveData(d, { storageMode: "file", dir: join(dir, "own") });
    const own = (await rdb.collection("wf_TimeSeries").findOne({ _id }))!;
    const path = join(String(own.dir), String(own.dfile));
    expect(existsSync(path)).toBe(true);
    expect((await db.deleteData(_id, "TimeSeries", { removeUnreferencedFiles: true })).files).toEqual([path]);
    expect(existsSync(path)).toBe(false);
  });

  it("a missing document or a bad type throws", async () => {
    await expect(db.deleteData(new ObjectId(), "TimeSeries")).rejects.toThrow(/no document with _id=/);
    await expect(db.deleteData(new ObjectId(), "Ensemble" as never)).rejects.toBeInstanceOf(MsPASSError);
  });
});

/** A wf_TimeSeries document with assorted defects, types chosen explicitly. */
function defective(extra: Document = {}): Document {
  return {
    npts: new Double(200), // int field stored as a double
    delta: new Int32(1), // double field stored as an int32
    t0: new Double(12.5), // alias of starttime
    utc_convertible: true,
    time_standard: "UTC",
    storage_mode: "gridfs",
    calib: "high", // double field, not convertible
    site_id: new ObjectId(), // no such site
    foo: new Int32(1), // not in the schema
    // starttime_shift (required) is absent
    ...extra,
  };
}

describe("verify", () => {
  it("reports xref, type and undefined problems per key", async () => {
    const hist = await rdb.collection("history_object").insertOne({ save_uuid: "u" });
    const { insertedId } = await rdb
      .collection("wf_TimeSeries")
      .insertOne(defective({ history_object_id: hist.insertedId }));
    expect(await db.verify(insertedId)).toEqual({
      npts: ["type"],
      delta: ["type"],
      calib: ["type"],
      site_id: ["xref"],
      starttime_shift: ["undefined"],
    });
    expect(await db.verify(insertedId, { tests: ["type"] })).toEqual({
      npts: ["type"],
      delta: ["type"],
      calib: ["type"],
    });
    // the target now exists: no xref problem
    const siteId = (await rdb.collection("wf_TimeSeries").findOne({ _id: insertedId }))!.site_id;
    await rdb.collection("site").insertOne({ _id: siteId, lat: 1, lon: 2, elev: 0 });
    expect(await db.verify(insertedId, { tests: ["xref"] })).toEqual({});
  });

  it("throws for a missing document and an unknown test", async () => {
    await expect(db.verify(new ObjectId())).rejects.toThrow(/no document with _id=/);
    const { insertedId } = await rdb.collection("wf_TimeSeries").insertOne(defective());
    await expect(db.verify(insertedId, { tests: ["spelling" as never] })).rejects.toThrow(
      /only xref, type and undefined are supported/,
    );
  });
});

describe("clean", () => {
  it("rebuilds the document: aliases renamed, types converted and counted, unconvertible values dropped, undefined keys renamed", async () => {
    const { insertedId } = await rdb.collection("wf_TimeSeries").insertOne(defective({ bar_old: "x" }));
    const fixed = await db.clean(insertedId, { renameUndefined: { bar_old: "bar" } });
    expect(fixed).toEqual({ npts: 1, delta: 1 });
    const doc = (await rdb
      .collection("wf_TimeSeries")
      .findOne({ _id: insertedId }, { promoteValues: false }))!;
    expect(Object.keys(doc).sort()).toEqual(
      [
        "_id",
        "npts",
        "delta",
        "starttime",
        "utc_convertible",
        "time_standard",
        "storage_mode",
        "site_id",
        "foo",
        "bar",
      ].sort(),
    );
    expect(doc.npts).toEqual(new Int32(200));
    expect(doc.delta).toEqual(new Double(1));
    expect(doc.starttime).toEqual(new Double(12.5));
    expect(doc.bar).toBe("x");
    // what verify still reports after cleaning
    expect(await db.verify(insertedId)).toEqual({ site_id: ["xref"], starttime_shift: ["undefined"] });
  });

  it("deleteUndefined drops keys outside the schema; a missing document gives {}", async () => {
    const { insertedId } = await rdb.collection("wf_TimeSeries").insertOne(defective());
    await db.clean(insertedId, { deleteUndefined: true });
    const doc = (await rdb.collection("wf_TimeSeries").findOne({ _id: insertedId }))!;
    expect(doc.foo).toBeUndefined();
    expect(await db.clean(new ObjectId())).toEqual({});
  });

  it("deleteMissingRequired / deleteMissingXref delete the document (wf_miniseed included)", async () => {
    const a = await rdb.collection("wf_TimeSeries").insertOne(defective());
    expect(await db.clean(a.insertedId, { deleteMissingRequired: true })).toEqual({});
    expect(await rdb.collection("wf_TimeSeries").countDocuments({ _id: a.insertedId })).toBe(0);

    const m = await rdb.collection("wf_miniseed").insertOne({
      net: "XX",
      sta: "A",
      chan: "BHZ",
      dir: "/nonexistent",
      dfile: "x.mseed",
      foff: 0,
      nbytes: 512,
    });
    expect(
      await db.clean(m.insertedId, {
        collection: "wf_miniseed",
        requiredXrefList: ["channel_id"],
        deleteMissingXref: true,
      }),
    ).toEqual({});
    expect(await rdb.collection("wf_miniseed").countDocuments({ _id: m.insertedId })).toBe(0);

    // without the delete flags the document stays
    const b = await rdb.collection("wf_TimeSeries").insertOne(defective());
    await db.clean(b.insertedId, { requiredXrefList: ["channel_id"] });
    expect(await rdb.collection("wf_TimeSeries").countDocuments({ _id: b.insertedId })).toBe(1);
  });

  it("cleanCollection cleans every matching document and sums the counts", async () => {
    const tag = `cc_${Date.now()}`;
    await rdb
      .collection("wf_TimeSeries")
      .insertMany([
        defective({ data_tag: tag }),
        defective({ data_tag: tag }),
        defective({ data_tag: "other" }),
      ]);
    expect(await db.cleanCollection({ query: { data_tag: tag } })).toEqual({ npts: 2, delta: 2 });
    const left = await rdb
      .collection("wf_TimeSeries")
      .findOne({ data_tag: "other" }, { promoteValues: false });
    expect(left!.npts).toEqual(new Double(200)); // not matched: untouched
  });
});
