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
  ncomp,
  numberOption,
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
}

/** Metadata key MsPASS posts each measured amplitude under, per method. */
const AMPLITUDE_KEY: Record<string, string> = {
  peak: "amplitude",
  rms: "rms_amplitude",
  perc: "perc_amplitude",
  mad: "mad_amplitude",
};

/**
 * MsPASS's `scale` of each datum on its own: measure the amplitude, multiply
 * the samples by level/amplitude, divide `calib` by the same factor (so
 * calib·samples keeps the original units) and post the amplitude under
 * amplitude | rms_amplitude | perc_amplitude | mad_amplitude. An all-zero
 * datum is killed, as in MsPASS.
 */
export function scale<D extends MsPASSData>(d: D, options: ScaleOptions = {}): D {
  const o = checkOptions<ScaleOptions>("scale", options, ["method", "level"]);
  const method = choiceOption("scale", "method", o.method, SCALE_METHODS, "peak").toLowerCase();
  const level =
    numberOption(
      "scale",
      "level",
      o.level,
      (x) => x > 0 && (method !== "perc" || x <= 1),
      method === "perc" ? "a fraction in (0, 1]" : "a number > 0",
    ) ?? 1;
  return applyEach("scale", d, o, (x) => {
    const amp = native.algAmplitude(x.data, ncomp(x), method, level);
    if (!(amp > 0)) throw new MsPASSError("Data array is all 0s and cannot be scaled", "Invalid");
    const factor = level / amp;
    native.algScaleBy(x.data, factor);
    const calib = x.md.has("calib") ? Number(x.md.get("calib")) : 1;
    x.md.put("calib", calib / factor);
    x.md.put(AMPLITUDE_KEY[method]!, amp);
  });
}
