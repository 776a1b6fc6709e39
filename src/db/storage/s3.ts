/**
 * The S3 storage modes: samples of wf documents stored on S3, read for
 * `Database.readData`, written by `saveData({ storageMode: "s3" })`
 * (`writeS3`; the undo deletes the objects put).
 *
 * storage_mode (what the document must hold):
 * - "s3_continuous" (MsPASS): `year`, `day_of_year`, `net`, `sta`, `chan`,
 *   `loc` → key `continuous_waveforms/...` (keys.ts); bucket = the
 *   document's `s3_bucket`, else the call's/connection's bucket, else
 *   "scedc-pds" (MsPASS hard-codes that one). With `foff`/`nbytes` only that
 *   byte range is fetched (an HTTP Range request), else the whole object.
 * - "s3_event": `year`, `day_of_year`, `filename` → `event_waveforms/...`
 *   (MsPASS 2.4.3 cannot read these: no dispatch branch).
 * - "s3": what `saveData({ storageMode: "s3" })` writes: `s3_bucket`,
 *   `s3_key`, `foff`, `nbytes`, `format` ("binary": raw float64 as file mode).
 * - "s3_lambda" is refused with a clear message (it needs AWS Lambda's
 *   `TimeWindowFunction` in us-west-2, which no local server provides).
 *
 * Result: `{ data }`, or `{ dead }` (missing/truncated object, undecodable
 * bytes: the caller kills the datum and logs it), or `{ abort }` (the
 * document cannot name an object). Setup failures (credentials, server
 * down) throw one MsPASSError.
 */
import type { Document } from "mongodb";
import { MsPASSError } from "../../errors.js";
import { DEFAULT_S3_BUCKET } from "../../s3/config.js";
import { fetchS3Connection, S3Connection } from "../../s3/fetch.js";
import { S3_STORAGE_MODES, s3ContinuousKey, s3EventKey } from "../../s3/keys.js";
import { bytesToSamples } from "../../s3/layout.js";
import { decodeMiniseedBytes } from "../../s3/mseed-bytes.js";
import { getS3Bytes, type S3Location } from "../../s3/object.js";
import { writeS3Samples } from "../../s3/write.js";
import type { SampleWriter } from "./types.js";

export function isS3StorageMode(v: unknown): v is (typeof S3_STORAGE_MODES)[number] {
  return typeof v === "string" && (S3_STORAGE_MODES as readonly string[]).includes(v);
}

export interface S3ReadOptions {
  /** The connection to read with (default: `fetchS3Connection()`: the worker's, or this thread's). */
  s3?: S3Connection;
  /** Bucket for documents that name none (default: the connection's, else "scedc-pds"). */
  s3Bucket?: string;
  ncomponents: number;
}

export type S3SampleResult = { data: Float64Array; npts: number } | { dead: string } | { abort: string };

function int(v: unknown): number | undefined {
  const n =
    typeof v === "object" && v !== null && "toNumber" in v ? (v as { toNumber(): number }).toNumber() : v;
  return typeof n === "number" && Number.isInteger(n) && n >= 0 ? n : undefined;
}

function locate(doc: Document, bucket: string): S3Location {
  const mode = doc.storage_mode as string;
  const b = typeof doc.s3_bucket === "string" && doc.s3_bucket !== "" ? doc.s3_bucket : bucket;
  if (mode === "s3_continuous")
    return { bucket: b, key: s3ContinuousKey(doc as never, "s3_continuous document") };
  if (mode === "s3_event") return { bucket: b, key: s3EventKey(doc as never, "s3_event document") };
  if (typeof doc.s3_key !== "string" || doc.s3_key === "")
    throw new MsPASSError("s3 document: s3_key must be a non-empty string", "Invalid");
  return { bucket: b, key: doc.s3_key };
}

export async function readS3Samples(doc: Document, o: S3ReadOptions): Promise<S3SampleResult> {
  if (doc.storage_mode === "s3_lambda") {
    return {
      abort:
        'storage_mode "s3_lambda" needs AWS Lambda (MsPASS invokes TimeWindowFunction in us-west-2 on the scedc-pds bucket); ' +
        'it cannot be served by an S3 server: index the objects as "s3_continuous" instead',
    };
  }
  let loc: S3Location;
  try {
    // No S3 configured in this thread is this document's problem, not the
    // whole read's: the datum is an abortion naming what to set up.
    let conn: ReturnType<typeof fetchS3Connection>;
    try {
      conn = o.s3 ?? fetchS3Connection();
    } catch (err) {
      if (err instanceof MsPASSError)
        return { abort: `${String(doc.storage_mode)} document: ${err.message}` };
      throw err;
    }
    loc = locate(doc, o.s3Bucket ?? conn.options.bucket ?? DEFAULT_S3_BUCKET);
    o = { ...o, s3: conn };
  } catch (err) {
    if (err instanceof MsPASSError && /^s3/.test(err.message)) return { abort: err.message };
    throw err;
  }
  const foff = int(doc.foff) ?? 0;
  const nbytes = int(doc.nbytes);
  const format = doc.format ?? (doc.storage_mode === "s3" ? "binary" : "mseed");
  if (format !== "binary" && format !== "mseed")
    return {
      abort: `${doc.storage_mode} document: format ${JSON.stringify(format)} is not readable from S3 (binary or mseed)`,
    };
  if (format === "binary" && nbytes === undefined)
    return { abort: `${doc.storage_mode} document: raw binary samples need nbytes` };
  // MsPASS's s3_continuous reads the whole day; an indexed segment (foff/nbytes) needs only its bytes.
  const range = nbytes !== undefined && nbytes > 0 ? { foff, nbytes } : undefined;
  const got = await getS3Bytes(o.s3!.client, loc, range);
  if (!got.ok) return { dead: got.message };
  if (format === "binary") {
    if (got.bytes.byteLength % (8 * o.ncomponents) !== 0)
      return {
        dead: `S3 object ${loc.key}: ${got.bytes.byteLength} bytes is not a whole number of float64 samples`,
      };
    const data = bytesToSamples(got.bytes, o.ncomponents);
    return { data, npts: data.length / o.ncomponents };
  }
  if (o.ncomponents !== 1)
    return {
      abort: "miniSEED on S3 holds single channels: read it into a TimeSeries (collection wf_miniseed)",
    };
  const dec = await decodeMiniseedBytes(got.bytes);
  if ("error" in dec)
    return { dead: `S3 object s3://${loc.bucket}/${loc.key}: cannot decode miniSEED: ${dec.error}` };
  return { data: dec.data, npts: dec.data.length };
}

export const writeS3: SampleWriter = async (live, ctx) => {
  const plan = ctx.s3;
  if (plan === undefined) throw new MsPASSError(`${ctx.what}: storageMode "s3" needs S3 settings`, "Invalid");
  const connection = plan.connection ?? fetchS3Connection();
  const res = await writeS3Samples(
    live.map((s) => s.d.data),
    ctx.dataType === "Seismogram" ? 3 : 1,
    {
      connection,
      bucket: plan.bucket ?? connection.options.bucket ?? DEFAULT_S3_BUCKET,
      ...(plan.keyPrefix === undefined ? {} : { keyPrefix: plan.keyPrefix }),
    },
  ).catch((err: unknown) => {
    throw err instanceof MsPASSError
      ? new MsPASSError(`${ctx.what}: ${err.message}`, err.severity, { cause: err })
      : err;
  });
  return res;
};
