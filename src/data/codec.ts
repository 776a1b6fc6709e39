/**
 * The binary codec of the data objects: how a TimeSeries, Seismogram or
 * ensemble crosses a thread, a process or Redis with every bit of its state.
 *
 * A frame is
 *
 *     0  "MSPC"            magic
 *     4  u8  version (2)
 *     5  u8  kind          1 TimeSeries, 2 Seismogram, 3 TimeSeriesEnsemble, 4 SeismogramEnsemble
 *     6  u16 flags         bit 0: samples detached (they travel beside the frame)
 *     8  u32 head length   bytes of the BSON head
 *    12  u32 nbuf          number of sample arrays (one per atomic datum)
 *    16  32 bytes × nbuf   one row per atomic datum:
 *                            u64 samples (npts for a TimeSeries, 3·npts for a Seismogram)
 *                            f64 delta, f64 starttime
 *                            u32 state bits (live, abortion, UTC, valid t0shift, `tmatrix` in its Metadata), u32 0
 *     …  BSON head         per datum its Metadata (all BSON types) and, when not every key,
 *                          its modified keys; elog, history, t0shift, tmatrix when not empty
 *     …  zero padding to a multiple of 8
 *     …  f64 little-endian samples, array after array (absent when detached)
 *
 * One head for the whole object (an ensemble's members are entries of one
 * BSON array, never frames inside a frame). What every datum has is in its
 * row, read without parsing BSON; npts, delta and starttime are in its
 * Metadata too (key order is part of a Metadata), and the row's copy lets
 * a decoded datum leave its Metadata unread until first used. Samples are
 * copied as bytes (one memcpy per array), never converted element by
 * element, and a decoded datum's samples are VIEWS into the frame, so
 * decoding copies nothing.
 *
 * The same frame serves two transports: whole (Redis, any byte stream) or
 * with its samples detached (between threads: the arrays travel beside the
 * frame as their own buffers, moved or copied one by one).
 *
 * The head is BSON written and read by ./codec-bson.ts (js-bson for the
 * rare value types it does not handle itself). See docs/architecture.md
 * for why all of this is TypeScript.
 */
import { BSON } from "mongodb";
import { endianness } from "node:os";
import { MsPASSError } from "../errors.js";
import { BasicTimeSeries, BLANK, RESTORE, syncedProblem } from "./basic-time-series.js";
import { ENSEMBLE_KILLED, SeismogramEnsemble, TimeSeriesEnsemble } from "./ensemble.js";
import type { LogEntry } from "./error-logger.js";
import type { HistoryDocument } from "./history.js";
import { BsonFormatError, BsonReader, BsonWriter, indexKey, T_ARRAY, T_DOC } from "./codec-bson.js";
import {
  ADOPT,
  DEFERRED,
  EACH,
  type DeferredMetadata,
  type Metadata,
  type MetadataValue,
} from "./metadata.js";
import { RESTORE_TMATRIX, Seismogram } from "./seismogram.js";
import { TimeSeries } from "./time-series.js";

/** Everything the codec encodes. */
export type DataObject = TimeSeries | Seismogram | TimeSeriesEnsemble | SeismogramEnsemble;

const MAGIC = 0x4350534d; // "MSPC" read as a little-endian u32
const VERSION = 2;
const FIXED = 16;
/** Bytes of a datum's row. */
const ROW = 32;
/** Frames up to this size are put together in the writer's buffer (see `build`). */
const SMALL_FRAME = 64 * 1024;
const FLAG_DETACHED = 1;
const KIND_TS = 1;
const KIND_SEIS = 2;
const KIND_TSE = 3;
const KIND_SEISE = 4;
/** Largest head accepted when decoding (a guard against garbage lengths, not a format limit on samples). */
const MAX_HEAD = 0x7fffffff;

const LITTLE_ENDIAN = endianness() === "LE";

