export {
  BasicMatcher,
  type MatchTarget,
  type FindOneResult,
  type FindResult,
  type MatcherSource,
  type MatcherSpec,
  type BasicMatcherOptions,
} from "./basic-matcher.js";
export { DatabaseMatcher } from "./database-matcher.js";
export { CacheMatcher, matcherCacheLoads } from "./cache-matcher.js";
export { ObjectIdDBMatcher, ObjectIdMatcher, type ObjectIdMatcherOptions } from "./object-id.js";
export { MiniseedDBMatcher, MiniseedMatcher, type MiniseedMatcherOptions } from "./miniseed.js";
export { EqualityDBMatcher, EqualityMatcher, type EqualityMatcherOptions } from "./equality.js";
export { OriginTimeDBMatcher, OriginTimeMatcher, type OriginTimeMatcherOptions } from "./origin-time.js";
export { ArrivalDBMatcher, ArrivalMatcher, type ArrivalMatcherOptions } from "./arrival.js";
export { normalize, type NormalizeOptions } from "./normalize.js";
export {
  bulkNormalize,
  normalizeMseed,
  type BulkNormalizeOptions,
  type NormalizeMseedOptions,
} from "./bulk.js";
export { matcherFromSpec } from "./spec.js";
export { parseNormalizeList, type NormalizeListItem } from "./read-hook.js";
