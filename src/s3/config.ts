/**
 * S3 connection options (copyable: they go to worker threads) and the one
 * place an `S3Client` of the official SDK is made from them.
 *
 * Credentials: by default none are held here — the SDK's default chain reads
 * the environment (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY /
 * AWS_SESSION_TOKEN; worker threads get a copy of the parent's environment),
 * `profile` (or AWS_PROFILE) reads ~/.aws, and an explicit key pair is kept
 * masked (see credentials.ts).
 */
import { Agent } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import { inspect } from "node:util";
import type { S3Client } from "@aws-sdk/client-s3";
import { MsPASSError } from "../errors.js";
import { maskedCredentials, type S3KeyPair } from "./credentials.js";
import { s3Sdk } from "./sdk.js";

/** MsPASS's `read_data` reads this bucket (hard-coded there; the default here). */
export const DEFAULT_S3_BUCKET = "scedc-pds";

export interface S3Options {
  /** e.g. "http://127.0.0.1:8333"; omitted → AWS. */
  endpoint?: string;
  /** Default: AWS_REGION, else "us-east-1" (the SDK needs one; S3-compatible servers ignore it). */
  region?: string;
  /** Path-style URLs (`endpoint/bucket/key`); default true when an endpoint is given, as local servers need. */
  forcePathStyle?: boolean;
  /** An explicit key pair (masked when printed). Omit to use the environment or a profile. */
  credentials?: S3KeyPair;
  /** A shared-config profile (~/.aws/credentials, ~/.aws/config). */
  profile?: string;
  /** Bucket of the storage modes when a document or call names none (default "scedc-pds", as MsPASS). */
  bucket?: string;
  /** Sockets per client to one host (default 50, the SDK's). */
  maxSockets?: number;
  /** Connect timeout, ms (default 5000): a server that is down fails fast, not after minutes. */
  connectTimeoutMs?: number;
  /** Per-request timeout, ms (default 60000). */
  requestTimeoutMs?: number;
  /** SDK attempts per request (default 3, the SDK's). */
  maxAttempts?: number;
}

const KEYS = new Set<string>([
  "endpoint",
  "region",
  "forcePathStyle",
  "credentials",
  "profile",
  "bucket",
  "maxSockets",
  "connectTimeoutMs",
  "requestTimeoutMs",
  "maxAttempts",
]);

function positive(v: unknown, name: string, where: string): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== "number" || !Number.isInteger(v) || v <= 0)
    throw new MsPASSError(`${where}: ${name} must be a positive integer`, "Invalid");
  return v;
}

function str(v: unknown, name: string, where: string): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== "string" || v === "")
    throw new MsPASSError(`${where}: ${name} must be a non-empty string`, "Invalid");
  return v;
}

/** Validated, copyable options (credentials masked). */
export function checkS3Options(o: unknown, where: string): S3Options {
  if (o === undefined) return {};
  if (typeof o !== "object" || o === null)
    throw new MsPASSError(`${where}: S3 options must be an object`, "Invalid");
  const r = o as Record<string, unknown>;
  for (const k of Object.keys(r)) {
    if (!KEYS.has(k))
      throw new MsPASSError(`${where}: unknown S3 option "${k}" (known: ${[...KEYS].join(", ")})`, "Invalid");
  }
  const out: S3Options = {};
  const endpoint = str(r.endpoint, "endpoint", where);
  if (endpoint !== undefined) {
    let u: URL;
    try {
      u = new URL(endpoint);
    } catch {
      throw new MsPASSError(`${where}: endpoint must be a URL such as http://127.0.0.1:8333`, "Invalid");
    }
    if (u.username !== "" || u.password !== "")
      throw new MsPASSError(
        `${where}: endpoint must not carry credentials; use the credentials option or the environment`,
        "Invalid",
      );
    out.endpoint = endpoint;
  }
  const region = str(r.region, "region", where);
  if (region !== undefined) out.region = region;
  if (r.forcePathStyle !== undefined) {
    if (typeof r.forcePathStyle !== "boolean")
      throw new MsPASSError(`${where}: forcePathStyle must be a boolean`, "Invalid");
    out.forcePathStyle = r.forcePathStyle;
  }
  if (r.credentials !== undefined) out.credentials = maskedCredentials(r.credentials, where);
  const profile = str(r.profile, "profile", where);
  if (profile !== undefined) out.profile = profile;
  if (out.profile !== undefined && out.credentials !== undefined)
    throw new MsPASSError(`${where}: give credentials or profile, not both`, "Invalid");
  const bucket = str(r.bucket, "bucket", where);
  if (bucket !== undefined) out.bucket = bucket;
  for (const k of ["maxSockets", "connectTimeoutMs", "requestTimeoutMs", "maxAttempts"] as const) {
    const v = positive(r[k], k, where);
    if (v !== undefined) out[k] = v;
  }
  return out;
}

/** How to print options: everything but the secret. */
export function describeS3Options(o: S3Options): string {
  const parts = [`endpoint: ${o.endpoint ?? "AWS"}`, `bucket: ${o.bucket ?? DEFAULT_S3_BUCKET}`];
  parts.push(
    o.credentials !== undefined
      ? `credentials: ${inspect(o.credentials)}`
      : o.profile !== undefined
        ? `profile: ${o.profile}`
        : "credentials: from the environment",
  );
  return parts.join(", ");
}

let created = 0;

/** @internal S3 clients this thread has made (a test counts them: one per worker). */
export function s3ClientsCreated(): number {
  return created;
}

/**
 * A new SDK client for these options. Callers keep it: one per worker, not one per task.
 * Throws an `MsPASSError` naming `npm install @aws-sdk/client-s3` when the SDK is not installed.
 */
export function createS3Client(o: S3Options): S3Client {
  const { S3Client } = s3Sdk();
  const agentOptions = { keepAlive: true, maxSockets: o.maxSockets ?? 50 };
  const client = new S3Client({
    region: o.region ?? process.env.AWS_REGION ?? "us-east-1",
    ...(o.endpoint === undefined ? {} : { endpoint: o.endpoint }),
    forcePathStyle: o.forcePathStyle ?? o.endpoint !== undefined,
    ...(o.credentials === undefined ? {} : { credentials: { ...o.credentials } }),
    ...(o.profile === undefined ? {} : { profile: o.profile }),
    maxAttempts: o.maxAttempts ?? 3,
    // The SDK adds CRC32 checksums to puts and checks gets since 3.729;
    // S3-compatible servers often reject or omit them (aws-sdk-js-v3 #6810).
    // Earthscope's own example sets the same ("when_required").
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    requestHandler: {
      connectionTimeout: o.connectTimeoutMs ?? 5000,
      requestTimeout: o.requestTimeoutMs ?? 60_000,
      httpAgent: new Agent(agentOptions),
      httpsAgent: new HttpsAgent(agentOptions),
    },
  });
  created++;
  return client;
}
