/**
 * The end-to-end benchmarks' input data (written before anything is timed):
 * datum k has samples k + sin(j/7); a TimeSeries carries an evid and sta
 * (the ensembles' queries), a Seismogram its k.
 */
import { type Database, Seismogram, SeismogramEnsemble, TimeSeries, TimeSeriesEnsemble } from "mspass";

/** Members per ensemble (evid). */
export const GROUP = 40;

export function inputDatum(k: number, npts: number, seismic: boolean): TimeSeries | Seismogram {
  const data = new Float64Array((seismic ? 3 : 1) * npts);
  for (let j = 0; j < data.length; j++) data[j] = k + Math.sin(j / 7);
  const head = { dt: 0.01, t0: 1.6e9 + k, tref: "UTC", data } as const;
  return seismic
    ? new Seismogram({ ...head, metadata: { k } })
    : new TimeSeries({ ...head, metadata: { k, evid: Math.floor(k / GROUP), sta: `S${k % GROUP}` } });
}

export interface InputSpec {
  count: number;
  npts: number;
  seismic: boolean;
  storage: "file" | "gridfs";
  dataTag: string;
  /** File mode: the directory of the files (one per 100 data). */
  dir?: string;
}

/** Save the inputs 100 per saveData (one file each in file mode). */
export async function saveInputs(db: Database, spec: InputSpec): Promise<void> {
  const { count, npts, seismic, storage, dataTag } = spec;
  for (let i = 0; i < count; i += 100) {
    const members = Array.from({ length: Math.min(count, i + 100) - i }, (_x, m) =>
      inputDatum(i + m, npts, seismic),
    );
    const ens = seismic
      ? new SeismogramEnsemble(members as Seismogram[])
      : new TimeSeriesEnsemble(members as TimeSeries[]);
    const where = storage === "file" ? { dir: spec.dir ?? ".", dfile: `in-${i / 100}` } : {};
    await db.saveData(ens, { storageMode: storage, dataTag, ...where });
  }
}
