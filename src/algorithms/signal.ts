/**
 * Sample-level processing in the Rust core, in place on each datum's
 * Float64Array: detrend, taper and filter follow obspy's Trace methods (with
 * obspy's parameter names in camelCase); scale follows MsPASS's `scale`.
 * A Seismogram is processed component by component.
 */
import { MsPASSError } from "../errors.js";
import { native } from "../native.js";
import {
  applyEach,
  checkOptions,
  choiceOption,
  isAtomic,
  ncomp,
  numberOption,
  type Atomic,
  type HistoryOptions,
  type MsPASSData,
} from "./apply.js";

export const DETREND_TYPES = ["linear", "constant", "demean", "simple"] as const;
export type DetrendType = (typeof DETREND_TYPES)[number];

export interface DetrendOptions extends HistoryOptions {
  /** Default "linear" (obspy's default). */
  type?: DetrendType;
}

/** Remove a trend (obspy `Trace.detrend`): least-squares line, mean, or first-to-last line ("simple"). */
export function detrend<D extends MsPASSData>(d: D, options?: DetrendOptions): D {
  const o = checkOptions<DetrendOptions>("detrend", options, ["type"]);
  const type = choiceOption("detrend", "type", o.type, DETREND_TYPES, "linear");
  return applyEach("detrend", d, o, (x) => native.algDetrend(x.data, ncomp(x), type));
}

export const TAPER_TYPES = ["hann", "hanning", "hamming", "blackman", "bartlett", "cosine"] as const;
export type TaperType = (typeof TAPER_TYPES)[number];
export const TAPER_SIDES = ["both", "left", "right"] as const;
export type TaperSide = (typeof TAPER_SIDES)[number];

export interface TaperOptions extends HistoryOptions {
  /** Fraction of the trace tapered on each side (0.05 = 5 %); null for no limit (obspy's max_percentage). */
  maxPercentage: number | null;
  /** Window type (default "hann"). */
  type?: TaperType;
  /** Longest taper per side in seconds (obspy's max_length). */
  maxLength?: number;
  /** Default "both". */
  side?: TaperSide;
}

/** Taper the ends (obspy `Trace.taper`). */
export function taper<D extends MsPASSData>(d: D, options: TaperOptions): D {
  const o = checkOptions<TaperOptions>("taper", options, ["maxPercentage", "type", "maxLength", "side"]);
  if (!("maxPercentage" in o))
    throw new MsPASSError("taper: maxPercentage is required (a fraction, or null for no limit)", "Invalid");
  const pct =
    o.maxPercentage === null
      ? undefined
      : numberOption("taper", "maxPercentage", o.maxPercentage, (x) => x >= 0, "a number >= 0 or null");
  const maxLength = numberOption(
    "taper",
    "maxLength",
    o.maxLength,
    (x) => x >= 0,
    "a number of seconds >= 0",
  );
  const type = choiceOption("taper", "type", o.type, TAPER_TYPES, "hann");
  const side = choiceOption("taper", "side", o.side, TAPER_SIDES, "both");
  return applyEach("taper", d, o, (x) =>
    native.algTaper(
      x.data,
      ncomp(x),
      type,
      side,
      pct,
      maxLength === undefined ? undefined : maxLength / x.dt,
    ),
  );
}

export const FILTER_TYPES = ["bandpass", "bandstop", "lowpass", "highpass"] as const;
export type FilterType = (typeof FILTER_TYPES)[number];

export interface FilterOptions extends HistoryOptions {
  type: FilterType;
  /** Corner of a lowpass or highpass, Hz. */
  freq?: number;
  /** Low corner of a bandpass or bandstop, Hz. */
  freqmin?: number;
  /** High corner of a bandpass or bandstop, Hz. */
  freqmax?: number;
  /** Butterworth order (default 4). */
  corners?: number;
  /** Run forward and backward: no phase shift, twice the order (default false). */
  zerophase?: boolean;
}

