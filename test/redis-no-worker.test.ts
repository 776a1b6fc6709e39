/**
 * The Redis scheduler with no worker process: a job says so after a bounded
 * wait instead of waiting forever, and is withdrawn; the dashboard counts as
 * "processing" only what the worker rows run.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MsPASSError, RedisScheduler, task } from "mspass";
import { startCluster, type Cluster } from "./redis/cluster.js";

const RT = new URL("./fixtures/redis-tasks.mjs", import.meta.url);
let cluster: Cluster;
beforeAll(async () => {
  cluster = await startCluster({ workers: 0, heartbeatMs: 200 });
});
afterAll(async () => {
  await cluster?.stop();
});

describe("the Redis scheduler without workers", () => {
  it("fails the job after noWorkerTimeoutMs, saying what to start, and withdraws it", async () => {
    const s = await RedisScheduler.start({ address: cluster.url, dashboard: false, noWorkerTimeoutMs: 1500 });
    try {
      const f = s.submit((x: number) => x + 1, 1);
      const err = await f.exception();
      expect(err).toBeInstanceOf(MsPASSError);
      expect(err!.message).toMatch(
        /^no mspass worker process served queue "mspass" at redis:\/\/127\.0\.0\.1:\d+ for \d+\.\d s .*mspass worker --scheduler/,
      );
      // A worker that arrives later finds nothing left of the withdrawn job, and serves new ones.
      await cluster.spawnWorker();
      expect(await s.submit((x: number) => x * 2, 21)).toBe(42);
    } finally {
      await s.close();
    }
  }, 60_000);

  it("the dashboard's processing count is what the worker rows run, the rest waits", async () => {
    if (cluster.workers.length === 0) await cluster.spawnWorker();
    const s = await RedisScheduler.start({ address: cluster.url, dashboard: false });
    try {
      await s.waitForWorkers(1);
      const fs = Array.from({ length: 40 }, (_, i) => s.submit(task(RT, "sleepy"), 100, i));
      await new Promise((r) => setTimeout(r, 1200));
      const st = s.state();
      const rows = st.workers.reduce((n, w) => n + w.processing, 0);
      expect(st.counts.processing).toBeLessThanOrEqual(rows);
      expect(st.counts.processing + st.counts.waiting + st.counts.done).toBe(40);
      expect(st.counts.waiting).toBeGreaterThan(0);
      await s.gather(fs);
    } finally {
      await s.close();
    }
  }, 60_000);
});
