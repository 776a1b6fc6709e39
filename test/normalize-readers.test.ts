/**
 * normalize in readers: readData({ normalize }) (strings → ObjectIdDBMatcher,
 * matcher objects; stop at the first kill; killed → isAbortion) and
 * readDistributedData({ normalize }) with matchers sent to 2 worker threads
 * as specs — the cache is loaded once per worker, not per task/partition.
 */
import { fileURLToPath } from "node:url";
import { ObjectId, type Document } from "mongodb";
import { beforeAll, describe, expect, it } from "vitest";
import { MiniseedMatcher, ObjectIdMatcher, TimeSeries, readDistributedData, task } from "mspass";
import { useTestDatabase } from "./helpers.js";

const fx = (f: string) => fileURLToPath(new URL(`./fixtures/stationxml/${f}`, import.meta.url));
const { db } = await useTestDatabase("norm_r", { scheduler: "local", nworkers: 2, dashboardPort: false });
let qep: Document;
let ace: Document;
const T_IN = Date.UTC(2010, 0, 9, 12) / 1000;

function ts(md: Record<string, unknown>): TimeSeries {
  const d = new TimeSeries({ npts: 50, dt: 0.5, t0: T_IN, tref: "UTC" });
  d.data.fill(2);
  for (const [k, v] of Object.entries(md)) d.md.put(k, v as never);
  return d;
}

beforeAll(async () => {
  await db.saveInventory(fx("only_soh.xml"));
  qep = (await db.channel.findOne({ chan: "QEP" }))!;
  ace = (await db.channel.findOne({ chan: "ACE" }))!;
});

describe("readData({ normalize })", () => {
  it("a collection name is an ObjectIdDBMatcher on <coll>_id with MsPASS's lists", async () => {
    const { _id } = (await db.saveData(ts({ sta: "034A", channel_id: qep._id }))) as { _id: ObjectId };
    const d = await db.readData(_id, { normalize: ["channel"] });
    expect(d.live).toBe(true);
    expect(d.md.get("channel_lat")).toBe(qep.lat);
    expect(d.md.get("channel_chan")).toBe("QEP"); // optional list: net, sta, chan, loc, starttime, endtime
    expect(d.md.get("channel_vang")).toBe(0);
    expect(Array.from(d.data.subarray(0, 3))).toEqual([2, 2, 2]);
    const plain = await db.readData(_id);
    expect(plain.md.has("channel_lat")).toBe(false);
  });

  it("matcher objects in order; the first kill stops, and the datum is an abortion", async () => {
    const { _id } = (await db.saveData(
      ts({ sta: "034A", net: "TA", chan: "ACE", channel_id: new ObjectId() }),
    )) as { _id: ObjectId };
    const site = new MiniseedMatcher(db, "site");
    const d = await db.readData(_id, { normalize: [new ObjectIdMatcher(db), site] });
    expect(d.dead).toBe(true);
    expect(d.isAbortion).toBe(true);
    expect(d.md.has("site_id")).toBe(false); // the second matcher did not run
    expect(d.elog.entries.at(-1)).toMatchObject({ algorithm: "ObjectIdMatcher", badness: "Invalid" });
    const ok = await db.readData(_id, { normalize: [new MiniseedMatcher(db), site] });
    expect(ok.live).toBe(true);
    expect(String(ok.md.get("channel_id"))).toBe(ace._id.toHexString()); // overwrites the stale one
    expect(ok.md.get("site_lat")).toBeCloseTo(27.064699, 9);
  });

  it("ensembles: each member normalized", async () => {
    await db.saveData(ts({ sta: "ENS", channel_id: ace._id }));
    await db.saveData(ts({ sta: "ENS", channel_id: new ObjectId() }));
    const e = await db.readData(db.wf_TimeSeries.find({ sta: "ENS" }, { sort: { _id: 1 } }), {
      normalize: ["channel"],
    });
    expect(e.member.map((m) => m.live)).toEqual([true, false]);
    expect(e.member[0]!.md.get("channel_vang")).toBe(90);
    expect(e.member[1]!.isAbortion).toBe(true);
  });

  it("a bad normalize list is an MsPASSError", async () => {
    await expect(db.readData(new ObjectId(), { normalize: ["wf"] })).rejects.toThrow(
      /must be channel, site or source/,
    );
    await expect(db.readData(new ObjectId(), { normalize: "channel" as never })).rejects.toThrow(
      /normalize must be an array/,
    );
  });
});

describe("readDistributedData({ normalize })", () => {
  it("matchers reach the workers as specs; each worker loads the cache ONCE across many partitions", async () => {
    const docs = [];
    for (let i = 0; i < 24; i++)
      docs.push(ts({ sta: "PAR", channel_id: i % 3 === 2 ? new ObjectId() : i % 3 ? qep._id : ace._id }));
    for (const d of docs) await db.saveData(d);
    const npartitions = 8;
    const bag = await readDistributedData(db, {
      query: { sta: "PAR" },
      npartitions,
      normalize: [new ObjectIdMatcher(db)],
    });
    const out = (await bag
      .map(task(new URL("./fixtures/normalize-tasks.mjs", import.meta.url), "stamp"))
      .compute()) as Array<{
      threadId: number;
      loads: number;
      live: boolean;
      lat: number | null;
      id: string;
    }>;
    expect(out).toHaveLength(24);
    expect(out.filter((o) => o.live)).toHaveLength(16);
    for (const o of out.filter((x) => x.live))
      expect([qep._id.toHexString(), ace._id.toHexString()]).toContain(o.id);
    expect(out.filter((o) => o.live).every((o) => o.lat !== null)).toBe(true);
    // Per worker thread: at most one load, although 8 partitions (tasks) ran on 2 workers.
    const byThread = new Map<number, number>();
    for (const o of out) byThread.set(o.threadId, Math.max(byThread.get(o.threadId) ?? 0, o.loads));
    expect(byThread.size).toBeLessThanOrEqual(2);
    expect(Math.max(...byThread.values())).toBe(1);
    expect([...byThread.values()].reduce((a, b) => a + b, 0)).toBeLessThan(npartitions);
    // A second read with the same matcher: still one load per worker (the rebuilt matcher is kept).
    const again = await readDistributedData(db, {
      query: { sta: "PAR" },
      npartitions,
      normalize: [new ObjectIdMatcher(db)],
    });
    const out2 = (await again
      .map(task(new URL("./fixtures/normalize-tasks.mjs", import.meta.url), "stamp"))
      .compute()) as Array<{ threadId: number; loads: number }>;
    expect(Math.max(...out2.map((o) => o.loads))).toBe(1);
  });
});
