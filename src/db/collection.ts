/**
 * `Collection<T>`: driver-like access to one collection, executed by the Rust
 * core over the process-wide pool (one `mongodb::Client` per URI per process,
 * shared by every worker thread). Method names and result shapes follow the
 * official Node driver so code written against `mongodb` reads the same.
 */
import { ObjectId, type Document } from "mongodb";
import { MsPASSError } from "../errors.js";
import { native, toMsPASSError } from "../native.js";
import { decodeDocument, encodeDocument, encodeDocuments, isDocument } from "./bson.js";
import {
  Cursor,
  countOption,
  nativeFindOptions,
  normalizeFindOptions,
  normalizeSort,
  type FindOptions,
  type SortSpec,
} from "./cursor.js";
import type { Database } from "./database.js";
import { describe } from "../option-checks.js";

export interface FindOneOptions {
  sort?: SortSpec;
  projection?: Document;
  skip?: number;
}

export interface InsertOneResult {
  acknowledged: true;
  insertedId: unknown;
}

export interface InsertManyResult {
  acknowledged: true;
  insertedCount: number;
  /** Keyed by input position, as in the Node driver. */
  insertedIds: Record<number, unknown>;
}

export interface UpdateResult {
  acknowledged: true;
  matchedCount: number;
  modifiedCount: number;
  upsertedCount: number;
  upsertedId: unknown;
}

/** One statement of `bulkUpdate`. */
export interface UpdateStatement {
  filter: Document;
  /** Update operators ($set, $unset, ...). */
  update: Document;
  /** Update every match (default false: the first). */
  multi?: boolean;
}

export interface BulkUpdateResult {
  acknowledged: true;
  matchedCount: number;
  modifiedCount: number;
  /** Failed statements by position (ordered: the first failure stops the rest). */
  writeErrors: Array<{ index: number; errmsg: string }>;
}

/** Statements per `update` command: FerretDB v1.24 stalls on 100 (see crates/mspass-core/src/bulk.rs). */
export const BULK_UPDATE_STATEMENTS = 50;

export interface DeleteResult {
  acknowledged: true;
  deletedCount: number;
}

export interface UpdateOptions {
  upsert?: boolean;
}

export interface InsertManyOptions {
  /** Stop at the first failed insert (default true). */
  ordered?: boolean;
}

export interface CountDocumentsOptions {
  skip?: number;
  limit?: number;
}

export interface CreateIndexOptions {
  unique?: boolean;
  name?: string;
}

export interface AggregateOptions {
  batchSize?: number;
}

export type IndexDirection = 1 | -1;
/** `"field"`, `{a: 1, b: -1}` or `[["a", 1], ["b", -1]]`. */
export type IndexSpec =
  | string
  | Readonly<Record<string, IndexDirection>>
  | readonly (readonly [string, IndexDirection])[];

/**
 * Check a collection name as the Node driver does: a non-empty string, no
 * `$`, no NUL, not starting or ending with `.`.
 */
export function checkCollectionName(name: unknown, what: string): string {
  if (
    typeof name !== "string" ||
    name === "" ||
    name.includes("$") ||
    name.includes("\0") ||
    name.startsWith(".") ||
    name.endsWith(".")
  ) {
    throw new MsPASSError(
      `${what}: collection name must be a non-empty string without '$' or NUL, not starting or ending with '.', got ${
        typeof name === "string" ? JSON.stringify(name) : describe(name)
      }`,
      "Invalid",
    );
  }
  return name;
}

function filterOrEmpty(filter: unknown, what: string): Document {
  if (filter === undefined) return {};
  if (!isDocument(filter)) {
    throw new MsPASSError(
      `${what}: filter must be a document (a plain object), got ${describe(filter)}`,
      "Invalid",
    );
  }
  return filter;
}

function boolOption(value: unknown, what: string): boolean | undefined {
  if (value === undefined || typeof value === "boolean") return value;
  throw new MsPASSError(`${what} must be a boolean, got ${describe(value)}`, "Invalid");
}

function updateResult(bytes: Buffer): UpdateResult {
  const r = decodeDocument<{ matchedCount: number; modifiedCount: number; upsertedId: unknown }>(bytes);
  const upserted = r.upsertedId !== null && r.upsertedId !== undefined;
  return {
    acknowledged: true,
    matchedCount: Number(r.matchedCount),
    modifiedCount: Number(r.modifiedCount),
    upsertedCount: upserted ? 1 : 0,
    upsertedId: upserted ? r.upsertedId : null,
  };
}

