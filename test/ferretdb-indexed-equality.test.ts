/**
 * The embedded FerretDB answers a top-level equality (`{f: v}`, `{f: {$eq: v}}`,
 * `{f: {$in: [...]}}` of strings, ObjectIds and numbers) on a field that leads
 * an index from that index (tools/ferretdb/patches.json): unpatched, such a
 * find decodes every document of the collection in Go. The pushdown may only
 * narrow the rows read, never change a result, so every filter runs against
 * two collections holding the same documents, one indexed and one not (no
 * pushdown there: the server's own matching in Go is the oracle), and must
 * give the same documents, the ones MongoDB's equality matches (int32, int64
 * and double compare by value; an array matches when a member does). The
 * plan comes from FerretDB's `explain` (SQLite's EXPLAIN QUERY PLAN).
 * Skipped against another server (a real mongod plans with its own index).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Double, Int32, Long, ObjectId, type Document } from "mongodb";
import { openTestDatabase, type TestDatabase } from "./helpers.js";

let t: TestDatabase;
let ferret = false;
const oid = new ObjectId();
const big = 2 ** 53;

/** Documents `{i, v}` with v of every kind an equality must tell apart or join. */
function docs(): Document[] {
  const vs: unknown[] = [
    new Int32(5),
    new Double(5),
    Long.fromNumber(5),
    5.5,
    "5",
    [1, 5],
    undefined, // no v at all
    null,
    oid,
    oid.toHexString(),
    1e-7,
    new Double(-0),
    new Int32(0),
    'a<b\u2028é😀"\\',
    { a: 5 },
    ["a", "b"],
    "a",
    [],
    Long.fromString(String(big + 1)),
    new Double(big),
    -12,
    new Double(-12),
    1e20,
    true,
  ];
  return vs.map((v, i) => (v === undefined ? { i, tag: i % 2 } : { i, v, tag: i % 2 }));
}

const plan = async (coll: string, filter: Document) => {
  const r = await t.rdb.command({ explain: { find: coll, filter }, verbosity: "queryPlanner" });
  return (r.queryPlanner as { Plan: string[] }).Plan.join("\n");
};
const found = async (coll: string, filter: Document) =>
  (await t.rdb.collection(coll).find(filter).toArray()).map((d) => d.i as number).sort((a, b) => a - b);

beforeAll(async () => {
  t = await openTestDatabase("eqindex");
  const info = await t.rdb.admin().command({ buildInfo: 1 });
  ferret = info.ferretdbVersion !== undefined;
  const all = docs();
  const half = Math.floor(all.length / 2);
  await t.rdb.collection("plain").insertMany(all.map((d) => ({ ...d })));
  // Half before createIndex, half after: both must be found through the index.
  await t.rdb.collection("indexed").insertMany(all.slice(0, half).map((d) => ({ ...d })));
  await t.rdb.collection("indexed").createIndex({ v: 1 });
  await t.rdb.collection("indexed").insertMany(all.slice(half).map((d) => ({ ...d })));
});
afterAll(() => t.close());

