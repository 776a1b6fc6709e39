/**
 * Data objects across scheduler boundaries. Structured clone (threads) and
 * v8.serialize (Redis) turn a TimeSeries into a plain Object; here every
 * data object found in a value (at the top, or inside arrays, plain objects,
 * Maps and Sets) is swapped for a tagged frame of the data codec before the
 * value is sent, and rebuilt after it arrives. Everything else is left to
 * structured clone exactly as before, user classes included.
 *
 * How the samples travel depends on who keeps them (see `PackMode`).
 */
import {
  decodeFrame,
  encodeDetached,
  encodeFrame,
  isDataObject,
  sampleArrays,
  type DataObject,
} from "../data/codec.js";

/** Key of a packed data object (a string key: symbols do not survive structured clone). */
const TAG = "__mspassFrame";

interface Packed {
  [TAG]: Uint8Array;
  /** Detached samples (moved with the message). */
  s?: Float64Array[];
}

/**
 * - "copy": the sender keeps its data (task arguments, scattered data):
 *   each sample array is copied once, alone, and the copy moved (arrays the
 *   caller gave up with `transfer(x, list)` are moved as they are).
 * - "move": the sender gives its data up (a worker's results, arguments
 *   wrapped in `transfer`): the sample buffers themselves are moved, with
 *   no copy, unless they are pinned or shared with data not being sent.
 * - "bytes": a self-contained frame for a byte stream (Redis), nothing moved.
 *
 * Between threads the frame is always detached (head only, a few hundred
 * bytes per datum) and the samples travel beside it.
 */
export type PackMode = "copy" | "move" | "bytes";

export interface PackContext {
  mode: PackMode;
  /** Buffers to move with the message (filled by pack). */
  transfer: Set<ArrayBuffer>;
  /** Buffers the caller gives up (`transfer(x, list)`): samples among them are moved, not copied. */
  givenUp?: ReadonlySet<ArrayBuffer>;
  /** Data objects packed so far. */
  count: number;
}

/** A context whose moved buffers go into `transfer` (one set may serve a whole message). */
export function packContext(
  mode: PackMode,
  transfer: Set<ArrayBuffer> = new Set(),
  givenUp?: readonly ArrayBuffer[] | null,
): PackContext {
  return { mode, transfer, givenUp: givenUp ? new Set(givenUp) : undefined, count: 0 };
}

/**
 * Buffers that must never be moved out of this thread: the samples of
 * scattered data held in a worker's store (a task returning them would
 * otherwise take them away from every later task).
 */
const pinned = new WeakSet<ArrayBuffer>();

/** Whole frames decoded here: their buffers belong to this thread alone, so data viewing them may be moved as they are. */
const ownFrames = new WeakSet<ArrayBuffer>();

function isPlainObject(v: object): boolean {
  const p = Object.getPrototypeOf(v);
  return p === Object.prototype || p === null;
}

function isPacked(v: unknown): v is Packed {
  return typeof v === "object" && v !== null && (v as Packed)[TAG] instanceof Uint8Array;
}

/**
 * Walk `value` replacing what `swap` returns a replacement for. Containers
 * are copied only where something inside them changed; the original value
 * is never modified. Cycles are not followed twice.
 */
function walk(value: unknown, swap: (v: object) => unknown, seen: WeakSet<object>): unknown {
  if (typeof value !== "object" || value === null) return value;
  const r = swap(value);
  if (r !== undefined) return r;
  if (ArrayBuffer.isView(value) || seen.has(value)) return value;
  if (Array.isArray(value)) {
    seen.add(value);
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const x = value[i];
      if (typeof x !== "object" || x === null) continue;
      const y = walk(x, swap, seen);
      if (y !== x) (out ??= value.slice())[i] = y;
    }
    return out ?? value;
  }
  if (value instanceof Map) {
    seen.add(value);
    let changed = false;
    const pairs: [unknown, unknown][] = [];
    for (const [k, v] of value) {
      const k2 = walk(k, swap, seen);
      const v2 = walk(v, swap, seen);
      if (k2 !== k || v2 !== v) changed = true;
      pairs.push([k2, v2]);
    }
    return changed ? new Map(pairs) : value;
  }
  if (value instanceof Set) {
    seen.add(value);
    let changed = false;
    const items: unknown[] = [];
    for (const v of value) {
      const v2 = walk(v, swap, seen);
      if (v2 !== v) changed = true;
      items.push(v2);
    }
    return changed ? new Set(items) : value;
  }
  if (!isPlainObject(value)) return value;
  seen.add(value);
  let out: Record<string, unknown> | undefined;
  for (const k of Object.keys(value)) {
    const x = (value as Record<string, unknown>)[k];
    if (typeof x !== "object" || x === null) continue;
    const y = walk(x, swap, seen);
    if (y !== x) (out ??= { ...(value as Record<string, unknown>) })[k] = y;
  }
  return out ?? value;
}

