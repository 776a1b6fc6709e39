/** Processing algorithms (MsPASS's signal processing), in place on the samples. */
export {
  detrend,
  taper,
  filter,
  scale,
  DETREND_TYPES,
  TAPER_TYPES,
  TAPER_SIDES,
  FILTER_TYPES,
  SCALE_METHODS,
} from "./signal.js";
export type {
  DetrendOptions,
  DetrendType,
  TaperOptions,
  TaperType,
  TaperSide,
  FilterOptions,
  FilterType,
  ScaleOptions,
  ScaleMethod,
} from "./signal.js";
export { windowData, SHORT_SEGMENT_HANDLING } from "./window.js";
export type { WindowDataOptions, ShortSegmentHandling } from "./window.js";
export { ator, rtoa } from "./time.js";
export { decimate, resample } from "./resampling.js";
export type { DecimateOptions } from "./resampling.js";
export type { HistoryOptions, MsPASSData } from "./apply.js";
export { rotateToStandard, extractComponent, freeSurfaceTransformation } from "./three-component.js";
export type { FreeSurfaceTransformationOptions, SlownessVector } from "./three-component.js";
export { bundleSeedData } from "./bundle.js";
export { algorithms } from "./tasks.js";