/** Datum state bits in its row. */
const F_LIVE = 1;
const F_ABORTION = 2;
const F_UTC = 4;
const F_SHIFT_VALID = 8;
/** The Metadata holds `tmatrix` (known without reading it). */
const F_TMATRIX_KEY = 16;

/**
 * How a Metadata value that BSON would hand back as another JS type is
 * restored: bson wrappers (Int32, Double, Long) and byte arrays. Paths are
 * key/index lists from the top of the Metadata.
 */
type Hint = [path: (string | number)[], code: "i" | "d" | "l" | "u" | "b"];

/**
 * One section of a head: an atomic datum's, or the ensemble's own (which
 * uses md, mod, el, ej, x and k). The Metadata is not read here: a section
 * keeps where it is (a datum's Metadata is read from there on first use, see
 * `HeadMetadata`).
 */
interface Section {
  /** Offset of the Metadata document. */
  md: number;
  /** Offset of the modified-key list; -1 when there is none: every key is modified. */
  mod: number;
  /** Offset of the type hints of Metadata values, or -1. */
  x: number;
  /** Bytes [rawFrom, rawTo) hold the md, mod and x elements in that order, as the encoder writes them (rawFrom -1 when not). */
  rawFrom: number;
  rawTo: number;
  /** Offset of the section's last byte (what the Metadata must end by). */
  last: number;
  /** t0shift, when not 0. */
  s?: number;
  /** elog entries as [algorithm, message, badness, jobId, processId]. */
  el?: [string, string, string, number | null, number | null][];
  /** elog jobId, when not 0. */
  ej?: number;
  h?: HistoryDocument;
  /** history's opaque MsPASS parent. */
  hp?: BSON.Binary;
  /** Seismogram transformation matrix, flat row-major, when not the identity. */
  tm?: number[];
  /** Ensemble killed. */
  k?: boolean;
}

interface Head {
  e?: Section;
  m: Section[];
}

/** Read a head: its fixed fields one by one; each Metadata is only located. */
function readHead(r: BsonReader, at: number, limit: number): Head {
  const head: Head = { m: [] };
  const last = r.open(at, limit);
  for (let t = r.next(last); t !== 0; t = r.next(last)) {
    if (r.key === "e" && t === T_DOC) head.e = readSection(r, last);
    else if (r.key === "m" && t === T_ARRAY) {
      const start = r.at;
      const end = r.open(start, last);
      for (let u = r.next(end, false); u !== 0; u = r.next(end, false)) {
        if (u !== T_DOC) throw new BsonFormatError("a member head is not a document");
        head.m.push(readSection(r, end));
      }
      r.at = end + 1;
    } else throw new BsonFormatError(`unexpected head field "${r.key}"`);
  }
  return head;
}

function readSection(r: BsonReader, limit: number): Section {
  const at = r.at;
  const last = r.open(at, limit);
  const out: Section = {
    md: -1,
    mod: -1,
    x: -1,
    rawFrom: -1,
    rawTo: -1,
    last,
    s: undefined,
    el: undefined,
    ej: undefined,
    h: undefined,
    hp: undefined,
    tm: undefined,
    k: undefined,
  };
  // The run of md, mod, x: where it ends so far (-1 before md); `inOrder` while they follow each other in that order.
  let run = -1;
  let inOrder = true;
  for (let elem = r.at, t = r.next(last); t !== 0; elem = r.at, t = r.next(last)) {
    const k = r.key;
    if (k === "md" || k === "mod" || k === "x") {
      const from = r.at;
      if (k === "md") {
        if (t !== T_DOC) throw new BsonFormatError("md is not a document");
        out.md = from;
        run = out.rawFrom = elem;
        if (out.mod >= 0 || out.x >= 0) inOrder = false;
      } else if (k === "mod") {
        if (t !== T_ARRAY) throw new BsonFormatError("mod is not a list of keys");
        out.mod = from;
      } else {
        if (t !== T_ARRAY) throw new BsonFormatError("x is not a list");
        out.x = from;
      }
      r.at = r.open(from, last) + 1; // over the container, its length checked
      if (run === elem) run = out.rawTo = r.at;
      else inOrder = false;
    } else {
      const v = r.value(t, last);
      if (v === undefined) throw new BsonFormatError(`head field "${k}" has BSON type ${t}`);
      // A switch, not out[k]: a keyed store would also let `__proto__` or any other key in.
      switch (k) {
        case "s":
          out.s = v as number;
          break;
        case "el":
          out.el = v as Section["el"];
          break;
        case "ej":
          out.ej = v as number;
          break;
        case "h":
          out.h = v as HistoryDocument;
          break;
        case "hp":
          out.hp = v as BSON.Binary;
          break;
        case "tm":
          out.tm = v as number[];
          break;
        case "k":
          out.k = v as boolean;
          break;
        default:
          throw new BsonFormatError(`unknown head field "${k}"`);
      }
    }
  }
  r.at = last + 1;
  if (out.md < 0) throw new BsonFormatError("a head section lacks its Metadata");
  if (!inOrder) out.rawFrom = -1;
  return out;
}

