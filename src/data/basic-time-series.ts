/**
 * Shared core of TimeSeries and Seismogram (MsPASS's BasicTimeSeries plus the
 * Metadata/elog/history every atomic datum carries).
 *
 * Single source of truth: `npts`, `dt` and `t0` live in the datum's Metadata
 * under `npts`, `delta` and `starttime`. The properties read and write those
 * keys, and the Metadata calls back into the datum (a guard) when one of them
 * is put, so `ts.dt = 0.5` and `ts.md.put("delta", 0.5)` are the same
 * operation: both validate, both mark `delta` modified, and setting `npts`
 * either way resizes the sample buffer (keeping the leading samples, zero
 * filling the rest). Those three keys cannot be erased from the datum's own
 * Metadata. Aliases (`dt`, `t0`, `nsamp`) are NOT synced; the schema renames
 * them on save.
 *
 * Time reference (`tref`, `t0shift`) is object state, as in MsPASS; it reaches
 * the document through `wfDocFields` at save time.
 */
import { MsPASSError } from "../errors.js";
import { ErrorLogger } from "./error-logger.js";
import { ProcessingHistory } from "./history.js";
import { INSPECT, describeSeries } from "./inspect.js";
import { BIND_GUARD, Metadata, describeValue, type MetadataValue } from "./metadata.js";

export type TimeReference = "UTC" | "Relative";

/** Keys of the Metadata that a datum keeps in step with its own state. */
export const SYNCED_KEYS = ["npts", "delta", "starttime"] as const;

/** Options for building a datum directly. `data` is adopted, not copied. */
export interface TimeSeriesOptions {
  /** Samples per component. Defaults to the data length (per component), else metadata `npts`, else 0. */
  npts?: number;
  /** Sample interval in seconds (> 0). Defaults to metadata `delta`, else 1. */
  dt?: number;
  /** Time of the first sample. Defaults to metadata `starttime`, else 0. */
  t0?: number;
  /** Defaults to "UTC" when metadata `time_standard` is "UTC", else "Relative". */
  tref?: TimeReference;
  /** A valid relative→UTC shift; only with tref "Relative". */
  t0shift?: number;
  /** Defaults to true: a datum built from valid arguments is live. */
  live?: boolean;
  /** Sample buffer, adopted without a copy (the datum and the caller share it). */
  data?: Float64Array;
  /** Extra header values, copied into the datum's Metadata. */
  metadata?: Metadata | Readonly<Record<string, unknown>>;
}

const OPTION_KEYS = new Set(["npts", "dt", "t0", "tref", "t0shift", "live", "data", "metadata"]);

/** Options for `fromMetadata`. `data` is adopted, not copied. */
export interface FromMetadataOptions {
  data?: Float64Array;
  live?: boolean;
}

export function isTimeReference(v: unknown): v is TimeReference {
  return v === "UTC" || v === "Relative";
}

/**
 * Internal: a constructor argument that builds a bare datum for the data
 * codec's decoder, which then gives it its whole state with `RESTORE` (no
 * default keys put only to be replaced).
 */
export const BLANK: unique symbol = Symbol("mspass.BasicTimeSeries.blank");
/** Internal: see `BasicTimeSeries[RESTORE]`. */
export const RESTORE: unique symbol = Symbol("mspass.BasicTimeSeries.restore");
/** The placeholder samples of a BLANK datum until `RESTORE` (never seen outside). */
const NO_SAMPLES = new Float64Array(0);

/**
 * What is wrong with `value` as the synced key `key` of a datum named `tn`
 * (undefined when it is valid). One rule for puts and for the codec's decoder.
 */
export function syncedProblem(tn: string, key: string, value: unknown): string | undefined {
  const field = key === "delta" ? "delta (dt)" : key === "starttime" ? "starttime (t0)" : "npts";
  if (typeof value !== "number" || !Number.isFinite(value))
    return `${tn}: ${field} must be a finite number, got ${describeValue(value)} ${String(value)}`;
  if (key === "npts" && (!Number.isSafeInteger(value) || value < 0))
    return `${tn}: npts must be a non-negative integer, got ${value}`;
  if (key === "delta" && value <= 0) return `${tn}: delta (dt) must be > 0, got ${value}`;
  return undefined;
}

