/**
 * freeSurfaceTransformation against the real mspasspy (its C++
 * CoreSeismogram::free_surface_transformation, recorded in
 * test/fixtures/algorithms/fst_reference.json by fst_reference.py), with
 * MsPASS's parameter lookup and dead/elog conventions; bundleSeedData on the
 * three-channel miniSEED fixtures read from the database, and on the
 * irregular groupings MsPASS's bundle_seed_data handles.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  Client,
  MsPASSError,
  Seismogram,
  SeismogramEnsemble,
  TimeSeries,
  TimeSeriesEnsemble,
  bundleSeedData,
  freeSurfaceTransformation,
  rotateToStandard,
} from "mspass";

type FstCase = {
  name: string;
  input: number[];
  tmatrix: number[];
  ux: number;
  uy: number;
  vp0: number;
  vs0: number;
  output: number[];
  outTmatrix: number[];
};
const FST = JSON.parse(
  readFileSync(new URL("./fixtures/algorithms/fst_reference.json", import.meta.url), "utf8"),
) as { npts: number; cases: FstCase[] };

const seis = (data: number[], tmatrix: number[] = [1, 0, 0, 0, 1, 0, 0, 0, 1]) =>
  new Seismogram({ dt: 0.01, t0: 0, data: Float64Array.from(data), tmatrix });

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};

describe("freeSurfaceTransformation (MsPASS free_surface_transformation)", () => {
  it.each(FST.cases.map((c) => [c.name, c] as const))(
    "matches mspasspy's C++ (%s input tmatrix) to 1e-12",
    (_name, c) => {
      const s = seis(c.input, c.tmatrix);
      freeSurfaceTransformation(s, { uvec: { ux: c.ux, uy: c.uy }, vp0: c.vp0, vs0: c.vs0 });
      expect(s.live).toBe(true);
      expect(maxDiff(s.data, c.output)).toBeLessThan(1e-12);
      expect(maxDiff(s.tmatrixFlat(), c.outTmatrix)).toBeLessThan(1e-12);
      expect(s.cardinal).toBe(false);
      // tmatrix records the operator: rotateToStandard gives back the standard components.
      rotateToStandard(s);
      const standard = seis(c.input, c.tmatrix);
      rotateToStandard(standard);
      expect(maxDiff(s.data, standard.data)).toBeLessThan(1e-12);
    },
  );

  it("a northward slowness leaves east as transverse, scaled by 1/2 (hand-derived)", () => {
    // Slowness along north: radial = north, transverse = east, so SH = east/2
    // and SV, L do not see the east component.
    const s = seis([1, 2, 0, 0, 0, 0]);
    freeSurfaceTransformation(s, { uvec: { ux: 0, uy: 0.1 }, vp0: 6, vs0: 3.5 });
    expect([...s.component(0)]).toEqual([0.5, 1]);
    for (const k of [1, 2]) expect(Math.max(...s.component(k).map(Math.abs))).toBeLessThan(1e-15);
  });

  it("reads parameters from Metadata (default or custom keys) unless given", () => {
    const c = FST.cases[0]!;
    const a = seis(c.input);
    a.md.put("ux", c.ux).put("uy", c.uy).put("vp0", c.vp0).put("vs0", c.vs0);
    freeSurfaceTransformation(a);
    expect(maxDiff(a.data, c.output)).toBeLessThan(1e-12);
    const b = seis(c.input);
    b.md.put("slow_x", c.ux).put("slow_y", c.uy).put("S0", c.vs0);
    freeSurfaceTransformation(b, { uxKey: "slow_x", uyKey: "slow_y", vs0Key: "S0", vp0: c.vp0 });
    expect(maxDiff(b.data, c.output)).toBeLessThan(1e-12);
  });

  it("kills a datum missing a parameter or with evanescent waves; dead data untouched", () => {
    const c = FST.cases[0]!;
    const missing = seis(c.input);
    missing.md.put("ux", c.ux).put("vp0", c.vp0);
    freeSurfaceTransformation(missing);
    expect(missing.dead).toBe(true);
    expect(missing.elog.entries).toHaveLength(1);
    expect(missing.elog.entries[0]!.algorithm).toBe("free_surface_transformation");
    expect(missing.elog.entries[0]!.message).toMatch(/uy, vs0/);
    expect([...missing.data]).toEqual(c.input);

    const slow = seis(c.input);
    freeSurfaceTransformation(slow, { uvec: { ux: 0.2, uy: 0 }, vp0: 6, vs0: 3.5 });
    expect(slow.dead).toBe(true);
    expect(slow.elog.entries[0]!.message).toMatch(/evanescent/);

    const dead = seis(c.input);
    dead.kill();
    freeSurfaceTransformation(dead, { uvec: { ux: 0.05, uy: 0 }, vp0: 6, vs0: 3.5 });
    expect([...dead.data]).toEqual(c.input);
    expect(dead.elog.size).toBe(0);

    const vertical = seis(c.input);
    freeSurfaceTransformation(vertical, { uvec: { ux: 0, uy: 0 }, vp0: 6, vs0: 3.5 });
    expect(vertical.live).toBe(true);
    expect(vertical.cardinal).toBe(true);
    expect([...vertical.data]).toEqual(c.input);
  });

  it("processes ensemble members; a constant uvec on an ensemble is a Complaint", () => {
    const c = FST.cases[1]!;
    const e = new SeismogramEnsemble([seis(c.input, c.tmatrix), seis(c.input, c.tmatrix)]);
    freeSurfaceTransformation(e, { uvec: { ux: c.ux, uy: c.uy }, vp0: c.vp0, vs0: c.vs0 });
    for (const m of e.member) expect(maxDiff(m.data, c.output)).toBeLessThan(1e-12);
    expect(e.elog.entries[0]!.badness).toBe("Complaint");
  });

  it("rejects bad calls before touching data", () => {
    const s = seis([1, 2, 3]);
    expect(() => freeSurfaceTransformation(s, { vp0: -1 })).toThrow(MsPASSError);
    expect(() => freeSurfaceTransformation(s, { uvec: { ux: "a" } as never })).toThrow(/uvec.ux/);
    expect(() => freeSurfaceTransformation(s, { vp: 6 } as never)).toThrow(/unknown option "vp"/);
    expect(() => freeSurfaceTransformation({} as never)).toThrow(/Seismogram/);
    expect(s.live).toBe(true);
  });
});

/** Orientation as normalizing by the channel collection sets it, from the channel's last letter. */
function orient(d: TimeSeries): TimeSeries {
  const [hang, vang] = { E: [90, 90], N: [0, 90], Z: [0, 0] }[String(d.md.get("chan")).slice(-1)] ?? [0, 0];
  d.md.put("channel_hang", hang!).put("channel_vang", vang!);
  return d;
}

