/**
 * `db.indexMseedFile(path, options)` — MsPASS's `Database.index_mseed_file`:
 * scan a miniSEED file (headers only, in the Rust core) and insert one
 * `wf_miniseed` document per contiguous segment, with MsPASS's fields, BSON
 * types and key order, so MsPASS reads these documents and we read MsPASS's.
 *
 * Differences from MsPASS 2.4.3, on purpose (see docs/mseed.md):
 * - each elog entry is its own document (MsPASS re-inserts one dict and hits
 *   DuplicateKeyError from the 2nd segment on);
 * - `normalizeChannel` really writes `channel_id` into every inserted
 *   document whose channel matches (MsPASS sets it on one local dict only);
 * - a missing or unreadable file is an `MsPASSError` (MsPASS silently indexes
 *   nothing), and a file with no valid record stores its `Invalid` entry in
 *   the elog (MsPASS drops it: it writes an elog only when a segment exists).
 */
import { promises as fs } from "node:fs";
import path from "node:path";
import { Double, Long, type ObjectId, type Document } from "mongodb";
import { MsPASSError } from "../errors.js";
import { native, toMsPASSError } from "../native.js";
import { ErrorLogger } from "../data/error-logger.js";
import type { Database } from "./database.js";
import { describe } from "../option-checks.js";
import { indexMseedReport, type IndexMseedReport } from "./mseed-index-report.js";

export interface IndexMseedOptions {
  /** Directory a relative path is taken from (default: the working directory). */
  dir?: string;
  /** Collection of the index documents (default "wf_miniseed"). */
  collection?: string;
  /** Start a new segment at a time tear over 0.5 s (default true). */
  segmentTimeTears?: boolean;
  /** Collection of the scan's complaints (default "elog"). */
  elogCollection?: string;
  /** Return MsPASS's `[wfIds, elogIds]` (default false: an IndexMseedReport saying what was indexed and refused). */
  returnIds?: boolean;
  /** Set `channel_id` from the `channel` collection (net/sta/chan/loc and time). */
  normalizeChannel?: boolean;
}

export type IndexMseedResult = [ObjectId[], ObjectId[]];

const FN = "indexMseedFile";
const ALGORITHM = "index_mseed_file";
const KEYS = new Set([
  "dir",
  "collection",
  "segmentTimeTears",
  "elogCollection",
  "returnIds",
  "normalizeChannel",
]);

/** Python ints become BSON int32 when they fit, int64 otherwise: do the same. */
function bsonInt(v: number): number | Long {
  return v <= 0x7fffffff && v >= -0x80000000 ? v : Long.fromNumber(v);
}

export function checkOptions(options: unknown): Required<Omit<IndexMseedOptions, "dir">> & { dir?: string } {
  if (options !== undefined && (typeof options !== "object" || options === null || Array.isArray(options))) {
    throw new MsPASSError(`${FN}: options must be an object, got ${describe(options)}`, "Invalid");
  }
  const o = (options ?? {}) as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!KEYS.has(k))
      throw new MsPASSError(`${FN}: unknown option '${k}' (known: ${[...KEYS].join(", ")})`, "Invalid");
  }
  const str = (k: string, d: string | undefined) => {
    const v = o[k];
    if (v === undefined) return d;
    if (typeof v !== "string" || v === "")
      throw new MsPASSError(`${FN}: ${k} must be a non-empty string, got ${describe(v)}`, "Invalid");
    return v;
  };
  const bool = (k: string, d: boolean) => {
    const v = o[k];
    if (v === undefined) return d;
    if (typeof v !== "boolean")
      throw new MsPASSError(`${FN}: ${k} must be a boolean, got ${describe(v)}`, "Invalid");
    return v;
  };
  return {
    dir: str("dir", undefined),
    collection: str("collection", "wf_miniseed")!,
    segmentTimeTears: bool("segmentTimeTears", true),
    elogCollection: str("elogCollection", "elog")!,
    returnIds: bool("returnIds", false),
    normalizeChannel: bool("normalizeChannel", false),
  };
}

