/**
 * The worker side of readDistributedData: one call reads one bag
 * partition's read specs. Runs in scheduler workers (or in the calling
 * thread with `scheduler: "none"`); resolves the database by name with
 * `fetchDbhandle`, so it uses the worker's one client.
 *
 * Specs cross threads as plain data: filters and documents as BSON bytes
 * (a structured clone would turn an ObjectId into a plain object).
 */
import { BSON, type Document } from "mongodb";
import { MsPASSError } from "../errors.js";
import type { Mode } from "../schema/modes.js";
import type { SeismogramEnsemble, TimeSeriesEnsemble } from "../data/ensemble.js";
import { Cursor } from "../db/cursor.js";
import { taskDatabase } from "./fetch.js";
import { withServerRetry } from "./retry.js";
import { releaseBeforeRead, releaseWithTask } from "./worker-memory.js";
// Loaded for its effect: readData on this worker applies the specs in `normalize`.
import "../normalize/read-hook.js";
import type { MatcherSpec } from "../normalize/basic-matcher.js";
import type { Atomic } from "../data/atomic.js";

export interface ReadCommon {
  db: string;
  /** uriTag of the caller's Database's server (see fetch.ts taskDatabase). */
  server: string;
  dbclientKey: string;
  collection: string;
  mode: Mode;
  excludeKeys: string[];
  dataTag?: string;
  retryTimeoutMS: number;
  /** readData's normalize, as matcher specs (rebuilt once per worker: src/normalize/spec.ts). */
  normalize?: MatcherSpec[];
  /** readData's miniSEED merge options, as given (checked on the caller). */
  merge?: MergeReadOptions;
}

/** The readData options of miniSEED merging (see ReadDataOptions). */
export interface MergeReadOptions {
  mergeMethod?: -1 | 0 | 1;
  mergeFillValue?: number | "latest" | "interpolate" | null;
  mergeInterpolationSamples?: number;
}

/**
 * One partition of an atomic read of a query: its wf documents, cut from
 * the main thread's one scan (concatenated raw BSON), as atomic data. A
 * re-run after a worker died gets the same documents.
 */
export interface DocumentsSpec extends ReadCommon {
  kind: "documents";
  docs: Uint8Array;
  /** For messages: "partition 3/20". */
  label: string;
}

/** One ensemble: the documents of `filter`, sorted. */
export interface EnsembleSpec extends ReadCommon {
  kind: "ensemble";
  filter: Uint8Array;
  sort?: Record<string, 1 | -1>;
  label: string;
}

/** One atomic datum from the given document. */
export interface DocumentSpec extends ReadCommon {
  kind: "document";
  doc: Uint8Array;
}

export type ReadSpec = DocumentsSpec | EnsembleSpec | DocumentSpec;

type AnyEnsemble = TimeSeriesEnsemble | SeismogramEnsemble;

function readOptions(s: ReadCommon) {
  return {
    collection: s.collection,
    mode: s.mode,
    excludeKeys: s.excludeKeys,
    ...(s.dataTag === undefined ? {} : { dataTag: s.dataTag }),
    ...(s.normalize === undefined ? {} : { normalize: s.normalize }),
    ...(s.merge ?? {}),
  };
}

function* sampleBuffers(data: readonly Atomic[]): Generator<ArrayBufferLike> {
  for (const d of data) yield d.data.buffer;
}

/** Read every spec of a partition; atomic data and ensembles in spec order. */
export async function readPartition(specs: ReadSpec[]): Promise<Array<Atomic | AnyEnsemble>> {
  const out: Array<Atomic | AnyEnsemble> = [];
  // Once per partition, not per spec: a partition of single documents has as many specs as data.
  releaseBeforeRead();
  for (const s of specs) {
    const db = taskDatabase(s.db, s.dbclientKey, s.server);
    const uri = db.client.connectionString;
    switch (s.kind) {
      case "documents": {
        // One core call reads all their samples (the collection is not
        // queried again); the members are the atomic data.
        const ens = await withServerRetry(
          () =>
            db.readData(
              Cursor.ofDocuments(db.collection(s.collection), s.docs),
              readOptions(s),
            ) as Promise<AnyEnsemble>,
          uri,
          `readDistributedData(${s.db}.${s.collection}, ${s.label})`,
          s.retryTimeoutMS,
        );
        // Members stay views into the partition's one sample buffer: the
        // partition's pipeline runs here, and a datum that crosses threads
        // has only its own samples copied (scheduler/serialize.ts), so no
        // per-datum copy is made up front.
        for (const m of ens.member as Atomic[]) out.push(m);
        releaseWithTask(sampleBuffers(ens.member));
        break;
      }
      case "ensemble": {
        const filter = BSON.deserialize(s.filter) as Document;
        const ens = await withServerRetry(
          () =>
            db.readData(
              db.collection(s.collection).find(filter, s.sort === undefined ? {} : { sort: s.sort }),
              readOptions(s),
            ) as Promise<AnyEnsemble>,
          uri,
          `readDistributedData(${s.db}.${s.collection}, ${s.label})`,
          s.retryTimeoutMS,
        );
        out.push(ens);
        releaseWithTask(sampleBuffers(ens.member));
        break;
      }
      case "document": {
        const doc = BSON.deserialize(s.doc) as Document;
        const d = await withServerRetry(
          () => db.readData(doc, readOptions(s)) as Promise<Atomic>,
          uri,
          `readDistributedData(${s.db}.${s.collection}, document ${String(doc._id ?? "")})`,
          s.retryTimeoutMS,
        );
        out.push(d);
        releaseWithTask(sampleBuffers([d]));
        break;
      }
      default:
        throw new MsPASSError(
          `readPartition: unknown read spec ${JSON.stringify((s as { kind?: unknown }).kind)}`,
          "Fatal",
        );
    }
  }
  return out;
}