export abstract class BasicTimeSeries {
  /** One line a seismologist reads: seed id, live, time span, dt, npts, id, keys, elog size. */
  toString(): string {
    return describeSeries(this.#typeName, this);
  }
  [INSPECT](): string {
    return this.toString();
  }

  /** Header: always contains `npts`, `delta` and `starttime` in step with the datum. */
  readonly md: Metadata;
  readonly elog: ErrorLogger = new ErrorLogger();
  readonly history: ProcessingHistory = new ProcessingHistory();
  /** True for a datum that could never be constructed (a reader's "abortion"). */
  isAbortion = false;

  protected _data: Float64Array;
  readonly #ncomp: number;
  readonly #typeName: string;
  #live = false;
  #tref: TimeReference = "Relative";
  #t0shift = 0;
  #t0shiftValid = false;

  protected constructor(ncomp: 1 | 3, typeName: string, arg: unknown) {
    this.#ncomp = ncomp;
    this.#typeName = typeName;
    // A bare datum gets its samples from the decoder at once: no buffer made for nothing.
    this._data = arg === BLANK ? NO_SAMPLES : new Float64Array(0);
    this.md = new Metadata();
    this.md[BIND_GUARD](SYNCED_KEYS, (key, value) => this.#guard(key, value));
    if (arg === BLANK) return;
    if (arg === undefined) {
      // MsPASS default construction: dead, t0=0, dt=1, npts=0, Relative.
      this.md.put("npts", 0).put("delta", 1).put("starttime", 0);
      return;
    }
    if (arg instanceof Metadata) {
      this.initFromMetadata(arg, {});
      return;
    }
    if (typeof arg !== "object" || arg === null || Array.isArray(arg) || arg instanceof Float64Array) {
      throw new MsPASSError(
        `${typeName}: constructor argument must be an options object or a Metadata, got ${describeValue(arg)}`,
        "Invalid",
      );
    }
    this.#initFromOptions(arg as TimeSeriesOptions);
  }

  /** Number of components per sample: 1 (TimeSeries) or 3 (Seismogram). */
  protected get ncomp(): number {
    return this.#ncomp;
  }

  // ---- the three synced values -------------------------------------------------

  get npts(): number {
    return this.md.get("npts") as number;
  }
  set npts(n: number) {
    this.md.put("npts", n);
  }

  get dt(): number {
    return this.md.get("delta") as number;
  }
  set dt(v: number) {
    this.md.put("delta", v);
  }

  get t0(): number {
    return this.md.get("starttime") as number;
  }
  set t0(v: number) {
    this.md.put("starttime", v);
  }

  // ---- live/dead ---------------------------------------------------------------

  get live(): boolean {
    return this.#live;
  }
  set live(v: boolean) {
    if (typeof v !== "boolean") throw new MsPASSError(`${this.#typeName}: live must be a boolean`, "Invalid");
    this.#live = v;
  }
  get dead(): boolean {
    return !this.#live;
  }
  kill(): void {
    this.#live = false;
  }
  setLive(): void {
    this.#live = true;
  }

  // ---- time ---------------------------------------------------------------------

  get tref(): TimeReference {
    return this.#tref;
  }
  /** Setting tref directly (rather than with ator/rtoa) invalidates any stored shift. */
  set tref(v: TimeReference) {
    if (!isTimeReference(v))
      throw new MsPASSError(
        `${this.#typeName}: tref must be "UTC" or "Relative", got ${String(v)}`,
        "Invalid",
      );
    if (v !== this.#tref) {
      this.#tref = v;
      this.#t0shift = 0;
      this.#t0shiftValid = false;
    }
  }

  /** The stored relative→UTC shift (0 when none). See `shifted()` for validity. */
  get t0shift(): number {
    return this.#t0shift;
  }

  timeIsUTC(): boolean {
    return this.#tref === "UTC";
  }
  timeIsRelative(): boolean {
    return this.#tref === "Relative";
  }
  /** True when relative time with a valid shift back to UTC. */
  shifted(): boolean {
    return this.#tref === "Relative" && this.#t0shiftValid;
  }
  /** The valid shift; throws MsPASSError for UTC data or an invalid shift (as MsPASS). */
  timeReference(): number {
    if (this.#tref === "UTC")
      throw new MsPASSError(
        `${this.#typeName}.timeReference: data are UTC; there is no reference time`,
        "Fatal",
      );
    if (!this.#t0shiftValid)
      throw new MsPASSError(`${this.#typeName}.timeReference: the time shift is not valid`, "Invalid");
    return this.#t0shift;
  }
  /** Declare relative data convertible to UTC with shift `t` (MsPASS's force_t0_shift). */
  forceT0Shift(t: number): void {
    if (typeof t !== "number" || !Number.isFinite(t))
      throw new MsPASSError(
        `${this.#typeName}: t0shift must be a finite number, got ${String(t)}`,
        "Invalid",
      );
    this.#t0shift = t;
    this.#t0shiftValid = true;
  }

  /** Time of sample i: t0 + i·dt. */
  time(i: number): number {
    return this.t0 + i * this.dt;
  }
  /** Index of the sample nearest time t. */
  sampleNumber(t: number): number {
    return Math.round((t - this.t0) / this.dt);
  }
  /** Time of the last sample: t0 + (npts−1)·dt. */
  endtime(): number {
    return this.t0 + (this.npts - 1) * this.dt;
  }

  /**
   * Absolute → relative time: t0 -= tshift, and remember tshift. As in MsPASS
   * this does nothing on dead data or data already relative.
   */
  ator(tshift: number): void {
    if (typeof tshift !== "number" || !Number.isFinite(tshift)) {
      throw new MsPASSError(
        `${this.#typeName}.ator: tshift must be a finite number, got ${String(tshift)}`,
        "Invalid",
      );
    }
    if (!this.#live || this.#tref === "Relative") return;
    this.t0 = this.t0 - tshift;
    this.#tref = "Relative";
    this.#t0shift = tshift;
    this.#t0shiftValid = true;
  }

  /**
   * Relative → absolute time using the stored shift. Does nothing on dead or
   * UTC data; throws MsPASSError (Invalid) when the shift is not valid. MsPASS
   * also accepts a stored shift above 100 s as valid; kept for compatibility.
   */
  rtoa(): void {
    if (!this.#live || this.#tref === "UTC") return;
    if (!(this.#t0shiftValid || this.#t0shift > 100)) {
      throw new MsPASSError(
        `${this.#typeName}.rtoa: the time shift to return to UTC is not defined`,
        "Invalid",
      );
    }
    this.t0 = this.t0 + this.#t0shift;
    this.#tref = "UTC";
    this.#t0shift = 0;
    this.#t0shiftValid = false;
  }

  /** Move the relative time origin by dt (rtoa then ator(oldshift + dt)). */
  shift(dt: number): void {
    const old = this.#t0shift;
    this.rtoa();
    this.ator(old + dt);
  }

  // ---- samples ------------------------------------------------------------------

  /** The sample buffer (adopted, never copied, by constructors and this setter). */
  get data(): Float64Array {
    return this._data;
  }
  set data(a: Float64Array) {
    if (!(a instanceof Float64Array))
      throw new MsPASSError(
        `${this.#typeName}: data must be a Float64Array, got ${describeValue(a)}`,
        "Invalid",
      );
    if (a.length % this.#ncomp !== 0) {
      throw new MsPASSError(
        `${this.#typeName}: data length ${a.length} is not a multiple of ${this.#ncomp}`,
        "Invalid",
      );
    }
    this._data = a;
    this.md.put("npts", a.length / this.#ncomp);
  }

  // ---- construction helpers -----------------------------------------------------

  /** Shared body of `fromMetadata`: the MsPASS "construct from Metadata" rules. */
  protected initFromMetadata(
    source: Metadata | Readonly<Record<string, unknown>>,
    opts: FromMetadataOptions,
  ): void {
    const tn = this.#typeName;
    const src = source instanceof Metadata ? source : new Metadata(source);
    if (typeof opts !== "object" || opts === null)
      throw new MsPASSError(`${tn}.fromMetadata: options must be an object`, "Invalid");
    const dt = readNumber(src, "delta", tn, true)!;
    const t0 = readNumber(src, "starttime", tn, true)!;
    let npts = readNumber(src, "npts", tn, false);
    const data = this.#checkData(opts.data, npts, "npts");
    if (npts === undefined) npts = data === undefined ? 0 : data.length / this.#ncomp;
    for (const [k, v] of src) if (!(SYNCED_KEYS as readonly string[]).includes(k)) this.md.put(k, v);
    this.#setSynced(npts, dt, t0, data);
    if (src.has("time_standard") && src.get("time_standard") === "UTC") {
      this.#tref = "UTC";
    } else {
      this.#tref = "Relative";
      // As in MsPASS: a stored shift on relative data makes it convertible.
      const shift = src.get("starttime_shift");
      if (typeof shift === "number" && Number.isFinite(shift)) this.forceT0Shift(shift);
    }
    if (opts.live !== undefined && typeof opts.live !== "boolean")
      throw new MsPASSError(`${tn}.fromMetadata: live must be a boolean`, "Invalid");
    this.#live = opts.live ?? true;
    if (!(source instanceof Metadata)) return;
    // Keep the caller's notion of what was modified, not our own puts.
    this.md.clearModified();
    for (const k of src.modified()) if (this.md.has(k)) this.#markModified(k);
  }

  #initFromOptions(opts: TimeSeriesOptions): void {
    const tn = this.#typeName;
    for (const k of Object.keys(opts)) {
      if (!OPTION_KEYS.has(k)) {
        throw new MsPASSError(
          `${tn}: unknown option "${k}" (options are ${[...OPTION_KEYS].join(", ")}; use ${tn}.fromMetadata for a document)`,
          "Invalid",
        );
      }
    }
    let extra: Metadata | undefined;
    if (opts.metadata !== undefined) {
      if (typeof opts.metadata !== "object" || opts.metadata === null || Array.isArray(opts.metadata)) {
        throw new MsPASSError(`${tn}: metadata must be a Metadata or a plain object`, "Invalid");
      }
      extra = opts.metadata instanceof Metadata ? opts.metadata : new Metadata(opts.metadata);
    }
    const pick = (opt: unknown, key: string, field: string): number | undefined => {
      if (opt !== undefined) return checkNumber(opt, field, tn);
      return extra?.has(key) ? readNumber(extra, key, tn, false) : undefined;
    };
    let npts = pick(opts.npts, "npts", "npts");
    const dt = pick(opts.dt, "delta", "dt") ?? 1;
    const t0 = pick(opts.t0, "starttime", "t0") ?? 0;
    const data = this.#checkData(opts.data, npts, opts.npts !== undefined ? "npts" : "metadata npts");
    if (npts === undefined) npts = data === undefined ? 0 : data.length / this.#ncomp;
    if (extra)
      for (const [k, v] of extra) if (!(SYNCED_KEYS as readonly string[]).includes(k)) this.md.put(k, v);
    this.#setSynced(npts, dt, t0, data);

    const tref = opts.tref ?? (extra?.get("time_standard") === "UTC" ? "UTC" : "Relative");
    if (!isTimeReference(tref))
      throw new MsPASSError(`${tn}: tref must be "UTC" or "Relative", got ${String(tref)}`, "Invalid");
    this.#tref = tref;
    if (opts.t0shift !== undefined) {
      if (tref !== "Relative")
        throw new MsPASSError(`${tn}: t0shift is only meaningful with tref "Relative"`, "Invalid");
      this.forceT0Shift(checkNumber(opts.t0shift, "t0shift", tn));
    }
    if (opts.live !== undefined && typeof opts.live !== "boolean")
      throw new MsPASSError(`${tn}: live must be a boolean`, "Invalid");
    this.#live = opts.live ?? true;
  }

  #checkData(data: unknown, npts: number | undefined, nptsField: string): Float64Array | undefined {
    if (data === undefined) return undefined;
    const tn = this.#typeName;
    if (!(data instanceof Float64Array))
      throw new MsPASSError(`${tn}: data must be a Float64Array, got ${describeValue(data)}`, "Invalid");
    if (npts !== undefined) {
      if (data.length !== npts * this.#ncomp) {
        const want = this.#ncomp === 1 ? `npts = ${npts}` : `${this.#ncomp} × npts = ${npts * this.#ncomp}`;
        throw new MsPASSError(
          `${tn}: data length ${data.length} does not match ${want} (${nptsField})`,
          "Invalid",
        );
      }
    } else if (data.length % this.#ncomp !== 0) {
      throw new MsPASSError(
        `${tn}: data length ${data.length} is not a multiple of ${this.#ncomp}`,
        "Invalid",
      );
    }
    return data;
  }

  #setSynced(npts: number, dt: number, t0: number, data: Float64Array | undefined): void {
    // Validate all three before touching state so a bad argument leaves nothing half-built.
    this.#validate("npts", npts);
    this.#validate("delta", dt);
    this.#validate("starttime", t0);
    if (data !== undefined) this._data = data;
    this.md.put("npts", npts).put("delta", dt).put("starttime", t0);
  }

  #markModified(key: string): void {
    // Re-putting the same value is the only public way to mark a key modified.
    this.md.put(key, this.md.get(key) as MetadataValue);
  }

  #validate(key: string, value: unknown): number {
    const problem = syncedProblem(this.#typeName, key, value);
    if (problem !== undefined) throw new MsPASSError(problem, "Invalid");
    return value as number;
  }

  /**
   * Internal (the data codec's decoder, on a datum built with `BLANK`): the
   * state a frame carries, taken as it is. The caller has checked that the
   * Metadata it gives the datum holds valid synced keys matching `data`.
   */
  [RESTORE](
    data: Float64Array,
    live: boolean,
    utc: boolean,
    shift: number | undefined,
    abortion: boolean,
  ): void {
    this._data = data;
    this.#live = live;
    this.#tref = utc ? "UTC" : "Relative";
    if (shift !== undefined) {
      this.#t0shift = shift;
      this.#t0shiftValid = true;
    }
    this.isAbortion = abortion;
  }

  /** Metadata guard: validate, and resize the buffer when npts changes. */
  #guard(key: string, value: unknown): MetadataValue {
    const v = this.#validate(key, value);
    if (key === "npts" && v * this.#ncomp !== this._data.length) this._data = this.resized(v);
    return v;
  }

  /** A buffer for `n` samples per component holding the current leading samples. */
  protected abstract resized(n: number): Float64Array;
}

function checkNumber(v: unknown, field: string, tn: string): number {
  if (typeof v !== "number" || !Number.isFinite(v)) {
    throw new MsPASSError(
      `${tn}: ${field} must be a finite number, got ${describeValue(v)} ${String(v)}`,
      "Invalid",
    );
  }
  return v;
}

/** Read a number from Metadata (bson numeric wrappers accepted); undefined if absent and optional. */
function readNumber(md: Metadata, key: string, tn: string, required: boolean): number | undefined {
  if (!md.has(key)) {
    if (required) throw new MsPASSError(`${tn}: required Metadata key "${key}" is missing`, "Invalid");
    return undefined;
  }
  try {
    return key === "npts" ? md.getInt(key) : md.getDouble(key);
  } catch (e) {
    throw new MsPASSError(
      `${tn}: Metadata key "${key}" is not a valid ${key === "npts" ? "integer" : "number"}: ${(e as Error).message}`,
      "Invalid",
    );
  }
}
