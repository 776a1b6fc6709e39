/**
 * Ensemble I/O benchmark (issue 3): read and save a 1,000-member
 * TimeSeriesEnsemble of 10,000 samples each (80 MB of samples) in file mode
 * and in GridFS mode, native core vs the plain-TypeScript baseline
 * (bench/baseline-reader.ts) vs the floor (only fetching the same bytes),
 * all in one run; then peak RSS of one read per variant, each in its own
 * child process.
 *
 *   npm run build && tsc -p bench/tsconfig.json && node bench/out/ensemble-io.bench.js
 *
 * Options: --members=N --npts=N --gridfs-members=N --iterations=N --skip-save
 * --skip-rss. The server is MSPASS_BENCH_DB_URI, else a throw-away FerretDB
 * from .bin/ferretdb.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { open } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { BSON, MongoClient, ObjectId, type Db, type Document } from "mongodb";
import { Bench } from "tinybench";
import { startThrowawayServer } from "./throwaway-server.js";
import { benchArgs, loadNative } from "./bench-env.js";
import {
  baselineReadDocs,
  baselineReadEnsemble,
  baselineWriteFile,
  baselineWriteGridfs,
} from "./baseline-reader.js";

const native = await loadNative();

const args = benchArgs();
const MEMBERS = Number(args.get("members") ?? 1000);
const NPTS = Number(args.get("npts") ?? 10_000);
const GRIDFS_MEMBERS = Number(args.get("gridfs-members") ?? MEMBERS);
const ITER = Number(args.get("iterations") ?? 7);
// FerretDB v1 needs seconds per 80 MB GridFS read or save: fewer iterations there.
const GRIDFS_ITER = Number(args.get("gridfs-iterations") ?? 3);
const WF = "wf_TimeSeries";
const FILE_DB = "bench_ens_file";
const GRIDFS_DB = "bench_ens_gridfs";
const SORT = { k: 1 } as const;
const one = (d: object) => Buffer.from(BSON.serialize(d));

function makeMembers(n: number): Float64Array[] {
  return Array.from({ length: n }, (_, k) => {
    const a = new Float64Array(NPTS);
    for (let i = 0; i < NPTS; i++) a[i] = Math.sin(i * 0.01 + k) * 1000 + k;
    return a;
  });
}

// ------------------------------------------------------------------ server

// ------------------------------------------------------------------ the read variants

interface Ctx {
  uri: string;
  db: (name: string) => Db;
  dir: string;
  dfile: string;
  /** byte range of the ensemble in its file, for the floor */
  fileBytes: number;
  gridfsIds: ObjectId[];
  /** The file-mode wf docs, fetched once: as the driver returns them and as BSON. */
  fileDocs?: Document[];
  fileDocsBson?: Buffer;
}

/** What readData(cursor) will do: one native call, then decode the docs and take member views. */
async function nativeRead(ctx: Ctx, dbName: string): Promise<number> {
  const r = await native.readEnsemble(ctx.uri, dbName, WF, one({}), { sort: one(SORT) });
  let n = 0;
  for (let i = 0; i + 1 < r.docOffsets.length; i++) {
    const doc = BSON.deserialize(r.docs.subarray(r.docOffsets[i], r.docOffsets[i + 1]));
    const data = r.samples.subarray(r.offsets[i], r.offsets[i] + r.lengths[i]);
    if (r.errors[i] == null && doc.npts === data.length) n++;
  }
  return n;
}

async function baselineRead(ctx: Ctx, dbName: string): Promise<number> {
  const r = await baselineReadEnsemble(ctx.db(dbName), WF, {}, SORT);
  return r.data.filter((d, i) => d !== null && d.length === r.docs[i].npts).length;
}

/** Floor, file mode: only reading the ensemble's bytes from its file into one buffer. */
async function floorFile(ctx: Ctx): Promise<number> {
  const all = new Float64Array(ctx.fileBytes / 8);
  const bytes = new Uint8Array(all.buffer);
  const fh = await open(join(ctx.dir, ctx.dfile), "r");
  let got = 0;
  while (got < bytes.length) got += (await fh.read(bytes, got, bytes.length - got, got)).bytesRead;
  await fh.close();
  return got;
}

