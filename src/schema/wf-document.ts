/**
 * The waveform-document fields a writer derives from the datum itself, and
 * the full wf document (mode-filtered Metadata + those fields) so that the
 * writer only has to add storage fields (`storage_mode`, `gridfs_id` or
 * `dir`/`dfile`/`foff`/`nbytes`/`format`) and `data_tag`.
 *
 * Follows MsPASS's `_sync_metadata_before_update` + `save_data`: `starttime`
 * and `endtime` always; `time_standard` "UTC" with `utc_convertible` true, or
 * "Relative" with `utc_convertible` telling whether a valid shift exists and,
 * only then, `starttime_shift`; for a Seismogram `tmatrix` as 9 numbers
 * row-major plus `cardinal` and `orthogonal`.
 */
import { MsPASSError } from "../errors.js";
import type { MetadataValue } from "../data/metadata.js";
import type { LogEntry } from "../data/error-logger.js";
import { Seismogram } from "../data/seismogram.js";
import { TimeSeries } from "../data/time-series.js";
import { metadataToDoc, type Mode, type SaveOptions } from "./modes.js";

export interface WfDocFields {
  npts: number;
  delta: number;
  starttime: number;
  /** Present only for relative time with a valid shift. */
  starttime_shift?: number;
  utc_convertible: boolean;
  time_standard: "UTC" | "Relative";
  endtime: number;
  /** Seismogram only: row-major flat 9. */
  tmatrix?: number[];
  cardinal?: boolean;
  orthogonal?: boolean;
}

export function wfDocFields(datum: TimeSeries | Seismogram): WfDocFields {
  if (!(datum instanceof TimeSeries) && !(datum instanceof Seismogram)) {
    throw new MsPASSError("wfDocFields: datum must be a TimeSeries or a Seismogram", "Invalid");
  }
  const out: WfDocFields = {
    npts: datum.npts,
    delta: datum.dt,
    starttime: datum.t0,
    utc_convertible: datum.timeIsUTC() || datum.shifted(),
    time_standard: datum.tref,
    endtime: datum.endtime(),
  };
  if (datum.shifted()) out.starttime_shift = datum.t0shift;
  if (datum instanceof Seismogram) {
    out.tmatrix = datum.tmatrixFlat();
    out.cardinal = datum.cardinal;
    out.orthogonal = datum.orthogonal;
  }
  return out;
}

export interface WfDocumentResult {
  doc: Record<string, MetadataValue>;
  elogEntries: LogEntry[];
  dead: boolean;
}

/**
 * `metadataToDoc(datum.md, …)` overlaid with `wfDocFields(datum)`. A stale
 * `starttime_shift` from the Metadata is removed when the datum has no valid
 * shift (MsPASS's constructor would otherwise treat it as one on re-read).
 * `excludeKeys` also applies to the derived fields, as MsPASS does for
 * `starttime`/`endtime`.
 */
export function buildWfDocument(
  datum: TimeSeries | Seismogram,
  collection: string,
  mode: Mode,
  options: SaveOptions = {},
): WfDocumentResult {
  const fields = wfDocFields(datum);
  const { doc, elogEntries, dead } = metadataToDoc(datum.md, collection, mode, options);
  const exclude = new Set(options.excludeKeys ?? []);
  if (fields.starttime_shift === undefined) delete doc.starttime_shift;
  for (const [k, v] of Object.entries(fields)) {
    if (v !== undefined && !exclude.has(k)) doc[k] = v as MetadataValue;
  }
  return { doc, elogEntries, dead };
}
