/**
 * Scheduler overhead (issue 4): per-task cost of submit + gather for 100,000
 * no-op tasks and of a bag map over 1,000,000 small items, at 2 workers,
 * against the floor measured in the same run: raw worker_threads
 * postMessage round trips (one at a time, and 100,000 pipelined).
 *
 *   npm run build:ts && npx tsc -p bench/tsconfig.json && node bench/out/scheduler.bench.js
 */
import { availableParallelism, cpus } from "node:os";
import { Worker } from "node:worker_threads";
import { Bench } from "tinybench";
import { LocalScheduler, fromSequence, task } from "mspass";

const N_TASKS = 100_000;
const N_ITEMS = 1_000_000;
const TASKS = new URL("./scheduler-tasks.js", import.meta.url);

/** An echo worker: the cheapest possible round trip. */
function echoWorker(): Worker {
  return new Worker(
    `const { parentPort } = require("node:worker_threads"); parentPort.on("message", (m) => parentPort.postMessage(m));`,
    {
      eval: true,
    },
  );
}

function roundTrip(w: Worker, m: number): Promise<void> {
  return new Promise((resolve) => {
    w.once("message", () => resolve());
    w.postMessage(m);
  });
}

/** Post n messages over the workers at once and wait for every echo. */
function pipelined(ws: Worker[], n: number): Promise<void> {
  return new Promise((resolve) => {
    let left = n;
    const onMsg = (): void => {
      if (--left === 0) {
        for (const w of ws) w.off("message", onMsg);
        resolve();
      }
    };
    for (const w of ws) w.on("message", onMsg);
    for (let i = 0; i < n; i++) ws[i % ws.length].postMessage(i);
  });
}

const echo = [echoWorker(), echoWorker()];
await pipelined(echo, 1000); // both booted
const s = await LocalScheduler.start({ nworkers: 2, dashboard: false });
const noop = task<(x: number) => number>(TASKS, "noop");
const inc = task<(x: number) => number>(TASKS, "inc");
const items = Array.from({ length: N_ITEMS }, (_, i) => i);

// Each bench entry is one "operation"; perItem converts its median to µs per task / message / item.
const perItem = new Map<string, number>();
const bench = new Bench({ name: "scheduler", time: 2000, iterations: 8, warmupIterations: 2, warmupTime: 0 });
bench
  .add("floor: postMessage round trip, one at a time", async () => roundTrip(echo[0], 1))
  .add(`floor: postMessage round trip, ${N_TASKS} pipelined over 2 workers`, async () =>
    pipelined(echo, N_TASKS),
  )
  .add(`submit + gather, ${N_TASKS} no-op tasks (module export), 2 workers`, async () => {
    const fs = new Array(N_TASKS);
    for (let i = 0; i < N_TASKS; i++) fs[i] = s.submit(noop, i);
    await s.gather(fs);
  })
  .add(`map + gather, ${N_TASKS} no-op tasks (function sent as source), 2 workers`, async () => {
    await s.gather(s.map((x: number) => x, items.slice(0, N_TASKS)));
  })
  .add(`bag map, ${N_ITEMS} items, 100 partitions, 2 workers`, async () => {
    const out = await fromSequence(items).map(inc).compute({ scheduler: s });
    if (out.length !== N_ITEMS) throw new Error("lost items");
  });
perItem.set(bench.tasks[0].name, 1);
perItem.set(bench.tasks[1].name, N_TASKS);
perItem.set(bench.tasks[2].name, N_TASKS);
perItem.set(bench.tasks[3].name, N_TASKS);
perItem.set(bench.tasks[4].name, N_ITEMS);

await bench.run();

const us = new Map<string, number>();
const rows = bench.tasks.map((t) => {
  const r = t.result;
  if (r.state !== "completed")
    throw new Error(`${t.name}: ${r.state} ${"error" in r ? String(r.error) : ""}`);
  const per = (r.latency.p50 * 1000) / perItem.get(t.name)!;
  us.set(t.name, per);
  return {
    name: t.name,
    "median ms/op": r.latency.p50.toFixed(2),
    "µs per task/msg/item": per.toFixed(3),
    samples: r.latency.samplesCount ?? "",
  };
});
console.table(rows);
const [seqFloor, pipeFloor, submitGather, mapSource, bagMap] = bench.tasks.map((t) => us.get(t.name)!);
console.log(`submit+gather / pipelined floor = ${(submitGather / pipeFloor).toFixed(2)}×`);
console.log(`submit+gather / one-at-a-time floor = ${(submitGather / seqFloor).toFixed(3)}×`);
console.log(`map(source fn) / pipelined floor = ${(mapSource / pipeFloor).toFixed(2)}×`);
console.log(`bag map per item / pipelined floor = ${(bagMap / pipeFloor).toFixed(3)}×`);
console.log(
  `node ${process.version}, ${availableParallelism()} cores, ${cpus()[0]?.model ?? "unknown cpu"}, ${new Date().toISOString()}`,
);

await s.close();
await Promise.all(echo.map((w) => w.terminate()));