/** A section's Metadata, read: the values in key order (type hints applied) and the modified keys (null: all). */
function loadMetadata(
  b: Uint8Array,
  s: Section,
): { values: Map<string, MetadataValue>; modified: Set<string> | null } {
  try {
    const r = new BsonReader(b);
    const values = r.map(s.md, s.last) as Map<string, MetadataValue>;
    let modified: Set<string> | null = null;
    if (s.mod >= 0) {
      r.at = s.mod;
      const mod = r.value(T_ARRAY, s.last) as unknown[];
      modified = new Set();
      for (const k of mod) {
        if (typeof k !== "string" || !values.has(k))
          throw new BsonFormatError(`modified key ${String(k)} is not defined`);
        modified.add(k);
      }
    }
    if (s.x >= 0) {
      r.at = s.x;
      restore(values, r.value(T_ARRAY, s.last) as Hint[]);
    }
    return { values, modified };
  } catch (err) {
    if (b.buffer.byteLength === 0)
      throw new MsPASSError(
        "data codec: this datum's Metadata was still encoded in a frame buffer since moved to another thread",
        "Invalid",
        { cause: err },
      );
    if (!(err instanceof BsonFormatError || err instanceof TypeError || err instanceof RangeError)) throw err;
    throw bad(`a Metadata in its head is not BSON (${err.message})`);
  }
}

/**
 * A decoded datum's Metadata, left in the frame's head until first used:
 * most data crossing a thread are read or changed in their samples only,
 * and a Metadata never loaded is written back by copying its bytes. The
 * synced keys (npts, delta, starttime), and whether `tmatrix` is present,
 * come from the datum's row (checked at decode time), so they are known
 * without loading. Bytes in the Metadata that are not BSON are found when
 * it is loaded: that first use throws the codec's MsPASSError.
 */
class HeadMetadata implements DeferredMetadata {
  readonly bytes: Uint8Array;
  readonly section: Section;
  readonly #npts: number;
  readonly #delta: number;
  readonly #starttime: number;
  readonly #tmatrix: boolean;

  constructor(
    bytes: Uint8Array,
    s: Section,
    npts: number,
    delta: number,
    starttime: number,
    tmatrix: boolean,
  ) {
    this.bytes = bytes;
    this.section = s;
    this.#npts = npts;
    this.#delta = delta;
    this.#starttime = starttime;
    this.#tmatrix = tmatrix;
  }

  peek(key: string): MetadataValue | undefined {
    if (key === "npts") return this.#npts;
    if (key === "delta") return this.#delta;
    if (key === "starttime") return this.#starttime;
    return undefined;
  }

  knows(key: string): boolean | undefined {
    if (key === "npts" || key === "delta" || key === "starttime") return true;
    if (key === "tmatrix") return this.#tmatrix;
    return undefined;
  }

