/**
 * `mspass worker` when Redis fails it, with real processes (a throw-away
 * redis-server, worker processes from the built CLI):
 * - SIGTERM/SIGINT stop it within seconds whatever Redis's state (up, gone,
 *   or silent as behind a cut link: the server SIGSTOPped), finishing a short
 *   job, handing a long one back to the queue (another process takes it
 *   before any stall interval), or abandoning it to BullMQ when Redis is away;
 * - `--death-timeout` (dask's): without Redis for that long, at start or
 *   later, it exits 1 with ONE error naming the server, credentials masked.
 * The client's side (Redis restarted mid-job) is in redis-scheduler.test.ts.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { RedisScheduler, task, type Future } from "mspass";
import { startRedisServer } from "mspass/testing";
import { runWorker, startCluster, type Cluster, type RawWorker, type WorkerProc } from "./redis/cluster.js";

const RT = new URL("./fixtures/redis-tasks.mjs", import.meta.url);
const tracedSleep = task<(ms: number, v: string) => { v: string; pid: number }>(RT, "tracedSleep");
const tmp = mkdtempSync(join(tmpdir(), "mspass-redis-faults-"));
/** The CLI's own backstop is 6 s: a worker that needed it would exit 1, which these tests also reject. */
const PROMPT_MS = 6000;

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Signal the process; resolve with how it ended and how long that took. */
async function stopTimed(
  w: { child: RawWorker["child"] },
  signal: NodeJS.Signals = "SIGTERM",
): Promise<{ code: number | null; ms: number }> {
  const t0 = Date.now();
  const exited = new Promise<number | null>((r) => w.child.once("exit", (code) => r(code)));
  w.child.kill(signal);
  const code = await exited;
  return { code, ms: Date.now() - t0 };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** SIGCONT a server a test SIGSTOPped, if it still runs. */
function resume(pid: number | undefined): void {
  try {
    if (pid !== undefined) process.kill(pid, "SIGCONT");
  } catch {
    /* already gone */
  }
}

/** Lines the CLI printed as its final error ("mspass: ..."). */
const errorLines = (log: string): string[] => log.split("\n").filter((l) => l.startsWith("mspass: "));

/**
 * One worker process (`victim`) running `tracedSleep(ms, v)` for a client `s`, with `stalledMs` as
 * its lock and stall interval; `body` does the rest; everything is stopped after.
 */
async function withJobInHand(
  o: { name: string; stalledMs: number; ms: number; v: string },
  body: (c: { cluster: Cluster; victim: WorkerProc; f: Future<{ v: string; pid: number }> }) => Promise<void>,
): Promise<void> {
  const trace = join(tmp, `trace-${o.name}`);
  writeFileSync(trace, "");
  const cluster = await startCluster({
    workers: 1,
    stalledMs: o.stalledMs,
    env: { REDIS_TEST_TRACE: trace },
  });
  const s = await RedisScheduler.start({ address: cluster.url, dashboard: false });
  try {
    await s.waitForWorkers(1);
    const victim = cluster.workers[0]!;
    const f = s.submit(tracedSleep, o.ms, o.v);
    await until(
      () => readFileSync(trace, "utf8").includes(`${victim.child.pid}\n`),
      30_000,
      "the victim to start the job",
    );
    await body({ cluster, victim, f });
  } finally {
    await s.close();
    await cluster.stop();
  }
}

describe("SIGTERM/SIGINT stop a worker within seconds", () => {
  it("Redis up, a long job in hand: handed back at once, another process finishes it; exit 0", async () => {
    // A lock/stall interval of 120 s: the job can only be done within a minute if it was handed back.
    // The job (10 s) is still running when the victim is told to stop.
    await withJobInHand(
      { name: "long", stalledMs: 120_000, ms: 10_000, v: "long" },
      async ({ cluster, victim, f }) => {
        const rescuer = await cluster.spawnWorker();
        const t0 = Date.now();
        const stop = await stopTimed(victim);
        expect(stop.code).toBe(0);
        expect(stop.ms).toBeLessThan(PROMPT_MS);
        expect(victim.log()).toMatch(/handed job \S+ back to the queue/);
        expect(await f).toEqual({ v: "long", pid: rescuer.child.pid });
        expect(Date.now() - t0).toBeLessThan(60_000); // far inside the 120 s stall interval
        expect(f.reruns).toBe(1);
      },
    );
  }, 90_000);

  it("Redis up, a short job in hand (SIGINT): it finishes the job, no re-run; exit 0", async () => {
    await withJobInHand({ name: "short", stalledMs: 60_000, ms: 600, v: "short" }, async ({ victim, f }) => {
      const stop = await stopTimed(victim, "SIGINT");
      expect(stop.code).toBe(0);
      expect(stop.ms).toBeLessThan(PROMPT_MS);
      expect(await f).toEqual({ v: "short", pid: victim.child.pid });
      expect(f.reruns).toBe(0);
    });
  }, 90_000);

  it("Redis gone (refused) or silent (SIGSTOPped, as behind a cut link), a job in hand: exit 0 within seconds", async () => {
    const trace = join(tmp, "trace-down");
    writeFileSync(trace, "");
    const cluster = await startCluster({ workers: 2, stalledMs: 60_000, env: { REDIS_TEST_TRACE: trace } });
    const s = await RedisScheduler.start({ address: cluster.url, dashboard: false, redisTimeoutMs: 60_000 });
    const [silentVictim, goneVictim] = cluster.workers as [
      (typeof cluster.workers)[0],
      (typeof cluster.workers)[0],
    ];
    try {
      await s.waitForWorkers(2);
      const fs = [s.submit(tracedSleep, 30_000, "a"), s.submit(tracedSleep, 30_000, "b")];
      for (const f of fs) void f.exception(); // they fail when the client closes; not what is tested
      await until(
        () => readFileSync(trace, "utf8").split("\n").filter(Boolean).length >= 2,
        30_000,
        "both workers to take a job",
      );

      process.kill(cluster.redis.pid!, "SIGSTOP"); // connections stay open, nothing answers
      await new Promise((r) => setTimeout(r, 1000));
      const silent = await stopTimed(silentVictim);
      expect(silent.code).toBe(0);
      expect(silent.ms).toBeLessThan(PROMPT_MS);
      expect(silentVictim.log()).toMatch(/abandoned job \S+: BullMQ re-delivers it after the stall interval/);

      process.kill(cluster.redis.pid!, "SIGCONT");
      await cluster.redis.stop(); // now refused
      await until(() => /lost the Redis server/.test(goneVictim.log()), 10_000, "the worker to notice");
      const gone = await stopTimed(goneVictim);
      expect(gone.code).toBe(0);
      expect(gone.ms).toBeLessThan(PROMPT_MS);
    } finally {
      resume(cluster.redis.pid);
      await s.close();
      await cluster.stop();
    }
  }, 90_000);
});

describe("--death-timeout: a worker gives up on a Redis that is away", () => {
  it("Redis gone for the death timeout: exit 1 with ONE error naming the server, credentials masked", async () => {
    const cluster = await startCluster({ workers: 0, password: "s3cret-pw" });
    try {
      const w = await cluster.spawnWorker({ args: ["--death-timeout", "2"] });
      const exited = new Promise<number | null>((r) => w.child.once("exit", (c) => r(c)));
      await cluster.redis.stop();
      const t0 = Date.now();
      const code = await exited;
      expect(code).toBe(1);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(1500);
      const log = w.log();
      expect(errorLines(log)).toHaveLength(1);
      expect(errorLines(log)[0]).toMatch(
        /^mspass: the Redis server at redis:\/\/\*\*\*@127\.0\.0\.1:\d+ did not answer for \d+\.\d s \(death timeout 2 s\): .*ECONNREFUSED.*; worker \S+ gives up$/,
      );
      expect(log).toMatch(
        /lost the Redis server at redis:\/\/\*\*\*@127\.0\.0\.1:\d+: .*giving up after 2 s without it/,
      );
      expect(log).not.toContain("s3cret");
    } finally {
      await cluster.stop();
    }
  }, 60_000);

  it("Redis silent (MSPASS_WORKER_DEATH_TIMEOUT, no error from the socket): it still gives up, exit 1", async () => {
    const cluster = await startCluster({ workers: 0 });
    try {
      const w = await cluster.spawnWorker({ env: { MSPASS_WORKER_DEATH_TIMEOUT: "1.5" } });
      process.kill(cluster.redis.pid!, "SIGSTOP");
      const code = await new Promise<number | null>((r) => w.child.once("exit", (c) => r(c)));
      expect(code).toBe(1);
      expect(errorLines(w.log())).toHaveLength(1);
      expect(errorLines(w.log())[0]).toMatch(
        /^mspass: the Redis server at redis:\/\/127\.0\.0\.1:\d+ did not answer for \d+\.\d s \(death timeout 1\.5 s\)/,
      );
    } finally {
      resume(cluster.redis.pid);
      await cluster.stop();
    }
  }, 60_000);

  it("at start: waits for Redis up to the death timeout (a worker may start first), then gives up", async () => {
    const port = await freePort();
    const early = runWorker(["--scheduler", `127.0.0.1:${port}`, "--nthreads", "1", "--death-timeout", "30"]);
    // The password comes from the environment: a worker refuses one on its command line.
    const never = runWorker(["--nthreads", "1", "--death-timeout", "1"], {
      MSPASS_SCHEDULER_ADDRESS: `redis://:pw@127.0.0.1:${await freePort()}`,
    });
    await until(() => /cannot reach the Redis server/.test(early.log()), 30_000, "the early worker to try");
    const redis = await startRedisServer({ port });
    try {
      await until(
        () => /^ready \S+$/m.test(early.log()),
        30_000,
        `the early worker to serve: ${early.log()}`,
      );
      const { code } = await never.exited;
      expect(code).toBe(1);
      expect(errorLines(never.log())).toEqual([
        expect.stringMatching(
          /^mspass: the Redis server at redis:\/\/\*\*\*@127\.0\.0\.1:\d+ did not answer for \d+\.\d s \(death timeout 1 s\): .*ECONNREFUSED/,
        ),
      ]);
      const stop = await stopTimed(early);
      expect(stop.code).toBe(0);
    } finally {
      early.child.kill("SIGKILL");
      never.child.kill("SIGKILL");
      await redis.stop();
    }
  }, 90_000);

  it("a bad --death-timeout is a usage error naming it", async () => {
    const w = runWorker(["--scheduler", "127.0.0.1:1", "--death-timeout", "soon"]);
    const { code } = await w.exited;
    expect(code).toBe(2);
    expect(w.log()).toMatch(/^mspass: --death-timeout must be a positive number of seconds, got "soon"/m);
  });
});
