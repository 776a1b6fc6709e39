/**
 * The distributed scheduler with real separate processes: a throw-away
 * redis-server, `mspass worker` processes, the real FerretDB of the suite.
 * Client.connect({ scheduler: "redis" }), MongoDBWorker/fetchDbhandle on
 * every process (including one that joins later), a worker process
 * SIGKILLed in the middle of a distributed write (BullMQ stalled-job
 * recovery, every datum once), retries running out (one clear error), Redis
 * restarted mid-job, Redis gone for good (one error naming the server, no
 * password anywhere), and the dashboard listing every process.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  Client,
  MsPASSError,
  RedisScheduler,
  TimeSeries,
  WorkerDiedError,
  readDistributedData,
  task,
  taskOptions,
  writeDistributedData,
  type Database,
} from "mspass";
import { startCluster, type Cluster } from "./redis/cluster.js";

const uri = process.env.MSPASS_TEST_DB_URI!;
const dbName = `mspass_test_redis_${process.pid}`;
const RT = new URL("./fixtures/redis-tasks.mjs", import.meta.url);
type Where = { pid: number; taskId: number; plugins: string[]; k: number | null };
const tmp = mkdtempSync(join(tmpdir(), "mspass-redis-test-"));

function ts(k: number, npts = 50): TimeSeries {
  const data = new Float64Array(npts);
  for (let i = 0; i < npts; i++) data[i] = k + Math.sin(i / 3);
  return new TimeSeries({ dt: 0.01, t0: 1.6e9 + k, tref: "UTC", data, metadata: { k } });
}

async function until(cond: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("Client.connect({ scheduler: 'redis' }) with mspass worker processes", () => {
  let cluster: Cluster;
  let client: Client;
  let s: RedisScheduler;
  const trace = join(tmp, "trace");

  beforeAll(async () => {
    cluster = await startCluster({
      workers: 2,
      nthreads: 2,
      stalledMs: 1500,
      env: { REDIS_TEST_TRACE: trace, REDIS_TEST_PAUSE_MS: "60" },
    });
    client = await Client.connect({
      databaseHost: uri,
      scheduler: "redis",
      schedulerHost: cluster.url,
      dashboardPort: 0,
    });
    s = client.getScheduler() as RedisScheduler;
    await s.waitForWorkers(2);
    const db = client.getDatabase(dbName);
    await db.dropDatabase();
    await db.collection("probe").insertOne({ k: 1 });
  });

  afterAll(async () => {
    await client
      ?.getDatabase(dbName)
      .dropDatabase()
      .catch(() => undefined);
    await client?.close();
    await cluster?.stop();
  });

  it("is a RedisScheduler with the MongoDBWorker registered on every process; fetchDbhandle works unchanged", async () => {
    expect(s).toBeInstanceOf(RedisScheduler);
    expect(client.schedulerType).toBe("redis");
    expect(s.plugins()).toEqual(["mongodb_worker"]);
    const out = await s.gather(
      s.map(
        task<(db: string) => Where>(RT, "whereAndFind"),
        Array.from({ length: 64 }, () => dbName),
      ),
    );
    expect(out.every((o) => o.k === 1 && o.plugins.includes("mongodb_worker"))).toBe(true);
    expect(new Set(out.map((o) => o.pid))).toEqual(new Set(cluster.workers.map((w) => w.child.pid)));
  });

  it("a worker process that joins later sets the client's plugins up before its first job", async () => {
    const late = await cluster.spawnWorker({ nthreads: 1 });
    await s.waitForWorkers(3);
    let seen: { pid: number; plugins: string[]; k: number | null } | undefined;
    for (let round = 0; round < 40 && seen === undefined; round++) {
      const out = await s.gather(
        s.map(
          task<(db: string) => Where>(RT, "whereAndFind"),
          Array.from({ length: 24 }, () => dbName),
        ),
      );
      seen = out.find((o) => o.pid === late.child.pid);
    }
    expect(seen).toMatchObject({ plugins: ["mongodb_worker"], k: 1 });
  });

  it("the dashboard lists the worker processes of every host", async () => {
    const r = await fetch(new URL("/api/state", s.dashboardLink!));
    const st = (await r.json()) as { workers: { name: string; nthreads: number; pid: number }[] };
    expect(st.workers.length).toBeGreaterThanOrEqual(3);
    expect(st.workers.map((w) => w.pid).sort()).toEqual(
      expect.arrayContaining(cluster.workers.map((w) => w.child.pid!)),
    );
    expect(st.workers[0].name).toMatch(/:\d+ \(127\.0\.0\.1, \d threads?\)/);
  });

  it("a worker process SIGKILLed mid-write: its job is picked up elsewhere, every datum written once", async () => {
    const d: Database = client.getDatabase(`${dbName}_w`);
    await d.dropDatabase();
    const N = 24;
    for (let k = 0; k < N; k++) await d.saveData(ts(k), { dataTag: "in" });
    writeFileSync(trace, "");
    const victim = cluster.workers[0];
    const bag = (await readDistributedData(d, { dataTag: "in", npartitions: 6 })).map(task(RT, "slowDemean"));
    const writing = writeDistributedData(bag, d, { dataTag: "out", scheduler: s, retries: 1 });
    // Kill it while it holds a partition (it wrote its pid when it started one).
    await until(
      () => readFileSync(trace, "utf8").split("\n").includes(String(victim.child.pid)),
      30_000,
      "the victim to start a partition",
    );
    victim.child.kill("SIGKILL");
    const ids = await writing;
    expect(ids).toHaveLength(N);
    expect(ids.every((x) => x !== null)).toBe(true);
    expect(s.state().reruns).toBeGreaterThanOrEqual(1); // BullMQ reported the stalled job, it ran again
    const out = await d.wf_TimeSeries.find({ data_tag: "out" }).toArray();
    expect(out.map((x) => x.k).sort((a, b) => a - b)).toEqual(Array.from({ length: N }, (_, k) => k));
    expect(out.map((x) => String(x._id)).sort()).toEqual(ids.map(String).sort());
    const files = await d.collection("fs.files").find({}).toArray();
    const referenced = (await d.wf_TimeSeries.find({}, { projection: { gridfs_id: 1 } }).toArray()).map((w) =>
      String(w.gridfs_id),
    );
    expect(files.map((f) => String(f._id)).sort()).toEqual(referenced.sort());
    const chunks = await d
      .collection("fs.chunks")
      .find({}, { projection: { files_id: 1, n: 1 } })
      .toArray();
    expect(chunks).toHaveLength(files.length);
    await d.dropDatabase();
  }, 120_000);

  it("a job re-run after its process died keeps its task ids", async () => {
    await cluster.spawnWorker({ nthreads: 1 });
    const marker = join(tmp, "kill-once");
    writeFileSync(marker, "");
    const f = s.submit(task(RT, "killMyProcessOnce"), marker, "v1");
    const r = (await f) as { v: string; taskId: number };
    expect(existsSync(marker)).toBe(false);
    expect(r.v).toBe("v1");
    expect(f.reruns).toBe(1);
    expect(r.taskId).toBeGreaterThan(0);
  }, 60_000);

  it("a task that kills every process it runs on: one clear error once the stalls are used up", async () => {
    await cluster.spawnWorker({ nthreads: 1 });
    await cluster.spawnWorker({ nthreads: 1 });
    const f = s.submit(task(RT, "killMyProcess"), taskOptions({ retries: 0 }));
    const err = await f.exception();
    expect(err).toBeInstanceOf(WorkerDiedError);
    expect(err!.message).toMatch(
      /failed: job stalled more than allowable limit; no retries left after \d+ attempt\(s\)/,
    );
    expect(f.attempts).toBeGreaterThanOrEqual(2); // it was picked up again before BullMQ gave up on it
    expect(f.reruns).toBe(f.attempts - 1);
    expect(err!.message).toMatch(/on redis:\/\/127\.0\.0\.1:\d+/);
    // the scheduler goes on with the processes left
    expect(await s.submit((x: number) => x + 1, 1)).toBe(2);
  }, 90_000);
});

describe("Redis restarted or gone", () => {
  it("restarted mid-job (empty, no persistence): the jobs complete", async () => {
    const cluster = await startCluster({ workers: 2, nthreads: 2, stalledMs: 1500 });
    const s = await RedisScheduler.start({ address: cluster.url, dashboard: false, redisTimeoutMs: 30_000 });
    try {
      await s.waitForWorkers(2);
      const fs = s.map(
        (ms: number) => new Promise((r) => setTimeout(() => r(ms), ms)),
        Array.from({ length: 16 }, () => 400),
        { batchSize: 1 },
      );
      await new Promise((r) => setTimeout(r, 250));
      await cluster.redis.restart({ hard: true, downMs: 1000 });
      const out = await s.gather(fs);
      expect(out).toEqual(Array.from({ length: 16 }, () => 400));
      expect(await s.submit((x: number) => x * 3, 3)).toBe(9);
    } finally {
      await s.close();
      await cluster.stop();
    }
  }, 90_000);

  it("gone for good: ONE clear error naming the server (credentials masked, nowhere in logs)", async () => {
    const cluster = await startCluster({ workers: 1, nthreads: 1, password: "s3cret-pw" });
    expect(cluster.url).toContain("s3cret-pw");
    const s = await RedisScheduler.start({ address: cluster.url, dashboard: false, redisTimeoutMs: 1500 });
    const events: string[] = [];
    s.on("redis-down", (e) => events.push(JSON.stringify(e)));
    try {
      await s.waitForWorkers(1);
      expect(s.address).toMatch(/^redis:\/\/\*\*\*@127\.0\.0\.1:\d+$/);
      expect(await s.submit((x: number) => x + 1, 41)).toBe(42);
      const fs = [s.submit(task(RT, "sleepy"), 5000, 1), s.submit(task(RT, "sleepy"), 5000, 2)];
      await new Promise((r) => setTimeout(r, 200));
      await cluster.redis.stop();
      const errs = await Promise.all(fs.map((f) => f.exception()));
      expect(errs[0]).toBeInstanceOf(MsPASSError);
      expect(errs[1]).toBe(errs[0]); // one error, not one per task
      expect(errs[0]!.message).toMatch(
        /^the Redis server at redis:\/\/\*\*\*@127\.0\.0\.1:\d+ did not answer for \d+\.\d s \(redisTimeoutMs 1500\)/,
      );
      expect(errs[0]!.message).not.toContain("s3cret");
      expect(events.join()).not.toContain("s3cret");
    } finally {
      await s.close();
      await cluster.stop();
      for (const w of cluster.workers) expect(w.log()).not.toContain("s3cret");
      expect(cluster.workers[0].log()).toMatch(/lost the Redis server at redis:\/\/\*\*\*@127\.0\.0\.1:\d+/);
    }
  }, 60_000);

  it("bad addresses are a clear MsPASSError", async () => {
    await expect(Client.connect({ databaseHost: uri, scheduler: "redis" })).rejects.toThrow(
      /scheduler "redis" needs the Redis address/,
    );
    await expect(RedisScheduler.start({ address: "http://x:1" })).rejects.toThrow(/unsupported scheme/);
    const port = 1; // nothing listens there
    await expect(
      RedisScheduler.start({ address: `redis://:pw@127.0.0.1:${port}`, dashboard: false }),
    ).rejects.toThrow(/^cannot reach the Redis server at redis:\/\/\*\*\*@127\.0\.0\.1:1: /);
  });
});