  load(): { values: Map<string, MetadataValue>; modified: Set<string> | null } {
    const out = loadMetadata(this.bytes, this.section);
    const v = out.values;
    if (
      !Object.is(v.get("npts"), this.#npts) ||
      !Object.is(v.get("delta"), this.#delta) ||
      !Object.is(v.get("starttime"), this.#starttime) ||
      v.has("tmatrix") !== this.#tmatrix
    )
      throw bad("a datum's Metadata disagrees with its row (npts, delta, starttime or tmatrix)");
    return out;
  }
}

export function isDataObject(v: unknown): v is DataObject {
  return v instanceof BasicTimeSeries || v instanceof TimeSeriesEnsemble || v instanceof SeismogramEnsemble;
}

/** The sample arrays of a data object, in frame order (no copies). */
export function sampleArrays(d: DataObject): Float64Array[] {
  return d instanceof BasicTimeSeries ? [d.data] : d.member.map((m) => m.data);
}

/**
 * Whole frame: head and samples in one buffer (one copy of the samples).
 * The result is a fresh, unshared buffer, safe to transfer.
 */
export function encodeFrame(d: DataObject): Uint8Array {
  return build(d, false).frame;
}

/**
 * Frame without its samples, plus the arrays themselves (not copied): for
 * threads, where each array travels beside the frame as its own buffer.
 */
export function encodeDetached(d: DataObject): { frame: Uint8Array; samples: Float64Array[] } {
  return build(d, true);
}

/** One writer per thread, reused by every frame (encoding is synchronous). */
const writer = new BsonWriter();
/** A Metadata entry into the writer (module level: no closure per Metadata). */
const writeEntry = (v: MetadataValue, k: string): void => writer.value(k, v);

function build(d: DataObject, detached: boolean): { frame: Uint8Array; samples: Float64Array[] } {
  if (!LITTLE_ENDIAN) throw new MsPASSError("data codec: big-endian hosts are not supported", "Fatal");
  const samples = sampleArrays(d);
  const nbuf = samples.length;
  const headAt = FIXED + ROW * nbuf;
  const w = writer;
  w.reset(headAt);
  let kind: number;
  try {
    const top = w.begin();
    if (d instanceof BasicTimeSeries) {
      kind = d instanceof Seismogram ? KIND_SEIS : KIND_TS;
      const m = w.open("m", true);
      writeMember(w, 0, d);
      w.end(m);
    } else {
      kind = d instanceof SeismogramEnsemble ? KIND_SEISE : KIND_TSE;
      const e = w.open("e");
      writeMetadata(w, d.md);
      writeElog(w, d.elog.entries, d.elog.jobId);
      if (d[ENSEMBLE_KILLED]) w.value("k", true);
      w.end(e);
      const m = w.open("m", true);
      const members = d.member;
      for (let i = 0; i < members.length; i++) writeMember(w, i, members[i]);
      w.end(m);
    }
    w.end(top);
  } catch (err) {
    throw new MsPASSError(
      `data codec: the Metadata of a ${d.constructor.name} cannot be encoded as BSON: ${(err as Error).message}`,
      "Invalid",
      { cause: err },
    );
  }
  const headLen = w.pos - headAt;
  const samplesAt = (w.pos + 7) & ~7;
  let total = samplesAt;
  if (!detached) for (let i = 0; i < nbuf; i++) total += 8 * samples[i].length;
  // A small frame is put together in the writer's buffer and copied out whole (one allocation and
  // one copy, no views made); a large one has its samples copied straight into the fresh frame.
  const small = total <= SMALL_FRAME;
  w.ensure((small ? total : samplesAt) - w.pos);
  const b = w.buf;
  for (let i = w.pos; i < samplesAt; i++) b[i] = 0;
  const dv = w.dv;
  dv.setUint32(0, MAGIC, true);
  b[4] = VERSION;
  b[5] = kind;
  dv.setUint16(6, detached ? FLAG_DETACHED : 0, true);
  dv.setUint32(8, headLen, true);
  dv.setUint32(12, nbuf, true);
  // Either way the frame is a fresh, unshared buffer of exactly its size (safe to transfer).
  if (small) {
    if (!detached) {
      let at = samplesAt / 8;
      const f64 = w.f64;
      for (const s of samples) {
        f64.set(s, at);
        at += s.length;
      }
    }
    return { frame: b.slice(0, total), samples };
  }
  const frame = new Uint8Array(total);
  frame.set(b.subarray(0, samplesAt));
  if (!detached && total > samplesAt) {
    // One view over all the samples (samplesAt is a multiple of 8), each array copied into it as bytes.
    const out = new Float64Array(frame.buffer, samplesAt, (total - samplesAt) / 8);
    let at = 0;
    for (const s of samples) {
      out.set(s, at);
      at += s.length;
    }
  }
  return { frame, samples };
}

/**
 * `md`, then the modified keys unless every key is (a datum built here, not
 * read); then `x`, the type hints, when a value needs them. A Metadata still
 * held in the head it was decoded from (never used since) is those
 * elements, copied as they are.
 */
function writeMetadata(w: BsonWriter, md: Metadata): void {
  const held = md[DEFERRED];
  if (held instanceof HeadMetadata) {
    const s = held.section;
    if (s.rawFrom >= 0 && held.bytes.buffer.byteLength > 0) {
      w.raw(held.bytes, s.rawFrom, s.rawTo);
      return;
    }
  }
  w.special = false;
  const at = w.open("md");
  md[EACH](writeEntry);
  w.end(at);
  const special = w.special;
  if (!md.allModified()) {
    const mod = w.open("mod", true);
    let i = 0;
    for (const k of md.modified()) w.string(indexKey(i++), k);
    w.end(mod);
  }
  if (special) {
    const hints = hintsOf(md.toObject());
    if (hints !== null) w.value("x", hints);
  }
}

/** Datum `i`: its row, and its section of the head. */
function writeMember(w: BsonWriter, i: number, d: TimeSeries | Seismogram): void {
  const md = d.md;
  let f = 0;
  if (d.live) f |= F_LIVE;
  if (d.isAbortion) f |= F_ABORTION;
  if (d.tref === "UTC") f |= F_UTC;
  if (d.shifted()) f |= F_SHIFT_VALID;
  if (md.has("tmatrix")) f |= F_TMATRIX_KEY;
  const n = d.data.length;
  const row = FIXED + ROW * i;
  const dv = w.dv;
  dv.setUint32(row, n >>> 0, true);
  dv.setUint32(row + 4, Math.floor(n / 0x1_0000_0000), true);
  dv.setFloat64(row + 8, d.dt, true);
  dv.setFloat64(row + 16, d.t0, true);
  dv.setUint32(row + 24, f, true);
  dv.setUint32(row + 28, 0, true);
  const at = w.open(indexKey(i));
  writeMetadata(w, md);
  const seis = d instanceof Seismogram;
  if (d.t0shift !== 0) w.value("s", d.t0shift);
  writeElog(w, d.elog.entries, d.elog.jobId);
  const hist = d.history;
  if (!hist.isEmpty() || hist.jobName !== "" || hist.jobId !== "") w.value("h", hist.toDocument());
  if (hist.opaqueParent !== undefined) w.value("hp", hist.opaqueParent);
  if (seis) {
    const tm = d.tmatrixFlat();
    if (!isIdentity(tm) || (f & F_TMATRIX_KEY) !== 0) w.value("tm", tm);
  }
  w.end(at);
}

/** elog entries as [algorithm, message, badness, jobId, processId] (`el`), and the logger's jobId (`ej`) when not 0. */
function writeElog(w: BsonWriter, entries: readonly LogEntry[], jobId: number): void {
  if (entries.length > 0) {
    const el = w.open("el", true);
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i];
      const r = w.open(indexKey(i), true);
      w.string("0", e.algorithm);
      w.string("1", e.message);
      w.string("2", e.badness);
      w.value("3", e.jobId ?? null);
      w.value("4", e.processId ?? null);
      w.end(r);
    }
    w.end(el);
  }
  if (jobId !== 0) w.value("ej", jobId);
}

function isIdentity(t: readonly number[]): boolean {
  for (let i = 0; i < 9; i++) if (t[i] !== (i % 4 === 0 ? 1 : 0)) return false;
  return true;
}

/** Values BSON would not give back as the same JS type, by path; null when there are none (the common case). */
function hintsOf(md: Record<string, unknown>): Hint[] | null {
  let out: Hint[] | null = null;
  const visit = (v: unknown, path: (string | number)[]): void => {
    if (typeof v !== "object" || v === null) return;
    let code: Hint[1] | undefined;
    if (v instanceof Uint8Array) code = Buffer.isBuffer(v) ? "b" : "u";
    else if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) visit(v[i], [...path, i]);
      return;
    } else {
      const t = (v as { _bsontype?: unknown })._bsontype;
      if (t === "Int32") code = "i";
      else if (t === "Double") code = "d";
      else if (t === "Long") code = "l";
      else if (t === undefined && !(v instanceof Date)) {
        for (const k of Object.keys(v)) visit((v as Record<string, unknown>)[k], [...path, k]);
        return;
      }
    }
    if (code !== undefined) (out ??= []).push([path, code]);
  };
  for (const k of Object.keys(md)) {
    const v = md[k];
    if (typeof v === "object" && v !== null) visit(v, [k]);
  }
  return out;
}

