/**
 * Cached matchers (MsPASS DictionaryCacheMatcher / DataFrameCacheMatcher):
 * the collection (or `query`'s subset) is loaded once into an index keyed
 * by the match key, then every look-up is in memory. Built from a Database
 * (loaded on first use) or from an array of documents (MsPASS's DataFrame
 * input; there is no pandas here).
 */
import type { Document } from "mongodb";
import { MsPASSError } from "../errors.js";
import type { Metadata } from "../data/metadata.js";
import type { Database } from "../db/database.js";
import {
  BasicMatcher,
  logOf,
  type MatcherDefaults,
  type FindResult,
  type MatchTarget,
  type MatcherSource,
  type MatcherSpec,
} from "./basic-matcher.js";

/** One cached document and its loaded keys. */
export interface CacheEntry {
  doc: Document;
  md: Metadata;
}

let loads = 0;
/** How many cache loads (collection queries) this thread has run: a test/diagnostic counter. */
export function matcherCacheLoads(): number {
  return loads;
}

function isDatabase(x: unknown): x is Database {
  return (
    typeof x === "object" &&
    x !== null &&
    !Array.isArray(x) &&
    typeof (x as { collection?: unknown }).collection === "function"
  );
}

export abstract class CacheMatcher extends BasicMatcher {
  readonly source: MatcherSource;
  readonly query: Document | undefined;
  #index: Promise<Map<string, CacheEntry[]>> | undefined;

  protected constructor(
    source: MatcherSource,
    collection: string,
    options: Record<string, unknown>,
    defaults: MatcherDefaults,
    fn: string,
  ) {
    super(collection, options, defaults, fn);
    if (!isDatabase(source) && !Array.isArray(source)) {
      throw new MsPASSError(
        `${fn}: the first argument must be a Database or an array of ${collection} documents`,
        "Invalid",
      );
    }
    this.source = source;
    const q = options.query;
    if (q !== undefined && q !== null && (typeof q !== "object" || Array.isArray(q)))
      throw new MsPASSError(`${fn}: query must be a document`, "Invalid");
    this.query = (q ?? undefined) as Document | undefined;
  }

  /** The cache key of a collection document, or null to leave it out. */
  protected abstract cacheId(doc: Document): string | null;
  /** The cache key of a target, or null when it lacks the key's fields. */
  protected abstract targetCacheId(target: MatchTarget): string | null;
  /** The chosen entries among those with the target's key (default: all). */
  protected select(entries: CacheEntry[], _target: MatchTarget): CacheEntry[] {
    return entries;
  }
  /** Order of the documents within one key (default: as loaded). */
  protected sortEntries(_entries: CacheEntry[]): void {}

  /** Load the cache now (otherwise on first use). Rejects when the query finds nothing. */
  ready(): Promise<void> {
    return this.index().then(() => undefined);
  }

  /** Number of cached documents (after ready()). */
  async cacheSize(): Promise<number> {
    let n = 0;
    for (const v of (await this.index()).values()) n += v.length;
    return n;
  }

  protected index(): Promise<Map<string, CacheEntry[]>> {
    this.#index ??= this.load();
    return this.#index;
  }

  private async load(): Promise<Map<string, CacheEntry[]>> {
    const what = `${this.kind}(${this.collection})`;
    let docs: readonly Document[];
    if (Array.isArray(this.source)) {
      docs = this.source;
    } else {
      loads++;
      docs = await (this.source as Database)
        .collection(this.collection)
        .find(this.query ?? {})
        .toArray();
    }
    if (docs.length === 0) {
      this.#index = undefined; // a later call may try again
      throw new MsPASSError(
        `${what}: the cache query ${JSON.stringify(this.query ?? {})} found no documents`,
        "Fatal",
      );
    }
    const map = new Map<string, CacheEntry[]>();
    for (const doc of docs) {
      const id = this.cacheId(doc);
      if (id === null) continue;
      // A missing required attribute fails the load, as MsPASS's dictionary caches do.
      const e = { doc, md: this.extract(doc, what) };
      const list = map.get(id);
      if (list === undefined) map.set(id, [e]);
      else list.push(e);
    }
    for (const list of map.values()) this.sortEntries(list);
    return map;
  }

  async find(target: MatchTarget): Promise<FindResult> {
    const alg = this.kind;
    const index = await this.index();
    let id: string | null;
    try {
      id = this.targetCacheId(target);
    } catch (err) {
      if (err instanceof MsPASSError && err.severity !== "Fatal")
        return [null, logOf(alg, err.message, err.severity)];
      throw err;
    }
    if (id === null)
      return [null, logOf(alg, `the datum lacks the keys needed to look up ${this.collection}`, "Invalid")];
    const hits = this.select(index.get(id) ?? [], target);
    if (hits.length === 0)
      return [null, logOf(alg, `no ${this.collection} document matches key ${id}`, "Invalid")];
    if (hits.length > 1 && this.requireUniqueMatch) {
      return [
        null,
        logOf(
          alg,
          `${hits.length} ${this.collection} documents match key ${id} and a unique match is required`,
          "Invalid",
        ),
      ];
    }
    return [hits.map((h) => h.md.clone()), null];
  }

  async findDoc(doc: Document): Promise<Document | null> {
    const index = await this.index();
    let id: string | null;
    try {
      id = this.targetCacheId(doc);
    } catch {
      return null;
    }
    if (id === null) return null;
    const hits = this.select(index.get(id) ?? [], doc);
    return hits[0]?.doc ?? null;
  }

  toSpec(): MatcherSpec {
    return Array.isArray(this.source)
      ? this.baseSpec(undefined, this.source as readonly Document[])
      : this.baseSpec((this.source as Database).name, undefined);
  }
}
