/**
 * LocalScheduler: dask-style futures and worker plugins on Node
 * worker_threads, with crash recovery and a live dashboard.
 *
 * The rooms (each file says why it looks the way it does):
 * - front.ts + task-table.ts: the futures API and the task table, shared
 *   with RedisScheduler;
 * - local/pool.ts: worker threads, their control messages, ref/unref, and
 *   crash accounting (which task is charged a retry when a worker dies);
 * - local/dispatcher.ts: the queue, adaptive batches, results, task stream;
 * - local/plugins.ts: the registered plugins and their setup/teardown.
 * This file wires them together and holds scattered data.
 *
 * Workers are unref'd whenever nothing is pending, so an idle scheduler
 * never keeps Node alive; close() stops them gracefully.
 */
import { availableParallelism } from "node:os";
import type { ResourceLimits } from "node:worker_threads";
import { MsPASSError } from "../errors.js";
import { Dashboard } from "./dashboard.js";
import { deserializeError } from "./error-transport.js";
import { Future, TASK, type Task } from "./future.js";
import { FuturesFront, type SchedulerState, type WorkerInfo } from "./front.js";
import { nonNegativeInt, positiveInt } from "../option-checks.js";
import { Dispatcher, MAX_BATCH } from "./local/dispatcher.js";
import { PluginSet } from "./local/plugins.js";
import { WorkerPool } from "./local/pool.js";
import type { MainToWorker } from "./protocol.js";
import { checkArguments } from "./arg-guards.js";
import { registerScheduler, unregisterScheduler, type Scheduler } from "./scheduler.js";
import { pack, packContext } from "./serialize.js";
import { inSchedulerWorker, type PluginSpec, type RegisterPluginOptions } from "./worker-context.js";

export type {
  MapOptions,
  SchedulerGatherOptions,
  ScatterOptions,
  SchedulerState,
  StreamSegment,
  WorkerInfo,
} from "./front.js";
export { WorkerDiedError } from "./local/pool.js";

export interface LocalSchedulerOptions {
  /** Worker threads (default: the machine's cores, `os.availableParallelism()`). */
  nworkers?: number;
  /**
   * Per-worker V8 limits, e.g. `{ maxOldGenerationSizeMb: 512 }`; a worker exceeding them is replaced.
   * Without `maxOldGenerationSizeMb`, a worker's is 2047 MB (or the process's own, if lower): under
   * 2 GB, V8 collects a heap before it grows past about twice what it keeps, instead of four times.
   */
  resourceLimits?: ResourceLimits;
  /** Serve the live dashboard (default true). */
  dashboard?: boolean;
  /** First port to try on 127.0.0.1 (default 8787; the next free one is used if taken; 0 = any; false = no dashboard). */
  dashboardPort?: number | false;
  /** How long a stopping worker may take to finish its task and run teardowns (default 5000 ms). */
  stopTimeoutMs?: number;
}

export class LocalScheduler extends FuturesFront implements Scheduler {
  readonly nworkers: number;
  readonly #startedAt = Date.now();
  #dashboard: Dashboard | undefined;
  readonly #pool: WorkerPool;
  readonly #dispatcher: Dispatcher;
  readonly #plugins: PluginSet;
  #nextDataId = 1;
  /** Scattered data, kept to boot later workers with the broadcast ones and to send the others on demand. */
  #data = new Map<number, { value: unknown; broadcast: boolean }>();
  #closing: Promise<void> | undefined;

