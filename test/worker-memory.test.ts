/**
 * A worker hands a partition's samples back as soon as the partition's
 * results have left it (SchedulerWorker.releaseAfterTask), not whenever the
 * garbage collector next runs; whatever the results hold, data or raw views
 * of the samples, is sent before that. On the calling thread nothing is
 * released: the data are the results.
 */
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  LocalScheduler,
  MongoDBWorker,
  TimeSeries,
  TimeSeriesEnsemble,
  readDistributedData,
  task,
} from "mspass";
import { useTestDatabase } from "./helpers.js";

const READ_TASKS = new URL("./fixtures/parallel-read-tasks.mjs", import.meta.url);
const watchRelease = task<(items: TimeSeries[], dir: string) => unknown[]>(READ_TASKS, "watchRelease");
const N = 40;
const NPTS = 50;
const sample = (k: number, i: number) => k * 1000 + i;

const { client, db, dir } = await useTestDatabase("worker_memory");
let s: LocalScheduler;

beforeAll(async () => {
  const members = Array.from(
    { length: N },
    (_x, k) =>
      new TimeSeries({
        dt: 0.01,
        t0: 1.6e9 + k,
        tref: "UTC",
        data: Float64Array.from({ length: NPTS }, (_y, i) => sample(k, i)),
        metadata: { k },
      }),
  );
  await db.saveData(new TimeSeriesEnsemble(members), {
    storageMode: "file",
    dir: join(dir, "in"),
    dfile: "in",
    dataTag: "in",
  });
  s = await LocalScheduler.start({ nworkers: 2, dashboard: false });
  await s.registerPlugin(new MongoDBWorker(client), { name: "mongodb_worker" });
}, 60_000);

afterAll(async () => {
  await s?.close();
});

const read = () => readDistributedData(db, { query: { data_tag: "in" }, npartitions: 4 });

function expectIntact(k: number, data: ArrayLike<number>, n = NPTS): void {
  expect(data.length).toBe(n);
  for (let i = 0; i < n; i++) expect(data[i]).toBe(sample(k, i));
}

describe("a partition's samples on a worker", () => {
  it("are released once the partition's results have been sent", async () => {
    const marks = mkdtempSync(join(dir, "marks-"));
    const bag = (await read()).mapPartitions(watchRelease, marks);
    const parts = (await bag.compute({ scheduler: s })) as Array<{
      n: number;
      data: Array<{ k: number; npts: number; sum: number }>;
    }>;
    // The summaries were made from the samples before the release.
    expect(parts.map((p) => p.n).reduce((a, b) => a + b, 0)).toBe(N);
    for (const d of parts.flatMap((p) => p.data)) {
      let sum = 0;
      for (let i = 0; i < NPTS; i++) sum += sample(d.k, i);
      expect(d).toMatchObject({ npts: NPTS, sum });
    }
    // Each partition's watcher reports on its own buffers, after the task.
    let names: string[] = [];
    for (let i = 0; i < 2000 && names.length < parts.length; i++) {
      names = readdirSync(marks);
      if (names.length < parts.length) await new Promise((r) => setTimeout(r, 10));
    }
    expect(names).toHaveLength(parts.length);
    for (const f of names) expect(readFileSync(join(marks, f), "utf8")).toBe("released");
  });

  it("still reach the caller intact, returned as data or as raw views in plain objects", async () => {
    const data = (await (await read()).compute({ scheduler: s })) as TimeSeries[];
    expect(data).toHaveLength(N);
    for (const d of data) expectIntact(d.md.get("k") as number, d.data);
    // A view into the partition's buffer inside a plain object: copied by the post, before the release.
    const viewing = (await read()).map((d) => ({ k: d.md.get("k"), head: d.data.subarray(0, 3) }));
    const heads = (await viewing.compute({ scheduler: s })) as Array<{ k: number; head: Float64Array }>;
    expect(heads).toHaveLength(N);
    for (const h of heads) expectIntact(h.k, h.head, 3);
  });

  it("are left alone on the calling thread (scheduler none): the data are the results", async () => {
    const data = (await (await read()).compute({ scheduler: "none" })) as TimeSeries[];
    expect(data).toHaveLength(N);
    for (const d of data) expectIntact(d.md.get("k") as number, d.data);
  });
});
