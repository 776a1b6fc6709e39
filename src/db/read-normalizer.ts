/**
 * How readData's `normalize` option reaches the normalize layer.
 * Normalization sits ABOVE db (its matchers query a Database), so db never
 * imports it: normalize/read-hook.ts installs itself here when it loads. The
 * package root loads it, and so does every task module that reads with
 * `normalize` on a worker (parallel/read-task.ts).
 */
import { MsPASSError } from "../errors.js";
import type { Database } from "./database.js";

export interface ReadNormalizer {
  /** The matchers of a `normalize` list, resolved against `db`; throws, naming `fn`, on a bad list. */
  parse(db: Database, list: unknown, fn: string): readonly unknown[];
  /** Apply matchers from `parse` to what readData built (a datum or an ensemble's members). */
  apply<R>(result: R, matchers: readonly unknown[]): Promise<R>;
}

let installed: ReadNormalizer | undefined;

/** Called once by the normalize layer when it loads. */
export function installReadNormalizer(n: ReadNormalizer): void {
  installed = n;
}

/** The installed normalizer; `fn` names the caller in the error when none is. */
export function readNormalizer(fn: string): ReadNormalizer {
  if (installed === undefined)
    throw new MsPASSError(
      `${fn}: the normalize option needs mspass's normalize layer, which is not loaded in this thread: ` +
        `import from "mspass" (the package root) rather than from a file inside it`,
      "Invalid",
    );
  return installed;
}
