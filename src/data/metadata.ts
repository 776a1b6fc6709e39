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
/** Internal: `md[EACH](fn)` calls fn(value, key) for each key in order (the data codec's encoder: no entry arrays). */
export const EACH: unique symbol = Symbol("mspass.Metadata.each");
/** Internal: adopt a `DeferredMetadata` (the data codec's decoder), or read the one still held. */
export const DEFERRED: unique symbol = Symbol("mspass.Metadata.deferred");

/**
 * Internal: a Metadata still held in its encoded form (the data codec's
 * decoder), turned into values on first use. A few keys the owner needs at
 * once (a datum's `npts`, `delta`, `starttime`) are known without that.
 */
export interface DeferredMetadata {
  /** The value of `key` when known without loading; undefined when not known (present or not). */
  peek(key: string): MetadataValue | undefined;
  /** True/false when whether `key` is present is known without loading, else undefined. */
  knows(key: string): boolean | undefined;
  /** The values in key order and the modified keys (null: every key). Throws MsPASSError on bad bytes. */
  load(): { values: Map<string, MetadataValue>; modified: Set<string> | null };
}

/** Guarded-key sets, shared by every datum that binds the same key list (one Set, not one per datum). */
const NO_KEYS: ReadonlySet<string> = new Set();
const keySets = new WeakMap<readonly string[], ReadonlySet<string>>();

function isBsonObject(v: unknown): v is BsonObject {
  return typeof v === "object" && v !== null && typeof (v as { _bsontype?: unknown })._bsontype === "string";
}

/**
 * The values of every Metadata that has none yet, never written to (a put
 * makes the container its own Map first): a decoded datum's Metadata starts
 * so, and may never need one.
 */
const NO_VALUES: Map<string, MetadataValue> = new Map();

export class Metadata {
  #values = NO_VALUES;
  /**
   * Keys set since the last `clearModified()`; null while that is every key
   * (a datum built here, the common case: no Set kept beside the values).
   * Always a subset of the keys.
   */
  #modified: Set<string> | null = null;
  /** The encoded form not yet loaded (see `DeferredMetadata`); #values and #modified are empty until then. */
  #deferred: DeferredMetadata | undefined;
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
      this.#values = new Map(init.#map);
      this.#modified = init.#modified === null ? null : new Set(init.#modified);
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

  /** The values, loaded from the deferred encoded form first if there is one. */
  get #map(): Map<string, MetadataValue> {
    if (this.#deferred !== undefined) this.#load();
    return this.#values;
  }

  #load(): void {
    const { values, modified } = this.#deferred!.load();
    this.#deferred = undefined;
    this.#values = values;
    this.#modified = modified;
  }

  /** Number of keys. */
  get size(): number {
    return this.#map.size;
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
    if (this.#deferred !== undefined) this.#load();
    const stored = this.#guard !== undefined && this.#guardedKeys.has(key) ? this.#guard(key, value) : value;
    if (this.#values === NO_VALUES) this.#values = new Map();
    this.#values.set(key, stored);
    this.#modified?.add(key);
    return this;
  }

  /** Raw value or undefined. The generic is a caller assertion, not a check. */
  get<T extends MetadataValue = MetadataValue>(key: string): T | undefined {
    const d = this.#deferred;
    if (d !== undefined) {
      const v = d.peek(key);
      if (v !== undefined) return v as T;
      this.#load();
    }
    return this.#values.get(key) as T | undefined;
  }

  has(key: string): boolean {
    const d = this.#deferred;
    if (d !== undefined) {
      const known = d.knows(key);
      if (known !== undefined) return known;
      this.#load();
    }
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
    const values = this.#map;
    this.#modified?.delete(key);
    return values.delete(key);
  }

  keys(): string[] {
    return [...this.#map.keys()];
  }

  entries(): Array<[string, MetadataValue]> {
    return [...this.#map.entries()];
  }

  [Symbol.iterator](): IterableIterator<[string, MetadataValue]> {
    return this.#map.entries();
  }

  /** Internal: see `EACH`. */
  [EACH](fn: (value: MetadataValue, key: string) => void): void {
    this.#map.forEach(fn);
  }

  /** Shallow plain-object copy (values are shared, as in a document). */
  toObject(): MetadataRecord {
    const out: MetadataRecord = {};
    for (const [k, v] of this.#map) out[k] = v;
    return out;
  }

  /** Keys set since construction or the last `clearModified()`. A fresh Set each call. */
  modified(): Set<string> {
    const values = this.#map;
    return new Set(this.#modified ?? values.keys());
  }

  isModified(key: string): boolean {
    const values = this.#map;
    return this.#modified === null ? values.has(key) : this.#modified.has(key);
  }

  /** True when every key is modified (as for a datum built here, not read). */
  allModified(): boolean {
    const values = this.#map;
    return this.#modified === null || this.#modified.size === values.size;
  }

  clearModified(): void {
    if (this.#deferred !== undefined) this.#load();
    this.#modified = new Set();
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
   * Internal: take `values` and `modified` (a subset of its keys; null: all
   * of them) as this container's own, without copying them. The guarded keys
   * must be present; each goes through the guard, as a put would.
   */
  [ADOPT](values: Map<string, MetadataValue>, modified: Set<string> | null): void {
    for (const k of this.#guardedKeys) {
      const v = values.get(k);
      if (v === undefined) throw new MsPASSError(`Metadata: key "${k}" is missing`, "Invalid");
      values.set(k, this.#guard!(k, v));
    }
    if (modified !== null)
      for (const k of modified)
        if (!values.has(k)) throw new MsPASSError(`Metadata: modified key "${k}" is not defined`, "Invalid");
    this.#deferred = undefined;
    this.#values = values;
    this.#modified = modified;
  }

  /**
   * Internal: the encoded form this container still holds (undefined once
   * loaded), or, given one, hold it in place of the current content. The
   * owner has checked its guarded keys (`peek` gives them, valid).
   */
  get [DEFERRED](): DeferredMetadata | undefined {
    return this.#deferred;
  }
  set [DEFERRED](d: DeferredMetadata) {
    this.#deferred = d;
    this.#values = NO_VALUES;
    this.#modified = null;
  }

  #require(key: string): MetadataValue {
    const v = this.get(key);
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
