/**
 * MsPASS's bundle_seed_data: turn an ensemble of single-channel TimeSeries
 * (miniSEED data, named by net/sta/loc/chan) into an ensemble of
 * three-component Seismograms.
 *
 * As MsPASS: members are sorted in descending SEED order (net, sta, loc,
 * chan; an undefined key sorts last), so a bundle's components come in
 * descending channel order (Z, N, E for BHZ/BHN/BHE) and its tmatrix rows
 * are the components' directions from `channel_hang`/`channel_vang`
 * (degrees, as normalizing by the channel collection sets them). Duplicate
 * channels are resolved by keeping the one starting closest to the group's
 * earliest start. A group that cannot make one Seismogram (fewer than three
 * live channels, more than three channel names, missing orientation,
 * inconsistent sample intervals, no common time window) becomes a dead
 * Seismogram holding the group's merged Metadata and an elog entry saying
 * why. The output keeps the component-0 Metadata without chan, loc,
 * channel_hang and channel_vang.
 *
 * Where we differ from MsPASS's C++ (2.4.3), on purpose: a group is
 * net/sta/loc plus the band and instrument code (the first two letters of
 * chan), so a station recording BH? and HH? gives two Seismograms instead of
 * one dead "irregular grouping"; the last member of the ensemble is not
 * merged into the previous group; components with different start times or
 * lengths are cut to their common window by sample index (MsPASS's C++ drops
 * the last common sample and misplaces samples there); the input ensemble is
 * not reordered; and the elog entries of the input channels are kept.
 */
import { MsPASSError } from "../errors.js";
import { Seismogram } from "../data/seismogram.js";
import { TimeSeries } from "../data/time-series.js";
import { SeismogramEnsemble, TimeSeriesEnsemble } from "../data/ensemble.js";

const ALG = "bundle_seed_data";
const SEED_KEYS = ["net", "sta", "loc", "chan"] as const;

function seedCode(d: TimeSeries, key: string): string | undefined {
  const v = d.md.get(key);
  return typeof v === "string" ? v : undefined;
}

/** Descending order; an undefined code sorts after every defined one. */
function descendingSeedOrder(a: TimeSeries, b: TimeSeries): number {
  for (const k of SEED_KEYS) {
    const x = seedCode(a, k);
    const y = seedCode(b, k);
    if (x === y) continue;
    if (x === undefined) return 1;
    if (y === undefined) return -1;
    return x > y ? -1 : 1;
  }
  return 0;
}

/** The group a member belongs to: net/sta/loc and the first two letters of chan. */
function groupKey(d: TimeSeries): string {
  const code = (k: string) => seedCode(d, k) ?? "Undefined";
  return `${code("net")}.${code("sta")}.${code("loc")}.${code("chan").slice(0, 2)}`;
}

/**
 * Bundle `ensemble` (a TimeSeriesEnsemble of single channels) into a
 * SeismogramEnsemble with the ensemble's Metadata and elog; see the module
 * comment for the rules. A dead ensemble gives an empty, dead one. Members
 * without `sta` or `chan` cannot be grouped: they are left out, with a
 * Complaint in the output ensemble's elog.
 */
export function bundleSeedData(ensemble: TimeSeriesEnsemble): SeismogramEnsemble {
  if (!(ensemble instanceof TimeSeriesEnsemble))
    throw new MsPASSError(`${ALG}: illegal input - must be a TimeSeriesEnsemble`, "Invalid");
  const out = new SeismogramEnsemble([], ensemble.md.clone());
  out.elog.append(ensemble.elog);
  if (ensemble.dead) {
    out.elog.log(
      ALG,
      "Received an ensemble marked dead; returning an empty ensemble cloning only ensemble Metadata and elog containers",
      "Invalid",
    );
    out.kill();
    return out;
  }
  const usable: TimeSeries[] = [];
  ensemble.member.forEach((m, i) => {
    if (seedCode(m, "sta") === undefined || seedCode(m, "chan") === undefined) {
      out.elog.log(
        ALG,
        `Member ${i} of input ensemble lacks the sta or chan key; it was dropped and its history will be incomplete`,
        "Complaint",
      );
      return;
    }
    usable.push(m);
  });
  usable.sort(descendingSeedOrder);
  let start = 0;
  for (let i = 1; i <= usable.length; i++) {
    if (i < usable.length && groupKey(usable[i]!) === groupKey(usable[start]!)) continue;
    out.member.push(bundleGroup(usable.slice(start, i)));
    start = i;
  }
  return out;
}

