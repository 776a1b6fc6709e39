/**
 * What `readData` does with a decoded miniSEED member (`format: "mseed"`),
 * after the core decoded and merged its segment as MsPASS's
 * `_read_data_from_dfile` does (`obspy.read` + `Stream.merge`, `st[0]`):
 *
 * - where obspy's npts, starttime (compared exactly) or delta differ from the
 *   document, a Complaint is logged and obspy's value is used;
 * - a segment obspy splits into several traces (gaps, overlaps) logs a
 *   Complaint that it was merged;
 * - gaps left unfilled (`mergeFillValue` absent) are zeros in the samples,
 *   and the datum gets `has_gap: true` and `gaps: [{starttime, endtime}]`,
 *   the keys MsPASS's `window.merge(zero_gaps=True)` sets. (MsPASS's
 *   read_data itself copies obspy's masked fill values — INT_MIN or NaN — as
 *   samples; see docs/compatibility.md.)
 * - a Steim record whose last reconstructed sample differs from its frame's
 *   reverse integration constant (a corrupted difference: the check libmseed
 *   and obspy make) logs a Complaint naming how many records failed. The
 *   datum stays live with the decoded samples, as obspy returns them with an
 *   InternalMSEEDWarning and MsPASS keeps what obspy returns; the elog entry
 *   is what tells the user (obspy's warning goes to stderr only).
 */
import type { Metadata } from "../data/metadata.js";
import type { LogEntry } from "../data/error-logger.js";

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
export function mseedInfoByIndex(res: { mseed?: readonly MseedMemberInfo[] }, shift = 0): Map<number, MseedMemberInfo> {
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
    entries.push(complaint(`the miniSEED segment has ${info.pieces} traces (gaps or overlaps); they were merged`));
  }
  if (info.otherIds > 0) {
    entries.push(complaint(`${info.otherIds} trace(s) of another source id in the segment were left out (the first trace is kept)`));
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
    entries.push(complaint(`${key} of the document (${String(md.get(key))}) differs from the miniSEED data (${value}); the data's value is used`));
    md.put(key, value);
  };
  reset("npts", npts, md.get("npts") === npts);
  reset("starttime", info.starttime, md.get("starttime") === info.starttime);
  const delta = 1 / info.samplingRate;
  const stored = md.get("delta");
  // delta is stored as 1/rate by the indexer; compare the rate it stands for, not the last bit.
  reset("delta", delta, typeof stored === "number" && Math.abs(stored * info.samplingRate - 1) < 1e-9);
  if (md.get("sampling_rate") !== undefined && md.get("sampling_rate") !== info.samplingRate) md.put("sampling_rate", info.samplingRate);
  if (info.gaps.length > 0) {
    const gaps: Array<{ starttime: number; endtime: number }> = [];
    for (let k = 0; k + 1 < info.gaps.length; k += 2) gaps.push({ starttime: info.gaps[k]!, endtime: info.gaps[k + 1]! });
    md.put("has_gap", true);
    md.put("gaps", gaps);
  }
  return entries;
}
