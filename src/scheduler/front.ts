/**
 * The futures front: what every multi-worker scheduler offers its callers
 * (submit / map / gather / scatter / asCompleted / wait / cancel, and the
 * bag hooks defOf / groupOf / makeTask) over one task table. LocalScheduler
 * (worker threads) and RedisScheduler (worker processes on many hosts)
 * extend it and supply only what differs: how a runnable task is sent
 * (`enqueue`), how a cancel reaches a running one, and where scattered
 * data lives.
 */
import { EventEmitter } from "node:events";
import { MsPASSError } from "../errors.js";
import { Future, type Task, type TaskGroup } from "./future.js";
import {
  AsCompleted,
  gatherAll,
  waitFor,
  type GatherOptions,
  type WaitOptions,
  type WaitResult,
} from "./futures-ops.js";
import { positiveInt } from "../option-checks.js";
import { barFor, type ProgressOption } from "./progress.js";
import type { MemoryInfo } from "./protocol.js";
import { FnRegistry, GroupTable } from "./registry.js";
import { TaskTable, type MakeTaskOptions, type TaskTableConfig } from "./task-table.js";
import { isTaskOptions, type AnyFunction, type FnDef, type SubmitOptions, type TaskFn } from "./task-ref.js";

export interface MapOptions extends Omit<SubmitOptions, "key"> {
  /** Key prefix; keys are `${key}-${index}`. */
  key?: string;
  /** At most this many of these tasks go to a worker in one message (default: adaptive). */
  batchSize?: number;
  /** Terminal progress bar while they run (drawn only on a TTY). */
  progress?: ProgressOption;
}

export interface SchedulerGatherOptions extends GatherOptions {
  progress?: ProgressOption;
}

export interface ScatterOptions {
  /** Copy the data to every worker now (and to workers started later). */
  broadcast?: boolean;
}

export type WorkerStatus = "booting" | "ready" | "stopping" | "dead";

export interface WorkerInfo {
  id: number;
  name: string;
  status: WorkerStatus;
  threadId: number;
  /** Tasks sent to the worker and not yet reported. */
  processing: number;
  done: number;
  erred: number;
  memory: MemoryInfo | null;
}

/** One batch (LocalScheduler) or job (RedisScheduler) as the dashboard's task stream draws it. */
export interface StreamSegment {
  worker: number;
  name: string;
  start: number;
  end: number;
  n: number;
  erred: number;
}

/** JSON state served by the dashboard (`/api/state`). */
export interface SchedulerState {
  time: number;
  started: number;
  counts: { waiting: number; processing: number; done: number; erred: number; cancelled: number };
  workers: WorkerInfo[];
  groups: TaskGroup[];
  stream: StreamSegment[];
  restarts: number;
  reruns: number;
}

export abstract class FuturesFront extends EventEmitter {
  protected readonly tasks: TaskTable;
  protected readonly groups = new GroupTable();
  readonly #fns = new FnRegistry();

  protected constructor(config: TaskTableConfig) {
    super();
    this.tasks = new TaskTable(
      { enqueue: (t) => this.enqueue(t), cancel: (t) => this.cancelTask(t), active: (n) => this.activate(n) },
      config,
    );
  }

  abstract get closed(): boolean;

  /** A task may run now (state "waiting"): queue it for the workers. */
  protected abstract enqueue(t: Task): void;

  /** Future.cancel() of a pending task: settle it cancelled (and tell its worker, if running). */
  protected abstract cancelTask(t: Task): void;

  /** One scattered value as a future (see scatter). */
  protected abstract scatterOne<T>(value: T, broadcast: boolean): Future<T>;

  /** Unsettled tasks (and awaited control messages) changed by `n`. */
  protected activate(_n: number): void {}

  /** The task counters and groups of `state()` (scattered data is not a task group). */
  protected taskSummary(): Pick<SchedulerState, "counts" | "groups"> {
    const c = this.tasks.counts;
    return {
      counts: {
        waiting: c.waiting + c.queued,
        processing: c.processing,
        done: c.finished,
        erred: c.error,
        cancelled: c.cancelled,
      },
      groups: [...this.groups.values()].filter((g) => g.name !== "scatter").map((g) => ({ ...g })),
    };
  }

  protected checkOpen(where: string): void {
    if (this.closed) throw new MsPASSError(`${where}: the scheduler is closed`, "Invalid");
  }

  /** @internal Function definition (with id) for a bag stage. */
  defOf(fn: TaskFn, where: string): FnDef {
    this.checkOpen(where);
    return this.#fns.defOf(fn, where);
  }

  /** @internal Counters for a task name. */
  groupOf(name: string): TaskGroup {
    return this.groups.groupOf(name);
  }

  /** @internal Create a task (shared by submit, map and bags). */
  makeTask(
    def: FnDef | null,
    fnId: number,
    args: unknown[],
    opts: MakeTaskOptions,
    group: TaskGroup,
  ): Future<unknown> {
    return this.tasks.make(def, fnId, args, opts, group);
  }

