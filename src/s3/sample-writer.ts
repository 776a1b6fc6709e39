/**
 * The "s3" SampleWriter for the waveform-write pipeline's seam
 * (src/db/write/sample-writers.ts): saveData({ storageMode: "s3" }).
 */
import type { SampleWriter } from "../db/write/sample-writers.js";
import { MsPASSError } from "../errors.js";
import { DEFAULT_S3_BUCKET } from "./config.js";
import { fetchS3Connection, type S3Connection } from "./fetch.js";
import { writeS3Samples } from "./write.js";

/** What saveData's S3 options resolve to. */
export interface S3SavePlan {
  connection: S3Connection | undefined;
  bucket: string | undefined;
  keyPrefix: string | undefined;
}

export const writeS3: SampleWriter = async (live, ctx) => {
  const plan = ctx.s3;
  if (plan === undefined) throw new MsPASSError(`${ctx.what}: storageMode "s3" needs S3 settings`, "Invalid");
  const connection = plan.connection ?? fetchS3Connection();
  const res = await writeS3Samples(
    live.map((s) => s.d.data),
    ctx.dataType === "Seismogram" ? 3 : 1,
    { connection, bucket: plan.bucket ?? connection.options.bucket ?? DEFAULT_S3_BUCKET, ...(plan.keyPrefix === undefined ? {} : { keyPrefix: plan.keyPrefix }) },
  ).catch((err: unknown) => {
    throw err instanceof MsPASSError ? new MsPASSError(`${ctx.what}: ${err.message}`, err.severity, { cause: err }) : err;
  });
  return res;
};
