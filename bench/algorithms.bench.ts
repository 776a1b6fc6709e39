/**
 * Each processing algorithm on one 10,000- and one 1,000,000-sample trace
 * (100 Hz; a sine, a trend and pseudo-random noise, written to
 * bench/out/alg-<n>.f64 so the Python side times the SAME samples), side by
 * side in one run with obspy 1.5.1 and mspasspy 2.4.3 (its C++ through
 * pybind11 where MsPASS has one; bench/algorithms_bench.py says which API).
 * Three-component steps use a Seismogram of three such rows; bundleSeedData
 * three such channels. Every timed call gets a fresh copy of its input (the
 * copy is not timed, on either side). Medians; ratios = their time / ours.
 *
 * Then the physical floor of each step, measured in the same run by
 * bench/algorithms-floor (a Rust program, built by cargo): touching the same
 * bytes (a read pass, an in-place read+write pass, a memcpy), the dependent
 * multiply-adds of a filter's recurrence, resampling's two FFTs. Where obspy
 * is within 20× of the floor, being 20× faster than obspy is impossible.
 *
 *   npm run build:ts && npx tsc -p bench/tsconfig.json && node bench/out/algorithms.bench.js
 *
 *   --python=<interpreter with obspy and mspasspy> (default /tmp/mspass-venv/bin/python)
 *   --sizes=10000,1000000
 */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Bench } from "tinybench";
import {
  Seismogram,
  TimeSeries,
  TimeSeriesEnsemble,
  ator,
  bundleSeedData,
  decimate,
  detrend,
  extractComponent,
  filter,
  freeSurfaceTransformation,
  resample,
  rotateToStandard,
  rtoa,
  scale,
  taper,
  windowData,
} from "mspass";
import { benchArgs, benchOut } from "./bench-env.js";

const args = benchArgs();
const PY = args.get("python") ?? "/tmp/mspass-venv/bin/python";
const PY_SCRIPT = fileURLToPath(new URL("../algorithms_bench.py", import.meta.url));
const SIZES = (args.get("sizes") ?? "10000,1000000").split(",").map(Number);
const RATE = 100;
const T0 = 1_600_000_000;

function trace(n: number): Float64Array {
  const out = new Float64Array(n);
  let s = 12345;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    out[i] = 1000 * Math.sin(i / 300) + ((s >>> 8) % 2001) - 1000 + 0.01 * i;
  }
  return out;
}

/** The three rows of the Python side's np.vstack([src, roll(src, 1), roll(src, 2)]). */
function rolled(src: Float64Array, k: number): Float64Array {
  const out = new Float64Array(src.length);
  out.set(src.subarray(src.length - k), 0);
  out.set(src.subarray(0, src.length - k), k);
  return out;
}

const C = Math.cos(0.4);
const S = Math.sin(0.4);
const ROT = [C, S, 0, -S, C, 0, 0, 0, 1];
const ORIENT: Record<string, [number, number]> = { BHE: [90, 90], BHN: [0, 90], BHZ: [0, 0] };

type Input = TimeSeries | Seismogram | TimeSeriesEnsemble;
/** Medians in ms from bench/algorithms-floor for one size. */
type Floors = Record<
  "memcpy" | "read" | "readWrite" | "recurrence2" | "recurrence4" | "recurrence6" | "recurrence8" | "fft",
  number
