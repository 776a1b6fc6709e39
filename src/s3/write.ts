/**
 * The "s3" storage mode of `saveData`: one S3 object per datum holding its
 * samples as raw binary (the bytes file mode writes, layout.ts), so a read
 * is one GET. Record per datum: `{storage_mode:"s3", s3_bucket, s3_key,
 * foff:0, nbytes, format:"binary"}`.
 *
 * Keys: `${keyPrefix}${uuid}.bin` (fresh per datum), or — for an idempotent
 * retry of a distributed partition — names the caller derives. S3 puts are
 * atomic (an object is all there or not there), so nothing is half-written;
 * `undo` deletes what this call put, after a failed document insert.
 */
import { randomUUID } from "node:crypto";
import { MsPASSError } from "../errors.js";
import type { S3Connection } from "./fetch.js";
import { samplesToBytes } from "./layout.js";
import { putS3Bytes, s3Url } from "./object.js";
import { s3Sdk } from "./sdk.js";

export interface S3WriteOptions {
  connection: S3Connection;
  bucket: string;
  /** Prefix of the generated keys (default "mspass/"). */
  keyPrefix?: string;
  /** Explicit keys, one per datum (else generated). */
  keys?: string[];
  /** Parallel PUTs (default 8). */
  concurrency?: number;
}

export interface S3WriteResult {
  records: Array<Record<string, unknown>>;
  undo(): Promise<string | undefined>;
}

export async function writeS3Samples(
  data: Float64Array[],
  ncomponents: number,
  o: S3WriteOptions,
): Promise<S3WriteResult> {
  const prefix = o.keyPrefix ?? "mspass/";
  if (o.keys !== undefined && o.keys.length !== data.length)
    throw new MsPASSError(`s3 writer: ${o.keys.length} keys for ${data.length} data`, "Invalid");
  const keys = o.keys ?? data.map(() => `${prefix}${randomUUID()}.bin`);
  const written: string[] = [];
  const records: Array<Record<string, unknown>> = new Array(data.length);
  let next = 0;
  let failure: unknown;
  const lane = async () => {
    while (failure === undefined && next < data.length) {
      const i = next++;
      const bytes = samplesToBytes(data[i]!, ncomponents);
      try {
        await putS3Bytes(o.connection.client, { bucket: o.bucket, key: keys[i]! }, bytes);
      } catch (err) {
        failure ??= err;
        return;
      }
      written.push(keys[i]!);
      records[i] = {
        storage_mode: "s3",
        s3_bucket: o.bucket,
        s3_key: keys[i]!,
        foff: 0,
        nbytes: bytes.byteLength,
        format: "binary",
      };
    }
  };
  await Promise.all(Array.from({ length: Math.min(o.concurrency ?? 8, data.length) }, lane));
  const undo = async (): Promise<string | undefined> => {
    if (written.length === 0) return undefined;
    const { DeleteObjectCommand } = s3Sdk();
    const left: string[] = [];
    for (const key of written) {
      try {
        await o.connection.client.send(new DeleteObjectCommand({ Bucket: o.bucket, Key: key }));
      } catch {
        left.push(s3Url({ bucket: o.bucket, key }));
      }
    }
    return left.length === 0
      ? `the ${written.length} S3 object(s) written were removed`
      : `the S3 objects ${left.join(", ")} could NOT be removed`;
  };
  if (failure !== undefined) {
    const undone = await undo();
    throw new MsPASSError(`${(failure as Error).message}${undone ? ` (${undone})` : ""}`, "Fatal", {
      cause: failure,
    });
  }
  return { records, undo };
}
