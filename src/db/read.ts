/**
 * `Database.readData` (MsPASS's `read_data`): wf documents → TimeSeries /
 * Seismogram / ensembles, samples by the Rust core.
 *
 * - ObjectId → one `findOne`, then as a document.
 * - document (plain object or Metadata) → one datum; its samples in one
 *   native call.
 * - Cursor → an ensemble in ONE native call that runs the query and returns
 *   the raw documents together with every member's samples in one buffer;
 *   each member's `data` is a Float64Array VIEW into that buffer (no copy).
 *
 * Dead data never throw. A document that cannot become a datum gives a dead
 * datum whose elog says why. The core reports each member's failure with a
 * KIND (see `member-error.ts`), and the kind alone decides:
 * - the document itself is unusable (mode failure, missing or wrong-typed
 *   `npts`/`delta`/`starttime`, unknown `storage_mode`, missing fields of its
 *   storage mode) → an *abortion* (`isAbortion`, never constructed; saved to
 *   `abortions`);
 * - the header is fine but the stored samples are not (no GridFS file, a
 *   missing or short file) → the constructed datum, killed (saved to
 *   `cemetery`).
 * Fields of other storage modes (a GridFS document's leftover `nbytes`,
 * `format`, `dir`, `dfile`, `foff`) are ignored, as in MsPASS.
 * An ensemble keeps all members, dead ones included (MsPASS writes read
 * failures to `abortions` at once; here `saveData` buries them, so the
 * caller sees them first). Only caller mistakes throw `MsPASSError`.
 */
import { BSON, Long, ObjectId, type Document } from "mongodb";
import { MsPASSError } from "../errors.js";
import { Metadata, type MetadataValue } from "../data/metadata.js";
import type { LogEntry } from "../data/error-logger.js";
import { makeAbortion } from "../data/abortion.js";
import { Seismogram } from "../data/seismogram.js";
import { TimeSeries } from "../data/time-series.js";
import { SeismogramEnsemble, TimeSeriesEnsemble } from "../data/ensemble.js";
import { docToMetadata } from "../schema/modes.js";
import type { Schema } from "../schema/schema.js";
import { native, toMsPASSError } from "../native.js";
import { asBuffer, documentOffsets, encodeDocument, isDocument } from "./bson.js";
import { Cursor, nativeFindOptions } from "./cursor.js";
import { recordAbortionSource } from "./undertaker.js";
import {
  isRetryableWithConvertedValues,
  memberErrorAt,
  memberErrorFate,
  type MemberError,
} from "./member-error.js";
import { resolveReadOptions, wfCollectionOf, type ReadDataOptions, type ResolvedRead } from "./io-options.js";
import type { Database } from "./database.js";
import { readNormalizer } from "./read-normalizer.js";
import { isS3StorageMode, readS3Samples } from "./storage/s3.js";
import { applyMseedHeader, mseedInfoByIndex, type MseedMemberInfo } from "./storage/mseed.js";
import { describe } from "../option-checks.js";
import type { Atomic } from "../data/atomic.js";

const ALG = "readData";

type AnyEnsemble = TimeSeriesEnsemble | SeismogramEnsemble;

/** What `readData` returns for each kind of argument. */
export type ReadDataResult = Atomic | AnyEnsemble;

function isObjectId(v: unknown): v is ObjectId {
  return (
    v instanceof ObjectId ||
    (typeof v === "object" && v !== null && (v as { _bsontype?: unknown })._bsontype === "ObjectId")
  );
}

/** An abortion of the collection's type, remembering the document it came from (its tombstone). */
function abort(r: ResolvedRead, md: Metadata, entries: LogEntry[], doc: Document): Atomic {
  const d = makeAbortion(r.dataType, md, entries);
  recordAbortionSource(d, doc);
  return d;
}

function entry(message: string, badness: LogEntry["badness"]): LogEntry {
  return { algorithm: ALG, message, badness };
}

/** Decode with the driver's defaults (as `Collection.find` returns documents). */
function decode(bytes: Uint8Array): Document {
  return BSON.deserialize(bytes);
}

