/**
 * Ensembles: a group of atomic data sharing ensemble-level Metadata
 * (MsPASS's TimeSeriesEnsemble / SeismogramEnsemble).
 *
 * `live` is derived: an ensemble is dead when it was explicitly killed, when it
 * has no members, or when every member is dead. As in MsPASS, `kill()` marks
 * the ensemble only and leaves members untouched.
 */
import { MsPASSError } from "../errors.js";
import { ErrorLogger } from "./error-logger.js";
import { Metadata, describeValue } from "./metadata.js";
import { SYNCED_KEYS } from "./basic-time-series.js";
import { Seismogram } from "./seismogram.js";
import { TimeSeries } from "./time-series.js";
import { INSPECT, describeEnsemble } from "./inspect.js";

/** @internal Whether kill() was called (the codec carries it; `live` alone cannot tell). */
export const ENSEMBLE_KILLED: unique symbol = Symbol("mspass.Ensemble.killed");

abstract class Ensemble<T extends TimeSeries | Seismogram> {
  readonly md: Metadata;
  readonly elog: ErrorLogger = new ErrorLogger();
  /** The members; a plain array callers may push to (members are type-checked on construction and sync). */
  member: T[];
  #killed = false;

  protected constructor(
    private readonly memberType: typeof TimeSeries | typeof Seismogram,
    private readonly typeName: string,
    members: readonly T[] | undefined,
    md: Metadata | Readonly<Record<string, unknown>> | undefined,
  ) {
    if (members !== undefined && !Array.isArray(members)) {
      throw new MsPASSError(
        `${typeName}: members must be an array of ${memberType.name}, got ${describeValue(members)}`,
        "Invalid",
      );
    }
    this.member = [...(members ?? [])];
    this.#checkMembers();
    if (md !== undefined && (typeof md !== "object" || md === null || Array.isArray(md))) {
      throw new MsPASSError(`${typeName}: metadata must be a Metadata or a plain object`, "Invalid");
    }
    this.md = new Metadata(md ?? undefined);
  }

  get size(): number {
    return this.member.length;
  }

  /** A header line (members, live, keys, elog), then one line per member (the first 10). */
  toString(): string {
    return describeEnsemble(this.typeName, this.member, this.md, this.elog, this.live);
  }
  [INSPECT](): string {
    return this.toString();
  }

  /** Dead when killed, empty, or when every member is dead. */
  get live(): boolean {
    return !this.#killed && this.member.some((m) => m.live);
  }
  get dead(): boolean {
    return !this.live;
  }
  kill(): void {
    this.#killed = true;
  }
  /** @internal */
  get [ENSEMBLE_KILLED](): boolean {
    return this.#killed;
  }
  /** Undo kill(); the ensemble is then live if any member is. */
  setLive(): void {
    this.#killed = false;
  }

  /**
   * Copy ensemble Metadata into every member (MsPASS's sync_metadata). With no
   * argument every ensemble key is copied except `npts`, `delta` and
   * `starttime`, which describe each member's own samples; listing one of those
   * explicitly applies it (and resizes members for `npts`). A listed key absent
   * from the ensemble Metadata throws MsPASSError.
   */
  syncMetadata(keys?: readonly string[]): void {
    this.#checkMembers();
    let list: string[];
    if (keys === undefined) {
      list = this.md.keys().filter((k) => !(SYNCED_KEYS as readonly string[]).includes(k));
    } else {
      if (!Array.isArray(keys))
        throw new MsPASSError(`${this.typeName}.syncMetadata: keys must be an array of strings`, "Invalid");
      for (const k of keys) {
        if (!this.md.has(k))
          throw new MsPASSError(
            `${this.typeName}.syncMetadata: key "${String(k)}" is not in the ensemble Metadata`,
            "Invalid",
          );
      }
      list = [...keys];
    }
    for (const m of this.member) for (const k of list) m.md.put(k, this.md.get(k)!);
  }

  #checkMembers(): void {
    this.member.forEach((m, i) => {
      if (!(m instanceof this.memberType)) {
        throw new MsPASSError(
          `${this.typeName}: member[${i}] must be a ${this.memberType.name}, got ${describeValue(m)}`,
          "Invalid",
        );
      }
    });
  }
}

export class TimeSeriesEnsemble extends Ensemble<TimeSeries> {
  constructor(members?: readonly TimeSeries[], md?: Metadata | Readonly<Record<string, unknown>>) {
    super(TimeSeries, "TimeSeriesEnsemble", members, md);
  }
}

export class SeismogramEnsemble extends Ensemble<Seismogram> {
  constructor(members?: readonly Seismogram[], md?: Metadata | Readonly<Record<string, unknown>>) {
    super(Seismogram, "SeismogramEnsemble", members, md);
  }
}

export type { Ensemble };
