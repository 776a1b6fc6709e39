/**
 * The matchers and normalize() against the real server: site/channel from
 * a real StationXML file (ObsPy's only_soh.xml: TA.034A, locs "" and "EP")
 * plus source documents; MsPASS's naming, match rules, defaults, kills.
 */
import { fileURLToPath } from "node:url";
import { ObjectId, type Document } from "mongodb";
import { beforeAll, describe, expect, it } from "vitest";
import {
  EqualityDBMatcher,
  EqualityMatcher,
  Metadata,
  MiniseedDBMatcher,
  MiniseedMatcher,
  MsPASSError,
  ObjectIdDBMatcher,
  ObjectIdMatcher,
  OriginTimeDBMatcher,
  OriginTimeMatcher,
  TimeSeries,
  TimeSeriesEnsemble,
  matcherCacheLoads,
  normalize,
} from "mspass";
import { useTestDatabase } from "./helpers.js";

const fx = (f: string) => fileURLToPath(new URL(`./fixtures/stationxml/${f}`, import.meta.url));
const { db } = await useTestDatabase("norm_m");
let qep: Document; // TA.034A.EP.QEP, 2010-01-08 .. 2010-01-09T23:59:59
let ace: Document; // TA.034A..ACE, 2010-01-08 .. 2011-11-17T17:05
const T_IN = Date.UTC(2010, 0, 9, 12) / 1000;

function datum(md: Record<string, unknown>, t0 = T_IN, npts = 100): TimeSeries {
  const d = new TimeSeries({ npts, dt: 1, t0, tref: "UTC" });
  for (const [k, v] of Object.entries(md)) d.md.put(k, v as never);
  return d;
}

beforeAll(async () => {
  await db.saveInventory(fx("only_soh.xml"));
  qep = (await db.channel.findOne({ chan: "QEP" }))!;
  ace = (await db.channel.findOne({ chan: "ACE" }))!;
  await db.source.insertMany([
    { lat: 1, lon: 2, depth: 10, time: 1000.0, magnitude: 5 },
    { lat: 3, lon: 4, depth: 20, time: 1003.0 },
    { lat: 5, lon: 6, depth: 30, time: 1010.0 },
  ]);
});