function readOptionsFor(r: ResolvedRead) {
  return { ncomponents: r.dataType === "Seismogram" ? 3 : 1, merge: r.merge };
}

export async function readData(
  db: Database,
  schema: Schema,
  arg: unknown,
  options?: ReadDataOptions,
): Promise<ReadDataResult> {
  const list = options?.normalize;
  if (list === undefined || list === null) return readBuilt(db, schema, arg, options);
  // Matchers are checked before anything is read, and applied once each datum is built.
  const normalizer = readNormalizer("Database.readData");
  const matchers = normalizer.parse(db, list, "Database.readData");
  return normalizer.apply(await readBuilt(db, schema, arg, options), matchers);
}

async function readBuilt(
  db: Database,
  schema: Schema,
  arg: unknown,
  options?: ReadDataOptions,
): Promise<ReadDataResult> {
  if (arg instanceof Cursor) {
    const own = wfCollectionOf(schema, arg.collection.collectionName);
    const r = resolveReadOptions(schema, options, own ?? "wf");
    return readCursor(db, schema, arg, r);
  }
  const r = resolveReadOptions(schema, options, "wf");
  if (r.ensembleMetadata !== undefined) {
    throw new MsPASSError(
      "Database.readData: ensembleMetadata applies only to a cursor (ensemble) read",
      "Invalid",
    );
  }
  if (isObjectId(arg)) {
    const doc = await db.collection(r.collection).findOne({ _id: arg });
    if (doc === null) {
      return emptyDead(r, `no document with _id=${arg.toHexString()} in ${r.collection}`);
    }
    return readDocument(db, schema, doc, r);
  }
  if (arg instanceof Metadata) return readDocument(db, schema, arg.toObject(), r);
  if (isPlainDocument(arg)) {
    return readDocument(db, schema, arg, r);
  }
  throw new MsPASSError(
    `Database.readData: the first argument must be an ObjectId, a document or a Cursor, got ${isBsonValue(arg) ? (arg as { _bsontype: string })._bsontype : describe(arg)}`,
    "Invalid",
  );
}

