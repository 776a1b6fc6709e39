/**
 * LocalScheduler: dask-style futures and worker plugins on Node
 * worker_threads, with crash recovery and a live dashboard.
 *
 * Design notes (why it looks like this):
 * - Tasks go to workers in adaptive batches (about BATCH_TARGET_MS of work
 *   each, two batches buffered per worker) and results come back in batches:
 *   a message per task would cost a full postMessage round trip each.
 * - Workers run tasks in the order received, so the main thread pairs
 *   results with its in-flight list by position.
 * - Each worker publishes the id of the task it is running in a shared
 *   Float64Array. When a worker dies, that task alone is charged a retry;
 *   the others it held are rescheduled for free (and those that had
 *   completed without reporting are counted as reruns on their futures).
 * - Plugin changes go on a per-worker MessagePort and bump a shared epoch
 *   counter; workers check it (one Atomics.load) before every task and pull
 *   the change with receiveMessageOnPort, so setup/teardown happen before
 *   the next task even in the middle of a batch of synchronous tasks, which
 *   never lets the worker's event loop deliver a message.
 * - Workers are unref'd whenever nothing is pending, so an idle scheduler
 *   never keeps Node alive; close() stops them gracefully.
 */
import { EventEmitter } from "node:events";
import { createHash } from "node:crypto";
import { availableParallelism } from "node:os";
import { serialize } from "node:v8";
import { MessageChannel, Worker, type MessagePort, type ResourceLimits } from "node:worker_threads";
import { MsPASSError } from "../errors.js";
import { Dashboard } from "./dashboard.js";
import { deserializeError, type ErrorInfo } from "./error-transport.js";
import {
  CancelledError,
  Future,
  TASK,
  isSettled,
  onSettled,
  settle,
  type Task,
  type TaskGroup,
  type TaskState,
} from "./future.js";
import { AsCompleted, gatherAll, waitFor, type GatherOptions, type WaitOptions, type WaitResult } from "./futures-ops.js";
import { barFor, type ProgressOption } from "./progress.js";
import type { ControlMessage, DataRef, MainToWorker, MemoryInfo, PluginWire, ResultsMessage, WorkerBoot, WorkerToMain } from "./protocol.js";
import { Deque, PriorityQueue } from "./queue.js";
import { checkArguments } from "./arg-guards.js";
import { FnRegistry, GroupTable } from "./registry.js";
import {
  isTaskOptions,
  isTransfer,
  normalizeModule,
  type AnyFunction,
  type FnDef,
  type SubmitOptions,
  type TaskFn,
} from "./task-ref.js";
import { inSchedulerWorker, type PluginSpec, type RegisterPluginOptions } from "./worker-context.js";
import { workerExecArgv } from "./worker-exec-argv.js";

const WORKER_URL = new URL("./worker.js", import.meta.url);
const BATCH_TARGET_MS = 4;
const MAX_BATCH = 4096;
const MAX_BOOT_FAILURES = 3;
const STREAM_KEEP = 4000;
/** No results for this long (ms) = busy with a slow task: do not queue more behind it. */
const STALL_MS = 25;

export interface LocalSchedulerOptions {
  /** Worker threads (default: the machine's cores, `os.availableParallelism()`). */
  nworkers?: number;
  /** Per-worker V8 limits, e.g. `{ maxOldGenerationSizeMb: 512 }`; a worker exceeding them is replaced. */
  resourceLimits?: ResourceLimits;
  /** Serve the live dashboard (default true). */
  dashboard?: boolean;
  /** First port to try on 127.0.0.1 (default 8787; the next free one is used if taken; 0 = any; false = no dashboard). */
  dashboardPort?: number | false;
  /** How long a stopping worker may take to finish its task and run teardowns (default 5000 ms). */
  stopTimeoutMs?: number;
}

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

/** Reason given to futures whose worker died and that have no retries left. */
export class WorkerDiedError extends MsPASSError {
  constructor(message: string) {
    super(message, "Fatal");
    this.name = "WorkerDiedError";
  }
}

export interface WorkerInfo {
  id: number;
  name: string;
  status: "booting" | "ready" | "stopping" | "dead";
  threadId: number;
  /** Tasks sent to the worker and not yet reported. */
  processing: number;
  done: number;
  erred: number;
  memory: MemoryInfo | null;
}

interface StreamSegment {
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

interface Ack {
  resolve(error: ErrorInfo | null): void;
}

interface Slot {
  index: number;
  bootFailures: number;
  abandoned: boolean;
}

interface WorkerRec {
  id: number;
  name: string;
  slot: Slot;
  thread: Worker;
  running: Float64Array;
  /** Plugin changes go here (see WorkerBoot.pluginPort), then pluginEpoch[0] is bumped. */
  pluginPort: MessagePort;
  pluginEpoch: Int32Array;
  status: "booting" | "ready" | "stopping" | "dead";
  inflight: Deque<Task>;
  sentFns: Set<number>;
  sentData: Set<number>;
  acks: Map<number, Ack>;
  cancelIds: number[] | null;
  mem: MemoryInfo | null;
  /** When it last reported results, or was handed work while idle (performance.now()). */
  progressAt: number;
  done: number;
  erred: number;
  lastError: Error | undefined;
  bootError: Error | undefined;
  exited: Promise<number>;
}

/** Open schedulers, oldest first; the oldest is the default for Bag.compute(). */
const openSchedulers = new Set<LocalScheduler>();

/** @internal The scheduler bags use when compute() is given none. */
export function currentScheduler(): LocalScheduler | undefined {
  for (const s of openSchedulers) return s;
  return undefined;
}

function positiveInt(v: unknown, what: string): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 1) {
    throw new MsPASSError(`${what} must be a positive integer, got ${String(v)}`, "Invalid");
  }
  return v;
}

