/**
 * readData / saveData at the API level (issue 3): what a user's
 * `db.readData(cursor)` and `db.saveData(ensemble)` cost on a 1,000-member
 * TimeSeriesEnsemble of 10,000 samples each (80 MB), in file and GridFS mode,
 * against — in the same run —
 * - the core alone (`native.readEnsemble` / `native.writeFileSamples` +
 *   `writeGridfsSamples` and a driver insertMany of the wf documents): the
 *   cost of building TimeSeries objects, schema modes and documents in
 *   TypeScript is the difference;
 * - the plain TypeScript baseline of bench/baseline-reader.ts (Node driver
 *   only), which builds no TimeSeries at all.
 *
 *   npm run build && npx tsc -p bench/tsconfig.json && node bench/out/readdata.bench.js
 *
 * Options: --members=N --npts=N --gridfs-members=N --iterations=N
 * --gridfs-iterations=N --skip-save. Server: MSPASS_BENCH_DB_URI, else a
 * throw-away FerretDB from .bin/ferretdb.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BSON, MongoClient, ObjectId, type Db, type Document } from "mongodb";
import { Bench } from "tinybench";
import { startThrowawayServer } from "./throwaway-server.js";
import { benchArgs, loadNative } from "./bench-env.js";
import { Client, TimeSeries, TimeSeriesEnsemble, type Database } from "mspass";
import { baselineReadEnsemble, baselineWriteFile, baselineWriteGridfs } from "./baseline-reader.js";

const native = await loadNative();

const args = benchArgs();
const MEMBERS = Number(args.get("members") ?? 1000);
const NPTS = Number(args.get("npts") ?? 10_000);
const GRIDFS_MEMBERS = Number(args.get("gridfs-members") ?? MEMBERS);
const ITER = Number(args.get("iterations") ?? 7);
const GRIDFS_ITER = Number(args.get("gridfs-iterations") ?? 3);
const WF = "wf_TimeSeries";
const FILE_DB = "bench_rd_file";
const GRIDFS_DB = "bench_rd_gridfs";
const SORT = { k: 1 } as const;
const one = (d: object) => Buffer.from(BSON.serialize(d));

/** A realistic ensemble: samples plus the header keys a MsPASS wf document carries. */
function makeEnsemble(n: number): TimeSeriesEnsemble {
  const members = Array.from({ length: n }, (_, k) => {
    const a = new Float64Array(NPTS);
    for (let i = 0; i < NPTS; i++) a[i] = Math.sin(i * 0.01 + k) * 1000 + k;
    return new TimeSeries({
      dt: 0.01,
      t0: 1.7e9 + k,
      tref: "UTC",
      data: a,
      metadata: {
        k,
        net: "XX",
        sta: `S${k % 100}`,
        chan: "HHZ",
        loc: "00",
        calib: 1.0,
        site_id: new ObjectId(),
        channel_id: new ObjectId(),
      },
    });
  });
  return new TimeSeriesEnsemble(members, { evid: 1 });
}

function median(task: { result: unknown }): number {
  const r = task.result as { latency?: { p50: number } };
  return r.latency?.p50 ?? NaN;
}

/** Plain wf documents like saveData's, for the core-only and baseline saves. */
function plainDocs(ens: TimeSeriesEnsemble, storage: (i: number) => Document): Document[] {
  return ens.member.map((m, i) => ({
    ...m.md.toObject(),
    ...storage(i),
    time_standard: "UTC",
    utc_convertible: true,
    endtime: m.endtime(),
  }));
}

