/**
 * The processing functions follow MsPASS's conventions: in place on the
 * samples, dead data untouched, a failing datum killed with an elog entry
 * naming the algorithm (never a throw), history recorded on request,
 * ensembles member by member, Seismograms component by component; plus
 * MsPASS's WindowData, scale and ator/rtoa semantics, and the ready task
 * refs in a bag on worker threads.
 */
import { describe, expect, it } from "vitest";
import {
  LocalScheduler,
  MsPASSError,
  Seismogram,
  TimeSeries,
  TimeSeriesEnsemble,
  algorithms,
  ator,
  decimate,
  detrend,
  extractComponent,
  filter,
  fromSequence,
  resample,
  rotateToStandard,
  rtoa,
  scale,
  taper,
  task,
  windowData,
} from "mspass";

function ramp(n = 100, t0 = 1000, dt = 0.1): TimeSeries {
  return new TimeSeries({
    dt,
    t0,
    tref: "UTC",
    data: Float64Array.from({ length: n }, (_, i) => 2 + 0.5 * i),
  });
}

describe("conventions", () => {
  it("a dead datum passes through untouched", () => {
    const d = ramp();
    d.kill();
    const copy = Float64Array.from(d.data);
    expect(detrend(d)).toBe(d);
    filter(d, { type: "lowpass", freq: 1 });
    expect(d.data).toEqual(copy);
    expect(d.elog.size).toBe(0);
  });

  it("a failure kills the datum with an elog entry naming the algorithm, without throwing", () => {
    const d = ramp(); // 10 Hz: Nyquist 5 Hz
    expect(() => filter(d, { type: "highpass", freq: 6 })).not.toThrow();
    expect(d.dead).toBe(true);
    expect(d.elog.entries[0]!.algorithm).toBe("filter");
    expect(d.elog.entries[0]!.message).toMatch(/Nyquist/);
    expect(d.elog.entries[0]!.badness).toBe("Invalid");
  });

  it("bad options are the caller's mistake and throw MsPASSError", () => {
    const d = ramp();
    expect(() => detrend(d, { type: "spline" as never })).toThrow(MsPASSError);
    expect(() => filter(d, { type: "bandpass", freq: 1 })).toThrow(/freqmin and freqmax/);
    expect(() => taper(d, { maxPercentage: 0.05, width: 3 } as never)).toThrow(/unknown option "width"/);
    expect(() => detrend({} as never)).toThrow(/TimeSeries, Seismogram/);
    expect(d.live).toBe(true);
  });

  it("records a history node per step when asked", () => {
    const d = ramp();
    d.history.setAsOrigin("readData", "0", "TimeSeries");
    detrend(d, { objectHistory: true, algId: "a1" });
    filter(d, { type: "lowpass", freq: 1, objectHistory: true, algId: "a2" });
    expect(d.history.nodes.map((n) => [n.algorithm, n.algid, n.stage, n.status])).toEqual([
      ["readData", "0", 0, "ORIGIN"],
      ["detrend", "a1", 1, "VOLATILE"],
      ["filter", "a2", 2, "VOLATILE"],
    ]);
    expect(() => detrend(d, { objectHistory: true })).toThrow(/algId/);
  });

  it("processes ensemble members and Seismogram components", () => {
    const e = new TimeSeriesEnsemble([ramp(), ramp()]);
    e.member[1]!.kill();
    detrend(e);
    expect(Math.max(...e.member[0]!.data.map(Math.abs))).toBeLessThan(1e-12);
    expect(e.member[1]!.data[5]).toBe(4.5);

    const n = 50;
    const data = new Float64Array(3 * n);
    // Constant components with different levels: demeaned one by one, all become 0.
    for (let i = 0; i < n; i++) [data[i], data[n + i], data[2 * n + i]] = [1, 7, -3];
    const s = new Seismogram({ dt: 0.1, t0: 0, data });
    detrend(s, { type: "demean" });
    expect(Math.max(...s.data.map(Math.abs))).toBeLessThan(1e-12);
    const z = new Seismogram({ dt: 0.1, t0: 0, data: new Float64Array(3 * n).fill(1) });
    taper(z, { maxPercentage: 0.1 });
    for (let k = 0; k < 3; k++) expect(z.component(k)[0]).toBe(0);
  });
});

