/**
 * Parallel database access against the real server: MongoDBWorker (one
 * client per worker on the process's one pool), fetchDbhandle, refusal of
 * database handles as task arguments, readDistributedData /
 * writeDistributedData (atomic, ensembles, documents, dead data, file and
 * GridFS), idempotent re-runs, and the connection bound.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import { BSON, ObjectId } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  Client,
  Database,
  DatabaseClient,
  LocalScheduler,
  MongoDBWorker,
  MsPASSError,
  TimeSeries,
  fetchDbhandle,
  fromSequence,
  readDistributedData,
  task,
  taskOptions,
  writeDistributedData,
} from "mspass";
import { establishedTo, sampleConnections } from "./fixtures/parallel-connections.mjs";
import { uriTag } from "../dist/parallel/fetch.js";
import { withDyingWorker } from "./helpers.js";

const uri = process.env.MSPASS_TEST_DB_URI!;
const port = Number(new URL(uri).port);
const dbName = `mspass_test_parallel_${process.pid}`;
const TASKS = new URL("./fixtures/parallel-tasks.mjs", import.meta.url);
// biome-ignore lint/suspicious/noExplicitAny: a task function of any signature
const t = (name: string) => task<(...a: any[]) => any>(TASKS, name);
const N = 60;

let client: Client;
let scheduler: LocalScheduler;
let db: Database;
const tmp = mkdtempSync(join(tmpdir(), "mspass-parallel-"));

function ts(k: number, npts = 50): TimeSeries {
  const data = new Float64Array(npts);
  for (let i = 0; i < npts; i++) data[i] = k + Math.sin(i / 3);
  return new TimeSeries({ dt: 0.01, t0: 1.6e9 + k, tref: "UTC", data, metadata: { k, grp: `G${k % 3}` } });
}

interface Summary {
  live: boolean;
  k: number | null;
  npts: number;
  sum: number;
  first: number | null;
  abortion: boolean;
  elog: string[];
}

beforeAll(async () => {
  client = await Client.connect({ databaseHost: uri, scheduler: "local", nworkers: 2, dashboardPort: false });
  scheduler = client.getScheduler() as LocalScheduler; // scheduler: "local" above
  db = client.getDatabase(dbName);
  await db.dropDatabase();
  for (let k = 0; k < N; k++) await db.saveData(ts(k), { dataTag: "raw" });
  await db.collection("probe").insertOne({ k: 1 });
});

afterAll(async () => {
  await db?.dropDatabase();
  await client?.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe("MongoDBWorker and fetchDbhandle", () => {
  it("Client.connect registers mongodb_worker; tasks get the worker's client with no new mongodb::Client", async () => {
    expect(scheduler.plugins()).toContain("mongodb_worker");
    const before = DatabaseClient.stats().clientsCreated;
    const out = await scheduler.gather(
      scheduler.map(
        t("findOneTask"),
        Array.from({ length: 40 }, () => dbName),
      ),
    );
    expect(out).toHaveLength(40);
    for (const r of out) {
      expect(r).toMatchObject({ k: 1, same: true, isClient: true, sameClient: true });
      // The workers read the process-wide counter: nothing new was created anywhere.
      expect(r.clientsCreated).toBe(before);
    }
    expect(new Set(out.map((r) => r.worker)).size).toBe(2);
    expect(DatabaseClient.stats().clientsCreated).toBe(before);
  });

  it("its options are plain copyable data; printing it never shows the connection string", () => {
    const secretUri = "mongodb://alice:s3cret@127.0.0.1:1/";
    const p = new MongoDBWorker(secretUri, { dbclientKey: "k2" });
    expect(structuredClone(p.options)).toEqual(p.options);
    expect(p.options).toMatchObject({ uri: secretUri, dbclientKey: "k2" });
    expect(p.export).toBe("MongoDBWorker");
    expect(p.module).toMatch(/\/dist\/parallel\/mongodb-worker\.js$/);
    expect(inspect(p)).not.toContain("s3cret");
    expect(JSON.stringify(p)).not.toContain("s3cret");
    expect(new MongoDBWorker(client).options.uri).toBe(client.getDatabaseClient().connectionString);
    expect(() => new MongoDBWorker(42 as never)).toThrow(/MongoDBWorker: expected a Client/);
    expect(() => new MongoDBWorker(client, { dbclientKey: "" })).toThrow(/dbclientKey/);
  });

  it("a restarted worker is set up again", async () => {
    const marker = join(tmp, "die-once");
    const died = await scheduler.submit(t("dieOnce"), marker, taskOptions({ retries: 2 })).result();
    expect(existsSync(marker)).toBe(true);
    expect(typeof died).toBe("number");
    // Every worker (the replacement included) has its client.
    const ids = scheduler.workers().map((w) => w.id);
    expect(ids.length).toBe(2);
    const seen = await scheduler.gather(
      scheduler.map(
        t("workerClient"),
        Array.from({ length: 20 }, () => "dbclient"),
      ),
    );
    for (const s of seen) expect(s).toMatchObject({ isClient: true, closed: false });
    expect(scheduler.state().restarts).toBeGreaterThanOrEqual(1);
  });

  it("registered by hand under another key; teardown closes the handle", async () => {
    const s = await LocalScheduler.start({ nworkers: 1, dashboard: false });
    try {
      await s.registerPlugin(new MongoDBWorker(client, { dbclientKey: "other" }), { name: "mongodb_worker" });
      expect(await s.submit(t("workerClient"), "other").result()).toMatchObject({
        isClient: true,
        closed: false,
      });
      expect(await s.submit(t("workerClient"), "dbclient").result()).toBeNull();
      expect(await s.submit(t("stashClient"), "other").result()).toBe(true);
      await s.unregisterPlugin("mongodb_worker");
      expect(await s.submit(t("workerClient"), "other").result()).toBeNull();
      expect(await s.submit(t("stashedClosed")).result()).toBe(true);
    } finally {
      await s.close();
    }
  });

  it("outside a worker: the pool of the most recent connect; a Database as is; anything else refused", async () => {
    const here = fetchDbhandle(dbName);
    expect(here).toBeInstanceOf(Database);
    expect(here.client.connectionString).toBe(uri);
    expect(fetchDbhandle(dbName)).toBe(here); // cached per name
    expect(fetchDbhandle(db)).toBe(db);
    expect(await here.collection("probe").findOne({ k: 1 })).toMatchObject({ k: 1 });
    expect(() => fetchDbhandle(42 as never)).toThrow(MsPASSError);
    expect(() => fetchDbhandle(42 as never)).toThrow(/fetchDbhandle: expected a database name/);
    expect(() => fetchDbhandle("bad.name")).toThrow(/fetchDbhandle: database name/);
    // scheduler "none": bags run in this thread and fetchDbhandle uses the same pool.
    const r = await fromSequence([dbName, dbName]).map(t("findOneAnywhere")).compute({ scheduler: "none" });
    expect(r).toEqual([
      { k: 1, uri: client.getDatabaseClient().address },
      { k: 1, uri: client.getDatabaseClient().address },
    ]);
  });

  it("refuses a Client, Database, DatabaseClient, Collection or Cursor as a task argument", async () => {
    const advice = /pass the database name \(a string\) instead and call fetchDbhandle\(name\)/;
    expect(() => scheduler.submit(t("findOneTask"), db)).toThrow(advice);
    expect(() => scheduler.submit(t("findOneTask"), db)).toThrow(/a Database \("mspass_test_parallel_/);
    expect(() => scheduler.map(t("findOneTask"), [dbName, client])).toThrow(/a Client cannot be passed/);
    expect(() => scheduler.submit(t("findOneTask"), client.getDatabaseClient())).toThrow(
      /a DatabaseClient cannot/,
    );
    expect(() => scheduler.submit(t("findOneTask"), { coll: db.wf_TimeSeries })).toThrow(
      /a Collection \(mspass_test_parallel_\d+\.wf_TimeSeries\)/,
    );
    expect(() => scheduler.submit(t("findOneTask"), [db.wf_TimeSeries.find({})])).toThrow(/a Cursor/);
    expect(() => scheduler.scatter(db)).toThrow(advice);
    await expect(fromSequence([{ db }]).map(t("findOneTask")).compute()).rejects.toThrow(advice);
    await expect(fromSequence([db]).map(t("findOneTask")).compute({ scheduler: "none" })).rejects.toThrow(
      advice,
    );
    // Names are what tasks take.
    await expect(scheduler.submit(t("findOneTask"), dbName).result()).resolves.toMatchObject({ k: 1 });
  });
  it("Client.setDatabaseClient moves the workers' clients to the new server", async () => {
    const c2 = await Client.connect({
      databaseHost: uri,
      scheduler: "local",
      nworkers: 1,
      dashboardPort: false,
    });
    try {
      const s2 = c2.getScheduler()!;
      expect(await s2.submit(t("workerClient"), "dbclient").result()).toMatchObject({
        address: c2.getDatabaseClient().address,
      });
      const other = `${uri}${uri.includes("?") ? "&" : "?"}appName=parallel-switch`;
      await c2.setDatabaseClient(other);
      const seen = (await s2.submit(t("workerClient"), "dbclient").result()) as { address: string };
      expect(seen.address).toContain("appName=parallel-switch");
      expect(await s2.submit(t("findOneAnywhere"), dbName).result()).toMatchObject({ k: 1 });
    } finally {
      await c2.close();
      await DatabaseClient.shutdown(`${uri}${uri.includes("?") ? "&" : "?"}appName=parallel-switch`);
      await DatabaseClient.connect(uri); // fetchDbhandle's fallback is the most recent connect: back to the test pool
    }
  });
});

describe("readDistributedData", () => {
  it("a query: atomic data read on the workers, every document exactly once, in _id partitions", async () => {
    const bag = await readDistributedData(db, { query: {}, npartitions: 7 });
    expect(bag.npartitions).toBe(7);
    const out = (await bag.map(t("summarize")).compute()) as Summary[];
    expect(out).toHaveLength(N);
    expect(out.map((s) => s.k).sort((a, b) => a! - b!)).toEqual(Array.from({ length: N }, (_, k) => k));
    for (const s of out) {
      expect(s.live).toBe(true);
      expect(s.npts).toBe(50);
      expect(s.first).toBeCloseTo(s.k!, 12);
    }
    // By name, with a query, a data tag and the default partitioning.
    const g1 = (await (
      await readDistributedData(dbName, { query: { grp: "G1" }, dataTag: "raw" })
    )
      .map(t("summarize"))
      .compute()) as Summary[];
    expect(g1.map((s) => s.k).sort((a, b) => a! - b!)).toEqual(
      Array.from({ length: N / 3 }, (_, i) => 3 * i + 1),
    );
    expect(await (await readDistributedData(db, { dataTag: "nope" })).compute()).toEqual([]);
    // scheduler "none" gives the same data.
    const none = (await (
      await readDistributedData(db, { npartitions: 3 })
    )
      .map(t("summarize"))
      .compute({ scheduler: "none" })) as Summary[];
    expect(none.map((s) => s.k)).toEqual(out.map((s) => s.k));
  });

  it("a list of queries: one ensemble per query, sorted by sortClause", async () => {
    const bag = await readDistributedData([{ grp: "G0" }, { grp: "G2" }, { grp: "none" }], {
      db: dbName,
      sortClause: [["k", -1]],
      listOf: "queries",
    });
    const out = (await bag.map(t("summarize")).compute()) as Array<{
      ensemble: boolean;
      live: boolean;
      n: number;
      ks: number[];
    }>;
    expect(out).toHaveLength(3);
    expect(out[0]!.ks).toEqual(Array.from({ length: N / 3 }, (_, i) => 3 * (N / 3 - 1 - i)));
    expect(out[1]!.ks).toEqual(Array.from({ length: N / 3 }, (_, i) => 3 * (N / 3 - 1 - i) + 2));
    expect(out[2]).toMatchObject({ ensemble: true, live: false, n: 0 });
  });

  it("a list of documents: one atomic datum each; guessed from _id + storage_mode", async () => {
    const docs = await db.wf_TimeSeries.find({ k: { $lt: 5 } }).toArray();
    const out = (await (await readDistributedData(docs, { db })).map(t("summarize")).compute()) as Summary[];
    expect(out.map((s) => s.k).sort()).toEqual([0, 1, 2, 3, 4]);
    expect(out.every((s) => s.live)).toBe(true);
  });

  it("workers whose MongoDBWorker is on another server refuse to read the caller's Database", async () => {
    const s = await LocalScheduler.start({ nworkers: 1, dashboard: false });
    const elsewhere = `${uri}${uri.includes("?") ? "&" : "?"}appName=elsewhere`;
    try {
      await s.registerPlugin(new MongoDBWorker(elsewhere), { name: "mongodb_worker" });
      const bag = await readDistributedData(db, { npartitions: 1 });
      await expect(bag.compute({ scheduler: s })).rejects.toThrow(
        /is on another server than this worker's database client \(mongodb:\/\/127\.0\.0\.1:\d+\/\?appName=elsewhere\)/,
      );
    } finally {
      await s.close();
      await DatabaseClient.shutdown(elsewhere);
    }
  });

  it("validates its options, naming the bad one", async () => {
    await expect(readDistributedData(db, { npartitions: 0 })).rejects.toThrow(
      /readDistributedData: npartitions must be a positive integer/,
    );
    await expect(readDistributedData(db, { mode: "loose" as never })).rejects.toThrow(
      /readDistributedData: mode must be one of/,
    );
    await expect(readDistributedData(db, { nope: 1 } as never)).rejects.toThrow(/unknown option "nope"/);
    await expect(readDistributedData(db, { collection: "site" })).rejects.toThrow(/collection "site"/);
    await expect(readDistributedData(db, { sortClause: { k: 1 } })).rejects.toThrow(
      /sortClause applies to a list of queries/,
    );
    await expect(readDistributedData([{ k: 1 }], {})).rejects.toThrow(
      /db \(a Database or its name\) is required/,
    );
    await expect(readDistributedData(42 as never)).rejects.toThrow(
      /data must be a Database or a database name/,
    );
    await expect(readDistributedData(db, { excludeKeys: "k" as never })).rejects.toThrow(/excludeKeys/);
    await expect(readDistributedData([{ k: 1 }], { db, sortClause: { k: 2 as never } })).rejects.toThrow(
      /sortClause/,
    );
  });

  it("unreadable documents become dead data with elog entries; the others are read", async () => {
    const bad = client.getDatabase(`${dbName}_bad`);
    await bad.dropDatabase();
    try {
      for (let k = 0; k < 6; k++) await bad.saveData(ts(k));
      await bad.wf_TimeSeries.insertMany([
        {
          k: 100,
          npts: "many",
          delta: 0.01,
          starttime: 0,
          storage_mode: "gridfs",
          gridfs_id: new ObjectId(),
        },
        { k: 101, npts: 50, delta: 0.01, starttime: 0, storage_mode: "gridfs", gridfs_id: new ObjectId() },
      ]);
      const out = (await (
        await readDistributedData(bad, { npartitions: 3 })
      )
        .map(t("summarize"))
        .compute()) as Summary[];
      expect(out).toHaveLength(8);
      expect(
        out
          .filter((s) => s.live)
          .map((s) => s.k)
          .sort(),
      ).toEqual([0, 1, 2, 3, 4, 5]);
      const dead = out.filter((s) => !s.live);
      expect(dead).toHaveLength(2);
      for (const d of dead) expect(d.elog.length).toBeGreaterThan(0);
      expect(dead.find((d) => d.abortion)?.elog.join(" ")).toMatch(/npts/);
      expect(dead.find((d) => !d.abortion)?.elog.join(" ")).toMatch(/samples|GridFS|gridfs/);

      // Written through writeDistributedData: the dead are buried and give null ids.
      const ids = await writeDistributedData(await readDistributedData(bad, { npartitions: 2 }), bad, {
        dataTag: "again",
      });
      expect(ids).toHaveLength(8);
      expect(ids.filter((x) => x === null)).toHaveLength(2);
      expect(await bad.wf_TimeSeries.countDocuments({ data_tag: "again" })).toBe(6);
      expect(await bad.collection("abortions").countDocuments({ data_tag: "again" })).toBe(1);
      expect(await bad.collection("cemetery").countDocuments({ data_tag: "again" })).toBe(1);
      // cremate: the dead give null ids and leave no record.
      const ids2 = await writeDistributedData(
        await readDistributedData(bad, { npartitions: 2, query: { data_tag: { $exists: false } } }),
        bad,
        { dataTag: "crem", cremate: true },
      );
      expect(ids2).toHaveLength(8);
      expect(ids2.filter((x) => x === null)).toHaveLength(2);
      expect(await bad.collection("abortions").countDocuments({ data_tag: "crem" })).toBe(0);
      expect(await bad.collection("cemetery").countDocuments({ data_tag: "crem" })).toBe(0);
      expect(await bad.wf_TimeSeries.countDocuments({ data_tag: "crem" })).toBe(6);
    } finally {
      await bad.dropDatabase();
    }
  });
});

/** No GridFS file without a wf document, no chunk without a file. */
async function expectNoOrphans(d: Database): Promise<void> {
  const files = await d
    .collection("fs.files")
    .find({}, { projection: { _id: 1 } })
    .toArray();
  const fileIds = new Set(files.map((f) => String(f._id)));
  const referenced = new Set(
    (await d.wf_TimeSeries.find({ storage_mode: "gridfs" }, { projection: { gridfs_id: 1 } }).toArray()).map(
      (w) => String(w.gridfs_id),
    ),
  );
  expect([...fileIds].filter((f) => !referenced.has(f))).toEqual([]);
  expect([...referenced].filter((f) => !fileIds.has(f))).toEqual([]);
  const chunkOwners = await d.collection("fs.chunks").distinct("files_id", {});
  expect(chunkOwners.map(String).filter((f) => !fileIds.has(f))).toEqual([]);
}

