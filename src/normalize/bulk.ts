/**
 * `bulkNormalize` / `normalizeMseed` (MsPASS `bulk_normalize`,
 * `normalize_mseed`): write matched ids and epoch times into wf documents,
 * in bulk. One pass over the wf documents; each matcher's look-up is in
 * memory when it is a cached matcher; each matched document gets one
 * `{_id}` update statement, as MsPASS's `bulk_write` of `UpdateOne`s, sent
 * `blocksize` at a time through Collection.bulkUpdate (≤ 50 statements per
 * `update` command) instead of one round trip per document.
 */
import type { Document } from "mongodb";
import { MsPASSError } from "../errors.js";
import { applyBsonTypes } from "../schema/bson-types.js";
import type { Database } from "../db/database.js";
import { BasicMatcher } from "./basic-matcher.js";
import { MiniseedMatcher } from "./miniseed.js";

export interface BulkNormalizeOptions {
  /** The wf documents to normalize (default all). */
  wfquery?: Document;
  /** Default "wf_miniseed". */
  wfCol?: string;
  /** Documents per bulk update (default 1000). */
  blocksize?: number;
  /** The matchers, applied in order; each hit `$set`s its prefixed attributesToLoad. */
  matcherList: readonly BasicMatcher[];
  /** Only these wf fields are read (plus _id); default all. normalizeMseed passes the SEED/time keys. */
  projection?: Document;
}

export interface NormalizeMseedOptions {
  wfquery?: Document;
  blocksize?: number;
  normalizeChannel?: boolean;
  normalizeSite?: boolean;
  wfCol?: string;
}

function blocksizeOption(v: unknown, fn: string): number {
  if (v === undefined) return 1000;
  if (typeof v !== "number" || !Number.isInteger(v) || v < 1)
    throw new MsPASSError(`${fn}: blocksize must be a positive integer, got ${String(v)}`, "Invalid");
  return v;
}

function queryOption(v: unknown, fn: string): Document {
  if (v === undefined || v === null) return {};
  if (typeof v !== "object" || Array.isArray(v))
    throw new MsPASSError(`${fn}: wfquery must be a document`, "Invalid");
  return v as Document;
}

/**
 * Returns `[ndocs, hits of matcher 0, hits of matcher 1, ...]` as MsPASS.
 * A query matching no document throws (Fatal, as MsPASS); documents no
 * matcher matches are left as they are.
 */
export async function bulkNormalize(db: Database, options: BulkNormalizeOptions): Promise<number[]> {
  const fn = "bulkNormalize";
  if (typeof options !== "object" || options === null)
    throw new MsPASSError(`${fn}: options with matcherList are required`, "Invalid");
  const wfquery = queryOption(options.wfquery, fn);
  const wfCol = options.wfCol ?? "wf_miniseed";
  if (typeof wfCol !== "string" || wfCol === "")
    throw new MsPASSError(`${fn}: wfCol must be a collection name`, "Invalid");
  const blocksize = blocksizeOption(options.blocksize, fn);
  const matchers = options.matcherList;
  if (
    !Array.isArray(matchers) ||
    matchers.length === 0 ||
    !matchers.every((m) => m instanceof BasicMatcher)
  ) {
    throw new MsPASSError(`${fn}: matcherList must be a non-empty array of matchers`, "Invalid");
  }
  const projection = options.projection;
  const wf = db.collection(wfCol);
  const ndocs = await wf.countDocuments(wfquery);
  if (ndocs === 0)
    throw new MsPASSError(
      `${fn}: the query ${JSON.stringify(wfquery)} matches no document in ${wfCol}`,
      "Fatal",
    );
  const hits = matchers.map(() => 0);
  // The look-ups run while the cursor is read; the writes wait until it is
  // drained: on FerretDB v1 (SQLite) updates issued while a multi-batch
  // cursor on the same collection is open stalled (observed at 10,000
  // documents). Memory: one small `$set` per matched document.
  // One statement per document, filtered by `_id` alone: that is the filter
  // both servers answer from the _id index (FerretDB v1 only with our
  // tools/ferretdb/patches.json; an `{_id: {$in: [...]}}` statement grouping
  // documents with the same `$set` is a collection scan there, measured
  // slower at every size in bench/RESULTS.md).
  // Typed by the schema when it knows wfCol (channel_hang, site_starttime, ... are doubles in MsPASS even when integral).
  const typed = (set: Document): Document =>
    db.schema.hasCollection(wfCol) ? applyBsonTypes(set, wfCol, { schema: db.schema }) : set;
  const updates: Array<{ filter: Document; update: Document }> = [];
  for await (const doc of wf.find(wfquery, projection === undefined ? {} : { projection })) {
    const set: Document = {};
    for (const [i, m] of matchers.entries()) {
      const hit = await m.findDoc(doc);
      if (hit === null) continue;
      hits[i]!++;
      Object.assign(set, m.setDocument(hit));
    }
    if (Object.keys(set).length > 0) updates.push({ filter: { _id: doc._id }, update: { $set: typed(set) } });
  }
  for (let at = 0; at < updates.length; at += blocksize) {
    const block = updates.slice(at, at + blocksize);
    const r = await wf.bulkUpdate(block, { ordered: false });
    if (r.writeErrors.length > 0) {
      throw new MsPASSError(
        `${fn}: ${r.writeErrors.length} of ${block.length} updates in ${wfCol} failed (documents ${at}..${at + block.length - 1} of ${updates.length}; the earlier ones are written); first: ${r.writeErrors[0]!.errmsg}`,
        "Fatal",
      );
    }
  }
  return [ndocs, ...hits];
}

/** The wf_miniseed keys the MiniSEED matchers look at. */
const MSEED_KEYS = { net: 1, sta: 1, chan: 1, loc: 1, starttime: 1, endtime: 1 } as const;

/**
 * MsPASS's normalize_mseed: `channel_id`, `channel_starttime`,
 * `channel_endtime`, `channel_hang`, `channel_vang` and `site_id`,
 * `site_starttime`, `site_endtime` from cached MiniseedMatchers. Returns
 * `[ndocs, n_channel, n_site]`.
 */
export async function normalizeMseed(db: Database, options: NormalizeMseedOptions = {}): Promise<number[]> {
  const fn = "normalizeMseed";
  const normalizeChannel = options.normalizeChannel ?? true;
  const normalizeSite = options.normalizeSite ?? true;
  if (typeof normalizeChannel !== "boolean" || typeof normalizeSite !== "boolean") {
    throw new MsPASSError(`${fn}: normalizeChannel and normalizeSite must be booleans`, "Invalid");
  }
  const matcherList: BasicMatcher[] = [];
  if (normalizeChannel)
    matcherList.push(
      new MiniseedMatcher(db, "channel", {
        attributesToLoad: ["_id", "starttime", "endtime", "hang", "vang"],
      }),
    );
  if (normalizeSite)
    matcherList.push(new MiniseedMatcher(db, "site", { attributesToLoad: ["_id", "starttime", "endtime"] }));
  if (matcherList.length === 0) {
    const wfCol = options.wfCol ?? "wf_miniseed";
    return [await db.collection(wfCol).countDocuments(queryOption(options.wfquery, fn)), 0, 0];
  }
  const r = await bulkNormalize(db, {
    wfquery: options.wfquery,
    wfCol: options.wfCol,
    blocksize: options.blocksize,
    matcherList,
    projection: MSEED_KEYS,
  });
  return [r[0]!, normalizeChannel ? r[1]! : 0, normalizeSite ? r[normalizeChannel ? 2 : 1]! : 0];
}
