/**
 * MiniseedDBMatcher / MiniseedMatcher: SEED codes (net, sta, chan for
 * channel, loc) and time inside the channel or site epoch.
 *
 * As in MsPASS (Pitfall 6): the DB variant requires the datum's whole span
 * (starttime ≤ t0 and endtime ≥ datum end) and, when the datum has no loc,
 * matches any loc; the cached variant tests only t0 (inclusive) and treats
 * a missing loc as "". Both apply to plain documents too (bulkNormalize),
 * using their `starttime`/`endtime`.
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

export const MINISEED_DEFAULT_ATTRIBUTES = ["starttime", "endtime", "lat", "lon", "elev", "_id"] as const;

export interface MiniseedMatcherOptions extends BasicMatcherOptions {
  query?: Document;
}

function checkCollection(collection: string, fn: string): void {
  if (collection !== "channel" && collection !== "site") {
    throw new MsPASSError(
      `${fn}: collection must be "channel" or "site", got ${JSON.stringify(collection)}`,
      "Invalid",
    );
  }
}

/** MsPASS appends hang and vang for channel (to a copy here: Pitfall 7). */
function defaultsFor(collection: string) {
  const attrs: string[] = [...MINISEED_DEFAULT_ATTRIBUTES];
  return {
    attributesToLoad: collection === "channel" ? [...attrs, "hang", "vang"] : attrs,
    requireUniqueMatch: false,
    prependCollectionName: true,
  };
}

function str(target: MatchTarget, key: string): string | undefined {
  const v = getKey(target, key);
  return typeof v === "string" ? v : undefined;
}

/** [t0, end] of a datum (UTC required) or of a document (`starttime`, `endtime`). */
function span(target: MatchTarget, fn: string): [number, number] | null {
  if (isEnsembleLike(target))
    throw new MsPASSError(
      `${fn}: requires an atomic datum (TimeSeries or Seismogram), got an ensemble`,
      "Invalid",
    );
  if (isAtomic(target)) {
    if (!target.timeIsUTC())
      throw new MsPASSError(`${fn}: the datum's time is Relative; SEED epochs need UTC times`, "Invalid");
    return [target.t0, target.endtime()];
  }
  const t0 = getKey(target, "starttime");
  if (typeof t0 !== "number") return null;
  const t1 = getKey(target, "endtime");
  return [t0, typeof t1 === "number" ? t1 : t0];
}

export class MiniseedDBMatcher extends DatabaseMatcher {
  constructor(db: Database, collection = "channel", options?: BasicMatcherOptions) {
    checkCollection(collection, "MiniseedDBMatcher");
    super(
      db,
      collection,
      checkOptions(options, BASIC_KEYS, "MiniseedDBMatcher"),
      defaultsFor(collection),
      "MiniseedDBMatcher",
    );
  }
  get kind(): string {
    return "MiniseedDBMatcher";
  }
  queryGenerator(target: MatchTarget): Document | null {
    const s = span(target, this.kind);
    const net = str(target, "net");
    const sta = str(target, "sta");
    const chan = str(target, "chan");
    if (
      s === null ||
      net === undefined ||
      sta === undefined ||
      (this.collection === "channel" && chan === undefined)
    )
      return null;
    const q: Document = { net, sta };
    if (this.collection === "channel") q.chan = chan;
    const loc = str(target, "loc");
    if (loc !== undefined) q.loc = loc;
    q.starttime = { $lte: s[0] };
    q.endtime = { $gte: s[1] };
    return q;
  }
  protected override noQueryReason(): string {
    return `the datum lacks net, sta${this.collection === "channel" ? ", chan" : ""} or a start time`;
  }
}

export class MiniseedMatcher extends CacheMatcher {
  constructor(source: MatcherSource, collection = "channel", options?: MiniseedMatcherOptions) {
    checkCollection(collection, "MiniseedMatcher");
    super(
      source,
      collection,
      checkOptions(options, [...BASIC_KEYS, "query"], "MiniseedMatcher"),
      defaultsFor(collection),
      "MiniseedMatcher",
    );
    for (const k of ["starttime", "endtime"]) {
      if (!this.attributesToLoad.includes(k))
        throw new MsPASSError(`MiniseedMatcher: attributesToLoad must include ${k}`, "Invalid");
    }
  }
  get kind(): string {
    return "MiniseedMatcher";
  }
  private key(net: unknown, sta: unknown, loc: unknown, chan: unknown): string | null {
    if (typeof net !== "string" || typeof sta !== "string") return null;
    const l = typeof loc === "string" ? loc : "";
    if (this.collection === "site") return `${net}_${sta}_${l}_`;
    if (typeof chan !== "string") return null;
    return `${net}_${sta}_${l}_${chan}_`;
  }
  protected cacheId(doc: Document): string | null {
    return this.key(doc.net, doc.sta, doc.loc, doc.chan);
  }
  protected override targetCacheId(target: MatchTarget): string | null {
    return this.key(
      getKey(target, "net"),
      getKey(target, "sta"),
      getKey(target, "loc"),
      getKey(target, "chan"),
    );
  }
  /** The first epoch (in load order, as MsPASS's linear scan) containing t0, inclusive. */
  protected override select(entries: CacheEntry[], target: MatchTarget): CacheEntry[] {
    const s = span(target, this.kind);
    if (s === null) return [];
    const t0 = s[0];
    const hit = entries.find((e) => (e.doc.starttime as number) <= t0 && t0 <= (e.doc.endtime as number));
    return hit === undefined ? [] : [hit];
  }
}
