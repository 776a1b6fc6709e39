/**
 * MsPASS's ator/rtoa as processing functions: switch a datum (or every
 * member of an ensemble) between absolute (UTC) and relative time. Like the
 * datum methods they do nothing to dead data or data already in the target
 * standard; rtoa on relative data with no valid shift kills it.
 */
import { MsPASSError } from "../errors.js";
import { applyEach, checkOptions, type HistoryOptions, type MsPASSData } from "./apply.js";

/** UTC → relative time with origin `tshift` (epoch seconds). */
export function ator<D extends MsPASSData>(d: D, tshift: number, options?: HistoryOptions): D {
  const o = checkOptions<HistoryOptions>("ator", options, []);
  if (typeof tshift !== "number" || !Number.isFinite(tshift))
    throw new MsPASSError(`ator: tshift must be a finite number, got ${String(tshift)}`, "Invalid");
  return applyEach("ator", d, o, (x) => x.ator(tshift));
}

/** Relative → UTC time with the stored shift. */
export function rtoa<D extends MsPASSData>(d: D, options?: HistoryOptions): D {
  const o = checkOptions<HistoryOptions>("rtoa", options, []);
  return applyEach("rtoa", d, o, (x) => x.rtoa());
}
