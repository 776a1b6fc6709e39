/** Tasks of bench/s3-read.bench.ts (run on scheduler workers). */
import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { createS3Client, fetchS3Client, type S3Options } from "mspass";

async function getBytes(c: S3Client, bucket: string, key: string): Promise<number> {
  const res = await c.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return (await res.Body!.transformToByteArray()).length;
}

/** The S3Worker way: this worker's one client. */
export function readWithWorkerClient(bucket: string, key: string): Promise<number> {
  return getBytes(fetchS3Client(), bucket, key);
}

/** The way to avoid: a client per task (credentials from the environment, never in the task). */
export async function readWithClientPerTask(
  options: S3Options,
  bucket: string,
  key: string,
): Promise<number> {
  const c = createS3Client(options);
  try {
    return await getBytes(c, bucket, key);
  } finally {
    c.destroy();
  }
}

export { getBytes };
