/**
 * Object-level history against the real server: saveData({ saveHistory })
 * writes history_object documents and history_object_id, readData({
 * loadHistory }) brings the tree back; a MsPASS pickle is read as opaque
 * bytes; unresolved ids are a Complaint. Documents checked raw, field by field.
 */
import { Binary, ObjectId, type Document } from "mongodb";
import { describe, expect, it } from "vitest";
import { HISTORY_DOCUMENT_FORMAT, TimeSeries, TimeSeriesEnsemble } from "mspass";
import { useTestDatabase } from "./helpers.js";

const { db, rdb } = await useTestDatabase("hist_obj");

function makeTs(seed: number, withHistory = true): TimeSeries {
  const d = new TimeSeries({
    dt: 0.05,
    t0: 1e9 + seed,
    tref: "UTC",
    data: new Float64Array(64).fill(seed),
    metadata: { sta: `S${seed}` },
  });
  if (withHistory) {
    d.history.setAsOrigin("make", "m0", "TimeSeries");
    d.history.addNode("filter", "f1", "TimeSeries");
  }
  return d;
}

describe("saveData with history", () => {
  it("writes one history_object document linked both ways; the datum restarts at an origin keyed by save_uuid", async () => {
    const d = makeTs(1);
    const [origin, filter] = d.history.nodes.map((n) => n.uuid);
    const { _id } = await db.saveData(d); // saveHistory defaults to true, as MsPASS's code
    const wf = (await rdb.collection("wf_TimeSeries").findOne({ _id }))!;
    expect(wf.history_object_id).toBeInstanceOf(ObjectId);
    const h = (await rdb
      .collection("history_object")
      .findOne({ _id: wf.history_object_id }, { promoteValues: false }))!;
    expect(Object.keys(h).sort()).toEqual([
      "_id",
      "alg_id",
      "alg_name",
      "processing_history",
      "save_stage",
      "save_uuid",
      "wf_TimeSeries_id",
    ]);
    expect(typeof h.save_uuid).toBe("string");
    expect(h.save_stage.valueOf()).toBe(2);
    expect(h.alg_name).toBe("save_data");
    expect(h.alg_id).toBe("0");
    expect(h.wf_TimeSeries_id).toEqual(_id);
    const ph = h.processing_history;
    expect(ph.format).toBe(HISTORY_DOCUMENT_FORMAT);
    expect(ph.current).toBe(h.save_uuid);
    expect(
      ph.nodes.map((n: Document) => [n.status, n.algorithm, n.algid, n.stage.valueOf(), n.type, n.inputs]),
    ).toEqual([
      ["ORIGIN", "make", "m0", 0, "TimeSeries", []],
      ["VOLATILE", "filter", "f1", 1, "TimeSeries", [origin]],
      ["SAVED", "save_data", "0", 2, "TimeSeries", [filter]],
    ]);
    // the datum
    expect(d.md.get("history_object_id")).toEqual(wf.history_object_id);
    expect(d.history.nodes).toHaveLength(1);
    expect(d.history.current).toMatchObject({
      status: "ORIGIN",
      uuid: h.save_uuid,
      algorithm: "save_data",
      stage: 0,
    });
  });

  it("algName/algId are recorded; saveHistory:false and an empty history write none", async () => {
    const a = makeTs(2);
    const { _id } = await db.saveData(a, { algName: "my_save", algId: "42" });
    const h = (await rdb.collection("history_object").findOne({ wf_TimeSeries_id: _id }))!;
    expect([h.alg_name, h.alg_id]).toEqual(["my_save", "42"]);

    const before = await rdb.collection("history_object").countDocuments();
    const b = makeTs(3);
    const rb = await db.saveData(b, { saveHistory: false });
    const c = makeTs(4, false);
    const rc = await db.saveData(c);
    expect(await rdb.collection("history_object").countDocuments()).toBe(before);
    for (const id of [rb._id, rc._id])
      expect((await rdb.collection("wf_TimeSeries").findOne({ _id: id }))!.history_object_id).toBeUndefined();
    expect(b.history.nodes).toHaveLength(2); // untouched
    await expect(db.saveData(makeTs(5), { saveHistory: "yes" as never })).rejects.toThrow(
      /saveHistory must be a boolean/,
    );
  });

  it("an ensemble: one document per live member, none for a dead one", async () => {
    const members = [makeTs(6), makeTs(7), makeTs(8)];
    members[1]!.kill();
    const before = await rdb.collection("history_object").countDocuments();
    const { ids } = await db.saveData(new TimeSeriesEnsemble(members));
    expect(ids).toHaveLength(2);
    expect(await rdb.collection("history_object").countDocuments()).toBe(before + 2);
    for (const id of ids!) {
      const wf = (await rdb.collection("wf_TimeSeries").findOne({ _id: id }))!;
      const h = (await rdb.collection("history_object").findOne({ _id: wf.history_object_id }))!;
      expect(h.wf_TimeSeries_id).toEqual(id);
    }
    expect(members[1]!.md.has("history_object_id")).toBe(false);
    expect(members[1]!.history.nodes).toHaveLength(2);
  });
});

