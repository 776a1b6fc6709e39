/**
 * Operations over many futures, after dask: gather, wait, as_completed.
 * They only observe futures, so they work with any scheduler's futures.
 */
import { MsPASSError } from "../errors.js";
import { Future, TASK, onSettled, type Task } from "./future.js";

export interface GatherOptions {
  /** "raise" (default): reject with the first error. "skip": leave failed and cancelled futures out. */
  errors?: "raise" | "skip";
}

function checkErrors(errors: unknown): "raise" | "skip" {
  if (errors === undefined) return "raise";
  if (errors !== "raise" && errors !== "skip") {
    throw new MsPASSError(`gather: errors must be "raise" or "skip", got ${String(errors)}`, "Invalid");
  }
  return errors;
}

/** Values of `items` in order; non-future items pass through unchanged. */
export function gatherAll<T>(items: readonly (Future<T> | T)[], options: GatherOptions = {}): Promise<T[]> {
  const mode = checkErrors(options.errors);
  return new Promise<T[]>((resolve, reject) => {
    const n = items.length;
    const values: unknown[] = new Array(n);
    const failed: boolean[] | null = mode === "skip" ? new Array(n).fill(false) : null;
    let pending = 1; // held until every future is registered: settled ones call back synchronously
    let finished = false;
    const complete = (): void => {
      if (finished) return;
      finished = true;
      if (failed === null) resolve(values as T[]);
      else resolve(values.filter((_v, i) => !failed[i]) as T[]);
    };
    for (let i = 0; i < n; i++) {
      const it = items[i];
      if (!(it instanceof Future)) {
        values[i] = it;
        continue;
      }
      pending++;
      onSettled(it[TASK], (t: Task) => {
        if (finished) return;
        if (t.state === "finished") values[i] = t.value;
        else if (failed !== null) failed[i] = true;
        else {
          finished = true;
          reject(t.error);
          return;
        }
        if (--pending === 0) complete();
      });
    }
    if (--pending === 0) complete();
  });
}

export interface WaitOptions {
  /** Milliseconds; rejects with MsPASSError when exceeded. */
  timeout?: number;
  returnWhen?: "ALL_COMPLETED" | "FIRST_COMPLETED";
}

export interface WaitResult<T> {
  done: Set<Future<T>>;
  notDone: Set<Future<T>>;
}

/** Wait until all (or the first of) `futures` settle; never rejects because of a task's error. */
export function waitFor<T>(futures: Iterable<Future<T>>, options: WaitOptions = {}): Promise<WaitResult<T>> {
  const list = [...futures];
  const all = (options.returnWhen ?? "ALL_COMPLETED") === "ALL_COMPLETED";
  if (
    options.returnWhen !== undefined &&
    options.returnWhen !== "ALL_COMPLETED" &&
    options.returnWhen !== "FIRST_COMPLETED"
  ) {
    throw new MsPASSError(
      `wait: returnWhen must be "ALL_COMPLETED" or "FIRST_COMPLETED", got ${String(options.returnWhen)}`,
      "Invalid",
    );
  }
  return new Promise((resolve, reject) => {
    let remaining = list.length;
    let timer: NodeJS.Timeout | undefined;
    let ended = false;
    const finish = (): void => {
      if (ended) return;
      ended = true;
      if (timer) clearTimeout(timer);
      const done = new Set<Future<T>>();
      const notDone = new Set<Future<T>>();
      for (const f of list) (f.done() ? done : notDone).add(f);
      resolve({ done, notDone });
    };
    if (remaining === 0) return finish();
    for (const f of list) {
      if (!(f instanceof Future)) {
        ended = true;
        return reject(new MsPASSError("wait: every item must be a Future", "Invalid"));
      }
      onSettled(f[TASK], () => {
        remaining--;
        if (!all || remaining === 0) finish();
      });
    }
    if (options.timeout !== undefined && !ended) {
      timer = setTimeout(() => {
        if (ended) return;
        ended = true;
        reject(
          new MsPASSError(
            `wait: ${remaining} of ${list.length} futures still pending after ${options.timeout} ms`,
            "Suspect",
          ),
        );
      }, options.timeout);
    }
  });
}

/**
 * Futures in the order they settle (dask's as_completed). Iterate with
 * `for await`; `add()` puts more futures in while iterating. With
 * `withResults`, yields `[future, value]` pairs and throws a task's error.
 */
export class AsCompleted<T> implements AsyncIterable<Future<T>> {
  #ready: Future<T>[] = [];
  #pending = 0;
  #wake: (() => void) | null = null;

  constructor(futures: Iterable<Future<T>> = []) {
    for (const f of futures) this.add(f);
  }

  add(future: Future<T>): void {
    if (!(future instanceof Future))
      throw new MsPASSError("asCompleted: every item must be a Future", "Invalid");
    this.#pending++;
    future.addDoneCallback((f) => {
      this.#pending--;
      this.#ready.push(f);
      const w = this.#wake;
      this.#wake = null;
      w?.();
    });
  }

  /** Futures not yet yielded. */
  count(): number {
    return this.#pending + this.#ready.length;
  }

  // A hand-written iterator, not an async generator: `yield` in an async
  // generator awaits its operand, and a Future is awaitable, so a generator
  // would hand out values instead of futures.
  [Symbol.asyncIterator](): AsyncIterator<Future<T>> {
    return {
      next: async (): Promise<IteratorResult<Future<T>>> => {
        for (;;) {
          if (this.#ready.length > 0) return { value: this.#ready.shift()!, done: false };
          if (this.#pending === 0) return { value: undefined, done: true };
          await new Promise<void>((r) => (this.#wake = r));
        }
      },
    };
  }

  /** Yields `[future, value]`; a failed future's error is thrown. */
  withResults(): AsyncIterable<[Future<T>, T]> {
    const it = this[Symbol.asyncIterator]();
    return {
      [Symbol.asyncIterator]: () => ({
        next: async (): Promise<IteratorResult<[Future<T>, T]>> => {
          const r = await it.next();
          if (r.done) return { value: undefined, done: true };
          return { value: [r.value, await r.value.result()], done: false };
        },
      }),
    };
  }
}
