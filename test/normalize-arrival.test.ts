/**
 * ArrivalDBMatcher / ArrivalMatcher against the real server: arrivals of
 * the datum's station inside [t0, endtime()] inclusive, net only when the
 * datum has it, ensembles by their starttime/endtime keys (cached variant),
 * MsPASS's defaults (phase and time as arrival_phase / arrival_time).
 */
import { beforeAll, describe, expect, it } from "vitest";
import {
  ArrivalDBMatcher,
  ArrivalMatcher,
  MsPASSError,
  TimeSeries,
  TimeSeriesEnsemble,
  matcherFromSpec,
  normalize,
} from "mspass";
import { useTestDatabase } from "./helpers.js";

const t = await useTestDatabase("arrival");
const T0 = 1.6e9;

/** 100 s of data of AAK (net II unless given) from T0 + start. */
function datum(sta: string | undefined, start: number, net?: string): TimeSeries {
  const d = new TimeSeries({ npts: 101, dt: 1, t0: T0 + start, tref: "UTC" });
  if (sta !== undefined) d.md.put("sta", sta);
  if (net !== undefined) d.md.put("net", net);
  return d;
}

beforeAll(async () => {
  await t.db.collection("arrival").insertMany([
    { sta: "AAK", net: "II", phase: "S", time: T0 + 150, snr: 3 },
    { sta: "AAK", net: "II", phase: "P", time: T0 + 50, snr: 9 },
    { sta: "AAK", net: "KN", phase: "P", time: T0 + 60 },
    { sta: "BBB", net: "II", phase: "P", time: T0 + 50 },
    { sta: "AAK", net: "II", phase: "PP", time: T0 + 100 }, // exactly at endtime(): inside
  ]);
});

for (const [name, make] of [
  ["ArrivalDBMatcher", () => new ArrivalDBMatcher(t.db)],
  ["ArrivalMatcher", () => new ArrivalMatcher(t.db)],
] as const) {
  describe(name, () => {
    it("loads arrival_phase and arrival_time of the station's first arrival inside the datum; net narrows only when defined", async () => {
      const m = make();
      const d = await normalize(datum("AAK", 0, "II"), m);
      expect(d.live).toBe(true);
      expect(d.md.get("arrival_phase")).toBe("P");
      expect(d.md.get("arrival_time")).toBe(T0 + 50);
      const [all] = await m.find(datum("AAK", 0, "II"));
      expect(all!.map((x) => x.get("arrival_phase")).sort()).toEqual(["P", "PP"]);
      const [anyNet] = await m.find(datum("AAK", 0));
      expect(anyNet!.map((x) => x.get("arrival_phase")).sort()).toEqual(["P", "P", "PP"]);
      const [kn] = await m.find(datum("AAK", 0, "KN"));
      expect(kn!.map((x) => x.get("arrival_time"))).toEqual([T0 + 60]);
    });

    it("kills a datum with no arrival in its window, or without sta, with an elog entry", async () => {
      const m = make();
      const late = await normalize(datum("AAK", 1000, "II"), m);
      expect(late.live).toBe(false);
      expect(late.elog.entries.at(-1)?.algorithm).toBe(name);
      const nosta = await normalize(datum(undefined, 0), m);
      expect(nosta.live).toBe(false);
      expect(nosta.elog.entries.at(-1)?.badness).toBe("Invalid");
    });

    it("rebuilds from its spec (readDistributedData's path) with the same answers", async () => {
      const m = make();
      const again = matcherFromSpec(m.toSpec(), t.db);
      expect(again).not.toBe(m);
      expect(again.kind).toBe(name);
      const [a] = await again.find(datum("AAK", 0, "II"));
      expect(a!.map((x) => x.get("arrival_phase")).sort()).toEqual(["P", "PP"]);
    });
  });
}

describe("ensembles and options", () => {
  it("ArrivalMatcher matches an ensemble by its starttime/endtime keys (or the keys given); ArrivalDBMatcher refuses ensembles", async () => {
    const ens = new TimeSeriesEnsemble([datum("AAK", 0, "II")], {
      sta: "AAK",
      net: "II",
      starttime: T0 + 120,
      endtime: T0 + 200,
    });
    const [hits] = await new ArrivalMatcher(t.db).find(ens);
    expect(hits!.map((x) => x.get("arrival_phase"))).toEqual(["S"]);
    const other = new TimeSeriesEnsemble([], { sta: "AAK", net: "II", wstart: T0 + 40, wend: T0 + 55 });
    const [byKeys] = await new ArrivalMatcher(t.db, "arrival", {
      ensembleStarttimeKey: "wstart",
      ensembleEndtimeKey: "wend",
    }).find(other);
    expect(byKeys!.map((x) => x.get("arrival_phase"))).toEqual(["P"]);
    const [none, log] = await new ArrivalDBMatcher(t.db).find(ens);
    expect(none).toBeNull();
    expect(log!.entries[0]!.message).toMatch(/atomic datum/);
  });

  it("takes loadIfDefined, a base query for the DB variant, requireUniqueMatch, and rejects bad options by name", async () => {
    const [md] = await new ArrivalDBMatcher(t.db, "arrival", {
      loadIfDefined: ["snr"],
      query: { phase: "S" },
    }).findOne(datum("AAK", 100, "II"));
    expect(md!.get("arrival_phase")).toBe("S");
    expect(md!.get("arrival_snr")).toBe(3);
    const [unique, log] = await new ArrivalMatcher(t.db, "arrival", { requireUniqueMatch: true }).findOne(
      datum("AAK", 0, "II"),
    );
    expect(unique).toBeNull();
    expect(log!.entries[0]!.message).toMatch(/unique/);
    expect(() => new ArrivalMatcher(t.db, "arrival", { arrivalTimeKey: 5 as never })).toThrow(MsPASSError);
    expect(() => new ArrivalDBMatcher(t.db, "arrival", { ensembleStarttimeKey: "x" } as never)).toThrow(
      /ensembleStarttimeKey/,
    );
  });
});
