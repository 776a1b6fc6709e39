/**
 * Metadata: MsPASS's string-keyed header container.
 *
 * Every seismic datum carries one. Like MsPASS's C++ `Metadata`, it records
 * which keys were set since the last `clearModified()`: the schema's readonly
 * enforcement on save relies on that set (a readonly key that was *changed*
 * is saved as `READONLYERROR_<key>`, an unchanged one is simply dropped).
 */
import { MsPASSError } from "../errors.js";
import { INSPECT, describeMetadata } from "./inspect.js";
import type { InspectOptions } from "node:util";
import { typeName } from "../option-checks.js";

/** A BSON-compatible scalar stored in Metadata. ObjectId/Binary etc. are bson objects. */
export type MetadataScalar = string | number | boolean | bigint | null | Date | Uint8Array | BsonObject;
/** Any value Metadata can hold: scalars, arrays and plain sub-documents of them. */
export type MetadataValue =
  | MetadataScalar
  | readonly MetadataValue[]
  | { readonly [key: string]: MetadataValue };
/** Plain-object form of a Metadata container (a MongoDB document). */
export type MetadataRecord = Record<string, MetadataValue>;

/** Structural type of a bson class instance (ObjectId, Binary, Long, ...), matched by `_bsontype`. */
export interface BsonObject {
  readonly _bsontype: string;
}

/**
 * Hook a data object installs on its own Metadata so that `md.put("npts", n)`
 * and `ts.npts = n` are the same operation. It validates and normalises the
 * value (throwing MsPASSError on a bad one) and applies any side effect, such
 * as resizing the sample buffer. Internal: not part of the public API.
 */
export type MetadataGuard = (key: string, value: unknown) => MetadataValue;

/** Symbol-keyed internals so the hook cannot be reached by accident from user code. */
export const BIND_GUARD: unique symbol = Symbol("mspass.Metadata.bindGuard");
/** Internal: adopt a decoded key/value map and modified set whole (the data codec's decoder). */
export const ADOPT: unique symbol = Symbol("mspass.Metadata.adopt");

/** Guarded-key sets, shared by every datum that binds the same key list (one Set, not one per datum). */
const NO_KEYS: ReadonlySet<string> = new Set();
const keySets = new WeakMap<readonly string[], ReadonlySet<string>>();

function isBsonObject(v: unknown): v is BsonObject {
  return typeof v === "object" && v !== null && typeof (v as { _bsontype?: unknown })._bsontype === "string";
}

export class Metadata {
  #values = new Map<string, MetadataValue>();
  #modified = new Set<string>();
  #guard: MetadataGuard | undefined;
  #guardedKeys: ReadonlySet<string> = NO_KEYS;