describe("ObjectId matchers", () => {
  it("load lat/lon/elev/hang/vang/_id as channel_* (defaults), DB and cached alike", async () => {
    for (const m of [new ObjectIdDBMatcher(db), new ObjectIdMatcher(db)]) {
      const d = await normalize(datum({ channel_id: qep._id }), m);
      expect(d.live).toBe(true);
      expect(d.md.get("channel_lat")).toBe(qep.lat);
      expect(d.md.get("channel_lon")).toBe(qep.lon);
      expect(d.md.get("channel_elev")).toBe(qep.elev);
      expect(d.md.get("channel_hang")).toBe(qep.hang);
      expect(d.md.get("channel_vang")).toBe(qep.vang);
      expect(String(d.md.get("channel_id"))).toBe(qep._id.toHexString());
      expect(d.md.has("channel_chan")).toBe(false);
    }
  });

  it("no match kills the datum with the matcher's elog entry; dead data pass through", async () => {
    const db1 = await normalize(datum({ channel_id: new ObjectId() }), new ObjectIdDBMatcher(db));
    expect(db1.dead).toBe(true);
    expect(db1.elog.entries.at(-1)).toMatchObject({ algorithm: "ObjectIdDBMatcher", badness: "Complaint" });
    const c1 = await normalize(datum({ channel_id: new ObjectId() }), new ObjectIdMatcher(db));
    expect(c1.dead).toBe(true);
    expect(c1.elog.entries.at(-1)).toMatchObject({ algorithm: "ObjectIdMatcher", badness: "Invalid" });
    const none = await normalize(datum({}), new ObjectIdDBMatcher(db));
    expect(none.dead).toBe(true);
    expect(none.elog.entries.at(-1)!.message).toMatch(/no valid channel_id/);
    const kept = await normalize(datum({}), new ObjectIdDBMatcher(db), { killOnFailure: false });
    expect(kept.live).toBe(true);
    expect(kept.elog.size).toBe(1);
    const dead = datum({ channel_id: qep._id });
    dead.kill();
    await normalize(dead, new ObjectIdMatcher(db));
    expect(dead.md.has("channel_lat")).toBe(false);
  });

  it("findOne returns [Metadata, null] or [null, elog]", async () => {
    const [md, log] = await new ObjectIdDBMatcher(db, "site", { attributesToLoad: ["_id", "lat"] }).findOne({
      site_id: (await db.site.findOne({ loc: "EP" }))!._id,
    });
    expect(md).toBeInstanceOf(Metadata);
    expect(log).toBeNull();
    expect(md!.keys().sort()).toEqual(["site_id", "site_lat"]);
    const [md2, log2] = await new ObjectIdMatcher(db, "site", { attributesToLoad: ["_id", "lat"] }).findOne({
      site_id: "0123456789abcdef01234567",
    });
    expect(md2).toBeNull();
    expect(log2!.size).toBe(1);
    // The defaults are channel's (hang, vang), as MsPASS: a site cache with them fails to load.
    await expect(new ObjectIdMatcher(db, "site").ready()).rejects.toThrow(/required attribute hang/);
  });

  it("aliases rename the loaded key (read under the document's key: MsPASS's KeyError fixed); prepend off", async () => {
    const m = new ObjectIdMatcher(db, "channel", {
      attributesToLoad: ["lat", "chan"],
      aliases: { lat: "latitude" },
      prependCollectionName: false,
    });
    const d = await normalize(datum({ channel_id: qep._id }), m);
    expect(d.live).toBe(true);
    expect(d.md.get("latitude")).toBe(qep.lat);
    expect(d.md.get("chan")).toBe("QEP");
    expect(d.md.has("lat")).toBe(false);
  });

  it("the cache is loaded once, not per look-up; a cache from documents queries nothing", async () => {
    const before = matcherCacheLoads();
    const m = new ObjectIdMatcher(db);
    for (let i = 0; i < 20; i++) await m.findOne({ channel_id: i % 2 ? qep._id : ace._id });
    expect(matcherCacheLoads() - before).toBe(1);
    const fromDocs = new ObjectIdMatcher([qep, ace]);
    const [md] = await fromDocs.findOne({ channel_id: ace._id });
    expect(md!.get("channel_vang")).toBe(90);
    expect(matcherCacheLoads() - before).toBe(1);
  });

  it("a missing required attribute fails the cache load (Fatal); an empty query too", async () => {
    await expect(
      new ObjectIdMatcher(db, "channel", { attributesToLoad: ["_id", "nosuchkey"] }).ready(),
    ).rejects.toThrow(/required attribute nosuchkey/);
    const empty = new ObjectIdMatcher(db, "channel", { query: { net: "XX" } });
    await expect(empty.ready()).rejects.toThrow(MsPASSError);
    await expect(empty.ready()).rejects.toThrow(/found no documents/);
    // DB matcher: at find time, the datum is killed with the reason
    const d = await normalize(
      datum({ channel_id: qep._id }),
      new ObjectIdDBMatcher(db, "channel", { attributesToLoad: ["nosuchkey"] }),
    );
    expect(d.dead).toBe(true);
    expect(d.elog.entries.at(-1)!.message).toMatch(/required attribute nosuchkey/);
  });

  it("bad options are MsPASSErrors naming them", () => {
    expect(() => new ObjectIdMatcher(db, "channel", { attributes: ["x"] } as never)).toThrow(
      /unknown option "attributes"/,
    );
    expect(() => new ObjectIdDBMatcher(db, "channel", { prependCollectionName: "yes" } as never)).toThrow(
      /prependCollectionName must be a boolean/,
    );
    expect(() => new MiniseedMatcher(db, "source")).toThrow(/"channel" or "site"/);
  });
});

describe("Miniseed matchers", () => {
  it("SEED codes + time in the epoch → channel_id, channel_starttime, ... (hang/vang for channel only)", async () => {
    for (const m of [new MiniseedMatcher(db), new MiniseedDBMatcher(db)]) {
      const d = await normalize(datum({ net: "TA", sta: "034A", chan: "QEP", loc: "EP" }), m);
      expect(d.live).toBe(true);
      expect(String(d.md.get("channel_id"))).toBe(qep._id.toHexString());
      expect(d.md.get("channel_starttime")).toBe(qep.starttime);
      expect(d.md.get("channel_endtime")).toBe(qep.endtime);
      expect(d.md.get("channel_hang")).toBe(0);
    }
    const site = new MiniseedMatcher(db, "site");
    expect(site.attributesToLoad).toEqual(["starttime", "endtime", "lat", "lon", "elev", "_id"]); // Pitfall 7: the channel one did not leak hang/vang
    const s = await normalize(datum({ net: "TA", sta: "034A", loc: "EP" }), site);
    expect(s.md.get("site_lat")).toBeCloseTo(27.064699, 9);
  });

  it("time outside every epoch kills; DB needs the whole span, cached tests only t0", async () => {
    const late = Date.UTC(2012, 0, 1) / 1000;
    const out = await normalize(
      datum({ net: "TA", sta: "034A", chan: "QEP", loc: "EP" }, late),
      new MiniseedMatcher(db),
    );
    expect(out.dead).toBe(true);
    // t0 inside, end after the epoch end (2010-01-09T23:59:59)
    const t0 = Date.UTC(2010, 0, 9, 23, 59) / 1000;
    const cached = await normalize(
      datum({ net: "TA", sta: "034A", chan: "QEP", loc: "EP" }, t0, 200),
      new MiniseedMatcher(db),
    );
    expect(cached.live).toBe(true);
    const dbm = await normalize(
      datum({ net: "TA", sta: "034A", chan: "QEP", loc: "EP" }, t0, 200),
      new MiniseedDBMatcher(db),
    );
    expect(dbm.dead).toBe(true);
  });

  it("a missing loc: the DB matcher matches any loc, the cached one means loc ''", async () => {
    const dbm = await normalize(datum({ net: "TA", sta: "034A", chan: "QEP" }), new MiniseedDBMatcher(db));
    expect(dbm.live).toBe(true);
    const cached = await normalize(datum({ net: "TA", sta: "034A", chan: "QEP" }), new MiniseedMatcher(db));
    expect(cached.dead).toBe(true);
    const aceHit = await normalize(datum({ net: "TA", sta: "034A", chan: "ACE" }), new MiniseedMatcher(db));
    expect(String(aceHit.md.get("channel_id"))).toBe(ace._id.toHexString());
  });

  it("Relative time is Invalid (killed, not thrown)", async () => {
    const d = new TimeSeries({ npts: 10, dt: 1, t0: 0, tref: "Relative" });
    for (const [k, v] of Object.entries({ net: "TA", sta: "034A", chan: "ACE" })) d.md.put(k, v);
    await normalize(d, new MiniseedDBMatcher(db));
    expect(d.dead).toBe(true);
    expect(d.elog.entries.at(-1)).toMatchObject({ badness: "Invalid" });
    expect(d.elog.entries.at(-1)!.message).toMatch(/Relative/);
  });
});

