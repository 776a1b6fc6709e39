/**
 * readDistributedData of a query: ONE scan, cut into partitions as it
 * arrives, each partition carrying its documents to its worker. Every
 * document is read exactly once whatever the number of partitions, the
 * shape of the query or the order of the ids, also when a worker dies in the
 * middle of the job; partitions are cut by samples by default and into
 * exactly `npartitions` when asked; and the scan holds back while a bounded
 * number of partitions are in flight.
 */
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ObjectId, type Document } from "mongodb";
import { beforeAll, describe, expect, it } from "vitest";
import {
  type Bag,
  LocalScheduler,
  MongoDBWorker,
  TimeSeries,
  TimeSeriesEnsemble,
  readDistributedData,
  task,
} from "mspass";
import { IN_FLIGHT_PER_WORKER, streamEvents, type StreamProgress } from "../dist/scheduler/bag-stream.js";
import { useTestDatabase, withDyingWorker } from "./helpers.js";

const TASKS = new URL("./fixtures/parallel-tasks.mjs", import.meta.url);
const READ_TASKS = new URL("./fixtures/parallel-read-tasks.mjs", import.meta.url);
// biome-ignore lint/suspicious/noExplicitAny: a task function of any signature
const t = (name: string) => task<(...a: any[]) => any>(TASKS, name);
// biome-ignore lint/suspicious/noExplicitAny: a task function of any signature
const r = (name: string) => task<(...a: any[]) => any>(READ_TASKS, name);
const N = 120;
/** The "many" set: small documents of uneven npts, in file mode. */
const MANY = 3000;
const nptsOf = (k: number) => 1 + ((k * 7) % 37);

const { client, db, dir: tmp } = await useTestDatabase("read_scan");
let ids: ObjectId[];

beforeAll(async () => {
  // Ids whose order is NOT the insertion order (timestamps shuffled).
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
  for (let i = 0; i < MANY; i += 500) {
    const members = Array.from({ length: 500 }, (_x, m) => {
      const k = i + m;
      return new TimeSeries({
        dt: 0.1,
        t0: 1.6e9 + k,
        tref: "UTC",
        data: Float64Array.from({ length: nptsOf(k) }, () => k),
        metadata: { k },
      });
    });
    await db.saveData(new TimeSeriesEnsemble(members), {
      storageMode: "file",
      dir: join(tmp, "many"),
      dfile: `many-${i}`,
      dataTag: "many",
    });
  }
}, 120_000);

interface PartitionSummary {
  n: number;
  data: Array<{ k: number; live: boolean; npts: number; sum: number }>;
}

async function partitions(
  bag: Bag<unknown>,
  scheduler: LocalScheduler | "none",
  retries = 0,
): Promise<PartitionSummary[]> {
  return (await bag
    .mapPartitions(r("partitionSummary"))
    .compute({ scheduler, retries })) as PartitionSummary[];
}

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

/** Each datum of the "many" set once, with its own npts and samples. */
function expectManyExactlyOnce(parts: PartitionSummary[]): void {
  const data = parts.flatMap((p) => p.data);
  expect(data).toHaveLength(MANY);
  expect(sorted(data.map((d) => d.k))).toEqual(range(MANY));
  for (const d of data) {
    expect(d.live).toBe(true);
    expect(d.npts).toBe(nptsOf(d.k));
    expect(d.sum).toBe(d.k * nptsOf(d.k));
  }
}

