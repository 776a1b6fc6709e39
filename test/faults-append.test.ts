/**
 * Cross-process append safety of file-mode writes: two PROCESSES write into
 * one dir/dfile at the same time (saveData as binary and as miniSEED, then
 * writeDistributedData with each datum's own dfile); every wf document's foff/nbytes must point at its
 * own samples, nothing lost, nothing duplicated.
 */
import { spawn } from "node:child_process";
import { statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { Client, fromSequence, task, writeDistributedData, type RedisScheduler } from "mspass";
import { startCluster } from "./redis/cluster.js";
import { useTestDatabase } from "./helpers.js";

const WRITER_URL = new URL("./faults/append-writer.mjs", import.meta.url);
const WRITER = fileURLToPath(WRITER_URL);
const { uri, db, rdb, dir } = await useTestDatabase("faults_append");

function run(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [WRITER, ...args], { stdio: ["ignore", "inherit", "pipe"] });
    let err = "";
    p.stderr.on("data", (b: Buffer) => (err += b.toString()));
    p.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`writer exited ${code}: ${err}`))));
  });
}

/** Every document of `dfile` reads back its own samples: (writer, k) are encoded in the values. */
async function checkAll(dfile: string, writers: number, count: number): Promise<void> {
  const docs = await rdb.collection("wf_TimeSeries").find({ dfile }).toArray();
  expect(docs).toHaveLength(writers * count);
  const seen = new Set(docs.map((d) => `${d.writer}/${d.k}`));
  expect(seen.size).toBe(writers * count); // none duplicated, none lost
  const foffs = new Set(docs.map((d) => Number(d.foff)));
  expect(foffs.size).toBe(docs.length);
  // Nothing but the documents' bytes in the file: no overlap, no gap.
  expect(statSync(join(dir, dfile)).size).toBe(docs.reduce((n, d) => n + Number(d.nbytes), 0));
  const ens = await db.readData(db.wf_TimeSeries.find({ dfile }));
  let bad = 0;
  for (const m of ens.member) {
    const w = Number(m.md.get("writer"));
    const k = Number(m.md.get("k"));
    if (!m.live || m.data.some((v, i) => v !== w * 1e9 + k * 1e5 + i)) bad++;
  }
  expect(bad).toBe(0);
}

describe("two processes append to one dfile", () => {
  it("saveData from two processes: every foff points at its own bytes", async () => {
    await Promise.all([0, 1].map((w) => run([uri, db.name, dir, "shared-save", String(w), "200", "save"])));
    await checkAll("shared-save", 2, 200);
  }, 60_000);

  it("saveData as miniSEED from two processes: every foff points at its own records", async () => {
    await Promise.all([0, 1].map((w) => run([uri, db.name, dir, "shared-mseed", String(w), "200", "mseed"])));
    await checkAll("shared-mseed", 2, 200);
  }, 60_000);

  it("writeDistributedData from two processes (each datum's dfile): every foff points at its own bytes", async () => {
    await Promise.all(
      [0, 1].map((w) => run([uri, db.name, dir, "shared-dist", String(w), "200", "distributed"])),
    );
    await checkAll("shared-dist", 2, 200);
  }, 60_000);

  it("writeDistributedData on the Redis scheduler, two mspass worker processes, one dfile", async () => {
    const cluster = await startCluster({ workers: 2, nthreads: 2 });
    const client = await Client.connect({
      databaseHost: uri,
      scheduler: "redis",
      schedulerHost: cluster.url,
      dashboardPort: 0,
    });
    try {
      const s = client.getScheduler() as RedisScheduler;
      await s.waitForWorkers(2);
      const specs = Array.from({ length: 400 }, (_, k) => ({
        w: k % 2,
        k: Math.floor(k / 2),
        dir,
        dfile: "shared-redis",
      }));
      const bag = fromSequence(specs, { npartitions: 40 }).map(task(WRITER_URL, "make"));
      const ids = await writeDistributedData(bag, client.getDatabase(db.name), {
        storageMode: "file",
        scheduler: s,
      });
      expect(ids.every((x) => x !== null)).toBe(true);
      await checkAll("shared-redis", 2, 200);
    } finally {
      await client.close();
      await cluster.stop();
    }
  }, 90_000);
});
