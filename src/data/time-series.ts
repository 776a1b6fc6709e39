/**
 * TimeSeries: one channel of uniformly sampled data (MsPASS's TimeSeries).
 * Samples are a Float64Array of `npts`; see BasicTimeSeries for the
 * Metadata/property sync rules.
 */
import { Metadata } from "./metadata.js";
import { BasicTimeSeries, type FromMetadataOptions, type TimeSeriesOptions } from "./basic-time-series.js";

export class TimeSeries extends BasicTimeSeries {
  /**
   * - `new TimeSeries()`: MsPASS default, dead, npts 0, dt 1, t0 0, Relative.
   * - `new TimeSeries({ npts, dt, t0, tref, t0shift, live, data, metadata })`: live by default;
   *   `data` is adopted without a copy.
   * - `new TimeSeries(md: Metadata)`: same as `TimeSeries.fromMetadata(md)`.
   * Bad arguments throw MsPASSError naming the field.
   */
  constructor(arg?: TimeSeriesOptions | Metadata) {
    super(1, "TimeSeries", arg);
  }

  /**
   * Build from a Metadata container or a wf document: `delta` and `starttime` are
   * required, `npts` defaults to the data length (or 0); time is Relative unless
   * `time_standard` is "UTC" (a `starttime_shift` on relative data makes it
   * convertible). All other keys are copied. `data` is adopted without a copy,
   * else the samples are zero-filled.
   */
  static fromMetadata(
    md: Metadata | Readonly<Record<string, unknown>>,
    options: FromMetadataOptions = {},
  ): TimeSeries {
    const ts = new TimeSeries();
    ts.initFromMetadata(md, options);
    return ts;
  }

  protected resized(n: number): Float64Array {
    const out = new Float64Array(n);
    out.set(this._data.subarray(0, Math.min(n, this._data.length)));
    return out;
  }
}
