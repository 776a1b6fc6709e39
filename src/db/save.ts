/**
 * `Database.saveData` (MsPASS's `save_data`): TimeSeries / Seismogram /
 * ensembles → samples (GridFS or a file, by the Rust core, in bulk) + wf
 * documents + elog, with dead data buried. The work is the shared
 * waveform-write pipeline (src/db/write/pipeline.ts) with fresh ids; this
 * file resolves the options and the ensemble rules:
 * - dead data are set aside (an ensemble loses its dead members; a killed
 *   ensemble buries them all); the ensemble's Metadata is copied to its
 *   members (`syncMetadata`);
 * - file mode: `dir` is the argument, else the datum's (the ensemble's)
 *   Metadata `dir`, else the working directory; `dfile` likewise, else
 *   `<uuid4>-binary`; every member goes to that one file, appended.
 * Nothing is left half-written: if an insert fails, the GridFS files and elog
 * documents of this call are removed (best effort) and the error says what
 * could not be undone (bytes appended to a file stay, unreferenced).
 */
import path from "node:path";
import type { ObjectId } from "mongodb";
import { MsPASSError } from "../errors.js";
import { Seismogram } from "../data/seismogram.js";
import { TimeSeries } from "../data/time-series.js";
import { SeismogramEnsemble, TimeSeriesEnsemble } from "../data/ensemble.js";
import type { Schema } from "../schema/schema.js";
import { resolveSaveOptions, type SaveDataOptions } from "./io-options.js";
import type { Database } from "./database.js";
import { buryDead, randomIds, sortLiveDead, writeLive, type Slot, type WritePlan } from "./write/pipeline.js";
import type { FilePlacement } from "./storage/types.js";
import type { Atomic } from "../data/atomic.js";

const ALG = "saveData";

type AnyEnsemble = TimeSeriesEnsemble | SeismogramEnsemble;

/** What `saveData` returns without `returnData`. */
export interface SaveDataResult {
  isLive: boolean;
  /** Atomic data: the new wf document's id (absent for dead data). */
  _id?: ObjectId;
  /** Ensembles: the new wf document id of each member kept (in `member` order after the save). */
  ids?: ObjectId[];
}

function stringKey(d: { md: { get(k: string): unknown } }, key: string): string | undefined {
  const v = d.md.get(key);
  return typeof v === "string" && v !== "" ? v : undefined;
}

export async function saveData(
  db: Database,
  schema: Schema,
  datum: unknown,
  options?: SaveDataOptions,
): Promise<SaveDataResult | Atomic | AnyEnsemble> {
  const fn = "Database.saveData";
  let members: Atomic[];
  let ensemble: AnyEnsemble | undefined;
  let type: "TimeSeries" | "Seismogram";
  if (datum instanceof TimeSeries || datum instanceof Seismogram) {
    members = [datum];
    type = datum instanceof Seismogram ? "Seismogram" : "TimeSeries";
  } else if (datum instanceof TimeSeriesEnsemble || datum instanceof SeismogramEnsemble) {
    ensemble = datum;
    members = [...(datum.member as Atomic[])];
    type = datum instanceof SeismogramEnsemble ? "Seismogram" : "TimeSeries";
  } else {
    throw new MsPASSError(
      `${fn}: datum must be a TimeSeries, Seismogram, TimeSeriesEnsemble or SeismogramEnsemble`,
      "Invalid",
    );
  }
  const o = resolveSaveOptions(schema, options, type);
  db.client.assertOpen(fn);
  const plan: WritePlan = {
    db,
    schema,
    what: `Database.saveData(${db.name}.${o.collection})`,
    alg: ALG,
    collection: o.collection,
    dataType: o.dataType,
    mode: o.mode,
    excludeKeys: o.excludeKeys,
    ...(o.dataTag === undefined ? {} : { dataTag: o.dataTag }),
    cremate: o.cremate,
    overwrite: o.overwrite,
    storageMode: o.storageMode,
    format: o.format,
    place: () => place,
    ...(o.s3 === undefined ? {} : { s3: o.s3 }),
    ids: randomIds(),
    updateData: true,
  };

  // The dead: a killed ensemble buries every member; otherwise an ensemble loses its dead members.
  const slots: Slot[] = members.map((d, member) => ({ item: 0, member, d }));
  let candidates: Slot[];
  const dead: Slot[] = [];
  if (ensemble?.dead) {
    dead.push(...slots);
    candidates = [];
  } else {
    candidates = slots.filter((s) => s.d.live);
    dead.push(...slots.filter((s) => s.d.dead));
    if (ensemble !== undefined) {
      (ensemble as { member: Atomic[] }).member = candidates.map((s) => s.d);
      ensemble.syncMetadata();
    }
  }
  // File mode: one place for the whole call, read after syncMetadata (as before).
  const holder = ensemble ?? members[0]!;
  const place: FilePlacement = {
    dir: path.resolve(o.dir ?? stringKey(holder, "dir") ?? process.cwd()),
    dfile: o.dfile ?? stringKey(holder, "dfile") ?? null,
  };

  const sorted = sortLiveDead(candidates, plan);
  dead.push(...sorted.dead);
  const ids = await writeLive(sorted.live, plan);
  await buryDead(dead, plan);

  if (o.returnData) return ensemble ?? members[0]!;
  if (ensemble !== undefined) return { isLive: ensemble.live, ids };
  const d = members[0]!;
  return d.live ? { isLive: true, _id: ids[0]! } : { isLive: false };
}
