/**
 * Option checking for readDistributedData / writeDistributedData. Every
 * mistake is an MsPASSError naming the option, raised on the main thread
 * before any task is created.
 */
import { MsPASSError } from "../errors.js";
import { isDocument } from "../db/bson.js";
import { describe, positiveInt } from "../option-checks.js";
import { MODES, type Mode } from "../schema/modes.js";
import { DEFAULT_RETRY_TIMEOUT_MS } from "./retry.js";

export function optPositiveInt(
  fn: string,
  o: Record<string, unknown>,
  key: string,
  allowZero = false,
): number | undefined {
  return o[key] === undefined ? undefined : positiveInt(o[key], `${fn}: ${key}`, { allowZero });
}

export function optMode(fn: string, o: Record<string, unknown>): Mode {
  const v = o.mode;
  if (v === undefined) return "promiscuous";
  if (!(MODES as readonly unknown[]).includes(v)) {
    throw new MsPASSError(`${fn}: mode must be one of ${MODES.join(", ")}, got ${describe(v)}`, "Invalid");
  }
  return v as Mode;
}

export function optExcludeKeys(fn: string, o: Record<string, unknown>): string[] {
  const v = o.excludeKeys;
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.some((k) => typeof k !== "string")) {
    throw new MsPASSError(`${fn}: excludeKeys must be an array of strings, got ${describe(v)}`, "Invalid");
  }
  return [...(v as string[])];
}

export function optRetryTimeout(fn: string, o: Record<string, unknown>): number {
  const v = o.retryTimeoutMS;
  if (v === undefined) return DEFAULT_RETRY_TIMEOUT_MS;
  if (typeof v !== "number" || !Number.isFinite(v) || v < 0) {
    throw new MsPASSError(
      `${fn}: retryTimeoutMS must be a non-negative number of milliseconds, got ${describe(v)}`,
      "Invalid",
    );
  }
  return v;
}

/** MsPASS's sort_clause: `{key: 1|-1}`, `[[key, dir], ...]` or one `[key, dir]`; returned as `{key: 1|-1}`. */
export function optSort(fn: string, o: Record<string, unknown>): Record<string, 1 | -1> | undefined {
  const v = o.sortClause;
  if (v === undefined) return undefined;
  const bad = () =>
    new MsPASSError(
      `${fn}: sortClause must be {key: 1|-1}, [[key, 1|-1], ...] or [key, 1|-1], got ${describe(v)}`,
      "Invalid",
    );
  const dir = (d: unknown): 1 | -1 => {
    if (d === 1 || d === "asc" || d === "ascending") return 1;
    if (d === -1 || d === "desc" || d === "descending") return -1;
    throw bad();
  };
  const out: Record<string, 1 | -1> = {};
  if (Array.isArray(v)) {
    const pairs = v.length === 2 && typeof v[0] === "string" && !Array.isArray(v[1]) ? [v] : v;
    for (const p of pairs) {
      if (!Array.isArray(p) || p.length !== 2 || typeof p[0] !== "string" || p[0] === "") throw bad();
      out[p[0]] = dir(p[1]);
    }
  } else if (isDocument(v)) {
    for (const [k, d] of Object.entries(v)) out[k] = dir(d);
  } else throw bad();
  if (Object.keys(out).length === 0) throw bad();
  return out;
}

export { DEFAULT_RETRY_TIMEOUT_MS };
