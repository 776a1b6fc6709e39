/**
 * Peak memory of one end-to-end job as the data grow: the same job
 * (bench/memory-job.ts: readDistributedData → map(demean) →
 * writeDistributedData, file mode, 2 worker threads, default partitions)
 * over N TimeSeries of NPTS samples, each size in its own database of one
 * throw-away server, each job alone in a fresh process (so neither the
 * inputs' setup nor another size counts in its peak), rounds interleaved.
 * Reports per size the median wall time and peak RSS (VmHWM of the whole
 * process: main thread and workers), and the ratios largest / smallest.
 *
 *   npm run build:ts && npx tsc -p bench/tsconfig.json && node bench/out/memory-scaling.bench.js
 *   env: BENCH_N (2000,20000), BENCH_NPTS (2000), BENCH_ROUNDS (2), BENCH_NODE_OPTIONS (extra node flags for the job)
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Client } from "mspass";
import { saveInputs } from "./e2e-inputs.js";
import { startThrowawayServer } from "./throwaway-server.js";

const SIZES = (process.env.BENCH_N ?? "2000,20000").split(",").map(Number);
const NPTS = Number(process.env.BENCH_NPTS ?? 2000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const JOB = fileURLToPath(new URL("./memory-job.js", import.meta.url));
const EXTRA = (process.env.BENCH_NODE_OPTIONS ?? "").split(" ").filter((x) => x !== "");

interface JobResult {
  seconds: number;
  rssBeforeMB: number;
  peakRssMB: number;
  rssFirstHalfMB: number;
  rssSecondHalfMB: number;
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;

const server = await startThrowawayServer("memory");
const work = join(tmpdir(), `mspass-bench-memory-${process.pid}`);
const client = await Client.connect({ databaseHost: server.uri, scheduler: "none" });
const dbName = (n: number) => `bench_memory_${n}`;
try {
  for (const n of SIZES) {
    const db = client.getDatabase(dbName(n));
    await db.dropDatabase();
    mkdirSync(join(work, `in${n}`), { recursive: true });
    await saveInputs(db, {
      count: n,
      npts: NPTS,
      seismic: false,
      storage: "file",
      dataTag: "in",
      dir: join(work, `in${n}`),
    });
    console.log(`setup: ${n} TimeSeries of ${NPTS} samples`);
  }
  const results = new Map<number, JobResult[]>(SIZES.map((n) => [n, []]));
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 === 0 ? SIZES : [...SIZES].reverse();
    for (const n of order) {
      const out = join(work, "out");
      const load = loadavg()[0]!.toFixed(1);
      const p = spawnSync(process.execPath, [...EXTRA, JOB, server.uri, dbName(n), "in", String(n), out], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "inherit"],
      });
      if (p.status !== 0) throw new Error(`the ${n}-document job failed (exit ${p.status})`);
      const res = JSON.parse(p.stdout.trim().split("\n").at(-1)!) as JobResult;
      results.get(n)!.push(res);
      console.log(`round ${r + 1}, ${n} documents (load ${load}):`, JSON.stringify(res));
      rmSync(out, { recursive: true, force: true });
      await client.getDatabase(dbName(n)).collection("wf_TimeSeries").deleteMany({ data_tag: "in_out" });
    }
  }
  const report: Record<string, unknown> = {
    date: new Date().toISOString(),
    machine: `${cpus().length} cpus, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}`,
    NPTS,
    ROUNDS,
    nodeOptions: EXTRA.join(" "),
  };
  for (const n of SIZES) {
    const rs = results.get(n)!;
    report[`n${n}`] = {
      seconds: median(rs.map((x) => x.seconds)),
      peakRssMB: median(rs.map((x) => x.peakRssMB)),
      rssFirstHalfMB: median(rs.map((x) => x.rssFirstHalfMB)),
      rssSecondHalfMB: median(rs.map((x) => x.rssSecondHalfMB)),
    };
  }
  const [lo, hi] = [SIZES[0]!, SIZES.at(-1)!];
  const m = (n: number, k: keyof JobResult) => median(results.get(n)!.map((x) => x[k]));
  report.ratio = {
    documents: hi / lo,
    time: +(m(hi, "seconds") / m(lo, "seconds")).toFixed(2),
    peakRss: +(m(hi, "peakRssMB") / m(lo, "peakRssMB")).toFixed(2),
  };
  console.log(JSON.stringify(report, null, 2));
} finally {
  await client.close();
  rmSync(work, { recursive: true, force: true });
  await server.stop();
}
