/**
 * A datum whose save fails inside writeDistributedData dies, not the job
 * (MsPASS's save_data): a Metadata value that cannot be encoded, a sample
 * file that cannot be created. That datum is dead with an elog entry and
 * lies in the cemetery; the rest of its partition and of the job is
 * written and reads back.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LocalScheduler, MongoDBWorker, fromSequence, task, writeDistributedData } from "mspass";
import { useTestDatabase } from "./helpers.js";

const STAGES = new URL("./faults/write-bad-datum.mjs", import.meta.url);
const N = 40;
const BAD_MD = 13;
const BAD_FILE = 27;
const { client, db, rdb, dir } = await useTestDatabase("faults_write_datum");

describe("one datum of a partition cannot be saved", () => {
  it.each(["gridfs", "file"] as const)(
    "%s: that datum is buried with the reason, the rest of the job is written",
    async (storageMode) => {
      await rdb.dropDatabase();
      writeFileSync(join(dir, "not-a-dir"), "a regular file");
      // File mode: the datum's own Metadata dir decides where it goes; GridFS ignores it.
      const bad = storageMode === "file" ? [BAD_MD, BAD_FILE] : [BAD_MD];
      const s = await LocalScheduler.start({ nworkers: 2, dashboard: false });
      try {
        await s.registerPlugin(new MongoDBWorker(client), { name: "mongodb_worker" });
        const specs = Array.from({ length: N }, (_, k) => ({ k, dir }));
        const bag = fromSequence(specs, { npartitions: 8 }).map(task(STAGES, "make"));
        const ids = await writeDistributedData(bag, db, { storageMode, scheduler: s, dataTag: "out" });

        expect(ids).toHaveLength(N);
        expect(ids.flatMap((id, k) => (id === null ? [k] : []))).toEqual(bad);
        const docs = await rdb.collection("wf_TimeSeries").find({}).toArray();
        expect(docs.map((d) => d.k as number).sort((a, b) => a - b)).toEqual(
          specs.map((x) => x.k).filter((k) => !bad.includes(k)),
        );
        const dead = await rdb.collection("cemetery").find({}).toArray();
        expect(dead.map((d) => d.tombstone.k as number).sort((a, b) => a - b)).toEqual(bad);
        const reasons = new Map(
          dead.map((d) => [
            d.tombstone.k as number,
            (d.logdata as Array<{ algorithm: string; error_message: string }>)
              .map((e) => `${e.algorithm}: ${e.error_message}`)
              .join(" | "),
          ]),
        );
        expect(reasons.get(BAD_MD)).toMatch(
          /writeDistributedData: .*cannot be encoded as BSON.*Metadata "loop" erased, the datum was killed/,
        );
        if (storageMode === "file")
          expect(reasons.get(BAD_FILE)).toMatch(
            /writeDistributedData: its samples could not be stored: .*not-a-dir.*; it was killed and not saved/,
          );
        const back = await db.readData(db.wf_TimeSeries.find({}));
        expect(back.member).toHaveLength(N - bad.length);
        for (const m of back.member) {
          const k = Number(m.md.get("k"));
          expect(m.live).toBe(true);
          expect(Array.from(m.data)).toEqual(Array.from({ length: 100 }, (_, i) => k * 1000 + i));
        }
        expect(await rdb.collection("write_journal").countDocuments({})).toBe(0);
      } finally {
        await s.close();
      }
    },
    90_000,
  );
});
