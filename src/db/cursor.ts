/**
 * `Cursor<T>`: the result of `Collection.find()` / `aggregate()`, with the Node
 * driver's shape (async iterable, `next`, `toArray`, chainable modifiers).
 *
 * Nothing is sent to the server until the first fetch. The driver cursor then
 * lives in the Rust core, owned by a native cursor object (a `#[napi]` class
 * instance) that this object holds, with one server batch at a time as a
 * single buffer of concatenated BSON, decoding documents as they are
 * consumed. A cursor dropped without being exhausted or closed is released
 * when the native object is garbage collected (the server cursor is killed).
 *
 * The whole query stays readable (`collection`, `filter`, `options`,
 * `pipeline`) so later layers (e.g. `Database.readData(cursor)`) can hand the
 * query itself to Rust instead of pulling documents through JavaScript.
 */
import type { Document } from "mongodb";
import { MsPASSError } from "../errors.js";
import { native, toMsPASSError, type Binding } from "../native.js";
import { BSON } from "mongodb";
import { asBuffer, decodeDocument, documentOffsets, encodeDocument, isDocument } from "./bson.js";
import type { Collection } from "./collection.js";

export type SortDirection = 1 | -1 | "asc" | "desc" | "ascending" | "descending";
/**
 * A sort in any of the driver's common spellings: `"field"`, `{a: 1, b: -1}`,
 * `[["a", 1], ["b", "desc"]]` or a single pair `["a", -1]`.
 */
export type SortSpec =
  | string
  | Readonly<Record<string, SortDirection>>
  | readonly (readonly [string, SortDirection])[]
  | readonly [string, SortDirection];

/** Options accepted by `Collection.find()`. */
export interface FindOptions {
  sort?: SortSpec;
  projection?: Document;
  /** Documents to skip (>= 0). */
  skip?: number;
  /** At most this many documents; 0 = no limit. */
  limit?: number;
  /** Documents per server round trip; 0 = server default. */
  batchSize?: number;
}

/** The normalized query options a cursor carries (sort as `{field: 1 | -1}`). */
export interface CursorOptions {
  readonly sort?: Readonly<Record<string, 1 | -1>>;
  readonly projection?: Readonly<Document>;
  readonly skip?: number;
  readonly limit?: number;
  readonly batchSize?: number;
}

function direction(value: unknown, what: string): 1 | -1 {
  switch (value) {
    case 1:
    case "asc":
    case "ascending":
      return 1;
    case -1:
    case "desc":
    case "descending":
      return -1;
    default:
      throw new MsPASSError(
        `${what}: sort direction must be 1, -1, "asc" or "desc", got ${JSON.stringify(value)}`,
        "Invalid",
      );
  }
}

/** Normalize any `SortSpec` to `{field: 1 | -1}` (key order is the sort order). */
export function normalizeSort(spec: SortSpec, what: string): Record<string, 1 | -1> {
  const out: Record<string, 1 | -1> = {};
  if (typeof spec === "string") {
    if (spec === "") throw new MsPASSError(`${what}: sort field must be a non-empty string`, "Invalid");
    out[spec] = 1;
  } else if (Array.isArray(spec)) {
    const pairs = (spec.length === 2 && typeof spec[0] === "string" ? [spec] : spec) as unknown[];
    for (const pair of pairs) {
      if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== "string") {
        throw new MsPASSError(
          `${what}: sort must be [field, direction] pairs, got ${JSON.stringify(pair)}`,
          "Invalid",
        );
      }
      out[pair[0]] = direction(pair[1], what);
    }
  } else if (isDocument(spec)) {
    for (const [k, v] of Object.entries(spec)) out[k] = direction(v, what);
  } else {
    throw new MsPASSError(
      `${what}: sort must be a field name, an object or [field, direction] pairs`,
      "Invalid",
    );
  }
  return out;
}

/** A non-negative integer option, or undefined. */
export function countOption(value: unknown, what: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw new MsPASSError(`${what} must be a non-negative integer, got ${JSON.stringify(value)}`, "Invalid");
  }
  return value;
}