function nonNegativeInt(v: unknown, what: string): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0) {
    throw new MsPASSError(`${what} must be a non-negative integer, got ${String(v)}`, "Invalid");
  }
  return v;
}

export class LocalScheduler extends EventEmitter {
  readonly nworkers: number;
  readonly #resourceLimits: ResourceLimits | undefined;
  readonly #stopTimeoutMs: number;
  readonly #startedAt = Date.now();
  #dashboard: Dashboard | undefined;

  #workers: WorkerRec[] = [];
  #slots: Slot[] = [];
  #nextWorkerId = 1;
  #nextTaskId = 1;
  #nextDataId = 1;
  #nextSeq = 1;
  #nextPluginVersion = 1;
  #rr = 0;

  #queue = new PriorityQueue<Task>();
  #counts: Record<TaskState, number> = { waiting: 0, queued: 0, processing: 0, finished: 0, error: 0, cancelled: 0 };
  /** Tasks not settled + control operations awaiting acks; workers are ref'd while > 0. */
  #active = 0;
  #refd = false;
  #dispatchQueued = false;
  /** Measured milliseconds per task, by task name (EMA). */
  #avgMs = new Map<string, number>();

  readonly #fns = new FnRegistry();
  /** Pending tasks by explicit or pure key (automatic keys are unique and not indexed). */
  #keys = new Map<string, Future<unknown>>();
  /** Tasks waiting for dependencies (close() rejects them). */
  #waitingDeps = new Set<Task>();
  readonly #cancelFn = (t: Task): void => this.#cancelTask(t);
  readonly #groups = new GroupTable();
  #plugins = new Map<string, PluginWire>();
  #data = new Map<number, { value: unknown; broadcast: boolean }>();
  #stream: StreamSegment[] = [];
  #restarts = 0;
  #reruns = 0;

  #closing: Promise<void> | undefined;
  #bootWaiters: { resolve(): void; reject(e: Error): void }[] = [];

  private constructor(options: LocalSchedulerOptions) {
    super();
    this.nworkers = options.nworkers === undefined ? availableParallelism() : positiveInt(options.nworkers, "nworkers");
    this.#resourceLimits = options.resourceLimits;
    this.#stopTimeoutMs = options.stopTimeoutMs === undefined ? 5000 : nonNegativeInt(options.stopTimeoutMs, "stopTimeoutMs");
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
    for (let i = 0; i < s.nworkers; i++) {
      const slot: Slot = { index: i, bootFailures: 0, abandoned: false };
      s.#slots.push(slot);
      s.#spawn(slot);
    }
    // Booting workers are unref'd: hold the event loop open until start settles, or a
    // frontend with nothing else pending (node -e, stdin) exits 13 with no message.
    const keepAlive = setInterval(() => {}, 1 << 30);
    try {
      await s.#untilReady();
      if (options.dashboard !== false && options.dashboardPort !== false) {
        const port = options.dashboardPort === undefined ? 8787 : nonNegativeInt(options.dashboardPort, "dashboardPort");
        s.#dashboard = await Dashboard.start(s, port);
      }
    } catch (err) {
      await s.close();
      throw err;
    } finally {
      clearInterval(keepAlive);
    }
    openSchedulers.add(s);
    return s;
  }

  /** `http://127.0.0.1:PORT/status`, or undefined when the dashboard is off. */
  get dashboardLink(): string | undefined {
    return this.#dashboard?.link;
  }

  get closed(): boolean {
    return this.#closing !== undefined;
  }

  // ---------------------------------------------------------------- workers

