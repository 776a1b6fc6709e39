/**
 * Sample values a save keeps but the user should hear about, as elog
 * warnings (Complaint) on the datum, saved with it: NaN or infinite samples,
 * and miniSEED output that cannot be Steim2 (so it is written as FLOAT64).
 */
import type { TimeSeries } from "../data/time-series.js";
import type { Seismogram } from "../data/seismogram.js";
import { mseedEncodingFor } from "./storage/mseed.js";

/**
 * True when every sample is finite: x - x is 0 for a finite x and NaN for a
 * NaN or an infinity, and a NaN stays in a sum. Four independent sums, no
 * branch: about 3x faster than classifying each sample, which only the rare
 * datum with a non-finite sample then pays.
 */
function allFinite(data: Float64Array): boolean {
  let a = 0;
  let b = 0;
  let c = 0;
  let e = 0;
  const n = data.length - (data.length % 4);
  let i = 0;
  for (; i < n; i += 4) {
    a += data[i]! - data[i]!;
    b += data[i + 1]! - data[i + 1]!;
    c += data[i + 2]! - data[i + 2]!;
    e += data[i + 3]! - data[i + 3]!;
  }
  for (; i < data.length; i++) a += data[i]! - data[i]!;
  return a + b + c + e === 0;
}

export function logSampleWarnings(d: TimeSeries | Seismogram, alg: string, format: string | undefined): void {
  const data = d.data;
  if (!allFinite(data)) {
    let nan = 0;
    let inf = 0;
    for (let i = 0; i < data.length; i++) {
      const v = data[i]!;
      if (Number.isNaN(v)) nan++;
      else if (v === Infinity || v === -Infinity) inf++;
    }
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
