/**
 * The data codec: a 1,000-member ensemble of 10,000-sample TimeSeries
 * (80 MB of samples, 20 Metadata keys each) main → worker → main through the
 * LocalScheduler (submit of an identity task), against the floor measured in
 * the same run: structured clone of the same data as plain arrays through a
 * raw echo worker (what postMessage costs at the least). Also: encode and
 * decode alone, the per-datum cost for a small TimeSeries (100 samples, 20
 * keys), and the peak extra memory of each round trip (one child process
 * per method).
 * mspasspy's pickle of the same ensemble is timed by bench/codec_pickle.py.
 *
 *   npm run build:ts && npx tsc -p bench/tsconfig.json && node bench/out/codec.bench.js
 */
import { execFileSync } from "node:child_process";
import { cpus } from "node:os";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { Bench } from "tinybench";
import { LocalScheduler, TimeSeries, TimeSeriesEnsemble, decodeFrame, encodeFrame } from "mspass";

const MEMBERS = 1000;
const NPTS = 10_000;
const SAMPLE_BYTES = MEMBERS * NPTS * 8;

function metadata(i: number, n: number): Record<string, unknown> {
  const md: Record<string, unknown> = {};
  for (let k = 0; k < n; k++)
    md[`key${k}`] = k % 3 === 0 ? `value${k}-${i}` : k % 3 === 1 ? k * 1.5 + i : k + i;
  return md;
}

function ensemble(): TimeSeriesEnsemble {
  const members: TimeSeries[] = [];
  for (let i = 0; i < MEMBERS; i++) {
    const data = new Float64Array(NPTS);
    for (let k = 0; k < NPTS; k++) data[k] = (k % 97) - i;
    members.push(new TimeSeries({ data, dt: 0.01, t0: i, metadata: metadata(i, 17) })); // + npts, delta, starttime = 20 keys
  }
  return new TimeSeriesEnsemble(members, { evid: 1 });
}

/** The same content as plain structured-clone data: what the floor sends. */
function plain(e: TimeSeriesEnsemble): { md: Record<string, unknown>; data: Float64Array }[] {
  return e.member.map((m) => ({ md: m.md.toObject(), data: m.data }));
}

function echoWorker(): Worker {
  return new Worker(
    `const { parentPort } = require("node:worker_threads"); parentPort.on("message", (m) => parentPort.postMessage(m));`,
    { eval: true },
  );
}

function echo(w: Worker, m: unknown): Promise<unknown> {
  return new Promise((resolve) => {
    w.once("message", resolve);
    w.postMessage(m);
  });
}

const identity = (x: unknown) => x;

/** The ensemble, its plain form, a booted echo worker and a warmed-up one-worker scheduler. */
async function setup(): Promise<{
  e: TimeSeriesEnsemble;
  p: ReturnType<typeof plain>;
  w: Worker;
  s: LocalScheduler;
}> {
  const e = ensemble();
  const w = echoWorker();
  await echo(w, 0);
  const s = await LocalScheduler.start({ nworkers: 1, dashboard: false });
  await s.submit(identity, 1).result();
  return { e, p: plain(e), w, s };
}

/** One round trip in a fresh process; prints the peak RSS growth over the data already built. */
async function memoryChild(method: string): Promise<void> {
  const { e, p, w, s } = await setup();
  const base = process.memoryUsage().rss;
  const before = process.resourceUsage().maxRSS * 1024;
  let back: unknown;
  if (method === "codec") back = await s.submit(identity, e).result();
  else back = await echo(w, p);
  const peak = Math.max(process.resourceUsage().maxRSS * 1024, before);
  if (back === undefined) throw new Error("nothing came back");
  console.log(JSON.stringify({ method, extraPeak: Math.max(0, peak - base) }));
  await s.close();
  await w.terminate();
}

const arg = process.argv.find((a) => a.startsWith("--mem="));
if (arg !== undefined) {
  await memoryChild(arg.slice(6));
  process.exit(0);
}

