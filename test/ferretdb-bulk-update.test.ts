/**
 * The embedded FerretDB answers an `update` command of many statements
 * (tools/ferretdb/patches.json): unpatched, each updateOne's query held one of
 * SQLite's 100 pooled connections until the whole command ended, so a command
 * of 100 statements or more waited forever — pymongo's bulk_write (MsPASS's
 * bulk_normalize sends 1,000 per command) and the Node driver's bulkWrite alike.
 * A real mongod takes up to 100,000 statements per command.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestDatabase, type TestDatabase } from "./helpers.js";

let t: TestDatabase;

beforeAll(async () => {
  t = await openTestDatabase("bulkupdate");
});
afterAll(() => t.close());

describe("update commands of many statements", () => {
  it("applies 1,000 updateOne statements sent in one command, and 1,000 updateMany after them", async () => {
    const c = t.rdb.collection("w");
    const ids = (await c.insertMany(Array.from({ length: 1000 }, (_x, i) => ({ i })))).insertedIds;
    await c.createIndex({ i: 1 }); // the updateMany statements below look documents up by i
    const one = await c.bulkWrite(
      Object.values(ids).map((_id, i) => ({
        updateOne: { filter: { _id }, update: { $set: { j: 2 * i } } },
      })),
      { ordered: false },
    );
    expect(one.matchedCount).toBe(1000);
    expect(one.modifiedCount).toBe(1000);
    const many = await c.bulkWrite(
      Array.from({ length: 1000 }, (_x, i) => ({
        updateMany: { filter: { i }, update: { $inc: { j: 1 } } },
      })),
    );
    expect(many.modifiedCount).toBe(1000);
    const docs = await c.find({}, { projection: { _id: 0 } }).toArray();
    expect(docs.every((d) => d.j === 2 * d.i + 1)).toBe(true);
    expect(docs).toHaveLength(1000);
  }, 120_000);
});
