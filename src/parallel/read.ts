/**
 * `readDistributedData` (MsPASS's `read_distributed_data`): a lazy Bag whose
 * elements are read on the workers.
 *
 *     const bag = await readDistributedData(db, { query: { sta: "AAK" }, npartitions: 16 });
 *     const ids = await writeDistributedData(bag.map(demean), db, { dataTag: "demeaned" });
 *
 * What `data` may be:
 * - a `Database` or its name, with `query` (default `{}`): one atomic datum
 *   per document. The main thread does NOT load the documents: it streams
 *   only their `_id`s (a projection, sorted) and keeps a bounded sample of
 *   them (at most SPLIT_KEEP, thinned as it goes), with the samples before
 *   each, from which it cuts `_id` ranges: `npartitions` of equal counts, or
 *   by default ranges of about DEFAULT_PARTITION_SAMPLES samples, so a
 *   worker's memory is bounded by a partition whatever the number of
 *   documents. Each partition reads `query AND lo <= _id < hi` on a worker.
 *   Memory on the main thread is O(SPLIT_KEEP), not O(documents). `_id`s must
 *   be of one BSON type (ObjectIds, as MsPASS writes).
 * - an array of query objects (with `db`): one ensemble per query, sorted
 *   by `sortClause`.
 * - an array of wf documents (with `db`): one atomic datum per document.
 *   An array counts as documents when every element has an `_id` and a
 *   `storage_mode` (what wf documents have and queries do not);
 *   `listOf: "queries" | "documents"` says it explicitly.
 *
 * It is async (unlike dask's) because the `_id` split is one streamed query;
 * the Bag itself is lazy: nothing is read before `compute()`.
 *
 * If the server stops during `compute()`, each partition retries connection
 * errors for `retryTimeoutMS` (default 30 s, on top of the pool's server
 * selection timeout), then the job fails with one error naming the server —
 * see retry.ts and docs/parallel.md.
 */
import { BSON, type Document } from "mongodb";
import { MsPASSError } from "../errors.js";
import { isDocument } from "../db/bson.js";
import { Database } from "../db/database.js";
import { mergeOptions, resolveWfCollection } from "../db/io-options.js";
import { fromSequence, type Bag } from "../scheduler/bag.js";
import { task } from "../scheduler/task-ref.js";
import type { SeismogramEnsemble, TimeSeriesEnsemble } from "../data/ensemble.js";
import type { Mode } from "../schema/modes.js";
import { fetchDbhandle, rememberClient, DEFAULT_DBCLIENT_KEY } from "./fetch.js";
import { withServerRetry } from "./retry.js";
import { optExcludeKeys, optMode, optPositiveInt, optRetryTimeout, optSort } from "./options.js";
import { checkKeys, optString, describe } from "../option-checks.js";
import type { MergeReadOptions, ReadCommon, ReadSpec } from "./read-task.js";
import { parseNormalizeList, type NormalizeListItem } from "../normalize/read-hook.js";
import type { MatcherSpec } from "../normalize/basic-matcher.js";
import type { Atomic } from "../data/atomic.js";

export interface ReadDistributedOptions {
  /** With a Database or name: the wf documents to read (default `{}`). */
  query?: Document;
  /** With an array of queries or documents: the database (a Database or its name). */
  db?: Database | string;
  /** Waveform collection: "wf" (= "wf_TimeSeries", default) or "wf_Seismogram". */
  collection?: string;
  /** "promiscuous" (default), "cautious" or "pedantic". */
  mode?: Mode;
  /** Partitions of the bag (default for a query: about DEFAULT_PARTITION_SAMPLES samples each; for a list, 100 at most, as dask). */
  npartitions?: number;
  /** Only documents with this `data_tag`. */
  dataTag?: string;
  /** Ensembles: member order, `{key: 1|-1}` or `[[key, 1|-1], ...]`. */
  sortClause?:
    | Record<string, 1 | -1 | "asc" | "desc">
    | Array<[string, 1 | -1 | "asc" | "desc"]>
    | [string, 1 | -1];
  /** Document keys not copied into the data's Metadata. */
  excludeKeys?: string[];
  /** An array `data` holds queries (ensembles) or documents (atomic data); default: guessed, see above. */
  listOf?: "queries" | "documents";
  /** How long a partition keeps retrying while the server is unreachable (default 30 000 ms). */
  retryTimeoutMS?: number;
  /** worker.data key of the workers' MongoDBWorker (default "dbclient"). */
  dbclientKey?: string;
  /**
   * Matchers applied to every datum as readData's `normalize`. They reach
   * the workers as specs (matcher.toSpec()); each worker rebuilds a matcher
   * once and keeps it, so a cached matcher loads once per worker.
   */
  normalize?: readonly NormalizeListItem[];
  /** miniSEED documents: readData's merge options (obspy's method -1/0/1, fill value, interpolation samples). */
  mergeMethod?: -1 | 0 | 1;
  mergeFillValue?: number | "latest" | "interpolate" | null;
  mergeInterpolationSamples?: number;
}

