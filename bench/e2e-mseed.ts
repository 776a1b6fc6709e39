/**
 * The miniSEED workload of bench/e2e.bench.ts: index the files, bulk-normalize
 * the wf_miniseed documents against the channel epochs, read them back as one
 * ensemble per file. Input: MSEED_FILES files written by obspy
 * (bench/make_mseed_e2e.py), each with MSEED_TRACES single-segment channels;
 * 1,000 channel epochs (250 stations × 2 channels × 2 epochs). `dfile` is
 * indexed, as a workflow that reads ensembles by file would have it.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { BSON, type Db, type Document } from "mongodb";
import {
  type Database,
  type LocalScheduler,
  MiniseedMatcher,
  type TimeSeriesEnsemble,
  bulkNormalize,
  indexMseedFiles,
  readDistributedData,
  task,
} from "mspass";
import { CHANS, EPOCH_SPLIT, STATIONS, channelEpochs } from "./channel-epochs.js";

export const MSEED_FILES = 50;
export const MSEED_TRACES = 40;
const MAKER = fileURLToPath(new URL("../make_mseed_e2e.py", import.meta.url));
const liveMembers = task<(e: TimeSeriesEnsemble) => number>(
  new URL("./e2e-tasks.js", import.meta.url),
  "liveMembers",
);
/** What bulk_normalize loads by default in MsPASS (its MiniseedMatcher, channel). */
const CHANNEL_KEYS = ["starttime", "endtime", "_id"];

export interface MseedInput {
  dir: string;
  files: string[];
  bytes: number;
  /** The wf_miniseed documents of one indexing (captured from the first run), for the floor. */
  docs?: Document[];
}

/** Writes the files (obspy, not timed), stores the channel epochs, indexes `dfile`. */
export async function prepareMseed(rdb: Db, dir: string, python: string, npts: number): Promise<MseedInput> {
  const spec = {
    dir,
    files: MSEED_FILES,
    traces: MSEED_TRACES,
    npts,
    stations: STATIONS,
    chans: CHANS,
    epoch_split: EPOCH_SPLIT,
  };
  const r = spawnSync(python, [MAKER, JSON.stringify(spec)], { encoding: "utf8" });
  const line = r.stdout?.trim().split("\n").pop() ?? "";
  if (r.status !== 0 || !line.startsWith("{"))
    throw new Error(`${MAKER} failed (status ${r.status}): ${r.stderr?.slice(-2000) ?? r.error?.message}`);
  const made = JSON.parse(line) as { files: string[]; bytes: number };
  await rdb.collection("channel").insertMany(channelEpochs());
  await rdb.collection("wf_miniseed").createIndex({ dfile: 1 });
  return { dir, ...made };
}

/** Removes what a run wrote: the wf_miniseed documents and their elog entries. */
export async function cleanupMseed(rdb: Db): Promise<void> {
  await rdb.collection("wf_miniseed").deleteMany({});
  await rdb.collection("elog").deleteMany({});
}

/** The mspass side, timed as a whole; returns the time and the live members read. */
export async function oursMseed(
  db: Database,
  rdb: Db,
  s: LocalScheduler,
  input: MseedInput,
): Promise<{ ms: number; n: number; stages: Record<string, number> }> {
  const t0 = performance.now();
  const indexed = await indexMseedFiles(db, input.files, { dir: input.dir, scheduler: s });
  const failed = indexed.find((e) => e.error !== undefined);
  if (failed) throw new Error(`indexMseedFiles: ${failed.path}: ${failed.error}`);
  const t1 = performance.now();
  const matcher = new MiniseedMatcher(db, "channel", { attributesToLoad: CHANNEL_KEYS });
  const [ndocs, hits] = await bulkNormalize(db, { matcherList: [matcher] });
  if (hits !== ndocs) throw new Error(`bulkNormalize matched ${hits} of ${ndocs} documents`);
  const t2 = performance.now();
  const queries = input.files.map((dfile) => ({ dfile }));
  const bag = await readDistributedData(queries, { db, collection: "wf_miniseed", listOf: "queries" });
  const n = (await bag.map(liveMembers).compute({ scheduler: s })).reduce((a, x) => a + x, 0);
  const t3 = performance.now();
  input.docs ??= (await rdb.collection("wf_miniseed").find({}).toArray()).map(({ _id, ...rest }) => {
    for (const k of Object.keys(rest)) if (k.startsWith("channel_")) delete rest[k];
    return rest;
  });
  return { ms: t3 - t0, n, stages: { indexS: t1 - t0, normalizeS: t2 - t1, readS: t3 - t2 } };
}

/**
 * The floor, step by step (ms): the files' bytes read (twice: to index and to
 * read), the index documents inserted (one insertMany per file), the channel
 * epochs and the wf documents found raw, one `{_id}` update per document (1,000
 * per bulk write), then one find per file by `dfile`, raw.
 */
export async function floorMseed(rdb: Db, input: MseedInput): Promise<Record<string, number>> {
  if (input.docs === undefined)
    throw new Error("the miniSEED floor needs one mspass run first (BENCH_SIDES with ours)");
  const wf = rdb.collection("wf_miniseed");
  let t0 = performance.now();
  let bytes = 0;
  for (let pass = 0; pass < 2; pass++)
    for (const f of input.files) bytes += readFileSync(join(input.dir, f)).length;
  const readMs = performance.now() - t0;
  if (bytes !== 2 * input.bytes) throw new Error(`floor read ${bytes} bytes, expected ${2 * input.bytes}`);
  t0 = performance.now();
  for (const f of input.files) {
    const docs = input.docs.filter((d) => d.dfile === f).map((d) => ({ ...d }));
    if (docs.length > 0) await wf.insertMany(docs, { ordered: false });
  }
  const insertMs = performance.now() - t0;
  t0 = performance.now();
  await rdb.collection("channel").find({}, { raw: true }).toArray();
  const found = (await wf.find({}, { raw: true }).toArray()).map((b) =>
    BSON.deserialize(b as unknown as Uint8Array),
  );
  const findMs = performance.now() - t0;
  t0 = performance.now();
  for (let i = 0; i < found.length; i += 1000)
    await wf.bulkWrite(
      found.slice(i, i + 1000).map((d) => ({
        updateOne: {
          filter: { _id: d._id },
          update: { $set: { channel_id: d._id, channel_starttime: 1.5e9, channel_endtime: EPOCH_SPLIT } },
        },
      })),
      { ordered: false },
    );
  const updateMs = performance.now() - t0;
  t0 = performance.now();
  for (const f of input.files) await wf.find({ dfile: f }, { raw: true }).toArray();
  const readFindMs = performance.now() - t0;
  await wf.deleteMany({});
  return {
    readMs,
    insertMs,
    findMs,
    updateMs,
    readFindMs,
    totalMs: readMs + insertMs + findMs + updateMs + readFindMs,
  };
}