export class Collection<T extends Document = Document> {
  /** The database this collection belongs to. */
  readonly database: Database;
  readonly collectionName: string;

  /** @internal use `db.collection(name)` */
  constructor(database: Database, name: string) {
    this.database = database;
    this.collectionName = checkCollectionName(name, "Database.collection(name)");
  }

  get dbName(): string {
    return this.database.name;
  }

  /** `"<db>.<collection>"` */
  get namespace(): string {
    return `${this.database.name}.${this.collectionName}`;
  }

  /**
   * Where the core sends this collection's operations: the pool's real URI
   * (with credentials) and the names. Internal: never log it.
   * @internal
   */
  target(): { uri: string; db: string; coll: string } {
    return { uri: this.database.client.connectionString, db: this.database.name, coll: this.collectionName };
  }

  private what(method: string, arg?: string): string {
    return `Collection.${method}(${this.namespace})${arg ? `: ${arg}` : ""}`;
  }

  /** Run `op` on the core, turning its errors into `MsPASSError`s. */
  private async call<R>(
    method: string,
    op: (t: { uri: string; db: string; coll: string }) => Promise<R>,
  ): Promise<R> {
    const what = this.what(method);
    this.database.client.assertOpen(what);
    try {
      return await op(this.target());
    } catch (err) {
      throw toMsPASSError(err, what);
    }
  }

  /** A lazy cursor over the documents matching `filter`. Nothing is sent until the first fetch. */
  find(filter: Document = {}, options?: FindOptions): Cursor<T> {
    const f = filterOrEmpty(filter, this.what("find"));
    const o = normalizeFindOptions(options, this.what("find"));
    return new Cursor<T>(this as unknown as Collection<Document>, f, o);
  }

  /** Run an aggregation pipeline; returns a lazy cursor. */
  aggregate<R extends Document = Document>(
    pipeline: readonly Document[],
    options?: AggregateOptions,
  ): Cursor<R> {
    if (!Array.isArray(pipeline) || !pipeline.every(isDocument)) {
      throw new MsPASSError(
        `${this.what("aggregate")}: pipeline must be an array of stage documents`,
        "Invalid",
      );
    }
    const batchSize = countOption(options?.batchSize, this.what("aggregate", "options.batchSize"));
    return new Cursor<R>(
      this as unknown as Collection<Document>,
      {},
      batchSize === undefined ? {} : { batchSize },
      [...pipeline],
    );
  }

  async findOne(filter: Document = {}, options?: FindOneOptions): Promise<T | null> {
    const f = encodeDocument(filterOrEmpty(filter, this.what("findOne")), this.what("findOne", "filter"));
    const o = normalizeFindOptions(
      options === undefined
        ? undefined
        : { sort: options.sort, projection: options.projection, skip: options.skip },
      this.what("findOne"),
    );
    const bytes = await this.call("findOne", (t) =>
      native.findOne(t.uri, t.db, t.coll, f, nativeFindOptions(o, this.what("findOne"))),
    );
    return bytes === null ? null : decodeDocument<T>(bytes);
  }

  /**
   * Insert one document. As with the Node driver, a document without `_id`
   * gets a new `ObjectId` assigned *on the object you passed*.
   */
  async insertOne(doc: T): Promise<InsertOneResult> {
    if (!isDocument(doc)) {
      throw new MsPASSError(
        `${this.what("insertOne")}: document must be a plain object, got ${describe(doc)}`,
        "Invalid",
      );
    }
    if ((doc as Document)._id === undefined) (doc as Document)._id = new ObjectId();
    const bytes = encodeDocument(doc, this.what("insertOne", "document"));
    const r = await this.call("insertOne", (t) => native.insertOne(t.uri, t.db, t.coll, bytes));
    return { acknowledged: true, insertedId: decodeDocument<{ insertedId: unknown }>(r).insertedId };
  }