  /**
   * Build from nothing, a plain object (a document) or another Metadata.
   * As in MsPASS every key put counts as modified, including the initial ones;
   * a copy of a Metadata also copies its modified set. Readers call
   * `clearModified()` once a datum is loaded.
   */
  constructor(init?: Metadata | Readonly<Record<string, unknown>> | null) {
    if (init === undefined || init === null) return;
    if (init instanceof Metadata) {
      for (const [k, v] of init.#values) this.#values.set(k, v);
      for (const k of init.#modified) this.#modified.add(k);
      return;
    }
    if (typeof init !== "object" || Array.isArray(init)) {
      throw new MsPASSError(
        `Metadata: init must be a Metadata or a plain object, got ${typeName(init)}`,
        "Invalid",
      );
    }
    for (const [k, v] of Object.entries(init)) {
      if (v === undefined) continue; // a document never stores undefined; skip it like the driver does
      this.put(k, v as MetadataValue);
    }
  }

  /** Number of keys. */
  get size(): number {
    return this.#values.size;
  }

  /** `Metadata(n) { key: value, … }` */
  toString(): string {
    return describeMetadata(this);
  }
  [INSPECT](_depth: number, opts: InspectOptions): string {
    return describeMetadata(this, opts);
  }

  /** Store `value` under `key` and mark the key modified. */
  put(key: string, value: MetadataValue): this {
    if (typeof key !== "string" || key.length === 0) {
      throw new MsPASSError(`Metadata.put: key must be a non-empty string, got ${typeName(key)}`, "Invalid");
    }
    if (value === undefined) {
      throw new MsPASSError(
        `Metadata.put: value for key "${key}" is undefined (use erase to remove a key)`,
        "Invalid",
      );
    }
    const stored = this.#guard !== undefined && this.#guardedKeys.has(key) ? this.#guard(key, value) : value;
    this.#values.set(key, stored);
    this.#modified.add(key);
    return this;
  }

  /** Raw value or undefined. The generic is a caller assertion, not a check. */
  get<T extends MetadataValue = MetadataValue>(key: string): T | undefined {
    return this.#values.get(key) as T | undefined;
  }

  has(key: string): boolean {
    return this.#values.has(key);
  }

  /**
   * Remove a key (and its modified mark). Keys a data object keeps in step with
   * its samples (`npts`, `delta`, `starttime`) cannot be erased from that
   * object's own Metadata.
   */
  erase(key: string): boolean {
    if (this.#guardedKeys.has(key)) {
      throw new MsPASSError(
        `Metadata.erase: "${key}" is kept in step with the datum's samples and cannot be erased`,
        "Invalid",
      );
    }
    this.#modified.delete(key);
    return this.#values.delete(key);
  }

  keys(): string[] {
    return [...this.#values.keys()];
  }

  entries(): Array<[string, MetadataValue]> {
    return [...this.#values.entries()];
  }

  [Symbol.iterator](): IterableIterator<[string, MetadataValue]> {
    return this.#values.entries();
  }

  /** Shallow plain-object copy (values are shared, as in a document). */
  toObject(): MetadataRecord {
    const out: MetadataRecord = {};
    for (const [k, v] of this.#values) out[k] = v;
    return out;
  }

  /** Keys set since construction or the last `clearModified()`. A fresh Set each call. */
  modified(): Set<string> {
    return new Set(this.#modified);
  }

  isModified(key: string): boolean {
    return this.#modified.has(key);
  }

  clearModified(): void {
    this.#modified.clear();
  }

  /** Independent copy, including the modified set but not any data-object binding. */
  clone(): Metadata {
    return new Metadata(this);
  }

  /** Typed getter: a finite or infinite number (int64 bson `Long`/`Double` accepted). */
  getDouble(key: string): number {
    const v = this.#require(key);
    if (typeof v === "number") return v;
    if (typeof v === "bigint") return Number(v);
    if (isBsonObject(v) && ["Double", "Int32", "Long"].includes(v._bsontype)) return Number(String(v));
    throw this.#typeError(key, "number", v);
  }

  /** Typed getter: an integer (a number with no fraction, a safe bigint or a bson Int32/Long). */
  getInt(key: string): number {
    const v = this.#require(key);
    let n: number | undefined;
    if (typeof v === "number") n = v;
    else if (typeof v === "bigint") n = Number(v);
    else if (isBsonObject(v) && ["Int32", "Long"].includes(v._bsontype)) n = Number(String(v));
    if (n === undefined || !Number.isSafeInteger(n)) throw this.#typeError(key, "integer", v);
    return n;
  }

  getString(key: string): string {
    const v = this.#require(key);
    if (typeof v !== "string") throw this.#typeError(key, "string", v);
    return v;
  }

  getBool(key: string): boolean {
    const v = this.#require(key);
    if (typeof v !== "boolean") throw this.#typeError(key, "boolean", v);
    return v;
  }

  /**
   * Internal: install the data object's guard for `keys`. Values already present
   * must be stored by the owner through `put` afterwards.
   */
  [BIND_GUARD](keys: readonly string[], guard: MetadataGuard): void {
    this.#guard = guard;
    let set = keySets.get(keys);
    if (set === undefined) keySets.set(keys, (set = new Set(keys)));
    this.#guardedKeys = set;
  }

  /**
   * Internal: take `values` and `modified` (a subset of its keys) as this
   * container's own, without copying them. The guarded keys must be present;
   * each goes through the guard, as a put would.
   */
  [ADOPT](values: Map<string, MetadataValue>, modified: Set<string>): void {
    for (const k of this.#guardedKeys) {
      const v = values.get(k);
      if (v === undefined) throw new MsPASSError(`Metadata: key "${k}" is missing`, "Invalid");
      values.set(k, this.#guard!(k, v));
    }
    for (const k of modified)
      if (!values.has(k)) throw new MsPASSError(`Metadata: modified key "${k}" is not defined`, "Invalid");
    this.#values = values;
    this.#modified = modified;
  }

  #require(key: string): MetadataValue {
    const v = this.#values.get(key);
    if (v === undefined) throw new MsPASSError(`Metadata: key "${key}" is not defined`, "Invalid");
    return v;
  }

  #typeError(key: string, want: string, got: unknown): MsPASSError {
    return new MsPASSError(`Metadata: key "${key}" holds a ${typeName(got)}, not a ${want}`, "Invalid");
  }
}

export { isBsonObject };
// The data classes have their own `typeName` (a class name): they import the helper under this name.
export { typeName as describeValue } from "../option-checks.js";
