/**
 * BSON for the head of a data-codec frame, written and read without going
 * through js-bson for the value types Metadata holds almost always: double,
 * int32, int64 (bigint), string, boolean, null, ObjectId, Date, binary
 * (Uint8Array), and documents and arrays of them. The bytes are exactly
 * those js-bson writes for the same values (test/scheduler-codec.test.ts
 * compares them); any other value (a bson wrapper such as Long or
 * Decimal128, a RegExp, a user object, a function) is handed to js-bson,
 * so every type keeps its exact js-bson behaviour.
 *
 * Why: js-bson allocates a result per call and walks each value through a
 * generic frame machine; for a 20-key header that cost was most of a small
 * datum's trip across a thread. The writer appends into one reused buffer.
 */
import { BSON } from "mongodb";

const SERIALIZE: BSON.SerializeOptions = { ignoreUndefined: true };
const DESERIALIZE: BSON.DeserializeOptions = { useBigInt64: true, bsonRegExp: true };

const T_DOUBLE = 0x01;
const T_STRING = 0x02;
export const T_DOC = 0x03;
export const T_ARRAY = 0x04;
const T_BINARY = 0x05;
const T_OID = 0x07;
const T_BOOL = 0x08;
const T_DATE = 0x09;
const T_NULL = 0x0a;
const T_INT32 = 0x10;
const T_INT64 = 0x12;

/** Deeper than this is a cycle or a mistake (js-bson refuses cycles too). */
const MAX_DEPTH = 100;
/** A buffer grown past this by one large head is not kept for the next one. */
const KEEP_BYTES = 1 << 20;
/** Bytes of the largest fixed-size value (ObjectId), reserved with each key. */
const FIXED_VALUE = 12;

const encoder = new TextEncoder();

/** UTF-8 of `s` into `b` at `at` (room for 3 bytes per code unit assured); bytes written. Lone surrogates become U+FFFD, as in js-bson. */
function utf8Into(s: string, b: Uint8Array, at: number): number {
  return encoder.encodeInto(s, b.subarray(at)).written;
}

/** Array keys "0", "1", …: made once, not per element. */
const INDEX_KEYS: string[] = [];
export function indexKey(i: number): string {
  while (INDEX_KEYS.length <= i) INDEX_KEYS.push(String(INDEX_KEYS.length));
  return INDEX_KEYS[i];
}

function isPlain(v: object): boolean {
  const p = Object.getPrototypeOf(v);
  return p === Object.prototype || p === null;
}

/**
 * Appends BSON into a growing buffer that is reused from one head to the
 * next (encoding is synchronous, so one writer serves the thread).
 */
export class BsonWriter {
  buf = new Uint8Array(4096);
  dv = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  /** The buffer as float64s (its size is kept a multiple of 8): the codec appends samples through it. */
  f64 = new Float64Array(this.buf.buffer);
  pos = 0;
  /** Set when a value needed js-bson or is a byte array: the caller then records type hints. */
  special = false;

  /** Start over, leaving `at` bytes in front for the caller. */
  reset(at: number): void {
    this.pos = 0;
    if (this.buf.byteLength > KEEP_BYTES) this.#resize(4096);
    this.ensure(at);
    this.pos = at;
    this.special = false;
  }

  ensure(n: number): void {
    if (this.pos + n > this.buf.length) this.#grow(n);
  }

