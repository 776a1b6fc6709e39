/**
 * What a seismologist sees when a datum is printed (`console.log`, the REPL,
 * `String(d)`), as obspy's `print(trace)`: the seed id, live or dead, time
 * span, sample interval, npts, the document id, the Metadata keys and the
 * elog's size. The classes call these from `[inspect.custom]`/`toString`.
 */
import { inspect, type InspectOptions } from "node:util";

export const INSPECT: typeof inspect.custom = inspect.custom;

/** Structural views of the classes, so this module imports none of them. */
interface MetadataView {
  readonly size: number;
  keys(): string[];
  get(key: string): unknown;
  entries(): Array<[string, unknown]>;
}
interface ElogView {
  readonly size: number;
  readonly entries: readonly { algorithm: string; message: string; badness: string }[];
}
interface SeriesView {
  readonly md: MetadataView;
  readonly elog: ElogView;
  readonly npts: number;
  readonly dt: number;
  readonly t0: number;
  readonly live: boolean;
  readonly tref: string;
  endtime(): number;
}

const MAX_KEYS = 12;
const MAX_MEMBERS = 10;

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** An epoch time as ISO when the datum is UTC, else seconds. */
function time(t: number, utc: boolean): string {
  if (utc && Number.isFinite(t) && Math.abs(t) < 8.64e12) return new Date(t * 1000).toISOString();
  return `${t} s`;
}

function seedId(md: MetadataView): string {
  const code = (k: string) => {
    const v = md.get(k);
    return typeof v === "string" ? v : "";
  };
  return [code("net"), code("sta"), code("loc"), code("chan")].join(".");
}

function keyList(md: MetadataView): string {
  const keys = md.keys();
  const shown = keys.slice(0, MAX_KEYS).join(", ");
  return `${plural(keys.length, "key")} [${shown}${keys.length > MAX_KEYS ? ", …" : ""}]`;
}

/** One line: `TimeSeries XX.ABC..HHZ | live | 2020-…Z - 2020-…Z | dt 0.01 s (100 Hz) | npts 1001 | id … | 9 keys […] | elog 0`. */
export function describeSeries(type: string, d: SeriesView): string {
  const utc = d.tref === "UTC";
  const id = d.md.get("_id");
  const parts = [
    `${type} ${seedId(d.md)}`,
    d.live ? "live" : "dead",
    `${time(d.t0, utc)} - ${time(d.endtime(), utc)}${utc ? "" : " (relative)"}`,
    `dt ${d.dt} s (${d.dt > 0 ? +(1 / d.dt).toPrecision(6) : "?"} Hz)`,
    `npts ${d.npts}`,
    ...(id === undefined ? [] : [`id ${String(id)}`]),
    keyList(d.md),
    `elog ${d.elog.size}`,
  ];
  return parts.join(" | ");
}

export function describeEnsemble(
  type: string,
  members: readonly { live: boolean; toString(): string }[],
  md: MetadataView,
  elog: ElogView,
  live: boolean,
): string {
  const nlive = members.filter((m) => m.live).length;
  const head = `${type}: ${plural(members.length, "member")} (${nlive} live), ${live ? "live" : "dead"} | ${keyList(md)} | elog ${elog.size}`;
  const lines = members.slice(0, MAX_MEMBERS).map((m) => `  ${m.toString()}`);
  if (members.length > MAX_MEMBERS) lines.push(`  … ${members.length - MAX_MEMBERS} more`);
  return [head, ...lines].join("\n");
}

export function describeMetadata(md: MetadataView, opts?: InspectOptions): string {
  return `Metadata(${md.size}) ${inspect(Object.fromEntries(md.entries()), { ...opts, breakLength: opts?.breakLength ?? 100 })}`;
}

export function describeElog(elog: ElogView): string {
  if (elog.size === 0) return "ErrorLogger(empty)";
  return [
    `ErrorLogger(${elog.size} ${elog.size === 1 ? "entry" : "entries"})`,
    ...elog.entries.map((e) => `  [${e.badness}] ${e.algorithm}: ${e.message}`),
  ].join("\n");
}
