/**
 * The binary codec of the data objects: how a TimeSeries, Seismogram or
 * ensemble crosses a thread, a process or Redis with every bit of its state.
 *
 * A frame is
 *
 *     0  "MSPC"            magic
 *     4  u8  version (1)
 *     5  u8  kind          1 TimeSeries, 2 Seismogram, 3 TimeSeriesEnsemble, 4 SeismogramEnsemble
 *     6  u16 flags         bit 0: samples detached (they travel beside the frame)
 *     8  u32 head length   bytes of the BSON head
 *    12  u32 nbuf          number of sample arrays (one per atomic datum)
 *    16  u64 × nbuf        samples per array (npts for a TimeSeries, 3·npts for a Seismogram)
 *     …  BSON head         Metadata (all BSON types), the modified-key set, elog,
 *                          history, live/dead, abortion, time reference, tmatrix
 *     …  zero padding to a multiple of 8
 *     …  f64 little-endian samples, array after array (absent when detached)
 *
 * One head for the whole object (an ensemble's members are entries of one
 * BSON array, never frames inside a frame). Samples are copied as bytes
 * (one memcpy per array), never converted element by element, and a decoded
 * datum's samples are VIEWS into the frame, so decoding copies nothing.
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
import { BasicTimeSeries } from "./basic-time-series.js";
import { ENSEMBLE_KILLED, SeismogramEnsemble, TimeSeriesEnsemble } from "./ensemble.js";
import type { LogEntry } from "./error-logger.js";
import type { HistoryDocument } from "./history.js";
import { BsonFormatError, BsonReader, BsonWriter, indexKey, T_ARRAY, T_DOC } from "./codec-bson.js";
import { ADOPT, type Metadata, type MetadataValue } from "./metadata.js";
import { Seismogram } from "./seismogram.js";
import { TimeSeries } from "./time-series.js";

/** Everything the codec encodes. */
export type DataObject = TimeSeries | Seismogram | TimeSeriesEnsemble | SeismogramEnsemble;

const MAGIC = 0x4350534d; // "MSPC" read as a little-endian u32
const VERSION = 1;
const FIXED = 16;
const FLAG_DETACHED = 1;
const KIND_TS = 1;
const KIND_SEIS = 2;
const KIND_TSE = 3;
const KIND_SEISE = 4;
/** Largest head accepted when decoding (a guard against garbage lengths, not a format limit on samples). */
const MAX_HEAD = 0x7fffffff;

const LITTLE_ENDIAN = endianness() === "LE";

/** Datum state bits in a member head. */
const F_LIVE = 1;
const F_ABORTION = 2;
const F_UTC = 4;
const F_SHIFT_VALID = 8;

/**
 * How a Metadata value that BSON would hand back as another JS type is
 * restored: bson wrappers (Int32, Double, Long) and byte arrays. Paths are
 * key/index lists from the top of the Metadata.
 */
type Hint = [path: (string | number)[], code: "i" | "d" | "l" | "u" | "b"];

/**
 * One section of a head: an atomic datum's, or the ensemble's own (which
 * uses md, mod, el, ej, x and k). The Metadata is read straight into the Map
 * the datum's Metadata adopts.
 */
interface Section {
  md: Map<string, MetadataValue>;
  /** Modified keys (written as `true` when all are). */
  mod: Set<string>;
  /** Datum state bits (F_*). */
  f?: number;
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
  /** Type hints of Metadata values. */
  x?: Hint[];
  /** Ensemble killed. */
  k?: boolean;
}

interface Head {
  e?: Section;
  m: Section[];
}

/** Read a head: its fixed fields one by one, each Metadata into a Map. */
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

/** The fields of a section besides md and mod (anything else is refused, `__proto__` included). */
const SECTION_FIELDS = new Set(["f", "s", "el", "ej", "h", "hp", "tm", "x", "k"]);

