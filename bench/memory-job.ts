/**
 * One end-to-end job alone in this process, for bench/memory-scaling.ts:
 * readDistributedData(db, {query}) → map(demean) → writeDistributedData in
 * file mode, 2 worker threads, readDistributedData's default partitions.
 * Prints one JSON line: the wall time, the process's peak RSS (VmHWM: main
 * thread and workers) and its RSS sampled every 100 ms.
 *
 *   node bench/out/memory-job.js <uri> <database> <data_tag> <count> <out dir>
 */
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import {
  Client,
  LocalScheduler,
  MongoDBWorker,
  type TimeSeries,
  readDistributedData,
  task,
  writeDistributedData,
} from "mspass";

const [uri, dbName, tag, countArg, dir] = process.argv.slice(2);
if (!uri || !dbName || !tag || !countArg || !dir)
  throw new Error("usage: memory-job.js <uri> <database> <data_tag> <count> <out dir>");

/** VmRSS or VmHWM of this process, MB. */
function statusMB(key: "VmRSS" | "VmHWM"): number {
  const m = new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(readFileSync("/proc/self/status", "utf8"));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

const client = await Client.connect({ databaseHost: uri, scheduler: "none" });
const db = client.getDatabase(dbName);
const s = await LocalScheduler.start({ nworkers: 2, dashboard: false });
await s.registerPlugin(new MongoDBWorker(client), { name: "mongodb_worker" });
const dm = task<(d: TimeSeries) => TimeSeries>(new URL("./e2e-tasks.js", import.meta.url), "demean");

const rssBefore = statusMB("VmRSS");
const samples: number[] = [];
const timer = setInterval(() => samples.push(statusMB("VmRSS")), 100);
const t0 = performance.now();
const bag = await readDistributedData(db, { query: { data_tag: tag } });
const written = await writeDistributedData(bag.map(dm), db, {
  storageMode: "file",
  dir,
  dataTag: `${tag}_out`,
});
const seconds = (performance.now() - t0) / 1000;
clearInterval(timer);
if (written.length !== Number(countArg)) throw new Error(`wrote ${written.length} of ${countArg}`);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)] ?? Number.NaN;
const half = Math.floor(samples.length / 2);
console.log(
  JSON.stringify({
    seconds: +seconds.toFixed(2),
    rssBeforeMB: Math.round(rssBefore),
    peakRssMB: Math.round(statusMB("VmHWM")),
    // A job whose memory is bounded levels off: the second half's RSS is no higher than the first's.
    rssFirstHalfMB: Math.round(median(samples.slice(0, half))),
    rssSecondHalfMB: Math.round(median(samples.slice(half))),
  }),
);
await s.close();
await client.close();
