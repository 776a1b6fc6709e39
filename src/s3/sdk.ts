/**
 * The AWS SDK (`@aws-sdk/client-s3`), loaded the first time S3 is used.
 *
 * It is an optional peer dependency: only S3 storage needs it, and it is
 * most of the package's install size, so `npm install mspass` leaves it
 * out and everything else runs without it. It is loaded synchronously
 * (`require`; the SDK ships CommonJS) so the S3 calls keep their shape, and
 * its absence is one clear error saying what to install. Every other module
 * imports only its types.
 */
import { createRequire } from "node:module";
import { MsPASSError } from "../errors.js";

export type S3Sdk = typeof import("@aws-sdk/client-s3");

const SDK = "@aws-sdk/client-s3";

let sdk: S3Sdk | undefined;

function isMissing(err: unknown, name: string): boolean {
  const e = err as { code?: string; message?: string };
  return e?.code === "MODULE_NOT_FOUND" && typeof e.message === "string" && e.message.includes(`'${name}'`);
}

/** The SDK module, or an `MsPASSError` naming the install command when it is not installed. */
export function s3Sdk(): S3Sdk {
  if (sdk !== undefined) return sdk;
  try {
    sdk = createRequire(import.meta.url)(SDK) as S3Sdk;
  } catch (err) {
    if (!isMissing(err, SDK)) throw err;
    throw new MsPASSError(
      `S3 storage needs the AWS SDK, which is not installed: run \`npm install ${SDK}\` in your project`,
      "Fatal",
      { cause: err },
    );
  }
  return sdk;
}