/**
 * Butterworth filter as obspy's `Trace.filter` (scipy iirfilter → zpk2sos →
 * sosfilt). A bandpass whose freqmax reaches Nyquist becomes a highpass, as
 * in obspy; a corner at or above a datum's Nyquist kills that datum.
 */
export function filter<D extends MsPASSData>(d: D, options: FilterOptions): D {
  const o = checkOptions<FilterOptions>("filter", options, [
    "type",
    "freq",
    "freqmin",
    "freqmax",
    "corners",
    "zerophase",
  ]);
  if (o.type === undefined)
    throw new MsPASSError(`filter: type is required (${FILTER_TYPES.join(", ")})`, "Invalid");
  const kind = choiceOption("filter", "type", o.type, FILTER_TYPES, "bandpass");
  const positive = (x: number) => x > 0;
  const freq = numberOption("filter", "freq", o.freq, positive, "a frequency > 0");
  const freqmin = numberOption("filter", "freqmin", o.freqmin, positive, "a frequency > 0");
  const freqmax = numberOption("filter", "freqmax", o.freqmax, positive, "a frequency > 0");
  const corners =
    numberOption(
      "filter",
      "corners",
      o.corners,
      (x) => Number.isInteger(x) && x >= 1 && x <= 32,
      "an integer 1..32",
    ) ?? 4;
  if (o.zerophase !== undefined && typeof o.zerophase !== "boolean")
    throw new MsPASSError("filter: zerophase must be a boolean", "Invalid");
  const band = kind === "bandpass" || kind === "bandstop";
  if (band ? freqmin === undefined || freqmax === undefined : freq === undefined) {
    throw new MsPASSError(`filter: type ${kind} needs ${band ? "freqmin and freqmax" : "freq"}`, "Invalid");
  }
  const zerophase = o.zerophase ?? false;
  return applyEach("filter", d, o, (x) =>
    native.algFilter(x.data, ncomp(x), {
      kind,
      freq,
      freqmin,
      freqmax,
      samplingRate: 1 / x.dt,
      corners,
      zerophase,
    }),
  );
}

export const SCALE_METHODS = ["peak", "rms", "RMS", "perc", "mad", "MAD"] as const;
export type ScaleMethod = (typeof SCALE_METHODS)[number];

export interface ScaleOptions extends HistoryOptions {
  /** Amplitude measure (default "peak"). */
  method?: ScaleMethod;
  /** Target amplitude; for "perc", the clip fraction in (0, 1] (default 1). */
  level?: number;
  /** Measure the amplitude inside `window` only (default false). */
  computeFromWindow?: boolean;
  /**
   * Time range of the amplitude measurement (MsPASS's TimeWindow, on each
   * datum's own time axis), clipped to the data; a reversed window
   * (start > end) means the whole datum.
   */
  window?: { start: number; end: number };
  /** Ensembles only: one gain for all members, from their typical amplitude (default false). */
  scaleBySection?: boolean;
  /** With scaleBySection: the mean of the members' log amplitudes instead of their median (default false). */
  useMean?: boolean;
}

/** Metadata key MsPASS posts each measured amplitude under, per method. */
const AMPLITUDE_KEY: Record<string, string> = {
  peak: "amplitude",
  rms: "rms_amplitude",
  perc: "perc_amplitude",
  mad: "mad_amplitude",
};

/** Multiply the samples by `factor` and divide calib by it, so calib·samples keeps the original units. */
function gain(x: Atomic, factor: number): void {
  native.algScaleBy(x.data, factor);
  const calib = x.md.has("calib") ? Number(x.md.get("calib")) : 1;
  x.md.put("calib", calib / factor);
}

