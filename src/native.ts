/**
 * The one place that loads the napi-rs addon. Everything else imports the
 * binding from here; the generated loader (native/index.cjs) and its types
 * (native/index.d.cts) are private to the package.
 *
 * Loading it here, at module load, also pins the shared library on the main
 * thread: Node unloads an addon when a worker's environment is destroyed but
 * never on the main thread, so the process-wide connection pool survives
 * worker restarts.
 */
import { createRequire } from "node:module";
import { MsPASSError, maskCredentials, type ErrorSeverity } from "./errors.js";
import type * as Binding from "../native/index.cjs";

const require = createRequire(import.meta.url);

/** The generated binding's type (functions and option interfaces). */
export type NativeBinding = typeof Binding;
export type { Binding };

function load(): NativeBinding {
  try {
    return require("../native/index.cjs") as NativeBinding;
  } catch (err) {
    throw new MsPASSError(
      `cannot load the mspass native addon (native/index.cjs): ${(err as Error).message}. ` +
        "Build it with 'npm run build:native' (needs Rust).",
      "Fatal",
      { cause: err },
    );
  }
}

export const native: NativeBinding = load();

/**
 * The kinds the binding prefixes its error messages with ("<Kind>: ...", see
 * crates/mspass-node/src/errors.rs), mapped onto MsPASS severities: a bad
 * argument is "Invalid" (the caller can fix the call), anything the server or
 * the connection did is "Fatal" for the job, as in MsPASS.
 */
const KIND_SEVERITY: Record<string, ErrorSeverity> = {
  InvalidArgument: "Invalid",
  Connection: "Fatal",
  Database: "Fatal",
  Io: "Fatal",
};
const KIND_PREFIX = /^(InvalidArgument|Connection|Database|Io): /;

/** The kind prefix of a binding error ("Connection", ...), if it has one. */
export function nativeErrorKind(err: unknown): string | undefined {
  const message = err instanceof Error ? err.message : String(err);
  return KIND_PREFIX.exec(message)?.[1];
}

/**
 * Turn an error thrown by the binding into an `MsPASSError` whose message
 * starts with `context` (the API call, e.g. "Collection.find(mspass.site)").
 * Messages are masked once more here so no credential can slip through.
 */
export function toMsPASSError(err: unknown, context: string): MsPASSError {
  if (err instanceof MsPASSError) return err;
  const raw = err instanceof Error ? err.message : String(err);
  const match = KIND_PREFIX.exec(raw);
  const text = maskCredentials(match ? raw.slice(match[0].length) : raw);
  // Napi's own argument conversion errors ("Failed to convert ...") carry no kind.
  const severity: ErrorSeverity = match ? (KIND_SEVERITY[match[1]!] ?? "Fatal") : "Invalid";
  // Keep the original as `cause` only when it holds nothing masking removed.
  const cause = maskCredentials(raw) === raw ? err : undefined;
  return new MsPASSError(`${context}: ${text}`, severity, cause === undefined ? undefined : { cause });
}