/** Floor, GridFS mode: only fetching the raw chunk documents (one $in query, no decoding). */
async function floorGridfs(ctx: Ctx): Promise<number> {
  let bytes = 0;
  const cursor = ctx
    .db(GRIDFS_DB)
    .collection("fs.chunks")
    .find(
      { files_id: { $in: ctx.gridfsIds } },
      { raw: true, projection: { _id: 0, files_id: 1, n: 1, data: 1 } },
    );
  for await (const raw of cursor) bytes += (raw as unknown as Buffer).length;
  return bytes;
}

/** The sample I/O alone, file mode: the wf docs are already in hand (readData(list of docs)). */
async function nativeReadDocs(ctx: Ctx): Promise<number> {
  const r = await native.readSamples(ctx.uri, FILE_DB, ctx.fileDocsBson!);
  let n = 0;
  for (let i = 0; i < r.offsets.length; i++) {
    if (r.errors[i] == null && r.samples.subarray(r.offsets[i], r.offsets[i] + r.lengths[i]).length === NPTS)
      n++;
  }
  return n;
}

async function baselineReadDocsInHand(ctx: Ctx): Promise<number> {
  const r = await baselineReadDocs(ctx.db(FILE_DB), ctx.fileDocs!);
  return r.data.filter((d) => d !== null && d.length === NPTS).length;
}

async function wfQueryOnly(ctx: Ctx, dbName: string): Promise<number> {
  return (await ctx.db(dbName).collection(WF).find({}).sort(SORT).toArray()).length;
}

const READS: Record<string, (ctx: Ctx) => Promise<number>> = {
  "file: native readEnsemble": (c) => nativeRead(c, FILE_DB),
  "file: baseline (TS + driver)": (c) => baselineRead(c, FILE_DB),
  "file: floor (read the bytes)": floorFile,
  "file: wf query only (driver)": (c) => wfQueryOnly(c, FILE_DB),
  "file, docs in hand: native readSamples": nativeReadDocs,
  "file, docs in hand: baseline readDocs": baselineReadDocsInHand,
  "gridfs: native readEnsemble": (c) => nativeRead(c, GRIDFS_DB),
  "gridfs: baseline (TS + driver)": (c) => baselineRead(c, GRIDFS_DB),
  "gridfs: floor (fetch raw chunks)": floorGridfs,
};

async function loadFileDocs(ctx: Ctx): Promise<void> {
  ctx.fileDocs = await ctx.db(FILE_DB).collection(WF).find({}).sort(SORT).toArray();
  ctx.fileDocsBson = Buffer.concat(ctx.fileDocs.map((d) => BSON.serialize(d)));
}

// ------------------------------------------------------------------ RSS child

/** A /proc/self/status memory figure, in bytes. */
function procStatus(key: string): number {
  const line = readFileSync("/proc/self/status", "utf8")
    .split("\n")
    .find((l) => l.startsWith(key + ":"));
  if (!line) throw new Error(`no ${key} in /proc/self/status`);
  return Number(line.split(/\s+/)[1]) * 1024;
}