/** A plain object (what the driver returns), not a class instance such as a Date or a bson value. */
function isPlainDocument(v: unknown): v is Document {
  if (!isDocument(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function isBsonValue(v: unknown): boolean {
  return typeof v === "object" && v !== null && typeof (v as { _bsontype?: unknown })._bsontype === "string";
}

/** An empty dead datum of the collection's type, with why it is empty. */
function emptyDead(r: ResolvedRead, why: string): Atomic {
  const d = r.dataType === "Seismogram" ? new Seismogram() : new TimeSeries();
  d.elog.log(ALG, why, "Invalid");
  d.kill();
  return d;
}

/** The keys the core's sample reader looks at. */
const SAMPLE_KEYS = [
  "npts",
  "nbytes",
  "storage_mode",
  "format",
  "dir",
  "dfile",
  "foff",
  "gridfs_id",
] as const;

/**
 * cautious mode converts types (npts stored as 10.0, foff as "800"); the
 * samples must then be located with the converted values, as MsPASS builds
 * the datum from the converted Metadata. Returns the document with those
 * values, or undefined when nothing the reader uses was converted.
 */
function convertedForSamples(doc: Document, md: Metadata, r: ResolvedRead): Document | undefined {
  if (r.mode !== "cautious") return undefined;
  let fixed: Document | undefined;
  for (const k of SAMPLE_KEYS) {
    if (md.has(k) && md.get(k) !== doc[k]) (fixed ??= { ...doc })[k] = md.get(k);
  }
  return fixed;
}

/**
 * A decoded document holds an int64 count (npts, foff, nbytes past 2^31) as
 * a JavaScript number, which BSON would encode back as a double: send it as
 * the integer it is, so the reader checks its value, not a type it never had.
 */
function integerCounts(doc: Document): Document {
  let out: Document | undefined;
  for (const k of SAMPLE_KEYS) {
    const v = doc[k];
    if (typeof v === "number" && Number.isSafeInteger(v) && (v | 0) !== v)
      (out ??= { ...doc })[k] = Long.fromNumber(v);
  }
  return out ?? doc;
}

function tagMismatch(doc: Document, r: ResolvedRead): boolean {
  return r.dataTag !== undefined && doc.data_tag !== r.dataTag;
}

async function readDocument(db: Database, schema: Schema, doc: Document, r: ResolvedRead): Promise<Atomic> {
  if (tagMismatch(doc, r)) {
    return emptyDead(
      r,
      `data_tag ${JSON.stringify(doc.data_tag ?? null)} of the document does not match the requested ${JSON.stringify(r.dataTag)}`,
    );
  }
  const conv = docToMetadata(doc, r.collection, r.mode, { excludeKeys: r.excludeKeys, schema });
  if (conv.dead) return abort(r, conv.md, conv.elogEntries, doc);
  let bytes: Buffer;
  try {
    bytes = encodeDocument(
      integerCounts(convertedForSamples(doc, conv.md, r) ?? doc),
      "Database.readData(document)",
    );
  } catch (err) {
    // A document that cannot be BSON (e.g. a value of no BSON type) cannot point at samples.
    return abort(r, conv.md, [...conv.elogEntries, entry((err as Error).message, "Invalid")], doc);
  }
  if (isS3StorageMode(doc.storage_mode)) return readS3Document(r, doc, conv.md, conv.elogEntries);
  const what = `Database.readData(${db.name}.${r.collection})`;
  db.client.assertOpen(what);
  let res;
  try {
    res = await native.readSamples(db.client.connectionString, db.name, bytes, readOptionsFor(r));
  } catch (err) {
    throw toMsPASSError(err, what);
  }
  const err = memberErrorAt(res, 0);
  const data = err ? undefined : res.samples.subarray(res.offsets[0], res.offsets[0]! + res.lengths[0]!);
  return buildDatum(r, doc, conv.md, conv.elogEntries, data, err, undefined, res.mseed[0]);
}

/** S3 storage modes (src/db/storage/s3.ts): setup failures throw; a missing/truncated/undecodable object kills. */
async function readS3Document(
  r: ResolvedRead,
  doc: Document,
  md: Metadata,
  entries: LogEntry[],
): Promise<Atomic> {
  const got = await readS3Samples(doc, { s3: r.s3, s3Bucket: r.s3Bucket, ...readOptionsFor(r) });
  if ("abort" in got) return abort(r, md, [...entries, entry(got.abort, "Invalid")], doc);
  if ("dead" in got) return buildDatum(r, doc, md, entries, undefined, undefined, got.dead);
  if (got.npts !== md.get("npts")) md.put("npts", got.npts); // MsPASS s3_continuous sets npts from the decoded data
  return buildDatum(r, doc, md, entries, got.data, undefined);
}

/**
 * Build a datum from converted Metadata and its samples (a view, adopted),
 * or a dead one when the samples could not be read or the header cannot
 * make a datum. Never throws.
 */
function buildDatum(
  r: ResolvedRead,
  doc: Document,
  md: Metadata,
  entries: LogEntry[],
  data: Float64Array | undefined,
  sampleError: MemberError | undefined,
  /** A storage failure found outside the core (S3 reads): the constructed datum is killed with it. */
  storageError?: string,
  /** A decoded miniSEED member: obspy's header values replace the document's. */
  mseed?: MseedMemberInfo,
): Atomic {
  const Type = r.dataType === "Seismogram" ? Seismogram : TimeSeries;
  if (sampleError !== undefined && memberErrorFate(sampleError.kind) === "abortion") {
    return abort(
      r,
      md,
      [...entries, entry(`cannot read this document: ${sampleError.message}`, "Invalid")],
      doc,
    );
  }
  if (mseed !== undefined && data !== undefined)
    entries = [...entries, ...applyMseedHeader(md, mseed, data.length)];
  let d: Atomic;
  try {
    d = Type.fromMetadata(md, data === undefined ? {} : { data });
  } catch (err) {
    return abort(
      r,
      md,
      [...entries, entry(`cannot construct a ${r.dataType}: ${(err as Error).message}`, "Invalid")],
      doc,
    );
  }
  d.elog.append(entries);
  const killedBy = sampleError?.message ?? storageError;
  if (killedBy !== undefined) {
    d.elog.log(ALG, `cannot load the samples: ${killedBy}`, "Invalid");
    d.kill();
  }
  d.md.clearModified();
  return d;
}

interface EnsembleBatch {
  docs: Uint8Array;
  docOffsets: ArrayLike<number>;
  samples: Float64Array;
  offsets: ArrayLike<number>;
  lengths: ArrayLike<number>;
  errors: ReadonlyArray<string | null | undefined>;
  errorKinds: ReadonlyArray<string | null | undefined>;
  mseed: readonly MseedMemberInfo[];
}

/** Two reads as one: documents and samples of `b` after those of `a` (offsets shifted). */
function joinBatches(a: EnsembleBatch, b: EnsembleBatch): EnsembleBatch {
  if (a.docOffsets.length === 1) return b;
  const docs = new Uint8Array(a.docs.byteLength + b.docs.byteLength);
  docs.set(a.docs, 0);
  docs.set(b.docs, a.docs.byteLength);
  const samples = new Float64Array(a.samples.length + b.samples.length);
  samples.set(a.samples, 0);
  samples.set(b.samples, a.samples.length);
  const docOffsets = Array.from(a.docOffsets);
  for (let i = 1; i < b.docOffsets.length; i++) docOffsets.push(b.docOffsets[i]! + a.docs.byteLength);
  return {
    docs,
    docOffsets,
    samples,
    offsets: [...Array.from(a.offsets), ...Array.from(b.offsets, (o) => o + a.samples.length)],
    lengths: [...Array.from(a.lengths), ...Array.from(b.lengths)],
    errors: [...a.errors, ...b.errors],
    errorKinds: [...a.errorKinds, ...b.errorKinds],
    mseed: [...a.mseed, ...b.mseed.map((m) => ({ ...m, index: m.index + a.offsets.length }))],
  };
}

async function readCursor(
  db: Database,
  schema: Schema,
  cursor: Cursor<Document>,
  r: ResolvedRead,
): Promise<AnyEnsemble> {
  const coll = cursor.collection;
  const what = `Database.readData(cursor on ${coll.namespace})`;
  db.client.assertOpen(what);
  if (coll.database.client.connectionString !== db.client.connectionString || coll.dbName !== db.name) {
    // GridFS samples live in the database of the wf documents.
    throw new MsPASSError(`${what}: the cursor belongs to another database than ${db.name}`, "Invalid");
  }
  const { uri } = coll.target();
  let batch: EnsembleBatch;
  try {
    if (!cursor.started && cursor.pipeline === undefined) {
      // The fast path: the query itself goes to the core; documents and samples come back together.
      const filter = encodeDocument(cursor.filter, `${what}: filter`);
      batch = await native.readEnsemble(
        uri,
        db.name,
        coll.collectionName,
        filter,
        nativeFindOptions(cursor.options, what),
        readOptionsFor(r),
      );
      await cursor.close(); // consumed, as a driver cursor read to the end
    } else {
      // A started or aggregation cursor: the documents it still holds (raw
      // bytes, one sample read) and the rest of the server cursor (drained
      // by the core, samples with it), never decoded and re-encoded here.
      const { buffered, handle } = await cursor.handOff();
      const opts = readOptionsFor(r);
      const head: EnsembleBatch =
        buffered.byteLength === 0
          ? {
              docs: new Uint8Array(0),
              docOffsets: [0],
              samples: new Float64Array(0),
              offsets: [],
              lengths: [],
              errors: [],
              errorKinds: [],
              mseed: [],
            }
          : {
              docs: buffered,
              docOffsets: documentOffsets(buffered),
              ...(await native.readSamples(uri, db.name, asBuffer(buffered), opts)),
            };
      batch =
        handle === undefined
          ? head
          : joinBatches(head, await native.readCursorEnsemble(uri, db.name, handle, opts));
    }
  } catch (err) {
    throw toMsPASSError(err, what);
  }
  const members: Atomic[] = [];
  // members whose samples must be located with decoded / converted values
  const retry: Array<{ at: number; doc: Document; fixed: Document; md: Metadata; entries: LogEntry[] }> = [];
  const s3Members: Array<{ at: number; doc: Document; md: Metadata; entries: LogEntry[] }> = [];
  const n = batch.docOffsets.length - 1;
  const mseedInfo = mseedInfoByIndex(batch);
  for (let i = 0; i < n; i++) {
    const doc = decode(batch.docs.subarray(batch.docOffsets[i], batch.docOffsets[i + 1]));
    if (tagMismatch(doc, r)) continue; // MsPASS drops documents of another tag
    const conv = docToMetadata(doc, r.collection, r.mode, { excludeKeys: r.excludeKeys, schema });
    if (conv.dead) {
      members.push(abort(r, conv.md, conv.elogEntries, doc));
      continue;
    }
    if (isS3StorageMode(doc.storage_mode)) {
      // The core does not reach S3: these members are fetched below, in parallel.
      s3Members.push({ at: members.length, doc, md: conv.md, entries: conv.elogEntries });
      members.push(undefined as unknown as Atomic);
      continue;
    }
    const err = memberErrorAt(batch, i);
    // The core saw the stored BSON types; JavaScript sees numbers. A count
    // stored as a double (10.0) is re-sent as decoded, as the document path
    // does, and cautious mode's conversions are applied.
    const fixed =
      err !== undefined && isRetryableWithConvertedValues(err.kind)
        ? (convertedForSamples(doc, conv.md, r) ?? doc)
        : undefined;
    if (fixed !== undefined)
      retry.push({ at: members.length, doc, fixed, md: conv.md, entries: conv.elogEntries });
    const data =
      err === undefined
        ? batch.samples.subarray(batch.offsets[i], batch.offsets[i]! + batch.lengths[i]!)
        : undefined;
    members.push(buildDatum(r, doc, conv.md, conv.elogEntries, data, err, undefined, mseedInfo.get(i)));
  }
  await Promise.all(
    s3Members.map(async (x) => (members[x.at] = await readS3Document(r, x.doc, x.md, x.entries))),
  );
  if (retry.length > 0) {
    // One more core call for all of them (rare: only type-converted documents).
    let res;
    try {
      const bytes = Buffer.concat(
        retry.map((x, k) => encodeDocument(x.fixed, `${what}: converted document ${k}`)),
      );
      res = await native.readSamples(uri, db.name, bytes, readOptionsFor(r));
    } catch (err) {
      throw toMsPASSError(err, what);
    }
    const retryInfo = mseedInfoByIndex(res);
    retry.forEach((x, k) => {
      const err = memberErrorAt(res, k);
      const data =
        err === undefined
          ? res.samples.subarray(res.offsets[k], res.offsets[k]! + res.lengths[k]!)
          : undefined;
      members[x.at] = buildDatum(r, x.doc, x.md, x.entries, data, err, undefined, retryInfo.get(k));
    });
  }
  const ens =
    r.dataType === "Seismogram"
      ? new SeismogramEnsemble(members as Seismogram[])
      : new TimeSeriesEnsemble(members as TimeSeries[]);
  if (members.length === 0) {
    ens.elog.log(
      ALG,
      `no ${r.dataTag === undefined ? "" : `data_tag=${JSON.stringify(r.dataTag)} `}documents found by the cursor on ${coll.namespace}`,
      "Invalid",
    );
    ens.kill();
  }
  if (r.ensembleMetadata !== undefined) {
    for (const [k, v] of r.ensembleMetadata) ens.md.put(k, v as MetadataValue);
  }
  ens.md.clearModified();
  return ens;
}
