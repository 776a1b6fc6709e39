/**
 * saveInventory / getSeedSite / getSeedChannel / readInventory on real
 * StationXML files (ObsPy's test data, test/fixtures/stationxml/README.md)
 * against the real server; documents read back with the Node driver.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { MsPASSError, NULL_ENDTIME, NULL_STARTTIME, CHANNEL_XML_KEY } from "mspass";
import { useTestDatabase } from "./helpers.js";

const fx = (f: string) => fileURLToPath(new URL(`./fixtures/stationxml/${f}`, import.meta.url));
const { db, rdb } = await useTestDatabase("inv_sx");

describe("saveInventory", () => {
  it("writes one site per loc and each channel once with its own loc (MsPASS's cross product fixed)", async () => {
    const r = await db.saveInventory(fx("only_soh.xml"));
    // MsPASS would write 4 channel documents (2 channels × 2 locs).
    expect(r).toEqual({ sitesSaved: 2, chansSaved: 2, sitesProcessed: 2, chansProcessed: 2 });
    const sites = await rdb.collection("site").find({ net: "TA", sta: "034A" }).sort({ loc: 1 }).toArray();
    expect(sites.map((s) => s.loc)).toEqual(["", "EP"]);
    const s = sites[0]!;
    expect(s.site_id.toHexString()).toBe(s._id.toHexString());
    expect(s.lat).toBeCloseTo(27.064699, 9);
    expect(s.lon).toBeCloseTo(-98.683296, 9);
    expect(s.coords).toEqual([s.lon, s.lat]);
    expect(s.location).toEqual({ type: "Point", coordinates: [s.lon, s.lat] });
    expect(s.elev).toBeCloseTo(0.155, 12);
    expect(s.edepth).toBe(0);
    // site epochs are the STATION's
    expect(s.starttime).toBe(Date.UTC(2010, 0, 8) / 1000);
    expect(s.endtime).toBe(Date.UTC(2011, 10, 17, 23, 59, 59) / 1000);
    const chans = await rdb
      .collection("channel")
      .find({ net: "TA", sta: "034A" })
      .sort({ chan: 1 })
      .toArray();
    expect(chans.map((c) => [c.chan, c.loc])).toEqual([
      ["ACE", ""],
      ["QEP", "EP"],
    ]);
    const qep = chans[1]!;
    expect(qep.chan_id.toHexString()).toBe(qep._id.toHexString());
    expect(qep.hang).toBe(0);
    expect(qep.vang).toBe(0); // dip -90 + 90
    expect(chans[0]!.vang).toBe(90);
    // channel epochs are the CHANNEL's
    expect(qep.starttime).toBe(Date.UTC(2010, 0, 8) / 1000);
    expect(qep.endtime).toBe(Date.UTC(2010, 0, 9, 23, 59, 59) / 1000);
    expect(qep.site_id).toBeUndefined();
    expect(typeof qep[CHANNEL_XML_KEY]).toBe("string");
    expect(qep[CHANNEL_XML_KEY]).toMatch(/^<Channel code="QEP"[^>]*locationCode="EP"/);
    expect(qep[CHANNEL_XML_KEY]).toContain('<Dip unit="DEGREES">-90.0</Dip>');
  });

  it("skips epochs already saved (±10 s) and counts them as processed", async () => {
    const r = await db.saveInventory(fx("only_soh.xml"));
    expect(r).toEqual({ sitesSaved: 0, chansSaved: 0, sitesProcessed: 2, chansProcessed: 2 });
    expect(await rdb.collection("channel").countDocuments({ sta: "034A" })).toBe(2);
  });

  it("takes an XML string and an array of paths; networksToExclude drops whole networks", async () => {
    const text = readFileSync(fx("F1_423_small.xml"), "latin1");
    expect(await db.saveInventory(text, { networksToExclude: ["QI"] })).toEqual({
      sitesSaved: 0,
      chansSaved: 0,
      sitesProcessed: 0,
      chansProcessed: 0,
    });
    const r = await db.saveInventory([text, fx("stationxml_IU.ANTO.30.LDO.xml")]);
    expect(r).toEqual({ sitesSaved: 2, chansSaved: 2, sitesProcessed: 2, chansProcessed: 2 });
    const bdf = await rdb.collection("channel").findOne({ net: "QI", sta: "TPASS", chan: "BDF" });
    expect(bdf!.loc).toBe("00");
    expect(bdf!.hang).toBe(359);
    expect(bdf!.starttime).toBe(Date.UTC(2018, 7, 6) / 1000); // no zone = UTC
    expect(bdf!.elev).toBeCloseTo(0.225879999, 12);
  });

  it("null dates become 0.0 / 2051-01-01; a channel without coordinates takes the station's", async () => {
    const r = await db.saveInventory(fx("channel_without_coordinates.xml"));
    expect(r.chansSaved).toBe(1);
    const c = await rdb.collection("channel").findOne({ net: "IV", sta: "LATE" });
    expect(c!.starttime).toBe(NULL_STARTTIME);
    expect(c!.endtime).toBe(NULL_ENDTIME);
    expect(NULL_ENDTIME).toBe(Date.UTC(2051, 0, 1) / 1000);
    expect(c!.lat).toBe(42.6137);
    expect(c!.lon).toBe(11.804);
    expect(c!.elev).toBeCloseTo(0.61, 12);
    expect(c!.hang).toBeUndefined(); // no Azimuth/Dip in the file
    const s = await rdb.collection("site").findOne({ net: "IV", sta: "LATE" });
    expect(s!.starttime).toBe(Date.UTC(2006, 4, 4) / 1000);
    expect(s!.endtime).toBe(NULL_ENDTIME);
  });

  it("+00:00 offsets; one site per station and loc, six channels each", async () => {
    const r = await db.saveInventory(fx("inventory_multiple_channels.xml"));
    expect(r).toEqual({ sitesSaved: 2, chansSaved: 12, sitesProcessed: 2, chansProcessed: 12 });
    const c = await rdb.collection("channel").findOne({ net: "ZU", sta: "GERES", chan: "SHZ" });
    expect(c!.starttime).toBe(Date.UTC(1990, 0, 1) / 1000);
    expect(c!.loc).toBe("1");
  });

  it("bad input is a clear MsPASSError, nothing written", async () => {
    const before = await rdb.collection("site").countDocuments();
    await expect(db.saveInventory('<FDSNStationXML><Network code="XX"><Station')).rejects.toThrow(
      MsPASSError,
    );
    await expect(db.saveInventory("<quakeml/>")).rejects.toThrow(/not StationXML/);
    await expect(db.saveInventory("/no/such/file.xml")).rejects.toThrow(/cannot read \/no\/such\/file.xml/);
    await expect(db.saveInventory(fx("only_soh.xml"), { networks: ["SY"] } as never)).rejects.toThrow(
      /unknown option "networks"/,
    );
    expect(await rdb.collection("site").countDocuments()).toBe(before);
  });
});

describe("getSeedSite / getSeedChannel / readInventory", () => {
  it("getSeedSite: loc NONE = any; time tests the epoch strictly", async () => {
    const t = Date.UTC(2011, 0, 1) / 1000;
    expect((await db.getSeedSite("TA", "034A"))!.sta).toBe("034A");
    expect((await db.getSeedSite("TA", "034A", { loc: "EP", time: t }))!.loc).toBe("EP");
    expect(await db.getSeedSite("TA", "034A", { loc: "EP", time: Date.UTC(2012, 0, 1) / 1000 })).toBeNull();
    expect(await db.getSeedSite("TA", "034A", { loc: "00" })).toBeNull();
    expect(await db.getSeedSite("TA", "034A", { time: Date.UTC(2010, 0, 8) / 1000 })).toBeNull(); // strict
  });

  it("getSeedChannel: one match; ambiguous without loc → retries, then time picks or it throws; explicit loc ambiguous → null", async () => {
    expect((await db.getSeedChannel("TA", "034A", "QEP"))!.loc).toBe("EP");
    // Two epochs of one channel (a second epoch, far from the first) make it ambiguous.
    await db.saveInventory(
      readFileSync(fx("only_soh.xml"), "utf8").replace(/2010-01-09T23:59:59/g, "2010-03-09T23:59:59"),
    );
    expect(await rdb.collection("channel").countDocuments({ sta: "034A", chan: "QEP" })).toBe(2);
    await expect(db.getSeedChannel("TA", "034A", "QEP")).rejects.toThrow(/several channel documents/);
    expect(await db.getSeedChannel("TA", "034A", "QEP", { loc: "EP" })).toBeNull();
    const t = Date.UTC(2010, 0, 9) / 1000;
    expect((await db.getSeedChannel("TA", "034A", "QEP", { time: t }))!.chan).toBe("QEP");
    // ACE has loc "": the loc:"" retry disambiguates only if unique; here the duplicate ACE epochs are one epoch (skipped)
    expect((await db.getSeedChannel("TA", "034A", "ACE"))!.loc).toBe("");
    expect(await db.getSeedChannel("TA", "034A", "XXX")).toBeNull();
  });

  it("readInventory returns the sites and their channels (MsPASS's always fails on a match)", async () => {
    const inv = await db.readInventory({ net: "TA", sta: "034A", time: Date.UTC(2011, 0, 1) / 1000 });
    expect(inv!.sites.map((s) => s.loc).sort()).toEqual(["", "EP"]);
    expect(inv!.channels.map((c) => c.chan).sort()).toEqual(["ACE"]); // QEP epochs ended in 2010
    expect(await db.readInventory({ net: "NOPE" })).toBeNull();
  });
});
