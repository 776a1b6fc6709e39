/**
 * EqualityDBMatcher / EqualityMatcher: `matchKeys = {datumKey: column}`,
 * every pair must be equal. A datum missing a match key has no match.
 * The cached variant honours `query` (MsPASS ignores it: Pitfall 12).
 */
import type { Document } from "mongodb";
import { MsPASSError } from "../errors.js";
import type { Database } from "../db/database.js";
import {
  BASIC_KEYS,
  checkOptions,
  getKey,
  type BasicMatcherOptions,
  type MatchTarget,
  type MatcherSource,
} from "./basic-matcher.js";
import { DatabaseMatcher } from "./database-matcher.js";
import { CacheMatcher } from "./cache-matcher.js";

export interface EqualityMatcherOptions extends Omit<BasicMatcherOptions, "attributesToLoad"> {
  query?: Document;
}

function checkMatchKeys(m: unknown, fn: string): Record<string, string> {
  if (
    typeof m !== "object" ||
    m === null ||
    Array.isArray(m) ||
    Object.keys(m).length === 0 ||
    !Object.values(m).every((v) => typeof v === "string" && v !== "")
  ) {
    throw new MsPASSError(`${fn}: matchKeys must be a non-empty object {datumKey: collectionKey}`, "Invalid");
  }
  return { ...(m as Record<string, string>) };
}

function checkAttributes(a: unknown, fn: string): string[] {
  if (!Array.isArray(a) || a.length === 0)
    throw new MsPASSError(`${fn}: attributesToLoad is required (a non-empty array of keys)`, "Invalid");
  return a as string[];
}

/** A stable key of the values (typed, so 1 and "1" differ). */
function valueKey(values: unknown[]): string | null {
  if (values.some((v) => v === undefined || v === null)) return null;
  return JSON.stringify(values.map((v) => [typeof v, typeof v === "object" ? String(v) : v]));
}

export class EqualityDBMatcher extends DatabaseMatcher {
  readonly matchKeys: Readonly<Record<string, string>>;
  constructor(
    db: Database,
    collection: string,
    matchKeys: Record<string, string>,
    attributesToLoad: readonly string[],
    options?: Omit<BasicMatcherOptions, "attributesToLoad">,
  ) {
    const fn = "EqualityDBMatcher";
    const o = checkOptions(
      options,
      BASIC_KEYS.filter((k) => k !== "attributesToLoad"),
      fn,
    );
    super(
      db,
      collection,
      { ...o, attributesToLoad: checkAttributes(attributesToLoad, fn) },
      { attributesToLoad: [], requireUniqueMatch: false, prependCollectionName: false },
      fn,
    );
    this.matchKeys = checkMatchKeys(matchKeys, fn);
    this.given.matchKeys = this.matchKeys;
  }
  get kind(): string {
    return "EqualityDBMatcher";
  }
  queryGenerator(target: MatchTarget): Document | null {
    const q: Document = {};
    for (const [dk, col] of Object.entries(this.matchKeys)) {
      const v = getKey(target, dk);
      if (v === undefined || v === null) return null;
      q[col] = v;
    }
    return q;
  }
}

export class EqualityMatcher extends CacheMatcher {
  readonly matchKeys: Readonly<Record<string, string>>;
  constructor(
    source: MatcherSource,
    collection: string,
    matchKeys: Record<string, string>,
    attributesToLoad: readonly string[],
    options?: EqualityMatcherOptions,
  ) {
    const fn = "EqualityMatcher";
    const o = checkOptions(options, [...BASIC_KEYS.filter((k) => k !== "attributesToLoad"), "query"], fn);
    super(
      source,
      collection,
      { ...o, attributesToLoad: checkAttributes(attributesToLoad, fn) },
      { attributesToLoad: [], requireUniqueMatch: true, prependCollectionName: false },
      fn,
    );
    this.matchKeys = checkMatchKeys(matchKeys, fn);
    this.given.matchKeys = this.matchKeys;
  }
  get kind(): string {
    return "EqualityMatcher";
  }
  protected cacheId(doc: Document): string | null {
    return valueKey(Object.values(this.matchKeys).map((c) => doc[c]));
  }
  protected targetCacheId(target: MatchTarget): string | null {
    return valueKey(Object.keys(this.matchKeys).map((k) => getKey(target, k)));
  }
}
