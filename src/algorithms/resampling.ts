/**
 * Changing the sampling rate, as obspy's Trace methods (MsPASS wraps the
 * same scipy/obspy operations in ScipyDecimator and ScipyResampler):
 * `decimate` keeps every factor-th sample after obspy's Chebyshev II
 * anti-alias lowpass; `resample` is obspy's Hann-weighted Fourier
 * resampling. Both keep t0 and set the new dt; the datum gets a new,
 * shorter (or longer) sample buffer.
 */
import { MsPASSError } from "../errors.js";
import { native } from "../native.js";
import {
  applyEach,
  checkOptions,
  ncomp,
  numberOption,
  type HistoryOptions,
  type MsPASSData,
} from "./apply.js";

export interface DecimateOptions extends HistoryOptions {
  /** Skip the anti-alias filter (obspy's no_filter; default false). */
  noFilter?: boolean;
}

/** Keep every `factor`-th sample (obspy `Trace.decimate`); factors above 16 need `noFilter`. */
export function decimate<D extends MsPASSData>(d: D, factor: number, options: DecimateOptions = {}): D {
  const o = checkOptions<DecimateOptions>("decimate", options, ["noFilter"]);
  numberOption("decimate", "factor", factor, (x) => Number.isInteger(x) && x >= 1, "an integer >= 1");
  if (o.noFilter !== undefined && typeof o.noFilter !== "boolean")
    throw new MsPASSError("decimate: noFilter must be a boolean", "Invalid");
  const noFilter = o.noFilter ?? false;
  return applyEach("decimate", d, o, (x) => {
    const k = ncomp(x);
    const dt = x.dt;
    const m = native.algDecimate(x.data, k, factor, 1 / dt, noFilter);
    x.data = x.data.slice(0, k * m);
    x.dt = dt * factor;
  });
}

/** Resample to `samplingRate` Hz (obspy `Trace.resample`, window "hann", no filter). */
export function resample<D extends MsPASSData>(d: D, samplingRate: number, options: HistoryOptions = {}): D {
  const o = checkOptions<HistoryOptions>("resample", options, []);
  numberOption("resample", "samplingRate", samplingRate, (x) => x > 0, "a rate in Hz > 0");
  return applyEach("resample", d, o, (x) => {
    x.data = native.algResample(x.data, ncomp(x), 1 / x.dt, samplingRate);
    x.dt = 1 / samplingRate;
  });
}
