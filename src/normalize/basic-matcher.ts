/**
 * The base of every matcher (MsPASS `db/normalize.py`: BasicMatcher,
 * DatabaseMatcher, DictionaryCacheMatcher): the attribute lists, the naming
 * of loaded keys (`channel_lat`, `site_id`, aliases), `find`/`findOne`
 * returning `[Metadata | null, ErrorLogger | null]`, and the spec a matcher
 * is sent to workers as (a matcher holds a Database handle, which cannot
 * cross threads; the spec names the database and the options).
 *
 * Cached matchers load their collection ONCE, on first use (MsPASS loads in
 * the constructor; a JavaScript constructor cannot await), or from an array
 * of documents (MsPASS's DataFrame input: there is no pandas here).
 */
import { BSON, type Document } from "mongodb";
import { MsPASSError, type ErrorSeverity } from "../errors.js";
import { Metadata, type MetadataValue } from "../data/metadata.js";
import { ErrorLogger } from "../data/error-logger.js";
import { BasicTimeSeries } from "../data/basic-time-series.js";
import type { Database } from "../db/database.js";

/** What a matcher matches: a datum, an ensemble, a Metadata or a plain document. */
export type MatchTarget =
  | BasicTimeSeries
  | { md: Metadata; member: unknown[] }
  | Metadata
  | Readonly<Record<string, unknown>>;

export type FindOneResult = [Metadata | null, ErrorLogger | null];
export type FindResult = [Metadata[] | null, ErrorLogger | null];

/** The database a cached matcher loads from, or the documents themselves. */
export type MatcherSource = Database | readonly Document[];

export interface BasicMatcherOptions {
  attributesToLoad?: readonly string[];
  loadIfDefined?: readonly string[];
  aliases?: Readonly<Record<string, string>>;
  requireUniqueMatch?: boolean;
  prependCollectionName?: boolean;
}

/** A matcher as plain, cloneable data: how workers rebuild it. */
export interface MatcherSpec {
  kind: string;
  collection: string;
  /** The database (DB matchers, and cached matchers that load from one). */
  dbName?: string;
  /** Cached matchers built from documents: those documents, as BSON. */
  docs?: Uint8Array[];
  /** The constructor options (JSON-safe; a `query` travels as BSON under `queryBson`). */
  options: Record<string, unknown>;
  queryBson?: Uint8Array;
}

export function isAtomic(x: unknown): x is BasicTimeSeries {
  return x instanceof BasicTimeSeries;
}

export function isEnsembleLike(x: unknown): x is { md: Metadata; member: unknown[]; elog: ErrorLogger } {
  return (
    typeof x === "object" &&
    x !== null &&
    !(x instanceof BasicTimeSeries) &&
    Array.isArray((x as { member?: unknown }).member) &&
    (x as { md?: unknown }).md instanceof Metadata
  );
}

/** A key of the target: Metadata of a datum/ensemble, a Metadata, or a document field. */
export function getKey(t: MatchTarget, key: string): unknown {
  if (t instanceof Metadata) return t.get(key);
  const md = (t as { md?: unknown }).md;
  if (md instanceof Metadata) return md.get(key);
  return (t as Record<string, unknown>)[key];
}

export function hasKey(t: MatchTarget, key: string): boolean {
  const v = getKey(t, key);
  return v !== undefined && v !== null;
}

function stringList(v: unknown, name: string, fn: string): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || !v.every((x) => typeof x === "string" && x !== "")) {
    throw new MsPASSError(`${fn}: ${name} must be an array of key names`, "Invalid");
  }
  return [...v];
}

export function checkOptions(
  options: object | undefined,
  allowed: readonly string[],
  fn: string,
): Record<string, unknown> {
  if (options === undefined) return {};
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new MsPASSError(`${fn}: options must be an object`, "Invalid");
  }
  for (const k of Object.keys(options)) {
    if (!allowed.includes(k))
      throw new MsPASSError(`${fn}: unknown option "${k}" (options are ${allowed.join(", ")})`, "Invalid");
  }
  return options as Record<string, unknown>;
}

/** Defaults a concrete matcher passes to the base constructor. */
export interface MatcherDefaults {
  attributesToLoad: readonly string[];
  loadIfDefined?: readonly string[];
  requireUniqueMatch: boolean;
  prependCollectionName: boolean;
}

export const BASIC_KEYS = [
  "attributesToLoad",
  "loadIfDefined",
  "aliases",
  "requireUniqueMatch",
  "prependCollectionName",
] as const;

export abstract class BasicMatcher {
  readonly collection: string;
  readonly attributesToLoad: readonly string[];
  readonly loadIfDefined: readonly string[];
  readonly aliases: Readonly<Record<string, string>>;
  readonly requireUniqueMatch: boolean;
  readonly prependCollectionName: boolean;
  /** Constructor options as given (for the spec). */
  protected readonly given: Record<string, unknown>;