  #grow(n: number): void {
    this.#resize(Math.max(2 * this.buf.length, this.pos + n));
  }

  #resize(n: number): void {
    const b = new Uint8Array((n + 7) & ~7);
    b.set(this.buf.subarray(0, Math.min(this.pos, n)));
    this.buf = b;
    this.dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    this.f64 = new Float64Array(b.buffer);
  }

  /** Open a document (or array) body; returns where it starts, for `end`. */
  begin(): number {
    this.ensure(4);
    const at = this.pos;
    this.pos += 4;
    return at;
  }

  /** Open a sub-document (`array`: an array) under key `k`; close it with `end`. */
  open(k: string, array = false): number {
    this.key(array ? T_ARRAY : T_DOC, k);
    return this.begin();
  }

  end(at: number): void {
    this.ensure(1);
    this.buf[this.pos++] = 0;
    this.dv.setInt32(at, this.pos - at, true);
  }

  /** Element header: type byte and key as a C string, with room after it for a fixed-size value. */
  key(type: number, k: string): void {
    const n = k.length;
    this.ensure(n + 2 + FIXED_VALUE);
    const b = this.buf;
    let p = this.pos;
    b[p++] = type;
    for (let i = 0; i < n; i++) {
      const c = k.charCodeAt(i);
      if (c === 0) throw new Error(`key ${JSON.stringify(k)} must not contain null bytes`);
      if (c >= 0x80) {
        this.pos = p - i;
        this.#utf8Key(k);
        return;
      }
      b[p++] = c;
    }
    b[p++] = 0;
    this.pos = p;
  }

  #utf8Key(k: string): void {
    this.ensure(3 * k.length + 1 + FIXED_VALUE);
    this.pos += utf8Into(k, this.buf, this.pos);
    this.buf[this.pos++] = 0;
  }

  int32(k: string, v: number): void {
    this.key(T_INT32, k);
    this.dv.setInt32(this.pos, v, true);
    this.pos += 4;
  }

  string(k: string, s: string): void {
    this.key(T_STRING, k);
    const n = s.length;
    this.ensure(4 + 3 * n + 1);
    const b = this.buf;
    const lenAt = this.pos;
    let p = lenAt + 4;
    let i = 0;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) break;
      b[p++] = c;
    }
    if (i < n) p += utf8Into(s.slice(i), b, p);
    b[p++] = 0;
    this.dv.setInt32(lenAt, p - lenAt - 4, true);
    this.pos = p;
  }

  /** Any value under key `k`, as js-bson would write it (`inArray`: undefined becomes null there). */
  value(k: string, v: unknown, inArray = false, depth = 0): void {
    // typeof tests, not a switch on typeof: V8 compiles each to a type check without making the type's name.
    if (typeof v === "number") {
      // An int32 (not -0) is written as js-bson writes it: as an int32.
      if ((v | 0) === v && (v !== 0 || 1 / v > 0)) this.int32(k, v);
      else {
        this.key(T_DOUBLE, k);
        this.dv.setFloat64(this.pos, v, true);
        this.pos += 8;
      }
    } else if (typeof v === "string") this.string(k, v);
    else if (typeof v === "object") {
      if (v === null) this.key(T_NULL, k);
      else if (!this.#object(k, v, depth)) this.#jsBson(k, v);
    } else if (typeof v === "boolean") {
      this.key(T_BOOL, k);
      this.buf[this.pos++] = v ? 1 : 0;
    } else if (typeof v === "bigint") {
      this.key(T_INT64, k);
      this.dv.setBigInt64(this.pos, v, true);
      this.pos += 8;
    } else if (typeof v === "undefined") {
      if (inArray) this.key(T_NULL, k);
    } else this.#jsBson(k, v);
  }

  /** The object types written here; false for those left to js-bson. */
  #object(k: string, v: object, depth: number): boolean {
    if (depth >= MAX_DEPTH) throw new Error(`a value nests deeper than ${MAX_DEPTH} levels (or is circular)`);
    if (typeof (v as { toBSON?: unknown }).toBSON === "function") return false;
    const tag = (v as { _bsontype?: unknown })._bsontype;
    if (tag !== undefined && tag !== null) {
      if (tag !== "ObjectId") return false;
      const id = (v as BSON.ObjectId).id;
      if (!(id instanceof Uint8Array) || id.length !== 12) return false;
      this.key(T_OID, k);
      this.buf.set(id, this.pos);
      this.pos += 12;
      return true;
    }
    if (Array.isArray(v)) {
      this.key(T_ARRAY, k);
      const at = this.begin();
      for (let i = 0; i < v.length; i++) this.value(indexKey(i), v[i], true, depth + 1);
      this.end(at);
      return true;
    }
    if (v instanceof Uint8Array) {
      this.special = true;
      this.key(T_BINARY, k);
      this.ensure(5 + v.length);
      this.dv.setInt32(this.pos, v.length, true);
      this.buf[this.pos + 4] = 0;
      this.buf.set(v, this.pos + 5);
      this.pos += 5 + v.length;
      return true;
    }
    if (v instanceof Date) {
      const t = v.getTime();
      if (!Number.isSafeInteger(t)) return false;
      this.key(T_DATE, k);
      this.dv.setBigInt64(this.pos, BigInt(t), true);
      this.pos += 8;
      return true;
    }
    if (!isPlain(v)) return false;
    this.key(T_DOC, k);
    const at = this.begin();
    for (const key of Object.keys(v)) this.value(key, (v as Record<string, unknown>)[key], false, depth + 1);
    this.end(at);
    return true;
  }

  /** Whole elements already encoded: bytes [from, to) of `src`, copied as they are. */
  raw(src: Uint8Array, from: number, to: number): void {
    const n = to - from;
    this.ensure(n);
    this.buf.set(src.subarray(from, to), this.pos);
    this.pos += n;
  }

  /** One element through js-bson: its bytes inside a one-key document. */
  #jsBson(k: string, v: unknown): void {
    this.special = true;
    const doc = BSON.serialize({ [k]: v }, SERIALIZE);
    const n = doc.byteLength - 5;
    this.ensure(n);
    this.buf.set(doc.subarray(4, 4 + n), this.pos);
    this.pos += n;
  }
}

