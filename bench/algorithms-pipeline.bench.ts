/**
 * The processing pipeline end to end, side by side with the real MsPASS on
 * ONE throw-away server and the same data, interleaved rounds (which side
 * goes first alternates):
 *
 *   readDistributedData(db, query) → detrend (linear) → taper (5 %) →
 *   filter (bandpass 1–10 Hz, 4 corners) → windowData [t0 + 10 s, t0 + 90 s]
 *   → writeDistributedData (file storage)
 *
 * on 2 worker threads with the ready task refs; MsPASS: the same steps with
 * its fastest functions (C++ CosineTaper, Butterworth, WindowData;
 * signals.detrend) on a dask LocalCluster of 2 processes × 1 thread
 * (bench/algorithms_pipeline.py, which reuses bench/mspasspy_e2e.py's client
 * shim). Each scheduler is started before the clock.
 *
 *   npm run build:ts && npx tsc -p bench/tsconfig.json && node bench/out/algorithms-pipeline.bench.js
 *
 *   env: BENCH_N (4000 TimeSeries), BENCH_NPTS (10000, at 100 Hz), BENCH_ROUNDS (3), BENCH_PARTS (16),
 *        BENCH_PYTHON (/tmp/mspass-venv/bin/python; "" skips the MsPASS side)
 */
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { MongoClient } from "mongodb";
import {
  Client,
  LocalScheduler,
  MongoDBWorker,
  TimeSeries,
  TimeSeriesEnsemble,
  algorithms,
  readDistributedData,
  writeDistributedData,
} from "mspass";
import { runPythonSide } from "./python-side.js";
import { startThrowawayServer } from "./throwaway-server.js";

const N = Number(process.env.BENCH_N ?? 4000);
const NPTS = Number(process.env.BENCH_NPTS ?? 10_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const PARTS = Number(process.env.BENCH_PARTS ?? 16);
const PYTHON = process.env.BENCH_PYTHON ?? "/tmp/mspass-venv/bin/python";
const PY_SCRIPT = fileURLToPath(new URL("../algorithms_pipeline.py", import.meta.url));
const DB = "bench_alg_pipeline";
const QUERY = { data_tag: "in" };

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const secs = (ms: number) => +(ms / 1000).toFixed(2);

const server = await startThrowawayServer("alg-pipeline");
const work = join(tmpdir(), `mspass-bench-alg-pipeline-${process.pid}`);
const outdir = join(work, "out");
mkdirSync(outdir, { recursive: true });
const client = await Client.connect({ databaseHost: server.uri, scheduler: "none" });
const db = client.getDatabase(DB);
await db.dropDatabase();
const raw = new MongoClient(server.uri);
const pyOk = PYTHON !== "" && existsSync(PYTHON);

// Inputs (not timed): N traces of NPTS samples at 100 Hz, a sine, a trend and noise.
const setup = performance.now();
for (let i = 0; i < N; i += 100) {
  const members: TimeSeries[] = [];
  for (let k = i; k < Math.min(N, i + 100); k++) {
    const data = new Float64Array(NPTS);
    for (let j = 0; j < NPTS; j++) data[j] = 100 * Math.sin(j / 7 + k) + 0.01 * j + ((j * 7919 + k) % 13);
    members.push(
      new TimeSeries({ dt: 0.01, t0: 1.6e9 + k, tref: "UTC", data, metadata: { k, sta: `S${k}` } }),
    );
  }
  await db.saveData(new TimeSeriesEnsemble(members), {
    storageMode: "file",
    dataTag: QUERY.data_tag,
    dir: join(work, "in"),
    dfile: `in-${i / 100}`,
  });
}
console.log(`setup: ${N} TimeSeries of ${NPTS} samples, ${secs(performance.now() - setup)} s`);

const s = await LocalScheduler.start({ nworkers: 2, dashboard: false });
await s.registerPlugin(new MongoDBWorker(client), { name: "mongodb_worker" });

async function ours(tag: string): Promise<number> {
  const t0 = performance.now();
  const bag = (await readDistributedData(db, { query: QUERY, npartitions: PARTS }))
    .map(algorithms.detrend, { type: "linear" })
    .map(algorithms.taper, { maxPercentage: 0.05 })
    .map(algorithms.filter, { type: "bandpass", freqmin: 1, freqmax: 10, corners: 4 })
    .map(algorithms.windowData, 10, 90, { t0shift: "starttime" });
  const ids = await writeDistributedData(bag, db, {
    storageMode: "file",
    dir: outdir,
    dataTag: tag,
    scheduler: s,
  });
  const ms = performance.now() - t0;
  const written = ids.filter((x) => x !== null).length;
  if (written !== N) throw new Error(`mspass wrote ${written} of ${N}`);
  return ms;
}

function mspasspy(tag: string): number {
  const spec = { uri: server.uri, db: DB, query: QUERY, npartitions: PARTS, outdir, out_tag: tag };
  const out = runPythonSide(PYTHON, PY_SCRIPT, spec);
  if (out.n !== N) throw new Error(`mspasspy wrote ${out.n} of ${N}`);
  return out.seconds * 1000;
}

async function cleanup(tag: string): Promise<void> {
  await raw.db(DB).collection("wf_TimeSeries").deleteMany({ data_tag: tag });
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
}

const times = { ours: [] as number[], mspasspy: [] as number[] };
for (let r = 0; r < ROUNDS; r++) {
  const sides: ("ours" | "mspasspy")[] = pyOk ? ["ours", "mspasspy"] : ["ours"];
  if (r % 2 === 1) sides.reverse();
  for (const side of sides) {
    const tag = `out_${side}_${r}`;
    times[side].push(side === "ours" ? await ours(tag) : mspasspy(tag));
    await cleanup(tag);
  }
  console.log(
    `round ${r + 1}: mspass ${secs(times.ours.at(-1)!)} s` +
      (pyOk ? `, mspasspy ${secs(times.mspasspy.at(-1)!)} s` : ""),
  );
}

const o = median(times.ours);
console.log(
  JSON.stringify(
    {
      date: new Date().toISOString(),
      machine: `${cpus().length} cpus (${cpus()[0]?.model ?? "?"}), node ${process.version}`,
      loadavgAtEnd: loadavg().map((x) => +x.toFixed(2)),
      N,
      NPTS,
      ROUNDS,
      PARTS,
      mspassS: secs(o),
      ...(pyOk
        ? { mspasspyS: secs(median(times.mspasspy)), speedup: +(median(times.mspasspy) / o).toFixed(2) }
        : {}),
    },
    null,
    2,
  ),
);

await s.close();
await client.close();
await raw.close();
rmSync(work, { recursive: true, force: true });
await server.stop();