async function main(): Promise<void> {
  const server = await startThrowawayServer("rd");
  const raw = await MongoClient.connect(server.uri);
  const rdb = (n: string): Db => raw.db(n);
  const client = await Client.connect({ databaseHost: server.uri, scheduler: "none" });
  const dir = mkdtempSync(join(tmpdir(), "mspass-bench-rd-files-"));
  const bytes = MEMBERS * NPTS * 8;
  console.log(
    `# readData/saveData: ${MEMBERS} members x ${NPTS} samples (${(bytes / 1e6).toFixed(0)} MB) file mode; ` +
      `${GRIDFS_MEMBERS} members GridFS; server ${server.uri}`,
  );

  const fileDb: Database = client.getDatabase(FILE_DB);
  const gridfsDb: Database = client.getDatabase(GRIDFS_DB);
  for (const d of [fileDb, gridfsDb]) await d.dropDatabase();
  const ens = makeEnsemble(MEMBERS);
  const gens = new TimeSeriesEnsemble(ens.member.slice(0, GRIDFS_MEMBERS), { evid: 1 });
  let t = performance.now();
  await fileDb.saveData(ens, { storageMode: "file", dir, dfile: "read-binary" });
  console.log(`setup: saveData file ${(performance.now() - t).toFixed(0)} ms`);
  t = performance.now();
  await gridfsDb.saveData(gens, { storageMode: "gridfs" });
  console.log(`setup: saveData GridFS ${(performance.now() - t).toFixed(0)} ms`);

  const reads: Record<string, () => Promise<number>> = {
    "file: readData(cursor)": async () =>
      (await fileDb.readData(fileDb.wf_TimeSeries.find({}).sort(SORT))).member.filter((m) => m.live).length,
    "file: core only (native.readEnsemble)": async () =>
      (await native.readEnsemble(server.uri, FILE_DB, WF, one({}), { sort: one(SORT) })).lengths.length,
    "file: baseline (TS + driver)": async () =>
      (await baselineReadEnsemble(rdb(FILE_DB), WF, {}, SORT)).data.filter((d) => d !== null).length,
    "gridfs: readData(cursor)": async () =>
      (await gridfsDb.readData(gridfsDb.wf_TimeSeries.find({}).sort(SORT))).member.filter((m) => m.live)
        .length,
    "gridfs: core only (native.readEnsemble)": async () =>
      (await native.readEnsemble(server.uri, GRIDFS_DB, WF, one({}), { sort: one(SORT) })).lengths.length,
    "gridfs: baseline (TS + driver)": async () =>
      (await baselineReadEnsemble(rdb(GRIDFS_DB), WF, {}, SORT)).data.filter((d) => d !== null).length,
  };
  // Every variant must read the whole ensemble before it is timed.
  for (const [name, fn] of Object.entries(reads)) {
    const got = await fn();
    const want = name.startsWith("gridfs") ? GRIDFS_MEMBERS : MEMBERS;
    if (got !== want) throw new Error(`${name}: read ${got} members, expected ${want}`);
  }

  const opts = (iterations: number) => ({ iterations, time: 0, warmupIterations: 1, warmupTime: 0 });
  const fileReads = new Bench({ name: "readData, file", ...opts(ITER) });
  const gridfsReads = new Bench({ name: "readData, GridFS", ...opts(GRIDFS_ITER) });
  for (const [name, fn] of Object.entries(reads)) {
    (name.startsWith("gridfs") ? gridfsReads : fileReads).add(name, async () => {
      await fn();
    });
  }
  const m: Record<string, number> = {};
  for (const b of [fileReads, gridfsReads]) {
    await b.run();
    console.table(b.table());
    for (const task of b.tasks) m[task.name] = median(task);
  }

  if (!args.has("skip-save")) {
    let seq = 0;
    const saveDb = () => `bench_rd_save_${seq}`;
    const clean = async () => {
      await rdb(saveDb()).dropDatabase();
      rmSync(join(dir, `save-${seq}`), { force: true });
    };
    const fileSaves = new Bench({ name: "saveData, file", ...opts(ITER) });
    const gridfsSaves = new Bench({ name: "saveData, GridFS", ...opts(GRIDFS_ITER) });
    const datas = ens.member.map((x) => x.data);
    const gdatas = gens.member.map((x) => x.data);
    fileSaves.add(
      "file: saveData(ensemble)",
      async () => {
        await client
          .getDatabase(`bench_rd_save_${++seq}`)
          .saveData(ens, { storageMode: "file", dir, dfile: `save-${seq}` });
      },
      { afterEach: clean },
    );
    fileSaves.add(
      "file: core only (writeFileSamples + insertMany)",
      async () => {
        const w = await native.writeFileSamples(dir, `save-${++seq}`, datas, 1);
        await rdb(saveDb())
          .collection(WF)
          .insertMany(
            plainDocs(ens, (i) => ({
              storage_mode: "file",
              dir,
              dfile: w.dfile,
              foff: w.foffs[i],
              nbytes: w.nbytes[i],
            })),
          );
      },
      { afterEach: clean },
    );
    fileSaves.add(
      "file: baseline (fs writev + driver insertMany)",
      async () => {
        const foffs = await baselineWriteFile(dir, `save-${++seq}`, datas);
        await rdb(saveDb())
          .collection(WF)
          .insertMany(
            plainDocs(ens, (i) => ({
              storage_mode: "file",
              dir,
              dfile: `save-${seq}`,
              foff: foffs[i],
              nbytes: NPTS * 8,
            })),
          );
      },
      { afterEach: clean },
    );
    gridfsSaves.add(
      "gridfs: saveData(ensemble)",
      async () => {
        await client.getDatabase(`bench_rd_save_${++seq}`).saveData(gens, { storageMode: "gridfs" });
      },
      { afterEach: clean },
    );
    gridfsSaves.add(
      "gridfs: core only (writeGridfsSamples + insertMany)",
      async () => {
        const ids = await native.writeGridfsSamples(server.uri, `bench_rd_save_${++seq}`, gdatas);
        await rdb(saveDb())
          .collection(WF)
          .insertMany(plainDocs(gens, (i) => ({ storage_mode: "gridfs", gridfs_id: new ObjectId(ids[i]) })));
      },
      { afterEach: clean },
    );
    gridfsSaves.add(
      "gridfs: baseline (driver insertMany)",
      async () => {
        const ids = await baselineWriteGridfs(rdb(`bench_rd_save_${++seq}`), gdatas);
        await rdb(saveDb())
          .collection(WF)
          .insertMany(plainDocs(gens, (i) => ({ storage_mode: "gridfs", gridfs_id: ids[i] })));
      },
      { afterEach: clean },
    );
    for (const b of [fileSaves, gridfsSaves]) {
      await b.run();
      console.table(b.table());
      for (const task of b.tasks) m[task.name] = median(task);
    }
  }

  const f = (v: number | undefined) => (v !== undefined && Number.isFinite(v) ? v.toFixed(1) : "-");
  const x = (a: number | undefined, b: number | undefined) =>
    a !== undefined && b !== undefined && Number.isFinite(a / b) ? (a / b).toFixed(2) + "x" : "-";
  const perMember = (a: number | undefined, b: number | undefined, n: number) =>
    a !== undefined && b !== undefined && Number.isFinite(a - b)
      ? `${(((a - b) / n) * 1000).toFixed(1)} µs`
      : "-";
  console.log("\n## summary (medians, ms)\n");
  console.log(
    "| operation | API (readData/saveData) | core only | baseline | API/core | baseline/API | API − core per member |",
  );
  console.log("|---|---|---|---|---|---|---|");
  for (const [mode, n] of [
    ["file", MEMBERS],
    ["gridfs", GRIDFS_MEMBERS],
  ] as const) {
    const api = m[`${mode}: readData(cursor)`],
      core = m[`${mode}: core only (native.readEnsemble)`],
      base = m[`${mode}: baseline (TS + driver)`];
    console.log(
      `| ${mode} read | ${f(api)} | ${f(core)} | ${f(base)} | ${x(api, core)} | ${x(base, api)} | ${perMember(api, core, n)} |`,
    );
  }
  if (!args.has("skip-save")) {
    for (const [mode, n, baseName] of [
      ["file", MEMBERS, "file: baseline (fs writev + driver insertMany)"],
      ["gridfs", GRIDFS_MEMBERS, "gridfs: baseline (driver insertMany)"],
    ] as const) {
      const api = m[`${mode}: saveData(ensemble)`];
      const core =
        m[`${mode}: core only (${mode === "file" ? "writeFileSamples" : "writeGridfsSamples"} + insertMany)`];
      const base = m[baseName];
      console.log(
        `| ${mode} save | ${f(api)} | ${f(core)} | ${f(base)} | ${x(api, core)} | ${x(base, api)} | ${perMember(api, core, n)} |`,
      );
    }
  }

  for (const d of [fileDb, gridfsDb]) await d.dropDatabase();
  await client.close();
  await raw.close();
  rmSync(dir, { recursive: true, force: true });
  await server.stop();
}

await main();
process.exit(0);