/** Thrown on malformed BSON; the codec turns it into its own error. */
export class BsonFormatError extends Error {}

const utf8 = new TextDecoder("utf-8", { fatal: true });
/** One float64 and its bytes, to read a double without a DataView. */
const F64 = new Float64Array(1);
const F64_BYTES = new Uint8Array(F64.buffer);
const KEY_CACHE = 1024;
const keyCache: (string | undefined)[] = new Array(KEY_CACHE);

/** What a container is read into. */
const AS_OBJECT = 0;
const AS_ARRAY = 1;
const AS_MAP = 2;

/**
 * Reads BSON into the JS values js-bson gives with `useBigInt64` and
 * `bsonRegExp`, every length checked against its container. A container
 * holding a type not read here is read by js-bson whole.
 *
 * Two ways in: `document`/`map` read a whole document; `open`/`next`/`value`
 * walk one element by element (the codec walks its head's fixed fields so).
 */
export class BsonReader {
  readonly b: Uint8Array;
  #dv: DataView | undefined;
  /** After `next`: the element's key and where its value starts. */
  key = "";
  at = 0;

  constructor(b: Uint8Array) {
    this.b = b;
  }

  /** A DataView of `b`, made on first use (only 64-bit integers need one: a DataView costs more than a small head's reading). */
  get dv(): DataView {
    return (this.#dv ??= new DataView(this.b.buffer, this.b.byteOffset, this.b.byteLength));
  }

  /** Little-endian int32 at `p` (in bounds: checked by the caller). */
  i32(p: number): number {
    const b = this.b;
    return b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24);
  }

  /** Little-endian float64 at `p` (in bounds: checked by the caller; the codec runs on little-endian hosts only). */
  f64(p: number): number {
    const b = this.b;
    for (let i = 0; i < 8; i++) F64_BYTES[i] = b[p + i];
    return F64[0];
  }

  /** Check the document at `at` (ending by `limit`); returns the offset of its last byte, for `next`. */
  open(at: number, limit: number): number {
    if (at + 5 > limit) throw new BsonFormatError(`a document at ${at} runs past its end`);
    const len = this.i32(at);
    const end = at + len;
    if (len < 5 || end > limit) throw new BsonFormatError(`a document at ${at} claims ${len} bytes`);
    if (this.b[end - 1] !== 0) throw new BsonFormatError(`the document at ${at} is not terminated`);
    this.at = at + 4;
    return end - 1;
  }

  /** Type of the next element of the document whose last byte is at `last` (0 past its end); sets `key` and `at`. */
  next(last: number, withKey = true): number {
    let p = this.at;
    if (p >= last) {
      if (p !== last) throw new BsonFormatError("an element runs past its document");
      return 0;
    }
    const b = this.b;
    const type = b[p++];
    const keyAt = p;
    let h = 0;
    while (p < last && b[p] !== 0) h = (h * 31 + b[p++]) | 0;
    if (p >= last) throw new BsonFormatError("a key runs past its document");
    this.key = withKey ? this.#key(keyAt, p, h) : "";
    this.at = p + 1;
    return type;
  }