async function rssChild(variant: string, ctxJson: string): Promise<void> {
  const c = JSON.parse(ctxJson) as Omit<Ctx, "db" | "gridfsIds"> & { gridfsIds: string[] };
  const client = await MongoClient.connect(c.uri);
  const ctx: Ctx = { ...c, db: (n) => client.db(n), gridfsIds: c.gridfsIds.map((i) => new ObjectId(i)) };
  await loadFileDocs(ctx);
  await native.connect(c.uri);
  // Warm the code paths on a tiny query so the measured peak is the read's.
  await native.readEnsemble(c.uri, FILE_DB, WF, one({ k: -1 }));
  await ctx.db(FILE_DB).collection(WF).findOne({ k: -1 });
  (globalThis as { gc?: () => void }).gc?.();
  // getrusage's maxRSS survives fork+exec (it starts at the parent's RSS), so
  // use the process's own high-water mark, reset just before the read
  // ("5" > clear_refs, Linux >= 4.0).
  try {
    writeFileSync("/proc/self/clear_refs", "5");
  } catch {
    /* older kernel: the high-water mark then includes start-up */
  }
  const before = procStatus("VmRSS");
  const n = await READS[variant](ctx);
  const peak = procStatus("VmHWM");
  process.stdout.write(JSON.stringify({ variant, n, before, peak, delta: peak - before }) + "\n");
  await client.close();
  process.exit(0);
}

// ------------------------------------------------------------------ main

function median(task: { result: unknown }): number {
  const r = task.result as { latency?: { p50: number } };
  return r.latency?.p50 ?? NaN;
}

