/**
 * saveCatalog / loadEvent on real QuakeML files (ObsPy's test data,
 * test/fixtures/quakeml/README.md) against the real server.
 */
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { EVENT_XML_KEY, MsPASSError } from "mspass";
import { useTestDatabase } from "./helpers.js";

const fx = (f: string) => fileURLToPath(new URL(`./fixtures/quakeml/${f}`, import.meta.url));
const { db, rdb } = await useTestDatabase("inv_qml");

it("one source document per event, preferred origin and magnitude, depth in km, epoch time, source_id", async () => {
  expect(await db.saveCatalog(fx("iris_events.xml"))).toBe(2);
  const docs = await rdb.collection("source").find({}).sort({ time: -1 }).toArray();
  const tohoku = docs[0]!;
  expect(tohoku.time).toBeCloseTo(Date.UTC(2011, 2, 11, 5, 46, 24) / 1000 + 0.12, 6);
  expect(tohoku.lat).toBe(38.297);
  expect(tohoku.lon).toBe(142.373);
  expect(tohoku.depth).toBeCloseTo(0.029, 12); // QuakeML depth is metres; MsPASS divides by 1000
  expect(tohoku.magnitude).toBe(9.1);
  expect(tohoku.magnitude_type).toBe("MW");
  expect(tohoku.coords).toEqual([142.373, 38.297]);
  expect(tohoku.epicenter).toEqual({ type: "Point", coordinates: [142.373, 38.297] });
  expect(tohoku.source_id.toHexString()).toBe(tohoku._id.toHexString());
  expect(tohoku[EVENT_XML_KEY]).toMatch(
    /^<event publicID="smi:www.iris.edu\/ws\/event\/query\?eventId=3279407"/,
  );
  expect(docs[1]!.magnitude_type).toBe("MS");
  const back = await db.loadEvent(tohoku._id);
  expect(back!._id.toHexString()).toBe(tohoku._id.toHexString());
  expect(await db.loadEvent("nothing")).toBeNull();
});

it("picks the PREFERRED origin and magnitude, not the first", async () => {
  expect(await db.saveCatalog(fx("preferred.xml"))).toBe(1);
  const d = await rdb.collection("source").findOne({ magnitude: 2 });
  expect(d).not.toBeNull();
  expect(d!.time).toBeCloseTo(Date.UTC(2012, 11, 12, 5, 46, 24) / 1000 + 0.12, 6);
  expect(await rdb.collection("source").countDocuments({ magnitude: 1 })).toBe(0);
});

it("ComCat QuakeML: Z times, metres → km, no duplicate check (as MsPASS)", async () => {
  expect(await db.saveCatalog([fx("usgs_event.xml")])).toBe(2);
  const d = await rdb.collection("source").findOne({ magnitude: 1.54 });
  expect(d!.time).toBeCloseTo(Date.UTC(2014, 10, 6, 0, 24, 42, 240) / 1000, 6);
  expect(d!.depth).toBeCloseTo(0.01, 12);
  expect(d!.magnitude_type).toBe("ml");
  expect(await db.saveCatalog(fx("usgs_event.xml"))).toBe(2);
  expect(await rdb.collection("source").countDocuments({ magnitude: 1.54 })).toBe(2);
});

it("not QuakeML → MsPASSError", async () => {
  await expect(db.saveCatalog("<FDSNStationXML/>")).rejects.toThrow(MsPASSError);
  await expect(db.saveCatalog("<FDSNStationXML/>")).rejects.toThrow(/not QuakeML/);
});