  protected constructor(
    collection: string,
    options: Record<string, unknown>,
    defaults: MatcherDefaults,
    fn: string,
  ) {
    if (typeof collection !== "string" || collection === "")
      throw new MsPASSError(`${fn}: collection must be a non-empty string`, "Invalid");
    this.collection = collection;
    this.given = { ...options };
    // Copies: MsPASS appends hang/vang to its shared default list (Pitfall 7); ours never alias.
    this.attributesToLoad = stringList(options.attributesToLoad, "attributesToLoad", fn) ?? [
      ...defaults.attributesToLoad,
    ];
    const optional = stringList(options.loadIfDefined, "loadIfDefined", fn) ?? [
      ...(defaults.loadIfDefined ?? []),
    ];
    this.loadIfDefined = optional.filter((k) => !this.attributesToLoad.includes(k));
    const aliases = options.aliases ?? {};
    if (
      typeof aliases !== "object" ||
      aliases === null ||
      Array.isArray(aliases) ||
      !Object.values(aliases).every((v) => typeof v === "string" && v !== "")
    ) {
      throw new MsPASSError(`${fn}: aliases must be an object {key: alias}`, "Invalid");
    }
    this.aliases = { ...(aliases as Record<string, string>) };
    for (const b of ["requireUniqueMatch", "prependCollectionName"] as const) {
      if (options[b] !== undefined && typeof options[b] !== "boolean")
        throw new MsPASSError(`${fn}: ${b} must be a boolean`, "Invalid");
    }
    this.requireUniqueMatch =
      (options.requireUniqueMatch as boolean | undefined) ?? defaults.requireUniqueMatch;
    this.prependCollectionName =
      (options.prependCollectionName as boolean | undefined) ?? defaults.prependCollectionName;
  }

  /** The class name workers rebuild from. */
  abstract get kind(): string;

  /** Every match for `target`, as Metadata holding the loaded keys. */
  abstract find(target: MatchTarget): Promise<FindResult>;

  /**
   * The one match (the first, or per the matcher's rule), or null with the
   * reason in the logger.
   */
  async findOne(target: MatchTarget): Promise<FindOneResult> {
    const [list, log] = await this.find(target);
    if (list === null || list.length === 0) return [null, log];
    return [list[0]!, log];
  }

  /**
   * bulkNormalize's look-up: the raw matching document for a wf document,
   * or null. Only the first match matters there.
   */
  abstract findDoc(doc: Document): Promise<Document | null>;

  /** The datum key a loaded key `k` is written under (alias, then `<coll>_` prefix). */
  outputKey(k: string): string {
    const key = this.aliases[k] ?? k;
    if (!this.prependCollectionName) return key;
    return key === "_id" ? `${this.collection}_id` : `${this.collection}_${key}`;
  }

  /**
   * The loaded keys of one matched document. A missing required key → throws
   * (Fatal), as MsPASS. The value is read under the document's own key, not
   * the alias (MsPASS reads it under the alias and raises KeyError: Pitfall 8).
   */
  extract(doc: Document, what: string): Metadata {
    const md = new Metadata();
    for (const k of this.attributesToLoad) {
      const v = doc[k];
      if (v === undefined || v === null) {
        throw new MsPASSError(
          `${what}: required attribute ${k} is missing in ${this.collection} document ${String(doc._id ?? "")}`,
          "Fatal",
        );
      }
      md.put(this.outputKey(k), v as MetadataValue);
    }
    for (const k of this.loadIfDefined) {
      const v = doc[k];
      if (v !== undefined && v !== null) md.put(this.outputKey(k), v as MetadataValue);
    }
    return md;
  }

  /** The raw-document variant for bulkNormalize: only the prefixed attributesToLoad, as MsPASS `$set`s. */
  setDocument(doc: Document): Document {
    const out: Document = {};
    for (const k of this.attributesToLoad) if (doc[k] !== undefined) out[this.outputKey(k)] = doc[k];
    return out;
  }

  /** The spec sent to workers. */
  abstract toSpec(): MatcherSpec;

  protected baseSpec(dbName: string | undefined, docs: readonly Document[] | undefined): MatcherSpec {
    const { query, ...rest } = this.given;
    const spec: MatcherSpec = {
      kind: this.kind,
      collection: this.collection,
      options: JSON.parse(JSON.stringify(rest)) as Record<string, unknown>,
    };
    if (dbName !== undefined) spec.dbName = dbName;
    if (docs !== undefined) spec.docs = docs.map((d) => BSON.serialize(d));
    if (query !== undefined && query !== null) spec.queryBson = BSON.serialize(query as Document);
    return spec;
  }
}

/** An ErrorLogger holding one entry (what a failed match returns). */
export function logOf(algorithm: string, message: string, badness: ErrorSeverity): ErrorLogger {
  const log = new ErrorLogger();
  log.log(algorithm, message, badness);
  return log;
}
