/**
 * `readDistributedData` (MsPASS's `read_distributed_data`): a lazy Bag whose
 * elements are read on the workers.
 *
 *     const bag = await readDistributedData(db, { query: { sta: "AAK" }, npartitions: 16 });
 *     const ids = await writeDistributedData(bag.map(demean), db, { dataTag: "demeaned" });
 *
 * What `data` may be:
 * - a `Database` or its name, with `query` (default `{}`): one atomic datum
 *   per document. The query is run ONCE, streamed from the Rust core's
 *   cursor as raw BSON, and cut into partitions as it arrives
 *   (crates/mspass-core/src/partition.rs): by default of about
 *   DEFAULT_PARTITION_SAMPLES samples and at most DEFAULT_PARTITION_DOCS
 *   documents, so a worker's memory is bounded by a partition whatever the
 *   number of documents; with `npartitions`, of equal document counts (see
 *   LOOKAHEAD_DOCS). Each partition carries its documents to its worker,
 *   which reads only their samples. The scan advances only while fewer than
 *   a bounded number of partitions are in flight (src/scheduler/bag-stream.ts),
 *   so memory on the main thread is bounded too.
 * - an array of query objects (with `db`): one ensemble per query, sorted
 *   by `sortClause`.
 * - an array of wf documents (with `db`): one atomic datum per document.
 *   An array counts as documents when every element has an `_id` and a
 *   `storage_mode` (what wf documents have and queries do not);
 *   `listOf: "queries" | "documents"` says it explicitly.
 *
 * The Bag is lazy: nothing is read before `compute()`, and each compute
 * runs the query again.
 *
 * On a worker, a partition's samples are released as soon as its results
 * have left the worker (src/parallel/worker-memory.ts): a task that keeps a
 * datum past its own end, or hands its samples to work it does not await,
 * must copy them (`d.data.slice()`).
 *
 * If the server stops during `compute()`, each partition retries connection
 * errors for `retryTimeoutMS` (default 30 s, on top of the pool's server
 * selection timeout), then the job fails with one error naming the server —
 * see retry.ts and docs/parallel.md.
 */
import { BSON, type Document } from "mongodb";
import { native, toMsPASSError, type Binding } from "../native.js";
import { MsPASSError } from "../errors.js";
import { asBuffer, isDocument } from "../db/bson.js";
import { Database } from "../db/database.js";
import { mergeOptions, resolveWfCollection } from "../db/io-options.js";
import { fromPartitionStream, fromSequence, type Bag } from "../scheduler/bag.js";
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
  /**
   * Partitions of the bag. For a query: exactly this many when the query
   * matches at most LOOKAHEAD_DOCS documents, else at least this many (see
   * LOOKAHEAD_DOCS); default: about DEFAULT_PARTITION_SAMPLES samples each.
   * For a list: default 100 at most, as dask.
   */
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
/**
 * Default size of a partition of a query read, in samples (× 3 for a
 * Seismogram): 16 MB of float64. A partition's samples are held a few times
 * over on its worker (the read buffer, the data, the write), so this, not
 * the number of documents, bounds a worker's memory.
 */
export const DEFAULT_PARTITION_SAMPLES = 2_000_000;
/**
 * ... and at most this many documents. A partition's JavaScript objects
 * (documents, metadata, data objects) live as long as it runs; the more of
 * them, the more young-generation collections they live through, and what
 * survives two is promoted to the worker's old generation, which V8 lets
 * grow a long way before it collects it. 1,000 small documents per
 * partition grew each worker's heap by about 60 MB over 20,000 documents;
 * 500 keep it level at no measured cost in time; 250 cost 10 % in the
 * partitions' fixed work (bench/RESULTS.md, "A partition's samples released when
 * its results leave the worker").
 */
export const DEFAULT_PARTITION_DOCS = 500;
/**
 * With `npartitions`, the scan first holds up to this many documents (and
 * LOOKAHEAD_BYTES of them: documents, not samples) to count them: when the
 * query's result ends within that, it is cut into exactly `npartitions`
 * partitions of equal counts; beyond, into partitions of
 * LOOKAHEAD_DOCS / npartitions documents (and at most
 * DEFAULT_PARTITION_SAMPLES samples), so at least `npartitions` of them.
 * Counting first would be a second pass: on FerretDB v1 even
 * `estimatedDocumentCount` reads the whole collection (docs/parallel.md).
 */
export const LOOKAHEAD_DOCS = 65_536;
export const LOOKAHEAD_BYTES = 64 * 2 ** 20;
/** Documents per server batch of the scan. */
const SCAN_BATCH = 1000;

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
      `${FN}: sortClause applies to a list of queries (ensembles); a query read gives atomic data in the order the server returns them`,
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

  const common = readCommon(db, collection);
  const scan = {
    uri: db.client.connectionString,
    db: db.name,
    collection,
    filter: encode(filter, "query"),
    rule: {
      maxSamples: DEFAULT_PARTITION_SAMPLES,
      maxDocs: DEFAULT_PARTITION_DOCS,
      ncomponents: dataType === "Seismogram" ? 3 : 1,
      ...(npartitions === undefined
        ? {}
        : { npartitions, lookaheadDocs: LOOKAHEAD_DOCS, lookaheadBytes: LOOKAHEAD_BYTES }),
    },
    retryTimeoutMS,
  };
  return fromPartitionStream<ReadSpec>({
    expected: npartitions ?? Number.NaN,
    open: () => scanPartitions(scan, common),
  }).mapPartitions(READ_TASK);
}

interface ScanSpec {
  uri: string;
  db: string;
  collection: string;
  filter: Uint8Array;
  rule: Binding.PartitionRule;
  retryTimeoutMS: number;
}

/**
 * One scan of the query, cut into partitions by the core as it is pulled
 * (one read spec each, carrying its documents). A lost connection is
 * retried with backoff for `retryTimeoutMS`; the core then resumes the scan
 * after the documents already handed out (checking they are the same), so
 * each document is in exactly one partition.
 */
async function* scanPartitions(s: ScanSpec, common: ReadCommon): AsyncGenerator<ReadSpec[], void, undefined> {
  const scan = native.scanPartitions(
    s.uri,
    s.db,
    s.collection,
    asBuffer(s.filter),
    { batchSize: SCAN_BATCH },
    s.rule,
  );
  try {
    for (let i = 1; ; i++) {
      const of = s.rule.npartitions === undefined ? "" : `/${s.rule.npartitions}`;
      const what = `${FN}(${s.db}.${s.collection}, partition ${i}${of})`;
      let p: Binding.ScanPartition | null;
      try {
        p = await withServerRetry(() => scan.next(), s.uri, what, s.retryTimeoutMS);
      } catch (err) {
        throw err instanceof MsPASSError ? err : toMsPASSError(err, what);
      }
      if (p === null) return;
      const label = `partition ${i}${p.planned == null ? of : `/${p.planned}`}`;
      yield [{ ...common, kind: "documents", docs: p.docs, label }];
    }
  } finally {
    scan.close();
  }
}
