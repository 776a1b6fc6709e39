/**
 * One bad document never hangs or aborts a read: huge `npts` against small
 * storage (file, GridFS) gives a dead datum with an elog entry, alone and in a
 * cursor; then a small seeded fuzz of wf documents read one by one and as
 * cursors, each read ending in a datum (live, or dead with an elog entry).
 */
import { constants as bufferConstants } from "node:buffer";
import { statSync, truncateSync, writeFileSync } from "node:fs";
import { totalmem } from "node:os";
import { join } from "node:path";
import { Double, Int32, Long, ObjectId, type Document } from "mongodb";
import { describe, expect, it } from "vitest";
import { useTestDatabase } from "./helpers.js";
import { TimeSeries, type TimeSeriesEnsemble } from "mspass";

const { db, rdb, dir } = await useTestDatabase("faults_read");
const base = { delta: 0.5, starttime: 10, time_standard: "UTC" };

function expectDeadWithReason(
  d: { live: boolean; elog: { entries: ReadonlyArray<{ message: string }> } },
  why: RegExp,
): void {
  expect(d.live).toBe(false);
  const msgs = d.elog.entries.map((e) => e.message).join(" | ");
  expect(msgs).toMatch(why);
}

describe("a huge npts is bounded by what the storage holds", () => {
  it("file and GridFS members with npts in [2^30, 2^31) or >= 2^32: dead, by id and by cursor", async () => {
    writeFileSync(join(dir, "small.bin"), Buffer.alloc(800));
    const saved = await db.saveData(new TimeSeries({ dt: 0.5, data: new Float64Array(100) }));
    const gridfsId = (await rdb.collection("wf_TimeSeries").findOne({ _id: saved._id }))!
      .gridfs_id as ObjectId;
    const file = { ...base, storage_mode: "file", dir, dfile: "small.bin", foff: 0 };
    const gridfs = { ...base, storage_mode: "gridfs", gridfs_id: gridfsId };
    const docs: Document[] = [];
    for (const npts of [
      new Int32(2 ** 30 + 5),
      new Int32(2 ** 31 - 1),
      Long.fromNumber(2 ** 32 + 1),
      Long.fromNumber(2 ** 40),
    ]) {
      docs.push({ ...file, npts, grp: "huge" }, { ...gridfs, npts, grp: "huge" });
    }
    const { insertedIds } = await rdb.collection("wf_TimeSeries").insertMany(docs);
    for (const id of Object.values(insertedIds)) {
      expectDeadWithReason(
        await db.readData(id),
        /shorter than foff\+nbytes|has length \d+; expected|more than the largest sample buffer|cannot construct a TimeSeries/,
      );
    }
    await rdb.collection("wf_TimeSeries").insertOne({ ...file, npts: 100, grp: "huge" });
    const ens = (await db.readData(db.wf_TimeSeries.find({ grp: "huge" }))) as TimeSeriesEnsemble;
    expect(ens.member).toHaveLength(docs.length + 1);
    expect(ens.member.filter((m) => m.live)).toHaveLength(1);
    for (const m of ens.member.filter((x) => !x.live))
      expectDeadWithReason(
        m,
        /shorter than foff\+nbytes|has length \d+; expected|more than the largest sample buffer|cannot construct a TimeSeries/,
      );
  });
});

// What the package sets: Node's Float64Array/Buffer limit, or the machine's memory if smaller.
const limit = Math.min(bufferConstants.MAX_LENGTH, totalmem());

describe("a file that really holds more samples than Node can hold", () => {
  // (Node 20's limit is 4 GiB; where a process could hold 16 GiB this case is not past the limit.)
  it.runIf(limit < 2 ** 31 * 8)(
    "2^31 samples in a sparse file: a dead datum naming the size limit, by id and by cursor, nothing allocated",
    async () => {
      const npts = 2 ** 31;
      const dfile = "sparse-2e31.bin";
      // The length is real (16 GiB) but the file is sparse: no disk is used.
      writeFileSync(join(dir, dfile), "");
      truncateSync(join(dir, dfile), npts * 8);
      expect(statSync(join(dir, dfile)).size).toBe(npts * 8);
      const file = { ...base, storage_mode: "file", format: "binary", dir, dfile, grp: "sparse" };
      const { insertedIds } = await rdb.collection("wf_TimeSeries").insertMany([
        { ...file, foff: 0, npts: Long.fromNumber(npts) },
        // One sample past the limit (when the limit is below the file's length).
        { ...file, foff: 0, npts: Long.fromNumber(Math.min(Math.floor(limit / 8) + 1, npts)) },
        { ...file, foff: 8, npts: 100 },
      ]);
      const [huge, past, small] = Object.values(insertedIds);
      const why = new RegExp(
        `more than the largest sample buffer this process can hold \\(${limit} bytes: the caller's limit, for Node the smaller of its Float64Array/Buffer size limit`,
      );
      const rss = process.memoryUsage().rss;
      expectDeadWithReason(await db.readData(huge!), why);
      expectDeadWithReason(await db.readData(past!), why);
      const one = await db.readData(small!);
      expect(one.live).toBe(true);
      expect(one.npts).toBe(100);
      const ens = (await db.readData(db.wf_TimeSeries.find({ grp: "sparse" }))) as TimeSeriesEnsemble;
      expect(ens.member.map((m) => m.live)).toEqual([false, false, true]);
      expectDeadWithReason(ens.member[0]!, why);
      // Nothing near the member's size was ever committed.
      expect(process.memoryUsage().rss - rss).toBeLessThan(1 << 30);
    },
  );
});