/** `value` with its data objects packed for `ctx.mode`; the same reference when it holds none. */
export function pack(value: unknown, ctx: PackContext): unknown {
  return walk(value, (v) => (isDataObject(v) ? packOne(v, ctx) : undefined), new WeakSet());
}

/** Pack each element of `values` (task arguments, results). True when any data object was packed. */
export function packAll(values: unknown[], ctx: PackContext): boolean {
  const before = ctx.count;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v === "object" && v !== null) values[i] = pack(v, ctx);
  }
  return ctx.count > before;
}

function packOne(d: DataObject, ctx: PackContext): Packed {
  ctx.count++;
  if (ctx.mode === "bytes") return { [TAG]: encodeFrame(d) };
  // Between threads the samples never go into the frame: each array travels
  // as its own buffer, moved when the sender gives it up, else copied alone
  // (no second, frame-sized copy of everything beside the sender's own data).
  const { frame, samples } = encodeDetached(d);
  ctx.transfer.add(frame.buffer as ArrayBuffer);
  const givenUp = ctx.givenUp;
  const s = samples.map((a) => {
    const b = a.buffer;
    const movable =
      b instanceof ArrayBuffer &&
      !pinned.has(b) &&
      (givenUp?.has(b) === true ||
        (ctx.mode === "move" && ((a.byteOffset === 0 && a.byteLength === b.byteLength) || ownFrames.has(b))));
    if (movable) {
      ctx.transfer.add(b);
      return a;
    }
    // Structured clone would copy the WHOLE underlying buffer of a view; copy just these samples.
    const c = a.slice();
    ctx.transfer.add(c.buffer);
    return c;
  });
  return { [TAG]: frame, s };
}

/** `value` with its packed data objects rebuilt (same reference when there are none). */
export function unpack(value: unknown): unknown {
  return walk(value, (v) => (isPacked(v) ? unpackOne(v) : undefined), new WeakSet());
}

/** Unpack in place the elements of `values` at `indices` (all when null). */
export function unpackAll(values: unknown[], indices: readonly number[] | null = null): void {
  if (indices === null) for (let i = 0; i < values.length; i++) values[i] = unpack(values[i]);
  else for (const i of indices) values[i] = unpack(values[i]);
}

function unpackOne(p: Packed): DataObject {
  const frame = p[TAG];
  const b = frame.buffer;
  if (
    p.s === undefined &&
    b instanceof ArrayBuffer &&
    frame.byteOffset === 0 &&
    frame.byteLength === b.byteLength
  )
    ownFrames.add(b);
  return decodeFrame(frame, p.s);
}

/** Pin the sample buffers of the data objects in `value` to this thread (see `pinned`). */
export function pinSamples(value: unknown): void {
  walk(
    value,
    (v) => {
      if (!isDataObject(v)) return undefined;
      for (const a of sampleArrays(v)) if (a.buffer instanceof ArrayBuffer) pinned.add(a.buffer);
      return v;
    },
    new WeakSet(),
  );
}

/**
 * The sample buffers a data object owns whole (what `transfer(datum)` moves).
 * A view into a buffer shared with other data (the members of one read) is
 * left out: it is copied alone when sent, and the others keep their samples.
 */
export function dataBuffers(value: unknown): ArrayBuffer[] | undefined {
  if (!isDataObject(value)) return undefined;
  const out = new Set<ArrayBuffer>();
  for (const a of sampleArrays(value))
    if (a.buffer instanceof ArrayBuffer && a.byteOffset === 0 && a.byteLength === a.buffer.byteLength)
      out.add(a.buffer);
  return [...out];
}
