/**
 * ArrivalDBMatcher / ArrivalMatcher (MsPASS 2.4.3 normalize.py): the
 * arrival documents of the datum's station whose time lies inside the
 * datum, t0 ≤ time ≤ endtime() inclusive; `net` is an extra condition only
 * when the datum defines it. Several arrivals in the window: the first
 * (unique match not required by default, as MsPASS).
 *
 * DB variant: atomic data only, as MsPASS (an ensemble cannot build a
 * query → Invalid). Cached variant: ensembles use their
 * `ensembleStarttimeKey`/`ensembleEndtimeKey` Metadata, as MsPASS's
 * DataFrame version. Both also accept plain documents with `starttime` and
 * `endtime` (bulkNormalize passes wf documents).
 */
import type { Document } from "mongodb";
import { MsPASSError } from "../errors.js";
import type { Database } from "../db/database.js";
import {
  BASIC_KEYS,
  checkOptions,
  getKey,
  isAtomic,
  isEnsembleLike,
  type BasicMatcherOptions,
  type MatchTarget,
  type MatcherSource,
} from "./basic-matcher.js";
import { DatabaseMatcher } from "./database-matcher.js";
import { CacheMatcher, type CacheEntry } from "./cache-matcher.js";

export interface ArrivalMatcherOptions extends BasicMatcherOptions {
  /** Extra conditions on the arrival collection (DB variant: added to every query; cached: the cache's load query). */
  query?: Document;
  /** Cached variant: the ensemble Metadata keys giving its time window (default "starttime" / "endtime"). */
  ensembleStarttimeKey?: string;
  ensembleEndtimeKey?: string;
  /** Cached variant: the arrival time key (default "time"). */
  arrivalTimeKey?: string | null;
}

const defaults = {
  attributesToLoad: ["phase", "time"],
  requireUniqueMatch: false,
  prependCollectionName: true,
};

function keyOption(v: unknown, dflt: string, name: string, fn: string): string {
  if (v === undefined || v === null) return dflt;
  if (typeof v !== "string" || v === "")
    throw new MsPASSError(`${fn}: ${name} must be a key name`, "Invalid");
  return v;
}

function queryOption(v: unknown, fn: string): Document | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "object" || Array.isArray(v))
    throw new MsPASSError(`${fn}: query must be a document`, "Invalid");
  return v as Document;
}

function num(target: MatchTarget, key: string): number | undefined {
  const v = getKey(target, key);
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}

function str(target: MatchTarget, key: string): string | undefined {
  const v = getKey(target, key);
  return typeof v === "string" ? v : undefined;
}

/** [start, end] of an atomic datum, or of a document by its own keys; null when dead or without times. */
function atomicWindow(target: MatchTarget): [number, number] | null {
  if (isAtomic(target)) return target.live ? [target.t0, target.endtime()] : null;
  const t0 = num(target, "starttime");
  const t1 = num(target, "endtime");
  return t0 === undefined || t1 === undefined ? null : [t0, t1];
}

export class ArrivalDBMatcher extends DatabaseMatcher {
  readonly query: Document | undefined;
  constructor(db: Database, collection = "arrival", options?: ArrivalMatcherOptions) {
    const fn = "ArrivalDBMatcher";
    const o = checkOptions(options, [...BASIC_KEYS, "query"], fn);
    super(db, collection, o, defaults, fn);
    this.query = queryOption(o.query, fn);
  }
  get kind(): string {
    return "ArrivalDBMatcher";
  }
  queryGenerator(target: MatchTarget): Document | null {
    if (isEnsembleLike(target)) return null;
    const w = atomicWindow(target);
    const sta = str(target, "sta");
    if (w === null || sta === undefined) return null;
    const q: Document = { ...(this.query ?? {}), time: { $gte: w[0], $lte: w[1] } };
    const net = str(target, "net");
    if (net !== undefined) q.net = net;
    q.sta = sta;
    return q;
  }
  protected override noQueryReason(): string {
    return "ArrivalDBMatcher needs a live atomic datum (TimeSeries or Seismogram) with sta defined";
  }
}

export class ArrivalMatcher extends CacheMatcher {
  readonly ensembleStarttimeKey: string;
  readonly ensembleEndtimeKey: string;
  readonly arrivalTimeKey: string;
  constructor(source: MatcherSource, collection = "arrival", options?: ArrivalMatcherOptions) {
    const fn = "ArrivalMatcher";
    const o = checkOptions(
      options,
      [...BASIC_KEYS, "query", "ensembleStarttimeKey", "ensembleEndtimeKey", "arrivalTimeKey"],
      fn,
    );
    super(source, collection, o, defaults, fn);
    this.ensembleStarttimeKey = keyOption(o.ensembleStarttimeKey, "starttime", "ensembleStarttimeKey", fn);
    this.ensembleEndtimeKey = keyOption(o.ensembleEndtimeKey, "endtime", "ensembleEndtimeKey", fn);
    this.arrivalTimeKey = keyOption(o.arrivalTimeKey, "time", "arrivalTimeKey", fn);
  }
  get kind(): string {
    return "ArrivalMatcher";
  }
  /** One bucket per station, sorted by arrival time: a look-up is a binary search. */
  protected cacheId(doc: Document): string | null {
    return typeof doc.sta === "string" && typeof doc[this.arrivalTimeKey] === "number" ? doc.sta : null;
  }
  protected override targetCacheId(target: MatchTarget): string | null {
    return str(target, "sta") ?? null;
  }
  protected override sortEntries(entries: CacheEntry[]): void {
    entries.sort((a, b) => (a.doc[this.arrivalTimeKey] as number) - (b.doc[this.arrivalTimeKey] as number));
  }
  private window(target: MatchTarget): [number, number] | null {
    if (isEnsembleLike(target)) {
      const t0 = num(target, this.ensembleStarttimeKey);
      const t1 = num(target, this.ensembleEndtimeKey);
      return t0 === undefined || t1 === undefined ? null : [t0, t1];
    }
    return atomicWindow(target);
  }
  protected override select(entries: CacheEntry[], target: MatchTarget): CacheEntry[] {
    const w = this.window(target);
    if (w === null) return [];
    const key = this.arrivalTimeKey;
    const net = str(target, "net");
    let lo = 0;
    let hi = entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((entries[mid]!.doc[key] as number) < w[0]) lo = mid + 1;
      else hi = mid;
    }
    const out: CacheEntry[] = [];
    for (let i = lo; i < entries.length && (entries[i]!.doc[key] as number) <= w[1]; i++) {
      const e = entries[i]!;
      if (net === undefined || e.doc.net === net) out.push(e);
    }
    return out;
  }
}
