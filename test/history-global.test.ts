/**
 * GlobalHistoryManager against the real server: the Client makes one (new
 * job id, index on history_global), records are checked raw field by field,
 * and mspassMap / mspassFold log bag operations as MsPASS's patched
 * mspass_map / mspass_reduce do.
 */
import { Double, ObjectId } from "mongodb";
import { describe, expect, it } from "vitest";
import {
  GLOBAL_HISTORY_INDEX,
  GlobalHistoryManager,
  MsPASSError,
  fromSequence,
  mspassFold,
  mspassMap,
} from "mspass";
import { uniqueDbName, useTestDatabase } from "./helpers.js";

const { client, db, rdb } = await useTestDatabase("hist_glob", {
  databaseName: uniqueDbName("hist_glob"),
  jobName: "tutorial",
});
const dbName = db.name;

function double(x: number): number {
  return 2 * x;
}
function add(a: number, b: number): number {
  return a + b;
}

describe("GlobalHistoryManager", () => {
  it("Client.connect creates one: a new job id, the client's job name, the (alg_name, parameters) index", async () => {
    const m = client.getGlobalHistoryManager();
    expect(m).toBeInstanceOf(GlobalHistoryManager);
    expect(m.jobId).toBeInstanceOf(ObjectId);
    expect(m.jobName).toBe("tutorial");
    expect(m.collection).toBe("history_global");
    expect(m.db.name).toBe(dbName);
    const idx = (await rdb.collection("history_global").listIndexes().toArray()).find(
      (i) => i.name === GLOBAL_HISTORY_INDEX,
    );
    expect(idx?.key).toEqual({ alg_name: 1, parameters: 1 });
  });

  it("logging writes {time, job_id, job_name, alg_name, alg_id, parameters}; getAlgId finds the id", async () => {
    const m = client.getGlobalHistoryManager();
    const algId = new ObjectId();
    const t0 = Date.now() / 1000;
    const id = await m.logging("bandpass", algId, "freqmin=0.1,freqmax=2.0");
    const doc = (await rdb.collection("history_global").findOne({ _id: id }, { promoteValues: false }))!;
    expect(Object.keys(doc).sort()).toEqual([
      "_id",
      "alg_id",
      "alg_name",
      "job_id",
      "job_name",
      "parameters",
      "time",
    ]);
    expect(doc.time).toBeInstanceOf(Double);
    expect(doc.time.valueOf()).toBeGreaterThanOrEqual(t0 - 1);
    expect(doc.time.valueOf()).toBeLessThanOrEqual(Date.now() / 1000 + 1);
    expect(doc.job_id).toEqual(m.jobId);
    expect(doc.job_name).toBe("tutorial");
    expect(doc.alg_name).toBe("bandpass");
    expect(doc.alg_id).toEqual(algId);
    expect(doc.parameters).toBe("freqmin=0.1,freqmax=2.0");

    expect(await m.getAlgId("bandpass", "freqmin=0.1,freqmax=2.0")).toEqual(algId);
    expect(await m.getAlgId("bandpass", "freqmin=9")).toBeNull();
    // non-string parameters are stored as JSON text
    const j = await m.logging("window", "w1", { start: 1, end: 2 });
    expect((await rdb.collection("history_global").findOne({ _id: j }))!.parameters).toBe(
      '{"start":1,"end":2}',
    );
  });

  it("getAlgList by job name and job id; setAlgNameAndParameters renames every record of an alg_id", async () => {
    const other = await GlobalHistoryManager.create(db, "tutorial"); // same name, another job
    expect(other.jobId.equals(client.getGlobalHistoryManager().jobId)).toBe(false);
    const algId = new ObjectId();
    await other.logging("demean", algId, "p");
    await other.logging("demean", algId, "p");
    const all = await other.getAlgList("tutorial");
    const mine = await other.getAlgList("tutorial", other.jobId);
    expect(mine).toHaveLength(2);
    expect(mine.every((r) => r.job_id.equals(other.jobId) && r.alg_name === "demean")).toBe(true);
    expect(all.length).toBe(
      mine.length +
        (
          await client
            .getGlobalHistoryManager()
            .getAlgList("tutorial", client.getGlobalHistoryManager().jobId)
        ).length,
    );

    expect(await other.setAlgNameAndParameters(algId, "demean_v2", "q")).toBe(2);
    const renamed = await rdb.collection("history_global").find({ alg_id: algId }).toArray();
    expect(renamed.map((r) => [r.alg_name, r.parameters])).toEqual([
      ["demean_v2", "q"],
      ["demean_v2", "q"],
    ]);
    const err = await other.setAlgNameAndParameters(new ObjectId(), "x", "y").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MsPASSError);
    expect((err as MsPASSError).severity).toBe("Fatal");
  });

  it("setGlobalHistoryManager switches to another database/collection with a new job id", async () => {
    const before = client.getGlobalHistoryManager();
    const m = await client.setGlobalHistoryManager(db, "job2", { collection: "history_job2" });
    expect(client.getGlobalHistoryManager()).toBe(m);
    expect(m.jobId.equals(before.jobId)).toBe(false);
    expect(m.collection).toBe("history_job2");
    const idx = await rdb.collection("history_job2").listIndexes().toArray();
    expect(idx.some((i) => i.name === GLOBAL_HISTORY_INDEX)).toBe(true);
    await client.setGlobalHistoryManager(before.db, before.jobName); // the other tests' manager name again
  });
});

describe("mspassMap / mspassFold", () => {
  it("log one record per operation, reuse the alg_id of the same name and parameters, and run the operation", async () => {
    const m = client.getGlobalHistoryManager();
    const bag = fromSequence([1, 2, 3], { npartitions: 2 });
    const first = await mspassMap(bag, double, { globalHistory: m });
    expect(await first.result.compute({ scheduler: "none" })).toEqual([2, 4, 6]);
    expect(first.algName).toBe("double");
    const recs = await rdb
      .collection("history_global")
      .find({ job_id: m.jobId, alg_name: "double" })
      .toArray();
    expect(recs).toHaveLength(1);
    expect(recs[0]!.parameters).toBe("object_history=False");
    expect(recs[0]!.alg_id).toEqual(first.algId);

    const second = await mspassMap(bag, double, { globalHistory: m });
    expect(second.algId).toEqual(first.algId);
    const withArgs = await mspassMap(bag, double, { globalHistory: m, args: [3], kwargs: { scale: 1.5 } });
    expect(withArgs.algId).not.toEqual(first.algId);
    const rec = (await rdb.collection("history_global").findOne({ alg_id: withArgs.algId }))!;
    expect(rec.parameters).toBe("3,scale=1.5,object_history=False");

    const fold = await mspassFold(bag, add, add, 0, { globalHistory: m, algName: "sum" });
    expect(await fold.result.compute({ scheduler: "none" })).toBe(6);
    const f = (await rdb.collection("history_global").findOne({ alg_id: fold.algId }))!;
    expect([f.alg_name, f.parameters, f.job_name]).toEqual([
      "sum",
      "object_history=False,alg_name=sum",
      m.jobName,
    ]);
  });

  it("without a manager nothing is written", async () => {
    const n = await rdb.collection("history_global").countDocuments();
    const r = await mspassMap(fromSequence([1]), double);
    expect(r.algId).toBeInstanceOf(ObjectId);
    expect(await rdb.collection("history_global").countDocuments()).toBe(n);
  });
});
