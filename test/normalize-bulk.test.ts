/**
 * Collection.bulkUpdate, bulkNormalize and normalizeMseed against the real
 * server: wf_miniseed documents in MsPASS's shape (inserted directly),
 * channel/site from a real StationXML file.
 */
import { fileURLToPath } from "node:url";
import { ObjectId, type Document } from "mongodb";
import { beforeAll, describe, expect, it } from "vitest";
import { MsPASSError, ObjectIdMatcher, OriginTimeMatcher, bulkNormalize, normalizeMseed } from "mspass";
import { useTestDatabase } from "./helpers.js";

const fx = (f: string) => fileURLToPath(new URL(`./fixtures/stationxml/${f}`, import.meta.url));
const { db, rdb } = await useTestDatabase("norm_b");
const T_IN = Date.UTC(2010, 0, 9, 12) / 1000;

/** A wf_miniseed document as MsPASS's index_mseed_file writes it (loc omitted when empty). */
function wfMiniseed(net: string, sta: string, chan: string, loc: string, t0: number, i: number): Document {
  const d: Document = { sta, net, chan };
  if (loc !== "") d.loc = loc;
  Object.assign(d, {
    sampling_rate: 40.0,
    delta: 0.025,
    starttime: t0,
    last_packet_time: t0 + 90,
    foff: i * 4096,
    nbytes: 4096,
    npts: 4000,
    endtime: t0 + 3999 * 0.025,
    storage_mode: "file",
    format: "mseed",
    dir: "/data",
    dfile: "x.ms",
    time_standard: "UTC",
  });
  return d;
}

beforeAll(async () => {
  await db.saveInventory(fx("only_soh.xml"));
});

describe("Collection.bulkUpdate", () => {
  it("applies many statements (over FerretDB's per-command stall size of 100) and reports counts", async () => {
    const c = db.collection("bulk_t");
    await c.insertMany(Array.from({ length: 30 }, (_, i) => ({ i, g: i % 3 })));
    const r = await c.bulkUpdate([
      ...Array.from({ length: 100 }, () => ({ filter: { i: 1000 }, update: { $set: { none: 1 } } })),
      ...Array.from({ length: 25 }, (_, i) => ({ filter: { i }, update: { $set: { seen: i * 2 } } })),
      { filter: { g: 0 }, update: { $set: { zero: true } }, multi: true },
      { filter: { i: 999 }, update: { $set: { seen: -1 } } },
    ]);
    expect(r.matchedCount).toBe(25 + 10);
    expect(r.writeErrors).toEqual([]);
    expect(await rdb.collection("bulk_t").countDocuments({ seen: { $exists: true } })).toBe(25);
    expect((await rdb.collection("bulk_t").findOne({ i: 7 }))!.seen).toBe(14);
    expect(await rdb.collection("bulk_t").countDocuments({ zero: true })).toBe(10);
    expect((await c.bulkUpdate([])).matchedCount).toBe(0);
    await expect(c.bulkUpdate([{ filter: { i: 1 }, update: { seen: 1 } }])).rejects.toThrow(
      /update operators/,
    );
  });
});