/** MsPASS's path rule: absolute as is, else joined to dir (or cwd), then resolved with symlinks. */
async function resolveFile(dfile: unknown, dir: string | undefined): Promise<string> {
  if (typeof dfile !== "string" || dfile === "") {
    throw new MsPASSError(`${FN}: path must be a non-empty string, got ${describe(dfile)}`, "Invalid");
  }
  const joined = path.isAbsolute(dfile) ? dfile : path.join(dir ?? process.cwd(), dfile);
  try {
    return await fs.realpath(joined);
  } catch (err) {
    throw new MsPASSError(`${FN}: cannot open ${joined}: ${(err as Error).message}`, "Invalid", {
      cause: err,
    });
  }
}

/** The `channel` document whose epoch covers [starttime, endtime], as MsPASS's MiniseedDBMatcher queries. */
async function matchChannel(db: Database, d: Document): Promise<ObjectId | undefined> {
  const query: Document = {
    net: d.net,
    sta: d.sta,
    chan: d.chan,
    starttime: { $lte: d.starttime },
    endtime: { $gte: d.endtime },
  };
  if (d.loc !== undefined) query.loc = d.loc;
  const hit = await db.collection("channel").findOne(query);
  return hit?._id as ObjectId | undefined;
}

export async function indexMseedFile(
  db: Database,
  dfile: string,
  options: IndexMseedOptions & { returnIds: true },
): Promise<IndexMseedResult>;
export async function indexMseedFile(
  db: Database,
  dfile: string,
  options?: IndexMseedOptions,
): Promise<IndexMseedResult | IndexMseedReport>;
export async function indexMseedFile(
  db: Database,
  dfile: string,
  options?: IndexMseedOptions,
): Promise<IndexMseedResult | IndexMseedReport> {
  const o = checkOptions(options);
  const file = await resolveFile(dfile, o.dir);
  let index;
  try {
    index = await native.indexMseedFile(file, o.segmentTimeTears);
  } catch (err) {
    throw toMsPASSError(err, `${FN}(${file})`);
  }
  const dir = path.dirname(file);
  const base = path.basename(file);
  const docs: Document[] = index.net.map((_, i) => {
    // MsPASS's key order: _convert_mseed_index, then index_mseed_file's additions.
    const d: Document = { sta: index.sta[i], net: index.net[i], chan: index.chan[i] };
    if (index.loc[i] !== "") d.loc = index.loc[i];
    Object.assign(d, {
      sampling_rate: new Double(index.samplingRate[i]),
      delta: new Double(index.delta[i]),
      starttime: new Double(index.starttime[i]),
      last_packet_time: new Double(index.lastPacketTime[i]),
      foff: bsonInt(index.foff[i]),
      nbytes: bsonInt(index.nbytes[i]),
      npts: bsonInt(index.npts[i]),
      endtime: new Double(index.endtime[i]),
      storage_mode: "file",
      format: "mseed",
      dir,
      dfile: base,
      time_standard: "UTC",
    });
    return d;
  });
  const wf = db.collection(o.collection);
  const ids: ObjectId[] =
    docs.length > 0 ? (Object.values((await wf.insertMany(docs)).insertedIds) as ObjectId[]) : [];

  if (o.normalizeChannel) {
    for (let i = 0; i < docs.length; i++) {
      const plain = {
        net: index.net[i],
        sta: index.sta[i],
        chan: index.chan[i],
        loc: docs[i].loc,
        starttime: index.starttime[i],
        endtime: index.endtime[i],
      };
      const channelId = await matchChannel(db, plain);
      if (channelId !== undefined) await wf.updateOne({ _id: ids[i] }, { $set: { channel_id: channelId } });
    }
  }

  const elogIds: ObjectId[] = [];
  if (index.complaints.length > 0) {
    const log = new ErrorLogger();
    for (const c of index.complaints)
      log.log(ALGORITHM, `${base}: ${c.message}`, c.badness as "Complaint" | "Invalid");
    const logdata = log.toLogData();
    // One fresh document per segment (MsPASS's reused dict is its DuplicateKeyError bug);
    // with no segment, one entry without a wf id so the problem is not lost.
    const key = "wf_miniseed_id";
    const entries: Document[] = ids.length > 0 ? ids.map((id) => ({ logdata, [key]: id })) : [{ logdata }];
    const r = await db.collection(o.elogCollection).insertMany(entries);
    elogIds.push(...(Object.values(r.insertedIds) as ObjectId[]));
  }
  return o.returnIds ? [ids, elogIds] : indexMseedReport(file, ids, elogIds, index.complaints);
}