// Peak memory, one fresh process per method, started FIRST: Linux carries the
// parent's peak RSS into a forked child's maxRSS, so a child started once this
// process holds the ensemble would report this process's peak instead of its own.
const self = fileURLToPath(import.meta.url);
const memory: string[] = [];
for (const m of ["floor", "codec"]) {
  const out = execFileSync(process.execPath, [self, `--mem=${m}`], { encoding: "utf8" });
  const r = JSON.parse(out.trim().split("\n").pop()!) as { method: string; extraPeak: number };
  memory.push(
    `${m}: peak RSS growth during one round trip ${(r.extraPeak / 1e6).toFixed(0)} MB = ${(r.extraPeak / SAMPLE_BYTES).toFixed(2)}× the ${SAMPLE_BYTES / 1e6} MB of samples`,
  );
}

const { e, p, w, s } = await setup();

const small = new TimeSeries({
  data: new Float64Array(100).map((_, i) => i),
  dt: 0.01,
  t0: 5,
  metadata: metadata(0, 17),
});
const smallFrame = encodeFrame(small);
const frame = encodeFrame(e);

const big = new Bench({ iterations: 7, warmupIterations: 1, time: 0 });
big
  .add("floor: structured clone of plain arrays, main → echo worker → main", async () => {
    await echo(w, p);
  })
  .add("codec: submit(identity, ensemble) on LocalScheduler, main → worker → main", async () => {
    const back = (await s.submit(identity, e).result()) as TimeSeriesEnsemble;
    if (back.member.length !== MEMBERS) throw new Error("lost members");
  })
  .add("codec: encodeFrame(ensemble)", () => {
    encodeFrame(e);
  })
  .add("codec: decodeFrame(ensemble)", () => {
    decodeFrame(frame);
  });
await big.run();

const per = new Bench({ time: 1000 });
per.add("small TimeSeries (100 samples, 20 keys): encodeFrame + decodeFrame", () => {
  decodeFrame(encodeFrame(small));
});
per.add("small TimeSeries: encodeFrame", () => {
  encodeFrame(small);
});
per.add("small TimeSeries: decodeFrame", () => {
  decodeFrame(smallFrame);
});
per.add("small TimeSeries: structuredClone of its plain form", () => {
  structuredClone({ md: small.md.toObject(), data: small.data });
});
// A decoded datum leaves its Metadata in the frame until first used: what a task that reads a
// key pays on top of decodeFrame, and what one that only passes the datum on pays to send it.
per.add("small TimeSeries: decodeFrame + read one Metadata key (loads all 20)", () => {
  (decodeFrame(smallFrame) as TimeSeries).md.get("key5");
});
const passing = decodeFrame(smallFrame);
per.add("small TimeSeries: encodeFrame of a decoded datum whose Metadata was not used", () => {
  encodeFrame(passing);
});
await per.run();

const rows = [...big.tasks, ...per.tasks].map((t) => {
  const r = t.result as { latency?: { p50?: number }; error?: unknown } | undefined;
  if (r?.error !== undefined) console.error(`${t.name} failed:`, r.error);
  return { name: t.name, median_ms: r?.latency?.p50 ?? NaN };
});
console.table(
  rows.map((r) => ({
    name: r.name,
    "median ms": r.median_ms < 0.1 ? r.median_ms.toFixed(5) : r.median_ms.toFixed(1),
  })),
);
const floor = rows[0].median_ms;
const codec = rows[1].median_ms;
console.log(
  `round trip: codec ${codec.toFixed(1)} ms, floor ${floor.toFixed(1)} ms, ratio ${(codec / floor).toFixed(2)}× the floor`,
);
console.log(
  `per-datum encode+decode: ${(rows[4].median_ms * 1000).toFixed(2)} µs; structured clone of the plain form ${(rows[7].median_ms * 1000).toFixed(2)} µs; decode + first Metadata read ${(rows[8].median_ms * 1000).toFixed(2)} µs; re-encode of an unused decoded datum ${(rows[9].median_ms * 1000).toFixed(2)} µs`,
);

await s.close();
await w.terminate();

for (const line of memory) console.log(line);
console.log(
  `machine: ${cpus().length} × ${cpus()[0]?.model}; node ${process.version}; ${new Date().toISOString()}`,
);
