/**
 * Parallel database access (issue 5), against a FerretDB this bench starts
 * (.bin/ferretdb, own port and data dir):
 *
 * 1. N tasks, each `fetchDbhandle` + one `findOne`, at 2 and 8 worker
 *    threads: tasks/s and the connections this process held to the server
 *    (peak ESTABLISHED sockets, sampled every 10 ms, and every distinct
 *    socket seen); then the naive way — a new Node MongoClient per task —
 *    over a smaller count.
 * 2. A fresh (restarted) worker to its first usable handle: plugin setup,
 *    fetchDbhandle, first findOne; vs a new MongoClient in a fresh worker.
 * 3. readDistributedData → map(demean) → writeDistributedData over E
 *    TimeSeries of 2,000 samples (file storage), vs a serial
 *    readData/saveData loop.
 *
 *   npm run build:ts && npx tsc -p bench/tsconfig.json && node bench/out/parallel.bench.js
 *   env: BENCH_TASKS (200000), BENCH_NAIVE (1000), BENCH_E2E (20000), BENCH_E2E_SERIAL (same as BENCH_E2E),
 *        BENCH_E2E_PARTS (npartitions of the e2e read; default readDistributedData's), BENCH_ONLY=e2e
 */
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { Bench } from "tinybench";
import { startThrowawayServer } from "./throwaway-server.js";
import {
  Client,
  LocalScheduler,
  MongoDBWorker,
  TimeSeries,
  TimeSeriesEnsemble,
  readDistributedData,
  task,
  writeDistributedData,
} from "mspass";
import { sampleConnections } from "./parallel-connections.js";
import { demean } from "./parallel-tasks.js";

const N_TASKS = Number(process.env.BENCH_TASKS ?? 200_000);
const N_NAIVE = Number(process.env.BENCH_NAIVE ?? 1000);
const N_E2E = Number(process.env.BENCH_E2E ?? 20_000);
const N_SERIAL = Number(process.env.BENCH_E2E_SERIAL ?? N_E2E);
const E2E_PARTS = process.env.BENCH_E2E_PARTS === undefined ? undefined : Number(process.env.BENCH_E2E_PARTS);
/** BENCH_ONLY=e2e runs section 3 only. */
const ONLY = process.env.BENCH_ONLY;
const NPTS = 2000;
const TASKS = new URL("./parallel-tasks.js", import.meta.url);
const DB = "bench_parallel";

const server = await startThrowawayServer("parallel");
const uri = server.uri;
const port = Number(new URL(uri).port);
const work = mkdtempSync(join(tmpdir(), "mspass-bench-parallel-"));

