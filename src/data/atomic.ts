import type { Seismogram } from "./seismogram.js";
import type { TimeSeries } from "./time-series.js";

/** One datum (MsPASS's "atomic" data objects), as opposed to an ensemble. */
export type Atomic = TimeSeries | Seismogram;
