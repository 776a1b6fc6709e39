/**
 * `mspass demo`: a small end-to-end MsPASS workflow that shows the pieces
 * working together on this machine.
 *
 * It connects a `Client` with the defaults (finding or starting the embedded
 * database service), generates synthetic waveforms on the local scheduler's
 * worker threads (damped sinusoids plus noise, 20 s at 100 Hz, with
 * net/sta/chan metadata), saves them with `saveData` — half in GridFS, half
 * in one file, plus one 3-C Seismogram ensemble — reads them back with
 * `readData` (by cursor as ensembles, and one by ObjectId), checks every
 * sample and header value, and prints a short report. The previous run's
 * database and files are removed first, so it can be run again and again.
 */
import { rmSync } from "node:fs";
import type { ObjectId } from "mongodb";
import path from "node:path";
import { Client } from "../client/client.js";
import { maskCredentials } from "../errors.js";
import { databaseServerStatus } from "../service/index.js";
import { Seismogram } from "../data/seismogram.js";
import { TimeSeries } from "../data/time-series.js";
import { SeismogramEnsemble, TimeSeriesEnsemble } from "../data/ensemble.js";
import type { Database } from "../db/database.js";
import { EXIT, parseArgs, UsageError, type CliCommand } from "./args.js";

export const DEMO_USAGE = `Usage: mspass demo [options]

Writes synthetic seismic waveforms to the database with saveData (GridFS and
file storage), reads them back with readData, checks they match and reports.

Options:
  --database NAME    database to use (default mspass_demo; its previous demo data are removed)
  --dir DIR          directory for file-mode samples (default ./.mspass/demo-data)
  --scheduler KIND   local (worker threads, default) or none
  -h, --help         show this help

The database server is found or started as Client.connect() does
(MSPASS_DB_ADDRESS, else a server on 127.0.0.1:27017, else the embedded one).`;

const NTRACES = 50;
const NPTS = 2000; // 20 s at 100 Hz
const DT = 0.01;
const NSEIS = 4;
const T0 = Date.UTC(2024, 0, 15, 12, 0, 0) / 1000;

/** One synthetic trace: a damped sinusoid plus noise (self-contained: it runs on a worker thread). */
function synthetic(spec: { seed: number; npts: number; dt: number }): Float64Array {
  let s = (spec.seed * 2654435761) >>> 0;
  const rand = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296 - 0.5;
  const f = 0.8 + (spec.seed % 7) * 0.6;
  const onset = 2 + (spec.seed % 5);
  const out = new Float64Array(spec.npts);
  for (let i = 0; i < spec.npts; i++) {
    const t = i * spec.dt - onset;
    const signal = t < 0 ? 0 : 1000 * Math.exp(-t / 3) * Math.sin(2 * Math.PI * f * t);
    out[i] = signal + 20 * rand();
  }
  return out;
}

function kb(bytes: number): string {
  return bytes >= 1 << 20 ? `${(bytes / (1 << 20)).toFixed(1)} MB` : `${(bytes / 1024).toFixed(1)} KB`;
}

function ms(t0: bigint): string {
  return `${(Number(process.hrtime.bigint() - t0) / 1e6).toFixed(0)} ms`;
}

/** Remove what a previous demo run left: its sample files, then the database. */
async function cleanPrevious(db: Database): Promise<number> {
  const files = new Set<string>();
  for (const coll of ["wf_TimeSeries", "wf_Seismogram"]) {
    for await (const d of db
      .collection(coll)
      .find({ storage_mode: "file", demo: true }, { projection: { dir: 1, dfile: 1 } })) {
      if (typeof d.dir === "string" && typeof d.dfile === "string") files.add(path.join(d.dir, d.dfile));
    }
  }
  for (const f of files) rmSync(f, { force: true });
  await db.dropDatabase();
  return files.size;
}