async function main(): Promise<void> {
  const server = await startThrowawayServer("ensemble");
  const client = await MongoClient.connect(server.uri);
  const db = (n: string) => client.db(n);
  const dir = mkdtempSync(join(tmpdir(), "mspass-bench-files-"));
  const sampleBytes = MEMBERS * NPTS * 8;
  console.log(
    `# ensemble I/O: ${MEMBERS} members x ${NPTS} samples (${(sampleBytes / 1e6).toFixed(0)} MB) file mode; ` +
      `${GRIDFS_MEMBERS} members GridFS; server ${server.uri}`,
  );

  // Set up: one file with the whole ensemble, its wf docs; the GridFS copy and its wf docs.
  const members = makeMembers(MEMBERS);
  for (const n of [FILE_DB, GRIDFS_DB]) await db(n).dropDatabase();
  const dfile = "ensemble-binary";
  let t = performance.now();
  const w = await native.writeFileSamples(dir, dfile, members, 1);
  await db(FILE_DB)
    .collection(WF)
    .insertMany(
      w.foffs.map((foff, k) => ({
        k,
        npts: NPTS,
        delta: 0.01,
        starttime: k,
        storage_mode: "file",
        format: "binary",
        dir,
        dfile,
        foff,
        nbytes: NPTS * 8,
      })),
    );
  console.log(`setup file mode ${(performance.now() - t).toFixed(0)} ms`);
  t = performance.now();
  const gmembers = members.slice(0, GRIDFS_MEMBERS);
  const ids = (await native.writeGridfsSamples(server.uri, GRIDFS_DB, gmembers)).map((i) => new ObjectId(i));
  await db(GRIDFS_DB)
    .collection(WF)
    .insertMany(
      ids.map((gridfs_id, k) => ({
        k,
        npts: NPTS,
        delta: 0.01,
        starttime: k,
        storage_mode: "gridfs",
        gridfs_id,
      })),
    );
  console.log(`setup GridFS mode ${(performance.now() - t).toFixed(0)} ms`);
  const ctx: Ctx = { uri: server.uri, db, dir, dfile, fileBytes: sampleBytes, gridfsIds: ids };
  await loadFileDocs(ctx);

  // Every variant must fetch the whole ensemble before it is timed.
  const expect: Record<string, number> = {
    "file: floor (read the bytes)": sampleBytes,
    "gridfs: floor (fetch raw chunks)": -1,
    "file: wf query only (driver)": MEMBERS,
  };
  for (const [name, fn] of Object.entries(READS)) {
    const got = await fn(ctx);
    const want = expect[name] ?? (name.startsWith("gridfs") ? GRIDFS_MEMBERS : MEMBERS);
    if (want >= 0 && got !== want) throw new Error(`${name}: got ${got}, expected ${want}`);
    if (want < 0 && got < GRIDFS_MEMBERS * NPTS * 8) throw new Error(`${name}: fetched ${got} bytes`);
  }

  // Interleaved rounds: each round runs every task once (A, B, C, A, B, C,
  // ...), so load from other jobs on the shared 2 cores drifts over all
  // variants alike and the ratios stay meaningful; one unrecorded warm-up
  // round first. Medians over rounds.
  type Task = { name: string; fn: () => Promise<void>; after?: () => unknown };
  async function rounds(title: string, tasks: Task[], n: number): Promise<Record<string, number>> {
    const samples = new Map<string, number[]>(tasks.map((t) => [t.name, []]));
    for (let r = 0; r <= n; r++) {
      const b = new Bench({ name: title, iterations: 1, time: 0, warmup: false });
      for (const t of tasks)
        b.add(
          t.name,
          t.fn,
          t.after
            ? {
                afterEach: async () => {
                  await t.after!();
                },
              }
            : {},
        );
      await b.run();
      if (r > 0) for (const task of b.tasks) samples.get(task.name)!.push(median(task));
    }
    const med: Record<string, number> = {};
    const rows = tasks.map((t) => {
      const v = [...samples.get(t.name)!].sort((a, c) => a - c);
      med[t.name] = v[Math.floor((v.length - 1) / 2)];
      return {
        task: t.name,
        "median ms": med[t.name].toFixed(1),
        "min ms": v[0].toFixed(1),
        "max ms": v[v.length - 1].toFixed(1),
        rounds: v.length,
      };
    });
    console.log(`\n${title}`);
    console.table(rows);
    return med;
  }
  const only = args.get("only");
  const readTasks = (prefix: (n: string) => boolean): Task[] =>
    Object.entries(READS)
      .filter(([name]) => prefix(name) && (!only || name.includes(only)))
      .map(([name, fn]) => ({
        name,
        fn: async () => {
          await fn(ctx);
        },
      }));
  const m: Record<string, number> = {
    ...(await rounds(
      "ensemble read, file mode",
      readTasks((n) => n.startsWith("file")),
      ITER,
    )),
    ...(await rounds(
      "ensemble read, GridFS mode",
      readTasks((n) => n.startsWith("gridfs")),
      GRIDFS_ITER,
    )),
  };

  let s: Record<string, number> = {};
  if (!args.has("skip-save")) {
    let seq = 0;
    const cleanFile = () => {
      try {
        unlinkSync(join(dir, `save-${seq}`));
      } catch {
        /* not written */
      }
    };
    const cleanDb = () => db(`bench_save_${seq}`).dropDatabase();
    s = {
      ...(await rounds(
        "ensemble save, file mode",
        [
          {
            name: "file: native writeFileSamples",
            fn: async () => {
              await native.writeFileSamples(dir, `save-${++seq}`, members, 1);
            },
            after: cleanFile,
          },
          {
            name: "file: baseline (fs writev)",
            fn: async () => {
              await baselineWriteFile(dir, `save-${++seq}`, members);
            },
            after: cleanFile,
          },
        ],
        ITER,
      )),
      ...(await rounds(
        "ensemble save, GridFS mode",
        [
          {
            name: "gridfs: native writeGridfsSamples",
            fn: async () => {
              await native.writeGridfsSamples(server.uri, `bench_save_${++seq}`, gmembers);
            },
            after: cleanDb,
          },
          {
            name: "gridfs: baseline (driver insertMany)",
            fn: async () => {
              await baselineWriteGridfs(db(`bench_save_${++seq}`), gmembers);
            },
            after: cleanDb,
          },
        ],
        GRIDFS_ITER,
      )),
    };
  }

  const rss: Record<string, { delta: number }> = {};
  if (!args.has("skip-rss")) {
    const ctxJson = JSON.stringify({
      uri: server.uri,
      dir,
      dfile,
      fileBytes: sampleBytes,
      gridfsIds: ids.map((i) => i.toHexString()),
    });
    for (const variant of [
      "file: native readEnsemble",
      "file: baseline (TS + driver)",
      "file, docs in hand: native readSamples",
      "file, docs in hand: baseline readDocs",
      "gridfs: native readEnsemble",
      "gridfs: baseline (TS + driver)",
    ]) {
      const r = spawnSync(
        process.execPath,
        ["--expose-gc", fileURLToPath(import.meta.url), `--child=${variant}`, `--ctx=${ctxJson}`],
        { encoding: "utf8" },
      );
      const line = r.stdout.trim().split("\n").pop() ?? "";
      if (r.status !== 0 || !line.startsWith("{"))
        throw new Error(`RSS child ${variant} failed: ${r.stderr}`);
      rss[variant] = JSON.parse(line);
    }
  }

  // The summary that goes into bench/RESULTS.md.
  const ms = (v: number) => (Number.isFinite(v) ? v.toFixed(1) : "-");
  const x = (a: number, b: number) =>
    Number.isFinite(a) && Number.isFinite(b) ? (a / b).toFixed(2) + "x" : "-";
  const gBytes = GRIDFS_MEMBERS * NPTS * 8;
  console.log("\n## summary (medians, ms)\n");
  console.log(
    "| mode | native | baseline | floor | baseline/native | native/floor | peak RSS native (x samples) | peak RSS baseline (x samples) |",
  );
  console.log("|---|---|---|---|---|---|---|---|");
  const row = (mode: string, bytes: number, floorName: string) => {
    const nat = m[`${mode}: native readEnsemble`],
      base = m[`${mode}: baseline (TS + driver)`],
      fl = m[floorName];
    const rn = rss[`${mode}: native readEnsemble`],
      rb = rss[`${mode}: baseline (TS + driver)`];
    console.log(
      `| ${mode} read | ${ms(nat)} | ${ms(base)} | ${ms(fl)} | ${x(base, nat)} | ${x(nat, fl)} | ` +
        `${rn ? (rn.delta / 1e6).toFixed(0) + " MB (" + (rn.delta / bytes).toFixed(2) + ")" : "-"} | ` +
        `${rb ? (rb.delta / 1e6).toFixed(0) + " MB (" + (rb.delta / bytes).toFixed(2) + ")" : "-"} |`,
    );
  };
  row("file", sampleBytes, "file: floor (read the bytes)");
  {
    const nat = m["file, docs in hand: native readSamples"],
      base = m["file, docs in hand: baseline readDocs"];
    const fl = m["file: floor (read the bytes)"];
    const rn = rss["file, docs in hand: native readSamples"],
      rb = rss["file, docs in hand: baseline readDocs"];
    console.log(
      `| file, docs in hand | ${ms(nat)} | ${ms(base)} | ${ms(fl)} | ${x(base, nat)} | ${x(nat, fl)} | ` +
        `${rn ? (rn.delta / 1e6).toFixed(0) + " MB (" + (rn.delta / sampleBytes).toFixed(2) + ")" : "-"} | ` +
        `${rb ? (rb.delta / 1e6).toFixed(0) + " MB (" + (rb.delta / sampleBytes).toFixed(2) + ")" : "-"} |`,
    );
  }
  row("gridfs", gBytes, "gridfs: floor (fetch raw chunks)");
  console.log(`\nwf query alone (driver, ${MEMBERS} docs): ${ms(m["file: wf query only (driver)"])} ms`);
  if (!args.has("skip-save")) {
    console.log(`\n| save | native | baseline | baseline/native |\n|---|---|---|---|`);
    for (const mode of ["file", "gridfs"]) {
      const nat = s[mode === "file" ? "file: native writeFileSamples" : "gridfs: native writeGridfsSamples"];
      const base = s[mode === "file" ? "file: baseline (fs writev)" : "gridfs: baseline (driver insertMany)"];
      console.log(`| ${mode} | ${ms(nat)} | ${ms(base)} | ${x(base, nat)} |`);
    }
  }

  for (const n of [FILE_DB, GRIDFS_DB]) await db(n).dropDatabase();
  await client.close();
  await native.shutdownPool(server.uri);
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}

const child = args.get("child");
if (child) await rssChild(child, args.get("ctx")!);
else await main();
