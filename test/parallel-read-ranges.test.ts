/**
 * readDistributedData of a query, cut into `_id` ranges: every document is
 * read exactly once whatever the number of partitions, the shape of the
 * query or the order the ids were inserted in, also when a worker dies in
 * the middle of the job; and on the embedded server each partition's query
 * is answered from the `_id` index (a partition reads only its own rows).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { ObjectId, type Document } from "mongodb";
import { beforeAll, describe, expect, it } from "vitest";
import { LocalScheduler, MongoDBWorker, TimeSeries, readDistributedData, task } from "mspass";
import { cutBySamples, cutRanges, rangeFilter, splitIds } from "../dist/parallel/read.js";
import { useTestDatabase } from "./helpers.js";

const TASKS = new URL("./fixtures/parallel-tasks.mjs", import.meta.url);
// biome-ignore lint/suspicious/noExplicitAny: a task function of any signature
const t = (name: string) => task<(...a: any[]) => any>(TASKS, name);
const N = 120;

const { client, db, rdb, dir: tmp } = await useTestDatabase("read_ranges");
let ferret = false;
let ids: ObjectId[];

beforeAll(async () => {
  ferret = (await rdb.admin().command({ buildInfo: 1 })).ferretdbVersion !== undefined;
  // Ids whose order is NOT the insertion order (timestamps shuffled), so a
  // range cut by insertion order would miss or repeat documents.
  ids = Array.from({ length: N }, (_x, k) => ObjectId.createFromTime(1_700_000_000 + ((k * 97) % N)));
  for (let k = 0; k < N; k++) {
    const d = new TimeSeries({
      dt: 0.1,
      t0: 1.6e9 + k,
      tref: "UTC",
      data: Float64Array.from({ length: 8 }, () => k),
      metadata: { k, grp: k % 4 },
    });
    const saved = await db.saveData(d, { dataTag: "in" });
    // Move each document to its chosen id (the samples stay where saveData put them).
    const doc = (await db.wf_TimeSeries.findOne({ _id: saved._id! }))!;
    await db.wf_TimeSeries.deleteOne({ _id: saved._id! });
    await db.wf_TimeSeries.insertOne({ ...doc, _id: ids[k] });
  }
  // Other documents the queries must not return.
  await db.wf_TimeSeries.insertMany(
    Array.from({ length: 20 }, (_x, i) => ({ _id: new ObjectId(), data_tag: "other", k: 1000 + i, grp: 0 })),
  );
});

async function ks(
  bag: Awaited<ReturnType<typeof readDistributedData>>,
  scheduler: LocalScheduler | "none",
  retries = 0,
): Promise<number[]> {
  const out = (await bag.map(t("summarize")).compute({ scheduler, retries })) as Array<{
    k: number;
    live: boolean;
  }>;
  expect(out.every((s) => s.live)).toBe(true);
  return out.map((s) => s.k);
}

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const range = (n: number) => Array.from({ length: n }, (_x, k) => k);

describe("readDistributedData: _id range partitions", () => {
  it("reads every matching document exactly once, for any number of partitions and query shape", async () => {
    const excluded = [ids[5], ids[77], ids[100]];
    const cases: Array<[Document, string | undefined, number[]]> = [
      [{}, "in", range(N)],
      [{ grp: 2 }, "in", range(N).filter((k) => k % 4 === 2)],
      // The query's own top-level _id: the range is ANDed with it.
      [{ _id: { $nin: excluded } }, "in", range(N).filter((k) => ![5, 77, 100].includes(k))],
      [{ $or: [{ grp: 1 }, { k: { $lt: 10 } }] }, undefined, range(N).filter((k) => k % 4 === 1 || k < 10)],
    ];
    for (const [query, dataTag, want] of cases) {
      for (const npartitions of [1, 4, 13, 200]) {
        const bag = await readDistributedData(db, {
          query,
          npartitions,
          ...(dataTag === undefined ? {} : { dataTag }),
        });
        const got = await ks(bag, "none");
        expect(got.length).toBe(want.length); // no repeats
        expect(sorted(got)).toEqual(want); // none missing
      }
    }
  });

  it("partition queries keep the query's keys beside the _id bounds; the embedded server answers each from the _id index", async () => {
    const filter = { data_tag: "in", grp: 3 };
    const split = await splitIds(db, "wf_TimeSeries", filter);
    const ranges = cutRanges(split, 4);
    expect(ranges).toHaveLength(4);
    let total = 0;
    for (const r of ranges) {
      const f = rangeFilter(filter, r);
      expect(f).toMatchObject({
        data_tag: "in",
        grp: 3,
        _id: r.last ? { $gte: r.lo, $lte: r.hi } : { $gte: r.lo, $lt: r.hi },
      });
      total += await db.wf_TimeSeries.countDocuments(f);
      if (ferret) {
        const plan = (await rdb.command({
          explain: { find: "wf_TimeSeries", filter: f },
          verbosity: "queryPlanner",
        })) as Document;
        const text = (plan.queryPlanner as { Plan: string[] }).Plan.join("\n");
        expect(text).toMatch(/SEARCH .* USING INDEX/);
        expect(text).not.toMatch(/SCAN/);
      }
    }
    expect(total).toBe(N / 4);
    // A query with its own _id keeps it: the bounds are ANDed, never overwrite it.
    expect(rangeFilter({ _id: { $ne: ids[0] } }, ranges[0]!)).toEqual({
      $and: [{ _id: { $ne: ids[0] } }, { _id: { $gte: ranges[0]!.lo, $lt: ranges[0]!.hi } }],
    });
  });

  it("by default, cuts ranges by samples: each about the target, every document in exactly one", async () => {
    // The default (no npartitions) reads everything once.
    expect(sorted(await ks(await readDistributedData(db, { dataTag: "in" }), "none"))).toEqual(range(N));
    const filter = { data_tag: "in" };
    const split = await splitIds(db, "wf_TimeSeries", filter);
    expect(split.count).toBe(N);
    // 8 samples each, but a document weighs at least 1/1000 of a 2,000,000-sample partition.
    expect(split.total).toBe(N * 2000);
    const ranges = cutBySamples(split, 2000 * 25);
    expect(ranges.map((r) => r.last)).toEqual([false, false, false, false, true]);
    const counts: number[] = [];
    for (const r of ranges) counts.push(await db.wf_TimeSeries.countDocuments(rangeFilter(filter, r)));
    expect(counts).toEqual([25, 25, 25, 25, 20]);
    // Seismograms weigh 3 samples per npts.
    const s3 = await splitIds(db, "wf_TimeSeries", filter, 3);
    expect(s3.before).toEqual(split.before);
    // An empty query: no ranges.
    expect(cutBySamples(await splitIds(db, "wf_TimeSeries", { data_tag: "none" }), 10)).toEqual([]);
  });

  it("a worker dying in the middle of the job: its partition is re-run and every document is still read exactly once", async () => {
    const marker = join(tmp, "died");
    process.env.PARALLEL_DIE_K = "71";
    process.env.PARALLEL_DIE_MARKER = marker;
    // Workers copy the environment when they start: a fresh scheduler.
    const s = await LocalScheduler.start({ nworkers: 2, dashboard: false });
    try {
      await s.registerPlugin(new MongoDBWorker(client), { name: "mongodb_worker" });
      const bag = (await readDistributedData(db, { dataTag: "in", npartitions: 9 })).map(t("demeanOrDie"));
      const got = await ks(bag, s, 2);
      expect(existsSync(marker)).toBe(true); // the worker did die
      expect(s.state().restarts).toBeGreaterThanOrEqual(1);
      expect(got.length).toBe(N);
      expect(sorted(got)).toEqual(range(N));
    } finally {
      delete process.env.PARALLEL_DIE_K;
      delete process.env.PARALLEL_DIE_MARKER;
      await s.close();
    }
  });
});
