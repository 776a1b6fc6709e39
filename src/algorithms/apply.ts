/**
 * How every processing function treats its input, as MsPASS's decorators do:
 * a dead datum passes through untouched; a failure on one datum logs an elog
 * entry naming the algorithm and kills that datum (it never throws); with
 * `objectHistory` each live datum processed gets a history node, as
 * MsPASS's map records it (`new_map` → a VOLATILE node whose input is the
 * current node). Ensembles are processed member by member. Mistakes in the
 * call itself (an unknown option, a wrong type) throw MsPASSError before any
 * datum is touched.
 */
import { MsPASSError } from "../errors.js";
import { Seismogram } from "../data/seismogram.js";
import { TimeSeries } from "../data/time-series.js";
import { SeismogramEnsemble, TimeSeriesEnsemble } from "../data/ensemble.js";
import type { AtomicType } from "../data/history.js";
import type { Atomic } from "../data/atomic.js";

export type { Atomic };
export type Ensemble = TimeSeriesEnsemble | SeismogramEnsemble;
export type MsPASSData = Atomic | Ensemble;

/** History options every processing function accepts (MsPASS's decorator arguments). */
export interface HistoryOptions {
  /** Record a processing step in each datum's ProcessingHistory (default false). */
  objectHistory?: boolean;
  /** The algorithm's id in the history (required with objectHistory; `mspassMap` returns one). */
  algId?: string;
  /** Name recorded in history and elog (default: the function's name). */
  algName?: string;
}

const HISTORY_KEYS = ["objectHistory", "algId", "algName"] as const;

/**
 * Check `options` is a plain object whose keys are among `allowed` (plus the
 * history options); returns it typed.
 */
export function checkOptions<T extends object>(
  alg: string,
  options: unknown,
  allowed: readonly string[],
): T & HistoryOptions {
  if (options === undefined) return {} as T;
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new MsPASSError(
      `${alg}: options must be an object, got ${options === null ? "null" : typeof options}`,
      "Invalid",
    );
  }
  for (const k of Object.keys(options)) {
    if (!allowed.includes(k) && !(HISTORY_KEYS as readonly string[]).includes(k)) {
      throw new MsPASSError(
        `${alg}: unknown option "${k}" (options are ${[...allowed, ...HISTORY_KEYS].join(", ")})`,
        "Invalid",
      );
    }
  }
  const o = options as HistoryOptions;
  if (o.objectHistory !== undefined && typeof o.objectHistory !== "boolean") {
    throw new MsPASSError(`${alg}: objectHistory must be a boolean`, "Invalid");
  }
  if (o.objectHistory === true && (typeof o.algId !== "string" || o.algId.length === 0)) {
    throw new MsPASSError(`${alg}: objectHistory needs algId (a string; mspassMap returns one)`, "Invalid");
  }
  if (o.algName !== undefined && typeof o.algName !== "string")
    throw new MsPASSError(`${alg}: algName must be a string`, "Invalid");
  return options as T & HistoryOptions;
}

/** A finite number option, or undefined when absent. */
export function numberOption(
  alg: string,
  name: string,
  v: unknown,
  check: (x: number) => boolean = () => true,
  what = "a number",
): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== "number" || !Number.isFinite(v) || !check(v)) {
    throw new MsPASSError(`${alg}: ${name} must be ${what}, got ${String(v)}`, "Invalid");
  }
  return v;
}

/** One of `choices`, or `fallback` when absent. */
export function choiceOption<C extends string>(
  alg: string,
  name: string,
  v: unknown,
  choices: readonly C[],
  fallback: C,
): C {
  if (v === undefined) return fallback;
  if (typeof v !== "string" || !(choices as readonly string[]).includes(v)) {
    throw new MsPASSError(
      `${alg}: ${name} must be one of ${choices.join(", ")}, got ${String(v)}`,
      "Invalid",
    );
  }
  return v as C;
}

export function isAtomic(d: unknown): d is Atomic {
  return d instanceof TimeSeries || d instanceof Seismogram;
}

function checkData(alg: string, d: unknown): asserts d is MsPASSData {
  if (!(isAtomic(d) || d instanceof TimeSeriesEnsemble || d instanceof SeismogramEnsemble)) {
    const got = d === null ? "null" : typeof d === "object" ? (d.constructor?.name ?? "object") : typeof d;
    throw new MsPASSError(
      `${alg}: data must be a TimeSeries, Seismogram or one of their ensembles, got ${got}`,
      "Invalid",
    );
  }
}

/** Samples per component row: 1 for TimeSeries, 3 for Seismogram. */
export function ncomp(d: Atomic): 1 | 3 {
  return d instanceof Seismogram ? 3 : 1;
}

function messageOf(err: unknown): string {
  const m = err instanceof Error ? err.message : String(err);
  return m.replace(/^InvalidArgument: /, "");
}

/**
 * Run `body` on every live atomic datum of `d` (the datum itself or an
 * ensemble's members), with MsPASS's dead/elog/history conventions.
 * Returns `d`.
 */
export function applyEach<D extends MsPASSData>(
  alg: string,
  d: D,
  options: HistoryOptions,
  body: (x: Atomic) => void,
): D {
  checkData(alg, d);
  const name = options.algName ?? alg;
  const one = (x: Atomic): void => {
    if (x.dead) return;
    try {
      body(x);
    } catch (err) {
      x.elog.log(
        name,
        messageOf(err),
        err instanceof MsPASSError && err.severity !== "Fatal" ? err.severity : "Invalid",
      );
      x.kill();
      return;
    }
    if (options.objectHistory === true) {
      const type: AtomicType = x instanceof Seismogram ? "Seismogram" : "TimeSeries";
      x.history.addNode(name, options.algId!, type);
    }
  };
  if (isAtomic(d)) one(d);
  else if (!d.dead) for (const m of d.member) one(m);
  return d;
}