function readSection(r: BsonReader, limit: number): Section {
  const at = r.at;
  const last = r.open(at, limit);
  const out: Partial<Omit<Section, "mod">> & { mod?: Set<string> | true } & Record<string, unknown> = {};
  for (let t = r.next(last); t !== 0; t = r.next(last)) {
    const k = r.key;
    if (k === "md") {
      if (t !== T_DOC) throw new BsonFormatError("md is not a document");
      const start = r.at;
      out.md = r.map(start, last) as Map<string, MetadataValue>;
      r.at = start + r.dv.getInt32(start, true);
    } else if (k === "mod") {
      const mod = r.value(t, last);
      if (mod === true) out.mod = true;
      else if (Array.isArray(mod) && mod.every((x) => typeof x === "string"))
        out.mod = new Set(mod as string[]);
      else throw new BsonFormatError("mod is not a list of keys");
    } else {
      if (!SECTION_FIELDS.has(k)) throw new BsonFormatError(`unknown head field "${k}"`);
      const v = r.value(t, last);
      if (v === undefined) throw new BsonFormatError(`head field "${k}" has BSON type ${t}`);
      out[k] = v;
    }
  }
  r.at = last + 1;
  if (out.md === undefined || out.mod === undefined)
    throw new BsonFormatError("a head section lacks md or mod");
  if (out.mod === true) out.mod = new Set(out.md.keys());
  return out as Section;
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

function build(d: DataObject, detached: boolean): { frame: Uint8Array; samples: Float64Array[] } {
  if (!LITTLE_ENDIAN) throw new MsPASSError("data codec: big-endian hosts are not supported", "Fatal");
  const samples = sampleArrays(d);
  const nbuf = samples.length;
  const headAt = FIXED + 8 * nbuf;
  const w = writer;
  w.reset(headAt);
  let kind: number;
  try {
    const top = w.begin();
    if (d instanceof BasicTimeSeries) {
      kind = d instanceof Seismogram ? KIND_SEIS : KIND_TS;
      const m = w.open("m", true);
      writeMember(w, indexKey(0), d);
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
      for (let i = 0; i < members.length; i++) writeMember(w, indexKey(i), members[i]);
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
  w.ensure(samplesAt - w.pos);
  const b = w.buf;
  for (let i = w.pos; i < samplesAt; i++) b[i] = 0;
  const dv = w.dv;
  dv.setUint32(0, MAGIC, true);
  b[4] = VERSION;
  b[5] = kind;
  dv.setUint16(6, detached ? FLAG_DETACHED : 0, true);
  dv.setUint32(8, headLen, true);
  dv.setUint32(12, nbuf, true);
  let total = samplesAt;
  for (let i = 0; i < nbuf; i++) {
    const n = samples[i].length;
    dv.setUint32(FIXED + 8 * i, n >>> 0, true);
    dv.setUint32(FIXED + 8 * i + 4, Math.floor(n / 0x1_0000_0000), true);
    if (!detached) total += 8 * n;
  }
  // A fresh, unshared buffer of exactly the frame's size (safe to transfer).
  const frame = new Uint8Array(total);
  frame.set(b.subarray(0, samplesAt));
  if (!detached) {
    let at = samplesAt;
    for (const s of samples) {
      frame.set(new Uint8Array(s.buffer, s.byteOffset, s.byteLength), at);
      at += s.byteLength;
    }
  }
  return { frame, samples };
}

/**
 * `md`, then the modified keys: `mod: true` when every key is modified (a
 * datum built here, not read), else their list; then `x`, the type hints,
 * when a value needs them.
 */
function writeMetadata(w: BsonWriter, md: Metadata): void {
  w.special = false;
  const at = w.open("md");
  for (const [k, v] of md) w.value(k, v);
  w.end(at);
  const special = w.special;
  const before = w.pos;
  const mod = w.open("mod", true);
  let i = 0;
  for (const [k] of md) if (md.isModified(k)) w.string(indexKey(i++), k);
  w.end(mod);
  if (i === md.size && i > 0) {
    w.pos = before;
    w.value("mod", true);
  }
  if (special) {
    const hints = hintsOf(md.toObject());
    if (hints !== null) w.value("x", hints);
  }
}

function writeMember(w: BsonWriter, key: string, d: TimeSeries | Seismogram): void {
  const at = w.open(key);
  writeMetadata(w, d.md);
  let f = 0;
  if (d.live) f |= F_LIVE;
  if (d.isAbortion) f |= F_ABORTION;
  if (d.tref === "UTC") f |= F_UTC;
  if (d.shifted()) f |= F_SHIFT_VALID;
  w.int32("f", f);
  if (d.t0shift !== 0) w.value("s", d.t0shift);
  writeElog(w, d.elog.entries, d.elog.jobId);
  const hist = d.history;
  if (!hist.isEmpty() || hist.jobName !== "" || hist.jobId !== "") w.value("h", hist.toDocument());
  if (hist.opaqueParent !== undefined) w.value("hp", hist.opaqueParent);
  if (d instanceof Seismogram) {
    const tm = d.tmatrixFlat();
    if (!isIdentity(tm) || d.md.has("tmatrix")) w.value("tm", tm);
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

function layout(frame: Uint8Array): Layout {
  if (!(frame instanceof Uint8Array)) throw bad("expected a Uint8Array");
  if (frame.byteLength < FIXED)
    throw bad(`${frame.byteLength} bytes is shorter than the ${FIXED}-byte header`);
  const dv = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  if (dv.getUint32(0, true) !== MAGIC) throw bad("wrong magic");
  if (frame[4] !== VERSION) throw bad(`version ${frame[4]} (this package reads ${VERSION})`);
  const kind = frame[5];
  if (kind < KIND_TS || kind > KIND_SEISE) throw bad(`unknown kind ${kind}`);
  const flags = dv.getUint16(6, true);
  if ((flags & ~FLAG_DETACHED) !== 0) throw bad(`unknown flags ${flags}`);
  const headLen = dv.getUint32(8, true);
  const nbuf = dv.getUint32(12, true);
  if (headLen > MAX_HEAD) throw bad(`head length ${headLen}`);
  if ((kind === KIND_TS || kind === KIND_SEIS) && nbuf !== 1)
    throw bad(`an atomic datum has ${nbuf} sample arrays`);
  const headAt = FIXED + 8 * nbuf;
  if (headAt + headLen > frame.byteLength)
    throw bad(`head ends at ${headAt + headLen}, past the ${frame.byteLength}-byte frame`);
  const samplesAt = (headAt + headLen + 7) & ~7;
  const detached = (flags & FLAG_DETACHED) !== 0;
  const counts: number[] = new Array(nbuf);
  let bytes = 0;
  for (let i = 0; i < nbuf; i++) {
    const c = dv.getUint32(FIXED + 8 * i, true) + dv.getUint32(FIXED + 8 * i + 4, true) * 0x1_0000_0000;
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
  try {
    const r = new BsonReader(frame);
    const end = L.headAt + L.headLen;
    if (r.dv.getInt32(L.headAt, true) !== L.headLen) throw new BsonFormatError("the head's length disagrees");
    head = readHead(r, L.headAt, end);
  } catch (err) {
    if (!(err instanceof BsonFormatError || err instanceof TypeError || err instanceof RangeError)) throw err;
    throw bad(`its head is not BSON (${err.message})`);
  }
  if (head.m.length !== L.counts.length) throw bad("head and sample table disagree on the number of data");
  const arrays: Float64Array[] = new Array(L.counts.length);
  if (L.detached) {
    if (samples === undefined || samples.length !== L.counts.length)
      throw bad("detached samples are missing");
    for (let i = 0; i < L.counts.length; i++) {
      const s = samples[i];
      if (!(s instanceof Float64Array) || s.length !== L.counts[i])
        throw bad(`detached sample array ${i} has the wrong length`);
      arrays[i] = s;
    }
  } else {
    let at = frame.byteOffset + L.samplesAt;
    const aligned = at % 8 === 0;
    for (let i = 0; i < L.counts.length; i++) {
      const n = L.counts[i];
      // A frame read at an odd offset (inside some other message) is copied once to align it.
      arrays[i] = aligned
        ? new Float64Array(frame.buffer, at, n)
        : new Float64Array(frame.buffer.slice(at, at + 8 * n));
      at += 8 * n;
    }
  }
  try {
    switch (L.kind) {
      case KIND_TS:
        return member(new TimeSeries(), head.m[0], arrays[0]);
      case KIND_SEIS:
        return member(new Seismogram(), head.m[0], arrays[0]);
      case KIND_TSE:
      case KIND_SEISE: {
        const isTs = L.kind === KIND_TSE;
        const members = head.m.map((h, i) =>
          member(isTs ? new TimeSeries() : new Seismogram(), h, arrays[i]),
        );
        const e = head.e;
        if (e === undefined) throw bad("an ensemble frame has no ensemble head");
        restore(e.md, e.x);
        const ens = isTs
          ? new TimeSeriesEnsemble(members as TimeSeries[])
          : new SeismogramEnsemble(members as Seismogram[]);
        ens.md[ADOPT](e.md, e.mod);
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

function member<T extends TimeSeries | Seismogram>(d: T, h: Section, samples: Float64Array): T {
  restore(h.md, h.x);
  if (d instanceof Seismogram && h.tm !== undefined) d.tmatrix = h.tm;
  d.data = samples;
  // The head's Metadata is adopted whole with its modified set; npts, delta and starttime go through the datum's checks.
  d.md[ADOPT](h.md, h.mod);
  // A head whose npts disagrees with its samples would have resized them.
  if (d.data !== samples)
    throw bad(`a member's npts (${String(h.md.get("npts"))}) does not match its ${samples.length} samples`);
  const f = h.f ?? 0;
  d.live = (f & F_LIVE) !== 0;
  d.isAbortion = (f & F_ABORTION) !== 0;
  d.tref = (f & F_UTC) !== 0 ? "UTC" : "Relative";
  if ((f & F_SHIFT_VALID) !== 0) d.forceT0Shift(h.s ?? 0);
  loadElog(d.elog, h.el, h.ej);
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