function same(a: TimeSeries | Seismogram, b: TimeSeries | Seismogram): boolean {
  if (a.npts !== b.npts || a.dt !== b.dt || a.t0 !== b.t0 || a.tref !== b.tref || b.dead) return false;
  for (const k of ["net", "sta", "chan", "loc"]) if (a.md.get(k) !== b.md.get(k)) return false;
  const x = a.data;
  const y = b.data;
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, { options: ["database", "dir", "scheduler"], flags: ["help"] }, DEMO_USAGE);
  if (args.flags.has("help")) {
    process.stdout.write(DEMO_USAGE + "\n");
    return EXIT.ok;
  }
  if (args.positionals.length)
    throw new UsageError(`unexpected argument '${args.positionals[0]}'`, DEMO_USAGE);
  const scheduler = args.options.get("scheduler") ?? "local";
  if (scheduler !== "local" && scheduler !== "none")
    throw new UsageError(`--scheduler must be local or none, got '${scheduler}'`, DEMO_USAGE);
  const dbName = args.options.get("database") ?? "mspass_demo";
  const dir = path.resolve(args.options.get("dir") ?? path.join(".mspass", "demo-data"));
  const out: string[] = [];
  const line = (label: string, text: string) => out.push(`  ${label.padEnd(10)} ${text}`);
  const started = process.hrtime.bigint();

  const client = await Client.connect({ scheduler, nworkers: 2, dashboardPort: false });
  try {
    const db = client.getDatabase(dbName);
    const removed = await cleanPrevious(db);
    const uri = client.getDatabaseClient().connectionString;
    line(
      "database",
      `${maskCredentials(uri)}  database "${dbName}"` +
        ` (previous demo data removed${removed ? `, ${removed} file(s)` : ""})`,
    );
    // Say so when the embedded server of this directory is the one in use: it keeps running.
    const embedded = await databaseServerStatus().catch(() => undefined);
    if (embedded?.state === "running" && embedded.server?.uri === uri) {
      line(
        "",
        `embedded ${embedded.server.kind} server, data in ${embedded.dataDir}; 'npx mspass db stop' stops it`,
      );
    }

    // 1. synthetic waveforms, on the workers when there is a scheduler.
    let t = process.hrtime.bigint();
    const specs = Array.from({ length: NTRACES + 3 * NSEIS }, (_, seed) => ({ seed, npts: NPTS, dt: DT }));
    const sched = client.getScheduler();
    const traces: Float64Array[] = sched
      ? ((await sched.gather(sched.map(synthetic, specs))) as Float64Array[])
      : specs.map(synthetic);
    line(
      "generated",
      `${NTRACES} TimeSeries + ${NSEIS} 3-C Seismograms, ${NPTS} samples at ${1 / DT} Hz each` +
        ` (${sched ? "on 2 worker threads" : "in this thread"}, ${ms(t)})`,
    );

    const ts = traces.slice(0, NTRACES).map(
      (data, i) =>
        new TimeSeries({
          dt: DT,
          t0: T0 + i,
          tref: "UTC",
          data,
          metadata: {
            net: "DM",
            sta: `S${String(i % 25).padStart(2, "0")}`,
            chan: i < 25 ? "HHZ" : "HHN",
            loc: "00",
            demo: true,
          },
        }),
    );
    const seis = Array.from({ length: NSEIS }, (_, k) => {
      const data = new Float64Array(3 * NPTS);
      for (let c = 0; c < 3; c++) data.set(traces[NTRACES + 3 * k + c]!, c * NPTS);
      return new Seismogram({
        dt: DT,
        t0: T0,
        tref: "UTC",
        data,
        metadata: { net: "DM", sta: `S${String(k).padStart(2, "0")}`, loc: "00", demo: true },
      });
    });
    const originals = [...ts, ...seis];

    // 2. save: one call per ensemble; samples go in bulk through the Rust core.
    const gridfsEns = new TimeSeriesEnsemble(ts.slice(0, 25), { demo_group: "gridfs" });
    const fileEns = new TimeSeriesEnsemble(ts.slice(25), { demo_group: "file" });
    const seisEns = new SeismogramEnsemble(seis, { demo_group: "seismogram" });
    t = process.hrtime.bigint();
    await db.saveData(gridfsEns, { storageMode: "gridfs" });
    const gridfsTime = ms(t);
    t = process.hrtime.bigint();
    await db.saveData(fileEns, { storageMode: "file", dir });
    const fileTime = ms(t);
    t = process.hrtime.bigint();
    await db.saveData(seisEns, { storageMode: "file", dir });
    const seisTime = ms(t);
    const fileOf = (e: TimeSeriesEnsemble | SeismogramEnsemble) =>
      path.join(String(e.member[0]!.md.get("dir")), String(e.member[0]!.md.get("dfile")));
    line("saved", `25 TimeSeries  -> GridFS (fs.files/fs.chunks)  ${kb(25 * NPTS * 8)} in ${gridfsTime}`);
    line("", `25 TimeSeries  -> file ${fileOf(fileEns)}  ${kb(25 * NPTS * 8)} in ${fileTime}`);
    line("", `${NSEIS} Seismograms  -> file ${fileOf(seisEns)}  ${kb(NSEIS * 3 * NPTS * 8)} in ${seisTime}`);

    // 3. read back: cursors give ensembles (one core call each), an ObjectId one datum.
    t = process.hrtime.bigint();
    const backGridfs = await db.readData(
      db.wf_TimeSeries.find({ demo_group: "gridfs" }).sort({ starttime: 1 }),
    );
    const backFile = await db.readData(db.wf_TimeSeries.find({ demo_group: "file" }).sort({ starttime: 1 }));
    const backSeis = await db.readData(db.wf_Seismogram.find({ demo_group: "seismogram" }).sort({ sta: 1 }));
    const readTime = ms(t);
    const one = ts[7]!;
    const byId = await db.readData(one.md.get("_id") as ObjectId);
    const back = [...backGridfs.member, ...backFile.member, ...backSeis.member];
    line("read", `3 ensembles by cursor (${back.length} data) in ${readTime}; 1 TimeSeries by _id`);

    // 4. check.
    let bad = 0;
    if (back.length !== originals.length) bad += Math.abs(back.length - originals.length);
    back.forEach((b, i) => {
      if (originals[i] === undefined || !same(originals[i]!, b)) bad++;
    });
    if (!same(one, byId)) bad++;
    const total = originals.length + 1;
    const counts = await Promise.all([
      db.wf_TimeSeries.countDocuments(),
      db.wf_Seismogram.countDocuments(),
      db.collection("fs.files").countDocuments(),
    ]);
    line("stored", `wf_TimeSeries ${counts[0]} documents, wf_Seismogram ${counts[1]}, fs.files ${counts[2]}`);
    line(
      "checked",
      bad === 0
        ? `all ${total} read-backs match the originals (every sample, time and net/sta/chan/loc)`
        : `${bad} of ${total} read-backs DIFFER`,
    );
    line("total", ms(started));
    process.stdout.write(`mspass demo\n${out.join("\n")}\n`);
    return bad === 0 ? EXIT.ok : EXIT.error;
  } finally {
    await client.close();
  }
}

export const command: CliCommand = { run };