describe("embedded FerretDB: equality on an indexed field uses the index", () => {
  // [filter, the documents MongoDB's equality matches (i)]
  const cases: Array<[Document, number[]]> = [
    [{ v: 5 }, [0, 1, 2, 5]],
    [{ v: new Double(5) }, [0, 1, 2, 5]],
    [{ v: Long.fromNumber(5) }, [0, 1, 2, 5]],
    [{ v: { $eq: 5 } }, [0, 1, 2, 5]],
    [{ v: 5.5 }, [3]],
    [{ v: "5" }, [4]],
    [{ v: oid }, [8]],
    [{ v: oid.toHexString() }, [9]],
    [{ v: 1e-7 }, [10]],
    [{ v: 0 }, [11, 12]],
    [{ v: new Double(-0) }, [11, 12]],
    [{ v: 'a<b\u2028é😀"\\' }, [13]],
    [{ v: "a" }, [15, 16]],
    [{ v: -12 }, [20, 21]],
    [{ v: { $in: [5.5, "5", 1] } }, [3, 4, 5]],
    [{ v: { $in: [oid, -12] } }, [8, 20, 21]],
    [{ tag: 1, v: 5 }, [1, 5]],
    [{ v: 5, tag: 0 }, [0, 2]],
    [{ v: 6 }, []],
  ];

  it("plans each filter as a search of the index, and finds exactly what the unindexed collection finds", async (ctx) => {
    if (!ferret) ctx.skip();
    for (const [filter, want] of cases) {
      const p = await plan("indexed", filter);
      expect(p, JSON.stringify(filter)).toMatch(/SEARCH .* USING INDEX .*_v_1/);
      expect(p, JSON.stringify(filter)).not.toMatch(/SCAN/);
      expect(await found("plain", filter), JSON.stringify(filter)).toEqual(want);
      expect(await found("indexed", filter), JSON.stringify(filter)).toEqual(want);
      expect(await t.rdb.collection("indexed").countDocuments(filter)).toBe(want.length);
    }
  });

  it("leaves what it cannot answer exactly from the index to the full scan, with the same results", async (ctx) => {
    if (!ferret) ctx.skip();
    // [filter, what MongoDB matches; undefined: whatever the unindexed collection gives]
    const scanned: Array<[Document, number[] | undefined]> = [
      // Beyond 2^53 a double and an int64 of the same value may be spelled differently. (FerretDB's
      // own matching rounds the int64 to a double there, so 2^53 + 1 equals 2^53; mongod's does not.)
      [{ v: Long.fromString(String(big + 1)) }, undefined],
      [{ v: new Double(big) }, undefined],
      [{ v: 1e20 }, [22]],
      // null also matches a missing field; documents and arrays compare as wholes; booleans are not pushed.
      [{ v: null }, [6, 7]],
      [{ v: { a: 5 } }, [14]],
      [{ v: [] }, [17]],
      [{ v: true }, [23]],
      [{ v: { $in: [5, null] } }, [0, 1, 2, 5, 6, 7]],
      // A field no index leads.
      [{ tag: 1 }, [1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23]],
    ];
    for (const [filter, want] of scanned) {
      expect(await plan("indexed", filter), JSON.stringify(filter)).toMatch(/SCAN/);
      const plain = await found("plain", filter);
      if (want !== undefined) expect(plain, JSON.stringify(filter)).toEqual(want);
      else expect(plain).toContain(filter.v instanceof Long ? 18 : 19);
      expect(await found("indexed", filter), JSON.stringify(filter)).toEqual(plain);
    }
    // Without an index nothing is pushed down.
    expect(await plan("plain", { v: 5 })).toMatch(/SCAN/);
  });

  it("uses the leading field of a compound index only, and narrows updates and deletes the same way", async (ctx) => {
    if (!ferret) ctx.skip();
    const c = t.rdb.collection("ensembles");
    await c.insertMany(
      Array.from({ length: 120 }, (_x, k) => ({
        k,
        evid: Math.floor(k / 40),
        sta: `S${k % 40}`,
        data_tag: "in",
      })),
    );
    await c.createIndex({ evid: 1, sta: 1 });
    const q = { data_tag: "in", evid: 1 };
    expect(await plan("ensembles", q)).toMatch(/SEARCH .* USING INDEX .*evid_1_sta_1/);
    expect(await plan("ensembles", { sta: "S3" })).toMatch(/SCAN/);
    const ks = (await c.find(q).toArray()).map((d) => d.k as number).sort((a, b) => a - b);
    expect(ks).toEqual(Array.from({ length: 40 }, (_x, j) => 40 + j));
    expect((await c.updateMany({ evid: 2 }, { $set: { done: true } })).modifiedCount).toBe(40);
    expect(await c.countDocuments({ done: true, evid: { $in: [1, 2] } })).toBe(40);
    expect((await c.deleteMany({ evid: { $eq: 0 } })).deletedCount).toBe(40);
    expect(await c.countDocuments({})).toBe(80);
  });
});