type AnyEnsemble = TimeSeriesEnsemble | SeismogramEnsemble;

const FN = "readDistributedData";
const KEYS = [
  "query",
  "db",
  "collection",
  "mode",
  "npartitions",
  "dataTag",
  "sortClause",
  "excludeKeys",
  "listOf",
  "retryTimeoutMS",
  "dbclientKey",
  "normalize",
  "mergeMethod",
  "mergeFillValue",
  "mergeInterpolationSamples",
] as const;
/** `_id` split: at most this many sampled ids are held while streaming. */
export const SPLIT_KEEP = 65_536;
/**
 * Default size of a partition of a query read, in samples (× 3 for a
 * Seismogram): 16 MB of float64. A partition's samples are held a few times
 * over on its worker (the read buffer, the data, the write), so this, not
 * the number of documents, bounds a worker's memory.
 */
export const DEFAULT_PARTITION_SAMPLES = 2_000_000;
/** ... and at most this many documents (a document counts at least 1/this of a partition). */
export const DEFAULT_PARTITION_DOCS = 1000;

const READ_TASK = task<(specs: ReadSpec[]) => Promise<Array<Atomic | AnyEnsemble>>>(
  new URL("./read-task.js", import.meta.url),
  "readPartition",
);

/** The miniSEED merge options, checked here so a bad value fails the call, not every partition. */
function mergeReadOptions(o: Record<string, unknown>): { merge?: MergeReadOptions } {
  const given: Record<string, unknown> = {};
  for (const k of ["mergeMethod", "mergeFillValue", "mergeInterpolationSamples"] as const)
    if (o[k] !== undefined) given[k] = o[k];
  if (Object.keys(given).length === 0) return {};
  mergeOptions(given, FN);
  return { merge: given as MergeReadOptions };
}

/** Matchers as specs for the workers (a matcher holds a Database handle: not a task argument). */
function normalizeSpecs(db: Database, list: unknown): { normalize?: MatcherSpec[] } {
  const matchers = parseNormalizeList(db, list, FN);
  return matchers.length === 0 ? {} : { normalize: matchers.map((m) => m.toSpec()) };
}

function resolveDb(v: unknown, what: string): Database {
  if (v instanceof Database) return v;
  if (typeof v === "string") return fetchDbhandle(v);
  throw new MsPASSError(
    `${FN}: ${what} must be a Database or a database name, got ${describe(v)}`,
    "Invalid",
  );
}

function looksLikeWfDocument(x: unknown): boolean {
  if (!isDocument(x)) return false;
  const d = x as Document;
  return (
    d._id !== undefined &&
    typeof d.storage_mode === "string" &&
    !Object.keys(d).some((k) => k.startsWith("$"))
  );
}

function encode(doc: Document, what: string): Uint8Array {
  try {
    return BSON.serialize(doc);
  } catch (err) {
    throw new MsPASSError(`${FN}: ${what} cannot be encoded as BSON: ${(err as Error).message}`, "Invalid");
  }
}