describe("readData with loadHistory", () => {
  it("loads the stored tree and adds an ORIGIN node after the SAVED one", async () => {
    const d = makeTs(10);
    const { _id } = await db.saveData(d);
    const saveUuid = d.history.current!.uuid;
    const plain = (await db.readData(_id!)) as TimeSeries;
    expect(plain.history.isEmpty()).toBe(true); // default: not loaded
    const back = (await db.readData(_id!, { loadHistory: true })) as TimeSeries;
    expect(back.history.nodes.map((n) => n.status)).toEqual(["ORIGIN", "VOLATILE", "SAVED", "ORIGIN"]);
    const cur = back.history.current!;
    expect(cur).toMatchObject({ status: "ORIGIN", algorithm: "read_data", algid: "0", stage: 3 });
    expect(back.history.inputsOf(cur.uuid)).toEqual([saveUuid]);
    // read, process, save again: the chain continues
    back.history.addNode("stack", "s1", "TimeSeries");
    const again = await db.saveData(back);
    const h = (await rdb.collection("history_object").findOne({ wf_TimeSeries_id: again._id }))!;
    expect(h.processing_history.nodes.map((n: Document) => n.algorithm)).toEqual([
      "make",
      "filter",
      "save_data",
      "read_data",
      "stack",
      "save_data",
    ]);
  });

  it("no history_object_id: an origin keyed by _id (RAW with defineAsRaw); an unresolved id: Complaint", async () => {
    const { _id } = await db.saveData(makeTs(11, false));
    const a = (await db.readData(_id!, { loadHistory: true })) as TimeSeries;
    expect(a.history.current).toMatchObject({
      status: "ORIGIN",
      uuid: _id!.toHexString(),
      algorithm: "read_data",
    });
    const b = (await db.readData(_id!, {
      loadHistory: true,
      defineAsRaw: true,
      algName: "ingest",
      algId: "i9",
    })) as TimeSeries;
    expect(b.history.current).toMatchObject({
      status: "RAW",
      uuid: _id!.toHexString(),
      algorithm: "ingest",
      algid: "i9",
    });

    await rdb.collection("wf_TimeSeries").updateOne({ _id }, { $set: { history_object_id: new ObjectId() } });
    const c = (await db.readData(_id!, { loadHistory: true })) as TimeSeries;
    expect(c.live).toBe(true);
    expect(c.history.current).toMatchObject({ status: "ORIGIN", uuid: _id!.toHexString() });
    expect(
      c.elog.entries.some((e) => e.badness === "Complaint" && /no history_object document/.test(e.message)),
    ).toBe(true);
  });

  it("a MsPASS pickle is kept as opaque bytes; the origin is keyed by its save_uuid", async () => {
    const pickle = Buffer.from([
      0x80, 0x04, 0x95, 0x10, 0, 0, 0, 0, 0, 0, 0, 0x8c, 0x05, 0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x94, 0x2e,
    ]);
    const { _id } = await db.saveData(makeTs(12, false));
    const hist = await rdb.collection("history_object").insertOne({
      save_uuid: "6f1c2d4e-0000-4000-8000-000000000001",
      save_stage: 3,
      processing_history: new Binary(pickle),
      alg_id: "0",
      alg_name: "save_data",
      wf_TimeSeries_id: _id,
    });
    await rdb
      .collection("wf_TimeSeries")
      .updateOne({ _id }, { $set: { history_object_id: hist.insertedId } });
    const d = (await db.readData(_id!, { loadHistory: true })) as TimeSeries;
    expect(d.live).toBe(true);
    expect(d.history.current).toMatchObject({
      status: "ORIGIN",
      uuid: "6f1c2d4e-0000-4000-8000-000000000001",
    });
    expect(Buffer.from(d.history.opaqueParent!)).toEqual(pickle);
  });

  it("an ensemble read by cursor loads every member's history", async () => {
    const tag = `ens_${Date.now()}`;
    await db.saveData(
      new TimeSeriesEnsemble([makeTs(20), makeTs(21), makeTs(22), makeTs(23), makeTs(24), makeTs(25, false)]),
      { dataTag: tag },
    );
    const ens = (await db.readData(db.wf_TimeSeries.find({ data_tag: tag }), {
      loadHistory: true,
    })) as TimeSeriesEnsemble;
    expect(ens.member).toHaveLength(6);
    const statuses = ens.member.map((m) => m.history.nodes.map((n) => n.status).join(","));
    expect(statuses.filter((s) => s === "ORIGIN,VOLATILE,SAVED,ORIGIN")).toHaveLength(5);
    expect(statuses.filter((s) => s === "ORIGIN")).toHaveLength(1);
  });
});