describe("scale (MsPASS)", () => {
  it("scales to the level, keeps calib·data, posts the amplitude", () => {
    const d = new TimeSeries({
      dt: 1,
      t0: 0,
      data: Float64Array.from([1, -4, 2, 0]),
      metadata: { calib: 2 },
    });
    scale(d, { level: 2 });
    expect([...d.data]).toEqual([0.5, -2, 1, 0]);
    expect(d.md.get("calib")).toBe(4);
    expect(d.md.get("amplitude")).toBe(4);
    const r = new TimeSeries({ dt: 1, t0: 0, data: Float64Array.from([3, -4]) });
    scale(r, { method: "rms" });
    expect(r.md.get("rms_amplitude")).toBeCloseTo(Math.sqrt(12.5), 14);
    const z = new TimeSeries({ dt: 1, t0: 0, data: new Float64Array(4) });
    scale(z);
    expect(z.dead).toBe(true);
    expect(z.elog.entries[0]!.message).toMatch(/all 0s/);
  });

  const ts = (data: number[], t0 = 0) => new TimeSeries({ dt: 1, t0, data: Float64Array.from(data) });

  it("measures inside a window, clipped to the data; a window outside kills", () => {
    const w = scale(ts([1, -4, 2, 0, 8]), { computeFromWindow: true, window: { start: -5, end: 2 } });
    expect([...w.data]).toEqual([0.25, -1, 0.5, 0, 2]);
    expect(w.md.get("amplitude")).toBe(4);
    expect(w.md.get("calib")).toBe(4);
    const one = scale(ts([1, -4, 2, 0, 8], 10), {
      method: "rms",
      computeFromWindow: true,
      window: { start: 12, end: 12 },
    });
    expect(one.md.get("rms_amplitude")).toBe(2);
    // A reversed window is MsPASS's signal for the whole datum.
    const all = scale(ts([1, -4, 2, 0, 8]), { computeFromWindow: true, window: { start: 1, end: 0 } });
    expect(all.md.get("amplitude")).toBe(8);
    const out = scale(ts([1, 2]), { computeFromWindow: true, window: { start: 5, end: 9 } });
    expect(out.dead).toBe(true);
    expect(out.elog.entries[0]!.message).toMatch(/no intersection/);
    expect([...out.data]).toEqual([1, 2]);
    expect(() => scale(ts([1]), { computeFromWindow: true })).toThrow(/needs window/);
    expect(() => scale(ts([1]), { window: { start: 0, end: 1 } })).toThrow(/only with computeFromWindow/);
  });

  it("scaleBySection: one gain for the ensemble from the median (or mean) log amplitude", () => {
    const section = () => {
      const e = new TimeSeriesEnsemble([ts([2, -1]), ts([0, 8]), ts([64, 1]), ts([1000, 0])]);
      e.member[3]!.kill();
      return e;
    };
    const med = scale(section(), { scaleBySection: true });
    expect(med.md.get("amplitude")).toBeCloseTo(8, 12);
    [0.25, 0, 8, 1000].forEach((v, i) => expect(med.member[i]!.data[0]).toBeCloseTo(v, 12));
    [8, 8, 8].forEach((v, i) => expect(med.member[i]!.md.get("calib")).toBeCloseTo(v, 12));
    expect(med.member[3]!.md.has("calib")).toBe(false);
    const mean = scale(section(), { scaleBySection: true, useMean: true, level: 2 });
    const avg = Math.cbrt(2 * 8 * 64);
    expect(mean.md.get("amplitude")).toBeCloseTo(avg, 12);
    expect(mean.member[2]!.data[0]).toBeCloseTo((64 * 2) / avg, 12);
    // Without scaleBySection each member is scaled on its own.
    const each = scale(section());
    expect(each.member.map((m) => m.md.get("amplitude"))).toEqual([2, 8, 64, undefined]);
  });
});

describe("windowData (MsPASS WindowData)", () => {
  it("cuts in place with MsPASS's sample arithmetic", () => {
    const d = ramp(100, 1000, 0.1);
    windowData(d, 1.02, 2.0, { t0shift: 1000 });
    expect(d.npts).toBe(11);
    expect(d.t0).toBeCloseTo(1001.0, 9);
    expect(d.data[0]).toBe(2 + 0.5 * 10);
  });

  it("takes the shift from a Metadata key (an origin time)", () => {
    const d = ramp(100, 1000, 0.1);
    d.md.put("source_time", 1002);
    windowData(d, -1, 1, { t0shift: "source_time" });
    expect(d.t0).toBeCloseTo(1001, 9);
    expect(d.npts).toBe(21);
  });

  it("short segments: kill by default, truncate or pad on request", () => {
    const k = ramp(100, 0, 0.1);
    windowData(k, 5, 12);
    expect(k.dead).toBe(true);
    expect(k.elog.entries[0]!.algorithm).toBe("WindowData");

    const t = ramp(100, 0, 0.1);
    windowData(t, 5, 12, { shortSegmentHandling: "truncate" });
    expect(t.live).toBe(true);
    expect(t.npts).toBe(50);
    expect(t.endtime()).toBeCloseTo(9.9, 9);
    expect(t.elog.entries[0]!.badness).toBe("Complaint");

    const p = ramp(100, 0, 0.1);
    windowData(p, -1, 12, { shortSegmentHandling: "pad" });
    expect(p.npts).toBe(131);
    expect(p.t0).toBeCloseTo(-1, 9);
    expect(p.data[0]).toBe(0);
    expect(p.data[10]).toBe(2);
    expect(p.data[130]).toBe(0);

    const out = ramp(100, 0, 0.1);
    windowData(out, 50, 60, { shortSegmentHandling: "pad" });
    expect(out.dead).toBe(true);
    expect(out.npts).toBe(0);
  });
});