  /** The value of the current element; `undefined` for a type not read here (the caller falls back). */
  value(type: number, last: number, depth = 0): unknown {
    const b = this.b;
    const p = this.at;
    let v: unknown;
    switch (type) {
      case T_DOUBLE:
        this.#need(p, 8, last);
        v = this.f64(p);
        this.at = p + 8;
        return v;
      case T_STRING: {
        this.#need(p, 4, last);
        const n = this.i32(p);
        if (n < 1 || p + 4 + n > last || b[p + 3 + n] !== 0)
          throw new BsonFormatError(`a string of ${n} bytes at ${p}`);
        this.at = p + 4 + n;
        return this.#text(p + 4, p + 3 + n);
      }
      case T_DOC:
      case T_ARRAY:
        v = this.#container(p, last, type === T_ARRAY ? AS_ARRAY : AS_OBJECT, depth + 1);
        this.at = p + this.i32(p);
        return v;
      case T_BINARY: {
        this.#need(p, 5, last);
        const n = this.i32(p);
        if (b[p + 4] !== 0) return undefined; // other subtypes keep js-bson's reading
        if (n < 0 || p + 5 + n > last) throw new BsonFormatError(`binary of ${n} bytes at ${p}`);
        this.at = p + 5 + n;
        return new BSON.Binary(b.slice(p + 5, p + 5 + n), 0);
      }
      case T_OID:
        this.#need(p, 12, last);
        this.at = p + 12;
        return new BSON.ObjectId(b.slice(p, p + 12));
      case T_BOOL:
        this.#need(p, 1, last);
        if (b[p] > 1) throw new BsonFormatError(`boolean byte ${b[p]}`);
        this.at = p + 1;
        return b[p] === 1;
      case T_DATE:
        this.#need(p, 8, last);
        this.at = p + 8;
        return new Date(Number(this.dv.getBigInt64(p, true)));
      case T_NULL:
        return null;
      case T_INT32:
        this.#need(p, 4, last);
        this.at = p + 4;
        return this.i32(p);
      case T_INT64:
        this.#need(p, 8, last);
        this.at = p + 8;
        return this.dv.getBigInt64(p, true);
    }
    return undefined;
  }

  /** The document at `at` (ending by `limit`) as a plain object. */
  document(at: number, limit: number): Record<string, unknown> {
    return this.#container(at, limit, AS_OBJECT, 0) as Record<string, unknown>;
  }

  /** The document at `at` (ending by `limit`) as a Map, in key order. */
  map(at: number, limit: number): Map<string, unknown> {
    return this.#container(at, limit, AS_MAP, 0) as Map<string, unknown>;
  }

  #container(at: number, limit: number, as: number, depth: number): unknown {
    if (depth >= MAX_DEPTH) throw new BsonFormatError("nesting too deep");
    const last = this.open(at, limit);
    const out: Record<string, unknown> | unknown[] | Map<string, unknown> =
      as === AS_ARRAY ? [] : as === AS_MAP ? new Map() : {};
    for (let type = this.next(last, as !== AS_ARRAY); type !== 0; type = this.next(last, as !== AS_ARRAY)) {
      const k = this.key;
      const v = this.value(type, last, depth);
      if (v === undefined) {
        const whole = this.#whole(at, last + 1, as === AS_ARRAY);
        return as === AS_MAP ? new Map(Object.entries(whole as Record<string, unknown>)) : whole;
      }
      if (as === AS_ARRAY) (out as unknown[]).push(v);
      else if (as === AS_MAP) (out as Map<string, unknown>).set(k, v);
      else if (k === "__proto__")
        Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
      else (out as Record<string, unknown>)[k] = v;
    }
    return out;
  }

  #need(p: number, n: number, last: number): void {
    if (p + n > last) throw new BsonFormatError(`a value at ${p} runs past its document`);
  }

  /**
   * A key, from the cache of recent keys when its bytes match one (keys
   * repeat from member to member; a cached key is already a flat string).
   */
  #key(from: number, to: number, h: number): string {
    const slot = h & (KEY_CACHE - 1);
    const cached = keyCache[slot];
    const n = to - from;
    if (cached !== undefined && cached.length === n) {
      let i = 0;
      while (i < n && cached.charCodeAt(i) === this.b[from + i]) i++;
      if (i === n) return cached;
    }
    const k = this.#text(from, to);
    if (k.length === n && n <= 64) keyCache[slot] = k; // ASCII only: a cached key matches its bytes one for one
    return k;
  }

  /** UTF-8 text of bytes [from, to): short ASCII is read in JS, the rest by a strict decoder. */
  #text(from: number, to: number): string {
    const b = this.b;
    if (to - from <= 24) {
      let s = "";
      for (let i = from; i < to; i++) {
        const c = b[i];
        if (c >= 0x80) return utf8.decode(b.subarray(from, to));
        s += String.fromCharCode(c);
      }
      return s;
    }
    return utf8.decode(b.subarray(from, to));
  }

  /** A container holding a type not read here: js-bson reads it whole (wrapped, so an array stays an array). */
  #whole(at: number, end: number, isArray: boolean): unknown {
    const body = this.b.subarray(at, end);
    const doc = new Uint8Array(body.byteLength + 8);
    new DataView(doc.buffer).setInt32(0, doc.byteLength, true);
    doc[4] = isArray ? T_ARRAY : T_DOC;
    doc[5] = 0x61; // key "a"
    doc.set(body, 7);
    try {
      return BSON.deserialize(doc, DESERIALIZE).a;
    } catch (err) {
      throw new BsonFormatError((err as Error).message);
    }
  }
}