  /** Insert documents in one batch; `_id`s are assigned to those without one. */
  async insertMany(docs: readonly T[], options?: InsertManyOptions): Promise<InsertManyResult> {
    if (!Array.isArray(docs) || docs.length === 0) {
      throw new MsPASSError(
        `${this.what("insertMany")}: docs must be a non-empty array of documents`,
        "Invalid",
      );
    }
    const ordered = boolOption(options?.ordered, this.what("insertMany", "options.ordered"));
    for (const [i, doc] of docs.entries()) {
      if (!isDocument(doc)) {
        throw new MsPASSError(
          `${this.what("insertMany")}: docs[${i}] must be a plain object, got ${describe(doc)}`,
          "Invalid",
        );
      }
      if ((doc as Document)._id === undefined) (doc as Document)._id = new ObjectId();
    }
    const bytes = encodeDocuments(docs, this.what("insertMany", "docs"));
    const r = await this.call("insertMany", (t) => native.insertMany(t.uri, t.db, t.coll, bytes, ordered));
    const ids = decodeDocument<{ insertedIds: unknown[] }>(r).insertedIds;
    const insertedIds: Record<number, unknown> = {};
    ids.forEach((id, i) => (insertedIds[i] = id));
    return { acknowledged: true, insertedCount: ids.length, insertedIds };
  }

  private checkUpdate(update: unknown, method: string): Buffer {
    const what = this.what(method, "update");
    if (
      !isDocument(update) ||
      Object.keys(update).length === 0 ||
      !Object.keys(update).every((k) => k.startsWith("$"))
    ) {
      throw new MsPASSError(
        `${what} must be a non-empty document of update operators ($set, $unset, $inc, ...); use replaceOne to replace a document`,
        "Invalid",
      );
    }
    return encodeDocument(update, what);
  }

  async updateOne(filter: Document, update: Document, options?: UpdateOptions): Promise<UpdateResult> {
    return this.update("updateOne", filter, update, options);
  }

  async updateMany(filter: Document, update: Document, options?: UpdateOptions): Promise<UpdateResult> {
    return this.update("updateMany", filter, update, options);
  }

  private async update(
    method: "updateOne" | "updateMany",
    filter: Document,
    update: Document,
    options: UpdateOptions | undefined,
  ): Promise<UpdateResult> {
    const f = encodeDocument(filter, this.what(method, "filter"));
    const u = this.checkUpdate(update, method);
    const upsert = boolOption(options?.upsert, this.what(method, "options.upsert"));
    const fn = method === "updateOne" ? native.updateOne : native.updateMany;
    return updateResult(await this.call(method, (t) => fn(t.uri, t.db, t.coll, f, u, upsert)));
  }

  /**
   * Many updates in one round trip per 50 statements (FerretDB v1 stalls on
   * an `update` command of 100; see crates/mspass-core/src/bulk.rs) — the `update`
   * command with an `updates` array, which FerretDB v1 and every mongod
   * implement; what drivers' collection.bulkWrite sends for updates).
   */
  async bulkUpdate(
    statements: readonly UpdateStatement[],
    options?: { ordered?: boolean },
  ): Promise<BulkUpdateResult> {
    const what = this.what("bulkUpdate");
    if (!Array.isArray(statements)) throw new MsPASSError(`${what}: statements must be an array`, "Invalid");
    const ordered = boolOption(options?.ordered, this.what("bulkUpdate", "options.ordered"));
    if (statements.length === 0)
      return { acknowledged: true, matchedCount: 0, modifiedCount: 0, writeErrors: [] };
    const parts: Buffer[] = statements.map((s, i) => {
      if (!isDocument(s) || !isDocument(s.filter))
        throw new MsPASSError(`${what}: statements[${i}] must be {filter, update, multi?}`, "Invalid");
      this.checkUpdate(s.update, "bulkUpdate");
      if (s.multi !== undefined && typeof s.multi !== "boolean")
        throw new MsPASSError(`${what}: statements[${i}].multi must be a boolean`, "Invalid");
      return encodeDocument(
        { q: s.filter, u: s.update, multi: s.multi === true },
        `${what}: statements[${i}]`,
      );
    });
    const out: BulkUpdateResult = { acknowledged: true, matchedCount: 0, modifiedCount: 0, writeErrors: [] };
    // One native call per BULK_UPDATE_STATEMENTS (the core sends the same per command).
    for (let at = 0; at < parts.length; at += BULK_UPDATE_STATEMENTS) {
      const bytes = Buffer.concat(parts.slice(at, at + BULK_UPDATE_STATEMENTS));
      const r = decodeDocument<{
        matchedCount: number;
        modifiedCount: number;
        writeErrors: Array<{ index: number; errmsg: string }>;
      }>(await this.call("bulkUpdate", (t) => native.bulkUpdate(t.uri, t.db, t.coll, bytes, ordered)));
      out.matchedCount += Number(r.matchedCount);
      out.modifiedCount += Number(r.modifiedCount);
      out.writeErrors.push(
        ...r.writeErrors.map((e) => ({ index: at + Number(e.index), errmsg: String(e.errmsg) })),
      );
      if (ordered !== false && r.writeErrors.length > 0) break;
    }
    return out;
  }

