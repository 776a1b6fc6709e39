/**
 * The embedded FerretDB answers `{_id: ...}` look-ups from the _id index
 * (tools/ferretdb/patches.json): without the patch SQLite's plan is
 * `SCAN <table>` — every find/update/delete by _id reads the whole
 * collection. FerretDB's `explain` returns SQLite's EXPLAIN QUERY PLAN, so
 * the plan is checked directly. Skipped against another server (a real
 * mongod plans with its own index, no patch involved).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ObjectId } from "mongodb";
import { openTestDatabase, type TestDatabase } from "./helpers.js";

let t: TestDatabase;
let ferret = false;

beforeAll(async () => {
  t = await openTestDatabase("idindex");
  const info = await t.rdb.admin().command({ buildInfo: 1 });
  ferret = info.ferretdbVersion !== undefined;
});
afterAll(() => t.close());

describe("embedded FerretDB: _id look-ups use the index", () => {
  it("plans a find by ObjectId and by string _id as an index search, and still finds the right document", async (ctx) => {
    if (!ferret) ctx.skip();
    const ids = Array.from({ length: 50 }, () => new ObjectId());
    await t.db.collection("w").insertMany([...ids.map((_id, i) => ({ _id, i })), { _id: "text-id", i: -1 }]);
    for (const filter of [{ _id: ids[17] }, { _id: "text-id" }]) {
      const r = await t.rdb.command({ explain: { find: "w", filter }, verbosity: "queryPlanner" });
      const plan = (r.queryPlanner as { Plan: string[] }).Plan.join("\n");
      expect(plan).toMatch(/SEARCH .* USING INDEX/);
      expect(plan).not.toMatch(/SCAN/);
    }
    expect((await t.db.collection("w").findOne({ _id: ids[17] }))?.i).toBe(17);
    expect((await t.db.collection("w").findOne({ _id: "text-id" }))?.i).toBe(-1);
    // Updates and deletes go through the same SQLite expression.
    await t.db.collection("w").updateOne({ _id: ids[3] }, { $set: { j: 3 } });
    expect(await t.rdb.collection("w").countDocuments({ j: 3 })).toBe(1);
    await t.db.collection("w").deleteOne({ _id: ids[4] });
    expect(await t.rdb.collection("w").countDocuments({})).toBe(50);
  });

  it("plans an ObjectId range on _id (with other keys beside it) as an index search, with the same results as the filter", async (ctx) => {
    if (!ferret) ctx.skip();
    const ids = Array.from({ length: 60 }, () => new ObjectId()).sort((a, b) =>
      a.toHexString().localeCompare(b.toHexString()),
    );
    const c = t.db.collection("r");
    await c.insertMany([
      ...ids.map((_id, i) => ({ _id, i, odd: i % 2 })),
      { _id: "text-id", i: -1, odd: 1 },
      { _id: 7, i: -2, odd: 1 },
    ]);
    const cases: Array<[Record<string, unknown>, number[]]> = [
      [{ _id: { $gte: ids[10], $lt: ids[20] } }, range(10, 20)],
      [{ _id: { $gt: ids[10], $lte: ids[20] } }, range(11, 21)],
      [{ odd: 1, _id: { $gte: ids[10], $lt: ids[20] } }, range(10, 20).filter((i) => i % 2 === 1)],
      [{ _id: { $gte: ids[55] } }, range(55, 60)],
      [{ _id: { $lt: ids[3], $ne: ids[1] } }, [0, 2]],
      // pymongo's find_one by _id.
      [{ _id: { $eq: ids[42] } }, [42]],
      // GridFS readers look files up by a list of ids.
      [{ _id: { $in: [ids[9], ids[5], ids[50]] } }, [5, 9, 50]],
    ];
    for (const [filter, want] of cases) {
      const r = await t.rdb.command({ explain: { find: "r", filter }, verbosity: "queryPlanner" });
      const plan = (r.queryPlanner as { Plan: string[] }).Plan.join("\n");
      expect(plan).toMatch(/SEARCH .* USING INDEX/);
      expect(plan).not.toMatch(/SCAN/);
      const got = (await c.find(filter, { sort: { _id: 1 } }).toArray()).map((d) => d.i as number);
      expect(got).toEqual(want);
    }
    // Bounds that are not ObjectIds are not pushed down, and still filter right (MongoDB's type bracketing).
    expect((await c.find({ _id: { $gte: "a" } }).toArray()).map((d) => d.i)).toEqual([-1]);
    expect((await c.find({ _id: { $lt: 100 } }).toArray()).map((d) => d.i)).toEqual([-2]);
    expect((await c.find({ _id: { $in: [ids[2], "text-id", 7] } }).toArray()).map((d) => d.i).sort()).toEqual(
      [-1, -2, 2],
    );
  });
});

describe("embedded FerretDB: GridFS chunk look-ups by files_id use the {files_id, n} index", () => {
  it("plans files_id equality and $in on a *.chunks collection as an index search, with the same results as the filter", async (ctx) => {
    if (!ferret) ctx.skip();
    const files = Array.from({ length: 30 }, () => new ObjectId());
    const chunks = t.db.collection("g.chunks");
    await chunks.createIndex({ files_id: 1, n: 1 }, { unique: true });
    await chunks.insertMany(
      files.flatMap((files_id, f) => [0, 1, 2].map((n) => ({ _id: new ObjectId(), files_id, n, f }))),
    );
    // A document whose files_id is not an ObjectId is never excluded wrongly (it is not pushed down).
    await chunks.insertOne({ _id: new ObjectId(), files_id: "name", n: 0, f: -1 });
    const cases: Array<[Record<string, unknown>, number]> = [
      [{ files_id: files[7] }, 3],
      [{ files_id: files[7], n: 2 }, 1],
      // pymongo's GridFS reads a file's chunks with $eq.
      [{ files_id: { $eq: files[8] }, n: { $gte: 0 } }, 3],
      [{ files_id: { $in: [files[1], files[2], files[29]] } }, 9],
      [{ files_id: { $in: [files[1], files[2]] }, n: { $gte: 1 } }, 4],
    ];
    for (const [filter, count] of cases) {
      const r = await t.rdb.command({ explain: { find: "g.chunks", filter }, verbosity: "queryPlanner" });
      const plan = (r.queryPlanner as { Plan: string[] }).Plan.join("\n");
      expect(plan).toMatch(/SEARCH .* USING INDEX .*files_id/);
      expect(plan).not.toMatch(/SCAN/);
      const got = await chunks.find(filter).toArray();
      expect(got.length).toBe(count);
      const f = filter.files_id as { $in?: ObjectId[]; $eq?: ObjectId };
      const want = new Set(f.$in ?? [f.$eq ?? filter.files_id]);
      for (const d of got)
        expect([...want].some((w) => (w as ObjectId).equals(d.files_id as ObjectId))).toBe(true);
    }
    // Not pushed down (and still right): a mixed $in, and any other collection.
    expect(await chunks.countDocuments({ files_id: { $in: ["name", files[0]] } })).toBe(4);
    const other = t.db.collection("notchunks");
    await other.insertMany([{ files_id: [files[0], files[1]] }, { files_id: files[0] }]);
    expect(await other.countDocuments({ files_id: files[0] })).toBe(2);
    // Deletes read through the same clause.
    await chunks.deleteMany({ files_id: { $in: [files[3], files[4]] } });
    expect(await t.rdb.collection("g.chunks").countDocuments({})).toBe(30 * 3 + 1 - 6);
  });
});

function range(a: number, b: number): number[] {
  return Array.from({ length: b - a }, (_x, k) => a + k);
}