  private constructor(options: LocalSchedulerOptions) {
    super({ defaultBatchCap: MAX_BATCH, keepTransfers: true });
    this.nworkers =
      options.nworkers === undefined ? availableParallelism() : positiveInt(options.nworkers, "nworkers");
    const stopTimeoutMs =
      options.stopTimeoutMs === undefined ? 5000 : nonNegativeInt(options.stopTimeoutMs, "stopTimeoutMs");
    const closing = (): boolean => this.#closing !== undefined;
    const emit = (event: string, payload: unknown): void => void this.emit(event, payload);
    this.#dispatcher = new Dispatcher(this.tasks, () => this.#pool, closing, emit);
    this.#pool = new WorkerPool(
      {
        tasks: this.tasks,
        closing,
        bootState: () => ({ plugins: this.#plugins.wires(), data: this.#broadcastData() }),
        onResults: (w, m) => this.#dispatcher.onResults(w, m),
        dispatch: () => this.#dispatcher.dispatch(),
        requeueFront: (ts) => this.#dispatcher.requeueFront(ts),
        failQueued: (err) => this.#dispatcher.failQueued(err),
        emit,
      },
      options.resourceLimits,
      stopTimeoutMs,
    );
    this.#plugins = new PluginSet(this.#pool);
  }

  /**
   * Start `nworkers` worker threads (and the dashboard) and resolve once
   * every worker is ready. The oldest open scheduler is the default one for
   * `Bag.compute()`.
   */
  static async start(options: LocalSchedulerOptions = {}): Promise<LocalScheduler> {
    if (typeof options !== "object" || options === null) {
      throw new MsPASSError("LocalScheduler.start: options must be an object", "Invalid");
    }
    if (inSchedulerWorker()) {
      // Typically a script that submits task(import.meta.url, ...) from its own
      // unguarded top level: each worker imports it and would start a scheduler.
      throw new MsPASSError(
        "LocalScheduler.start() was called inside a scheduler worker. A worker imports the module of every task it " +
          "runs, so that module's top-level code runs in each worker: guard your script's main code with " +
          '`if (isMainThread)` (from "node:worker_threads") or keep task functions in a module of their own.',
        "Invalid",
      );
    }
    const s = new LocalScheduler(options);
    const ready = s.#pool.start(s.nworkers);
    // Booting workers are unref'd: hold the event loop open until start settles, or a
    // frontend with nothing else pending (node -e, stdin) exits 13 with no message.
    const keepAlive = setInterval(() => {}, 1 << 30);
    try {
      await ready;
      if (options.dashboard !== false && options.dashboardPort !== false) {
        const port =
          options.dashboardPort === undefined ? 8787 : nonNegativeInt(options.dashboardPort, "dashboardPort");
        s.#dashboard = await Dashboard.start(s, port);
      }
    } catch (err) {
      await s.close();
      throw err;
    } finally {
      clearInterval(keepAlive);
    }
    registerScheduler(s);
    return s;
  }

  /** `http://127.0.0.1:PORT/status`, or undefined when the dashboard is off. */
  get dashboardLink(): string | undefined {
    return this.#dashboard?.link;
  }

  get closed(): boolean {
    return this.#closing !== undefined;
  }

  // ---------------------------------------------------------------- the front's hooks

  protected enqueue(t: Task): void {
    this.#dispatcher.enqueue(t);
  }

  protected cancelTask(t: Task): void {
    this.#dispatcher.cancel(t);
  }

  protected override activate(n: number): void {
    this.#pool.activate(n);
  }

  // ---------------------------------------------------------------- scattered data

  /**
   * With `broadcast`, every worker (and every later one) gets a copy now and
   * the future finishes when all have it; otherwise a worker receives the
   * data with the first task that needs it.
   */
  protected scatterOne<T>(value: T, broadcast: boolean): Future<T> {
    checkScatterable(value);
    const dataId = this.#nextDataId++;
    this.#data.set(dataId, { value, broadcast });
    const f = this.makeTask(
      null,
      0,
      [],
      { key: `scatter-${dataId}`, hold: true },
      this.groupOf("scatter"),
    ) as Future<T>;
    const t = f[TASK];
    t.dataId = dataId;
    t.cancel = null;
    if (!broadcast) {
      this.tasks.settle(t, "finished", value);
      return f;
    }
    const live = this.#pool.live();
    void Promise.all(
      live.map((w) => {
        w.sentData.add(dataId);
        return this.#pool
          .control(w, { t: "data", seq: 0, id: dataId, value: pack(value, packContext("bytes")) })
          .then((err) => (err !== null && w.status !== "dead" ? deserializeError(err) : null));
      }),
    ).then((errs) => {
      const err = errs.find((e) => e !== null);
      if (err) this.tasks.settle(t, "error", undefined, err);
      else this.tasks.settle(t, "finished", value);
    });
    return f;
  }

  #broadcastData(): [number, unknown][] {
    const out: [number, unknown][] = [];
    for (const [dataId, d] of this.#data)
      if (d.broadcast) out.push([dataId, pack(d.value, packContext("bytes"))]);
    return out;
  }

  /** Forget scattered data on the workers and here. */
  release(futures: Future<unknown> | Iterable<Future<unknown>>): void {
    const list = futures instanceof Future ? [futures] : [...futures];
    const ids = list.map((f) => f[TASK].dataId).filter((d) => d > 0);
    for (const id of ids) this.#data.delete(id);
    for (const w of this.#pool.all) {
      const mine = ids.filter((id) => w.sentData.delete(id));
      if (mine.length > 0 && w.status !== "dead")
        w.thread.postMessage({ t: "drop", ids: mine } satisfies MainToWorker);
    }
  }

  // ---------------------------------------------------------------- plugins

  /**
   * Register a worker plugin (dask's `register_plugin`): every worker imports
   * `spec.module`, builds `spec.export` with `spec.options`, and runs its
   * `setup(worker)` before its next task; workers started later (restarts
   * included) set it up before their first task. Registering a name again
   * replaces the plugin (teardown, then setup). If any setup throws, the
   * plugin is removed from every worker (teardown where setup had succeeded)
   * and this rejects with that error. A worker that crashes cannot run
   * teardowns; its replacement runs setup again.
   */
  async registerPlugin(spec: PluginSpec, options: RegisterPluginOptions = {}): Promise<void> {
    this.checkOpen("registerPlugin");
    return this.#plugins.register(spec, options);
  }

  /** Alias of registerPlugin, for MsPASS-style code (`register_worker_plugin`). */
  registerWorkerPlugin(spec: PluginSpec, options: RegisterPluginOptions = {}): Promise<void> {
    return this.registerPlugin(spec, options);
  }

  /** Tear the plugin down on every worker and forget it. */
  async unregisterPlugin(name: string): Promise<void> {
    this.checkOpen("unregisterPlugin");
    return this.#plugins.unregister(name);
  }

  /** Names of the registered plugins, in registration order. */
  plugins(): string[] {
    return this.#plugins.names();
  }

  // ---------------------------------------------------------------- diagnostics

  workers(): WorkerInfo[] {
    return this.#pool.all.map((w) => ({
      id: w.id,
      name: w.name,
      status: w.status,
      threadId: w.thread.threadId,
      processing: w.inflight.length,
      done: w.done,
      erred: w.erred,
      memory: w.mem,
    }));
  }

  /** Ask every worker for its heap use (the dashboard does this while someone watches). */
  pollMemory(): void {
    for (const w of this.#pool.all)
      if (w.status === "ready") w.thread.postMessage({ t: "mem" } satisfies MainToWorker);
  }

  /** Snapshot for the dashboard; `since` limits the task stream to segments ending after it (epoch ms). */
  state(since = 0): SchedulerState {
    return {
      time: Date.now(),
      started: this.#startedAt,
      ...this.taskSummary(),
      workers: this.workers(),
      stream: this.#dispatcher.streamSince(since),
      restarts: this.#pool.restarts,
      reruns: this.#pool.reruns,
    };
  }

  // ---------------------------------------------------------------- shutdown

  /**
   * Stop every worker gracefully: each finishes the task it is running (up
   * to `stopTimeoutMs`), runs its plugins' teardowns, then is terminated.
   * Pending futures reject. Afterwards nothing of the scheduler keeps Node
   * alive.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    unregisterScheduler(this);
    const closed = new MsPASSError("the scheduler was closed", "Fatal");
    this.#dispatcher.failQueued(closed);
    this.tasks.failWaiting(closed);
    this.#pool.rejectBootWaiters(closed);
    await this.#pool.stopAll();
    await this.#dashboard?.close();
    this.#dashboard = undefined;
    this.#pool.unref();
    unregisterScheduler(this); // a start() that finished while this close ran registered it meanwhile
  }
}

/** Scattered data must survive a structured clone (it is copied to workers, data objects through the codec). */
function checkScatterable(value: unknown): void {
  checkArguments([value], "scatter");
  try {
    structuredClone(pack(value, packContext("bytes")));
  } catch (err) {
    throw new MsPASSError(
      `scatter: the data cannot be sent to workers: ${(err as Error).message}`,
      "Invalid",
    );
  }
}
