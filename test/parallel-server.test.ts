/**
 * The database server stopped during a distributed read. This file starts
 * its OWN FerretDB (own port, own data dir) so it can stop it (SIGTERM) and
 * start it again on the same port and data.
 *
 * Documented behaviour (docs/parallel.md): a partition retries connection
 * errors for `retryTimeoutMS`; if the server is back in time the job
 * completes with every datum; otherwise compute() rejects with ONE error
 * naming the server. It never hangs and never returns partial results.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DatabaseClient,
  LocalScheduler,
  findFreePort,
  MongoDBWorker,
  TimeSeries,
  readDistributedData,
  task,
  type Database,
} from "mspass";

const TASKS = new URL("./fixtures/parallel-tasks.mjs", import.meta.url);
// biome-ignore lint/suspicious/noExplicitAny: a task function of any signature
const t = (name: string) => task<(...a: any[]) => any>(TASKS, name);
const dataDir = mkdtempSync(join(tmpdir(), "mspass-parallel-server-"));
let port = 0;
let server: ChildProcess | undefined;
let uri = "";
let scheduler: LocalScheduler;
let db: Database;
const N = 24;

async function startServer(): Promise<string> {
  const child = spawn(
    resolve(".bin/ferretdb"),
    ["--listen-addr", `127.0.0.1:${port}`, "--data-dir", dataDir],
    {
      stdio: ["ignore", "pipe", "ignore"],
    },
  );
  server = child;
  return new Promise<string>((res, rej) => {
    let out = "";
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const line = out.split("\n").find((l) => l.startsWith("mongodb://"));
      if (line) res(line.trim());
    });
    child.on("exit", (c) => rej(new Error(`ferretdb exited with ${c}`)));
    setTimeout(() => rej(new Error("ferretdb did not start in 30 s")), 30_000).unref();
  });
}

async function stopServer(): Promise<void> {
  const child = server;
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  await exited;
}

beforeAll(async () => {
  port = await findFreePort();
  uri = await startServer();
  // A short server selection timeout, so one attempt fails in 2 s while the server is away.
  const c = await DatabaseClient.connect(uri, { serverSelectionTimeoutMS: 2000 });
  db = c.getDatabase("stopstart");
  for (let k = 0; k < N; k++) {
    const data = Float64Array.from({ length: 20 }, (_, i) => k + i / 100);
    await db.saveData(new TimeSeries({ dt: 1, t0: k, data, metadata: { k } }));
  }
  process.env.PARALLEL_PAUSE_MS = "600";
  scheduler = await LocalScheduler.start({ nworkers: 2, dashboard: false });
  await scheduler.registerPlugin(new MongoDBWorker(c), { name: "mongodb_worker" });
}, 120_000);

afterAll(async () => {
  delete process.env.PARALLEL_PAUSE_MS;
  await scheduler?.close();
  await stopServer();
  await DatabaseClient.shutdown(uri);
  rmSync(dataDir, { recursive: true, force: true });
});

describe("the server stops during a distributed read", () => {
  it("stopped and started again within retryTimeoutMS: the job completes with every datum once", async () => {
    const bag = (await readDistributedData(db, { npartitions: 12, retryTimeoutMS: 30_000 }))
      .map(t("pause"))
      .map(t("summarize"));
    const t0 = Date.now();
    let settledAt = 0;
    const running = bag.compute().finally(() => (settledAt = Date.now()));
    await new Promise((r) => setTimeout(r, 600));
    await stopServer();
    const down = Date.now();
    await new Promise((r) => setTimeout(r, 3000));
    await startServer();
    const up = Date.now();
    const out = (await running) as Array<{ k: number; live: boolean; npts: number }>;
    expect(up - down).toBeGreaterThanOrEqual(3000);
    // Without the outage the 12 partitions take about 7 s (FerretDB finishes serving open connections for ~3 s after SIGTERM); the job was still running when the server came back.
    expect(settledAt).toBeGreaterThanOrEqual(up);
    expect(settledAt - t0).toBeLessThan(60_000);
    expect(out.map((s) => s.k).sort((a, b) => a - b)).toEqual(Array.from({ length: N }, (_, k) => k));
    expect(out.every((s) => s.live && s.npts === 20)).toBe(true);
  }, 120_000);

  it("stopped for good: one clear error naming the server, within the bound, no partial result", async () => {
    const bag = (await readDistributedData(db, { npartitions: 6, retryTimeoutMS: 3000 })).map(t("summarize"));
    await stopServer();
    const t0 = Date.now();
    let timer: NodeJS.Timeout | undefined;
    const hang = new Promise(
      (_, rej) => (timer = setTimeout(() => rej(new Error("compute() hung")), 60_000)),
    );
    const err = await Promise.race([bag.compute(), hang]).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    clearTimeout(timer);
    const took = Date.now() - t0;
    expect(err).toBeDefined();
    expect(err!.message).not.toBe("compute() hung");
    expect(err!.message).toMatch(
      new RegExp(
        `the database server at mongodb://127\\.0\\.0\\.1:${port}/ did not answer: gave up after \\d+ attempt\\(s\\)`,
      ),
    );
    expect(err!.message).toMatch(/readDistributedData\(stopstart\.wf_TimeSeries, partition \d\/6\)/);
    // retryTimeoutMS (3 s) + one last attempt's server selection (2 s) + margins.
    expect(took).toBeLessThan(20_000);
  }, 90_000);
});