  /**
   * Run `fn(...args)` on a worker. `fn` is a self-contained function (sent
   * as source; no closures) or `task(import.meta.url, "export")`. Futures
   * among the arguments (top level, or inside a top-level array) are
   * replaced by their values once they finish. Options go last, wrapped:
   * `submit(fn, a, b, taskOptions({ key, retries, priority, pure }))`.
   * Wrap an argument in `transfer(value, [buffers])` to move its buffers.
   */
  submit<F extends AnyFunction>(fn: TaskFn<F>, ...args: unknown[]): Future<Awaited<ReturnType<F>>> {
    this.checkOpen("submit");
    let opts: SubmitOptions = {};
    if (args.length > 0 && isTaskOptions(args[args.length - 1])) opts = args.pop() as SubmitOptions;
    const def = this.#fns.defOf(fn, "submit");
    return this.makeTask(def, def.id, args, opts, this.groupOf(def.name)) as Future<Awaited<ReturnType<F>>>;
  }

  /** `submit(fn, item)` for each item; returns the futures in order. */
  map<F extends AnyFunction>(
    fn: TaskFn<F>,
    items: Iterable<unknown>,
    options: MapOptions = {},
  ): Future<Awaited<ReturnType<F>>>[] {
    this.checkOpen("map");
    if (items === null || typeof (items as Iterable<unknown>)?.[Symbol.iterator] !== "function") {
      throw new MsPASSError("map: items must be an iterable", "Invalid");
    }
    const def = this.#fns.defOf(fn, "map");
    const batchCap =
      options.batchSize === undefined ? undefined : positiveInt(options.batchSize, "map: batchSize");
    const group = this.groupOf(def.name);
    const out: Future<Awaited<ReturnType<F>>>[] = [];
    let i = 0;
    const prefix = options.key;
    const base = {
      retries: options.retries,
      priority: options.priority,
      pure: options.pure,
      batchCap,
      key: undefined as string | undefined,
    };
    for (const item of items) {
      if (prefix !== undefined) base.key = `${prefix}-${i}`;
      out.push(this.makeTask(def, def.id, [item], base, group) as Future<Awaited<ReturnType<F>>>);
      i++;
    }
    // map() draws only when asked: the gather() or compute() that follows draws by default.
    const bar = barFor(options.progress ?? false, def.name);
    if (bar !== null) {
      bar.track(out);
      void gatherAll(out, { errors: "skip" }).then(() => bar.finish());
    }
    return out;
  }

  /** Values of the futures, in order (plain values pass through). See GatherOptions. */
  gather<T>(futures: Future<T>, options?: SchedulerGatherOptions): Promise<T>;
  gather<T>(futures: readonly (Future<T> | T)[], options?: SchedulerGatherOptions): Promise<T[]>;
  async gather<T>(
    futures: Future<T> | readonly (Future<T> | T)[],
    options: SchedulerGatherOptions = {},
  ): Promise<T | T[]> {
    if (futures instanceof Future) return futures.result();
    if (!Array.isArray(futures))
      throw new MsPASSError("gather: expected a Future or an array of futures", "Invalid");
    const bar = barFor(options.progress, "gather");
    if (bar !== null)
      bar.track(futures.filter((f): f is Future<T> => f instanceof Future) as Future<unknown>[]);
    try {
      return (await gatherAll(futures as readonly (Future<T> | T)[], options)) as T[];
    } finally {
      bar?.finish();
    }
  }

  /**
   * Put data where tasks can use it without sending it with every task
   * (dask's scatter). Returns a future at once (an array gives one future
   * per element) to pass as a task argument; do not `await` it unless you
   * want the value back. What `broadcast` does depends on the scheduler.
   */
  scatter<T>(data: T[], options?: ScatterOptions): Future<T>[];
  scatter<T>(data: T, options?: ScatterOptions): Future<T>;
  scatter<T>(data: T | T[], options: ScatterOptions = {}): Future<T> | Future<T>[] {
    this.checkOpen("scatter");
    const broadcast = options.broadcast === true;
    if (Array.isArray(data)) return data.map((d) => this.scatterOne<T>(d, broadcast));
    return this.scatterOne<T>(data as T, broadcast);
  }

  /** Futures in completion order: `for await (const f of s.asCompleted(fs))`. */
  asCompleted<T>(futures: Iterable<Future<T>> = []): AsCompleted<T> {
    return new AsCompleted(futures);
  }

  /** Wait for futures to settle (errors do not reject). */
  wait<T>(futures: Iterable<Future<T>>, options?: WaitOptions): Promise<WaitResult<T>> {
    return waitFor(futures, options);
  }

  /** Cancel futures (see Future.cancel). */
  cancel(futures: Future<unknown> | Iterable<Future<unknown>>): void {
    const list = futures instanceof Future ? [futures] : [...futures];
    for (const f of list) f.cancel();
  }
}