const client = await Client.connect({ databaseHost: uri, scheduler: "none" });
const db = client.getDatabase(DB);
await db.dropDatabase();
await db.collection("probe").insertOne({ k: 1 });
const report: Record<string, unknown> = {
  date: new Date().toISOString(),
  cpus: cpus().length,
  node: process.version,
  N_TASKS,
  N_NAIVE,
  N_E2E,
  N_SERIAL,
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

// ---------------------------------------------------------------- 1. many tasks, one pool
const pooled = task<(name: string) => Promise<number>>(TASKS, "pooledFindOne");
const naive = task<(a: { uri: string; name: string }) => Promise<number>>(TASKS, "naiveFindOne");
const burst = task<(name: string) => Promise<number>>(TASKS, "pooledBurst");
for (const nworkers of ONLY === "e2e" ? [] : [2, 8]) {
  const s = await LocalScheduler.start({ nworkers, dashboard: false });
  await s.registerPlugin(new MongoDBWorker(client), { name: "mongodb_worker" });
  await s.gather(
    s.map(
      pooled,
      Array.from({ length: 200 }, () => DB),
    ),
  ); // warm: workers loaded, pool open
  const b = new Bench({
    name: `tasks ${nworkers}`,
    iterations: 1,
    time: 0,
    warmupIterations: 0,
    warmupTime: 0,
  });
  const conns: Record<string, { peak: number; distinct: number; samples: number }> = {};
  b.add(`pooled: ${N_TASKS} tasks fetchDbhandle+findOne, ${nworkers} workers`, async () => {
    const smp = sampleConnections(port, 10);
    const r = await s.gather(
      s.map(
        pooled,
        Array.from({ length: N_TASKS }, () => DB),
      ),
    );
    conns.pooled = smp.stop();
    if (r.some((k) => k !== 1)) throw new Error("wrong answer");
  });
  b.add(`pooled burst: ${N_TASKS / 8} tasks x 8 concurrent findOne, ${nworkers} workers`, async () => {
    const smp = sampleConnections(port, 10);
    const r = await s.gather(
      s.map(
        burst,
        Array.from({ length: N_TASKS / 8 }, () => DB),
      ),
    );
    conns.burst = smp.stop();
    if (r.some((k) => k !== 1)) throw new Error("wrong answer");
  });
  b.add(`naive: ${N_NAIVE} tasks new MongoClient+findOne+close, ${nworkers} workers`, async () => {
    const smp = sampleConnections(port, 10);
    const r = await s.gather(
      s.map(
        naive,
        Array.from({ length: N_NAIVE }, () => ({ uri, name: DB })),
      ),
    );
    conns.naive = smp.stop();
    if (r.some((k) => k !== 1)) throw new Error("wrong answer");
  });
  await b.run();
  for (const t of b.tasks) {
    const r = t.result;
    if (r.state !== "completed")
      throw new Error(`${t.name}: ${r.state} ${"error" in r ? String(r.error) : ""}`);
    const ms = r.latency.p50;
    const kind = t.name.startsWith("pooled burst")
      ? "burst"
      : t.name.startsWith("pooled")
        ? "pooled"
        : "naive";
    const n = kind === "pooled" ? N_TASKS : kind === "burst" ? N_TASKS / 8 : N_NAIVE;
    const c = conns[kind]!;
    const row = {
      ms: Math.round(ms),
      tasksPerSec: Math.round(n / (ms / 1000)),
      findOnePerSec: Math.round((kind === "burst" ? 8 * n : n) / (ms / 1000)),
      peakConnections: c.peak,
      distinctConnections: c.distinct,
      samples: c.samples,
    };
    report[t.name] = row;
    console.log(t.name, row);
  }
  await s.close();
}

// ---------------------------------------------------------------- 2. fresh worker → first usable handle
if (ONLY !== "e2e") {
  const s = await LocalScheduler.start({ nworkers: 1, dashboard: false });
  const base = new MongoDBWorker(client);
  await s.registerPlugin(
    { module: TASKS, export: "TimedMongoDBWorker", options: base.options },
    { name: "mongodb_worker" },
  );
  const firstUse = task<
    (n: string) => Promise<{ worker: number; setupMs: number; fetchMs: number; firstFindMs: number }>
  >(TASKS, "firstUse");
  const firstNaive = task<(a: { uri: string; name: string }) => Promise<number>>(TASKS, "firstUseNaive");
  const exit = task(TASKS, "exitWorker");
  const rows: { setupMs: number; fetchMs: number; firstFindMs: number; naiveMs: number }[] = [];
  for (let i = 0; i < 15; i++) {
    await s
      .submit(exit)
      .result()
      .catch(() => undefined); // the worker dies; a fresh one replaces it
    const r = await s.submit(firstUse, DB).result();
    await s
      .submit(exit)
      .result()
      .catch(() => undefined);
    const naiveMs = await s.submit(firstNaive, { uri, name: DB }).result();
    rows.push({ setupMs: r.setupMs, fetchMs: r.fetchMs, firstFindMs: r.firstFindMs, naiveMs });
  }
  const row = {
    runs: rows.length,
    setupMsMedian: median(rows.map((r) => r.setupMs)),
    fetchDbhandleMsMedian: median(rows.map((r) => r.fetchMs)),
    firstFindOneMsMedian: median(rows.map((r) => r.firstFindMs)),
    handlePlusFirstAnswerMsMedian: median(rows.map((r) => r.setupMs + r.fetchMs + r.firstFindMs)),
    naiveNewMongoClientFirstAnswerMsMedian: median(rows.map((r) => r.naiveMs)),
  };
  report["fresh worker → first usable handle"] = row;
  console.log("fresh worker → first usable handle", row);
  await s.close();
}

// ---------------------------------------------------------------- 3. end to end
{
  const inDir = join(work, "in");
  let t0 = performance.now();
  for (let i = 0; i < N_E2E; i += 500) {
    const members: TimeSeries[] = [];
    for (let k = i; k < Math.min(N_E2E, i + 500); k++) {
      const data = new Float64Array(NPTS);
      for (let j = 0; j < NPTS; j++) data[j] = k + Math.sin(j / 7);
      members.push(new TimeSeries({ dt: 0.01, t0: 1.6e9 + k, tref: "UTC", data, metadata: { k } }));
    }
    await db.saveData(new TimeSeriesEnsemble(members), {
      storageMode: "file",
      dir: inDir,
      dfile: `in-${i}`,
      dataTag: "in",
    });
  }
  console.log(`setup: ${N_E2E} TimeSeries saved in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const mb = (n: number) => (n * NPTS * 8) / 1e6;
  const s = await LocalScheduler.start({ nworkers: 2, dashboard: false });
  await s.registerPlugin(new MongoDBWorker(client), { name: "mongodb_worker" });
  const dm = task<(d: TimeSeries) => TimeSeries>(TASKS, "demean");
  t0 = performance.now();
  const bag = (
    await readDistributedData(db, {
      dataTag: "in",
      ...(E2E_PARTS === undefined ? {} : { npartitions: E2E_PARTS }),
    })
  ).map(dm);
  const ids = await writeDistributedData(bag, db, {
    storageMode: "file",
    dir: join(work, "par"),
    dataTag: "par",
    scheduler: s,
  });
  const parMs = performance.now() - t0;
  if (ids.length !== N_E2E || ids.some((x) => x === null)) throw new Error("parallel e2e lost data");
  const par = {
    n: N_E2E,
    partitions: bag.npartitions,
    s: +(parMs / 1000).toFixed(1),
    tsPerSec: Math.round(N_E2E / (parMs / 1000)),
    MBps: +(mb(N_E2E) / (parMs / 1000)).toFixed(1),
  };
  report["e2e parallel (2 workers)"] = par;
  console.log("e2e parallel", par);
  await s.close();

  t0 = performance.now();
  let n = 0;
  for await (const doc of db.wf_TimeSeries.find({ data_tag: "in" }, { limit: N_SERIAL })) {
    const d = (await db.readData(doc)) as TimeSeries;
    demean(d);
    await db.saveData(d, {
      storageMode: "file",
      dir: join(work, "ser"),
      dfile: "serial-out",
      dataTag: "ser",
    });
    n++;
  }
  const serMs = performance.now() - t0;
  const ser = {
    n,
    s: +(serMs / 1000).toFixed(1),
    tsPerSec: Math.round(n / (serMs / 1000)),
    MBps: +(mb(n) / (serMs / 1000)).toFixed(1),
  };
  report["e2e serial readData/saveData loop"] = ser;
  report["e2e speed-up (TimeSeries/s ratio)"] = +(par.tsPerSec / ser.tsPerSec).toFixed(2);
  console.log("e2e serial", ser, "ratio", report["e2e speed-up (TimeSeries/s ratio)"]);
}

console.log(JSON.stringify(report, null, 2));
await client.close();
rmSync(work, { recursive: true, force: true });
await server.stop();
