/**
 * The distributed scheduler (issue 10), on a throw-away redis-server and
 * real `mspass worker` processes:
 *
 * 1. per-task overhead of 100,000 no-op tasks over 2 worker processes (one
 *    thread each), map + gather, against dask.distributed in the SAME run
 *    (LocalCluster, 2 worker processes, one thread each; bench/dask_noop.py
 *    in bench/out/dask-venv, skipped with a note when that venv is missing);
 * 2. throughput of an I/O task (fetchDbhandle + findOne) with 1, 2, 3 and 4
 *    worker processes (one thread each), against a throw-away FerretDB;
 * 3. the dask baseline LAST, with every process of ours stopped.
 *
 *   python3 -m venv bench/out/dask-venv && bench/out/dask-venv/bin/pip install "dask[distributed]"
 *   npm run build:ts && npm run bench -- redis          (or: node bench/out/redis.bench.js)
 *   options: --tasks=100000 --io-tasks=20000 --iterations=5 --io-iterations=3 --dask-iterations=2 (0: no dask)
 *            --parts=overhead,io,dask (a subset runs only those parts)
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { availableParallelism, cpus } from "node:os";
import { fileURLToPath } from "node:url";
import { Bench } from "tinybench";
import { Client, RedisScheduler, task } from "mspass";
import { startRedisServer } from "mspass/testing";
import { cpuSeconds, machineCpu, pidListeningOn } from "./cpu-accounting.js";
import { startThrowawayServer } from "./throwaway-server.js";
import { benchArgs } from "./bench-env.js";

const args = benchArgs();
const arg = (name: string, dflt: number): number => Number(args.get(name) ?? dflt);
const N_TASKS = arg("tasks", 100_000);
const N_IO = arg("io-tasks", 20_000);
const ITER = arg("iterations", 5);
const DASK_ITER = arg("dask-iterations", 2);
const IO_ITER = arg("io-iterations", 3);
const PARTS = new Set((args.get("parts") ?? "overhead,io,dask").split(","));
const CLI = fileURLToPath(new URL("../../dist/cli/main.js", import.meta.url));
const TASKS = new URL("./scheduler-tasks.js", import.meta.url);
const IO = new URL("./redis-tasks.js", import.meta.url);
const VENV_PY = fileURLToPath(new URL("./dask-venv/bin/python", import.meta.url));
const DASK = fileURLToPath(new URL("../dask_noop.py", import.meta.url));

function startWorker(url: string): Promise<ChildProcess> {
  const c = spawn(process.execPath, [CLI, "worker", "--scheduler", url, "--nthreads", "1"], {
    stdio: ["ignore", "pipe", "ignore"],
  });
  return new Promise((resolve, reject) => {
    c.stdout!.on("data", (d) => String(d).includes("ready ") && resolve(c));
    c.once("exit", (code) => reject(new Error(`mspass worker exited (${code})`)));
  });
}

/** The dask baseline as a child process (not spawnSync: it runs for minutes and this loop must stay live). */
function runDask(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const c = spawn(VENV_PY, [DASK, String(N_TASKS), String(DASK_ITER)], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  c.stdout.on("data", (d) => (stdout += d));
  c.stderr.on("data", (d) => (stderr += d));
  return new Promise((resolve) => c.once("close", (code) => resolve({ code, stdout, stderr })));
}

async function stopAll(ws: ChildProcess[]): Promise<void> {
  await Promise.all(ws.map((w) => new Promise((r) => (w.once("exit", r), w.kill("SIGTERM")))));
}

const redis = await startRedisServer();
const db = await startThrowawayServer("redis");
const workers: ChildProcess[] = [await startWorker(redis.url), await startWorker(redis.url)];
const client = await Client.connect({
  databaseHost: db.uri,
  scheduler: "redis",
  schedulerHost: redis.url,
  dashboardPort: false,
});
const s = client.getScheduler() as RedisScheduler;
await s.waitForWorkers(2);
const noop = task<(x: number) => number>(TASKS, "noop");
const items = Array.from({ length: N_TASKS }, (_, i) => i);

// 1. overhead
const bench = new Bench({
  name: "redis scheduler",
  time: 0,
  iterations: PARTS.has("overhead") ? ITER : 0,
  warmupIterations: 1,
  warmupTime: 0,
});
bench
  .add(
    `RedisScheduler map + gather, ${N_TASKS} no-op tasks (module export), 2 worker processes`,
    async () => {
      await s.gather(s.map(noop, items));
    },
  )
  .add(
    `RedisScheduler map + gather, ${N_TASKS} no-op tasks (function sent as source), 2 worker processes`,
    async () => {
      await s.gather(s.map((x: number) => x, items));
    },
  )
  .add(`RedisScheduler submit + gather, 1 no-op task (latency), 2 worker processes`, async () => {
    await s.submit(noop, 1);
  });
if (PARTS.has("overhead")) await bench.run();
const perTask = (i: number, n: number): number =>
  (((bench.tasks[i]!.result as { latency?: { p50: number } }).latency?.p50 ?? NaN) * 1000) / n;
const rows = [
  { name: bench.tasks[0]!.name, "µs per task": perTask(0, N_TASKS).toFixed(2) },
  { name: bench.tasks[1]!.name, "µs per task": perTask(1, N_TASKS).toFixed(2) },
  { name: bench.tasks[2]!.name, "µs per task": perTask(2, 1).toFixed(0) },
];

console.table(rows);

// 2. I/O throughput vs worker processes. Runs BEFORE the dask baseline: a dask run of 100,000
// tasks takes many minutes here, and last time it never let this part start.
const find = task<(db: string) => number>(IO, "findProbe");
const dbName = "mspass_bench_redis";
await client.getDatabase(dbName).collection("probe").insertOne({ k: 1 });
const scaling: Record<string, string | number>[] = [];
const ferretPid = pidListeningOn(Number(new URL(db.uri).port));
for (const n of PARTS.has("io") ? [1, 2, 3, 4] : []) {
  while (workers.length > n) await stopAll([workers.pop()!]);
  while (workers.length < n) workers.push(await startWorker(redis.url));
  await s.waitForWorkers(n);
  await new Promise((r) => setTimeout(r, 1500)); // let the heartbeats of stopped processes expire
  const b = new Bench({ time: 0, iterations: IO_ITER, warmupIterations: 1, warmupTime: 0 });
  const names = Array.from({ length: N_IO }, () => dbName);
  b.add(`${n}`, async () => {
    const out = await s.gather(s.map(find, names));
    if (out.some((x) => x !== 1)) throw new Error("findOne missed");
  });
  // Where the cores go: CPU ms per task of each party, and how busy the whole machine was.
  const cpu = (): number[] => [
    cpuSeconds(ferretPid ?? -1),
    workers.reduce((a, w) => a + cpuSeconds(w.pid!), 0),
    ((u) => (u.user + u.system) / 1e6)(process.cpuUsage()),
    cpuSeconds(redis.pid ?? -1),
  ];
  const [c0, m0] = [cpu(), machineCpu()];
  await b.run();
  const [c1, m1] = [cpu(), machineCpu()];
  const ran = N_IO * (IO_ITER + 1); // the warm-up ran too
  const perTaskMs = (i: number): string => (((c1[i]! - c0[i]!) * 1000) / ran).toFixed(3);
  const ms = (b.tasks[0]!.result as { latency: { p50: number } }).latency.p50;
  scaling.push({
    processes: n,
    "tasks/s": ((N_IO / ms) * 1000).toFixed(0),
    "median ms": ms.toFixed(0),
    "FerretDB cpu ms/task": ferretPid === undefined ? "?" : perTaskMs(0),
    "workers cpu ms/task": perTaskMs(1),
    "client cpu ms/task": perTaskMs(2),
    "redis cpu ms/task": perTaskMs(3),
    "machine busy": `${(((m1.busy - m0.busy) / (m1.total - m0.total)) * 100).toFixed(0)}%`,
  });
  console.log(`I/O, ${n} worker process(es): ${scaling.at(-1)!["tasks/s"]} tasks/s (median of ${IO_ITER})`);
}
if (scaling.length > 0) console.table(scaling);
const tps = (n: number): number => Number(scaling[n - 1]?.["tasks/s"]);
if (scaling.length > 0)
  console.log(
    `I/O throughput vs 1 process: 2 → ${(tps(2) / tps(1)).toFixed(2)}×, 3 → ${(tps(3) / tps(1)).toFixed(2)}×, 4 → ${(tps(4) / tps(1)).toFixed(2)}×`,
  );
await client.getDatabase(dbName).dropDatabase();
await client.close();
await stopAll(workers); // nothing of ours runs while dask is measured
await redis.stop();
await db.stop();

// 3. dask.distributed, same task count, same machine, same run.
let dask:
  | { us_per_task: number; median_s: number; times_s: number[]; dask: string; distributed: string }
  | undefined;
if (!PARTS.has("dask")) console.log("dask baseline not in --parts");
else if (DASK_ITER > 0 && existsSync(VENV_PY)) {
  console.log(`dask baseline: ${DASK_ITER} run(s) of ${N_TASKS} tasks (minutes on this machine)...`);
  const r = await runDask();
  const line = r.stdout.trim().split("\n").pop() ?? "";
  if (r.code === 0 && line.startsWith("{")) {
    dask = JSON.parse(line);
    rows.push({
      name: `dask.distributed ${dask!.distributed} client.map + gather, ${N_TASKS} no-op tasks, LocalCluster 2 worker processes`,
      "µs per task": dask!.us_per_task.toFixed(2),
    });
  } else console.log(`dask run failed (exit ${r.code}): ${r.stderr.slice(-800)}`);
} else
  console.log(
    DASK_ITER > 0
      ? `dask baseline skipped: no ${VENV_PY} (see the header for the two commands)`
      : "dask baseline skipped (--dask-iterations=0)",
  );
console.table(rows);
if (dask) {
  console.log(`dask runs (s): ${dask.times_s.map((t) => t.toFixed(1)).join(", ")}`);
  console.log(
    `dask / RedisScheduler (module export) = ${(dask.us_per_task / perTask(0, N_TASKS)).toFixed(1)}×`,
  );
  console.log(
    `dask / RedisScheduler (source fn)     = ${(dask.us_per_task / perTask(1, N_TASKS)).toFixed(1)}×`,
  );
}
console.log(
  `node ${process.version}, ${availableParallelism()} cores, ${cpus()[0]?.model ?? "unknown cpu"}, ${new Date().toISOString()}`,
);
