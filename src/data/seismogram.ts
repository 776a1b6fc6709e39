/**
 * Seismogram: three-component data (MsPASS's Seismogram).
 *
 * Samples: ONE contiguous Float64Array of 3·npts, component-major (row-major
 * 3×npts): component k is `data.subarray(k*npts, (k+1)*npts)`. This equals
 * MsPASS's GridFS byte layout; its file layout (x0,y0,z0,x1,…) is produced by
 * the I/O layer.
 *
 * `tmatrix` is the 3×3 transformation matrix (identity by default). In
 * Metadata and in documents it is a flat list of 9 numbers in row-major order
 * (tmatrix[0][0], tmatrix[0][1], … tmatrix[2][2]), as MsPASS's C++ writes it.
 * `cardinal` and `orthogonal` follow MsPASS: cardinal when tmatrix is the
 * identity to 4 decimals, then also orthogonal; otherwise orthogonal is true
 * only when tmatrix·tmatrixᵀ is the identity (MsPASS conservatively says
 * false there; we test it).
 */
import { MsPASSError } from "../errors.js";
import { Metadata, describeValue } from "./metadata.js";
import { BasicTimeSeries, type FromMetadataOptions, type TimeSeriesOptions } from "./basic-time-series.js";

export type TransformationMatrix = number[][];

export interface SeismogramOptions extends TimeSeriesOptions {
  /** 3×3 nested or flat 9 row-major. */
  tmatrix?: readonly (readonly number[])[] | readonly number[];
}

const IDENTITY: readonly number[] = [1, 0, 0, 0, 1, 0, 0, 0, 1];

/** Internal: see `Seismogram[RESTORE_TMATRIX]`. */
export const RESTORE_TMATRIX: unique symbol = Symbol("mspass.Seismogram.restoreTmatrix");

export class Seismogram extends BasicTimeSeries {
  /** Row-major flat copy of the transformation matrix. */
  #tm: number[] = [...IDENTITY];
  #cardinal = true;
  #orthogonal = true;

  /**
   * Same forms as TimeSeries; `data` must hold 3·npts samples component-major,
   * and the options may carry `tmatrix`. From Metadata, `tmatrix` is read when
   * present (flat 9 row-major or 3×3), else identity.
   */
  constructor(arg?: SeismogramOptions | Metadata) {
    let tmatrix: SeismogramOptions["tmatrix"] | undefined;
    if (
      arg !== undefined &&
      !(arg instanceof Metadata) &&
      typeof arg === "object" &&
      arg !== null &&
      "tmatrix" in arg
    ) {
      const { tmatrix: tm, ...rest } = arg;
      tmatrix = tm;
      arg = rest;
    }
    super(3, "Seismogram", arg);
    if (tmatrix !== undefined) this.tmatrix = tmatrix as number[][];
    else if (
      arg !== undefined &&
      (arg instanceof Metadata || (arg as SeismogramOptions).metadata !== undefined)
    ) {
      this.#loadTmatrixFromMd();
    }
  }

  /** See TimeSeries.fromMetadata; also reads `tmatrix`. */
  static fromMetadata(
    md: Metadata | Readonly<Record<string, unknown>>,
    options: FromMetadataOptions = {},
  ): Seismogram {
    const s = new Seismogram();
    s.initFromMetadata(md, options);
    s.#loadTmatrixFromMd();
    return s;
  }

  /** View (no copy) of component k (0, 1 or 2). */
  component(k: number): Float64Array {
    if (k !== 0 && k !== 1 && k !== 2)
      throw new MsPASSError(`Seismogram.component: k must be 0, 1 or 2, got ${String(k)}`, "Invalid");
    const n = this.npts;
    return this._data.subarray(k * n, (k + 1) * n);
  }

  /** A fresh 3×3 copy; assign a new matrix to change it. */
  get tmatrix(): TransformationMatrix {
    const t = this.#tm;
    return [t.slice(0, 3), t.slice(3, 6), t.slice(6, 9)];
  }
  /** Accepts 3×3 nested or flat 9 row-major; stores the flat list in Metadata `tmatrix`. */
  set tmatrix(m: readonly (readonly number[])[] | readonly number[]) {
    this[RESTORE_TMATRIX](m);
    this.md.put("tmatrix", [...this.#tm]);
  }

  /** Internal (the data codec's decoder; the setter): the matrix alone, not its Metadata key. */
  [RESTORE_TMATRIX](m: readonly (readonly number[])[] | readonly number[]): void {
    this.#tm = flattenTmatrix(m);
    this.#cardinal = isCardinal(this.#tm);
    this.#orthogonal = this.#cardinal || isOrthogonal(this.#tm);
  }

  /** Flat 9, row-major, as stored in documents. */
  tmatrixFlat(): number[] {
    return [...this.#tm];
  }

  get cardinal(): boolean {
    return this.#cardinal;
  }
  get orthogonal(): boolean {
    return this.#orthogonal;
  }

  protected resized(n: number): Float64Array {
    const old = this._data;
    const oldN = old.length / 3;
    const keep = Math.min(n, oldN);
    const out = new Float64Array(3 * n);
    for (let k = 0; k < 3; k++) out.set(old.subarray(k * oldN, k * oldN + keep), k * n);
    return out;
  }

  #loadTmatrixFromMd(): void {
    if (!this.md.has("tmatrix")) return;
    // Preserve whether the caller had modified tmatrix: the setter marks it.
    const wasModified = this.md.isModified("tmatrix");
    const modifiedBefore = this.md.modified();
    this.tmatrix = this.md.get("tmatrix") as number[];
    if (!wasModified) {
      this.md.clearModified();
      for (const k of modifiedBefore) this.md.put(k, this.md.get(k)!);
    }
  }
}

function flattenTmatrix(m: unknown): number[] {
  const bad = (why: string) => new MsPASSError(`Seismogram: tmatrix ${why}`, "Invalid");
  if (!Array.isArray(m))
    throw bad(`must be a 3×3 array or a flat list of 9 numbers, got ${describeValue(m)}`);
  let flat: unknown[];
  if (m.length === 9) flat = m;
  else if (m.length === 3 && m.every((r) => Array.isArray(r) && r.length === 3))
    flat = (m as unknown[][]).flat();
  else throw bad(`must be a 3×3 array or a flat list of 9 numbers (got length ${m.length})`);
  return flat.map((x, i) => {
    if (typeof x !== "number" || !Number.isFinite(x))
      throw bad(`element ${i} must be a finite number, got ${String(x)}`);
    return x;
  });
}

/** MsPASS's tmatrix_is_cardinal: identity to 4 decimals (truncated, as C++ does). */
function isCardinal(t: readonly number[]): boolean {
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      const v = Math.trunc(t[3 * i + j]! * 10000);
      if (v !== (i === j ? 10000 : 0)) return false;
    }
  }
  return true;
}

function isOrthogonal(t: readonly number[]): boolean {
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      let s = 0;
      for (let k = 0; k < 3; k++) s += t[3 * i + k]! * t[3 * j + k]!;
      if (Math.abs(s - (i === j ? 1 : 0)) > 1e-9) return false;
    }
  }
  return true;
}