/** Read (lazily, on the workers) the data described by `data`; see the module comment. */
export function readDistributedData(
  data: Database | string,
  options?: ReadDistributedOptions,
): Promise<Bag<Atomic>>;
export function readDistributedData(
  data: readonly Document[],
  options: ReadDistributedOptions & { listOf: "queries" },
): Promise<Bag<AnyEnsemble>>;
export function readDistributedData(
  data: readonly Document[],
  options: ReadDistributedOptions & { listOf: "documents" },
): Promise<Bag<Atomic>>;
export function readDistributedData(
  data: readonly Document[],
  options: ReadDistributedOptions,
): Promise<Bag<Atomic | AnyEnsemble>>;
export async function readDistributedData(
  data: unknown,
  options?: ReadDistributedOptions,
): Promise<Bag<Atomic | AnyEnsemble>> {
  const o = checkKeys(options, KEYS, FN);
  const mode = optMode(FN, o);
  const excludeKeys = optExcludeKeys(FN, o);
  const dataTag = optString(o.dataTag, "dataTag", FN);
  const npartitions = optPositiveInt(FN, o, "npartitions");
  const sort = optSort(FN, o);
  const retryTimeoutMS = optRetryTimeout(FN, o);
  const dbclientKey = optString(o.dbclientKey, "dbclientKey", FN) ?? DEFAULT_DBCLIENT_KEY;
  const merge = mergeReadOptions(o);
  // What every partition of this call shares, whichever way its data are given.
  const readCommon = (db: Database, collection: string): ReadCommon => ({
    db: db.name,
    server: rememberClient(db.client),
    dbclientKey,
    collection,
    mode,
    excludeKeys,
    dataTag,
    retryTimeoutMS,
    ...normalizeSpecs(db, o.normalize),
    ...merge,
  });
  if (o.listOf !== undefined && o.listOf !== "queries" && o.listOf !== "documents") {
    throw new MsPASSError(
      `${FN}: listOf must be "queries" or "documents", got ${describe(o.listOf)}`,
      "Invalid",
    );
  }

  if (Array.isArray(data)) {
    if (o.query !== undefined)
      throw new MsPASSError(
        `${FN}: query applies to a Database or name, not to an array of queries/documents`,
        "Invalid",
      );
    if (o.db === undefined)
      throw new MsPASSError(
        `${FN}: db (a Database or its name) is required when data is an array`,
        "Invalid",
      );
    const db = resolveDb(o.db, "db");
    const { collection } = resolveWfCollection(db.schema, o.collection ?? "wf", FN);
    const common = readCommon(db, collection);
    data.forEach((x, i) => {
      if (!isDocument(x))
        throw new MsPASSError(
          `${FN}: data[${i}] must be a query or document object, got ${describe(x)}`,
          "Invalid",
        );
    });
    const asDocs =
      o.listOf === "documents" ||
      (o.listOf === undefined && data.length > 0 && data.every(looksLikeWfDocument));
    if (asDocs && sort !== undefined)
      throw new MsPASSError(
        `${FN}: sortClause applies to a list of queries (ensembles), not to documents`,
        "Invalid",
      );
    const specs: ReadSpec[] = data.map((x, i) =>
      asDocs
        ? { ...common, kind: "document", doc: encode(x as Document, `data[${i}]`) }
        : {
            ...common,
            kind: "ensemble",
            filter: encode(
              dataTag === undefined ? (x as Document) : { $and: [x, { data_tag: dataTag }] },
              `data[${i}]`,
            ),
            ...(sort === undefined ? {} : { sort }),
            label: `query ${i}`,
          },
    );
    return fromSequence(specs, {
      npartitions: npartitions ?? Math.max(1, Math.min(100, specs.length)),
    }).mapPartitions(READ_TASK);
  }

  if (o.db !== undefined)
    throw new MsPASSError(
      `${FN}: db is for an array of queries/documents; pass the Database (or name) as data`,
      "Invalid",
    );
  if (sort !== undefined)
    throw new MsPASSError(
      `${FN}: sortClause applies to a list of queries (ensembles); a query read gives atomic data in _id order`,
      "Invalid",
    );
  if (o.listOf !== undefined)
    throw new MsPASSError(`${FN}: listOf applies only when data is an array`, "Invalid");
  const db = resolveDb(data, "data");
  const query = o.query ?? {};
  if (!isDocument(query))
    throw new MsPASSError(`${FN}: query must be an object, got ${describe(query)}`, "Invalid");
  const { collection, dataType } = resolveWfCollection(db.schema, o.collection ?? "wf", FN);
  const filter: Document =
    dataTag === undefined ? (query as Document) : { $and: [query, { data_tag: dataTag }] };
  encode(filter, "query");

  const split = await withServerRetry(
    () => splitIds(db, collection, filter, dataType === "Seismogram" ? 3 : 1),
    db.client.connectionString,
    `${FN}(${db.name}.${collection}): splitting the query by _id`,
    retryTimeoutMS,
  );
  const common = readCommon(db, collection);
  const ranges =
    npartitions === undefined
      ? cutBySamples(split, DEFAULT_PARTITION_SAMPLES)
      : cutRanges(split, npartitions);
  const specs: ReadSpec[] = ranges.map((r, i) => ({
    ...common,
    kind: "range",
    filter: encode(rangeFilter(filter, r), "query"),
    label: `partition ${i + 1}/${ranges.length}`,
  }));
  // One spec per partition: the bag's partitions are exactly the _id ranges.
  return fromSequence(specs, { npartitions: Math.max(1, specs.length) }).mapPartitions(READ_TASK);
}

