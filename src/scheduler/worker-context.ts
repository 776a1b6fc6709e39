/**
 * The worker object that plugins and task code see inside a worker thread,
 * and `getWorker()` (dask's `get_worker`) to reach it from task code.
 *
 * This module is loaded both by the worker entry and, through the package
 * index, by task modules; both resolve to the same compiled file, so they
 * share the one `current` worker.
 */
import { isMainThread } from "node:worker_threads";
import { MsPASSError } from "../errors.js";
import { native } from "../native.js";

/** A plugin instance living in one worker (built there from its module + export). */
export interface WorkerPlugin {
  /** Runs on every worker before its next task, and on every worker started later. */
  setup?(worker: SchedulerWorker): void | Promise<void>;
  /** Runs when the worker stops or the plugin is unregistered or replaced. */
  teardown?(worker: SchedulerWorker): void | Promise<void>;
}

/**
 * Where a plugin comes from: each worker imports `module` and builds
 * `export` with `options`: a class is constructed (`new Export(options)`), a
 * plain function is called as a factory (`Export(options)`, may be async),
 * an object with `setup`/`teardown` is used as is.
 */
export interface PluginSpec<O = unknown> {
  module: string | URL;
  export: string;
  options?: O;
}

export interface RegisterPluginOptions {
  /** Registry key (default: the export name). Registering a name again replaces that plugin. */
  name?: string;
  /** If true and a plugin with this name is already registered, keep it and do nothing (dask's `idempotent`). */
  idempotent?: boolean;
}

/** One worker thread, as seen from inside it. */
export class SchedulerWorker {
  /** Unique over the scheduler's life; a restarted worker gets a new id. */
  readonly id: number;
  /** e.g. "worker-3". */
  readonly name: string;
  readonly threadId: number;
  /** Per-worker state for plugins and tasks (e.g. a database handle). */
  readonly data = new Map<string, unknown>();
  /** Plugins set up on this worker, by registry name. */
  readonly plugins = new Map<string, WorkerPlugin>();
  readonly #stop = new AbortController();
  #taskId = -1;
  #task: AbortController | undefined;
  #releaseWhenSent: ArrayBuffer[] = [];

  constructor(id: number, name: string, threadId: number) {
    this.id = id;
    this.name = name;
    this.threadId = threadId;
  }

  /**
   * Aborted when the scheduler asks this worker to stop (close()). Long
   * native async work should listen to it and wind down: the worker is
   * terminated once its running task ends or the stop deadline passes.
   */
  get stopSignal(): AbortSignal {
    return this.#stop.signal;
  }

  /**
   * Signal of the task running now: aborted when its future is cancelled or
   * the worker is asked to stop. Pass it to cancellable async work.
   */
  get taskSignal(): AbortSignal {
    if (this.#task === undefined) {
      this.#task = new AbortController();
      if (this.#taskId < 0 || this.#stop.signal.aborted)
        this.#task.abort(this.#stop.signal.reason ?? "no task is running");
    }
    return this.#task.signal;
  }

  /**
   * Id of the task running now (-1 between tasks). A task retried after its
   * worker died keeps its id, so it can key idempotent side effects.
   */
  get taskId(): number {
    return this.#taskId;
  }

  /**
   * Hand `buffer`'s memory back as soon as the results of the running task
   * have left this worker, instead of whenever the garbage collector next
   * finds it unreachable (V8 does not collect for memory held outside its
   * heap until that has grown by tens of megabytes, so a worker running task
   * after task would otherwise carry several dead tasks' buffers).
   *
   * For memory the task owns alone, such as the samples it read: once
   * released, the buffer is detached and every view of it reads as empty,
   * so nothing may keep a view past the task, nor hand one to work the task
   * does not await. What the task returns is sent (copied or moved) before
   * the release, so results are safe.
   */
  releaseAfterTask(buffer: ArrayBufferLike): void {
    if (buffer instanceof ArrayBuffer && buffer.byteLength > 0) this.#releaseWhenSent.push(buffer);
  }

  /** @internal The results waiting to leave have been sent: release what their tasks gave up. */
  releaseSent(): void {
    if (this.#releaseWhenSent.length === 0) return;
    const list = this.#releaseWhenSent;
    this.#releaseWhenSent = [];
    for (const b of list) {
      // Already detached: moved out with the results, or listed twice.
      if (b.byteLength === 0) continue;
      try {
        native.releaseBuffer(b);
      } catch {
        // Not detachable (e.g. a WebAssembly memory): the collector frees it as before.
      }
    }
  }

  /** @internal */
  beginTask(id: number): void {
    this.#taskId = id;
    this.#task = undefined; // created on first use only: most tasks never ask
  }

  /** @internal */
  endTask(): void {
    this.#taskId = -1;
    this.#task = undefined;
  }

  /** @internal A cancel arrived for task `id`. */
  cancelTask(id: number): void {
    if (id !== this.#taskId) return;
    this.#task ??= new AbortController();
    this.#task.abort(new Error("task cancelled"));
  }

  /** @internal The scheduler asked this worker to stop. */
  requestStop(): void {
    const reason = new Error(`${this.name} is stopping`);
    this.#stop.abort(reason);
    this.#task?.abort(reason);
    if (this.#taskId >= 0 && this.#task === undefined) {
      this.#task = new AbortController();
      this.#task.abort(reason);
    }
  }
}

let current: SchedulerWorker | undefined;

/** @internal Called once by the worker entry. */
export function setCurrentWorker(worker: SchedulerWorker): void {
  current = worker;
}

/** True inside a scheduler worker thread. */
export function inSchedulerWorker(): boolean {
  return current !== undefined;
}

/**
 * The worker running the calling task or plugin. Throws MsPASSError when
 * called outside a scheduler worker (e.g. on the main thread).
 */
export function getWorker(): SchedulerWorker {
  if (current === undefined) {
    throw new MsPASSError(
      isMainThread
        ? "getWorker() was called on the main thread: it only works in code running on a scheduler worker"
        : "getWorker() was called in a worker thread that is not a mspass scheduler worker",
      "Invalid",
    );
  }
  return current;
}
