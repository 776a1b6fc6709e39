/**
 * `S3Worker`: one S3 client per scheduler worker (the `MongoDBWorker`
 * pattern, and the per-worker S3 handling MsPASS's docs ask for but 2.4.3
 * does not ship). Tasks reach it with `fetchS3Client()`.
 *
 *     const s3 = new S3Worker({ endpoint: "http://127.0.0.1:8333", bucket: "waveforms" });
 *     await scheduler.registerPlugin(s3, { name: "s3_worker" });
 *     // in a task:
 *     const client = fetchS3Client();
 *
 * The instance IS the plugin spec (`{ module, export, options }`). `options`
 * is copyable data only: endpoint, region, bucket, profile — and, only if
 * given explicitly, a key pair that is masked whenever printed (inspect,
 * JSON, String) and never enters a task's arguments. Prefer the
 * environment (AWS_ACCESS_KEY_ID/...): then no secret is held at all.
 *
 * `setup(worker)` builds ONE `S3Client` (keep-alive sockets) in
 * `worker.data[s3clientKey]`; the SDK opens no connection until the first
 * request, so setup cannot fail because the server is briefly away. A
 * restarted worker runs setup again (the scheduler re-runs every plugin's
 * setup). `teardown` destroys the client (closes its sockets).
 */
import { inspect } from "node:util";
import { MsPASSError } from "../errors.js";
import type { SchedulerWorker, WorkerPlugin } from "../scheduler/worker-context.js";
import { checkS3Options, createS3Client, describeS3Options, type S3Options } from "./config.js";
import { DEFAULT_S3CLIENT_KEY, S3Connection, rememberS3Options } from "./fetch.js";

export interface S3WorkerOptions {
  /** `worker.data` key of the client (default "s3client"). */
  s3clientKey?: string;
}

/** What crosses to the workers. */
export interface S3WorkerWire {
  s3: S3Options;
  s3clientKey: string;
}

function isWire(v: unknown): v is S3WorkerWire {
  return (
    typeof v === "object" &&
    v !== null &&
    typeof (v as S3WorkerWire).s3clientKey === "string" &&
    typeof (v as S3WorkerWire).s3 === "object"
  );
}

function checkKey(key: unknown): string {
  if (key === undefined) return DEFAULT_S3CLIENT_KEY;
  if (typeof key !== "string" || key === "")
    throw new MsPASSError("S3Worker: s3clientKey must be a non-empty string", "Invalid");
  return key;
}

export class S3Worker implements WorkerPlugin {
  readonly module: string = import.meta.url;
  readonly export = "S3Worker";
  /** Copied to every worker (the key pair, if any, is masked when printed). */
  readonly options: S3WorkerWire;

  constructor(s3: S3Options | S3WorkerWire = {}, options: S3WorkerOptions = {}) {
    if (isWire(s3)) {
      // In a worker: the structured copy lost the masking; checkS3Options restores it.
      this.options = { s3: checkS3Options(s3.s3, "S3Worker"), s3clientKey: checkKey(s3.s3clientKey) };
    } else {
      if (typeof options !== "object" || options === null)
        throw new MsPASSError(
          'S3Worker: options must be an object such as { s3clientKey: "s3client" }',
          "Invalid",
        );
      this.options = { s3: checkS3Options(s3, "S3Worker"), s3clientKey: checkKey(options.s3clientKey) };
      // The caller's thread (scheduler "none", compute inline) uses the same settings.
      rememberS3Options(this.options.s3);
    }
  }

  get s3clientKey(): string {
    return this.options.s3clientKey;
  }

  setup(worker: SchedulerWorker): void {
    worker.data.set(
      this.options.s3clientKey,
      new S3Connection(createS3Client(this.options.s3), this.options.s3),
    );
  }

  teardown(worker: SchedulerWorker): void {
    const c = worker.data.get(this.options.s3clientKey);
    worker.data.delete(this.options.s3clientKey);
    if (c instanceof S3Connection) c.client.destroy();
  }

  [inspect.custom](): string {
    return `S3Worker { ${describeS3Options(this.options.s3)}, s3clientKey: '${this.s3clientKey}' }`;
  }

  toJSON(): { s3: string; s3clientKey: string } {
    return { s3: describeS3Options(this.options.s3), s3clientKey: this.s3clientKey };
  }

  toString(): string {
    return inspect(this);
  }
}
