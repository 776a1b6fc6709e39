/**
 * Deterministic ObjectIds for idempotent distributed writes.
 *
 * Every document and GridFS file a partition writes gets an `_id` derived
 * from (job id, partition task id, kind, item index, member index): the
 * first 4 bytes are the job's timestamp (so `getTimestamp()` stays
 * meaningful and ids sort by job), the other 8 come from a SHA-1 of the
 * rest. A retried partition therefore rewrites the SAME ids, which is what
 * lets it remove a failed attempt's leftovers and never duplicate a datum.
 */
import { createHash } from "node:crypto";
import { ObjectId } from "mongodb";

export type IdKind = "wf" | "gridfs" | "elog" | "cemetery" | "abortions" | "journal";

export function derivedId(job: ObjectId, part: string, kind: IdKind, item: number, member = -1): ObjectId {
  const h = createHash("sha1").update(`${job.toHexString()}/${part}/${kind}/${item}/${member}`).digest();
  const b = Buffer.alloc(12);
  job.id.subarray(0, 4).forEach((x, i) => (b[i] = x));
  h.copy(b, 4, 0, 8);
  return new ObjectId(b);
}