describe("writeDistributedData", () => {
  it("read → demean → write to GridFS: ids in order, one datum each, demeaned samples stored", async () => {
    const bag = (await readDistributedData(db, { dataTag: "raw", npartitions: 4 })).map(t("demean"));
    const ids = await writeDistributedData(bag, db, { dataTag: "dm" });
    expect(ids).toHaveLength(N);
    expect(ids.every((x) => x instanceof ObjectId)).toBe(true);
    expect(new Set(ids.map(String)).size).toBe(N);
    expect(await db.wf_TimeSeries.countDocuments({ data_tag: "dm" })).toBe(N);
    const back = (await db.readData(ids[0] as ObjectId)) as TimeSeries;
    expect(back.live).toBe(true);
    expect(Math.abs(back.data.reduce((a, b) => a + b, 0))).toBeLessThan(1e-9);
    expect(await db.collection("write_journal").countDocuments({})).toBe(0);
  });

  it("file mode: one file per partition, no byte without a document", async () => {
    const dir = join(tmp, "files");
    const ids = await writeDistributedData(
      (await readDistributedData(db, { dataTag: "raw", npartitions: 3 })).map(t("demean")),
      db,
      {
        storageMode: "file",
        dir,
        dataTag: "file",
      },
    );
    expect(ids).toHaveLength(N);
    const docs = await db.wf_TimeSeries.find({ data_tag: "file" }).toArray();
    expect(docs).toHaveLength(N);
    const files = readdirSync(dir);
    expect(files).toHaveLength(3);
    for (const f of files) {
      const mine = docs.filter((d) => d.dfile === f);
      expect(mine.length).toBeGreaterThan(0);
      expect(statSync(join(dir, f)).size).toBe(mine.reduce((a, d) => a + Number(d.nbytes), 0));
    }
    const back = (await db.readData(ids[5] as ObjectId)) as TimeSeries;
    expect(back.live).toBe(true);
    expect(back.npts).toBe(50);
  });

  it("file mode honours each datum's own dir/dfile (as MsPASS); the others go to the partition's file; format recorded as saveData", async () => {
    const dir = join(tmp, "own");
    const named = join(tmp, "named");
    const data = Array.from({ length: 6 }, (_, k) => {
      const d = ts(100 + k);
      d.md.put("dir", dir); // never the working directory
      if (k % 2 === 0) {
        d.md.put("dir", named);
        d.md.put("dfile", "mine.bin");
      }
      return d;
    });
    const ids = await writeDistributedData(fromSequence(data, { npartitions: 2 }), db, {
      storageMode: "file",
      format: "binary",
      dataTag: "ownfile",
      scheduler: "none",
    });
    expect(ids.every((x) => x instanceof ObjectId)).toBe(true);
    const docs = await db.wf_TimeSeries.find({ data_tag: "ownfile" }, { sort: { k: 1 } }).toArray();
    expect(docs.map((d) => d.dfile === "mine.bin")).toEqual([true, false, true, false, true, false]);
    expect(docs.filter((d) => d.dfile === "mine.bin").every((d) => d.dir === named)).toBe(true);
    expect(docs.every((d) => d.format === "binary")).toBe(true);
    expect(statSync(join(named, "mine.bin")).size).toBe(3 * 50 * 8);
    expect(new Set(docs.filter((d) => d.dfile !== "mine.bin").map((d) => d.dfile)).size).toBe(2); // one per partition
    for (const [i, id] of ids.entries()) {
      const back = (await db.readData(id as ObjectId)) as TimeSeries;
      expect(Array.from(back.data)).toEqual(Array.from(data[i]!.data));
    }
    expect(readdirSync(dir)).toHaveLength(2); // the partitions' own files, in the datum's dir
    // The option dir wins over the datum's, as saveData's argument does.
    const elsewhere = join(tmp, "elsewhere");
    const over = await writeDistributedData(fromSequence([data[0]!]), db, {
      storageMode: "file",
      dir: elsewhere,
      dataTag: "ownfile2",
      scheduler: "none",
    });
    expect((await db.wf_TimeSeries.findOne({ _id: over[0] as ObjectId }))!.dir).toBe(elsewhere);
    expect(statSync(join(elsewhere, "mine.bin")).size).toBe(50 * 8);
  });

  it("the elog carries the datum's previous _id (saved before the wf document, as MsPASS); history_object_id is not carried over", async () => {
    const src = await db.saveData(ts(200), { dataTag: "elogsrc" });
    const d = (await db.readData(src._id!)) as TimeSeries;
    d.md.put("history_object_id", new ObjectId());
    d.elog.log("test", "a note for the elog", "Complaint");
    const [id] = await writeDistributedData(fromSequence([d]), db, { dataTag: "elogdst", scheduler: "none" });
    const doc = (await db.wf_TimeSeries.findOne({ _id: id as ObjectId }))!;
    expect("history_object_id" in doc).toBe(false);
    const elog = (await db.collection("elog").findOne({ _id: doc.elog_id }))!;
    expect(elog.wf_TimeSeries_id).toEqual(src._id);
  });

  it("ensembles: a list of ids per ensemble", async () => {
    const bag = await readDistributedData(
      [
        { grp: "G0", data_tag: "raw" },
        { grp: "G1", data_tag: "raw" },
      ],
      { db, sortClause: { k: 1 } },
    );
    const ids = await writeDistributedData(bag, dbName, { dataTag: "ens" });
    expect(ids).toHaveLength(2);
    expect((ids[0] as ObjectId[]).length).toBe(N / 3);
    expect((ids[1] as ObjectId[]).every((x) => x instanceof ObjectId)).toBe(true);
    const ks = (
      await db.wf_TimeSeries.find({ data_tag: "ens", grp: "G1" }, { sort: { k: 1 } }).toArray()
    ).map((d) => d.k);
    expect(ks).toEqual(Array.from({ length: N / 3 }, (_, i) => 3 * i + 1));
  });

  it("overwrite: each datum's previous GridFS file is deleted once the new one is stored", async () => {
    const o = client.getDatabase(`${dbName}_ow`);
    await o.dropDatabase();
    try {
      for (let k = 0; k < 5; k++) await o.saveData(ts(k), { dataTag: "v1" });
      const old = (await o.wf_TimeSeries.find({ data_tag: "v1" }).toArray()).map((d) => String(d.gridfs_id));
      const ids = await writeDistributedData(
        (await readDistributedData(o, { dataTag: "v1" })).map(t("demean")),
        o,
        { dataTag: "v2", overwrite: true },
      );
      expect(ids.every((x) => x instanceof ObjectId)).toBe(true);
      const files = (await o.collection("fs.files").find({}).toArray()).map((f) => String(f._id));
      expect(files).toHaveLength(5);
      expect(files.filter((f) => old.includes(f))).toEqual([]);
      const back = (await o.readData(ids[2] as ObjectId)) as TimeSeries;
      expect(back.live).toBe(true);
    } finally {
      await o.dropDatabase();
    }
  });

  it('scheduler "none": the same write in this thread', async () => {
    const ids = await writeDistributedData(
      await readDistributedData(db, { dataTag: "raw", npartitions: 2 }),
      db,
      { dataTag: "inline", scheduler: "none" },
    );
    expect(ids.filter((x) => x instanceof ObjectId)).toHaveLength(N);
    expect(await db.wf_TimeSeries.countDocuments({ data_tag: "inline" })).toBe(N);
  });

  it("validates its options", async () => {
    const bag = await readDistributedData(db, { npartitions: 1 });
    await expect(writeDistributedData(bag, db, { storageMode: "s3" as never })).rejects.toThrow(
      /storageMode must be "gridfs" or "file"/,
    );
    await expect(writeDistributedData(bag, db, { storageMode: "file", overwrite: true })).rejects.toThrow(
      /overwrite works only with storageMode "gridfs"/,
    );
    await expect(writeDistributedData(bag, db, { collection: "wf_Seismogram_x" })).rejects.toThrow(
      /collection/,
    );
    await expect(writeDistributedData(bag, db, { retries: -1 })).rejects.toThrow(/retries/);
    await expect(writeDistributedData([] as never, db)).rejects.toThrow(/data must be a Bag/);
    await expect(writeDistributedData(bag, 7 as never)).rejects.toThrow(
      /db must be a Database or a database name/,
    );
    await expect(writeDistributedData(fromSequence([1, 2]), db)).rejects.toThrow(/bag item 0 is number/);
  });
});

