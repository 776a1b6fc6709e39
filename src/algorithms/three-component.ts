/**
 * Three-component operations (MsPASS's Seismogram methods and helpers):
 * rotateToStandard undoes the transformation matrix and
 * freeSurfaceTransformation applies Kennett's free-surface operator, in
 * place; extractComponent makes a TimeSeries of one component with its
 * hang/vang.
 */
import { MsPASSError } from "../errors.js";
import { native } from "../native.js";
import { Seismogram } from "../data/seismogram.js";
import { TimeSeries } from "../data/time-series.js";
import { SeismogramEnsemble, TimeSeriesEnsemble } from "../data/ensemble.js";
import { applyEach, checkOptions, numberOption, type HistoryOptions } from "./apply.js";

type ThreeC = Seismogram | SeismogramEnsemble;

function checkThreeC(alg: string, d: unknown): asserts d is ThreeC {
  if (!(d instanceof Seismogram || d instanceof SeismogramEnsemble)) {
    throw new MsPASSError(`${alg}: data must be a Seismogram or a SeismogramEnsemble`, "Invalid");
  }
}

/**
 * Back to the standard (east, north, up) coordinates, as MsPASS's
 * `rotate_to_standard`: nothing for cardinal data; the transpose for an
 * orthogonal tmatrix, else its inverse (a singular one kills the datum);
 * tmatrix becomes the identity.
 */
export function rotateToStandard<D extends ThreeC>(d: D, options?: HistoryOptions): D {
  const o = checkOptions<HistoryOptions>("rotateToStandard", options, []);
  checkThreeC("rotateToStandard", d);
  return applyEach("rotateToStandard", d, o, (x) => toStandard(x as Seismogram));
}

function toStandard(s: Seismogram): void {
  if (s.cardinal) return;
  const t = s.tmatrix;
  if (s.orthogonal)
    native.algTransform(
      s.data,
      [0, 1, 2].flatMap((i) => [t[0]![i]!, t[1]![i]!, t[2]![i]!]),
      false,
    );
  else native.algTransform(s.data, t.flat(), true);
  s.tmatrix = [1, 0, 0, 0, 1, 0, 0, 0, 1];
}

/** A horizontal slowness vector in s/km: ux positive east, uy positive north (MsPASS's SlownessVector). */
export interface SlownessVector {
  ux: number;
  uy: number;
}

export interface FreeSurfaceTransformationOptions extends HistoryOptions {
  /** Slowness vector for every datum; default: read from each datum's Metadata (uxKey, uyKey). */
  uvec?: SlownessVector;
  /** Surface P velocity, km/s; default: Metadata vp0Key. */
  vp0?: number;
  /** Surface S velocity, km/s; default: Metadata vs0Key. */
  vs0?: number;
  /** Metadata keys of the slowness components and velocities (defaults ux, uy, vp0, vs0). */
  uxKey?: string;
  uyKey?: string;
  vp0Key?: string;
  vs0Key?: string;
}

const FST = "free_surface_transformation";

/**
 * Kennett's (1991) free-surface transformation, as MsPASS's
 * `free_surface_transformation`: undo any previous transformation, rotate
 * the horizontals to transverse/radial along the slowness vector, then
 * separate SV from P in the radial-vertical plane with the operator for a
 * receiver on a free surface with P velocity vp0 and S velocity vs0. The
 * components become 0 = SH, 1 = SV, 2 = L; tmatrix records the (not
 * orthogonal) operator, so rotateToStandard restores the input. Vertical
 * incidence (zero slowness) leaves a datum unchanged. Each parameter not
 * given in the options is read from the datum's Metadata; a missing one, or
 * an apparent velocity below vp0 or vs0 (evanescent waves), kills the datum.
 */
export function freeSurfaceTransformation<D extends ThreeC>(
  d: D,
  options: FreeSurfaceTransformationOptions = {},
): D {
  const o = checkOptions<FreeSurfaceTransformationOptions>("freeSurfaceTransformation", options, [
    "uvec",
    "vp0",
    "vs0",
    "uxKey",
    "uyKey",
    "vp0Key",
    "vs0Key",
  ]);
  checkThreeC("freeSurfaceTransformation", d);
  const alg = "freeSurfaceTransformation";
  const positive = (x: number) => x > 0;
  const vp0 = numberOption(alg, "vp0", o.vp0, positive, "a velocity > 0");
  const vs0 = numberOption(alg, "vs0", o.vs0, positive, "a velocity > 0");
  if (o.uvec !== undefined) {
    if (typeof o.uvec !== "object" || o.uvec === null)
      throw new MsPASSError(`${alg}: uvec must be an object { ux, uy } (s/km)`, "Invalid");
    numberOption(alg, "uvec.ux", o.uvec.ux);
    numberOption(alg, "uvec.uy", o.uvec.uy);
  }
  const keys = {
    ux: o.uxKey ?? "ux",
    uy: o.uyKey ?? "uy",
    vp0: o.vp0Key ?? "vp0",
    vs0: o.vs0Key ?? "vs0",
  };
  for (const [k, v] of Object.entries(keys))
    if (typeof v !== "string" || v.length === 0)
      throw new MsPASSError(`${alg}: ${k}Key must be a non-empty string`, "Invalid");
  if (d instanceof SeismogramEnsemble && o.uvec !== undefined && !d.dead)
    d.elog.log(
      FST,
      "Using a constant slowness vector for all ensemble members: ill advised unless this is an event gather of a small-aperture array",
      "Complaint",
    );
  return applyEach(o.algName ?? FST, d, o, (x) => {
    const s = x as Seismogram;
    const fetch = (key: string): number | undefined => {
      const v = s.md.get(key);
      return typeof v === "number" && Number.isFinite(v) ? v : undefined;
    };
    const ux = o.uvec?.ux ?? fetch(keys.ux);
    const uy = o.uvec?.uy ?? fetch(keys.uy);
    const a0 = vp0 ?? fetch(keys.vp0);
    const b0 = vs0 ?? fetch(keys.vs0);
    const missing = [
      ...(ux === undefined ? [keys.ux] : []),
      ...(uy === undefined ? [keys.uy] : []),
      ...(a0 === undefined ? [keys.vp0] : []),
      ...(b0 === undefined ? [keys.vs0] : []),
    ];
    if (missing.length > 0)
      throw new MsPASSError(
        `required Metadata ${missing.join(", ")} not defined (or not a number) - datum killed`,
        "Invalid",
      );
    if (s.npts === 0) return;
    const m = freeSurfaceMatrix(ux!, uy!, a0!, b0!);
    if (m === undefined) return;
    toStandard(s);
    native.algTransform(s.data, m, false);
    s.tmatrix = m;
  });
}