describe("ator / rtoa", () => {
  it("switch time standards; rtoa without a shift kills", () => {
    const d = ramp(10, 1000);
    ator(d, 990);
    expect(d.t0).toBe(10);
    expect(d.tref).toBe("Relative");
    rtoa(d);
    expect(d.t0).toBe(1000);
    const r = new TimeSeries({ dt: 1, t0: 5, data: new Float64Array(3) });
    rtoa(r);
    expect(r.dead).toBe(true);
    expect(r.elog.entries[0]!.algorithm).toBe("rtoa");
  });
});

describe("decimate / resample", () => {
  it("set the new dt and length", () => {
    const d = ramp(100, 0, 0.01);
    decimate(d, 4, { noFilter: true });
    expect(d.npts).toBe(25);
    expect(d.dt).toBeCloseTo(0.04, 15);
    expect(d.data[1]).toBe(2 + 0.5 * 4);
    const r = ramp(100, 0, 0.01);
    resample(r, 50);
    expect(r.npts).toBe(50);
    expect(r.dt).toBe(0.02);
    const bad = ramp(100, 0, 0.01);
    decimate(bad, 20);
    expect(bad.dead).toBe(true);
    expect(bad.elog.entries[0]!.message).toMatch(/above 16/);
  });
});

describe("three-component", () => {
  const n = 4;
  const seis = (tmatrix: number[]) => {
    const data = Float64Array.from({ length: 3 * n }, (_, i) => i + 1);
    return new Seismogram({ dt: 1, t0: 0, data, tmatrix });
  };

  it("rotateToStandard undoes an orthogonal and a general tmatrix", () => {
    const c = Math.cos(0.3);
    const s = Math.sin(0.3);
    for (const tm of [
      [c, s, 0, -s, c, 0, 0, 0, 1],
      [1, 0.5, 0, 0, 2, 0, 0, 0.25, 1],
    ]) {
      const d = seis(tm);
      rotateToStandard(d);
      expect(d.cardinal).toBe(true);
      // data held tm·v; check tm·(result) gives the input back.
      const out = d.data;
      for (let i = 0; i < n; i++) {
        for (let k = 0; k < 3; k++) {
          const back = tm[3 * k]! * out[i]! + tm[3 * k + 1]! * out[n + i]! + tm[3 * k + 2]! * out[2 * n + i]!;
          expect(back).toBeCloseTo(k * n + i + 1, 12);
        }
      }
    }
    const singular = seis([1, 2, 3, 2, 4, 6, 0, 0, 1]);
    rotateToStandard(singular);
    expect(singular.dead).toBe(true);
    expect(singular.elog.entries[0]!.message).toMatch(/singular/);
  });

  it("extractComponent copies one component with hang/vang", () => {
    const d = seis([1, 0, 0, 0, 1, 0, 0, 0, 1]);
    d.md.put("sta", "AAA");
    const z = extractComponent(d, 2);
    expect([...z.data]).toEqual([9, 10, 11, 12]);
    expect(z.md.get("sta")).toBe("AAA");
    expect([z.md.get("hang"), z.md.get("vang")]).toEqual([0, 0]);
    z.data[0] = -1;
    expect(d.data[8]).toBe(9);
    const e = extractComponent(seis([0, 1, 0, 1, 0, 0, 0, 0, 1]), 0);
    expect(e.md.get("hang")).toBeCloseTo(0, 12);
    expect(e.md.get("vang")).toBeCloseTo(90, 12);
  });
});

describe("ready task refs", () => {
  it("run in bag.map on worker threads with their options", async () => {
    const tasks = new URL("./fixtures/algorithms/tasks.mjs", import.meta.url);
    const scheduler = await LocalScheduler.start({ nworkers: 2 });
    try {
      const out = await fromSequence([200, 200, 200, 10], { npartitions: 2 })
        .map(task(tasks, "ramp"))
        .map(algorithms.detrend, { type: "linear" })
        .map(algorithms.taper, { maxPercentage: 0.05 })
        .map(algorithms.filter, { type: "bandpass", freqmin: 0.5, freqmax: 2, zerophase: true })
        .map(algorithms.windowData, 1, 5, { t0shift: 1000 })
        .map(task(tasks, "summary"))
        .compute({ scheduler });
      // The same datum as the fixture's ramp(200), processed in this thread.
      const local = new TimeSeries({
        dt: 0.05,
        t0: 1000,
        tref: "UTC",
        data: Float64Array.from({ length: 200 }, (_, i) => 2 + 0.5 * i + Math.sin(i / 5)),
      });
      detrend(local, { type: "linear" });
      taper(local, { maxPercentage: 0.05 });
      filter(local, { type: "bandpass", freqmin: 0.5, freqmax: 2, zerophase: true });
      windowData(local, 1, 5, { t0shift: 1000 });
      expect(out).toHaveLength(4);
      const want = { live: true, npts: local.npts, t0: local.t0, data: Array.from(local.data), elog: [] };
      for (const d of out.slice(0, 3)) expect(d).toEqual(want);
      // The short one is killed by windowData, inside the worker, without failing the bag.
      expect(out[3]).toMatchObject({ live: false, npts: 0, elog: ["WindowData"] });
    } finally {
      await scheduler.close();
    }
  });
});