describe("faults", () => {
  it("a worker killed in the middle of a distributed write: retried, every datum once, no orphans", async () => {
    const d = client.getDatabase(`${dbName}_kill`);
    await d.dropDatabase();
    const marker = join(tmp, "kill-marker");
    try {
      await withDyingWorker(client, 17, marker, async (s) => {
        for (let k = 0; k < 30; k++) await d.saveData(ts(k), { dataTag: "in" });
        const bag = (await readDistributedData(d, { dataTag: "in", npartitions: 5 })).map(t("demeanOrDie"));
        const ids = await writeDistributedData(bag, d, { dataTag: "out", scheduler: s });
        expect(existsSync(marker)).toBe(true); // the worker did die
        expect(s.state().restarts).toBeGreaterThanOrEqual(1);
        expect(ids).toHaveLength(30);
        const out = await d.wf_TimeSeries.find({ data_tag: "out" }).toArray();
        expect(out.map((x) => x.k).sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, k) => k));
        await expectNoOrphans(d);
      });
    } finally {
      await d.dropDatabase();
    }
  });

  it.each(["gridfs", "file"] as const)(
    "a partition re-run after it wrote everything (%s): cleaned up, every datum once",
    async (storageMode) => {
      const d = client.getDatabase(`${dbName}_rerun_${storageMode}`);
      await d.dropDatabase();
      const dir = join(tmp, `rerun-${storageMode}`);
      const marker = join(tmp, `rerun-marker-${storageMode}`);
      try {
        for (let k = 0; k < 12; k++) await d.saveData(ts(k), { dataTag: "in" });
        // A partition of a query read: its documents travel with it (raw BSON).
        const docs = Buffer.concat(
          (await d.wf_TimeSeries.find({ data_tag: "in" }).toArray()).map((x) => BSON.serialize(x)),
        );
        const spec = {
          kind: "documents",
          db: d.name,
          server: uriTag(uri),
          dbclientKey: "dbclient",
          collection: "wf_TimeSeries",
          mode: "promiscuous",
          excludeKeys: [],
          dataTag: "in",
          retryTimeoutMS: 5000,
          docs,
          label: "all",
        };
        const job = new ObjectId().toHexString();
        const params = {
          db: d.name,
          server: uriTag(uri),
          dbclientKey: "dbclient",
          job,
          collection: "wf_TimeSeries",
          dataType: "TimeSeries",
          storageMode,
          dir,
          mode: "promiscuous",
          excludeKeys: [],
          dataTag: "out",
          cremate: false,
          overwrite: false,
        };
        const f = scheduler.submit(
          task(new URL("./fixtures/parallel-rerun.mjs", import.meta.url), "readWriteThenDie"),
          [spec],
          params,
          marker,
          taskOptions({ retries: 2 }),
        );
        const ids = (await f.result()) as string[];
        expect(existsSync(marker)).toBe(true);
        expect(f.attempts).toBe(2);
        expect(ids).toHaveLength(12);
        const out = await d.wf_TimeSeries.find({ data_tag: "out" }).toArray();
        expect(out).toHaveLength(12);
        expect(out.map((x) => String(x._id)).sort()).toEqual([...ids].sort());
        if (storageMode === "gridfs") {
          expect(await d.collection("fs.files").countDocuments({})).toBe(24); // 12 inputs + 12 outputs
          await expectNoOrphans(d);
        } else {
          const files = readdirSync(dir);
          expect(files).toEqual([`${job}-t${files[0]!.split("-t")[1]!.split("-")[0]}-binary`]);
          expect(statSync(join(dir, files[0]!)).size).toBe(12 * 50 * 8); // rewritten, not appended twice
        }
        expect(await d.collection("write_journal").countDocuments({ job: new ObjectId(job) })).toBe(1); // main thread removes it after a job
      } finally {
        await d.dropDatabase();
      }
    },
  );

  it("the connection bound holds over 12,000 tasks at 4 workers (≤ maxPoolSize 16 + 2 monitors)", async () => {
    const s = await LocalScheduler.start({ nworkers: 4, dashboard: false });
    try {
      await s.registerPlugin(new MongoDBWorker(client), { name: "mongodb_worker" });
      const sampler = sampleConnections(port, 5);
      const before = DatabaseClient.stats().clientsCreated;
      const out = await s.gather(
        s.map(
          t("findOneTask"),
          Array.from({ length: 12_000 }, () => dbName),
        ),
      );
      const { peak, samples } = sampler.stop();
      expect(out.every((r) => r.k === 1)).toBe(true);
      expect(DatabaseClient.stats().clientsCreated).toBe(before);
      expect(samples).toBeGreaterThan(10);
      // The bound: one pool for this URI in this process.
      expect(peak).toBeLessThanOrEqual(16 + 2);
      expect(peak).toBeGreaterThan(1); // the pool did multiplex several connections
      expect(establishedTo(port)).toBeLessThanOrEqual(18);

      // More operations in flight (4 workers x 16) than the pool has connections: it saturates at maxPoolSize.
      const burst = sampleConnections(port, 5);
      const found = await s.gather(
        s.map(
          t("findManyTask"),
          Array.from({ length: 400 }, () => dbName),
        ),
      );
      const b = burst.stop();
      expect(found.every((x) => x === 16)).toBe(true);
      expect(b.peak).toBeLessThanOrEqual(16 + 2);
      expect(b.peak).toBeGreaterThan(4);
    } finally {
      await s.close();
    }
  }, 180_000);
});
