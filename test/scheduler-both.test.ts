/**
 * The same scheduler cases on the LocalScheduler and on the RedisScheduler
 * (a throw-away redis-server and two `mspass worker` processes of one
 * thread each: two worker threads in all, as the local scheduler here).
 * Only the way the scheduler is made differs: that is what "existing
 * workflows run on either by changing only the options" means.
 */
import { afterAll, beforeAll, describe } from "vitest";
import { LocalScheduler, RedisScheduler } from "mspass";
import { bagCases, futuresCases, pluginCases, type Harness } from "./scheduler-shared-cases.js";
import { startCluster, type Cluster } from "./redis/cluster.js";

function suite(
  name: string,
  open: () => Promise<{ s: LocalScheduler; threads: number; close(): Promise<void> }>,
): void {
  describe(name, () => {
    let made: { s: LocalScheduler; threads: number; close(): Promise<void> } | undefined;
    beforeAll(async () => {
      made = await open();
    });
    afterAll(async () => {
      await made?.close();
    });
    const h: Harness = { s: () => made!.s, threads: () => made!.threads };
    describe("futures", () => futuresCases(h));
    describe("bags", () => bagCases(h));
    describe("plugins", () => pluginCases(h));
  });
}

suite("LocalScheduler", async () => {
  const s = await LocalScheduler.start({ nworkers: 2, dashboard: false });
  return { s, threads: 2, close: () => s.close() };
});

suite("RedisScheduler (2 mspass worker processes)", async () => {
  const cluster: Cluster = await startCluster({ workers: 2, nthreads: 1 });
  const s = await RedisScheduler.start({ address: cluster.url, dashboard: false });
  await s.waitForWorkers(2);
  return {
    // The RedisScheduler has the LocalScheduler's API; the cases use only that.
    s: s as unknown as LocalScheduler,
    threads: 2,
    close: async () => {
      await s.close();
      await cluster.stop();
    },
  };
});