>;
interface Step {
  name: string;
  input: "ts" | "seis" | "seisRotated" | "channels";
  run: (d: never) => unknown;
  /** What the step cannot avoid doing, and its measured cost. */
  floor?: [what: string, cost: (f: Floors) => number];
}
const readThenWrite: Step["floor"] = ["read + read/write pass", (f) => f.read + f.readWrite];
const threeRowPasses: Step["floor"] = ["read/write pass × 3 rows", (f) => 3 * f.readWrite];
const sections = (s: 2 | 4 | 6 | 8, what = `${s} sections`): Step["floor"] => [
  `recurrence, ${what}`,
  (f) => f[`recurrence${s}`],
];
const STEPS: Step[] = [
  {
    name: "detrend linear",
    input: "ts",
    run: (d: TimeSeries) => detrend(d, { type: "linear" }),
    floor: readThenWrite,
  },
  {
    name: "detrend demean",
    input: "ts",
    run: (d: TimeSeries) => detrend(d, { type: "demean" }),
    floor: readThenWrite,
  },
  {
    name: "taper hann 5%",
    input: "ts",
    run: (d: TimeSeries) => taper(d, { maxPercentage: 0.05 }),
    floor: ["read/write of the tapered 10 %", (f) => 0.1 * f.readWrite],
  },
  {
    name: "bandpass 1-10 Hz c4",
    input: "ts",
    run: (d: TimeSeries) => filter(d, { type: "bandpass", freqmin: 1, freqmax: 10 }),
    floor: sections(4),
  },
  {
    name: "bandpass zerophase",
    input: "ts",
    run: (d: TimeSeries) => filter(d, { type: "bandpass", freqmin: 1, freqmax: 10, zerophase: true }),
    floor: sections(8, "4 sections × 2 passes"),
  },
  {
    name: "lowpass 5 Hz",
    input: "ts",
    run: (d: TimeSeries) => filter(d, { type: "lowpass", freq: 5 }),
    floor: sections(2),
  },
  {
    name: "highpass 1 Hz",
    input: "ts",
    run: (d: TimeSeries) => filter(d, { type: "highpass", freq: 1 }),
    floor: sections(2),
  },
  {
    name: "bandstop 5-15 Hz",
    input: "ts",
    run: (d: TimeSeries) => filter(d, { type: "bandstop", freqmin: 5, freqmax: 15 }),
    floor: sections(4),
  },
  {
    name: "windowData middle half",
    input: "ts",
    run: (d: TimeSeries) => {
      const span = (d.npts - 1) * d.dt;
      return windowData(d, 0.25 * span, 0.75 * span, { t0shift: T0 });
    },
    floor: ["memcpy of the half kept", (f) => 0.5 * f.memcpy],
  },
  { name: "scale peak", input: "ts", run: (d: TimeSeries) => scale(d), floor: readThenWrite },
  {
    name: "scale rms",
    input: "ts",
    run: (d: TimeSeries) => scale(d, { method: "rms" }),
    floor: readThenWrite,
  },
  { name: "ator+rtoa", input: "ts", run: (d: TimeSeries) => rtoa(ator(d, T0)) },
  {
    name: "decimate 5",
    input: "ts",
    run: (d: TimeSeries) => decimate(d, 5),
    floor: sections(6, "the 6 Chebyshev sections"),
  },
  {
    name: "resample 50 Hz",
    input: "ts",
    run: (d: TimeSeries) => resample(d, 50),
    floor: ["FFT of n + inverse FFT of n/2", (f) => f.fft],
  },
  {
    name: "rotateToStandard 3C",
    input: "seisRotated",
    run: (d: Seismogram) => rotateToStandard(d),
    floor: threeRowPasses,
  },
  {
    name: "freeSurfaceTransformation 3C",
    input: "seis",
    run: (d: Seismogram) => freeSurfaceTransformation(d, { uvec: { ux: 0.05, uy: 0.08 }, vp0: 6, vs0: 3.5 }),
    floor: threeRowPasses,
  },
  {
    name: "extractComponent 3C",
    input: "seis",
    run: (d: Seismogram) => extractComponent(d, 2),
    floor: ["memcpy of one row", (f) => f.memcpy],
  },
  {
    name: "bundleSeedData 3×1C",
    input: "channels",
    run: (e: TimeSeriesEnsemble) => bundleSeedData(e),
    floor: ["memcpy × 3 rows", (f) => 3 * f.memcpy],
  },
];

const ours = new Map<string, number>();
for (const n of SIZES) {
  const src = trace(n);
  writeFileSync(join(benchOut, `alg-${n}.f64`), src);
  const rows = [src, rolled(src, 1), rolled(src, 2)];
  const three = new Float64Array(3 * n);
  rows.forEach((r, k) => three.set(r, k * n));
  const make: Record<Step["input"], () => Input> = {
    ts: () => new TimeSeries({ dt: 1 / RATE, t0: T0, tref: "UTC", data: src.slice() }),
    seis: () => new Seismogram({ dt: 1 / RATE, t0: T0, tref: "UTC", data: three.slice() }),
    seisRotated: () =>
      new Seismogram({ dt: 1 / RATE, t0: T0, tref: "UTC", data: three.slice(), tmatrix: ROT }),
    channels: () =>
      new TimeSeriesEnsemble(
        ["BHE", "BHN", "BHZ"].map(
          (chan, k) =>
            new TimeSeries({
              dt: 1 / RATE,
              t0: T0,
              tref: "UTC",
              data: rows[k]!.slice(),
              metadata: {
                net: "XX",
                sta: "S1",
                loc: "",
                chan,
                channel_hang: ORIENT[chan]![0],
                channel_vang: ORIENT[chan]![1],
              },
            }),
        ),
      ),
  };
  const bench = new Bench({ time: n > 100_000 ? 1000 : 300, iterations: n > 100_000 ? 7 : 25 });
  for (const step of STEPS) {
    let d: Input;
    bench.add(`${step.name} ${n}`, () => void step.run(d as never), {
      beforeEach: () => {
        d = make[step.input]();
      },
    });
  }
  bench.runSync();
  for (const t of bench.tasks) {
    const r = t.result as { latency?: { p50?: number }; error?: unknown };
    if (r.error !== undefined) throw r.error;
    ours.set(t.name, r.latency!.p50!);
  }
}

