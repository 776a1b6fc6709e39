/**
 * normalizeMseed at scale (issue 12): N wf_miniseed documents (default
 * 100,000) against 1,000 channel epochs (250 stations × 2 channels × 2
 * epochs), in the same run:
 * - cached + bulk: `normalizeMseed(db, {normalizeSite: false})` — one
 *   channel query into an in-memory index, `$set`s in one `update` command
 *   per `blocksize` (1,000) documents;
 * - naive loop (what "up to 100×" in MsPASS's docs is measured against):
 *   per document one MiniseedDBMatcher query and one updateOne, on a subset
 *   (--naive-docs, default 2,000) because it is slow on FerretDB v1,
 *   extrapolated linearly (the per-document cost does not depend on N);
 * - the cached path on the same subset, for an equal-size ratio.
 *
 *   npm run build:ts && npx tsc -p bench/tsconfig.json && node bench/out/normalize.bench.js
 *
 * Options: --docs=N --naive-docs=N --iterations=N. Server: MSPASS_BENCH_DB_URI,
 * else a throw-away FerretDB from .bin/ferretdb.
 */
import { Bench } from "tinybench";
import type { Document } from "mongodb";
import { startThrowawayServer } from "./throwaway-server.js";
import { benchArgs } from "./bench-env.js";
import { CHANS, STATIONS, channelEpochs } from "./channel-epochs.js";
import { Client, MiniseedDBMatcher, normalizeMseed, type Database } from "mspass";

const args = benchArgs();
const DOCS = Number(args.get("docs") ?? 100_000);
const NAIVE_DOCS = Number(args.get("naive-docs") ?? 2_000);
const ITER = Number(args.get("iterations") ?? 3);
/** wf_miniseed documents in MsPASS's shape (loc omitted when empty), spread over every channel epoch. */
function wfDocs(n: number, offset: number): Document[] {
  return Array.from({ length: n }, (_, j) => {
    const i = j + offset;
    const s = i % STATIONS;
    const chan = CHANS[Math.floor(i / STATIONS) % 2]!;
    const t0 = (Math.floor(i / (2 * STATIONS)) % 2 === 0 ? 1.55e9 : 1.7e9) + (i % 1000) * 3600;
    return {
      sta: `S${String(s).padStart(3, "0")}`,
      net: "XX",
      chan,
      sampling_rate: 40.0,
      delta: 0.025,
      starttime: t0,
      last_packet_time: t0 + 3500,
      foff: 0,
      nbytes: 4096 * 10,
      npts: 144_000,
      endtime: t0 + 3599.975,
      storage_mode: "file",
      format: "mseed",
      dir: "/data",
      dfile: `f${i % 100}.ms`,
      time_standard: "UTC",
    };
  });
}

async function fill(db: Database, coll: string, n: number): Promise<number> {
  const t = performance.now();
  for (let at = 0; at < n; at += 10_000)
    await db.collection(coll).insertMany(wfDocs(Math.min(10_000, n - at), at));
  return performance.now() - t;
}

async function reset(db: Database, coll: string): Promise<void> {
  await db.collection(coll).updateMany(
    {},
    {
      $unset: {
        channel_id: "",
        channel_starttime: "",
        channel_endtime: "",
        channel_hang: "",
        channel_vang: "",
      },
    },
  );
}

/** The naive loop: a DB query and an update per document. */
async function naive(db: Database, coll: string): Promise<number> {
  const m = new MiniseedDBMatcher(db, "channel", {
    attributesToLoad: ["_id", "starttime", "endtime", "hang", "vang"],
  });
  let hits = 0;
  // Drained first, as bulkNormalize does (FerretDB v1 stalls updates under an open multi-batch cursor).
  for (const doc of await db.collection(coll).find({}).toArray()) {
    const hit = await m.findDoc(doc);
    if (hit === null) continue;
    hits++;
    await db.collection(coll).updateOne({ _id: doc._id }, { $set: m.setDocument(hit) });
  }
  return hits;
}

const server = await startThrowawayServer("normalize");
const client = await Client.connect({ databaseHost: server.uri, scheduler: "none" });
const db = client.getDatabase("bench_normalize");
try {
  await db.dropDatabase();
  await db.channel.insertMany(channelEpochs());
  console.log(`channel epochs: ${await db.channel.countDocuments()}`);
  const insertMs = await fill(db, "wf_miniseed", DOCS);
  console.error(
    `inserted ${DOCS} wf_miniseed documents in ${(insertMs / 1000).toFixed(1)} s (${Math.round(DOCS / (insertMs / 1000))} docs/s)`,
  );
  await fill(db, "wf_small", NAIVE_DOCS);

  let lastFull: number[] = [];
  let lastNaive = 0;
  const bench = new Bench({ iterations: ITER, warmupIterations: 0, time: 0, warmupTime: 0 });
  bench
    .add(
      `cached + bulk, ${DOCS} docs`,
      async () => {
        lastFull = await normalizeMseed(db, { normalizeSite: false });
      },
      { beforeEach: () => reset(db, "wf_miniseed") },
    )
    .add(
      `cached + bulk, ${NAIVE_DOCS} docs`,
      async () => {
        await normalizeMseed(db, { normalizeSite: false, wfCol: "wf_small" });
      },
      { beforeEach: () => reset(db, "wf_small") },
    )
    .add(
      `naive loop, ${NAIVE_DOCS} docs`,
      async () => {
        lastNaive = await naive(db, "wf_small");
      },
      { beforeEach: () => reset(db, "wf_small") },
    );
  await bench.run();
  const med = (name: string) =>
    (bench.tasks.find((t) => t.name === name)!.result as { latency?: { p50: number } }).latency?.p50 ?? NaN;
  const full = med(`cached + bulk, ${DOCS} docs`);
  const small = med(`cached + bulk, ${NAIVE_DOCS} docs`);
  const nv = med(`naive loop, ${NAIVE_DOCS} docs`);
  console.table(bench.table());
  console.log(`result cached: ${JSON.stringify(lastFull)}; naive hits: ${lastNaive}/${NAIVE_DOCS}`);
  console.log(
    `cached+bulk ${DOCS}: median ${(full / 1000).toFixed(2)} s = ${Math.round(DOCS / (full / 1000))} docs/s`,
  );
  console.log(
    `cached+bulk ${NAIVE_DOCS}: median ${(small / 1000).toFixed(2)} s; naive ${NAIVE_DOCS}: median ${(nv / 1000).toFixed(2)} s; ratio at equal size ${(nv / small).toFixed(1)}x`,
  );
  const extrapolated = (nv / NAIVE_DOCS) * DOCS;
  console.log(
    `naive extrapolated to ${DOCS}: ${(extrapolated / 1000).toFixed(0)} s; ratio vs cached+bulk ${DOCS}: ${(extrapolated / full).toFixed(1)}x`,
  );
} finally {
  await db.dropDatabase().catch(() => {});
  await client.close();
  await server.stop();
}
