/**
 * storage_mode "file", format "mseed" (and the miniSEED bytes an S3 object
 * holds).
 *
 * Writing: the file-mode miniSEED writer (`saveData(d, { storageMode: "file",
 * format: "mseed" })`): each datum is packed by the core's libmseed packer
 * (`encodeMseed`, miniSEED 2, 4096-byte records) and its records are written
 * to `dir/dfile`; the wf document says `format: "mseed"` with the segment's
 * `foff` and `nbytes`, which is what `readData` (and MsPASS's
 * `_read_data_from_dfile`) reads back.
 *
 * Encoding: Steim2 when every sample is an integer in int32 range (then it is
 * exact, and the compact encoding every SEED reader knows); otherwise
 * FLOAT64, as obspy writes float64 data unless told otherwise. Nothing is
 * ever rounded.
 *
 * Reading: the core decodes and merges a member's segment as MsPASS's
 * `_read_data_from_dfile` does (`obspy.read` + `Stream.merge`, `st[0]`);
 * `applyMseedHeader` then says what that changed:
 * - where obspy's npts, starttime (compared exactly) or delta differ from the
 *   document, a Complaint is logged and obspy's value is used;
 * - a segment obspy splits into several traces (gaps, overlaps) logs a
 *   Complaint that it was merged;
 * - gaps left unfilled (`mergeFillValue` absent) are zeros in the samples,
 *   and the datum gets `has_gap: true` and `gaps: [{starttime, endtime}]`,
 *   the keys MsPASS's `window.merge(zero_gaps=True)` sets. (MsPASS's
 *   read_data itself copies obspy's masked fill values — INT_MIN or NaN — as
 *   samples; see docs/compatibility.md.)
 */
import { randomUUID } from "node:crypto";
import path from "node:path";
import { native, toMsPASSError } from "../../native.js";
import type { TimeSeries } from "../../data/time-series.js";
import type { Seismogram } from "../../data/seismogram.js";
import type { Metadata } from "../../data/metadata.js";
import type { LogEntry } from "../../data/error-logger.js";
import { int, type SampleWriter } from "./types.js";
import { groupByPlacement } from "./file.js";

const INT32_MIN = -2_147_483_648;
const INT32_MAX = 2_147_483_647;

/** miniSEED 2 code lengths (network, station, location, channel). */
const CODE_LIMITS = { net: 2, sta: 5, loc: 2, chan: 3 } as const;

function code(d: TimeSeries | Seismogram, key: keyof typeof CODE_LIMITS): string {
  const v = d.md.get(key);
  return typeof v === "string" ? v : "";
}

/**
 * Why a datum cannot be written as miniSEED (it is then killed with this
 * reason in its elog, before anything is written), or undefined.
 */
export function mseedUnwritable(
  d: TimeSeries | Seismogram,
  dataType: "TimeSeries" | "Seismogram",
): string | undefined {
  if (dataType !== "TimeSeries")
    return 'miniSEED holds one channel per trace: only a TimeSeries can be saved with format "mseed"';
  if (code(d, "chan") === "") return 'format "mseed" needs a channel code (Metadata chan)';
  for (const k of Object.keys(CODE_LIMITS) as Array<keyof typeof CODE_LIMITS>) {
    const v = code(d, k);
    if (v.length > CODE_LIMITS[k] || !/^[\x20-\x7e]*$/.test(v)) {
      return `format "mseed": ${k}=${JSON.stringify(v)} is not a miniSEED 2 code (at most ${CODE_LIMITS[k]} ASCII characters)`;
    }
  }
  if (!(d.dt > 0) || !Number.isFinite(1 / d.dt))
    return `format "mseed" needs a positive sample interval, got delta=${d.dt}`;
  return undefined;
}

/** Steim2 when exact, else float64 (see the module comment). */
export function mseedEncodingFor(data: Float64Array): "steim2" | "float64" {
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (!Number.isInteger(v) || v < INT32_MIN || v > INT32_MAX) return "float64";
  }
  return "steim2";
}

