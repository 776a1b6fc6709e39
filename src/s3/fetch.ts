/**
 * `fetchS3Client()` / `fetchS3Connection()`: how a task reaches S3.
 *
 * - Inside a scheduler worker: the client the `S3Worker` plugin made for
 *   this worker (`worker.data[s3clientKey]`, default "s3client").
 * - Anywhere else (main thread, `scheduler: "none"`, inline compute): one
 *   client per thread, made once from the options of the most recent
 *   `S3Worker` built in this thread, or of `setDefaultS3(options)`.
 * - Otherwise an `MsPASSError` saying what to do.
 * An S3 client is never a task argument (it would not survive the copy, and
 * would carry credentials): pass nothing, fetch it in the task.
 */
import { inspect } from "node:util";
import type { S3Client } from "@aws-sdk/client-s3";
import { MsPASSError } from "../errors.js";
import { getWorker } from "../scheduler/worker-context.js";
import {
  DEFAULT_S3_BUCKET,
  checkS3Options,
  createS3Client,
  describeS3Options,
  type S3Options,
} from "./config.js";

export const DEFAULT_S3CLIENT_KEY = "s3client";

/** A client plus the options it was made from (bucket default, for messages). */
export class S3Connection {
  constructor(
    readonly client: S3Client,
    readonly options: S3Options,
  ) {}

  /** The bucket used when a document or call names none. */
  get bucket(): string {
    return this.options.bucket ?? DEFAULT_S3_BUCKET;
  }

  [inspect.custom](): string {
    return `S3Connection { ${describeS3Options(this.options)} }`;
  }

  toJSON(): string {
    return `S3Connection { ${describeS3Options(this.options)} }`;
  }
}

let defaults: S3Options | undefined;
let fallback: S3Connection | undefined;

/** @internal S3Worker records its options for the caller's thread. */
export function rememberS3Options(o: S3Options): void {
  if (defaults !== o) {
    defaults = o;
    fallback?.client.destroy();
    fallback = undefined;
  }
}

/** Set the S3 options this thread uses outside scheduler workers (e.g. for readData on the main thread). */
export function setDefaultS3(options: S3Options): void {
  rememberS3Options(checkS3Options(options, "setDefaultS3"));
}

function worker() {
  try {
    return getWorker();
  } catch {
    return undefined;
  }
}

export function fetchS3Connection(s3clientKey: string = DEFAULT_S3CLIENT_KEY): S3Connection {
  const w = worker();
  if (w !== undefined) {
    const c = w.data.get(s3clientKey);
    if (c instanceof S3Connection) return c;
  }
  if (defaults !== undefined) return (fallback ??= new S3Connection(createS3Client(defaults), defaults));
  throw new MsPASSError(
    w !== undefined
      ? `fetchS3Client: ${w.name} has no S3 client under worker.data key "${s3clientKey}": register an S3Worker on the scheduler`
      : "fetchS3Client: no S3 settings in this thread: build an S3Worker (and register it on the scheduler) or call setDefaultS3(options) first",
    "Invalid",
  );
}

/** This worker's (or thread's) `S3Client` from `@aws-sdk/client-s3`. */
export function fetchS3Client(s3clientKey: string = DEFAULT_S3CLIENT_KEY): S3Client {
  return fetchS3Connection(s3clientKey).client;
}