describe("Equality and OriginTime matchers", () => {
  it("Equality: every matchKeys pair equal; cached requires a unique match by default", async () => {
    const m = new EqualityMatcher(db, "channel", { sta: "sta", chan: "chan" }, ["lat", "loc"]);
    const d = await normalize(datum({ sta: "034A", chan: "ACE" }), m);
    expect(d.md.get("loc")).toBe("");
    expect((await normalize(datum({ sta: "034A" }), m)).dead).toBe(true); // missing key: no match
    const multi = new EqualityMatcher(db, "channel", { sta: "sta" }, ["lat"]);
    const dm = await normalize(datum({ sta: "034A" }), multi);
    expect(dm.dead).toBe(true);
    expect(dm.elog.entries.at(-1)!.message).toMatch(/2 channel documents match .* unique match is required/);
    const dbm = new EqualityDBMatcher(db, "channel", { sta: "sta" }, ["chan"], {
      prependCollectionName: true,
    });
    const one = await normalize(datum({ sta: "034A" }), dbm);
    expect(one.live).toBe(true);
    expect(["ACE", "QEP"]).toContain(one.md.get("channel_chan"));
    expect(one.elog.entries.at(-1)).toMatchObject({ badness: "Complaint" }); // several: the first, with a Complaint
    const q = new EqualityMatcher(db, "channel", { sta: "sta" }, ["chan"], { query: { loc: "EP" } });
    expect((await normalize(datum({ sta: "034A" }), q)).md.get("chan")).toBe("QEP"); // query honoured (MsPASS ignores it)
  });

  it("OriginTime: window of ±tolerance around t0 − t0offset; cached → nearest, DB → first", async () => {
    const cached = new OriginTimeMatcher(db);
    const d = await normalize(datum({}, 1002.5), cached);
    expect(d.md.get("source_time")).toBe(1003.0); // nearest (1000 and 1003 both in ±4)
    expect(d.md.has("source_magnitude")).toBe(false);
    const d0 = await normalize(datum({}, 1000.5), cached);
    expect(d0.md.get("source_magnitude")).toBe(5);
    const shifted = await normalize(
      datum({}, 1070),
      new OriginTimeMatcher(db, "source", { t0offset: 60, tolerance: 1 }),
    );
    expect(shifted.md.get("source_time")).toBe(1010.0);
    expect((await normalize(datum({}, 1500), cached)).dead).toBe(true);
    const dbm = await normalize(datum({}, 1002.5), new OriginTimeDBMatcher(db));
    expect([1000.0, 1003.0]).toContain(dbm.md.get("source_time"));
    const byKey = await normalize(
      datum({ arrival: 1010.5 }),
      new OriginTimeDBMatcher(db, "source", { dataTimeKey: "arrival" }),
    );
    expect(byKey.md.get("source_time")).toBe(1010.0);
  });
});

describe("normalize on ensembles", () => {
  it("an ensemble is matched as ONE object by default (MsPASS), per member with handlesEnsembles: false", async () => {
    const members = [
      datum({ channel_id: qep._id }),
      datum({ channel_id: ace._id }),
      datum({ channel_id: new ObjectId() }),
    ];
    const whole = new TimeSeriesEnsemble(
      members.map((m) => m),
      { channel_id: ace._id },
    );
    await normalize(whole, new ObjectIdMatcher(db));
    expect(whole.md.get("channel_vang")).toBe(90);
    expect(members[0]!.md.has("channel_lat")).toBe(false);
    const per = new TimeSeriesEnsemble(members);
    await normalize(per, new ObjectIdMatcher(db), { handlesEnsembles: false });
    expect(per.member.map((m) => m.live)).toEqual([true, true, false]);
    expect(per.member[0]!.md.get("channel_vang")).toBe(0);
  });
});