export const writeMseedFiles: SampleWriter = async (live, ctx) => {
  const records: Array<Record<string, unknown>> = new Array(live.length);
  const appended: string[] = [];
  for (const { place, at } of groupByPlacement(live, ctx)) {
    const dir = path.resolve(place.dir);
    // A null dfile: one new file for the group, named like the binary writer's default.
    const dfile = place.dfile ?? `${randomUUID()}-mseed`;
    const parts: Buffer[] = [];
    try {
      for (const i of at) {
        const d = live[i]!.d as TimeSeries;
        parts.push(
          native.encodeMseed(
            d.data,
            code(d, "net"),
            code(d, "sta"),
            code(d, "loc"),
            code(d, "chan"),
            d.t0,
            1 / d.dt,
            {
              encoding: mseedEncodingFor(d.data),
            },
          ),
        );
      }
    } catch (err) {
      throw toMsPASSError(err, `${ctx.what}: packing miniSEED records`);
    }
    const file = path.join(dir, dfile);
    let start: number;
    try {
      // Under the core's cross-process file lock, as every file writer: the
      // offset is taken with the lock held, so writers in other processes or
      // hosts appending to this dfile never record the same foff. With a
      // start offset the group is written from there and the file cut to its end.
      start = await native.writeFileBytes(dir, dfile, Buffer.concat(parts), place.startOffset);
    } catch (err) {
      throw toMsPASSError(err, `${ctx.what}: writing ${file}`);
    }
    let foff = start;
    at.forEach((i, k) => {
      const nbytes = parts[k]!.length;
      records[i] = {
        storage_mode: "file",
        format: "mseed",
        dir,
        dfile,
        foff: int(foff),
        nbytes: int(nbytes),
      };
      foff += nbytes;
    });
    if (place.startOffset === undefined) appended.push(`${foff - start} bytes appended to ${file}`);
  }
  return {
    records,
    // Records appended to a file may sit between other writers' records: they stay, unreferenced.
    undo: async () => undefined,
    ...(appended.length > 0 ? { leftover: `(${appended.join(", ")} stay there, unreferenced)` } : {}),
  };
};

const ALG = "readData";

/** The core's report on one decoded miniSEED member (binding `MseedMemberInfo`). */
export interface MseedMemberInfo {
  index: number;
  starttime: number;
  samplingRate: number;
  pieces: number;
  otherIds: number;
  /** Records whose Steim integrity check failed. */
  integrityFailures: number;
  /** [start, end] pairs, flattened. */
  gaps: ArrayLike<number>;
}

/** `info` by member index, for a read whose result has an `mseed` column. */
export function mseedInfoByIndex(
  res: { mseed?: readonly MseedMemberInfo[] },
  shift = 0,
): Map<number, MseedMemberInfo> {
  const out = new Map<number, MseedMemberInfo>();
  for (const m of res.mseed ?? []) out.set(m.index + shift, m);
  return out;
}

function complaint(message: string): LogEntry {
  return { algorithm: ALG, message, badness: "Complaint" };
}

/**
 * Put obspy's header values in `md` (before the datum is built from it) and
 * return the elog entries saying what changed. `npts` is the decoded length.
 */
export function applyMseedHeader(md: Metadata, info: MseedMemberInfo, npts: number): LogEntry[] {
  const entries: LogEntry[] = [];
  if (info.pieces > 1) {
    entries.push(
      complaint(`the miniSEED segment has ${info.pieces} traces (gaps or overlaps); they were merged`),
    );
  }
  if (info.otherIds > 0) {
    entries.push(
      complaint(
        `${info.otherIds} trace(s) of another source id in the segment were left out (the first trace is kept)`,
      ),
    );
  }
  if (info.integrityFailures > 0) {
    entries.push(
      complaint(
        `${info.integrityFailures} miniSEED record(s) failed the Steim integrity check (last sample differs from the frame's ` +
          "reverse integration constant): the samples may be corrupted",
      ),
    );
  }
  const reset = (key: string, value: number, same: boolean) => {
    if (same) return;
    entries.push(
      complaint(
        `${key} of the document (${String(md.get(key))}) differs from the miniSEED data (${value}); the data's value is used`,
      ),
    );
    md.put(key, value);
  };
  reset("npts", npts, md.get("npts") === npts);
  reset("starttime", info.starttime, md.get("starttime") === info.starttime);
  const delta = 1 / info.samplingRate;
  const stored = md.get("delta");
  // delta is stored as 1/rate by the indexer; compare the rate it stands for, not the last bit.
  reset("delta", delta, typeof stored === "number" && Math.abs(stored * info.samplingRate - 1) < 1e-9);
  if (md.get("sampling_rate") !== undefined && md.get("sampling_rate") !== info.samplingRate)
    md.put("sampling_rate", info.samplingRate);
  if (info.gaps.length > 0) {
    const gaps: Array<{ starttime: number; endtime: number }> = [];
    for (let k = 0; k + 1 < info.gaps.length; k += 2)
      gaps.push({ starttime: info.gaps[k]!, endtime: info.gaps[k + 1]! });
    md.put("has_gap", true);
    md.put("gaps", gaps);
  }
  return entries;
}
