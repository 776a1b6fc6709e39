/**
 * Sample values a save keeps but the user should hear about, as elog
 * warnings (Complaint) on the datum, saved with it: NaN or infinite samples,
 * and miniSEED output that cannot be Steim2 (so it is written as FLOAT64).
 */
import type { TimeSeries } from "../data/time-series.js";
import type { Seismogram } from "../data/seismogram.js";
import { mseedEncodingFor } from "./storage/mseed.js";

export function logSampleWarnings(d: TimeSeries | Seismogram, alg: string, format: string | undefined): void {
  const data = d.data;
  let nan = 0;
  let inf = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (Number.isNaN(v)) nan++;
    else if (v === Infinity || v === -Infinity) inf++;
  }
  if (nan + inf > 0) {
    d.elog.log(
      alg,
      `${nan} NaN and ${inf} infinite sample(s) of ${data.length} were saved as they are; most processing will spread them`,
      "Complaint",
    );
  }
  if (format === "mseed" && mseedEncodingFor(data) === "float64") {
    d.elog.log(
      alg,
      "samples are not all integers in int32 range, so the miniSEED records are FLOAT64, not Steim2 (8 bytes a sample, and not every SEED reader takes them)",
      "Complaint",
    );
  }
}
