/**
 * ObjectIdDBMatcher / ObjectIdMatcher: the datum's `<collection>_id` (e.g.
 * `channel_id`) names the document. Defaults as MsPASS.
 */
import { ObjectId, type Document } from "mongodb";
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

export const OBJECT_ID_DEFAULT_ATTRIBUTES = ["_id", "lat", "lon", "elev", "hang", "vang"] as const;

export interface ObjectIdMatcherOptions extends BasicMatcherOptions {
  /** Cached variant: the subset loaded (default all). */
  query?: Document;
}

function idOf(v: unknown): ObjectId | null {
  if (v instanceof ObjectId) return v;
  if (typeof v === "object" && v !== null && (v as { _bsontype?: unknown })._bsontype === "ObjectId")
    return new ObjectId((v as ObjectId).toHexString());
  if (typeof v === "string" && ObjectId.isValid(v) && v.length === 24) return new ObjectId(v);
  return null;
}

const defaults = {
  attributesToLoad: OBJECT_ID_DEFAULT_ATTRIBUTES,
  requireUniqueMatch: true,
  prependCollectionName: true,
};

export class ObjectIdDBMatcher extends DatabaseMatcher {
  constructor(db: Database, collection = "channel", options?: BasicMatcherOptions) {
    super(
      db,
      collection,
      checkOptions(options, BASIC_KEYS, "ObjectIdDBMatcher"),
      defaults,
      "ObjectIdDBMatcher",
    );
  }
  get kind(): string {
    return "ObjectIdDBMatcher";
  }
  queryGenerator(target: MatchTarget): Document | null {
    const id = idOf(getKey(target, `${this.collection}_id`));
    return id === null ? null : { _id: id };
  }
  protected override noQueryReason(): string {
    return `the datum has no valid ${this.collection}_id`;
  }
}

export class ObjectIdMatcher extends CacheMatcher {
  constructor(source: MatcherSource, collection = "channel", options?: ObjectIdMatcherOptions) {
    super(
      source,
      collection,
      checkOptions(options, [...BASIC_KEYS, "query"], "ObjectIdMatcher"),
      defaults,
      "ObjectIdMatcher",
    );
  }
  get kind(): string {
    return "ObjectIdMatcher";
  }
  protected cacheId(doc: Document): string | null {
    return idOf(doc._id)?.toHexString() ?? null;
  }
  protected override targetCacheId(target: MatchTarget): string | null {
    return idOf(getKey(target, `${this.collection}_id`))?.toHexString() ?? null;
  }
}
