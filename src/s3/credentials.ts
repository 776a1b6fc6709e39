/**
 * S3 credentials that can travel to worker threads but never print.
 *
 * A plugin's options are copied to every worker with `structuredClone`, which
 * keeps only own enumerable string-keyed data. So the key pair is stored as
 * plain enumerable fields (it must reach the worker), while printing is
 * overridden with a symbol (`inspect.custom`, dropped by the copy) and a
 * non-enumerable `toJSON` (also dropped): `console.log`, `util.inspect`,
 * `JSON.stringify` and template strings all show `***`. The worker wraps the
 * copy again (`maskedCredentials`) before anything could print it.
 */
import { inspect } from "node:util";
import { MsPASSError } from "../errors.js";

/** An explicit key pair (prefer the environment or a profile: then no secret is held at all). */
export interface S3KeyPair {
  accessKeyId: string;
  secretAccessKey: string;
  /** Temporary credentials (e.g. Earthscope's `get_aws_credentials()`) carry a session token. */
  sessionToken?: string;
}

const MASK = "***";

function masked(c: S3KeyPair): object {
  return {
    accessKeyId: maskAccessKey(c.accessKeyId),
    secretAccessKey: MASK,
    ...(c.sessionToken === undefined ? {} : { sessionToken: MASK }),
  };
}

/** The first 4 characters of an access key id, the rest hidden (enough to tell two keys apart in a log). */
export function maskAccessKey(id: string): string {
  return id.length <= 4 ? MASK : `${id.slice(0, 4)}${MASK}`;
}

/**
 * A copy of `c` whose printed forms are masked. Validates the fields (a
 * clear error naming the field, never its value).
 */
export function maskedCredentials(c: unknown, where: string): S3KeyPair {
  if (typeof c !== "object" || c === null)
    throw new MsPASSError(
      `${where}: credentials must be { accessKeyId, secretAccessKey, sessionToken? }`,
      "Invalid",
    );
  const o = c as Record<string, unknown>;
  for (const k of ["accessKeyId", "secretAccessKey"] as const) {
    if (typeof o[k] !== "string" || o[k] === "")
      throw new MsPASSError(`${where}: credentials.${k} must be a non-empty string`, "Invalid");
  }
  if (o.sessionToken !== undefined && typeof o.sessionToken !== "string") {
    throw new MsPASSError(`${where}: credentials.sessionToken must be a string`, "Invalid");
  }
  const out: S3KeyPair = {
    accessKeyId: o.accessKeyId as string,
    secretAccessKey: o.secretAccessKey as string,
  };
  if (typeof o.sessionToken === "string") out.sessionToken = o.sessionToken;
  Object.defineProperty(out, "toJSON", { value: () => masked(out), enumerable: false });
  Object.defineProperty(out, "toString", {
    value: () => `S3Credentials ${JSON.stringify(masked(out))}`,
    enumerable: false,
  });
  (out as unknown as Record<symbol, unknown>)[inspect.custom] = () => `S3Credentials ${inspect(masked(out))}`;
  return out;
}

/**
 * Remove every known secret string from `text` (error messages from the SDK
 * or a server may echo the access key id; nothing should echo the secret,
 * but a message that did would still be cleaned).
 */
export function scrubSecrets(text: string, c: S3KeyPair | undefined): string {
  if (c === undefined) return text;
  let out = text;
  for (const s of [c.secretAccessKey, c.sessionToken, c.accessKeyId]) {
    if (s !== undefined && s.length > 0)
      out = out.split(s).join(s === c.accessKeyId ? maskAccessKey(s) : MASK);
  }
  return out;
}
