/**
 * End to end, side by side with the real MsPASS, on ONE throw-away server,
 * the same data, interleaved rounds (which side goes first alternates), and
 * the floor measured in the same run:
 *
 * - atomic: readDistributedData(db, query) → map(demean) → writeDistributedData,
 *   2 worker threads; MsPASS: read_distributed_data → map → write_distributed_data
 *   on a dask LocalCluster of 2 processes × 1 thread (bench/mspasspy_e2e.py);
 * - ensembles: 100 queries of 40 members (a list of queries), demean, written back;
 * - serial: the tutorial loop readData(doc) → demean → saveData, one datum at a time;
 * - seismic: atomic with 3-C Seismograms (wf_Seismogram; BENCH_SEIS_N of them, default N/4);
 * - mseed ("mseed-file"): index 50 miniSEED files written by obspy (40 channels of NPTS samples each),
 *   bulkNormalize against 1,000 channel epochs, read wf_miniseed as one ensemble per file
 *   (bench/e2e-mseed.ts; its floor is there too).
 *
 * Each in "file" and/or "gridfs" storage. The floor of a workload is what the
 * server and the disk need for the same documents and bytes, one after
 * another: one find of the wf documents (raw BSON, nothing decoded), their
 * insertMany in npartitions batches, and the samples read and written once
 * (file: the files' bytes; GridFS: the chunk documents found raw and inserted).
 *
 *   npm run build:ts && npx tsc -p bench/tsconfig.json && node bench/out/e2e.bench.js
 * BENCH_N may list sizes ("2000,20000"): each workload then runs at every size in
 * the same rounds, for the time-vs-data ratio from one run.
 *
 *   env: BENCH_N (4000 TimeSeries), BENCH_NPTS (10000), BENCH_ROUNDS (3), BENCH_PARTS (16; 0: readDistributedData's default),
 *        BENCH_WORKLOADS (atomic-file,atomic-gridfs,ensembles-file,serial-file), BENCH_SERIAL_N (2000), BENCH_SEIS_N (N/4),
 *        BENCH_PYTHON (/tmp/mspass-venv/bin/python; "" skips the MsPASS side), BENCH_SIDES (ours,mspasspy,floor);
 *        the miniSEED input is written with the obspy of MSPASS_OBSPY_VENV, else of BENCH_PYTHON
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { BSON, MongoClient, ObjectId, type Document } from "mongodb";
import {
  Client,
  LocalScheduler,
  MongoDBWorker,
  Seismogram,
  TimeSeries,
  TimeSeriesEnsemble,
  readDistributedData,
  task,
  writeDistributedData,
} from "mspass";
import { startThrowawayServer } from "./throwaway-server.js";
import { GROUP, saveInputs } from "./e2e-inputs.js";
import { demean } from "./e2e-tasks.js";
import {
  MSEED_FILES,
  MSEED_TRACES,
  cleanupMseed,
  floorMseed,
  oursMseed,
  prepareMseed,
  type MseedInput,
} from "./e2e-mseed.js";

const SIZES = (process.env.BENCH_N ?? "4000").split(",").map(Number);
const NPTS = Number(process.env.BENCH_NPTS ?? 10_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const PARTS = Number(process.env.BENCH_PARTS ?? 16);
const SERIAL_N = Number(process.env.BENCH_SERIAL_N ?? 2000);
const SEIS_N = process.env.BENCH_SEIS_N === undefined ? undefined : Number(process.env.BENCH_SEIS_N);
const seisCount = (n: number) => SEIS_N ?? Math.ceil(n / 4);
const WORKLOADS = (
  process.env.BENCH_WORKLOADS ?? "atomic-file,atomic-gridfs,ensembles-file,serial-file"
).split(",");
const SIDES = new Set((process.env.BENCH_SIDES ?? "ours,mspasspy,floor").split(","));
const PYTHON = process.env.BENCH_PYTHON ?? "/tmp/mspass-venv/bin/python";
const PY_SCRIPT = fileURLToPath(new URL("../mspasspy_e2e.py", import.meta.url));
const TASKS = new URL("./e2e-tasks.js", import.meta.url);
const DB = "bench_e2e";

type Storage = "file" | "gridfs";
type Kind = "atomic" | "ensembles" | "serial" | "seismic" | "mseed";
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const secs = (ms: number) => +(ms / 1000).toFixed(2);
const stageSecs = (st: Record<string, number>, unit = 1000) =>
  Object.fromEntries(Object.entries(st).map(([k, v]) => [k.replace(/(Ms|S)$/, ""), +(v / unit).toFixed(2)]));

const server = await startThrowawayServer("e2e");
const uri = server.uri;
const work = join(tmpdir(), `mspass-bench-e2e-${process.pid}`);
mkdirSync(work, { recursive: true });
const client = await Client.connect({ databaseHost: uri, scheduler: "none" });
// One database per size: a query on FerretDB v1 scans its whole collection, so sizes must not share one.
const dbName = (n: number) => `${DB}_${n}`;
const dbs = new Map(SIZES.map((n) => [n, client.getDatabase(dbName(n))]));
for (const d of dbs.values()) await d.dropDatabase();
const raw = new MongoClient(uri);
const rdbOf = (n: number) => raw.db(dbName(n));
const pyOk = PYTHON !== "" && SIDES.has("mspasspy") && existsSync(PYTHON);

// ---------------------------------------------------------------- inputs (not timed)
/** Save the inputs of a workload kind at size N, tagged `${prefix}_${storage}_${N}`. */
async function saveAll(N: number, storage: Storage, seismic: boolean): Promise<void> {
  const prefix = seismic ? "seis" : "in";
  const count = seismic ? seisCount(N) : N;
  const t0 = performance.now();
  await saveInputs(dbs.get(N)!, {
    count,
    npts: NPTS,
    seismic,
    storage,
    dataTag: `${prefix}_${storage}_${N}`,
    dir: join(work, `${prefix}${N}`),
  });
  const what = seismic ? `Seismograms of 3 × ${NPTS}` : `TimeSeries of ${NPTS}`;
  console.log(`setup: ${count} ${what} samples in ${storage} mode, ${secs(performance.now() - t0)} s`);
}