/**
 * The streamed `_id` sample: every `stride`-th id in `_id` order, and the
 * last one; `before[i]`: the samples (weighed as in `splitIds`) of the
 * documents before `starts[i]`; `total`: those of all of them.
 */
export interface IdSplit {
  count: number;
  stride: number;
  starts: unknown[];
  before: number[];
  total: number;
  last: unknown;
}

/** What a document weighs in a partition: its samples, at least 1/DEFAULT_PARTITION_DOCS of a partition. */
function docWeight(npts: unknown, ncomp: number): number {
  const n = typeof npts === "number" && Number.isFinite(npts) && npts > 0 ? npts * ncomp : 0;
  return Math.max(n, DEFAULT_PARTITION_SAMPLES / DEFAULT_PARTITION_DOCS);
}

/**
 * Stream the `_id`s (and `npts`) of `filter` in order, keeping every
 * `stride`-th id; when SPLIT_KEEP would be exceeded, the stride doubles and
 * every other kept id is dropped — so memory stays bounded whatever the count.
 */
export async function splitIds(
  db: Database,
  collection: string,
  filter: Document,
  ncomp = 1,
): Promise<IdSplit> {
  let stride = 1;
  let starts: unknown[] = [];
  let before: number[] = [];
  let count = 0;
  let total = 0;
  let last: unknown;
  const cursor = db
    .collection(collection)
    .find(filter, { projection: { _id: 1, npts: 1 }, sort: { _id: 1 }, batchSize: 10_000 });
  for await (const d of cursor) {
    if (count % stride === 0) {
      starts.push(d._id);
      before.push(total);
      if (starts.length > SPLIT_KEEP) {
        starts = starts.filter((_x, i) => i % 2 === 0);
        before = before.filter((_x, i) => i % 2 === 0);
        stride *= 2;
      }
    }
    total += docWeight(d.npts, ncomp);
    last = d._id;
    count++;
  }
  return { count, stride, starts, before, total, last };
}

export interface Range {
  lo: unknown;
  hi: unknown;
  /** hi is inclusive (the last partition ends at the last id seen). */
  last: boolean;
}

/**
 * `filter AND r.lo <= _id < r.hi` (`<=` for the last range). The bounds go
 * in a top-level `_id` key beside the query's own keys (MongoDB ANDs them),
 * the shape that both mongod's planner and the embedded FerretDB (patched:
 * tools/ferretdb/patches.json) answer from the `_id` index, so a partition
 * reads only its own documents. Only a query with its own top-level `_id`
 * needs `$and`.
 */
export function rangeFilter(filter: Document, r: Range): Document {
  const bounds = r.last ? { $gte: r.lo, $lte: r.hi } : { $gte: r.lo, $lt: r.hi };
  return Object.hasOwn(filter, "_id") ? { $and: [filter, { _id: bounds }] } : { ...filter, _id: bounds };
}

/**
 * Contiguous `_id` ranges of about `samples` samples each (whole granules of
 * the split: a range ends at the first kept id at or past its share).
 */
export function cutBySamples(split: IdSplit, samples: number): Range[] {
  const g = split.starts.length;
  if (g === 0) return [];
  const out: Range[] = [];
  let a = 0;
  for (let b = 1; b < g; b++) {
    if (split.before[b]! - split.before[a]! >= samples) {
      out.push({ lo: split.starts[a], hi: split.starts[b], last: false });
      a = b;
    }
  }
  out.push({ lo: split.starts[a], hi: split.last, last: true });
  return out;
}

/** `n` contiguous `_id` ranges of nearly equal size (fewer if there are fewer granules). */
export function cutRanges(split: IdSplit, n: number): Range[] {
  const g = split.starts.length;
  if (g === 0) return [];
  const parts = Math.min(n, g);
  const out: Range[] = [];
  for (let p = 0; p < parts; p++) {
    const a = Math.floor((p * g) / parts);
    const b = Math.floor(((p + 1) * g) / parts);
    const lastPart = p === parts - 1;
    out.push({ lo: split.starts[a], hi: lastPart ? split.last : split.starts[b], last: lastPart });
  }
  return out;
}