/** Validate and normalize `find` options. */
export function normalizeFindOptions(options: FindOptions | undefined, what: string): CursorOptions {
  if (options === undefined) return {};
  if (!isDocument(options)) throw new MsPASSError(`${what}: options must be an object`, "Invalid");
  const out: {
    sort?: Record<string, 1 | -1>;
    projection?: Document;
    skip?: number;
    limit?: number;
    batchSize?: number;
  } = {};
  if (options.sort !== undefined) out.sort = normalizeSort(options.sort, `${what}(options.sort)`);
  if (options.projection !== undefined) {
    if (!isDocument(options.projection)) {
      throw new MsPASSError(`${what}: options.projection must be a document`, "Invalid");
    }
    out.projection = options.projection;
  }
  const skip = countOption(options.skip, `${what}: options.skip`);
  const limit = countOption(options.limit, `${what}: options.limit`);
  const batchSize = countOption(options.batchSize, `${what}: options.batchSize`);
  if (skip !== undefined) out.skip = skip;
  if (limit !== undefined) out.limit = limit;
  if (batchSize !== undefined) out.batchSize = batchSize;
  return out;
}

/** The binding's find options: sort and projection as BSON. */
export function nativeFindOptions(o: CursorOptions, what: string) {
  return {
    sort: o.sort === undefined ? undefined : encodeDocument(o.sort, `${what}(sort)`),
    projection: o.projection === undefined ? undefined : encodeDocument(o.projection, `${what}(projection)`),
    skip: o.skip,
    limit: o.limit,
    batchSize: o.batchSize,
  };
}

/** The binding's cursor: owns the server cursor (`next()` pulls one batch, `close()` releases it). */
export type NativeCursor = Binding.NativeCursor;

type State = "new" | "open" | "exhausted" | "closed";

export class Cursor<T = Document> implements AsyncIterable<T> {
  /** The collection queried. */
  readonly collection: Collection<Document>;
  /** The query filter (for `find`; `{}` for an aggregation). */
  readonly filter: Readonly<Document>;
  /** The aggregation pipeline, for cursors made by `Collection.aggregate()`. */
  readonly pipeline: readonly Document[] | undefined;
  private opts: CursorOptions;
  private state: State = "new";
  private handle: NativeCursor | undefined;
  private batch: Uint8Array | undefined;
  private offsets: number[] = [];
  private index = 0;
  /** The fetch in flight: concurrent `next()` calls wait on it instead of racing. */
  private fetching: Promise<void> | undefined;

  /** @internal made by `Collection.find()` / `aggregate()` */
  constructor(
    collection: Collection<Document>,
    filter: Document,
    options: CursorOptions,
    pipeline?: readonly Document[],
  ) {
    this.collection = collection;
    this.filter = filter;
    this.opts = Object.freeze({ ...options });
    this.pipeline = pipeline;
  }

  /**
   * @internal A cursor over documents already fetched (concatenated raw
   * BSON), with nothing left on the server: a distributed read's partition
   * carries its documents to the worker in this form, and
   * `readData(cursor)` reads their samples without querying the collection
   * again.
   */
  static ofDocuments(collection: Collection<Document>, docs: Uint8Array): Cursor<Document> {
    const c = new Cursor<Document>(collection, {}, {});
    c.state = "exhausted";
    c.batch = docs;
    c.offsets = documentOffsets(docs);
    return c;
  }

  /** The query options (normalized; read-only: use the chainable methods). */
  get options(): CursorOptions {
    return this.opts;
  }

  /** Whether the query has been sent. */
  get started(): boolean {
    return this.state !== "new";
  }

  /** Whether the cursor is exhausted or closed (no more documents). */
  get closed(): boolean {
    return this.state === "exhausted" || this.state === "closed";
  }

  private what(method: string): string {
    return `Cursor.${method}(${this.collection.dbName}.${this.collection.collectionName})`;
  }

  private modify(method: string, patch: CursorOptions, findOnly = true): this {
    if (this.state !== "new") {
      throw new MsPASSError(
        `${this.what(method)}: the cursor has already started; set options before the first fetch`,
        "Invalid",
      );
    }
    if (findOnly && this.pipeline !== undefined) {
      throw new MsPASSError(
        `${this.what(method)}: not available on an aggregation cursor; add a pipeline stage instead`,
        "Invalid",
      );
    }
    this.opts = Object.freeze({ ...this.opts, ...patch });
    return this;
  }

  sort(spec: SortSpec): this {
    return this.modify("sort", { sort: normalizeSort(spec, this.what("sort")) });
  }

  limit(n: number): this {
    return this.modify("limit", { limit: countOption(n, `${this.what("limit")}: limit`) });
  }

  skip(n: number): this {
    return this.modify("skip", { skip: countOption(n, `${this.what("skip")}: skip`) });
  }

  project(projection: Document): this {
    if (!isDocument(projection)) {
      throw new MsPASSError(`${this.what("project")}: projection must be a document`, "Invalid");
    }
    return this.modify("project", { projection });
  }

