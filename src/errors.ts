/**
 * MsPASS error type and severity scale.
 *
 * MsPASS grades every problem with the same badness scale its C++ `ErrorLogger`
 * uses. Caller mistakes throw `MsPASSError`; problems with *data* are logged on
 * the datum's `elog` and the datum is killed instead (see `src/data/`).
 */

/** Badness levels, most severe first, as in MsPASS's `ErrorSeverity`. */
export const SEVERITIES = ["Fatal", "Invalid", "Suspect", "Complaint", "Debug", "Informational"] as const;

export type ErrorSeverity = (typeof SEVERITIES)[number];

export function isSeverity(value: unknown): value is ErrorSeverity {
  return typeof value === "string" && (SEVERITIES as readonly string[]).includes(value);
}

export class MsPASSError extends Error {
  readonly severity: ErrorSeverity;
  /**
   * Set when the error wraps a native (Rust core) failure: its kind code,
   * e.g. "MSPASS_CONNECTION" (see `nativeErrorKind` in src/native.ts).
   */
  declare code?: string;

  constructor(message: string, severity: ErrorSeverity = "Fatal", options?: { cause?: unknown }) {
    super(message, options);
    this.name = "MsPASSError";
    this.severity = severity;
  }
}

/**
 * Replace the user:password part of every MongoDB URI in `text` with `***`.
 * Used on every message that may contain an address, so credentials never
 * reach an error or a log line.
 */
export function maskCredentials(text: string): string {
  return text.replace(
    /((?:mongodb(?:\+srv)?|rediss?):\/\/)([^@/\s]*)@/gi,
    (_m, scheme: string) => `${scheme}***@`,
  );
}