/**
 * The row-major operator MsPASS's C++ applies: the free-surface matrix
 * (rows SH, SV, L) times the rotation of east/north to transverse/radial.
 * Undefined for vertical incidence.
 */
function freeSurfaceMatrix(ux: number, uy: number, a0: number, b0: number): number[] | undefined {
  const p = Math.hypot(ux, uy);
  if (p < Number.EPSILON) return undefined;
  if (1 / p < a0 || 1 / p < b0)
    throw new MsPASSError(
      `Apparent velocity defined by the slowness vector (${1 / p}) is smaller than the surface P velocity (${a0}) or S velocity (${b0}): evanescent waves violate the assumption of this operator`,
      "Invalid",
    );
  const az = Math.PI / 2 - Math.atan2(uy, ux);
  const [a, b] = [Math.cos(az), Math.sin(az)];
  const rot = [a, -b, 0, b, a, 0, 0, 0, 1];
  const [a2, b2, p2] = [a0 * a0, b0 * b0, p * p];
  const qa = Math.sqrt(1 / a2 - p2);
  const qb = Math.sqrt(1 / b2 - p2);
  const vpz = -(1 - 2 * b2 * p2) / (2 * a0 * qa);
  const vpr = (p * b2) / a0;
  const vsr = (1 - 2 * b2 * p2) / (2 * b0 * qb);
  const vsz = p * b0;
  const fs = [0.5, 0, 0, 0, vsr, vpr, 0, -vsz, -vpz];
  return [0, 1, 2].flatMap((i) =>
    [0, 1, 2].map((j) => fs[3 * i]! * rot[j]! + fs[3 * i + 1]! * rot[3 + j]! + fs[3 * i + 2]! * rot[6 + j]!),
  );
}

const deg = (r: number) => (r * 180) / Math.PI;

/**
 * Component `component` (0, 1 or 2) of a Seismogram as a new TimeSeries
 * (MsPASS's ExtractComponent): a copy of the samples, the Metadata, time
 * reference, elog and history, plus `hang`/`vang` from the tmatrix row.
 * On a SeismogramEnsemble, a TimeSeriesEnsemble of that component. A dead
 * Seismogram gives a dead, empty TimeSeries.
 */
export function extractComponent(d: Seismogram, component: number): TimeSeries;
export function extractComponent(d: SeismogramEnsemble, component: number): TimeSeriesEnsemble;
export function extractComponent(
  d: Seismogram | SeismogramEnsemble,
  component: number,
): TimeSeries | TimeSeriesEnsemble {
  checkThreeC("extractComponent", d);
  numberOption("extractComponent", "component", component, (k) => k === 0 || k === 1 || k === 2, "0, 1 or 2");
  if (d instanceof SeismogramEnsemble) {
    const out = new TimeSeriesEnsemble(
      d.member.map((m) => extractComponent(m, component)),
      d.md,
    );
    if (d.dead) out.kill();
    return out;
  }
  if (d.dead) return new TimeSeries();
  const md = Object.fromEntries([...d.md].filter(([k]) => k !== "tmatrix"));
  const ts = TimeSeries.fromMetadata(md, { data: d.component(component).slice() });
  if (d.timeIsUTC()) ts.tref = "UTC";
  else {
    ts.tref = "Relative";
    if (d.shifted()) ts.forceT0Shift(d.t0shift);
  }
  ts.elog.append(d.elog);
  ts.history.loadDocument(d.history.toDocument());
  ts.history.opaqueParent = d.history.opaqueParent;
  let hang: number;
  let vang: number;
  if (d.cardinal)
    [hang, vang] = [
      [90, 90],
      [0, 90],
      [0, 0],
    ][component] as [number, number];
  else {
    const [a, b, c] = d.tmatrix[component]!;
    const r = Math.hypot(a!, b!, c!);
    vang = deg(Math.acos(c! / r));
    hang = 90 - deg(Math.atan2(b!, a!));
  }
  ts.md.put("hang", hang).put("vang", vang);
  return ts;
}
