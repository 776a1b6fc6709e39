/**
 * DB-query matchers (MsPASS DatabaseMatcher): one query per datum. Simple
 * and always current, but one round trip per datum; for many data use the
 * cached variants.
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
  type MatcherSpec,
} from "./basic-matcher.js";

export abstract class DatabaseMatcher extends BasicMatcher {
  readonly db: Database;

  protected constructor(
    db: Database,
    collection: string,
    options: Record<string, unknown>,
    defaults: MatcherDefaults,
    fn: string,
  ) {
    super(collection, options, defaults, fn);
    if (
      db === null ||
      typeof db !== "object" ||
      typeof (db as { collection?: unknown }).collection !== "function"
    ) {
      throw new MsPASSError(`${fn}: db must be a Database`, "Invalid");
    }
    this.db = db;
  }

  /** The query for `target`, or null when the target lacks what it needs. */
  abstract queryGenerator(target: MatchTarget): Document | null;

  /** Why queryGenerator returned null (for the elog). */
  protected noQueryReason(): string {
    return "the datum lacks the keys the query needs";
  }

  async find(target: MatchTarget): Promise<FindResult> {
    const alg = this.kind;
    let q: Document | null;
    try {
      q = this.queryGenerator(target);
    } catch (err) {
      if (err instanceof MsPASSError && err.severity !== "Fatal")
        return [null, logOf(alg, err.message, err.severity)];
      throw err;
    }
    if (q === null)
      return [
        null,
        logOf(alg, `cannot build a ${this.collection} query: ${this.noQueryReason()}`, "Invalid"),
      ];
    const docs = await this.db
      .collection(this.collection)
      .find(q, this.requireUniqueMatch ? { limit: 2 } : {})
      .toArray();
    if (docs.length === 0)
      return [null, logOf(alg, `no ${this.collection} document matches ${describeQuery(q)}`, "Complaint")];
    if (docs.length > 1 && this.requireUniqueMatch) {
      // MsPASS raises (Fatal); a datum is killed instead, so one bad datum does not end a job.
      return [
        null,
        logOf(
          alg,
          `several ${this.collection} documents match ${describeQuery(q)} and a unique match is required`,
          "Invalid",
        ),
      ];
    }
    const out: Metadata[] = [];
    try {
      for (const d of docs) out.push(this.extract(d, alg));
    } catch (err) {
      return [null, logOf(alg, (err as Error).message, "Invalid")];
    }
    const log =
      docs.length > 1
        ? logOf(
            alg,
            `${docs.length} ${this.collection} documents match ${describeQuery(q)}; using the first`,
            "Complaint",
          )
        : null;
    return [out, log];
  }

  async findDoc(doc: Document): Promise<Document | null> {
    let q: Document | null;
    try {
      q = this.queryGenerator(doc);
    } catch {
      return null;
    }
    return q === null ? null : this.db.collection(this.collection).findOne(q);
  }

  toSpec(): MatcherSpec {
    return this.baseSpec(this.db.name, undefined);
  }
}

export function describeQuery(q: Document): string {
  try {
    return JSON.stringify(q);
  } catch {
    return String(q);
  }
}
