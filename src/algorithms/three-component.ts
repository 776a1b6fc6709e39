/**
 * Three-component operations (MsPASS's Seismogram methods and helpers):
 * rotateToStandard undoes the transformation matrix, in place;
 * extractComponent makes a TimeSeries of one component with its hang/vang.
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
  return applyEach("rotateToStandard", d, o, (x) => {
    const s = x as Seismogram;
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
  });
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
