/**
 * OriginTimeDBMatcher / OriginTimeMatcher: the source whose origin time is
 * within `tolerance` of T = (datum t0, or its `dataTimeKey`) − t0offset.
 * DB variant: the first in the window; cached variant: the nearest to T.
 */
import type { Document } from "mongodb";
import { MsPASSError } from "../errors.js";
import type { Database } from "../db/database.js";
import {
  BASIC_KEYS,
  checkOptions,
  getKey,
  isAtomic,
  type BasicMatcherOptions,
  type MatchTarget,
  type MatcherSource,
} from "./basic-matcher.js";
import { DatabaseMatcher } from "./database-matcher.js";
import { CacheMatcher, type CacheEntry } from "./cache-matcher.js";

export interface OriginTimeMatcherOptions extends BasicMatcherOptions {
  t0offset?: number;
  tolerance?: number;
  query?: Document;
  /** Read T from this Metadata key instead of the datum's t0. */
  dataTimeKey?: string | null;
  /** The source document's time key (cached variant; MsPASS's DB variant ignores it, Pitfall 12 — honoured here). */
  sourceTimeKey?: string | null;
}

const KEYS = [...BASIC_KEYS, "t0offset", "tolerance", "query", "dataTimeKey", "sourceTimeKey"];
const defaults = {
  attributesToLoad: ["_id", "lat", "lon", "depth", "time"],
  loadIfDefined: ["magnitude"],
  requireUniqueMatch: false,
  prependCollectionName: true,
};

function finite(v: unknown, dflt: number, name: string, fn: string): number {
  if (v === undefined) return dflt;
  if (typeof v !== "number" || !Number.isFinite(v))
    throw new MsPASSError(`${fn}: ${name} must be a finite number`, "Invalid");
  return v;
}

function optKey(v: unknown, name: string, fn: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string" || v === "")
    throw new MsPASSError(`${fn}: ${name} must be a key name`, "Invalid");
  return v;
}

/** T for a target, or null when it has no time. */
function targetTime(target: MatchTarget, dataTimeKey: string | undefined, t0offset: number): number | null {
  let t: unknown;
  if (dataTimeKey !== undefined) t = getKey(target, dataTimeKey);
  else if (isAtomic(target)) t = target.t0;
  else t = getKey(target, "starttime");
  return typeof t === "number" && Number.isFinite(t) ? t - t0offset : null;
}

export class OriginTimeDBMatcher extends DatabaseMatcher {
  readonly t0offset: number;
  readonly tolerance: number;
  readonly query: Document | undefined;
  readonly dataTimeKey: string | undefined;
  readonly sourceTimeKey: string;
  constructor(db: Database, collection = "source", options?: OriginTimeMatcherOptions) {
    const fn = "OriginTimeDBMatcher";
    const o = checkOptions(options, KEYS, fn);
    super(db, collection, o, defaults, fn);
    this.t0offset = finite(o.t0offset, 0.0, "t0offset", fn);
    this.tolerance = finite(o.tolerance, 4.0, "tolerance", fn);
    this.query = (o.query ?? undefined) as Document | undefined;
    this.dataTimeKey = optKey(o.dataTimeKey, "dataTimeKey", fn);
    this.sourceTimeKey = optKey(o.sourceTimeKey, "sourceTimeKey", fn) ?? "time";
  }
  get kind(): string {
    return "OriginTimeDBMatcher";
  }
  queryGenerator(target: MatchTarget): Document | null {
    const t = targetTime(target, this.dataTimeKey, this.t0offset);
    if (t === null) return null;
    return {
      ...(this.query ?? {}),
      [this.sourceTimeKey]: { $gte: t - this.tolerance, $lte: t + this.tolerance },
    };
  }
}

export class OriginTimeMatcher extends CacheMatcher {
  readonly t0offset: number;
  readonly tolerance: number;
  readonly dataTimeKey: string | undefined;
  readonly sourceTimeKey: string;
  constructor(source: MatcherSource, collection = "source", options?: OriginTimeMatcherOptions) {
    const fn = "OriginTimeMatcher";
    const o = checkOptions(options, KEYS, fn);
    super(source, collection, o, defaults, fn);
    this.t0offset = finite(o.t0offset, 0.0, "t0offset", fn);
    this.tolerance = finite(o.tolerance, 4.0, "tolerance", fn);
    this.dataTimeKey = optKey(o.dataTimeKey, "dataTimeKey", fn);
    this.sourceTimeKey = optKey(o.sourceTimeKey, "sourceTimeKey", fn) ?? "time";
    if (!this.attributesToLoad.includes(this.sourceTimeKey)) {
      throw new MsPASSError(
        `${fn}: attributesToLoad must include the source time key ${this.sourceTimeKey}`,
        "Invalid",
      );
    }
  }
  get kind(): string {
    return "OriginTimeMatcher";
  }
  /** One bucket, sorted by time: a look-up is a binary search. */
  protected cacheId(doc: Document): string | null {
    return typeof doc[this.sourceTimeKey] === "number" ? "all" : null;
  }
  protected override targetCacheId(): string | null {
    return "all";
  }
  protected override sortEntries(entries: CacheEntry[]): void {
    entries.sort((a, b) => (a.doc[this.sourceTimeKey] as number) - (b.doc[this.sourceTimeKey] as number));
  }
  protected override select(entries: CacheEntry[], target: MatchTarget): CacheEntry[] {
    const t = targetTime(target, this.dataTimeKey, this.t0offset);
    if (t === null) return [];
    const key = this.sourceTimeKey;
    let lo = 0;
    let hi = entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((entries[mid]!.doc[key] as number) < t - this.tolerance) lo = mid + 1;
      else hi = mid;
    }
    let best: CacheEntry | undefined;
    for (let i = lo; i < entries.length && (entries[i]!.doc[key] as number) <= t + this.tolerance; i++) {
      const e = entries[i]!;
      if (
        best === undefined ||
        Math.abs((e.doc[key] as number) - t) < Math.abs((best.doc[key] as number) - t)
      )
        best = e;
    }
    return best === undefined ? [] : [best];
  }
}