function restore(md: Map<string, MetadataValue>, hints: Hint[] | undefined): void {
  if (hints === undefined) return;
  for (const [path, code] of hints) {
    const top = path[0] as string;
    let parent: Record<string | number, unknown> | undefined;
    for (let i = 1; i < path.length; i++)
      parent = (i === 1 ? md.get(top) : parent![path[i - 1]]) as Record<string | number, unknown>;
    const k = path[path.length - 1];
    const v = parent === undefined ? md.get(top) : parent[k];
    let w: unknown;
    switch (code) {
      case "i":
        w = new BSON.Int32(v as number);
        break;
      case "d":
        w = new BSON.Double(v as number);
        break;
      case "l":
        w = BSON.Long.fromBigInt(v as bigint);
        break;
      case "u":
      case "b": {
        const bin = v as BSON.Binary;
        const bytes = bin.buffer.subarray(0, bin.position);
        w = code === "b" ? Buffer.from(bytes) : new Uint8Array(bytes);
        break;
      }
    }
    if (parent === undefined) md.set(top, w as MetadataValue);
    else parent[k] = w;
  }
}

/** Decoding errors name the frame and what is wrong with it. */
function bad(why: string): MsPASSError {
  return new MsPASSError(`data codec: not a valid frame: ${why}`, "Invalid");
}

