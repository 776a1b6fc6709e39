/**
 * miniSEED decode and index throughput (issue 9), in ONE run on the same
 * ≥100 MB Steim2 file (built here with our writer into bench/out/, not
 * committed; 10 channels of continuous, seismic-like integer data):
 * - ours: `decodeMseed` (the core's libmseed scan + parallel unpack into one
 *   Float64Array), the same decoder readData uses;
 * - seisplotjs 3.2.2: `miniseed.parseDataRecords` + `decompress()` of every
 *   record (its Int32Array output, not even widened to float64);
 * - obspy 1.5.1 (`obspy.read`, the .mspass/obspy-venv of
 *   scripts/ensure-obspy.sh), timed by a small python script, median of runs;
 * - `indexMseedFile` (the core's index_mseed_file scan, headers only) vs
 *   MsPASS's reported ≈250 MB/s.
 *
 *   npm run build:ts && npx tsc -p bench/tsconfig.json && node bench/out/mseed.bench.js [--mb=100] [--iterations=5]
 */
import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  openSync,
  closeSync,
  writeSync,
  readFileSync,
  statSync,
  renameSync,
} from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Bench } from "tinybench";
import { benchArgs, benchOut as here, loadNative, repoRoot as root } from "./bench-env.js";

const native = await loadNative();
const args = benchArgs();
const TARGET_MB = Number(args.get("mb") ?? 100);
const ITER = Number(args.get("iterations") ?? 5);
const CHANNELS = 10;
const FILE = join(here, `mseed-bench-${TARGET_MB}MB.mseed`);
const PY = join(root, ".mspass", "obspy-venv", "bin", "python");

/** A deterministic seismic-like trace: noise with a few-thousand-count spread plus slow swells (Steim2 ≈ 2.5 bytes/sample). */
function channelChunk(ch: number, from: number, n: number): Float64Array {
  const out = new Float64Array(n);
  let s = (ch + 1) * 2654435761 + from * 97;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    const noise = (s >>> 8) % 4001;
    out[i] = Math.round(20000 * Math.sin((from + i) / (500 + 37 * ch))) + noise - 2000;
  }
  return out;
}

/** Build the file once (reused across runs): CHANNELS channels, each continuous, in 1M-sample pieces. */
function buildFile(): void {
  if (existsSync(FILE) && statSync(FILE).size >= TARGET_MB * 1e6) return;
  mkdirSync(here, { recursive: true });
  const tmp = `${FILE}.part`;
  const fd = openSync(tmp, "w");
  const piece = 1 << 20;
  const t0 = 1_700_000_000;
  const rate = 100;
  let written = 0;
  const perChannel = (TARGET_MB * 1e6) / CHANNELS;
  for (let ch = 0; ch < CHANNELS; ch++) {
    let bytes = 0;
    for (let from = 0; bytes < perChannel; from += piece) {
      const rec = native.encodeMseed(
        channelChunk(ch, from, piece),
        "XX",
        `B${String(ch).padStart(2, "0")}`,
        "00",
        "HHZ",
        t0 + from / rate,
        rate,
      );
      writeSync(fd, rec);
      bytes += rec.length;
    }
    written += bytes;
  }
  closeSync(fd);
  renameSync(tmp, FILE);
  console.log(`built ${FILE}: ${(written / 1e6).toFixed(1)} MB`);
}

function median(task: { result: unknown }): number {
  const r = task.result as { latency?: { p50: number } };
  return r.latency?.p50 ?? NaN;
}

/** seisplotjs's bundle defines custom elements at import time; stub the DOM names it extends (it never touches them for miniSEED). */
async function loadSeisplotjs(): Promise<{
  miniseed: { parseDataRecords(b: ArrayBufferLike): Array<{ decompress(): ArrayLike<number> }> };
}> {
  const g = globalThis as Record<string, unknown>;
  const stub = class {};
  for (const k of [
    "HTMLElement",
    "HTMLDivElement",
    "HTMLCanvasElement",
    "HTMLSelectElement",
    "HTMLInputElement",
    "HTMLButtonElement",
    "HTMLSpanElement",
    "HTMLLabelElement",
    "HTMLTableElement",
    "HTMLTextAreaElement",
    "SVGElement",
    "Element",
    "Node",
    "Event",
    "CustomEvent",
    "EventTarget",
    "ShadowRoot",
  ])
    g[k] ??= stub;
  g.customElements ??= {
    define() {},
    get() {
      return undefined;
    },
  };
  g.window ??= globalThis;
  g.document ??= {
    createElement: () => ({ style: {}, setAttribute() {}, appendChild() {} }),
    querySelector: () => null,
    addEventListener() {},
  };
  return (await import(
    pathToFileURL(join(root, "node_modules", "seisplotjs", "dist", "index_node.mjs")).href
  )) as never;
}

