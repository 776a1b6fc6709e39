/**
 * Abortions: data that could never be constructed (MsPASS's `is_abortion`).
 * A reader whose document fails the mode checks or cannot build a datum
 * returns one of these instead of throwing: a dead default datum carrying the
 * document's keys and the reasons in its elog.
 */
import { MsPASSError } from "../errors.js";
import type { LogEntry } from "./error-logger.js";
import { Metadata, type MetadataValue } from "./metadata.js";
import { SYNCED_KEYS } from "./basic-time-series.js";
import { Seismogram } from "./seismogram.js";
import { TimeSeries } from "./time-series.js";

/**
 * Dead, `isAbortion` datum of `type` holding the keys of `header`. Values of
 * `npts`/`delta`/`starttime` that the datum cannot hold (wrong type, negative…)
 * are left at the defaults, and the samples stay empty, so building an
 * abortion never throws for bad data. The entries are appended to its elog.
 */
export function makeAbortion(
  type: "TimeSeries" | "Seismogram",
  header: Metadata | Readonly<Record<string, unknown>>,
  entries: Iterable<LogEntry> = [],
): TimeSeries | Seismogram {
  if (type !== "TimeSeries" && type !== "Seismogram") {
    throw new MsPASSError(
      `makeAbortion: type must be "TimeSeries" or "Seismogram", got ${String(type)}`,
      "Invalid",
    );
  }
  const datum = type === "TimeSeries" ? new TimeSeries() : new Seismogram();
  const pairs = header instanceof Metadata ? header.entries() : Object.entries(header);
  const notKept: string[] = [];
  for (const [k, v] of pairs) {
    if (v === undefined) continue;
    if ((SYNCED_KEYS as readonly string[]).includes(k)) {
      // npts would allocate samples an abortion must not have; delta/starttime are kept when valid.
      try {
        if (k === "npts") throw new Error("not allocated");
        datum.md.put(k, v as MetadataValue);
      } catch {
        notKept.push(`${k}=${JSON.stringify(v)}`);
      }
      continue;
    }
    datum.md.put(k, v as MetadataValue);
  }
  datum.elog.append(entries);
  // The header values the dead datum cannot hold are recorded, not silently lost.
  if (notKept.length > 0)
    datum.elog.log(
      "makeAbortion",
      `document values not kept in the dead datum: ${notKept.join(", ")}`,
      "Informational",
    );
  datum.isAbortion = true;
  datum.kill();
  datum.md.clearModified();
  return datum;
}