/** Kind and length of a frame's head, validated against its size; throws MsPASSError on garbage. */
interface Layout {
  kind: number;
  detached: boolean;
  counts: number[];
  headAt: number;
  headLen: number;
  samplesAt: number;
}

/** Little-endian u32 at `p` of `b`: read byte by byte, since a DataView costs more than a frame's whole header. */
function readU32(b: Uint8Array, p: number): number {
  return (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0;
}

function layout(frame: Uint8Array): Layout {
  if (!(frame instanceof Uint8Array)) throw bad("expected a Uint8Array");
  if (frame.byteLength < FIXED)
    throw bad(`${frame.byteLength} bytes is shorter than the ${FIXED}-byte header`);
  const u32 = (p: number): number => readU32(frame, p);
  if (u32(0) !== MAGIC) throw bad("wrong magic");
  if (frame[4] !== VERSION) throw bad(`version ${frame[4]} (this package reads ${VERSION})`);
  const kind = frame[5];
  if (kind < KIND_TS || kind > KIND_SEISE) throw bad(`unknown kind ${kind}`);
  const flags = frame[6] | (frame[7] << 8);
  if ((flags & ~FLAG_DETACHED) !== 0) throw bad(`unknown flags ${flags}`);
  const headLen = u32(8);
  const nbuf = u32(12);
  if (headLen > MAX_HEAD) throw bad(`head length ${headLen}`);
  if ((kind === KIND_TS || kind === KIND_SEIS) && nbuf !== 1)
    throw bad(`an atomic datum has ${nbuf} sample arrays`);
  const headAt = FIXED + ROW * nbuf;
  if (headAt + headLen > frame.byteLength)
    throw bad(`head ends at ${headAt + headLen}, past the ${frame.byteLength}-byte frame`);
  const samplesAt = (headAt + headLen + 7) & ~7;
  const detached = (flags & FLAG_DETACHED) !== 0;
  const counts: number[] = new Array(nbuf);
  let bytes = 0;
  for (let i = 0; i < nbuf; i++) {
    const c = u32(FIXED + ROW * i) + u32(FIXED + ROW * i + 4) * 0x1_0000_0000;
    if (!Number.isSafeInteger(c) || (!detached && c > frame.byteLength))
      throw bad(`sample array ${i} claims ${c} samples`);
    counts[i] = c;
    bytes += c * 8;
  }
  const want = detached ? samplesAt : samplesAt + bytes;
  if (frame.byteLength !== want) throw bad(`${frame.byteLength} bytes where the header says ${want}`);
  return { kind, detached, counts, headAt, headLen, samplesAt };
}

/**
 * Rebuild the data object of a frame. With a whole frame the samples are
 * views into it (no copy; the frame's buffer stays alive with the data);
 * a detached frame takes its arrays from `samples`.
 */
export function decodeFrame(frame: Uint8Array, samples?: readonly Float64Array[]): DataObject {
  if (!LITTLE_ENDIAN) throw new MsPASSError("data codec: big-endian hosts are not supported", "Fatal");
  const L = layout(frame);
  let head: Head;
  // Decoded data keep their Metadata in the head (see HeadMetadata), so the head's bytes live as
  // long as they do. A whole frame read at an odd offset (inside some other message, e.g. a Redis
  // payload) has its samples copied to align them: its head is copied too, so that nothing keeps
  // the message alive.
  const misaligned = !L.detached && (frame.byteOffset + L.samplesAt) % 8 !== 0;
  const r = new BsonReader(misaligned ? frame.slice(0, L.samplesAt) : frame);
  try {
    const end = L.headAt + L.headLen;
    if (r.i32(L.headAt) !== L.headLen) throw new BsonFormatError("the head's length disagrees");
    head = readHead(r, L.headAt, end);
  } catch (err) {
    if (!(err instanceof BsonFormatError || err instanceof TypeError || err instanceof RangeError)) throw err;
    throw bad(`its head is not BSON (${err.message})`);
  }
  const nbuf = L.counts.length;
  if (head.m.length !== nbuf) throw bad("head and sample table disagree on the number of data");
  const arrays: Float64Array[] = new Array(nbuf);
  if (L.detached) {
    if (samples === undefined || samples.length !== nbuf) throw bad("detached samples are missing");
    for (let i = 0; i < nbuf; i++) {
      const s = samples[i];
      if (!(s instanceof Float64Array) || s.length !== L.counts[i])
        throw bad(`detached sample array ${i} has the wrong length`);
      arrays[i] = s;
    }
  } else {
    let at = frame.byteOffset + L.samplesAt;
    for (let i = 0; i < nbuf; i++) {
      const n = L.counts[i];
      // A frame read at an odd offset is copied once to align it.
      arrays[i] = misaligned
        ? new Float64Array(frame.buffer.slice(at, at + 8 * n))
        : new Float64Array(frame.buffer, at, n);
      at += 8 * n;
    }
  }
  try {
    switch (L.kind) {
      case KIND_TS:
        return member(r, 0, true, head.m[0], arrays[0]);
      case KIND_SEIS:
        return member(r, 0, false, head.m[0], arrays[0]);
      case KIND_TSE:
      case KIND_SEISE: {
        const isTs = L.kind === KIND_TSE;
        const members = head.m.map((h, i) => member(r, i, isTs, h, arrays[i]));
        const e = head.e;
        if (e === undefined) throw bad("an ensemble frame has no ensemble head");
        const ens = isTs
          ? new TimeSeriesEnsemble(members as TimeSeries[])
          : new SeismogramEnsemble(members as Seismogram[]);
        const { values, modified } = loadMetadata(r.b, e);
        ens.md[ADOPT](values, modified);
        loadElog(ens.elog, e.el, e.ej);
        if (e.k === true) ens.kill();
        return ens;
      }
    }
  } catch (err) {
    if (err instanceof MsPASSError && err.message.startsWith("data codec:")) throw err;
    throw bad(`its head does not describe a valid datum (${(err as Error).message})`);
  }
  throw bad(`unknown kind ${L.kind}`);
}

/** A datum built bare and given the state of its section: nothing put only to be replaced, its Metadata left in the head. */
/** Datum `i` of a frame: built bare and given the state of its row and section, its Metadata left in the head. */
function member(
  r: BsonReader,
  i: number,
  isTs: boolean,
  h: Section,
  samples: Float64Array,
): TimeSeries | Seismogram {
  const row = FIXED + ROW * i;
  const ncomp = isTs ? 1 : 3;
  // The row's sample count is the array's length (checked by layout or the detached arrays).
  const npts = samples.length / ncomp;
  const delta = r.f64(row + 8);
  const starttime = r.f64(row + 16);
  const f = r.i32(row + 24);
  const tn = isTs ? "TimeSeries" : "Seismogram";
  const problem =
    (Number.isInteger(npts) ? undefined : `${samples.length} samples are not ${ncomp} × npts`) ??
    syncedProblem(tn, "delta", delta) ??
    syncedProblem(tn, "starttime", starttime);
  if (problem !== undefined) throw bad(`datum ${i}: ${problem}`);
  const d = isTs ? new TimeSeries(BLANK as never) : new Seismogram(BLANK as never);
  d.md[DEFERRED] = new HeadMetadata(r.b, h, npts, delta, starttime, (f & F_TMATRIX_KEY) !== 0);
  let shift: number | undefined;
  if ((f & F_SHIFT_VALID) !== 0) {
    shift = h.s ?? 0;
    if (typeof shift !== "number" || !Number.isFinite(shift))
      throw bad(`a member's t0shift is ${String(shift)}`);
  }
  d[RESTORE](samples, (f & F_LIVE) !== 0, (f & F_UTC) !== 0, shift, (f & F_ABORTION) !== 0);
  if (h.tm !== undefined) {
    if (isTs) throw bad("a TimeSeries head carries a transformation matrix");
    (d as Seismogram)[RESTORE_TMATRIX](h.tm);
  }
  if (h.el !== undefined || h.ej !== undefined) loadElog(d.elog, h.el, h.ej);
  if (h.h !== undefined) d.history.loadDocument(h.h);
  if (h.hp !== undefined) d.history.opaqueParent = new Uint8Array(h.hp.buffer.subarray(0, h.hp.position));
  return d;
}

function loadElog(log: TimeSeries["elog"], el: Section["el"], ej: number | undefined): void {
  if (ej !== undefined) log.jobId = ej;
  if (el === undefined) return;
  const entries: LogEntry[] = el.map(([algorithm, message, badness, jobId, processId]) => {
    const e: { -readonly [K in keyof LogEntry]: LogEntry[K] } = {
      algorithm,
      message,
      badness: badness as LogEntry["badness"],
    };
    if (jobId !== null) e.jobId = jobId;
    if (processId !== null) e.processId = processId;
    return e;
  });
  log.append(entries);
}