describe("bundleSeedData (MsPASS bundle_seed_data)", () => {
  const ROOT = resolve(import.meta.dirname, "..");
  let client: Client;
  let input: TimeSeriesEnsemble;
  beforeAll(async () => {
    client = await Client.connect({ databaseHost: process.env.MSPASS_TEST_DB_URI!, nworkers: 1 });
    const db = client.getDatabase(`alg_bundle_${process.pid}_${Date.now()}`);
    try {
      // GT.BOSA.00 BH{E,N,Z}: aligned; GE.APE BH{N,Z,E}: different starts and
      // lengths; 1T.MONN.00.EDH: a single channel.
      for (const f of ["dataquality-m.mseed", "fullseed.mseed", "1T_MONN_00_EDH.mseed"])
        await db.indexMseedFile(resolve(ROOT, "test/fixtures/miniseed", f));
      input = (await db.readData(db.wf_miniseed.find({}).sort({ sta: 1, chan: 1 }), {
        collection: "wf_miniseed",
      })) as TimeSeriesEnsemble;
      input.member.forEach(orient);
    } finally {
      await db.dropDatabase();
    }
  });
  afterAll(async () => {
    await client?.close();
  });

  it("bundles each station's three channels, in MsPASS's order, and kills the single channel", () => {
    const order = input.member.map((m) => `${m.md.get("sta")}.${m.md.get("chan")}`);
    expect(order).toHaveLength(7);
    const out = bundleSeedData(input);
    expect(input.member.map((m) => `${m.md.get("sta")}.${m.md.get("chan")}`)).toEqual(order);
    expect(out).toBeInstanceOf(SeismogramEnsemble);
    expect(out.live).toBe(true);
    // Descending SEED order, as mspasspy 2.4.3: GT > GE > 1T; components Z, N, E.
    expect(out.member.map((m) => [m.md.get("net"), m.md.get("sta"), m.live])).toEqual([
      ["GT", "BOSA", true],
      ["GE", "APE", true],
      ["1T", "MONN", false],
    ]);
    const chan = (sta: string, c: string) =>
      input.member.find((m) => m.md.get("sta") === sta && m.md.get("chan") === c)!;
    const zne = [
      [0, 0, 1],
      [0, 1, 0],
      [1, 0, 0],
    ];
    const [bosa, ape, monn] = out.member as [Seismogram, Seismogram, Seismogram];
    for (const s of [bosa, ape]) {
      expect(maxDiff(s.tmatrixFlat(), zne.flat())).toBeLessThan(1e-12);
      for (const k of ["chan", "loc", "channel_hang", "channel_vang"]) expect(s.md.has(k)).toBe(false);
      expect(s.timeIsUTC()).toBe(true);
    }
    // Aligned channels: the samples as they are.
    expect(bosa.npts).toBe(1634);
    expect(bosa.t0).toBe(chan("BOSA", "BHZ").t0);
    ["BHZ", "BHN", "BHE"].forEach((c, k) => expect(bosa.component(k)).toEqual(chan("BOSA", c).data));
    // Different windows: cut to the common one. From the headers (20 Hz):
    // BHE starts last (14:21:50.675), BHZ ends first (14:22:05.545), so 298
    // samples, starting at BHZ sample 325 and BHN sample 243.
    expect(ape.t0).toBe(chan("APE", "BHE").t0);
    expect(ape.npts).toBe(298);
    [
      ["BHZ", 325],
      ["BHN", 243],
      ["BHE", 0],
    ].forEach(([c, first], k) =>
      expect(ape.component(k)).toEqual(
        chan("APE", c as string).data.subarray(first as number, (first as number) + 298),
      ),
    );
    expect(monn.npts).toBe(0);
    expect(monn.md.get("chan")).toBe("EDH");
    expect(monn.elog.entries[0]).toMatchObject({ algorithm: "bundle_seed_data", badness: "Invalid" });
    expect(monn.elog.entries[0]!.message).toMatch(/Number marked live=1/);
  });

  const ch = (chan: string, t0 = 100, opts: { sta?: string; live?: boolean; npts?: number } = {}) => {
    const d = new TimeSeries({
      dt: 0.5,
      t0,
      tref: "UTC",
      live: opts.live ?? true,
      data: Float64Array.from({ length: opts.npts ?? 10 }, (_, i) => t0 + i),
      metadata: { net: "XX", sta: opts.sta ?? "S1", loc: "", chan },
    });
    return orient(d);
  };

  it("resolves duplicates by start time, skips dead channels, splits bands, reports bad groups", () => {
    const out = bundleSeedData(
      new TimeSeriesEnsemble([
        ch("BHZ", 103),
        ch("BHN"),
        ch("BHE"),
        ch("BHZ"),
        ch("BHN", 100, { live: false }),
        ch("HHZ"),
        ch("HHN"),
        ch("HHE"),
        ch("BHZ", 100, { sta: "S2" }),
        ch("BH1", 100, { sta: "S2" }),
        ch("BH2", 100, { sta: "S2" }),
        ch("BHE", 100, { sta: "S2" }),
      ]),
    );
    expect(out.member.map((m) => [m.md.get("sta"), m.live])).toEqual([
      ["S2", false],
      ["S1", true],
      ["S1", true],
    ]);
    expect(out.member[0]!.elog.entries.at(-1)!.message).toMatch(/Excess channel keys/);
    const [, hh, bh] = out.member as Seismogram[];
    expect(hh!.component(0)[0]).toBe(100);
    // The BHZ starting at 100 (the group's earliest) wins over the one at 103.
    expect(bh!.t0).toBe(100);
    expect(bh!.component(0)[0]).toBe(100);
  });

  it("kills a bundle without orientation or with mixed sample rates; keeps the inputs' elogs", () => {
    const noAngle = [ch("BHZ"), ch("BHN"), ch("BHE")];
    noAngle[1]!.md.erase("channel_hang");
    noAngle[2]!.elog.log("readData", "a note", "Complaint");
    const [a] = bundleSeedData(new TimeSeriesEnsemble(noAngle)).member;
    expect(a!.dead).toBe(true);
    expect(a!.elog.entries.map((e) => e.message)).toEqual([
      "a note",
      expect.stringMatching(/missing channel_hang or channel_vang/),
    ]);
    const rates = [ch("BHZ"), ch("BHN"), ch("BHE")];
    rates[0]!.dt = 0.25;
    expect(bundleSeedData(new TimeSeriesEnsemble(rates)).member[0]!.elog.entries[0]!.message).toMatch(
      /Sample intervals/,
    );
  });

  it("drops members without sta/chan with a Complaint; a dead ensemble gives an empty dead one", () => {
    const anon = new TimeSeries({ dt: 1, t0: 0, data: new Float64Array(3) });
    const out = bundleSeedData(new TimeSeriesEnsemble([anon, ch("BHZ"), ch("BHN"), ch("BHE")]));
    expect(out.member).toHaveLength(1);
    expect(out.member[0]!.live).toBe(true);
    expect(out.elog.entries[0]).toMatchObject({ algorithm: "bundle_seed_data", badness: "Complaint" });
    const dead = new TimeSeriesEnsemble([ch("BHZ")], { evid: 7 });
    dead.kill();
    const empty = bundleSeedData(dead);
    expect(empty.dead).toBe(true);
    expect(empty.member).toHaveLength(0);
    expect(empty.md.get("evid")).toBe(7);
    expect(() => bundleSeedData(ch("BHZ") as never)).toThrow(/TimeSeriesEnsemble/);
  });
});
