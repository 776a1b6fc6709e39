/**
 * Ready task references to the processing functions, for bags on any
 * scheduler: `bag.map(algorithms.filter, { type: "bandpass", freqmin: 1,
 * freqmax: 5 })`. Each names an export of the `mspass` package itself, which
 * every worker (thread or Redis worker process) can import, so a workflow
 * needs no tasks module of its own. Extra `map` arguments follow the datum,
 * as in the direct call (`bag.map(algorithms.windowData, -10, 60, { t0shift:
 * "origin_time" })`).
 */
import { task, type TaskRef } from "../scheduler/task-ref.js";
import type { ator, rtoa } from "./time.js";
import type { detrend, filter, scale, taper } from "./signal.js";
import type { windowData } from "./window.js";
import type { decimate, resample } from "./resampling.js";
import type { bundleSeedData } from "./bundle.js";
import type { extractComponent, freeSurfaceTransformation, rotateToStandard } from "./three-component.js";

const ref = <F extends (...args: never[]) => unknown>(name: string): TaskRef<F> => task<F>("mspass", name);

export const algorithms = Object.freeze({
  detrend: ref<typeof detrend>("detrend"),
  taper: ref<typeof taper>("taper"),
  filter: ref<typeof filter>("filter"),
  scale: ref<typeof scale>("scale"),
  windowData: ref<typeof windowData>("windowData"),
  ator: ref<typeof ator>("ator"),
  rtoa: ref<typeof rtoa>("rtoa"),
  decimate: ref<typeof decimate>("decimate"),
  resample: ref<typeof resample>("resample"),
  rotateToStandard: ref<typeof rotateToStandard>("rotateToStandard"),
  extractComponent: ref<typeof extractComponent>("extractComponent"),
  freeSurfaceTransformation: ref<typeof freeSurfaceTransformation>("freeSurfaceTransformation"),
  bundleSeedData: ref<typeof bundleSeedData>("bundleSeedData"),
});
