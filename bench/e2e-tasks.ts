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

/** The whole 3-C sample block minus its mean (as mspasspy_e2e.py's numpy demean of the dmatrix): the same loop over `data`. */
export const demeanSeismogram = demean as unknown as (d: Seismogram) => Seismogram;

/** The live members of an ensemble (what the miniSEED workload's read returns per file). */
export function liveMembers(e: TimeSeriesEnsemble): number {
  return e.member.filter((d) => d.live).length;
}
