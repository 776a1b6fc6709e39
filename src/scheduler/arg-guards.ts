/**
 * Argument guards: checks other layers register to refuse values that must
 * never be sent to a task (e.g. database handles, which cannot cross a
 * thread boundary and must be re-resolved there by name). The scheduler
 * runs them on task arguments (submit, map, bag items, scatter) before
 * anything is queued, so the caller gets the guard's message rather than
 * a structured-clone error or a silently broken copy.
 *
 * Only the top level, array elements and plain-object values are visited
 * (depth 2): enough for `submit(fn, db)`, `map(fn, [db])`, bag items and
 * `{ db }` items, cheap enough for hundreds of thousands of tasks.
 */
import { MsPASSError } from "../errors.js";

/** Returns why `value` may not be a task argument, or undefined if it may. */
export type ArgumentGuard = (value: unknown) => string | undefined;

const guards: ArgumentGuard[] = [];

/** Register a guard (idempotent for the same function). */
export function addArgumentGuard(guard: ArgumentGuard): void {
  if (typeof guard !== "function")
    throw new MsPASSError("addArgumentGuard: guard must be a function", "Invalid");
  if (!guards.includes(guard)) guards.push(guard);
}

function isPlain(v: object): boolean {
  const p = Object.getPrototypeOf(v);
  return p === Object.prototype || p === null;
}

function visit(value: unknown, depth: number, where: string): void {
  if (value === null || typeof value !== "object") return;
  for (const g of guards) {
    const why = g(value);
    if (why !== undefined) throw new MsPASSError(`${where}: ${why}`, "Invalid");
  }
  if (depth >= 2) return;
  if (Array.isArray(value)) {
    for (const x of value) visit(x, depth + 1, where);
  } else if (isPlain(value)) {
    for (const k in value) visit((value as Record<string, unknown>)[k], depth + 1, where);
  }
}

/** @internal Throws an Invalid MsPASSError if a guard refuses one of `args`. */
export function checkArguments(args: readonly unknown[], where: string): void {
  if (guards.length === 0) return;
  for (const a of args) visit(a, 0, where);
}
