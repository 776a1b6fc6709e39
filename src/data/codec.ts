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
 * The same frame serves two transports: whole (Redis, and threads when the
 * sender keeps its data) or with its samples detached, when the sender gives
 * its arrays up and they are moved to the other thread as they are.
 *
 * The layout is also implemented (and fuzzed) in the Rust core,
 * crates/mspass-core/src/codec; see docs/architecture.md for why encoding
 * and decoding stay in TypeScript.
 */
import { BSON } from "mongodb";
import { endianness } from "node:os";
import { MsPASSError } from "../errors.js";
import { BasicTimeSeries } from "./basic-time-series.js";
import { ENSEMBLE_KILLED, SeismogramEnsemble, TimeSeriesEnsemble } from "./ensemble.js";
import type { LogEntry } from "./error-logger.js";
import type { HistoryDocument } from "./history.js";
import type { MetadataValue } from "./metadata.js";
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

const SERIALIZE: BSON.SerializeOptions = { ignoreUndefined: true };
const DESERIALIZE: BSON.DeserializeOptions = { useBigInt64: true, bsonRegExp: true };

/**
 * How a Metadata value that BSON would hand back as another JS type is
 * restored: bson wrappers (Int32, Double, Long) and byte arrays. Paths are
 * key/index lists from the top of the Metadata.
 */
type Hint = [path: (string | number)[], code: "i" | "d" | "l" | "u" | "b"];

interface MemberHead {
  md: Record<string, unknown>;
  /** Modified keys. */
  mod: string[];
  f: number;
  /** t0shift, when not 0. */
  s?: number;
  /** elog entries as [algorithm, message, badness, jobId, processId]. */
  el?: [string, string, string, number | null, number | null][];
  /** elog jobId, when not 0. */
  ej?: number;
  h?: HistoryDocument;
  /** history's opaque MsPASS parent. */
  hp?: Uint8Array;
  /** Seismogram transformation matrix, flat row-major, when not the identity. */
  tm?: number[];
  /** Seismogram: Metadata lacks "tmatrix" although tm is set. */
  tx?: boolean;
  x?: Hint[];
}

interface EnsembleHead {
  md: Record<string, unknown>;
  mod: string[];
  el?: MemberHead["el"];
  ej?: number;
  k?: boolean;
  x?: Hint[];
}