/** obspy.read of the whole file, `runs` times; median seconds and the sample count. */
function timeObspy(runs: number): { seconds: number; samples: number } | undefined {
  if (!existsSync(PY)) {
    console.log(`obspy: ${PY} missing (run scripts/ensure-obspy.sh); skipped`);
    return undefined;
  }
  const script = `
import json, statistics, sys, time, obspy
ts = []; n = 0
for _ in range(${runs}):
    t = time.perf_counter(); st = obspy.read(sys.argv[1], format="MSEED"); ts.append(time.perf_counter() - t)
    n = sum(tr.stats.npts for tr in st); del st
print(json.dumps({"seconds": statistics.median(ts), "samples": n}))
`;
  const r = spawnSync(PY, ["-c", script, FILE], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`obspy timing failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").at(-1)!) as { seconds: number; samples: number };
}

async function main() {
  buildFile();
  const bytes = readFileSync(FILE);
  const mb = bytes.length / 1e6;
  const spjs = await loadSeisplotjs();
  const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length);

  // Correctness first: all three decoders give the same number of samples.
  const ours = await native.decodeMseed(bytes);
  const nsamples = ours.length;
  let spjsCount = 0;
  for (const r of spjs.miniseed.parseDataRecords(ab)) spjsCount += r.decompress().length;
  if (spjsCount !== nsamples) throw new Error(`seisplotjs decoded ${spjsCount} samples, ours ${nsamples}`);
  const idx = await native.indexMseedFile(FILE, true);
  console.log(
    `file ${mb.toFixed(1)} MB, ${nsamples} samples (${((nsamples * 8) / 1e6).toFixed(0)} MB of float64), ${idx.npts.length} segments`,
  );

  const b = new Bench({ iterations: ITER, warmupIterations: 1, time: 0 });
  b.add("ours: decodeMseed", async () => {
    if ((await native.decodeMseed(bytes)).length !== nsamples) throw new Error("short decode");
  });
  b.add("seisplotjs: parseDataRecords + decompress", () => {
    let n = 0;
    for (const r of spjs.miniseed.parseDataRecords(ab)) n += r.decompress().length;
    if (n !== nsamples) throw new Error("short decode");
  });
  b.add("ours: indexMseedFile (scan only)", async () => {
    if ((await native.indexMseedFile(FILE, true)).npts.length !== idx.npts.length)
      throw new Error("index changed");
  });
  await b.run();
  const m: Record<string, number> = {};
  for (const t of b.tasks) m[t.name] = median(t) / 1000; // seconds
  const py = timeObspy(Math.max(3, Math.min(ITER, 5)));
  if (py !== undefined && py.samples !== nsamples)
    throw new Error(`obspy read ${py.samples} samples, ours ${nsamples}`);

  const row = (name: string, s: number) =>
    `| ${name} | ${(s * 1000).toFixed(0)} | ${(nsamples / s / 1e6).toFixed(1)} | ${(mb / s).toFixed(0)} | ${((nsamples * 8) / s / 1e9).toFixed(2)} |`;
  console.log(`\n## miniSEED decode (${mb.toFixed(1)} MB Steim2, ${nsamples} samples; medians of ${ITER})\n`);
  console.log("| decoder | ms | Msamples/s | MB/s in | GB/s f64 out |");
  console.log("|---|---|---|---|---|");
  const ourS = m["ours: decodeMseed"]!;
  const spS = m["seisplotjs: parseDataRecords + decompress"]!;
  console.log(row("ours: decodeMseed", ourS));
  console.log(row("seisplotjs 3.2.2", spS));
  if (py !== undefined) console.log(row("obspy 1.5.1 read", py.seconds));
  console.log(
    `\nratios: ${py === undefined ? "" : `obspy/ours = ${(py.seconds / ourS).toFixed(1)}x, `}seisplotjs/ours = ${(spS / ourS).toFixed(1)}x`,
  );
  const ix = m["ours: indexMseedFile (scan only)"]!;
  console.log(
    `indexMseedFile: ${(ix * 1000).toFixed(0)} ms = ${(mb / ix).toFixed(0)} MB/s (MsPASS reports ≈250 MB/s)`,
  );
}

await main();