  #spawn(slot: Slot): WorkerRec {
    const id = this.#nextWorkerId++;
    const name = `worker-${id}`;
    const state = new SharedArrayBuffer(16);
    const running = new Float64Array(state);
    running[0] = -1;
    const broadcast: [number, unknown][] = [];
    for (const [dataId, d] of this.#data) if (d.broadcast) broadcast.push([dataId, d.value]);
    const plugins = new MessageChannel();
    const epoch = new SharedArrayBuffer(4);
    const boot: WorkerBoot = {
      id,
      name,
      state,
      plugins: [...this.#plugins.values()],
      pluginPort: plugins.port2,
      pluginEpoch: epoch,
      data: broadcast,
    };
    const thread = new Worker(WORKER_URL, { workerData: boot, transferList: [plugins.port2], resourceLimits: this.#resourceLimits, execArgv: workerExecArgv() });
    let onExit!: (code: number) => void;
    const w: WorkerRec = {
      id,
      name,
      slot,
      thread,
      running,
      pluginPort: plugins.port1,
      pluginEpoch: new Int32Array(epoch),
      status: "booting",
      inflight: new Deque<Task>(),
      sentFns: new Set(),
      sentData: new Set(broadcast.map(([d]) => d)),
      acks: new Map(),
      cancelIds: null,
      mem: null,
      progressAt: 0,
      done: 0,
      erred: 0,
      lastError: undefined,
      bootError: undefined,
      exited: new Promise<number>((r) => (onExit = r)),
    };
    if (!this.#refd) thread.unref();
    thread.on("message", (m: WorkerToMain) => this.#onMessage(w, m));
    thread.on("error", (err) => {
      w.lastError = err;
    });
    thread.on("exit", (code) => {
      onExit(code);
      this.#onExit(w, code);
    });
    this.#workers.push(w);
    return w;
  }

  #untilReady(): Promise<void> {
    if (this.#workers.some((w) => w.status === "ready")) {
      if (this.#workers.every((w) => w.status !== "booting")) return Promise.resolve();
    }
    return new Promise((resolve, reject) => this.#bootWaiters.push({ resolve, reject }));
  }

  #checkBootWaiters(): void {
    if (this.#bootWaiters.length === 0) return;
    const booting = this.#workers.some((w) => w.status === "booting");
    if (booting) return;
    const waiters = this.#bootWaiters;
    this.#bootWaiters = [];
    if (this.#workers.some((w) => w.status === "ready")) for (const b of waiters) b.resolve();
    else {
      const err = this.#noWorkersError();
      for (const b of waiters) b.reject(err);
    }
  }

  #lastBootError: Error | undefined;

  #noWorkersError(): MsPASSError {
    const why = this.#lastBootError ? `: ${this.#lastBootError.message}` : "";
    return new MsPASSError(`no scheduler worker could start${why}`, "Fatal", { cause: this.#lastBootError });
  }

  #setRef(on: boolean): void {
    if (on === this.#refd) return;
    this.#refd = on;
    for (const w of this.#workers) {
      if (on) w.thread.ref();
      else w.thread.unref();
    }
  }

  #activate(n: number): void {
    this.#active += n;
    if (this.#active > 0) this.#setRef(true);
    else if (this.#active === 0) this.#setRef(false);
  }

  #onMessage(w: WorkerRec, m: WorkerToMain): void {
    switch (m.t) {
      case "res":
        this.#onResults(w, m);
        break;
      case "ack": {
        const a = w.acks.get(m.seq);
        w.acks.delete(m.seq);
        a?.resolve(m.error);
        break;
      }
      case "ready":
        w.mem = m.mem;
        if (w.status === "booting") w.status = "ready";
        w.slot.bootFailures = 0;
        this.#checkBootWaiters();
        this.#dispatch();
        break;
      case "boot-error":
        w.bootError = deserializeError(m.error);
        break;
      case "mem":
        w.mem = m.mem;
        break;
    }
  }

  #describeDeath(w: WorkerRec, code: number): string {
    const e = w.lastError;
    if (e !== undefined) {
      const c = (e as { code?: string }).code;
      if (c === "ERR_WORKER_OUT_OF_MEMORY") {
        const lim = this.#resourceLimits ? ` (resourceLimits ${JSON.stringify(this.#resourceLimits)})` : "";
        return `it ran out of memory${lim}: ${e.message}`;
      }
      return `uncaught ${e.name}: ${e.message}`;
    }
    return `it exited with code ${code} (process.exit() in the worker?)`;
  }

  #onExit(w: WorkerRec, code: number): void {
    const prev = w.status;
    w.status = "dead";
    w.pluginPort.close();
    this.#workers = this.#workers.filter((x) => x !== w);
    const closing = this.#closing !== undefined;
    const reason = prev === "booting" && w.bootError ? `plugin setup failed: ${w.bootError.message}` : this.#describeDeath(w, code);
    for (const a of w.acks.values()) {
      a.resolve({ name: "WorkerDiedError", message: w.bootError?.message ?? `${w.name} died before answering: ${reason}`, stack: w.bootError?.stack });
    }
    w.acks.clear();

    // Node delivers a dead worker's last messages before 'exit', so `held`
    // starts with the tasks it finished but had not reported yet (their
    // number is in running[1]), then the one it was running (running[0]).
    const culprit = w.running[0];
    let unreported = w.running[1];
    const held = w.inflight.drain();
    const requeue: Task[] = [];
    for (const t of held) {
      const completed = unreported > 0;
      unreported--;
      if (t.worker !== w || t.state !== "processing") continue;
      if (closing) {
        this.#settle(t, "error", undefined, new MsPASSError(`the scheduler closed before task ${t.key} finished`, "Fatal"));
        continue;
      }
      const charge = t.id === culprit;
      if (completed) {
        // It ran to completion but its result died with the worker.
        t.reruns++;
        this.#reruns++;
        this.emit("task-rerun", { key: t.key, worker: w.id });
      }
      if (t.transfer !== null) {
        this.#settle(
          t,
          "error",
          undefined,
          new WorkerDiedError(`${w.name} died holding task ${t.key}, whose moved (transferred) arguments died with it: ${reason}`),
        );
      } else if (charge && t.retriesLeft <= 0) {
        this.#settle(
          t,
          "error",
          undefined,
          new WorkerDiedError(
            `${w.name} died while running task ${t.key}: ${reason}; no retries left after ${t.attempts} attempt(s)`,
          ),
        );
      } else {
        if (charge) t.retriesLeft--;
        else if (!completed) t.attempts--; // dispatched but never started: not an attempt
        requeue.push(t);
      }
    }
    // Rescheduled tasks go back to the front, in their original order.
    for (let i = requeue.length - 1; i >= 0; i--) {
      const t = requeue[i];
      this.#move(t, "queued");
      this.#queue.unshift(t, t.priority);
    }

    if (closing || prev === "stopping") return;
    if (prev === "booting") {
      w.slot.bootFailures++;
      this.#lastBootError = w.bootError ?? new MsPASSError(`${w.name} died while starting: ${reason}`, "Fatal");
    }
    this.emit("worker-died", { id: w.id, name: w.name, reason, rescheduled: requeue.length });
    if (w.slot.bootFailures >= MAX_BOOT_FAILURES) {
      w.slot.abandoned = true;
      this.emit("worker-abandoned", { slot: w.slot.index, reason });
      if (this.#workers.length === 0) this.#failEverything(this.#noWorkersError());
      this.#checkBootWaiters();
      return;
    }
    this.#restarts++;
    this.#spawn(w.slot);
    this.#checkBootWaiters();
  }

  #failEverything(err: Error): void {
    for (const t of this.#queue.drain()) if (t.state === "queued") this.#settle(t, "error", undefined, err);
  }

  // ---------------------------------------------------------------- tasks

  #group(name: string): TaskGroup {
    return this.#groups.groupOf(name);
  }

  #def(fn: TaskFn, where: string): FnDef {
    return this.#fns.defOf(fn, where);
  }

  /** @internal Function definition (with id) for a bag stage. */
  defOf(fn: TaskFn, where: string): FnDef {
    this.#checkOpen(where);
    return this.#def(fn, where);
  }

  /** @internal Counters for a task name. */
  groupOf(name: string): TaskGroup {
    return this.#group(name);
  }

  #checkOpen(where: string): void {
    if (this.#closing !== undefined) throw new MsPASSError(`${where}: the scheduler is closed`, "Invalid");
  }

  #move(t: Task, to: TaskState): void {
    this.#counts[t.state]--;
    this.#counts[to]++;
    t.state = to;
  }

  #settle(t: Task, state: "finished" | "error" | "cancelled", value: unknown, error?: Error): void {
    if (isSettled(t)) return;
    this.#counts[t.state]--;
    this.#counts[state]++;
    if (this.#keys.size > 0 && this.#keys.get(t.key)?.[TASK] === t) this.#keys.delete(t.key);
    if (t.pendingDeps > 0) this.#waitingDeps.delete(t);
    settle(t, state, value, error);
    this.#activate(-1);
  }

  /** @internal Create a task (shared by submit, map and bags). */
  makeTask(
    def: FnDef | null,
    fnId: number,
    args: unknown[],
    opts: {
      key?: string;
      retries?: number;
      priority?: number;
      pure?: boolean;
      batchCap?: number;
      needs?: FnDef[] | null;
      /** Create it without queueing it (scattered data). */
      hold?: boolean;
    },
    group: TaskGroup,
  ): Future<unknown> {
    checkArguments(args, `task ${group.name}`);
    const id = this.#nextTaskId++;
    const retries = opts.retries === undefined ? 0 : nonNegativeInt(opts.retries, "retries");
    const priority = opts.priority ?? 0;
    if (typeof priority !== "number" || !Number.isFinite(priority)) {
      throw new MsPASSError(`priority must be a finite number, got ${String(priority)}`, "Invalid");
    }
    let transferList: ArrayBuffer[] | null = null;
    let deps: Task[] | null = null;
    for (let i = 0; i < args.length; i++) {
      const a = args[i];
      if (a instanceof Future) (deps ??= []).push(a[TASK]);
      else if (isTransfer(a)) {
        for (const b of a.list) if (b instanceof ArrayBuffer) (transferList ??= []).push(b);
        args[i] = a.value;
      } else if (Array.isArray(a) && a.length > 0 && a.some((x) => x instanceof Future)) {
        for (const x of a) if (x instanceof Future) (deps ??= []).push(x[TASK]);
      }
    }
    let key = opts.key;
    let indexed = true;
    if (key === undefined) {
      indexed = opts.pure === true;
      key = indexed ? `${group.name}-${pureHash(fnId, def, args)}` : `${group.name}-${id}`;
    } else if (typeof key !== "string" || key.length === 0) {
      throw new MsPASSError(`key must be a non-empty string, got ${String(key)}`, "Invalid");
    }
    if (indexed) {
      const existing = this.#keys.get(key);
      if (existing !== undefined) return existing;
    }

    const t: Task = {
      id,
      key,
      state: "waiting",
      fnId,
      needs: opts.needs ?? null,
      def,
      args,
      deps,
      pendingDeps: 0,
      hasScatterRefs: false,
      transfer: transferList,
      retriesLeft: retries,
      attempts: 0,
      reruns: 0,
      priority,
      batchCap: opts.batchCap ?? MAX_BATCH,
      group,
      worker: null,
      value: undefined,
      error: undefined,
      listeners: null,
      future: null,
      dataId: 0,
      cancel: this.#cancelFn,
    };
    const f = new Future<unknown>(t);
    t.future = f;
    group.total++;
    this.#counts.waiting++;
    this.#activate(1);
    if (indexed) this.#keys.set(key, f);
    if (deps !== null) {
      for (const d of deps) {
        if (d.dataId > 0) t.hasScatterRefs = true;
        if (!isSettled(d)) {
          t.pendingDeps++;
          onSettled(d, (dep) => this.#depSettled(t, dep));
        } else if (d.state !== "finished") {
          this.#depSettled(t, d);
          return f;
        }
      }
    }
    if (t.pendingDeps > 0) this.#waitingDeps.add(t);
    else if (opts.hold !== true) this.#enqueue(t);
    return f;
  }

  #depSettled(t: Task, dep: Task): void {
    if (t.state !== "waiting") return;
    if (dep.state !== "finished") {
      const err = dep.state === "cancelled" ? new CancelledError(dep.key) : dep.error;
      this.#settle(t, "error", undefined, err);
      return;
    }
    if (--t.pendingDeps <= 0) {
      this.#waitingDeps.delete(t);
      this.#enqueue(t);
    }
  }

  #enqueue(t: Task): void {
    this.#move(t, "queued");
    this.#queue.push(t, t.priority);
    if (!this.#dispatchQueued) {
      this.#dispatchQueued = true;
      queueMicrotask(() => {
        this.#dispatchQueued = false;
        this.#dispatch();
      });
    }
  }

  /**
   * How many tasks like `t` a worker should hold: about BATCH_TARGET_MS of
   * work. Unknown or slow tasks get 1, so nothing waits behind a long task
   * on one worker while another is idle, and priorities stay meaningful.
   */
  #batchTarget(t: Task | undefined): number {
    const avg = t === undefined ? undefined : this.#avgMs.get(t.group.name);
    if (avg === undefined) return 1; // unknown cost: start small, grow from measurements
    return Math.max(1, Math.min(MAX_BATCH, Math.floor(BATCH_TARGET_MS / Math.max(avg, 1e-4))));
  }

