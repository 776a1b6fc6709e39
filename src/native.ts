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
import { constants as bufferConstants } from "node:buffer";
import { createRequire } from "node:module";
import { totalmem } from "node:os";
import { MsPASSError, maskCredentials, type ErrorSeverity } from "./errors.js";
import type * as Binding from "../native/index.cjs";

const require = createRequire(import.meta.url);

/** The generated binding's type (functions and option interfaces). */
export type NativeBinding = typeof Binding;
export type { Binding };

/**
 * napi-rs's generated loader tries, in order: NAPI_RS_NATIVE_LIBRARY_PATH,
 * the `.node` next to it (a source checkout's build), then the platform
 * package `mspass-<platform>-<arch>[-<abi>]` (npm/, an optionalDependency of
 * the published package, which itself carries no `.node`).
 */
function load(): NativeBinding {
  try {
    return require("../native/index.cjs") as NativeBinding;
  } catch (err) {
    throw new MsPASSError(
      `cannot load the mspass native addon (native/index.cjs): ${(err as Error).message}. ` +
        `An installed mspass takes it from its platform package (mspass-${process.platform}-${process.arch}-..., ` +
        'an optionalDependency): reinstall without "--omit=optional" / "--no-optional". ' +
        "In a clone of the repository, build it with 'npm run build:native' (needs Rust).",
      "Fatal",
      { cause: err },
    );
  }
}

/**
 * The kinds of failure the core reports (crates/mspass-core/src/error.rs
 * `CoreError::kind`). Code decides on these, never on message text.
 */
export const NATIVE_ERROR_KINDS = [
  "InvalidArgument",
  "Connection",
  "Database",
  "DuplicateKey",
  "Io",
] as const;
export type NativeErrorKind = (typeof NATIVE_ERROR_KINDS)[number];

/**
 * The binding contract for errors: the addon rejects/throws a JS Error
 * whose message starts with the kind, "<Kind>: <text>" (napi-rs 3 fixes
 * an async error's `code` to its napi `Status`, so the reason string is the
 * one channel a rejected promise carries). This module decodes that token
 * ONCE, as every call comes back, into `err.code = "MSPASS_<KIND>"`
 * (e.g. `MSPASS_DUPLICATE_KEY`), a property that survives the scheduler's
 * error transport between threads. Everything else reads the kind with
 * `nativeErrorKind(err)`; rewording any message changes no behaviour.
 */
const KIND_CODE: Record<NativeErrorKind, string> = {
  InvalidArgument: "MSPASS_INVALID_ARGUMENT",
  Connection: "MSPASS_CONNECTION",
  Database: "MSPASS_DATABASE",
  DuplicateKey: "MSPASS_DUPLICATE_KEY",
  Io: "MSPASS_IO",
};
const CODE_KIND = new Map<string, NativeErrorKind>(
  Object.entries(KIND_CODE).map(([k, c]) => [c, k as NativeErrorKind]),
);
const KIND_TOKEN = new RegExp(`^(${NATIVE_ERROR_KINDS.join("|")}): `);

/** Stamp the kind code on an error coming out of the addon; returns it. */
function decorate(err: unknown): unknown {
  if (err instanceof Error && !CODE_KIND.has((err as { code?: unknown }).code as string)) {
    const kind = KIND_TOKEN.exec(err.message)?.[1] as NativeErrorKind | undefined;
    if (kind !== undefined) (err as { code?: string }).code = KIND_CODE[kind];
  }
  return err;
}

/** `fn` with its throws and rejections decorated. */
function guarded<F extends (...args: never[]) => unknown>(fn: F): F {
  return function (this: unknown, ...args: Parameters<F>) {
    let out: unknown;
    try {
      out = fn.apply(this, args);
    } catch (err) {
      throw decorate(err);
    }
    return out instanceof Promise ? out.catch((err: unknown) => Promise.reject(decorate(err))) : out;
  } as F;
}

/** The binding with every function's errors decorated (classes: their prototype methods). */
function wrap(binding: NativeBinding): NativeBinding {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(binding)) {
    if (typeof value !== "function") {
      out[name] = value;
      continue;
    }
    const proto = (value as { prototype?: object }).prototype;
    const methods =
      proto === undefined ? [] : Object.getOwnPropertyNames(proto).filter((m) => m !== "constructor");
    if (methods.length > 0) {
      // A napi class: decorate its methods in place (instances come from Rust).
      for (const m of methods) {
        const d = Object.getOwnPropertyDescriptor(proto, m)!;
        if (typeof d.value === "function")
          Object.defineProperty(proto, m, { ...d, value: guarded(d.value as (...a: never[]) => unknown) });
      }
      out[name] = value;
    } else {
      out[name] = guarded(value as (...a: never[]) => unknown);
    }
  }
  return out as NativeBinding;
}

export const native: NativeBinding = wrap(load());

// The core must never size a sample buffer past what this process can hold
// as one Float64Array, nor past the machine's memory (reads give a dead
// datum naming the limit instead of an allocation that aborts the process).
native.setSampleBufferLimit(Math.min(bufferConstants.MAX_LENGTH, totalmem()));

/**
 * MsPASS severities per kind: a bad argument is "Invalid" (the caller can
 * fix the call), anything the server or the connection did is "Fatal" for
 * the job, as in MsPASS.
 */
const KIND_SEVERITY: Record<NativeErrorKind, ErrorSeverity> = {
  InvalidArgument: "Invalid",
  Connection: "Fatal",
  Database: "Fatal",
  DuplicateKey: "Fatal",
  Io: "Fatal",
};

/**
 * The kind of a binding error ("Connection", ...), or of the binding error
 * an `MsPASSError` wraps (its `code`, or its `cause` chain); undefined for
 * anything else (e.g. napi's own argument-conversion errors).
 */
export function nativeErrorKind(err: unknown): NativeErrorKind | undefined {
  for (let e: unknown = err, depth = 0; e !== undefined && e !== null && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    const kind = typeof code === "string" ? CODE_KIND.get(code) : undefined;
    if (kind !== undefined) return kind;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Turn an error thrown by the binding into an `MsPASSError` whose message
 * starts with `context` (the API call, e.g. "Collection.find(mspass.site)")
 * and whose `code` is the binding error's kind code, so callers can still
 * tell a connection failure from a duplicate key. Messages are masked once
 * more here so no credential can slip through.
 */
export function toMsPASSError(err: unknown, context: string): MsPASSError {
  if (err instanceof MsPASSError) return err;
  decorate(err);
  const kind = nativeErrorKind(err);
  const raw = err instanceof Error ? err.message : String(err);
  const token = KIND_TOKEN.exec(raw);
  const text = maskCredentials(token ? raw.slice(token[0].length) : raw);
  // Napi's own argument conversion errors ("Failed to convert ...") carry no kind.
  const severity: ErrorSeverity = kind === undefined ? "Invalid" : KIND_SEVERITY[kind];
  // Keep the original as `cause` only when it holds nothing masking removed.
  const cause = maskCredentials(raw) === raw ? err : undefined;
  const out = new MsPASSError(`${context}: ${text}`, severity, cause === undefined ? undefined : { cause });
  if (kind !== undefined) (out as { code?: string }).code = KIND_CODE[kind];
  return out;
}
