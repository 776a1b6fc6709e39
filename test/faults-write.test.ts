/**
 * A failed writeDistributedData job: one partition of 40 fails inside its
 * write (after its samples are stored). The others are cancelled and waited
 * for, everything the job wrote is removed, the error names the job and the
 * server, nothing lands after the rejection, and a rerun writes each datum
 * exactly once. Then a job whose database is gone for good fails with ONE
 * error naming the (masked) server and the job, without re-running every
 * partition through its retries.
 */
import { describe, expect, it } from "vitest";
import {
  Client,
  LocalScheduler,
  MongoDBWorker,
  MsPASSError,
  fromSequence,
  task,
  writeDistributedData,
} from "mspass";
import { startThrowawayDatabaseServer } from "../dist/service/throwaway.js";
import { useTestDatabase } from "./helpers.js";

const STAGES = new URL("./faults/write-throw.mjs", import.meta.url);
const N = 40;
const { client, db, rdb, dir } = await useTestDatabase("faults_write");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function counts(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const c of ["wf_TimeSeries", "elog", "fs.files", "fs.chunks", "write_journal"])
    out[c] = await rdb.collection(c).countDocuments({});
  return out;
}

describe("a partition fails inside the write", () => {
  it.each(["gridfs", "file"] as const)(
    "%s: the job rejects naming itself, leaves nothing, and a rerun writes each datum once",
    async (storageMode) => {
      await rdb.dropDatabase();
      const s = await LocalScheduler.start({ nworkers: 2, dashboard: false });
      try {
        await s.registerPlugin(new MongoDBWorker(client), { name: "mongodb_worker" });
        const specs = Array.from({ length: N }, (_, k) => k);
        const opts = {
          storageMode,
          scheduler: s,
          dataTag: "out",
          ...(storageMode === "file" ? { dir } : {}),
        };
        const bad = fromSequence(specs, { npartitions: N })
          .map(task(STAGES, "make"))
          .map(task(STAGES, "armBadDatum"));
        const err = await writeDistributedData(bad, db, opts).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(MsPASSError);
        const msg = (err as Error).message;
        expect(msg).toMatch(/writeDistributedData job [0-9a-f]{24} /);
        expect(msg).toContain("bad datum 13");
        expect(msg).toContain("127.0.0.1:");
        expect(msg).toMatch(/nothing of it was kept/);
        expect(await counts()).toEqual({
          wf_TimeSeries: 0,
          elog: 0,
          "fs.files": 0,
          "fs.chunks": 0,
          write_journal: 0,
        });
        await sleep(1500); // nothing lands after the rejection
        expect(await counts()).toEqual({
          wf_TimeSeries: 0,
          elog: 0,
          "fs.files": 0,
          "fs.chunks": 0,
          write_journal: 0,
        });

        const good = fromSequence(specs, { npartitions: N }).map(task(STAGES, "make"));
        const ids = await writeDistributedData(good, db, opts);
        expect(ids.every((x) => x !== null)).toBe(true);
        const ks = (await rdb.collection("wf_TimeSeries").find({}).toArray())
          .map((d) => d.k as number)
          .sort((a, b) => a - b);
        expect(ks).toEqual(specs);
      } finally {
        await s.close();
      }
    },
    90_000,
  );
});

describe("the database is gone for good", () => {
  it("a 40-partition job fails once, naming the job and the masked server", async () => {
    const server = await startThrowawayDatabaseServer({ label: "faults-gone" });
    const gone = await Client.connect({
      databaseHost: server.uri,
      scheduler: "none",
      serverSelectionTimeoutMS: 2000,
    });
    const s = await LocalScheduler.start({ nworkers: 2, dashboard: false });
    try {
      await s.registerPlugin(new MongoDBWorker(gone), { name: "mongodb_worker" });
      await server.stop();
      const bag = fromSequence(
        Array.from({ length: N }, (_, k) => k),
        { npartitions: N },
      ).map(task(STAGES, "make"));
      const t0 = Date.now();
      const err = await writeDistributedData(bag, gone.getDatabase("faults_gone"), {
        scheduler: s,
        retryTimeoutMS: 3000,
      }).then(
        () => undefined,
        (e: unknown) => e,
      );
      const seconds = (Date.now() - t0) / 1000;
      expect(err).toBeInstanceOf(MsPASSError);
      const msg = (err as Error).message;
      expect(msg).toMatch(/writeDistributedData job [0-9a-f]{24} \(faults_gone\.wf_TimeSeries on /);
      expect(msg).toMatch(/did not answer/);
      expect(msg).toMatch(/could not be removed|journal/);
      console.log(`database gone: a ${N}-partition write failed after ${seconds.toFixed(1)} s`);
    } finally {
      await s.close();
      await gone.close();
    }
  }, 90_000);
});