/** A small deterministic PRNG (mulberry32), so a failing case can be replayed by its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("fuzzed wf documents", () => {
  it("each read gives a datum, live or dead with an elog entry; cursors never throw", async () => {
    const samples = new Float64Array(64).map((_, i) => i);
    writeFileSync(join(dir, "fuzz.bin"), Buffer.from(samples.buffer));
    writeFileSync(join(dir, "fuzz.mseed"), Buffer.alloc(4096, 0x41));
    const saved = await db.saveData(new TimeSeries({ dt: 0.5, data: samples.slice(0, 16) }));
    const gridfsId = (await rdb.collection("wf_TimeSeries").findOne({ _id: saved._id }))!
      .gridfs_id as ObjectId;
    const rnd = prng(20261206);
    const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)]!;
    const counts = (): unknown =>
      pick<unknown>([
        0,
        1,
        16,
        64,
        65,
        -1,
        2 ** 30 + 7,
        2 ** 31 - 1,
        new Int32(2 ** 30),
        Long.fromNumber(2 ** 32),
        Long.fromNumber(2 ** 53),
        new Double(16),
        new Double(1e300),
        new Double(2.5),
        "16",
        null,
        undefined,
        [16],
        { n: 16 },
      ]);
    const docs: Document[] = [];
    for (let k = 0; k < 160; k++) {
      const mode = pick(["file", "gridfs", undefined, "s3_event", 7]);
      const d: Document = { ...base, grp: "fuzz", k, npts: counts() };
      if (mode !== undefined) d.storage_mode = mode;
      d.dir = pick<unknown>([dir, "/nonexistent", "", 5, undefined]);
      d.dfile = pick<unknown>(["fuzz.bin", "fuzz.mseed", "missing", "", undefined, null]);
      d.foff = counts();
      d.nbytes = counts();
      d.format = pick<unknown>([undefined, "binary", "mseed", "MSEED", "sac", 3]);
      d.gridfs_id = pick<unknown>([gridfsId, new ObjectId(), "abc", undefined]);
      if (rnd() < 0.1) delete d.delta;
      for (const key of Object.keys(d)) if (d[key] === undefined) delete d[key];
      docs.push(d);
    }
    const { insertedIds } = await rdb.collection("wf_TimeSeries").insertMany(docs);
    let live = 0;
    for (const id of Object.values(insertedIds)) {
      const d = await db.readData(id);
      if (d.live) live++;
      else expect(d.elog.entries.length, String(id)).toBeGreaterThan(0);
    }
    expect(live).toBeGreaterThan(0); // the fuzz reaches valid documents too
    for (let k = 0; k < docs.length; k += 40) {
      const ens = (await db.readData(
        db.wf_TimeSeries.find({ grp: "fuzz", k: { $gte: k, $lt: k + 40 } }),
      )) as TimeSeriesEnsemble;
      expect(ens.member).toHaveLength(40);
      for (const m of ens.member) if (!m.live) expect(m.elog.entries.length).toBeGreaterThan(0);
    }
  }, 60_000);
});

describe("a dfile that leaves its dir", () => {
  it("absolute or with '..': a dead datum naming the dfile, by id and in a cursor; a subdirectory path reads", async () => {
    writeFileSync(join(dir, "inside.bin"), Buffer.from(new Float64Array([1, 2]).buffer));
    const one = { ...base, npts: 2, storage_mode: "file", foff: 0, grp: "escape" };
    const { insertedIds } = await rdb.collection("wf_TimeSeries").insertMany([
      { ...one, dir, dfile: join(dir, "inside.bin") },
      { ...one, dir: join(dir, "sub"), dfile: "../inside.bin" },
      { ...one, dir, dfile: "../../../etc/hostname", format: "mseed", nbytes: 10 },
      { ...one, dir: join(dir, ".."), dfile: `${dir.split("/").pop()}/inside.bin` },
    ]);
    const ids = Object.values(insertedIds);
    for (const id of ids.slice(0, 3))
      expectDeadWithReason(await db.readData(id), /dfile '.*' must be a relative path inside dir/);
    const ok = await db.readData(ids[3]!);
    expect(ok.live).toBe(true);
    expect(Array.from(ok.data)).toEqual([1, 2]);
    const ens = (await db.readData(db.wf_TimeSeries.find({ grp: "escape" }))) as TimeSeriesEnsemble;
    expect(ens.member.map((m) => m.live)).toEqual([false, false, false, true]);
  });
});