describe("normalizeMseed", () => {
  it("writes channel_id/_starttime/_endtime/_hang/_vang and site_id/_starttime/_endtime; returns [ndocs, nchan, nsite]", async () => {
    const docs = [
      wfMiniseed("TA", "034A", "QEP", "EP", T_IN, 0),
      wfMiniseed("TA", "034A", "ACE", "", T_IN, 1),
      wfMiniseed("TA", "034A", "ACE", "", Date.UTC(2011, 0, 1) / 1000, 2), // ACE still open, QEP not
      wfMiniseed("TA", "034A", "QEP", "EP", Date.UTC(2011, 0, 1) / 1000, 3), // after QEP's epoch: no channel; site yes
      wfMiniseed("XX", "NONE", "BHZ", "", T_IN, 4), // nothing
    ];
    await db.wf_miniseed.insertMany(docs);
    const r = await normalizeMseed(db, { blocksize: 2 });
    expect(r).toEqual([5, 3, 4]);
    const qep = (await rdb.collection("channel").findOne({ chan: "QEP" }))!;
    const siteEP = (await rdb.collection("site").findOne({ loc: "EP" }))!;
    const w0 = (await rdb.collection("wf_miniseed").findOne({ _id: docs[0]!._id }))!;
    expect(w0.channel_id.toHexString()).toBe(qep._id.toHexString());
    expect(w0.channel_starttime).toBe(qep.starttime);
    expect(w0.channel_endtime).toBe(qep.endtime);
    expect(w0.channel_hang).toBe(0);
    expect(w0.channel_vang).toBe(0);
    expect(w0.site_id.toHexString()).toBe(siteEP._id.toHexString());
    expect(w0.site_starttime).toBe(siteEP.starttime);
    expect(w0.site_endtime).toBe(siteEP.endtime);
    expect(w0.channel_lat).toBeUndefined(); // only the attributes MsPASS writes
    const w3 = (await rdb.collection("wf_miniseed").findOne({ _id: docs[3]!._id }))!;
    expect(w3.channel_id).toBeUndefined();
    expect(w3.site_id.toHexString()).toBe(siteEP._id.toHexString());
    const w4 = (await rdb.collection("wf_miniseed").findOne({ _id: docs[4]!._id }))!;
    expect(Object.keys(w4).some((k) => k.startsWith("channel_") || k.startsWith("site_"))).toBe(false);
  });

  it("normalizeSite: false writes channels only; a query matching nothing is Fatal", async () => {
    await rdb.collection("wf_miniseed").updateMany({}, { $unset: { channel_id: "", site_id: "" } });
    expect(await normalizeMseed(db, { normalizeSite: false, wfquery: { chan: "ACE" } })).toEqual([2, 2, 0]);
    expect(await rdb.collection("wf_miniseed").countDocuments({ site_id: { $exists: true } })).toBe(0);
    expect(await rdb.collection("wf_miniseed").countDocuments({ channel_id: { $exists: true } })).toBe(2);
    await expect(normalizeMseed(db, { wfquery: { sta: "NOWHERE" } })).rejects.toThrow(MsPASSError);
    await expect(normalizeMseed(db, { wfquery: { sta: "NOWHERE" } })).rejects.toThrow(/matches no document/);
  });
});

describe("bulkNormalize", () => {
  it("any matchers: each hit $sets its prefixed attributesToLoad; returns [ndocs, hits...]", async () => {
    const src = await db.source.insertMany([{ lat: 1, lon: 2, depth: 3, time: T_IN - 60 }]);
    const coll = db.collection("wf_custom");
    const chan = (await rdb.collection("channel").findOne({ chan: "ACE" }))!;
    await coll.insertMany([
      { starttime: T_IN, channel_id: chan._id },
      { starttime: T_IN + 1000, channel_id: new ObjectId() },
    ]);
    const r = await bulkNormalize(db, {
      wfCol: "wf_custom",
      matcherList: [new ObjectIdMatcher(db), new OriginTimeMatcher(db, "source", { t0offset: 60 })],
    });
    expect(r).toEqual([2, 1, 1]);
    const a = (await rdb.collection("wf_custom").findOne({ starttime: T_IN }))!;
    expect(a.channel_lat).toBe(chan.lat);
    expect(a.channel_vang).toBe(90);
    expect(a.source_id.toHexString()).toBe((src.insertedIds[0] as ObjectId).toHexString());
    expect(a.source_time).toBe(T_IN - 60);
    const b = (await rdb.collection("wf_custom").findOne({ starttime: T_IN + 1000 }))!;
    expect(b.channel_lat).toBeUndefined();
    await expect(bulkNormalize(db, { matcherList: [] })).rejects.toThrow(/matcherList/);
    await expect(
      bulkNormalize(db, { wfCol: "wf_custom", blocksize: 0, matcherList: [new ObjectIdMatcher(db)] }),
    ).rejects.toThrow(/blocksize/);
  });
});