  batchSize(n: number): this {
    return this.modify(
      "batchSize",
      { batchSize: countOption(n, `${this.what("batchSize")}: batchSize`) },
      false,
    );
  }

  /** The next document, or `null` when there are no more. */
  async next(): Promise<T | null> {
    for (;;) {
      if (this.batch !== undefined && this.index + 1 < this.offsets.length) {
        const doc = decodeDocument<T>(
          this.batch.subarray(this.offsets[this.index], this.offsets[this.index + 1]),
        );
        this.index += 1;
        return doc;
      }
      if (this.closed) return null;
      await this.fetch();
    }
  }

  /** Whether another document is available (may fetch a batch). */
  async hasNext(): Promise<boolean> {
    for (;;) {
      if (this.batch !== undefined && this.index + 1 < this.offsets.length) return true;
      if (this.closed) return false;
      await this.fetch();
    }
  }

  /** All remaining documents. */
  async toArray(): Promise<T[]> {
    const out: T[] = [];
    for (let doc = await this.next(); doc !== null; doc = await this.next()) out.push(doc);
    return out;
  }

  /**
   * @internal `Database.readData(cursor)`: start the query if it has not
   * been sent, then give up the rest of this cursor — the current batch's
   * unread documents as raw BSON bytes, and the open native cursor
   * (undefined when the server has nothing more) for the core to drain. The
   * cursor is exhausted afterwards. No document is decoded or re-encoded.
   */
  async handOff(): Promise<{ buffered: Uint8Array; handle: NativeCursor | undefined }> {
    if (this.fetching !== undefined) await this.fetching;
    if (this.state === "new") await this.fetch();
    const last = this.offsets.length - 1;
    const buffered =
      this.batch !== undefined && this.index < last
        ? this.batch.subarray(this.offsets[this.index], this.offsets[last])
        : new Uint8Array(0);
    const handle = this.state === "open" ? this.handle : undefined;
    this.state = "exhausted";
    this.handle = undefined;
    this.batch = undefined;
    this.offsets = [];
    return { buffered, handle };
  }

  /** Release the server cursor. Idempotent; further `next()` calls return null. */
  async close(): Promise<void> {
    if (this.handle !== undefined && this.state === "open") this.handle.close();
    this.handle = undefined;
    if (this.state !== "exhausted") this.state = "closed";
    this.batch = undefined;
    this.offsets = [];
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    try {
      for (let doc = await this.next(); doc !== null; doc = await this.next()) yield doc;
    } finally {
      // A `break` out of `for await` closes the server cursor at once.
      await this.close();
    }
  }

  private fetch(): Promise<void> {
    this.fetching ??= this.fetchBatch().finally(() => {
      this.fetching = undefined;
    });
    return this.fetching;
  }

  private async fetchBatch(): Promise<void> {
    // A cursor of a closed client handle stops, as with the Node driver.
    const client = this.collection.database.client;
    if (client.closed) {
      await this.close();
      client.assertOpen(this.what("next"));
    }
    if (this.state === "new") {
      const what = this.what(this.pipeline ? "aggregate" : "find");
      const { uri, db, coll } = this.collection.target();
      let handle: NativeCursor;
      try {
        if (this.pipeline !== undefined) {
          const pipeline = asBuffer(BSON.serialize({ pipeline: this.pipeline }, { ignoreUndefined: true }));
          handle = await native.aggregate(uri, db, coll, pipeline, this.opts.batchSize);
        } else {
          const filter = encodeDocument(this.filter, `${what}: filter`);
          handle = await native.find(uri, db, coll, filter, nativeFindOptions(this.opts, what));
        }
      } catch (err) {
        this.state = "closed";
        throw toMsPASSError(err, what);
      }
      if (this.state !== "new") {
        // close() ran while the query was in flight.
        handle.close();
        return;
      }
      this.handle = handle;
      this.state = "open";
    }
    if (this.state !== "open" || this.handle === undefined) return;
    let bytes: Buffer | null;
    try {
      bytes = await this.handle.next();
    } catch (err) {
      // The core released the server cursor on error.
      this.handle = undefined;
      this.state = "closed";
      throw toMsPASSError(err, this.what("next"));
    }
    if (this.state !== "open") return; // closed meanwhile
    if (bytes === null) {
      this.handle = undefined;
      this.state = "exhausted";
      this.batch = undefined;
      this.offsets = [];
      return;
    }
    this.batch = bytes;
    this.offsets = documentOffsets(bytes);
    this.index = 0;
  }
}
