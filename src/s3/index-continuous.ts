/**
 * `indexMseedS3Continuous` (MsPASS `index_mseed_s3_continuous`): index one
 * day object of the s3_continuous layout into `wf_miniseed`.
 *
 * Differences from MsPASS, on purpose:
 * - the bucket is an option (MsPASS hard-codes "scedc-pds", still the default);
 * - the object is indexed by the Rust core's miniSEED indexer (segments at
 *   SID changes and time tears, like index_mseed_file) instead of obspy's
 *   merge into ONE document, so each document carries `foff`/`nbytes` and a
 *   read fetches only its byte range; `endtime` and `time_standard: "UTC"`
 *   are written (MsPASS's S3 documents lack them, so its readers treat the
 *   data as Relative — pitfall 5).
 * Documents: sta/net/chan/loc(if non-empty), sampling_rate, delta,
 * starttime, endtime, last_packet_time, npts, foff, nbytes, year (string),
 * day_of_year (string, 3 digits), storage_mode "s3_continuous",
 * format "mseed", s3_bucket, time_standard "UTC".
 */
import type { ObjectId } from "mongodb";
import { MsPASSError } from "../errors.js";
import type { Database } from "../db/database.js";
import { DEFAULT_S3_BUCKET } from "./config.js";
import { fetchS3Connection, type S3Connection } from "./fetch.js";
import { s3ContinuousKey } from "./keys.js";
import { indexMiniseedBytes } from "./mseed-bytes.js";
import { getS3Bytes } from "./object.js";

export interface IndexMseedS3ContinuousOptions {
  year: string | number;
  dayOfYear: string | number;
  network?: string;
  station?: string;
  channel?: string;
  location?: string;
  /** Default "wf_miniseed". */
  collection?: string;
  /** Default: the connection's bucket, else "scedc-pds". */
  bucket?: string;
  s3?: S3Connection;
  segmentTimeTears?: boolean;
}

export async function indexMseedS3Continuous(
  db: Database,
  o: IndexMseedS3ContinuousOptions,
): Promise<ObjectId[]> {
  const fn = "indexMseedS3Continuous";
  const year = String(o.year);
  const day = String(o.dayOfYear).padStart(3, "0");
  const key = s3ContinuousKey(
    { year, day_of_year: day, net: o.network, sta: o.station, chan: o.channel, loc: o.location },
    fn,
  );
  const conn = o.s3 ?? fetchS3Connection();
  const bucket = o.bucket ?? conn.options.bucket ?? DEFAULT_S3_BUCKET;
  const got = await getS3Bytes(conn.client, { bucket, key });
  if (!got.ok) throw new MsPASSError(`${fn}: ${got.message}`, "Invalid");
  const idx = await indexMiniseedBytes(got.bytes, o.segmentTimeTears ?? true);
  if ("error" in idx) throw new MsPASSError(`${fn}: s3://${bucket}/${key}: ${idx.error}`, "Invalid");
  const docs = idx.segments.map((s) => ({
    sta: s.sta,
    net: s.net,
    chan: s.chan,
    ...(s.loc === "" ? {} : { loc: s.loc }),
    sampling_rate: s.sampling_rate,
    delta: 1 / s.sampling_rate,
    starttime: s.starttime,
    last_packet_time: s.last_packet_time,
    foff: s.foff,
    nbytes: s.nbytes,
    npts: s.npts,
    endtime: s.endtime,
    year,
    day_of_year: day,
    storage_mode: "s3_continuous",
    format: "mseed",
    s3_bucket: bucket,
    time_standard: "UTC",
  }));
  if (docs.length === 0) return [];
  const r = await db.collection(o.collection ?? "wf_miniseed").insertMany(docs);
  return Object.values(r.insertedIds) as ObjectId[];
}
