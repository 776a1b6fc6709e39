/**
 * The embedded FerretDB deletes more documents in one deleteMany than SQLite
 * binds variables in one statement (32,766; tools/ferretdb/patches.json):
 * unpatched, every matched _id was bound in one DELETE, so deleting a data_tag
 * of 40,000 wf documents, or a whole collection of that size, failed with
 * "too many SQL variables" and deleted nothing. A real mongod takes it as is.
 */
import type { Collection, Document, ObjectId } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestDatabase, type TestDatabase } from "./helpers.js";

/** Above SQLite's 32,766 variables per statement. */
const MANY = 40_000;

let t: TestDatabase;

beforeAll(async () => {
  t = await openTestDatabase("largedelete");
});
afterAll(() => t.close());

/** Inserts `n` small documents with `fields` in batches of 10,000; returns their _ids in order. */
async function insert(c: Collection, n: number, fields: (i: number) => Document): Promise<ObjectId[]> {
  const ids: ObjectId[] = [];
  for (let start = 0; start < n; start += 10_000) {
    const docs = Array.from({ length: Math.min(10_000, n - start) }, (_x, i) => fields(start + i));
    const r = await c.insertMany(docs);
    ids.push(...(Object.values(r.insertedIds) as ObjectId[]));
  }
  return ids;
}

describe("deleteMany of more documents than SQLite binds variables in one statement", () => {
  it("deletes exactly the 40,000 documents a filter matches and keeps the others", async () => {
    const c = t.rdb.collection("wf_by_tag");
    await insert(c, 10_000, (i) => ({ i, data_tag: "keep" }));
    await insert(c, MANY, (i) => ({ i, data_tag: "drop" }));
    const r = await c.deleteMany({ data_tag: "drop" });
    expect(r.deletedCount).toBe(MANY);
    expect(await c.countDocuments({})).toBe(10_000);
    expect(await c.countDocuments({ data_tag: "keep" })).toBe(10_000);
    expect(await c.countDocuments({ data_tag: "drop" })).toBe(0);
  }, 300_000);

  it("deletes exactly the 40,000 documents of an _id range (a partition's query) and keeps the others", async () => {
    const c = t.rdb.collection("wf_by_range");
    const kept = await insert(c, 10_000, (i) => ({ i, part: 0 }));
    const dropped = await insert(c, MANY, (i) => ({ i, part: 1 }));
    const r = await c.deleteMany({ _id: { $gte: dropped[0], $lte: dropped[MANY - 1] } });
    expect(r.deletedCount).toBe(MANY);
    const left = await c.find({}, { projection: { part: 1 } }).toArray();
    expect(left).toHaveLength(10_000);
    expect(left.every((d) => d.part === 0)).toBe(true);
    expect(new Set(left.map((d) => d._id.toHexString()))).toEqual(
      new Set(kept.map((id) => id.toHexString())),
    );
  }, 300_000);

  it("empties a collection of 40,000 documents with deleteMany({}) and leaves other collections alone", async () => {
    const c = t.rdb.collection("wf_all");
    const other = t.rdb.collection("wf_other");
    await insert(c, MANY, (i) => ({ i }));
    await insert(other, 100, (i) => ({ i }));
    const r = await c.deleteMany({});
    expect(r.deletedCount).toBe(MANY);
    expect(await c.countDocuments({})).toBe(0);
    expect(await other.countDocuments({})).toBe(100);
  }, 300_000);
});
