/**
 * detrend, taper and filter against obspy 1.5.1 (scipy underneath) on a real
 * trace of the miniSEED fixtures: the same float64 samples go through
 * obspy's Trace methods (test/fixtures/algorithms/obspy_reference.py) and
 * through ours. Tolerances, relative to the trace's peak amplitude:
 * detrend, taper and resample ≤ 1e-9; Butterworth filters (single pass
 * and zero phase) and decimate (Chebyshev II anti-alias) ≤ 1e-6.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { TimeSeries, decimate, detrend, filter, resample, taper } from "mspass";
import { obspyPython } from "./helpers.js";

const ROOT = resolve(import.meta.dirname, "..");
const PY = obspyPython();
const FILE = resolve(ROOT, "test/fixtures/miniseed/1T_MONN_00_EDH.mseed");

type Case = {
  name: string;
  op: "detrend" | "taper" | "filter" | "decimate" | "resample";
  kwargs: Record<string, unknown>;
};

const CASES: Case[] = [
  { name: "detrend-linear", op: "detrend", kwargs: { type: "linear" } },
  { name: "detrend-constant", op: "detrend", kwargs: { type: "constant" } },
  { name: "detrend-demean", op: "detrend", kwargs: { type: "demean" } },
  { name: "detrend-simple", op: "detrend", kwargs: { type: "simple" } },
  { name: "taper-hann-5", op: "taper", kwargs: { max_percentage: 0.05 } },
  { name: "taper-hamming-left", op: "taper", kwargs: { max_percentage: 0.1, type: "hamming", side: "left" } },
  {
    name: "taper-blackman-right",
    op: "taper",
    kwargs: { max_percentage: 0.2, type: "blackman", side: "right" },
  },
  { name: "taper-cosine", op: "taper", kwargs: { max_percentage: 0.05, type: "cosine" } },
  {
    name: "taper-bartlett-len",
    op: "taper",
    kwargs: { max_percentage: 0.3, type: "bartlett", max_length: 2.0 },
  },
  { name: "taper-hann-none", op: "taper", kwargs: { max_percentage: null } },
  ...[false, true].flatMap((zerophase): Case[] => [
    {
      name: `bandpass-${zerophase}`,
      op: "filter",
      kwargs: { type: "bandpass", freqmin: 1, freqmax: 10, zerophase },
    },
    {
      name: `bandpass3-${zerophase}`,
      op: "filter",
      kwargs: { type: "bandpass", freqmin: 0.5, freqmax: 20, corners: 3, zerophase },
    },
    {
      name: `bandstop-${zerophase}`,
      op: "filter",
      kwargs: { type: "bandstop", freqmin: 5, freqmax: 15, zerophase },
    },
    { name: `lowpass-${zerophase}`, op: "filter", kwargs: { type: "lowpass", freq: 5, zerophase } },
    {
      name: `lowpass1-${zerophase}`,
      op: "filter",
      kwargs: { type: "lowpass", freq: 5, corners: 1, zerophase },
    },
    {
      name: `highpass-${zerophase}`,
      op: "filter",
      kwargs: { type: "highpass", freq: 1, corners: 6, zerophase },
    },
    {
      name: `bandpass-nyquist-${zerophase}`,
      op: "filter",
      kwargs: { type: "bandpass", freqmin: 2, freqmax: 62.5, zerophase },
    },
  ]),
  { name: "decimate-5", op: "decimate", kwargs: { factor: 5 } },
  { name: "decimate-2-nofilter", op: "decimate", kwargs: { factor: 2, no_filter: true } },
  { name: "resample-50", op: "resample", kwargs: { sampling_rate: 50.0 } },
  { name: "resample-200", op: "resample", kwargs: { sampling_rate: 200.0 } },
];

/** Tolerance relative to the peak, per operation. */
const TOLERANCE: Record<Case["op"], number> = {
  detrend: 1e-9,
  taper: 1e-9,
  filter: 1e-6,
  decimate: 1e-6,
  resample: 1e-9,
};

let ref: { input: number[]; sampling_rate: number; results: Record<string, number[]> };

beforeAll(() => {
  expect(existsSync(PY), `${PY} (scripts/ensure-obspy.sh)`).toBe(true);
  const r = spawnSync(PY, [resolve(ROOT, "test/fixtures/algorithms/obspy_reference.py")], {
    input: JSON.stringify({ file: FILE, cases: CASES }),
    maxBuffer: 256 << 20,
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`obspy failed: ${r.stderr}`);
  ref = JSON.parse(r.stdout);
});

function trace(): TimeSeries {
  return new TimeSeries({ dt: 1 / ref.sampling_rate, t0: 0, data: Float64Array.from(ref.input) });
}

/** Largest |ours − obspy| over the reference's peak amplitude. */
function misfit(ours: Float64Array, theirs: number[]): number {
  expect(ours.length).toBe(theirs.length);
  let peak = 0;
  let worst = 0;
  for (let i = 0; i < theirs.length; i++) {
    peak = Math.max(peak, Math.abs(theirs[i]!));
    worst = Math.max(worst, Math.abs(ours[i]! - theirs[i]!));
  }
  return worst / peak;
}

const camel = (k: string) => k.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
const options = (kw: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(kw).map(([k, v]) => [camel(k), v]));

describe("against obspy 1.5.1 on 1T.MONN.00.EDH (7501 samples, 125 Hz)", () => {
  for (const c of CASES) {
    const tol = TOLERANCE[c.op];
    it(`${c.name} within ${tol} of peak`, () => {
      const d = trace();
      const before = d.data;
      const { factor, samplingRate, ...opts } = options(c.kwargs) as Record<string, never>;
      if (c.op === "detrend") detrend(d, opts);
      else if (c.op === "taper") taper(d, opts as never);
      else if (c.op === "filter") filter(d, opts as never);
      else if (c.op === "decimate") decimate(d, factor, opts);
      else resample(d, samplingRate);
      expect(d.elog.entries).toEqual([]);
      expect(d.live).toBe(true);
      if (c.op !== "decimate" && c.op !== "resample")
        expect(d.data).toBe(before); // in place: the same buffer
      else expect(d.dt).toBeCloseTo(1 / ref.results[`${c.name}:rate`]![0]!, 12);
      expect(misfit(d.data, ref.results[c.name]!)).toBeLessThanOrEqual(tol);
    });
  }
});
