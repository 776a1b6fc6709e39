/**
 * What a distributed read does when the database server goes away.
 *
 * Each operation already waits for a server up to the pool's
 * `serverSelectionTimeoutMS` (10 s by default) and the Rust driver retries a
 * read once after a network error. On top of that a partition whose read
 * fails with a *connection* error is retried here, with backoff, until
 * `retryTimeoutMS` (default 30 s) has passed since its first failure. After
 * that the partition fails with ONE `MsPASSError` naming the server and the
 * time waited, and `compute()` rejects with it — no partial result is ever
 * returned as if complete. Any other error (a bad query, a server-side
 * error that is not about the connection) fails at once.
 */
import { MsPASSError, maskCredentials } from "../errors.js";
import { nativeErrorKind } from "../native.js";
import { sleep } from "../option-checks.js";

export const DEFAULT_RETRY_TIMEOUT_MS = 30_000;

/**
 * Whether `err` (a binding error, or an MsPASSError wrapping one, possibly
 * rebuilt on another thread) is about reaching the server. The core decides
 * that from the driver's error kind and the server's numeric codes
 * (shutdown, not-primary, network: crates/mspass-core/src/error.rs) and
 * reports it as the "Connection" kind; nothing here reads message text.
 */
export function isConnectionError(err: unknown): boolean {
  return nativeErrorKind(err) === "Connection";
}

/** The server did not answer for `retryTimeoutMS`: the job cannot go on (never retried). */
export class ServerGoneError extends MsPASSError {}

/**
 * Run `op`, retrying connection errors until `timeoutMs` has passed since
 * the first failure; then throw one Fatal MsPASSError naming `uri` (masked).
 */
export async function withServerRetry<T>(
  op: () => Promise<T>,
  uri: string,
  what: string,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<T> {
  let firstFailure: number | undefined;
  let delay = 100;
  let attempts = 0;
  for (;;) {
    try {
      return await op();
    } catch (err) {
      if (!isConnectionError(err)) throw err;
      attempts++;
      const now = Date.now();
      firstFailure ??= now;
      if (now - firstFailure >= timeoutMs || signal?.aborted) {
        throw new ServerGoneError(
          `${what}: the database server at ${maskCredentials(uri)} did not answer: gave up after ${attempts} attempt(s) over ` +
            `${((now - firstFailure) / 1000).toFixed(1)} s (retryTimeoutMS ${timeoutMs}): ${(err as Error).message}`,
          "Fatal",
          { cause: err },
        );
      }
      await sleep(Math.min(delay, Math.max(0, firstFailure + timeoutMs - now)));
      delay = Math.min(delay * 2, 2000);
    }
  }
}
