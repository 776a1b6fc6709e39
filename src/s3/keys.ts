/**
 * Object keys of MsPASS's S3 storage modes (SCEDC's public archive layout).
 *
 * s3_continuous: `continuous_waveforms/{Y}/{Y}_{DDD}/{NET}{STA}{CHAN}{LOC}_{Y}{DDD}.ms`
 * with NET padded with "_" to 2, STA to 5, CHAN to 3, LOC to 2 — MsPASS
 * `_read_data_from_s3_continuous` (≈L4599). MsPASS concatenates `year` and
 * `day_of_year` as given (strings, not padded); the indexer stores
 * `day_of_year` zero-padded to 3, so numbers are formatted the same way here.
 *
 * s3_event: `event_waveforms/{Y}/{Y}_{DDD}/{filename}.ms` (MsPASS
 * `index_mseed_s3_event`).
 */
import { MsPASSError } from "../errors.js";

/** The storage modes whose samples are S3 objects (read by src/db/storage/s3.ts). */
export const S3_STORAGE_MODES = ["s3_continuous", "s3_event", "s3_lambda", "s3"] as const;

function yearOf(v: unknown, where: string): string {
  const s = typeof v === "number" && Number.isInteger(v) ? String(v) : v;
  if (typeof s !== "string" || !/^\d{4}$/.test(s))
    throw new MsPASSError(
      `${where}: year must be a 4-digit year (string or integer), got ${JSON.stringify(v)}`,
      "Invalid",
    );
  return s;
}

function dayOf(v: unknown, where: string): string {
  const s = typeof v === "number" && Number.isInteger(v) ? String(v).padStart(3, "0") : v;
  if (typeof s !== "string" || !/^\d{1,3}$/.test(s) || Number(s) < 1 || Number(s) > 366) {
    throw new MsPASSError(
      `${where}: day_of_year must be 1..366 (string or integer), got ${JSON.stringify(v)}`,
      "Invalid",
    );
  }
  return s;
}

function code(v: unknown, name: string, width: number, where: string): string {
  const s = v ?? "";
  if (typeof s !== "string" || s.length > width)
    throw new MsPASSError(
      `${where}: ${name} must be a string of at most ${width} characters, got ${JSON.stringify(v)}`,
      "Invalid",
    );
  return s.padEnd(width, "_");
}

export interface ContinuousKeyParts {
  year: string | number;
  day_of_year: string | number;
  net?: string;
  sta?: string;
  chan?: string;
  loc?: string;
}

export function s3ContinuousKey(p: ContinuousKeyParts, where = "s3_continuous"): string {
  const y = yearOf(p.year, where);
  const d = dayOf(p.day_of_year, where);
  const name = `${code(p.net, "net", 2, where)}${code(p.sta, "sta", 5, where)}${code(p.chan, "chan", 3, where)}${code(p.loc, "loc", 2, where)}`;
  return `continuous_waveforms/${y}/${y}_${d}/${name}_${y}${d}.ms`;
}

export function s3EventKey(
  p: { year: string | number; day_of_year: string | number; filename: string },
  where = "s3_event",
): string {
  const y = yearOf(p.year, where);
  const d = dayOf(p.day_of_year, where);
  if (typeof p.filename !== "string" || p.filename === "" || p.filename.includes("..")) {
    throw new MsPASSError(
      `${where}: filename must be a non-empty string, got ${JSON.stringify(p.filename)}`,
      "Invalid",
    );
  }
  return `event_waveforms/${y}/${y}_${d}/${p.filename}.ms`;
}