const inputs = new Set(
  WORKLOADS.filter((w) => !w.startsWith("mseed")).map(
    (w) => `${w.startsWith("seismic") ? "seis" : "in"}-${w.split("-")[1]}`,
  ),
);
for (const key of inputs)
  for (const N of SIZES) await saveAll(N, key.split("-")[1] as Storage, key.startsWith("seis"));
// The ensembles' key is indexed, as a workflow that reads ensembles by evid would have it (on mongod too).
if (WORKLOADS.some((w) => w.startsWith("ensembles")))
  for (const N of SIZES) await rdbOf(N).collection("wf_TimeSeries").createIndex({ evid: 1 });
const obspyPython = process.env.MSPASS_OBSPY_VENV
  ? join(process.env.MSPASS_OBSPY_VENV, "bin", "python")
  : PYTHON;
const mseedInputs = new Map<number, MseedInput>();
if (WORKLOADS.some((w) => w.startsWith("mseed")))
  for (const N of SIZES) {
    const t0 = performance.now();
    mseedInputs.set(N, await prepareMseed(rdbOf(N), join(work, `mseed${N}`), obspyPython, NPTS));
    const m = mseedInputs.get(N)!;
    console.log(
      `setup: ${m.files.length} miniSEED files × ${MSEED_TRACES} channels of ${NPTS} samples (${(m.bytes / 1e6).toFixed(1)} MB), ${secs(performance.now() - t0)} s`,
    );
  }

const s = await LocalScheduler.start({ nworkers: 2, dashboard: false });
await s.registerPlugin(new MongoDBWorker(client), { name: "mongodb_worker" });
const dm = task<(d: TimeSeries) => TimeSeries>(TASKS, "demean");
const dmSeis = task<(d: Seismogram) => Seismogram>(TASKS, "demeanSeismogram");
const dmEns = task<(e: TimeSeriesEnsemble) => TimeSeriesEnsemble>(TASKS, "demeanEnsemble");

interface Workload {
  name: string;
  n: number;
  kind: Kind;
  storage: Storage;
  query: Document;
  count: number;
}
const workloads: Workload[] = WORKLOADS.flatMap((base) =>
  SIZES.map((n) => {
    const [kind, storage] = base.split("-") as [Kind, Storage];
    const name = SIZES.length > 1 ? `${base}-${n}` : base;
    return {
      name,
      n,
      kind,
      storage,
      query: { data_tag: `${kind === "seismic" ? "seis" : "in"}_${storage}_${n}` },
      count:
        kind === "serial"
          ? Math.min(SERIAL_N, n)
          : kind === "seismic"
            ? seisCount(n)
            : kind === "mseed"
              ? MSEED_FILES * MSEED_TRACES
              : n,
    };
  }),
);

const wfOf = (w: Workload) => (w.kind === "seismic" ? "wf_Seismogram" : "wf_TimeSeries");

async function cleanup(w: Workload, tag: string): Promise<void> {
  const rdb = rdbOf(w.n);
  if (w.kind === "mseed") return cleanupMseed(rdb);
  const out = await rdb
    .collection(wfOf(w))
    .find({ data_tag: tag }, { projection: { gridfs_id: 1 } })
    .toArray();
  const files = out.map((d) => d.gridfs_id).filter((x) => x !== undefined);
  if (files.length > 0) {
    await rdb.collection("fs.chunks").deleteMany({ files_id: { $in: files } });
    await rdb.collection("fs.files").deleteMany({ _id: { $in: files } });
  }
  await rdb.collection(wfOf(w)).deleteMany({ data_tag: tag });
  rmSync(join(work, "out"), { recursive: true, force: true });
}

