/**
 * Parallel read of N miniSEED objects (default 1,000) from a real
 * S3-compatible server (SeaweedFS `weed mini` on 127.0.0.1, started here) on
 * 4 worker threads, three ways:
 *
 * 1. S3Worker: one client per worker, tasks call fetchS3Client();
 * 2. one shared client: a single S3Client in the main thread issues the same
 *    N GETs with 4 in flight (a client cannot cross threads: this is what
 *    "shared" can mean — the I/O then all runs on one thread);
 * 3. a client per task (a new S3Client for every object, destroyed after).
 *
 * Objects: the miniSEED fixture files (test/fixtures/miniseed/, 5–8 KiB each)
 * put N times under distinct keys. Per way: median wall time of the runs →
 * objects/s, and this process's ESTABLISHED sockets to the S3 port (peak,
 * and distinct sockets seen: churn), sampled every 10 ms from /proc.
 * Credentials reach the workers through the environment (AWS_ACCESS_KEY_ID
 * ...), never through a task.
 *
 *   npm run build:ts && npx tsc -p bench/tsconfig.json && node bench/out/s3-read.bench.js
 *   env: BENCH_S3_OBJECTS (1000), BENCH_S3_RUNS (5)
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { LocalScheduler, S3Worker, createS3Client, task, type S3Options } from "mspass";
import { startLocalS3Server } from "mspass/testing";
import { sampleConnections } from "./parallel-connections.js";
import { getBytes } from "./s3-tasks.js";
import { repoRoot } from "./bench-env.js";

const N = Number(process.env.BENCH_S3_OBJECTS ?? 1000);
const RUNS = Number(process.env.BENCH_S3_RUNS ?? 5);
const WORKERS = 4;
const BUCKET = "bench";
const TASKS = new URL("./s3-tasks.js", import.meta.url);
const FIXTURES = ["test.mseed", "steim2.mseed", "BW.BGLD.__.EHE.D.2008.001.first_10_records"].map((f) =>
  readFileSync(join(repoRoot, "test", "fixtures", "miniseed", f)),
);

const server = await startLocalS3Server({ buckets: [BUCKET] });
const creds = server.options.credentials!;
process.env.AWS_ACCESS_KEY_ID = creds.accessKeyId;
process.env.AWS_SECRET_ACCESS_KEY = creds.secretAccessKey;
/** What travels: no credentials (the SDK's default chain reads the environment). */
const wire: S3Options = { endpoint: server.endpoint, bucket: BUCKET };

const keys = Array.from({ length: N }, (_, i) => `bench/${String(i).padStart(5, "0")}.mseed`);
let totalBytes = 0;
{
  const c = createS3Client(wire);
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < N) {
        const i = next++;
        const body = FIXTURES[i % FIXTURES.length]!;
        totalBytes += body.length;
        await c.send(new PutObjectCommand({ Bucket: BUCKET, Key: keys[i], Body: body }));
      }
    }),
  );
  c.destroy();
}
console.log(`put ${N} objects, ${(totalBytes / 1024).toFixed(0)} KiB, into ${server.endpoint}`);

interface Row {
  way: string;
  ms: number[];
  peak: number;
  distinct: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

async function measure(way: string, run: () => Promise<number>): Promise<Row> {
  await run(); // warm-up (module load, first sockets)
  const ms: number[] = [];
  let peak = 0;
  let distinct = 0;
  for (let r = 0; r < RUNS; r++) {
    const conns = sampleConnections(server.port);
    const t0 = performance.now();
    const bytes = await run();
    ms.push(performance.now() - t0);
    const c = conns.stop();
    if (bytes !== totalBytes) throw new Error(`${way}: read ${bytes} bytes, expected ${totalBytes}`);
    peak = Math.max(peak, c.peak);
    distinct = Math.max(distinct, c.distinct);
  }
  return { way, ms, peak, distinct };
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const rows: Row[] = [];

{
  const s = await LocalScheduler.start({ nworkers: WORKERS, dashboard: false });
  await s.registerPlugin(new S3Worker(wire), { name: "s3_worker" });
  const t = task<(b: string, k: string) => number>(TASKS, "readWithWorkerClient");
  rows.push(
    await measure("S3Worker (client per worker)", async () =>
      sum(await s.gather(keys.map((k) => s.submit(t, BUCKET, k)))),
    ),
  );
  await s.close();
}
{
  const shared = createS3Client(wire);
  rows.push(
    await measure("one shared client (main thread, 4 in flight)", async () => {
      let next = 0;
      const got = await Promise.all(
        Array.from({ length: WORKERS }, async () => {
          let n = 0;
          while (next < N) n += await getBytes(shared, BUCKET, keys[next++]!);
          return n;
        }),
      );
      return sum(got);
    }),
  );
  shared.destroy();
}
{
  const s = await LocalScheduler.start({ nworkers: WORKERS, dashboard: false });
  const t = task<(o: S3Options, b: string, k: string) => number>(TASKS, "readWithClientPerTask");
  rows.push(
    await measure("client per task", async () =>
      sum(await s.gather(keys.map((k) => s.submit(t, wire, BUCKET, k)))),
    ),
  );
  await s.close();
}
await server.stop();

const base = median(rows[0]!.ms);
console.log(`\n${N} objects, ${WORKERS} workers, ${RUNS} runs each (median):`);
console.log("| way | median ms | objects/s | ratio to S3Worker | peak sockets | distinct sockets / run |");
console.log("|---|---:|---:|---:|---:|---:|");
for (const r of rows) {
  const m = median(r.ms);
  console.log(
    `| ${r.way} | ${m.toFixed(0)} | ${((N / m) * 1000).toFixed(0)} | ${(m / base).toFixed(2)} | ${r.peak} | ${r.distinct} |`,
  );
}
