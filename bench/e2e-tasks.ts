/**
 * Task functions of bench/e2e.bench.ts (compiled to bench/out/e2e-tasks.js;
 * the workers import it). The atomic demean is parallel-tasks.ts's.
 */
import type { TimeSeriesEnsemble } from "mspass";
import { demean } from "./parallel-tasks.js";

export { demean };

export function demeanEnsemble(e: TimeSeriesEnsemble): TimeSeriesEnsemble {
  for (const d of e.member) demean(d);
  return e;
}
