/**
 * Task functions of bench/e2e.bench.ts (compiled to bench/out/e2e-tasks.js;
 * the workers import it). The atomic demean is parallel-tasks.ts's.
 */
import type { Seismogram, TimeSeriesEnsemble } from "mspass";
import { demean } from "./parallel-tasks.js";

export { demean };

export function demeanEnsemble(e: TimeSeriesEnsemble): TimeSeriesEnsemble {
  for (const d of e.member) demean(d);
  return e;
}

/** The whole 3-C sample block minus its mean (as mspasspy_e2e.py's numpy demean of the dmatrix). */
export function demeanSeismogram(d: Seismogram): Seismogram {
  if (d.live && d.npts > 0) {
    const x = d.data;
    let s = 0;
    for (let i = 0; i < x.length; i++) s += x[i]!;
    const m = s / x.length;
    for (let i = 0; i < x.length; i++) x[i] = x[i]! - m;
  }
  return d;
}