  async replaceOne(filter: Document, replacement: T, options?: UpdateOptions): Promise<UpdateResult> {
    const f = encodeDocument(filter, this.what("replaceOne", "filter"));
    if (isDocument(replacement) && Object.keys(replacement).some((k) => k.startsWith("$"))) {
      throw new MsPASSError(
        `${this.what("replaceOne", "replacement")} must not contain update operators ($...); use updateOne`,
        "Invalid",
      );
    }
    const r = encodeDocument(replacement, this.what("replaceOne", "replacement"));
    const upsert = boolOption(options?.upsert, this.what("replaceOne", "options.upsert"));
    return updateResult(
      await this.call("replaceOne", (t) => native.replaceOne(t.uri, t.db, t.coll, f, r, upsert)),
    );
  }

  async deleteOne(filter: Document = {}): Promise<DeleteResult> {
    const f = encodeDocument(filterOrEmpty(filter, this.what("deleteOne")), this.what("deleteOne", "filter"));
    const n = await this.call("deleteOne", (t) => native.deleteOne(t.uri, t.db, t.coll, f));
    return { acknowledged: true, deletedCount: n };
  }

  async deleteMany(filter: Document = {}): Promise<DeleteResult> {
    const f = encodeDocument(
      filterOrEmpty(filter, this.what("deleteMany")),
      this.what("deleteMany", "filter"),
    );
    const n = await this.call("deleteMany", (t) => native.deleteMany(t.uri, t.db, t.coll, f));
    return { acknowledged: true, deletedCount: n };
  }

  async countDocuments(filter: Document = {}, options?: CountDocumentsOptions): Promise<number> {
    const f = encodeDocument(
      filterOrEmpty(filter, this.what("countDocuments")),
      this.what("countDocuments", "filter"),
    );
    const skip = countOption(options?.skip, this.what("countDocuments", "options.skip"));
    const limit = countOption(options?.limit, this.what("countDocuments", "options.limit"));
    return this.call("countDocuments", (t) => native.countDocuments(t.uri, t.db, t.coll, f, { skip, limit }));
  }

  /** The distinct values of `key` (dotted paths allowed) among documents matching `filter`. */
  async distinct(key: string, filter: Document = {}): Promise<unknown[]> {
    if (typeof key !== "string" || key === "") {
      throw new MsPASSError(`${this.what("distinct")}: key must be a non-empty field name`, "Invalid");
    }
    const f = encodeDocument(filterOrEmpty(filter, this.what("distinct")), this.what("distinct", "filter"));
    const r = await this.call("distinct", (t) => native.distinct(t.uri, t.db, t.coll, key, f));
    return decodeDocument<{ values: unknown[] }>(r).values;
  }

  /** Create an index; resolves to its name (e.g. "sta_1_time_-1"). */
  async createIndex(spec: IndexSpec, options?: CreateIndexOptions): Promise<string> {
    const what = this.what("createIndex", "spec");
    const keys = normalizeSort(spec as SortSpec, what);
    if (Object.keys(keys).length === 0)
      throw new MsPASSError(`${what} must name at least one field`, "Invalid");
    const unique = boolOption(options?.unique, this.what("createIndex", "options.unique"));
    const name = options?.name;
    if (name !== undefined && (typeof name !== "string" || name === "")) {
      throw new MsPASSError(
        `${this.what("createIndex", "options.name")} must be a non-empty string`,
        "Invalid",
      );
    }
    const k = encodeDocument(keys, what);
    return this.call("createIndex", (t) => native.createIndex(t.uri, t.db, t.coll, k, { unique, name }));
  }

  /** Drop the collection (and its indexes). Dropping a missing collection is not an error. */
  async drop(): Promise<boolean> {
    await this.call("drop", (t) => native.dropCollection(t.uri, t.db, t.coll));
    return true;
  }
}
