/** S3: per-worker client plugin and storage modes (a local S3 server for tests is in mspass/testing). */
export { S3Worker } from "./s3-worker.js";
export type { S3WorkerOptions, S3WorkerWire } from "./s3-worker.js";
export {
  fetchS3Client,
  fetchS3Connection,
  setDefaultS3,
  S3Connection,
  DEFAULT_S3CLIENT_KEY,
} from "./fetch.js";
export { DEFAULT_S3_BUCKET, createS3Client, s3ClientsCreated } from "./config.js";
export type { S3Options } from "./config.js";
export type { S3KeyPair } from "./credentials.js";
export { S3_STORAGE_MODES, s3ContinuousKey, s3EventKey } from "./keys.js";
export type { ContinuousKeyParts } from "./keys.js";
export { indexMseedS3Continuous } from "./index-continuous.js";
export type { IndexMseedS3ContinuousOptions } from "./index-continuous.js";