async function ours(w: Workload, tag: string): Promise<number> {
  const db = dbs.get(w.n)!;
  const dir = join(work, "out");
  const opts = {
    storageMode: w.storage,
    dataTag: tag,
    scheduler: s,
    ...(w.storage === "file" ? { dir } : {}),
  } as const;
  if (w.kind === "mseed") {
    const r = await oursMseed(db, rdbOf(w.n), s, mseedInputs.get(w.n)!);
    if (r.n !== w.count) throw new Error(`${w.name}: mspass read ${r.n} of ${w.count}`);
    console.log(`${w.name}: mspass stages (s)`, stageSecs(r.stages));
    return r.ms;
  }
  const t0 = performance.now();
  let n = 0;
  if (w.kind === "atomic" || w.kind === "seismic") {
    const seis = w.kind === "seismic";
    const read = await readDistributedData(db, {
      query: w.query,
      ...(seis ? { collection: "wf_Seismogram" } : {}),
      ...(PARTS > 0 ? { npartitions: PARTS } : {}),
    });
    const bag = seis ? read.map(dmSeis) : read.map(dm);
    n = (await writeDistributedData(bag, db, { ...opts, ...(seis ? { collection: "wf_Seismogram" } : {}) }))
      .length;
  } else if (w.kind === "ensembles") {
    const queries = Array.from({ length: Math.ceil(w.n / GROUP) }, (_x, e) => ({ ...w.query, evid: e }));
    const bag = (await readDistributedData(queries, { db, listOf: "queries", sortClause: { sta: 1 } })).map(
      dmEns,
    );
    n = ((await writeDistributedData(bag, db, opts)) as unknown[][]).reduce((a, x) => a + x.length, 0);
  } else {
    for await (const doc of db.wf_TimeSeries.find(w.query, { limit: w.count })) {
      const d = demean((await db.readData(doc)) as TimeSeries);
      await db.saveData(d, {
        storageMode: w.storage,
        dataTag: tag,
        ...(w.storage === "file" ? { dir, dfile: "serial-out" } : {}),
      });
      n++;
    }
  }
  const ms = performance.now() - t0;
  if (n !== w.count) throw new Error(`${w.name}: mspass wrote ${n} of ${w.count}`);
  return ms;
}

function mspasspy(w: Workload, tag: string): number {
  const spec = {
    uri,
    db: dbName(w.n),
    workload: w.kind === "seismic" ? "atomic" : w.kind,
    collection: wfOf(w),
    storage_mode: w.storage,
    outdir: join(work, "out"),
    out_tag: tag,
    // MsPASS's default for a list of queries (one partition per query); ours for a list is the same.
    npartitions: w.kind === "ensembles" || PARTS === 0 ? null : PARTS,
    queries: Array.from({ length: Math.ceil(w.n / GROUP) }, (_x, e) => ({ ...w.query, evid: e })),
    query: w.kind === "serial" ? { ...w.query, k: { $lt: w.count } } : w.query,
    ...(w.kind === "mseed" ? { dir: mseedInputs.get(w.n)!.dir, files: mseedInputs.get(w.n)!.files } : {}),
  };
  const r = spawnSync(PYTHON, [PY_SCRIPT, JSON.stringify(spec)], { encoding: "utf8", maxBuffer: 1 << 26 });
  const line = r.stdout.trim().split("\n").pop() ?? "";
  let out: { seconds: number; n: number; stages?: Record<string, number> };
  try {
    out = JSON.parse(line) as typeof out;
  } catch {
    throw new Error(`${w.name}: mspasspy failed (status ${r.status}):\n${r.stderr.slice(-3000)}`);
  }
  if (out.n !== w.count) throw new Error(`${w.name}: mspasspy wrote ${out.n} of ${w.count}`);
  if (out.stages) console.log(`${w.name}: mspasspy stages (s)`, stageSecs(out.stages, 1));
  return out.seconds * 1000;
}

