/**
 * writeDistributedData when a worker dies in the MIDDLE of a partition's
 * write: after its samples (GridFS chunks and files, or its partition file)
 * and elog are written, before its wf insertMany. The fault is injected by
 * the test's own module (fixtures/write-fault-hook.mjs: a bag stage that
 * installs a hook in the worker; a marker file that the first partition to
 * reach the hook removes before process.exit) so the death happens exactly
 * there, once. Real server, both storage modes.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ObjectId } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  Client,
  Database,
  LocalScheduler,
  MongoDBWorker,
  TimeSeries,
  readDistributedData,
  task,
  writeDistributedData,
} from "mspass";

const uri = process.env.MSPASS_TEST_DB_URI!;
const dbName = `mspass_test_wfault_${process.pid}`;
const TASKS = new URL("./fixtures/parallel-tasks.mjs", import.meta.url);
const FAULT = new URL("./fixtures/write-fault-hook.mjs", import.meta.url);
const N = 24;

let client: Client;
const tmp = mkdtempSync(join(tmpdir(), "mspass-wfault-"));
const marker = join(tmp, "crash-marker");

function ts(k: number, npts = 50): TimeSeries {
  const data = new Float64Array(npts);
  for (let i = 0; i < npts; i++) data[i] = k + Math.sin(i / 3);
  return new TimeSeries({ dt: 0.01, t0: 1.6e9 + k, tref: "UTC", data, metadata: { k } });
}

beforeAll(async () => {
  // Workers copy the environment when they start: set before any scheduler exists.
  process.env.MSPASS_TEST_WRITE_CRASH_MARKER = marker;
  client = await Client.connect({ databaseHost: uri, scheduler: "none" });
});

afterAll(async () => {
  delete process.env.MSPASS_TEST_WRITE_CRASH_MARKER;
  await client?.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe("a worker dies mid-write (samples stored, wf insertMany not done)", () => {
  it.each(["gridfs", "file"] as const)(
    "%s: retried to completion, every datum once, no orphaned files, chunks or bytes",
    async (storageMode) => {
      const d: Database = client.getDatabase(`${dbName}_${storageMode}`);
      await d.dropDatabase();
      const dir = join(tmp, `out-${storageMode}`);
      const s = await LocalScheduler.start({ nworkers: 2, dashboard: false });
      try {
        await s.registerPlugin(new MongoDBWorker(client), { name: "mongodb_worker" });
        for (let k = 0; k < N; k++) await d.saveData(ts(k), { dataTag: "in" });
        writeFileSync(marker, "arm"); // armed only now: the reads above must not die
        const bag = (await readDistributedData(d, { dataTag: "in", npartitions: 4 }))
          .map(task(TASKS, "demean"))
          .map(task(FAULT, "armWriteCrash"));
        const ids = await writeDistributedData(bag, d, {
          dataTag: "out",
          storageMode,
          ...(storageMode === "file" ? { dir } : {}),
          scheduler: s,
        });

        expect(existsSync(marker)).toBe(false); // a partition reached the hook and its worker died
        expect(s.state().restarts).toBeGreaterThanOrEqual(1);
        expect(ids).toHaveLength(N);
        expect(ids.every((x) => x !== null)).toBe(true);
        const out = await d.wf_TimeSeries.find({ data_tag: "out" }).toArray();
        expect(out.map((x) => x.k).sort((a, b) => a - b)).toEqual(Array.from({ length: N }, (_, k) => k));
        expect(out.map((x) => String(x._id)).sort()).toEqual(ids.map(String).sort());

        // GridFS (inputs are GridFS in both modes): every fs.files has a wf
        // document referencing it and vice versa; every chunk has its file,
        // and each file has exactly its expected chunk (no duplicates).
        const files = await d.collection("fs.files").find({}).toArray();
        const referenced = (
          await d.wf_TimeSeries.find({ storage_mode: "gridfs" }, { projection: { gridfs_id: 1 } }).toArray()
        ).map((w) => String(w.gridfs_id));
        expect(files.map((f) => String(f._id)).sort()).toEqual([...referenced].sort());
        expect(files).toHaveLength(storageMode === "gridfs" ? 2 * N : N);
        const chunks = await d
          .collection("fs.chunks")
          .find({}, { projection: { files_id: 1, n: 1 } })
          .toArray();
        expect(chunks).toHaveLength(files.length); // 400 bytes each: one chunk per file
        expect(new Set(chunks.map((c) => `${String(c.files_id)}/${c.n}`)).size).toBe(chunks.length);
        const fileIds = new Set(files.map((f) => String(f._id)));
        expect(chunks.filter((c) => !fileIds.has(String(c.files_id)))).toEqual([]);

        if (storageMode === "file") {
          // One file per partition, its size exactly the bytes the wf documents
          // reference, laid out back to back from byte 0 (nothing appended by
          // the dead attempt).
          const names = readdirSync(dir);
          expect(names).toHaveLength(4);
          for (const f of names) {
            const mine = out.filter((x) => x.dfile === f).sort((a, b) => Number(a.foff) - Number(b.foff));
            expect(mine.length).toBeGreaterThan(0);
            let at = 0;
            for (const x of mine) {
              expect(Number(x.foff)).toBe(at);
              at += Number(x.nbytes);
            }
            expect(statSync(join(dir, f)).size).toBe(at);
          }
        } else {
          expect(existsSync(dir)).toBe(false);
        }
        const back = (await d.readData(ids[3] as ObjectId)) as TimeSeries;
        expect(back.live).toBe(true);
        expect(back.npts).toBe(50);
      } finally {
        rmSync(marker, { force: true });
        await s.close();
        await d.dropDatabase();
      }
    },
    120_000,
  );
});
