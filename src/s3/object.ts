/**
 * Reading and writing one S3 object, with every failure sorted into what it
 * means for a datum:
 * - `missing` / `truncated` — the stored data are bad: the caller kills the
 *   datum and logs the message (the MsPASS way for bad data);
 * - anything else (wrong credentials, access denied, server down, no such
 *   bucket) is a setup problem that would fail every datum alike: one
 *   `MsPASSError` naming the endpoint, bucket and key.
 * Messages never carry a credential (`scrubSecrets`).
 */
import type { S3Client } from "@aws-sdk/client-s3";
import { MsPASSError } from "../errors.js";
import { scrubSecrets, type S3KeyPair } from "./credentials.js";
import { s3Sdk } from "./sdk.js";

export type S3ReadOutcome =
  | { ok: true; bytes: Uint8Array }
  | { ok: false; kind: "missing" | "truncated"; message: string };

export interface S3Location {
  bucket: string;
  key: string;
}

/** `s3://bucket/key`, for messages. */
export function s3Url(loc: S3Location): string {
  return `s3://${loc.bucket}/${loc.key}`;
}

interface SdkError {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  cause?: unknown;
  errors?: unknown[];
}

function networkCode(err: unknown): string | undefined {
  const e = err as SdkError | undefined;
  if (e === undefined || e === null) return undefined;
  if (typeof e.code === "string" && /^E[A-Z]+$/.test(e.code)) return e.code;
  if (Array.isArray(e.errors))
    for (const x of e.errors) {
      const c = networkCode(x);
      if (c) return c;
    }
  return e.cause === undefined ? undefined : networkCode(e.cause);
}

async function endpointOf(client: S3Client): Promise<string> {
  try {
    const ep = await client.config.endpoint?.();
    if (ep !== undefined) return `${ep.protocol}//${ep.hostname}${ep.port ? `:${ep.port}` : ""}`;
  } catch {
    /* AWS default endpoint */
  }
  return "AWS S3";
}

async function credentialsOf(client: S3Client): Promise<S3KeyPair | undefined> {
  try {
    const c = await client.config.credentials();
    return c as S3KeyPair;
  } catch {
    return undefined;
  }
}

/** One clear error for a failure that is not about the object's content. */
export async function s3SetupError(
  client: S3Client,
  loc: S3Location,
  what: string,
  err: unknown,
): Promise<MsPASSError> {
  const e = err as SdkError;
  const where = `${what} ${s3Url(loc)} at ${await endpointOf(client)}`;
  const status = e?.$metadata?.httpStatusCode;
  const name = e?.name ?? "Error";
  let why: string;
  const net = networkCode(err);
  if (net !== undefined || name === "TimeoutError") {
    why = `the S3 server is not reachable (${net ?? name}); is it running?`;
  } else if (
    name === "InvalidAccessKeyId" ||
    name === "SignatureDoesNotMatch" ||
    name === "InvalidToken" ||
    name === "ExpiredToken"
  ) {
    why = `the S3 server refused the credentials (${name}): check AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, the profile or the credentials option`;
  } else if (name === "AccessDenied" || status === 403) {
    why = `access denied (${name}): the credentials are not allowed to do this`;
  } else if (name === "NoSuchBucket") {
    why = `the bucket "${loc.bucket}" does not exist`;
  } else {
    why = `${name}${status === undefined ? "" : ` (HTTP ${status})`}: ${e?.message ?? String(err)}`;
  }
  return new MsPASSError(scrubSecrets(`${where}: ${why}`, await credentialsOf(client)), "Fatal");
}

function isMissing(err: unknown): boolean {
  const e = err as SdkError;
  return e?.name === "NoSuchKey" || (e?.name === "NotFound" && e?.$metadata?.httpStatusCode === 404);
}

/**
 * The object's bytes, or bytes [foff, foff+nbytes) of it when `nbytes` is
 * given (an HTTP Range request: only that segment travels).
 */
export async function getS3Bytes(
  client: S3Client,
  loc: S3Location,
  range?: { foff: number; nbytes: number },
  signal?: AbortSignal,
): Promise<S3ReadOutcome> {
  const what = "reading";
  const Range = range === undefined ? undefined : `bytes=${range.foff}-${range.foff + range.nbytes - 1}`;
  let bytes: Uint8Array;
  try {
    const res = await client.send(
      new (s3Sdk().GetObjectCommand)({ Bucket: loc.bucket, Key: loc.key, ...(Range ? { Range } : {}) }),
      signal ? { abortSignal: signal } : {},
    );
    if (res.Body === undefined) return { ok: false, kind: "missing", message: `${s3Url(loc)} has no body` };
    bytes = await res.Body.transformToByteArray();
    if (res.ContentLength !== undefined && bytes.length !== res.ContentLength) {
      return {
        ok: false,
        kind: "truncated",
        message: `${s3Url(loc)}: got ${bytes.length} of ${res.ContentLength} bytes (the transfer was cut)`,
      };
    }
  } catch (err) {
    if (isMissing(err))
      return { ok: false, kind: "missing", message: `S3 object ${s3Url(loc)} does not exist (NoSuchKey)` };
    const e = err as SdkError;
    if (range !== undefined && (e?.name === "InvalidRange" || e?.$metadata?.httpStatusCode === 416)) {
      return {
        ok: false,
        kind: "truncated",
        message: `S3 object ${s3Url(loc)} is shorter than foff=${range.foff}: it has been truncated`,
      };
    }
    throw await s3SetupError(client, loc, what, err);
  }
  if (range !== undefined && bytes.length < range.nbytes) {
    return {
      ok: false,
      kind: "truncated",
      message: `S3 object ${s3Url(loc)} is shorter than foff+nbytes=${range.foff + range.nbytes}: got ${bytes.length} of ${range.nbytes} bytes from foff=${range.foff} (truncated object)`,
    };
  }
  return { ok: true, bytes };
}

/** Put `body` at `loc`; any failure is one `MsPASSError` (nothing is half-written: S3 puts are atomic). */
export async function putS3Bytes(
  client: S3Client,
  loc: S3Location,
  body: Uint8Array,
  contentType = "application/octet-stream",
): Promise<void> {
  try {
    await client.send(
      new (s3Sdk().PutObjectCommand)({
        Bucket: loc.bucket,
        Key: loc.key,
        Body: body,
        ContentType: contentType,
        ContentLength: body.length,
      }),
    );
  } catch (err) {
    throw await s3SetupError(client, loc, "writing", err);
  }
}
