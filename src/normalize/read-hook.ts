/**
 * The `normalize` option of `Database.readData` (MsPASS `parse_normlist`
 * and the normalization step of `read_data`): matchers run in order after
 * each datum is built, stop at the first kill, and a datum killed by a
 * failed match is flagged `isAbortion` (as MsPASS: it is saved to
 * `abortions`). Ensembles are normalized member by member. readData reaches
 * these through the seam in db/read-normalizer.ts, installed below.
 */
import { MsPASSError } from "../errors.js";
import type { Database } from "../db/database.js";
import { installReadNormalizer } from "../db/read-normalizer.js";
import { BasicMatcher, isAtomic, isEnsembleLike, type MatcherSpec } from "./basic-matcher.js";
import { ObjectIdDBMatcher } from "./object-id.js";
import { matcherFromSpec } from "./spec.js";
import { normalize } from "./normalize.js";

/** A collection name, `{collection, attributesToLoad?, loadIfDefined?}`, a matcher, or a matcher's spec. */
export type NormalizeListItem =
  | string
  | { collection: string; attributesToLoad?: readonly string[]; loadIfDefined?: readonly string[] }
  | BasicMatcher
  | MatcherSpec;

/** MsPASS's attribute lists for a collection named by string. */
const STRING_DEFAULTS: Record<string, { attributesToLoad: string[]; loadIfDefined: string[] }> = {
  channel: {
    attributesToLoad: ["lat", "lon", "elev", "hang", "vang", "_id"],
    loadIfDefined: ["net", "sta", "chan", "loc", "starttime", "endtime"],
  },
  site: {
    attributesToLoad: ["lat", "lon", "elev", "_id"],
    loadIfDefined: ["net", "sta", "loc", "starttime", "endtime"],
  },
  source: {
    attributesToLoad: ["lat", "lon", "depth", "time", "_id"],
    loadIfDefined: ["magnitude", "mb", "ms", "mw"],
  },
};

function isSpec(x: unknown): x is MatcherSpec {
  return (
    typeof x === "object" &&
    x !== null &&
    typeof (x as MatcherSpec).kind === "string" &&
    typeof (x as MatcherSpec).options === "object"
  );
}

/** The matchers of a `normalize` list (resolved against `db`). */
export function parseNormalizeList(db: Database, list: unknown, fn = "Database.readData"): BasicMatcher[] {
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list))
    throw new MsPASSError(
      `${fn}: normalize must be an array of collection names, {collection, ...} objects or matchers`,
      "Invalid",
    );
  return list.map((item, i) => {
    if (item instanceof BasicMatcher) return item;
    if (isSpec(item)) return matcherFromSpec(item, db);
    if (typeof item === "string") {
      const d = STRING_DEFAULTS[item];
      if (d === undefined)
        throw new MsPASSError(
          `${fn}: normalize[${i}] ${JSON.stringify(item)}: a name must be channel, site or source (or pass a matcher)`,
          "Invalid",
        );
      return new ObjectIdDBMatcher(db, item, {
        attributesToLoad: d.attributesToLoad,
        loadIfDefined: d.loadIfDefined,
        prependCollectionName: true,
      });
    }
    if (
      typeof item === "object" &&
      item !== null &&
      typeof (item as { collection?: unknown }).collection === "string"
    ) {
      const o = item as { collection: string; attributesToLoad?: string[]; loadIfDefined?: string[] };
      const d = STRING_DEFAULTS[o.collection];
      return new ObjectIdDBMatcher(db, o.collection, {
        attributesToLoad: o.attributesToLoad ?? d?.attributesToLoad,
        loadIfDefined: o.loadIfDefined ?? d?.loadIfDefined,
        prependCollectionName: true,
      });
    }
    throw new MsPASSError(
      `${fn}: normalize[${i}] must be a collection name, {collection, ...} or a matcher`,
      "Invalid",
    );
  });
}

async function normalizeAtomic(
  d: { live: boolean; isAbortion: boolean },
  matchers: readonly BasicMatcher[],
): Promise<void> {
  for (const m of matchers) {
    if (!d.live) return;
    await normalize(d, m);
    if (!d.live) {
      d.isAbortion = true;
      return;
    }
  }
}

/** Apply the matchers to what readData built (a datum or an ensemble's members). */
export async function applyReadNormalize<R>(result: R, matchers: readonly BasicMatcher[]): Promise<R> {
  if (matchers.length === 0) return result;
  if (isAtomic(result)) await normalizeAtomic(result, matchers);
  else if (isEnsembleLike(result)) {
    for (const m of result.member) if (isAtomic(m)) await normalizeAtomic(m, matchers);
  }
  return result;
}

installReadNormalizer({
  parse: parseNormalizeList,
  apply: (result, matchers) => applyReadNormalize(result, matchers as readonly BasicMatcher[]),
});