describe("readDistributedData: one scan cut into partitions", () => {
  it("reads every matching document exactly once, for any number of partitions and query shape", async () => {
    const excluded = [ids[5], ids[77], ids[100]];
    const cases: Array<[Document, string | undefined, number[]]> = [
      [{}, "in", range(N)],
      [{ grp: 2 }, "in", range(N).filter((k) => k % 4 === 2)],
      [{ _id: { $nin: excluded } }, "in", range(N).filter((k) => ![5, 77, 100].includes(k))],
      [
        { $or: [{ grp: 1 }, { k: { $lt: 10 } }], data_tag: { $ne: "many" } },
        undefined,
        range(N).filter((k) => k % 4 === 1 || k < 10),
      ],
    ];
    for (const [query, dataTag, want] of cases) {
      for (const npartitions of [undefined, 1, 4, 13, 200]) {
        const bag = await readDistributedData(db, {
          query,
          ...(npartitions === undefined ? {} : { npartitions }),
          ...(dataTag === undefined ? {} : { dataTag }),
        });
        const got = await ks(bag, "none");
        expect(got.length).toBe(want.length); // no repeats
        expect(sorted(got)).toEqual(want); // none missing
      }
    }
  });

  it("by default, cuts by samples and at most 500 documents: thousands of uneven documents, each once", async () => {
    const bag = await readDistributedData(db, { dataTag: "many" });
    expect(bag.npartitions).toBeNaN(); // not known before the scan
    const parts = await partitions(bag, "none");
    // A few thousand small documents: the 500-document bound cuts them.
    expect(parts.map((p) => p.n)).toEqual([500, 500, 500, 500, 500, 500]);
    expectManyExactlyOnce(parts);
    // Computing the same bag again runs the query again: the same data.
    expectManyExactlyOnce(await partitions(bag, "none"));
  });

  it("npartitions: exactly that many partitions of equal counts (fewer when there are fewer documents)", async () => {
    for (const n of [1, 7, 16]) {
      const bag = await readDistributedData(db, { dataTag: "many", npartitions: n });
      expect(bag.npartitions).toBe(n);
      const parts = await partitions(bag, "none");
      expect(parts).toHaveLength(n);
      const sizes = parts.map((p) => p.n);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      expectManyExactlyOnce(parts);
    }
    const few = await partitions(await readDistributedData(db, { dataTag: "in", npartitions: 500 }), "none");
    expect(few.map((p) => p.n)).toEqual(Array.from({ length: N }, () => 1));
  });

  it("a query matching nothing: an empty bag, with or without npartitions", async () => {
    for (const npartitions of [undefined, 3]) {
      const bag = await readDistributedData(db, {
        dataTag: "none",
        ...(npartitions === undefined ? {} : { npartitions }),
      });
      expect(await bag.compute({ scheduler: "none" })).toEqual([]);
      expect(await partitions(bag, "none")).toEqual([]);
    }
  });

  it("holds the scan back while the workers are busy: never more than 2 partitions per worker in flight", async () => {
    const gate = join(tmp, "gate");
    const s = await LocalScheduler.start({ nworkers: 2, dashboard: false });
    const seen: StreamProgress[] = [];
    const onPause = (p: StreamProgress) => {
      seen.push(p);
      // The workers are all held until the scan has stopped pulling once.
      if (!existsSync(gate)) writeFileSync(gate, "open");
    };
    let ended: StreamProgress | undefined;
    const onEnd = (p: StreamProgress) => (ended = p);
    streamEvents.on("paused", onPause);
    streamEvents.on("ended", onEnd);
    try {
      await s.registerPlugin(new MongoDBWorker(client), { name: "mongodb_worker" });
      const bag = (await readDistributedData(db, { dataTag: "many", npartitions: 30 })).mapPartitions(
        r("waitForGate"),
        gate,
      );
      const parts = await partitions(bag, s);
      expectManyExactlyOnce(parts);
      const limit = IN_FLIGHT_PER_WORKER * 2;
      expect(seen.length).toBeGreaterThan(0);
      // The first pause: the workers held every partition, so the scan had
      // submitted exactly `limit` of the 30 and stopped there.
      expect(seen[0]).toEqual({ submitted: limit, inFlight: limit, limit });
      for (const p of seen) expect(p.inFlight).toBeLessThanOrEqual(limit);
      expect(ended?.submitted).toBe(30);
    } finally {
      streamEvents.off("paused", onPause);
      streamEvents.off("ended", onEnd);
      await s.close();
    }
  });

  it("a worker dying in the middle of the job: its partition is re-run with the same documents, each read once", async () => {
    const marker = join(tmp, "died");
    await withDyingWorker(client, 1234, marker, async (s) => {
      for (const npartitions of [undefined, 9]) {
        const bag = (
          await readDistributedData(db, {
            dataTag: "many",
            ...(npartitions === undefined ? {} : { npartitions }),
          })
        ).map(t("demeanOrDie"));
        const got = await ks(bag, s, 2);
        expect(got.length).toBe(MANY);
        expect(sorted(got)).toEqual(range(MANY));
      }
      expect(existsSync(marker)).toBe(true); // the worker did die
      expect(s.state().restarts).toBeGreaterThanOrEqual(1);
    });
  });
});
