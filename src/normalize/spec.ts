/**
 * Matchers across threads: a matcher holds a Database handle, which cannot
 * be a task argument, so readDistributedData sends `matcher.toSpec()` and
 * each worker rebuilds it here. Rebuilt matchers are kept per thread, keyed
 * by the spec, so a cached matcher loads its collection ONCE PER WORKER,
 * not once per task.
 */
import { BSON, type Document } from "mongodb";
import { MsPASSError } from "../errors.js";
import type { Database } from "../db/database.js";
import type { BasicMatcher, MatcherSource, MatcherSpec } from "./basic-matcher.js";
import { ObjectIdDBMatcher, ObjectIdMatcher } from "./object-id.js";
import { MiniseedDBMatcher, MiniseedMatcher } from "./miniseed.js";
import { EqualityDBMatcher, EqualityMatcher } from "./equality.js";
import { OriginTimeDBMatcher, OriginTimeMatcher } from "./origin-time.js";
import { ArrivalDBMatcher, ArrivalMatcher } from "./arrival.js";

const rebuilt = new Map<string, BasicMatcher>();

function specKey(spec: MatcherSpec, db: Database): string {
  const docs = spec.docs?.map((d) => Buffer.from(d).toString("base64")).join(",") ?? "";
  const q = spec.queryBson === undefined ? "" : Buffer.from(spec.queryBson).toString("base64");
  return JSON.stringify([spec.kind, spec.collection, spec.dbName ?? db.name, spec.options, q, docs]);
}

/** The matcher of `spec`, against `db`'s server (the worker's client), built once per thread. */
export function matcherFromSpec(spec: MatcherSpec, db: Database): BasicMatcher {
  const key = specKey(spec, db);
  let m = rebuilt.get(key);
  if (m === undefined) {
    m = build(spec, db);
    rebuilt.set(key, m);
  }
  return m;
}

function build(spec: MatcherSpec, db: Database): BasicMatcher {
  const target =
    spec.dbName === undefined || spec.dbName === db.name
      ? db
      : db.client.getDatabase(spec.dbName, { schema: db.schema });
  const source: MatcherSource =
    spec.docs !== undefined ? spec.docs.map((b) => BSON.deserialize(b) as Document) : target;
  const o: Record<string, unknown> = { ...spec.options };
  if (spec.queryBson !== undefined) o.query = BSON.deserialize(spec.queryBson);
  const { matchKeys, attributesToLoad, ...rest } = o as {
    matchKeys?: Record<string, string>;
    attributesToLoad?: string[];
  } & Record<string, unknown>;
  const coll = spec.collection;
  const withAttrs = attributesToLoad === undefined ? rest : { ...rest, attributesToLoad };
  switch (spec.kind) {
    case "ObjectIdDBMatcher":
      return new ObjectIdDBMatcher(target, coll, withAttrs);
    case "ObjectIdMatcher":
      return new ObjectIdMatcher(source, coll, withAttrs);
    case "MiniseedDBMatcher":
      return new MiniseedDBMatcher(target, coll, withAttrs);
    case "MiniseedMatcher":
      return new MiniseedMatcher(source, coll, withAttrs);
    case "EqualityDBMatcher":
      return new EqualityDBMatcher(target, coll, matchKeys!, attributesToLoad!, rest);
    case "EqualityMatcher":
      return new EqualityMatcher(source, coll, matchKeys!, attributesToLoad!, rest);
    case "OriginTimeDBMatcher":
      return new OriginTimeDBMatcher(target, coll, withAttrs);
    case "OriginTimeMatcher":
      return new OriginTimeMatcher(source, coll, withAttrs);
    case "ArrivalDBMatcher":
      return new ArrivalDBMatcher(target, coll, withAttrs);
    case "ArrivalMatcher":
      return new ArrivalMatcher(source, coll, withAttrs);
    default:
      throw new MsPASSError(`matcherFromSpec: unknown matcher kind ${JSON.stringify(spec.kind)}`, "Invalid");
  }
}
