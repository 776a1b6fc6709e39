/** Integer option checks shared by the schedulers (a clear Invalid error naming the option). */
import { MsPASSError } from "../errors.js";

export function positiveInt(v: unknown, what: string): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 1) {
    throw new MsPASSError(`${what} must be a positive integer, got ${String(v)}`, "Invalid");
  }
  return v;
}

export function nonNegativeInt(v: unknown, what: string): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0) {
    throw new MsPASSError(`${what} must be a non-negative integer, got ${String(v)}`, "Invalid");
  }
  return v;
}
