/**
 * ErrorLogger: the per-datum error log of MsPASS.
 *
 * Problems with data never throw in MsPASS; they are logged here with a
 * badness and, when the datum is unusable, the datum is killed. The log is
 * saved to the `elog` collection (see `toLogData`).
 */
import { MsPASSError, SEVERITIES, isSeverity, type ErrorSeverity } from "../errors.js";
import { INSPECT, describeElog } from "./inspect.js";

export interface LogEntry {
  readonly algorithm: string;
  readonly message: string;
  readonly badness: ErrorSeverity;
  readonly jobId?: number;
  readonly processId?: number;
}

/** One `logdata` element of an `elog`/`cemetery`/`abortions` document, as MsPASS writes it. */
export interface LogDataDocument {
  job_id: number;
  algorithm: string;
  /** pybind11's `str()` of the C++ enum, e.g. `"ErrorSeverity.Complaint"`: what MsPASS stores. */
  badness: string;
  error_message: string;
  process_id: number;
}

export class ErrorLogger {
  /** Job id stamped on new entries (MsPASS's `ErrorLogger(job_id)`, default 0). */
  jobId: number;
  readonly #entries: LogEntry[] = [];

  constructor(jobId = 0) {
    if (!Number.isInteger(jobId))
      throw new MsPASSError(`ErrorLogger: jobId must be an integer, got ${jobId}`, "Invalid");
    this.jobId = jobId;
  }

  /** Append an entry. Returns the new size (as MsPASS's `log_error`). */
  log(algorithm: string, message: string, badness: ErrorSeverity = "Complaint"): number {
    if (typeof algorithm !== "string")
      throw new MsPASSError("ErrorLogger.log: algorithm must be a string", "Invalid");
    if (typeof message !== "string")
      throw new MsPASSError("ErrorLogger.log: message must be a string", "Invalid");
    if (!isSeverity(badness)) {
      throw new MsPASSError(
        `ErrorLogger.log: badness must be one of ${SEVERITIES.join("|")}, got ${String(badness)}`,
        "Invalid",
      );
    }
    this.#entries.push({ algorithm, message, badness, jobId: this.jobId, processId: process.pid });
    return this.#entries.length;
  }

  /** Log an MsPASSError with its own severity. */
  logError(algorithm: string, error: MsPASSError): number {
    return this.log(algorithm, error.message, error.severity);
  }

  /** Append entries produced elsewhere (e.g. by the schema mode functions), keeping their content. */
  append(entries: Iterable<LogEntry> | ErrorLogger): void {
    const src = entries instanceof ErrorLogger ? entries.entries : entries;
    for (const e of src) {
      if (!isSeverity(e.badness))
        throw new MsPASSError(`ErrorLogger.append: bad badness ${String(e.badness)}`, "Invalid");
      this.#entries.push({ ...e });
    }
  }

  get entries(): readonly LogEntry[] {
    return this.#entries;
  }

  get size(): number {
    return this.#entries.length;
  }

  /** `ErrorLogger(n entries)`, then one `[badness] algorithm: message` line each. */
  toString(): string {
    return describeElog(this);
  }
  [INSPECT](): string {
    return this.toString();
  }

  /** Most severe badness logged, or undefined for an empty log. */
  worstError(): ErrorSeverity | undefined {
    let worst: number | undefined;
    for (const e of this.#entries) {
      const rank = SEVERITIES.indexOf(e.badness);
      if (worst === undefined || rank < worst) worst = rank;
    }
    return worst === undefined ? undefined : SEVERITIES[worst];
  }

  /** Entries whose badness is the worst one logged. */
  worstErrors(): LogEntry[] {
    const worst = this.worstError();
    return this.#entries.filter((e) => e.badness === worst);
  }

  clear(): void {
    this.#entries.length = 0;
  }

  /** The `logdata` list MsPASS's `elog2doc` builds. */
  toLogData(): LogDataDocument[] {
    return this.#entries.map((e) => ({
      job_id: e.jobId ?? this.jobId,
      algorithm: e.algorithm,
      badness: `ErrorSeverity.${e.badness}`,
      error_message: e.message,
      process_id: e.processId ?? process.pid,
    }));
  }
}