const py = spawnSync(PY, [PY_SCRIPT, benchOut, ...SIZES.map(String)], {
  encoding: "utf8",
  maxBuffer: 16 << 20,
});
if (py.status !== 0) throw new Error(`${PY_SCRIPT} failed:\n${py.stderr}`);
const theirs = JSON.parse(py.stdout) as {
  versions: Record<string, string>;
  results: Record<string, { obspy: number | null; mspasspy: number | null; api: string | null }>;
};

const cargo = spawnSync(
  "cargo",
  ["run", "--release", "--quiet", "-p", "algorithms-floor", "--", ...SIZES.map(String)],
  { cwd: fileURLToPath(new URL("../..", import.meta.url)), encoding: "utf8", maxBuffer: 1 << 20 },
);
if (cargo.status !== 0) throw new Error(`bench/algorithms-floor failed:\n${cargo.stderr}`);
const floors = JSON.parse(cargo.stdout) as Record<string, Floors>;

const fmt = (ms: number | null | undefined) =>
  ms === null || ms === undefined ? "—" : ms < 1 ? `${(ms * 1000).toFixed(1)} µs` : `${ms.toFixed(2)} ms`;
const ratio = (o: number, t: number | null | undefined) =>
  t === null || t === undefined ? "—" : `${(t / o).toFixed(1)}×`;
console.log(
  `${new Date().toISOString()}; ${cpus().length} cpus (${cpus()[0]?.model ?? "?"}), node ${process.version}; ` +
    `load average at the end ${loadavg()
      .map((x) => x.toFixed(2))
      .join(" ")}; python: ${Object.entries(theirs.versions)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ")}`,
);
/** One row per step and size: everything both tables print, looked up once. */
const table = SIZES.flatMap((n) =>
  STEPS.map((step) => {
    const key = `${step.name} ${n}`;
    return { step, n, o: ours.get(key)!, r: theirs.results[key]!, f: floors[String(n)]! };
  }),
);
console.log("| algorithm | npts | mspass | obspy | mspasspy (API) | obspy / mspass | mspasspy / mspass |");
console.log("| --- | --- | --- | --- | --- | --- | --- |");
for (const { step, n, o, r } of table)
  console.log(
    `| ${step.name} | ${n.toLocaleString("en")} | ${fmt(o)} | ${fmt(r.obspy)} | ${fmt(r.mspasspy)}${r.api ? ` (${r.api})` : ""} | ${ratio(o, r.obspy)} | ${ratio(o, r.mspasspy)} |`,
  );

console.log();
console.log(
  "Physical floor (bench/algorithms-floor, same run): what no implementation of the step can avoid.",
);
console.log(
  "| algorithm | npts | floor (what) | mspass | obspy | mspass / floor | obspy / floor | ≥ 20× obspy |",
);
console.log("| --- | --- | --- | --- | --- | --- | --- | --- |");
for (const { step, n, o, r, f } of table) {
  if (!step.floor) continue;
  const floor = step.floor[1](f);
  const obspy = r.obspy;
  const verdict =
    obspy === null
      ? "—"
      : obspy / floor < 20
        ? "impossible (obspy < 20× floor)"
        : o * 20 <= obspy
          ? "met"
          : "not met";
  console.log(
    `| ${step.name} | ${n.toLocaleString("en")} | ${fmt(floor)} (${step.floor[0]}) | ${fmt(o)} | ${fmt(obspy)} | ${(o / floor).toFixed(1)}× | ${obspy === null ? "—" : `${(obspy / floor).toFixed(1)}×`} | ${verdict} |`,
  );
}