interface Head {
  e?: EnsembleHead;
  m: MemberHead[];
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
 * Frame without its samples, plus the arrays themselves (not copied): for a
 * sender that gives the arrays up and moves them.
 */
export function encodeDetached(d: DataObject): { frame: Uint8Array; samples: Float64Array[] } {
  return build(d, true);
}

function build(d: DataObject, detached: boolean): { frame: Uint8Array; samples: Float64Array[] } {
  if (!LITTLE_ENDIAN) throw new MsPASSError("data codec: big-endian hosts are not supported", "Fatal");
  let kind: number;
  const head: Head = { m: [] };
  const samples = sampleArrays(d);
  if (d instanceof BasicTimeSeries) {
    kind = d instanceof Seismogram ? KIND_SEIS : KIND_TS;
    head.m.push(memberHead(d));
  } else {
    kind = d instanceof SeismogramEnsemble ? KIND_SEISE : KIND_TSE;
    const e: EnsembleHead = { md: d.md.toObject(), mod: [...d.md.modified()] };
    const hints = hintsOf(e.md);
    if (hints !== null) e.x = hints;
    putElog(e, d.elog.entries, d.elog.jobId);
    if (d[ENSEMBLE_KILLED]) e.k = true;
    head.e = e;
    for (const m of d.member) head.m.push(memberHead(m));
  }
  let bson: Uint8Array;
  try {
    bson = BSON.serialize(head, SERIALIZE);
  } catch (err) {
    throw new MsPASSError(
      `data codec: the Metadata of a ${d.constructor.name} cannot be encoded as BSON: ${(err as Error).message}`,
      "Invalid",
      { cause: err },
    );
  }
  return { frame: assemble(kind, bson, samples, detached), samples };
}

/** @internal The frame around a BSON head: header, sample table, head, padding, samples unless detached. */
export function assemble(
  kind: number,
  bson: Uint8Array,
  samples: readonly Float64Array[],
  detached: boolean,
): Uint8Array {
  const nbuf = samples.length;
  const headEnd = FIXED + 8 * nbuf + bson.byteLength;
  const samplesAt = (headEnd + 7) & ~7;
  let total = samplesAt;
  if (!detached) for (const s of samples) total += s.byteLength;
  const frame = new Uint8Array(total);
  const dv = new DataView(frame.buffer);
  dv.setUint32(0, MAGIC, true);
  frame[4] = VERSION;
  frame[5] = kind;
  dv.setUint16(6, detached ? FLAG_DETACHED : 0, true);
  dv.setUint32(8, bson.byteLength, true);
  dv.setUint32(12, nbuf, true);
  for (let i = 0; i < nbuf; i++) dv.setBigUint64(FIXED + 8 * i, BigInt(samples[i].length), true);
  frame.set(bson, FIXED + 8 * nbuf);
  if (!detached) {
    let at = samplesAt;
    for (const s of samples) {
      frame.set(new Uint8Array(s.buffer, s.byteOffset, s.byteLength), at);
      at += s.byteLength;
    }
  }
  return frame;
}

function memberHead(d: TimeSeries | Seismogram): MemberHead {
  const md = d.md.toObject();
  const h: MemberHead = { md, mod: [...d.md.modified()], f: 0 };
  let f = 0;
  if (d.live) f |= F_LIVE;
  if (d.isAbortion) f |= F_ABORTION;
  if (d.tref === "UTC") f |= F_UTC;
  if (d.shifted()) f |= F_SHIFT_VALID;
  h.f = f;
  if (d.t0shift !== 0) h.s = d.t0shift;
  putElog(h, d.elog.entries, d.elog.jobId);
  const hist = d.history;
  if (!hist.isEmpty() || hist.jobName !== "" || hist.jobId !== "") h.h = hist.toDocument();
  if (hist.opaqueParent !== undefined) h.hp = hist.opaqueParent;
  if (d instanceof Seismogram) {
    const tm = d.tmatrixFlat();
    if (!isIdentity(tm) || d.md.has("tmatrix")) h.tm = tm;
    if (!d.md.has("tmatrix") && h.tm !== undefined) h.tx = true;
  }
  const hints = hintsOf(md);
  if (hints !== null) h.x = hints;
  return h;
}

function putElog(
  h: { el?: MemberHead["el"]; ej?: number },
  entries: readonly LogEntry[],
  jobId: number,
): void {
  if (entries.length > 0)
    h.el = entries.map((e) => [e.algorithm, e.message, e.badness, e.jobId ?? null, e.processId ?? null]);
  if (jobId !== 0) h.ej = jobId;
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

function restore(md: Record<string, unknown>, hints: Hint[] | undefined): void {
  if (hints === undefined) return;
  for (const [path, code] of hints) {
    let parent = md as Record<string | number, unknown>;
    for (let i = 0; i < path.length - 1; i++) parent = parent[path[i]] as Record<string | number, unknown>;
    const k = path[path.length - 1];
    const v = parent[k];
    switch (code) {
      case "i":
        parent[k] = new BSON.Int32(v as number);
        break;
      case "d":
        parent[k] = new BSON.Double(v as number);
        break;
      case "l":
        parent[k] = BSON.Long.fromBigInt(v as bigint);
        break;
      case "u":
      case "b": {
        const bin = v as BSON.Binary;
        const bytes = bin.buffer.subarray(0, bin.position);
        parent[k] = code === "b" ? Buffer.from(bytes) : new Uint8Array(bytes);
        break;
      }
    }
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
    const c = dv.getBigUint64(FIXED + 8 * i, true);
    if (c > BigInt(frame.byteLength)) {
      if (!detached) throw bad(`sample array ${i} claims ${c} samples`);
    }
    counts[i] = Number(c);
    bytes += counts[i] * 8;
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
    head = BSON.deserialize(frame.subarray(L.headAt, L.headAt + L.headLen), DESERIALIZE) as Head;
  } catch (err) {
    throw bad(`its head is not BSON (${(err as Error).message})`);
  }
  if (!Array.isArray(head.m) || head.m.length !== L.counts.length)
    throw bad("head and sample table disagree on the number of data");
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
        for (const k of Object.keys(e.md)) ens.md.put(k, e.md[k] as MetadataValue);
        remark(ens.md, e.mod);
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

function member<T extends TimeSeries | Seismogram>(d: T, h: MemberHead, samples: Float64Array): T {
  if (typeof h !== "object" || h === null || typeof h.md !== "object" || !Array.isArray(h.mod))
    throw bad("a member head is malformed");
  restore(h.md, h.x);
  if (d instanceof Seismogram && h.tm !== undefined) d.tmatrix = h.tm;
  d.data = samples;
  const md = d.md;
  for (const k of Object.keys(h.md)) md.put(k, h.md[k] as MetadataValue);
  if (h.tx === true) md.erase("tmatrix");
  // A head whose npts disagrees with its samples would have resized them.
  if (d.data !== samples)
    throw bad(`a member's npts (${String(h.md.npts)}) does not match its ${samples.length} samples`);
  remark(md, h.mod);
  const f = h.f;
  d.live = (f & F_LIVE) !== 0;
  d.isAbortion = (f & F_ABORTION) !== 0;
  d.tref = (f & F_UTC) !== 0 ? "UTC" : "Relative";
  if ((f & F_SHIFT_VALID) !== 0) d.forceT0Shift(h.s ?? 0);
  loadElog(d.elog, h.el, h.ej);
  if (h.h !== undefined) d.history.loadDocument(h.h);
  if (h.hp !== undefined) {
    const bin = h.hp as unknown as BSON.Binary;
    d.history.opaqueParent = new Uint8Array(bin.buffer.subarray(0, bin.position));
  }
  return d;
}

/** Make the modified set exactly `mod` (every key was just put, so all are marked now). */
function remark(md: TimeSeries["md"], mod: readonly string[]): void {
  if (mod.length === md.size) return; // modified ⊆ keys, so the sets are already equal
  md.clearModified();
  for (const k of mod) {
    const v = md.get(k);
    if (v !== undefined) md.put(k, v);
  }
}

function loadElog(log: TimeSeries["elog"], el: MemberHead["el"], ej: number | undefined): void {
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