/** One group (same net/sta/loc/band, descending chan) → a Seismogram, dead when it cannot be made. */
function bundleGroup(group: TimeSeries[]): Seismogram {
  const live = group.filter((d) => d.live);
  try {
    if (live.length < 3)
      throw new MsPASSError(
        `Insufficient data to generate Seismogram object.\nNumber of channels received for bundling=${group.length}\nNumber marked live=${live.length}\nNumber live must be at least 3`,
        "Invalid",
      );
    const byChan = new Map<string, TimeSeries[]>();
    for (const d of live) {
      const c = seedCode(d, "chan")!;
      byChan.set(c, [...(byChan.get(c) ?? []), d]);
    }
    if (byChan.size !== 3)
      throw new MsPASSError(
        byChan.size < 3
          ? `Insufficient data to generate Seismogram object.\nNumber of channels received for bundling=${group.length}\nNumber of unique names in group=${byChan.size}\nNumber of unique names must be exactly 3`
          : `Excess channel keys in group received\nNumber of unique channel names=${byChan.size} which should be 3\nChannel names received: ${live.map((d) => seedCode(d, "chan")).join(" ")}`,
        "Invalid",
      );
    // Duplicates: keep the channel starting closest to the group's earliest start.
    const t0min = Math.min(...group.map((d) => d.t0));
    const components = [...byChan.values()].map((dups) =>
      dups.reduce((best, d) => (Math.abs(d.t0 - t0min) < Math.abs(best.t0 - t0min) ? d : best)),
    );
    const s = threeComponents(components);
    for (const d of group) s.elog.append(d.elog);
    return s;
  } catch (err) {
    if (!(err instanceof MsPASSError)) throw err;
    return dogtag(group, err.message);
  }
}

/**
 * MsPASS's CoreSeismogram from three TimeSeries: component-0 Metadata, the
 * common time window of the three, tmatrix rows from hang/vang.
 */
function threeComponents(ts: TimeSeries[]): Seismogram {
  const base = "CoreSeismogram constructor from 3 Time Series:  ";
  const dt = ts[0]!.dt;
  const ddt = Math.max(...ts.map((d) => Math.abs(d.dt - dt)), Math.abs(ts[1]!.dt - ts[2]!.dt));
  if (ddt * ts[0]!.npts > dt / 2)
    throw new MsPASSError(
      `${base}Sample intervals of components are not consistent\n${ts.map((d, i) => `Component ${i} dt=${d.dt}`).join(" ")}`,
      "Invalid",
    );
  const angles = ts.map((d) => [d.md.get("channel_hang"), d.md.get("channel_vang")]);
  if (angles.some((a) => a.some((v) => typeof v !== "number" || !Number.isFinite(v))))
    throw new MsPASSError(
      `${base}missing channel_hang or channel_vang in component TimeSeries objects received`,
      "Invalid",
    );
  const t0 = Math.max(...ts.map((d) => d.t0));
  const first = ts.map((d) => d.sampleNumber(t0));
  const npts = Math.min(...ts.map((d, i) => d.npts - first[i]!));
  if (npts <= 0)
    throw new MsPASSError(`${base}Irregular time windows of components have no overlap`, "Invalid");
  const data = new Float64Array(3 * npts);
  ts.forEach((d, i) => data.set(d.data.subarray(first[i]!, first[i]! + npts), i * npts));
  const md = ts[0]!.md.toObject();
  for (const k of ["channel_hang", "channel_vang", "chan", "loc", "npts", "delta", "starttime"]) delete md[k];
  const ref = ts[0]!;
  const s = new Seismogram({
    dt,
    t0,
    tref: ref.tref,
    ...(ref.shifted() ? { t0shift: ref.t0shift } : {}),
    data,
    metadata: md,
  });
  const rad = Math.PI / 180;
  // Row i: the unit vector of component i (azimuth hang from north, vang from up).
  s.tmatrix = angles.flatMap(([hang, vang]) => {
    const phi = (90 - (hang as number)) * rad;
    const theta = (vang as number) * rad;
    return [Math.sin(theta) * Math.cos(phi), Math.sin(theta) * Math.sin(phi), Math.cos(theta)];
  });
  return s;
}

/** A dead, empty Seismogram with the group's merged Metadata, elogs and the reason (MsPASS's "dogtag"). */
function dogtag(group: TimeSeries[], why: string): Seismogram {
  const md: Record<string, unknown> = {};
  for (const d of group) Object.assign(md, d.md.toObject());
  for (const k of ["npts", "delta", "starttime", "tmatrix"]) delete md[k];
  const s = new Seismogram({ metadata: md, live: false });
  for (const d of group) s.elog.append(d.elog);
  s.elog.log(ALG, why, "Invalid");
  return s;
}