  #dispatch(): void {
    if (this.#counts.queued === 0 || this.#closing !== undefined) return;
    const ready = this.#workers.filter((w) => w.status === "ready");
    if (ready.length === 0) return;
    let progress = true;
    while (progress && this.#counts.queued > 0) {
      progress = false;
      for (let k = 0; k < ready.length && this.#counts.queued > 0; k++) {
        let head = this.#queue.peek();
        while (head !== undefined && head.state !== "queued") {
          this.#queue.shift(); // drop cancelled entries so the head is real
          head = this.#queue.peek();
        }
        const target = this.#batchTarget(head);
        const w = ready[(this.#rr + k) % ready.length];
        if (w.status !== "ready" || w.inflight.length >= target) continue;
        // A worker that has reported nothing for a while is inside a slow task:
        // tasks sent now would wait behind it instead of going to the next free worker.
        if (w.inflight.length > 0 && performance.now() - w.progressAt > STALL_MS) continue;
        const n = Math.min(target, Math.ceil(this.#counts.queued / ready.length));
        if (this.#sendBatch(w, n) > 0) progress = true;
      }
      this.#rr = (this.#rr + 1) % ready.length;
    }
  }

  #sendBatch(w: WorkerRec, n: number): number {
    const ids: number[] = [];
    const fns: number[] = [];
    const args: unknown[][] = [];
    let refs: number[] | null = null;
    let defs: FnDef[] | null = null;
    let data: [number, unknown][] | null = null;
    let transferList: ArrayBuffer[] | undefined;
    const tasks: Task[] = [];
    let cap = n;
    while (ids.length < cap) {
      const t = this.#queue.shift();
      if (t === undefined) break;
      if (t.state !== "queued") continue; // cancelled while queued
      if (t.batchCap < cap) cap = Math.max(t.batchCap, ids.length + 1);
      if (t.def !== null && !w.sentFns.has(t.fnId)) {
        w.sentFns.add(t.fnId);
        (defs ??= []).push(t.def);
      }
      if (t.needs !== null) {
        for (const d of t.needs) {
          if (!w.sentFns.has(d.id)) {
            w.sentFns.add(d.id);
            (defs ??= []).push(d);
          }
        }
      }
      let a = t.args;
      if (t.deps !== null) {
        a = a.map((x) => this.#wireArg(x, w, (id, v) => (data ??= []).push([id, v])));
        if (t.hasScatterRefs) (refs ??= []).push(ids.length);
      }
      if (t.transfer !== null) (transferList ??= []).push(...t.transfer);
      ids.push(t.id);
      fns.push(t.fnId);
      args.push(a);
      tasks.push(t);
    }
    if (ids.length === 0) return 0;
    if (w.inflight.length === 0) w.progressAt = performance.now();
    for (const t of tasks) {
      this.#move(t, "processing");
      t.worker = w;
      t.attempts++;
      w.inflight.push(t);
    }
    const msg: MainToWorker = { t: "batch", ids, fns, args, refs, defs, data };
    try {
      w.thread.postMessage(msg, transferList);
    } catch (err) {
      this.#rescueBatch(w, tasks, msg, err as Error);
    }
    return ids.length;
  }

  /** A batch failed to clone: fail the tasks whose arguments cannot be sent, resend the others. */
  #rescueBatch(w: WorkerRec, tasks: Task[], msg: Extract<MainToWorker, { t: "batch" }>, err: Error): void {
    const keep: number[] = [];
    for (let i = 0; i < tasks.length; i++) {
      try {
        structuredClone(msg.args[i]);
        keep.push(i);
      } catch (e) {
        this.#settle(
          tasks[i],
          "error",
          undefined,
          new MsPASSError(`task ${tasks[i].key}: its arguments cannot be sent to a worker: ${(e as Error).message}`, "Invalid"),
        );
      }
    }
    if (keep.length === tasks.length) {
      for (const t of tasks) this.#settle(t, "error", undefined, new MsPASSError(`cannot send task ${t.key} to ${w.name}: ${err.message}`, "Fatal"));
      return;
    }
    const pick = <T>(xs: T[]): T[] => keep.map((i) => xs[i]);
    const refSet = new Set(msg.refs ?? []);
    const refs = keep.flatMap((i, j) => (refSet.has(i) ? [j] : []));
    const again: MainToWorker = { ...msg, ids: pick(msg.ids), fns: pick(msg.fns), args: pick(msg.args), refs: refs.length ? refs : null };
    // Failed tasks stay in the in-flight list as settled entries; the worker never reports them, so drop them.
    const failed = new Set(tasks.filter((_t, i) => !keep.includes(i)));
    const rest = w.inflight.drain().filter((t) => !failed.has(t));
    for (const t of rest) w.inflight.push(t);
    if (keep.length > 0) w.thread.postMessage(again);
  }

  #wireArg(x: unknown, w: WorkerRec, sendData: (id: number, v: unknown) => void): unknown {
    if (x instanceof Future) {
      const d = x[TASK];
      if (d.dataId > 0) {
        if (!w.sentData.has(d.dataId)) {
          w.sentData.add(d.dataId);
          sendData(d.dataId, d.value);
        }
        return { __mspassData: d.dataId } satisfies DataRef;
      }
      return d.value;
    }
    if (Array.isArray(x) && x.some((y) => y instanceof Future)) return x.map((y) => this.#wireArg(y, w, sendData));
    return x;
  }

  #onResults(w: WorkerRec, m: ResultsMessage): void {
    const n = m.ids.length;
    w.progressAt = performance.now();
    if (m.mem !== null) w.mem = m.mem;
    const errs = m.errs;
    let ei = 0;
    const skipped = m.skipped;
    let si = 0;
    const tasks: (Task | undefined)[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const t = w.inflight.shift();
      tasks[i] = t;
      if (t === undefined || t.id !== m.ids[i]) {
        this.emit("protocol-error", new MsPASSError(`internal: ${w.name} reported task ${m.ids[i]} out of order`, "Fatal"));
        continue;
      }
      let err: ErrorInfo | undefined;
      if (errs !== null && ei < errs.length && errs[ei][0] === i) err = errs[ei++][1];
      let skip = false;
      if (skipped !== null && si < skipped.length && skipped[si] === i) {
        si++;
        skip = true;
      }
      if (t.worker !== w || t.state !== "processing") continue; // cancelled meanwhile: result discarded
      if (skip) {
        // The worker skipped it after a cancel that has since been overtaken (cannot normally happen); run it again.
        t.attempts--;
        this.#move(t, "queued");
        this.#queue.unshift(t, t.priority);
        continue;
      }
      if (err !== undefined) {
        w.erred++;
        if (t.retriesLeft > 0) {
          t.retriesLeft--;
          this.#move(t, "queued");
          this.#queue.push(t, t.priority);
        } else {
          const e = deserializeError(err);
          this.#settle(t, "error", undefined, e);
        }
      } else {
        w.done++;
        this.#settle(t, "finished", m.vals[i]);
      }
    }
    this.#recordStream(w, m, tasks);
    this.#dispatch();
  }

  #recordStream(w: WorkerRec, m: ResultsMessage, tasks: (Task | undefined)[]): void {
    const s = m.seg;
    for (let k = 0; k + 3 < s.length; k += 4) {
      const first = tasks[s[k]];
      const n = s[k + 1] - s[k];
      const name = first?.group.name ?? "?";
      const erred = m.errs === null ? 0 : m.errs.filter(([i]) => i >= s[k] && i < s[k + 1]).length;
      this.#stream.push({ worker: w.id, name, start: s[k + 2], end: s[k + 3], n, erred });
      if (n > 0 && first !== undefined) {
        const per = (s[k + 3] - s[k + 2]) / n;
        const prev = this.#avgMs.get(name);
        this.#avgMs.set(name, prev === undefined ? per : 0.7 * prev + 0.3 * per);
      }
    }
    if (this.#stream.length > STREAM_KEEP * 2) this.#stream = this.#stream.slice(-STREAM_KEEP);
  }

  #cancelTask(t: Task): void {
    if (t.state === "processing") {
      const w = t.worker as WorkerRec;
      if (w.cancelIds === null) {
        w.cancelIds = [];
        queueMicrotask(() => {
          const ids = w.cancelIds!;
          w.cancelIds = null;
          if (w.status !== "dead") w.thread.postMessage({ t: "cancel", ids } satisfies MainToWorker);
        });
      }
      w.cancelIds.push(t.id);
    }
    this.#settle(t, "cancelled", undefined, new CancelledError(t.key));
  }

  // ---------------------------------------------------------------- futures API

  /**
   * Run `fn(...args)` on a worker. `fn` is a self-contained function (sent
   * as source; no closures) or `task(import.meta.url, "export")`. Futures
   * among the arguments (top level, or inside a top-level array) are
   * replaced by their values once they finish. Options go last, wrapped:
   * `submit(fn, a, b, taskOptions({ key, retries, priority, pure }))`.
   * Wrap an argument in `transfer(value, [buffers])` to move its buffers.
   */
  submit<F extends AnyFunction>(fn: TaskFn<F>, ...args: unknown[]): Future<Awaited<ReturnType<F>>> {
    this.#checkOpen("submit");
    let opts: SubmitOptions = {};
    if (args.length > 0 && isTaskOptions(args[args.length - 1])) opts = args.pop() as SubmitOptions;
    const def = this.#def(fn, "submit");
    return this.makeTask(def, def.id, args, opts, this.#group(def.name)) as Future<Awaited<ReturnType<F>>>;
  }

  /** `submit(fn, item)` for each item; returns the futures in order. */
  map<F extends AnyFunction>(fn: TaskFn<F>, items: Iterable<unknown>, options: MapOptions = {}): Future<Awaited<ReturnType<F>>>[] {
    this.#checkOpen("map");
    if (items === null || typeof (items as Iterable<unknown>)?.[Symbol.iterator] !== "function") {
      throw new MsPASSError("map: items must be an iterable", "Invalid");
    }
    const def = this.#def(fn, "map");
    const batchCap = options.batchSize === undefined ? undefined : positiveInt(options.batchSize, "map: batchSize");
    const group = this.#group(def.name);
    const out: Future<Awaited<ReturnType<F>>>[] = [];
    let i = 0;
    const prefix = options.key;
    const base = { retries: options.retries, priority: options.priority, pure: options.pure, batchCap, key: undefined as string | undefined };
    for (const item of items) {
      if (prefix !== undefined) base.key = `${prefix}-${i}`;
      out.push(this.makeTask(def, def.id, [item], base, group) as Future<Awaited<ReturnType<F>>>);
      i++;
    }
    const bar = barFor(options.progress, def.name);
    if (bar !== null) {
      bar.track(out);
      void gatherAll(out, { errors: "skip" }).then(() => bar.finish());
    }
    return out;
  }

  /** Values of the futures, in order (plain values pass through). See GatherOptions. */
  gather<T>(futures: Future<T>, options?: SchedulerGatherOptions): Promise<T>;
  gather<T>(futures: readonly (Future<T> | T)[], options?: SchedulerGatherOptions): Promise<T[]>;
  async gather<T>(futures: Future<T> | readonly (Future<T> | T)[], options: SchedulerGatherOptions = {}): Promise<T | T[]> {
    if (futures instanceof Future) return futures.result();
    if (!Array.isArray(futures)) throw new MsPASSError("gather: expected a Future or an array of futures", "Invalid");
    const bar = barFor(options.progress, "gather");
    if (bar !== null) bar.track(futures.filter((f): f is Future<T> => f instanceof Future) as Future<unknown>[]);
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
   * want the value back. With `broadcast`, every worker (and every later
   * one) gets a copy now and the future finishes when all have it;
   * otherwise a worker receives the data with the first task that needs it.
   */
  scatter<T>(data: T[], options?: ScatterOptions): Future<T>[];
  scatter<T>(data: T, options?: ScatterOptions): Future<T>;
  scatter<T>(data: T | T[], options: ScatterOptions = {}): Future<T> | Future<T>[] {
    this.#checkOpen("scatter");
    if (Array.isArray(data)) return data.map((d) => this.#scatterOne<T>(d, options.broadcast === true));
    return this.#scatterOne<T>(data as T, options.broadcast === true);
  }

  #scatterOne<T>(value: T, broadcast: boolean): Future<T> {
    checkArguments([value], "scatter");
    try {
      structuredClone(value);
    } catch (err) {
      throw new MsPASSError(`scatter: the data cannot be sent to workers: ${(err as Error).message}`, "Invalid");
    }
    const dataId = this.#nextDataId++;
    this.#data.set(dataId, { value, broadcast });
    const f = this.makeTask(null, 0, [], { key: `scatter-${dataId}`, hold: true }, this.#group("scatter")) as Future<T>;
    const t = f[TASK];
    t.dataId = dataId;
    t.cancel = null;
    if (!broadcast) {
      this.#settle(t, "finished", value);
      return f;
    }
    const live = this.#workers.filter((w) => w.status === "booting" || w.status === "ready");
    void Promise.all(
      live.map((w) => {
        w.sentData.add(dataId);
        return this.#control(w, { t: "data", seq: 0, id: dataId, value }).then((err) =>
          err !== null && w.status !== "dead" ? deserializeError(err) : null,
        );
      }),
    ).then((errs) => {
      const err = errs.find((e) => e !== null);
      if (err) this.#settle(t, "error", undefined, err);
      else this.#settle(t, "finished", value);
    });
    return f;
  }

  /** Forget scattered data on the workers and here. */
  release(futures: Future<unknown> | Iterable<Future<unknown>>): void {
    const list = futures instanceof Future ? [futures] : [...futures];
    const ids = list.map((f) => f[TASK].dataId).filter((d) => d > 0);
    for (const id of ids) this.#data.delete(id);
    for (const w of this.#workers) {
      const mine = ids.filter((id) => w.sentData.delete(id));
      if (mine.length > 0 && w.status !== "dead") w.thread.postMessage({ t: "drop", ids: mine } satisfies MainToWorker);
    }
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

  // ---------------------------------------------------------------- plugins

  #control(w: WorkerRec, msg: ControlMessage): Promise<ErrorInfo | null> {
    if (w.status === "dead") return Promise.resolve({ name: "WorkerDiedError", message: `${w.name} is gone` });
    const seq = this.#nextSeq++;
    this.#activate(1);
    return new Promise<ErrorInfo | null>((resolve) => {
      w.acks.set(seq, {
        resolve: (e) => {
          this.#activate(-1);
          resolve(e);
        },
      });
      if (msg.t === "plugin-add" || msg.t === "plugin-remove") {
        // Post first, bump second: a worker that sees the new epoch between
        // two tasks of a batch is sure to find the message on the port.
        w.pluginPort.postMessage({ ...msg, seq });
        Atomics.add(w.pluginEpoch, 0, 1);
      } else {
        w.thread.postMessage({ ...msg, seq });
      }
    });
  }

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
    this.#checkOpen("registerPlugin");
    if (typeof spec !== "object" || spec === null) {
      throw new MsPASSError("registerPlugin: plugin must be { module, export, options? }", "Invalid");
    }
    const module = normalizeModule(spec.module, "registerPlugin");
    if (typeof spec.export !== "string" || spec.export.length === 0) {
      throw new MsPASSError(`registerPlugin: plugin export must be a non-empty string, got ${String(spec.export)}`, "Invalid");
    }
    const name = options.name ?? spec.export;
    if (typeof name !== "string" || name.length === 0) throw new MsPASSError("registerPlugin: name must be a non-empty string", "Invalid");
    if (options.idempotent && this.#plugins.has(name)) return;
    try {
      structuredClone(spec.options);
    } catch (err) {
      throw new MsPASSError(`registerPlugin: options of plugin "${name}" cannot be sent to workers: ${(err as Error).message}`, "Invalid");
    }
    const wire: PluginWire = { name, module, export: spec.export, options: spec.options, version: this.#nextPluginVersion++ };
    this.#plugins.delete(name);
    this.#plugins.set(name, wire);
    const targets = this.#workers.filter((w) => w.status === "booting" || w.status === "ready");
    const results = await Promise.all(targets.map((w) => this.#control(w, { t: "plugin-add", seq: 0, plugin: wire })));
    const failure = results.find((r) => r !== null);
    if (failure === undefined || failure === null) return;
    if (this.#plugins.get(name) === wire) this.#plugins.delete(name);
    await Promise.all(
      targets.filter((w, i) => results[i] === null && w.status !== "dead").map((w) => this.#control(w, { t: "plugin-remove", seq: 0, name })),
    );
    throw deserializeError(failure);
  }

  /** Alias of registerPlugin, for MsPASS-style code (`register_worker_plugin`). */
  registerWorkerPlugin(spec: PluginSpec, options: RegisterPluginOptions = {}): Promise<void> {
    return this.registerPlugin(spec, options);
  }

  /** Tear the plugin down on every worker and forget it. */
  async unregisterPlugin(name: string): Promise<void> {
    this.#checkOpen("unregisterPlugin");
    if (!this.#plugins.has(name)) throw new MsPASSError(`unregisterPlugin: no plugin named "${String(name)}" is registered`, "Invalid");
    this.#plugins.delete(name);
    const live = this.#workers.filter((w) => w.status === "booting" || w.status === "ready");
    const results = await Promise.all(live.map((w) => this.#control(w, { t: "plugin-remove", seq: 0, name })));
    const failure = results.find((r, i) => r !== null && live[i].status !== "dead");
    if (failure) throw deserializeError(failure);
  }

  /** Names of the registered plugins, in registration order. */
  plugins(): string[] {
    return [...this.#plugins.keys()];
  }

  // ---------------------------------------------------------------- diagnostics

  workers(): WorkerInfo[] {
    return this.#workers.map((w) => ({
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
    for (const w of this.#workers) if (w.status === "ready") w.thread.postMessage({ t: "mem" } satisfies MainToWorker);
  }

  /** Snapshot for the dashboard; `since` limits the task stream to segments ending after it (epoch ms). */
  state(since = 0): SchedulerState {
    const c = this.#counts;
    const stream: StreamSegment[] = [];
    for (let i = this.#stream.length - 1; i >= 0 && stream.length < STREAM_KEEP; i--) {
      const s = this.#stream[i];
      if (s.end < since) break;
      stream.push(s);
    }
    stream.reverse();
    return {
      time: Date.now(),
      started: this.#startedAt,
      counts: { waiting: c.waiting + c.queued, processing: c.processing, done: c.finished, erred: c.error, cancelled: c.cancelled },
      workers: this.workers(),
      groups: [...this.#groups.values()].filter((g) => g.name !== "scatter").map((g) => ({ ...g })),
      stream,
      restarts: this.#restarts,
      reruns: this.#reruns,
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
    openSchedulers.delete(this);
    const closed = new MsPASSError("the scheduler was closed", "Fatal");
    for (const t of this.#queue.drain()) if (t.state === "queued") this.#settle(t, "error", undefined, closed);
    for (const t of [...this.#waitingDeps]) this.#settle(t, "error", undefined, closed);
    for (const b of this.#bootWaiters) b.reject(closed);
    this.#bootWaiters = [];
    const workers = [...this.#workers];
    await Promise.all(workers.map((w) => this.#stopWorker(w)));
    await this.#dashboard?.close();
    this.#dashboard = undefined;
    this.#setRef(false);
    openSchedulers.delete(this);
  }

  async #stopWorker(w: WorkerRec): Promise<void> {
    if (w.status === "dead") return;
    w.status = "stopping";
    w.thread.ref(); // keep Node up until the worker has really ended
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((r) => (timer = setTimeout(r, this.#stopTimeoutMs)));
    const seq = this.#nextSeq++;
    const acked = new Promise<void>((resolve) => w.acks.set(seq, { resolve: () => resolve() }));
    try {
      w.thread.postMessage({ t: "stop", seq } satisfies MainToWorker);
    } catch {
      /* already gone */
    }
    await Promise.race([acked, w.exited.then(() => undefined), deadline]);
    clearTimeout(timer);
    await w.thread.terminate();
    await w.exited;
  }
}

function pureHash(fnId: number, def: FnDef | null, args: unknown[]): string {
  const h = createHash("sha1");
  h.update(def === null ? String(fnId) : def.kind === "module" ? `${def.module}#${def.export}` : def.source);
  try {
    h.update(serialize(args.map((a) => (a instanceof Future ? { future: a.key } : a))));
  } catch (err) {
    throw new MsPASSError(`submit: pure task arguments cannot be serialized: ${(err as Error).message}`, "Invalid");
  }
  return h.digest("hex").slice(0, 16);
}
