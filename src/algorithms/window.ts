/**
 * MsPASS's WindowData: cut a datum to the time range [start, end] (of its
 * own time axis), optionally shifted by `t0shift` (a number, or a Metadata
 * key whose value is the shift, e.g. an origin time). The sample range and
 * the new t0 follow MsPASS's C++ exactly (first sample = round((start −
 * t0)/dt), npts = round((end − start)/dt) + 1, t0 keeps the sub-sample
 * timing of the parent). The datum is cut in place: it keeps its Metadata,
 * elog and history and gets a new, shorter sample buffer.
 *
 * A window not entirely inside the data is a "short segment": "kill" (the
 * default) kills it, "truncate" cuts to the overlap, "pad" zero-fills the
 * missing part; a window with no overlap always kills (npts becomes 0).
 */
import { MsPASSError } from "../errors.js";
import {
  applyEach,
  checkOptions,
  choiceOption,
  ncomp,
  numberOption,
  type Atomic,
  type HistoryOptions,
  type MsPASSData,
} from "./apply.js";

export const SHORT_SEGMENT_HANDLING = ["kill", "truncate", "pad"] as const;
export type ShortSegmentHandling = (typeof SHORT_SEGMENT_HANDLING)[number];

export interface WindowDataOptions extends HistoryOptions {
  /** Shift applied to start and end: seconds, or a Metadata key holding them. */
  t0shift?: number | string;
  /** Default "kill". */
  shortSegmentHandling?: ShortSegmentHandling;
  /** Log a Complaint when a short segment is truncated or padded (default true). */
  logRecoverableErrors?: boolean;
}

const ALG = "WindowData";

export function windowData<D extends MsPASSData>(
  d: D,
  start: number,
  end: number,
  options: WindowDataOptions = {},
): D {
  const o = checkOptions<WindowDataOptions>("windowData", options, [
    "t0shift",
    "shortSegmentHandling",
    "logRecoverableErrors",
  ]);
  numberOption("windowData", "start", start);
  numberOption("windowData", "end", end);
  if (typeof start !== "number" || typeof end !== "number")
    throw new MsPASSError("windowData: start and end must be numbers (seconds)", "Invalid");
  if (!(end >= start))
    throw new MsPASSError(`windowData: end (${end}) must not be before start (${start})`, "Invalid");
  const handling = choiceOption(
    "windowData",
    "shortSegmentHandling",
    o.shortSegmentHandling,
    SHORT_SEGMENT_HANDLING,
    "kill",
  );
  if (o.t0shift !== undefined && typeof o.t0shift !== "string")
    numberOption("windowData", "t0shift", o.t0shift);
  const logRecoverable = o.logRecoverableErrors ?? true;
  if (typeof logRecoverable !== "boolean")
    throw new MsPASSError("windowData: logRecoverableErrors must be a boolean", "Invalid");
  return applyEach(o.algName ?? ALG, d, o, (x) =>
    windowAtomic(x, start, end, o.t0shift, handling, logRecoverable),
  );
}

function windowAtomic(
  x: Atomic,
  start: number,
  end: number,
  t0shift: number | string | undefined,
  handling: ShortSegmentHandling,
  logRecoverable: boolean,
): void {
  let shift = 0;
  if (typeof t0shift === "string") {
    const v = x.md.get(t0shift);
    if (typeof v !== "number" || !Number.isFinite(v)) {
      throw new MsPASSError(
        `t0shift key "${t0shift}" is not a number in this datum's Metadata (got ${String(v)})`,
        "Invalid",
      );
    }
    shift = v;
  } else if (t0shift !== undefined) shift = t0shift;
  const want = { start: start + shift, end: end + shift };
  const cut = { ...want };
  const range = () =>
    `Window range: ${cut.start} < t < ${cut.end}  Data range:  ${x.t0} < t < ${x.endtime()}`;
  if (cut.end < x.t0 || cut.start > x.endtime()) {
    x.data = new Float64Array(0);
    throw new MsPASSError(
      `Data time range is outside the time range window time range\n${range()}`,
      "Invalid",
    );
  }
  let short = false;
  if (handling !== "kill") {
    if (cut.start < x.t0 - x.dt / 2) {
      if (logRecoverable)
        x.elog.log(
          ALG,
          `Window start time is less than data start time\n${range()}\nSetting window start time to data start time=${x.t0}`,
          "Complaint",
        );
      cut.start = x.t0;
      short = true;
    }
    if (cut.end > x.endtime() + x.dt / 2) {
      if (logRecoverable)
        x.elog.log(
          ALG,
          `Window end time is after data end time\n${range()}\nSetting window end time to data end time=${x.endtime()}`,
          "Complaint",
        );
      cut.end = x.endtime();
      short = true;
    }
  }
  const is = Math.round((cut.start - x.t0) / x.dt);
  const outns = Math.round((cut.end - cut.start) / x.dt) + 1;
  const ie = is + outns - 1;
  const npts = x.npts;
  if (is < 0 || ie > npts) {
    x.data = new Float64Array(0);
    throw new MsPASSError(
      `WindowData: Window mismatch\nWindow start time=${cut.start} is sample number ${is}\nWindow end time=${cut.end} is sample number ${ie}\nParent has ${npts} samples`,
      "Invalid",
    );
  }
  const k = ncomp(x);
  let t0 = x.t0 + x.dt * is;
  let outN = outns;
  let at = 0;
  if (short && handling === "pad") {
    // As MsPASS: the padded datum starts at the sample of the requested start
    // on the parent's grid and spans the requested window.
    const first = Math.round((want.start - t0) / x.dt);
    const padT0 = t0 + first * x.dt;
    outN = Math.round((want.end - padT0) / x.dt) + 1;
    at = Math.round((t0 - padT0) / x.dt);
    t0 = padT0;
  }
  const out = new Float64Array(k * outN);
  const copy = Math.max(0, Math.min(outns, npts - is, outN - at));
  for (let c = 0; c < k; c++) out.set(x.data.subarray(c * npts + is, c * npts + is + copy), c * outN + at);
  x.data = out;
  x.t0 = t0;
}
