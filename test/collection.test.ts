/**
 * Collection and Cursor through the Rust core, against the real server:
 * CRUD with ObjectIds, dates and nested documents, cursors over many
 * batches, argument errors, and the `db.wf_TimeSeries` idiom.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { Binary, Long, ObjectId } from "mongodb";
import { Collection, Cursor, DatabaseClient } from "mspass";
import { expectMsPASSError, expectMsPASSErrorSync, useTestDatabase } from "./helpers.js";

const { uri, db } = await useTestDatabase("mspass_test_collection");
const dbName = db.name;

describe("CRUD round trip", () => {
  it("stores and returns ObjectIds, dates, nested documents, arrays, longs and binaries", async () => {
    const coll = db.collection("crud");
    const ref = new ObjectId();
    const when = new Date(Date.UTC(2011, 2, 11, 5, 46, 24, 120));
    const doc = {
      sta: "AAK",
      starttime: 1_300_000_000.5,
      t0: when,
      source_id: ref,
      loc: { lat: 42.6, lon: 74.5, nested: { depth: 1.5, tags: ["a", "b"] } },
      samples: [1, 2.5, -3],
      big: Long.fromString("9007199254740993"),
      raw: new Binary(Buffer.from([1, 2, 3, 250])),
      gone: undefined,
    };
    const r = await coll.insertOne(doc);
    expect(r.acknowledged).toBe(true);
    expect(r.insertedId).toBeInstanceOf(ObjectId);
    // As with the Node driver, the _id is assigned on the object passed in.
    expect((doc as { _id?: ObjectId })._id?.equals(r.insertedId as ObjectId)).toBe(true);

    const got = await coll.findOne({ _id: r.insertedId });
    expect(got).not.toBeNull();
    expect((got!._id as ObjectId).equals(r.insertedId as ObjectId)).toBe(true);
    expect((got!.source_id as ObjectId).equals(ref)).toBe(true);
    expect(got!.t0).toBeInstanceOf(Date);
    expect((got!.t0 as Date).getTime()).toBe(when.getTime());
    expect(got!.starttime).toBe(1_300_000_000.5);
    expect(got!.loc).toEqual({ lat: 42.6, lon: 74.5, nested: { depth: 1.5, tags: ["a", "b"] } });
    expect(got!.samples).toEqual([1, 2.5, -3]);
    expect(String(got!.big)).toBe("9007199254740993");
    expect(Buffer.from((got!.raw as Binary).buffer)).toEqual(Buffer.from([1, 2, 3, 250]));
    expect("gone" in got!).toBe(false);

    // Queries on nested fields and dates.
    expect(await coll.countDocuments({ "loc.nested.depth": 1.5, t0: when })).toBe(1);
    expect(await coll.findOne({ sta: "nope" })).toBeNull();
  });

  it("insertMany, update, upsert, replace, delete, count, distinct", async () => {
    const coll = db.collection("crud2");
    const own = new ObjectId();
    const docs: Record<string, unknown>[] = [
      { _id: own, sta: "A", chan: "BHZ", n: 1 },
      { sta: "A", chan: "BHN", n: 2 },
      { sta: "B", chan: "BHZ", n: 3 },
    ];
    const ins = await coll.insertMany(docs);
    expect(ins.insertedCount).toBe(3);
    expect((ins.insertedIds[0] as ObjectId).equals(own)).toBe(true);
    expect((ins.insertedIds[2] as ObjectId).equals(docs[2]!._id as ObjectId)).toBe(true);

    let u = await coll.updateOne({ sta: "A" }, { $set: { flag: true } });
    expect(u).toMatchObject({ matchedCount: 1, modifiedCount: 1, upsertedCount: 0, upsertedId: null });
    u = await coll.updateMany({ sta: "A" }, { $inc: { n: 10 } });
    expect(u).toMatchObject({ matchedCount: 2, modifiedCount: 2 });
    u = await coll.updateOne({ sta: "C" }, { $set: { n: 7 } }, { upsert: true });
    expect(u.matchedCount).toBe(0);
    expect(u.upsertedCount).toBe(1);
    expect(u.upsertedId).toBeInstanceOf(ObjectId);
    expect((await coll.findOne({ _id: u.upsertedId }))!.n).toBe(7);

    const rep = await coll.replaceOne({ _id: own }, { sta: "A", chan: "HHZ", n: 100 });
    expect(rep).toMatchObject({ matchedCount: 1, modifiedCount: 1 });
    const replaced = await coll.findOne({ _id: own });
    expect(replaced).toEqual({ _id: own, sta: "A", chan: "HHZ", n: 100 });

    expect(await coll.countDocuments()).toBe(4);
    expect(await coll.countDocuments({ sta: "A" })).toBe(2);
    expect(await coll.countDocuments({}, { skip: 1, limit: 2 })).toBe(2);
    expect(((await coll.distinct("sta")) as string[]).sort()).toEqual(["A", "B", "C"]);
    expect(((await coll.distinct("chan", { sta: "A" })) as string[]).sort()).toEqual(["BHN", "HHZ"]);

    expect(await coll.deleteOne({ sta: "A" })).toEqual({ acknowledged: true, deletedCount: 1 });
    expect(await coll.deleteMany({})).toEqual({ acknowledged: true, deletedCount: 3 });
    expect(await coll.countDocuments()).toBe(0);
  });

  it("creates indexes (unique enforced), lists and drops collections", async () => {
    const coll = db.collection("indexed");
    expect(await coll.createIndex({ sta: 1, time: -1 }, { unique: true })).toBe("sta_1_time_-1");
    expect(await coll.createIndex("chan")).toBe("chan_1");
    await coll.insertOne({ sta: "X", time: 1 });
    await expectMsPASSError(coll.insertOne({ sta: "X", time: 1 }), /duplicate key/i, "Fatal");
    expect(await db.listCollectionNames()).toContain("indexed");
    expect(await coll.drop()).toBe(true);
    expect(await db.listCollectionNames()).not.toContain("indexed");
    // Dropping a missing collection is not an error.
    expect(await coll.drop()).toBe(true);
  });
});

describe("Cursor", () => {
  const N = 250;
  let coll: Collection;

  beforeAll(async () => {
    coll = db.collection("many");
    await coll.insertMany(Array.from({ length: N }, (_, i) => ({ i, even: i % 2 === 0, tag: `t${i % 5}` })));
  });

  it("iterates more documents than one batch, in order", async () => {
    const cursor = coll.find({}, { sort: { i: 1 }, batchSize: 7 });
    expect(cursor).toBeInstanceOf(Cursor);
    const seen: number[] = [];
    for await (const d of cursor) seen.push(d.i as number);
    expect(seen).toEqual(Array.from({ length: N }, (_, i) => i));
    expect(cursor.closed).toBe(true);
    expect(await cursor.next()).toBeNull();
    expect(DatabaseClient.stats().openCursors).toBe(0);
  });

  it("applies chained sort, skip, limit, project and batchSize", async () => {
    const cursor = coll
      .find({ even: true })
      .sort({ i: -1 })
      .skip(3)
      .limit(20)
      .project({ _id: 0, i: 1 })
      .batchSize(6);
    expect(cursor.options).toEqual({
      sort: { i: -1 },
      skip: 3,
      limit: 20,
      projection: { _id: 0, i: 1 },
      batchSize: 6,
    });
    expect(cursor.filter).toEqual({ even: true });
    expect(cursor.collection).toBe(coll);
    const docs = await cursor.toArray();
    expect(docs).toEqual(Array.from({ length: 20 }, (_, k) => ({ i: 248 - 2 * (3 + k) })));
    // Other sort spellings.
    const first = await coll
      .find({})
      .sort([
        ["tag", "desc"],
        ["i", "asc"],
      ])
      .limit(1)
      .toArray();
    expect(first).toMatchObject([{ tag: "t4", i: 4 }]);
  });

  it("next() and hasNext() walk batches; concurrent next() calls never repeat a document", async () => {
    const cursor = coll.find({ tag: "t1" }, { sort: { i: 1 }, batchSize: 4 });
    expect(await cursor.hasNext()).toBe(true);
    expect((await cursor.next())!.i).toBe(1);
    const rest = await Promise.all(Array.from({ length: 60 }, () => cursor.next()));
    const values = rest.filter((d) => d !== null).map((d) => d!.i as number);
    expect(values).toEqual(Array.from({ length: N / 5 - 1 }, (_, k) => 6 + 5 * k));
    expect(await cursor.hasNext()).toBe(false);
  });

  it("break out of for-await and close() release the server cursor", async () => {
    const baseline = DatabaseClient.stats().openCursors;
    let n = 0;
    for await (const _ of coll.find({}, { batchSize: 5 })) {
      if (++n === 3) break;
    }
    expect(DatabaseClient.stats().openCursors).toBe(baseline);

    const cursor = coll.find({}, { batchSize: 5 });
    await cursor.next();
    expect(DatabaseClient.stats().openCursors).toBe(baseline + 1);
    await cursor.close();
    await cursor.close();
    expect(DatabaseClient.stats().openCursors).toBe(baseline);
    expect(await cursor.next()).toBeNull();
  });

  it("refuses modifiers once started and bad options at once", async () => {
    const cursor = coll.find({});
    await cursor.next();
    expectMsPASSErrorSync(() => cursor.limit(3), /already started/, "Invalid");
    await cursor.close();
    expectMsPASSErrorSync(() => coll.find({}).limit(-1), /limit must be a non-negative integer/, "Invalid");
    expectMsPASSErrorSync(() => coll.find({}, { skip: 1.5 }), /options\.skip/, "Invalid");
    expectMsPASSErrorSync(() => coll.find({}).sort({ i: 2 as 1 }), /sort direction/, "Invalid");
    expectMsPASSErrorSync(
      () => coll.find([] as unknown as Record<string, unknown>),
      /filter must be a document/,
      "Invalid",
    );
  });

  it("runs aggregation pipelines", async () => {
    const out = await coll
      .aggregate([
        { $match: { even: true } },
        { $group: { _id: "$tag", n: { $sum: 1 } } },
        { $sort: { _id: 1 } },
      ])
      .toArray();
    expect(out).toEqual(["t0", "t1", "t2", "t3", "t4"].map((t) => ({ _id: t, n: 25 })));
  });
});

describe("argument and state errors", () => {
  it("names the bad argument", async () => {
    const coll = db.collection("errors");
    await expectMsPASSError(
      coll.updateOne({}, { sta: "x" }),
      /update must be a non-empty document of update operators/,
      "Invalid",
    );
    await expectMsPASSError(
      coll.replaceOne({}, { $set: { a: 1 } }),
      /replacement must not contain update operators/,
      "Invalid",
    );
    await expectMsPASSError(coll.insertMany([]), /docs must be a non-empty array/, "Invalid");
    await expectMsPASSError(
      coll.insertOne([1, 2] as unknown as Record<string, unknown>),
      /document must be a plain object/,
      "Invalid",
    );
    await expectMsPASSError(coll.distinct(""), /key must be a non-empty field name/, "Invalid");
    // A server-side error: an unknown query operator (FerretDB only notices
    // it when a document is examined).
    await coll.insertOne({ a: 1 });
    await expectMsPASSError(
      coll.findOne({ a: { $badop: 1 } }),
      /^Collection\.findOne\(.*\.errors\): .*\$badop/,
      "Fatal",
    );
    expectMsPASSErrorSync(() => db.collection(""), /collection name must be a non-empty string/, "Invalid");
    expectMsPASSErrorSync(() => db.collection("a$b"), /collection name/, "Invalid");
  });

  it("fails operations through a closed handle, while other handles keep working", async () => {
    const other = await DatabaseClient.connect(uri);
    const odb = other.getDatabase(dbName);
    const coll = odb.collection("closed_handle");
    const cursor = coll.find({});
    await other.close();
    await expectMsPASSError(coll.insertOne({ a: 1 }), /is closed/, "Fatal");
    await expectMsPASSError(cursor.toArray(), /is closed/, "Fatal");
    await expectMsPASSError(odb.listCollectionNames(), /is closed/, "Fatal");
    expect(await db.collection("closed_handle").countDocuments()).toBe(0);
  });
});

describe("db.<collection> idiom", () => {
  it("maps unknown string properties to collections without shadowing real members", async () => {
    const ts = db.wf_TimeSeries;
    expect(ts).toBeInstanceOf(Collection);
    expect(ts.collectionName).toBe("wf_TimeSeries");
    expect(ts.dbName).toBe(dbName);
    expect(ts).toBe(db.collection("wf_TimeSeries"));
    const custom = (db as unknown as Record<string, Collection>).my_custom_stuff!;
    expect(custom).toBeInstanceOf(Collection);
    expect(custom.collectionName).toBe("my_custom_stuff");
    expect(custom.database).toBe(db);

    // Real members win; promises and symbols are not collections.
    expect(db.name).toBe(dbName);
    expect(typeof db.collection).toBe("function");
    expect(typeof db.toString).toBe("function");
    expect((db as unknown as Record<string, unknown>).then).toBeUndefined();
    expect(await Promise.resolve(db)).toBe(db);
    expect((db as unknown as Record<symbol, unknown>)[Symbol.iterator]).toBeUndefined();

    // And it really reaches the server.
    await ts.insertOne({ sta: "AAK", npts: 10 });
    await custom.insertOne({ x: 1 });
    expect(await db.wf_TimeSeries.countDocuments({ sta: "AAK" })).toBe(1);
    expect(await db.listCollectionNames()).toEqual(
      expect.arrayContaining(["wf_TimeSeries", "my_custom_stuff"]),
    );
  });
});