/** The samples of `x` inside [start, end] (clipped to the data), component-major; as MsPASS's WindowData. */
function windowSamples(x: Atomic, start: number, end: number): Float64Array {
  const from = Math.max(start, x.t0);
  const to = Math.min(end, x.endtime());
  if (from > to)
    throw new MsPASSError(
      `amplitude measurement window [${start}, ${end}] has no intersection with data range [${x.t0}, ${x.endtime()}]`,
      "Invalid",
    );
  const n = x.npts;
  const first = Math.max(0, Math.round((from - x.t0) / x.dt));
  const m = Math.min(n - first, Math.round((to - from) / x.dt) + 1);
  const k = ncomp(x);
  const out = new Float64Array(k * m);
  for (let c = 0; c < k; c++) out.set(x.data.subarray(c * n + first, c * n + first + m), c * m);
  return out;
}

/**
 * MsPASS's `scale`: measure each datum's amplitude (over `window` with
 * computeFromWindow), multiply the samples by level/amplitude, divide
 * `calib` by the same factor and post the amplitude under amplitude |
 * rms_amplitude | perc_amplitude | mad_amplitude. An all-zero datum, or a
 * window outside the data, is killed. With `scaleBySection` an ensemble gets
 * one factor for all its live members, from the median (or, with useMean,
 * the mean) of their log amplitudes; the amplitude is then posted in the
 * ensemble's Metadata and the window is not used, as in MsPASS.
 */
export function scale<D extends MsPASSData>(d: D, options: ScaleOptions = {}): D {
  const o = checkOptions<ScaleOptions>("scale", options, [
    "method",
    "level",
    "computeFromWindow",
    "window",
    "scaleBySection",
    "useMean",
  ]);
  const method = choiceOption("scale", "method", o.method, SCALE_METHODS, "peak").toLowerCase();
  const level =
    numberOption(
      "scale",
      "level",
      o.level,
      (x) => x > 0 && (method !== "perc" || x <= 1),
      method === "perc" ? "a fraction in (0, 1]" : "a number > 0",
    ) ?? 1;
  for (const k of ["computeFromWindow", "scaleBySection", "useMean"] as const)
    if (o[k] !== undefined && typeof o[k] !== "boolean")
      throw new MsPASSError(`scale: ${k} must be a boolean`, "Invalid");
  let window: { start: number; end: number } | undefined;
  if (o.computeFromWindow === true) {
    const w = o.window as { start?: unknown; end?: unknown } | undefined;
    if (typeof w !== "object" || w === null)
      throw new MsPASSError("scale: computeFromWindow needs window: { start, end } (seconds)", "Invalid");
    numberOption("scale", "window.start", w.start);
    numberOption("scale", "window.end", w.end);
    if (w.start === undefined || w.end === undefined)
      throw new MsPASSError("scale: window needs start and end (seconds)", "Invalid");
    if ((w.start as number) <= (w.end as number)) window = w as { start: number; end: number };
  } else if (o.window !== undefined) {
    throw new MsPASSError("scale: window is used only with computeFromWindow: true", "Invalid");
  }
  const key = AMPLITUDE_KEY[method]!;
  const measure = (x: Atomic) =>
    native.algAmplitude(
      window === undefined ? x.data : windowSamples(x, window.start, window.end),
      ncomp(x),
      method,
      level,
    );
  if (o.scaleBySection === true && !isAtomic(d)) {
    if (d.dead) return d;
    const logs = d.member
      .filter((x) => x.live)
      .map((x) => Math.log(native.algAmplitude(x.data, ncomp(x), method, level)))
      .filter(Number.isFinite)
      .sort((a, b) => a - b);
    if (logs.length === 0) return d;
    const h = logs.length >> 1;
    const avg = Math.exp(
      o.useMean === true
        ? logs.reduce((a, b) => a + b, 0) / logs.length
        : logs.length % 2 === 1
          ? logs[h]!
          : (logs[h - 1]! + logs[h]!) / 2,
    );
    d.md.put(key, avg);
    return applyEach("scale", d, o, (x) => gain(x, level / avg));
  }
  return applyEach("scale", d, o, (x) => {
    const amp = measure(x);
    if (!(amp > 0)) throw new MsPASSError("Data array is all 0s and cannot be scaled", "Invalid");
    gain(x, level / amp);
    x.md.put(key, amp);
  });
}
