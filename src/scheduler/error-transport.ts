/**
 * Errors crossing threads. Structured clone keeps only the built-in error
 * types, so errors travel as plain records and are rebuilt on the other side
 * with the worker's name, message and stack.
 */
import { MsPASSError, isSeverity, type ErrorSeverity } from "../errors.js";

export interface ErrorInfo {
  name: string;
  message: string;
  stack?: string;
  severity?: ErrorSeverity;
  code?: string;
}

export function serializeError(err: unknown): ErrorInfo {
  if (err instanceof Error) {
    const info: ErrorInfo = { name: err.name, message: err.message, stack: err.stack };
    const sev = (err as { severity?: unknown }).severity;
    if (isSeverity(sev)) info.severity = sev;
    const code = (err as { code?: unknown }).code;
    if (typeof code === "string") info.code = code;
    return info;
  }
  return { name: "Error", message: `non-Error value thrown: ${safeString(err)}` };
}

function safeString(v: unknown): string {
  try {
    return typeof v === "string" ? v : (JSON.stringify(v) ?? String(v));
  } catch {
    return String(v);
  }
}

const BUILTIN: Record<string, ErrorConstructor> = {
  Error,
  TypeError,
  RangeError,
  ReferenceError,
  SyntaxError,
  EvalError,
  URIError,
};

/** Rebuild an error; built-in types and MsPASSError keep their class. */
export function deserializeError(info: ErrorInfo): Error {
  let err: Error;
  if (info.name === "MsPASSError" || info.severity !== undefined) {
    err = new MsPASSError(info.message, info.severity ?? "Fatal");
    if (info.name !== "MsPASSError") err.name = info.name;
  } else {
    const Ctor = BUILTIN[info.name] ?? Error;
    err = new Ctor(info.message);
    if (err.name !== info.name) err.name = info.name;
  }
  if (info.stack) err.stack = info.stack;
  if (info.code !== undefined) (err as { code?: string }).code = info.code;
  return err;
}
