/**
 * Futures: the handle `submit` returns for one task, after dask's Future.
 *
 * A Future is awaitable (`await future`) and settles once. Its promise is
 * created lazily, so a task that fails while nobody waits for it never
 * raises an unhandled rejection; the error is kept for `result()`,
 * `exception()` and `gather`.
 *
 * Being awaitable has one consequence: returning a Future from an async
 * function (or resolving a promise with it) hands out its value, not the
 * Future. Return futures inside arrays or objects when you need them.
 */
import { MsPASSError } from "../errors.js";
import type { FnDef } from "./task-ref.js";

export type FutureStatus = "pending" | "finished" | "error" | "cancelled";

/** Raised by a cancelled future. */
export class CancelledError extends MsPASSError {
  constructor(key: string) {
    super(`task ${key} was cancelled`, "Informational");
    this.name = "CancelledError";
  }
}

/** Per-task-name counters (dask's task prefix), for progress and the dashboard. */
export interface TaskGroup {
  name: string;
  total: number;
  done: number;
  erred: number;
  cancelled: number;
}

export type TaskState = "waiting" | "queued" | "processing" | "finished" | "error" | "cancelled";

/** @internal Scheduler-side state of one task. */
export interface Task {
  id: number;
  key: string;
  state: TaskState;
  fnId: number;
  /** Other functions the worker must know (bag stages). */
  needs: FnDef[] | null;
  def: FnDef | null;
  args: unknown[];
  /** Futures among the arguments (top level or inside a top-level array). */
  deps: Task[] | null;
  pendingDeps: number;
  hasScatterRefs: boolean;
  transfer: ArrayBuffer[] | null;
  retriesLeft: number;
  attempts: number;
  /** Times the task ran to completion on a worker that died before reporting it. */
  reruns: number;
  priority: number;
  batchCap: number;
  group: TaskGroup;
  worker: unknown;
  value: unknown;
  error: Error | undefined;
  /** One callback, or several (most tasks have exactly one: gather's). */
  listeners: ((t: Task) => void) | ((t: Task) => void)[] | null;
  future: Future<unknown> | null;
  /** Scattered data id when this future stands for scattered data. */
  dataId: number;
  cancel: ((t: Task) => void) | null;
}

export const TASK: unique symbol = Symbol("mspass.task");

export class Future<T = unknown> implements PromiseLike<T> {
  /** @internal */
  readonly [TASK]: Task;
  #promise: Promise<T> | undefined;

  /** @internal Futures are made by the scheduler. */
  constructor(task: Task) {
    this[TASK] = task;
  }

  get key(): string {
    return this[TASK].key;
  }

  get status(): FutureStatus {
    const s = this[TASK].state;
    return s === "finished" || s === "error" || s === "cancelled" ? s : "pending";
  }

  /** How many times the task was started (including retries). */
  get attempts(): number {
    return this[TASK].attempts;
  }

  /** Runs whose completion was lost with a dying worker and therefore re-run. */
  get reruns(): number {
    return this[TASK].reruns;
  }

  done(): boolean {
    return this.status !== "pending";
  }

  /** The task's value; rejects with its error (worker message and stack) or a CancelledError. */
  result(): Promise<T> {
    this.#promise ??= new Promise<T>((resolve, reject) => {
      onSettled(this[TASK], (t) => {
        if (t.state === "finished") resolve(t.value as T);
        else reject(t.error);
      });
    });
    return this.#promise;
  }

  /** The task's error, or undefined when it succeeded. Never rejects. */
  exception(): Promise<Error | undefined> {
    return new Promise((resolve) =>
      onSettled(this[TASK], (t) => resolve(t.state === "finished" ? undefined : t.error)),
    );
  }

  /** Cancel the task: a queued task never runs; a running one's result is discarded. */
  cancel(): void {
    const t = this[TASK];
    if (t.cancel !== null && !isSettled(t)) t.cancel(t);
  }

  /** Call `fn` once the future settles (immediately if it has). */
  addDoneCallback(fn: (future: Future<T>) => void): void {
    onSettled(this[TASK], () => fn(this));
  }

  then<R1 = T, R2 = never>(
    onfulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    return this.result().then(onfulfilled, onrejected);
  }

  toString(): string {
    return `<Future ${this.key} ${this.status}>`;
  }
}

export function isSettled(t: Task): boolean {
  return t.state === "finished" || t.state === "error" || t.state === "cancelled";
}

export function onSettled(t: Task, fn: (t: Task) => void): void {
  if (isSettled(t)) fn(t);
  else if (t.listeners === null) t.listeners = fn;
  else if (typeof t.listeners === "function") t.listeners = [t.listeners, fn];
  else t.listeners.push(fn);
}

/** @internal Settle and notify; returns false when it was already settled. */
export function settle(
  t: Task,
  state: "finished" | "error" | "cancelled",
  value: unknown,
  error?: Error,
): boolean {
  if (isSettled(t)) return false;
  t.state = state;
  t.value = value;
  t.error = error;
  if (state === "finished") t.group.done++;
  else if (state === "error") t.group.erred++;
  else t.group.cancelled++;
  t.args = EMPTY;
  t.deps = null;
  t.transfer = null;
  const ls = t.listeners;
  t.listeners = null;
  if (typeof ls === "function") ls(t);
  else if (ls !== null) for (const l of ls) l(t);
  return true;
}

const EMPTY: unknown[] = [];

export function isFuture(x: unknown): x is Future<unknown> {
  return x instanceof Future;
}