/** The floor, step by step (ms): find raw, insertMany, samples read, samples written. */
async function floor(w: Workload): Promise<Record<string, number>> {
  const rdb = rdbOf(w.n);
  if (w.kind === "mseed") return floorMseed(rdb, mseedInputs.get(w.n)!);
  const coll = rdb.collection(wfOf(w));
  const q = w.kind === "serial" ? { ...w.query, k: { $lt: w.count } } : w.query;
  let t0 = performance.now();
  const found = await coll.find(q, { raw: true, batchSize: 10_000 }).toArray();
  const findMs = performance.now() - t0;
  const docs: Document[] = found.map((b) => {
    const { _id, ...rest } = BSON.deserialize(b as unknown as Uint8Array);
    return { ...rest, data_tag: "floor" };
  });
  const batch = Math.ceil(docs.length / (w.kind === "serial" ? docs.length : PARTS));
  t0 = performance.now();
  for (let i = 0; i < docs.length; i += batch)
    await coll.insertMany(docs.slice(i, i + batch), { ordered: false });
  const insertMs = performance.now() - t0;
  await coll.deleteMany({ data_tag: "floor" });
  let readMs = 0;
  let writeMs = 0;
  if (w.storage === "file") {
    const dfiles = [...new Set(docs.map((d) => join(d.dir as string, d.dfile as string)))];
    mkdirSync(join(work, "floor"), { recursive: true });
    for (const [i, f] of dfiles.entries()) {
      t0 = performance.now();
      const bytes = readFileSync(f);
      readMs += performance.now() - t0;
      t0 = performance.now();
      writeFileSync(join(work, "floor", `f${i}`), bytes);
      writeMs += performance.now() - t0;
    }
    rmSync(join(work, "floor"), { recursive: true, force: true });
  } else {
    const chunks = rdb.collection("fs.chunks");
    const ids = docs.map((d) => d.gridfs_id);
    // In slices of a partition's files: the chunks are never all in memory.
    for (let i = 0; i < ids.length; i += batch) {
      t0 = performance.now();
      const got = await chunks.find({ files_id: { $in: ids.slice(i, i + batch) } }, { raw: true }).toArray();
      readMs += performance.now() - t0;
      // Copies under new file ids: fs.chunks has GridFS's unique {files_id, n} index.
      const fresh = new Map<string, ObjectId>();
      const copies = got.map((b) => {
        const { _id, files_id, ...rest } = BSON.deserialize(b as unknown as Uint8Array);
        const key = String(files_id);
        if (!fresh.has(key)) fresh.set(key, new ObjectId());
        return { ...rest, files_id: fresh.get(key), floor: 1 };
      });
      t0 = performance.now();
      await chunks.insertMany(copies, { ordered: false });
      writeMs += performance.now() - t0;
    }
    await chunks.deleteMany({ floor: 1 });
  }
  return { findMs, insertMs, readMs, writeMs, totalMs: findMs + insertMs + readMs + writeMs };
}

// ---------------------------------------------------------------- rounds
const times: Record<string, { ours: number[]; mspasspy: number[]; floor: number[] }> = {};
for (let r = 0; r < ROUNDS; r++) {
  for (const w of workloads) {
    const t = (times[w.name] ??= { ours: [], mspasspy: [], floor: [] });
    const sides = ["ours", ...(pyOk ? ["mspasspy"] : [])];
    if (r % 2 === 1) sides.reverse();
    for (const side of sides) {
      const tag = `out_${side}_${r}`;
      if (side === "ours") t.ours.push(await ours(w, tag));
      else t.mspasspy.push(mspasspy(w, tag));
      await cleanup(w, tag);
    }
    if (SIDES.has("floor")) {
      const f = await floor(w);
      t.floor.push(f.totalMs);
      console.log(
        `round ${r + 1} ${w.name}: floor (s)`,
        Object.fromEntries(Object.entries(f).map(([k, v]) => [k.replace(/Ms$/, ""), secs(v)])),
      );
    }
    console.log(
      `round ${r + 1} ${w.name}: mspass ${secs(t.ours.at(-1)!)} s` +
        (pyOk ? `, mspasspy ${secs(t.mspasspy.at(-1)!)} s` : ""),
    );
  }
}

const report: Record<string, unknown> = {
  date: new Date().toISOString(),
  machine: `${cpus().length} cpus (${cpus()[0]?.model ?? "?"}), ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}`,
  N: SIZES.join(","),
  NPTS,
  ROUNDS,
  PARTS,
};
for (const [name, t] of Object.entries(times)) {
  const o = median(t.ours);
  const row: Record<string, unknown> = { mspassS: secs(o) };
  if (t.mspasspy.length > 0) {
    row.mspasspyS = secs(median(t.mspasspy));
    row.speedup = +(median(t.mspasspy) / o).toFixed(2);
  }
  if (t.floor.length > 0) {
    row.floorS = secs(median(t.floor));
    row.overFloor = +(o / median(t.floor)).toFixed(2);
  }
  report[name] = row;
}
report.peakRssMB = Math.round(process.resourceUsage().maxRSS / 1024);
console.log(JSON.stringify(report, null, 2));

await s.close();
await client.close();
await raw.close();
rmSync(work, { recursive: true, force: true });
await server.stop();
