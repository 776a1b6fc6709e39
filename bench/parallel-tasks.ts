/**
 * Task functions and a timed plugin for bench/parallel.bench.ts (compiled to
 * bench/out/parallel-tasks.js; the workers import it).
 */
import { performance } from "node:perf_hooks";
import { MongoClient } from "mongodb";
import { MongoDBWorker, fetchDbhandle, getWorker, type SchedulerWorker, type TimeSeries } from "mspass";

/** The shared-pool way: fetchDbhandle + one findOne. */
export async function pooledFindOne(name: string): Promise<number> {
  const doc = await fetchDbhandle(name).collection("probe").findOne({ k: 1 });
  return (doc?.k as number) ?? -1;
}

/** The naive way MsPASS suffered from: a new client per task (closed afterwards, the kind version). */
export async function naiveFindOne(arg: { uri: string; name: string }): Promise<number> {
  const c = new MongoClient(arg.uri, { serverSelectionTimeoutMS: 10_000 });
  try {
    await c.connect();
    const doc = await c.db(arg.name).collection("probe").findOne({ k: 1 });
    return (doc?.k as number) ?? -1;
  } finally {
    await c.close();
  }
}

/** MongoDBWorker that records how long its setup took (µs) in worker.data. */
export class TimedMongoDBWorker extends MongoDBWorker {
  override setup(worker: SchedulerWorker): void {
    const t0 = performance.now();
    super.setup(worker);
    worker.data.set("setupMs", performance.now() - t0);
  }
}

/** On a fresh worker: setup time, then time to the handle and to the first answer through it. */
export async function firstUse(
  name: string,
): Promise<{ worker: number; setupMs: number; fetchMs: number; firstFindMs: number }> {
  const w = getWorker();
  const t0 = performance.now();
  const db = fetchDbhandle(name);
  const t1 = performance.now();
  await db.collection("probe").findOne({ k: 1 });
  const t2 = performance.now();
  return { worker: w.id, setupMs: w.data.get("setupMs") as number, fetchMs: t1 - t0, firstFindMs: t2 - t1 };
}

/** The naive fresh worker: a new Node MongoClient, connect, first findOne. */
export async function firstUseNaive(arg: { uri: string; name: string }): Promise<number> {
  const t0 = performance.now();
  const c = new MongoClient(arg.uri);
  await c.connect();
  await c.db(arg.name).collection("probe").findOne({ k: 1 });
  const ms = performance.now() - t0;
  await c.close();
  return ms;
}

export function exitWorker(): void {
  process.exit(9);
}

export function demean<T extends TimeSeries>(d: T): T {
  if (d.live && d.npts > 0) {
    const x = d.data;
    let s = 0;
    for (let i = 0; i < x.length; i++) s += x[i]!;
    const m = s / x.length;
    for (let i = 0; i < x.length; i++) x[i] = x[i]! - m;
  }
  return d;
}

/** Eight findOnes at once from one task: more operations in flight than the pool has connections. */
export async function pooledBurst(name: string): Promise<number> {
  const coll = fetchDbhandle(name).collection("probe");
  const r = await Promise.all(Array.from({ length: 8 }, () => coll.findOne({ k: 1 })));
  return r.every((d) => d?.k === 1) ? 1 : -1;
}
