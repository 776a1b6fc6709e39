/**
 * One kit for checking what a caller passed: each check throws ONE
 * MsPASSError that names the function, the option and what was given, so
 * every public entry point words a bad argument the same way.
 */
import { MsPASSError, type ErrorSeverity } from "./errors.js";

/** A short description of a value for error messages ("a number", "an array", the string "x"). */
export function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (value instanceof Uint8Array) return "a byte array";
  return typeof value === "string" ? `the string ${JSON.stringify(value.slice(0, 40))}` : `a ${typeof value}`;
}

/** The type name of a value, as a noun ("array", "Date", a BSON type such as "ObjectId", else typeof). */
export function typeName(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "object" && typeof (v as { _bsontype?: unknown })._bsontype === "string")
    return (v as { _bsontype: string })._bsontype;
  if (v instanceof Date) return "Date";
  return typeof v;
}

/** A plain options object (not an array or bytes). */
function isObject(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array)
  );
}

/** `options` as a record ({} when undefined); refuses a non-object and any key not in `allowed`. */
export function checkKeys(options: unknown, allowed: readonly string[], fn: string): Record<string, unknown> {
  if (options === undefined) return {};
  if (!isObject(options))
    throw new MsPASSError(`${fn}: options must be an object, got ${describe(options)}`, "Invalid");
  for (const k of Object.keys(options)) {
    if (!allowed.includes(k))
      throw new MsPASSError(`${fn}: unknown option "${k}" (options are ${allowed.join(", ")})`, "Invalid");
  }
  return options;
}

/** A non-empty string option, or `dflt` when absent. */
export function optString(v: unknown, name: string, fn: string): string | undefined;
export function optString(v: unknown, name: string, fn: string, dflt: string): string;
export function optString(v: unknown, name: string, fn: string, dflt?: string): string | undefined {
  if (v === undefined) return dflt;
  if (typeof v !== "string" || v === "")
    throw new MsPASSError(`${fn}: ${name} must be a non-empty string, got ${describe(v)}`, "Invalid");
  return v;
}

/** A boolean option, or `dflt` (false) when absent. */
export function optBool(v: unknown, name: string, fn: string, dflt = false): boolean {
  if (v === undefined) return dflt;
  if (typeof v !== "boolean")
    throw new MsPASSError(`${fn}: ${name} must be a boolean, got ${describe(v)}`, "Invalid");
  return v;
}

/** An integer >= 1 (>= 0 with `allowZero`); `what` names it in the message. */
export function positiveInt(
  v: unknown,
  what: string,
  opts: { allowZero?: boolean; severity?: ErrorSeverity } = {},
): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < (opts.allowZero ? 0 : 1)) {
    throw new MsPASSError(
      `${what} must be a ${opts.allowZero ? "non-negative" : "positive"} integer, got ${describe(v)}`,
      opts.severity ?? "Invalid",
    );
  }
  return v;
}

/** An integer >= 0; `what` names it in the message. */
export function nonNegativeInt(v: unknown, what: string): number {
  return positiveInt(v, what, { allowZero: true });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A promise or any object with a `then` method (what `await` would wait for). */
export function isThenable(v: unknown): v is PromiseLike<unknown> {
  return v !== null && typeof v === "object" && typeof (v as { then?: unknown }).then === "function";
}
